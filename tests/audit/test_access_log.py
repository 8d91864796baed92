"""The access log: logins, logouts, failed logins and lockouts, each with its account and address;
views of identities, and refused attempts to open another office's case."""

import pytest
from django.urls import reverse

from casetracker.audit.models import AccessLog
from tests.factories import IncidentFactory, UserFactory, VictimFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's
LOGIN = reverse("admin:login")


def log_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra)


def only_entry(**filters) -> AccessLog:
    entries = list(AccessLog.objects.filter(**filters))
    assert len(entries) == 1, entries
    return entries[0]


# Logins, logouts, failures, lockouts ---------------------------------------------------------


def test_login_through_the_admin_form_is_logged_with_account_and_address(client, clerk):
    response = log_in(client, clerk.username, PASSWORD)

    assert response.status_code == 302
    entry = only_entry()
    assert entry.action == AccessLog.Action.LOGIN
    assert entry.user == clerk
    assert entry.username == clerk.username
    assert entry.ip_address == "127.0.0.1"


def test_login_takes_the_address_from_the_trusted_proxy_header(client, clerk, settings):
    settings.AUDIT_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"

    log_in(client, clerk.username, PASSWORD, HTTP_X_REAL_IP="203.0.113.7")

    assert only_entry(action=AccessLog.Action.LOGIN).ip_address == "203.0.113.7"


def test_the_proxy_header_is_ignored_unless_configured(client, clerk, settings):
    settings.AUDIT_CLIENT_IP_HEADER = ""

    log_in(client, clerk.username, PASSWORD, HTTP_X_REAL_IP="203.0.113.7")

    assert only_entry(action=AccessLog.Action.LOGIN).ip_address == "127.0.0.1"


@pytest.mark.parametrize("value", ["not-an-address", "203.0.113.7:5555", ""])
def test_a_header_that_is_not_an_address_does_not_break_the_login(client, clerk, settings, value):
    settings.AUDIT_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"

    response = log_in(client, clerk.username, PASSWORD, HTTP_X_REAL_IP=value)

    assert response.status_code == 302
    # An empty header falls back to the connection's address; a malformed one is not recorded.
    assert only_entry(action=AccessLog.Action.LOGIN).ip_address == ("127.0.0.1" if value == "" else None)


def test_the_last_address_of_a_forwarded_list_is_recorded(client, clerk, settings):
    """The proxy appends the address it saw; what comes before it, the client wrote."""
    settings.AUDIT_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"

    log_in(client, clerk.username, "wrong password", HTTP_X_FORWARDED_FOR="10.9.9.9, 2001:db8:0:0::7")

    assert only_entry(action=AccessLog.Action.LOGIN_FAILED).ip_address == "2001:db8::7"


def test_force_login_is_logged(client, clerk):
    client.force_login(clerk)

    entry = only_entry()
    assert (entry.action, entry.user, entry.username) == (AccessLog.Action.LOGIN, clerk, clerk.username)
    # The test client logs in with a bare HttpRequest, which has no REMOTE_ADDR.
    assert entry.ip_address is None


def test_logout_is_logged_with_account_and_address(client, clerk):
    client.force_login(clerk)

    response = client.post(reverse("admin:logout"))

    assert response.status_code == 200
    entry = only_entry(action=AccessLog.Action.LOGOUT)
    assert (entry.user, entry.username, entry.ip_address) == (clerk, clerk.username, "127.0.0.1")
    assert AccessLog.objects.count() == 2  # the login and the logout, nothing else


def test_logout_without_a_session_is_not_logged(client):
    client.post(reverse("admin:logout"))

    assert not AccessLog.objects.exists()


def test_failed_login_is_logged_with_the_username_typed(client, clerk):
    response = log_in(client, clerk.username, "wrong password")

    assert response.status_code == 200  # the form again, with its error
    entry = only_entry()
    assert entry.action == AccessLog.Action.LOGIN_FAILED
    assert entry.user is None
    assert entry.username == clerk.username
    assert entry.ip_address == "127.0.0.1"


def test_failed_login_for_an_unknown_username_is_logged(client):
    log_in(client, "nobody-by-this-name", "whatever", REMOTE_ADDR="198.51.100.4")

    entry = only_entry(action=AccessLog.Action.LOGIN_FAILED)
    assert (entry.username, entry.ip_address) == ("nobody-by-this-name", "198.51.100.4")


def test_lockout_is_logged(client, clerk, settings):
    settings.AXES_ENABLED = True

    for _ in range(6):
        log_in(client, clerk.username, "wrong password")

    lockouts = list(AccessLog.objects.filter(action=AccessLog.Action.LOCKOUT).order_by("id"))
    # Axes locks the pair out on the fifth failure and again on each attempt while it holds.
    assert len(lockouts) == 2
    for entry in lockouts:
        assert (entry.username, entry.ip_address, entry.user) == (clerk.username, "127.0.0.1", None)
    failures = AccessLog.objects.filter(action=AccessLog.Action.LOGIN_FAILED)
    assert failures.count() == 6
    assert failures.filter(id__lt=lockouts[0].id).count() == 4
    assert not AccessLog.objects.filter(action=AccessLog.Action.LOGIN).exists()


# Views of identities, and refusals ----------------------------------------------------------

VICTIM_NAME = "김영희"


@pytest.fixture
def incident():
    incident = IncidentFactory(case_number="2024-7777")
    VictimFactory(incident=incident, name=VICTIM_NAME)
    return incident


def incident_url(incident) -> str:
    return reverse("admin:cases_incident_change", args=[incident.pk])


def test_a_clerk_opening_an_incident_of_their_office_is_logged_with_identities_shown(client, incident):
    clerk = UserFactory(office=incident.office)
    client.force_login(clerk)

    response = client.get(incident_url(incident))

    assert response.status_code == 200
    assert VICTIM_NAME in response.content.decode()
    entry = only_entry(action=AccessLog.Action.VIEW)
    assert (entry.user, entry.ip_address) == (clerk, "127.0.0.1")
    assert (entry.target_type, entry.target_id) == ("cases.incident", str(incident.pk))
    assert entry.detail == "identities shown"


def test_a_supervisor_opening_an_incident_is_logged_with_identities_hidden(client, incident):
    supervisor = UserFactory(supervisor=True, office=incident.office)
    client.force_login(supervisor)

    response = client.get(incident_url(incident))

    assert response.status_code == 200
    assert VICTIM_NAME not in response.content.decode()
    entry = only_entry(action=AccessLog.Action.VIEW)
    assert (entry.user, entry.target_type, entry.target_id) == (supervisor, "cases.incident", str(incident.pk))
    assert entry.detail == "identities hidden"


def test_a_clerk_of_another_office_is_refused_and_the_attempt_logged(client, incident):
    outsider = UserFactory()
    assert outsider.office != incident.office
    client.force_login(outsider)

    response = client.get(incident_url(incident))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW).exists()
    entry = only_entry(action=AccessLog.Action.DENIED)
    assert (entry.user, entry.ip_address) == (outsider, "127.0.0.1")
    assert entry.detail.startswith(f"cases.incident {incident.pk}:")
    # The refused account learns nothing about the case, and neither does the log's reader.
    assert incident.case_number not in f"{entry.detail} {entry.target_repr}"


def test_an_id_that_does_not_exist_is_not_logged_as_refused(client, incident):
    client.force_login(UserFactory())

    response = client.get(reverse("admin:cases_incident_change", args=[incident.pk + 1000]))

    assert response.status_code == 302
    assert not AccessLog.objects.filter(action=AccessLog.Action.DENIED).exists()
