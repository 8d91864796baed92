"""The victims' and offenders' pages: a victim's protection measures, an offender's relations to
the victims of the case. Names only on the change form, and only for those who may see them."""

from django import forms
from django.contrib import admin

from casetracker.core.admin_base import (
    BaseAdmin,
    BaseTabularInline,
)

from ..models import (
    Offender,
    OffenderVictimRelation,
    ProtectionMeasure,
    Victim,
)
from .base import CaseAdminMixin
from .forms import form_for_parent


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
