"""The follow-up timeline of a customer file: follow-ups, planned ones, linked mail and
ownership changes, newest first with the planned ones on top (overdue in red); log, plan, mark
done, edit and delete from it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QKeySequence,
    QPainter,
    QPen,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.services.followups import TimelineEntry, delete_followup, timeline
from crm_desktop.ui.followup_dialog import (
    COMPLETE,
    EDIT,
    KIND_COLORS,
    LOG,
    OUTCOME_COLORS,
    PLAN,
    FollowupDialog,
    followup_events,
    followup_pixmap,
    kind_label,
    outcome_label,
    when_text,
)
from crm_desktop.ui.style import ERROR_COLOR, MUTED_COLOR

if TYPE_CHECKING:
    from crm_desktop.ui.customer_file import CustomerFileWindow

__all__ = ["TimelineDelegate", "TimelineModel", "TimelineTab", "ownership_reason_label"]

translate = QCoreApplication.translate

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
HEADLINE_ROLE = Qt.ItemDataRole.UserRole + 2
META_ROLE = Qt.ItemDataRole.UserRole + 3
TEXT_ROLE = Qt.ItemDataRole.UserRole + 4
BADGE_ROLE = Qt.ItemDataRole.UserRole + 5  # (text, colour) or None
LOST_ROLE = Qt.ItemDataRole.UserRole + 6
ICON_ROLE = Qt.ItemDataRole.UserRole + 7
OVERDUE_ROLE = Qt.ItemDataRole.UserRole + 8

LOG_SHORTCUT = "Ctrl+L"  # works anywhere in the customer file window
DELETE_SHORTCUT = QKeySequence.StandardKey.Delete  # in the timeline list: delete the follow-up
_PLANNED_BACKGROUND = "#fffbeb"
_OVERDUE_BACKGROUND = "#fdecea"
_SELECTED_BACKGROUND = "#dce6fc"
_RULE = "#e5e7eb"


def ownership_reason_label(reason: str | None) -> str:
    labels = {
        "create": translate("Followups", "created"),
        "assign": translate("Followups", "assigned"),
        "claim": translate("Followups", "claimed from the public pool"),
        "reclaim": translate("Followups", "returned to the public pool by rule"),
        "handover": translate("Followups", "handover"),
        "release": translate("Followups", "released to the public pool"),
        "import": translate("Followups", "imported"),
    }
    return labels.get(reason or "", reason or "")


def is_overdue(entry: TimelineEntry, now: datetime) -> bool:
    return entry.kind == "planned" and _aware(entry.at) < now


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# =========================================================================== model


class TimelineModel(QAbstractListModel):
    """The timeline's entries, as rows; the delegate paints them as cards."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: tuple[TimelineEntry, ...] = ()
        self.now = datetime.now(UTC)

    def set_entries(self, entries: Sequence[TimelineEntry], now: datetime) -> None:
        self.beginResetModel()
        self.entries = tuple(entries)
        self.now = now
        self.endResetModel()

    def retranslate(self) -> None:
        if self.entries:
            self.dataChanged.emit(self.index(0), self.index(len(self.entries) - 1))

    def entry(self, row: int) -> TimelineEntry | None:
        return self.entries[row] if 0 <= row < len(self.entries) else None

    # ----------------------------------------------------------------- Qt

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        entry = self.entry(index.row())
        if entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            parts = [self.headline(entry), self.meta(entry)]
            badge = self.badge(entry)
            if badge is not None:
                parts.append(badge[0])
            if entry.text:
                parts.append(entry.text)
            if entry.lost_reason:
                parts.append(self.lost_text(entry))
            return "\n".join(parts)
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.text or None
        if role == ENTRY_ROLE:
            return entry
        if role == HEADLINE_ROLE:
            return self.headline(entry)
        if role == META_ROLE:
            return self.meta(entry)
        if role == TEXT_ROLE:
            return entry.text
        if role == BADGE_ROLE:
            return self.badge(entry)
        if role == LOST_ROLE:
            return self.lost_text(entry) if entry.lost_reason else ""
        if role == ICON_ROLE:
            if entry.kind in ("followup", "planned"):
                return entry.title or "other"
            return entry.kind
        if role == OVERDUE_ROLE:
            return is_overdue(entry, self.now)
        return None

    # ----------------------------------------------------------------- words

    def headline(self, entry: TimelineEntry) -> str:
        if entry.kind == "mail":
            return self.tr("Email: {subject}").format(
                subject=entry.title or self.tr("(no subject)")
            )
        if entry.kind == "ownership":
            if entry.to_user and entry.from_user:
                return self.tr("Owner changed: {old} → {new}").format(
                    old=entry.from_user, new=entry.to_user
                )
            if entry.to_user:
                return self.tr("Owner: {new}").format(new=entry.to_user)
            return self.tr("Back to the public pool")
        kind = kind_label(entry.title)  # a planned one says so in its badge
        if entry.contact_name:
            return self.tr("{kind} with {contact}").format(kind=kind, contact=entry.contact_name)
        return kind

    def meta(self, entry: TimelineEntry) -> str:
        when = when_text(entry.at, self.now)
        if entry.kind == "planned":
            when = self.tr("due {when}").format(
                when=when_text(entry.at, self.now, in_sentence=True)
            )
        parts = [when]
        if entry.kind == "ownership":
            reason = ownership_reason_label(entry.reason)
            if reason:
                parts.append(reason)
        if entry.user_name:
            parts.append(entry.user_name)
        return "  ·  ".join(parts)

    def badge(self, entry: TimelineEntry) -> tuple[str, str] | None:
        if entry.kind == "planned":
            if is_overdue(entry, self.now):
                return self.tr("Overdue"), ERROR_COLOR
            return self.tr("Planned"), KIND_COLORS["planned"]
        if entry.outcome:
            return outcome_label(entry.outcome), OUTCOME_COLORS.get(entry.outcome, MUTED_COLOR)
        return None

    def lost_text(self, entry: TimelineEntry) -> str:
        return self.tr("Lost reason: {reason}").format(reason=entry.lost_reason)


