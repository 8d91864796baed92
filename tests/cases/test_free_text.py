"""No path stores a name of a case's people or a direct identifier in its free text (issue 17,
item 1): the admin refuses it with the spans marked on the field and saves it replaced in one
click, the importer refuses the cell, the workflow's steps refuse it, and the check costs a fixed
number of queries."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from casetracker.cases import free_text, services
from casetracker.cases.models import Incident, ProtectionMeasure, Victim
from tests.factories import CommitteeCaseFactory, IncidentFactory, OffenderFactory, VictimFactory

from .test_admin import add_rows, inline_formset, page_data, page_errors

pytestmark = pytest.mark.django_db

NAME = "김민지"
PHONE = "010-1234-5678"
RESIDENT_NUMBER = "080101-3234567"
DESCRIPTION = f"{NAME}가 단체 대화방에서 합성 사진을 보았다고 신고함. 연락처 {PHONE}, 주민번호 {RESIDENT_NUMBER}."
REPLACED = "V1가 단체 대화방에서 합성 사진을 보았다고 신고함. 연락처 [연락처], 주민번호 [주민번호]."


@pytest.fixture(autouse=True)
def english(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def change_url(record) -> str:
    return reverse(f"admin:cases_{record._meta.model_name}_change", args=[record.pk])


def text_columns_holding(value: str) -> set[tuple[str, str]]:
    """Every (table, column) of the database whose value, read as text, holds ``value``: history and
    logs included. Every column is read (CAST ... AS TEXT, in SQLite and PostgreSQL alike), not only
    those typed as text: SQLite's introspection of column types stumbles on some tables' constraints."""
    found = set()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {quote(table)} WHERE 1 = 0")
            for column in [description[0] for description in cursor.description]:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(table)} WHERE CAST({quote(column)} AS TEXT) LIKE %s",
                    [f"%{value}%"],
                )
                if cursor.fetchone()[0]:
                    found.add((table, column))
    return found


def test_the_admin_refuses_the_identifiers_marks_them_and_saves_them_replaced_in_one_click(admin_client):
    incident = IncidentFactory(content_description="")
    victim = VictimFactory(incident=incident, code="V1", name="")
    url = change_url(incident)
    page = admin_client.get(url)
    data = page_data(page)
    data["content_description"] = DESCRIPTION
    data[f"{inline_formset(page, Victim).prefix}-0-name"] = NAME

    refused = admin_client.post(url, data)

    assert refused.status_code == 200
    form = refused.context["adminform"].form
    [message] = form.errors["content_description"]
    assert f"<mark>【{NAME}】</mark>(name of a person of the case)" in message
    assert f"<mark>【{PHONE}】</mark>(phone number)" in message
    assert f"<mark>【{RESIDENT_NUMBER}】</mark>(resident registration number)" in message
    assert 'name="_replace_identifiers"' in refused.content.decode()
    incident.refresh_from_db()
    victim.refresh_from_db()
    assert (incident.content_description, victim.name) == ("", "")
    assert NAME not in str(list(refused.context["messages"]))

    saved = admin_client.post(url, {**data, "_replace_identifiers": "1"})

    assert saved.status_code == 302, page_errors(saved)
    incident.refresh_from_db()
    victim.refresh_from_db()
    assert incident.content_description == REPLACED
    assert victim.name == NAME
    assert text_columns_holding(NAME) == {(Victim._meta.db_table, "name")}
    assert not text_columns_holding(PHONE) and not text_columns_holding(RESIDENT_NUMBER)


def test_a_new_incident_with_its_victim_named_in_the_description(admin_client):
    existing = IncidentFactory()
    page = admin_client.get(reverse("admin:cases_incident_add"))
    data = page_data(page)
    data.update(
        office=str(existing.office_id),
        school=str(existing.school_id),
        case_number="2024-0777",
        report_date="2024-05-02",
        content_kind=Incident.ContentKind.SEXUAL_IMAGE,
        image_source=Incident.ImageSource.SOCIAL_PROFILE,
        content_description=f"{NAME} 학생의 사진이 유포됨.",
    )
    add_rows(
        data, page, Victim, [{"code": "V1", "kind": "student", "school_level": "middle", "grade": "2", "name": NAME}]
    )

    refused = admin_client.post(reverse("admin:cases_incident_add"), data)

    assert refused.status_code == 200
    assert "content_description" in refused.context["adminform"].form.errors
    assert not Incident.objects.filter(case_number="2024-0777").exists()

    saved = admin_client.post(reverse("admin:cases_incident_add"), {**data, "_replace_identifiers": "1"})

    assert saved.status_code == 302, page_errors(saved)
    created = Incident.objects.get(case_number="2024-0777")
    assert created.content_description == "V1 학생의 사진이 유포됨."
    assert created.victims.get().name == NAME


def test_an_identifier_in_the_extension_step_is_refused_on_its_field(admin_client):
    """The extension's reason is written by its step (tests/cases/test_case_steps.py): refused there."""
    case = CommitteeCaseFactory(extended_on=None, extension_reason="")
    url = reverse("admin:cases_incident_step", args=[case.incident.pk, "extend"]) + f"?on={case.pk}"
    data = {"on": str(case.requested_on + datetime.timedelta(days=3)), "reason": f"보호자 요청 ({PHONE})"}

    refused = admin_client.post(url, data)

    assert refused.status_code == 200
    assert list(refused.context["form"].errors) == ["reason"]
    case.refresh_from_db()
    assert (case.extended_on, case.extension_reason) == (None, "")


