"""The status of a case is derived from its records, in one SQL annotation: each status,
what takes precedence, the reason for a closure without hearing, and the admin list."""

import pytest
from django.urls import reverse

from casetracker.cases.models import Appeal, ClosureReason, Incident
from casetracker.cases.status import Status, status_of, with_derived_status
from tests.factories import (
    DEFAULT_REPORT_DATE,
    AppealFactory,
    CommitteeCaseFactory,
    CommitteeFactory,
    HeardCommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    UserFactory,
    days_after,
)

pytestmark = pytest.mark.django_db


def status(incident: Incident) -> tuple[str, str]:
    """The incident's stored status and reason, as the database's triggers stored them after the
    direct saves of these tests; it must be what the rule works out afresh."""
    incidents = Incident.objects.filter(pk=incident.pk)
    row = incidents.values_list("status", "status_reason").get()
    derived = with_derived_status(incidents).values_list("derived_status", flat=True).get()
    assert status_of(incident) == row[0] == derived
    return row


def carried_out(measure, days=3):
    measure.carried_out_on = days_after(measure.decided_on, days)
    measure.save()
    return measure


def test_a_new_report_is_reported():
    assert status(IncidentFactory()) == (Status.REPORTED, "")


def test_a_referred_case_is_referred():
    assert status(CommitteeCaseFactory().incident) == (Status.REFERRED, "")


def test_a_case_with_its_hearing_set_is_hearing_scheduled():
    case = CommitteeCaseFactory()
    case.hearing_scheduled_on = days_after(case.requested_on, 10)
    case.save()
    assert status(case.incident) == (Status.HEARING_SCHEDULED, "")


def test_a_case_with_measures_to_carry_out_is_decided():
    assert status(MeasureFactory().committee_case.incident) == (Status.DECIDED, "")


def test_a_hearing_without_measures_is_heard_not_decided():
    """ "조치 결정" only once a measure is decided, not as soon as a hearing date is typed (issue 18)."""
    assert status(HeardCommitteeCaseFactory().incident) == (Status.HEARD, "")


def test_a_heard_case_is_decided_once_a_measure_is_recorded():
    case = HeardCommitteeCaseFactory()
    assert status(case.incident)[0] == Status.HEARD
    MeasureFactory(committee_case=case)
    assert status(case.incident) == (Status.DECIDED, "")


def test_a_heard_case_without_measures_closes_without_a_reason():
    """The committee imposed no measure: the clerk closes the case, which then says so."""
    case = HeardCommitteeCaseFactory()
    incident = case.incident
    incident.closed_on = days_after(case.hearing_date, 2)
    incident.save()
    assert status(incident) == (Status.CLOSED, "")


def test_a_hearing_of_one_committee_case_and_a_measure_of_another_is_decided():
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    HeardCommitteeCaseFactory(
        incident=incident, committee=CommitteeFactory(office=incident.office, kind="teacher_rights")
    )
    assert status(incident)[0] == Status.DECIDED


def test_a_case_is_decided_until_every_measure_is_carried_out():
    first = MeasureFactory()
    second = MeasureFactory(committee_case=first.committee_case, number=2)
    carried_out(first)
    assert status(first.committee_case.incident)[0] == Status.DECIDED
    carried_out(second)
    assert status(first.committee_case.incident) == (Status.MEASURES_CARRIED_OUT, "")


def test_a_pending_appeal_puts_the_case_under_appeal():
    appeal = AppealFactory(measure=carried_out(MeasureFactory()))
    assert status(appeal.measure.committee_case.incident) == (Status.UNDER_APPEAL, "")


def test_an_upheld_appeal_leaves_the_carried_out_measures():
    appeal = AppealFactory(measure=carried_out(MeasureFactory()), upheld=True)
    assert status(appeal.measure.committee_case.incident)[0] == Status.MEASURES_CARRIED_OUT


def test_a_changed_measure_must_be_carried_out_again():
    appeal = AppealFactory(measure=carried_out(MeasureFactory(number=8)), changed=True, replacement_number=7)
    incident = appeal.measure.committee_case.incident
    assert status(incident)[0] == Status.DECIDED
    carried_out(appeal.replacement)
    assert status(incident)[0] == Status.MEASURES_CARRIED_OUT


