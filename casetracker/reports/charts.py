"""Charts as inline SVG: pure functions from a report's table to markup.

No JavaScript and nothing fetched at run time: the page carries the chart itself, drawn
with SVG presentation attributes only (the Content Security Policy forbids inline
styles). Every label is escaped. Each chart is an image (``role="img"``) named by its
``<title>`` and described by its ``<desc>``; the table beside it holds the figures.

Values that are not numbers (the publication option's "<5" and "x") are not drawn, so
that a bar's length cannot give a hidden count away.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Number

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .definitions import Chart
from .engine import Table

# Colour-blind-safe hues, each at least 3:1 against white (WCAG 1.4.11, non-text contrast).
COLOURS = ("#1f5fa8", "#a85d00", "#b3261e", "#6a3d9a", "#117a65", "#5c5c5c", "#8a3b12", "#2b6b8f")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")
TEXT = "#1a1a1a"
GRID = "#c8c8c8"
FONT_SIZE = 12
PLOT_WIDTH = 380
LEGEND_LINE = 18


@dataclass(frozen=True)
class Series:
    key: str
    label: str


@dataclass(frozen=True)
class DataRow:
    key: str
    label: str
    values: tuple  # one per series: a number, or something not to draw


def render(chart: Chart, table: Table, *, title: str, chart_id: str) -> SafeString:
    """The SVG for a report's chart spec over the body rows (not subtotals or totals) of ``table``."""
    series = [Series(key, str(table.spec.column(key).label)) for key in chart.series]
    rows = [
        DataRow(str(row.value), str(row.label), tuple(row.cells.get(key) for key in chart.series)) for row in table.body
    ]
    dimension = str(table.spec.dimension.label)
    if chart.kind == "stacked":
        return stacked_bars(rows, series, title=title, dimension=dimension, chart_id=chart_id)
    if chart.kind == "bars":
        return grouped_bars(rows, series, title=title, dimension=dimension, chart_id=chart_id)
    if chart.kind == "lines":
        return lines(rows, series, title=title, dimension=dimension, chart_id=chart_id)
    raise ValueError(f"unknown chart kind: {chart.kind}")


def stacked_bars(
    rows: Sequence[DataRow], series: Sequence[Series], *, title: str, dimension: str, chart_id: str
) -> SafeString:
    """One horizontal bar per row, one segment per series, stacked left to right."""
    band, bar = 24, 16
    left = _label_width(row.label for row in rows)
    top = _legend_height(series) + 8
    scale_max = _nice_max(max((sum(_numbers(row.values)) for row in rows), default=0))
    height = top + band * len(rows) + 30
    width = left + PLOT_WIDTH + 60
    parts = [_legend(series, kind="bar", left=left)]
    parts.append(_x_axis(scale_max, left=left, top=top, bottom=top + band * len(rows)))
    parts.append('<g class="bars">')
    for index, row in enumerate(rows):
        y = top + index * band + (band - bar) / 2
        x = left
        parts.append(_row_label(row.label, left - 6, y + bar / 2))
        for position, (item, value) in enumerate(zip(series, row.values, strict=True)):
            length = _length(value, scale_max)
            parts.append(
                f'<rect class="bar{_suppressed(value)}" data-row="{escape(row.key)}" data-series="{escape(item.key)}" '
                f'x="{x:.1f}" y="{y:.1f}" width="{length:.1f}" height="{bar}" '
                f'fill="{_colour(position)}" stroke="#ffffff" stroke-width="1">'
                f"<title>{escape(row.label)} · {escape(item.label)}: {escape(_show(value))}</title></rect>"
            )
            x += length
        if all(isinstance(value, Number) for value in row.values):  # a partial sum would mislead
            parts.append(_value_label(number_format(sum(row.values), force_grouping=True), x + 4, y + bar / 2))
    parts.append("</g>")
    description = _("Stacked bars by %(dimension)s: %(series)s.") % {
        "dimension": dimension,
        "series": ", ".join(item.label for item in series),
    }
    return _svg(parts, width=width, height=height, title=title, description=description, chart_id=chart_id)


