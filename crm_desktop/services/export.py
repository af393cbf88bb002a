"""Exporting customers to CSV or XLSX (DESIGN §9, issue 8): the customers of a filter or a
selection that the actor may see, chosen columns with localized headers, optionally one row per
contact; cells that a spreadsheet would run as a formula are escaped; refused without the export
permission; one audit row per export; the file appears complete or not at all.

Memory stays bounded at a million rows: only the ordered ids of the export are held (8 bytes a
row, what the list model holds too); rows are read by primary key in chunks of ``CHUNK`` and
streamed to the file (CSV row by row, XLSX through openpyxl's write-only workbook, which
spools each sheet to disk). Reading by id chunks rather than by keyset pages on the sort key
keeps the cost linear: a keyset page on an unindexed sort key (owner, region, next follow-up)
is a top-N sort of the whole filter for every page.

Two steps, so that the long part takes no write lock: ``write_export`` reads (a read session)
and writes a temporary file beside the target; ``finish_export`` writes the audit row and
renames the file in a short write transaction. ``export_customers`` does both in one session.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any, Literal, Protocol, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, aliased

from crm_desktop.core.errors import PermissionDenied, UserError, ValidationError
from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.db.models import AppUser, Contact, Customer, Grade, Region
from crm_desktop.importers.mapping import FIELDS
from crm_desktop.services import audit
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_list import CustomerFilter, SortSpec, filtered_ids
from crm_desktop.services.customers import split_tags, visible_clause
from crm_desktop.services.reports import can_output_reports

__all__ = [
    "CONTACT_COLUMNS",
    "DEFAULT_COLUMNS",
    "EXPORT_COLUMNS",
    "EXPORT_FORMATS",
    "ExportDraft",
    "ExportFormat",
    "ExportResult",
    "can_export_customers",
    "column_label",
    "columns_from_text",
    "default_file_name",
    "discard_export",
    "escape_cell",
    "export_customers",
    "export_format",
    "finish_export",
    "require_export_permission",
    "write_export",
]

ExportFormat = Literal["csv", "xlsx"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "xlsx")

# The importable fields (importers.mapping.FIELDS), so an exported file imports back, plus the
# id and the follow-up dates.
EXPORT_COLUMNS: tuple[str, ...] = (
    "customer.id",
    *(f for f in FIELDS if f.startswith("customer.")),
    "customer.last_followup_at",
    "customer.next_followup_at",
)
DEFAULT_COLUMNS: tuple[str, ...] = (
    "customer.name",
    "customer.grade",
    "customer.region",
    "customer.owner",
    "customer.status",
    "customer.phone",
    "customer.email",
    "customer.address",
)
# With ``contacts=True`` these follow the customer columns, one row per contact.
CONTACT_COLUMNS: tuple[str, ...] = tuple(f for f in FIELDS if f.startswith("contact."))

CHUNK = 500  # customers read per query
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_576  # a worksheet's limit, header included; more continue on a new sheet
XLSX_ERROR_CODES = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")
)

# Header labels (zh_CN, en). The Chinese ones are what the importer's header guessing knows, so
# an exported file imports back.
_LABELS: dict[str, tuple[str, str]] = {
    "customer.id": ("客户编号", "Customer ID"),
    "customer.name": ("客户名称", "Customer name"),
    "customer.kind": ("类型", "Kind"),
    "customer.grade": ("客户等级", "Grade"),
    "customer.region": ("区域", "Region"),
    "customer.owner": ("负责人", "Owner"),
    "customer.status": ("状态", "Status"),
    "customer.industry": ("行业", "Industry"),
    "customer.source": ("客户来源", "Source"),
    "customer.phone": ("电话", "Phone"),
    "customer.email": ("邮箱", "Email"),
    "customer.website": ("网址", "Website"),
    "customer.address": ("地址", "Address"),
    "customer.tags": ("标签", "Tags"),
    "customer.notes": ("备注", "Notes"),
    "customer.last_followup_at": ("最近跟进", "Last follow-up"),
    "customer.next_followup_at": ("下次跟进", "Next follow-up"),
    "contact.name": ("联系人", "Contact"),
    "contact.title": ("职位", "Title"),
    "contact.department": ("部门", "Department"),
    "contact.mobile": ("手机", "Mobile"),
    "contact.phone": ("联系人电话", "Contact phone"),
    "contact.email": ("联系人邮箱", "Contact email"),
    "contact.wechat": ("微信", "WeChat"),
    "contact.birthday": ("生日", "Birthday"),
    "contact.notes": ("联系人备注", "Contact notes"),
}
_VALUES: dict[str, tuple[str, str]] = {
    "kind.company": ("公司", "Company"),
    "kind.individual": ("个人", "Individual"),
    "status.prospect": ("潜在", "Prospect"),
    "status.active": ("活跃", "Active"),
    "status.dormant": ("沉睡", "Dormant"),
    "status.lost": ("流失", "Lost"),
    "source.visit": ("陌拜", "Visit"),
    "source.exhibition": ("展会", "Exhibition"),
    "source.email_campaign": ("邮件营销", "Email campaign"),
    "source.website": ("网站", "Website"),
    "source.phone": ("电话", "Phone"),
    "source.referral": ("转介绍", "Referral"),
    "source.other": ("其他", "Other"),
}
_SHEET_TITLE = ("客户", "Customers")
_FILE_BASE = ("客户", "customers")

_Owner = aliased(AppUser, name="export_owner")
# key → the SELECT expression of a customer column
_CUSTOMER_SQL: dict[str, Any] = {
    "customer.id": Customer.id,
    "customer.name": Customer.name,
    "customer.kind": Customer.kind,
    "customer.grade": Grade.code,
    "customer.region": Region.name,
    "customer.owner": _Owner.display_name,
    "customer.status": Customer.status,
    "customer.industry": Customer.industry,
    "customer.source": Customer.source,
    "customer.phone": Customer.phone,
    "customer.email": Customer.email,
    "customer.website": Customer.website,
    "customer.address": Customer.address,
    "customer.tags": Customer.tags,
    "customer.notes": Customer.notes,
    "customer.last_followup_at": Customer.last_followup_at,
    "customer.next_followup_at": Customer.next_followup_at,
}
_CONTACT_SQL: dict[str, Any] = {
    "contact.name": Contact.name,
    "contact.title": Contact.title,
    "contact.department": Contact.department,
    "contact.mobile": Contact.mobile,
    "contact.phone": Contact.phone,
    "contact.email": Contact.email,
    "contact.wechat": Contact.wechat,
    "contact.birthday": Contact.birthday,
    "contact.notes": Contact.notes,
}
_ENUM_PREFIX = {"customer.kind": "kind", "customer.status": "status", "customer.source": "source"}

Cell = str | int | date | datetime | None


# =========================================================================== DTOs


@dataclass(frozen=True)
class ExportDraft:
    """A written temporary file waiting for ``finish_export`` (or ``discard_export``)."""

    target: Path
    temp: Path
    format: ExportFormat
    columns: tuple[str, ...]  # the customer columns, then CONTACT_COLUMNS with contacts
    contacts: bool
    rows: int  # data rows, the header not counted
    customers: int
    contact_rows: int  # rows that show a contact
    selected: int | None  # how many ids the caller gave (a selection), None for a filter
    started: float  # time.perf_counter() at the start


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: ExportFormat
    rows: int
    customers: int
    contact_rows: int
    columns: tuple[str, ...]
    elapsed_ms: int

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "format": self.format,
            "rows": self.rows,
            "customers": self.customers,
            "contacts": self.contact_rows,
            "columns": list(self.columns),
            "elapsed_ms": self.elapsed_ms,
        }


# =========================================================================== small helpers


def escape_cell(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would take it as a formula (it starts
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) — CSV injection. A phone
    number written "+86 138…" is escaped too, on purpose: the issue asks for every such cell."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def column_label(key: str, language: str = "zh_CN") -> str:
    """The header of column ``key`` in ``language`` ("zh_CN" or "en")."""
    zh, en = _LABELS[key]
    return zh if language == "zh_CN" else en


def default_file_name(fmt: ExportFormat, language: str, today: date | None = None) -> str:
    """A file name like "客户-2026-11-23.xlsx" (English: "customers-2026-11-23.xlsx")."""
    zh, en = _FILE_BASE
    day = (today or date.today()).isoformat()
    return f"{zh if language == 'zh_CN' else en}-{day}.{fmt}"


def export_format(path: Path | str) -> ExportFormat:
    """The format a file name asks for: .csv or .xlsx; anything else is a ValidationError."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    raise ValidationError(
        f"Cannot export to {Path(path).name!r}: the file name must end in .csv or .xlsx",
        {"path": "unknown format"},
    )


