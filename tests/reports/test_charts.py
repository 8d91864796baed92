"""Charts: inline SVG from a report's table, one mark per row and series, labels escaped,
no inline style or script (the Content Security Policy allows neither)."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from casetracker.reports import charts
from casetracker.reports.definitions import MEASURES_REPORT, OFFICES, SURVEY, YEARLY, Chart
from casetracker.reports.engine import Row, Table

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script> & "Co"'


def table_of(report, rows):
    """A report's main table with made-up counts: ``rows`` maps a row's value to (label, cells)."""
    spec = report.tables[0]
    table = Table(spec, [Row(value, label, dict(cells)) for value, (label, cells) in rows.items()])
    table.rows.append(Row("total", "total", {}, kind="total"))  # not drawn
    return table


def render(report, table, chart=None):
    return str(charts.render(chart or report.chart, table, title=str(report.title), chart_id=f"chart-{report.name}"))


def parse(markup):
    return ET.fromstring(markup)  # well-formed XML, or this fails


def marks(root, tag, class_name):
    return [element for element in root.iter(f"{SVG}{tag}") if class_name in element.get("class", "").split()]


OFFICE_ROWS = {
    "seoul": ("Seoul", {"off_record": 40, "recorded": 41, "heavy": 8}),
    "busan": (EVIL, {"off_record": 0, "recorded": 3, "heavy": 0}),
    "gyeonggi": ("경기도교육청", {"off_record": 100, "recorded": 60, "heavy": 21}),
}


def test_stacked_bars_have_one_segment_per_row_and_series():
    root = parse(render(OFFICES, table_of(OFFICES, OFFICE_ROWS)))
    bars = marks(root, "rect", "bar")
    assert len(bars) == len(OFFICE_ROWS) * len(OFFICES.chart.series)
    assert {(bar.get("data-row"), bar.get("data-series")) for bar in bars} == {
        (row, series) for row in OFFICE_ROWS for series in OFFICES.chart.series
    }
    widths = {(bar.get("data-row"), bar.get("data-series")): float(bar.get("width")) for bar in bars}
    # Lengths are proportional to the counts, on one scale.
    assert widths["gyeonggi", "off_record"] == pytest.approx(widths["seoul", "off_record"] * 100 / 40)
    assert widths["busan", "off_record"] == 0
    # Segments of a row follow each other.
    seoul = [bar for bar in bars if bar.get("data-row") == "seoul"]
    assert float(seoul[1].get("x")) == pytest.approx(float(seoul[0].get("x")) + float(seoul[0].get("width")))
    texts = "".join(root.itertext())
    assert "181" in texts  # Gyeonggi's total at the end of its bar


def test_grouped_bars_have_one_bar_per_row_and_series():
    rows = {number: (f"{number}. measure", {"count": number * 10}) for number in range(1, 10)}
    root = parse(render(MEASURES_REPORT, table_of(MEASURES_REPORT, rows)))
    bars = marks(root, "rect", "bar")
    assert len(bars) == 9
    assert [bar.get("data-row") for bar in bars] == [str(n) for n in range(1, 10)]
    assert float(bars[8].get("width")) == pytest.approx(float(bars[0].get("width")) * 9)

    survey = {"all": ("all incidents", {"elementary": 16, "middle": 209, "high": 279, "special": 0})}
    root = parse(render(SURVEY, table_of(SURVEY, survey)))
    assert len(marks(root, "rect", "bar")) == 1 * 4


def test_lines_have_one_point_per_row_and_series():
    rows = {
        year: (str(year), {"reports": r, "heard": h, "offenders": o, "student_victims": v})
        for year, r, h, o, v in ((2022, 60, 29, 50, 48), (2023, 119, 80, 118, 190), (2024, 241, 107, 260, 536))
    }
    root = parse(render(YEARLY, table_of(YEARLY, rows)))
    points = marks(root, "circle", "point")
    assert len(points) == 3 * 4
    lines = marks(root, "polyline", "line")
    assert len(lines) == 4
    assert all(len(line.get("points").split()) == 3 for line in lines)
    by_key = {(p.get("data-row"), p.get("data-series")): float(p.get("cy")) for p in points}
    assert by_key["2024", "student_victims"] < by_key["2022", "student_victims"]  # higher up the page


@pytest.mark.parametrize(
    ("report", "rows"),
    [
        (OFFICES, OFFICE_ROWS),
        (MEASURES_REPORT, {1: (EVIL, {"count": 3})}),
        (YEARLY, {2024: (EVIL, {"reports": 1, "heard": 1, "offenders": 1, "student_victims": 1})}),
    ],
)
def test_labels_are_escaped_and_there_is_no_style_or_script(report, rows):
    markup = render(report, table_of(report, rows))
    assert "<script" not in markup
    assert "style=" not in markup
    assert "&lt;script&gt;" in markup
    assert "&amp; &quot;Co&quot;" in markup
    assert not re.search(r"\son\w+=", markup)  # no event handlers
    root = parse(markup)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == str(report.title)
    assert desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert marks(root, "g", "legend")
    # Nothing is fetched: no links, images or external references.
    assert not [element for element in root.iter() if element.tag in (f"{SVG}image", f"{SVG}use", f"{SVG}a")]
    assert "href" not in markup


def test_a_label_cannot_break_out_of_its_attribute_or_element():
    rows = {'"><script>x</script>': ('"><script>x</script>', {"off_record": 1, "recorded": 1, "heavy": 1})}
    markup = render(OFFICES, table_of(OFFICES, rows))
    assert "<script" not in markup
    root = parse(markup)
    assert marks(root, "rect", "bar")[0].get("data-row") == '"><script>x</script>'


def test_suppressed_counts_are_not_drawn():
    rows = {
        "seoul": ("Seoul", {"off_record": 40, "recorded": "<5", "heavy": "x"}),
        "busan": ("Busan", {"off_record": 12, "recorded": 30, "heavy": 9}),
    }
    root = parse(render(OFFICES, table_of(OFFICES, rows)))
    bars = {(bar.get("data-row"), bar.get("data-series")): bar for bar in marks(root, "rect", "bar")}
    assert float(bars["seoul", "recorded"].get("width")) == 0
    assert float(bars["seoul", "heavy"].get("width")) == 0
    assert "suppressed" in bars["seoul", "heavy"].get("class")
    values = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "value"]
    assert values == ["51"]  # Busan's total; Seoul's would give the hidden counts away

    yearly = {
        2023: ("2023", {"reports": 10, "heard": "<5", "offenders": 7, "student_victims": 8}),
        2024: ("2024", {"reports": 12, "heard": 6, "offenders": "x", "student_victims": 9}),
    }
    root = parse(render(YEARLY, table_of(YEARLY, yearly)))
    assert len(marks(root, "circle", "point")) == 8 - 2


def test_scale_and_ticks():
    assert charts._nice_max(181) == 200
    assert charts._nice_max(7) == 8
    assert charts._nice_max(0) == 1
    assert charts._ticks(200) == [0, 50, 100, 150, 200]
    root = parse(render(OFFICES, table_of(OFFICES, {"a": ("A", {"off_record": 0, "recorded": 0, "heavy": 0})})))
    assert all(float(bar.get("width")) == 0 for bar in marks(root, "rect", "bar"))


def test_shares_and_decimals_are_drawn_as_numbers():
    chart = Chart("bars", "main", ("count",))
    root = parse(render(MEASURES_REPORT, table_of(MEASURES_REPORT, {1: ("1", {"count": Decimal("2.5")})}), chart))
    assert float(marks(root, "rect", "bar")[0].get("width")) > 0


def test_unknown_chart_kind_is_an_error():
    with pytest.raises(ValueError, match="pie"):
        render(OFFICES, table_of(OFFICES, OFFICE_ROWS), Chart("pie", "main", ("heavy",)))
