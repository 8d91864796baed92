"""The Korean catalogue is complete: every marked string is translated, nothing is fuzzy, and the
compiled ``.mo`` holds what the ``.po`` says."""

import gettext
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE_DIR = Path(settings.BASE_DIR) / "casetracker" / "locale"
PO_PATH = LOCALE_DIR / "ko" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# The same folders the README's makemessages command leaves out.
IGNORED = [".venv", "tests", "bench", "artifacts", "staticfiles"]


def _problems(catalogue: polib.POFile) -> list[str]:
    problems = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r} ({where})")
        elif not entry.translated():
            problems.append(f"untranslated: {entry.msgid!r} ({where})")
    return problems


def _key(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


def test_the_catalogue_has_no_untranslated_or_fuzzy_messages():
    catalogue = polib.pofile(str(PO_PATH))
    assert len(catalogue) > 100
    assert _problems(catalogue) == []


def _copy_sources(target: Path) -> None:
    """The files makemessages reads (Python, templates, text) and the catalogue, outside the project:
    makemessages writes into every ``locale`` folder it finds, so it must not see the real one."""

    def ignore(folder, names):
        return [
            name
            for name in names
            if name in IGNORED
            or name == "__pycache__"
            or (Path(folder, name).is_file() and not name.endswith((".py", ".html", ".txt", ".po")))
        ]

    for top in ("casetracker", "templates"):
        shutil.copytree(Path(settings.BASE_DIR) / top, target / top, ignore=ignore)


@pytest.mark.skipif(not shutil.which("xgettext"), reason="xgettext (GNU gettext) is not installed")
def test_every_marked_string_in_the_source_has_a_korean_translation(tmp_path, settings, monkeypatch):
    """Run makemessages over a copy of the source and catalogue: a string marked since the last
    makemessages shows up there, untranslated."""
    _copy_sources(tmp_path)
    locale = tmp_path / "casetracker" / "locale"
    settings.LOCALE_PATHS = [locale]
    monkeypatch.chdir(tmp_path)
    before = PO_PATH.read_bytes()
    call_command("makemessages", locale=["ko"], ignore_patterns=IGNORED, no_obsolete=True, verbosity=0)
    assert PO_PATH.read_bytes() == before, "makemessages must not touch the project's catalogue"

    extracted = polib.pofile(str(locale / "ko" / "LC_MESSAGES" / "django.po"))
    committed = {_key(entry) for entry in polib.pofile(str(PO_PATH)) if not entry.obsolete}
    missing = sorted(_key(entry) for entry in extracted if not entry.obsolete and _key(entry) not in committed)
    assert missing == [], "run makemessages and translate these"
    assert _problems(extracted) == []


def test_the_compiled_catalogue_matches_the_po_file():
    """A .po translation that is not in the .mo means compilemessages was not run."""
    with MO_PATH.open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)._catalog
    stale = []
    for entry in polib.pofile(str(PO_PATH)):
        if entry.obsolete or "fuzzy" in entry.flags or not entry.translated():
            continue
        if entry.msgid_plural:
            expected = {(_key(entry), int(n)): text for n, text in entry.msgstr_plural.items()}
        else:
            expected = {_key(entry): entry.msgstr}
        if any(compiled.get(key) != text for key, text in expected.items()):
            stale.append(entry.msgid)
    assert stale == [], "run compilemessages"
