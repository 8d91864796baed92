"""The shipped dataset reproduces every figure of domain.md (tables A, B and C).

Each figure is counted here with the ORM over the loaded rows; the fixtures store no
counts. The expected values are domain.md's.
"""

import datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db.models import Count

from casetracker.cases.models import Incident, Measure, Offender, TakedownRequest, Tier, Victim
from casetracker.cases.shipped_data import FILES
from casetracker.core.models import Committee, Office
from casetracker.datasets import published
from casetracker.datasets.published.fixtures import render

D = datetime.date
FIXTURES = Path(settings.BASE_DIR) / "fixtures"
TABLE_A_YEARS = {2022: (D(2022, 1, 1), D(2022, 12, 31)), 2023: (D(2023, 1, 1), D(2023, 12, 31))}
TABLE_A_YEARS[2024] = (D(2024, 1, 1), D(2024, 8, 31))
TABLE_A_PERIOD = (D(2022, 1, 1), D(2024, 8, 31))
SURVEY_PERIOD = (D(2024, 1, 1), D(2024, 9, 27))
SV = Committee.Kind.SCHOOL_VIOLENCE
TR = Committee.Kind.TEACHER_RIGHTS


pytestmark = pytest.mark.usefixtures("shipped_data", "db")


def referred(kind: str, period: tuple[datetime.date, datetime.date]):
    return Incident.objects.filter(report_date__range=period, committee_cases__committee__kind=kind).distinct()


def final_art17_measures():
    return Measure.objects.final().filter(law="art17", committee_case__incident__report_date__range=TABLE_A_PERIOD)


# Table A: school violence review committees ---------------------------------------------


@pytest.mark.parametrize(
    ("year", "reports", "heard", "offending_students"),
    [(2022, 60, 29, 50), (2023, 119, 80, 118), (2024, 241, 107, 260)],
)
def test_table_a_by_year(year, reports, heard, offending_students):
    period = TABLE_A_YEARS[year]
    incidents = referred(SV, period)
    assert incidents.count() == reports
    heard_cases = Incident.objects.filter(
        report_date__range=period,
        committee_cases__committee__kind=SV,
        committee_cases__hearing_date__isnull=False,
    ).distinct()
    assert heard_cases.count() == heard
    assert Offender.objects.filter(incident__in=incidents, kind=Offender.Kind.STUDENT).count() == offending_students


def test_table_a_totals_and_student_victims():
    assert referred(SV, TABLE_A_PERIOD).count() == 420
    student_victims = Victim.objects.filter(kind=Victim.Kind.STUDENT)
    assert student_victims.filter(incident__in=referred(SV, TABLE_A_YEARS[2022])).count() == 48
    assert student_victims.filter(incident__in=referred(SV, TABLE_A_YEARS[2024])).count() == 536
    heard = Incident.objects.filter(
        report_date__range=TABLE_A_PERIOD,
        committee_cases__committee__kind=SV,
        committee_cases__hearing_date__isnull=False,
    )
    assert heard.distinct().count() == 216
    students = Offender.objects.filter(incident__in=referred(SV, TABLE_A_PERIOD), kind=Offender.Kind.STUDENT)
    assert students.count() == 428


def test_table_a_measures_and_shares():
    measures = final_art17_measures()
    total = measures.count()
    off_record = measures.of_tier(Tier.OFF_RECORD).count()
    heavy = measures.of_tier(Tier.HEAVY).count()
    expulsions = measures.filter(number=9).count()
    assert (total, off_record, heavy, expulsions) == (629, 347, 99, 2)
    assert (round(100 * off_record / total, 1), round(100 * heavy / total, 1)) == (55.2, 15.7)
    assert round(100 * expulsions / total, 1) == 0.3


@pytest.mark.parametrize(("office", "total", "heavy", "share"), [("gyeonggi", 181, 21, 11.6), ("seoul", 89, 8, 9.0)])
def test_table_a_by_office(office, total, heavy, share):
    measures = final_art17_measures().filter(committee_case__incident__office__code=office)
    assert measures.count() == total
    assert measures.of_tier(Tier.HEAVY).count() == heavy
    assert round(100 * heavy / total, 1) == share


def test_gyeonggi_has_the_most_measures_and_every_office_some():
    by_office = dict(
        final_art17_measures().values_list("committee_case__incident__office__code").annotate(n=Count("id"))
    )
    assert set(by_office) == set(Office.objects.values_list("code", flat=True))
    assert max(by_office, key=by_office.get) == "gyeonggi"
    assert sorted(by_office.values())[-2] < by_office["gyeonggi"]


