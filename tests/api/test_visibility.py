"""Nothing a reader may not see.

A database holds a draft of every kind of record (with a draft alias on a verified state,
organisation and item, a draft source behind verified-looking evidence, verified evidence on a
draft fact, a draft period in a verified record's history, and verified records that refer to
drafts). Every text of every draft carries the marker ``draftmark`` (the draft state's code is
``QXDM``); the curator who did the work is called ``draftmarkcurator``.

An anonymous reader then walks every GET route of the API, discovered from the OpenAPI schema
(so a new route is walked without changing this test): every list (every page), the detail,
``/history/`` and other detail actions of every record the list shows, and every query parameter
that names a record, with a verified record, with the draft and with a key that does not exist.
Each answer is requested in every format its view offers (JSON, CSV, graph, SVG, the browsable
API). No answer may contain a marker or a ``verified_by``, and naming a draft must answer exactly
as naming a record that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist
from django.urls import resolve
from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories as f
from tracker import models
from tracker.choices import (
    DatePrecision,
    ParticipantRole,
    PermitAction,
    PermitScope,
    ReviewState,
)
from tracker.services.review import records_return_to_draft

pytestmark = pytest.mark.django_db

LEAK = re.compile(r"draftmark|\bQXDM\b|verified_by", re.IGNORECASE)
DRAFT_STATE_CODE = "QXDM"
MISSING = {"code": "QXMS", "slug": "missing-record", "pk": "987654", "id": "987654"}
#: Query parameters that do not name a record (the walk does not vary them).
PLAIN_PARAMETERS = {
    "on", "max_hops", "page", "cursor", "format", "ordering", "q", "review_state", "claim_status",
    "date_after", "date_before", "kind", "status", "action", "scope", "role", "regime",
    "item_type", "publisher", "language", "quantity_min", "quantity_max", "limit", "offset",
    "supplier_kind", "recipient_kind", "condition", "withdrawn", "military", "authority_kind",
    "date_from_publication",
}  # fmt: skip
#: Query parameters of the supply-chain answers (plain views, no filterset) that name a record.
ANSWER_KEYS = {
    "from": (models.State, "code"),
    "to": (models.State, "code"),
    "authority": (models.State, "code"),
    "target": (models.State, "code"),
    "state": (models.State, "code"),
    "item": (models.Item, "slug"),
    "component": (models.Item, "slug"),
    "organization": (models.Organization, "slug"),
    "category": (models.ControlListCategory, "code"),
}
#: Values of the required parameters of the supply-chain answers (verified records).
REQUIRED = {"from": "QZVA", "to": "QZVC", "authority": "QZVA", "target": "QZVB",
            "state": "QZVC", "on": "2020-07-01"}  # fmt: skip
HTML_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def verify(*records, user):
    """Mark ``records`` verified directly, not through the verification rule: the world also
    holds verified records that point at drafts (which the rule refuses), to show that readers
    never see the drafts even then."""
    for record in records:
        record.refresh_from_db()
        record.review_state = ReviewState.VERIFIED
        record.verified_by = user
        record.verified_at = timezone.now()
        record._history_user = user
        record.save()


class World:
    """The seeded records: ``verified[model]`` and ``draft[model]`` give one record of each."""

    def __init__(self):
        self.verified: dict[type, object] = {}
        self.draft: dict[type, object] = {}


@pytest.fixture
def world(db):
    curator = f.UserFactory(username="draftmarkcurator", is_staff=True)
    curator.groups.add(Group.objects.get(name="curators"))
    w = World()
    v = w.verified

    # Verified reference data, organisations and items.
    alpha = f.StateFactory(code="QZVA", name="Alphaland")
    beta = f.StateFactory(code="QZVB", name="Betaland")
    gamma = f.StateFactory(code="QZVC", name="Gammaland")
    state_alias = f.StateAliasFactory(state=alpha, name="Alphan")
    category = f.ControlListCategoryFactory(code="9A901", title="Sensors")
    maker = f.OrganizationFactory(name="Verified Maker", slug="verified-maker", country=alpha)
    owner = f.OrganizationFactory(name="Verified Owner", slug="verified-owner", country=alpha)
    org_alias = f.OrganizationAliasFactory(organization=maker, name="VM")
    relation = f.OrganizationRelationFactory(child=maker, parent=owner, kind="unit_of")
    sensor = f.ItemFactory(
        name="Verified Sensor", slug="verified-sensor", manufacturer=maker, country_of_origin=alpha
    )
    sensor.category = category
    sensor.save()
    item_alias = f.ItemAliasFactory(item=sensor, name="VS-1")
    drone = f.PlatformFactory(
        name="Verified Drone", slug="verified-drone", manufacturer=maker, country_of_origin=beta
    )
    ship = f.PlatformFactory(
        name="Verified Ship", slug="verified-ship", manufacturer=maker, country_of_origin=gamma
    )
    integration = f.IntegrationFactory(component=sensor, assembly=drone)
    transfer = f.TransferFactory(supplier=beta, recipient=gamma, item=drone)
    freeze = f.PermitDecisionFactory(
        authority=alpha,
        target_state=beta,
        action=PermitAction.FREEZE,
        effective_date=dt.date(2019, 10, 1),
        effective_date_precision=DatePrecision.MONTH,
    )
    conflict = f.ConflictFactory(name="Verified War", slug="verified-war")
    participant = f.ConflictParticipantFactory(conflict=conflict, state=gamma)
    deployment = f.DeploymentFactory(item=drone, state=gamma, conflict=conflict)
    source = f.SourceFactory(
        title="Verified Report",
        text="Alpha froze permits to Beta. The sensor was fitted to the drone. "
        "Beta delivered drones to Gamma. Gamma used the drones in the war. "
        "Alpha lifted its freeze.",
    )
    evidence = [
        f.EvidenceFactory(
            source=source,
            quote="Alpha froze permits to Beta.",
            transfer=None,
            permit_decision=freeze,
        ),
        f.EvidenceFactory(
            source=source,
            quote="The sensor was fitted to the drone.",
            transfer=None,
            integration=integration,
        ),
        f.EvidenceFactory(
            source=source, quote="Beta delivered drones to Gamma.", transfer=transfer
        ),
        f.EvidenceFactory(
            source=source,
            quote="Gamma used the drones in the war.",
            transfer=None,
            deployment=deployment,
        ),
    ]
    verify(
        alpha, beta, gamma, state_alias, category, maker, owner, org_alias, relation, sensor,
        item_alias, drone, ship, integration, transfer, freeze, conflict, participant,
        deployment, source, *evidence, user=curator,
    )  # fmt: skip
    for record in (alpha, sensor, maker, category, conflict, freeze, source, relation,
                   integration, transfer, participant, deployment, evidence[0]):  # fmt: skip
        v[type(record)] = record

    # A verified record with a draft period in its history: its values while a draft, and while
    # it was returned to draft, are not public.
    peace = f.ConflictFactory(
        name="Verified Peace", slug="verified-peace", description="draftmark first draft"
    )
    peace.description = "Talks."
    peace.save()
    verify(peace, user=curator)
    records_return_to_draft(records=models.Conflict.objects.filter(pk=peace.pk), user=curator)
    peace.refresh_from_db()
    peace.region = "draftmark region while withdrawn"
    peace.save()
    peace.region = "Caucasus"
    peace.save()
    verify(peace, user=curator)

    # A draft of every kind.
    draft_state = f.StateFactory(
        code=DRAFT_STATE_CODE, name="Draftmark State", official_name="Draftmark Republic"
    )
    f.StateAliasFactory(state=alpha, name="Draftmark alias of a verified state")
    draft_category = f.ControlListCategoryFactory(
        code="DRAFTMARK-1", title="Draftmark category", description="draftmark"
    )
    draft_org = f.OrganizationFactory(
        name="Draftmark Org", slug="draftmark-org", description="draftmark", country=alpha
    )
    f.OrganizationAliasFactory(organization=maker, name="Draftmark alias of an organisation")
    f.OrganizationRelationFactory(
        slug="draftmark-relation", child=owner, parent=maker, kind="part_of", note="draftmark"
    )
    draft_item = f.ItemFactory(
        name="Draftmark Item",
        slug="draftmark-item",
        item_type="draftmark type",
        description="draftmark",
        manufacturer=maker,
        country_of_origin=alpha,
    )
    f.PlatformFactory(
        name="Draftmark Platform", slug="draftmark-platform", manufacturer=maker,
        country_of_origin=beta,
    )  # fmt: skip
    f.ItemAliasFactory(item=sensor, name="Draftmark alias of an item")
    f.IntegrationFactory(slug="draftmark-integration", component=sensor, assembly=ship, note="dm")
    draft_transfer = f.TransferFactory(
        slug="draftmark-transfer", supplier=alpha, recipient=beta, item=sensor, note="draftmark"
    )
    draft_lift = f.PermitDecisionFactory(
        slug="draftmark-lift",
        authority=alpha,
        target_state=beta,
        action=PermitAction.LIFT,
        ends=freeze,
        effective_date=dt.date(2020, 5, 1),
        effective_date_precision=DatePrecision.MONTH,
        reason="draftmark reason",
        announced_by="draftmark minister",
        scope_description="draftmark scope",
    )
    draft_conflict = f.ConflictFactory(
        name="Draftmark War", slug="draftmark-conflict", region="draftmark", description="dm"
    )
    f.ConflictParticipantFactory(slug="draftmark-participant", conflict=conflict, state=beta)
    f.DeploymentFactory(
        slug="draftmark-deployment", item=drone, state=beta, conflict=conflict, note="draftmark"
    )
    draft_source = f.SourceFactory(
        title="Draftmark Source",
        publisher="Draftmark Press",
        url="https://draftmark.example.org/a",
        text="Draftmark text says Beta delivered drones to Gamma.",
    )
    # Verified-looking evidence from the draft source, on a verified fact.
    looks_verified = f.EvidenceFactory(
        slug="draftmark-evidence-from-a-draft-source",
        source=draft_source,
        quote="Draftmark text says",
        note="draftmark",
        transfer=transfer,
    )
    # A draft quote (from a verified source) on a verified fact.
    f.EvidenceFactory(
        slug="draftmark-draft-evidence",
        source=source,
        quote="Alpha lifted its freeze.",
        note="draftmark",
        transfer=None,
        permit_decision=freeze,
    )
    # Verified evidence on a draft fact.
    on_draft = f.EvidenceFactory(
        slug="draftmark-evidence-on-a-draft",
        source=source,
        quote="Alpha lifted its freeze.",
        note="draftmark",
        transfer=None,
        permit_decision=draft_lift,
    )
    verify(looks_verified, on_draft, user=curator)
    w.draft.update(
        {
            models.State: draft_state,
            models.Item: draft_item,
            models.Organization: draft_org,
            models.ControlListCategory: draft_category,
            models.Conflict: draft_conflict,
            models.PermitDecision: draft_lift,
            models.Transfer: draft_transfer,
            models.Source: draft_source,
            models.OrganizationRelation: models.OrganizationRelation.objects.get(
                slug="draftmark-relation"
            ),
            models.Integration: models.Integration.objects.get(slug="draftmark-integration"),
            models.ConflictParticipant: models.ConflictParticipant.objects.get(
                slug="draftmark-participant"
            ),
            models.Deployment: models.Deployment.objects.get(slug="draftmark-deployment"),
            models.Evidence: models.Evidence.objects.get(slug="draftmark-draft-evidence"),
        }
    )

    # Verified records referring to drafts. Optional references are shown as null; a record
    # that cannot be shown without the draft (a transfer of a draft item) is not shown.
    referring_item = f.ItemFactory(
        name="Verified Item With Draft References",
        slug="verified-referring-item",
        manufacturer=draft_org,
        country_of_origin=draft_state,
    )
    referring_item.category = draft_category
    referring_item.save()
    referring_org = f.OrganizationFactory(
        name="Verified Org In A Draft State", slug="verified-referring-org", country=draft_state
    )
    sub_category = f.ControlListCategoryFactory(code="9A902", title="Sub", parent=draft_category)
    referring_decision = f.PermitDecisionFactory(
        slug="verified-referring-decision",
        authority=alpha,
        target_state=gamma,
        target_organization=draft_org,
        authority_body=draft_org,
        action=PermitAction.SUSPEND,
        scope=PermitScope.ITEMS,
        effective_date=dt.date(2020, 1, 1),
        effective_date_precision=DatePrecision.MONTH,
    )
    referring_decision.scope_items.set([sensor, draft_item])
    referring_decision.scope_categories.set([category, draft_category])
    draft_freeze = f.PermitDecisionFactory(
        slug="draftmark-freeze",
        authority=alpha,
        target_state=gamma,
        action=PermitAction.FREEZE,
        effective_date=dt.date(2018, 1, 1),
        effective_date_precision=DatePrecision.MONTH,
    )
    referring_lift = f.PermitDecisionFactory(
        slug="verified-lift-of-a-draft",
        authority=alpha,
        target_state=gamma,
        action=PermitAction.LIFT,
        ends=draft_freeze,
        effective_date=dt.date(2019, 1, 1),
        effective_date_precision=DatePrecision.MONTH,
    )
    referring_transfer = f.TransferFactory(
        slug="verified-referring-transfer",
        supplier=alpha,
        recipient=gamma,
        item=sensor,
        supplier_organization=draft_org,
        recipient_organization=maker,
    )
    referring_transfer.intermediaries.set([beta, draft_state])
    # A verified non-state party operating in a draft state, a transfer to it, withdrawn by a
    # draft release: the party is shown, its country and the release are not.
    draft_party = f.PartyFactory(
        name="Draftmark Militia", slug="draftmark-militia", description="draftmark", country=alpha
    )
    party_in_draft_state = f.PartyFactory(
        name="Verified Militia", slug="verified-militia", country=draft_state
    )
    to_party = f.TransferFactory(
        slug="verified-transfer-to-a-party",
        supplier=alpha,
        recipient=None,
        recipient_kind="non_state",
        recipient_party=party_in_draft_state,
        recipient_organization=draft_org,  # the force that received it, a draft: not shown
        item=sensor,
        withdrawn_by_source=draft_source,
    )
    referring_participant = f.ConflictParticipantFactory(
        slug="verified-referring-participant",
        conflict=conflict,
        state=None,
        organization=draft_org,
        supports=draft_state,
        role=ParticipantRole.BACKER,
    )
    # Verified records that need a draft to make sense.
    pod = f.PlatformFactory(
        name="Verified Pod In A Draft State", slug="verified-pod", manufacturer=maker,
        country_of_origin=draft_state,
    )  # fmt: skip
    needing = [
        f.TransferFactory(slug="verified-transfer-of-draft", supplier=alpha, recipient=gamma,
                          item=draft_item),
        f.TransferFactory(slug="verified-transfer-from-draft-state", supplier=draft_state,
                          recipient=gamma, item=pod),
        f.IntegrationFactory(slug="verified-integration-into-draft", component=sensor,
                             assembly=models.Item.objects.get(slug="draftmark-platform")),
        f.IntegrationFactory(slug="verified-integration-into-pod", component=sensor, assembly=pod),
        f.DeploymentFactory(slug="verified-deployment-of-draft", item=draft_item, state=gamma,
                            conflict=conflict),
        f.DeploymentFactory(slug="verified-deployment-in-draft", item=drone, state=gamma,
                            conflict=draft_conflict),
        f.OrganizationRelationFactory(slug="verified-relation-to-draft", child=draft_org,
                                      parent=owner, kind="unit_of"),
        f.ConflictParticipantFactory(slug="verified-participant-in-draft",
                                     conflict=draft_conflict, state=gamma),
        f.TransferFactory(slug="verified-transfer-to-draft-party", supplier=alpha,
                          recipient=None, recipient_kind="non_state",
                          recipient_party=draft_party, item=sensor),
        f.TransferFactory(slug="verified-transfer-from-draft-party", supplier=None,
                          supplier_kind="non_state", supplier_party=draft_party,
                          recipient=gamma, item=drone),
        # A company's own decision, the company a draft: not shown at all.
        f.PermitDecisionFactory(slug="verified-decision-of-a-draft-company", authority=None,
                                authority_kind="organization", authority_organization=draft_org,
                                target_state=gamma, action=PermitAction.SUSPEND),
        f.StateAliasFactory(state=draft_state, name="Draftmark verified alias of a draft"),
        f.OrganizationAliasFactory(organization=draft_org, name="Draftmark verified org alias"),
        f.ItemAliasFactory(item=draft_item, name="Draftmark verified item alias"),
    ]  # fmt: skip
    verify(
        referring_item, referring_org, sub_category, referring_decision, referring_lift,
        referring_transfer, referring_participant, pod, party_in_draft_state, to_party,
        *needing, user=curator,
    )  # fmt: skip
    return w


# ---------------------------------------------------------------------------------------------
# The walk


def offered_formats(path: str) -> list[str]:
    """Every format the view of ``path`` renders."""
    view = resolve(path).func
    classes = getattr(view, "cls", None)
    renderers = classes.renderer_classes if classes else []
    return sorted({r.format for r in renderers if r.format} | {"json"})


def fetch(client, path: str, params: dict, fmt: str):
    query = dict(params)
    if fmt != "json":
        query["format"] = fmt
    url = path + ("?" + urlencode(query) if query else "")
    response = client.get(url, HTTP_ACCEPT="application/json" if fmt == "json" else "*/*")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return url, response.status_code, body.decode("utf-8", "replace")


class Walker:
    def __init__(self, client):
        self.client = client
        self.leaks: list[str] = []
        self.differences: list[str] = []
        self.requests = 0

    def get(self, path: str, params: dict | None = None, formats=None):
        """One request in every format its view offers (or in ``formats``); records any marker
        found."""
        answers = {}
        for fmt in formats or offered_formats(path):
            url, status, body = fetch(self.client, path, params or {}, fmt)
            self.requests += 1
            answers[fmt] = (status, body)
            assert status != 500, url
            for found in sorted({m.group(0) for m in LEAK.finditer(body)}):
                self.leaks.append(f"{url} [{fmt} {status}]: {found!r}")
        return answers

    def same_as_missing(self, path, params, name, draft_value, missing_value, formats=None):
        """Naming the draft answers exactly as naming a key that does not exist."""
        drafted = {**params, name: draft_value} if name else params
        missing = {**params, name: missing_value} if name else params
        draft_path, missing_path = path, path
        if not name:  # the key is in the path
            draft_path = path.replace("{key}", str(draft_value))
            missing_path = path.replace("{key}", str(missing_value))
        for fmt in formats or offered_formats(missing_path):
            _, status_a, body_a = fetch(self.client, draft_path, drafted, fmt)
            url, status_b, body_b = fetch(self.client, missing_path, missing, fmt)
            self.requests += 2
            body_b = body_b.replace(str(missing_value), str(draft_value))
            if fmt == "api":
                body_a, body_b = HTML_TOKEN.sub("T", body_a), HTML_TOKEN.sub("T", body_b)
            if (status_a, body_a) != (status_b, body_b):
                self.differences.append(f"{url} [{fmt}]: {status_a} vs {status_b}")


def schema_operations(client) -> dict[str, list[tuple[str, bool]]]:
    """GET path -> its query parameters (name, required), from the OpenAPI schema."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operations = {}
    for path, item in schema["paths"].items():
        if "get" in item:
            params = [
                (p["name"], p.get("required", False))
                for p in item["get"].get("parameters", [])
                if p["in"] == "query"
            ]
            operations[path] = params
    return operations


