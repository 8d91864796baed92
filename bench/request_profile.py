"""Where one request's server time goes, on a benchmark database (issue 20): its queries, the
database's time for each (and the triggers they fire), and Django's own Python.

The clerks' requests of the load test (bench/loadtest_people.py), as a Seoul clerk and a clerk of
the Gyeonggi local office with the most schools make them through Django's test client: the
searches of the incident list (a person's code, a case number's sequence, six weeks of report
dates), the save of a new case (the add form's post, ``new_case_bench``), a person added on the
case page (the page's own form posted with one more victim row) and a step (the case referred to
a committee). Each request once to warm up, then ``--repeat`` times: the medians of the query
count, the queries' time as Django waited for them, and the Python CPU of the request
(``time.process_time``: Django's own work, not the database's, not the machine's waits).

``--explain`` runs each request once more with PostgreSQL's ``auto_explain`` sending every
statement's plan to the client (``EXPLAIN (ANALYZE, BUFFERS)`` of each query, the statements of
the triggers' functions included, and each trigger's time): the slowest are printed.
``--profile`` prints the functions of cProfile's run of the request by cumulative time. A save's
deferred triggers are run before the request ends (``SET CONSTRAINTS ALL IMMEDIATE``), so they are
timed. Everything is in one transaction rolled back after.

    .venv/bin/python bench/request_profile.py --database-url postgres://postgres@127.0.0.1:5432/bench_x \\
        [--request search-person ...] [--repeat 5] [--explain] [--profile]
"""

import argparse
import cProfile
import datetime
import io
import pstats
import re
import statistics
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import setup_django

REQUESTS = [
    "search-person",
    "search-person-v2",
    "search-person-rare",
    "search-number",
    "search-dates",
    "save",
    "add-person",
    "step",
]


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--request", dest="requests", action="append", choices=REQUESTS)
    parser.add_argument("--clerk", choices=["seoul", "local"], action="append", dest="clerks")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--plans", type=int, default=6, help="how many of the slowest plans to print")
    parser.add_argument("--plan-lines", type=int, default=40, help="the first lines of each plan printed")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-sort", default="cumulative")
    parser.add_argument("--profile-lines", type=int, default=45)
    parser.add_argument("--statements", action="store_true", help="with --explain: every statement, in order")
    parser.add_argument("--queries", action="store_true", help="print the request's queries, slowest first")
    return parser.parse_args(argv)


class Plans:
    """auto_explain's plans of every statement, sent to this connection as notices."""

    def __init__(self, connection):
        self.connection, self.notices, self.on = connection, [], False

    def __enter__(self):
        connection = self.connection
        connection.ensure_connection()
        connection.connection.add_notice_handler(self.notice)
        with connection.cursor() as cursor:
            cursor.execute("LOAD 'auto_explain'")
            for name, value in [
                ("log_min_duration", "0"),
                ("log_analyze", "on"),
                ("log_buffers", "on"),
                ("log_triggers", "on"),
                ("log_nested_statements", "on"),
                ("log_timing", "on"),
                ("log_level", "notice"),
            ]:
                cursor.execute(f"SET auto_explain.{name} = {value}")
        self.on = True
        return self

    def notice(self, diagnostic):
        if self.on:
            self.notices.append(diagnostic.message_primary or "")

    def __exit__(self, *exc):
        self.on = False
        with self.connection.cursor() as cursor:
            cursor.execute("SET auto_explain.log_min_duration = -1")
        self.connection.connection.remove_notice_handler(self.notice)

    def slowest(self, count: int) -> list[tuple[float, str]]:
        found = []
        for message in self.notices:
            match = re.match(r"duration: ([\d.]+) ms", message)
            if match:
                found.append((float(match.group(1)), message))
        return sorted(found, key=lambda item: -item[0])[:count]


