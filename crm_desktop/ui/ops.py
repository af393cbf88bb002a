"""The operation runner: the GUI never touches the database on its own thread.

An operation is a plain service function ``fn(session, **kwargs, progress=...)`` run on a worker
thread inside ``with session_factory.begin() as session`` — one operation, one transaction — so
an exception or a cancel rolls everything back. Writes queue on a single-thread lane, reads share
a small pool. Results (DTOs, never ORM objects) and errors come back to the GUI thread through
Qt signals; a progress dialog appears only when the work takes longer than half a second::

    Op(self, runner, import_customers, path=p) \\
        .with_progress(self.tr("Importing…")) \\
        .on_success(self._show_result) \\
        .run()
"""

from __future__ import annotations

import inspect
import itertools
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QLocale, QObject, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from crm_desktop.core.errors import OperationCancelled, UserError
from crm_desktop.core.progress import ProgressState
from crm_desktop.services.database import translate_error

if TYPE_CHECKING:
    # Only for annotations: the UI hands the session through, it never builds queries.
    from sqlalchemy.orm import Session, sessionmaker

    from crm_desktop.services.database import Database

__all__ = ["PROGRESS_DELAY_MS", "ErrorHandler", "Op", "OpRunner"]

log = logging.getLogger(__name__)

PROGRESS_DELAY_MS = 500  # below this an operation shows no progress dialog
REPORT_INTERVAL_S = 0.05  # progress reports reach the GUI at most 20 times a second
READ_THREADS = 3
LONG_THREADS = 2

ErrorHandler = Callable[["QWidget | None", BaseException], None]

_PROGRESS = "progress"
_SUCCEEDED = "succeeded"
_FAILED = "failed"
_ids = itertools.count(1)


