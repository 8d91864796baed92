"""The add form and the save of a new case, as a clerk of Seoul and one of a Gyeonggi local office
enter one (issue 20): server time and query count of each.

The case posted is what the load test's clerks post (bench/loadtest_people.py): the add form's own
fields as the page gives them (its suggested number, its open rows), a school of the clerk's, two
victims and an offender with their relations, a police referral. Each save runs in a savepoint
that ends with ``SET CONSTRAINTS ALL IMMEDIATE``, so the deferred work of the commit (the
office-year tokens, ``cases/generations.py``) is timed too; everything is rolled back after.

    .venv/bin/python bench/run.py --incidents N --only new_case
"""

import datetime
import statistics
import time
from html.parser import HTMLParser

from common import Result

BUDGET_SECONDS = 0.100  # each request's server time alone, for a p95 under 300 ms under load


class FormFields(HTMLParser):
    """The values the browser would post from the page's incident form, untouched."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside, self.fields, self.select, self.textarea = False, {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "incident_form":
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self.select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields[self.select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.inside = False


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
    return [
        (
            "Seoul clerk",
            User.objects.create(username="bench-new-seoul", role=User.Role.CLERK, office=seoul, is_active=True),
            middle.filter(office=seoul).first(),
        ),
        (
            "Gyeonggi local clerk",
            User.objects.create(
                username="bench-new-local", role=User.Role.CLERK, office=gyeonggi, local_office=local, is_active=True
            ),
            middle.filter(local_office=local).first(),
        ),
    ]


def _case(page: str, school) -> dict:
    parser = FormFields()
    parser.feed(page)
    data = parser.fields
    report_date = datetime.date.today() - datetime.timedelta(days=30)
    data.update(
        {
            "school": str(school.pk),
            "report_date": report_date.isoformat(),
            "content_kind": "sexual_image",
            "image_source": "social_profile",
            "content_description": "Composite images shared in a group chat.",
            "police_referred_on": (report_date + datetime.timedelta(days=1)).isoformat(),
            "victims-0-school_level": "middle",
            "victims-0-grade": "2",
            "victims-1-school_level": "middle",
            "victims-1-grade": "2",
            "offenders-0-school_level": "middle",
            "offenders-0-grade": "3",
            "new-relation_0_0": "classmate",
            "new-relation_1_0": "same_school",
        }
    )
    return data


def run(options) -> list[Result]:
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    add = reverse("admin:cases_incident_add")
    results = []

    def measure(label, name, request, prepare=lambda: None):
        request(prepare())  # warm
        times, cpus = [], []
        for _ in range(options.repeat):
            prepared = prepare()  # (not timed: the save's own add form)
            with CaptureQueriesContext(connection) as queries:
                started, cpu = time.perf_counter(), time.process_time()
                request(prepared)
                times.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
        seconds, cpu = statistics.median(times), statistics.median(cpus)
        database = sum(float(query["time"]) for query in queries.captured_queries)
        extra = {"queries": len(queries), "Python CPU ms": round(cpu * 1000), "database ms": round(database * 1000)}
        results.append(Result("new case", f"{label}: {name}", seconds, BUDGET_SECONDS, target=1.0, extra=extra))
        notes = ", ".join(f"{key} {value}" for key, value in extra.items())
        print(f"  {label}: {name}: {seconds * 1000:.0f} ms, {notes}", flush=True)

    with transaction.atomic():
        for label, user, school in _clerks():
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)

            def form(_prepared=None, client=client):
                response = client.get(add)
                assert response.status_code == 200, response.status_code
                return response

            def case(school=school, form=form):
                return _case(form().content.decode(), school)

            def save(data, client=client):
                with transaction.atomic():
                    response = client.post(add, data)
                    assert response.status_code == 302, response.content[:2000]
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the commit's deferred triggers

            measure(label, "add form", form)
            measure(label, "save", save, prepare=case)
        transaction.set_rollback(True)
    return results
