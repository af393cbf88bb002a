"""Backups and restores on real SQLite files (and pg_dump on the real PostgreSQL server)."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from crm_desktop.core.errors import DatabaseError, OperationCancelled, UserError
from crm_desktop.core.progress import ProgressState
from crm_desktop.db.models import AppUser
from crm_desktop.services import backup as backups
from crm_desktop.services.database import open_database

NOW = datetime(2024, 3, 1, 9, 30, 0)


def db_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def add_customer_with_contact(conn: sqlite3.Connection, n: int) -> None:
    """One customer and its contact in ONE transaction (a backup must never hold half)."""
    stamp = "2024-03-01 00:00:00"
    conn.execute("BEGIN IMMEDIATE")
    cur = conn.execute(
        "INSERT INTO customer (uuid, name, kind, status, locked, name_norm, name_pinyin, "
        "name_initials, phone_digits, email_norm, search_text, version, created_at, updated_at) "
        "VALUES (?, ?, 'company', 'active', 0, ?, '', '', '', '', ?, 1, ?, ?)",
        (uuid.uuid4().hex, f"客户 {n}", f"客户{n}", f"客户 {n}", stamp, stamp),
    )
    conn.execute(
        "INSERT INTO contact (uuid, customer_id, name, email_norm, is_primary, version, "
        "created_at, updated_at) VALUES (?, ?, ?, '', 1, 1, ?, ?)",
        (uuid.uuid4().hex, cur.lastrowid, f"联系人 {n}", stamp, stamp),
    )
    conn.execute("COMMIT")


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def counts(path: Path) -> tuple[int, int, int]:
    """(customers, contacts, customers without a contact)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        customers = conn.execute("SELECT count(*) FROM customer").fetchone()[0]
        contacts = conn.execute("SELECT count(*) FROM contact").fetchone()[0]
        orphans = conn.execute(
            "SELECT count(*) FROM customer c WHERE NOT EXISTS "
            "(SELECT 1 FROM contact k WHERE k.customer_id = c.id)"
        ).fetchone()[0]
        return customers, contacts, orphans
    finally:
        conn.close()


def damage(path: Path, *, first_page: int = 3, pages: int = 4) -> None:
    """Overwrite pages in the middle of the file with garbage (as tests/db/test_engine.py)."""
    page_size = int.from_bytes(path.read_bytes()[16:18], "big")
    garbage = random.Random(20240301).randbytes(page_size * pages)
    with path.open("r+b") as fh:
        fh.seek(page_size * first_page)
        fh.write(garbage)


def fill(path: Path, customers: int) -> None:
    conn = connect(path)
    try:
        for n in range(customers):
            add_customer_with_contact(conn, n)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


# --------------------------------------------------------------------------- backup


def test_backup_during_writes_is_a_consistent_snapshot(sqlite_url: str, tmp_path: Path) -> None:
    path = db_path(sqlite_url)
    fill(path, 3000)  # enough pages for many backup steps
    stop = threading.Event()
    written: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        conn = connect(path)
        try:
            n = 100_000
            while not stop.is_set():
                add_customer_with_contact(conn, n)
                written.append(n)
                n += 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            time.sleep(0.01)
        steps: list[tuple[int, int | None]] = []

        def slow_disk(done: int, total: int | None, _label: str | None) -> None:
            steps.append((done, total))
            time.sleep(0.003)

        target = tmp_path / "copy.sqlite3"
        before = len(written)
        result = backups.backup_sqlite(
            sqlite_url, target, ProgressState(slow_disk), check="integrity_check", step_pages=16
        )
        during = len(written) - before
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert during >= 5  # the writer kept committing while the backup ran
    assert len([s for s in steps if s[1] == result.pages]) > 20  # copied in many steps
    assert backups.check_file(target, "integrity_check") is None
    customers, contacts, orphans = counts(target)
    assert customers == contacts and orphans == 0  # no half transaction
    assert 3000 + before <= customers <= 3000 + before + during
    # The copy is one self-contained file that opens as a crm-desktop database.
    assert not target.with_name(target.name + "-wal").exists()
    copy = open_database("sqlite:///" + target.as_posix())
    copy.dispose()


