"""The base of every admin of the project (``BaseAdmin``, and the inlines' ``BaseTabularInline`` and
``BaseStackedInline``): a list answers only what it declares, and a form only what it can hold.

- A list takes its declared filters (``list_filter``, ``date_hierarchy``), its search and the
  admin's own parameters (page, order, popup). Django's admin also takes any lookup on the
  model's own columns (``?name__startswith=``, ``?content_description__regex=(``): here any
  other parameter, and any value a filter cannot hold, is refused with a 400 page that says why.
- Identity fields (a model's ``identity_fields``, such as a victim's name) are searched and
  filtered only for those who may see identities (``shows_identities``; nobody, by default).
- The search is at most ``MAX_SEARCH_WORDS`` words and ``MAX_SEARCH_LENGTH`` characters, and
  the list says so under its search box.
- A posted foreign key or many-to-many value the database cannot hold (an id of 30 digits) is an
  invalid choice, and a formset's tampered management form (negative counts) an error on the form.
- The history page names the changed fields in the reader's language (``change_messages``).

``casetracker.site`` gives third-party admins (axes, django-otp) the same base when they register.
"""

import datetime
import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.exceptions import DisallowedModelAdminLookup, DisallowedModelAdminToField
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR, SEARCH_VAR, ChangeList, ChangeListSearchForm
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator
from django.db import connections, models, router
from django.db.models.constants import LOOKUP_SEP
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT, ManagementForm
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from .change_messages import field_labels, with_model_labels

MAX_SEARCH_WORDS = 10
MAX_SEARCH_LENGTH = 200
# Longer than any value a filter offers; the search has its own, smaller, bound.
MAX_PARAMETER_LENGTH = 100
# The admin's own parameters (Django's IGNORED_PARAMS, the page and the error flag).
ADMIN_PARAMETERS = frozenset({"all", "o", "q", "_facets", "_popup", "_to_field", PAGE_VAR, ERROR_FLAG})


