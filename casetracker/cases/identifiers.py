"""Direct identifiers in a case's free text, found and replaced (issue 17).

``find_identifiers(text, people=...)`` returns where the text names one of the case's people
(matched as names are written in running Korean: 김민지가, 민지 학생, 서준이는) or holds a direct
identifier that Korean case files carry: a resident registration number, a phone number, an
e-mail address, a messenger ID, a home address (road-name or lot-number), or a student's school,
grade, class and number. ``replace_identifiers(text, found)`` puts the person's case code (V1,
O2) or a neutral token ([연락처], [주민번호], [주소], [학적정보]) in their place.

Pure Python, no database, so that every path can call the same check: the case services on
each free-text field they save, admin and importer alike (``free_text.py`` checks each case as a
whole), and later a scrubbing command on stored text (issue 17). The search is linear in
the length of the text by design: every repeat in every pattern is bounded (no ``*``, ``+`` or
``{n,}``), so a match attempt at one position reads a bounded number of characters, and each
pattern starts behind a lookbehind, so a run of the characters it repeats is tried from its
start, not from each of them (tests/cases/test_identifiers.py checks the parsed patterns' widths
and runs them on hostile text of 100,000 characters). One save of a case with 10 people and 8
texts of 500 characters takes about 2 ms of CPU (bench/identifiers_bench.py).

What it does not do: recognise the name of someone who is not entered as one of the case's
people. kiwipiepy 0.24.1 (with kiwipiepy_model 0.24.0, whose only model is ``cong``) was
measured for that as a warning-only signal (its NNP tags) on 2026-12-03, on the project's 2-vCPU
machine while other work ran (load average 6 to 12):
- catches: of 19 names in 20 narrative sentences (16 with names, 4 without), 15 whole
  (박준호, 이정민, 최유진, 정하늘, 지우, 강도윤, 윤서진, 한미경, 오세훈, 임수정, 신동현, 류재원, 지민, 다은이,
  송예린), 3 cut short (김 of 김서연, 민 of 민서, 서 of 서준), 1 missed (하준이는); it also tags
  텔레그램 and 인스타그램 as NNP; nothing in the 4 sentences without names (다음 날, a date and an
  article of law, a case number and an amount, 피해 학생의 사진이 ... 유포되었다).
- costs: import 0.4 s; ``Kiwi()`` 2.0 to 4.4 s and 325 MiB resident without the typo and
  multi-word dictionaries (2.7 to 5.2 s and 507 to 520 MiB with its defaults); 105 MiB of model
  files, and numpy; to tokenise 8 texts of 500 characters after warm-up, 52 to 60 ms of CPU
  (13 to 15 ms per 1,000 characters), 176 to 250 ms of wall time on the loaded machine.
So it is not used: even on an idle machine it would take about three times the 20 ms that the
whole check of a save may take (this module's own check: about 2 ms of CPU, bench/README.md),
and over 1.5 times the memory budget of about 200 MB in every worker.
"""

import datetime
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext_lazy as _


class Kind(enum.StrEnum):
    NAME = "name"
    RESIDENT_NUMBER = "resident_number"
    PHONE = "phone"
    EMAIL = "email"
    MESSENGER = "messenger"
    ADDRESS = "address"
    SCHOOL_RECORD = "school_record"


KIND_LABELS = {
    Kind.NAME: _("name of a person of the case"),
    Kind.RESIDENT_NUMBER: _("resident registration number"),
    Kind.PHONE: _("phone number"),
    Kind.EMAIL: _("e-mail address"),
    Kind.MESSENGER: _("messenger ID"),
    Kind.ADDRESS: _("home address"),
    Kind.SCHOOL_RECORD: _("school, grade, class and number of a student"),
}

