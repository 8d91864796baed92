from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from casetracker.core.admin_base import BaseAdmin

from . import services
from .models import User


@admin.register(User)
class UserAdmin(BaseAdmin, DjangoUserAdmin):
    list_display = ["username", "role", "office", "local_office", "is_active", "last_login"]
    list_filter = ["role", "office", "is_active"]
    list_select_related = ["office", "local_office"]
    autocomplete_fields = ["office", "local_office"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Role and scope"), {"fields": ["role", "office", "local_office"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ["role", "office", "local_office"]}),
    ]
    actions = ["deactivate_accounts"]

    @admin.action(description=_("Deactivate selected accounts"), permissions=["change"])
    def deactivate_accounts(self, request, queryset):
        deactivated = 0
        for account in queryset.filter(is_active=True):
            try:
                services.deactivate_account(account=account, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{account}: {' '.join(error.messages)}", messages.ERROR)
            else:
                deactivated += 1
        message = ngettext(
            "%(count)d account deactivated and logged out.",
            "%(count)d accounts deactivated and logged out.",
            deactivated,
        )
        self.message_user(request, message % {"count": deactivated}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Unticking "active" logs the account out now, not at its next request.
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.end_sessions(account=obj)


# Roles carry the permissions (accounts.policy); groups would be a second place for them.
admin.site.unregister(Group)
