"""The case list's rows (``{% case_result_list %}``, ``cases/templatetags/case_list.py``) are the
HTML of Django's own ``items_for_result``, cell by cell, whatever the page's filters and language."""

import datetime

import pytest
from django.contrib.admin.templatetags import admin_list
from django.urls import reverse
from django.utils import translation

from casetracker.cases.templatetags.case_list import result_rows
from tests.factories import CommitteeCaseFactory, IncidentFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:cases_incident_changelist")


@pytest.fixture
def cases():
    school = SchoolFactory(name_ko='한빛 "<&>" 중학교', name_en="Hanbit <b>Middle</b>")
    plain = IncidentFactory(school=school, case_number='2024-"<&>"-1', report_date=datetime.date(2024, 3, 1))
    police = IncidentFactory(
        office=plain.office,
        school=school,
        report_date=datetime.date(2024, 4, 1),
        police_referred_on=datetime.date(2024, 4, 2),
    )
    referred = IncidentFactory(office=plain.office, report_date=datetime.date(2024, 5, 1))
    CommitteeCaseFactory(incident=referred)
    closed = IncidentFactory(office=plain.office, report_date=datetime.date(2024, 6, 1))
    CommitteeCaseFactory(incident=closed, closed_on=datetime.date(2024, 6, 9), closure_reason="withdrawn")
    return [plain, police, referred, closed]


def djangos_rows(cl) -> list[str]:
    return ["".join(str(cell) for cell in row) for row in admin_list.results(cl)]


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize(
    "query",
    [{}, {"q": "한빛"}, {"report_date_from": "2024-03-01", "status": "referred", "o": "2.-1"}, {"q": "2024"}],
)
def test_the_rows_are_djangos_cells(client, cases, language, query):
    client.force_login(UserFactory(role="clerk", office=cases[0].office))
    with translation.override(language):
        response = client.get(LIST, query, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        cl = response.context["cl"]
        ours = ["".join(str(cell) for cell in row) for row in result_rows(cl)]
        assert ours == djangos_rows(cl)
    html = response.content.decode()
    for row in ours:
        assert f"<tr>{row}</tr>" in html  # (the page shows these rows)


def test_the_closed_cases_status_and_the_police_column_are_shown(client, cases):
    client.force_login(UserFactory(role="clerk", office=cases[0].office))
    cl = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").context["cl"]
    rows = {row.pk: "".join(map(str, cells)) for row, cells in zip(cl.result_list, result_rows(cl), strict=True)}
    plain, police, _referred, closed = cases
    assert "icon-yes" in rows[police.pk] and "icon-no" in rows[plain.pk]
    assert "&quot;&lt;&amp;&gt;&quot;" in rows[plain.pk]  # (the case number escaped)
    assert f"/admin/cases/incident/{closed.pk}/change/?_changelist_filters=" not in rows[closed.pk]
    assert f'href="/admin/cases/incident/{closed.pk}/change/"' in rows[closed.pk]


def test_the_rows_links_keep_the_lists_filters(client, cases):
    client.force_login(UserFactory(role="clerk", office=cases[0].office))
    cl = client.get(LIST, {"q": "한빛"}).context["cl"]
    [first, *_] = result_rows(cl)
    assert "/change/?_changelist_filters=q%3D%25ED%2595%259C" in str(first[0])  # (quoted twice, as Django does)
