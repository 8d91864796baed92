"""Letters to files: PDF for sending (reportlab), DOCX for offices that edit before sending (python-docx).

reportlab was chosen by measurement (``bench/documents_bench.py``: a two-page Korean notice in
about 10 ms, fpdf2 about 260 ms). The font is Nanum Gothic, shipped in ``fonts/`` under the SIL
Open Font License (``fonts/OFL.txt``) and embedded (subset) in every PDF, so that no machine
needs a Korean font installed. Several letters make one file, each from a new page (batch printing).
"""

import io
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from .letters import Block, Letter, korean_date

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD = "NanumGothic", "NanumGothicBold"
_registered: list[bool] = []


def _register_fonts() -> None:
    """Read the font once per process (the first document pays about 150 ms for it)."""
    if _registered:
        return
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "NanumGothic.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "NanumGothicBold.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
    _registered.append(True)


def _styles() -> dict:
    from reportlab.lib.styles import ParagraphStyle

    return {
        "office": ParagraphStyle("office", fontName=BOLD, fontSize=17, leading=24, alignment=1, spaceAfter=10),
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=20, spaceBefore=6, spaceAfter=8),
        "heading": ParagraphStyle("heading", fontName=BOLD, fontSize=11, leading=16, spaceBefore=8, spaceAfter=3),
        "para": ParagraphStyle("para", fontName=REGULAR, fontSize=10.5, leading=16, spaceAfter=4),
        "item": ParagraphStyle("item", fontName=REGULAR, fontSize=10.5, leading=16, leftIndent=12, bulletIndent=2),
        "cell": ParagraphStyle("cell", fontName=REGULAR, fontSize=9.5, leading=13),
        "sender": ParagraphStyle("sender", fontName=BOLD, fontSize=14, leading=20, alignment=1, spaceBefore=18),
        "small": ParagraphStyle("small", fontName=REGULAR, fontSize=8.5, leading=12, textColor="#444444"),
    }


def _story(letter: Letter, styles: dict) -> list:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import HRFlowable, Paragraph, Spacer, Table, TableStyle

    def para(text: str, style: str, **kwargs) -> Paragraph:
        return Paragraph(escape(text), styles[style], **kwargs)

    story = [
        para(letter.office_name, "office"),
        HRFlowable(width="100%", thickness=1.2, color=colors.black, spaceAfter=6),
        para(f"수신: {letter.address}", "para"),
        para(f"제목: {letter.title}", "title"),
    ]
    for block in letter.blocks:
        if block.style == "table":
            columns = len(block.rows[0])
            widths = [40 * mm, 130 * mm] if columns == 2 else [170 * mm / columns] * columns
            rows = [[para(cell, "cell") for cell in row] for row in block.rows]
            table = Table(rows, colWidths=widths, repeatRows=1 if columns > 2 else 0)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("BACKGROUND", (0, 0), (0 if columns == 2 else -1, 0 if columns > 2 else -1), "#eeeeee"),
                    ]
                )
            )
            story += [table, Spacer(1, 2 * mm)]
        elif block.style == "item":
            story.append(para(block.text, "item", bulletText="\N{BULLET}"))
        else:
            story.append(para(block.text, block.style))
    story += [para(f"발신일: {_issued(letter)}", "para"), para(letter.sender, "sender")]
    if letter.contact:
        story.append(para(letter.contact, "small"))
    if letter.footer:
        story.append(para(letter.footer, "small"))
    return story


def _issued(letter: Letter) -> str:
    return korean_date(letter.issued_on)


def render_pdf(letters: Sequence[Letter]) -> bytes:
    """One A4 PDF of ``letters``, each from a new page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    _register_fonts()
    styles = _styles()
    story = []
    for position, letter in enumerate(letters):
        if position:
            story.append(PageBreak())
        story += _story(letter, styles)
    out = io.BytesIO()
    title = letters[0].title if len(letters) == 1 else f"{letters[0].title} 외 {len(letters) - 1}건"
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=letters[0].office_name,
        # Fixed metadata: the same letter renders to the same bytes.
        invariant=True,
    )
    document.build(story)
    return out.getvalue()


def render_docx(letters: Sequence[Letter]) -> bytes:
    """The same letters as an editable Word file, each from a new page."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    normal = document.styles["Normal"]
    normal.font.name = "Nanum Gothic"
    normal.font.size = Pt(10.5)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Nanum Gothic")
    for position, letter in enumerate(letters):
        if position:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        office = document.add_paragraph()
        office.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = office.add_run(letter.office_name)
        run.bold, run.font.size = True, Pt(17)
        document.add_paragraph(f"수신: {letter.address}")
        title = document.add_paragraph().add_run(f"제목: {letter.title}")
        title.bold, title.font.size = True, Pt(14)
        for block in letter.blocks:
            _docx_block(document, block)
        document.add_paragraph(f"발신일: {_issued(letter)}")
        sender = document.add_paragraph()
        sender.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = sender.add_run(letter.sender)
        run.bold, run.font.size = True, Pt(14)
        for small in (letter.contact, letter.footer):
            if small:
                document.add_paragraph(small).runs[0].font.size = Pt(8.5)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_block(document, block: Block) -> None:
    if block.style == "table":
        table = document.add_table(rows=len(block.rows), cols=len(block.rows[0]))
        table.style = "Table Grid"
        for row, cells in zip(table.rows, block.rows, strict=True):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    elif block.style == "heading":
        document.add_paragraph().add_run(block.text).bold = True
    elif block.style == "item":
        document.add_paragraph(block.text, style="List Bullet")
    else:
        document.add_paragraph(block.text)


RENDERERS = {"pdf": render_pdf, "docx": render_docx}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
