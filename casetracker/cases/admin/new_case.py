"""A new case in one form: the incident, its victims and offenders, the relation of each offender
to each victim (a grid of victim rows by offender rows) and, if it was already referred, its
referral to a committee, in one submission.

The grid and the referral (``NewCaseExtras``) ride with the admin's inline formsets: they are
validated after the people's rows (a relation needs both of its rows filled in) and saved after
them, the relations through ``services.save_record`` and the referral through its step
(``steps.refer_to_committee``), in the admin's one transaction with the free-text check at its
end. What the services refuse at that point (a referral dated before the report, say) rolls the
whole submission back, and the page is shown again with the message on its field: nothing of a
refused case is saved.
"""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import ErrorList
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casetracker.core.models import Committee

from .. import services, steps
from ..models import Offender, OffenderVictimRelation, Victim

PREFIX = "new"
# The rows an add page opens with, their codes suggested (a row left as it opened is not saved).
OPEN_ROWS = {Victim: ("V", 2), Offender: ("O", 2)}
# The most cells the grid takes in one post (the rows' counts come from the post itself).
MAX_CELLS = 2_500


def cell_name(victim_row: int, offender_row: int) -> str:
    return f"relation_{victim_row}_{offender_row}"


class NewCaseRefused(Exception):
    """The services refused a relation or the referral as they were saved: by field, the messages."""

    def __init__(self, errors: dict[str | None, list[str]]):
        super().__init__(errors)
        self.errors = errors


class ExtrasForm(forms.Form):
    committee = forms.ModelChoiceField(
        label=gettext_lazy("committee"), queryset=Committee.objects.none(), required=False
    )
    referred_on = forms.DateField(label=gettext_lazy("referred on"), required=False, widget=AdminDateWidget)

    def __init__(self, *args, user, victim_rows: int, offender_rows: int, **kwargs):
        super().__init__(*args, prefix=PREFIX, **kwargs)
        # The committees the clerk may refer to (their office's, or their local office's and the office's own).
        self.fields["committee"].queryset = Committee.objects.for_user(user).select_related("office", "local_office")
        choices = NewCaseExtras.relation_choices
        self.too_many = victim_rows * offender_rows > MAX_CELLS
        if self.too_many:
            victim_rows = offender_rows = 0
        for victim_row in range(victim_rows):
            for offender_row in range(offender_rows):
                self.fields[cell_name(victim_row, offender_row)] = forms.ChoiceField(
                    label=_("relation"), choices=choices, required=False
                )

    def clean(self):
        data = super().clean()
        if self.too_many:
            raise ValidationError(
                _("Too many people for one form: save the case, then enter the relations on its page.")
            )
        if data.get("committee") and not data.get("referred_on") and "referred_on" not in self.errors:
            self.add_error("referred_on", _("Give the date of the referral."))
        if data.get("referred_on") and not data.get("committee") and "committee" not in self.errors:
            self.add_error("committee", _("Choose the committee the case was referred to."))
        return data


