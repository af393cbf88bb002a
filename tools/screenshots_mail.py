"""Render the Mail page (all mail of a Shanghai salesperson: customer mail linked by address,
domain and thread, and unknown senders waiting in the unlinked queue; one message shown below
the list) in English and Chinese into docs/screenshots/mail-page-*.png.

    python tools/screenshots_mail.py [--customers 300] [--out docs/screenshots]

Until the lead merges resources/i18n/pending/*.json into the catalogue, the Chinese picture
takes this page's strings from resources/i18n/pending/mailpage.json.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
MAIL_SIZE = (1280, 800)
VIEWER = "li.na"  # a Shanghai salesperson
PENDING = ROOT / "resources" / "i18n" / "pending" / "mailpage.json"

if TYPE_CHECKING:
    from PySide6.QtCore import QTranslator
    from PySide6.QtWidgets import QApplication

    from crm_desktop.services.context import Actor
    from crm_desktop.services.database import Database
    from crm_desktop.ui.i18n import Translations


def _message(
    n: int,
    sender: tuple[str, str],
    to: tuple[str, str],
    subject: str,
    body: str,
    when: datetime,
    *,
    attachment: tuple[str, bytes] | None = None,
    reply_to: int | None = None,
) -> bytes:
    text = MIMEText(body, "plain", "utf-8")
    msg: MIMEMultipart | MIMEText = text
    if attachment is not None:
        msg = MIMEMultipart()
        msg.attach(text)
        part = MIMEApplication(attachment[1])
        part.add_header("Content-Disposition", "attachment", filename=attachment[0])
        msg.attach(part)
    msg["From"] = formataddr(sender)
    msg["To"] = formataddr(to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<demo-{n}@mail.example>"
    if reply_to is not None:
        msg["In-Reply-To"] = f"<demo-{reply_to}@mail.example>"
        msg["References"] = f"<demo-{reply_to}@mail.example>"
    return msg.as_bytes()


def showcase_mail(db: Database, language: str) -> int:
    """Three customers of the viewer with contacts, and a fortnight of their mail plus strangers'
    mail; returns the id of the message to show (an unlinked enquiry)."""
    from crm_desktop.mail.parse import parse_eml
    from crm_desktop.services.customers import (
        ContactInput,
        CustomerInput,
        add_contact,
        create_customer,
    )
    from crm_desktop.services.mail_store import store_message
    from crm_desktop.services.users import actor_of, get_user

    zh = language.startswith("zh")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with db.session_factory.begin() as session:
        viewer = actor_of(get_user(session, VIEWER))
        me = (viewer.display_name, f"{VIEWER}@example.com")
        customers = [
            (
                "上海华通机械有限公司",
                "Huatong Machinery Co.",
                "huatong-mach.cn",
                "赵建国",
                "Zhao Jianguo",
            ),
            (
                "苏州恒通精密电子",
                "Hengtong Precision Electronics",
                "hengtong-pe.com",
                "周敏",
                "Zhou Min",
            ),
            ("宁波远洋国际贸易", "Ningbo Ocean Trading", "nb-ocean.com.cn", "吴磊", "Wu Lei"),
        ]
        people: list[tuple[str, str]] = []
        for zh_name, en_name, domain, zh_contact, en_contact in customers:
            customer = create_customer(
                session,
                CustomerInput(
                    name=zh_name if zh else en_name, email=f"info@{domain}", owner_id=viewer.id
                ),
                viewer,
                allow_duplicate=True,
            )
            contact = zh_contact if zh else en_contact
            address = f"{contact.split()[0].lower() if not zh else 'contact'}@{domain}"
            add_contact(session, customer.id, ContactInput(name=contact, email=address), viewer)
            people.append((contact, address))
        (zhao, zhao_addr), (zhou, zhou_addr), (wu, wu_addr) = people
        messages: list[bytes] = []

        def add(
            sender: tuple[str, str],
            to: tuple[str, str],
            zh_s: str,
            en_s: str,
            hours: float,
            **extra: object,
        ) -> None:
            body = (
                "您好：\n\n请查收附件中的资料，如有问题请随时联系。\n\n祝好"
                if zh
                else "Hello,\n\nplease find the details attached; call me with any question.\n\n"
                "Best regards"
            )
            messages.append(
                _message(
                    len(messages) + 1,
                    sender,
                    to,
                    zh_s if zh else en_s,
                    body,
                    now - timedelta(hours=hours),
                    **extra,  # type: ignore[arg-type]
                )
            )

        pdf = b"%PDF-1.4 demo quotation"
        add((zhao, zhao_addr), me, "液压泵询价（50台）", "Enquiry: 50 hydraulic pumps", 190)
        add(
            me,
            (zhao, zhao_addr),
            "回复：液压泵询价（50台）",
            "Re: Enquiry: 50 hydraulic pumps",
            170,
            attachment=("报价单-HT2024.pdf" if zh else "Quote-HT2024.pdf", pdf),
            reply_to=1,
        )
        add(
            (zhou, zhou_addr),
            me,
            "样品测试报告",
            "Sample test report",
            120,
            attachment=("测试报告.pdf" if zh else "test-report.pdf", pdf),
        )
        add(("Sales Dept", f"sales@{customers[1][2]}"), me, "第三季度订单计划", "Q3 order plan", 75)
        add((wu, wu_addr), me, "集装箱发货时间确认", "Container shipping date", 50)
        add(
            me,
            (wu, wu_addr),
            "回复：集装箱发货时间确认",
            "Re: Container shipping date",
            47,
            reply_to=5,
        )
        # Strangers: the unlinked queue.
        add(
            ("钱晓东" if zh else "Qian Xiaodong", "qianxd@163.com"),
            me,
            "想了解贵司的伺服电机价格",
            "Price of your servo motors?",
            30,
        )
        add(
            ("Anna Schmidt", "a.schmidt@kraft-werk.de"),
            me,
            "Request for quotation – gear units",
            "Request for quotation – gear units",
            22,
            attachment=("RFQ-2024-117.xlsx", b"PK demo"),
        )
        add(
            ("展会组委会" if zh else "Expo Office", "info@expo-sh.org"),
            me,
            "2024 上海工业博览会参展邀请",
            "Invitation: Shanghai Industry Fair 2024",
            12,
        )
        add(
            ("孙丽" if zh else "Sun Li", "sunli_buyer@qq.com"),
            me,
            "关于上次会议的补充问题",
            "Follow-up questions after our meeting",
            6,
        )
        add(
            ("LinkedIn", "messages-noreply@linkedin.com"),
            me,
            "你有 3 条新消息" if zh else "You have 3 new messages",
            "You have 3 new messages",
            3,
        )
        shown = 0
        for number, data in enumerate(messages, start=1):
            result = store_message(session, parse_eml(data), viewer)
            if number == 8:  # the German request for quotation, unlinked, with an attachment
                shown = result.email_id
    return shown


def _pending_translator(app: QApplication) -> QTranslator:
    from PySide6.QtCore import QTranslator

    table: dict[tuple[str, str], str] = {}
    data = json.loads(PENDING.read_text(encoding="utf-8"))
    for context, strings in data.items():
        for source, translation in strings.items():
            table[(context, source)] = translation

    class PendingTranslator(QTranslator):
        def translate(  # type: ignore[override]
            self, context: str, source: str, disambiguation: str | None = None, n: int = -1
        ) -> str | None:
            # None (a null string): "not here", so the shipped catalogue answers instead.
            return table.get((context, source))

        def isEmpty(self) -> bool:
            return False

    return PendingTranslator(app)


def render_mail_screenshots(
    app: QApplication,
    translations: Translations,
    db: Database,
    admin: Actor,
    language: str,
    out: Path,
) -> list[Path]:
    """Render the Mail page of ``language`` from ``db``; returns the files written."""
    from crm_desktop.core.settings import Settings
    from crm_desktop.services.users import actor_of, get_user
    from crm_desktop.ui.app import build_main_window
    from crm_desktop.ui.ops import OpRunner

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import save, settle, wait_for

    translations.apply(language)
    pending = None
    if language != "en" and PENDING.exists():
        pending = _pending_translator(app)
        app.installTranslator(pending)
    written: list[Path] = []
    runner = OpRunner(db)
    try:
        shown = showcase_mail(db, language)
        with db.session_factory() as session:
            viewer = actor_of(get_user(session, VIEWER))
        window = build_main_window(db, viewer, Settings(), runner=runner, translations=translations)
        window.resize(*MAIL_SIZE)
        window.show()
        window.show_page("mail")
        page = window.mail_page
        wait_for(app, lambda: page.loaded and not page.loading and page.counts is not None)
        page.set_scope("all")
        wait_for(app, lambda: not page.loading and page.model.row_of(shown) is not None)
        row = page.model.row_of(shown)
        assert row is not None
        page.select_rows([row])
        page.view.setFocus()
        wait_for(app, lambda: runner.active_count == 0)
        settle(app, 0.8)
        path = out / f"mail-page-{language}.png"
        save(window, path)
        written.append(path)
        window.close()
        window.deleteLater()
        settle(app, 0.2)
    finally:
        runner.shutdown()
        if pending is not None:
            app.removeTranslator(pending)
    return written


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import run_per_language

    description = __doc__.splitlines()[0] if __doc__ else None
    return run_per_language(
        render_mail_screenshots, description=description, argv=argv, default_customers=300
    )


if __name__ == "__main__":
    sys.exit(main())