class FormFields(HTMLParser):
    """The fields of the page's <form id=...> as the browser would post them untouched, in order
    (loadtest_people's ``Form``, which imports locust, whose monkey-patching breaks Django here)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields, self.options = form_id, False, [], {}
        self.select, self.selected, self.textarea = None, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        name = attrs.get("name")
        if not self.inside:
            return
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file", "image", "reset"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
                return
            self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self.select, self.selected = name, []
            self.options[name] = []
        elif tag == "option" and self.select:
            self.options[self.select].append(attrs.get("value", ""))
            if "selected" in attrs:
                self.selected.append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields.append((name, ""))

    def handle_data(self, data):
        if self.textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            self.fields += [(self.select, v) for v in self.selected or self.options[self.select][:1]]
            self.select = None
        elif tag == "textarea" and self.textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value.removeprefix("\n"))
            self.textarea = None
        elif tag == "form":
            self.inside = False


def parse_form(html, form_id):
    form = FormFields(form_id)
    form.feed(html)
    assert form.fields, f"no form #{form_id}"
    return form


def add_rows(fields, prefix, rows):
    """``rows`` added to the inline ``prefix`` as copies of its empty form (loadtest_people's)."""
    template = [(n, v) for n, v in fields if n.startswith(f"{prefix}-__prefix__-")]
    total = int(dict(fields)[f"{prefix}-TOTAL_FORMS"])
    fields = [(n, v) for n, v in fields if n != f"{prefix}-TOTAL_FORMS" and "__prefix__" not in n]
    for index, row in enumerate(rows, start=total):
        for name, value in template:
            column = name.removeprefix(f"{prefix}-__prefix__-")
            fields.append((f"{prefix}-{index}-{column}", row.get(column, value)))
    return [*fields, (f"{prefix}-TOTAL_FORMS", str(total + len(rows)))]


def submitted(fields):
    return [(n, v) for n, v in fields if "__prefix__" not in n]


def _clerks():
    from django.db.models import Count

    from casetracker.accounts.models import User
    from casetracker.core.models import LocalOffice, Office, School

    seoul, gyeonggi = Office.objects.get(code="seoul"), Office.objects.get(code="gyeonggi")
    local = (
        LocalOffice.objects.filter(office=gyeonggi)
        .annotate(school_count=Count("schools"))
        .order_by("-school_count", "pk")
        .first()
    )
    middle = School.objects.filter(level="middle").order_by("pk")
    return {
        "seoul": (
            "Seoul clerk",
            User.objects.create(username="bench-prof-seoul", role=User.Role.CLERK, office=seoul, is_active=True),
            middle.filter(office=seoul).first(),
        ),
        "local": (
            "Gyeonggi local clerk",
            User.objects.create(
                username="bench-prof-local", role=User.Role.CLERK, office=gyeonggi, local_office=local, is_active=True
            ),
            middle.filter(local_office=local).first(),
        ),
    }


def _requests(client, school, names):
    """name -> (prepare, send): ``prepare()`` is not timed; ``send(prepared)`` is the request."""
    from django.db import connection
    from django.urls import reverse
    from new_case_bench import _case

    from casetracker.core.models import Committee

    incidents = reverse("admin:cases_incident_changelist")
    add = reverse("admin:cases_incident_add")

    def get(url):
        def send(_prepared):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return (lambda: None), send

    def deferred():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the commit's deferred triggers
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def new_case():
        data = _case(client.get(add).content.decode(), school)
        response = client.post(add, data)
        assert response.status_code == 302, response.content[:3000]
        return response["Location"]

    def save_send(data):
        response = client.post(add, data)
        assert response.status_code == 302, response.content[:3000]
        deferred()
        return response

    def add_person_prepare():
        page = new_case()
        html = client.get(page).content.decode()
        person = {"code": "V3", "kind": "student", "school_level": school.level, "grade": "2"}
        fields = add_rows(parse_form(html, "incident_form").fields, "victims", [person])
        return page, [*submitted(fields), ("_continue", "1")]

    def post_send(prepared):
        url, fields = prepared
        data = {}
        for name, value in fields:
            data.setdefault(name, []).append(value)
        response = client.post(url, data)
        assert response.status_code == 302, response.content[:3000]
        deferred()
        return response

    def step_prepare():
        page = new_case()
        url = f"{page[: -len('change/')]}step/refer/"
        form = parse_form(client.get(url).content.decode(), "step_form")
        committees = set(
            Committee.objects.filter(office=school.office, kind=Committee.Kind.SCHOOL_VIOLENCE).values_list(
                "pk", flat=True
            )
        )
        committee = next(c for c in form.options["committee"] if c and int(c) in committees)
        on = (datetime.date.today() - datetime.timedelta(days=20)).isoformat()
        values = {"committee": committee, "on": on}
        return url, [(n, v) for n, v in form.fields if n not in values] + list(values.items())

    table = {
        "search-person": get(f"{incidents}?q=V1"),
        "search-person-v2": get(f"{incidents}?q=V2"),
        "search-person-rare": get(f"{incidents}?q=O3"),
        "search-number": get(f"{incidents}?q=17"),
        "search-dates": get(f"{incidents}?report_date_from=2024-03-01&report_date_to=2024-04-15"),
        "save": (lambda: _case(client.get(add).content.decode(), school), save_send),
        "add-person": (add_person_prepare, post_send),
        "step": (step_prepare, post_send),
    }
    return [(name, *table[name]) for name in names]


def run(options) -> None:
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic():
        clerks = _clerks()
        for key in options.clerks or ["seoul"]:
            label, user, school = clerks[key]
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            for name, prepare, send in _requests(client, school, options.requests or REQUESTS):
                with transaction.atomic():
                    send(prepare())  # warm
                    transaction.set_rollback(True)
                counts, sql, cpus, walls, slowest = [], [], [], [], []
                for _ in range(options.repeat):
                    with transaction.atomic():
                        prepared = prepare()
                        with CaptureQueriesContext(connection) as queries:
                            wall, cpu = time.perf_counter(), time.process_time()
                            send(prepared)
                            cpus.append(time.process_time() - cpu)
                            walls.append(time.perf_counter() - wall)
                        counts.append(len(queries))
                        sql.append(sum(float(q["time"]) for q in queries.captured_queries))
                        slowest = queries.captured_queries
                        print(f"    (repeat: {len(queries)} queries, SQL {sql[-1] * 1000:.0f} ms)")
                        transaction.set_rollback(True)
                print(
                    f"{label}: {name}: {statistics.median(walls) * 1000:.0f} ms wall, "
                    f"{statistics.median(counts):.0f} queries, SQL {statistics.median(sql) * 1000:.0f} ms, "
                    f"Python CPU {statistics.median(cpus) * 1000:.0f} ms",
                    flush=True,
                )
                if options.queries:
                    for query in sorted(slowest, key=lambda q: -float(q["time"]))[:15]:
                        print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:220]}")
                    kinds = {}
                    for query in slowest:
                        kind = " ".join(query["sql"].split()[:3])[:60]
                        kinds.setdefault(kind, [0, 0.0])
                        kinds[kind][0] += 1
                        kinds[kind][1] += float(query["time"])
                    for kind, (count, seconds) in sorted(kinds.items(), key=lambda item: -item[1][1])[:25]:
                        print(f"  {count:3d} x {seconds * 1000:6.1f} ms  {kind}")
                if options.explain:
                    with transaction.atomic():
                        prepared = prepare()
                        with Plans(connection) as plans:
                            send(prepared)
                        transaction.set_rollback(True)
                    triggers = {}
                    for message in plans.notices:
                        for trigger, ms, calls in re.findall(r"Trigger (\S+): time=([\d.]+) calls=(\d+)", message):
                            triggers.setdefault(trigger, [0, 0.0])
                            triggers[trigger][0] += int(calls)
                            triggers[trigger][1] += float(ms)
                    print(f"  {len(plans.notices)} statements; triggers (calls, ms):")
                    for trigger, (calls, ms) in sorted(triggers.items(), key=lambda item: -item[1][1]):
                        print(f"    {calls:4d} x {ms:7.1f} ms  {trigger}")
                    if options.statements:
                        for message in plans.notices:
                            match = re.match(r"duration: ([\d.]+) ms\s+plan:\s+Query Text: (.*)", message, re.S)
                            if match:
                                text = " ".join(match.group(2).split("\n")[0].split())[:160]
                                print(f"    {float(match.group(1)):7.2f} ms  {text}")
                    for duration, plan in plans.slowest(options.plans):
                        lines = plan.splitlines()
                        print(f"--- {duration:.1f} ms\n" + "\n".join(lines[: options.plan_lines]) + "\n", flush=True)
                if options.profile:
                    with transaction.atomic():
                        prepared = prepare()
                        profile = cProfile.Profile()
                        profile.enable()
                        send(prepared)
                        profile.disable()
                        transaction.set_rollback(True)
                    out = io.StringIO()
                    stats = pstats.Stats(profile, stream=out).sort_stats(options.profile_sort)
                    stats.print_stats(options.profile_lines)
                    print(out.getvalue(), flush=True)
        transaction.set_rollback(True)


def main(argv=None) -> int:
    options = parse(argv)
    setup_django(options.database_url)
    run(options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
