"""Render the Admin → Users tab and the handover wizard (离职交接) — its preview page and its
assign page with a rule by grade and one by region — in English and Chinese, into
docs/screenshots/ (admin-users-*.png, handover-preview-*.png, handover-assign-*.png).

    python tools/screenshots_handover.py [--customers 300] [--out docs/screenshots]

``render_handover_screenshots(app, translations, db, admin, language, out)`` is the piece
tools/screenshots.py can call with a demo database of its own.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
ADMIN_SIZE = (1100, 720)
WIZARD_SIZE = (900, 640)
DEPARTING = "li.na"  # a Shanghai salesperson leaves
HEIR = "wang.fang"

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from crm_desktop.services.context import Actor
    from crm_desktop.services.database import Database
    from crm_desktop.ui.i18n import Translations


def render_handover_screenshots(
    app: QApplication,
    translations: Translations,
    db: Database,
    admin: Actor,
    language: str,
    out: Path,
) -> list[Path]:
    """Render the three pictures of ``language`` from ``db``; returns the files written."""
    from crm_desktop.services.handover import HandoverRule
    from crm_desktop.services.users import get_user, list_users
    from crm_desktop.ui.admin_page import AdminPage
    from crm_desktop.ui.handover_wizard import HandoverWizard
    from crm_desktop.ui.ops import OpRunner

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import save, settle, wait_for

    translations.apply(language)
    written: list[Path] = []
    runner = OpRunner(db)
    try:
        admin_page = AdminPage(admin, runner)
        admin_page.resize(*ADMIN_SIZE)
        admin_page.tabs.setCurrentWidget(admin_page.users_tab)
        admin_page.show()
        wait_for(app, lambda: admin_page.loaded and admin_page.ops_running == 0)
        admin_page.users_tab.select_login(DEPARTING)
        settle(app, 0.5)
        path = out / f"admin-users-{language}.png"
        save(admin_page, path)
        written.append(path)
        admin_page.close()
        admin_page.deleteLater()

        with db.session_factory() as session:
            users = list_users(session)
            departing = get_user(session, DEPARTING).id
            heir = get_user(session, HEIR).id
        wizard = HandoverWizard(admin, runner, users, from_user_id=departing)
        wizard.open_report = lambda _filters: None
        wizard.resize(*WIZARD_SIZE)
        wizard.show()
        wizard.next()
        wait_for(app, lambda: wizard.overview is not None)
        settle(app, 0.5)
        path = out / f"handover-preview-{language}.png"
        save(wizard, path)
        written.append(path)

        wizard.next()
        overview = wizard.overview
        assert overview is not None
        page = wizard.assign_page
        page.add_rule(HandoverRule(heir, grade_ids=(overview.grades[0].id,)))
        top = next(r for r in overview.regions if r.parent_id is None)
        page.add_rule(HandoverRule(None, region_id=top.id))
        page.rest_combo.setCurrentIndex(page.rest_combo.findData(heir))
        wait_for(app, lambda: len(wizard.rule_counts) == 2 and runner.active_count == 0)
        settle(app, 0.5)
        path = out / f"handover-assign-{language}.png"
        save(wizard, path)
        written.append(path)
        wizard.close()
        wizard.deleteLater()
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
        render_handover_screenshots, description=description, argv=argv, default_customers=300
    )


if __name__ == "__main__":
    sys.exit(main())
