"""factory_boy factories for every model; facts default to draft with a valid minimal shape."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from tracker import models
from tracker.choices import (
    DatePrecision,
    ItemKind,
    OrganizationKind,
    ParticipantRole,
    PermitAction,
    PermitScope,
    TransferSide,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-123")


def _code(n: int) -> str:
    """QZAA, QZAB, ...: four-letter codes no real state uses, so tests never clash with the
    ISO reference fixture."""
    return "QZ" + chr(65 + (n // 26) % 26) + chr(65 + n % 26)


class StateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.State
        django_get_or_create = ("code",)

    code = factory.Sequence(_code)
    name = factory.LazyAttribute(lambda o: f"State {o.code}")


class StateAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.StateAlias

    state = factory.SubFactory(StateFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class ControlListCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ControlListCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9A{n:03d}")
    regime = "wassenaar_dual_use"
    title = factory.Sequence(lambda n: f"Category {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = OrganizationKind.MANUFACTURER
    country = factory.SubFactory(StateFactory)


class PartyFactory(OrganizationFactory):
    """A non-state party: an armed group operating in a state."""

    name = factory.Sequence(lambda n: f"Armed group {n}")
    kind = OrganizationKind.ARMED_GROUP


class OrganizationAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.OrganizationAlias

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Org alias {n}")


class OrganizationRelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.OrganizationRelation

    child = factory.SubFactory(OrganizationFactory)
    parent = factory.SubFactory(OrganizationFactory)
    kind = "unit_of"


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Item

    name = factory.Sequence(lambda n: f"Item {n}")
    kind = ItemKind.COMPONENT
    manufacturer = factory.SubFactory(OrganizationFactory)
    country_of_origin = factory.SelfAttribute("manufacturer.country")


class PlatformFactory(ItemFactory):
    kind = ItemKind.PLATFORM
    name = factory.Sequence(lambda n: f"Platform {n}")


class ItemAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ItemAlias

    item = factory.SubFactory(ItemFactory)
    name = factory.Sequence(lambda n: f"Item alias {n}")


class IntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Integration

    component = factory.SubFactory(ItemFactory)
    assembly = factory.SubFactory(PlatformFactory)


class TransferFactory(factory.django.DjangoModelFactory):
    """State to state by default; ``to_party=True``: to a non-state party; ``from_unknown=True``:
    from an unknown supplier."""

    class Meta:
        model = models.Transfer

    class Params:
        to_party = factory.Trait(
            recipient_kind=TransferSide.NON_STATE,
            recipient=None,
            recipient_party=factory.SubFactory(PartyFactory),
        )
        from_unknown = factory.Trait(supplier_kind=TransferSide.UNKNOWN, supplier=None)

    supplier = factory.SubFactory(StateFactory)
    recipient = factory.SubFactory(StateFactory)
    item = factory.SubFactory(PlatformFactory)
    order_date = dt.date(2019, 1, 1)
    order_date_precision = DatePrecision.YEAR


class PermitDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PermitDecision

    authority = factory.SubFactory(StateFactory)
    target_state = factory.SubFactory(StateFactory)
    action = PermitAction.FREEZE
    scope = PermitScope.ALL_MILITARY
    effective_date = factory.Sequence(lambda n: dt.date(2000 + n % 50, 1 + n % 12, 1))
    effective_date_precision = DatePrecision.MONTH


class ConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Conflict

    name = factory.Sequence(lambda n: f"Conflict {n}")


class ConflictParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ConflictParticipant

    conflict = factory.SubFactory(ConflictFactory)
    state = factory.SubFactory(StateFactory)
    role = ParticipantRole.BELLIGERENT


class DeploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Deployment

    item = factory.SubFactory(PlatformFactory)
    state = factory.SubFactory(StateFactory)
    conflict = factory.SubFactory(ConflictFactory)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source

    title = factory.Sequence(lambda n: f"Report {n}")
    publisher = "Wire"
    url = factory.Sequence(lambda n: f"https://example.org/report/{n}")
    text = factory.Sequence(
        lambda n: f"Report {n}. Ottawa froze permits to Ankara. The drones carried sensors."
    )


class EvidenceFactory(factory.django.DjangoModelFactory):
    """Evidence quoting a sentence of its source; supports a transfer unless told otherwise."""

    class Meta:
        model = models.Evidence

    source = factory.SubFactory(SourceFactory)
    quote = "Ottawa froze permits to Ankara."
    transfer = factory.SubFactory(TransferFactory)


def verify(record):
    """Mark ``record`` verified directly (no rule, no history), with what a reader needs to see it:
    its required references and, for evidence, its fact."""
    from django.utils import timezone

    from tracker.querysets import record_required_references

    type(record).objects.filter(pk=record.pk).update(
        review_state="verified", verified_at=timezone.now()
    )
    for required in record_required_references(record):
        verify(required)
    if getattr(record, "fact", None) is not None:
        verify(record.fact)
