"""Live updates in the window (DESIGN §10): a thread waits for the changes other clients write
and hands them to the GUI thread as one ``sig_changed`` per batch; lists and open customer files
refresh what they show. Also the banner of a customer file changed elsewhere while edited.

The listener comes from ``services.live`` (the UI never touches the driver); ``LiveUpdates`` is
a child of the op runner, so any window of that runner finds it with ``live_updates_of``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from PySide6.QtCore import QEvent, QObject, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from crm_desktop.services.live import (
    CUSTOMER_IDS,
    EVERYTHING,
    Change,
    ChangeListener,
    concerns_customer,
    merge_changes,
)
from crm_desktop.ui.ops import OpRunner

__all__ = [
    "CUSTOMER_IDS",
    "EVERYTHING",
    "ChangedElsewhereBanner",
    "LiveUpdates",
    "concerns_customer",
    "live_updates_of",
]

log = logging.getLogger(__name__)

POLL_S = 0.25  # how long one wait lasts: also how soon stop() is noticed


class LiveUpdates(QObject):
    """Owns a ``ChangeListener`` and the thread that polls it. Start it once the window is up,
    stop it before the database is closed. ``sig_changed`` arrives on the GUI thread."""

    sig_changed = Signal(object)
    """Other clients (or this one) changed rows: ``dict[str, set[int]]`` from
    ``services.live.merge_changes`` — table name → row ids, ``CUSTOMER_IDS`` → the customers
    concerned, ``EVERYTHING`` present when ids are unknown (refresh all that is shown)."""

    sig_connection_changed = Signal(bool)
    """The listening connection was lost (False) or is back (True)."""

    _sig_worker_changes = Signal(object)  # internal: a batch of Change from the thread
    _sig_worker_connected = Signal(bool)  # internal

    def __init__(
        self,
        runner: OpRunner,
        listener_factory: Callable[[], ChangeListener | None],
        *,
        poll_s: float = POLL_S,
    ) -> None:
        # A child of the runner: lives as long as the database is open, found by its windows.
        super().__init__(runner)
        self._listener_factory = listener_factory
        self._poll_s = poll_s
        self._listener: ChangeListener | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._first_attempt = threading.Event()
        self.connected = False
        self.batches = 0  # batches delivered (tests, diagnostics)
        self._sig_worker_changes.connect(self._on_worker_changes)
        self._sig_worker_connected.connect(self._on_worker_connected)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> bool:
        """Start listening on a thread of its own; False when there is nothing to listen to
        (SQLite). ``wait_listening`` tells when the LISTEN is in place: a change committed
        after that is never missed."""
        if self.running:
            return True
        listener = self._listener_factory()
        if listener is None:
            return False
        self._listener = listener
        self._stop.clear()
        self._first_attempt.clear()
        self._thread = threading.Thread(
            target=self._run, args=(listener,), name="crm-live-updates", daemon=True
        )
        self._thread.start()
        return True

    def wait_listening(self, timeout_s: float = 10.0) -> bool:
        """Block until the first connection attempt ended; True when it listens."""
        self._first_attempt.wait(timeout_s)
        listener = self._listener
        return listener is not None and listener.connected

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the thread and close the listening connection."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("live updates: the listener thread did not stop in time")
                return  # it closes its connection itself when its poll returns
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    # ----------------------------------------------------------------- worker thread

    def _run(self, listener: ChangeListener) -> None:
        """The thread's body: touches no QObject but this object's internal signals."""
        # Connecting may take seconds when the server is slow: never on the GUI thread.
        if not listener.connect():
            log.warning("live updates: cannot listen yet (%s); retrying", listener.last_error)
        self._first_attempt.set()
        was_connected = listener.connected
        self._emit(self._sig_worker_connected, was_connected)
        while not self._stop.is_set():
            try:
                changes = listener.poll(self._poll_s)
            except Exception:  # a bug must not end live updates for the session
                log.exception("live updates: poll failed")
                self._stop.wait(1.0)
                continue
            now_connected = listener.connected
            if now_connected != was_connected:
                was_connected = now_connected
                self._emit(self._sig_worker_connected, now_connected)
            if changes and not self._stop.is_set():
                self._emit(self._sig_worker_changes, changes)
        if self._stop.is_set():
            listener.close()

    def _emit(self, signal: object, payload: object) -> None:
        try:
            signal.emit(payload)  # type: ignore[attr-defined]
        except RuntimeError:  # this object was destroyed meanwhile (the app is closing)
            self._stop.set()

    # ----------------------------------------------------------------- GUI thread

    @Slot(object)
    def _on_worker_changes(self, changes: list[Change]) -> None:
        self.batches += 1
        self.sig_changed.emit(merge_changes(changes))

    @Slot(bool)
    def _on_worker_connected(self, connected: bool) -> None:
        self.connected = connected
        self.sig_connection_changed.emit(connected)


def live_updates_of(runner: OpRunner) -> LiveUpdates | None:
    """The live updates of ``runner``'s database, when they were set up (Shared mode)."""
    return runner.findChild(LiveUpdates)


class ChangedElsewhereBanner(QFrame):
    """Shown above a customer file whose profile someone else changed while this user was
    editing it: the input stays; Reload takes the other version (Save merges or asks)."""

    sig_reload_requested = Signal()
    """The user clicked Reload."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changedElsewhereBanner")
        self.setStyleSheet(
            "QFrame#changedElsewhereBanner { background: #fff7e6; border: 1px solid #f5d08a;"
            " border-radius: 6px; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.reload_button = QPushButton(self)
        row.addWidget(self.label, 1)
        row.addWidget(self.reload_button)
        self.reload_button.clicked.connect(self.sig_reload_requested)
        self.retranslate_ui()
        self.setVisible(False)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.label.setText(
            self.tr(
                "Someone else changed this customer while you were editing. Your input is "
                "kept: Save merges the changes or asks which to keep; Reload shows theirs."
            )
        )
        self.reload_button.setText(self.tr("Reload"))


def changed_customer_ids(changes: Mapping[str, set[int]]) -> set[int] | None:
    """The customers a batch concerns; None when unknown (everything may have changed)."""
    if EVERYTHING in changes:
        return None
    return set(changes.get(CUSTOMER_IDS, ()))
