"""Saved views of the incident list: a user saves the list's filters, search and order under a name,
finds their views as links above the list, opens, renames and deletes them.

A view is its user's alone (another's is not found: 404) and holds only the query string. The
string is checked by the list itself when it is saved and again each time it is opened, in the
user's scope of that day: a parameter the list no longer takes, or a filter on an office, local
office or school outside the user's scope now (a view saved with a wider scope), is refused with
a message, and the list the view opens is the user's scoped list like any other
(``finding.ScopedChoiceFilter``). Writes go through ``accounts.services``, which puts each on the
access log.
"""

import copy

from django import forms
from django.contrib import messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup, DisallowedModelAdminToField
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, IS_FACETS_VAR, IS_POPUP_VAR, PAGE_VAR, TO_FIELD_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from casetracker.accounts import services as account_services
from casetracker.accounts.models import SavedListView
from casetracker.core.admin_base import BadListRequest, BoundedSearchForm

from .finding import ScopedChoiceFilter

# What a view does not keep: the page of the list it was saved on, and the admin's own switches.
NOT_SAVED = (PAGE_VAR, ERROR_FLAG, IS_POPUP_VAR, TO_FIELD_VAR, IS_FACETS_VAR)


def saved_query(query: QueryDict) -> str:
    kept = query.copy()
    for name in NOT_SAVED:
        kept.pop(name, None)
    return kept.urlencode()


class ViewNameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name of the view"), max_length=SavedListView.MAX_NAME_LENGTH)


class SaveViewForm(ViewNameForm):
    # (Bounded by the model: a longer one is refused with its own message, not as a form error.)
    query = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)


def first_error(form: forms.Form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


class SavedViewsMixin:
    """The saved views' URLs and pages of an admin's list, and the views shown above the list."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        urls = [
            path("saved-views/", wrap(self.saved_views_view), name="{}_{}_saved_views".format(*info)),
            path("saved-views/save/", wrap(require_POST(self.save_view_view)), name="{}_{}_save_view".format(*info)),
            path("saved-views/<int:pk>/", wrap(self.open_view_view), name="{}_{}_open_view".format(*info)),
            path(
                "saved-views/<int:pk>/rename/",
                wrap(require_POST(self.rename_view_view)),
                name="{}_{}_rename_view".format(*info),
            ),
            path(
                "saved-views/<int:pk>/delete/",
                wrap(require_POST(self.delete_view_view)),
                name="{}_{}_delete_view".format(*info),
            ),
        ]
        return urls + super().get_urls()

    # Reading --------------------------------------------------------------------------------------

    def own_views(self, request):
        return SavedListView.objects.filter(user=request.user, list_name=self.opts.label_lower)

    def own_view(self, request, pk: int) -> SavedListView:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.own_views(request), pk=pk)

    def list_url(self, query: str = "") -> str:
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        return f"{url}?{query}" if query else url

    def changelist_view(self, request, extra_context=None):
        context = {
            "saved_views": list(self.own_views(request).only("pk", "name")),
            "saved_view_query": saved_query(request.GET),
            "saved_view_max_name": SavedListView.MAX_NAME_LENGTH,
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def query_problem(self, request, query: str) -> str | None:
        """Why the list cannot be shown with ``query`` to this user now (None: it can): the list's own
        checks, and no scoped filter on a row outside the user's scope."""
        if len(query) > SavedListView.MAX_QUERY_LENGTH or "\x00" in query:
            return _("These filters and search are too long to save (at most %(max)d characters).") % {
                "max": SavedListView.MAX_QUERY_LENGTH
            }
        params = QueryDict(query)
        search = BoundedSearchForm(params)
        if not search.is_valid():
            return first_error(search)
        asked = copy.copy(request)
        asked.GET = params
        try:
            self.get_changelist_instance(asked)
        except BadListRequest as error:
            return error.message
        except (DisallowedModelAdminLookup, DisallowedModelAdminToField, IncorrectLookupParameters):
            return _("This list cannot be shown with these parameters.")
        # (The list would apply such a filter within the scope and find nothing: the view says why instead.)
        outside = [
            str(item.title)
            for item in self.get_list_filter(request)
            if isinstance(item, type)
            and issubclass(item, ScopedChoiceFilter)
            and item.outside_scope(request, params.get(item.parameter_name))
        ]
        if outside:
            return _("This view's filter by %(filters)s is outside your scope.") % {"filters": ", ".join(outside)}
        return None

    # Writing --------------------------------------------------------------------------------------

    def save_view_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        form = SaveViewForm(request.POST)
        if not form.is_valid():
            self.message_user(
                request, _("The view was not saved: %(why)s") % {"why": first_error(form)}, messages.ERROR
            )
            return HttpResponseRedirect(self.list_url())
        query = form.cleaned_data["query"]
        if len(query) <= SavedListView.MAX_QUERY_LENGTH:
            query = saved_query(QueryDict(query))  # (posted by hand with a page number, say)
        problem = self.query_problem(request, query)
        if problem is not None:
            self.message_user(request, _("The view was not saved: %(why)s") % {"why": problem}, messages.ERROR)
            return HttpResponseRedirect(self.list_url())
        try:
            view = account_services.save_list_view(
                by=request.user,
                list_name=self.opts.label_lower,
                name=form.cleaned_data["name"],
                query=query,
                request=request,
            )
        except ValidationError as error:
            why = " ".join(error.messages)
            self.message_user(request, _("The view was not saved: %(why)s") % {"why": why}, messages.ERROR)
            return HttpResponseRedirect(self.list_url(query))
        self.message_user(request, _("The view “%(name)s” is saved.") % {"name": view.name}, messages.SUCCESS)
        return HttpResponseRedirect(self.list_url(query))

    def open_view_view(self, request, pk):
        view = self.own_view(request, pk)
        problem = self.query_problem(request, view.query)
        if problem is not None:
            message = _("The view “%(name)s” cannot be opened: %(why)s") % {"name": view.name, "why": problem}
            self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(self.list_url())
        return HttpResponseRedirect(self.list_url(view.query))

    def rename_view_view(self, request, pk):
        view = self.own_view(request, pk)
        form = ViewNameForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(first_error(form))
            account_services.rename_list_view(
                view=view, by=request.user, name=form.cleaned_data["name"], request=request
            )
        except ValidationError as error:
            why = " ".join(error.messages)
            self.message_user(request, _("The view was not renamed: %(why)s") % {"why": why}, messages.ERROR)
        else:
            self.message_user(request, _("The view is renamed “%(name)s”.") % {"name": view.name}, messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_saved_views"))

    def delete_view_view(self, request, pk):
        view = self.own_view(request, pk)
        name = view.name
        account_services.delete_list_view(view=view, by=request.user, request=request)
        self.message_user(request, _("The view “%(name)s” is deleted.") % {"name": name}, messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_saved_views"))

    def saved_views_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("My saved views"),
            "views": list(self.own_views(request)),
            "list_url": self.list_url(),
            "max_name": SavedListView.MAX_NAME_LENGTH,
        }
        return TemplateResponse(request, "admin/cases/incident/saved_views.html", context)
