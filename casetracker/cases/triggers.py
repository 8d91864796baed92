"""The database triggers that keep each incident's derived fields right, whatever writes the rows.

The rule is ``status.derived_expressions`` (the ORM's SQL). From it this module writes one
statement, ``derive_statement``: an UPDATE that stores the status, the closure reason and the
committee flags of some incidents, and writes only those whose stored values differ. A trigger on
every table the rule reads runs it for the incidents the change touched, in the same statement's
transaction, so loaddata, ``QuerySet.update()``, ``bulk_create``, raw SQL, cascades and restores of
single tables leave no figure wrong, with no call to remember:

- incidents (insert, update: its own closing date and reason, or a hand-typed derived value;
  not an UPDATE that moves only ``updated_at``, as the touch triggers' own does),
- committee cases (insert, update, delete), measures, appeals and takedown requests (likewise),
  through their incident,
- committees (a change of kind moves the referral flags of every case it heard).

With them go the triggers of ``touch_triggers.py``, which move the incident's ``updated_at`` for
every write to its case's records (the API's incremental sync), and those of ``generations.py``,
which give an office-year a new token for every write to its cases (the reports' cache), those
of ``open_work.py``, which sum the incidents' open work per local office (the work queue), and those
of ``local_offices.py``, which store the work-queue items' local office, and those of ``no_delete.py``,
which refuse to delete a committee case, measure or appeal: one installation, one migration.

PostgreSQL runs them once per statement over its transition tables (a bulk insert of 500 rows is
one UPDATE of their incidents); SQLite, which has row triggers only, once per row.

A migration installs the SQL as text (``cases/migrations/0009_derived_state_triggers.py``), as
migrations must not depend on today's code. SQLite drops a table's triggers when a later
migration rebuilds the table (its way to add a check constraint), so after every ``migrate``
``reinstall_missing`` puts back any that are missing, from the latest such migration's text.
When the rule changes, ``manage.py derived_triggers`` writes the next migration, and
``tests/cases/test_derived_status.py`` fails until the
installed triggers are the ones the rule generates.
"""

# The SQL here is built from the models' own table and column names and the rule's constants, never
# from input: no value a user typed reaches it.
# ruff: noqa: S608, S611

from dataclasses import dataclass

from django.db import connections
from django.db.models.expressions import RawSQL

from casetracker.core.models import Committee

from . import generations, local_offices, no_delete, open_work, touch_triggers
from .models import DERIVED_INCIDENT_FIELDS, Appeal, CommitteeCase, Incident, Measure, TakedownRequest
from .status import derived_expressions
from .trigger_sql import column_sql as _column
from .trigger_sql import quoted as _q

PREFIX = "casetracker_derived"
SLICE = 500  # incidents worked out per statement on PostgreSQL
VENDORS = ("postgresql", "sqlite")


def _literal(value, vendor: str) -> str:
    """A parameter of the rule's SQL as a literal: trigger bodies take no parameters."""
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if vendor == "postgresql" else str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no literal for {value!r} in a trigger")


def derive_statement(connection, target_sql: str, target_params: tuple = ()) -> str:
    """The UPDATE that stores the derived fields of the incidents whose ids ``target_sql`` selects."""
    vendor = connection.vendor
    derived = {field: f"derived_{field}" for field in DERIVED_INCIDENT_FIELDS}
    select = (
        Incident.objects.filter(pk__in=RawSQL(target_sql, target_params))
        .order_by()
        .annotate(**{derived[field]: expression for field, expression in derived_expressions().items()})
        .values("pk", *derived.values())
    )
    sql, params = select.query.get_compiler(connection=connection).as_sql()
    sql = sql % tuple(_literal(value, vendor) for value in params)
    table = _q(Incident._meta.db_table)
    columns = {field: _q(Incident._meta.get_field(field).column) for field in DERIVED_INCIDENT_FIELDS}
    pk = _q(Incident._meta.pk.column)
    assignments = ", ".join(f"{columns[field]} = derived.{_q(derived[field])}" for field in DERIVED_INCIDENT_FIELDS)
    differs = " OR ".join(
        f"{table}.{columns[field]} <> derived.{_q(derived[field])}" for field in DERIVED_INCIDENT_FIELDS
    )
    where = f'{table}.{pk} = derived."pk" AND ({differs})'
    if vendor == "postgresql":
        # Worked out on its own first: flattened into the UPDATE, the planner would join it to a
        # scan of every incident rather than look the few up by their key.
        return f"WITH derived AS MATERIALIZED ({sql}) UPDATE {table} SET {assignments} FROM derived WHERE {where}"
    return f"UPDATE {table} SET {assignments} FROM ({sql}) AS derived WHERE {where}"


