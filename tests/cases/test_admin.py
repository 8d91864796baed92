"""The clerks' entry forms: every case admin opens, and the incident, committee-case and
measure pages save what is valid, in one go, and refuse what is not with a field error."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import override

from casetracker.cases.models import (
    CommitteeCase,
    Incident,
    Offender,
    ProtectionMeasure,
    TakedownRequest,
    Victim,
)
from casetracker.core.formatting import format_date
from casetracker.core.models import Committee, SchoolLevel
from tests.conftest import registered_models
from tests.factories import (
    AppealFactory,
    ChannelFactory,
    CommitteeCaseFactory,
    CommitteeFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    SchoolFactory,
    VictimFactory,
)

pytestmark = [
    pytest.mark.django_db,
    # A paginated list without a stable order can skip or repeat rows (autocomplete, changelists).
    pytest.mark.filterwarnings("error::django.core.paginator.UnorderedObjectListWarning"),
]

INCIDENT_ADD = reverse("admin:cases_incident_add")


@pytest.fixture(autouse=True)
def english(admin_client):
    """The pages in English, so the messages compare with the models' source strings."""
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def english_date(value: datetime.date) -> str:
    """``value`` as an English page writes it in a message (e.g. May 2, 2024)."""
    with override("en"):
        return format_date(value)


@pytest.mark.parametrize("model", registered_models(app_label="cases"))
def test_admin_pages_open(check_admin_pages, model):
    check_admin_pages(model)


# Posting the admin's own forms --------------------------------------------------------------


