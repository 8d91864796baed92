"""The reports follow the data: a Seoul clerk changes cases through the admin, and exactly the
expected cells of every report move.

Starts from the shipped dataset; every change is a real POST of the admin's entry forms (with
their inline formsets), as a clerk would make it.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure
from casetracker.core.models import Channel, Committee, Office, School
from casetracker.reports.definitions import REPORT_LIST
from casetracker.reports.engine import CountColumn, ShareColumn
from casetracker.reports.reporting import run_report
from tests.factories import UserFactory

TABLE_A = {"date_from": "2022-01-01", "date_to": "2024-08-31"}
SURVEY = {"date_from": "2024-01-01", "date_to": "2024-09-27"}


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
            "committee_cases-TOTAL_FORMS": 1,
            "committee_cases-INITIAL_FORMS": 0,
            "committee_cases-0-committee": committee.pk,
            "committee_cases-0-requested_on": "2024-05-13",
        },
    )
    incident = Incident.objects.get(office=seoul, case_number="2024-9001")
    case = CommitteeCase.objects.get(incident=incident)
    offender = incident.offenders.get()

    # 2. The hearing, and measure 8 (transfer) entered on the committee case's page.
    url = admin_url(CommitteeCase, "change", case.pk)
    data = form_data(client.get(url))
    data.update(
        {
            "hearing_date": "2024-05-31",
            "measures-TOTAL_FORMS": 1,
            "measures-0-offender": offender.pk,
            "measures-0-number": 8,
            "measures-0-decided_on": "2024-05-31",
        }
    )
    post(client, url, data)
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

    # An appeal revokes it, entered on the measure's page.
    url = admin_url(Measure, "change", measure.pk)
    data = form_data(client.get(url))
    filed = measure.decided_on + datetime.timedelta(days=14)
    data.update(
        {
            "appeals-TOTAL_FORMS": 1,
            "appeals-0-appellant": Appeal.Appellant.OFFENDER,
            "appeals-0-kind": Appeal.Kind.ADMINISTRATIVE_APPEAL,
            "appeals-0-filed_on": filed.isoformat(),
            "appeals-0-outcome": Appeal.Outcome.REVOKED,
            "appeals-0-decided_on": (filed + datetime.timedelta(days=30)).isoformat(),
        }
    )
    post(client, url, data)
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
