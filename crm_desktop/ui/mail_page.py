"""The Mail page (邮件, issue 5): the unlinked queue, all mail and ignored mail the user may see,
searched by subject or address and paged lazily; the selected message below the list; Link…
(Ctrl+L), Ignore (Del), Open customer on one or many messages; importing .eml/.msg/.mbox files
(button or drag and drop) and syncing the user's mail accounts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import getaddresses
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelection,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRectF,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import OperationCancelled
from crm_desktop.services.mail_store import MailImportResult, import_mail_files
from crm_desktop.services.mail_view import (
    LinkResult,
    MailCounts,
    MailQuery,
    MailRow,
    MessageDetail,
    get_message,
    ignore_messages,
    list_mail,
    mail_counts,
    unignore_messages,
)
from crm_desktop.ui.followup_dialog import local_datetime
from crm_desktop.ui.style import MUTED_COLOR
from crm_desktop.ui.widgets import EmptyState, PageHeader, remember_splitter, restore_splitter

if TYPE_CHECKING:
    from crm_desktop.core.settings import Settings
    from crm_desktop.services.context import Actor
    from crm_desktop.ui.link_dialog import LinkDialog
    from crm_desktop.ui.ops import Op, OpRunner

__all__ = ["MAIL_SUFFIXES", "MailModel", "MailPage", "mail_paths"]

log = logging.getLogger(__name__)

SCOPES = ("unlinked", "all", "ignored")
COLUMNS = ("date", "from", "to", "subject", "customer", "linked", "attachment")
PAGE_SIZE = 200
SEARCH_DELAY_MS = 250
VIEW_DELAY_MS = 120  # arrowing through the list shows the message where it stops
MAIL_SUFFIXES = (".eml", ".msg", ".mbox")
MAX_PROBLEM_LINES = 12
LINK_SHORTCUT = "Ctrl+L"
SETTINGS_KEY = "mail_page"  # settings.ui: the list/message splitter
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
_SUCCESS_STYLE = (
    "QLabel#mailResult { background: #ecfdf3; border: 1px solid #a6e3bd; border-radius: 6px;"
    " color: #14532d; padding: 6px 10px; }"
)
_WARNING_STYLE = (
    "QLabel#mailResult { background: #fff7e6; border: 1px solid #f5c26b; border-radius: 6px;"
    " color: #7c4a03; padding: 6px 10px; }"
)
_COUNT_STYLE = (
    "QLabel#mailCount { color: #1d4ed8; background: #e8effd; border-radius: 9px;"
    " padding: 1px 8px; }"
)


def mail_paths(paths: Sequence[str]) -> list[str]:
    """Of dropped or chosen paths: the mail files (.eml/.msg/.mbox) and folders."""
    found: list[str] = []
    for text in paths:
        path = Path(text)
        if path.is_dir() or path.suffix.lower() in MAIL_SUFFIXES:
            found.append(str(path))
    return found


def _paperclip(size: int = 16, color: str = MUTED_COLOR) -> QIcon:
    """A paper clip drawn like the app's line icons (emoji fonts are not everywhere)."""
    ratio = 2.0
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(size / 24.0, size / 24.0)
        pen = QPen(QColor(color), 1.8)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        clip = QPainterPath(QPointF(15.5, 8.0))
        clip.lineTo(15.5, 16.5)
        clip.arcTo(QRectF(8.5, 13.0, 7.0, 7.0), 0, -180)
        clip.lineTo(8.5, 5.5)
        clip.arcTo(QRectF(8.5, 3.0, 5.0, 5.0), 180, -180)
        clip.lineTo(13.5, 15.5)
        clip.arcTo(QRectF(10.5, 14.0, 3.0, 3.0), 0, -180)
        clip.lineTo(10.5, 8.0)
        painter.drawPath(clip)
    finally:
        painter.end()
    return QIcon(pixmap)


def _person(text: str | None) -> str:
    """ "Wang <w@x>, b@y" → "Wang, b@y": names where there are names."""
    if not text:
        return ""
    try:
        pairs = getaddresses([text])
    except Exception:  # a hostile stored header: show it as it is
        return text
    shown = [name or addr for name, addr in pairs if name or addr]
    return ", ".join(shown) if shown else text


# =========================================================================== model


