"""Grow: ``copy_database`` and ``crm-desktop db copy`` move every row exactly, in one go."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, func, insert, select
from sqlalchemy.engine import Connection

from crm_desktop.core.errors import DatabaseError, OperationCancelled
from crm_desktop.core.progress import ProgressState
from crm_desktop.db.models import (
    Attachment,
    AuditLog,
    Base,
    CompanySetting,
    Contact,
    Customer,
    EmailMessage,
    Region,
)
from crm_desktop.services.database import open_database
from crm_desktop.services.db_copy import _read_select, copy_database
from crm_desktop.services.demo import generate_demo
from crm_desktop.services.search import search_customers
from tests.db.test_cli import crm

MOMENT = datetime(2025, 3, 4, 5, 6, 7, 891234, tzinfo=UTC)
RAW_MAIL = zlib.compress(b"From: a@example.com\r\n\r\n\x00\xff binary \xfe")


def _fill(url: str) -> None:
    """Demo data plus the awkward cases: a child region whose id is below its parent's, a JSON
    null beside a SQL NULL, binary mail and attachments, microsecond datetimes, audit rows."""
    db = open_database(url, create=True)
    try:
        with db.session_factory.begin() as s:
            generate_demo(s, customers=120, seed=7, followups_per_customer=2.0)
        with db.session_factory.begin() as s:
            s.execute(insert(Region).values(id=901, code="Z-PARENT", name="父区"))
            s.execute(insert(Region).values(id=900, code="Z-CHILD", name="子区", parent_id=901))
            first, second = s.scalars(select(Customer.id).order_by(Customer.id).limit(2)).all()
            s.get_one(Customer, first).custom = {"行业": "制造", "n": [1, 2.5, None]}
            s.execute(
                Customer.__table__.update().where(Customer.id == second).values(custom=JSON.NULL)
            )
            s.add(CompanySetting(key="copy.test", value={"a": "b"}))
            message = EmailMessage(
                message_id="<copy-1@example.com>",
                subject="报价",
                raw=RAW_MAIL,
                size=len(RAW_MAIL),
                sent_at=MOMENT,
                customer_id=first,
            )
            s.add(message)
            s.flush()
            s.add(
                Attachment(
                    email_id=message.id,
                    filename="a.bin",
                    size=4,
                    sha256="0" * 64,
                    data=b"\x00\x01\xfe\xff",
                )
            )
            s.add(Contact(customer_id=first, name="生日", birthday=date(1980, 2, 29)))
            s.add(AuditLog(actor="li.na", action="export", entity="customer", detail={"n": 3}))
            s.add(AuditLog(actor="li.na", action="print", entity="customer", at=MOMENT))
    finally:
        db.dispose()


def _rows(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows in id order; JSON compared as values, SQL NULL kept apart."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        rows = []
        for row in conn.execute(_read_select(table, conn.dialect.name)):
            item = dict(row._mapping)
            for name in json_columns:
                item[name] = "SQL NULL" if item[name] is None else json.loads(item[name])
            rows.append(item)
        tables[table.name] = rows
    return tables


def _snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    db = open_database(url)
    try:
        with db.engine.connect() as conn:
            return _rows(conn)
    finally:
        db.dispose()


def _total_rows(url: str) -> int:
    db = open_database(url)
    try:
        with db.engine.connect() as conn:
            return sum(
                int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in Base.metadata.sorted_tables
            )
    finally:
        db.dispose()


@pytest.fixture
def source_url(sqlite_url: str) -> str:
    _fill(sqlite_url)
    return sqlite_url


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def migrated_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty target other than ``source_url``'s file."""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    url = "sqlite:///" + (tmp_path / "target.sqlite3").as_posix()
    open_database(url, create=True).dispose()
    return url


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back_keeps_every_row_exactly(
    source_url: str, empty_pg_url: str, empty_sqlite_url: str
) -> None:
    original = _snapshot(source_url)
    seen: list[tuple[int, int | None]] = []
    progress = ProgressState(lambda done, total, _label: seen.append((done, total)))

    result = copy_database(source_url, empty_pg_url, progress=progress, batch_size=100)

    assert result.counts_equal and not result.shared and result.logins == ()
    assert {c.table: c.source for c in result.tables} == {t: len(r) for t, r in original.items()}
    assert all(c.source == c.target for c in result.tables)
    assert result.rows == sum(len(r) for r in original.values()) > 500
    assert (result.rows, result.rows) in seen and len(seen) > 8  # batches of 100
    copied = _snapshot(empty_pg_url)
    assert copied == original
    assert copied["email_message"][0]["raw"] == RAW_MAIL
    assert copied["email_message"][0]["sent_at"] == MOMENT

    db = open_database(empty_pg_url)
    try:
        with db.session_factory.begin() as s:
            # Sequences continue after the copied ids; the search indexes answer.
            new_region = Region(code="NEW", name="新")
            s.add(new_region)
            s.flush()
            assert new_region.id == 902
            name = s.scalar(select(Customer.name).order_by(Customer.id).limit(1))
            assert name is not None
            assert name in [h.name for h in search_customers(s, name).results]
            s.rollback()
        with db.engine.connect() as conn:
            analyzed = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stats WHERE schemaname = 'public' "
                "AND tablename = 'followup'"
            ).scalar_one()
            assert analyzed > 0  # ANALYZE ran: the planner knows the copied rows
    finally:
        db.dispose()

    back = copy_database(empty_pg_url, empty_sqlite_url)
    assert back.counts_equal
    assert _snapshot(empty_sqlite_url) == original
    db = open_database(empty_sqlite_url)
    try:
        with db.read_session_factory() as s:
            name = s.scalar(select(Customer.name).order_by(Customer.id.desc()).limit(1))
            assert name is not None
            hits = search_customers(s, name).results  # the rebuilt FTS tables answer
            assert name in [h.name for h in hits]
    finally:
        db.dispose()


