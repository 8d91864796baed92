"""The register's pages: scoped to the office, files and deliveries for its clerks only, clear
messages on bad input; the letterheads for admins."""

import datetime

import pytest
from django.urls import reverse

from casetracker.cases import law
from casetracker.cases.models import Measure, VictimNotice
from casetracker.documents import services
from casetracker.documents.admin import issue_url, register_url
from casetracker.documents.letters import Kind
from casetracker.documents.models import Delivery, Document, OfficeLetterhead
from tests.factories import MeasureFactory, OfficeFactory, UserFactory, VictimFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:documents_document_changelist")


@pytest.fixture
def cases():
    """A decided case in Seoul and one in Gyeonggi, each with a decision notice issued."""
    made = {}
    for code in ("seoul", "gyeonggi"):
        measure = MeasureFactory(committee_case__incident__office=OfficeFactory(code=code), number=6, days=5)
        VictimFactory(incident=measure.committee_case.incident)
        clerk = UserFactory(office=measure.committee_case.incident.office)
        incident = measure.committee_case.incident
        issued = services.issue_documents(actor=clerk, incident=incident, kind=Kind.DECISION_NOTICE)
        made[code] = {"incident": incident, "clerk": clerk, "documents": issued.documents, "measure": measure}
    return made


def test_a_clerk_lists_only_the_offices_register(client, cases):
    client.force_login(cases["seoul"]["clerk"])
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert {doc.incident_id for doc in response.context["cl"].result_list} == {cases["seoul"]["incident"].pk}
    response = client.get(register_url(cases["gyeonggi"]["incident"]))
    assert list(response.context["cl"].result_list) == []
    other = cases["gyeonggi"]["documents"][0]
    assert client.get(reverse("admin:documents_document_change", args=[other.pk])).status_code in (302, 404)


