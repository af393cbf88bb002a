"""Render the compose dialog, in English and Chinese, into docs/screenshots/:
compose-*.png (a filled-in email with attachments) and compose-error-*.png (the same draft
after the server could not be reached: the draft stays, the reason shows).

    python tools/screenshots_compose.py [--customers 50] [--out docs/screenshots]

Everything happens in a temporary CRM_DESKTOP_HOME on demo databases made through the services;
nothing is sent anywhere (the account points at a closed port on 127.0.0.1).
"""

from __future__ import annotations

import socket
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from crm_desktop.services.context import Actor
    from crm_desktop.services.database import Database
    from crm_desktop.ui.i18n import Translations


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def showcase(db: Database, admin: Actor, language: str) -> int:
    """A customer with two contacts who have addresses, and a mail account of ``admin``."""
    from crm_desktop.db.models import MailAccount
    from crm_desktop.services.customers import (
        ContactInput,
        CustomerInput,
        add_contact,
        create_customer,
    )

    zh = language.startswith("zh")
    with db.session_factory.begin() as session:
        detail = create_customer(
            session,
            CustomerInput(
                name="上海东方精密机械有限公司" if zh else "Eastbridge Precision Machinery Ltd.",
                owner_id=admin.id,
                email="info@dongfang-jx.example" if zh else "info@eastbridge.example",
            ),
            admin,
            allow_duplicate=True,
        )
        people = (
            [
                ("陈建国", "chen.jianguo@dongfang-jx.example", True),
                ("刘芳", "liu.fang@dongfang-jx.example", False),
            ]
            if zh
            else [
                ("Grace Chen", "grace.chen@eastbridge.example", True),
                ("Henry Liu", "henry.liu@eastbridge.example", False),
            ]
        )
        for name, email, primary in people:
            add_contact(
                session,
                detail.id,
                ContactInput(name=name, email=email, is_primary=primary),
                admin,
            )
        session.add(
            MailAccount(
                user_id=admin.id,
                name="公司邮箱" if zh else "Work",
                email_address="wangfang@huadong-yq.example" if zh else "emma@northwind.example",
                username="wangfang" if zh else "emma",
                smtp_host="127.0.0.1",
                smtp_port=_closed_port(),
                smtp_security="ssl",
            )
        )
    return detail.id


def install_pending(app: QApplication, language: str, folder: Path) -> object | None:
    """Until the lead merges ``resources/i18n/pending/send.json`` into the catalogue, compile
    it into a temporary .qm and install it, so the Chinese pictures show Chinese."""
    import json
    import shutil
    import subprocess
    from xml.sax.saxutils import escape

    from PySide6.QtCore import QTranslator

    source = ROOT / "resources" / "i18n" / "pending" / "send.json"
    lrelease = shutil.which("pyside6-lrelease")
    if language == "en" or not source.exists() or lrelease is None:
        return None
    data = json.loads(source.read_text(encoding="utf-8"))
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE TS>"]
    lines.append(f'<TS version="2.1" language="{language}">')
    for context, messages in data.items():
        lines.append(f"<context><name>{escape(context)}</name>")
        for text, translation in messages.items():
            lines.append(
                f"<message><source>{escape(text)}</source>"
                f"<translation>{escape(translation)}</translation></message>"
            )
        lines.append("</context>")
    lines.append("</TS>")
    ts_file, qm_file = folder / "send.ts", folder / "send.qm"
    ts_file.write_text("\n".join(lines), encoding="utf-8")
    subprocess.run([lrelease, "-silent", str(ts_file), "-qm", str(qm_file)], check=True)
    translator = QTranslator(app)
    if not translator.load(str(qm_file)):
        return None
    app.installTranslator(translator)
    return translator


def render_compose_screenshots(
    app: QApplication,
    translations: Translations,
    db: Database,
    admin: Actor,
    language: str,
    out: Path,
) -> list[Path]:
    from PySide6.QtWidgets import QWidget

    from crm_desktop.ui.compose_dialog import ComposeDialog
    from crm_desktop.ui.ops import OpRunner

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import save, settle, wait_for

    zh = language.startswith("zh")
    translations.apply(language)
    written: list[Path] = []
    runner = OpRunner(db)
    host = QWidget()
    files = Path(tempfile.mkdtemp(prefix="crm-compose-"))
    pending = install_pending(app, language, files)
    try:
        customer_id = showcase(db, admin, language)
        dialog = ComposeDialog(runner=runner, actor=admin, customer_id=customer_id, parent=host)
        dialog.ask_discard = lambda: True
        dialog.ask_password = lambda _account: "screenshot"
        dialog.resize(720, 640)
        dialog.show()
        wait_for(app, lambda: dialog.loaded)
        dialog.cc_edit.setText(
            "刘芳 <liu.fang@dongfang-jx.example>"
            if zh
            else "Henry Liu <henry.liu@eastbridge.example>"
        )
        dialog.subject_edit.setText(
            "关于 CNC-800 的正式报价和样品安排"
            if zh
            else "Formal quotation for the CNC-800 and samples"
        )
        dialog.body_edit.setPlainText(
            "陈经理您好：\n\n"
            "感谢上周到工厂参观。附件是 CNC-800 的正式报价单和技术参数表，"
            "报价有效期 30 天。两件样品已于今天寄出，预计周四到达。\n\n"
            "如有任何问题，请随时联系我。\n\n"
            "王芳\n华东精密仪器有限公司  销售部\n电话 021 6123 4567"
            if zh
            else "Dear Grace,\n\n"
            "Thank you for visiting our factory last week. Attached are the formal quotation "
            "for the CNC-800 and the specification sheet; the prices hold for 30 days. The two "
            "samples left today and should arrive on Thursday.\n\n"
            "Please let me know if you have any questions.\n\n"
            "Best regards,\nEmma Walker\nNorthwind Precision Instruments Ltd."
        )
        names = (
            [("CNC-800 报价单（2025 版）.pdf", 182_345), ("技术参数表.xlsx", 48_210)]
            if zh
            else [("CNC-800 quotation 2025.pdf", 182_345), ("Specifications.xlsx", 48_210)]
        )
        paths = []
        for name, size in names:
            path = files / name
            path.write_bytes(b"\0" * size)
            paths.append(str(path))
        dialog.add_files(paths)
        dialog.body_edit.setFocus()
        settle(app)
        path = out / f"compose-{language}.png"
        save(dialog, path)
        written.append(path)

        dialog.send()
        wait_for(app, lambda: bool(dialog.form_error.text()) and runner.active_count == 0)
        settle(app)
        path = out / f"compose-error-{language}.png"
        save(dialog, path)
        written.append(path)
        dialog.reject()
        host.deleteLater()
    finally:
        runner.shutdown()
        if pending is not None:
            app.removeTranslator(pending)  # type: ignore[arg-type]
        for child in files.iterdir():
            child.unlink()
        files.rmdir()
    return written


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screenshots import run_per_language

    description = __doc__.splitlines()[0] if __doc__ else None
    return run_per_language(
        render_compose_screenshots, description=description, argv=argv, default_customers=50
    )


if __name__ == "__main__":
    sys.exit(main())
