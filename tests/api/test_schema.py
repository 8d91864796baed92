"""The OpenAPI 3 schema validates, and the docs page works under the strict CSP (no inline script
or style, every file from our own static files)."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    text = (tmp_path / "schema.yml").read_text()
    for path in ("/api/v1/reports/{name}/", "/api/v1/incidents/", "/api/v1/incidents/{id}/", "/api/v1/releases/"):
        assert f"{path}:" in text
    assert "tokenAuth" in text


def test_the_schema_is_served_at_api_schema():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_the_docs_page_needs_nothing_the_csp_refuses():
    client = Client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    html = response.content.decode()
    assert "<style" not in html and "style=" not in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all('src="' in attributes for attributes in scripts)
    files = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(url.startswith("/") and not url.startswith("//") for url in files), files
    for url in files:
        answer = client.get(url.replace("&amp;", "&"))
        assert answer.status_code == 200, url
    start_up = client.get("/api/docs/?script=")
    assert start_up["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in start_up.content.decode()
