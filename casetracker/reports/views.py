"""Report pages: the list of reports, each report with its filters, chart and files, its
print page, and the drill-down list of the cases behind each count.

Every figure comes from ``reporting`` with the request's user, so every page is scoped
as the reports are. Who may read reports is ``accounts.policy.may_view_reports``. The
pages read from the read replica when there is one (``core.db_router``), after the
sign-in checks, which read the primary.
"""

import datetime
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from casetracker.accounts.policy import may_view_reports
from casetracker.accounts.roles import Role
from casetracker.cases import selectors
from casetracker.core.db_router import reading_from_replica

from . import charts
from .definitions import REPORT_LIST, REPORTS_BY_NAME, ReportSpec
from .engine import NOT_RECORDED, TOTAL, TableSpec
from .filters import ReportFilter
from .reporting import InvalidFilters, cell_count, cell_rows, filtered_incidents, run_report
from .tables import CASE_LISTS, display_table

CASES_PER_PAGE = 50
PUBLICATION = "publication"


@require_safe
def home(request):
    """The front door: supervisors read reports, clerks start from their work queue, admins work in the admin."""
    user = request.user
    if user.is_authenticated and not user.is_superuser and may_view_reports(user):
        return redirect("reports:index" if user.role == Role.SUPERVISOR else "workflow:queue")
    return redirect("admin:index")


def report_reader(view):
    """Signed-in users who may read reports; others log in first, or are refused."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not may_view_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@report_reader
@require_safe
def report_index(request):
    query = _query(_filter_params(request), publication=_publication(request))
    reports = [
        {"spec": spec, "url": _with_query(reverse("reports:detail", args=[spec.name]), query)} for spec in REPORT_LIST
    ]
    return render(request, "reports/index.html", {"reports": reports, "title": _("Reports")})


@report_reader
@require_safe
@reading_from_replica()
def report_detail(request, name: str):
    spec = _spec_or_404(name)
    return render(request, "reports/detail.html", _report_context(request, spec, links=True))


@report_reader
@require_safe
@reading_from_replica()
def report_print(request, name: str):
    spec = _spec_or_404(name)
    context = _report_context(request, spec, links=False)
    context["printed_at"] = timezone.now()
    return render(request, "reports/print.html", context)


@report_reader
@require_safe
@reading_from_replica()
def report_cases(request, name: str):
    """The unit rows behind one count cell (``table``, ``row``, ``column``), with the report's filters."""
    spec = _spec_or_404(name)
    table_spec = next((table for table in spec.tables if table.key == request.GET.get("table")), None)
    if table_spec is None:
        raise Http404(_("This report has no such table."))
    column = next((column for column in table_spec.counts if column.key == request.GET.get("column")), None)
    if column is None:
        raise Http404(_("This table has no such count."))
    row_value, row_label = _row_or_404(table_spec, request.GET.get("row", ""), request.user)
    context = {"spec": spec, "table_spec": table_spec, "column": column, "row_label": row_label}
    context["report_url"] = reverse("reports:detail", args=[spec.name])
    try:
        filters = filtered_incidents(request.user, request.GET, request)
        rows = cell_rows(spec, table_spec.key, row_value, column.key, request.user, request.GET, request)
        count = cell_count(spec, table_spec.key, row_value, column.key, request.user, filters)
    except InvalidFilters:
        filters = _bound_filters(request)
        return render(request, "reports/cases.html", {**context, "filters": filters, "valid": False}, status=400)

    case_list = CASE_LISTS[column.unit.key]
    path = column.unit.incident
    rows = rows.select_related(f"{path}office", f"{path}school", *case_list.related).order_by(
        f"-{path}report_date", f"{path}case_number", "pk"
    )
    cell = _("%(row)s × %(column)s") % {"row": row_label, "column": column.label}  # noqa: RUF001
    table = case_list.table(rows, caption=cell)
    table.request = request
    pages = {"paginator_class": CountedPaginator, "per_page": CASES_PER_PAGE, "count": count}
    try:
        table.paginate(**pages, page=int(request.GET.get("page", 1)))
    except (ValueError, PageNotAnInteger):
        table.paginate(**pages, page=1)
    except EmptyPage:
        table.paginate(**pages, page=table.paginator.num_pages)
    params = filters.params
    context.update(
        {
            "filters": filters,
            "valid": True,
            "table": table,
            "cell": cell,
            "count": table.paginator.count,
            "report_url": _with_query(context["report_url"], _query(params)),
            "title": spec.title,
        }
    )
    return render(request, "reports/cases.html", context)


