"""Render the Today page (in the main window), the follow-up dialog and the customer file's
follow-up timeline, in English and Chinese, into docs/screenshots/:
today-*.png, followup-dialog-*.png, followup-dialog-lost-*.png, customer-file-timeline-*.png.

    python tools/screenshots_followups.py [--customers 400] [--out docs/screenshots]

Everything happens in a temporary CRM_DESKTOP_HOME on demo databases made through the services.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
MAIN_SIZE = (1200, 750)
FILE_SIZE = (1000, 720)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from crm_desktop.services.context import Actor
    from crm_desktop.services.database import Database
    from crm_desktop.ui.i18n import Translations


def busiest_salesperson(db: Database) -> Actor:
    """The demo salesperson whose Today page has the most sections filled, then most rows."""
    from crm_desktop.services.today import today_data
    from crm_desktop.services.users import actor_of, get_user, list_users

    keys = ("overdue", "due_today", "next_days", "about_to_return", "dormant")
    best: tuple[tuple[int, int], Actor] | None = None
    with db.session_factory() as session:
        for user in list_users(session, include_inactive=False):
            if user.role != "sales":
                continue
            actor = actor_of(get_user(session, user.login))
            data = today_data(session, actor)
            sizes = [len(getattr(data, k)) for k in keys]
            score = (sum(1 for s in sizes if s), -abs(sum(sizes) - 14))
            if best is None or score > best[0]:
                best = (score, actor)
    if best is None:
        raise SystemExit("screenshots: the demo database has no salesperson")
    return best[1]


def showcase_customer(db: Database, actor: Actor, admin: Actor, language: str) -> int:
    """A customer of ``actor`` with contacts and a story of follow-ups: a lost tender, a visit,
    a call and a WeChat message, one planned follow-up overdue and one next week."""
    from crm_desktop.services.config import list_grades
    from crm_desktop.services.customers import (
        ContactInput,
        CustomerInput,
        add_contact,
        create_customer,
    )
    from crm_desktop.services.followups import (
        FollowupInput,
        NextPlan,
        list_lost_reasons,
        log_followup,
        plan_followup,
    )

    zh = language.startswith("zh")
    now = datetime.now(UTC)
    with db.session_factory.begin() as session:
        grades = list_grades(session)
        detail = create_customer(
            session,
            CustomerInput(
                name="上海东方精密机械有限公司" if zh else "Eastbridge Precision Machinery Ltd.",
                grade_id=grades[1].id if len(grades) > 1 else None,
                owner_id=actor.id,
                status="prospect",
                industry="机械制造" if zh else "Machinery",
                phone="021 6123 4567",
            ),
            admin,
            allow_duplicate=True,
        )
        people = (
            [("陈建国", "采购经理", True), ("刘芳", "总工程师", False)]
            if zh
            else [
                ("Grace Chen", "Purchasing manager", True),
                ("Henry Liu", "Chief engineer", False),
            ]
        )
        contacts = []
        for name, title, primary in people:
            result: Any = add_contact(
                session, detail.id, ContactInput(name=name, title=title, is_primary=primary), admin
            )
            contacts.append(getattr(result, "contact", result).id)
        buyer, engineer = contacts
        reason = list_lost_reasons(session)[0]
        story = [
            (
                40,
                "meeting",
                buyer,
                "lost",
                "上一轮招标没有中标：对方选择了本地的供应商，但答应下次再邀请我们。"
                if zh
                else "Lost last year's tender to a local supplier; they promised to invite us "
                "again next time.",
            ),
            (
                18,
                "visit",
                buyer,
                "positive",
                "到工厂参观了新生产线，对方对交期很关心，希望月底前收到正式报价。"
                if zh
                else "Toured their new production line. Delivery time matters most to them; "
                "they want a formal quotation before the end of the month.",
            ),
            (
                9,
                "call",
                engineer,
                "neutral",
                "确认技术参数：需要 0.01 mm 精度，要求先提供两件样品测试。"
                if zh
                else "Went through the specifications: they need 0.01 mm accuracy and want two "
                "samples to test first.",
            ),
            (
                3,
                "wechat",
                buyer,
                "negative",
                "发送了修改后的报价单，对方说价格比竞争对手高约 8%。"
                if zh
                else "Sent the revised quotation; they say we are about 8% above the competition.",
            ),
        ]
        for days, kind, contact, outcome, summary in story:
            log_followup(
                session,
                detail.id,
                FollowupInput(
                    kind=kind,
                    contact_id=contact,
                    happened_at=now - timedelta(days=days, hours=2),
                    summary=summary,
                    outcome=outcome,
                    lost_reason=reason if outcome == "lost" else None,
                ),
                actor,
                now=now - timedelta(days=days),
            )
        plan_followup(
            session,
            detail.id,
            NextPlan(
                due_at=now - timedelta(days=1, hours=3),
                note="跟进报价的反馈，争取把价格差距谈下来"
                if zh
                else "Ask for feedback on the quote",
                kind="call",
                contact_id=buyer,
            ),
            actor,
            now=now - timedelta(days=3),
        )
        plan_followup(
            session,
            detail.id,
            NextPlan(
                due_at=now + timedelta(days=3, hours=1),
                note="带样品和价目表上门演示" if zh else "Bring the samples and the price list",
                kind="visit",
                contact_id=engineer,
            ),
            actor,
            now=now,
        )
    return detail.id


def render_followup_screenshots(
    app: QApplication,
    translations: Translations,
    db: Database,
    admin: Actor,
    language: str,
    out: Path,
) -> list[Path]:
    """Render this language's pictures from ``db``; returns the files written."""
    from PySide6.QtWidgets import QWidget

    from crm_desktop.core.settings import Settings
    from crm_desktop.ui.app import build_main_window
    from crm_desktop.ui.customer_file import open_customer_file
    from crm_desktop.ui.followup_dialog import LOG, FollowupDialog
    from crm_desktop.ui.ops import OpRunner

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import save, settle, wait_for

    zh = language.startswith("zh")
    translations.apply(language)
    written: list[Path] = []
    runner = OpRunner(db)
    try:
        actor = busiest_salesperson(db)
        customer_id = showcase_customer(db, actor, admin, language)

        # The Today page in the main window, as the salesperson meets it after signing in.
        window = build_main_window(db, actor, Settings(), runner=runner, company_name=None)
        window.resize(*MAIN_SIZE)
        window.show_page("today")
        window.show()
        page = window.today_page
        wait_for(app, lambda: page.data is not None and runner.active_count == 0)
        settle(app, 0.6)
        wait_for(app, lambda: runner.active_count == 0)
        path = out / f"today-{language}.png"
        save(window, path)
        written.append(path)
        window.reminders.stop()
        window.hide()

        # The customer file's timeline, the latest follow-up selected.
        host = QWidget()
        file_window = open_customer_file(host, runner, actor, customer_id, settings=Settings())
        file_window.ask_discard = lambda: True
        file_window.resize(*FILE_SIZE)
        wait_for(app, lambda: file_window.loaded and file_window.ops_running == 0)
        tab = file_window.timeline_tab
        file_window.tabs.setCurrentWidget(tab)
        wait_for(app, lambda: tab.loaded_customer_id == customer_id)
        row = next(r for r, e in enumerate(tab.model.entries) if e.kind == "followup")
        tab.view.setCurrentIndex(tab.model.index(row))
        settle(app)
        path = out / f"customer-file-timeline-{language}.png"
        save(file_window, path)
        written.append(path)

        # The dialog: a visit logged, the next follow-up planned.
        dialog = FollowupDialog(
            runner=runner, actor=actor, customer_id=customer_id, mode=LOG, parent=file_window
        )
        dialog.show()
        wait_for(app, lambda: dialog.loaded)
        dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("visit"))
        dialog.summary_edit.setPlainText(
            "演示了样品，对方工程师很满意；采购希望价格再降 3%。"
            if zh
            else "Demonstrated the samples; their engineers are pleased. Purchasing wants "
            "another 3% off."
        )
        dialog.outcome_combo.setCurrentIndex(dialog.outcome_combo.findData("positive"))
        dialog.next_check.setChecked(True)
        dialog.next_due_edit.setDateTime(dialog.next_due_edit.dateTime().addDays(6))
        dialog.next_kind_combo.setCurrentIndex(dialog.next_kind_combo.findData("meeting"))
        dialog.next_note_edit.setText(
            "带合同草稿，确认付款方式" if zh else "Bring the draft contract; agree on payment terms"
        )
        dialog.summary_edit.setFocus()
        settle(app)
        path = out / f"followup-dialog-{language}.png"
        save(dialog, path)
        written.append(path)

        # The same dialog after Save with "lost" and no reason: the message beside the field.
        dialog.next_check.setChecked(False)
        dialog.outcome_combo.setCurrentIndex(dialog.outcome_combo.findData("lost"))
        dialog.save()
        settle(app)
        dialog.adjustSize()
        settle(app)
        path = out / f"followup-dialog-lost-{language}.png"
        save(dialog, path)
        written.append(path)
        dialog.reject()
        file_window.close()
        window.close()
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
        render_followup_screenshots, description=description, argv=argv, default_customers=400
    )


if __name__ == "__main__":
    sys.exit(main())
