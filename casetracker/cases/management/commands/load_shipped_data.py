"""Load the shipped fixtures into an empty database; leave a database in use alone.

Every record loaded gets its first history entry ("+", created), as a record entered in the
application has: loaddata saves rows raw, which simple-history does not record.
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from casetracker.cases.models import Incident
from casetracker.cases.shipped_data import FILES
from casetracker.core.history import copy_to_history, signals_recording_nothing
from casetracker.core.models import Office

HISTORY_REASON = "shipped data"


def models_with_history(app_label: str) -> list:
    return [
        model
        for model in apps.get_app_config(app_label).get_models()
        if getattr(model._meta, "simple_history_manager_attribute", None)
    ]


class Command(BaseCommand):
    help = _("Load the reference data and the published-figures dataset, unless already there.")

    def handle(self, *args, **options):
        fixtures = Path(settings.BASE_DIR) / "fixtures"
        steps = (
            (Office, fixtures / FILES["reference"], _("reference data"), "core"),
            (Incident, fixtures / FILES["cases"], _("published-figures dataset"), "cases"),
        )
        for model, path, what, app_label in steps:
            if model.objects.exists():
                self.stdout.write(_("%(what)s: already loaded, left as it is.") % {"what": what})
                continue
            with transaction.atomic():
                # (The fixtures hold the records; the database's triggers derive each status from them.)
                with signals_recording_nothing():
                    call_command("loaddata", str(path), verbosity=0)
                for loaded in models_with_history(app_label):
                    copy_to_history(loaded._base_manager.all(), reason=HISTORY_REASON)
            self.stdout.write(_("%(what)s: loaded from %(path)s.") % {"what": what, "path": path.name})
