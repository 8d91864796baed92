"""The audit trail: an append-only access log, and the change history's addresses.

Change history (who changed what, before and after) is kept by django-simple-history
on each case model, each kind of reference data (``core.history``) and the accounts (below);
the receivers here fill in the address the change came from.
The access log records views of identities, exports, logins and refused attempts.
Neither can be edited or deleted through the application, and the database refuses
UPDATE and DELETE on the access log (see the migration). Entries are kept: the
application deletes none (Korea's personal information safeguards ask for at least
two years).
"""

import simple_history
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casetracker.accounts.models import User
from casetracker.core.history import AuditedHistoricalModel, TranslatedHistoricalRecords


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an access log entry."""


class AccessLog(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("view")
        CREATE = "create", _("create")
        CHANGE = "change", _("change")
        DELETE = "delete", _("delete")
        EXPORT = "export", _("export")
        IMPORT = "import", _("import")
        LOGIN = "login", _("login")
        LOGOUT = "logout", _("logout")
        LOGIN_FAILED = "login_failed", _("failed login")
        LOCKOUT = "lockout", _("lockout")
        DENIED = "denied", _("refused access")

    at = models.DateTimeField(_("time"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,  # accounts are deactivated, never deleted, so the log keeps its subject
        null=True,
        blank=True,
        related_name="access_log",
        verbose_name=_("account"),
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    target_type = models.CharField(_("record type"), max_length=100, blank=True)
    target_id = models.CharField(_("record id"), max_length=64, blank=True)
    target_repr = models.CharField(_("record"), max_length=200, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["at"]),
            models.Index(fields=["user", "at"]),
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["action", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.target_repr}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Access log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Access log entries cannot be deleted.")


class AccountHistoricalRecords(TranslatedHistoricalRecords):
    """The change history of accounts, without a row for a save that touched only excluded
    fields (a login's ``last_login``, a password reset, which the access log records)."""

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, **kwargs)


# The history of the account rows lives here, above accounts, so that accounts needs nothing of the
# audit trail. The password (even hashed) is never copied into it.
simple_history.register(
    User,
    app="casetracker.audit",
    records_class=AccountHistoricalRecords,
    bases=[AuditedHistoricalModel],
    excluded_fields=["password", "last_login"],
)
