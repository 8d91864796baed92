"""The admin site: the clerks' entry tool and the admins' console.

Who may enter is the role's business (``accounts.policy``), not the ``is_staff`` flag.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from casetracker.accounts.roles import Role
from casetracker.core.admin_base import BaseAdmin, InlineGuardMixin

# Third-party apps and models whose names have no translation of their own (django-otp's are plain
# English strings, axes has no app name): how the admin's index and headings name them.
APP_NAMES = {"axes": _("Login lockouts"), "otp_totp": _("Two-factor authentication")}
MODEL_NAMES = {"totpdevice": _("Authenticator apps")}


class CaseTrackerAdminSite(admin.AdminSite):
    site_header = _("casetracker: deepfake school-violence cases")
    site_title = _("casetracker")
    index_title = _("Case records")
    # The sidebar of every model takes a fifth of a 1366 px laptop screen from each list; the
    # index and the breadcrumbs lead to the same pages.
    enable_nav_sidebar = False

    def each_context(self, request):
        """Django's, but for the list of every app and model the user may open (``available_apps``),
        which only the navigation sidebar shows: the sidebar is off, so the list is made only if a
        page asks for it (a permission check for each registered model, on every admin page: some 4 %
        of the case page). ``tests/core/test_admin_site.py`` holds it to Django's keys and list."""
        script_name = request.META["SCRIPT_NAME"]
        return {
            "site_title": self.site_title,
            "site_header": self.site_header,
            "site_url": script_name if self.site_url == "/" and script_name else self.site_url,
            "has_permission": self.has_permission(request),
            "available_apps": SimpleLazyObject(lambda: self.get_app_list(request)),
            "is_popup": False,
            "is_nav_sidebar_enabled": self.enable_nav_sidebar,
            "log_entries": self.get_log_entries(request),
        }

    @property
    def login_form(self):
        """Asks for the authenticator code of accounts that have set up two-factor authentication."""
        # Imported here: this module loads with the app registry, before the form's models can.
        from casetracker.accounts.two_factor import LoginForm

        return LoginForm

    def password_change(self, request, extra_context=None):
        """One's own password, saved by the account service so that the change is on the access log."""
        from django.contrib.admin.forms import AdminPasswordChangeForm

        from casetracker.accounts.views import OwnPasswordChangeView

        request.current_app = self.name
        return OwnPasswordChangeView.as_view(
            form_class=AdminPasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
        )(request)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every admin on ``BaseAdmin`` (its lists take only what they declare), third-party ones too."""
        admin_class = admin_class or admin.ModelAdmin
        if any(not issubclass(inline, InlineGuardMixin) for inline in admin_class.inlines):
            # (A third-party admin's inlines, e.g. django-otp's, get the same formset checks.)
            inlines = [guarded(inline) for inline in admin_class.inlines]
            admin_class = type(
                admin_class.__name__, (admin_class,), {"inlines": inlines, "__module__": admin_class.__module__}
            )
        if not issubclass(admin_class, BaseAdmin):
            admin_class = type(admin_class.__name__, (BaseAdmin, admin_class), {"__module__": admin_class.__module__})
        super().register(model_or_iterable, admin_class, **options)

    def _build_app_dict(self, request, label=None):
        apps = super()._build_app_dict(request, label)
        for app in apps.values():
            app["name"] = APP_NAMES.get(app["app_label"], app["name"])
            for model in app["models"]:
                model["name"] = MODEL_NAMES.get(model["object_name"].lower(), model["name"])
        return apps

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.role in Role.values)


def guarded(inline):
    """``inline`` with the checks of ``BaseTabularInline`` (management forms, keys the database can hold)."""
    if issubclass(inline, InlineGuardMixin):
        return inline
    return type(inline.__name__, (InlineGuardMixin, inline), {"__module__": inline.__module__})


class CaseTrackerAdminConfig(AdminConfig):
    default_site = "casetracker.site.CaseTrackerAdminSite"