def parameter_key(path: str, name: str) -> tuple[type, str] | None:
    """The model and key field a query parameter names, or None for plain parameters."""
    filterset = getattr(getattr(resolve(path).func, "cls", None), "filterset_class", None)
    if filterset is None or name not in filterset.base_filters:
        return ANSWER_KEYS.get(name)
    filter_ = filterset.base_filters[name]
    model, key = filterset._meta.model, None
    for part in filter_.field_name.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.is_relation:
            model, key = field.related_model, filter_.extra.get("to_field_name") or "pk"
        else:
            key = part
    return (model, key) if key in ("code", "slug", "pk") else None


def draft_of(view_class, model):
    """A draft the view would serve to a curator (a platform for the platforms route)."""
    drafts = model.objects.filter(review_state="draft").order_by("pk")
    if getattr(view_class, "kind", ""):
        drafts = drafts.filter(kind=view_class.kind)
    return drafts.first()


def test_no_draft_reaches_an_anonymous_reader(world, monkeypatch):
    """Every route, every visible record, every parameter naming a record, every format: no
    draft's value, no curator, no ``verified_by``; a draft's key answers as a missing key."""
    from rest_framework.views import APIView

    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])
    client = APIClient()
    walker = Walker(client)
    operations = schema_operations(client)
    for path in ("/api/", "/api/schema/", "/api/docs/", "/api/redoc/"):
        walker.get(path)
    lists = {p: params for p, params in operations.items() if "{" not in p}
    details = [p for p in operations if "{" in p]
    assert len(lists) >= 18 and len(details) >= 28, "the schema lost routes"

    unknown, keys_by_list = [], {}
    for path, params in lists.items():
        base = {name: REQUIRED[name] for name, required in params if required}
        walker.get(path, base)
        detail = next((p for p in details if p.startswith(path)), None)
        if detail:  # every page of the list; remember the keys it shows
            lookup = detail.split("{")[1].split("}")[0]
            page, shown, number = client.get(path, HTTP_ACCEPT="application/json").json(), [], 1
            while True:
                shown += [str(row[lookup]) for row in page["results"]]
                if not page["next"]:
                    break
                number += 1
                following = parse_qs(urlsplit(page["next"]).query)  # page=N or cursor=...
                walker.get(path, {name: values[-1] for name, values in following.items()})
                page = client.get(page["next"], HTTP_ACCEPT="application/json").json()
            assert shown, f"{path} shows no record: the world seeds one of every kind"
            keys_by_list[path] = shown
        # Every parameter that names a record: the draft answers as a missing key (a filtered
        # list in JSON: its other formats show the same rows); the answers of the supply-chain
        # questions are also asked about a verified record, in every format.
        formats = ["json"] if detail else None
        for name, _ in params:
            key = parameter_key(path, name)
            if key is None:
                if name not in PLAIN_PARAMETERS:
                    unknown.append(f"{path}?{name}")
                continue
            model, field = key
            if model not in world.draft or model not in world.verified:
                unknown.append(f"{path}?{name} names a {model.__name__}: seed one")
                continue
            if not detail:  # a filtered list shows rows of the list walked above
                walker.get(path, {**base, name: getattr(world.verified[model], field)})
            walker.same_as_missing(
                path, base, name, getattr(world.draft[model], field), MISSING[field], formats
            )

    for path in details:
        list_path = path.split("{")[0]
        template = re.sub(r"\{[^}]+\}", "{key}", path)
        # Every record in JSON, the first one in every format.
        for number, key in enumerate(keys_by_list[list_path]):
            walker.get(template.replace("{key}", key), formats=["json"] if number else None)
        view_class = resolve(list_path).func.cls
        lookup = path.split("{")[1].split("}")[0]
        draft = draft_of(view_class, view_class.queryset.model)
        value = getattr(draft, "pk" if lookup == "id" else lookup)
        walker.same_as_missing(template, {}, None, value, MISSING[lookup])

    assert not unknown, "parameters the walk cannot fill in: " + "; ".join(unknown)
    assert not walker.leaks, f"{len(walker.leaks)} leaks:\n" + "\n".join(walker.leaks[:150])
    assert not walker.differences, "a draft's key answers unlike a missing key:\n" + "\n".join(
        walker.differences[:80]
    )


