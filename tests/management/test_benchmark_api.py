"""`benchmark_api` at a tiny size: the JSON shape, the fill kept out of the user's database, a
second run reusing the fill. No timing is asserted."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from rest_framework.pagination import CursorPagination

from tracker import models
from tracker.api.views import TransferViewSet
from tracker.benchmark import database
from tracker.benchmark.fill import stored
from tracker.benchmark.operations import BY_SLUG

SIZE = 100
KEYS = {"size", "operation", "api_ms", "raw_ms", "ratio", "queries", "bytes", "note"}


@pytest.fixture
def bench_url(tmp_path, transactional_db):
    """Where the test's fill goes: a file on SQLite (the test database is in memory), the
    derived database on PostgreSQL; removed afterwards."""
    url = f"sqlite:///{tmp_path}/bench_{{size}}.sqlite3" if connection.vendor == "sqlite" else ""
    yield url
    database.drop(database.benchmark_settings(SIZE, url or None))


def run(bench_url, *args):
    out, err = StringIO(), StringIO()
    options = ["--transfers", str(SIZE), "--repeat", "1", "--json", *args]
    if bench_url:
        options += ["--database-url", bench_url]
    call_command("benchmark_api", *options, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def user_counts():
    return {
        model.__name__: model.objects.count()
        for model in (models.State, models.Item, models.Transfer, models.Evidence, models.Source)
    }


def test_json_lists_every_operation_the_fill_stays_out_of_the_user_database_and_is_reused(
    bench_url,
):
    before = user_counts()
    rows, messages = run(bench_url)
    assert "filled" in messages
    assert {row["operation"] for row in rows} == {op.name for op in BY_SLUG.values()}
    for row in rows:
        assert set(row) == KEYS
        assert row["size"] == SIZE
        if row["api_ms"] is None:  # skipped on this code base, with the reason
            assert row["note"].startswith(("skipped (not available)", "error")), row
        else:
            assert row["raw_ms"] is not None and row["ratio"] == 1.0
            assert row["queries"] >= 1 and row["bytes"] > 0
    measured = {row["operation"] for row in rows if row["api_ms"] is not None}
    assert {"transfers first page", "transfers deep page", "paths 3 hops"} <= measured
    assert not [row for row in rows if (row["note"] or "").startswith("error")]
    assert user_counts() == before  # nothing went into the user's (here: the test) database
    bench = database.benchmark_settings(SIZE, bench_url or None)
    probe = database.open_connection(bench, "probe")
    try:
        with probe.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {models.Transfer._meta.db_table}")
            assert cursor.fetchone()[0] == SIZE
        first = stored(probe)["filled_at"]
    finally:
        probe.close()

    rows, messages = run(bench_url, "--operations", "state-detail")
    assert "reusing the fill" in messages and "filling" not in messages
    assert [row["operation"] for row in rows] == ["state detail"]
    probe = database.open_connection(bench, "probe")
    try:
        assert stored(probe)["filled_at"] == first
    finally:
        probe.close()


class DeepCursor(CursorPagination):
    ordering = ("-order_date", "-id")
    page_size = 50


def test_under_cursor_pagination_the_deep_page_is_the_right_one(bench_url, monkeypatch):
    """The deep page's cursor is encoded by the view's own paginator; the command checks that
    the page starts at the intended row and reports an error row otherwise."""
    monkeypatch.setattr(TransferViewSet, "pagination_class", DeepCursor)
    rows, _ = run(bench_url, "--operations", "transfers-next-page,transfers-deep-page")
    assert [row["note"] for row in rows] == [None, None]
    assert all(row["api_ms"] is not None and row["bytes"] > 0 for row in rows)


def test_the_user_database_is_refused_as_benchmark_database(transactional_db):
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        pytest.skip("the SQLite test database is in memory; no URL names it")
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    with pytest.raises(CommandError, match="user's own"):
        call_command("benchmark_api", "--transfers", str(SIZE), "--database-url", url)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--operations", "nope"], "unknown nope"),
        (["--transfers", "ten"], "--transfers"),
        (["--transfers", "100,1000", "--database-url", "sqlite:////tmp/bench_x.sqlite3"], "{size}"),
    ],
)
def test_bad_options_are_named(args, message, db):
    with pytest.raises(CommandError, match=message):
        call_command("benchmark_api", *args)
