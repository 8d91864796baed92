"""Load test: clerks entering cases and supervisors reading reports, on gunicorn and PostgreSQL.

    .venv/bin/python bench/loadtest.py [--duration 180] [--clerks 20] [--supervisors 4] [--workers 4]
    make loadtest DURATION=60

Loopback only, bounded in time. It

1. recreates the PostgreSQL database ``loadtest_casetracker`` (``--database-url``), migrates it,
   loads the shipped data, collects the static files and creates the accounts: clerks spread
   over the 17 offices of education, one national supervisor and office supervisors;
2. starts gunicorn (casetracker/gunicorn.conf.py, ``--workers``) on 127.0.0.1 under
   bench/loadtest_settings.py (production's settings without two-factor), with the cache and
   sessions on Redis when one answers at ``--redis-url``;
3. runs the clerks and supervisors, each a thread with its own cookies, for ``--duration``
   seconds. A clerk signs in, then over and over opens the admin's incident form, looks up a
   school through the admin's autocomplete, posts the
   incident with its victims and offenders the way the form's "add another" rows do (for some
   incidents then a committee referral through the case page's "refer" step), and opens the
   case list. Two clerks of one office
   may be offered the same next case number: the one refused retries, as a person would. A
   supervisor signs in, then opens report pages with random filters, drill-down lists, and
   CSV and XLSX files. Every request goes as nginx would pass it: ``X-Forwarded-Proto: https``
   and ``X-Real-IP``;
4. stops gunicorn and checks: no 5xx, no unexpected status, no traceback in the server's log;
   every incident a clerk was redirected for exists exactly once with its people and referral,
   and no other incident appeared; every file download is on the access log. It prints the
   latency percentiles per kind of request and the throughput, and exits 1 if a check failed.

Clerks and supervisors wait ``--think`` seconds on average between actions (0 for a stress test).
"""

import argparse
import datetime
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/loadtest_casetracker"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
ADD_INCIDENT = "/admin/cases/incident/add/"
INCIDENT_LIST = "/admin/cases/incident/"
LOGIN = "/admin/login/"
MARK = "loadtest"  # in every incident description, to tell the load test's incidents apart


# Taking part: a browser with cookies ------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Recorder:
    """Every request's kind, latency and outcome, from all threads."""

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: list[str] = field(default_factory=list)
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.samples[kind].append(seconds)
            self.statuses[kind][status] += 1

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


class Browser:
    """One person's browser: its cookies, its address, the static files it has cached."""

    def __init__(self, port: int, address: str, recorder: Recorder):
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.address = address
        self.recorder = recorder
        self.cookies: dict[str, str] = {}
        self.cached: set[str] = set()

    def request(self, kind: str, method: str, path: str, form=None, *, expect=(200,)) -> Response:
        headers = {
            "Host": self.host,
            # What the reverse proxy adds (docs/deploy.md): the scheme and the client's address.
            "X-Forwarded-Proto": "https",
            "X-Real-IP": self.address,
            "Accept-Language": "ko",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{self.host}"
            headers["Referer"] = f"https://{self.host}{path}"
        connection = HTTPConnection("127.0.0.1", self.port, timeout=120)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
            cookies = raw.headers.get_all("Set-Cookie") or []
        except OSError as error:
            self.recorder.record(kind, time.perf_counter() - started, 0)
            self.recorder.error(f"{kind} {method} {path}: {error!r}")
            raise
        finally:
            connection.close()
        self.recorder.record(kind, time.perf_counter() - started, response.status)
        for header in cookies:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.status not in expect:
            excerpt = " ".join(re.sub(r"<[^>]+>", " ", response.text).split())[:300]
            self.recorder.error(f"{kind} {method} {path}: HTTP {response.status}: {excerpt}")
        return response

    def get(self, kind: str, path: str, **kwargs) -> Response:
        return self.request(kind, "GET", path, **kwargs)

    def post(self, kind: str, path: str, form, **kwargs) -> Response:
        return self.request(kind, "POST", path, form, **kwargs)

    def static_files(self, page: Response) -> None:
        """The page's stylesheets and scripts, the first time this browser sees them (then cached)."""
        for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text):
            if url not in self.cached:
                self.cached.add(url)
                self.get("static", url)

    def log_in(self, username: str, password: str) -> None:
        page = self.get("login", LOGIN)
        form = parse_form(page.text, "login-form")
        data = dict(form.fields)
        data.update(username=username, password=password, next="/admin/")
        response = self.post("login", LOGIN, data, expect=(302,))
        if response.status != 302:
            raise RuntimeError(f"{username} could not sign in")


