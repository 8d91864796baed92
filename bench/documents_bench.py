"""Rendering an official notice: fpdf2 against reportlab, and casetracker's own decision notice.

Standalone (no database): ``.venv/bin/python bench/documents_bench.py [--repeat 20]``.
The same two-page Korean notice (a title, the nine Art. 17 measures, the appeal paragraphs) is
drawn by each library with the shipped Nanum Gothic; then, once casetracker's renderer exists,
a decision notice as the application renders it. The first rendering of a process pays for
reading the font; the target, under 200 ms per decision notice, is for the ones after it, and
the first is printed too. Exits 1 when the target is missed.
"""

import argparse
import contextlib
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
    """casetracker's decision notice, from records built in memory (no database)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetracker.settings.test")
    import django

    django.setup()
    from casetracker.documents.sample import sample_decision_notice

    from casetracker.documents.rendering import render_pdf

    return lambda: render_pdf([sample_decision_notice()])


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
    with contextlib.suppress(ImportError):
        rows.append(("casetracker decision notice (reportlab)", render_casetracker_notice()))
    missed = False
    print(f"{'renderer':45} {'first ms':>9} {'median ms':>10} {'KiB':>6}")
    for name, fn in rows:
        first, median, size = measure(fn, options.repeat)
        print(f"{name:45} {first:9.0f} {median:10.1f} {size // 1024:6}")
        missed |= name.startswith("casetracker") and median > TARGET_MS
    print(f"target: a decision notice in under {TARGET_MS} ms" + (" -- MISSED" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
