"""The compose dialog driven as a user would, on a real SQLite database and a real aiosmtpd
(STARTTLS + AUTH): fill it in and send with Ctrl+Enter; a refused password keeps the draft and
says why; a reply starts threaded and quoted; Cancel asks before throwing a draft away."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from crm_desktop.core.settings import Settings
from crm_desktop.db.models import EmailMessage, Followup, MailAccount
from crm_desktop.mail.parse import parse_eml
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import (
    ContactInput,
    CustomerInput,
    add_contact,
    create_customer,
)
from crm_desktop.services.database import Database
from crm_desktop.services.mail_store import store_message
from crm_desktop.ui.compose_dialog import (
    AddressCompleter,
    ComposeDialog,
    load_password,
    open_compose,
)
from crm_desktop.ui.followup_dialog import followup_events
from crm_desktop.ui.ops import OpRunner
from tests.mail.servers import SMTP_PASSWORD, SMTP_USER, SmtpServer

from .conftest import RecordedErrors

WAIT = 15_000
ADDRESS = "ada@northwind.example"


@dataclass
class Setup:
    db: Database
    admin: Actor
    customer_id: int
    zhang: int
    ming: int
    account_id: int | None


def make_setup(db: Database, admin: Actor, server: SmtpServer | None) -> Setup:
    with db.session_factory.begin() as s:
        customer = create_customer(
            s,
            CustomerInput(name="华为技术有限公司", owner_id=admin.id),
            admin,
            allow_duplicate=True,
        )
        zhang = add_contact(
            s,
            customer.id,
            ContactInput(name="张伟", email="zhang.wei@huawei.example", is_primary=True),
            admin,
        )
        ming = add_contact(
            s, customer.id, ContactInput(name="Li Ming", email="li.ming@huawei.example"), admin
        )
        account_id = None
        if server is not None:
            account = MailAccount(
                user_id=admin.id,
                name="Work",
                email_address=ADDRESS,
                username=SMTP_USER,
                smtp_host="127.0.0.1",
                smtp_port=server.port,
                smtp_security="starttls",
            )
            s.add(account)
            s.flush()
            account_id = account.id
    return Setup(db, admin, customer.id, zhang.id, ming.id, account_id)


@pytest.fixture
def setup(ui_db: Database, ui_company: Actor, smtp_server: SmtpServer) -> Setup:
    return make_setup(ui_db, ui_company, smtp_server)


@pytest.fixture
def parent(qtbot: QtBot) -> Iterator[QWidget]:
    widget = QWidget()
    qtbot.addWidget(widget)
    yield widget


def open_dialog(
    qtbot: QtBot,
    parent: QWidget,
    runner: OpRunner,
    setup: Setup,
    server: SmtpServer | None,
    *,
    contact_id: int | None = None,
    reply_to_email_id: int | None = None,
    reply_all: bool = False,
) -> ComposeDialog:
    """Open through ``open_compose`` as the customer file does; wait until the form is ready."""
    dialog = open_compose(
        parent,
        runner,
        setup.admin,
        customer_id=setup.customer_id,
        contact_id=contact_id,
        reply_to_email_id=reply_to_email_id,
        reply_all=reply_all,
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # tests look afterwards
    qtbot.addWidget(dialog)
    dialog.ask_discard = lambda: True  # qtbot closes the widgets after the test
    blocker = qtbot.waitSignal(dialog.sig_loaded, timeout=WAIT)
    if not dialog.loaded:
        blocker.wait()
    if server is not None:
        dialog.ssl_context = server.ssl_context()
    return dialog


class Passwords:
    """Answers the password prompt with the given passwords in turn; counts the questions."""

    def __init__(self, *answers: str | None) -> None:
        self.answers = list(answers)
        self.asked = 0

    def __call__(self, _account: object) -> str | None:
        self.asked += 1
        return self.answers.pop(0) if self.answers else None


def send_and_wait(qtbot: QtBot, dialog: ComposeDialog, *, ok: bool) -> None:
    with qtbot.waitSignal(dialog.sig_send_finished, timeout=WAIT) as blocker:
        dialog.body_edit.setFocus()
        qtbot.keyClick(dialog.body_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [ok]


def test_fill_in_and_send_with_ctrl_enter(
    qtbot: QtBot,
    parent: QWidget,
    ui_runner: OpRunner,
    ui_errors: RecordedErrors,
    setup: Setup,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    dialog = open_dialog(qtbot, parent, ui_runner, setup, smtp_server)
    assert dialog.isVisible()
    assert dialog.windowTitle() == "New email"
    assert dialog.title_label.text() == "New email — 华为技术有限公司"
    assert dialog.account_combo.currentText() == f"Work <{ADDRESS}>"
    assert dialog.to_edit.text() == "张伟 <zhang.wei@huawei.example>"  # the primary contact
    assert dialog.completion_model.stringList() == [
        "张伟 <zhang.wei@huawei.example>",
        "Li Ming <li.ming@huawei.example>",
    ]
    qtbot.keyClicks(dialog.cc_edit, "li.ming@huawei.example")
    dialog.subject_edit.insert("样品寄送安排")  # as an input method does; QTest types ASCII only
    dialog.body_edit.insertPlainText("张经理您好：样品已寄出，请查收。")
    quote = tmp_path / "报价单.pdf"
    quote.write_bytes(b"%PDF-1.4 quote")
    dialog.add_files([str(quote)])
    assert dialog.attachment_list.count() == 1
    assert dialog.size_label.text() == "1 attachments, 14 bytes of at most 18.0 MB"
    passwords = Passwords(SMTP_PASSWORD)
    dialog.ask_password = passwords
    changed: list[int] = []
    followup_events(ui_runner).sig_changed.connect(changed.append)

    with qtbot.waitSignal(dialog.sig_sent, timeout=WAIT) as sent:
        send_and_wait(qtbot, dialog, ok=True)
    result = sent.args[0]
    assert passwords.asked == 1
    assert not dialog.isVisible()
    assert changed == [setup.customer_id]
    assert ui_errors.shown == []

    (received,) = smtp_server.messages
    assert received.rcpt_tos == ("zhang.wei@huawei.example", "li.ming@huawei.example")
    parsed = parse_eml(received.data)
    assert parsed.subject == "样品寄送安排"
    assert parsed.from_addr == ("Ada Lovelace", ADDRESS)
    assert parsed.body_text == "张经理您好：样品已寄出，请查收。\n"
    assert [(a.filename, a.data) for a in parsed.attachments] == [("报价单.pdf", b"%PDF-1.4 quote")]
    with setup.db.session_factory() as s:
        stored = s.get(EmailMessage, result.email_id)
        assert stored is not None and stored.direction == "out"
        assert stored.customer_id == setup.customer_id
        followup = s.scalars(select(Followup)).one()
        assert followup.email_id == result.email_id and followup.kind == "email"


def test_a_refused_password_keeps_the_draft_and_asks_again(
    qtbot: QtBot,
    parent: QWidget,
    ui_runner: OpRunner,
    ui_errors: RecordedErrors,
    setup: Setup,
    smtp_server: SmtpServer,
) -> None:
    dialog = open_dialog(qtbot, parent, ui_runner, setup, smtp_server, contact_id=setup.ming)
    assert dialog.to_edit.text() == "Li Ming <li.ming@huawei.example>"
    qtbot.keyClicks(dialog.subject_edit, "Offer")
    qtbot.keyClicks(dialog.body_edit, "Dear Li Ming,")
    passwords = Passwords("wrong", SMTP_PASSWORD)
    dialog.ask_password = passwords

    with qtbot.waitSignal(dialog.sig_send_finished, timeout=WAIT) as finished:
        dialog.send_button.click()
    assert finished.args == [False]
    assert dialog.isVisible()
    assert dialog.form_error.isVisibleTo(dialog)
    headline, detail = dialog.form_error.text().split("\n")
    assert headline == (
        "Not sent: the mail server did not accept the password. You will be asked for it again."
    )
    assert detail.startswith(
        f"The mail server 127.0.0.1 refused the user name or password of {SMTP_USER} (535"
    )
    assert dialog.subject_edit.text() == "Offer"
    assert dialog.body_edit.toPlainText() == "Dear Li Ming,"
    assert dialog.send_button.isEnabled() and dialog.send_button.text() == "Send"
    assert smtp_server.messages == []
    with setup.db.session_factory() as s:
        assert s.scalars(select(EmailMessage)).all() == []
    assert ui_errors.shown == []

    send_and_wait(qtbot, dialog, ok=True)  # asked again: the right one this time
    assert passwords.asked == 2
    assert len(smtp_server.messages) == 1
    assert not dialog.isVisible()


def test_a_bad_address_is_marked_beside_its_field(
    qtbot: QtBot, parent: QWidget, ui_runner: OpRunner, setup: Setup, smtp_server: SmtpServer
) -> None:
    dialog = open_dialog(qtbot, parent, ui_runner, setup, smtp_server)
    dialog.cc_edit.setText("boss@northwind")
    passwords = Passwords(SMTP_PASSWORD)
    dialog.ask_password = passwords
    send_and_wait(qtbot, dialog, ok=False)
    assert dialog.errors["cc"].text() == "Not a valid email address: boss@northwind"
    assert dialog.form_error.text() == "Please correct the marked fields."
    assert passwords.asked == 0 and smtp_server.messages == []
    qtbot.keyClicks(dialog.cc_edit, ".example")  # typing clears the message
    assert not dialog.errors["cc"].isVisibleTo(dialog)


def test_sending_without_a_subject_asks_first(
    qtbot: QtBot, parent: QWidget, ui_runner: OpRunner, setup: Setup, smtp_server: SmtpServer
) -> None:
    dialog = open_dialog(qtbot, parent, ui_runner, setup, smtp_server)
    asked: list[bool] = []
    dialog.ask_no_subject = lambda: asked.append(True) or False
    dialog.ask_password = Passwords(SMTP_PASSWORD)
    send_and_wait(qtbot, dialog, ok=False)
    assert asked == [True] and smtp_server.messages == []
    assert dialog.isVisible()


def test_reply_all_starts_threaded_and_quoted(
    qtbot: QtBot,
    parent: QWidget,
    ui_runner: OpRunner,
    setup: Setup,
    smtp_server: SmtpServer,
) -> None:
    original = (
        "From: =?utf-8?b?5byg5Lyf?= <zhang.wei@huawei.example>\r\n"
        f"To: {ADDRESS}, Li Ming <li.ming@huawei.example>\r\n"
        "Subject: =?utf-8?b?6K+i5Lu3?=\r\n"
        "Date: Mon, 02 Jun 2025 09:00:00 +0800\r\n"
        "Message-ID: <q1@huawei.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "请报价 200 台。\r\n"
    ).encode()
    with setup.db.session_factory.begin() as s:
        stored = store_message(s, parse_eml(original), setup.admin)
    dialog = open_dialog(
        qtbot,
        parent,
        ui_runner,
        setup,
        smtp_server,
        reply_to_email_id=stored.email_id,
        reply_all=True,
    )
    assert dialog.windowTitle() == "Reply to all"
    assert dialog.to_edit.text() == "张伟 <zhang.wei@huawei.example>"
    assert dialog.cc_edit.text() == "Li Ming <li.ming@huawei.example>"
    assert dialog.subject_edit.text() == "Re: 询价"
    assert "> 请报价 200 台。" in dialog.body_edit.toPlainText()
    assert dialog.body_edit.textCursor().position() == 0
    assert not dialog.is_dirty()
    dialog.body_edit.insertPlainText("好的。")
    dialog.ask_password = Passwords(SMTP_PASSWORD)
    send_and_wait(qtbot, dialog, ok=True)
    sent = parse_eml(smtp_server.messages[0].data)
    assert sent.in_reply_to == "<q1@huawei.example>"
    assert sent.body_text is not None and sent.body_text.startswith("好的。\n\n")


def test_cancel_asks_before_discarding_what_was_written(
    qtbot: QtBot, parent: QWidget, ui_runner: OpRunner, setup: Setup, smtp_server: SmtpServer
) -> None:
    dialog = open_dialog(qtbot, parent, ui_runner, setup, smtp_server)
    answers: list[bool] = [False, True]
    asked: list[int] = []

    def ask() -> bool:
        asked.append(1)
        return answers.pop(0)

    dialog.ask_discard = ask
    dialog.body_edit.insertPlainText("半句话")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and len(asked) == 1
    assert dialog.body_edit.toPlainText() == "半句话"
    dialog.cancel_button.click()
    assert not dialog.isVisible() and len(asked) == 2

    untouched = open_dialog(qtbot, parent, ui_runner, setup, smtp_server)
    untouched.ask_discard = ask  # would fail: no answers left
    untouched.cancel_button.click()
    assert not untouched.isVisible()


def test_attachments_add_up_and_can_be_removed(
    qtbot: QtBot,
    parent: QWidget,
    ui_runner: OpRunner,
    setup: Setup,
    smtp_server: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import crm_desktop.ui.compose_dialog as module

    monkeypatch.setattr(module, "MAX_ATTACHMENT_BYTES", 3000)
    dialog = open_dialog(qtbot, parent, ui_runner, setup, smtp_server)
    files = []
    for name, size in (("a.txt", 1000), ("图纸.dwg", 1500), ("big.zip", 900)):
        path = tmp_path / name
        path.write_bytes(b"x" * size)
        files.append(str(path))
    dialog.choose_files = lambda: files
    dialog.attach_button.click()
    assert [a.filename for a in dialog.attachments] == ["a.txt", "图纸.dwg"]
    assert dialog.errors["attachments"].text() == (
        "big.zip (900 bytes) was not attached: attachments may add up to at most 2.9 KB"
    )
    assert dialog.size_label.text() == "2 attachments, 2.4 KB of at most 2.9 KB"
    assert dialog.is_dirty()
    dialog.attachment_list.item(0).setSelected(True)
    assert dialog.remove_button.isEnabled()
    dialog.remove_button.click()
    assert [a.filename for a in dialog.attachments] == ["图纸.dwg"]
    assert dialog.attachment_list.count() == 1


def test_without_a_mail_account_nothing_can_be_sent(
    qtbot: QtBot, parent: QWidget, ui_runner: OpRunner, ui_db: Database, ui_company: Actor
) -> None:
    setup = make_setup(ui_db, ui_company, None)
    dialog = open_dialog(qtbot, parent, ui_runner, setup, None)
    assert not dialog.send_button.isEnabled()
    assert "You have no mail account to send from" in dialog.form_error.text()


def test_address_completion_keeps_the_addresses_before(qtbot: QtBot) -> None:
    from PySide6.QtCore import QStringListModel
    from PySide6.QtWidgets import QLineEdit

    edit = QLineEdit()
    qtbot.addWidget(edit)
    model = QStringListModel(["张伟 <zhang.wei@huawei.example>", "Li Ming <li.ming@x.example>"])
    completer = AddressCompleter(model, edit)
    edit.setCompleter(completer)
    edit.setText("a@b.example, 张")
    assert completer.splitPath(edit.text()) == ["张"]
    assert (
        completer.pathFromIndex(model.index(0)) == "a@b.example, 张伟 <zhang.wei@huawei.example>, "
    )
    edit.setText("li")
    assert completer.splitPath(edit.text()) == ["li"]
    assert completer.pathFromIndex(model.index(1)) == "Li Ming <li.ming@x.example>, "


def test_the_password_prompt_gets_the_accounts_row(
    qtbot: QtBot, parent: QWidget, ui_runner: OpRunner, setup: Setup, smtp_server: SmtpServer
) -> None:
    """No keyring here: the dialog asks, and helper "imap"'s prompt gets the account's row
    (its name, user, host and keyring entry for "Remember in the keyring")."""
    with setup.db.session_factory() as s:
        password, row = load_password(s, account_id=setup.account_id, actor=setup.admin)
    assert password is None
    assert row.id == setup.account_id and row.password_key
    dialog = open_dialog(qtbot, parent, ui_runner, setup, smtp_server)
    dialog.subject_edit.setText("Hi")
    dialog.ask_password = Passwords(SMTP_PASSWORD)
    send_and_wait(qtbot, dialog, ok=True)
    assert dialog._account_rows[setup.account_id].email_address == ADDRESS


def test_the_contacts_tab_writes_to_the_chosen_contact(
    qtbot: QtBot, parent: QWidget, ui_runner: OpRunner, setup: Setup, ui_settings: Settings
) -> None:
    from crm_desktop.ui.customer_file import open_customer_file

    window = open_customer_file(
        parent, ui_runner, setup.admin, setup.customer_id, settings=ui_settings
    )
    window.ask_discard = lambda: True
    if not window.loaded:
        qtbot.waitSignal(window.sig_loaded, timeout=WAIT).wait()
    tab = window.contacts_tab
    assert not tab.email_button.isEnabled()  # nothing chosen yet
    tab.select(setup.ming)
    assert tab.email_button.isEnabled()
    tab.email_button.click()
    dialog = tab.compose_dialog
    dialog.ask_discard = lambda: True
    qtbot.addWidget(dialog)
    if not dialog.loaded:
        qtbot.waitSignal(dialog.sig_loaded, timeout=WAIT).wait()
    assert "li.ming@huawei.example" in dialog.to_edit.text()
    assert "zhang.wei" not in dialog.to_edit.text()
