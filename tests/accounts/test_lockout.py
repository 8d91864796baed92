"""Login lockout (django-axes): five failures for one username, from any addresses, lock that account out."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True


def log_in(client, username, password, ip="127.0.0.1"):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


def fail(client, username, times, ip="127.0.0.1"):
    for _ in range(times):
        response = log_in(client, username, "wrong password", ip)
    return response


def test_the_fifth_failure_locks_the_account_out_with_a_page_not_an_error(client, clerk):
    assert fail(client, clerk.username, 4).status_code == 200  # the login form, with its error

    response = fail(client, clerk.username, 1)

    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert "30" in response.content.decode()  # minutes to wait
    assert SESSION_KEY not in client.session


def test_a_locked_out_account_cannot_log_in_even_with_its_password(client, clerk):
    fail(client, clerk.username, 5)

    response = log_in(client, clerk.username, PASSWORD)

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_the_lock_holds_for_the_username_whatever_the_addresses(client, clerk):
    """Guesses spread over many addresses count together (issue 16): one each from five addresses lock the account."""
    for n in range(4):
        assert fail(client, clerk.username, 1, ip=f"10.0.0.{n + 1}").status_code == 200
    assert fail(client, clerk.username, 1, ip="10.0.0.5").status_code == 429

    response = log_in(client, clerk.username, PASSWORD, ip="192.0.2.7")  # its password, from a new address

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_the_lock_is_the_accounts_not_the_addresss(client, clerk):
    other = type(clerk).objects.create_user(username="other", password=PASSWORD, role="clerk", office=clerk.office)
    fail(client, clerk.username, 5, ip="10.0.0.1")

    assert log_in(client, other.username, PASSWORD, ip="10.0.0.1").status_code == 302  # the same address


def test_a_successful_login_clears_the_failures(client, clerk):
    fail(client, clerk.username, 4)
    assert log_in(client, clerk.username, PASSWORD).status_code == 302
    client.logout()

    assert fail(client, clerk.username, 4).status_code == 200
    assert log_in(client, clerk.username, PASSWORD).status_code == 302


def test_the_lockout_page_is_in_the_users_language(client, clerk):
    fail(client, clerk.username, 4)
    assert '<html lang="ko"' in fail(client, clerk.username, 1).content.decode()
    response = client.post(
        reverse("admin:login"),
        {"username": clerk.username, "password": "wrong password"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 429
    assert '<html lang="en"' in response.content.decode()


@pytest.mark.parametrize(
    "password",
    ["short-pw", "password12345", "123456789012345", "clerk-clerk-clerk"],
    ids=["too-short", "common", "numeric", "like-the-username"],
)
def test_weak_passwords_are_refused(clerk, password):
    clerk.username = "clerk-clerk-clerk"
    with pytest.raises(ValidationError):
        validate_password(password, user=clerk)


def test_a_long_uncommon_password_is_accepted(clerk):
    validate_password("violet-harbour-tangent-42", user=clerk)