# The tokens written into the stored text: data, in the language of the case files, so they do
# not follow the reader's language. A name becomes the person's case code; a given name shared by
# two people of the case (민지 for 김민지 and 이민지) becomes the neutral SHARED_NAME.
CONTACT = "[연락처]"
TOKENS = {
    Kind.RESIDENT_NUMBER: "[주민번호]",
    Kind.PHONE: CONTACT,
    Kind.EMAIL: CONTACT,
    Kind.MESSENGER: CONTACT,
    Kind.ADDRESS: "[주소]",
    Kind.SCHOOL_RECORD: "[학적정보]",
}
SHARED_NAME = "[이름]"

# When two findings overlap, the one that starts first wins, then the longer, then this order.
PRIORITY = [
    Kind.RESIDENT_NUMBER,
    Kind.PHONE,
    Kind.EMAIL,
    Kind.MESSENGER,
    Kind.SCHOOL_RECORD,
    Kind.ADDRESS,
    Kind.NAME,
]


@dataclass(frozen=True, slots=True)
class Found:
    """One identifier: its span in the text (``text[start:end]``), its kind and what replaces it.

    It holds no copy of the identifier, so that it can be logged or shown without it."""

    start: int
    end: int
    kind: Kind
    replacement: str

    @property
    def label(self):
        return KIND_LABELS[self.kind]


HANGUL = "가-힣"
SPACE = r"[^\S\n]"  # one blank that is not a line break

# 주민등록번호: YYMMDD, the 7th digit (1-4 Koreans, 5-8 foreigners; 9 and 0, born before 1900,
# are not plausible for a case), six more digits (or masked: ******). With or without a hyphen.
RESIDENT_NUMBER = re.compile(
    rf"(?<![\d-])(\d\d)(\d\d)(\d\d)(?:{SPACE}?[-\u2010\u2013]{SPACE}?)?([1-8])(?:\d{{6}}|[*xX●]{{6}})(?![\d*xX●])"
)

# Phone numbers: mobile 010/011/016-019, Seoul 02, the area codes 031-064, 070 and the 050x
# personal numbers; with hyphens, dots, blanks or nothing between the parts; or +82 without the 0.
_PREFIX = r"(?:1[016789]|2|[3-6][1-5]|70|50[2-8])"
PHONE = re.compile(
    rf"(?<![\d+])(?:\+82[ .-]?(?:\(0\)[ .-]?)?0?{_PREFIX}|\(0{_PREFIX}\)|0{_PREFIX})"
    rf"[ .-]?\d{{3,4}}[ .-]?\d{{4}}(?!\d|-\d)"
)

# E-mail: the local part begins a run of its characters (so a search tries each run once), and the
# domain is checked in Python (a dot, a top-level domain of letters).
_EMAIL_LOCAL = r"A-Za-z0-9._%+\-"
EMAIL = re.compile(rf"(?<![{_EMAIL_LOCAL}])[A-Za-z0-9][{_EMAIL_LOCAL}]{{0,63}}+@([A-Za-z0-9][A-Za-z0-9.\-]{{0,253}}+)")
TOP_LEVEL_DOMAIN = re.compile(r"\.[A-Za-z]{2,24}$")

# Messenger IDs: after the name of a messenger (and 아이디, ID, 계정 ...), the ASCII ID that
# follows; or an @handle on its own. The ID needs a letter (a date or an amount is not one).
_MESSENGERS = (
    "카카오톡|카톡|카카오|텔레그램|텔레|라인|인스타그램|인스타|페이스북|페북|디스코드|트위터|틱톡|스냅챗|"
    "위챗|오픈채팅|KakaoTalk|Kakao|Telegram|LINE|Line|Instagram|Insta|Discord|Twitter|TikTok|Snapchat"
)
_ID_WORDS = "아이디|계정|닉네임|사용자명|ID|Id|id|account"
_ID_CHARS = "A-Za-z0-9._-"
MESSENGER = re.compile(
    rf"(?<![{HANGUL}A-Za-z])(?:{_MESSENGERS}){SPACE}{{0,2}}(?:의{SPACE}?)?(?:(?:{_ID_WORDS})(?:는|은|가|이|로)?)?"
    rf"{SPACE}{{0,2}}[:\uff1a=]?{SPACE}{{0,2}}(@?[A-Za-z0-9][{_ID_CHARS}]{{1,31}}+)(?![@])"
)
HANDLE = re.compile(rf"(?<![{_EMAIL_LOCAL}@])@[A-Za-z0-9_][A-Za-z0-9._]{{1,29}}+(?![@])")
NOT_AN_ID = frozenset({"id", "dm", "app", "bot", "url", "sns", "web", "link", "chat", "pc", "account"})

