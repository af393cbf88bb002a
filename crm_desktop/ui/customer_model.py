"""The million-row customer list model (HOUSE_STYLE "Million-row tables").

The model holds only the ordered ids of the current filter (an ``array('q')``, 8 bytes a row);
display rows are fetched by page of ids on a worker through the op runner and kept in a small
LRU. ``data()`` never touches the database: a row whose page is missing shows a placeholder
(or what it showed before the last reload) and asks for that page once; ``dataChanged``
follows when the page arrives. Sorting and filtering are the page's business: it hands new ids.
"""

from __future__ import annotations

import logging
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from crm_desktop.core.errors import OperationCancelled
from crm_desktop.services.customer_list import CustomerListRow, fetch_rows

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from crm_desktop.ui.ops import Op, OpRunner

log = logging.getLogger(__name__)

PAGE_SIZE = 200
MAX_PAGES = 40  # 8,000 rows kept: a few screens around each place the user looked at
PLACEHOLDER = "…"
ID_ROLE = Qt.ItemDataRole.UserRole
MUTED = QColor("#8a9099")
_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ID = int(ID_ROLE)
_ROLES = frozenset({_DISPLAY, _DECORATION, _FOREGROUND, _TOOLTIP, _ID})


@dataclass(frozen=True)
class Column:
    """One column the list can show. ``sort_key``: its SortSpec key (None: not sortable)."""

    key: str
    sort_key: str | None
    width: int
    default: bool


COLUMNS: tuple[Column, ...] = (
    Column("name", "name", 166, True),
    Column("grade", "grade", 56, True),
    Column("region", "region", 78, True),
    Column("owner", "owner", 88, True),
    Column("status", "status", 70, True),
    Column("phone", "phone", 108, True),
    Column("email", "email", 180, False),
    Column("last_followup", "last_followup_at", 108, True),
    Column("next_followup", "next_followup_at", 100, False),
    Column("created", "created_at", 100, False),
    Column("pool_since", "pool_since", 100, False),
    Column("branch", None, 100, False),
    Column("tags", None, 140, False),
)
COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
_COLUMN_COUNT = len(COLUMNS)
_OWNER_COLUMN = COLUMN_KEYS.index("owner")
_GRADE_COLUMN = COLUMN_KEYS.index("grade")
_TOOLTIP_COLUMNS = frozenset(COLUMN_KEYS.index(k) for k in ("name", "email", "tags"))
DEFAULT_COLUMNS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.default)


def column_title(key: str) -> str:
    """The header of a column in the current language."""
    titles = {
        "name": QCoreApplication.translate("CustomerListModel", "Name"),
        "grade": QCoreApplication.translate("CustomerListModel", "Grade"),
        "region": QCoreApplication.translate("CustomerListModel", "Region"),
        "owner": QCoreApplication.translate("CustomerListModel", "Owner"),
        "status": QCoreApplication.translate("CustomerListModel", "Status"),
        "phone": QCoreApplication.translate("CustomerListModel", "Phone"),
        "email": QCoreApplication.translate("CustomerListModel", "Email"),
        "last_followup": QCoreApplication.translate("CustomerListModel", "Last follow-up"),
        "next_followup": QCoreApplication.translate("CustomerListModel", "Next follow-up"),
        "created": QCoreApplication.translate("CustomerListModel", "Created"),
        "pool_since": QCoreApplication.translate("CustomerListModel", "In pool since"),
        "branch": QCoreApplication.translate("CustomerListModel", "Branch"),
        "tags": QCoreApplication.translate("CustomerListModel", "Tags"),
    }
    return titles.get(key, key)


def status_label(status: str) -> str:
    """A customer status as users call it."""
    labels = {
        "prospect": QCoreApplication.translate("CustomerListModel", "Prospect"),
        "active": QCoreApplication.translate("CustomerListModel", "Active"),
        "dormant": QCoreApplication.translate("CustomerListModel", "Dormant"),
        "lost": QCoreApplication.translate("CustomerListModel", "Lost"),
    }
    return labels.get(status, status)


def public_pool_label() -> str:
    return QCoreApplication.translate("CustomerListModel", "Public pool")


def format_date(value: datetime | None) -> str:
    """A date in the user's time zone, ISO order (unambiguous in both languages)."""
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d")


_swatches: dict[str, QPixmap] = {}
_swatch_icons: dict[str, QIcon] = {}


