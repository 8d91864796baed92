"""The people of the load test (bench/loadtest.py) as locust users: clerks, supervisors, a probe.

Locust sends the requests and keeps the statistics; what is ours is what each person does, read
from the pages the way a browser reads them (the forms' fields, the links), and the ledger of
what the clerks were told was saved, which bench/loadtest.py checks against the database.

- A **clerk** signs in, opens the work queue, and then goes through the day's actions at
  random: the queue again and a case from it; a search of the case list (part of a case
  number, a person's code, a range of report dates) and a case from the results; a new case
  through the add form (a school looked up with the autocomplete, 1-3 victims and 1-2
  offenders as the form's "add another" rows, saved, then its page); and, on a case they
  entered in this run, a person added through the case page's form, or a step through the
  case page's step buttons (refer to a committee, then schedule the hearing). Two clerks of one
  office may be offered the same next case number: the one refused opens the form again, as a
  person would.
- A **supervisor** signs in, opens the report index, then report pages with random filters,
  drill-down lists, and CSV and XLSX files.
- The **probe** asks ``/healthz`` once a second without a session: the cheapest request the
  same gunicorn serves, against which the case page's cost is a ratio.

Every request goes as nginx would pass it (docs/deploy.md): ``X-Forwarded-Proto: https`` and
the person's own ``X-Real-IP``. Each request kind has its locust name.
"""

import datetime
import itertools
import json
import random
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, constant, task

ADD_INCIDENT = "/admin/cases/incident/add/"
INCIDENT_LIST = "/admin/cases/incident/"
CASE_PAGE = re.compile(r"/admin/cases/incident/(\d+)/change/")
LOGIN = "/admin/login/"
MARK = "loadtest"  # in every incident description, to tell the load test's incidents apart


# Reading the pages the way a browser does -------------------------------------------------------


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


def add_rows(fields: list, prefix: str, rows: list[dict]) -> list:
    """Add ``rows`` to the inline ``prefix`` as the admin's "add another" does: copies of the empty
    form (its ``__prefix__`` fields), numbered after the rows the form already has."""
    template = [(name, value) for name, value in fields if name.startswith(f"{prefix}-__prefix__-")]
    total = int(dict(fields)[f"{prefix}-TOTAL_FORMS"])
    fields = [(k, v) for k, v in fields if k != f"{prefix}-TOTAL_FORMS"]
    for index, row in enumerate(rows, start=total):
        for name, value in template:
            column = name.removeprefix(f"{prefix}-__prefix__-")
            fields.append((f"{prefix}-{index}-{column}", row.get(column, value)))
    fields.append((f"{prefix}-TOTAL_FORMS", str(total + len(rows))))
    return fields


def submitted(fields: list) -> list:
    """What the browser posts: the fields, without the empty forms' templates."""
    return [(name, value) for name, value in fields if "__prefix__" not in name]


