"""What the user is shown for each kind of error, and the crash hook."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from crm_desktop.core import paths
from crm_desktop.core.errors import OperationCancelled, UserError, ValidationError
from crm_desktop.ui import errors


def raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_a_user_error_is_a_warning_with_its_message(qtbot: QtBot) -> None:
    box = errors.error_message_box(None, UserError("The file is not a CSV file"))
    assert box is not None
    assert box.icon() == QMessageBox.Icon.Warning
    assert box.text() == "The file is not a CSV file"
    assert box.detailedText() == ""


def test_a_validation_error_lists_its_fields(qtbot: QtBot) -> None:
    exc = ValidationError("Check the form", {"login": "taken", "password": "too short"})
    box = errors.error_message_box(None, exc)
    assert box is not None
    assert "Check the form" in box.text()
    assert "• Login: taken" in box.text()
    assert "• Password: too short" in box.text()


def test_a_cancel_shows_nothing(qtbot: QtBot) -> None:
    assert errors.error_message_box(None, OperationCancelled("cancelled")) is None
    errors.show_error(None, OperationCancelled("cancelled"))  # returns at once, no dialog


def test_a_bug_is_logged_and_shown_with_details_and_the_log_folder(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    exc = raised(KeyError("grade_id"))
    with caplog.at_level(logging.ERROR, logger="crm_desktop.ui.errors"):
        box = errors.error_message_box(None, exc)
    assert box is not None
    assert box.icon() == QMessageBox.Icon.Critical
    assert box.text() == "Unexpected error"
    assert "KeyError" in box.informativeText()
    assert str(paths.log_dir()) in box.informativeText()
    assert "Traceback" in box.detailedText() and "grade_id" in box.detailedText()
    assert any(record.exc_info for record in caplog.records)


def test_install_excepthook_routes_uncaught_exceptions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    errors.install_excepthook()
    assert sys.excepthook is errors._handle_uncaught
