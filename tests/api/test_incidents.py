"""/api/v1/incidents/: de-identified records in the token's scope, filters, keyset pages, fixed
query counts; and no name or narrative of the shipped data in any endpoint's answer."""

import datetime

import pytest
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from casetracker.cases.models import CommitteeCase, Incident, Offender, ProtectionMeasure, Victim
from casetracker.core.models import LocalOffice, Office
from casetracker.reports.definitions import REPORT_LIST

pytestmark = pytest.mark.usefixtures("shipped_data", "db")
INCIDENTS = "/api/v1/incidents/"


def every_page(api, params=None) -> list[dict]:
    rows, url, params = [], INCIDENTS, dict(params or {})
    while url:
        response = api.get(url, params)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        url, params = body["next"], None
    return rows


def test_a_national_token_reads_every_incident_once_in_pages(api_for):
    rows = every_page(api_for())
    assert len(rows) == Incident.objects.count()
    assert len({row["id"] for row in rows}) == len(rows)
    # (As instants: the ISO text of a whole second has no fraction, and so sorts after a later one's.)
    keys = [(datetime.datetime.fromisoformat(row["updated_at"]), row["id"]) for row in rows]
    assert keys == sorted(keys)


def test_an_office_token_reads_only_its_office(api_for):
    seoul = Office.objects.get(code="seoul")
    rows = every_page(api_for(seoul))
    assert {row["office"] for row in rows} == {"seoul"}
    assert len(rows) == Incident.objects.filter(office=seoul).count()
    other = Incident.objects.exclude(office=seoul).first()
    assert api_for(seoul).get(f"{INCIDENTS}{other.pk}/").status_code == 404
    own = Incident.objects.filter(office=seoul).first()
    assert api_for(seoul).get(f"{INCIDENTS}{own.pk}/").json()["case_number"] == own.case_number


def test_a_local_office_token_reads_only_its_local_office(api_for):
    local_office = LocalOffice.objects.filter(schools__incidents__isnull=False).distinct().first()
    rows = every_page(api_for(local_office))
    assert rows and {row["local_office"] for row in rows} == {local_office.code}
    assert len(rows) == Incident.objects.filter(school__local_office=local_office).count()


def test_the_filters(api_for):
    api = api_for()
    gyeonggi = every_page(api, {"office": "gyeonggi", "reported_from": "2024-01-01", "reported_to": "2024-08-31"})
    expected = Incident.objects.filter(
        office__code="gyeonggi", report_date__gte=datetime.date(2024, 1, 1), report_date__lte=datetime.date(2024, 8, 31)
    )
    assert sorted(row["id"] for row in gyeonggi) == sorted(expected.values_list("pk", flat=True))


def test_updated_since_gives_the_incidents_changed_since(api_for):
    changed = list(Incident.objects.order_by("pk")[:3])
    since = timezone.now()
    Incident.objects.filter(pk__in=[i.pk for i in changed]).update(updated_at=since + datetime.timedelta(seconds=1))
    rows = every_page(api_for(), {"updated_since": since.isoformat()})
    assert [row["id"] for row in rows] == [i.pk for i in changed]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"reported_from": "2024-02-30"}, "reported_from"),
        ({"reported_from": "2024-03-01", "reported_to": "2024-02-01"}, "reported_to"),
        ({"office": "atlantis"}, "office"),
        ({"cursor": "bm9uc2Vuc2U"}, "cursor"),
        ({"cursor": "%%%"}, "cursor"),
        ({"page": "2"}, "page"),
    ],
)
def test_bad_parameters_are_a_400_on_the_parameter(api_for, params, field):
    response = api_for().get(INCIDENTS, params)
    assert response.status_code == 400
    assert response.json()[field]


def test_another_office_is_a_400_for_an_office_token(api_for):
    response = api_for(Office.objects.get(code="seoul")).get(INCIDENTS, {"office": "busan"})
    assert response.status_code == 400 and "busan" in response.json()["office"][0]


