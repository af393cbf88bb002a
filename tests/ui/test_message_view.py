"""The message view shows mail safely: no request leaves the machine until the user clicks "Show
images" (a real HTTP listener on 127.0.0.1 counts them), scripts and event handlers never reach
the document, cid: images come from the message, attachments are written under their sanitized
names only inside the chosen folder; on a real SQLite database."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, QUrl
from PySide6.QtGui import QColor, QImage, QTextDocument
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from crm_desktop.db.models import EmailMessage
from crm_desktop.services.context import Actor
from crm_desktop.services.database import Database
from crm_desktop.services.mail_store import import_mail_files
from crm_desktop.services.mail_view import MessageDetail
from crm_desktop.ui.message_view import MessageView, sanitize_html, session_temp_folder
from crm_desktop.ui.ops import OpRunner

from .conftest import RecordedErrors

WAIT = 15_000


def png(width: int = 3, height: int = 2, color: str = "#ff0000") -> bytes:
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor(color))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


class Listener:
    """A real HTTP server on 127.0.0.1 (free port, own thread) recording every request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        body = png(5, 4, "#00aa00")
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def view(qtbot: QtBot, ui_runner: OpRunner, ui_company: Actor) -> MessageView:
    widget = MessageView(ui_runner, ui_company)
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def detail(email_id: int = 1, **values: Any) -> MessageDetail:
    base: dict[str, Any] = {
        "id": email_id,
        "subject": "报价 / Quotation",
        "from_addr": "张伟 <zhang.wei@huawei-demo.cn>",
        "to_addrs": "ada@northwind.example",
        "sent_at": datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
        "direction": "in",
        "customer_id": None,
        "customer_name": None,
        "contact_id": None,
        "contact_name": None,
        "link_method": "none",
        "has_attachments": False,
        "size": 100,
        "account_name": None,
        "ignored": False,
    }
    base.update(values)
    return MessageDetail(**base)


