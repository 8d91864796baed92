"""The reports follow the data: a Seoul clerk changes cases through the admin, and exactly the
expected cells of every report move.

Starts from the shipped dataset; every change is a real POST of the admin's entry forms (with
their inline formsets), as a clerk would make it.
"""

import datetime
import json
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure
from casetracker.cases.status import status_of
from casetracker.core.models import Channel, Committee, LocalOffice, Office, School
from casetracker.reports.definitions import REPORT_LIST
from casetracker.reports.engine import CountColumn, ShareColumn
from casetracker.reports.reporting import run_report
from tests.factories import UserFactory
from tests.wipe import delete_with_records

TABLE_A = {"date_from": "2022-01-01", "date_to": "2024-08-31"}
SURVEY = {"date_from": "2024-01-01", "date_to": "2024-09-27"}
TABLE_A_END = datetime.date(2024, 8, 31)


pytestmark = pytest.mark.usefixtures("shipped_data", "db")


@pytest.fixture
def seoul():
    return Office.objects.get(code="seoul")


@pytest.fixture
def clerk(client, seoul):
    """A clerk of the Seoul office, signed in on ``client``."""
    user = UserFactory(office=seoul)
    client.force_login(user)
    return user


@pytest.fixture
def reader():
    return UserFactory(supervisor=True, office=None)


def figures(reader) -> dict[tuple, object]:
    """Every cell of every report, by (report, table, row, column); the survey with table B's period."""
    cells = {}
    for spec in REPORT_LIST:
        result = run_report(spec, reader, SURVEY if spec.name == "survey" else TABLE_A)
        for table in result.tables:
            for row in table.rows:
                for key, value in row.cells.items():
                    cells[spec.name, table.spec.key, row.value, key] = value
    return cells


def moved(before: dict, after: dict) -> dict[tuple, int]:
    """The count cells that changed, with by how much; checks that only shares of those changed too."""
    assert before.keys() == after.keys()
    counts = {}
    shares = set()
    for cell, value in after.items():
        if value == before[cell]:
            continue
        name, table_key, row, key = cell
        column = next(t for r in REPORT_LIST if r.name == name for t in r.tables if t.key == table_key).column(key)
        if isinstance(column, CountColumn):
            counts[cell] = value - before[cell]
        else:
            assert isinstance(column, ShareColumn), cell
            shares.add((cell, column))
    for (name, table_key, row, _key), column in shares:
        denominator = (name, table_key, row, column.denominator) if column.denominator else None
        sources = {(name, table_key, row, column.numerator), denominator, (name, table_key, "total", column.numerator)}
        assert sources & counts.keys(), f"a share moved without its counts: {name} {row} {column.key}"
    return counts


