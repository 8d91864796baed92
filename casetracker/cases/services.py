"""Every write to case data goes through here: one function per use case.

Each validates with the model's rules (``full_clean``) and runs in one transaction,
so a case is never half-saved. The admin, and later the importer and the workflow,
call these functions rather than ``Model.save()``.

The workflow's steps (refer, schedule, extend, hear and decide, carry out, appeal,
close) live in ``steps.py`` (and are read from here too, ``__getattr__``); they set what the
step records and save it through the models' rules, the same
``full_clean`` that the admin's forms and the importer run: the order of the steps, one
pending appeal per party, the closing rules and the single extension are rules of the data
(``clean()``, and constraints where one table can hold them), never of one path.
django-simple-history records every change they make (who, when, from where): that is
their audit entry. The incident's status and committee referrals are derived from these
records, and stored again by the database's own triggers (``triggers.py``) in the statement
that writes them: no write here has to remember them. Every save reports its record to
``free_text``, which checks that no case's free text holds its people's names or direct
identifiers, for the whole case at the end of the submission (or of the save).

Every save raises the record's ``version``; the admin passes the version its form was loaded
at (``expected_version``), and a record changed meanwhile is refused with what changed,
never silently overwritten.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models.functions import Left
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from casetracker.audit.services import client_address
from casetracker.core.formatting import format_date
from casetracker.core.models import Office
from casetracker.core.scoping import choices_outside_scope

from . import free_text, no_delete
from .models import Appeal, CaseRecord, CommitteeCase, Incident, Measure, Victim, VictimNotice
from .models.incident import CASE_NUMBER_YEAR_CHARS


@transaction.atomic
def save_record(*, record: CaseRecord, actor, expected_version: int | None = None) -> CaseRecord:
    """Validate and save one case record (incident, person, committee case, measure...).

    ``actor`` is the user saving it: what the record points at (its school, committee, incident...)
    must be theirs to choose, so that a case never lands outside its author's own view. None is a
    command's write, which no office scopes.

    With ``expected_version`` (the version the clerk's form was loaded at), a record changed
    meanwhile is refused (``StaleRecordError``) and nothing is saved.
    """
    if expected_version is not None:
        check_version(record=record, expected_version=expected_version)
    found = check_choices(record=record, actor=actor)
    if isinstance(record, Appeal):
        return save_appeal(appeal=record)
    free_text.before_save(record)
    record.rows_found = found
    try:
        record.full_clean()
    finally:
        record.rows_found = None
    _next_version(record)
    record.save()
    free_text.saved([record])
    return record


def one_submission(*, actor, replace_with=None):
    """A clerk's submission (a page, an import), its cases checked at its end (``free_text``)."""
    return free_text.one_submission(replace_with=replace_with, save=lambda r: save_record(record=r, actor=actor))


def check_choices(*, record: CaseRecord, actor) -> dict:
    """Refuse a record that points at a row outside ``actor``'s scope (``core.scoping``), by field;
    the foreign keys' values it found in the scope ({attname: value}: those rows exist)."""
    if actor is None:
        return {}
    found = {}
    errors = choices_outside_scope(actor, [record], found=found)
    if errors:
        raise errors[0]
    return found.get(0, {})


def save_imported_record(*, record: CaseRecord, user, reason: str, channels: Sequence | None = None) -> CaseRecord:
    """Save one row of an import: the same rules as the entry forms, in its own savepoint.

    The change history names the clerk and the import (``reason``), so every imported row is on
    the audit trail as an import. ``channels`` (incidents only) replaces the incident's channels.

    The models' check constraints repeat rules that ``clean()`` already gives with a message on
    the field; Django would check each with a query of its own before saving, which is most of
    an import's time. So here the database checks them as it saves, and a refusal comes back as
    the constraint's own message. Unique constraints are checked first, as everywhere.
    """
    record._history_user = user
    record._change_reason = reason[:100]
    check_choices(record=record, actor=user)
    try:
        with transaction.atomic():
            if isinstance(record, Appeal):
                save_appeal(appeal=record)
            else:
                free_text.before_save(record)
                record.full_clean(validate_constraints=False)
                _validate_unique_constraints(record)
                _next_version(record)
                record.save()
            if channels is not None:
                record.channels.set(channels)
    except IntegrityError as error:
        raise _constraint_error(record, error) from None
    free_text.saved([record])
    return record


@dataclass
class ImportedRecord:
    """One row of an import, ready to save: a new record, or a loaded one with its changes applied."""

    record: CaseRecord
    channels: Sequence | None = None


def save_imported_records(*, rows: Sequence[ImportedRecord], user, reason: str) -> dict[int, ValidationError]:
    """Save many rows of one kind of record at once: the errors, by position, of those refused.

    Each record is checked with the model's rules (``clean()`` and every field's), as the entry
    forms do, and the valid ones are written in bulk with their change history (the clerk, the
    import, the address): an import of 100,000 rows does not make 100,000 round trips.

    The caller has found the related records and looked each row's natural key up in the same
    transaction (the importer does), so those are not queried again here; the database's unique
    and check constraints still hold. If it refuses the batch, the rows are saved one by one
    (``save_imported_record``) so the refusal lands on the row at fault, with its message.
    Appeals (which may order a replacement measure) always go one by one.
    """
    errors: dict[int, ValidationError] = {}
    # What each row points at must be the clerk's to choose (one query per field for the batch).
    outside = choices_outside_scope(user, [row.record for row in rows]) if user is not None else {}
    valid: list[ImportedRecord] = []
    for position, row in enumerate(rows):
        record = row.record
        if position in outside:
            errors[position] = outside[position]
            continue
        if isinstance(record, Appeal):
            try:
                save_imported_record(record=record, user=user, reason=reason, channels=row.channels)
            except ValidationError as error:
                errors[position] = error
            continue
        # Not the relations (the caller found them), nor what no one types (the version, the
        # timestamps, the derived status): the fields an entry form would check.
        free_text.before_save(record)
        unchecked = [field.name for field in record._meta.concrete_fields if field.is_relation or not field.editable]
        try:
            record.full_clean(exclude=unchecked, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors[position] = error
        else:
            valid.append(row)
    if not valid:
        return errors
    try:
        with transaction.atomic():
            _bulk_write(valid, user=user, reason=reason)
        free_text.saved(row.record for row in valid)
    except IntegrityError:
        for position, row in enumerate(rows):
            if position in errors or isinstance(row.record, Appeal):
                continue
            if row.record._state.adding:
                row.record.pk = None  # (the failed bulk insert may have numbered it)
            try:
                save_imported_record(record=row.record, user=user, reason=reason, channels=row.channels)
            except ValidationError as error:
                errors[position] = error
    return errors


def _bulk_write(rows: Sequence[ImportedRecord], *, user, reason: str) -> None:
    model = type(rows[0].record)
    address = client_address(getattr(HistoricalRecords.context, "request", None))
    new = [row for row in rows if row.record._state.adding]
    changed = [row for row in rows if not row.record._state.adding]
    if new:
        model.objects.bulk_create([row.record for row in new], batch_size=500)
        _copy_to_history(model, [row.record.pk for row in new], "+", user=user, reason=reason, address=address)
    if changed:
        stored = dict(
            model._base_manager.select_for_update()
            .filter(pk__in=[row.record.pk for row in changed])
            .values_list("pk", "version")
        )
        now = timezone.now()
        for row in changed:
            row.record.version = stored[row.record.pk] + 1
            row.record.updated_at = now
        fields = [
            field.name for field in model._meta.concrete_fields if not field.primary_key and field.name != "created_at"
        ]
        model.objects.bulk_update([row.record for row in changed], fields, batch_size=500)
        _copy_to_history(model, [row.record.pk for row in changed], "~", user=user, reason=reason, address=address)
    with_channels = [row for row in rows if row.channels is not None]
    if with_channels:
        _set_channels(model, with_channels)


def _copy_to_history(
    model: type[CaseRecord], pks: list[int], history_type: str, *, user, reason: str, address: str | None
) -> None:
    """Write the change history of rows just saved, as simple-history would, copied by the database.

    The same rows as ``bulk_history_create`` makes (the tracked fields, who, when, why, from
    where), but one INSERT ... SELECT per batch: the values do not travel back through Python,
    which would double the time of a large import.
    """
    history = model.history.model
    quote = connection.ops.quote_name
    tracked = [field.column for field in history.tracked_fields]
    columns = [*tracked, "history_date", "history_user_id", "history_type", "history_change_reason", "ip_address"]
    now = timezone.now()
    for start in range(0, len(pks), 500):
        batch = pks[start : start + 500]
        # (Only quoted table and column names from the models go into the text; values are parameters.)
        sql = (
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
            f"SELECT {', '.join(quote(c) for c in tracked)}, %s, %s, %s, %s, %s "
            f"FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN "
            f"({', '.join(['%s'] * len(batch))}) ORDER BY {quote(model._meta.pk.column)}"
        )
        params = [
            history._meta.get_field("history_date").get_db_prep_value(now, connection),
            user.pk if user is not None else None,
            history_type,
            reason[:100],
            address,
            *batch,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _set_channels(model: type[CaseRecord], rows: Sequence[ImportedRecord]) -> None:
    """Set the channels of imported incidents, and record them in the history entry just written."""
    through = model.channels.through
    through.objects.filter(incident_id__in=[row.record.pk for row in rows]).delete()
    links = through.objects.bulk_create(
        [through(incident_id=row.record.pk, channel_id=channel.pk) for row in rows for channel in row.channels]
    )
    latest = dict(
        model.history.filter(id__in=[row.record.pk for row in rows])
        .order_by("id", "history_id")
        .values_list("id", "history_id")
    )  # (ordered by history id, the last of each incident wins)
    history_links = model.history.model.channels.model
    history_links.objects.bulk_create(
        [
            history_links(
                id=link.pk,
                incident_id=link.incident_id,
                channel_id=link.channel_id,
                history_id=latest[link.incident_id],
            )
            for link in links
        ]
    )


def _validate_unique_constraints(record: CaseRecord) -> None:
    errors = []
    for constraint in record._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            try:
                constraint.validate(type(record), record)
            except ValidationError as error:
                errors.append(error)
    if errors:
        raise ValidationError(errors)


def _constraint_error(record: CaseRecord, error: IntegrityError) -> ValidationError:
    """The message of the constraint the database named, or a general one."""
    text = str(error)
    for constraint in record._meta.constraints:
        if constraint.name in text:
            return ValidationError(constraint.get_violation_error_message(), code="constraint")
    return ValidationError(_("The database refused this record: %(error)s") % {"error": text}, code="integrity")


# Concurrent edits ------------------------------------------------------------------------


class StaleRecordError(ValidationError):
    """The record changed after the form was loaded: the save is refused."""


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


def _locked_version(record: CaseRecord) -> int | None:
    """The stored version of ``record``, its row locked until the end of the transaction."""
    return type(record)._base_manager.select_for_update().filter(pk=record.pk).values_list("version", flat=True).first()


def _next_version(record: CaseRecord) -> None:
    """Raise an existing record's version to one above the stored one (a new record keeps 1)."""
    if record.pk is not None and not record._state.adding:
        stored = _locked_version(record)
        if stored is not None:
            record.version = stored + 1


@transaction.atomic
def check_version(*, record: CaseRecord, expected_version: int | None) -> None:
    """Refuse a save from a form loaded at ``expected_version`` if the record changed since.

    Locks the record's row, so the save that follows in the same transaction is the next one.
    The message lists what changed meanwhile: the record as the clerk loaded it (its history
    at that version) against the record now, by field label; names are not in the history.
    """
    if record.pk is None:
        return
    if expected_version is None:
        raise StaleRecordError(
            _("This form was sent without the version of the record it was loaded from. Reload the page."),
            code="no_version",
        )
    stored = _locked_version(record)
    if stored is None or stored == expected_version:
        return
    changes = changes_since(record=record, version=expected_version)
    if changes:
        listed = "; ".join(
            _("%(field)s: %(old)s → %(new)s") % {"field": change.label, "old": change.old, "new": change.new}
            for change in changes
        )
        message = _(
            "Someone else saved this %(record)s while you were editing it, and your changes were not saved. "
            "Changed meanwhile: %(changes)s. Reload the page and enter your changes again."
        ) % {"record": record._meta.verbose_name, "changes": listed}
    else:
        message = _(
            "Someone else saved this %(record)s while you were editing it, and your changes were not saved. "
            "Reload the page and enter your changes again."
        ) % {"record": record._meta.verbose_name}
    raise StaleRecordError(message, code="stale")


def changes_since(*, record: CaseRecord, version: int) -> list[FieldChange]:
    """What changed in ``record`` since its ``version``, from the change history (empty if unknown)."""
    history = record.history.model.objects.filter(id=record.pk)
    loaded = history.filter(version=version).order_by("-history_date", "-history_id").first()
    current = history.order_by("-history_date", "-history_id").first()
    if loaded is None or current is None or loaded.pk == current.pk:
        return []
    delta = current.diff_against(loaded, excluded_fields=["version", "name"])
    return [
        FieldChange(label=str(field.verbose_name), old=_shown(field, change.old), new=_shown(field, change.new))
        for change in delta.changes
        for field in [record._meta.get_field(change.field)]
    ]


def _shown(field: models.Field, value) -> str:
    """A value as the form shows it: a choice's label, a related record's text, or a dash when empty."""
    if field.many_to_many:
        # (The history gives the rows of the through table, as dicts.)
        ids = [row[field.m2m_reverse_field_name()] for row in value or []]
        related = field.related_model._base_manager.filter(pk__in=ids)
        return ", ".join(sorted(str(item) for item in related)) or "—"
    if value is None or value == "":
        return "—"
    if field.is_relation:
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return format_date(value)
    return str(value)


@transaction.atomic
def delete_record(*, record: models.Model) -> None:
    record.delete()


@transaction.atomic
def save_appeal(*, appeal: Appeal) -> Appeal:
    """Save an appeal and keep its replacement measure in step with the outcome.

    An appeal that changed a measure orders a new one (same case, same offender);
    that replacement is what reports count from the day of the decision on. Its change history
    names who saved the appeal and why, as the appeal's does (a correction's reason).
    """
    appeal.full_clean()
    _next_version(appeal)
    appeal.save()
    replacement = Measure.objects.filter(ordered_by_appeal=appeal).first()
    if replacement is not None or appeal.outcome == Appeal.Outcome.CHANGED:
        replacement = replacement or Measure(ordered_by_appeal=appeal)
        for audit in ("_change_reason", "_history_user"):
            if hasattr(appeal, audit):
                setattr(replacement, audit, getattr(appeal, audit))
    if appeal.outcome == Appeal.Outcome.CHANGED:
        original = appeal.measure
        replacement.committee_case = original.committee_case
        replacement.offender = original.offender
        replacement.law = original.law
        replacement.number = appeal.replacement_number
        replacement.decided_on = appeal.decided_on
        replacement.days = appeal.replacement_days
        replacement.hours = appeal.replacement_hours
        replacement.full_clean()
        _next_version(replacement)
        replacement.save()
    elif replacement is not None:
        # Only a correction of the decision gets here (``rules.appeal_replacement_not_under_appeal``):
        # the database lets this one measure go inside its allowance (``no_delete``).
        with no_delete.withdrawing(appeal):
            replacement.delete()
    return appeal


@transaction.atomic
def record_victim_notice(
    *, actor, committee_case: CommitteeCase, victim: Victim, notified_on: datetime.date | None
) -> VictimNotice | None:
    """Set (or correct) the day ``victim``'s side learned of ``committee_case``'s decision, from which
    their appeal period runs; None removes it (no notice of theirs stands delivered any more).

    The one writer of ``VictimNotice``: the document register calls it with the day its deliveries
    give (``documents.services.record_delivery``). The case, the victim and any notice already
    recorded are read in ``actor``'s scope (None: a command's write, unscoped), so another office's
    case is "absent"; the save is ``save_record``'s (the model's rules, the version, the change
    history); a removal leaves its entry in the history too. An unchanged day writes nothing.
    """
    if actor is not None:
        committee_case = CommitteeCase.objects.for_user(actor).get(pk=committee_case.pk)
        victim = Victim.objects.for_user(actor).get(pk=victim.pk)
    notices = VictimNotice.objects.all() if actor is None else VictimNotice.objects.for_user(actor)
    notice = notices.select_for_update(of=("self",)).filter(committee_case=committee_case, victim=victim).first()
    if notice is not None and notice.notified_on == notified_on:
        return notice
    if notice is None and notified_on is None:
        return None
    notice = notice or VictimNotice(committee_case=committee_case, victim=victim)
    if getattr(actor, "pk", None):
        notice._history_user = actor  # the clerk, outside a request too (the history names them)
    if notified_on is None:
        notice.delete()
        return None
    notice.committee_case, notice.victim, notice.notified_on = committee_case, victim, notified_on
    return save_record(record=notice, actor=actor)


def next_case_number(*, office: Office, year: int) -> str:
    """The next free number of the form YYYY-NNNN in ``office`` (a suggestion; clerks may type their own).

    The office's numbers of that year are found by their first characters, which an index holds
    (``incident_number_year``): not by reading every number of the office.
    """
    prefix = f"{year}-"
    incidents = Incident.objects.filter(office=office)
    if len(prefix) == CASE_NUMBER_YEAR_CHARS:
        incidents = incidents.alias(number_year=Left("case_number", CASE_NUMBER_YEAR_CHARS)).filter(number_year=prefix)
    numbers = incidents.filter(case_number__startswith=prefix).values_list("case_number", flat=True)
    highest = max((int(n.split("-", 1)[1]) for n in numbers if n.split("-", 1)[1].isdigit()), default=0)
    return f"{year}-{highest + 1:04d}"


# The workflow's steps live in ``steps.py`` (this module had reached its size), which saves through
# the functions above; read from here too, lazily, since ``steps`` imports this module.
STEP_NAMES = frozenset(
    {
        "MeasureDecision",
        "close_case",
        "decide_appeal",
        "decide_measures",
        "extend_hearing_deadline",
        "file_appeal",
        "record_hearing_and_decision",
        "record_measure_carried_out",
        "refer_to_committee",
        "schedule_hearing",
    }
)


def __getattr__(name: str):
    if name in STEP_NAMES:
        from . import steps

        return getattr(steps, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
