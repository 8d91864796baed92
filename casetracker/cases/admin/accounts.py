"""The users page with each account's work: how many cases it has entered or changed.

The case history lives on this floor, above the accounts, so the column is added here, to the
accounts' own admin (``accounts.admin.UserAdmin``), which is registered again with it.
"""

from django.contrib import admin
from django.db import connection
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from casetracker.accounts.admin import UserAdmin
from casetracker.accounts.models import User

from ..models import Incident


def touched_cases_sql() -> str:
    """One correlated count per account row: the distinct incidents in whose history (the
    incident's own or a record that hangs on it directly: people, relations, takedowns,
    committee cases) the account wrote a row. History rows carry ``history_user_id`` (indexed).

    Raw SQL because the ORM cannot count over a UNION in an annotation; every name in it comes
    from the models' own metadata, quoted, and nothing from a request."""
    quote = connection.ops.quote_name
    user_id = f"{quote(User._meta.db_table)}.{quote('id')}"
    parts = []
    for model in (Incident, *(field.related_model for field in Incident._meta.related_objects)):
        if not hasattr(model, "history") or model._meta.app_label != Incident._meta.app_label:
            continue
        history = model.history.model
        column = "id" if model is Incident else "incident_id"
        if model is not Incident and not any(field.attname == "incident_id" for field in history._meta.fields):
            continue
        table = quote(history._meta.db_table)
        parts.append(f"SELECT {quote(column)} AS incident_id FROM {table} WHERE history_user_id = {user_id}")  # noqa: S608
    return f"SELECT COUNT(*) FROM ({' UNION '.join(parts)}) touched"  # noqa: S608


class AccountActivityAdmin(UserAdmin):
    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        shown.insert(shown.index("last_login") + 1, "cases_touched")
        return shown

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                touched=RawSQL(touched_cases_sql(), [], output_field=IntegerField())  # noqa: S611
            )
        )

    @admin.display(description=_("cases entered or changed"), ordering="touched")
    def cases_touched(self, obj):
        return obj.touched


admin.site.unregister(User)
admin.site.register(User, AccountActivityAdmin)
