"""The workflow's steps as actions of the case page: each a button that opens the step's short form
(``step_forms``), which calls the one service and returns to the case.

The case is fetched through the admin's own ``get_object`` (the user's scope: another office's case
is not found, and the attempt is on the access log), and the record the step acts on (a committee
case, a measure, an appeal) only among that case's, in the same scope.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from .. import selectors
from ..models import Appeal, CommitteeCase, Measure, Victim
from .step_forms import STEPS

# How each kind of record a step acts on is found among the case's records, in the user's scope.
TARGETS = {
    CommitteeCase: lambda user, incident: selectors.committee_cases_for(user).filter(incident=incident),
    Measure: lambda user, incident: selectors.measures_for(user).filter(committee_case__incident=incident),
    Appeal: lambda user, incident: selectors.appeals_for(user).filter(measure__committee_case__incident=incident),
    Victim: lambda user, incident: selectors.victims_for(user).filter(incident=incident),
}


class StepActionsMixin:
    """The step URLs and views of the incident admin."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        steps = [
            path(
                "<path:object_id>/step/<str:step>/",
                self.admin_site.admin_view(self.step_view),
                name="{}_{}_step".format(*info),
            )
        ]
        return steps + super().get_urls()

    def step_target(self, request, incident, model):
        if model is None:
            return incident
        try:
            return TARGETS[model](request.user, incident).get(pk=int(request.GET.get("on", "")))
        except (ValueError, model.DoesNotExist):
            raise Http404(_("The record of this step is not part of this case.")) from None

    def step_view(self, request, object_id, step):
        if step not in STEPS:
            raise Http404(_("There is no such step."))
        incident = self.get_object(request, unquote(object_id))
        if incident is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        form_class, model = STEPS[step]
        target = self.step_target(request, incident, model)
        form = form_class(
            data=request.POST if request.method == "POST" else None,
            user=request.user,
            incident=incident,
            target=target,
        )
        case_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[incident.pk])
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    form.run(actor=request.user)
            except ValidationError as error:
                form.add_step_errors(error)
            else:
                self.message_user(request, _("%(step)s: recorded.") % {"step": form.title}, messages.SUCCESS)
                return HttpResponseRedirect(case_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": incident,
            "target": target,
            "form": form,
            "title": form.title,
            "case_url": case_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/cases/incident/step_form.html", context)