def test_appeals_change_the_count_of_final_measures():
    """The 629 are the measures finally received: appeals changed and revoked some."""
    originals = Measure.objects.original().filter(
        law="art17", committee_case__incident__report_date__range=TABLE_A_PERIOD
    )
    assert originals.count() != final_art17_measures().count()
    assert Measure.objects.filter(appeals__outcome="changed").exists()
    assert Measure.objects.filter(appeals__outcome="revoked").exists()


# Table B: the ministry's survey -----------------------------------------------------------


def test_table_b_survey():
    incidents = Incident.objects.filter(report_date__range=SURVEY_PERIOD)
    assert incidents.count() == 504
    by_level = dict(incidents.values_list("school__level").annotate(n=Count("id")))
    assert by_level == {"high": 279, "middle": 209, "elementary": 16}
    assert incidents.filter(police_referred_on__isnull=False).count() == 417
    assert TakedownRequest.objects.filter(incident__in=incidents).count() == 218
    assert incidents.filter(takedown_requests__isnull=False).distinct().count() == 218
    victims = Victim.objects.filter(incident__in=incidents)
    assert victims.count() == 833
    assert dict(victims.values_list("kind").annotate(n=Count("id"))) == {"student": 799, "teacher": 31, "staff": 3}


# Table C: teacher rights protection committees -----------------------------------------


@pytest.mark.parametrize(
    ("year", "reports", "teacher_victims", "student_offenders"),
    [(2022, 0, 0, 0), (2023, 8, 12, 10), (2024, 20, 21, 36)],
)
def test_table_c_by_year(year, reports, teacher_victims, student_offenders):
    incidents = referred(TR, TABLE_A_YEARS[year])
    assert incidents.count() == reports
    assert Victim.objects.filter(incident__in=incidents, kind=Victim.Kind.TEACHER).count() == teacher_victims
    assert Offender.objects.filter(incident__in=incidents, kind=Offender.Kind.STUDENT).count() == student_offenders


def test_teacher_rights_measures_follow_the_teachers_status_act():
    measures = Measure.objects.filter(committee_case__committee__kind=TR)
    assert measures.exists()
    assert set(measures.values_list("law", flat=True)) == {"art25"}


# The rows themselves ----------------------------------------------------------------------


def test_reference_data_matches_domain():
    offices = list(Office.objects.values_list("code", "name_en", "name_ko"))
    assert len(offices) == 17
    assert offices[0] == ("seoul", "Seoul", "서울특별시교육청")
    assert offices[8] == ("gyeonggi", "Gyeonggi", "경기도교육청")
    assert offices[-1] == ("jeju", "Jeju", "제주특별자치도교육청")
    assert Office.objects.get(code="sejong").local_offices.count() == 0
    assert sum(o.local_offices.count() for o in Office.objects.all()) == 176


RELATED_FOR_CLEAN = {
    "incident": ["school"],
    "committeecase": ["incident", "committee"],
    "measure": ["committee_case__incident", "committee_case__committee", "offender"],
    "appeal": ["measure__offender"],
    "protectionmeasure": ["victim__incident"],
    "offendervictimrelation": ["offender", "victim"],
}


def test_every_shipped_row_keeps_the_model_rules():
    """The dataset is what a clerk could have typed: every row passes the model's rules.

    Uniqueness and constraints were already enforced by the database on loading.
    """
    for label in ("core", "cases"):
        for model in apps.get_app_config(label).get_models():
            if hasattr(model, "instance_type"):
                continue  # change history, not data
            related = RELATED_FOR_CLEAN.get(model._meta.model_name, [])
            for obj in model.objects.select_related(*related):
                obj.full_clean(validate_unique=False, validate_constraints=False)


def test_hearings_are_late_about_as_often_as_reported():
    heard_2024 = [
        case
        for incident in referred(SV, TABLE_A_YEARS[2024]).prefetch_related("committee_cases__committee")
        for case in incident.committee_cases.all()
        if case.hearing_date
    ]
    late = sum(case.heard_late for case in heard_2024) / len(heard_2024)
    assert 0.25 <= late <= 0.5


def test_committed_fixtures_are_what_the_generator_writes():
    """Same seed, same rows: the committed files are exactly a fresh build."""
    reference, cases = published.build(published.DEFAULT_SEED)
    assert (FIXTURES / FILES["reference"]).read_text(encoding="utf-8") == render(reference)
    assert (FIXTURES / FILES["cases"]).read_text(encoding="utf-8") == render(cases)
    assert published.build(1)[1] != cases
