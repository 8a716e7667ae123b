"""What one client cannot do to the service: a forged X-Forwarded-For does not escape the API
throttles, password guessing on the admin login is locked out, and server errors leave a trace.
Also: static files are served with DEBUG off."""

import io
import logging

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import path, reverse

from config.urls import urlpatterns as project_urlpatterns
from tests import factories as f
from tracker.api.throttling import ClientAnonRateThrottle

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/?next=/admin/"
PASSWORD = "pw-for-tests-123"  # UserFactory's


def broken_view(request):
    raise RuntimeError("the boom the log must show")


# The project's URLs plus one view that fails, for the tests marked `urls(__name__)`.
urlpatterns = [path("test-only/broken/", broken_view), *project_urlpatterns]


@pytest.fixture
def throttled(monkeypatch):
    """Anonymous reads limited to 3 a minute (the rate itself comes from the environment)."""
    monkeypatch.setattr(ClientAnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    return reverse("api:conflict-list")


def statuses(client, url, forwarded_for, remote_addr="203.0.113.7"):
    return [
        client.get(url, HTTP_X_FORWARDED_FOR=xff, REMOTE_ADDR=remote_addr).status_code
        for xff in forwarded_for
    ]


def test_a_forged_forwarded_for_does_not_reset_the_count_without_trusted_proxies(
    client, throttled, settings
):
    """With 0 trusted proxies (the default) the client is REMOTE_ADDR, whatever XFF says."""
    assert settings.TRACKER_TRUSTED_PROXIES == 0
    forged = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]
    assert statuses(client, throttled, forged) == [200, 200, 200, 429]
    # Another client (another REMOTE_ADDR) has its own count.
    assert statuses(client, throttled, ["198.51.100.1"], remote_addr="203.0.113.8") == [200]


def test_with_one_trusted_proxy_the_last_forwarded_address_is_the_client(
    client, throttled, settings
):
    """Behind one proxy: the address it appended counts; what the client wrote before does not."""
    settings.TRACKER_TRUSTED_PROXIES = 1
    same_client = [f"198.51.100.{n}, 192.0.2.50" for n in range(1, 5)]
    assert statuses(client, throttled, same_client, remote_addr="10.0.0.2") == [200] * 3 + [429]
    # Another client behind the same proxy (same REMOTE_ADDR) has its own count.
    assert statuses(client, throttled, ["192.0.2.51"], remote_addr="10.0.0.2") == [200]


def test_throttle_counts_live_in_the_database_every_worker_shares(client, throttled):
    """The counter is a row in the cache table, not in one worker's memory."""
    client.get(throttled, REMOTE_ADDR="203.0.113.9")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM tracker_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any(key.startswith(cache.key_prefix) and "203.0.113.9" in key for key in keys), keys


def login(client, username, password, remote_addr, **extra):
    return client.post(
        LOGIN_URL,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=remote_addr,
        **extra,
    )


@pytest.fixture
def staff():
    return f.UserFactory(username="editor", is_staff=True)


def test_five_wrong_passwords_lock_the_login_even_with_the_right_one(client, staff):
    """The 5th failure locks; the 6th attempt is refused, even with the right password."""
    for _ in range(4):
        response = login(client, "editor", "wrong", "203.0.113.20")
        assert response.status_code == 200  # the form again, with its error
    assert login(client, "editor", "wrong", "203.0.113.20").status_code == 429
    response = login(client, "editor", PASSWORD, "203.0.113.20")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Login locked" in page and "15 minutes" in page
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_one_username_from_one_client_only(client, staff):
    """Locked: (editor, this address). Not: editor from elsewhere, nor others from here."""
    f.UserFactory(username="other", is_staff=True)
    for _ in range(5):
        login(client, "editor", "wrong", "203.0.113.21")
    assert login(client, "editor", PASSWORD, "203.0.113.21").status_code == 429
    assert login(Client(), "editor", PASSWORD, "203.0.113.22").status_code == 302
    assert login(Client(), "other", PASSWORD, "203.0.113.21").status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_lockout(client, staff):
    for n in range(5):
        login(client, "editor", "wrong", "203.0.113.23", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = login(
        client, "editor", PASSWORD, "203.0.113.23", HTTP_X_FORWARDED_FOR="198.51.100.99"
    )
    assert response.status_code == 429


def test_the_lockout_uses_the_same_trusted_proxies_setting(client, staff, settings):
    """Behind one proxy, clients are told apart by the address the proxy appended."""
    settings.TRACKER_TRUSTED_PROXIES = 1
    for _ in range(5):
        login(client, "editor", "wrong", "10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.60")
    locked = login(
        client, "editor", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.60"
    )
    assert locked.status_code == 429
    other = login(Client(), "editor", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.61")
    assert other.status_code == 302


def test_a_successful_login_resets_the_failure_count(client, staff):
    for _ in range(4):
        login(client, "editor", "wrong", "203.0.113.24")
    assert login(client, "editor", PASSWORD, "203.0.113.24").status_code == 302
    for _ in range(4):
        login(Client(), "editor", "wrong", "203.0.113.24")
    assert login(Client(), "editor", PASSWORD, "203.0.113.24").status_code == 302


def stderr_handlers(logger_name):
    """The handlers a record of `logger_name` reaches, through propagation."""
    logger, handlers = logging.getLogger(logger_name), []
    while logger:
        handlers += [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
        logger = logger.parent if logger.propagate else None
    return handlers


@pytest.mark.urls(__name__)
def test_a_server_error_is_logged_with_path_and_traceback_with_debug_off(settings):
    """With DEBUG off, a 500 writes the request path and the traceback to the log's stream."""
    assert settings.DEBUG is False
    handlers = stderr_handlers("django.request")
    written = io.StringIO()
    previous = [handler.setStream(written) for handler in handlers]
    try:
        response = Client(raise_request_exception=False).get("/test-only/broken/")
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)
    assert response.status_code == 500
    log = written.getvalue()
    assert "ERROR django.request" in log
    assert "Internal Server Error: /test-only/broken/" in log
    assert "Traceback (most recent call last)" in log
    assert "RuntimeError: the boom the log must show" in log


def test_static_files_are_served_with_debug_off(settings, tmp_path):
    """After collectstatic, WhiteNoise serves the admin's CSS, compressed on request."""
    settings.STATIC_ROOT = tmp_path
    settings.WHITENOISE_USE_FINDERS = False  # as in a deployment: only what was collected
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()  # a new handler: WhiteNoise reads STATIC_ROOT when it starts
    response = client.get("/static/admin/css/base.css", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Type"].startswith("text/css")


def test_local_mode_serves_static_files_without_collectstatic(settings, tmp_path):
    """On a developer's machine (local mode) the apps' files are served as they are."""
    settings.STATIC_ROOT = tmp_path / "never-collected"
    settings.WHITENOISE_USE_FINDERS = True  # what local mode sets
    response = Client().get("/static/admin/css/base.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


@pytest.mark.django_db
def test_a_curator_logs_in_from_the_browsable_api_and_sees_drafts(client, curator):
    """The browsable API links to a login page; the session it opens is the curator's."""

    page = client.get("/api/states/", HTTP_ACCEPT="text/html").content.decode()
    assert "/api-auth/login/" in page
    curator.set_password("a-long-curator-password")
    curator.save()
    draft = f.StateFactory(code="QZ", name="Draftland")
    response = client.post(
        "/api-auth/login/?next=/api/states/QZ/",
        {"username": curator.username, "password": "a-long-curator-password"},
    )
    assert response.status_code == 302
    assert client.get("/api/states/QZ/").json()["name"] == draft.name