# A student's school, grade, class and number: (○○중학교) 2학년 3반 15번, 3반 15번, 2-3-15번.
_SCHOOL = rf"[{HANGUL}○◯OX*]{{1,15}}(?:초등학교|중학교|고등학교|학교|여중|여고|초|중|고)"
SCHOOL_RECORD = re.compile(
    rf"(?<![{HANGUL}○◯OX*\d])(?=[{HANGUL}○◯OX*\d])(?:{_SCHOOL}{SPACE}?)?"
    rf"(?:(?:[1-6]{SPACE}?학년{SPACE}?)?\d{{1,2}}{SPACE}?반{SPACE}?\d{{1,2}}{SPACE}?번"
    rf"|[1-6]-\d{{1,2}}-\d{{1,2}}{SPACE}?번)(?!째|지|길)"
)

# Home addresses. An administrative word: a city, province, district, county, town or township
# (서울특별시, 경기도, 수원시, 강남구, 중구, 가평군, 읍, 면), of at least two syllables before the unit so
# that 친구, 당시, 정도 are not one (the one-syllable districts are named).
_ADMIN = (
    rf"(?:[{HANGUL}]{{2,10}}(?:특별자치시|특별자치도|특별시|광역시|시|도|군|구|읍|면)|[중동서남북]구)(?![{HANGUL}])"
)
_ADMIN_CHAIN = rf"(?:{_ADMIN}{SPACE}){{1,3}}"
_ROAD = rf"[{HANGUL}][{HANGUL}0-9]{{0,15}}(?:로|길)"
_LOT_AREA = rf"[{HANGUL}][{HANGUL}0-9]{{1,10}}(?:동|리|가)"
_NUMBER = r"\d{1,4}(?:-\d{1,4})?"
# A building or lot number ends the address: what follows is not a digit or a hyphen, and if it
# is Hangul it is a particle (학교로 3명 is not an address).
_END = rf"(?![\d-])(?=$|[^{HANGUL}]|에|의|이|번지)"
_UNIT = (
    rf"(?:,?{SPACE}?\d{{1,4}}{SPACE}?동{SPACE}?\d{{1,5}}{SPACE}?호"
    rf"|{SPACE}?\([{HANGUL}0-9]{{1,12}}(?:동|리|가)[^)\n]{{0,20}}\))"
)
ADDRESS = re.compile(
    rf"(?<![{HANGUL}0-9])(?=[{HANGUL}0-9A-Za-z])(?:"
    # road-name after 시/도/구/군: 서울특별시 강남구 테헤란로 152, 수원시 영통구 광교로12길 3-4
    rf"{_ADMIN_CHAIN}{_ROAD}{SPACE}?{_NUMBER}{_END}(?:{_UNIT})?"
    # road-name with a flat or a 동 after it: 테헤란로 152, 101동 1203호; 광교로 12 (이의동)
    rf"|{_ROAD}{SPACE}?{_NUMBER}{_END}{_UNIT}"
    # lot-number after 시/구: 서울특별시 관악구 신림동 123-45
    rf"|{_ADMIN_CHAIN}{_LOT_AREA}{SPACE}?(?:산{SPACE}?)?{_NUMBER}(?:{SPACE}?번지)?{_END}"
    # lot-number on its own needs its hyphen or 번지: 역삼동 123-45, 신림리 12번지
    rf"|{_LOT_AREA}{SPACE}?(?:산{SPACE}?)?\d{{1,5}}(?:-\d{{1,4}}(?:{SPACE}?번지)?|{SPACE}?번지){_END}"
    # a flat: 한빛아파트 101동 1203호
    rf"|(?:[{HANGUL}A-Za-z0-9]{{1,15}}(?:아파트|빌라|맨션|오피스텔){SPACE}?)?\d{{1,4}}{SPACE}?동{SPACE}?\d{{1,5}}{SPACE}?호"
    rf")"
)
# Words that end like a 동, 리 or 가 of a lot-number address but are not one (교육활동 3-2).
NOT_A_LOT_AREA = re.compile(
    r"(?:활동|행동|이동|운동|공동|자동|감동|출동|작동|변동|노동|충동|협동|난동|소동|관리|처리|정리|무리|거리|소리|자리|"
    r"논리|수리|심리|권리|윤리|원리|요리|다리|머리|유리|평가|추가|참가|증가|전문가|작가|국가|대가|휴가|허가)$"
)