def form_data(response) -> dict:
    """The POST data of an admin change form as shown: its fields and every inline formset."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                data[field.html_name] = [str(item) for item in value]
            elif isinstance(value, datetime.date):
                data[field.html_name] = value.isoformat()
            else:
                data[field.html_name] = "on" if value is True else str(value)
    return data


def post(client, url, data):
    response = client.post(url, data)
    if response.status_code != 302:
        errors = [response.context["adminform"].form.errors]
        errors += [inline.formset.errors for inline in response.context["inline_admin_formsets"]]
        errors += [inline.formset.non_form_errors() for inline in response.context["inline_admin_formsets"]]
        pytest.fail(f"the admin refused the change: {errors}")
    return response


def step(client, incident, name: str, data: dict, *, on=None):
    """Take a step of the case page (its short form), which must be accepted."""
    url = reverse("admin:cases_incident_step", args=[incident.pk, name]) + (f"?on={on.pk}" if on is not None else "")
    response = client.post(url, data)
    if response.status_code != 302:
        pytest.fail(f"the step was refused: {response.context['form'].errors}")
    return response


def admin_url(model, action, *args):
    return reverse(f"admin:cases_{model._meta.model_name}_{action}", args=args)


def test_a_heavy_measure_in_seoul_moves_exactly_its_cells(client, clerk, seoul, reader):
    before = figures(reader)
    school = School.objects.filter(office=seoul, level="high", local_office__isnull=False).first()
    committee = Committee.objects.get(kind=Committee.Kind.SCHOOL_VIOLENCE, local_office=school.local_office)

    # 1. The incident, with one identified high-school student offender and a referral.
    empty = {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}
    post(
        client,
        admin_url(Incident, "add"),
        {
            "office": seoul.pk,
            "case_number": "2024-9001",
            "report_date": "2024-05-10",
            "school": school.pk,
            "content_kind": "sexual_image",
            "image_source": "unknown",
            "content_description": "A composite image shared in a class group chat.",
            "channels": [Channel.objects.get(code="group_chat").pk],
            **{f"{prefix}-{key}": value for prefix in ("victims", "takedown_requests") for key, value in empty.items()},
            "offenders-TOTAL_FORMS": 1,
            "offenders-INITIAL_FORMS": 0,
            "offenders-0-code": "O1",
            "offenders-0-kind": "student",
            "offenders-0-school_level": "high",
            "offenders-0-grade": 2,
            "offenders-0-name": "",
        },
    )
    incident = Incident.objects.get(office=seoul, case_number="2024-9001")
    offender = incident.offenders.get()
    step(client, incident, "refer", {"committee": committee.pk, "on": "2024-05-13"})
    case = CommitteeCase.objects.get(incident=incident)

    # 2. The hearing, and measure 8 (transfer), by the hearing's step on the case page.
    hearing = {"hearing_date": "2024-05-31", "measure-TOTAL_FORMS": 1, "measure-INITIAL_FORMS": 0}
    step(client, incident, "hearing", {**hearing, "measure-0-offender": offender.pk, "measure-0-number": 8}, on=case)
    assert Measure.objects.get(committee_case=case).number == 8

    after = figures(reader)
    assert moved(before, after) == {
        ("offices", "main", "seoul", "measures"): 1,
        ("offices", "main", "seoul", "heavy"): 1,
        ("offices", "main", "total", "measures"): 1,
        ("offices", "main", "total", "heavy"): 1,
        ("measures", "main", 8, "count"): 1,
        ("measures", "main", "heavy", "count"): 1,
        ("measures", "main", "total", "count"): 1,
        ("yearly", "main", 2024, "reports"): 1,
        ("yearly", "main", 2024, "heard"): 1,
        ("yearly", "main", 2024, "offenders"): 1,
        ("yearly", "main", "total", "reports"): 1,
        ("yearly", "main", "total", "heard"): 1,
        ("yearly", "main", "total", "offenders"): 1,
        ("survey", "main", "all", "reports"): 1,
        ("survey", "main", "all", "high"): 1,
        ("channels", "channels", "group_chat", "reports"): 1,
        ("channels", "channels", "total", "reports"): 1,
        ("channels", "sources", "unknown", "reports"): 1,
        ("channels", "sources", "total", "reports"): 1,
        ("timeliness", "main", "seoul", "referred"): 1,
        ("timeliness", "main", "seoul", "heard"): 1,
        ("timeliness", "main", "seoul", "within_21"): 1,
        ("timeliness", "main", "total", "referred"): 1,
        ("timeliness", "main", "total", "heard"): 1,
        ("timeliness", "main", "total", "within_21"): 1,
    }
    # The shares follow: Seoul 9 of 90 heavy, nationally 100 of 630.
    seoul_pct = ("offices", "main", "seoul", "heavy_pct")
    assert (before[seoul_pct], after[seoul_pct]) == (Decimal("9.0"), Decimal("10.0"))
    assert after["offices", "main", "total", "measures"] == 630
    assert after["offices", "main", "total", "heavy"] == 100
    assert after["offices", "main", "total", "heavy_pct"] == Decimal("15.9")
    assert after["measures", "main", 8, "pct"] == Decimal("9.7")  # 61 of 630


def test_a_measure_revoked_on_appeal_leaves_every_count(client, clerk, seoul, reader):
    before = figures(reader)
    measure = (
        Measure.objects.for_user(clerk)
        .final()
        .filter(
            law="art17",
            appeals__isnull=True,
            committee_case__incident__report_date__range=(
                datetime.date(2023, 1, 1),
                datetime.date(2024, 6, 30),
            ),
        )
        .order_by("committee_case__incident__report_date", "pk")
        .first()
    )
    assert measure.committee_case.incident.office == seoul

    # An appeal revokes it, filed and decided by their steps on the case page.
    incident = measure.committee_case.incident
    filed = measure.decided_on + datetime.timedelta(days=14)
    appeal = {"appellant": Appeal.Appellant.OFFENDER, "kind": Appeal.Kind.ADMINISTRATIVE_APPEAL}
    step(client, incident, "appeal", {**appeal, "filed_on": filed.isoformat()}, on=measure)
    decided = (filed + datetime.timedelta(days=30)).isoformat()
    step(
        client,
        incident,
        "decide_appeal",
        {"outcome": Appeal.Outcome.REVOKED, "decided_on": decided},
        on=measure.appeals.get(),
    )
    assert measure.appeals.get().outcome == Appeal.Outcome.REVOKED

    tier = measure.tier.value if hasattr(measure.tier, "value") else measure.tier
    expected = {
        ("offices", "main", "seoul", "measures"): -1,
        ("offices", "main", "seoul", tier): -1,
        ("offices", "main", "total", "measures"): -1,
        ("offices", "main", "total", tier): -1,
        ("measures", "main", measure.number, "count"): -1,
        ("measures", "main", tier, "count"): -1,
        ("measures", "main", "total", "count"): -1,
    }
    if measure.number == 9:
        expected |= {("offices", "main", "seoul", "expulsion"): -1, ("offices", "main", "total", "expulsion"): -1}
    assert moved(before, figures(reader)) == expected


# Every write path, not only the services: the stored status and referrals follow the records -----


def yearly_and_rights(reader) -> dict[tuple, int]:
    """The cells that read the incidents' stored referral flags: the yearly and teacher-rights tables."""
    return {cell: value for cell, value in figures(reader).items() if cell[0] in ("yearly", "teacher-rights")}


