"""The contract: /api/v1/reports/<name>/ gives exactly what manage.py report NAME --format json prints
for the same arguments and scope, on the shipped data; bad arguments are a 400 naming the parameter."""

import io
import json

import pytest
from django.core.management import call_command

from casetracker.core.models import Office
from casetracker.reports.definitions import REPORT_LIST
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("shipped_data", "db")

# (API parameters, the same as command-line arguments)
ARGUMENT_SETS = [
    ({}, []),
    ({"from": "2022-01-01", "to": "2024-08-31"}, ["--from", "2022-01-01", "--to", "2024-08-31"]),
    (
        {"from": "2024-01-01", "to": "2024-09-27", "publication": "true"},
        ["--from", "2024-01-01", "--to", "2024-09-27", "--publication"],
    ),
    ({"office": "gyeonggi", "from": "2023-01-01"}, ["--office", "gyeonggi", "--from", "2023-01-01"]),
    ({"school_level": "high", "publication": "true"}, ["--school-level", "high", "--publication"]),
    (
        {"committee_kind": "teacher_rights", "to": "2024-08-31"},
        ["--committee-kind", "teacher_rights", "--to", "2024-08-31"],
    ),
]


def cli_json(name: str, *args: str) -> dict:
    out = io.StringIO()
    call_command("report", name, *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("spec", REPORT_LIST, ids=lambda spec: spec.name)
@pytest.mark.parametrize(
    ("params", "args"), ARGUMENT_SETS, ids=lambda value: json.dumps(value) if isinstance(value, dict) else None
)
def test_every_report_gives_what_the_command_prints(api_for, spec, params, args):
    response = api_for().get(f"/api/v1/reports/{spec.name}/", params)
    assert response.status_code == 200, response.content
    assert response.json() == cli_json(spec.name, *args)


@pytest.mark.parametrize("spec", REPORT_LIST, ids=lambda spec: spec.name)
def test_an_office_token_matches_the_command_for_its_supervisor(api_for, spec):
    seoul = Office.objects.get(code="seoul")
    UserFactory(username="seoul-supervisor", role="supervisor", office=seoul)
    response = api_for(seoul).get(f"/api/v1/reports/{spec.name}/", {"from": "2022-01-01"})
    assert response.status_code == 200
    expected = cli_json(spec.name, "--from", "2022-01-01", "--user", "seoul-supervisor")
    assert response.json() == expected
    assert expected != cli_json(spec.name, "--from", "2022-01-01")  # the scope is not the national one


def test_the_list_names_every_report(api_for):
    response = api_for().get("/api/v1/reports/")
    assert [row["name"] for row in response.json()] == [spec.name for spec in REPORT_LIST]
    assert all(row["url"].endswith(f"/api/v1/reports/{row['name']}/") for row in response.json())


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2024-13-01"}, "from", "YYYY-MM-DD"),
        ({"to": "31/08/2024"}, "to", "YYYY-MM-DD"),
        ({"from": "2024-08-31", "to": "2024-01-01"}, "to", ""),
        ({"office": "atlantis"}, "office", "atlantis"),
        ({"school_level": "university"}, "school_level", ""),
        ({"committee_kind": "parliament"}, "committee_kind", ""),
        ({"publication": "perhaps"}, "publication", ""),
        ({"form": "2024-01-01"}, "form", "from"),
    ],
)
def test_bad_arguments_are_a_400_on_the_parameter(api_for, params, field, message):
    response = api_for().get("/api/v1/reports/offices/", params)
    assert response.status_code == 400
    messages = response.json()[field]
    assert messages and message in " ".join(messages)


def test_an_office_outside_the_tokens_scope_is_a_400(api_for):
    response = api_for(Office.objects.get(code="seoul")).get("/api/v1/reports/offices/", {"office": "busan"})
    assert response.status_code == 400
    assert "busan" in response.json()["office"][0]


def test_an_unknown_report_is_a_404_naming_the_reports(api_for):
    response = api_for().get("/api/v1/reports/casualties/")
    assert response.status_code == 404
    assert all(spec.name in response.json()["detail"] for spec in REPORT_LIST)