# --- Names -------------------------------------------------------------------------------------

COMPOUND_SURNAMES = frozenset({"남궁", "제갈", "선우", "황보", "독고", "사공", "서문", "동방", "어금", "망절", "소봉"})

# Given names (or two-syllable full names) that are also common words of case narratives: alone,
# they count only before a title (지원 학생) or in the form that only a name takes (하늘이가), so
# that 지원을 요청하였다, 사진을 지우는, 수정을 요청 or 3명 이상 are not a name.
_COMMON_WORDS = """
    지원 수정 하늘 보람 지우 준수 미래 지혜 은혜 소망 정의 진실 성실 한결 나은 다인 가람 슬기 이슬 사랑 기쁨
    믿음 다솜 한별 하나 누리 나라 우리 마음 노을 바다 구름 보배 미소 행복 평화 승리 영광 희망 정성 지성 인성
    지수 예지 명예 단비 시원 가온 아라 보라 나래 새롬 다운 한솔 초롱 영원 현명 정직 겸손 용기 자유 태양 은빛
    재능 인정 진심 결심 민주 공정 세상 우주 다정 예술 다해 수지 지나 유리 나리 아름 한나 정원 정화 정숙 순수
    영재 성공 재현 재원 혜성 은하 소라 하라 보은 대한 민국 건강 현재 정보 안전 이상 고소 신고 전학 조사 유포
    이동 정상 상담 진술 사과 선도 보호 다음
"""
COMMON_WORDS = frozenset(_COMMON_WORDS.split())

# After a name: a title (with or without a blank), or a particle that ends the word.
_TITLES_LONG = (
    "선생님|선생|교사|교감|교장|학생|학부모|보호자|어머니|아버지|어머님|아버님|엄마|아빠|부모님|부모|언니|오빠|누나"
)
_PARTICLES = (
    "에게서|한테서|에게는|에게도|에게만|한테는|하고는|이라고|이라는|이었다|이었고|였다|였고|이다|이고|이며|라고|라는|"
    "에게|한테|하고|께서|처럼|보다|부터|까지|와의|과의|와는|과는|와도|과도|으로|로서|의|이|가|은|는|을|를|와|과|도|"
    "랑|만|께|야|아|로|에"
)
# 서준이는, 서준이가: the 이 of a given name that ends in a consonant belongs to the name (a word
# followed by 이 and a second particle is not Korean), and is replaced with it.
_HYPOCORISTIC = "가|는|를|랑|의|도|와|만|한테|에게|하고|에게는|한테는"
TITLE_AFTER = re.compile(rf"{SPACE}?(?:{_TITLES_LONG})|{SPACE}?(?:양|군|씨|님|형)(?:{_PARTICLES})?(?![{HANGUL}])")
PARTICLE_AFTER = re.compile(rf"(?:{_PARTICLES})(?:는|은|도|만|의)?(?![{HANGUL}])")
# A given name that is also a word (학습 지원 교사, 지원 부모) counts only before the titles of a person.
PERSON_TITLE_AFTER = re.compile(rf"{SPACE}?(?:선생님|학생)|{SPACE}?(?:양|군|씨|님)(?:{_PARTICLES})?(?![{HANGUL}])")
HYPOCORISTIC_AFTER = re.compile(rf"이(?=(?:{_HYPOCORISTIC})(?![{HANGUL}]))")
# 민지, 서연 학생 / 민지(15세) / "민지": a given name in a list, or before a bracket or a closing quote.
LIST_AFTER = re.compile("[,·ㆍ/()'\"\u2019\u201d]")
HANGUL_CHAR = re.compile(rf"[{HANGUL}]")


