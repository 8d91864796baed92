"""Need-to-know views (issue 17, item 2): role by role, every page, drill-down, export and print
of a case whose narratives name its people (written by raw SQL, around the save check, and into
its change history) shows the names to the office's clerks only; the others who read the case
read the narratives in their protected form.
"""

import datetime
import io
import re
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casetracker.accounts.policy import CASE_FIELDS, Access, field_access
from casetracker.cases.free_text import TEXT_FIELDS
from casetracker.cases.models import (
    Appeal,
    CommitteeCase,
    Incident,
    Measure,
    Offender,
    ProtectionMeasure,
    Victim,
)
from casetracker.cases.visibility import field_key
from casetracker.reports.definitions import REPORT_LIST
from tests.factories import (
    AppealFactory,
    CommitteeCaseFactory,
    LocalOfficeFactory,
    MeasureFactory,
    OfficeFactory,
    ProtectionMeasureFactory,
    SchoolFactory,
    TakedownRequestFactory,
    UserFactory,
    VictimFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.writes_around_services]

NAME = "김비밀"
OFFENDER_NAME = "이가해"
NARRATIVE = f"피해자 {NAME} 학생의 사진을 {OFFENDER_NAME}이 합성했다"
PROTECTED = "피해자 V1 학생의 사진을 O1이 합성했다"
CASE_MODELS = [Incident, Victim, Offender, CommitteeCase, Measure, Appeal]
REPORTED = datetime.date(2024, 5, 2)

