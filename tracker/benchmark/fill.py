"""The synthetic fill: data shaped like real use, loaded with COPY (PostgreSQL) or executemany
(SQLite) and committed into the benchmark database.

Shape at 1M transfers (smaller sizes scale items, integrations, organisations, sources and
permit decisions down in proportion; states stay): 300 states with two aliases each, 100k items
(a fifth platforms, a tenth with an alias), 80k integrations (every component fitted to a
platform), 2,000 manufacturers and 200 non-state parties, 1M transfers (about 3% with a
non-state or unknown side, 0.5% drafts), 2,000 permit decisions (at least 50; every other one a
lift ending the one before), evidence on every transfer, integration and permit decision quoting
a line of a source (10k articles of 100 lines each), and one 5 MB dataset release (160 kB below
10k transfers) that every 50th transfer also quotes. Every value derives from (seed, row number):
the same size and seed give the same data on both backends.

Bump SHAPE_VERSION whenever the shape changes: a stored fill of another version is refilled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

from django.core.management.color import no_style
from django.db import transaction
from django.utils import timezone

from tracker import models as m

SHAPE_VERSION = 1

FILL_TABLE = "benchmark_fill"

#: Each quoted line of a source takes exactly this many characters, newline included.
LINE = 160
LINES_PER_SOURCE = 100


def release_lines(transfers: int) -> int:
    """32,000 lines of 160 characters: a 5 MB release (a small one below 10k transfers, which
    only tests fill)."""
    return 32_000 if transfers >= 10_000 else 1_000


RELEASE_EVERY = 50  # every 50th transfer is also quoted from the release
PERMIT_DECISIONS = 2_000
STATES = 300

WORDS = [
    *("Kestrel", "Falcon", "Harrier", "Osprey", "Merlin", "Condor", "Heron", "Petrel", "Plover"),
    *("Swift", "Tern", "Raven", "Shrike", "Lynx", "Otter", "Marten", "Badger", "Ibex", "Oryx"),
    *("Saiga", "Tapir", "Okapi", "Dingo", "Jackal", "Caracal", "Serval"),
]


@dataclass(frozen=True)
class Shape:
    """How many rows of each kind a fill of ``transfers`` holds."""

    transfers: int
    seed: int
    states: int
    items: int
    platforms: int
    integrations: int
    companies: int
    parties: int
    sources: int
    permit_decisions: int

    @classmethod
    def of(cls, transfers: int, seed: int) -> Shape:
        items = max(100, transfers // 10)
        platforms = items // 5
        permit_decisions = max(50, PERMIT_DECISIONS * transfers // 1_000_000)
        integrations = items - platforms
        quotes = transfers + integrations + permit_decisions
        return cls(
            transfers=transfers,
            seed=seed,
            states=STATES,
            items=items,
            platforms=platforms,
            integrations=integrations,
            companies=max(20, transfers // 500),
            parties=max(10, transfers // 5_000),
            sources=-(-quotes // LINES_PER_SOURCE),
            permit_decisions=permit_decisions,
        )


def mix(seed: int, index: int, salt: int) -> int:
    """A well-spread 32-bit number from (seed, index, salt): per-row randomness that needs no
    sequential generator, so any row can be recomputed alone (the quotes repeat transfer data)."""
    x = (seed * 0x9E3779B1 + index * 0x85EBCA77 + salt * 0xC2B2AE3D) & 0xFFFFFFFF
    x ^= x >> 16
    x = (x * 0x7FEB352D) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x846CA68B) & 0xFFFFFFFF
    return x ^ (x >> 16)


def state_code(index: int) -> str:
    return chr(65 + index // 26) + chr(65 + index % 26)


def state_name(index: int) -> str:
    return f"{WORDS[index % len(WORDS)]}land {state_code(index)}"


def item_name(index: int) -> str:
    return f"{WORDS[index % len(WORDS)]} {index}"


class Plan:
    """Every row of the fill as a function of its number."""

    BASE = dt.date(1990, 1, 1)

    def __init__(self, shape: Shape):
        self.s = shape

    # Items: ids 1..items; the first fifth are platforms.
    def item_origin(self, i: int) -> int:  # state index
        return mix(self.s.seed, i, 1) % self.s.states

    def item_maker(self, i: int) -> int:  # company index
        return mix(self.s.seed, i, 2) % self.s.companies

    def transfer(self, t: int) -> dict:
        s, seed = self.s, self.s.seed
        r = mix(seed, t, 10)
        # Seven in ten transfers move a platform, the others a component.
        if r % 10 < 7:
            item = mix(seed, t, 11) % s.platforms
        else:
            item = s.platforms + mix(seed, t, 11) % (s.items - s.platforms)
        supplier = (
            self.item_origin(item) if r % 4 < 2 else mix(seed, t, 12) % s.states
        )  # half are exports from the maker state
        recipient = mix(seed, t, 13) % s.states
        if recipient == supplier:
            recipient = (recipient + 1) % s.states
        side = mix(seed, t, 14) % 1000
        supplier_kind, recipient_kind = "state", "state"
        supplier_party = recipient_party = None
        if side < 10:
            supplier_kind = "unknown"
        elif side < 20:
            supplier_kind, supplier_party = "non_state", mix(seed, t, 15) % s.parties
        elif side < 45:
            recipient_kind, recipient_party = "non_state", mix(seed, t, 16) % s.parties
        elif side < 50:
            recipient_kind = "unknown"
        return {
            "item": item,
            "supplier_kind": supplier_kind,
            "supplier": supplier if supplier_kind == "state" else None,
            "supplier_party": supplier_party,
            "recipient_kind": recipient_kind,
            "recipient": recipient if recipient_kind == "state" else None,
            "recipient_party": recipient_party,
            "maker": self.item_maker(item) if r % 3 else None,
            "order_date": self.BASE + dt.timedelta(days=mix(seed, t, 17) % 12_775),
            "quantity": 1 + mix(seed, t, 18) % 60,
            "draft": mix(seed, t, 19) % 200 == 0,
        }

    def side_name(self, kind: str, state: int | None, party: int | None) -> str:
        if kind == "state":
            return state_name(state)
        if kind == "non_state":
            return f"Party {party}"
        return "an unknown party"

    def transfer_quote(self, t: int, row: dict | None = None) -> str:
        row = row or self.transfer(t)
        supplier = self.side_name(row["supplier_kind"], row["supplier"], row["supplier_party"])
        recipient = self.side_name(row["recipient_kind"], row["recipient"], row["recipient_party"])
        return (
            f"{supplier} ordered {row['quantity']} {item_name(row['item'])} for {recipient} "
            f"on {row['order_date'].isoformat()} (deal {t})."
        )

    def integration_quote(self, g: int) -> str:
        component = self.s.platforms + g
        assembly = mix(self.s.seed, g, 30) % self.s.platforms
        return f"The {item_name(component)} is fitted to the {item_name(assembly)} (fit {g})."

    def permit(self, p: int) -> dict:
        # Pairs: decision 2k restricts, 2k+1 lifts it later (same authority and target).
        pair = p // 2
        authority = mix(self.s.seed, pair, 40) % self.s.states
        target = mix(self.s.seed, pair, 41) % self.s.states
        if target == authority:
            target = (target + 1) % self.s.states
        start = self.BASE + dt.timedelta(days=mix(self.s.seed, pair, 42) % 11_000)
        actions = ("freeze", "suspend", "deny", "restrict")
        lift = p % 2 == 1
        return {
            "authority": authority,
            "target": target,
            "action": "lift" if lift else actions[mix(self.s.seed, pair, 43) % 4],
            "effective_date": start + dt.timedelta(days=400) if lift else start,
            "ends": p - 1 if lift else None,
        }

    def permit_quote(self, p: int) -> str:
        row = self.permit(p)
        return (
            f"{state_name(row['authority'])} decided to {row['action']} export permits for "
            f"{state_name(row['target'])} from {row['effective_date'].isoformat()} (decision {p})."
        )

    def quote(self, e: int) -> str:
        """The quote of article evidence number ``e``: transfers, then integrations, then
        permit decisions."""
        if e < self.s.transfers:
            return self.transfer_quote(e)
        e -= self.s.transfers
        if e < self.s.integrations:
            return self.integration_quote(e)
        return self.permit_quote(e - self.s.integrations)

    def release_line(self, k: int) -> str:
        t = k * RELEASE_EVERY
        if t < self.s.transfers:
            return f"Release row {k}: {self.transfer_quote(t)}"
        return f"Release row {k}: no deal recorded."


def line(text: str) -> str:
    if len(text) >= LINE:
        raise ValueError(f"A synthetic line is longer than {LINE - 1} characters: {text!r}")
    return text.ljust(LINE - 1) + "\n"


class Loader:
    """Loads rows of a model, given some columns; every other column gets the field's default
    (so columns other branches add with a default need no change here)."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}

    def load(self, model, columns: list[str], rows: Iterable[tuple]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no field {unknown}")
        rest = [f for name, f in fields.items() if name not in columns]
        constants = tuple(self._default(f) for f in rest)
        names = [fields[c].column for c in columns] + [f.column for f in rest]
        quote = self.connection.ops.quote_name
        table, column_list = quote(model._meta.db_table), ", ".join(quote(n) for n in names)
        count = 0
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + constants)
                        count += 1
            else:
                sql = f"INSERT INTO {table} ({column_list}) VALUES ({', '.join('?' * len(names))})"
                for chunk in _chunks((row + constants for row in rows), 20_000):
                    cursor.cursor.executemany(sql, chunk)
                    count += len(chunk)
        self.counts[model._meta.db_table] = self.counts.get(model._meta.db_table, 0) + count

    def _default(self, field):
        if field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        else:
            value = ""
        return field.get_db_prep_save(value, self.connection)

    def prepared(self, model, name: str, value):
        return model._meta.get_field(name).get_db_prep_save(value, self.connection)


