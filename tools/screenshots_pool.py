"""Render the public pool page (a customer selected, its prospect memory beside the list) and
the Admin page's public-pool rules, in English and Chinese, into docs/screenshots/
(pool-*.png, admin-pool-rules-*.png).

    python tools/screenshots_pool.py [--customers 300] [--out docs/screenshots]

``render_pool_screenshots(app, translations, db, admin, language, out)`` is the piece
tools/screenshots.py can call with a demo database of its own.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
POOL_SIZE = (1280, 760)
ADMIN_SIZE = (1100, 720)
VIEWER = "liu.yang"  # a Shanghai salesperson looks at the pool

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from crm_desktop.services.context import Actor
    from crm_desktop.services.database import Database
    from crm_desktop.ui.i18n import Translations


def showcase_pool_customer(db: Database, admin: Actor, language: str) -> int:
    """A customer two salespeople tried before it landed in the pool: Wang Fang followed it up
    and let it go; Li Na claimed it, lost it on price and released it three weeks ago."""
    from crm_desktop.services.config import list_grades
    from crm_desktop.services.customers import CustomerInput, create_customer
    from crm_desktop.services.followups import FollowupInput, log_followup
    from crm_desktop.services.pool import PoolRules, claim, release_to_pool, set_pool_rules
    from crm_desktop.services.users import actor_of, get_user

    zh = language.startswith("zh")
    now = datetime.now(UTC)
    with db.session_factory.begin() as session:
        set_pool_rules(
            session, PoolRules(holding_limit=50, cooling_off_days=7, unwon_days=None), admin
        )
        wang = actor_of(get_user(session, "wang.fang"))
        li = actor_of(get_user(session, "li.na"))
        grades = list_grades(session)
        customer = create_customer(
            session,
            CustomerInput(
                name="南京远航物流有限公司" if zh else "Harbor Line Logistics Co.",
                grade_id=grades[1].id if len(grades) > 1 else None,
                phone="025 8321 7788",
                email="info@harborline.cn",
                owner_id=wang.id,
            ),
            admin,
            allow_duplicate=True,
        )
        cid = customer.id

        def log(
            actor: Actor, days: int, kind: str, summary: str, outcome: str, **extra: str
        ) -> None:
            log_followup(
                session,
                cid,
                FollowupInput(
                    kind=kind,
                    summary=summary,
                    outcome=outcome,
                    happened_at=now - timedelta(days=days),
                    **extra,  # type: ignore[arg-type]
                ),
                actor,
                now=now - timedelta(days=days),
            )

        log(wang, 130, "call", "首次电话，介绍产品" if zh else "First call", "positive")
        log(wang, 104, "visit", "拜访仓库，需求不明确" if zh else "Warehouse visit", "neutral")
        release_to_pool(session, cid, wang, now=now - timedelta(days=95))
        claim(session, cid, li, now=now - timedelta(days=62))
        log(li, 58, "meeting", "需求评审" if zh else "Requirements meeting", "positive")
        log(li, 41, "email", "发送报价" if zh else "Quotation sent", "neutral")
        log(
            li,
            27,
            "call",
            "客户认为报价太高" if zh else "They found the quote too expensive",
            "lost",
            lost_reason="价格太高" if zh else "Price too high",
        )
        release_to_pool(session, cid, li, now=now - timedelta(days=21))
    return cid


def render_pool_screenshots(
    app: QApplication,
    translations: Translations,
    db: Database,
    admin: Actor,
    language: str,
    out: Path,
) -> list[Path]:
    """Render the two pictures of ``language`` from ``db``; returns the files written."""
    from crm_desktop.core.settings import Settings
    from crm_desktop.services.users import actor_of, get_user
    from crm_desktop.ui.admin_page import AdminPage
    from crm_desktop.ui.app import build_main_window
    from crm_desktop.ui.ops import OpRunner

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import save, settle, wait_for

    translations.apply(language)
    written: list[Path] = []
    runner = OpRunner(db)
    try:
        customer_id = showcase_pool_customer(db, admin, language)
        with db.session_factory() as session:
            viewer = actor_of(get_user(session, VIEWER))
        window = build_main_window(db, viewer, Settings(), runner=runner, translations=translations)
        window.resize(*POOL_SIZE)
        window.show()
        window.show_page("pool")
        page = window.pool_page
        page.sort_by("created", descending=True)  # the showcase customer comes first
        wait_for(
            app,
            lambda: (
                page.loaded
                and not page.loading
                and page.holding is not None
                and page.model.row_of(customer_id) is not None
            ),
        )
        row = page.model.row_of(customer_id)
        assert row is not None
        wait_for(app, lambda: page.model.is_row_loaded(row))
        page.select_rows([row])
        page.view.setFocus()
        page.show_memory_of_current()
        wait_for(app, lambda: page.memory_view.memory is not None)
        settle(app, 0.5)
        path = out / f"pool-{language}.png"
        save(window, path)
        written.append(path)
        window.close()
        window.deleteLater()

        admin_page = AdminPage(admin, runner)
        admin_page.resize(*ADMIN_SIZE)
        admin_page.tabs.setCurrentWidget(admin_page.pool_tab)
        admin_page.show()
        wait_for(app, lambda: admin_page.loaded and admin_page.ops_running == 0)
        tab = admin_page.pool_tab
        tab.reasons_list.setCurrentRow(0)
        settle(app, 0.5)
        path = out / f"admin-pool-rules-{language}.png"
        save(admin_page, path)
        written.append(path)
        admin_page.close()
        admin_page.deleteLater()
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
        render_pool_screenshots, description=description, argv=argv, default_customers=300
    )


if __name__ == "__main__":
    sys.exit(main())
