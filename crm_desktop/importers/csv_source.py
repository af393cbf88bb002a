"""The CSV reader: encoding and delimiter detection, header row, and a streaming row iterator
that turns broken quotes and oversized fields into per-row problems instead of failing."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter, deque
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import IO

from crm_desktop.core.errors import ImportFileError
from crm_desktop.importers.source import (
    MAX_FIELD,
    MAX_ROWS,
    SAMPLE_BYTES,
    EncodingGuess,
    Format,
    SourceRow,
    reader_problem,
    resolve_encoding,
)

DELIMITERS = (",", "\t", ";", "|")
BLOCK = 1 << 16  # characters decoded and split into lines at a time
# A physical line longer than this is not parsed (memory stays bounded without line breaks).
MAX_RECORD = 10 * MAX_FIELD
# Recent lines kept (characters) to look at a multi-line or broken record again.
WINDOW = 4 * MAX_FIELD
HEADER_SCAN = 10  # the header is among the first records
WIDTH_SCAN = 200  # records after the header looked at for the number of columns
_NEVER = 1 << 62

# States of the little quote scanner used to find the end of a broken record.
_START, _FIELD, _QUOTED, _QUOTE_IN_QUOTED, _END = range(5)

# str.splitlines also breaks at these; csv must not see them as line ends.
_ODD_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


class _RecordTooLong(Exception):
    """A physical line longer than MAX_RECORD characters."""


def _split(text: str) -> list[str]:
    """``text`` in lines, each with its line break (\n, \r\n or \r) as csv expects them."""
    if not any(c in text for c in _ODD_BREAKS):  # (faster than a regex on CJK text)
        return text.splitlines(keepends=True)
    return _LINES.findall(text)


def _count_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


@dataclass(eq=False)
class _Feed:
    """The line feeder's notes for the row loop: the recent lines by number (0-based physical
    line index), and the lines that need a closer look (too long, undecodable bytes)."""

    window: deque[tuple[int, list[str]]] = field(default_factory=deque)
    window_chars: int = 0
    lines: int = 0  # lines handed out so far
    flagged: deque[int] = field(default_factory=deque)
    next_flag: int = _NEVER  # the first flagged line not yet looked at
    eof: bool = False
    long_line: str = ""  # the over-long line that stopped the feed

    def register(self, lines: list[str], chars: int) -> None:
        self.window.append((self.lines, lines))
        self.lines += len(lines)
        self.window_chars += chars
        while self.window_chars > WINDOW and len(self.window) > 2:
            _start, old = self.window.popleft()
            self.window_chars -= sum(map(len, old))

    def flag(self, index: int) -> None:
        self.flagged.append(index)
        if self.next_flag == _NEVER:
            self.next_flag = index

    def unflag(self, upto: int) -> None:
        """Forget the flags of lines before ``upto``."""
        flagged = self.flagged
        while flagged and flagged[0] < upto:
            flagged.popleft()
        self.next_flag = flagged[0] if flagged else _NEVER

    def text(self, start: int, stop: int) -> list[str] | None:
        """Lines ``start`` … ``stop - 1``; None when they are no longer kept."""
        out: list[str] = []
        for first, lines in self.window:
            if first + len(lines) <= start:
                continue
            if first >= stop:
                break
            out.extend(lines[max(start - first, 0) : stop - first])
        return out if len(out) == stop - start else None


def _blocks(f: IO[str], st: _Feed, prefix: str = "") -> Iterator[list[str]]:
    """The lines of ``f`` (after ``prefix``), a block of lines at a time; each block is
    registered in ``st`` before csv sees it."""
    read = f.read
    carry = prefix
    while True:
        chunk = read(BLOCK)
        if not chunk:
            if carry:
                st.register([carry], len(carry))
                if len(carry) > MAX_FIELD or "\ufffd" in carry:
                    st.flag(st.lines - 1)
                yield [carry]
            st.eof = True
            st.register([""], 0)
            yield [""]  # csv ends a record left open by the file's end; the row loop sees it
            return
        carried = bool(carry)
        if carried:
            chunk = carry + chunk
        lines = _split(chunk)
        last = lines[-1]
        if last.endswith("\n"):
            carry = ""
        else:  # an unfinished line (or a \r whose \n may follow): keep it for the next block
            carry = lines.pop()
            if len(carry) > MAX_RECORD:
                st.long_line = carry
                raise _RecordTooLong
        if not lines:
            continue
        first = st.lines
        st.register(lines, len(chunk) - len(carry))
        if carried and len(lines[0]) > MAX_FIELD:  # only a carried line can be that long
            st.flag(first)
        if "\ufffd" in chunk:
            for i, line in enumerate(lines):
                if len(line) > MAX_FIELD or "\ufffd" in line:
                    st.flag(first + i)
        yield lines


def _scan(state: int, text: str, delimiter: str, stop: re.Pattern[str]) -> tuple[int, int]:
    """The quote state after ``text``, read as csv does (quote doubling, lenient), and the
    index just after the unquoted line break that ends the record (state _END), if any."""
    i, n = 0, len(text)
    while i < n:
        if state == _QUOTED:
            j = text.find('"', i)
            if j < 0:
                return _QUOTED, n
            state, i = _QUOTE_IN_QUOTED, j + 1
        elif state == _FIELD:
            m = stop.search(text, i)
            if m is None:
                return _FIELD, n
            if m.group() == delimiter:
                state, i = _START, m.end()
            else:
                return _END, _after_break(text, m.start())
        else:
            c = text[i]
            if c == '"':
                state, i = _QUOTED, i + 1
            elif c == delimiter:
                state, i = _START, i + 1
            elif c in "\r\n":
                return _END, _after_break(text, i)
            else:
                state = _FIELD
    return state, n


def _after_break(text: str, i: int) -> int:
    return i + 2 if text.startswith("\r\n", i) else i + 1


def _stop_pattern(delimiter: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(delimiter) + "\r\n]")


def _trimmed_len(values: list[str]) -> int:
    n = len(values)
    while n and not values[n - 1].strip():
        n -= 1
    return n


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample lines into the most consistent number (> 1) of
    fields; comma when none does."""
    best: tuple[int, float, int] = (0, 0.0, 0)
    chosen = ","
    text = lines[:60]
    for delimiter in DELIMITERS:
        try:
            records = [r for r in csv.reader(text, delimiter=delimiter) if any(r)]
        except csv.Error:
            continue
        counts = [len(r) for r in records[:40]]
        if not counts:
            continue
        modal, hits = Counter(counts).most_common(1)[0]
        score = (int(modal > 1), hits / len(counts), modal)
        if score > best:
            best, chosen = score, delimiter
    return chosen


