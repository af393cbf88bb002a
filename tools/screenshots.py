"""Render the app's windows offscreen into docs/screenshots/ (README, release notes, review).

    python tools/screenshots.py [--customers 2000] [--out docs/screenshots] [--main-only]

The main window and the Customers page first, then every area's own tool (AREA_TOOLS: Today,
pool, mail, customer file, reports, dialogs …), each in English and Chinese.

Everything happens in a temporary CRM_DESKTOP_HOME: demo databases are made through the services,
nothing touches the user's own files. Chinese needs a CJK font (e.g. Debian's fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
MAIN_SIZE = (1200, 750)
# The per-area tools (tools/screenshots_<area>.py), each run in its own process.
AREA_TOOLS = (
    "followups",
    "pool",
    "mail",
    "message_view",
    "customer_file",
    "compose",
    "handover",
    "reports",
    "dialogs",
)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from crm_desktop.services.context import Actor
    from crm_desktop.services.database import Database
    from crm_desktop.ui.customers_page import CustomersPage


@dataclass(frozen=True)
class Company:
    language: str
    name: str
    admin_login: str
    admin_name: str


COMPANIES = (
    Company("en", "Northwind Precision Instruments Ltd.", "emma", "Emma Walker"),
    Company("zh_CN", "华东精密仪器有限公司", "wangfang", "王芳"),
)
PASSWORD = "screenshot-password"


def cjk_fonts() -> list[str]:
    """Font families fontconfig offers for Simplified Chinese (empty when there are none)."""
    if shutil.which("fc-list") is None:
        return []
    result = subprocess.run(
        ["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, check=False
    )
    return sorted({line.strip() for line in result.stdout.splitlines() if line.strip()})


def wait_for(app: QApplication, done: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get ready in time")
        app.processEvents()
        time.sleep(0.01)


def settle(app: QApplication, seconds: float = 0.3) -> None:
    """Let layouts, style sheets and posted LanguageChange events take effect."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def save(widget: QWidget, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(f"screenshots: wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def customers_ready(page: CustomersPage) -> bool:
    """The list, its visible rows, the filter choices and the region counts are all shown."""
    if page.loading or page.last_result is None or page.filter_panel.choices is None:
        return False
    if page.filter_panel.region_count(page.filter_panel.choices.regions[0].id) is None:
        return False
    view, model = page.view, page.model
    top, bottom = view.rowAt(0), view.rowAt(view.viewport().height() - 1)
    if bottom < 0:
        bottom = model.rowCount() - 1
    return top < 0 or (model.is_row_loaded(top) and model.is_row_loaded(bottom))


def customers_screenshot(app: QApplication, page: CustomersPage) -> None:
    """The Customers page at work: the biggest region picked, grade A and B, the latest
    follow-ups first, a few rows selected for a bulk change."""
    panel = page.filter_panel
    page.sort_by("last_followup", descending=True)
    assert panel.choices is not None
    biggest = max(panel.choices.regions, key=lambda n: panel.region_count(n.id) or 0)
    panel.select_region(biggest.id)
    for grade in panel.choices.grades[:2]:
        panel.set_grade_checked(grade.id, True)
    wait_for(app, lambda: customers_ready(page))
    page.select_rows([1, 2, 4])
    page.view.setFocus()
    settle(app)
    wait_for(app, lambda: customers_ready(page))