def test_sqlite_to_sqlite_rebuilds_the_search_index(source_url: str, empty_sqlite_url: str) -> None:
    result = copy_database(source_url, empty_sqlite_url)
    assert result.counts_equal
    assert _snapshot(empty_sqlite_url) == _snapshot(source_url)
    db = open_database(empty_sqlite_url)
    try:
        with db.session_factory.begin() as s:
            name = s.scalar(select(Customer.name).order_by(Customer.id).limit(1))
            assert name is not None
            assert name in [h.name for h in search_customers(s, name).results]
            # The sync triggers are back: a new customer is found at once.
            s.add(Customer(name="独一无二测试公司", search_text="独一无二测试公司"))
        with db.read_session_factory() as s:
            assert search_customers(s, "独一无二").results
    finally:
        db.dispose()


def test_a_second_copy_into_a_filled_target_is_refused(source_url: str, empty_db_url: str) -> None:
    copy_database(source_url, empty_db_url)
    before = _snapshot(empty_db_url)
    with pytest.raises(DatabaseError, match=r"already holds data .*copy into an empty database"):
        copy_database(source_url, empty_db_url)
    assert _snapshot(empty_db_url) == before


def test_a_cancelled_copy_leaves_the_target_as_it_was(
    source_url: str, migrated_target: str
) -> None:
    db_url = migrated_target
    progress = ProgressState()

    def cancel_midway(done: int, total: int | None, _label: str | None) -> None:
        if done > 500:
            progress.cancel()

    progress._on_report = cancel_midway
    with pytest.raises(OperationCancelled):
        copy_database(source_url, db_url, progress=progress, batch_size=100)
    assert _total_rows(db_url) == 0
    # …and the target is still usable as an empty target.
    assert copy_database(source_url, db_url).counts_equal


def test_a_failing_copy_leaves_the_target_as_it_was(source_url: str, sqlite_url: str) -> None:
    """A target that refuses a row halfway (here a trigger): nothing of the copy stays."""
    target = sqlite_url.replace("crm.sqlite3", "target.sqlite3")
    db = open_database(target, create=True)
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_followup BEFORE INSERT ON followup "
                "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
            )
    finally:
        db.dispose()
    with pytest.raises(Exception, match="refused by test"):
        copy_database(source_url, target)
    assert _total_rows(target) == 0


def test_a_missing_sqlite_target_is_removed_when_the_copy_fails(
    source_url: str, empty_sqlite_url: str
) -> None:
    progress = ProgressState()
    progress.cancel()
    with pytest.raises(OperationCancelled):
        copy_database(source_url, empty_sqlite_url, progress=progress)
    assert not Path(empty_sqlite_url.removeprefix("sqlite:///")).exists()


def test_copy_refuses_the_same_database(source_url: str) -> None:
    with pytest.raises(DatabaseError, match="same database"):
        copy_database(source_url, source_url)