# =========================================================================== delegate


class TimelineDelegate(QStyledItemDelegate):
    """Paints one entry as a card: icon, headline and badge, when and who, the summary
    wrapped over as many lines as it needs, the lost reason."""

    PAD_X = 14
    PAD_Y = 10
    ICON = 32
    GAP = 12

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        base = QFont(option.font)
        bold = QFont(base)
        bold.setBold(True)
        small = QFont(base)
        if small.pointSizeF() > 0:
            small.setPointSizeF(small.pointSizeF() * 0.92)
        return base, bold, small

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        base, bold, small = self._fonts(option)
        width = max(120, self._view.viewport().width() - 2 * self.PAD_X - self.ICON - self.GAP)
        height = QFontMetrics(bold).height() + 3 + QFontMetrics(small).height()
        text = str(index.data(TEXT_ROLE) or "")
        if text:
            height += 6 + self._wrapped_height(base, width, text)
        lost = str(index.data(LOST_ROLE) or "")
        if lost:
            height += 4 + self._wrapped_height(base, width, lost)
        height = max(height, self.ICON)
        return QSize(width, height + 2 * self.PAD_Y + 1)

    @staticmethod
    def _wrapped_height(font: QFont, width: int, text: str) -> int:
        flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft)
        return QFontMetrics(font).boundingRect(QRect(0, 0, width, 100_000), flags, text).height()

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        rect: QRect = option.rect
        state = option.state
        base, bold, small = self._fonts(option)
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            overdue = bool(index.data(OVERDUE_ROLE))
            entry = index.data(ENTRY_ROLE)
            planned = entry is not None and entry.kind == "planned"
            if state & QStyle.StateFlag.State_Selected:
                painter.fillRect(rect, QColor(_SELECTED_BACKGROUND))
            elif overdue:
                painter.fillRect(rect, QColor(_OVERDUE_BACKGROUND))
            elif planned:
                painter.fillRect(rect, QColor(_PLANNED_BACKGROUND))
            painter.setPen(QPen(QColor(_RULE), 1))
            painter.drawLine(rect.bottomLeft(), rect.bottomRight())

            icon_name = str(index.data(ICON_ROLE) or "other")
            color = QColor(ERROR_COLOR if overdue else KIND_COLORS.get(icon_name, MUTED_COLOR))
            if planned and not overdue:
                color = QColor(KIND_COLORS["planned"])
            tint = QColor(color)
            tint.setAlpha(28)
            circle = QRectF(rect.left() + self.PAD_X, rect.top() + self.PAD_Y, self.ICON, self.ICON)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(tint))
            painter.drawEllipse(circle)
            pixmap = followup_pixmap(icon_name, 18, color.name())
            painter.drawPixmap(int(circle.left() + 7), int(circle.top() + 7), pixmap)

            left = rect.left() + self.PAD_X + self.ICON + self.GAP
            width = rect.right() - self.PAD_X - left
            top = rect.top() + self.PAD_Y

            # Headline, with the badge on the right.
            badge = index.data(BADGE_ROLE)
            badge_width = 0
            if badge:
                text, badge_color = badge
                metrics = QFontMetrics(small)
                badge_width = metrics.horizontalAdvance(text) + 14
                box = QRectF(
                    rect.right() - self.PAD_X - badge_width,
                    top + 1,
                    badge_width,
                    metrics.height() + 2,
                )
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(badge_color))
                painter.drawRoundedRect(box, 4, 4)
                painter.setPen(QColor("#ffffff"))
                painter.setFont(small)
                painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
            painter.setFont(bold)
            painter.setPen(QColor("#111827"))
            metrics = QFontMetrics(bold)
            headline = metrics.elidedText(
                str(index.data(HEADLINE_ROLE) or ""),
                Qt.TextElideMode.ElideRight,
                max(10, width - badge_width - 8),
            )
            painter.drawText(left, top + metrics.ascent(), headline)
            top += metrics.height() + 3

            painter.setFont(small)
            painter.setPen(QColor(ERROR_COLOR if overdue else MUTED_COLOR))
            metrics = QFontMetrics(small)
            meta = metrics.elidedText(
                str(index.data(META_ROLE) or ""), Qt.TextElideMode.ElideRight, width
            )
            painter.drawText(left, top + metrics.ascent(), meta)
            top += metrics.height()

            flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft)
            text = str(index.data(TEXT_ROLE) or "")
            painter.setFont(base)
            if text:
                top += 6
                height = self._wrapped_height(base, width, text)
                painter.setPen(QColor("#1f2937"))
                painter.drawText(QRect(left, top, width, height), flags, text)
                top += height
            lost = str(index.data(LOST_ROLE) or "")
            if lost:
                top += 4
                height = self._wrapped_height(base, width, lost)
                painter.setPen(QColor(OUTCOME_COLORS["lost"]))
                painter.drawText(QRect(left, top, width, height), flags, lost)
        finally:
            painter.restore()


