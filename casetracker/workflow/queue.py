"""The clerk's work queue: what is due in the cases of the user's scope, and by when.

Each kind of item (a hearing, a decision on extending its deadline, a measure to carry
out, a separation ending, a takedown request to follow up) is one scoped query with its
deadline computed in SQL; the queue is their UNION, sorted and paginated by the database.
The counts per office are the same queries grouped by office, in one UNION too: the
number of queries never grows with the number of cases.

At a million cases an office's old backlog (items overdue for more than ``BACKLOG_AFTER_DAYS``)
runs to a hundred thousand items, so the page never reads it whole: the live work is read
through each kind's ``may_be_due_from`` (a condition on indexed dates that every item still due
on a day meets); the backlog is counted as the kind's open work, which the database keeps summed
per local office (``cases/open_work.py``), less its live work; its pages, up to ``BACKLOG_CAP``
items, are read from the earliest (or latest) items of each kind (``queue_pages.QueuePages``). A
kind without ``may_be_due_from`` or ``sorted_by`` is still right, only read whole.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from casetracker.cases import selectors
from casetracker.cases.law import APPEAL_DAYS_FROM_NOTICE
from casetracker.cases.models import Law, Measure, OpenWorkKind, TakedownRequest, measure_label
from casetracker.core.formatting import format_date
from casetracker.core.models import Office

from . import deadlines
from .deadlines import Urgency


class Due(models.TextChoices):
    HEARING = "hearing", gettext_lazy("hearing")
    EXTENSION = "extension", gettext_lazy("decision on extending the hearing deadline")
    MEASURE = "measure", gettext_lazy("carrying out a measure")
    SEPARATION = "separation", gettext_lazy("end of separation")
    TAKEDOWN = "takedown", gettext_lazy("takedown follow-up")
    APPEAL = "appeal", gettext_lazy("end of the appeal period")
    VICTIM_APPEAL = "victim_appeal", gettext_lazy("end of the victim's side's appeal period")


OPEN_TAKEDOWN_OUTCOMES = TakedownRequest.OPEN_OUTCOMES

# The columns every kind of item gives, in this order (a UNION matches columns by position).
COLUMNS = (
    "due",
    "deadline",
    "urgency",
    "case_pk",
    "case_no",
    "office_pk",
    "item_pk",
    "text_1",
    "text_2",
    "measure_no",
    "since",
    "other_date",
    "backlog",
)


@dataclass(frozen=True)
class Source:
    """One kind of item: its scoped rows still due, its deadline, the path to the incident,
    and what ``text_1``, ``text_2``, ``measure_no``, ``since`` and ``other_date`` show.

    For speed only (the items are the same without them): ``may_be_due_from(day)``, a condition
    on indexed columns that every row whose deadline is on or after ``day`` meets, and
    ``sorted_by``, an indexed column whose order is the deadline's; and ``can_be_overdue``.

    ``open_work``: the kind of open work whose sums (``cases/open_work.py``) count exactly these
    rows, whatever their deadline; every kind that can be overdue has one, from which its old
    backlog is counted.
    """

    due: "Due"
    rows: QuerySet
    deadline: models.Expression
    incident: str
    columns: dict = field(default_factory=dict)
    may_be_due_from: Callable[[datetime.date], Q] | None = None
    sorted_by: str | None = None
    # False for a kind whose rows are only those still due today or later: it has no backlog.
    can_be_overdue: bool = True
    open_work: OpenWorkKind | None = None
    # ``_due_rows`` already built from this source (the counts and the page's live work ask the same).
    due_rows: dict = field(default_factory=dict, compare=False, repr=False)


def _within(column: str, days: int) -> Callable[[datetime.date], Q]:
    """``may_be_due_from`` of a deadline at most ``days`` after the date in ``column``."""

    def condition(day: datetime.date) -> Q:
        try:
            return Q(**{f"{column}__gte": day - datetime.timedelta(days=days)})
        except OverflowError:
            return Q()

    return condition


def _takedown_may_be_due_from(day: datetime.date) -> Q:
    # The day the clerk set, else a week after the request (``deadlines.sql_takedown_follow_up``).
    return Q(follow_up_on__gte=day) | (
        Q(follow_up_on__isnull=True) & _within("requested_on", deadlines.TAKEDOWN_FOLLOW_UP_DAYS)(day)
    )


def _text(value: str = "") -> Value:
    return Value(value, output_field=models.CharField())


def _no_date() -> Cast:
    return Cast(Value(None), models.DateField())


def _no_number() -> Cast:
    return Cast(Value(None), models.IntegerField())


def _committee_name() -> F:
    return F("committee__name_ko") if (get_language() or "ko").startswith("ko") else F("committee__name_en")


def _sources(user, today: datetime.date) -> list[Source]:
    open_cases = selectors.committee_cases_for(user).filter(
        hearing_date__isnull=True, closed_on__isnull=True, incident__closed_on__isnull=True
    )
    hearing_columns = {
        "text_1": _committee_name(),
        "text_2": _text(),
        "measure_no": _no_number(),
        "since": F("requested_on"),
        "other_date": F("hearing_scheduled_on"),
    }
    original_deadline = deadlines.sql_extension_deadline()
    # An extension is to decide while it is still possible, unless the hearing is set within the deadline.
    to_extend = (
        open_cases.filter(extended_on__isnull=True)
        .alias(original_deadline=original_deadline)
        .filter(original_deadline__gte=today)
        .filter(Q(hearing_scheduled_on__isnull=True) | Q(hearing_scheduled_on__gt=F("original_deadline")))
    )
    referred_within = _within("requested_on", deadlines.hearing_days(extended=True))
    return [
        Source(
            Due.HEARING,
            open_cases,
            deadlines.sql_hearing_deadline(),
            "incident__",
            hearing_columns,
            may_be_due_from=referred_within,
            open_work=OpenWorkKind.HEARING,
        ),
        Source(
            Due.EXTENSION,
            to_extend,
            original_deadline,
            "incident__",
            hearing_columns,
            may_be_due_from=referred_within,
            can_be_overdue=False,
        ),
        Source(
            Due.MEASURE,
            selectors.final_measures_for(user).filter(carried_out_on__isnull=True),
            deadlines.sql_carry_out_deadline(),
            "committee_case__incident__",
            {
                "text_1": F("offender__code"),
                "text_2": F("law"),
                "measure_no": F("number"),
                "since": F("decided_on"),
                "other_date": _no_date(),
            },
            may_be_due_from=_within("decided_on", deadlines.CARRY_OUT_DAYS),
            sorted_by="decided_on",
            open_work=OpenWorkKind.MEASURE,
        ),
        # The appeal period runs once the decision's notice is delivered (``notified_on``, which the
        # documents' delivery register sets); the measure becomes final when it ends without an appeal.
        Source(
            Due.APPEAL,
            selectors.final_measures_for(user)
            .filter(notified_on__isnull=False, appeals__isnull=True)
            .alias(appeal_deadline=deadlines.sql_appeal_deadline())
            .filter(appeal_deadline__gte=today),
            deadlines.sql_appeal_deadline(),
            "committee_case__incident__",
            {
                "text_1": F("offender__code"),
                "text_2": F("law"),
                "measure_no": F("number"),
                "since": F("notified_on"),
                "other_date": F("decided_on"),
            },
            may_be_due_from=_within("decided_on", deadlines.APPEAL_DAYS_FROM_DECISION),
            can_be_overdue=False,
        ),
        Source(
            Due.SEPARATION,
            selectors.separations_for(user).filter(ends_on__gte=today),
            F("ends_on"),
            "incident__",
            {
                "text_1": F("offender__code"),
                "text_2": F("victim__code"),
                "measure_no": _no_number(),
                "since": F("starts_on"),
                "other_date": _no_date(),
            },
            may_be_due_from=_within("ends_on", 0),
            sorted_by="ends_on",
            can_be_overdue=False,
        ),
        Source(
            Due.TAKEDOWN,
            selectors.takedown_requests_for(user).filter(outcome__in=OPEN_TAKEDOWN_OUTCOMES),
            deadlines.sql_takedown_follow_up(),
            "incident__",
            {
                "text_1": F("platform"),
                "text_2": F("outcome"),
                "measure_no": _no_number(),
                "since": F("requested_on"),
                "other_date": F("follow_up_on"),
            },
            may_be_due_from=_takedown_may_be_due_from,
            open_work=OpenWorkKind.TAKEDOWN,
        ),
        _victim_appeal_source(user, today),
    ]


def _victim_appeal_source(user, today: datetime.date) -> Source:
    """The victim's side's appeal period: it runs from their own notice of the decision (``VictimNotice``,
    which the documents' delivery register sets), 90 days capped at 180 from the decision; shown by
    the victim's code only. It ends, as the offender's does, when it passes or once that side has
    appealed (``without_victims_appeal``)."""
    return Source(
        Due.VICTIM_APPEAL,
        selectors.victim_notices_for(user)
        .without_victims_appeal()
        .alias(victim_appeal_deadline=deadlines.sql_victim_appeal_deadline())
        .filter(victim_appeal_deadline__gte=today),
        deadlines.sql_victim_appeal_deadline(),
        "committee_case__incident__",
        {
            "text_1": F("victim__code"),
            "text_2": F(f"committee_case__{_committee_name().name}"),
            "measure_no": _no_number(),
            "since": F("notified_on"),
            "other_date": F("decided_on"),
        },
        # Never later than 90 days after the notice, and shown only until it passes.
        may_be_due_from=_within("notified_on", APPEAL_DAYS_FROM_NOTICE),
        can_be_overdue=False,
    )


@dataclass(frozen=True)
class QueueFilter:
    """Which items: the kinds due and how urgent (all by default); earliest deadline first unless ``latest_first``."""

    dues: tuple[Due, ...] = tuple(Due)
    urgencies: tuple[Urgency, ...] = tuple(Urgency)
    latest_first: bool = False
    backlog: bool | None = None  # only the old backlog (True), only the live work (False), or both


# The two parts of the queue: the live work, and the old backlog after it.
LIVE, BACKLOG = "live", "backlog"
# The old backlog's pages stop after this many items (it is counted whole).
BACKLOG_CAP = 1_000


def _due_rows(source: Source, today: datetime.date, queue_filter: QueueFilter, window: str | None = None) -> QuerySet:
    """``source``'s rows with ``due``, ``deadline``, ``urgency`` and ``office_pk``, filtered; only
    the live work, or only the old backlog, with ``window``."""
    key = (today, frozenset(queue_filter.urgencies), queue_filter.backlog, window)
    if key not in source.due_rows:
        source.due_rows[key] = _build_due_rows(source, today, queue_filter, window)
    return source.due_rows[key]


def _build_due_rows(source: Source, today: datetime.date, queue_filter: QueueFilter, window: str | None) -> QuerySet:
    rows = source.rows.annotate(due=_text(source.due.value), deadline=source.deadline).annotate(
        urgency=deadlines.sql_urgency("deadline", today),
        office_pk=F(f"{source.incident}office_id"),
        backlog=deadlines.sql_is_backlog("deadline", today),
    )
    if set(queue_filter.urgencies) != set(Urgency):
        rows = rows.filter(urgency__in=queue_filter.urgencies)
    if queue_filter.backlog is not None:
        rows = rows.filter(backlog=int(queue_filter.backlog))
    cutoff = deadlines.backlog_cutoff(today)
    if window == LIVE:
        rows = rows.filter(deadline__gte=cutoff)
        if source.may_be_due_from is not None:
            rows = rows.filter(source.may_be_due_from(cutoff))
    elif window == BACKLOG:
        rows = rows.filter(deadline__lt=cutoff)
    return rows.order_by()


def _item_rows(source: Source, today: datetime.date, queue_filter: QueueFilter, window: str | None = None) -> QuerySet:
    """``source``'s rows as dicts of ``COLUMNS``."""
    return (
        _due_rows(source, today, queue_filter, window)
        .annotate(
            case_pk=F(f"{source.incident}id"),
            case_no=F(f"{source.incident}case_number"),
            item_pk=F("pk"),
            **source.columns,
        )
        .values(*COLUMNS)
    )


def _union(parts: list[QuerySet]) -> QuerySet | None:
    if not parts:
        return None
    first, *others = parts
    return first.union(*others, all=True) if others else first


def usual_order(*, latest_first: bool = False) -> tuple[str, ...]:
    return ("backlog", f"{'-' if latest_first else ''}deadline", "case_no", "due", "item_pk")


def queue_rows(
    user,
    *,
    today: datetime.date,
    queue_filter: QueueFilter | None = None,
    window: str | None = None,
    sources: list[Source] | None = None,
) -> QuerySet | list:
    """Every item due in ``user``'s scope, as dicts of ``COLUMNS``, in one query (only the live
    work, or only the old backlog, with ``window``); from ``sources`` (``_sources(user, today)``),
    if given, rather than built again.

    The live work first, then the old backlog (overdue for more than ``BACKLOG_AFTER_DAYS``);
    within each, earliest deadline first, which puts the overdue first, then those due within
    7 days, then the rest; or latest first.
    """
    queue_filter = queue_filter or QueueFilter()
    union = _union(
        [
            _item_rows(source, today, queue_filter, window)
            for source in (_sources(user, today) if sources is None else sources)
            if source.due in queue_filter.dues
        ]
    )
    if union is None:
        return []
    return union.order_by(*usual_order(latest_first=queue_filter.latest_first))


@dataclass
class OfficeCounts:
    """An office's items due; ``backlog`` (in ``overdue`` and ``total`` too) counted exactly."""

    office: Office
    overdue: int = 0
    this_week: int = 0
    total: int = 0
    backlog: int = 0

    @property
    def live(self) -> int:
        return self.total - self.backlog


def counts_by_office(
    user, *, today: datetime.date, queue_filter: QueueFilter | None = None, sources: list[Source] | None = None
) -> list[OfficeCounts]:
    """Per office of ``user``'s scope: how many items are overdue, due within 7 days, due at all
    (from ``sources``, ``_sources(user, today)``, if given).

    Two queries, whatever the cases or the offices: the offices, each with the open work of the
    kinds that can be overdue (the sums the database keeps, ``selectors.with_open_work``); and the
    live work grouped by office and kind, in one UNION, read through indexed dates. A kind's old
    backlog is its open work less its live work: every open item is one or the other.
    """
    queue_filter = queue_filter or QueueFilter()
    sources = [
        source for source in (_sources(user, today) if sources is None else sources) if source.due in queue_filter.dues
    ]
    overdue_kinds = [source for source in sources if source.can_be_overdue]
    assert all(source.open_work for source in overdue_kinds), "every kind that can be overdue is counted"
    with_backlog = queue_filter.backlog is not False and Urgency.OVERDUE in queue_filter.urgencies and overdue_kinds
    offices = Office.objects.for_user(user)
    if with_backlog:
        offices = selectors.with_open_work(user, offices)
    counts = {}
    for office in offices:
        entry = counts[office.pk] = OfficeCounts(office)
        if with_backlog:
            entry.backlog = sum(getattr(office, f"open_{source.open_work.value}") for source in overdue_kinds)
    live_work = queue_filter.backlog is not True
    # The live work of every urgency: what the filter keeps is added below, and a kind's whole live
    # work is taken from its open work.
    every_urgency = QueueFilter(dues=queue_filter.dues)
    live = _union(
        [
            _due_rows(source, today, every_urgency, LIVE)
            .values("office_pk")
            .annotate(
                overdue=Count("pk", filter=Q(urgency=Urgency.OVERDUE)),
                this_week=Count("pk", filter=Q(urgency=Urgency.THIS_WEEK)),
                total=Count("pk"),
                in_backlog_count=Value(int(bool(with_backlog) and source.can_be_overdue)),
            )
            .values("office_pk", "overdue", "this_week", "total", "in_backlog_count")
            for source in sources
            if live_work or (with_backlog and source.can_be_overdue)
        ]
    )
    for row in live if live is not None else []:
        if row["office_pk"] not in counts:
            continue
        entry = counts[row["office_pk"]]
        if row["in_backlog_count"]:
            entry.backlog -= row["total"]
        if live_work:
            by_urgency = {
                Urgency.OVERDUE: row["overdue"],
                Urgency.THIS_WEEK: row["this_week"],
                Urgency.LATER: row["total"] - row["overdue"] - row["this_week"],
            }
            entry.overdue += by_urgency[Urgency.OVERDUE] if Urgency.OVERDUE in queue_filter.urgencies else 0
            entry.this_week += by_urgency[Urgency.THIS_WEEK] if Urgency.THIS_WEEK in queue_filter.urgencies else 0
            entry.total += sum(by_urgency[urgency] for urgency in queue_filter.urgencies)
    for entry in counts.values():
        entry.overdue += entry.backlog
        entry.total += entry.backlog
    return list(counts.values())


# What the page shows of each item -----------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    due: Due
    deadline: datetime.date
    urgency: Urgency
    days_left: int
    case_pk: int
    case_number: str
    detail: str
    backlog: bool = False

    @property
    def days_overdue(self) -> int:
        return max(-self.days_left, 0)


def _detail(row: dict) -> str:
    due = Due(row["due"])
    if due in (Due.HEARING, Due.EXTENSION):
        detail = _("%(committee)s, referred on %(date)s") % {
            "committee": row["text_1"],
            "date": format_date(row["since"]),
        }
        if row["other_date"]:
            detail += _("; hearing scheduled for %(date)s") % {"date": format_date(row["other_date"])}
        return detail
    if due == Due.MEASURE:
        return _("%(offender)s: %(measure)s, decided on %(date)s") % {
            "offender": row["text_1"],
            "measure": measure_label(row["text_2"], row["measure_no"]),
            "date": format_date(row["since"]),
        }
    if due == Due.APPEAL:
        return _("%(offender)s: %(measure)s, decided on %(decided)s, notice delivered on %(date)s") % {
            "offender": row["text_1"],
            "measure": measure_label(row["text_2"], row["measure_no"]),
            "decided": format_date(row["other_date"]),
            "date": format_date(row["since"]),
        }
    if due == Due.VICTIM_APPEAL:
        return _("%(victim)s (%(committee)s): decided on %(decided)s, notice delivered on %(date)s") % {
            "victim": row["text_1"],
            "committee": row["text_2"],
            "decided": format_date(row["other_date"]),
            "date": format_date(row["since"]),
        }
    if due == Due.SEPARATION:
        return _("%(offender)s from %(victim)s, since %(date)s") % {
            "offender": row["text_1"],
            "victim": row["text_2"],
            "date": format_date(row["since"]),
        }
    return _("%(platform)s, requested on %(date)s (%(outcome)s)") % {
        "platform": TakedownRequest.Platform(row["text_1"]).label,
        "date": format_date(row["since"]),
        "outcome": TakedownRequest.Outcome(row["text_2"]).label,
    }


def as_item(row: dict, *, today: datetime.date) -> QueueItem:
    deadline = row["deadline"]
    return QueueItem(
        due=Due(row["due"]),
        deadline=deadline,
        urgency=deadlines.urgency(deadline=deadline, today=today),
        days_left=(deadline - today).days,
        case_pk=row["case_pk"],
        case_number=row["case_no"],
        detail=_detail(row),
        backlog=bool(row["backlog"]),
    )


# Takedown requests still open -----------------------------------------------------------------


def open_takedown_requests(user, *, today: datetime.date) -> QuerySet[TakedownRequest]:
    """Requests without an answer (or with "no answer") more than 7 days after they were made, oldest first."""
    cutoff = today - datetime.timedelta(days=deadlines.TAKEDOWN_FOLLOW_UP_DAYS)
    return (
        selectors.takedown_requests_for(user)
        .filter(outcome__in=OPEN_TAKEDOWN_OUTCOMES, requested_on__lt=cutoff)
        .select_related("incident__office")
        .order_by("requested_on", "incident__case_number", "pk")
    )


# School-record retention ------------------------------------------------------------------


def _recorded_measures(user) -> QuerySet:
    """Final Art. 17 measures of ``user``'s scope kept on the school record for a time, not yet deleted."""
    return selectors.final_measures_for(user, law=Law.SCHOOL_VIOLENCE_ACT_ART17).filter(
        number__in=deadlines.RECORD_RETENTION_YEARS, deleted_from_record_on__isnull=True
    )


def records_due_for_deletion(user, *, today: datetime.date) -> QuerySet[Measure]:
    """The measures due for deletion from the school record within 30 days, or overdue, earliest first.

    Each with ``deletion_due``; a student without a graduation date has no due date and is not
    here (``records_without_graduation_date`` counts them).
    """
    return (
        _recorded_measures(user)
        .annotate(deletion_due=deadlines.sql_record_deletion_due())
        .filter(deletion_due__lte=today + datetime.timedelta(days=deadlines.RETENTION_DUE_SOON_DAYS))
        .select_related("committee_case__incident__office", "offender")
        .order_by("deletion_due", "committee_case__incident__case_number", "offender__code", "pk")
    )


def records_without_graduation_date(user) -> int:
    """How many measures on the school record have no deletion date, for want of the graduation date."""
    return _recorded_measures(user).filter(offender__expected_graduation_on__isnull=True).count()


# Identities due for removal ---------------------------------------------------------------------


def identities_due_for_purge(user, *, today: datetime.date) -> QuerySet:
    """Closed cases whose names come due for removal within 30 days, or are overdue (``manage.py
    purge_identities`` has not run since), earliest first, each with ``identities_kept_until``."""
    return (
        selectors.identities_coming_due_for(user, by=today + datetime.timedelta(days=deadlines.RETENTION_DUE_SOON_DAYS))
        .select_related("office")
        .order_by("identities_kept_until", "case_number", "pk")
    )
