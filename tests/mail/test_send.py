"""Sending from the app against a real aiosmtpd (STARTTLS and SMTPS, AUTH) on real SQLite and
PostgreSQL: the server receives exactly what is stored; the stored message is "out", linked to
the customer, with an "email" follow-up pointing at it; replies thread; any SMTP failure
leaves nothing stored."""

from __future__ import annotations

import re
import socket
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.db.models import AuditLog, EmailMessage, Followup, MailAccount
from crm_desktop.mail.compose import OutgoingAttachment
from crm_desktop.mail.parse import parse_eml
from crm_desktop.mail.smtp import SmtpError
from crm_desktop.services.customers import ContactInput, add_contact
from crm_desktop.services.mail_send import (
    Draft,
    compose_defaults,
    reply_draft,
    send_mail,
    sending_accounts,
)
from crm_desktop.services.mail_store import store_message
from tests.db.customer_world import World, open_world
from tests.mail.servers import SMTP_PASSWORD, SMTP_USER, SmtpServer

NOW = datetime(2025, 6, 2, 3, 4, 5, tzinfo=UTC)
LI_ADDRESS = "li.na@ourco.example"


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


def add_account(
    world: World,
    server: SmtpServer | None,
    *,
    security: str = "starttls",
    user_id: int | None = None,
    email: str = LI_ADDRESS,
    port: int | None = None,
) -> int:
    with world.db.session_factory.begin() as s:
        account = MailAccount(
            user_id=user_id or world.li.id,
            name="工作邮箱",
            email_address=email,
            username=SMTP_USER,
            imap_host=None,
            smtp_host="127.0.0.1",
            smtp_port=port if port is not None else server.port if server else 25,
            smtp_security=security,
        )
        s.add(account)
        s.flush()
        return account.id


def customer_with_contacts(world: World) -> tuple[int, int, int]:
    """Li's customer 华为技术 with 张伟 (primary) and Li Ming, both with addresses."""
    customer_id = world.new_customer(world.li, name="华为技术有限公司", owner_id=world.li.id)
    with world.db.session_factory.begin() as s:
        zhang = add_contact(
            s,
            customer_id,
            ContactInput(name="张伟", email="zhang.wei@huawei.example", is_primary=True),
            world.admin,
        )
        ming = add_contact(
            s, customer_id, ContactInput(name="Li Ming", email="li.ming@huawei.example"), world.li
        )
    return customer_id, zhang.id, ming.id


def count(world: World, model: type) -> int:
    with world.db.session_factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_sent_mail_is_received_stored_linked_and_logged(
    world: World, smtp_server: SmtpServer
) -> None:
    account_id = add_account(world, smtp_server)
    customer_id, zhang, _ming = customer_with_contacts(world)
    draft = Draft(
        account_id=account_id,
        to=("张伟 <zhang.wei@huawei.example>",),
        cc=("boss@ourco.example",),
        subject="关于 2025 年报价单",
        body="张经理您好：\n\n附件是报价单，请查收。\n\n李娜",
        attachments=(OutgoingAttachment("报价单（2025 版）.pdf", b"%PDF-1.4 test"),),
        customer_id=customer_id,
        contact_id=zhang,
    )
    result = send_mail(
        world.db.session_factory,
        draft,
        world.li,
        password=SMTP_PASSWORD,
        now=NOW,
        ssl_context=smtp_server.ssl_context(),
    )

    (received,) = smtp_server.messages
    assert received.rcpt_tos == ("zhang.wei@huawei.example", "boss@ourco.example")
    assert received.mail_from == LI_ADDRESS
    assert received.login == SMTP_USER and received.tls
    parsed = parse_eml(received.data)
    assert parsed.message_id == result.message_id
    assert parsed.message_id.endswith("@ourco.example>")
    assert parsed.subject == "关于 2025 年报价单"
    assert parsed.from_addr == ("李娜", LI_ADDRESS)
    assert parsed.to == (("张伟", "zhang.wei@huawei.example"),)
    assert parsed.body_text == "张经理您好：\n\n附件是报价单，请查收。\n\n李娜\n"
    assert [(a.filename, a.data) for a in parsed.attachments] == [
        ("报价单（2025 版）.pdf", b"%PDF-1.4 test")
    ]
    assert parsed.sent_at == NOW
    assert result.recipients == 2

    with world.db.session_factory() as s:
        stored = s.get(EmailMessage, result.email_id)
        assert stored is not None
        assert stored.direction == "out"
        assert stored.customer_id == customer_id and stored.contact_id == zhang
        assert stored.account_id == account_id
        assert stored.owner_id == world.li.id
        assert stored.message_id == result.message_id
        assert stored.raw is not None
        assert zlib.decompress(stored.raw) == received.data  # stored is exactly what was sent
        assert stored.subject == "关于 2025 年报价单"
        followup = s.get(Followup, result.followup_id)
        assert followup is not None
        assert (followup.kind, followup.outcome, followup.status) == ("email", "neutral", "done")
        assert followup.summary == "关于 2025 年报价单"
        assert followup.email_id == result.email_id
        assert followup.contact_id == zhang and followup.user_id == world.li.id
        assert followup.customer_id == customer_id
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "mail.send")).one()
        assert audit.entity_id == result.email_id and audit.actor == "li"
        assert audit.detail is not None and audit.detail["recipients"] == 2
        # The customer file's timeline shows the sent mail once: as the email follow-up.
        from crm_desktop.services.followups import timeline

        entries = [(e.kind, e.ref_id) for e in timeline(s, customer_id, world.li)]
        assert ("followup", result.followup_id) in entries
        assert ("mail", result.email_id) not in entries


