"""The case records' querysets: each scoped by its incident's office (``for_user``), and the measures'
finality (what offenders ultimately received, after appeals)."""

from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from casetracker.core.scoping import ScopedQuerySet

from ..law import ART17_TIER_NUMBERS, Law, Tier


class CaseQuerySet(ScopedQuerySet):
    """Case rows, scoped by their incident's office (and local office, for a clerk of one).

    ``incident`` is the path from a row to its incident: "" for incidents themselves.
    """

    incident = "incident__"

    @property
    def office_path(self) -> str:
        return f"{self.incident}office"

    @property
    def local_office_path(self) -> str:
        return f"{self.incident}school__local_office"


class QueueItemQuerySet(CaseQuerySet):
    """Committee cases, takedown requests (and measures): the work queue's items, which store their
    case's local office (``cases/local_offices.py``, kept by the database's triggers from the school).
    A local office's scope reads it: the indexes (local office, deadline) of each kind then find a
    local office's items, as the planner cannot tell how few of them lie at that local office's
    schools through the incident (issue 20)."""

    local_office_path = "local_office"


class IncidentQuerySet(CaseQuerySet):
    incident = ""


class RelationQuerySet(CaseQuerySet):
    incident = "offender__incident__"


class ProtectionMeasureQuerySet(CaseQuerySet):
    incident = "victim__incident__"


class AppealQuerySet(CaseQuerySet):
    incident = "measure__committee_case__incident__"


def _superseding_appeals():
    from .appeals import Appeal  # (the appeals module imports this one)

    return Appeal.objects.filter(measure=OuterRef("pk"), outcome__in=Appeal.SUPERSEDING_OUTCOMES)


class MeasureQuerySet(QueueItemQuerySet):
    incident = "committee_case__incident__"

    def final(self) -> "MeasureQuerySet":
        """The measures offenders ultimately received: none changed or revoked on appeal."""
        return self.filter(~Exists(_superseding_appeals()))

    def with_finality(self) -> "MeasureQuerySet":
        return self.annotate(is_final=~Exists(_superseding_appeals()))

    def original(self) -> "MeasureQuerySet":
        """The measures as the committees imposed them, before any appeal."""
        return self.filter(ordered_by_appeal__isnull=True)

    def of_tier(self, tier: str) -> "MeasureQuerySet":
        return self.filter(law=Law.SCHOOL_VIOLENCE_ACT_ART17, number__in=ART17_TIER_NUMBERS[Tier(tier)])


class VictimNoticeQuerySet(CaseQuerySet):
    incident = "committee_case__incident__"

    def with_decision(self) -> "VictimNoticeQuerySet":
        """Each notice with ``decided_on``, the day of its committee's decision (an alias, for SQL):
        the first measure the committee imposed (before any appeal), else the hearing's date, as
        the decision notice itself dates it (``documents.facts``)."""
        from .committee import Measure  # (the committee module imports this one)

        first = (
            Measure.objects.filter(committee_case=OuterRef("committee_case"), ordered_by_appeal__isnull=True)
            .order_by("decided_on")
            .values("decided_on")[:1]
        )
        return self.alias(decided_on=Coalesce(Subquery(first), F("committee_case__hearing_date")))

    def without_victims_appeal(self) -> "VictimNoticeQuerySet":
        """The notices whose side has not appealed: no appeal filed by a victim's side against a
        measure of the committee case. An appeal records which side filed it, not which victim, so
        one filed by a victim's side ends the period of every victim of that committee case (as any
        appeal of a measure ends the offender's, ``appeals__isnull``)."""
        from .appeals import Appeal  # (the appeals module imports this one)

        appealed = Appeal.objects.filter(
            measure__committee_case=OuterRef("committee_case"), appellant=Appeal.Appellant.VICTIM
        )
        return self.filter(~Exists(appealed))