def grouped_bars(
    rows: Sequence[DataRow], series: Sequence[Series], *, title: str, dimension: str, chart_id: str
) -> SafeString:
    """One horizontal bar per row and series; a row's bars sit together under its label."""
    bar, gap = 14, 10
    band = bar * len(series) + gap
    left = _label_width(row.label for row in rows)
    if len(series) > 1:
        left = max(left, _label_width(item.label for item in series))
    top = _legend_height(series) + 8
    scale_max = _nice_max(max((max(_numbers(row.values), default=0) for row in rows), default=0))
    height = top + band * len(rows) + 30
    width = left + PLOT_WIDTH + 60
    parts = [_legend(series, kind="bar", left=left)]
    parts.append(_x_axis(scale_max, left=left, top=top, bottom=top + band * len(rows)))
    parts.append('<g class="bars">')
    for index, row in enumerate(rows):
        y0 = top + index * band + gap / 2
        parts.append(_row_label(row.label, left - 6, y0 + bar * len(series) / 2))
        for position, (item, value) in enumerate(zip(series, row.values, strict=True)):
            y = y0 + position * bar
            length = _length(value, scale_max)
            parts.append(
                f'<rect class="bar{_suppressed(value)}" data-row="{escape(row.key)}" data-series="{escape(item.key)}" '
                f'x="{left}" y="{y:.1f}" width="{length:.1f}" height="{bar - 2}" fill="{_colour(position)}">'
                f"<title>{escape(row.label)} · {escape(item.label)}: {escape(_show(value))}</title></rect>"
            )
            parts.append(_value_label(_show(value), left + length + 4, y + (bar - 2) / 2))
    parts.append("</g>")
    description = _("Bars by %(dimension)s: %(series)s.") % {
        "dimension": dimension,
        "series": ", ".join(item.label for item in series),
    }
    return _svg(parts, width=width, height=height, title=title, description=description, chart_id=chart_id)


def lines(
    rows: Sequence[DataRow], series: Sequence[Series], *, title: str, dimension: str, chart_id: str
) -> SafeString:
    """One line per series across the rows (years), a point per row and series."""
    left, right, plot_height = 56, 24, 220
    top = _legend_height(series) + 16
    step = max(48, min(120, 480 // max(len(rows), 1)))
    width = left + step * max(len(rows) - 1, 0) + right + 40
    width = max(width, 360)
    bottom = top + plot_height
    scale_max = _nice_max(max((max(_numbers(row.values), default=0) for row in rows), default=0))
    parts = [_legend(series, kind="line", left=left)]
    parts.append(_y_axis(scale_max, left=left, right=width - right, top=top, bottom=bottom))

    def x_of(index: int) -> float:
        return left + 20 + index * step

    def y_of(value) -> float:
        return bottom - _length(value, scale_max, plot_height)

    parts.append('<g class="categories">')
    for index, row in enumerate(rows):
        x = x_of(index)
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" fill="{TEXT}">{escape(row.label)}</text>'
        )
    parts.append("</g>")
    for position, item in enumerate(series):
        colour, dash = _colour(position), DASHES[position % len(DASHES)]
        dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        segments = [segment]
        for index, row in enumerate(rows):
            value = row.values[position]
            if isinstance(value, Number):
                segment.append(f"{x_of(index):.1f},{y_of(value):.1f}")
            else:
                segment = []
                segments.append(segment)
        parts.append(f'<g class="series" data-series="{escape(item.key)}">')
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<polyline class="line" points="{" ".join(points)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash_attribute}/>'
                )
        for index, row in enumerate(rows):
            value = row.values[position]
            if not isinstance(value, Number):
                continue
            parts.append(
                f'<circle class="point" data-row="{escape(row.key)}" data-series="{escape(item.key)}" '
                f'cx="{x_of(index):.1f}" cy="{y_of(value):.1f}" r="4" fill="{colour}" stroke="#ffffff" '
                f'stroke-width="1"><title>{escape(row.label)} · {escape(item.label)}: {escape(_show(value))}</title>'
                "</circle>"
            )
        parts.append("</g>")
    description = _("Lines by %(dimension)s: %(series)s.") % {
        "dimension": dimension,
        "series": ", ".join(item.label for item in series),
    }
    return _svg(parts, width=width, height=bottom + 30, title=title, description=description, chart_id=chart_id)