# ---------------------------------------------------------------------------------------------
# The rule, case by case (readers against curators)


@pytest.fixture
def curator_client(world):
    client = APIClient()
    client.force_authenticate(f.UserFactory(username="draftmarkcurator"))
    return client


def test_optional_references_to_drafts_are_null_for_readers(world, curator_client):
    anonymous = APIClient().get("/api/components/verified-referring-item/").json()
    assert (anonymous["manufacturer"], anonymous["country_of_origin"], anonymous["category"]) == (
        None,
        None,
        None,
    )
    curator = curator_client.get("/api/components/verified-referring-item/").json()
    assert (curator["manufacturer"], curator["category"]) == ("draftmark-org", "DRAFTMARK-1")


def test_records_that_need_a_draft_are_hidden_from_readers(world, curator_client):
    for path, slug in [
        ("/api/deployments/", "verified-deployment-of-draft"),
        ("/api/permit-decisions/", "verified-decision-of-a-draft-company"),
    ]:
        anonymous = {row["slug"] for row in APIClient().get(path).json()["results"]}
        curators = {row["slug"] for row in curator_client.get(path).json()["results"]}
        assert slug in curators - anonymous


def test_aliases_of_verified_records_leave_drafts_out(world, curator_client):
    for path in ("/api/states/QZVA/", "/api/organizations/verified-maker/",
                 "/api/components/verified-sensor/"):  # fmt: skip
        anonymous = str(APIClient().get(path).json()["aliases"])
        assert "Draftmark" not in anonymous and anonymous != "[]"
        assert "Draftmark" in str(curator_client.get(path).json()["aliases"])


