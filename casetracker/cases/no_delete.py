"""The database refuses to delete a committee case, a measure or an appeal, whatever asks (issue 18).

These are the records only the workflow's steps create (``steps``; the pages offer no delete,
``admin.committees.StepRecordsOnly``), and the case's history rests on them. The models keep them
from the ORM's cascades (``on_delete=PROTECT``: an incident, an offender or a measure that has them
is not deleted, with Django's "protected" message), and a BEFORE DELETE row trigger on each table
keeps them from everything else: ``QuerySet._raw_delete``, raw SQL, a cascade written by hand, a
script. The refusal is an ``IntegrityError`` naming the record and the one service that removes one.
On PostgreSQL a TRUNCATE of the tables (which runs no row trigger) is refused as well.

One service deletes such rows: ``corrections.withdraw_appeal``, which removes an appeal entered by
mistake and the measure its decision ordered. It does so inside ``withdrawing(appeal)``, which puts
the appeal's id in ``ALLOWANCE`` (a table with no model) for the length of the block and takes it
out again before the block ends, in the service's own transaction: no other transaction ever sees
the row (PostgreSQL's isolation; SQLite has one writer at a time), and after the block a delete in
the same transaction is refused again. The row lets through that appeal and the measure it ordered,
nothing else. (SQLite has no session variable such as PostgreSQL's ``SET LOCAL``, and a trigger of
the main schema cannot read a temporary table: a table of the main schema works on both.)

Django's flush (between ``TransactionTestCase`` tests, the live-server tests, ``manage.py flush``)
empties every table: PostgreSQL with TRUNCATE, SQLite with DELETE FROM. The project's ``flush``
command runs Django's inside ``flushing()``, whose row (``FLUSH``) lets every delete (and on
PostgreSQL every TRUNCATE) through for that one transaction. ``ALLOWANCE`` is no model's table, so
the flush never empties it while its own row is in it.

Installed with the derived-state triggers (``triggers.py``): one installation, one migration, put
back by ``reinstall_missing`` when SQLite rebuilds a table.
"""

# The SQL is built from the models' table and column names only, never from input.
# ruff: noqa: S608

from contextlib import contextmanager

from django.db import connections, transaction

from .models import Appeal, CommitteeCase, Measure
from .trigger_sql import column_sql as _column
from .trigger_sql import drop_trigger
from .trigger_sql import pk_sql as _pk
from .trigger_sql import quoted as _q
from .trigger_sql import table_sql as _table

PREFIX = "casetracker_no_delete"
ALLOWANCE = "casetracker_delete_allowance"
APPEAL = _q("appeal_id")
FLUSH = 0  # the allowance of a whole flush (no appeal has id 0)

MESSAGES = {
    CommitteeCase: "a committee case is never deleted: correct it by its correction on the case page",
    Measure: "a measure is never deleted: only withdrawing the appeal that ordered it removes it",
    Appeal: "an appeal is never deleted: one entered by mistake is removed by cases.corrections.withdraw_appeal",
}


def _allowed_ids(model) -> list[str]:
    """What, of the row being deleted (``OLD``), an allowance may name: an appeal by its id, the
    measure an appeal ordered by that appeal's; a committee case by nothing (only the flush)."""
    if model is Appeal:
        return [f"OLD.{_pk(Appeal)}"]
    if model is Measure:
        return [f"OLD.{_column(Measure, 'ordered_by_appeal')}"]
    return []


def _allowed(model) -> str:
    ids = ", ".join([str(FLUSH), *_allowed_ids(model)])
    return f"EXISTS (SELECT 1 FROM {_q(ALLOWANCE)} WHERE {APPEAL} IN ({ids}))"


def _name(model) -> str:
    return f"{PREFIX}_{model._meta.db_table}"


def create_statements(vendor: str) -> list[str]:
    # (Created if missing, and never dropped by an installation: it is empty outside the blocks.)
    statements = [f"CREATE TABLE IF NOT EXISTS {_q(ALLOWANCE)} ({APPEAL} bigint NOT NULL PRIMARY KEY)"]
    for model, message in MESSAGES.items():
        name, table = _name(model), _table(model)
        if vendor == "postgresql":
            statements.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
                f"BEGIN\n  IF {_allowed(model)} THEN RETURN OLD; END IF;\n"
                f"  RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';\nEND;\n$body$"
            )
            statements.append(f"CREATE TRIGGER {name} BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
            # TRUNCATE runs no row trigger: refused too, but for the flush (Django's on PostgreSQL).
            truncate = _truncate_name(model)
            statements.append(
                f"CREATE OR REPLACE FUNCTION {truncate}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
                f"BEGIN\n  IF {_allowed(None)} THEN RETURN NULL; END IF;\n"
                f"  RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';\nEND;\n$body$"
            )
            statements.append(
                f"CREATE TRIGGER {truncate} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {truncate}()"
            )
        else:
            statements.append(
                f"CREATE TRIGGER {name} BEFORE DELETE ON {table} FOR EACH ROW WHEN NOT {_allowed(model)} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    return statements


def _truncate_name(model) -> str:
    return f"{_name(model)}_truncate"


def trigger_names(vendor: str) -> list[str]:
    names = [_name(model) for model in MESSAGES]
    return [*names, *(_truncate_name(model) for model in MESSAGES)] if vendor == "postgresql" else names


def drop_statements(vendor: str) -> list[str]:
    return [
        statement
        for model in MESSAGES
        for name in trigger_names(vendor)
        if name.startswith(_name(model))
        for statement in drop_trigger(vendor, name, _table(model))
    ]


@contextmanager
def _allowance(appeal_id: int, using: str):
    connection = connections[using]
    # (A block left by an exception rolls back to before the row went in.)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_q(ALLOWANCE)} ({APPEAL}) VALUES (%s)", [appeal_id])
        yield
        cursor.execute(f"DELETE FROM {_q(ALLOWANCE)} WHERE {APPEAL} = %s", [appeal_id])


def withdrawing(appeal: Appeal, *, using: str = "default"):
    """Within the block, ``appeal`` and the measure its decision ordered may be deleted (only
    ``corrections.withdraw_appeal`` asks)."""
    return _allowance(appeal.pk, using)


@contextmanager
def flushing(*, using: str = "default"):
    """Within the block, every committee case, measure and appeal may be deleted: Django's flush."""
    connection = connections[using]
    if ALLOWANCE not in connection.introspection.table_names():
        yield  # (a database not migrated yet has neither the triggers nor the table)
        return
    with _allowance(FLUSH, using):
        yield