@dataclass(frozen=True)
class Watched:
    """A table the rule reads, and how to find the incidents of some of its rows (``{rows}``)."""

    model: type
    incidents_of: str
    events: tuple[str, ...] = ("INSERT", "UPDATE", "DELETE")


def watched_tables() -> list[Watched]:
    committee_cases = _q(CommitteeCase._meta.db_table)
    measures = _q(Measure._meta.db_table)
    incident_of_case = _column(CommitteeCase, "incident")
    return [
        Watched(Incident, f"SELECT {_q(Incident._meta.pk.column)} FROM {{rows}}", ("INSERT", "UPDATE")),
        Watched(CommitteeCase, f"SELECT {incident_of_case} FROM {{rows}}"),
        Watched(
            Measure,
            f"SELECT {incident_of_case} FROM {committee_cases} WHERE {_q(CommitteeCase._meta.pk.column)} IN "
            f"(SELECT {_column(Measure, 'committee_case')} FROM {{rows}})",
        ),
        Watched(
            Appeal,
            f"SELECT {incident_of_case} FROM {committee_cases} WHERE {_q(CommitteeCase._meta.pk.column)} IN "
            f"(SELECT {_column(Measure, 'committee_case')} FROM {measures} WHERE {_q(Measure._meta.pk.column)} IN "
            f"(SELECT {_column(Appeal, 'measure')} FROM {{rows}}))",
        ),
        # The open takedown requests the case counts (``Incident.takedowns_open``).
        Watched(TakedownRequest, f"SELECT {_column(TakedownRequest, 'incident')} FROM {{rows}}"),
        # Only a change of kind moves a flag; the rows are those whose kind changed.
        Watched(
            Committee,
            f"SELECT {incident_of_case} FROM {committee_cases} WHERE {_column(CommitteeCase, 'committee')} IN "
            "({rows})",
            ("UPDATE",),
        ),
    ]


def _name(model, event: str) -> str:
    return f"{PREFIX}_{model._meta.db_table}_{event.lower()}"


def create_statements(connection) -> list[str]:
    """The SQL that installs every trigger, for the connection's database (with those of
    ``touch_triggers``, which move ``updated_at``, and of ``generations``, the office-years' tokens)."""
    derived = _postgresql(connection) if connection.vendor == "postgresql" else _sqlite(connection)
    return [
        *derived,
        *touch_triggers.create_statements(connection.vendor),
        *generations.create_statements(connection.vendor),
        *open_work.create_statements(connection.vendor),
        *local_offices.create_statements(connection.vendor),
        *no_delete.create_statements(connection.vendor),
    ]


