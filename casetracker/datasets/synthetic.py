"""Synthetic cases at scale: N incidents shaped like the shipped dataset, written in bulk.

Each generated incident is a copy of one incident of the shipped dataset
(``published.build``), drawn at random with the seed, with everything recorded
under it: victims, offenders and their relations, takedown requests, committee cases,
measures, protection measures and appeals. So the proportions (offices, school levels,
victims and offenders per incident, committee kinds, heard and closed cases, measure
numbers and tiers, appeals and their outcomes) are the shipped dataset's, and the rules
that hold for the shipped rows hold for every copy:

- all the dates of one copy move back by the same number of days (whole years of 52
  weeks, plus up to a week), so no date comes before another it must follow, and none is
  in the future;
- the school is drawn again among the office's schools of the same level (the people keep
  a school level their school has), and each committee case goes to that school's local
  committee of the same kind (the provincial teacher rights committee before 2024-03-28);
- case numbers are ``G<year>-<id>``: the ``G`` keeps them apart from the clerks' own
  ``YYYY-NNNN`` numbers (and from ``cases.services.next_case_number``), and the id keeps them
  unique.

The rows are written as plain tuples (executemany of one INSERT per table; COPY on
PostgreSQL), a chunk of incidents per transaction: at ten rows per incident, a million
incidents is ten million rows, where building a model instance per row (``bulk_create``)
would cost more than the database does. ``full_clean`` is not run on them (the tests run
it on a small set); the database still checks every constraint as the rows go in, and its
triggers store each incident's status and committee referrals (casetracker/cases/triggers.py) as
they do for every other write (the incidents last in each chunk, so that the triggers work each
one out once, with all its records there). Each record gets its first history entry ("+", created) in the same
transaction, copied by the database (``copy_to_history``: one INSERT ... SELECT per table and
chunk).
"""

import datetime
import math
import random
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.utils import timezone

from casetracker.cases.models import (
    DERIVED_INCIDENT_FIELDS,
    Appeal,
    CommitteeCase,
    Incident,
    Measure,
    Offender,
    OffenderVictimRelation,
    ProtectionMeasure,
    TakedownRequest,
    Victim,
)
from casetracker.core.dates import EARLIEST_DATE
from casetracker.core.history import copy_to_history
from casetracker.core.models import Channel, Committee, Office, School

from . import published
from .published.plan import TR_LOCAL_COMMITTEES_FROM

CASE_NUMBER_PREFIX = "G"
# Roughly the school-violence cases the committees hear in a year: a large dataset spreads
# over as many years as it takes to stay under it (the shipped incidents span 2022-2024).
YEARLY_INCIDENTS = 60_000
DEFAULT_CHUNK = 5_000
IncidentChannel = Incident.channels.through

# In the order they are written. (A replacement measure points to the appeal that ordered it,
# written after it: the foreign keys are checked at the end of each transaction.)
MODELS: tuple[type[models.Model], ...] = (
    Incident,
    IncidentChannel,
    Victim,
    Offender,
    OffenderVictimRelation,
    TakedownRequest,
    ProtectionMeasure,
    CommitteeCase,
    Measure,
    Appeal,
)
# The incidents go in last: the triggers on committee cases, measures and appeals then find no
# incident of theirs to work out, and the incidents' own trigger works each one out once, with all
# its records there (rather than again after each of the three tables).
WRITE_ORDER = (*(model for model in MODELS if model is not Incident), Incident)
CASE_MODEL_LABELS = {model._meta.label_lower: model for model in MODELS}
HISTORY_REASON = "generated data"


@dataclass
class Table:
    """How to copy one model's template rows: its columns and which of them to rewrite."""

    model: type[models.Model]
    columns: list[str]
    case_keys: list[tuple[int, type[models.Model]]] = field(default_factory=list)  # ids inside the copy
    dates: list[int] = field(default_factory=list)
    stamps: list[int] = field(default_factory=list)

    @cached_property
    def index(self) -> dict[str, int]:
        return {column: i for i, column in enumerate(self.columns)}

    @cached_property
    def pk(self) -> int:
        return self.columns.index(self.model._meta.pk.column)

    @classmethod
    def of(cls, model: type[models.Model]) -> "Table":
        table = cls(model, [f.column for f in model._meta.concrete_fields])
        for index, f in enumerate(model._meta.concrete_fields):
            if isinstance(f, models.DateTimeField):
                table.stamps.append(index)
            elif f.is_relation and f.related_model in MODELS:
                table.case_keys.append((index, f.related_model))
            elif isinstance(f, models.DateField):
                table.dates.append(index)
        return table


