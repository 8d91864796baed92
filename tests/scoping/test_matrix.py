"""Role x URL x own office / other office: every path to a case respects the scope.

Seoul and Gyeonggi each have a full case (incident, people, committee case, measure,
appeal). Each role opens every admin URL of every case model, for the Seoul record
(own office for the Seoul accounts) and the Gyeonggi one (another office).
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from casetracker.audit.models import AccessLog
from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Offender, Victim
from tests.factories import (
    AppealFactory,
    MeasureFactory,
    OffenderVictimRelationFactory,
    OfficeFactory,
    ProtectionMeasureFactory,
    SchoolFactory,
    TakedownRequestFactory,
    UserFactory,
)

VICTIM_NAME = "김비밀피해자"
OFFENDER_NAME = "이비밀가해자"
CASE_MODELS = [Incident, Victim, Offender, CommitteeCase, Measure, Appeal]
STEP_MODELS = (CommitteeCase, Measure, Appeal)  # no add or delete page: the workflow's steps create them

# Expected status per role for: list, add, own record (change/history/delete), other office's record.
OK, NOT_FOUND, FORBIDDEN = 200, 302, 403
EXPECTED = {
    # role: (list, add, own change, own history, own delete, other change, other history, other delete)
    "clerk_seoul": (OK, OK, OK, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    "supervisor_seoul": (OK, FORBIDDEN, OK, OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN),
    "supervisor_national": (OK, FORBIDDEN, OK, OK, FORBIDDEN, OK, OK, FORBIDDEN),
    # Admins manage accounts and reference data; to them a case does not exist (history
    # answers "not found" before asking for permission, as Django's history view does).
    "admin": (FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN),
}


def full_case(office):
    """One case of ``office`` with a record of every case model."""
    school = SchoolFactory(office=office)
    measure = MeasureFactory(
        committee_case__incident__office=office,
        committee_case__incident__school=school,
        offender__name=OFFENDER_NAME,
    )
    incident = measure.committee_case.incident
    relation = OffenderVictimRelationFactory(offender=measure.offender, victim__name=VICTIM_NAME)
    ProtectionMeasureFactory(victim=relation.victim)
    TakedownRequestFactory(incident=incident)
    appeal = AppealFactory(measure=measure)
    return {
        Incident: incident,
        Victim: relation.victim,
        Offender: measure.offender,
        CommitteeCase: measure.committee_case,
        Measure: measure,
        Appeal: appeal,
    }


@pytest.fixture
def world(db):
    seoul, gyeonggi = OfficeFactory(code="seoul"), OfficeFactory(code="gyeonggi")
    users = {
        "clerk_seoul": UserFactory(username="clerk_seoul", office=seoul),
        "clerk_gyeonggi": UserFactory(username="clerk_gyeonggi", office=gyeonggi),
        "supervisor_seoul": UserFactory(username="supervisor_seoul", supervisor=True, office=seoul),
        "supervisor_national": UserFactory(username="supervisor_national", supervisor=True, office=None),
        "admin": UserFactory(username="admin_role", role="admin", office=None),
    }
    return {"users": users, "seoul": full_case(seoul), "gyeonggi": full_case(gyeonggi)}


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", CASE_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_by_url_by_office(client, world, role, model):
    client.force_login(world["users"][role])
    own, other = world["seoul"][model], world["gyeonggi"][model]
    statuses = (
        client.get(url(model, "changelist")).status_code,
        client.get(url(model, "add")).status_code,
        client.get(url(model, "change", own.pk)).status_code,
        client.get(url(model, "history", own.pk)).status_code,
        client.get(url(model, "delete", own.pk)).status_code,
        client.get(url(model, "change", other.pk)).status_code,
        client.get(url(model, "history", other.pk)).status_code,
        client.get(url(model, "delete", other.pk)).status_code,
    )
    expected = EXPECTED[role]
    if model in STEP_MODELS:
        # (created by the case page's steps only, and deleted by nobody: refused before it is looked up)
        expected = (expected[0], FORBIDDEN, *expected[2:4], FORBIDDEN, *expected[5:7], FORBIDDEN)
    assert statuses == expected


@pytest.mark.parametrize("model", CASE_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("clerk_seoul", {"seoul"}),
        ("clerk_gyeonggi", {"gyeonggi"}),
        ("supervisor_seoul", {"seoul"}),
        ("supervisor_national", {"seoul", "gyeonggi"}),
    ],
)
def test_lists_show_only_the_scope(client, world, role, model, sees):
    client.force_login(world["users"][role])
    listed = {obj.pk for obj in client.get(url(model, "changelist")).context["cl"].result_list}
    assert listed == {world[office][model].pk for office in sees}


def test_opening_another_offices_case_redirects_and_is_logged(client, world):
    client.force_login(world["users"]["clerk_seoul"])
    other = world["gyeonggi"][Incident]
    response = client.get(url(Incident, "change", other.pk))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    entry = AccessLog.objects.get(action=AccessLog.Action.DENIED)
    assert entry.username == "clerk_seoul"
    assert str(other.pk) in entry.detail
    assert other.case_number not in entry.detail


def test_a_clerk_cannot_change_or_delete_another_offices_case_by_post(client, world):
    client.force_login(world["users"]["clerk_seoul"])
    other = world["gyeonggi"][Incident]
    client.post(url(Incident, "change", other.pk), {"case_number": "HIJACKED"})
    client.post(url(Incident, "delete", other.pk), {"post": "yes"})
    other.refresh_from_db()
    assert other.case_number != "HIJACKED"


def test_bulk_delete_action_only_reaches_the_scope(client, world):
    client.force_login(world["users"]["clerk_seoul"])
    other = world["gyeonggi"][Victim]
    client.post(
        url(Victim, "changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )
    assert Victim.objects.filter(pk=other.pk).exists()


def test_a_supervisor_cannot_change_anything(client, world):
    client.force_login(world["users"]["supervisor_national"])
    incident = world["seoul"][Incident]
    assert client.post(url(Incident, "change", incident.pk), {"case_number": "X"}).status_code == 403
    assert client.post(url(Incident, "delete", incident.pk), {"post": "yes"}).status_code == 403
    assert client.post(url(Incident, "add"), {}).status_code == 403
    incident.refresh_from_db()
    assert incident.case_number != "X"


def test_forged_choices_from_another_office_are_refused(client, world):
    """A clerk posting another office's school or committee gets a field error, not a record."""
    client.force_login(world["users"]["clerk_seoul"])
    seoul_incident = world["seoul"][Incident]
    gyeonggi_incident = world["gyeonggi"][Incident]
    refer = {"committee": world["gyeonggi"][CommitteeCase].committee_id, "on": "2024-06-01"}
    response = client.post(reverse("admin:cases_incident_step", args=[gyeonggi_incident.pk, "refer"]), refer)
    assert response.status_code == 302  # (another office's case is not found)
    response = client.post(reverse("admin:cases_incident_step", args=[seoul_incident.pk, "refer"]), refer)
    assert response.status_code == 200
    assert "committee" in response.context["form"].errors
    assert CommitteeCase.objects.count() == 2
    response = client.post(
        url(Victim, "add"),
        {"incident": gyeonggi_incident.pk, "code": "V9", "kind": "teacher"},
    )
    assert "incident" in response.context["adminform"].form.errors
    assert not Victim.objects.filter(code="V9").exists()
    assert seoul_incident.victims.exists()


