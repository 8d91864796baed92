"""The workflow's steps as actions of the case page: each a button that opens the step's short form
(``step_forms``), which calls the one service and returns to the case; and, beside each step
recorded, its correction (``correction_forms``, the services of ``corrections``), the same way.

The case is fetched through the admin's own ``get_object`` (the user's scope: another office's case
is not found, and the attempt is on the access log), and the record the step acts on (a committee
case, a measure, an appeal) only among that case's, in the same scope.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from .. import selectors
from ..models import Appeal, CommitteeCase, Measure, Offender, Victim
from .correction_forms import CORRECTIONS
from .step_forms import STEPS, StepForm
from .workspace import Workspace

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
            ),
            path(
                "<path:object_id>/correct/<str:correction>/",
                self.admin_site.admin_view(self.correction_view),
                name="{}_{}_correct".format(*info),
            ),
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
        return self.action_view(request, object_id, *STEPS[step], done=_("%(step)s: recorded."))

    def correction_view(self, request, object_id, correction):
        if correction not in CORRECTIONS:
            raise Http404(_("There is no such correction."))
        done = _("%(step)s: saved, with its reason in the change history.")
        return self.action_view(request, object_id, *CORRECTIONS[correction], done=done)

    def action_view(self, request, object_id, form_class, model, *, done: str):
        """A step or a correction: its form on the case's record (in the user's scope), its service run."""
        incident = self.get_object(request, unquote(object_id))
        if incident is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
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
                self.message_user(request, done % {"step": form.title}, messages.SUCCESS)
                return HttpResponseRedirect(case_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": incident,
            "target": target,
            "form": form,
            "title": form.title,
            "submit_label": getattr(form, "submit_label", None),
            "case_url": case_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/cases/incident/step_form.html", context)


# The steps of the case's records on the case page itself: each form in a disclosure beside its
# button, posted to the step's own URL (the view above), so a step costs the clerk one page load,
# not two. Their <form> elements stand outside the page's own form (forms do not nest): the
# fields name theirs (``form=``). A refused step is shown again on the step's own page.
#
# The unbound form of a step reads the same for every record it can act on, but for the record's
# key in its ids (``StepForm.rendered_alike``: a hearing's measures are those of its committee's
# law): the page builds and renders it once, its key a placeholder, and each record's disclosure is
# that rendering with the record's key (``templatetags/case_steps.py``). On a case of ten measures,
# rendering each form again was a fifth of the page's time.

KEY_PLACEHOLDER = "__record__"


@dataclass
class InlineStep:
    """A step offered on one record of the case page: its own <form> (``html_id``, ``url``), and the
    form its disclosure shows (``form``, shared with the records it reads alike for)."""

    step: str
    target: object
    html_id: str
    url: str
    form: StepForm
    rendered: dict  # (label: the form's disclosure, its key a placeholder; shared with ``form``)

    @property
    def key(self) -> str:
        return str(self.target.pk)


def inline_step(step: str, *, user, incident, target, key=None, **kwargs) -> StepForm:
    """The form of ``step`` on ``target``, its ids and its fields' ``form=`` keyed by ``key`` (the
    target's id unless given, e.g. ``KEY_PLACEHOLDER``)."""
    form_class, model = STEPS[step]
    key = f"{step}_{target.pk if key is None else key}"
    form = form_class(user=user, incident=incident, target=target, auto_id=f"id_{key}_%s", **kwargs)
    form.html_id = f"step-{key}"
    form.url = reverse("admin:cases_incident_step", args=[incident.pk, step])
    if model is not None:
        form.url += f"?on={target.pk}"
    rows = getattr(form, "decisions", None)
    for widget_form in [form, *((rows.management_form, *rows.forms) if rows is not None else ())]:
        for field in widget_form.fields.values():
            field.widget.attrs["form"] = form.html_id
    return form


def inline_steps(workspace: Workspace, *, user) -> list[InlineStep]:
    """The steps on ``workspace``'s records, set on its rows (``row.steps``), a form built for each
    step and way it reads (``StepForm.rendered_alike``), not for each record: no query."""
    incident, offered, shared = workspace.incident, [], {}
    urls = {}

    def make(step, target, **kwargs):
        form_class, model = STEPS[step]
        alike = (step, form_class.rendered_alike(target))
        if alike not in shared:
            shared[alike] = (
                inline_step(step, user=user, incident=incident, target=target, key=KEY_PLACEHOLDER, **kwargs),
                {},
            )
        form, rendered = shared[alike]
        if step not in urls:
            urls[step] = reverse("admin:cases_incident_step", args=[incident.pk, step])
        url = urls[step] if model is None else f"{urls[step]}?on={target.pk}"
        offered.append(InlineStep(step, target, f"step-{step}_{target.pk}", url, form, rendered))
        return offered[-1]

    # (Only the steps the page offers, on the conditions ``workspace.html`` shows their buttons.)
    students = [offender for offender in workspace.offenders if offender.kind == Offender.Kind.STUDENT]
    for victim_row in workspace.victims:
        victim_row.steps = {}
        if victim_row.victim.kind == Victim.Kind.STUDENT:
            victim_row.steps["protection"] = make("protection", victim_row.victim)
    for case_row in workspace.committee_cases:
        case, case_row.steps = case_row.case, {}
        if case_row.is_open:
            case_row.steps["schedule"] = make("schedule", case)
            if not case.extended_on:
                case_row.steps["extend"] = make("extend", case)
            case_row.steps["hearing"] = make("hearing", case, students=students)
        # (Further measures after the hearing, a row per student offender, keep a page of their own:
        # on a case of many offenders, that form was most of the rendering time the step forms added.)
        for _offender, measure_rows in case_row.measures_by_offender:
            for measure_row in measure_rows:
                measure_row.steps = {}
                if not measure_row.superseded:
                    if not measure_row.measure.carried_out_on:
                        measure_row.steps["carried_out"] = make("carried_out", measure_row.measure)
                    measure_row.steps["appeal"] = make("appeal", measure_row.measure)
                for appeal in measure_row.appeals:
                    appeal.measure = measure_row.measure  # (the form reads its law)
                    if appeal.outcome == Appeal.Outcome.PENDING:
                        appeal.decide_step = make("decide_appeal", appeal)
    return offered
