"""The concurrency run: gunicorn on the benchmark database, locust playing N readers with no
think time for a fixed time, over the operations' URLs; requests/s, errors and percentiles from
locust's CSV summary. Only loopback addresses are used; both processes are stopped afterwards.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.test import Client

from . import database
from .fill import Shape
from .operations import Context, Operation, Skip
from .run import raised_throttles

LOCUSTFILE = Path(settings.BASE_DIR) / "tests" / "load" / "benchmark_locustfile.py"
RAISED = "1000000000/minute"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def urls_for(bench: dict, shape: Shape, operations: list[Operation], say) -> list[str]:
    """The operations' URLs at this size (exports left out: each streams thousands of rows and
    is timed alone by the ordinary run)."""
    urls = []
    raw = database.open_connection(bench, "benchmark_raw")
    try:
        with database.serving(bench), raised_throttles():
            ctx = Context(shape=shape, client=Client(HTTP_HOST="localhost"), raw=raw)
            for op in operations:
                if op.stream:
                    continue
                try:
                    urls.append(op.url(ctx))
                except Skip as reason:
                    say(f"  {op.name}: skipped (not available): {reason}")
    finally:
        raw.close()
    return urls


def wait_until_up(url: str, process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError("gunicorn stopped before answering; see its output above.")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.5)
    raise CommandError(f"gunicorn did not answer {url} within {seconds:.0f} s.")


def run_load(bench, shape, operations, *, users: int, duration: int, workers: int, say) -> list:
    urls = urls_for(bench, shape, operations, say)
    if not urls:
        raise CommandError("No operation to load.")
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database.database_url(bench),
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_LOG_LEVEL": "WARNING",
        "TRACKER_THROTTLE_ANON": RAISED,
        "TRACKER_THROTTLE_USER": RAISED,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the server runs the project's settings
    with tempfile.TemporaryDirectory(prefix="benchmark-load-") as tmp:
        url_file = Path(tmp) / "urls.json"
        url_file.write_text(json.dumps(urls))
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(workers),
             "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning"],
            cwd=settings.BASE_DIR, env=env,
        )  # fmt: skip
        try:
            wait_until_up(f"{host}/api/", server)
            say(f"{shape.transfers:,}: {users} users for {duration} s on {len(urls)} URLs…")
            prefix = Path(tmp) / "locust"
            subprocess.run(  # noqa: S603
                [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                 "-u", str(users), "-r", str(users), "-t", f"{duration}s", "--host", host,
                 "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
                 "--exit-code-on-error", "0"],
                cwd=settings.BASE_DIR, env={**env, "BENCHMARK_URLS": str(url_file)},
                check=True, stdout=subprocess.DEVNULL if users else None,
            )  # fmt: skip
            return [summary(prefix, shape.transfers, users, duration)]
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            cancel_leftovers(bench)


def cancel_leftovers(bench: dict) -> None:
    """A statement a stopped worker left running on PostgreSQL goes on until it next writes to
    the gone client (minutes, for a big COUNT): cancel what still runs in the benchmark
    database."""
    if not bench["ENGINE"].endswith("postgresql"):
        return
    with database._server_cursor(bench) as cursor:
        cursor.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND state = 'active'",
            [bench["NAME"]],
        )


def summary(prefix: Path, size: int, users: int, duration: int) -> dict:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    per_url = {
        row["Name"]: {"requests": int(row["Request Count"]), "p95": row["95%"]}
        for row in rows
        if row["Name"] != "Aggregated"
    }
    return {
        "size": size,
        "users": users,
        "duration": duration,
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50": total["50%"],
        "p95": total["95%"],
        "p99": total["99%"],
        "per_url": per_url,
    }
