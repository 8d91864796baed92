"""An uploaded file whose name holds an identifier (a name of the people of the cases it touches, a
phone or resident registration number) is refused with a message on the upload that names the kind,
never the name; nothing of it is kept: no case, no import record, no history, no access-log entry
(issue 17). A file named after its case or the date goes through."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casetracker.audit.models import AccessLog
from casetracker.cases.models import Incident
from casetracker.imports.models import ImportBatch
from casetracker.imports.readers import FileError
from tests.cases.test_free_text import text_columns_holding
from tests.factories import VictimFactory

from .conftest import case_sheets, record_counts, run, workbook_file, xlsx

NAME = "김민지"


def named_sheets() -> dict:
    sheets = case_sheets()
    sheets["victims"][0]["name"] = NAME
    return sheets


@pytest.mark.parametrize(
    ("file_name", "kind"),
    [
        (f"{NAME}_사안.xlsx", "name of a person of the case"),
        (f"사안_{NAME}.xlsx", "name of a person of the case"),
        ("010-1234-5678_보호자.xlsx", "phone number"),
        ("080101-3234567.xlsx", "resident registration number"),
    ],
)
def test_the_command_line_refuses_the_file_and_keeps_nothing(world, file_name, kind):
    before = record_counts()
    with pytest.raises(FileError) as error:
        run(world.clerk, workbook_file(xlsx(named_sheets()), name=file_name))
    [message] = error.value.messages
    assert kind in message
    assert file_name not in message and NAME not in message
    assert record_counts() == before
    assert not AccessLog.objects.exists()


def test_a_name_already_recorded_in_a_case_the_file_touches_is_found_too(world):
    sheets = case_sheets()
    assert run(world.clerk, workbook_file(xlsx(sheets))).committed
    Incident.objects.get().victims.update(name=NAME)
    with pytest.raises(FileError, match="name of a person of the case"):
        run(world.clerk, workbook_file(xlsx({"incidents": sheets["incidents"]}), name=f"{NAME}.xlsx"))


def test_a_name_of_someone_else_s_case_is_no_concern_of_the_file(world):
    VictimFactory(name="박서준")  # another case, which the file does not touch
    assert run(world.clerk, workbook_file(xlsx(named_sheets()), name="박서준.xlsx")).committed


def test_a_plain_name_is_kept_as_it_is(world):
    result = run(world.clerk, workbook_file(xlsx(named_sheets()), name="2024-0001_서울_사안.xlsx"))
    assert result.committed
    assert "import (command line): 2024-0001_서울_사안.xlsx" in AccessLog.objects.get().detail


def test_the_upload_page_puts_the_message_on_the_field_and_keeps_no_batch(client, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.clerk)
    file_name = f"{NAME}_사안.xlsx"
    response = client.post(reverse("imports:upload"), {"files": SimpleUploadedFile(file_name, xlsx(named_sheets()))})
    assert response.status_code == 400
    [message] = response.context["form"].errors["files"]
    assert "name of a person of the case" in message and "rename the file" in message
    assert NAME not in message
    assert not ImportBatch.objects.exists()
    assert text_columns_holding(NAME) == set()
