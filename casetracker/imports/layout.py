"""The documented workbook layout: six sheets linked by case number and person codes.

One definition serves the importer (which headers it accepts, how it reads each cell),
the exporter (which columns it writes, in which order) and the blank templates (headers
and instructions in Korean or English). A header or sheet name is recognised in either
language, so a Korean workbook and an English one import alike.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casetracker.cases.models import Appeal, ClosureReason, CommitteeCase, Incident, Measure, Offender, Victim
from casetracker.core.models import SchoolLevel

LANGUAGES = ("ko", "en")


class Kind(models.TextChoices):
    """How a cell is read."""

    TEXT = "text", _("text")
    DATE = "date", _("date, e.g. 2024-08-31")
    NUMBER = "number", _("whole number")
    CHOICE = "choice", _("one of the listed values")
    CODES = "codes", _("list of codes, separated by commas")


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    kind: str = Kind.TEXT
    required: bool = False
    choices: type[models.Choices] | None = None
    # The model field whose errors belong to this column (defaults to the key).
    field: str | None = None
    # Identities and free text stay out of exports; a file without the column leaves them as they are.
    exported: bool = True
    help: Promise | str = ""

    @property
    def model_field(self) -> str:
        return self.field or self.key

    def headers(self) -> set[str]:
        """Every header text this column is recognised by (both languages, and its key)."""
        return {normalise(self.key), *(normalise(text) for text in in_each_language(self.label))}


@dataclass(frozen=True)
class Sheet:
    key: str
    label: Promise
    model: type[models.Model]
    columns: tuple[Column, ...]
    # The columns that find an existing row (the natural key), in order.
    key_columns: tuple[str, ...] = ()
    help: Promise | str = ""
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {column.key: column for column in self.columns})

    def names(self) -> set[str]:
        return {normalise(self.key), *(normalise(text) for text in in_each_language(self.label))}

    def column_for_header(self, header: str) -> Column | None:
        wanted = normalise(header)
        return next((column for column in self.columns if wanted in column.headers()), None)

    @property
    def required_columns(self) -> list[Column]:
        return [column for column in self.columns if column.required]

    @property
    def exported_columns(self) -> list[Column]:
        return [column for column in self.columns if column.exported]


IGNORED_IN_NAMES = re.compile(r"[\s_*]+")


def normalise(text: str) -> str:
    """Headers and sheet names compare without case, spaces, underscores or a trailing '*'."""
    text = str(text)
    # (Most texts have nothing to take out, which these tests tell faster than the pattern:
    # any whitespace but the ASCII space is not printable.)
    if " " in text or "_" in text or "*" in text or not text.isprintable():
        text = IGNORED_IN_NAMES.sub("", text)
    return text.casefold()


def in_each_language(text: Promise | str) -> Iterator[str]:
    for language in LANGUAGES:
        with translation.override(language):
            yield str(text)


CASE_NUMBER = Column(
    "case_number", _("case number"), required=True, help=_("The case number in your office, e.g. 2024-0042.")
)
COMMITTEE = Column(
    "committee",
    _("committee"),
    required=True,
    help=_("The committee's name, in Korean or English, as in the list of committees."),
)
OFFENDER = Column("offender", _("offender code"), required=True, help=_("The offender's code in the offenders sheet."))

INCIDENTS = Sheet(
    "incidents",
    _("incidents"),
    Incident,
    (
        Column("office", _("office of education"), required=True, help=_("Your office's code, e.g. seoul.")),
        CASE_NUMBER,
        Column("school", _("school code"), required=True, help=_("The school's code from the list of schools.")),
        Column("report_date", _("report date"), Kind.DATE, required=True),
        Column("content_kind", _("what was made"), Kind.CHOICE, required=True, choices=Incident.ContentKind),
        Column("image_source", _("source of the images"), Kind.CHOICE, choices=Incident.ImageSource),
        Column(
            "channels",
            _("how it spread"),
            Kind.CODES,
            help=_("Channel codes or names, separated by commas, e.g. telegram, group_chat."),
        ),
        Column("police_referred_on", _("referred to police on"), Kind.DATE),
        Column("closed_on", _("closed on"), Kind.DATE),
        Column("closure_reason", _("reason for closing without hearing"), Kind.CHOICE, choices=ClosureReason),
        Column(
            "description",
            _("description"),
            field="content_description",
            exported=False,
            help=_("Optional, never exported. Describe what was made; never the content itself."),
        ),
    ),
    key_columns=("case_number",),
    help=_("One row per case. The case number is the key: a case already recorded is updated."),
)

PERSON_COLUMNS = (
    Column("school_level", _("school level"), Kind.CHOICE, choices=SchoolLevel),
    Column("grade", _("grade"), Kind.NUMBER),
)
NAME = Column("name", _("name"), exported=False, help=_("Optional, never exported or shown in reports."))

VICTIMS = Sheet(
    "victims",
    _("victims"),
    Victim,
    (
        CASE_NUMBER,
        Column("code", _("victim code"), required=True, help=_("A pseudonymous code within the case, e.g. V1.")),
        Column("kind", _("kind"), Kind.CHOICE, required=True, choices=Victim.Kind),
        *PERSON_COLUMNS,
        NAME,
    ),
    key_columns=("case_number", "code"),
    help=_("One row per victim; case number and code are the key."),
)

OFFENDERS = Sheet(
    "offenders",
    _("offenders"),
    Offender,
    (
        CASE_NUMBER,
        Column("code", _("offender code"), required=True, help=_("A pseudonymous code within the case, e.g. O1.")),
        Column("kind", _("kind"), Kind.CHOICE, required=True, choices=Offender.Kind),
        *PERSON_COLUMNS,
        Column("expected_graduation_on", _("(expected) graduation date"), Kind.DATE),
        NAME,
    ),
    key_columns=("case_number", "code"),
    help=_("One row per offender; case number and code are the key."),
)

COMMITTEE_CASES = Sheet(
    "committee_cases",
    _("committee cases"),
    CommitteeCase,
    (
        CASE_NUMBER,
        COMMITTEE,
        Column("requested_on", _("referred on"), Kind.DATE, required=True),
        Column("extended_on", _("deadline extended on"), Kind.DATE),
        Column("extension_reason", _("reason for the extension")),
        Column("hearing_scheduled_on", _("hearing scheduled for"), Kind.DATE),
        Column("hearing_date", _("hearing date"), Kind.DATE),
        Column("closed_on", _("closed without hearing on"), Kind.DATE),
        Column("closure_reason", _("reason for closing without hearing"), Kind.CHOICE, choices=ClosureReason),
    ),
    key_columns=("case_number", "committee"),
    help=_("One row per referral of a case to a committee; case number and committee are the key."),
)

MEASURES = Sheet(
    "measures",
    _("measures"),
    Measure,
    (
        CASE_NUMBER,
        COMMITTEE,
        OFFENDER,
        Column(
            "number",
            _("measure number"),
            Kind.NUMBER,
            required=True,
            help=_("The measure's number under the committee's law: Art. 17 (1-9) or Art. 25 (1-7)."),
        ),
        Column("decided_on", _("decided on"), Kind.DATE, required=True),
        Column("days", _("days"), Kind.NUMBER),
        Column("hours", _("hours"), Kind.NUMBER),
        Column("notified_on", _("decision notified on"), Kind.DATE),
        Column("carried_out_on", _("carried out on"), Kind.DATE),
        Column("deleted_from_record_on", _("deleted from the school record on"), Kind.DATE),
    ),
    key_columns=("case_number", "committee", "offender", "number"),
    help=_(
        "One row per measure a committee imposed; case, committee, offender and measure number are the key. "
        "Measures that an appeal ordered are not listed: the appeals sheet gives them."
    ),
)

APPEALS = Sheet(
    "appeals",
    _("appeals"),
    Appeal,
    (
        CASE_NUMBER,
        COMMITTEE,
        OFFENDER,
        Column(
            "measure", _("measure number"), Kind.NUMBER, required=True, help=_("The number of the measure appealed.")
        ),
        Column("appellant", _("filed by"), Kind.CHOICE, required=True, choices=Appeal.Appellant),
        Column("kind", _("kind of appeal"), Kind.CHOICE, choices=Appeal.Kind),
        Column("filed_on", _("filed on"), Kind.DATE, required=True),
        Column("outcome", _("outcome"), Kind.CHOICE, choices=Appeal.Outcome),
        Column("decided_on", _("decided on"), Kind.DATE),
        Column("replacement_number", _("changed to measure"), Kind.NUMBER),
        Column("replacement_days", _("days of the new measure"), Kind.NUMBER),
        Column("replacement_hours", _("hours of the new measure"), Kind.NUMBER),
    ),
    key_columns=("case_number", "committee", "offender", "measure", "appellant", "kind", "filed_on"),
    help=_("One row per appeal against a measure; the measure, who filed, the kind and the filing date are the key."),
)

# In the order they are imported: a row refers only to rows of the sheets before it.
SHEETS: tuple[Sheet, ...] = (INCIDENTS, VICTIMS, OFFENDERS, COMMITTEE_CASES, MEASURES, APPEALS)


def sheet_for_name(name: str) -> Sheet | None:
    """The sheet a worksheet or CSV file name stands for (``incidents.csv``, ``사안``...)."""
    stem = re.sub(r"\.csv$", "", name.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    wanted = normalise(stem)
    return next((sheet for sheet in SHEETS if wanted in sheet.names()), None)
