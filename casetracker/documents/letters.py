"""The six kinds of official letter, written from a case's records (``facts.CaseFacts``).

Each kind is one function from the snapshot to its letters, one per recipient; the legal content
(the measures by article and number, the school-record consequence of each, the carrying-out
deadline, the appeal notice) is written here from ``cases/law.py`` and never typed by a clerk, and
the office's own text (letterhead, sender, contact, footer) comes from its ``OfficeLetterhead``.

The letters are in Korean whatever the user's language: they are official documents of a Korean
office (국어기본법 제14조), so their text is written in Korean here rather than translated.

Who reads what: a guardian's copy names only their own child; the other party appears by their
case code. The victim's guardian learns the measures imposed, as the law requires, and nothing
else of the offender; the school, the police and the platform never receive a victim's name.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from casetracker.cases import law
from casetracker.core.formatting import format_date

from .facts import CaseFacts, CommitteeFacts, MeasureFacts, PersonFacts


class Kind(models.TextChoices):
    HEARING_NOTICE = "hearing-notice", _("hearing notice")
    DECISION_NOTICE = "decision-notice", _("decision notice")
    SCHOOL_REQUEST = "school-request", _("request to the school to carry out the measures")
    SEPARATION_NOTICE = "separation-notice", _("separation notice")
    POLICE_REFERRAL = "police-referral", _("referral to the police")
    TAKEDOWN_REQUEST = "takedown-request", _("takedown request")


class RecipientRole(models.TextChoices):
    OFFENDER_SIDE = "offender_side", _("offender or their guardian")
    VICTIM_SIDE = "victim_side", _("victim or their guardian")
    SCHOOL = "school", _("school")
    POLICE = "police", _("police")
    PLATFORM = "platform", _("platform or support centre")


# The version of each kind's text: raise it when the wording of a kind changes, so that the
# register tells which text each document was issued with.
TEMPLATE_VERSIONS = {kind: f"{kind.value}/1" for kind in Kind}

SCHOOL_VIOLENCE_ACT = "「학교폭력예방 및 대책에 관한 법률」"
TEACHERS_STATUS_ACT = "「교원의 지위 향상 및 교육활동 보호를 위한 특별법」"
SUPPORT_CENTRE = "디지털성범죄피해자지원센터"


@dataclass(frozen=True)
class Block:
    style: str  # "heading", "para", "item" or "table"
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Letter:
    kind: Kind
    title: str
    role: RecipientRole
    address: str
    blocks: tuple[Block, ...]
    office_name: str
    sender: str
    contact: str
    footer: str
    issued_on: datetime.date
    case_number: str
    offender_pk: int | None = None
    victim_pk: int | None = None
    committee_case_pk: int | None = None
    subject: str = "incident"
    # The names of the case's people this letter may carry (``services`` refuses one with any other).
    names: frozenset[str] = field(default=frozenset())

    @property
    def template_version(self) -> str:
        return TEMPLATE_VERSIONS[self.kind]

    def text(self) -> str:
        """Every word of the letter, in order: what the renderers draw."""
        parts = [self.office_name, self.title, self.address]
        for block in self.blocks:
            parts.append(block.text)
            parts.extend(cell for row in block.rows for cell in row)
        return "\n".join([*parts, self.sender, self.contact, self.footer])


class NothingToIssue(ValidationError):
    """The case's records hold nothing this kind of letter is written from (a clear message why)."""


def names_it_must_not_carry(letter: Letter, facts: CaseFacts) -> set[str]:
    """The names of the case's other people that ``letter`` carries (none, unless a kind's text is wrong).

    A name inside a name it may carry (김민 in 김민수) is not counted: it is that person's."""
    text = letter.text()
    return {
        name
        for name in facts.names - letter.names
        if name in text and not any(name in allowed for allowed in letter.names)
    }


# The law in sentences ----------------------------------------------------------------------------


def korean_date(value: datetime.date | None) -> str:
    with translation.override("ko"):
        return format_date(value)


def measure_citation(measure: MeasureFacts) -> str:
    """The measure by article and number: 「학교폭력예방법」 제17조제1항제6호(출석정지)."""
    name = re.sub(r"^\d+\.\s*", "", measure.label)
    if measure.law == law.Law.SCHOOL_VIOLENCE_ACT_ART17:
        return f"{SCHOOL_VIOLENCE_ACT} 제17조제1항제{measure.number}호({name})"
    return f"{TEACHERS_STATUS_ACT} 제25조제2항제{measure.number}호({name})"


