"""Issuing and revoking API tokens: one function each, called by the admin page and the command."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access
from casetracker.core.models import LocalOffice, Office

from .models import TOKEN_PREFIX, ApiToken, token_hash

NATIONAL_SCOPE = "national"
MAX_DAYS = 3 * 366


def scope_choices() -> list[tuple[str, str]]:
    """What a token may be scoped to: national, an office or a local office, by code."""
    offices = [(office.code, str(office)) for office in Office.objects.order_by("sort_order", "code")]
    local = [
        (local_office.code, f"{local_office.office} · {local_office}")
        for local_office in LocalOffice.objects.select_related("office").order_by("office__sort_order", "code")
    ]
    return [(NATIONAL_SCOPE, _("national")), *offices, *local]


def resolve_scope(code: str) -> tuple[Office | None, LocalOffice | None]:
    """(office, local office) of a scope code: "national", an office's code or a local office's code."""
    code = (code or "").strip()
    if code == NATIONAL_SCOPE:
        return None, None
    office = Office.objects.filter(code=code).first()
    if office is not None:
        return office, None
    local_office = LocalOffice.objects.select_related("office").filter(code=code).first()
    if local_office is not None:
        return local_office.office, local_office
    raise ValidationError(
        {
            "scope": _(
                "Unknown scope %(code)r: give national, the code of an office of education (e.g. seoul) "
                "or of a local education support office."
            )
            % {"code": code}
        },
        code="unknown_scope",
    )


@transaction.atomic
def issue_token(*, name: str, scope: str, days: int | None = None, by=None, request=None) -> tuple[ApiToken, str]:
    """A new token and its text, which is shown this once: only its hash is kept."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the name of the system that will use the token.")})
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": _("A token lasts from 1 to %(max)d days.") % {"max": MAX_DAYS}})
    office, local_office = resolve_scope(scope)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken(
        name=name,
        office=office,
        local_office=local_office,
        key_hash=token_hash(raw),
        key_prefix=raw[:10],
        created_by=by,
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    token.full_clean(exclude=["created_at"])
    token.save()
    log_access(
        action=AccessLog.Action.CREATE,
        request=request,
        user=by,
        username="" if by else "manage.py create_api_token",
        target=token,
        detail=f"API token issued, scope {scope}, {days} days",
    )
    return token, raw


@transaction.atomic
def revoke_token(*, token: ApiToken, by=None, request=None) -> bool:
    """Revoke ``token`` (from its next call on); False if it already was."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.save(update_fields=["revoked_at", "revoked_by"])
    token.revoked_at, token.revoked_by = locked.revoked_at, by
    log_access(action=AccessLog.Action.CHANGE, request=request, user=by, target=token, detail="API token revoked")
    return True
