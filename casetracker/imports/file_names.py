"""An uploaded file's name holds no identifier (issue 17): it is refused, not stored.

A file's name is kept where a clerk's free text is not checked: the import's list
(``ImportBatch.file_names``), the reason of every change the import makes in the change history,
and the access log. So a name such as ``김민지_사안.xlsx`` or ``010-1234-5678.xlsx`` is refused with
a message on the upload, naming the kinds found and never the name itself, and nothing of the
file is kept. Direct identifiers (``identifiers.find_identifiers`` with no people) are found before
the file is read; the names of people, once the import has read whom the file's cases hold (the
file's own victims and offenders, and those already recorded), inside its transaction, so that a
refusal rolls the whole import back. Refusing is simpler and safer than rewriting the name: the
clerk renames the file, e.g. after the office and the date, and nothing holds the old name.
"""

from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from casetracker.cases.identifiers import find_identifiers

from .readers import FileError


def check_file_names(names: Iterable[str], *, people: Sequence[tuple[str, str]] = ()) -> None:
    """Raise ``FileError`` if a name holds a direct identifier, or the name of one of ``people``."""
    kinds: list[str] = []
    for name in names:
        for found in find_identifiers(name, people=people):
            kinds.append(str(found.label))
    if kinds:
        raise FileError(
            _(
                "The name of an uploaded file holds %(kinds)s. File names are kept in the import's record and "
                "the change history: rename the file without names or contact details (e.g. after the office "
                "and the date) and upload it again."
            )
            % {"kinds": ", ".join(dict.fromkeys(kinds))}
        )
