"""The database triggers that move an incident's ``updated_at`` whenever anything of its case changes.

The API's incremental sync (``/api/v1/incidents/?updated_since=``) reads the incident's own
``updated_at``. A change to the case's people, relations, takedown requests, protection measures,
separations, committee cases, measures, appeals or channels, or an UPDATE of the incident that does
not set ``updated_at`` (``QuerySet.update()``, raw SQL, the derived-status triggers' own UPDATE),
moves it here, in the same statement's transaction, whatever path wrote the row.

- The incident: a row trigger sets ``updated_at`` to the database's clock when an UPDATE changed a
  column but left ``updated_at`` as it was (BEFORE UPDATE on PostgreSQL; on SQLite, which cannot
  assign ``NEW``, an AFTER UPDATE that writes the row once: its own write changes ``updated_at``,
  so it does not fire again).
- Every record of the case (insert, update, delete): the incident of each row found through its
  keys is touched, only if it exists and its ``updated_at`` is older, so a bulk write of 500 rows of
  one case writes the incident once. PostgreSQL: once per statement, over the transition tables.

They are installed with the derived-status triggers: ``triggers.py`` adds these statements to its
own, so ``manage.py derived_triggers`` writes both into one migration and ``reinstall_missing``
puts back both after a table rebuild.
"""

# The SQL is built from the models' table and column names only, never from input.
# ruff: noqa: S608

from dataclasses import dataclass

from .models import (
    Appeal,
    CommitteeCase,
    Incident,
    Measure,
    Offender,
    OffenderVictimRelation,
    ProtectionMeasure,
    Separation,
    TakedownRequest,
    Victim,
)
from .trigger_sql import column_sql as _column
from .trigger_sql import drop_trigger
from .trigger_sql import pk_sql as _pk
from .trigger_sql import quoted as _q
from .trigger_sql import table_sql as _table

PREFIX = "casetracker_touch"
EVENTS = ("INSERT", "UPDATE", "DELETE")
# The database's clock as Django writes it: timestamptz on PostgreSQL; on SQLite UTC text with
# microseconds (strftime gives milliseconds), and none at all on a whole second, as Python's
# str(datetime) writes it, so that equal instants are equal texts (the API's keyset pages compare them).
NOW = {
    "postgresql": "statement_timestamp()",
    "sqlite": "replace(strftime('%Y-%m-%d %H:%M:%f', 'now') || '000', '.000000', '')",
}


@dataclass(frozen=True)
class Record:
    """A table of the case's records: ``key`` is the column of each row that leads to its incident,
    ``incidents_of`` the SELECT of the incidents of the keys ``{keys}`` selects."""

    table: str
    key: str
    incidents_of: str = "{keys}"


def _through(parent, field: str, keys: str = "{keys}") -> str:
    """The incidents of the ``parent`` rows whose ids ``keys`` selects, ``parent.field`` being the incident."""
    return f"SELECT {_column(parent, field)} FROM {_table(parent)} WHERE {_pk(parent)} IN ({keys})"


def records() -> list[Record]:
    channels = Incident.channels.through
    return [
        Record(_table(Victim), _column(Victim, "incident")),
        Record(_table(Offender), _column(Offender, "incident")),
        Record(
            _table(OffenderVictimRelation), _column(OffenderVictimRelation, "offender"), _through(Offender, "incident")
        ),
        Record(_table(TakedownRequest), _column(TakedownRequest, "incident")),
        Record(_table(ProtectionMeasure), _column(ProtectionMeasure, "victim"), _through(Victim, "incident")),
        Record(_table(Separation), _column(Separation, "incident")),
        Record(_table(CommitteeCase), _column(CommitteeCase, "incident")),
        Record(_table(Measure), _column(Measure, "committee_case"), _through(CommitteeCase, "incident")),
        Record(
            _table(Appeal),
            _column(Appeal, "measure"),
            _through(CommitteeCase, "incident", _through(Measure, "committee_case")),
        ),
        Record(_q(channels._meta.db_table), _column(channels, "incident")),
    ]