def case_links(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/admin/cases/incident/(\d+)/change/[^"]*"', html)]


# What the set-up made and what the people did ---------------------------------------------------


@dataclass
class World:
    """What the set-up made (accounts, the reference data a person would know), and what the people
    were told: the saves (``saved``, one entry per incident, kept up to date by its clerk), the
    downloads, and anything that went wrong other than an HTTP status (``problems``)."""

    password: str
    clerks: list[dict]  # username, office_id
    supervisors: list[dict]  # username, national
    school_level: dict[int, str]  # school id -> level
    school_violence_committees: dict[int, list[int]]  # office id -> committee ids
    reports: list[str]
    cells: list[tuple[str, str, str]]  # (report, table, count column) of a total row
    offices: list[str]
    number_taken: str  # the form's message when another clerk took the case number first
    seed: int = 1
    saved: list[dict] = field(default_factory=list)
    downloads: int = 0
    retries: int = 0
    signed_in: int = 0  # people who have signed in and opened their first page
    saved_before: int = 0  # saves made while the others were still signing in
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def problem(self, message: str) -> None:
        with self.lock:
            self.problems.append(message)


class BehindTheProxy(DefaultCookiePolicy):
    """The secure cookies (production's settings) go back over loopback HTTP: the person speaks to
    gunicorn as nginx does, which has taken the browser's HTTPS off."""

    def return_ok_secure(self, cookie, request):
        return True


class Person(FastHttpUser):
    """A signed-in person's browser: cookies (locust's), an address, the static files it has cached."""

    abstract = True
    world: World  # set by bench/loadtest.py before the run
    numbers = itertools.count()
    network_timeout = connection_timeout = 120.0

    def on_start(self):
        self.n = next(Person.numbers)
        self.rng = random.Random(self.world.seed * 1000 + self.n)
        self.address = f"127.0.{self.n // 250 + 1}.{self.n % 250 + 1}"
        self.cached: set[str] = set()
        self.client.cookiejar.set_policy(BehindTheProxy())

    def send(self, name: str, method: str, path: str, form=None, *, expect=(200,)):
        """One request as nginx passes it; a status not in ``expect`` is a failure in locust's stats."""
        headers = {"X-Forwarded-Proto": "https", "X-Real-IP": self.address, "Accept-Language": "ko"}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            origin = self.host.replace("http://", "https://", 1)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": origin})
            headers["Referer"] = f"{origin}{path}"
        with self.client.request(
            method, path, name=name, data=body, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code in expect:
                response.success()
            else:
                excerpt = " ".join(re.sub(r"<[^>]+>", " ", response.text or "").split())[:300]
                response.failure(f"HTTP {response.status_code} (expected {expect}): {excerpt}")
        return response

    def get(self, name: str, path: str, **kwargs):
        return self.send(name, "GET", path, **kwargs)

    def post(self, name: str, path: str, form, **kwargs):
        return self.send(name, "POST", path, form, **kwargs)

    def page(self, name: str, path: str):
        """A page, and its stylesheets and scripts the first time this browser sees them."""
        response = self.get(name, path)
        for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', response.text or ""):
            if url not in self.cached:
                self.cached.add(url)
                self.get("static", url)
        return response

    def log_in(self, username: str) -> None:
        page = self.get("login page", LOGIN)
        data = dict(parse_form(page.text, "login-form").fields)
        data.update(username=username, password=self.world.password, next="/")
        if self.post("login", LOGIN, data, expect=(302,)).status_code != 302:
            raise RuntimeError(f"{username} could not sign in")


class Clerk(Person):
    """A clerk of one office: the work queue, the case list, the case page, new cases."""

    accounts = iter(())  # set by bench/loadtest.py

    def on_start(self):
        super().on_start()
        self.account = next(Clerk.accounts)
        self.mine: list[dict] = []  # the ledger entries of the cases this clerk entered
        self.serial = 0
        self.log_in(self.account["username"])
        self.page("queue", "/queue/")
        self.world.signed_in += 1

    @task(3)
    def work_queue(self):
        page = self.page("queue", "/queue/")
        cases = case_links(page.text or "")
        if cases:
            self.wait()
            self.page("case page", f"/admin/cases/incident/{self.rng.choice(cases)}/change/")

    @task(3)
    def search(self):
        rng = self.rng
        kind = rng.choice(["number", "person", "dates"])
        if kind == "number":  # part of a case number: its sequence, as a clerk remembers it
            query = {"q": str(rng.randint(1, 40))}
        elif kind == "person":
            query = {"q": f"{rng.choice('VO')}{rng.randint(1, 3)}"}
        else:
            start = datetime.date.today() - datetime.timedelta(days=rng.randint(30, 1200))
            end = start + datetime.timedelta(days=rng.randint(7, 90))
            query = {"report_date_from": start.isoformat(), "report_date_to": end.isoformat()}
        page = self.page(f"search {kind}", f"{INCIDENT_LIST}?{urlencode(query)}")
        cases = case_links(page.text or "")
        if cases:
            self.wait()
            self.page("case page", f"/admin/cases/incident/{self.rng.choice(cases)}/change/")

    @task(4)
    def new_case(self):
        self.serial += 1
        self.enter_incident(f"{MARK} {self.account['username']} {self.serial}")

    @task(2)
    def add_person(self):
        if not self.mine:
            return self.new_case()
        entry = self.rng.choice(self.mine)
        page = self.page("case page", entry["page"])
        if page.status_code != 200:
            return
        self.wait()
        kind = self.rng.choice(["victims", "offenders"])
        code = f"{'V' if kind == 'victims' else 'O'}{len(entry[kind]) + 1}"
        person = {"code": code, "kind": "student", "school_level": entry["level"], "grade": "2"}
        fields = add_rows(parse_form(page.text, "incident_form").fields, kind, [person])
        response = self.post("add person", entry["page"], [*submitted(fields), ("_continue", "1")], expect=(302,))
        if response.status_code == 302:
            entry[kind] = sorted([*entry[kind], code])
        elif response.status_code == 200:
            self.world.problem(f"{self.account['username']}: adding {code} was refused: {page_errors(response.text)}")

    @task(2)
    def step(self):
        """The case page's next step on one of this clerk's cases: refer it, then schedule the hearing."""
        if not self.mine:
            return self.new_case()
        entry = self.rng.choice(self.mine)
        page = self.page("case page", entry["page"])
        if page.status_code != 200:
            return
        # A step is a link to its page, or a form opened in place that posts to the same URL.
        steps = dict(re.findall(rf'(?:href|action)="({entry["page"][:-7]}step/(\w+)/[^"]*)"', page.text))
        steps = {name: unescape(url) for url, name in steps.items()}
        self.wait()
        if entry["referrals"] == 0:
            self.refer(entry, steps.get("refer"))
        elif not entry["scheduled"]:
            on = entry["requested_on"] + datetime.timedelta(days=self.rng.randint(3, 20))
            self.take_step(entry, steps.get("schedule"), {"on": on.isoformat()}, "scheduled")

    def refer(self, entry: dict, url: str | None) -> None:
        form = self.step_form(url)
        if form is None:
            return
        committees = self.world.school_violence_committees[self.account["office_id"]]
        usable = [c for c in form.options["committee"] if c and int(c) in committees]
        if not usable:
            return self.world.problem(f"{self.account['username']}: {url} offers no school violence committee")
        requested_on = entry["report_date"] + datetime.timedelta(days=self.rng.randint(1, 10))
        values = {"committee": self.rng.choice(usable), "on": requested_on.isoformat()}
        if self.take_step(entry, url, values, "referrals", form=form):
            entry["requested_on"] = requested_on

    def step_form(self, url: str | None) -> Form | None:
        if url is None:
            self.world.problem(f"{self.account['username']}: the case page offers no such step now")
            return None
        page = self.get("step form", url)
        return parse_form(page.text, "step_form") if page.status_code == 200 else None

    def take_step(self, entry: dict, url: str, values: dict, counter: str, form: Form | None = None) -> bool:
        form = form or self.step_form(url)
        if form is None:
            return False
        fields = [(name, value) for name, value in form.fields if name not in values] + list(values.items())
        response = self.post("step", url, fields, expect=(302,))
        if response.status_code == 302:
            entry[counter] += 1
            return True
        if response.status_code == 200:
            self.world.problem(f"{self.account['username']}: the step {url} was refused: {page_errors(response.text)}")
        return False

    def enter_incident(self, mark: str) -> None:
        rng, world = self.rng, self.world
        for _attempt in range(5):
            page = self.page("add form", ADD_INCIDENT)
            if page.status_code != 200:
                return
            form = parse_form(page.text, "incident_form")
            query = {"app_label": "cases", "model_name": "incident", "field_name": "school", "term": ""}
            found = self.get("autocomplete", f"/admin/autocomplete/?{urlencode(query)}")
            results = json.loads(found.text)["results"] if found.status_code == 200 else []
            schools = [int(item["id"]) for item in results]
            if not schools:
                return world.problem(f"{self.account['username']}: the school autocomplete offered no school")
            self.wait()
            school = rng.choice(schools)
            level = world.school_level[school]
            report_date = datetime.date.today() - datetime.timedelta(days=rng.randint(20, 400))
            police = rng.random() < 0.5
            values = {
                "office": str(self.account["office_id"]),
                "school": str(school),
                "case_number": form.value("case_number"),  # the number the form proposes, as a clerk takes it
                "report_date": report_date.isoformat(),
                "content_kind": rng.choice([v for v in form.options["content_kind"] if v]),
                "image_source": rng.choice([v for v in form.options["image_source"] if v]),
                # The mark tells this save's incident apart: the form may renumber a case reported in
                # another year (its suggested number follows the report date).
                "content_description": f"Composite images shared in a class group chat ({mark}).",
                "police_referred_on": (report_date + datetime.timedelta(days=1)).isoformat() if police else "",
            }
            fields = [(name, values.get(name, value)) for name, value in form.fields if name != "channels"]
            fields += [("channels", value) for value in rng.sample(form.options["channels"], rng.randint(1, 2))]
            people = {
                "victims": [{"code": f"V{n}", "grade": str(rng.randint(1, 3))} for n in range(1, rng.randint(2, 4))],
                "offenders": [{"code": f"O{n}", "grade": str(rng.randint(1, 3))} for n in range(1, rng.randint(2, 3))],
            }
            for prefix, rows in people.items():
                fields = add_rows(fields, prefix, [{**row, "kind": "student", "school_level": level} for row in rows])
            response = self.post("save", ADD_INCIDENT, [*submitted(fields), ("_continue", "1")], expect=(302, 200))
            if response.status_code == 302:
                location = urlsplit(response.headers.get("location", "")).path
                if not CASE_PAGE.fullmatch(location):
                    return world.problem(f"the save of {mark} redirected to {location!r}, not the case's page")
                entry = {
                    "office_id": self.account["office_id"],
                    "mark": mark,
                    "clerk": self.account["username"],
                    "page": location,
                    "level": level,
                    "report_date": report_date,
                    "requested_on": report_date,
                    **{prefix: sorted(row["code"] for row in rows) for prefix, rows in people.items()},
                    "referrals": 0,
                    "scheduled": 0,
                }
                with world.lock:
                    world.saved.append(entry)
                self.mine.append(entry)
                self.page("case page", location)  # where the save leads
                return
            if response.status_code != 200:
                return
            errors = page_errors(response.text)
            if world.number_taken not in errors:
                return world.problem(f"{self.account['username']}: the incident was refused: {errors[:400]}")
            with world.lock:  # another clerk of the office took the proposed number first: open the form again
                world.retries += 1
        world.problem(f"{self.account['username']}: five case numbers in a row were taken")


class Supervisor(Person):
    """A supervisor, national or of one office: reports, their drill-down lists and files."""

    accounts = iter(())  # set by bench/loadtest.py

    def on_start(self):
        super().on_start()
        self.account = next(Supervisor.accounts)
        self.log_in(self.account["username"])
        self.page("report index", "/reports/")
        self.world.signed_in += 1

    def filters(self) -> dict:
        rng = self.rng
        year = rng.randint(2022, datetime.date.today().year)
        filters = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"} if rng.random() < 0.7 else {}
        if self.account["national"] and rng.random() < 0.3:
            filters["office"] = rng.choice(self.world.offices)
        return filters

    @task(6)
    def report(self):
        filters = self.filters()
        if self.rng.random() < 0.2:
            filters["publication"] = "1"
        self.page("report", f"/reports/{self.rng.choice(self.world.reports)}/?{urlencode(filters)}")

    @task(2)
    def drill_down(self):
        report, table, column = self.rng.choice(self.world.cells)
        cell = {**self.filters(), "table": table, "row": "total", "column": column}
        self.page("drill-down", f"/reports/{report}/cases/?{urlencode(cell)}")

    @task(2)
    def export(self):
        suffix = self.rng.choice(["csv", "csv", "xlsx"])
        path = f"/reports/{self.rng.choice(self.world.reports)}/download.{suffix}?{urlencode(self.filters())}"
        if self.get(f"export {suffix}", path).status_code == 200:
            with self.world.lock:
                self.world.downloads += 1


class Probe(FastHttpUser):
    """``/healthz`` once a second, without a session: the cost of a request that reads nothing."""

    wait_time = constant(1)
    fixed_count = 1

    @task
    def trivial(self):
        headers = {"X-Forwarded-Proto": "https", "X-Real-IP": "127.0.0.254"}
        with self.client.get("/healthz", name="trivial", headers=headers, catch_response=True) as response:
            if response.status_code != 200 or response.text != "ok":
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:100]}")
