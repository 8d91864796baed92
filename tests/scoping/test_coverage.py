"""Every admin and every view is covered by a scoping test: a new one fails here until
it is added to a scoping test and listed below."""

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from casetracker.cases.models import Incident
from tests.factories import ChannelFactory, CommitteeFactory, IncidentFactory, OfficeFactory, SchoolFactory, UserFactory

# Admins and the test that proves their scope.
CASE_ADMINS = {f"cases.{name}" for name in ("incident", "victim", "offender", "committeecase", "measure", "appeal")}
REFERENCE_ADMINS = {f"core.{name}" for name in ("office", "localoffice", "school", "committee", "channel")}
ADMIN_ONLY_ADMINS = {
    "accounts.user",
    "audit.accesslog",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "otp_totp.totpdevice",
} | {
    f"cases.historical{name}"
    for name in (
        "incident",
        "victim",
        "offender",
        "offendervictimrelation",
        "takedownrequest",
        "protectionmeasure",
        "separation",
        "committeecase",
        "measure",
        "appeal",
    )
}
ADMIN_ONLY_ADMINS |= {f"core.historical{name.removeprefix('core.')}" for name in REFERENCE_ADMINS}
COVERED_ADMINS = {
    **dict.fromkeys(CASE_ADMINS, "tests/scoping/test_matrix.py"),
    **dict.fromkeys(REFERENCE_ADMINS, "test_reference_data_is_scoped_for_readers"),
    **dict.fromkeys(ADMIN_ONLY_ADMINS, "test_admin_only_pages"),
}

# Views outside the per-model admin URLs, and why each is safe.
COVERED_VIEWS = {
    "set_language": "changes the session's language only",
    "admin:index": "lists only the models the role may see (test_admin_only_pages)",
    "admin:login": "tests/accounts",
    "admin:logout": "tests/accounts",
    "admin:password_change": "the account's own password",
    "admin:password_change_done": "the account's own password",
    "admin:autocomplete": "test_autocomplete_offers_only_the_scope",
    "admin:jsi18n": "static translations",
    "admin:view_on_site": "test_view_on_site_reveals_nothing",
    "admin:app_list": "lists only the models the role may see (test_admin_only_pages)",
    "accounts:two_factor": "the account's own device (tests/accounts)",
    "admin:auth_user_password_change": "needs accounts.change_user, the admins' (test_admin_only_pages)",
    "home": "redirects by role, shows nothing (test_home_sends_supervisors_to_reports_and_others_to_the_admin)",
    "reports:index": "lists the reports, no figures (test_admins_are_refused_and_anonymous_users_sent_to_log_in)",
    "reports:detail": "tests/reports/test_pages.py::test_a_seoul_clerk_sees_only_seoul",
    "reports:print": "the detail page's figures (test_a_seoul_clerk_sees_only_seoul)",
    "reports:cases": "tests/reports/test_drilldown.py::test_a_seoul_clerk_gets_nothing_of_gyeonggi",
    "reports:csv": "tests/reports/test_exports.py",
    "reports:xlsx": "tests/reports/test_exports.py",
    "workflow:queue": "tests/workflow/test_queue.py::test_a_clerk_never_sees_another_office",
    "workflow:open_takedowns": "tests/workflow/test_queue.py::test_the_open_takedowns_page",
    "workflow:retention": "tests/workflow/test_retention.py::test_a_seoul_clerk_sees_no_gyeonggi_record",
    "imports:upload": "clerks of their own office only (tests/imports/test_pages.py, test_importer.py)",
    "imports:batch": "tests/imports/test_pages.py::test_an_upload_is_only_its_clerks",
    "imports:commit": "tests/imports/test_pages.py::test_an_upload_is_only_its_clerks",
    "imports:discard": "tests/imports/test_pages.py::test_an_upload_is_only_its_clerks",
    "imports:template": "reference data of the clerk's own office (test_only_clerks_reach_the_import_pages)",
    "imports:export": "tests/imports/test_pages.py::test_the_export_is_scoped_without_names_and_neutralised",
}