def _ends_in_consonant(syllable: str) -> bool:
    return (ord(syllable) - 0xAC00) % 28 != 0


@dataclass(frozen=True, slots=True)
class _Form:
    text: str
    full: bool  # the full name, or the given name alone
    codes: tuple[str, ...]

    @property
    def replacement(self) -> str:
        return self.codes[0] if len(self.codes) == 1 else SHARED_NAME


def _forms(people: tuple[tuple[str, str], ...]) -> tuple[_Form, ...]:
    """The ways each person's name is written: the full name, and the given name alone."""
    found: dict[tuple[str, bool], list[str]] = {}
    for code, name in people:
        name = "".join(name.split()) if re.fullmatch(rf"[{HANGUL}\s]+", name) else " ".join(name.split())
        if len(name) < 2:
            continue
        found.setdefault((name, True), []).append(code)
        if re.fullmatch(rf"[{HANGUL}]{{3,4}}", name):
            given = name[2:] if name[:2] in COMPOUND_SURNAMES else name[1:]
            found.setdefault((f"{name[: -len(given)]} {given}", True), []).append(code)  # 김 민지
            if len(given) >= 2:  # a one-syllable given name alone is too often another word
                found.setdefault((given, False), []).append(code)
    forms = {}
    for (text, full), codes in found.items():
        if (text, True) in found and not full:
            continue  # someone's given name is another's full name: the full name wins
        forms[text] = _Form(text, full, tuple(dict.fromkeys(codes)))
    return tuple(sorted(forms.values(), key=lambda form: -len(form.text)))


@lru_cache(maxsize=512)
def _name_pattern(people: tuple[tuple[str, str], ...]) -> tuple[re.Pattern | None, dict[str, _Form]]:
    forms = _forms(people)
    if not forms:
        return None, {}
    alternatives = "|".join(re.escape(form.text) for form in forms)
    return re.compile(rf"(?<![{HANGUL}A-Za-z])(?:{alternatives})", re.IGNORECASE), {f.text.lower(): f for f in forms}


def _name_end(text: str, form: _Form, end: int) -> int | None:
    """Where a name found at ``text[end - len(form.text):end]`` ends, or None if it is not one here."""
    if not HANGUL_CHAR.match(form.text[-1]):
        return None if end < len(text) and re.match(r"[A-Za-z]", text[end]) else end
    common = form.text in COMMON_WORDS
    if (PERSON_TITLE_AFTER if common else TITLE_AFTER).match(text, end):
        return end
    if _ends_in_consonant(form.text[-1]):
        hypocoristic = HYPOCORISTIC_AFTER.match(text, end)
        if hypocoristic:
            return hypocoristic.end()
    if common:
        return None
    if PARTICLE_AFTER.match(text, end):
        return end
    if form.full:
        return end if end == len(text) or not HANGUL_CHAR.match(text[end]) else None
    return end if LIST_AFTER.match(text, end) else None


def _names(text: str, people: tuple[tuple[str, str], ...]) -> list[Found]:
    pattern, forms = _name_pattern(people)
    if pattern is None:
        return []
    found = []
    for match in pattern.finditer(text):
        start = match.start()
        for form in forms.values():
            if text[start : start + len(form.text)].lower() != form.text.lower():
                continue
            end = _name_end(text, form, start + len(form.text))
            if end is not None:
                found.append(Found(start, end, Kind.NAME, form.replacement))
                break
    return found


# --- The other identifiers ---------------------------------------------------------------------


