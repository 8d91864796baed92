"""The short forms that correct a recorded step, one per kind of correction, each calling its one
service (``cases.corrections``): the values as recorded to start from, the new ones, and the
reason, which the change history keeps. What the service refuses comes back on its field, and
nothing is saved (``StepForm.add_step_errors``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casetracker.core.models import Committee

from .. import corrections, corrections_appeals
from ..models import Appeal, CommitteeCase, Measure, Offender
from .forms import measure_number_field
from .step_forms import StepForm, code_of, date_field

REPLACEMENT_FIELDS = ("replacement_number", "replacement_days", "replacement_hours")


class CorrectionForm(StepForm):
    """A correction of ``target``: the fields it corrects (with the values recorded), and the reason."""

    submit_label = _("Correct")
    reason_help = _(
        "Why the record was wrong. It is kept in the change history: write the people's codes (V1, O2 ...), "
        "never their names."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = forms.CharField(
            label=_("reason for the correction"),
            max_length=corrections.REASON_MAX_LENGTH,
            help_text=self.reason_help,
            widget=forms.TextInput(attrs={"size": 60}),
        )
        self.fields["loaded_version"] = forms.IntegerField(widget=forms.HiddenInput)
        if not self.is_bound:
            self.initial.update(self.recorded(), loaded_version=self.corrected.version)

    @property
    def corrected(self):
        """The record whose version the correction checks (the target, or the incident itself)."""
        return self.target

    def audit(self) -> dict:
        """What every correction's service takes besides its values: the reason, the version loaded."""
        return {"reason": self.cleaned_data["reason"], "expected_version": self.cleaned_data["loaded_version"]}

    def recorded(self) -> dict:
        """The values as recorded, to start from."""
        return {}


