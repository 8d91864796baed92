"""The six kinds of document, generated for a shipped case and read back from the PDF; who may
issue them; the register's versions; the delivery that starts the appeal clock the queue follows."""

import datetime
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from docx import Document as WordDocument
from pypdf import PdfReader

from casetracker.audit.models import AccessLog
from casetracker.cases import law
from casetracker.cases import services as case_services
from casetracker.cases.models import Incident, Measure, Offender, Separation, Victim
from casetracker.documents import services
from casetracker.documents.letters import Kind, RecipientRole, measure_citation, record_consequence
from casetracker.documents.models import Delivery, Document, OfficeLetterhead
from casetracker.workflow.queue import Due, QueueFilter, queue_rows
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("shipped_data")

CASE_NUMBER, OFFICE = "2024-0008", "gyeonggi"  # six offenders, five victims, eleven measures


def squeezed(text: str) -> str:
    """Text without any whitespace: a PDF's lines break anywhere."""
    return re.sub(r"\s+", "", text)


def pdf_pages(data: bytes) -> list[str]:
    return [squeezed(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    return "".join(pdf_pages(data))


@pytest.fixture
def case(db):
    incident = Incident.objects.select_related("office").get(case_number=CASE_NUMBER, office__code=OFFICE)
    # Names, each distinct, so that a name in the wrong copy is found.
    for number, victim in enumerate(incident.victims.order_by("code"), start=1):
        Victim.objects.filter(pk=victim.pk).update(name=f"피해자이름{number}")
    for number, offender in enumerate(incident.offenders.order_by("code"), start=1):
        Offender.objects.filter(pk=offender.pk).update(name=f"가해자이름{number}")
    return incident


@pytest.fixture
def clerk_of_case(case):
    return UserFactory(office=case.office)


@pytest.fixture
def separation(case, clerk_of_case):
    offender, victim = case.offenders.get(code="O1"), case.victims.get(code="V1")
    return case_services.save_record(
        record=Separation(
            incident=case, offender=offender, victim=victim, starts_on=case.report_date, ends_on=case.report_date
        ),
        actor=clerk_of_case,
    )


def names(case) -> dict[str, str]:
    people = [*case.victims.all(), *case.offenders.all()]
    return {person.name: person for person in people}


def allowed_names(document: Document) -> set[str]:
    if document.recipient_role == RecipientRole.OFFENDER_SIDE:
        return {document.offender.name}
    if document.recipient_role == RecipientRole.VICTIM_SIDE:
        return {document.victim.name}
    if document.kind == Kind.SCHOOL_REQUEST:
        return set(
            Measure.objects.filter(committee_case=document.committee_case).values_list("offender__name", flat=True)
        )
    if document.kind == Kind.POLICE_REFERRAL:
        return set(document.incident.offenders.exclude(kind="unidentified").values_list("name", flat=True))
    return set()


@pytest.mark.parametrize("kind", Kind.values)
def test_each_kind_carries_its_elements_and_no_other_persons_name(kind, case, clerk_of_case, separation):
    issued = services.issue_documents(actor=clerk_of_case, incident=case, kind=kind)
    assert issued.documents
    everyone = names(case)
    for document in issued.documents:
        text = pdf_text(services.document_file(clerk_of_case, document))
        assert squeezed(case.office.name_ko) in text
        assert CASE_NUMBER in text
        for name in set(everyone) - allowed_names(document):
            assert name not in text, f"{document}: {name} ({everyone[name].code}) in the copy"
        for name in allowed_names(document):
            assert name in text, f"{document}: {name} missing"
        check_required(kind, document, text)
    # The batch holds every letter, each on its own pages.
    assert len(PdfReader(io.BytesIO(issued.batch)).pages) >= len(issued.documents)


def check_required(kind: str, document: Document, text: str) -> None:
    if kind == Kind.HEARING_NOTICE:
        committee_case = document.committee_case
        when = committee_case.hearing_date or committee_case.hearing_scheduled_on
        assert squeezed(f"{when.year}년 {when.month}월 {when.day}일") in text
        assert squeezed(committee_case.committee.name_ko) in text
        for right in ("출석하여의견을진술", "보조인"):
            assert right in text
    elif kind in (Kind.DECISION_NOTICE, Kind.SCHOOL_REQUEST):
        measures = Measure.objects.filter(committee_case=document.committee_case).original()
        if document.offender_id:
            measures = measures.filter(offender=document.offender)
        decided_on = measures.first().decided_on
        deadline = law.carry_out_deadline(decided_on)
        assert squeezed(f"{deadline.year}년 {deadline.month}월 {deadline.day}일까지") in text
        assert f"{law.CARRY_OUT_DAYS}일이내" in text
        for measure in measures:
            citation = squeezed(measure_citation(_measure_facts(measure)))
            assert citation in text, citation
            assert squeezed(record_consequence(_measure_facts(measure))) in text
        if kind == Kind.DECISION_NOTICE:
            educated = {m.number for m in measures if m.law == law.Law.SCHOOL_VIOLENCE_ACT_ART17}
            educated &= law.GUARDIAN_EDUCATION_MEASURES
            assert ("보호자도특별교육" in text) == bool(document.offender_id and educated)
            assert "행정심판" in text and "행정소송" in text
            assert f"안날부터{law.APPEAL_DAYS_FROM_NOTICE}일" in text
            assert f"있은날부터{law.APPEAL_DAYS_FROM_DECISION}일" in text
    elif kind == Kind.SEPARATION_NOTICE:
        assert f"최대{law.SEPARATION_MAX_DAYS}일" in text
    elif kind == Kind.POLICE_REFERRAL:
        referred = document.incident.police_referred_on
        assert squeezed(f"{referred.year}년 {referred.month}월 {referred.day}일") in text
    elif kind == Kind.TAKEDOWN_REQUEST:
        assert "삭제" in text


def _measure_facts(measure: Measure):
    from casetracker.documents.facts import _measure

    return _measure(measure)


def test_the_victims_copy_names_offenders_by_code_only(case, clerk_of_case):
    issued = services.issue_documents(actor=clerk_of_case, incident=case, kind=Kind.DECISION_NOTICE)
    victim_copies = [d for d in issued.documents if d.recipient_role == RecipientRole.VICTIM_SIDE]
    assert len(victim_copies) == case.victims.count()
    for document in victim_copies:
        text = pdf_text(services.document_file(clerk_of_case, document))
        assert "관련학생O1" in text
        assert "가해자이름" not in text


def test_a_letter_that_would_carry_another_persons_name_is_not_issued(case, clerk_of_case, monkeypatch):
    from dataclasses import replace

    from casetracker.documents import letters
    from casetracker.documents.letters import Block

    def leaking(facts, **kwargs):
        letter = letters.police_referrals(facts, **kwargs)[0]
        return [replace(letter, blocks=(*letter.blocks, Block("para", facts.victims[0].name)))]

    monkeypatch.setitem(letters.WRITERS, Kind.POLICE_REFERRAL, leaking)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.issue_documents(actor=clerk_of_case, incident=case, kind=Kind.POLICE_REFERRAL)
    assert not Document.objects.filter(incident=case).exists()


def test_docx_holds_the_same_letter(case, clerk_of_case):
    issued = services.issue_documents(actor=clerk_of_case, incident=case, kind=Kind.DECISION_NOTICE, file_format="docx")
    for document in issued.documents:
        word = WordDocument(io.BytesIO(document.content))
        text = squeezed(
            " ".join(p.text for p in word.paragraphs)
            + " ".join(c.text for t in word.tables for r in t.rows for c in r.cells)
        )
        assert "조치결정통보서" in text and "제17조제1항제" in text and "행정소송" in text
        for name in set(names(case)) - allowed_names(document):
            assert name not in text, f"{document}: {name} in the DOCX copy"


def test_a_correction_is_a_new_version_and_the_old_one_stays(case, clerk_of_case):
    first = services.issue_documents(actor=clerk_of_case, incident=case, kind=Kind.SCHOOL_REQUEST).documents[0]
    again = services.issue_documents(actor=clerk_of_case, incident=case, kind=Kind.SCHOOL_REQUEST).documents[0]
    assert (again.version, again.replaces) == (2, first)
    assert Document.objects.filter(pk=first.pk).exists()
    assert again.generated_by == clerk_of_case and again.template_version == "school-request/1"


def test_the_offices_letterhead_is_on_its_letters(case, clerk_of_case):
    OfficeLetterhead.objects.create(
        office=case.office, sender="경기도교육감", contact="학교폭력담당 주무관 031-000-0000", footer="경기도 수원시"
    )
    document = services.issue_documents(actor=clerk_of_case, incident=case, kind=Kind.POLICE_REFERRAL).documents[0]
    text = pdf_text(services.document_file(clerk_of_case, document))
    assert "경기도교육감" in text and "031-000-0000" in text and "경기도수원시" in text


def test_only_the_offices_clerks_issue_and_read_the_files(case, clerk_of_case):
    other_clerk = UserFactory()
    supervisor = UserFactory(supervisor=True, office=case.office)
    with pytest.raises(Incident.DoesNotExist):
        services.issue_documents(actor=other_clerk, incident=case, kind=Kind.POLICE_REFERRAL)
    with pytest.raises(PermissionDenied):
        services.issue_documents(actor=supervisor, incident=case, kind=Kind.POLICE_REFERRAL)
    document = services.issue_documents(actor=clerk_of_case, incident=case, kind=Kind.POLICE_REFERRAL).documents[0]
    assert list(services.documents_for(supervisor)) == [document]
    assert list(services.documents_for(other_clerk)) == []
    with pytest.raises(PermissionDenied):
        services.document_file(supervisor, document)


def test_nothing_to_issue_says_why(case, clerk_of_case):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="즉시 분리"):
        services.issue_documents(actor=clerk_of_case, incident=case, kind=Kind.SEPARATION_NOTICE)
    assert not Document.objects.filter(incident=case).exists()


# The appeal clock ------------------------------------------------------------------------------


def appeal_rows(user, today):
    return [row for row in queue_rows(user, today=today, queue_filter=QueueFilter(dues=(Due.APPEAL,)))]


def test_the_delivery_of_the_decision_notice_starts_the_appeal_clock_the_queue_follows(case, clerk_of_case):
    issued = services.issue_documents(actor=clerk_of_case, incident=case, kind=Kind.DECISION_NOTICE)
    notice = next(
        d for d in issued.documents if d.recipient_role == RecipientRole.OFFENDER_SIDE and d.offender.code == "O1"
    )
    measures = Measure.objects.filter(committee_case=notice.committee_case, offender=notice.offender)
    decided_on = measures.first().decided_on
    delivered_on = decided_on + datetime.timedelta(days=3)
    today = decided_on + datetime.timedelta(days=10)
    measures.update(notified_on=None)
    before = {row["item_pk"] for row in appeal_rows(clerk_of_case, today)}
    assert not before & set(measures.values_list("pk", flat=True))

    services.record_delivery(
        actor=clerk_of_case, document=notice, delivered_on=delivered_on, method=Delivery.Method.REGISTERED_MAIL
    )

    assert set(measures.values_list("notified_on", flat=True)) == {delivered_on}
    rows = {row["item_pk"]: row for row in appeal_rows(clerk_of_case, today)}
    expected = law.appeal_deadline(decided_on, delivered_on)
    for measure in measures.filter(appeals__isnull=True):
        assert rows[measure.pk]["deadline"] == expected
    # A corrected delivery date moves the deadline with it.
    later = delivered_on + datetime.timedelta(days=2)
    services.record_delivery(actor=clerk_of_case, document=notice, delivered_on=later, method=Delivery.Method.BY_HAND)
    rows = {row["item_pk"]: row for row in appeal_rows(clerk_of_case, today)}
    assert {rows[m.pk]["deadline"] for m in measures.filter(appeals__isnull=True)} == {
        law.appeal_deadline(decided_on, later)
    }
    delivery = Delivery.objects.get(document=notice)
    assert delivery.appeal_deadline == law.appeal_deadline(decided_on, later)
    assert [h.delivered_on for h in delivery.history.order_by("history_id")] == [delivered_on, later]


def test_the_victims_delivery_gives_the_victims_deadline_and_leaves_the_measures(case, clerk_of_case):
    issued = services.issue_documents(actor=clerk_of_case, incident=case, kind=Kind.DECISION_NOTICE)
    notice = next(d for d in issued.documents if d.recipient_role == RecipientRole.VICTIM_SIDE)
    decided_on = Measure.objects.filter(committee_case=notice.committee_case).first().decided_on
    before = list(Measure.objects.filter(committee_case=notice.committee_case).values_list("notified_on", flat=True))
    delivery = services.record_delivery(
        actor=clerk_of_case, document=notice, delivered_on=decided_on, method=Delivery.Method.EMAIL
    )
    assert delivery.appeal_deadline == law.appeal_deadline(decided_on, decided_on)
    assert (
        list(Measure.objects.filter(committee_case=notice.committee_case).values_list("notified_on", flat=True))
        == before
    )


def test_a_delivery_before_the_decision_is_refused(case, clerk_of_case):
    from django.core.exceptions import ValidationError

    notice = services.issue_documents(actor=clerk_of_case, incident=case, kind=Kind.DECISION_NOTICE).documents[0]
    decided_on = Measure.objects.filter(committee_case=notice.committee_case).first().decided_on
    with pytest.raises(ValidationError):
        services.record_delivery(
            actor=clerk_of_case, document=notice, delivered_on=decided_on - datetime.timedelta(days=1), method="email"
        )
    assert not Delivery.objects.exists()


# The command -----------------------------------------------------------------------------------


def test_the_command_writes_every_letter_in_one_file(case, tmp_path):
    out = tmp_path / "notices.pdf"
    call_command("document", "decision-notice", "--case", CASE_NUMBER, "--office", OFFICE, "--out", str(out))
    count = Document.objects.filter(incident=case, kind=Kind.DECISION_NOTICE).count()
    assert AccessLog.objects.filter(target_id=str(case.pk), action=AccessLog.Action.EXPORT).exists()
    assert count == case.victims.count() + case.offenders.count()
    assert len(PdfReader(str(out)).pages) >= count


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["no-such-kind", "--case", CASE_NUMBER, "--office", OFFICE], "Unknown kind"),
        (["decision-notice", "--case", "1999-9999"], "no case"),
        (["decision-notice", "--case", CASE_NUMBER, "--office", OFFICE, "--format", "odt"], "Unknown format"),
        (["separation-notice", "--case", CASE_NUMBER, "--office", OFFICE], "separation"),
    ],
)
def test_the_command_refuses_bad_input_clearly(arguments, message, tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(CommandError, match=message):
        call_command("document", *arguments, "--out", str(tmp_path / "x.pdf"))
    assert not Document.objects.exists()
