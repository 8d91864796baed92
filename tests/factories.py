"""factory_boy factories for every model, coherent by default.

A default object keeps every rule of the models: a school and a committee sit in the
incident's office, a committee case is referred after the report and heard after the
referral, a measure's offender belongs to the committee case's incident and is an
identified student, an appeal is filed after the decision. Override what a test is
about, and use ``.build()`` plus ``full_clean()`` to check a rule without saving.
"""

import datetime

import factory
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from casetracker.accounts.models import User
from casetracker.api.models import ApiToken, token_hash
from casetracker.audit.models import AccessLog
from casetracker.cases import services
from casetracker.cases.models import (
    DERIVED_INCIDENT_FIELDS,
    Appeal,
    CommitteeCase,
    Incident,
    Measure,
    Offender,
    OffenderVictimRelation,
    ProtectionMeasure,
    Separation,
    TakedownRequest,
    Victim,
    VictimNotice,
)
from casetracker.core.models import Channel, Committee, LocalOffice, Office, School, SchoolLevel
from casetracker.documents.letters import TEMPLATE_VERSIONS, Kind, RecipientRole
from casetracker.documents.models import Document, OfficeLetterhead

DEFAULT_REPORT_DATE = datetime.date(2024, 5, 2)


def days_after(date: datetime.date, days: int) -> datetime.date:
    return date + datetime.timedelta(days=days)


class StoresDerived:
    """A case record as the database stored it: an incident comes back with the status and referrals
    its triggers derived."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        record = super()._create(model_class, *args, **kwargs)
        if isinstance(record, Incident):
            record.refresh_from_db(fields=DERIVED_INCIDENT_FIELDS)
        return record


# Reference data -------------------------------------------------------------------------


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"office-{n}")
    name_ko = factory.Sequence(lambda n: f"시험교육청{n}")
    name_en = factory.Sequence(lambda n: f"Test Office {n}")
    sort_order = factory.Sequence(lambda n: n)


class LocalOfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalOffice

    office = factory.SubFactory(OfficeFactory)
    code = factory.Sequence(lambda n: f"local-office-{n}")
    name_ko = factory.Sequence(lambda n: f"시험교육지원청{n}")
    name_en = factory.Sequence(lambda n: f"Test Local Office {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    office = factory.SubFactory(OfficeFactory)
    local_office = factory.SubFactory(LocalOfficeFactory, office=factory.SelfAttribute("..office"))
    code = factory.Sequence(lambda n: f"school-{n}")
    name_ko = factory.Sequence(lambda n: f"시험고등학교{n}")
    name_en = factory.Sequence(lambda n: f"Test High School {n}")
    level = SchoolLevel.HIGH


class CommitteeFactory(factory.django.DjangoModelFactory):
    """A committee; asking again for the same office, local office and kind returns the same one."""

    class Meta:
        model = Committee
        django_get_or_create = ("office", "local_office", "kind")

    kind = Committee.Kind.SCHOOL_VIOLENCE
    office = factory.SubFactory(OfficeFactory)
    local_office = factory.SubFactory(LocalOfficeFactory, office=factory.SelfAttribute("..office"))
    name_ko = factory.Sequence(lambda n: f"시험심의위원회{n}")
    name_en = factory.Sequence(lambda n: f"Test Committee {n}")


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"channel-{n}")
    name_ko = factory.Sequence(lambda n: f"경로{n}")
    name_en = factory.Sequence(lambda n: f"Channel {n}")
    sort_order = factory.Sequence(lambda n: n)


# Accounts -------------------------------------------------------------------------------


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"group-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A clerk of one office; ``UserFactory(superuser=True)`` is a national admin."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        superuser = factory.Trait(is_staff=True, is_superuser=True, role=User.Role.ADMIN, office=None)
        supervisor = factory.Trait(role=User.Role.SUPERVISOR)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("a-long-test-password")
    role = User.Role.CLERK
    office = factory.SubFactory(OfficeFactory)


# Cases ----------------------------------------------------------------------------------


class IncidentFactory(StoresDerived, factory.django.DjangoModelFactory):
    class Meta:
        model = Incident
        skip_postgeneration_save = True

    office = factory.SubFactory(OfficeFactory)
    school = factory.SubFactory(SchoolFactory, office=factory.SelfAttribute("..office"))
    case_number = factory.Sequence(lambda n: f"2024-{n:04d}")
    report_date = DEFAULT_REPORT_DATE
    content_kind = Incident.ContentKind.SEXUAL_IMAGE
    content_description = "A composite image shared in a class group chat."
    image_source = Incident.ImageSource.SOCIAL_PROFILE

    @factory.post_generation
    def channels(self, create, extracted, **kwargs):
        if create and extracted:
            self.channels.set(extracted)


class TakedownRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TakedownRequest

    incident = factory.SubFactory(IncidentFactory)
    platform = TakedownRequest.Platform.TELEGRAM
    requested_on = factory.LazyAttribute(lambda o: days_after(o.incident.report_date, 1))


class VictimFactory(factory.django.DjangoModelFactory):
    """A student victim at the incident's school; ``teacher=True`` or ``staff=True`` for adults."""

    class Meta:
        model = Victim

    class Params:
        teacher = factory.Trait(kind=Victim.Kind.TEACHER, school_level="", grade=None)
        staff = factory.Trait(kind=Victim.Kind.STAFF, school_level="", grade=None)

    incident = factory.SubFactory(IncidentFactory)
    code = factory.Sequence(lambda n: f"V{n}")
    kind = Victim.Kind.STUDENT
    school_level = factory.LazyAttribute(lambda o: o.incident.school.level)
    grade = 2


