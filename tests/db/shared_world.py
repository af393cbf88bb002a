"""A Shared-mode PostgreSQL company for the role-model tests: ``server_init`` on an empty
database, then an admin, a manager and two salespeople in branch HQ, one salesperson in branch
B2, each owning customers with contacts, follow-ups, mail (linked and unlinked), attachments,
ownership history, an import batch and a mail account, plus pool customers.

Roles are cluster-wide: every login carries this world's unique suffix. ``connect(who)`` opens
a raw psycopg connection *as* that login with its password, the way psql would.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from crm_desktop.services.server import ServerInitResult, server_init

PASSWORD = "shared-world-pw"
PEOPLE = ("admin", "manager", "sales1", "sales2", "sales3")
# Every table whose rows belong to somebody, with how to find the owner of a row.
OWNED_TABLES = (
    "customer",
    "contact",
    "followup",
    "email_message",
    "attachment",
    "ownership_change",
    "mail_account",
    "mail_folder_state",
    "import_batch",
    "audit_log",
)
_numbers = itertools.count(1)


@dataclass
class SharedWorld:
    url: str  # the bootstrap superuser's URL
    logins: dict[str, str]  # person ("sales1") → login role name
    user_ids: dict[str, int]
    branches: dict[str, int]  # "HQ", "B2"
    init: ServerInitResult
    # person → table → ids of the rows that person owns
    owned: dict[str, dict[str, set[int]]] = field(default_factory=dict)
    pool: dict[str, set[int]] = field(default_factory=dict)  # table → ids of pool rows
    password: str = PASSWORD

    def login_url(self, who: str) -> str:
        """A SQLAlchemy URL (without password) for ``who``'s login."""
        return make_url(self.url).set(username=self.logins[who]).render_as_string()

    def connect(self, who: str, *, autocommit: bool = True) -> psycopg.Connection[Any]:
        """A raw connection as ``who`` (a person of this world) with their password."""
        url = make_url(self.url)
        return psycopg.connect(
            host=url.host,
            port=url.port,
            dbname=url.database,
            user=self.logins[who],
            password=self.password,
            autocommit=autocommit,
        )

    def superuser(self) -> psycopg.Connection[Any]:
        url = make_url(self.url)
        return psycopg.connect(
            host=url.host, port=url.port, dbname=url.database, user=url.username, autocommit=True
        )

    def ids_of(self, people: tuple[str, ...], table: str) -> set[int]:
        out: set[int] = set()
        for who in people:
            out |= self.owned[who][table]
        return out


def _insert(conn: psycopg.Connection[Any], sql: str, *params: Any) -> int:
    row = conn.execute(sql + " RETURNING id", params).fetchone()
    assert row is not None
    return int(row[0])


