"""The users page for people (issue 18, item 6): role and office first, each account's activity,
deactivate and new-password buttons, every change on the access log, and an office's admin
managing its own office's accounts only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from casetracker.accounts import services
from casetracker.accounts.models import User
from casetracker.audit.models import AccessLog
from casetracker.cases import services as case_services
from tests.accounts.test_services import user_change_data
from tests.factories import IncidentFactory, LocalOfficeFactory, OfficeFactory, UserFactory, VictimFactory

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.40"
CHANGELIST = "admin:accounts_user_changelist"


@pytest.fixture
def busan(db):
    return OfficeFactory(code="busan")


@pytest.fixture
def office_admin(busan):
    return UserFactory(username="admin_busan", role="admin", office=busan)


def browser(user) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(user)
    return client


def entries(account, **filters):
    return AccessLog.objects.filter(target_type="accounts.user", target_id=str(account.pk), **filters)


# Scope ---------------------------------------------------------------------------------------


def test_an_office_admin_lists_and_opens_only_its_offices_accounts(office_admin, busan):
    own = UserFactory(office=busan, local_office=LocalOfficeFactory(office=busan))
    other = UserFactory()  # another office's clerk
    national = UserFactory(role="supervisor", office=None)
    client = browser(office_admin)

    listed = set(client.get(reverse(CHANGELIST)).context["cl"].result_list)

    assert listed == {office_admin, own}
    for account in (other, national):
        page = client.get(reverse("admin:accounts_user_change", args=[account.pk]))
        assert page.status_code == 302  # the admin's "not found": no page of it
        for button in ("admin:accounts_user_deactivate", "admin:accounts_user_new_password"):
            assert client.post(reverse(button, args=[account.pk])).status_code == 404
        account.refresh_from_db()
        assert account.is_active


def test_a_national_admin_lists_every_account(busan):
    admin = UserFactory(role="admin", office=None)
    accounts = {admin, UserFactory(office=busan), UserFactory(), UserFactory(role="supervisor", office=None)}
    assert set(browser(admin).get(reverse(CHANGELIST)).context["cl"].result_list) == accounts


def test_an_office_admin_offers_and_accepts_only_its_own_office(office_admin, busan):
    other_office = OfficeFactory()
    client = browser(office_admin)
    form = client.get(reverse("admin:accounts_user_add")).context["adminform"].form
    assert list(form.fields["office"].queryset) == [busan]

    data = {"username": "new_clerk", "password1": "violet-harbour-42", "password2": "violet-harbour-42"}
    refused = client.post(reverse("admin:accounts_user_add"), {**data, "role": "clerk", "office": other_office.pk})
    assert "office" in refused.context["adminform"].form.errors
    national = client.post(reverse("admin:accounts_user_add"), {**data, "role": "admin", "office": ""})
    assert national.status_code == 200  # a national admin is not the office's to make
    assert not User.objects.filter(username="new_clerk").exists()

    made = client.post(reverse("admin:accounts_user_add"), {**data, "role": "clerk", "office": busan.pk})
    assert made.status_code == 302
    assert User.objects.get(username="new_clerk").office == busan


def test_the_services_refuse_an_office_admin_another_offices_account(office_admin, busan):
    other = UserFactory()
    with pytest.raises(PermissionDenied):
        services.deactivate_account(account=other, by=office_admin)
    with pytest.raises(PermissionDenied):
        services.reset_password(account=other, by=office_admin)
    own = UserFactory(office=busan)
    own.office = other.office  # moving its own clerk away would put it out of reach
    with pytest.raises(PermissionDenied):
        services.save_account(account=own, by=office_admin)
    assert not AccessLog.objects.filter(target_type="accounts.user").exclude(action="create").exists()


def test_an_admin_belongs_to_an_office_but_not_a_local_office(busan):
    admin = User(username="a", role="admin", office=busan, local_office=LocalOfficeFactory(office=busan))
    with pytest.raises(ValidationError) as error:
        admin.full_clean(exclude=["password"])
    assert "local_office" in error.value.error_dict


def test_an_office_admins_reference_data_is_its_offices(office_admin, busan):
    from casetracker.core.models import Office

    assert list(Office.objects.for_user(office_admin)) == [busan]


# What the page shows --------------------------------------------------------------------------


DJANGO_FIELDS = {"is_superuser", "groups", "user_permissions", "is_staff", "password"}


def test_an_admin_sees_no_superuser_groups_or_permission_fields(office_admin, busan):
    clerk = UserFactory(office=busan)
    client = browser(office_admin)
    page = client.get(reverse("admin:accounts_user_change", args=[clerk.pk]))
    shown = {field for fieldset in page.context["adminform"] for line in fieldset for field in line}
    names = {field.field["name"] if isinstance(field.field, dict) else field.field.name for field in shown}

    assert not DJANGO_FIELDS & names
    assert list(page.context["adminform"].form.fields)[:3] == ["role", "office", "local_office"]
    assert 'name="is_superuser"' not in page.text
    listing = client.get(reverse(CHANGELIST))
    assert "is_superuser" not in listing.context["cl"].list_display
    filters = {getattr(spec, "field_path", None) for spec in listing.context["cl"].filter_specs}
    assert "is_superuser" not in filters
    assert listing.context["cl"].list_display[1:4] == ["role_shown", "office", "local_office"]


def test_a_superuser_sees_them_read_only(busan):
    root = UserFactory(superuser=True)
    clerk = UserFactory(office=busan)
    page = browser(root).get(reverse("admin:accounts_user_change", args=[clerk.pk]))
    names = {name for fieldset in page.context["adminform"] for line in fieldset for name in line.fields}
    assert {"is_superuser", "groups", "user_permissions"} <= names
    assert not {"is_superuser", "groups", "user_permissions"} & set(page.context["adminform"].form.fields)


def touch(record, clerk):
    """A save by ``clerk`` through the service, as the admin makes it (the request names the history's user)."""
    record._history_user = clerk
    case_services.save_record(record=record, actor=clerk)


def test_the_list_shows_the_cases_each_account_touched(office_admin, busan, django_assert_max_num_queries):
    clerks = [UserFactory(office=busan) for _index in range(5)]
    for clerk, count in zip(clerks, (0, 1, 3, 2, 0), strict=True):
        for _index in range(count):
            incident = IncidentFactory(office=busan)
            touch(incident, clerk)
            touch(VictimFactory(incident=incident), clerk)  # the same case again: counted once
    client = browser(office_admin)

    with django_assert_max_num_queries(12):
        response = client.get(reverse(CHANGELIST))
    touched = {account: account.touched for account in response.context["cl"].result_list}
    assert [touched[clerk] for clerk in clerks] == [0, 1, 3, 2, 0]

    # The count of queries does not grow with the accounts listed.
    for _index in range(10):
        clerk = UserFactory(office=busan)
        touch(IncidentFactory(office=busan), clerk)
    with django_assert_max_num_queries(12):
        client.get(reverse(CHANGELIST))


# The buttons ----------------------------------------------------------------------------------


def test_the_deactivate_button_asks_then_deactivates_on_the_log(office_admin, busan):
    clerk = UserFactory(office=busan)
    client = browser(office_admin)
    url = reverse("admin:accounts_user_deactivate", args=[clerk.pk])
    assert url in client.get(reverse("admin:accounts_user_change", args=[clerk.pk])).text

    question = client.get(url)
    assert question.status_code == 200
    clerk.refresh_from_db()
    assert clerk.is_active  # asking changes nothing

    assert client.post(url).status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_active
    entry = entries(clerk, action="change").get()
    assert (entry.user, entry.ip_address, entry.detail) == (office_admin, ADDRESS, "is_active: True → False")


def test_the_deactivate_button_refuses_the_last_admin_with_a_message(busan):
    root = UserFactory(superuser=True, is_active=True)
    admin = UserFactory(role="admin", office=None)
    root.is_active = False
    root.save()
    response = browser(admin).post(reverse("admin:accounts_user_deactivate", args=[admin.pk]), follow=True)
    admin.refresh_from_db()
    assert admin.is_active
    assert [message.level_tag for message in response.context["messages"]] == ["error"]


def test_the_new_password_button_shows_a_password_once_and_logs_it(office_admin, busan):
    clerk = UserFactory(office=busan)
    client = browser(office_admin)
    url = reverse("admin:accounts_user_new_password", args=[clerk.pk])
    assert client.get(url).status_code == 200
    assert clerk.check_password("a-long-test-password")

    response = client.post(url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # (the admin's pages are never cached)
    password = response.context["password"]
    clerk.refresh_from_db()
    assert clerk.check_password(password)
    assert password in response.text
    entry = entries(clerk, action="change").get()
    assert (entry.user, entry.detail) == (office_admin, "password reset")


def test_a_changed_role_on_the_page_is_on_the_log(office_admin, busan):
    clerk = UserFactory(office=busan)
    data = user_change_data(clerk, role="supervisor")
    response = browser(office_admin).post(reverse("admin:accounts_user_change", args=[clerk.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert entries(clerk, action="change").get().detail == "role: clerk → supervisor"


def test_an_office_admin_reads_the_trails_of_its_offices_accounts(office_admin, busan):
    from axes.models import AccessAttempt
    from django_otp.plugins.otp_totp.models import TOTPDevice

    own, other = UserFactory(office=busan), UserFactory()
    for account in (own, other):
        by = UserFactory(role="admin", office=account.office)
        services.reset_password(account=account, by=by)
        account.role, account._history_user = "supervisor", by  # (the request names it, in the admin)
        services.save_account(account=account, by=by)
        AccessAttempt.objects.create(username=account.username, failures_since_start=3, ip_address=ADDRESS)
        TOTPDevice.objects.create(user=account, name="phone")
    client = browser(office_admin)

    log = client.get(reverse("admin:audit_accesslog_changelist")).context["cl"].result_list
    assert {entry.target_id for entry in log if entry.action == "change"} == {str(own.pk)}
    attempts = client.get(reverse("admin:axes_accessattempt_changelist")).context["cl"].result_list
    assert [attempt.username for attempt in attempts] == [own.username]
    devices = client.get(reverse("admin:otp_totp_totpdevice_changelist")).context["cl"].result_list
    assert [device.user for device in devices] == [own]
    history = client.get(reverse("admin:audit_historicaluser_changelist")).context["cl"].result_list
    assert {row.id for row in history if row.history_user} == {own.pk}


def test_an_office_admin_keeps_its_offices_reference_data_only(office_admin, busan):
    from casetracker.core.models import Office

    other = OfficeFactory()
    client = browser(office_admin)
    assert client.get(reverse("admin:core_office_add")).status_code == 403
    assert client.get(reverse("admin:core_office_change", args=[busan.pk])).status_code == 200
    assert client.get(reverse("admin:core_office_change", args=[other.pk])).status_code == 302  # not found
    form = client.get(reverse("admin:core_school_add")).context["adminform"].form
    assert list(form.fields["office"].queryset) == [busan]
    assert Office.objects.count() == 2
