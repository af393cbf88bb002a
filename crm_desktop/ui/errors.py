"""One place that shows errors: a user error as a warning, a cancel as nothing, a bug as
"Unexpected error" with details and the log folder. Also the uncaught-exception hook."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QThread
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from crm_desktop.core import paths
from crm_desktop.core.errors import (
    ConnectionLost,
    OperationCancelled,
    UserError,
    ValidationError,
)

log = logging.getLogger(__name__)


def field_label(name: str) -> str:
    """The label a user knows for a field name a service reports in ``ValidationError.fields``."""
    labels = {
        "company_name": QCoreApplication.translate("Errors", "Company name"),
        "login": QCoreApplication.translate("Errors", "Login"),
        "display_name": QCoreApplication.translate("Errors", "Display name"),
        "password": QCoreApplication.translate("Errors", "Password"),
        "role": QCoreApplication.translate("Errors", "Role"),
        "branch": QCoreApplication.translate("Errors", "Branch"),
        "email": QCoreApplication.translate("Errors", "Email"),
    }
    return labels.get(name, name)


def user_message(exc: BaseException) -> str:
    """The text shown for a user error; a ValidationError lists its fields."""
    if isinstance(exc, ConnectionLost):
        return QCoreApplication.translate(
            "Errors", "The connection to the server was lost; your changes are kept — try again."
        )
    message = str(exc)
    if isinstance(exc, ValidationError) and exc.fields:
        lines = [f"• {field_label(name)}: {text}" for name, text in exc.fields.items()]
        message = message + "\n\n" + "\n".join(lines)
    return message


def _details(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def error_message_box(parent: QWidget | None, exc: BaseException) -> QMessageBox | None:
    """The message box ``show_error`` would show for ``exc`` (None for a cancel), not yet shown.

    Anything that is not a UserError is logged here with its traceback.
    """
    if isinstance(exc, OperationCancelled):
        return None
    box = QMessageBox(parent)
    box.setWindowTitle("crm-desktop")
    if isinstance(exc, UserError):
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(user_message(exc))
        return box
    log.error("Unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    box.setIcon(QMessageBox.Icon.Critical)
    box.setText(QCoreApplication.translate("Errors", "Unexpected error"))
    box.setInformativeText(
        QCoreApplication.translate(
            "Errors",
            "Something went wrong that crm-desktop did not expect: {error}\n\n"
            "Work interrupted by this error was not saved. The details were written to the "
            "log in {folder}; please include that file when you report the problem.",
        ).format(error=f"{type(exc).__name__}: {exc}", folder=paths.log_dir())
    )
    box.setDetailedText(_details(exc))
    return box


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Show ``exc`` to the user in the way its kind calls for (modal; returns when closed)."""
    box = error_message_box(parent, exc)
    if box is not None:
        box.exec()
        box.deleteLater()


_showing = threading.Event()  # guards against an error raised while the error box is open


def _handle_uncaught(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    if exc.__traceback__ is None and tb is not None:
        exc = exc.with_traceback(tb)
    app = QApplication.instance()
    on_gui_thread = app is not None and QThread.currentThread() is app.thread()
    if not on_gui_thread or _showing.is_set():
        log.critical("Uncaught exception", exc_info=(exc_type, exc, tb))
        return
    _showing.set()
    try:
        show_error(None, exc)
    finally:
        _showing.clear()


def _handle_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or isinstance(args.exc_value, OperationCancelled):
        return
    log.critical(
        "Uncaught exception in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def install_excepthook() -> None:
    """Route uncaught exceptions (GUI thread: dialog + log; other threads: log) through here."""
    sys.excepthook = _handle_uncaught
    threading.excepthook = _handle_thread_exception
