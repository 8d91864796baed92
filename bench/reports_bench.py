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
    """Take the report's entries out of the cache, its own and its counts of each office-year (and no
    other: the cache may be Redis, with sessions)."""
    from django.conf import settings
    from django.core.cache import caches

    from casetracker.reports import cache
    from casetracker.reports.reporting import filtered_incidents

    filters = filtered_incidents(user, {})
    if hasattr(cache, "report_keys"):
        caches[settings.REPORTS_CACHE].delete_many(cache.report_keys(spec, user, filters))
    else:  # (the code before the counts of each office-year: one entry per report)
        caches[settings.REPORTS_CACHE].delete(cache.cache_key(spec, user, filters))


def one_write() -> None:
    """A write in one office-year, as a clerk's save is, that moves no figure: a victim of Gyeonggi's
    latest year written again as it is. The office-year's token changes at the commit (autocommit
    here), so every report that reads it is computed again."""
    from django.db.models import F

    from casetracker.cases.models import Victim

    victims = Victim.objects.filter(incident__office__code="gyeonggi").order_by("-incident__report_date", "-pk")
    Victim.objects.filter(pk=victims.values_list("pk", flat=True)[0]).update(code=F("code"))


def after_a_write(spec, user, *, repeat: int) -> float:
    """The median time of the report after one write in one office-year (the report warm before)."""
    from casetracker.reports.reporting import run_report

    run_report(spec, user, {})
    times = []
    for _ in range(max(repeat, 3)):
        one_write()
        times.append(_timed(lambda: run_report(spec, user, {})))
    return statistics.median(times)


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
        written_seconds = after_a_write(spec, user, repeat=options.repeat)
        results.append(
            Result("report after a write", spec.name, written_seconds, extra={"cold": f"{report_seconds:.3f} s"})
        )
        print(
            f"  report {spec.name}: cold {report_seconds:.3f} s, after one write {written_seconds * 1000:.1f} ms, "
            f"warm {warm_seconds * 1000:.1f} ms, hand SQL {hand_seconds:.3f} s",
            flush=True,
        )
        if options.explain:
            forget(spec, user)
            explain(connection, spec, user)
    results.extend(warm_pages(options, user))
    results.extend(drill_downs(options))
    return results


DRILL_FILTERS = {"all years": {}, "one year": {"date_from": "2023-01-01", "date_to": "2023-12-31"}}


def drill_downs(options) -> list[Result]:
    """The drill-down list of each total cell, as the load test opens them (a national supervisor,
    the first page, without filters and for one year), the report's figures already computed: its
    server time and queries."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils.http import urlencode

    from casetracker.accounts.models import User
    from casetracker.reports.definitions import REPORT_LIST

    results = []
    with transaction.atomic():
        supervisor = User.objects.create(username="bench-drill-supervisor", role=User.Role.SUPERVISOR)
        client = Client(HTTP_HOST="localhost")
        client.force_login(supervisor)
        for spec in REPORT_LIST:
            if options.reports and spec.name not in options.reports:
                continue
            for table in spec.tables:
                if not table.total:
                    continue
                for column in table.counts:
                    for label, filters in DRILL_FILTERS.items():
                        query = {**filters, "table": table.key, "row": "total", "column": column.key}
                        url = f"{reverse('reports:cases', args=[spec.name])}?{urlencode(query)}"
                        client.get(url)  # (the report's figures computed, as on the report page first)
                        started = time.perf_counter()
                        with CaptureQueriesContext(connection) as queries:
                            response = client.get(url)
                        seconds = time.perf_counter() - started
                        assert response.status_code == 200, response.status_code
                        name = f"{spec.name}/{table.key}/{column.key}, {label}"
                        results.append(Result("drill-down", name, seconds, extra={"queries": len(queries)}))
                        print(f"  drill-down {name}: {seconds * 1000:.0f} ms, {len(queries)} queries", flush=True)
        transaction.set_rollback(True)
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
