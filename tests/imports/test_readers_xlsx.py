"""The streaming .xlsx reader: the values openpyxl's read-only mode gives, row by row, formulas flagged.

Workbooks are written by openpyxl (as the tests and our exports write them) or put together from
XML shaped as Excel and LibreOffice save it: shared strings, styles, sparse rows and cells.
"""

import datetime
import io
import zipfile

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from casetracker.imports import exports, layout, xlsx
from casetracker.imports.readers import Cell, FileError, UploadedFile, open_upload

from .conftest import case_sheets
from .conftest import xlsx as openpyxl_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

# Cell styles (cellXfs) of the hand-made workbooks: 0 general, 1 a built-in date (numFmtId 14),
# 2 a date and time of its own, 3 a plain style (bold), 4 a duration, 5 a number format, not a date.
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}">
  <numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/>
    <numFmt numFmtId="165" formatCode="#,##0.00"/></numFmts>
  <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>
    <font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
  <fills count="1"><fill><patternFill patternType="none"/></fill></fills>
  <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
  <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
  <cellXfs count="6">
    <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
    <xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
    <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
    <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
    <xf numFmtId="46" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
    <xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
  </cellXfs>
  <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""

SHARED_STRINGS = [
    "<si><t>case_number</t></si>",
    "<si><t>school</t></si>",
    "<si><t>report_date</t></si>",
    "<si><t>2024-0001</t></si>",
    "<si><r><rPr><b/><sz val='11'/></rPr><t>rich</t></r><r><t xml:space='preserve'> text &amp; more</t></r>"
    "<rPh sb='0' eb='1'><t>phonetic</t></rPh><phoneticPr fontId='1'/></si>",
    "<si><t/></si>",
    "<si><t>서울 고등학교</t></si>",
    "<si><t>under_x005F_score</t></si>",
    "<si><t xml:space='preserve'>  spaced  </t></si>",
    "<si><t>=1+1</t></si>",
]

EXCEL_SHEET = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"
  xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
  xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac">
  <dimension ref="A1:F12"/>
  <sheetViews><sheetView tabSelected="1" workbookViewId="0"><selection activeCell="B3" sqref="B3"/>
    </sheetView></sheetViews>
  <sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>
  <cols><col min="1" max="1" width="12" customWidth="1"/></cols>
  <sheetData>
    <row r="1" spans="1:3" x14ac:dyDescent="0.25">
      <c r="A1" s="3" t="s"><v>0</v></c><c r="B1" s="3" t="s"><v>1</v></c><c r="C1" s="3" t="s"><v>2</v></c>
    </row>
    <row r="3" spans="1:4"><c r="A3" t="s"><v>3</v></c><c r="C3" s="1"><v>45292</v></c>
      <c r="D3" s="0" t="n"><v>12</v></c></row>
    <row r="4" spans="1:6">
      <c r="A4" t="inlineStr"><is><t xml:space="preserve"> padded </t></is></c>
      <c r="B4" t="b"><v>1</v></c><c r="C4" s="2"><v>45292.5</v></c><c r="D4"><v>3.0</v></c>
      <c r="E4"><v>2</v></c><c r="F4" t="e"><v>#N/A</v></c>
    </row>
    <row r="5" spans="1:6">
      <c r="A5"><f>SUM(D4:E4)</f><v>5</v></c><c r="B5" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>
      <c r="C5"><f t="shared" ref="C5:C6" si="0">D4*2</f><v>6</v></c><c r="D5" s="5"><v>1234.5</v></c>
      <c r="E5" s="4"><v>1.25</v></c><c r="F5" t="b"><v>0</v></c>
    </row>
    <row r="6"><c r="C6"><f t="shared" si="0"/><v>0</v></c>
      <c r="D6"><f t="array" ref="D6">SUM(D4:E4*2)</f><v>7</v></c></row>
    <row r="7"><c r="A7" s="3"/><c r="B7" t="s"><v>4</v></c><c r="C7" s="3"/></row>
    <row r="8"><c r="A8" t="s"><v>5</v></c></row>
    <row r="9"><c r="A9" t="s"><v>6</v></c><c r="B9" t="s"><v>7</v></c><c r="C9" t="s"><v>8</v></c></row>
    <row r="10"><c r="A10" t="d"><v>2024-05-02T00:00:00</v></c><c r="B10"><v>1.5E3</v></c>
      <c r="C10" s="1"><v>0.5</v></c><c r="D10"><v>-7</v></c></row>
    <row r="11"><c r="A11" t="s"><v>9</v></c><c r="B11" t="inlineStr"><is><t>=2+2</t></is></c></row>
    <row r="12"><c r="A12" s="1"/><c r="B12"><v></v></c></row>
  </sheetData>
  <pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>
