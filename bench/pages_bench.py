"""The pages people open, as four of them open them: server time and query count per page (issue 20).

A Seoul clerk, a clerk of a Gyeonggi local office, the Gyeonggi supervisor and the national
supervisor each fetch, through Django's test client (session, permissions, middleware, the
page's queries, the templates): the work queue, the incident list (its first page, a page
filtered by year and status, a search), the case page of a big case (``datasets.whole_case``:
10 people, 10 measures, added for the run), the add form (clerks only) and each report page.
Each page is fetched once to warm up, then ``--repeat`` times: the median, printed as the ratio
to the 300 ms budget (the load test's p95 target), beside the page's query count.

Everything the run writes (the accounts, their sessions, the big cases, the access log's
entries) is in one transaction rolled back after, so the benchmark database is left as it was.

    .venv/bin/python bench/run.py --incidents N --only pages
"""

import datetime

from common import Result, timed_with_cpu

BUDGET_SECONDS = 0.300
PEOPLE, MEASURES = 10, 10


def _big_case(*, office, local_office_id, number: str):
    """A case of ``PEOPLE`` people and ``MEASURES`` measures at a school of ``local_office_id``."""
    from casetracker.cases.models import Incident
    from casetracker.core.models import Committee, School
    from casetracker.datasets.whole_case import add_whole_case

    committees = Committee.objects.filter(office=office, kind=Committee.Kind.SCHOOL_VIOLENCE)
    if local_office_id is not None:
        committees = committees.filter(local_office_id=local_office_id)
    committee = committees.order_by("pk").first()
    school = School.objects.filter(office=office, local_office_id=committee.local_office_id).order_by("pk").first()
    incident = Incident.objects.create(
        office=office,
        school=school,
        case_number=number,
        report_date=datetime.date(2024, 5, 2),
        content_kind=Incident.ContentKind.SEXUAL_IMAGE,
    )
    return add_whole_case(incident=incident, committee=committee, people=PEOPLE, measures=MEASURES)


def _accounts():
    """(label, user, the big case it opens) for each of the four."""
    from django.db.models import Count

    from casetracker.accounts.models import User
    from casetracker.core.models import LocalOffice, Office

    seoul, gyeonggi = Office.objects.get(code="seoul"), Office.objects.get(code="gyeonggi")
    # The Gyeonggi local office with the most schools: the largest a local clerk has.
    local = (
        LocalOffice.objects.filter(office=gyeonggi)
        .annotate(school_count=Count("schools"))
        .order_by("-school_count", "pk")
        .first()
    )
    seoul_case = _big_case(office=seoul, local_office_id=None, number="BENCH-PAGES-1")
    gyeonggi_case = _big_case(office=gyeonggi, local_office_id=local.pk, number="BENCH-PAGES-2")

    def user(name, **fields):
        return User.objects.create(username=f"bench-pages-{name}", is_active=True, **fields)

    return [
        ("Seoul clerk", user("seoul", role=User.Role.CLERK, office=seoul), seoul_case),
        (
            "Gyeonggi local clerk",
            user("local", role=User.Role.CLERK, office=gyeonggi, local_office=local),
            gyeonggi_case,
        ),
        ("Gyeonggi supervisor", user("office-sup", role=User.Role.SUPERVISOR, office=gyeonggi), gyeonggi_case),
        ("national supervisor", user("national", role=User.Role.SUPERVISOR), seoul_case),
    ]


def _pages(user, case) -> list[tuple[str, str]]:
    """(name, URL) of each page ``user`` opens."""
    from django.urls import reverse

    from casetracker.accounts.roles import Role
    from casetracker.reports.definitions import REPORT_LIST

    incidents = reverse("admin:cases_incident_changelist")
    school_word = case.school.name_ko.split()[0][:4]
    pages = [
        ("queue", reverse("workflow:queue")),
        ("list", incidents),
        ("list, 2024, referred", f"{incidents}?report_date_year=2024&status=referred"),
        ("list, search", f"{incidents}?q={school_word}"),
        # The load test's three searches (bench/loadtest_people.py): a person's code, which nearly
        # every case has; a case number's sequence; a range of report dates.
        ("search person", f"{incidents}?q=V1"),
        ("search person, rare", f"{incidents}?q=O3"),
        ("search number", f"{incidents}?q=17"),
        ("search dates", f"{incidents}?report_date_from=2024-03-01&report_date_to=2024-04-15"),
        ("case page", reverse("admin:cases_incident_change", args=[case.pk])),
    ]
    if user.role == Role.CLERK:
        pages.append(("add form", reverse("admin:cases_incident_add")))
        school_query = "app_label=cases&model_name=incident&field_name=school&term="
        pages.append(("autocomplete", f"{reverse('admin:autocomplete')}?{school_query}"))
    pages.append(("reports", reverse("reports:index")))
    pages += [(f"report {spec.name}", reverse("reports:detail", args=[spec.name])) for spec in REPORT_LIST]
    return pages


def run(options) -> list[Result]:
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    results = []
    with transaction.atomic():
        for label, user, case in _accounts():
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            for name, url in _pages(user, case):
                report = name.removeprefix("report ") if name.startswith("report ") else None
                if options.reports and report and report not in options.reports:
                    continue
                if options.pages and not any(name.startswith(prefix) for prefix in options.pages):
                    continue

                def page(url=url, client=client):
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.status_code)
                    return response

                seconds, cpu = timed_with_cpu(page, repeat=options.repeat)
                with CaptureQueriesContext(connection) as queries:
                    page()
                results.append(
                    Result(
                        "page",
                        f"{label}: {name}",
                        seconds,
                        BUDGET_SECONDS,
                        target=1.0,
                        extra={"queries": len(queries), "Python CPU ms": round(cpu * 1000)},
                    )
                )
                print(
                    f"  {label}: {name}: {seconds * 1000:.0f} ms, {len(queries)} queries, "
                    f"Python CPU {cpu * 1000:.0f} ms",
                    flush=True,
                )
        transaction.set_rollback(True)
    return results
