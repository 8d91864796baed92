"""How the work queue's lists are laid out: django-tables2 tables sharing one base.

The base sets what every list shares: the template (``workflow/table.html``: a caption,
column headers with ``scope``, a row header, sort links that say how the list is sorted),
the empty text, the page size and a pagination that answers any page number. Each list
sorts only by database columns, so the database still orders, counts and slices the page.
None has a column for a person's name.

The rows of the ``<tbody>`` are written in Python (``ListTable.body_html``), not by the
template's loop over every cell: on a clerk's queue (50 rows of 5 cells) that loop, with
django-tables2 reading each render method's signature and each column's attributes again for
every cell, was most of the page's time (issue 20). Each cell is still the column's value and
its ``render_<name>`` method's, as django-tables2 gives them; the queue's render methods keep
what repeats on a page (a date's words, a label, the URL's prefix) for the table's one rendering.
``tests/workflow/test_table_body.py`` renders every list both ways.
"""

import datetime
from collections.abc import Callable

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db import models
from django.urls import reverse
from django.utils.formats import date_format, localize
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableQuerysetData
from django_tables2.utils import signature

from casetracker.core.formatting import format_date
from casetracker.core.renderers import text

from . import deadlines
from .queue import Due, as_item
from .queue_pages import QueuePages

ITEMS_PER_PAGE = 50


def _due_within_days() -> str:
    return _("due within %(due_soon_days)s days") % {"due_soon_days": deadlines.DUE_SOON_DAYS}


def urgency_text(days_left: int) -> str:
    """How far a deadline is: "overdue by 3 days", "due today", "due in 5 days"."""
    if days_left < 0:
        return ngettext("overdue by %(days)s day", "overdue by %(days)s days", -days_left) % {"days": -days_left}
    if days_left == 0:
        return str(_("due today"))
    return ngettext("due in %(days)s day", "due in %(days)s days", days_left) % {"days": days_left}


def time_element(value: datetime.date | None):
    """A date in the language's format, machine-readable in ``<time>``; a dash when there is none."""
    if value is None:
        return format_date(None)
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), date_format(value, "DATE_FORMAT"))


def with_appropriate(function: Callable) -> Callable[[dict], object]:
    """django-tables2's ``call_with_appropriate(function, kwargs)``, the signature read once rather
    than for every cell: ``function`` called with the arguments of ``kwargs`` it takes (all of them
    if it takes ``**kwargs``), or ``None`` when it takes one that ``kwargs`` lacks."""
    names, catch_all = signature(function)

    def call(kwargs: dict):
        if catch_all:
            return function(**kwargs)
        if any(name not in kwargs for name in names):
            return None
        return function(**{name: kwargs[name] for name in names})

    return call


def cell_text(value) -> str:
    """A cell's value as the template's ``{{ cell }}`` writes it: localized, escaped unless safe."""
    if not isinstance(value, str):
        value = localize(template_localtime(value))
    return text(value)


def url_with_pk(url_name: str) -> Callable[[int], str]:
    """``reverse(url_name, args=[pk])`` for any integer ``pk``, reversed once (it costs more than the
    rest of a row)."""
    marker = 918273645
    before, after = reverse(url_name, args=[marker]).split(str(marker))
    return lambda pk: f"{before}{int(pk)}{after}"