def _takes_progress(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` accepts a ``progress`` keyword (quick reads like counts do not)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "progress" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def _name(fn: Callable[..., Any]) -> str:
    return str(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn))


def _refuse_orm_objects(result: Any) -> None:
    # An ORM object used after its session closed lazy-loads from the GUI thread, or fails.
    sample = result[0] if isinstance(result, (list, tuple)) and result else result
    if hasattr(sample, "_sa_instance_state"):
        raise TypeError(
            f"an operation returned the ORM object {type(sample).__name__}; return a DTO instead"
        )


class _Reporter:
    """Forwards a worker's progress reports to the GUI thread, throttled."""

    def __init__(self, runner: OpRunner, op_id: int) -> None:
        self._runner = runner
        self._op_id = op_id
        self._last = 0.0
        self.state: ProgressState | None = None

    def __call__(self, done: int, total: int | None, label: str | None) -> None:
        now = time.monotonic()
        last_one = total is not None and done >= total
        if now - self._last < REPORT_INTERVAL_S and not last_one:
            return
        self._last = now
        latest_label = self.state.label if self.state is not None else label
        _emit(self._runner, self._op_id, _PROGRESS, (done, total, latest_label))


def _run_job(
    runner: OpRunner,
    op_id: int,
    factory: sessionmaker[Session],
    fn: Callable[..., Any],
    kwargs: dict[str, Any],
    progress: ProgressState,
    read_only: bool,
    own_transactions: bool = False,
) -> None:
    """The worker-thread body of one operation. It touches no QObject but the runner's signal."""
    started = time.perf_counter()
    if _takes_progress(fn):
        kwargs = {**kwargs, "progress": progress}
    try:
        if own_transactions:
            result = fn(factory, **kwargs)
            _refuse_orm_objects(result)
        elif read_only:
            with factory() as session:
                try:
                    result = fn(session, **kwargs)
                    _refuse_orm_objects(result)
                finally:
                    session.rollback()  # a read never commits, even by accident
        else:
            with factory.begin() as session:
                result = fn(session, **kwargs)
                _refuse_orm_objects(result)
    except Exception as exc:
        elapsed = time.perf_counter() - started
        log.debug("op %d %s failed after %.3f s: %r", op_id, _name(fn), elapsed, exc)
        # A dropped server connection becomes one clear UserError (the transaction is gone,
        # nothing was kept); the pool reconnects at the next operation.
        _emit(runner, op_id, _FAILED, translate_error(exc))
    else:
        log.debug("op %d %s done in %.3f s", op_id, _name(fn), time.perf_counter() - started)
        _emit(runner, op_id, _SUCCEEDED, result)


def _emit(runner: OpRunner, op_id: int, kind: str, payload: object) -> None:
    try:
        runner.sig_worker_event.emit(op_id, kind, payload)
    except RuntimeError:  # the runner was destroyed meanwhile (the app is closing)
        log.debug("op %d finished after its runner was destroyed", op_id)


class OpRunner(QObject):
    """Runs operations against one Database: a write lane of one thread and a small read pool.

    The main window (or a dialog shown before it) holds the runner; tests make their own with a
    recording ``error_handler``.
    """

    sig_worker_event = Signal(int, str, object)
    """Internal: a worker reports (op id, kind, payload); delivered on the GUI thread."""

    sig_op_finished = Signal(object)
    """An operation ended (success, failure or cancel) after its callbacks ran; carries the Op."""

    def __init__(
        self,
        db: Database,
        *,
        error_handler: ErrorHandler | None = None,
        read_threads: int = READ_THREADS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self._error_handler = error_handler
        self._write_lane = QThreadPool(self)
        self._write_lane.setMaxThreadCount(1)
        self._read_pool = QThreadPool(self)
        self._read_pool.setMaxThreadCount(max(1, read_threads))
        # Long network work (mail sync, sending) that commits in short transactions of its
        # own: it must not hold the write lane while it waits for a server.
        self._long_pool = QThreadPool(self)
        self._long_pool.setMaxThreadCount(LONG_THREADS)
        self._active: dict[int, Op] = {}
        self.sig_worker_event.connect(self._on_worker_event)

    def op(self, parent: QWidget | None, fn: Callable[..., Any], /, **kwargs: Any) -> Op:
        """A new operation of this runner (not started: call ``.run()``)."""
        return Op(parent, self, fn, **kwargs)

    @property
    def active_count(self) -> int:
        """How many operations are queued or running."""
        return len(self._active)

    def show_error(self, parent: QWidget | None, exc: BaseException) -> None:
        """Show ``exc`` once; a cancel is what the user asked for and shows nothing."""
        if isinstance(exc, OperationCancelled):
            return
        if self._error_handler is not None:
            self._error_handler(parent, exc)
            return
        from crm_desktop.ui.errors import show_error

        show_error(parent, exc)

    def cancel_all(self) -> None:
        for op in list(self._active.values()):
            op.cancel()

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Cancel what runs and wait for the workers; True when they all stopped in time."""
        self.cancel_all()
        stopped = all(
            pool.waitForDone(timeout_ms)
            for pool in (self._write_lane, self._read_pool, self._long_pool)
        )
        if not stopped:
            log.warning("operations still running at shutdown: %d", self.active_count)
        return stopped

    # ----------------------------------------------------------------- used by Op

    def _start(self, op: Op, fn: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        op_id = next(_ids)
        self._active[op_id] = op
        reporter = _Reporter(self, op_id)
        progress = ProgressState(on_report=reporter)
        reporter.state = progress
        op._progress = progress
        read_only = op.is_read_only
        own = op.has_own_transactions
        pool = self._long_pool if own else self._read_pool if read_only else self._write_lane
        # Reads must not take SQLite's write lock: they would queue behind a long import.
        factory = self.db.read_session_factory if read_only else self.db.session_factory
        pool.start(lambda: _run_job(self, op_id, factory, fn, kwargs, progress, read_only, own))

    @Slot(int, str, object)
    def _on_worker_event(self, op_id: int, kind: str, payload: object) -> None:
        op = self._active.get(op_id)
        if op is None:
            return
        if kind == _PROGRESS:
            done, total, label = payload  # type: ignore[misc]
            op._report(done, total, label)
            return
        del self._active[op_id]
        try:
            if kind == _SUCCEEDED:
                op._succeed(payload)
            else:
                assert isinstance(payload, BaseException)
                op._fail(payload)
        finally:
            self.sig_op_finished.emit(op)


class Op(QObject):
    """One operation: build it, chain options, ``run()`` it; callbacks run on the GUI thread.

    ``fn`` receives the session first, then ``kwargs``, then ``progress`` when it declares that
    parameter. Without ``on_failure`` an error goes once to the runner's error display (which
    ignores a cancel); with it, the callback receives every error, a cancel included. When the
    ``parent`` widget was destroyed meanwhile, no callback runs (the signals still fire).
    """

    sig_progress = Signal(int, object, object)
    """Work advanced: (done, total or None when unknown, the service's label or None)."""

    sig_succeeded = Signal(object)
    """The operation committed; carries its result."""

    sig_failed = Signal(object)
    """The operation failed or was cancelled and was rolled back; carries the exception."""

    sig_finished = Signal()
    """The operation ended either way, after the callbacks ran (tests wait on this)."""

    def __init__(
        self,
        parent: QWidget | None,
        runner: OpRunner,
        fn: Callable[..., Any],
        /,
        **kwargs: Any,
    ) -> None:
        # No Qt parent: a closed window must not delete an operation its worker reports to.
        super().__init__()
        self._parent_widget = parent
        self._runner = runner
        self._fn = fn
        self._kwargs = kwargs
        self._read_only = False
        self._own_transactions = False
        self._progress_label: str | None = None
        self._cancellable = True
        self._success_cb: Callable[[Any], None] | None = None
        self._failure_cb: Callable[[BaseException], None] | None = None
        self._progress: ProgressState | None = None
        self._dialog: QProgressDialog | None = None
        self._last_report: tuple[int, int | None] = (0, None)
        self._started = False
        self._done = False
        self.progress_shown = False  # whether the progress dialog ever appeared
        self.result: Any = None
        self.error: BaseException | None = None
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.timeout.connect(self._on_delay_timeout)

    # ----------------------------------------------------------------- building

    def with_progress(self, label: str, *, cancellable: bool = True) -> Op:
        """Show a progress dialog with ``label`` if the work takes longer than 0.5 s."""
        self._progress_label = label
        self._cancellable = cancellable
        return self

    def read_only(self) -> Op:
        """Run on the read pool; the transaction is rolled back, never committed."""
        self._read_only = True
        return self

    def own_transactions(self) -> Op:
        """Long network work: ``fn`` gets the session factory instead of a session, opens and
        commits its own short transactions (e.g. one per batch of synced mail, so a dropped
        connection loses nothing already stored), and runs outside the write lane."""
        self._own_transactions = True
        return self

    def on_success(self, callback: Callable[[Any], None]) -> Op:
        self._success_cb = callback
        return self

    def on_failure(self, callback: Callable[[BaseException], None]) -> Op:
        self._failure_cb = callback
        return self

    def run(self) -> Op:
        if self._started:
            raise RuntimeError("an Op runs once")
        self._started = True
        self._runner._start(self, self._fn, self._kwargs)
        if self._progress_label is not None:
            self._delay.start(PROGRESS_DELAY_MS)
        return self

    # ----------------------------------------------------------------- state

    @property
    def is_read_only(self) -> bool:
        return self._read_only

    @property
    def has_own_transactions(self) -> bool:
        return self._own_transactions

    @property
    def running(self) -> bool:
        return self._started and not self._done

    @property
    def finished(self) -> bool:
        return self._done

    @property
    def progress_dialog(self) -> QProgressDialog | None:
        """The progress dialog while it is shown (None before 0.5 s and after the end)."""
        return self._dialog

    def cancel(self) -> None:
        """Ask the worker to stop; the service raises OperationCancelled and rolls back."""
        if self._progress is not None:
            self._progress.cancel()

    # ----------------------------------------------------------------- GUI-thread delivery

    def _parent(self) -> QWidget | None:
        widget = self._parent_widget
        return widget if widget is not None and shiboken6.isValid(widget) else None

    @Slot()
    def _on_delay_timeout(self) -> None:
        if self._done or self._progress_label is None:
            return
        cancel_text = self.tr("Cancel") if self._cancellable else ""
        dialog = QProgressDialog(self._progress_label, cancel_text, 0, 0, self._parent())
        dialog.setWindowTitle("crm-desktop")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(360)
        if not self._cancellable:
            dialog.setCancelButton(None)
        dialog.canceled.connect(self._on_dialog_canceled)
        self._dialog = dialog
        self.progress_shown = True
        self._apply_report()
        dialog.show()

    @Slot()
    def _on_dialog_canceled(self) -> None:
        self.cancel()
        if self._dialog is not None:
            self._dialog.setLabelText(self.tr("Cancelling…"))

    def _apply_report(self) -> None:
        dialog = self._dialog
        if dialog is None or (self._progress is not None and self._progress.cancelled):
            return
        done, total = self._last_report
        if total:
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))
            dialog.setLabelText(
                self.tr("{label}\n{done} of {total}").format(
                    label=self._progress_label,
                    done=QLocale().toString(done),
                    total=QLocale().toString(total),
                )
            )
        else:
            dialog.setMaximum(0)

    def _report(self, done: int, total: int | None, label: str | None) -> None:
        self._last_report = (done, total)
        self._apply_report()
        self.sig_progress.emit(done, total, label)

    def _close_dialog(self) -> None:
        self._delay.stop()
        if self._dialog is not None:
            self._dialog.hide()
            self._dialog.deleteLater()
            self._dialog = None

    def _parent_gone(self) -> bool:
        """The widget that started the operation was destroyed (its window closed)."""
        widget = self._parent_widget
        return widget is not None and not shiboken6.isValid(widget)

    def _succeed(self, result: Any) -> None:
        self._done = True
        self._close_dialog()
        self.result = result
        try:
            if self._parent_gone():
                log.debug("result of %s dropped: its window is gone", _name(self._fn))
            elif self._success_cb is not None:
                self._success_cb(result)
            self.sig_succeeded.emit(result)
        finally:
            self.sig_finished.emit()

    def _fail(self, exc: BaseException) -> None:
        self._done = True
        self._close_dialog()
        self.error = exc
        try:
            if self._parent_gone():
                # Nobody is left to tell; keep bugs in the log all the same.
                if not isinstance(exc, (UserError, OperationCancelled)):
                    log.error(
                        "%s failed after its window closed",
                        _name(self._fn),
                        exc_info=(type(exc), exc, exc.__traceback__),
                    )
            elif self._failure_cb is not None:
                self._failure_cb(exc)
            else:
                self._runner.show_error(self._parent(), exc)
            self.sig_failed.emit(exc)
        finally:
            self.sig_finished.emit()
