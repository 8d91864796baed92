"""Identities kept only for a time after a case closes (issue 17, item 4; docs/retention.md).

A closed case (``Status.CLOSED``: closed by a clerk, or every committee case closed without a
hearing) keeps the names of its victims and offenders for its office's period
(``Office.identity_retention_years``, else ``settings.CASETRACKER_IDENTITY_RETENTION_YEARS``),
counted from the day it closed: the incident's ``closed_on``, else the last ``closed_on`` of its
committee cases. As ``law.py`` counts periods (the first day not counted), the names are kept
through ``add_years(closed on, years)`` and are due for the purge from the day after.

``purge_identities`` is the one service (``manage.py purge_identities``, e.g. nightly from cron).
For every case past its period that still holds a name, in one transaction: the scrub
(``scrub.replace_in_cases``, the one place that rewrites stored text) replaces the names and the
direct identifiers in the case's texts, in each earlier version of them and in the history's
reasons by the people's codes and neutral tokens; then the name fields are cleared. The people's
change history never held a name (``audited_history(excluded_fields=["name"])``), so nothing of
the name is left. The names are cleared by one UPDATE per table, not through the services: a purge
is no clerk's edit, and a new version of every person would be history about nothing. One
access-log entry says who, when, how many and why, never whose names. Run again, it finds no
case holding a name: it is idempotent.

A case reopened (its closing cleared) is not closed, so not purged; a case whose measures were
carried out stays open until a clerk closes it, and its period starts then.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Case, Exists, F, Max, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from casetracker.audit.models import AccessLog
from casetracker.audit.sentences import NAMES_PURGED
from casetracker.audit.services import log_access
from casetracker.core.dates import AddYears
from casetracker.core.models import IDENTITY_RETENTION_YEARS, Office

from . import scrub
from .free_text import PEOPLE_MODELS
from .models import CommitteeCase, Incident, Status

SETTING = "CASETRACKER_IDENTITY_RETENTION_YEARS"


def default_years() -> int:
    """The site's period (``settings.CASETRACKER_IDENTITY_RETENTION_YEARS``), a whole number of years from 1."""
    years = getattr(settings, SETTING, None)
    if type(years) is not int or years < 1:
        raise ImproperlyConfigured(f"{SETTING} must be a whole number of years, at least 1 (it is {years!r}).")
    return years


def check_setting(app_configs=None, **kwargs) -> list:
    """``manage.py check`` (and every server start) refuses a retention setting that is no period."""
    from django.core import checks

    try:
        default_years()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="casetracker.E001")]
    return []


def years_for(office: Office) -> int:
    return office.identity_retention_years or default_years()


def closed_on() -> Coalesce:
    """The day each incident closed: its own closing date, else its committee cases' last (SQL)."""
    last_closure = (
        CommitteeCase.objects.filter(incident=OuterRef("pk"))
        .order_by()
        .values("incident")
        .annotate(last=Max("closed_on"))
        .values("last")
    )
    return Coalesce(F("closed_on"), Subquery(last_closure), output_field=models.DateField())


def kept_until() -> Case:
    """The last day each incident's names are kept, by its office's period (SQL; NULL if not closed)."""
    closing = closed_on()
    return Case(
        *(
            When(office__identity_retention_years=years, then=AddYears(closing, years))
            for years in IDENTITY_RETENTION_YEARS
        ),
        default=AddYears(closing, default_years()),
        output_field=models.DateField(),
    )


def holds_a_name() -> models.Q:
    """Incidents with at least one named victim or offender."""
    named = models.Q()
    for model in PEOPLE_MODELS:
        named |= Exists(model._base_manager.filter(incident=OuterRef("pk")).exclude(name=""))
    return named


def coming_due(incidents: QuerySet[Incident], *, by: datetime.date) -> QuerySet[Incident]:
    """The closed ``incidents`` still holding a name whose period ends by ``by`` (or has ended),
    each with ``identities_closed_on`` and ``identities_kept_until``."""
    return (
        incidents.filter(status=Status.CLOSED)
        .filter(holds_a_name())
        .annotate(identities_closed_on=closed_on(), identities_kept_until=kept_until())
        .filter(identities_kept_until__lte=by)
    )


def due_for_purge(*, today: datetime.date, office: Office | None = None) -> QuerySet[Incident]:
    """The cases whose names are past their period on ``today``, all offices or one."""
    incidents = Incident.objects.all() if office is None else Incident.objects.filter(office=office)
    return coming_due(incidents, by=today - datetime.timedelta(days=1))


@dataclass
class PurgeResult:
    """What was (or, in a dry run, would be) purged: names cleared per table, and the scrub's counts."""

    dry_run: bool
    today: datetime.date
    cases: int = 0
    names: Counter = field(default_factory=Counter)
    scrubbed: scrub.ScrubResult | None = None

    @property
    def total_names(self) -> int:
        return sum(self.names.values())

    def by_column(self) -> list[tuple[str, str, int, int]]:
        """(table, column, rows, identifiers): the name fields cleared, then the texts scrubbed."""
        rows = [(table, column, count, count) for (table, column), count in sorted(self.names.items())]
        return rows + (self.scrubbed.by_column() if self.scrubbed else [])


@transaction.atomic
def purge_identities(
    *,
    actor,
    today: datetime.date,
    office: Office | None = None,
    dry_run: bool = False,
    request: HttpRequest | None = None,
    username: str = "",
) -> PurgeResult:
    """Pseudonymise the cases past their period on ``today`` (all offices, or ``office``'s).

    A dry run changes nothing and logs nothing; a run that purges writes one access-log entry.
    """
    ids = sorted(due_for_purge(today=today, office=office).values_list("pk", flat=True))
    result = PurgeResult(dry_run=dry_run, today=today, cases=len(ids))
    # First the texts, while the names are there to be found in them; then the names.
    result.scrubbed = scrub.replace_in_cases(ids, dry_run=dry_run)
    for start in range(0, len(ids), scrub.CHUNK):
        chunk = ids[start : start + scrub.CHUNK]
        for model in PEOPLE_MODELS:
            named = model._base_manager.filter(incident_id__in=chunk).exclude(name="")
            column = (model._meta.db_table, model._meta.get_field("name").column)
            result.names[column] += named.count() if dry_run else named.update(name="")
    if ids and not dry_run:
        log_access(
            action=AccessLog.Action.CHANGE,
            request=request,
            user=actor,
            username=username,
            detail=audit_detail(result, office=office),
        )
    return result


def audit_detail(result: PurgeResult, *, office: Office | None) -> str:
    """How many, where and why, for the access log (the log's own columns say who and when)."""
    scope = f"office {office.code}" if office is not None else "all offices"
    scrubbed = result.scrubbed or scrub.ScrubResult(dry_run=result.dry_run)
    return (
        f"{NAMES_PURGED}({scope}, {result.cases} case(s)): {result.total_names} name(s) cleared, "
        f"{scrubbed.total_identifiers} identifier(s) replaced in {scrubbed.total_rows} row(s); "
        f"reason: retention period after closing ended before {result.today.isoformat()} "
        f"({SETTING}={default_years()} unless the office sets its own)"
    )[:500]
