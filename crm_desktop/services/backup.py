"""Backups and restores of the company database (DESIGN §13): SQLite through its online backup
API only (never a file copy), every copy integrity-checked, generations pruned; PostgreSQL through
``pg_dump -Fc``. Also the read-only opening of a damaged SQLite file."""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session, attributes, sessionmaker

from crm_desktop.core import paths
from crm_desktop.core.errors import DatabaseError, OperationCancelled, UserError
from crm_desktop.core.paths import default_database_path
from crm_desktop.core.progress import Progress
from crm_desktop.db.engine import create_db_engine, normalize_url, quick_check, writer_engine
from crm_desktop.services.database import Database

log = logging.getLogger(__name__)

Reason = Literal["manual", "exit", "daily"]
REASONS: tuple[str, ...] = ("manual", "exit", "daily")
DEFAULT_KEEP = 10
DAILY_INTERVAL = timedelta(hours=24)
STEP_PAGES = 1024  # pages copied per backup step (4 MB at the default page size)
SQLITE_MAGIC = b"SQLite format 3\x00"
BACKUP_SUFFIX = ".sqlite3"
_NAME_RE = re.compile(
    r"^(?P<stem>.+)-(?P<date>\d{8})-(?P<time>\d{6})-(?P<reason>manual|exit|daily)"
    r"(?:-(?P<n>\d+))?\.sqlite3$"
)
READ_ONLY_MESSAGE = (
    "The database is open read-only because it is damaged: nothing can be saved. "
    "Restore a backup (File → Restore from backup…) to work with it again."
)
PG_DUMP_MISSING = (
    "pg_dump was not found, so this computer cannot back up the PostgreSQL server. Install the "
    "PostgreSQL client tools (the server's major version or newer; on Debian/Ubuntu: "
    "'apt install postgresql-client', on Windows: the PostgreSQL installer's command line "
    "tools), or ask the database administrator to back up the server with pg_dump."
)
PG_RESTORE_REFUSED = (
    "restore works on Single-mode (SQLite) databases only. A PostgreSQL database is restored "
    "by its administrator with pg_restore (e.g. 'pg_restore --clean --dbname=DB FILE.dump')."
)


class DatabaseReadOnly(DatabaseError):
    """A write on a database opened read-only because it is damaged."""

    def __init__(self, message: str = READ_ONLY_MESSAGE) -> None:
        super().__init__(message)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    elapsed_s: float
    kind: Literal["sqlite", "pg_dump"] = "sqlite"
    pages: int = 0
    check: str = "quick_check"  # how the copy was verified
    pruned: tuple[Path, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "size": self.size,
            "kind": self.kind,
            "pages": self.pages,
            "check": self.check,
            "elapsed_ms": round(self.elapsed_s * 1000),
            "pruned": [str(p) for p in self.pruned],
        }


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    at: datetime  # local time, naive (as in the file name)
    size: int
    ok: bool  # the header looks like a complete SQLite file (cheap; no page is read)
    reason: str | None = None  # manual | exit | daily

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "at": self.at.isoformat(timespec="seconds"),
            "size": self.size,
            "ok": self.ok,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    backup: Path
    kept_aside: tuple[Path, ...]  # the previous file (and its -wal/-shm), renamed
    size: int
    elapsed_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "database": str(self.database),
            "backup": str(self.backup),
            "kept_aside": [str(p) for p in self.kept_aside],
            "size": self.size,
            "elapsed_ms": round(self.elapsed_s * 1000),
        }


@dataclass(frozen=True)
class BackupSettings:
    """``Settings.ui["backup"]`` with its defaults filled in. ``last``: the last backup of the
    database it was read for (``ui["backup"]["last"]`` maps database keys to times: one user
    may work with several databases)."""

    folder: Path
    keep: int = DEFAULT_KEEP
    on_exit: bool = True
    daily: bool = True
    last: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """The options without ``last`` (``record_backup`` writes that, per database)."""
        return {
            "folder": str(self.folder),
            "keep": self.keep,
            "on_exit": self.on_exit,
            "daily": self.daily,
        }


