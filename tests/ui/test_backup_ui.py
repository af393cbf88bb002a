"""Backups in the GUI: a damaged file at open (restore the newest good backup, or read-only with
saves refused), the exit backup, the restore list; and pictures of the two dialogs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy.engine import make_url

from crm_desktop.core import paths
from crm_desktop.core.settings import Settings
from crm_desktop.services import backup as backups
from crm_desktop.services.backup import BackupInfo, DatabaseReadOnly
from crm_desktop.services.context import Actor
from crm_desktop.services.database import Database
from crm_desktop.ui.app import AppController
from crm_desktop.ui.backup_dialogs import DamagedDatabaseDialog, RestoreDialog
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.ops import OpRunner
from tests.db.test_backup import add_customer_with_contact, connect, damage

from .conftest import ADMIN_LOGIN, ADMIN_PASSWORD, RecordedErrors

WAIT = 20_000
SHOTS = Path(os.environ.get("CRM_SHOTS", "/tmp/crm-shots"))


def db_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def fill_owned(path: Path, first: int, count: int, owner_id: int) -> None:
    conn = connect(path)
    try:
        for n in range(first, first + count):
            add_customer_with_contact(conn, n)
        conn.execute("UPDATE customer SET owner_id = ?", (owner_id,))
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


@pytest.fixture
def controllers(
    qtbot: QtBot, ui_translations: Translations, ui_errors: RecordedErrors
) -> Iterator[list[AppController]]:
    made: list[AppController] = []
    yield made
    for controller in made:
        if controller.backups is not None:
            controller.backups.exit_backup_enabled = False
        if controller.main_window is not None:
            controller.main_window.close()
            controller.main_window.deleteLater()
        controller.close()


def start(
    made: list[AppController], translations: Translations, errors: RecordedErrors, url: str
) -> AppController:
    controller = AppController(
        settings=Settings(),
        translations=translations,
        database=url,
        error_handler=errors,
        quit_app=False,
        autologin=(ADMIN_LOGIN, ADMIN_PASSWORD),
        backup_delay_ms=3_600_000,
    )
    made.append(controller)
    assert controller.start()
    return controller


def damaged_with_backup(url: str, owner: Actor) -> Path:
    """50 customers backed up, 1500 more added, then pages in the middle overwritten."""
    path = db_path(url)
    fill_owned(path, 0, 50, owner.id)
    backups.backup_now(
        path, paths.data_dir() / "backups", keep=5, reason="daily", now=datetime(2024, 3, 1, 9)
    )
    fill_owned(path, 50, 1500, owner.id)
    pages = path.stat().st_size // int.from_bytes(path.read_bytes()[16:18], "big")
    damage(path, first_page=pages * 2 // 3, pages=8)  # customer pages: the file still opens
    return path


def listed_customers(controller: AppController) -> int | None:
    window = controller.main_window
    if window is None or not window.isVisible():
        return None
    return len(window.customers_page.model.ids)


def test_a_damaged_file_offers_the_newest_backup_and_restores_it(
    qtbot: QtBot,
    controllers: list[AppController],
    sqlite_url: str,
    ui_company: Actor,
    ui_translations: Translations,
    ui_errors: RecordedErrors,
) -> None:
    path = damaged_with_backup(sqlite_url, ui_company)
    controller = start(controllers, ui_translations, ui_errors, sqlite_url)
    qtbot.waitUntil(lambda: controller.damaged_dialog is not None, timeout=WAIT)
    dialog = controller.damaged_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.backup is not None
    name = f"{backups.backup_stem(path)}-20240301-090000-daily.sqlite3"
    assert dialog.backup.path.name == name
    assert name in dialog.backup_label.text()
    assert "read-only" in dialog.body_label.text()
    assert dialog.restore_button.isVisible()
    assert controller.db is not None and backups.is_read_only(controller.db)

    with qtbot.waitSignal(controller.sig_restored, timeout=WAIT):
        dialog.restore_button.click()
    qtbot.waitUntil(lambda: listed_customers(controller) == 50, timeout=WAIT)
    assert controller.integrity_ok in (None, True)
    qtbot.waitUntil(lambda: controller.integrity_ok is True, timeout=WAIT)
    assert controller.db is not None and not backups.is_read_only(controller.db)
    aside = [p for p in path.parent.iterdir() if p.name.startswith("crm.sqlite3.before-restore-")]
    assert aside, "the damaged file was kept aside"


def test_open_read_only_refuses_a_save_with_a_clear_message(
    qtbot: QtBot,
    controllers: list[AppController],
    sqlite_url: str,
    ui_company: Actor,
    ui_translations: Translations,
    ui_errors: RecordedErrors,
) -> None:
    from crm_desktop.services.customers import CustomerInput, create_customer

    path = damaged_with_backup(sqlite_url, ui_company)
    size = path.stat().st_size
    controller = start(controllers, ui_translations, ui_errors, sqlite_url)
    qtbot.waitUntil(lambda: controller.damaged_dialog is not None, timeout=WAIT)
    dialog = controller.damaged_dialog
    assert dialog is not None
    dialog.read_only_button.click()
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=WAIT)
    window = controller.main_window
    assert window is not None
    qtbot.waitUntil(window.isVisible, timeout=WAIT)
    label = window.statusBar().findChild(type(window.user_label), "statusReadOnly")
    assert label is not None and "Read-only" in label.text()
    ui_errors.shown.clear()
    op = window.runner.op(
        window, create_customer, data=CustomerInput(name="新客户"), actor=window.actor
    )
    with qtbot.waitSignal(op.sig_finished, timeout=WAIT):
        op.run()
    assert len(ui_errors.shown) == 1
    error = ui_errors.shown[0]
    assert isinstance(error, DatabaseReadOnly)
    assert "The database is open read-only because it is damaged" in str(error)
    assert path.stat().st_size == size  # nothing was written


def test_closing_the_window_backs_up_first(
    qtbot: QtBot,
    controllers: list[AppController],
    sqlite_url: str,
    ui_company: Actor,
    ui_translations: Translations,
    ui_errors: RecordedErrors,
) -> None:
    controller = start(controllers, ui_translations, ui_errors, sqlite_url)
    qtbot.waitUntil(lambda: controller.integrity_ok is True, timeout=WAIT)
    qtbot.waitUntil(lambda: listed_customers(controller) is not None, timeout=WAIT)
    window = controller.main_window
    assert window is not None and controller.backups is not None
    with qtbot.waitSignal(controller.backups.sig_backed_up, timeout=WAIT) as done:
        window.close()
        assert window.isVisible()  # the close waits for the backup
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT)
    result = done.args[0]
    assert result.path.name.endswith("-exit.sqlite3")
    assert backups.check_file(result.path, "integrity_check") is None
    assert controller.settings.ui["backup"]["last"]
    assert ui_errors.shown == []


def test_the_restore_list_shows_backups_and_confirms_naming_the_file_kept_aside(
    qtbot: QtBot, sqlite_url: str, tmp_path: Path
) -> None:
    path = db_path(sqlite_url)
    folder = tmp_path / "backups"
    first = backups.backup_now(path, folder, keep=5, reason="daily", now=datetime(2024, 3, 1, 9))
    backups.backup_now(path, folder, keep=5, reason="exit", now=datetime(2024, 3, 2, 18))
    asked: list[tuple[str, str]] = []

    def confirm(_parent: object, question: str, details: str) -> bool:
        asked.append((question, details))
        return True

    dialog = RestoreDialog(folder=folder, database=path, confirm=confirm)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.tree.topLevelItemCount() == 2
    assert dialog.tree.topLevelItem(0).text(1) == "on exit"  # type: ignore[union-attr]
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(1))
    with qtbot.waitSignal(dialog.sig_restore_confirmed) as chosen:
        dialog.restore_button.click()
    assert chosen.args[0] == first.path
    question, details = asked[0]
    assert first.path.name in question
    assert "crm.sqlite3.before-restore-" in details


# --------------------------------------------------------------------------- pictures


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_pictures_of_the_dialogs(
    qtbot: QtBot, ui_translations: Translations, sqlite_url: str, tmp_path: Path, language: str
) -> None:
    path = db_path(sqlite_url)
    folder = tmp_path / "backups"
    for day, reason in ((1, "daily"), (2, "exit"), (3, "manual")):
        backups.backup_now(path, folder, keep=5, reason=reason, now=datetime(2024, 3, day, 18))
    ui_translations.apply(language)  # the shipped catalogue
    try:
        info = BackupInfo(
            folder / f"{backups.backup_stem(path)}-20240303-180000-manual.sqlite3",
            datetime(2024, 3, 3, 18),
            323584,
            True,
            "manual",
        )
        damaged = DamagedDatabaseDialog(
            database=path,
            finding="*** in database main *** Page 61: btreeInitPage() returns error code 11",
            backup=info,
        )
        restore = RestoreDialog(folder=folder, database=path)
        SHOTS.mkdir(parents=True, exist_ok=True)
        for name, widget in (("damaged", damaged), ("restore", restore)):
            qtbot.addWidget(widget)
            widget.show()
            widget.adjustSize()
            qtbot.waitExposed(widget)
            image = widget.grab()
            assert image.save(str(SHOTS / f"backup-{name}-{language}.png"))
        if language == "zh_CN":
            assert damaged.restore_button.text() == "恢复这个备份"
            assert restore.windowTitle() == "从备份恢复"
    finally:
        ui_translations.apply("en")


# --------------------------------------------------------------------------- settings section


def test_the_settings_backup_section_drives_the_coordinator(
    qtbot: QtBot,
    ui_db: Database,
    ui_runner: OpRunner,
    ui_translations: Translations,
    ui_errors: RecordedErrors,
    tmp_path: Path,
) -> None:
    from crm_desktop.core.settings import load_settings, save_settings
    from crm_desktop.ui.backup_dialogs import BackupCoordinator, format_when
    from crm_desktop.ui.settings_dialog import SettingsDialog

    path = db_path(str(ui_db.url))
    # Settings of an older version: one "last" for whatever database; a backup of this one
    # in the default folder says when it really was.
    backups.backup_now(
        path, backups.default_backup_folder(), keep=5, reason="daily", now=datetime(2024, 3, 1, 9)
    )
    settings = Settings(ui={"backup": {"last": "2025-01-02T03:04:05", "keep": 10}})
    save_settings(settings)
    dialog = SettingsDialog(
        settings=settings, translations=ui_translations, database_label=ui_db.label, db=ui_db
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.backup_last_value.text() == format_when(datetime(2024, 3, 1, 9))
    assert dialog.backup_keep_spin.value() == 10
    assert dialog.backup_daily_check.isChecked() and dialog.backup_on_exit_check.isChecked()

    folder = tmp_path / "备份 文件夹"
    dialog.backup_folder_edit.setText(str(folder))
    dialog.backup_keep_spin.setValue(3)
    dialog.backup_daily_check.setChecked(False)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert not dialog.isVisible()
    stored = load_settings().ui["backup"]
    assert (stored["folder"], stored["keep"], stored["daily"], stored["on_exit"]) == (
        str(folder),
        3,
        False,
        True,
    )

    # The coordinator of the open database reads the same Settings object.
    moments = iter(datetime(2025, 6, day, 18, 30) for day in range(1, 10))
    coordinator = BackupCoordinator(
        runner=ui_runner, db=ui_db, settings=settings, clock=lambda: next(moments)
    )
    coordinator.daily_enabled = True
    assert coordinator.run_daily_if_due() is None  # switched off (its look took June 1st)
    made: list[Path] = []
    for _ in range(5):
        with qtbot.waitSignal(coordinator.sig_backed_up, timeout=WAIT) as done:
            assert coordinator.back_up("manual") is not None
        made.append(done.args[0].path)
    assert all(p.parent == folder for p in made)
    kept = backups.list_backups(folder, database=path)
    assert len(kept) == 3
    assert {info.path for info in kept} == set(made[-3:])
    # The last backup, per database: this one's time, the old single value gone.
    last = load_settings().ui["backup"]["last"]
    assert last == {backups.database_key(ui_db): "2025-06-06T18:30:00"}
    assert coordinator.last_backup == datetime(2025, 6, 6, 18, 30)
    other = tmp_path / "branch-office.sqlite3"
    assert backups.last_backup(settings.ui["backup"], other) is None
    again = SettingsDialog(
        settings=settings, translations=ui_translations, database_label=ui_db.label, db=ui_db
    )
    qtbot.addWidget(again)
    assert again.backup_folder_edit.text() == str(folder)
    assert again.backup_keep_spin.value() == 3
    assert not again.backup_daily_check.isChecked()
    assert again.backup_last_value.text() == format_when(datetime(2025, 6, 6, 18, 30))
    assert ui_errors.shown == []


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_picture_of_the_settings_backup_section(
    qtbot: QtBot, ui_db: Database, ui_translations: Translations, tmp_path: Path, language: str
) -> None:
    from crm_desktop.ui.settings_dialog import SettingsDialog
    from crm_desktop.ui.style import apply_style

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.styleSheet()
    apply_style(app)
    ui_translations.apply(language)  # the shipped catalogue
    try:
        settings = Settings()
        settings.ui["backup"] = backups.record_backup(
            {"folder": str(tmp_path / "客户管理备份" / "每日"), "keep": 14},
            ui_db,
            datetime(2025, 6, 5, 18, 30),
        )
        dialog = SettingsDialog(
            settings=settings, translations=ui_translations, database_label=ui_db.label, db=ui_db
        )
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.adjustSize()
        qtbot.waitExposed(dialog)
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert dialog.grab().save(str(SHOTS / f"settings-backup-{language}.png"))
        # Nothing cut off: every label and check box gets its whole text.
        for widget in (
            dialog.backup_folder_label,
            dialog.backup_keep_label,
            dialog.backup_when_label,
            dialog.backup_last_label,
            dialog.backup_on_exit_check,
            dialog.backup_daily_check,
            dialog.backup_folder_button,
        ):
            assert widget.width() >= widget.sizeHint().width(), widget.objectName()
        spin = dialog.backup_keep_spin
        assert spin.width() >= spin.sizeHint().width()
        if language == "zh_CN":
            assert dialog.backup_title.text() == "备份"
    finally:
        ui_translations.apply("en")
        app.setStyleSheet(before)
