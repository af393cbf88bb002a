"""IMAP sync against a real Dovecot on real SQLite and PostgreSQL: INBOX and Sent stored and
linked, only new mail fetched, a new UIDVALIDITY walked again without duplicates or downloads,
a dropped connection resumed, a cancel keeping the committed batches, clear errors; and the
``crm-desktop mail sync`` / ``mail accounts`` command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from email.mime.text import MIMEText
from email.utils import formatdate

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import func, select

from crm_desktop.core.errors import OperationCancelled
from crm_desktop.core.progress import ProgressState
from crm_desktop.db.models import AuditLog, EmailMessage, MailFolderState
from crm_desktop.mail.imap import ImapError, ImapFolder, sent_folder
from crm_desktop.services.context import Actor
from crm_desktop.services.database import open_database
from crm_desktop.services.mail_accounts import MailAccountInput, save_mail_account
from crm_desktop.services.mail_sync import SyncResult, check_connection, sync_account
from tests.db.customer_world import World, open_world
from tests.mail.servers import Dovecot, ImapAccount, free_port

CUSTOMER_ADDRESS = "zhang@customer.example"
OWN_ADDRESS = "li@ourco.example"


class _NoKeyring(fail.Keyring):
    """Tests never read or write the user's real keyring."""


@pytest.fixture(autouse=True)
def no_real_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(_NoKeyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


@pytest.fixture
def sqlite_world(sqlite_url: str) -> Iterator[World]:
    yield from open_world(sqlite_url)


def eml(n: int, *, frm: str = "stranger@nowhere.example", to: str = OWN_ADDRESS) -> bytes:
    msg = MIMEText(f"第 {n} 封信。", "plain", "utf-8")
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = f"询价 {n}"
    msg["Date"] = formatdate(1_715_000_000 + n * 60)
    msg["Message-ID"] = f"<sync-{n}@nowhere.example>"
    return msg.as_bytes()


def bomb(depth: int = 40) -> bytes:
    """Multiparts nested deeper than the parser's limit: refused as a mail bomb."""
    head = b"From: bomb@nowhere.example\r\nTo: li@ourco.example\r\nSubject: bomb\r\n"
    head += b"Message-ID: <bomb@nowhere.example>\r\nMIME-Version: 1.0\r\n"
    body = b"x\r\n"
    for level in range(depth, 0, -1):
        boundary = f"b{level}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary="
            + boundary
            + b"\r\n\r\n--"
            + boundary
            + b"\r\n"
            + body
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )
    return head + body


def add_account(
    world: World,
    imap_account: ImapAccount,
    *,
    owner: Actor | None = None,
    security: str = "ssl",
    name: str = "Work",
) -> int:
    server = imap_account.server
    with world.db.session_factory.begin() as session:
        row = save_mail_account(
            session,
            MailAccountInput(
                name=name,
                email_address=OWN_ADDRESS,
                username=imap_account.user,
                imap_host=server.host,
                imap_port=server.imaps_port if security == "ssl" else server.imap_port,
                imap_security=security,
                smtp_host=server.host,
                smtp_port=2525,
                smtp_security="starttls",
            ),
            owner or world.li,
        )
    return row.id


def sync(
    world: World,
    imap_account: ImapAccount,
    account_id: int,
    *,
    actor: Actor | None = None,
    progress: ProgressState | None = None,
    batch_size: int = 200,
) -> SyncResult:
    return sync_account(
        world.db.session_factory,
        account_id,
        actor or world.li,
        password=imap_account.password,
        progress=progress,
        batch_size=batch_size,
        timeout=10,
        ssl_context=imap_account.server.ssl_context(),
    )


def folder(result: SyncResult, name: str) -> dict[str, object]:
    (found,) = [f for f in result.folders if f.folder == name]
    return {
        "fetched": found.fetched,
        "stored": found.stored,
        "duplicates": found.duplicates,
        "linked": found.linked,
        "unlinked": found.unlinked,
        "reset": found.uidvalidity_reset,
    }


