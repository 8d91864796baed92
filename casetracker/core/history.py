"""Change history with django-simple-history, for the case records and the reference data alike.

``audited_history()`` is the history of one model: every create, change and delete, who made
it, when, from which address (``AuditedHistoricalModel``; ``casetracker.audit`` fills it in),
and the record before and after. Names of people never enter it.

``copy_to_history`` writes the entries of rows saved in bulk (an import, the shipped data
loaded from its fixtures, generated data), as simple-history would, but copied by the database
(INSERT ... SELECT): the values never travel through Python, so it holds at a million rows.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections, models
from django.db.models import QuerySet, Value
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AuditedHistoricalModel(models.Model):
    """Added to every historical record: the client address of the change."""

    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        abstract = True


class TranslatedHistoricalRecords(HistoricalRecords):
    """simple-history names a history "historical incident" in English whatever the language
    ("Historical 사안" on a Korean page); here the name is translated when it is read. In English
    it is the same text, so the migrations do not change."""

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        if not self.user_set_verbose_name:
            options["verbose_name"] = format_lazy(_("historical {}"), model._meta.verbose_name)
        if not self.user_set_verbose_name_plural:
            options["verbose_name_plural"] = format_lazy(_("historical {}"), model._meta.verbose_name_plural)
        return options


def audited_history(**options) -> HistoricalRecords:
    """Change history (who, when, from where, before and after) for a model.

    Names never enter the history: the trail is read by admins, who do not see identities.
    """
    options.setdefault("excluded_fields", [])
    options["excluded_fields"] = [*options["excluded_fields"], "created_at", "updated_at"]
    return TranslatedHistoricalRecords(bases=[AuditedHistoricalModel], **options)


@contextmanager
def signals_recording_nothing() -> Iterator[None]:
    """simple-history's signal handlers write nothing meanwhile (they read the setting each time).

    For a command loading rows whose entries it then writes itself: loaddata saves rows raw,
    which the handlers skip, but sets many-to-many links as any save, which they would record
    as a change before the record's creation. Process-wide: for commands, not for requests.
    """
    previous = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    settings.SIMPLE_HISTORY_ENABLED = False
    try:
        yield
    finally:
        settings.SIMPLE_HISTORY_ENABLED = previous


HISTORY_COLUMNS = ("history_date", "history_user_id", "history_type", "history_change_reason", "ip_address")


def copy_to_history(
    rows: QuerySet, history_type: str = "+", *, user=None, reason: str = "", address: str | None = None
) -> None:
    """One history entry per row of ``rows`` (oldest id first), with its many-to-many links.

    The same entries as ``bulk_history_create`` makes (the tracked fields, who, when, why, from
    where), in one INSERT ... SELECT per table.
    """
    model = rows.model
    history = model.history.model
    connection = connections[rows.db]
    quote = connection.ops.quote_name
    first_new = _highest_id(history, rows.db)
    stamp = (  # in the order of HISTORY_COLUMNS
        Value(timezone.now(), output_field=models.DateTimeField()),
        Value(user.pk if user is not None else None, output_field=models.IntegerField()),
        Value(history_type, output_field=models.CharField()),
        Value(reason[:100], output_field=models.CharField()),
        Value(address, output_field=models.CharField()),
    )
    aliases = {f"entry_{column}": value for column, value in zip(HISTORY_COLUMNS, stamp, strict=True)}
    select = rows.order_by("pk").annotate(**aliases).values_list(*(f.attname for f in history.tracked_fields), *aliases)
    sql, params = select.query.get_compiler(using=rows.db).as_sql()
    columns = [*(field.column for field in history.tracked_fields), *HISTORY_COLUMNS]
    with connection.cursor() as cursor:
        # (Only quoted table and column names from the models go into the text; values are parameters.)
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(quote(c) for c in columns)}) {sql}",
            params,
        )
        for field in getattr(history, "_history_m2m_fields", []):
            _copy_links(cursor, quote, model, history, field, rows, first_new)


def _highest_id(history, using: str) -> int:
    return history._base_manager.using(using).aggregate(highest=models.Max("history_id"))["highest"] or 0


def _copy_links(cursor, quote, model, history, field, rows: QuerySet, after_history_id: int) -> None:
    """The links of ``field`` of ``rows`` into the history entries just written (those after
    ``after_history_id``; the caller's transaction holds the rows, so no other entry of theirs
    comes in between)."""
    through = field.remote_field.through
    linked = getattr(history, field.name).model
    own, other = field.m2m_column_name(), field.m2m_reverse_name()
    pks, pk_params = rows.order_by().values("pk").query.get_compiler(using=rows.db).as_sql()
    columns = ", ".join(quote(c) for c in ("id", own, other, "history_id"))
    table, entries = quote(through._meta.db_table), quote(history._meta.db_table)
    cursor.execute(
        f"INSERT INTO {quote(linked._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT link.{quote('id')}, link.{quote(own)}, link.{quote(other)}, entry.{quote('history_id')} "
        f"FROM {table} link JOIN {entries} entry ON entry.{quote(model._meta.pk.column)} = link.{quote(own)} "
        f"WHERE entry.{quote('history_id')} > %s AND link.{quote(own)} IN ({pks}) ORDER BY link.{quote('id')}",
        [after_history_id, *pk_params],
    )
