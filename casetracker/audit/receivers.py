"""Logins, logouts, failed logins, lockouts and every change to an account go to the access log;
each historical record gets the address its change came from."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from casetracker.accounts.signals import account_changed, saved_view_changed

from .models import AccessLog
from .services import client_address, log_access


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs):
    log_access(action=AccessLog.Action.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        log_access(action=AccessLog.Action.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_failed_login(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    log_access(action=AccessLog.Action.LOGIN_FAILED, request=request, username=username)


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def record_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    log_access(action=AccessLog.Action.LOCKOUT, request=request, username=username or "")


@receiver(pre_create_historical_record, dispatch_uid="audit_history_address")
def add_address_to_history(sender, history_instance, **kwargs):
    request = getattr(HistoricalRecords.context, "request", None)
    history_instance.ip_address = client_address(request)


@receiver(account_changed, dispatch_uid="audit_account_changed")
def record_account_change(sender, account, by, request, action, detail, **kwargs):
    """In the change's transaction: if the entry cannot be written, the change is not made either."""
    if by is None:  # manage.py on the server: no account, no address
        detail = f"{detail} (on the server)"
    log_access(action=action, request=request, user=by, target=account, detail=detail)


@receiver(saved_view_changed, dispatch_uid="audit_saved_view_changed")
def record_saved_view_change(sender, view, by, request, action, detail, **kwargs):
    """A saved list view created, renamed or deleted, in its transaction: the entry names the view, not
    its query string (a search's words are never on the log)."""
    log_access(action=action, request=request, user=by, target=view, detail=detail)


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="audit_totp_device_removed")
@receiver(post_delete, sender=StaticDevice, dispatch_uid="audit_static_device_removed")
def record_device_removed(sender, instance, **kwargs):
    """A removed authenticator or set of backup codes, however removed (the admin's page, its bulk
    action, a cascade): the request, if any, is the one django-simple-history keeps for the thread."""
    request = getattr(HistoricalRecords.context, "request", None)
    by = request.user if request is not None and request.user.is_authenticated else None
    account = instance.user
    account_changed.send(
        sender=type(account),
        account=account,
        by=by,
        request=request,
        action=AccessLog.Action.CHANGE,
        detail=f"two-factor device removed: {instance.name}",
    )