def drop_statements(vendor: str) -> list[str]:
    statements = []
    for watched in watched_tables():
        for event in watched.events:
            name = _name(watched.model, event)
            if vendor == "postgresql":
                statements.append(f"DROP TRIGGER IF EXISTS {name} ON {_q(watched.model._meta.db_table)}")
                statements.append(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                statements.append(f"DROP TRIGGER IF EXISTS {name}")
    if vendor == "postgresql":
        statements.append(f"DROP FUNCTION IF EXISTS {PREFIX}_incidents(bigint[])")
    return [
        *statements,
        *touch_triggers.drop_statements(vendor),
        *generations.drop_statements(vendor),
        *open_work.drop_statements(vendor),
        *local_offices.drop_statements(vendor),
        *no_delete.drop_statements(vendor),
    ]


def refresh_statement(connection) -> str:
    """The UPDATE that stores the derived fields of every incident (after installing the triggers)."""
    return derive_statement(connection, f"SELECT {_q(Incident._meta.pk.column)} FROM {_q(Incident._meta.db_table)}")


def _changed_committees(rows: dict[str, str]) -> str:
    kind = _column(Committee, "kind")
    pk = _q(Committee._meta.pk.column)
    return (
        f"SELECT new_rows.{pk} FROM {rows['new']} new_rows JOIN {rows['old']} old_rows "
        f"ON old_rows.{pk} = new_rows.{pk} WHERE new_rows.{kind} <> old_rows.{kind}"
    )


def _changed_incidents() -> str:
    """The incidents of an UPDATE whose row changed in more than ``updated_at`` (PostgreSQL's
    transition tables): an UPDATE that moves only ``updated_at`` changes nothing the rule reads."""
    pk = _q(Incident._meta.pk.column)
    changed = touch_triggers.postgresql_changed_besides_updated_at("new_rows", "old_rows")
    return f"SELECT new_rows.{pk} FROM new_rows JOIN old_rows ON old_rows.{pk} = new_rows.{pk} WHERE {changed}"


def _postgresql(connection) -> list[str]:
    derive = f"{PREFIX}_incidents"
    # A slice at a time: for a few hundred incidents PostgreSQL looks each one's records up by index;
    # for thousands at once (a COPY of 5,000) it hashes whole tables, seconds at a million.
    target = f"SELECT unnest(incident_ids[slice_start:slice_start + {SLICE - 1}])"
    statements = [
        # (No JIT: compiling the statement costs far more than running it for a few hundred rows.)
        f"CREATE OR REPLACE FUNCTION {derive}(incident_ids bigint[]) RETURNS void LANGUAGE plpgsql "
        f"SET jit = off SET plan_cache_mode = force_generic_plan AS $body$\n"
        f"BEGIN\n  FOR slice_start IN 1..coalesce(array_length(incident_ids, 1), 0) BY {SLICE} LOOP\n"
        f"    {derive_statement(connection, target)};\n  END LOOP;\nEND;\n$body$"
    ]
    for watched in watched_tables():
        table = _q(watched.model._meta.db_table)
        for event in watched.events:
            name = _name(watched.model, event)
            tables = {"INSERT": ("new_rows",), "UPDATE": ("new_rows", "old_rows"), "DELETE": ("old_rows",)}[event]
            if watched.model is Committee:
                ids = watched.incidents_of.format(rows=_changed_committees({"new": "new_rows", "old": "old_rows"}))
            elif watched.model is Incident and event == "UPDATE":
                ids = _changed_incidents()
            else:
                ids = " UNION ".join(watched.incidents_of.format(rows=rows) for rows in tables)
            # The incident's own trigger: not again for the UPDATE that stores what a trigger derived.
            guard = "  IF pg_trigger_depth() > 1 THEN RETURN NULL; END IF;\n" if watched.model is Incident else ""
            statements.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
                f"BEGIN\n{guard}  PERFORM {derive}(ARRAY({ids}));\n  RETURN NULL;\nEND;\n$body$"
            )
            referencing = " ".join(f"{'NEW' if rows == 'new_rows' else 'OLD'} TABLE AS {rows}" for rows in tables)
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    return statements


def _sqlite(connection) -> list[str]:
    statements = []
    for watched in watched_tables():
        table = _q(watched.model._meta.db_table)
        for event in watched.events:
            name = _name(watched.model, event)
            rows = {"INSERT": ("NEW",), "UPDATE": ("NEW", "OLD"), "DELETE": ("OLD",)}[event]
            when = ""
            if watched.model is Committee:
                kind = _column(Committee, "kind")
                when = f" WHEN NEW.{kind} <> OLD.{kind}"
                ids = watched.incidents_of.format(rows=f"SELECT NEW.{_q(Committee._meta.pk.column)}")
            else:
                ids = " UNION ".join(_row_ids(watched, row) for row in rows)
            if watched.model is Incident and event == "UPDATE":
                # Not for an UPDATE that moves only ``updated_at`` (the touch triggers' own, after
                # every write to a record of the case): nothing the rule reads changed.
                when = f" WHEN {touch_triggers.sqlite_changed_besides_updated_at()}"
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} BEGIN "
                f"{derive_statement(connection, ids)}; END"
            )
    return statements


def _row_ids(watched: Watched, row: str) -> str:
    """The incidents of one row (``NEW`` or ``OLD``) in a row trigger: ``{rows}`` is a one-row SELECT."""
    columns = {
        Incident: Incident._meta.pk.column,
        CommitteeCase: CommitteeCase._meta.get_field("incident").column,
        Measure: Measure._meta.get_field("committee_case").column,
        Appeal: Appeal._meta.get_field("measure").column,
        TakedownRequest: TakedownRequest._meta.get_field("incident").column,
    }
    column = _q(columns[watched.model])
    # "SELECT x FROM {rows}" over a one-row SELECT of NEW's column, named as the table's column.
    return watched.incidents_of.format(rows=f"(SELECT {row}.{column} AS {column})")


