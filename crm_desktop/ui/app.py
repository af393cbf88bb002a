"""Start-up of the GUI: logging, crash dialog, QApplication, language, database, first-run
wizard or sign-in, then the main window. Heavy modules are imported only when needed."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

from crm_desktop import APP_AUTHOR, APP_NAME, __version__
from crm_desktop.core import paths
from crm_desktop.core.app_mutex import hold_app_mutex
from crm_desktop.core.errors import CrmError, OperationCancelled
from crm_desktop.core.settings import Settings, load_settings, strip_password
from crm_desktop.services.context import Actor
from crm_desktop.ui.i18n import Translations, choose_language

if TYPE_CHECKING:
    from crm_desktop.services.backup import BackupInfo, RestoreResult
    from crm_desktop.services.database import Database
    from crm_desktop.services.pool import ReclaimResult
    from crm_desktop.ui.backup_dialogs import BackupCoordinator, DamagedDatabaseDialog
    from crm_desktop.ui.login import LoginDialog
    from crm_desktop.ui.main_window import MainWindow
    from crm_desktop.ui.ops import ErrorHandler, Op, OpRunner
    from crm_desktop.ui.wizard import FirstRunWizard

log = logging.getLogger(__name__)

LOG_FILE = "crm-desktop.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 5
RECLAIM_INTERVAL_MS = 60 * 60 * 1000  # the public pool's reclaim: at sign-in, then hourly
RECLAIM_DELAY_MS = 3_000  # the first run lets the first page load before it
BACKUP_DELAY_MS = 15_000  # the daily backup's first look waits until start-up work is done
_T0 = time.perf_counter()


def seconds_since_start() -> float:
    """Seconds since the process started (Linux: from /proc; elsewhere: since this import)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as uptime:
            up = float(uptime.read().split()[0])
        return up - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _T0


