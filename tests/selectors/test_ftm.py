"""The FollowTheMoney mapping: every entity valid, sanctions ended by their lifts, drafts kept
out, sides of every kind, dates at their precision, ids stable, queries bounded."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from followthemoney import model
from followthemoney.types import registry

from tests import factories as f
from tracker.choices import DatePrecision, OrganizationKind, PermitAction, TransferSide
from tracker.selectors.ftm import (
    decision_id,
    entity_id,
    ftm_entities,
    ftm_problems,
    item_id,
    organization_id,
    state_id,
    transfer_id,
)

pytestmark = pytest.mark.django_db


def export(*, verified_only: bool = True) -> list[dict]:
    return [proxy.to_dict() for proxy in ftm_entities(verified_only=verified_only)]


def by_id(entities: list[dict]) -> dict[str, dict]:
    return {e["id"]: e for e in entities}


def of_schema(entities: list[dict], schema: str) -> list[dict]:
    return [e for e in entities if e["schema"] == schema]


def problems(entities: list[dict]) -> list[str]:
    """Everything that would make Aleph or OpenSanctions tooling reject the export: an entity
    the FtM model does not validate, a missing required property, an unknown property, a
    malformed or duplicate id, a reference to an entity that is not in the export."""
    found, ids = [], set()
    for data in entities:
        proxy = model.get_proxy(data, cleaned=False)
        found += ftm_problems(proxy)
        schema = model.get(data["schema"])
        found += [
            f"{data['id']}: unknown property {name}"
            for name in data["properties"]
            if name not in schema.properties
        ]
        if not registry.entity.validate(data["id"]) or data["id"] in ids:
            found.append(f"bad or duplicate id {data['id']}")
        ids.add(data["id"])
    for data in entities:
        schema = model.get(data["schema"])
        for name, values in data["properties"].items():
            if schema.properties[name].type == registry.entity:
                found += [f"{data['id']}.{name} -> {v} missing" for v in values if v not in ids]
    return found


def public_state(**kwargs):
    state = f.StateFactory(**kwargs)
    f.verify(state)
    return state


def public_organization(**kwargs):
    organization = f.OrganizationFactory(country=None, **kwargs)
    f.verify(organization)
    return organization


def quoted(**fact):
    """A verified fact with a verified quote from a verified source."""
    evidence = f.EvidenceFactory(**{"transfer": None, **fact}) if fact else f.EvidenceFactory()
    f.verify(evidence)
    return evidence


def test_a_grant_is_never_a_sanction():
    authority, target = public_state(), public_state()
    grant = f.PermitDecisionFactory(
        authority=authority, target_state=target, action=PermitAction.GRANT
    )
    deny = f.PermitDecisionFactory(
        authority=authority, target_state=target, action=PermitAction.DENY
    )
    quoted(permit_decision=grant)
    quoted(permit_decision=deny)
    entities = by_id(export(verified_only=False))
    assert decision_id(grant.slug) not in entities
    assert entities[decision_id(deny.slug)]["schema"] == "Sanction"


def test_a_cancellation_ends_the_suspension_it_follows_and_is_a_sanction_itself():
    authority, target = public_state(), public_state()
    suspension = f.PermitDecisionFactory(
        authority=authority,
        target_state=target,
        action=PermitAction.SUSPEND,
        effective_date=dt.date(2020, 1, 1),
        effective_date_precision=DatePrecision.YEAR,
    )
    cancel = f.PermitDecisionFactory(
        authority=authority,
        target_state=target,
        action=PermitAction.CANCEL,
        ends=suspension,
        effective_date=dt.date(2021, 3, 1),
        effective_date_precision=DatePrecision.MONTH,
    )
    entities = by_id(export(verified_only=False))
    assert entities[decision_id(suspension.slug)]["properties"]["endDate"] == ["2021-03"]
    assert entities[decision_id(cancel.slug)]["schema"] == "Sanction"


def test_a_verified_fact_does_not_leak_its_draft_references():
    manufacturer = f.OrganizationFactory(country=None, name="Secret Maker")  # a draft
    item = f.ItemFactory(manufacturer=manufacturer, country_of_origin=None)
    f.verify(item)
    company = f.OrganizationFactory(country=None, name="Draft Seller")
    supplier, recipient = public_state(), public_state()
    transfer = f.TransferFactory(
        supplier=supplier, recipient=recipient, item=item, supplier_organization=company
    )
    quoted(transfer=transfer)
    draft_quote = f.EvidenceFactory(transfer=transfer, quote="The drones carried sensors.")
    party = f.OrganizationFactory(country=None, kind=OrganizationKind.ARMED_GROUP)
    hidden = f.TransferFactory(
        supplier=supplier,
        recipient=None,
        recipient_kind=TransferSide.NON_STATE,
        recipient_party=party,
        item=item,
    )
    quoted(transfer=hidden)
    from tracker.models import Organization

    Organization.objects.filter(pk=party.pk).update(review_state="draft", verified_at=None)

    entities = export()
    assert problems(entities) == []
    text = str(entities)
    assert "Secret Maker" not in text and organization_id(manufacturer.slug) not in text
    assert "Draft Seller" not in text and organization_id(company.slug) not in text
    assert transfer_id(hidden.slug) not in text, "a deal with a draft party stays out"
    quotes = [d["properties"]["summary"] for d in of_schema(entities, "Documentation")]
    assert len(quotes) == 1 and [draft_quote.quote] not in quotes
    assert entity_id("evidence", draft_quote.slug) not in text
    contract = by_id(entities)[transfer_id(transfer.slug)]
    awards = [e for e in of_schema(entities, "ContractAward")]
    assert [a["properties"]["supplier"] for a in awards] == [[state_id(supplier.code)]]
    assert contract["properties"]["authority"] == [state_id(recipient.code)]


def test_a_deal_from_an_unknown_supplier_to_a_non_state_party():
    party = public_organization(kind=OrganizationKind.ARMED_GROUP, name="Rebel Front")
    item = f.ItemFactory(manufacturer=None, country_of_origin=None)
    transfer = f.TransferFactory(
        supplier=None,
        supplier_kind=TransferSide.UNKNOWN,
        recipient=None,
        recipient_kind=TransferSide.NON_STATE,
        recipient_party=party,
        item=item,
        quantity=12,
        quantity_estimated=True,
    )
    quoted(transfer=transfer)
    entities = export()
    assert problems(entities) == []
    entity = by_id(entities)
    contract = entity[transfer_id(transfer.slug)]["properties"]
    assert contract["authority"] == [organization_id(party.slug)]
    assert entity[organization_id(party.slug)]["schema"] == "Organization"
    assert of_schema(entities, "ContractAward") == [], "nobody known supplied it"
    assert "Supplier: unknown; recipient: Rebel Front." in contract["summary"]
    assert "Number ordered: 12 (estimate); number delivered: unknown." in contract["summary"]
    (link,) = [
        e
        for e in of_schema(entities, "UnknownLink")
        if e["properties"]["role"] == ["item transferred"]
    ]
    assert link["properties"]["object"] == [item_id(item.slug)]
    (documentation,) = of_schema(entities, "Documentation")
    assert documentation["properties"]["entity"] == [transfer_id(transfer.slug)]


def test_a_state_side_with_its_company_gives_two_awards_and_sipri_fields():
    supplier, recipient = public_state(), public_state()
    company = public_organization(name="Maker Co")
    transfer = f.TransferFactory(
        supplier=supplier,
        recipient=recipient,
        supplier_organization=company,
        delivery_date=dt.date(2020, 10, 1),
        delivery_date_precision=DatePrecision.MONTH,
        delivery_end_date=dt.date(2021, 1, 1),
        delivery_end_date_precision=DatePrecision.YEAR,
        condition="second_hand",
        tiv_per_unit="1.5000",
        comments="for 15 trainer aircraft produced in Turkey",
        external_id="sipri:deal:1",
    )
    transfer.deliveries.create(year=2020, number=4)
    transfer.deliveries.create(year=2021, number=2, number_estimated=True)
    quoted(transfer=transfer)
    entities = export()
    assert problems(entities) == []
    awards = {
        a["properties"]["role"][0]: a["properties"] for a in of_schema(entities, "ContractAward")
    }
    assert awards["supplier"]["supplier"] == [state_id(supplier.code)]
    assert awards["supplying company"]["supplier"] == [organization_id(company.slug)]
    assert awards["supplier"]["startDate"] == ["2020-10"]
    assert awards["supplier"]["endDate"] == ["2021"]
    assert awards["supplier"]["recordId"] == ["sipri:deal:1"]
    contract = by_id(entities)[transfer_id(transfer.slug)]["properties"]
    assert contract["contractDate"] == ["2019"], "a year stays a year: no invented month or day"
    assert contract["description"] == ["for 15 trainer aircraft produced in Turkey"]
    summary = " ".join(contract["summary"])
    assert "Condition: second hand." in summary
    assert "per unit 1.5" in summary
    assert "Deliveries by year: 2020: 4; 2021: 2 (estimate)." in summary


def test_a_non_state_party_and_the_companies_are_apart():
    """Iran -> Hezbollah, sold by an Iranian company, received by a Hezbollah unit: the sides are
    the state and the party; the companies have their own award and authority."""
    iran = public_state()
    party = public_organization(kind=OrganizationKind.ARMED_GROUP, name="Hezbollah")
    seller = public_organization(name="Iranian Seller")
    unit = public_organization(name="Hezbollah Unit")
    transfer = f.TransferFactory(
        supplier=iran,
        supplier_organization=seller,
        recipient=None,
        recipient_kind=TransferSide.NON_STATE,
        recipient_party=party,
        recipient_organization=unit,
    )
    quoted(transfer=transfer)
    entities = export()
    assert problems(entities) == []
    awards = {
        a["properties"]["role"][0]: a["properties"] for a in of_schema(entities, "ContractAward")
    }
    assert awards["supplier"]["supplier"] == [state_id(iran.code)]
    assert awards["supplying company"]["supplier"] == [organization_id(seller.slug)]
    contract = by_id(entities)[transfer_id(transfer.slug)]["properties"]
    assert sorted(contract["authority"]) == sorted(
        [organization_id(party.slug), organization_id(unit.slug)]
    )
    assert f"Supplier: {iran.name}; recipient: Hezbollah." in contract["summary"]


def test_partial_dates_keep_their_precision():
    authority, target = public_state(), public_state()
    decision = f.PermitDecisionFactory(
        authority=authority,
        target_state=target,
        announced_date=dt.date(2020, 1, 1),
        announced_date_precision=DatePrecision.YEAR,
        effective_date=dt.date(2020, 3, 1),
        effective_date_precision=DatePrecision.MONTH,
        end_date=dt.date(2020, 7, 14),
        end_date_precision=DatePrecision.DAY,
    )
    quoted(permit_decision=decision)
    sanction = by_id(export())[decision_id(decision.slug)]["properties"]
    assert sanction["listingDate"] == ["2020"]
    assert sanction["startDate"] == ["2020-03"]
    assert sanction["endDate"] == ["2020-07-14"]


def test_a_decision_whose_only_target_is_a_draft_party_is_left_out():
    party = f.OrganizationFactory(country=None)
    decision = f.PermitDecisionFactory(target_state=None, target_organization=party)
    quoted(permit_decision=decision)
    from tracker.models import Organization

    Organization.objects.filter(pk=party.pk).update(review_state="draft", verified_at=None)
    assert decision_id(decision.slug) not in by_id(export())
    assert by_id(export(verified_only=False))[decision_id(decision.slug)]["properties"][
        "entity"
    ] == [organization_id(party.slug)]


def _fill(n: int) -> None:
    """n of every kind of exported record, with quotes, links and prefetched relations."""
    for _ in range(n):
        supplier, recipient = public_state(), public_state()
        f.StateAliasFactory(state=supplier)
        organization = f.OrganizationFactory(country=supplier)
        f.OrganizationAliasFactory(organization=organization)
        relation = f.OrganizationRelationFactory(child=organization)
        category = f.ControlListCategoryFactory()
        f.verify(category)
        item = f.ItemFactory(
            manufacturer=organization, country_of_origin=supplier, category=category
        )
        f.ItemAliasFactory(item=item)
        integration = f.IntegrationFactory(component=item)
        transfer = f.TransferFactory(
            supplier=supplier,
            recipient=recipient,
            item=item,
            supplier_organization=organization,
        )
        transfer.intermediaries.add(public_state())
        transfer.deliveries.create(year=2020, number=1)
        party = public_organization(kind=OrganizationKind.ARMED_GROUP)
        party.country = recipient
        party.save()
        to_party = f.TransferFactory(
            supplier=supplier,
            recipient=None,
            recipient_kind=TransferSide.NON_STATE,
            recipient_party=party,
            item=item,
        )
        freeze = f.PermitDecisionFactory(
            authority=supplier, target_state=recipient, effective_date=dt.date(2019, 1, 1)
        )
        freeze.scope_items.add(item)
        lift = f.PermitDecisionFactory(
            authority=supplier,
            target_state=recipient,
            action=PermitAction.LIFT,
            ends=freeze,
            effective_date=dt.date(2020, 1, 1),
        )
        conflict = f.ConflictFactory()
        participant = f.ConflictParticipantFactory(
            conflict=conflict, state=recipient, supports=supplier
        )
        deployment = f.DeploymentFactory(item=item, state=recipient, conflict=conflict)
        for fact in (
            {"conflict": conflict},
            {"conflict_participant": participant},
            {"deployment": deployment},
            {"transfer": transfer},
            {"transfer": to_party},
            {"permit_decision": freeze},
            {"permit_decision": lift},
            {"organization_relation": relation},
            {"integration": integration},
            {"item": item},
            {"organization": organization},
            {"state": supplier},
        ):
            quoted(**fact)


def statements(queries) -> list[str]:
    """The queries run, by their start (PostgreSQL's server-side cursors are numbered)."""
    return [re.sub(r"_django_curs_\w+", "cursor", q["sql"])[:80] for q in queries]


def test_the_number_of_queries_does_not_grow_with_the_rows():
    _fill(2)
    with CaptureQueriesContext(connection) as few:
        small = export(verified_only=True)
    _fill(6)
    with CaptureQueriesContext(connection) as many:
        large = export(verified_only=True)
    assert len(large) > 3 * len(small) > 0
    assert problems(large) == []
    assert statements(many) == statements(few)
    with CaptureQueriesContext(connection) as drafts:
        export(verified_only=False)
    assert len(drafts) == len(few)


def test_a_source_text_longer_than_ftm_takes_in_one_value_is_kept_whole():
    """FtM takes 65,000 characters per text value: a register's text is split, not cut."""
    text = "\n".join(f"Row {i}: Ottawa froze permits to Ankara." for i in range(4000))
    source = f.SourceFactory(text=text, kind="register")
    assert len(source.text) > 2 * 65000
    quoted(
        source=source, transfer=f.TransferFactory(), quote="Row 7: Ottawa froze permits to Ankara."
    )
    entities = export()
    assert problems(entities) == []
    (document,) = of_schema(entities, "PlainText")
    body = document["properties"]["bodyText"]
    assert len(body) >= 3 and all(len(piece) <= 65000 for piece in body)
    assert "\n".join(body) == source.text


def test_a_decision_on_many_items_lists_each_within_ftm_limits():
    items = [
        f.ItemFactory(name=f"Very long designation of guided system {i:03d} " * 3)
        for i in range(40)
    ]
    decision = f.PermitDecisionFactory(scope="items")
    decision.scope_items.add(*items)
    entities = export(verified_only=False)
    assert problems(entities) == []
    sanction = by_id(entities)[decision_id(decision.slug)]
    assert len(sanction["properties"]["provisions"]) == 41


def test_a_deal_with_a_draft_state_on_a_side_stays_out_with_its_quotes():
    draft_state = f.StateFactory()  # a draft
    transfer = f.TransferFactory(supplier=draft_state, recipient=public_state())
    evidence = quoted(transfer=transfer)
    from tracker.models import State

    State.objects.filter(pk=draft_state.pk).update(review_state="draft", verified_at=None)
    public = by_id(export())
    assert transfer_id(transfer.slug) not in public
    assert state_id(draft_state.code) not in public
    assert entity_id("evidence", evidence.slug) not in public
    assert problems(list(public.values())) == []
    assert transfer_id(transfer.slug) in by_id(export(verified_only=False))
