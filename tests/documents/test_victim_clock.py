"""The victim's side's appeal clock (issue 19): the delivery of their decision notice records their
``VictimNotice`` through the case services, a correction (the delivery corrected or removed, a new
version delivered) moves it, the law's 180 days from the decision cap it, and the work queue
follows it in the office's scope only. The offender's side's clock (their measures' ``notified_on``)
follows the register by the same rule."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from casetracker.cases import law, rules
from casetracker.cases import services as case_services
from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Victim, VictimNotice
from casetracker.documents import services
from casetracker.documents.letters import Kind, RecipientRole
from casetracker.documents.models import Delivery, Document
from casetracker.workflow.queue import Due, QueueFilter, counts_by_office, queue_rows
from tests.factories import AppealFactory, UserFactory
from tests.wipe import deletes_allowed

pytestmark = pytest.mark.usefixtures("shipped_data")

CASE_NUMBER, OFFICE = "2024-0008", "gyeonggi"  # five victims, one decided committee case, a victim's appeal
DAY = datetime.timedelta(days=1)


def shipped_case() -> Incident:
    return Incident.objects.select_related("office").get(case_number=CASE_NUMBER, office__code=OFFICE)


@pytest.fixture
def case(db):
    """The shipped case without its victim's side's appeal, so that their period runs."""
    incident = shipped_case()
    with deletes_allowed():
        Appeal.objects.filter(measure__committee_case__incident=incident, appellant=Appeal.Appellant.VICTIM).delete()
    for number, victim in enumerate(incident.victims.order_by("code"), start=1):
        Victim.objects.filter(pk=victim.pk).update(name=f"피해자이름{number}")
    return incident


@pytest.fixture
def clerk(case):
    return UserFactory(office=case.office)


def victims_notice(clerk, case, code: str = "V1") -> Document:
    issued = services.issue_documents(actor=clerk, incident=case, kind=Kind.DECISION_NOTICE)
    return next(d for d in issued.documents if d.recipient_role == RecipientRole.VICTIM_SIDE and d.victim.code == code)


def deliver(clerk, document: Document, on: datetime.date) -> Delivery:
    return services.record_delivery(actor=clerk, document=document, delivered_on=on, method=Delivery.Method.EMAIL)


def victim_rows(user, today: datetime.date) -> list[tuple[int, datetime.date, str]]:
    rows = queue_rows(user, today=today, queue_filter=QueueFilter(dues=(Due.VICTIM_APPEAL,)))
    return [(row["item_pk"], row["deadline"], row["text_1"]) for row in rows]


def notified_on(document: Document) -> datetime.date | None:
    notice = VictimNotice.objects.filter(committee_case=document.committee_case, victim=document.victim).first()
    return notice.notified_on if notice else None


def test_nothing_before_any_delivery(case, clerk):
    document = victims_notice(clerk, case)
    decided_on = rules.decision_date(document.committee_case)
    assert not VictimNotice.objects.filter(committee_case__incident=case).exists()
    assert victim_rows(clerk, decided_on + DAY) == []


def test_the_victims_delivery_starts_their_clock_and_a_corrected_date_moves_it(case, clerk):
    document = victims_notice(clerk, case)
    decided_on = rules.decision_date(document.committee_case)
    today = decided_on + 10 * DAY

    deliver(clerk, document, decided_on + 3 * DAY)
    notice = VictimNotice.objects.get(committee_case=document.committee_case, victim=document.victim)
    assert notice.notified_on == decided_on + 3 * DAY
    # Only that victim's: the other victims' copies are not delivered.
    assert victim_rows(clerk, today) == [(notice.pk, law.appeal_deadline(decided_on, decided_on + 3 * DAY), "V1")]

    deliver(clerk, document, decided_on + 5 * DAY)
    assert victim_rows(clerk, today) == [(notice.pk, law.appeal_deadline(decided_on, decided_on + 5 * DAY), "V1")]
    history = notice.history.order_by("history_id")
    assert [(h.history_type, h.notified_on) for h in history] == [
        ("+", decided_on + 3 * DAY),
        ("~", decided_on + 5 * DAY),
    ]
    assert {h.history_user for h in history} == {clerk}
    # The register's own deadline of the delivery says the same.
    assert Delivery.objects.get(document=document).appeal_deadline == law.appeal_deadline(
        decided_on, decided_on + 5 * DAY
    )


def test_a_corrected_version_once_delivered_moves_the_clock_and_a_removal_moves_it_back(case, clerk):
    first = victims_notice(clerk, case)
    decided_on = rules.decision_date(first.committee_case)
    deliver(clerk, first, decided_on + 3 * DAY)

    second = victims_notice(clerk, case)
    assert second.replaces == first
    assert notified_on(first) == decided_on + 3 * DAY  # not delivered yet: the first copy's day stands
    deliver(clerk, second, decided_on + 8 * DAY)
    assert notified_on(first) == decided_on + 8 * DAY  # the notice in force is the corrected one
    [(_pk, deadline, _code)] = victim_rows(clerk, decided_on + 10 * DAY)
    assert deadline == law.appeal_deadline(decided_on, decided_on + 8 * DAY)

    services.remove_delivery(actor=clerk, document=second)
    assert notified_on(first) == decided_on + 3 * DAY
    services.remove_delivery(actor=clerk, document=first)
    assert notified_on(first) is None
    assert victim_rows(clerk, decided_on + 10 * DAY) == []
    history_types = VictimNotice.history.filter(victim=first.victim).order_by("history_id")
    assert [h.history_type for h in history_types] == ["+", "~", "~", "-"]
    # The deliveries removed stay in the deliveries' history.
    assert Delivery.history.filter(document=second, history_type="-").exists()


def test_a_delivery_after_the_180_days_leaves_the_cap(case, clerk):
    document = victims_notice(clerk, case)
    decided_on = rules.decision_date(document.committee_case)
    cap = decided_on + law.APPEAL_DAYS_FROM_DECISION * DAY
    deliver(clerk, document, decided_on + 100 * DAY)  # 90 days from it would be day 190
    [(_pk, deadline, _code)] = victim_rows(clerk, decided_on + 150 * DAY)
    assert deadline == cap == law.appeal_deadline(decided_on, decided_on + 100 * DAY)
    assert victim_rows(clerk, cap) != []  # the last day is still in time
    assert victim_rows(clerk, cap + DAY) == []  # the period has passed


def test_another_offices_clerk_neither_records_nor_sees_it(case, clerk):
    document = victims_notice(clerk, case)
    decided_on = rules.decision_date(document.committee_case)
    other = UserFactory()  # a clerk of another office
    with pytest.raises(Document.DoesNotExist):
        deliver(other, document, decided_on)
    with pytest.raises(CommitteeCase.DoesNotExist):
        case_services.record_victim_notice(
            actor=other, committee_case=document.committee_case, victim=document.victim, notified_on=decided_on
        )
    assert not VictimNotice.objects.exists()

    deliver(clerk, document, decided_on)
    assert victim_rows(other, decided_on + DAY) == []
    assert len(victim_rows(clerk, decided_on + DAY)) == 1
    office_supervisor = UserFactory(supervisor=True, office=case.office)
    counts = {
        entry.office.code: entry.total
        for entry in counts_by_office(
            office_supervisor, today=decided_on + DAY, queue_filter=QueueFilter(dues=(Due.VICTIM_APPEAL,))
        )
    }
    assert counts == {OFFICE: 1}


def test_a_notice_is_never_before_the_decision(case, clerk):
    document = victims_notice(clerk, case)
    decided_on = rules.decision_date(document.committee_case)
    with pytest.raises(ValidationError):
        case_services.record_victim_notice(
            actor=clerk, committee_case=document.committee_case, victim=document.victim, notified_on=decided_on - DAY
        )
    assert not VictimNotice.objects.exists()


def test_an_appeal_by_the_victims_side_ends_their_period_and_the_offenders_does_not(db):
    incident = shipped_case()  # its victim's side appealed a measure (upheld)
    clerk = UserFactory(office=incident.office)
    document = victims_notice(clerk, incident)
    decided_on = rules.decision_date(document.committee_case)
    deliver(clerk, document, decided_on + DAY)
    assert notified_on(document) == decided_on + DAY  # the notice is recorded all the same
    assert victim_rows(clerk, decided_on + 2 * DAY) == []

    with deletes_allowed():
        Appeal.objects.filter(measure__committee_case__incident=incident).delete()
    assert len(victim_rows(clerk, decided_on + 2 * DAY)) == 1
    measure = document.committee_case.measures.first()
    AppealFactory(measure=measure, appellant=Appeal.Appellant.OFFENDER, filed_on=decided_on + DAY)
    assert len(victim_rows(clerk, decided_on + 2 * DAY)) == 1


def test_the_offenders_clock_follows_the_register_by_the_same_rule(case, clerk):
    def offenders_notice() -> Document:
        issued = services.issue_documents(actor=clerk, incident=case, kind=Kind.DECISION_NOTICE)
        return next(d for d in issued.documents if d.offender_id and d.offender.code == "O1")

    first = offenders_notice()
    measures = Measure.objects.filter(committee_case=first.committee_case, offender=first.offender)
    measures.update(notified_on=None)
    decided_on = rules.decision_date(first.committee_case)

    def days() -> set:
        return set(measures.values_list("notified_on", flat=True))

    deliver(clerk, first, decided_on + 3 * DAY)
    second = offenders_notice()
    assert days() == {decided_on + 3 * DAY}
    deliver(clerk, second, decided_on + 6 * DAY)
    assert days() == {decided_on + 6 * DAY}
    services.remove_delivery(actor=clerk, document=second)
    assert days() == {decided_on + 3 * DAY}
    services.remove_delivery(actor=clerk, document=first)
    assert days() == {None}
    # A day typed on the measure itself, not from a delivery, stays when a delivery is removed.
    measures.update(notified_on=decided_on + DAY)
    deliver(clerk, second, decided_on + 2 * DAY)
    measures.update(notified_on=decided_on + DAY)
    services.remove_delivery(actor=clerk, document=second)
    assert days() == {decided_on + DAY}
