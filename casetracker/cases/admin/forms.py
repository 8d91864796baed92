"""What every entry form of a case record shares: the check against concurrent edits (the version
a form was loaded at), the identifiers found in its free text marked on their fields, a form that
knows the record its inline belongs to, and a select of a law's measures."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .. import free_text, services
from ..identifiers import Found, find_identifiers
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

    # Set on the forms of a page shown again after a submission refused for identifiers
    # (``identifiers_marked``): the people of the case, and the page's summary of what was found.
    identifier_people: free_text.People | None = None
    identifier_summary: SafeString | None = None

    def clean(self):
        cleaned_data = super().clean()
        if LOADED_VERSION in self.fields and self.instance.pk is not None:
            loaded = cleaned_data.get(LOADED_VERSION)
            if loaded is None or self.has_changed() or cleaned_data.get("DELETE"):
                services.check_version(record=self.instance, expected_version=loaded)
        if self.identifier_people is not None:
            self.mark_identifiers(cleaned_data)
        return cleaned_data

    def _update_errors(self, errors):
        # A rule of the record may name a field this form shows read-only (a step's date, say): its
        # message goes above the form, where it is read, instead of failing the page.
        if hasattr(errors, "error_dict"):
            shown = {
                name if name in self.fields or name == NON_FIELD_ERRORS else NON_FIELD_ERRORS
                for name in errors.error_dict
            }
            if shown != set(errors.error_dict):
                moved: dict = {}
                for name, messages in errors.error_dict.items():
                    key = name if name in self.fields else NON_FIELD_ERRORS
                    moved.setdefault(key, []).extend(messages)
                errors = ValidationError(moved)
        super()._update_errors(errors)

    def mark_identifiers(self, cleaned_data) -> None:
        """On each free-text field, the identifiers it holds, marked; the summary on the page's form."""
        for name in free_text.TEXT_FIELDS.get(self._meta.model, ()):
            text = cleaned_data.get(name)
            if name in self.fields and text and not cleaned_data.get("DELETE"):
                found = find_identifiers(text, people=self.identifier_people)
                if found:
                    self.add_error(name, marked(text, found))
        if self.identifier_summary is not None:
            self.add_error(None, self.identifier_summary)


def marked(text: str, found: list[Found]) -> SafeString:
    """``text`` (escaped) with each identifier found in 【】 and its kind after it."""
    pieces, end = [], 0
    for item in found:
        pieces.append(
            format_html("{}<mark>【{}】</mark>({})", text[end : item.start], text[item.start : item.end], item.label)
        )
        end = item.end
    pieces.append(format_html("{}", text[end:]))
    return format_html(
        "{}<br>{}",
        _("This text holds identifiers (marked 【】): write the people's codes and leave out direct identifiers."),
        mark_safe("".join(pieces)),  # noqa: S308 (each piece is escaped by format_html)
    )


REPLACE_IDENTIFIERS = "_replace_identifiers"


def identifiers_summary(findings: list[free_text.TextFinding]) -> SafeString:
    """What a refused submission found, by record and field (no identifier), and the one-click replacement."""
    listed = format_html_join(
        "",
        "<li>{}: {}</li>",
        (
            (
                f"{finding.model._meta.verbose_name} · {finding.model._meta.get_field(finding.field).verbose_name}",
                ", ".join(finding.kinds),
            )
            for finding in findings
        ),
    )
    return format_html(
        '{}<ul>{}</ul><button type="submit" name="{}" value="1" class="button default">{}</button>',
        _("Nothing was saved: the case's free text holds the names of its people or direct identifiers."),
        listed,
        REPLACE_IDENTIFIERS,
        _("Replace the identifiers found with the codes and save"),
    )


def identifiers_marked(
    form_class: type[forms.ModelForm], people: free_text.People, summary: SafeString | None = None
) -> type[forms.ModelForm]:
    """``form_class`` that marks the identifiers its free text holds (and shows ``summary``, if given)."""
    attrs = {"identifier_people": people, "identifier_summary": summary}
    return type(form_class.__name__, (form_class,), attrs)


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
