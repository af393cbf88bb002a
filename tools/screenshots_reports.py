"""Render the Reports page (a customer roster generated and shown in the QtPdf preview) in
English and Chinese into docs/screenshots/ (reports-*.png).

    python tools/screenshots_reports.py [--customers 300] [--out docs/screenshots]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1280, 800)
VIEWER = "zhao.min"  # a manager prints the roster of their branch

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from crm_desktop.services.context import Actor
    from crm_desktop.services.database import Database
    from crm_desktop.ui.i18n import Translations


def render_reports_screenshots(
    app: QApplication,
    translations: Translations,
    db: Database,
    admin: Actor,
    language: str,
    out: Path,
) -> list[Path]:
    from crm_desktop.core.settings import Settings
    from crm_desktop.ui.app import build_main_window
    from crm_desktop.ui.ops import OpRunner

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import save, settle, wait_for

    translations.apply(language)
    runner = OpRunner(db)
    written: list[Path] = []
    try:
        window = build_main_window(db, admin, Settings(), runner=runner, translations=translations)
        window.resize(*SIZE)
        window.show()
        window.show_page("reports")
        panel = window.reports_page.panel
        wait_for(app, lambda: panel.choices is not None)
        panel.select_kind("roster")
        panel.generate()
        wait_for(app, lambda: panel.output is not None)
        settle(app, 1.0)
        path = out / f"reports-{language}.png"
        save(window, path)
        written.append(path)
        window.close()
        window.deleteLater()
        settle(app, 0.2)
    finally:
        runner.shutdown()
    return written


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import run_per_language

    description = __doc__.splitlines()[0] if __doc__ else None
    return run_per_language(
        render_reports_screenshots, description=description, argv=argv, default_customers=300
    )


if __name__ == "__main__":
    sys.exit(main())
