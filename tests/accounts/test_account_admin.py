"""Who may change which account, on every path (issue 16, finding 2 and the smaller account findings).

An admin manages the role, scope and status of other accounts, never their own; nobody grants
superuser status, groups or raw permissions in the admin; at least one active admin remains.
Every change is on the access log with its address, and in the accounts' history without the password.
"""

import io

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from casetracker.accounts import services
from casetracker.accounts.models import User
from casetracker.audit.models import AccessLog
from tests.accounts.test_services import user_change_data
from tests.factories import LocalOfficeFactory, OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"


@pytest.fixture
def admin(db):
    """An admin by role, as the admins of an office of education are: no superuser."""
    return UserFactory(username="admin_a", role="admin", office=None)


@pytest.fixture
def admin_browser(admin) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(admin)
    return client


def change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def entries(account, **filters):
    return AccessLog.objects.filter(target_type="accounts.user", target_id=str(account.pk), **filters)


# Finding 2: the admin role gives itself nothing --------------------------------------------------


def test_an_admin_cannot_make_itself_superuser_clerk_or_grant_itself_permissions(admin_browser, admin):
    office = OfficeFactory()
    identities = Permission.objects.get(codename="view_identities")
    data = user_change_data(
        admin,
        first_name="Jiwoo",
        is_superuser="on",
        is_staff="on",
        role="clerk",
        office=office.pk,
        user_permissions=[identities.pk],
        is_active=None,
    )

    response = admin_browser.post(change_url(admin), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    admin.refresh_from_db()
    assert admin.first_name == "Jiwoo"  # what it may change, it changed
    assert (admin.is_superuser, admin.role, admin.office, admin.is_active) == (False, "admin", None, True)
    assert not admin.user_permissions.exists()
    assert not admin.has_perm("cases.view_identities")


def test_the_own_account_page_shows_role_scope_and_status_read_only(admin_browser, admin):
    form = admin_browser.get(change_url(admin)).context["adminform"].form
    assert not {"role", "office", "local_office", "is_active", "is_superuser", "user_permissions", "groups"} & set(
        form.fields
    )


def test_an_admin_grants_no_superuser_status_or_permissions_to_others(admin_browser):
    supervisor = UserFactory(supervisor=True)
    identities = Permission.objects.get(codename="view_identities")
    form = admin_browser.get(change_url(supervisor)).context["adminform"].form
    assert not {"is_superuser", "is_staff", "user_permissions", "groups"} & set(form.fields)

    data = user_change_data(supervisor, is_superuser="on", user_permissions=[identities.pk])
    assert admin_browser.post(change_url(supervisor), data).status_code == 302

    supervisor.refresh_from_db()
    assert not supervisor.is_superuser
    assert not supervisor.user_permissions.exists()
    assert not supervisor.has_perm("cases.view_identities")


def test_an_admin_manages_the_role_and_scope_of_others_and_the_log_says_so(admin_browser, admin):
    seoul = OfficeFactory(code="seoul")
    gangnam = LocalOfficeFactory(office=seoul)
    account = UserFactory(supervisor=True, office=None)

    response = admin_browser.post(
        change_url(account), user_change_data(account, role="clerk", office=seoul.pk, local_office=gangnam.pk)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    account.refresh_from_db()
    assert (account.role, account.office, account.local_office) == ("clerk", seoul, gangnam)
    entry = entries(account, action="change").get()
    assert (entry.user, entry.ip_address) == (admin, ADDRESS)
    assert "role: supervisor → clerk" in entry.detail
    assert "office: - →" in entry.detail
    assert "local_office: - →" in entry.detail


def test_superusers_are_shown_as_such_and_an_admin_cannot_change_them(admin_browser):
    superuser = UserFactory(username="root", superuser=True)

    changelist = admin_browser.get(reverse("admin:accounts_user_changelist"))
    with translation.override("ko"):
        marked = _("%(role)s (superuser)") % {"role": _("admin")}
    assert marked in changelist.text  # marked, though no checkbox is offered
    assert "is_superuser" not in changelist.context["cl"].list_display
    page = admin_browser.get(change_url(superuser))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]  # read only, superuser status shown

    assert admin_browser.post(change_url(superuser), user_change_data(superuser, is_active=None)).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    new_password = {"password1": "violet-harbour-tangent-42", "password2": "violet-harbour-tangent-42"}
    assert admin_browser.post(password_url, new_password).status_code == 403
    superuser.refresh_from_db()
    assert superuser.is_active
    assert not superuser.check_password("violet-harbour-tangent-42")


def test_the_services_refuse_what_the_admin_does_not_offer(admin):
    other = UserFactory()
    other.is_superuser = True
    with pytest.raises(PermissionDenied):
        services.save_account(account=other, by=admin)
    root = UserFactory(username="root", superuser=True)
    with pytest.raises(PermissionDenied):
        services.deactivate_account(account=root, by=admin)
    with pytest.raises(PermissionDenied):
        services.reset_password(account=root, by=admin)
    admin.role = "supervisor"
    with pytest.raises(ValidationError) as refused:
        services.save_account(account=admin, by=admin)
    assert refused.value.code == "own_account"
    for user in (other, root, admin):
        user.refresh_from_db()
    assert (other.is_superuser, root.is_active, admin.role) == (False, True, "admin")


def test_accounts_are_never_deleted_in_the_admin(admin_browser, admin):
    account = UserFactory()
    assert admin_browser.get(reverse("admin:accounts_user_delete", args=[account.pk])).status_code == 403
    response = admin_browser.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [account.pk], "post": "yes"},
    )
    assert response.status_code == 302  # no such action: back to the list
    action_field = admin_browser.get(reverse("admin:accounts_user_changelist")).context["action_form"].fields["action"]
    assert "delete_selected" not in dict(action_field.choices)
    assert User.objects.filter(pk=account.pk).exists()


