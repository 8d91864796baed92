from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "casetracker.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from .retention import check_setting
        from .triggers import reinstall_missing

        checks.register(check_setting, checks.Tags.compatibility)

        post_migrate.connect(reinstall_missing, sender=self, dispatch_uid="cases.reinstall_missing_triggers")
