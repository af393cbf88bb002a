"""The page machinery every report shares: a deferred canvas for "page X of Y", the page header and
footer, a text pen that draws mixed-script runs, and a fast table drawn straight on the canvas."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Literal
from zoneinfo import ZoneInfo

from reportlab.lib.colors import Color  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from crm_desktop.core.progress import Progress
from crm_desktop.reports.data import ReportHeader
from crm_desktop.reports.labels import label
from crm_desktop.reports.text import (
    FAKE_BOLD_STROKE,
    FONT_CJK,
    FONT_REGULAR,
    ensure_fonts,
    runs,
    width,
    wrap,
)

BLACK = Color(0.1, 0.1, 0.12)
GREY = Color(0.42, 0.44, 0.48)
RULE = Color(0.72, 0.74, 0.78)
ZEBRA = Color(0.955, 0.96, 0.97)
HEAD_BG = Color(0.86, 0.89, 0.93)
GROUP_BG = Color(0.93, 0.945, 0.965)
ACCENT = Color(0.16, 0.33, 0.55)
WATERMARK = Color(0.85, 0.2, 0.2, alpha=0.13)

Align = Literal["l", "r", "c"]

MARGIN_X = 36.0
FOOTER_Y = 20.0
CONTENT_BOTTOM = 40.0
PROGRESS_EVERY = 250


class DeferredCanvas(Canvas):  # type: ignore[misc]
    """A canvas that keeps each finished page until ``save`` and then lets ``stamp`` draw on it
    knowing the page count: "page X of Y" in one pass over the content."""

    def __init__(
        self,
        buffer: io.BytesIO,
        *,
        pagesize: tuple[float, float],
        stamp: Callable[[Canvas, int, int], None],
    ) -> None:
        super().__init__(buffer, pagesize=pagesize, initialFontName=FONT_REGULAR, pageCompression=1)
        self._saved_pages: list[dict[str, Any]] = []
        self._stamp = stamp

    def showPage(self) -> None:
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        for number, state in enumerate(self._saved_pages, 1):
            self.__dict__.update(state)
            self._stamp(self, number, total)
            Canvas.showPage(self)
        Canvas.save(self)


def _rgb(color: Color) -> str:
    return f"{color.red:.3f} {color.green:.3f} {color.blue:.3f}"


Encoded = tuple[tuple[str, str], ...]  # (subset font resource name, hex glyph codes)


class Pen:
    """Collects one page's text as raw PDF text operators in a single text object.

    reportlab's TextObject formats every number and escapes every string in pure Python (its C
    accelerator is gone), which made a 10,000-row roster take 4 s; here each run is encoded once
    per document (``font.splitString`` + ``getSubsetInternalName``, the documented way to write
    TrueType subsets) and written as a hex string. Graphics drawn meanwhile end up beneath."""

    def __init__(self, canvas: Canvas, cache: dict[tuple[str, str], Encoded]) -> None:
        self._c = canvas
        self._doc = canvas._doc
        self._cache = cache
        self._ops: list[str] = []
        self._font = ""
        self._size = 0.0
        self._color: Color | None = None

    def _encode(self, font_name: str, text: str) -> Encoded:
        key = (font_name, text)
        got = self._cache.get(key)
        if got is None:
            font = pdfmetrics.getFont(font_name)
            doc = self._doc
            got = tuple(
                (font.getSubsetInternalName(subset, doc), chunk.hex())
                for subset, chunk in font.splitString(text, doc)
            )
            self._cache[key] = got
        return got

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        color: Color = BLACK,
        align: Align = "l",
    ) -> float:
        """Draw ``text`` with its baseline at ``y``; ``x`` is its left, right or centre edge."""
        if not text:
            return 0.0
        parts = runs(text, bold)
        total = sum(p[2] for p in parts) * size if align != "l" or len(parts) > 1 else 0.0
        if align == "r":
            x -= total
        elif align == "c":
            x -= total / 2
        ops = self._ops
        if color is not self._color:
            ops.append(_rgb(color) + " rg")
            self._color = color
        ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm")
        for font, chunk, _w in parts:
            fake_bold = bold and font == FONT_CJK
            if fake_bold:
                # Droid has no bold face: fill and stroke the glyphs.
                ops.append(f"{_rgb(color)} RG {size * FAKE_BOLD_STROKE:.3f} w 2 Tr")
            for name, hexed in self._encode(font, chunk):
                if name != self._font or size != self._size:
                    ops.append(f"{name} {size:g} Tf")
                    self._font, self._size = name, size
                ops.append(f"<{hexed}> Tj")
            if fake_bold:
                ops.append("0 Tr")
        return total

    def flush(self) -> None:
        if self._ops:
            self._c.addLiteral("q BT\n" + "\n".join(self._ops) + "\nET Q")
            self._ops = []
            self._font, self._size, self._color = "", 0.0, None


def fill_rect(canvas: Canvas, x: float, y: float, w: float, h: float, color: Color) -> None:
    """A filled rectangle without reportlab's per-number formatting (one per zebra row)."""
    canvas.addLiteral(f"q {_rgb(color)} rg {x:.2f} {y:.2f} {w:.2f} {h:.2f} re f Q")


