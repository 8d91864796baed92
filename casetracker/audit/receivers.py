"""Logins, logouts, failed logins and lockouts go to the access log; each historical
record gets the address its change came from."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

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