class NewCaseExtras:
    """The relations grid and the referral of a new case, as the admin handles a formset."""

    def __init__(self, *, data, user, victims, offenders, refused: NewCaseRefused | None = None):
        self.victims, self.offenders, self.refused = victims, offenders, refused
        self.form = ExtrasForm(data, user=user, victim_rows=len(victims.forms), offender_rows=len(offenders.forms))
        self.new_objects: list = []
        self.changed_objects: list = []
        self.deleted_objects: list = []

    # What the admin asks of a formset (its checks, its messages, its change message).

    @property
    def errors(self) -> list:
        return [self.form.errors]

    def non_form_errors(self) -> ErrorList:
        return self.form.non_field_errors()

    def is_valid(self) -> bool:
        if not self.form.is_valid():
            return False
        for (victim_row, offender_row), _relation in self.chosen_cells():
            for formset, row, message in (
                (self.victims, victim_row, _("Fill in this victim's row, or leave the relation empty.")),
                (self.offenders, offender_row, _("Fill in this offender's row, or leave the relation empty.")),
            ):
                if not self.is_saved(formset, row):
                    self.form.add_error(cell_name(victim_row, offender_row), message)
                    break
        if self.refused is not None:
            for name, messages in self.refused.errors.items():
                self.form.add_error(name if name in self.form.fields else None, messages)
        return not self.form.errors

    @staticmethod
    def is_saved(formset, row: int) -> bool:
        form = formset.forms[row]
        return form.has_changed() and not formset._should_delete_form(form)

    def chosen_cells(self) -> list[tuple[tuple[int, int], str]]:
        data = self.form.cleaned_data
        return [
            ((victim_row, offender_row), data[name])
            for victim_row in range(len(self.victims.forms))
            for offender_row in range(len(self.offenders.forms))
            if (name := cell_name(victim_row, offender_row)) in self.form.fields and data.get(name)
        ]

    # The grid, as the page shows it: a row per victim row, a cell per offender row.

    relation_choices = [("", "—"), *OffenderVictimRelation.Relation.choices]

    def header(self) -> list[tuple[int, str]]:
        return [(row, form["code"].value() or "") for row, form in enumerate(self.offenders.forms)]

    def grid(self) -> list[tuple[int, str, list]]:
        if self.form.too_many:
            return []
        return [
            (
                victim_row,
                form["code"].value() or "",
                [self.form[cell_name(victim_row, offender_row)] for offender_row in range(len(self.offenders.forms))],
            )
            for victim_row, form in enumerate(self.victims.forms)
        ]

    def save(self, *, incident, actor) -> None:
        """The relations and the referral, through the services, after the incident and its people."""
        errors: dict[str | None, list[str]] = {}
        for (victim_row, offender_row), relation in self.chosen_cells():
            record = OffenderVictimRelation(
                victim=self.victims.forms[victim_row].instance,
                offender=self.offenders.forms[offender_row].instance,
                relation=relation,
            )
            try:
                services.save_record(record=record, actor=actor)
            except ValidationError as error:
                errors[cell_name(victim_row, offender_row)] = error.messages
            else:
                self.new_objects.append(record)
        committee, referred_on = self.form.cleaned_data.get("committee"), self.form.cleaned_data.get("referred_on")
        if committee is not None and not errors:
            try:
                referral = steps.refer_to_committee(incident=incident, committee=committee, on=referred_on, actor=actor)
            except ValidationError as error:
                fields = {"requested_on": "referred_on", "committee": "committee"}
                by_field = error.error_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.error_list}
                for name, messages in by_field.items():
                    errors.setdefault(fields.get(name), []).extend(ValidationError(messages).messages)
            else:
                self.new_objects.append(referral)
        if errors:
            raise NewCaseRefused(errors)


class NewCaseMixin:
    """The incident admin's add page as the one form of a new case."""

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        opening = OPEN_ROWS.get(inline.model)
        if obj is not None and obj.pk is None and opening is not None:
            letter, count = opening
            kwargs["initial"] = [{"code": f"{letter}{number}", "kind": "student"} for number in range(1, count + 1)]
        return kwargs

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        if change:
            return formsets, inline_instances
        by_model = {formset.model: formset for formset in formsets}
        extras = NewCaseExtras(
            data=request.POST if request.method == "POST" else None,
            user=request.user,
            victims=by_model[Victim],
            offenders=by_model[Offender],
            refused=getattr(request, "new_case_refused", None),
        )
        request.new_case_extras = extras
        # (Last: the admin zips the formsets with its inlines for the page, so it shows this one
        # only where the template puts it, and validates and saves it after the people.)
        return [*formsets, extras], inline_instances

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, NewCaseExtras):
            formset.save(incident=form.instance, actor=request.user)
            return
        super().save_formset(request, form, formset, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except NewCaseRefused as refused:
            # Rolled back: the same submission shown again, the services' messages on their fields.
            request.new_case_refused = refused
            return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if add:
            context["new_case"] = getattr(request, "new_case_extras", None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        """A new case opens on its case page, where its steps are taken."""
        if "_addanother" in request.POST or "_popup" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(request, _("Case %(number)s entered.") % {"number": obj.case_number}, level="success")
        opts = self.opts
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