class OffenderFactory(factory.django.DjangoModelFactory):
    """An identified student at the incident's school; ``unidentified=True`` or ``outsider=True`` otherwise."""

    class Meta:
        model = Offender

    class Params:
        unidentified = factory.Trait(kind=Offender.Kind.UNIDENTIFIED, school_level="", grade=None, name="")
        outsider = factory.Trait(kind=Offender.Kind.OUTSIDER, school_level="", grade=None)

    incident = factory.SubFactory(IncidentFactory)
    code = factory.Sequence(lambda n: f"O{n}")
    kind = Offender.Kind.STUDENT
    school_level = factory.LazyAttribute(lambda o: o.incident.school.level)
    grade = 2


class OffenderVictimRelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OffenderVictimRelation

    offender = factory.SubFactory(OffenderFactory)
    victim = factory.SubFactory(VictimFactory, incident=factory.SelfAttribute("..offender.incident"))
    relation = OffenderVictimRelation.Relation.CLASSMATE


class ProtectionMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProtectionMeasure

    victim = factory.SubFactory(VictimFactory)
    number = ProtectionMeasure.Number.COUNSELLING
    ordered_on = factory.LazyAttribute(lambda o: o.victim.incident.report_date)


class SeparationFactory(factory.django.DjangoModelFactory):
    """An offender kept apart from a victim of the same incident for the full 7 days from the report."""

    class Meta:
        model = Separation

    incident = factory.SubFactory(IncidentFactory)
    offender = factory.SubFactory(OffenderFactory, incident=factory.SelfAttribute("..incident"))
    victim = factory.SubFactory(VictimFactory, incident=factory.SelfAttribute("..incident"))
    starts_on = factory.LazyAttribute(lambda o: o.incident.report_date)
    ends_on = factory.LazyAttribute(lambda o: days_after(o.starts_on, Separation.MAX_DAYS))


class CommitteeCaseFactory(StoresDerived, factory.django.DjangoModelFactory):
    """Referred a week after the report to the committee of the school's local office, not yet heard.

    ``heard=True`` (or ``HeardCommitteeCaseFactory``) adds a hearing two weeks after the referral.
    """

    class Meta:
        model = CommitteeCase

    class Params:
        heard = factory.Trait(hearing_date=factory.LazyAttribute(lambda o: days_after(o.requested_on, 14)))

    incident = factory.SubFactory(IncidentFactory)
    committee = factory.SubFactory(
        CommitteeFactory,
        office=factory.SelfAttribute("..incident.office"),
        local_office=factory.SelfAttribute("..incident.school.local_office"),
    )
    requested_on = factory.LazyAttribute(lambda o: days_after(o.incident.report_date, 7))


class HeardCommitteeCaseFactory(CommitteeCaseFactory):
    heard = True


class MeasureFactory(StoresDerived, factory.django.DjangoModelFactory):
    """Measure 1 of the committee's law, decided at the hearing, on a student of the case's incident."""

    class Meta:
        model = Measure

    committee_case = factory.SubFactory(HeardCommitteeCaseFactory)
    offender = factory.SubFactory(OffenderFactory, incident=factory.SelfAttribute("..committee_case.incident"))
    law = factory.LazyAttribute(lambda o: o.committee_case.law)
    number = 1
    decided_on = factory.LazyAttribute(lambda o: o.committee_case.hearing_date)