</worksheet>"""


def package(sheets: dict[str, str], *, strings: list[str] = (), styles: str | None = STYLES, date1904=False) -> bytes:
    """An .xlsx file of the given sheet XML (by title), shared strings and styles."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{SHEET_TYPE}"/>'
            for number in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" Target="xl/workbook.xml" '
            f'Type="{RELATIONSHIPS}/officeDocument"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name="{title}" sheetId="{number}" r:id="rId{number}"/>'
            for number, title in enumerate(sheets, start=1)
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><workbookPr date1904="{int(date1904)}"/>'
            f"<sheets>{entries}</sheets></workbook>",
        )
        links = "".join(
            f'<Relationship Id="rId{number}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{number}.xml"/>'
            for number in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE}">{links}'
            f'<Relationship Id="rIdS" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rIdT" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        if styles is not None:
            archive.writestr("xl/styles.xml", styles)
        archive.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{"".join(strings)}</sst>',
        )
        for number, xml in enumerate(sheets.values(), start=1):
            archive.writestr(f"xl/worksheets/sheet{number}.xml", xml)
    return output.getvalue()


def sheet_xml(rows: str, *, root: str = f'<worksheet xmlns="{MAIN}">', close: str = "</worksheet>") -> str:
    return f"{root}<sheetData>{rows}</sheetData>{close}"


def typed(value):
    """A value with its type, so that 1, 1.0 and True differ; a formula as ("formula", its text)."""
    if isinstance(value, xlsx.Formula):
        return ("formula", str(value))
    return (type(value).__name__, value)


def our_rows(content: bytes) -> dict[str, list]:
    workbook = xlsx.Workbook(content)
    return {
        sheet.title: [(number, [typed(value) for value in values]) for number, values in sheet.rows()]
        for sheet in workbook.worksheets
    }


def openpyxl_rows(content: bytes) -> dict[str, list]:
    """What openpyxl's read-only mode gives (the reader before this one): rows numbered from 1,
    trailing empty cells and rows without a value left out."""
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    found = {}
    for worksheet in workbook.worksheets:
        rows = []
        for number, row in enumerate(worksheet.iter_rows(), start=1):
            values = []
            for cell in row:
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f":
                    value = ("formula", value.text if isinstance(value, ArrayFormula) else value)
                else:
                    value = None if value is None else typed(value)
                values.append(value)
            while values and values[-1] is None:
                values.pop()
            if values:
                rows.append((number, [typed(None) if value is None else value for value in values]))
        found[worksheet.title] = rows
    return found


def cells(content: bytes, name: str = "cases.xlsx") -> dict[str, list]:
    """The rows the importer gets from ``open_upload``: (number, [(value, formula)]) by sheet key."""
    return {
        source.sheet.key: [(number, [(cell.value, cell.formula) for cell in row]) for number, row in source.rows()]
        for source in open_upload([UploadedFile(name, content)])
    }


# The values, one by one ------------------------------------------------------------------------


def test_an_excel_shaped_sheet_reads_as_openpyxl_reads_it():
    content = package({"incidents": EXCEL_SHEET}, strings=SHARED_STRINGS)
    assert our_rows(content) == openpyxl_rows(content)


