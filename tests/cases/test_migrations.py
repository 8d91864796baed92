"""A database of the oldest schema, with cases in it, migrated up to today: every incident gets the
status and referrals its records give, and the reports count them.

The rows are written with the historical models of ``cases 0001``, as a database of that day
held them; the migrations after it may use only historical models (never today's code), which
this test would catch as soon as a model changes under them.
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from casetracker.cases.models import Incident
from casetracker.cases.status import Status, out_of_step
from casetracker.reports.definitions import REPORTS_BY_NAME
from casetracker.reports.reporting import run_report
from tests.factories import UserFactory

OLDEST = [("cases", "0001_initial"), ("core", "0001_initial")]
D = datetime.date


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def leaves() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_oldest_schema_migrates_to_the_right_status_and_figures():
    executor = migrate(OLDEST)
    old = executor.loader.project_state(OLDEST).apps
    office = old.get_model("core", "Office").objects.create(code="seoul", name_ko="서울특별시교육청", name_en="Seoul")
    local = old.get_model("core", "LocalOffice").objects.create(
        office=office, code="seoul-gangnam", name_ko="강남서초교육지원청", name_en="Gangnam Seocho"
    )
    school = old.get_model("core", "School").objects.create(
        office=office, local_office=local, code="s1", name_ko="가상고등학교", name_en="Imaginary High", level="high"
    )
    Committee = old.get_model("core", "Committee")
    violence = Committee.objects.create(
        office=office, local_office=local, kind="school_violence", name_ko="심의위원회", name_en="SV committee"
    )
    rights = Committee.objects.create(
        office=office, local_office=local, kind="teacher_rights", name_ko="교권보호위원회", name_en="TR committee"
    )
    Incident0001 = old.get_model("cases", "Incident")
    CommitteeCase = old.get_model("cases", "CommitteeCase")
    Offender = old.get_model("cases", "Offender")
    Measure = old.get_model("cases", "Measure")
    Appeal = old.get_model("cases", "Appeal")

    def incident(number: str):
        return Incident0001.objects.create(
            office=office, school=school, case_number=number, report_date=D(2023, 3, 2), content_kind="sexual_image"
        )

    def heard(case_incident, *numbers):
        offender = Offender.objects.create(
            incident=case_incident, code="O1", kind="student", school_level="high", grade=2
        )
        case = CommitteeCase.objects.create(
            incident=case_incident, committee=violence, requested_on=D(2023, 3, 5), hearing_date=D(2023, 3, 20)
        )
        return [
            Measure.objects.create(
                committee_case=case, offender=offender, law="art17", number=number, decided_on=D(2023, 3, 20)
            )
            for number in numbers
        ]

    reported = incident("2023-0001")
    referred = incident("2023-0002")
    CommitteeCase.objects.create(incident=referred, committee=violence, requested_on=D(2023, 3, 5))
    decided = incident("2023-0003")
    heard(decided, 1, 8)
    appealed = incident("2023-0004")
    [measure] = heard(appealed, 3)
    Appeal.objects.create(measure=measure, appellant="offender", filed_on=D(2023, 4, 1))
    closed = incident("2023-0005")
    CommitteeCase.objects.create(
        incident=closed,
        committee=rights,
        requested_on=D(2023, 3, 5),
        closed_on=D(2023, 3, 9),
        closure_reason="withdrawn",
    )

    migrate(leaves())

    stored = {
        row["case_number"]: row
        for row in Incident.objects.values(
            "case_number",
            "status",
            "status_reason",
            "referred_to_school_violence_committee",
            "heard_by_school_violence_committee",
            "referred_to_teacher_rights_committee",
        )
    }
    assert {number: row["status"] for number, row in stored.items()} == {
        reported.case_number: Status.REPORTED,
        referred.case_number: Status.REFERRED,
        decided.case_number: Status.DECIDED,
        appealed.case_number: Status.UNDER_APPEAL,
        closed.case_number: Status.CLOSED,
    }
    assert stored[closed.case_number]["status_reason"] == "withdrawn"
    assert stored[closed.case_number]["referred_to_teacher_rights_committee"] is True
    assert [number for number, row in stored.items() if row["heard_by_school_violence_committee"]] == [
        decided.case_number,
        appealed.case_number,
    ]
    assert out_of_step(Incident.objects.all()) == []

    # The reports count them: three referrals, two heard, three final Art. 17 measures, one heavy.
    reader = UserFactory(supervisor=True, office=None)
    yearly = run_report(REPORTS_BY_NAME["yearly"], reader, {"date_from": "2023-01-01", "date_to": "2023-12-31"})
    [row_2023] = [row for row in yearly.tables[0].rows if row.value == 2023]
    assert (row_2023.cells["reports"], row_2023.cells["heard"]) == (3, 2)
    offices = run_report(REPORTS_BY_NAME["offices"], reader, {"date_from": "2023-01-01", "date_to": "2023-12-31"})
    [seoul] = [row for row in offices.tables[0].rows if row.value == "seoul"]
    assert (seoul.cells["measures"], seoul.cells["heavy"]) == (3, 1)
