"""E-mail reminders: each clerk is told once about each item of their cases that became overdue.

Meant for a daily cron (``manage.py send_reminders``). A clerk gets at most one e-mail a
day, listing the items overdue since the last one; an item is listed once (again only if
its deadline moves and passes again). The e-mail names cases by number and people by
their codes, never by name.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from casetracker.accounts.roles import Role

from .deadlines import Urgency
from .models import ReminderSent
from .queue import QueueFilter, as_item, queue_rows


@dataclass(frozen=True)
class RemindersResult:
    emails: int
    items: int


def send_overdue_reminders(*, today: datetime.date) -> RemindersResult:
    """Send today's reminders; returns how many e-mails and items were sent."""
    clerks = (
        get_user_model()
        .objects.filter(is_active=True, role=Role.CLERK, office__isnull=False)
        .exclude(email="")
        .order_by("pk")
    )
    emails = items = 0
    for clerk in clerks.iterator():
        sent = _remind(clerk, today=today)
        emails += bool(sent)
        items += sent
    return RemindersResult(emails=emails, items=items)


def _remind(clerk, *, today: datetime.date) -> int:
    # In the clerk's own language (the one they chose in the interface): words and dates alike.
    language = clerk.language if clerk.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        overdue = list(queue_rows(clerk, today=today, queue_filter=QueueFilter(urgencies=(Urgency.OVERDUE,))))
        reminded = ReminderSent.objects.filter(user=clerk, item_pk__in={row["item_pk"] for row in overdue})
        already = set(reminded.values_list("due", "item_pk", "deadline"))
        new = [row for row in overdue if (row["due"], row["item_pk"], row["deadline"]) not in already]
        if not new:
            return 0
        queue_items = [as_item(row, today=today) for row in new]
        subject = _("casetracker: %(count)d items overdue") % {"count": len(queue_items)}
        body = render_to_string("workflow/reminder_email.txt", {"user": clerk, "items": queue_items, "today": today})
    with transaction.atomic():
        ReminderSent.objects.bulk_create(
            [ReminderSent(user=clerk, due=row["due"], item_pk=row["item_pk"], deadline=row["deadline"]) for row in new]
        )
        send_mail(subject, body, None, [clerk.email])
    return len(new)
