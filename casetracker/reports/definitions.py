"""The reports: what each counts, by what, and what its chart shows.

Units and conditions follow domain.md. The office, measure and yearly reports cover
the school violence review committees (final Art. 17 measures); the teacher rights
report the Art. 25 committees; the survey counts every incident.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casetracker.cases import law, selectors
from casetracker.cases.models import (
    ART17_TIER_NUMBERS,
    Art17Measure,
    Art25Measure,
    Incident,
    Law,
    Offender,
    Tier,
    Victim,
)
from casetracker.core.dates import days_after
from casetracker.core.models import Channel, Committee, Office, SchoolLevel

from .engine import ALL, CountColumn, Dimension, ShareColumn, Structure, Subtotal, Sum, TableSpec, TextColumn, Unit

SV = Committee.Kind.SCHOOL_VIOLENCE
TR = Committee.Kind.TEACHER_RIGHTS

# Units ---------------------------------------------------------------------------------------
MEASURES = Unit(
    "measures",
    _("measures"),
    lambda user: selectors.final_measures_for(user, law=Law.SCHOOL_VIOLENCE_ACT_ART17),
    "committee_case__incident__",
)
ART25_MEASURES = Unit(
    "art25_measures",
    _("measures"),
    lambda user: selectors.final_measures_for(user, law=Law.TEACHERS_STATUS_ACT_ART25),
    "committee_case__incident__",
)
REPORTS = Unit("reports", _("reports"), selectors.incidents_for, "")
VICTIMS = Unit("victims", _("victims"), selectors.victims_for, "incident__")
OFFENDERS = Unit("offenders", _("offenders"), selectors.offenders_for, "incident__")
TAKEDOWNS = Unit("takedown_requests", _("takedown requests"), selectors.takedown_requests_for, "incident__")
COMMITTEE_CASES = Unit("committee_cases", _("committee cases"), selectors.committee_cases_for, "incident__")


def referred(unit: Unit, kind: str, *, heard: bool = False):
    return lambda: selectors.referred_to(kind, incident=unit.incident_ref, heard=heard)


def where(**lookups):
    return lambda: Q(**lookups)


def both(*conditions):
    def combined():
        result = Q()
        for condition in conditions:
            result &= condition()
        return result

    return combined


# Dimensions ----------------------------------------------------------------------------------
def offices_in_scope(user) -> list[tuple[str, str]]:
    return [(office.code, office.name) for office in Office.objects.for_user(user)]


OFFICE = Dimension(
    "office", _("office of education"), "office__code", values=offices_in_scope, json_label="office_name"
)
YEAR = Dimension("year", _("report year"), "report_date", by_year=True)
EVERYTHING = Dimension(
    "all", _("all incidents"), "", constant=True, values=lambda user: [(ALL, str(_("all incidents")))]
)


def tier_of(number) -> str:
    tier = law.tier_of(Law.SCHOOL_VIOLENCE_ACT_ART17, number)
    return str(tier.label) if tier else ""


def tier_columns(unit: Unit) -> tuple:
    return (
        CountColumn("measures", _("measures"), unit),
        CountColumn("off_record", Tier.OFF_RECORD.label, unit, where(number__in=ART17_TIER_NUMBERS[Tier.OFF_RECORD])),
        CountColumn("recorded", Tier.RECORDED.label, unit, where(number__in=ART17_TIER_NUMBERS[Tier.RECORDED])),
        CountColumn("heavy", Tier.HEAVY.label, unit, where(number__in=ART17_TIER_NUMBERS[Tier.HEAVY])),
        CountColumn("expulsion", _("of which expulsions"), unit, where(number=Art17Measure.EXPULSION)),
        ShareColumn("heavy_pct", _("heavy share (%)"), "heavy", "measures"),
    )


def deadline(*, extended: bool):
    """The hearing deadline of a committee case, had it been extended or not."""
    return law.sql_days_after("requested_on", law.hearing_days(extended=extended))


def overdue() -> Q:
    today = timezone.localdate()
    waiting = Q(hearing_date__isnull=True, closed_on__isnull=True)
    past_21 = Q(extended_on__isnull=True, requested_on__lt=days_after(today, -law.hearing_days(extended=False)))
    past_28 = Q(extended_on__isnull=False, requested_on__lt=days_after(today, -law.hearing_days(extended=True)))
    return waiting & (past_21 | past_28)


def heard_late() -> Q:
    late_21 = Q(extended_on__isnull=True, hearing_date__gt=deadline(extended=False))
    late_28 = Q(extended_on__isnull=False, hearing_date__gt=deadline(extended=True))
    return Q(hearing_date__isnull=False) & (late_21 | late_28)


# Reports -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Chart:
    kind: str  # "stacked" bars, "bars" or "lines"
    table: str
    series: tuple[str, ...]


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: Promise
    description: Promise
    unit: Promise
    tables: tuple[TableSpec, ...]
    chart: Chart

    def table(self, key: str) -> TableSpec:
        return next(t for t in self.tables if t.key == key)


OFFICES = ReportSpec(
    "offices",
    _("Measures by office and severity"),
    _("Final measures of the school violence review committees (Art. 17), by office of education."),
    _("measures"),
    (
        TableSpec(
            "main",
            _("Measures by office"),
            OFFICE,
            tier_columns(MEASURES),
            suppression=Structure(
                sums=(
                    Sum("measures", ("off_record", "recorded", "heavy")),
                    Sum("heavy", ("expulsion",), complete=False),
                )
            ),
        ),
    ),
    Chart("stacked", "main", ("off_record", "recorded", "heavy")),
)

MEASURE_NUMBER = Dimension(
    "number",
    _("measure"),
    "number",
    on_unit=True,
    values=lambda user: [(n, str(label)) for n, label in Art17Measure.choices],
    json_label="label",
)
MEASURES_REPORT = ReportSpec(
    "measures",
    _("Measures by kind"),
    _("Final measures of the school violence review committees, by measure of Art. 17, with tier subtotals."),
    _("measures"),
    (
        TableSpec(
            "main",
            _("Measures of Art. 17"),
            MEASURE_NUMBER,
            (
                TextColumn("tier", _("tier"), tier_of),
                CountColumn("count", _("measures"), MEASURES),
                ShareColumn("pct", _("share (%)"), "count"),
            ),
            subtotals=tuple(Subtotal(tier, Tier(tier).label, numbers) for tier, numbers in ART17_TIER_NUMBERS.items()),
            subtotal_key="tier",
            suppression=Structure(),
        ),
    ),
    Chart("bars", "main", ("count",)),
)

YEARLY = ReportSpec(
    "yearly",
    _("Yearly trends"),
    _("School violence review committees, by the year of the report date."),
    _("reports, cases, offenders and victims"),
    (
        TableSpec(
            "main",
            _("By report year"),
            YEAR,
            (
                CountColumn("reports", _("reports referred"), REPORTS, referred(REPORTS, SV)),
                CountColumn("heard", _("cases heard"), REPORTS, referred(REPORTS, SV, heard=True)),
                CountColumn(
                    "offenders",
                    _("offending students"),
                    OFFENDERS,
                    both(where(kind=Offender.Kind.STUDENT), referred(OFFENDERS, SV)),
                ),
                CountColumn(
                    "student_victims",
                    _("student victims"),
                    VICTIMS,
                    both(where(kind=Victim.Kind.STUDENT), referred(VICTIMS, SV)),
                ),
            ),
            suppression=Structure(sums=(Sum("reports", ("heard",), complete=False),)),
        ),
    ),
    Chart("lines", "main", ("reports", "heard", "offenders", "student_victims")),
)

SURVEY_LEVELS = (SchoolLevel.ELEMENTARY, SchoolLevel.MIDDLE, SchoolLevel.HIGH, SchoolLevel.SPECIAL)
SURVEY = ReportSpec(
    "survey",
    _("Survey snapshot"),
    _("Every incident reported in the period, as in the ministry's weekly survey."),
    _("reports, requests and victims"),
    (
        TableSpec(
            "main",
            _("All incidents"),
            EVERYTHING,
            (
                CountColumn("reports", _("reports"), REPORTS),
                *(
                    CountColumn(level.value, level.label, REPORTS, where(school__level=level.value))
                    for level in SURVEY_LEVELS
                ),
                CountColumn("police", _("referred to police"), REPORTS, where(police_referred_on__isnull=False)),
                CountColumn("takedown", _("takedown requests"), TAKEDOWNS),
                CountColumn("victims", _("victims"), VICTIMS),
                CountColumn("student_victims", _("student victims"), VICTIMS, where(kind=Victim.Kind.STUDENT)),
                CountColumn("teacher_victims", _("teacher victims"), VICTIMS, where(kind=Victim.Kind.TEACHER)),
                CountColumn("staff_victims", _("staff victims"), VICTIMS, where(kind=Victim.Kind.STAFF)),
            ),
            total=False,
            suppression=Structure(
                sums=(
                    Sum("reports", tuple(level.value for level in SURVEY_LEVELS)),
                    Sum("reports", ("police",), complete=False),
                    Sum("victims", ("student_victims", "teacher_victims", "staff_victims")),
                )
            ),
        ),
    ),
    Chart("bars", "main", ("elementary", "middle", "high", "special")),
)

TEACHER_RIGHTS = ReportSpec(
    "teacher-rights",
    _("Teacher rights protection committees"),
    _("Cases of the teacher rights protection committees and their measures (Art. 25), by report year."),
    _("reports, victims, offenders and measures"),
    (
        TableSpec(
            "main",
            _("By report year"),
            YEAR,
            (
                CountColumn("reports", _("reports"), REPORTS, referred(REPORTS, TR)),
                CountColumn(
                    "teacher_victims",
                    _("teacher victims"),
                    VICTIMS,
                    both(where(kind=Victim.Kind.TEACHER), referred(VICTIMS, TR)),
                ),
                CountColumn(
                    "student_offenders",
                    _("student offenders"),
                    OFFENDERS,
                    both(where(kind=Offender.Kind.STUDENT), referred(OFFENDERS, TR)),
                ),
                # The measures are on the page and in the files, not in the command line's JSON.
                CountColumn("measures", _("measures (Art. 25)"), ART25_MEASURES, in_json=False),
                *(
                    CountColumn(f"measure_{number}", label, ART25_MEASURES, where(number=number), in_json=False)
                    for number, label in Art25Measure.choices
                ),
            ),
            suppression=Structure(
                sums=(Sum("measures", tuple(f"measure_{number}" for number, _label in Art25Measure.choices)),)
            ),
        ),
    ),
    Chart("lines", "main", ("reports", "teacher_victims", "student_offenders")),
)


def channels_in_order(user) -> list[tuple[str, str]]:
    return [(channel.code, channel.name) for channel in Channel.objects.all()]


CHANNELS = ReportSpec(
    "channels",
    _("How it spread"),
    _("Incidents by distribution channel (an incident can spread through several) and by source of the images."),
    _("reports"),
    (
        TableSpec(
            "channels",
            _("By distribution channel"),
            Dimension("channel", _("channel"), "channels__code", values=channels_in_order, json_label="channel_name"),
            (CountColumn("reports", _("reports"), REPORTS), ShareColumn("pct", _("share of reports (%)"), "reports")),
            # An incident can spread through several channels: the rows do not add up to the total.
            suppression=Structure(rows_add_up=False),
        ),
        TableSpec(
            "sources",
            _("By source of the images"),
            Dimension(
                "source",
                _("source of the images"),
                "image_source",
                values=lambda user: [(value, str(label)) for value, label in Incident.ImageSource.choices],
                json_label="source_name",
            ),
            (CountColumn("reports", _("reports"), REPORTS), ShareColumn("pct", _("share (%)"), "reports")),
            suppression=Structure(),
        ),
    ),
    Chart("bars", "channels", ("reports",)),
)

TIMELINESS = ReportSpec(
    "timeliness",
    _("Committee timeliness"),
    _("Hearings against the legal deadline: 21 days from the referral, 28 after the one extension."),
    _("committee cases"),
    (
        TableSpec(
            "main",
            _("By office"),
            OFFICE,
            (
                CountColumn("referred", _("referred"), COMMITTEE_CASES),
                CountColumn("heard", _("heard"), COMMITTEE_CASES, where(hearing_date__isnull=False)),
                CountColumn(
                    "within_21",
                    _("heard within 21 days"),
                    COMMITTEE_CASES,
                    where(hearing_date__isnull=False, hearing_date__lte=deadline(extended=False)),
                ),
                CountColumn(
                    "within_28",
                    _("heard within the extended 28 days"),
                    COMMITTEE_CASES,
                    where(
                        extended_on__isnull=False,
                        hearing_date__isnull=False,
                        hearing_date__gt=deadline(extended=False),
                        hearing_date__lte=deadline(extended=True),
                    ),
                ),
                CountColumn("late", _("heard late"), COMMITTEE_CASES, heard_late),
                CountColumn("overdue", _("still waiting past the deadline"), COMMITTEE_CASES, overdue),
                CountColumn("closed", _("closed without hearing"), COMMITTEE_CASES, where(closed_on__isnull=False)),
                ShareColumn("late_pct", _("late share of hearings (%)"), "late", "heard"),
            ),
            suppression=Structure(
                sums=(
                    Sum("heard", ("within_21", "within_28", "late")),
                    Sum("referred", ("heard", "closed", "overdue"), complete=False),
                )
            ),
        ),
    ),
    Chart("stacked", "main", ("within_21", "within_28", "late", "overdue")),
)

REPORT_LIST = (OFFICES, MEASURES_REPORT, YEARLY, SURVEY, TEACHER_RIGHTS, CHANNELS, TIMELINESS)
REPORTS_BY_NAME = {report.name: report for report in REPORT_LIST}
