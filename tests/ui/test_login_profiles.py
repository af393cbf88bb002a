"""The sign-in dialog's connection profiles (Shared mode), the keyring, TLS settings, and the
new password a user must choose right after signing in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy.engine import make_url

from crm_desktop.core import secrets
from crm_desktop.core.errors import AuthenticationFailed
from crm_desktop.core.settings import Profile, Settings, load_settings
from crm_desktop.services.context import Actor
from crm_desktop.services.users import add_user, authenticate, needs_new_password, reset_password
from crm_desktop.ui.login import (
    NEW_CONNECTION,
    ChangePasswordDialog,
    ConnectionEditor,
    LoginDialog,
    build_postgres_url,
    password_key,
)
from crm_desktop.ui.ops import OpRunner
from tests.db.shared_world import SharedWorld, open_shared_world
from tests.keyrings import MemoryKeyring

from .conftest import COMPANY, RecordedErrors

WAIT = 20_000
HQ_URL = "postgresql+psycopg://wang@db.example.com:5433/crm?sslmode=require"
BRANCH_URL = (
    "postgresql+psycopg://db2.example.com/crm_branch?sslmode=verify-full&sslrootcert=%2Fca.crt"
)
RESET_PASSWORD = "given-by-admin-1"
NEW_PASSWORD = "chosen-by-me-22"


@pytest.fixture
def no_keyring() -> Iterator[None]:
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def profiles_settings() -> Settings:
    return Settings(
        profiles={
            "hq": Profile("hq", HQ_URL, "wang"),
            "office": Profile("office", "sqlite:////tmp/office.sqlite3"),
            "branch": Profile("branch", BRANCH_URL, "li"),
        }
    )


def open_dialog(qtbot: QtBot, settings: Settings, url: str, **kwargs: object) -> LoginDialog:
    dialog = LoginDialog(
        settings=settings,
        database_label="PostgreSQL",
        shared_url=url,
        **kwargs,  # type: ignore[arg-type]
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def combo_texts(dialog: LoginDialog) -> list[str]:
    return [dialog.profile_combo.itemText(i) for i in range(dialog.profile_combo.count())]


def click_sign_in(qtbot: QtBot, dialog: LoginDialog) -> None:
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def type_into(qtbot: QtBot, edit: object, text: str) -> None:
    edit.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(edit, text)


# =========================================================================== profiles


def test_the_postgresql_profiles_are_offered_and_the_chosen_one_gives_the_url(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot, profiles_settings(), HQ_URL)
    assert combo_texts(dialog) == ["hq", "branch", "New connection…"]  # no SQLite profile
    assert dialog.profile_combo.currentText() == "hq"
    assert dialog.login_edit.text() == "wang"

    dialog.profile_combo.setCurrentIndex(1)
    assert dialog.shared_url == BRANCH_URL
    assert dialog.profile_name == "branch"
    assert dialog.login_edit.text() == "li"
    assert dialog.database_note.text() == "PostgreSQL db2.example.com/crm_branch"


def test_a_url_from_the_command_line_is_offered_beside_the_profiles(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    url = "postgresql+psycopg://zhao@other.example.com/crm"
    dialog = open_dialog(qtbot, profiles_settings(), url)
    assert combo_texts(dialog)[0] == "PostgreSQL other.example.com/crm"
    assert dialog.shared_url == url and dialog.profile_name is None
    assert dialog.login_edit.text() == "zhao"


def test_new_connection_saves_a_profile_without_password_and_chooses_it(
    qtbot: QtBot, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    settings = profiles_settings()
    dialog = open_dialog(qtbot, settings, HQ_URL)
    ca = tmp_path / "company-ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")

    dialog.profile_combo.setCurrentIndex(dialog.profile_combo.findData(NEW_CONNECTION))
    qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor.isVisible())
    editor = dialog.editor
    assert editor is not None
    save = editor.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert editor.error_label.text() == "Give the connection a name."
    type_into(qtbot, editor.name_edit, "hq")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert editor.error_label.text() == "A connection with this name exists already."

    type_into(qtbot, editor.name_edit, "Shanghai")
    type_into(qtbot, editor.host_edit, "pg.shanghai.example.com")
    editor.port_spin.setValue(6432)
    type_into(qtbot, editor.database_edit, "crm_sh")
    type_into(qtbot, editor.user_edit, "Chen")
    assert editor.sslmode == "require"  # no CA file yet
    type_into(qtbot, editor.ca_edit, str(ca))
    assert editor.sslmode == "verify-full"  # the CA file makes the recommended mode the default
    with qtbot.waitSignal(editor.finished):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    profile = settings.profiles["Shanghai"]
    assert profile.user == "chen"
    parsed = make_url(profile.url)
    assert (parsed.host, parsed.port, parsed.database, parsed.username) == (
        "pg.shanghai.example.com",
        6432,
        "crm_sh",
        "chen",
    )
    assert parsed.password is None
    assert dict(parsed.query) == {"sslmode": "verify-full", "sslrootcert": str(ca)}
    assert load_settings().profiles["Shanghai"].url == profile.url  # saved to the settings file
    assert dialog.profile_combo.currentText() == "Shanghai"
    assert dialog.shared_url == profile.url and dialog.login_edit.text() == "chen"


def test_cancelling_the_new_connection_keeps_the_chosen_profile(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    settings = profiles_settings()
    dialog = open_dialog(qtbot, settings, HQ_URL)
    dialog.profile_combo.setCurrentIndex(dialog.profile_combo.findData(NEW_CONNECTION))
    qtbot.waitUntil(lambda: dialog.editor is not None)
    assert dialog.editor is not None
    with qtbot.waitSignal(dialog.editor.finished):
        dialog.editor.reject()
    assert dialog.profile_combo.currentText() == "hq" and dialog.shared_url == HQ_URL
    assert set(settings.profiles) == {"hq", "office", "branch"}


# =========================================================================== TLS fields


def test_the_ssl_fields_make_the_url(qtbot: QtBot, tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x", encoding="ascii")
    editor = ConnectionEditor(Settings())
    qtbot.addWidget(editor)
    editor.name_edit.setText("x")
    editor.host_edit.setText("db.local")
    editor.user_edit.setText("wang")
    assert editor.url() == "postgresql+psycopg://wang@db.local/crm?sslmode=require"

    editor.ca_edit.setText(str(ca))
    assert make_url(editor.url()).query == {"sslmode": "verify-full", "sslrootcert": str(ca)}

    editor.sslmode_combo.setCurrentIndex(editor.sslmode_combo.findData("disable"))
    editor.sslmode_combo.activated.emit(editor.sslmode_combo.currentIndex())
    assert editor.url() == "postgresql+psycopg://wang@db.local/crm?sslmode=disable"
    editor.ca_edit.setText(str(ca) + ".old")  # the user's choice of mode stays
    assert editor.sslmode == "disable"

    editor.sslmode_combo.setCurrentIndex(editor.sslmode_combo.findData("verify-full"))
    editor.ca_edit.clear()
    assert editor.problem() is not None
    assert editor.problem()[1] == "verify-full needs the server's CA file."  # type: ignore[index]
    editor.ca_edit.setText(str(tmp_path / "missing.crt"))
    assert editor.problem()[1] == "The CA file does not exist."  # type: ignore[index]


def test_build_postgres_url_quotes_what_needs_quoting() -> None:
    url = build_postgres_url(
        host="::1",
        database="crm",
        user="wang.fang",
        port=5432,
        sslmode="verify-full",
        ca_file="C:\\Users\\Wang Fang\\ca file.crt",
    )
    parsed = make_url(url)
    assert parsed.host == "::1" and parsed.port is None
    assert parsed.query["sslrootcert"] == "C:\\Users\\Wang Fang\\ca file.crt"


@pytest.mark.postgres
def test_verify_full_refuses_a_server_without_tls_with_one_clear_message(
    qtbot: QtBot, pg_url: str, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("x", encoding="ascii")
    server = make_url(pg_url)
    assert server.host is not None and server.database is not None
    url = build_postgres_url(
        host=server.host,
        port=server.port,
        database=server.database,
        user="postgres",
        sslmode="verify-full",
        ca_file=str(ca),
    )
    dialog = open_dialog(qtbot, Settings(), url)
    dialog.password_edit.setText("anything")
    click_sign_in(qtbot, dialog)
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=WAIT)
    assert dialog.error_label.text() == (
        f"The server of PostgreSQL postgres@{server.host}:{server.port}/{server.database} does "
        "not accept encrypted (TLS) connections, but this connection requires them "
        "(sslmode=verify-full). Ask the administrator to turn on TLS on the server."
    )
    assert dialog.database is None and dialog.actor is None and dialog.isVisible()


# =========================================================================== keyring


def test_a_stored_password_is_filled_in_and_remember_is_ticked(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    secrets.set_password(password_key(HQ_URL, "wang"), "wang's secret")
    dialog = open_dialog(qtbot, profiles_settings(), HQ_URL)
    assert dialog.password_edit.text() == "wang's secret"
    assert dialog.remember_check.isEnabled() and dialog.remember_check.isChecked()

    # Another login on the same connection: wang's password is not offered for it.
    type_into(qtbot, dialog.login_edit, "zhao")
    dialog.login_edit.editingFinished.emit()
    assert dialog.password_edit.text() == ""
    assert not dialog.remember_check.isChecked()

    # Another profile, nothing stored there.
    dialog.profile_combo.setCurrentIndex(1)
    assert dialog.password_edit.text() == "" and not dialog.remember_check.isChecked()


def test_the_key_is_the_one_the_command_line_reads() -> None:
    # cli._resolve_url: secret_key(profile URL without password, its user name)
    assert password_key(HQ_URL, "wang") == secrets.secret_key(HQ_URL, "wang")


def test_without_a_keyring_remember_is_disabled(qtbot: QtBot, no_keyring: None) -> None:
    dialog = open_dialog(qtbot, profiles_settings(), HQ_URL)
    assert not dialog.remember_check.isEnabled()
    assert dialog.password_edit.text() == ""


@pytest.fixture
def world(empty_pg_url: str) -> Iterator[SharedWorld]:
    yield from open_shared_world(empty_pg_url)


def close_shared(dialog: LoginDialog) -> None:
    if dialog.runner is not None:
        dialog.runner.shutdown()
    if dialog.database is not None:
        dialog.database.dispose()


@pytest.mark.postgres
def test_a_wrong_stored_password_removes_nothing_and_the_right_one_is_remembered(
    qtbot: QtBot, world: SharedWorld, memory_keyring: MemoryKeyring
) -> None:
    url = world.login_url("sales1")
    login = world.logins["sales1"]
    key = password_key(url, login)
    secrets.set_password(key, "an old password")
    settings = Settings(profiles={"company": Profile("company", url, login)})
    dialog = open_dialog(qtbot, settings, url)
    assert dialog.password_edit.text() == "an old password"

    click_sign_in(qtbot, dialog)
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=WAIT)
    assert dialog.error_label.text().startswith("Wrong user name or password for PostgreSQL")
    assert secrets.get_password(key) == "an old password"  # a failure removes nothing
    assert dialog.database is None

    type_into(qtbot, dialog.password_edit, world.password)
    assert dialog.remember_check.isChecked()
    with qtbot.waitSignal(dialog.sig_signed_in, timeout=WAIT) as signed_in:
        click_sign_in(qtbot, dialog)
    try:
        assert signed_in.args[0].login == login
        assert secrets.get_password(key) == world.password
        assert load_settings().default_profile == "company"
    finally:
        close_shared(dialog)


@pytest.mark.postgres
def test_unticking_remember_forgets_the_stored_password(
    qtbot: QtBot, world: SharedWorld, memory_keyring: MemoryKeyring
) -> None:
    url = world.login_url("sales2")
    key = password_key(url, world.logins["sales2"])
    secrets.set_password(key, world.password)
    dialog = open_dialog(qtbot, Settings(), url)
    dialog.remember_check.setChecked(False)
    with qtbot.waitSignal(dialog.sig_signed_in, timeout=WAIT):
        click_sign_in(qtbot, dialog)
    close_shared(dialog)
    assert secrets.get_password(key) is None


# =========================================================================== new password


@pytest.fixture
def lin(ui_db: object, ui_company: Actor) -> str:
    """A salesperson whose password an administrator has just reset."""
    from crm_desktop.services.database import Database

    assert isinstance(ui_db, Database)
    with ui_db.session_factory.begin() as session:
        add_user(
            session, login="lin", display_name="Lin", password="first-password", actor=ui_company
        )
        reset_password(session, "lin", RESET_PASSWORD, actor=ui_company)
    return "lin"


def single_dialog(qtbot: QtBot, runner: OpRunner) -> LoginDialog:
    dialog = LoginDialog(
        settings=Settings(), database_label=runner.db.label, runner=runner, company_name=COMPANY
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def sign_in_and_wait_for_change(
    qtbot: QtBot, dialog: LoginDialog, login: str
) -> ChangePasswordDialog:
    type_into(qtbot, dialog.login_edit, login)
    type_into(qtbot, dialog.password_edit, RESET_PASSWORD)
    click_sign_in(qtbot, dialog)
    qtbot.waitUntil(
        lambda: dialog.change_dialog is not None and dialog.change_dialog.isVisible(), timeout=WAIT
    )
    assert dialog.change_dialog is not None
    assert dialog.actor is None  # not signed in yet
    return dialog.change_dialog


def test_a_reset_password_must_be_changed_before_the_sign_in_completes(
    qtbot: QtBot, ui_runner: OpRunner, lin: str, ui_errors: RecordedErrors
) -> None:
    dialog = single_dialog(qtbot, ui_runner)
    change = sign_in_and_wait_for_change(qtbot, dialog, lin)
    assert change.windowTitle() == "Choose a new password"

    type_into(qtbot, change.new_edit, "short")
    qtbot.mouseClick(change.ok_button, Qt.MouseButton.LeftButton)
    assert change.error_label.text() == "Use at least 8 characters."
    type_into(qtbot, change.new_edit, RESET_PASSWORD)
    type_into(qtbot, change.repeat_edit, RESET_PASSWORD)
    qtbot.mouseClick(change.ok_button, Qt.MouseButton.LeftButton)
    assert change.error_label.text() == "Choose a password different from the current one."
    type_into(qtbot, change.new_edit, NEW_PASSWORD)
    type_into(qtbot, change.repeat_edit, NEW_PASSWORD + "x")
    qtbot.mouseClick(change.ok_button, Qt.MouseButton.LeftButton)
    assert change.error_label.text() == "The two passwords differ."
    assert ui_runner.active_count == 0  # nothing was sent

    type_into(qtbot, change.repeat_edit, NEW_PASSWORD)
    with qtbot.waitSignal(dialog.sig_signed_in, timeout=WAIT) as signed_in:
        qtbot.mouseClick(change.ok_button, Qt.MouseButton.LeftButton)
    actor = signed_in.args[0]
    assert actor.login == lin and dialog.actor == actor
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert ui_errors.shown == []

    with ui_runner.db.session_factory.begin() as session:
        assert authenticate(session, lin, NEW_PASSWORD).login == lin
        with pytest.raises(AuthenticationFailed):
            authenticate(session, lin, RESET_PASSWORD)
        assert not needs_new_password(session, actor)


def test_cancelling_the_new_password_signs_out(qtbot: QtBot, ui_runner: OpRunner, lin: str) -> None:
    dialog = single_dialog(qtbot, ui_runner)
    change = sign_in_and_wait_for_change(qtbot, dialog, lin)
    with qtbot.waitSignal(change.finished):
        qtbot.mouseClick(change.cancel_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible() and dialog.actor is None
    assert dialog.error_label.text() == (
        "You must choose a new password before you can work. Sign in again."
    )
    assert dialog.password_edit.text() == "" and dialog.sign_in_button.isEnabled()
    with ui_runner.db.session_factory.begin() as session:
        assert authenticate(session, lin, RESET_PASSWORD).login == lin  # nothing changed
        assert needs_new_password(session, authenticate(session, lin, RESET_PASSWORD))


@pytest.mark.postgres
def test_shared_mode_new_password_reconnects_and_updates_the_keyring(
    qtbot: QtBot, world: SharedWorld, memory_keyring: MemoryKeyring
) -> None:
    from crm_desktop.db.engine import create_db_engine
    from crm_desktop.services.users import sign_in_shared

    admin_engine = create_db_engine(world.login_url("admin"), password=world.password)
    try:
        with admin_engine.begin() as conn:
            from sqlalchemy.orm import Session

            with Session(bind=conn) as session:
                admin = sign_in_shared(session)
                reset_password(session, world.logins["sales1"], RESET_PASSWORD, actor=admin)
                session.flush()
    finally:
        admin_engine.dispose()

    url = world.login_url("sales1")
    login = world.logins["sales1"]
    key = password_key(url, login)
    secrets.set_password(key, RESET_PASSWORD)  # remembered when the administrator gave it
    dialog = open_dialog(qtbot, Settings(), url)
    assert dialog.password_edit.text() == RESET_PASSWORD
    click_sign_in(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.change_dialog is not None, timeout=WAIT)
    change = dialog.change_dialog
    assert change is not None
    type_into(qtbot, change.new_edit, NEW_PASSWORD)
    type_into(qtbot, change.repeat_edit, NEW_PASSWORD)
    with qtbot.waitSignal(dialog.sig_signed_in, timeout=WAIT):
        qtbot.mouseClick(change.ok_button, Qt.MouseButton.LeftButton)
    try:
        assert secrets.get_password(key) == NEW_PASSWORD
        assert dialog.database is not None and dialog.runner is not None
        # The database the app goes on with connects with the new password.
        assert dialog.database.engine.url.password == NEW_PASSWORD
        with dialog.database.session_factory.begin() as session:
            assert sign_in_shared(session).login == login
    finally:
        close_shared(dialog)
    server = make_url(world.url)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host=server.host,
            port=server.port,
            dbname=server.database,
            user=login,
            password=RESET_PASSWORD,
        )


def test_the_main_window_opens_only_after_the_new_password(
    qtbot: QtBot,
    sqlite_url: str,
    lin: str,
    ui_translations: object,
    ui_errors: RecordedErrors,
) -> None:
    from crm_desktop.ui.app import AppController
    from crm_desktop.ui.i18n import Translations

    assert isinstance(ui_translations, Translations)
    controller = AppController(
        settings=Settings(),
        translations=ui_translations,
        database=sqlite_url,
        error_handler=ui_errors,
        quit_app=False,
    )
    try:
        assert controller.start()
        qtbot.waitUntil(lambda: controller.login_dialog is not None, timeout=WAIT)
        dialog = controller.login_dialog
        assert dialog is not None
        change = sign_in_and_wait_for_change(qtbot, dialog, lin)
        assert controller.main_window is None
        type_into(qtbot, change.new_edit, NEW_PASSWORD)
        type_into(qtbot, change.repeat_edit, NEW_PASSWORD)
        with qtbot.waitSignal(controller.sig_main_window_shown, timeout=WAIT) as shown:
            qtbot.mouseClick(change.ok_button, Qt.MouseButton.LeftButton)
        assert shown.args[0].actor.login == lin
        assert ui_errors.shown == []
    finally:
        if controller.main_window is not None:
            controller.main_window.close()
            controller.main_window.deleteLater()
        controller.close()
