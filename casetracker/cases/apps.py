from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "casetracker.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from .triggers import reinstall_missing

        post_migrate.connect(reinstall_missing, sender=self, dispatch_uid="cases.reinstall_missing_triggers")