def measure_extent(measure: MeasureFacts) -> str:
    parts = []
    if measure.days:
        parts.append(f"{measure.days}일")
    if measure.hours:
        parts.append(f"{measure.hours}시간")
    return ", ".join(parts) or "-"


def record_consequence(measure: MeasureFacts) -> str:
    """What the measure leaves on the school record (학교생활기록부), from ``law``."""
    if measure.law != law.Law.SCHOOL_VIOLENCE_ACT_ART17:
        return "학교생활기록부 기재는 관계 법령에 따릅니다."
    if measure.number in law.RECORD_DEFERRED:
        return "조치를 이행하고 같은 학교급에서 다른 학교폭력으로 조치를 받지 않으면 기재하지 않습니다(기재 유보)."
    if measure.number in law.RECORD_KEPT_FOR_GOOD:
        return "학교생활기록부에 기재하며 삭제하지 않습니다."
    years = law.RECORD_RETENTION_YEARS[measure.number]
    text = f"학교생활기록부에 기재하며 졸업일부터 {years}년이 지나면 삭제합니다."
    if measure.number in law.RECORD_EARLY_DELETION:
        return f"{text} 졸업 직전 심의를 거쳐 졸업과 동시에 삭제할 수 있습니다."
    return f"{text} 그 전에는 삭제하지 않습니다."


def carry_out_sentence(decided_on: datetime.date) -> str:
    deadline = law.carry_out_deadline(decided_on)
    return f"조치 이행 기한: {korean_date(deadline)}까지(결정일부터 {law.CARRY_OUT_DAYS}일 이내)"


def appeal_blocks(decided_on: datetime.date, office_name: str) -> tuple[Block, ...]:
    outer = law.appeal_deadline(decided_on)
    return (
        Block("heading", "불복 절차 안내"),
        Block(
            "para",
            f"이 처분에 이의가 있으면 처분이 있음을 안 날부터 {law.APPEAL_DAYS_FROM_NOTICE}일 이내에, "
            f"처분이 있은 날부터 {law.APPEAL_DAYS_FROM_DECISION}일 이내({korean_date(outer)}까지)에 "
            "「행정심판법」에 따라 행정심판을 청구할 수 있습니다.",
        ),
        Block(
            "para",
            f"행정심판 청구서는 {office_name} 또는 관할 시·도 행정심판위원회에 제출하거나 "
            "온라인행정심판(www.simpan.go.kr)으로 제출할 수 있습니다.",
        ),
        Block(
            "para",
            f"또한 처분이 있음을 안 날부터 {law.LAWSUIT_DAYS_FROM_NOTICE}일 이내에 관할 행정법원에 "
            "「행정소송법」에 따른 행정소송을 제기할 수 있으며, 행정심판을 청구한 경우에는 재결서 정본을 "
            f"송달받은 날부터 {law.LAWSUIT_DAYS_FROM_NOTICE}일 이내에 제기할 수 있습니다.",
        ),
    )


def guardian_education_sentence(measures) -> str:
    """The guardian's own special education (Art. 17(9)), when one of the measures brings it."""
    if any(
        m.law == law.Law.SCHOOL_VIOLENCE_ACT_ART17 and m.number in law.GUARDIAN_EDUCATION_MEASURES for m in measures
    ):
        return f"{SCHOOL_VIOLENCE_ACT} 제17조제9항에 따라 보호자도 특별교육을 이수하여야 합니다."
    return ""


def what_happened(facts: CaseFacts) -> str:
    """What was made and how it spread, from the case's choices (no free text, no names)."""
    channels = ", ".join(facts.channel_labels) or "확인되지 않은 경로"
    source = f"(원본 사진: {facts.image_source_label})" if facts.image_source_label else ""
    return f"'{facts.content_kind_label}' 합성·제작{source} 및 {channels}을(를) 통한 유포"


def grounds(facts: CaseFacts) -> str:
    channels = ", ".join(facts.channel_labels) or "확인되지 않은 경로"
    source = f"(원본 사진: {facts.image_source_label})" if facts.image_source_label else ""
    return (
        f"'{facts.content_kind_label}'을(를) 합성·제작{source}하여 {channels}을(를) 통해 유포한 행위로서, "
        f"{SCHOOL_VIOLENCE_ACT} 제2조제1호의 학교폭력(사이버폭력)에 해당함"
    )


# Addressing -------------------------------------------------------------------------------------


def _address(person: PersonFacts) -> str:
    if person.is_student:
        return f"{person.shown_name} 학생 보호자 귀하"
    if person.kind == "teacher":
        return f"{person.shown_name} 선생님 귀하"
    return f"{person.shown_name} 귀하"