def test_smtps_implicit_tls(world: World, smtps_server: SmtpServer) -> None:
    account_id = add_account(world, smtps_server, security="ssl")
    customer_id, _zhang, ming = customer_with_contacts(world)
    result = send_mail(
        world.db.session_factory,
        Draft(
            account_id, ("li.ming@huawei.example",), (), "Samples", "Hello", customer_id=customer_id
        ),
        world.li,
        password=SMTP_PASSWORD,
        ssl_context=smtps_server.ssl_context(),
    )
    (received,) = smtps_server.messages
    assert received.tls and received.login == SMTP_USER
    assert received.rcpt_tos == ("li.ming@huawei.example",)
    with world.db.session_factory() as s:
        stored = s.get(EmailMessage, result.email_id)
        assert stored is not None
        # Linked by hand to the draft's customer; the contact found by its address.
        assert stored.customer_id == customer_id and stored.contact_id == ming
        assert stored.link_method == "address"


def test_wrong_password_stores_nothing(world: World, smtp_server: SmtpServer) -> None:
    account_id = add_account(world, smtp_server)
    customer_id, _zhang, _ming = customer_with_contacts(world)
    draft = Draft(
        account_id, ("zhang.wei@huawei.example",), (), "报价", "正文", customer_id=customer_id
    )
    with pytest.raises(SmtpError) as caught:
        send_mail(
            world.db.session_factory,
            draft,
            world.li,
            password="wrong",
            ssl_context=smtp_server.ssl_context(),
        )
    assert caught.value.reason == "auth"
    assert str(caught.value).startswith(
        f"The mail server 127.0.0.1 refused the user name or password of {SMTP_USER} (535"
    )
    assert smtp_server.messages == []
    assert count(world, EmailMessage) == 0
    assert count(world, Followup) == 0


def test_plain_connection_without_tls_cannot_log_in(world: World, smtp_server: SmtpServer) -> None:
    account_id = add_account(world, smtp_server, security="none")
    draft = Draft(account_id, ("a@b.example",), (), "x", "y")
    with pytest.raises(SmtpError, match="offers no login without encryption: choose STARTTLS"):
        send_mail(world.db.session_factory, draft, world.li, password=SMTP_PASSWORD)
    assert count(world, EmailMessage) == 0


