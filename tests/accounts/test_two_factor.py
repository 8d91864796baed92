"""Two-factor authentication: required for admins and supervisors, optional for clerks."""

import re
from base64 import b32encode

import pytest
from django.contrib import admin
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casetracker.accounts import services
from casetracker.accounts.two_factor import TOKEN_ERROR_MESSAGES, TwoFactorRequiredMiddleware
from casetracker.audit.models import AccessLog
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's
SETUP_URL = reverse("accounts:two_factor")


@pytest.fixture(autouse=True)
def two_factor_required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["admin", "supervisor"]


@pytest.fixture
def supervisor(db):
    return UserFactory(supervisor=True)


def code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code(device)) + 500_000) % 10**device.digits:0{device.digits}d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def log_in(client, user, token=None):
    data = {"username": user.username, "password": PASSWORD}
    if token is not None:
        data["otp_token"] = token
    return client.post(reverse("admin:login"), data)


@pytest.mark.parametrize("role", ["supervisor", "admin", "superuser"])
def test_admins_and_supervisors_without_two_factor_are_sent_to_set_it_up(client, role):
    user = {
        "supervisor": lambda: UserFactory(supervisor=True),
        "admin": lambda: UserFactory(role="admin", office=None),
        "superuser": lambda: UserFactory(is_superuser=True),  # a superuser counts as an admin, whatever the role
    }[role]()
    client.force_login(user)

    for url in (reverse("admin:index"), reverse("admin:accounts_user_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{SETUP_URL}?next={url.replace('/', '%2F')}"


def test_clerks_need_no_two_factor(client, clerk):
    response = log_in(client, clerk)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(clerk.pk)
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_roles_that_need_two_factor_are_a_setting(settings, client, supervisor):
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    client.force_login(supervisor)
    assert client.get(reverse("admin:index")).status_code == 200


def test_setting_up_shows_the_secret_and_a_qr_code(client, supervisor):
    client.force_login(supervisor)

    response = client.get(SETUP_URL)

    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=supervisor)
    assert not device.confirmed
    secret = b32encode(device.bin_key).decode()
    assert response.context["secret"].replace(" ", "") == secret
    content = response.content.decode()
    assert "<svg" in content
    assert "<script" not in content.split('<div class="qr-code">')[1].split("</div>")[0]
    # Reloading the page shows the same secret: the app may already hold it.
    assert client.get(SETUP_URL).context["secret"].replace(" ", "") == secret
    assert TOTPDevice.objects.filter(user=supervisor).count() == 1


def test_a_correct_code_confirms_the_device_and_opens_the_admin(client, supervisor):
    client.force_login(supervisor)
    next_url = reverse("admin:accounts_user_changelist")
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=supervisor)
    session_key = client.session.session_key

    response = client.post(f"{SETUP_URL}?next={next_url}", {"token": code(device)})

    assert response.status_code == 302
    assert response.url == next_url
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.session.session_key != session_key
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_wrong_code_is_refused_with_a_message(client, supervisor):
    client.force_login(supervisor)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=supervisor)

    response = client.post(SETUP_URL, {"token": wrong_code(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["token"] == [TOKEN_ERROR_MESSAGES["invalid_token"]]
    assert 'class="errorlist' in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("admin:index")).status_code == 302


def test_an_offsite_next_url_is_ignored(client, supervisor):
    client.force_login(supervisor)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=supervisor)

    response = client.post(f"{SETUP_URL}?next=https://evil.example/", {"token": code(device)})

    assert response.url == reverse("admin:index")


def test_a_confirmed_secret_is_never_shown_again(client, supervisor):
    device = confirmed_device(supervisor)
    client.force_login(supervisor)  # a session that has not given a code

    response = client.get(SETUP_URL)

    assert response.status_code == 200
    assert "secret" not in response.context
    assert b32encode(device.bin_key).decode()[:8] not in response.content.decode()
    assert client.post(SETUP_URL, {"token": code(device)}).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(SETUP_URL).context["enabled"] is True


def test_logging_out_and_changing_language_need_no_two_factor(client, supervisor):
    client.force_login(supervisor)

    assert client.post(reverse("set_language"), {"language": "en", "next": "/admin/"}).url == "/admin/"
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    ("path", "exempt"),
    [("/static/admin/css/base.css", True), ("/i18n/setlang/", True), ("/admin/logout/", True), ("/admin/", False)],
)
def test_pages_on_the_way_are_exempt(path, exempt):
    assert TwoFactorRequiredMiddleware.is_exempt(path) is exempt


