"""Every admin and every view is covered by a scoping test: a new one fails here until a test
that requests it is named below (the test must exist, and it fails if it never requests the view)."""

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from casetracker.cases.models import Incident
from tests.factories import ChannelFactory, CommitteeFactory, IncidentFactory, OfficeFactory, SchoolFactory, UserFactory

# Each admin and each view, and the test that proves its scope, by pytest node id: a test function
# (every run of it) or one run of it (``[id]``). test_every_named_test_exists checks that the test is
# there; tests/conftest.py checks, as the test runs, that it requests the view (for an admin, its list).
CASE_ADMINS = {f"cases.{name}" for name in ("incident", "victim", "offender", "committeecase", "measure", "appeal")}
REFERENCE_ADMINS = {f"core.{name}" for name in ("office", "localoffice", "school", "committee", "channel")}
ADMIN_ONLY_ADMINS = {
    "accounts.user",
    "audit.accesslog",
    "audit.historicaluser",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "otp_totp.totpdevice",
    "documents.officeletterhead",
    "api.apitoken",
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
MATRIX = "tests/scoping/test_matrix.py::test_role_by_url_by_office"
HERE = "tests/scoping/test_coverage.py"
PAGES = "tests/reports/test_pages.py"
ROOT = Path(settings.BASE_DIR)
ADMIN_ONLY_ADMINS |= {f"core.historical{name.removeprefix('core.')}" for name in REFERENCE_ADMINS}
COVERED_ADMINS = {
    "cases.incident": f"{MATRIX}[clerk_seoul-Incident]",
    "cases.victim": f"{MATRIX}[clerk_seoul-Victim]",
    "cases.offender": f"{MATRIX}[clerk_seoul-Offender]",
    "cases.committeecase": f"{MATRIX}[clerk_seoul-CommitteeCase]",
    "cases.measure": f"{MATRIX}[clerk_seoul-Measure]",
    "cases.appeal": f"{MATRIX}[clerk_seoul-Appeal]",
    "documents.document": "tests/documents/test_admin.py::test_a_clerk_lists_only_the_offices_register",
    **{label: f"{HERE}::test_reference_data_is_scoped_for_readers[{label}]" for label in REFERENCE_ADMINS},
    **{label: f"{HERE}::test_admin_only_pages[{label}]" for label in ADMIN_ONLY_ADMINS},
}

# Views outside the per-model admin URLs.
COVERED_VIEWS = {
    "set_language": "tests/i18n/test_language.py::test_switching_language_is_remembered_at_the_next_login",
    "admin:index": f"{HERE}::test_admin_only_pages",
    "admin:login": "tests/accounts/test_lockout.py::test_a_locked_out_account_cannot_log_in_even_with_its_password",
    "admin:logout": "tests/audit/test_access_log.py::test_logout_is_logged_with_account_and_address",
    "admin:password_change": f"{HERE}::test_a_password_change_changes_only_the_own_password",
    "admin:password_change_done": f"{HERE}::test_a_password_change_changes_only_the_own_password",
    "admin:autocomplete": "tests/scoping/test_matrix.py::test_autocomplete_offers_only_the_scope",
    "admin:jsi18n": f"{HERE}::test_the_admins_translations_are_the_same_for_every_office",
    "admin:view_on_site": f"{HERE}::test_view_on_site_reveals_nothing",
    "admin:app_list": f"{HERE}::test_an_apps_page_lists_only_what_the_role_may_see",
    "admin:documents_case_summary": (
        "tests/documents/test_case_summary.py::test_a_clerk_prints_only_the_cases_of_their_office"
    ),
    "accounts:two_factor": "tests/accounts/test_two_factor.py::test_setting_up_shows_the_secret_and_a_qr_code",
    "admin:auth_user_password_change": f"{HERE}::test_only_admins_set_another_accounts_password",
    "home": f"{PAGES}::test_home_sends_supervisors_to_reports_clerks_to_their_queue_and_admins_to_the_admin",
    "reports:index": f"{PAGES}::test_admins_are_refused_and_anonymous_users_sent_to_log_in",
    "reports:detail": f"{PAGES}::test_a_seoul_clerk_sees_only_seoul",
    "reports:print": f"{PAGES}::test_a_seoul_clerk_sees_only_seoul",
    "reports:cases": "tests/reports/test_drilldown.py::test_a_seoul_clerk_gets_nothing_of_gyeonggi",
    "reports:csv": "tests/reports/test_exports.py::test_a_seoul_clerk_gets_only_seoul[csv]",
    "reports:xlsx": "tests/reports/test_exports.py::test_a_seoul_clerk_gets_only_seoul[xlsx]",
    "workflow:queue": "tests/workflow/test_queue.py::test_the_clerks_page_lists_their_items_in_order",
    "workflow:open_takedowns": "tests/workflow/test_queue.py::test_the_open_takedowns_page",
    "workflow:retention": "tests/workflow/test_retention.py::test_a_seoul_clerk_sees_no_gyeonggi_record",
    "workflow:identities": "tests/workflow/test_identity_retention.py::test_a_seoul_clerk_sees_no_gyeonggi_case",
    "imports:upload": "tests/imports/test_pages.py::test_only_clerks_reach_the_import_pages",
    "imports:batch": "tests/imports/test_pages.py::test_an_upload_is_only_its_clerks",
    "imports:commit": "tests/imports/test_pages.py::test_an_upload_is_only_its_clerks",
    "imports:discard": "tests/imports/test_pages.py::test_an_upload_is_only_its_clerks",
    "imports:template": "tests/imports/test_pages.py::test_only_clerks_reach_the_import_pages",
    "imports:export": "tests/imports/test_pages.py::test_the_export_is_scoped_without_names_and_neutralised",
    "api:schema": "tests/api/test_schema.py::test_the_schema_is_served_at_api_schema",
    "api:docs": "tests/api/test_schema.py::test_the_docs_page_needs_nothing_the_csp_refuses",
    "api:reports": "tests/api/test_reports.py::test_the_list_names_every_report",
    "api:report": "tests/api/test_reports.py::test_an_office_token_matches_the_command_for_its_supervisor",
    "api:incidents": "tests/api/test_incidents.py::test_an_office_token_reads_only_its_office",
    "api:incident": "tests/api/test_incidents.py::test_an_office_token_reads_only_its_office",
    "api:releases": "tests/releases/test_releases.py::test_the_api_gives_the_releases_as_published",
    "api:release": "tests/releases/test_releases.py::test_the_api_gives_the_releases_as_published",
    "releases:index": "tests/releases/test_releases.py::test_clerks_and_admins_get_no_release_page",
    "releases:detail": "tests/releases/test_releases.py::test_an_office_supervisor_reads_but_does_not_check",
    "releases:publish": "tests/releases/test_releases.py::test_an_office_supervisor_reads_but_does_not_check",
    "releases:download": "tests/releases/test_releases.py::test_clerks_and_admins_get_no_release_page",
}


def named_tests() -> dict[str, set[str]]:
    """The URL names each test named above must request, by node id."""
    views: dict[str, set[str]] = defaultdict(set)
    for view, test in COVERED_VIEWS.items():
        views[test].add(view)
    for label, test in COVERED_ADMINS.items():
        views[test].add("admin:{}_{}_changelist".format(*label.split(".")))
    return views


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
    gone = set(COVERED_VIEWS) - names
    assert not gone, f"COVERED_VIEWS lists views that no URL names: {gone}"


def collected_node_ids(paths: set[str]) -> set[str]:
    """The node ids pytest collects from ``paths``, however much of the suite this run selected."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {line for line in result.stdout.splitlines() if "::" in line}


def test_every_named_test_exists():
    """A node id above names a test pytest collects: a test function, or one run of it."""
    files = {test.split("::")[0] for test in named_tests()}
    node_ids = collected_node_ids({path for path in files if (ROOT / path).is_file()})
    tests = node_ids | {node_id.split("[")[0] for node_id in node_ids}
    unknown = set(named_tests()) - tests
    assert not unknown, f"COVERED_VIEWS or COVERED_ADMINS names tests that do not exist: {sorted(unknown)}"


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


def test_a_password_change_changes_only_the_own_password(client, offices):
    clerk, colleague = UserFactory(office=offices[0]), UserFactory(office=offices[0])
    client.force_login(clerk)
    assert client.get(reverse("admin:password_change")).status_code == 200
    new = "another-long-uncommon-passphrase-71"
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": "a-long-test-password", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert response.url == reverse("admin:password_change_done")
    assert client.get(response.url).status_code == 200
    clerk.refresh_from_db()
    colleague.refresh_from_db()
    assert clerk.check_password(new)
    assert colleague.check_password("a-long-test-password")


def test_the_admins_translations_are_the_same_for_every_office(client, offices):
    """The admin's JavaScript catalogue carries messages only, nothing of an office."""
    catalogues = []
    for office in offices:
        client.force_login(UserFactory(office=office))
        response = client.get(reverse("admin:jsi18n"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/javascript")
        catalogues.append(response.content)
    assert catalogues[0] == catalogues[1]
    client.logout()
    assert client.get(reverse("admin:jsi18n")).status_code == 302


def test_an_apps_page_lists_only_what_the_role_may_see(client, offices):
    def models_listed(app_label):
        response = client.get(reverse("admin:app_list", args=[app_label]))
        if response.status_code == 404:
            return None
        assert response.status_code == 200
        return {model["object_name"] for app in response.context["app_list"] for model in app["models"]}

    client.force_login(UserFactory(office=offices[0]))
    assert "Incident" in models_listed("cases")
    assert not {name for name in models_listed("cases") if name.startswith("Historical")}
    assert models_listed("accounts") is None
    client.force_login(UserFactory(role="admin", office=None))
    assert "Incident" not in models_listed("cases")
    assert models_listed("accounts") == {"User"}


def test_only_admins_set_another_accounts_password(client, offices):
    account = UserFactory(office=offices[0])
    url = reverse("admin:auth_user_password_change", args=[account.pk])
    for user in (UserFactory(office=offices[0]), UserFactory(supervisor=True, office=None)):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(UserFactory(role="admin", office=None))
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["original"] == account
