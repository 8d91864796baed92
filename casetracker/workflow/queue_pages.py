"""The pages of a clerk's work queue at scale (issue 20): counted from the queue's counts, and each
page read from the part of the queue it holds, so that no page reads an office's whole backlog."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from . import queue
from .queue import BACKLOG, LIVE, OfficeCounts, QueueFilter, _item_rows, _sources, queue_rows, usual_order


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

    @classmethod
    def of(cls, user, *, today: datetime.date, queue_filter: QueueFilter, counts: list[OfficeCounts]) -> "QueuePages":
        return cls(
            user,
            today,
            queue_filter,
            live=sum(entry.live for entry in counts),
            backlog=min(sum(entry.backlog for entry in counts), queue.BACKLOG_CAP),
        )

    @property
    def count(self) -> int:
        return self.live + self.backlog

    def rows(self, union: QuerySet, start: int, stop: int) -> list[dict]:
        """The rows ``start`` to ``stop`` of ``union`` (``queue_rows``, in the table's order)."""
        order = tuple(union.query.order_by)
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
            live = queue_rows(self.user, today=self.today, queue_filter=queue_filter, window=LIVE)
            page += list(live[start : min(stop, self.live)]) if live else []
        if stop > self.live and self.backlog:
            first, last = max(start - self.live, 0), min(stop - self.live, self.backlog)
            page += self._backlog(first, last, latest_first=latest_first)
        return page

    def _backlog(self, first: int, last: int, *, latest_first: bool) -> list[dict]:
        sign = "-" if latest_first else ""
        rows = []
        for source in _sources(self.user, self.today):
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