class BadListRequest(Exception):
    """A list asked for with a parameter it does not declare, or a value it cannot hold."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# Search --------------------------------------------------------------------------------------


def search_words(search_term: str) -> list[str] | None:
    """The words of a search (quoted phrases as one word), or None past the bounds (or with a NUL
    byte, which PostgreSQL refuses in a query's text)."""
    if len(search_term) > MAX_SEARCH_LENGTH or "\x00" in search_term:
        return None
    words = []
    for word in smart_split(search_term):
        if len(words) == MAX_SEARCH_WORDS:
            return None
        words.append(unescape_string_literal(word) if word[0] in "\"'" and word[0] == word[-1] else word)
    return words


def validate_search_words(value: str) -> None:
    # The length and NUL bytes are the field's own checks; here the words.
    if search_words(value[:MAX_SEARCH_LENGTH].replace("\x00", "")) is None:
        raise ValidationError(
            ngettext_lazy("Search for at most %(max)d word.", "Search for at most %(max)d words.", "max"),
            params={"max": MAX_SEARCH_WORDS},
            code="too_many_words",
        )


class BoundedSearchForm(ChangeListSearchForm):
    """The list's search box, bounded: a longer search is refused with a message, not run."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[SEARCH_VAR] = forms.CharField(
            required=False, strip=False, max_length=MAX_SEARCH_LENGTH, validators=[validate_search_words]
        )


SEARCH_HELP = _("Up to %(words)d words and %(length)d characters; every word must match.")


# Identities ----------------------------------------------------------------------------------


def reaches_identity(model, path: str) -> bool:
    """Whether a search field or filter path (``name``, ``incident__victims__name``) ends on, or
    passes through, a field some model declares in its ``identity_fields``."""
    for part in path.lstrip("^=@").split(LOOKUP_SEP):
        if part in getattr(model, "identity_fields", ()):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a lookup (``__exact``) or a transform: the path has ended
        if not field.is_relation:
            return False
        model = field.related_model
    return False


# Lists ---------------------------------------------------------------------------------------


def check_parameter_values(query) -> None:
    for name, values in query.lists():
        for value in values:
            if name != SEARCH_VAR and ("\x00" in value or len(value) > MAX_PARAMETER_LENGTH):
                raise BadListRequest(_("The address of this list holds a value that no filter can take."))


def check_date_hierarchy(field_name: str, query) -> None:
    """The date hierarchy's year, month and day, where Django would overflow on a huge number
    (30 digits) or on the year after 9999."""
    for part, low, high in (("year", 1, datetime.MAXYEAR - 1), ("month", 1, 12), ("day", 1, 31)):
        value = query.get(f"{field_name}__{part}")
        if value is not None and not (value.isdigit() and len(value) <= 4 and low <= int(value) <= high):
            raise BadListRequest(_("“%(value)s” is not a date this list can show.") % {"value": value})


@functools.cache
def _choice_labels(model, field_name: str) -> dict:
    return dict(model._meta.get_field(field_name).flatchoices)


def choice_label(instance: models.Model, field_name: str):
    """``instance.get_<field>_display()``, its choices' dict made once rather than for each row of a
    list (Django makes it hashable again on every call)."""
    value = getattr(instance, field_name)
    label = _choice_labels(type(instance), field_name).get(value)
    return value if label is None else str(label)


class GuardedChangeList(ChangeList):
    """A list of only its declared filters and search (see the module's docstring)."""

    search_form_class = BoundedSearchForm

    def __init__(self, request, *args, **kwargs):
        check_parameter_values(request.GET)
        try:
            super().__init__(request, *args, **kwargs)
        except IncorrectLookupParameters as error:
            # Django would redirect to the bare list (``?e=1``) without a word about why.
            raise BadListRequest(
                _("This list cannot be shown with these filters or this page number. Start again from the full list.")
            ) from error

    def get_filters(self, request):
        query = request.GET
        if self.date_hierarchy:
            check_date_hierarchy(self.date_hierarchy, query)
        undeclared = [name for name in query if not self.declares(request, name)]
        if undeclared:
            raise BadListRequest(
                _("This list cannot be filtered by “%(names)s”: use its filters or its search.")
                % {"names": ", ".join(sorted(undeclared))[:200]}
            )
        specs, has_filters, remaining, may_have_duplicates, has_active_filters = super().get_filters(request)
        # What no filter took can only be a declared filter's field itself (``?action=login``, an
        # equality on it) or the date hierarchy's own range (a parameter named like it was refused
        # above, or taken by the date's own filter).
        hierarchy = {f"{self.date_hierarchy}__gte", f"{self.date_hierarchy}__lt"} if self.date_hierarchy else set()
        leftover = set(remaining) - hierarchy - self.model_admin.filtered_fields(request)
        if leftover:
            raise BadListRequest(
                _("This list cannot be filtered by “%(names)s”: use its filters or its search.")
                % {"names": ", ".join(sorted(leftover))[:200]}
            )
        return specs, has_filters, remaining, may_have_duplicates, has_active_filters

    def declares(self, request, name: str) -> bool:
        return name in ADMIN_PARAMETERS or self.model_admin.lookup_allowed(name, None, request)


def translated_choices(choices: list) -> list:
    """Choices, groups included, with their labels made strings in the active language."""
    return [
        (value, translated_choices(label)) if isinstance(label, (list, tuple)) else (value, str(label))
        for value, label in choices
    ]


class FormGuardMixin:
    """Foreign keys, many-to-many fields and formsets that refuse what the database cannot hold."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", KeyCheckedChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", KeyCheckedMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        # The labels translated once, as the form's class is made for each request (in its language):
        # a lazy label is translated again for each row's select, some 500 times on the case page.
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if getattr(field, "choices", None) is not None:
            field.choices = translated_choices(list(field.choices))  # (Django's blank choice first, a lazy iterator)
        return field


class BaseAdmin(FormGuardMixin, admin.ModelAdmin):
    """Every admin's base: see the module's docstring."""

    def shows_identities(self, request) -> bool:
        """Whether this admin searches and filters identity fields for ``request``'s user."""
        return False

    def get_changelist(self, request, **kwargs):
        # An admin with a list of its own bases it on GuardedChangeList (tests/core/test_admin_lists.py).
        return GuardedChangeList

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except (BadListRequest, DisallowedModelAdminLookup, DisallowedModelAdminToField) as error:
            return self.bad_list_request(request, getattr(error, "message", None))

    def bad_list_request(self, request, message) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": _("This list cannot be shown"),
            "message": message or _("This list cannot be shown with these parameters."),
            "opts": self.model._meta,
            "list_url": request.path,
        }
        return TemplateResponse(request, "admin/bad_request.html", context, status=400)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        actions = getattr(response, "context_data", {}).get("action_list")
        if actions is not None:
            labels = field_labels(self.model, *(inline.model for inline in self.inlines))
            for action in actions:  # (the page's entries, shown once: not saved)
                action.change_message = with_model_labels(action.change_message, labels)
        return response

    def action_checkbox(self, obj):
        """Django's checkbox of a list's row, the same HTML written out: rendering a widget's template
        for each of a hundred rows took a third of the case list's time (issue 20)."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    def response_action(self, request, queryset):
        # The rows ticked for an action are ids: one the database cannot hold (30 digits, text)
        # is a message, not a server error.
        if not all(storable(self.model, None, key) for key in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)):
            message = _("The rows ticked are not rows of this list: nothing was done.")
            self.message_user(request, message, messages.ERROR)
            return None  # the list again, as Django does when no row is ticked
        return super().response_action(request, queryset)

    def lookup_allowed(self, lookup, value, request=None):
        """Only the declared filters' parameters and the date hierarchy's."""
        if self.date_hierarchy and lookup in {f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day")}:
            return True
        for item in self.get_list_filter(request) if request is not None else self.list_filter:
            if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
                if lookup == item.parameter_name:
                    return True
                continue
            if isinstance(item, type) and issubclass(item, admin.ListFilter):
                # A filter of several parameters (a date range) names them.
                if lookup in getattr(item, "parameters", ()):
                    return True
                continue
            path = item[0] if isinstance(item, (list, tuple)) else item
            # A field's filter takes ``path__exact``, ``path__isnull``, ``path__id__exact``, ...;
            # which of them it really reads is checked once it has read them (``get_filters``).
            if lookup == path or lookup.startswith(f"{path}{LOOKUP_SEP}"):
                return True
        return False

    def filtered_fields(self, request) -> set[str]:
        """The field paths of the declared filters (not their filter classes' own parameters)."""
        return {
            item[0] if isinstance(item, (list, tuple)) else item
            for item in self.get_list_filter(request)
            if not isinstance(item, type)
        }

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if self.shows_identities(request):
            return filters
        return [item for item in filters if not self.filters_identity(item)]

    def filters_identity(self, item) -> bool:
        if isinstance(item, type):
            return False  # a filter class reads its own parameter, not a field path
        return reaches_identity(self.model, item[0] if isinstance(item, (list, tuple)) else item)

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if self.shows_identities(request):
            return fields
        return [field for field in fields if not reaches_identity(self.model, str(field))]

    @property
    def search_help_text(self):
        return SEARCH_HELP % {"words": MAX_SEARCH_WORDS, "length": MAX_SEARCH_LENGTH}

    def get_search_results(self, request, queryset, search_term):
        # The list's search box is bounded by its form; the autocompletes send their term here directly.
        if search_words(search_term) is None:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def get_changelist_formset(self, request, **kwargs):
        return checked_formset(super().get_changelist_formset(request, **kwargs))

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            if type(inline_formset) is helpers.InlineAdminFormSet:
                inline_formset.__class__ = InlineFormSetMedia
        return inline_formsets


class InlineFormSetMedia(helpers.InlineAdminFormSet):
    """An inline's media from its formset's, as the formset's own is its first form's: Django's
    walks every row to add each row's form media (the same widgets) and its fieldsets' (none since
    Django 5.1), a tenth of the case page's time for nothing (issue 20)."""

    @property
    def media(self):
        return self.opts.media + self.formset.media


class InlineGuardMixin(FormGuardMixin):
    def get_formset(self, request, obj=None, **kwargs):
        return checked_formset(super().get_formset(request, obj, **kwargs))


class BaseTabularInline(InlineGuardMixin, admin.TabularInline):
    pass


class BaseStackedInline(InlineGuardMixin, admin.StackedInline):
    pass


# Forms ---------------------------------------------------------------------------------------


def storable(model, field_name: str | None, value) -> bool:
    """Whether ``value`` can be a key of ``model`` (its ``field_name``, or its primary key) in the
    database at all: an id of 30 digits is not, and querying it is an error on SQLite."""
    if isinstance(value, models.Model):
        return True  # an initial value, not a posted one
    field = model._meta.get_field(field_name) if field_name else model._meta.pk
    try:
        key = field.to_python(value)
    except ValidationError:
        return False
    if isinstance(key, int) and not isinstance(key, bool):
        low, high = connections[router.db_for_read(model)].ops.integer_field_range(field.get_internal_type())
        return (low is None or key >= low) and (high is None or key <= high)
    return True


class KeyCheckedChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not storable(self.queryset.model, self.to_field_name, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)

    def prepare_value(self, value):
        # What the widget shows: a posted value shown again with its error, or an initial value
        # from the address (``add/?school=...``); an autocomplete looks it up.
        value = super().prepare_value(value)
        if value in self.empty_values or storable(self.queryset.model, self.to_field_name, value):
            return value
        return None


class KeyCheckedMultipleChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        self.check_keys(value)  # before ``prepare_value`` leaves out what it cannot show
        return super().clean(value)

    def _check_values(self, value):
        self.check_keys(value)
        return super()._check_values(value)

    def check_keys(self, value):
        for key in value if isinstance(value, (list, tuple)) else ():
            if not storable(self.queryset.model, self.to_field_name, key):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(key)[:40]}
                )

    def prepare_value(self, value):
        value = super().prepare_value(value)
        if isinstance(value, (list, tuple)):
            return [key for key in value if storable(self.queryset.model, self.to_field_name, key)]
        return value


