"""The database triggers that keep each work-queue item's local office (``local_office``).

The committee cases, measures and takedown requests, the items whose old backlog the work queue
reads in deadline order, store the local office of their case's school (``NULL`` for a school of
none), so that a local office's clerk's queue reads them from the indexes (local office, deadline)
of each kind (``committee_case_to_hear_local``, ``measure_to_carry_out_local``,
``takedown_open_local``) instead of every case of the local office's schools (issue 20). A local
office's scope reads it for these three kinds (``QueueItemQuerySet``): through the incident's school
as well, the planner multiplies the two conditions' selectivities, expects a handful of rows, and
joins them all.

The column is never typed: whatever writes the rows, in the same statement's transaction,

- a committee case or takedown request (insert, or an update of its incident or of the column)
  takes its incident's school's; a measure (likewise, of its committee case) its committee case's;
  a row whose incident (committee case) is not there yet keeps what it was given, until that row
  comes (the foreign keys are checked at the commit: ``generate_cases`` writes the incidents last);
- a new incident, an incident moved to another school, a school moved to another local office, a
  committee case whose local office changed: their items follow.

PostgreSQL sets the row before it is written (BEFORE row triggers) and follows a change with one
statement; SQLite, which cannot assign ``NEW``, writes the row once more after it. ``out_of_step``
compares every item with its school (after every test), ``refresh_statements`` works them all out
again (the installation, ``refresh_case_status``). Installed with the derived-state triggers
(``triggers.py``): one installation, one migration.
"""

# The SQL is built from the models' table and column names only, never from input.
# ruff: noqa: S608

from django.db.models import F, Q

from casetracker.core.models import School

from .models import CommitteeCase, Incident, Measure, TakedownRequest
from .trigger_sql import column_sql as _column
from .trigger_sql import drop_trigger
from .trigger_sql import pk_sql as _pk
from .trigger_sql import quoted as _q
from .trigger_sql import table_sql as _table

PREFIX = "casetracker_local_office"
# The items, and the key to the row each takes its local office from.
ITEMS = {CommitteeCase: "incident", TakedownRequest: "incident", Measure: "committee_case"}
# The path from each item to the local office it stores.
PATHS = {
    CommitteeCase: "incident__school__local_office",
    TakedownRequest: "incident__school__local_office",
    Measure: "committee_case__incident__school__local_office",
}
OF_INCIDENTS = (CommitteeCase, TakedownRequest)


LOCAL = _q("local_office_id")


def _name(model, event: str) -> str:
    return f"{PREFIX}_{model._meta.db_table}_{event.lower()}"


def _differs(vendor: str, left: str, right: str) -> str:
    return f"{left} IS DISTINCT FROM {right}" if vendor == "postgresql" else f"{left} IS NOT {right}"


def _source(model, key: str) -> tuple[str, str]:
    """(the local office of the row that ``key`` points to, the condition that it exists) for an item."""
    if model is Measure:
        cases = _table(CommitteeCase)
        return (
            f"(SELECT {cases}.{LOCAL} FROM {cases} WHERE {cases}.{_pk(CommitteeCase)} = {key})",
            f"EXISTS (SELECT 1 FROM {cases} WHERE {cases}.{_pk(CommitteeCase)} = {key})",
        )
    incidents, schools = _table(Incident), _table(School)
    return (
        f"(SELECT {schools}.{_column(School, 'local_office')} FROM {incidents} JOIN {schools} "
        f"ON {schools}.{_pk(School)} = {incidents}.{_column(Incident, 'school')} "
        f"WHERE {incidents}.{_pk(Incident)} = {key})",
        f"EXISTS (SELECT 1 FROM {incidents} WHERE {incidents}.{_pk(Incident)} = {key})",
    )


def _select_into(model, key: str) -> str:
    """PostgreSQL: the local office of the row ``key`` points to, into ``found_local`` (FOUND if it exists)."""
    if model is Measure:
        return f"SELECT c.{LOCAL} INTO found_local FROM {_table(CommitteeCase)} c WHERE c.{_pk(CommitteeCase)} = {key}"
    return (
        f"SELECT s.{_column(School, 'local_office')} INTO found_local FROM {_table(Incident)} i "
        f"JOIN {_table(School)} s ON s.{_pk(School)} = i.{_column(Incident, 'school')} WHERE i.{_pk(Incident)} = {key}"
    )