def test_evidence_from_a_draft_source_is_not_shown(world):
    transfer = models.Transfer.objects.get(evidence__slug="draftmark-evidence-from-a-draft-source")
    evidence = APIClient().get(f"/api/transfers/{transfer.pk}/").json()["evidence"]
    assert [e["source_title"] for e in evidence] == ["Verified Report"]
    listed = APIClient().get("/api/evidence/", {"transfer_id": transfer.pk}).json()["results"]
    assert [e["source_title"] for e in listed] == ["Verified Report"]


def test_a_draft_slug_answers_as_a_missing_one_in_reach(world):
    client = APIClient()
    draft = client.get("/api/supply-chain/reach/", {"component": "draftmark-item"})
    missing = client.get("/api/supply-chain/reach/", {"component": "missing-record"})
    assert draft.status_code == missing.status_code == 400
    assert draft.content.replace(b"draftmark-item", b"missing-record") == missing.content


def test_a_draft_lift_does_not_change_the_public_permit_status(world, curator_client):
    params = {"authority": "QZVA", "target": "QZVB", "on": "2020-07-01"}
    public = APIClient().get("/api/permit-status/", params).json()
    assert public["status"] == "frozen" and public["in_force"][0]["ended_by"] == []
    assert curator_client.get("/api/permit-status/", params).json()["status"] == "open"


