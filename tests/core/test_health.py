"""/healthz: the process answers, reading nothing, to anyone (it tells nothing)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_reading_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies  # no session started, no CSRF cookie


def test_healthz_takes_no_post(client):
    assert client.post(reverse("healthz")).status_code == 405
