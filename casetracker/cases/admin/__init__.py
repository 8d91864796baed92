"""The clerks' entry forms: an incident page with its people, takedowns and committee
cases inline; a committee-case page with its measures; a measure page with its appeals.

Every save goes through ``services`` so the admin keeps the same rules as every other path,
and every query through the user's scope (``for_user``): a case of another office does not
exist here, and an attempt to open one is on the access log.

By concept: ``accounts`` (the users page with the cases each account touched),
``base`` (what every case admin shares), ``forms`` (the concurrent-edit check and
the forms' helpers), ``incidents``, ``people``, ``committees`` (committee cases, measures,
appeals) and ``history`` (the change trail). Importing this package registers them all.
"""

from .accounts import AccountActivityAdmin
from .base import CappedCountPaginator, CaseAdminMixin, YearFilter, year_filter
from .committees import AppealAdmin, AppealForm, CommitteeCaseAdmin, MeasureAdmin, MeasureForm
from .forms import LOADED_VERSION, VersionCheckedForm, version_checked
from .history import HISTORY_MODELS
from .incidents import IncidentAdmin
from .people import OffenderAdmin, PersonAdmin, VictimAdmin

__all__ = [
    "HISTORY_MODELS",
    "LOADED_VERSION",
    "AccountActivityAdmin",
    "AppealAdmin",
    "AppealForm",
    "CappedCountPaginator",
    "CaseAdminMixin",
    "CommitteeCaseAdmin",
    "IncidentAdmin",
    "MeasureAdmin",
    "MeasureForm",
    "OffenderAdmin",
    "PersonAdmin",
    "VersionCheckedForm",
    "VictimAdmin",
    "YearFilter",
    "version_checked",
    "year_filter",
]
