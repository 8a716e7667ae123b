"""Answers of the supply-chain questions turned into JSON (and, through the renderers in
``graph.py``, into a graph or an SVG picture).

Each selector returns a typed answer; a presenter here turns it into the response body, and the
serializers here declare that body for the OpenAPI schema, field for field (nullable where the
answer may hold null), so the schema and the answers agree. Views only parse parameters, call the
selector and return the presenter's output.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ..querysets import shown
from ..selectors.permits import DecisionOnDay, PermitStatus, StatusOnDay
from ..selectors.supply_chain import (
    MAX_EVIDENCE,
    MAX_EXPLORED,
    MAX_NODES,
    MAX_ROUTES,
    Origins,
    Page,
    Paths,
    Reach,
)
from ..selectors.timeline import Timeline
from .graph import graph_add_node, graph_finish, graph_new
from .serializers import EvidenceSummarySerializer

CLAIM_ORDER = ["confirmed", "reported", "alleged", "disputed", "denied"]


def evidence_of(record) -> tuple[list[dict], int, str | None]:
    """At most MAX_EVIDENCE quotes of a record, how many it has, and its strongest claim."""
    evidence = list(record.evidence.all())
    claims = {e.claim_status for e in evidence}
    strongest = next((c for c in CLAIM_ORDER if c in claims), None)
    shown = EvidenceSummarySerializer(evidence[:MAX_EVIDENCE], many=True).data
    return shown, len(evidence), strongest


def page_links(request, page: Page, has_next: bool) -> dict:
    """``next``/``previous`` URLs of a limit/offset page (None at either end)."""
    url = request.build_absolute_uri()
    url = replace_query_param(url, "limit", page.limit)
    following = replace_query_param(url, "offset", page.offset + page.limit) if has_next else None
    if page.offset <= 0:
        preceding = None
    elif page.offset - page.limit <= 0:
        preceding = remove_query_param(url, "offset")
    else:
        preceding = replace_query_param(url, "offset", page.offset - page.limit)
    return {"limit": page.limit, "offset": page.offset, "next": following, "previous": preceding}


# --- shared shapes -------------------------------------------------------------------------


class GraphNodeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text='"state:CA", "item:<slug>", "decision:<slug>"…')
    label = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=["state", "item", "decision", "conflict", "party", "unknown"],
        help_text="party: a non-state party (armed group, international organisation…); "
        "unknown: a side the sources do not name.",
    )
    column = serializers.IntegerField(help_text="Left to right: origin to destination.")


class GraphEdgeSerializer(serializers.Serializer):
    source = serializers.CharField()
    target = serializers.CharField()
    label = serializers.CharField()
    claim_status = serializers.CharField(allow_null=True)


class GraphSerializer(serializers.Serializer):
    """The answer as nodes and edges (``?format=graph`` returns only this)."""

    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)


class PageSerializer(serializers.Serializer):
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    previous = serializers.URLField(allow_null=True)


def add_edge(graph: dict, source: str, target: str, label: str, claim: str | None = None):
    edge = {"source": source, "target": target, "label": label, "claim_status": claim}
    seen = graph.setdefault("_edges", set())
    key = (source, target, label)
    if key not in seen:
        seen.add(key)
        graph["edges"].append(edge)


def finish(graph: dict) -> dict:
    graph.pop("_edges", None)
    return graph_finish(graph)


# --- paths ---------------------------------------------------------------------------------


class HopSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["origin", "integration", "transfer"])
    from_state = serializers.CharField(allow_null=True)
    to_state = serializers.CharField(allow_null=True)
    item = serializers.CharField()
    item_name = serializers.CharField()
    assembly = serializers.CharField(allow_null=True)
    record = serializers.CharField(help_text="Slug of the record in `records` behind the hop.")
    claim_status = serializers.CharField(allow_null=True)


class RouteSerializer(serializers.Serializer):
    hops = HopSerializer(many=True)


class RouteRecordSerializer(serializers.Serializer):
    """A record on the routes, once, with its evidence."""

    kind = serializers.ChoiceField(choices=["item", "integration", "transfer"])
    slug = serializers.CharField()
    claim_status = serializers.CharField(allow_null=True)
    evidence_count = serializers.IntegerField()
    evidence = EvidenceSummarySerializer(
        many=True, help_text=f"At most {MAX_EVIDENCE} quotes; the record's page lists all."
    )


class PathsAnswerSerializer(serializers.Serializer):
    from_ = serializers.CharField()
    to = serializers.CharField()
    on = serializers.DateField(allow_null=True)
    max_hops = serializers.IntegerField()
    routes = RouteSerializer(
        many=True,
        help_text=f"Shortest first; at most {MAX_ROUTES} routes over at most {MAX_NODES} "
        "states and items. A route never returns to a state it has left.",
    )
    records = RouteRecordSerializer(many=True)
    truncated = serializers.BooleanField(
        help_text=f"True when more routes exist than the answer holds ({MAX_ROUTES} routes, "
        f"{MAX_NODES} nodes) or the search reached its bound ({MAX_EXPLORED} partial routes): "
        "narrow it with a smaller max_hops or a date."
    )
    title = serializers.CharField()
    graph = GraphSerializer()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


def paths_answer(answer: Paths) -> dict:
    graph = graph_new()
    records: dict[tuple[str, int], dict] = {}
    routes = []
    for route in answer.routes:
        hops, last = [], None
        for column, hop in enumerate(route.hops):
            kind = {"origin": "item"}.get(hop.kind, hop.kind)
            key = (kind, hop.record.pk)
            if key not in records:
                evidence, count, claim = evidence_of(hop.record)
                records[key] = {
                    "kind": kind,
                    "slug": hop.record.slug,
                    "claim_status": claim,
                    "evidence_count": count,
                    "evidence": evidence,
                }
            claim = records[key]["claim_status"]
            hops.append(
                {
                    "kind": hop.kind,
                    "from_state": hop.from_state.code if hop.from_state else None,
                    "to_state": hop.to_state.code if hop.to_state else None,
                    "item": hop.item.slug,
                    "item_name": hop.item.name,
                    "assembly": hop.assembly.slug if hop.assembly else None,
                    "record": hop.record.slug,
                    "claim_status": claim,
                }
            )
            if hop.kind == "origin":
                state = f"state:{hop.to_state.code}"
                graph_add_node(graph, state, hop.to_state.name, "state", 0)
                last = f"item:{hop.item.slug}"
                graph_add_node(graph, last, hop.item.name, "item", 1)
                add_edge(graph, state, last, "made in", claim)
            elif hop.kind == "integration":
                target = f"item:{hop.assembly.slug}"
                graph_add_node(graph, target, hop.assembly.name, "item", column + 1)
                add_edge(graph, last, target, "fitted to", claim)
                last = target
            else:
                source = f"state:{hop.from_state.code}"
                graph_add_node(graph, source, hop.from_state.name, "state", column + 1)
                target = f"state:{hop.to_state.code}"
                graph_add_node(graph, target, hop.to_state.name, "state", column + 2)
                if last != source:
                    add_edge(graph, last, source, "held by")
                add_edge(graph, source, target, "transfers", claim)
                last = target
        routes.append({"hops": hops})
    return {
        "from": answer.origin.code,
        "to": answer.destination.code,
        "on": answer.on.isoformat() if answer.on else None,
        "max_hops": answer.max_hops,
        "routes": routes,
        "records": list(records.values()),
        "truncated": answer.truncated,
        "title": f"Routes from {answer.origin.name} to {answer.destination.name}",
        "graph": finish(graph),
    }


# --- permit status -------------------------------------------------------------------------

STATUSES = [
    "cancelled",
    "denied",
    "frozen",
    "suspended",
    "case by case",
    "open",
    "uncertain",
    "no_recorded_decision",
]


class ScopeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["all_military", "category", "items", "manufacturer"])
    description = serializers.CharField(allow_blank=True)
    items = serializers.ListField(child=serializers.CharField())
    categories = serializers.ListField(child=serializers.CharField())
    manufacturer = serializers.CharField(allow_null=True)


class DecisionSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    action = serializers.CharField()
    scope = serializers.CharField()
    scope_description = serializers.CharField(allow_blank=True)
    announced_date = serializers.CharField(allow_null=True)
    effective_date = serializers.CharField(allow_null=True)
    ends = serializers.CharField(allow_null=True)
    ended_by = serializers.ListField(child=serializers.CharField())
    state_on_day = serializers.CharField()
    applies = serializers.CharField()
    evidence_count = serializers.IntegerField()
    evidence = EvidenceSummarySerializer(many=True)


class StatusChangeSerializer(serializers.Serializer):
    date = serializers.CharField(help_text="At its precision: 2020, 2020-05 or 2020-05-15.")
    event = serializers.ChoiceField(choices=["starts", "ends"])
    decision = serializers.CharField()
    action = serializers.CharField()
    status = serializers.CharField(help_text="The status once it happened (as `status`).")
    certain = serializers.BooleanField()
    possible_statuses = serializers.ListField(child=serializers.CharField())


class PermitStatusAnswerSerializer(serializers.Serializer):
    authority = serializers.CharField()
    target = serializers.CharField()
    on = serializers.CharField(help_text="The day, month or year asked, at its precision.")
    item = serializers.CharField(allow_null=True)
    category = serializers.CharField(allow_null=True)
    status = serializers.CharField(
        help_text=f"At the start of `on`: one of {', '.join(STATUSES)}. no_recorded_decision: "
        "no recorded decision had started, so no status is claimed.",
    )
    certain = serializers.BooleanField()
    possible_statuses = serializers.ListField(child=serializers.CharField())
    partial = serializers.BooleanField(
        help_text="The restriction covers only part of military exports (see scope)."
    )
    scope = ScopeSerializer(allow_null=True)
    in_force = DecisionSummarySerializer(many=True)
    chain = DecisionSummarySerializer(many=True)
    changes = StatusChangeSerializer(
        many=True, help_text="For a month or a year: every start or end within it, in order."
    )
    title = serializers.CharField()
    graph = GraphSerializer()


def scope_of(decision, verified_only: bool) -> dict:
    manufacturer = shown(decision.scope_manufacturer, verified_only=verified_only)
    return {
        "kind": decision.scope,
        "description": decision.scope_description,
        "items": [i.slug for i in decision.scope_items.all()],
        "categories": [c.code for c in decision.scope_categories.all()],
        "manufacturer": manufacturer.slug if manufacturer else None,
    }


def decision_summary(day: DecisionOnDay, verified_only: bool) -> dict:
    decision = day.decision
    ends = shown(decision.ends, verified_only=verified_only)
    evidence, count, _claim = evidence_of(decision)
    return {
        "slug": decision.slug,
        "action": decision.action,
        "scope": decision.scope,
        "scope_description": decision.scope_description,
        "announced_date": decision.partial_display("announced_date") or None,
        "effective_date": decision.partial_display("effective_date") or None,
        "ends": ends.slug if ends else None,
        "ended_by": [d.slug for d in day.ended_by],
        "state_on_day": day.state,
        "applies": day.applies,
        "evidence_count": count,
        "evidence": evidence,
    }


def permit_status_answer(answer: PermitStatus) -> dict:
    graph = graph_new()
    graph_add_node(graph, "authority", answer.authority.name, "state", 0)
    graph_add_node(graph, "target", answer.target.name, "state", 2)
    for day in answer.chain:
        node = f"decision:{day.decision.slug}"
        label = f"{day.decision.get_action_display()} {day.decision.when} ({day.state})"
        graph_add_node(graph, node, label, "decision", 1)
        add_edge(graph, "authority", node, "decides")
        add_edge(graph, node, "target", day.state)

    def change(c) -> dict:
        after: StatusOnDay = c.after
        return {
            "date": str(c.date),
            "event": c.event,
            "decision": c.decision.slug,
            "action": c.decision.action,
            "status": after.status,
            "certain": after.certain,
            "possible_statuses": after.possible_statuses,
        }

    return {
        "authority": answer.authority.code,
        "target": answer.target.code,
        "on": str(answer.on),
        "item": answer.item.slug if answer.item else None,
        "category": answer.category.code if answer.category else None,
        "status": answer.status,
        "certain": answer.certain,
        "possible_statuses": answer.possible_statuses,
        "partial": answer.partial,
        "scope": scope_of(answer.scope, answer.verified_only) if answer.scope else None,
        "in_force": [decision_summary(d, answer.verified_only) for d in answer.in_force],
        "chain": [decision_summary(d, answer.verified_only) for d in answer.chain],
        "changes": [change(c) for c in answer.changes],
        "title": f"{answer.authority.name} toward {answer.target.name} on {answer.on}: "
        f"{answer.status}" + (" (partial)" if answer.partial else ""),
        "graph": finish(graph),
    }


# --- reach and origins ---------------------------------------------------------------------


def party_label(name: str, country: str | None) -> str:
    """``Hezbollah (non-state, in LB)``."""
    return f"{name} (non-state" + (f", in {country})" if country else ")")


def side_node(graph, kind, party, party_name, party_country, side, column) -> str | None:
    """The node of a side that is not a state: a non-state party or an unknown supplier or
    recipient (None when the reader may not see the party)."""
    if kind == "non_state":
        if not party:
            return None
        node = f"party:{party}"
        graph_add_node(graph, node, party_label(party_name, party_country), "party", column)
        return node
    node = f"unknown:{side}"
    graph_add_node(graph, node, f"unknown {side}", "unknown", column)
    return node


class ReachRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["integration", "transfer", "deployment"])
    state = serializers.CharField(
        allow_null=True,
        help_text="integration: the assembly's state of origin; transfer: the recipient when it "
        "is a state; deployment: the state that used it.",
    )
    state_name = serializers.CharField(allow_null=True)
    recipient_kind = serializers.CharField(
        allow_null=True,
        help_text="transfer: state, non_state (see party) or unknown; null for other kinds.",
    )
    party = serializers.CharField(
        allow_null=True, help_text="transfer to a non-state party: its slug."
    )
    party_name = serializers.CharField(allow_null=True)
    party_country = serializers.CharField(
        allow_null=True, help_text="The state the party operates in (ISO code), if known."
    )
    item = serializers.CharField()
    item_name = serializers.CharField()
    item_kind = serializers.CharField()
    component = serializers.CharField(allow_null=True, help_text="integration: the part fitted.")
    conflict = serializers.CharField(allow_null=True, help_text="deployment: where.")
    depth = serializers.IntegerField(help_text="0: a start item; n: n levels of fitting up.")
    count = serializers.IntegerField(help_text="How many records (integrations, transfers…).")
    earliest = serializers.CharField(allow_null=True)
    latest = serializers.CharField(allow_null=True)


class ReachAnswerSerializer(PageSerializer):
    results = ReachRowSerializer(many=True)
    title = serializers.CharField()
    graph = GraphSerializer(help_text="Of this page's rows.")


def reach_answer(answer: Reach, request) -> dict:
    graph = graph_new()
    deepest = max((r.depth for r in answer.rows), default=0)
    for row in answer.rows:
        item = f"item:{row.item}"
        graph_add_node(graph, item, row.item_name, "item", row.depth)
        if row.kind == "integration":
            add_edge(graph, f"item:{row.component}", item, "fitted to")
        elif row.kind == "transfer" and row.recipient_kind != "state":
            node = side_node(
                graph,
                row.recipient_kind,
                row.party,
                row.party_name,
                row.party_country,
                "recipient",
                deepest + 1,
            )
            if node:
                add_edge(graph, item, node, f"transferred ({row.count})")
        elif row.state:
            state = f"state:{row.state}"
            graph_add_node(graph, state, row.state_name, "state", deepest + 1)
            if row.kind == "transfer":
                add_edge(graph, item, state, f"transferred ({row.count})")
            else:
                add_edge(graph, item, state, "used by")
                if row.conflict:  # null when unknown or not visible to the reader
                    conflict = f"conflict:{row.conflict}"
                    graph_add_node(graph, conflict, row.conflict, "conflict", deepest + 2)
                    add_edge(graph, state, conflict, f"used in ({row.count})")
    rows = [row.__dict__ for row in answer.rows]
    return {
        **page_links(request, answer.page, answer.has_next),
        "results": rows,
        "title": f"Where {answer.title} ends up",
        "graph": finish(graph),
    }


class OriginRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["received", "part"])
    from_state = serializers.CharField(
        allow_null=True,
        help_text="received: the supplier when it is a state; part: the part's state of origin "
        "(null if unknown).",
    )
    from_state_name = serializers.CharField(allow_null=True)
    supplier_kind = serializers.CharField(
        allow_null=True,
        help_text="received: state, non_state (see from_party) or unknown; null for parts.",
    )
    from_party = serializers.CharField(
        allow_null=True, help_text="received from a non-state party: its slug."
    )
    from_party_name = serializers.CharField(allow_null=True)
    from_party_country = serializers.CharField(
        allow_null=True, help_text="The state the party operates in (ISO code), if known."
    )
    item = serializers.CharField()
    item_name = serializers.CharField()
    item_kind = serializers.CharField()
    received_item = serializers.CharField(help_text="What the state received that carries it.")
    depth = serializers.IntegerField(help_text="0: received as such; n: fitted n levels down.")
    transfers = serializers.IntegerField()
    earliest = serializers.CharField(allow_null=True)
    latest = serializers.CharField(allow_null=True)


class OriginsAnswerSerializer(PageSerializer):
    state = serializers.CharField()
    results = OriginRowSerializer(many=True)
    title = serializers.CharField()
    graph = GraphSerializer(help_text="Of this page's rows.")


def origins_answer(answer: Origins, request) -> dict:
    graph = graph_new()
    target = f"state:{answer.state.code}"
    graph_add_node(graph, target, answer.state.name, "state", 3)
    for row in answer.rows:
        item = f"item:{row.item}"
        source = f"state:{row.from_state}" if row.from_state else None
        if source:
            graph_add_node(graph, source, row.from_state_name, "state", 0)
        elif row.kind == "received" and row.supplier_kind != "state":
            source = side_node(
                graph,
                row.supplier_kind,
                row.from_party,
                row.from_party_name,
                row.from_party_country,
                "supplier",
                0,
            )
        if row.kind == "received":
            graph_add_node(graph, item, row.item_name, "item", 2)
            if source:
                add_edge(graph, source, item, "supplies")
            add_edge(graph, item, target, f"received ({row.transfers})")
        else:
            graph_add_node(graph, item, row.item_name, "item", 1)
            received = f"item:{row.received_item}"
            graph_add_node(graph, received, row.received_item, "item", 2)
            if source:
                add_edge(graph, source, item, "made in")
            add_edge(graph, item, received, "fitted to")
    return {
        "state": answer.state.code,
        **page_links(request, answer.page, answer.has_next),
        "results": [row.__dict__ for row in answer.rows],
        "title": f"Where what {answer.state.name} received comes from",
        "graph": finish(graph),
    }


# --- timeline ------------------------------------------------------------------------------


class TimelineEntrySerializer(serializers.Serializer):
    date = serializers.CharField(allow_null=True, help_text="At its precision; null: undated.")
    kind = serializers.ChoiceField(
        choices=["permit_decision", "transfer", "deployment", "conflict_role"]
    )
    role = serializers.CharField()
    key = serializers.CharField(allow_null=True)
    summary = serializers.CharField()
    evidence_count = serializers.IntegerField()
    evidence = EvidenceSummarySerializer(many=True)


class TimelineAnswerSerializer(PageSerializer):
    state = serializers.CharField()
    results = TimelineEntrySerializer(many=True)


def timeline_answer(answer: Timeline, request) -> dict:
    def entry(e) -> dict:
        evidence, count, _claim = evidence_of(e.record)
        return {
            "date": e.when or None,
            "kind": e.kind,
            "role": e.role,
            "key": getattr(e.record, "slug", None),
            "summary": e.summary,
            "evidence_count": count,
            "evidence": evidence,
        }

    return {
        "state": answer.state.code,
        **page_links(request, answer.page, answer.has_next),
        "results": [entry(e) for e in answer.entries],
    }
