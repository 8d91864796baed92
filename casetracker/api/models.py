"""Machine accounts: a token issued to another system, scoped like a person (national, one office,
one local office), with an expiry, revocable. Only the token's SHA-256 is stored: whoever reads
the database cannot call the API with it. (A token is 256 random bits, so a fast hash is enough:
there is nothing to guess.)"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casetracker.core.models import LocalOffice, Office
from casetracker.core.scoping import NATIONAL, Scope

TOKEN_PREFIX = "ct_"  # noqa: S105 (the start of every token, not a secret)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    name = models.CharField(_("name"), max_length=100, help_text=_("The system that uses the token."))
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("office of education"),
        help_text=_("Empty for a national token."),
    )
    local_office = models.ForeignKey(
        LocalOffice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("local education support office"),
    )
    key_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(
        _("token begins with"),
        max_length=12,
        editable=False,
        help_text=_("To recognise a token; not enough to use it."),
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
        help_text=_("Empty when issued on the server (manage.py create_api_token)."),
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(local_office__isnull=True) | Q(office__isnull=False),
                name="api_token_local_office_has_office",
                violation_error_message=_("A local office's token also names its office of education."),
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_issue",
                violation_error_message=_("A token must expire after it is issued."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    def clean(self) -> None:
        if self.local_office_id and self.local_office.office_id != self.office_id:
            raise ValidationError({"local_office": _("This local office belongs to another office of education.")})

    @property
    def scope(self) -> Scope:
        """What the token reads: the scope a person of the same office and local office has."""
        if self.office_id is None:
            return NATIONAL
        return Scope(office_id=self.office_id, local_office_id=self.local_office_id)

    @property
    def scope_label(self) -> str:
        if self.local_office_id:
            return str(self.local_office)
        if self.office_id:
            return str(self.office)
        return str(_("national"))

    def refusal(self, now=None) -> str | None:
        """Why a call with this token is refused, or None while it is valid."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return str(_("This API token has been revoked."))
        if self.expires_at <= now:
            return str(_("This API token has expired."))
        return None

    @property
    def is_valid(self) -> bool:
        return self.refusal() is None