# Pieces ---------------------------------------------------------------------------------------
def _svg(parts: list[str], *, width: float, height: float, title: str, description: str, chart_id: str) -> SafeString:
    chart_id = escape(chart_id)
    description = f"{description} {_('The table gives every figure.')}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" font-family="sans-serif" font-size="{FONT_SIZE}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    # Every piece was built here from numbers and escaped text.
    return mark_safe(head + "".join(parts) + "</svg>")  # noqa: S308


def _legend(series: Sequence[Series], *, kind: str, left: float) -> str:
    parts = ['<g class="legend">']
    for position, item in enumerate(series):
        y = 6 + position * LEGEND_LINE
        colour = _colour(position)
        if kind == "line":
            dash = DASHES[position % len(DASHES)]
            dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{left}" y1="{y + 6}" x2="{left + 24}" y2="{y + 6}" stroke="{colour}" '
                f'stroke-width="2"{dash_attribute}/>'
                f'<circle cx="{left + 12}" cy="{y + 6}" r="4" fill="{colour}"/>'
            )
        else:
            parts.append(f'<rect x="{left}" y="{y}" width="24" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{left + 30}" y="{y + 10}" fill="{TEXT}">{escape(item.label)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _legend_height(series: Sequence[Series]) -> int:
    return 6 + LEGEND_LINE * len(series)


def _x_axis(scale_max: int, *, left: float, top: float, bottom: float) -> str:
    parts = ['<g class="axis">']
    for tick in _ticks(scale_max):
        x = left + _length(tick, scale_max)
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" fill="{TEXT}">'
            f"{number_format(tick, force_grouping=True)}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _y_axis(scale_max: int, *, left: float, right: float, top: float, bottom: float) -> str:
    parts = ['<g class="axis">']
    for tick in _ticks(scale_max):
        y = bottom - _length(tick, scale_max, bottom - top)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">'
            f"{number_format(tick, force_grouping=True)}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _row_label(label: str, x: float, y: float) -> str:
    return f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">{escape(label)}</text>'


def _value_label(text: str, x: float, y: float) -> str:
    return f'<text class="value" x="{x:.1f}" y="{y + 4:.1f}" fill="{TEXT}">{escape(text)}</text>'


def _label_width(labels) -> int:
    """Room for the longest label, at about 7 px a Latin letter and 12 px a Hangul syllable."""
    widest = max((sum(12 if ord(char) > 0x1100 else 7 for char in label) for label in labels), default=0)
    return min(max(widest + 12, 60), 340)


def _numbers(values) -> list:
    return [value for value in values if isinstance(value, Number)]


def _length(value, scale_max: int, extent: float = PLOT_WIDTH) -> float:
    if not isinstance(value, Number) or not scale_max:
        return 0.0
    return float(value) * extent / scale_max


def _show(value) -> str:
    if isinstance(value, Number):
        return number_format(value, force_grouping=True)
    return "" if value is None else str(value)


def _suppressed(value) -> str:
    return "" if isinstance(value, Number) else " suppressed"


def _colour(position: int) -> str:
    return COLOURS[position % len(COLOURS)]


def _nice_step(largest: float) -> int:
    """A step of 1, 2 or 5 times a power of ten giving about five ticks."""
    raw = max(largest / 5, 1)
    power = 10 ** math.floor(math.log10(raw))
    return next(int(m * power) for m in (1, 2, 5, 10) if m * power >= raw)


def _nice_max(largest: float) -> int:
    if largest <= 0:
        return 1
    step = _nice_step(largest)
    return int(math.ceil(largest / step) * step)


def _ticks(scale_max: int) -> list[int]:
    step = _nice_step(scale_max)
    return list(range(0, scale_max + 1, step))