class ListTable(tables.Table):
    """The base of every list of the work queue.

    ``row_header`` names the column whose cell heads its row (``<th scope="row">``);
    ``sort_labels`` gives the sort choices of a filter form their words (``sort_choices``).
    """

    row_header: str = ""
    sort_labels: dict[str, str] = {}

    class Meta:
        template_name = "workflow/table.html"
        attrs = {"class": "work-list"}
        empty_text = _("Nothing to list.")
        per_page = ITEMS_PER_PAGE
        orderable = False

    def __init__(self, data, *, today: datetime.date, caption: str = "", **kwargs):
        self.today = today
        self.caption = caption
        super().__init__(data, **kwargs)

    def paginate(self, paginator_class=Paginator, per_page=None, page=1, *args, **kwargs):
        """Like django-tables2's, but any page answers: a page that is not a number is the first,
        one past the end (``?page=99999999999``) or before the start (``?page=-5``) the last.
        The page size is the table's own, never the request's."""
        self.paginator = paginator_class(self.rows, self._meta.per_page, *args, **kwargs)
        self.page = self.paginator.get_page(page)
        return self

    def body_html(self) -> SafeString:
        """The rows of the ``<tbody>``: each row's attributes (``row_attrs`` and ``even``/``odd``), its
        ``row_header`` cell as ``<th scope="row">``, each cell as django-tables2 renders it (its value,
        its ``render_<name>``, its default when empty); or the empty text. The columns' ``td``
        attributes are read once: none of the lists' depends on the row."""
        columns = list(self.columns)
        cells = []
        for column in columns:
            tag = "th" if column.name == self.row_header else "td"
            opening = f'<th scope="row" {column.attrs["td"].as_html()}>' if tag == "th" else None
            cells.append((opening or f"<td {column.attrs['td'].as_html()}>", f"</{tag}>", self._cell_writer(column)))
        row_attrs = {
            name: with_appropriate(value) if callable(value) else value for name, value in self.row_attrs.items()
        }
        parts = []
        for row in self.paginated_rows:
            parts.append(f"\n<tr {self._row_attributes(row, row_attrs)}>")
            for opening, closing, write in cells:
                parts.append(f"\n  {opening}{write(row)}{closing}")
            parts.append("\n</tr>")
        if not parts and self.empty_text:
            parts.append(f'\n<tr><td colspan="{len(columns)}">{text(self.empty_text)}</td></tr>')
        return mark_safe("".join(parts))  # noqa: S308 (every value escaped, or safe markup of a render method)

    def _row_attributes(self, row, row_attrs: dict) -> str:
        """``row.attrs.as_html()``, the callables' signatures read once (``body_html``)."""
        kwargs = {"table": self, "record": row.record}
        attrs = {name: value(kwargs) if callable(value) else value for name, value in row_attrs.items()}
        even_odd = row.get_even_odd_css_class()
        attrs["class"] = f"{attrs['class']} {even_odd}" if attrs.get("class") else even_odd
        return " ".join(f'{text(name)}="{text(value)}"' for name, value in attrs.items() if value is not None)

    def _cell_writer(self, bound_column) -> Callable:
        """The markup of ``bound_column``'s cell in a row: ``BoundRow.get_cell``, its render method's
        signature read once; a plain attribute of a record that is neither a model nor a dict (the
        queue's items, the offices' counts) read directly rather than through django-tables2's
        ``Accessor``, which tries it as a key first."""
        render = with_appropriate(bound_column.render)
        column, link = bound_column.column, bound_column.link
        name = str(bound_column.accessor)
        plain = name.isidentifier() and not link and not isinstance(column, tables.ManyToManyColumn)

        def write(row) -> str:
            def call(bound_column, value=None):
                kwargs = {
                    "value": value,
                    "record": row.record,
                    "column": column,
                    "bound_column": bound_column,
                    "bound_row": row,
                    "table": self,
                }
                content = render(kwargs)
                return link(content, **kwargs) if link else content

            record = row.record
            if plain and not isinstance(record, models.Model | dict):
                value = getattr(record, name, None)
                if not callable(value):
                    return cell_text(
                        bound_column.default if value in column.empty_values else call(bound_column, value)
                    )
            return cell_text(row._get_and_render_with(bound_column, render_func=call, default=bound_column.default))

        return write

    def for_request(self, request) -> "ListTable":
        """This table, paginated as ``request`` asks (its own sort is set by the view)."""
        self.request = request
        return self.paginate(page=request.GET.get(self.prefixed_page_field))

    @classmethod
    def sort_choices(cls) -> list[tuple[str, str]]:
        """(``sort`` value, label) for each way the table sorts: each orderable column, up and down."""
        choices = []
        for name, column in cls.base_columns.items():
            if not column.orderable:
                continue
            for alias, words in ((name, _("%(column)s, ascending")), (f"-{name}", _("%(column)s, descending"))):
                label = cls.sort_labels.get(alias)
                choices.append((alias, label or lazy(lambda w=words, c=column: w % {"column": c.verbose_name}, str)()))
        return choices


class SortedColumn(tables.Column):
    """A column the list sorts by: by the database column ``by``, up or down, then by ``then``
    (always up), so that rows alike keep the list's usual order and the pages stay stable;
    ``first`` (always up) goes before ``by`` (the queue's live work before its old backlog)."""

    def __init__(self, *args, by: str, then: tuple[str, ...] = (), first: tuple[str, ...] = (), **kwargs):
        self.by, self.then, self.first = by, then, first
        super().__init__(*args, order_by=(*first, by, *then), orderable=True, **kwargs)

    def order(self, queryset, is_descending):
        return queryset.order_by(*self.first, f"-{self.by}" if is_descending else self.by, *self.then), True