def offline_connection(vendor: str):
    """A connection object of ``vendor`` that is never opened: enough to compile the rule's SQL."""
    from django.db.utils import load_backend

    engines = {"postgresql": "django.db.backends.postgresql", "sqlite": "django.db.backends.sqlite3"}
    backend = load_backend(engines[vendor])
    settings = {**connections["default"].settings_dict, "NAME": "offline", "ENGINE": backend.__name__}
    return backend.DatabaseWrapper(settings, alias=f"offline_{vendor}")


def installation_statements(connection) -> list[str]:
    """Every statement of an installation: the triggers afresh, then every incident's derived fields
    stored and every office-year given a token (for the office-years that had incidents before).
    The work-queue items' local offices are stored before the triggers are there: a write of every
    item would have them work out every incident again, for fields that do not read it."""
    vendor = connection.vendor
    return [
        *drop_statements(vendor),
        *local_offices.refresh_statements(vendor),
        *create_statements(connection),
        refresh_statement(connection),
        generations.bump_all_statement(vendor),
        *open_work.refresh_statements(vendor),
    ]


def migration_source(*, dependency: str) -> str:
    """The text of a migration that installs today's triggers on both databases (``manage.py derived_triggers``)."""
    install = {}
    for vendor in VENDORS:
        connection = offline_connection(vendor)
        install[vendor] = installation_statements(connection)
    drop = {vendor: drop_statements(vendor) for vendor in VENDORS}
    return MIGRATION_TEMPLATE.format(dependency=dependency, install=_pretty(install), drop=_pretty(drop))


def _pretty(statements: dict[str, list[str]]) -> str:
    lines = ["{"]
    for vendor, sql in statements.items():
        lines.append(f"    {vendor!r}: [")
        lines.extend(f"        {statement!r}," for statement in sql)
        lines.append("    ],")
    lines.append("}")
    return "\n".join(lines)


MIGRATION_TEMPLATE = '''"""The triggers that keep each incident's derived fields (from ``manage.py derived_triggers``).

The SQL is ``casetracker.cases.triggers`` applied to the rule as it stood when this was written,
kept here as text so that the migration never changes with later code. Installing them ends
with storing every incident's fields afresh.
"""

from django.db import migrations

INSTALL = {install}

DROP = {drop}


def install(apps, schema_editor):
    for statement in INSTALL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    for statement in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "{dependency}"), ("core", "0001_initial")]

    operations = [migrations.RunPython(install, drop)]
'''


def refresh_derived(incidents) -> None:
    """Store the derived fields of ``incidents`` (a queryset) with the triggers' own statement: for a
    database whose triggers were off while it was written (a restore with triggers disabled)."""
    connection = connections[incidents.db]
    target, params = incidents.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(derive_statement(connection, target, params))


def trigger_names(vendor: str) -> list[str]:
    derived = [_name(watched.model, event) for watched in watched_tables() for event in watched.events]
    return [
        *derived,
        *touch_triggers.trigger_names(),
        *generations.trigger_names(vendor),
        *open_work.trigger_names(vendor),
        *local_offices.trigger_names(vendor),
        *no_delete.trigger_names(vendor),
    ]


def missing_triggers(connection) -> list[str]:
    """The triggers of the derived fields that the database does not have (or has disabled)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        installed = {name for (name,) in cursor.fetchall()}
    return [name for name in trigger_names(connection.vendor) if name not in installed]


def latest_installation():
    """The latest migration of the cases app that installs the triggers (its ``INSTALL`` text)."""
    from importlib import import_module

    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    names = sorted(name for app, name in loader.disk_migrations if app == "cases")
    modules = [import_module(f"casetracker.cases.migrations.{name}") for name in names]
    return [module for module in modules if hasattr(module, "INSTALL")][-1]


def reinstall_missing(using: str = "default", **kwargs) -> None:
    """After ``migrate``: install the triggers again if any is missing (a table rebuilt by SQLite)."""
    connection = connections[using]
    if Incident._meta.db_table not in connection.introspection.table_names():
        return
    from django.db.migrations.recorder import MigrationRecorder

    installation = latest_installation()
    applied = MigrationRecorder(connection).applied_migrations()
    if ("cases", installation.__name__.rsplit(".", 1)[1]) not in applied or not missing_triggers(connection):
        return
    with connection.cursor() as cursor:
        for statement in installation.INSTALL.get(connection.vendor, []):
            cursor.execute(statement)
