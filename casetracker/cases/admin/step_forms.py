"""The short forms of the workflow's steps, one per step, each calling its one service (``steps``).

A form checks what it is given (a date, a choice from the user's scope) and hands it to the step;
what the step's rules refuse comes back on the field it concerns (``add_step_errors``), and since
the step runs in one transaction, nothing of a refused step is saved.
"""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from casetracker.core.models import Committee

from .. import services, steps
from ..models import (
    Appeal,
    ClosureReason,
    CommitteeCase,
    Incident,
    Measure,
    Offender,
    ProtectionMeasure,
    Victim,
)
from .forms import measure_number_field


def date_field(label, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=AdminDateWidget)


class StepForm(forms.Form):
    """A step on ``target`` (the incident, a committee case, a measure or an appeal) of ``incident``."""

    title = ""
    # The model's field names, as the step's rules name them, to the form's fields that carry them.
    field_map: dict[str, str] = {}

    def __init__(self, *args, user, incident: Incident, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.incident, self.target = user, incident, target

    @classmethod
    def rendered_alike(cls, target) -> object:
        """What of ``target`` the unbound form depends on (its choices, its initial values): the case
        page renders the form once for all the targets that give the same (``step_views.inline_steps``).
        By default the target itself: a form of its own for each."""
        return target

    def run(self, *, actor) -> None:
        raise NotImplementedError

    def add_step_errors(self, error: ValidationError) -> None:
        """The step's refusal on the fields it names (those this form shows), the rest above the form."""
        if isinstance(error, steps.DecisionRefused):
            self.add_error(None, _("Nothing was saved: a measure below was refused (see its row)."))
            return
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            shown = self.field_map.get(name, name)
            self.add_error(shown if shown in self.fields and name != NON_FIELD_ERRORS else None, errors)


class ReferForm(StepForm):
    title = _("Refer to a committee")
    field_map = {"requested_on": "on"}
    committee = forms.ModelChoiceField(label=_("committee"), queryset=Committee.objects.none())
    on = date_field(_("referred on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The committees the clerk may choose (their office's, or their local office's), of this case's office.
        self.fields["committee"].queryset = Committee.objects.for_user(self.user).filter(
            office_id=self.incident.office_id
        )

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        steps.refer_to_committee(incident=self.incident, committee=data["committee"], on=data["on"], actor=actor)


class ScheduleForm(StepForm):
    title = _("Schedule the hearing")
    field_map = {"hearing_scheduled_on": "on"}
    on = date_field(_("hearing scheduled on"))

    @classmethod
    def rendered_alike(cls, target) -> object:
        return None  # (the same fields for every target)

    def run(self, *, actor) -> None:
        steps.schedule_hearing(committee_case=self.target, on=self.cleaned_data["on"], actor=actor)


class ExtendForm(StepForm):
    title = _("Extend the hearing deadline (once)")
    field_map = {"extended_on": "on", "extension_reason": "reason"}
    on = date_field(_("extended on"))
    reason = forms.CharField(label=_("reason for the extension"), max_length=200)

    @classmethod
    def rendered_alike(cls, target) -> object:
        return None  # (the same fields for every target)

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        steps.extend_hearing_deadline(committee_case=self.target, on=data["on"], reason=data["reason"], actor=actor)


def code_of(person) -> str:
    return person.code


class DecisionRowForm(forms.Form):
    """One measure decided: on which offender, which measure of the committee's law, for how long."""

    offender = forms.ModelChoiceField(label=_("offender"), queryset=Offender.objects.none(), required=False)
    days = forms.IntegerField(label=_("days"), min_value=1, required=False)
    hours = forms.IntegerField(label=_("hours"), min_value=1, required=False)

    def __init__(self, *args, offenders=None, offender_choices=None, law=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offender"].queryset = offenders
        self.fields["offender"].choices = offender_choices  # (read once for all the rows)
        self.fields["number"] = measure_number_field(law, label=_("measure"), required=False)
        self.order_fields(["offender", "number", "days", "hours"])

    def clean(self):
        data = super().clean()
        if data.get("offender") and not data.get("number"):
            self.add_error("number", _("Choose the measure decided for this offender."))
        if data.get("number") and not data.get("offender"):
            self.add_error("offender", _("Choose the offender this measure was decided for."))
        return data


class HearingForm(StepForm):
    """The hearing and the measures it decided, together: a case is decided once its committee has
    ruled, so the hearing date is never recorded alone."""

    title = _("Record the hearing and the measures decided")

    @classmethod
    def rendered_alike(cls, target) -> object:
        return target.law  # (the measures offered; the offenders are the case's)

    field_map = {"hearing_date": "hearing_date", "decided_on": "decided_on", "notified_on": "notified_on"}
    hearing_date = date_field(_("hearing date"))
    decided_on = date_field(_("decided on"), required=False)
    notified_on = date_field(_("notified on"), required=False)

    def __init__(self, *args, students: list[Offender] | None = None, **kwargs):
        """``students``: the case's student offenders, if the page has read them already (the case page)."""
        super().__init__(*args, **kwargs)
        offenders = Offender.objects.for_user(self.user).filter(incident=self.incident, kind=Offender.Kind.STUDENT)
        offenders = offenders.order_by("code", "pk")
        listed = students if students is not None else list(offenders)
        rows = forms.formset_factory(DecisionRowForm, extra=max(3, len(listed)), max_num=50, validate_max=True)
        self.decisions = rows(
            data=self.data if self.is_bound else None,
            prefix="measure",
            auto_id=self.auto_id,
            form_kwargs={
                "offenders": offenders,
                "offender_choices": [("", "---------"), *((o.pk, code_of(o)) for o in listed)],
                "law": self.target.law,
            },
        )

    def is_valid(self) -> bool:
        return super().is_valid() & self.decisions.is_valid()

    def decisions_given(self) -> list:
        return [
            steps.MeasureDecision(offender=row["offender"], number=row["number"], days=row["days"], hours=row["hours"])
            for row in self.decisions.cleaned_data
            if row.get("offender")
        ]

    def mark_row(self, refused) -> None:
        filled = [form for form in self.decisions.forms if form.cleaned_data.get("offender")]
        row = filled[refused.position]
        by_field = refused.error_dict if hasattr(refused, "error_dict") else {None: refused.error_list}
        for name, errors in by_field.items():
            row.add_error(name if name in row.fields else None, errors)

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        try:
            steps.record_hearing_and_decision(
                committee_case=self.target,
                hearing_date=data["hearing_date"],
                measures=self.decisions_given(),
                decided_on=data["decided_on"],
                notified_on=data["notified_on"],
                actor=actor,
            )
        except steps.DecisionRefused as refused:
            self.mark_row(refused)
            raise


class DecideMeasuresForm(HearingForm):
    """Measures decided on a committee case whose hearing is already recorded."""

    title = _("Record further measures decided")
    hearing_date = None

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        try:
            steps.decide_measures(
                committee_case=self.target,
                measures=self.decisions_given(),
                decided_on=data["decided_on"],
                notified_on=data["notified_on"],
                actor=actor,
            )
        except steps.DecisionRefused as refused:
            self.mark_row(refused)
            raise


class CarriedOutForm(StepForm):
    title = _("Record the measure carried out")
    field_map = {"carried_out_on": "on"}
    on = date_field(_("carried out on"))

    @classmethod
    def rendered_alike(cls, target) -> object:
        return None  # (the same fields for every target)

    def run(self, *, actor) -> None:
        steps.record_measure_carried_out(measure=self.target, on=self.cleaned_data["on"], actor=actor)


class FileAppealForm(StepForm):
    title = _("File an appeal")
    field_map = {"filed_on": "filed_on"}
    appellant = forms.ChoiceField(label=_("filed by"), choices=Appeal.Appellant.choices)
    kind = forms.ChoiceField(label=_("kind"), choices=Appeal.Kind.choices)
    filed_on = date_field(_("filed on"))

    @classmethod
    def rendered_alike(cls, target) -> object:
        return None  # (the same fields for every target)

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        steps.file_appeal(
            measure=self.target, appellant=data["appellant"], kind=data["kind"], filed_on=data["filed_on"], actor=actor
        )


class DecideAppealForm(StepForm):
    title = _("Record the appeal's decision")
    outcome = forms.ChoiceField(
        label=_("outcome"), choices=[(v, label) for v, label in Appeal.Outcome.choices if v != Appeal.Outcome.PENDING]
    )
    decided_on = date_field(_("decided on"))
    replacement_days = forms.IntegerField(label=_("days"), min_value=1, required=False)
    replacement_hours = forms.IntegerField(label=_("hours"), min_value=1, required=False)

    @classmethod
    def rendered_alike(cls, target) -> object:
        return target.measure.law  # (the replacement measures offered)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label = Appeal._meta.get_field("replacement_number").verbose_name
        self.fields["replacement_number"] = measure_number_field(self.target.measure.law, label=label, required=False)
        self.order_fields(["outcome", "decided_on", "replacement_number", "replacement_days", "replacement_hours"])

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        steps.decide_appeal(
            appeal=self.target,
            outcome=data["outcome"],
            decided_on=data["decided_on"],
            replacement_number=data["replacement_number"],
            replacement_days=data["replacement_days"],
            replacement_hours=data["replacement_hours"],
            actor=actor,
        )


class CloseForm(StepForm):
    title = _("Close the case")
    field_map = {"closed_on": "on", "closure_reason": "reason"}
    on = date_field(_("closed on"))
    reason = forms.ChoiceField(
        label=_("reason (when closed without a hearing)"),
        choices=[("", "---------"), *ClosureReason.choices],
        required=False,
    )

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        steps.close_case(incident=self.incident, on=data["on"], reason=data["reason"], actor=actor)


class ProtectionForm(StepForm):
    """A protection measure ordered for one victim (no step of the workflow: a record of the case,
    saved through the case services like the page's own rows)."""

    title = _("Add a protection measure")
    field_map = {"ordered_on": "ordered_on", "number": "number", "notes": "notes"}
    number = forms.TypedChoiceField(label=_("measure"), choices=ProtectionMeasure.Number.choices, coerce=int)
    ordered_on = date_field(_("ordered on"))
    notes = forms.CharField(label=_("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    @classmethod
    def rendered_alike(cls, target) -> object:
        return None  # (the same fields for every target)

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        measure = ProtectionMeasure(victim=self.target, number=data["number"], ordered_on=data["ordered_on"])
        measure.notes = data["notes"]
        services.save_record(record=measure, actor=actor)


# step: (form, the kind of record it acts on: None for the incident itself)
STEPS: dict[str, tuple[type[StepForm], type | None]] = {
    "refer": (ReferForm, None),
    "schedule": (ScheduleForm, CommitteeCase),
    "extend": (ExtendForm, CommitteeCase),
    "hearing": (HearingForm, CommitteeCase),
    "decide": (DecideMeasuresForm, CommitteeCase),
    "carried_out": (CarriedOutForm, Measure),
    "appeal": (FileAppealForm, Measure),
    "decide_appeal": (DecideAppealForm, Appeal),
    "close": (CloseForm, None),
    "protection": (ProtectionForm, Victim),
}
