"""The work queue pages: what is due, for clerks item by item and for supervisors per office,
the takedown requests still open after 7 days, the measures due for deletion from the
school record, and the closed cases whose names come due for removal. Each is a table of
``tables`` on the one template ``workflow/list.html``.

Every row comes through the case selectors with the request's user, so each page shows
only the user's scope. Clerks and supervisors use them; admins, to whom case records are
not theirs to read, are refused.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from casetracker.accounts.roles import Role
from casetracker.core.formatting import format_date

from . import deadlines, queue
from .filters import QueueFilterSet
from .queue import (
    identities_due_for_purge,
    open_takedown_requests,
    records_due_for_deletion,
    records_without_graduation_date,
)
from .tables import IdentityRetentionTable, OfficeCountsTable, OpenTakedownsTable, QueueTable, RetentionTable

QUEUE_ROLES = (Role.CLERK, Role.SUPERVISOR)


def queue_user(view):
    """Signed-in clerks and supervisors; others log in first, or are refused."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if request.user.is_superuser or request.user.role not in QUEUE_ROLES:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@queue_user
@require_safe
def work_queue(request):
    today = timezone.localdate()
    filters = QueueFilterSet(request.GET, user=request.user, today=today)
    counts = filters.counts()
    overdue = sum(entry.overdue for entry in counts)
    this_week = sum(entry.this_week for entry in counts)
    total = sum(entry.total for entry in counts)
    backlog = sum(entry.backlog for entry in counts)
    if request.user.role == Role.SUPERVISOR:
        table = OfficeCountsTable(counts, today=today)
    else:
        pages = filters.pages(counts)
        table = QueueTable(filters.qs, today=today, order_by=filters.order_by, pages=pages).for_request(request)
    lead = ", ".join(
        [
            ngettext("%(counter)s item overdue", "%(counter)s items overdue", overdue) % {"counter": overdue},
            ngettext(
                "%(counter)s due within %(due_soon_days)s days",
                "%(counter)s due within %(due_soon_days)s days",
                this_week,
            )
            % {"counter": this_week, "due_soon_days": deadlines.DUE_SOON_DAYS},
            _("%(total)s in all, as of %(today)s.") % {"total": total, "today": format_date(today)},
        ]
    )
    if backlog:
        lead += " " + ngettext(
            "%(counter)s of them is an old backlog, overdue for more than %(days)s days: listed after the live work.",
            "%(counter)s of them are an old backlog, overdue for more than %(days)s days: listed after the live work.",
            backlog,
        ) % {"counter": backlog, "days": deadlines.BACKLOG_AFTER_DAYS}
    if request.user.role != Role.SUPERVISOR and backlog > queue.BACKLOG_CAP:
        lead += " " + _("The list shows the first %(cap)s of the old backlog, in the order chosen.") % {
            "cap": number_format(queue.BACKLOG_CAP, force_grouping=True)
        }
    context = {
        "title": _("Work queue"),
        "nav": "queue",
        "lead": lead,
        "links": [
            (reverse("workflow:open_takedowns"), _("Takedown requests still open after 7 days")),
            (reverse("workflow:retention"), _("Measures due for deletion from the school record")),
            (reverse("workflow:identities"), _("Names of closed cases due for removal")),
        ],
        "filters": filters,
        "table": table,
    }
    return render(request, "workflow/list.html", context, status=200 if filters.is_valid() else 400)


@queue_user
@require_safe
def open_takedowns(request):
    today = timezone.localdate()
    title = _("Takedown requests still open after %(days)s days") % {"days": deadlines.TAKEDOWN_FOLLOW_UP_DAYS}
    table = OpenTakedownsTable(
        open_takedown_requests(request.user, today=today), today=today, caption=title, order_by=_sort(request)
    )
    context = {
        "title": title,
        "nav": "queue",
        "breadcrumb": True,
        "lead": _(
            "Requests to platforms with no outcome yet, or no answer, made more than 7 days ago: follow them up."
        ),
        "table": table.for_request(request),
    }
    return render(request, "workflow/list.html", context)


@queue_user
@require_safe
def retention(request):
    """The measures due for deletion from the school record within 30 days, or overdue."""
    today = timezone.localdate()
    title = _("Measures due for deletion from the school record")
    table = RetentionTable(
        records_due_for_deletion(request.user, today=today), today=today, caption=title, order_by=_sort(request)
    )
    without_date = records_without_graduation_date(request.user)
    context = {
        "title": title,
        "nav": "queue",
        "breadcrumb": True,
        "lead": _(
            "Final Art. 17 measures on the school record that are due for deletion within %(due_soon_days)s days, "
            "or overdue: measures 4 and 5 two years after the student graduates, measures 6 to 8 four years after "
            "(measure 8 never earlier). Expulsion stays on the record; measures 1 to 3 are not recorded once "
            "carried out."
        )
        % {"due_soon_days": deadlines.RETENTION_DUE_SOON_DAYS},
        "notice": ngettext(
            "%(counter)s measure on the school record has no deletion date: record the student's (expected) "
            "graduation date.",
            "%(counter)s measures on the school record have no deletion date: record the students' (expected) "
            "graduation dates.",
            without_date,
        )
        % {"counter": without_date}
        if without_date
        else "",
        "without_graduation_date": without_date,
        "table": table.for_request(request),
    }
    return render(request, "workflow/list.html", context)


@queue_user
@require_safe
def identities(request):
    """Closed cases whose people's names come due for removal within 30 days, or are overdue."""
    today = timezone.localdate()
    title = _("Names of closed cases due for removal")
    table = IdentityRetentionTable(
        identities_due_for_purge(request.user, today=today), today=today, caption=title, order_by=_sort(request)
    )
    context = {
        "title": title,
        "nav": "queue",
        "breadcrumb": True,
        "lead": _(
            "The names of a closed case's victims and offenders are kept for the retention period of its office "
            "after it closes, then removed (manage.py purge_identities): these cases come due within "
            "%(due_soon_days)s days, or are overdue. Enter what the case still needs before then."
        )
        % {"due_soon_days": deadlines.RETENTION_DUE_SOON_DAYS},
        "table": table.for_request(request),
    }
    return render(request, "workflow/list.html", context)


def _sort(request) -> str | None:
    """The ``sort`` asked for: django-tables2 keeps only a column the table can sort by, and ignores the rest."""
    return request.GET.get("sort") or None
