from django.contrib import admin

from .admin_base import BaseAdmin
from .models import Channel, Committee, LocalOffice, Office, School


class ScopedAdminMixin:
    """Lists, pages, inlines, autocompletes and choices, all through ``for_user``.

    Works for any model whose manager has ``for_user`` (case records and reference data).
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.for_user(request.user) if hasattr(queryset, "for_user") else queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        manager = db_field.remote_field.model._default_manager
        if "queryset" not in kwargs and hasattr(manager, "for_user"):
            kwargs["queryset"] = manager.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReferenceAdmin(ScopedAdminMixin, BaseAdmin):
    """Reference data: admins maintain it; clerks and supervisors read their office's."""


@admin.register(Office)
class OfficeAdmin(ReferenceAdmin):
    list_display = ["code", "name_ko", "name_en", "sort_order", "identity_retention_years"]
    search_fields = ["code", "name_ko", "name_en"]
    ordering = ["sort_order"]

    # An office's admin keeps its own office's record; the 17 offices themselves are a national matter.
    def has_add_permission(self, request):
        return request.user.reference_scope.national and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.reference_scope.national and super().has_delete_permission(request, obj)


@admin.register(LocalOffice)
class LocalOfficeAdmin(ReferenceAdmin):
    list_display = ["name_ko", "name_en", "office", "code"]
    list_filter = ["office"]
    list_select_related = ["office"]
    search_fields = ["code", "name_ko", "name_en"]
    autocomplete_fields = ["office"]


@admin.register(School)
class SchoolAdmin(ReferenceAdmin):
    list_display = ["name_ko", "name_en", "level", "office", "local_office", "code"]
    list_filter = ["level", "office"]
    list_select_related = ["office", "local_office"]
    search_fields = ["code", "name_ko", "name_en"]
    autocomplete_fields = ["office", "local_office"]


@admin.register(Committee)
class CommitteeAdmin(ReferenceAdmin):
    list_display = ["name_ko", "name_en", "kind", "office", "local_office"]
    list_filter = ["kind", "office"]
    list_select_related = ["office", "local_office"]
    search_fields = ["name_ko", "name_en", "local_office__name_ko", "office__name_ko"]
    autocomplete_fields = ["office", "local_office"]


@admin.register(Channel)
class ChannelAdmin(ReferenceAdmin):
    list_display = ["code", "name_ko", "name_en", "sort_order"]
    search_fields = ["code", "name_ko", "name_en"]
    ordering = ["sort_order"]