def test_cli_db_copy(source_url: str, empty_db_url: str) -> None:
    out = crm("db", "copy", "--from", source_url, "--to", empty_db_url, "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["counts_equal"] is True
    counts = {t["table"]: (t["source"], t["target"]) for t in result["tables"]}
    assert counts["customer"] == (120, 120)

    again = crm("db", "copy", "--from", source_url, "--to", empty_db_url)
    assert again.returncode == 1
    assert "already holds data" in again.stderr and again.stderr.count("\n") == 1

    text_out = crm("db", "copy", "--from", empty_db_url, "--to", source_url + ".copy")
    assert text_out.returncode == 0, text_out.stderr
    assert "Copied" in text_out.stdout and "customer" in text_out.stdout


def test_users_keep_their_rows_in_a_plain_copy(source_url: str, empty_sqlite_url: str) -> None:
    """Not Shared mode: users and their Single-mode password hashes travel unchanged."""
    copy_database(source_url, empty_sqlite_url)
    src, dst = _snapshot(source_url)["app_user"], _snapshot(empty_sqlite_url)["app_user"]
    assert src == dst and any(u["password_hash"] for u in dst)
    assert {u["login"] for u in dst} >= {"li.na", "zhang.wei"}


@pytest.fixture
def shared_target(pg_cluster: Any, empty_pg_url: str) -> tuple[str, str]:
    """A database just made Shared by ``server init``: (its superuser URL, the admin's login)."""
    from crm_desktop.services.server import server_init

    admin = f"cp_admin_{empty_pg_url.rsplit('_', 1)[-1]}"
    server_init(empty_pg_url, admin_login=admin, admin_password="admin-pass-1", company="Init Co")
    return empty_pg_url, admin


@pytest.mark.postgres
def test_copy_into_shared_mode_makes_login_roles_with_one_time_passwords(
    source_url: str, shared_target: tuple[str, str], pg_cluster: Any
) -> None:
    import psycopg

    target, admin = shared_target
    original = _snapshot(source_url)
    result = copy_database(source_url, target)

    assert result.shared and result.counts_equal
    counts = {c.table: c for c in result.tables}
    assert counts["app_user"].kept == 1  # the init admin stays beside the copied users
    assert counts["customer"].target == counts["customer"].source == 120
    logins = {u.login: u for u in result.logins}
    source_logins = {u["login"] for u in original["app_user"]}
    assert set(logins) == source_logins | {admin}
    assert logins[admin].password is None  # kept its own password
    assert all(logins[name].password for name in source_logins)
    assert len({logins[name].password for name in source_logins}) == len(source_logins)

    copied = _snapshot(target)
    users = {u["login"]: u for u in copied["app_user"]}
    assert all(
        users[n]["must_change_password"] and users[n]["password_hash"] is None
        for n in source_logins
    )
    assert users[admin]["id"] > max(u["id"] for u in original["app_user"])
    # History is not rewritten: the audit rows keep their actor and time; the init's own audit
    # rows follow them.
    n = len(original["audit_log"])
    assert copied["audit_log"][:n] == original["audit_log"]
    assert counts["audit_log"].kept == len(copied["audit_log"]) - n > 0
    for name in ("customer", "followup", "email_message", "attachment", "region"):
        assert copied[name] == original[name]

    # A salesperson signs in with the one-time password and sees through row-level security.
    sales = next(u for u in original["app_user"] if u["role"] == "sales")
    with psycopg.connect(
        host=pg_cluster.host,
        port=pg_cluster.port,
        dbname=target.rsplit("/", 1)[-1],
        user=sales["login"],
        password=logins[sales["login"]].password,
    ) as conn:
        visible = conn.execute("SELECT count(*) FROM customer").fetchone()
        mine = sum(1 for c in original["customer"] if c["owner_id"] in (sales["id"], None))
        assert visible is not None and visible[0] == mine < 120

    with pytest.raises(DatabaseError, match="already holds data"):
        copy_database(source_url, target)


@pytest.mark.postgres
def test_cli_prints_the_one_time_passwords_once(
    source_url: str, shared_target: tuple[str, str]
) -> None:
    target, _admin = shared_target
    out = crm("db", "copy", "--from", source_url, "--to", target)
    assert out.returncode == 0, out.stderr
    assert "one-time password" in out.stdout and "li.na" in out.stdout
