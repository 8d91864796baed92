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

Under that entry, each table's counts are kept per office-year (``engine.count_table``), each under
the token of its own office-year and row (0, 0)'s. Every figure of every report is a count of unit
rows (the engine has no other kind of column: shares and subtotals are worked out from the counts
afterwards, texts from the rows), and each unit row is of one incident, so of one office-year: a
cell is the sum of its office-years' counts, the channels' total too (an incident counted once
whatever its channels, in its one office-year). So after a write in one office-year, a report whose
entry is gone is made from the other office-years' counts as kept, and that office-year's counted
again, alone (``FEW_PARTS``: when more are missing, all are counted in one pass). A kind of figure
that does not add up this way (a median, a count of people across incidents) could not be made so,
and would need its table computed whole. The counts of an office-year are shared where they cannot
differ: by every filter that leaves all of that office-year's incidents in (the office filter, which
only chooses the office-years read; dates that cover the whole year), and by national readers and
readers of that office; a reader of a local office, or of another office, has counts of their own.
They hold values and numbers, no label, so every language reads them.
"""

import datetime
import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone, translation

from casetracker.cases import selectors
from casetracker.cases.generations import DATE_FIELD
from casetracker.cases.models.generation import EVERYTHING
from casetracker.core.scoping import NOTHING

from .definitions import ReportSpec
from .engine import OfficeYear, Row, Table, TableSpec, build_table, compute_table, count_table, merge_counts
from .filters import ReportFilter

# The office-years whose counts are missing are counted alone when they are at most one in this many
# of those the report reads (a few clerks' saves since the last reader); more, and all are counted.
FEW_PARTS = 4
NO_COUNTS = ({}, {})  # the counts of an office-year without a row to count


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


def _read_tokens(user, filters: ReportFilter) -> tuple | None:
    """The tokens of the office-years the report can read, as the database stands now (one query);
    None when the current transaction has changed rows the report reads and not committed them
    (PostgreSQL): those figures are no one else's."""
    tokens = selectors.generations(
        office_ids=_read_office_ids(user, filters), years=_read_years(filters), using=filters.qs.db
    )
    return None if any(token is None for _office, _year, token in tokens) else tokens


def _key(*parts) -> str:
    return "reports:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cache_key(spec: ReportSpec, user, filters: ReportFilter, tokens: tuple | None = None) -> str | None:
    """The key of ``spec``'s tables for ``user`` with ``filters`` (bound and valid), as the database
    stands now (``tokens``, read if not given: one query); None when the tokens are not committed."""
    tokens = _read_tokens(user, filters) if tokens is None else tokens
    if tokens is None:
        return None
    cleaned = filters.form.cleaned_data
    arguments = sorted(
        (name, getattr(value, "pk", value)) for name, value in cleaned.items() if value not in (None, "")
    )
    return _key(
        spec.name,
        arguments,
        _scope(user, "case_scope"),
        _scope(user, "reference_scope"),
        translation.get_language(),
        timezone.localdate().isoformat(),
        code_version(),
        tokens,
    )


def part_keys(spec: ReportSpec, table: TableSpec, user, filters: ReportFilter, tokens: tuple) -> dict[OfficeYear, str]:
    """The key of the counts of ``table`` in each office-year of ``tokens`` (see the module's text)."""
    everything = next((token for office, year, token in tokens if (office, year) == EVERYTHING), None)
    scope = _scope(user, "case_scope")
    common = (spec.name, table.key, timezone.localdate().isoformat(), code_version(), everything)
    keys = {}
    for office, year, token in tokens:
        if (office, year) == EVERYTHING:
            continue
        whole_office = scope.national or (scope.office_id == office and scope.local_office_id is None)
        arguments = _part_arguments(filters, office, year)
        keys[(office, year)] = _key("part", *common, arguments, None if whole_office else scope, office, year, token)
    return keys


def _part_arguments(filters: ReportFilter, office: int, year: int) -> list:
    """The filters as they bear on the incidents of ``office`` reported in ``year``: the office filter
    not at all (it is this office, or the office-year is not read), the dates only as far as they cut
    the year short."""
    cleaned = filters.form.cleaned_data
    dated = all(filters.filters[name].field_name == DATE_FIELD for name in ("date_from", "date_to"))
    arguments = []
    for name, value in cleaned.items():
        if value in (None, ""):
            continue
        if name == "office" and filters.filters[name].field_name == "office" and value.pk == office:
            continue
        if dated and name in ("date_from", "date_to"):
            continue
        arguments.append((name, getattr(value, "pk", value)))
    if dated:
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        start, end = max(cleaned.get("date_from") or first, first), min(cleaned.get("date_to") or last, last)
        if (start, end) != (first, last):
            arguments.append(("within the year", start, end))
    return sorted(arguments)


def report_keys(spec: ReportSpec, user, filters: ReportFilter) -> list[str]:
    """Every key of ``spec``'s entries for ``user`` with ``filters`` as the database stands now: the
    report's and each table's office-years' (empty when the tokens are not committed)."""
    tokens = _read_tokens(user, filters)
    if tokens is None:
        return []
    keys = [cache_key(spec, user, filters, tokens)]
    for table in spec.tables:
        keys += part_keys(spec, table, user, filters, tokens).values()
    return keys


def report_tables(spec: ReportSpec, user, filters: ReportFilter) -> list[Table]:
    """The tables of ``spec`` over the filtered incidents: from the cache when nothing they read has
    changed, else made from the counts of each office-year, those of the office-years whose rows have
    changed counted again (and all of them kept)."""
    timeout = settings.REPORTS_CACHE_SECONDS
    if timeout <= 0:
        return [compute_table(table, user, filters.qs) for table in spec.tables]
    tokens = _read_tokens(user, filters)
    if tokens is None:
        return [compute_table(table, user, filters.qs) for table in spec.tables]
    cache = caches[settings.REPORTS_CACHE]
    key = cache_key(spec, user, filters, tokens)
    kept = cache.get(key)
    if kept is not None and len(kept) == len(spec.tables):
        return [
            Table(table, [Row(value, label, dict(cells), kind) for value, label, cells, kind in rows])
            for table, rows in zip(spec.tables, kept, strict=True)
        ]
    tables = [_from_parts(spec, table, user, filters, tokens, cache, timeout) for table in spec.tables]
    kept = [[(row.value, row.label, row.cells, row.kind) for row in table.rows] for table in tables]
    cache.set(key, kept, timeout)
    return tables


def _from_parts(spec, table: TableSpec, user, filters: ReportFilter, tokens: tuple, cache, timeout: int) -> Table:
    """``table`` from the counts of each office-year it reads: those kept under their tokens, the
    others counted (only theirs, when they are few) and kept."""
    keys = part_keys(spec, table, user, filters, tokens)
    found = cache.get_many(list(keys.values())) if keys else {}
    parts = {part: found[key] for part, key in keys.items() if key in found}
    missing = [part for part in keys if part not in parts]
    if missing or not keys:
        only = missing if len(missing) * FEW_PARTS <= len(keys) else []
        counted = count_table(table, user, filters.qs, by_office_year=True, only=only)
        cache.set_many({keys[part]: counted.get(part, NO_COUNTS) for part in only or keys}, timeout)
        # All counted again: these counts only. (An office-year counted but not among the tokens, its
        # first incident committed since they were read, is in the figures and kept nowhere.)
        parts = {**parts, **counted} if only else counted
    return build_table(table, user, filters.qs, merge_counts(parts.values()))
