"""Rendering an official notice: fpdf2 against reportlab, and casetracker's own decision notice.

Standalone (no database): ``.venv/bin/python bench/documents_bench.py [--repeat 20]``.
The same two-page Korean notice (a title, the nine Art. 17 measures, the appeal paragraphs) is
drawn by each library with the shipped Nanum Gothic; then casetracker's own decision notice, one
letter and the batch of a hearing, from records built in memory. The first rendering of a process pays for
reading the font; the target, under 200 ms per decision notice, is for the ones after it, and
the first is printed too. Exits 1 when the target is missed.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FONTS = ROOT / "casetracker" / "documents" / "fonts"
TARGET_MS = 200

PARAGRAPHS = [
    "「학교폭력예방 및 대책에 관한 법률」 제17조제1항에 따라 다음과 같이 조치를 결정하였음을 알려드립니다.",
    *(
        f"제17조제1항제{n}호: 조치를 이행하고 다시 학교폭력을 저지르지 않으면 학교생활기록부에 기재되지 않습니다."
        for n in range(1, 10)
    ),
    *[
        "이 처분에 이의가 있으면 처분이 있음을 안 날부터 이내에 행정심판을 청구하거나 행정소송을 제기할 수 있습니다. "
        * 3
    ]
    * 6,
]
TITLE = "조치결정 통보서"


def render_fpdf2() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("Nanum", "", str(FONTS / "NanumGothic.ttf"))
    pdf.add_font("Nanum", "B", str(FONTS / "NanumGothicBold.ttf"))
    pdf.add_page()
    pdf.set_font("Nanum", "B", 16)
    pdf.cell(0, 10, TITLE, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("Nanum", "", 11)
    for paragraph in PARAGRAPHS * 2:
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


_REPORTLAB_FONTS = []


def render_reportlab() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    if not _REPORTLAB_FONTS:
        pdfmetrics.registerFont(TTFont("BenchNanum", str(FONTS / "NanumGothic.ttf")))
        pdfmetrics.registerFont(TTFont("BenchNanumBold", str(FONTS / "NanumGothicBold.ttf")))
        _REPORTLAB_FONTS.append(True)
    out = io.BytesIO()
    body = ParagraphStyle("body", fontName="BenchNanum", fontSize=11, leading=16)
    title = ParagraphStyle("title", fontName="BenchNanumBold", fontSize=16, leading=22, alignment=1)
    story = [Paragraph(TITLE, title), *(Paragraph(p, body) for p in PARAGRAPHS * 2)]
    SimpleDocTemplate(out, pagesize=A4).build(story)
    return out.getvalue()


def render_casetracker_notice():
    """casetracker's decision notices of a hearing, from a case built in memory (no database):
    six offenders with two measures each and five victims, as the largest shipped hearings have.
    Returns the renderer of one letter (an offender's guardian's notice) and of the whole batch."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetracker.settings.test")
    import datetime

    import django

    django.setup()
    from casetracker.cases.law import Law, measure_label
    from casetracker.documents.facts import CaseFacts, CommitteeFacts, Letterhead, MeasureFacts, PersonFacts
    from casetracker.documents.letters import decision_notices
    from casetracker.documents.rendering import render_pdf

    decided = datetime.date(2024, 2, 12)
    offenders = tuple(PersonFacts(10 + n, f"O{n}", f"가해{n}", "student", "학생", "고등학교", 2) for n in range(1, 7))
    victims = tuple(PersonFacts(20 + n, f"V{n}", f"피해{n}", "student", "학생", "고등학교", 2) for n in range(1, 6))
    measures = tuple(
        MeasureFacts(100 * o.pk + n, o.pk, Law.SCHOOL_VIOLENCE_ACT_ART17, n, measure_label("art17", n), decided)
        for o in offenders
        for n in (1, 6)
    )
    facts = CaseFacts(
        pk=1,
        case_number="2024-0008",
        office_id=1,
        school_name="예시고등학교",
        school_level_label="고등학교",
        report_date=datetime.date(2024, 1, 15),
        content_kind_label="성적 이미지",
        image_source_label="SNS 프로필 사진",
        channel_labels=("텔레그램", "단체 대화방"),
        police_referred_on=datetime.date(2024, 1, 16),
        letterhead=Letterhead("경기도교육청", "경기도교육감", "학교폭력 담당 031-000-0000", "경기도 수원시"),
        victims=victims,
        offenders=offenders,
        committee_cases=(
            CommitteeFacts(1, "경기도교육지원청 학교폭력대책심의위원회", True, decided, None, decided, measures),
        ),
    )
    letters = decision_notices(facts, issued_on=decided)
    return (lambda: render_pdf(letters[:1])), (lambda: render_pdf(letters)), len(letters)


def measure(fn, repeat: int) -> tuple[float, float, int]:
    start = time.perf_counter()
    data = fn()
    first = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        data = fn()
        times.append((time.perf_counter() - start) * 1000)
    return first, statistics.median(times), len(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    options = parser.parse_args()
    rows = [("fpdf2 2-page notice", render_fpdf2), ("reportlab 2-page notice", render_reportlab)]
    one, batch, count = render_casetracker_notice()
    rows += [("casetracker decision notice (one letter)", one), (f"casetracker batch of {count} notices", batch)]
    missed = False
    print(f"{'renderer':45} {'first ms':>9} {'median ms':>10} {'KiB':>6}")
    for name, fn in rows:
        first, median, size = measure(fn, options.repeat)
        print(f"{name:45} {first:9.0f} {median:10.1f} {size // 1024:6}")
        missed |= name == "casetracker decision notice (one letter)" and median > TARGET_MS
    print(f"target: a decision notice in under {TARGET_MS} ms" + (" -- MISSED" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
