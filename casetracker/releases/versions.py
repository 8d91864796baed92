"""Which data and which code a release was computed from, and which cases changed since.

The data version is a SHA-256 over every incident's (id, version, updated_at) and the highest
change-history id of each kind of case record: any change made through the application (the
services, the importer, the admin) moves one of them. The marks also answer "which cases changed
since": every history row above a mark belongs to a case changed after the release.
"""

import hashlib
import json
import subprocess

from django.conf import settings
from django.db.models import Max

from casetracker.cases.models import (
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

# Each kind of case record, and the way from its history rows to their incident: a field holding the
# incident's id, or (field, parent model) to follow.
CASE_MODELS = {
    Incident: "id",
    Victim: "incident_id",
    Offender: "incident_id",
    TakedownRequest: "incident_id",
    CommitteeCase: "incident_id",
    Separation: "incident_id",
    ProtectionMeasure: ("victim_id", Victim),
    OffenderVictimRelation: ("offender_id", Offender),
    Measure: ("committee_case_id", CommitteeCase),
    Appeal: ("measure_id", Measure),
}


def history_marks() -> dict[str, int]:
    return {
        model._meta.label_lower: model.history.aggregate(mark=Max("history_id"))["mark"] or 0 for model in CASE_MODELS
    }


def data_version(marks: dict[str, int]) -> str:
    digest = hashlib.sha256(json.dumps(marks, sort_keys=True).encode())
    rows = Incident.objects.order_by("pk").values_list("pk", "version", "updated_at")
    for pk, version, updated_at in rows.iterator(chunk_size=5000):
        digest.update(f"{pk}:{version}:{updated_at.isoformat()};".encode())
    return digest.hexdigest()


def code_version() -> str:
    """``CODE_VERSION`` (set by the deployment), else ``git describe`` of the checkout, else "unknown"."""
    if settings.CODE_VERSION:
        return settings.CODE_VERSION
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607 (git from the PATH, no input of anyone's)
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return described.stdout.strip() or "unknown"


def _incidents_of(model, ids: set[int]) -> set[int]:
    way = CASE_MODELS[model]
    if way == "id":
        return set(ids)
    field, parent = (way, None) if isinstance(way, str) else way
    found = set(model.history.filter(id__in=ids).values_list(field, flat=True))
    return found if parent is None else _incidents_of(parent, found)


def incidents_changed_since(marks: dict[str, int]) -> set[int]:
    """The ids of the incidents with any record changed (added, edited, deleted) after ``marks``."""
    changed: set[int] = set()
    for model in CASE_MODELS:
        mark = marks.get(model._meta.label_lower, 0)
        ids = set(model.history.filter(history_id__gt=mark).values_list("id", flat=True))
        if ids:
            changed |= _incidents_of(model, ids)
    return changed


def deleted_incidents(ids: set[int]) -> list[tuple[int, str, str]]:
    """(id, office code, case number) of incidents deleted since, from their last history row."""
    rows = (
        Incident.history.filter(id__in=ids, history_type="-")
        .order_by("id", "-history_id")
        .values_list("id", "office__code", "case_number")
    )
    seen: dict[int, tuple[int, str, str]] = {}
    for pk, office, number in rows:
        seen.setdefault(pk, (pk, office, number))
    return list(seen.values())
