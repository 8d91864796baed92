from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
