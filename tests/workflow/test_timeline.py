"""The case's timeline (``cases.selectors.case_timeline``): every step with its date,
oldest first and same-day steps in the order they follow one another, built in a fixed
number of queries, and shown on the incident's page."""

import datetime

import pytest
from django.urls import reverse

from casetracker.cases import services
from casetracker.cases.models import Appeal, TakedownRequest
from casetracker.cases.selectors import case_timeline
from casetracker.cases.services import MeasureDecision
from casetracker.core.formatting import format_date
from tests.factories import (
    CommitteeFactory,
    IncidentFactory,
    OffenderFactory,
    ProtectionMeasureFactory,
    SeparationFactory,
    TakedownRequestFactory,
    UserFactory,
    VictimFactory,
)

pytestmark = pytest.mark.django_db

REPORTED = datetime.date(2024, 3, 4)


def d(days: int) -> datetime.date:
    return REPORTED + datetime.timedelta(days=days)


@pytest.fixture
def case():
    """A case through every step, recorded out of order."""
    incident = IncidentFactory(report_date=REPORTED, police_referred_on=d(1))
    offender = OffenderFactory(incident=incident, code="O1")
    victim = VictimFactory(incident=incident, code="V1")
    committee = CommitteeFactory(
        office=incident.office, local_office=incident.school.local_office, name_en="Gangnam Committee"
    )
    committee_case = services.refer_to_committee(incident=incident, committee=committee, on=d(3))
    services.extend_hearing_deadline(committee_case=committee_case, on=d(20), reason="Police investigation")
    services.schedule_hearing(committee_case=committee_case, on=d(27))
    (measure,) = services.record_hearing_and_decision(
        committee_case=committee_case,
        hearing_date=d(27),
        measures=[MeasureDecision(offender=offender, number=8)],
        notified_on=d(29),
    )
    services.record_victim_notice(actor=None, committee_case=committee_case, victim=victim, notified_on=d(30))
    appeal = services.file_appeal(measure=measure, appellant=Appeal.Appellant.OFFENDER, filed_on=d(40))
    services.decide_appeal(appeal=appeal, outcome=Appeal.Outcome.CHANGED, decided_on=d(70), replacement_number=7)
    services.record_measure_carried_out(measure=measure.appeals.get().replacement, on=d(75))
    # Victim support, recorded afterwards.
    TakedownRequestFactory(
        incident=incident,
        platform=TakedownRequest.Platform.TELEGRAM,
        requested_on=d(1),
        outcome=TakedownRequest.Outcome.REMOVED,
        answered_on=d(6),
    )
    SeparationFactory(incident=incident, offender=offender, victim=victim, starts_on=d(0), ends_on=d(7))
    ProtectionMeasureFactory(victim=victim, number=1, ordered_on=d(2))
    services.close_case(incident=incident, on=d(80))
    incident.refresh_from_db()
    return incident


def test_the_timeline_lists_every_step_oldest_first(case):
    clerk = UserFactory(office=case.office)
    timeline = [(entry.date, entry.event, entry.detail) for entry in case_timeline(clerk, case)]
    assert timeline == [
        (d(0), "Reported", ""),
        (d(0), "Offender and victim separated", f"O1 from V1, until {format_date(d(7))}"),
        (d(1), "Referred to the police", ""),
        (d(1), "Takedown requested", "Telegram"),
        (d(2), "Protection measure ordered", "V1: 1. psychological counselling and advice"),
        (d(3), "Referred to the committee", "Gangnam Committee"),
        (d(6), "Takedown request answered", "Telegram: removed"),
        (d(20), "Hearing deadline extended by 7 days", "Gangnam Committee: Police investigation"),
        (d(27), "Hearing scheduled for this day", "Gangnam Committee"),
        (d(27), "Hearing held", "Gangnam Committee"),
        (d(27), "Measure decided", "O1: 8. transfer"),
        (d(29), "Decision notified", "O1: 8. transfer"),
        (d(30), "Decision notified to the victim's side", "V1: Gangnam Committee"),
        (d(40), "Appeal filed", "O1: 8. transfer (administrative appeal, offender or guardian)"),
        (d(70), "Measure ordered by an appeal", "O1: 7. class change"),
        (d(70), "Appeal decided", "O1: changed to 7. class change"),
        (d(75), "Measure carried out", "O1: 7. class change"),
        (d(80), "Case closed", ""),
    ]


def test_the_timeline_shows_a_closure_without_hearing_with_its_reason():
    incident = IncidentFactory(report_date=REPORTED)
    services.close_case(incident=incident, on=d(5), reason="resolved_by_principal")
    timeline = [(entry.event, entry.detail) for entry in case_timeline(UserFactory(office=incident.office), incident)]
    assert timeline == [("Reported", ""), ("Case closed", "resolved by the principal")]


def test_the_timeline_takes_seven_queries_however_long_the_case(case, django_assert_num_queries):
    clerk = UserFactory(office=case.office)
    for _ in range(3):
        TakedownRequestFactory(incident=case, requested_on=d(2))
        SeparationFactory(incident=case, starts_on=d(1), ends_on=d(3))
    with django_assert_num_queries(7):
        timeline = case_timeline(clerk, case)
    assert len(timeline) == 18 + 6


def test_the_incident_page_shows_the_timeline(client, case):
    client.force_login(UserFactory(office=case.office))
    response = client.get(reverse("admin:cases_incident_change", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Timeline" in content
    positions = [content.index(event) for event in ("Reported", "Hearing held", "Appeal decided", "Case closed")]
    assert positions == sorted(positions)
    assert [entry.event for entry in response.context["timeline"]][-1] == "Case closed"


def test_the_add_page_has_no_timeline(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:cases_incident_add"))
    assert response.status_code == 200
    assert "timeline" not in response.context
