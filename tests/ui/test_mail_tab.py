"""The customer file's Mail tab and dropping mail files onto customers, driven as a user would:
threads newest first, a message shown when selected, an .eml dropped on the file window or on
a customer-list row linked to that customer, and the offer to link matching unlinked mail
after an address was added; on a real SQLite database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from crm_desktop.core.settings import Settings
from crm_desktop.db.models import EmailMessage
from crm_desktop.services.context import Actor
from crm_desktop.services.database import Database
from crm_desktop.services.mail_store import import_mail_files
from crm_desktop.ui.contact_dialog import ContactDialog
from crm_desktop.ui.customer_file import CustomerFileWindow
from crm_desktop.ui.customers_page import CustomersPage
from crm_desktop.ui.ops import OpRunner

from .conftest import RecordedErrors
from .test_customer_file import (  # noqa: F401 - fixtures
    HUAWEI_EMAIL,
    demo,
    fill_contact,
    open_file,
    parent,
    replace_text,
    save_and_wait,
)

WAIT = 15_000


def eml(
    subject: str,
    *,
    sender: str,
    date: str,
    message_id: str,
    in_reply_to: str | None = None,
    body: str = "正文",
) -> bytes:
    lines = [
        f"From: {sender}",
        "To: ada@northwind.example",
        f"Subject: {subject}",
        f"Message-ID: <{message_id}>",
        f"Date: {date}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if in_reply_to:
        lines += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode("utf-8")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def import_files(db: Database, actor: Actor, *paths: Path) -> None:
    with db.session_factory.begin() as session:
        import_mail_files(session, list(paths), actor)


def message(db: Database, message_id: str) -> EmailMessage:
    with db.session_factory() as session:
        row = session.scalars(
            select(EmailMessage).where(EmailMessage.message_id == f"<{message_id}>")
        ).one()
        session.expunge(row)
        return row


def drop(target: QWidget, paths: list[Path], pos: QPoint | None = None) -> tuple[bool, bool]:
    """Drag ``paths`` over ``target`` and drop them; (drag accepted, drop accepted)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    point = QPointF(pos if pos is not None else QPoint(10, 10))
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        point.toPoint(), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    enter.ignore()
    QApplication.sendEvent(target, enter)
    dropped = QDropEvent(
        point, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    dropped.ignore()
    QApplication.sendEvent(target, dropped)
    return enter.isAccepted(), dropped.isAccepted()


def show_mail_tab(qtbot: QtBot, window: CustomerFileWindow) -> None:
    tab = window.mail_tab
    if tab.loaded_once and not tab._stale:
        window.tabs.setCurrentWidget(tab)
        return
    with qtbot.waitSignal(tab.sig_loaded, timeout=WAIT):
        window.tabs.setCurrentWidget(tab)


# --------------------------------------------------------------------------- the tab


def test_threads_are_grouped_newest_first_and_selecting_shows_the_message(
    qtbot: QtBot,
    demo: dict[str, Any],  # noqa: F811
    open_file: Callable[..., CustomerFileWindow],  # noqa: F811
    ui_db: Database,
    tmp_path: Path,
) -> None:
    actor = demo["actor"]
    import_files(
        ui_db,
        actor,
        write(
            tmp_path,
            "1.eml",
            eml(
                "询价 A",
                sender=HUAWEI_EMAIL,
                date="Mon, 3 Mar 2025 09:00:00 +0800",
                message_id="a1@t",
            ),
        ),
        write(
            tmp_path,
            "2.eml",
            eml(
                "Re: 询价 A",
                sender=HUAWEI_EMAIL,
                date="Wed, 5 Mar 2025 09:00:00 +0800",
                message_id="a2@t",
                in_reply_to="a1@t",
                body="第二封",
            ),
        ),
        write(
            tmp_path,
            "3.eml",
            eml(
                "Old topic",
                sender=HUAWEI_EMAIL,
                date="Sat, 1 Feb 2025 09:00:00 +0800",
                message_id="b1@t",
            ),
        ),
    )
    window = open_file(actor, demo["id"])
    show_mail_tab(qtbot, window)
    tree = window.mail_tab.tree
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Mail"
    assert tree.topLevelItemCount() == 2
    first, second = tree.topLevelItem(0), tree.topLevelItem(1)
    assert first.text(0) == "询价 A" and first.text(1) == "2"
    assert second.text(0) == "Old topic" and second.text(1) == "1"
    assert first.childCount() == 2

    view = window.mail_tab.view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=WAIT)
    assert view.detail.subject == "Re: 询价 A"  # a thread shows its newest message
    with qtbot.waitSignal(view.sig_shown, timeout=WAIT):
        tree.setCurrentItem(first.child(1))  # the older message of the thread
    assert view.subject_label.text() == "询价 A"
    assert "正文" in view.body.toPlainText()
    assert window.mail_tab.hint_label.text().startswith("Drop .eml or .msg files here")
    assert window.mail_tab.link_button.isEnabled()


