"""Render the customer file's Mail tab with a Chinese HTML message selected (its remote images
blocked, the bar asking), in English and Chinese, into docs/screenshots/customer-mail-*.png.

    python tools/screenshots_message_view.py [--customers 200] [--out docs/screenshots]

Strings not yet in the shipped catalogue are taken from resources/i18n/pending/*.json (compiled
into a temporary .qm), so the Chinese picture shows the new texts translated.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
FILE_SIZE = (1000, 760)
PENDING = ROOT / "resources" / "i18n" / "pending"

if TYPE_CHECKING:
    from PySide6.QtCore import QTranslator
    from PySide6.QtWidgets import QApplication

    from crm_desktop.services.context import Actor
    from crm_desktop.services.database import Database
    from crm_desktop.ui.i18n import Translations


def pending_translator(folder: Path) -> QTranslator | None:
    """A translator of the pending zh_CN texts (nested ``{context: {source: text}}`` files)."""
    from PySide6.QtCore import QTranslator

    root = ET.Element("TS", version="2.1", language="zh_CN")
    for path in sorted(PENDING.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for context_name, messages in data.items():
            if not isinstance(messages, dict):
                continue
            context = ET.SubElement(root, "context")
            ET.SubElement(context, "name").text = context_name
            for source, text in messages.items():
                message = ET.SubElement(context, "message")
                ET.SubElement(message, "source").text = source
                ET.SubElement(message, "translation").text = text
    ts = folder / "pending_zh_CN.ts"
    qm = folder / "pending_zh_CN.qm"
    ET.ElementTree(root).write(ts, encoding="utf-8", xml_declaration=True)
    lrelease = Path(sys.executable).parent / "pyside6-lrelease"
    subprocess.run([str(lrelease), "-silent", str(ts), "-qm", str(qm)], check=True)
    translator = QTranslator()
    return translator if translator.load(str(qm)) else None


def _png(width: int, height: int, color: str) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage, QPainter

    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.setBrush(QColor(color))
    painter.setPen(QColor(color))
    painter.drawRoundedRect(2, 2, width - 4, height - 4, 6, 6)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def _message(
    subject: str,
    sender: str,
    date: str,
    message_id: str,
    html: str,
    *,
    reply_to: str | None = None,
    logo: bytes | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    from email.header import Header

    name, _bracket, address = sender.partition("<")
    head = [
        f"From: {Header(name.strip(), 'utf-8').encode()} <{address}",
        "To: wangfang@northwind-demo.cn",
        f"Subject: {Header(subject, 'utf-8').encode()}",
        f"Message-ID: <{message_id}>",
        f"Date: {date}",
        "MIME-Version: 1.0",
    ]
    if reply_to:
        head += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    body_html = base64.encodebytes(html.encode("utf-8")).decode()
    parts = [
        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + body_html
    ]
    if logo is not None:
        parts.append(
            "Content-Type: image/png\r\nContent-ID: <logo@eastbridge>\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(logo).decode()
        )
    if attachment is not None:
        name, data = attachment
        parts.append(
            "Content-Type: application/pdf\r\n"
            f"Content-Disposition: attachment; filename*=UTF-8''{_quote(name)}\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data).decode()
        )
    body = "".join(f"--B\r\n{p}\r\n" for p in parts) + "--B--\r\n"
    head.append('Content-Type: multipart/related; boundary="B"')
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode("utf-8")


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def showcase_customer(db: Database, actor: Actor, folder: Path) -> tuple[int, str]:
    """A Chinese customer with a contact and three messages in two threads (one HTML with a
    cid logo, a blocked remote banner and an attachment); returns (customer id, message id)."""
    from crm_desktop.services.customers import (
        ContactInput,
        CustomerInput,
        add_contact,
        create_customer,
    )
    from crm_desktop.services.mail_store import import_mail_files

    with db.session_factory.begin() as session:
        detail = create_customer(
            session,
            CustomerInput(
                name="上海东方精密机械有限公司",
                status="active",
                industry="机械制造",
                phone="021 6123 4567",
                email="sales@eastbridge-pm.cn",
            ),
            actor,
            allow_duplicate=True,
        )
        add_contact(
            session,
            detail.id,
            ContactInput(name="陈建国", title="采购经理", email="chen@eastbridge-pm.cn"),
            actor,
        )
    html = (
        '<div style="font-family: sans-serif;">'
        '<p><img src="cid:logo@eastbridge" width="120" height="36"></p>'
        "<p>王经理，您好！</p>"
        "<p>感谢贵司上周的报价。我们对 <b>CNC-5 型数控车床</b> 很感兴趣，"
        "希望在三月底前确认以下事项：</p>"
        "<ol><li>交货期能否缩短到 6 周；</li><li>是否包含安装调试与培训；</li>"
        "<li>付款方式（30% 预付，70% 验收后）。</li></ol>"
        '<p><img src="https://img.example.invalid/banner-2025.png" width="420" height="90"></p>'
        '<p>详细参数见附件，或访问 <a href="https://www.eastbridge-pm.cn/cnc5">产品页面</a>。</p>'
        "<p>此致<br>陈建国<br>采购部 · 上海东方精密机械有限公司</p>"
        "<script>alert('never runs')</script></div>"
    )
    files = {
        "1.eml": _message(
            "关于 CNC-5 数控车床的询价",
            "陈建国 <chen@eastbridge-pm.cn>",
            "Mon, 3 Mar 2025 09:12:00 +0800",
            "cnc5-1@eastbridge-pm.cn",
            "<p>王经理，您好！请提供 CNC-5 的报价。</p>",
        ),
        "2.eml": _message(
            "Re: 关于 CNC-5 数控车床的询价",
            "陈建国 <chen@eastbridge-pm.cn>",
            "Thu, 6 Mar 2025 15:40:00 +0800",
            "cnc5-2@eastbridge-pm.cn",
            html,
            reply_to="cnc5-1@eastbridge-pm.cn",
            logo=_png(120, 36, "#1d4ed8"),
            attachment=("CNC-5 技术参数.pdf", b"%PDF-1.4 demo"),
        ),
        "3.eml": _message(
            "展会邀请：2025 上海国际机床展",
            "陈建国 <chen@eastbridge-pm.cn>",
            "Tue, 18 Feb 2025 10:00:00 +0800",
            "expo@eastbridge-pm.cn",
            "<p>诚邀贵司参观我们的展台 E2-118。</p>",
        ),
    }
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    with db.session_factory.begin() as session:
        import_mail_files(session, paths, actor)
    return detail.id, "<cnc5-2@eastbridge-pm.cn>"


def render_message_view_screenshots(
    app: QApplication,
    translations: Translations,
    db: Database,
    actor: Actor,
    language: str,
    out: Path,
) -> list[Path]:
    from PySide6.QtWidgets import QWidget

    from crm_desktop.core.settings import Settings
    from crm_desktop.ui.customer_file import open_customer_file
    from crm_desktop.ui.ops import OpRunner

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import save, settle, wait_for

    translations.apply(language)
    work = Path(tempfile.mkdtemp(prefix="crm-mail-shots-"))
    extra = pending_translator(work) if language.startswith("zh") else None
    if extra is not None:
        app.installTranslator(extra)
    written: list[Path] = []
    runner = OpRunner(db)
    try:
        customer_id, _message_id = showcase_customer(db, actor, work)
        host = QWidget()
        window = open_customer_file(host, runner, actor, customer_id, settings=Settings())
        window.ask_discard = lambda: True
        window.resize(*FILE_SIZE)
        wait_for(app, lambda: window.loaded and window.ops_running == 0)
        tab = window.mail_tab
        window.tabs.setCurrentWidget(tab)
        wait_for(app, lambda: tab.loaded_once and window.ops_running == 0)
        tab.splitter.setSizes([170, 520])
        wait_for(app, lambda: tab.view.detail is not None and window.ops_running == 0)
        settle(app, 0.6)
        path = out / f"customer-mail-{language}.png"
        save(window, path)
        written.append(path)
        window.close()
        host.deleteLater()
    finally:
        runner.shutdown()
        if extra is not None:
            app.removeTranslator(extra)
    return written


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import run_per_language

    description = __doc__.splitlines()[0] if __doc__ else None
    return run_per_language(
        render_message_view_screenshots,
        description=description,
        argv=argv,
        default_customers=200,
    )


if __name__ == "__main__":
    sys.exit(main())
