"""The interface language is remembered per account: switching stores it, logging in brings it back."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "a-long-test-password"


def log_in(client: Client, username: str):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": PASSWORD, "next": reverse("admin:index")},
        follow=True,
    )


@pytest.mark.django_db
def test_new_accounts_use_korean():
    assert UserFactory().language == "ko"


@pytest.mark.django_db
def test_switching_language_is_remembered_at_the_next_login():
    user = UserFactory(username="clerk_a")
    client = Client()
    response = log_in(client, "clerk_a")
    assert response.wsgi_request.LANGUAGE_CODE == "ko"
    assert "사이트 관리" in response.text or "로그아웃" in response.text

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("admin:index")}, follow=True)
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.language == "en"
    assert "Log out" in response.text

    client.post(reverse("admin:logout"))
    client = Client()  # a new browser: no language cookie
    response = log_in(client, "clerk_a")
    assert response.status_code == 200
    assert response.wsgi_request.LANGUAGE_CODE == "en"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Log out" in response.text
    assert "로그아웃" not in response.text


@pytest.mark.django_db
def test_login_overrides_the_previous_users_cookie():
    UserFactory(username="korean_clerk", language="ko")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = log_in(client, "korean_clerk")
    assert response.wsgi_request.LANGUAGE_CODE == "ko"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    assert "로그아웃" in response.text


@pytest.mark.django_db
def test_anonymous_switch_sets_only_the_cookie():
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.django_db
def test_unknown_language_is_not_stored():
    user = UserFactory(username="clerk_b")
    client = Client()
    log_in(client, "clerk_b")
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "ko"


@pytest.mark.django_db
def test_switching_is_stored_even_without_a_cookie_yet():
    user = UserFactory(username="clerk_c")
    client = Client()
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    user.refresh_from_db()
    assert user.language == "en"


def test_the_login_page_offers_the_other_language(client):
    page = client.get(reverse("admin:login")).content.decode()
    assert reverse("set_language") in page
    assert 'value="en"' in page
