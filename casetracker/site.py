"""The admin site: the clerks' entry tool and the admins' console.

Who may enter is the role's business (``accounts.policy``), not the ``is_staff`` flag.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

from casetracker.accounts.roles import Role


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

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.role in Role.values)


class CaseTrackerAdminConfig(AdminConfig):
    default_site = "casetracker.site.CaseTrackerAdminSite"