def test_unverified_certificate_is_a_tls_failure(world: World, smtps_server: SmtpServer) -> None:
    account_id = add_account(world, smtps_server, security="ssl")
    draft = Draft(account_id, ("a@b.example",), (), "x", "y")
    with pytest.raises(SmtpError) as caught:  # the system's CAs do not know the test CA
        send_mail(world.db.session_factory, draft, world.li, password=SMTP_PASSWORD)
    assert caught.value.reason == "tls"
    assert f"TLS failure with 127.0.0.1:{smtps_server.port}" in str(caught.value)
    assert "certificate could not be verified" in str(caught.value)
    assert count(world, EmailMessage) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused(world: World) -> None:
    port = free_port()
    account_id = add_account(world, None, port=port)
    draft = Draft(account_id, ("a@b.example",), (), "x", "y")
    with pytest.raises(SmtpError) as caught:
        send_mail(world.db.session_factory, draft, world.li, password="pw")
    assert str(caught.value) == f"Could not connect to 127.0.0.1:{port}: connection refused"
    assert caught.value.reason == "connect"
    assert count(world, EmailMessage) == 0


def test_silent_server_times_out(world: World) -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        account_id = add_account(world, None, port=port)
        draft = Draft(account_id, ("a@b.example",), (), "x", "y")
        with pytest.raises(SmtpError) as caught:
            send_mail(world.db.session_factory, draft, world.li, password="pw", timeout=0.5)
    assert caught.value.reason == "timeout"
    assert str(caught.value) == (
        f"The mail server 127.0.0.1:{port} did not answer in 0.5 s while connecting to it"
    )
    assert count(world, EmailMessage) == 0


