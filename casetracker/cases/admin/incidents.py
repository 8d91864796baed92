"""The incident page: its victims, offenders, separations, takedown requests and committee cases
inline; the incident list, its filters and its search."""

from django import forms
from django.contrib import admin
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.forms.models import ModelChoiceIteratorValue
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casetracker.core.admin_base import (
    BaseAdmin,
    BaseTabularInline,
    GuardedChangeList,
    choice_label,
    search_words,
)
from casetracker.core.models import Committee, School

from .. import selectors, services
from ..models import (
    Incident,
    Offender,
    OffenderVictimRelation,
    Separation,
    TakedownRequest,
    Victim,
)
from ..status import Status
from .base import CaseAdminMixin, year_filter
from .finding import (
    LocalOfficeFilter,
    OfficeFilter,
    ReportDateRangeFilter,
    SchoolFilter,
    numbered_incidents,
    search_years,
    word_condition,
)
from .forms import form_for_parent
from .new_case import OPEN_ROWS, NewCaseMixin
from .saved_views import SavedViewsMixin
from .step_views import StepActionsMixin, inline_steps
from .workspace import CasePeople, case_people, case_workspace, relation_field

# The case page's inlines: Django's tabular inline, its rows written in Python (``case_inlines``).
CASE_TABULAR = "admin/cases/incident/tabular.html"


class PersonInline(CaseAdminMixin, BaseTabularInline):
    template = CASE_TABULAR
    ordering = selectors.ONE_INCIDENT["person"]  # (the model's, less the incident: no join to it and its office)
    extra = 0
    show_change_link = True

    def get_extra(self, request, obj=None, **kwargs):
        # A new case opens with rows for its first people, their codes suggested (``new_case.OPEN_ROWS``).
        return OPEN_ROWS[self.model][1] if obj is None else 0

    def get_queryset(self, request):
        # Each row's title names the case ("2024-0001 V1"): the case comes with the rows, not once per row.
        return super().get_queryset(request).select_related("incident")


class VictimInline(PersonInline):
    model = Victim
    fields = ["code", "kind", "school_level", "grade", "name"]


class OffenderInline(PersonInline):
    # (An offender with measures is not deleted: the models protect them, ``no_delete``, and the
    # page says which measures stop it.)
    model = Offender
    fields = ["code", "kind", "school_level", "grade", "expected_graduation_on", "name"]


class TakedownRequestInline(CaseAdminMixin, BaseTabularInline):
    model = TakedownRequest
    template = CASE_TABULAR
    ordering = selectors.ONE_INCIDENT["takedown"]
    fields = ["platform", "requested_on", "outcome", "answered_on", "follow_up_on"]
    extra = 0

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None else 0  # (a row a new case leaves as it opened is not saved)


def page_people(request, incident) -> CasePeople:
    """The case's people as the page read them, once for the request (the grid, the workspace, the
    separations' selects)."""
    if getattr(request, "case_people_rows", None) is None:
        request.case_people_rows = case_people(request.user, incident)
    return request.case_people_rows


