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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from casetracker.cases import selectors, services
from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Offender, Victim
from casetracker.core.models import Channel, Committee, Office, School

from . import layout
from .fingerprints import case_fingerprints
from .layout import Column, Sheet, normalise
from .readers import Cell, FileError, SheetSource
from .values import CellError, read_cell, shown

# Enough to fix a file by; the count says how many there are in all.
MAX_ERRORS_KEPT = 500
# Rows checked and saved together (see services.save_imported_records).
BATCH_SIZE = 500


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    value: str
    message: str


@dataclass
class SheetCounts:
    key: str
    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.errors


@dataclass
class ImportResult:
    sheets: list[SheetCounts] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    notices: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def rows(self) -> int:
        return sum(sheet.rows for sheet in self.sheets)

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ImportResult":
        return cls(
            sheets=[SheetCounts(**sheet) for sheet in data.get("sheets", [])],
            errors=[RowError(**error) for error in data.get("errors", [])],
            error_count=data.get("error_count", 0),
            notices=data.get("notices", []),
            committed=data.get("committed", False),
        )


class RowRefused(Exception):
    """A row cannot be imported; its errors are already recorded."""


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
) -> ImportResult:
    """Check every row of ``sources`` for ``office``; save them only if ``commit`` and none has an error.

    Raises FileError (nothing saved) when the file holds more than ``max_rows`` rows. Given a
    dict, ``fingerprints`` gets the fingerprint of each case the file names, as it stood before
    the import touched it (``fingerprints.case_fingerprints``): a preview keeps them for its commit.
    """
    result = ImportResult()
    with transaction.atomic():
        importer = Importer(user=user, office=office, reason=reason, result=result, max_rows=max_rows)
        importer.progress = progress
        importer.fingerprints = fingerprints
        for source in sources:
            importer.import_sheet(source)
        importer.finish()
        if not result.rows:
            raise FileError(_("The file has nothing to import: its sheets have headers but no rows."))
        if commit and result.ok:
            result.committed = True
        else:
            transaction.set_rollback(True)
    return result


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


