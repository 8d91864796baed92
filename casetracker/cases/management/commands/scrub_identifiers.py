"""python manage.py scrub_identifiers [--office CODE] [--dry-run] --reason TEXT

Replaces the names of each case's people and the direct identifiers stored in the cases' free
text, in every earlier version of it and in the reasons the history recorded (``cases.scrub``).
Prints counts per table and column, never what is replaced; the real run is one transaction and
leaves one entry in the access log.
"""

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casetracker.cases.scrub import ScrubRefused, scrub_identifiers
from casetracker.core.models import Office


class Command(BaseCommand):
    help = _("Replace the identifiers stored in the cases' texts, their change history and its reasons.")

    def add_arguments(self, parser):
        parser.add_argument("--office", help=_("Only the cases of this office (its code, e.g. seoul)."))
        parser.add_argument("--dry-run", action="store_true", help=_("Count what would be replaced; change nothing."))
        parser.add_argument("--reason", default="", help=_("Why the scrub is run (required unless --dry-run)."))

    def handle(self, *args, office, dry_run, reason, **options):
        if not dry_run and not reason.strip():
            raise CommandError(_("Give the reason with --reason (or count only, with --dry-run)."))
        office_record = None
        if office is not None:
            office_record = Office.objects.filter(code=office).first()
            if office_record is None:
                raise CommandError(_("There is no office with the code %(code)r.") % {"code": office})
        try:
            result = scrub_identifiers(
                actor=None,
                username=f"manage.py scrub_identifiers ({getpass.getuser()})",
                reason=reason,
                office=office_record,
                dry_run=dry_run,
            )
        except ScrubRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write("\t".join([_("table"), _("column"), _("rows"), _("identifiers")]))
        for table, column, rows, identifiers in result.by_column():
            self.stdout.write(f"{table}\t{column}\t{rows}\t{identifiers}")
        totals = {"identifiers": result.total_identifiers, "rows": result.total_rows, "cases": result.cases}
        if dry_run:
            self.stdout.write(
                _(
                    "Dry run: %(identifiers)s identifier(s) in %(rows)s row(s) of %(cases)s case(s) would be "
                    "replaced. Nothing was changed."
                )
                % totals
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Replaced %(identifiers)s identifier(s) in %(rows)s row(s) of %(cases)s case(s).") % totals
                )
            )