AUTOCOMPLETES = [
    ("cases", "incident", "office", "office"),
    ("cases", "incident", "school", "seoul_school"),
    ("cases", "offender", "incident", Incident),
    ("cases", "victim", "incident", Incident),
]


def autocomplete_ids(client, app_label, model_name, field_name):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": ""},
    )
    return response.status_code, {int(result["id"]) for result in response.json().get("results", [])} if (
        response.status_code == 200
    ) else set()


def expected_choice(world, office, target):
    if target == "office":
        return world[office][Incident].office_id
    if target == "seoul_school":
        return world[office][Incident].school_id
    if target == "seoul_committee":
        return world[office][CommitteeCase].committee_id
    return world[office][target].pk


@pytest.mark.parametrize(("app_label", "model_name", "field_name", "target"), AUTOCOMPLETES)
def test_autocomplete_offers_only_the_scope(client, world, app_label, model_name, field_name, target):
    client.force_login(world["users"]["clerk_seoul"])
    status, ids = autocomplete_ids(client, app_label, model_name, field_name)
    assert status == 200
    assert expected_choice(world, "seoul", target) in ids
    assert expected_choice(world, "gyeonggi", target) not in ids

    client.force_login(world["users"]["supervisor_national"])
    status, ids = autocomplete_ids(client, app_label, model_name, field_name)
    assert status == 200
    assert {expected_choice(world, "seoul", target), expected_choice(world, "gyeonggi", target)} <= ids

    client.force_login(world["users"]["admin"])
    status, ids = autocomplete_ids(client, app_label, model_name, field_name)
    if isinstance(target, str):  # reference data: the admins' to manage, every office's
        assert {expected_choice(world, "seoul", target), expected_choice(world, "gyeonggi", target)} <= ids
    else:  # case records: not theirs
        assert status == 403