def url_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_admin_has_a_scoping_test():
    registered = {model._meta.label_lower for model in admin.site._registry}
    missing = registered - set(COVERED_ADMINS)
    assert not missing, f"add a scoping test for these admins and list them in COVERED_ADMINS: {missing}"


def test_every_view_has_a_scoping_test():
    model_admin_urls = {f"admin:{model._meta.app_label}_{model._meta.model_name}_" for model in admin.site._registry}
    names = {name for name in url_names(get_resolver().url_patterns) if not name.startswith(tuple(model_admin_urls))}
    missing = names - set(COVERED_VIEWS)
    assert not missing, f"add a scoping test for these views and list them in COVERED_VIEWS: {missing}"


@pytest.fixture
def offices(db):
    return OfficeFactory(code="seoul"), OfficeFactory(code="gyeonggi")


@pytest.mark.parametrize("label", sorted(REFERENCE_ADMINS))
def test_reference_data_is_scoped_for_readers(client, offices, label):
    seoul, gyeonggi = offices
    seoul_school, gyeonggi_school = SchoolFactory(office=seoul), SchoolFactory(office=gyeonggi)
    IncidentFactory(office=seoul, school=seoul_school)
    IncidentFactory(office=gyeonggi, school=gyeonggi_school)
    CommitteeFactory(office=seoul, local_office=seoul_school.local_office)
    CommitteeFactory(office=gyeonggi, local_office=gyeonggi_school.local_office)
    ChannelFactory()
    app_label, model_name = label.split(".")
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    office_of = {"office": lambda o: o.pk, "channel": lambda o: None}.get(model_name, lambda o: o.office_id)

    clerk = UserFactory(office=seoul)
    client.force_login(clerk)
    response = client.get(changelist)
    assert response.status_code == 200
    offices_listed = {office_of(obj) for obj in response.context["cl"].result_list}
    assert offices_listed == ({None} if model_name == "channel" else {seoul.pk})  # channels belong to no office
    assert client.get(reverse(f"admin:{app_label}_{model_name}_add")).status_code == 403

    client.force_login(UserFactory(role="admin", office=None))
    response = client.get(changelist)
    assert response.status_code == 200
    offices_listed = {office_of(obj) for obj in response.context["cl"].result_list}
    assert offices_listed == ({None} if model_name == "channel" else {seoul.pk, gyeonggi.pk})
    assert client.get(reverse(f"admin:{app_label}_{model_name}_add")).status_code == 200


@pytest.mark.parametrize("label", sorted(ADMIN_ONLY_ADMINS))
def test_admin_only_pages(client, offices, label):
    app_label, model_name = label.split(".")
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    for user in (UserFactory(office=offices[0]), UserFactory(supervisor=True, office=None)):
        client.force_login(user)
        assert client.get(changelist).status_code == 403
        assert changelist not in client.get(reverse("admin:index")).content.decode()
    client.force_login(UserFactory(role="admin", office=None))
    assert client.get(changelist).status_code == 200


def test_admins_index_shows_no_case_records(client, offices):
    client.force_login(UserFactory(role="admin", office=None))
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:cases_incident_changelist") not in page
    assert reverse("admin:accounts_user_changelist") in page


def test_view_on_site_reveals_nothing(client, offices):
    """No case model has a public URL: the shortcut answers 404 alike for every office."""
    from django.contrib.contenttypes.models import ContentType

    seoul, gyeonggi = offices
    client.force_login(UserFactory(office=seoul))
    content_type = ContentType.objects.get_for_model(Incident)
    for incident in (IncidentFactory(office=seoul), IncidentFactory(office=gyeonggi)):
        response = client.get(reverse("admin:view_on_site", args=[content_type.pk, incident.pk]))
        assert response.status_code == 404