def can_export_customers(session: Session, actor: Actor) -> bool:
    """Whether ``actor`` may export (DESIGN §3: the export permission — ``app_user.can_export``,
    managers and admins by default). In Shared mode the database decides (``crm_can_export()``),
    whatever the actor object claims."""
    return can_output_reports(session, actor)


def require_export_permission(session: Session, actor: Actor) -> None:
    if not can_export_customers(session, actor):
        raise PermissionDenied(
            "You may not export customers; ask an administrator for the export permission"
        )


def _check_columns(columns: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(columns))
    if not chosen:
        raise ValidationError("Choose at least one column to export", {"columns": "empty"})
    unknown = [c for c in chosen if c not in EXPORT_COLUMNS]
    if unknown:
        raise ValidationError(
            f"Unknown export column {unknown[0]!r} (known: {', '.join(EXPORT_COLUMNS)})",
            {"columns": "unknown"},
        )
    return chosen


def _zone(timezone: str | None) -> tzinfo | None:
    if timezone is None:
        return None  # this computer's
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Unknown time zone {timezone!r}", {"timezone": "unknown"}) from exc


# =========================================================================== writers


class _Writer(Protocol):
    def write(self, values: Sequence[Cell]) -> None: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


class _CsvWriter:
    """UTF-8 with a byte-order mark (so Excel reads Chinese right), CRLF, minimal quoting."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self._file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._csv = csv.writer(self._file)
        self._csv.writerow([escape_cell(h) for h in header])

    def write(self, values: Sequence[Cell]) -> None:
        self._csv.writerow([_csv_text(v) for v in values])

    def close(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def abort(self) -> None:
        self._file.close()


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return escape_cell(value)


class _XlsxWriter:
    """openpyxl's write-only workbook: rows stream to a temporary XML file per sheet; a sheet
    that is full continues on the next one, header repeated. Strings are written as strings
    (escaped first), so no cell ever becomes a formula or an error value."""

    def __init__(
        self,
        path: Path,
        header: Sequence[str],
        title: str,
        widths: Sequence[float],
        *,
        max_rows: int = XLSX_MAX_ROWS,
    ) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self._path = path
        self._header = list(header)
        self._title = title
        self._widths = list(widths)
        self._max_rows = max_rows
        self._workbook = Workbook(write_only=True)
        self._cell_type = WriteOnlyCell
        self._bold = Font(bold=True)
        self._sheet: Any = None
        self._sheets = 0
        self._rows_in_sheet = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        from openpyxl.utils import get_column_letter

        self._sheets += 1
        title = self._title if self._sheets == 1 else f"{self._title} {self._sheets}"
        sheet = self._workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        for index, width in enumerate(self._widths, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        header = []
        for text in self._header:
            cell = self._cell_type(sheet, value=escape_cell(text))
            cell.data_type = "s"
            cell.font = self._bold
            header.append(cell)
        sheet.append(header)
        self._sheet = sheet
        self._rows_in_sheet = 1

    def write(self, values: Sequence[Cell]) -> None:
        if self._rows_in_sheet >= self._max_rows:
            self._new_sheet()
        self._sheet.append([self._cell(v) for v in values])
        self._rows_in_sheet += 1

    def _cell(self, value: Cell) -> Any:
        if not isinstance(value, str):
            return value  # numbers, dates and empty cells as they are
        text = _xlsx_text(value)
        if text in XLSX_ERROR_CODES:
            # openpyxl would write "#N/A" as an error value: a string it is.
            cell = self._cell_type(self._sheet, value=text)
            cell.data_type = "s"
            return cell
        return text

    def close(self) -> None:
        self._workbook.save(self._path)

    def abort(self) -> None:
        # The spooled sheets live in the system's temp folder until openpyxl's exit handler;
        # a cancelled million-row export must not leave them there that long.
        for sheet in self._workbook.worksheets:
            writer = getattr(sheet, "_writer", None)
            if writer is None:
                continue
            try:
                rows = getattr(sheet, "_rows", None)
                if rows is not None:
                    rows.close()  # ends the sheet's row generator while its file is open
                writer.close()
                writer.cleanup()
            except (OSError, ValueError, RuntimeError):
                pass


def _xlsx_text(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # Control characters are not allowed in the XML of a worksheet (openpyxl refuses them);
    # they carry nothing a reader needs.
    return escape_cell(ILLEGAL_CHARACTERS_RE.sub("", value))


def _column_width(key: str) -> float:
    if key in ("customer.name", "customer.address", "customer.notes", "contact.notes"):
        return 36.0
    if key in ("customer.email", "contact.email", "customer.website"):
        return 28.0
    if key.endswith("_at"):
        return 18.0
    if key in ("customer.phone", "contact.phone", "contact.mobile", "customer.tags"):
        return 18.0
    return 12.0


# =========================================================================== reading


def _export_ids(
    session: Session,
    actor: Actor,
    flt: CustomerFilter | None,
    ids: Sequence[int] | None,
    sort: SortSpec,
) -> Sequence[int]:
    """The ids to export, in order: a filter's in ``sort`` order (the list's), a selection's as
    given (checked for visibility chunk by chunk while reading)."""
    if ids is None:
        return filtered_ids(session, flt or CustomerFilter(), sort, actor)
    if flt is not None:
        return filtered_ids(session, replace(flt, ids_subset=list(ids)), sort, actor)
    return list(dict.fromkeys(int(i) for i in ids))


def _customer_select(columns: Sequence[str]) -> Select[Any]:
    stmt = select(Customer.id, *(_CUSTOMER_SQL[c] for c in columns))
    if "customer.grade" in columns:
        stmt = stmt.outerjoin(Grade, Grade.id == Customer.grade_id)
    if "customer.region" in columns:
        stmt = stmt.outerjoin(Region, Region.id == Customer.region_id)
    if "customer.owner" in columns:
        stmt = stmt.outerjoin(_Owner, _Owner.id == Customer.owner_id)
    return stmt


def _chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield [int(i) for i in ids[start : start + size]]


def _value(key: str, raw: Any, language: str, zone: tzinfo | None) -> Cell:
    if raw is None:
        return None
    prefix = _ENUM_PREFIX.get(key)
    if prefix is not None:
        pair = _VALUES.get(f"{prefix}.{raw}")
        return raw if pair is None else pair[0] if language == "zh_CN" else pair[1]
    if key == "customer.tags":
        return ", ".join(split_tags(raw)) or None
    if isinstance(raw, datetime):
        # Shown in the reader's time zone, without one attached (spreadsheets have none).
        return raw.astimezone(zone).replace(tzinfo=None)
    if isinstance(raw, (int, date)):
        return cast("Cell", raw)
    return str(raw)


def _rows(
    session: Session,
    actor: Actor,
    ids: Sequence[int],
    columns: Sequence[str],
    *,
    contacts: bool,
    include_deleted: bool,
    language: str,
    zone: tzinfo | None,
    progress: Progress,
) -> Iterator[tuple[list[Cell], bool, bool]]:
    """(row values, first row of its customer, shows a contact) for every row, in order."""
    stmt = _customer_select(columns)
    where: list[ColumnElement[bool]] = []
    if not include_deleted:
        where.append(Customer.deleted_at.is_(None))
    if not actor.is_admin:
        where.append(visible_clause(actor))
    contact_stmt = (
        select(Contact.customer_id, *_CONTACT_SQL.values())
        .where(Contact.deleted_at.is_(None))
        .order_by(Contact.customer_id, Contact.is_primary.desc(), Contact.id)
    )
    empty_contact: list[Cell] = [None] * len(CONTACT_COLUMNS)
    done = 0
    total = len(ids)
    progress.report(0, total)
    for chunk in _chunks(ids, CHUNK):
        progress.check_cancelled()
        found = {
            row[0]: [_value(k, v, language, zone) for k, v in zip(columns, row[1:], strict=True)]
            for row in session.execute(stmt.where(Customer.id.in_(chunk), *where))
        }
        people: dict[int, list[list[Cell]]] = {}
        if contacts and found:
            for row in session.execute(contact_stmt.where(Contact.customer_id.in_(list(found)))):
                people.setdefault(row[0], []).append(
                    [
                        _value(k, v, language, zone)
                        for k, v in zip(CONTACT_COLUMNS, row[1:], strict=True)
                    ]
                )
        for cid in chunk:
            values = found.get(cid)
            if values is None:
                continue  # gone meanwhile, or not the actor's to see
            if not contacts:
                yield values, True, False
                continue
            persons = people.get(cid)
            if not persons:
                yield values + empty_contact, True, False
                continue
            for n, person in enumerate(persons):
                yield values + person, n == 0, True
        done += len(chunk)
        progress.report(done, total)


# =========================================================================== the export


def write_export(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    filter: CustomerFilter | None = None,
    ids: Sequence[int] | None = None,
    sort: SortSpec | None = None,
    columns: Sequence[str] = DEFAULT_COLUMNS,
    contacts: bool = False,
    language: str = "zh_CN",
    timezone: str | None = None,
    progress: Progress | None = None,
) -> ExportDraft:
    """Write the export to a temporary file beside ``path``; reads only (a read session will
    do). ``ids`` (a selection, kept in its order) and/or ``filter`` (in ``sort`` order, by
    default by name) choose the customers; neither: every customer the actor may see. Deleted
    customers are never exported unless the filter includes them. On any failure or a cancel
    the temporary file is removed before the exception goes on."""
    progress = progress or NullProgress()
    started = time.perf_counter()
    require_export_permission(session, actor)
    path = Path(path)
    fmt = export_format(path)
    chosen = _check_columns(columns)
    if language not in ("zh_CN", "en"):
        raise ValidationError(f"Unknown language {language!r}: zh_CN or en", {"language": "bad"})
    zone = _zone(timezone)
    folder = path.parent
    if not folder.is_dir():
        raise ValidationError(
            f"Cannot export to {str(path)!r}: the folder does not exist", {"path": "no folder"}
        )
    all_columns = chosen + (CONTACT_COLUMNS if contacts else ())
    header = [column_label(c, language) for c in all_columns]
    export_ids = _export_ids(session, actor, filter, ids, sort or SortSpec())
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UserError(f"Cannot write in the folder {str(folder)!r}: {exc.strerror}") from exc
    os.close(handle)
    temp = Path(name)
    writer: _Writer | None = None
    rows = customers = contact_rows = 0
    try:
        if fmt == "csv":
            writer = _CsvWriter(temp, header)
        else:
            title = _SHEET_TITLE[0] if language == "zh_CN" else _SHEET_TITLE[1]
            writer = _XlsxWriter(temp, header, title, [_column_width(c) for c in all_columns])
        for values, first, has_contact in _rows(
            session,
            actor,
            export_ids,
            chosen,
            contacts=contacts,
            include_deleted=bool(filter and filter.include_deleted),
            language=language,
            zone=zone,
            progress=progress,
        ):
            writer.write(values)
            rows += 1
            customers += first
            contact_rows += has_contact
        progress.check_cancelled()
        writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()
        temp.unlink(missing_ok=True)
        raise
    return ExportDraft(
        target=path,
        temp=temp,
        format=fmt,
        columns=all_columns,
        contacts=contacts,
        rows=rows,
        customers=customers,
        contact_rows=contact_rows,
        selected=None if ids is None else len(ids),
        started=started,
    )


def finish_export(session: Session, actor: Actor, draft: ExportDraft) -> ExportResult:
    """The audit row ("export", entity "customer") and the rename of the temporary file to its
    name, in the caller's (short, writing) transaction: a refused audit row leaves no file. The
    temporary file is removed when this fails."""
    try:
        require_export_permission(session, actor)
        detail: dict[str, Any] = {
            "rows": draft.rows,
            "customers": draft.customers,
            "file": draft.target.name,
            "format": draft.format,
            "columns": list(draft.columns),
            "contacts": draft.contacts,
        }
        if draft.selected is not None:
            detail["selected"] = draft.selected
        audit.record(session, actor, "export", "customer", None, detail)
        session.flush()  # a refused insert fails here, before the file appears
        try:
            os.replace(draft.temp, draft.target)
        except OSError as exc:
            raise UserError(
                f"Cannot write {draft.target.name!r}: {exc.strerror or exc} "
                "(is it open in another program?)"
            ) from exc
    except BaseException:
        discard_export(draft)
        raise
    return ExportResult(
        path=draft.target,
        format=draft.format,
        rows=draft.rows,
        customers=draft.customers,
        contact_rows=draft.contact_rows,
        columns=draft.columns,
        elapsed_ms=round((time.perf_counter() - draft.started) * 1000),
    )


def discard_export(draft: ExportDraft) -> None:
    """Remove the temporary file of a draft that will not be finished."""
    draft.temp.unlink(missing_ok=True)


def export_customers(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    filter: CustomerFilter | None = None,
    ids: Sequence[int] | None = None,
    sort: SortSpec | None = None,
    columns: Sequence[str] = DEFAULT_COLUMNS,
    contacts: bool = False,
    language: str = "zh_CN",
    timezone: str | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """``write_export`` then ``finish_export`` in one session (see both)."""
    draft = write_export(
        session,
        actor,
        path,
        filter=filter,
        ids=ids,
        sort=sort,
        columns=columns,
        contacts=contacts,
        language=language,
        timezone=timezone,
        progress=progress,
    )
    return finish_export(session, actor, draft)


def columns_from_text(text: str) -> tuple[str, ...]:
    """Columns typed on the command line: "name,phone" or "customer.name,customer.phone"."""
    out: list[str] = []
    for part in text.split(","):
        key = part.strip()
        if not key:
            continue
        if "." not in key:
            key = f"customer.{key}"
        out.append(key)
    return _check_columns(out)
