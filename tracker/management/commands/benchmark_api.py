"""Benchmark: fill the database with synthetic data at scale, time API requests and the same
queries in raw SQL, print the medians, and roll everything back.

Not a test: it prints figures. Run it on SQLite and on PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from tracker.choices import DatePrecision, ItemKind, ReviewState
from tracker.models import Integration, Item, State, Transfer
from tracker.selectors.supply_chain import _route_sql, route_search_params


def median_ms(fn, repeat: int) -> float:
    fn()  # warm caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Fill synthetic data (rolled back afterwards) and print median request times."

    def add_arguments(self, parser):
        parser.add_argument("--transfers", type=int, default=100_000)
        parser.add_argument("--items", type=int, default=10_000)
        parser.add_argument("--states", type=int, default=300)
        parser.add_argument("--repeat", type=int, default=15)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, transfers, items, states, repeat, seed, **options):
        try:
            with transaction.atomic():
                self.run(transfers, items, states, repeat, seed)
                raise Rollback
        except Rollback:
            self.stdout.write("Synthetic data rolled back.")

    def run(self, n_transfers, n_items, n_states, repeat, seed):
        rng = random.Random(seed)
        now = timezone.now()
        verified = {"review_state": ReviewState.VERIFIED, "verified_at": now}
        started = time.perf_counter()
        codes = ["QZ" + chr(65 + i // 26) + chr(65 + i % 26) for i in range(min(n_states, 676))]
        State.objects.bulk_create([State(code=c, name=f"Synthetic {c}", **verified) for c in codes])
        state_ids = list(State.objects.filter(code__in=codes).values_list("pk", flat=True))
        n_platforms = n_items // 5
        Item.objects.bulk_create(
            [
                Item(
                    slug=f"bench-item-{i}",
                    name=f"Bench item {i}",
                    kind=ItemKind.PLATFORM if i < n_platforms else ItemKind.COMPONENT,
                    country_of_origin_id=rng.choice(state_ids),
                    **verified,
                )
                for i in range(n_items)
            ],
            batch_size=2000,
        )
        item_ids = list(
            Item.objects.filter(slug__startswith="bench-item-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        platforms, components = item_ids[:n_platforms], item_ids[n_platforms:]
        Integration.objects.bulk_create(
            [
                Integration(
                    slug=f"bench-int-{c}",
                    component_id=c,
                    assembly_id=rng.choice(platforms),
                    **verified,
                )
                for c in components
            ],
            batch_size=2000,
        )
        base = dt.date(2000, 1, 1)
        origin_of = dict(
            Item.objects.filter(pk__in=platforms).values_list("pk", "country_of_origin")
        )
        rows = []
        for index in range(n_transfers):
            item = rng.choice(platforms)
            # Half the transfers are exports from the item's maker state, half re-exports.
            supplier = origin_of[item] if rng.random() < 0.5 else rng.choice(state_ids)
            recipient = rng.choice(state_ids)
            while recipient == supplier:
                recipient = rng.choice(state_ids)
            rows.append(
                Transfer(
                    slug=f"bench-transfer-{index}",
                    supplier_id=supplier,
                    recipient_id=recipient,
                    item_id=item,
                    order_date=base + dt.timedelta(days=rng.randrange(9000)),
                    order_date_precision=DatePrecision.DAY,
                    quantity=rng.randrange(1, 50),
                    **verified,
                )
            )
        Transfer.objects.bulk_create(rows, batch_size=5000)
        # Fresh planner statistics, as autovacuum would give a real database after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        filled = time.perf_counter() - started
        self.stdout.write(
            f"{connection.vendor}: {len(codes)} states, {n_items} items ({n_platforms} platforms), "
            f"{len(components)} integrations, {n_transfers} transfers filled in {filled:.1f} s"
        )

        client = Client(HTTP_HOST="localhost")
        supplier, origin, destination = codes[0], codes[1], codes[2]
        list_url = f"/api/transfers/?supplier={supplier}&date_after=2010-01&ordering=-order_date"
        first = client.get(list_url)
        if first.status_code != 200:
            raise CommandError(f"{list_url} answered {first.status_code}: {first.content[:200]}")
        list_api = median_ms(lambda: client.get(list_url), repeat)

        t = Transfer._meta.db_table
        s = State._meta.db_table
        i = Item._meta.db_table
        raw_list_sql = f"""
            SELECT tr.*, sup.code, rec.code, it.slug FROM {t} tr
            JOIN {s} sup ON sup.id = tr.supplier_id JOIN {s} rec ON rec.id = tr.recipient_id
            JOIN {i} it ON it.id = tr.item_id
            WHERE sup.code = %s AND tr.order_date >= %s AND tr.review_state = 'verified'
            ORDER BY tr.order_date DESC LIMIT 50
        """
        raw_count_sql = f"""
            SELECT COUNT(*) FROM {t} tr JOIN {s} sup ON sup.id = tr.supplier_id
            WHERE sup.code = %s AND tr.order_date >= %s AND tr.review_state = 'verified'
        """

        def raw_list():
            with connection.cursor() as cursor:
                cursor.execute(raw_count_sql, [supplier, dt.date(2010, 1, 1)])
                cursor.fetchall()
                cursor.execute(raw_list_sql, [supplier, dt.date(2010, 1, 1)])
                cursor.fetchall()

        list_raw = median_ms(raw_list, repeat)

        paths_url = f"/api/supply-chain/paths/?from={origin}&to={destination}&max_hops=3"
        response = client.get(paths_url)
        routes = len(response.json()["routes"])
        paths_api = median_ms(lambda: client.get(paths_url), repeat)
        sql, params = _route_sql(verified_only=True, on=None)
        o_id = State.objects.get(code=origin).pk
        d_id = State.objects.get(code=destination).pk
        params += route_search_params(o_id, d_id, 3)

        def raw_paths():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()

        paths_raw = median_ms(raw_paths, repeat)
        self.stdout.write(f"median of {repeat} runs ({connection.vendor}):")
        self.stdout.write(
            f"  filtered list page  API {list_api:8.1f} ms   raw SQL {list_raw:8.1f} ms"
        )
        self.stdout.write(
            f"  paths (3 hops, {routes} routes)  API {paths_api:8.1f} ms   raw SQL "
            f"{paths_raw:8.1f} ms"
        )