def _about(person: PersonFacts) -> str:
    """The party a letter is about, as its recipient knows them."""
    detail = f"{person.school_level_label} {person.grade}학년" if person.is_student and person.grade else ""
    return f"{person.shown_name}({person.code}{', ' + detail if detail else ''})"


def _letter(facts: CaseFacts, kind: Kind, title: str, role: RecipientRole, address: str, blocks, *, issued_on, **about):
    head = facts.letterhead
    named = [p.name for p in (*facts.victims, *facts.offenders) if p.name and p.pk in about.get("_names_of", ())]
    about.pop("_names_of", None)
    if "subject" not in about:
        pk = about.get("committee_case_pk")
        about["subject"] = f"committee:{pk}" if pk else "incident"
    return Letter(
        kind=kind,
        title=title,
        role=role,
        address=address,
        blocks=(Block("para", f"사안번호: {facts.case_number}"), *blocks),
        office_name=head.office_name,
        sender=head.sender or f"{head.office_name}장",
        contact=head.contact,
        footer=head.footer,
        issued_on=issued_on,
        case_number=facts.case_number,
        names=frozenset(named),
        **about,
    )


def _parties(facts: CaseFacts) -> tuple[list[PersonFacts], list[PersonFacts]]:
    offenders = [person for person in facts.offenders if person.kind != "unidentified"]
    return offenders, list(facts.victims)


def _person_letter(
    facts, kind, title, person, *, offender_side: bool, blocks, issued_on, committee_case_pk=None, subject=None
):
    role = RecipientRole.OFFENDER_SIDE if offender_side else RecipientRole.VICTIM_SIDE
    person_key = {"offender_pk": person.pk} if offender_side else {"victim_pk": person.pk}
    return _letter(
        facts,
        kind,
        title,
        role,
        _address(person),
        blocks,
        issued_on=issued_on,
        committee_case_pk=committee_case_pk,
        _names_of={person.pk} if person.name else set(),
        **person_key,
        **({"subject": subject} if subject else {}),
    )


# The kinds --------------------------------------------------------------------------------------


def hearing_notices(facts: CaseFacts, *, issued_on: datetime.date, committee_case_pk: int | None = None):
    cases = [c for c in _committee_cases(facts, committee_case_pk) if c.hearing_scheduled_on or c.hearing_date]
    if not cases:
        raise NothingToIssue(_("No hearing date is recorded for this case: schedule the hearing first."))
    offenders, victims = _parties(facts)
    letters = []
    for case in cases:
        when = case.hearing_date or case.hearing_scheduled_on
        place = facts.letterhead.hearing_place or "별도 안내"
        for person, offender_side in [*((o, True) for o in offenders), *((v, False) for v in victims)]:
            party = "관련 학생(가해 측)" if offender_side else "피해 측"
            blocks = (
                Block("para", f"{case.committee_name}에서 아래와 같이 사안을 심의하므로 알려드립니다."),
                Block(
                    "table",
                    rows=(
                        ("심의 일자", korean_date(when)),
                        ("장소", place),
                        ("대상", f"{_about(person)} - {party}"),
                        ("심의 요청일", korean_date(case.requested_on)),
                    ),
                ),
                Block("heading", "출석 및 의견 진술 권리"),
                Block(
                    "item",
                    "심의에 출석하여 의견을 진술할 수 있으며, 출석하지 않는 경우 서면으로 의견을 낼 수 있습니다.",
                ),
                Block("item", "보호자와 함께 출석할 수 있고, 변호사 등 보조인의 도움을 받을 수 있습니다."),
                Block("item", "출석이 어려운 경우 심의 전까지 위원회에 알려 주시기 바랍니다."),
            )
            letters.append(
                _person_letter(
                    facts,
                    Kind.HEARING_NOTICE,
                    f"{case.committee_name} 심의 개최 통지",
                    person,
                    offender_side=offender_side,
                    blocks=blocks,
                    issued_on=issued_on,
                    committee_case_pk=case.pk,
                )
            )
    return letters


def _decided(facts: CaseFacts, committee_case_pk: int | None) -> list[CommitteeFacts]:
    cases = [c for c in _committee_cases(facts, committee_case_pk) if c.measures]
    if not cases:
        raise NothingToIssue(_("No measure is recorded for this case: record the committee's decision first."))
    return cases


