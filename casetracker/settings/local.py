"""Development on one's own machine: DEBUG on, loopback only, an insecure key if none is set."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env_bool, env_list, os

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-local-development-key-not-for-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# The dataset generators and their commands (generate_dataset, generate_cases); never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "casetracker.datasets"]

# Two-factor authentication is off by default here so the demo accounts work without an
# authenticator app; e.g. TWO_FACTOR_REQUIRED_ROLES=admin,supervisor turns it on as in production.
TWO_FACTOR_REQUIRED_ROLES = env_list("TWO_FACTOR_REQUIRED_ROLES", [])