def _touch(vendor: str, incidents: str) -> str:
    table, updated = _table(Incident), _column(Incident, "updated_at")
    now = NOW[vendor]
    return f"UPDATE {table} SET {updated} = {now} WHERE {_pk(Incident)} IN ({incidents}) AND {updated} < {now}"


def _name(table: str, event: str) -> str:
    return f"{PREFIX}_{table.strip(chr(34))}_{event.lower()}"


def trigger_names() -> list[str]:
    names = [_name(Incident._meta.db_table, "update")]
    return names + [_name(record.table, event) for record in records() for event in EVENTS]


def drop_statements(vendor: str) -> list[str]:
    statements = []
    pairs = [(_table(Incident), "UPDATE")] + [(record.table, event) for record in records() for event in EVENTS]
    for table, event in pairs:
        statements += drop_trigger(vendor, _name(table, event), table)
    return statements


def create_statements(vendor: str) -> list[str]:
    return _postgresql() if vendor == "postgresql" else _sqlite()


def _postgresql() -> list[str]:
    incident_update = _name(Incident._meta.db_table, "update")
    updated = _column(Incident, "updated_at")
    statements = [
        f"CREATE OR REPLACE FUNCTION {incident_update}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
        f"BEGIN\n  IF NEW.{updated} IS NOT DISTINCT FROM OLD.{updated} AND NEW IS DISTINCT FROM OLD THEN\n"
        f"    NEW.{updated} = {NOW['postgresql']};\n  END IF;\n  RETURN NEW;\nEND;\n$body$",
        f"CREATE TRIGGER {incident_update} BEFORE UPDATE ON {_table(Incident)} "
        f"FOR EACH ROW EXECUTE FUNCTION {incident_update}()",
    ]
    for record in records():
        for event in EVENTS:
            name = _name(record.table, event)
            tables = {"INSERT": ("new_rows",), "UPDATE": ("new_rows", "old_rows"), "DELETE": ("old_rows",)}[event]
            keys = " UNION ".join(f"SELECT {record.key} FROM {rows}" for rows in tables)
            statements.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
                f"BEGIN\n  {_touch('postgresql', record.incidents_of.format(keys=keys))};\n"
                f"  RETURN NULL;\nEND;\n$body$"
            )
            referencing = " ".join(f"{'NEW' if rows == 'new_rows' else 'OLD'} TABLE AS {rows}" for rows in tables)
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {record.table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    return statements


def sqlite_changed_besides_updated_at() -> str:
    """A row trigger's condition on an incident: a column other than ``updated_at`` changed."""
    return " OR ".join(
        f"NEW.{_q(field.column)} IS NOT OLD.{_q(field.column)}"
        for field in Incident._meta.concrete_fields
        if field.name != "updated_at"
    )


def postgresql_changed_besides_updated_at(new: str, old: str) -> str:
    """The same over two rows of the transition tables (``new`` and ``old``, of the same incident)."""
    updated = _column(Incident, "updated_at").strip(chr(34))
    return f"(to_jsonb({new}) - '{updated}') IS DISTINCT FROM (to_jsonb({old}) - '{updated}')"


def _sqlite() -> list[str]:
    updated = _column(Incident, "updated_at")
    changed = sqlite_changed_besides_updated_at()
    statements = [
        f"CREATE TRIGGER {_name(Incident._meta.db_table, 'update')} AFTER UPDATE ON {_table(Incident)} "
        f"FOR EACH ROW WHEN NEW.{updated} IS OLD.{updated} AND ({changed}) BEGIN "
        f"UPDATE {_table(Incident)} SET {updated} = {NOW['sqlite']} WHERE {_pk(Incident)} = NEW.{_pk(Incident)}; END"
    ]
    for record in records():
        for event in EVENTS:
            rows = {"INSERT": ("NEW",), "UPDATE": ("NEW", "OLD"), "DELETE": ("OLD",)}[event]
            keys = " UNION ".join(f"SELECT {row}.{record.key}" for row in rows)
            statements.append(
                f"CREATE TRIGGER {_name(record.table, event)} AFTER {event} ON {record.table} FOR EACH ROW BEGIN "
                f"{_touch('sqlite', record.incidents_of.format(keys=keys))}; END"
            )
    return statements
