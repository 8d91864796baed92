"""No case stores a name of its people or a direct identifier in its free text (issue 17, item 1).

The rule is about a whole case: every free-text field of its records (``TEXT_FIELDS``: the
incident's description, the reason for a committee case's extension, the notes of a protection
measure) against the names of all its people (victims and offenders) and the direct identifiers
of ``identifiers.find_identifiers``. A case is only whole once a submission is saved: the admin
saves the incident before its inline people, and the importer reads the victims' sheet after the
incidents'. So the check runs on the case, from the database, at the end of the submission, in
its transaction; refused, it raises ``IdentifierError`` (a ValidationError by field) and the whole
submission rolls back. This is simpler and sounder than checking each field as it is saved
against the people known at that moment, which misses the name added after the text.

``case_services.save_record`` and the importer's ``save_imported_record(s)`` report every case
record they save here (``saved``): inside ``one_submission()`` (the admin's change form, the
importer's run) the case is checked once, when the block ends; outside it (the workflow's steps,
commands), at once, at the end of that save. No path can store an identifier silently. Only the
records that hold a text or a name set off the check (``CHECKED_MODELS``); it costs
``QUERIES_PER_CHECK`` queries per case (or per 500 cases, in an import).

``one_submission(replace_with=people)`` is the clerk's one click: each text is saved with the
identifiers found replaced by the person's code (V1) or a neutral token ([연락처]) before it is
saved, so that the change history never holds them either. The people are those of the case as
the refused submission would have left it (``IdentifierError.people``): the names typed in the
same page count. What the submission does not save itself (a description stored before the
victim's name was given) is replaced and saved at the end.

Nothing here puts an identifier in a message, an exception's text or a log: the messages name the
field and the kinds found. The admin marks the spans itself, on the text the clerk posted.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .identifiers import Found, find_identifiers, replace_identifiers
from .models import CommitteeCase, Incident, Offender, ProtectionMeasure, Victim

# The free-text fields of a case's records. (Codes, case numbers, choices and the names
# themselves are not free text.)
TEXT_FIELDS: dict[type, tuple[str, ...]] = {
    Incident: ("content_description",),
    CommitteeCase: ("extension_reason",),
    ProtectionMeasure: ("notes",),
}
PEOPLE_MODELS = (Victim, Offender)
CHECKED_MODELS = (*TEXT_FIELDS, *PEOPLE_MODELS)
# People of the cases (victims, offenders) and their texts (incidents, committee cases, protection measures).
QUERIES_PER_CHECK = 5
CHUNK = 500

People = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TextFinding:
    """The identifiers found in one field of one record (the spans, never a copy of the text)."""

    model: type
    pk: int
    field: str
    incident_id: int
    found: tuple[Found, ...]

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(str(item.label) for item in self.found))


def found_message(kinds: Iterable[str]):
    return format_lazy(
        _(
            "This text holds {kinds}. Write the people's codes (V1, O2 ...) instead of their names, and leave out "
            "direct identifiers."
        ),
        kinds=", ".join(kinds),
    )


class IdentifierError(ValidationError):
    """A case's free text holds identifiers: by field, what kinds; ``findings`` says where exactly.

    ``people`` (the names of the cases checked) lets a second submission replace them; it is in
    no message.
    """

    def __init__(self, findings: list[TextFinding], people: dict[int, People]):
        by_field: dict[str, list] = {}
        for finding in findings:
            by_field.setdefault(finding.field, []).append(
                ValidationError(found_message(finding.kinds), code="identifier")
            )
        super().__init__(by_field)
        self.findings = findings
        self.people = people

    def __repr__(self) -> str:
        return f"IdentifierError({len(self.findings)} field(s))"

    def all_people(self) -> People:
        return tuple(dict.fromkeys(person for people in self.people.values() for person in people))


def incident_id_of(record) -> int | None:
    if isinstance(record, Incident):
        return record.pk
    if isinstance(record, ProtectionMeasure):
        if ProtectionMeasure._meta.get_field("victim").is_cached(record):
            return record.victim.incident_id  # (an inline of its victim's page: no query)
        return Victim.objects.filter(pk=record.victim_id).values_list("incident_id", flat=True).first()
    return getattr(record, "incident_id", None)


def people_of(incident_ids: Iterable[int]) -> dict[int, People]:
    """Each case's people as (code, name), the named ones only (two queries)."""
    people: dict[int, list] = {incident_id: [] for incident_id in incident_ids}
    for model in PEOPLE_MODELS:
        rows = model.objects.filter(incident_id__in=list(people)).exclude(name="")
        for incident_id, code, name in rows.order_by("incident_id", "code").values_list("incident_id", "code", "name"):
            people[incident_id].append((code, name))
    return {incident_id: tuple(named) for incident_id, named in people.items()}


