"""Identifiers taken out of stored text: the current records, every earlier version, the logs (issue 17, item 3).

``scrub_identifiers`` is the one service: ``manage.py scrub_identifiers`` and the admin's button on
a case's change history both call it. It reads, case by case in chunks of ``CHUNK`` cases, every
free text of the case's records (``free_text.TEXT_FIELDS``), the same columns of each of their
historical versions, and the reason each version was recorded under (``history_change_reason``,
in the history of every case model), and replaces what ``identifiers.find_identifiers`` finds
there (the names of the case's people, the direct identifiers) with the same codes and tokens as
the save check. Rows are streamed (``iterator``) and written back by ``bulk_update``, in place: the
change history gets no new version for it, or the scrub would write a trail of its own. It all
runs in one transaction; what it reports and logs are counts per table and column, never a text.

The names matched are the current names of the case's people. The history of people never holds
a name (``audited_history`` excludes it), so a name changed since is not in the database any more
and cannot be matched; the direct identifiers are matched regardless.

The access log is not scrubbed, and need not be: it is append-only (a trigger refuses UPDATE and
DELETE) and holds no free text of a case. Its rows say what was done to which record, by its code
or case number and the counts of what was done (tests/cases/test_scrub.py scans it with the rest).
The one text a person types into it is the reason of a scrub, so that reason is checked here like
any case text (against the patterns, and the people of every case scrubbed) and refused if it holds
an identifier. Keeping the log immutable is worth more than a way to edit it that the scrub would
never need.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access
from casetracker.core.models import Office

from .free_text import PEOPLE_MODELS, TEXT_FIELDS, People
from .identifiers import find_identifiers, replace_identifiers
from .models import (
    Appeal,
    CommitteeCase,
    Incident,
    Measure,
    Offender,
    OffenderVictimRelation,
    ProtectionMeasure,
    Separation,
    TakedownRequest,
    Victim,
)

CHUNK = 200  # cases at a time (each chunk's keys go into IN lists, within SQLite's bounds)
ROWS_PER_FETCH = 2000
REASON = "history_change_reason"

# How a record of each case model finds its case: through its incident, or through the victim,
# committee case or measure it belongs to (``_Keys``).
INCIDENT, VICTIM, COMMITTEE_CASE, MEASURE = "incident", "victim", "committee_case", "measure"
CASE_KEYS: dict[type, tuple[str, str]] = {
    Incident: ("id", INCIDENT),
    Victim: ("incident_id", INCIDENT),
    Offender: ("incident_id", INCIDENT),
    TakedownRequest: ("incident_id", INCIDENT),
    Separation: ("incident_id", INCIDENT),
    CommitteeCase: ("incident_id", INCIDENT),
    OffenderVictimRelation: ("victim_id", VICTIM),
    ProtectionMeasure: ("victim_id", VICTIM),
    Measure: ("committee_case_id", COMMITTEE_CASE),
    Appeal: ("measure_id", MEASURE),
}


class ScrubRefused(ValueError):
    """The scrub was not run: its reason is missing or holds an identifier (the message says which)."""


@dataclass
class ScrubResult:
    """What was (or, in a dry run, would be) replaced: per (table, column), rows and identifiers."""

    dry_run: bool
    cases: int = 0
    rows: Counter = field(default_factory=Counter)
    identifiers: Counter = field(default_factory=Counter)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_identifiers(self) -> int:
        return sum(self.identifiers.values())

    def by_column(self) -> list[tuple[str, str, int, int]]:
        return [
            (table, column, self.rows[table, column], self.identifiers[table, column])
            for table, column in sorted(self.rows)
        ]


@dataclass(frozen=True)
class _Target:
    model: type
    key: str  # the column that leads to the case
    via: str  # what that column holds: an incident, a victim, a committee case or a measure
    fields: tuple[str, ...]


def targets() -> list[_Target]:
    """Every (model, free-text columns) the scrub reads: current records, then their history."""
    found = []
    for model, fields in TEXT_FIELDS.items():
        key, via = CASE_KEYS[model]
        found.append(_Target(model, "pk" if key == "id" else key, via, fields))
    for model, (key, via) in CASE_KEYS.items():
        found.append(_Target(model.history.model, key, via, (*TEXT_FIELDS.get(model, ()), REASON)))
    return found


class _Keys:
    """The victims, committee cases and measures of a chunk of cases, current and past, by their case."""

    def __init__(self, incident_ids: list[int]):
        self.incident = {incident_id: incident_id for incident_id in incident_ids}
        self.victim = self._map(Victim, "incident_id", self.incident)
        self.committee_case = self._map(CommitteeCase, "incident_id", self.incident)
        self.measure = self._map(Measure, "committee_case_id", self.committee_case)

    @staticmethod
    def _map(model, key: str, parents: dict[int, int]) -> dict[int, int]:
        found = {}
        for manager in (model._base_manager, model.history.model._base_manager):
            for pk, parent in manager.filter(**{f"{key}__in": list(parents)}).values_list("id", key).distinct():
                found[pk] = parents[parent]
        return found

    def of(self, via: str) -> dict[int, int]:
        return getattr(self, via)


def people_of(incident_ids: list[int]) -> dict[int, People]:
    """Each case's named people as (code, name), deleted cases included (two queries)."""
    people: dict[int, list] = {incident_id: [] for incident_id in incident_ids}
    for model in PEOPLE_MODELS:
        rows = model._base_manager.filter(incident_id__in=incident_ids).exclude(name="")
        for incident_id, code, name in rows.order_by("incident_id", "code").values_list("incident_id", "code", "name"):
            people[incident_id].append((code, name))
    return {incident_id: tuple(named) for incident_id, named in people.items()}