def unreferred_incidents(office, year: int):
    """Incidents of ``office`` reported in ``year`` (to August 2024), open and never referred."""
    return (
        Incident.objects.filter(
            office=office, report_date__year=year, report_date__lte=TABLE_A_END, committee_cases__isnull=True
        )
        .filter(closed_on__isnull=True)
        .order_by("pk")
    )


def unreferred_incident(office, year: int) -> Incident:
    return unreferred_incidents(office, year).first()


def committee_of(incident: Incident, kind: str) -> Committee:
    return Committee.objects.get(kind=kind, local_office=incident.school.local_office)


def one_referral_heard(incident: Incident) -> dict[tuple, int]:
    """The yearly cells that move when ``incident`` is referred and heard: its reports, its student
    offenders and victims, in its year and the total."""
    year = incident.report_date.year
    moved = {
        "reports": 1,
        "heard": 1,
        "offenders": incident.offenders.filter(kind="student").count(),
        "student_victims": incident.victims.filter(kind="student").count(),
    }
    return {("yearly", "main", row, key): n for row in (year, "total") for key, n in moved.items() if n}


def difference(before: dict, after: dict) -> dict[tuple, int]:
    return {cell: after[cell] - before[cell] for cell in after if after[cell] != before[cell]}


@pytest.mark.writes_around_services
def test_a_committee_case_written_in_raw_sql_is_counted(seoul, reader):
    before = yearly_and_rights(reader)
    incident = unreferred_incident(seoul, 2024)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_committeecase (created_at, updated_at, version, incident_id, committee_id, "
            "requested_on, hearing_date, extension_reason, closure_reason) "
            "VALUES (%s, %s, 1, %s, %s, %s, %s, '', '')",
            [
                timezone.now(),
                timezone.now(),
                incident.pk,
                committee_of(incident, Committee.Kind.SCHOOL_VIOLENCE).pk,
                incident.report_date + datetime.timedelta(days=2),
                incident.report_date + datetime.timedelta(days=9),
            ],
        )
    assert difference(before, yearly_and_rights(reader)) == one_referral_heard(incident)


@pytest.mark.writes_around_services
def test_a_hearing_recorded_by_queryset_update_is_counted(seoul, reader):
    case = (
        CommitteeCase.objects.filter(
            incident__office=seoul,
            incident__report_date__year=2024,
            committee__kind=Committee.Kind.SCHOOL_VIOLENCE,
            hearing_date__isnull=True,
            closed_on__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    assert case.incident.committee_cases.count() == 1
    before = yearly_and_rights(reader)
    CommitteeCase.objects.filter(pk=case.pk).update(hearing_date=case.requested_on + datetime.timedelta(days=5))
    assert difference(before, yearly_and_rights(reader)) == {
        ("yearly", "main", 2024, "heard"): 1,
        ("yearly", "main", "total", "heard"): 1,
    }
    assert Incident.objects.get(pk=case.incident_id).status == "heard"  # (no measure recorded)


@pytest.mark.writes_around_services
def test_one_object_loaded_with_loaddata_is_counted(seoul, reader, tmp_path):
    before = yearly_and_rights(reader)
    incident = unreferred_incident(seoul, 2022)
    fixture = tmp_path / "one_case.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "cases.committeecase",
                    "pk": 990001,
                    "fields": {
                        "created_at": "2024-01-01T00:00:00Z",
                        "updated_at": "2024-01-01T00:00:00Z",
                        "incident": incident.pk,
                        "committee": committee_of(incident, Committee.Kind.SCHOOL_VIOLENCE).pk,
                        "requested_on": (incident.report_date + datetime.timedelta(days=1)).isoformat(),
                        "hearing_date": (incident.report_date + datetime.timedelta(days=15)).isoformat(),
                    },
                }
            ]
        )
    )
    call_command("loaddata", str(fixture), verbosity=0)
    assert difference(before, yearly_and_rights(reader)) == one_referral_heard(incident)


