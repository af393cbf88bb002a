"""The sign-in dialog (Single mode): wrong passwords keep it open, the right one signs in."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from crm_desktop.core.settings import Settings, load_settings
from crm_desktop.services.context import Actor
from crm_desktop.ui.login import LoginDialog, url_with_user
from crm_desktop.ui.ops import OpRunner

from .conftest import ADMIN_LOGIN, ADMIN_PASSWORD, COMPANY, RecordedErrors


def open_login(qtbot: QtBot, runner: OpRunner, settings: Settings) -> LoginDialog:
    dialog = LoginDialog(
        settings=settings,
        database_label=runner.db.label,
        runner=runner,
        company_name=COMPANY,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def sign_in(qtbot: QtBot, dialog: LoginDialog, login: str, password: str) -> None:
    dialog.login_edit.clear()
    qtbot.keyClicks(dialog.login_edit, login)
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def test_a_wrong_password_shows_a_message_and_keeps_the_dialog(
    qtbot: QtBot,
    ui_runner: OpRunner,
    ui_company: Actor,
    ui_settings: Settings,
    ui_errors: RecordedErrors,
) -> None:
    dialog = open_login(qtbot, ui_runner, ui_settings)
    assert ui_runner.db.label in dialog.database_note.text()
    assert dialog.company_label.text() == COMPANY
    sign_in(qtbot, dialog, ADMIN_LOGIN, "not the password")
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=10_000)

    assert dialog.error_label.text() == "Wrong login or password. Please try again."
    assert dialog.isVisible() and dialog.actor is None
    assert dialog.sign_in_button.isEnabled()
    assert ui_errors.shown == []  # said in the dialog, not in a message box

    qtbot.keyClicks(dialog.password_edit, "x")
    assert not dialog.error_label.isVisible()  # typing again clears the message


def test_an_unknown_login_gets_the_same_message(
    qtbot: QtBot, ui_runner: OpRunner, ui_company: Actor, ui_settings: Settings
) -> None:
    dialog = open_login(qtbot, ui_runner, ui_settings)
    sign_in(qtbot, dialog, "nobody", ADMIN_PASSWORD)
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=10_000)
    assert dialog.error_label.text() == "Wrong login or password. Please try again."


def test_empty_fields_are_asked_for(
    qtbot: QtBot, ui_runner: OpRunner, ui_company: Actor, ui_settings: Settings
) -> None:
    dialog = open_login(qtbot, ui_runner, ui_settings)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "Enter your login and your password."
    assert ui_runner.active_count == 0


def test_the_right_password_signs_in_and_is_remembered(
    qtbot: QtBot, ui_runner: OpRunner, ui_company: Actor, ui_settings: Settings
) -> None:
    dialog = open_login(qtbot, ui_runner, ui_settings)
    with qtbot.waitSignal(dialog.sig_signed_in, timeout=10_000) as signed_in:
        sign_in(qtbot, dialog, ADMIN_LOGIN.upper(), ADMIN_PASSWORD)

    actor = signed_in.args[0]
    assert actor.login == ADMIN_LOGIN and actor.role == "admin"
    assert dialog.actor == actor
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert load_settings().last_login == ADMIN_LOGIN


def test_the_last_login_is_filled_in(qtbot: QtBot, ui_runner: OpRunner, ui_company: Actor) -> None:
    dialog = open_login(qtbot, ui_runner, Settings(last_login=ADMIN_LOGIN))
    assert dialog.login_edit.text() == ADMIN_LOGIN
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.password_edit)


def test_shared_mode_logs_in_as_the_database_role() -> None:
    url = "postgresql+psycopg://old@db.example.com:5433/crm?sslmode=require"
    assert url_with_user(url, "wang.fang") == (
        "postgresql+psycopg://wang.fang@db.example.com:5433/crm?sslmode=require"
    )


@pytest.mark.postgres
def test_shared_mode_signs_in_with_the_database_role(qtbot: QtBot, pg_url: str) -> None:
    from crm_desktop.services.company import initialize_company
    from crm_desktop.services.database import open_database

    setup = open_database(pg_url)
    try:
        with setup.session_factory.begin() as session:
            initialize_company(
                session,
                company_name=COMPANY,
                language="en",
                admin_login="postgres",  # the test cluster's superuser role is this app user
                admin_name="Pat Postgres",
                admin_password=None,
            )
    finally:
        setup.dispose()

    dialog = LoginDialog(settings=Settings(), database_label="PostgreSQL", shared_url=pg_url)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.login_edit.text() == "postgres"  # taken from the URL

    sign_in(qtbot, dialog, "nobody", "wrong")
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=20_000)
    assert "password" in dialog.error_label.text().lower()
    assert dialog.database is None and dialog.isVisible()

    with qtbot.waitSignal(dialog.sig_signed_in, timeout=20_000) as signed_in:
        sign_in(qtbot, dialog, "postgres", "trusted anyway")
    assert signed_in.args[0].display_name == "Pat Postgres"
    assert dialog.database is not None and dialog.runner is not None
    assert dialog.database.dialect == "postgresql"
    dialog.runner.shutdown()
    dialog.database.dispose()