def _texts(incident_ids: list[int]) -> Iterator[tuple[type, int, str, int, str]]:
    """(model, pk, field, incident id, text) of every non-empty free text of the cases (three queries)."""
    paths = {Incident: "pk", CommitteeCase: "incident_id", ProtectionMeasure: "victim__incident_id"}
    for model, fields in TEXT_FIELDS.items():
        path = paths[model]
        for name in fields:
            rows = model._base_manager.filter(**{f"{path}__in": incident_ids}).exclude(**{name: ""})
            for pk, incident_id, text in rows.order_by("pk").values_list("pk", path, name):
                yield model, pk, name, incident_id, text


def find_in_cases(incident_ids: Iterable[int]) -> tuple[list[TextFinding], dict[int, People]]:
    """What the free texts of the cases hold, from the database (``QUERIES_PER_CHECK`` per chunk)."""
    ids = sorted({incident_id for incident_id in incident_ids if incident_id is not None})
    findings: list[TextFinding] = []
    all_people: dict[int, People] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        people = people_of(chunk)
        all_people.update(people)
        for model, pk, name, incident_id, text in _texts(chunk):
            found = find_identifiers(text, people=people[incident_id])
            if found:
                findings.append(TextFinding(model, pk, name, incident_id, tuple(found)))
    return findings, all_people


def check_cases(incident_ids: Iterable[int]) -> None:
    findings, people = find_in_cases(incident_ids)
    if findings:
        raise IdentifierError(findings, people)


# One submission ---------------------------------------------------------------------------------


@dataclass
class Submission:
    replace_with: People | None = None
    incidents: set[int] = field(default_factory=set)


_submission: ContextVar[Submission | None] = ContextVar("case_submission", default=None)


def replace_in_record(record, people: People) -> None:
    """Replace, in the record's own free text, what ``people`` and the patterns find (before a save)."""
    for name in TEXT_FIELDS.get(type(record), ()):
        text = getattr(record, name)
        if text:
            setattr(record, name, replace_identifiers(text, find_identifiers(text, people=people)))


def before_save(record) -> None:
    """In a submission that replaces identifiers, the record's text is replaced before it is saved."""
    submission = _submission.get()
    if submission is not None and submission.replace_with is not None:
        replace_in_record(record, submission.replace_with)


def saved(records: Iterable) -> None:
    """Records just saved: their cases are checked at the end of the submission, or now."""
    incident_ids = {incident_id_of(record) for record in records if isinstance(record, CHECKED_MODELS)}
    incident_ids.discard(None)
    if not incident_ids:
        return
    submission = _submission.get()
    if submission is None:
        check_cases(incident_ids)
    else:
        submission.incidents |= incident_ids


@contextmanager
def one_submission(*, replace_with: People | None = None, save=None) -> Iterator[Submission]:
    """Check the cases saved in the block once, at its end (raises ``IdentifierError``).

    Run it inside the submission's transaction, so that a refusal rolls all of it back. With
    ``replace_with``, texts are replaced as they are saved, and ``save`` (a record -> None) saves
    those the block did not save itself, with their replacement.
    """
    submission = Submission(replace_with=replace_with)
    token = _submission.set(submission)
    try:
        yield submission
        findings, people = find_in_cases(submission.incidents)
        if findings and replace_with is not None and save is not None:
            for finding in findings:
                record = finding.model._base_manager.get(pk=finding.pk)
                replace_in_record(record, people[finding.incident_id] + replace_with)
                save(record)
            findings, people = find_in_cases(submission.incidents)
        if findings:
            raise IdentifierError(findings, people)
    finally:
        _submission.reset(token)


def pending_check(submission: Submission) -> tuple[list[TextFinding], dict[int, People]]:
    """Check the cases saved so far in ``submission`` now (the importer, to put errors on its rows)."""
    incidents, submission.incidents = submission.incidents, set()
    return find_in_cases(incidents)