def _measure_rows(measures) -> tuple[tuple[str, ...], ...]:
    return (
        ("조치(근거 조항)", "기간·시간", "학교생활기록부"),
        *((measure_citation(m), measure_extent(m), record_consequence(m)) for m in measures),
    )


def decision_notices(facts: CaseFacts, *, issued_on: datetime.date, committee_case_pk: int | None = None):
    letters = []
    for case in _decided(facts, committee_case_pk):
        decided_on = case.decided_on
        common_head = (
            Block("para", f"{case.committee_name}의 심의 결과에 따라 다음과 같이 조치를 결정하였음을 알려드립니다."),
            Block("table", rows=(("심의일", korean_date(case.hearing_date)), ("결정일", korean_date(decided_on)))),
            Block("heading", "조치의 원인이 된 사실"),
            Block("para", grounds(facts)),
        )
        tail = (Block("para", carry_out_sentence(decided_on)), *appeal_blocks(decided_on, facts.letterhead.office_name))
        offenders_measured = [o for o in facts.offenders if case.measures_of(o.pk)]
        for offender in offenders_measured:
            measures = case.measures_of(offender.pk)
            education = guardian_education_sentence(measures)
            blocks = (
                *common_head,
                Block("heading", f"조치 대상: {_about(offender)}"),
                Block("table", rows=_measure_rows(measures)),
                *((Block("para", education),) if education else ()),
                *tail,
            )
            letters.append(
                _person_letter(
                    facts,
                    Kind.DECISION_NOTICE,
                    "학교폭력 조치결정 통보서",
                    offender,
                    offender_side=True,
                    blocks=blocks,
                    issued_on=issued_on,
                    committee_case_pk=case.pk,
                )
            )
        for victim in facts.victims:
            # The victim's side learns each measure, the offender by case code only.
            measured = []
            for offender in offenders_measured:
                measured.append(Block("heading", f"조치 대상: 관련 학생 {offender.code}"))
                measured.append(Block("table", rows=_measure_rows(case.measures_of(offender.pk))))
            blocks = (
                *common_head,
                Block("para", f"피해 측: {_about(victim)}"),
                *measured,
                *tail,
            )
            letters.append(
                _person_letter(
                    facts,
                    Kind.DECISION_NOTICE,
                    "학교폭력 조치결정 통보서(피해 측)",
                    victim,
                    offender_side=False,
                    blocks=blocks,
                    issued_on=issued_on,
                    committee_case_pk=case.pk,
                )
            )
    return letters


def school_requests(facts: CaseFacts, *, issued_on: datetime.date, committee_case_pk: int | None = None):
    letters = []
    for case in _decided(facts, committee_case_pk):
        blocks = [
            Block("para", f"{case.committee_name}의 결정에 따라 아래 학생에 대한 조치를 이행하여 주시기 바랍니다."),
            Block("para", carry_out_sentence(case.decided_on)),
        ]
        named = set()
        for offender in facts.offenders:
            measures = case.measures_of(offender.pk)
            if measures:
                blocks.append(Block("heading", f"조치 대상: {_about(offender)}"))
                blocks.append(Block("table", rows=_measure_rows(measures)))
                named.add(offender.pk)
        blocks.append(
            Block("para", "이행 결과는 이행 기한까지 회신하여 주시고, 피해 학생의 인적사항은 외부에 공개하지 마십시오.")
        )
        letters.append(
            _letter(
                facts,
                Kind.SCHOOL_REQUEST,
                "학교폭력 조치 이행 요청",
                RecipientRole.SCHOOL,
                f"{facts.school_name} 학교장 귀하",
                blocks,
                issued_on=issued_on,
                committee_case_pk=case.pk,
                _names_of=named,
            )
        )
    return letters


def separation_notices(facts: CaseFacts, *, issued_on: datetime.date, committee_case_pk: int | None = None):
    if not facts.separations:
        raise NothingToIssue(_("No separation is recorded for this case."))
    letters = []
    for separation in facts.separations:
        offender, victim = facts.offender(separation.offender_pk), facts.victim(separation.victim_pk)
        for person, other, offender_side in ((offender, victim, True), (victim, offender, False)):
            blocks = (
                Block(
                    "para",
                    f"{SCHOOL_VIOLENCE_ACT} 제16조제1항에 따라 가해 측과 피해 측을 즉시 분리하였음을 알려드립니다.",
                ),
                Block(
                    "table",
                    rows=(
                        ("대상", _about(person)),
                        ("분리 상대", f"관련 학생 {other.code}"),
                        ("분리 기간", f"{korean_date(separation.starts_on)}부터 {korean_date(separation.ends_on)}까지"),
                    ),
                ),
                Block("para", f"즉시 분리 기간은 최대 {law.SEPARATION_MAX_DAYS}일입니다."),
            )
            letters.append(
                _person_letter(
                    facts,
                    Kind.SEPARATION_NOTICE,
                    "가해자와 피해학생 즉시 분리 통지",
                    person,
                    offender_side=offender_side,
                    blocks=blocks,
                    issued_on=issued_on,
                    subject=f"separation:{separation.pk}",
                )
            )
    return letters