# Deactivating: never one's own, never the last admin ------------------------------------------------


def test_the_bulk_action_skips_the_own_account_and_deactivates_the_others(admin_browser, admin):
    clerk, other_admin = UserFactory(), UserFactory(role="admin", office=None)

    response = admin_browser.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_accounts", "_selected_action": [admin.pk, clerk.pk, other_admin.pk]},
        follow=True,
    )

    for user in (admin, clerk, other_admin):
        user.refresh_from_db()
    assert (admin.is_active, clerk.is_active, other_admin.is_active) == (True, False, False)
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors == [f"{admin}: {_('You cannot change your own role, office or active status; ask another admin.')}"]
    assert entries(clerk, action="change", detail="is_active: True → False", ip_address=ADDRESS).exists()


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(admin):
    """On the server (no acting admin) the rule holds too: some admin must remain to manage accounts."""
    admin.is_active = False
    with pytest.raises(ValidationError) as refused:
        services.save_account(account=admin, by=None)
    assert refused.value.code == "last_admin"
    admin.refresh_from_db()
    admin.role = "supervisor"
    with pytest.raises(ValidationError) as refused:
        services.save_account(account=admin, by=None)
    assert refused.value.code == "last_admin"
    admin.refresh_from_db()
    assert (admin.is_active, admin.role) == (True, "admin")

    second = UserFactory(role="admin", office=None)
    services.deactivate_account(account=second, by=admin)  # another admin remains: allowed
    second.refresh_from_db()
    assert not second.is_active


def test_a_superuser_counts_as_an_active_admin(admin):
    UserFactory(username="root", superuser=True)
    admin.is_active = False
    services.save_account(account=admin, by=None)
    admin.refresh_from_db()
    assert not admin.is_active


def test_unticking_active_on_the_form_of_another_admin_keeps_one(admin_browser, admin):
    other_admin = UserFactory(role="admin", office=None)
    assert admin_browser.post(change_url(other_admin), user_change_data(other_admin, is_active=None)).status_code == 302
    other_admin.refresh_from_db()
    assert not other_admin.is_active
    assert User.objects.filter(is_active=True, role="admin").get() == admin


# Every change on the access log, with the address, in the same transaction ------------------------


def test_creating_an_account_in_the_admin_is_logged(admin_browser, admin):
    office = OfficeFactory()
    response = admin_browser.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new_clerk",
            "usable_password": "true",
            "password1": "violet-harbour-tangent-42",
            "password2": "violet-harbour-tangent-42",
            "role": "clerk",
            "office": office.pk,
            "is_superuser": "on",  # not on the form: ignored
            "user_permissions": [Permission.objects.get(codename="view_identities").pk],
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    account = User.objects.get(username="new_clerk")
    assert account.is_staff
    assert not account.is_superuser
    assert not account.user_permissions.exists()
    entry = entries(account, action="create").get()
    assert (entry.user, entry.ip_address) == (admin, ADDRESS)
    assert entry.detail == f"role clerk, {office}"


