"""Backups in the GUI: "Back up now…", "Restore from backup…", the daily and on-exit backups, and
the dialog shown when the database turns out to be damaged at open."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QDateTime,
    QEvent,
    QLocale,
    QObject,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.settings import Settings, save_settings
from crm_desktop.services import backup as backups
from crm_desktop.services.backup import BackupInfo, BackupResult
from crm_desktop.ui.style import make_title

if TYPE_CHECKING:
    from crm_desktop.services.database import Database
    from crm_desktop.ui.ops import Op, OpRunner

log = logging.getLogger(__name__)

DAILY_CHECK_MS = 60 * 60 * 1000  # while the app runs, look once an hour whether a backup is due
DAILY_DELAY_MS = 15_000  # the first look waits until start-up work is done


# --------------------------------------------------------------------------- worker jobs
# Plain functions run by the op runner; the first argument (the session factory of an
# ``own_transactions`` op) is unused: backups work on the file through SQLite's own API.


def backup_job(
    _factory: object,
    *,
    db: Database,
    folder: Path,
    keep: int,
    reason: backups.Reason,
    progress: Any = None,
) -> BackupResult:
    return backups.backup_now(db, folder, keep=keep, reason=reason, progress=progress)


def pg_backup_job(_factory: object, *, db: Database, out: Path, progress: Any = None) -> Any:
    return backups.pg_backup(db.engine.url, out, progress=progress)


def restore_job(
    _factory: object, *, db_path: Path, backup: Path, progress: Any = None
) -> backups.RestoreResult:
    return backups.restore(db_path, backup, progress)


def check_job(_session: object, *, db: Database, progress: Any = None) -> str | None:
    return backups.check_database(db, progress=progress)


def newest_backup_job(
    _factory: object, *, folder: Path, database: Path, progress: Any = None
) -> BackupInfo | None:
    return backups.newest_good_backup(folder, database=database, progress=progress)


# --------------------------------------------------------------------------- formatting


def format_size(size: int) -> str:
    return QLocale().formattedDataSize(size, 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)


def format_when(at: datetime) -> str:
    moment = QDateTime(at.year, at.month, at.day, at.hour, at.minute, at.second)
    return QLocale().toString(moment, QLocale.FormatType.ShortFormat)


def _reason_tr(reason: str) -> str:
    labels = {
        "manual": QCoreApplication.translate("BackupCoordinator", "by hand"),
        "exit": QCoreApplication.translate("BackupCoordinator", "on exit"),
        "daily": QCoreApplication.translate("BackupCoordinator", "daily"),
    }
    return labels.get(reason, reason)


# --------------------------------------------------------------------------- coordinator


class BackupCoordinator(QObject):
    """Backups of one open database: by hand, daily (when the last is 24 h old) and on exit
    (the main window's close waits for it, with a progress dialog). A chosen restore is handed
    to whoever reopens the app (``sig_restore_requested``)."""

    sig_backed_up = Signal(object)
    """A backup was written and checked; carries its BackupResult."""

    sig_backup_failed = Signal(object)
    """A backup failed (its partial file was removed); carries the exception."""

    sig_restore_requested = Signal(object)
    """The user confirmed restoring a backup; carries its Path. The app controller closes the
    database, restores and reopens."""

    def __init__(
        self,
        *,
        runner: OpRunner,
        db: Database,
        settings: Settings,
        parent: QWidget | None = None,
        clock: Callable[[], datetime] | None = None,
        save: Callable[[Settings], None] | None = save_settings,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.db = db
        self.settings = settings
        self.clock = clock or datetime.now
        self._save = save
        self._op: Op | None = None
        self._exit_window: QWidget | None = None
        self.exit_backup_done = False
        self.exit_backup_enabled = True
        self.daily_enabled = False  # the controller turns it on once the file passed its check
        self.timer = QTimer(self)
        self.timer.setInterval(DAILY_CHECK_MS)
        self.timer.timeout.connect(self._on_timer_timeout)

    # ----------------------------------------------------------------- state

    @property
    def options(self) -> backups.BackupSettings:
        """The backup settings now (the settings dialog may have changed them), with ``last``
        of this database."""
        return backups.backup_settings(self.settings.ui.get("backup"), self.db)

    @property
    def last_backup(self) -> datetime | None:
        """When this database was last backed up (recorded, else its newest file)."""
        return backups.last_backup(self.settings.ui.get("backup"), self.db)

    @property
    def running(self) -> bool:
        return self._op is not None and self._op.running

    @property
    def can_back_up(self) -> bool:
        """Single mode, and not a damaged file opened read-only (its copy would fail)."""
        return self.db.is_single_mode and not backups.is_read_only(self.db)

    # ----------------------------------------------------------------- backups

    def back_up(self, reason: backups.Reason, parent: QWidget | None = None) -> Op | None:
        """Start a backup; None when one is running or this database cannot be backed up."""
        if self.running or not self.can_back_up:
            return None
        options = self.options
        op = self.runner.op(
            parent,
            backup_job,
            db=self.db,
            folder=options.folder,
            keep=options.keep,
            reason=reason,
        ).own_transactions()
        if reason == "exit":
            op.with_progress(self.tr("Backing up the database before closing…"))
        elif reason == "manual":
            op.with_progress(self.tr("Backing up the database…"))
        op.on_success(self._on_backup_done).on_failure(
            lambda exc: self._on_backup_failed(exc, reason, parent)
        )
        self._op = op.run()
        return self._op

    def back_up_now(self, parent: QWidget | None) -> Op | None:
        """File → Back up now…: SQLite into the backup folder; PostgreSQL with pg_dump into a
        file the user chooses."""
        if not self.db.is_single_mode:
            return self._pg_back_up(parent)
        if not self.can_back_up:
            QMessageBox.warning(
                parent,
                self.tr("Back up"),
                self.tr(
                    "The database is open read-only because it is damaged; a copy of it would "
                    "be damaged too. Restore a backup instead."
                ),
            )
            return None
        op = self.back_up("manual", parent)
        if op is not None:
            op.sig_succeeded.connect(lambda result: self._show_backed_up(parent, result))
        return op

    def _pg_back_up(self, parent: QWidget | None) -> Op | None:
        name = f"crm-{self.clock():%Y%m%d-%H%M%S}.dump"
        path, _filter = QFileDialog.getSaveFileName(
            parent,
            self.tr("Back up the server database"),
            str(self.options.folder / name),
            self.tr("PostgreSQL dumps (*.dump)"),
        )
        if not path:
            return None
        op = self.runner.op(parent, pg_backup_job, db=self.db, out=Path(path)).own_transactions()
        op.with_progress(self.tr("Backing up the database…"))
        op.on_success(lambda result: self._show_backed_up(parent, result))
        return op.run()

    def _show_backed_up(self, parent: QWidget | None, result: BackupResult) -> None:
        QMessageBox.information(
            parent,
            self.tr("Back up"),
            self.tr("The backup was written and checked:\n{file}\n({size})").format(
                file=str(result.path), size=format_size(result.size)
            ),
        )

    def _on_backup_done(self, result: BackupResult) -> None:
        self.settings.ui["backup"] = backups.record_backup(
            self.settings.ui.get("backup"), self.db, self.clock()
        )
        if self._save is not None:
            try:
                self._save(self.settings)
            except OSError:
                log.warning("could not save the settings", exc_info=True)
        log.info("backup written: %s", result.path)
        self.sig_backed_up.emit(result)

    def _on_backup_failed(self, exc: BaseException, reason: str, parent: QWidget | None) -> None:
        from crm_desktop.core.errors import OperationCancelled

        if not isinstance(exc, OperationCancelled):
            log.warning("%s backup failed: %s", reason, exc)
            if reason == "manual":
                self.runner.show_error(parent, exc)
        self.sig_backup_failed.emit(exc)

    # ----------------------------------------------------------------- daily

    def start_daily(self, delay_ms: int = DAILY_DELAY_MS) -> None:
        """Look whether a daily backup is due after ``delay_ms``, then every hour."""
        self.daily_enabled = True
        QTimer.singleShot(max(0, delay_ms), self, self.run_daily_if_due)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.daily_enabled = False

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.run_daily_if_due()

    @Slot()
    def run_daily_if_due(self) -> Op | None:
        if not self.daily_enabled or not backups.backup_due(
            self.settings.ui.get("backup"), self.clock(), self.db
        ):
            return None
        return self.back_up("daily", None)

    # ----------------------------------------------------------------- on exit

    def install_exit_backup(self, window: QWidget) -> None:
        """Back up when ``window`` closes: its close waits for the backup (a progress dialog
        after 0.5 s; Cancel closes without one)."""
        self._exit_window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self._exit_window
            and event.type() == QEvent.Type.Close
            and self._wants_exit_backup()
        ):
            if self.running:  # a daily backup is running: wait for it, then close
                assert self._op is not None
                self._op.sig_finished.connect(self._close_exit_window)
                event.ignore()
                return True
            op = self.back_up("exit", self._exit_window)
            if op is not None:
                self.exit_backup_done = True
                op.sig_finished.connect(self._close_exit_window)
                assert isinstance(event, QCloseEvent)
                event.ignore()
                return True
        return super().eventFilter(watched, event)

    def _wants_exit_backup(self) -> bool:
        return (
            self.exit_backup_enabled
            and not self.exit_backup_done
            and self.options.on_exit
            and self.can_back_up
        )

    @Slot()
    def _close_exit_window(self) -> None:
        self.exit_backup_done = True
        if self._exit_window is not None:
            QTimer.singleShot(0, self._exit_window, self._exit_window.close)

    # ----------------------------------------------------------------- restore

    def restore_from_backup(self, parent: QWidget | None) -> RestoreDialog | None:
        """File → Restore from backup…: choose, confirm, then ``sig_restore_requested``."""
        if not self.db.is_single_mode:
            QMessageBox.information(
                parent,
                self.tr("Restore"),
                self.tr(
                    "A PostgreSQL database is restored by its administrator with pg_restore; "
                    "this app restores Single-mode (SQLite) databases only."
                ),
            )
            return None
        database = backups.sqlite_path(self.db)
        dialog = RestoreDialog(folder=self.options.folder, database=database, parent=parent)
        dialog.sig_restore_confirmed.connect(self.sig_restore_requested)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.open()
        return dialog


def backup_coordinator(window: Any) -> BackupCoordinator:
    """The coordinator of a main window (made on first use when the app controller did not)."""
    found = window.findChild(BackupCoordinator)
    if isinstance(found, BackupCoordinator):
        return found
    return BackupCoordinator(
        runner=window.runner, db=window.db, settings=window.settings, parent=window
    )


# --------------------------------------------------------------------------- dialogs


def confirm_restore_text(database: Path, backup: Path, at: datetime | None) -> tuple[str, str]:
    """(question, details) of the restore confirmation."""
    when = format_when(at) if at is not None else ""
    question = QCoreApplication.translate(
        "RestoreDialog", "Replace the database with the backup {name}{when}?"
    ).format(name=backup.name, when=f" ({when})" if when else "")
    details = QCoreApplication.translate(
        "RestoreDialog",
        "The current file is kept aside as {aside} in {folder}. Everything saved after the "
        "backup was made is only in that file. The database is then reopened and you sign in "
        "again.",
    ).format(aside=f"{database.name}.before-restore-…", folder=str(database.parent))
    return question, details


class RestoreDialog(QDialog):
    """The backups of this database (newest first, with date, kind and size), or another
    file; Restore asks for confirmation naming the file kept aside."""

    sig_restore_confirmed = Signal(object)
    """The user confirmed; carries the backup's Path."""

    def __init__(
        self,
        *,
        folder: Path,
        database: Path,
        parent: QWidget | None = None,
        confirm: Callable[[QWidget, str, str], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.folder = folder
        self.database = database
        self._confirm = confirm or _ask_confirmation
        self.chosen: Path | None = None
        self.setMinimumSize(640, 380)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        self.title_label = make_title(QLabel(self), 1.3)
        layout.addWidget(self.title_label)
        self.intro_label = QLabel(self)
        self.intro_label.setWordWrap(True)
        layout.addWidget(self.intro_label)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(4)
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tree.itemSelectionChanged.connect(self._on_tree_item_selection_changed)
        self.tree.itemDoubleClicked.connect(self._on_tree_item_double_clicked)
        layout.addWidget(self.tree, 1)
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("muted")
        self.empty_label.setWordWrap(True)
        layout.addWidget(self.empty_label)
        row = QHBoxLayout()
        self.other_button = QPushButton(self)
        self.other_button.clicked.connect(self._on_other_button_clicked)
        row.addWidget(self.other_button)
        row.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.restore_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setEnabled(False)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        row.addWidget(self.buttons)
        layout.addLayout(row)
        self.infos: list[BackupInfo] = []
        self.retranslate_ui()
        self.reload()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Restore from backup"))
        self.title_label.setText(self.tr("Restore from backup"))
        self.intro_label.setText(
            self.tr(
                "Choose the backup to put in place of {database}. The current file is kept "
                "aside first, so nothing is lost."
            ).format(database=self.database.name)
        )
        self.tree.setHeaderLabels(
            [self.tr("Made"), self.tr("Kind"), self.tr("Size"), self.tr("File")]
        )
        self.empty_label.setText(
            self.tr("No backups in {folder} yet.").format(folder=str(self.folder))
        )
        self.other_button.setText(self.tr("Other file…"))
        self.restore_button.setText(self.tr("Restore…"))
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            info = self.infos[index]
            if item is None:
                continue
            item.setText(1, _reason_tr(info.reason or ""))
            if not info.ok:
                item.setText(3, self.tr("{file} (incomplete)").format(file=info.path.name))

    def reload(self) -> None:
        """List the backups (only their headers are read: quick)."""
        self.infos = backups.list_backups(self.folder, database=self.database)
        self.tree.clear()
        for info in self.infos:
            item = QTreeWidgetItem(
                [
                    format_when(info.at),
                    _reason_tr(info.reason or ""),
                    format_size(info.size),
                    info.path.name,
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, str(info.path))
            item.setToolTip(3, str(info.path))
            if not info.ok:
                item.setDisabled(True)
                item.setText(3, self.tr("{file} (incomplete)").format(file=info.path.name))
            self.tree.addTopLevelItem(item)
        self.empty_label.setVisible(not self.infos)
        first_ok = next((i for i, info in enumerate(self.infos) if info.ok), None)
        first_item = self.tree.topLevelItem(first_ok) if first_ok is not None else None
        if first_item is not None:
            self.tree.setCurrentItem(first_item)

    def selected_info(self) -> BackupInfo | None:
        item = self.tree.currentItem()
        if item is None or not item.isSelected():
            return None
        return self.infos[self.tree.indexOfTopLevelItem(item)]

    @Slot()
    def _on_tree_item_selection_changed(self) -> None:
        info = self.selected_info()
        self.restore_button.setEnabled(info is not None and info.ok)

    @Slot(QTreeWidgetItem, int)
    def _on_tree_item_double_clicked(self, _item: QTreeWidgetItem, _column: int) -> None:
        self._on_buttons_accepted()

    @Slot()
    def _on_other_button_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a backup"),
            str(self.folder),
            self.tr("SQLite databases (*.sqlite3 *.sqlite *.db);;All files (*)"),
        )
        if path:
            self.confirm_and_restore(Path(path), None)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        info = self.selected_info()
        if info is not None and info.ok:
            self.confirm_and_restore(info.path, info.at)

    def confirm_and_restore(self, backup: Path, at: datetime | None) -> bool:
        question, details = confirm_restore_text(self.database, backup, at)
        if not self._confirm(self, question, details):
            return False
        self.chosen = backup
        self.accept()
        self.sig_restore_confirmed.emit(backup)
        return True


def _ask_confirmation(parent: QWidget, question: str, details: str) -> bool:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("RestoreDialog", "Restore from backup"))
    box.setText(question)
    box.setInformativeText(details)
    restore = box.addButton(
        QCoreApplication.translate("RestoreDialog", "Restore"), QMessageBox.ButtonRole.AcceptRole
    )
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is restore


class DamagedDatabaseDialog(QDialog):
    """Shown when the integrity check at open fails: restore the newest good backup (named,
    with its date), or keep working read-only, or quit."""

    sig_chosen = Signal(str)
    """The user chose: "restore", "read_only" or "quit"."""

    RESTORE = "restore"
    READ_ONLY = "read_only"
    QUIT = "quit"

    def __init__(
        self,
        *,
        database: Path,
        finding: str,
        backup: BackupInfo | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.finding = finding
        self.backup = backup
        self.choice = self.READ_ONLY  # closing the dialog keeps the file open read-only
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        self.title_label = make_title(QLabel(self), 1.3)
        layout.addWidget(self.title_label)
        self.body_label = QLabel(self)
        self.body_label.setWordWrap(True)
        self.body_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.body_label)
        self.finding_label = QLabel(self)
        self.finding_label.setObjectName("muted")
        self.finding_label.setWordWrap(True)
        layout.addWidget(self.finding_label)
        self.backup_label = QLabel(self)
        self.backup_label.setWordWrap(True)
        layout.addWidget(self.backup_label)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(self)
        self.restore_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.read_only_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.restore_button.setVisible(backup is not None)
        (self.restore_button if backup is not None else self.read_only_button).setDefault(True)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.read_only_button.clicked.connect(self._on_read_only_button_clicked)
        self.quit_button.clicked.connect(self._on_quit_button_clicked)
        layout.addWidget(self.buttons)
        self.finished.connect(self._on_finished)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("The database is damaged"))
        self.title_label.setText(self.tr("The database is damaged"))
        self.body_label.setText(
            self.tr(
                "The integrity check found damage in {file}. To keep it from getting worse it "
                "is open read-only: you can look at your data, but nothing can be saved."
            ).format(file=str(self.database))
        )
        self.finding_label.setText(
            self.tr("What the check found: {finding}").format(finding=self.finding)
        )
        if self.backup is not None:
            self.backup_label.setText(
                self.tr(
                    "The newest good backup is {name}, made {when}. Restoring it puts that "
                    "copy in place; the damaged file is kept aside as {aside}, and changes "
                    "made after the backup are only in that file."
                ).format(
                    name=self.backup.path.name,
                    when=format_when(self.backup.at),
                    aside=f"{self.database.name}.before-restore-…",
                )
            )
        else:
            self.backup_label.setText(
                self.tr(
                    "No good backup of this database was found. Copy your data out while it "
                    "is readable, or ask for help to repair the file."
                )
            )
        self.restore_button.setText(self.tr("Restore this backup"))
        self.read_only_button.setText(self.tr("Open read-only"))
        self.quit_button.setText(self.tr("Quit"))

    @Slot()
    def _on_restore_button_clicked(self) -> None:
        self.choice = self.RESTORE
        self.accept()

    @Slot()
    def _on_read_only_button_clicked(self) -> None:
        self.choice = self.READ_ONLY
        self.reject()

    @Slot()
    def _on_quit_button_clicked(self) -> None:
        self.choice = self.QUIT
        self.reject()

    @Slot(int)
    def _on_finished(self, _result: int) -> None:
        self.sig_chosen.emit(self.choice)
