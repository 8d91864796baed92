"""Count every report ahead of its readers: manage.py warm_reports [--report NAME ...].

A report's counts are kept per office-year under keys that hold today's date and the code's version
(``reports/cache.py``), so the first reader after midnight or after a deploy would wait for every
office-year to be counted: at a million incidents, seconds. Run after each deploy and just after
midnight (docs/deploy.md), this counts them first, for each reading scope that an active account
has (national, an office, a local office), without filters: every filter that keeps whole years
shares those counts. Nothing is written to the database and no figure is printed.
"""

import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casetracker.accounts.models import User
from casetracker.accounts.policy import may_view_reports
from casetracker.core.db_router import reading_from_replica
from casetracker.reports.cache import report_tables
from casetracker.reports.definitions import REPORT_LIST, REPORTS_BY_NAME
from casetracker.reports.reporting import filtered_incidents


def readers() -> list[User]:
    """One account for each scope reports are read in: the national one first, whose counts of each
    office-year the office's readers share, then each local office's."""
    national = User(username="manage.py warm_reports", is_active=True, is_superuser=True)
    seen = {(national.case_scope, national.reference_scope)}
    found = [national]
    for user in User.objects.filter(is_active=True).order_by("pk"):
        scope = (user.case_scope, user.reference_scope)
        if scope not in seen and may_view_reports(user):
            seen.add(scope)
            found.append(user)
    return found


class Command(BaseCommand):
    help = _("Count every report for each reading scope, so that its first readers find it counted.")

    def add_arguments(self, parser):
        names = ", ".join(report.name for report in REPORT_LIST)
        only = _("only this report (repeatable): %(names)s") % {"names": names}
        parser.add_argument("--report", action="append", metavar="NAME", help=only)

    @reading_from_replica()
    def handle(self, *args, report=None, **options):
        if settings.REPORTS_CACHE_SECONDS <= 0:
            raise CommandError(_("Reports are not cached here (REPORTS_CACHE_SECONDS is 0): there is nothing to warm."))
        unknown = [name for name in report or () if name not in REPORTS_BY_NAME]
        if unknown:
            raise CommandError(
                _("Unknown report %(name)r. Choose one of: %(names)s.")
                % {"name": unknown[0], "names": ", ".join(REPORTS_BY_NAME)},
                returncode=2,
            )
        specs = [REPORTS_BY_NAME[name] for name in report] if report else REPORT_LIST
        if isinstance(caches[settings.REPORTS_CACHE], LocMemCache):
            # Without Redis each process has its own memory cache: the server's workers never see these.
            self.stderr.write(
                _(
                    "The reports' cache is this command's own memory (no REDIS_URL): the server's "
                    "workers will count the reports again. Set REDIS_URL as the server has it."
                )
            )
        started = time.perf_counter()
        users = readers()
        for user in users:
            for spec in specs:
                report_tables(spec, user, filtered_incidents(user, {}))
        self.stdout.write(
            _("%(reports)d reports counted for %(scopes)d reading scopes in %(seconds).1f s.")
            % {"reports": len(specs), "scopes": len(users), "seconds": time.perf_counter() - started}
        )