def stored(world: World) -> list[tuple[str, str | None, int | None, str]]:
    with world.db.read_session_factory() as session:
        return [
            (m, f, u, d)
            for m, f, u, d in session.execute(
                select(
                    EmailMessage.message_id,
                    EmailMessage.folder,
                    EmailMessage.uid,
                    EmailMessage.direction,
                ).order_by(EmailMessage.id)
            )
        ]


def message_ids(world: World) -> list[str]:
    return [m for m, _f, _u, _d in stored(world)]


# --------------------------------------------------------------------------- service


def test_first_sync_stores_inbox_and_sent_and_links_customer_mail(
    world: World, imap_account: ImapAccount
) -> None:
    server = imap_account.server
    customer_id = world.new_customer(world.li, name="张氏贸易", email=CUSTOMER_ADDRESS)
    server.deliver(imap_account.user, eml(1, frm=CUSTOMER_ADDRESS))
    server.deliver(imap_account.user, eml(2))
    server.deliver(imap_account.user, eml(3, frm=OWN_ADDRESS, to=CUSTOMER_ADDRESS), "Sent")
    account_id = add_account(world, imap_account)
    reports: list[tuple[int, int | None]] = []

    result = sync(
        world,
        imap_account,
        account_id,
        progress=ProgressState(lambda d, t, _l: reports.append((d, t))),
    )

    assert [f.folder for f in result.folders] == ["INBOX", "Sent"]
    assert folder(result, "INBOX") == {
        "fetched": 2,
        "stored": 2,
        "duplicates": 0,
        "linked": 1,
        "unlinked": 1,
        "reset": False,
    }
    assert folder(result, "Sent")["stored"] == 1 and folder(result, "Sent")["linked"] == 1
    assert result.reconnects == 0 and result.problems == ()
    assert reports[0] == (0, 3) and reports[-1] == (3, 3)
    with world.db.read_session_factory() as session:
        rows = {
            m.message_id: m for m in session.scalars(select(EmailMessage).order_by(EmailMessage.id))
        }
        first, sent = rows["<sync-1@nowhere.example>"], rows["<sync-3@nowhere.example>"]
        assert (first.customer_id, first.link_method, first.direction) == (
            customer_id,
            "address",
            "in",
        )
        assert (first.account_id, first.folder, first.uid) == (account_id, "INBOX", 1)
        assert (sent.direction, sent.folder, sent.customer_id) == ("out", "Sent", customer_id)
        assert rows["<sync-2@nowhere.example>"].owner_id == world.li.id  # li's unlinked queue
        states = {
            s.folder: (s.last_uid, s.uidvalidity is not None, s.synced_at is not None)
            for s in session.scalars(select(MailFolderState))
        }
        assert states == {"INBOX": (2, True, True), "Sent": (1, True, True)}
        audits = list(session.scalars(select(AuditLog).where(AuditLog.action == "mail.sync")))
        assert len(audits) == 1 and audits[0].entity_id == account_id
        assert audits[0].detail["outcome"] == "completed"
        assert imap_account.password not in json.dumps(audits[0].detail)


def test_new_mail_fetches_only_the_new_messages(world: World, imap_account: ImapAccount) -> None:
    server = imap_account.server
    for n in (1, 2):
        server.deliver(imap_account.user, eml(n))
    account_id = add_account(world, imap_account)
    assert folder(sync(world, imap_account, account_id), "INBOX")["stored"] == 2

    server.deliver(imap_account.user, eml(3))
    again = sync(world, imap_account, account_id)
    assert folder(again, "INBOX") == {
        "fetched": 1,
        "stored": 1,
        "duplicates": 0,
        "linked": 0,
        "unlinked": 1,
        "reset": False,
    }
    assert folder(sync(world, imap_account, account_id), "INBOX")["fetched"] == 0
    assert sorted(message_ids(world)) == [f"<sync-{n}@nowhere.example>" for n in (1, 2, 3)]


