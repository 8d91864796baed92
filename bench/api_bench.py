"""The API's incremental sync: the first page of /api/v1/incidents/?updated_since= (issue 21).

Server time through Django's test client with a national token: authentication, the scoped
query on the (updated_at, id) index, the prefetches of the records of the page's 100 incidents,
the serializer and the access log entry. Three pages:

- updated_since just before the latest changes (a client that synced recently);
- updated_since before every change (a first sync: the whole table matches);
- the page that starts halfway through the table (a cursor deep in a first sync).

Target: under 100 ms each (the ratio is to that budget).

    .venv/bin/python bench/run.py --incidents N --only api
"""

from common import Result, timed

BUDGET_SECONDS = 0.100
RAW_TOKEN = "ct_bench_api_token"


def bench_token():
    import datetime

    from django.utils import timezone

    from casetracker.api.models import ApiToken, token_hash

    token, _created = ApiToken.objects.get_or_create(
        key_hash=token_hash(RAW_TOKEN),
        defaults={
            "name": "bench",
            "key_prefix": RAW_TOKEN[:10],
            "expires_at": timezone.now() + datetime.timedelta(days=3650),
        },
    )
    return token


def run(options) -> list[Result]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from casetracker.api.pagination import encode_cursor
    from casetracker.cases.models import Incident

    settings.API_RATE_LIMIT = "1000000/minute"  # the bench is not a client to throttle
    bench_token()
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {RAW_TOKEN}")
    by_change = Incident.objects.order_by("updated_at", "id")
    count = by_change.count()
    recent = by_change.values_list("updated_at", flat=True)[max(count - 50, 0)]
    earliest = by_change.values_list("updated_at", flat=True).first()
    middle_at, middle_id = by_change.values_list("updated_at", "id")[count // 2]
    cases = [
        ("updated_since: the latest changes", {"updated_since": recent.isoformat()}),
        ("updated_since: before every change", {"updated_since": earliest.isoformat()}),
        (
            "a page halfway through a first sync",
            {"updated_since": earliest.isoformat(), "cursor": encode_cursor(middle_at, middle_id)},
        ),
    ]
    results = []
    for label, params in cases:

        def page(params=params):
            response = client.get("/api/v1/incidents/", params)
            assert response.status_code == 200, response.content[:500]
            return response

        seconds, response = timed(page, repeat=options.repeat)
        with CaptureQueriesContext(connection) as captured:
            page()
        rows = len(response.json()["results"])
        results.append(
            Result(
                "API incidents page",
                label,
                seconds,
                BUDGET_SECONDS,
                1.0,
                extra={"rows": rows, "queries": len(captured.captured_queries)},
            )
        )
        print(f"  api {label}: {seconds * 1000:.1f} ms, {rows} rows, {len(captured.captured_queries)} queries")
        if options.explain:
            from reports_bench import write_plans

            statements = [("page", q["sql"], ()) for q in captured.captured_queries if "cases_incident" in q["sql"]]
            write_plans(connection, f"api-{label.split(':')[0].replace(' ', '-')}", statements[:1])
    return results