def build_shared_world(url: str) -> SharedWorld:
    suffix = f"{os.getpid()}_{next(_numbers)}"
    logins = {who: f"{who}_{suffix}" for who in PEOPLE}
    init = server_init(
        url,
        admin_login=logins["admin"],
        admin_password=PASSWORD,
        admin_name="Admin",
        company="Shared Test Co",
        language="en",
    )
    world = SharedWorld(url=url, logins=logins, user_ids={}, branches={}, init=init)
    with world.superuser() as su:
        hq = su.execute("SELECT id FROM branch WHERE code = 'HQ'").fetchone()
        if hq is None:
            hq_id = _insert(
                su,
                "INSERT INTO branch (name, code, version, created_at, updated_at) "
                "VALUES ('Head office', 'HQ', 1, now(), now())",
            )
        else:
            hq_id = int(hq[0])
        b2 = _insert(
            su,
            "INSERT INTO branch (name, code, version, created_at, updated_at) "
            "VALUES ('Branch two', %s, 1, now(), now())",
            f"B2_{suffix}",
        )
        world.branches = {"HQ": hq_id, "B2": b2}
        people = {
            "manager": ("manager", hq_id),
            "sales1": ("sales", hq_id),
            "sales2": ("sales", hq_id),
            "sales3": ("sales", b2),
        }
        su.execute("UPDATE app_user SET branch_id = %s WHERE login = %s", (hq_id, logins["admin"]))
        for who, (role, branch) in people.items():
            su.execute("SELECT crm_create_login(%s, %s, %s)", (logins[who], PASSWORD, role))
            _insert(
                su,
                "INSERT INTO app_user (login, display_name, role, branch_id, active, can_export, "
                "must_change_password, version, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, true, %s, false, 1, now(), now())",
                logins[who],
                who.title(),
                role,
                branch,
                role == "manager",
            )
        for who in PEOPLE:
            row = su.execute("SELECT id FROM app_user WHERE login = %s", (logins[who],)).fetchone()
            assert row is not None
            world.user_ids[who] = int(row[0])
        branch_of = {"admin": hq_id, **{w: b for w, (_r, b) in people.items()}}
        for who in PEOPLE:
            world.owned[who] = _fill_person(su, who, world.user_ids[who], branch_of[who], suffix)
        world.pool = _fill_pool(su, world.user_ids["sales1"], hq_id, b2, suffix)
    # Each person writes an audit row as themselves (the trigger stamps the actor).
    for who in PEOPLE:
        with world.connect(who) as conn:
            audit_id = _insert(
                conn,
                "INSERT INTO audit_log (at, actor, action, entity) "
                "VALUES (now(), 'x', 'test.write', 'test')",
            )
            world.owned[who]["audit_log"] = {audit_id}
    return world


def _fill_person(
    su: psycopg.Connection[Any], who: str, uid: int, branch: int, suffix: str
) -> dict[str, set[int]]:
    owned: dict[str, set[int]] = {t: set() for t in OWNED_TABLES}
    batch = _insert(
        su,
        "INSERT INTO import_batch (kind, user_id, at, status) VALUES ('customers', %s, now(), "
        "'done')",
        uid,
    )
    owned["import_batch"].add(batch)
    account = _insert(
        su,
        "INSERT INTO mail_account (user_id, name, email_address, imap_security, smtp_security, "
        "username, active, version, created_at, updated_at) "
        "VALUES (%s, 'Mail', %s, 'ssl', 'ssl', %s, true, 1, now(), now())",
        uid,
        f"{who}@example.com",
        f"{who}@example.com",
    )
    owned["mail_account"].add(account)
    owned["mail_folder_state"].add(
        _insert(
            su,
            "INSERT INTO mail_folder_state (account_id, folder, last_uid) VALUES (%s, 'INBOX', 0)",
            account,
        )
    )
    for n in range(2):
        cid = _insert(
            su,
            "INSERT INTO customer (uuid, name, kind, branch_id, owner_id, created_by_id, status, "
            "locked, name_norm, name_pinyin, name_initials, phone_digits, email_norm, "
            "search_text, search_keys, owner_since, version, created_at, updated_at) "
            "VALUES (gen_random_uuid()::text, %s, 'company', %s, %s, %s, 'active', false, %s, "
            "'', '', '', '', %s, '', now(), 1, now(), now())",
            f"{who} customer {n} {suffix}",
            branch,
            uid,
            uid,
            f"{who} customer {n}",
            f"{who} customer {n}",
        )
        owned["customer"].add(cid)
        owned["contact"].add(
            _insert(
                su,
                "INSERT INTO contact (uuid, customer_id, name, email_norm, is_primary, version, "
                "created_at, updated_at) VALUES (gen_random_uuid()::text, %s, %s, '', true, 1, "
                "now(), now())",
                cid,
                f"Contact of {who}",
            )
        )
        owned["followup"].add(
            _insert(
                su,
                "INSERT INTO followup (uuid, customer_id, user_id, kind, status, happened_at, "
                "summary, outcome, version, created_at, updated_at) VALUES "
                "(gen_random_uuid()::text, %s, %s, 'call', 'done', now(), 'called', "
                "'neutral', 1, now(), now())",
                cid,
                uid,
            )
        )
        mail = _insert(
            su,
            "INSERT INTO email_message (message_id, direction, subject, size, account_id, "
            "customer_id, owner_id, link_method, created_at, updated_at) VALUES "
            "(%s, 'in', 'hello', 0, %s, %s, %s, 'address', now(), now())",
            f"<{who}-{n}-{suffix}@example.com>",
            account,
            cid,
            uid,
        )
        owned["email_message"].add(mail)
        owned["attachment"].add(
            _insert(
                su,
                "INSERT INTO attachment (email_id, filename, mime, size, sha256, data, "
                "created_at) VALUES (%s, 'a.txt', 'text/plain', 1, 'x', 'x', now())",
                mail,
            )
        )
        owned["attachment"].add(
            _insert(
                su,
                "INSERT INTO attachment (customer_id, filename, mime, size, sha256, data, "
                "created_at, created_by_id) VALUES (%s, 'b.txt', 'text/plain', 1, 'y', 'y', "
                "now(), %s)",
                cid,
                uid,
            )
        )
        owned["ownership_change"].add(
            _insert(
                su,
                "INSERT INTO ownership_change (customer_id, to_user_id, reason, at, by_id) "
                "VALUES (%s, %s, 'create', now(), %s)",
                cid,
                uid,
                uid,
            )
        )
    # Unlinked mail of this person.
    unlinked = _insert(
        su,
        "INSERT INTO email_message (message_id, direction, subject, size, account_id, owner_id, "
        "link_method, created_at, updated_at) VALUES (%s, 'in', 'unlinked', 0, %s, %s, 'none', "
        "now(), now())",
        f"<{who}-unlinked-{suffix}@example.com>",
        account,
        uid,
    )
    owned["email_message"].add(unlinked)
    owned["attachment"].add(
        _insert(
            su,
            "INSERT INTO attachment (email_id, filename, mime, size, sha256, data, created_at) "
            "VALUES (%s, 'c.txt', 'text/plain', 1, 'z', 'z', now())",
            unlinked,
        )
    )
    return owned


