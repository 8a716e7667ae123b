"""Every API operation, fuzzed from its OpenAPI schema with schemathesis, answers without a server
error and as its schema documents, for an anonymous reader and for a curator (token auth).

The app runs in-process (WSGI) over a database holding the seed fixtures (``fixtures/*.json``
through the project's ``loaddata``). Bounded for the suite: ``TRACKER_FUZZ_EXAMPLES`` examples per
operation and generation mode (default 5), a fixed seed, no deadline, throttling off. The long run
(README, Development) raises ``TRACKER_FUZZ_EXAMPLES``.
"""

from __future__ import annotations

import os
import sys
from collections import Counter

import hypothesis
import pytest
import schemathesis
from django.conf import settings
from django.core.management import call_command
from django.core.signals import got_request_exception
from django.db import transaction
from hypothesis import HealthCheck, Phase, given
from rest_framework.authtoken.models import Token
from rest_framework.views import APIView
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def seeded(db):
    """The seed fixtures, loaded as ``quickstart`` loads them."""
    names = sorted(p.name for d in settings.FIXTURE_DIRS for p in d.glob("*.json"))
    call_command("loaddata", *names, verbosity=0)


@pytest.fixture
def unthrottled(monkeypatch):
    monkeypatch.setattr(APIView, "check_throttles", lambda self, request: None)


def fuzz_every_operation(headers: dict[str, str]) -> tuple[Counter, dict[str, str]]:
    """Run every operation of the schema; return request counts per operation and failures (one
    per operation, mode and kind of failure, with the server's exception for a 500)."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    calls: Counter = Counter()
    failures: dict[str, str] = {}
    raised: list[BaseException] = []

    def remember(sender, request=None, **kwargs):
        raised.append(sys.exc_info()[1])

    got_request_exception.connect(remember)
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                print_blob=False,
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                calls[label] += 1
                # Each example on its own: a curator's writes are rolled back afterwards.
                raised.clear()
                with transaction.atomic():
                    response = case.call(headers=headers)
                    try:
                        case.validate_response(response, checks=CHECKS, headers=headers)
                    except Exception as failure:  # noqa: BLE001 - reported below, all at once
                        cause = repr(raised[-1]) if raised else str(failure).splitlines()[0:3]
                        key = f"{label} [{mode.value}] {response.status_code} {cause}"
                        failures.setdefault(
                            key, f"{key}\n  {case.as_curl_command()}\n  {str(failure)[:2000]}"
                        )
                    transaction.set_rollback(True)

            run()
    got_request_exception.disconnect(remember)
    print(f"fuzzed {sum(calls.values())} requests over {len(calls)} operations")
    return calls, failures


def test_anonymous_fuzzing_finds_no_server_error_and_no_schema_violation(seeded, unthrottled):
    calls, failures = fuzz_every_operation({})
    assert calls, "no operation was run"
    assert not failures, "\n\n".join(failures.values())


def test_curator_fuzzing_finds_no_server_error_and_no_schema_violation(
    seeded, unthrottled, curator
):
    token = Token.objects.create(user=curator)
    calls, failures = fuzz_every_operation({"Authorization": f"Token {token.key}"})
    writes = [label for label in calls if not label.startswith("GET")]
    assert writes, "no write operation was run"
    assert not failures, "\n\n".join(failures.values())