# role: whether it reads the case at all, and whether it reads the names.
ROLES = {
    "clerk": (True, True),
    "local_clerk": (True, True),  # of the case's local office
    "other_local_clerk": (False, False),  # of the same office, another local office
    "other_office_clerk": (False, False),
    "supervisor": (True, False),
    "national_supervisor": (True, False),
    "admin": (False, False),
}


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def world(db):
    seoul, gyeonggi = OfficeFactory(code="seoul"), OfficeFactory(code="gyeonggi")
    north, south = LocalOfficeFactory(office=seoul), LocalOfficeFactory(office=seoul)
    school = SchoolFactory(office=seoul, local_office=north)
    measure = MeasureFactory(
        committee_case__incident__office=seoul,
        committee_case__incident__school=school,
        committee_case__incident__report_date=REPORTED,
        committee_case__extended_on=datetime.date(2024, 5, 28),
        committee_case__extension_reason="a witness was away",
        offender__code="O1",
        offender__name=OFFENDER_NAME,
    )
    case = measure.committee_case
    incident = case.incident
    victim = VictimFactory(incident=incident, code="V1", name=NAME)
    protection = ProtectionMeasureFactory(victim=victim, notes="counselling weekly")
    TakedownRequestFactory(incident=incident)
    appeal = AppealFactory(measure=measure)
    # Written around the application: the save check never saw these (nor the history's copies).
    for table, column, pk in (
        ("cases_incident", "content_description", incident.pk),
        ("cases_committeecase", "extension_reason", case.pk),
        ("cases_protectionmeasure", "notes", protection.pk),
        ("cases_historicalincident", "content_description", incident.pk),
        ("cases_historicalcommitteecase", "extension_reason", case.pk),
        ("cases_historicalprotectionmeasure", "notes", protection.pk),
    ):
        _raw(f"UPDATE {table} SET {column} = %s WHERE id = %s", [NARRATIVE, pk])
    users = {
        "clerk": UserFactory(office=seoul),
        "local_clerk": UserFactory(office=seoul, local_office=north),
        "other_local_clerk": UserFactory(office=seoul, local_office=south),
        "other_office_clerk": UserFactory(office=gyeonggi),
        "supervisor": UserFactory(supervisor=True, office=seoul),
        "national_supervisor": UserFactory(supervisor=True, office=None),
        "admin": UserFactory(role="admin", office=None),
    }
    records = {
        Incident: incident,
        Victim: victim,
        Offender: measure.offender,
        CommitteeCase: case,
        Measure: measure,
        Appeal: appeal,
    }
    return {"users": users, "records": records, "office": seoul, "protection": protection}


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def text_of(response) -> str:
    """What a response shows: a page's HTML, or every file of a workbook or an archive."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] != b"PK":
        return content.decode()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8-sig", errors="replace") for name in archive.namelist())


def drill_down_links(html: str) -> list[str]:
    return sorted({link.replace("&amp;", "&") for link in re.findall(r'href="(/reports/[^"]+/cases/\?[^"]+)"', html)})


def every_url(world, client) -> list[str]:
    """Every page, drill-down, export and print that may show something of the case."""
    records = world["records"]
    urls = []
    for model, record in records.items():
        urls += [admin_url(model, "changelist"), admin_url(model, "change", record.pk)]
        urls.append(admin_url(model, "history", record.pk))
    for model in (Incident, Victim, Offender, CommitteeCase, ProtectionMeasure):
        history = model.history.model
        urls.append(admin_url(history, "changelist"))
        for version in history.objects.all():
            urls.append(admin_url(history, "change", version.pk))
    office = world["office"].code
    urls += [f"{reverse('imports:export')}?office={office}&format={file_format}" for file_format in ("xlsx", "zip")]
    urls += [reverse("workflow:queue"), reverse("workflow:open_takedowns"), reverse("workflow:retention")]
    for report in REPORT_LIST:
        detail = reverse("reports:detail", args=[report.name]) + "?from=2024-01-01&to=2024-12-31"
        response = client.get(detail)
        urls += [detail, detail.replace("/?", "/print/?")]
        urls += [detail.replace("/?", "/download.csv?"), detail.replace("/?", "/download.xlsx?")]
        if response.status_code == 200:
            urls += drill_down_links(response.content.decode())
    return urls


@pytest.mark.parametrize("role", list(ROLES))
def test_every_view_of_the_case_shows_names_only_to_the_offices_clerks(client, world, role):
    reads, sees_names = ROLES[role]
    client.force_login(world["users"][role])
    shown = {}
    for url in every_url(world, client):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ko")
        assert response.status_code in (200, 302, 400, 403, 404), url
        shown[url] = text_of(response) if response.status_code == 200 else ""
    if not sees_names:
        assert [url for url, text in shown.items() if NAME in text or OFFENDER_NAME in text] == []
    incident_page = shown[admin_url(Incident, "change", world["records"][Incident].pk)]
    victim_page = shown[admin_url(Victim, "change", world["records"][Victim].pk)]
    case_page = shown[admin_url(CommitteeCase, "change", world["records"][CommitteeCase].pk)]
    exports = "".join(text for url, text in shown.items() if url.startswith(reverse("imports:export")))
    if sees_names:
        # The office's clerks read the case as stored (and the export has no name column).
        assert NARRATIVE in incident_page and NAME in victim_page and NARRATIVE in case_page
        assert NARRATIVE in exports
    elif reads:
        # The description and the extension's reason on the timeline (the case's workspace shows
        # no free text); the protection measure's notes, the export.
        assert PROTECTED in incident_page and PROTECTED in case_page and PROTECTED in victim_page
        assert incident_page.count(PROTECTED) == 2
        assert PROTECTED in exports
    else:
        assert PROTECTED not in incident_page


@pytest.mark.parametrize("field", sorted(CASE_FIELDS))
def test_the_policy_declares_who_sees_each_field(field):
    seoul, gyeonggi = OfficeFactory(), OfficeFactory()
    clerk = UserFactory(office=seoul)
    others = [
        UserFactory(office=gyeonggi),
        UserFactory(supervisor=True, office=seoul),
        UserFactory(supervisor=True, office=None),
        UserFactory(role="admin", office=None),
    ]
    assert field_access(clerk, field, office_id=seoul.pk) == Access.FULL
    expected = Access.HIDDEN if field.endswith(".name") else Access.PROTECTED
    assert {field_access(user, field, office_id=seoul.pk) for user in others[:3]} == {expected}
    assert field_access(others[3], field, office_id=seoul.pk) == Access.HIDDEN


def test_every_narrative_and_name_field_is_in_the_policy():
    narratives = {field_key(model, field) for model, fields in TEXT_FIELDS.items() for field in fields}
    names = {field_key(model, "name") for model in (Victim, Offender)}
    assert narratives | names == set(CASE_FIELDS)


def test_the_protected_form_fetches_the_cases_people_once_per_page(client, world):
    """More narratives naming the people cost a supervisor's page no query: the people are fetched once."""
    incident = world["records"][Incident]
    url = admin_url(Incident, "change", incident.pk)
    client.force_login(world["users"]["supervisor"])
    cases = [
        CommitteeCaseFactory(incident=incident, committee__local_office=LocalOfficeFactory(office=incident.office))
        for _ in range(3)
    ]
    client.get(url)  # (what Django caches for the process: the content types)
    with CaptureQueriesContext(connection) as plain:
        assert client.get(url).status_code == 200
    for case in cases:
        _raw(
            "UPDATE cases_committeecase SET extended_on = %s, extension_reason = %s WHERE id = %s",
            [datetime.date(2024, 5, 28), NARRATIVE, case.pk],
        )
    with CaptureQueriesContext(connection) as named:
        response = client.get(url)
    assert response.content.decode().count(PROTECTED) == 2 + len(cases)  # (each reason on the timeline)
    assert len(named) == len(plain)
