"""The import pages: upload, preview, commit, discard; templates; exports in the layout."""

import io
import zipfile

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casetracker.audit.models import AccessLog
from casetracker.cases.models import Incident, Victim
from casetracker.imports.models import ImportBatch
from tests.factories import UserFactory

from .conftest import case_sheets, record_counts, run, workbook_file, xlsx


@pytest.fixture(autouse=True)
def pages_in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def upload(client, content: bytes, name: str = "cases.xlsx"):
    return client.post(reverse("imports:upload"), {"files": SimpleUploadedFile(name, content)})


def test_upload_preview_then_commit(client, world):
    client.force_login(world.clerk)
    response = upload(client, xlsx(case_sheets()))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:batch", args=[batch.pk])
    assert not Incident.objects.exists()  # a preview saves no case

    page = client.get(response.url)
    assert page.status_code == 200
    counts = {sheet.key: (sheet.created, sheet.errors) for sheet in page.context["result"].sheets}
    assert counts["incidents"] == (1, 0) and counts["measures"] == (1, 0)
    assert reverse("imports:commit", args=[batch.pk]).encode() in page.content

    response = client.post(reverse("imports:commit", args=[batch.pk]))
    assert response.status_code == 302
    assert Incident.objects.count() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and bytes(batch.content) == b""
    history = Victim.history.get()
    assert history.history_change_reason == f"import #{batch.pk}: cases.xlsx"
    assert (history.history_user, history.ip_address, history.history_type) == (world.clerk, "127.0.0.1", "+")
    assert AccessLog.objects.filter(action=AccessLog.Action.IMPORT, user=world.clerk).count() == 1
    # A second commit of the same batch does nothing.
    client.post(reverse("imports:commit", args=[batch.pk]))
    assert Incident.objects.count() == 1


def test_the_preview_lists_each_error_and_offers_no_commit(client, world):
    client.force_login(world.clerk)
    sheets = case_sheets()
    sheets["victims"][0]["grade"] = "two"
    batch_url = upload(client, xlsx(sheets)).url
    page = client.get(batch_url)
    error = page.context["result"].errors[0]
    assert (error.sheet, error.row, error.column, error.value) == ("victims", 2, "grade", "two")
    content = page.content.decode()
    assert "This is not a whole number." in content and "two" in content
    assert "/commit/" not in content
    batch = ImportBatch.objects.get()
    response = client.post(reverse("imports:commit", args=[batch.pk]))
    assert response.status_code == 302 and record_counts()["Incident"] == 0


def test_a_row_refused_at_commit_leaves_everything_unsaved(client, world):
    client.force_login(world.clerk)
    upload(client, xlsx(case_sheets()))
    batch = ImportBatch.objects.get()
    # Meanwhile an admin renames the committee: the commit no longer finds it, and keeps nothing
    # (not even the incident, victim and offender rows, which are still fine).
    world.committee.name_en, world.committee.name_ko = "Renamed", "바뀐 이름"
    world.committee.save()
    before = record_counts()
    response = client.post(reverse("imports:commit", args=[batch.pk]))
    assert response.status_code == 409
    assert "Nothing was imported" in response.content.decode()
    assert record_counts() == before


def test_a_bad_file_is_refused_on_the_form(client, world):
    client.force_login(world.clerk)
    response = upload(client, b"not a spreadsheet", name="notes.txt")
    assert response.status_code == 400
    assert "notes.txt is not a spreadsheet" in response.content.decode() or "not part of the layout" in (
        response.content.decode()
    )
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(client, world, settings):
    settings.IMPORT_MAX_BYTES = 2**20
    client.force_login(world.clerk)
    response = upload(client, b"x" * (2**20 + 1), name="huge.xlsx")
    assert response.status_code == 400
    assert "The upload is larger than 1 MB" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_discard(client, world):
    client.force_login(world.clerk)
    upload(client, xlsx(case_sheets()))
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:discard", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED and bytes(batch.content) == b""
    client.post(reverse("imports:commit", args=[batch.pk]))
    assert not Incident.objects.exists()


