"""``manage.py document KIND --case NUMBER [--office CODE] [--format pdf|docx] --out FILE``: every
letter of one kind for one case, in one file, kept in the case's document register like any other."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casetracker.accounts.models import User
from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access
from casetracker.cases import selectors
from casetracker.documents.letters import Kind
from casetracker.documents.models import Format
from casetracker.documents.services import issue_documents


class Command(BaseCommand):
    help = _("Write the documents of one kind for a case (all recipients in one file) and keep them in its register.")

    def add_arguments(self, parser):
        parser.add_argument("kind", help=", ".join(Kind.values))
        parser.add_argument("--case", required=True, metavar="NUMBER", help=_("the case number, e.g. 2024-0008"))
        parser.add_argument(
            "--office", metavar="CODE", help=_("the office's code, where several offices use the number")
        )
        parser.add_argument("--format", default=Format.PDF, help="pdf | docx")
        parser.add_argument("--out", required=True, metavar="FILE")

    def handle(self, *args, **options):
        kind, file_format = options["kind"], options["format"].lower()
        if kind not in Kind.values:
            raise CommandError(
                _("Unknown kind %(kind)r: choose one of %(kinds)s.") % {"kind": kind, "kinds": ", ".join(Kind.values)}
            )
        if file_format not in Format.values:
            raise CommandError(_("Unknown format %(format)r: choose pdf or docx.") % {"format": options["format"]})
        # Run on the server, like ``manage.py report``: the national scope, named in the register.
        actor = User(username="manage.py document", is_active=True, is_superuser=True)
        incidents = selectors.incidents_for(actor).filter(case_number=options["case"])
        if options["office"]:
            incidents = incidents.filter(office__code=options["office"])
        found = list(incidents.select_related("office")[:2])
        if not found:
            raise CommandError(_("There is no case %(number)r.") % {"number": options["case"]})
        if len(found) > 1:
            raise CommandError(
                _("Several offices have a case %(number)r: give --office.") % {"number": options["case"]}
            )
        try:
            issued = issue_documents(actor=actor, incident=found[0], kind=kind, file_format=file_format)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        log_access(
            action=AccessLog.Action.EXPORT,
            username=actor.get_username(),
            target=found[0],
            detail=f"{kind} {file_format}",
        )
        out = Path(options["out"])
        try:
            out.write_bytes(issued.batch)
        except OSError as error:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s") % {"file": out, "error": error.strerror}
            ) from error
        self.stdout.write(
            _("%(count)d document(s) written to %(file)s.") % {"count": len(issued.documents), "file": out}
        )
