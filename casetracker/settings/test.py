"""The test suite: fast hashing, no DEBUG, the same database choice as everywhere (DATABASE_URL)."""

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS

DEBUG = False
SECRET_KEY = "django-insecure-test-key-only-used-by-the-test-suite"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}

# The dataset generators and their commands (generate_dataset, generate_cases); never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "casetracker.datasets"]

# Off by default so tests can log in freely; the lockout and two-factor tests turn them on
# with the ``settings`` fixture. The real defaults are checked in tests/accounts/test_security_settings.py.
AXES_ENABLED = False
TWO_FACTOR_REQUIRED_ROLES = []

# Static files from the apps' folders as they are: no collectstatic before a test run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The cache in memory whatever REDIS_URL says; tests/test_settings.py checks the Redis settings.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20_000}}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# A "replica" alias that reads the test database itself, and no router: the replica tests
# (tests/core/test_db_router.py, tests/reports/test_replica.py) turn the router on with ``settings``.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = []
