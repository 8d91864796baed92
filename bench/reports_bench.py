"""Each report against its hand-written SQL (bench/hand_sql.py), and each report's peak memory;
then the same report from the cache, and its page.

A report runs as a national supervisor reads it, without filters, over every incident of
the benchmark database: the heaviest case. Its cold time is the whole of ``run_report`` with
its entry taken out of the cache first (the tokens, the queries, the tables built from them,
the entry stored); the lower bound is the one hand-written statement. Before timing, the bench
checks that both give the same figures. The warm time is ``run_report`` found in the cache
(``reports/cache.py``), and the warm page the report page's server time (Django's test client,
a supervisor signed in within a transaction that is rolled back: nothing is left in the
database), against the issue's budget of 100 ms.
"""

import statistics
import time
import tracemalloc

from common import EXPLAIN_DIR, Result

TARGET = 1.5
WARM_PAGE_BUDGET = 0.100  # seconds of server time for a report page found in the cache (issue 20)


def interleaved(first, second, *, repeat: int):
    """Each function run once to warm up, then ``repeat`` times in turns (so that load from other
    work on the machine falls on both alike): (median wall time, median CPU time, last result) of each."""
    results = [first(), second()]
    times: list[list[tuple[float, float]]] = [[], []]
    for _ in range(repeat):
        for index, function in enumerate((first, second)):
            wall, cpu = time.perf_counter(), time.process_time()
            results[index] = function()
            times[index].append((time.perf_counter() - wall, time.process_time() - cpu))
    return [
        (statistics.median(t[0] for t in runs), statistics.median(t[1] for t in runs), result)
        for runs, result in zip(times, results, strict=True)
    ]


def national_supervisor():
    from casetracker.accounts.models import User

    return User(username="bench-supervisor", role=User.Role.SUPERVISOR, is_active=True)


def report_figures(result) -> dict:
    """The report's count cells of its body rows, keyed like hand_sql's figures; and of its total
    row, as "<table> total", where a row can be in several groups (the total is not their sum)."""
    figures = {}
    for table in result.tables:
        keys = [c.key for c in table.spec.counts]
        figures[table.spec.key] = {row.value: {k: row.cells[k] for k in keys} for row in table.body}
        totals = [row for row in table.rows if row.kind == "total"]
        if totals:
            figures[f"{table.spec.key} total"] = {"total": {k: totals[0].cells[k] for k in keys}}
    return figures


def compare(name: str, report: dict, hand: dict) -> None:
    for table, rows in report.items():
        if table.endswith(" total") and table not in hand:
            continue  # a total the hand-written statement does not compute: the sum of the rows it checks
        columns = {k for row in rows.values() for k in row}
        for value in set(rows) | set(hand.get(table, {})):
            mine = rows.get(value, dict.fromkeys(columns, 0))
            theirs = hand.get(table, {}).get(value, dict.fromkeys(columns, 0))
            if mine != theirs:
                raise AssertionError(f"{name}/{table}/{value}: report {mine} != hand-written SQL {theirs}")


def forget(spec, user) -> None:
    """Take the report's entry out of the cache (and no other: the cache may be Redis, with sessions)."""
    from django.conf import settings
    from django.core.cache import caches

    from casetracker.reports.cache import cache_key
    from casetracker.reports.reporting import filtered_incidents

    caches[settings.REPORTS_CACHE].delete(cache_key(spec, user, filtered_incidents(user, {})))


def cold_report(spec, user):
    from casetracker.reports.reporting import run_report

    forget(spec, user)
    return run_report(spec, user, {})


