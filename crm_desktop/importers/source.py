"""What every import reader returns (a TableSource of SourceRows), encoding detection, and
``open_source``, which picks the reader for a file."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

from crm_desktop.core.errors import ImportFileError

Format = Literal["csv", "xlsx", "vcard"]
MAX_FIELD = 100_000  # characters; a longer field is a per-row problem, not a crash
MAX_ROWS = 2_000_000

Value = str | int | float | date | datetime | None

# Bytes looked at to guess an encoding and a delimiter; big enough for a few hundred rows.
SAMPLE_BYTES = 256 * 1024
SCORE_BYTES = 64 * 1024  # enough text to tell GB18030 from Big5

CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv", ".tab"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
VCARD_SUFFIXES = frozenset({".vcf", ".vcard"})


@dataclass(frozen=True)
class EncodingGuess:
    """How the bytes of a text file are to be decoded, and how sure we are."""

    encoding: str  # python codec name: "utf-8", "utf-8-sig", "gb18030", "big5", "utf-16"
    confident: bool  # True for strict UTF-8 (with/without BOM) and BOM'd UTF-16
    candidates: tuple[str, ...]  # other plausible codecs, best first (the UI offers them)
    reason: str  # "valid UTF-8", "UTF-16 byte-order mark", "GB18030 (guessed)" …


# What a reader reports about a row it could not read: code → English (str.format with the
# problem's params). The import wizard translates the codes (ui/import_problems.py).
READER_PROBLEMS: dict[str, str] = {
    "unclosed_quote": 'a quoted field is never closed (a " is missing)',
    "field_too_long": "a field is longer than {limit} characters; the row is not read",
    "field_too_long_n": "a field is longer than {limit} characters ({length}); the row is not read",
    "line_too_long": "the line is longer than {limit} characters; it is not read",
    "too_many_values": "the row has {n} values but there are only {width} columns",
    "too_many_values_quote": (
        "the row has {n} values but there are only {width} columns; "
        'a quoted field is probably not closed (a " is missing)'
    ),
    "bad_bytes": "some bytes are not valid {codec} (shown as \ufffd); choose another encoding",
    "too_many_rows": "more than {limit} rows; the rest is not read",
    "beyond_columns": "the row has values beyond the last of the {width} columns",
    "too_many_cards": "more than {limit} cards; the rest is not read",
    "card_unreadable": "card {number} cannot be read: {reason}",
    "card_empty": "card {number} has no name, organisation or number",
    "card_bad_bytes": "some bytes cannot be decoded (shown as \ufffd); choose another encoding",
    "card_not_closed": "the card is not closed (END:VCARD is missing)",
    "last_card_not_closed": "the last card is not closed (END:VCARD is missing)",
    "card_too_long": "the card is longer than {limit} characters",
}


class ReaderProblem(str):
    """A reader's problem text (English) that also says which problem it is."""

    code: str
    params: tuple[tuple[str, str], ...]


def reader_problem(code: str, **params: object) -> ReaderProblem:
    texts = {k: f"{v:,}" if isinstance(v, int) else str(v) for k, v in params.items()}
    problem = ReaderProblem(READER_PROBLEMS[code].format(**texts))
    problem.code = code
    problem.params = tuple(texts.items())
    return problem


@dataclass(frozen=True)  # no slots: a frozen slotted dataclass is slower to create
class SourceRow:
    """One data row: its row number as the user sees it, one value per header."""

    row: int  # the spreadsheet row number the user sees (header = its own row)
    values: tuple[Value, ...]  # one per header; CSV: str|None
    problem: str | None = None  # set (and values may be empty) when the row could not be read


class TableSource(Protocol):
    """What open_source returns; iterable more than once."""

    path: Path
    format: Format
    encoding: EncodingGuess | None  # CSV only
    delimiter: str | None  # CSV only: "," ";" "\t" "|"
    sheets: tuple[str, ...]  # XLSX only (else ())
    sheet: str | None
    header_row: int  # 1-based row number of the header (0 for vCard: no header row)
    headers: tuple[str, ...]  # stripped; "" for an empty header cell

    def preview(self, n: int = 20) -> list[SourceRow]:
        """The first ``n`` data rows."""
        ...

    def rows(self) -> Iterator[SourceRow]:
        """Every data row once, streamed with bounded memory."""
        ...

    def count_hint(self) -> int | None:
        """An estimate of the number of data rows, for progress (None if unknown)."""
        ...