def test_an_offender_deleted_takes_their_measures_and_the_status_follows(clerk, seoul, reader):
    """An offender deleted with their measures and appeals (no page does: ``no_delete``; what the
    cascade did before): the case, left with none to carry out, is stored as such (the check after
    every test compares the stored fields)."""
    measure = (
        Measure.objects.for_user(clerk)
        .final()
        .filter(law="art17", carried_out_on__isnull=True, committee_case__incident__report_date__year=2024)
        .filter(offender__measures__committee_case__incident__offenders__isnull=False)
        .order_by("pk")
        .first()
    )
    offender = measure.offender
    incident = measure.committee_case.incident
    measures = Measure.objects.final().filter(offender=offender, law="art17")
    counts = Counter(measures.values_list("number", flat=True))
    before = figures(reader)
    delete_with_records(offender)
    after = figures(reader)
    assert after["offices", "main", "seoul", "measures"] == before["offices", "main", "seoul", "measures"] - sum(
        counts.values()
    )
    for number, count in counts.items():
        assert after["measures", "main", number, "count"] == before["measures", "main", number, "count"] - count
    assert after["yearly", "main", 2024, "offenders"] == before["yearly", "main", 2024, "offenders"] - 1
    assert Incident.objects.get(pk=incident.pk).status == status_of(incident)


def test_committee_cases_are_not_deleted_in_bulk_in_the_admin_and_the_figures_stay(client, clerk, seoul, reader):
    """A referral is undone by no page (tests/cases/test_no_path_around_steps.py): the bulk delete
    of the list deletes nothing and no figure moves."""
    cases = list(
        CommitteeCase.objects.filter(
            incident__office=seoul,
            incident__report_date__year=2023,
            committee__kind=Committee.Kind.SCHOOL_VIOLENCE,
            hearing_date__isnull=True,
            measures__isnull=True,
        ).order_by("pk")[:2]
    )
    assert len(cases) == 2
    before = yearly_and_rights(reader)
    client.post(
        admin_url(CommitteeCase, "changelist"),
        {"action": "delete_selected", "_selected_action": [case.pk for case in cases], "post": "yes"},
    )
    assert CommitteeCase.objects.filter(pk__in=[case.pk for case in cases]).count() == 2
    assert difference(before, yearly_and_rights(reader)) == {}


def test_a_committees_kind_changed_in_the_reference_admin_moves_its_cases(client, seoul, reader):
    """Reference data: an admin corrects a committee's kind, and its referrals count under the other."""
    local = LocalOffice.objects.create(office=seoul, code="seoul-new", name_ko="신설교육지원청", name_en="New")
    committee = Committee.objects.create(
        office=seoul, local_office=local, kind=Committee.Kind.TEACHER_RIGHTS, name_ko="교권보호위원회", name_en="TR"
    )
    incidents = list(unreferred_incidents(seoul, 2024)[:2])
    for incident in incidents:
        CommitteeCase.objects.create(
            incident=incident, committee=committee, requested_on=incident.report_date + datetime.timedelta(days=1)
        )
    before = yearly_and_rights(reader)
    client.force_login(UserFactory(superuser=True))
    url = reverse("admin:core_committee_change", args=[committee.pk])
    data = form_data(client.get(url))
    data["kind"] = Committee.Kind.SCHOOL_VIOLENCE
    post(client, url, data)

    offenders = sum(incident.offenders.filter(kind="student").count() for incident in incidents)
    student_victims = sum(incident.victims.filter(kind="student").count() for incident in incidents)
    teachers = sum(incident.victims.filter(kind="teacher").count() for incident in incidents)
    expected = {
        **{("yearly", "main", row, "reports"): 2 for row in (2024, "total")},
        **{("yearly", "main", row, "offenders"): offenders for row in (2024, "total")},
        **{("yearly", "main", row, "student_victims"): student_victims for row in (2024, "total")},
        **{("teacher-rights", "main", row, "reports"): -2 for row in (2024, "total")},
        **{("teacher-rights", "main", row, "student_offenders"): -offenders for row in (2024, "total")},
        **{("teacher-rights", "main", row, "teacher_victims"): -teachers for row in (2024, "total")},
    }
    assert difference(before, yearly_and_rights(reader)) == {cell: n for cell, n in expected.items() if n}
