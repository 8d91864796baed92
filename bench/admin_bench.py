"""The admin's incident list against a bare indexed SELECT ... LIMIT of the same page.

Two pages, as a national supervisor opens them: the first page filtered to one office (the
office with the most incidents), and a search by case number. The lower bound is the one
SELECT of the same rows, joined as the list shows them, in the same order, with the same
LIMIT; the bench checks that it finds the same rows. Measured against it: the database
time of the list's own queries (those on case tables: the count, the page, the status of
its rows, the date hierarchy), which is what the target is about; and, for information,
the whole page through Django's test client (session, permissions, filters, the template).
"""

from common import Result, timed

TARGET = 3.0


def bench_user():
    from casetracker.accounts.models import User

    user, _created = User.objects.get_or_create(
        username="bench-supervisor", defaults={"role": User.Role.SUPERVISOR, "is_staff": True, "office": None}
    )
    return user


def bare_page(connection, where: str, params: list, per_page: int) -> str:
    sql = f"""
        SELECT i.id, i.case_number, i.report_date, i.content_kind, i.police_referred_on,
               o.id, o.name_ko, o.name_en, s.id, s.name_ko, s.name_en, s.level
        FROM cases_incident i
        JOIN core_office o ON o.id = i.office_id
        JOIN core_school s ON s.id = i.school_id
        WHERE {where}
        ORDER BY i.report_date DESC, i.id DESC
        LIMIT {per_page}"""

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return sql, run


def run(options) -> list[Result]:
    from django.contrib import admin
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from casetracker.cases.models import Incident

    by_office = Incident.objects.values("office_id").annotate(n=Count("pk")).order_by("-n")
    office_id, count = by_office.values_list("office_id", "n")[0]
    # A case from the middle of that office's list: not on its first page.
    case_number = (
        Incident.objects.filter(office_id=office_id).order_by("pk").values_list("case_number", flat=True)[count // 2]
    )
    per_page = admin.site._registry[Incident].list_per_page
    client = Client(HTTP_HOST="localhost")
    client.force_login(bench_user())
    url = reverse("admin:cases_incident_changelist")
    cases = [
        ("first page of one office", {"office__id__exact": office_id}, "i.office_id = %s", [office_id]),
        ("search by case number", {"q": case_number}, "UPPER(i.case_number) = UPPER(%s)", [case_number]),
    ]
    results = []
    for label, params, where, where_params in cases:

        def page(params=params):
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code
            return response

        page_seconds, response = timed(page, repeat=options.repeat)
        rows = len(response.context_data["cl"].result_list)
        sql, bare = bare_page(connection, where, where_params, per_page)
        bare_seconds, found = timed(bare, repeat=options.repeat)
        assert [r[0] for r in found] == [obj.pk for obj in response.context_data["cl"].result_list], label
        with CaptureQueriesContext(connection) as captured:
            page()
        list_queries = [q["sql"] for q in captured.captured_queries if "cases_" in q["sql"]]

        def replay(list_queries=list_queries):
            # The list's queries again, each to its last row (SQLite does part of the work while fetching).
            with connection.cursor() as cursor:
                for statement in list_queries:
                    cursor.execute(statement)
                    cursor.fetchall()

        list_seconds, _none = timed(replay, repeat=options.repeat)
        results.append(
            Result(
                "admin incident list (its queries)",
                label,
                list_seconds,
                bare_seconds,
                TARGET,
                extra={
                    "rows": rows,
                    "list queries": len(list_queries),
                    "whole page (s)": f"{page_seconds:.3f}",
                    "whole page ratio": f"{page_seconds / bare_seconds:.0f}",
                },
            )
        )
        print(f"  admin {label}: list SQL {list_seconds:.4f} s, page {page_seconds:.3f} s, bare {bare_seconds:.4f} s")
        if options.explain:
            from reports_bench import write_plans

            statements = [("list", statement, ()) for statement in list_queries]
            statements.append(("bare", sql, where_params))
            write_plans(connection, f"admin-{label.replace(' ', '-')}", statements)
    return results
