"""The case lists as they are made to stay fast at a million rows (bench/README.md): the same results."""

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse

from casetracker.cases.models import Incident
from tests.factories import CommitteeCaseFactory, IncidentFactory, SchoolFactory

URL = "admin:cases_incident_changelist"


def listed(response) -> list[int]:
    return [row.pk for row in response.context["cl"].result_list]


@pytest.mark.parametrize("model", [model for model in admin.site._registry if model._meta.app_label == "cases"])
def test_no_case_list_counts_the_whole_table_twice(model):
    model_admin = admin.site._registry[model]
    if hasattr(model_admin, "show_full_result_count") and not model._meta.model_name.startswith("historical"):
        assert model_admin.show_full_result_count is False


def test_the_search_finds_a_case_number_whatever_its_case(admin_client):
    incident = IncidentFactory(case_number="G2024-0000042")
    IncidentFactory(case_number="G2024-0000043")
    for term in ("G2024-0000042", "g2024-0000042"):
        assert listed(admin_client.get(reverse(URL), {"q": term})) == [incident.pk]


def test_the_search_finds_schools_by_part_of_their_name_and_quoted_phrases(admin_client):
    school = SchoolFactory(name_ko="한빛 중학교", name_en="Hanbit Middle School")
    incident = IncidentFactory(school=school)
    IncidentFactory()
    assert listed(admin_client.get(reverse(URL), {"q": "한빛"})) == [incident.pk]
    assert listed(admin_client.get(reverse(URL), {"q": '"hanbit middle"'})) == [incident.pk]
    # Every word must match (a case number or a school), as Django's own search.
    assert listed(admin_client.get(reverse(URL), {"q": "한빛 nowhere"})) == []


def test_the_list_is_newest_first_and_shows_each_row_s_status(admin_client):
    older = IncidentFactory(report_date=datetime.date(2024, 3, 1))
    newer = IncidentFactory(report_date=datetime.date(2024, 5, 1))
    same_day = IncidentFactory(report_date=datetime.date(2024, 5, 1))
    CommitteeCaseFactory(incident=older)
    response = admin_client.get(reverse(URL))
    assert listed(response) == [same_day.pk, newer.pk, older.pk]
    statuses = {row.pk: row.status for row in response.context["cl"].result_list}
    assert statuses == {
        same_day.pk: "reported",
        newer.pk: "reported",
        older.pk: "referred",
    }
    assert Incident.objects.count() == 3


def test_a_long_list_is_counted_only_up_to_the_cap(admin_client, monkeypatch):
    from django.conf import settings

    from casetracker.cases.admin import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "CAP", 3)
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    school = SchoolFactory()
    for number in range(5):
        IncidentFactory(school=school, office=school.office, case_number=f"2024-{number:04d}")
    response = admin_client.get(reverse(URL))
    assert len(listed(response)) == 5
    assert "more than 3 incidents: narrow the list with the filters or the search" in response.content.decode()
    response = admin_client.get(reverse(URL), {"q": "2024-0001"})
    assert "1 incident" in response.content.decode() and "more than" not in response.content.decode()


def test_the_year_filter_offers_the_years_from_the_first_case_to_the_last(admin_client):
    """In place of the date hierarchy, whose row of years scanned the whole list."""
    for year in (2019, 2021, 2024):
        IncidentFactory(report_date=datetime.date(year, 5, 2))
    response = admin_client.get(reverse(URL))
    specs = response.context["cl"].filter_specs
    year_filter = next(spec for spec in specs if spec.parameter_name == "report_date_year")
    assert [value for value, _label in year_filter.lookup_choices] == ["2024", "2023", "2022", "2021", "2020", "2019"]
    in_2021 = admin_client.get(reverse(URL), {"report_date_year": "2021"})
    assert [row.report_date.year for row in in_2021.context["cl"].result_list] == [2021]
    assert admin_client.get(reverse(URL), {"report_date_year": "next year"}).status_code == 400
