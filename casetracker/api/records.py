"""The de-identified records of a page of incidents, read as plain values: one query for the page
and one per kind of record below it (channels, victims, offenders, takedown requests, committee
cases, measures, appeals), whatever the page's size. Model instances and Django's prefetching cost
more than the queries on a page of 100 full cases (bench/api_bench.py), so the values go straight
into the answer. Which fields each record gives is ``serializers.py`` (the schema); a test holds
the two to the same keys. No name and no free text is read here at all."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, QuerySet

from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Offender, TakedownRequest, Victim

from . import serializers

INCIDENT_VALUES = {
    "id": "id",
    "case_number": "case_number",
    "office": "office__code",
    "local_office": "school__local_office__code",
    "school_level": "school__level",
    "report_date": "report_date",
    "content_kind": "content_kind",
    "image_source": "image_source",
    "police_referred_on": "police_referred_on",
    "closed_on": "closed_on",
    "closure_reason": "closure_reason",
    "status": "status",
    "status_reason": "status_reason",
    "created_at": "created_at",
    "updated_at": "updated_at",
}


def _fields(serializer_class, **renamed) -> dict[str, str]:
    """{key in the answer: lookup}: the serializer's fields, some reached by another lookup."""
    return {
        name: renamed.get(name, name) for name in serializer_class.Meta.fields if not _nested(serializer_class, name)
    }


def _nested(serializer_class, name: str) -> bool:
    return name in serializer_class._declared_fields and hasattr(serializer_class._declared_fields[name], "child")


PERSON = _fields(serializers.VictimSerializer)
TAKEDOWN = _fields(serializers.TakedownRequestSerializer)
APPEAL = _fields(serializers.AppealSerializer)
MEASURE = _fields(serializers.MeasureSerializer, offender="offender__code", ordered_by_appeal="ordered_by_appeal_id")
COMMITTEE_CASE = _fields(
    serializers.CommitteeCaseSerializer, committee="committee_id", committee_kind="committee__kind"
)


def page_values(incidents: QuerySet[Incident]) -> QuerySet:
    return incidents.values(**{f"v_{key}": F(lookup) for key, lookup in INCIDENT_VALUES.items()})


def _rows(queryset: QuerySet, fields: dict[str, str], *keys: str) -> list[dict]:
    """Each row as {answer key: value}, with the grouping ``keys`` under their own names."""
    lookups = {f"v_{name}": F(lookup) for name, lookup in fields.items()}
    lookups.update({f"k_{key}": F(key) for key in keys})
    return [
        {
            **{name: row[f"v_{name}"] for name in fields},
            **{f"_{key}": row[f"k_{key}"] for key in keys},
        }
        for row in queryset.values(**lookups)
    ]


def _grouped(rows: Iterable[dict], key: str) -> dict[int, list[dict]]:
    groups: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row.pop(f"_{key}")].append(row)
    return groups


def records(page: list[dict]) -> list[dict]:
    """The full record of each incident of ``page`` (rows of ``page_values``), in the page's order."""
    incidents = [{key: row[f"v_{key}"] for key in INCIDENT_VALUES} for row in page]
    ids = [incident["id"] for incident in incidents]
    if not ids:
        return []
    through = Incident.channels.through
    channels: dict[int, list[str]] = defaultdict(list)
    for incident_id, code in (
        through.objects.filter(incident_id__in=ids)
        .order_by("channel__sort_order", "channel__code")
        .values_list("incident_id", "channel__code")
    ):
        channels[incident_id].append(code)
    victims = _grouped(
        _rows(Victim.objects.filter(incident_id__in=ids).order_by("code", "id"), PERSON, "incident_id"), "incident_id"
    )
    offenders = _grouped(
        _rows(Offender.objects.filter(incident_id__in=ids).order_by("code", "id"), PERSON, "incident_id"), "incident_id"
    )
    takedowns = _grouped(
        _rows(
            TakedownRequest.objects.filter(incident_id__in=ids).order_by("requested_on", "id"), TAKEDOWN, "incident_id"
        ),
        "incident_id",
    )
    cases = _rows(
        CommitteeCase.objects.filter(incident_id__in=ids).order_by("requested_on", "id"), COMMITTEE_CASE, "incident_id"
    )
    case_ids = [case["id"] for case in cases]
    measures = _rows(
        Measure.objects.filter(committee_case_id__in=case_ids).order_by("decided_on", "id"),
        MEASURE,
        "committee_case_id",
    )
    appeals = _grouped(
        _rows(
            Appeal.objects.filter(measure_id__in=[measure["id"] for measure in measures]).order_by("filed_on", "id"),
            APPEAL,
            "measure_id",
        ),
        "measure_id",
    )
    for measure in measures:
        measure["appeals"] = appeals.get(measure["id"], [])
    measures_of = _grouped(measures, "committee_case_id")
    for case in cases:
        case["measures"] = measures_of.get(case["id"], [])
    cases_of = _grouped(cases, "incident_id")
    for incident in incidents:
        pk = incident["id"]
        incident["channels"] = channels.get(pk, [])
        incident["victims"] = victims.get(pk, [])
        incident["offenders"] = offenders.get(pk, [])
        incident["takedown_requests"] = takedowns.get(pk, [])
        incident["committee_cases"] = cases_of.get(pk, [])
    return incidents
