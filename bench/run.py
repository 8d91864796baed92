"""Run the benchmarks on one benchmark database, at a given size, and print the ratios.

    .venv/bin/python bench/run.py --incidents 1000000                      # SQLite, /tmp/casetracker_bench.sqlite3
    .venv/bin/python bench/run.py --incidents 1000000 --database-url postgres://postgres@127.0.0.1:5432/bench_casetracker

The database is prepared first: migrated, reference data loaded, and ``generate_cases``
run so that it holds exactly N incidents (a benchmark database of another size is emptied
and generated again; so is any with ``--fresh``). Each benchmark is a module in this folder
with ``run(options) -> [Result]``, listed in BENCHMARKS (the import benchmark,
``import_bench.py``, reads ``--import-rows``; the worst-case uploads, ``upload_bench.py``, run each
file in a process of their own).
"""

import argparse
import datetime
import importlib
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_SQLITE_URL, ROOT, check_bench_url, print_results, setup_django

# name: module. A module whose file is missing is skipped with a note (e.g. the import
# benchmark, until the importer lands).
BENCHMARKS = {
    "reports": "reports_bench",
    "admin": "admin_bench",
    "import": "import_bench",
    "upload": "upload_bench",
    "identifiers": "identifiers_bench",
    "api": "api_bench",
    "case_page": "case_page_bench",
    "pages": "pages_bench",
    "new_case": "new_case_bench",
}


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, required=True)
    parser.add_argument("--database-url", default=DEFAULT_SQLITE_URL)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (the median is kept)")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only these benchmarks")
    parser.add_argument("--report", dest="reports", action="append", help="only these reports")
    parser.add_argument("--page", dest="pages", action="append", help="only the pages whose name starts so (pages)")
    parser.add_argument("--explain", action="store_true", help="save the query plans in bench/explain/<vendor>/")
    parser.add_argument("--fresh", action="store_true", help="empty the benchmark database first")
    parser.add_argument("--import-rows", type=int, help="rows of the import benchmark's workbook")
    return parser.parse_args(argv)


def recreate(url: str, *, only_if_missing: bool = False) -> None:
    """Empty the benchmark database (an SQLite file is deleted, a PostgreSQL database dropped and
    created again); with ``only_if_missing``, only create a PostgreSQL database not there yet."""
    parsed = urlparse(check_bench_url(url))
    if parsed.scheme.startswith("sqlite"):
        if not only_if_missing:
            Path(parsed.path).unlink(missing_ok=True)
        return
    import psycopg

    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if only_if_missing and exists:
            return
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def prepare(options) -> None:
    """Migrate, load the reference data and generate the incidents, unless already there."""
    from django.core.management import call_command
    from django.db import connection

    from casetracker.cases.models import Incident
    from casetracker.core.models import Office

    call_command("migrate", verbosity=0)
    count = Incident.objects.count() if Office.objects.exists() else 0
    if count and count != options.incidents:
        # A benchmark database of another size: it is only ever generated data, so start again.
        print(f"benchmark database: {count} incidents, not {options.incidents}; starting it again", flush=True)
        connection.close()
        recreate(options.database_url)
        call_command("migrate", verbosity=0)
        count = 0
    if not Office.objects.exists():
        call_command("loaddata", str(ROOT / "fixtures" / "01_reference.json"), verbosity=0)
    if count == options.incidents:
        print(f"benchmark database: {count} incidents already there", flush=True)
    else:
        started = time.monotonic()
        call_command("generate_cases", incidents=options.incidents, seed=options.seed)
        print(f"generate_cases --incidents {options.incidents}: {time.monotonic() - started:.1f} s", flush=True)
    # Fresh planner statistics, as a maintained database has them (new indexes included).
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("PRAGMA analysis_limit = 10000")
            cursor.execute("ANALYZE")


def machine(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    with open("/proc/meminfo") as meminfo:
        ram = int(meminfo.readline().split()[1]) / 2**20
    return f"{cpus} CPUs, {ram:.0f} GiB RAM, Python {platform.python_version()}, {connection.vendor} {version}"


def main(argv=None) -> int:
    options = parse(argv)
    # A fresh machine has no benchmark database on PostgreSQL yet.
    recreate(options.database_url, only_if_missing=not options.fresh)
    setup_django(options.database_url)
    from django.db import connection

    prepare(options)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n{now}; {machine(connection)}; {options.incidents} incidents", flush=True)
    failed = False
    for name, module_name in BENCHMARKS.items():
        if options.only and name not in options.only:
            continue
        if not (Path(__file__).resolve().parent / f"{module_name}.py").exists():
            print(f"\n({name}: bench/{module_name}.py is not written yet; skipped)")
            continue
        results = importlib.import_module(module_name).run(options)
        print_results(results, title=f"{name} ({connection.vendor}, {options.incidents} incidents)")
        failed |= any(r.ok is False for r in results)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of the bench process: {peak:.0f} MiB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
