"""Account services (deactivation, password reset) and the admin actions that call them."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.timezone import localtime

from casetracker.accounts import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def has_session(client) -> bool:
    return Session.objects.filter(session_key=client.session.session_key).exists()


def test_deactivate_account(clerk, admin_user):
    session = logged_in(clerk)

    services.deactivate_account(account=clerk, by=admin_user)

    clerk.refresh_from_db()
    assert not clerk.is_active
    assert not has_session(session)
    assert authenticate(username=clerk.username, password=PASSWORD) is None


def test_only_admins_deactivate_accounts(clerk):
    other = UserFactory(office=clerk.office)
    with pytest.raises(PermissionDenied):
        services.deactivate_account(account=other, by=clerk)
    other.refresh_from_db()
    assert other.is_active


def test_an_admin_cannot_deactivate_their_own_account(admin_user):
    with pytest.raises(ValidationError):
        services.deactivate_account(account=admin_user, by=admin_user)
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_reset_password_generates_a_strong_password_and_logs_the_account_out(clerk, admin_user):
    session = logged_in(clerk)

    password = services.reset_password(account=clerk, by=admin_user)

    validate_password(password, user=clerk)
    assert authenticate(username=clerk.username, password=password) == clerk
    assert authenticate(username=clerk.username, password=PASSWORD) is None
    assert not has_session(session)


def test_reset_password_uses_a_given_strong_password(clerk, admin_user):
    assert services.reset_password(account=clerk, by=admin_user, password="violet-harbour-tangent-42") == (
        "violet-harbour-tangent-42"
    )
    assert authenticate(username=clerk.username, password="violet-harbour-tangent-42") == clerk


def test_reset_password_refuses_a_weak_password(clerk, admin_user):
    session = logged_in(clerk)

    with pytest.raises(ValidationError):
        services.reset_password(account=clerk, by=admin_user, password="password1234")

    assert authenticate(username=clerk.username, password=PASSWORD) == clerk
    assert has_session(session)


def test_only_admins_reset_passwords(clerk):
    other = UserFactory(office=clerk.office)
    with pytest.raises(PermissionDenied):
        services.reset_password(account=other, by=clerk)


def test_the_admin_action_deactivates_and_logs_out_the_selected_accounts(admin_client, clerk):
    bystander = UserFactory(office=clerk.office)
    session, bystander_session = logged_in(clerk), logged_in(bystander)

    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_accounts", "_selected_action": [clerk.pk]},
        follow=True,
    )

    assert response.status_code == 200
    clerk.refresh_from_db()
    bystander.refresh_from_db()
    assert (clerk.is_active, bystander.is_active) == (False, True)
    assert (has_session(session), has_session(bystander_session)) == (False, True)


def test_the_admin_action_reports_an_account_it_could_not_deactivate(admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_accounts", "_selected_action": [admin_user.pk]},
        follow=True,
    )

    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert any(message.level_tag == "error" for message in response.context["messages"])


def user_change_data(user, **changes) -> dict:
    """The admin change form's fields; a checkbox left out is unticked."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": localtime(user.date_joined).strftime("%Y-%m-%d"),
        "date_joined_1": localtime(user.date_joined).strftime("%H:%M:%S"),
        "role": user.role,
        "office": user.office_id or "",
        "local_office": user.local_office_id or "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_unticking_active_in_the_admin_logs_the_account_out(admin_client, clerk):
    session = logged_in(clerk)
    url = reverse("admin:accounts_user_change", args=[clerk.pk])

    response = admin_client.post(url, user_change_data(clerk, is_active=None))

    assert response.status_code == 302, response.context["adminform"].form.errors
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert not has_session(session)


def test_saving_an_active_account_in_the_admin_keeps_its_sessions(admin_client, clerk):
    session = logged_in(clerk)
    url = reverse("admin:accounts_user_change", args=[clerk.pk])

    response = admin_client.post(url, user_change_data(clerk, first_name="Minji"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert has_session(session)
