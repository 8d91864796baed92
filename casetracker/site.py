"""The admin site: the clerks' entry tool and the admins' console.

Who may enter is the role's business (``accounts.policy``), not the ``is_staff`` flag.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

from casetracker.accounts.roles import Role
from casetracker.core.admin_base import BaseAdmin, InlineGuardMixin


class CaseTrackerAdminSite(admin.AdminSite):
    site_header = _("casetracker: deepfake school-violence cases")
    site_title = _("casetracker")
    index_title = _("Case records")

    @property
    def login_form(self):
        """Asks for the authenticator code of accounts that have set up two-factor authentication."""
        # Imported here: this module loads with the app registry, before the form's models can.
        from casetracker.accounts.two_factor import LoginForm

        return LoginForm

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every admin on ``BaseAdmin`` (its lists take only what they declare), third-party ones too."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, BaseAdmin):
            admin_class = type(admin_class.__name__, (BaseAdmin, admin_class), {"__module__": admin_class.__module__})
        unguarded = [inline for inline in admin_class.inlines if not issubclass(inline, InlineGuardMixin)]
        if unguarded:
            raise TypeError(f"{admin_class.__name__}: base its inlines on BaseTabularInline or BaseStackedInline")
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.role in Role.values)


class CaseTrackerAdminConfig(AdminConfig):
    default_site = "casetracker.site.CaseTrackerAdminSite"
