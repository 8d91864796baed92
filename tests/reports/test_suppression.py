"""Publication suppression: small counts hidden, and nothing hidden can be worked out from the rest.

The tables are built by hand on the reports' own table definitions, so these tests need
no database.
"""

import copy
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ImproperlyConfigured

from casetracker.reports.definitions import (
    CHANNELS,
    EVERYTHING,
    MEASURES_REPORT,
    OFFICES,
    REPORTS,
    SURVEY,
    TEACHER_RIGHTS,
    YEARLY,
)
from casetracker.reports.engine import CountColumn, Row, ShareColumn, Structure, Sum, Table, TableSpec, share
from casetracker.reports.suppression import (
    HIDDEN,
    SMALL,
    hidden_cells,
    publishable,
    relations,
)


def build(spec: TableSpec, body: dict, *, subtotals: bool = True) -> Table:
    """A table of ``spec`` with these body rows ({value: {column: count}}), its subtotals, total and shares."""
    counts = [column.key for column in spec.counts]
    rows = [Row(value, f"row {value}", dict(cells)) for value, cells in body.items()]
    if subtotals:
        for subtotal in spec.subtotals:
            members = [row for row in rows if row.value in subtotal.values]
            cells = {key: sum(row.cells[key] for row in members) for key in counts}
            rows.append(Row(subtotal.key, str(subtotal.label), cells, kind="subtotal"))
    total = {key: sum(row.cells[key] for row in rows if row.kind == "row") for key in counts}
    if spec.total:
        rows.append(Row("total", "total", dict(total), kind="total"))
    for row in rows:
        for column in spec.columns:
            if isinstance(column, ShareColumn):
                denominator = row.cells[column.denominator] if column.denominator else total[column.numerator]
                row.cells[column.key] = share(row.cells[column.numerator], denominator)
            elif column.key not in row.cells:
                row.cells[column.key] = ""
    return Table(spec, rows)


def offices(rows: list[tuple[int, int, int, int]]) -> Table:
    """(off the record, recorded, heavy, of which expulsions) per office."""
    body = {
        f"office-{n}": {
            "measures": off + recorded + heavy,
            "off_record": off,
            "recorded": recorded,
            "heavy": heavy,
            "expulsion": expulsion,
        }
        for n, (off, recorded, heavy, expulsion) in enumerate(rows)
    }
    return build(OFFICES.table("main"), body)


def measures(counts: list[int]) -> Table:
    return build(MEASURES_REPORT.table("main"), {n: {"count": count} for n, count in enumerate(counts, start=1)})


def shown(value) -> bool:
    return value not in (SMALL, HIDDEN)


# An example ---------------------------------------------------------------------------------


def test_a_single_small_cell_in_a_row_gets_a_complement():
    table = offices([(50, 31, 8, 0), (30, 14, 3, 0), (100, 60, 21, 0), (25, 13, 10, 0)])
    published = publishable(table)
    busan = published.rows[1].cells
    # 3 heavy measures: "<5". With measures 47, off the record 30 and recorded 14 shown, it
    # would be 47 - 30 - 14: so the smallest other cell of the row is hidden too.
    assert busan["heavy"] == SMALL
    assert busan["recorded"] == HIDDEN
    assert (busan["measures"], busan["off_record"]) == (47, 30)
    assert busan["heavy_pct"] == HIDDEN
    # The same holds down the columns: another office's heavy and recorded counts are hidden.
    assert sum(row.cells["heavy"] == HIDDEN for row in published.rows if row.kind == "row") >= 1
    assert sum(row.cells["recorded"] == HIDDEN for row in published.rows if row.kind == "row") >= 1
    assert published.rows[-1].cells["measures"] == 365  # the total stays
    # Expulsions are zero everywhere: zeros are shown.
    assert all(row.cells["expulsion"] == 0 for row in published.rows)


def test_nothing_small_nothing_hidden():
    table = offices([(50, 31, 8, 0), (30, 14, 11, 0)])
    assert publishable(table).rows == table.rows


def test_a_small_total_is_hidden_and_zeros_are_shown():
    table = offices([(2, 0, 1, 0), (0, 0, 0, 0)])
    published = publishable(table)
    assert published.rows[0].cells == {
        "measures": SMALL,
        "off_record": SMALL,
        "recorded": 0,
        "heavy": SMALL,
        "expulsion": 0,
        "heavy_pct": HIDDEN,
    }
    assert published.rows[1].cells["measures"] == 0
    assert published.rows[1].cells["heavy_pct"] is None  # nothing to divide, nothing to hide
    assert published.rows[2].cells["measures"] == SMALL


