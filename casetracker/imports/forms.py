from django import forms
from django.utils.translation import gettext_lazy as _

from casetracker.core.models import Office

ACCEPTED = ".xlsx,.csv,.zip"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (a workbook, or the CSV files of the layout)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data] or single(None, initial)
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Workbook or CSV files"),
        help_text=_("An .xlsx workbook, the CSV files of the layout, or a .zip of them."),
    )


class ExportForm(forms.Form):
    office = forms.ModelChoiceField(
        queryset=Office.objects.none(), label=_("office of education"), to_field_name="code"
    )
    format = forms.ChoiceField(
        label=_("format"), choices=[("xlsx", _("Excel workbook (.xlsx)")), ("zip", _("CSV files (.zip)"))]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = Office.objects.for_user(user)
