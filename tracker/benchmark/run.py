"""Prepare a benchmark database (reuse or fill) and time the operations in it."""

from __future__ import annotations

import contextlib
import statistics
import time

from django.core.management import call_command
from django.db import DatabaseError
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.throttling import SimpleRateThrottle

from . import database
from .fill import Shape, fill, shape_key, stored
from .operations import Context, Operation, Skip, WrongPage

#: Throttle rates far above what the benchmark sends: a 429 would be timed as an answer.
RAISED_RATES = {"anon": "100000000/minute", "user": "100000000/minute"}


@contextlib.contextmanager
def raised_throttles():
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**original, **RAISED_RATES}
    try:
        yield
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


def no_time_limit(connection) -> None:
    """Filling and migrating a million rows take minutes: the run's --timeout is for requests."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")


def migrate(connection) -> None:
    """Bring the benchmark database to the code's migrations (a stored fill stays usable when
    other branches add migrations); cheap when nothing is unapplied."""
    no_time_limit(connection)
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0, interactive=False)


def prepare(bench: dict, shape: Shape, *, refill: bool, say) -> dict:
    """A benchmark database holding ``shape``: the stored fill when it matches, else a new one.
    Returns {reused, seconds, counts}."""
    if not refill and database.exists(bench):
        probe = database.open_connection(bench, "benchmark_probe")
        try:
            held = stored(probe)
        finally:
            probe.close()
        if held and held["shape"] == shape_key(shape):
            with database.serving(bench) as connection:
                migrate(connection)
            say(f"{bench['NAME']}: reusing the fill of {held['filled_at']}")
            return {"reused": True, "seconds": held["seconds"], "counts": held["counts"]}
    database.drop_and_create(bench)
    with database.serving(bench) as connection:
        migrate(connection)
        say(f"{bench['NAME']}: filling {shape.transfers:,} transfers…")
        no_time_limit(connection)
        result = fill(connection, shape)
    say(f"{bench['NAME']}: filled in {result['seconds']:.1f} s")
    return {"reused": False, **result}


def consume(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def measure(bench: dict, shape: Shape, operations: list[Operation], repeat: int, say) -> list:
    """Time each operation through the API (test client, the default connection swapped to the
    benchmark database) and in raw SQL (a second connection), interleaved, ``repeat`` times
    after one warm-up; medians in ms."""
    rows = []
    raw = database.open_connection(bench, "benchmark_raw")
    with database.serving(bench) as connection, raised_throttles():
        client = Client(HTTP_HOST="localhost")
        ctx = Context(shape=shape, client=client, raw=raw)
        ready = []
        for op in operations:
            row = {"size": shape.transfers, "operation": op.name, "api_ms": None, "raw_ms": None,
                   "ratio": None, "queries": None, "bytes": None, "note": None}  # fmt: skip
            rows.append(row)
            try:
                url = op.url(ctx)
                raw_run = op.raw(ctx)
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(url)
                    size = consume(response)
                if response.status_code == 404 or (
                    op.stream and (response.status_code != 200 or not response.streaming)
                ):
                    raise Skip(
                        f"{url} answers {response.status_code}"
                        + ("" if response.streaming else ", not a stream of the whole set")
                    )
                if response.status_code != 200:
                    row["note"] = f"error: {url} answered {response.status_code}: " + (
                        response.content[:200].decode(errors="replace")
                    )
                    continue
                row.update(queries=len(captured), bytes=size, url=url)
                raw_run()
                ready.append((op, row, url, raw_run))
            except Skip as reason:
                row["note"] = f"skipped (not available): {reason}"
            except WrongPage as exc:
                row["note"] = f"error: {exc}"
            except DatabaseError as exc:  # one broken statement does not end a long run
                row["note"] = f"error: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        api_times = {id(r): [] for _, r, _, _ in ready}
        raw_times = {id(r): [] for _, r, _, _ in ready}
        for n in range(repeat):
            for _op, row, url, raw_run in ready:
                started = time.perf_counter()
                consume(client.get(url))
                api_times[id(row)].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                raw_run()
                raw_times[id(row)].append((time.perf_counter() - started) * 1000)
            say(f"  round {n + 1}/{repeat} done")
        for _op, row, _url, _raw in ready:
            row["api_ms"] = round(statistics.median(api_times[id(row)]), 2)
            row["raw_ms"] = round(statistics.median(raw_times[id(row)]), 2)
    raw.close()
    return rows


def add_ratios(rows: list[dict]) -> None:
    """ratio = api_ms at this size / api_ms at the smallest size measured, per operation."""
    smallest: dict[str, float] = {}
    for row in sorted(rows, key=lambda r: r["size"]):
        if row["api_ms"] is None:
            continue
        base = smallest.setdefault(row["operation"], row["api_ms"])
        row["ratio"] = round(row["api_ms"] / base, 2) if base else None
