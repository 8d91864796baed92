"""Write the migration that installs the triggers of the derived fields, after a change to the rule."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from casetracker.cases import triggers


class Command(BaseCommand):
    help = _("Write a migration that installs the triggers generated from today's rule of the derived fields.")

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", default="derived_state_triggers", help=_("the migration's name"))
        parser.add_argument("--print", action="store_true", help=_("print the migration instead of writing it"))

    def handle(self, *args, name: str, **options):
        loader = MigrationLoader(None, ignore_no_migrations=True)
        leaves = loader.graph.leaf_nodes("cases")
        if len(leaves) != 1:
            raise CommandError(_("The cases app has several latest migrations; merge them first."))
        latest = leaves[0][1]
        source = triggers.migration_source(dependency=latest)
        if options["print"]:
            self.stdout.write(source)
            return
        number = int(latest.split("_", 1)[0]) + 1
        path = Path(triggers.__file__).parent / "migrations" / f"{number:04d}_{name}.py"
        path.write_text(source)
        self.stdout.write(_("Wrote %(path)s.") % {"path": path})
