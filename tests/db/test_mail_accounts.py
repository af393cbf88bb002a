"""Mail accounts on real SQLite and PostgreSQL: each user sees and edits only their own,
administrators all; validation, stale versions, audit without passwords, deletion keeping the
mail, and passwords in the keyring only (an in-process keyring backend, never the user's)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from crm_desktop.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from crm_desktop.db.models import AuditLog, EmailMessage, MailAccount, MailFolderState
from crm_desktop.mail.parse import parse_eml
from crm_desktop.services.mail_accounts import (
    MailAccountInput,
    delete_mail_account,
    get_mail_account,
    get_mail_account_by_name,
    list_mail_accounts,
    password_key,
    save_mail_account,
    store_password,
    stored_password,
)
from crm_desktop.services.mail_store import store_message
from tests.db.customer_world import World, open_world
from tests.keyrings import MemoryKeyring


@pytest.fixture
def world(db_url: str, memory_keyring: MemoryKeyring) -> Iterator[World]:
    yield from open_world(db_url)


WORK = MailAccountInput(
    name="Work",
    email_address="Li@OurCo.example",
    imap_host="imap.ourco.example",
    imap_security="ssl",
    smtp_host="smtp.ourco.example",
    smtp_security="starttls",
)


def test_a_user_adds_an_account_with_usual_ports_and_sees_only_their_own(world: World) -> None:
    with world.db.session_factory.begin() as s:
        li = save_mail_account(s, WORK, world.li)
        wang = save_mail_account(s, replace(WORK, email_address="wang@ourco.example"), world.wang)
    assert (li.user_id, li.email_address, li.username) == (
        world.li.id,
        "li@ourco.example",
        "li@ourco.example",
    )
    assert (li.imap_port, li.smtp_port, li.version, li.has_password) == (993, 587, 1, False)
    assert li.last_synced_at is None and li.user_login == "li"
    with world.db.read_session_factory() as s:
        assert [r.id for r in list_mail_accounts(s, world.li)] == [li.id]
        assert [r.id for r in list_mail_accounts(s, world.wang)] == [wang.id]
        assert {r.id for r in list_mail_accounts(s, world.admin, all_users=True)} == {
            li.id,
            wang.id,
        }
        with pytest.raises(PermissionDenied):
            list_mail_accounts(s, world.manager, all_users=True)
        with pytest.raises(NotFound):
            get_mail_account(s, li.id, world.wang)
        with pytest.raises(NotFound):
            get_mail_account_by_name(s, "work", world.manager)
        assert get_mail_account_by_name(s, " WORK ", world.li).id == li.id
        assert get_mail_account(s, li.id, world.admin).id == li.id


def test_another_user_may_not_edit_or_delete_but_an_admin_may(world: World) -> None:
    with world.db.session_factory.begin() as s:
        row = save_mail_account(s, WORK, world.li)
    with world.db.session_factory.begin() as s:
        with pytest.raises(NotFound):
            save_mail_account(s, WORK, world.wang, account_id=row.id, version=row.version)
        with pytest.raises(NotFound):
            delete_mail_account(s, row.id, world.wang)
        with pytest.raises(PermissionDenied):
            save_mail_account(s, WORK, world.wang, user_id=world.li.id)
    with world.db.session_factory.begin() as s:
        renamed = save_mail_account(
            s, replace(WORK, name="Office"), world.admin, account_id=row.id, version=1
        )
    assert (renamed.name, renamed.version, renamed.user_id) == ("Office", 2, world.li.id)


def test_a_stale_version_is_a_conflict_and_nothing_is_overwritten(world: World) -> None:
    with world.db.session_factory.begin() as s:
        row = save_mail_account(s, WORK, world.li)
    with world.db.session_factory.begin() as s:
        save_mail_account(s, replace(WORK, imap_port=1993), world.li, account_id=row.id, version=1)
    with (
        world.db.session_factory.begin() as s,
        pytest.raises(ConflictError, match="Somebody else changed this mail account"),
    ):
        save_mail_account(s, replace(WORK, name="Mine"), world.li, account_id=row.id, version=1)
    with world.db.read_session_factory() as s:
        now = get_mail_account(s, row.id, world.li)
    assert (now.name, now.imap_port, now.version) == ("Work", 1993, 2)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "  "}, "name"),
        ({"email_address": "not an address"}, "email_address"),
        ({"imap_security": "tls"}, "imap_security"),
        ({"imap_port": 0}, "imap_port"),
        ({"smtp_port": 70000}, "smtp_port"),
        ({"imap_host": "bad host name"}, "imap_host"),
        ({"imap_host": None, "smtp_host": ""}, "imap_host"),
    ],
)
def test_bad_input_is_refused_beside_the_field(
    world: World, change: dict[str, object], field: str
) -> None:
    with world.db.session_factory.begin() as s, pytest.raises(ValidationError) as caught:
        save_mail_account(s, replace(WORK, **change), world.li)  # type: ignore[arg-type]
    assert field in caught.value.fields


def test_names_are_unique_per_user(world: World) -> None:
    with world.db.session_factory.begin() as s:
        save_mail_account(s, WORK, world.li)
        save_mail_account(s, WORK, world.wang)  # another user's "Work" is fine
    with world.db.session_factory.begin() as s, pytest.raises(ValidationError, match="already"):
        save_mail_account(s, replace(WORK, name="work"), world.li)
    with world.db.read_session_factory() as s, pytest.raises(ValidationError, match="2 mail"):
        get_mail_account_by_name(s, "Work", world.admin)  # the admin owns none of them


def test_changes_are_audited_without_any_password(
    world: World, memory_keyring: MemoryKeyring
) -> None:
    with world.db.session_factory.begin() as s:
        row = save_mail_account(s, WORK, world.li)
        assert store_password(s, row.id, "imap-secret-xyz")
        save_mail_account(
            s, replace(WORK, smtp_port=2525), world.li, account_id=row.id, version=row.version
        )
        delete_mail_account(s, row.id, world.li)
    with world.db.read_session_factory() as s:
        audits = list(
            s.scalars(
                select(AuditLog).where(AuditLog.entity == "mail_account").order_by(AuditLog.id)
            )
        )
    assert [a.action for a in audits] == [
        "mail_account.create",
        "mail_account.update",
        "mail_account.delete",
    ]
    assert audits[1].detail == {"smtp_port": [587, 2525]}
    assert "imap-secret-xyz" not in json.dumps([a.detail for a in audits])
    assert memory_keyring.store == {}  # deleting the account forgot its password


def test_the_password_lives_in_the_keyring_under_the_database_and_account(
    world: World, memory_keyring: MemoryKeyring
) -> None:
    with world.db.session_factory.begin() as s:
        row = save_mail_account(s, WORK, world.li)
        assert stored_password(s, row.id) is None
        assert store_password(s, row.id, "imap-secret-xyz")
        assert stored_password(s, row.id) == "imap-secret-xyz"
        again = get_mail_account(s, row.id, world.li)
    assert again.has_password and not row.has_password
    assert memory_keyring.store == {("crm-desktop", again.password_key): "imap-secret-xyz"}
    assert again.password_key == password_key(world.db.url, row.id)
    with world.db.read_session_factory() as s:
        columns = s.execute(select(MailAccount)).scalar_one()
        assert "imap-secret-xyz" not in repr(
            {c.key: getattr(columns, c.key) for c in MailAccount.__table__.columns}
        )


def test_password_keys_ignore_the_database_password_and_driver() -> None:
    one = password_key("postgresql+psycopg://li:secret@db.example:5432/crm", 7)
    two = password_key("postgresql://li@db.example:5432/crm", 7)
    assert one == two == "mail-account:7@postgresql://li@db.example:5432/crm"
    assert password_key("postgresql://li@db.example:5432/crm", 8) != one
    assert "secret" not in one


def test_deleting_an_account_keeps_its_mail_and_drops_its_sync_state(world: World) -> None:
    raw = b"From: a@b.example\r\nTo: li@ourco.example\r\nMessage-ID: <keep@b>\r\n\r\nhi\r\n"
    with world.db.session_factory.begin() as s:
        row = save_mail_account(s, WORK, world.li)
        store_message(s, parse_eml(raw), world.li, account_id=row.id, folder="INBOX", uid=1)
        s.add(MailFolderState(account_id=row.id, folder="INBOX", uidvalidity=5, last_uid=1))
    with world.db.session_factory.begin() as s:
        delete_mail_account(s, row.id, world.li)
    with world.db.read_session_factory() as s:
        message = s.execute(select(EmailMessage)).scalar_one()
        assert (message.message_id, message.account_id, message.folder) == (
            "<keep@b>",
            None,
            "INBOX",
        )
        assert s.scalars(select(MailFolderState)).all() == []
        assert s.scalars(select(MailAccount)).all() == []