def test_the_victim_page_checks_the_protection_notes_against_the_name_typed(admin_client):
    victim = VictimFactory(name="", kind=Victim.Kind.STUDENT)
    url = change_url(victim)
    page = admin_client.get(url)
    data = page_data(page)
    data["name"] = "이서준"
    add_rows(
        data,
        page,
        ProtectionMeasure,
        [{"number": "1", "ordered_on": str(victim.incident.report_date), "notes": "서준이는 상담을 받음"}],
    )

    refused = admin_client.post(url, data)

    assert refused.status_code == 200
    [row] = inline_formset(refused, ProtectionMeasure).errors
    assert "<mark>【서준이】</mark>" in row["notes"][0]
    assert not ProtectionMeasure.objects.exists()

    saved = admin_client.post(url, {**data, "_replace_identifiers": "1"})

    assert saved.status_code == 302, page_errors(saved)
    assert ProtectionMeasure.objects.get().notes == f"{victim.code}는 상담을 받음"


def test_a_name_given_to_a_person_finds_the_stored_description_and_the_click_replaces_it(admin_client):
    incident = IncidentFactory(content_description=f"{NAME}의 사진")
    offender = OffenderFactory(incident=incident, code="O1", name="", kind="outsider", grade=None, school_level="")
    url = change_url(offender)
    data = page_data(admin_client.get(url))
    data["name"] = NAME

    refused = admin_client.post(url, data)

    assert refused.status_code == 200
    assert "description" in str(refused.context["adminform"].form.non_field_errors())
    offender.refresh_from_db()
    assert offender.name == ""

    saved = admin_client.post(url, {**data, "_replace_identifiers": "1"})

    assert saved.status_code == 302, page_errors(saved)
    incident.refresh_from_db()
    assert incident.content_description == "O1의 사진"


# The workflow's steps, and the services outside a submission ----------------------------------


def test_a_step_with_a_phone_number_in_its_reason_is_refused():
    case = CommitteeCaseFactory(extended_on=None, extension_reason="")

    with pytest.raises(ValidationError) as refused:
        services.extend_hearing_deadline(
            committee_case=case, on=case.requested_on + datetime.timedelta(days=3), reason=f"보호자 {PHONE} 요청"
        )

    assert list(refused.value.message_dict) == ["extension_reason"]
    assert PHONE not in str(refused.value) and PHONE not in repr(refused.value)
    assert "phone number" in str(refused.value)
    case.refresh_from_db()
    assert (case.extended_on, case.extension_reason) == (None, "")


def test_a_person_saved_with_a_name_the_description_holds_is_refused():
    incident = IncidentFactory(content_description=f"{NAME} 학생")
    with pytest.raises(free_text.IdentifierError) as refused:
        services.save_record(record=Victim(incident=incident, code="V1", kind="teacher", name=NAME), actor=None)
    assert list(refused.value.message_dict) == ["content_description"]
    assert not Victim.objects.exists()


# The cost ---------------------------------------------------------------------------------------


def test_the_check_of_a_case_costs_a_fixed_number_of_queries(django_assert_num_queries):
    incident = IncidentFactory(content_description="사진이 유포됨")
    for number in range(1, 6):
        VictimFactory(incident=incident, code=f"V{number}", name=f"김가{number}")
        OffenderFactory(
            incident=incident, code=f"O{number}", name=f"박나{number}", kind="outsider", grade=None, school_level=""
        )
    CommitteeCaseFactory(incident=incident)

    with django_assert_num_queries(free_text.QUERIES_PER_CHECK):
        free_text.check_cases([incident.pk])
    assert free_text.QUERIES_PER_CHECK == 5

    others = [IncidentFactory().pk for _ in range(3)]
    with django_assert_num_queries(free_text.QUERIES_PER_CHECK):
        free_text.check_cases([incident.pk, *others])


def test_a_save_adds_the_check_once_and_a_record_without_text_or_name_adds_nothing(django_assert_num_queries):
    from django.test.utils import CaptureQueriesContext

    incident = IncidentFactory(content_description="")
    for number in range(1, 11):
        VictimFactory(incident=incident, code=f"V{number}", name=f"김가{number}")

    def queries_of_save(record) -> int:
        with CaptureQueriesContext(connection) as captured:
            services.save_record(record=record, actor=None)
        return len(captured)

    incident.refresh_from_db()
    with_check = queries_of_save(incident)
    with free_text.one_submission():
        incident.refresh_from_db()
        deferred = queries_of_save(incident)
    assert with_check - deferred == free_text.QUERIES_PER_CHECK


def test_the_page_says_it_in_korean(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ko"
    incident = IncidentFactory(content_description="")
    VictimFactory(incident=incident, code="V1", name=NAME)
    url = change_url(incident)
    data = {**page_data(admin_client.get(url)), "content_description": f"{NAME} 학생 ({PHONE})"}

    page = admin_client.post(url, data).content.decode()

    assert "찾은 식별정보를 코드로 바꾸어 저장" in page
    assert "저장하지 않았습니다" in page
    assert f"<mark>【{NAME}】</mark>(사안 관련자의 성명)" in page
    assert f"<mark>【{PHONE}】</mark>(전화번호)" in page
    assert "이 글에 식별정보가 있습니다" in page


def test_a_protection_measure_of_a_victims_page_finds_its_case_without_a_query(django_assert_num_queries):
    victim = VictimFactory()
    measure = ProtectionMeasure(victim=victim, number=1, ordered_on=victim.incident.report_date)
    with django_assert_num_queries(0):
        assert free_text.incident_id_of(measure) == victim.incident_id
