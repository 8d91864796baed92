"""Account services: every change to an account's access goes through here (admin, views, commands)."""

import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casetracker.core.models import LocalOffice, Office

from .models import SavedListView, User
from .roles import Role
from .signals import account_changed, saved_view_changed

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
    by: User | None = None,
    request: HttpRequest | None = None,
) -> tuple[User, str]:
    """Create an account with its role and scope; return it and its password.

    A password is generated when none is given. Every account may enter the admin site
    (``is_staff``); what it sees there is its role's and scope's business. ``by`` is None
    on the server's command line.
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
    password = password or generate_password()
    if validate:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    save_account(account=user, by=by, request=request)
    return user, password


# Who may change which account ------------------------------------------------------------------

# The fields whose change goes on the access log (the password has its own entry, never its value).
LOGGED_FIELDS = ("username", "first_name", "last_name", "email", "role", "office", "local_office", "is_active")
# What nobody may change about their own account: that needs a second admin.
OWN_ACCOUNT_FIELDS = ("role", "office", "local_office", "is_active")


def _active_admins():
    return User.objects.filter(is_active=True).filter(Q(role=Role.ADMIN) | Q(is_superuser=True))


def _is_active_admin(user: User) -> bool:
    return user.is_active and (user.is_superuser or user.role == Role.ADMIN)


def _changed_fields(before: User | None, after: User) -> list[str]:
    if before is None:
        return []
    return [name for name in LOGGED_FIELDS if after.serializable_value(name) != before.serializable_value(name)]


def check_account_change(*, account: User, by: User | None) -> None:
    """Refuse a change to ``account`` (as changed in memory) that ``by`` may not make.

    - Only admins manage accounts; only a superuser changes a superuser's account.
    - An office's admin manages the accounts of its office only, before and after the change.
    - Superusers are made on the server (``manage.py createsuperuser``), never here.
    - Nobody changes their own role, office, local office or active status.
    - At least one active admin remains.
    ``by`` None is the server's command line, where only the last rule applies.
    The admin's forms call this to put the message on the form; ``save_account`` calls it again.
    """
    before = None if account._state.adding else User.objects.get(pk=account.pk)
    if by is not None and before is not None and by.pk == account.pk:
        by = before  # the admin's rights as they stand, not as the change in memory would leave them
    if by is not None:
        _check_may_manage(by)
        was_superuser = before is not None and before.is_superuser
        if account.is_superuser != was_superuser:
            raise PermissionDenied(_("Superusers are made on the server only (manage.py createsuperuser)."))
        if was_superuser and not by.is_superuser:
            raise PermissionDenied(_("Only a superuser may change a superuser's account."))
        _check_in_scope(by, before)
        _check_in_scope(by, account)
        if before is not None and account.pk == by.pk:
            own = [name for name in _changed_fields(before, account) if name in OWN_ACCOUNT_FIELDS]
            if own:
                raise ValidationError(
                    _("You cannot change your own role, office or active status; ask another admin."),
                    code="own_account",
                )
    demoted = before is not None and _is_active_admin(before) and not _is_active_admin(account)
    if demoted and not _active_admins().exclude(pk=account.pk).exists():
        raise ValidationError(
            _("At least one active admin must remain: make another account an admin first."),
            code="last_admin",
        )


@transaction.atomic
def save_account(*, account: User, by: User | None, request: HttpRequest | None = None) -> None:
    """Save ``account`` as changed in memory, if ``by`` may (``check_account_change``), and put
    what changed on the access log. A deactivated account is logged out at once.

    Every path that creates or changes an account comes here: the admin's forms and actions,
    the services below and ``manage.py create_account``.
    """
    # The active admins are locked, in one order, so that two admins demoting each other at the
    # same time cannot both succeed and leave none.
    list(_active_admins().select_for_update().order_by("pk").values_list("pk", flat=True))
    check_account_change(account=account, by=by)
    adding = account._state.adding
    before = None if adding else User.objects.get(pk=account.pk)
    if adding:
        account.is_staff = True  # every account may enter the admin site; its role decides what it sees
    account.full_clean(exclude=["password"])
    account.save()
    if before is not None and before.is_active and not account.is_active:
        end_sessions(account=account)
    if adding:
        scope = account.local_office or account.office or "national"
        _record(account=account, by=by, request=request, action="create", detail=f"role {account.role}, {scope}")
        return
    changes = [f"{name}: {_shown(before, name)} → {_shown(account, name)}" for name in _changed_fields(before, account)]
    if changes:
        _record(account=account, by=by, request=request, action="change", detail="; ".join(changes))


def _shown(user: User, name: str) -> str:
    value = getattr(user, name)
    return "-" if value in (None, "") else str(value)


def _record(*, account: User, by: User | None, request: HttpRequest | None, action: str, detail: str) -> None:
    account_changed.send(sender=User, account=account, by=by, request=request, action=action, detail=detail)


def _check_may_manage(by: User) -> None:
    if not by.has_perm(MANAGE_ACCOUNTS):
        raise PermissionDenied(_("Only admins manage accounts."))


def _check_in_scope(by: User, account: User | None) -> None:
    """An office's admin manages its office's accounts: not another office's, nor a national one."""
    scope = by.account_scope
    if account is None or scope.national:
        return
    if account.office_id is None or account.office_id != scope.office_id:
        raise PermissionDenied(_("You manage the accounts of your own office of education only."))


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
def deactivate_account(*, account: User, by: User, request: HttpRequest | None = None) -> None:
    """Stop ``account`` from logging in, and end the sessions it has open."""
    account.is_active = False
    try:
        save_account(account=account, by=by, request=request)
    except (ValidationError, PermissionDenied):
        account.is_active = True  # the caller's copy stays as the database has it
        raise