def _follow_incidents(vendor: str, incidents: str, local: str) -> list[str]:
    """The statements that give the items of the incidents ``incidents`` (a SELECT of their ids) the
    local office ``local`` (an expression over ``i``, the incident)."""
    statements = []
    for model in OF_INCIDENTS:
        table, key = _table(model), _column(model, "incident")
        value = local.replace("{incident}", f"{table}.{key}")
        statements.append(
            f"UPDATE {table} SET {LOCAL} = {value} WHERE {table}.{key} IN ({incidents}) "
            f"AND {_differs(vendor, f'{table}.{LOCAL}', value)}"
        )
    return statements


def _school_of(incident: str) -> str:
    incidents, schools = _table(Incident), _table(School)
    return (
        f"(SELECT s.{_column(School, 'local_office')} FROM {incidents} i JOIN {schools} s "
        f"ON s.{_pk(School)} = i.{_column(Incident, 'school')} WHERE i.{_pk(Incident)} = {incident})"
    )


def _follow_case(vendor: str, case: str) -> str:
    """The statement that gives the measures of the committee case ``case`` (an id) its local office."""
    measures, cases = _table(Measure), _table(CommitteeCase)
    value = f"(SELECT c.{LOCAL} FROM {cases} c WHERE c.{_pk(CommitteeCase)} = {case})"
    return (
        f"UPDATE {measures} SET {LOCAL} = {value} WHERE {measures}.{_column(Measure, 'committee_case')} = {case} "
        f"AND {_differs(vendor, f'{measures}.{LOCAL}', value)}"
    )


def _function(name: str, body: list[str], *, returns: str = "NULL", declare: str = "") -> str:
    statements = "".join(f"  {statement};\n" for statement in body)
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
        f"{declare}BEGIN\n{statements}  RETURN {returns};\nEND;\n$body$"
    )


