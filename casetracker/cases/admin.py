"""The clerks' entry forms: an incident page with its people, takedowns and committee
cases inline; a committee-case page with its measures; a measure page with its appeals.

Every save goes through ``services`` so the admin keeps the same rules as every other path,
and every query through the user's scope (``for_user``): a case of another office does not
exist here, and an attempt to open one is on the access log.
"""

import datetime
from functools import cached_property

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from casetracker.accounts.policy import may_see_identities
from casetracker.audit.admin import HistoryAdmin
from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access
from casetracker.core.admin import ScopedAdminMixin
from casetracker.core.admin_base import (
    BadListRequest,
    BaseAdmin,
    BaseStackedInline,
    BaseTabularInline,
    GuardedChangeList,
    search_words,
)
from casetracker.core.dates import years_spanned
from casetracker.core.formatting import format_date
from casetracker.core.models import Committee, School

from . import selectors, services
from .models import (
    MEASURES_BY_LAW,
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
from .status import Status


class CappedCountPaginator(Paginator):
    """Counts a list up to ``CAP`` rows: an office's whole list is not counted to show one page.

    Past the cap, the list says "more than 1,000" (templates/admin/cases/pagination.html) and
    its pages stop there; the filters and the search reach the rest.
    """

    CAP = 1_000

    @cached_property
    def count(self) -> int:
        # Unordered: the rows counted need not be the page's, so an index-only scan can count them.
        return self.object_list.order_by()[: self.CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.CAP


class YearFilter(admin.SimpleListFilter):
    """The year of a list's main date, in place of Django's date hierarchy on the large case lists.

    The date hierarchy lists its years with a scan of the whole filtered list (MIN, MAX and
    SELECT DISTINCT over every incident of an office); here the first and last years come from
    the date index (ORDER BY ... LIMIT 1, twice), and every year between is offered (up to this
    year; a later one, written around the application, on its own: ``years_spanned``).
    """

    field_name = "report_date"
    title = _("report year")
    parameter_name = "report_date_year"

    def lookups(self, request, model_admin):
        years = years_spanned(model_admin.get_queryset(request), self.field_name)
        return [(str(year), str(year)) for year in reversed(years)]

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        # Checked here, not when filtering: a list without rows offers no year, and filters nothing.
        value = self.value()
        if value is not None and not (value.isdigit() and len(value) <= 4 and int(value) >= datetime.MINYEAR):
            raise BadListRequest(_("“%(value)s” is not a year.") % {"value": value[:20]})

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        year = int(self.value())
        # A range on the indexed column (BETWEEN), which the (office, date) index answers.
        return queryset.filter(**{f"{self.field_name}__gte": datetime.date(year, 1, 1)}).filter(
            **{f"{self.field_name}__lte": datetime.date(year, 12, 31)}
        )


def year_filter(field_name: str, title) -> type[YearFilter]:
    return type(
        f"{field_name}YearFilter",
        (YearFilter,),
        {"field_name": field_name, "title": title, "parameter_name": f"{field_name}_year"},
    )


class CaseAdminMixin(ScopedAdminMixin):
    """Scoped, identity-aware, and saving through the case services (admins and inlines)."""

    # Case lists run to a million rows: no second count of the whole unfiltered list, and the
    # filtered list counted only up to a cap.
    show_full_result_count = False
    paginator = CappedCountPaginator

    def shows_identities(self, request) -> bool:
        # Names only for those allowed to see them (by default, the clerks of the office).
        return may_see_identities(request.user)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if self.shows_identities(request) else [f for f in fields if f != "name"]

    def get_search_results(self, request, queryset, search_term):
        results = super().get_search_results(request, queryset, search_term)
        if search_term and getattr(self.model, "identity_fields", ()):
            # Every search over people is on record; the words are not (they may be a name).
            words = search_words(search_term)
            log_access(
                action=AccessLog.Action.VIEW,
                request=request,
                detail=(
                    f"search of {self.model._meta.label_lower}: "
                    + (f"{len(words)} word(s)" if words is not None else "refused, over the bounds")
                    + (", names included" if self.shows_identities(request) else ", names excluded")
                ),
            )
        return results

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and self.exists_outside_scope(object_id):
            log_access(
                action=AccessLog.Action.DENIED,
                request=request,
                detail=f"{self.model._meta.label_lower} {object_id}: outside the account's scope"[:500],
            )
        return obj

    def exists_outside_scope(self, object_id) -> bool:
        try:
            return self.model._default_manager.filter(pk=object_id).exists()
        except (ValueError, TypeError, ValidationError):
            return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original") if request.method == "GET" else None
        if original is not None and self.model in IDENTITY_MODELS:
            shown = may_see_identities(request.user)
            log_access(
                action=AccessLog.Action.VIEW,
                request=request,
                target=original,
                detail="identities shown" if shown else "identities hidden",
            )
        return response

    # The version each form was loaded at, against concurrent edits (``VersionCheckedForm``).

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets  # nothing saved here is already stored (an add page), or nothing is saved
        (name, options), *others = fieldsets
        return [(name, {**options, "fields": [*options["fields"], LOADED_VERSION]}), *others]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = version_checked(kwargs.get("form", self.form))
        return super().get_form(request, obj, change, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = version_checked(kwargs.get("form", self.form))
        return super().get_formset(request, obj, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, IntegrityError):
            if request.method != "POST":
                raise
            # Another clerk saved a clashing record (the same new case number, say) between this
            # page's checks and its save, and nothing of this post was saved. Checked again, the
            # page now shows what clashes, with what the clerk typed, instead of a server error.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # (only its inlines changed: the record stays as it is, at its version)
        services.save_record(record=obj, actor=request.user, expected_version=form.cleaned_data.get(LOADED_VERSION))

    def delete_model(self, request, obj):
        services.delete_record(record=obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.delete_record(record=obj)
        loaded_versions = {
            row.instance.pk: row.cleaned_data.get(LOADED_VERSION) for row in formset.forms if row.instance.pk
        }
        for obj in instances:
            services.save_record(record=obj, actor=request.user, expected_version=loaded_versions.get(obj.pk))
        formset.save_m2m()


# Concurrent edits ----------------------------------------------------------------------------

LOADED_VERSION = "loaded_version"


class LoadedVersionField(forms.IntegerField):
    """The record's version when the form was loaded, posted back in a hidden input.

    Never a change of its own: a stale version alone does not make an untouched row "changed".
    """

    widget = forms.HiddenInput

    def has_changed(self, initial, data) -> bool:
        return False


class VersionCheckedForm(forms.ModelForm):
    """A form of a stored case record refuses the save if the record changed since it was loaded.

    The check (``services.check_version``) locks the record's row for the rest of the
    admin's transaction, so the save that follows cannot overwrite a save made between the two.
    An untouched inline row is not saved, so it is not checked; a form posted without its
    version is refused.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if LOADED_VERSION in self.fields and self.instance.pk is not None:
            self.fields[LOADED_VERSION].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        if LOADED_VERSION in self.fields and self.instance.pk is not None:
            loaded = cleaned_data.get(LOADED_VERSION)
            if loaded is None or self.has_changed() or cleaned_data.get("DELETE"):
                services.check_version(record=self.instance, expected_version=loaded)
        return cleaned_data


def version_checked(form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """``form_class`` with the hidden loaded version and the check against concurrent edits."""
    if issubclass(form_class, VersionCheckedForm):
        return form_class
    attrs = {LOADED_VERSION: LoadedVersionField(required=False, min_value=1)}
    return type(form_class.__name__, (VersionCheckedForm, form_class), attrs)


# Pages that show people's identities: every view of one is on the access log.
IDENTITY_MODELS = (Incident, Victim, Offender)


def form_for_parent(form_class: type[forms.ModelForm], parent) -> type[forms.ModelForm]:
    """A subclass of ``form_class`` that knows the record its inline belongs to."""
    return type(form_class.__name__, (form_class,), {"parent": parent})


def measure_number_field(law: str, *, label, required: bool = True) -> forms.TypedChoiceField:
    """A select of the measures ``law`` has, instead of a bare number."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("", "---------"), *MEASURES_BY_LAW[law].choices],
        coerce=int,
        empty_value=None,
        required=required,
    )


# Incident page -------------------------------------------------------------------------


class VictimInline(CaseAdminMixin, BaseTabularInline):
    model = Victim
    fields = ["code", "kind", "school_level", "grade", "name"]
    extra = 0
    show_change_link = True


class OffenderInline(CaseAdminMixin, BaseTabularInline):
    model = Offender
    fields = ["code", "kind", "school_level", "grade", "expected_graduation_on", "name"]
    extra = 0
    show_change_link = True


class TakedownRequestInline(CaseAdminMixin, BaseTabularInline):
    model = TakedownRequest
    fields = ["platform", "requested_on", "outcome", "answered_on", "follow_up_on"]
    extra = 0


class SeparationForm(forms.ModelForm):
    parent: Incident | None = None

    class Meta:
        model = Separation
        fields = ["offender", "victim", "starts_on", "ends_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.parent is not None:
            self.fields["offender"].queryset = Offender.objects.filter(incident_id=self.parent.pk)
            self.fields["victim"].queryset = Victim.objects.filter(incident_id=self.parent.pk)


class SeparationInline(CaseAdminMixin, BaseTabularInline):
    model = Separation
    form = SeparationForm
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = form_for_parent(SeparationForm, obj)
        return super().get_formset(request, obj, **kwargs)


class CommitteeCaseFormSet(forms.BaseInlineFormSet):
    """The committee cases of one incident. The model checks each row's referral and hearing against
    the committee cases stored; here, the rows this page changes are checked against each other too
    (two new rows, say, one heard before the other's referral), each pair once."""

    def clean(self):
        super().clean()
        changed = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.has_changed()
        ]
        for position, form in enumerate(changed):
            if form.errors:
                continue
            case = form.instance
            case._other_cases = [
                (other.instance.requested_on, other.instance.hearing_date, other.instance.closed_on)
                for other in changed[:position]
            ]
            errors: dict = {}
            try:
                case.clean_referral(errors, self.instance)
            finally:
                del case._other_cases  # (the save checks again, against what is stored by then)
            for field, message in errors.items():
                form.add_error(field, message)


class CommitteeCaseInline(CaseAdminMixin, BaseTabularInline):
    model = CommitteeCase
    formset = CommitteeCaseFormSet
    # The extension is here too: the rules on it depend on the referral date, and an error
    # must land on a field the form shows (a hidden one makes the admin crash).
    fields = [
        "committee",
        "requested_on",
        "extended_on",
        "extension_reason",
        "hearing_deadline",
        "hearing_scheduled_on",
        "hearing_date",
        "closed_on",
        "closure_reason",
    ]
    readonly_fields = ["hearing_deadline"]
    autocomplete_fields = ["committee"]
    extra = 0
    show_change_link = True

    @admin.display(description=_("hearing deadline"))
    def hearing_deadline(self, obj):
        return obj.hearing_deadline or "-"


class CommitteeKindFilter(admin.SimpleListFilter):
    """Incidents referred to a committee of a kind: the incident's stored flag, not a join (and a
    DISTINCT) over its committee cases."""

    title = _("committee")
    parameter_name = "committee_kind"

    def lookups(self, request, model_admin):
        return Committee.Kind.choices

    def queryset(self, request, queryset):
        if self.value() not in Committee.Kind.values:
            return queryset
        return queryset.filter(selectors.referred_to(self.value()))


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class IncidentChangeList(GuardedChangeList):
    """The incident list leaves out the columns it does not show: on a page of a hundred rows,
    decoding their timestamps and descriptions took four times the database's own time."""

    UNSHOWN = [
        "created_at",
        "updated_at",
        "content_description",
        *(f"{related}__{field}" for related in ("office", "school") for field in ("created_at", "updated_at")),
    ]

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer(*self.UNSHOWN)


def school_name_holds(word: str) -> Q:
    return Q(name_ko__icontains=word) | Q(name_en__icontains=word)


def schools_matching(words: list[str]) -> list:
    """For each word, the ids of the schools whose name holds it, in one query for all the words;
    for a word that many schools hold (more than a query's parameters should carry), a subquery."""
    flags = {f"word_{i}": ExpressionWrapper(school_name_holds(word), BooleanField()) for i, word in enumerate(words)}
    rows = School.objects.filter(Q.create([school_name_holds(word) for word in words], connector=Q.OR)).order_by()
    ids = [set() for _word in words]
    for row in rows.annotate(**flags).values("pk", *flags):
        for index in range(len(words)):
            if row[f"word_{index}"]:
                ids[index].add(row["pk"])
    return [
        found if len(found) <= MAX_LISTED_SCHOOLS else School.objects.filter(school_name_holds(word)).values("pk")
        for word, found in zip(words, ids, strict=True)
    ]


MAX_LISTED_SCHOOLS = 500


@admin.register(Incident)
class IncidentAdmin(CaseAdminMixin, BaseAdmin):
    list_display = [
        "case_number",
        "report_date",
        "office",
        "school",
        "school_level",
        "content_kind",
        "referred_to_police",
        "current_status",
    ]
    list_display_links = ["case_number"]
    list_filter = [
        StatusFilter,
        year_filter("report_date", _("report year")),
        "office",
        "school__level",
        "content_kind",
        "image_source",
        "channels",
        CommitteeKindFilter,
    ]
    list_select_related = ["office", "school"]
    search_fields = ["=case_number", "school__name_ko", "school__name_en"]
    # Newest first, read in order from the (office, report date, id) index and stopped at the page's end.
    ordering = ["-report_date", "-pk"]
    autocomplete_fields = ["office", "school"]
    fieldsets = [
        (None, {"fields": ["office", "case_number", "report_date", "school"]}),
        (_("What was made"), {"fields": ["content_kind", "image_source", "channels", "content_description"]}),
        (_("Police"), {"fields": ["police_referred_on"]}),
        (_("Status and closure"), {"fields": ["current_status", "closed_on", "closure_reason"]}),
    ]
    readonly_fields = ["current_status"]
    inlines = [VictimInline, OffenderInline, SeparationInline, TakedownRequestInline, CommitteeCaseInline]

    def get_changelist(self, request, **kwargs):
        return IncidentChangeList

    def get_search_results(self, request, queryset, search_term):
        """The search of ``search_fields``, as one condition on the incident's own columns.

        Each word is a case number or part of a school's name. The schools of all the words
        are looked up first, in one query, so the list's query is ``(case_number = ... OR
        school_id IN (...)) AND ...``, which the indexes answer (a join to the schools with
        ``LIKE`` would read every incident).
        """
        words = search_words(search_term)
        if words is None:
            return queryset.none(), False
        if not words:
            return queryset, False
        school_ids = schools_matching(words)
        queryset = queryset.alias(case_number_upper=Upper("case_number"))  # case-insensitive, as "=" searches
        per_word = zip(words, school_ids, strict=True)
        condition = Q.create([Q(case_number_upper=word.upper()) | Q(school_id__in=ids) for word, ids in per_word])
        return queryset.filter(condition), False

    def get_inlines(self, request, obj):
        # A separation is between people of the case, so it comes once the case is saved.
        return self.inlines if obj is not None else [i for i in self.inlines if i is not SeparationInline]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The case's timeline, under the forms of a saved case.
        if obj is not None and obj.pk is not None:
            context["timeline"] = selectors.case_timeline(request.user, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_changeform_initial_data(self, request):
        # A clerk enters their own office's cases: start from their office and its next number.
        initial = super().get_changeform_initial_data(request)
        office = request.user.office
        if office is not None and "office" not in initial:
            today = timezone.localdate()
            initial.update(
                office=office.pk,
                report_date=today,
                case_number=services.next_case_number(office=office, year=today.year),
            )
        return initial

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "channels":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("school level"), ordering="school__level")
    def school_level(self, obj):
        return obj.school.get_level_display()

    @admin.display(description=_("police"), boolean=True, ordering="police_referred_on")
    def referred_to_police(self, obj):
        return obj.police_referred_on is not None

    @admin.display(description=_("status"))
    def current_status(self, obj):
        if obj.pk is None:
            return "-"
        if obj.status_reason:
            return _("%(status)s (%(reason)s)") % {
                "status": obj.get_status_display(),
                "reason": obj.get_status_reason_display(),
            }
        return obj.get_status_display()


# People ---------------------------------------------------------------------------------


class ProtectionMeasureInline(CaseAdminMixin, BaseTabularInline):
    model = ProtectionMeasure
    fields = ["number", "ordered_on", "notes"]
    extra = 0


class PersonAdmin(CaseAdminMixin, BaseAdmin):
    # Names are never listed, searched or filtered (a name would travel in the URL): only the change
    # form shows them. BaseAdmin refuses them too to anyone who may not see them, whatever is declared.
    list_display = ["code", "incident", "kind", "school_level", "grade"]
    list_filter = ["kind", "school_level", "incident__office"]
    list_select_related = ["incident"]
    search_fields = ["code", "=incident__case_number"]
    autocomplete_fields = ["incident"]
    fields = ["incident", "code", "kind", "school_level", "grade", "name"]


@admin.register(Victim)
class VictimAdmin(PersonAdmin):
    inlines = [ProtectionMeasureInline]


class RelationForm(forms.ModelForm):
    parent: Offender | None = None

    class Meta:
        model = OffenderVictimRelation
        fields = ["victim", "relation"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.parent is not None:
            self.fields["victim"].queryset = Victim.objects.filter(incident_id=self.parent.incident_id)


class RelationInline(CaseAdminMixin, BaseTabularInline):
    model = OffenderVictimRelation
    form = RelationForm
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = form_for_parent(RelationForm, obj)
        return super().get_formset(request, obj, **kwargs)


@admin.register(Offender)
class OffenderAdmin(PersonAdmin):
    fields = ["incident", "code", "kind", "school_level", "grade", "expected_graduation_on", "name"]
    inlines = [RelationInline]

    def get_inlines(self, request, obj):
        # Relations need the offender's case, so they come once the offender is saved.
        return self.inlines if obj is not None else []


# Committee cases, measures, appeals -----------------------------------------------------


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


class MeasureInline(CaseAdminMixin, BaseTabularInline):
    model = Measure
    form = MeasureForm
    fields = ["offender", "number", "decided_on", "days", "hours", "notified_on", "carried_out_on", "appeals_summary"]
    readonly_fields = ["appeals_summary"]
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
class CommitteeCaseAdmin(CaseAdminMixin, BaseAdmin):
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
    autocomplete_fields = ["incident", "committee"]
    readonly_fields = ["hearing_deadline"]
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


class AppealInline(CaseAdminMixin, BaseStackedInline):
    model = Appeal
    form = AppealForm
    formset = AppealFormSet
    fk_name = "measure"
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = form_for_parent(AppealForm, obj)
        return super().get_formset(request, obj, **kwargs)


@admin.register(Measure)
class MeasureAdmin(CaseAdminMixin, BaseAdmin):
    form = MeasureForm
    list_display = ["__str__", "committee_case", "offender", "law", "decided_on", "is_final"]
    list_filter = [year_filter("decided_on", _("year decided")), "law", "number", "committee_case__committee__office"]
    list_select_related = ["committee_case__incident", "committee_case__committee", "offender__incident"]
    search_fields = ["=committee_case__incident__case_number", "offender__code"]
    autocomplete_fields = ["committee_case", "offender"]
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

    def get_readonly_fields(self, request, obj=None):
        # A measure stays with its case and offender; correct those by deleting it.
        return ["committee_case", "offender"] if obj is not None else []

    @admin.display(description=_("final"), boolean=True)
    def is_final(self, obj):
        return obj.is_final


@admin.register(Appeal)
class AppealAdmin(CaseAdminMixin, BaseAdmin):
    form = AppealForm
    list_display = ["__str__", "measure", "appellant", "filed_on", "outcome", "decided_on"]
    list_filter = [year_filter("filed_on", _("year filed")), "outcome", "kind", "appellant"]
    list_select_related = ["measure"]
    search_fields = ["=measure__committee_case__incident__case_number"]
    autocomplete_fields = ["measure"]

    def get_fields(self, request, obj=None):
        return ["measure", *AppealForm.Meta.fields]


# The change trail of every case model, read-only, for admins.
for _model in (Incident, Victim, Offender, OffenderVictimRelation, TakedownRequest, ProtectionMeasure, Separation):
    admin.site.register(_model.history.model, HistoryAdmin)
for _model in (CommitteeCase, Measure, Appeal):
    admin.site.register(_model.history.model, HistoryAdmin)
