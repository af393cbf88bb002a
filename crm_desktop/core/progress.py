"""The Progress protocol long operations report through, and a thread-safe implementation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from crm_desktop.core.errors import OperationCancelled


class Progress(Protocol):
    """What a service receives to report progress and learn of a cancel."""

    def report(self, done: int, total: int | None = None, label: str | None = None) -> None:
        """Say how far the work is; ``total`` None means unknown."""

    def check_cancelled(self) -> None:
        """Raise OperationCancelled if the user asked to cancel."""


class ProgressState:
    """A Progress usable from any thread: the worker reports, another thread reads or cancels.

    ``on_report`` (optional) is called in the worker's thread with (done, total, label); the UI
    uses it to forward to a Qt signal, tests and the CLI use it directly.
    """

    def __init__(self, on_report: Callable[[int, int | None, str | None], None] | None = None):
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._on_report = on_report
        self.done = 0
        self.total: int | None = None
        self.label: str | None = None

    def report(self, done: int, total: int | None = None, label: str | None = None) -> None:
        with self._lock:
            self.done, self.total = done, total
            if label is not None:
                self.label = label
        if self._on_report is not None:
            self._on_report(done, total, label)

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise OperationCancelled("cancelled")

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class NullProgress:
    """A Progress that ignores reports and is never cancelled."""

    def report(self, done: int, total: int | None = None, label: str | None = None) -> None:
        return None

    def check_cancelled(self) -> None:
        return None