def demo_database(folder: Path, company: Company, customers: int) -> tuple[Database, Actor]:
    from crm_desktop.core.paths import sqlite_url
    from crm_desktop.services.company import initialize_company
    from crm_desktop.services.database import open_database
    from crm_desktop.services.demo import generate_demo

    db = open_database(sqlite_url(folder / f"demo-{company.language}.sqlite3"), create=True)
    started = time.perf_counter()
    with db.session_factory.begin() as session:
        actor = initialize_company(
            session,
            company_name=company.name,
            language=company.language,
            admin_login=company.admin_login,
            admin_name=company.admin_name,
            admin_password=PASSWORD,
        )
        generate_demo(session, customers=customers, language=company.language, actor=actor)
    elapsed = time.perf_counter() - started
    print(f"screenshots: {company.language} demo database, {customers} customers ({elapsed:.1f} s)")
    return db, actor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=2000, help="demo customers per language")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--main-only", action="store_true", help="skip the per-area tools (AREA_TOOLS)"
    )
    args = parser.parse_args(argv)

    fonts = cjk_fonts()
    if not fonts:
        print(
            "screenshots: no Chinese (CJK) font found, the zh_CN screenshots would show boxes. "
            "Install one first, e.g. 'apt-get install fonts-noto-cjk'.",
            file=sys.stderr,
        )
        return 1
    print(f"screenshots: CJK fonts: {', '.join(fonts[:3])}{' …' if len(fonts) > 3 else ''}")

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="crm-screenshots-"))
    os.environ["CRM_DESKTOP_HOME"] = str(home)
    sys.path.insert(0, str(ROOT))

    import crm_desktop.ui  # noqa: F401 - applies the bindings work-around first
    from crm_desktop.core.settings import Settings
    from crm_desktop.ui.app import build_main_window, create_application
    from crm_desktop.ui.i18n import Translations
    from crm_desktop.ui.icons import app_icon
    from crm_desktop.ui.login import LoginDialog
    from crm_desktop.ui.ops import OpRunner
    from crm_desktop.ui.style import apply_style
    from crm_desktop.ui.wizard import FirstRunWizard

    app = create_application(["screenshots"])
    app.setWindowIcon(app_icon())
    apply_style(app)
    translations = Translations(app)
    out: Path = args.out.resolve()
    try:
        for company in COMPANIES:
            db, actor = demo_database(home, company, args.customers)
            translations.apply(company.language)
            window = build_main_window(
                db, actor, Settings(), translations=translations, company_name=company.name
            )
            window.resize(*MAIN_SIZE)
            window.show()
            wait_for(app, lambda w=window: customers_ready(w.customers_page))
            settle(app)
            wait_for(app, lambda w=window: customers_ready(w.customers_page))
            save(window, out / f"main-window-{company.language}.png")
            customers_screenshot(app, window.customers_page)
            save(window, out / f"customers-{company.language}.png")
            window.close()
            window.deleteLater()

            # The sign-in as each company's users meet it, in its language.
            settings = Settings(last_login=company.admin_login)
            runner = OpRunner(db)
            login = LoginDialog(
                settings=settings,
                database_label=db.label,
                runner=runner,
                company_name=company.name,
            )
            login.show()
            settle(app)
            save(login, out / f"login-{company.language}.png")
            login.close()
            runner.shutdown()
            db.dispose()

        # The wizard as a new user meets it: on an empty database, in each language.
        from crm_desktop.core.paths import sqlite_url
        from crm_desktop.services.database import open_database

        for language, company in (("zh_CN", COMPANIES[1]), ("en", COMPANIES[0])):
            translations.apply(language)
            empty = open_database(sqlite_url(home / f"new-{language}.sqlite3"), create=True)
            runner = OpRunner(empty)
            wizard = FirstRunWizard(
                runner=runner,
                settings=Settings(),
                translations=translations,
                database_label=empty.label,
            )
            wizard.show()
            wizard.company_page.name_edit.setText(company.name)
            settle(app)
            save(wizard, out / f"wizard-{language}.png")
            wizard.next()
            page = wizard.admin_page
            page.login_edit.setText(company.admin_login)
            page.name_edit.setText(company.admin_name)
            page.password_edit.setText("short")
            page.repeat_edit.setText("short")
            page.validatePage()  # shows the message beside the field, as after clicking Next
            settle(app)
            save(wizard, out / f"wizard-admin-{language}.png")
            wizard.close()
            runner.shutdown()
            empty.dispose()
    finally:
        translations.apply("en")
        shutil.rmtree(home, ignore_errors=True)
    if args.main_only:
        return 0
    return run_area_tools(out)


def run_area_tools(out: Path) -> int:
    """Every per-area tool, one process each (they set up Qt and their demo data)."""
    failed: list[str] = []
    for area in AREA_TOOLS:
        tool = ROOT / "tools" / f"screenshots_{area}.py"
        print(f"screenshots: {tool.name}", flush=True)
        done = subprocess.run([sys.executable, str(tool), "--out", str(out)], check=False)
        if done.returncode != 0:
            failed.append(tool.name)
    if failed:
        print(f"screenshots: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def run_per_language(
    render: Callable[..., list[Path]],
    *,
    description: str | None,
    argv: list[str] | None = None,
    default_customers: int = 300,
) -> int:
    """The ``main`` of a screenshot tool: a demo database per company (English, Chinese), then
    ``render(app, translations, db, admin, language, out)`` for each."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--customers", type=int, default=default_customers, help="demo customers per language"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="crm-screenshots-"))
    os.environ["CRM_DESKTOP_HOME"] = str(home)
    if not cjk_fonts():
        print("screenshots: no Chinese (CJK) font found; install fonts-noto-cjk", file=sys.stderr)
        return 1

    import crm_desktop.ui  # noqa: F401 - applies the bindings work-around first
    from crm_desktop.ui.app import create_application
    from crm_desktop.ui.i18n import Translations
    from crm_desktop.ui.icons import app_icon
    from crm_desktop.ui.style import apply_style

    app = create_application(["screenshots"])
    app.setWindowIcon(app_icon())
    apply_style(app)
    translations = Translations(app)
    out: Path = args.out.resolve()
    try:
        for company in COMPANIES:
            db, admin = demo_database(home, company, args.customers)
            try:
                render(app, translations, db, admin, company.language, out)
            finally:
                db.dispose()
    finally:
        translations.apply("en")
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
