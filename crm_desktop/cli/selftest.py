"""``crm-desktop --self-test``: does this installation work? One pass through every layer on a
throw-away database and a throw-away home folder, ending in one line and the exit code.

Meant for the packaged app above all (CI runs it on the PyInstaller bundle): it fails when the
bundle lacks migrations, fonts, the pinyin or phone-number data, the translations or a Qt plugin.
Nothing of the user's is read or written: ``CRM_DESKTOP_HOME`` points at a temporary folder for
the duration of the test.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_desktop import __version__
from crm_desktop.core.paths import HOME_ENV

log = logging.getLogger(__name__)

# In a windowed Windows build there is no console to print to: the line is also written here.
RESULT_FILE = "crm-desktop-self-test.txt"
MAIN_WINDOW_TIMEOUT_S = 60.0

CUSTOMER_NAME = "杭州青禾贸易有限公司"
CUSTOMER_PHONE = "057188881234"  # a Hangzhou landline, formatted with phonenumbers' CN metadata
NAME_QUERY = "青禾"
INITIALS_QUERY = "hzqh"  # 杭州青禾: needs pypinyin's dictionaries
ADMIN_LOGIN = "selftest.admin"
ADMIN_PASSWORD = "self-test-password"  # a throw-away database's


class SelfTestFailure(Exception):
    """A step ran but did not give what it should have."""


@dataclass
class SelfTestContext:
    """What the steps hand on to each other: the folder, the database, the admin, the customer."""

    folder: Path
    url: str = ""
    db: Any = None  # crm_desktop.services.database.Database once migrated
    actor: Any = None  # the administrator (services.context.Actor)
    customer_id: int | None = None


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[SelfTestContext], str]
    """Does the step; returns its part of the summary ("report 1 page"); raises on failure."""


@dataclass(frozen=True)
class SelfTestResult:
    ok: bool
    line: str
    failed_step: str | None = None
    notes: tuple[str, ...] = field(default=())


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SelfTestFailure(message)


# --------------------------------------------------------------------------- the steps


def step_migrate(ctx: SelfTestContext) -> str:
    """A new SQLite file migrated to the newest schema (Alembic scripts found in the bundle)."""
    from crm_desktop.core.paths import sqlite_url
    from crm_desktop.db.revision import HEAD_REVISION
    from crm_desktop.services.database import open_database

    started = time.perf_counter()
    ctx.url = sqlite_url(ctx.folder / "self-test.sqlite3")
    ctx.db = open_database(ctx.url, create=True, upgrade=True)
    elapsed_ms = (time.perf_counter() - started) * 1000
    from crm_desktop.db import migrate

    revision = migrate.current_revision(ctx.db.engine)
    _check(revision == HEAD_REVISION, f"schema at {revision}, expected {HEAD_REVISION}")
    return f"migrate {elapsed_ms:.0f} ms"


def step_company(ctx: SelfTestContext) -> str:
    """The first-run set-up: company, seeded defaults, the first administrator (argon2)."""
    from crm_desktop.services.company import company_info, initialize_company
    from crm_desktop.services.users import authenticate

    with ctx.db.session_factory.begin() as session:
        initialize_company(
            session,
            company_name="自检公司 Self-test Ltd",
            language="zh_CN",
            admin_login=ADMIN_LOGIN,
            admin_name="Self-test",
            admin_password=ADMIN_PASSWORD,
        )
    with ctx.db.session_factory.begin() as session:
        ctx.actor = authenticate(session, login=ADMIN_LOGIN, password=ADMIN_PASSWORD)
        _check(company_info(session).initialized, "the company is not set up")
    return "company"


def step_customer(ctx: SelfTestContext) -> str:
    """A customer with a Chinese name and a Chinese phone number."""
    from crm_desktop.services.customers import CustomerInput, create_customer

    with ctx.db.session_factory.begin() as session:
        detail = create_customer(
            session, CustomerInput(name=CUSTOMER_NAME, phone=CUSTOMER_PHONE), ctx.actor
        )
    ctx.customer_id = detail.id
    _check(detail.name == CUSTOMER_NAME, f"stored name {detail.name!r}")
    _check(
        bool(detail.phone) and detail.phone != CUSTOMER_PHONE,
        f"phone {detail.phone!r} was not normalized",
    )
    return "customer"


def step_search(ctx: SelfTestContext) -> str:
    """The search service finds the customer by a fragment of its name and by pinyin initials."""
    from crm_desktop.services.search import search_customers

    with ctx.db.read_session_factory() as session:
        for query in (NAME_QUERY, INITIALS_QUERY):
            result = search_customers(session, query, visible_to=ctx.actor)
            found = [hit.id for hit in result.results]
            _check(ctx.customer_id in found, f"{query!r} found {found}, not the customer")
    return "search"


def step_report(ctx: SelfTestContext) -> str:
    """The customer's profile report as a PDF file (reportlab and the shipped CJK fonts)."""
    from crm_desktop.services.reports import ReportFilters, render_report

    with ctx.db.read_session_factory() as session:
        output = render_report(
            session,
            "profile",
            ReportFilters(customer_id=ctx.customer_id),
            ctx.actor,
            language="zh_CN",
        )
    path = ctx.folder / "self-test.pdf"
    path.write_bytes(output.pdf)
    with path.open("rb") as fh:
        head = fh.read(5)
    _check(head == b"%PDF-", f"the PDF file starts with {head!r}")
    _check(output.pages >= 1, "the PDF has no page")
    _check(path.stat().st_size > 1000, f"the PDF has only {path.stat().st_size} bytes")
    return f"report {output.pages} page" + ("" if output.pages == 1 else "s")


