"""The work queue pages: what is due, for clerks item by item and for supervisors per office,
and the takedown requests still open after 7 days.

Every row comes through the case selectors with the request's user, so each page shows
only the user's scope. Clerks and supervisors use them; admins, to whom case records are
not theirs to read, are refused.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from casetracker.accounts.roles import Role

from . import deadlines
from .forms import QueueFilterForm
from .queue import (
    QueueFilter,
    as_item,
    counts_by_office,
    open_takedown_requests,
    queue_rows,
    records_due_for_deletion,
    records_without_graduation_date,
)

ITEMS_PER_PAGE = 50
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
    form = QueueFilterForm(request.GET)
    valid = form.is_valid()
    queue_filter = form.queue_filter() if valid else QueueFilter()
    counts = counts_by_office(request.user, today=today, queue_filter=queue_filter)
    context = {
        "title": _("Work queue"),
        "nav": "queue",
        "form": form,
        "today": today,
        "due_soon_days": deadlines.DUE_SOON_DAYS,
        "overdue": sum(entry.overdue for entry in counts),
        "this_week": sum(entry.this_week for entry in counts),
        "total": sum(entry.total for entry in counts),
    }
    if request.user.role == Role.SUPERVISOR:
        context["offices"] = counts
    else:
        page = Paginator(queue_rows(request.user, today=today, queue_filter=queue_filter), ITEMS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        context["page"] = page
        context["items"] = [as_item(row, today=today) for row in page.object_list]
        context["query"] = _without_page(request)
    return render(request, "workflow/queue.html", context, status=200 if valid else 400)


@queue_user
@require_safe
def open_takedowns(request):
    today = timezone.localdate()
    requests = open_takedown_requests(request.user, today=today)
    page = Paginator(requests, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"request": item, "days_open": (today - item.requested_on).days} for item in page.object_list]
    context = {
        "title": _("Takedown requests still open after %(days)s days") % {"days": deadlines.TAKEDOWN_FOLLOW_UP_DAYS},
        "nav": "queue",
        "page": page,
        "rows": rows,
        "query": _without_page(request),
    }
    return render(request, "workflow/open_takedowns.html", context)


@queue_user
@require_safe
def retention(request):
    """The measures due for deletion from the school record within 30 days, or overdue."""
    today = timezone.localdate()
    page = Paginator(records_due_for_deletion(request.user, today=today), ITEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "measure": measure,
            "days_left": (measure.deletion_due - today).days,
            "days_overdue": max((today - measure.deletion_due).days, 0),
            "early_deletion": measure.number in deadlines.RECORD_EARLY_DELETION,
        }
        for measure in page.object_list
    ]
    context = {
        "title": _("Measures due for deletion from the school record"),
        "nav": "queue",
        "page": page,
        "rows": rows,
        "due_soon_days": deadlines.RETENTION_DUE_SOON_DAYS,
        "without_graduation_date": records_without_graduation_date(request.user),
        "query": _without_page(request),
    }
    return render(request, "workflow/retention.html", context)


def _without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
