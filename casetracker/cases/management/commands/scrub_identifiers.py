"""python manage.py scrub_identifiers [--office CODE] [--dry-run | --check] --reason TEXT

Replaces the names of each case's people and the direct identifiers stored in the cases' free
text, in every earlier version of it and in the reasons the history recorded (``cases.scrub``).
Prints counts per table and column, never what is replaced; the real run is one transaction and
leaves one entry in the access log.

``--check`` is the guard for what goes around the save check (loaddata, ``QuerySet.update()``,
raw SQL, the generators): a dry run that fails (exit status 1, with the counts) when any stored
text holds an identifier, e.g. after loading the shipped data in CI.
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
        parser.add_argument(
            "--check",
            action="store_true",
            help=_("Change nothing; fail if any stored text holds an identifier (for CI)."),
        )

    def handle(self, *args, office, dry_run, reason, check, **options):
        if check and reason:
            raise CommandError(_("--check changes nothing: give no --reason with it."))
        dry_run = dry_run or check
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
        if check:
            if result.total_identifiers:
                raise CommandError(
                    _(
                        "%(identifiers)s identifier(s) in %(rows)s row(s) are stored in free text; run "
                        "scrub_identifiers with a --reason to replace them."
                    )
                    % totals
                )
            self.stdout.write(_("No identifier is stored in the free text of %(cases)s case(s).") % totals)
        elif dry_run:
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
