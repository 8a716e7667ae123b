"""Settings, read only from the environment (see .env.example and the README).

Two modes:

- Local mode (the default): the embedded SQLite database (DATABASE_URL unset or sqlite) and
  DJANGO_PRODUCTION unset. Without DJANGO_SECRET_KEY a random key is created once in the
  git-ignored file `.secret_key` beside manage.py and reused.
- Deployment: a server database in DATABASE_URL, or DJANGO_PRODUCTION=1. DJANGO_SECRET_KEY is
  required (the app refuses to start without it) and, with DEBUG off, cookies are secure and
  HSTS is on.

No code path runs on a key written in the repository.
"""

import contextlib
import os
import secrets
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """A flag: `1`, `true`, `yes` or `on` (any case) is true; unset or empty is `default`."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (got {value!r}).")


def env_int(name: str, default: int) -> int:
    """A non-negative whole number; unset or empty is `default`."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number >= 0 (got {value!r}).")
    return int(value)


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def local_secret_key(path: Path) -> str:
    """The key kept in `path`, created once (random, readable by the owner only) if missing."""

    def read() -> str:
        key = path.read_text(encoding="ascii").strip()
        if not key:
            raise ImproperlyConfigured(f"{path} is empty: delete it or set DJANGO_SECRET_KEY.")
        return key

    try:
        return read()
    except FileNotFoundError:
        pass
    # Written whole to a private file, then linked into place: of two processes starting at
    # once, one links its key and the other reads that key, never a half-written file.
    draft = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(50) + "\n")
        with contextlib.suppress(FileExistsError):  # another process was first: use its key
            os.link(draft, path)
    except OSError as error:
        raise ImproperlyConfigured(
            f"Cannot create {path} for the local secret key ({error}); set DJANGO_SECRET_KEY."
        ) from error
    finally:
        draft.unlink(missing_ok=True)
    return read()


DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
# Local mode: the embedded database on a developer's machine, never a deployment.
LOCAL_MODE = (not DATABASE_URL or DATABASE_URL.startswith("sqlite:")) and not env_bool(
    "DJANGO_PRODUCTION"
)
DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not LOCAL_MODE:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. A deployment (a server database in DATABASE_URL, or "
            "DJANGO_PRODUCTION=1) needs its own secret key: generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` and set "
            "DJANGO_SECRET_KEY in the environment."
        )
    SECRET_KEY = local_secret_key(BASE_DIR / ".secret_key")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# HTTPS. Served over TLS in a deployment with DEBUG off: cookies only over HTTPS and HSTS.
SECURE_DEPLOYMENT = not LOCAL_MODE and not DEBUG
SESSION_COOKIE_SECURE = SECURE_DEPLOYMENT
CSRF_COOKIE_SECURE = SECURE_DEPLOYMENT
SECURE_HSTS_SECONDS = env_int(
    "DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 3600 if SECURE_DEPLOYMENT else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_DEPLOYMENT
)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", SECURE_DEPLOYMENT)
# Redirect plain HTTP to HTTPS (a flag: a TLS-terminating proxy may already do it).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT")
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and overwrites the client's).
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Reverse proxies in front of the app that append the client's address to X-Forwarded-For.
# 0 (default): the client is REMOTE_ADDR. Used by the API throttles and the admin login lockout.
TRACKER_TRUSTED_PROXIES = env_int("TRACKER_TRUSTED_PROXIES", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from STATIC_ROOT (after collectstatic), compressed, with DEBUG off too.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the request's user on every history row written during the request.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Locks out a (username, client address) after repeated failed logins; keep it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # No JIT: compiling a plan costs ~0.4 s, and the planner asks for it on queries that are
    # expensive only on paper (a keyset page or a bounded count stops after a few rows).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The supply-chain edge indexes carry extra (INCLUDE) columns so that PostgreSQL answers from the
# index alone; SQLite builds the same indexes without those columns, which is what we want there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out (username, client) before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed copies written by collectstatic; no manifest, so pages render before it runs.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if LOCAL_MODE:
    # Local mode serves the apps' static files directly: no collectstatic, so no STATIC_ROOT.
    WHITENOISE_USE_FINDERS = True
    warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)


