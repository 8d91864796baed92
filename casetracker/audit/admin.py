"""Both trails, read-only: admins list and filter them; nobody edits or deletes an entry."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from casetracker.accounts.models import User
from casetracker.core.admin_base import BaseAdmin
from casetracker.core.models import Channel, Committee, LocalOffice, Office, School

from .models import AccessLog
from .sentences import sentence


class ReadOnlyAdmin(BaseAdmin):
    """A trail: an office's admin reads the entries its office's accounts made (``account_scope``)."""

    actor_path = "history_user"  # who made an entry

    def get_queryset(self, request):
        scope = request.user.account_scope
        queryset = super().get_queryset(request)
        return queryset if scope.national else queryset.filter(scope.condition(f"{self.actor_path}__office"))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """Each entry first as a sentence in the reader's language (who, from where, when, what), then
    its stored columns."""

    actor_path = "user"
    list_display = ["entry", "at", "username", "action", "target_type", "target_id", "ip_address", "detail"]
    list_filter = ["action", "target_type", "at"]
    search_fields = ["username", "=target_id", "target_repr", "=ip_address"]
    date_hierarchy = "at"
    list_select_related = ["user__office", "user__local_office"]
    show_full_result_count = False

    readonly_fields = ["entry"]

    @admin.display(description=_("what happened"))
    def entry(self, obj):
        return sentence(obj)


def titled(filter_class, title):
    """``filter_class`` (a field's list filter) headed ``title`` instead of the field's own name."""

    class Titled(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


def is_free_text(field) -> bool:
    """What a clerk writes in their own words (a description, notes, a reason, a code or case
    number they typed): the change history says that it changed, never what it says."""
    return field.get_internal_type() in ("CharField", "TextField") and not field.choices


class HistoryAdmin(ReadOnlyAdmin):
    """The change history of one case model (django-simple-history's records), for admins: who
    changed what and when, from where; not what a narrative said (``is_free_text``). The list
    takes only its declared filters and search (``BaseAdmin``), so no past value is searchable.
    """

    hides_free_text = True
    # simple-history's own columns have no names of their own ("History date"): named here.
    list_display = ["changed_at", "kind", "changed_by", "ip_address", "record", "reason"]
    list_filter = [
        ("history_type", titled(admin.ChoicesFieldListFilter, _("kind of change"))),
        ("history_date", titled(admin.DateFieldListFilter, _("changed at"))),
    ]
    search_fields = ["=id", "history_user__username", "=ip_address"]
    date_hierarchy = "history_date"
    list_select_related = ["history_user"]
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        return ["changed_at", "kind", "changed_by", "ip_address", "record", "changes"]

    get_readonly_fields = get_fields

    @admin.display(description=_("changed at"), ordering="history_date")
    def changed_at(self, obj):
        return obj.history_date

    @admin.display(description=_("kind of change"), ordering="history_type")
    def kind(self, obj):
        return obj.get_history_type_display()

    @admin.display(description=_("changed by"), ordering="history_user__username")
    def changed_by(self, obj):
        return obj.history_user or "-"

    @admin.display(description=_("reason"))
    def reason(self, obj):
        return obj.history_change_reason or ""

    @admin.display(description=_("record"))
    def record(self, obj):
        return f"{obj.instance._meta.verbose_name} #{obj.id}"

    @admin.display(description=_("changes (before → after)"))
    def changes(self, obj):
        previous = obj.prev_record
        if previous is None:
            return _("created")
        rows = []
        for change in obj.diff_against(previous).changes:
            field = obj.instance._meta.get_field(change.field)
            if self.hides_free_text and is_free_text(field):
                rows.append((field.verbose_name, _("changed (the text is not shown)")))
                continue
            old, new = change.old, change.new
            if field.many_to_many:  # simple-history gives the through rows; show the related records
                old, new = (self.related_names(field, rows_) for rows_ in (old, new))
            rows.append((field.verbose_name, format_html("{} → {}", old, new)))
        return format_html_join("", "<div>{}: {}</div>", rows) or _("no field changed")

    @staticmethod
    def related_names(field, through_rows) -> str:
        key = field.related_model._meta.model_name
        ids = [row[key] for row in through_rows or []]
        return ", ".join(str(related) for related in field.related_model._default_manager.filter(pk__in=ids)) or "-"


class ReferenceHistoryAdmin(HistoryAdmin):
    """The history of accounts and reference data: their texts are names and codes of offices,
    schools and users, no clerk's narrative about a case, so the changes show them."""

    hides_free_text = False


# The accounts' history: who changed a role, scope or status, when, from where (never a password).
admin.site.register(User.history.model, ReferenceHistoryAdmin)
# The change trail of the reference data, read-only, for admins (the case records' is in cases/admin/history.py).
for _model in (Office, LocalOffice, School, Committee, Channel):
    admin.site.register(_model.history.model, ReferenceHistoryAdmin)


class LockoutAdmin(AccessAttemptAdmin):
    """django-axes' lockouts. Its "clean up expired attempts" reads the time axes stamps on a login
    request, which an admin page's request has not (a server error); stamped here."""

    def get_queryset(self, request):
        # An office's admin unlocks its office's accounts (an attempt names an account by its name).
        scope = request.user.account_scope
        queryset = super().get_queryset(request)
        if scope.national:
            return queryset
        return queryset.filter(username__in=User.objects.filter(scope.condition("office")).values("username"))

    @admin.action(description=AccessAttemptAdmin.cleanup_expired_attempts.short_description)
    def cleanup_expired_attempts(self, request, queryset):
        request.axes_attempt_time = timezone.now()
        return super().cleanup_expired_attempts(request, queryset)


admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, LockoutAdmin)


class AuthenticatorAdmin(TOTPDeviceAdmin):
    """django-otp's authenticators, whose lost ones an admin removes: an office's admin, its office's."""

    def get_queryset(self, request):
        scope = request.user.account_scope
        queryset = super().get_queryset(request)
        return queryset if scope.national else queryset.filter(scope.condition("user__office"))


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, AuthenticatorAdmin)
