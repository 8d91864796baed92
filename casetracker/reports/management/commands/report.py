"""Print a report: manage.py report NAME [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--office CODE] [--format ...].

For scripts and monthly returns. The report runs with national scope, or with the scope of
one account (``--user``). Dates filter on the incident's report date. A bad report name,
date, office or account ends with a message on standard error and exit status 2.
"""

import json
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casetracker.accounts.models import User
from casetracker.accounts.policy import may_view_reports
from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access
from casetracker.core.db_router import reading_from_replica
from casetracker.reports import exports
from casetracker.reports.definitions import REPORT_LIST, REPORTS_BY_NAME
from casetracker.reports.engine import TextColumn
from casetracker.reports.json_output import OPTIONS, arguments, as_json
from casetracker.reports.reporting import InvalidFilters, ReportResult, run_report

FORMATS = ("text", "csv", "json")
BAD_INPUT = 2


def fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


class Command(BaseCommand):
    help = _(
        "Print a report (offices, measures, yearly, survey, teacher-rights, channels, timeliness) "
        "as a text table, CSV or JSON, for all offices or one account's scope."
    )

    def add_arguments(self, parser):
        names = ", ".join(report.name for report in REPORT_LIST)
        parser.add_argument("name", metavar="NAME", help=_("the report: %(names)s") % {"names": names})
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help=_("reported on or after"))
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help=_("reported on or before"))
        parser.add_argument("--office", metavar="CODE", help=_("office of education code, e.g. seoul"))
        parser.add_argument("--school-level", metavar="LEVEL", help=_("elementary, middle, high or special"))
        parser.add_argument("--committee-kind", metavar="KIND", help=_("incidents referred to this kind of committee"))
        parser.add_argument("--format", default="text", metavar="text|csv|json", help=_("output format (text)"))
        parser.add_argument(
            "--publication", action="store_true", help=_("suppress counts from 1 to 4 (and their complements)")
        )
        parser.add_argument(
            "--user", metavar="USERNAME", help=_("run in this account's scope instead of the national one")
        )

    @reading_from_replica()  # on the read replica when there is one; the access log entry goes to the primary
    def handle(self, *args, name: str, **options):
        spec = REPORTS_BY_NAME.get(name)
        if spec is None:
            raise fail(
                _("Unknown report %(name)r. Choose one of: %(names)s.")
                % {"name": name, "names": ", ".join(REPORTS_BY_NAME)}
            )
        output_format = options["format"]
        if output_format not in FORMATS:
            raise fail(
                _("Unknown format %(format)r. Choose one of: %(formats)s.")
                % {"format": output_format, "formats": ", ".join(FORMATS)}
            )
        user = self.reader(options["user"])
        data = self.filter_data(options, user)
        try:
            result = run_report(spec, user, data)
        except InvalidFilters as error:
            raise fail(self.filter_errors(error.errors)) from error
        publication = options["publication"]
        if output_format == "json":
            output = json.dumps(as_json(result, data, publication=publication), ensure_ascii=False, indent=2)
        elif output_format == "csv":
            output = exports.report_csv(result, publication=publication).decode("utf-8")
        else:
            output = as_text(result, publication=publication)
        self.stdout.write(output, ending="" if output.endswith("\n") else "\n")
        log_access(
            action=AccessLog.Action.EXPORT,
            user=user if user.pk else None,
            username=user.get_username(),
            detail=f"manage.py report {name}, {output_format}, filters: {json.dumps(data)}, "
            f"publication: {'yes' if publication else 'no'}",
        )

    def reader(self, username: str | None) -> User:
        """The account whose scope the report has: national unless ``--user`` names one."""
        if username is None:
            return User(username="manage.py report", is_active=True, is_superuser=True)
        user = User.objects.filter(username=username).first()
        if user is None:
            raise fail(_("There is no account %(username)r.") % {"username": username})
        if not user.is_active:
            raise fail(_("The account %(username)r is deactivated.") % {"username": username})
        if not may_view_reports(user):
            raise fail(_("The account %(username)r may not read reports.") % {"username": username})
        return user

    def filter_data(self, options: dict, user: User) -> dict[str, str]:
        try:
            return arguments({key: options.get(key) for key in OPTIONS}, user)
        except InvalidFilters as error:
            raise fail(self.filter_errors(error.errors)) from error

    def filter_errors(self, errors) -> str:
        lines = []
        for field, messages in errors.items():
            prefix = f"{OPTIONS[field]}: " if field in OPTIONS else ""
            lines.extend(f"{prefix}{message}" for message in messages)
        return "\n".join(lines)


# Text ------------------------------------------------------------------------------------------


def as_text(result: ReportResult, *, publication: bool = False) -> str:
    lines = [str(result.spec.title)]
    lines.append(f"{_('unit')}: {result.spec.unit}")
    lines.append(f"{_('filters')}: {', '.join(exports.filters_text(result)) or _('none')}")
    if publication:
        lines.append(_("Counts from 1 to 4 shown as <5; x hides a count that could give one away."))
    for table in exports.tables(result, publication=publication):
        matrix = [exports.header(table)] + [
            ["" if value is None else str(value) for value in row] for row in exports.body(table)
        ]
        widths = [max(width(line[index]) for line in matrix) for index in range(len(matrix[0]))]
        # Labels and text to the left, numbers to the right.
        left = [True, *(isinstance(column, TextColumn) for column in table.spec.columns)]
        lines += ["", str(table.spec.title)]
        for number, line in enumerate(matrix):
            cells = [pad(cell, widths[index], left=number == 0 or left[index]) for index, cell in enumerate(line)]
            lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def width(text: str) -> int:
    """Columns taken on a terminal: Korean characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, columns: int, *, left: bool) -> str:
    space = " " * (columns - width(text))
    return text + space if left else space + text
