"""``scrub_identifiers --check``, the guard for the paths that go around the save check (loaddata,
``QuerySet.update()``, raw SQL, the generators): the shipped data passes it, a name planted in a
narrative fails it with the counts and without the name, and it changes nothing."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from casetracker.audit.models import AccessLog
from casetracker.cases.models import Incident
from tests.factories import VictimFactory

from .test_free_text import PHONE, text_columns_holding
from .test_scrub import raw_update


def check(*args) -> str:
    out = io.StringIO()
    with translation.override("ko"):
        call_command("scrub_identifiers", "--check", *args, stdout=out)
    return out.getvalue()


def test_the_shipped_data_holds_no_identifier_in_its_free_text(shipped_data):
    cases = Incident.objects.count()
    assert cases > 0
    output = check()
    assert f"사안 {cases}건의 글에 저장된 식별정보가 없습니다." in output
    assert not AccessLog.objects.filter(detail__startswith="scrub_identifiers").exists()


@pytest.mark.django_db
def test_a_name_planted_around_the_save_check_fails_it_without_printing_the_name():
    victim = VictimFactory(name="김민지")
    raw_update(Incident, "content_description", f"김민지 학생 사진, 연락처 {PHONE}", id=victim.incident_id)
    with pytest.raises(CommandError, match="글 1행에 식별정보 2건이 저장되어 있습니다") as error:
        out = io.StringIO()
        with translation.override("ko"):
            call_command("scrub_identifiers", "--check", stdout=out)
    output = out.getvalue()
    assert "cases_incident\tcontent_description\t1\t2" in output
    for value in ("김민지", PHONE):
        assert value not in output
        assert value not in str(error.value)
    assert ("cases_incident", "content_description") in text_columns_holding("김민지")  # nothing changed
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_check_takes_no_reason():
    with pytest.raises(CommandError, match="--check는 아무것도 바꾸지 않으므로"):
        check("--reason", "정리")
