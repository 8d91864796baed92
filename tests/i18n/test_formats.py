"""Dates and numbers follow the page's language (Django's ko and en formats)."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from casetracker.reports.tables import format_count, format_share
from tests.factories import IncidentFactory, UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [("ko", "2024년 8월 31일", "Aug. 31, 2024"), ("en", "Aug. 31, 2024", "2024년 8월 31일")],
)
def test_incident_list_shows_dates_in_the_pages_language(client, language, shown, not_shown):
    clerk = UserFactory(is_staff=True)
    IncidentFactory(office=clerk.office, report_date=datetime.date(2024, 8, 31))
    client.force_login(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("admin:cases_incident_changelist"))
    assert response.status_code == 200
    assert shown in response.text
    assert not_shown not in response.text


@pytest.mark.parametrize("language", ["ko", "en"])
def test_shares_and_counts_are_formatted_for_the_language(language):
    with translation.override(language):
        assert format_share(Decimal("55.2")) == "55.2"
        assert format_share(Decimal("55.24")) == "55.2"
        assert format_share(None) == "\N{EN DASH}"
        assert format_count(12345) == "12,345"
