"""SQL shared by the modules that write the database's triggers (derived state, touches, report
tokens, open work): how one trigger is dropped, the same for each of them."""


def drop_trigger(vendor: str, name: str, table: str) -> list[str]:
    """Drop the trigger ``name`` on ``table``, and on PostgreSQL the function it runs (named alike)."""
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
    return [f"DROP TRIGGER IF EXISTS {name}"]