def police_referrals(facts: CaseFacts, *, issued_on: datetime.date, committee_case_pk: int | None = None):
    if not facts.police_referred_on:
        raise NothingToIssue(_("The referral to the police is not recorded: enter its date on the case first."))
    offenders, victims = _parties(facts)
    offender_rows = tuple((o.code, o.kind_label, _about(o)) for o in offenders) or (("-", "확인되지 않음", "-"),)
    victim_rows = tuple(
        (v.code, v.kind_label, f"{v.school_level_label} {v.grade}학년" if v.grade else "-") for v in victims
    )
    blocks = (
        Block("para", "딥페이크 성적 합성물 관련 학교폭력 사안을 아래와 같이 수사 의뢰합니다."),
        Block(
            "table",
            rows=(
                ("학교", f"{facts.school_name}({facts.school_level_label})"),
                ("신고일", korean_date(facts.report_date)),
                ("수사 의뢰일", korean_date(facts.police_referred_on)),
                ("내용", what_happened(facts)),
            ),
        ),
        Block("heading", "관련 학생"),
        Block("table", rows=(("코드", "구분", "인적사항"), *offender_rows)),
        Block("heading", "피해자"),
        Block("table", rows=(("코드", "구분", "학년"), *victim_rows)),
        Block("para", "피해자의 인적사항은 수사기관의 공식 요청이 있을 때 별도로 제공합니다."),
    )
    return [
        _letter(
            facts,
            Kind.POLICE_REFERRAL,
            "학교폭력(딥페이크) 사안 수사 의뢰",
            RecipientRole.POLICE,
            "관할 경찰서장 귀하",
            blocks,
            issued_on=issued_on,
            _names_of={o.pk for o in offenders},
        )
    ]


def takedown_requests(facts: CaseFacts, *, issued_on: datetime.date, committee_case_pk: int | None = None):
    if not facts.takedowns:
        raise NothingToIssue(_("No takedown request is recorded for this case: record it on the case first."))
    letters = []
    for takedown in facts.takedowns:
        blocks = (
            Block("para", "학생을 대상으로 한 딥페이크 성적 합성물의 삭제와 유포 차단을 요청합니다."),
            Block(
                "table",
                rows=(
                    ("플랫폼", takedown.platform_label),
                    ("요청일", korean_date(takedown.requested_on)),
                    ("내용", f"'{facts.content_kind_label}'"),
                    ("유포 경로", ", ".join(facts.channel_labels) or "-"),
                ),
            ),
            Block(
                "para",
                f"게시물의 위치 정보는 별도의 보안 경로로 전달하며, 피해 지원은 {SUPPORT_CENTRE}와 협력합니다.",
            ),
        )
        letters.append(
            _letter(
                facts,
                Kind.TAKEDOWN_REQUEST,
                "불법 합성물 삭제 요청",
                RecipientRole.PLATFORM,
                f"{takedown.platform_label} 운영자 / {SUPPORT_CENTRE} 귀하",
                blocks,
                issued_on=issued_on,
                subject=f"takedown:{takedown.pk}",
            )
        )
    return letters


def _committee_cases(facts: CaseFacts, pk: int | None) -> list[CommitteeFacts]:
    return [case for case in facts.committee_cases if pk is None or case.pk == pk]


WRITERS = {
    Kind.HEARING_NOTICE: hearing_notices,
    Kind.DECISION_NOTICE: decision_notices,
    Kind.SCHOOL_REQUEST: school_requests,
    Kind.SEPARATION_NOTICE: separation_notices,
    Kind.POLICE_REFERRAL: police_referrals,
    Kind.TAKEDOWN_REQUEST: takedown_requests,
}


def letters_for(kind: str, facts: CaseFacts, *, issued_on: datetime.date, committee_case_pk: int | None = None):
    """Every letter of ``kind`` the case's records make, one per recipient (``NothingToIssue`` if none)."""
    return WRITERS[Kind(kind)](facts, issued_on=issued_on, committee_case_pk=committee_case_pk)
