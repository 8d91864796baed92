"""The incident list's search finds the same rows as the one OR condition it was written as before
(issue 20): a case number, its sequence, a school's name, a person's code, for every kind of user,
with and without the list's filters, on a varied small dataset (both SQLite and PostgreSQL run it).

The reference below is the condition the list ran before the search was split into index-friendly
parts (``finding.numbered_incidents``, ``finding.word_condition``): one OR per word of the case
number's equality, its sequence's numbers of the list's years, the schools' names and an EXISTS on
the people's codes.
"""

import datetime
import itertools

import pytest
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Upper
from django.urls import reverse

from casetracker.accounts.roles import Role
from casetracker.cases.admin.finding import PERSON_CODE, SEQUENCE
from casetracker.cases.models import Incident, Offender, Victim
from casetracker.core.admin_base import search_words
from casetracker.core.dates import years_spanned
from casetracker.core.models import School
from tests.factories import (
    IncidentFactory,
    LocalOfficeFactory,
    OffenderFactory,
    OfficeFactory,
    SchoolFactory,
    UserFactory,
    VictimFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("admin:cases_incident_changelist")

SEARCHES = [
    "V1",
    "v1",
    "V2",
    "o1",
    "O3",
    "V9",
    "17",
    "0017",
    "7",
    "2023-0017",
    "2024-0005",
    "v1-odd",
    "Maple",
    "maple",
    "Birch",
    "Road",
    "V1 17",
    "O1 Maple",
    "V2 O1",
    "17 Birch",
    '"Maple Road"',
    "nothing",
    "V1 nothing",
]
FILTERS = [{}, {"report_date_from": "2023-06-01"}, {"report_date_year": "2024"}]


def reference(user, search: str, filters: dict) -> set[int]:
    """The ids the list found before: the old condition, word by word."""
    rows = Incident.objects.for_user(user)
    if "report_date_from" in filters:
        rows = rows.filter(report_date__gte=datetime.date.fromisoformat(filters["report_date_from"]))
    if "report_date_year" in filters:
        year = int(filters["report_date_year"])
        rows = rows.filter(report_date__gte=datetime.date(year, 1, 1), report_date__lte=datetime.date(year, 12, 31))
    words = search_words(search)
    years = years_spanned(rows, "report_date") if any(SEQUENCE.fullmatch(word) for word in words) else []
    rows = rows.alias(case_number_upper=Upper("case_number"))
    for word in words:
        schools = School.objects.filter(Q(name_ko__icontains=word) | Q(name_en__icontains=word)).values("pk")
        condition = Q(case_number_upper=word.upper()) | Q(school_id__in=schools)
        if SEQUENCE.fullmatch(word):
            condition |= Q(case_number_upper__in=[f"{year}-{word.zfill(4)}" for year in years])
        if (match := PERSON_CODE.fullmatch(word)) is not None:
            model = Victim if match.group(1).upper() == "V" else Offender
            condition |= Q(Exists(model.objects.filter(incident_id=OuterRef("pk"), code__iexact=word)))
        rows = rows.filter(condition)
    return set(rows.values_list("pk", flat=True))


@pytest.fixture
def varied():
    """Two offices, one with two local offices; schools with shared words in their names; numbers
    of the YYYY-NNNN form and others; people's codes in either case, repeated across cases."""
    seoul, busan = OfficeFactory(), OfficeFactory()
    north, south = LocalOfficeFactory(office=seoul), LocalOfficeFactory(office=seoul)
    schools = [
        SchoolFactory(office=seoul, local_office=north, name_en="Maple Road Middle School", name_ko="단풍중학교"),
        SchoolFactory(office=seoul, local_office=south, name_en="Birch Road High School", name_ko="자작나무고등학교"),
        SchoolFactory(office=seoul, local_office=south, name_en="Maple Hill High School", name_ko="단풍언덕고등학교"),
        SchoolFactory(office=busan, name_en="Birch Maple School", name_ko="부산자작고등학교"),
    ]
    codes = itertools.cycle([("V1", "O1"), ("v1", "o2"), ("V2", "O1"), ("V1", ""), ("", "O3"), ("V10", "O1")])
    numbers = [f"{year}-{n:04d}" for year in (2022, 2023, 2024) for n in (5, 17, 170, 1017)]
    numbers += ["V1", "v1-odd", "17", "SPECIAL-17"]
    for index, number in enumerate(numbers):
        for office_schools in ([s for s in schools if s.office == seoul], [s for s in schools if s.office == busan]):
            school = office_schools[index % len(office_schools)]
            year = int(number[:4]) if number[4:5] == "-" else 2023
            incident = IncidentFactory(
                office=school.office,
                school=school,
                case_number=number,
                report_date=datetime.date(year, 1 + index % 12, 1 + index % 27),
            )
            victim, offender = next(codes)
            if victim:
                VictimFactory(incident=incident, code=victim)
                VictimFactory(incident=incident, code=f"{victim}0")
            if offender:
                OffenderFactory(incident=incident, code=offender)
    return {
        "national": UserFactory(role=Role.SUPERVISOR, office=None),
        "office": UserFactory(office=seoul),
        "local office": UserFactory(office=seoul, local_office=south),
        "other office": UserFactory(office=busan),
    }


def test_the_search_finds_the_same_rows_as_the_one_condition_before(client, varied):
    compared = 0
    for label, user in varied.items():
        client.force_login(user)
        for search, filters in itertools.product(SEARCHES, FILTERS):
            response = client.get(LIST, {"q": search, **filters})
            assert response.status_code == 200, (label, search, filters)
            changelist = response.context_data["cl"]
            assert changelist.result_count <= changelist.list_per_page  # (every row on the first page)
            shown = {row.pk for row in changelist.result_list}
            assert shown == reference(user, search, filters), (label, search, filters)
            assert changelist.result_count == len(shown), (label, search, filters)
            compared += bool(shown)
    assert compared > len(varied) * len(SEARCHES)  # most searches find something somewhere
