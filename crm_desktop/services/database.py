"""Opening a company database: engine, schema state, migrations and the session factory."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session, sessionmaker

from crm_desktop.core.errors import DatabaseError
from crm_desktop.db.engine import (
    check_sqlite_location,
    create_db_engine,
    describe_url,
    normalize_url,
    quick_check,
    schema_state,
    translate_connection_error,
    translate_open_error,
    writer_engine,
)
from crm_desktop.db.revision import HEAD_REVISION, read_revision

log = logging.getLogger(__name__)


@dataclass
class Database:
    """An open company database. ``session_factory.begin()`` is one unit of work that may
    write; ``read_session_factory`` is for work that only reads (on SQLite it does not take
    the write lock, so reads run beside a long import)."""

    engine: Engine
    url: URL
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    warnings: list[str] = field(default_factory=list)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_single_mode(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def label(self) -> str:
        return describe_url(self.url)

    def dispose(self) -> None:
        self.engine.dispose()


def translate_error(exc: BaseException) -> BaseException:
    """What an operation's failure means to the user: a broken or unreachable server
    connection becomes ``ConnectionLost`` (one clear sentence); anything else is unchanged.
    The op runner and the command line pass every failure through here."""
    return translate_connection_error(exc)


@dataclass(frozen=True)
class IntegrityResult:
    database: str
    ok: bool
    finding: str | None
    elapsed_s: float


def check_integrity(db: Database) -> IntegrityResult:
    """SQLite's ``PRAGMA quick_check`` (PostgreSQL checks its own pages): ok or the finding."""
    import time

    started = time.perf_counter()
    finding = quick_check(db.engine)
    return IntegrityResult(db.label, finding is None, finding, time.perf_counter() - started)


@dataclass(frozen=True)
class UpgradeResult:
    database: str
    revision: str
    changed: bool


def open_database(
    url: str,
    *,
    password: str | None = None,
    create: bool = False,
    upgrade: bool = False,
    check_integrity: bool = False,
) -> Database:
    """Open ``url`` as a crm-desktop database.

    ``create``: an empty (or missing SQLite) database gets the schema. ``upgrade``: an older
    schema is migrated. Otherwise a missing, empty, foreign or outdated database is a
    DatabaseError with one clear sentence saying what to do.

    ``check_integrity`` runs SQLite's quick_check before returning. It reads the whole file
    (58 s for a 2.7 GB file with 1M customers here), so the GUI runs ``check_integrity`` on a
    worker after the window is up instead of delaying start-up.
    """
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database or "")
        if not path.exists() and not create:
            raise DatabaseError(
                f"No database at {path}. Run 'crm-desktop db upgrade' to create one."
            )
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(parsed, password=password)
    try:
        state = schema_state(engine)
        if state == "foreign":
            raise DatabaseError(
                f"{describe_url(parsed)} is not a crm-desktop database (it holds other tables)"
            )
        if state == "empty":
            if not create:
                raise DatabaseError(
                    f"{describe_url(parsed)} has no crm-desktop schema yet. "
                    "Run 'crm-desktop db upgrade' to create it."
                )
            from crm_desktop.db import migrate

            migrate.upgrade(engine)
        else:
            _ensure_current(engine, upgrade=upgrade or create)
        if check_integrity:
            finding = quick_check(engine)
            if finding:
                raise DatabaseError(
                    f"{describe_url(parsed)} is damaged (integrity check: {finding}). "
                    "Restore it from a backup."
                )
    except DatabaseError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        raise translate_open_error(exc, parsed) from exc
    warnings: list[str] = []
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        warnings = check_sqlite_location(parsed.database or "").warnings
    return Database(
        warnings=warnings,
        engine=engine,
        url=parsed,
        session_factory=sessionmaker(writer_engine(engine), expire_on_commit=False),
        read_session_factory=sessionmaker(engine, expire_on_commit=False),
    )


def _ensure_current(engine: Engine, *, upgrade: bool) -> None:
    with engine.connect() as conn:
        current = read_revision(conn)
    if current == HEAD_REVISION:
        return  # the usual case: no Alembic import on start-up
    from crm_desktop.db import migrate

    head = migrate.head_revision()
    if current is not None and not migrate.is_known_revision(current):
        raise DatabaseError(
            f"{describe_url(engine.url)} was made by a newer crm-desktop (schema {current}); "
            "update the application."
        )
    if not upgrade:
        raise DatabaseError(
            f"{describe_url(engine.url)} needs a schema upgrade ({current} → {head}). "
            "Run 'crm-desktop db upgrade'."
        )
    migrate.upgrade(engine)


def _is_shared(engine: Engine) -> bool:
    if engine.dialect.name != "postgresql":
        return False
    from crm_desktop.db import shared_sql

    with engine.connect() as conn:
        return shared_sql.is_shared(conn)


def upgrade_database(url: str, *, password: str | None = None) -> UpgradeResult:
    """``crm-desktop db upgrade``: create or migrate the schema; a second run changes nothing."""
    from crm_desktop.db import migrate

    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(parsed, password=password)
    try:
        state = schema_state(engine)
        if state == "foreign":
            raise DatabaseError(
                f"{describe_url(parsed)} is not a crm-desktop database (it holds other tables)"
            )
        current = migrate.current_revision(engine) if state == "crm" else None
        if current is not None and not migrate.is_known_revision(current):
            raise DatabaseError(
                f"{describe_url(parsed)} was made by a newer crm-desktop (schema {current})"
            )
        if current != migrate.head_revision() and state == "crm":
            finding = quick_check(engine)  # never migrate a damaged file
            if finding:
                raise DatabaseError(
                    f"{describe_url(parsed)} is damaged (integrity check: {finding}); "
                    "restore it from a backup before upgrading."
                )
        if state == "crm" and _is_shared(engine):
            # Shared mode: the bootstrap admin migrates as the owner role, then the grants and
            # policies are brought up to date (new tables, new functions).
            from crm_desktop.db import shared_sql

            changed = migrate.upgrade(engine, as_role=shared_sql.OWNER)
            with engine.begin() as conn:
                changed = shared_sql.apply_shared_schema(conn) or changed
        else:
            changed = migrate.upgrade(engine)
        return UpgradeResult(describe_url(parsed), migrate.head_revision(), changed)
    except DatabaseError:
        raise
    except Exception as exc:
        raise translate_open_error(exc, parsed) from exc
    finally:
        engine.dispose()
