"""The layout itself: unambiguous in both languages, and documented column by column."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from casetracker.imports.layout import SHEETS, normalise, sheet_for_name

DOC = Path(settings.BASE_DIR) / "docs" / "imports.md"


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda sheet: sheet.key)
def test_each_header_names_one_column_in_either_language(sheet):
    seen: dict[str, str] = {}
    for column in sheet.columns:
        for header in column.headers():
            assert seen.setdefault(header, column.key) == column.key, f"{header!r} names two columns of {sheet.key}"


def test_each_sheet_name_names_one_sheet():
    for sheet in SHEETS:
        for language in ("ko", "en"):
            with translation.override(language):
                assert sheet_for_name(str(sheet.label)) is sheet
                assert sheet_for_name(f"{sheet.label}.csv") is sheet
        assert sheet_for_name(sheet.key) is sheet


def test_the_documentation_lists_every_column_in_both_languages():
    text = DOC.read_text()
    for sheet in SHEETS:
        for column in sheet.columns:
            for language in ("ko", "en"):
                with translation.override(language):
                    assert f"| {column.label} |" in text or f"| {column.label} " in text, (sheet.key, column.key)


@pytest.mark.parametrize(
    "text",
    ["사안번호", "사안 번호", "사안\u3000번호", "사안_번호*", " 사안\t번호\n", "사안\xa0번호", "사안\u2028번호"],
)
def test_names_compare_without_case_whitespace_of_any_kind_underscores_or_stars(text):
    assert normalise(text) == "사안번호"
    assert normalise("Case_Number *") == normalise("case number") == "casenumber"
    assert normalise(2024) == "2024"
