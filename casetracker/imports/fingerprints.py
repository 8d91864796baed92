"""What the cases of an import looked like at its preview, so that the commit can tell they changed.

A preview shows what the file would change in each case as the case stood then. If another
clerk changes one of those cases before the commit, the commit would overwrite that change
without anyone having seen it. So the preview keeps a fingerprint of every case the file names
(its case number): the ids and versions of the incident and of every record under it that an
import writes, or None for a case not recorded. The commit takes the fingerprints again, locking
those rows until it ends, and refuses when one differs: the clerk uploads the file again and
sees a new preview.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from casetracker.cases import selectors
from casetracker.core.models import Office

CHUNK = 500

# The records under an incident that an import writes, and the path from each to its incident.
RECORDS = (
    (selectors.victims_for, "incident_id"),
    (selectors.offenders_for, "incident_id"),
    (selectors.committee_cases_for, "incident_id"),
    (selectors.measures_for, "committee_case__incident_id"),
    (selectors.appeals_for, "measure__committee_case__incident_id"),
)


def case_fingerprints(
    user, office: Office, case_numbers: Iterable[str], *, lock: bool = False
) -> dict[str, str | None]:
    """Each case number's fingerprint (None: no such case in ``office`` for ``user``).

    With ``lock``, the rows read stay locked until the transaction ends (PostgreSQL), so that
    no one changes them between this check and the import's writes.
    """
    numbers = sorted(set(case_numbers))
    found: dict[str, str | None] = {}
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        incidents = selectors.incidents_for(user).filter(office=office, case_number__in=chunk)
        if lock:
            incidents = incidents.select_for_update(of=("self",))
        parts: dict[int, list[tuple]] = defaultdict(list)
        by_id = {}
        for number, pk, version in incidents.order_by().values_list("case_number", "id", "version"):
            by_id[pk] = number
            parts[pk].append(("incident", pk, version))
        for selector, path in RECORDS:
            if not by_id:
                break
            records = selector(user).filter(**{f"{path}__in": list(by_id)})
            if lock:
                records = records.select_for_update(of=("self",))
            name = records.model.__name__
            for incident_id, pk, version in records.order_by().values_list(path, "id", "version"):
                parts[incident_id].append((name, pk, version))
        for number in chunk:
            found[number] = None
        for pk, number in by_id.items():
            found[number] = hashlib.blake2b(repr(sorted(parts[pk])).encode(), digest_size=12).hexdigest()
    return found


def changed_cases(user, office: Office, previewed: dict[str, str | None]) -> list[str]:
    """The case numbers whose fingerprint is not what the preview took (their rows locked)."""
    now = case_fingerprints(user, office, previewed, lock=True)
    return [number for number in sorted(previewed) if now.get(number) != previewed[number]]
