"""Reminders while the app runs: planned follow-ups that fall due pop up once — as a tray
notification, or as a banner in the main window where there is no system tray — with Open,
Snooze (10 minutes, 1 hour) and Dismiss.

The service polls ``due_for_reminder`` on a worker (at start, then every minute) and marks what
it showed with ``mark_reminded`` so it is never shown twice, not even after a restart. Snoozing
lives in memory: it re-shows the reminder after the delay while the app runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSystemTrayIcon,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.services.followups import FollowupRow, due_for_reminder, mark_reminded
from crm_desktop.ui.followup_dialog import followup_pixmap, kind_label, when_text
from crm_desktop.ui.icons import app_icon
from crm_desktop.ui.style import scaled_font

if TYPE_CHECKING:
    from crm_desktop.services.context import Actor
    from crm_desktop.ui.ops import OpRunner

__all__ = ["POLL_INTERVAL_MS", "Reminder", "ReminderBanner", "ReminderService"]

log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 60_000
SNOOZE_CHOICES = (10, 60)  # minutes
MAX_SINGLE = 3  # more follow-ups falling due at once are shown as one reminder
MAX_TIMER_MS = 60 * 60 * 1000

translate = QCoreApplication.translate  # lupdate reads translate("Context", "text") calls


@dataclass(frozen=True)
class Reminder:
    """One thing to remind of: a follow-up, or several that fell due together."""

    key: str
    rows: tuple[FollowupRow, ...] = field(default=())

    @property
    def single(self) -> FollowupRow | None:
        return self.rows[0] if len(self.rows) == 1 else None


# =========================================================================== the banner


class ReminderItem(QFrame):
    """One reminder in the banner: what is due, and its buttons."""

    sig_open = Signal(str)
    """Open was clicked; carries the reminder's key."""

    sig_snooze = Signal(str, int)
    """Snooze was chosen; carries the key and the minutes."""

    sig_dismiss = Signal(str)
    """Dismiss was clicked; carries the key."""

    def __init__(self, reminder: Reminder, now: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reminder = reminder
        self.now = now
        self.setObjectName("reminderItem")
        self.setStyleSheet(
            "QFrame#reminderItem { background: #fff7e0; border: 1px solid #f3d58b;"
            " border-radius: 8px; }"
            " QFrame#reminderItem QLabel { background: transparent; border: none; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 10, 8)
        row.setSpacing(10)
        icon = QLabel(self)
        icon.setPixmap(followup_pixmap("reminder", 22, "#b45309"))
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(1)
        self.title_label = QLabel(self)
        self.title_label.setFont(scaled_font(self.title_label, 1.0, bold=True))
        self.title_label.setStyleSheet("color: #78350f;")
        self.text_label = QLabel(self)
        self.text_label.setWordWrap(True)
        self.text_label.setStyleSheet("color: #374151;")
        texts.addWidget(self.title_label)
        texts.addWidget(self.text_label)
        row.addLayout(texts, 1)
        self.open_button = QPushButton(self)
        self.snooze_button = QToolButton(self)
        self.snooze_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.snooze_menu = QMenu(self.snooze_button)
        self.snooze_actions: dict[int, QAction] = {}
        for minutes in SNOOZE_CHOICES:
            action = self.snooze_menu.addAction("")
            action.setData(minutes)
            action.triggered.connect(self._on_snooze_action_triggered)
            self.snooze_actions[minutes] = action
        self.snooze_button.setMenu(self.snooze_menu)
        self.snooze_button.clicked.connect(self._on_snooze_button_clicked)
        self.dismiss_button = QPushButton(self)
        self.dismiss_button.setFlat(True)
        for button in (self.open_button, self.snooze_button, self.dismiss_button):
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.dismiss_button.clicked.connect(self._on_dismiss_button_clicked)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        title, text = reminder_texts(self.reminder, self.now)
        self.title_label.setText(title)
        self.text_label.setText(text)
        self.open_button.setText(
            self.tr("Open") if self.reminder.single is not None else self.tr("Show Today")
        )
        self.snooze_button.setText(self.tr("Snooze 10 min"))
        self.snooze_button.setToolTip(self.tr("Remind me again later"))
        self.snooze_actions[10].setText(self.tr("In 10 minutes"))
        self.snooze_actions[60].setText(self.tr("In 1 hour"))
        self.dismiss_button.setText(self.tr("Dismiss"))

    @Slot()
    def _on_open_button_clicked(self) -> None:
        self.sig_open.emit(self.reminder.key)

    @Slot()
    def _on_snooze_button_clicked(self) -> None:
        self.sig_snooze.emit(self.reminder.key, SNOOZE_CHOICES[0])

    @Slot()
    def _on_snooze_action_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.sig_snooze.emit(self.reminder.key, int(action.data()))

    @Slot()
    def _on_dismiss_button_clicked(self) -> None:
        self.sig_dismiss.emit(self.reminder.key)


class ReminderBanner(QFrame):
    """The strip at the top of the main window holding the reminders shown in-app; hidden
    while there are none."""

    sig_open = Signal(str)
    """Open was clicked on a reminder; carries its key."""

    sig_snooze = Signal(str, int)
    """A reminder was snoozed; carries its key and the minutes."""

    sig_dismiss = Signal(str)
    """A reminder was dismissed; carries its key."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reminderBanner")
        self.setStyleSheet("QFrame#reminderBanner { background: #ffffff; }")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(16, 10, 16, 6)
        self._layout.setSpacing(6)
        self.items: dict[str, ReminderItem] = {}
        self.setVisible(False)

    def add(self, reminder: Reminder, now: datetime) -> ReminderItem:
        self.remove(reminder.key)
        item = ReminderItem(reminder, now, self)
        item.sig_open.connect(self.sig_open)
        item.sig_snooze.connect(self.sig_snooze)
        item.sig_dismiss.connect(self.sig_dismiss)
        self.items[reminder.key] = item
        self._layout.addWidget(item)
        self.setVisible(True)
        return item

    def remove(self, key: str) -> None:
        item = self.items.pop(key, None)
        if item is not None:
            item.hide()
            self._layout.removeWidget(item)
            item.deleteLater()
        self.setVisible(bool(self.items))

    def keys(self) -> list[str]:
        return list(self.items)


def reminder_texts(reminder: Reminder, now: datetime) -> tuple[str, str]:
    """The reminder's title and text, in the UI's language."""
    row = reminder.single
    if row is None:
        count = QLocale().toString(len(reminder.rows))
        distinct = list(dict.fromkeys(r.customer_name for r in reminder.rows))
        names = ", ".join(distinct[:4]) + (" …" if len(distinct) > 4 else "")
        return (
            translate("Reminders", "{count} follow-ups are due").format(count=count),
            names,
        )
    what = kind_label(row.kind)
    if row.contact_name:
        what = translate("Reminders", "{kind} with {contact}").format(
            kind=what, contact=row.contact_name
        )
    due = when_text(row.due_at, now, in_sentence=True) if row.due_at else ""
    text = translate("Reminders", "{what}, due {when}").format(what=what, when=due)
    if row.summary.strip():
        text += f" — {row.summary.strip()}"
    return translate("Reminders", "Follow-up due: {customer}").format(
        customer=row.customer_name
    ), text


# =========================================================================== the service


class ReminderService(QObject):
    """Polls for follow-ups falling due and shows each once. ``interval_ms``, ``clock`` and
    ``tray_available`` are injectable; tests call ``poll()`` and ``check_snoozed()`` directly.
    """

    sig_open_customer = Signal(int)
    """Open was chosen on a one-follow-up reminder; carries the customer id."""

    sig_show_today = Signal()
    """Open was chosen on a reminder of several follow-ups: show the Today page."""

    sig_shown = Signal(object)
    """A reminder was shown (tray or banner); carries the Reminder."""

    sig_polled = Signal()
    """A poll ended, either way (tests wait on this)."""

    def __init__(
        self,
        runner: OpRunner,
        actor: Actor,
        *,
        banner: ReminderBanner | None = None,
        interval_ms: int = POLL_INTERVAL_MS,
        clock: Callable[[], datetime] | None = None,
        tray_available: bool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.banner = banner
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        if tray_available is None:
            tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        self.use_tray = tray_available
        self.tray: QSystemTrayIcon | None = None
        self.shown: dict[str, Reminder] = {}  # on screen now (banner), or the tray's last one
        self.snoozed: dict[str, tuple[Reminder, datetime]] = {}
        self._seen: set[int] = set()
        self._polling = False
        self._batch = 0
        self._last_tray_key: str | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.snooze_timer = QTimer(self)
        self.snooze_timer.setSingleShot(True)
        self.snooze_timer.timeout.connect(self._on_snooze_timer_timeout)
        if banner is not None:
            banner.sig_open.connect(self._on_banner_sig_open)
            banner.sig_snooze.connect(self._on_banner_sig_snooze)
            banner.sig_dismiss.connect(self._on_banner_sig_dismiss)

    # ----------------------------------------------------------------- running

    def start(self) -> None:
        """Poll now, then every interval."""
        self.poll()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.snooze_timer.stop()
        if self.tray is not None:
            self.tray.hide()

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    def poll(self) -> None:
        """Ask the database what fell due (on a worker); one poll at a time."""
        if self._polling:
            return
        self._polling = True
        op = self.runner.op(None, due_for_reminder, actor=self.actor, now=self.clock())
        op.read_only().on_success(self._on_due).on_failure(self._on_poll_failed)
        op.sig_finished.connect(self._on_poll_finished)
        op.run()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.poll()
        self.check_snoozed()

    def _on_poll_failed(self, exc: BaseException) -> None:
        # A reminder is a convenience: a failing poll (network, database) is retried next time
        # rather than shown as an error every minute.
        log.warning("reminder poll failed: %r", exc)

    @Slot()
    def _on_poll_finished(self) -> None:
        self._polling = False
        self.sig_polled.emit()

    def _on_due(self, rows: Sequence[FollowupRow]) -> None:
        fresh = [r for r in rows if r.id not in self._seen]
        if not fresh:
            return
        self._seen.update(r.id for r in fresh)
        if len(fresh) <= MAX_SINGLE:
            reminders = [Reminder(f"followup-{r.id}", (r,)) for r in fresh]
        else:
            self._batch += 1
            reminders = [Reminder(f"batch-{self._batch}", tuple(fresh))]
        for reminder in reminders:
            self.show_reminder(reminder)
        op = self.runner.op(
            None,
            mark_reminded,
            followup_ids=[r.id for r in fresh],
            actor=self.actor,
            now=self.clock(),
        )
        op.on_failure(lambda exc: log.warning("could not mark reminders as shown: %r", exc))
        op.run()

    # ----------------------------------------------------------------- showing

    def show_reminder(self, reminder: Reminder) -> None:
        now = self.clock()
        if self.use_tray:
            tray = self._tray()
            title, text = reminder_texts(reminder, now)
            tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 20_000)
            self._last_tray_key = reminder.key
            self.shown = {reminder.key: reminder}
        elif self.banner is not None:
            self.banner.add(reminder, now)
            self.shown[reminder.key] = reminder
        self.sig_shown.emit(reminder)

    def _tray(self) -> QSystemTrayIcon:
        if self.tray is None:
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.setToolTip("crm-desktop")
            self.tray.messageClicked.connect(self._on_tray_message_clicked)
            self.tray.show()
        return self.tray

    @Slot()
    def _on_tray_message_clicked(self) -> None:
        if self._last_tray_key is not None:
            self.open(self._last_tray_key)

    # ----------------------------------------------------------------- answers

    def open(self, key: str) -> None:
        reminder = self.shown.get(key)
        self._forget(key)
        if reminder is None:
            return
        row = reminder.single
        if row is not None:
            self.sig_open_customer.emit(row.customer_id)
        else:
            self.sig_show_today.emit()

    def snooze(self, key: str, minutes: int) -> None:
        reminder = self.shown.get(key)
        self._forget(key)
        if reminder is None:
            return
        self.snoozed[key] = (reminder, self.clock() + timedelta(minutes=minutes))
        self._schedule_snoozed()

    def dismiss(self, key: str) -> None:
        self._forget(key)

    def _forget(self, key: str) -> None:
        if self.banner is not None:
            self.banner.remove(key)
        self.shown.pop(key, None)

    def check_snoozed(self) -> None:
        """Show again what was snoozed until now or earlier."""
        now = self.clock()
        for key, (reminder, until) in list(self.snoozed.items()):
            if until <= now:
                del self.snoozed[key]
                self.show_reminder(reminder)
        self._schedule_snoozed()

    def _schedule_snoozed(self) -> None:
        if not self.snoozed:
            self.snooze_timer.stop()
            return
        earliest = min(until for _r, until in self.snoozed.values())
        wait_ms = int((earliest - self.clock()).total_seconds() * 1000)
        self.snooze_timer.start(max(1000, min(wait_ms, MAX_TIMER_MS)))

    @Slot()
    def _on_snooze_timer_timeout(self) -> None:
        self.check_snoozed()

    @Slot(str)
    def _on_banner_sig_open(self, key: str) -> None:
        self.open(key)

    @Slot(str, int)
    def _on_banner_sig_snooze(self, key: str, minutes: int) -> None:
        self.snooze(key, minutes)

    @Slot(str)
    def _on_banner_sig_dismiss(self, key: str) -> None:
        self.dismiss(key)
