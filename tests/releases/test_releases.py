"""Releases: who publishes, frozen at the database, regenerated and compared (changed cells and the
cases that changed them), the diff with the previous release, the files, the pages and the API."""

import datetime
import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from openpyxl import load_workbook

from casetracker.cases.models import CommitteeCase, Law, Victim
from casetracker.cases.services import delete_record
from casetracker.core.models import Office
from casetracker.releases import services
from casetracker.releases.models import FrozenError, Release
from tests.api.conftest import Api
from tests.factories import ApiTokenFactory, MeasureFactory, UserFactory

pytestmark = pytest.mark.usefixtures("shipped_data", "db")
PERIOD = {"date_from": datetime.date(2022, 1, 1), "date_to": datetime.date(2024, 8, 31)}


@pytest.fixture
def national_supervisor():
    return UserFactory(username="ministry", supervisor=True, office=None)


@pytest.fixture
def release(national_supervisor):
    return services.publish_release(
        by=national_supervisor, title="2024 deepfake figures", reports=["offices", "survey"], **PERIOD
    )


def cell(release, report, table, row, column):
    return release.raw_cells[services.cell_key(report, table, row, column)]


def test_a_release_freezes_the_figures_as_published_with_their_versions(release, national_supervisor):
    assert release.reports == ["offices", "survey"]
    offices = release.figures["offices"]["json"]
    assert offices["total"]["measures"] == 629  # domain.md table A
    assert offices["filters"]["from"] == "2022-01-01" and offices["filters"]["to"] == "2024-08-31"
    assert cell(release, "offices", "main", "gyeonggi", "measures") == 181
    assert len(release.data_version) == 64 and release.code_version
    assert release.published_by == national_supervisor
    # As published: the suppressed tables; small counts never in the public figures.
    published = [
        value
        for table in release.figures["offices"]["tables"]
        for row in table["rows"]
        for value in row["cells"].values()
    ]
    assert not [value for value in published if isinstance(value, int) and 0 < value < 5]


@pytest.mark.parametrize("who", ["office_supervisor", "clerk", "admin"])
def test_only_a_national_supervisor_publishes(who):
    seoul = Office.objects.get(code="seoul")
    user = {
        "office_supervisor": lambda: UserFactory(supervisor=True, office=seoul),
        "clerk": lambda: UserFactory(office=seoul),
        "admin": lambda: UserFactory(superuser=True),  # a superuser reads releases, but publishes none
    }[who]()
    with pytest.raises(PermissionDenied):
        services.publish_release(by=user, title="x", reports=["offices"], **PERIOD)
    assert not Release.objects.exists()


def test_a_release_never_changes(release):
    release.title = "rewritten"
    with pytest.raises(FrozenError):
        release.save()
    with pytest.raises(FrozenError):
        release.delete()
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        Release.objects.filter(pk=release.pk).update(title="rewritten")
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE releases_release SET figures = '{}' WHERE id = %s", [release.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
            Release.objects.filter(pk=release.pk).delete()
    assert Release.objects.get(pk=release.pk).title == "2024 deepfake figures"


def test_regenerated_without_changes_it_gives_the_same_figures(release, national_supervisor):
    check = services.regenerate(release, by=national_supervisor)
    assert check.same and check.same_data and check.changed_cases == []


def test_regenerated_after_changes_it_names_the_changed_cells_and_cases(release, national_supervisor):
    committee_case = (
        CommitteeCase.objects.filter(
            incident__office__code="gyeonggi",
            hearing_date__isnull=False,
            committee__kind="school_violence",
            incident__report_date__range=(PERIOD["date_from"], PERIOD["date_to"]),
            incident__offenders__kind="student",
        )
        .select_related("incident")
        .first()
    )
    incident = committee_case.incident
    MeasureFactory(
        committee_case=committee_case,
        offender=incident.offenders.filter(kind="student").first(),
        law=Law.SCHOOL_VIOLENCE_ACT_ART17,
        number=1,
    )
    victim = Victim.objects.filter(
        incident__report_date__range=(datetime.date(2024, 1, 1), PERIOD["date_to"]), incident__office__code="seoul"
    ).first()
    delete_record(record=victim)

    check = services.regenerate(release, by=national_supervisor)
    assert not check.same and not check.same_data
    by_cell = {(c.report, c.row, c.column): c for c in check.cells}
    gyeonggi = by_cell[("offices", "gyeonggi", "measures")]
    assert (gyeonggi.published, gyeonggi.now) == (181, 182)
    assert gyeonggi.cases == [incident.case_number]
    assert ("offices", "gyeonggi", "off_record") in by_cell
    assert ("offices", "seoul", "measures") not in by_cell
    assert any(c.report == "survey" for c in check.cells)  # one victim fewer
    assert {number for _pk, _office, number in check.changed_cases} == {
        incident.case_number,
        victim.incident.case_number,
    }


