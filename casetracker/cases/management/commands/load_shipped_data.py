"""Load the shipped fixtures into an empty database; leave a database in use alone."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from casetracker.cases.models import Incident
from casetracker.core.models import Office

from .generate_dataset import FILES


class Command(BaseCommand):
    help = _("Load the reference data and the published-figures dataset, unless already there.")

    def handle(self, *args, **options):
        fixtures = Path(settings.BASE_DIR) / "fixtures"
        steps = (
            (Office, fixtures / FILES["reference"], _("reference data")),
            (Incident, fixtures / FILES["cases"], _("published-figures dataset")),
        )
        for model, path, what in steps:
            if model.objects.exists():
                self.stdout.write(_("%(what)s: already loaded, left as it is.") % {"what": what})
                continue
            with transaction.atomic():
                # (The fixtures hold the records; the database's triggers derive each status from them.)
                call_command("loaddata", str(path), verbosity=0)
            self.stdout.write(_("%(what)s: loaded from %(path)s.") % {"what": what, "path": path.name})
