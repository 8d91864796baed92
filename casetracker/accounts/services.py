"""Account services: every change to an account's access goes through here (admin, views, commands)."""

import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from casetracker.core.models import LocalOffice, Office

from .models import User
from .roles import Role

MANAGE_ACCOUNTS = "accounts.change_user"


def generate_password() -> str:
    return secrets.token_urlsafe(15)


@transaction.atomic
def create_account(
    *,
    username: str,
    role: str,
    office_code: str | None = None,
    local_office_code: str | None = None,
    password: str | None = None,
    email: str = "",
    validate: bool = True,
) -> tuple[User, str]:
    """Create an account with its role and scope; return it and its password.

    A password is generated when none is given. Every account may enter the admin site
    (``is_staff``); what it sees there is its role's and scope's business.
    """
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("An account named %(name)s already exists.") % {"name": username}})
    office = local_office = None
    if office_code:
        office = Office.objects.filter(code=office_code).first()
        if office is None:
            raise ValidationError(
                {"office": _("There is no office of education with code %(code)s.") % {"code": office_code}}
            )
    if local_office_code:
        local_office = LocalOffice.objects.filter(code=local_office_code).first()
        if local_office is None:
            raise ValidationError(
                {"local_office": _("There is no local office with code %(code)s.") % {"code": local_office_code}}
            )
    user = User(username=username, email=email, role=Role(role), office=office, local_office=local_office)
    user.is_staff = True
    password = password or generate_password()
    if validate:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.full_clean()
    user.save()
    return user, password


def _check_may_manage(by: User) -> None:
    if not by.has_perm(MANAGE_ACCOUNTS):
        raise PermissionDenied(_("Only admins manage accounts."))


def end_sessions(*, account: User) -> int:
    """Log ``account`` out everywhere: delete its stored sessions; return how many there were.

    Sessions live in the database (with REDIS_URL, cached in Redis as well). The user id is
    inside each session's encoded data, so the live sessions are decoded one by one.
    """
    user_id = str(account.pk)
    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == user_id
    ]
    # Through the session engine, so that a cached copy goes too (otherwise its next request
    # would find the session in the cache, fail to save it and answer 400).
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()
    return len(keys)


@transaction.atomic
def deactivate_account(*, account: User, by: User) -> None:
    """Stop ``account`` from logging in, and end the sessions it has open."""
    _check_may_manage(by)
    if account.pk == by.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    account.is_active = False
    account.save(update_fields=["is_active"])
    end_sessions(account=account)


@transaction.atomic
def reset_password(*, account: User, by: User, password: str | None = None) -> str:
    """Give ``account`` a new password (generated when none is given), log it out everywhere; return the password."""
    _check_may_manage(by)
    password = password or generate_password()
    validate_password(password, user=account)
    account.set_password(password)
    account.save(update_fields=["password"])
    end_sessions(account=account)
    return password


def start_two_factor(*, account: User) -> TOTPDevice:
    """The authenticator ``account`` is setting up: the same one until a code confirms it."""
    device = TOTPDevice.objects.devices_for_user(account, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=account, name=_("Authenticator app"), confirmed=False)


@transaction.atomic
def verify_two_factor(*, device: TOTPDevice, token: str) -> TOTPDevice | None:
    """Check ``token`` against ``device``, confirming the device on its first good code.

    Returns the device, or None for a wrong code. django-otp counts wrong codes and
    refuses every code for a while after several of them.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(token):
        return None
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device