def _postgresql() -> list[str]:
    statements = []
    for model, key_field in ITEMS.items():
        name, table, key = _name(model, "own"), _table(model), _column(model, key_field)
        statements += [
            _function(
                name,
                [_select_into(model, f"NEW.{key}"), f"IF FOUND THEN NEW.{LOCAL} := found_local; END IF"],
                returns="NEW",
                declare="DECLARE found_local bigint;\n",
            ),
            f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OF {key}, {LOCAL} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    # A committee case's measures follow it (a new case, for measures written before it).
    cases, measures = _table(CommitteeCase), _table(Measure)
    for event in ("INSERT", "UPDATE"):
        name = _name(CommitteeCase, event)
        where = f"m.{_column(Measure, 'committee_case')} = n.{_pk(CommitteeCase)}"
        statements += [
            _function(
                name,
                [
                    f"UPDATE {measures} m SET {LOCAL} = n.{LOCAL} FROM new_rows n WHERE {where} "
                    f"AND m.{LOCAL} IS DISTINCT FROM n.{LOCAL}"
                ],
            ),
            f"CREATE TRIGGER {name} AFTER {event} ON {cases} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    # A new incident's items (written before it), an incident moved to another school.
    school = _column(Incident, "school")
    new_incidents = f"SELECT n.{_pk(Incident)} FROM new_rows n"
    name = _name(Incident, "insert")
    statements += [
        _function(name, _follow_incidents("postgresql", new_incidents, _school_of("{incident}"))),
        f"CREATE TRIGGER {name} AFTER INSERT ON {_table(Incident)} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]
    name = _name(Incident, "update")
    statements += [
        _function(name, _follow_incidents("postgresql", f"SELECT NEW.{_pk(Incident)}", _school_of("{incident}"))),
        f"CREATE TRIGGER {name} AFTER UPDATE OF {school} ON {_table(Incident)} FOR EACH ROW "
        f"WHEN (OLD.{school} IS DISTINCT FROM NEW.{school}) EXECUTE FUNCTION {name}()",
    ]
    statements += _school_trigger("postgresql")
    return statements


def _school_trigger(vendor: str) -> list[str]:
    """A school moved to another local office: its cases' items follow."""
    local = _column(School, "local_office")
    incidents = (
        f"SELECT {_pk(Incident)} FROM {_table(Incident)} WHERE {_column(Incident, 'school')} = NEW.{_pk(School)}"
    )
    body = _follow_incidents(vendor, incidents, f"NEW.{local}")
    name, table = _name(School, "update"), _table(School)
    when = f"OLD.{local} {'IS DISTINCT FROM' if vendor == 'postgresql' else 'IS NOT'} NEW.{local}"
    if vendor == "postgresql":
        return [
            _function(name, body),
            f"CREATE TRIGGER {name} AFTER UPDATE OF {local} ON {table} FOR EACH ROW WHEN ({when}) "
            f"EXECUTE FUNCTION {name}()",
        ]
    statements = "; ".join(body)
    return [
        f"CREATE TRIGGER {name} AFTER UPDATE OF {local} ON {table} FOR EACH ROW WHEN {when} BEGIN {statements}; END"
    ]


def _sqlite() -> list[str]:
    statements = []
    for model, key_field in ITEMS.items():
        table, key, pk = _table(model), _column(model, key_field), _pk(model)
        value, exists = _source(model, f"NEW.{key}")
        body = [
            f"UPDATE {table} SET {LOCAL} = {value} WHERE {table}.{pk} = NEW.{pk} AND {exists} "
            f"AND {table}.{LOCAL} IS NOT {value}"
        ]
        if model is CommitteeCase:
            body.append(_follow_case("sqlite", f"NEW.{pk}"))
        for event, of in (("insert", ""), ("update", f" OF {key}, {LOCAL}")):
            statements.append(
                f"CREATE TRIGGER {_name(model, event)} AFTER {event.upper()}{of} ON {table} FOR EACH ROW "
                f"BEGIN {'; '.join(body)}; END"
            )
    school = _column(Incident, "school")
    body = "; ".join(_follow_incidents("sqlite", f"SELECT NEW.{_pk(Incident)}", _school_of("{incident}")))
    statements += [
        f"CREATE TRIGGER {_name(Incident, 'insert')} AFTER INSERT ON {_table(Incident)} FOR EACH ROW BEGIN {body}; END",
        f"CREATE TRIGGER {_name(Incident, 'update')} AFTER UPDATE OF {school} ON {_table(Incident)} FOR EACH ROW "
        f"WHEN OLD.{school} IS NOT NEW.{school} BEGIN {body}; END",
    ]
    return statements + _school_trigger("sqlite")


def create_statements(vendor: str) -> list[str]:
    return _postgresql() if vendor == "postgresql" else _sqlite()


def _triggers(vendor: str) -> list[tuple[type, str]]:
    if vendor == "postgresql":
        own = [(model, "own") for model in ITEMS]
        return [
            *own,
            (CommitteeCase, "insert"),
            (CommitteeCase, "update"),
            (Incident, "insert"),
            (Incident, "update"),
            (School, "update"),
        ]
    items = [(model, event) for model in ITEMS for event in ("insert", "update")]
    return [*items, (Incident, "insert"), (Incident, "update"), (School, "update")]


def trigger_names(vendor: str) -> list[str]:
    return [_name(model, event) for model, event in _triggers(vendor)]


def drop_statements(vendor: str) -> list[str]:
    statements = []
    for model, event in _triggers(vendor):
        statements += drop_trigger(vendor, _name(model, event), _table(model))
    return statements


def refresh_statements(vendor: str) -> list[str]:
    """Every item's local office worked out again (the committee cases' before their measures'),
    writing only those that differ."""
    incidents, schools = _table(Incident), _table(School)
    statements = []
    for model in OF_INCIDENTS:
        table = _table(model)
        value = f"s.{_column(School, 'local_office')}"
        statements.append(
            f"UPDATE {table} SET {LOCAL} = {value} FROM {incidents} i JOIN {schools} s "
            f"ON s.{_pk(School)} = i.{_column(Incident, 'school')} "
            f"WHERE i.{_pk(Incident)} = {table}.{_column(model, 'incident')} "
            f"AND {_differs(vendor, f'{table}.{LOCAL}', value)}"
        )
    measures, cases = _table(Measure), _table(CommitteeCase)
    statements.append(
        f"UPDATE {measures} SET {LOCAL} = c.{LOCAL} FROM {cases} c "
        f"WHERE c.{_pk(CommitteeCase)} = {measures}.{_column(Measure, 'committee_case')} "
        f"AND {_differs(vendor, f'{measures}.{LOCAL}', f'c.{LOCAL}')}"
    )
    return statements


def out_of_step(using: str = "default") -> list[tuple[str, int, int | None, int | None]]:
    """(model, pk, stored, its school's) of every item whose stored local office is not its school's."""
    stale = []
    for model, path in PATHS.items():
        differing = (
            model._default_manager.using(using)
            .filter(Q(local_office__isnull=False) | Q(**{f"{path}__isnull": False}))
            .exclude(local_office=F(path))
            .order_by("pk")
            .values_list("pk", "local_office_id", path)
        )
        stale += [(model._meta.label, *row) for row in differing]
    return stale
