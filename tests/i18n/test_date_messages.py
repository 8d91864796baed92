"""Dates written into text people read (field errors, refusals, queue details, the timeline,
the reminder e-mail) follow the language, as the pages' date columns do; never ISO."""

import datetime
import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import override

from casetracker.cases import services
from casetracker.core.formatting import format_date
from tests.factories import CommitteeCaseFactory, IncidentFactory, MeasureFactory, UserFactory

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
MARCH_4 = datetime.date(2024, 3, 4)


def korean(day: datetime.date) -> str:
    """Django's Korean ``DATE_FORMAT``, spelled out here so the tests do not reuse the code's rule."""
    return f"{day.year}년 {day.month}월 {day.day}일"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ko", "2024년 3월 4일"), ("en", "March 4, 2024")],
)
def test_format_date_follows_the_active_language(language, expected):
    with override(language):
        assert format_date(MARCH_4) == expected
        assert format_date(datetime.date(2024, 8, 31)) == {"ko": "2024년 8월 31일", "en": "Aug. 31, 2024"}[language]
        assert format_date(None) == "\N{EM DASH}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown"),
    [("ko", "2024년 3월 4일"), ("en", "March 4, 2024")],
)
def test_a_field_error_writes_the_date_in_the_language(language, shown):
    incident = IncidentFactory(report_date=MARCH_4)
    case = CommitteeCaseFactory.build(incident=incident, requested_on=MARCH_4 - datetime.timedelta(days=1))
    case.committee = CommitteeCaseFactory(incident=incident).committee
    with override(language), pytest.raises(ValidationError) as excinfo:
        case.full_clean()
    (message,) = excinfo.value.message_dict["requested_on"]
    assert shown in message
    assert not ISO_DATE.search(message)
    if language == "en":
        assert message == "The referral cannot be before the report (March 4, 2024)."


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "rule"), [("ko", "Y년 n월 j일"), ("en", "N j, Y")])
def test_a_refused_step_writes_the_date_in_the_language(language, rule):
    measure = MeasureFactory()
    services.record_measure_carried_out(measure=measure, on=measure.decided_on)
    with override(language), pytest.raises(ValidationError) as excinfo:
        services.record_measure_carried_out(measure=measure, on=measure.decided_on + datetime.timedelta(days=1))
    (message,) = excinfo.value.message_dict["carried_out_on"]
    with override(language):  # (the English month names are Django's, e.g. "Aug.")
        assert dateformat.format(measure.decided_on, rule) in message
    assert not ISO_DATE.search(message)


@pytest.mark.django_db
def test_the_work_queue_details_write_dates_in_korean(client):
    clerk = UserFactory(is_staff=True)
    today = timezone.localdate()
    referred, scheduled = today - datetime.timedelta(days=25), today + datetime.timedelta(days=3)
    incident = IncidentFactory(office=clerk.office, report_date=today - datetime.timedelta(days=30))
    CommitteeCaseFactory(incident=incident, requested_on=referred, hearing_scheduled_on=scheduled)
    client.force_login(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    response = client.get(reverse("workflow:queue"))
    assert response.status_code == 200
    (item,) = (row.record for row in response.context["table"].paginated_rows)
    assert korean(referred) in item.detail
    assert korean(scheduled) in item.detail
    assert not ISO_DATE.search(item.detail)
    assert korean(referred) in response.text
