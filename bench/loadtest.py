"""Load test: clerks at work and supervisors reading reports, on gunicorn, PostgreSQL and Redis, driven by locust.

    .venv/bin/python bench/loadtest.py [--duration 180] [--clerks 20] [--supervisors 4] [--workers 4]
        [--think 2-10 | --think none] [--incidents N | --copy-of DATABASE] [--csv-dir DIR]
    make loadtest DURATION=60

Loopback only, bounded in time. It

1. recreates the PostgreSQL database ``loadtest_casetracker`` (``--database-url``), migrates it,
   loads the shipped data (and with ``--incidents N``, ``manage.py generate_cases --incidents N``
   on top, then ``VACUUM ANALYZE``; or, with ``--copy-of bench_casetracker``, starts from a copy of
   a database that already holds them, such as the benchmarks' million incidents), collects the
   static files and creates the accounts: clerks spread over the 17 offices of education, one
   national supervisor and office supervisors; then runs ``manage.py warm_reports``, as after a
   deploy (docs/deploy.md), unless ``--cold-reports``: the supervisors find the reports counted,
   as on a server in use;
2. starts gunicorn (casetracker/gunicorn.conf.py, ``--workers``) on 127.0.0.1 under
   bench/loadtest_settings.py (production's settings without two-factor), with the cache and
   sessions on Redis when one answers at ``--redis-url``;
3. runs the people of bench/loadtest_people.py (locust ``FastHttpUser``s, in this process) for
   ``--duration`` seconds, each waiting ``--think`` seconds (uniformly between the two bounds)
   between actions, or not at all with ``--think none`` (to find where the machine saturates);
4. stops gunicorn and checks: no failure in locust's statistics (a 5xx, an unexpected status, a
   failed connection) and no exception in a person's task, no traceback in the server's log;
   every incident a clerk was told was saved exists exactly once with its people, referral and
   scheduled hearing, and no other incident appeared; every file download is on the access log.
   It prints locust's figures per request kind and the requests per second, and the case page's
   median against the probe's (a trivial view of the same gunicorn), writes locust's CSV files
   (and its HTML report) to ``--csv-dir``, and exits 1 if a check failed.
"""

import argparse
import datetime
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import gevent  # locust's: imported (and the standard library patched) before Django's database connections
from locust import between, constant
from locust.env import Environment
from locust.html import get_html_report
from locust.stats import PERCENTILES_TO_REPORT, StatsCSVFileWriter, stats_history

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from loadtest_people import CASE_PAGE, MARK, Clerk, Person, Probe, Supervisor, World  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/loadtest_casetracker"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"


# Setting up and checking: the database, through Django ----------------------------------------


