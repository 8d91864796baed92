"""The printable case summary (issue 18 item 5): one A4 sheet of a case, in Korean, from its page;
people by code only, whoever prints it; for whoever may open the case page, on the access log."""

import pytest
from django.contrib.staticfiles import finders
from django.db.models import CharField, Count, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from casetracker.audit.models import AccessLog
from casetracker.cases import selectors
from casetracker.cases.admin.workspace import case_workspace
from casetracker.cases.models import Incident, Offender, Victim
from casetracker.datasets.whole_case import add_whole_case
from casetracker.documents.models import Delivery
from casetracker.documents.summary import PRINTED
from tests.factories import (
    CommitteeCaseFactory,
    CommitteeFactory,
    DocumentFactory,
    IncidentFactory,
    OffenderFactory,
    OfficeFactory,
    SchoolFactory,
    UserFactory,
    VictimFactory,
    days_after,
)

pytestmark = pytest.mark.django_db

SECTIONS = ["case", "timeline", "people", "relations", "measures", "deadlines", "documents"]


@pytest.fixture(autouse=True)
def site_language_after():
    """The English of these tests' readers stays with them (the middleware leaves it active)."""
    yield
    translation.deactivate()


def summary_url(incident) -> str:
    return reverse("admin:documents_case_summary", args=[incident.pk])


def case_url(incident) -> str:
    return reverse("admin:cases_incident_change", args=[incident.pk])


@pytest.fixture
def whole_case():
    """10 people, 10 measures, an appeal, a separation, a takedown; referred to the police; one
    document delivered."""
    incident = IncidentFactory()
    incident.police_referred_on = days_after(incident.report_date, 1)
    incident.save()
    committee = CommitteeFactory(office=incident.office, local_office=incident.school.local_office)
    add_whole_case(incident=incident, committee=committee, people=10, measures=10)
    document = DocumentFactory(incident=incident)
    Delivery.objects.create(document=document, delivered_on=days_after(incident.report_date, 2), method="email")
    incident.refresh_from_db()
    return incident


def log_in(client, user):
    """``user``, reading the site in English: the sheet is Korean all the same."""
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def clerk_of(incident, **fields):
    return UserFactory(office=incident.office, language="en", **fields)


def test_the_sheet_holds_every_section_in_korean_in_a_pinned_number_of_queries(
    client, whole_case, django_assert_max_num_queries
):
    client = log_in(client, clerk_of(whole_case))
    client.get(summary_url(whole_case))  # (the session and the permissions' caches warm)
    # The session and the account (4), the case page's reads (1 + 7 + 3), the names to keep off the
    # free text (2), the register (1), office and school (2), the access log (1), the session saved
    # (1, in a savepoint: 2): 24, the same for a case of any size.
    with django_assert_max_num_queries(24):
        response = client.get(summary_url(whole_case))
    assert response.status_code == 200
    page = response.content.decode()
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    with translation.override("ko"):
        expected = [
            gettext("Case summary %(number)s") % {"number": whole_case.case_number},
            str(whole_case.office),
            str(whole_case.school),
            whole_case.get_status_display(),
            # The timeline: report, police, takedown, referral, hearing, decisions, appeal.
            *(
                gettext(event)
                for event in (
                    "Reported",
                    "Referred to the police",
                    "Takedown requested",
                    "Referred to the committee",
                    "Hearing held",
                    "Measure decided",
                    "Appeal filed",
                )
            ),
            # People by code, their relations, the measures by article and number with their status.
            *(f"<td>V{n}</td>" for n in range(1, 6)),
            *(f"<td>O{n}</td>" for n in range(1, 6)),
            "같은 반 학생",
            "학교폭력예방법 제17조 1. 서면사과",
            gettext("under appeal"),
            gettext("to be carried out"),
            # A document of the register, with its delivery.
            gettext("referral to the police"),
            "(" + gettext("e-mail") + ")",
        ]
        # Every deadline, as the case page shows it (the workspace's own ``Deadline``s).
        workspace = case_workspace(
            UserFactory(office=whole_case.office),
            whole_case,
            records=selectors.case_records(UserFactory(office=whole_case.office), whole_case),
            today=timezone.localdate(),
        )
        committee_case = workspace.committee_cases[0]
        expected.append(committee_case.hearing.text)
        for _offender, rows in committee_case.measures_by_offender:
            expected += [row.appeal_by.text for row in rows]
        expected += [latest_end.text for row in workspace.victims for _separation, latest_end in row.separations]
        expected += [period.deadline.text for row in workspace.victims for period in row.appeals]
        victims = len(workspace.victims)
    missing = [text for text in expected if text not in page]
    assert not missing
    # The separation, the hearing, each of the 10 measures' carrying out and appeal, each victim's appeal.
    assert page.count('class="deadline ') == 1 + 1 + 10 + 10 + victims
    assert 'href="/static/documents/case_summary.css"' in page
    assert 'id="container"' not in page and "admin/css/base.css" not in page  # no admin chrome


def test_the_print_stylesheet_lays_the_sheet_out_on_a4():
    with open(finders.find("documents/case_summary.css"), encoding="utf-8") as file:
        css = file.read()
    assert "@page { size: A4; margin:" in css
    assert "break-inside: avoid" in css and "page-break-inside: avoid" in css
    assert "@media print" in css