class AppealFactory(factory.django.DjangoModelFactory):
    """A pending appeal two weeks after the decision; traits ``upheld``, ``changed``, ``revoked``.

    Created through ``services.save_appeal``, so a 'changed' appeal comes with its replacement measure.
    """

    class Meta:
        model = Appeal

    class Params:
        decided = factory.Trait(decided_on=factory.LazyAttribute(lambda o: days_after(o.filed_on, 30)))
        upheld = factory.Trait(decided=True, outcome=Appeal.Outcome.UPHELD)
        revoked = factory.Trait(decided=True, outcome=Appeal.Outcome.REVOKED)
        changed = factory.Trait(
            decided=True,
            outcome=Appeal.Outcome.CHANGED,
            replacement_number=factory.LazyAttribute(lambda o: 2 if o.measure.number == 1 else 1),
        )

    measure = factory.SubFactory(MeasureFactory)
    appellant = Appeal.Appellant.OFFENDER
    kind = Appeal.Kind.ADMINISTRATIVE_APPEAL
    filed_on = factory.LazyAttribute(lambda o: days_after(o.measure.decided_on, 14))
    outcome = Appeal.Outcome.PENDING

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.save_appeal(appeal=model_class(*args, **kwargs))


class VictimNoticeFactory(factory.django.DjangoModelFactory):
    """A victim of a decided committee case's incident, notified three days after the decision."""

    class Meta:
        model = VictimNotice

    committee_case = factory.LazyAttribute(lambda o: MeasureFactory().committee_case)
    victim = factory.SubFactory(VictimFactory, incident=factory.SelfAttribute("..committee_case.incident"))
    notified_on = factory.LazyAttribute(lambda o: days_after(o.committee_case.hearing_date, 3))


# Security and audit records -------------------------------------------------------------


class AccessLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessLog

    user = factory.SubFactory(UserFactory)
    username = factory.LazyAttribute(lambda o: o.user.username)
    action = AccessLog.Action.LOGIN
    ip_address = "127.0.0.1"


class AccessAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessAttempt

    username = factory.Sequence(lambda n: f"locked{n}")
    ip_address = "127.0.0.1"
    user_agent = "test"
    http_accept = "text/html"
    path_info = "/admin/login/"
    get_data = "next=/admin/"
    post_data = "username=locked"
    failures_since_start = 5


class AxesAccessLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AxesAccessLog

    username = factory.Sequence(lambda n: f"visitor{n}")
    ip_address = "127.0.0.1"
    user_agent = "test"
    http_accept = "text/html"
    path_info = "/admin/login/"


class AccessFailureLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessFailureLog

    username = factory.Sequence(lambda n: f"failed{n}")
    ip_address = "127.0.0.1"
    user_agent = "test"
    http_accept = "text/html"
    path_info = "/admin/login/"


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "authenticator"
    confirmed = True


# Documents ------------------------------------------------------------------------------


class DocumentFactory(factory.django.DjangoModelFactory):
    """A police referral in the register (its file a stand-in: services.issue_documents writes real ones)."""

    class Meta:
        model = Document

    incident = factory.SubFactory(IncidentFactory)
    kind = Kind.POLICE_REFERRAL
    recipient_role = RecipientRole.POLICE
    subject = "incident"
    file_format = "pdf"
    content = b"%PDF-1.4 factory"
    template_version = TEMPLATE_VERSIONS[Kind.POLICE_REFERRAL]
    generated_by_name = "factory"


class OfficeLetterheadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficeLetterhead

    office = factory.SubFactory(OfficeFactory)
    sender = "교육감"


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A national token; its text is ``ct_test_<sequence>`` (``raw``)."""

    class Meta:
        model = ApiToken

    class Params:
        raw = factory.Sequence(lambda n: f"ct_test_{n}")

    name = factory.Sequence(lambda n: f"system {n}")
    key_hash = factory.LazyAttribute(lambda o: token_hash(o.raw))
    key_prefix = factory.LazyAttribute(lambda o: o.raw[:10])
    expires_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30))


FACTORY_BY_MODEL = {
    factory_class._meta.model: factory_class
    for factory_class in (
        OfficeFactory,
        LocalOfficeFactory,
        SchoolFactory,
        CommitteeFactory,
        ChannelFactory,
        GroupFactory,
        UserFactory,
        IncidentFactory,
        TakedownRequestFactory,
        VictimFactory,
        OffenderFactory,
        OffenderVictimRelationFactory,
        ProtectionMeasureFactory,
        SeparationFactory,
        CommitteeCaseFactory,
        MeasureFactory,
        AppealFactory,
        VictimNoticeFactory,
        AccessLogFactory,
        AccessAttemptFactory,
        AxesAccessLogFactory,
        AccessFailureLogFactory,
        TOTPDeviceFactory,
        DocumentFactory,
        OfficeLetterheadFactory,
        ApiTokenFactory,
    )
}