def test_creating_an_account_on_the_server_is_logged(db):
    office = OfficeFactory(code="seoul")
    call_command(
        "create_account", "kim", "--role", "clerk", "--office", "seoul", "--generate-password", stdout=io.StringIO()
    )
    entry = entries(User.objects.get(username="kim"), action="create").get()
    assert (entry.user, entry.ip_address) == (None, None)
    assert entry.detail == f"role clerk, {office} (on the server)"


def test_a_password_reset_in_the_admin_is_logged_and_logs_the_account_out(admin_browser, admin):
    account = UserFactory()
    account_session = Client()
    account_session.force_login(account)
    password_url = reverse("admin:auth_user_password_change", args=[account.pk])
    form = admin_browser.get(password_url).context["form"]
    assert "usable_password" not in form.fields  # no password at all would be an unlogged deactivation

    response = admin_browser.post(
        password_url, {"password1": "violet-harbour-tangent-42", "password2": "violet-harbour-tangent-42"}
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.check_password("violet-harbour-tangent-42")
    assert not Session.objects.filter(session_key=account_session.session.session_key).exists()
    entry = entries(account, action="change", detail="password reset").get()
    assert (entry.user, entry.ip_address) == (admin, ADDRESS)
    assert "violet" not in entry.detail


def test_saving_without_a_change_logs_nothing(admin_browser):
    account = UserFactory()
    assert admin_browser.post(change_url(account), user_change_data(account)).status_code == 302
    assert not entries(account).exists()


def test_a_change_whose_log_entry_fails_is_not_made(monkeypatch, admin):
    account = UserFactory()

    def broken(**kwargs):
        raise RuntimeError("the access log is unavailable")

    monkeypatch.setattr("casetracker.audit.receivers.log_access", broken)
    with pytest.raises(RuntimeError):
        services.deactivate_account(account=account, by=admin)
    account.refresh_from_db()
    assert account.is_active


# The accounts' history -------------------------------------------------------------------------


def test_the_history_of_an_account_keeps_each_change_but_never_the_password(admin_browser, admin):
    account = UserFactory(supervisor=True)
    admin_browser.post(change_url(account), user_change_data(account, role="clerk"))
    services.reset_password(account=account, by=admin)
    Client().login(username=account.username, password="a-long-test-password")  # a login: no history row

    history = account.history.order_by("history_date", "history_id")
    assert [row.history_type for row in history] == ["+", "~"]
    latest = history.last()
    assert (latest.role, latest.history_user, latest.ip_address) == ("clerk", admin, ADDRESS)
    assert "password" not in {field.name for field in type(latest)._meta.get_fields()}

    history_admin_url = reverse("admin:audit_historicaluser_change", args=[latest.pk])
    page = admin_browser.get(history_admin_url)
    assert page.status_code == 200
    assert "supervisor → clerk" in page.content.decode()


def test_changing_ones_own_password_is_logged(admin_browser, admin):
    response = admin_browser.post(
        reverse("admin:password_change"),
        {
            "old_password": "a-long-test-password",
            "new_password1": "violet-harbour-tangent-42",
            "new_password2": "violet-harbour-tangent-42",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("admin:password_change_done")
    admin.refresh_from_db()
    assert admin.check_password("violet-harbour-tangent-42")
    assert admin_browser.get(reverse("admin:index")).status_code == 200  # still signed in
    entry = entries(admin, detail="password changed by its owner").get()
    assert (entry.user, entry.ip_address) == (admin, ADDRESS)


def test_a_wrong_old_password_changes_nothing(admin_browser, admin):
    response = admin_browser.post(
        reverse("admin:password_change"),
        {
            "old_password": "wrong",
            "new_password1": "violet-harbour-tangent-42",
            "new_password2": "violet-harbour-tangent-42",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    admin.refresh_from_db()
    assert admin.check_password("a-long-test-password")
    assert not entries(admin).exists()