# =========================================================================== the tab


class TimelineTab(QWidget):
    """The "Follow-ups" tab of a customer file window."""

    sig_loaded = Signal()
    """The timeline arrived from the database and is shown."""

    def __init__(self, window: CustomerFileWindow) -> None:
        super().__init__(window)
        self._window = window
        self._stale = True
        self._loading = False
        self.dialog: FollowupDialog | None = None
        self.loaded_customer_id: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        buttons = QHBoxLayout()
        self.log_button = QPushButton(self)
        self.plan_button = QPushButton(self)
        self.done_button = QPushButton(self)
        self.edit_button = QPushButton(self)
        self.delete_button = QPushButton(self)
        for button in (self.log_button, self.plan_button, self.done_button, self.edit_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        layout.addLayout(buttons)

        self.model = TimelineModel(self)
        self.view = QListView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(TimelineDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(False)
        self.view.setWordWrap(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("muted")
        self.empty_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty_label)
        layout.addWidget(self.stack, 1)

        # Ctrl+L works anywhere in the customer file window.
        self.log_action = QAction(window)
        self.log_action.setShortcut(QKeySequence(LOG_SHORTCUT))
        self.log_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.log_action.triggered.connect(self._on_log_action_triggered)
        window.addAction(self.log_action)
        self.delete_action = QAction(self.view)
        self.delete_action.setShortcut(DELETE_SHORTCUT)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.delete_action.triggered.connect(self._on_delete_button_clicked)
        self.view.addAction(self.delete_action)

        self.log_button.clicked.connect(self._on_log_button_clicked)
        self.plan_button.clicked.connect(self._on_plan_button_clicked)
        self.done_button.clicked.connect(self._on_done_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.view.activated.connect(self._on_view_activated)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        followup_events(window.runner).sig_changed.connect(self._on_events_sig_changed)
        self.retranslate_ui()
        self._show_empty()
        self._update_buttons()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.log_button.setText(self.tr("Log follow-up…"))
        self.log_button.setToolTip(self.tr("Log a call, visit, meeting… (Ctrl+L)"))
        self.log_action.setText(self.tr("Log follow-up…"))
        self.plan_button.setText(self.tr("Plan follow-up…"))
        self.done_button.setText(self.tr("Mark done…"))
        self.edit_button.setText(self.tr("Edit…"))
        self.delete_button.setText(self.tr("Delete"))
        self.empty_label.setText(
            self.tr(
                "No follow-ups yet.\nLog the first call, visit or meeting with Ctrl+L, or plan "
                "one so that you are reminded when it falls due."
            )
        )
        self.model.retranslate()

    # ----------------------------------------------------------------- state

    @property
    def customer_id(self) -> int | None:
        return self._window.customer_id

    def editable(self) -> bool:
        return self.customer_id is not None and self._window.loaded

    def selected(self) -> TimelineEntry | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.entry(rows[0].row()) if rows else None

    def select_ref(self, kind: str, ref_id: int) -> None:
        for row, entry in enumerate(self.model.entries):
            if entry.kind == kind and entry.ref_id == ref_id:
                self.view.setCurrentIndex(self.model.index(row))
                return

    def update_state(self) -> None:
        """The window's state changed (loaded, saved as a new customer)."""
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        chosen = self.selected()
        usable = self.editable()
        own = chosen is not None and chosen.kind in ("followup", "planned") and chosen.can_edit
        self.log_button.setEnabled(usable)
        self.log_action.setEnabled(usable)
        self.plan_button.setEnabled(usable)
        self.done_button.setEnabled(
            usable and own and chosen is not None and chosen.kind == "planned"
        )
        self.edit_button.setEnabled(usable and own)
        self.delete_button.setEnabled(usable and own)
        self.delete_action.setEnabled(usable and own)

    def _show_empty(self) -> None:
        empty = not self.model.entries
        self.stack.setCurrentWidget(self.empty_label if empty else self.view)

    # ----------------------------------------------------------------- loading

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Read the timeline again (now if shown, else when it is next shown)."""
        self._stale = True
        if self.customer_id is None or not self.isVisible() or self._loading:
            return
        self._stale = False
        self._loading = True
        customer_id = self.customer_id
        op = self._window.run_op(
            "timeline", timeline, read_only=True, customer_id=customer_id, actor=self._window.actor
        )
        op.on_success(lambda entries: self._on_timeline_loaded(customer_id, entries))
        # A failure shows in the window's note; the next change or showing loads again.
        op.sig_finished.connect(self._on_timeline_op_finished)

    @Slot()
    def _on_timeline_op_finished(self) -> None:
        self._loading = False
        if self._stale:
            self.refresh()

    def _on_timeline_loaded(self, customer_id: int, entries: list[TimelineEntry]) -> None:
        chosen = self.selected()
        self.model.set_entries(entries, datetime.now(UTC))
        self.loaded_customer_id = customer_id
        if chosen is not None:
            self.select_ref(chosen.kind, chosen.ref_id)
        self._show_empty()
        self._update_buttons()
        self.sig_loaded.emit()

    @Slot(int)
    def _on_events_sig_changed(self, customer_id: int) -> None:
        if customer_id != self.customer_id:
            return
        self.refresh()
        self._window.load()  # the header's and profile's follow-up dates changed

    # ----------------------------------------------------------------- actions

    def open_dialog(self, mode: str, followup_id: int | None = None) -> FollowupDialog | None:
        """Open the follow-up dialog of this customer (tests drive ``self.dialog``)."""
        if not self.editable():
            return None
        dialog = FollowupDialog(
            runner=self._window.runner,
            actor=self._window.actor,
            customer_id=self.customer_id,
            mode=mode,
            followup_id=followup_id,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _on_log_action_triggered(self) -> None:
        if self.editable():
            self._window.tabs.setCurrentWidget(self)
            self.open_dialog(LOG)

    @Slot()
    def _on_log_button_clicked(self) -> None:
        self.open_dialog(LOG)

    @Slot()
    def _on_plan_button_clicked(self) -> None:
        self.open_dialog(PLAN)

    @Slot()
    def _on_done_button_clicked(self) -> None:
        chosen = self.selected()
        if chosen is not None and chosen.kind == "planned" and chosen.can_edit:
            self.open_dialog(COMPLETE, chosen.ref_id)

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        chosen = self.selected()
        if chosen is not None and chosen.kind in ("followup", "planned") and chosen.can_edit:
            self.open_dialog(EDIT, chosen.ref_id)

    @Slot(QModelIndex)
    def _on_view_activated(self, index: QModelIndex) -> None:
        entry = self.model.entry(index.row())
        if entry is None or not entry.can_edit:
            return
        if entry.kind == "planned":
            self.open_dialog(COMPLETE, entry.ref_id)
        elif entry.kind == "followup":
            self.open_dialog(EDIT, entry.ref_id)

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        chosen = self.selected()
        window = self._window
        if chosen is None or chosen.kind not in ("followup", "planned") or not chosen.can_edit:
            return
        question = (
            self.tr("Delete this planned follow-up ({kind}, due {when})?")
            if chosen.kind == "planned"
            else self.tr("Delete this follow-up ({kind}, {when})? The audit log keeps a record.")
        ).format(kind=kind_label(chosen.title), when=when_text(chosen.at, in_sentence=True))
        if not window.ask_confirm(question, self.tr("Delete follow-up")):
            return
        customer_id = self.customer_id
        window.run_op(
            "timeline-delete", delete_followup, followup_id=chosen.ref_id, actor=window.actor
        ).on_success(lambda _r: followup_events(window.runner).sig_changed.emit(customer_id))