def case_link(url_name: str, pk: int, case_number: str):
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[pk]), case_number)


# The work queue ---------------------------------------------------------------------------------


class QueueData(TableQuerysetData):
    """The queue's rows: ordered, counted and sliced by the database (a UNION of one query per
    kind of item), shown as ``QueueItem``\\ s; with ``pages``, counted from the queue's counts
    and each page read as ``QueuePages`` reads it."""

    def __init__(self, rows, *, today: datetime.date, pages: QueuePages | None = None):
        super().__init__(rows)
        self.today = today
        self.pages = pages

    def __len__(self):
        return self.pages.count if self.pages is not None else super().__len__()

    def __getitem__(self, key):
        if isinstance(key, slice) and self.pages is not None:
            start, stop, _step = key.indices(len(self))
            return [as_item(row, today=self.today) for row in self.pages.rows(self.data, start, stop)]
        if isinstance(key, slice):
            return [as_item(row, today=self.today) for row in self.data[key]]
        return as_item(self.data[key], today=self.today)

    def __iter__(self):
        return (as_item(row, today=self.today) for row in self.data)


class QueueTable(ListTable):
    """What is due in a clerk's cases, item by item, overdue first."""

    row_header = "case"
    sort_labels = {"deadline": _("earliest deadline first"), "-deadline": _("latest deadline first")}

    deadline = SortedColumn(_("deadline"), by="deadline", then=("case_no", "due", "item_pk"), first=("backlog",))
    urgency = tables.Column(_("urgency"), accessor="days_left")
    due = SortedColumn(_("what is due"), by="due", then=("deadline", "case_no", "item_pk"))
    case = SortedColumn(_("case"), accessor="case_number", by="case_no", then=("deadline", "due", "item_pk"))
    detail = tables.Column(_("detail"))

    class Meta(ListTable.Meta):
        empty_text = _("Nothing is due.")
        order_by = ("deadline",)
        row_attrs = {"class": lambda record: f"urgency-{record.urgency.value}{' backlog' if record.backlog else ''}"}

    def __init__(self, rows, *, today: datetime.date, pages: QueuePages | None = None, **kwargs):
        super().__init__(
            QueueData(rows, today=today, pages=pages), today=today, caption=_("What is due in your cases"), **kwargs
        )
        # What repeats from row to row, made once for this rendering (see the module's docstring).
        self._deadlines: dict[datetime.date, str] = {}
        self._urgencies: dict[tuple[int, bool], str] = {}
        self._dues: dict[str, str] = {}
        self._case_url: Callable[[int], str] | None = None

    def render_deadline(self, value):
        if value not in self._deadlines:
            self._deadlines[value] = time_element(value)
        return self._deadlines[value]

    def render_urgency(self, value, record):
        key = (value, record.backlog)
        if key not in self._urgencies:
            words = text(urgency_text(value))
            if record.backlog:
                words = f'{words} <span class="badge backlog">{text(gettext("old backlog"))}</span>'
            self._urgencies[key] = mark_safe(words)  # noqa: S308 (escaped above)
        return self._urgencies[key]

    def render_due(self, value):
        if value not in self._dues:
            self._dues[value] = str(Due(value).label)
        return self._dues[value]

    def render_case(self, record):
        if self._case_url is None:
            self._case_url = url_with_pk("admin:cases_incident_change")
        return mark_safe(f'<a href="{text(self._case_url(record.case_pk))}">{text(record.case_number)}</a>')  # noqa: S308


class OfficeCountsTable(ListTable):
    """A supervisor's queue: how many items are due per office of their scope."""

    row_header = "office"

    office = tables.Column(_("office of education"))
    overdue = tables.Column(_("overdue"))
    this_week = tables.Column(lazy(_due_within_days, str)())
    total = tables.Column(_("all items due"))
    backlog = tables.Column(_("of them an old backlog"))

    class Meta(ListTable.Meta):
        pass

    def __init__(self, counts, *, today: datetime.date, **kwargs):
        super().__init__(counts, today=today, caption=_("Items due per office of education"), **kwargs)


# Takedown requests still open -------------------------------------------------------------------