def settle(qtbot: QtBot, seconds: float = 0.4) -> None:
    """Let the document lay out and paint (and a request, if one were made, arrive)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        qtbot.wait(20)


def eml(*parts: str, subject: str = "Hello", sender: str = "zhang.wei@huawei-demo.cn") -> bytes:
    head = (
        f"From: {sender}\r\nTo: ada@northwind.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{abs(hash((subject, parts)))}@test>\r\n"
        "Date: Tue, 4 Mar 2025 09:30:00 +0800\r\nMIME-Version: 1.0\r\n"
    )
    if len(parts) == 1:
        return (head + parts[0]).encode("utf-8")
    body = "".join(f"--BOUND\r\n{p}\r\n" for p in parts) + "--BOUND--\r\n"
    return (head + 'Content-Type: multipart/mixed; boundary="BOUND"\r\n\r\n' + body).encode()


def store(db: Database, actor: Actor, tmp_path: Path, data: bytes, name: str = "m.eml") -> int:
    path = tmp_path / name
    path.write_bytes(data)
    with db.session_factory.begin() as session:
        result = import_mail_files(session, [path], actor)
        assert result.stored == 1, result
        return int(
            session.scalar(
                select(EmailMessage.id).where(EmailMessage.import_batch_id == result.batch_id)
            )
        )


# --------------------------------------------------------------------------- remote images


def test_remote_images_are_fetched_only_after_show_images_and_only_once(
    qtbot: QtBot, view: MessageView, listener: Listener, ui_errors: RecordedErrors
) -> None:
    url = listener.url("/x.png")
    html = (
        f'<p>你好，请看产品图：</p><img src="{url}" width="40" height="30">'
        f'<img src="{url}"><div style="background-image: url({url})">x</div>'
    )
    view.show_detail(detail(1, body_html=html))
    settle(qtbot)
    assert listener.requests == []  # shown, laid out, painted: nothing asked of the server
    assert url in view.body.requested  # the document asked; the view refused
    assert view.remote_bar.isVisible()
    assert "blocked" in view.remote_label.text()

    with qtbot.waitSignal(view.sig_images_loaded, timeout=WAIT):
        qtbot.mouseClick(view.show_images_button, Qt.MouseButton.LeftButton)
    assert listener.requests == ["/x.png"]  # the same image, asked for three times: once
    assert not view.remote_bar.isVisible()
    image = view.body.document().resource(QTextDocument.ResourceType.ImageResource, QUrl(url))
    assert isinstance(image, QImage) and (image.width(), image.height()) == (5, 4)
    assert ui_errors.shown == []

    # For this message only: the next one is blocked again, and nothing is fetched for it.
    view.show_detail(detail(2, body_html=html))
    settle(qtbot)
    assert view.remote_bar.isVisible()
    assert listener.requests == ["/x.png"]


def test_scripts_handlers_frames_and_external_css_never_reach_the_document(
    qtbot: QtBot, view: MessageView, listener: Listener
) -> None:
    html = (
        f'<html><head><meta http-equiv="refresh" content="0; url={listener.url("/meta")}">'
        f'<link rel="stylesheet" href="{listener.url("/link.css")}">'
        f'<style>@import url("{listener.url("/import.css")}"); p {{ color: #333; }}</style>'
        "<script>document.title = 'pwned-script'</script></head>"
        "<body onload=\"alert('pwned-onload')\">"
        "<p>正文 body text</p>"
        "<img src=x onerror=\"alert('pwned-onerror')\">"
        "<a href=\"javascript:alert('pwned-js')\">click</a> "
        "<a href=\"jav&#x09;ascript:alert('pwned-js2')\">click2</a> "
        '<a href="https://example.com/ok">ok</a>'
        f'<iframe src="{listener.url("/frame")}">pwned-iframe</iframe>'
        f'<object data="{listener.url("/object")}">pwned-object</object>'
        f'<embed src="{listener.url("/embed")}">'
        f'<form action="{listener.url("/form")}"><input name="q" value="pwned-input"></form>'
        "<SCRIPT>alert('pwned-upper')</SCRIPT>"
        "</body></html>"
    )
    safe = sanitize_html(html)
    lowered = safe.html.lower()
    for bad in (
        "<script",
        "onerror",
        "onload",
        "javascript",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "<input",
        "<meta",
        "<link",
        "@import",
        "pwned",
    ):
        assert bad not in lowered, bad
    assert 'href="https://example.com/ok"' in safe.html

    view.show_detail(detail(1, body_html=html))
    settle(qtbot)
    document = view.body.document().toHtml().lower()
    assert "pwned" not in document and "script" not in document and "onerror" not in document
    assert "正文 body text" in view.body.toPlainText()
    assert listener.requests == []  # no meta refresh, style sheet, frame or object loaded
    assert view.body.source().isEmpty()  # the view never navigated


def test_cid_images_come_from_the_message_itself(
    qtbot: QtBot, view: MessageView, ui_db: Database, ui_company: Actor, tmp_path: Path
) -> None:
    import base64

    logo = base64.b64encode(png(7, 3)).decode()
    related = (
        'Content-Type: multipart/related; boundary="REL"\r\n\r\n'
        "--REL\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        '<p>您好</p><img src="cid:logo@northwind">\r\n'
        "--REL\r\nContent-Type: image/png\r\nContent-ID: <logo@northwind>\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{logo}\r\n--REL--\r\n"
    )
    email_id = store(ui_db, ui_company, tmp_path, eml(related, subject="Logo"))
    with qtbot.waitSignal(view.sig_shown, timeout=WAIT):
        view.show_message(email_id)
    assert view.subject_label.text() == "Logo"
    image = view.body.document().resource(
        QTextDocument.ResourceType.ImageResource, QUrl("cid:logo@northwind")
    )
    assert isinstance(image, QImage) and (image.width(), image.height()) == (7, 3)
    assert not view.remote_bar.isVisible()


# --------------------------------------------------------------------------- attachments


@pytest.mark.parametrize(
    ("written", "expected"),
    [("../x", "x"), ("C:\\x", "x"), ("CON.txt", "_CON.txt"), ("..\\..\\报价单.pdf", "报价单.pdf")],
)
def test_an_attachment_is_saved_under_its_sanitized_name_inside_the_chosen_folder(
    qtbot: QtBot,
    view: MessageView,
    ui_db: Database,
    ui_company: Actor,
    tmp_path: Path,
    written: str,
    expected: str,
) -> None:
    from urllib.parse import quote

    payload = b"%PDF-1.4 \x00\x01 data"
    attachment = (
        "Content-Type: application/octet-stream\r\n"
        f"Content-Disposition: attachment; filename*=UTF-8''{quote(written, safe='')}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + __import__("base64").b64encode(payload).decode()
    )
    text = "Content-Type: text/plain; charset=utf-8\r\n\r\nSee the file."
    email_id = store(ui_db, ui_company, tmp_path, eml(text, attachment, subject=written))
    folder = tmp_path / "chosen" / "folder"
    folder.mkdir(parents=True)
    offered: list[str] = []

    def choose(name: str) -> str:
        offered.append(name)
        return str(folder / name)

    view.choose_save_path = choose
    opened: list[QUrl] = []
    view.open_url = lambda url: opened.append(url) or True
    with qtbot.waitSignal(view.sig_shown, timeout=WAIT):
        view.show_message(email_id)
    assert view.attachments_list.count() == 1
    assert expected in view.attachments_list.item(0).text()

    with qtbot.waitSignal(view.sig_op_done, timeout=WAIT):
        qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert offered == [expected]
    assert [p.name for p in folder.iterdir()] == [expected]
    assert (folder / expected).read_bytes() == payload
    assert sorted(p.name for p in (tmp_path / "chosen").iterdir()) == ["folder"]
    assert view.note == f"Saved {expected}"

    with qtbot.waitSignal(view.sig_op_done, timeout=WAIT):
        qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    assert len(opened) == 1
    path = Path(opened[0].toLocalFile())
    assert path.name == expected and path.read_bytes() == payload
    assert path.resolve().is_relative_to(Path(session_temp_folder()).resolve())


def test_save_as_eml_writes_the_message_as_received(
    qtbot: QtBot, view: MessageView, ui_db: Database, ui_company: Actor, tmp_path: Path
) -> None:
    data = eml("Content-Type: text/plain; charset=utf-8\r\n\r\n纯文本正文", subject="Q3: plan/x")
    email_id = store(ui_db, ui_company, tmp_path, data)
    target = tmp_path / "out"
    view.choose_save_path = lambda name: str(target / name)
    with qtbot.waitSignal(view.sig_shown, timeout=WAIT):
        view.show_message(email_id)
    assert "纯文本正文" in view.body.toPlainText()
    assert not view.remote_bar.isVisible()
    with qtbot.waitSignal(view.sig_op_done, timeout=WAIT):
        qtbot.mouseClick(view.eml_button, Qt.MouseButton.LeftButton)
    (saved,) = target.iterdir()
    assert saved.suffix == ".eml" and "/" not in saved.name and ":" not in saved.name
    assert saved.read_bytes() == data


# --------------------------------------------------------------------------- links, text


def test_links_open_only_on_click_after_asking_and_never_javascript(view: MessageView) -> None:
    asked: list[str] = []
    opened: list[str] = []
    view.ask_open_link = lambda url: asked.append(url.toString()) or True
    view.open_url = lambda url: opened.append(url.toString()) or True
    view.show_detail(detail(1, body_html='<a href="https://example.com/a">a</a>'))
    assert opened == []  # showing opens nothing

    view.body.anchorClicked.emit(QUrl("https://example.com/a"))
    assert asked == ["https://example.com/a"] and opened == ["https://example.com/a"]
    assert view.body.source().isEmpty()

    assert not view.follow_link(QUrl("javascript:alert(1)"))
    assert not view.follow_link(QUrl("file:///etc/passwd"))
    assert opened == ["https://example.com/a"]

    view.ask_open_link = lambda url: False  # the user said no
    assert not view.follow_link(QUrl("mailto:zhang.wei@huawei-demo.cn"))
    assert opened == ["https://example.com/a"]


def test_a_plain_text_message_is_shown_as_text_with_its_headers(view: MessageView) -> None:
    text = "第一行 <b>not bold</b>\nhttps://example.com/x\n"
    view.show_detail(detail(1, body_text=text, cc_addrs="li.na@example.com"))
    assert view.body.toPlainText().strip() == text.strip()
    headers = view.headers_text()
    assert "zhang.wei@huawei-demo.cn" in headers and "li.na@example.com" in headers
    assert not view.remote_bar.isVisible()
    assert not view.attachments_frame.isVisible()
    view.show_detail(replace(detail(2), body_text=None))
    assert view.body.toPlainText() == ""
