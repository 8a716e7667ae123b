"""Settings for the test run: the project's settings with a secret key made for this run.

pytest reads this module (pyproject.toml), so `pytest` works with no environment set, on SQLite
and with a server database in DATABASE_URL alike. The key is random, never written anywhere,
and exported, so commands the tests start in subprocesses inherit it.
"""

import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))

from config.settings import *  # noqa: E402, F403

# Logins in tests hash passwords many times; the production hasher is slow on purpose.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests never reach the network: `ingest_article --url` is refused, whatever the environment says.
TRACKER_INGEST_FETCH = False
