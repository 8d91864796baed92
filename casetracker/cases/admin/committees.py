"""Committee cases, measures and appeals: a committee case with its measures inline, a measure
with its appeals."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from casetracker.core.admin_base import (
    BaseAdmin,
    BaseStackedInline,
    BaseTabularInline,
)
from casetracker.core.formatting import format_date

from ..models import (
    Appeal,
    CommitteeCase,
    Measure,
    Offender,
)
from .base import CaseAdminMixin, year_filter
from .forms import form_for_parent, measure_number_field


class MeasureForm(forms.ModelForm):
    parent: CommitteeCase | None = None

    class Meta:
        model = Measure
        fields = ["offender", "number", "decided_on", "days", "hours", "notified_on", "carried_out_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.parent or getattr(self.instance, "committee_case", None)
        if case is not None:
            law = case.law
            self.fields["number"] = measure_number_field(law, label=Measure._meta.get_field("number").verbose_name)
            if "offender" in self.fields:
                self.fields["offender"].queryset = Offender.objects.filter(
                    incident_id=case.incident_id, kind=Offender.Kind.STUDENT
                )


# What the workflow's steps write (``steps``, from the case page's step forms): read-only on these
# pages, so that a case's status moves only by its steps. A measure is decided with its hearing
# ("record the hearing"), carried out, appealed and its appeal decided by a step; a committee case
# is referred, scheduled, extended, heard and closed by a step.
MEASURE_STEP_FIELDS = ["decided_on", "carried_out_on"]
APPEAL_STEP_FIELDS = ["outcome", "decided_on", "replacement_number", "replacement_days", "replacement_hours"]
COMMITTEE_CASE_STEP_FIELDS = [
    "committee",
    "requested_on",
    "extended_on",
    "extension_reason",
    "hearing_scheduled_on",
    "hearing_date",
    "closed_on",
    "closure_reason",
]


class StepRecordsOnly:
    """Records that only a step creates, and no page deletes: no "add" and no "delete" here (nor the
    list's bulk delete, nor a row's delete box in the inlines), whoever asks, so that a case's status
    moves only by its steps. An entry error in what a step wrote is corrected, with its reason, by
    the correction beside the step on the case page (``cases.corrections``: the referral, the
    hearing date, its deadline's extension and schedule, a measure, its carrying out, an appeal
    entered by mistake or its decision, a closing); the rest on
    these pages' fields the steps do not write (a measure's number, days and notice date; an
    appeal's party, kind and filing date)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MeasureInline(StepRecordsOnly, CaseAdminMixin, BaseTabularInline):
    model = Measure
    form = MeasureForm
    fields = ["offender", "number", "decided_on", "days", "hours", "notified_on", "carried_out_on", "appeals_summary"]
    readonly_fields = ["offender", *MEASURE_STEP_FIELDS, "appeals_summary"]
    extra = 0
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = form_for_parent(MeasureForm, obj)
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("offender", "ordered_by_appeal").prefetch_related("appeals")

    @admin.display(description=_("appeals"))
    def appeals_summary(self, obj):
        if obj.pk is None:
            return "-"
        lines = []
        if obj.ordered_by_appeal_id:
            lines.append((_("ordered by an appeal decided on %(date)s") % {"date": format_date(obj.decided_on)},))
        lines.extend((str(appeal),) for appeal in obj.appeals.all())
        return format_html_join("", "<div>{}</div>", lines) if lines else "-"


