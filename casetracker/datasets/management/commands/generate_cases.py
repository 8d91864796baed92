"""Generate a large synthetic dataset shaped like the shipped one, for scale tests and benchmarks."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from casetracker.datasets.synthetic import DEFAULT_CHUNK, Generator


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = gettext_lazy(
        "Add N synthetic incidents, with their victims, offenders, committee cases, measures and appeals, "
        "in the proportions of the shipped dataset (the same seed gives the same data). Case numbers start "
        "with G. The rows are written in bulk, each with its first change history entry. Needs the "
        "reference data (manage.py load_shipped_data)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--incidents", type=positive, required=True, help=gettext_lazy("How many incidents."))
        parser.add_argument("--seed", type=int, default=1, help=gettext_lazy("The random seed (default 1)."))
        parser.add_argument(
            "--chunk",
            type=positive,
            default=DEFAULT_CHUNK,
            help=gettext_lazy("Incidents written per transaction (default %(default)s)."),
        )
        parser.add_argument("--database", default="default", help=gettext_lazy("The database alias to write to."))
        parser.add_argument("--no-progress", action="store_true", help=gettext_lazy("Do not show the progress bar."))

    def handle(self, *args, incidents: int, seed: int, chunk: int, database: str, no_progress: bool, **options):
        generator = Generator(incidents=incidents, seed=seed, using=database, chunk=chunk)
        missing = generator.missing_reference()
        if missing:
            raise CommandError(
                _("The reference data is missing (%(missing)s): run manage.py load_shipped_data first.")
                % {"missing": ", ".join(missing[:5])}
            )
        started = time.monotonic()
        with tqdm(total=incidents, unit=" incidents", disable=no_progress, mininterval=1) as bar:
            written = generator.run(progress=bar.update)
        seconds = time.monotonic() - started
        for label, count in written.items():
            self.stdout.write(f"{label}: {count}")
        self.stdout.write(
            _("%(incidents)d incidents written in %(seconds).1f s.") % {"incidents": incidents, "seconds": seconds}
        )
