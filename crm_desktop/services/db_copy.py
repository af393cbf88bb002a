"""Grow (DESIGN §1): copy a whole crm-desktop database into an empty one, e.g. a Single SQLite
file into a Shared PostgreSQL database, in one transaction on the target.

Every table goes over in foreign-key order with its ids; JSON values travel as their text (a
SQL NULL and a JSON ``null`` stay apart), binary and datetime columns as they are. PostgreSQL
targets are filled with ``COPY`` (5× executemany here), their sequences set past the largest id
and their statistics refreshed; SQLite targets get their search tables rebuilt in one pass. In
Shared mode each user becomes a login role with a one-time password that the result carries
once (it is stored nowhere) and must be changed at the first sign-in.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Table,
    Text,
    cast,
    delete,
    func,
    insert,
    null,
    select,
    text,
    true,
    type_coerce,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from crm_desktop.core.errors import DatabaseError
from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.db.engine import describe_url, normalize_url, writer_engine
from crm_desktop.db.models import AppUser, Base, CompanySetting
from crm_desktop.db.search_sql import resume_search_sync, suspend_search_sync
from crm_desktop.services.database import Database, open_database

BATCH = 5_000
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I
PASSWORD_LENGTH = 16
OWNER_ROLE = "crm_owner"  # owns the schema in Shared mode (docs/dev/issue7-contract.md)


@dataclass(frozen=True)
class TableCount:
    """Rows of one table on both sides; ``kept``: rows a freshly initialised Shared target had
    already (its administrator, company settings) and keeps beside the copied ones."""

    table: str
    source: int
    target: int
    kept: int = 0


@dataclass(frozen=True)
class CopiedLogin:
    """A Shared-mode login made for a copied user; ``password`` is shown once, then forgotten
    (None: the login existed in the target already and keeps its password)."""

    login: str
    role: str
    active: bool
    password: str | None


@dataclass(frozen=True)
class CopyResult:
    source: str
    target: str
    tables: tuple[TableCount, ...]
    rows: int
    elapsed_s: float
    counts_equal: bool
    shared: bool
    logins: tuple[CopiedLogin, ...] = ()

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.elapsed_s if self.elapsed_s > 0 else 0.0


def generate_password(length: int = PASSWORD_LENGTH) -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def copy_tables() -> list[Table]:
    """The tables a copy moves, parents before children."""
    return list(Base.metadata.sorted_tables)


# --------------------------------------------------------------------------- reading


def _json_columns(table: Table) -> set[str]:
    return {c.name for c in table.columns if isinstance(c.type, JSON)}


def _read_select(table: Table, dialect: str) -> Any:
    """SELECT of every column in primary-key order; JSON columns as their stored text."""
    columns: list[Any] = []
    for column in table.columns:
        if isinstance(column.type, JSON):
            as_text = cast(column, Text) if dialect == "postgresql" else type_coerce(column, Text)
            columns.append(as_text.label(column.name))
        else:
            columns.append(column)
    return select(*columns).order_by(*table.primary_key.columns)


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a self-referencing table (region.parent_id) ordered so a parent precedes its
    children whatever their ids."""
    self_fks = [
        (fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table
    ]
    if not self_fks:
        return rows
    pk = [c.name for c in table.primary_key.columns]
    if len(pk) != 1:
        return rows
    key = pk[0]
    placed: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        waiting: list[dict[str, Any]] = []
        for row in pending:
            refs = [row[child] for child, _parent in self_fks]
            if all(ref is None or ref in placed or ref == row[key] for ref in refs):
                ordered.append(row)
                placed.add(row[key])
            else:
                waiting.append(row)
        if len(waiting) == len(pending):  # a dangling or cyclic reference: keep it last
            ordered.extend(waiting)
            break
        pending = waiting
    return ordered


def _read_batches(
    conn: Connection, table: Table, batch_size: int
) -> Iterator[list[dict[str, Any]]]:
    stmt = _read_select(table, conn.dialect.name)
    if any(fk.column.table is table for fk in table.foreign_keys):
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
        rows = _parents_first(table, rows)
        for start in range(0, len(rows), batch_size):
            yield rows[start : start + batch_size]
        return
    result = conn.execution_options(stream_results=True, yield_per=batch_size).execute(stmt)
    try:
        for part in result.partitions(batch_size):
            yield [dict(r._mapping) for r in part]
    finally:
        result.close()


# --------------------------------------------------------------------------- writing


def _sqlite_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    json_columns = _json_columns(table)
    if json_columns:
        for row in rows:
            for name in json_columns:
                raw = row[name]
                # SQL NULL stays NULL; a stored JSON null stays a JSON null.
                row[name] = null() if raw is None else _json_value(raw)
    conn.execute(table.insert(), rows)


def _json_value(raw: str) -> Any:
    value = json.loads(raw)
    return JSON.NULL if value is None else value


def _pg_copy(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``COPY … FROM STDIN``: JSON columns are sent as the text they were read as."""
    names = [c.name for c in table.columns]
    driver = conn.connection.driver_connection
    assert driver is not None
    column_list = ", ".join(f'"{n}"' for n in names)
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({column_list}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row([row[n] for n in names])


def _raw_sqlite_batches(src: Connection, table: Table, batch_size: int) -> Iterator[list[Any]]:
    """SQLite → PostgreSQL: the stored values as they are, no per-value conversion (3× faster
    here). COPY's text input reads them as the column types do: datetimes are naive UTC text
    (the target transaction's TimeZone is UTC), booleans 0/1, JSON its text."""
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    driver = src.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(f'SELECT {names} FROM "{table.name}" ORDER BY {order}')
        while rows := cursor.fetchmany(batch_size):
            yield rows
    finally:
        cursor.close()


def _pg_copy_raw(conn: Connection, table: Table, rows: list[Any]) -> None:
    column_list = ", ".join(f'"{c.name}"' for c in table.columns)
    driver = conn.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({column_list}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


# --------------------------------------------------------------------------- Shared mode


def _target_is_shared(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    try:
        from crm_desktop.services import server
    except ImportError:  # Shared mode not built into this version
        return False
    with Session(bind=conn) as session:
        return bool(server.is_shared(session))


@dataclass
class _Suspended:
    """What the copy switched off on a PostgreSQL target and must switch on again."""

    triggers: list[tuple[str, str, str]]  # table, trigger, pg_trigger.tgenabled
    rls: list[tuple[str, bool, bool]]  # table, relrowsecurity, relforcerowsecurity


def _pg_suspend(conn: Connection, tables: Sequence[Table]) -> _Suspended:
    """Inside the copy's transaction (nobody else sees it): no user triggers (live-update
    notifications, the audit actor stamp that would rewrite history) and no row-level security
    (COPY refuses tables under RLS) on the tables being filled."""
    names = [t.name for t in tables]
    triggers = [
        (str(r[0]), str(r[1]), str(r[2]))
        for r in conn.execute(
            text(
                "SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace "
                "AND c.relname = ANY(:names) AND t.tgenabled <> 'D'"
            ),
            {"names": names},
        )
    ]
    rls = [
        (str(r[0]), bool(r[1]), bool(r[2]))
        for r in conn.execute(
            text(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' "
                "AND relname = ANY(:names) AND (relrowsecurity OR relforcerowsecurity)"
            ),
            {"names": names},
        )
    ]
    for table, trigger, _state in triggers:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"')
    for table, _enabled, _forced in rls:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
        conn.exec_driver_sql(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    return _Suspended(triggers, rls)


def _pg_resume(conn: Connection, suspended: _Suspended) -> None:
    states = {"O": "ENABLE", "A": "ENABLE ALWAYS", "R": "ENABLE REPLICA"}
    for table, trigger, state in suspended.triggers:
        conn.exec_driver_sql(
            f'ALTER TABLE "{table}" {states.get(state, "ENABLE")} TRIGGER "{trigger}"'
        )
    for table, enabled, forced in suspended.rls:
        if enabled:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        if forced:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')


@contextmanager
def _as_owner(conn: Connection, shared: bool) -> Iterator[None]:
    """DDL on a Shared database is done as the schema's owner role (the copy runs as the
    bootstrap admin, a member of it), so what it creates is owned like the rest."""
    if not shared:
        yield
        return
    conn.exec_driver_sql(f"SET LOCAL ROLE {OWNER_ROLE}")
    try:
        yield
    finally:
        conn.exec_driver_sql("RESET ROLE")


# What ``server init`` writes into a Shared database (its administrator, and with --company
# the seeded company: branches, grades, regions, settings, audit rows).
INIT_TABLES = ("app_user", "audit_log", "branch", "company_setting", "grade", "region")


@dataclass
class _SetAside:
    users: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    branch_codes: dict[int, str]
    kept: dict[str, int]


def _set_aside_init_rows(conn: Connection, src: Connection) -> _SetAside:
    """Make room in a freshly initialised Shared target. Its users and audit rows are taken
    out and given back after the copy with ids after the copied ones (a user only when the
    source has no such login); its seeded reference rows and settings give way to the
    source's (kept when the source has none). Nothing else refers to them yet."""
    tables = Base.metadata.tables
    users = [dict(r._mapping) for r in conn.execute(select(*AppUser.__table__.columns))]
    audit = [dict(r._mapping) for r in conn.execute(select(*tables["audit_log"].columns))]
    branch_codes = {int(r[0]): str(r[1]) for r in conn.execute(text("SELECT id, code FROM branch"))}
    conn.execute(delete(AppUser))
    conn.execute(delete(tables["audit_log"]))
    kept: dict[str, int] = {}
    for name in ("region", "grade", "branch"):
        if _count(src, tables[name]):
            conn.execute(delete(tables[name]))
        else:
            kept[name] = _count(conn, tables[name])
    source_keys = list(src.execute(select(CompanySetting.key)).scalars())
    if source_keys:
        conn.execute(delete(CompanySetting).where(CompanySetting.key.in_(source_keys)))
    kept["company_setting"] = _count(conn, tables["company_setting"])
    return _SetAside(users, audit, branch_codes, kept)


def _restore_init_rows(conn: Connection, aside: _SetAside) -> set[str]:
    """Give back the set-aside users the source did not have and the audit rows, with new ids
    after the copied ones; a user's branch is found again by its code. The logins keep their
    passwords. Returns every set-aside login."""
    tables = Base.metadata.tables
    copied = set(conn.execute(select(AppUser.login)).scalars())
    branches = {str(r[1]): int(r[0]) for r in conn.execute(text("SELECT id, code FROM branch"))}
    next_id = int(conn.execute(select(func.coalesce(func.max(AppUser.id), 0))).scalar_one())
    back = 0
    for user in aside.users:
        if user["login"] in copied:
            continue
        next_id += 1
        back += 1
        code = aside.branch_codes.get(user["branch_id"]) if user["branch_id"] else None
        branch_id = branches.get(code) if code else None
        conn.execute(insert(AppUser).values({**user, "id": next_id, "branch_id": branch_id}))
    audit = tables["audit_log"]
    next_id = int(conn.execute(select(func.coalesce(func.max(audit.c.id), 0))).scalar_one())
    for offset, row in enumerate(sorted(aside.audit, key=lambda r: r["id"]), start=1):
        conn.execute(insert(audit).values({**row, "id": next_id + offset}))
    aside.kept["app_user"] = back
    aside.kept["audit_log"] = len(aside.audit)
    return {u["login"] for u in aside.users}


def _make_logins(
    conn: Connection, progress: Progress, existing: set[str]
) -> tuple[CopiedLogin, ...]:
    """A login role for each copied user, as the bootstrap admin (the user-management
    functions accept it); a one-time password each, except logins the target already had."""
    from crm_desktop.services import server
    from crm_desktop.services.context import SYSTEM

    made: list[CopiedLogin] = []
    with Session(bind=conn, autoflush=False) as session:
        users = session.execute(
            select(AppUser.login, AppUser.role, AppUser.active).order_by(AppUser.id)
        ).all()
        for login, role, active in users:
            progress.check_cancelled()
            if login in existing:
                server.set_login_role(session, login, role, SYSTEM)
                made.append(CopiedLogin(login=login, role=role, active=bool(active), password=None))
                continue
            password = generate_password()
            server.create_login(session, login, password, role, SYSTEM)
            if not active:
                server.disable_login(session, login, SYSTEM)
            made.append(CopiedLogin(login=login, role=role, active=bool(active), password=password))
        session.flush()
    return tuple(made)


# --------------------------------------------------------------------------- the copy


def _open(url: str, password: str | None, *, create: bool, label: str) -> Database:
    try:
        return open_database(url, password=password, create=create)
    except DatabaseError as exc:
        raise DatabaseError(f"{label}: {exc}") from exc


def _source_counts(conn: Connection, tables: Sequence[Table]) -> dict[str, int]:
    return {t.name: _count(conn, t) for t in tables}


def _refuse_non_empty(conn: Connection, tables: Sequence[Table], label: str) -> None:
    filled = [(t.name, n) for t in tables if (n := _count(conn, t))]
    if filled:
        shown = ", ".join(f"{n:,} {name}" for name, n in filled[:4])
        raise DatabaseError(
            f"{label} already holds data ({shown}{' …' if len(filled) > 4 else ''}); "
            "copy into an empty database (nothing was changed)"
        )


@contextmanager
def _source_snapshot(db: Database) -> Iterator[Connection]:
    """One consistent view of the source for the whole copy."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")  # sets it in place
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield conn
        else:
            with conn.begin():
                yield conn


def copy_database(
    from_url: str,
    to_url: str,
    *,
    from_password: str | None = None,
    to_password: str | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH,
) -> CopyResult:
    """Copy every row of the database at ``from_url`` into the empty (or freshly initialised)
    database at ``to_url``: one transaction on the target, so a failure or a cancel leaves it
    as it was. Refused when the target holds data. An empty target gets the schema first; a
    missing SQLite file is created (and removed again if the copy fails)."""
    progress = progress or NullProgress()
    started = time.perf_counter()
    source_label = describe_url(normalize_url(from_url))
    target_url = normalize_url(to_url)
    target_label = describe_url(target_url)
    if source_label == target_label:
        raise DatabaseError("The source and the target are the same database")
    new_file: Path | None = None
    if target_url.get_backend_name() == "sqlite" and target_url.database not in (None, ""):
        path = Path(target_url.database or "")
        if not path.exists():
            new_file = path
    tables = copy_tables()
    source = _open(from_url, from_password, create=False, label="The source")
    try:
        target = _open(to_url, to_password, create=True, label="The target")
    except BaseException:
        source.dispose()
        raise
    try:
        with _source_snapshot(source) as src:
            source_counts = _source_counts(src, tables)
            counts, shared, logins = _copy_into(
                src, target, tables, source_counts, progress, batch_size
            )
    except BaseException:
        target.dispose()
        if new_file is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(new_file) + suffix).unlink(missing_ok=True)
        raise
    else:
        target.dispose()
    finally:
        source.dispose()
    return CopyResult(
        source=source_label,
        target=target_label,
        tables=counts,
        rows=sum(source_counts.values()),
        elapsed_s=time.perf_counter() - started,
        counts_equal=all(c.source + c.kept == c.target for c in counts),
        shared=shared,
        logins=logins,
    )


def _copy_into(
    src: Connection,
    target: Database,
    tables: Sequence[Table],
    source_counts: dict[str, int],
    progress: Progress,
    batch_size: int,
) -> tuple[tuple[TableCount, ...], bool, tuple[CopiedLogin, ...]]:
    total = sum(source_counts.values())
    done = 0
    progress.report(0, total, "checking the target")
    with writer_engine(target.engine).begin() as conn:
        dialect = conn.dialect.name
        raw = dialect == "postgresql" and src.dialect.name == "sqlite"
        if raw:
            conn.exec_driver_sql("SET LOCAL TimeZone = 'UTC'")
        shared = _target_is_shared(conn)
        # What ``server init`` writes may be there; everything else must be empty.
        init_tables = set(INIT_TABLES) if shared else set()
        _refuse_non_empty(conn, [t for t in tables if t.name not in init_tables], target.label)
        suspended: _Suspended | None = None
        aside: _SetAside | None = None
        with _as_owner(conn, shared):
            if dialect == "postgresql":
                suspended = _pg_suspend(conn, tables)
            suspend_search_sync(conn)
            if shared:
                aside = _set_aside_init_rows(conn, src)
        for table in tables:
            if not source_counts[table.name]:
                continue
            progress.report(done, total, table.name)
            self_referencing = any(fk.column.table is table for fk in table.foreign_keys)
            if raw and not self_referencing:
                for raw_rows in _raw_sqlite_batches(src, table, batch_size):
                    progress.check_cancelled()
                    _pg_copy_raw(conn, table, raw_rows)
                    done += len(raw_rows)
                    progress.report(done, total, table.name)
                continue
            for rows in _read_batches(src, table, batch_size):
                progress.check_cancelled()
                if dialect == "postgresql":
                    _pg_copy(conn, table, rows)
                else:
                    _sqlite_insert(conn, table, rows)
                done += len(rows)
                progress.report(done, total, table.name)
        progress.report(done, total, "rebuilding the search index")
        existing: set[str] = set()
        with _as_owner(conn, shared):
            if aside is not None:
                existing = _restore_init_rows(conn, aside)
                # Shared-mode users sign in with their login role's password, a one-time one.
                conn.execute(
                    update(AppUser)
                    .where(AppUser.login.not_in(existing) if existing else true())
                    .values(password_hash=None, must_change_password=True)
                )
            # Counted while no row-level security hides rows from the copying role.
            target_counts = {t.name: _count(conn, t) for t in tables}
            resume_search_sync(conn)
            if dialect == "postgresql":
                _set_sequences(conn, tables)
                if suspended is not None:
                    _pg_resume(conn, suspended)
        kept = aside.kept if aside is not None else {}
        counts = tuple(
            TableCount(t.name, source_counts[t.name], target_counts[t.name], kept.get(t.name, 0))
            for t in tables
        )
        wrong = [c for c in counts if c.source + c.kept != c.target]
        if wrong:
            raise DatabaseError(
                "The copy is incomplete ("
                + ", ".join(f"{c.table}: {c.source:,} → {c.target:,}" for c in wrong)
                + "); nothing was changed"
            )
        logins: tuple[CopiedLogin, ...] = ()
        if shared:
            progress.report(done, total, "creating the logins")
            logins = _make_logins(conn, progress, existing)
        if dialect == "postgresql":
            progress.report(done, total, "refreshing the statistics")
            with _as_owner(conn, shared):
                conn.exec_driver_sql("ANALYZE")
        progress.check_cancelled()
    return counts, shared, logins


def _set_sequences(conn: Connection, tables: Sequence[Table]) -> None:
    """Each id sequence continues after the largest copied id (an empty table starts at 1)."""
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
            continue
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
        ).scalar()
        if sequence is None:
            continue
        conn.execute(
            text(
                f'SELECT setval(:s, coalesce((SELECT max("{pk[0].name}") FROM "{table.name}"), 1), '
                f'(SELECT max("{pk[0].name}") FROM "{table.name}") IS NOT NULL)'
            ),
            {"s": sequence},
        )
