"""The database triggers that keep ``OpenWork``: each local office's open work, summed from its cases.

Each incident stores its own open work (``hearings_awaited``, ``measures_to_carry_out``,
``takedowns_open``: derived fields of ``status.open_work_expressions``, kept by the triggers of
``triggers.py`` like its status, from its committee cases, measures, appeals and takedown
requests). ``OpenWork`` holds their sums per office, local office (of the case's school;
``NO_LOCAL_OFFICE`` for none) and kind, so that the work queue reads an office's counts in one
indexed query instead of counting a hundred thousand rows (issue 20).

The sums move by the difference each write makes, from two tables alone:

- the incident (insert, update, delete): its counts leave the office and local office it was in
  and go to the one it is in now (an update of its counts by the derived-status triggers, of its
  office, of its school);
- the school (update of its local office): its cases' counts move from one local office to the
  other;
- a TRUNCATE of either (PostgreSQL; it runs no row trigger): every sum worked out again.

Since each write of a record of the case changes the incident's stored counts through the
derived-status triggers, in the same statement's transaction, every path is covered (the
services, the admin, the importer, ``QuerySet.update()``, raw SQL, cascades). The sums are the
incidents' columns summed: ``refresh_statements`` works them all out again (the installation,
``refresh_case_status``), ``out_of_step`` compares (``refresh_case_status --check``, the tests).

As with the reports' tokens (``generations.py``), on PostgreSQL a write only notes its changes
(``PendingOpenWork``, keyed by the transaction) and a deferred trigger adds them to the sums at the
commit, in order: a long import holds no count's row, and the clerks saving cases of the same local
office meanwhile do not wait for it. A transaction reads its own notes with the sums
(``selectors.with_open_work``). SQLite, which lets one writer at a time, adds them at once.
"""

# The SQL is built from the models' table and column names only, never from input.
# ruff: noqa: S608

from django.db import connections
from django.db.models import F, Sum
from django.db.models.expressions import RawSQL

from casetracker.core.models import School

from .models import NO_LOCAL_OFFICE, OPEN_WORK_FIELDS, Incident, OpenWork, PendingOpenWork
from .trigger_sql import column_sql as _column
from .trigger_sql import drop_trigger
from .trigger_sql import quoted as _q
from .trigger_sql import table_sql as _table

PREFIX = "casetracker_open_work"
EVENTS = ("INSERT", "UPDATE", "DELETE")


def _name(model, event: str) -> str:
    return f"{PREFIX}_{model._meta.db_table}_{event.lower()}"


def _counts(row: str, sign: str) -> list[tuple[str, str]]:
    """(kind, the signed count of ``row``) for every kind."""
    return [(f"'{kind.value}'", f"{sign}{row}.{_column(Incident, field)}") for kind, field in OPEN_WORK_FIELDS.items()]


def _of_incidents(source: str, alias: str, sign: str, *, local_office: str | None = None, where: str = "") -> str:
    """The signed contributions (office_id, local_office_id, kind, n) of the incidents ``alias`` of
    ``source`` (a FROM clause; none for NEW / OLD on SQLite), their local office read from their
    school unless ``local_office`` gives it."""
    if local_office is None:
        school = _table(School)
        local_office = (
            f"(SELECT {_column(School, 'local_office')} FROM {school} "
            f"WHERE {school}.{_q(School._meta.pk.column)} = {alias}.{_column(Incident, 'school')})"
        )
    office = f"{alias}.{_column(Incident, 'office')}"
    tail = (f" FROM {source}" if source else "") + (f" WHERE {where}" if where else "")
    return " UNION ALL ".join(
        f"SELECT {office} AS office_id, COALESCE({local_office}, {NO_LOCAL_OFFICE}) AS local_office_id, "
        f"{kind} AS kind, {count} AS n{tail}"
        for kind, count in _counts(alias, sign)
    )


def _summed(contributions: str) -> str:
    return (
        f"SELECT office_id, local_office_id, kind, SUM(n) AS n FROM ({contributions}) AS contributions WHERE true "
        "GROUP BY office_id, local_office_id, kind HAVING SUM(n) <> 0"
    )


