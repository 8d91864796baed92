"""E-mail reminders (``manage.py send_reminders``): each clerk is told once about each item
of their own cases that became overdue, and never of another office's."""

import datetime
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from casetracker.cases import services
from casetracker.workflow.models import ReminderSent
from casetracker.workflow.queue import Due
from tests.factories import (
    CommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    OfficeFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REFERRED = datetime.date(2024, 3, 4)  # hearing due 2024-03-25
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def d(days: int) -> datetime.date:
    return REFERRED + datetime.timedelta(days=days)


def committee_case(office, referred=REFERRED):
    school = SchoolFactory(office=office)
    incident = IncidentFactory(office=office, school=school, report_date=datetime.date(2024, 3, 1))
    return CommitteeCaseFactory(incident=incident, requested_on=referred)


def run(today: datetime.date) -> str:
    out = StringIO()
    call_command("send_reminders", date=today.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def seoul():
    return OfficeFactory(code="seoul")


def test_nothing_is_sent_before_the_deadline_has_passed(seoul):
    committee_case(seoul)
    UserFactory(office=seoul)
    run(d(21))
    assert mail.outbox == []


def test_each_overdue_item_is_sent_once(seoul, settings):
    settings.LANGUAGE_CODE = "en"
    case = committee_case(seoul)
    clerk = UserFactory(office=seoul, email="clerk@example.org", language="en")
    assert "1 e-mails sent, 1 overdue items." in run(d(22))
    (message,) = mail.outbox
    assert message.to == ["clerk@example.org"]
    assert message.subject == "casetracker: 1 items overdue"
    assert f"March 25, 2024 · {case.incident.case_number} · hearing" in message.body
    assert "referred on March 4, 2024" in message.body
    assert list(ReminderSent.objects.values_list("user", "due", "item_pk", "deadline")) == [
        (clerk.pk, Due.HEARING, case.pk, d(21))
    ]

    run(d(22))
    run(d(30))
    assert len(mail.outbox) == 1


def test_the_email_is_in_the_clerks_own_language_dates_too(seoul, settings):
    settings.LANGUAGE_CODE = "en"  # the site's default does not decide: the clerk's language does
    case = committee_case(seoul)
    UserFactory(office=seoul, email="korean@example.org", language="ko")
    UserFactory(office=seoul, email="english@example.org", language="en")
    run(d(22))
    bodies = {message.to[0]: message for message in mail.outbox}
    korean, english = bodies["korean@example.org"], bodies["english@example.org"]
    assert korean.subject == "casetracker: 기한 경과 항목 1건"
    assert f"2024년 3월 25일 · {case.incident.case_number} · " in korean.body
    assert "2024년 3월 4일 심의 요청" in korean.body
    assert not ISO_DATE.search(korean.body)
    assert english.subject == "casetracker: 1 items overdue"
    assert f"March 25, 2024 · {case.incident.case_number} · hearing" in english.body
    assert not ISO_DATE.search(english.body)


def test_a_new_overdue_item_comes_alone_in_the_next_email(seoul):
    first = committee_case(seoul)
    UserFactory(office=seoul)
    run(d(22))
    second = committee_case(seoul, referred=d(5))
    run(d(27))
    assert len(mail.outbox) == 2
    assert second.incident.case_number in mail.outbox[1].body
    assert first.incident.case_number not in mail.outbox[1].body


def test_an_extended_deadline_that_passes_again_is_reminded_again(seoul):
    case = committee_case(seoul)
    UserFactory(office=seoul)
    services.extend_hearing_deadline(committee_case=case, on=d(10), reason="Witnesses.")
    run(d(22))
    assert mail.outbox == []
    run(d(29))
    assert len(mail.outbox) == 1
    assert ReminderSent.objects.get().deadline == d(28)


def test_each_clerk_hears_only_of_their_office():
    seoul, gyeonggi = OfficeFactory(code="seoul"), OfficeFactory(code="gyeonggi")
    seoul_case, gyeonggi_case = committee_case(seoul), committee_case(gyeonggi)
    UserFactory(office=seoul, email="seoul@example.org")
    UserFactory(office=gyeonggi, email="gyeonggi@example.org")
    UserFactory(supervisor=True, office=None, email="supervisor@example.org")
    UserFactory(office=seoul, email="gone@example.org", is_active=False)
    run(d(22))
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert set(bodies) == {"seoul@example.org", "gyeonggi@example.org"}
    assert seoul_case.incident.case_number in bodies["seoul@example.org"]
    assert gyeonggi_case.incident.case_number not in bodies["seoul@example.org"]


def test_the_reminder_never_names_a_person(seoul):
    case = committee_case(seoul)
    offender = OffenderFactory(incident=case.incident, name="김비밀가해자", code="O7")
    case.hearing_date = d(10)
    case.save()
    MeasureFactory(committee_case=case, offender=offender)
    UserFactory(office=seoul)
    run(d(200))
    (message,) = mail.outbox
    assert "O7" in message.body
    assert "김비밀가해자" not in message.body


def test_the_command_refuses_a_bad_date():
    with pytest.raises(CommandError):
        call_command("send_reminders", date="25/03/2024")