def test_an_upload_is_only_its_clerks(client, world):
    client.force_login(world.clerk)
    upload(client, xlsx(case_sheets()))
    batch = ImportBatch.objects.get()
    colleague = UserFactory(office=world.office)
    client.force_login(colleague)
    assert client.get(reverse("imports:batch", args=[batch.pk])).status_code == 404
    assert client.post(reverse("imports:commit", args=[batch.pk])).status_code == 404
    assert client.post(reverse("imports:discard", args=[batch.pk])).status_code == 404
    assert not Incident.objects.exists()
    batch.refresh_from_db()
    assert batch.status != ImportBatch.Status.DISCARDED


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_only_clerks_reach_the_import_pages(client, world, role):
    user = UserFactory(supervisor=True, office=world.office) if role == "supervisor" else UserFactory(superuser=True)
    client.force_login(user)
    assert client.get(reverse("imports:upload")).status_code == 403
    assert upload(client, xlsx(case_sheets())).status_code == 403
    assert client.get(reverse("imports:template", args=["ko", "xlsx"])).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("imports:upload"))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize(("language", "first_header"), [("ko", "시·도교육청"), ("en", "office of education")])
def test_blank_templates_in_both_languages(client, world, language, first_header):
    client.force_login(world.clerk)
    response = client.get(reverse("imports:template", args=[language, "xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    first = workbook.worksheets[0]
    assert next(first.iter_rows())[0].value == first_header
    assert first.max_row == 1  # blank: headers only
    assert len(workbook.worksheets) == 8  # six sheets, instructions, examples
    examples = [[cell.value for cell in row] for row in workbook.worksheets[-1].iter_rows()]
    assert any(row[1] == "2024-0001" for row in examples if len(row) > 1)

    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("imports:template", args=[language, "zip"])).content))
    assert len([name for name in archive.namelist() if name.endswith(".csv")]) == 6


def test_the_blank_template_imports_as_nothing_to_import(client, world):
    client.force_login(world.clerk)
    content = client.get(reverse("imports:template", args=["ko", "xlsx"])).content
    response = upload(client, content, name="template.xlsx")
    assert response.status_code == 400 and "nothing to import" in response.content.decode()


def test_the_export_is_scoped_without_names_and_neutralised(client, world):
    run(world.clerk, workbook_file(xlsx(case_sheets())))
    Victim.objects.update(name="김민지")
    Incident.objects.update(content_description="secret", case_number="=cmd|'/c calc'!A1")
    other_clerk = UserFactory(office=world.other_office)
    client.force_login(other_clerk)
    refused = client.get(reverse("imports:export"), {"office": "seoul", "format": "xlsx"})
    assert refused.status_code == 400  # not an office they may choose

    client.force_login(world.clerk)
    response = client.get(reverse("imports:export"), {"office": "seoul", "format": "zip"})
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    text = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    assert "김민지" not in text and "secret" not in text
    assert "'=cmd|" in text
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=world.clerk).exists()


def test_a_national_supervisor_exports_any_office_and_reimports_as_no_change(client, world):
    run(world.clerk, workbook_file(xlsx(case_sheets())))
    client.force_login(UserFactory(supervisor=True, office=None))
    assert client.get(reverse("imports:export")).status_code == 200
    content = client.get(reverse("imports:export"), {"office": "seoul", "format": "xlsx"}).content
    before = record_counts()
    result = run(world.clerk, workbook_file(content))
    assert result.ok and all(sheet.created == sheet.updated == 0 for sheet in result.sheets)
    assert record_counts() == before