@dataclass(frozen=True)
class Column:
    title: str
    weight: float  # share of the table width
    align: Align = "l"
    wrap: bool = True
    bold: bool = False
    color: Color = BLACK


class Doc:
    """One report being drawn: page size, header and footer on every page, a cursor ``y``."""

    def __init__(
        self,
        header: ReportHeader,
        title: str,
        *,
        wide: bool,
        progress: Progress | None = None,
        watermark: str = "",
        banner: str = "",
    ) -> None:
        ensure_fonts()
        self.header = header
        self.lang = header.language
        self.title = header.title or title
        self.tz = ZoneInfo(header.timezone)
        self.progress = progress
        self.watermark = watermark
        self.banner = banner
        self.page_size: tuple[float, float] = landscape(A4) if wide else A4
        self.width_pt, self.height_pt = self.page_size
        self.x0 = MARGIN_X
        self.x1 = self.width_pt - MARGIN_X
        self.content_width = self.x1 - self.x0
        self.bottom = CONTENT_BOTTOM
        self._buffer = io.BytesIO()
        self.c = DeferredCanvas(self._buffer, pagesize=self.page_size, stamp=self._stamp)
        self.c.setTitle(self.title)
        self.c.setAuthor(header.company)
        self.c.setSubject(self.title)
        self.c.setCreator("crm-desktop")
        self.encoded: dict[tuple[str, str], Encoded] = {}
        self.pen = Pen(self.c, self.encoded)
        self.page = 0
        printed_at = self.datetime(header.printed_at)
        self._printed = label(self.lang, "printed", who=header.printed_by, at=printed_at)
        sep = "：" if self.lang == "zh_CN" else ": "
        filters = "　·　".join(f"{k}{sep}{v}" for k, v in header.filters)
        self._filter_lines = wrap(filters, self.content_width, 7.5, max_lines=3) if filters else []
        self.top = 0.0
        self.y = 0.0
        self._start_page()

    # formatting -------------------------------------------------------------------------------
    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        if value.tzinfo is None:  # naive values from the database are UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def date(self, value: dt.datetime | dt.date | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return value.astimezone(self.tz).strftime("%Y-%m-%d")
        return value.isoformat()

    def label(self, key: str, **values: object) -> str:
        return label(self.lang, key, **values)

    def counted(self, key: str, n: int) -> str:
        """A label with a count: "客户清单（300）" / "Customer list (300)"."""
        text = label(self.lang, key)
        return f"{text}（{n:,}）" if self.lang == "zh_CN" else f"{text} ({n:,})"

    # pages ------------------------------------------------------------------------------------
    def _start_page(self) -> None:
        self.page += 1
        c, pen = self.c, self.pen
        y = self.height_pt - 30
        pen.text(self.x0, y, self.header.company, 9, bold=True, color=ACCENT)
        pen.text(self.x1, y, self._printed, 7.5, color=GREY, align="r")
        y -= 21
        pen.text(self.x0, y, self.title, 15, bold=True)
        if self.banner:
            pen.text(self.x1, y, self.banner, 11, bold=True, color=Color(0.75, 0.1, 0.1), align="r")
        y -= 4
        for line in self._filter_lines:
            y -= 10
            pen.text(self.x0, y, line, 7.5, color=GREY)
        y -= 6
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        c.line(self.x0, y, self.x1, y)
        self.top = y - 10
        self.y = self.top

    def _stamp(self, c: Canvas, number: int, total: int) -> None:
        pen = Pen(c, self.encoded)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.4)
        c.line(self.x0, FOOTER_Y + 10, self.x1, FOOTER_Y + 10)
        left = f"{self.header.company} · {self.title}"
        pen.text(self.x0, FOOTER_Y, left, 7, color=GREY)
        pen.text(self.x1, FOOTER_Y, self.label("page", n=number, total=total), 7.5, align="r")
        pen.flush()

    def _end_page(self) -> None:
        self.pen.flush()
        if self.watermark:
            self._draw_watermark()

    def _draw_watermark(self) -> None:
        """The watermark across the page diagonal, translucent, over the content."""
        c = self.c
        w, h = self.page_size
        size = min(110.0, 0.75 * math.hypot(w, h) / width(self.watermark, 1.0, True))
        c.saveState()
        c.translate(w / 2, h / 2)
        c.rotate(math.degrees(math.atan2(h, w)))
        c.setFillColor(WATERMARK)
        x = -width(self.watermark, size, True) / 2
        for font, chunk, cw in runs(self.watermark, True):
            c.setFont(font, size)
            c.drawString(x, -size / 3, chunk)
            x += cw * size
        c.restoreState()

    def new_page(self) -> None:
        self._end_page()
        self.c.showPage()
        self._start_page()

    def need(self, height: float) -> bool:
        """Start a new page unless ``height`` points fit; True when a page was started."""
        if self.y - height < self.bottom and self.y < self.top:
            self.new_page()
            return True
        return False

    def finish(self) -> bytes:
        self._end_page()
        self.c.showPage()
        self.c.save()
        return self._buffer.getvalue()

    def tick(self, done: int, total: int, what: str) -> None:
        if self.progress is not None and done % PROGRESS_EVERY == 0:
            self.progress.check_cancelled()
            self.progress.report(done, total, what)

    # blocks -----------------------------------------------------------------------------------
    def section(self, text: str, *, keep: float = 60.0) -> None:
        """A section heading kept together with ``keep`` points of what follows."""
        if self.y < self.top:
            self.y -= 6
        self.need(18 + keep)
        self.pen.text(self.x0, self.y - 11, text, 11, bold=True, color=ACCENT)
        self.y -= 18

    def paragraph(
        self, text: str, size: float = 8.5, *, color: Color = BLACK, bold: bool = False
    ) -> None:
        leading = size * 1.35
        for line in wrap(text, self.content_width, size, bold):
            self.need(leading)
            self.pen.text(self.x0, self.y - size, line, size, color=color, bold=bold)
            self.y -= leading
        self.y -= 3

    def space(self, points: float) -> None:
        self.y -= points


