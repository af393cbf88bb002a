"""Render the customer file (profile and contacts tabs) and the Admin page's regions tab, in
English and Chinese, into docs/screenshots/ (customer-file-*.png, admin-regions-*.png).

    python tools/screenshots_customer_file.py [--customers 300] [--out docs/screenshots]

``render_customer_file_screenshots(app, translations, db, actor, language, out)`` is the piece
tools/screenshots.py can call with a demo database of its own.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
FILE_SIZE = (1000, 720)
ADMIN_SIZE = (1000, 680)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from crm_desktop.services.context import Actor
    from crm_desktop.services.database import Database
    from crm_desktop.ui.i18n import Translations


def showcase_customer(db: Database, actor: Actor, language: str) -> int:
    """A customer with a full profile, three contacts, history and an attachment."""
    from crm_desktop.services.config import list_grades, region_tree
    from crm_desktop.services.customers import (
        ContactInput,
        CustomerInput,
        add_attachment,
        add_contact,
        create_customer,
        update_customer,
    )
    from crm_desktop.ui.region_picker import walk

    zh = language.startswith("zh")
    with db.session_factory.begin() as session:
        grades = list_grades(session)
        nodes = list(walk(region_tree(session, with_counts=False)))
        # A Shanghai district, to match the address (else the deepest node there is).
        wanted = ("浦东", "Pudong", "上海", "Shanghai")
        deepest = max(
            nodes,
            key=lambda n: (any(w in n.name for w in wanted), n.depth, -n.id),
        )
        detail = create_customer(
            session,
            CustomerInput(
                name="上海东方精密机械有限公司" if zh else "Eastbridge Precision Machinery Ltd.",
                grade_id=grades[0].id if grades else None,
                region_id=deepest.id,
                status="active",
                industry="机械制造" if zh else "Machinery",
                source="exhibition",
                phone="021 6123 4567",
                email="sales@eastbridge-pm.cn",
                website="www.eastbridge-pm.cn",
                address="上海市浦东新区张江路 88 号"
                if zh
                else "88 Zhangjiang Road, Pudong, Shanghai",
                tags="重点项目, 展会" if zh else "key account, trade fair",
                notes=(
                    "年采购额约 300 万元，关注交期。"
                    if zh
                    else "Buys about 3 million a year; delivery time matters most."
                ),
            ),
            actor,
            allow_duplicate=True,
        )
        people = (
            [
                ("陈建国", "采购经理", "采购部", "138 1234 5678", "chen@eastbridge-pm.cn", True),
                ("刘芳", "总工程师", "技术部", "139 8765 4321", "liu@eastbridge-pm.cn", False),
                ("王磊", "财务主管", "财务部", "137 2222 3333", "wang@eastbridge-pm.cn", False),
            ]
            if zh
            else [
                (
                    "Grace Chen",
                    "Purchasing manager",
                    "Purchasing",
                    "138 1234 5678",
                    "grace.chen@eastbridge-pm.cn",
                    True,
                ),
                (
                    "Henry Liu",
                    "Chief engineer",
                    "Engineering",
                    "139 8765 4321",
                    "henry.liu@eastbridge-pm.cn",
                    False,
                ),
                (
                    "Amy Wang",
                    "Finance lead",
                    "Finance",
                    "137 2222 3333",
                    "amy.wang@eastbridge-pm.cn",
                    False,
                ),
            ]
        )
        for name, title, department, mobile, email, primary in people:
            add_contact(
                session,
                detail.id,
                ContactInput(
                    name=name,
                    title=title,
                    department=department,
                    mobile=mobile,
                    email=email,
                    wechat=email.split("@")[0],
                    is_primary=primary,
                ),
                actor,
            )
        update_customer(
            session,
            detail.id,
            CustomerInput(phone="021 6123 4500"),
            detail.version,
            actor,
        )
        add_attachment(
            session,
            detail.id,
            "报价单-2025.pdf" if zh else "quotation-2025.pdf",
            b"%PDF-1.4 demo",
            actor,
        )
    return detail.id


def render_customer_file_screenshots(
    app: QApplication,
    translations: Translations,
    db: Database,
    actor: Actor,
    language: str,
    out: Path,
) -> list[Path]:
    """Render the three pictures of ``language`` from ``db``; returns the files written."""
    from PySide6.QtWidgets import QWidget

    from crm_desktop.core.settings import Settings
    from crm_desktop.ui.admin_page import AdminPage
    from crm_desktop.ui.customer_file import open_customer_file
    from crm_desktop.ui.ops import OpRunner

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import save, settle, wait_for

    translations.apply(language)
    written: list[Path] = []
    runner = OpRunner(db)
    try:
        customer_id = showcase_customer(db, actor, language)
        host = QWidget()
        window = open_customer_file(host, runner, actor, customer_id, settings=Settings())
        window.ask_discard = lambda: True
        window.resize(*FILE_SIZE)
        wait_for(app, lambda: window.loaded and window.ops_running == 0)
        settle(app)
        for tab, name in ((window.profile_tab, "profile"), (window.contacts_tab, "contacts")):
            window.tabs.setCurrentWidget(tab)
            settle(app)
            path = out / f"customer-file-{name}-{language}.png"
            save(window, path)
            written.append(path)
        window.close()

        page = AdminPage(actor, runner)
        page.resize(*ADMIN_SIZE)
        page.tabs.setCurrentWidget(page.regions_tab)
        page.show()
        wait_for(app, lambda: page.loaded and page.ops_running == 0)
        tree = page.regions_tab.tree
        top = tree.topLevelItem(0)
        if top is not None:
            top.setExpanded(True)
            if top.childCount():
                top.child(0).setExpanded(True)
                tree.setCurrentItem(top.child(0))
        settle(app)
        path = out / f"admin-regions-{language}.png"
        save(page, path)
        written.append(path)
        page.close()
        page.deleteLater()
        host.deleteLater()
    finally:
        runner.shutdown()
    return written


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import run_per_language

    description = __doc__.splitlines()[0] if __doc__ else None
    return run_per_language(
        render_customer_file_screenshots, description=description, argv=argv, default_customers=300
    )


if __name__ == "__main__":
    sys.exit(main())
