"""Bar and line charts (reportlab.graphics) with their labels drawn by the mixed-script pen, since
a chart label has one font and Droid Sans Fallback has no Latin letters."""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.graphics import renderPDF  # type: ignore[import-untyped]
from reportlab.graphics.charts.barcharts import (  # type: ignore[import-untyped]
    HorizontalBarChart,
    VerticalBarChart,
)
from reportlab.graphics.charts.linecharts import HorizontalLineChart  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing  # type: ignore[import-untyped]
from reportlab.lib.colors import Color  # type: ignore[import-untyped]

from crm_desktop.reports.page import ACCENT, GREY, RULE, Doc, fit
from crm_desktop.reports.text import FONT_REGULAR, width, wrap

PALETTE = (
    Color(0.16, 0.38, 0.65),
    Color(0.90, 0.49, 0.13),
    Color(0.20, 0.60, 0.36),
    Color(0.80, 0.22, 0.25),
    Color(0.52, 0.36, 0.70),
    Color(0.55, 0.42, 0.33),
    Color(0.86, 0.46, 0.70),
    Color(0.45, 0.47, 0.50),
    Color(0.70, 0.72, 0.20),
    Color(0.25, 0.72, 0.78),
)

LABEL_SIZE = 6.5
TITLE_SIZE = 9.5


def _scale(top: int) -> tuple[int, int]:
    """A round value-axis maximum and step for integer counts up to ``top``."""
    top = max(top, 1)
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = max(1, next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw))
    step = math.ceil(step)
    return math.ceil(top / step) * step, step


def _axis(axis: object, top: int) -> None:
    high, step = _scale(top)
    axis.valueMin = 0  # type: ignore[attr-defined]
    axis.valueMax = high  # type: ignore[attr-defined]
    axis.valueStep = step  # type: ignore[attr-defined]
    axis.labels.fontName = FONT_REGULAR  # type: ignore[attr-defined]
    axis.labels.fontSize = LABEL_SIZE  # type: ignore[attr-defined]
    axis.labelTextFormat = "{:,.0f}".format  # type: ignore[attr-defined]
    axis.strokeColor = RULE  # type: ignore[attr-defined]
    axis.gridStrokeColor = Color(0.9, 0.91, 0.93)  # type: ignore[attr-defined]
    axis.gridStrokeWidth = 0.4  # type: ignore[attr-defined]
    axis.visibleGrid = 1  # type: ignore[attr-defined]


def _title(doc: Doc, x: float, top: float, w: float, title: str) -> float:
    doc.pen.text(
        x, top - TITLE_SIZE, fit(title, w, TITLE_SIZE, True), TITLE_SIZE, bold=True, color=ACCENT
    )
    return top - TITLE_SIZE - 6


def _legend(doc: Doc, x: float, y: float, w: float, names: Sequence[str]) -> float:
    """Legend entries flowing left to right in rows; returns the height used."""
    c, pen = doc.c, doc.pen
    cx, cy = x, y
    row_h = LABEL_SIZE + 4
    for i, name in enumerate(names):
        entry = 10 + width(name, LABEL_SIZE) + 10
        if cx + entry > x + w and cx > x:
            cx, cy = x, cy - row_h
        c.setFillColor(PALETTE[i % len(PALETTE)])
        c.rect(cx, cy - LABEL_SIZE + 0.5, 7, 6, stroke=0, fill=1)
        pen.text(cx + 10, cy - LABEL_SIZE + 1, name, LABEL_SIZE)
        cx += entry
    return y - cy + row_h


def _empty(doc: Doc, x: float, y: float, w: float, h: float) -> None:
    doc.pen.text(x + w / 2, y + h / 2, doc.label("no_data"), 8, color=GREY, align="c")


def bar_chart(
    doc: Doc,
    x: float,
    top: float,
    w: float,
    h: float,
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    *,
    horizontal: bool = False,
) -> None:
    """One series of bars with a value on each; horizontal bars suit long category names."""
    y_top = _title(doc, x, top, w, title)
    if not values or not any(values):
        _empty(doc, x, top - h, w, h - 16)
        return
    bottom = top - h
    n = len(values)
    if horizontal:
        label_w = min(w * 0.32, max(width(s, LABEL_SIZE) for s in labels) + 6)
        chart = HorizontalBarChart()
        chart.x, chart.y = label_w + 4, 14
        chart.width = w - chart.x - 22
        chart.height = y_top - bottom - chart.y
        chart.categoryAxis.reverseDirection = 1
        chart.categoryAxis.tickLeft = 0
    else:
        label_rows = 2 if any(width(s, LABEL_SIZE) > (w - 30) / n - 2 for s in labels) else 1
        chart = VerticalBarChart()
        chart.x, chart.y = 28, 6 + label_rows * (LABEL_SIZE + 2)
        chart.width = w - chart.x - 4
        chart.height = y_top - bottom - chart.y - 10
    chart.data = [list(values)]
    chart.categoryAxis.categoryNames = [""] * n
    chart.categoryAxis.visibleLabels = 0
    chart.categoryAxis.strokeColor = RULE
    _axis(chart.valueAxis, max(values))
    chart.bars[0].fillColor = PALETTE[0]
    chart.bars.strokeColor = None
    chart.barLabelFormat = "{:,}".format
    chart.barLabels.fontName = FONT_REGULAR
    chart.barLabels.fontSize = LABEL_SIZE
    chart.barLabels.boxAnchor = "w" if horizontal else "s"
    chart.barLabels.nudge = 3 if horizontal else 2
    chart.barSpacing = 1
    chart.groupSpacing = max(3, int((chart.height if horizontal else chart.width) / n * 0.3))
    drawing = Drawing(w, top - bottom)
    drawing.add(chart)
    renderPDF.draw(drawing, doc.c, x, bottom)
    slot = (chart.height if horizontal else chart.width) / n
    for i, name in enumerate(labels):
        if horizontal:
            cy = bottom + chart.y + chart.height - (i + 0.5) * slot
            doc.pen.text(
                x + chart.x - 4,
                cy - LABEL_SIZE / 3,
                fit(name, chart.x - 6, LABEL_SIZE),
                LABEL_SIZE,
                align="r",
            )
        else:
            cx = x + chart.x + (i + 0.5) * slot
            lines = wrap(name, slot - 2, LABEL_SIZE, max_lines=2)
            for j, line in enumerate(lines):
                doc.pen.text(
                    cx,
                    bottom + chart.y - LABEL_SIZE - 2 - j * (LABEL_SIZE + 1.5),
                    line,
                    LABEL_SIZE,
                    align="c",
                )


