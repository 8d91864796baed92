"""What every entry form of a case record shares: the check against concurrent edits (the version
a form was loaded at), a form that knows the record its inline belongs to, and a select of a
law's measures."""

from django import forms

from .. import services
from ..models import (
    MEASURES_BY_LAW,
)

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