def test_a_revoked_measure_no_longer_needs_carrying_out():
    appeal = AppealFactory(revoked=True)
    assert appeal.measure.carried_out_on is None
    assert status(appeal.measure.committee_case.incident)[0] == Status.DECIDED  # heard, nothing left to carry out


def test_a_case_closed_without_referral_gives_its_reason():
    incident = IncidentFactory(closed_on=days_after(DEFAULT_REPORT_DATE, 3), closure_reason="withdrawn")
    assert status(incident) == (Status.CLOSED, ClosureReason.WITHDRAWN)


def test_a_case_whose_committee_cases_all_closed_without_hearing_is_closed():
    case = CommitteeCaseFactory(
        closed_on=days_after(DEFAULT_REPORT_DATE, 20), closure_reason=ClosureReason.OFFENDER_UNIDENTIFIED
    )
    assert status(case.incident) == (Status.CLOSED, ClosureReason.OFFENDER_UNIDENTIFIED)


def test_a_case_closed_after_its_hearing_has_no_reason():
    measure = carried_out(MeasureFactory())
    incident = measure.committee_case.incident
    incident.closed_on = days_after(measure.carried_out_on, 1)
    incident.save()
    assert status(incident) == (Status.CLOSED, "")


def test_an_appeal_filed_after_closing_reopens_the_case():
    measure = carried_out(MeasureFactory())
    incident = measure.committee_case.incident
    incident.closed_on = days_after(measure.carried_out_on, 1)
    incident.save()
    appeal = AppealFactory(measure=measure)
    assert status(incident)[0] == Status.UNDER_APPEAL
    appeal.outcome, appeal.decided_on = Appeal.Outcome.UPHELD, days_after(appeal.filed_on, 10)
    appeal.save()
    assert status(incident) == (Status.CLOSED, "")


def test_a_committee_case_still_to_hear_comes_before_another_one_decided():
    measure = carried_out(MeasureFactory())
    incident = measure.committee_case.incident
    assert status(incident)[0] == Status.MEASURES_CARRIED_OUT
    CommitteeCaseFactory(
        incident=incident,
        committee=CommitteeFactory(office=incident.office, kind="teacher_rights"),
    )
    assert status(incident)[0] == Status.REFERRED


def test_a_list_filters_by_status_in_one_query(django_assert_num_queries):
    reported = IncidentFactory()
    referred = CommitteeCaseFactory().incident
    decided = MeasureFactory().committee_case.incident
    expected = {reported.pk: Status.REPORTED, referred.pk: Status.REFERRED, decided.pk: Status.DECIDED}
    with django_assert_num_queries(1):
        rows = dict(with_derived_status(Incident.objects.all()).values_list("pk", "derived_status"))
    assert rows == expected
    with django_assert_num_queries(1):
        assert dict(Incident.objects.values_list("pk", "status")) == expected
    assert list(Incident.objects.filter(status=Status.REFERRED)) == [referred]


# The incident list in the admin ------------------------------------------------------------------


def test_the_incident_list_shows_and_filters_the_status(client):
    referred = CommitteeCaseFactory().incident
    reported = IncidentFactory(office=referred.office, school=referred.school)
    client.force_login(UserFactory(office=referred.office))
    changelist = reverse("admin:cases_incident_changelist")

    response = client.get(changelist, HTTP_ACCEPT_LANGUAGE="en")
    assert {row.pk: row.status for row in response.context["cl"].result_list} == {
        referred.pk: Status.REFERRED,
        reported.pk: Status.REPORTED,
    }
    assert "referred to a committee" in response.content.decode()

    response = client.get(changelist, {"status": Status.REFERRED}, HTTP_ACCEPT_LANGUAGE="en")
    assert [row.pk for row in response.context["cl"].result_list] == [referred.pk]


def test_the_incident_page_shows_the_status_with_the_closure_reason(client):
    incident = IncidentFactory(
        closed_on=days_after(IncidentFactory().report_date, 2), closure_reason="resolved_by_principal"
    )
    client.force_login(UserFactory(office=incident.office))
    response = client.get(reverse("admin:cases_incident_change", args=[incident.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "closed (resolved by the principal)" in response.content.decode()