def _add(vendor: str, contributions: str) -> str:
    """The statement that adds the summed ``contributions`` to the sums: at once on SQLite, as notes of
    the transaction on PostgreSQL (``APPLY`` adds them at the commit)."""
    office, local, kind, count = (_column(OpenWork, name) for name in ("office_id", "local_office_id", "kind", "count"))
    if vendor == "sqlite":
        table = _table(OpenWork)
        return (
            f"INSERT INTO {table} ({office}, {local}, {kind}, {count}) {_summed(contributions)} "
            f"ON CONFLICT ({office}, {local}, {kind}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}"
        )
    table, txid = _table(PendingOpenWork), _column(PendingOpenWork, "txid")
    return (
        f"INSERT INTO {table} ({txid}, {office}, {local}, {kind}, {count}) "
        f"SELECT txid_current(), office_id, local_office_id, kind, n FROM ({_summed(contributions)}) AS summed "
        f"ON CONFLICT ({txid}, {office}, {local}, {kind}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}"
    )


def _incident_rows(vendor: str, event: str) -> str:
    """The contributions of the incidents a write changed: what they hold now, less what they held."""
    sides = {"INSERT": [("new", "")], "UPDATE": [("new", ""), ("old", "-")], "DELETE": [("old", "-")]}[event]
    if vendor == "postgresql":
        return " UNION ALL ".join(_of_incidents(f"{side}_rows {side[0]}", side[0], sign) for side, sign in sides)
    return " UNION ALL ".join(_of_incidents("", side.upper(), sign) for side, sign in sides)


def _school_rows(vendor: str) -> str:
    """The contributions of a school's cases moving from its old local office to its new one."""
    incidents, school = _table(Incident), _column(Incident, "school")
    local, pk = _column(School, "local_office"), _q(School._meta.pk.column)
    if vendor == "postgresql":
        moved = f"{incidents} i JOIN new_rows n ON i.{school} = n.{pk} JOIN old_rows o ON o.{pk} = n.{pk}"
        where = f"n.{local} IS DISTINCT FROM o.{local}"
        sides = (("n", ""), ("o", "-"))
    else:
        moved, where = f"{incidents} i", f"i.{school} = NEW.{pk}"
        sides = (("NEW", ""), ("OLD", "-"))
    return " UNION ALL ".join(
        _of_incidents(moved, "i", sign, local_office=f"{row}.{local}", where=where) for row, sign in sides
    )


APPLY = f"{PREFIX}_apply"


def _apply() -> list[str]:
    """PostgreSQL: the deferred trigger that, at the commit, adds the transaction's notes to the sums
    (all of them at the first row's event, in order) and removes them."""
    pending, txid = _table(PendingOpenWork), _column(PendingOpenWork, "txid")
    office, local, kind, count = (_column(OpenWork, name) for name in ("office_id", "local_office_id", "kind", "count"))
    table = _table(OpenWork)
    applied = f"DELETE FROM {pending} WHERE {txid} = txid_current() RETURNING {office}, {local}, {kind}, {count}"
    add = (
        f"INSERT INTO {table} ({office}, {local}, {kind}, {count}) "
        f"SELECT {office}, {local}, {kind}, SUM({count}) FROM applied GROUP BY {office}, {local}, {kind} "
        f"ORDER BY {office}, {local}, {kind} "
        f"ON CONFLICT ({office}, {local}, {kind}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}"
    )
    return [
        f"CREATE OR REPLACE FUNCTION {APPLY}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
        f"BEGIN\n  WITH applied AS ({applied}) {add};\n  RETURN NULL;\nEND;\n$body$",
        f"CREATE CONSTRAINT TRIGGER {APPLY} AFTER INSERT ON {pending} DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW EXECUTE FUNCTION {APPLY}()",
    ]


def refresh_statements(vendor: str) -> list[str]:
    """Every sum worked out again from the incidents' columns (the installation, a TRUNCATE, and
    ``refresh_case_status``), with the transaction's notes dropped (PostgreSQL): the sums are then
    right as of the transaction's own writes."""
    table = _table(OpenWork)
    office, local, kind, count = (_column(OpenWork, name) for name in ("office_id", "local_office_id", "kind", "count"))
    statements = []
    if vendor == "postgresql":
        statements.append(
            f"DELETE FROM {_table(PendingOpenWork)} WHERE {_column(PendingOpenWork, 'txid')} = txid_current()"
        )
    statements += [
        f"DELETE FROM {table}",
        f"INSERT INTO {table} ({office}, {local}, {kind}, {count}) "
        f"{_summed(_of_incidents(f'{_table(Incident)} i', 'i', ''))} ORDER BY office_id, local_office_id, kind",
    ]
    return statements