def test_backup_now_names_generations_and_prunes_only_its_own(
    sqlite_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    stranger = folder / "notes.sqlite3"
    stranger.write_bytes(b"not ours")
    other_db = folder / "other-20200101-000000-manual.sqlite3"  # another database's backup
    other_db.write_bytes(b"x")
    made = []
    for day in range(5):
        at = NOW + timedelta(days=day)
        result = backups.backup_now(sqlite_url, folder, keep=3, reason="daily", now=at)
        made.append(result.path)
    # Not the default database file: its folder's hash tells it from other crm.sqlite3 files.
    stem = backups.backup_stem(db_path(sqlite_url))
    assert stem.startswith("crm.") and len(stem) == len("crm.") + 8
    assert made[0].name == f"{stem}-20240301-093000-daily.sqlite3"
    remaining = backups.list_backups(folder, database=db_path(sqlite_url))
    assert [i.path for i in remaining] == made[:1:-1]  # newest first, three kept
    assert all(i.ok and i.reason == "daily" for i in remaining)
    assert result.pruned == (made[1],)
    assert stranger.exists() and other_db.exists()
    # Two backups in the same second do not overwrite each other.
    again = backups.backup_now(sqlite_url, folder, keep=10, reason="manual", now=NOW)
    twice = backups.backup_now(sqlite_url, folder, keep=10, reason="manual", now=NOW)
    assert again.path != twice.path and twice.path.name.endswith("-manual-2.sqlite3")


def test_two_databases_with_one_file_name_keep_their_own_backups(tmp_path: Path) -> None:
    """Two crm.sqlite3 files in different folders back up into one folder: pruning one never
    deletes the other's backups."""
    from crm_desktop.services.database import open_database

    folder = tmp_path / "backups"
    urls = []
    for name in ("东区", "西区"):
        (tmp_path / name).mkdir()
        url = "sqlite:///" + (tmp_path / name / "crm.sqlite3").as_posix()
        open_database(url, create=True, upgrade=True).dispose()
        urls.append(url)
    east = [
        backups.backup_now(
            urls[0], folder, keep=2, reason="daily", now=NOW + timedelta(days=d)
        ).path
        for d in range(2)
    ]
    for d in range(4):
        backups.backup_now(urls[1], folder, keep=2, reason="daily", now=NOW + timedelta(days=d))
    assert [i.path for i in backups.list_backups(folder, database=db_path(urls[0]))] == east[::-1]
    assert len(backups.list_backups(folder, database=db_path(urls[1]))) == 2


def test_a_damaged_backup_is_skipped_by_newest_good_backup(sqlite_url: str, tmp_path: Path) -> None:
    fill(db_path(sqlite_url), 2000)
    folder = tmp_path / "backups"
    older = backups.backup_now(sqlite_url, folder, keep=5, reason="daily", now=NOW)
    newer = backups.backup_now(
        sqlite_url, folder, keep=5, reason="exit", now=NOW + timedelta(hours=1)
    )
    truncated = backups.backup_now(
        sqlite_url, folder, keep=5, reason="manual", now=NOW + timedelta(hours=2)
    )
    damage(newer.path, first_page=5, pages=6)
    with truncated.path.open("r+b") as fh:
        fh.truncate(truncated.size // 2)

    listed = backups.list_backups(folder)
    assert [i.path for i in listed] == [truncated.path, newer.path, older.path]
    assert [i.ok for i in listed] == [False, True, True]  # the header check sees truncation
    assert backups.check_file(newer.path) is not None  # the pages are damaged
    good = backups.newest_good_backup(folder, database=db_path(sqlite_url))
    assert good is not None and good.path == older.path


def test_backup_of_a_damaged_database_is_deleted_and_reported(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = db_path(sqlite_url)
    fill(path, 2000)
    damage(path, first_page=8, pages=6)
    with pytest.raises(DatabaseError, match=r"integrity check|damaged"):
        backups.backup_now(sqlite_url, tmp_path / "b", keep=3, reason="manual", now=NOW)
    assert list((tmp_path / "b").iterdir()) == []  # no copy, no partial file


def test_a_cancelled_backup_leaves_nothing(sqlite_url: str, tmp_path: Path) -> None:
    fill(db_path(sqlite_url), 3000)
    progress = ProgressState()
    progress.cancel()
    with pytest.raises(OperationCancelled):
        backups.backup_sqlite(sqlite_url, tmp_path / "out" / "x.sqlite3", progress)
    assert list((tmp_path / "out").iterdir()) == []


def test_backup_due_once_a_day() -> None:
    assert backups.backup_due({}, NOW)
    last = {"last": (NOW - timedelta(hours=23)).isoformat()}
    assert not backups.backup_due(last, NOW)
    assert backups.backup_due({"last": (NOW - timedelta(hours=24)).isoformat()}, NOW)
    assert not backups.backup_due({"daily": False}, NOW)
    assert backups.backup_due(
        {"last": (NOW + timedelta(days=2)).isoformat()}, NOW
    )  # clock set back
    assert backups.backup_settings({"keep": 0, "folder": ""}).keep == backups.DEFAULT_KEEP


# --------------------------------------------------------------------------- restore


def test_restore_keeps_the_current_file_aside_and_gives_the_backup(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = db_path(sqlite_url)
    fill(path, 50)
    backup = backups.backup_now(sqlite_url, tmp_path / "b", keep=3, reason="manual", now=NOW)
    conn = connect(path)
    for n in range(50, 90):
        add_customer_with_contact(conn, n)
    # A second connection keeps the WAL alive while the first one's writes sit in it: the
    # -wal file must move aside with the file, under the aside name.
    holder = connect(path)
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    add_customer_with_contact(conn, 90)
    conn.close()
    holder.close()
    before = counts(path)
    assert before[0] == 91

    result = backups.restore(path, backup.path, now=NOW + timedelta(days=1))
    assert counts(path) == (50, 50, 0)
    aside = path.with_name("crm.sqlite3.before-restore-20240302-093000")
    assert result.kept_aside[0] == aside
    assert aside.exists()
    # The file kept aside still holds everything that was saved (with its WAL, if any).
    assert counts(aside) == before
    assert backups.check_file(path, "integrity_check") is None
    db = open_database(sqlite_url)
    db.dispose()


def test_restore_refuses_a_damaged_backup_and_changes_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = db_path(sqlite_url)
    fill(path, 1500)
    backup = backups.backup_now(sqlite_url, tmp_path / "b", keep=3, reason="manual", now=NOW)
    damage(backup.path, first_page=5, pages=6)
    with pytest.raises(UserError, match="not a good backup"):
        backups.restore(path, backup.path)
    assert counts(path)[0] == 1500
    assert sorted(p.name for p in path.parent.iterdir() if "before-restore" in p.name) == []


# --------------------------------------------------------------------------- damaged at open


def test_a_damaged_file_is_found_at_open_and_opens_read_only(sqlite_url: str) -> None:
    path = db_path(sqlite_url)
    fill(path, 2000)
    damage(path, first_page=8, pages=6)
    db = open_database(sqlite_url)
    try:
        finding = backups.check_database(db)
        assert finding is not None and finding != "ok"
        backups.switch_to_read_only(db)
        assert backups.is_read_only(db)
        size = path.stat().st_size
        # Signing in still works (its bookkeeping is not written) …
        with db.session_factory.begin() as session:
            session.execute(select(AppUser.id)).all()
        # … but a change is refused with one clear sentence.
        refused = pytest.raises(DatabaseError, match="read-only because it is damaged")
        with refused, db.session_factory.begin() as session:
            session.execute(update(AppUser).values(display_name="x"))
        with pytest.raises(backups.DatabaseReadOnly), db.session_factory.begin() as session:
            session.connection().exec_driver_sql(
                "INSERT INTO branch (name, code, version, created_at, updated_at) "
                "VALUES ('b', 'b', 1, '2024-01-01', '2024-01-01')"
            )
        assert path.stat().st_size == size
    finally:
        db.dispose()


def test_sign_in_on_a_read_only_database_writes_nothing(sqlite_url: str) -> None:
    from crm_desktop.services.company import initialize_company
    from crm_desktop.services.users import authenticate

    db = open_database(sqlite_url)
    try:
        with db.session_factory.begin() as session:
            initialize_company(
                session,
                company_name="Acme",
                language="en",
                admin_login="ada",
                admin_name="Ada",
                admin_password="correct horse battery",
            )
        backups.switch_to_read_only(db)
        with db.session_factory.begin() as session:
            actor = authenticate(session, "ada", "correct horse battery")
        assert actor.login == "ada"
        with db.read_session_factory() as session:
            assert session.scalar(select(AppUser.last_login_at)) is None
    finally:
        db.dispose()


# --------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_pg_backup_writes_a_dump_pg_restore_can_read(pg_url: str, tmp_path: Path) -> None:
    out = tmp_path / "server.dump"
    result = backups.pg_backup(pg_url, out)
    assert result.kind == "pg_dump" and out.stat().st_size == result.size > 0
    pg_dump = backups.find_pg_dump()
    assert pg_dump is not None
    listing = subprocess.run(
        [str(pg_dump.with_name("pg_restore")), "--list", str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "TABLE public customer" in listing and "TABLE DATA public customer" in listing


def test_pg_backup_without_pg_dump_explains(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="pg_dump was not found"):
        backups.pg_backup("postgresql://u@127.0.0.1/db", tmp_path / "x.dump", find=lambda: None)
    assert backups.find_pg_dump(lambda _name: None) is not None  # found under /usr/lib/postgresql


def test_pg_backup_reports_a_failing_pg_dump(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="pg_dump failed"):
        backups.pg_backup(
            "postgresql://nobody@127.0.0.1:1/nowhere",
            tmp_path / "x.dump",
            pg_dump=backups.find_pg_dump() or Path("/bin/false"),
        )
    assert list(tmp_path.iterdir()) == []


def test_a_cancelled_open_time_check_stops_at_once(sqlite_url: str, tmp_path: Path) -> None:
    """Quitting during the (minute-long on 1M customers) open-time check interrupts it."""
    db = open_database(sqlite_url)
    try:
        assert backups.check_database(db, progress=ProgressState()) is None
    finally:
        db.dispose()
    big = tmp_path / "big.sqlite3"
    with sqlite3.connect(big) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany("INSERT INTO t (v) VALUES (?)", ((f"row {n}" * 5,) for n in range(50_000)))
    assert backups.check_file(big, progress=ProgressState()) is None
    stopped = ProgressState()
    stopped.cancel()
    with pytest.raises(OperationCancelled):
        backups.check_file(big, progress=stopped)