def test_a_new_uidvalidity_walks_the_folder_again_without_duplicates_or_downloads(
    world: World, imap_account: ImapAccount
) -> None:
    server = imap_account.server
    for n in (1, 2, 3):
        server.deliver(imap_account.user, eml(n))
    account_id = add_account(world, imap_account)
    sync(world, imap_account, account_id)
    new_validity = server.change_uidvalidity(imap_account.user)
    server.deliver(imap_account.user, eml(4))

    result = sync(world, imap_account, account_id)

    assert folder(result, "INBOX") == {
        "fetched": 1,  # only the new message's body: the others are known by Message-ID
        "stored": 1,
        "duplicates": 3,
        "linked": 0,
        "unlinked": 1,
        "reset": True,
    }
    assert len(message_ids(world)) == len(set(message_ids(world))) == 4
    with world.db.read_session_factory() as session:
        state = session.scalar(select(MailFolderState).where(MailFolderState.folder == "INBOX"))
        assert state is not None and (state.uidvalidity, state.last_uid) == (new_validity, 4)
    assert folder(sync(world, imap_account, account_id), "INBOX")["reset"] is False


def test_a_dropped_connection_reconnects_and_every_message_arrives_once(
    world: World, imap_account: ImapAccount
) -> None:
    server = imap_account.server
    for n in range(1, 8):
        server.deliver(imap_account.user, eml(n))
    account_id = add_account(world, imap_account)
    kicked: list[int] = []

    def on_report(done: int, _total: int | None, _label: str | None) -> None:
        if done and not kicked:
            kicked.append(done)
            server.kick(imap_account.user)  # as a flaky network would, mid-sync

    result = sync(world, imap_account, account_id, progress=ProgressState(on_report), batch_size=2)

    assert kicked == [2]
    assert result.reconnects == 1
    assert folder(result, "INBOX")["stored"] == 7
    assert folder(result, "INBOX")["fetched"] == 7  # nothing downloaded twice
    ids = message_ids(world)
    assert len(ids) == len(set(ids)) == 7
    assert sorted(u for _m, _f, u, _d in stored(world)) == list(range(1, 8))


def test_a_cancel_after_a_batch_keeps_it_and_the_next_sync_completes(
    world: World, imap_account: ImapAccount
) -> None:
    server = imap_account.server
    for n in range(1, 6):
        server.deliver(imap_account.user, eml(n))
    account_id = add_account(world, imap_account)
    states: list[ProgressState] = []

    def on_report(done: int, _total: int | None, _label: str | None) -> None:
        if done >= 2:
            states[0].cancel()

    progress = ProgressState(on_report)
    states.append(progress)
    with pytest.raises(OperationCancelled):
        sync(world, imap_account, account_id, progress=progress, batch_size=2)
    assert len(message_ids(world)) == 2
    with world.db.read_session_factory() as session:
        assert session.scalar(select(MailFolderState.last_uid)) == 2
        outcomes = [
            a.detail["outcome"]
            for a in session.scalars(select(AuditLog).where(AuditLog.action == "mail.sync"))
        ]
    assert outcomes == ["cancelled"]

    result = sync(world, imap_account, account_id, batch_size=2)
    assert folder(result, "INBOX")["stored"] == 3 and folder(result, "INBOX")["fetched"] == 3
    assert len(set(message_ids(world))) == 5


