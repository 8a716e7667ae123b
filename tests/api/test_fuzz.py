"""Every API operation, fuzzed from its OpenAPI schema with schemathesis, answers without a server
error and as its schema documents, for an anonymous reader and for a curator (token auth).

The app runs in-process (WSGI) over a database holding the seed fixtures (``fixtures/*.json``
through the project's ``loaddata``). Bounded for the suite: ``TRACKER_FUZZ_EXAMPLES`` examples
per operation and role (default 5: 3 valid, 2 invalid), a fixed seed, no deadline, throttling
off. The long run (README, Development) raises ``TRACKER_FUZZ_EXAMPLES``.
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
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from rest_framework.authtoken.models import Token
from rest_framework.views import APIView
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application

pytestmark = pytest.mark.django_db

#: Examples per operation and role: about half valid input, half invalid.
EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "5"))
PER_MODE = {
    GenerationMode.POSITIVE: EXAMPLES - EXAMPLES // 2,
    GenerationMode.NEGATIVE: EXAMPLES // 2,
}
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def seeded(db):
    """The seed fixtures, loaded as ``quickstart`` loads them."""
    names = sorted(p.name for d in settings.FIXTURE_DIRS for p in d.glob("*.json"))
    call_command("loaddata", *names, verbosity=0)


@pytest.fixture
def unthrottled(monkeypatch):
    monkeypatch.setattr(APIView, "check_throttles", lambda self, request: None)


@pytest.fixture
def kept_connection():
    """Requests go through the WSGI handler, which closes the database connection after each
    request when the test's transaction is open; keep it, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def fuzz_every_operation(roles: dict[str, dict[str, str]]) -> tuple[Counter, dict[str, str]]:
    """Send every generated case of every operation once per role (its request headers); return
    request counts per operation and the failures (one per operation, role, mode and kind of
    failure, with the server's exception for a 500)."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    calls: Counter = Counter()
    failures: dict[str, str] = {}
    raised: list[BaseException] = []

    def remember(sender, request=None, **kwargs):
        raised.append(sys.exc_info()[1])

    def send(case, label: str, role: str, headers: dict[str, str]) -> None:
        calls[label] += 1
        raised.clear()
        # Each request on its own: a curator's writes are rolled back afterwards.
        with transaction.atomic():
            response = case.call(headers=headers)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as failure:  # noqa: BLE001 - reported below, all at once
                cause = repr(raised[-1]) if raised else str(failure).splitlines()[:3]
                key = f"{label} as {role}: {response.status_code} {cause}"
                failures.setdefault(
                    key, f"{key}\n  {case.as_curl_command()}\n  {str(failure)[:2000]}"
                )
            transaction.set_rollback(True)

    def fuzz(operation, mode: GenerationMode) -> None:
        label = f"{operation.method.upper()} {operation.path} [{mode.value}]"

        @hypothesis.settings(
            max_examples=PER_MODE[mode],
            deadline=None,
            derandomize=True,  # a fixed seed: every run sends the same requests
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            for role, headers in roles.items():
                send(case, label, role, headers)

        run()

    got_request_exception.connect(remember)
    try:
        for result in schema.get_all_operations():
            for mode, examples in PER_MODE.items():
                if examples:
                    fuzz(result.ok(), mode)
    finally:
        got_request_exception.disconnect(remember)
    print(f"fuzzed: {sum(calls.values())} requests over {len(calls)} operations and modes")
    return calls, failures


def test_every_operation_answers_as_documented_to_anonymous_readers_and_curators(
    seeded, unthrottled, kept_connection, curator
):
    """Generated requests (valid and invalid) never get a 500 nor an answer that contradicts the
    schema, whether sent anonymously or with a curator's token."""
    token = Token.objects.create(user=curator)
    calls, failures = fuzz_every_operation(
        {"anonymous": {}, "curator": {"Authorization": f"Token {token.key}"}}
    )
    assert any(label.startswith("POST") for label in calls), "no write operation was run"
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures.values())
