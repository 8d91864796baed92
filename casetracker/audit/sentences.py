"""An access log entry as one sentence in the reader's language (Korean by default, issue 17 item 5).

Who (office, role and account), from where (the address), when, did what to which record, said
from the entry's structured fields: its time, account, address, action and target. The stored
``detail`` stays as the code wrote it (in English, for whoever reads the table itself); only the
two marks of a view of a person's page (``IDENTITIES_SHOWN``, ``IDENTITIES_HIDDEN``) and the start
of a search's (``SEARCH_OF``) and of the purge of names past their retention (``NAMES_PURGED``) are
read back from it, and they are written from here too.
"""

from django.apps import apps
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import AccessLog

IDENTITIES_SHOWN = "identities shown"
IDENTITIES_HIDDEN = "identities hidden"
SEARCH_OF = "search of "
NAMES_PURGED = "purge_identities "


def _model_label(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def _who(entry: AccessLog) -> str:
    user = entry.user
    username = entry.username or (user.get_username() if user is not None else "") or _("an unknown user")
    if user is None:
        return username
    place = user.local_office or user.office
    parts = [str(place) if place is not None else "", str(user.get_role_display()), username]
    return " ".join(part for part in parts if part)


def _target(entry: AccessLog) -> str:
    return f"{_model_label(entry.target_type)} {entry.target_repr}".strip()


def _what(entry: AccessLog) -> str:
    """The verb phrase (with its object), by action."""
    action, detail = entry.action, entry.detail
    target = {"target": _target(entry)}
    if action == AccessLog.Action.VIEW:
        if entry.target_type:
            if detail == IDENTITIES_SHOWN:
                return _("viewed the personal details of %(target)s") % target
            if detail == IDENTITIES_HIDDEN:
                return _("viewed %(target)s without personal details") % target
            return _("viewed %(target)s") % target
        if detail.startswith(SEARCH_OF):
            label = detail[len(SEARCH_OF) :].split(":", 1)[0]
            return _("searched the list of %(model)s") % {"model": _model_label(label)}
        return _("viewed a page")
    if action == AccessLog.Action.EXPORT:
        return _("downloaded %(target)s") % target if entry.target_type else _("downloaded a report file")
    if action == AccessLog.Action.IMPORT:
        return _("imported cases from a spreadsheet")
    if action == AccessLog.Action.CHANGE and not entry.target_type and detail.startswith(NAMES_PURGED):
        return _("removed the names of the people of closed cases past their retention period")
    if action == AccessLog.Action.DENIED:
        return _("was refused a record outside their scope")
    with_target = {
        AccessLog.Action.CREATE: _("created %(target)s"),
        AccessLog.Action.CHANGE: _("changed %(target)s"),
        AccessLog.Action.DELETE: _("deleted %(target)s"),
    }
    if action in with_target:
        return with_target[action] % target
    alone = {
        AccessLog.Action.LOGIN: _("logged in"),
        AccessLog.Action.LOGOUT: _("logged out"),
        AccessLog.Action.LOGIN_FAILED: _("failed to log in"),
        AccessLog.Action.LOCKOUT: _("was locked out after repeated failed logins"),
    }
    return alone.get(action, entry.get_action_display())


def sentence(entry: AccessLog) -> str:
    """E.g. "2026년 12월 3일 14:02 서울특별시교육청 주무관 clerk_seoul(10.0.0.5)이(가) 피해자 2024-0001 V1의
    인적사항을 열람했습니다" (the time in the one format of every page, ``casetracker/formats``)."""
    when = date_format(timezone.localtime(entry.at), "DATETIME_FORMAT") if entry.at else ""
    return _("%(when)s %(who)s (%(address)s) %(what)s") % {
        "when": when,
        "who": _who(entry),
        "address": entry.ip_address or _("address unknown"),
        "what": _what(entry),
    }
