"""Engine set-up per dialect, in one place (DESIGN §1, §13).

SQLite: WAL, ``foreign_keys=ON``, ``synchronous=FULL``, a busy timeout, transactional DDL, and a
refusal of files on network filesystems. PostgreSQL: psycopg 3 with ``pool_pre_ping``.
Driver errors met while opening are turned into one clear ``DatabaseError``.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PureWindowsPath
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.pool import NullPool

from crm_desktop.core.errors import ConnectionLost, CrmError, DatabaseError

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_BEGIN_OPTION = "crm_sqlite_begin"
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "ceph",
        "glusterfs",
        "fuse.glusterfs",
        "fuse.sshfs",
        "sshfs",
        "davfs",
        "fuse.davfs2",
        "lustre",
        "gpfs",
        "fuse.rclone",
        "fuse.s3fs",
    }
)
CLOUD_SYNC_FOLDERS = (
    "onedrive",
    "dropbox",
    "google drive",
    "googledrive",
    "icloud drive",
    "iclouddrive",
    "坚果云",
    "百度网盘",
    "baiduyun",
)
DRIVE_REMOTE = 4  # GetDriveTypeW's answer for a mapped network drive
SHARED_MODE_HINT = (
    "SQLite files must not live on a network drive: its locking is unsafe there and the file can "
    "be corrupted. Keep the file on this computer, or use Shared mode (a PostgreSQL server) to "
    "share one database between several people."
)


# --------------------------------------------------------------------------- URL handling


def normalize_url(url: str) -> URL:
    """Parse a database URL; ``postgresql://`` means psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"Not a database URL: {url!r}") from exc
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"Unsupported database {parsed.get_backend_name()!r}: use sqlite:///FILE or "
            "postgresql://USER@HOST/DB"
        )
    return parsed


