"""The pages of a clerk's work queue at scale (issue 20): counted from the queue's counts, and each
page read from the part of the queue it holds, so that no page reads an office's whole backlog."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import QuerySet

from . import queue
from .queue import BACKLOG, LIVE, OfficeCounts, QueueFilter, Source, _item_rows, _sources, queue_rows, usual_order


@dataclass(frozen=True)
class QueuePages:
    """The pages of a clerk's queue, counted from ``counts_by_office`` (no COUNT of the UNION): the
    live work, then the old backlog's first ``BACKLOG_CAP`` items.

    In the usual order (the live work, then the backlog, each by deadline), a page of live work is
    read from the live work alone, and a page of backlog from the first items of each kind (by
    ``sorted_by`` where the kind has it), merged here: at most ``BACKLOG_CAP`` and a page of them.
    In another order (by case, by what is due) the page is a slice of the whole UNION.
    """

    user: object
    today: datetime.date
    queue_filter: QueueFilter
    live: int
    backlog: int
    # ``_sources(user, today)``, built once for the page's queries (``None``: built here).
    sources: list[Source] | None = field(default=None, compare=False)

    @classmethod
    def of(
        cls,
        user,
        *,
        today: datetime.date,
        queue_filter: QueueFilter,
        counts: list[OfficeCounts],
        sources: list[Source] | None = None,
    ) -> "QueuePages":
        return cls(
            user,
            today,
            queue_filter,
            live=sum(entry.live for entry in counts),
            backlog=min(sum(entry.backlog for entry in counts), queue.BACKLOG_CAP),
            sources=sources,
        )

    @property
    def count(self) -> int:
        return self.live + self.backlog

    def rows(self, union: "QuerySet | QueueRows", start: int, stop: int) -> list[dict]:
        """The rows ``start`` to ``stop`` of ``union`` (``queue_rows``, in the table's order)."""
        order = union.order if isinstance(union, QueueRows) else tuple(union.query.order_by)
        if order not in (usual_order(), usual_order(latest_first=True)):
            return list(union[start:stop])
        latest_first = order == usual_order(latest_first=True)
        queue_filter = QueueFilter(
            dues=self.queue_filter.dues,
            urgencies=self.queue_filter.urgencies,
            latest_first=latest_first,
            backlog=self.queue_filter.backlog,
        )
        page = []
        if start < self.live:
            live = queue_rows(self.user, today=self.today, queue_filter=queue_filter, window=LIVE, sources=self.sources)
            page += list(live[start : min(stop, self.live)]) if live else []
        if stop > self.live and self.backlog:
            first, last = max(start - self.live, 0), min(stop - self.live, self.backlog)
            page += self._backlog(first, last, latest_first=latest_first)
        return page

    def _backlog(self, first: int, last: int, *, latest_first: bool) -> list[dict]:
        sign = "-" if latest_first else ""
        rows = []
        for source in _sources(self.user, self.today) if self.sources is None else self.sources:
            if source.due not in self.queue_filter.dues or not source.can_be_overdue:
                continue
            by = source.sorted_by or "deadline"
            items = _item_rows(source, self.today, self.queue_filter, BACKLOG).order_by(
                f"{sign}{by}", "case_no", "item_pk"
            )
            rows += list(items[:last])

        def key(row):
            day = row["deadline"].toordinal()
            return (-day if latest_first else day, row["case_no"], row["due"], row["item_pk"])

        return sorted(rows, key=key)[first:last]


class QueueRows:
    """The queue's UNION (what ``build`` returns: ``queue_rows``), built only when it is read, in the
    order ``order_by`` asks (``()``: its own). A page in the usual order is read from the queue's parts
    (``QueuePages.rows``), so building the UNION's seven queries would be work for nothing; the table
    sorts this as it sorts a queryset."""

    def __init__(self, build: Callable[[], QuerySet | list], order: tuple[str, ...] = ()):
        self.build = build
        self.order = order

    def order_by(self, *fields: str) -> "QueueRows":
        return QueueRows(self.build, tuple(fields))

    @cached_property
    def union(self) -> QuerySet | list:
        rows = self.build()
        return rows.order_by(*self.order) if self.order and isinstance(rows, QuerySet) else rows

    def count(self) -> int:
        return self.union.count() if isinstance(self.union, QuerySet) else len(self.union)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        return self.union[key]

    def __iter__(self):
        return iter(self.union)
