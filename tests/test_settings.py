"""Settings come from the environment; production refuses to start unsafe."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean_env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
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


def test_korean_is_the_default_language(settings):
    assert settings.LANGUAGE_CODE == "ko"
    assert [code for code, _name in settings.LANGUAGES] == ["ko", "en"]
    assert settings.TIME_ZONE == "Asia/Seoul"
