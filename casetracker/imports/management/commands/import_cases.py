"""python manage.py import_cases FILE [FILE...] --office CODE --user USERNAME [--dry-run]

The same import as the web page: the same checks and preview, all or nothing. Exits with
status 1 when anything is wrong (nothing is then saved).
"""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from casetracker.imports import services
from casetracker.imports.importer import ImportResult
from casetracker.imports.readers import FileError, UploadedFile


class Command(BaseCommand):
    help = _("Import cases from an .xlsx workbook, CSV files or a .zip of CSV files into one office.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--office", required=True, help=_("The office's code, e.g. seoul."))
        parser.add_argument("--user", required=True, help=_("The clerk the import is recorded under."))
        parser.add_argument("--dry-run", action="store_true", help=_("Check and show the preview; save nothing."))
        parser.add_argument("--max-rows", type=int, help=_("Allow more rows than the web page does."))
        parser.add_argument("--max-megabytes", type=int, help=_("Allow larger files than the web page does."))

    def handle(self, *args, files, office, user, dry_run, max_rows, max_megabytes, **options):
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(_("No active account named %(user)s.") % {"user": user})
        uploads = []
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise CommandError(_("No such file: %(name)s") % {"name": name})
            uploads.append(UploadedFile(path.name, path.read_bytes()))
        bar = tqdm(desc=_("rows"), unit="", file=sys.stderr, disable=options["verbosity"] == 0)
        try:
            result = services.import_files(
                user=account,
                office_code=office,
                files=uploads,
                dry_run=dry_run,
                row_limit=max_rows,
                byte_limit=max_megabytes * 2**20 if max_megabytes else None,
                progress=bar.update,
            )
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        except FileError as error:
            raise CommandError("\n".join(error.messages)) from None
        finally:
            bar.close()
        self.print_preview(result)
        if not result.ok:
            raise CommandError(
                _("Nothing was imported: %(count)s errors. Correct the file and run the command again.")
                % {"count": result.error_count}
            )
        if dry_run:
            self.stdout.write(_("Dry run: nothing was saved. Run again without --dry-run to import."))
        else:
            self.stdout.write(self.style.SUCCESS(_("Imported %(rows)s rows.") % {"rows": result.rows}))

    def print_preview(self, result: ImportResult) -> None:
        out = self.stdout
        out.write("\t".join([_("sheet"), _("to create"), _("to update"), _("unchanged"), _("with errors")]))
        for sheet in result.sheets:
            out.write(
                "\t".join(str(v) for v in (sheet.label, sheet.created, sheet.updated, sheet.unchanged, sheet.errors))
            )
        for notice in result.notices:
            out.write(notice)
        for error in result.errors:
            self.stderr.write(
                _("%(sheet)s, row %(row)s, column %(column)s, value “%(value)s”: %(message)s")
                % {
                    "sheet": error.sheet,
                    "row": error.row,
                    "column": error.column or "—",
                    "value": error.value,
                    "message": error.message,
                }
            )
        if result.error_count > len(result.errors):
            self.stderr.write(_("… and %(more)s more errors.") % {"more": result.error_count - len(result.errors)})
