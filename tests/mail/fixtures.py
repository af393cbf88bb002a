"""Fixtures with real mail servers: Dovecot for IMAP, aiosmtpd for SMTP (see ``servers``); every
test package gets them through ``tests/conftest.py``.

Missing servers skip the test and say why; with ``CRM_REQUIRE_MAIL_SERVERS=1`` (CI) that skip is
a failure, as ``CRM_REQUIRE_POSTGRES=1`` does for PostgreSQL.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from typing import NoReturn

import pytest

from tests.conftest import _timings
from tests.mail.servers import (
    SMTP_PASSWORD,
    SMTP_USER,
    Certificates,
    Dovecot,
    ImapAccount,
    MailServerError,
    SmtpServer,
    dovecot_available,
    make_certificates,
    smtp_available,
    start_dovecot,
    start_smtp,
)

_imap_users = itertools.count(1)


def mail_servers_unavailable(reason: str) -> NoReturn:
    """Skip a mail-server test, or fail it when CI demands the servers."""
    if os.environ.get("CRM_REQUIRE_MAIL_SERVERS") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def mail_certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A throwaway CA and a server certificate for 127.0.0.1/localhost, shared by both servers."""
    return make_certificates(tmp_path_factory.mktemp("mail-tls"))


@pytest.fixture(scope="session")
def dovecot(mail_certs: Certificates) -> Iterator[Dovecot]:
    """A Dovecot of the session: IMAP (STARTTLS allowed) and IMAPS on free 127.0.0.1 ports."""
    reason = dovecot_available()
    if reason is not None:
        mail_servers_unavailable(reason)
    started = time.monotonic()
    try:
        server = start_dovecot(mail_certs)
    except MailServerError as exc:
        mail_servers_unavailable(str(exc))
    _timings["Dovecot test server start"] = time.monotonic() - started
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def imap_account(dovecot: Dovecot) -> ImapAccount:
    number = next(_imap_users)
    user, password = f"user{number}@example.test", f"imap-secret-{number}"
    dovecot.add_user(user, password)
    return ImapAccount(server=dovecot, user=user, password=password)


def _smtp(certs: Certificates, *, implicit_tls: bool) -> Iterator[SmtpServer]:
    reason = smtp_available()
    if reason is not None:
        mail_servers_unavailable(reason)
    started = time.monotonic()
    try:
        server = start_smtp(
            certs, implicit_tls=implicit_tls, user=SMTP_USER, password=SMTP_PASSWORD
        )
    except MailServerError as exc:
        mail_servers_unavailable(str(exc))
    label = "SMTPS" if implicit_tls else "SMTP+STARTTLS"
    _timings[f"aiosmtpd {label} test server start (last)"] = time.monotonic() - started
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server(mail_certs: Certificates) -> Iterator[SmtpServer]:
    """aiosmtpd on plain SMTP offering STARTTLS; AUTH PLAIN/LOGIN only after STARTTLS."""
    yield from _smtp(mail_certs, implicit_tls=False)


@pytest.fixture
def smtps_server(mail_certs: Certificates) -> Iterator[SmtpServer]:
    """aiosmtpd on implicit TLS (SMTPS) with AUTH PLAIN/LOGIN."""
    yield from _smtp(mail_certs, implicit_tls=True)
