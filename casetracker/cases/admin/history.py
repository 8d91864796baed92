"""The change trail of every case model, read-only, for admins; on a case's trail, the scrub.

An admin reads no case record (``accounts.policy``), but keeps the change history: from a version
of an incident, ``scrub/`` replaces the identifiers stored in that case's texts and in every
version of them (``cases.scrub``), with a reason. The page shows counts only, before and after, so
the admin learns nothing of the case by it.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from casetracker.accounts.policy import may_scrub_identifiers
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
from ..scrub import ScrubRefused, case_ids, own_office, scrub_identifiers

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


class ScrubForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class IncidentHistoryAdmin(HistoryAdmin):
    """The incident's history, with the scrub of its case for the admins."""

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [*fields, "scrub_link"] if may_scrub_identifiers(request.user) else fields

    get_readonly_fields = get_fields

    @admin.display(description=_("identifiers"))
    def scrub_link(self, obj):
        url = reverse("admin:cases_historicalincident_scrub", args=[obj.id])
        return format_html('<a href="{}">{}</a>', url, _("Scrub the identifiers of this case"))

    def get_urls(self):
        scrub = path(
            "case/<int:incident_id>/scrub/",
            self.admin_site.admin_view(self.scrub_view),
            name="cases_historicalincident_scrub",
        )
        return [scrub, *super().get_urls()]

    def scrub_view(self, request, incident_id: int):
        if not may_scrub_identifiers(request.user):
            raise PermissionDenied
        if not case_ids(office=own_office(request.user), incident_ids=[incident_id]):
            raise Http404  # absent, or another office's (an office's admin scrubs its own)
        form = ScrubForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = scrub_identifiers(
                    actor=request.user, request=request, reason=form.cleaned_data["reason"], incident_ids=[incident_id]
                )
            except ScrubRefused as error:
                form.add_error("reason", str(error))
            else:
                messages.success(
                    request,
                    _("Replaced %(identifiers)s identifier(s) in %(rows)s row(s) of this case.")
                    % {"identifiers": result.total_identifiers, "rows": result.total_rows},
                )
                return HttpResponseRedirect(f"{reverse('admin:cases_historicalincident_changelist')}?q={incident_id}")
        preview = scrub_identifiers(actor=request.user, incident_ids=[incident_id], dry_run=True)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Scrub the identifiers of case #%(id)s") % {"id": incident_id},
            "opts": self.model._meta,
            "form": form,
            "preview": preview,
            "list_url": f"{reverse('admin:cases_historicalincident_changelist')}?q={incident_id}",
        }
        return TemplateResponse(request, "admin/cases/scrub.html", context)


for _model in HISTORY_MODELS:
    admin.site.register(_model.history.model, IncidentHistoryAdmin if _model is Incident else HistoryAdmin)