def _chunks(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def fill(connection, shape: Shape) -> dict:
    """Fill an empty, migrated benchmark database through ``connection`` and commit; returns
    the row counts. Ids are assigned here (1..n per table), sequences reset afterwards."""
    started = time.perf_counter()
    plan = Plan(shape)
    load = Loader(connection)
    now = load.prepared(m.Transfer, "verified_at", timezone.now())
    V, D = "verified", "draft"  # noqa: N806
    s = shape
    with transaction.atomic(using=connection.alias):
        load.load(
            m.State,
            ["id", "code", "name", "status", "review_state", "verified_at"],
            ((i + 1, state_code(i), state_name(i), "current", V, now) for i in range(s.states)),
        )
        load.load(
            m.StateAlias,
            ["id", "state_id", "name", "kind", "review_state", "verified_at"],
            (
                (2 * i + k + 1, i + 1, name, kind, V, now)
                for i in range(s.states)
                for k, (name, kind) in enumerate(
                    (
                        (f"Republic of {state_name(i)}", "official_name"),
                        (f"{WORDS[i % len(WORDS)]}ish {state_code(i)}", "adjective"),
                    )
                )
            ),
        )
        organizations = [
            (c + 1, f"maker-{c}", f"{WORDS[c % len(WORDS)]} Systems {c}", "manufacturer",
             mix(s.seed, c, 3) % s.states + 1)
            for c in range(s.companies)
        ] + [
            (s.companies + p + 1, f"party-{p}", f"Party {p}",
             "armed_group" if p % 2 else "international_organization",
             mix(s.seed, p, 4) % s.states + 1)
            for p in range(s.parties)
        ]  # fmt: skip
        load.load(
            m.Organization,
            ["id", "slug", "name", "kind", "country_id", "review_state", "verified_at"],
            (row + (V, now) for row in organizations),
        )
        load.load(
            m.OrganizationAlias,
            ["id", "organization_id", "name", "review_state", "verified_at"],
            ((c + 1, c + 1, f"{WORDS[c % len(WORDS)]}Sys-{c}", V, now) for c in range(s.companies)),
        )
        party_id = s.companies + 1  # + party index
        load.load(
            m.Item,
            ["id", "slug", "kind", "name", "item_type", "manufacturer_id", "country_of_origin_id",
             "review_state", "verified_at"],
            (
                (i + 1, f"item-{i}", "platform" if i < s.platforms else "component",
                 item_name(i), "drone" if i < s.platforms else "sensor",
                 plan.item_maker(i) + 1, plan.item_origin(i) + 1, V, now)
                for i in range(s.items)
            ),
        )  # fmt: skip
        load.load(
            m.ItemAlias,
            ["id", "item_id", "name", "review_state", "verified_at"],
            ((i // 10 + 1, i + 1, f"{item_name(i)}-A", V, now) for i in range(0, s.items, 10)),
        )
        load.load(
            m.Integration,
            ["id", "slug", "component_id", "assembly_id", "status", "review_state", "verified_at"],
            (
                (g + 1, f"fit-{g}", s.platforms + g + 1,
                 mix(s.seed, g, 30) % s.platforms + 1, "fitted", V, now)
                for g in range(s.integrations)
            ),
        )  # fmt: skip

        def transfers():
            for t in range(s.transfers):
                r = plan.transfer(t)
                yield (
                    t + 1, f"deal-{t}", r["supplier_kind"],
                    None if r["supplier"] is None else r["supplier"] + 1,
                    None if r["supplier_party"] is None else party_id + r["supplier_party"],
                    r["recipient_kind"],
                    None if r["recipient"] is None else r["recipient"] + 1,
                    None if r["recipient_party"] is None else party_id + r["recipient_party"],
                    None if r["maker"] is None else r["maker"] + 1,
                    r["item"] + 1, r["quantity"], "delivered",
                    r["order_date"].isoformat(), 3,
                    D if r["draft"] else V, None if r["draft"] else now,
                )  # fmt: skip

        load.load(
            m.Transfer,
            ["id", "slug", "supplier_kind", "supplier_id", "supplier_party_id", "recipient_kind",
             "recipient_id", "recipient_party_id", "supplier_organization_id", "item_id",
             "quantity", "status", "order_date", "order_date_precision", "review_state",
             "verified_at"],
            transfers(),
        )  # fmt: skip
        load.load(
            m.PermitDecision,
            ["id", "slug", "authority_id", "target_state_id", "action", "scope",
             "effective_date", "effective_date_precision", "reason", "ends_id",
             "review_state", "verified_at"],
            (
                (p + 1, f"decision-{p}", r["authority"] + 1, r["target"] + 1, r["action"],
                 "all_military", r["effective_date"].isoformat(), 3,
                 plan.permit_quote(p), None if r["ends"] is None else r["ends"] + 1, V, now)
                for p in range(s.permit_decisions)
                for r in [plan.permit(p)]
            ),
        )  # fmt: skip

        def sources():
            for src in range(s.sources):
                first = src * LINES_PER_SOURCE
                last = min(
                    first + LINES_PER_SOURCE, s.transfers + s.integrations + s.permit_decisions
                )
                text = "".join(line(plan.quote(e)) for e in range(first, last))
                yield _source_row(src + 1, f"Synthetic report {src}", "news", text, now)
            text = "".join(line(plan.release_line(k)) for k in range(release_lines(s.transfers)))
            yield _source_row(s.sources + 1, "Synthetic dataset release", "register", text, now)

        load.load(
            m.Source,
            ["id", "title", "kind", "url", "text", "text_hash", "review_state", "verified_at"],
            sources(),
        )
        release_id = s.sources + 1

        def evidence():
            eid = 0
            transfer_end = s.transfers
            integration_end = transfer_end + s.integrations
            for e in range(integration_end + s.permit_decisions):
                quote = plan.quote(e)
                fact = [None, None, None]  # transfer, integration, permit decision
                draft = False
                if e < transfer_end:
                    fact[0] = e + 1
                    draft = mix(s.seed, e, 19) % 200 == 0
                elif e < integration_end:
                    fact[1] = e - transfer_end + 1
                else:
                    fact[2] = e - integration_end + 1
                start = (e % LINES_PER_SOURCE) * LINE
                eid += 1
                yield (
                    eid, f"quote-{e}", e // LINES_PER_SOURCE + 1, quote, start,
                    start + len(quote), *fact, D if draft else V, None if draft else now,
                )  # fmt: skip
            for k in range(release_lines(s.transfers)):
                t = k * RELEASE_EVERY
                if t >= s.transfers:
                    break
                quote = plan.release_line(k)
                draft = mix(s.seed, t, 19) % 200 == 0
                eid += 1
                yield (
                    eid, f"release-{k}", release_id, quote, k * LINE, k * LINE + len(quote),
                    t + 1, None, None, D if draft else V, None if draft else now,
                )  # fmt: skip

        load.load(
            m.Evidence,
            ["id", "slug", "source_id", "quote", "start", "end", "transfer_id", "integration_id",
             "permit_decision_id", "review_state", "verified_at"],
            evidence(),
        )  # fmt: skip
        filled = [
            m.State, m.StateAlias, m.Organization, m.OrganizationAlias, m.Item, m.ItemAlias,
            m.Integration, m.Transfer, m.PermitDecision, m.Source, m.Evidence,
        ]  # fmt: skip
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), filled):
                cursor.execute(sql)
    seconds = time.perf_counter() - started
    analyze(connection)
    record(connection, shape, seconds, load.counts)
    return {"seconds": seconds, "counts": load.counts}


def _source_row(pk: int, title: str, kind: str, text: str, now) -> tuple:
    return (pk, title, kind, None, text, hashlib.sha256(text.encode()).hexdigest(), "verified", now)


def analyze(connection) -> None:
    """Fresh planner statistics (and on PostgreSQL a visibility map for index-only scans), as
    autovacuum would give a real database after a bulk load."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def record(connection, shape: Shape, seconds: float, counts: dict) -> None:
    """Write down which fill this database holds (in a table of its own, not a model)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {FILL_TABLE} (shape TEXT NOT NULL, seconds REAL NOT NULL,"
            " counts TEXT NOT NULL, filled_at TEXT NOT NULL)"
        )
        cursor.execute(f"DELETE FROM {FILL_TABLE}")
        cursor.execute(
            f"INSERT INTO {FILL_TABLE} (shape, seconds, counts, filled_at) VALUES (%s, %s, %s, %s)",
            [shape_key(shape), seconds, json.dumps(counts), timezone.now().isoformat()],
        )


def shape_key(shape: Shape) -> str:
    return json.dumps({"version": SHAPE_VERSION, **asdict(shape)}, sort_keys=True)


def stored(connection) -> dict | None:
    """The fill this database holds: {shape, seconds, counts, filled_at}, or None."""
    with connection.cursor() as cursor:
        if FILL_TABLE not in connection.introspection.table_names(cursor):
            return None
        cursor.execute(f"SELECT shape, seconds, counts, filled_at FROM {FILL_TABLE}")
        row = cursor.fetchone()
    if row is None:
        return None
    return {"shape": row[0], "seconds": row[1], "counts": json.loads(row[2]), "filled_at": row[3]}
