"""The admins' page for API tokens: issue one (its text shown on the next page, once), revoke."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from casetracker.core.admin_base import BaseAdmin

from . import tokens
from .models import ApiToken


class IssueTokenForm(forms.ModelForm):
    scope = forms.ChoiceField(label=_("scope"), help_text=_("What the token reads, as a person of that scope would."))
    days = forms.IntegerField(
        label=_("valid for (days)"), min_value=1, max_value=tokens.MAX_DAYS, initial=365, required=True
    )

    class Meta:
        model = ApiToken
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = tokens.scope_choices()

    def _post_clean(self):
        pass  # the service checks and saves (tokens.issue_token)


@admin.register(ApiToken)
class ApiTokenAdmin(BaseAdmin):
    list_display = ["name", "key_prefix", "scope_label", "created_at", "created_by", "expires_at", "revoked_at"]
    list_filter = ["office"]
    # By the token's first characters only: no admin searches by a name (tests/scoping/test_matrix.py),
    # and the few systems' tokens are listed whole.
    search_fields = ["key_prefix"]
    actions = ["revoke"]
    readonly_fields = [
        "name",
        "key_prefix",
        "office",
        "local_office",
        "created_at",
        "created_by",
        "expires_at",
        "revoked_at",
        "revoked_by",
    ]

    @admin.display(description=_("scope"))
    def scope_label(self, token):
        return token.scope_label

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = IssueTokenForm
            kwargs["fields"] = ["name", "scope", "days"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["name", "scope", "days"]})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the access log names the token of each call

    def save_model(self, request, obj, form, change):
        if change:
            return
        # The form offers only what the service accepts (its scopes, 1 to MAX_DAYS days).
        token, raw = tokens.issue_token(
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            days=form.cleaned_data["days"],
            by=request.user,
            request=request,
        )
        for field in ApiToken._meta.concrete_fields:  # the admin goes on with ``obj``: make it the saved token
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding = False
        request._issued_token = raw

    def add_view(self, request, form_url="", extra_context=None):
        response = super().add_view(request, form_url, extra_context)
        raw = getattr(request, "_issued_token", None)
        if raw is None:
            return response
        return TemplateResponse(
            request,
            "api/token_issued.html",
            {**self.admin_site.each_context(request), "token": request._issued, "raw": raw, "opts": self.opts},
        )

    def response_add(self, request, obj, post_url_continue=None):
        request._issued = obj
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        revoked = sum(tokens.revoke_token(token=token, by=request.user, request=request) for token in queryset)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked},
            messages.SUCCESS,
        )
