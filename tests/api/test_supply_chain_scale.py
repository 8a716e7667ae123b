"""The supply-chain answers cost a fixed number of queries and stay small whatever the size of
the data: each question is asked over a small database, then again after more rows of every kind
it reads were added, and may not take more queries or grow past its bound."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories as f
from tracker.choices import DatePrecision

pytestmark = pytest.mark.django_db

QUESTIONS = {
    "paths": "/api/supply-chain/paths/?from={maker}&to={third}&max_hops=3",
    "paths, every hop": "/api/supply-chain/paths/?from={maker}&to={third}",
    "origins": "/api/supply-chain/origins/?state={buyer}",
    "origins, parts": "/api/supply-chain/origins/?state={buyer}&offset={deep}",
    "reach of a state": "/api/supply-chain/reach/?state={maker}",
    "reach, deployments": "/api/supply-chain/reach/?state={maker}&offset={deeper}",
    "reach of a component": "/api/supply-chain/reach/?component={sensor}",
    "permit status": "/api/permit-status/?authority={maker}&target={buyer}&on=2010",
    "timeline": "/api/states/{buyer}/timeline/",
    "timeline, deep page": "/api/states/{buyer}/timeline/?offset={deep}",
}


def grow(world, n):
    """``n`` more of everything the questions read: platforms made in ``maker`` with a part from
    ``third``, each sold to ``buyer`` and re-exported to ``third``, used, and a permit decision;
    all verified (anonymous readers see them)."""
    from tracker.models import Deployment, Integration, Item, PermitDecision, State, Transfer

    maker, buyer, third, sensor = world["objects"]
    for _ in range(n):
        platform = f.PlatformFactory(country_of_origin=maker)
        f.IntegrationFactory(component=sensor, assembly=platform)
        f.IntegrationFactory(component=f.ItemFactory(country_of_origin=third), assembly=platform)
        f.TransferFactory(supplier=maker, recipient=buyer, item=platform)
        f.TransferFactory(supplier=buyer, recipient=third, item=platform)
        f.DeploymentFactory(item=platform, state=buyer)
        f.PermitDecisionFactory(
            authority=maker,
            target_state=buyer,
            effective_date=dt.date(2008, 1, 1)
            + dt.timedelta(days=37 * PermitDecision.objects.count()),
            effective_date_precision=DatePrecision.DAY,
        )
    for model in (State, Item, Integration, Transfer, Deployment, PermitDecision):
        model.objects.filter(review_state="draft").update(
            review_state="verified", verified_at=timezone.now()
        )
    from tracker.models import Conflict

    Conflict.objects.update(review_state="verified", verified_at=timezone.now())


@pytest.fixture
def world():
    maker, buyer, third = (f.StateFactory() for _ in range(3))
    sensor = f.ItemFactory(country_of_origin=maker)
    found = {"objects": (maker, buyer, third, sensor)}
    grow(found, 3)
    return found


def url_of(world, question):
    maker, buyer, third, sensor = world["objects"]
    return QUESTIONS[question].format(
        maker=maker.code,
        buyer=buyer.code,
        third=third.code,
        sensor=sensor.slug,
        deep=4,
        deeper=9,
    )


@pytest.mark.parametrize("question", QUESTIONS)
def test_queries_do_not_grow_with_the_data(
    api_client, django_assert_max_num_queries, world, question
):
    """As many queries over 30 platforms (190 records more) as over 3."""
    url = url_of(world, question)
    api_client.get(url)  # the throttle's counter exists from now on
    with CaptureQueriesContext(connection) as small:
        response = api_client.get(url)
    assert response.status_code == 200, response.content[:300]
    grow(world, 27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = api_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("question", QUESTIONS)
def test_answers_stay_bounded(api_client, world, question):
    """Over many records an answer is a page (with ``next``) or a capped set of routes (with
    ``truncated``), and small."""
    grow(world, 30)
    response = api_client.get(url_of(world, question))
    assert response.status_code == 200
    body = response.json()
    assert len(response.content) < 100_000
    if "results" in body:
        assert len(body["results"]) <= 50
    if "routes" in body:
        assert "truncated" in body and len(body["routes"]) <= 100