def describe_url(url: URL) -> str:
    """A human label for the status bar and messages (never the password)."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database or ':memory:'}"
    port = f":{url.port}" if url.port else ""
    return f"PostgreSQL {url.username or ''}@{url.host or 'localhost'}{port}/{url.database or ''}"


# --------------------------------------------------------------------------- network drives


@dataclass(frozen=True)
class LocationCheck:
    refused: str | None = None  # why the file may not be used
    warnings: list[str] = field(default_factory=list)


def _mount_fstype(path: PurePath, mounts: str) -> str | None:
    """The filesystem type of the longest mount point containing ``path`` (from /proc/mounts)."""
    best: tuple[int, str] | None = None
    target = path.as_posix()
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        # /proc/mounts escapes spaces and other bytes as octal (\040).
        mount_point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), parts[1])
        mp = mount_point.rstrip("/") or "/"
        inside = mp in ("/", target) or target.startswith(mp + "/")
        if inside and (best is None or len(mp) > best[0]):
            best = (len(mp), parts[2])
    return best[1] if best else None


def _windows_drive_type(root: str) -> int:
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


def check_sqlite_location(
    path: str | PurePath,
    *,
    platform: str = sys.platform,
    mounts: str | None = None,
    drive_type: Any = None,
) -> LocationCheck:
    """Say whether a SQLite file may live at ``path``: refused on network filesystems (UNC paths
    and mapped network drives on Windows, nfs/cifs/smb… mounts elsewhere), a warning inside
    cloud-sync folders. ``mounts`` and ``drive_type`` exist so every branch can be exercised on
    any OS; by default they come from the running system."""
    raw = str(path)
    warnings: list[str] = []
    if platform.startswith("win"):
        win = PureWindowsPath(raw)
        unc = raw.startswith(("\\\\", "//")) and not raw.startswith(("\\\\?\\", "\\\\.\\"))
        unc = unc or raw.upper().startswith("\\\\?\\UNC\\")
        if unc:
            return LocationCheck(
                refused=f"{raw} is on a network share (UNC path). {SHARED_MODE_HINT}"
            )
        if win.drive:
            get_type = drive_type or _windows_drive_type
            if get_type(win.drive + "\\") == DRIVE_REMOTE:
                return LocationCheck(
                    refused=f"{raw} is on the network drive {win.drive}. {SHARED_MODE_HINT}"
                )
        parts_lower = [p.lower() for p in win.parts]
    else:
        posix = Path(raw).resolve() if mounts is None else PurePath(raw)
        if mounts is None:
            try:
                mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
            except OSError:
                mounts = ""
        fstype = _mount_fstype(posix, mounts)
        if fstype and (fstype.lower() in NETWORK_FILESYSTEMS or fstype.lower().startswith("nfs")):
            return LocationCheck(
                refused=f"{raw} is on a network filesystem ({fstype}). {SHARED_MODE_HINT}"
            )
        parts_lower = [p.lower() for p in posix.parts]
    for part in parts_lower:
        if any(part.startswith(name) for name in CLOUD_SYNC_FOLDERS):
            warnings.append(
                f"{raw} is inside a cloud-sync folder ({part}); syncing an open database can "
                "corrupt it or lose changes. Prefer a local folder and use backups."
            )
            break
    return LocationCheck(warnings=warnings)


# --------------------------------------------------------------------------- engines


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions start (so DDL is transactional
        # and SAVEPOINT works): the documented pysqlite recipe.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA cache_size = -32000")  # 32 MB page cache
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front (BEGIN IMMEDIATE), waiting up to busy_timeout
        # for another writer; a deferred transaction that reads, then writes after someone
        # else committed fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT).
        if conn.get_execution_options().get(SQLITE_BEGIN_OPTION) == "immediate":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def writer_engine(engine: Engine) -> Engine:
    """The same engine whose transactions start as writers (BEGIN IMMEDIATE on SQLite; no
    difference on PostgreSQL)."""
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "immediate"})


def create_db_engine(url: str | URL, *, password: str | None = None, echo: bool = False) -> Engine:
    """Make the engine for a URL with this project's settings for its dialect.

    Raises DatabaseError for an unsafe SQLite location or an unsupported URL; connection problems
    surface on first use and are translated by ``translate_open_error``.
    """
    parsed = normalize_url(url) if isinstance(url, str) else url
    if password is not None:
        parsed = parsed.set(password=password)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            check = check_sqlite_location(database)
            if check.refused:
                raise DatabaseError(check.refused)
            for warning in check.warnings:
                log.warning("%s", warning)
        engine = create_engine(
            parsed,
            echo=echo,
            # One connection per thread is what SQLite wants; NullPool avoids cross-thread reuse
            # surprises for file databases and costs ~50 µs per checkout.
            poolclass=NullPool if database and database != ":memory:" else None,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _install_sqlite_pragmas(engine)
        return engine
    return create_engine(
        parsed,
        echo=echo,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_recycle=1800,
        connect_args={"connect_timeout": 10, "application_name": "crm-desktop"},
    )


def translate_open_error(exc: BaseException, url: URL) -> DatabaseError:
    """One clear line for what went wrong while opening ``url``."""
    label = describe_url(url)
    orig = getattr(exc, "orig", None) or exc
    message = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    if url.get_backend_name() == "sqlite":
        if "is not a database" in message:
            return DatabaseError(
                f"{url.database} is not a crm-desktop database (not a SQLite file)"
            )
        if "malformed" in message:
            # A SQLite file whose pages are broken: say so, it is not somebody else's file.
            return DatabaseError(
                f"{url.database} is damaged ({message}). Restore it from a backup."
            )
        if "unable to open" in message:
            return DatabaseError(
                f"Cannot open {url.database}: the folder is missing or not writable"
            )
        return DatabaseError(f"Cannot open {label}: {message}")
    if isinstance(exc, OperationalError) or isinstance(orig, Exception):
        low = message.lower()
        if "password authentication failed" in low or "no password supplied" in low:
            return DatabaseError(f"Wrong user name or password for {label}")
        sslmode = url.query.get("sslmode")
        if "does not support ssl" in low:
            return DatabaseError(
                f"The server of {label} does not accept encrypted (TLS) connections, but this "
                f"connection requires them (sslmode={sslmode}). Ask the administrator to turn "
                "on TLS on the server."
            )
        if "certificate verify failed" in low or "server certificate for" in low:
            return DatabaseError(
                f"The server of {label} could not prove its identity: its certificate does not "
                f"match the CA file or the server name (sslmode={sslmode}): {message}"
            )
        if "root certificate file" in low:
            return DatabaseError(f"The server's CA file cannot be read: {message}")
        if "does not exist" in low and "database" in low:
            return DatabaseError(f"The database of {label} does not exist")
        if "connection refused" in low or "could not connect" in low or "timeout" in low:
            return DatabaseError(f"Cannot reach the database server of {label}: {message}")
    return DatabaseError(f"Cannot open {label}: {message}")


# SQLSTATEs of a session the server ended: connection exceptions (class 08), an administrator's
# pg_terminate_backend or a shutdown (57P01), a crash restart (57P02), a server starting (57P03).
_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def is_connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) says the PostgreSQL connection broke or the server
    cannot be reached right now — not a refused statement, a deadlock or a lock timeout."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "connection_invalidated", False):
            return True  # SQLAlchemy's dialect recognised a disconnect
        orig = getattr(current, "orig", None)
        for candidate in (current, orig):
            if candidate is not None and _is_psycopg_disconnect(candidate):
                return True
        current = current.__cause__ or current.__context__
    return False


def _is_psycopg_disconnect(exc: BaseException) -> bool:
    if not type(exc).__module__.startswith("psycopg"):
        return False  # SQLite's OperationalError ("database is locked") is no lost connection
    import psycopg

    if isinstance(exc, psycopg.InterfaceError):
        return True  # "the connection is closed"
    if not isinstance(exc, psycopg.OperationalError):
        return False
    sqlstate = getattr(exc, "sqlstate", None)
    # No SQLSTATE: the client library failed (socket closed, server unreachable).
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _LOST_SQLSTATES


def translate_connection_error(exc: BaseException) -> BaseException:
    """``ConnectionLost`` (one clear sentence, the driver's error as its cause) for a broken or
    unreachable PostgreSQL connection; any other exception (our own errors included)
    unchanged. The engine's pool (``pool_pre_ping``) replaces the broken connection at the
    next checkout."""
    if isinstance(exc, CrmError) or not is_connection_lost(exc):
        return exc
    lost = ConnectionLost()
    lost.__cause__ = exc
    return lost


SchemaState = str  # "empty" | "crm" | "foreign"


def schema_state(engine: Engine) -> SchemaState:
    """Whether the database is empty, a crm-desktop database, or something else."""
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
    except SADatabaseError as exc:
        raise translate_open_error(exc, engine.url) from exc
    if not names:
        return "empty"
    if "alembic_version" in names and "customer" in names and "app_user" in names:
        return "crm"
    if "alembic_version" in names and len(names) == 1:
        return "empty"
    return "foreign"


def quick_check(engine: Engine) -> str | None:
    """Run SQLite's ``PRAGMA quick_check``: None when the file is sound, else its first finding."""
    if engine.dialect.name != "sqlite":
        return None
    try:
        with engine.connect() as conn:
            rows = [r[0] for r in conn.execute(text("PRAGMA quick_check")).fetchall()]
    except SADatabaseError as exc:
        raise translate_open_error(exc, engine.url) from exc
    return None if rows == ["ok"] else "; ".join(str(r) for r in rows[:3])