def step_main_window(ctx: SelfTestContext) -> str:
    """Start-up as the app does it (open, sign in, main window), painted, then closed."""
    if ctx.db is not None:
        ctx.db.dispose()  # the window opens the file itself, as at a real start
        ctx.db = None
    _show_main_window(ctx.url, (ADMIN_LOGIN, ADMIN_PASSWORD), timeout_s=MAIN_WINDOW_TIMEOUT_S)
    return "main window"


def _show_main_window(url: str, login: tuple[str, str], *, timeout_s: float) -> None:
    """The app's own start-up controller on ``url`` signing in as ``login``, in Chinese (the
    .qm catalogue must load); waits for the window, for its first reads, paints and closes it."""
    from PySide6.QtCore import (
        QCoreApplication,
        QEvent,
        QEventLoop,
        QTimer,
        QTranslator,
        qInstallMessageHandler,
    )

    from crm_desktop.core.settings import Settings
    from crm_desktop.ui.app import AppController, create_application
    from crm_desktop.ui.i18n import LANGUAGE_EN, LANGUAGE_ZH_CN, Translations, qm_path
    from crm_desktop.ui.main_window import MainWindow

    # Qt's own chatter (the offscreen plugin's "does not support propagateSizeHints()") would
    # break the one-line output: it goes to the log (--debug shows it).
    previous_handler = qInstallMessageHandler(
        lambda _mode, _context, message: log.debug("Qt: %s", message)
    )
    app = create_application()
    quit_on_last_window = app.quitOnLastWindowClosed()
    translations = Translations(app)
    translations.apply(LANGUAGE_ZH_CN)
    errors: list[BaseException] = []
    shown: list[MainWindow] = []
    stopped: list[int] = []
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s

    def wait(done: Callable[[], bool]) -> None:
        poll = QTimer()
        poll.setInterval(20)
        poll.timeout.connect(lambda: loop.quit() if done() or time.monotonic() > deadline else None)
        poll.start()
        if not done():
            loop.exec()
        poll.stop()

    controller = AppController(
        settings=Settings(),
        translations=translations,
        database=url,
        autologin=login,
        error_handler=lambda _parent, exc: errors.append(exc),
        quit_app=False,
    )
    controller.sig_main_window_shown.connect(shown.append)
    controller.sig_stopped.connect(stopped.append)
    window: MainWindow | None = None
    try:
        catalogue = qm_path(LANGUAGE_ZH_CN)
        _check(QTranslator().load(str(catalogue)), f"cannot load the translations {catalogue}")
        started = controller.start()
        wait(lambda: bool(shown or stopped or errors) or not started)
        if errors:
            raise errors[0]
        _check(not stopped and started, "start-up stopped without a main window")
        _check(bool(shown), f"no main window after {timeout_s:.0f} s")
        window = shown[0]
        runner = controller.runner
        # The first page of the list, the counts, the integrity check: let them answer.
        wait(lambda: runner is None or runner.active_count == 0 or bool(errors))
        if errors:
            raise errors[0]
        window.repaint()
        image = window.grab().toImage()
        _check(not image.isNull() and image.width() > 0, "the main window did not paint")
        # The app quits when its last window closes; the self-test goes on after it.
        app.setQuitOnLastWindowClosed(False)
        closed: list[bool] = []
        window.sig_closed.connect(lambda: closed.append(True))
        window.close()  # now, or once the exit backup is written
        wait(lambda: bool(closed) or bool(errors))
        if errors:
            raise errors[0]
        _check(bool(closed) and not window.isVisible(), "the main window did not close")
    finally:
        if window is not None:
            if window.isVisible():
                window.close()
            window.deleteLater()
        controller.close()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        translations.apply(LANGUAGE_EN)
        app.setQuitOnLastWindowClosed(quit_on_last_window)
        qInstallMessageHandler(previous_handler)