def run(options) -> list[Result]:
    import hand_sql
    from django.db import connection

    from casetracker.reports.definitions import REPORT_LIST
    from casetracker.reports.reporting import run_report

    user = national_supervisor()
    results = []
    for spec in REPORT_LIST:
        if options.reports and spec.name not in options.reports:
            continue
        (report_seconds, report_cpu, result), (hand_seconds, hand_cpu, hand) = interleaved(
            lambda spec=spec: cold_report(spec, user),
            lambda spec=spec: hand_sql.run(connection, spec.name),
            repeat=options.repeat,
        )
        compare(spec.name, report_figures(result), hand)
        extra = {"figures": "equal"}
        if connection.vendor == "sqlite":
            # SQLite runs in this process: its CPU time is the same comparison, unmoved by other load.
            extra["CPU ratio"] = f"{report_cpu / hand_cpu:.2f}"
        forget(spec, user)
        tracemalloc.start()
        run_report(spec, user, {})
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results.append(
            Result(
                "report",
                spec.name,
                report_seconds,
                hand_seconds,
                TARGET,
                extra={**extra, "peak memory": f"{peak / 2**20:.2f} MiB"},
            )
        )
        warm_seconds = statistics.median(_timed(lambda spec=spec: run_report(spec, user, {})) for _ in range(9))
        results.append(Result("report (cached)", spec.name, warm_seconds, extra={"cold": f"{report_seconds:.3f} s"}))
        print(
            f"  report {spec.name}: cold {report_seconds:.3f} s, warm {warm_seconds * 1000:.1f} ms, "
            f"hand SQL {hand_seconds:.3f} s",
            flush=True,
        )
        if options.explain:
            forget(spec, user)
            explain(connection, spec, user)
    results.extend(warm_pages(options, user))
    return results


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def warm_pages(options, user) -> list[Result]:
    """Each report page found in the cache: its server time (the median of nine), with a supervisor
    signed in within a transaction that is rolled back."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from casetracker.accounts.models import User
    from casetracker.reports.definitions import REPORT_LIST

    results = []
    with transaction.atomic():
        supervisor = User.objects.create(username="bench-report-supervisor", role=User.Role.SUPERVISOR)
        client = Client(HTTP_HOST="localhost")
        client.force_login(supervisor)
        for spec in REPORT_LIST:
            if options.reports and spec.name not in options.reports:
                continue
            url = reverse("reports:detail", args=[spec.name])

            def page(url=url):
                response = client.get(url)
                assert response.status_code == 200, response.status_code

            page()  # (in the cache already, from the report above: the same key)
            seconds = statistics.median(_timed(page) for _ in range(9))
            with CaptureQueriesContext(connection) as queries:
                page()
            results.append(
                Result(
                    "report page (cached)",
                    spec.name,
                    seconds,
                    WARM_PAGE_BUDGET,
                    target=1.0,
                    extra={"queries": len(queries)},
                )
            )
            print(f"  report page {spec.name} (cached): {seconds * 1000:.1f} ms, {len(queries)} queries", flush=True)
        transaction.set_rollback(True)
    return results


def explain(connection, spec, user) -> None:
    """The plans of the report's queries and of the hand-written one, in bench/explain/<vendor>/."""
    import hand_sql
    from django.test.utils import CaptureQueriesContext

    from casetracker.reports.reporting import run_report

    with CaptureQueriesContext(connection) as captured:
        run_report(spec, user, {})
    statements = [("report", q["sql"], ()) for q in captured.captured_queries]
    statements.append(("hand-written", hand_sql.sql_of(connection, spec.name), ()))
    write_plans(connection, f"report-{spec.name}", statements)


def write_plans(connection, name: str, statements: list[tuple[str, str, tuple]]) -> None:
    """``statements``: (label, SQL, parameters). EXPLAIN ANALYZE on PostgreSQL runs each once more."""
    prefix = "EXPLAIN (ANALYZE, BUFFERS)" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    folder = EXPLAIN_DIR / connection.vendor
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    with connection.cursor() as cursor:
        for label, sql, params in statements:
            cursor.execute(f"{prefix} {sql}", params or None)
            plan = cursor.fetchall()
            lines += [f"-- {label}", sql.strip(), "", *("  ".join(str(c) for c in row) for row in plan), "", ""]
    (folder / f"{name}.txt").write_text("\n".join(lines), encoding="utf-8")
