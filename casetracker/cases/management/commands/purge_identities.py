"""python manage.py purge_identities [--office CODE] [--dry-run]

Removes the names of the people of every case closed longer ago than its office's retention period
(``cases.retention``; docs/retention.md): the names are cleared, and in the case's texts, every
earlier version of them and the history's reasons they are replaced by the people's codes. Prints
counts per table and column, never a name; the real run is one transaction and leaves one entry in
the access log. Run it again and it finds nothing to do.
"""

import getpass

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from casetracker.cases.retention import purge_identities
from casetracker.core.models import Office


class Command(BaseCommand):
    help = _("Remove the names of the people of cases closed longer ago than the retention period.")

    def add_arguments(self, parser):
        parser.add_argument("--office", help=_("Only the cases of this office (its code, e.g. seoul)."))
        parser.add_argument("--dry-run", action="store_true", help=_("Count what would be removed; change nothing."))

    def handle(self, *args, office, dry_run, **options):
        office_record = None
        if office is not None:
            office_record = Office.objects.filter(code=office).first()
            if office_record is None:
                raise CommandError(_("There is no office with the code %(code)r.") % {"code": office})
        try:
            result = purge_identities(
                actor=None,
                username=f"manage.py purge_identities ({getpass.getuser()})",
                today=timezone.localdate(),
                office=office_record,
                dry_run=dry_run,
            )
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        self.stdout.write("\t".join([_("table"), _("column"), _("rows"), _("identifiers")]))
        for table, column, rows, identifiers in result.by_column():
            self.stdout.write(f"{table}\t{column}\t{rows}\t{identifiers}")
        totals = {"names": result.total_names, "cases": result.cases}
        if dry_run:
            self.stdout.write(
                _(
                    "Dry run: %(names)s name(s) of %(cases)s case(s) past the retention period would be removed. "
                    "Nothing was changed."
                )
                % totals
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Removed %(names)s name(s) of %(cases)s case(s) past the retention period.") % totals
                )
            )
