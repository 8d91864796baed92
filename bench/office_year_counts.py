"""The reports' counts as the cache makes them, at a million incidents (bench/README.md, 2026-12-08):
each report's tables counted whole (``count_table``), split by office-year (every part missing: the
cold count), and one office-year counted again (Gyeonggi's latest year: what a clerk's save costs the
next reader), as a national supervisor without filters. Wall time (medians) and the process's CPU;
``--explain DIR`` writes the one office-year's queries under EXPLAIN (ANALYZE, BUFFERS).

    .venv/bin/python bench/office_year_counts.py --database-url postgres://...bench_x [--explain DIR]
        [--only one,whole,split]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from common import setup_django


def timed(function, runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return round(statistics.median(walls), 3), round(statistics.median(cpus), 3)


def explained(queries, connection, path: Path) -> float:
    """The queries under EXPLAIN (ANALYZE, BUFFERS) into ``path``: their execution times' sum (ms)."""
    total, lines = 0.0, []
    for query in queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = [row[0] for row in cursor.fetchall()]
        lines += [query["sql"], *plan, "", ""]
        total += sum(float(line.split()[2]) for line in plan if line.startswith("Execution Time"))
    path.write_text("\n".join(lines))
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--explain", type=Path)
    parser.add_argument("--only", default="one,whole,split")
    options = parser.parse_args()
    setup_django(options.database_url)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casetracker.accounts.models import User
    from casetracker.cases.models import Incident
    from casetracker.core.models import Office
    from casetracker.reports.definitions import REPORT_LIST
    from casetracker.reports.engine import count_table
    from casetracker.reports.reporting import filtered_incidents

    user = User(username="bench-supervisor", role=User.Role.SUPERVISOR, is_active=True)
    office = Office.objects.get(code="gyeonggi")
    latest = Incident.objects.filter(office=office).latest("report_date").report_date.year
    one = [(office.pk, latest)]
    if options.explain:
        options.explain.mkdir(parents=True, exist_ok=True)

    def counts(spec, **split):
        incidents = filtered_incidents(user, {}).qs
        return lambda: [count_table(table, user, incidents, **split) for table in spec.tables]

    for spec in REPORT_LIST:
        found = {}
        if "whole" in options.only:
            found["whole"] = timed(counts(spec), 2)
        if "split" in options.only:
            found["split"] = timed(counts(spec, by_office_year=True), 1)
        if "one" in options.only:
            found["one"] = timed(counts(spec, by_office_year=True, only=one), 3)
            if options.explain:
                with CaptureQueriesContext(connection) as queries:
                    counts(spec, by_office_year=True, only=one)()
                found["one, EXPLAIN ms"] = round(
                    explained(queries.captured_queries, connection, options.explain / f"{spec.name}.txt")
                )
                found["queries"] = len(queries.captured_queries)
        print(spec.name, found, flush=True)


if __name__ == "__main__":
    sys.exit(main())