def test_the_case_page_links_to_the_sheet(client, whole_case):
    page = log_in(client, clerk_of(whole_case)).get(case_url(whole_case)).content.decode()
    assert f'href="{summary_url(whole_case)}"' in page


def test_a_clerk_prints_only_the_cases_of_their_office(client):
    seoul, gyeonggi = OfficeFactory(code="seoul"), OfficeFactory(code="gyeonggi")
    own = IncidentFactory(office=seoul, school=SchoolFactory(office=seoul))
    other = IncidentFactory(office=gyeonggi, school=SchoolFactory(office=gyeonggi))
    clerk = UserFactory(office=seoul)
    client = log_in(client, clerk)

    assert client.get(summary_url(own)).status_code == 200
    response = client.get(summary_url(other))
    assert response.status_code == 404
    assert other.case_number not in response.content.decode()
    assert client.get(reverse("admin:documents_case_summary", args=[10**30])).status_code == 404

    entries = AccessLog.objects.filter(user=clerk).order_by("pk")
    assert [(e.action, e.target_id, e.detail) for e in entries if e.action == AccessLog.Action.VIEW] == [
        (AccessLog.Action.VIEW, str(own.pk), PRINTED)
    ]
    assert entries.filter(action=AccessLog.Action.DENIED).count() == 1  # the other office's case


def test_whoever_reads_the_case_page_prints_it_and_no_one_else(client):
    incident = IncidentFactory()
    office_supervisor = UserFactory(office=incident.office, supervisor=True)
    national_supervisor = UserFactory(office=None, supervisor=True)
    other_supervisor = UserFactory(office=OfficeFactory(), supervisor=True)
    account_admin = UserFactory(role="admin", office=None)
    # The case page's own rule, followed: the sheet opens for those whose case page opens; another
    # office's case is absent (the case page sends them away), a role that reads no case is refused.
    for user, case_page, sheet in [
        (office_supervisor, 200, 200),
        (national_supervisor, 200, 200),
        (other_supervisor, 302, 404),
        (account_admin, 403, 403),
    ]:
        log_in(client, user)
        assert client.get(case_url(incident)).status_code == case_page, user
        assert client.get(summary_url(incident)).status_code == sheet, user
    client.logout()
    response = client.get(summary_url(incident))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_the_free_text_is_protected_on_the_sheet_even_for_the_offices_clerks(client):
    """The sheet leaves the office: a name that reached a narrative (written before the rule, or
    around the services) is replaced by the person's code, though the office's clerks read it as
    stored on the case page."""
    incident = IncidentFactory(content_description="김민지의 사진이 단체방에 퍼졌다. 연락처 010-1234-5678")
    VictimFactory(incident=incident, code="V1", name="김민지")
    OffenderFactory(incident=incident, code="O1", name="박서준")
    CommitteeCaseFactory(
        incident=incident,
        extended_on=days_after(incident.report_date, 10),
        extension_reason="박서준 측 요청",
    )
    clerk = clerk_of(incident)
    client = log_in(client, clerk)
    assert "김민지" in client.get(case_url(incident)).content.decode()  # the clerk sees names elsewhere

    for user in (clerk, UserFactory(office=incident.office, supervisor=True)):
        page = log_in(client, user).get(summary_url(incident)).content.decode()
        assert "김민지" not in page and "박서준" not in page and "010-1234-5678" not in page
        assert "V1의 사진이 단체방에 퍼졌다" in page
        assert "O1 측 요청" in page


def test_no_name_of_the_shipped_data_reaches_the_sheet(client, shipped_data):
    """Every person of the shipped data named: the largest case of each office, printed by one of
    that office's clerks (who see those names on the case page), carries none of them."""
    Victim.objects.update(name=Concat(Value("홍길"), Cast("id", CharField()), Value("동")))
    Offender.objects.exclude(kind=Offender.Kind.UNIDENTIFIED).update(
        name=Concat(Value("김철"), Cast("id", CharField()), Value("수"))
    )
    largest = (
        Incident.objects.annotate(people=Count("victims", distinct=True) + Count("offenders", distinct=True))
        .filter(people__gt=0)
        .order_by("office_id", "-people", "pk")
    )
    printed = {}
    for incident in largest:
        if incident.office_id in printed:
            continue
        page = log_in(client, clerk_of(incident)).get(summary_url(incident)).content.decode()
        names = [
            *Victim.objects.filter(incident=incident).values_list("name", flat=True),
            *Offender.objects.filter(incident=incident).exclude(name="").values_list("name", flat=True),
        ]
        assert not [name for name in names if name in page], incident.case_number
        assert "<td>V1</td>" in page or "<td>O1</td>" in page
        printed[incident.office_id] = incident.case_number
    assert len(printed) >= 10  # (most of the 17 offices)


def test_the_sheet_is_dated_the_day_it_is_printed(client):
    incident = IncidentFactory()
    page = log_in(client, clerk_of(incident)).get(summary_url(incident)).content.decode()
    with translation.override("ko"):
        assert f"<td>{date_format(timezone.localdate())}</td>" in page