def test_the_login_page_asks_for_the_code(client):
    assert 'name="otp_token"' in client.get(reverse("admin:login")).content.decode()


def test_a_clerk_with_two_factor_must_give_the_code_at_login(client, clerk):
    device = confirmed_device(clerk)

    for token in (None, "", wrong_code(device)):
        response = log_in(client, clerk, token)
        assert response.status_code == 200
        assert response.context["form"].errors
        assert SESSION_KEY not in client.session

    TOTPDevice.objects.get(pk=device.pk).throttle_reset()  # django-otp makes one wait after a wrong code
    response = log_in(client, clerk, code(device))
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(clerk.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_supervisor_with_two_factor_logs_in_with_the_code_and_reaches_the_admin(client, supervisor):
    device = confirmed_device(supervisor)

    assert log_in(client, supervisor).status_code == 200  # no code, no entry
    assert SESSION_KEY not in client.session
    assert log_in(client, supervisor, code(device)).status_code == 302

    assert client.get(reverse("admin:index")).status_code == 200


def test_a_wrong_password_with_a_right_code_is_refused(client, clerk):
    device = confirmed_device(clerk)
    response = client.post(
        reverse("admin:login"), {"username": clerk.username, "password": "wrong password", "otp_token": code(device)}
    )
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


# A wrong code answers as a wrong password does (issue 16) ------------------------------------------


def login_page(client, user, *, password, token=None, ip="127.0.0.1"):
    data = {"username": user.username, "password": password, "otp_token": token or ""}
    response = client.post(reverse("admin:login"), data, REMOTE_ADDR=ip)
    # The CSRF token differs from page to page; everything else must not.
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return response, page


def test_a_right_password_with_a_missing_or_wrong_code_answers_as_a_wrong_password(client, supervisor):
    """Otherwise the login page is a password oracle for every account with two-factor authentication."""
    device = confirmed_device(supervisor)
    for token in ("", wrong_code(device), "abcd2345"):  # none, a wrong app code, a wrong backup code
        wrong_password, wrong_page = login_page(client, supervisor, password="wrong password", token=token)

        response, page = login_page(client, supervisor, password=PASSWORD, token=token)

        assert response.status_code == wrong_password.status_code == 200
        assert response.context["form"].errors == wrong_password.context["form"].errors
        assert [t.name for t in response.templates] == [t.name for t in wrong_password.templates]
        assert page == wrong_page
        assert SESSION_KEY not in client.session
    assert set(AccessLog.objects.values_list("action", flat=True)) == {"login_failed"}
    assert AccessLog.objects.count() == 6  # each attempt a failed login, as the lockout counts them


def test_wrong_codes_with_the_right_password_count_towards_the_lockout(settings, client, supervisor):
    settings.AXES_ENABLED = True
    device = confirmed_device(supervisor)
    for _attempt in range(4):
        response, _page = login_page(client, supervisor, password=PASSWORD)
        assert response.status_code == 200
    response, _page = login_page(client, supervisor, password=PASSWORD)
    assert response.status_code == 429  # as after five wrong passwords

    TOTPDevice.objects.get(pk=device.pk).throttle_reset()
    response, _page = login_page(client, supervisor, password=PASSWORD, token=code(device))
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


# Backup codes ------------------------------------------------------------------------------------


def verified_client(client, user) -> TOTPDevice:
    device = confirmed_device(user)
    client.post(reverse("admin:login"), {"username": user.username, "password": PASSWORD, "otp_token": code(device)})
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    return device


def test_backup_codes_are_generated_shown_once_and_logged(client, supervisor):
    verified_client(client, supervisor)
    assert client.get(SETUP_URL).context["backup_codes_left"] == 0

    response = client.post(SETUP_URL, {"backup_codes": "1"}, REMOTE_ADDR="203.0.113.9")

    codes = response.context["backup_codes"]
    assert len(codes) == 10 == len(set(codes))
    page = response.content.decode()
    assert all(backup in page for backup in codes)
    again = client.get(SETUP_URL)
    assert again.context["backup_codes"] is None
    assert again.context["backup_codes_left"] == 10
    assert not any(backup in again.content.decode() for backup in codes)
    entry = AccessLog.objects.get(detail="backup codes generated (10)")
    assert (entry.user, entry.target_id, entry.ip_address) == (supervisor, str(supervisor.pk), "203.0.113.9")


def test_a_backup_code_logs_in_once_in_place_of_the_apps_code(client, supervisor):
    verified_client(client, supervisor)
    codes = services.generate_backup_codes(account=supervisor)
    client.logout()

    response = log_in(client, supervisor, f" {codes[3].upper()} ")  # as typed from paper
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200  # verified: two-factor passed
    client.logout()

    response = log_in(client, supervisor, codes[3])  # each code once
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    StaticDevice.objects.get(user=supervisor).throttle_reset()
    assert log_in(client, supervisor, codes[4]).status_code == 302
    assert client.get(SETUP_URL).context["backup_codes_left"] == 8


def test_new_backup_codes_replace_the_old_ones(client, supervisor):
    old = services.generate_backup_codes(account=supervisor)
    new = services.generate_backup_codes(account=supervisor)
    confirmed_device(supervisor)

    assert log_in(client, supervisor, old[0]).status_code == 200
    StaticDevice.objects.get(user=supervisor).throttle_reset()
    assert log_in(client, supervisor, new[0]).status_code == 302
    assert StaticDevice.objects.filter(user=supervisor).count() == 1


def test_nobody_reads_backup_codes_in_the_admin(admin_client):
    assert StaticDevice not in admin.site._registry


# Devices added and removed are on the access log -----------------------------------------------------


def test_setting_up_an_authenticator_is_logged(client, supervisor):
    client.force_login(supervisor)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=supervisor)

    client.post(SETUP_URL, {"token": code(device)}, REMOTE_ADDR="203.0.113.9")

    entry = AccessLog.objects.get(detail__startswith="two-factor device added")
    assert (entry.user, entry.target_id, entry.ip_address) == (supervisor, str(supervisor.pk), "203.0.113.9")


