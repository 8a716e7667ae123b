import datetime as dt

import pytest
from django.contrib.auth.models import Group

from tests import factories as f
from tracker.choices import DatePrecision, PermitAction


@pytest.mark.django_db
def test_every_factory_builds_a_valid_saved_record():
    """Each factory produces a record that passes full_clean."""
    for factory in (
        f.StateFactory,
        f.StateAliasFactory,
        f.ControlListCategoryFactory,
        f.OrganizationFactory,
        f.OrganizationAliasFactory,
        f.OrganizationRelationFactory,
        f.ItemFactory,
        f.PlatformFactory,
        f.ItemAliasFactory,
        f.IntegrationFactory,
        f.TransferFactory,
        f.PermitDecisionFactory,
        f.ConflictFactory,
        f.ConflictParticipantFactory,
        f.DeploymentFactory,
        f.SourceFactory,
        f.EvidenceFactory,
    ):
        record = factory()
        record.full_clean()
        assert record.pk


@pytest.mark.django_db
def test_curators_group_has_change_permissions():
    """The curators group exists after migrate and may change transfers."""
    group = Group.objects.get(name="curators")
    assert group.permissions.filter(codename="change_transfer").exists()


@pytest.mark.django_db
def test_lift_chain_saves():
    """A lift that names the freeze it ends is valid."""
    freeze = f.PermitDecisionFactory(
        effective_date=dt.date(2019, 10, 1), effective_date_precision=DatePrecision.MONTH
    )
    lift = f.PermitDecisionFactory(
        authority=freeze.authority,
        target_state=freeze.target_state,
        action=PermitAction.LIFT,
        ends=freeze,
        effective_date=dt.date(2020, 5, 1),
        effective_date_precision=DatePrecision.MONTH,
    )
    lift.full_clean()
    assert freeze.ended_by.get() == lift