def test_autocompletes_cover_every_autocomplete_field():
    declared = {
        (model._meta.app_label, model._meta.model_name, field)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "cases"
        for field in model_admin.autocomplete_fields
    }
    assert declared == {(app, model, field) for app, model, field, _target in AUTOCOMPLETES}


# Identities --------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Incident, Victim, Offender], ids=lambda m: m.__name__)
def test_names_only_for_the_offices_clerks(client, world, model):
    record = world["seoul"][model]
    name = OFFENDER_NAME if model is Offender else VICTIM_NAME
    client.force_login(world["users"]["clerk_seoul"])
    assert name in client.get(url(model, "change", record.pk)).content.decode()
    for role in ("supervisor_seoul", "supervisor_national"):
        client.force_login(world["users"][role])
        assert name not in client.get(url(model, "change", record.pk)).content.decode()


@pytest.mark.parametrize("model", CASE_MODELS, ids=lambda m: m.__name__)
def test_names_never_in_lists(client, world, model):
    client.force_login(world["users"]["clerk_seoul"])
    page = client.get(url(model, "changelist")).content.decode()
    assert VICTIM_NAME not in page
    assert OFFENDER_NAME not in page


def test_a_clerk_enters_a_case_of_their_office(client, world):
    clerk = world["users"]["clerk_seoul"]
    client.force_login(clerk)
    form = client.get(url(Incident, "add")).context["adminform"].form
    assert form.initial["office"] == clerk.office_id
    assert form.initial["case_number"].endswith("-0001")
    school = world["seoul"][Incident].school
    data = {
        "office": clerk.office_id,
        "school": school.pk,
        "case_number": "2024-0100",
        "report_date": "2024-06-03",
        "content_kind": "sexual_image",
        "image_source": "unknown",
        "content_description": "",
        **{
            f"{prefix}-{key}": value
            for prefix in ("victims", "offenders", "takedown_requests", "committee_cases")
            for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()
        },
    }
    response = client.post(url(Incident, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Incident.objects.get(case_number="2024-0100").office == clerk.office

    gyeonggi = world["gyeonggi"][Incident]
    response = client.post(url(Incident, "add"), {**data, "case_number": "2024-0101", "office": gyeonggi.office_id})
    assert response.status_code == 200
    assert "office" in response.context["adminform"].form.errors
    assert not Incident.objects.filter(case_number="2024-0101").exists()


def test_every_page_names_the_role_and_office_and_links_two_factor(client, world):
    client.force_login(world["users"]["clerk_seoul"])
    page = client.get(reverse("admin:index")).content.decode()
    assert "clerk_seoul" in page
    assert world["users"]["clerk_seoul"].office.name in page
    assert reverse("accounts:two_factor") in page
    assert reverse("set_language") in page


def test_no_admin_searches_or_filters_by_name():
    """Identities never travel in URLs or query strings: nothing can be searched or filtered by name."""
    for model_admin in admin.site._registry.values():
        lookups = [*model_admin.search_fields, *map(str, model_admin.list_filter)]
        assert not [lookup for lookup in lookups if lookup.lstrip("=^@").split("__")[-1] == "name"], model_admin


def test_the_admin_links_to_reports_only_for_report_readers(client, world):
    client.force_login(world["users"]["clerk_seoul"])
    assert reverse("reports:index") in client.get(reverse("admin:index")).content.decode()
    client.force_login(world["users"]["admin"])
    assert reverse("reports:index") not in client.get(reverse("admin:index")).content.decode()