def test_a_mail_bomb_becomes_a_problem_and_the_rest_is_stored(
    sqlite_world: World, imap_account: ImapAccount
) -> None:
    world = sqlite_world
    server = imap_account.server
    server.deliver(imap_account.user, eml(1))
    server.deliver(imap_account.user, bomb())
    server.deliver(imap_account.user, eml(3))
    account_id = add_account(world, imap_account)

    result = sync(world, imap_account, account_id)

    assert folder(result, "INBOX")["stored"] == 2
    (problem,) = result.problems
    assert problem.path == "Work/INBOX" and problem.index == 2
    assert "mail bomb" in problem.reason
    assert folder(sync(world, imap_account, account_id), "INBOX")["fetched"] == 0


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_ssl_and_starttls_both_sync(
    sqlite_world: World, imap_account: ImapAccount, security: str
) -> None:
    imap_account.server.deliver(imap_account.user, eml(1))
    account_id = add_account(sqlite_world, imap_account, security=security)
    result = sync(sqlite_world, imap_account, account_id)
    assert folder(result, "INBOX")["stored"] == 1


def test_a_wrong_password_is_one_clear_user_error(
    sqlite_world: World, imap_account: ImapAccount
) -> None:
    account_id = add_account(sqlite_world, imap_account)
    with pytest.raises(ImapError) as caught:
        sync_account(
            sqlite_world.db.session_factory,
            account_id,
            sqlite_world.li,
            password="not-the-password",
            timeout=10,
            ssl_context=imap_account.server.ssl_context(),
        )
    assert caught.value.auth
    text = str(caught.value)
    assert text.startswith(f"The IMAP server {imap_account.host}:") and "refused the login" in text
    assert "\n" not in text and "not-the-password" not in text
    with sqlite_world.db.read_session_factory() as session:
        (audit,) = session.scalars(select(AuditLog).where(AuditLog.action == "mail.sync"))
        assert audit.detail["outcome"] == "failed"


def test_unreachable_server_and_untrusted_certificate_say_what_failed(
    imap_account: ImapAccount,
) -> None:
    port = free_port()
    with pytest.raises(ImapError, match=rf"^Could not connect to 127\.0\.0\.1:{port}: "):
        check_connection("127.0.0.1", port, "ssl", "u", "p", timeout=5)
    server = imap_account.server
    with pytest.raises(ImapError, match="certificate is not trusted"):
        check_connection(server.host, server.imaps_port, "ssl", "u", "p", timeout=5)
    check = check_connection(
        server.host,
        server.imap_port,
        "starttls",
        imap_account.user,
        imap_account.password,
        ssl_context=server.ssl_context(),
    )
    assert check.folders >= 1


def test_another_users_account_cannot_be_synced(
    sqlite_world: World, imap_account: ImapAccount
) -> None:
    from crm_desktop.core.errors import NotFound

    account_id = add_account(sqlite_world, imap_account)
    with pytest.raises(NotFound):
        sync(sqlite_world, imap_account, account_id, actor=sqlite_world.wang)
    result = sync(sqlite_world, imap_account, account_id, actor=sqlite_world.admin)
    assert result.account_id == account_id


def test_the_sent_folder_is_found_by_special_use_then_by_name() -> None:
    def folders(*items: tuple[str, tuple[str, ...]]) -> list[ImapFolder]:
        return [ImapFolder(name, flags, "/") for name, flags in items]

    assert sent_folder(folders(("INBOX", ()), ("Gesendet", ("\\Sent",)), ("Sent", ()))) == (
        "Gesendet"
    )
    assert sent_folder(folders(("INBOX", ()), ("sent items", ()))) == "sent items"
    assert sent_folder(folders(("INBOX", ()), ("已发送", ()))) == "已发送"
    assert sent_folder(folders(("INBOX", ()), ("Drafts", ("\\Drafts",)))) is None


def test_a_sent_folder_with_a_chinese_name_syncs_as_outgoing(
    sqlite_world: World, imap_account: ImapAccount
) -> None:
    imap_account.server.deliver(imap_account.user, eml(5, frm=OWN_ADDRESS), "已发送")
    account_id = add_account(sqlite_world, imap_account)
    result = sync(sqlite_world, imap_account, account_id)
    assert folder(result, "已发送")["stored"] == 1
    assert stored(sqlite_world) == [("<sync-5@nowhere.example>", "已发送", 1, "out")]