def _fill_pool(
    su: psycopg.Connection[Any], previous_owner: int, hq: int, b2: int, suffix: str
) -> dict[str, set[int]]:
    pool: dict[str, set[int]] = {"customer": set(), "contact": set()}
    for n, branch in enumerate((hq, hq, b2)):
        cid = _insert(
            su,
            "INSERT INTO customer (uuid, name, kind, branch_id, owner_id, status, locked, "
            "name_norm, name_pinyin, name_initials, phone_digits, email_norm, search_text, "
            "search_keys, pool_since, version, created_at, updated_at) "
            "VALUES (gen_random_uuid()::text, %s, 'company', %s, NULL, 'prospect', false, %s, "
            "'', '', '', '', %s, '', now() - interval '10 days', 1, now(), now())",
            f"pool customer {n} {suffix}",
            branch,
            f"pool customer {n}",
            f"pool customer {n}",
        )
        pool["customer"].add(cid)
        pool["contact"].add(
            _insert(
                su,
                "INSERT INTO contact (uuid, customer_id, name, email_norm, is_primary, version, "
                "created_at, updated_at) VALUES (gen_random_uuid()::text, %s, 'Pool contact', "
                "'', true, 1, now(), now())",
                cid,
            )
        )
        su.execute(
            "INSERT INTO ownership_change (customer_id, from_user_id, reason, at) "
            "VALUES (%s, %s, 'release', now() - interval '10 days')",
            (cid, previous_owner),
        )
    return pool


def open_shared_world(url: str) -> Iterator[SharedWorld]:
    """Body of a ``shared_world`` fixture. The logins stay (the cluster is a throwaway one and
    every name is unique); their sessions are ended so the database can be dropped."""
    world = build_shared_world(url)
    try:
        yield world
    finally:
        with world.superuser() as su:
            su.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE usename = ANY(%s) AND pid <> pg_backend_pid()",
                (list(world.logins.values()),),
            )
