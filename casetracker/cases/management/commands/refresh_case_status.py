"""Store every incident's status and committee referrals again from its records, or check them.

The case services keep them in step with every change; this is for a database changed by other
means (a restore, a correction in SQL): ``--check`` lists what is out of step and exits 1.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from casetracker.cases.models import Incident
from casetracker.cases.status import out_of_step, refresh_derived

CHUNK = 20_000


class Command(BaseCommand):
    help = _("Store each incident's status and committee referrals again from its records (or --check them).")

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help=_("only list the incidents out of step; exit status 1 if any")
        )

    def handle(self, *args, check=False, **options):
        last = Incident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        chunks = [Incident.objects.filter(pk__gte=start, pk__lt=start + CHUNK) for start in range(0, last + 1, CHUNK)]
        if check:
            stale_pks = [pk for chunk in chunks for pk in out_of_step(chunk)]
            stale = list(Incident.objects.filter(pk__in=stale_pks[:20]).values_list("case_number", flat=True))
            if stale_pks:
                shown = ", ".join(stale) + (" ..." if len(stale_pks) > 20 else "")
                raise CommandError(
                    _("%(count)d incidents have a stored status or referral out of step with their records: %(cases)s")
                    % {"count": len(stale_pks), "cases": shown}
                )
            self.stdout.write(_("Every incident's stored status and referrals match its records."))
            return
        for chunk in chunks:
            with transaction.atomic():
                refresh_derived(chunk)
        self.stdout.write(
            _("Stored the status and referrals of %(count)d incidents.") % {"count": Incident.objects.count()}
        )
