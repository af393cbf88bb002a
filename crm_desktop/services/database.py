"""Opening a company database: engine, schema state, migrations and the session factory."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session, sessionmaker

from crm_desktop.core.errors import DatabaseError
from crm_desktop.db import migrate
from crm_desktop.db.engine import (
    create_db_engine,
    describe_url,
    normalize_url,
    quick_check,
    schema_state,
    translate_open_error,
)

log = logging.getLogger(__name__)


@dataclass
class Database:
    """An open company database. ``session_factory.begin()`` is one unit of work."""

    engine: Engine
    url: URL
    session_factory: sessionmaker[Session]
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
    check_integrity: bool = True,
) -> Database:
    """Open ``url`` as a crm-desktop database.

    ``create``: an empty (or missing SQLite) database gets the schema. ``upgrade``: an older
    schema is migrated. Otherwise a missing, empty, foreign or outdated database is a
    DatabaseError with one clear sentence saying what to do.
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
    return Database(
        engine=engine,
        url=parsed,
        session_factory=sessionmaker(engine, expire_on_commit=False),
    )


def _ensure_current(engine: Engine, *, upgrade: bool) -> None:
    current = migrate.current_revision(engine)
    head = migrate.head_revision()
    if current == head:
        return
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


def upgrade_database(url: str, *, password: str | None = None) -> UpgradeResult:
    """``crm-desktop db upgrade``: create or migrate the schema; a second run changes nothing."""
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
        changed = migrate.upgrade(engine)
        return UpgradeResult(describe_url(parsed), migrate.head_revision(), changed)
    except DatabaseError:
        raise
    except Exception as exc:
        raise translate_open_error(exc, parsed) from exc
    finally:
        engine.dispose()