def grouped_bar_chart(
    doc: Doc,
    x: float,
    top: float,
    w: float,
    h: float,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    stacked: bool = False,
) -> None:
    """Several series per category (side by side, or stacked), with a legend under the title."""
    y_top = _title(doc, x, top, w, title)
    bottom = top - h
    if not categories or not any(any(v) for _, v in series):
        _empty(doc, x, bottom, w, h - 16)
        return
    legend_h = _legend(doc, x + 4, y_top, w - 8, [name for name, _ in series])
    y_top -= legend_h + 4
    n = len(categories)
    slot_w = (w - 34) / n
    rotate = any(width(s, LABEL_SIZE) > slot_w - 2 for s in categories)
    label_h = (max(width(s, LABEL_SIZE) for s in categories) * 0.71 + 6) if rotate else 10
    chart = VerticalBarChart()
    chart.x, chart.y = 28, 4 + label_h
    chart.width = w - chart.x - 4
    chart.height = y_top - bottom - chart.y - 4
    chart.data = [list(v) for _, v in series]
    chart.categoryAxis.categoryNames = [""] * n
    chart.categoryAxis.visibleLabels = 0
    chart.categoryAxis.strokeColor = RULE
    if stacked:
        chart.categoryAxis.style = "stacked"
        top_value = max(sum(v[i] for _, v in series) for i in range(n))
    else:
        top_value = max(max(v) for _, v in series)
    _axis(chart.valueAxis, top_value)
    for i in range(len(series)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
    chart.bars.strokeColor = None
    chart.barSpacing = 0.5
    chart.groupSpacing = max(2, int(chart.width / n * 0.25))
    drawing = Drawing(w, top - bottom)
    drawing.add(chart)
    renderPDF.draw(drawing, doc.c, x, bottom)
    _category_labels(doc, x + chart.x, bottom + chart.y, chart.width, categories, rotate)


def _category_labels(
    doc: Doc, x: float, y: float, w: float, categories: Sequence[str], rotate: bool
) -> None:
    slot = w / len(categories)
    if not rotate:
        for i, name in enumerate(categories):
            doc.pen.text(x + (i + 0.5) * slot, y - LABEL_SIZE - 2, name, LABEL_SIZE, align="c")
        return
    # Long names: written at 45°, each in its own small text object (rare, a handful per chart).
    c = doc.c
    for i, name in enumerate(categories):
        c.saveState()
        c.translate(x + (i + 0.5) * slot + 2, y - 4)
        c.rotate(45)
        pen = type(doc.pen)(c, doc.encoded)
        pen.text(0, 0, name, LABEL_SIZE, align="r")
        pen.flush()
        c.restoreState()


def line_chart(
    doc: Doc,
    x: float,
    top: float,
    w: float,
    h: float,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
) -> None:
    """One line per series over the categories (months), with a legend under the title."""
    y_top = _title(doc, x, top, w, title)
    bottom = top - h
    if not categories or not any(any(v) for _, v in series):
        _empty(doc, x, bottom, w, h - 16)
        return
    legend_h = _legend(doc, x + 4, y_top, w - 8, [name for name, _ in series])
    y_top -= legend_h + 4
    n = len(categories)
    chart = HorizontalLineChart()
    chart.x, chart.y = 28, 14
    chart.width = w - chart.x - 4
    chart.height = y_top - bottom - chart.y - 4
    chart.data = [list(v) for _, v in series]
    chart.categoryAxis.categoryNames = [""] * n
    chart.categoryAxis.visibleLabels = 0
    chart.categoryAxis.strokeColor = RULE
    _axis(chart.valueAxis, max(max(v) for _, v in series))
    for i in range(len(series)):
        chart.lines[i].strokeColor = PALETTE[i % len(PALETTE)]
        chart.lines[i].strokeWidth = 1.3
    drawing = Drawing(w, top - bottom)
    drawing.add(chart)
    renderPDF.draw(drawing, doc.c, x, bottom)
    _category_labels(doc, x + chart.x, bottom + chart.y, chart.width, categories, False)