# --------------------------------------------------------------------------- dropping


def test_an_eml_dropped_on_the_customer_file_is_linked_to_that_customer(
    qtbot: QtBot,
    demo: dict[str, Any],  # noqa: F811
    open_file: Callable[..., CustomerFileWindow],  # noqa: F811
    ui_db: Database,
    ui_errors: RecordedErrors,
    tmp_path: Path,
) -> None:
    unknown = write(
        tmp_path,
        "from-a-stranger.eml",
        eml(
            "样品寄送",
            sender="someone@qq.com",
            date="Tue, 4 Mar 2025 10:00:00 +0800",
            message_id="drop1@t",
        ),
    )
    other = write(tmp_path, "notes.txt", b"not mail")
    window = open_file(demo["actor"], demo["id"])

    assert drop(window.form.name_edit, [other]) == (False, False)  # not mail: not taken
    with qtbot.waitSignal(window.mail_tab.sig_imported, timeout=WAIT) as blocker:
        accepted = drop(window.form.notes_edit, [unknown])  # over a text field, even
    assert accepted == (True, True)
    result = blocker.args[0]
    assert result.linked_here == 1 and result.result.stored == 1
    stored = message(ui_db, "drop1@t")
    assert stored.customer_id == demo["id"] and stored.link_method == "manual"
    assert "样品寄送" not in window.form.notes_edit.toPlainText()  # no path typed in
    assert "1 linked" in window.note_label.text()

    qtbot.waitUntil(
        lambda: window.mail_tab.loaded_once and not window.mail_tab._stale, timeout=WAIT
    )
    qtbot.waitUntil(lambda: window.mail_tab.tree.topLevelItemCount() == 1, timeout=WAIT)
    assert window.mail_tab.tree.topLevelItem(0).text(0) == "样品寄送"

    # Dropped again: stored before, linked here already; nothing doubles.
    with qtbot.waitSignal(window.mail_tab.sig_imported, timeout=WAIT) as blocker:
        drop(window.tabs, [unknown])
    assert blocker.args[0].already_here == 1 and blocker.args[0].result.duplicates == 1
    assert ui_errors.shown == []