# --------------------------------------------------------------------------- command line


def crm(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_desktop.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        check=False,
    )


@pytest.fixture
def cli_env(dovecot: Dovecot) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # never the real keyring
    env["SSL_CERT_FILE"] = str(dovecot.ca_path)
    env.pop("CRM_MAIL_PASSWORD", None)
    return env


def test_cli_adds_lists_syncs_and_removes_an_account(
    sqlite_url: str, imap_account: ImapAccount, cli_env: dict[str, str]
) -> None:
    server = imap_account.server
    for _w in open_world(sqlite_url):
        pass  # the company, its users and grades
    server.deliver(imap_account.user, eml(1))
    server.deliver(imap_account.user, eml(2, frm=OWN_ADDRESS), "Sent")
    where = ("--database", sqlite_url)
    add = crm(
        "mail", "accounts", "add", "--name", "Work", "--email", OWN_ADDRESS,
        "--user", imap_account.user, "--owner", "li",
        "--imap-host", server.host, "--imap-port", str(server.imap_port),
        "--imap-security", "starttls", "--json", *where,
        env=cli_env,
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    no_keyring = crm(
        "mail", "accounts", "add", "--name", "Other", "--email", OWN_ADDRESS,
        "--imap-host", server.host, "--password-stdin", *where,
        env=cli_env, stdin="secret\n",
    )  # fmt: skip
    assert no_keyring.returncode == 1
    assert no_keyring.stderr.count("\n") == 1 and "No keyring" in no_keyring.stderr
    added = json.loads(add.stdout)
    assert added["owner"] == "li" and added["has_password"] is False
    listed = json.loads(crm("mail", "accounts", "list", "--json", *where, env=cli_env).stdout)
    assert [a["name"] for a in listed["accounts"]] == ["Work"]

    no_password = crm("mail", "sync", *where, env=cli_env, stdin="")
    assert no_password.returncode == 1
    assert no_password.stderr.count("\n") == 1 and "No password for mail account" in (
        no_password.stderr
    )

    env = {**cli_env, "CRM_MAIL_PASSWORD": imap_account.password}
    out = crm("mail", "sync", "--account", "work", "--json", *where, env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result) >= {"accounts", "problems", "elapsed_ms"}
    (account,) = result["accounts"]
    assert account["name"] == "Work"
    assert account["folders"] == [
        {
            "folder": "INBOX",
            "fetched": 1,
            "stored": 1,
            "duplicates": 0,
            "linked": 0,
            "unlinked": 1,
            "uidvalidity_reset": False,
        },
        {
            "folder": "Sent",
            "fetched": 1,
            "stored": 1,
            "duplicates": 0,
            "linked": 0,
            "unlinked": 1,
            "uidvalidity_reset": False,
        },
    ]
    text = crm("mail", "sync", *where, env=env)
    assert text.returncode == 0, text.stderr
    assert "INBOX: 0 new" in text.stdout

    wrong = crm("mail", "sync", *where, env={**cli_env, "CRM_MAIL_PASSWORD": "nope"})
    assert wrong.returncode == 1
    assert wrong.stderr.count("\n") == 1 and "refused the login" in wrong.stderr

    removed = crm("mail", "accounts", "remove", "Work", *where, env=cli_env)
    assert removed.returncode == 0, removed.stderr
    listed = json.loads(crm("mail", "accounts", "list", "--json", *where, env=cli_env).stdout)
    assert listed["accounts"] == []
    db = open_database(sqlite_url)
    try:
        with db.read_session_factory() as session:
            assert session.scalar(select(func.count()).select_from(EmailMessage)) == 2
            assert session.scalar(select(func.count()).select_from(MailFolderState)) == 0
    finally:
        db.dispose()