def grade_swatch(color: str | None, size: int = 12) -> QPixmap | None:
    """A small rounded square in the grade's colour (cached per colour)."""
    if not color:
        return None
    key = f"{color}/{size}"
    pixmap = _swatches.get(key)
    if pixmap is None:
        ratio = 2.0
        pixmap = QPixmap(round(size * ratio), round(size * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QColor(color).darker(115))
            painter.setBrush(QColor(color))
            painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
        finally:
            painter.end()
        _swatches[key] = pixmap
    return pixmap


def grade_icon(color: str | None) -> QIcon | None:
    """The swatch as an icon that keeps its colour in selected rows (no selection tint)."""
    if not color:
        return None
    icon = _swatch_icons.get(color)
    if icon is None:
        pixmap = grade_swatch(color)
        icon = QIcon()
        if pixmap is not None:
            for mode in (QIcon.Mode.Normal, QIcon.Mode.Selected, QIcon.Mode.Active):
                icon.addPixmap(pixmap, mode)
        _swatch_icons[color] = icon
    return icon


class CustomerListModel(QAbstractTableModel):
    """Rows = the ids of the current filter; columns = every column the list can show (the
    view hides those the user did not choose). Display data comes in pages from a worker."""

    sig_page_loaded = Signal(int)
    """A page of rows arrived and ``dataChanged`` was emitted for it; carries the page index."""

    sig_ids_changed = Signal(int)
    """The model got new ids (a reset happened); carries how many rows it has now."""

    def __init__(
        self,
        runner: OpRunner,
        *,
        owner: QWidget | None = None,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._owner = owner
        self.page_size = page_size
        self.max_pages = max(2, max_pages)
        self._ids: array[int] = array("q")
        self._total = 0  # rows; more than len(_ids) only in a preview with a known count
        self._preview = False
        self._pages: OrderedDict[int, dict[int, CustomerListRow]] = OrderedDict()
        self._stale: dict[int, CustomerListRow] = {}  # rows of the previous ids, shown meanwhile
        self._pending: dict[int, Op] = {}
        self._refetch: set[int] = set()  # pending pages to fetch again (changed meanwhile)
        self._failed: set[int] = set()
        self._generation = 0
        self._last_used = -1  # the page data() used last (skips an LRU touch per cell)
        self._texts: dict[int, tuple[str, ...]] = {}
        self._texts_record: dict[int, CustomerListRow] = {}
        self.fetch_count = 0  # pages asked for since creation (tests, bench)

    # ----------------------------------------------------------------- ids

    @property
    def ids(self) -> array[int]:
        return self._ids

    def set_ids(
        self,
        ids: array[int] | Sequence[int],
        *,
        keep_rows: bool = True,
        page: tuple[int, Sequence[CustomerListRow]] | None = None,
    ) -> bool:
        """Show ``ids``. With ``keep_rows`` rows fetched before stay visible until their fresh
        page arrives, so a re-sort or refresh does not flash placeholders. ``page``: (page
        number, rows) fetched together with the ids, shown without another fetch.

        Returns whether the model was reset. It is not when ``ids`` complete a preview (same
        length, same first rows): the rows only fill in, scroll position and selection stay."""
        new_ids = ids if isinstance(ids, array) else array("q", ids)
        if self._preview and len(new_ids) == self._total and self._completes_preview(new_ids):
            known = len(self._ids)
            self._ids = new_ids
            self._preview = False
            if page is not None:
                self._pages[page[0]] = {r.id: r for r in page[1]}
            if self._total > known:
                self.dataChanged.emit(
                    self.index(known, 0), self.index(self._total - 1, _COLUMN_COUNT - 1)
                )
            self.sig_ids_changed.emit(len(self._ids))
            return False
        self.beginResetModel()
        if keep_rows:
            stale: dict[int, CustomerListRow] = {}
            for known_page in self._pages.values():
                stale.update(known_page)
            self._stale = stale
        else:
            self._stale = {}
        self._ids = new_ids
        self._total = len(new_ids)
        self._preview = False
        self._pages.clear()
        self._drop_pending()
        self._failed.clear()
        self._generation += 1
        self._last_used = -1
        if page is not None:
            self._pages[page[0]] = {r.id: r for r in page[1]}
        self.endResetModel()
        self.sig_ids_changed.emit(len(self._ids))
        return True

    def _completes_preview(self, ids: array[int]) -> bool:
        return ids[: len(self._ids)] == self._ids

    def set_preview(self, rows: Sequence[CustomerListRow], total: int | None = None) -> None:
        """Show the first rows of a list whose ids are still on their way (reset). With
        ``total`` the model has that many rows at once (the scroll bar is final); rows past
        the known ones show placeholders and fetch nothing until ``set_ids`` completes them."""
        self.beginResetModel()
        self._stale = {}
        self._ids = array("q", (r.id for r in rows))
        self._total = max(len(self._ids), total or 0)
        self._preview = True
        self._pages.clear()
        self._drop_pending()
        self._failed.clear()
        self._generation += 1
        self._last_used = -1
        if rows:
            self._pages[0] = {r.id: r for r in rows}
        self.endResetModel()

    def set_total(self, total: int) -> None:
        """During a preview: the list has ``total`` rows (rows appended, no reset)."""
        if not self._preview or total <= self._total:
            return
        self.beginInsertRows(QModelIndex(), self._total, total - 1)
        self._total = total
        self.endInsertRows()

    @property
    def is_preview(self) -> bool:
        """The ids of the whole list have not arrived yet."""
        return self._preview

    def customer_id(self, row: int) -> int | None:
        if 0 <= row < len(self._ids):
            return int(self._ids[row])
        return None

    def row_of(self, customer_id: int) -> int | None:
        """The row showing ``customer_id`` (a linear scan: for occasional use, e.g. refresh)."""
        try:
            return self._ids.index(customer_id)
        except ValueError:
            return None

    def ids_of_rows(self, ranges: Iterable[tuple[int, int]]) -> list[int]:
        """The ids of the inclusive row ranges (top, bottom), in row order, without duplicates
        — selections of a million rows are ranges, never a million indexes."""
        out: list[int] = []
        seen: set[int] = set()
        for top, bottom in sorted(ranges):
            for customer_id in self._ids[max(0, top) : bottom + 1]:
                if customer_id not in seen:
                    seen.add(customer_id)
                    out.append(customer_id)
        return out

    def row_data(self, row: int) -> CustomerListRow | None:
        """The fetched row at ``row`` (None while its page is missing); never fetches."""
        customer_id = self.customer_id(row)
        if customer_id is None:
            return None
        page = self._pages.get(row // self.page_size)
        return page.get(customer_id) if page is not None else None

    def is_page_loaded(self, page: int) -> bool:
        return page in self._pages

    def is_row_loaded(self, row: int) -> bool:
        return (row // self.page_size) in self._pages

    # ----------------------------------------------------------------- Qt model

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return column_title(COLUMNS[section].key)
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section].sort_key is not None:
            return QCoreApplication.translate("CustomerListModel", "Click to sort")
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called about a thousand times per paint: plain int roles, one dict lookup per cell.
        role = int(role)
        if role not in _ROLES or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._ids) and 0 <= column < _COLUMN_COUNT):
            if 0 <= row < self._total and 0 <= column < _COLUMN_COUNT:  # preview: no id yet
                if role == _DISPLAY:
                    return PLACEHOLDER
                return MUTED if role == _FOREGROUND else None
            return None
        customer_id = self._ids[row]
        if role == _ID:
            return customer_id
        page_no = row // self.page_size
        page = self._pages.get(page_no)
        record: CustomerListRow | None
        if page is None:
            self._request(page_no)
            record = self._stale.get(customer_id)
            if record is None:
                if role == _DISPLAY:
                    return PLACEHOLDER
                return MUTED if role == _FOREGROUND else None
        else:
            if page_no != self._last_used:
                self._pages.move_to_end(page_no)
                self._last_used = page_no
            record = page.get(customer_id)
            if record is None:  # deleted meanwhile, or no longer visible to this user
                if role == _DISPLAY and column == 0:
                    return QCoreApplication.translate("CustomerListModel", "(not available)")
                return MUTED if role == _FOREGROUND else None
        if role == _DISPLAY:
            return self._texts_of(record)[column]
        if role == _FOREGROUND:
            return MUTED if column == _OWNER_COLUMN and record.owner_id is None else None
        if role == _DECORATION:
            return grade_icon(record.grade_color) if column == _GRADE_COLUMN else None
        if column in _TOOLTIP_COLUMNS:  # the columns whose text gets elided
            return self._texts_of(record)[column] or None
        return None

    def _texts_of(self, record: CustomerListRow) -> tuple[str, ...]:
        """Every column's text of a row, formatted once and kept while the row is cached."""
        texts = self._texts.get(record.id)
        if texts is None or self._texts_record.get(record.id) is not record:
            texts = tuple(self._display(record, column.key) for column in COLUMNS)
            if len(self._texts) > self.max_pages * self.page_size:
                self._texts.clear()
                self._texts_record.clear()
            self._texts[record.id] = texts
            self._texts_record[record.id] = record
        return texts

    def clear_texts(self) -> None:
        """Forget formatted texts (the language changed: statuses, "Public pool")."""
        self._texts.clear()
        self._texts_record.clear()

    @staticmethod
    def _display(record: CustomerListRow, key: str) -> str:
        if key == "name":
            return record.name
        if key == "grade":
            return record.grade_code or ""
        if key == "region":
            return record.region_name or ""
        if key == "owner":
            return (record.owner_name or "") if record.owner_id is not None else public_pool_label()
        if key == "status":
            return status_label(record.status)
        if key == "phone":
            return record.phone or ""
        if key == "email":
            return record.email or ""
        if key == "last_followup":
            return format_date(record.last_followup_at)
        if key == "next_followup":
            return format_date(record.next_followup_at)
        if key == "created":
            return format_date(record.created_at)
        if key == "pool_since":
            return format_date(record.pool_since)
        if key == "branch":
            return record.branch_name or ""
        if key == "tags":
            return ", ".join(record.tags)
        return ""

    def refresh_rows(self, ids: Iterable[int] | None = None) -> int:
        """Forget the cached pages showing any of ``ids`` (None: every cached page) without a
        reset: their rows stay visible until the fresh page arrives, which ``dataChanged`` asks
        for when the view paints them (rows changed by another client). Returns how many
        pages were dropped."""
        wanted = None if ids is None else set(ids)
        if wanted is not None and not wanted:
            return 0
        size = self.page_size

        def concerned(page_no: int) -> bool:
            start = page_no * size
            return wanted is None or not wanted.isdisjoint(self._ids[start : start + size])

        dropped = [page_no for page_no in self._pages if concerned(page_no)]
        for page_no in dropped:
            self._stale.update(self._pages.pop(page_no))
            self._failed.discard(page_no)
        for page_no in self._pending:
            # A fetch on its way may have read the rows before the change: fetch once more.
            if concerned(page_no):
                self._refetch.add(page_no)
        if dropped:
            self._last_used = -1
            last_row = len(self._ids) - 1
            for page_no in dropped:
                first = page_no * size
                last = min(last_row, first + size - 1)
                if last >= first:
                    self.dataChanged.emit(self.index(first, 0), self.index(last, _COLUMN_COUNT - 1))
        return len(dropped)

    # ----------------------------------------------------------------- paging

    def _request(self, page_no: int) -> None:
        """Ask a worker for one page, once: repeated ``data()`` calls find it pending."""
        if page_no in self._pending or page_no in self._failed:
            return
        start = page_no * self.page_size
        ids = list(self._ids[start : start + self.page_size])
        if not ids:
            return
        generation = self._generation
        op = self._runner.op(self._owner, fetch_rows, ids=ids).read_only()
        op.on_success(partial(self._on_fetch_succeeded, generation, page_no))
        op.on_failure(partial(self._on_fetch_failed, generation, page_no))
        self._pending[page_no] = op
        self.fetch_count += 1
        op.run()

    def _drop_pending(self) -> None:
        for op in self._pending.values():
            op.cancel()
        self._pending.clear()
        self._refetch.clear()

    def _on_fetch_succeeded(
        self, generation: int, page_no: int, rows: list[CustomerListRow]
    ) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # the ids changed meanwhile: these rows belong to another list
        self._pending.pop(page_no, None)
        self._pages[page_no] = {r.id: r for r in rows}
        self._last_used = page_no
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        first = page_no * self.page_size
        last = min(len(self._ids), first + self.page_size) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self.sig_page_loaded.emit(page_no)
        if page_no in self._refetch:
            self._refetch.discard(page_no)
            self.refresh_rows(self._ids[first : last + 1])

    def _on_fetch_failed(self, generation: int, page_no: int, exc: BaseException) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self._pending.pop(page_no, None)
        if isinstance(exc, OperationCancelled):
            return
        # Keep the placeholder rather than retrying on every paint; a reload tries again.
        self._failed.add(page_no)
        log.warning("customer list page %d could not be fetched: %s", page_no, exc)
        self._runner.show_error(self._owner, exc)

    @property
    def pending_pages(self) -> int:
        return len(self._pending)

    def locale_count(self) -> str:
        return QLocale().toString(self._total)
