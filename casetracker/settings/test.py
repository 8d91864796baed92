"""The test suite: fast hashing, no DEBUG, the same database choice as everywhere (DATABASE_URL)."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "django-insecure-test-key-only-used-by-the-test-suite"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Off by default so tests can log in freely; the lockout and two-factor tests turn them on
# with the ``settings`` fixture. The real defaults are checked in tests/accounts/test_security_settings.py.
AXES_ENABLED = False
TWO_FACTOR_REQUIRED_ROLES = []