def cache_from_url(url: str) -> dict:
    """The default cache: Redis for `redis://`/`rediss://` URLs, else a database table.

    Throttle counters live here, so every worker and every server counts against the same
    limit. The database cache needs no extra server; its table is created by `migrate`.
    """
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url:
        raise ImproperlyConfigured(
            f"DJANGO_CACHE_URL must be a redis:// or rediss:// URL (got {url!r}); "
            "leave it unset for the database cache."
        )
    return {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "tracker_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }


CACHES = {"default": cache_from_url(os.environ.get("DJANGO_CACHE_URL", "").strip())}

# Errors leave a trace: everything at LOG_LEVEL and above goes to stderr, server errors with
# the request path and the traceback (logger django.request), whatever DEBUG says.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name} {process}: {message}", "style": "{"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stderr"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # Replaces Django's default handlers (console only with DEBUG on, e-mail to ADMINS).
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # django-axes announces itself at INFO on every start; its lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}

# Admin login lockout (django-axes): 5 failed logins for one username from one client
# address lock that pair out for 15 minutes, even with the right password afterwards.
AXES_FAILURE_LIMIT = env_int("TRACKER_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TRACKER_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tracker.api.throttling.client_ip"
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"

# Fixtures shipped with the product; `quickstart` loads every file in this directory.
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Unknown query parameters, orderings and pages answer 400 listing the accepted ones.
    "DEFAULT_FILTER_BACKENDS": [
        "tracker.api.inputs.KnownParametersFilterBackend",
        "tracker.api.inputs.StrictOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.StrictPageNumberPagination",
    # JSON nested too deep and NUL characters in bodies answer 400.
    "DEFAULT_PARSER_CLASSES": [
        "tracker.api.parsers.JSONParser",
        "tracker.api.parsers.FormParser",
        "tracker.api.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "tracker.api.renderers.CSVRenderer",
        "tracker.api.renderers.JSONLinesRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "tracker.api.throttling.ClientAnonRateThrottle",
        "tracker.api.throttling.ClientUserRateThrottle",
    ],
    # The client address comes from tracker.api.throttling.client_ip; kept equal for DRF's own use.
    "NUM_PROXIES": TRACKER_TRUSTED_PROXIES,
    # Per-client read limits; set TRACKER_THROTTLE_ANON / TRACKER_THROTTLE_USER to change them.
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("TRACKER_THROTTLE_ANON", "300/minute"),
        "user": os.environ.get("TRACKER_THROTTLE_USER", "3000/minute"),
    },
    "EXCEPTION_HANDLER": "tracker.api.errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Arms-export supply-chain tracker API",
    "DESCRIPTION": "Sourced facts on arms-technology supply chains and export-permit decisions.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Sources are listed (SourceList, without the text) and shown (Source): one kind enum.
    # A transfer's two sides share one set of choices: one enum, not one per side.
    "ENUM_NAME_OVERRIDES": {
        "SourceKindEnum": "tracker.choices.SourceKind",
        "TransferSideEnum": "tracker.choices.TransferSide",
    },
}

# Name of the auth group whose members may edit curated records.
TRACKER_CURATORS_GROUP = "curators"
# `ingest_article --url` fetches a page only when this is on (TRACKER_INGEST_FETCH=1); tests and
# the default keep the tracker from reaching out to the network.
TRACKER_INGEST_FETCH = os.environ.get("TRACKER_INGEST_FETCH", "") == "1"

# PostgreSQL cancels any statement of a supply-chain answer running longer than this (ms), and
# the request answers 503 instead of tying up a worker; set TRACKER_STATEMENT_TIMEOUT_MS.
TRACKER_STATEMENT_TIMEOUT_MS = int(os.environ.get("TRACKER_STATEMENT_TIMEOUT_MS", "5000"))
