"""Engine set-up on real databases: SQLite pragmas and integrity, the append-only audit log,
optimistic locking, UTC datetimes, unsafe SQLite locations and clear messages for open errors."""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from crm_desktop.core.errors import DatabaseError
from crm_desktop.db.engine import (
    check_sqlite_location,
    create_db_engine,
    normalize_url,
    quick_check,
    schema_state,
)
from crm_desktop.db.models import AppUser, AuditLog, Branch

if TYPE_CHECKING:
    from tests.conftest import PgCluster


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_db_engine(db_url)
    yield engine
    engine.dispose()


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def fill_and_close(engine: Engine, rows: int = 3000) -> int:
    """Give the file many pages, fold the WAL into it and close it; returns the page size."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Branch),
            [
                {
                    "name": f"{'Branch office ' * 10}{i}",
                    "code": f"B{i:05d}",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(rows)
            ],
        )
    raw = engine.raw_connection()
    try:
        page_size = int(raw.execute("PRAGMA page_size").fetchone()[0])
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    engine.dispose()
    return page_size


def overwrite(path: Path, offset: int, length: int) -> None:
    garbage = random.Random(20240301).randbytes(length)  # the same damage on every run
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(garbage)


# --------------------------------------------------------------------------- SQLite pragmas


def test_sqlite_pragmas_are_set_on_every_connection(empty_sqlite_url: str) -> None:
    engine = create_db_engine(empty_sqlite_url)
    try:
        with engine.connect() as first, engine.connect() as second:
            assert first.connection.dbapi_connection is not second.connection.dbapi_connection
            for conn in (first, second):
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    finally:
        engine.dispose()


def test_sqlite_ddl_rolls_back_with_its_transaction(empty_sqlite_url: str) -> None:
    # Migrations rely on this: a failed migration must not leave half a schema behind.
    engine = create_db_engine(empty_sqlite_url)
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            conn.execute(text("CREATE TABLE half_done (id INTEGER PRIMARY KEY)"))
            trans.rollback()
        assert schema_state(engine) == "empty"
    finally:
        engine.dispose()


def test_foreign_key_violation_is_refused(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            insert(AppUser).values(
                login="ann",
                display_name="Ann",
                role="sales",
                branch_id=999_999,
                active=True,
                can_export=False,
                must_change_password=False,
                version=1,
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )

    with engine.connect() as conn:
        assert conn.execute(select(AppUser.id)).first() is None


# --------------------------------------------------------------------------- SQLite integrity


def test_quick_check_finds_nothing_wrong_with_a_sound_file(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    try:
        fill_and_close(engine, rows=200)
        assert quick_check(engine) is None
    finally:
        engine.dispose()


def test_quick_check_does_not_pass_a_file_with_overwritten_pages(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    page_size = fill_and_close(engine)
    overwrite(sqlite_path(sqlite_url), offset=page_size * 3, length=page_size * 4)

    damaged = create_db_engine(sqlite_url)
    try:
        try:
            finding = quick_check(damaged)
        except DatabaseError as exc:  # SQLite may also refuse to read the broken pages at all
            assert "damaged" in str(exc)
        else:
            assert finding is not None
            assert finding != "ok"
    finally:
        damaged.dispose()


def test_a_file_with_a_broken_schema_page_is_reported_as_damaged(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    page_size = fill_and_close(engine)
    # Keep the 100-byte SQLite header, break the rest of page 1 (the schema's root).
    overwrite(sqlite_path(sqlite_url), offset=100, length=page_size - 100)

    damaged = create_db_engine(sqlite_url)
    try:
        with pytest.raises(DatabaseError, match="damaged") as caught:
            schema_state(damaged)
        assert "not a SQLite file" not in str(caught.value)
    finally:
        damaged.dispose()


NOT_SQLITE = {
    "random-bytes": random.Random(7).randbytes(8192),
    "text-file": "客户名称,电话\n华为技术,0755-28780808\nAcme Ltd,+1 555 0100\n".encode(),
}


@pytest.mark.parametrize("content", NOT_SQLITE.values(), ids=NOT_SQLITE.keys())
def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "customers.sqlite3"
    path.write_bytes(content)
    engine = create_db_engine("sqlite:///" + path.as_posix())
    try:
        with pytest.raises(DatabaseError, match="not a crm-desktop database"):
            schema_state(engine)
    finally:
        engine.dispose()

    assert path.read_bytes() == content


# --------------------------------------------------------------------------- audit log


def add_audit_row(engine: Engine) -> int:
    with Session(engine) as session, session.begin():
        row = AuditLog(
            actor="ann",
            action="export",
            entity="customer",
            entity_id=7,
            detail={"rows": 12, "file": "客户.csv"},
        )
        session.add(row)
        session.flush()
        return row.id


def test_audit_log_accepts_inserts(engine: Engine) -> None:
    row_id = add_audit_row(engine)

    with Session(engine) as session:
        row = session.get_one(AuditLog, row_id)
        assert (row.actor, row.action, row.detail) == (
            "ann",
            "export",
            {"rows": 12, "file": "客户.csv"},
        )


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"],
    ids=["update", "delete"],
)
def test_audit_log_refuses_update_and_delete(engine: Engine, statement: str) -> None:
    add_audit_row(engine)

    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))

    with engine.connect() as conn:
        assert conn.execute(select(AuditLog.actor)).scalars().all() == ["ann"]


@pytest.mark.postgres
def test_audit_log_refuses_truncate_on_postgresql(pg_url: str) -> None:
    engine = create_db_engine(pg_url)
    try:
        add_audit_row(engine)
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_log"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 1
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- optimistic locking


def test_saving_over_a_row_changed_by_someone_else_raises_stale_data(engine: Engine) -> None:
    # As the app's op runner does: one transaction per operation, objects outlive it.
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        branch = Branch(name="Head office", code="HQ")
        session.add(branch)
    branch_id = branch.id

    with factory() as mine, factory() as theirs:
        my_copy = mine.get_one(Branch, branch_id)
        their_copy = theirs.get_one(Branch, branch_id)
        mine.commit()  # the loading operations end; the users edit their forms
        theirs.commit()

        my_copy.name = "Shanghai office"
        their_copy.name = "Beijing office"
        mine.commit()
        with pytest.raises(StaleDataError):
            theirs.commit()

    with factory() as session:
        stored = session.get_one(Branch, branch_id)
        assert (stored.name, stored.version) == ("Shanghai office", 2)


# --------------------------------------------------------------------------- UTC datetimes


def test_aware_datetimes_round_trip_as_utc(engine: Engine) -> None:
    beijing = timezone(timedelta(hours=8))
    written = datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=beijing)
    with Session(engine) as session, session.begin():
        branch = Branch(name="Head office", code="HQ", deleted_at=written)
        session.add(branch)
        session.flush()
        branch_id = branch.id

    with Session(engine) as session:
        read = session.get_one(Branch, branch_id).deleted_at
    assert read == written
    assert read is not None and read.utcoffset() == timedelta(0)
    assert read.replace(tzinfo=None) == datetime(2024, 3, 1, 1, 30, 15, 123456)

    with engine.connect() as conn:
        raw = conn.execute(text("SELECT deleted_at FROM branch")).scalar_one()
    if engine.dialect.name == "sqlite":
        # Stored as UTC text, so SQL comparisons and sorting agree with the clock.
        assert str(raw).startswith("2024-03-01 01:30:15.123456")
    else:
        assert raw == written


def test_a_naive_datetime_is_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as conn:
        conn.execute(
            insert(AuditLog).values(
                at=datetime(2024, 3, 1, 9, 30), actor="ann", action="login", entity="app_user"
            )
        )

    with engine.connect() as conn:
        assert conn.execute(select(AuditLog.id)).first() is None


# --------------------------------------------------------------------------- SQLite location

MOUNTS = r"""/dev/vda1 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
fileserver:/export/crm /mnt/share nfs4 rw,relatime,vers=4.2,addr=10.0.0.5 0 0
//nas/office /mnt/office\040files cifs rw,relatime,vers=3.0 0 0
/dev/vdb1 /home/ann/local\040disk ext4 rw,relatime 0 0
/dev/vdc1 /mnt/share/local ext4 rw,relatime 0 0
"""


@pytest.mark.parametrize(
    "path",
    [
        "/mnt/share/crm.sqlite3",
        "/mnt/share/sales/2024/crm.sqlite3",
        "/mnt/office files/crm.sqlite3",
    ],
)
def test_sqlite_file_on_a_network_mount_is_refused(path: str) -> None:
    check = check_sqlite_location(path, platform="linux", mounts=MOUNTS)

    assert check.refused is not None
    assert "Shared mode" in check.refused


@pytest.mark.parametrize(
    "path",
    [
        "/home/ann/crm.sqlite3",
        "/home/ann/local disk/crm.sqlite3",
        "/mnt/shared-drive-lookalike/crm.sqlite3",  # a name that merely starts like /mnt/share
        "/mnt/share/local/crm.sqlite3",  # a local disk mounted inside the network share
    ],
)
def test_sqlite_file_on_a_local_disk_is_accepted(path: str) -> None:
    check = check_sqlite_location(path, platform="linux", mounts=MOUNTS)

    assert check.refused is None
    assert check.warnings == []


def test_sqlite_file_in_a_dropbox_folder_is_accepted_with_a_warning() -> None:
    check = check_sqlite_location("/home/ann/Dropbox/crm.sqlite3", platform="linux", mounts=MOUNTS)

    assert check.refused is None
    assert len(check.warnings) == 1
    assert "dropbox" in check.warnings[0].lower()


def drive_type_of(answer: int, asked: list[str] | None = None) -> Callable[[str], int]:
    def drive_type(root: str) -> int:
        if asked is not None:
            asked.append(root)
        return answer

    return drive_type


DRIVE_FIXED, DRIVE_REMOTE = 3, 4


@pytest.mark.parametrize(
    "path", [r"\\server\share\crm.sqlite3", "//server/share/crm.sqlite3"], ids=["back", "forward"]
)
def test_sqlite_file_on_a_unc_path_is_refused_on_windows(path: str) -> None:
    check = check_sqlite_location(path, platform="win32", drive_type=drive_type_of(DRIVE_FIXED))

    assert check.refused is not None
    assert "Shared mode" in check.refused


def test_sqlite_file_on_a_mapped_network_drive_is_refused_on_windows() -> None:
    asked: list[str] = []
    check = check_sqlite_location(
        r"C:\Users\x\crm.sqlite3", platform="win32", drive_type=drive_type_of(DRIVE_REMOTE, asked)
    )

    assert asked == ["C:\\"]
    assert check.refused is not None
    assert "Shared mode" in check.refused


def test_sqlite_file_on_a_fixed_drive_is_accepted_on_windows() -> None:
    check = check_sqlite_location(
        r"C:\Users\x\crm.sqlite3", platform="win32", drive_type=drive_type_of(DRIVE_FIXED)
    )

    assert check.refused is None
    assert check.warnings == []


def test_sqlite_file_in_onedrive_is_accepted_with_a_warning_on_windows() -> None:
    check = check_sqlite_location(
        r"C:\Users\x\OneDrive\Documents\crm.sqlite3",
        platform="win32",
        drive_type=drive_type_of(DRIVE_FIXED),
    )

    assert check.refused is None
    assert len(check.warnings) == 1
    assert "onedrive" in check.warnings[0].lower()


# --------------------------------------------------------------------------- URLs and open errors


def test_a_plain_postgresql_url_uses_psycopg_3() -> None:
    assert normalize_url("postgresql://ann@db.example.com/crm").drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url", ["mysql://ann@db/crm", "not a url at all"])
def test_an_unsupported_url_is_refused(url: str) -> None:
    with pytest.raises(DatabaseError):
        normalize_url(url)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


def test_a_postgresql_server_that_does_not_answer_is_reported_unreachable() -> None:
    engine = create_db_engine(f"postgresql://postgres@127.0.0.1:{closed_port()}/crm")
    try:
        with pytest.raises(DatabaseError, match="Cannot reach"):
            schema_state(engine)
    finally:
        engine.dispose()


@pytest.fixture
def password_role(pg_cluster: PgCluster) -> Iterator[str]:
    role = f"crm_probe_{os.getpid()}"
    pg_cluster.admin_execute(f"CREATE ROLE {role} LOGIN PASSWORD 'correct horse battery'")
    yield role
    pg_cluster.admin_execute(f"DROP ROLE IF EXISTS {role}")


@pytest.mark.postgres
def test_a_password_role_logs_in_with_its_password(pg_url: str, password_role: str) -> None:
    url = make_url(pg_url).set(username=password_role)
    engine = create_db_engine(url, password="correct horse battery")
    try:
        assert schema_state(engine) == "crm"
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("who", ["known-role", "unknown-role"])
def test_a_wrong_password_is_reported_without_revealing_it(
    pg_url: str, password_role: str, who: str
) -> None:
    user = password_role if who == "known-role" else "nobody_here"
    url = make_url(pg_url).set(username=user)
    engine = create_db_engine(url, password="wrong-secret-42")
    try:
        with pytest.raises(DatabaseError, match="Wrong user name or password") as caught:
            schema_state(engine)
        assert "wrong-secret-42" not in str(caught.value)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_missing_postgresql_database_is_named_as_missing(pg_cluster: PgCluster) -> None:
    engine = create_db_engine(pg_cluster.url("no_such_crm_database"))
    try:
        with pytest.raises(DatabaseError, match="does not exist"):
            schema_state(engine)
    finally:
        engine.dispose()