def test_the_values_of_an_excel_shaped_sheet():
    rows = dict(xlsx.Workbook(package({"incidents": EXCEL_SHEET}, strings=SHARED_STRINGS)).worksheets[0].rows())
    # Sparse: row 2 is missing, and B3; the rows keep the numbers the spreadsheet shows.
    assert sorted(rows) == [1, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert rows[3] == ["2024-0001", None, datetime.datetime(2024, 1, 1), 12]
    assert rows[4] == [" padded ", True, datetime.datetime(2024, 1, 1, 12), 3.0, 2, "#N/A"]
    assert [type(value) for value in rows[4][3:5]] == [float, int]
    # Formulas, whatever they last showed; a shared formula translated to its cell.
    assert rows[5][:3] == ["=SUM(D4:E4)", '="a"&"b"', "=D4*2"]
    assert all(isinstance(value, xlsx.Formula) for value in rows[5][:3])
    assert rows[5][3:] == [1234.5, datetime.timedelta(hours=30), False]
    assert rows[6] == [None, None, "=D5*2", "=SUM(D4:E4*2)"]
    # Rich text: the runs joined, the phonetic hint left out; an empty shared string.
    assert rows[7] == [None, "rich text & more"]
    assert rows[8] == [""]
    assert rows[9] == ["서울 고등학교", "under_score", "  spaced  "]
    assert rows[10] == [datetime.datetime(2024, 5, 2), 1500.0, datetime.time(12), -7]
    # Text that looks like a formula is text here (the importer refuses it all the same).
    assert rows[11] == ["=1+1", "=2+2"]
    assert not isinstance(rows[11][0], xlsx.Formula)


def test_cells_and_rows_without_references_follow_the_previous_ones():
    rows = (
        '<row><c t="inlineStr"><is><t>a</t></is></c><c><v>1</v></c></row>'
        '<row r="4"><c r="B4"><v>2</v></c><c><v>3</v></c></row>'
        "<row><c><v>4</v></c></row>"
    )
    content = package({"incidents": sheet_xml(rows)})
    assert our_rows(content) == openpyxl_rows(content)
    assert list(xlsx.Workbook(content).worksheets[0].rows()) == [(1, ["a", 1]), (4, [None, 2, 3]), (5, [4])]


def test_rows_out_of_order_and_cells_out_of_order_as_openpyxl_takes_them():
    rows = (
        '<row r="2"><c r="C2"><v>3</v></c><c r="A2"><v>1</v></c></row>'
        '<row r="5"><c r="A5"><v>5</v></c><c r="D5"><v>6</v></c><c r="B5"><v>7</v></c></row>'
        '<row r="4"><c r="A4"><v>4</v></c></row>'
        '<row r="5"><c r="A5"><v>8</v></c></row>'
    )
    content = package({"incidents": sheet_xml(rows)})
    assert our_rows(content) == openpyxl_rows(content)
    assert list(xlsx.Workbook(content).worksheets[0].rows()) == [(2, [1]), (5, [5, 7])]


def test_a_namespace_prefix_reads_the_same():
    rows = (
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c><x:c r="B1"><x:v>2</x:v></x:c></x:row>'
    )
    xml = sheet_xml(rows, root=f'<x:worksheet xmlns:x="{MAIN}">', close="</x:worksheet>").replace(
        "<sheetData>", "<x:sheetData>"
    )
    content = package({"incidents": xml.replace("</sheetData>", "</x:sheetData>")})
    assert our_rows(content) == openpyxl_rows(content) == {"incidents": [(1, [("str", "a"), ("int", 2)])]}


def test_the_1904_date_system():
    content = package({"incidents": sheet_xml('<row r="1"><c r="A1" s="1"><v>43830</v></c></row>')}, date1904=True)
    assert our_rows(content) == openpyxl_rows(content)
    assert list(xlsx.Workbook(content).worksheets[0].rows()) == [(1, [datetime.datetime(2024, 1, 1)])]


def test_a_workbook_without_styles_has_no_dates():
    content = package({"incidents": sheet_xml('<row r="1"><c r="A1" s="1"><v>45292</v></c></row>')}, styles=None)
    assert our_rows(content) == openpyxl_rows(content) == {"incidents": [(1, [("int", 45292)])]}


def test_the_sheets_in_the_workbooks_order_with_their_names():
    content = package({"피해학생": sheet_xml(""), "incidents": sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')})
    assert [sheet.title for sheet in xlsx.Workbook(content).worksheets] == ["피해학생", "incidents"]


# Workbooks that openpyxl writes: the tests' own, our exports and templates ----------------------


def test_a_workbook_written_by_openpyxl_reads_as_openpyxl_reads_it():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "incidents"
    sheet.append(["office", "case_number", "report_date", "grade", "share", "flag", "formula", "time"])
    sheet.append(["seoul", "2024-0001", datetime.date(2024, 5, 2), 2, 0.25, True, "=D2*2", datetime.time(9, 30)])
    sheet.append([None, "2024-0002", datetime.datetime(2024, 5, 2, 13, 45), None, -1.5, False, None, None])
    sheet["J7"] = "far away"
    sheet["A9"] = datetime.timedelta(days=1, hours=2)
    output = io.BytesIO()
    workbook.save(output)
    content = output.getvalue()
    assert our_rows(content) == openpyxl_rows(content)
    assert our_rows(content)["incidents"][1] == (
        2,
        [
            ("str", "seoul"),
            ("str", "2024-0001"),
            ("datetime", datetime.datetime(2024, 5, 2)),
            ("int", 2),
            ("float", 0.25),
            ("bool", True),
            ("formula", "=D2*2"),
            ("time", datetime.time(9, 30)),
        ],
    )


def test_a_write_only_workbook_like_our_exports_reads_as_openpyxl_reads_it():
    content = exports.write_xlsx(
        [
            (
                next(sheet for sheet in exports.SHEETS if sheet.key == "incidents"),
                [
                    ["seoul", "2024-0001", "seoul-high-1", datetime.date(2024, 5, 2), "=neutralised", None, "a, b"],
                    ["seoul", "2024-0002", "seoul-high-1", None, "+82 10", 3, ""],
                ],
            )
        ]
    )
    assert our_rows(content) == openpyxl_rows(content)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_blank_templates_read_as_openpyxl_reads_them(language):
    from django.utils import translation

    with translation.override(language):
        content = exports.template_xlsx(None)
    assert our_rows(content) == openpyxl_rows(content)
    assert len(our_rows(content)) == 8  # the six sheets, the instructions and the examples


def test_the_importers_cells_from_a_test_workbook():
    found = cells(openpyxl_workbook(case_sheets()))
    [(number, incident)] = found["incidents"]
    assert number == 2
    assert incident[:7] == [
        ("seoul", False),
        ("2024-0001", False),
        ("seoul-high-1", False),
        (datetime.date(2024, 5, 2), False),
        ("sexual_image", False),
        ("social_profile", False),
        ("telegram", False),
    ]
    assert all(cell == (None, False) for cell in incident[7:])
    assert found["victims"] == [
        (2, [("2024-0001", False), ("V1", False), ("student", False), ("high", False), (2, False)])
    ]


def test_the_importer_gets_a_cell_for_each_column_up_to_the_last_value():
    xml = sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>case_number</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>code</t></is></c><c r="D1" t="inlineStr"><is><t>kind</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>   </t></is></c><c r="C2" t="inlineStr"><is><t/></is></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>2024-0001</t></is></c>'
        '<c r="D3"><f>A3</f><v>2024-0001</v></c></row>'
        '<row r="4"><c r="B4" t="inlineStr"><is><t></t></is></c></row>'
    )
    content = package({"victims": xml})
    found = cells(content)
    # Row 2 holds only blanks (read as a row, the importer finds its key missing); row 4 nothing.
    assert found["victims"] == [
        (2, [("   ", False), (None, False), ("", False)]),
        (3, [("2024-0001", False), (None, False), (None, False), ("=A3", True)]),
    ]
    [source] = open_upload([UploadedFile("cases.xlsx", content)])
    assert all(isinstance(cell, Cell) for _number, row in source.rows() for cell in row)


@pytest.mark.usefixtures("shipped_data", "db")
def test_an_exported_workbook_of_the_shipped_data_reads_as_openpyxl_reads_it():
    from casetracker.core.models import Office
    from tests.factories import UserFactory

    clerk = UserFactory(username="clerk_seoul", office=Office.objects.get(code="seoul"))
    content = exports.write_xlsx(exports.case_rows(clerk, clerk.office))
    ours = our_rows(content)
    assert ours == openpyxl_rows(content)
    assert sum(len(rows) for rows in ours.values()) > 500


# Streaming and damaged files -------------------------------------------------------------------


def test_rows_are_read_as_the_part_is_unzipped_not_all_at_once(monkeypatch):
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 20_001))
    workbook = xlsx.Workbook(package({"incidents": sheet_xml(rows)}))
    size = workbook.archive.getinfo("xl/worksheets/sheet1.xml").file_size
    opened = []
    real_open = workbook.archive.open

    def counting_open(name, *args, **kwargs):
        stream = real_open(name, *args, **kwargs)
        opened.append(stream)
        return stream

    workbook.shared_strings  # noqa: B018 (read before counting)
    monkeypatch.setattr(workbook.archive, "open", counting_open)
    rows_read = workbook.worksheets[0].rows()
    assert next(rows_read) == (1, [1])
    [stream] = opened
    assert stream.tell() < size / 4
    assert sum(1 for _row in rows_read) == 19_999