@admin.register(CommitteeCase)
class CommitteeCaseAdmin(StepRecordsOnly, CaseAdminMixin, BaseAdmin):
    list_display = [
        "incident",
        "committee",
        "requested_on",
        "hearing_deadline",
        "hearing_date",
        "heard_late",
        "closure_reason",
        "measure_count",
    ]
    list_filter = [
        year_filter("requested_on", _("year referred")),
        "committee__kind",
        "committee__office",
        "closure_reason",
    ]
    list_select_related = ["incident", "committee"]
    search_fields = ["=incident__case_number", "committee__name_ko", "committee__name_en"]
    readonly_fields = ["incident", "hearing_deadline", *COMMITTEE_CASE_STEP_FIELDS]
    fieldsets = [
        (None, {"fields": ["incident", "committee", "requested_on"]}),
        (_("Deadline"), {"fields": ["hearing_deadline", "extended_on", "extension_reason"]}),
        (_("Hearing or closure"), {"fields": ["hearing_scheduled_on", "hearing_date", "closed_on", "closure_reason"]}),
    ]
    inlines = [MeasureInline]

    def get_inlines(self, request, obj):
        # Measures depend on the committee (which law) and the incident (which offenders).
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        # Grouping drops Meta.ordering; keep it so autocomplete pages are stable.
        queryset = super().get_queryset(request).annotate(measure_total=Count("measures"))
        return queryset.order_by(*self.model._meta.ordering)

    @admin.display(description=_("hearing deadline"))
    def hearing_deadline(self, obj):
        return obj.hearing_deadline or "-"

    @admin.display(description=_("heard late"), boolean=True)
    def heard_late(self, obj):
        return obj.heard_late

    @admin.display(description=_("measures"), ordering="measure_total")
    def measure_count(self, obj):
        return obj.measure_total


class AppealForm(forms.ModelForm):
    parent: Measure | None = None

    class Meta:
        model = Appeal
        fields = [
            "appellant",
            "kind",
            "filed_on",
            "outcome",
            "decided_on",
            "replacement_number",
            "replacement_days",
            "replacement_hours",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        measure = self.parent or getattr(self.instance, "measure", None)
        if measure is not None and "replacement_number" in self.fields:
            self.fields["replacement_number"] = measure_number_field(
                measure.law, label=Appeal._meta.get_field("replacement_number").verbose_name, required=False
            )


class AppealFormSet(forms.BaseInlineFormSet):
    """The appeals of one measure: the models check each against those stored; here, against each other."""

    def clean(self):
        super().clean()
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        superseding = [form for form in kept if form.cleaned_data.get("outcome") in Appeal.SUPERSEDING_OUTCOMES]
        if len(superseding) > 1:
            raise forms.ValidationError(_("A measure can be changed or revoked on appeal only once."))
        pending: set[tuple[str, str]] = set()
        for form in kept:
            data = form.cleaned_data
            if data.get("outcome") != Appeal.Outcome.PENDING:
                continue
            party = (data.get("appellant"), data.get("kind"))
            if party in pending:
                form.add_error(
                    "appellant",
                    _("An appeal of this kind by the same party is already pending against this measure."),
                )
            pending.add(party)


class AppealInline(StepRecordsOnly, CaseAdminMixin, BaseStackedInline):
    model = Appeal
    form = AppealForm
    formset = AppealFormSet
    fk_name = "measure"
    readonly_fields = APPEAL_STEP_FIELDS
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = form_for_parent(AppealForm, obj)
        return super().get_formset(request, obj, **kwargs)


@admin.register(Measure)
class MeasureAdmin(StepRecordsOnly, CaseAdminMixin, BaseAdmin):
    form = MeasureForm
    list_display = ["__str__", "committee_case", "offender", "law", "decided_on", "is_final"]
    list_filter = [year_filter("decided_on", _("year decided")), "law", "number", "committee_case__committee__office"]
    list_select_related = ["committee_case__incident", "committee_case__committee", "offender__incident"]
    search_fields = ["=committee_case__incident__case_number", "offender__code"]
    fields = [
        "committee_case",
        "offender",
        "number",
        "decided_on",
        "days",
        "hours",
        "notified_on",
        "carried_out_on",
        "deleted_from_record_on",
    ]
    inlines = [AppealInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_finality()

    # A measure stays with its case and offender.
    readonly_fields = ["committee_case", "offender", *MEASURE_STEP_FIELDS]

    @admin.display(description=_("final"), boolean=True)
    def is_final(self, obj):
        return obj.is_final


@admin.register(Appeal)
class AppealAdmin(StepRecordsOnly, CaseAdminMixin, BaseAdmin):
    form = AppealForm
    readonly_fields = ["measure", *APPEAL_STEP_FIELDS]
    list_display = ["__str__", "measure", "appellant", "filed_on", "outcome", "decided_on"]
    list_filter = [year_filter("filed_on", _("year filed")), "outcome", "kind", "appellant"]
    list_select_related = ["measure"]
    search_fields = ["=measure__committee_case__incident__case_number"]

    def get_fields(self, request, obj=None):
        return ["measure", *AppealForm.Meta.fields]