# Reading the admin's forms the way a browser does -----------------------------------------------


class Form(HTMLParser):
    """The fields of one <form>: what the browser would submit untouched, and the choices offered."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.options: dict[str, list[str]] = defaultdict(list)  # select and checkbox choices
        self._select: tuple[str, bool] | None = None
        self._selected: list[str] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"}:
                self.options[name].append(attrs.get("value", "on"))
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in {"submit", "button", "image", "file", "reset"}:
                self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._selected = (name, "multiple" in attrs), []
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            self.options[self._select[0]].append(value)
            if "selected" in attrs:
                self._selected.append(value)
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            name, multiple = self._select
            chosen = self._selected if multiple else (self._selected or self.options[name][:1] or [""])
            self.fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None

    def value(self, name: str) -> str:
        return next((value for key, value in self.fields if key == name), "")


def parse_form(html: str, form_id: str) -> Form:
    form = Form(form_id)
    form.feed(html)
    form.close()
    if not form.fields:
        raise RuntimeError(f"no form #{form_id} on the page")
    return form


def page_errors(html: str) -> str:
    """The form's error messages, each after its field where the page says which."""
    messages = []
    for attrs, item in re.findall(r'<ul class="errorlist[^"]*"([^>]*)>(.*?)</ul>', html, re.S):
        where = re.search(r'id="id_([^"]+)_error"', attrs)
        text = " ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split())
        messages.append(f"{where.group(1)}: {text}" if where else text)
    return " | ".join(messages)


class Ledger:
    """What the clerks were told was saved."""

    def __init__(self):
        self.saved: list[dict] = []
        self.lock = threading.Lock()

    def add(self, entry: dict) -> None:
        with self.lock:
            self.saved.append(entry)


# The people ------------------------------------------------------------------------------------


@dataclass
class World:
    """What the setup made: accounts, and the reference data a person would know."""

    password: str
    clerks: list[dict]  # username, office_id
    supervisors: list[dict]  # username, national
    school_level: dict[int, str]  # school id -> level
    school_violence_committees: dict[int, list[int]]  # office id -> committee ids
    reports: list[str]
    cells: list[tuple[str, str, str]]  # (report, table, count column) of a total row
    offices: list[str]
    number_taken: str  # the form's message when another clerk took the case number first


def think(rng: random.Random, mean: float, deadline: float) -> None:
    if mean > 0:
        time.sleep(max(0.0, min(rng.uniform(0.5 * mean, 1.5 * mean), deadline - time.monotonic())))


def clerk(browser: Browser, account: dict, world: World, ledger: Ledger, deadline: float, args, seed: int) -> None:
    rng = random.Random(seed)
    browser.log_in(account["username"], world.password)
    serial = 0
    while time.monotonic() < deadline:
        serial += 1
        enter_incident(browser, account, world, ledger, rng, serial)
        think(rng, args.think, deadline)


