"""Any date the database holds, however absurd (raw SQL can put 9999-12-31 there), breaks no page.

The entry forms refuse such dates (tests/cases/test_date_window.py); these rows are written
around them, as a correction in SQL or a restore would, and every page that reads them must
still answer: the work queue for clerks and supervisors, the admin lists and pages, the
timeline, the reports, the reminders and the exports.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Offender, Separation, TakedownRequest
from casetracker.reports.definitions import REPORT_LIST
from casetracker.workflow import deadlines
from tests.factories import (
    AppealFactory,
    CommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    SeparationFactory,
    TakedownRequestFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.writes_around_services]

LAST_DAY = datetime.date.max  # 9999-12-31


def set_date(model, pk: int, **values) -> None:
    """An UPDATE in SQL, as a correction made around the application would be."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} SET {columns} WHERE {quote(model._meta.pk.column)} = %s",
            [*values.values(), pk],
        )


@pytest.fixture
def absurd():
    """One office with a committee case referred on 9999-12-31, and a measure and an appeal decided on it."""
    incident = IncidentFactory()
    office, school = incident.office, incident.school
    referred = CommitteeCaseFactory(incident=incident)
    set_date(CommitteeCase, referred.pk, requested_on=LAST_DAY)
    measure = MeasureFactory(committee_case__incident=IncidentFactory(office=office, school=school))
    set_date(Measure, measure.pk, decided_on=LAST_DAY)
    appealed = MeasureFactory(number=6, committee_case__incident=IncidentFactory(office=office, school=school))
    appeal = AppealFactory(upheld=True, measure=appealed)
    set_date(Appeal, appeal.pk, decided_on=LAST_DAY)
    set_date(Offender, appealed.offender.pk, expected_graduation_on=LAST_DAY)
    # A report, its takedown request and a separation at the very end of the calendar too.
    late = IncidentFactory(office=office, school=school)
    set_date(Incident, late.pk, report_date=LAST_DAY)
    takedown = TakedownRequestFactory(incident=late)
    set_date(TakedownRequest, takedown.pk, requested_on=LAST_DAY, follow_up_on=LAST_DAY)
    separation = SeparationFactory(incident=late)
    set_date(Separation, separation.pk, starts_on=LAST_DAY - datetime.timedelta(days=7), ends_on=LAST_DAY)
    notified = MeasureFactory(committee_case__incident=IncidentFactory(office=office, school=school))
    set_date(Measure, notified.pk, decided_on=LAST_DAY, notified_on=LAST_DAY)
    return {
        "office": incident.office,
        "cases": [incident, measure.committee_case.incident, appealed.committee_case.incident, late],
        "committee_case": referred,
    }


def users(office):
    return {
        "clerk": UserFactory(office=office, email="clerk@example.org"),
        "office supervisor": UserFactory(supervisor=True, office=office),
        "national supervisor": UserFactory(supervisor=True, office=None),
    }


@pytest.mark.parametrize("role", ["clerk", "office supervisor", "national supervisor"])
def test_the_work_queue_answers(client, absurd, role):
    client.force_login(users(absurd["office"])[role])
    for path in ("workflow:queue", "workflow:open_takedowns", "workflow:retention"):
        response = client.get(reverse(path))
        assert response.status_code == 200, path
    response = client.get(reverse("workflow:queue"), {"sort": "latest"})
    assert response.status_code in (200, 400)


def test_the_queue_shows_the_hearing_due_on_the_last_day(client, absurd):
    client.force_login(users(absurd["office"])["clerk"])
    response = client.get(reverse("workflow:queue"))
    hearing = next(
        item
        for item in (row.record for row in response.context["table"].paginated_rows)
        if item.case_pk == absurd["cases"][0].pk
    )
    assert hearing.deadline == LAST_DAY


def test_the_admin_lists_and_pages_answer(client, absurd):
    client.force_login(users(absurd["office"])["clerk"])
    for model in ("incident", "committeecase", "measure", "appeal"):
        assert client.get(reverse(f"admin:cases_{model}_changelist")).status_code == 200, model
    # The year filter offers the years up to this one, and 9999 on its own: not 8,000 empty years.
    response = client.get(reverse("admin:cases_incident_changelist"))
    years = next(spec for spec in response.context["cl"].filter_specs if spec.parameter_name == "report_date_year")
    this_year = timezone.localdate().year
    assert [year for year, _label in years.lookup_choices] == ["9999", *map(str, range(this_year, 2023, -1))]
    for incident in absurd["cases"]:
        response = client.get(reverse("admin:cases_incident_change", args=[incident.pk]))
        assert response.status_code == 200
        assert response.context["timeline"]
    for model, pk in (
        ("committeecase", absurd["committee_case"].pk),
        *(("measure", pk) for pk in Measure.objects.values_list("pk", flat=True)),
        *(("appeal", pk) for pk in Appeal.objects.values_list("pk", flat=True)),
    ):
        assert client.get(reverse(f"admin:cases_{model}_change", args=[pk])).status_code == 200, model


def test_extending_the_committee_case_asks_for_a_plausible_date(client, absurd):
    client.force_login(users(absurd["office"])["clerk"])
    case = absurd["committee_case"]
    url = reverse("admin:cases_incident_step", args=[case.incident_id, "extend"]) + f"?on={case.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"on": "9999-12-31", "reason": "why not"})
    assert response.status_code == 200
    assert response.context["form"].errors["on"]


@pytest.mark.parametrize("role", ["clerk", "office supervisor", "national supervisor"])
def test_the_reports_and_their_files_answer(client, absurd, role):
    client.force_login(users(absurd["office"])[role])
    for report in REPORT_LIST:
        for name in ("detail", "print", "csv", "xlsx"):
            response = client.get(reverse(f"reports:{name}", args=[report.name]))
            assert response.status_code == 200, (report.name, name)


def test_the_rows_behind_each_count_answer(client, absurd):
    client.force_login(users(absurd["office"])["clerk"])
    for report in REPORT_LIST:
        for table in report.tables:
            for column in table.counts:
                params = {"table": table.key, "column": column.key, "row": "total"}
                response = client.get(reverse("reports:cases", args=[report.name]), params)
                assert response.status_code in (200, 404), (report.name, table.key, column.key)
                assert response.status_code == 200 or not table.total


def test_the_export_answers(client, absurd):
    client.force_login(users(absurd["office"])["clerk"])
    for file_format in ("xlsx", "zip"):
        response = client.get(reverse("imports:export"), {"office": absurd["office"].code, "format": file_format})
        assert response.status_code == 200, file_format


def test_the_reminders_are_sent(absurd, mailoutbox):
    users(absurd["office"])
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert len(mailoutbox) == 1


def test_the_deadlines_stop_at_the_last_day():
    assert deadlines.hearing_deadline(referred_on=LAST_DAY, extended=True) == LAST_DAY
    assert deadlines.carry_out_deadline(decided_on=LAST_DAY) == LAST_DAY
    assert deadlines.appeal_deadline(decided_on=LAST_DAY, notified_on=LAST_DAY) == LAST_DAY
    assert deadlines.record_deletion_due(number=6, graduated_on=LAST_DAY) == LAST_DAY
    assert deadlines.urgency(deadline=LAST_DAY, today=LAST_DAY) == deadlines.Urgency.THIS_WEEK
    assert CommitteeCase(requested_on=LAST_DAY).hearing_deadline == LAST_DAY
