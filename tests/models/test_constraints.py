"""Database constraints and clean() rules of the domain model."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests import factories as f
from tracker import models
from tracker.choices import DatePrecision, PermitAction, ReviewState

MONTH, YEAR, DAY = DatePrecision.MONTH, DatePrecision.YEAR, DatePrecision.DAY

pytestmark = pytest.mark.django_db


def assert_db_rejects(factory, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


def assert_clean_rejects(record, field):
    with pytest.raises(ValidationError) as info:
        record.full_clean()
    assert field in info.value.message_dict, info.value.message_dict
    return info.value.message_dict[field]


class TestTransfer:
    def test_supplier_must_differ_from_recipient_in_database(self):
        state = f.StateFactory()
        assert_db_rejects(f.TransferFactory, supplier=state, recipient=state)

    def test_supplier_must_differ_from_recipient_in_clean(self):
        state = f.StateFactory()
        transfer = f.TransferFactory.build(supplier=state, recipient=state, item=f.ItemFactory())
        assert "differ" in assert_clean_rejects(transfer, "recipient")[0]

    def test_delivery_before_order_is_rejected_by_database(self):
        assert_db_rejects(
            f.TransferFactory,
            order_date=dt.date(2020, 5, 1),
            order_date_precision=MONTH,
            delivery_date=dt.date(2020, 4, 30),
            delivery_date_precision=DAY,
        )

    def test_delivery_in_the_order_month_is_accepted(self):
        transfer = f.TransferFactory(
            order_date=dt.date(2020, 5, 1),
            order_date_precision=MONTH,
            delivery_date=dt.date(2020, 5, 1),
            delivery_date_precision=MONTH,
        )
        transfer.full_clean()

    def test_delivery_known_to_the_year_of_a_monthly_order_is_accepted(self):
        """A coarser delivery date is compared at its own precision: 2020 is not before 2020-05."""
        transfer = f.TransferFactory(
            order_date=dt.date(2020, 5, 1),
            order_date_precision=MONTH,
            delivery_date=dt.date(2020, 1, 1),
            delivery_date_precision=YEAR,
        )
        transfer.full_clean()

    def test_delivery_year_before_order_year_is_rejected_by_clean(self):
        transfer = f.TransferFactory.build(
            supplier=f.StateFactory(),
            recipient=f.StateFactory(),
            item=f.ItemFactory(),
            order_date=dt.date(2020, 5, 1),
            order_date_precision=MONTH,
            delivery_date=dt.date(2019, 1, 1),
            delivery_date_precision=YEAR,
        )
        assert "before" in assert_clean_rejects(transfer, "delivery_date")[0]

    def test_negative_quantity_is_rejected(self):
        assert_db_rejects(f.TransferFactory, quantity=-1)

    def test_date_without_precision_is_rejected_by_database(self):
        assert_db_rejects(
            f.TransferFactory, order_date=dt.date(2020, 1, 1), order_date_precision=None
        )

    def test_invented_day_is_rejected_by_clean(self):
        """A month-precision date must be stored as the first of the month."""
        transfer = f.TransferFactory(order_date=dt.date(2019, 10, 14), order_date_precision=MONTH)
        assert "first day" in assert_clean_rejects(transfer, "order_date")[0]

    def test_slug_is_built_from_meaning(self):
        transfer = f.TransferFactory(order_date=dt.date(2019, 10, 1), order_date_precision=MONTH)
        code_a, code_b = transfer.supplier.code.lower(), transfer.recipient.code.lower()
        assert transfer.slug == f"{code_a}-{code_b}-{transfer.item.slug}-2019-10"


class TestPeriods:
    @pytest.mark.parametrize(
        "factory",
        [
            f.OrganizationRelationFactory,
            f.IntegrationFactory,
            f.ConflictFactory,
            f.ConflictParticipantFactory,
            f.DeploymentFactory,
        ],
    )
    def test_end_before_start_is_rejected(self, factory):
        kwargs = dict(
            start_date=dt.date(2020, 1, 1),
            start_date_precision=YEAR,
            end_date=dt.date(2019, 1, 1),
            end_date_precision=YEAR,
        )
        assert_db_rejects(factory, **kwargs)

    def test_permit_end_before_effective_is_rejected(self):
        assert_db_rejects(
            f.PermitDecisionFactory,
            effective_date=dt.date(2020, 1, 1),
            effective_date_precision=DAY,
            end_date=dt.date(2019, 12, 31),
            end_date_precision=DAY,
        )


class TestPermitDecision:
    def freeze(self, **kwargs):
        return f.PermitDecisionFactory(
            action=PermitAction.FREEZE,
            effective_date=dt.date(2019, 10, 1),
            effective_date_precision=MONTH,
            **kwargs,
        )

    def test_verified_lift_without_the_decision_it_ends_is_rejected_by_database(self):
        assert_db_rejects(
            f.PermitDecisionFactory,
            action=PermitAction.LIFT,
            review_state=ReviewState.VERIFIED,
            verified_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        )

    def test_draft_lift_may_leave_the_decision_it_ends_empty(self):
        """An article may report a lift before anyone has recorded the decision it ends."""
        lift = f.PermitDecisionFactory(action=PermitAction.LIFT)
        lift.full_clean()

    def test_verifying_a_lift_without_the_decision_it_ends_is_refused(self):
        lift = f.PermitDecisionFactory(action=PermitAction.LIFT)
        lift.review_state = ReviewState.VERIFIED
        lift.verified_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        assert "must name the decision" in assert_clean_rejects(lift, "ends")[0]
        with pytest.raises(IntegrityError), transaction.atomic():
            lift.save()

    def announced_only(self, end: dt.date, end_precision) -> dict:
        return dict(
            effective_date=None,
            effective_date_precision=None,
            announced_date=dt.date(2020, 5, 1),
            announced_date_precision=MONTH,
            end_date=end,
            end_date_precision=end_precision,
        )

    def test_end_before_the_announced_date_is_rejected_by_database_without_effective_date(self):
        assert_db_rejects(f.PermitDecisionFactory, **self.announced_only(dt.date(2020, 4, 30), DAY))

    def test_end_before_the_announced_date_is_rejected_by_clean_without_effective_date(self):
        decision = f.PermitDecisionFactory.build(
            authority=f.StateFactory(),
            target_state=f.StateFactory(),
            **self.announced_only(dt.date(2020, 1, 1), YEAR),
        )
        # A year-long end (2020) may fall after May 2020: the database cannot compare it exactly,
        # clean() can.
        decision.end_date = dt.date(2019, 1, 1)
        assert "announced date" in assert_clean_rejects(decision, "end_date")[0]

    def test_end_in_the_announced_month_is_accepted(self):
        decision = f.PermitDecisionFactory(**self.announced_only(dt.date(2020, 5, 20), DAY))
        decision.full_clean()

    def test_lift_of_another_authoritys_decision_is_rejected(self):
        freeze = self.freeze()
        lift = f.PermitDecisionFactory(
            action=PermitAction.LIFT, ends=freeze, target_state=freeze.target_state
        )
        assert "another authority" in assert_clean_rejects(lift, "ends")[0]

    def test_lift_dated_before_the_decision_it_ends_is_rejected(self):
        freeze = self.freeze()
        lift = f.PermitDecisionFactory(
            action=PermitAction.LIFT,
            ends=freeze,
            authority=freeze.authority,
            target_state=freeze.target_state,
            effective_date=dt.date(2019, 1, 1),
            effective_date_precision=MONTH,
        )
        assert "after this one" in assert_clean_rejects(lift, "ends")[0]

    def test_lift_in_the_same_month_as_a_monthly_freeze_is_accepted(self):
        freeze = self.freeze()
        lift = f.PermitDecisionFactory(
            action=PermitAction.LIFT,
            ends=freeze,
            authority=freeze.authority,
            target_state=freeze.target_state,
            effective_date=dt.date(2019, 10, 20),
            effective_date_precision=DAY,
        )
        lift.full_clean()

    def test_grant_cannot_end_a_decision(self):
        assert_db_rejects(f.PermitDecisionFactory, action=PermitAction.GRANT, ends=self.freeze())

    def test_decision_needs_a_target(self):
        assert_db_rejects(f.PermitDecisionFactory, target_state=None)

    def test_decision_needs_a_date(self):
        assert_db_rejects(
            f.PermitDecisionFactory, effective_date=None, effective_date_precision=None
        )

    def test_state_cannot_target_itself(self):
        state = f.StateFactory()
        assert_db_rejects(f.PermitDecisionFactory, authority=state, target_state=state)

    def test_manufacturer_scope_needs_the_manufacturer(self):
        assert_db_rejects(f.PermitDecisionFactory, scope="manufacturer")


class TestIntegration:
    def test_item_cannot_be_fitted_to_itself(self):
        item = f.ItemFactory()
        assert_db_rejects(f.IntegrationFactory, component=item, assembly=item)

    def test_the_same_pair_is_recorded_once(self):
        link = f.IntegrationFactory()
        assert_db_rejects(f.IntegrationFactory, component=link.component, assembly=link.assembly)

    def test_cycle_through_several_levels_is_rejected(self):
        """sensor -> turret -> drone; fitting the drone to the sensor would close a cycle."""
        sensor, turret, drone = f.ItemFactory(), f.ItemFactory(), f.PlatformFactory()
        f.IntegrationFactory(component=sensor, assembly=turret)
        f.IntegrationFactory(component=turret, assembly=drone)
        closing = models.Integration(component=drone, assembly=sensor)
        assert "cycle" in assert_clean_rejects(closing, "assembly")[0]

    def test_multi_level_graph_without_cycle_is_accepted(self):
        sensor, turret, drone = f.ItemFactory(), f.ItemFactory(), f.PlatformFactory()
        f.IntegrationFactory(component=sensor, assembly=turret)
        f.IntegrationFactory(component=turret, assembly=drone)
        direct = models.Integration(component=sensor, assembly=drone)
        direct.full_clean()

    def test_editing_an_integration_without_moving_it_is_not_a_cycle(self):
        link = f.IntegrationFactory()
        link.note = "checked"
        link.full_clean()


class TestAliases:
    def test_alias_is_unique_per_state_ignoring_case(self):
        alias = f.StateAliasFactory(name="Azeri")
        assert_db_rejects(f.StateAliasFactory, state=alias.state, name="AZERI")

    def test_two_states_may_share_an_alias(self):
        alias = f.StateAliasFactory(name="Georgia")
        f.StateAliasFactory(name="Georgia")
        assert models.StateAlias.objects.filter(name="Georgia").count() == 2
        assert alias.pk

    def test_state_code_must_be_iso_shaped(self):
        assert_db_rejects(f.StateFactory, code="ca")


class TestEvidence:
    def test_quote_found_once_gets_its_offsets(self):
        evidence = f.EvidenceFactory(quote="froze permits")
        text = evidence.source.text
        assert text[evidence.start : evidence.end] == "froze permits"
        evidence.full_clean()

    def test_quote_not_in_source_is_rejected(self):
        evidence = f.EvidenceFactory.build(
            source=f.SourceFactory(), quote="lifted the freeze", transfer=f.TransferFactory()
        )
        assert "verbatim" in assert_clean_rejects(evidence, "quote")[0]

    def test_quote_at_wrong_offset_is_rejected(self):
        evidence = f.EvidenceFactory(quote="froze permits")
        evidence.start += 1
        assert "not at offset" in assert_clean_rejects(evidence, "start")[0]

    def test_offsets_must_span_the_quote_in_database(self):
        evidence = f.EvidenceFactory(quote="froze permits")
        with pytest.raises(IntegrityError), transaction.atomic():
            models.Evidence.objects.filter(pk=evidence.pk).update(end=evidence.end + 3)

    def test_evidence_supports_exactly_one_fact(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            f.EvidenceFactory(transfer=None)
        with pytest.raises(IntegrityError), transaction.atomic():
            f.EvidenceFactory(deployment=f.DeploymentFactory())

    def test_evidence_with_two_facts_is_rejected_by_clean(self):
        evidence = f.EvidenceFactory.build(
            source=f.SourceFactory(),
            transfer=f.TransferFactory(),
            state=f.StateFactory(),
        )
        assert "exactly one" in assert_clean_rejects(evidence, "__all__")[0]


class TestSource:
    def test_url_is_unique_when_present(self):
        f.SourceFactory(url="https://example.org/a")
        assert_db_rejects(f.SourceFactory, url="https://example.org/a")

    def test_many_sources_may_lack_a_url(self):
        f.SourceFactory(url="")
        f.SourceFactory(url=None)
        assert models.Source.objects.filter(url__isnull=True).count() == 2

    def test_the_same_text_is_stored_once(self):
        f.SourceFactory(text="Same words.")
        assert_db_rejects(f.SourceFactory, text="Same words.")

    def test_text_is_normalised_before_hashing(self):
        """Composed and decomposed accents are one text, so offsets stay stable."""
        source = f.SourceFactory(text="Türkiye\r\nsaid")
        assert source.text == "Türkiye\nsaid"
        assert models.Source.objects.get_by_natural_key(source.url) == source
        assert_db_rejects(f.SourceFactory, text="Tu\u0308rkiye\nsaid")

    def test_natural_key_falls_back_to_the_hash(self):
        source = f.SourceFactory(url=None)
        assert source.natural_key() == (source.text_hash,)
        assert models.Source.objects.get_by_natural_key(source.text_hash) == source


class TestReviewState:
    def test_verified_record_needs_a_verification_time(self):
        assert_db_rejects(f.ConflictFactory, review_state=ReviewState.VERIFIED)

    def test_draft_cannot_carry_a_verification_time(self):
        assert_db_rejects(
            f.ConflictFactory, review_state=ReviewState.DRAFT, verified_at=dt.datetime.now(dt.UTC)
        )


def test_natural_keys_resolve_back_to_their_records():
    """Every model with a natural key finds its records again through its manager."""
    records = [
        f.StateFactory(),
        f.StateAliasFactory(),
        f.ControlListCategoryFactory(),
        f.OrganizationAliasFactory(),
        f.OrganizationRelationFactory(),
        f.ItemAliasFactory(),
        f.IntegrationFactory(),
        f.PermitDecisionFactory(),
        f.ConflictParticipantFactory(),
        f.DeploymentFactory(),
        f.EvidenceFactory(),
    ]
    for record in records:
        manager = type(record)._default_manager
        assert manager.get_by_natural_key(*record.natural_key()) == record


class TestTransferSides:
    """Each side is exactly one of: a state, a non-state party (an organisation, no state) or
    unknown (neither); the database holds every combination to it, on SQLite and PostgreSQL."""

    #: (kind, has a state, has a party) -> allowed
    SHAPES = [
        ("state", True, False, True),
        ("state", True, True, False),  # a state side is the state alone
        ("state", False, False, False),
        ("state", False, True, False),
        ("non_state", False, True, True),
        ("non_state", True, True, False),
        ("non_state", False, False, False),
        ("non_state", True, False, False),
        ("unknown", False, False, True),
        ("unknown", True, False, False),
        ("unknown", False, True, False),
        ("unknown", True, True, False),
    ]

    @staticmethod
    def side(side, kind, has_state, has_party):
        return {
            f"{side}_kind": kind,
            side: f.StateFactory() if has_state else None,
            f"{side}_party": f.PartyFactory() if has_party else None,
        }

    @pytest.mark.parametrize("side", ["supplier", "recipient"])
    @pytest.mark.parametrize(("kind", "has_state", "has_party", "allowed"), SHAPES)
    def test_every_shape_of_a_side(self, side, kind, has_state, has_party, allowed):
        fields = self.side(side, kind, has_state, has_party)
        if allowed:
            transfer = f.TransferFactory(**fields)
            transfer.full_clean()
            assert transfer.side_label(side) != "unknown" or kind == "unknown"
        else:
            assert_db_rejects(f.TransferFactory, **fields)
            record = f.TransferFactory.build(item=f.ItemFactory(), **fields)
            with pytest.raises(ValidationError):
                record.full_clean()

    @pytest.mark.parametrize(
        ("supplier", "recipient"),
        [
            (s, r)
            for s in ("state", "non_state", "unknown")
            for r in ("state", "non_state", "unknown")
        ],
    )
    def test_every_pair_of_valid_sides_is_stored(self, supplier, recipient):
        shapes = {"state": (True, False), "non_state": (False, True), "unknown": (False, False)}
        transfer = f.TransferFactory(
            **self.side("supplier", supplier, *shapes[supplier]),
            **self.side("recipient", recipient, *shapes[recipient]),
        )
        transfer.full_clean()
        transfer.refresh_from_db()
        assert (transfer.supplier_kind, transfer.recipient_kind) == (supplier, recipient)

    def test_a_non_state_party_does_not_supply_itself(self):
        party = f.PartyFactory()
        fields = {
            "supplier_kind": "non_state",
            "supplier": None,
            "supplier_party": party,
            "recipient_kind": "non_state",
            "recipient": None,
            "recipient_party": party,
        }
        assert_db_rejects(f.TransferFactory, **fields)
        record = f.TransferFactory.build(item=f.ItemFactory(), **fields)
        assert "differ" in assert_clean_rejects(record, "recipient_party")[0]

    @pytest.mark.parametrize("kind", ["state", "non_state", "unknown"])
    def test_a_company_may_sell_or_buy_on_any_kind_of_side(self, kind):
        """The companies are not the sides: the same one may sell and buy, whatever the sides
        are (Iran -> Hezbollah, sold by an Iranian company)."""
        company = f.OrganizationFactory()
        shapes = {"state": (True, False), "non_state": (False, True), "unknown": (False, False)}
        transfer = f.TransferFactory(
            **self.side("supplier", kind, *shapes[kind]),
            **self.side("recipient", kind, *shapes[kind]),
            supplier_organization=company,
            recipient_organization=company,
        )
        transfer.full_clean()

    @pytest.mark.parametrize("side", ["supplier", "recipient"])
    def test_a_company_is_no_party(self, side):
        """A non-state side with only a company (no party) is refused, by the database and by
        clean, naming the party field."""
        fields = {
            f"{side}_kind": "non_state",
            side: None,
            f"{side}_organization": f.PartyFactory(),
        }
        assert_db_rejects(f.TransferFactory, **fields)
        record = f.TransferFactory.build(item=f.ItemFactory(), **fields)
        assert f"{side}_party" in assert_clean_rejects(record, f"{side}_party")[0]

    def test_deliveries_are_one_row_per_year(self):
        transfer = f.TransferFactory()
        models.TransferDelivery.objects.create(transfer=transfer, year=2019, number=2)
        with pytest.raises(IntegrityError), transaction.atomic():
            models.TransferDelivery.objects.create(transfer=transfer, year=2019, number=1)
        delivery = models.TransferDelivery.objects.get_by_natural_key(transfer.slug, 2019)
        assert delivery.natural_key() == (transfer.slug, 2019)
