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
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice

from casetracker.core.admin_base import BaseAdmin

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
    list_display = ["username", "role", "office", "local_office", "is_active", "is_superuser", "last_login"]
    list_filter = ["role", "office", "is_active"]
    list_select_related = ["office", "local_office"]
    autocomplete_fields = ["office", "local_office"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Role and scope"), {"fields": ["role", "office", "local_office"]}),
        (
            _("Status"),
            {
                "fields": ["is_active", "is_superuser"],
                "description": _("Superusers are made on the server only (manage.py createsuperuser)."),
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ["role", "office", "local_office"]}),
    ]
    change_password_form = PasswordResetForm
    actions = ["deactivate_accounts"]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["is_superuser", "last_login", "date_joined"]
        if obj is not None and obj.pk == request.user.pk:
            readonly += services.OWN_ACCOUNT_FIELDS  # a second admin changes these
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (AccountRulesFormMixin, form), {"by": request.user})

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # its password reset would hand an admin the superuser's rights
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted: the audit trail keeps its subjects

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

    @admin.action(description=_("Deactivate selected accounts"), permissions=["change"])
    def deactivate_accounts(self, request, queryset):
        deactivated = 0
        for account in queryset.filter(is_active=True):
            try:
                services.deactivate_account(account=account, by=request.user, request=request)
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"{account}: {reason}", messages.ERROR)
            else:
                deactivated += 1
        message = ngettext(
            "%(count)d account deactivated and logged out.",
            "%(count)d accounts deactivated and logged out.",
            deactivated,
        )
        self.message_user(request, message % {"count": deactivated}, messages.SUCCESS)


# Roles carry the permissions (accounts.policy); groups would be a second place for them.
admin.site.unregister(Group)
# Backup codes are their owner's alone (accounts:two_factor); nobody reads them in the admin.
admin.site.unregister(StaticDevice)