class ReferralCorrectionForm(CorrectionForm):
    title = _("Correct the referral")
    # (A referral moved past its hearing is refused on the hearing: the message is the referral's here.)
    field_map = {"requested_on": "requested_on", "committee": "committee", "hearing_date": "requested_on"}
    committee = forms.ModelChoiceField(label=_("committee"), queryset=Committee.objects.none())
    requested_on = date_field(_("referred on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.for_user(self.user).filter(
            office_id=self.incident.office_id
        )

    def recorded(self) -> dict:
        return {"committee": self.target.committee_id, "requested_on": self.target.requested_on}

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        corrections.correct_referral(
            committee_case=self.target,
            committee=data["committee"],
            requested_on=data["requested_on"],
            actor=actor,
            **self.audit(),
        )


class HearingDateCorrectionForm(CorrectionForm):
    title = _("Correct the hearing date")
    field_map = {"hearing_date": "hearing_date"}
    hearing_date = date_field(_("hearing date"))

    def recorded(self) -> dict:
        return {"hearing_date": self.target.hearing_date}

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        corrections.correct_hearing_date(
            committee_case=self.target, hearing_date=data["hearing_date"], actor=actor, **self.audit()
        )


class ExtensionCorrectionForm(CorrectionForm):
    title = _("Correct the extension of the hearing deadline")
    field_map = {"extended_on": "extended_on", "extension_reason": "extension_reason"}
    extended_on = date_field(_("extended on"), required=False)
    extension_reason = forms.CharField(label=_("reason for the extension"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extended_on"].help_text = _(
            "Leave the date empty if the deadline was recorded as extended by mistake: the extension is removed."
        )
        self.order_fields(["extended_on", "extension_reason", "reason"])

    def recorded(self) -> dict:
        return {"extended_on": self.target.extended_on, "extension_reason": self.target.extension_reason}

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        corrections.correct_extension(
            committee_case=self.target,
            extended_on=data["extended_on"],
            extension_reason=data["extension_reason"],
            actor=actor,
            **self.audit(),
        )


class ScheduleCorrectionForm(CorrectionForm):
    title = _("Correct the scheduled hearing date")
    field_map = {"hearing_scheduled_on": "scheduled_on"}
    scheduled_on = date_field(_("hearing scheduled on"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheduled_on"].help_text = _(
            "Leave it empty if the schedule was recorded on this case by mistake."
        )

    def recorded(self) -> dict:
        return {"scheduled_on": self.target.hearing_scheduled_on}

    def run(self, *, actor) -> None:
        corrections.correct_hearing_schedule(
            committee_case=self.target, scheduled_on=self.cleaned_data["scheduled_on"], actor=actor, **self.audit()
        )


class MeasureCorrectionForm(CorrectionForm):
    title = _("Correct the measure")
    field_map = {name: name for name in ("offender", "number", "decided_on", "days", "hours")}
    offender = forms.ModelChoiceField(label=_("offender"), queryset=Offender.objects.none())
    decided_on = date_field(_("decided on"))
    days = forms.IntegerField(label=_("days"), min_value=1, required=False)
    hours = forms.IntegerField(label=_("hours"), min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        students = Offender.objects.for_user(self.user).filter(incident=self.incident, kind=Offender.Kind.STUDENT)
        self.fields["offender"].queryset = students.order_by("code", "pk")
        self.fields["offender"].label_from_instance = code_of
        self.fields["number"] = measure_number_field(self.target.law, label=_("measure"))
        self.order_fields(["offender", "number", "decided_on", "days", "hours", "reason"])

    def recorded(self) -> dict:
        measure = self.target
        return {
            "offender": measure.offender_id,
            "number": measure.number,
            "decided_on": measure.decided_on,
            "days": measure.days,
            "hours": measure.hours,
        }

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        corrections.correct_measure(
            measure=self.target,
            offender=data["offender"],
            number=data["number"],
            decided_on=data["decided_on"],
            days=data["days"],
            hours=data["hours"],
            actor=actor,
            **self.audit(),
        )


class CarriedOutCorrectionForm(CorrectionForm):
    title = _("Correct the carrying out")
    field_map = {"carried_out_on": "on"}
    on = date_field(_("carried out on"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].help_text = _("Leave it empty if the measure was recorded as carried out by mistake.")

    def recorded(self) -> dict:
        return {"on": self.target.carried_out_on}

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        corrections.correct_carried_out(measure=self.target, on=data["on"], actor=actor, **self.audit())


class AppealWithdrawalForm(CorrectionForm):
    title = _("Remove an appeal entered by mistake")
    submit_label = _("Remove the appeal")
    reason_help = _(
        "The appeal is removed from the case (and a measure its decision ordered, with it); the change "
        "history keeps it, with this reason. Write the people's codes, never their names."
    )

    def run(self, *, actor) -> None:
        corrections.withdraw_appeal(appeal=self.target, actor=actor, **self.audit())


class AppealDecisionCorrectionForm(CorrectionForm):
    title = _("Correct the appeal's decision")
    # (A decision moved past an appeal of the measure it ordered is refused on that appeal's filing.)
    field_map = {
        **{name: name for name in ("outcome", "decided_on", *REPLACEMENT_FIELDS)},
        "filed_on": "decided_on",
    }
    outcome = forms.ChoiceField(
        label=_("outcome"), choices=[(v, label) for v, label in Appeal.Outcome.choices if v != Appeal.Outcome.PENDING]
    )
    decided_on = date_field(_("decided on"))
    replacement_days = forms.IntegerField(label=_("days"), min_value=1, required=False)
    replacement_hours = forms.IntegerField(label=_("hours"), min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label = Appeal._meta.get_field("replacement_number").verbose_name
        self.fields["replacement_number"] = measure_number_field(self.target.measure.law, label=label, required=False)
        self.fields["replacement_number"].help_text = _(
            "Only when the outcome is 'changed': the measure that replaced the appealed one follows the decision."
        )
        self.order_fields(["outcome", "decided_on", *REPLACEMENT_FIELDS, "reason"])

    def recorded(self) -> dict:
        appeal = self.target
        return {"outcome": appeal.outcome, "decided_on": appeal.decided_on} | {
            name: getattr(appeal, name) for name in REPLACEMENT_FIELDS
        }

    def run(self, *, actor) -> None:
        data = self.cleaned_data
        corrections_appeals.correct_appeal_decision(
            appeal=self.target,
            outcome=data["outcome"],
            decided_on=data["decided_on"],
            **{name: data[name] for name in REPLACEMENT_FIELDS},
            actor=actor,
            **self.audit(),
        )


class AppealDecisionUndoForm(CorrectionForm):
    title = _("Undo the appeal's decision (entered by mistake)")
    submit_label = _("Undo the decision")
    reason_help = _(
        "The appeal is pending again, and a measure its decision ordered is removed; the change history "
        "keeps the decision, with this reason. Write the people's codes, never their names."
    )

    def run(self, *, actor) -> None:
        corrections_appeals.undo_appeal_decision(appeal=self.target, actor=actor, **self.audit())


class ReopenForm(CorrectionForm):
    title = _("Reopen the case (undo the closing)")
    submit_label = _("Reopen")

    def run(self, *, actor) -> None:
        corrections.reopen_case(incident=self.incident, actor=actor, **self.audit())


# correction: (form, the kind of record it corrects: None for the incident itself)
CORRECTIONS: dict[str, tuple[type[CorrectionForm], type | None]] = {
    "referral": (ReferralCorrectionForm, CommitteeCase),
    "hearing": (HearingDateCorrectionForm, CommitteeCase),
    "extension": (ExtensionCorrectionForm, CommitteeCase),
    "schedule": (ScheduleCorrectionForm, CommitteeCase),
    "measure": (MeasureCorrectionForm, Measure),
    "carried_out": (CarriedOutCorrectionForm, Measure),
    "appeal": (AppealWithdrawalForm, Appeal),
    "appeal_decision": (AppealDecisionCorrectionForm, Appeal),
    "undo_appeal_decision": (AppealDecisionUndoForm, Appeal),
    "reopen": (ReopenForm, None),
}