BackupTarget = str | URL | Engine | Database | Path


def database_key(database: BackupTarget) -> str:
    """Which database a ``last`` time belongs to: the absolute path of a SQLite file, else the
    URL without its password."""
    if isinstance(database, Database):
        database = database.engine
    url: str | URL | Path = database.url if isinstance(database, Engine) else database
    if isinstance(url, str) and "://" not in url:
        url = Path(url)
    if isinstance(url, Path):
        return str(url.expanduser().resolve())
    parsed = normalize_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        return str(sqlite_path(parsed).expanduser().resolve())
    return parsed.render_as_string(hide_password=True).replace(":***@", "@")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _last_of(raw: Mapping[str, Any], database: BackupTarget | None) -> datetime | None:
    stored = raw.get("last")
    if isinstance(stored, Mapping):
        return _parse_time(stored.get(database_key(database))) if database is not None else None
    # The single value of older versions: whose it was is unknown, so it answers only when no
    # database is named (``last_backup`` asks the backup folder instead).
    return _parse_time(stored) if database is None else None


def default_backup_folder() -> Path:
    return paths.data_dir() / "backups"


def backup_settings(
    raw: Mapping[str, Any] | None, database: BackupTarget | None = None
) -> BackupSettings:
    """Read ``Settings.ui["backup"]`` (missing or malformed values take their defaults);
    ``last`` is that of ``database`` (see ``last_backup`` for one that also asks the folder)."""
    raw = raw if isinstance(raw, Mapping) else {}
    folder = raw.get("folder")
    keep = raw.get("keep", DEFAULT_KEEP)
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        keep = DEFAULT_KEEP
    return BackupSettings(
        folder=Path(folder) if isinstance(folder, str) and folder else default_backup_folder(),
        keep=keep,
        on_exit=bool(raw.get("on_exit", True)),
        daily=bool(raw.get("daily", True)),
        last=_last_of(raw, database),
    )


def last_backup(raw: Mapping[str, Any] | None, database: BackupTarget) -> datetime | None:
    """When ``database`` was last backed up: as recorded for it, else (settings of an older
    version kept one time for all databases, or none yet) the newest backup of this SQLite
    file in the backup folder (a cheap directory listing)."""
    chosen = backup_settings(raw, database)
    if chosen.last is not None:
        return chosen.last
    try:
        path = sqlite_path(database)
    except UserError:
        return None  # PostgreSQL: pg_dump files are not named by this feature
    found = list_backups(chosen.folder, database=path)
    return found[0].at if found else None


def record_backup(
    raw: Mapping[str, Any] | None, database: BackupTarget, at: datetime
) -> dict[str, Any]:
    """``Settings.ui["backup"]`` with ``at`` as the last backup of ``database``; the single
    value of older versions goes (the folder still tells when each database was backed up)."""
    entry = dict(raw) if isinstance(raw, Mapping) else {}
    stored = entry.get("last")
    last = {str(k): v for k, v in stored.items()} if isinstance(stored, Mapping) else {}
    last[database_key(database)] = at.replace(microsecond=0).isoformat()
    entry["last"] = last
    return entry


def backup_due(
    settings_backup: Mapping[str, Any] | None,
    now: datetime,
    database: BackupTarget | None = None,
) -> bool:
    """Whether the daily backup (of ``database``) should run: it is on and the last backup is
    24 h old or more (or lies in the future: the clock was set back)."""
    chosen = backup_settings(settings_backup, database)
    if not chosen.daily:
        return False
    last = last_backup(settings_backup, database) if database is not None else chosen.last
    if last is None:
        return True
    if (last.tzinfo is None) != (now.tzinfo is None):
        last = last.replace(tzinfo=now.tzinfo)
    age = now - last
    return age >= DAILY_INTERVAL or age < timedelta(0)


# --------------------------------------------------------------------------- SQLite helpers