def test_only_a_national_supervisor_checks(release):
    with pytest.raises(PermissionDenied):
        services.regenerate(release, by=UserFactory(supervisor=True, office=Office.objects.get(code="seoul")))


def test_the_diff_with_the_previous_release_cell_by_cell(release, national_supervisor):
    assert services.diff_with_previous(release) == (None, [])
    later = services.publish_release(
        by=national_supervisor,
        title="to 2024-09-27",
        reports=["offices", "survey"],
        date_from=PERIOD["date_from"],
        date_to=datetime.date(2024, 9, 27),
    )
    previous, cells = services.diff_with_previous(later)
    assert previous == release
    assert cells and all(c.previous != c.this for c in cells)
    assert {c.report for c in cells} <= {
        str(release.figures["offices"]["title"]),
        str(release.figures["survey"]["title"]),
    }


@pytest.mark.parametrize("extension", ["csv", "xlsx", "json"])
def test_the_files_hold_the_figures_as_published_and_the_methodology(client, release, national_supervisor, extension):
    client.force_login(national_supervisor)
    response = client.get(reverse("releases:download", args=[release.pk, extension]))
    assert response.status_code == 200
    if extension == "json":
        data = json.loads(response.content)
        assert data["reports"]["offices"] == release.figures["offices"]["json"]
        assert data["methodology"]["suppression"] and "raw_cells" not in data
        text = response.content.decode()
    elif extension == "csv":
        text = response.content.decode("utf-8-sig")
    else:
        book = load_workbook(io.BytesIO(response.content))
        text = "\n".join(str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row)
    assert release.data_version in text and "<5" in text
    assert (
        release.methodology["measures"] in text
        and release.methodology["reports"][0]["tables"][0]["columns"][0]["definition"] in text
    )


def test_the_page_of_a_release(client, release, national_supervisor):
    client.force_login(national_supervisor)
    page = client.get(reverse("releases:detail", args=[release.pk]))
    assert page.status_code == 200 and release.data_version in page.content.decode()
    checked = client.get(reverse("releases:detail", args=[release.pk]), {"check": "1"})
    assert checked.context["regeneration"].same
    assert client.get(reverse("releases:index")).status_code == 200


def test_an_office_supervisor_reads_but_does_not_check(client, release):
    client.force_login(UserFactory(supervisor=True, office=Office.objects.get(code="seoul")))
    page = client.get(reverse("releases:detail", args=[release.pk]), {"check": "1"})
    assert page.status_code == 200 and "regeneration" not in page.context
    assert client.get(reverse("releases:publish")).status_code == 403


@pytest.mark.parametrize("role", ["clerk", "admin"])
def test_clerks_and_admins_get_no_release_page(client, release, role):
    client.force_login(
        UserFactory(role="admin", office=None)
        if role == "admin"
        else UserFactory(office=Office.objects.get(code="seoul"))
    )
    for url in (
        reverse("releases:index"),
        reverse("releases:detail", args=[release.pk]),
        reverse("releases:download", args=[release.pk, "csv"]),
    ):
        assert client.get(url).status_code == 403


def test_publishing_from_the_page(client, national_supervisor):
    client.force_login(national_supervisor)
    assert client.get(reverse("releases:publish")).status_code == 200
    bad = client.post(
        reverse("releases:publish"),
        {"title": "x", "reports": ["offices"], "date_from": "2024-08-31", "date_to": "2024-01-01"},
    )
    assert bad.status_code == 400 and not Release.objects.exists()
    response = client.post(
        reverse("releases:publish"),
        {"title": "Table A", "reports": ["offices", "yearly"], "date_from": "2022-01-01", "date_to": "2024-08-31"},
    )
    release = Release.objects.get()
    assert response.url == reverse("releases:detail", args=[release.pk])
    assert release.reports == ["offices", "yearly"]


def test_the_api_gives_the_releases_as_published(release):
    ApiTokenFactory(raw="ct_test_seoul_releases", office=Office.objects.get(code="seoul"))
    api = Api("ct_test_seoul_releases")
    listed = api.get("/api/v1/releases/").json()
    assert [row["id"] for row in listed] == [release.pk]
    detail = api.get(f"/api/v1/releases/{release.pk}/").json()
    assert detail["reports"]["offices"] == release.figures["offices"]["json"]
    assert detail["data_version"] == release.data_version and "raw_cells" not in detail
    assert api.get("/api/v1/releases/999999/").status_code == 404


def test_a_releases_figures_are_what_the_command_prints_for_publication(release):
    from tests.api.test_reports import cli_json

    stored = Release.objects.get(pk=release.pk)
    for name in stored.reports:
        expected = cli_json(name, "--from", "2022-01-01", "--to", "2024-08-31", "--publication")
        assert stored.figures[name]["json"] == expected
