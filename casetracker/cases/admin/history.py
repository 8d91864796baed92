"""The change trail of every case model, read-only, for admins."""

from django.contrib import admin

from casetracker.audit.admin import HistoryAdmin

from ..models import (
    Appeal,
    CommitteeCase,
    Incident,
    Measure,
    Offender,
    OffenderVictimRelation,
    ProtectionMeasure,
    Separation,
    TakedownRequest,
    Victim,
)

HISTORY_MODELS = (
    Incident,
    Victim,
    Offender,
    OffenderVictimRelation,
    TakedownRequest,
    ProtectionMeasure,
    Separation,
    CommitteeCase,
    Measure,
    Appeal,
)

for _model in HISTORY_MODELS:
    admin.site.register(_model.history.model, HistoryAdmin)
