"""The database triggers that replace an office-year's token whenever a row of its cases changes.

``OfficeYearGeneration`` holds one token per office of education and report year (the incident's
``office`` and the year of its ``report_date``). Any write, by any path (the services, the admin,
the importer, ``QuerySet.update()``, loaddata, raw SQL, deletes and their cascades), replaces the
tokens of the office-years whose rows it changed, in the same transaction: a cache of figures
keyed by the tokens of the office-years it read (``reports/cache.py``) is never served after a
change to them. A new token is random (never the old one again, even after the table is emptied).

- The incident (insert, delete; an update that changes any column but ``updated_at``): its
  office-year, and on an update the one before too (a case moved to another office or year).
- Every record of the case (``touch_triggers.records()``: people, relations, takedowns,
  protection, separations, committee cases, measures, appeals, channels; insert, update, delete):
  the office-year of the incidents found through the row's keys, old and new. A record whose
  incident was deleted before it in the same transaction (deferred keys) finds none, but the
  incident's own delete replaced that token.
- The reference data the reports read (offices, local offices, schools, committees, channels),
  a TRUNCATE of any of these tables (PostgreSQL), and a delete from this table: the token of
  row ``(0, 0)``, which every key includes, so every cached figure goes.

The token is not ``updated_at``: the touch triggers move it only when it is older than the
database's clock, so two writes within the clock's step (or after an ``updated_at`` from a
clock ahead of the database's) could leave it as it was.

Every office-year with incidents has its row from the installing migration on (it stores a token
for each), so an office-year without a row has no cases: a key lists the rows found.

PostgreSQL runs them once per statement over its transition tables, SQLite once per row. They
are installed with the derived-status triggers (``triggers.py``), by the same generated migration.

On PostgreSQL the triggers only note the office-years a transaction changed
(``PendingGeneration``, keyed by the transaction), and a deferred trigger gives them their new
tokens at the commit, in one statement, in order: a long transaction (an import) holds an
office-year's token row only while it commits, so the clerks saving cases of that office and year
meanwhile do not wait for it, and two commits never wait for each other crosswise. The new tokens
and the rows become visible together. Until then the transaction's own notes tell a report run
inside it (a test, a command in one transaction) that what it reads is not committed: it is
computed, and kept nowhere (``selectors.generations`` gives those office-years no token). SQLite,
which lets one writer at a time, gives the tokens at once.
"""

# The SQL is built from the models' table and column names only, never from input.
# ruff: noqa: S608

from casetracker.core.models import Channel, Committee, LocalOffice, Office, School

from . import touch_triggers
from .models import Incident, OfficeYearGeneration, PendingGeneration
from .models.generation import EVERYTHING
from .trigger_sql import column_sql as _column
from .trigger_sql import drop_trigger
from .trigger_sql import quoted as _q
from .trigger_sql import table_sql as _table

PREFIX = "casetracker_generation"
DATE_FIELD = "report_date"  # the incident's date whose year is its token's year
EVENTS = ("INSERT", "UPDATE", "DELETE")
REFERENCE = (Office, LocalOffice, School, Committee, Channel)
# A new token: 53 random bits on PostgreSQL (its random() is a double), 64 on SQLite.
TOKEN = {"postgresql": "floor(random() * 9007199254740992)::bigint", "sqlite": "random()"}
ROWS = {"INSERT": ("new_rows",), "UPDATE": ("new_rows", "old_rows"), "DELETE": ("old_rows",)}


def year_of(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS integer)"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


def _of_row(vendor: str, row: str) -> str:
    """The office-year of the incident ``row`` (a table alias or NEW / OLD)."""
    office, date = _column(Incident, "office"), _column(Incident, DATE_FIELD)
    return f"SELECT {row}.{office} AS office_id, {year_of(vendor, f'{row}.{date}')} AS year"


def _of_incidents(vendor: str, ids: str) -> str:
    """The office-years of the incidents whose ids ``ids`` selects."""
    table, office, date = _table(Incident), _column(Incident, "office"), _column(Incident, DATE_FIELD)
    return (
        f"SELECT {office} AS office_id, {year_of(vendor, date)} AS year FROM {table} "
        f"WHERE {_q(Incident._meta.pk.column)} IN ({ids})"
    )