def page_data(response) -> dict:
    """What the page would post back untouched: its main form, and each inline's management
    form, existing rows and open rows, as the admin rendered them."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.initial_forms)
        forms.extend(inline.formset.extra_forms)  # (a new case's open rows, as they opened: not saved)
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = [str(item) for item in value] if isinstance(value, list) else value
    return data


def inline_formset(response, model):
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is model:
            return inline.formset
    raise AssertionError(f"no inline for {model.__name__} on this page")


def add_rows(data: dict, response, model, rows: list[dict]) -> None:
    """Fill in new inline rows the way the 'Add another' button does."""
    prefix = inline_formset(response, model).prefix
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for index, row in enumerate(rows, start=total):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(total + len(rows))


def page_errors(response) -> dict:
    """Every error a posted page shows, by form, for readable failures."""
    if response.status_code != 200 or not response.context:
        return {}
    errors = {"form": response.context["adminform"].form.errors}
    for inline in response.context["inline_admin_formsets"]:
        errors[inline.formset.prefix] = [inline.formset.non_form_errors(), *inline.formset.errors]
    return errors


def incident_form(school, *, case_number="2024-0042", report_date="2024-05-02") -> dict:
    return {
        "office": str(school.office_id),
        "case_number": case_number,
        "report_date": report_date,
        "school": str(school.pk),
        "content_kind": Incident.ContentKind.SEXUAL_IMAGE,
        "image_source": Incident.ImageSource.SOCIAL_PROFILE,
        "content_description": "Composite images of two classmates shared in a group chat.",
        "police_referred_on": "2024-05-03",
    }


@pytest.fixture
def middle_school():
    return SchoolFactory(level=SchoolLevel.MIDDLE)


@pytest.fixture
def committee(middle_school):
    return CommitteeFactory(office=middle_school.office, local_office=middle_school.local_office)


# Incident page ---------------------------------------------------------------------------------


def test_incident_with_people_and_takedown_in_one_post(admin_client, middle_school):
    channels = ChannelFactory.create_batch(2)
    page = admin_client.get(INCIDENT_ADD)
    data = page_data(page)
    data.update(incident_form(middle_school), channels=[str(channel.pk) for channel in channels])
    add_rows(
        data,
        page,
        Victim,
        [
            {"code": "V1", "kind": "student", "school_level": "middle", "grade": "2"},
            {"code": "V2", "kind": "teacher", "school_level": "", "grade": ""},
        ],
    )
    add_rows(
        data,
        page,
        Offender,
        [
            {"code": "O1", "kind": "student", "school_level": "middle", "grade": "3", "name": "김철수"},
            {"code": "O2", "kind": "unidentified", "school_level": "", "grade": "", "name": ""},
        ],
    )
    add_rows(
        data, page, TakedownRequest, [{"platform": "telegram", "requested_on": "2024-05-03", "outcome": "requested"}]
    )
    # (A referral is a step of the saved case: tests/cases/test_case_steps.py.)

    response = admin_client.post(INCIDENT_ADD, data)

    assert response.status_code == 302, page_errors(response)
    incident = Incident.objects.get()
    assert (incident.office, incident.school, incident.case_number) == (
        middle_school.office,
        middle_school,
        "2024-0042",
    )
    assert incident.police_referred_on == datetime.date(2024, 5, 3)
    assert set(incident.channels.all()) == set(channels)
    assert sorted(incident.victims.values_list("code", "kind", "grade")) == [
        ("V1", "student", 2),
        ("V2", "teacher", None),
    ]
    assert sorted(incident.offenders.values_list("code", "kind", "name")) == [
        ("O1", "student", "김철수"),
        ("O2", "unidentified", ""),
    ]
    assert list(incident.takedown_requests.values_list("platform", "requested_on")) == [
        ("telegram", datetime.date(2024, 5, 3))
    ]
    assert not incident.committee_cases.exists()


INVALID_ROWS = [
    pytest.param(
        Victim,
        {"code": "V1", "kind": "student", "school_level": "middle", "grade": ""},
        "grade",
        "Give the grade of a student.",
        id="student-victim-without-grade",
    ),
    pytest.param(
        Victim,
        {"code": "V1", "kind": "student", "school_level": "middle", "grade": "4"},
        "grade",
        "A middle school has grades 1 to 3.",
        id="middle-school-grade-4",
    ),
    pytest.param(
        Offender,
        {"code": "O1", "kind": "unidentified", "school_level": "", "grade": "", "name": "김철수"},
        "name",
        "An offender who is not identified has no name.",
        id="unidentified-offender-with-name",
    ),
    pytest.param(
        TakedownRequest,
        {"platform": "telegram", "requested_on": "2024-05-03", "outcome": "removed", "answered_on": "2024-05-02"},
        "answered_on",
        "The answer cannot be before the request.",
        id="takedown-answered-before-request",
    ),
    # (The committee cases' rules, through the step forms: tests/cases/test_case_steps.py.)
]


@pytest.mark.parametrize(("model", "row", "field", "message"), INVALID_ROWS)
def test_an_invalid_inline_row_saves_nothing(admin_client, middle_school, committee, model, row, field, message):
    page = admin_client.get(INCIDENT_ADD)
    data = page_data(page)
    data.update(incident_form(middle_school))
    # A valid row next to the invalid one: it must not be saved either.
    add_rows(data, page, Victim, [{"code": "V9", "kind": "teacher", "school_level": "", "grade": ""}])
    add_rows(data, page, model, [{name: value.format(committee=committee.pk) for name, value in row.items()}])

    response = admin_client.post(INCIDENT_ADD, data)

    assert response.status_code == 200
    row_form = inline_formset(response, model).forms[-1]
    assert row_form.errors[field] == [message]
    assert escape(message) in response.content.decode()
    assert not Incident.objects.exists()
    assert not Victim.objects.exists()
    assert not Offender.objects.exists()
    assert not TakedownRequest.objects.exists()
    assert not CommitteeCase.objects.exists()


def test_an_invalid_incident_with_valid_rows_saves_nothing(admin_client, middle_school, committee):
    page = admin_client.get(INCIDENT_ADD)
    data = page_data(page)
    data.update(incident_form(middle_school), police_referred_on="2024-05-01")
    add_rows(data, page, Victim, [{"code": "V1", "kind": "student", "school_level": "middle", "grade": "1"}])

    response = admin_client.post(INCIDENT_ADD, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["police_referred_on"] == [
        "The police referral cannot be before the report."
    ]
    assert not Incident.objects.exists()
    assert not Victim.objects.exists()


def test_incident_change_page_keeps_the_rows_and_adds_one(admin_client):
    channel = ChannelFactory()
    victim = VictimFactory(incident=IncidentFactory(channels=[channel]))
    incident = victim.incident
    url = reverse("admin:cases_incident_change", args=[incident.pk])
    page = admin_client.get(url)
    data = page_data(page)
    add_rows(data, page, Victim, [{"code": "V-new", "kind": "staff", "school_level": "", "grade": ""}])

    response = admin_client.post(url, data)

    assert response.status_code == 302, page_errors(response)
    assert sorted(incident.victims.values_list("code", flat=True)) == sorted([victim.code, "V-new"])
    assert list(incident.channels.all()) == [channel]


def test_an_offender_with_measures_cannot_lose_identification_on_the_incident_page(admin_client):
    offender = MeasureFactory().offender
    url = reverse("admin:cases_incident_change", args=[offender.incident.pk])
    page = admin_client.get(url)
    data = page_data(page)
    prefix = inline_formset(page, Offender).prefix
    data.update({f"{prefix}-0-kind": "unidentified", f"{prefix}-0-school_level": "", f"{prefix}-0-grade": ""})

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert inline_formset(response, Offender).forms[0].errors["kind"]
    offender.refresh_from_db()
    assert offender.kind == "student"


# (Measures and appeals are decided by the workflow's steps: tests/cases/test_case_steps.py.)


# Changelists: search, filters, date hierarchy ---------------------------------------------------------


def result_pks(response) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


@pytest.fixture
def incidents():
    """Three incidents across two offices, two school levels, two years and both committee kinds."""
    middle = SchoolFactory(level=SchoolLevel.MIDDLE, name_ko="한빛중학교")
    telegram = ChannelFactory(code="telegram")
    rows = {
        "2023-middle": IncidentFactory(
            school=middle, office=middle.office, case_number="2023-0001", report_date=datetime.date(2023, 3, 10)
        ),
        "2024-high": IncidentFactory(
            school=SchoolFactory(office=middle.office, level=SchoolLevel.HIGH, name_ko="한빛고등학교"),
            office=middle.office,
            case_number="2024-0001",
            report_date=datetime.date(2024, 4, 1),
            channels=[telegram],
        ),
        "other-office": IncidentFactory(
            school=SchoolFactory(level=SchoolLevel.HIGH, name_ko="새솔고등학교"),
            case_number="2024-0001",
            report_date=datetime.date(2024, 6, 5),
        ),
    }
    CommitteeCaseFactory(incident=rows["2023-middle"])
    CommitteeCaseFactory(incident=rows["2024-high"], committee__kind=Committee.Kind.TEACHER_RIGHTS)
    CommitteeCaseFactory(incident=rows["2024-high"])
    return rows


def pks(rows: dict, *names: str) -> set[int]:
    return {rows[name].pk for name in names}


def test_incident_changelist_search_filters_and_date_hierarchy(admin_client, incidents):
    url = reverse("admin:cases_incident_changelist")
    office = incidents["2023-middle"].office_id

    assert result_pks(admin_client.get(url, {"q": "2024-0001"})) == pks(incidents, "2024-high", "other-office")
    assert result_pks(admin_client.get(url, {"q": "2024"})) == set()  # case numbers match exactly
    assert result_pks(admin_client.get(url, {"q": "한빛"})) == pks(incidents, "2023-middle", "2024-high")
    assert result_pks(admin_client.get(url, {"q": "2024-0001", "office__id__exact": office})) == pks(
        incidents, "2024-high"
    )
    assert result_pks(admin_client.get(url, {"school__level__exact": "high", "report_date_year": "2024"})) == pks(
        incidents, "2024-high", "other-office"
    )
    assert result_pks(admin_client.get(url, {"report_date_year": "2023"})) == pks(incidents, "2023-middle")
    assert result_pks(admin_client.get(url, {"channels__id__exact": incidents["2024-high"].channels.get().pk})) == pks(
        incidents, "2024-high"
    )
    # An incident with two committee cases is listed once.
    assert [
        row.pk for row in admin_client.get(url, {"committee_kind": "school_violence"}).context["cl"].result_list
    ] == [incidents["2024-high"].pk, incidents["2023-middle"].pk]
    assert result_pks(admin_client.get(url, {"committee_kind": "teacher_rights"})) == pks(incidents, "2024-high")


def test_committee_case_changelist_search_filters_and_date_hierarchy(admin_client, incidents):
    url = reverse("admin:cases_committeecase_changelist")
    teacher_rights = CommitteeCase.objects.get(committee__kind="teacher_rights")
    assert result_pks(admin_client.get(url, {"committee__kind__exact": "teacher_rights"})) == {teacher_rights.pk}
    assert result_pks(admin_client.get(url, {"q": "2023-0001", "requested_on_year": "2023"})) == set(
        incidents["2023-middle"].committee_cases.values_list("pk", flat=True)
    )
    assert result_pks(admin_client.get(url, {"q": "2023-0001", "requested_on_year": "2024"})) == set()


def test_measure_and_appeal_changelists_search_and_filter(admin_client):
    measure = MeasureFactory(number=8, offender__code="O-77")
    other = MeasureFactory(number=2)
    appeal = AppealFactory(measure=measure, changed=True, replacement_number=7)
    url = reverse("admin:cases_measure_changelist")

    assert result_pks(admin_client.get(url, {"q": "O-77"})) == {measure.pk, appeal.replacement.pk}
    assert result_pks(admin_client.get(url, {"q": "O-77", "number": "8"})) == {measure.pk}
    assert result_pks(admin_client.get(url, {"law__exact": "art17", "decided_on_year": "2024"})) == {
        measure.pk,
        other.pk,
        appeal.replacement.pk,
    }
    finality = {row.pk: row.is_final for row in admin_client.get(url).context["cl"].result_list}
    assert finality == {measure.pk: False, other.pk: True, appeal.replacement.pk: True}

    url = reverse("admin:cases_appeal_changelist")
    case_number = measure.committee_case.incident.case_number
    assert result_pks(admin_client.get(url, {"q": case_number, "outcome__exact": "changed"})) == {appeal.pk}
    assert result_pks(admin_client.get(url, {"outcome__exact": "pending"})) == set()


def test_people_changelists_never_search_by_name(admin_client):
    victim = VictimFactory(code="V-5", name="이영희")
    offender = OffenderFactory(incident=victim.incident, code="O-5", name="김철수")
    for model, person in ((Victim, victim), (Offender, offender)):
        url = reverse(f"admin:cases_{model._meta.model_name}_changelist")
        assert result_pks(admin_client.get(url, {"q": person.code, "kind__exact": "student"})) == {person.pk}
        response = admin_client.get(url, {"q": person.name})
        assert result_pks(response) == set()
        assert person.name not in admin_client.get(url).content.decode()


# Query counts ---------------------------------------------------------------------------------------


def test_incident_changelist_query_count_does_not_grow(admin_client, django_assert_max_num_queries):
    url = reverse("admin:cases_incident_changelist")
    CommitteeCaseFactory(incident=IncidentFactory(channels=[ChannelFactory()]))
    with CaptureQueriesContext(connection) as one:
        assert len(admin_client.get(url).context["cl"].result_list) == 1

    for _ in range(9):
        CommitteeCaseFactory(incident=IncidentFactory(channels=[ChannelFactory()]))
    with django_assert_max_num_queries(len(one)):
        assert len(admin_client.get(url).context["cl"].result_list) == 10


# Pages that add a record and its inline rows together --------------------------------------------


def test_victim_page_without_incident_is_a_field_error_even_with_protection_measures(admin_client):
    url = reverse("admin:cases_victim_add")
    page = admin_client.get(url)
    data = page_data(page)
    data.update(code="V1", kind="student", school_level="middle", grade="2")
    add_rows(data, page, ProtectionMeasure, [{"number": "1", "ordered_on": "2024-05-03"}])

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "incident" in response.context["adminform"].form.errors
    assert not Victim.objects.exists()
    assert not ProtectionMeasure.objects.exists()


def test_victim_page_saves_the_victim_with_protection_measures(admin_client):
    incident = IncidentFactory()
    url = reverse("admin:cases_victim_add")
    page = admin_client.get(url)
    data = page_data(page)
    data.update(incident=str(incident.pk), code="V1", kind="student", school_level="high", grade="1")
    add_rows(data, page, ProtectionMeasure, [{"number": "4", "ordered_on": str(incident.report_date)}])

    response = admin_client.post(url, data)

    assert response.status_code == 302, page_errors(response)
    assert list(ProtectionMeasure.objects.values_list("victim__code", "number")) == [("V1", 4)]


def test_protection_measure_for_a_teacher_is_refused_on_the_page(admin_client):
    victim = VictimFactory(teacher=True)
    url = reverse("admin:cases_victim_change", args=[victim.pk])
    page = admin_client.get(url)
    data = page_data(page)
    add_rows(data, page, ProtectionMeasure, [{"number": "1", "ordered_on": str(victim.incident.report_date)}])

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert inline_formset(response, ProtectionMeasure).forms[0].non_field_errors() == [
        "Art. 16 protection measures are for student victims."
    ]
    assert not ProtectionMeasure.objects.exists()


def test_a_case_number_taken_meanwhile_shows_the_form_again_not_a_server_error(
    admin_client, middle_school, committee, monkeypatch
):
    """Two clerks post the same proposed case number at once: both pass the page's checks, and
    the second's save is refused. Its clerk sees the form with the error and what they typed."""
    page = admin_client.get(INCIDENT_ADD)
    data = page_data(page)
    data.update(incident_form(middle_school))
    add_rows(data, page, Victim, [{"code": "V1", "kind": "student", "school_level": "middle", "grade": "1"}])
    # The other clerk's case is saved; this page's check of the number ran just before it was.
    IncidentFactory(office=middle_school.office, school=middle_school, case_number="2024-0042")
    check = Incident.validate_constraints
    checked = []

    def check_before_the_other_clerk_saved(self, exclude=None):
        if not checked:
            checked.append(self)
            return None
        return check(self, exclude=exclude)

    monkeypatch.setattr(Incident, "validate_constraints", check_before_the_other_clerk_saved)
    response = admin_client.post(INCIDENT_ADD, data)

    assert response.status_code == 200
    assert "This office of education already has a case with this number." in str(page_errors(response))
    assert response.context["adminform"].form["content_description"].value() == data["content_description"]
    assert Incident.objects.count() == 1 and not Victim.objects.exists()