def test_a_page_takes_the_same_queries_whatever_its_size(api_for, django_assert_num_queries, monkeypatch):
    from casetracker.api.pagination import UpdatedKeysetPagination

    # One time for all, so that the page is the first hundred by id, cases with every kind of record
    # (loading the shipped data moved the updated_at of the cases with records to the time of loading).
    Incident.objects.update(updated_at=timezone.now())
    api = api_for()
    # token, the page, channels, victims, offenders, takedowns, committee cases, measures, appeals, the log entry
    with django_assert_num_queries(10):
        assert len(api.get(INCIDENTS).json()["results"]) == 100
    monkeypatch.setattr(UpdatedKeysetPagination, "page_size", 5)
    with django_assert_num_queries(10):
        assert len(api.get(INCIDENTS).json()["results"]) == 5
    with django_assert_num_queries(11):  # and the check that the office is in the token's scope
        assert len(api.get(INCIDENTS, {"office": "seoul"}).json()["results"]) == 5


def test_a_record_has_its_committee_steps_measures_and_appeals(api_for):
    incident = Incident.objects.filter(committee_cases__measures__appeals__isnull=False).first()
    row = api_for().get(f"{INCIDENTS}{incident.pk}/").json()
    measures = [measure for case in row["committee_cases"] for measure in case["measures"]]
    assert any(measure["appeals"] for measure in measures)
    assert {victim["code"] for victim in row["victims"]} == set(incident.victims.values_list("code", flat=True))
    assert row["school_level"] == incident.school.level
    assert "content_description" not in row and "name" not in str(row.keys())


def test_no_name_or_narrative_reaches_any_endpoint(api_for):
    """Every victim and offender named, every incident given a narrative: none of them in any answer."""
    Victim.objects.update(name=Concat(Value("홍길"), Cast("id", CharField()), Value("동")))
    Offender.objects.exclude(kind=Offender.Kind.UNIDENTIFIED).update(
        name=Concat(Value("김철"), Cast("id", CharField()), Value("수"))
    )
    Incident.objects.update(content_description=Concat(Value("서술문"), Cast("id", CharField()), Value("끝")))
    ProtectionMeasure.objects.update(notes=Concat(Value("메모"), Cast("id", CharField()), Value("끝")))
    secrets = [
        *Victim.objects.values_list("name", flat=True),
        *Offender.objects.exclude(name="").values_list("name", flat=True),
        *Incident.objects.values_list("content_description", flat=True),
        *ProtectionMeasure.objects.values_list("notes", flat=True),
        *CommitteeCase.objects.exclude(extension_reason="").values_list("extension_reason", flat=True),
    ]
    api = api_for()
    answers = [api.get("/api/v1/reports/").content.decode()]
    for spec in REPORT_LIST:
        for params in ({}, {"publication": "true"}):
            answers.append(api.get(f"/api/v1/reports/{spec.name}/", params).content.decode())
    rows = every_page(api)
    answers.append(str(rows))
    for row in rows[::20]:
        answers.append(api.get(f"{INCIDENTS}{row['id']}/").content.decode())
    answers.append(api.get("/api/v1/releases/").content.decode())
    everything = "\n".join(answers)
    assert len(everything) > 100_000
    found = [secret for secret in secrets if secret in everything]
    assert not found, found[:5]


def schema_keys(serializer) -> dict:
    """{field: nested keys or None} of a serializer, as the schema describes the record."""
    keys = {}
    for name, declared in serializer.fields.items():
        child = getattr(declared, "child", None)
        keys[name] = schema_keys(child) if hasattr(child, "fields") else None
    return keys


def answer_keys(record: dict, schema: dict) -> dict:
    keys = {}
    for name, value in record.items():
        nested = schema.get(name)
        keys[name] = answer_keys(value[0], nested) if nested is not None and value else nested
    return keys


def test_the_records_have_exactly_the_fields_of_the_schema(api_for):
    from casetracker.api.serializers import IncidentSerializer

    incident = Incident.objects.filter(
        committee_cases__measures__appeals__isnull=False, takedown_requests__isnull=False
    ).first()
    record = api_for().get(f"{INCIDENTS}{incident.pk}/").json()
    schema = schema_keys(IncidentSerializer())
    assert answer_keys(record, schema) == schema
