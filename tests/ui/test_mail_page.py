"""The Mail page driven as a user would on a real SQLite company (tests/db/customer_world.py):
the unlinked queue and its count, linking through the Link dialog (Ctrl+L) with the address
taught to the contact, ignoring with Del and putting back, importing real .eml files through
the button and by dropping them onto the page, and the empty states."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.mime.text import MIMEText
from email.utils import format_datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from crm_desktop.db.models import EmailMessage
from crm_desktop.mail.parse import parse_eml
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import ContactInput, add_contact, get_customer
from crm_desktop.services.mail_store import store_message
from crm_desktop.ui.link_dialog import LinkDialog
from crm_desktop.ui.mail_page import MailPage
from crm_desktop.ui.ops import OpRunner
from tests.db.customer_world import World, build_world

from .conftest import RecordedErrors

WAIT = 15_000
BASE = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)


@pytest.fixture
def world(sqlite_url: str) -> Iterator[World]:
    w = build_world(sqlite_url)
    try:
        yield w
    finally:
        w.db.dispose()


@pytest.fixture
def runner(qapp: object, world: World, ui_errors: RecordedErrors) -> Iterator[OpRunner]:
    runner = OpRunner(world.db, error_handler=ui_errors)
    try:
        yield runner
    finally:
        assert runner.shutdown(), "operations still running after the test"


def eml(n: int, *, frm: str, subject: str, hours: int = 0) -> bytes:
    msg = MIMEText(f"您好，第 {n} 封。", "plain", "utf-8")
    msg["From"] = frm
    msg["To"] = "li@ourco.example"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(BASE + timedelta(hours=hours))
    msg["Message-ID"] = f"<ui{n}@example>"
    return msg.as_bytes()


def store(world: World, data: bytes, actor: Actor) -> int:
    with world.db.session_factory.begin() as s:
        return store_message(s, parse_eml(data), actor).email_id


@pytest.fixture
def mail(world: World) -> dict[str, int]:
    customer = world.new_customer(world.li, name="上海华通机械", email="buy@huatong.example")
    with world.db.session_factory.begin() as s:
        contact = add_contact(s, customer, ContactInput(name="赵经理"), world.li).id
    return {
        "customer": customer,
        "contact": contact,
        "linked": store(world, eml(1, frm="buy@huatong.example", subject="订单确认"), world.li),
        "zhao1": store(
            world, eml(2, frm="Zhao <zhao@163.example>", subject="询价：液压泵", hours=3), world.li
        ),
        "zhao2": store(
            world, eml(3, frm="zhao@163.example", subject="补充参数", hours=1), world.li
        ),
        "news": store(
            world, eml(4, frm="news@shop.example", subject="Weekly deals", hours=2), world.li
        ),
    }


MakePage = Callable[[Actor], MailPage]


@pytest.fixture
def make_page(qtbot: QtBot, runner: OpRunner) -> Iterator[MakePage]:
    def make(actor: Actor) -> MailPage:
        page = MailPage(actor, runner)
        qtbot.addWidget(page)
        page.resize(1200, 760)
        with qtbot.waitSignals([page.sig_loaded, page.sig_counts_loaded], timeout=WAIT):
            page.show()  # the page loads when first shown
        qtbot.waitExposed(page)
        return page

    yield make
    qtbot.waitUntil(lambda: runner.active_count == 0, timeout=WAIT)


def shown_ids(page: MailPage) -> list[int]:
    return [r.id for r in page.model.rows]


def wait_reload(qtbot: QtBot, page: MailPage) -> None:
    qtbot.waitUntil(lambda: not page.loading, timeout=WAIT)


# --------------------------------------------------------------------------- the queue


def test_the_queue_shows_unlinked_mail_newest_first_with_its_count(
    qtbot: QtBot, world: World, mail: dict[str, int], make_page: MakePage
) -> None:
    page = make_page(world.li)
    assert page.scope == "unlinked"
    assert shown_ids(page) == [mail["zhao1"], mail["news"], mail["zhao2"]]
    assert page.tabs.tabText(0) == "Unlinked (3)"
    assert page.count_label.text() == "3 messages"
    assert page.model.data(page.model.index(0, 3)) == "询价：液压泵"
    assert page.model.data(page.model.index(0, 1)) == "Zhao"
    assert page.model.data(page.model.index(0, 4)) == "not linked"
    assert page.stack.currentWidget() is page.splitter
    with qtbot.waitSignal(page.sig_loaded, timeout=WAIT):
        page.set_scope("all")
    assert mail["linked"] in shown_ids(page) and len(shown_ids(page)) == 4
    row = page.model.row_of(mail["linked"])
    assert row is not None
    assert page.model.data(page.model.index(row, 4)) == "上海华通机械"
    assert page.model.data(page.model.index(row, 5)) == "by address"
    with qtbot.waitSignal(page.sig_loaded, timeout=WAIT):
        page.search("液压")
    assert shown_ids(page) == [mail["zhao1"]]


def test_someone_else_sees_neither_the_queue_nor_the_customers_mail(
    qtbot: QtBot, world: World, mail: dict[str, int], make_page: MakePage
) -> None:
    page = make_page(world.chen)
    assert shown_ids(page) == []
    assert page.stack.currentWidget() is not page.splitter
    assert page.empty_state.headline_label.text() == "No mail waits for a customer"
    with qtbot.waitSignal(page.sig_loaded, timeout=WAIT):
        page.set_scope("all")
    assert shown_ids(page) == []
    assert page.empty_state.headline_label.text() == "No mail yet"


# --------------------------------------------------------------------------- linking


def test_link_through_the_dialog_teaches_the_contact_and_the_rest_follows(
    qtbot: QtBot, world: World, mail: dict[str, int], make_page: MakePage
) -> None:
    page = make_page(world.li)
    page.select_rows([page.model.row_of(mail["zhao1"]) or 0])
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = page.link_dialog
    assert isinstance(dialog, LinkDialog) and dialog.isVisible()
    assert dialog.address == "zhao@163.example"
    qtbot.waitUntil(lambda: dialog.followers == 1, timeout=WAIT)
    with qtbot.waitSignal(dialog.sig_results_loaded, timeout=WAIT):
        dialog.search_edit.setText("华通")  # as typed (keyClicks knows ASCII only)
    assert mail["customer"] in dialog.result_ids()
    with qtbot.waitSignal(dialog.sig_contacts_loaded, timeout=WAIT):
        assert dialog.choose_customer(mail["customer"])
    assert dialog.choose_contact(mail["contact"])
    assert dialog.add_address_check.isEnabled()
    assert dialog.add_address_check.text() == "Add zhao@163.example to this contact"
    assert "1 other unlinked message from this address will follow." in (dialog.address_note.text())
    dialog.add_address_check.setChecked(True)
    with qtbot.waitSignal(page.sig_linked, timeout=WAIT) as linked:
        qtbot.mouseClick(dialog.link_button, Qt.MouseButton.LeftButton)
    result = linked.args[0]
    assert result.linked == (mail["zhao1"],) and result.followed == (mail["zhao2"],)
    qtbot.waitUntil(lambda: shown_ids(page) == [mail["news"]], timeout=WAIT)
    qtbot.waitUntil(lambda: page.tabs.tabText(0) == "Unlinked (1)", timeout=WAIT)
    assert page.result_label.text() == (
        "Linked to “上海华通机械”. zhao@163.example is now the contact's address. "
        "1 more message from that address was linked too."
    )
    with world.db.read_session_factory() as s:
        contacts = get_customer(s, mail["customer"], world.li).contacts
        linked_to = s.scalar(
            select(EmailMessage.contact_id).where(EmailMessage.id == mail["zhao2"])
        )
    assert [c.email for c in contacts] == ["zhao@163.example"]
    assert linked_to == mail["contact"]


# --------------------------------------------------------------------------- ignoring


def test_delete_ignores_the_selection_and_it_can_be_put_back(
    qtbot: QtBot, world: World, mail: dict[str, int], make_page: MakePage
) -> None:
    page = make_page(world.li)
    page.select_rows([page.model.row_of(mail["news"]) or 0])
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.view.setFocus()
    with qtbot.waitSignal(page.sig_mail_changed, timeout=WAIT):
        qtbot.keyClick(page.view, Qt.Key.Key_Delete)
    wait_reload(qtbot, page)
    qtbot.waitUntil(lambda: mail["news"] not in shown_ids(page), timeout=WAIT)
    assert page.result_label.text() == "1 message ignored: it is under “Ignored” now."
    qtbot.waitUntil(lambda: page.tabs.tabText(0) == "Unlinked (2)", timeout=WAIT)
    with qtbot.waitSignal(page.sig_loaded, timeout=WAIT):
        page.set_scope("ignored")
    assert shown_ids(page) == [mail["news"]]
    assert page.restore_button.isVisible() and not page.ignore_button.isVisible()
    page.select_rows([0])
    with qtbot.waitSignal(page.sig_mail_changed, timeout=WAIT):
        qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown_ids(page) == [], timeout=WAIT)
    assert page.empty_state.headline_label.text() == "Nothing is ignored"


# --------------------------------------------------------------------------- importing


def write_eml(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_import_button_imports_real_files_and_lists_the_rejected_ones(
    qtbot: QtBot, world: World, make_page: MakePage, tmp_path: Path
) -> None:
    page = make_page(world.li)
    assert page.stack.currentWidget() is not page.splitter  # empty: the import hint shows
    assert "Import files…" in page.empty_state.hint_label.text()
    good = write_eml(tmp_path, "询价.eml", eml(50, frm="wu@xinguang.example", subject="报价请求"))
    bad = write_eml(tmp_path, "broken.eml", b"")
    page.file_chooser = lambda _parent: [str(good), str(bad)]
    with qtbot.waitSignal(page.sig_imported, timeout=WAIT) as imported:
        qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    result = imported.args[0]
    assert result.stored == 1 and len(result.problems) == 1
    box = page.message_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "1 new message" in box.text() or "new messages" in box.text()
    assert "broken.eml:" in box.informativeText()
    qtbot.waitUntil(lambda: len(shown_ids(page)) == 1, timeout=WAIT)
    assert page.model.rows[0].subject == "报价请求"
    assert "Not imported: 1." in page.result_label.text()
    box.close()


def test_dropping_mail_files_on_the_page_imports_them(
    qtbot: QtBot, world: World, make_page: MakePage, tmp_path: Path
) -> None:
    page = make_page(world.li)
    first = write_eml(tmp_path, "a.eml", eml(60, frm="a@drop.example", subject="拖放一"))
    second = write_eml(tmp_path, "b.eml", eml(61, frm="b@drop.example", subject="拖放二"))
    ignored = write_eml(tmp_path, "notes.txt", b"not mail")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in (first, second, ignored)])
    enter = QDragEnterEvent(
        QPoint(50, 50),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(page, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(page.sig_imported, timeout=WAIT) as imported:
        QApplication.sendEvent(page, drop)
    assert imported.args[0].files == 2 and imported.args[0].stored == 2
    qtbot.waitUntil(lambda: len(shown_ids(page)) == 2, timeout=WAIT)
    assert page.message_box is not None
    page.message_box.close()

    text_only = QMimeData()
    text_only.setUrls([QUrl.fromLocalFile(str(ignored))])
    refused = QDragEnterEvent(
        QPoint(50, 50),
        Qt.DropAction.CopyAction,
        text_only,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(page, refused)
    assert not refused.isAccepted()
