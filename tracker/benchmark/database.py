"""Where a benchmark fill lives: a database of its own, derived from the user's, never the user's.

On PostgreSQL a separate database on the same server (``<name>_benchmark_<size>``); on SQLite a
separate file beside the user's (``<stem>_benchmark_<size>.sqlite3``). ``--database-url`` names
another place; with several sizes it must hold ``{size}``.

While a fill is measured, the ``default`` connection is swapped for one to the benchmark
database (the views, selectors and the cache all use ``default``), and the user's connection is
put back afterwards, untouched.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path

import dj_database_url
from django.core.management.base import CommandError
from django.db import connections
from django.db.utils import load_backend


def _same_place(a: dict, b: dict) -> bool:
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    return all(str(a.get(k) or "") == str(b.get(k) or "") for k in keys)


def benchmark_settings(
    size: int, database_url: str | None = None, timeout_seconds: float = 0
) -> dict:
    """The connection settings of the benchmark database for ``size`` transfers; on
    PostgreSQL, with ``timeout_seconds``, no statement runs longer (an endpoint that would run
    for many minutes is reported as an error instead of stalling the run)."""
    user = connections.settings["default"]
    bench = copy.deepcopy(user)
    if database_url:
        parsed = dj_database_url.parse(database_url.replace("{size}", str(size)))
        bench.update(parsed)
    elif user["ENGINE"].endswith("sqlite3"):
        name = str(user["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            raise CommandError(
                "The default SQLite database is in memory: give --database-url for the benchmark."
            )
        path = Path(name)
        bench["NAME"] = str(path.with_name(f"{path.stem}_benchmark_{size}.sqlite3"))
    elif user["ENGINE"].endswith("postgresql"):
        bench["NAME"] = f"{user['NAME']}_benchmark_{size}"
    else:
        raise CommandError(f"The benchmark runs on SQLite and PostgreSQL, not {user['ENGINE']}.")
    # One connection for the whole run: reconnecting would be timed with a request.
    bench["CONN_MAX_AGE"] = None
    bench["CONN_HEALTH_CHECKS"] = False
    bench["ATOMIC_REQUESTS"] = False
    bench["TEST"] = {**user.get("TEST", {}), "NAME": None}
    if timeout_seconds and bench["ENGINE"].endswith("postgresql"):
        options = dict(bench.get("OPTIONS") or {})
        limit = f"-c statement_timeout={int(timeout_seconds * 1000)}"
        options["options"] = f"{options.get('options', '')} {limit}".strip()
        bench["OPTIONS"] = options
    if _same_place(bench, user):
        raise CommandError(
            f"The benchmark database would be the user's own ({bench['NAME']}): synthetic "
            "verified records must never go there. Give another --database-url."
        )
    return bench


def database_url(bench: dict) -> str:
    """A DATABASE_URL for the benchmark database, for a server started in a subprocess."""
    if bench["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{bench['NAME']}"
    user = bench.get("USER") or ""
    password = f":{bench['PASSWORD']}" if bench.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{bench['PORT']}" if bench.get("PORT") else ""
    return f"postgres://{auth}{bench.get('HOST') or ''}{port}/{bench['NAME']}"


def open_connection(bench: dict, alias: str):
    """A new connection wrapper to the benchmark database, under ``alias``."""
    backend = load_backend(bench["ENGINE"])
    return backend.DatabaseWrapper(copy.deepcopy(bench), alias)


@contextlib.contextmanager
def _server_cursor(bench: dict):
    """A cursor on the benchmark database's server, outside that database (for CREATE/DROP)."""
    wrapper = open_connection(bench, "benchmark_server")
    try:
        with wrapper._nodb_cursor() as cursor:
            yield cursor
    finally:
        wrapper.close()


def exists(bench: dict) -> bool:
    if bench["ENGINE"].endswith("sqlite3"):
        return Path(bench["NAME"]).exists()
    with _server_cursor(bench) as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench["NAME"]])
        return cursor.fetchone() is not None


def drop(bench: dict) -> None:
    """Remove the benchmark database (tests clean up with this)."""
    if bench["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{bench['NAME']}{suffix}").unlink(missing_ok=True)
        return
    with _server_cursor(bench) as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {cursor.db.ops.quote_name(bench['NAME'])}")


def drop_and_create(bench: dict) -> None:
    """An empty benchmark database (dropping the previous fill of this size, if any)."""
    drop(bench)
    if bench["ENGINE"].endswith("postgresql"):
        with _server_cursor(bench) as cursor:
            cursor.execute(f"CREATE DATABASE {cursor.db.ops.quote_name(bench['NAME'])}")


@contextlib.contextmanager
def serving(bench: dict):
    """Within the block, the ``default`` connection is one to the benchmark database; the
    user's connection object comes back afterwards as it was (open transaction included)."""
    original_wrapper = connections["default"]
    original_settings = connections.settings["default"]
    wrapper = open_connection(bench, "default")
    connections.settings["default"] = wrapper.settings_dict
    connections["default"] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        connections["default"] = original_wrapper
        connections.settings["default"] = original_settings
