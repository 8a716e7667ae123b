"""Permit status: no status without a recorded decision, partial scopes, periods."""

import datetime as dt

import pytest

from tests import factories as f
from tracker.choices import DatePrecision, PermitAction, PermitScope
from tracker.partial_dates import PartialDate
from tracker.selectors.permits import permit_status

pytestmark = pytest.mark.django_db


def status(authority, target, on, **kwargs):
    return permit_status(authority=authority, target=target, on=on, verified_only=False, **kwargs)


def test_without_any_decision_the_answer_is_no_recorded_decision():
    ca, tr = f.StateFactory(), f.StateFactory()
    answer = status(ca, tr, dt.date(2020, 1, 1))
    assert (answer.status, answer.certain, answer.possible_statuses) == (
        "no_recorded_decision",
        False,
        [],
    )


def test_after_a_restriction_ended_the_status_is_open():
    ca, tr = f.StateFactory(), f.StateFactory()
    f.PermitDecisionFactory(
        authority=ca,
        target_state=tr,
        effective_date=dt.date(2019, 1, 1),
        effective_date_precision=DatePrecision.DAY,
        end_date=dt.date(2019, 6, 1),
        end_date_precision=DatePrecision.DAY,
    )
    answer = status(ca, tr, dt.date(2020, 1, 1))
    assert (answer.status, answer.certain) == ("open", True)


def test_a_category_restriction_asked_about_everything_is_partial():
    ca, tr = f.StateFactory(), f.StateFactory()
    ml10 = f.ControlListCategoryFactory(code="ML10")
    decision = f.PermitDecisionFactory(
        authority=ca,
        target_state=tr,
        action=PermitAction.SUSPEND,
        scope=PermitScope.CATEGORY,
        effective_date=dt.date(2020, 1, 1),
        effective_date_precision=DatePrecision.DAY,
    )
    decision.scope_categories.add(ml10)
    broad = status(ca, tr, dt.date(2020, 6, 1))
    assert (broad.status, broad.certain, broad.partial, broad.scope) == (
        "suspended",
        True,
        True,
        decision,
    )
    narrow = status(ca, tr, dt.date(2020, 6, 1), category=ml10)
    assert (narrow.status, narrow.partial, narrow.scope) == ("suspended", False, None)


def test_a_full_restriction_outranks_nothing_partial():
    """A full freeze and a partial suspension in force: the freeze is more severe and full."""
    ca, tr = f.StateFactory(), f.StateFactory()
    for action, scope in [
        (PermitAction.FREEZE, PermitScope.ALL_MILITARY),
        (PermitAction.SUSPEND, PermitScope.ITEMS),
    ]:
        f.PermitDecisionFactory(
            authority=ca,
            target_state=tr,
            action=action,
            scope=scope,
            effective_date=dt.date(2020, 1, 1),
            effective_date_precision=DatePrecision.DAY,
        )
    answer = status(ca, tr, dt.date(2020, 6, 1))
    assert (answer.status, answer.partial) == ("frozen", False)


def test_a_period_answers_its_start_and_each_change_at_its_precision(
    django_assert_max_num_queries,
):
    ca, tr = f.StateFactory(), f.StateFactory()
    freeze = f.PermitDecisionFactory(
        authority=ca,
        target_state=tr,
        effective_date=dt.date(2020, 3, 1),
        effective_date_precision=DatePrecision.MONTH,
    )
    f.PermitDecisionFactory(
        authority=ca,
        target_state=tr,
        action=PermitAction.LIFT,
        ends=freeze,
        effective_date=dt.date(2020, 9, 14),
        effective_date_precision=DatePrecision.DAY,
    )
    f.PermitDecisionFactory(  # after the period: not a change within it
        authority=ca,
        target_state=tr,
        effective_date=dt.date(2021, 2, 1),
        effective_date_precision=DatePrecision.MONTH,
    )
    with django_assert_max_num_queries(6):
        answer = status(ca, tr, PartialDate.parse("2020"))
    assert answer.status == "no_recorded_decision"
    changes = [(str(c.date), c.event, c.after.status, c.after.certain) for c in answer.changes]
    assert changes == [
        ("2020-03", "starts", "frozen", True),
        ("2020-09-14", "starts", "open", True),
    ]
    inside = status(ca, tr, PartialDate.parse("2020-03"))
    # On 1 March the freeze "in March" may already apply: uncertain, and no earlier record.
    assert (inside.status, inside.possible_statuses) == (
        "uncertain",
        ["frozen", "no_recorded_decision"],
    )
    assert [(str(c.date), c.after.status) for c in inside.changes] == [("2020-03", "frozen")]