@dataclass
class Template:
    """One shipped incident and everything under it, ready to copy.

    Rows are lists in column order; a key to a row of the same incident is that row's
    index within the template, and a date is its ordinal day.
    """

    office: str  # office code
    level: str
    rows: dict[type[models.Model], list[list]]
    committee_kinds: list[str]  # the kind of each committee case's committee
    # What the database's triggers stored for the first copy (status, reason, referrals), written
    # into the next copies so that the triggers, which still work out every copy, find nothing to
    # change: the rule gives every copy its template's values (whole-day shifts, same kinds).
    derived: dict[int, object] | None = None


def load_templates(seed: int = published.DEFAULT_SEED) -> list[Template]:
    """The shipped incidents as templates, in the order of the shipped dataset."""
    reference, cases = published.build(seed)
    ref = defaultdict(dict)
    for row in reference:
        ref[row["model"]][row["pk"]] = row["fields"]
    by_model: dict[type[models.Model], list[dict]] = defaultdict(list)
    for row in cases:
        by_model[CASE_MODEL_LABELS[row["model"]]].append(row)

    # The incident each row belongs to, following its keys upwards.
    incident_of: dict[tuple[type[models.Model], int], int] = {}
    parents = {
        Victim: ("incident", Incident),
        Offender: ("incident", Incident),
        TakedownRequest: ("incident", Incident),
        CommitteeCase: ("incident", Incident),
        OffenderVictimRelation: ("offender", Offender),
        ProtectionMeasure: ("victim", Victim),
        Measure: ("committee_case", CommitteeCase),
        Appeal: ("measure", Measure),
    }
    for row in by_model[Incident]:
        incident_of[(Incident, row["pk"])] = row["pk"]
    for model in (Victim, Offender, TakedownRequest, CommitteeCase, OffenderVictimRelation, ProtectionMeasure, Measure):
        name, parent = parents[model]
        for row in by_model[model]:
            incident_of[(model, row["pk"])] = incident_of[(parent, row["fields"][name])]
    for row in by_model[Appeal]:
        incident_of[(Appeal, row["pk"])] = incident_of[(Measure, row["fields"]["measure"])]

    grouped: dict[int, dict[type[models.Model], list[dict]]] = defaultdict(lambda: defaultdict(list))
    for model, rows in by_model.items():
        if model is Incident:
            continue
        for row in rows:
            grouped[incident_of[(model, row["pk"])]][model].append(row)

    templates = []
    for incident in by_model[Incident]:
        members = grouped[incident["pk"]]
        members[Incident] = [incident]
        members[IncidentChannel] = [
            {"pk": None, "fields": {"incident": incident["pk"], "channel": channel}}
            for channel in incident["fields"]["channels"]
        ]
        local_index = {model: {row["pk"]: i for i, row in enumerate(rows)} for model, rows in members.items()}
        school = ref["core.school"][incident["fields"]["school"]]
        rows: dict[type[models.Model], list[list]] = {}
        for model in MODELS:
            rows[model] = [_template_row(model, row["fields"], local_index, ref) for row in members.get(model, [])]
        kinds = [ref["core.committee"][case["fields"]["committee"]]["kind"] for case in members.get(CommitteeCase, [])]
        office = _code(ref["core.office"], incident["fields"]["office"])
        templates.append(Template(office, school["level"], rows, kinds))
    return templates


def _code(rows: dict, pk: int) -> str:
    return rows[pk]["code"]


def _template_row(model, fields: dict, local_index: dict, ref: dict) -> list:
    row = []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            row.append(None)
            continue
        value = fields.get(f.name, f.get_default())
        if f.is_relation and f.related_model in MODELS:
            value = None if value is None else local_index[f.related_model][value]
        elif f.is_relation:
            # Reference rows travel as codes; the database's own ids replace them when copying.
            label = f.related_model._meta.label_lower
            value = _code(ref[label], value) if label in ("core.office", "core.channel") else value
        elif isinstance(f, models.DateTimeField):
            value = None
        elif isinstance(f, models.DateField) and value is not None:
            value = datetime.date.fromisoformat(value).toordinal()
        row.append(value)
    return row


class Reference:
    """The database's reference rows the copies point to."""

    def __init__(self, using: str):
        self.office = dict(Office.objects.using(using).values_list("code", "pk"))
        self.channel = dict(Channel.objects.using(using).values_list("code", "pk"))
        self.schools: dict[tuple[int, str], list[tuple[int, int | None]]] = defaultdict(list)
        for pk, office, level, local in (
            School.objects.using(using).order_by("pk").values_list("pk", "office_id", "level", "local_office_id")
        ):
            self.schools[(office, level)].append((pk, local))
        self.committee: dict[tuple[int, int | None, str], int] = {}
        for pk, office, local, kind in (
            Committee.objects.using(using).order_by("pk").values_list("pk", "office_id", "local_office_id", "kind")
        ):
            self.committee.setdefault((office, local, kind), pk)

    def missing(self, templates: list[Template]) -> list[str]:
        """What the templates need and the database lacks (its reference data is not loaded)."""
        missing = []
        for template in templates:
            office = self.office.get(template.office)
            if office is None or not self.schools.get((office, template.level)):
                missing.append(f"{template.office}/{template.level}")
        return sorted(set(missing))

    def committee_for(self, office: int, local: int | None, kind: str, requested: datetime.date) -> int:
        if kind == Committee.Kind.TEACHER_RIGHTS and requested < TR_LOCAL_COMMITTEES_FROM:
            local = None
        return self.committee.get((office, local, kind)) or self.committee[(office, None, kind)]


