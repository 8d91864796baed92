"""A sheet's rows as the importer reads them: each cell read by its column's kind, the required
keys checked, a second row for the same record refused; and every error put on its row and column.

``RowReader`` is a part of ``importer.Importer`` (its ``result``, ``failed_cases``); a row refused
raises ``RowRefused`` once its errors are recorded."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from . import layout
from .layout import Column, Sheet, normalise
from .readers import Cell, SheetSource
from .results import ImportResult, RowError, RowRefused
from .values import CellError, read_cell, shown


@dataclass
class Row:
    sheet: Sheet
    number: int
    values: dict[str, Any]
    cells: dict[str, Cell | None]
    headers: dict[str, str]

    def shown(self, key: str) -> str:
        """The cell of column ``key`` as an error message quotes it ("" if none)."""
        cell = self.cells.get(key)
        return "" if cell is None else shown(cell)


class RowReader:
    """Reading rows and recording their errors (a part of ``importer.Importer``)."""

    result: ImportResult
    failed_cases: set[str]

    def _positions(self, source: SheetSource) -> dict[int, tuple[Column, str]]:
        positions = {}
        for position, header in enumerate(source.headers):
            column = source.sheet.column_for_header(header) if header else None
            if column is not None:
                positions[position] = (column, header)
            elif header:
                self.result.notices.append(
                    _("Sheet %(sheet)s: the column “%(column)s” is not part of the layout and was ignored.")
                    % {"sheet": source.sheet.label, "column": header}
                )
        return positions

    def _read_row(self, sheet: Sheet, number: int, cells, positions) -> Row | None:
        values, by_key, headers, failed = {}, {}, {}, False
        for position, (column, header) in positions.items():
            cell = cells[position] if position < len(cells) else None
            by_key[column.key] = cell
            if cell is None:
                values[column.key] = [] if column.kind == layout.Kind.CODES else None
            else:
                try:
                    values[column.key] = read_cell(column, cell)
                except CellError as error:
                    self.error(sheet, number, header, shown(cell), error.message)
                    failed = True
            headers[column.key] = header
        row = Row(sheet=sheet, number=number, values=values, cells=by_key, headers=headers)
        for key in sheet.key_columns:
            if sheet.by_key[key].required and values.get(key) in (None, "") and not failed:
                self.row_error(row, key, _("This column is required."))
                failed = True
        if failed and "case_number" in values and sheet is layout.INCIDENTS and values["case_number"]:
            self.failed_cases.add(values["case_number"])
        return None if failed else row

    def _repeats(self, row: Row, seen: dict[tuple, int]) -> bool:
        """Two rows for the same record (the same natural key) are a mistake, not an update."""
        key = tuple(normalise(str(row.values.get(column) or "")) for column in row.sheet.key_columns)
        first = seen.setdefault(key, row.number)
        if first == row.number:
            return False
        self.refuse(row, None, _("This row is for the same record as row %(row)s.") % {"row": first})
        return True

    # Errors ----------------------------------------------------------------------------------

    def error(self, sheet: Sheet, number: int, column: str, value: str, message: str) -> None:
        self.result.add_error(RowError(str(sheet.label), number, column, value, str(message)))

    def row_error(self, row: Row, key: str | None, message: str) -> None:
        column = row.headers.get(key, "") if key else ""
        if key and not column:
            column = str(row.sheet.by_key[key].label) if key in row.sheet.by_key else ""
        self.error(row.sheet, row.number, column, row.shown(key) if key else "", message)

    def refuse(self, row: Row, key: str | None, message: str) -> RowRefused:
        self.row_error(row, key, message)
        return self._refused(row)

    def validation_errors(self, row: Row, error: ValidationError, record: models.Model) -> None:
        by_field = {column.model_field: column.key for column in row.sheet.columns}
        by_field.update(
            {"incident": "case_number", "committee": "committee", "offender": "offender", "measure": "measure"}
        )
        messages = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for field_name, field_messages in messages.items():
            key = by_field.get(field_name)
            prefix = ""
            if field_name != NON_FIELD_ERRORS and (key is None or key not in row.headers):
                # A rule about a field the sheet does not carry: name the field in the message.
                try:
                    prefix = f"{record._meta.get_field(field_name).verbose_name}: "
                except FieldDoesNotExist:
                    prefix = ""
                key = key if key in row.headers else None
            for message in field_messages:
                self.row_error(row, key if field_name != NON_FIELD_ERRORS else None, prefix + message)

    def _refused(self, row: Row) -> RowRefused:
        if row.sheet is layout.INCIDENTS and row.values.get("case_number"):
            self.failed_cases.add(row.values["case_number"])
        return RowRefused()
