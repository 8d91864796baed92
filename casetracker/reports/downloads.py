"""Report files: the report page's table as CSV or XLSX, with the page's filters.

Same rules as the page: signed in, allowed to read reports, scoped to the user. Add
``publication=1`` to suppress small counts. Every download is on the access log.
"""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from casetracker.accounts.policy import may_view_reports
from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access
from casetracker.core.db_router import reading_from_replica

from . import exports
from .definitions import REPORTS_BY_NAME
from .filters import ReportFilter
from .reporting import InvalidFilters, ReportResult, run_report

FORMATS: dict[str, tuple[Callable[..., bytes], str]] = {
    "csv": (exports.report_csv, exports.CSV_CONTENT_TYPE),
    "xlsx": (exports.report_xlsx, exports.XLSX_CONTENT_TYPE),
}


@login_required
@require_safe
def report_csv(request: HttpRequest, name: str) -> HttpResponse:
    return _download(request, name, "csv")


@login_required
@require_safe
def report_xlsx(request: HttpRequest, name: str) -> HttpResponse:
    return _download(request, name, "xlsx")


def filename(name: str, extension: str) -> str:
    return f"casetracker-{name}-{timezone.localdate().isoformat()}.{extension}"


@reading_from_replica()  # the report's reads; the access log entry is written to the primary
def _download(request: HttpRequest, name: str, extension: str) -> HttpResponse:
    if not may_view_reports(request.user):
        raise PermissionDenied
    spec = REPORTS_BY_NAME.get(name)
    if spec is None:
        raise Http404(_("There is no such report."))
    try:
        result = run_report(spec, request.user, request.GET, request)
    except InvalidFilters as error:
        return HttpResponseBadRequest(_errors_text(error.errors), content_type="text/plain; charset=utf-8")
    publication = request.GET.get("publication") == "1"
    write, content_type = FORMATS[extension]
    response = HttpResponse(write(result, publication=publication), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename(name, extension))
    log_access(action=AccessLog.Action.EXPORT, request=request, detail=_log_detail(result, extension, publication))
    return response


def _errors_text(errors) -> str:
    lines = [_("The report's filters are not valid:")]
    for field, messages in errors.items():
        known = ReportFilter.base_filters.get(field)
        prefix = f"{known.label} ({field}): " if known is not None else ""
        lines.extend(f"{prefix}{message}" for message in messages)
    return "\n".join(lines) + "\n"


def _log_detail(result: ReportResult, extension: str, publication: bool) -> str:
    filters = urlencode(result.filters.params) or "none"
    return f"report {result.spec.name}, {extension}, filters: {filters}, publication: {'yes' if publication else 'no'}"
