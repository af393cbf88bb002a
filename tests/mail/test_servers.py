"""Smoke tests: the mail-server fixtures are real servers speaking verified TLS."""

from __future__ import annotations

import smtplib
import ssl

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.mail.servers import (
    SMTP_PASSWORD,
    SMTP_USER,
    ImapAccount,
    ReceivedMessage,
    SmtpServer,
)

RAW = (
    "From: =?UTF-8?B?5byg5LiJ?= <zhang@customer.example>\r\n"
    "To: sales@example.test\r\n"
    "Subject: =?UTF-8?B?5oql5Lu3?=\r\n"
    "Message-ID: <smoke-1@customer.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "您好，报价见附件。\r\n"
    ".a line that starts with a dot\r\n"
    "..and one with two\r\n"
).encode()


def _imap(account: ImapAccount, *, implicit_tls: bool) -> IMAPClient:
    server = account.server
    if implicit_tls:
        client = IMAPClient(
            server.host,
            port=server.imaps_port,
            ssl=True,
            ssl_context=server.ssl_context(),
            timeout=10,
        )
    else:
        client = IMAPClient(server.host, port=server.imap_port, ssl=False, timeout=10)
        client.starttls(server.ssl_context())
    return client


# --------------------------------------------------------------------------- IMAP


@pytest.mark.parametrize("implicit_tls", [False, True], ids=["starttls", "imaps"])
def test_imap_login_over_verified_tls(imap_account: ImapAccount, implicit_tls: bool) -> None:
    client = _imap(imap_account, implicit_tls=implicit_tls)
    try:
        assert isinstance(client.socket(), ssl.SSLSocket)
        assert client.socket().getpeercert() is not None  # verified against the test CA
        client.login(imap_account.user, imap_account.password)
        assert b"UIDPLUS" in client.capabilities()
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
    finally:
        client.logout()


def test_imaps_refuses_a_client_that_does_not_trust_the_test_ca(
    imap_account: ImapAccount,
) -> None:
    server = imap_account.server
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(
            server.host,
            port=server.imaps_port,
            ssl=True,
            ssl_context=ssl.create_default_context(),
            timeout=10,
        )


@pytest.mark.parametrize("implicit_tls", [False, True], ids=["starttls", "imaps"])
def test_imap_wrong_password_is_refused(imap_account: ImapAccount, implicit_tls: bool) -> None:
    client = _imap(imap_account, implicit_tls=implicit_tls)
    try:
        with pytest.raises(LoginError):
            client.login(imap_account.user, imap_account.password + "-wrong")
    finally:
        client.shutdown()


@pytest.mark.parametrize("folder", ["INBOX", "Sent"])
def test_delivered_bytes_are_fetched_unchanged(imap_account: ImapAccount, folder: str) -> None:
    server = imap_account.server
    uid = server.deliver(imap_account.user, RAW, folder)
    second = server.deliver(imap_account.user, b"Subject: two\r\n\r\nsecond\r\n", folder)
    assert second > uid
    client = server.client(imap_account.user)
    try:
        client.select_folder(folder, readonly=True)
        assert client.search() == [uid, second]
        fetched = client.fetch([uid], ["BODY.PEEK[]", "RFC822.SIZE"])[uid]
    finally:
        client.logout()
    assert fetched[b"BODY[]"] == RAW
    assert fetched[b"RFC822.SIZE"] == len(RAW)


def test_uidvalidity_changes_when_forced(imap_account: ImapAccount) -> None:
    server, user = imap_account.server, imap_account.user
    server.deliver(user, RAW)
    before = server.uidvalidity(user)
    after = server.change_uidvalidity(user)
    assert after != before
    assert server.uidvalidity(user) == after
    client = server.client(user)
    try:
        selected = client.select_folder("INBOX", readonly=True)
        assert selected[b"UIDVALIDITY"] == after
        assert selected[b"EXISTS"] == 1  # the message is still there, under the new validity
    finally:
        client.logout()

    server.deliver(user, RAW, "Sent")
    sent_before = server.uidvalidity(user, "Sent")
    sent_after = server.recreate_folder(user, "Sent")
    assert sent_after != sent_before
    assert server.uidvalidity(user, "Sent") == sent_after


def test_kicked_connection_raises_on_the_next_command(imap_account: ImapAccount) -> None:
    server, user = imap_account.server, imap_account.user
    server.deliver(user, RAW)
    client = server.client(user)
    try:
        client.select_folder("INBOX")
        client.noop()
        server.kick(user)
        with pytest.raises((IMAPClient.AbortError, OSError)):
            client.noop()
    finally:
        client.shutdown()
    # The server itself is fine: a new connection resumes where the old one stopped.
    again = server.client(user)
    try:
        assert again.select_folder("INBOX")[b"EXISTS"] == 1
    finally:
        again.logout()


# --------------------------------------------------------------------------- SMTP

SMTP_VARIANTS = ["smtp_server", "smtps_server"]


def _smtp(server: SmtpServer) -> smtplib.SMTP:
    if server.implicit_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            server.host, server.port, context=server.ssl_context(), timeout=10
        )
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=10)
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.has_extn("auth"), "AUTH must not be offered before STARTTLS"
        client.starttls(context=server.ssl_context())
    client.ehlo()
    assert isinstance(client.sock, ssl.SSLSocket)
    return client


@pytest.mark.parametrize("variant", SMTP_VARIANTS)
def test_smtp_auth_and_send_over_verified_tls(request: pytest.FixtureRequest, variant: str) -> None:
    server: SmtpServer = request.getfixturevalue(variant)
    with _smtp(server) as client:
        client.login(SMTP_USER, SMTP_PASSWORD)
        refused = client.sendmail(
            "sales@example.test", ["zhang@customer.example", "li@customer.example"], RAW
        )
    assert refused == {}
    assert server.messages == [
        ReceivedMessage(
            mail_from="sales@example.test",
            rcpt_tos=("zhang@customer.example", "li@customer.example"),
            data=RAW,
            login=SMTP_USER,
            tls=True,
        )
    ]


@pytest.mark.parametrize("variant", SMTP_VARIANTS)
def test_smtp_wrong_password_is_refused(request: pytest.FixtureRequest, variant: str) -> None:
    server: SmtpServer = request.getfixturevalue(variant)
    with _smtp(server) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login(SMTP_USER, SMTP_PASSWORD + "-wrong")
        with pytest.raises(smtplib.SMTPSenderRefused):  # no mail without a login
            client.sendmail("sales@example.test", ["zhang@customer.example"], RAW)
    assert server.messages == []


def test_smtps_refuses_a_client_that_does_not_trust_the_test_ca(
    smtps_server: SmtpServer,
) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        smtplib.SMTP_SSL(
            smtps_server.host,
            smtps_server.port,
            context=ssl.create_default_context(),
            timeout=10,
        )