class MailModel(QAbstractTableModel):
    """The loaded rows of one list; asks for the next page when the view reaches the end."""

    sig_more_wanted = Signal()
    """The view scrolled to the end of the loaded rows and more are known to exist."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[MailRow] = []
        self.has_more = False
        self.loading_more = False
        self.clip_icon = _paperclip()

    def set_rows(self, rows: Sequence[MailRow], *, has_more: bool) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.has_more = has_more
        self.loading_more = False
        self.endResetModel()

    def append_rows(self, rows: Sequence[MailRow], *, has_more: bool) -> None:
        known = {r.id for r in self.rows}
        fresh = [r for r in rows if r.id not in known]
        if fresh:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self.rows.extend(fresh)
            self.endInsertRows()
        self.has_more = has_more and bool(fresh)
        self.loading_more = False

    def row_at(self, row: int) -> MailRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, email_id: int) -> int | None:
        for number, row in enumerate(self.rows):
            if row.id == email_id:
                return number
        return None

    # ----------------------------------------------------------------- Qt

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and self.has_more and not self.loading_more

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if self.canFetchMore(parent):
            self.loading_more = True
            self.sig_more_wanted.emit()

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.DecorationRole and column == "attachment":
            return self.clip_icon
        if role == Qt.ItemDataRole.DisplayRole:
            titles = {
                "date": self.tr("Date"),
                "from": self.tr("From"),
                "to": self.tr("To"),
                "subject": self.tr("Subject"),
                "customer": self.tr("Customer"),
                "linked": self.tr("How linked"),
                "attachment": "",
            }
            return titles[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == "attachment":
            return self.tr("Has attachments")
        return None

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row = self.row_at(index.row())
        if row is None or not 0 <= index.column() < len(COLUMNS):
            return None
        column = COLUMNS[index.column()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "from":
                return row.from_addr or None
            if column == "to":
                return row.to_addrs or None
            if column == "attachment":
                return self.tr("Has attachments") if row.has_attachments else None
            return self.text(row, column) or None
        muted = column in ("date", "linked", "to") or (
            column == "customer" and row.customer_id is None
        )
        if role == Qt.ItemDataRole.ForegroundRole and muted:
            return QColor(MUTED_COLOR)
        if role == Qt.ItemDataRole.DecorationRole and column == "attachment":
            return self.clip_icon if row.has_attachments else None
        return None

    def text(self, row: MailRow, column: str) -> str:
        if column == "date":
            if row.sent_at is None:
                return self.tr("no date")
            return QLocale().toString(local_datetime(row.sent_at), "yyyy-MM-dd HH:mm")
        if column == "from":
            return _person(row.from_addr)
        if column == "to":
            return _person(row.to_addrs)
        if column == "subject":
            subject = (row.subject or "").replace("\n", " ").strip() or self.tr("(no subject)")
            return ("↗ " if row.direction == "out" else "") + subject
        if column == "customer":
            if row.customer_id is None:
                return self.tr("not linked")
            name = row.customer_name or ""
            return f"{name} · {row.contact_name}" if row.contact_name else name
        if column == "linked":
            return self.link_text(row.link_method)
        return ""

    def link_text(self, method: str) -> str:
        return {
            "address": self.tr("by address"),
            "domain": self.tr("by domain"),
            "thread": self.tr("by thread"),
            "manual": self.tr("by hand"),
        }.get(method, "")


# =========================================================================== message view


class _PlainMessageView(QTextBrowser):
    """Stand-in when the full message view is not available: headers and the plain text."""

    def __init__(self, runner: OpRunner, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.email_id: int | None = None
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)

    def show_message(self, email_id: int | None) -> None:
        self.email_id = email_id
        self.clear()
        if email_id is None:
            return
        op = self.runner.op(self, get_message, email_id=email_id, actor=self.actor)
        op.read_only().on_success(partial(self._on_loaded, email_id)).run()

    def _on_loaded(self, email_id: int, detail: MessageDetail) -> None:
        if email_id != self.email_id:
            return
        head = [
            self.tr("From: {value}").format(value=detail.from_addr or ""),
            self.tr("To: {value}").format(value=detail.to_addrs or ""),
            self.tr("Subject: {value}").format(value=detail.subject or ""),
        ]
        self.setPlainText("\n".join(head) + "\n\n" + (detail.body_text or ""))


def _message_view(runner: OpRunner, actor: Actor, parent: QWidget) -> QWidget:
    try:
        from crm_desktop.ui.message_view import MessageView
    except ImportError:
        log.info("message view not available: showing plain text")
        return _PlainMessageView(runner, actor, parent)
    view: QWidget = MessageView(runner, actor, parent)
    return view


# =========================================================================== the page


@dataclass(frozen=True)
class _Load:
    serial: int
    query: MailQuery
    append: bool


class _MailTable(QTableView):
    """The list; Enter opens the row like a double-click."""

    def keyPressEvent(self, event: Any) -> None:
        current = self.currentIndex()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current.isValid():
            self.activated.emit(current)
            return
        super().keyPressEvent(event)


class MailPage(QWidget):
    """The Mail page. ``file_chooser(parent) -> paths`` asks which files to import (tests
    replace it); ``link_dialog_factory`` builds the Link dialog (the default one)."""

    sig_loaded = Signal()
    """The list shows fresh rows (after a load or a page of more)."""

    sig_counts_loaded = Signal(object)
    """The lists' sizes are known; carries MailCounts."""

    sig_open_customer = Signal(int)
    """The user asked to open the customer of a message; carries its id."""

    sig_mail_changed = Signal()
    """Mail was linked, ignored, imported or synced: other views of mail may reload."""

    sig_imported = Signal(object)
    """An import finished; carries its MailImportResult."""

    sig_linked = Signal(object)
    """Messages were linked through the Link dialog; carries the LinkResult."""

    sig_accounts_loaded = Signal(int)
    """The user's mail accounts are known; carries how many can be synced."""

    def __init__(
        self,
        actor: Actor,
        runner: OpRunner,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.key = "mail"
        self.actor = actor
        self.runner = runner
        self.settings = settings
        self.file_chooser: Callable[[QWidget], list[str]] = self._ask_files
        self.loaded = False
        self.loading = False
        self.counts: MailCounts | None = None
        self.accounts: list[Any] = []
        self.last_import: MailImportResult | None = None
        self.link_dialog: LinkDialog | None = None
        self.message_box: QMessageBox | None = None
        self.import_op: Op | None = None
        self._serial = 0
        self._sync_available = True
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAcceptDrops(True)
        self._build()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self._view_timer = QTimer(self)
        self._view_timer.setSingleShot(True)
        self._view_timer.setInterval(VIEW_DELAY_MS)
        self._view_timer.timeout.connect(self._on_view_timer_timeout)
        self.retranslate_ui()
        self._update_actions()

    # ----------------------------------------------------------------- construction

    def _build(self) -> None:
        page = QVBoxLayout(self)
        page.setContentsMargins(24, 18, 24, 12)
        page.setSpacing(10)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.header = PageHeader(self)
        top.addWidget(self.header, 1)
        self.import_button = QPushButton(self)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.sync_button = QPushButton(self)
        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        self.sync_menu = QMenu(self)
        top.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.sync_button, 0, Qt.AlignmentFlag.AlignBottom)
        page.addLayout(top)

        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.tabs = QTabBar(self)
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        for _scope in SCOPES:
            self.tabs.addTab("")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        bar.addWidget(self.tabs)
        bar.addStretch(1)
        self.search_edit = QLineEdit(self)
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(260)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        bar.addWidget(self.search_edit)
        page.addLayout(bar)

        actions = QHBoxLayout()
        actions.setSpacing(8)
        self.link_action = QAction(self)
        self.link_action.setShortcut(QKeySequence(LINK_SHORTCUT))
        self.link_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.link_action.triggered.connect(self._on_link_action_triggered)
        self.ignore_action = QAction(self)
        self.ignore_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.ignore_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.ignore_action.triggered.connect(self._on_ignore_action_triggered)
        self.restore_action = QAction(self)
        self.restore_action.triggered.connect(self._on_restore_action_triggered)
        self.open_action = QAction(self)
        self.open_action.triggered.connect(self._on_open_action_triggered)
        self.find_action = QAction(self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        # Anywhere in the window while the page shows (hidden pages' keys are inactive).
        self.find_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.find_action.triggered.connect(self._on_find_action_triggered)
        for action in (self.link_action, self.ignore_action, self.restore_action):
            self.addAction(action)
        self.addAction(self.find_action)
        self.link_button = QPushButton(self)
        self.link_button.setDefault(True)
        self.link_button.clicked.connect(self.link_action.trigger)
        self.ignore_button = QPushButton(self)
        self.ignore_button.clicked.connect(self.ignore_action.trigger)
        self.restore_button = QPushButton(self)
        self.restore_button.clicked.connect(self.restore_action.trigger)
        self.open_button = QPushButton(self)
        self.open_button.clicked.connect(self.open_action.trigger)
        for button in (self.link_button, self.ignore_button, self.restore_button):
            actions.addWidget(button)
        actions.addWidget(self.open_button)
        self.selection_label = QLabel(self)
        self.selection_label.setObjectName("muted")
        self.selection_label.setStyleSheet(f"color: {MUTED_COLOR};")
        actions.addWidget(self.selection_label)
        actions.addStretch(1)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("mailCount")
        self.count_label.setStyleSheet(_COUNT_STYLE)
        actions.addWidget(self.count_label)
        page.addLayout(actions)

        self.result_label = QLabel(self)
        self.result_label.setObjectName("mailResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setVisible(False)
        page.addWidget(self.result_label)

        self.stack = QStackedWidget(self)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self.stack)
        self.model = MailModel(self)
        self.model.sig_more_wanted.connect(self._on_model_sig_more_wanted)
        self.view = _MailTable(self.splitter)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # Rows as tall as the font needs (larger system fonts, CJK), never a fixed 28 px.
        self.view.verticalHeader().setDefaultSectionSize(
            max(28, self.view.fontMetrics().height() + 12)
        )
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_view_custom_context_menu_requested)
        self.view.activated.connect(self._on_view_activated)
        self.view.doubleClicked.connect(self._on_view_activated)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        widths = {
            "date": 130,
            "from": 170,
            "to": 150,
            "customer": 190,
            "linked": 90,
            "attachment": 30,
        }
        for number, key in enumerate(COLUMNS):
            if key == "subject":
                header.setSectionResizeMode(number, QHeaderView.ResizeMode.Stretch)
            else:
                header.setSectionResizeMode(number, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(number, widths[key])
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.message_view = _message_view(self.runner, self.actor, self.splitter)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.message_view)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([400, 320])
        restore_splitter(self.settings, SETTINGS_KEY, self.splitter)
        self.splitter.splitterMoved.connect(self._on_splitter_splitter_moved)
        self.empty_state = EmptyState("mail", self.stack)
        empty_page = QWidget(self.stack)
        empty_column = QVBoxLayout(empty_page)
        empty_column.setContentsMargins(0, 8, 0, 0)
        empty_column.addWidget(self.empty_state)
        empty_column.addStretch(1)
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(empty_page)
        self._empty_page = empty_page
        page.addWidget(self.stack, 1)

    # ----------------------------------------------------------------- language

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
            self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        from crm_desktop.ui.main_window import page_text

        text = page_text(self.key, self.actor)
        self.header.set_texts(text.title, text.subtitle)
        self.import_button.setText(self.tr("Import files…"))
        self.import_button.setToolTip(
            self.tr("Import .eml, .msg or .mbox files (or drop them onto this page)")
        )
        self.sync_button.setText(self.tr("Sync now"))
        self.search_edit.setPlaceholderText(self.tr("Search subject or address…"))
        self.find_action.setText(self.tr("Search mail"))
        shortcut = QKeySequence(LINK_SHORTCUT).toString(QKeySequence.SequenceFormat.NativeText)
        self.link_action.setText(self.tr("Link…"))
        self.link_button.setText(self.tr("Link…"))
        self.link_button.setToolTip(
            self.tr("Link the selected messages to a customer ({shortcut})").format(
                shortcut=shortcut
            )
        )
        self.ignore_action.setText(self.tr("Ignore"))
        self.ignore_button.setText(self.tr("Ignore"))
        self.ignore_button.setToolTip(
            self.tr("Not customer mail: take the selected messages out of the queue (Del)")
        )
        self.restore_action.setText(self.tr("Back to the queue"))
        self.restore_button.setText(self.tr("Back to the queue"))
        self.restore_button.setToolTip(self.tr("Put the selected messages back into the queue"))
        self.open_action.setText(self.tr("Open customer"))
        self.open_button.setText(self.tr("Open customer"))
        self._show_tab_texts()
        self._show_sync_state()
        self._show_counts()
        self._show_selection()
        self._show_empty_state()

    def _show_tab_texts(self) -> None:
        counts = self.counts
        locale = QLocale()
        unlinked = self.tr("Unlinked")
        if counts is not None:
            unlinked = self.tr("Unlinked ({count})").format(count=locale.toString(counts.unlinked))
        self.tabs.setTabText(0, unlinked)
        self.tabs.setTabText(1, self.tr("All mail"))
        self.tabs.setTabText(2, self.tr("Ignored"))
        self.tabs.setTabToolTip(0, self.tr("Mail that matched no customer, waiting for you"))
        self.tabs.setTabToolTip(1, self.tr("All mail you may see"))
        self.tabs.setTabToolTip(2, self.tr("Mail taken out of the queue as not customer mail"))

    # ----------------------------------------------------------------- loading

    @property
    def scope(self) -> str:
        return SCOPES[max(0, self.tabs.currentIndex())]

    def set_scope(self, scope: str) -> None:
        self.tabs.setCurrentIndex(SCOPES.index(scope))

    def current_query(self, before: Any = None) -> MailQuery:
        return MailQuery(
            scope=self.scope, text=self.search_edit.text().strip(), limit=PAGE_SIZE, before=before
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.refresh()
            self.load_accounts()
        else:  # mail arrives and others link it meanwhile
            self.reload(keep_current=True)
            self.load_counts()

    def refresh(self) -> None:
        """Load the list and the counts (again)."""
        self.loaded = True
        self.reload(keep_current=True)
        self.load_counts()

    @Slot()
    def on_mail_changed(self) -> None:
        """Mail changed elsewhere (a customer file linked some): reload when loaded."""
        if self.loaded:
            self.refresh()

    def reload(self, *, keep_current: bool = False) -> None:
        self._serial += 1
        self.loading = True
        keep = self.current_row() if keep_current else None
        load = _Load(self._serial, self.current_query(), append=False)
        op = self.runner.op(self, list_mail, query=load.query, actor=self.actor).read_only()
        op.on_success(partial(self._on_list_loaded, load, keep.id if keep else None))
        op.on_failure(partial(self._on_list_failed, load))
        op.run()

    @Slot()
    def _on_model_sig_more_wanted(self) -> None:
        last = self.model.row_at(len(self.model.rows) - 1)
        if last is None:
            self.model.loading_more = False
            return
        load = _Load(self._serial, self.current_query(before=last.keyset), append=True)
        op = self.runner.op(self, list_mail, query=load.query, actor=self.actor).read_only()
        op.on_success(partial(self._on_list_loaded, load, None))
        op.on_failure(partial(self._on_list_failed, load))
        op.run()

    def _on_list_loaded(self, load: _Load, keep_id: int | None, rows: list[MailRow]) -> None:
        if load.serial != self._serial:
            if load.append:
                self.model.loading_more = False
            return
        more = len(rows) >= load.query.limit
        if load.append:
            self.model.append_rows(rows, has_more=more)
        else:
            old_row = self.view.currentIndex().row()
            self.loading = False
            self.model.set_rows(rows, has_more=more)
            target = self.model.row_of(keep_id) if keep_id is not None else None
            if target is None and keep_id is not None and rows:
                target = min(max(old_row, 0), len(rows) - 1)  # the row after the one gone
            if target is not None:
                self.select_rows([target])
            else:
                self._show_current_message()
        self._show_empty_state()
        self._update_actions()
        self.sig_loaded.emit()

    def _on_list_failed(self, load: _Load, exc: BaseException) -> None:
        if load.append:
            self.model.loading_more = False
        if load.serial == self._serial and not load.append:
            self.loading = False
        self.runner.show_error(self, exc)

    def load_counts(self) -> None:
        op = self.runner.op(self, mail_counts, actor=self.actor).read_only()
        op.on_success(self._on_counts_loaded).on_failure(self._on_counts_failed).run()

    def _on_counts_loaded(self, counts: MailCounts) -> None:
        self.counts = counts
        self._show_tab_texts()
        self._show_counts()
        self.sig_counts_loaded.emit(counts)

    def _on_counts_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, OperationCancelled):
            log.warning("mail counts failed: %s", exc)

    def _show_counts(self) -> None:
        counts = self.counts
        if counts is None:
            self.count_label.setVisible(False)
            return
        number = {"unlinked": counts.unlinked, "all": counts.all, "ignored": counts.ignored}[
            self.scope
        ]
        text = self.search_edit.text().strip()
        if text:
            shown = len(self.model.rows)
            self.count_label.setText(
                self.tr("{count}+ found").format(count=QLocale().toString(shown))
                if self.model.has_more
                else self.tr("{count} found").format(count=QLocale().toString(shown))
            )
        elif number == 1:
            self.count_label.setText(self.tr("1 message"))
        else:
            self.count_label.setText(
                self.tr("{count} messages").format(count=QLocale().toString(number))
            )
        self.count_label.setVisible(True)

    @Slot(int)
    def _on_tabs_current_changed(self, _index: int) -> None:
        self.result_label.setVisible(False)
        self.model.set_rows([], has_more=False)
        self._update_actions()
        if self.loaded:
            self.reload()
            self._show_counts()

    @Slot(str)
    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        if self.loaded:
            self.reload()

    def search(self, text: str) -> None:
        """Type ``text`` into the search box and search now (tests)."""
        self.search_edit.setText(text)
        self._search_timer.stop()
        self.reload()

    # ----------------------------------------------------------------- empty state

    def _show_empty_state(self) -> None:
        empty = self.loaded and not self.loading and not self.model.rows
        text = self.search_edit.text().strip()
        if text:
            self.empty_state.set_texts(
                self.tr("No message matches “{text}”").format(text=text),
                self.tr("The search looks in subjects and in sender and recipient addresses."),
                "",
            )
        elif self.scope == "unlinked":
            self.empty_state.set_texts(
                self.tr("No mail waits for a customer"),
                self.tr(
                    "Mail whose addresses match no customer or contact waits here until "
                    "someone links it or ignores it. Mail from known addresses, from a "
                    "customer's domain or in a known thread is linked by itself."
                ),
                self.tr(
                    "Import .eml, .msg or .mbox files with “Import files…” or drop them onto "
                    "this page, or sync a mail account with “Sync now”."
                ),
            )
        elif self.scope == "all":
            self.empty_state.set_texts(
                self.tr("No mail yet"),
                self.tr(
                    "Mail you import or sync is kept with the company and linked to the right "
                    "customer and contact; you see your customers' mail and your own queue."
                ),
                self.tr(
                    "Import .eml, .msg or .mbox files with “Import files…” or drop them onto "
                    "this page, or sync a mail account with “Sync now”."
                ),
            )
        else:
            self.empty_state.set_texts(
                self.tr("Nothing is ignored"),
                self.tr(
                    "Messages you ignore in the unlinked queue (newsletters, notifications) "
                    "wait here; put one back into the queue if it was customer mail after all."
                ),
                "",
            )
        self.stack.setCurrentWidget(self._empty_page if empty else self.splitter)

    # ----------------------------------------------------------------- selection

    def current_row(self) -> MailRow | None:
        index = self.view.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def selected_rows(self) -> list[MailRow]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        found = [r for r in (self.model.row_at(n) for n in rows) if r is not None]
        if not found:
            current = self.current_row()
            return [current] if current is not None else []
        return found

    def selected_ids(self) -> list[int]:
        return [r.id for r in self.selected_rows()]

    def select_rows(self, rows: Sequence[int]) -> None:
        """Select these rows (the first one current), as a user would click them (tests)."""
        selection = QItemSelection()
        for row in rows:
            selection.select(self.model.index(row, 0), self.model.index(row, len(COLUMNS) - 1))
        if not rows:
            return
        model = self.view.selectionModel()
        model.setCurrentIndex(self.model.index(rows[0], 0), model.SelectionFlag.NoUpdate)
        model.select(selection, model.SelectionFlag.ClearAndSelect | model.SelectionFlag.Rows)
        self.view.scrollTo(self.model.index(rows[0], 0))
        self._show_current_message()

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_actions()

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._view_timer.start()
        self._update_actions()

    @Slot()
    def _on_view_timer_timeout(self) -> None:
        self._show_current_message()

    def _show_current_message(self) -> None:
        self._view_timer.stop()
        row = self.current_row()
        email_id = row.id if row is not None else None
        shown = getattr(self.message_view, "email_id", -1)
        if email_id == shown:
            return
        show: Callable[[int | None], None] = self.message_view.show_message  # type: ignore[attr-defined]
        show(email_id)

    def _show_selection(self) -> None:
        count = len(self.view.selectionModel().selectedRows())
        if count > 1:
            self.selection_label.setText(
                self.tr("{count} selected").format(count=QLocale().toString(count))
            )
        else:
            self.selection_label.setText("")

    def _update_actions(self) -> None:
        rows = self.selected_rows()
        ignored_tab = self.scope == "ignored"
        unlinked = [r for r in rows if r.customer_id is None]
        self.link_action.setEnabled(bool(rows))
        self.link_button.setEnabled(bool(rows))
        self.ignore_action.setEnabled(not ignored_tab and bool(unlinked))
        self.ignore_button.setVisible(not ignored_tab)
        self.ignore_button.setEnabled(self.ignore_action.isEnabled())
        self.restore_action.setEnabled(ignored_tab and bool(rows))
        self.restore_button.setVisible(ignored_tab)
        self.restore_button.setEnabled(self.restore_action.isEnabled())
        current = self.current_row()
        can_open = current is not None and current.customer_id is not None
        self.open_action.setEnabled(can_open)
        self.open_button.setEnabled(can_open)
        self._show_selection()

    @Slot(QPoint)
    def _on_view_custom_context_menu_requested(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        menu.addAction(self.link_action)
        menu.addAction(self.restore_action if self.scope == "ignored" else self.ignore_action)
        menu.addSeparator()
        menu.addAction(self.open_action)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    @Slot()
    def _on_find_action_triggered(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    @Slot(int, int)
    def _on_splitter_splitter_moved(self, _pos: int, _index: int) -> None:
        """The list/message split is remembered (written with the settings at exit)."""
        remember_splitter(self.settings, SETTINGS_KEY, self.splitter)

    @Slot(QModelIndex)
    def _on_view_activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is None:
            return
        if row.customer_id is not None:
            self.sig_open_customer.emit(row.customer_id)
        else:
            self.open_link_dialog()

    @Slot()
    def _on_open_action_triggered(self) -> None:
        row = self.current_row()
        if row is not None and row.customer_id is not None:
            self.sig_open_customer.emit(row.customer_id)

    # ----------------------------------------------------------------- linking

    @Slot()
    def _on_link_action_triggered(self) -> None:
        self.open_link_dialog()

    def open_link_dialog(self) -> LinkDialog | None:
        """Open the Link dialog for the selected messages (window-modal); None: none selected."""
        from crm_desktop.ui.link_dialog import LinkDialog

        rows = self.selected_rows()
        if not rows:
            return None
        first = self.current_row() if self.current_row() in rows else rows[0]
        assert first is not None
        ordered = [first.id] + [r.id for r in rows if r.id != first.id]
        dialog = LinkDialog(
            self.runner,
            self.actor,
            ordered,
            address=first.address,
            subject=first.subject or "",
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.sig_linked.connect(self._on_link_dialog_sig_linked)
        self.link_dialog = dialog
        dialog.open()
        return dialog

    @Slot(object)
    def _on_link_dialog_sig_linked(self, result: LinkResult) -> None:
        locale = QLocale()
        dialog = self.link_dialog
        name = dialog.customer.name if dialog is not None and dialog.customer else ""
        if len(result.linked) == 1:
            lines = [self.tr("Linked to “{name}”.").format(name=name)]
        else:
            lines = [
                self.tr("{count} messages linked to “{name}”.").format(
                    count=locale.toString(len(result.linked)), name=name
                )
            ]
        if result.address_added and result.address:
            lines.append(
                self.tr("{address} is now the contact's address.").format(address=result.address)
            )
        if result.address_conflict and result.address:
            lines.append(
                self.tr(
                    "The contact keeps its address {existing}; {address} was not stored."
                ).format(existing=result.address_conflict, address=result.address)
            )
        if len(result.followed) == 1:
            lines.append(self.tr("1 more message from that address was linked too."))
        elif result.followed:
            lines.append(
                self.tr("{count} more messages from that address were linked too.").format(
                    count=locale.toString(len(result.followed))
                )
            )
        self._show_result(" ".join(lines), warning=bool(result.address_conflict))
        self.link_dialog = None
        self.sig_linked.emit(result)
        self._changed()

    def _changed(self) -> None:
        self.reload(keep_current=True)
        self.load_counts()
        self.sig_mail_changed.emit()

    # ----------------------------------------------------------------- ignoring

    @Slot()
    def _on_ignore_action_triggered(self) -> None:
        self.ignore_selected()

    def ignore_selected(self) -> bool:
        """Take the selected unlinked messages out of the queue; False: none to ignore."""
        ids = [r.id for r in self.selected_rows() if r.customer_id is None]
        if not ids or self.scope == "ignored":
            return False
        op = self.runner.op(self, ignore_messages, email_ids=ids, actor=self.actor)
        op.with_progress(self.tr("Ignoring messages…"), cancellable=False)
        op.on_success(self._on_ignored).run()
        return True

    def _on_ignored(self, count: int) -> None:
        if count == 1:
            text = self.tr("1 message ignored: it is under “Ignored” now.")
        else:
            text = self.tr("{count} messages ignored: they are under “Ignored” now.").format(
                count=QLocale().toString(count)
            )
        self._show_result(text, warning=False)
        self._changed()

    @Slot()
    def _on_restore_action_triggered(self) -> None:
        self.restore_selected()

    def restore_selected(self) -> bool:
        ids = self.selected_ids()
        if not ids or self.scope != "ignored":
            return False
        op = self.runner.op(self, unignore_messages, email_ids=ids, actor=self.actor)
        op.with_progress(self.tr("Putting messages back…"), cancellable=False)
        op.on_success(self._on_restored).run()
        return True

    def _on_restored(self, count: int) -> None:
        self._show_result(
            self.tr("{count} back in the unlinked queue.").format(count=QLocale().toString(count)),
            warning=False,
        )
        self._changed()

    # ----------------------------------------------------------------- importing

    def _ask_files(self, parent: QWidget) -> list[str]:
        names, _filter = QFileDialog.getOpenFileNames(
            parent,
            self.tr("Import mail files"),
            "",
            self.tr("Mail files (*.eml *.msg *.mbox);;All files (*)"),
        )
        return list(names)

    @Slot()
    def _on_import_button_clicked(self) -> None:
        paths = self.file_chooser(self)
        if paths:
            self.import_files(paths)

    def import_files(self, paths: Sequence[str]) -> Op | None:
        """Import mail files and folders (one transaction; cancel keeps nothing), then say
        what came of it. None: nothing to import or an import is running."""
        chosen = [str(p) for p in paths]
        if not chosen or (self.import_op is not None and self.import_op.running):
            return None
        op = self.runner.op(self, import_mail_files, paths=chosen, actor=self.actor)
        op.with_progress(self.tr("Importing mail…"), cancellable=True)
        op.on_success(self._on_imported)
        op.on_failure(self._on_import_failed)
        self.import_op = op
        op.run()
        self.import_button.setEnabled(False)
        return op

    def _on_imported(self, result: MailImportResult) -> None:
        self.import_button.setEnabled(True)
        self.last_import = result
        self._show_import_banner(result)
        self._show_import_box(result)
        if self.scope == "ignored" and result.unlinked:
            self.set_scope("unlinked")
        self.sig_imported.emit(result)
        self._changed()

    def _on_import_failed(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        if isinstance(exc, OperationCancelled):
            self._show_result(self.tr("Import cancelled: nothing was imported."), warning=True)
            return
        self.runner.show_error(self, exc)

    def import_summary(self, result: MailImportResult) -> str:
        locale = QLocale()
        parts = [
            self.tr("{stored} new messages from {files} files.").format(
                stored=locale.toString(result.stored), files=locale.toString(result.files)
            )
            if result.stored != 1 or result.files != 1
            else self.tr("1 new message.")
        ]
        if result.stored:
            parts.append(
                self.tr("Linked to customers: {linked}; waiting in the queue: {unlinked}.").format(
                    linked=locale.toString(result.linked),
                    unlinked=locale.toString(result.unlinked),
                )
            )
        if result.duplicates:
            parts.append(
                self.tr("Already stored before: {count}.").format(
                    count=locale.toString(result.duplicates)
                )
            )
        if result.problems:
            parts.append(
                self.tr("Not imported: {count}.").format(
                    count=locale.toString(len(result.problems))
                )
            )
        return " ".join(parts)

    def problem_lines(self, result: MailImportResult) -> list[str]:
        lines = []
        for problem in result.problems:
            name = Path(problem.path).name or problem.path
            if problem.index is not None:
                name = self.tr("{file}, message {number}").format(
                    file=name, number=QLocale().toString(problem.index + 1)
                )
            lines.append(f"{name}: {problem.reason}")
        return lines

    def _show_import_banner(self, result: MailImportResult) -> None:
        self._show_result(self.import_summary(result), warning=bool(result.problems))

    def _show_import_box(self, result: MailImportResult) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("crm-desktop")
        box.setText(self.import_summary(result))
        if result.problems:
            box.setIcon(QMessageBox.Icon.Warning)
            lines = self.problem_lines(result)
            shown = lines[:MAX_PROBLEM_LINES]
            if len(lines) > len(shown):
                shown.append(
                    self.tr("… and {count} more (see the details)").format(
                        count=QLocale().toString(len(lines) - len(shown))
                    )
                )
            box.setInformativeText(
                self.tr("These files or messages were not imported:") + "\n" + "\n".join(shown)
            )
            box.setDetailedText("\n".join(lines))
        else:
            box.setIcon(QMessageBox.Icon.Information)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.message_box = box
        box.open()

    # ----------------------------------------------------------------- drag and drop

    @staticmethod
    def _dropped_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[str]:
        data = event.mimeData()
        if data is None or not data.hasUrls():
            return []
        return mail_paths([u.toLocalFile() for u in data.urls() if u.isLocalFile()])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._dropped_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self._dropped_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_files(paths)

    # ----------------------------------------------------------------- syncing

    def load_accounts(self) -> None:
        try:
            from crm_desktop.services.mail_accounts import list_mail_accounts
            from crm_desktop.services.mail_sync import sync_account  # noqa: F401
        except ImportError:
            self._sync_available = False
            self._show_sync_state()
            self.sig_accounts_loaded.emit(0)
            return
        op = self.runner.op(self, list_mail_accounts, actor=self.actor).read_only()
        op.on_success(self._on_accounts_loaded).on_failure(self._on_accounts_failed).run()

    def _on_accounts_loaded(self, accounts: list[Any]) -> None:
        self.accounts = [a for a in accounts if getattr(a, "active", True)]
        self._show_sync_state()
        self.sig_accounts_loaded.emit(len(self.accounts))

    def _on_accounts_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, OperationCancelled):
            log.warning("mail accounts failed: %s", exc)
        self.accounts = []
        self._show_sync_state()
        self.sig_accounts_loaded.emit(0)

    def _show_sync_state(self) -> None:
        self.sync_menu.clear()
        if not self._sync_available:
            self.sync_button.setEnabled(False)
            self.sync_button.setToolTip(self.tr("Mail accounts are not available in this version"))
            return
        if not self.accounts:
            self.sync_button.setEnabled(False)
            self.sync_button.setToolTip(
                self.tr("Add a mail account first: Settings → Mail accounts…")
            )
            return
        self.sync_button.setEnabled(True)
        if len(self.accounts) == 1:
            self.sync_button.setToolTip(
                self.tr("Fetch new mail of {account}").format(account=self.accounts[0].name)
            )
            return
        self.sync_button.setToolTip(self.tr("Fetch new mail of one of your accounts"))
        for account in self.accounts:
            action = self.sync_menu.addAction(f"{account.name} <{account.email_address}>")
            action.triggered.connect(partial(self.sync_account, account))

    @Slot()
    def _on_sync_button_clicked(self) -> None:
        if len(self.accounts) == 1:
            self.sync_account(self.accounts[0])
        elif self.accounts:
            self.sync_menu.popup(self.sync_button.mapToGlobal(self.sync_button.rect().bottomLeft()))

    def sync_account(self, account: Any, _checked: bool = False) -> None:
        """Sync one account: its stored password, else ask for it; then fetch in the
        background (own transactions: what arrived stays even when the connection drops)."""
        from crm_desktop.services.mail_accounts import stored_password

        op = self.runner.op(self, stored_password, account_id=account.id).read_only()
        op.on_success(partial(self._on_password_known, account)).run()

    def _on_password_known(self, account: Any, password: str | None) -> None:
        if password is None:
            password = self._ask_password(account)
            if password is None:
                return
        from crm_desktop.services.mail_sync import sync_account

        op = self.runner.op(
            self, sync_account, account_id=account.id, actor=self.actor, password=password
        ).own_transactions()
        op.with_progress(self.tr("Fetching mail of {account}…").format(account=account.name))
        op.on_success(partial(self._on_synced, account))
        op.on_failure(self._on_sync_failed)
        self.sync_button.setEnabled(False)
        op.run()

    def _ask_password(self, account: Any) -> str | None:
        try:
            from crm_desktop.ui.mail_accounts import (  # type: ignore[import-not-found,unused-ignore]
                ask_password,
            )
        except ImportError:
            text, ok = QInputDialog.getText(
                self,
                "crm-desktop",
                self.tr("Password of {account}:").format(account=account.email_address),
                QLineEdit.EchoMode.Password,
            )
            return text if ok and text else None
        answer: str | None = ask_password(self, account)
        return answer

    def _on_synced(self, account: Any, result: Any) -> None:
        self._show_sync_state()
        folders = getattr(result, "folders", ())
        stored = sum(f.stored for f in folders)
        linked = sum(f.linked for f in folders)
        unlinked = sum(f.unlinked for f in folders)
        problems = len(getattr(result, "problems", ()))
        text = self.tr(
            "{account}: {stored} new messages ({linked} linked, {unlinked} waiting in the queue)."
        ).format(
            account=account.name,
            stored=QLocale().toString(stored),
            linked=QLocale().toString(linked),
            unlinked=QLocale().toString(unlinked),
        )
        if problems:
            text += " " + self.tr("Not stored: {count}.").format(count=QLocale().toString(problems))
        self._show_result(text, warning=bool(problems))
        self._changed()

    def _on_sync_failed(self, exc: BaseException) -> None:
        self._show_sync_state()
        if isinstance(exc, OperationCancelled):
            self._show_result(
                self.tr("Sync cancelled: the mail fetched so far is kept."), warning=True
            )
            self._changed()
            return
        self.runner.show_error(self, exc)

    # ----------------------------------------------------------------- the banner

    def _show_result(self, text: str, *, warning: bool) -> None:
        self.result_label.setStyleSheet(_WARNING_STYLE if warning else _SUCCESS_STYLE)
        self.result_label.setText(text)
        self.result_label.setVisible(bool(text))