class OpenTakedownsTable(ListTable):
    """Takedown requests still without an outcome (or with no answer) after 7 days, oldest first."""

    row_header = "case"

    case = SortedColumn(
        _("case"), accessor="incident__case_number", by="incident__case_number", then=("requested_on", "pk")
    )
    office = SortedColumn(
        _("office of education"),
        accessor="incident__office",
        by="incident__office__sort_order",
        then=("requested_on", "incident__case_number", "pk"),
    )
    platform = tables.Column(_("platform"), accessor="get_platform_display")
    requested_on = SortedColumn(_("requested on"), by="requested_on", then=("incident__case_number", "pk"))
    days_open = tables.Column(_("days open"), accessor="requested_on")
    outcome = tables.Column(_("outcome"), accessor="get_outcome_display")
    follow_up_on = tables.Column(_("follow up on"), empty_values=())

    class Meta(ListTable.Meta):
        empty_text = _("No takedown request has been open for more than 7 days.")
        order_by = ("requested_on",)

    def render_case(self, record):
        return case_link("admin:cases_incident_change", record.incident_id, record.incident.case_number)

    def render_requested_on(self, value):
        return date_format(value, "DATE_FORMAT")

    def render_days_open(self, value):
        return (self.today - value).days

    def render_follow_up_on(self, value):
        return date_format(value, "DATE_FORMAT") if value else "-"


# School-record retention ------------------------------------------------------------------------


class RetentionTable(ListTable):
    """Measures due for deletion from the school record within 30 days, or overdue, earliest first."""

    row_header = "case"

    deletion_due = SortedColumn(
        _("to delete by"), by="deletion_due", then=("committee_case__incident__case_number", "offender__code", "pk")
    )
    urgency = tables.Column(_("urgency"), accessor="deletion_due")
    case = SortedColumn(
        _("case"),
        accessor="committee_case__incident__case_number",
        by="committee_case__incident__case_number",
        then=("offender__code", "pk"),
    )
    office = SortedColumn(
        _("office of education"),
        accessor="committee_case__incident__office",
        by="committee_case__incident__office__sort_order",
        then=("deletion_due", "pk"),
    )
    offender = SortedColumn(_("offender"), accessor="offender__code", by="offender__code", then=("pk",))
    measure = SortedColumn(_("measure"), accessor="pk", by="number", then=("deletion_due", "pk"))
    graduation = SortedColumn(
        _("(expected) graduation date"),
        accessor="offender__expected_graduation_on",
        by="offender__expected_graduation_on",
        then=("deletion_due", "pk"),
    )
    early_deletion = tables.Column(_("earlier deletion after a review"), accessor="number")

    class Meta(ListTable.Meta):
        empty_text = _("No measure is due for deletion from the school record.")
        order_by = ("deletion_due",)

    def render_deletion_due(self, value):
        return time_element(value)

    def render_urgency(self, value):
        return urgency_text((value - self.today).days)

    def render_case(self, record):
        return case_link("admin:cases_measure_change", record.pk, record.committee_case.incident.case_number)

    def render_measure(self, record):
        return str(record)

    def render_graduation(self, value):
        return date_format(value, "DATE_FORMAT")

    def render_early_deletion(self, value):
        return _("possible") if value in deadlines.RECORD_EARLY_DELETION else _("never")


# Identities due for removal ---------------------------------------------------------------------


class IdentityRetentionTable(ListTable):
    """Closed cases whose people's names come due for removal within 30 days, or are overdue."""

    row_header = "case"

    kept_until = SortedColumn(
        _("names kept until"), accessor="identities_kept_until", by="identities_kept_until", then=("case_number", "pk")
    )
    urgency = tables.Column(_("removal"), accessor="identities_kept_until")
    case = SortedColumn(_("case"), accessor="case_number", by="case_number", then=("pk",))
    office = SortedColumn(
        _("office of education"), accessor="office", by="office__sort_order", then=("identities_kept_until", "pk")
    )
    closed_on = SortedColumn(
        _("closed on"), accessor="identities_closed_on", by="identities_closed_on", then=("case_number", "pk")
    )

    class Meta(ListTable.Meta):
        empty_text = _("No closed case's names come due for removal.")
        order_by = ("kept_until",)

    def render_kept_until(self, value):
        return time_element(value)

    def render_urgency(self, value):
        # Removed the day after the last day they are kept.
        return urgency_text((value - self.today).days + 1)

    def render_case(self, record):
        return case_link("admin:cases_incident_change", record.pk, record.case_number)

    def render_closed_on(self, value):
        return time_element(value)