def sqlite_path(source: str | URL | Engine | Database | Path) -> Path:
    """The file of a SQLite database given as a path, URL, engine or Database."""
    if isinstance(source, Path):
        return source
    if isinstance(source, Database):
        source = source.engine
    url = source.url if isinstance(source, Engine) else source
    parsed = normalize_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        raise UserError(
            "This is a PostgreSQL database: back it up with pg_dump ('crm-desktop backup')"
        )
    database = parsed.database or ""
    if not database or database == ":memory:":
        raise UserError("An in-memory database cannot be backed up")
    if database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
    return Path(database)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise UserError(f"No database file at {path}")
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=10
    )
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def _check_connection(
    conn: sqlite3.Connection, how: str, progress: Progress | None = None
) -> str | None:
    """None when ``PRAGMA quick_check``/``integrity_check`` says ok, else its first findings.
    With ``progress`` a cancel interrupts the check (OperationCancelled): a minute-long check of
    a big file must not hold up quitting the app."""
    if progress is not None:

        def stop() -> int:
            try:
                progress.check_cancelled()
            except OperationCancelled:
                return 1
            return 0

        conn.set_progress_handler(stop, 10_000)
    try:
        rows = [str(r[0]) for r in conn.execute(f"PRAGMA {how}").fetchall()]
    except sqlite3.DatabaseError as exc:
        if progress is not None and "interrupted" in str(exc):
            raise OperationCancelled("the integrity check was cancelled") from exc
        return str(exc)
    return None if rows == ["ok"] else "; ".join(rows[:3])


def check_file(
    path: Path,
    how: Literal["quick_check", "integrity_check"] = "quick_check",
    *,
    progress: Progress | None = None,
) -> str | None:
    """Check a SQLite file without changing it: None when sound, else what is wrong."""
    if not header_ok(path):
        return "not a complete SQLite file"
    try:
        conn = _connect_read_only(path)
    except (sqlite3.Error, UserError) as exc:
        return str(exc)
    try:
        return _check_connection(conn, how, progress)
    finally:
        conn.close()


