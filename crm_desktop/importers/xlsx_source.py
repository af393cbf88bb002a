"""The XLSX reader (openpyxl, read-only): first or chosen sheet, header row detection, cell
values as typed."""

from __future__ import annotations

import zipfile
from collections.abc import Generator
from contextlib import closing
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_desktop.core.errors import ImportFileError
from crm_desktop.importers.source import (
    MAX_ROWS,
    EncodingGuess,
    Format,
    SourceRow,
    Value,
    reader_problem,
)

HEADER_SCAN = 10
WIDTH_SCAN = 200

if TYPE_CHECKING:  # openpyxl is imported lazily
    from openpyxl.workbook.workbook import Workbook


def _open_workbook(path: Path) -> Workbook:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException):
        raise ImportFileError(f"{path.name} is not an Excel .xlsx file.") from None
    except KeyError:
        raise ImportFileError(
            f"{path.name} is a zip archive but not an Excel workbook (no workbook part)."
        ) from None
    except OSError as exc:
        raise ImportFileError(f"Cannot read {path.name}: {exc.strerror or exc}") from None
    except Exception as exc:  # openpyxl raises many kinds on damaged XML
        raise ImportFileError(f"{path.name} is damaged and cannot be read ({exc}).") from None


def cell_value(value: Any) -> Value:
    """A cell value as the readers hand it on: numbers and dates as typed (a date-time at
    midnight is a date), times as text."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date()
        return value
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _filled(values: tuple[Any, ...]) -> int:
    return sum(1 for v in values if v is not None and (not isinstance(v, str) or v.strip()))


def _trimmed_len(values: tuple[Any, ...]) -> int:
    n = len(values)
    while n and (
        values[n - 1] is None or (isinstance(values[n - 1], str) and not values[n - 1].strip())
    ):
        n -= 1
    return n


class XlsxSource:
    """One worksheet of an .xlsx/.xlsm workbook as a TableSource."""

    format: Format = "xlsx"
    encoding: EncodingGuess | None = None
    delimiter: str | None = None

    def __init__(self, path: Path, *, sheet: str | None = None) -> None:
        self.path = path
        wb = _open_workbook(path)
        try:
            self.sheets: tuple[str, ...] = tuple(ws.title for ws in wb.worksheets)
            if not self.sheets:
                raise ImportFileError(f"{path.name} has no worksheets.")
            if sheet is None:
                sheet = self.sheets[0]
            elif sheet not in self.sheets:
                raise ImportFileError(
                    f"{path.name} has no sheet named {sheet!r}; its sheets: "
                    + ", ".join(self.sheets)
                )
            self.sheet: str | None = sheet
            self._sheet = sheet
            ws = wb[sheet]
            max_row = ws.max_row
            head: list[tuple[Any, ...]] = []
            for values in ws.iter_rows(values_only=True):
                head.append(tuple(values))
                if len(head) >= HEADER_SCAN + WIDTH_SCAN:
                    break
        finally:
            wb.close()
        text_rows = [
            i
            for i, r in enumerate(head[:HEADER_SCAN])
            if sum(1 for v in r if isinstance(v, str) and v.strip()) >= 2
        ]
        filled = [i for i, r in enumerate(head) if _filled(r)]
        if not filled:
            raise ImportFileError(f"Sheet {sheet!r} of {path.name} is empty.")
        index = text_rows[0] if text_rows else filled[0]
        self.header_row: int = index + 1
        width = max(_trimmed_len(r) for r in head[index : index + 1 + WIDTH_SCAN])
        header = [_text(v) for v in head[index]]
        self.headers: tuple[str, ...] = tuple((header + [""] * width)[:width])
        self._count = (max_row - self.header_row) if max_row else None

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
        return self._count

    def rows(self) -> Generator[SourceRow, None, None]:
        width = len(self.headers)
        pad: tuple[Value, ...] = (None,) * width
        wb = _open_workbook(self.path)
        try:
            ws = wb[self._sheet]
            rowno = self.header_row
            data_rows = 0
            for raw in ws.iter_rows(min_row=self.header_row + 1, values_only=True):
                rowno += 1
                if not _filled(raw):
                    continue
                values = tuple(cell_value(v) for v in raw[:width])
                if len(values) < width:
                    values += pad[len(values) :]
                data_rows += 1
                if data_rows > MAX_ROWS:
                    yield SourceRow(rowno, (), reader_problem("too_many_rows", limit=MAX_ROWS))
                    return
                if len(raw) > width and _filled(raw[width:]):
                    yield SourceRow(
                        rowno,
                        values,
                        reader_problem("beyond_columns", width=width),
                    )
                    continue
                yield SourceRow(rowno, values)
        finally:
            wb.close()
