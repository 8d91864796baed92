"""Settings shared by every environment; values that differ come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])

INSTALLED_APPS = [
    "casetracker.site.CaseTrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles, so runserver serves static files through whitenoise as production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Backup codes: one-time codes for a lost authenticator app (accounts.services.generate_backup_codes).
    "django_otp.plugins.otp_static",
    "csp",
    "casetracker.core",
    "casetracker.accounts",
    "casetracker.audit",
    "casetracker.cases",
    "casetracker.reports",
    "casetracker.workflow",
    "casetracker.documents",
    "casetracker.imports",
    "casetracker.releases",
    "casetracker.api",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
]
# local.py and test.py add casetracker.datasets (the dataset generators and their commands);
# production does not (tests/test_settings.py).

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the application (whitenoise), before sessions, logins and the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After AuthenticationMiddleware: the account's language at login (accounts.language).
    "casetracker.accounts.language.AccountLanguageMiddleware",
    "casetracker.core.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After OTPMiddleware, which tells whether the session passed two-factor authentication.
    "casetracker.accounts.two_factor.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # AxesMiddleware last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "casetracker.urls"
WSGI_APPLICATION = "casetracker.wsgi.application"

# Django's form renderer, writing the plainest widgets' markup itself (``core/renderers.py``).
FORM_RENDERER = "casetracker.core.renderers.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casetracker.accounts.context_processors.navigation",
            ],
        },
    },
]

# An SQLite file in the project folder unless DATABASE_URL says otherwise
# (e.g. postgres://user:password@host:5432/casetracker).
# CONN_MAX_AGE (seconds) keeps connections open between requests; health checks drop dead ones.
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "0"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=CONN_MAX_AGE,
        conn_health_checks=CONN_MAX_AGE > 0,
    )
}
# A read replica of the primary, for reports only (casetracker/core/db_router.py says which reads).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=CONN_MAX_AGE, conn_health_checks=CONN_MAX_AGE > 0
    )
    # Test runs have no replica of their own: the replica alias reads the test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["casetracker.core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "casetracker.accounts.backends.RolePermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Redis (REDIS_URL, e.g. redis://127.0.0.1:6379/0) for the cache and sessions; without it, Django's
# per-process memory cache and sessions in the database.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "casetracker",
            # Fail fast rather than hold a worker when Redis does not answer.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Sessions are read from Redis and written through to the database, so a Redis restart
    # (or flush) logs no one out; while Redis is unreachable, signed-in requests fail (docs/deploy.md).
    # django-axes counts failed logins in the database (its default handler), not in the cache.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # Room for the reports' counts, kept per table and office-year (reports/cache.py: about 2,600
    # entries for every report at a million incidents; the memory cache keeps 300 by default).
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20_000}}
    }

# Computed reports are kept in this cache until a row they read changes (reports/cache.py), and at
# most this many seconds as a safety net (0: reports are computed for every request).
REPORTS_CACHE = "default"
REPORTS_CACHE_SECONDS = int(os.environ.get("REPORTS_CACHE_SECONDS", str(24 * 60 * 60)))

# Sessions end after 30 idle minutes (every request pushes the expiry on) and when the browser closes.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login lockout (django-axes): 5 failed logins for one username lock it out for 30 minutes, from
# whatever addresses they came (counting per address too would let guesses from many addresses go
# on forever); a successful login clears the count. A wrong authenticator code counts as a failure.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 warns that without the address, rotating user agents or cookies gets around the lock:
# true of locks on those, not of a lock on the username, which no client can rotate for the account
# it attacks. (A lock per address as well would lock a whole office out behind its one address.)
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# models.W040: SQLite keeps a covering index's key columns only (its INCLUDE columns are for
# PostgreSQL's index-only scans, bench/README.md), which is all the embedded database needs; the
# warning would otherwise print with every command of `make run`.
SILENCED_SYSTEM_CHECKS += ["models.W040"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "casetracker.accounts.views.locked_out"
AXES_VERBOSE = False
# One rule for the client's address, for the lockout and the audit trail alike.
AXES_CLIENT_IP_CALLABLE = "casetracker.audit.services.client_address"
# Set only behind a reverse proxy that overwrites this header (e.g. HTTP_X_REAL_IP).
AUDIT_CLIENT_IP_HEADER = os.environ.get("AUDIT_CLIENT_IP_HEADER", "")

# Imports (casetracker/imports): the largest upload, and the most rows a file may hold. The
# command line takes larger files with --max-megabytes and --max-rows.
IMPORT_MAX_BYTES = 10 * 2**20
IMPORT_MAX_ROWS = 20_000
# What an upload may unzip to (casetracker/imports/limits.py): all its files and members together
# (a workbook of 100,000 short rows unzips to 26 MB), and a workbook's shared strings, which are
# held in memory while its sheets are read. --max-megabytes raises them in proportion.
IMPORT_MAX_UNZIPPED_BYTES = 32 * 2**20
IMPORT_MAX_SHARED_STRINGS_BYTES = 16 * 2**20
IMPORT_MAX_SHARED_STRINGS = 400_000

# Retention of identities (casetracker/cases/retention.py, docs/retention.md): the names of a closed
# case's victims and offenders are kept this many years after the case closes, then
# ``manage.py purge_identities`` removes them (and replaces them by the people's codes in the case's
# texts and history). 5 years is one of the periods of the Public Records Management Act's schedules
# (1, 3, 5, 10, 30 years), and outlasts every challenge to a decision (an administrative appeal
# within 180 days of it, a lawsuit within a year). An office whose records schedule says otherwise
# sets its own period on the office (Office.identity_retention_years).
CASETRACKER_IDENTITY_RETENTION_YEARS = int(os.environ.get("CASETRACKER_IDENTITY_RETENTION_YEARS", "5"))

# Two-factor authentication (TOTP): these roles must set up an authenticator app before they may
# do anything else; the other roles may. Superusers count as admins.
TWO_FACTOR_REQUIRED_ROLES = ["admin", "supervisor"]
OTP_TOTP_ISSUER = "casetracker"
# The admin never shows an authenticator's key or QR code: whoever read it could make codes for
# that account without its owner noticing. (Admins remove a lost authenticator; its owner sets up
# a new one.)
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Content Security Policy: only our own scripts, styles and images, no inline scripts or styles
# (the Django admin needs neither), never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# The read-only API (casetracker/api): machine accounts' tokens only (no sessions, so no CSRF to
# weigh), JSON only (the browsable API would need inline scripts), every call on the access log.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["casetracker.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["casetracker.api.authentication.ReadOnlyApiClient"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["casetracker.api.authentication.ApiTokenRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# Calls per token ("600/minute"; second, minute, hour or day), counted in the cache.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/minute")
# A token lasts this many days unless its issuer says otherwise.
API_TOKEN_DEFAULT_DAYS = 365
# The code a release of the figures was computed from (casetracker/releases): set by the deployment,
# else ``git describe`` of the checkout.
CODE_VERSION = os.environ.get("CODE_VERSION", "")
SPECTACULAR_SETTINGS = {
    "TITLE": "casetracker API",
    "DESCRIPTION": "Read-only figures, de-identified case records and published releases. "
    "Every call carries `Authorization: Token <token>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (drf-spectacular-sidecar), never a CDN: the CSP above holds.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for a choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {"ClosureReasonEnum": "casetracker.cases.models.base.ClosureReason"},
}

# Korean is the users' language; English is one click away.
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
# First, so that our catalogue also replaces Django's own Korean where it reads unnaturally.
LOCALE_PATHS = [BASE_DIR / "casetracker" / "locale"]
# One date format per language everywhere (pages, tables, messages), with a 24-hour time.
FORMAT_MODULE_PATH = ["casetracker.formats"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
