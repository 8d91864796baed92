"""Issuing documents and recording their delivery: the one path the pages and the command take.

Who: only the case's own office's clerks issue documents, download them and record their
delivery (``accounts.policy.sees_identities_of``: the files carry names). Supervisors read the
register of their scope (kinds, recipients by case code, dates), never a file. Nobody reaches a
case outside their scope: every case is fetched through the user's selectors first.

The appeal clocks: a decision notice delivered is the day its recipient learned of the decision,
from which their appeal period runs. Delivered to the offender's side, it sets the ``notified_on``
of that offender's measures; to a victim's side, their ``VictimNotice`` (both through the case
services, with their history), from which ``law.sql_appeal_deadline`` /
``law.sql_victim_appeal_deadline`` and the work queue count. Each clock follows the register
(``learned_on``): recording, correcting or removing a delivery, or delivering a corrected version,
works the day out again from the deliveries that stand.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from casetracker.accounts.policy import sees_identities_of
from casetracker.cases import selectors
from casetracker.cases import services as case_services
from casetracker.cases.models import Incident

from .facts import Letterhead, case_facts
from .letters import Kind, Letter, RecipientRole, letters_for, names_it_must_not_carry
from .models import Delivery, Document, Format, OfficeLetterhead
from .rendering import render_docx, render_pdf


def documents_for(user) -> QuerySet[Document]:
    """The register of ``user``'s scope (supervisors included: they read it, without the files)."""
    return Document.objects.for_user(user)


def may_issue(user, incident: Incident) -> bool:
    return bool(getattr(user, "is_active", False)) and sees_identities_of(user, incident.office_id)


def _require_issuer(user, incident: Incident) -> None:
    if not may_issue(user, incident):
        raise PermissionDenied(_("Only the clerks of the case's office issue its documents."))


def document_file(user, document: Document) -> bytes:
    """The file of ``document``, for the case's office's clerks only."""
    _require_issuer(user, document.incident)
    return bytes(document.content)


def letterhead_of(office) -> Letterhead:
    own = OfficeLetterhead.objects.filter(office=office).first()
    if own is None:
        return Letterhead(office_name=office.name_ko)
    return Letterhead(
        office_name=own.letterhead or office.name_ko,
        sender=own.sender,
        contact=own.contact,
        footer=own.footer,
        hearing_place=own.hearing_place,
    )


@dataclass(frozen=True)
class Issued:
    documents: list[Document]
    letters: list[Letter]
    batch: bytes  # every letter in one file, for printing


def _render(letters: list[Letter], file_format: str) -> bytes:
    return (render_docx if file_format == Format.DOCX else render_pdf)(letters)


@transaction.atomic
def issue_documents(
    *,
    actor,
    incident: Incident,
    kind: str,
    file_format: str = Format.PDF,
    committee_case_pk: int | None = None,
    issued_on: datetime.date | None = None,
) -> Issued:
    """Write every letter of ``kind`` the case's records make, keep each in the register, and
    return them with one file of them all. A letter issued again for the same recipient from the
    same record is a correction: the next version, replacing the one before, which stays."""
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Unknown kind of document: %(kind)s.") % {"kind": kind}})
    if file_format not in Format.values:
        raise ValidationError({"file_format": _("Unknown format: %(format)s.") % {"format": file_format}})
    # Locked: two clerks issuing the same letter at once make versions 2 and 3, not two versions 2.
    incident = (
        selectors.incidents_for(actor).select_related("office").select_for_update(of=("self",)).get(pk=incident.pk)
    )
    _require_issuer(actor, incident)
    issued_on = issued_on or timezone.localdate()
    facts = case_facts(actor, incident, letterhead=letterhead_of(incident.office))
    letters = letters_for(kind, facts, issued_on=issued_on, committee_case_pk=committee_case_pk)
    # The last guard of "no copy carries another person's name", whatever a kind's text says.
    if any(names_it_must_not_carry(letter, facts) for letter in letters):
        raise ValidationError(_("A letter would carry the name of someone it is not for: nothing was issued."))
    latest = {
        _key(document): document
        for document in Document.objects.filter(incident=incident, kind=kind, file_format=file_format, replaced_by=None)
    }
    documents = []
    for letter in letters:
        document = Document(
            incident=incident,
            kind=letter.kind,
            recipient_role=letter.role,
            offender_id=letter.offender_pk,
            victim_id=letter.victim_pk,
            committee_case_id=letter.committee_case_pk,
            subject=letter.subject,
            file_format=file_format,
            content=_render([letter], file_format),
            template_version=letter.template_version,
            generated_by=actor if actor.pk else None,
            generated_by_name=actor.get_username(),
        )
        previous = latest.get(_key(document))
        if previous is not None:
            document.replaces, document.version = previous, previous.version + 1
        documents.append(document)
    # Every field comes from the records read above, none from a form: the database's constraints
    # (the version chain, one successor per version) hold them, in one INSERT for the hearing.
    documents = Document.objects.bulk_create(documents)
    return Issued(documents=documents, letters=letters, batch=_render(letters, file_format))