# --------------------------------------------------------------------------- encodings

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 byte-order mark"),
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32 byte-order mark"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 byte-order mark"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 byte-order mark"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 byte-order mark"),
)
_LEGACY = ("gb18030", "big5")
_REASONS = {
    "gb18030": "GB18030/GBK (guessed)",
    "big5": "Big5 (guessed)",
    "cp1252": "Western European (guessed)",
}
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


def bom_encoding(data: bytes) -> str | None:
    """The codec named by a byte-order mark at the start of ``data``, if any."""
    for bom, name, _reason in _BOMS:
        if data.startswith(bom):
            return name
    return None


def detect_encoding(data: bytes) -> EncodingGuess:
    """Guess the encoding of ``data`` (the start of a file; may end mid-character).

    Strict UTF-8 first (a BOM gives utf-8-sig), UTF-16/32 only with a BOM; otherwise a scored
    guess between GB18030 (a superset of GBK) and Big5, never marked confident.
    """
    for bom, name, reason in _BOMS:
        if data.startswith(bom):
            return EncodingGuess(name, True, (), reason)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return _legacy_guess(data)
    if data.isascii():
        return EncodingGuess("utf-8", True, (), "plain ASCII (read as UTF-8)")
    return EncodingGuess("utf-8", True, (), "valid UTF-8")


def _legacy_guess(data: bytes) -> EncodingGuess:
    nul = data.count(0)
    if nul and nul * 4 >= len(data):
        # Text with a NUL in every other byte: UTF-16 without its byte-order mark.
        even = data[0::2].count(0)
        odd = data[1::2].count(0)
        first, second = ("utf-16-le", "utf-16-be") if odd >= even else ("utf-16-be", "utf-16-le")
        return EncodingGuess(
            first, False, (second, *_LEGACY), "UTF-16 without byte-order mark (guessed)"
        )
    data = data[:SCORE_BYTES]
    scores = {enc: _score(data, enc) for enc in _LEGACY}
    runs = [len(m.group()) for m in _HIGH_RUN.finditer(data)]
    single = sum(1 for n in runs if n == 1)
    if runs and single * 10 >= len(runs) * 8:
        # Isolated high bytes between ASCII letters: a Western single-byte code page, not CJK.
        scores["cp1252"] = 2.0
    ranked = sorted(scores, key=lambda enc: -scores[enc])
    best = ranked[0]
    return EncodingGuess(best, False, tuple(ranked[1:]), _REASONS[best])


def _score(data: bytes, encoding: str) -> float:
    """How much ``data`` decoded as ``encoding`` looks like ordinary Chinese text (≤ 1)."""
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(data, final=False)
    good = bad = 0
    common = _common_gb if encoding == "gb18030" else _common_big5
    for ch in text:
        if ch < "\x80":
            continue
        if ch == "\ufffd":
            bad += 5
        elif "\u4e00" <= ch <= "\u9fff":
            if common(ch):
                good += 1
            else:
                bad += 1
        elif "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" or "\u2010" <= ch <= "\u201f":
            good += 1  # CJK and full-width punctuation, quotes, dashes
        else:
            bad += 2  # kana, Greek, Cyrillic, box drawing, private use: mojibake
    total = good + bad
    return (good - bad) / total if total else 0.0


@lru_cache(maxsize=65536)
def _common_gb(ch: str) -> bool:
    """In GB2312 level 1: the 3,755 most used simplified characters."""
    try:
        code = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return 0xB0 <= code[0] <= 0xD7


@lru_cache(maxsize=65536)
def _common_big5(ch: str) -> bool:
    """In Big5 level 1: the 5,401 most used traditional characters."""
    try:
        code = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    return 0xA4 <= code[0] <= 0xC6