def _plausible_birth_date(match: re.Match) -> bool:
    year, month, day, sex = (int(part) for part in match.groups())
    century = 1900 if sex in (1, 2, 5, 6) else 2000
    try:
        born = datetime.date(century + year, month, day)
    except ValueError:
        return False
    return born <= datetime.date.today()


def _strip_end(text: str, start: int, end: int, characters: str = "._-") -> int:
    while end > start and text[end - 1] in characters:
        end -= 1
    return end


def _has_letter(value: str) -> bool:
    return any("a" <= character.lower() <= "z" for character in value)


def _patterns(text: str) -> list[Found]:
    found = []
    for match in RESIDENT_NUMBER.finditer(text):
        if _plausible_birth_date(match):
            found.append(Found(match.start(), match.end(), Kind.RESIDENT_NUMBER, TOKENS[Kind.RESIDENT_NUMBER]))
    for match in PHONE.finditer(text):
        found.append(Found(match.start(), match.end(), Kind.PHONE, TOKENS[Kind.PHONE]))
    for match in EMAIL.finditer(text):
        end = _strip_end(text, match.start(1), match.end(1), ".-")
        if TOP_LEVEL_DOMAIN.search(text, match.start(1), end) and ".." not in text[match.start(1) : end]:
            found.append(Found(match.start(), end, Kind.EMAIL, TOKENS[Kind.EMAIL]))
    for match in MESSENGER.finditer(text):
        start, end = match.start(1), _strip_end(text, match.start(1), match.end(1))
        handle = text[start:end].lstrip("@")
        if _has_letter(handle) and len(handle) >= 3 and handle.lower() not in NOT_AN_ID:
            found.append(Found(start, end, Kind.MESSENGER, TOKENS[Kind.MESSENGER]))
    for match in HANDLE.finditer(text):
        end = _strip_end(text, match.start(), match.end())
        if _has_letter(text[match.start() + 1 : end]) and end - match.start() >= 3:
            found.append(Found(match.start(), end, Kind.MESSENGER, TOKENS[Kind.MESSENGER]))
    for match in SCHOOL_RECORD.finditer(text):
        found.append(Found(match.start(), match.end(), Kind.SCHOOL_RECORD, TOKENS[Kind.SCHOOL_RECORD]))
    for match in ADDRESS.finditer(text):
        area = re.match(rf"[{HANGUL}0-9]+", text[match.start() :])
        if area and NOT_A_LOT_AREA.search(area.group()) and "번지" not in match.group():
            continue
        found.append(Found(match.start(), match.end(), Kind.ADDRESS, TOKENS[Kind.ADDRESS]))
    return found


def _without_overlaps(found: list[Found]) -> list[Found]:
    """The first to start wins, then the longer, then the kind that says more (PRIORITY)."""
    kept: list[Found] = []
    for item in sorted(found, key=lambda f: (f.start, -(f.end - f.start), PRIORITY.index(f.kind))):
        if kept and item.start < kept[-1].end:
            continue
        kept.append(item)
    return kept


def find_identifiers(text: str, *, people: Sequence[tuple[str, str | None]]) -> list[Found]:
    """The identifiers in ``text``, in order, without overlaps.

    ``people`` are the case's people as (case code, name or None): ("V1", "김민지"), ("O1", None).
    """
    if not text:
        return []
    named = tuple((code, name.strip()) for code, name in people if name and name.strip())
    return _without_overlaps(_patterns(text) + _names(text, named))


def replace_identifiers(text: str, found: Sequence[Found]) -> str:
    """``text`` with each identifier replaced by its token, from the right so the spans hold."""
    pieces = []
    end = len(text)
    for item in sorted(found, key=lambda f: f.start, reverse=True):
        if item.end > end:
            raise ValueError("The identifiers' spans overlap: find them with find_identifiers.")
        pieces.append(text[item.end : end])
        pieces.append(item.replacement)
        end = item.start
    pieces.append(text[:end])
    return "".join(reversed(pieces))