class SeparationForm(forms.ModelForm):
    parent: Incident | None = None

    class Meta:
        model = Separation
        fields = ["offender", "victim", "starts_on", "ends_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.parent is not None:
            for name, model in (("offender", Offender), ("victim", Victim)):
                self.fields[name].queryset = model.objects.filter(incident_id=self.parent.pk)
                self.fields[name].label_from_instance = person_code  # (the case is the page's)


def person_code(person) -> str:
    return person.code


class SeparationFormSet(forms.BaseInlineFormSet):
    """The case's people offered once for all the rows, not read again for each row's two selects:
    those the page read already (``people``, by code, as the selects' own queries order them), or
    else read once. What is posted is checked against the fields' querysets, as before."""

    people: CasePeople | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.people_choices = {}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        for name, rows in (("offender", "offenders"), ("victim", "victims")):
            if name not in self.people_choices:
                self.people_choices[name] = self.choices_of(form.fields[name], rows)
            form.fields[name].choices = self.people_choices[name]
        return form

    def choices_of(self, field, rows: str) -> list:
        if self.people is None:
            return list(iter(field.choices))  # (no COUNT first)
        empty = [] if field.empty_label is None else [("", field.empty_label)]
        return [
            *empty,
            *((ModelChoiceIteratorValue(person.pk, person), person.code) for person in getattr(self.people, rows)),
        ]

    @property
    def empty_form(self):
        form = super().empty_form
        for name, choices in self.people_choices.items():
            form.fields[name].choices = choices
        return form


class SeparationInline(CaseAdminMixin, BaseTabularInline):
    model = Separation
    form = SeparationForm
    formset = SeparationFormSet
    template = CASE_TABULAR
    ordering = selectors.ONE_INCIDENT["separation"]
    # Named here, not read from the form: Django would build the inline's formset class once more each
    # time it asks for the fields (twice a page), and the hidden version came twice in each row.
    fields = SeparationForm.Meta.fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("offender", "victim")  # (each row's title)

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = form_for_parent(SeparationForm, obj)
        formset = super().get_formset(request, obj, **kwargs)
        if obj is None or obj.pk is None:
            return formset
        return type(formset.__name__, (formset,), {"people": page_people(request, obj)})


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


SUGGESTED_NUMBER = "suggested_case_number"


class IncidentAddForm(forms.ModelForm):
    """A new case: the number suggested when the page opened (for today's year) follows the report
    date typed, so a case reported in 2025 gets 2025-NNNN unless the clerk typed a number of their own."""

    suggested_case_number = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        number, suggested = data.get("case_number"), data.get(SUGGESTED_NUMBER)
        report_date, office = data.get("report_date"), data.get("office")
        if (
            suggested
            and number == suggested
            and report_date
            and office
            and not number.startswith(f"{report_date.year}-")
        ):
            data["case_number"] = services.next_case_number(office=office, year=report_date.year)
            self.instance.case_number = data["case_number"]
        return data


@admin.register(Incident)
class IncidentAdmin(NewCaseMixin, SavedViewsMixin, StepActionsMixin, CaseAdminMixin, BaseAdmin):
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
        ReportDateRangeFilter,
        OfficeFilter,
        LocalOfficeFilter,
        SchoolFilter,
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
    # The status is the records' (``status.py``); the closing is a step ("close the case"), as are the
    # committee cases: referred, scheduled, extended, heard and closed from the workspace's step forms.
    readonly_fields = ["current_status", "closed_on", "closure_reason"]
    inlines = [VictimInline, OffenderInline, SeparationInline, TakedownRequestInline]

    def get_changelist(self, request, **kwargs):
        return IncidentChangeList

    def get_search_results(self, request, queryset, search_term):
        """The search of ``search_fields``, as one condition on the incident's own columns.

        Each word is a case number, its sequence ("0028", ``finding.case_numbers_with_sequence``),
        a person's code (V1, O2) or part of a school's name. The schools of all the words are
        looked up first, in one query, and the incidents of their case numbers in another
        (``finding.numbered_incidents``), so the list's query is ``(id IN (...) OR school_id IN
        (...) OR EXISTS (a person of the code)) AND ...`` with only the parts that can find
        something (``finding.word_condition``), which the indexes answer (a join to the schools
        with ``LIKE`` would read every incident).
        """
        words = search_words(search_term)
        if words is None:
            return queryset.none(), False
        if not words:
            return queryset, False
        school_ids = schools_matching(words)
        numbered_ids = numbered_incidents(queryset, words, search_years(queryset, words))
        per_word = zip(words, numbered_ids, school_ids, strict=True)
        condition = Q.create([word_condition(word, numbered_ids=n, school_ids=s) for word, n, s in per_word])
        return queryset.filter(condition), False

    def get_inlines(self, request, obj):
        # A separation is between people of the case, so it comes once the case is saved.
        return self.inlines if obj is not None else [i for i in self.inlines if i is not SeparationInline]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The case's timeline, under the forms of a saved case.
        if obj is not None and obj.pk is not None:
            records = selectors.case_records(request.user, obj)
            people = self.case_people(request)
            context["timeline"] = selectors.case_timeline(request.user, obj, people=people, records=records)
            context["workspace"] = case_workspace(
                request.user, obj, records=records, people=self.people_of(request, obj)
            )
            form, people = context["adminform"].form, self.people_of(request, obj)
            context["relation_grid"] = [
                (
                    victim,
                    [
                        (
                            people.relations.get((victim.pk, offender.pk)),
                            form[name] if (name := relation_field(victim, offender)) in form.fields else None,
                        )
                        for offender in people.offenders
                    ],
                )
                for victim in people.victims
            ]
            context["takes_steps"] = self.has_change_permission(request, obj)
            if context["takes_steps"]:
                context["step_forms"] = inline_steps(context["workspace"], user=request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # The relations of the case's people, as a grid of victims by offenders in the page's form
    # (``workspace.html``): each cell a choice, saved with the page through the case services.

    def people_of(self, request, obj) -> CasePeople:
        return page_people(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        (name, options), *others = fieldsets
        return [(name, {**options, "fields": [*options["fields"], SUGGESTED_NUMBER]}), *others]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = IncidentAddForm
        elif obj.pk is not None and self.has_change_permission(request, obj):
            # The grid's cells declared on the form the admin builds its page's form from, not on a
            # subclass of that: a subclass of a model form works out its model's fields all over again.
            base = kwargs.get("form", self.form)
            cells = self.relation_cells(request, obj)
            kwargs["form"] = type(base.__name__, (base,), cells) if cells else base
        return super().get_form(request, obj, change, **kwargs)

    def relation_cells(self, request, obj) -> dict[str, forms.ChoiceField]:
        people = self.people_of(request, obj)
        # (Translated once for every cell: a lazy label is translated again each time a select shows it.)
        choices = [("", "—"), *((value, str(label)) for value, label in OffenderVictimRelation.Relation.choices)]
        return {
            relation_field(victim, offender): forms.ChoiceField(
                label=f"{victim.code} / {offender.code}",
                choices=choices,
                required=False,
                initial=getattr(people.relations.get((victim.pk, offender.pk)), "relation", ""),
            )
            for victim in people.victims
            for offender in people.offenders
        }

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            return
        people = self.people_of(request, form.instance)
        changed = [name for name in form.changed_data if name.startswith("relation_")]
        if not changed:
            return
        # (A person deleted on this page takes their relations with them: their cells are left alone.)
        kept = {
            model: set(model.objects.filter(incident=form.instance).values_list("pk", flat=True))
            for model in (Victim, Offender)
        }
        for victim in people.victims:
            for offender in people.offenders:
                name = relation_field(victim, offender)
                if name not in form.fields or name not in changed:
                    continue
                if victim.pk not in kept[Victim] or offender.pk not in kept[Offender]:
                    continue
                chosen, stored = form.cleaned_data.get(name), people.relations.get((victim.pk, offender.pk))
                if not chosen and stored is not None:
                    services.delete_record(record=stored)
                elif chosen:
                    relation = stored or OffenderVictimRelation(offender=offender, victim=victim)
                    relation.relation = chosen
                    services.save_record(record=relation, actor=request.user)

    def get_changeform_initial_data(self, request):
        # A clerk enters their own office's cases: start from their office and its next number.
        initial = super().get_changeform_initial_data(request)
        office = request.user.office
        if office is not None and "office" not in initial:
            today = timezone.localdate()
            number = services.next_case_number(office=office, year=today.year)
            initial.update(office=office.pk, report_date=today, case_number=number, **{SUGGESTED_NUMBER: number})
        return initial

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "channels":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("school level"), ordering="school__level")
    def school_level(self, obj):
        return choice_label(obj.school, "level")

    @admin.display(description=_("police"), boolean=True, ordering="police_referred_on")
    def referred_to_police(self, obj):
        return obj.police_referred_on is not None

    @admin.display(description=_("status"))
    def current_status(self, obj):
        if obj.pk is None:
            return "-"
        if obj.status_reason:
            return _("%(status)s (%(reason)s)") % {
                "status": choice_label(obj, "status"),
                "reason": choice_label(obj, "status_reason"),
            }
        return choice_label(obj, "status")


# People ---------------------------------------------------------------------------------