def test_history_is_public_for_readers_and_whole_for_curators(world, curator_client):
    path = "/api/conflicts/verified-peace/history/"
    public = APIClient().get(path).json()
    assert [e["type"] for e in public] == ["Verified", "Returned to draft", "Verified"]
    assert {e["user"] for e in public} == {None}
    whole = curator_client.get(path).json()
    assert "draftmarkcurator" in {e["user"] for e in whole}
    assert "draftmark first draft" in str(whole)


def test_filters_match_only_through_what_a_reader_may_see(api_client, curator):
    """A draft alias, a draft quote's claim status and a draft participation find nothing for a
    reader (the verified record they hang on is not revealed through them); curators find it."""
    state = f.StateFactory()
    f.verify(state)
    f.StateAliasFactory(state=state, name="Draftalias")
    transfer = f.TransferFactory()
    f.verify(transfer)
    evidence = f.EvidenceFactory(transfer=transfer, claim_status="disputed")
    f.verify(evidence.source)
    conflict = f.ConflictFactory()
    f.verify(conflict)
    f.ConflictParticipantFactory(conflict=conflict, state=state)
    asks = [
        ("/api/states/", {"q": "Draftalias"}),
        ("/api/transfers/", {"claim_status": "disputed"}),
        ("/api/conflicts/", {"participant": state.code}),
    ]
    for path, params in asks:
        assert api_client.get(path, params).json()["results"] == [], path
    api_client.force_authenticate(curator)
    for path, params in asks:
        assert len(api_client.get(path, params).json()["results"]) == 1, path