def check_encoding(data: bytes, encoding: str) -> EncodingGuess:
    """An EncodingGuess for an encoding the user chose; ImportFileError if it is unknown or the
    start of the file is not valid in it."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ImportFileError(f"Unknown encoding: {encoding}") from None
    if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    if name == "gbk":
        name = "gb18030"  # a superset: the same bytes, plus the characters GBK lacks
    try:
        codecs.getincrementaldecoder(name)().decode(data, final=False)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not valid {encoding}: byte 0x{data[exc.start]:02X} at offset "
            f"{exc.start} cannot be decoded. Choose another encoding."
        ) from None
    return EncodingGuess(name, True, (), "chosen by the user")


# --------------------------------------------------------------------------- open_source


def sniff_format(path: Path, head: bytes) -> Format:
    """The format of a file from its first bytes, else its suffix; ImportFileError if neither."""
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in (
            _read_all_small(path)
        ):
            raise ImportFileError(
                f"{path.name} is password-protected. Open it in Excel, remove the password "
                "(File → Info → Protect Workbook) and save it again."
            )
        raise ImportFileError(
            f"{path.name} is an old Excel 97–2003 file (.xls). Open it in Excel and save it as "
            ".xlsx or .csv."
        )
    if suffix in VCARD_SUFFIXES or _looks_like_vcard(head):
        return "vcard"
    if suffix in XLSX_SUFFIXES:
        raise ImportFileError(f"{path.name} is not an Excel .xlsx file (it is not a zip archive).")
    if suffix in CSV_SUFFIXES or not suffix:
        return "csv"
    if b"\x00" not in head[:4096] or bom_encoding(head):
        return "csv"  # text with an unknown suffix: try it as CSV
    raise ImportFileError(f"{path.name}: unknown file type; choose a .csv, .xlsx or .vcf file.")


def _read_all_small(path: Path, limit: int = 32 * 1024 * 1024) -> bytes:
    with path.open("rb") as f:
        return f.read(limit)


def _looks_like_vcard(head: bytes) -> bool:
    enc = bom_encoding(head)
    text = head.decode(enc, errors="ignore") if enc else head[:200].decode("latin-1")
    return text.lstrip("\ufeff \t\r\n").upper().startswith("BEGIN:VCARD")


def open_source(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> TableSource:
    """Open ``path`` as a table of rows; the format by content, else by suffix.

    ImportFileError with a clear message for an unreadable, unknown or empty file, or an
    encoding (``encoding``) that does not decode it.
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            head = f.read(SAMPLE_BYTES)
    except FileNotFoundError:
        raise ImportFileError(f"File not found: {path}") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a folder, not a file.") from None
    except OSError as exc:
        raise ImportFileError(f"Cannot read {path.name}: {exc.strerror or exc}") from None
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ImportFileError(f"{path.name} is empty.")
    fmt = sniff_format(path, head)
    if fmt == "xlsx":
        from crm_desktop.importers.xlsx_source import XlsxSource

        return XlsxSource(path, sheet=sheet)
    if fmt == "vcard":
        from crm_desktop.importers.vcard_source import VcardSource

        return VcardSource(path, head, encoding=encoding)
    from crm_desktop.importers.csv_source import CsvSource

    return CsvSource(path, head, encoding=encoding, delimiter=delimiter)


def resolve_encoding(path: Path, head: bytes, encoding: str | None) -> EncodingGuess:
    """The encoding to read ``path`` with: the user's choice checked, else detected (a UTF-8
    guess made on the head is confirmed over the whole file, cheaply)."""
    if encoding:
        return check_encoding(head, encoding)
    guess = detect_encoding(head)
    if guess.encoding in ("utf-8", "utf-8-sig") and len(head) >= SAMPLE_BYTES:
        bad = _first_invalid_utf8(path)
        if bad is not None:
            legacy = _legacy_guess(bad)
            return EncodingGuess(
                legacy.encoding,
                False,
                ("utf-8", *legacy.candidates),
                legacy.reason + "; not UTF-8 further down",
            )
    return guess


def _first_invalid_utf8(path: Path) -> bytes | None:
    """The chunk holding the first invalid UTF-8 byte of the file, or None if it is all valid."""
    dec = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as exc:
                return chunk[max(0, exc.start - 4096) : exc.start + SAMPLE_BYTES]
    return None
