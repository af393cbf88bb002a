"""The op runner: worker thread, one transaction per operation, progress, cancel, errors."""

from __future__ import annotations

import functools
import itertools
import threading
import time
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from crm_desktop.core.errors import OperationCancelled, UserError
from crm_desktop.core.progress import Progress
from crm_desktop.db.models import CompanySetting
from crm_desktop.services.database import Database
from crm_desktop.ui.ops import PROGRESS_DELAY_MS, Op, OpRunner

from .conftest import RecordedErrors

MARKER = "test.marker"


@dataclass(frozen=True)
class EchoResult:
    value: int
    thread: str


def echo(session: Session, *, value: int) -> EchoResult:
    return EchoResult(value=value, thread=threading.current_thread().name)


def write_marker(session: Session) -> None:
    session.add(CompanySetting(key=MARKER, value=1))
    session.flush()


def marker_exists(db: Database) -> bool:
    with db.session_factory() as session:
        return session.get(CompanySetting, MARKER) is not None


def write_then_wait_for_cancel(session: Session, *, progress: Progress) -> None:
    write_marker(session)
    for i in range(2_000):  # at most ~20 s
        progress.report(i, None, "waiting")
        progress.check_cancelled()
        time.sleep(0.01)
    raise AssertionError("never cancelled")


def sleep_for(session: Session, *, seconds: float, progress: Progress) -> str:
    steps = 10
    for i in range(steps):
        progress.check_cancelled()
        time.sleep(seconds / steps)
        progress.report(i + 1, steps, "sleeping")
    return "slept"


def run_and_wait(qtbot: QtBot, op: Op, timeout: int = 10_000) -> Op:
    with qtbot.waitSignal(op.sig_finished, timeout=timeout):
        op.run()
    return op


def test_success_delivers_the_dto_to_the_gui_thread(qtbot: QtBot, ui_runner: OpRunner) -> None:
    received: list[tuple[EchoResult, bool]] = []

    def on_success(result: EchoResult) -> None:
        received.append((result, threading.current_thread() is threading.main_thread()))

    op = ui_runner.op(None, echo, value=42).on_success(on_success)
    run_and_wait(qtbot, op)

    assert len(received) == 1
    result, on_gui_thread = received[0]
    assert result.value == 42
    assert on_gui_thread
    assert result.thread != threading.main_thread().name  # the work ran on a worker
    assert op.result == result and op.finished and ui_runner.active_count == 0


def test_a_write_is_committed(qtbot: QtBot, ui_runner: OpRunner, ui_db: Database) -> None:
    run_and_wait(qtbot, ui_runner.op(None, write_marker))
    assert marker_exists(ui_db)


def test_a_user_error_reaches_the_error_display_once(
    qtbot: QtBot, ui_runner: OpRunner, ui_errors: RecordedErrors, ui_db: Database
) -> None:
    def fail(session: Session) -> None:
        write_marker(session)
        raise UserError("That customer was deleted meanwhile")

    successes: list[object] = []
    op = ui_runner.op(None, fail).on_success(successes.append)
    with qtbot.waitSignal(op.sig_failed) as failed:
        run_and_wait(qtbot, op)

    assert [str(e) for e in ui_errors.shown] == ["That customer was deleted meanwhile"]
    assert failed.args[0] is ui_errors.shown[0]
    assert successes == []
    assert not marker_exists(ui_db)  # rolled back


def test_on_failure_takes_the_error_instead_of_the_display(
    qtbot: QtBot, ui_runner: OpRunner, ui_errors: RecordedErrors
) -> None:
    def fail(session: Session) -> None:
        raise UserError("nope")

    caught: list[BaseException] = []
    run_and_wait(qtbot, ui_runner.op(None, fail).on_failure(caught.append))
    assert [str(e) for e in caught] == ["nope"]
    assert ui_errors.shown == []


