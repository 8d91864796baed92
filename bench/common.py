"""What every benchmark shares: the benchmark database, timing, and the results table.

The benchmarks run against their own database, never the development one or a test one:
an SQLite file under /tmp, or a PostgreSQL database whose name starts with "bench".
"""

import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
EXPLAIN_DIR = Path(__file__).resolve().parent / "explain"
DEFAULT_SQLITE_URL = "sqlite:////tmp/casetracker_bench.sqlite3"


class UnsafeDatabase(SystemExit):
    pass


def check_bench_url(url: str) -> str:
    """Refuse any database that could be the development or a test database."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        path = Path(parsed.path)
        if ROOT in path.resolve().parents or not path.name.startswith(("bench", "casetracker_bench")):
            raise UnsafeDatabase(f"{url}: use an SQLite file named bench*.sqlite3 outside the project, e.g. under /tmp")
    elif parsed.scheme.startswith("postgres"):
        name = parsed.path.lstrip("/")
        if not name.startswith("bench"):
            raise UnsafeDatabase(f"{url}: the benchmark database's name must start with 'bench' (bench_casetracker)")
    else:
        raise UnsafeDatabase(f"{url}: SQLite or PostgreSQL only")
    return url


def setup_django(url: str) -> None:
    """Django on the benchmark database (called once, before anything imports the models)."""
    os.environ["DATABASE_URL"] = check_bench_url(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetracker.settings.local")
    os.environ["DEBUG"] = "false"  # no query log growing during the runs
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def timed(function: Callable[[], object], *, repeat: int) -> tuple[float, object]:
    """The median wall time of ``repeat`` runs (after one warm-up run), and the last result."""
    result = function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def timed_with_cpu(function: Callable[[], object], *, repeat: int) -> tuple[float, float]:
    """The median wall time and the median CPU time of this process (Django's own work, without the
    database's and without the waits of a loaded machine) of ``repeat`` runs after one warm-up run."""
    function()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus)


@dataclass
class Result:
    """One line of the output: a measured time against its lower bound, or a figure."""

    benchmark: str
    case: str
    seconds: float | None = None
    baseline_seconds: float | None = None
    target: float | None = None  # the highest acceptable ratio (or, with ``at_least``, the lowest)
    at_least: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.seconds is None or not self.baseline_seconds:
            return None
        return self.seconds / self.baseline_seconds

    @property
    def ok(self) -> bool | None:
        if self.ratio is None or self.target is None:
            return None
        return self.ratio >= self.target if self.at_least else self.ratio <= self.target


def print_results(results: list[Result], *, title: str) -> None:
    print(f"\n## {title}\n")
    print("| benchmark | case | time (s) | lower bound (s) | ratio | target | met | notes |")
    print("|---|---|---:|---:|---:|---:|---|---|")
    for r in results:
        seconds = f"{r.seconds:.3f}" if r.seconds is not None else ""
        base = f"{r.baseline_seconds:.4f}" if r.baseline_seconds is not None else ""
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else ""
        target = (">= " if r.at_least else "<= ") + f"{r.target:g}" if r.target is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[r.ok]
        notes = ", ".join(f"{k} {v}" for k, v in r.extra.items())
        print(f"| {r.benchmark} | {r.case} | {seconds} | {base} | {ratio} | {target} | {met} | {notes} |")
    sys.stdout.flush()