def enter_incident(browser: Browser, account: dict, world: World, ledger: Ledger, rng: random.Random, serial: int):
    mark = f"{MARK} {account['username']} {serial}"
    for _attempt in range(5):
        page = browser.get("incident form", ADD_INCIDENT)
        if page.status != 200:
            return
        browser.static_files(page)
        form = parse_form(page.text, "incident_form")
        data = [(name, value) for name, value in form.fields if "__prefix__" not in name]
        template = {name: value for name, value in form.fields if "__prefix__" in name}
        values = dict(data)

        found = browser.get(
            "autocomplete",
            "/admin/autocomplete/?"
            + urlencode({"app_label": "cases", "model_name": "incident", "field_name": "school", "term": ""}),
        )
        schools = [int(item["id"]) for item in json.loads(found.body)["results"]] if found.status == 200 else []
        if not schools:
            browser.recorder.error(f"{account['username']}: the school autocomplete offered no school")
            return
        school = rng.choice(schools)
        level = world.school_level[school]
        report_date = datetime.date.today() - datetime.timedelta(days=rng.randint(20, 400))
        channels = rng.sample(form.options["channels"], rng.randint(1, 2))
        values.update(
            office=str(account["office_id"]),
            school=str(school),
            # The number the form proposes, as a clerk would take it.
            case_number=form.value("case_number"),
            report_date=report_date.isoformat(),
            content_kind=rng.choice([v for v in form.options["content_kind"] if v]),
            image_source=rng.choice([v for v in form.options["image_source"] if v]),
            # The mark tells this save's incident apart: the form may renumber a case reported in
            # another year (its suggested number follows the report date).
            content_description=f"Composite images shared in a class group chat ({mark}).",
            police_referred_on=(report_date + datetime.timedelta(days=1)).isoformat() if rng.random() < 0.5 else "",
        )
        victims = [
            {"code": f"V{n}", "kind": "student", "school_level": level, "grade": str(rng.randint(1, 3))}
            for n in range(1, rng.randint(1, 3) + 1)
        ]
        offenders = [
            {"code": f"O{n}", "kind": "student", "school_level": level, "grade": str(rng.randint(1, 3))}
            for n in range(1, rng.randint(1, 2) + 1)
        ]
        # A committee referral is a step of the saved case (its page's "refer" form), as a clerk takes it.
        refer = rng.random() < 0.35
        fields = [(name, value) for name, value in values.items() if name != "channels"]
        fields += [("channels", value) for value in channels]
        fields = add_rows(fields, template, "victims", victims)
        fields = add_rows(fields, template, "offenders", offenders)
        fields.append(("_continue", "저장 후 계속 편집") if refer else ("_save", "저장"))

        response = browser.post("incident save", ADD_INCIDENT, fields, expect=(302, 200))
        if response.status == 302:
            location = urlsplit(response.headers.get("location", "")).path
            referrals = 0
            if refer:
                referrals = refer_case(browser, account, world, rng, location, report_date)
            elif location != INCIDENT_LIST:
                browser.recorder.error(f"incident save redirected to {location!r}, not the case list")
            ledger.add(
                {
                    "office_id": account["office_id"],
                    "mark": mark,
                    "victims": sorted(row["code"] for row in victims),
                    "offenders": sorted(row["code"] for row in offenders),
                    "referrals": referrals,
                    "clerk": account["username"],
                }
            )
            browser.get("incident list", INCIDENT_LIST)
            return
        if response.status != 200:
            return
        errors = page_errors(response.text)
        if world.number_taken in errors:
            # Another clerk of the office took the proposed number first: open the form again.
            with browser.recorder.lock:
                browser.recorder.retries += 1
            continue
        browser.recorder.error(f"{account['username']}: the incident was refused: {errors[:400]}")
        return
    browser.recorder.error(f"{account['username']}: five case numbers in a row were taken")


def refer_case(browser: Browser, account: dict, world: World, rng: random.Random, case_page: str, report_date) -> int:
    """Refer the case just saved (``case_page``: its change page) to one of its office's school
    violence committees through the case page's "refer" step; 1 if it was recorded."""
    match = re.fullmatch(r"/admin/cases/incident/(\d+)/change/", case_page)
    if not match:
        browser.recorder.error(f"incident save redirected to {case_page!r}, not the case's page")
        return 0
    step = f"/admin/cases/incident/{match.group(1)}/step/refer/"
    page = browser.get("step form", step)
    if page.status != 200:
        return 0
    form = parse_form(page.text, "step_form")
    committees = world.school_violence_committees[account["office_id"]]
    usable = [c for c in form.options["committee"] if c and int(c) in committees]
    if not usable:
        return 0
    fields = [(name, value) for name, value in form.fields if name not in ("committee", "on")]
    requested_on = report_date + datetime.timedelta(days=rng.randint(1, 10))
    fields += [("committee", rng.choice(usable)), ("on", requested_on.isoformat())]
    response = browser.post("step save", step, fields, expect=(302,))
    return 1 if response.status == 302 else 0


def add_rows(fields: list, template: dict[str, str], prefix: str, rows: list[dict]) -> list:
    """Add ``rows`` to the inline ``prefix`` as the admin's "add another" does: copies of the empty form."""
    total = int(dict(fields)[f"{prefix}-TOTAL_FORMS"])
    fields = [(k, v) for k, v in fields if k != f"{prefix}-TOTAL_FORMS"]
    for index, row in enumerate(rows, start=total):
        for name, value in template.items():
            if name.startswith(f"{prefix}-__prefix__-"):
                column = name.removeprefix(f"{prefix}-__prefix__-")
                fields.append((f"{prefix}-{index}-{column}", row.get(column, value)))
    fields.append((f"{prefix}-TOTAL_FORMS", str(total + len(rows))))
    return fields


