"""The Today page (今日): overdue, due-today and next-7-days follow-ups, customers about to
return to the public pool, and dormant customers — for me, or for a manager's branch. One click
opens the customer file; each row's button marks its follow-up done or logs a new one."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QEvent,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTime,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.services.followups import FollowupRow
from crm_desktop.services.pool import DormantRow, ReclaimItem
from crm_desktop.services.today import TodayData, today_data
from crm_desktop.ui.followup_dialog import (
    COMPLETE,
    LOG,
    FollowupDialog,
    followup_events,
    followup_icon,
    kind_label,
    local_datetime,
    when_text,
)
from crm_desktop.ui.style import ERROR_COLOR, MUTED_COLOR, scaled_font
from crm_desktop.ui.widgets import EmptyState, PageHeader

if TYPE_CHECKING:
    from crm_desktop.core.settings import Settings
    from crm_desktop.services.context import Actor
    from crm_desktop.ui.ops import OpRunner

__all__ = ["SECTION_KEYS", "TodayModel", "TodayPage", "TodaySection"]

log = logging.getLogger(__name__)

REFRESH_MS = 3 * 60 * 1000  # the page reads again every few minutes while it is shown
SETTINGS_KEY = "today"
SECTION_KEYS = ("overdue", "due_today", "next_days", "about_to_return", "dormant")
MAX_VISIBLE_ROWS = 8  # a longer section scrolls inside itself
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

# What a row of each section is: the follow-up sections share one layout.
_FOLLOWUPS = "followups"
_RETURN = "return"
_DORMANT = "dormant"
_SECTION_KIND = {
    "overdue": _FOLLOWUPS,
    "due_today": _FOLLOWUPS,
    "next_days": _FOLLOWUPS,
    "about_to_return": _RETURN,
    "dormant": _DORMANT,
}

Row = FollowupRow | ReclaimItem | DormantRow


def _date_text(value: datetime) -> str:
    local = local_datetime(value).date()
    return QLocale().toString(local, "yyyy-MM-dd")


# =========================================================================== model


class TodayModel(QAbstractTableModel):
    """The rows of one section; the last column is the row's action button."""

    def __init__(self, section: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.kind = _SECTION_KIND[section]
        self.rows: tuple[Row, ...] = ()
        self.now = datetime.now(UTC)
        self.show_owner = False
        self.columns = self._columns()

    def _columns(self) -> tuple[str, ...]:
        owner = ("owner",) if self.show_owner else ()
        if self.kind == _FOLLOWUPS:
            return ("due", "customer", "kind", "contact", "note", *owner, "action")
        if self.kind == _RETURN:
            return ("returns", "customer", "grade", *owner, "idle_since", "action")
        return ("customer", "grade", *owner, "last_followup", "days", "action")

    def set_rows(self, rows: Sequence[Row], now: datetime, *, show_owner: bool) -> None:
        self.beginResetModel()
        self.rows = tuple(rows)
        self.now = now
        self.show_owner = show_owner
        self.columns = self._columns()
        self.endResetModel()

    def row_at(self, row: int) -> Row | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @property
    def action_column(self) -> int:
        return len(self.columns) - 1

    def action_text(self, row: Row) -> str:
        if isinstance(row, FollowupRow):
            return self.tr("Done…") if row.can_edit else self.tr("Open")
        return self.tr("Log follow-up…")

    # ----------------------------------------------------------------- Qt

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation != Qt.Orientation.Horizontal
            or role != Qt.ItemDataRole.DisplayRole
            or not 0 <= section < len(self.columns)
        ):
            return None
        titles = {
            "due": self.tr("Due"),
            "customer": self.tr("Customer"),
            "kind": self.tr("Kind"),
            "contact": self.tr("Contact"),
            "note": self.tr("Note"),
            "owner": self.tr("Owner"),
            "returns": self.tr("Returns on"),
            "grade": self.tr("Grade"),
            "idle_since": self.tr("Last activity"),
            "last_followup": self.tr("Last follow-up"),
            "days": self.tr("Without follow-up"),
            "action": "",
        }
        return titles[self.columns[section]]

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row = self.row_at(index.row())
        if row is None or not 0 <= index.column() < len(self.columns):
            return None
        column = self.columns[index.column()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self.text(row, column)
            return text or None
        if role == Qt.ItemDataRole.DecorationRole and column == "kind":
            assert isinstance(row, FollowupRow)
            return followup_icon(row.kind)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "due" and self.section == "overdue":
                return QColor(ERROR_COLOR)
            if column in ("note", "idle_since", "last_followup", "owner"):
                return QColor(MUTED_COLOR)
        if role == Qt.ItemDataRole.FontRole and column == "customer":
            font = QApplication.font()
            font.setBold(True)
            return font
        return None

    def text(self, row: Row, column: str) -> str:
        if column == "action":
            return self.action_text(row)
        if isinstance(row, FollowupRow):
            values = {
                "due": when_text(row.due_at, self.now) if row.due_at else "",
                "customer": row.customer_name,
                "kind": kind_label(row.kind),
                "contact": row.contact_name or "",
                "note": row.summary.replace("\n", " "),
                "owner": row.user_name or "",
            }
        elif isinstance(row, ReclaimItem):
            values = {
                "returns": _date_text(row.due_at),
                "customer": row.name,
                "grade": row.grade_code or "",
                "owner": row.owner_name,
                "idle_since": _date_text(row.idle_since),
            }
        else:
            values = {
                "customer": row.name,
                "grade": row.grade_code or "",
                "owner": row.owner_name or "",
                "last_followup": _date_text(row.last_followup_at)
                if row.last_followup_at
                else self.tr("never"),
                "days": self.tr("1 day")
                if row.days == 1
                else self.tr("{count} days").format(count=QLocale().toString(row.days)),
            }
        return values.get(column, "")


# =========================================================================== the button column


class ActionDelegate(QStyledItemDelegate):
    """Paints the action column as a push button and reports clicks on it."""

    sig_clicked = Signal(QModelIndex)
    """The button of a row was clicked; carries the index."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        button = QStyleOptionButton()
        button.rect = self.button_rect(option.rect)
        button.text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        button.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
        button.fontMetrics = option.fontMetrics
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, widget)

    @staticmethod
    def button_rect(cell: QRect) -> QRect:
        return cell.adjusted(6, 3, -6, -3)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        return QSize(option.fontMetrics.horizontalAdvance(text) + 40, 30)

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and self.button_rect(option.rect).contains(event.position().toPoint())
        ):
            self.sig_clicked.emit(QModelIndex(index))
            return True
        return super().editorEvent(event, model, option, index)


# =========================================================================== a section


class _SectionView(QTreeView):
    """A flat list whose Enter opens the row (``activated``) on every platform."""

    sig_space = Signal(QModelIndex)
    """Space on a row: the keyboard's way to press the row's button."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        current = self.currentIndex()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current.isValid():
            self.activated.emit(current)
            return
        if event.key() == Qt.Key.Key_Space and current.isValid():
            self.sig_space.emit(current)
            return
        super().keyPressEvent(event)


class TodaySection(QFrame):
    """One section of the Today page: a title with its count, the rows, or a line saying
    there are none."""

    sig_open_customer = Signal(int)
    """A row was opened (double-click or Enter); carries the customer id."""

    sig_action = Signal(object)
    """A row's button was clicked; carries the row (FollowupRow, ReclaimItem or DormantRow)."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName("todaySection")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        header = QHBoxLayout()
        header.setSpacing(8)
        self.title_label = QLabel(self)
        self.title_label.setFont(scaled_font(self.title_label, 1.15, bold=True))
        self.count_label = QLabel(self)
        self.count_label.setObjectName("todayCount")
        self.count_label.setFont(scaled_font(self.count_label, 0.92, bold=True))
        header.addWidget(self.title_label)
        header.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignVCenter)
        header.addStretch(1)
        layout.addLayout(header)
        self.model = TodayModel(key, self)
        self.view = _SectionView(self)
        self.view.setModel(self.model)
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setMouseTracking(True)
        self.view.header().setHighlightSections(False)
        self.view.header().setSectionsMovable(False)
        self.delegate = ActionDelegate(self.view)
        self._button_column: int | None = None
        self.delegate.sig_clicked.connect(self._on_delegate_sig_clicked)
        self.view.activated.connect(self._on_view_activated)
        self.view.sig_space.connect(self._on_delegate_sig_clicked)
        self.view.doubleClicked.connect(self._on_view_activated)
        layout.addWidget(self.view)
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("muted")
        self.empty_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.empty_label.setWordWrap(True)
        layout.addWidget(self.empty_label)
        self.set_rows((), datetime.now(UTC), show_owner=False)

    def set_rows(self, rows: Sequence[Row], now: datetime, *, show_owner: bool) -> None:
        chosen = self.selected()
        self.model.set_rows(rows, now, show_owner=show_owner)
        self._layout_columns()
        if self._button_column != self.model.action_column:
            # The owner column comes and goes with the scope: the button column moves.
            if self._button_column is not None:
                self.view.setItemDelegateForColumn(self._button_column, None)
            self._button_column = self.model.action_column
            self.view.setItemDelegateForColumn(self._button_column, self.delegate)
        empty = not rows
        self.view.setVisible(not empty)
        self.empty_label.setVisible(empty)
        self._fit_height()
        if chosen is not None:
            self.select_customer(_customer_id(chosen))
        self.retranslate_ui()

    def _layout_columns(self) -> None:
        header = self.view.header()
        header.setStretchLastSection(False)
        widths = {
            "due": 120,
            "kind": 90,
            "contact": 110,
            "owner": 100,
            "returns": 110,
            "grade": 60,
            "idle_since": 120,
            "last_followup": 120,
            "days": 130,
            "action": 120,
        }
        # Customer and note share what the fixed columns leave.
        for column, key in enumerate(self.model.columns):
            if key in ("customer", "note"):
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            else:
                header.setSectionResizeMode(
                    column,
                    QHeaderView.ResizeMode.Fixed
                    if key == "action"
                    else QHeaderView.ResizeMode.Interactive,
                )
                header.resizeSection(column, widths.get(key, 120))

    def _fit_height(self) -> None:
        rows = min(len(self.model.rows), MAX_VISIBLE_ROWS)
        if rows == 0:
            return
        row_height = max(self.view.sizeHintForRow(0), 30)
        frame = 2 * self.view.frameWidth()
        self.view.setFixedHeight(self.view.header().sizeHint().height() + rows * row_height + frame)

    def retranslate_ui(self) -> None:
        titles = {
            "overdue": self.tr("Overdue"),
            "due_today": self.tr("Due today"),
            "next_days": self.tr("Next 7 days"),
            "about_to_return": self.tr("About to return to the public pool"),
            "dormant": self.tr("Dormant customers"),
        }
        empty = {
            "overdue": self.tr("Nothing overdue."),
            "due_today": self.tr("Nothing is due today."),
            "next_days": self.tr("Nothing planned for the next 7 days."),
            "about_to_return": self.tr(
                "No customer is about to return to the public pool: all were followed up in time."
            ),
            "dormant": self.tr("No dormant customers: every customer was followed up recently."),
        }
        self.title_label.setText(titles[self.key])
        self.empty_label.setText(empty[self.key])
        count = len(self.model.rows)
        self.count_label.setText(QLocale().toString(count))
        alert = self.key == "overdue" and count > 0
        color = ERROR_COLOR if alert else ("#1d4ed8" if count else MUTED_COLOR)
        background = "#fdecea" if alert else ("#e8effd" if count else "#f1f3f5")
        self.count_label.setStyleSheet(
            f"QLabel#todayCount {{ color: {color}; background: {background};"
            " border-radius: 9px; padding: 1px 8px; }"
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
            self.model.headerDataChanged.emit(
                Qt.Orientation.Horizontal, 0, max(0, len(self.model.columns) - 1)
            )
        super().changeEvent(event)

    # ----------------------------------------------------------------- rows

    def selected(self) -> Row | None:
        index = self.view.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def select_customer(self, customer_id: int) -> None:
        for row, item in enumerate(self.model.rows):
            if _customer_id(item) == customer_id:
                self.view.setCurrentIndex(self.model.index(row, 0))
                return

    def customer_ids(self) -> list[int]:
        return [_customer_id(row) for row in self.model.rows]

    def click_action(self, row: int) -> None:
        """Click the button of ``row`` as a user would (tests)."""
        index = self.model.index(row, self.model.action_column)
        self.view.scrollTo(index)
        self._on_delegate_sig_clicked(index)

    @Slot(QModelIndex)
    def _on_delegate_sig_clicked(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.view.setCurrentIndex(self.model.index(index.row(), 0))
            self.sig_action.emit(row)

    @Slot(QModelIndex)
    def _on_view_activated(self, index: QModelIndex) -> None:
        if index.column() == self.model.action_column:
            return  # the button handles its own clicks
        row = self.model.row_at(index.row())
        if row is not None:
            self.sig_open_customer.emit(_customer_id(row))


def _customer_id(row: Row) -> int:
    return row.customer_id


# =========================================================================== the page


class TodayPage(QWidget):
    """What to do today; ``clock`` gives "now" and ``refresh_interval_ms`` the re-read period
    (tests inject both)."""

    sig_open_customer = Signal(int)
    """The user opened a customer from a row; carries its id."""

    sig_loaded = Signal()
    """The page shows fresh data (tests wait on this)."""

    def __init__(
        self,
        actor: Actor,
        runner: OpRunner,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        refresh_interval_ms: int = REFRESH_MS,
    ) -> None:
        super().__init__(parent)
        self.key = "today"
        self.actor = actor
        self.runner = runner
        self.settings = settings
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.data: TodayData | None = None
        self.dialog: FollowupDialog | None = None
        self.loading = False
        self._stale = True
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_interval_ms)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.timer.start()
        followup_events(runner).sig_changed.connect(self._on_events_sig_changed)
        self.retranslate_ui()

    def _build(self) -> None:
        page = QVBoxLayout(self)
        page.setContentsMargins(24, 18, 24, 12)
        page.setSpacing(12)
        top = QHBoxLayout()
        top.setSpacing(10)
        self.header = PageHeader(self)
        top.addWidget(self.header, 1)
        self.scope_combo = QComboBox(self)
        self.scope_combo.addItem("", "mine")
        self.scope_combo.addItem("", "branch")
        self.scope_combo.setVisible(self.actor.is_manager)
        saved = self.settings.ui.get(SETTINGS_KEY)
        if self.actor.is_manager and isinstance(saved, dict) and saved.get("scope") == "branch":
            self.scope_combo.setCurrentIndex(1)
        self.scope_combo.currentIndexChanged.connect(self._on_scope_combo_current_index_changed)
        self.refresh_button = QPushButton(self)
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.updated_label = QLabel(self)
        self.updated_label.setObjectName("muted")
        self.updated_label.setStyleSheet(f"color: {MUTED_COLOR};")
        top.addWidget(self.updated_label, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.scope_combo, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignBottom)
        page.addLayout(top)

        self.all_clear = EmptyState("today", self)
        self.all_clear.setVisible(False)
        page.addWidget(self.all_clear)

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(self.scroll)
        body.setObjectName("page")
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 4, 0)
        column.setSpacing(18)
        self.sections: dict[str, TodaySection] = {}
        for key in SECTION_KEYS:
            section = TodaySection(key, body)
            section.sig_open_customer.connect(self._on_section_sig_open_customer)
            section.sig_action.connect(self._on_section_sig_action)
            self.sections[key] = section
            column.addWidget(section)
        column.addStretch(1)
        self.scroll.setWidget(body)
        page.addWidget(self.scroll, 1)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        from crm_desktop.ui.main_window import page_text

        text = page_text(self.key, self.actor)
        self.header.set_texts(text.title, text.subtitle)
        self.scope_combo.setItemText(0, self.tr("Mine"))
        self.scope_combo.setItemText(
            1, self.tr("All branches") if self.actor.is_admin else self.tr("My branch")
        )
        self.scope_combo.setToolTip(self.tr("Whose follow-ups and customers to show"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.refresh_button.setToolTip(self.tr("Read the follow-ups again (F5)"))
        self.refresh_button.setShortcut("F5")
        self.all_clear.set_texts(
            self.tr("All caught up"),
            self.tr(
                "Nothing is overdue or due in the next 7 days, no customer is about to return to "
                "the public pool and none is dormant."
            ),
            self.tr(
                "Whenever you log a follow-up, plan the next one: it appears here on its day and "
                "a reminder pops up when it falls due."
            ),
        )
        self._show_updated()

    def _show_updated(self) -> None:
        if self.data is None:
            self.updated_label.setText(self.tr("Loading…") if self.loading else "")
            return
        moment = local_datetime(self.data.now).time()
        self.updated_label.setText(
            self.tr("Updated {time}").format(time=QLocale().toString(moment, "HH:mm"))
        )

    # ----------------------------------------------------------------- data

    @property
    def scope(self) -> str:
        return str(self.scope_combo.currentData()) if self.actor.is_manager else "mine"

    def set_scope(self, scope: str) -> None:
        self.scope_combo.setCurrentIndex(self.scope_combo.findData(scope))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # whenever the page comes into view: the day moves on

    def refresh(self) -> None:
        """Read the page's data again (now when shown, else the next time it is shown)."""
        self._stale = True
        if not self.isVisible():
            return
        if self.loading:
            return  # the answer in flight is followed by another read (see _on_op_finished)
        self._stale = False
        self.loading = True
        self._show_updated()
        op = self.runner.op(
            self, today_data, actor=self.actor, scope=self.scope, now=self.clock()
        ).read_only()
        op.on_success(self._on_data_loaded)
        op.sig_finished.connect(self._on_op_finished)
        op.run()

    @Slot()
    def _on_op_finished(self) -> None:
        self.loading = False
        self._show_updated()
        if self._stale:
            self.refresh()

    def _on_data_loaded(self, data: TodayData) -> None:
        self.data = data
        branch = data.scope != "mine"
        for key, section in self.sections.items():
            section.set_rows(getattr(data, key), data.now, show_owner=branch)
        nothing = all(not getattr(data, key) for key in SECTION_KEYS)
        self.all_clear.setVisible(nothing)
        self.scroll.setVisible(not nothing)
        self._show_updated()
        self.sig_loaded.emit()

    def counts(self) -> dict[str, int]:
        return {key: len(section.model.rows) for key, section in self.sections.items()}

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    @Slot(int)
    def _on_events_sig_changed(self, _customer_id: int) -> None:
        self.refresh()

    @Slot()
    def _on_refresh_button_clicked(self) -> None:
        self.refresh()

    @Slot(int)
    def _on_scope_combo_current_index_changed(self, _index: int) -> None:
        saved = self.settings.ui.get(SETTINGS_KEY)
        saved = dict(saved) if isinstance(saved, dict) else {}
        saved["scope"] = self.scope
        self.settings.ui[SETTINGS_KEY] = saved
        self.refresh()

    # ----------------------------------------------------------------- rows

    def selected_row(self) -> Row | None:
        """The row with the keyboard focus, else the current row of the first section that
        has one."""
        focus = QApplication.focusWidget()
        for section in self.sections.values():
            if focus is section.view and section.selected() is not None:
                return section.selected()
        for section in self.sections.values():
            if section.selected() is not None:
                return section.selected()
        return None

    def selected_customer_id(self) -> int | None:
        row = self.selected_row()
        return _customer_id(row) if row is not None else None

    @Slot(int)
    def _on_section_sig_open_customer(self, customer_id: int) -> None:
        self.sig_open_customer.emit(customer_id)

    @Slot(object)
    def _on_section_sig_action(self, row: Row) -> None:
        if isinstance(row, FollowupRow):
            if row.can_edit:
                self.open_dialog(COMPLETE, customer_id=row.customer_id, followup_id=row.id)
            else:
                self.sig_open_customer.emit(row.customer_id)
        else:
            self.open_dialog(LOG, customer_id=row.customer_id)

    def open_dialog(
        self, mode: str, *, customer_id: int, followup_id: int | None = None
    ) -> FollowupDialog:
        dialog = FollowupDialog(
            runner=self.runner,
            actor=self.actor,
            customer_id=customer_id,
            mode=mode,
            followup_id=followup_id,
            clock=self.clock,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.dialog = dialog
        dialog.open()
        return dialog


def local_noon(now: datetime) -> datetime:
    """12:00 local time on the day of ``now``, as aware UTC (tests and pictures)."""
    local = local_datetime(now)
    local.setTime(QTime(12, 0))
    return datetime.fromtimestamp(local.toSecsSinceEpoch(), UTC)