class CheckedManagementForm(ManagementForm):
    """Counts that cannot be negative, no more rows than the formset takes (Django would build and
    check up to twice as many forms before refusing them), and no more stored rows than rows."""

    TOTAL_FORMS = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    INITIAL_FORMS = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, max_forms: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[TOTAL_FORM_COUNT].max_value = max_forms
        self.fields[TOTAL_FORM_COUNT].validators.append(MaxValueValidator(max_forms))

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data[INITIAL_FORM_COUNT] > cleaned_data[TOTAL_FORM_COUNT]:
            self.add_error(INITIAL_FORM_COUNT, _("More stored rows than rows."))
            cleaned_data.update({TOTAL_FORM_COUNT: 0, INITIAL_FORM_COUNT: 0})
        return cleaned_data


class CheckedManagementFormMixin:
    @cached_property
    def management_form(self):
        if not self.is_bound:
            return super().management_form
        form = CheckedManagementForm(
            self.data, auto_id=self.auto_id, prefix=self.prefix, renderer=self.renderer, max_forms=self.max_num
        )
        form.full_clean()
        return form


class OneEmptyFormMixin:
    @cached_property
    def empty_form(self):
        # The template row of "add another", built once: Django builds a new one each time it is
        # asked for, and the admin asks for it for the page's media, for its rows and for its script.
        return super().empty_form


def checked_formset(formset_class):
    if issubclass(formset_class, CheckedManagementFormMixin):
        return formset_class
    return type(formset_class.__name__, (CheckedManagementFormMixin, OneEmptyFormMixin, formset_class), {})