def years_for(incidents: int) -> int:
    """How many years of 52 weeks the copies spread back over."""
    return max(1, math.ceil(incidents / YEARLY_INCIDENTS))


class Generator:
    """Draws N copies with one seeded random generator and writes them, a chunk at a time."""

    def __init__(self, *, incidents: int, seed: int, using: str = "default", chunk: int = DEFAULT_CHUNK):
        self.incidents = incidents
        self.rng = random.Random(seed)  # noqa: S311 -- reproducible synthetic data, not secrets
        self.using = using
        self.chunk = chunk
        self.templates = load_templates()
        self.reference = Reference(using)
        self.tables = {model: Table.of(model) for model in MODELS}
        self.years = min(years_for(incidents), self.most_years())
        self.dates: dict[int, str] = {}
        connection = connections[using]
        self.now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))

    def most_years(self) -> int:
        """The most years of 52 weeks (and a week) the copies can move back without a date before
        2000, which the database refuses: past that, the years hold more incidents each."""
        earliest = min(
            row[index]
            for template in self.templates
            for model in MODELS
            for row in template.rows[model]
            for index in self.tables[model].dates
            if row[index] is not None
        )
        return max(1, (earliest - EARLIEST_DATE.toordinal() - 6) // 364 + 1)

    def missing_reference(self) -> list[str]:
        return self.reference.missing(self.templates)

    def first_ids(self) -> dict[type[models.Model], int]:
        """After the highest id in each table, so the copies never collide with rows already there."""
        first = {}
        for model in MODELS:
            highest = model._base_manager.using(self.using).aggregate(highest=models.Max("pk"))["highest"]
            first[model] = (highest or 0) + 1
        return first

    def run(self, progress: Callable[[int], None] = lambda done: None) -> dict[str, int]:
        """Write every copy; ``progress`` gets the number of incidents of each chunk written.

        The next chunk is drawn in a thread while the database writes this one (the rows are
        drawn in the same order, so the same seed still gives the same data)."""
        next_id = self.first_ids()
        written: dict[str, int] = defaultdict(int)
        connection = connections[self.using]
        sizes = [min(self.chunk, self.incidents - start) for start in range(0, self.incidents, self.chunk)]
        with _bulk_session(connection), ThreadPoolExecutor(max_workers=1) as drawing:
            upcoming = drawing.submit(self.draw_chunk, sizes[0], next_id) if sizes else None
            for number, size in enumerate(sizes, start=1):
                chunk_start, chunk_end, rows, drawn = upcoming.result()
                if number < len(sizes):
                    upcoming = drawing.submit(self.draw_chunk, sizes[number], chunk_end)
                with transaction.atomic(using=self.using):
                    for model in WRITE_ORDER:
                        if rows[model]:
                            _insert(connection, self.tables[model], rows[model])
                            written[model._meta.label] += len(rows[model])
                    self.copy_to_history(chunk_start, chunk_end)
                    self.learn_derived(drawn, chunk_start[Incident])
                if number & (number - 1) == 0:
                    # Statistics again each time the tables have doubled: the triggers' plans, made
                    # while the tables looked empty, would read them whole for every chunk.
                    _analyze(connection)
                progress(size)
            _reset_sequences(connection)
        # Fresh statistics for the reports and lists that read the tables next.
        _analyze(connection)
        return dict(written)

    def draw_chunk(self, size: int, next_id: dict) -> tuple[dict, dict, dict, list["Template"]]:
        """``size`` copies with ids from ``next_id``: (first ids, next ids after, rows, templates drawn)."""
        start = dict(next_id)
        after = dict(next_id)
        drawn: list[Template] = []
        rows = self.draw(size, after, drawn)
        return start, after, rows, drawn

    def learn_derived(self, drawn: list["Template"], first_incident: int) -> None:
        """Keep what the triggers stored for the first copy of each template not yet seen."""
        unseen = {offset: template for offset, template in enumerate(drawn) if template.derived is None}
        if not unseen:
            return
        at = self.tables[Incident].index
        stored = Incident._base_manager.using(self.using).filter(pk__in=[first_incident + offset for offset in unseen])
        for pk, *values in stored.values_list("pk", *DERIVED_INCIDENT_FIELDS):
            template = unseen[pk - first_incident]
            if template.derived is None:
                columns = (at[Incident._meta.get_field(name).column] for name in DERIVED_INCIDENT_FIELDS)
                template.derived = dict(zip(columns, values, strict=True))

    def copy_to_history(self, first: dict, after: dict) -> None:
        """The first history entry of each record with an id from ``first`` to before ``after``
        (the incidents' with their channels)."""
        for model in MODELS:
            if model is not IncidentChannel and after[model] > first[model]:
                rows = model._base_manager.using(self.using).filter(pk__gte=first[model], pk__lt=after[model])
                copy_to_history(rows, reason=HISTORY_REASON)

    def draw(self, count: int, next_id: dict, drawn: list) -> dict[type[models.Model], list[list]]:
        """``count`` copies, with ids from ``next_id`` (which moves on); ``drawn`` gets their templates."""
        out: dict[type[models.Model], list[list]] = {model: [] for model in MODELS}
        for _ in range(count):
            template = self.rng.choice(self.templates)
            self.copy(template, next_id, out)
            drawn.append(template)
        return out

    def copy(self, template: Template, next_id: dict, out: dict) -> None:
        rng = self.rng
        shift = 364 * rng.randrange(self.years) + rng.randint(0, 6)
        office = self.reference.office[template.office]
        school, local = rng.choice(self.reference.schools[(office, template.level)])
        base = dict(next_id)
        for model in MODELS:
            table = self.tables[model]
            for row in template.rows[model]:
                row = list(row)
                row[table.pk] = next_id[model]
                next_id[model] += 1
                for index, target in table.case_keys:
                    if row[index] is not None:
                        row[index] += base[target]
                for index in table.dates:
                    if row[index] is not None:
                        row[index] = self.date(row[index] - shift)
                for index in table.stamps:
                    row[index] = self.now
                out[model].append(row)
        incident = out[Incident][-1]
        for index, value in (template.derived or {}).items():
            incident[index] = value
        at = self.tables[Incident].index
        incident[at["office_id"]] = office
        incident[at["school_id"]] = school
        year = incident[at["report_date"]][:4]
        incident[at["case_number"]] = f"{CASE_NUMBER_PREFIX}{year}-{incident[at['id']]:07d}"
        # The work-queue items' local office, the school's (the triggers only check it: ``cases/local_offices.py``).
        for model in (CommitteeCase, Measure, TakedownRequest):
            column = self.tables[model].index["local_office_id"]
            for row in _last(out[model], len(template.rows[model])):
                row[column] = local
        channel = self.tables[IncidentChannel].index["channel_id"]
        for row in _last(out[IncidentChannel], len(template.rows[IncidentChannel])):
            row[channel] = self.reference.channel[row[channel]]
        at = self.tables[CommitteeCase].index
        cases = _last(out[CommitteeCase], len(template.committee_kinds))
        for row, kind in zip(cases, template.committee_kinds, strict=True):
            requested = datetime.date.fromisoformat(row[at["requested_on"]])
            row[at["committee_id"]] = self.reference.committee_for(office, local, kind, requested)

    def date(self, ordinal: int) -> str:
        # ISO text: what SQLite stores, and what PostgreSQL's COPY reads.
        value = self.dates.get(ordinal)
        if value is None:
            value = self.dates[ordinal] = datetime.date.fromordinal(ordinal).isoformat()
        return value


def _last(rows: list, count: int) -> list:
    return rows[len(rows) - count :] if count else []


class _bulk_session:
    """On SQLite, skip the disk syncs while writing (the data can be generated again)."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        if self.connection.vendor == "sqlite" and not self.connection.in_atomic_block:
            with self.connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous = OFF")
                cursor.execute("PRAGMA cache_size = -262144")  # 256 MB for the indexes being filled
        return self

    def __exit__(self, *exc):
        if self.connection.vendor == "sqlite" and not self.connection.in_atomic_block:
            with self.connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous = FULL")
        return False


def _analyze(connection) -> None:
    """Fresh planner statistics for the case tables on PostgreSQL: without them, tables loaded in
    bulk look empty to the planner, which then reads whole tables for the status's subqueries.
    (SQLite's planner assumes its indexes help when it has no statistics.)"""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in MODELS:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _insert(connection, table: Table, rows: list[list]) -> None:
    quote = connection.ops.quote_name
    name = quote(table.model._meta.db_table)
    columns = ", ".join(quote(c) for c in table.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: the fastest way in, several times an INSERT's rate.
            with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(table.columns))
            # Names from the models, quoted; every value a parameter.
            cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608


def _reset_sequences(connection) -> None:
    """On PostgreSQL the ids were given explicitly: move the sequences past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(MODELS))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