def test_a_bug_in_the_operation_is_shown_as_unexpected(
    qtbot: QtBot, ui_runner: OpRunner, ui_errors: RecordedErrors
) -> None:
    def crash(session: Session) -> None:
        raise ZeroDivisionError("boom")

    run_and_wait(qtbot, ui_runner.op(None, crash))
    assert len(ui_errors.shown) == 1
    assert isinstance(ui_errors.shown[0], ZeroDivisionError)
    assert ui_errors.shown[0].__traceback__ is not None  # the details dialog needs it


def test_cancel_rolls_back_the_writes(
    qtbot: QtBot, ui_runner: OpRunner, ui_errors: RecordedErrors, ui_db: Database
) -> None:
    op = ui_runner.op(None, write_then_wait_for_cancel)
    with qtbot.waitSignal(op.sig_progress):
        op.run()
    with qtbot.waitSignal(op.sig_finished, timeout=10_000):
        op.cancel()

    assert isinstance(op.error, OperationCancelled)
    assert ui_errors.shown == []  # a cancel is not an error to show
    assert not marker_exists(ui_db)


def test_cancel_button_of_the_progress_dialog_cancels(
    qtbot: QtBot, ui_runner: OpRunner, ui_errors: RecordedErrors, ui_db: Database
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    op = ui_runner.op(parent, write_then_wait_for_cancel).with_progress("Importing…")
    op.run()
    qtbot.waitUntil(
        lambda: op.progress_dialog is not None and op.progress_dialog.isVisible(), timeout=5_000
    )
    assert op.progress_dialog is not None
    assert "Importing…" in op.progress_dialog.labelText()
    cancel = op.progress_dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    with qtbot.waitSignal(op.sig_finished, timeout=10_000):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)

    assert isinstance(op.error, OperationCancelled)
    assert op.progress_dialog is None
    assert ui_errors.shown == []
    assert not marker_exists(ui_db)


def test_no_progress_dialog_for_a_quick_operation(qtbot: QtBot, ui_runner: OpRunner) -> None:
    op = ui_runner.op(None, sleep_for, seconds=0.05).with_progress("Working…")
    run_and_wait(qtbot, op)
    assert op.result == "slept"
    assert not op.progress_shown


def test_progress_dialog_for_a_slow_operation(qtbot: QtBot, ui_runner: OpRunner) -> None:
    seconds = PROGRESS_DELAY_MS / 1000 + 0.6
    op = ui_runner.op(None, sleep_for, seconds=seconds).with_progress("Working…")
    op.run()
    qtbot.waitUntil(
        lambda: op.progress_dialog is not None and op.progress_dialog.isVisible(), timeout=5_000
    )
    dialog = op.progress_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.maximum() == 10, timeout=5_000)  # reports arrive
    qtbot.waitUntil(lambda: op.finished, timeout=10_000)
    assert op.progress_shown
    assert op.progress_dialog is None  # closed at the end
    assert op.result == "slept"


def test_a_read_only_operation_never_commits(
    qtbot: QtBot, ui_runner: OpRunner, ui_db: Database
) -> None:
    run_and_wait(qtbot, ui_runner.op(None, write_marker).read_only())
    assert not marker_exists(ui_db)


def test_returning_an_orm_object_is_refused(
    qtbot: QtBot, ui_runner: OpRunner, ui_errors: RecordedErrors, ui_db: Database
) -> None:
    def leak_orm(session: Session) -> CompanySetting:
        write_marker(session)
        row = session.get(CompanySetting, MARKER)
        assert row is not None
        return row

    run_and_wait(qtbot, ui_runner.op(None, leak_orm))
    assert len(ui_errors.shown) == 1
    assert isinstance(ui_errors.shown[0], TypeError)
    assert not marker_exists(ui_db)


def test_writes_run_one_at_a_time(qtbot: QtBot, ui_runner: OpRunner) -> None:
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def slow_write(session: Session) -> None:
        start = time.perf_counter()
        time.sleep(0.1)
        with lock:
            spans.append((start, time.perf_counter()))

    ops = [ui_runner.op(None, slow_write) for _ in range(3)]
    for op in ops:
        op.run()
    qtbot.waitUntil(lambda: all(op.finished for op in ops), timeout=10_000)
    spans.sort()
    assert len(spans) == 3
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        assert next_start >= end