def recreate_database(url: str, copy_of: str = "") -> None:
    """Drop and create the load test's database, empty or as a copy of ``copy_of`` (a prepared
    database such as the benchmarks' million incidents: copying it takes a minute, generating it ten)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or not name.startswith("loadtest"):
        raise SystemExit(f"refusing to recreate a database named {name!r} (the load test's start with 'loadtest')")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not copy_of:
            connection.execute(f"CREATE DATABASE {name}")
            return
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", copy_of):
            raise SystemExit(f"not a database name: {copy_of!r}")
        # A template must have no other session while it is copied.
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [copy_of],
        )
        connection.execute(f"CREATE DATABASE {name} TEMPLATE {copy_of}")


def generate_cases(args, env: dict[str, str]) -> None:
    """``manage.py generate_cases`` on top of the shipped data, then fresh planner statistics (as
    bench/run.py prepares its database). The generator is an app of the local settings only."""
    started = time.monotonic()
    command = [sys.executable, "manage.py", "generate_cases", "--incidents", str(args.incidents), "--no-progress"]
    subprocess.run(
        command, cwd=ROOT, env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "casetracker.settings.local"}, check=True
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"generate_cases --incidents {args.incidents}: {time.monotonic() - started:.0f} s", flush=True)


def set_up(args, env: dict[str, str]) -> World:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import translation

    from casetracker.accounts.roles import Role
    from casetracker.accounts.services import create_account
    from casetracker.cases.models import Incident
    from casetracker.core.models import Committee, Office, School
    from casetracker.reports.definitions import REPORT_LIST
    from casetracker.reports.engine import CountColumn

    call_command("migrate", "--noinput", verbosity=0)
    if not args.copy_of:
        call_command("load_shipped_data", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if args.incidents:
        generate_cases(args, env)
    call_command("collectstatic", "--noinput", verbosity=0)
    password = secrets.token_urlsafe(18)
    offices = list(Office.objects.order_by("pk"))
    clerks, supervisors = [], []
    for n in range(args.clerks):
        office = offices[n % len(offices)]
        username = f"lt_clerk_{n + 1:02d}_{office.code}"
        create_account(username=username, role=Role.CLERK, office_code=office.code, password=password)
        clerks.append({"username": username, "office_id": office.pk})
    for n in range(args.supervisors):
        office = None if n == 0 else offices[(n * 5) % len(offices)]
        username = f"lt_supervisor_{n + 1:02d}_{office.code if office else 'national'}"
        create_account(
            username=username, role=Role.SUPERVISOR, office_code=office.code if office else None, password=password
        )
        supervisors.append({"username": username, "national": office is None})
    if not args.cold_reports:
        # As after a deploy (docs/deploy.md): the reports counted for each reading scope before anyone reads.
        warming = time.monotonic()
        call_command("warm_reports", stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"manage.py warm_reports: {time.monotonic() - warming:.0f} s", flush=True)
    committees = defaultdict(list)
    for pk, office_id in Committee.objects.filter(kind=Committee.Kind.SCHOOL_VIOLENCE).values_list("pk", "office_id"):
        committees[office_id].append(pk)
    unique_number = next(c for c in Incident._meta.constraints if c.name == "incident_case_number_unique_per_office")
    with translation.override("ko"):
        number_taken = str(unique_number.violation_error_message)
    cells = [
        (spec.name, table.key, column.key)
        for spec in REPORT_LIST
        for table in spec.tables
        if table.total
        for column in table.counts
        if isinstance(column, CountColumn)
    ]
    world = World(
        password=password,
        clerks=clerks,
        supervisors=supervisors,
        school_level=dict(School.objects.values_list("pk", "level")),
        school_violence_committees=committees,
        reports=[spec.name for spec in REPORT_LIST],
        cells=cells,
        offices=[office.code for office in offices],
        number_taken=number_taken,
        seed=args.seed,
    )
    connections.close_all()
    return world


def baseline() -> dict[str, int]:
    from django.db.models import Max

    from casetracker.audit.models import AccessLog
    from casetracker.cases.models import Incident

    return {
        "incident": Incident.objects.aggregate(top=Max("pk"))["top"] or 0,
        "access": AccessLog.objects.aggregate(top=Max("pk"))["top"] or 0,
    }


def _mark_of(description: str) -> str | None:
    found = re.search(rf"\(({MARK} [^)]+)\)", description)
    return found.group(1) if found else None


def verify(world: World, before: dict[str, int]) -> list[str]:
    """The clerks' saves and the supervisors' downloads, against the database."""
    from casetracker.audit.models import AccessLog
    from casetracker.cases.models import Incident
    from casetracker.cases.status import out_of_step

    problems = []
    new = Incident.objects.filter(pk__gt=before["incident"])
    marked = defaultdict(list)
    for incident in new.prefetch_related("victims", "offenders", "committee_cases"):
        marked[(incident.office_id, _mark_of(incident.content_description))].append(incident)
    for entry in world.saved:
        key = (entry["office_id"], entry["mark"])
        found = marked.get(key, [])
        if len(found) != 1:
            problems.append(f"incident {key} saved by {entry['clerk']}: {len(found)} rows among the new ones")
            continue
        incident = found[0]
        referrals = incident.committee_cases.all()
        stored = (
            sorted(victim.code for victim in incident.victims.all()),
            sorted(offender.code for offender in incident.offenders.all()),
            len(referrals),
            sum(1 for case in referrals if case.hearing_scheduled_on is not None),
        )
        posted = (entry["victims"], entry["offenders"], entry["referrals"], entry["scheduled"])
        if stored != posted:
            problems.append(f"incident {key} of {entry['clerk']}: stored {stored}, posted {posted}")
    if len(new) != len(world.saved):
        problems.append(f"{len(new)} new incidents in the database, {len(world.saved)} saves acknowledged")
    logged = AccessLog.objects.filter(pk__gt=before["access"], action=AccessLog.Action.EXPORT).count()
    if logged != world.downloads:
        problems.append(f"{world.downloads} files downloaded, {logged} downloads on the access log")
    # The status and referrals stored by the concurrent saves are what the records give.
    stale = out_of_step(new)
    if stale:
        problems.append(f"{len(stale)} new incidents with a stored status or referral out of step: {stale[:10]}")
    return problems


# Running ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_answers(url: str) -> bool:
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def answers(port: int) -> bool:
    """gunicorn's answer to ``/healthz``, as nginx would ask (HTTPS told by the header)."""
    headers = f"Host: 127.0.0.1:{port}\r\nX-Forwarded-Proto: https\r\nConnection: close"
    request = f"GET /healthz HTTP/1.1\r\n{headers}\r\n\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(request.encode())
            return connection.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def start_server(args, env: dict[str, str], port: int, logs: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        str(ROOT / "casetracker" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--access-logfile",
        str(logs / "access.log"),
        "--error-logfile",
        str(logs / "error.log"),
        "casetracker.wsgi:application",
    ]
    output = (logs / "server.log").open("wb")  # what Django logs (errors with their tracebacks)
    server = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {logs / 'error.log'}")
        if answers(port):
            return server
        time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 30 seconds")


def run_locust(args, world: World, port: int, csv_dir: Path) -> tuple[Environment, float]:
    """The people for ``--duration`` seconds once all have signed in, locust's statistics written to
    ``csv_dir`` as they come; and the seconds the signing in took.

    The statistics start again when the last person has signed in (as locust's ``--reset-stats``
    does after the ramp-up): 24 sign-ins at once are no part of a working day. A failure of the
    signing in stays a problem of the run.
    """
    wait = constant(0) if args.think is None else between(*args.think)
    Clerk.wait_time = Supervisor.wait_time = wait
    Clerk.fixed_count, Supervisor.fixed_count = len(world.clerks), len(world.supervisors)
    Clerk.accounts, Supervisor.accounts = iter(world.clerks), iter(world.supervisors)
    Person.world = world
    # stop_timeout: at the end each person finishes the action under way (a save is never cut off
    # between its answer and the ledger); one waiting between actions stops at once.
    env = Environment(user_classes=[Clerk, Supervisor, Probe], host=f"http://127.0.0.1:{port}", stop_timeout=120)
    runner = env.create_local_runner()
    writer = StatsCSVFileWriter(env, PERCENTILES_TO_REPORT, str(csv_dir / "loadtest"), full_history=True)
    greenlets = [gevent.spawn(writer.stats_writer), gevent.spawn(stats_history, runner)]
    people = len(world.clerks) + len(world.supervisors) + 1
    runner.start(people, spawn_rate=people)
    started = time.monotonic()
    while world.signed_in < people - 1 and time.monotonic() - started < 600 and not runner.exceptions:
        gevent.sleep(0.2)
    signing_in = time.monotonic() - started
    world.problems += [
        f"signing in: {e.method} {e.name}: {e.error} ({e.occurrences}x)" for e in env.stats.errors.values()
    ]
    if world.signed_in < people - 1:
        world.problem(f"only {world.signed_in} of {people - 1} people signed in, in {signing_in:.0f} s")
    env.stats.reset_all()
    world.saved_before = len(world.saved)
    gevent.spawn_later(args.duration, runner.quit)
    runner.greenlet.join()
    gevent.sleep(1.5)  # one more round of the CSV writer, with the final figures
    gevent.killall(greenlets)
    writer.close_files()
    (csv_dir / "loadtest.html").write_text(get_html_report(env, show_download_link=False))
    return env, signing_in


def table(env: Environment) -> str:
    """Locust's figures per request kind, in milliseconds."""
    stats = env.stats
    lines = [f"{'request':<16} {'count':>7} {'fail':>5} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}"]
    for entry in [*sorted(stats.entries.values(), key=lambda e: e.name), stats.total]:
        if not entry.num_requests:
            continue
        lines.append(
            f"{'all' if entry is stats.total else entry.name:<16} {entry.num_requests:>7} {entry.num_failures:>5} "
            f"{entry.total_rps:>6.1f} {entry.median_response_time:>6.0f} "
            f"{entry.get_response_time_percentile(0.95):>6.0f} {entry.get_response_time_percentile(0.99):>6.0f} "
            f"{entry.max_response_time:>6.0f}"
        )
    return "\n".join(lines)


def server_medians(access_log: Path) -> dict[str, float]:
    """The median milliseconds gunicorn spent on a case page and on ``/healthz``: the access log's
    last field (``%(D)s``, microseconds), which leaves out the wait for a free worker."""
    times = defaultdict(list)
    for found in re.finditer(r'"GET (\S+) HTTP/[\d.]+" 200 .* (\d+)$', access_log.read_text(errors="replace"), re.M):
        path, micros = found.group(1), int(found.group(2))
        kind = "trivial" if path == "/healthz" else "case page" if CASE_PAGE.fullmatch(path) else None
        if kind:
            times[kind].append(micros / 1000)
    return {kind: statistics.median(values) for kind, values in times.items()}


def print_ratio(locust: Environment, logs: Path) -> None:
    """The case page's cost against the trivial view's, as the client saw them and as gunicorn spent them."""
    case_page, trivial = locust.stats.get("case page", "GET"), locust.stats.get("trivial", "GET")
    if case_page.num_requests and trivial.num_requests and trivial.median_response_time:
        ratio = case_page.median_response_time / trivial.median_response_time
        print(
            f"seen by the client: case page p50 {case_page.median_response_time:.0f} ms / trivial view (/healthz) "
            f"p50 {trivial.median_response_time:.0f} ms = {ratio:.1f} (both include the wait for a free worker)"
        )
    served = server_medians(logs / "access.log")
    if "case page" in served and served.get("trivial"):
        print(
            f"spent by gunicorn (access log): case page median {served['case page']:.1f} ms / trivial view "
            f"median {served['trivial']:.1f} ms = {served['case page'] / served['trivial']:.0f}"
        )


def parse_think(value: str) -> tuple[float, float] | None:
    if value in ("none", "0"):
        return None
    low, _, high = value.partition("-")
    bounds = (float(low), float(high or low))
    if not 0 <= bounds[0] <= bounds[1]:
        raise argparse.ArgumentTypeError(f"{value!r}: seconds as MIN-MAX (2-10), or 'none'")
    return bounds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=180, help="seconds of load (180)")
    parser.add_argument("--clerks", type=int, default=20, help="clerks at work (20)")
    parser.add_argument("--supervisors", type=int, default=4, help="supervisors reading reports (4)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument(
        "--think", type=parse_think, default=(2.0, 10.0), help="seconds between actions: MIN-MAX (2-10), or none"
    )
    parser.add_argument("--incidents", type=int, default=0, help="generate_cases --incidents N after the shipped data")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="recreated on every run")
    parser.add_argument(
        "--copy-of",
        default="",
        help="start from a copy of this database of the same server, which already holds the shipped data "
        "(e.g. bench_casetracker, the benchmarks' million incidents), instead of loading it",
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="cache and sessions; '' for none")
    parser.add_argument("--csv-dir", type=Path, help="locust's CSV files and HTML report (default: the run's folder)")
    parser.add_argument(
        "--cold-reports",
        action="store_true",
        help="skip manage.py warm_reports (run by default after the accounts, as after a deploy)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="casetracker-loadtest-"))
    csv_dir = args.csv_dir or logs / "locust"
    csv_dir.mkdir(parents=True, exist_ok=True)
    redis_url = args.redis_url if redis_answers(args.redis_url) else ""
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.loadtest_settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "AUDIT_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
        "CONN_MAX_AGE": "60",
        "LOADTEST_STATIC_ROOT": str(logs / "static"),
        "LOG_LEVEL": "WARNING",
    }
    print(f"setting up {args.database_url} (logs and static files in {logs})", flush=True)
    recreate_database(args.database_url, args.copy_of)
    world = set_up(args, env)
    before = baseline()
    port = free_port()
    server = start_server(args, env, port, logs)
    think = "none" if args.think is None else f"{args.think[0]:g}-{args.think[1]:g} s"
    print(
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; "
        f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; "
        f"{len(world.clerks)} clerks, {len(world.supervisors)} supervisors, think {think}, {args.duration:.0f} s; "
        f"{before['incident']} incidents before; cache and sessions: "
        f"{'Redis ' + redis_url if redis_url else 'no Redis (database sessions)'}",
        flush=True,
    )

    cpu_started = time.process_time()
    started = time.monotonic()
    locust, signing_in = run_locust(args, world, port, csv_dir)
    elapsed = time.monotonic() - started - signing_in
    print(f"{world.signed_in} people signed in within {signing_in:.0f} s; the figures are of the {elapsed:.0f} s after")
    client_cpu = time.process_time() - cpu_started

    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)
    server_log = "".join((logs / name).read_text(errors="replace") for name in ("error.log", "server.log"))
    problems = list(world.problems)
    problems += [f"{e.method} {e.name}: {e.error} ({e.occurrences}x)" for e in locust.stats.errors.values()]
    problems += [f"{r['msg']} ({r['count']}x): {r['traceback'][-300:]}" for r in locust.runner.exceptions.values()]
    tracebacks = server_log.count("Traceback (most recent call last)")
    if tracebacks or "WORKER TIMEOUT" in server_log:
        causes = sorted(set(re.findall(r"^(\w[\w.]*(?:Error|Exception)\b.*)$", server_log, re.M)))
        problems.append(f"the server logged {tracebacks} tracebacks ({'; '.join(causes)[:500]}): see {logs}")
    problems += verify(world, before)

    print(f"\n{table(locust)}\n(latencies in milliseconds, from locust's statistics; its CSV files in {csv_dir})")
    print_ratio(locust, logs)
    referred = sum(entry["referrals"] for entry in world.saved)
    scheduled = sum(entry["scheduled"] for entry in world.saved)
    print(
        f"{len(world.saved)} incidents saved ({(len(world.saved) - world.saved_before) / elapsed * 60:.0f} a minute "
        f"after the signing in; {referred} referred "
        f"and {scheduled} hearings scheduled afterwards), {world.retries} retries after a taken case number, "
        f"{world.downloads} files downloaded, in {elapsed:.0f} s; "
        f"{locust.stats.total.total_rps:.1f} requests a second"
    )
    print(f"the load generator itself used {client_cpu:.0f} s of CPU ({client_cpu / elapsed:.0%} of one CPU)")
    if problems:
        print(f"FAILED: {len(problems)} problems")
        for problem in problems[:50]:
            print(f"  - {problem}")
    else:
        print("OK: no HTTP errors, no lost writes, every download on the access log, every stored status in step")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
