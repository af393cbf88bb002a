"""Settings → Mail accounts: add an account (the password goes to the keyring, never the
database), see it listed, fields refused beside them, "Test connection" against a real Dovecot,
delete; and the password prompt other windows use. The keyring is an in-process backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from crm_desktop.core.errors import UserError
from crm_desktop.core.settings import Settings
from crm_desktop.services.mail_accounts import MailAccountInput, MailAccountRow, save_mail_account
from crm_desktop.services.mail_sync import ConnectionCheck
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.mail_accounts import (
    MailAccountEditDialog,
    MailAccountsDialog,
    PasswordPrompt,
    account_password,
    ask_password,
)
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.settings_dialog import SettingsDialog
from tests.db.customer_world import World, build_world
from tests.keyrings import MemoryKeyring
from tests.mail.servers import ImapAccount

from .conftest import RecordedErrors

WAIT = 15_000


@pytest.fixture
def world(sqlite_url: str, memory_keyring: MemoryKeyring) -> Iterator[World]:
    w = build_world(sqlite_url)
    try:
        yield w
    finally:
        w.db.dispose()


@pytest.fixture
def runner(qapp: object, world: World, ui_errors: RecordedErrors) -> Iterator[OpRunner]:
    runner = OpRunner(world.db, error_handler=ui_errors)
    try:
        yield runner
    finally:
        assert runner.shutdown(), "operations still running after the test"


@pytest.fixture
def dialog(qtbot: QtBot, runner: OpRunner, world: World) -> MailAccountsDialog:
    d = MailAccountsDialog(runner, world.li)
    qtbot.addWidget(d)
    d.open_editor = lambda editor: editor.show()
    d.ask_confirm = lambda _text, _action: True
    qtbot.waitUntil(lambda: runner.active_count == 0, timeout=WAIT)
    d.show()
    return d


def table_texts(d: MailAccountsDialog) -> list[list[str]]:
    return [
        [d.table.item(r, c).text() for c in range(d.table.columnCount())]
        for r in range(d.table.rowCount())
    ]


def fill(qtbot: QtBot, editor: MailAccountEditDialog, **values: str) -> None:
    for name, text in values.items():
        edit = getattr(editor, f"{name}_edit")
        edit.clear()
        qtbot.keyClicks(edit, text)


def test_adding_an_account_lists_it_with_the_password_in_the_keyring(
    qtbot: QtBot, dialog: MailAccountsDialog, memory_keyring: MemoryKeyring
) -> None:
    assert dialog.table.rowCount() == 0 and dialog.empty_label.isVisibleTo(dialog)
    assert not dialog.edit_button.isEnabled()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = dialog.editor
    assert editor is not None and editor.windowTitle() == "Add mail account"
    fill(qtbot, editor, name="Work", email="li@ourco.example", password="imap-secret-1")
    assert editor.imap_host_edit.text() == "imap.ourco.example"  # guessed from the address
    assert editor.smtp_host_edit.text() == "smtp.ourco.example"
    editor.imap_security_combo.setCurrentIndex(editor.imap_security_combo.findData("starttls"))
    assert editor.imap_port_spin.value() == 143

    with qtbot.waitSignal(dialog.sig_loaded, timeout=WAIT):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    assert table_texts(dialog) == [
        ["Work", "li@ourco.example", "imap.ourco.example:143", "in the keyring", "never"]
    ]
    (row,) = dialog.rows
    assert row.imap_security == "starttls" and row.username == "li@ourco.example"
    assert memory_keyring.store == {("crm-desktop", row.password_key): "imap-secret-1"}
    assert not editor.isVisible()


def test_bad_fields_are_shown_beside_them_and_nothing_is_saved(
    qtbot: QtBot, dialog: MailAccountsDialog, runner: OpRunner
) -> None:
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = dialog.editor
    assert editor is not None
    fill(qtbot, editor, name="Work", email="not an address")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.errors["email_address"].isVisibleTo(editor), timeout=WAIT)
    assert editor.errors["email_address"].text() == "not an email address"
    assert editor.isVisible() and editor.save_button.isEnabled()
    qtbot.waitUntil(lambda: runner.active_count == 0, timeout=WAIT)
    assert dialog.rows == []


def test_test_connection_logs_in_to_the_server(
    qtbot: QtBot, dialog: MailAccountsDialog, imap_account: ImapAccount
) -> None:
    server = imap_account.server
    server.deliver(imap_account.user, b"From: a@b.example\r\nSubject: x\r\n\r\nhi\r\n", "Sent")
    dialog.ssl_context = server.ssl_context()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = dialog.editor
    assert editor is not None
    fill(
        qtbot,
        editor,
        name="Work",
        email="li@ourco.example",
        username=imap_account.user,
        imap_host=server.host,
        password="wrong-password",
    )
    editor.imap_port_spin.setValue(server.imaps_port)
    with qtbot.waitSignal(editor.sig_tested, timeout=WAIT) as failed:
        qtbot.mouseClick(editor.test_button, Qt.MouseButton.LeftButton)
    assert isinstance(failed.args[0], UserError)
    assert "refused the login" in editor.test_result_label.text()

    fill(qtbot, editor, password=imap_account.password)
    with qtbot.waitSignal(editor.sig_tested, timeout=WAIT) as tested:
        qtbot.mouseClick(editor.test_button, Qt.MouseButton.LeftButton)
    check = tested.args[0]
    assert isinstance(check, ConnectionCheck) and check.sent_folder == "Sent"
    assert editor.test_result_label.text().startswith("Connected: ")
    assert editor.test_button.isEnabled()


def test_deleting_an_account_removes_it_from_the_list(
    qtbot: QtBot, world: World, runner: OpRunner, memory_keyring: MemoryKeyring
) -> None:
    with world.db.session_factory.begin() as s:
        save_mail_account(
            s,
            MailAccountInput(name="Old", email_address="li@ourco.example", imap_host="h"),
            world.li,
        )
    d = MailAccountsDialog(runner, world.li)
    qtbot.addWidget(d)
    d.ask_confirm = lambda _text, _action: True
    qtbot.waitUntil(lambda: d.table.rowCount() == 1, timeout=WAIT)
    d.table.selectRow(0)
    assert d.delete_button.isEnabled()
    with qtbot.waitSignal(d.sig_loaded, timeout=WAIT):
        qtbot.mouseClick(d.delete_button, Qt.MouseButton.LeftButton)
    assert d.table.rowCount() == 0


def _answer_prompt(password: str, remember: bool) -> None:
    def answer() -> None:
        prompts = [w for w in QApplication.topLevelWidgets() if isinstance(w, PasswordPrompt)]
        prompt = next(p for p in prompts if p.isVisible())
        prompt.password_edit.setText(password)
        prompt.remember_check.setChecked(remember)
        prompt.accept()

    QTimer.singleShot(50, answer)


def test_the_password_prompt_remembers_in_the_keyring_when_asked(
    qtbot: QtBot, world: World, memory_keyring: MemoryKeyring
) -> None:
    with world.db.session_factory.begin() as s:
        row: MailAccountRow = save_mail_account(
            s,
            MailAccountInput(name="Work", email_address="li@ourco.example", imap_host="h"),
            world.li,
        )
    _answer_prompt("once-only", remember=False)
    assert ask_password(None, row) == "once-only"
    assert memory_keyring.store == {}

    _answer_prompt("keep-me", remember=True)
    assert account_password(None, row) == "keep-me"
    assert memory_keyring.store == {("crm-desktop", row.password_key): "keep-me"}
    assert account_password(None, row) == "keep-me"  # from the keyring: no prompt


def test_settings_has_a_mail_accounts_button_that_opens_the_dialog(
    qtbot: QtBot, world: World, runner: OpRunner, ui_translations: Translations
) -> None:
    settings = SettingsDialog(
        settings=Settings(),
        translations=ui_translations,
        database_label="test",
        runner=runner,
        actor=world.li,
    )
    qtbot.addWidget(settings)
    settings.show()
    assert settings.mail_accounts_button.isVisible()
    assert settings.mail_accounts_button.text() == "Mail accounts…"
    qtbot.mouseClick(settings.mail_accounts_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(settings.mail_accounts_dialog.isVisible, timeout=WAIT)
    assert settings.mail_accounts_dialog.windowTitle() == "Mail accounts"
    qtbot.waitUntil(lambda: runner.active_count == 0, timeout=WAIT)
    settings.mail_accounts_dialog.close()

    plain = SettingsDialog(settings=Settings(), translations=ui_translations, database_label="t")
    qtbot.addWidget(plain)
    assert not plain.mail_accounts_button.isVisibleTo(plain)