def test_files_and_deliveries_are_the_offices_clerks_only(client, cases):
    seoul = cases["seoul"]
    document = seoul["documents"][0]
    file_url = reverse("admin:documents_document_file", args=[document.pk])
    deliver_url = reverse("admin:documents_document_deliver", args=[document.pk])
    client.force_login(seoul["clerk"])
    assert client.get(reverse("admin:documents_document_change", args=[document.pk])).status_code == 200
    response = client.get(file_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")

    client.force_login(cases["gyeonggi"]["clerk"])
    assert client.get(file_url).status_code == 404
    assert client.get(deliver_url).status_code == 404
    assert client.get(issue_url(seoul["incident"])).status_code == 404

    supervisor = UserFactory(supervisor=True, office=seoul["incident"].office)
    client.force_login(supervisor)
    assert client.get(CHANGELIST).status_code == 200
    assert issue_url(seoul["incident"]) not in client.get(register_url(seoul["incident"])).content.decode()
    assert client.get(file_url).status_code == 403
    assert client.post(deliver_url, {"delivered_on": "2024-01-01", "method": "email"}).status_code == 403
    assert (
        client.post(issue_url(seoul["incident"]), {"kind": "decision-notice", "file_format": "pdf"}).status_code == 403
    )
    assert not Delivery.objects.exists()


def test_issuing_from_the_case_downloads_every_letter(client, cases):
    seoul = cases["seoul"]
    client.force_login(seoul["clerk"])
    assert issue_url(seoul["incident"]) in client.get(register_url(seoul["incident"])).content.decode()
    assert client.get(issue_url(seoul["incident"])).status_code == 200
    before = Document.objects.count()
    response = client.post(issue_url(seoul["incident"]), {"kind": "school-request", "file_format": "docx"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and response["Content-Disposition"].endswith('.docx"')
    assert Document.objects.count() == before + 1


def test_issuing_what_the_records_do_not_hold_is_a_message(client, cases):
    seoul = cases["seoul"]
    client.force_login(seoul["clerk"])
    before = Document.objects.count()
    response = client.post(issue_url(seoul["incident"]), {"kind": "separation-notice", "file_format": "pdf"})
    assert response.status_code == 200
    assert "이 사안에는 즉시 분리가 기록되어 있지 않습니다" in response.content.decode()
    response = client.post(issue_url(seoul["incident"]), {"kind": "no-such-kind", "file_format": "pdf"})
    assert response.status_code == 200 and response.context["form"].errors["kind"]
    assert Document.objects.count() == before


def test_recording_a_delivery_on_the_page(client, cases):
    seoul = cases["seoul"]
    document = next(d for d in seoul["documents"] if d.offender_id)
    decided_on = seoul["measure"].decided_on
    url = reverse("admin:documents_document_deliver", args=[document.pk])
    client.force_login(seoul["clerk"])
    too_early = (decided_on - datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"delivered_on": too_early, "method": "registered_mail"})
    assert response.status_code == 200 and response.context["form"].errors["delivered_on"]
    response = client.post(url, {"delivered_on": decided_on.isoformat(), "method": "registered_mail"})
    assert response.status_code == 302
    assert Measure.objects.get(pk=seoul["measure"].pk).notified_on == decided_on
    page = client.get(register_url(seoul["incident"])).content.decode()
    assert "등기우편" in page  # the page speaks the users' language


def test_the_victims_delivery_on_the_page_and_its_removal(client, cases):
    seoul = cases["seoul"]
    document = next(d for d in seoul["documents"] if d.victim_id)
    decided_on = seoul["measure"].decided_on
    url = reverse("admin:documents_document_deliver", args=[document.pk])
    client.force_login(seoul["clerk"])
    assert 'name="remove"' not in client.get(url).content.decode()  # nothing to remove yet
    response = client.post(url, {"delivered_on": decided_on.isoformat(), "method": "by_hand"})
    assert response.status_code == 302
    notice = VictimNotice.objects.get(victim=document.victim)
    assert notice.notified_on == decided_on
    assert 'name="remove"' in client.get(url).content.decode()
    # Another office's clerk cannot remove it.
    client.force_login(cases["gyeonggi"]["clerk"])
    assert client.post(url, {"remove": "1"}).status_code == 404
    client.force_login(seoul["clerk"])
    response = client.post(url, {"remove": "1"})
    assert response.status_code == 302
    assert not Delivery.objects.filter(document=document).exists()
    assert not VictimNotice.objects.exists()


def test_letterheads_are_the_admins(client, cases):
    office = cases["seoul"]["incident"].office
    client.force_login(UserFactory(role="admin", office=None))
    response = client.post(
        reverse("admin:documents_officeletterhead_add"),
        {
            "office": office.pk,
            "sender": "서울특별시교육감",
            "contact": "",
            "footer": "",
            "letterhead": "",
            "hearing_place": "",
        },
    )
    assert response.status_code == 302
    assert OfficeLetterhead.objects.get(office=office).sender == "서울특별시교육감"
    client.force_login(cases["seoul"]["clerk"])
    assert client.get(reverse("admin:documents_officeletterhead_changelist")).status_code == 403


def test_the_register_and_issuing_take_a_fixed_number_of_queries(client, cases, django_assert_max_num_queries):
    seoul = cases["seoul"]
    for _ in range(3):  # more documents, more people: the same count
        MeasureFactory(committee_case=seoul["measure"].committee_case, number=2)
        VictimFactory(incident=seoul["incident"])
    issued = services.issue_documents(actor=seoul["clerk"], incident=seoul["incident"], kind=Kind.DECISION_NOTICE)
    decided_on = seoul["measure"].decided_on
    for document in issued.documents:
        services.record_delivery(actor=seoul["clerk"], document=document, delivered_on=decided_on, method="email")
    client.force_login(seoul["clerk"])
    with django_assert_max_num_queries(14):
        page = client.get(register_url(seoul["incident"]))
    assert page.status_code == 200
    deadline = law.appeal_deadline(decided_on, decided_on)
    assert page.content.decode().count(f"{deadline.year}년 {deadline.month}월 {deadline.day}일") >= len(
        issued.documents
    )
    with django_assert_max_num_queries(14):
        services.issue_documents(actor=seoul["clerk"], incident=seoul["incident"], kind=Kind.DECISION_NOTICE)


@pytest.mark.parametrize("key", ["9" * 30, "-1", "abc"])
def test_ids_the_database_cannot_hold_are_absent(client, cases, key):
    client.force_login(cases["seoul"]["clerk"])
    huge = "9" * 30
    for name in ("admin:documents_document_issue", "admin:documents_document_file", "admin:documents_document_deliver"):
        assert client.get(reverse(name, args=[huge])).status_code == 404
    response = client.get(CHANGELIST, {"case": key})
    assert response.status_code == 200 and list(response.context["cl"].result_list) == []
    response = client.post(
        issue_url(cases["seoul"]["incident"]), {"kind": "decision-notice", "file_format": "pdf", "committee_case": key}
    )
    assert response.status_code == 200 and response.context["form"].errors["committee_case"]
