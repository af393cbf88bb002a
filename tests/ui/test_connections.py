"""File → Database connections…: from the local file to the company server and back, and the
profiles edited and removed on the way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy.engine import make_url

from crm_desktop.core import secrets
from crm_desktop.core.settings import LOCAL_PROFILE, Profile, Settings, load_settings
from crm_desktop.services.context import Actor
from crm_desktop.ui.app import AppController
from crm_desktop.ui.connections import ConnectionsDialog
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.login import password_key
from tests.db.shared_world import SharedWorld, open_shared_world
from tests.keyrings import MemoryKeyring

from .conftest import ADMIN_LOGIN, ADMIN_PASSWORD, RecordedErrors

WAIT = 20_000
HQ_URL = "postgresql+psycopg://wang@db.example.com:5433/crm?sslmode=require"


def names(dialog: ConnectionsDialog) -> list[str]:
    return [
        str(dialog.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(dialog.list.count())
    ]


def choose(dialog: ConnectionsDialog, name: str) -> None:
    dialog.list.setCurrentRow(names(dialog).index(name))


def test_profiles_are_edited_and_removed_but_not_the_open_one(
    qtbot: QtBot, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        profiles={
            "hq": Profile("hq", HQ_URL, "wang"),
            "branch": Profile("branch", "postgresql+psycopg://li@db2.example.com/crm", "li"),
        }
    )
    secrets.set_password(password_key(HQ_URL, "wang"), "kept in the keyring")
    dialog = ConnectionsDialog(settings, "branch")
    qtbot.addWidget(dialog)
    assert names(dialog) == [LOCAL_PROFILE, "branch", "hq"]
    assert "(open now)" in dialog.list.item(1).text()
    choose(dialog, LOCAL_PROFILE)
    assert not dialog.edit_button.isEnabled() and not dialog.remove_button.isEnabled()
    choose(dialog, "branch")
    assert dialog.edit_button.isEnabled() and not dialog.remove_button.isEnabled()

    # Edit: the form shows the profile; the same name is fine; the port changes.
    choose(dialog, "hq")
    qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    editor = dialog.editor
    assert editor is not None
    assert (editor.host_edit.text(), editor.port_spin.value()) == ("db.example.com", 5433)
    assert (editor.database_edit.text(), editor.user_edit.text()) == ("crm", "wang")
    assert editor.sslmode == "require"
    editor.port_spin.setValue(6432)
    save = editor.buttons.button(QDialogButtonBox.StandardButton.Save)
    with qtbot.waitSignal(editor.finished):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert make_url(settings.profiles["hq"].url).port == 6432
    assert make_url(load_settings().profiles["hq"].url).port == 6432  # saved
    moved = password_key(settings.profiles["hq"].url, "wang")
    assert secrets.get_password(moved) == "kept in the keyring"  # the password came along
    assert secrets.get_password(password_key(HQ_URL, "wang")) is None

    # Remove: asked first; the saved password goes with the profile.
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    choose(dialog, "hq")
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert "hq" not in settings.profiles and "hq" not in load_settings().profiles
    assert secrets.get_password(moved) is None
    assert names(dialog) == [LOCAL_PROFILE, "branch"]


@pytest.fixture
def world(empty_pg_url: str) -> Iterator[SharedWorld]:
    yield from open_shared_world(empty_pg_url)


@pytest.mark.postgres
def test_from_the_local_file_to_the_company_server_and_back(
    qtbot: QtBot,
    world: SharedWorld,
    sqlite_url: str,
    ui_company: Actor,
    ui_translations: Translations,
    ui_errors: RecordedErrors,
    memory_keyring: MemoryKeyring,
) -> None:
    """A salesperson who started on the embedded file connects to the company server: the
    local window closes, the server's sign-in opens, signing in shows the server's data and
    makes the server the default; switching back opens the local file again."""
    local_path = make_url(sqlite_url).database
    assert local_path is not None
    settings = Settings(profiles={"local": Profile("local", sqlite_url)})
    controller = AppController(
        settings=settings,
        translations=ui_translations,
        error_handler=ui_errors,
        quit_app=False,
        profile="local",
        autologin=(ADMIN_LOGIN, ADMIN_PASSWORD),
    )
    try:
        with qtbot.waitSignal(controller.sig_main_window_shown, timeout=WAIT):
            assert controller.start()
        first = controller.main_window
        assert first is not None and Path(local_path).name in first.db.label

        first.connections_action.trigger()
        dialog = next(d for d in first._dialogs if isinstance(d, ConnectionsDialog))
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
        editor = dialog.editor
        assert editor is not None
        url = make_url(world.url)
        editor.name_edit.setText("公司服务器")  # QTest types Latin-1 only
        qtbot.keyClicks(editor.host_edit, url.host or "")
        editor.port_spin.setValue(url.port or 5432)
        editor.database_edit.setText(url.database or "")
        qtbot.keyClicks(editor.user_edit, world.logins["sales1"])
        editor.sslmode_combo.setCurrentIndex(editor.sslmode_combo.findData("disable"))
        with qtbot.waitSignal(editor.finished):
            qtbot.mouseClick(
                editor.buttons.button(QDialogButtonBox.StandardButton.Save),
                Qt.MouseButton.LeftButton,
            )
        assert dialog.chosen() == "公司服务器"
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=WAIT)
        assert controller.main_window is None  # the local window closed (and is gone)
        login = controller.login_dialog
        assert login is not None
        assert login.profile_combo.currentText() == "公司服务器"
        assert login.login_edit.text() == world.logins["sales1"]
        qtbot.keyClicks(login.password_edit, world.password)
        with qtbot.waitSignal(controller.sig_main_window_shown, timeout=WAIT) as shown:
            qtbot.mouseClick(login.sign_in_button, Qt.MouseButton.LeftButton)
        second = shown.args[0]
        assert second.actor.login == world.logins["sales1"]
        assert second.db.url.get_backend_name() == "postgresql"
        assert load_settings().default_profile == "公司服务器"

        # And back to this computer's file.
        second.connections_action.trigger()
        back = next(d for d in second._dialogs if isinstance(d, ConnectionsDialog))
        choose(back, LOCAL_PROFILE)
        qtbot.mouseClick(back.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: (
                controller.login_dialog is not None
                or (controller.main_window is not None and controller.main_window is not second)
            ),
            timeout=WAIT,
        )
        assert load_settings().default_profile == LOCAL_PROFILE
        assert ui_errors.shown == []
    finally:
        if controller.main_window is not None:
            controller.main_window.close()
            controller.main_window.deleteLater()
        if controller.login_dialog is not None:
            controller.login_dialog.reject()
        controller.close()
