"""Check every incident's stored status and committee referrals against its records, or store them again.

The database's triggers keep them in step with every write. This is for a database written with
its triggers off (a restore with ``--disable-triggers``, a replica promoted from a dump): ``--check``
lists what is out of step, and any trigger missing, and exits 1; without it, every incident's
fields are stored again from its records, every office-year gets a new token (``generations.py``):
what was written with the triggers off is in no cached report; the open work's sums per local
office are worked out again from the incidents (``open_work.py``); and the work-queue items' local
office from their schools (``local_offices.py``).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from casetracker.cases import local_offices, open_work
from casetracker.cases.generations import bump_all_statement
from casetracker.cases.models import Incident
from casetracker.cases.status import out_of_step
from casetracker.cases.triggers import missing_triggers, refresh_derived

CHUNK = 20_000


class Command(BaseCommand):
    help = _("Check each incident's stored status and committee referrals against its records (or store them again).")

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help=_("only list the incidents out of step; exit status 1 if any")
        )

    def handle(self, *args, check=False, **options):
        last = Incident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        chunks = [Incident.objects.filter(pk__gte=start, pk__lt=start + CHUNK) for start in range(0, last + 1, CHUNK)]
        missing = missing_triggers(connection)
        if check:
            stale_pks = [pk for chunk in chunks for pk in out_of_step(chunk)]
            stale = list(Incident.objects.filter(pk__in=stale_pks[:20]).values_list("case_number", flat=True))
            problems = []
            if missing:
                problems.append(
                    _("The database lacks the triggers that keep them (run manage.py migrate): %(names)s")
                    % {"names": ", ".join(missing)}
                )
            sums = open_work.out_of_step()
            if sums:
                problems.append(
                    _("%(count)d sums of open work per local office differ from their incidents'.")
                    % {"count": len(sums)}
                )
            items = local_offices.out_of_step()
            if items:
                problems.append(
                    _("%(count)d work-queue items store a local office other than their school's.")
                    % {"count": len(items)}
                )
            if stale_pks:
                shown = ", ".join(stale) + (" ..." if len(stale_pks) > 20 else "")
                problems.append(
                    _("%(count)d incidents have a stored status or referral out of step with their records: %(cases)s")
                    % {"count": len(stale_pks), "cases": shown}
                )
            if problems:
                raise CommandError(" ".join(problems))
            self.stdout.write(_("Every incident's stored status and referrals match its records."))
            return
        for chunk in chunks:
            with transaction.atomic():
                refresh_derived(chunk)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(bump_all_statement(connection.vendor))
            for statement in [
                *open_work.refresh_statements(connection.vendor),
                *local_offices.refresh_statements(connection.vendor),
            ]:
                cursor.execute(statement)
        self.stdout.write(
            _("Stored the status and referrals of %(count)d incidents.") % {"count": Incident.objects.count()}
        )
        if missing:
            raise CommandError(
                _("The database lacks the triggers that keep them (run manage.py migrate): %(names)s")
                % {"names": ", ".join(missing)}
            )