def test_an_eml_dropped_on_a_customer_row_is_linked_to_that_row(
    qtbot: QtBot,
    demo: dict[str, Any],  # noqa: F811
    ui_runner: OpRunner,
    ui_db: Database,
    ui_settings: Settings,
    tmp_path: Path,
) -> None:
    page = CustomersPage(demo["actor"], ui_runner, ui_settings)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=WAIT):
        page.refresh()
        page.show()
    page.search_edit.setText("华为技术")
    qtbot.waitUntil(lambda: list(page.model.ids) == [demo["id"]], timeout=WAIT)
    qtbot.waitUntil(lambda: page.model.is_row_loaded(0), timeout=WAIT)
    path = write(
        tmp_path,
        "row.eml",
        eml(
            "展会资料",
            sender="buyer@163.com",
            date="Tue, 4 Mar 2025 11:00:00 +0800",
            message_id="row1@t",
        ),
    )
    viewport = page.view.viewport()
    row_center = page.view.visualRect(page.model.index(0, 0)).center()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        row_center,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    assert page.mail_drop is not None and page.mail_drop.highlighted_row == 0
    assert page.mail_drop.highlight.isVisible()
    with qtbot.waitSignal(page.mail_drop.sig_imported, timeout=WAIT):
        dropped = QDropEvent(
            QPointF(row_center),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(viewport, dropped)
    assert not page.mail_drop.highlight.isVisible()
    stored = message(ui_db, "row1@t")
    assert stored.customer_id == demo["id"] and stored.link_method == "manual"
    assert page.mail_drop.message_box is not None
    assert "1 linked to 华为技术有限公司" in page.mail_drop.message_box.text()
    page.mail_drop.message_box.close()


# --------------------------------------------------------------------------- re-link offer


def test_adding_a_contact_email_offers_to_link_the_matching_unlinked_mail(
    qtbot: QtBot,
    demo: dict[str, Any],  # noqa: F811
    open_file: Callable[..., CustomerFileWindow],  # noqa: F811
    ui_db: Database,
    tmp_path: Path,
) -> None:
    import_files(
        ui_db,
        demo["actor"],
        write(
            tmp_path,
            "li.eml",
            eml(
                "合同草稿",
                sender="Li Na <li.na@example.com>",
                date="Tue, 4 Mar 2025 12:00:00 +0800",
                message_id="li1@t",
            ),
        ),
    )
    assert message(ui_db, "li1@t").customer_id is None  # unlinked: nobody has the address
    window = open_file(demo["actor"], demo["id"])
    asked: list[tuple[int, list[str]]] = []
    window.mail_tab.ask_relink = lambda count, addresses: (
        asked.append((count, list(addresses))) or True
    )
    tab = window.contacts_tab
    window.tabs.setCurrentWidget(tab)
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert isinstance(dialog, ContactDialog)
    fill_contact(qtbot, dialog, name="李娜", email="li.na@example.com")
    with qtbot.waitSignal(window.mail_tab.sig_relinked, timeout=WAIT) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [1]
    assert asked == [(1, ["li.na@example.com"])]
    stored = message(ui_db, "li1@t")
    # The contacts list reloads after the save on its own op: wait for it (slow machines).
    qtbot.waitUntil(
        lambda: any(c.name == "李娜" for c in window.contacts_tab.contacts), timeout=WAIT
    )
    contact = next(c for c in window.contacts_tab.contacts if c.name == "李娜")
    assert stored.customer_id == demo["id"] and stored.contact_id == contact.id
    qtbot.waitUntil(lambda: "Linked 1 messages" in window.note_label.text(), timeout=WAIT)


def test_changing_the_customer_email_offers_matching_mail_and_no_means_no(
    qtbot: QtBot,
    demo: dict[str, Any],  # noqa: F811
    open_file: Callable[..., CustomerFileWindow],  # noqa: F811
    ui_db: Database,
    tmp_path: Path,
) -> None:
    import_files(
        ui_db,
        demo["actor"],
        write(
            tmp_path,
            "sales.eml",
            eml(
                "Catalogue",
                sender="sales@huawei-new.cn",
                date="Tue, 4 Mar 2025 12:00:00 +0800",
                message_id="sales1@t",
            ),
        ),
    )
    window = open_file(demo["actor"], demo["id"])
    asked: list[int] = []
    window.mail_tab.ask_relink = lambda count, _addresses: asked.append(count) and False
    replace_text(qtbot, window.form.email_edit, "sales@huawei-new.cn")
    save_and_wait(qtbot, window)
    qtbot.waitUntil(lambda: asked == [1], timeout=WAIT)
    qtbot.waitUntil(lambda: window.ops_running == 0, timeout=WAIT)
    assert message(ui_db, "sales1@t").customer_id is None  # the user said not now


@pytest.mark.parametrize("email", ["", "info@huawei-demo.cn"])
def test_a_save_without_a_new_address_offers_nothing(
    qtbot: QtBot,
    demo: dict[str, Any],  # noqa: F811
    open_file: Callable[..., CustomerFileWindow],  # noqa: F811
    email: str,
) -> None:
    window = open_file(demo["actor"], demo["id"])
    window.mail_tab.ask_relink = lambda *_a: pytest.fail("nothing to offer")
    replace_text(qtbot, window.form.industry_edit, "Networks")
    if email:
        replace_text(qtbot, window.form.email_edit, email.upper())
    save_and_wait(qtbot, window)
    qtbot.waitUntil(lambda: window.ops_running == 0, timeout=WAIT)


def test_reply_opens_the_compose_dialog_and_link_elsewhere_the_link_dialog(
    qtbot: QtBot,
    demo: dict[str, Any],  # noqa: F811
    open_file: Callable[..., CustomerFileWindow],  # noqa: F811
    ui_db: Database,
    tmp_path: Path,
) -> None:
    import_files(
        ui_db,
        demo["actor"],
        write(
            tmp_path,
            "r.eml",
            eml(
                "询价",
                sender=HUAWEI_EMAIL,
                date="Mon, 3 Mar 2025 09:00:00 +0800",
                message_id="r1@t",
            ),
        ),
    )
    window = open_file(demo["actor"], demo["id"])
    show_mail_tab(qtbot, window)
    tab = window.mail_tab
    qtbot.waitUntil(lambda: tab.current_email_id() is not None, timeout=WAIT)
    assert tab.reply_button.isEnabled() and tab.new_button.isEnabled()
    qtbot.mouseClick(tab.reply_button, Qt.MouseButton.LeftButton)
    dialog = tab.compose_dialog
    assert dialog is not None and dialog.isVisible()
    assert type(dialog).__name__ == "ComposeDialog"
    qtbot.waitUntil(lambda: window.runner.active_count == 0, timeout=WAIT)
    dialog.close()

    qtbot.mouseClick(tab.link_button, Qt.MouseButton.LeftButton)
    link = tab.link_dialog
    assert link is not None and link.isVisible()
    assert type(link).__name__ == "LinkDialog"
    link.close()