DEFAULT_STEPS: tuple[Step, ...] = (
    Step("migrate", step_migrate),
    Step("company", step_company),
    Step("customer", step_customer),
    Step("search", step_search),
    Step("report", step_report),
    Step("main window", step_main_window),
)


# --------------------------------------------------------------------------- running


@contextmanager
def _private_home(folder: Path) -> Iterator[None]:
    """Settings, logs and backups of the app go to ``folder`` while the test runs."""
    saved = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(folder / "home")
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = saved


def run_self_test(steps: Sequence[Step] = DEFAULT_STEPS) -> SelfTestResult:
    """Run ``steps`` in order in a temporary folder; stops at the first failure."""
    # No screen is needed; a platform chosen by the caller (QT_QPA_PLATFORM) is respected.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    prefix = f"crm-desktop {__version__} self-test"
    notes: list[str] = []
    # ignore_cleanup_errors: Windows cannot delete a file a late thread still holds open.
    with tempfile.TemporaryDirectory(
        prefix="crm-desktop-self-test-", ignore_cleanup_errors=True
    ) as tmp:
        folder = Path(tmp)
        ctx = SelfTestContext(folder=folder)
        with _private_home(folder):
            try:
                for step in steps:
                    try:
                        notes.append(step.run(ctx))
                    except Exception as exc:
                        log.debug("self-test step %s failed", step.name, exc_info=True)
                        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                        error = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
                        return SelfTestResult(
                            ok=False,
                            line=f"{prefix}: FAILED at {step.name}: {error}",
                            failed_step=step.name,
                            notes=tuple(notes),
                        )
            finally:
                if ctx.db is not None:
                    ctx.db.dispose()
    elapsed = time.perf_counter() - started
    return SelfTestResult(
        ok=True,
        line=f"{prefix}: ok ({', '.join(notes)}) in {elapsed:.1f} s",
        notes=tuple(notes),
    )


def report(result: SelfTestResult) -> None:
    """Print the line (when there is a console) and keep it in the temp folder's result file."""
    if sys.stdout is not None:
        print(result.line, flush=True)
    try:
        Path(tempfile.gettempdir(), RESULT_FILE).write_text(result.line + "\n", encoding="utf-8")
    except OSError:
        log.debug("could not write the self-test result file", exc_info=True)


def main_self_test(steps: Sequence[Step] = DEFAULT_STEPS) -> int:
    """``--self-test``: exit code 0 when every step worked, else 1."""
    result = run_self_test(steps)
    report(result)
    return 0 if result.ok else 1
