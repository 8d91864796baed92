"""Small-count suppression for tables meant for publication.

Primary suppression: a count from 1 to 4 is shown as "<5". Complementary suppression:
wherever counts add up (a total row is the sum of the body rows, a subtotal the sum of its
rows, a column the sum of other columns), a hidden cell could be worked out from the
others if it were the only one hidden in that sum. So, for every sum with exactly one
hidden cell, the smallest other non-zero cell of the sum is hidden too (shown "x"), until
no sum has a single hidden cell. Sums can also give a cell away together (two rows and a
column total, say), so the sums are then solved as one linear system, and while a hidden
cell still follows from it another cell of one of its sums is hidden. Zeros stay 0: hiding
them protects no one. A share whose numerator or denominator is hidden is hidden as well.

What this does not cover: bounds. A reader knows a "<5" is 1 to 4 and an "x" at least 1;
with a shown total of 8 over two "<5" cells, both are 4. Such tables are rare at the size
of an office; check the file before publishing it.

Which columns add up to which each table declares itself (``TableSpec.suppression``, a
``Structure``); the sums over rows come from the table itself (its total row and subtotals).
"""

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from .engine import ShareColumn, Structure, Table

SMALL = "<5"  # a count from 1 to 4
HIDDEN = "x"  # a count or share hidden so that no small count can be worked out
SMALLEST_SHOWN = 5


Cell = tuple[int, str]  # (row index, column key)


@dataclass(frozen=True)
class Relation:
    """Cells that add up: the first is the sum of the others (plus an unseen rest if not complete)."""

    cells: tuple[Cell, ...]
    complete: bool = True


def relations(table: Table, structure: Structure) -> list[Relation]:
    """Every additive relation between the count cells of ``table``."""
    counts = [column.key for column in table.spec.counts]
    found = [
        Relation(tuple((index, key) for key in (s.total, *s.parts)), s.complete)
        for index in range(len(table.rows))
        for s in structure.sums
    ]
    if not structure.rows_add_up:
        return found
    body = [index for index, row in enumerate(table.rows) if row.kind == "row"]
    total = next((index for index, row in enumerate(table.rows) if row.kind == "total"), None)
    subtotals = {row.value: index for index, row in enumerate(table.rows) if row.kind == "subtotal"}
    members = {
        subtotal.key: [index for index in body if table.rows[index].value in subtotal.values]
        for subtotal in table.spec.subtotals
    }
    for key in counts:
        if total is not None:
            found.append(Relation(((total, key), *((index, key) for index in body))))
        for value, index in subtotals.items():
            found.append(Relation(((index, key), *((member, key) for member in members[value]))))
        covered = sorted(index for group in members.values() for index in group)
        if total is not None and subtotals and covered == body:
            found.append(Relation(((total, key), *((index, key) for index in subtotals.values()))))
    return found


def hidden_cells(table: Table, structure: Structure | None = None) -> dict[Cell, str]:
    """The count cells to hide, each with what to show instead ("<5" or "x")."""
    structure = table.spec.suppression if structure is None else structure
    values = {
        (index, column.key): row.cells[column.key]
        for index, row in enumerate(table.rows)
        for column in table.spec.counts
    }
    hidden = {cell: SMALL for cell, value in values.items() if 0 < value < SMALLEST_SHOWN}
    all_relations = relations(table, structure)

    def hide_a_complement(among: list[Relation]) -> bool:
        # The parts come before the total: on a tie, a part is hidden rather than a total.
        shown = [
            cell
            for relation in among
            for cell in (*relation.cells[1:], relation.cells[0])
            if cell not in hidden and values[cell]
        ]
        if shown:
            hidden[min(shown, key=values.__getitem__)] = HIDDEN
        return bool(shown)

    while True:
        # A sum with one hidden cell gives it away: hide the smallest other cell of the sum.
        changed = True
        while changed:
            changed = False
            for relation in all_relations:
                if relation.complete and sum(cell in hidden for cell in relation.cells) == 1:
                    changed = hide_a_complement([relation]) or changed
        # Sums can also give a cell away together (two rows and a total, say): check them all at once.
        found = worked_out(all_relations, hidden)
        if not found:
            return hidden
        around = [relation for relation in all_relations if found[0] in relation.cells]
        if not hide_a_complement(around) and not hide_a_complement(all_relations):
            return hidden  # everything that is not zero is hidden already


def worked_out(all_relations: list[Relation], hidden) -> list[Cell]:
    """The hidden cells whose value follows from the shown cells and the sums.

    Each sum is a linear equation in the hidden cells (and in the unseen rest of an
    incomplete sum). A hidden cell can be worked out exactly when its unit vector lies in
    the span of the equations: in the reduced row echelon form, it is a pivot whose row is
    zero in every free column.
    """
    unknowns: dict[Any, int] = {cell: n for n, cell in enumerate(sorted(hidden))}
    equations = []
    for number, relation in enumerate(all_relations):
        coefficients: dict[int, Fraction] = {}
        for position, cell in enumerate(relation.cells):
            if cell in unknowns:
                coefficients[unknowns[cell]] = coefficients.get(unknowns[cell], 0) + (1 if position == 0 else -1)
        if not coefficients:
            continue
        if not relation.complete:
            coefficients[unknowns.setdefault(("rest", number), len(unknowns))] = Fraction(-1)
        equations.append(coefficients)
    width = len(unknowns)
    rows = [[Fraction(row.get(column, 0)) for column in range(width)] for row in equations]
    pivots = _reduce(rows, width)
    free = [column for column in range(width) if column not in pivots]
    cells = {n: cell for cell, n in unknowns.items() if cell in hidden}
    return [
        cells[column]
        for column, row in pivots.items()
        if column in cells and all(rows[row][other] == 0 for other in free)
    ]


def _reduce(rows: list[list[Fraction]], width: int) -> dict[int, int]:
    """Bring ``rows`` to reduced row echelon form in place; the pivot columns, each with its row."""
    pivots: dict[int, int] = {}
    for column in range(width):
        top = len(pivots)
        pivot = next((n for n in range(top, len(rows)) if rows[n][column]), None)
        if pivot is None:
            continue
        rows[top], rows[pivot] = rows[pivot], rows[top]
        lead = rows[top][column]
        rows[top] = [value / lead for value in rows[top]]
        for n, row in enumerate(rows):
            if n != top and row[column]:
                factor = row[column]
                rows[n] = [value - factor * above for value, above in zip(row, rows[top], strict=True)]
        pivots[column] = top
    return pivots


def publishable(table: Table, structure: Structure | None = None) -> Table:
    """A copy of ``table`` with small counts suppressed; ``table`` itself is left as it was."""
    hidden = hidden_cells(table, structure)
    total = next((index for index, row in enumerate(table.rows) if row.kind == "total"), None)
    rows = []
    for index, row in enumerate(table.rows):
        cells = dict(row.cells)
        for column in table.spec.counts:
            cells[column.key] = hidden.get((index, column.key), cells[column.key])
        for column in table.spec.columns:
            if not isinstance(column, ShareColumn):
                continue
            denominator = (index, column.denominator) if column.denominator else (total, column.numerator)
            if (index, column.numerator) in hidden or denominator in hidden:
                cells[column.key] = HIDDEN
        rows.append(replace(row, cells=cells))
    return Table(table.spec, rows)