def supervisor(browser: Browser, account: dict, world: World, deadline: float, args, seed: int) -> None:
    rng = random.Random(seed)
    browser.log_in(account["username"], world.password)
    page = browser.get("report index", "/reports/")
    browser.static_files(page)
    while time.monotonic() < deadline:
        year = rng.randint(2022, datetime.date.today().year)
        filters = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"} if rng.random() < 0.7 else {}
        if account["national"] and rng.random() < 0.3:
            filters["office"] = rng.choice(world.offices)
        if rng.random() < 0.2:
            filters["publication"] = "1"
        query = f"?{urlencode(filters)}" if filters else ""
        name = rng.choice(world.reports)
        roll = rng.random()
        if roll < 0.55:
            browser.static_files(browser.get("report page", f"/reports/{name}/{query}"))
        elif roll < 0.75:
            browser.get("report csv", f"/reports/{name}/download.csv{query}")
        elif roll < 0.85:
            browser.get("report xlsx", f"/reports/{name}/download.xlsx{query}")
        else:
            report, table, column = rng.choice(world.cells)
            cell = {**filters, "table": table, "row": "total", "column": column}
            cell.pop("publication", None)
            browser.get("report drill-down", f"/reports/{report}/cases/?{urlencode(cell)}")
        think(rng, args.think, deadline)


def run_person(target, *args) -> None:
    try:
        target(*args)
    except Exception as error:  # a person's crash is a finding, not the end of the test
        args[0].recorder.error(f"{target.__name__} stopped: {error!r}")