def test_expulsions_among_heavy_measures_need_no_complement():
    """Heavy 9 with 1 expulsion: the other 8 heavy measures are never shown, so 1 cannot be worked out."""
    table = offices([(30, 20, 9, 1), (40, 25, 10, 1)])
    published = publishable(table)
    assert [row.cells["expulsion"] for row in published.rows] == [SMALL, SMALL, SMALL]
    assert [row.cells["heavy"] for row in published.rows] == [9, 10, 19]


def test_a_small_measure_hides_another_of_its_tier_and_its_shares():
    table = measures([124, 155, 68, 47, 91, 45, 37, 60, 2])
    published = publishable(table)
    by_value = {row.value: row.cells for row in published.rows}
    assert by_value[9]["count"] == SMALL
    # The heavy subtotal (99) minus class changes (37) and transfers (60) would give it away.
    assert by_value[7]["count"] == HIDDEN
    assert (by_value[9]["pct"], by_value[7]["pct"]) == (HIDDEN, HIDDEN)
    assert (by_value["heavy"]["count"], by_value["total"]["count"]) == (99, 629)
    assert by_value[8] == {"count": 60, "tier": table.rows[7].cells["tier"], "pct": table.rows[7].cells["pct"]}


def test_rows_that_do_not_add_up_need_no_complement():
    """An incident can spread through several channels: the channel rows do not sum to the total."""
    spec = CHANNELS.table("channels")
    table = build(spec, {"group_chat": {"reports": 30}, "telegram": {"reports": 3}, "in_person": {"reports": 12}})
    table.rows[-1].cells.update(reports=40, pct=Decimal("100.0"))  # 40 incidents, some through two channels
    published = publishable(table)
    assert [row.cells["reports"] for row in published.rows] == [30, SMALL, 12, 40]


# Brute force ---------------------------------------------------------------------------------


def random_tables(count: int) -> list:
    tables = []
    for seed in range(count):
        rng = random.Random(seed)
        small = (0, 0, 1, 2, 3, 4, 5, 6)

        def anything(rng=rng, small=small):
            return rng.choice([*small, rng.randint(0, 60)])

        rows = []
        for _office in range(rng.randint(1, 17)):
            heavy = anything()
            rows.append((anything(), anything(), heavy, rng.randint(0, min(heavy, 2))))
        tables.append(offices(rows))
        tables.append(measures([anything() for _number in range(9)]))
        years = {}
        for year in range(2022, 2022 + rng.randint(1, 3)):
            reports = anything()
            years[year] = {
                "reports": reports,
                "heard": rng.randint(0, reports),
                "offenders": anything(),
                "student_victims": anything(),
            }
        tables.append(build(YEARLY.table("main"), years))
        levels = {level: anything() for level in ("elementary", "middle", "high", "special")}
        kinds = {kind: anything() for kind in ("student_victims", "teacher_victims", "staff_victims")}
        survey = {
            **levels,
            **kinds,
            "reports": sum(levels.values()),
            "police": rng.randint(0, sum(levels.values())),
            "takedown": anything(),
            "victims": sum(kinds.values()),
        }
        tables.append(build(SURVEY.table("main"), {"all": survey}))
        rights = {}
        for year in (2023, 2024):
            numbers = {f"measure_{n}": anything() for n in range(1, 8)}
            rights[year] = {
                "reports": anything(),
                "teacher_victims": anything(),
                "student_offenders": anything(),
                "measures": sum(numbers.values()),
                **numbers,
            }
        tables.append(build(TEACHER_RIGHTS.table("main"), rights))
    return [pytest.param(table, id=f"{table.spec.key}-{n // 5}-{n % 5}") for n, table in enumerate(tables)]


# Every sum here keeps two unknowns, yet together they gave away office 0's 1 measure off the record
# (1 + 0 + 2 = 3 hidden; the total row and office 2's row pin it): the combined check must catch it.
TOGETHER = offices([(1, 0, 2, 0), (0, 0, 1, 0), (1, 1, 9, 0)])
TABLES = [*random_tables(12), pytest.param(TOGETHER, id="sums-together")]