def bump(vendor: str, pairs: str) -> str:
    """A trigger's statement for the office-years that ``pairs`` selects (columns ``office_id``,
    ``year``): on SQLite, which lets one writer at a time, their new tokens at once; on PostgreSQL
    a note of them (``PendingGeneration``), which ``APPLY`` turns into new tokens at the commit."""
    if vendor == "sqlite":
        return upsert(vendor, pairs)
    table = _table(PendingGeneration)
    txid, office, year = (_column(PendingGeneration, name) for name in ("txid", "office_id", "year"))
    distinct = f"SELECT DISTINCT office_id, year FROM ({pairs}) AS pairs WHERE office_id IS NOT NULL"
    return (
        f"INSERT INTO {table} ({txid}, {office}, {year}) SELECT txid_current(), office_id, year "
        f"FROM ({distinct}) AS changed ON CONFLICT DO NOTHING"
    )


def upsert(vendor: str, pairs: str) -> str:
    """The statement that gives a new token to each office-year that ``pairs`` selects, inserting
    the rows not there yet; in one order, so that two writers never wait for each other's rows
    crosswise."""
    table = _table(OfficeYearGeneration)
    office, year, token = (_column(OfficeYearGeneration, name) for name in ("office_id", "year", "token"))
    distinct = f"SELECT DISTINCT office_id, year FROM ({pairs}) AS pairs WHERE office_id IS NOT NULL"
    return (
        f"INSERT INTO {table} ({office}, {year}, {token}) "
        f"SELECT office_id, year, {TOKEN[vendor]} FROM ({distinct}) AS changed WHERE true ORDER BY office_id, year "
        f"ON CONFLICT ({office}, {year}) DO UPDATE SET {token} = excluded.{token}"
    )


def everything(vendor: str) -> str:
    """A new token for row (0, 0): every key changes."""
    return bump(vendor, "SELECT {} AS office_id, {} AS year".format(*EVERYTHING))


def bump_all_statement(vendor: str) -> str:
    """A new token for every office-year that has incidents, and for row (0, 0) (the installation;
    ``refresh_case_status`` after a restore with the triggers off)."""
    table, office, date = _table(Incident), _column(Incident, "office"), _column(Incident, DATE_FIELD)
    return upsert(
        vendor,
        f"SELECT {office} AS office_id, {year_of(vendor, date)} AS year FROM {table} "
        "UNION SELECT {} AS office_id, {} AS year".format(*EVERYTHING),
    )


def _compared_columns() -> list[str]:
    """Every column of the incident but ``updated_at``, which the touch triggers move for a write to
    a record (whose own trigger gives the token)."""
    return [_q(f.column) for f in Incident._meta.concrete_fields if f.name != "updated_at"]


def _name(table: str, event: str) -> str:
    return f"{PREFIX}_{table.strip(chr(34))}_{event.lower()}"


def _triggers() -> list[tuple[str, str]]:
    """(table, event) of every row trigger (PostgreSQL: statement trigger) this module installs."""
    pairs = [(_table(Incident), event) for event in EVENTS]
    pairs += [(record.table, event) for record in touch_triggers.records() for event in EVENTS]
    pairs += [(_table(model), event) for model in REFERENCE for event in EVENTS]
    return [*pairs, (_table(OfficeYearGeneration), "DELETE")]


def _truncated() -> list[str]:
    """The tables whose TRUNCATE (PostgreSQL; it runs no row trigger) changes every token."""
    tables = [_table(Incident), *(record.table for record in touch_triggers.records())]
    return [*tables, *(_table(model) for model in REFERENCE), _table(OfficeYearGeneration)]


APPLY = f"{PREFIX}_apply"


def _apply() -> list[str]:
    """PostgreSQL: the deferred trigger that, at the commit, gives the office-years the transaction
    noted their new tokens (all of them at the first row's event, in order) and removes the notes."""
    pending = _table(PendingGeneration)
    txid, office, year = (_column(PendingGeneration, name) for name in ("txid", "office_id", "year"))
    applied = f"DELETE FROM {pending} WHERE {txid} = txid_current() RETURNING {office} AS office_id, {year} AS year"
    tokens = upsert("postgresql", "SELECT office_id, year FROM applied")
    return [
        f"CREATE OR REPLACE FUNCTION {APPLY}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
        f"BEGIN\n  WITH applied AS ({applied}) {tokens};\n  RETURN NULL;\nEND;\n$body$",
        f"CREATE CONSTRAINT TRIGGER {APPLY} AFTER INSERT ON {pending} DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW EXECUTE FUNCTION {APPLY}()",
    ]