# Helpers ----------------------------------------------------------------------------------------
class CountedPaginator(Paginator):
    """A drill-down's pages, its count given: the report's cell (``reporting.cell_count``), which is
    the number of the list's rows, rather than a COUNT of them (a million measures for a national
    total). Without it (``None``), the rows are counted."""

    def __init__(self, object_list, per_page, *, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # (Paginator.count is a cached property)


def _spec_or_404(name: str) -> ReportSpec:
    spec = REPORTS_BY_NAME.get(name)
    if spec is None:
        raise Http404(_("There is no report of that name."))
    return spec


def _publication(request) -> bool:
    return request.GET.get(PUBLICATION) == "1"


def _filter_params(request) -> dict[str, str]:
    """The report filters in the query string, as given (for links between report pages)."""
    return {name: request.GET[name] for name in ReportFilter.base_filters if request.GET.get(name)}


def _query(params: dict[str, str], *, publication: bool = False) -> str:
    return urlencode({**params, **({PUBLICATION: "1"} if publication else {})})


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def _bound_filters(request) -> ReportFilter:
    """The filter form bound to the query string, to show its errors."""
    filters = ReportFilter(request.GET, queryset=selectors.incidents_for(request.user), request=request)
    filters.is_valid()
    return filters


def _report_context(request, spec: ReportSpec, *, links: bool) -> dict:
    publication = _publication(request)
    context = {"spec": spec, "title": spec.title, "publication": publication}
    try:
        result = run_report(spec, request.user, request.GET, request)
    except InvalidFilters:
        return {**context, "filters": _bound_filters(request), "valid": False, "tables": [], "shown": []}

    tables = result.tables
    if publication:
        from casetracker.reports import suppression  # written alongside the downloads

        tables = [suppression.publishable(table) for table in tables]
    params = result.filters.params
    suffix = _with_query("", _query(params, publication=publication))
    chart_table = next(table for table in tables if table.spec.key == spec.chart.table)
    context.update(
        {
            "filters": result.filters,
            "valid": True,
            "tables": tables,
            "shown": [display_table(spec, table, params, links=links) for table in tables],
            "chart": charts.render(spec.chart, chart_table, title=str(spec.title), chart_id=f"chart-{spec.name}"),
            "chart_table": spec.chart.table,
            "csv_url": reverse("reports:csv", args=[spec.name]) + suffix,
            "xlsx_url": reverse("reports:xlsx", args=[spec.name]) + suffix,
            "print_url": reverse("reports:print", args=[spec.name]) + suffix,
            "detail_url": reverse("reports:detail", args=[spec.name]) + suffix,
            "publication_toggle_url": _with_query(
                reverse("reports:detail", args=[spec.name]), _query(params, publication=not publication)
            ),
        }
    )
    return context


def _row_or_404(table: TableSpec, raw: str, user) -> tuple:
    """The row's dimension value from the query string (a year or a measure number is an int), and its label."""
    if raw == TOTAL and table.total:
        return TOTAL, _("total")
    subtotal = next((subtotal for subtotal in table.subtotals if subtotal.key == raw), None)
    if subtotal is not None:
        return subtotal.key, str(subtotal.label)
    dimension = table.dimension
    if raw == NOT_RECORDED and not dimension.constant:
        return NOT_RECORDED, _("not recorded")
    if dimension.values is not None:
        for value, label in dimension.values(user):
            if str(value) == raw:
                return value, label
    elif dimension.by_year:
        if raw.isascii() and raw.isdigit() and datetime.MINYEAR <= int(raw) <= datetime.MAXYEAR:
            return int(raw), raw
    elif raw:
        return raw, raw
    raise Http404(_("This table has no such row."))
