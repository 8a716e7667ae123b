"""Supply-chain questions: routes between states, permit status on a day, a state's timeline.

Views parse their query parameters with small serializers (400 naming the parameter), call a
selector, and present the answer as JSON, as a graph (``?format=graph``) or as SVG
(``?format=svg``).
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import renderers, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import models
from ..querysets import shown, visible
from ..selectors.permits import permit_status
from ..selectors.supply_chain import supply_chain_paths
from .graph import GraphRenderer, SVGRenderer, graph_add_node, graph_finish, graph_new
from .inputs import InputCheckedMixin, reject_unknown_parameters
from .permissions import is_curator
from .serializers import EvidenceSummarySerializer, VisibleSlugRelatedField


def state_field(**kwargs):
    return VisibleSlugRelatedField(slug_field="code", queryset=models.State.objects.all(), **kwargs)


class PathsParams(serializers.Serializer):
    from_ = state_field(help_text="ISO code of the state the technology comes from.")
    to = state_field(help_text="ISO code of the state it reaches.")
    on = serializers.DateField(required=False, help_text="Only what had happened by this day.")
    max_hops = serializers.IntegerField(min_value=1, max_value=10, default=6)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class PermitStatusParams(serializers.Serializer):
    authority = state_field()
    target = state_field()
    on = serializers.DateField()
    item = VisibleSlugRelatedField(
        slug_field="slug", queryset=models.Item.objects.all(), required=False
    )
    category = VisibleSlugRelatedField(
        slug_field="code", queryset=models.ControlListCategory.objects.all(), required=False
    )

    def validate(self, attrs):
        if attrs.get("item") and attrs.get("category"):
            raise serializers.ValidationError({"category": "Give an item or a category, not both."})
        return attrs


def evidence_of(record) -> list[dict]:
    return EvidenceSummarySerializer(record.evidence.all(), many=True).data


def strongest_claim(evidence: list[dict]) -> str | None:
    order = ["confirmed", "reported", "alleged", "disputed", "denied"]
    claims = [e["claim_status"] for e in evidence]
    return next((c for c in order if c in claims), None)


class SupplyChainView(InputCheckedMixin, APIView):
    renderer_classes = [
        renderers.JSONRenderer,
        renderers.BrowsableAPIRenderer,
        GraphRenderer,
        SVGRenderer,
    ]

    def params(self, serializer_class):
        reject_unknown_parameters(self.request.query_params, serializer_class().fields)
        params = serializer_class(data=self.request.query_params, context={"request": self.request})
        params.is_valid(raise_exception=True)
        return params.validated_data


class PathsView(SupplyChainView):
    """Every route by which items originating in one state reach another."""

    @extend_schema(parameters=[PathsParams], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        params = self.params(PathsParams)
        answer = supply_chain_paths(
            origin=params["from"],
            destination=params["to"],
            on=params.get("on"),
            max_hops=params["max_hops"],
            verified_only=not is_curator(request),
        )
        graph = graph_new()
        routes = []
        for route in answer.routes:
            hops = []
            for column, hop in enumerate(route.hops):
                evidence = evidence_of(hop.record)
                claim = strongest_claim(evidence)
                hops.append(
                    {
                        "kind": hop.kind,
                        "from_state": hop.from_state.code if hop.from_state else None,
                        "item": hop.item.slug,
                        "item_name": hop.item.name,
                        "assembly": hop.assembly.slug if hop.assembly else None,
                        "to_state": hop.to_state.code if hop.to_state else None,
                        "claim_status": claim,
                        "evidence": evidence,
                    }
                )
                if hop.kind == "origin":
                    graph_add_node(
                        graph, f"state:{hop.to_state.code}", hop.to_state.name, "state", 0
                    )
                    graph_add_node(graph, f"item:{hop.item.slug}", hop.item.name, "item", 1)
                    graph["edges"].append(
                        {
                            "source": f"state:{hop.to_state.code}",
                            "target": f"item:{hop.item.slug}",
                            "label": "made in",
                            "claim_status": claim,
                        }
                    )
                    last = f"item:{hop.item.slug}"
                elif hop.kind == "integration":
                    graph_add_node(
                        graph, f"item:{hop.assembly.slug}", hop.assembly.name, "item", column + 1
                    )
                    graph["edges"].append(
                        {
                            "source": last,
                            "target": f"item:{hop.assembly.slug}",
                            "label": "fitted to",
                            "claim_status": claim,
                        }
                    )
                    last = f"item:{hop.assembly.slug}"
                else:
                    source = f"state:{hop.from_state.code}"
                    graph_add_node(graph, source, hop.from_state.name, "state", column + 1)
                    target = f"state:{hop.to_state.code}"
                    graph_add_node(graph, target, hop.to_state.name, "state", column + 2)
                    if last != source:
                        graph["edges"].append(
                            {"source": last, "target": source, "label": "held by"}
                        )
                    graph["edges"].append(
                        {
                            "source": source,
                            "target": target,
                            "label": "transfers",
                            "claim_status": claim,
                        }
                    )
                    last = target
            routes.append({"hops": hops})
        return Response(
            {
                "from": answer.origin.code,
                "to": answer.destination.code,
                "on": answer.on,
                "max_hops": answer.max_hops,
                "routes": routes,
                "truncated": answer.truncated,
                "title": f"Routes from {answer.origin.name} to {answer.destination.name}",
                "graph": graph_finish(graph),
            }
        )


def decision_summary(day, verified_only: bool = True) -> dict:
    decision = day.decision
    ends = shown(decision.ends, verified_only=verified_only)
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
        "evidence": evidence_of(decision),
    }


class PermitStatusView(SupplyChainView):
    """The permit status an authority had toward a target on a day, and the decisions behind it."""

    @extend_schema(parameters=[PermitStatusParams], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        params = self.params(PermitStatusParams)
        answer = permit_status(
            authority=params["authority"],
            target=params["target"],
            on=params["on"],
            item=params.get("item"),
            category=params.get("category"),
            verified_only=not is_curator(request),
        )
        graph = graph_new()
        graph_add_node(graph, "authority", answer.authority.name, "state", 0)
        graph_add_node(graph, "target", answer.target.name, "state", 2)
        for day in answer.chain:
            node = f"decision:{day.decision.slug}"
            label = f"{day.decision.get_action_display()} {day.decision.when} ({day.state})"
            graph_add_node(graph, node, label, "decision", 1)
            graph["edges"].append({"source": "authority", "target": node, "label": "decides"})
            graph["edges"].append({"source": node, "target": "target", "label": day.state})
        return Response(
            {
                "authority": answer.authority.code,
                "target": answer.target.code,
                "on": answer.on,
                "item": answer.item.slug if answer.item else None,
                "category": answer.category.code if answer.category else None,
                "status": answer.status,
                "certain": answer.certain,
                "possible_statuses": answer.possible_statuses,
                "in_force": [decision_summary(d, not is_curator(request)) for d in answer.in_force],
                "chain": [decision_summary(d, not is_curator(request)) for d in answer.chain],
                "title": f"{answer.authority.name} toward {answer.target.name} on {answer.on}: "
                f"{answer.status}",
                "graph": graph_finish(graph),
            }
        )


class ReachParams(serializers.Serializer):
    component = VisibleSlugRelatedField(
        slug_field="slug",
        queryset=models.Item.objects.all(),
        required=False,
        help_text="A component or platform slug.",
    )
    organization = VisibleSlugRelatedField(
        slug_field="slug",
        queryset=models.Organization.objects.all(),
        required=False,
        help_text="A manufacturer (its units' items count too).",
    )
    state = state_field(required=False, help_text="Items originating in this state.")

    def validate(self, attrs):
        given = [k for k in ("component", "organization", "state") if attrs.get(k)]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"component": "Give exactly one of component, organization or state."}
            )
        return attrs


class OriginsParams(serializers.Serializer):
    state = state_field()


def item_brief(item, verified_only: bool = True) -> dict:
    country = shown(item.country_of_origin, verified_only=verified_only)
    manufacturer = shown(item.manufacturer, verified_only=verified_only)
    return {
        "slug": item.slug,
        "name": item.name,
        "kind": item.kind,
        "country_of_origin": country.code if country else None,
        "manufacturer": manufacturer.slug if manufacturer else None,
        "evidence": evidence_of(item),
    }


class ReachView(SupplyChainView):
    """Downstream of a component, a manufacturer's goods or a state's goods."""

    @extend_schema(parameters=[ReachParams], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        from ..selectors.supply_chain import supply_chain_reach

        params = self.params(ReachParams)
        if params.get("component"):
            start = models.Item.objects.filter(pk=params["component"].pk)
            title = params["component"].name
        elif params.get("organization"):
            org = params["organization"]
            units = visible(
                models.OrganizationRelation.objects.filter(parent=org),
                verified_only=not is_curator(request),
            ).values("child")
            start = models.Item.objects.filter(Q(manufacturer=org) | Q(manufacturer__in=units))
            title = org.name
        else:
            start = models.Item.objects.filter(country_of_origin=params["state"])
            title = params["state"].name
        reach = supply_chain_reach(start_items=start, verified_only=not is_curator(request))
        graph = graph_new()
        depth = {}
        for item in reach.items:
            depth.setdefault(item.pk, 0)
        for integration in reach.integrations:
            depth[integration.assembly_id] = max(
                depth.get(integration.assembly_id, 0), depth.get(integration.component_id, 0) + 1
            )
        for item in reach.items:
            graph_add_node(graph, f"item:{item.slug}", item.name, "item", depth[item.pk])
        last_column = max(depth.values(), default=0) + 1
        for integration in reach.integrations:
            graph["edges"].append(
                {
                    "source": f"item:{integration.component.slug}",
                    "target": f"item:{integration.assembly.slug}",
                    "label": "fitted to",
                    "claim_status": strongest_claim(evidence_of(integration)),
                }
            )
        for transfer in reach.transfers:
            node = f"state:{transfer.recipient.code}"
            graph_add_node(graph, node, transfer.recipient.name, "state", last_column)
            graph["edges"].append(
                {
                    "source": f"item:{transfer.item.slug}",
                    "target": node,
                    "label": f"from {transfer.supplier.code}",
                    "claim_status": strongest_claim(evidence_of(transfer)),
                }
            )
        for deployment in reach.deployments:
            node = f"conflict:{deployment.conflict.slug}"
            graph_add_node(graph, node, deployment.conflict.name, "conflict", last_column + 1)
            graph["edges"].append(
                {
                    "source": f"state:{deployment.state.code}",
                    "target": node,
                    "label": f"used by {deployment.state.code}",
                    "claim_status": strongest_claim(evidence_of(deployment)),
                }
            )
            graph_add_node(
                graph, f"state:{deployment.state.code}", deployment.state.name, "state", last_column
            )
        return Response(
            {
                "items": [item_brief(i, not is_curator(request)) for i in reach.items],
                "integrations": [
                    {
                        "component": g.component.slug,
                        "assembly": g.assembly.slug,
                        "status": g.status,
                        "evidence": evidence_of(g),
                    }
                    for g in reach.integrations
                ],
                "transfers": [
                    {
                        "id": t.pk,
                        "supplier": t.supplier.code,
                        "recipient": t.recipient.code,
                        "item": t.item.slug,
                        "status": t.status,
                        "order_date": t.partial_display("order_date") or None,
                        "evidence": evidence_of(t),
                    }
                    for t in reach.transfers
                ],
                "deployments": [
                    {
                        "item": d.item.slug,
                        "state": d.state.code,
                        "conflict": d.conflict.slug,
                        "evidence": evidence_of(d),
                    }
                    for d in reach.deployments
                ],
                "title": f"Where {title} ends up",
                "graph": graph_finish(graph),
            }
        )


class OriginsView(SupplyChainView):
    """What a state received and, through integrations, where every part comes from."""

    @extend_schema(parameters=[OriginsParams], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        from ..selectors.supply_chain import supply_chain_origins

        params = self.params(OriginsParams)
        answer = supply_chain_origins(state=params["state"], verified_only=not is_curator(request))
        graph = graph_new()
        target = f"state:{answer.state.code}"
        items = {i.pk: i for i in answer.items}
        depth = {t.item_id: 1 for t in answer.transfers}
        for _ in range(len(answer.integrations)):
            for g in answer.integrations:
                depth[g.component_id] = max(
                    depth.get(g.component_id, 0), depth.get(g.assembly_id, 1) + 1
                )
        deepest = max(depth.values(), default=1)
        graph_add_node(graph, target, answer.state.name, "state", deepest + 1)
        for item in answer.items:
            column = deepest + 1 - depth.get(item.pk, 1)
            graph_add_node(graph, f"item:{item.slug}", item.name, "item", column)
        for t in answer.transfers:
            graph["edges"].append(
                {
                    "source": f"item:{t.item.slug}",
                    "target": target,
                    "label": f"from {t.supplier.code}",
                    "claim_status": strongest_claim(evidence_of(t)),
                }
            )
        for g in answer.integrations:
            graph["edges"].append(
                {
                    "source": f"item:{g.component.slug}",
                    "target": f"item:{g.assembly.slug}",
                    "label": "fitted to",
                    "claim_status": strongest_claim(evidence_of(g)),
                }
            )

        only = not is_curator(request)

        def origin(item):
            manufacturer = shown(item.manufacturer, verified_only=only)
            country = shown(item.country_of_origin, verified_only=only) or shown(
                manufacturer.country if manufacturer else None, verified_only=only
            )
            return country.code if country else None

        return Response(
            {
                "state": answer.state.code,
                "received": [
                    {
                        "id": t.pk,
                        "supplier": t.supplier.code,
                        "item": t.item.slug,
                        "status": t.status,
                        "evidence": evidence_of(t),
                    }
                    for t in answer.transfers
                ],
                "parts": [
                    {
                        **item_brief(items[g.component_id], only),
                        "fitted_to": g.assembly.slug,
                        "origin_state": origin(items[g.component_id]),
                        "integration_evidence": evidence_of(g),
                    }
                    for g in answer.integrations
                ],
                "title": f"Where what {answer.state.name} received comes from",
                "graph": graph_finish(graph),
            }
        )
