"""The base of every case admin and inline: scoped, identity-aware, on the access log, saving
through the case services; and the paginator and year filter of the large case lists."""

import datetime
from functools import cached_property

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, router, transaction
from django.utils.translation import gettext_lazy as _

from casetracker.accounts.policy import sees_identities_of
from casetracker.audit.models import AccessLog
from casetracker.audit.sentences import IDENTITIES_HIDDEN, IDENTITIES_SHOWN, SEARCH_OF
from casetracker.audit.services import log_access
from casetracker.core.admin import ScopedAdminMixin
from casetracker.core.admin_base import (
    BadListRequest,
    search_words,
)
from casetracker.core.dates import years_spanned

from .. import services
from ..free_text import TEXT_FIELDS, IdentifierError
from ..models import (
    Incident,
    Offender,
    Victim,
)
from ..visibility import CasePeople, protect_record
from .forms import LOADED_VERSION, REPLACE_IDENTIFIERS, identifiers_marked, identifiers_summary, version_checked


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


# Pages that show people's identities: every view of one is on the access log.
IDENTITY_MODELS = (Incident, Victim, Offender)


class CaseAdminMixin(ScopedAdminMixin):
    """Scoped, identity-aware, and saving through the case services (admins and inlines)."""

    # Case lists run to a million rows: no second count of the whole unfiltered list, and the
    # filtered list counted only up to a cap.
    show_full_result_count = False
    paginator = CappedCountPaginator

    def shows_identities(self, request) -> bool:
        # Names only for those allowed to see them (``accounts.policy.FIELD_ACCESS``: the clerks of
        # the office, the only ones whose scope reaches a case and who see names).
        return sees_identities_of(request.user, request.user.office_id)

    # Narratives for those who may only read the record: in the form the policy gives them
    # (``cases.visibility``), the case's people fetched once for the page.

    def shows_protected(self, request, obj) -> bool:
        return type(obj) in TEXT_FIELDS and not self.has_change_permission(request, obj)

    @staticmethod
    def case_people(request) -> CasePeople:
        if not hasattr(request, "case_people"):
            request.case_people = CasePeople()
        return request.case_people

    def protect(self, request, obj) -> None:
        protect_record(request.user, obj, people=self.case_people(request))

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
                    f"{SEARCH_OF}{self.model._meta.label_lower}: "
                    + (f"{len(words)} word(s)" if words is not None else "refused, over the bounds")
                    + (", names included" if self.shows_identities(request) else ", names excluded")
                ),
            )
        return results

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and self.shows_protected(request, obj):
            self.protect(request, obj)
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
            shown = self.shows_identities(request)
            log_access(
                action=AccessLog.Action.VIEW,
                request=request,
                target=original,
                detail=IDENTITIES_SHOWN if shown else IDENTITIES_HIDDEN,
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
        form = version_checked(kwargs.get("form", self.form))
        refused = getattr(request, "identifiers_refused", None)
        if refused is not None:
            form = identifiers_marked(form, refused.all_people(), identifiers_summary(refused.findings))
        kwargs["form"] = form
        return super().get_form(request, obj, change, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        form = version_checked(kwargs.get("form", self.form))
        refused = getattr(request, "identifiers_refused", None)
        if refused is not None:
            form = identifiers_marked(form, refused.all_people())
        kwargs["form"] = form
        formset = super().get_formset(request, obj, **kwargs)
        if self.model not in TEXT_FIELDS or self.has_change_permission(request, obj):
            return formset
        admin = self

        class ProtectedFormSet(formset):
            def _construct_form(self, i, **kwargs):
                form = super()._construct_form(i, **kwargs)
                if form.instance.pk is not None:
                    admin.protect(request, form.instance)
                return form

        return ProtectedFormSet

    # A submission (the record and its inlines) is checked for identifiers as a whole, at its end
    # (``cases.free_text``): refused, nothing of it is saved and the page is shown again with the
    # identifiers marked on their fields, and a button that saves it with them replaced.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            try:
                return self._submit(request, object_id, form_url, extra_context)
            except IdentifierError:
                raise
            except (ValidationError, IntegrityError):
                # Another clerk saved a clashing record (the same new case number, say) between this
                # page's checks and its save, and nothing of this post was saved. Checked again, the
                # page now shows what clashes, with what the clerk typed, instead of a server error.
                return self._submit(request, object_id, form_url, extra_context)
        except IdentifierError as error:
            refused = error
        if REPLACE_IDENTIFIERS in request.POST:
            # The clerk asked for the replacement: the same submission again, each text replaced
            # as it is saved, with the names of the people as this submission gives them.
            try:
                return self._submit(request, object_id, form_url, extra_context, replace_with=refused.all_people())
            except IdentifierError as error:
                refused = error
            except (ValidationError, IntegrityError):
                pass  # (a text made too long by its codes, say: the clerk replaces them by hand)
        request.identifiers_refused = refused
        # Shown again: every form marks what it holds, the page's form refuses the save.
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _submit(self, request, object_id, form_url, extra_context, *, replace_with=None):
        held = request._held_messages = []
        try:
            with (
                transaction.atomic(using=router.db_for_write(self.model)),
                services.one_submission(actor=request.user, replace_with=replace_with),
            ):
                response = super().changeform_view(request, object_id, form_url, extra_context)
        finally:
            del request._held_messages
        for args, kwargs in held:  # ("saved" is said only once it is)
            self.message_user(*args, **kwargs)
        return response

    def message_user(self, request, *args, **kwargs):
        held = getattr(request, "_held_messages", None)
        if held is not None:
            held.append(((request, *args), kwargs))
        else:
            super().message_user(request, *args, **kwargs)

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