def test_reads_run_alongside_each_other(qtbot: QtBot, ui_runner: OpRunner) -> None:
    barrier = threading.Barrier(2, timeout=5)

    def meet(session: Session) -> bool:
        barrier.wait()  # only passes when both reads run at the same time
        return True

    ops = [ui_runner.op(None, meet).read_only() for _ in range(2)]
    for op in ops:
        op.run()
    qtbot.waitUntil(lambda: all(op.finished for op in ops), timeout=10_000)
    assert [op.result for op in ops] == [True, True]


def test_an_op_runs_only_once(qtbot: QtBot, ui_runner: OpRunner) -> None:
    op = run_and_wait(qtbot, ui_runner.op(None, echo, value=1))
    with pytest.raises(RuntimeError):
        op.run()


def test_no_callback_runs_once_the_parent_window_is_gone(
    qtbot: QtBot, ui_runner: OpRunner, ui_errors: RecordedErrors
) -> None:
    parent = QWidget()
    called: list[object] = []
    op = ui_runner.op(parent, sleep_for, seconds=0.2).on_success(called.append)
    op.run()
    parent.deleteLater()
    qtbot.waitUntil(lambda: op.finished, timeout=10_000)
    assert called == [] and ui_errors.shown == []
    assert op.result == "slept"  # the work itself was done and committed


def test_any_callable_can_be_an_operation(qtbot: QtBot, ui_runner: OpRunner) -> None:
    op = run_and_wait(qtbot, ui_runner.op(None, functools.partial(echo, value=7)))
    assert op.result.value == 7


def count_settings(session: Session) -> int:
    from sqlalchemy import func, select

    return int(session.scalar(select(func.count()).select_from(CompanySetting)) or 0)


def test_a_read_runs_while_a_long_write_holds_the_write_lock(
    qtbot: QtBot, ui_runner: OpRunner
) -> None:
    writing = ui_runner.op(None, write_then_wait_for_cancel)
    writing.run()
    qtbot.waitUntil(lambda: _write_is_underway(writing), timeout=5_000)
    started = time.perf_counter()
    reading = ui_runner.op(None, count_settings).read_only()
    run_and_wait(qtbot, reading, timeout=5_000)
    waited = time.perf_counter() - started
    writing.cancel()
    qtbot.waitUntil(lambda: writing.finished, timeout=10_000)
    assert reading.result == 0  # the uncommitted marker is not visible…
    assert waited < 2  # …and the read did not queue behind the write


def _write_is_underway(op: Op) -> bool:
    progress = op._progress
    return progress is not None and progress.done > 5


def test_own_transactions_commit_per_batch_and_do_not_hold_the_write_lane(
    qtbot: QtBot, ui_runner: OpRunner, ui_db: Database
) -> None:
    """A long network op (mail sync) gets the factory, commits as it goes — a failure after
    the first batch keeps that batch — and a write queued meanwhile does not wait for it."""
    release = threading.Event()

    def batches(factory: object, *, progress: Progress) -> None:
        from sqlalchemy.orm import sessionmaker

        assert isinstance(factory, sessionmaker)
        with factory.begin() as session:
            write_marker(session)
        assert release.wait(10)
        raise UserError("The connection dropped")

    long_op = ui_runner.op(None, batches).own_transactions().on_failure(lambda exc: None)
    long_op.run()
    qtbot.waitUntil(lambda: marker_exists(ui_db), timeout=10_000)
    write = run_and_wait(qtbot, ui_runner.op(None, echo, value=7))  # the write lane is free
    assert write.result.value == 7 and long_op.running
    release.set()
    qtbot.waitUntil(lambda: long_op.finished, timeout=10_000)
    assert isinstance(long_op.error, UserError)
    assert marker_exists(ui_db)  # the committed batch stays