def case_ids(*, office: Office | None = None, incident_ids: Iterable[int] | None = None) -> list[int]:
    """The cases to scrub: those of the office (or all), those deleted since included (their history stays)."""
    found = set()
    for manager in (Incident._base_manager, Incident.history.model._base_manager):
        rows = manager.all()
        if office is not None:
            rows = rows.filter(office=office)
        if incident_ids is not None:
            rows = rows.filter(id__in=list(incident_ids))
        found.update(rows.values_list("id", flat=True).distinct().iterator(chunk_size=ROWS_PER_FETCH))
    return sorted(found)


def _replaced_rows(target: _Target, field_name: str, cases: dict[int, int], people: dict[int, People]) -> Iterator:
    """(pk, new text, identifiers replaced) of each row of ``target`` whose ``field_name`` holds one."""
    max_length = target.model._meta.get_field(field_name).max_length
    rows = target.model._base_manager.filter(**{f"{target.key}__in": list(cases)})
    rows = rows.exclude(**{f"{field_name}__isnull": True}).exclude(**{field_name: ""}).order_by("pk")
    for pk, key, text in rows.values_list("pk", target.key, field_name).iterator(chunk_size=ROWS_PER_FETCH):
        found = find_identifiers(text, people=people[cases[key]])
        if found:
            replaced = replace_identifiers(text, found)
            yield pk, replaced[:max_length] if max_length else replaced, len(found)


def check_reason(reason: str, people: People = ()) -> None:
    if not reason.strip():
        raise ScrubRefused(_("Give the reason for the scrub."))
    if find_identifiers(reason, people=people):
        raise ScrubRefused(_("The reason holds an identifier; write it without names or contact details."))


@transaction.atomic
def own_office(actor) -> Office | None:
    """The office whose cases ``actor`` may scrub, or None for every office (a national admin,
    a superuser, the server's command line). An office's admin scrubs its office's cases only."""
    scope = actor.account_scope if actor is not None else None
    if scope is None or scope.national:
        return None
    return Office.objects.filter(pk=scope.office_id).first() or Office(pk=-1)  # (no office: no case)


def scrub_identifiers(
    *,
    actor,
    reason: str = "",
    office: Office | None = None,
    incident_ids: Iterable[int] | None = None,
    dry_run: bool = False,
    request: HttpRequest | None = None,
    username: str = "",
) -> ScrubResult:
    """Replace the identifiers stored in the cases' texts and history (all cases, an office's or the given ones).

    A dry run changes nothing and needs no reason; a real one needs a reason without identifiers
    (``ScrubRefused``) and writes one access-log entry: who, when, how many, why.
    """
    if not dry_run or reason:
        check_reason(reason)
    own = own_office(actor)
    if own is not None and office is not None and office.pk != own.pk:
        raise ScrubRefused(_("You scrub the cases of your own office of education only."))
    ids = case_ids(office=office or own, incident_ids=incident_ids)
    result = replace_in_cases(ids, dry_run=dry_run, reason=reason)
    if not dry_run:
        log_access(
            action=AccessLog.Action.CHANGE,
            request=request,
            user=actor,
            username=username,
            target=_single_case(ids, incident_ids),
            detail=audit_detail(result, office=office, reason=reason),
        )
    return result


def replace_in_cases(ids: list[int], *, dry_run: bool, reason: str = "") -> ScrubResult:
    """The scrub of the cases ``ids`` itself, without its audit entry (the caller writes one):
    ``scrub_identifiers``, and the purge of identities past their retention (``retention``)."""
    result = ScrubResult(dry_run=dry_run, cases=len(ids))
    every_target = targets()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        people = people_of(chunk)
        if reason:
            check_reason(reason, tuple(person for named in people.values() for person in named))
        keys = _Keys(chunk)
        for target in every_target:
            cases = keys.of(target.via)
            if not cases:
                continue
            for field_name in target.fields:
                column = (target.model._meta.db_table, target.model._meta.get_field(field_name).column)
                changed = []
                for pk, text, count in _replaced_rows(target, field_name, cases, people):
                    result.rows[column] += 1
                    result.identifiers[column] += count
                    changed.append(target.model(pk=pk, **{field_name: text}))
                if changed and not dry_run:
                    target.model._base_manager.bulk_update(changed, [field_name], batch_size=500)
    return result


def _single_case(ids: list[int], incident_ids) -> Incident | None:
    if incident_ids is None or len(ids) != 1:
        return None
    return Incident._base_manager.filter(pk=ids[0]).first()


def audit_detail(result: ScrubResult, *, office: Office | None, reason: str) -> str:
    """How many, where and why, for the access log (the log's own columns say who and when)."""
    scope = f"office {office.code}" if office is not None else "all offices"
    return (
        f"scrub_identifiers ({scope}, {result.cases} case(s)): {result.total_identifiers} identifier(s) "
        f"replaced in {result.total_rows} row(s); reason: {reason}"
    )[:500]
