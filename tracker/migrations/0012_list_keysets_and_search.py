"""Sort-key indexes for keyset pagination (every database) and, on PostgreSQL only, trigram
indexes for the free-text search ``?q=`` (a no-op elsewhere: SQLite scans with LIKE)."""

import datetime
import django.db.models.functions.comparison
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


#: (table, column) pairs ``?q=`` searches on large tables: ``tracker.filters`` search_fields.
#: Django's ``icontains`` on PostgreSQL is ``UPPER(column::text) LIKE UPPER(%s)``: each index is
#: on that expression, so the planner can answer the LIKE from it.
SEARCHED = [
    ("tracker_transfer", "slug"),
    ("tracker_transfer", "external_id"),
    ("tracker_transfer", "note"),
    ("tracker_transfer", "comments"),
    ("tracker_evidence", "quote"),
    ("tracker_evidence", "note"),
    ("tracker_item", "name"),
    ("tracker_item", "slug"),
    ("tracker_item", "description"),
    ("tracker_itemalias", "name"),
    ("tracker_organization", "name"),
    ("tracker_organization", "slug"),
    ("tracker_organization", "description"),
    ("tracker_organizationalias", "name"),
    ("tracker_integration", "slug"),
    ("tracker_integration", "note"),
    ("tracker_source", "title"),
]


def index_name(table: str, column: str) -> str:
    return f"{table.removeprefix('tracker_')}_{column}_trgm"


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index_name(table, column)} ON {table} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in SEARCHED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(table, column)}")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0011_supply_chain_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="evidence",
            index=models.Index(
                models.F("claim_status"), models.F("id"), name="evidence_claim_status_ks"
            ),
        ),
        migrations.AddIndex(
            model_name="evidence",
            index=models.Index(models.F("start"), models.F("id"), name="evidence_start_ks"),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "order_date", models.Value(datetime.date(1, 1, 1))
                ),
                models.F("id"),
                name="transfer_order_date_ks",
            ),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "delivery_date", models.Value(datetime.date(1, 1, 1))
                ),
                models.F("id"),
                name="transfer_delivery_date_ks",
            ),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce("quantity", models.Value(-1)),
                models.F("id"),
                name="transfer_quantity_ks",
            ),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "quantity_delivered", models.Value(-1)
                ),
                models.F("id"),
                name="transfer_quantity_delivered_ks",
            ),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(models.F("status"), models.F("id"), name="transfer_status_ks"),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(
                models.F("supplier_kind"), models.F("id"), name="transfer_supplier_kind_ks"
            ),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(
                models.F("recipient_kind"), models.F("id"), name="transfer_recipient_kind_ks"
            ),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "tiv_total_order", models.Value(Decimal("-1"))
                ),
                models.F("id"),
                name="transfer_tiv_total_order_ks",
            ),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "tiv_delivered", models.Value(Decimal("-1"))
                ),
                models.F("id"),
                name="transfer_tiv_delivered_ks",
            ),
        ),
        migrations.RunPython(add_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
