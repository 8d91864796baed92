"""The database itself refuses to change a published release (and, on PostgreSQL, to delete one),
whatever path the change comes by: the admin, a queryset's update(), raw SQL.

As with the access log, flushing a test database (TRUNCATE on PostgreSQL, DELETE on SQLite) stays
possible; in production the application's role should also lose UPDATE, DELETE and TRUNCATE on
releases_release (docs/deploy.md).
"""

from django.db import migrations

SQL = {
    "sqlite": (
        [
            "CREATE TRIGGER releases_release_frozen BEFORE UPDATE ON releases_release "
            "BEGIN SELECT RAISE(ABORT, 'a published release cannot be changed'); END;",
        ],
        ["DROP TRIGGER IF EXISTS releases_release_frozen;"],
    ),
    "postgresql": (
        [
            "CREATE OR REPLACE FUNCTION releases_release_frozen() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'a published release cannot be changed'; END; $$ LANGUAGE plpgsql;",
            "CREATE TRIGGER releases_release_frozen BEFORE UPDATE OR DELETE ON releases_release "
            "FOR EACH ROW EXECUTE FUNCTION releases_release_frozen();",
        ],
        [
            "DROP TRIGGER IF EXISTS releases_release_frozen ON releases_release;",
            "DROP FUNCTION IF EXISTS releases_release_frozen();",
        ],
    ),
}


def run(statements_index: int):
    def apply(apps, schema_editor):
        statements = SQL.get(schema_editor.connection.vendor)
        if statements is None:
            return  # other databases: the model's save() and delete() still refuse
        for statement in statements[statements_index]:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("releases", "0001_releases")]

    operations = [migrations.RunPython(run(0), run(1))]
