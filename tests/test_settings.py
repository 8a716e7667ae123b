"""Settings: the secret key, local mode versus a deployment, and `check --deploy`."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.settings import local_secret_key

# What a shell with nothing set would pass on: no Django or database variable at all.
BARE_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}

# The production settings the README documents (a made-up host and database: `check` does not
# connect to the database).
PRODUCTION_ENV = {
    "DATABASE_URL": "postgres://tracker@db.invalid:5432/tracker",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
    "TRACKER_TRUSTED_PROXIES": "1",
}

PRINT_SECRET_KEY = (
    "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
)


def run(args, env):
    """Run Python in the project directory with exactly `env` (plus the settings module)."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "deployment",
    [
        {"DATABASE_URL": "postgres://tracker@db.invalid:5432/tracker"},
        {"DJANGO_PRODUCTION": "1"},
    ],
    ids=["server-database", "production-flag"],
)
def test_a_deployment_without_a_secret_key_refuses_to_start(deployment):
    """A server database or DJANGO_PRODUCTION=1 without DJANGO_SECRET_KEY: a clear refusal."""
    result = run(["manage.py", "check"], {**BARE_ENV, **deployment})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_local_mode_starts_with_no_environment_on_its_own_key_file():
    """With nothing set, the app starts on the random key kept in the git-ignored .secret_key."""
    result = run(["-c", PRINT_SECRET_KEY], BARE_ENV)
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert key == (settings.BASE_DIR / ".secret_key").read_text().strip()
    assert len(key) >= 50
    assert key not in (settings.BASE_DIR / "config" / "settings.py").read_text()
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".secret_key"], cwd=settings.BASE_DIR, check=False
    )
    assert ignored.returncode == 0, ".secret_key must be git-ignored"


def test_the_local_key_is_random_created_once_and_private(tmp_path):
    """The first start writes a fresh key readable by its owner only; later starts reuse it."""
    first = local_secret_key(tmp_path / ".secret_key")
    assert len(first) >= 50
    assert local_secret_key(tmp_path / ".secret_key") == first
    assert (tmp_path / ".secret_key").stat().st_mode & 0o777 == 0o600
    assert local_secret_key(tmp_path / "other_key") != first


def test_an_empty_key_file_is_refused_with_its_path(tmp_path):
    (tmp_path / ".secret_key").write_text("\n")
    with pytest.raises(ImproperlyConfigured, match="is empty"):
        local_secret_key(tmp_path / ".secret_key")


def test_the_environment_key_wins_over_the_key_file():
    key = secrets.token_urlsafe(50)
    result = run(["-c", PRINT_SECRET_KEY], {**BARE_ENV, "DJANGO_SECRET_KEY": key})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key


def test_check_deploy_is_clean_under_the_documented_production_settings():
    """`manage.py check --deploy` reports nothing, not even a warning."""
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**BARE_ENV, **PRODUCTION_ENV},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_bad_flag_value_is_refused_with_its_name():
    result = run(["manage.py", "check"], {**BARE_ENV, "DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 1 or 0" in result.stderr


PRINT_OPERATIONS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'proxies': s.TRACKER_TRUSTED_PROXIES, "
    "'rates': s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'], "
    "'cache': s.CACHES['default']['BACKEND'], 'location': s.CACHES['default']['LOCATION'], "
    "'lockout': [s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds()]}))"
)


def test_operations_settings_come_from_the_environment():
    """Trusted proxies, throttle rates (a load test raises them), the cache and the lockout."""
    result = run(
        ["-c", PRINT_OPERATIONS],
        {
            **BARE_ENV,
            "TRACKER_TRUSTED_PROXIES": "2",
            "TRACKER_THROTTLE_ANON": "100000/minute",
            "TRACKER_THROTTLE_USER": "200000/minute",
            "DJANGO_CACHE_URL": "redis://cache.invalid:6379/1",
            "TRACKER_LOGIN_FAILURE_LIMIT": "3",
            "TRACKER_LOGIN_LOCKOUT_MINUTES": "60",
        },
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "proxies": 2,
        "rates": {"anon": "100000/minute", "user": "200000/minute"},
        "cache": "django.core.cache.backends.redis.RedisCache",
        "location": "redis://cache.invalid:6379/1",
        "lockout": [3, 3600.0],
    }


def test_by_default_the_shared_cache_is_the_database_and_no_proxy_is_trusted():
    result = run(["-c", PRINT_OPERATIONS], BARE_ENV)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["proxies"] == 0
    assert answer["cache"] == "django.core.cache.backends.db.DatabaseCache"
    assert answer["lockout"] == [5, 900.0]


def test_a_cache_url_that_is_not_redis_is_refused():
    result = run(["manage.py", "check"], {**BARE_ENV, "DJANGO_CACHE_URL": "memcached://x"})
    assert result.returncode != 0
    assert "DJANGO_CACHE_URL must be a redis://" in result.stderr