def test_recipient_refused_names_the_recipient_and_sends_nothing(
    world: World, smtp_server: SmtpServer
) -> None:
    async def refuse_some(
        server: object, session: object, envelope: object, address: str, options: list[str]
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 OK"

    smtp_server.handler.handle_RCPT = refuse_some  # type: ignore[attr-defined]
    account_id = add_account(world, smtp_server)
    draft = Draft(account_id, ("ok@b.example", "nobody@b.example"), (), "x", "y")
    with pytest.raises(SmtpError) as caught:
        send_mail(
            world.db.session_factory,
            draft,
            world.li,
            password=SMTP_PASSWORD,
            ssl_context=smtp_server.ssl_context(),
        )
    assert caught.value.reason == "recipient"
    assert caught.value.recipient == "nobody@b.example"
    assert str(caught.value) == (
        "The mail server refused the recipient nobody@b.example "
        "(550 5.1.1 No such user here); nothing was sent"
    )
    assert smtp_server.messages == []
    assert count(world, EmailMessage) == 0


def test_bad_address_is_refused_before_connecting(world: World) -> None:
    account_id = add_account(world, None, port=free_port())
    draft = Draft(account_id, ("张伟 <zhang.wei@huawei>",), (), "x", "y")
    expected = re.escape("To: '张伟 <zhang.wei@huawei>' is not a valid")
    with pytest.raises(ValidationError, match=expected):
        send_mail(world.db.session_factory, draft, world.li, password="pw")


def test_reply_threads_with_the_original(world: World, smtp_server: SmtpServer) -> None:
    account_id = add_account(world, smtp_server)
    customer_id, zhang, _ming = customer_with_contacts(world)
    original = (
        "From: =?utf-8?b?5byg5Lyf?= <zhang.wei@huawei.example>\r\n"
        f"To: {LI_ADDRESS}, Li Ming <li.ming@huawei.example>\r\n"
        "Cc: boss@ourco.example\r\n"
        "Subject: =?utf-8?b?6K+i5Lu3?=\r\n"
        "Date: Mon, 02 Jun 2025 09:00:00 +0800\r\n"
        "Message-ID: <q2@huawei.example>\r\n"
        "In-Reply-To: <q1@ourco.example>\r\n"
        "References: <root@ourco.example> <q1@ourco.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "请报价 200 台。\r\n第二行\r\n"
    ).encode()
    with world.db.session_factory.begin() as s:
        stored = store_message(s, parse_eml(original), world.li, now=NOW)
    assert stored.customer_id == customer_id

    with world.db.session_factory() as s:
        draft = reply_draft(s, stored.email_id, world.li)
        everyone = reply_draft(s, stored.email_id, world.li, reply_all=True)
    assert draft.account_id == account_id
    assert draft.to == ("张伟 <zhang.wei@huawei.example>",)
    assert draft.cc == ()
    assert draft.subject == "Re: 询价"
    assert draft.customer_id == customer_id and draft.contact_id == zhang
    assert draft.in_reply_to_email_id == stored.email_id
    assert "zhang.wei@huawei.example> 写道：\n> 请报价 200 台。\n> 第二行\n" in draft.body
    assert draft.body.startswith("\n\n在 2025-06-02 ")  # the company speaks Chinese
    # Reply all: the other recipients, never one's own address, nobody twice.
    assert everyone.to == draft.to
    assert everyone.cc == ("Li Ming <li.ming@huawei.example>", "boss@ourco.example")

    result = send_mail(
        world.db.session_factory,
        replace(draft, body="好的，马上报价。" + draft.body),
        world.li,
        password=SMTP_PASSWORD,
        ssl_context=smtp_server.ssl_context(),
    )
    sent = parse_eml(smtp_server.messages[0].data)
    assert sent.in_reply_to == "<q2@huawei.example>"
    assert sent.references == ("<root@ourco.example>", "<q1@ourco.example>", "<q2@huawei.example>")
    with world.db.session_factory() as s:
        reply = s.get(EmailMessage, result.email_id)
        first = s.get(EmailMessage, stored.email_id)
        assert reply is not None and first is not None
        assert reply.thread_key == first.thread_key == "<root@ourco.example>"
        assert reply.in_reply_to == "<q2@huawei.example>"
        assert reply.direction == "out" and reply.customer_id == customer_id


def test_reply_to_own_sent_mail_goes_to_its_recipients(
    world: World, smtp_server: SmtpServer
) -> None:
    add_account(world, smtp_server)
    customer_id, _zhang, _ming = customer_with_contacts(world)
    with world.db.session_factory() as s:
        defaults = compose_defaults(s, customer_id, world.li)
    first = send_mail(
        world.db.session_factory,
        Draft(
            defaults.accounts[0].id,
            defaults.to,
            ("Li Ming <li.ming@huawei.example>",),
            "Offer",
            "Hello",
            customer_id=customer_id,
        ),
        world.li,
        password=SMTP_PASSWORD,
        ssl_context=smtp_server.ssl_context(),
    )
    with world.db.session_factory() as s:
        draft = reply_draft(s, first.email_id, world.li, reply_all=True)
    assert draft.to == ("张伟 <zhang.wei@huawei.example>",)
    assert draft.cc == ("Li Ming <li.ming@huawei.example>",)
    assert draft.subject == "Re: Offer"


def test_send_inside_the_callers_session(world: World, smtp_server: SmtpServer) -> None:
    account_id = add_account(world, smtp_server)
    customer_id, _zhang, _ming = customer_with_contacts(world)
    draft = Draft(account_id, ("zhang.wei@huawei.example",), (), "x", "y", customer_id=customer_id)
    with world.db.session_factory.begin() as s:
        with pytest.raises(SmtpError):
            send_mail(s, draft, world.li, password="wrong", ssl_context=smtp_server.ssl_context())
        assert s.scalar(select(func.count()).select_from(EmailMessage)) == 0
        result = send_mail(
            s, draft, world.li, password=SMTP_PASSWORD, ssl_context=smtp_server.ssl_context()
        )
    assert len(smtp_server.messages) == 1
    with world.db.session_factory() as s:
        followup = s.get(Followup, result.followup_id)
        assert followup is not None and followup.email_id == result.email_id


def test_without_a_customer_the_usual_rules_link(world: World, smtp_server: SmtpServer) -> None:
    account_id = add_account(world, smtp_server)
    customer_id, zhang, _ming = customer_with_contacts(world)
    result = send_mail(
        world.db.session_factory,
        Draft(account_id, ("zhang.wei@huawei.example",), (), "Hi", "y"),
        world.li,
        password=SMTP_PASSWORD,
        ssl_context=smtp_server.ssl_context(),
    )
    unknown = send_mail(
        world.db.session_factory,
        Draft(account_id, ("someone@elsewhere.example",), (), "Hi", "y"),
        world.li,
        password=SMTP_PASSWORD,
        ssl_context=smtp_server.ssl_context(),
    )
    assert unknown.followup_id is None
    with world.db.session_factory() as s:
        stored = s.get(EmailMessage, result.email_id)
        assert stored is not None and (stored.customer_id, stored.contact_id) == (
            customer_id,
            zhang,
        )
        assert result.followup_id is not None
        lone = s.get(EmailMessage, unknown.email_id)
        assert lone is not None and lone.customer_id is None and lone.owner_id == world.li.id


def test_only_own_accounts_and_editable_customers(world: World, smtp_server: SmtpServer) -> None:
    li_account = add_account(world, smtp_server)
    chen_account = add_account(
        world, smtp_server, user_id=world.chen.id, email="chen@ourco.example"
    )
    customer_id, _zhang, _ming = customer_with_contacts(world)
    draft = Draft(li_account, ("a@b.example",), (), "x", "y", customer_id=customer_id)
    with pytest.raises(PermissionDenied, match="only from your own mail accounts"):
        send_mail(world.db.session_factory, draft, world.chen, password=SMTP_PASSWORD)
    with pytest.raises(PermissionDenied):  # Guangzhou's Chen may not see Li's customer
        send_mail(
            world.db.session_factory,
            replace(draft, account_id=chen_account),
            world.chen,
            password=SMTP_PASSWORD,
        )
    assert smtp_server.messages == []
    with world.db.session_factory() as s:
        assert [a.id for a in sending_accounts(s, world.chen)] == [chen_account]


def test_compose_defaults(world: World) -> None:
    account_id = add_account(world, None)
    customer_id, zhang, ming = customer_with_contacts(world)
    with world.db.session_factory() as s:
        defaults = compose_defaults(s, customer_id, world.li)
        for_ming = compose_defaults(s, customer_id, world.li, contact_id=ming)
        nothing = compose_defaults(s, customer_id, world.manager)
    assert [a.id for a in defaults.accounts] == [account_id]
    assert defaults.accounts[0].label == f"工作邮箱 <{LI_ADDRESS}>"
    assert defaults.account_id == account_id
    assert defaults.customer_name == "华为技术有限公司"
    assert defaults.sender_name == "李娜"
    assert [(r.contact_id, r.text) for r in defaults.recipients] == [
        (zhang, "张伟 <zhang.wei@huawei.example>"),
        (ming, "Li Ming <li.ming@huawei.example>"),
    ]
    assert defaults.to == ("张伟 <zhang.wei@huawei.example>",)
    assert for_ming.to == ("Li Ming <li.ming@huawei.example>",)
    assert nothing.accounts == () and nothing.account_id is None


def test_an_address_of_someone_elses_customer_still_links_to_the_drafts(
    world: World, smtp_server: SmtpServer
) -> None:
    """The rules would link to Chen's customer (Li may not see it); the draft's customer wins."""
    account_id = add_account(world, smtp_server)
    customer_id, _zhang, _ming = customer_with_contacts(world)
    theirs = world.new_customer(world.chen, name="广州客户", owner_id=world.chen.id)
    with world.db.session_factory.begin() as s:
        add_contact(s, theirs, ContactInput(name="共用", email="shared@agent.example"), world.chen)
    result = send_mail(
        world.db.session_factory,
        Draft(account_id, ("shared@agent.example",), (), "x", "y", customer_id=customer_id),
        world.li,
        password=SMTP_PASSWORD,
        ssl_context=smtp_server.ssl_context(),
    )
    with world.db.session_factory() as s:
        stored = s.get(EmailMessage, result.email_id)
        assert stored is not None
        assert (stored.customer_id, stored.contact_id, stored.link_method) == (
            customer_id,
            None,
            "manual",
        )
        assert stored.owner_id == world.li.id
        followup = s.get(Followup, result.followup_id)
        assert followup is not None and followup.customer_id == customer_id