def setup_logging() -> logging.Handler:
    """Log INFO and above to a rotating file in the user log folder (1 MB × 5); idempotent."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "crm_desktop_file_log", False):
            return handler
    handler = logging.handlers.RotatingFileHandler(
        paths.log_dir() / LOG_FILE,
        maxBytes=LOG_MAX_BYTES,
        backupCount=LOG_BACKUPS,
        encoding="utf-8",
        delay=True,
    )
    handler.setLevel(logging.INFO)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s")
    )
    handler.crm_desktop_file_log = True  # type: ignore[attr-defined]
    # Keep the console as quiet as it was while the file gets INFO.
    for existing in root.handlers:
        if existing.level == logging.NOTSET:
            existing.setLevel(root.level or logging.WARNING)
    root.addHandler(handler)
    # Alembic narrates every start-up at INFO; only its warnings belong in the user's log.
    alembic_log = logging.getLogger("alembic")
    if alembic_log.level == logging.NOTSET:
        alembic_log.setLevel(logging.WARNING)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    return handler


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the app's names and icon (or the existing one)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Qt 6 scales per monitor; pass 125 % / 150 % through as they are instead of rounding
    # them to 100 % / 200 % (text too small or huge on common Windows laptops). Must be set
    # before the application exists.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationVersion(__version__)
    app.setApplicationDisplayName("crm-desktop")
    app.setDesktopFileName(APP_NAME)
    return app


def resolve_target(
    settings: Settings, database: str | None = None, profile: str | None = None
) -> tuple[str, str | None, str | None]:
    """(URL without password, password or None, login to pre-fill) for --database / --profile /
    the default profile (the local SQLite file)."""
    if database:
        url, password = strip_password(database)
        return url, password, None
    chosen = settings.profile(profile)
    url, password = strip_password(chosen.url)
    return url, password, chosen.user


def is_shared_url(url: str) -> bool:
    return url.split(":", 1)[0].lower().startswith("postgres")


def build_main_window(
    db: Database,
    actor: Actor,
    settings: Settings,
    *,
    runner: OpRunner | None = None,
    translations: Translations | None = None,
    company_name: str | None = None,
) -> MainWindow:
    """The main window for a signed-in ``actor`` on ``db``, without any dialog (tests, tools)."""
    from crm_desktop.ui.main_window import MainWindow
    from crm_desktop.ui.ops import OpRunner

    if translations is None:
        translations = Translations()
    own_runner = runner is None
    window = MainWindow(
        db=db,
        actor=actor,
        settings=settings,
        runner=runner or OpRunner(db),
        translations=translations,
        company_name=company_name,
    )
    if own_runner:
        window.runner.setParent(window)
    return window


class ReclaimScheduler(QObject):
    """Runs the public pool's reclaim (``pool.reclaim``) on the write lane once at start and
    then every ``interval_ms`` while the app runs. Reclaim is idempotent and safe when several
    clients run it at once, so every signed-in client may. Failures go to the log, never to a
    dialog: nobody asked for this work. ``clock`` (tests) gives the ``now`` of each run;
    ``job`` replaces ``pool.reclaim`` (tests)."""

    sig_reclaimed = Signal(object)
    """A run moved customers to the pool; carries its ReclaimResult (lists should reload)."""

    sig_ran = Signal(object)
    """A run ended: its ReclaimResult, or the exception it failed with (logged)."""

    def __init__(
        self,
        runner: OpRunner,
        *,
        interval_ms: int = RECLAIM_INTERVAL_MS,
        delay_ms: int = RECLAIM_DELAY_MS,
        clock: Callable[[], datetime] | None = None,
        job: Callable[..., ReclaimResult] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.clock = clock
        self.job = job
        self.runs = 0
        self._op: Op | None = None
        self.first_timer = QTimer(self)
        self.first_timer.setSingleShot(True)
        self.first_timer.setInterval(max(0, delay_ms))
        self.first_timer.timeout.connect(self._on_timer_timeout)
        self.timer = QTimer(self)
        self.timer.setInterval(max(1, interval_ms))
        self.timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        """Run once after the delay, then on every tick of the interval."""
        self.first_timer.start()
        self.timer.start()

    def stop(self) -> None:
        self.first_timer.stop()
        self.timer.stop()

    @property
    def running(self) -> bool:
        return self._op is not None and self._op.running

    def run_now(self) -> Op | None:
        """Start one run; None when the previous one is still running (runs never pile up)."""
        from crm_desktop.services.pool import reclaim

        if self.running:
            return None
        now = self.clock() if self.clock is not None else None
        op = self.runner.op(None, self.job or reclaim, now=now)
        op.on_success(self._on_reclaim_done).on_failure(self._on_reclaim_failed)
        self._op = op.run()
        return self._op

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.run_now()

    def _on_reclaim_done(self, result: ReclaimResult) -> None:
        if not shiboken6.isValid(self):
            return  # its window closed (e.g. for a restore) while the run was on its way
        self.runs += 1
        if result.items:
            log.info("reclaim moved %d customers to the public pool", len(result.items))
            self.sig_reclaimed.emit(result)
        self.sig_ran.emit(result)

    def _on_reclaim_failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self.runs += 1
        if isinstance(exc, OperationCancelled):
            log.debug("reclaim cancelled")
        else:
            log.warning("reclaim failed: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))
        self.sig_ran.emit(exc)


class AppController(QObject):
    """Walks from start-up to the main window without nested event loops: open the database,
    then the first-run wizard or the sign-in dialog, then the main window."""

    sig_main_window_shown = Signal(object)
    """The main window is on screen; carries it."""

    sig_stopped = Signal(int)
    """Start-up ended without a main window (cancelled: 0, failed: 1); carries the exit code."""

    sig_integrity_checked = Signal(object)
    """The open-time quick_check ended: None when the file is sound, else its finding (the
    database is then open read-only)."""

    sig_damaged_dialog_shown = Signal(object)
    """The damaged-database dialog is on screen; carries it."""

    sig_restored = Signal(object)
    """A backup was restored (carries the RestoreResult); the app reopens the database."""

    def __init__(
        self,
        *,
        settings: Settings,
        translations: Translations,
        database: str | None = None,
        profile: str | None = None,
        error_parent: QWidget | None = None,
        error_handler: ErrorHandler | None = None,
        quit_app: bool = True,
        autologin: tuple[str, str] | None = None,
        reclaim_interval_ms: int = RECLAIM_INTERVAL_MS,
        reclaim_delay_ms: int = RECLAIM_DELAY_MS,
        clock: Callable[[], datetime] | None = None,
        backup_delay_ms: int = BACKUP_DELAY_MS,
    ) -> None:
        super().__init__()
        self._autologin = autologin
        self._backup_delay_ms = backup_delay_ms
        self.backups: BackupCoordinator | None = None
        self.integrity_finding: str | None = None
        self.integrity_ok: bool | None = None  # None while the open-time check runs
        self.damaged_dialog: DamagedDatabaseDialog | None = None
        self.damaged_backup: BackupInfo | None = None
        self.restore_result: RestoreResult | None = None
        self._restore_runner: OpRunner | None = None
        self._read_only_label: QLabel | None = None
        self._reclaim_timing = (reclaim_interval_ms, reclaim_delay_ms)
        self._clock = clock
        self.reclaim_scheduler: ReclaimScheduler | None = None
        self.settings = settings
        self.translations = translations
        self._database_arg = database
        self._profile_arg = profile
        self._error_parent = error_parent
        self._quit_app = quit_app
        self._error_handler = error_handler
        self.db: Database | None = None
        self.runner: OpRunner | None = None
        self.wizard: FirstRunWizard | None = None
        self.login_dialog: LoginDialog | None = None
        self.main_window: MainWindow | None = None
        self._prepared_window: tuple[Actor, MainWindow] | None = None
        self.company_name: str | None = None
        self.exit_code = 0
        self._switch_to: str | None = None  # a profile to open once the window closed
        self._integrity_pending = False  # the open-time check waits for the main window

    # ----------------------------------------------------------------- steps

    def start(self) -> bool:
        """Begin; False when start-up failed at once (the message was shown)."""
        try:
            url, password, login = resolve_target(
                self.settings, self._database_arg, self._profile_arg
            )
        except CrmError as exc:
            self._fail(exc)
            return False
        if is_shared_url(url):
            self._show_login(shared_url=url, initial_login=login, initial_password=password)
            return True
        from crm_desktop.services.database import open_database
        from crm_desktop.ui.ops import OpRunner

        try:
            self.db = open_database(url, password=password, create=True, upgrade=True)
        except CrmError as exc:
            self.db = self._open_damaged(url, exc)
            if self.db is None:
                self._fail(exc)
                return False
        for warning in self.db.warnings:
            log.warning("%s", warning)
        self.runner = OpRunner(self.db, error_handler=self._error_handler)
        if self._autologin is None:
            self._start_integrity_check()  # while the user signs in
        else:
            # Reading the whole file beside the first list would slow the start: it runs once
            # the window is shown.
            self._integrity_pending = True
        self._check_company()
        return True

    # ----------------------------------------------------------------- integrity and backups

    @staticmethod
    def _open_damaged(url: str, exc: CrmError) -> Database | None:
        """A SQLite file too damaged for ``open_database``: open it read-only so the damaged
        dialog can offer a backup (None when not even that works)."""
        from crm_desktop.services.backup import open_read_only

        if "damaged" not in str(exc) and "malformed" not in str(exc):
            return None
        try:
            return open_read_only(url)
        except CrmError as again:
            log.error("cannot open the damaged file even read-only: %s", again)
            return None

    def _start_integrity_check(self) -> None:
        """quick_check on a worker beside the rest of start-up (it reads the whole file: about
        a minute for 1M customers), so the window is not delayed by it."""
        from crm_desktop.ui.backup_dialogs import check_job

        if self.runner is None or self.db is None:
            return  # closed meanwhile (a restore or a switch): the next start checks again
        self.integrity_ok = None
        self.integrity_finding = None
        self.runner.op(None, check_job, db=self.db).read_only().on_success(
            self._on_integrity_checked
        ).on_failure(self._on_integrity_check_failed).run()

    def _on_integrity_checked(self, finding: object) -> None:
        from crm_desktop.services.backup import backup_settings, sqlite_path, switch_to_read_only
        from crm_desktop.ui.backup_dialogs import newest_backup_job

        if self.db is None or self.runner is None:
            return
        if finding is None:
            self.integrity_ok = True
            self.sig_integrity_checked.emit(None)
            self._start_daily_backups()
            return
        self.integrity_ok = False
        self.integrity_finding = str(finding)
        log.error("%s is damaged: %s; opened read-only", self.db.label, finding)
        switch_to_read_only(self.db)
        self._show_read_only_state()
        self.sig_integrity_checked.emit(self.integrity_finding)
        options = backup_settings(self.settings.ui.get("backup"))
        self.runner.op(
            None, newest_backup_job, folder=options.folder, database=sqlite_path(self.db)
        ).own_transactions().on_success(self._show_damaged_dialog).on_failure(
            self._on_newest_backup_failed
        ).run()

    def _on_integrity_check_failed(self, exc: BaseException) -> None:
        log.warning("the integrity check could not run: %s", exc)

    def _on_newest_backup_failed(self, exc: BaseException) -> None:
        log.warning("looking for a good backup failed: %s", exc)
        self._show_damaged_dialog(None)

    def _show_damaged_dialog(self, info: object) -> None:
        from crm_desktop.services.backup import BackupInfo, sqlite_path
        from crm_desktop.ui.backup_dialogs import DamagedDatabaseDialog

        if self.db is None:
            return
        backup = info if isinstance(info, BackupInfo) else None
        self.damaged_backup = backup
        parent: QWidget | None = None
        for candidate in (self.main_window, self.login_dialog, self.wizard):
            if candidate is not None and candidate.isVisible():
                parent = candidate
                break
        dialog = DamagedDatabaseDialog(
            database=sqlite_path(self.db),
            finding=self.integrity_finding or "",
            backup=backup,
            parent=parent,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.sig_chosen.connect(self._on_damaged_dialog_sig_chosen)
        self.damaged_dialog = dialog
        dialog.open()
        self.sig_damaged_dialog_shown.emit(dialog)

    @Slot(str)
    def _on_damaged_dialog_sig_chosen(self, choice: str) -> None:
        self.damaged_dialog = None
        if choice == "restore" and self.damaged_backup is not None:
            self.restore_and_reopen(self.damaged_backup.path)
        elif choice == "quit":
            self._close_windows()
            self._stop(0)
        # "read_only": it already is

    def _show_read_only_state(self) -> None:
        window = self.main_window
        if window is None or self._read_only_label is not None:
            return
        label = QLabel(window.statusBar())
        label.setObjectName("statusReadOnly")
        label.setStyleSheet("color: #b3261e; font-weight: 600;")
        label.setText(self.tr("Read-only: the database is damaged"))
        window.statusBar().insertPermanentWidget(0, label)
        self._read_only_label = label

    def _start_backups(self, window: MainWindow) -> None:
        from crm_desktop.ui.backup_dialogs import BackupCoordinator

        assert self.db is not None
        coordinator = BackupCoordinator(
            runner=window.runner, db=self.db, settings=self.settings, parent=window
        )
        coordinator.sig_restore_requested.connect(self._on_backups_sig_restore_requested)
        coordinator.install_exit_backup(window)
        self.backups = coordinator
        if self.integrity_ok:
            self._start_daily_backups()
        if self.integrity_ok is False:
            self._show_read_only_state()

    def _start_daily_backups(self) -> None:
        if self.backups is not None and not self.backups.daily_enabled:
            self.backups.start_daily(self._backup_delay_ms)

    @Slot(object)
    def _on_backups_sig_restore_requested(self, path: object) -> None:
        self.restore_and_reopen(Path(str(path)))

    def _close_windows(self) -> None:
        """Close whatever start-up showed, without the exit backup and without ending."""
        if self.backups is not None:
            self.backups.exit_backup_enabled = False
            self.backups.stop()
        if self.login_dialog is not None:
            dialog, self.login_dialog = self.login_dialog, None
            dialog.finished.disconnect(self._on_login_dialog_finished)
            dialog.reject()
            dialog.deleteLater()
        if self.wizard is not None:
            wizard, self.wizard = self.wizard, None
            wizard.finished.disconnect(self._on_wizard_finished)
            wizard.reject()
            wizard.deleteLater()
        self._discard_prepared_window()
        if self.main_window is not None:
            window, self.main_window = self.main_window, None
            window.close()
            window.deleteLater()
        self.backups = None
        self._read_only_label = None

    def restore_and_reopen(self, backup: Path) -> None:
        """Close the windows and the database, restore ``backup`` (the current file is kept
        aside) on a worker, then start again: sign-in, main window."""
        from crm_desktop.services.backup import sqlite_path
        from crm_desktop.ui.backup_dialogs import restore_job
        from crm_desktop.ui.ops import OpRunner

        if self.db is None or self.runner is None:
            return
        db_path = sqlite_path(self.db)
        QApplication.setQuitOnLastWindowClosed(False)
        self._close_windows()
        old_runner, self.runner = self.runner, None
        old_runner.shutdown()
        old_runner.sig_worker_event.disconnect()  # late results of the old session: dropped
        old_runner.deleteLater()
        db, self.db = self.db, None
        db.dispose()
        runner = OpRunner(db, error_handler=self._error_handler)
        self._restore_runner = runner
        runner.op(
            None, restore_job, db_path=db_path, backup=backup
        ).own_transactions().with_progress(
            self.tr("Restoring the backup…"), cancellable=False
        ).on_success(self._on_restored).on_failure(self._on_restore_failed).run()

    def _on_restored(self, result: Any) -> None:
        log.info("restored %s; reopening", result.backup)
        self.restore_result = result
        self.sig_restored.emit(result)
        self._reopen()

    def _on_restore_failed(self, exc: BaseException) -> None:
        log.error("restore failed: %s", exc)
        if self._restore_runner is not None:
            self._restore_runner.show_error(self._error_parent, exc)
        self._reopen()  # the current file is still in place when the restore failed

    def _reopen(self) -> None:
        if self._restore_runner is not None:
            self._restore_runner.deleteLater()
            self._restore_runner = None
        self.damaged_backup = None
        self.company_name = None
        self.start()

    def _check_company(self) -> None:
        from crm_desktop.services.company import company_info

        assert self.runner is not None
        self.runner.op(None, company_info).read_only().on_success(self._on_company_info).on_failure(
            self._on_start_failed
        ).run()

    def _on_company_info(self, info: object) -> None:
        if self.db is None or self.runner is None:
            return  # the answer of a database closed meanwhile (a restore or a switch)
        self.company_name = getattr(info, "name", None)
        if getattr(info, "initialized", False) and self._autologin is not None:
            self._sign_in_automatically(*self._autologin)
        elif getattr(info, "initialized", False):
            self._show_login()
        else:
            self._show_wizard()

    def _sign_in_automatically(self, login: str, password: str) -> None:
        """Sign in without the dialog (start-up benchmark, kiosk scripts); a wrong password
        fails start-up with the usual message."""
        from crm_desktop.services.users import authenticate, sign_in_preview

        assert self.runner is not None
        self.runner.op(None, authenticate, login=login, password=password).on_success(
            self._show_main_window
        ).on_failure(self._on_sign_in_failed).run()
        # argon2 takes ~0.12 s on the write lane: meanwhile build the window of the user this
        # sign-in would give, hidden (it starts reading the list); shown only once signed in.
        self.runner.op(None, sign_in_preview, login=login).read_only().on_success(
            self._prepare_main_window
        ).on_failure(self._on_sign_in_preview_failed).run()

    def _show_wizard(self) -> None:
        from crm_desktop.ui.wizard import FirstRunWizard

        assert self.runner is not None and self.db is not None
        self.wizard = FirstRunWizard(
            runner=self.runner,
            settings=self.settings,
            translations=self.translations,
            database_label=self.db.label,
        )
        self.wizard.finished.connect(self._on_wizard_finished)
        self.wizard.show()
        log.info("first-run wizard shown after %.3f s", seconds_since_start())

    @Slot(int)
    def _on_wizard_finished(self, _result: int) -> None:
        wizard = self.wizard
        self.wizard = None
        if wizard is None:
            return
        wizard.deleteLater()
        if wizard.actor is None:
            self._stop(0)
            return
        # The administrator just chose the password: asking for it again would only annoy.
        self.company_name = wizard.company_page.name_edit.text().strip() or None
        self._show_main_window(wizard.actor)

    def _show_login(
        self,
        *,
        shared_url: str | None = None,
        initial_login: str | None = None,
        initial_password: str | None = None,
    ) -> None:
        from crm_desktop.ui.login import LoginDialog

        label = self.db.label if self.db is not None else self._shared_label(shared_url or "")
        self.login_dialog = LoginDialog(
            settings=self.settings,
            database_label=label,
            runner=self.runner if shared_url is None else None,
            shared_url=shared_url,
            company_name=self.company_name,
            initial_login=initial_login,
            initial_password=initial_password,
        )
        self.login_dialog.finished.connect(self._on_login_dialog_finished)
        self.login_dialog.show()
        log.info("sign-in shown after %.3f s", seconds_since_start())
        # Import the main window while the user types.
        QTimer.singleShot(0, self._preload)

    @staticmethod
    def _shared_label(url: str) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return f"PostgreSQL {parts.hostname or 'localhost'}{parts.path}"

    @staticmethod
    def _preload() -> None:
        import crm_desktop.ui.main_window  # noqa: F401

    @Slot(int)
    def _on_login_dialog_finished(self, _result: int) -> None:
        dialog = self.login_dialog
        self.login_dialog = None
        if dialog is None:
            return
        dialog.deleteLater()
        if dialog.actor is None or dialog.database is None:
            if dialog.database is not None and self.db is None:
                dialog.database.dispose()
            self._stop(0)
            return
        if self.db is None:  # Shared mode: the dialog opened the database
            self.db = dialog.database
            self.runner = dialog.runner
            if self.runner is not None:
                self.runner.setParent(None)
        self._show_main_window(dialog.actor)

    def _build_main_window(self, actor: Actor) -> MainWindow:
        assert self.db is not None
        return build_main_window(
            self.db,
            actor,
            self.settings,
            runner=self.runner,
            translations=self.translations,
            company_name=self.company_name,
        )

    def _prepare_main_window(self, actor: object) -> None:
        """Build (not show) the window of the user a pending sign-in names."""
        if not isinstance(actor, Actor) or self.main_window is not None or self.db is None:
            # No such active user (the sign-in will say so), already signed in, or the answer
            # of a database closed meanwhile (a restore or a switch).
            return
        self._prepared_window = (actor, self._build_main_window(actor))

    def _on_sign_in_preview_failed(self, exc: BaseException) -> None:
        log.debug("sign-in preview failed: %s", exc)  # the sign-in itself reports problems

    def _discard_prepared_window(self) -> None:
        if self._prepared_window is not None:
            window = self._prepared_window[1]
            self._prepared_window = None
            window.deleteLater()  # its pending reads are dropped with it (ops.Op._parent_gone)

    def _on_sign_in_failed(self, exc: BaseException) -> None:
        self._discard_prepared_window()
        self._on_start_failed(exc)

    def _show_main_window(self, actor: Actor) -> None:
        if self.db is None or self.main_window is not None:
            # A sign-in answered after its database was closed (a restore or a switch is under
            # way; the new start signs in again), or a second answer: nothing to show.
            log.info("a late sign-in result was dropped")
            return
        prepared = self._prepared_window
        if prepared is not None and prepared[0] == actor:
            self._prepared_window = None
            window = prepared[1]
        else:  # nothing prepared, or the user changed between the two reads
            self._discard_prepared_window()
            window = self._build_main_window(actor)
        self.main_window = window
        window.profile_name = self._profile_arg or (
            None if self._database_arg else self.settings.default_profile
        )
        window.sig_switch_database.connect(self._on_main_window_sig_switch_database)
        window.show()
        QApplication.setQuitOnLastWindowClosed(True)
        log.info("main window shown after %.3f s", seconds_since_start())
        self._start_reclaim(window)
        self._start_backups(window)
        if self._integrity_pending:
            self._integrity_pending = False
            QTimer.singleShot(0, self._start_integrity_check)
        self.sig_main_window_shown.emit(window)

    def _start_reclaim(self, window: MainWindow) -> None:
        interval_ms, delay_ms = self._reclaim_timing
        scheduler = ReclaimScheduler(
            window.runner,
            interval_ms=interval_ms,
            delay_ms=delay_ms,
            clock=self._clock,
            parent=window,
        )
        scheduler.sig_reclaimed.connect(self._on_reclaim_scheduler_sig_reclaimed)
        self.reclaim_scheduler = scheduler
        scheduler.start()

    @Slot(object)
    def _on_reclaim_scheduler_sig_reclaimed(self, _result: object) -> None:
        # Customers left their owners' lists for the pool: both lists reload.
        if self.main_window is not None:
            self.main_window.sig_customers_changed.emit()

    @Slot(str)
    def _on_main_window_sig_switch_database(self, profile: str) -> None:
        """File → Database connections… chose another database: close this one (the window
        saves its layout, and the exit backup runs, as on quit) and start again on ``profile``
        — a company server shows its sign-in (which makes the profile the default once signed
        in), the local file opens as at start-up."""
        window = self.main_window
        if window is None:
            return
        QApplication.setQuitOnLastWindowClosed(False)
        self._switch_to = profile
        window.sig_closed.connect(self._on_main_window_sig_closed)
        window.close()  # now, or once the exit backup is written

    @Slot()
    def _on_main_window_sig_closed(self) -> None:
        profile = self._switch_to
        window = self.main_window
        if profile is None or window is None:
            return
        self._switch_to = None
        log.info("switching to the database of profile %s", profile)
        self.main_window = None
        self.reclaim_scheduler = None
        window.deleteLater()
        self.close()
        self.runner = None
        self.company_name = None
        self._autologin = None
        self._database_arg = None
        self._profile_arg = profile
        QTimer.singleShot(0, self.start)

    # ----------------------------------------------------------------- failures

    def _on_start_failed(self, exc: BaseException) -> None:
        self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        log.error("start-up failed: %s", exc)
        if self._error_handler is not None:
            self._error_handler(self._error_parent, exc)
        else:
            from crm_desktop.ui.errors import show_error

            show_error(self._error_parent, exc)
        self._stop(1)

    def _stop(self, code: int) -> None:
        self.exit_code = code
        self.sig_stopped.emit(code)
        app = QApplication.instance()
        if app is not None and self._quit_app:
            app.exit(code)

    def close(self) -> None:
        """Release the database (after the event loop ended)."""
        if self.runner is not None:
            self.runner.shutdown()
        if self.db is not None:
            self.db.dispose()
            self.db = None


def _exit_after_paint(app: QApplication, window: QWidget) -> None:
    # show() posts the expose and paint events; a zero timer runs after they were handled.
    def done() -> None:
        window.repaint()  # make sure at least one complete paint happened
        print(f"main window painted after {seconds_since_start():.3f} s", flush=True)
        app.exit(0)

    QTimer.singleShot(0, done)


def run_gui(
    database: str | None = None,
    profile: str | None = None,
    argv: list[str] | None = None,
    *,
    autologin: tuple[str, str] | None = None,
    exit_when_shown: bool = False,
) -> int:
    """Run the GUI; returns the process exit code (0 ok or cancelled, 1 failed to start).

    ``autologin`` (login, password) skips the sign-in dialog; ``exit_when_shown`` prints
    ``main window painted after X s`` (from process start) once the main window has been
    painted, and quits — both for bench/startup.py.
    """
    from crm_desktop.ui.errors import install_excepthook
    from crm_desktop.ui.style import apply_style

    setup_logging()
    install_excepthook()
    log.info("crm-desktop %s starting (pid %d)", __version__, os.getpid())
    hold_app_mutex()  # Windows: Setup and Uninstall see the app running until it exits
    app = create_application(argv)
    from crm_desktop.ui.icons import app_icon

    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # dialogs come and go before the main window
    settings = load_settings()
    translations = Translations(app)
    translations.apply(choose_language(settings.language))
    apply_style(app)
    controller = AppController(
        settings=settings,
        translations=translations,
        database=database,
        profile=profile,
        autologin=autologin,
    )
    if exit_when_shown:
        controller.sig_main_window_shown.connect(lambda window: _exit_after_paint(app, window))
    try:
        if not controller.start():
            return 1
        code = app.exec()
        return controller.exit_code if controller.main_window is None else code
    except Exception as exc:  # start-up code outside the event loop
        QMessageBox.critical(None, "crm-desktop", f"{type(exc).__name__}: {exc}")
        log.exception("start-up crashed")
        return 1
    finally:
        controller.close()
