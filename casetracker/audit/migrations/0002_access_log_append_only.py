"""The database itself refuses to change access log entries (and, on PostgreSQL, to delete them).

Flushing a test database empties tables with TRUNCATE on PostgreSQL and DELETE on
SQLite, so those stay possible; in production the application's database role should
also lose UPDATE, DELETE and TRUNCATE on audit_accesslog (docs/deploy.md).
"""

from django.db import migrations

SQL = {
    "sqlite": (
        [
            "CREATE TRIGGER audit_accesslog_no_update BEFORE UPDATE ON audit_accesslog "
            "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;",
        ],
        [
            "DROP TRIGGER IF EXISTS audit_accesslog_no_update;",
        ],
    ),
    "postgresql": (
        [
            "CREATE OR REPLACE FUNCTION audit_accesslog_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'the access log is append-only'; END; $$ LANGUAGE plpgsql;",
            "CREATE TRIGGER audit_accesslog_append_only BEFORE UPDATE OR DELETE ON audit_accesslog "
            "FOR EACH ROW EXECUTE FUNCTION audit_accesslog_append_only();",
        ],
        [
            "DROP TRIGGER IF EXISTS audit_accesslog_append_only ON audit_accesslog;",
            "DROP FUNCTION IF EXISTS audit_accesslog_append_only();",
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
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(run(0), run(1))]