def header_ok(path: Path) -> bool:
    """A cheap look at the 100-byte header: the SQLite magic and a size matching its page count
    (a truncated or foreign file fails; damaged pages inside need ``check_file``)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError:
        return False
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        return False
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return False
    page_count = int.from_bytes(header[28:32], "big")
    if header[24:28] == header[92:96] and page_count > 0:
        return size == page_count * page_size
    return size > 0 and size % page_size == 0


def _remove_quietly(*files: Path) -> None:
    for file in files:
        try:
            file.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            log.warning("could not remove %s", file, exc_info=True)


def _fsync(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    # The rename itself must survive a power cut too (POSIX; Windows has no directory fsync).
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_pages(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    progress: Progress | None,
    label: str,
    step_pages: int = STEP_PAGES,
) -> int:
    """Copy every page with the online backup API, ``STEP_PAGES`` at a time. The source holds
    one read transaction throughout, so the copy is one consistent snapshot and other
    connections keep writing (WAL) without restarting it."""
    total_pages = 0

    def step(_status: int, remaining: int, total: int) -> None:
        nonlocal total_pages
        total_pages = total
        if progress is not None:
            progress.report(total - remaining, total, label)
            progress.check_cancelled()  # raising here aborts the backup

    source.execute("BEGIN")
    try:
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        source.backup(target, pages=max(1, step_pages), progress=step)
    finally:
        source.execute("COMMIT")
    return total_pages


# --------------------------------------------------------------------------- backup


def backup_sqlite(
    source: str | URL | Engine | Database | Path,
    target: Path,
    progress: Progress | None = None,
    *,
    check: Literal["quick_check", "integrity_check"] = "quick_check",
    step_pages: int = STEP_PAGES,
) -> BackupResult:
    """Copy a SQLite database to ``target`` through the online backup API (in page steps, from
    one consistent snapshot, while others keep writing), then check the copy. A copy failing
    its check is deleted and reported as a DatabaseError; a cancel leaves nothing behind."""
    started = time.perf_counter()
    path = sqlite_path(source)
    target = Path(target)
    if target.resolve() == path.resolve():
        raise UserError("The backup file cannot be the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    _remove_quietly(partial)
    try:
        src = _connect_read_only(path)
    except sqlite3.Error as exc:
        raise DatabaseError(f"Cannot read {path}: {exc}") from exc
    try:
        dst = sqlite3.connect(partial, isolation_level=None)
        try:
            pages = _copy_pages(src, dst, progress, "backup", step_pages)
            # One self-contained file: no -wal beside the copy.
            dst.execute("PRAGMA journal_mode = DELETE").fetchone()
            if progress is not None:
                progress.report(pages, pages, "check")
            finding = _check_connection(dst, check)
        finally:
            dst.close()
    except OperationCancelled:
        _remove_quietly(partial, partial.with_name(partial.name + "-journal"))
        raise
    except sqlite3.DatabaseError as exc:
        _remove_quietly(partial, partial.with_name(partial.name + "-journal"))
        raise DatabaseError(
            f"The backup of {path} failed: {exc}. The database may be damaged."
        ) from exc
    except BaseException:
        _remove_quietly(partial, partial.with_name(partial.name + "-journal"))
        raise
    finally:
        src.close()
    if finding is not None:
        _remove_quietly(partial)
        raise DatabaseError(
            f"The backup copy of {path} failed its integrity check ({finding}) and was deleted; "
            "the database itself may be damaged."
        )
    _fsync(partial)
    os.replace(partial, target)
    _fsync_dir(target.parent)
    log.info("backup of %s written to %s (%d pages)", path, target, pages)
    return BackupResult(
        path=target,
        size=target.stat().st_size,
        elapsed_s=time.perf_counter() - started,
        pages=pages,
        check=check,
    )


def backup_stem(database: Path) -> str:
    """The name backups of ``database`` start with: its stem for the default database file
    (``crm``), else the stem and a short hash of its folder (``crm.3fa81c02``) — two files
    called crm.sqlite3 in different folders must not prune each other's backups."""
    resolved = database.expanduser().resolve()
    if resolved == default_database_path().expanduser().resolve():
        return database.stem
    digest = hashlib.sha256(str(resolved.parent).encode("utf-8")).hexdigest()[:8]
    return f"{database.stem}.{digest}"


def backup_name(database: Path, at: datetime, reason: str, n: int = 1) -> str:
    """``<backup stem>-YYYYmmdd-HHMMSS-<reason>[-n].sqlite3`` (the default file crm.sqlite3
    gives ``crm-…``): backups of several databases in one folder never mix."""
    suffix = f"-{n}" if n > 1 else ""
    return f"{backup_stem(database)}-{at:%Y%m%d-%H%M%S}-{reason}{suffix}{BACKUP_SUFFIX}"


