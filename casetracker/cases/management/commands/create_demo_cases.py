"""A few open demo cases for each demo clerk, dated from today, so that a new clerk's work queue
shows live work beside the shipped dataset's old backlog; refused when DEBUG is off.

The shipped dataset holds the published figures, which end before the demo cases begin: every
date here is after the latest date of the cases already there, so no published figure moves (and
the command refuses if today's dates would fall inside them). Every record goes through the case
services, as a clerk's entry does: the rules, the free-text check, the history (by the clerk, with
the reason below) and the derived status by the database's triggers. Run again, it adds nothing.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casetracker.accounts.models import User
from casetracker.core.formatting import format_date
from casetracker.core.models import Committee, School

from ... import services
from ...models import Incident, Offender, TakedownRequest, Victim

DEMO_REASON = "demo case"
DEMO_CLERKS = ("clerk_seoul", "clerk_gyeonggi")
# The oldest demo date, in days before today (a case reported, then referred).
OLDEST_DAYS_AGO = 30


@dataclass(frozen=True)
class DemoCase:
    """One open case: reported ``reported`` days ago, referred ``referred`` days ago (or not),
    its hearing set ``hearing_in`` days ahead (or not), a takedown request ``takedown`` days ago (or none)."""

    reported: int
    content_kind: str
    description: str
    referred: int | None = None
    hearing_in: int | None = None
    takedown: int | None = None


DEMO_CASES = (
    # The hearing is overdue (21 days after a referral 25 days ago), a date is set: a live item to chase.
    DemoCase(
        OLDEST_DAYS_AGO,
        Incident.ContentKind.SEXUAL_IMAGE,
        "A composite image shared in a class chat room.",
        referred=25,
        hearing_in=3,
    ),
    # Referred ten days ago: the hearing falls due within the three weeks; a takedown to follow up.
    DemoCase(
        12,
        Incident.ContentKind.OTHER_COMPOSITE,
        "A humiliating composite posted to a messenger group.",
        referred=10,
        takedown=9,
    ),
    # Just reported: no step yet.
    DemoCase(3, Incident.ContentKind.SEXUAL_VIDEO, "A synthetic video reported by a homeroom teacher."),
)


class Command(BaseCommand):
    help = _("Add a few open demo cases, dated from today, for the demo clerks. Only with DEBUG on.")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(_("Demo cases are only created when DEBUG is on."))
        if Incident.history.filter(history_change_reason=DEMO_REASON).exists():
            self.stdout.write(_("Demo cases: already there, left as they are."))
            return
        today = timezone.localdate()
        first = today - datetime.timedelta(days=OLDEST_DAYS_AGO)
        latest = Incident.objects.aggregate(latest=Max("report_date"))["latest"]
        if latest is not None and first <= latest:
            raise CommandError(
                _("The demo cases would start on %(first)s, within the cases already there (up to %(latest)s).")
                % {"first": format_date(first), "latest": format_date(latest)}
            )
        clerks = list(User.objects.filter(username__in=DEMO_CLERKS, is_active=True).select_related("office"))
        if not clerks:
            raise CommandError(_("Create the demo accounts first: python manage.py create_demo_accounts"))
        with transaction.atomic():
            for clerk in clerks:
                numbers = [self.enter(clerk, case, today=today) for case in DEMO_CASES]
                self.stdout.write(
                    _("Demo cases of %(clerk)s: %(numbers)s") % {"clerk": clerk, "numbers": ", ".join(numbers)}
                )

    def enter(self, clerk: User, case: DemoCase, *, today: datetime.date) -> str:
        """Enter ``case`` as ``clerk`` would, step by step, through the services."""

        def ago(days: int) -> datetime.date:
            return today - datetime.timedelta(days=days)

        def save(record):
            record._history_user, record._change_reason = clerk, DEMO_REASON
            return services.save_record(record=record, actor=clerk)

        school = School.objects.for_user(clerk).filter(level="middle").order_by("code").first()
        if school is None:
            raise CommandError(_("%(clerk)s has no middle school to file a demo case at.") % {"clerk": clerk})
        reported = ago(case.reported)
        incident = save(
            Incident(
                office=clerk.office,
                school=school,
                case_number=services.next_case_number(office=clerk.office, year=reported.year),
                report_date=reported,
                content_kind=case.content_kind,
                content_description=case.description,
            )
        )
        save(Victim(incident=incident, code="V1", kind=Victim.Kind.STUDENT, school_level="middle", grade=2))
        save(Offender(incident=incident, code="O1", kind=Offender.Kind.STUDENT, school_level="middle", grade=2))
        if case.takedown is not None:
            platform = TakedownRequest.Platform.KAKAOTALK
            save(TakedownRequest(incident=incident, platform=platform, requested_on=ago(case.takedown)))
        if case.referred is not None:
            # The school's local office's committee, else the provincial office's own.
            committee = (
                Committee.objects.for_user(clerk)
                .filter(kind=Committee.Kind.SCHOOL_VIOLENCE)
                .filter(Q(local_office=school.local_office) | Q(local_office__isnull=True))
                .order_by(F("local_office").asc(nulls_last=True), "pk")
                .first()
            )
            incident._history_user = clerk
            committee_case = services.refer_to_committee(incident=incident, committee=committee, on=ago(case.referred))
            if case.hearing_in is not None:
                on = today + datetime.timedelta(days=case.hearing_in)
                services.schedule_hearing(committee_case=committee_case, on=on)
        return incident.case_number
