"""What a user is shown of a case's narratives and names: ``accounts.policy.field_access``, rendered.

Every page, drill-down, export and print that shows a field of ``free_text.TEXT_FIELDS`` or a
person's name shows it through ``shown``: as stored to the office's clerks, in its protected form
to the others who may read the case (each identifier found, a name of the case's people or a
direct identifier, replaced by the person's code or a neutral token: ``identifiers``), or not at
all. The protected form needs the case's people: ``CasePeople`` fetches them once per page (two
queries for all the cases asked so far), never per row.
"""

from collections.abc import Iterable

from casetracker.accounts.policy import Access, field_access

from .free_text import TEXT_FIELDS, People, incident_id_of, people_of
from .identifiers import find_identifiers, replace_identifiers
from .models import Incident


def field_key(model: type, field: str) -> str:
    return f"{model._meta.label_lower}.{field}"


class CasePeople:
    """The named people (code, name) of cases, fetched once for all the cases of a page."""

    def __init__(self) -> None:
        self._people: dict[int, People] = {}
        self._offices: dict[int, int | None] = {}

    def load(self, incident_ids: Iterable[int]) -> "CasePeople":
        missing = {incident_id for incident_id in incident_ids if incident_id not in self._people}
        missing.discard(None)
        if missing:
            self._people.update(people_of(sorted(missing)))
        return self

    def of(self, incident_id: int) -> People:
        return self.load([incident_id])._people[incident_id]

    def office_of(self, record, incident_id: int) -> int | None:
        """The office of ``record``'s case (from the record's incident where it holds it)."""
        if isinstance(record, Incident):
            return record.office_id
        if incident_id not in self._offices:
            descriptor = getattr(type(record), "incident", None)
            if descriptor is not None and descriptor.is_cached(record):
                self._offices[incident_id] = record.incident.office_id
            else:
                rows = Incident.objects.filter(pk=incident_id).values_list("office_id", flat=True)
                self._offices[incident_id] = rows.first()
        return self._offices[incident_id]


def shown(
    user, model: type, field: str, value: str, *, office_id: int | None, incident_id: int, people: CasePeople
) -> str:
    """``value`` of ``model.field`` (of case ``incident_id``, of office ``office_id``) as ``user`` may see it."""
    access = field_access(user, field_key(model, field), office_id=office_id)
    if access == Access.FULL or not value:
        return value
    if access == Access.HIDDEN:
        return ""
    return replace_identifiers(value, find_identifiers(value, people=people.of(incident_id)))


def shown_outside_office(
    user, model: type, field: str, value: str, *, office_id: int | None, incident_id: int, people: CasePeople
) -> str:
    """``value`` for a sheet that leaves the office (the printed case summary): what ``shown`` gives
    ``user``, but never more than the protected form, whoever prints it."""
    access = field_access(user, field_key(model, field), office_id=office_id)
    if access == Access.HIDDEN or not value:
        return ""
    return replace_identifiers(value, find_identifiers(value, people=people.of(incident_id)))


def sees_as_stored(user, model: type, *, office_id: int | None) -> bool:
    """Whether every narrative of ``model`` reaches ``user`` as stored (nothing to fetch to show it)."""
    return all(
        field_access(user, field_key(model, field), office_id=office_id) == Access.FULL
        for field in TEXT_FIELDS.get(model, ())
    )


def protect_record(user, record, *, people: CasePeople) -> None:
    """Put in ``record``'s narratives what ``user`` may see of them, for a page that only shows it.

    The record is then only displayed, never saved (the admin calls this for those who may not
    change the record).
    """
    fields = TEXT_FIELDS.get(type(record), ())
    if not any(getattr(record, field) for field in fields):
        return
    incident_id = incident_id_of(record)
    office_id = people.office_of(record, incident_id)
    for field in fields:
        value = shown(
            user,
            type(record),
            field,
            getattr(record, field),
            office_id=office_id,
            incident_id=incident_id,
            people=people,
        )
        setattr(record, field, value)
