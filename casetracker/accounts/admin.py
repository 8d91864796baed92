"""The admins' console for accounts: every save goes through ``accounts.services``.

An admin manages the role, scope and status of other accounts, never their own, and grants
no superuser status, groups or permissions of its own making: roles carry the permissions
(``accounts.policy``), and superusers are made on the server (``manage.py createsuperuser``).
"""

from contextvars import ContextVar

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice

from casetracker.core.admin_base import BaseAdmin, storable

from . import services
from .models import User

# The request of the admin's password page, for its form (which Django builds without one).
_password_page_request: ContextVar[HttpRequest | None] = ContextVar("password_page_request", default=None)


class AccountRulesFormMixin:
    """Puts a change the account services would refuse on the form, as its message."""

    by: User | None = None  # the admin saving, set per request by ``UserAdmin.get_form``

    def _post_clean(self):
        super()._post_clean()  # the form's values onto the instance, and the model's own checks
        if self.errors:
            return
        try:
            services.check_account_change(account=self.instance, by=self.by)
        except ValidationError as error:
            self.add_error(None, error.messages)
        except PermissionDenied as error:
            self.add_error(None, str(error))


class PasswordResetForm(AdminPasswordChangeForm):
    """The admin's "change password" page, saved by ``services.reset_password`` (logged out, on the log)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        # An account without a password would be a second, unlogged way to deactivate it.
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = self.fields["password2"].required = True

    def save(self, commit=True):
        request = _password_page_request.get()
        services.reset_password(
            account=self.user, by=request.user, password=self.cleaned_data["password1"], request=request
        )
        return self.user


@admin.register(User)
class UserAdmin(BaseAdmin, DjangoUserAdmin):
    """The users page: who they are (role and office first), what they did lately, and the buttons
    that deactivate an account or give it a new password. An office's admin sees and manages its
    office's accounts only (``policy.account_scope``, checked again by the services); Django's own
    superuser, groups and permission fields are shown, read-only, to superusers alone."""

    list_display = ["role_shown", "office", "local_office", "username", "full_name", "is_active", "last_login"]
    list_display_links = ["username"]
    list_filter = ["role", "office", "is_active"]
    list_select_related = ["office", "local_office"]
    autocomplete_fields = ["office", "local_office"]
    change_form_template = "admin/accounts/user/change_form.html"
    fieldsets = [
        (_("Role and scope"), {"fields": ["role", "office", "local_office"]}),
        (_("Person"), {"fields": ["username", "last_name", "first_name", "email"]}),
        (_("Status"), {"fields": ["is_active"]}),
        (_("Activity"), {"fields": ["last_login", "date_joined"]}),
    ]
    superuser_fieldsets = [
        (
            _("Django permissions (superusers only)"),
            {
                "fields": ["is_superuser", "groups", "user_permissions"],
                "description": _("Superusers are made on the server only (manage.py createsuperuser)."),
            },
        ),
    ]
    add_fieldsets = [
        (_("Role and scope"), {"fields": ["role", "office", "local_office"]}),
        (None, {"fields": ["username", "password1", "password2"]}),
    ]
    change_password_form = PasswordResetForm
    actions = ["deactivate_accounts"]

    def get_queryset(self, request):
        scope = request.user.account_scope
        queryset = super().get_queryset(request)
        return queryset if scope.national else queryset.filter(scope.condition("office"))

    def get_list_filter(self, request):
        shown = list(super().get_list_filter(request))
        return [*shown, "is_superuser"] if request.user.is_superuser else shown

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return self.fieldsets + (self.superuser_fieldsets if request.user.is_superuser else [])

    def get_readonly_fields(self, request, obj=None):
        readonly = ["is_superuser", "groups", "user_permissions", "last_login", "date_joined"]
        if obj is not None and obj.pk == request.user.pk:
            readonly += services.OWN_ACCOUNT_FIELDS  # a second admin changes these
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (AccountRulesFormMixin, form), {"by": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # An office's admin puts accounts in its own office only (the service refuses any other).
        scope = request.user.account_scope
        if db_field.name in ("office", "local_office") and not scope.national:
            path = "" if db_field.name == "office" else "office"
            kwargs["queryset"] = db_field.related_model._default_manager.filter(scope.condition(path))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # its password reset would hand an admin the superuser's rights
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted: the audit trail keeps its subjects

    @admin.display(description=_("role"), ordering="role")
    def role_shown(self, obj):
        # A superuser (made on the server) is marked for every admin: only a superuser changes it.
        role = obj.get_role_display()
        return _("%(role)s (superuser)") % {"role": role} if obj.is_superuser else role

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj):
        # Korean names read family name first, without a space (홍길동); others given name first.
        if (get_language() or "ko").startswith("ko"):
            return f"{obj.last_name}{obj.first_name}".strip() or "-"
        return obj.get_full_name() or "-"

    def save_model(self, request, obj, form, change):
        services.save_account(account=obj, by=request.user, request=request)

    def save_related(self, request, form, formsets, change):
        pass  # no groups or permissions to save: the role carries them

    def user_change_password(self, request, id, form_url=""):
        token = _password_page_request.set(request)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_page_request.reset(token)

    # The buttons of an account's page: a short confirmation, then the service (and its log entry).

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<id>/deactivate/", view(self.deactivate_view), name="accounts_user_deactivate"),
            path("<id>/new-password/", view(self.new_password_view), name="accounts_user_new_password"),
            *super().get_urls(),
        ]

    def account_for_button(self, request, id) -> User:
        """The account of a button's page, within the admin's scope: another office's is a 404."""
        if not storable(User, None, id):
            raise Http404
        account = self.get_object(request, id)
        if account is None or not self.has_change_permission(request, account):
            raise Http404
        return account

    def button_page(self, request, account, *, title, question, button, template="admin/accounts/user/confirm.html"):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "question": question,
            "button": button,
            "account": account,
            "opts": self.opts,
            "change_url": reverse("admin:accounts_user_change", args=[account.pk]),
        }
        return TemplateResponse(request, template, context)

    def deactivate_view(self, request, id):
        account = self.account_for_button(request, id)
        change_url = reverse("admin:accounts_user_change", args=[account.pk])
        if request.method != "POST":
            return self.button_page(
                request,
                account,
                title=_("Deactivate %(account)s") % {"account": account},
                question=_(
                    "%(account)s will no longer log in and is logged out everywhere at once. "
                    "The records and the audit trail keep the account."
                )
                % {"account": account},
                button=_("Deactivate"),
            )
        try:
            services.deactivate_account(account=account, by=request.user, request=request)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, error_text(error), messages.ERROR)
        else:
            self.message_user(request, _("%(account)s is deactivated and logged out.") % {"account": account})
        return HttpResponseRedirect(change_url)

    def new_password_view(self, request, id):
        account = self.account_for_button(request, id)
        if request.method != "POST":
            return self.button_page(
                request,
                account,
                title=_("New password for %(account)s") % {"account": account},
                question=_(
                    "A new password is generated for %(account)s and shown once on the next page; "
                    "the account is logged out everywhere. Hand the password over in person or by phone."
                )
                % {"account": account},
                button=_("Generate a new password"),
            )
        try:
            password = services.reset_password(account=account, by=request.user, request=request)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[account.pk]))
        response = self.button_page(
            request,
            account,
            title=_("New password for %(account)s") % {"account": account},
            question=_("The new password of %(account)s, shown this once:") % {"account": account},
            button=None,
            template="admin/accounts/user/new_password.html",
        )
        response.context_data["password"] = password
        return response

    @admin.action(description=_("Deactivate selected accounts"), permissions=["change"])
    def deactivate_accounts(self, request, queryset):
        deactivated = 0
        for account in queryset.filter(is_active=True):
            try:
                services.deactivate_account(account=account, by=request.user, request=request)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{account}: {error_text(error)}", messages.ERROR)
            else:
                deactivated += 1
        message = ngettext(
            "%(count)d account deactivated and logged out.",
            "%(count)d accounts deactivated and logged out.",
            deactivated,
        )
        self.message_user(request, message % {"count": deactivated}, messages.SUCCESS)


def error_text(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


# Roles carry the permissions (accounts.policy); groups would be a second place for them.
admin.site.unregister(Group)
# Backup codes are their owner's alone (accounts:two_factor); nobody reads them in the admin.
admin.site.unregister(StaticDevice)