class Importer:
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

    def prefetch(self, sheet: Sheet, rows: list[Row]) -> None:
        """Load what ``rows`` refer to that is recorded already: their incidents (with channels)
        and the records under them that the sheet updates."""
        numbers = {row.values.get("case_number") for row in rows} - {None, ""}
        # (Tested one by one: subtracting a dict's keys from a set walks all the keys.)
        unknown = {number for number in numbers if number not in self.incident_ids and number not in self.new_incidents}
        if unknown and self.fingerprints is not None:
            # (Taken when a case is first named, before this import writes anything to it.)
            self.fingerprints.update(case_fingerprints(self.user, self.office, unknown))
        if unknown:
            found = dict(
                selectors.incidents_for(self.user)
                .filter(office=self.office, case_number__in=unknown)
                .order_by()
                .values_list("case_number", "id")
            )
            self.incident_ids.update((number, found.get(number)) for number in unknown)
        ids = {
            self.incident_ids[number]
            for number in numbers
            if number not in self.new_incidents and self.incident_ids.get(number) is not None
        }
        incidents = self.cache["incident"]
        missing = ids - incidents.keys()
        if missing:
            found = Incident.objects.filter(pk__in=missing).select_related("office", "school")
            if sheet is layout.INCIDENTS:
                found = found.prefetch_related("channels")
            incidents.update((incident.pk, incident) for incident in found)
        loaded = [incidents[pk] for pk in ids]
        if sheet is layout.VICTIMS:
            self._prefetch_people(Victim, loaded)
        elif sheet in (layout.OFFENDERS, layout.MEASURES, layout.APPEALS):
            self._prefetch_people(Offender, loaded)
        if sheet in (layout.COMMITTEE_CASES, layout.MEASURES, layout.APPEALS):
            self._prefetch_committee_cases(loaded)
        if sheet in (layout.MEASURES, layout.APPEALS):
            cases = self.cache["committee_case"]
            self._prefetch_measures([case for incident in loaded for case in cases[incident.pk].values()])

    def _prefetch_committee_cases(self, incidents: list[Incident]) -> None:
        cases = self.cache["committee_case"]
        wanted = {incident.pk: incident for incident in incidents if incident.pk not in cases}
        stored = [pk for pk, incident in wanted.items() if not is_new(incident)]
        grouped = defaultdict(dict)
        if stored:
            found = CommitteeCase.objects.filter(incident__in=stored).select_related("committee").order_by("pk")
            for case in found:
                case.incident = wanted[case.incident_id]
                grouped[case.incident_id][case.committee_id] = case
        cases.update((pk, grouped[pk]) for pk in wanted)

    def _prefetch_measures(self, cases: list[CommitteeCase]) -> None:
        """The measures of ``cases`` (originals first) and, for the appeals sheet, their appeals."""
        measures, appeals = self.cache["measure"], self.cache["appeal"]
        wanted = {case.pk: case for case in cases if case.pk not in measures}
        stored = [pk for pk, case in wanted.items() if not is_new(case)]
        if not wanted:
            return
        grouped = defaultdict(list)
        found = Measure.objects.filter(committee_case__in=stored).order_by("ordered_by_appeal", "id") if stored else []
        for measure in found:
            measure.committee_case = wanted[measure.committee_case_id]
            grouped[measure.committee_case_id].append(measure)
        measures.update((pk, grouped[pk]) for pk in wanted)
        by_measure = defaultdict(list)
        loaded = [measure for pk in wanted for measure in grouped[pk]]
        for appeal in Appeal.objects.filter(measure__in=loaded).order_by("pk") if loaded else []:
            by_measure[appeal.measure_id].append(appeal)
        appeals.update((measure.pk, by_measure[measure.pk]) for measure in loaded)

    def _prefetch_people(self, model: type[Victim | Offender], incidents: list[Incident]) -> None:
        cache = self.cache[model.__name__]
        wanted = {incident.pk: incident for incident in incidents if incident.pk not in cache}
        stored = [pk for pk, incident in wanted.items() if not is_new(incident)]
        grouped = defaultdict(dict)
        for person in model.objects.filter(incident__in=stored).order_by("pk") if stored else []:
            person.incident = wanted[person.incident_id]
            grouped[person.incident_id][person.code] = person
        cache.update((pk, grouped[pk]) for pk in wanted)

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

    # Saving ----------------------------------------------------------------------------------

    def save(self, row: Row, record, *, channels=None) -> None:
        try:
            services.save_imported_record(record=record, user=self.user, reason=self.reason, channels=channels)
        except ValidationError as error:
            self.validation_errors(row, error, record)
            raise self._refused(row) from None

    def _refused(self, row: Row) -> RowRefused:
        if row.sheet is layout.INCIDENTS and row.values.get("case_number"):
            self.failed_cases.add(row.values["case_number"])
        return RowRefused()

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

    # References ------------------------------------------------------------------------------

    def _committees(self) -> dict[str, Committee]:
        found = {}
        for committee in Committee.objects.for_user(self.user).filter(office=self.office):
            found[normalise(committee.name_ko)] = committee
            found[normalise(committee.name_en)] = committee
        return found

    def _channels(self) -> dict[str, Channel]:
        found = {}
        for channel in Channel.objects.all():
            for text in (channel.code, channel.name_ko, channel.name_en):
                found[normalise(text)] = channel
        return found

    def incident(self, row: Row) -> Incident:
        case_number = row.values["case_number"]
        if case_number in self.failed_cases:
            raise self.refuse(
                row, "case_number", _("This case could not be imported: see its row in the incidents sheet.")
            )
        if case_number in self.new_incidents:
            return self.new_incidents[case_number]
        incident_id = self.incident_ids.get(case_number)
        if incident_id is None:
            raise self.refuse(
                row, "case_number", _("No case with this number in your office, nor in the incidents sheet.")
            )
        incidents = self.cache["incident"]
        if incident_id not in incidents:
            incidents[incident_id] = Incident.objects.select_related("office", "school").get(pk=incident_id)
        return incidents[incident_id]

    def committee(self, row: Row) -> Committee:
        committee = self.committees.get(normalise(row.values["committee"]))
        if committee is None:
            raise self.refuse(
                row, "committee", _("No committee of your office of education or local office has this name.")
            )
        return committee

    def people(self, model: type[Victim | Offender], incident: Incident) -> dict[str, Victim | Offender]:
        self._prefetch_people(model, [incident])  # (already loaded with its chunk, as a rule)
        return self.cache[model.__name__][incident.pk]

    def offender(self, row: Row, incident: Incident) -> Offender:
        offender = self.people(Offender, incident).get(row.values["offender"])
        if offender is None:
            raise self.refuse(row, "offender", _("This case has no offender with this code."))
        return offender

    def committee_cases(self, incident: Incident) -> dict[int, CommitteeCase]:
        self._prefetch_committee_cases([incident])
        return self.cache["committee_case"][incident.pk]

    def committee_case(self, row: Row, incident: Incident) -> CommitteeCase:
        committee = self.committee(row)
        case = self.committee_cases(incident).get(committee.pk)
        if case is None:
            raise self.refuse(
                row,
                "committee",
                _("This case was not referred to this committee: add it to the committee cases sheet."),
            )
        return case

    def measures(self, committee_case: CommitteeCase) -> list[Measure]:
        self._prefetch_measures([committee_case])
        return self.cache["measure"][committee_case.pk]

    # One handler per sheet: each returns "created", "updated" or "unchanged", or raises RowRefused.

    def import_incidents(self, row: Row) -> str:
        values = row.values
        if normalise(values["office"]) != normalise(self.office.code):
            raise self.refuse(
                row,
                "office",
                _("This row is for another office of education: you can import into %(office)s (%(code)s) only.")
                % {"office": self.office, "code": self.office.code},
            )
        school = self.school(row)
        case_number = values["case_number"]
        incident_id = self.incident_ids.get(case_number)
        created = incident_id is None
        if created:
            incident = Incident(office=self.office, case_number=case_number)
        else:
            incident = self.cache["incident"].get(incident_id) or Incident.objects.select_related(
                "office", "school"
            ).get(pk=incident_id)
        changed = incident.school_id != school.pk
        incident.school = school
        changed |= self.assign(
            row,
            incident,
            ["report_date", "content_kind", "image_source", "police_referred_on", "description"],
        )
        channels = None
        if "channels" in values:
            channels = self.channel_list(row)
            current = set() if created else {channel.pk for channel in incident.channels.all()}
            if {channel.pk for channel in channels} != current:
                changed = True
            else:
                channels = None  # as recorded (or none, for a new case): nothing to set
        # Closing waits for the committee cases of the file: the rules of closing look at them.
        closure = {key: row.values[key] for key in ("closed_on", "closure_reason") if key in row.values}
        closure = {key: value if value is not None or key == "closed_on" else "" for key, value in closure.items()}
        closing_changes = {key: value for key, value in closure.items() if getattr(incident, key) != value}
        outcome = self.outcome(row, incident, created=created, changed=changed, channels=channels)
        if closing_changes:
            outcome = "created" if created else "updated"
            self.deferred_closures.append((row, incident, closing_changes, outcome))
        if created:
            self.new_incidents[case_number] = incident
        else:
            self.cache["incident"][incident.pk] = incident
        return outcome

    def school(self, row: Row) -> School:
        code = row.values["school"]
        if code not in self.schools:
            # The schools the clerk may choose (their office's, or their local office's), as the entry
            # forms offer them. (Codes are lower case; a workbook may have them capitalised.)
            self.schools[code] = (
                School.objects.for_user(self.user).filter(office=self.office, code__iexact=code).first()
            )
        school = self.schools[code]
        if school is None:
            raise self.refuse(row, "school", _("No school of your office of education or local office has this code."))
        return school

    def channel_list(self, row: Row) -> list[Channel]:
        channels = []
        for code in row.values["channels"]:
            channel = self.channels.get(normalise(code))
            if channel is None:
                raise self.refuse(row, "channels", _("Unknown channel: %(code)s.") % {"code": code})
            channels.append(channel)
        return channels

    def _import_person(self, row: Row, model: type[Victim | Offender], fields: list[str]) -> str:
        incident = self.incident(row)
        people = self.people(model, incident)
        person = people.get(row.values["code"])
        created = person is None
        if created:
            person = model(incident=incident, code=row.values["code"])
        changed = self.assign(row, person, ["kind", *fields])
        outcome = self.outcome(row, person, created=created, changed=changed)
        people[person.code] = person
        return outcome

    def import_victims(self, row: Row) -> str:
        return self._import_person(row, Victim, ["school_level", "grade", "name"])

    def import_offenders(self, row: Row) -> str:
        return self._import_person(row, Offender, ["school_level", "grade", "expected_graduation_on", "name"])

    def import_committee_cases(self, row: Row) -> str:
        incident = self.incident(row)
        committee = self.committee(row)
        cases = self.committee_cases(incident)
        case = cases.get(committee.pk)
        created = case is None
        if created:
            case = CommitteeCase(incident=incident, committee=committee)
        changed = self.assign(
            row,
            case,
            [
                "requested_on",
                "extended_on",
                "extension_reason",
                "hearing_scheduled_on",
                "hearing_date",
                "closed_on",
                "closure_reason",
            ],
        )
        # The rule on referrals looks at the case's other committee cases: these, with the file's own.
        case._other_cases = [
            (other.requested_on, other.hearing_date, other.closed_on) for other in cases.values() if other is not case
        ]
        outcome = self.outcome(row, case, created=created, changed=changed)
        cases[committee.pk] = case
        return outcome

    def import_measures(self, row: Row) -> str:
        incident = self.incident(row)
        case = self.committee_case(row, incident)
        offender = self.offender(row, incident)
        measures = self.measures(case)
        matching = [
            measure
            for measure in measures
            if measure.offender_id == offender.pk
            and measure.number == row.values["number"]
            and measure.ordered_by_appeal_id is None
        ]
        if len(matching) > 1:
            raise self.refuse(row, "number", _("This offender has this measure more than once in this committee case."))
        measure = matching[0] if matching else None
        created = measure is None
        if created:
            measure = Measure(committee_case=case, offender=offender, number=row.values["number"])
        measure.offender = offender
        changed = self.assign(
            row, measure, ["decided_on", "days", "hours", "notified_on", "carried_out_on", "deleted_from_record_on"]
        )
        outcome = self.outcome(row, measure, created=created, changed=changed)
        if created:
            measures.append(measure)
        return outcome

    def import_appeals(self, row: Row) -> str:
        incident = self.incident(row)
        case = self.committee_case(row, incident)
        offender = self.offender(row, incident)
        candidates = [
            measure
            for measure in self.measures(case)
            if measure.offender_id == offender.pk and measure.number == row.values["measure"]
        ]
        # An original measure first; a measure an appeal ordered when no original has this number.
        candidates.sort(key=lambda measure: measure.ordered_by_appeal_id is not None)
        if not candidates:
            raise self.refuse(row, "measure", _("This offender has no such measure in this committee case."))
        originals = [measure for measure in candidates if measure.ordered_by_appeal_id is None]
        if len(originals) > 1:
            raise self.refuse(
                row, "measure", _("This offender has this measure more than once in this committee case.")
            )
        measure = candidates[0]
        kind = row.values.get("kind") or Appeal.Kind.ADMINISTRATIVE_APPEAL
        appeals = self.cache["appeal"]
        if measure.pk not in appeals:
            appeals[measure.pk] = [] if is_new(measure) else list(Appeal.objects.filter(measure=measure))
        appeal = next(
            (
                appeal
                for appeal in appeals[measure.pk]
                if (appeal.appellant, appeal.kind, appeal.filed_on)
                == (row.values["appellant"], kind, row.values["filed_on"])
            ),
            None,
        )
        created = appeal is None
        if created:
            appeal = Appeal(measure=measure, appellant=row.values["appellant"], kind=kind)
            appeals[measure.pk].append(appeal)
        appeal.measure = measure
        if row.values.get("outcome") is None and "outcome" in row.values:
            row.values["outcome"] = Appeal.Outcome.PENDING
        changed = self.assign(
            row,
            appeal,
            ["filed_on", "outcome", "decided_on", "replacement_number", "replacement_days", "replacement_hours"],
        )
        outcome = self.outcome(row, appeal, created=created, changed=changed)
        if changed or created:
            # An appeal that changed its measure ordered a new one: later rows may appeal that one,
            # so the case's measures are looked up again (they are all saved by now).
            self.cache["measure"].pop(case.pk, None)
            case._created_by_import = False
        return outcome


def is_new(record) -> bool:
    """Created by this import: nothing is recorded under it yet, so there is nothing to look up."""
    return getattr(record, "_created_by_import", False)


def batched(iterable, size: int):
    """``itertools.batched`` (Python 3.12) for 3.11: lists of ``size`` items, the last maybe shorter."""
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk
