"""Computed reports kept in Django's cache (``settings.REPORTS_CACHE``) until a row they read changes.

A report's tables are stored under a key made of everything their figures depend on:

- the report, and its filters as the form cleaned them (so "2024-1-1" and "2024-01-01" are one key);
- the reader's scopes (``case_scope``, ``reference_scope``): the rows ``for_user`` lets them count;
- the language (the rows' labels are in it), today's date (what is overdue is counted against
  it; a year's row runs to this one), and the code (``code_version``: a deploy starts afresh);
- the tokens of the office-years the report can read (``selectors.generations``): the offices
  of the reader's scope or of the office filter, every report year from the filter's first to its
  last (all years without one), and row (0, 0) of the reference data. The database replaces a
  token on every write to those office-years' rows, whatever the path (``cases/generations.py``).

Every figure counts rows of incidents reported in the filter's dates (measures, people, committee
cases and takedowns through their incident), so the office-years of the report year are all that
can contribute. A write elsewhere leaves the entry as it is; a write to one of them, or to any
reference data, makes another key. The tokens are read before the figures, on the same database
(the replica on report pages), so a write that commits in between is either in the figures or has
changed the tokens. A report run inside a transaction that has changed rows it reads and not
committed them (PostgreSQL, which gives the tokens at the commit) is computed and kept nowhere.
Over-invalidation: a write to an office-year drops every report reading it, even
one whose figures the write did not move (a victim's grade, the survey's figures for a measure),
and a write to reference data (a school's name) drops them all.

Only the tables' figures and labels are kept: the pages, the files and the JSON are made from them
for each request, and publication's suppression is applied to them afterwards as before.
TTL: ``settings.REPORTS_CACHE_SECONDS``, a safety net; 0 computes every report afresh.
"""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone, translation

from casetracker.cases import selectors
from casetracker.cases.generations import DATE_FIELD
from casetracker.core.scoping import NOTHING

from .definitions import ReportSpec
from .engine import Row, Table, compute_table
from .filters import ReportFilter


@functools.cache
def code_version() -> str:
    """A digest of the application's code and translations: figures computed by other code are
    never served."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.mo")]):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _scope(user, attribute: str):
    """The scope ``for_user`` applies (``core.scoping.ScopedQuerySet``)."""
    return getattr(user, attribute, NOTHING) if user.is_authenticated else NOTHING


def _read_office_ids(user, filters: ReportFilter) -> list[int] | None:
    """The offices whose incidents the report can count: None for every office."""
    office = filters.form.cleaned_data.get("office")
    if office is not None:
        return [office.pk]
    scope = _scope(user, "case_scope")
    if scope.national:
        return None
    return [] if scope.office_id is None else [scope.office_id]


def _read_years(filters: ReportFilter) -> tuple[int | None, int | None]:
    """The report years the filter's dates cover (None: unbounded). The tokens' year is the year of
    the report date: should the dates filter another date, every year is read."""
    if any(filters.filters[name].field_name != DATE_FIELD for name in ("date_from", "date_to")):
        return (None, None)
    cleaned = filters.form.cleaned_data
    start, end = cleaned.get("date_from"), cleaned.get("date_to")
    return (start.year if start else None, end.year if end else None)


def cache_key(spec: ReportSpec, user, filters: ReportFilter) -> str | None:
    """The key of ``spec``'s tables for ``user`` with ``filters`` (bound and valid), as the database
    stands now: one query, of the office-years' tokens. None when the current transaction has
    changed rows the report reads and not committed them (PostgreSQL): those figures are no one else's."""
    cleaned = filters.form.cleaned_data
    arguments = sorted(
        (name, getattr(value, "pk", value)) for name, value in cleaned.items() if value not in (None, "")
    )
    tokens = selectors.generations(
        office_ids=_read_office_ids(user, filters), years=_read_years(filters), using=filters.qs.db
    )
    if any(token is None for _office, _year, token in tokens):
        return None
    parts = (
        spec.name,
        arguments,
        _scope(user, "case_scope"),
        _scope(user, "reference_scope"),
        translation.get_language(),
        timezone.localdate().isoformat(),
        code_version(),
        tokens,
    )
    return "reports:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def report_tables(spec: ReportSpec, user, filters: ReportFilter) -> list[Table]:
    """The tables of ``spec`` over the filtered incidents: from the cache when nothing they read has
    changed, else computed (and kept)."""
    timeout = settings.REPORTS_CACHE_SECONDS
    if timeout <= 0:
        return [compute_table(table, user, filters.qs) for table in spec.tables]
    cache = caches[settings.REPORTS_CACHE]
    key = cache_key(spec, user, filters)
    if key is None:
        return [compute_table(table, user, filters.qs) for table in spec.tables]
    kept = cache.get(key)
    if kept is not None and len(kept) == len(spec.tables):
        return [
            Table(table, [Row(value, label, dict(cells), kind) for value, label, cells, kind in rows])
            for table, rows in zip(spec.tables, kept, strict=True)
        ]
    tables = [compute_table(table, user, filters.qs) for table in spec.tables]
    kept = [[(row.value, row.label, row.cells, row.kind) for row in table.rows] for table in tables]
    cache.set(key, kept, timeout)
    return tables