def fit(text: str, limit: float, size: float, bold: bool = False) -> str:
    """``text`` cut with an ellipsis to fit ``limit`` points."""
    if width(text, size, bold) <= limit:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if width(text[:mid] + "…", size, bold) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…"


class Table:
    """Rows drawn straight on the canvas: fixed column widths, wrapping only cells that need it,
    the header row repeated on every page, group headings kept with their first row."""

    PAD_X = 3.0
    PAD_Y = 2.2

    def __init__(
        self,
        doc: Doc,
        columns: Sequence[Column],
        *,
        size: float = 8.0,
        zebra: bool = True,
        header: bool = True,
        total_width: float | None = None,
    ) -> None:
        self.doc = doc
        self.columns = tuple(columns)
        self.size = size
        self.leading = size * 1.22
        self.zebra = zebra
        self.show_header = header
        full = total_width if total_width is not None else doc.content_width
        weights = sum(c.weight for c in self.columns)
        self.widths = [full * c.weight / weights for c in self.columns]
        self.xs: list[float] = []
        x = doc.x0
        for w in self.widths:
            self.xs.append(x)
            x += w
        self.x_end = x
        self.inner = [w - 2 * self.PAD_X for w in self.widths]
        self._header_lines = [
            wrap(c.title, inner, size, True)
            for c, inner in zip(self.columns, self.inner, strict=True)
        ]
        self.header_height = (
            max(len(lines) for lines in self._header_lines) * self.leading + 2 * self.PAD_Y + 1
        )
        self._header_page = 0
        self._group = ""
        self._odd = False
        self.min_row = self.leading + 2 * self.PAD_Y

    def _draw_header(self) -> None:
        doc = self.doc
        self._header_page = doc.page
        if not self.show_header:
            return
        c, pen, y = doc.c, doc.pen, doc.y
        h = self.header_height
        fill_rect(c, doc.x0, y - h, self.x_end - doc.x0, h, HEAD_BG)
        for col, x, inner, lines in zip(
            self.columns, self.xs, self.inner, self._header_lines, strict=True
        ):
            for i, line in enumerate(lines):
                base = y - self.PAD_Y - self.size * 0.92 - i * self.leading
                pen.text(
                    self._x(col.align, x, inner),
                    base,
                    line,
                    self.size,
                    bold=True,
                    align=col.align,
                )
        doc.y -= h
        self._odd = False

    def _x(self, align: Align, x: float, inner: float) -> float:
        if align == "l":
            return x + self.PAD_X
        if align == "r":
            return x + self.PAD_X + inner
        return x + self.PAD_X + inner / 2

    def _ensure(self, height: float) -> None:
        doc = self.doc
        started = doc.need(height + (self.header_height if self._header_page != doc.page else 0))
        if started or self._header_page != doc.page:
            self._draw_header()
            if started and self._group:
                self._draw_group(self._group + " " + doc.label("continued"))

    def group(self, text: str) -> None:
        """A group heading (a band across the table), kept together with the next row."""
        self._group = ""
        self._ensure(self.group_height + self.min_row)
        self._draw_group(text)
        self._group = text

    @property
    def group_height(self) -> float:
        return self.size * 1.3 + 2 * self.PAD_Y + 1

    def _draw_group(self, text: str) -> None:
        doc = self.doc
        h = self.group_height
        fill_rect(doc.c, doc.x0, doc.y - h, self.x_end - doc.x0, h, GROUP_BG)
        size = self.size + 0.5
        line = fit(text, self.x_end - doc.x0 - 2 * self.PAD_X, size, True)
        doc.pen.text(doc.x0 + self.PAD_X, doc.y - self.PAD_Y - size * 0.95, line, size, bold=True)
        doc.y -= h
        self._odd = False

    def row(self, cells: Sequence[str], *, bold: bool = False, shade: Color | None = None) -> None:
        size = self.size
        cell_lines: list[list[str]] = []
        n = 1
        for col, inner, cell in zip(self.columns, self.inner, cells, strict=True):
            if not cell:
                lines = []
            elif col.wrap:
                lines = wrap(cell, inner, size, bold or col.bold)
            else:
                lines = [fit(cell, inner, size, bold or col.bold)]
            cell_lines.append(lines)
            n = max(n, len(lines))
        h = n * self.leading + 2 * self.PAD_Y
        self._ensure(h)
        doc = self.doc
        y = doc.y
        fill = shade if shade is not None else (ZEBRA if self.zebra and self._odd else None)
        if fill is not None:
            fill_rect(doc.c, doc.x0, y - h, self.x_end - doc.x0, h, fill)
        self._odd = not self._odd
        pen = doc.pen
        first = y - self.PAD_Y - size * 0.92
        for col, x, inner, lines in zip(self.columns, self.xs, self.inner, cell_lines, strict=True):
            if not lines:
                continue
            tx = self._x(col.align, x, inner)
            b = bold or col.bold
            for i, line in enumerate(lines):
                pen.text(
                    tx,
                    first - i * self.leading,
                    line,
                    size,
                    bold=b,
                    color=col.color,
                    align=col.align,
                )
        doc.y = y - h

    def rule(self) -> None:
        doc = self.doc
        doc.c.setStrokeColor(RULE)
        doc.c.setLineWidth(0.5)
        doc.c.line(doc.x0, doc.y, self.x_end, doc.y)
