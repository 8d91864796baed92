"""The filters every report shares, reflected in the URL (django-filter)."""

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casetracker.cases import selectors
from casetracker.cases.models import Incident
from casetracker.core.models import Committee, Office, SchoolLevel


class ReportFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period cannot be before its start."))
        return cleaned


def offices_for_request(request):
    return Office.objects.for_user(request.user) if request is not None else Office.objects.none()


class ReportFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        field_name="report_date",
        lookup_expr="gte",
        label=_("reported from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="report_date",
        lookup_expr="lte",
        label=_("reported until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    office = django_filters.ModelChoiceFilter(
        queryset=offices_for_request, to_field_name="code", label=_("office of education")
    )
    school_level = django_filters.ChoiceFilter(
        field_name="school__level", choices=SchoolLevel.choices, label=_("school level")
    )
    committee_kind = django_filters.ChoiceFilter(
        choices=Committee.Kind.choices, method="referred_to", label=_("committee")
    )

    class Meta:
        model = Incident
        fields = ["date_from", "date_to", "office", "school_level", "committee_kind"]
        form = ReportFilterForm

    def referred_to(self, queryset, name, value):
        return queryset.filter(selectors.referred_to(value))

    def on_incident(self) -> Q:
        """The filters in use (bound and valid) as one condition on an incident: what ``qs`` keeps of
        the incidents in scope, for the rows of other units to be filtered through their incident."""
        condition = Q()
        for name, value in self.form.cleaned_data.items():
            if value in (None, ""):
                continue
            definition = self.filters[name]
            if definition.method == "referred_to":
                condition &= selectors.referred_to(value)
            elif definition.method is None and not definition.exclude:
                condition &= Q(**{f"{definition.field_name}__{definition.lookup_expr}": value})
            else:
                raise ImproperlyConfigured(f"The report filter {name!r} has no condition on an incident.")
        return condition

    @property
    def applied(self) -> list[tuple[str, str]]:
        """(label, value) of each filter in use, for titles and files."""
        if not self.is_bound or not self.form.is_valid():
            return []
        applied = []
        for name, value in self.form.cleaned_data.items():
            if value in (None, ""):
                continue
            field = self.form.fields[name]
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                value = dict(field.choices).get(value, value)
            applied.append((str(field.label), str(value)))
        return applied

    @property
    def params(self) -> dict[str, str]:
        """The filters in use as URL parameters (for drill-down links and files)."""
        return {name: self.data[name] for name in self.filters if self.data.get(name)}