@pytest.mark.parametrize(
    "rows",
    [
        '<row r="2"><c r="A2"><v>1</v></c>',  # cut short
        '<row r="2"><c r="A2" t="s"><v>3</v></c></row>',  # no such shared string
        '<row r="2"><c r="2A"><v>1</v></c></row>',  # no such column
        '<row r="2"><c r="A2" t="b"><v>yes</v></c></row>',  # no such boolean
    ],
)
def test_a_damaged_sheet_is_an_invalid_workbook(rows):
    header = "".join(
        f'<c t="inlineStr"><is><t>{column.label}</t></is></c>' for column in layout.INCIDENTS.required_columns
    )
    content = package({"incidents": sheet_xml(f'<row r="1">{header}</row>' + rows)})
    with pytest.raises(xlsx.WorkbookError):
        list(xlsx.Workbook(content).worksheets[0].rows())
    with pytest.raises(FileError, match=r"not a valid \.xlsx workbook"):  # (a sheet this small, with its header)
        cells(content)


def test_a_sheet_declaring_entities_is_refused():
    bomb = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row>'
    )
    with pytest.raises(FileError, match=r"not a valid \.xlsx workbook"):
        open_upload([UploadedFile("cases.xlsx", package({"incidents": bomb}))])


def test_a_damaged_workbook_part_is_an_invalid_workbook():
    content = package({"incidents": sheet_xml("")})
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[: len(data) // 2] if item.filename == "xl/workbook.xml" else data)
    with pytest.raises(FileError, match=r"not a valid \.xlsx workbook"):
        open_upload([UploadedFile("cases.xlsx", damaged.getvalue())])