@transaction.atomic
def reset_password(*, account: User, by: User, password: str | None = None, request: HttpRequest | None = None) -> str:
    """Give ``account`` a new password (generated when none is given), log it out everywhere; return the password."""
    _check_may_manage(by)
    if account.is_superuser and not by.is_superuser:
        raise PermissionDenied(_("Only a superuser may change a superuser's account."))
    _check_in_scope(by, account)
    password = password or generate_password()
    validate_password(password, user=account)
    account.set_password(password)
    account.save(update_fields=["password"])
    end_sessions(account=account)
    _record(account=account, by=by, request=request, action="change", detail="password reset")
    return password


@transaction.atomic
def change_own_password(*, account: User, password: str, request: HttpRequest | None = None) -> None:
    """``account`` sets a new password of its own (the form has checked the old one and the rules)."""
    account.set_password(password)
    account.save(update_fields=["password"])
    _record(account=account, by=account, request=request, action="change", detail="password changed by its owner")


# Two-factor authentication -----------------------------------------------------------------------

BACKUP_CODE_COUNT = 10


def start_two_factor(*, account: User) -> TOTPDevice:
    """The authenticator ``account`` is setting up: the same one until a code confirms it."""
    device = TOTPDevice.objects.devices_for_user(account, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=account, name=_("Authenticator app"), confirmed=False)


@transaction.atomic
def verify_two_factor(*, device: TOTPDevice, token: str, request: HttpRequest | None = None) -> TOTPDevice | None:
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
        _record(
            account=device.user,
            by=device.user,
            request=request,
            action="change",
            detail=f"two-factor device added: {device.name}",
        )
    return device


@transaction.atomic
def generate_backup_codes(*, account: User, request: HttpRequest | None = None) -> list[str]:
    """New one-time backup codes for ``account``, replacing any it had; return them (shown once).

    Each code logs in once in place of the authenticator app's code (``two_factor.LoginForm``).
    """
    device = StaticDevice.objects.select_for_update().filter(user=account).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=account, name=_("Backup codes"), confirmed=True)
    device.token_set.all().delete()
    device.throttle_reset()
    codes = [StaticToken.random_token() for _index in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    _record(
        account=account, by=account, request=request, action="change", detail=f"backup codes generated ({len(codes)})"
    )
    return codes


# Saved list views ----------------------------------------------------------------------------
# A user's own: the admin fetches them among the user's (another's is not found) and checks the
# query string against the list itself before it saves one (``cases.admin.saved_views``).


def _record_view(*, view: SavedListView, by: User, request: HttpRequest | None, action: str, detail: str) -> None:
    saved_view_changed.send(sender=SavedListView, view=view, by=by, request=request, action=action, detail=detail)


def _check_owner(view: SavedListView, by: User) -> None:
    if view.user_id != by.pk:
        raise PermissionDenied(_("This saved view is not yours."))


@transaction.atomic
def save_list_view(
    *, by: User, list_name: str, name: str, query: str, request: HttpRequest | None = None
) -> SavedListView:
    """Save ``query`` (the list's own query string, already checked by the list) under ``name`` for ``by``."""
    if len(query) > SavedListView.MAX_QUERY_LENGTH or "\x00" in query:
        raise ValidationError(
            _("These filters and search are too long to save (at most %(max)d characters).")
            % {"max": SavedListView.MAX_QUERY_LENGTH}
        )
    # (The account's row held: two saves at once count each other.)
    list(User.objects.select_for_update().filter(pk=by.pk).values_list("pk"))
    if SavedListView.objects.filter(user=by, list_name=list_name).count() >= SavedListView.MAX_PER_LIST:
        raise ValidationError(
            _("You can save at most %(max)d views of this list: delete one first.")
            % {"max": SavedListView.MAX_PER_LIST}
        )
    view = SavedListView(user=by, list_name=list_name, name=name.strip(), query=query)
    view.full_clean()
    view.save()
    _record_view(view=view, by=by, request=request, action="create", detail=f"saved list view of {list_name}")
    return view


@transaction.atomic
def rename_list_view(*, view: SavedListView, by: User, name: str, request: HttpRequest | None = None) -> SavedListView:
    _check_owner(view, by)
    view.name = name.strip()
    view.full_clean()
    view.save(update_fields=["name"])
    _record_view(view=view, by=by, request=request, action="change", detail="saved list view renamed")
    return view


@transaction.atomic
def delete_list_view(*, view: SavedListView, by: User, request: HttpRequest | None = None) -> None:
    _check_owner(view, by)
    _record_view(view=view, by=by, request=request, action="delete", detail=f"saved list view of {view.list_name}")
    view.delete()
