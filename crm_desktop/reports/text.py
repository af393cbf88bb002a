"""Fonts, mixed-script text runs, cached widths and line wrapping for the report canvas.

Characters DejaVu Sans has print in DejaVu; the rest (CJK, full-width punctuation…) in Droid Sans
Fallback, so "王经理 Tom 138-0000" prints right. Widths are cached per character, which is what
keeps a 10,000-row roster fast."""

from __future__ import annotations

import re
import threading

from reportlab import rl_config  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

from crm_desktop.core.paths import resources_dir

FONT_REGULAR = "CRM-DejaVuSans"
FONT_BOLD = "CRM-DejaVuSans-Bold"
FONT_CJK = "CRM-DroidSansFallback"

_FILES = {
    FONT_REGULAR: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_CJK: "DroidSansFallbackFull.ttf",
}

# Droid has no bold face: bold CJK is drawn filled and stroked with this line width (per pt size).
FAKE_BOLD_STROKE = 0.035

Run = tuple[str, str, float]  # (font name, text, width at size 1)

_lock = threading.Lock()


class _Metrics:
    """Per-character font choice and width (at size 1) for one weight, filled on demand."""

    def __init__(self, latin: TTFont, cjk: TTFont, latin_name: str) -> None:
        self._latin_glyphs: dict[int, int] = latin.face.charToGlyph
        self._latin_widths = latin.face.charWidths
        self._latin_default = latin.face.defaultWidth
        self._cjk_glyphs: dict[int, int] = cjk.face.charToGlyph
        self._cjk_widths = cjk.face.charWidths
        self._cjk_default = cjk.face.defaultWidth
        self.latin_name = latin_name
        # char -> (is_cjk, width at size 1)
        self.chars: dict[str, tuple[bool, float]] = {}
        self.runs: dict[str, tuple[Run, ...]] = {}
        self.widths: dict[str, float] = {}

    def char(self, ch: str) -> tuple[bool, float]:
        got = self.chars.get(ch)
        if got is None:
            code = ord(ch)
            if code in self._latin_glyphs or code not in self._cjk_glyphs:
                glyph = self._latin_glyphs.get(code, 0)
                got = (False, self._latin_widths.get(glyph, self._latin_default) / 1000.0)
            else:
                glyph = self._cjk_glyphs[code]
                got = (True, self._cjk_widths.get(glyph, self._cjk_default) / 1000.0)
            self.chars[ch] = got
        return got


_metrics: dict[bool, _Metrics] = {}


def ensure_fonts() -> None:
    """Register the three shipped TrueType fonts with reportlab once per process."""
    if _metrics:
        return
    with _lock:
        if _metrics:
            return
        # Binary (Flate only) page streams: ASCII85 on top costs 0.9 s on a 300-page roster in
        # reportlab's pure-Python encoder and serves only 7-bit transports.
        rl_config.useA85 = 0
        folder = resources_dir() / "fonts"
        fonts: dict[str, TTFont] = {}
        for name, file in _FILES.items():
            try:
                fonts[name] = pdfmetrics.getFont(name)
            except KeyError:
                fonts[name] = TTFont(name, str(folder / file))
                pdfmetrics.registerFont(fonts[name])
        _metrics[True] = _Metrics(fonts[FONT_BOLD], fonts[FONT_CJK], FONT_BOLD)
        _metrics[False] = _Metrics(fonts[FONT_REGULAR], fonts[FONT_CJK], FONT_REGULAR)


_CACHE_LIMIT = 200_000


def runs(text: str, bold: bool = False) -> tuple[Run, ...]:
    """``text`` split into runs of one font each, with their widths at size 1."""
    m = _metrics[bold]
    got = m.runs.get(text)
    if got is not None:
        return got
    out: list[Run] = []
    if text.isascii():
        char = m.char
        out.append((m.latin_name, text, sum(char(ch)[1] for ch in text)))
    else:
        char = m.char
        start = 0
        cur_cjk = False
        acc = 0.0
        for i, ch in enumerate(text):
            is_cjk, w = char(ch)
            if i and is_cjk != cur_cjk:
                out.append((FONT_CJK if cur_cjk else m.latin_name, text[start:i], acc))
                start, acc = i, 0.0
            cur_cjk = is_cjk
            acc += w
        if text:
            out.append((FONT_CJK if cur_cjk else m.latin_name, text[start:], acc))
    result = tuple(out)
    if len(m.runs) > _CACHE_LIMIT:
        m.runs.clear()
    m.runs[text] = result
    return result


def width(text: str, size: float, bold: bool = False) -> float:
    """The printed width of ``text`` at ``size`` points."""
    m = _metrics[bold]
    w = m.widths.get(text)
    if w is None:
        char = m.char
        w = sum(char(ch)[1] for ch in text)
        if len(m.widths) > _CACHE_LIMIT:
            m.widths.clear()
        m.widths[text] = w
    return w * size


# Tokens for wrapping: white space, a run of non-CJK letters (a word), or one other character.
_TOKENS = re.compile(
    r"\s+|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u3000-\u303f]+|."
)
# Chinese punctuation that must not begin a line: it stays with the character before it.
_NO_LINE_START = frozenset("，。、；：？！）》」』】〉”’,.;:?!)%")


def _split_long(token: str, size: float, limit: float, bold: bool) -> list[str]:
    parts: list[str] = []
    cur = ""
    for ch in token:
        if cur and width(cur + ch, size, bold) > limit:
            parts.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        parts.append(cur)
    return parts


def wrap(text: str, limit: float, size: float, bold: bool = False, max_lines: int = 0) -> list[str]:
    """``text`` broken into lines no wider than ``limit`` points: at spaces between words,
    anywhere between CJK characters, inside a word only when it alone is too wide. Newlines
    break lines; ``max_lines`` (0: no limit) cuts with an ellipsis."""
    if "\n" not in text and width(text, size, bold) <= limit:
        return [text]
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        _wrap_para(para.rstrip(), limit, size, bold, lines)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and width(last + "…", size, bold) > limit:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def _wrap_para(para: str, limit: float, size: float, bold: bool, lines: list[str]) -> None:
    if width(para, size, bold) <= limit:
        lines.append(para)
        return
    cur = ""
    cur_w = 0.0

    def one(s: str) -> float:
        return width(s, size, bold)

    for token in _TOKENS.findall(para):
        tw = one(token)
        if cur_w + tw <= limit:
            cur += token
            cur_w += tw
            continue
        if token in _NO_LINE_START and len(cur.rstrip()) > 1:
            # Carry the character before the punctuation to the next line with it.
            kept = cur.rstrip()
            lines.append(kept[:-1].rstrip())
            cur = kept[-1] + token
            cur_w = one(cur)
            continue
        if token.isspace():
            lines.append(cur.rstrip())
            cur, cur_w = "", 0.0
            continue
        if cur.strip():
            lines.append(cur.rstrip())
        cur, cur_w = "", 0.0
        if tw > limit:
            pieces = _split_long(token, size, limit, bold)
            lines.extend(pieces[:-1])
            cur = pieces[-1]
            cur_w = one(cur)
        else:
            cur, cur_w = token, tw
    if cur.strip() or not lines:
        lines.append(cur.rstrip())