@pytest.mark.parametrize("path", ["delete page", "bulk action"])
def test_an_admin_removing_an_authenticator_is_logged(settings, path, supervisor):
    settings.TWO_FACTOR_REQUIRED_ROLES = []  # the admin's own two-factor authentication is not the point here
    admin_account = UserFactory(role="admin", office=None)
    browser = Client(REMOTE_ADDR="203.0.113.10")
    browser.force_login(admin_account)
    device = confirmed_device(supervisor)

    if path == "delete page":
        response = browser.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    else:
        response = browser.post(
            reverse("admin:otp_totp_totpdevice_changelist"),
            {"action": "delete_selected", "_selected_action": [device.pk], "post": "yes"},
        )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    entry = AccessLog.objects.get(detail="two-factor device removed: phone")
    assert (entry.user, entry.target_id, entry.ip_address) == (admin_account, str(supervisor.pk), "203.0.113.10")


def test_no_admin_reads_an_authenticators_key(settings, supervisor):
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    browser = Client()
    browser.force_login(UserFactory(role="admin", office=None))
    device = confirmed_device(supervisor)
    secret = b32encode(device.bin_key).decode()

    page = browser.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))

    assert page.status_code == 200
    assert device.key not in page.content.decode()
    for name in ("otp_totp_totpdevice_config", "otp_totp_totpdevice_qrcode"):
        response = browser.get(reverse(f"admin:{name}", args=[device.pk]))
        assert response.status_code == 403
        assert secret not in response.content.decode()


def test_after_the_authenticator_is_removed_used_up_backup_codes_ask_for_nothing(client, supervisor):
    """Otherwise an account whose lost authenticator an admin removed could never log in again."""
    codes = services.generate_backup_codes(account=supervisor)
    device = confirmed_device(supervisor)
    device.delete()  # the admin removed the lost phone's authenticator

    assert log_in(client, supervisor).status_code == 200  # backup codes left: one is needed
    assert log_in(client, supervisor, codes[0]).status_code == 302
    client.logout()
    StaticToken.objects.filter(device__user=supervisor).delete()  # all used

    assert log_in(client, supervisor).status_code == 302  # then set up a new authenticator
    assert client.get(reverse("admin:index")).url.startswith(SETUP_URL)
