"""Indexes: history tables index the record and the date only; mostly empty optional foreign keys
of evidence and transfers have partial indexes that leave the empty rows out."""

import pytest
from django.apps import apps
from django.db import connection

from tests import factories as f
from tracker.models import Evidence, Transfer
from tracker.models.sources import FACT_FIELDS

pytestmark = pytest.mark.django_db

SPARSE = {
    Evidence: FACT_FIELDS,
    Transfer: (
        "supplier_party",
        "recipient_party",
        "supplier_organization",
        "recipient_organization",
        "withdrawn_by_source",
    ),
}


def indexes_on(table: str, column: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {
        name: c
        for name, c in found.items()
        if c["columns"] == [column] and c["index"] and not c["primary_key"]
    }


def index_sql(name: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        else:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name]
            )
        return cursor.fetchone()[0]


def test_history_tables_index_only_the_record_the_date_and_the_user():
    """A history table is read by record and date; the indexes simple-history would copy from
    the record's fields (slugs, dates, foreign keys) are not built."""
    historical = [
        m
        for m in apps.get_app_config("tracker").get_models()
        if m.__name__.startswith("Historical")
    ]
    assert historical
    for model in historical:
        indexed = {f.name for f in model._meta.concrete_fields if f.db_index or f.unique}
        assert indexed <= {"id", "history_id", "history_date", "history_user"}, model.__name__
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(
            cursor, Transfer.history.model._meta.db_table
        )
    columns = {
        c
        for con in found.values()
        if con["index"] and not con["primary_key"]
        for c in con["columns"]
    }
    assert columns == {"id", "history_date", "history_user_id"}


@pytest.mark.parametrize(
    ("model", "field"), [(model, name) for model, names in SPARSE.items() for name in names]
)
def test_optional_foreign_keys_have_one_partial_index(model, field):
    """Each mostly empty foreign key has exactly one index, and it leaves NULLs out."""
    column = model._meta.get_field(field).column
    (name,) = indexes_on(model._meta.db_table, column)
    assert "IS NOT NULL" in index_sql(name)


def test_lookups_and_cascades_through_a_partially_indexed_key():
    """Reading a fact's evidence and deleting the fact (CASCADE) work as before."""
    evidence = f.EvidenceFactory()
    transfer = evidence.transfer
    assert list(transfer.evidence.all()) == [evidence]
    assert list(Evidence.objects.filter(transfer__isnull=True)) == []
    transfer.delete()
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