class CsvSource:
    """A CSV (or TSV, semicolon- or pipe-separated) file as a TableSource."""

    format: Format = "csv"
    sheets: tuple[str, ...] = ()
    sheet: str | None = None

    def __init__(
        self,
        path: Path,
        head: bytes,
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
    ) -> None:
        self.path = path
        self.encoding: EncodingGuess | None = resolve_encoding(path, head, encoding)
        enc = self._codec = self.encoding.encoding
        self._size = path.stat().st_size
        truncated = len(head) >= SAMPLE_BYTES
        text = codecs.getincrementaldecoder(enc)(errors="replace").decode(head, final=False)
        if enc in ("utf-8", "utf-16", "utf-32") and text.startswith("\ufeff"):
            text = text[1:]
        lines = _split(text)  # as the rows loop splits them
        if truncated and len(lines) > 1:
            lines.pop()  # probably cut short
        self._sample_lines = len(lines)
        if delimiter is not None and delimiter not in DELIMITERS:
            raise ImportFileError(
                f"Unsupported delimiter {delimiter!r}; use comma, semicolon, tab or |."
            )
        self.delimiter: str | None = delimiter or sniff_delimiter(lines)
        records: list[list[str]] = []
        try:
            for rec in csv.reader(lines, delimiter=self.delimiter):
                records.append(rec)
                if len(records) >= HEADER_SCAN + WIDTH_SCAN:
                    break
        except csv.Error:
            pass  # a broken record in the sample: the rows loop reports it
        if not any(any(v.strip() for v in r) for r in records):
            raise ImportFileError(f"{path.name} has no rows.")
        header_index = next(
            (i for i, r in enumerate(records[:HEADER_SCAN]) if sum(1 for v in r if v.strip()) >= 2),
            next(i for i, r in enumerate(records) if any(v.strip() for v in r)),
        )
        self.header_row: int = header_index + 1
        header = [v.strip() for v in records[header_index]]
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:].strip()
        width = max(
            [_trimmed_len(header)]
            + [_trimmed_len(r) for r in records[header_index + 1 : header_index + 1 + WIDTH_SCAN]]
        )
        self.headers: tuple[str, ...] = tuple((header + [""] * width)[:width])
        self._sample_data = 0
        if not truncated:  # the whole file is in the sample: count its rows (≤ 256 KB)
            try:
                self._sample_data = sum(
                    1 for r in csv.reader(lines, delimiter=self.delimiter) if any(r)
                ) - sum(1 for r in records[: header_index + 1] if any(r))
            except csv.Error:
                self._sample_data = len(lines) - self.header_row

    # ------------------------------------------------------------------ TableSource

    def preview(self, n: int = 20) -> list[SourceRow]:
        out: list[SourceRow] = []
        if n <= 0:
            return out
        with closing(self.rows()) as rows:
            for row in rows:
                out.append(row)
                if len(out) >= n:
                    break
        return out

    def count_hint(self) -> int | None:
        if self._size <= SAMPLE_BYTES:
            return max(self._sample_data, 0)
        if self._sample_lines == 0:
            return None
        # lines per byte in the sample, extrapolated (multi-line fields make it an over-estimate)
        return max(int(self._size * self._sample_lines / SAMPLE_BYTES) - self.header_row, 0)

    def rows(self) -> Generator[SourceRow, None, None]:
        return self._rows()

    # ------------------------------------------------------------------ internals

    def _text(self, raw: IO[bytes]) -> io.TextIOWrapper:
        return io.TextIOWrapper(raw, encoding=self._codec, errors="replace", newline="")

    def _rows(self) -> Generator[SourceRow, None, None]:
        # One generator (not a "with" around a "yield from"): it is the hot loop.
        raw = self.path.open("rb")
        try:
            f = self._text(raw)
            assert self.delimiter is not None
            delimiter = self.delimiter
            stop = _stop_pattern(delimiter)
            width = len(self.headers)
            pad = (None,) * width
            header_row = self.header_row
            st = _Feed()
            lines: Iterator[str] = chain.from_iterable(_blocks(f, st))
            base = 0  # physical lines before the current reader's first line
            rowno = 0
            data_rows = 0
            while True:
                reader = csv.reader(lines, delimiter=delimiter)
                prev = 0  # reader.line_num after the last record taken
                try:
                    for rec in reader:
                        rowno += 1
                        ln = reader.line_num
                        if ln - prev != 1 or base + ln > st.next_flag:
                            start, end = base + prev, base + ln
                            problem, again = self._check(rec, st, start, end, width, stop)
                            st.unflag(end)
                            prev = ln
                            if again is not None:
                                # A quote left open: the record's first line is the broken row,
                                # the lines it swallowed are read again.
                                if rowno > header_row:
                                    yield SourceRow(rowno, (), problem)
                                lines = chain(again, lines)
                                base = start + 1
                                break
                            if problem is not None:
                                if rowno > header_row:
                                    values = tuple(rec[:width]) + pad[len(rec) :]
                                    yield SourceRow(rowno, values, problem)
                                continue
                        prev = ln
                        if rowno <= header_row:
                            continue
                        n = len(rec)
                        if n == width:
                            values = tuple(rec)
                        elif n < width:
                            if not n or (not rec[0] and not any(rec)):
                                continue  # a blank line
                            values = tuple(rec) + pad[n:]
                        else:
                            values = tuple(rec[:width])
                            if any(v.strip() for v in rec[width:]):
                                yield SourceRow(
                                    rowno,
                                    values,
                                    reader_problem("too_many_values", n=n, width=width),
                                )
                                continue
                        data_rows += 1
                        if data_rows > MAX_ROWS:
                            yield SourceRow(
                                rowno, (), reader_problem("too_many_rows", limit=MAX_ROWS)
                            )
                            return
                        yield SourceRow(rowno, values)
                    else:
                        return  # end of file
                except csv.Error:
                    # A field over csv's own limit: read on (by quote state) to the record's end.
                    rowno += 1
                    start, end = base + prev, base + reader.line_num
                    state = _START
                    for text in st.text(start, end) or ():
                        state = _scan(state, text, delimiter, stop)[0]
                    taken = 0
                    while state != _END:
                        line = next(lines, None)
                        if line is None:
                            break
                        taken += 1
                        state = _scan(state, line, delimiter, stop)[0]
                    if st.eof and state == _QUOTED:
                        f, st, lines = self._reread(f, raw, start + 1)
                        problem, base = _UNCLOSED, start + 1
                    else:
                        problem, base = _TOO_LONG, end + taken
                        st.unflag(base)
                    if rowno > header_row:
                        yield SourceRow(rowno, (), problem)
                except _RecordTooLong:
                    # A line without end in sight: skip it (by quote state) straight from the file.
                    rowno += 1
                    start = base + prev
                    state = _START
                    for text in [*(st.text(start, st.lines) or ()), st.long_line]:
                        state = _scan(state, text, delimiter, stop)[0]
                    st.long_line = ""
                    skipped = 0
                    rest = ""
                    while state != _END:
                        chunk = f.read(BLOCK)
                        if not chunk:
                            break
                        state, pos = _scan(state, chunk, delimiter, stop)
                        skipped += _count_breaks(chunk[:pos])
                        rest = chunk[pos:]
                    if state == _QUOTED:
                        f, st, lines = self._reread(f, raw, start + 1)
                        problem, base = _UNCLOSED, start + 1
                    else:
                        problem = reader_problem("line_too_long", limit=MAX_RECORD)
                        st.lines += skipped if state == _END else skipped + 1
                        base = st.lines
                        lines = chain.from_iterable(_blocks(f, st, rest))
                    if rowno > header_row:
                        yield SourceRow(rowno, (), problem)
        finally:
            raw.close()

    def _reread(
        self, f: io.TextIOWrapper, raw: IO[bytes], skip: int
    ) -> tuple[io.TextIOWrapper, _Feed, Iterator[str]]:
        """The file from its start again, past its first ``skip`` lines."""
        f.detach()  # else the old wrapper closes the file when it is collected
        raw.seek(0)
        g = self._text(raw)
        st = _Feed()
        lines = chain.from_iterable(_blocks(g, st))
        for _ in islice(lines, skip):
            pass
        st.unflag(skip)
        return g, st, lines

    def _check(
        self,
        rec: list[str],
        st: _Feed,
        start: int,
        end: int,
        width: int,
        stop: re.Pattern[str],
    ) -> tuple[str | None, list[str] | None]:
        """The problem of a record that spans lines, has a long line or a bad byte, and the
        lines to read again when a quote in its first line is never closed."""
        longest = max((len(v) for v in rec), default=0)
        if longest > MAX_FIELD:
            return (
                reader_problem("field_too_long_n", limit=MAX_FIELD, length=longest),
                None,
            )
        if end - start > 1:
            text = st.text(start, end)
            if text is not None:
                assert self.delimiter is not None
                state = _START
                for x in text:
                    state = _scan(state, x, self.delimiter, stop)[0]
                if st.eof and state == _QUOTED:
                    return _UNCLOSED, [x for x in text[1:] if x]
                if len(rec) > width and any(v.strip() for v in rec[width:]):
                    return (
                        reader_problem("too_many_values_quote", n=len(rec), width=width),
                        [x for x in text[1:] if x],
                    )
        if any("\ufffd" in v for v in rec):
            return reader_problem("bad_bytes", codec=self._codec), None
        return None, None


_UNCLOSED = reader_problem("unclosed_quote")
_TOO_LONG = reader_problem("field_too_long", limit=MAX_FIELD)
