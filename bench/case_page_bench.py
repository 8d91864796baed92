"""The case page (the incident's admin change page, its workspace and steps) for a case of 10 people
and 10 measures, against its budgets of 150 ms server time and 30 queries (issue 18).

The case is added to the benchmark database for the run, in a transaction rolled back after:
at a school of the office with the most incidents, referred to that school's committee, with
``casetracker.datasets.whole_case`` (5 victims, 5 offenders, every relation, a protection
measure per victim, a separation, a takedown, a heard committee case, 10 measures, an appeal).
A clerk of that office opens it through Django's test client (session, permissions, the page's
queries, the templates): the median of the turns, printed as the ratio to the 150 ms budget,
and the page's query count against 30.

    .venv/bin/python bench/run.py --incidents N --only case_page
"""

import datetime
from dataclasses import dataclass

from common import Result, timed

BUDGET_SECONDS = 0.150
BUDGET_QUERIES = 30
PEOPLE, MEASURES = 10, 10


@dataclass
class QueryCount(Result):
    """A count of queries against its budget (met: at most the budget)."""

    count: int = 0
    budget: int = 0

    @property
    def ok(self) -> bool:
        return self.count <= self.budget


def run(options) -> list[Result]:
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from casetracker.accounts.models import User
    from casetracker.cases.models import Incident
    from casetracker.core.models import Committee, School
    from casetracker.datasets.whole_case import add_whole_case

    busiest = Incident.objects.values("office_id").annotate(n=Count("pk")).order_by("-n").first()
    office_id = busiest["office_id"] if busiest else School.objects.values_list("office_id", flat=True).first()
    committee = (
        Committee.objects.filter(office_id=office_id, kind=Committee.Kind.SCHOOL_VIOLENCE).order_by("pk").first()
    )
    school = (
        School.objects.filter(office_id=office_id, local_office_id=committee.local_office_id).order_by("pk").first()
    )
    with transaction.atomic():
        incident = Incident.objects.create(
            office_id=office_id,
            school=school,
            case_number="BENCH-0001",
            report_date=datetime.date(2024, 5, 2),
            content_kind=Incident.ContentKind.SEXUAL_IMAGE,
        )
        add_whole_case(incident=incident, committee=committee, people=PEOPLE, measures=MEASURES)
        clerk = User.objects.create(username="bench-case-clerk", role=User.Role.CLERK, office_id=office_id)
        client = Client(HTTP_HOST="localhost")
        client.force_login(clerk)
        url = reverse("admin:cases_incident_change", args=[incident.pk])

        def page():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        seconds, _response = timed(page, repeat=options.repeat)
        with CaptureQueriesContext(connection) as queries:
            page()
        transaction.set_rollback(True)
    case = f"{PEOPLE} people, {MEASURES} measures"
    return [
        Result("case page", f"server time, {case}", seconds, BUDGET_SECONDS, target=1.0),
        QueryCount(
            "case page",
            f"queries, {case}",
            count=len(queries),
            budget=BUDGET_QUERIES,
            extra={"queries": len(queries), "budget": BUDGET_QUERIES},
        ),
    ]
