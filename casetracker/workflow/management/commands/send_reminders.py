"""E-mail each clerk the items of their cases that became overdue (run daily, e.g. from cron)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from casetracker.workflow.reminders import send_overdue_reminders


class Command(BaseCommand):
    help = _("E-mail each clerk the items of their cases that became overdue; each item once.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help=_("Count deadlines as of this day (YYYY-MM-DD) instead of today."))

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(_("Give the date as YYYY-MM-DD.")) from error
        result = send_overdue_reminders(today=today)
        self.stdout.write(
            _("%(emails)d e-mails sent, %(items)d overdue items.") % {"emails": result.emails, "items": result.items}
        )