# Setting up and checking: the database, through Django ----------------------------------------


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"refusing to recreate a database named {name!r}")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


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
    call_command("load_shipped_data", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
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


def verify(ledger: Ledger, before: dict[str, int], downloads: int) -> list[str]:
    """The clerks' saves and the supervisors' downloads, against the database."""
    from casetracker.audit.models import AccessLog
    from casetracker.cases.models import Incident
    from casetracker.cases.status import out_of_step

    problems = []
    new = Incident.objects.filter(pk__gt=before["incident"])
    marked = defaultdict(list)
    for incident in new.prefetch_related("victims", "offenders", "committee_cases"):
        marked[(incident.office_id, _mark_of(incident.content_description))].append(incident)
    for entry in ledger.saved:
        key = (entry["office_id"], entry["mark"])
        matches = len(marked.get(key, []))
        incident = marked[key][0] if matches else None
        if matches != 1 or incident is None:
            problems.append(f"incident {key} saved by {entry['clerk']}: {matches} rows among the new ones")
            continue
        people = (
            sorted(victim.code for victim in incident.victims.all()),
            sorted(offender.code for offender in incident.offenders.all()),
            len(incident.committee_cases.all()),
        )
        if people != (entry["victims"], entry["offenders"], entry["referrals"]):
            problems.append(f"incident {key}: stored {people}, posted {entry}")
    if len(new) != len(ledger.saved):
        problems.append(f"{len(new)} new incidents in the database, {len(ledger.saved)} saves acknowledged")
    logged = AccessLog.objects.filter(pk__gt=before["access"], action=AccessLog.Action.EXPORT).count()
    if logged != downloads:
        problems.append(f"{downloads} files downloaded, {logged} downloads on the access log")
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
    probe = Browser(port, "127.0.0.1", Recorder())
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {logs / 'error.log'}")
        try:
            if probe.get("probe", LOGIN).status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 30 seconds")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def report(recorder: Recorder, elapsed: float) -> tuple[str, dict]:
    lines = [
        f"{'request':<18} {'count':>7} {'req/s':>7} {'p50':>7} {'p90':>7} {'p95':>7} {'p99':>7} {'max':>7}  statuses",
    ]
    summary = {}
    total = 0
    for kind in sorted(recorder.samples):
        values = recorder.samples[kind]
        total += len(values)
        ms = {name: 1000 * percentile(values, share) for name, share in [("p50", 0.5), ("p90", 0.9), ("p95", 0.95)]}
        ms["p99"] = 1000 * percentile(values, 0.99)
        ms["max"] = 1000 * max(values)
        statuses = dict(sorted(recorder.statuses[kind].items()))
        summary[kind] = {"count": len(values), "per_second": len(values) / elapsed, "ms": ms, "statuses": statuses}
        lines.append(
            f"{kind:<18} {len(values):>7} {len(values) / elapsed:>7.1f} "
            + " ".join(f"{ms[name]:>7.0f}" for name in ("p50", "p90", "p95", "p99", "max"))
            + "  "
            + ", ".join(f"{status}: {count}" for status, count in statuses.items())
        )
    lines.append(f"{'all':<18} {total:>7} {total / elapsed:>7.1f}   (latencies in milliseconds)")
    return "\n".join(lines), summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=180, help="seconds of load (180)")
    parser.add_argument("--clerks", type=int, default=20, help="clerks entering cases (20)")
    parser.add_argument("--supervisors", type=int, default=4, help="supervisors reading reports (4)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a person's actions (1.0)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="recreated on every run")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="cache and sessions; '' for none")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="casetracker-loadtest-"))
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
    recreate_database(args.database_url)
    world = set_up(args, env)
    before = baseline()
    port = free_port()
    server = start_server(args, env, port, logs)
    config = (
        f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; {len(world.clerks)} clerks, "
        f"{len(world.supervisors)} supervisors, think {args.think} s, {args.duration:.0f} s; "
        f"cache and sessions: {'Redis ' + redis_url if redis_url else 'no Redis (database sessions)'}"
    )
    print(config, flush=True)

    recorder, ledger = Recorder(), Ledger()
    cpu_started = time.process_time()
    started = time.monotonic()
    deadline = started + args.duration
    people = []
    for n, account in enumerate(world.clerks):
        browser = Browser(port, f"10.0.{n // 250}.{n % 250 + 1}", recorder)
        people.append((clerk, browser, account, world, ledger, deadline, args, args.seed * 1000 + n))
    for n, account in enumerate(world.supervisors):
        browser = Browser(port, f"10.1.{n // 250}.{n % 250 + 1}", recorder)
        people.append((supervisor, browser, account, world, deadline, args, args.seed * 1000 + 500 + n))
    threads = [threading.Thread(target=run_person, args=person) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    client_cpu = time.process_time() - cpu_started

    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)
    server_log = "".join((logs / name).read_text(errors="replace") for name in ("error.log", "server.log"))
    downloads = sum(
        count
        for kind in ("report csv", "report xlsx")
        for status, count in recorder.statuses.get(kind, {}).items()
        if status == 200
    )
    problems = list(recorder.errors)
    for kind, statuses in recorder.statuses.items():
        server_errors = sum(count for status, count in statuses.items() if status >= 500 or status == 0)
        if server_errors:
            problems.append(f"{kind}: {server_errors} server errors or failed connections")
    tracebacks = server_log.count("Traceback (most recent call last)")
    if tracebacks or "WORKER TIMEOUT" in server_log:
        causes = sorted(set(re.findall(r"^(\w[\w.]*(?:Error|Exception)\b.*)$", server_log, re.M)))
        problems.append(f"the server logged {tracebacks} tracebacks ({'; '.join(causes)[:500]}): see {logs}")
    problems += verify(ledger, before, downloads)

    table, summary = report(recorder, elapsed)
    referred = sum(entry["referrals"] for entry in ledger.saved)
    print(table)
    print(
        f"{len(ledger.saved)} incidents saved ({len(ledger.saved) / elapsed * 60:.0f} a minute, "
        f"{referred} with a committee referral), {recorder.retries} retries after a taken case number, "
        f"{downloads} files downloaded, in {elapsed:.0f} s"
    )
    print(f"the load generator itself used {client_cpu:.0f} s of CPU ({client_cpu / elapsed:.0%} of one CPU)")
    if problems:
        print(f"FAILED: {len(problems)} problems")
        for problem in problems[:50]:
            print(f"  - {problem}")
    else:
        print("OK: no HTTP errors, no lost writes, every download on the access log, every stored status in step")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "config": config,
                    "elapsed": elapsed,
                    "requests": summary,
                    "incidents_saved": len(ledger.saved),
                    "retries": recorder.retries,
                    "downloads": downloads,
                    "client_cpu_seconds": client_cpu,
                    "problems": problems,
                },
                indent=2,
            )
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
