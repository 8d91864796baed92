"""SQL shared by the modules that write the database's triggers (derived state, touches, report
tokens, open work, local offices): how a name is quoted and one trigger dropped, the same for each."""


def quoted(name: str) -> str:
    return f'"{name}"'


def table_sql(model) -> str:
    return quoted(model._meta.db_table)


def column_sql(model, field: str) -> str:
    return quoted(model._meta.get_field(field).column)


def pk_sql(model) -> str:
    return quoted(model._meta.pk.column)


def drop_trigger(vendor: str, name: str, table: str) -> list[str]:
    """Drop the trigger ``name`` on ``table``, and on PostgreSQL the function it runs (named alike)."""
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
    return [f"DROP TRIGGER IF EXISTS {name}"]