def _triggers() -> list[tuple[type, str]]:
    return [(Incident, event) for event in EVENTS] + [(School, "UPDATE")]


def trigger_names(vendor: str) -> list[str]:
    names = [_name(model, event) for model, event in _triggers()]
    if vendor == "postgresql":
        names += [_name(model, "truncate") for model in (Incident, School)] + [APPLY]
    return names


def drop_statements(vendor: str) -> list[str]:
    statements = []
    pairs = _triggers() + ([(model, "TRUNCATE") for model in (Incident, School)] if vendor == "postgresql" else [])
    for model, event in pairs:
        statements += drop_trigger(vendor, _name(model, event), _table(model))
    if vendor == "postgresql":
        statements += drop_trigger(vendor, APPLY, _table(PendingOpenWork))
    return statements


def create_statements(vendor: str) -> list[str]:
    return _postgresql() if vendor == "postgresql" else _sqlite()


def _postgresql() -> list[str]:
    statements = _apply()
    for model, event in _triggers():
        name = _name(model, event)
        rows = _school_rows("postgresql") if model is School else _incident_rows("postgresql", event)
        tables = {"INSERT": ("new_rows",), "UPDATE": ("new_rows", "old_rows"), "DELETE": ("old_rows",)}[event]
        referencing = " ".join(f"{'NEW' if r == 'new_rows' else 'OLD'} TABLE AS {r}" for r in tables)
        statements.append(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
            f"BEGIN\n  {_add('postgresql', rows)};\n  RETURN NULL;\nEND;\n$body$"
        )
        statements.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {_table(model)} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    body = ";\n  ".join(refresh_statements("postgresql"))
    for model in (Incident, School):
        name = _name(model, "truncate")
        statements.append(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
            f"BEGIN\n  {body};\n  RETURN NULL;\nEND;\n$body$"
        )
        statements.append(
            f"CREATE TRIGGER {name} AFTER TRUNCATE ON {_table(model)} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    return statements


def _sqlite() -> list[str]:
    statements = []
    for model, event in _triggers():
        when = ""
        if model is School:
            local = _column(School, "local_office")
            when = f" WHEN NEW.{local} IS NOT OLD.{local}"
            rows = _school_rows("sqlite")
        else:
            rows = _incident_rows("sqlite", event)
            if event == "UPDATE":
                compared = [_column(Incident, name) for name in ("office", "school", *OPEN_WORK_FIELDS.values())]
                when = " WHEN " + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in compared)
        statements.append(
            f"CREATE TRIGGER {_name(model, event)} AFTER {event} ON {_table(model)} FOR EACH ROW{when} BEGIN "
            f"{_add('sqlite', rows)}; END"
        )
    return statements


def out_of_step(using: str = "default") -> list[tuple[int, int, str, int, int]]:
    """(office, local office, kind, stored, summed) of every sum that differs from its incidents'
    columns, as the current transaction sees them (on PostgreSQL its own notes added)."""
    summed: dict[tuple, int] = {}
    incidents = Incident.objects.using(using).order_by().values("office_id", local=F("school__local_office_id"))
    sums = {f"sum_{field}": Sum(field) for field in OPEN_WORK_FIELDS.values()}  # every kind in one query
    for row in incidents.annotate(**sums):
        for kind, field in OPEN_WORK_FIELDS.items():
            key = (row["office_id"], row["local"] or NO_LOCAL_OFFICE, kind.value)
            summed[key] = summed.get(key, 0) + (row[f"sum_{field}"] or 0)
    stored: dict[tuple, int] = {}
    rows = list(OpenWork.objects.using(using).values_list("office_id", "local_office_id", "kind", "count"))
    if connections[using].vendor == "postgresql":
        mine = PendingOpenWork.objects.using(using).filter(txid=RawSQL("txid_current_if_assigned()", ()))
        rows += list(mine.values_list("office_id", "local_office_id", "kind", "count"))
    for office_id, local_office_id, kind, count in rows:
        key = (office_id, local_office_id, kind)
        stored[key] = stored.get(key, 0) + count
    return [
        (*key, stored.get(key, 0), summed.get(key, 0))
        for key in sorted(set(summed) | set(stored))
        if stored.get(key, 0) != summed.get(key, 0)
    ]
