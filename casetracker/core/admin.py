from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Channel, Committee, LocalOffice, Office, School


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ko", "name_en", "sort_order"]
    search_fields = ["code", "name_ko", "name_en"]
    ordering = ["sort_order"]


@admin.register(LocalOffice)
class LocalOfficeAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "office", "code"]
    list_filter = ["office"]
    list_select_related = ["office"]
    search_fields = ["code", "name_ko", "name_en"]
    autocomplete_fields = ["office"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "level", "office", "local_office", "code"]
    list_filter = ["level", "office"]
    list_select_related = ["office", "local_office"]
    search_fields = ["code", "name_ko", "name_en"]
    autocomplete_fields = ["office", "local_office"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "kind", "office", "local_office"]
    list_filter = ["kind", "office"]
    list_select_related = ["office", "local_office"]
    search_fields = ["name_ko", "name_en", "local_office__name_ko", "office__name_ko"]
    autocomplete_fields = ["office", "local_office"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ko", "name_en", "sort_order"]
    search_fields = ["code", "name_ko", "name_en"]
    ordering = ["sort_order"]


admin.site.site_header = _("casetracker: deepfake school-violence cases")
admin.site.site_title = _("casetracker")
admin.site.index_title = _("Case records")