@pytest.mark.parametrize("file_format", ["xlsx", "zip"])
def test_a_stored_control_character_no_longer_breaks_the_export(client, world, file_format):
    # Issue 16, finding 6: a victim code V\x0b1 made the layout's XLSX export a 500 for every role.
    run(world.clerk, workbook_file(xlsx(case_sheets())))
    Victim.objects.update(code="V\x0b1")
    Incident.objects.update(case_number="\uff1d1+1")
    for user in (world.clerk, UserFactory(supervisor=True, office=None)):
        client.force_login(user)
        response = client.get(reverse("imports:export"), {"office": "seoul", "format": file_format})
        assert response.status_code == 200
        if file_format == "xlsx":
            workbook = openpyxl.load_workbook(io.BytesIO(response.content))
            values = {cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row}
        else:
            archive = zipfile.ZipFile(io.BytesIO(response.content))
            text = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
            values = set(text.replace("\r\n", ",").split(","))
        assert "V1" in values and "V\x0b1" not in values
        assert "'\uff1d1+1" in values and "\uff1d1+1" not in values


# The commit refuses when a case changed after the preview (issue 16, finding 9) ---------------------


def preview_then(client, world, change):
    """Preview a file updating case 2024-0001 (victim's grade 3), let ``change`` happen, then commit."""
    run(world.clerk, workbook_file(xlsx(case_sheets())))
    sheets = case_sheets()
    sheets["victims"][0]["grade"] = 3
    client.force_login(world.clerk)
    assert upload(client, xlsx(sheets)).status_code == 302
    batch = ImportBatch.objects.get()
    change()
    before = record_counts()
    response = client.post(reverse("imports:commit", args=[batch.pk]), follow=True)
    batch.refresh_from_db()
    return response, batch, before


def another_clerk_sets_the_grade():
    from casetracker.cases.services import save_record

    victim = Victim.objects.get()
    victim.grade = 1
    save_record(record=victim, actor=None, expected_version=victim.version)


def test_the_commit_refuses_when_a_case_changed_after_the_preview(client, world):
    response, batch, before = preview_then(client, world, another_clerk_sets_the_grade)
    content = response.content.decode()
    assert "Since your preview, someone else changed cases this file changes (2024-0001)" in content
    assert "upload the file again to see a new preview" in content
    assert record_counts() == before
    assert Victim.objects.get().grade == 1  # the other clerk's change stands
    assert batch.status == ImportBatch.Status.DISCARDED and bytes(batch.content) == b""
    assert AccessLog.objects.filter(action=AccessLog.Action.IMPORT).count() == 1  # (the first import only)


def test_the_commit_refuses_when_a_record_under_the_case_changed(client, world):
    from casetracker.cases.models import Measure
    from casetracker.cases.services import save_record

    def carry_out():
        measure = Measure.objects.get()
        measure.notified_on = measure.decided_on
        save_record(record=measure, actor=None, expected_version=measure.version)

    response, _batch, before = preview_then(client, world, carry_out)
    assert "Since your preview" in response.content.decode()
    assert record_counts() == before and Victim.objects.get().grade == 2


def test_the_commit_refuses_when_a_case_the_file_creates_was_recorded_meanwhile(client, world):
    from casetracker.cases.services import save_record

    client.force_login(world.clerk)
    assert upload(client, xlsx(case_sheets())).status_code == 302
    batch = ImportBatch.objects.get()
    save_record(
        record=Incident(
            office=world.office, school=world.school, case_number="2024-0001", report_date="2024-05-02",
            content_kind="sexual_image", image_source="unknown",
        ),
        actor=None,
    )  # fmt: skip
    response = client.post(reverse("imports:commit", args=[batch.pk]), follow=True)
    assert "someone else changed cases this file changes (2024-0001)" in response.content.decode()
    assert Incident.objects.get().image_source == "unknown" and not Victim.objects.exists()


def test_the_commit_goes_ahead_when_nothing_changed_since_the_preview(client, world):
    response, batch, _before = preview_then(client, world, lambda: None)
    assert response.status_code == 200 and batch.status == ImportBatch.Status.COMMITTED
    assert Victim.objects.get().grade == 3


def test_a_preview_without_fingerprints_must_be_made_again(client, world):
    client.force_login(world.clerk)
    upload(client, xlsx(case_sheets()))
    ImportBatch.objects.update(case_fingerprints={})
    response = client.post(reverse("imports:commit", args=[ImportBatch.objects.get().pk]), follow=True)
    assert "This preview is out of date" in response.content.decode()
    assert not Incident.objects.exists()
