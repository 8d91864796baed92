"""Deleting what the application never deletes (``cases.no_delete``), for the tests that start again
from nothing (a generator's second run, an import of an export) or that check how the other triggers
follow a delete: under the allowance of Django's flush, the only one that lets every delete through."""

from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Offender
from casetracker.cases.no_delete import flushing as deletes_allowed

__all__ = ["delete_cases", "delete_with_records", "deletes_allowed"]


def delete_cases(incidents=None) -> None:
    """Delete ``incidents`` (a queryset; every incident if None) with all they hold."""
    incidents = Incident.objects.all() if incidents is None else incidents
    ids = list(incidents.values_list("pk", flat=True))
    with deletes_allowed():
        _delete_measures(Measure.objects.filter(committee_case__incident__in=ids))
        CommitteeCase.objects.filter(incident__in=ids).delete()
        Incident.objects.filter(pk__in=ids).delete()


def delete_with_records(record) -> None:
    """Delete one record with the committee records it holds (what the cascade did before ``no_delete``)."""
    if isinstance(record, Incident):
        delete_cases(Incident.objects.filter(pk=record.pk))
        return
    measures = {
        Offender: lambda: Measure.objects.filter(offender=record),
        CommitteeCase: lambda: Measure.objects.filter(committee_case=record),
        Measure: lambda: Measure.objects.filter(pk=record.pk),
    }
    with deletes_allowed():
        if type(record) in measures:
            _delete_measures(measures[type(record)]())
        if type(record) is not Measure:
            record.delete()


def _delete_measures(measures) -> None:
    """The models protect a measure from its appeals: they go first, from the last back (an appeal's
    replacement measure may be under a later appeal of its own), each with the measure it ordered."""
    ids = list(measures.values_list("pk", flat=True))
    for appeal in Appeal.objects.filter(measure__in=ids).order_by("-pk"):
        appeal.delete()
    Measure.objects.filter(pk__in=ids).delete()
