"""Writing to the access log: one function, called wherever something must be on record."""

import ipaddress

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from .models import AccessLog


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address; behind a trusted proxy, from the header it sets.

    AUDIT_CLIENT_IP_HEADER (e.g. "HTTP_X_REAL_IP") is only set where a reverse proxy
    overwrites that header, so clients cannot forge it. In a list (X-Forwarded-For) the
    last address is the one our proxy saw; earlier ones come from the client.
    """
    if request is None:
        return None
    header = getattr(settings, "AUDIT_CLIENT_IP_HEADER", "")
    address = request.META.get(header) if header else None
    address = address or request.META.get("REMOTE_ADDR")
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address.split(",")[-1].strip()))
    except ValueError:
        # Not an address (a misconfigured proxy, an address with a port): record none rather
        # than fail the login or the save being recorded (PostgreSQL's inet column refuses it).
        return None


def log_access(
    *,
    action: str,
    request: HttpRequest | None = None,
    user=None,
    username: str = "",
    target: models.Model | None = None,
    detail: str = "",
) -> AccessLog:
    """Record one access. ``user`` defaults to the request's, ``username`` to the user's."""
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    entry = AccessLog(
        action=action,
        user=user,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        ip_address=client_address(request),
        detail=detail[:500],
    )
    if target is not None:
        entry.target_type = target._meta.label_lower
        entry.target_id = str(target.pk)
        entry.target_repr = str(target)[:200]
    entry.save()
    return entry