def backup_now(
    db: str | URL | Engine | Database | Path,
    folder: Path,
    *,
    keep: int,
    reason: Reason,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> BackupResult:
    """A new generation in ``folder``, then the oldest of this database's backups beyond
    ``keep`` are deleted (only files named by this feature)."""
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    path = sqlite_path(db)
    at = (now or datetime.now()).replace(microsecond=0)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = backup_stem(path)
    # Several backups in one second: the next number after all of that second (any reason),
    # so (time, number) orders them as made and pruning never takes the newest for the
    # oldest (a number freed by pruning must not be reused).
    n = 1 + max(
        (
            int(m["n"] or 1)
            for entry in _entries(folder)
            if (m := _NAME_RE.match(entry.name)) is not None
            and m["stem"] == stem
            and m["date"] + m["time"] == f"{at:%Y%m%d%H%M%S}"
        ),
        default=0,
    )
    while (target := folder / backup_name(path, at, reason, n)).exists():
        n += 1
    result = backup_sqlite(path, target, progress)
    pruned = prune_backups(folder, keep=keep, database=path)
    return replace(result, pruned=tuple(pruned))


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def prune_backups(folder: Path, *, keep: int, database: Path | None = None) -> list[Path]:
    """Delete the oldest backups beyond ``keep`` (of ``database`` when given); returns them."""
    keep = max(1, keep)
    removed: list[Path] = []
    for info in list_backups(folder, database=database)[keep:]:
        _remove_quietly(info.path)
        removed.append(info.path)
    return removed


def list_backups(folder: Path, *, database: Path | None = None) -> list[BackupInfo]:
    """The backups this feature made in ``folder`` (of ``database`` when given), newest first.
    Cheap: only each file's header is read (``ok``); ``newest_good_backup`` checks pages."""
    folder = Path(folder)
    stem = backup_stem(database) if database is not None else None
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    found: list[tuple[datetime, int, BackupInfo]] = []
    for entry in entries:
        match = _NAME_RE.match(entry.name)
        if match is None or not entry.is_file():
            continue
        if stem is not None and match["stem"] != stem:
            continue
        try:
            at = datetime.strptime(match["date"] + match["time"], "%Y%m%d%H%M%S")
            size = entry.stat().st_size
        except (ValueError, OSError):
            continue
        n = int(match["n"] or 1)
        info = BackupInfo(entry, at, size, header_ok(entry), match["reason"])
        found.append((at, n, info))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [info for _at, _n, info in found]


def newest_good_backup(
    folder: Path,
    *,
    database: Path | None = None,
    progress: Progress | None = None,
) -> BackupInfo | None:
    """The newest backup that passes ``quick_check`` (damaged copies are skipped and logged)."""
    candidates = list_backups(folder, database=database)
    for index, info in enumerate(candidates):
        if progress is not None:
            progress.report(index, len(candidates), info.path.name)
            progress.check_cancelled()
        if not info.ok:
            log.warning("backup %s is incomplete; skipped", info.path)
            continue
        finding = check_file(info.path)
        if finding is None:
            return info
        log.warning("backup %s is damaged (%s); skipped", info.path, finding)
    return None


# --------------------------------------------------------------------------- restore


def _aside_name(db_path: Path, now: datetime) -> Path:
    stamp = f"{now:%Y%m%d-%H%M%S}"
    candidate = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    n = 2
    while candidate.exists():
        candidate = db_path.with_name(f"{db_path.name}.before-restore-{stamp}-{n}")
        n += 1
    return candidate


def restore(
    db_path: Path,
    backup: Path,
    progress: Progress | None = None,
    *,
    now: datetime | None = None,
) -> RestoreResult:
    """Replace the SQLite file ``db_path`` with the content of ``backup``.

    The backup is checked first; its pages are copied with the online backup API into a temp
    file beside ``db_path``, which is checked too; then the current file (and its -wal, -shm,
    -journal) is renamed to ``<name>.before-restore-<stamp>`` (its WAL keeps working under the
    new name) and the temp file takes its place. Nothing may have the database open meanwhile
    (the app closes it first)."""
    started = time.perf_counter()
    db_path, backup = Path(db_path), Path(backup)
    if not backup.is_file():
        raise UserError(f"No backup file at {backup}")
    if backup.resolve() == db_path.resolve():
        raise UserError("The backup to restore is the database itself")
    finding = check_file(backup, "quick_check")
    if finding is not None:
        raise UserError(f"{backup.name} is not a good backup ({finding}); choose another one")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    temp = db_path.with_name(f".{db_path.name}.restore-{os.getpid()}.tmp")
    _remove_quietly(temp)
    src = _connect_read_only(backup)
    try:
        dst = sqlite3.connect(temp, isolation_level=None)
        try:
            _copy_pages(src, dst, progress, "restore")
            dst.execute("PRAGMA journal_mode = DELETE").fetchone()
            copied = _check_connection(dst, "quick_check")
        finally:
            dst.close()
    except BaseException:
        _remove_quietly(temp, temp.with_name(temp.name + "-journal"))
        raise
    finally:
        src.close()
    if copied is not None:
        _remove_quietly(temp)
        raise DatabaseError(f"The restored copy failed its integrity check ({copied})")
    _fsync(temp)
    kept: list[Path] = []
    if db_path.exists():
        aside = _aside_name(db_path, now or datetime.now())
        os.replace(db_path, aside)
        kept.append(aside)
        for extra in ("-wal", "-shm", "-journal"):
            companion = db_path.with_name(db_path.name + extra)
            if companion.exists():
                moved = aside.with_name(aside.name + extra)
                os.replace(companion, moved)
                kept.append(moved)
    os.replace(temp, db_path)
    _fsync_dir(db_path.parent)
    log.info("restored %s from %s; previous file kept as %s", db_path, backup, kept)
    return RestoreResult(
        database=db_path,
        backup=backup,
        kept_aside=tuple(kept),
        size=db_path.stat().st_size,
        elapsed_s=time.perf_counter() - started,
    )


def check_database(db: Database, *, progress: Progress | None = None) -> str | None:
    """The open-time check: SQLite's quick_check on ``db`` — None when sound, else what it
    found (an error reading the broken pages counts as a finding)."""
    if not db.is_single_mode:
        return None
    if progress is not None:  # interruptible: its own read-only connection to the file
        return check_file(sqlite_path(db), progress=progress)
    try:
        return quick_check(db.engine)
    except DatabaseError as exc:
        return str(exc)


# --------------------------------------------------------------------------- read-only


def _is_read_only_error(exc: BaseException | None) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "readonly database" in str(exc)


def _drop_sign_in_bookkeeping(session: Session, _context: Any, _instances: Any) -> None:
    # A sign-in records its time (and may re-hash the password); on a read-only database that
    # is skipped, so people can still sign in and read. Any other change reaches SQLite and is
    # refused with READ_ONLY_MESSAGE.
    from crm_desktop.db.models import AppUser

    for obj in list(session.dirty):
        if not isinstance(obj, AppUser):
            continue
        state = sa_inspect(obj)
        changed = {a.key for a in state.attrs if a.history.has_changes()}
        if changed and changed <= {"last_login_at", "password_hash"}:
            for key in changed:
                history = state.attrs[key].history
                old = history.deleted[0] if history.deleted else None
                attributes.set_committed_value(obj, key, old)


def read_only_engine(path: Path) -> Engine:
    """An engine on ``path`` opened with SQLite's ``mode=ro``: reads work, every write raises
    DatabaseReadOnly with a clear message, and nothing is ever written to the file."""
    url = URL.create(
        "sqlite",
        database=f"file:{path.resolve().as_posix()}",
        query={"mode": "ro", "uri": "true"},
    )
    engine = create_db_engine(url)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        if _is_read_only_error(context.original_exception):
            raise DatabaseReadOnly() from context.original_exception

    return engine


def _read_only_factories(
    engine: Engine,
) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    session_factory: sessionmaker[Session] = sessionmaker(
        writer_engine(engine), expire_on_commit=False
    )
    event.listen(session_factory, "before_flush", _drop_sign_in_bookkeeping)
    return session_factory, sessionmaker(engine, expire_on_commit=False)


def switch_to_read_only(db: Database) -> None:
    """Reopen a SQLite ``db`` read-only in place: the same Database object (held by the op
    runner and the windows) gets a ``mode=ro`` engine and session factories; the old engine
    is disposed. Operations started afterwards read, and their writes are refused."""
    if is_read_only(db):
        return
    path = sqlite_path(db)
    engine = read_only_engine(path)
    old = db.engine
    db.engine = engine
    db.session_factory, db.read_session_factory = _read_only_factories(engine)
    db.warnings.append(READ_ONLY_MESSAGE)
    old.dispose()
    log.warning("%s opened read-only: it is damaged", path)


def open_read_only(url: str | URL) -> Database:
    """Open a damaged SQLite file that ``open_database`` refused, read-only, to show what is
    still readable and offer a backup. Raises DatabaseError when not even that works."""
    parsed = normalize_url(url) if isinstance(url, str) else url
    path = sqlite_path(parsed)
    if not path.is_file():
        raise DatabaseError(f"No database at {path}")
    engine = read_only_engine(path)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM app_user").scalar()
    except Exception as exc:
        engine.dispose()
        raise DatabaseError(
            f"{path} is too damaged to open, even read-only ({exc.__class__.__name__}). "
            "Restore it from a backup."
        ) from exc
    session_factory, read_session_factory = _read_only_factories(engine)
    return Database(
        engine=engine,
        url=parsed,
        session_factory=session_factory,
        read_session_factory=read_session_factory,
        warnings=[READ_ONLY_MESSAGE],
    )


def is_read_only(db: Database) -> bool:
    url = db.engine.url
    return url.get_backend_name() == "sqlite" and url.query.get("mode") == "ro"


# --------------------------------------------------------------------------- PostgreSQL


def find_pg_dump(which: Callable[[str], str | None] = shutil.which) -> Path | None:
    """pg_dump on PATH, else the newest under /usr/lib/postgresql/*/bin (Debian/Ubuntu) or
    Program Files\\PostgreSQL\\*\\bin (Windows)."""
    found = which("pg_dump")
    if found:
        return Path(found)
    patterns = ["/usr/lib/postgresql/*/bin/pg_dump", "/usr/pgsql-*/bin/pg_dump"]
    if sys.platform == "win32":
        for base in (os.environ.get("PROGRAMFILES"), os.environ.get("PROGRAMW6432")):
            if base:
                patterns.append(str(Path(base) / "PostgreSQL" / "*" / "bin" / "pg_dump.exe"))

    def version(p: str) -> tuple[int, ...]:
        numbers = re.findall(r"(\d+)", Path(p).parent.parent.name)
        return tuple(int(n) for n in numbers) or (0,)

    candidates = [p for pattern in patterns for p in glob.glob(pattern) if os.access(p, os.X_OK)]
    if not candidates:
        return None
    return Path(max(candidates, key=version))


def _libpq_url(url: URL) -> str:
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False)


