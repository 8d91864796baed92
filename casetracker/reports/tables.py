"""How reports and their drill-down lists are laid out on a page.

A report's table becomes rows of display cells: counts formatted for the language and
linked to the cases behind them, shares to one decimal place. The drill-down lists are
django-tables2 tables, one per unit, sharing one base Meta; none has a column for a
person's name.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from numbers import Number

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .definitions import ReportSpec
from .engine import CountColumn, ShareColumn, Table

# Report tables --------------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    kind: str  # "count", "share", "text" or "hidden" (suppressed for publication)
    url: str = ""


@dataclass
class DisplayRow:
    value: str
    label: str
    kind: str  # "row", "subtotal" or "total"
    cells: list[Cell]


@dataclass
class DisplayTable:
    key: str
    title: str
    dimension: str
    headers: list[tuple[str, str]]  # (column key, label)
    rows: list[DisplayRow] = field(default_factory=list)


def display_table(spec: ReportSpec, table: Table, params: dict[str, str], *, links: bool) -> DisplayTable:
    """``table`` for a page: each number a link to ``reports:cases`` with ``params`` (the filters) and the cell."""
    cases_url = reverse("reports:cases", args=[spec.name])
    shown = DisplayTable(
        key=table.spec.key,
        title=str(table.spec.title),
        dimension=str(table.spec.dimension.label),
        headers=[(column.key, str(column.label)) for column in table.spec.columns],
    )
    for row in table.rows:
        cells = []
        for column in table.spec.columns:
            value = row.cells.get(column.key)
            if isinstance(column, CountColumn):
                if not isinstance(value, Number):
                    cells.append(Cell(str(value), "hidden"))
                    continue
                url = ""
                if links:
                    query = {**params, "table": table.spec.key, "row": str(row.value), "column": column.key}
                    url = f"{cases_url}?{urlencode(query)}"
                cells.append(Cell(format_count(value), "count", url))
            elif isinstance(column, ShareColumn):
                if value is None or isinstance(value, Number):
                    cells.append(Cell(format_share(value), "share"))
                else:
                    cells.append(Cell(str(value), "hidden"))
            else:
                cells.append(Cell(str(value or ""), "text"))
        shown.rows.append(DisplayRow(str(row.value), str(row.label), row.kind, cells))
    return shown


def format_count(value) -> str:
    return number_format(value, force_grouping=True)


def format_share(value: Decimal | None) -> str:
    """A percentage to one decimal place, in the language's notation; a dash when there is nothing to divide."""
    return "\N{EN DASH}" if value is None else number_format(value, decimal_pos=1)


# Drill-down lists -----------------------------------------------------------------------------


class CaseRowTable(tables.Table):
    """The columns every drill-down list starts with: the incident, never a person's name.

    ``incident_path`` is the chain of attributes from a listed row to its incident.
    """

    incident_path: tuple[str, ...] = ()

    case_number = tables.Column(_("case number"), empty_values=())
    report_date = tables.Column(_("report date"), empty_values=())
    office = tables.Column(_("office of education"), empty_values=())
    school_level = tables.Column(_("school level"), empty_values=())

    class Meta:
        orderable = False
        template_name = "reports/case_table.html"
        attrs = {"class": "case-list"}
        empty_text = _("No cases.")

    def __init__(self, *args, caption: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.caption = caption

    def incident(self, record):
        for name in self.incident_path:
            record = getattr(record, name)
        return record

    def render_case_number(self, record):
        incident = self.incident(record)
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:cases_incident_change", args=[incident.pk]), incident.case_number
        )

    def render_report_date(self, record):
        return self.incident(record).report_date.isoformat()

    def render_office(self, record):
        return self.incident(record).office.name

    def render_school_level(self, record):
        return self.incident(record).school.get_level_display()


def _date(label):
    return tables.DateColumn(format="Y-m-d", verbose_name=label)


class IncidentTable(CaseRowTable):
    police_referred_on = _date(_("referred to police on"))

    class Meta(CaseRowTable.Meta):
        pass


class MeasureTable(CaseRowTable):
    incident_path = ("committee_case", "incident")

    measure = tables.Column(_("measure"), empty_values=())
    offender_code = tables.Column(_("offender code"), accessor="offender__code")
    decided_on = _date(_("decided on"))

    class Meta(CaseRowTable.Meta):
        pass

    def render_measure(self, record):
        return str(record)


class PersonTable(CaseRowTable):
    incident_path = ("incident",)

    code = tables.Column(_("code"))
    kind = tables.Column(_("kind"))
    level = tables.Column(_("school level of the person"), accessor="school_level")
    grade = tables.Column(_("grade"))

    class Meta(CaseRowTable.Meta):
        pass


class CommitteeCaseTable(CaseRowTable):
    incident_path = ("incident",)

    committee = tables.Column(_("committee"), accessor="committee__name")
    requested_on = _date(_("referred on"))
    hearing_date = _date(_("hearing date"))
    closed_on = _date(_("closed without hearing on"))

    class Meta(CaseRowTable.Meta):
        pass


class TakedownRequestTable(CaseRowTable):
    incident_path = ("incident",)

    platform = tables.Column(_("platform"))
    requested_on = _date(_("requested on"))
    outcome = tables.Column(_("outcome"))

    class Meta(CaseRowTable.Meta):
        pass


@dataclass(frozen=True)
class CaseList:
    """A unit's drill-down table and the related rows it reads (fetched with the page, in one query)."""

    table: type[CaseRowTable]
    related: tuple[str, ...] = ()


CASE_LISTS = {
    "reports": CaseList(IncidentTable),
    "measures": CaseList(MeasureTable, ("offender",)),
    "art25_measures": CaseList(MeasureTable, ("offender",)),
    "victims": CaseList(PersonTable),
    "offenders": CaseList(PersonTable),
    "committee_cases": CaseList(CommitteeCaseTable, ("committee",)),
    "takedown_requests": CaseList(TakedownRequestTable),
}