def apply_now_statements() -> list[str]:
    """PostgreSQL: give the office-years this transaction changed their tokens now, as its commit
    would (the tests, which never commit), and defer the later ones again."""
    return [f"SET CONSTRAINTS {APPLY} IMMEDIATE", f"SET CONSTRAINTS {APPLY} DEFERRED"]


def trigger_names(vendor: str) -> list[str]:
    names = [_name(table, event) for table, event in _triggers()]
    if vendor == "postgresql":
        names += [_name(table, "truncate") for table in _truncated()] + [APPLY]
    return names


def drop_statements(vendor: str) -> list[str]:
    statements = []
    pairs = _triggers() + ([(table, "TRUNCATE") for table in _truncated()] if vendor == "postgresql" else [])
    for table, event in pairs:
        statements += drop_trigger(vendor, _name(table, event), table)
    if vendor == "postgresql":
        statements += drop_trigger(vendor, APPLY, _table(PendingGeneration))
    return statements


def create_statements(vendor: str) -> list[str]:
    return _postgresql() if vendor == "postgresql" else _sqlite()


def _pairs(vendor: str, table: str, event: str, rows: tuple[str, ...]) -> str:
    """The office-years a write to ``table`` changed, ``rows`` being its rows (transition tables, or
    NEW / OLD)."""
    incident = _table(Incident)
    if table == incident:
        if vendor == "postgresql" and event == "UPDATE":
            old, new = (", ".join(f"{row}.{c}" for c in _compared_columns()) for row in ("o", "n"))
            pk = _q(Incident._meta.pk.column)
            office, date = _column(Incident, "office"), _column(Incident, DATE_FIELD)
            sides = ", ".join(f"({row}.{office}, {year_of(vendor, f'{row}.{date}')})" for row in ("o", "n"))
            return (
                f"SELECT v.office_id, v.year FROM old_rows o FULL JOIN new_rows n ON n.{pk} = o.{pk} "
                f"CROSS JOIN LATERAL (VALUES {sides}) AS v(office_id, year) "
                f"WHERE o.{pk} IS NULL OR n.{pk} IS NULL OR ROW({old}) IS DISTINCT FROM ROW({new})"
            )
        if vendor == "postgresql":
            return " UNION ".join(_of_row(vendor, "r") + f" FROM {rows_table} r" for rows_table in rows)
        return " UNION ".join(_of_row(vendor, row) for row in rows)
    if table in {_table(model) for model in REFERENCE} or table == _table(OfficeYearGeneration):
        return "SELECT {} AS office_id, {} AS year".format(*EVERYTHING)
    record = next(record for record in touch_triggers.records() if record.table == table)
    if vendor == "postgresql":
        keys = " UNION ".join(f"SELECT {record.key} FROM {rows_table}" for rows_table in rows)
    else:
        keys = " UNION ".join(f"SELECT {row}.{record.key}" for row in rows)
    return _of_incidents(vendor, record.incidents_of.format(keys=keys))


def _postgresql() -> list[str]:
    statements = _apply()
    for table, event in _triggers():
        name = _name(table, event)
        generation = table == _table(OfficeYearGeneration)
        rows = () if generation or table in {_table(model) for model in REFERENCE} else ROWS[event]
        statements.append(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
            f"BEGIN\n  {bump('postgresql', _pairs('postgresql', table, event, rows))};\n  RETURN NULL;\nEND;\n$body$"
        )
        referencing = " ".join(f"{'NEW' if r == 'new_rows' else 'OLD'} TABLE AS {r}" for r in rows)
        statements.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} {f'REFERENCING {referencing} ' if rows else ''}"
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    for table in _truncated():
        name = _name(table, "truncate")
        statements.append(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
            f"BEGIN\n  {everything('postgresql')};\n  RETURN NULL;\nEND;\n$body$"
        )
        statements.append(
            f"CREATE TRIGGER {name} AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    return statements


def _sqlite() -> list[str]:
    statements = []
    for table, event in _triggers():
        rows = {"INSERT": ("NEW",), "UPDATE": ("NEW", "OLD"), "DELETE": ("OLD",)}[event]
        when = ""
        if table == _table(Incident) and event == "UPDATE":
            when = " WHEN " + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _compared_columns())
        statements.append(
            f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} FOR EACH ROW{when} BEGIN "
            f"{bump('sqlite', _pairs('sqlite', table, event, rows))}; END"
        )
    return statements