def pg_backup(
    url: str | URL,
    out: Path,
    *,
    password: str | None = None,
    progress: Progress | None = None,
    pg_dump: Path | None = None,
    find: Callable[[], Path | None] = find_pg_dump,
) -> BackupResult:
    """``pg_dump -Fc`` of a PostgreSQL database into ``out`` (written to a temp name, renamed
    at the end). The password goes to the child through PGPASSWORD only; without pg_dump, a
    UserError says how to get it."""
    started = time.perf_counter()
    parsed = normalize_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "postgresql":
        raise UserError("pg_backup is for PostgreSQL databases")
    program = pg_dump or find()
    if program is None:
        raise UserError(PG_DUMP_MISSING)
    password = password if password is not None else parsed.password
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    command = [
        str(program),
        "--format=custom",
        "--no-password",
        f"--file={partial}",
        f"--dbname={_libpq_url(parsed)}",
    ]
    log.info("running %s for %s", program, parsed.render_as_string(hide_password=True))
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        while True:
            try:
                _out, err = proc.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if progress is not None:
                    size = partial.stat().st_size if partial.exists() else 0
                    progress.report(size, None, "pg_dump")
                    progress.check_cancelled()
    except BaseException:
        proc.kill()
        proc.wait()
        _remove_quietly(partial)
        raise
    if proc.returncode != 0:
        _remove_quietly(partial)
        lines = [line.strip() for line in (err or "").splitlines() if line.strip()]
        detail = "; ".join(lines[:2]) or f"exit code {proc.returncode}"
        hint = ""
        low = detail.lower()
        if "version mismatch" in low:
            hint = " Install a pg_dump of the server's major version or newer."
        elif "password" in low:
            hint = " Give the password (saved sign-in, PGPASSWORD or the URL)."
        elif "permission denied" in low or "row-level security" in low:
            hint = (
                " A full backup needs the database owner or an administrator role; ask the "
                "database administrator."
            )
        raise UserError(f"pg_dump failed: {detail}.{hint}")
    _fsync(partial)
    os.replace(partial, out)
    _fsync_dir(out.parent)
    return BackupResult(
        path=out,
        size=out.stat().st_size,
        elapsed_s=time.perf_counter() - started,
        kind="pg_dump",
        check="pg_dump",
    )