def _key(document: Document) -> tuple:
    return (document.recipient_role, document.offender_id, document.victim_id, document.subject)


@transaction.atomic
def record_delivery(*, actor, document: Document, delivered_on: datetime.date, method: str) -> Delivery:
    """Record (or correct) how and when ``document`` reached its recipient.

    A decision notice's delivery moves its recipient's appeal clock (``_move_the_appeal_clock``).
    """
    document = documents_for(actor).select_related("incident").get(pk=document.pk)
    _require_issuer(actor, document.incident)
    delivery = Delivery.objects.filter(document=document).first() or Delivery(document=document)
    delivery.delivered_on, delivery.method = delivered_on, method
    delivery.recorded_by = actor if actor.pk else None
    delivery.full_clean()
    if document.kind == Kind.DECISION_NOTICE and document.committee_case_id:
        first_decided = document.committee_case.measures.aggregate(first=Min("decided_on"))["first"]
        if first_decided and delivered_on < first_decided:
            raise ValidationError({"delivered_on": _("A decision cannot be delivered before it was made.")})
    delivery.save()
    _move_the_appeal_clock(actor, document)
    return delivery


@transaction.atomic
def remove_delivery(*, actor, document: Document) -> None:
    """Remove the delivery recorded for ``document`` (recorded in error: the copy never reached its
    recipient). The delivery's history keeps it; a decision notice's appeal clock is worked out
    again from the deliveries that stand, and stops if none does."""
    document = documents_for(actor).select_related("incident").get(pk=document.pk)
    _require_issuer(actor, document.incident)
    delivery = Delivery.objects.filter(document=document).first()
    if delivery is None:
        return
    removed_on = delivery.delivered_on
    delivery.delete()
    _move_the_appeal_clock(actor, document, removed_on=removed_on)


def learned_on(deliveries: QuerySet[Delivery]) -> datetime.date | None:
    """The day a recipient learned of a decision, from the deliveries of their copies of its notice.

    A corrected notice is a new version of the copy, in its format (PDF, DOCX): once delivered, it
    is the notice the recipient holds, so its delivery counts rather than the earlier version's
    (the day moves with it, earlier or later); a version not yet delivered leaves the earlier
    delivery standing. Across the formats, the earliest of these: the first time the recipient
    held the notice in force. None when nothing stands delivered.
    """
    newest: dict[str, tuple[int, datetime.date]] = {}
    for file_format, version, delivered_on in deliveries.values_list(
        "document__file_format", "document__version", "delivered_on"
    ):
        if file_format not in newest or version > newest[file_format][0]:
            newest[file_format] = (version, delivered_on)
    return min((delivered_on for _version, delivered_on in newest.values()), default=None)


def _move_the_appeal_clock(actor, document: Document, *, removed_on: datetime.date | None = None) -> None:
    """Set the appeal clock of a decision notice's recipient to the day the register now gives."""
    if document.kind != Kind.DECISION_NOTICE or not document.committee_case_id:
        return
    copies = Delivery.objects.filter(
        document__incident=document.incident_id,
        document__kind=Kind.DECISION_NOTICE,
        document__committee_case=document.committee_case_id,
        document__recipient_role=document.recipient_role,
    )
    if document.recipient_role == RecipientRole.OFFENDER_SIDE and document.offender_id:
        _set_offenders_notice(
            actor, document, learned_on(copies.filter(document__offender=document.offender_id)), removed_on=removed_on
        )
    elif document.recipient_role == RecipientRole.VICTIM_SIDE and document.victim_id:
        case_services.record_victim_notice(
            actor=actor,
            committee_case=document.committee_case,
            victim=document.victim,
            notified_on=learned_on(copies.filter(document__victim=document.victim_id)),
        )


def _set_offenders_notice(actor, document: Document, day: datetime.date | None, *, removed_on) -> None:
    """The ``notified_on`` of the offender's measures of the committee case, as the committee imposed
    them. With no delivery left standing, only a day that came from the removed one is cleared:
    a day typed on the measure itself (the hearing step's) stays."""
    measures = (
        selectors.measures_for(actor)
        .original()
        .filter(committee_case=document.committee_case_id, offender=document.offender_id)
    )
    for measure in measures:
        if day is None and measure.notified_on != removed_on:
            continue
        if measure.notified_on != day:
            measure.notified_on = day
            case_services.save_record(record=measure, actor=actor)
