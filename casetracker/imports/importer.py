"""Checking and saving an import: every row through the case services, all in one transaction.

The preview is the import itself, run to the end and rolled back: it applies exactly the rules
the commit will (the models' rules, the database's constraints, the scope), so what the preview
promises is what the commit does. The commit runs it again and keeps it only if no row has an
error: the whole file goes in, or nothing does.

A row's natural key finds the record it updates (case number; case number and person code;
...): a row equal to its record changes nothing, so importing the same file twice, or an export
of the same cases, changes nothing.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from casetracker.cases import free_text, services
from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Offender, Victim
from casetracker.core.models import Office, School

from . import layout
from .file_names import check_file_names
from .readers import FileError, SheetSource
from .references import References
from .results import MAX_ERRORS_KEPT, ImportResult, RowError, RowRefused, SheetCounts
from .rows import Row, RowReader
from .sheets import SheetHandlers

__all__ = [
    "BATCH_SIZE",
    "MAX_ERRORS_KEPT",
    "ImportResult",
    "Importer",
    "RowError",
    "RowRefused",
    "SheetCounts",
    "TooManyRows",
    "run_import",
]

# Rows checked and saved together (see services.save_imported_records).
BATCH_SIZE = 500


class TooManyRows(FileError):
    pass


def run_import(
    *,
    sources: list[SheetSource],
    user,
    office: Office,
    commit: bool,
    reason: str,
    max_rows: int,
    progress: Callable[[int], None] | None = None,
    fingerprints: dict[str, str | None] | None = None,
    file_names: Sequence[str] = (),
) -> ImportResult:
    """Check every row of ``sources`` for ``office``; save them only if ``commit`` and none has an error.

    Raises FileError (nothing saved) when one of ``file_names`` holds the name of a person of the
    cases the file touches (``file_names.check_file_names``).

    Raises FileError (nothing saved) when the file holds more than ``max_rows`` rows. Given a
    dict, ``fingerprints`` gets the fingerprint of each case the file names, as it stood before
    the import touched it (``fingerprints.case_fingerprints``): a preview keeps them for its commit.
    """
    result = ImportResult()
    with transaction.atomic(), services.one_submission(actor=user) as submission:
        importer = Importer(user=user, office=office, reason=reason, result=result, max_rows=max_rows)
        importer.progress = progress
        importer.fingerprints = fingerprints
        for source in sources:
            importer.import_sheet(source)
        importer.finish()
        check_file_names(file_names, people=importer.named_people())
        importer.check_identifiers(submission)
        if not result.rows:
            raise FileError(_("The file has nothing to import: its sheets have headers but no rows."))
        if commit and result.ok:
            result.committed = True
        else:
            transaction.set_rollback(True)
    return result


class Importer(SheetHandlers, References, RowReader):
    """One import: the sheets in order, their rows in chunks; reading a row (``RowReader``), what it
    names (``References``) and what it makes of it (``SheetHandlers``) are in their own modules."""

    def __init__(self, *, user, office: Office, reason: str, result: ImportResult, max_rows: int):
        self.user = user
        self.office = office
        self.reason = reason
        self.result = result
        self.max_rows = max_rows
        self.rows_seen = 0
        self.progress: Callable[[int], None] | None = None
        self.fingerprints: dict[str, str | None] | None = None
        # Incidents of the office in the user's scope, by case number: None for a number not
        # recorded. Looked up a chunk of rows at a time (``prefetch``), not the office's hundreds
        # of thousands of cases at once.
        self.incident_ids: dict[str, int | None] = {}
        self.failed_cases: set[str] = set()
        self.committees = self._committees()
        self.schools: dict[str, School | None] = {}
        self.channels = self._channels()
        self.deferred_closures: list[tuple[Row, Incident, dict[str, Any], str]] = []
        self.cache: dict[str, dict] = defaultdict(dict)
        self.new_incidents: dict[str, Incident] = {}
        self.pending: list[tuple[Row, services.ImportedRecord, str]] = []
        self.counts: SheetCounts | None = None
        # The row each saved record came from, and the first row of each case, for the errors
        # of the identifier check (``check_identifiers``).
        self.rows_of: dict[tuple[type, int], tuple[str, int, dict[str, str]]] = {}
        self.first_rows: dict[int, tuple[str, int, dict[str, str]]] = {}

    # Sheets ----------------------------------------------------------------------------------

    def import_sheet(self, source: SheetSource) -> None:
        sheet = source.sheet
        counts = SheetCounts(key=sheet.key, label=str(sheet.label))
        self.result.sheets.append(counts)
        self.counts = counts
        positions = self._positions(source)
        handler = getattr(self, f"import_{sheet.key}")
        seen: dict[tuple, int] = {}
        # In chunks: the records a chunk's rows refer to are fetched together, a few queries a chunk.
        for chunk in batched(source.rows(), BATCH_SIZE):
            rows = []
            for number, cells in chunk:
                self.rows_seen += 1
                if self.rows_seen > self.max_rows:
                    raise TooManyRows(
                        _("The file has more than %(max)s rows: split it into smaller files.") % {"max": self.max_rows}
                    )
                row = self._read_row(sheet, number, cells, positions)
                rows.append(None if row is not None and self._repeats(row, seen) else row)
            self.prefetch(sheet, [row for row in rows if row is not None])
            for row in rows:
                if row is None:
                    counts.errors += 1
                else:
                    try:
                        outcome = handler(row)
                    except RowRefused:
                        counts.errors += 1
                    else:
                        setattr(counts, outcome, getattr(counts, outcome) + 1)
            if self.progress is not None:
                self.progress(len(rows))
        self.flush()

    def finish(self) -> None:
        """Close the cases whose closing the file gives, now that their committee cases are in."""
        counts = next((sheet for sheet in self.result.sheets if sheet.key == layout.INCIDENTS.key), None)
        for row, incident, closure, outcome in self.deferred_closures:
            if row.values["case_number"] in self.failed_cases:
                continue
            incident.refresh_from_db()
            for key, value in closure.items():
                setattr(incident, key, value)
            try:
                self.save(row, incident)
            except RowRefused:
                setattr(counts, outcome, getattr(counts, outcome) - 1)
                counts.errors += 1

    def named_people(self) -> tuple[tuple[str, str], ...]:
        """The named people of every case the file touches, as they stand in this import's transaction."""
        ids = {pk for pk in self.incident_ids.values() if pk is not None}
        ids |= {incident.pk for incident in self.new_incidents.values() if incident.pk is not None}
        ordered, people = sorted(ids), []
        for start in range(0, len(ordered), free_text.CHUNK):
            for named in free_text.people_of(ordered[start : start + free_text.CHUNK]).values():
                people.extend(named)
        return tuple(people)

    def check_identifiers(self, submission) -> None:
        """No case the file touches may hold a name of its people or a direct identifier in its free text.

        Checked once the whole file is in (the victims' names come after the incidents'
        descriptions): each text found is an error on its row and column, naming the kinds found,
        never what was found; and nothing of the file is saved.
        """
        for finding in free_text.pending_check(submission)[0]:
            message = str(free_text.found_message(finding.kinds))
            where = self.rows_of.get((finding.model, finding.pk))
            column = where[2].get(finding.field) if where else None
            if column is None:
                # A text the file does not give (stored), which a name the file gives now finds.
                where = where or self.first_rows.get(finding.incident_id) or ("", 0, {})
                label = finding.model._meta.get_field(finding.field).verbose_name
                message = f"{finding.model._meta.verbose_name} · {label}: {message}"
            self.result.add_error(RowError(where[0], where[1], column or "", "", message))

    # Saving ----------------------------------------------------------------------------------

    def _saved(self, row: Row, record) -> None:
        """Where a saved record came from, for the identifier check: its sheet, row and text columns."""
        if record.pk is None or not isinstance(record, free_text.CHECKED_MODELS):
            return
        text_fields = free_text.TEXT_FIELDS.get(type(record), ())
        columns = {
            column.model_field: row.headers[column.key]
            for column in row.sheet.columns
            if column.model_field in text_fields and column.key in row.headers
        }
        where = (str(row.sheet.label), row.number, columns)
        self.rows_of[(type(record), record.pk)] = where
        self.first_rows.setdefault(free_text.incident_id_of(record), where)

    def save(self, row: Row, record, *, channels=None) -> None:
        try:
            services.save_imported_record(record=record, user=self.user, reason=self.reason, channels=channels)
        except ValidationError as error:
            self.validation_errors(row, error, record)
            raise self._refused(row) from None
        self._saved(row, record)

    def assign(self, row: Row, record: models.Model, keys: list[str]) -> bool:
        """Set the fields the row gives; True if any differs from the record."""
        changed = False
        for key in keys:
            if key not in row.values:
                continue  # a column the file does not have leaves the field as it is
            column = row.sheet.by_key[key]
            model_field = record._meta.get_field(column.model_field)
            value = row.values[key]
            if value is None and not model_field.null:
                value = ""
            if getattr(record, model_field.attname) != value:
                setattr(record, model_field.attname, value)
                changed = True
        return changed

    def outcome(self, row: Row, record, *, created: bool, changed: bool, channels=None) -> str:
        """Stage a new or changed record for saving with its batch; say what the row does."""
        if not (created or changed):
            return "unchanged"
        if created:
            record._created_by_import = True
        outcome = "created" if created else "updated"
        self.pending.append((row, services.ImportedRecord(record=record, channels=channels), outcome))
        if len(self.pending) >= BATCH_SIZE or isinstance(record, Appeal):
            # (An appeal may order a measure that a later row appeals in turn: it is saved at once.)
            self.flush()
        return outcome

    def flush(self) -> None:
        """Save the staged rows; a refused row becomes an error on its line, and is counted so."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        errors = services.save_imported_records(
            rows=[staged for _row, staged, _outcome in pending], user=self.user, reason=self.reason
        )
        for position, (row, staged, _outcome) in enumerate(pending):
            if position not in errors:
                self._saved(row, staged.record)
        for position, error in errors.items():
            row, staged, outcome = pending[position]
            self.validation_errors(row, error, staged.record)
            self._refused(row)
            if staged.record.pk is None:
                self._forget(staged.record)
            setattr(self.counts, outcome, getattr(self.counts, outcome) - 1)
            self.counts.errors += 1

    def _forget(self, record: models.Model) -> None:
        """A new record refused is not there for later rows to name: they are refused as naming nothing."""
        if isinstance(record, CommitteeCase):
            self.cache["committee_case"].get(record.incident.pk, {}).pop(record.committee_id, None)
        elif isinstance(record, Victim | Offender):
            self.cache[type(record).__name__].get(record.incident.pk, {}).pop(record.code, None)
        elif isinstance(record, Measure):
            measures = self.cache["measure"].get(record.committee_case.pk, [])
            if record in measures:
                measures.remove(record)


def batched(iterable, size: int):
    """``itertools.batched`` (Python 3.12) for 3.11: lists of ``size`` items, the last maybe shorter."""
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk
