"""The work queue's filters, kept in the URL (django-filter): what is due, how soon, in which order.

A value the form cannot hold (``?due=everything-at-once``, ``?sort=latest``) is an error shown
on the form; the other filters still apply, and the list is still only the user's scope.
"""

import datetime

import django_filters
from django.utils.translation import gettext_lazy as _

from casetracker.core.models import Office

from .deadlines import Urgency
from .queue import Due, OfficeCounts, QueueFilter, _sources, counts_by_office, queue_rows
from .queue_pages import QueuePages, QueueRows
from .tables import QueueTable

WHEN_CHOICES = [
    ("overdue", _("overdue")),
    ("week", _("overdue or due within 7 days")),
    ("live", _("live work (without the old backlog)")),
    ("backlog", _("old backlog only")),
]
WHEN_URGENCIES = {
    "overdue": (Urgency.OVERDUE,),
    "week": (Urgency.OVERDUE, Urgency.THIS_WEEK),
}


class QueueFilterSet(django_filters.FilterSet):
    """The filters of ``user``'s queue on ``today``.

    The queue is a UNION of one query per kind of item, which SQL cannot filter once united,
    so the valid filters become a ``QueueFilter`` that ``queue_rows`` and ``counts_by_office``
    put into each query; ``qs`` is the queue they give. ``sort`` is the table's order
    (django-tables2 reads the same parameter), checked here against the columns it can sort by.
    The kinds of items (``queue._sources``) are built once for the page's queries: building them
    again for each was a good part of the page's time at scale (issue 20).
    """

    due = django_filters.ChoiceFilter(label=_("what is due"), choices=Due.choices, empty_label=_("everything"))
    when = django_filters.ChoiceFilter(label=_("deadline"), choices=WHEN_CHOICES, empty_label=_("any deadline"))
    sort = django_filters.ChoiceFilter(label=_("order"), choices=QueueTable.sort_choices, empty_label=None)

    def __init__(self, data=None, *, user, today: datetime.date, **kwargs):
        self.user = user
        self.today = today
        self.sources = _sources(user, today)
        # django-filter wants a queryset for its model only: ``qs`` is the queue's own UNION.
        super().__init__(data, queryset=Office.objects.none(), **kwargs)

    def _valid(self, name: str) -> str:
        """The value of filter ``name``, or ``""`` when it is missing or not valid."""
        self.form.is_valid()
        return self.form.cleaned_data.get(name) or ""

    def queue_filter(self) -> QueueFilter:
        """What the valid filters ask for (a filter in error asks for nothing)."""
        due, when = self._valid("due"), self._valid("when")
        return QueueFilter(
            dues=(Due(due),) if due else tuple(Due),
            urgencies=WHEN_URGENCIES.get(when, tuple(Urgency)),
            backlog={"live": False, "backlog": True}.get(when),
        )

    @property
    def order_by(self) -> str | None:
        """The table's order, if the form asks for a valid one."""
        return self._valid("sort") or None

    @property
    def qs(self) -> QueueRows:
        """The filtered queue (``queue_rows``), built when read."""
        if not hasattr(self, "_qs"):
            queue_filter = self.queue_filter()
            self._qs = QueueRows(
                lambda: queue_rows(self.user, today=self.today, queue_filter=queue_filter, sources=self.sources)
            )
        return self._qs

    def counts(self) -> list[OfficeCounts]:
        """The counts per office of the filtered queue."""
        return counts_by_office(self.user, today=self.today, queue_filter=self.queue_filter(), sources=self.sources)

    def pages(self, counts: list[OfficeCounts]) -> QueuePages:
        """The pages of the filtered queue, counted by ``counts`` (this filter's ``counts()``)."""
        return QueuePages.of(
            self.user, today=self.today, queue_filter=self.queue_filter(), counts=counts, sources=self.sources
        )
