"""Start-up: database, first-run wizard or sign-in, main window; failures reported once."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from crm_desktop.core import paths
from crm_desktop.core.errors import DatabaseError, UserError
from crm_desktop.core.settings import Settings
from crm_desktop.services.context import Actor
from crm_desktop.ui.app import (
    LOG_BACKUPS,
    LOG_MAX_BYTES,
    AppController,
    resolve_target,
    setup_logging,
)
from crm_desktop.ui.i18n import Translations

from .conftest import ADMIN_LOGIN, ADMIN_NAME, ADMIN_PASSWORD, COMPANY, RecordedErrors

MakeController = Callable[..., AppController]


@pytest.fixture
def make_controller(
    qtbot: QtBot, ui_translations: Translations, ui_errors: RecordedErrors
) -> Iterator[MakeController]:
    made: list[AppController] = []

    def make(**kwargs: object) -> AppController:
        controller = AppController(
            settings=Settings(),
            translations=ui_translations,
            error_handler=ui_errors,
            quit_app=False,
            **kwargs,
        )
        made.append(controller)
        return controller

    yield make
    for controller in made:
        if controller.main_window is not None:
            controller.main_window.close()
            controller.main_window.deleteLater()
        controller.close()


def test_a_new_database_opens_the_wizard_then_the_main_window(
    qtbot: QtBot, make_controller: MakeController, empty_sqlite_url: str, ui_errors: RecordedErrors
) -> None:
    controller = make_controller(database=empty_sqlite_url)
    assert controller.start()
    qtbot.waitUntil(lambda: controller.wizard is not None and controller.wizard.isVisible())
    wizard = controller.wizard
    assert wizard is not None
    qtbot.keyClicks(wizard.company_page.name_edit, COMPANY)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    page = wizard.admin_page
    qtbot.keyClicks(page.login_edit, ADMIN_LOGIN)
    qtbot.keyClicks(page.name_edit, ADMIN_NAME)
    qtbot.keyClicks(page.password_edit, ADMIN_PASSWORD)
    qtbot.keyClicks(page.repeat_edit, ADMIN_PASSWORD)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(controller.sig_main_window_shown, timeout=20_000) as shown:
        qtbot.mouseClick(
            wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton
        )

    window = shown.args[0]
    assert window.isVisible()
    assert window.user_label.text() == f"{ADMIN_NAME} (Administrator)"
    assert window.windowTitle() == f"{COMPANY} — crm-desktop"
    assert Path(empty_sqlite_url.removeprefix("sqlite:///")).exists()
    assert ui_errors.shown == []


def test_a_set_up_database_asks_to_sign_in_first(
    qtbot: QtBot,
    make_controller: MakeController,
    sqlite_url: str,
    ui_company: Actor,
    ui_errors: RecordedErrors,
) -> None:
    controller = make_controller(database=sqlite_url)
    assert controller.start()
    qtbot.waitUntil(
        lambda: controller.login_dialog is not None and controller.login_dialog.isVisible()
    )
    dialog = controller.login_dialog
    assert dialog is not None
    assert dialog.company_label.text() == COMPANY
    qtbot.keyClicks(dialog.login_edit, ADMIN_LOGIN)
    qtbot.keyClicks(dialog.password_edit, ADMIN_PASSWORD)
    with qtbot.waitSignal(controller.sig_main_window_shown, timeout=20_000) as shown:
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)

    assert shown.args[0].actor.login == ADMIN_LOGIN
    assert ui_errors.shown == []


def test_automatic_sign_in_shows_the_window_built_while_argon2_ran(
    qtbot: QtBot,
    make_controller: MakeController,
    sqlite_url: str,
    ui_company: Actor,
    ui_errors: RecordedErrors,
) -> None:
    controller = make_controller(database=sqlite_url, autologin=(ADMIN_LOGIN, ADMIN_PASSWORD))
    prepared: list[object] = []
    original = controller._prepare_main_window

    def prepare(actor: object) -> None:
        original(actor)
        prepared.append(controller._prepared_window)

    controller._prepare_main_window = prepare  # type: ignore[method-assign]
    with qtbot.waitSignal(controller.sig_main_window_shown, timeout=20_000) as shown:
        assert controller.start()

    window = shown.args[0]
    assert window.isVisible() and window.actor.login == ADMIN_LOGIN
    # The window shown is the one built from the preview, not a second one.
    assert len(prepared) == 1 and prepared[0] is not None
    assert prepared[0][1] is window  # type: ignore[index]
    assert controller._prepared_window is None
    assert ui_errors.shown == []


def test_automatic_sign_in_with_a_wrong_password_shows_no_window(
    qtbot: QtBot,
    make_controller: MakeController,
    sqlite_url: str,
    ui_company: Actor,
    ui_errors: RecordedErrors,
) -> None:
    controller = make_controller(database=sqlite_url, autologin=(ADMIN_LOGIN, "not it"))
    with qtbot.waitSignal(controller.sig_stopped, timeout=20_000) as stopped:
        assert controller.start()

    assert stopped.args == [1]
    assert controller.main_window is None
    assert controller._prepared_window is None
    assert [type(e).__name__ for e in ui_errors.shown] == ["AuthenticationFailed"]


def test_cancelling_the_sign_in_ends_the_start(
    qtbot: QtBot, make_controller: MakeController, sqlite_url: str, ui_company: Actor
) -> None:
    controller = make_controller(database=sqlite_url)
    assert controller.start()
    qtbot.waitUntil(lambda: controller.login_dialog is not None)
    assert controller.login_dialog is not None
    with qtbot.waitSignal(controller.sig_stopped) as stopped:
        controller.login_dialog.reject()
    assert stopped.args == [0]
    assert controller.main_window is None


def test_a_file_that_is_no_database_is_reported(
    qtbot: QtBot, make_controller: MakeController, tmp_path: Path, ui_errors: RecordedErrors
) -> None:
    junk = tmp_path / "letter.sqlite3"
    junk.write_bytes(b"Dear customer, " * 500)
    controller = make_controller(database="sqlite:///" + junk.as_posix())
    assert not controller.start()
    assert len(ui_errors.shown) == 1
    assert isinstance(ui_errors.shown[0], DatabaseError)
    assert controller.exit_code == 1


def test_an_unknown_profile_is_reported(
    qtbot: QtBot, make_controller: MakeController, ui_errors: RecordedErrors
) -> None:
    controller = make_controller(profile="branch-office")
    assert not controller.start()
    assert isinstance(ui_errors.shown[0], UserError)
    assert "branch-office" in str(ui_errors.shown[0])


def test_resolve_target_keeps_passwords_out_of_the_url() -> None:
    url, password, login = resolve_target(
        Settings(), database="postgresql://wang:s3cret@db.local/crm"
    )
    assert (url, password, login) == ("postgresql://wang@db.local/crm", "s3cret", None)
    url, password, _login = resolve_target(Settings())
    assert url == paths.default_database_url() and password is None


def test_logging_goes_to_a_rotating_file_in_the_log_folder() -> None:
    root = logging.getLogger()
    level = root.level
    handler = setup_logging()
    try:
        assert setup_logging() is handler  # idempotent
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        assert handler.maxBytes == LOG_MAX_BYTES == 1_000_000
        assert handler.backupCount == LOG_BACKUPS == 5
        assert Path(handler.baseFilename).parent == paths.log_dir()
        logging.getLogger("crm_desktop.test").info("hello log")
        handler.flush()
        assert "hello log" in Path(handler.baseFilename).read_text(encoding="utf-8")
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(level)