def determined_by_the_sums(table: Table, hidden) -> list:
    """Brute force, cell by cell: is the cell's unit vector in the span of the sums' equations?

    Adding the unit vector to the equations leaves their rank unchanged exactly when the
    shown cells and the sums fix the cell's value. Written independently of suppression.py.
    """
    equations, columns = [], {cell: n for n, cell in enumerate(sorted(hidden))}
    for number, relation in enumerate(relations(table, table.spec.suppression)):
        equation = {}
        for position, cell in enumerate(relation.cells):
            if cell in hidden:
                equation[columns[cell]] = equation.get(columns[cell], 0) + (1 if position == 0 else -1)
        if equation and not relation.complete:
            equation[columns.setdefault(("rest", number), len(columns))] = -1
        if any(equation.values()):
            equations.append(equation)
    dense = [[Fraction(equation.get(n, 0)) for n in range(len(columns))] for equation in equations]
    base = rank(dense)
    found = []
    for cell in hidden:
        unit = [Fraction(int(n == columns[cell])) for n in range(len(columns))]
        if rank([*dense, unit]) == base:
            found.append(cell)
    return found


def rank(rows: list[list[Fraction]]) -> int:
    rows = [list(row) for row in rows]
    found = 0
    for column in range(len(rows[0]) if rows else 0):
        pivot = next((n for n in range(found, len(rows)) if rows[n][column]), None)
        if pivot is None:
            continue
        rows[found], rows[pivot] = rows[pivot], rows[found]
        for n in range(len(rows)):
            if n != found and rows[n][column]:
                factor = rows[n][column] / rows[found][column]
                rows[n] = [a - factor * b for a, b in zip(rows[n], rows[found], strict=True)]
        found += 1
    return found


@pytest.mark.parametrize("table", TABLES)
def test_no_hidden_cell_can_be_worked_out(table):
    published = publishable(table)
    hidden = {
        (index, column.key)
        for index, row in enumerate(published.rows)
        for column in table.spec.counts
        if not shown(row.cells[column.key])
    }
    assert hidden == set(hidden_cells(table))
    # Every sum that holds a hidden cell holds at least one other unknown.
    for relation in relations(table, table.spec.suppression):
        if hidden.intersection(relation.cells):
            unknowns = sum(cell in hidden for cell in relation.cells) + (0 if relation.complete else 1)
            assert unknowns >= 2, relation
    # And no combination of sums gives a hidden cell away.
    assert determined_by_the_sums(table, hidden) == []


@pytest.mark.parametrize("table", TABLES)
def test_what_is_shown_is_the_original(table):
    original = copy.deepcopy(table)
    published = publishable(table)
    assert table.rows == original.rows, "the input table is left as it was"
    assert published is not table
    for before, after in zip(table.rows, published.rows, strict=True):
        assert (after.value, after.label, after.kind) == (before.value, before.label, before.kind)
        for column in table.spec.columns:
            value, was = after.cells[column.key], before.cells[column.key]
            if shown(value):
                assert value == was
            if isinstance(column, CountColumn):
                assert (value == SMALL) == (1 <= was <= 4)
                if was == 0:
                    assert value == 0
            elif isinstance(column, ShareColumn):
                numerator = after.cells[column.numerator]
                if not shown(numerator):
                    assert value == HIDDEN


def test_the_shipped_structures_name_real_columns():
    from casetracker.reports.definitions import REPORT_LIST

    for report in REPORT_LIST:
        for spec in report.tables:
            keys = {column.key for column in spec.counts}
            assert isinstance(spec.suppression, Structure), (report.name, spec.key)
            for total in spec.suppression.sums:
                assert {total.total, *total.parts} <= keys, (report.name, spec.key)


# A table declares how its counts add up, or it is not a table ----------------------------------

COLUMNS = (CountColumn("reports", "reports", REPORTS), CountColumn("police", "police", REPORTS))


def test_a_table_without_a_suppression_structure_is_refused():
    """No silent default: a new table that says nothing of its sums could give a small count away."""
    with pytest.raises(TypeError, match="suppression"):
        TableSpec("new", "new", EVERYTHING, COLUMNS)
    with pytest.raises(ImproperlyConfigured, match="not a Structure"):
        TableSpec("new", "new", EVERYTHING, COLUMNS, suppression=None)


def test_a_sum_over_columns_the_table_does_not_count_is_refused():
    with pytest.raises(ImproperlyConfigured, match="polcie"):
        TableSpec("new", "new", EVERYTHING, COLUMNS, suppression=Structure(sums=(Sum("reports", ("polcie",)),)))
    assert TableSpec("new", "new", EVERYTHING, COLUMNS, suppression=Structure(sums=(Sum("reports", ("police",)),)))
