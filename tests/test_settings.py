"""Settings come from the environment; production refuses to start unsafe."""

import datetime
import json
import os
import runpy
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import pytest
import redis
from django.core.cache import cache
from django.core.management import get_commands
from django.template import Context, Template
from django.urls import reverse

from casetracker.accounts import services

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "REDIS_URL", "DATABASE_REPLICA_URL"}
    clean_env = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_passes_the_deploy_check_without_warnings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="casetracker.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="cases.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("key", ["", "short", "django-insecure-" + "x" * 60, "a" * 60])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    result = manage(
        "check",
        DJANGO_SETTINGS_MODULE="casetracker.settings.production",
        SECRET_KEY=key,
        ALLOWED_HOSTS="cases.example.org",
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage(
        "check", DJANGO_SETTINGS_MODULE="casetracker.settings.production", SECRET_KEY=secrets.token_urlsafe(64)
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


# The dataset tooling (casetracker/datasets): installed by the local and test settings, not by production.
DATASET_COMMANDS = {"generate_dataset", "generate_cases"}
PRODUCTION_ENV = {"SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "cases.example.org"}


def installed(settings_module: str, **env: str) -> dict:
    """The apps and commands of these settings, and which dataset modules setting up and loading
    ``load_shipped_data`` imported (in a process of their own)."""
    code = (
        "import json, sys; from django.conf import settings as s; from django.core.management import get_commands; "
        "import casetracker.cases.management.commands.load_shipped_data; "
        "print(json.dumps({'apps': s.INSTALLED_APPS, 'commands': sorted(get_commands()), "
        "'modules': sorted(m for m in sys.modules if m.startswith('casetracker.datasets'))}))"
    )
    result = manage("shell", "-c", code, DJANGO_SETTINGS_MODULE=settings_module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_has_no_dataset_generators_but_loads_the_shipped_data():
    names = installed("casetracker.settings.production", **PRODUCTION_ENV)
    assert "casetracker.datasets" not in names["apps"]
    assert DATASET_COMMANDS.isdisjoint(names["commands"])
    assert "load_shipped_data" in names["commands"]
    assert names["modules"] == []  # the loader needs nothing from casetracker/datasets

    result = manage(
        "generate_cases", "--incidents", "1", DJANGO_SETTINGS_MODULE="casetracker.settings.production", **PRODUCTION_ENV
    )
    assert result.returncode != 0
    assert "Unknown command: 'generate_cases'" in result.stderr


def test_local_and_test_settings_install_the_dataset_generators(settings):
    names = installed("casetracker.settings.local")
    assert "casetracker.datasets" in names["apps"]
    assert DATASET_COMMANDS.issubset(names["commands"])
    assert "casetracker.datasets" in settings.INSTALLED_APPS
    assert get_commands()["generate_cases"] == get_commands()["generate_dataset"] == "casetracker.datasets"


def test_database_url_selects_the_database():
    config = dj_database_url.parse("postgres://clerk:pw@db.internal:5432/casetracker")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["NAME"], config["USER"]) == ("db.internal", "casetracker", "clerk")


def test_sqlite_in_the_project_folder_is_the_default():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; db = settings.DATABASES['default']; print(db['ENGINE'], db['NAME'])",
        DJANGO_SETTINGS_MODULE="casetracker.settings.local",
        DATABASE_URL="",
    )
    assert result.returncode == 0, result.stderr
    engine, name = result.stdout.split()[-2:]
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == ROOT / "db.sqlite3"


@pytest.mark.django_db
def test_korean_is_the_default_language(client):
    login = reverse("admin:login")
    assert client.get(login)["Content-Language"] == "ko"
    for other in ("ja", "zh-hans", "fr"):  # only Korean and English are offered
        assert client.get(login, HTTP_ACCEPT_LANGUAGE=other)["Content-Language"] == "ko"
    assert client.get(login, HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"
    # Times are shown as in Seoul.
    midnight_utc = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    assert Template("{{ moment|date:'Y-m-d H:i' }}").render(Context({"moment": midnight_utc})) == "2024-01-01 09:00"


# Static files, cache, sessions and the read replica ------------------------------------------

REPLICA_URL = "postgres://reader:pw@replica.internal:5432/casetracker"
LIVE_REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def base_settings(monkeypatch, **env: str) -> dict:
    """The names casetracker/settings/base.py defines with this environment (read afresh)."""
    for name in ("REDIS_URL", "DATABASE_REPLICA_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "casetracker" / "settings" / "base.py"))


def production_settings(**env: str) -> dict:
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({'STORAGES': s.STORAGES, "
        "'MIDDLEWARE': s.MIDDLEWARE, 'CACHES': s.CACHES, 'SESSION_ENGINE': s.SESSION_ENGINE, "
        "'DATABASES': sorted(s.DATABASES), 'DATABASE_ROUTERS': s.DATABASE_ROUTERS}))"
    )
    result = manage(
        "shell",
        "-c",
        code,
        DJANGO_SETTINGS_MODULE="casetracker.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="cases.example.org",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_whitenoise_serves_static_files_right_after_the_security_middleware(client):
    response = client.get("/static/admin/css/base.css")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"  # the security middleware saw it...
    # ... and none after whitenoise: no language, session or content-security-policy middleware.
    assert "Content-Language" not in response
    assert "Content-Security-Policy" not in response
    assert "Vary" not in response
    assert not response.cookies
    # runserver serves them through whitenoise too, as production does.
    assert get_commands()["runserver"] == "whitenoise.runserver_nostatic"


def test_production_serves_compressed_static_files_with_hashed_names():
    names = production_settings()
    assert names["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in names["MIDDLEWARE"]


def test_the_tests_need_no_collectstatic(settings, client):
    assert settings.STORAGES["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    response = client.get("/static/admin/css/base.css")
    assert response.status_code == 200


def test_without_redis_the_cache_is_per_process_and_sessions_are_in_the_database(monkeypatch):
    names = base_settings(monkeypatch)
    # A per-process memory cache, with room for the reports' counts (reports/cache.py).
    assert names["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert names["CACHES"]["default"]["OPTIONS"]["MAX_ENTRIES"] >= 10_000
    assert "SESSION_ENGINE" not in names  # Django's default: the database
    assert production_settings()["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_redis_url_puts_the_cache_on_redis_and_sessions_on_redis_and_the_database(monkeypatch):
    names = base_settings(monkeypatch, REDIS_URL="redis://cache.internal:6379/1")
    assert names["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert names["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/1"
    assert names["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    # django-axes keeps its failed-login counts in the database, whatever the cache.
    assert "AXES_HANDLER" not in names


def test_replica_url_adds_the_replica_and_its_router(monkeypatch):
    assert "replica" not in base_settings(monkeypatch)["DATABASES"]
    assert "DATABASE_ROUTERS" not in base_settings(monkeypatch)

    names = base_settings(monkeypatch, DATABASE_REPLICA_URL=REPLICA_URL)
    replica = names["DATABASES"]["replica"]
    assert (replica["ENGINE"], replica["HOST"], replica["USER"]) == (
        "django.db.backends.postgresql",
        "replica.internal",
        "reader",
    )
    assert replica["TEST"] == {"MIRROR": "default"}
    assert names["DATABASE_ROUTERS"] == ["casetracker.core.db_router.ReplicaRouter"]


def test_production_with_redis_and_a_replica_passes_the_deploy_check_without_warnings():
    env = {"REDIS_URL": "redis://cache.internal:6379/0", "DATABASE_REPLICA_URL": REPLICA_URL}
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="casetracker.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="cases.example.org",
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    names = production_settings(**env)
    assert names["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert names["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert names["DATABASES"] == ["default", "replica"]
    assert names["DATABASE_ROUTERS"] == ["casetracker.core.db_router.ReplicaRouter"]


@pytest.fixture
def sessions_on_redis(settings, monkeypatch):
    """The cache and sessions as REDIS_URL sets them, on a live Redis server (skipped without one)."""
    try:
        redis.Redis.from_url(LIVE_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis server answers at {LIVE_REDIS_URL}: {error}")
    names = base_settings(monkeypatch, REDIS_URL=LIVE_REDIS_URL)
    # A prefix of its own, so the test neither sees nor touches anyone else's keys.
    prefix = f"casetracker-test-{uuid.uuid4().hex}"
    names["CACHES"]["default"]["KEY_PREFIX"] = prefix
    settings.CACHES = names["CACHES"]
    settings.SESSION_ENGINE = names["SESSION_ENGINE"]
    yield
    server = redis.Redis.from_url(LIVE_REDIS_URL)
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


@pytest.mark.django_db
def test_sessions_on_redis_survive_losing_the_cache(sessions_on_redis, client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("admin:index")).status_code == 200
    session = client.session
    assert cache.get(session.cache_key) is not None  # read from Redis...

    cache.delete(session.cache_key)  # ...until Redis restarts without it

    assert client.get(reverse("admin:index")).status_code == 200  # still signed in, from the database
    assert cache.get(session.cache_key) is not None


@pytest.mark.django_db
def test_deactivating_an_account_logs_it_out_with_sessions_on_the_cache(settings, client, clerk, admin_user):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client.force_login(clerk)
    assert client.get(reverse("admin:index")).status_code == 200

    services.deactivate_account(account=clerk, by=admin_user)

    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
