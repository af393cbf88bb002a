"""Shared mode on a PostgreSQL server (DESIGN §1, §3): the role model and its maintenance.

``server_init`` turns an empty (or plain migrated) PostgreSQL database into a Shared-mode
database: the NOLOGIN owner ``crm_owner`` owns the schema, the group roles ``crm_sales``,
``crm_manager`` and ``crm_admin`` get table and column privileges, row-level security is
enabled and forced on every table, and the first administrator gets a login role. It is
idempotent. ``server_check`` reads the catalogue and lists what is not as it should be.

The login-role functions (``create_login`` …) are thin wrappers over the SQL functions of
``crm_desktop.db.shared_sql``; on SQLite or a PostgreSQL database that is not Shared they do
nothing, so services may call them unconditionally.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from crm_desktop.core.errors import DatabaseError, PermissionDenied, ValidationError
from crm_desktop.db import shared_sql
from crm_desktop.db.engine import (
    create_db_engine,
    describe_url,
    normalize_url,
    schema_state,
    translate_open_error,
)
from crm_desktop.db.models import ROLES, AppUser, Branch
from crm_desktop.services.context import Actor

# A PostgreSQL role name the app can always quote and compare (DESIGN §3).
LOGIN_RE = re.compile(r"^[a-z][a-z0-9_.]{1,62}$")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ServerInitResult:
    database: str
    revision: str
    admin_login: str
    created_roles: tuple[str, ...]  # roles that did not exist before (empty on a re-run)
    admin_created: bool  # the admin's login role or app_user row was made now
    changed: bool  # anything at all was changed (False: the second run is a no-op)


@dataclass(frozen=True)
class ServerCheckResult:
    database: str
    ok: bool
    problems: tuple[str, ...]


# --------------------------------------------------------------------------- helpers


def _check_login(login: str) -> str:
    if not LOGIN_RE.match(login):
        raise ValidationError(
            f"{login!r} is not a valid server login: 2–63 characters, lower-case letters, "
            "digits, '_' or '.', starting with a letter",
            {"login": "invalid login"},
        )
    return login


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(
            f"Unknown role {role!r} (use {', '.join(ROLES)})", {"role": "unknown"}
        )
    return role


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def is_shared(session: Session | Connection) -> bool:
    """True on a Shared-mode database: PostgreSQL, and ``crm_owner`` owns ``customer``."""
    bind = session.get_bind() if isinstance(session, Session) else session
    if bind.dialect.name != "postgresql":
        return False
    conn = session.connection() if isinstance(session, Session) else session
    return shared_sql.is_shared(conn)


def _call(session: Session, actor: Actor, sql: str, *, own: bool = False, **params: object) -> None:
    if not is_shared(session):
        return
    if not own and not actor.is_admin:
        raise PermissionDenied("Only an administrator may manage logins")
    try:
        with session.begin_nested():
            session.execute(text(sql), params)
    except DBAPIError as exc:
        orig = getattr(exc, "orig", None) or exc
        message = str(orig).strip().splitlines()[0] if str(orig).strip() else str(exc)
        if "permission denied" in message.lower() or "insufficient" in message.lower():
            raise PermissionDenied(message) from exc
        raise ValidationError(message) from exc


# --------------------------------------------------------------------------- login roles


def create_login(session: Session, login: str, password: str, role: str, actor: Actor) -> None:
    """Create (or, when it exists, re-grant and re-enable) the login role of ``login``."""
    _call(
        session,
        actor,
        "SELECT crm_create_login(:login, :password, :role)",
        login=_check_login(login),
        password=password,
        role=_check_role(role),
    )


def set_login_password(session: Session, login: str, password: str, actor: Actor) -> None:
    _call(
        session,
        actor,
        "SELECT crm_set_login_password(:login, :password)",
        login=_check_login(login),
        password=password,
    )


def set_own_login_password(session: Session, login: str, password: str, actor: Actor) -> None:
    """Any person's new password for their own login role. The SQL function checks that
    ``login`` is the connection's own (``session_user``), so nobody changes another's here."""
    if login != actor.login:
        raise PermissionDenied("You may only change your own password")
    _call(
        session,
        actor,
        "SELECT crm_set_login_password(:login, :password)",
        own=True,
        login=_check_login(login),
        password=password,
    )


def set_login_role(session: Session, login: str, role: str, actor: Actor) -> None:
    _call(
        session,
        actor,
        "SELECT crm_set_login_role(:login, :role)",
        login=_check_login(login),
        role=_check_role(role),
    )


def disable_login(session: Session, login: str, actor: Actor) -> None:
    """``ALTER ROLE … NOLOGIN`` and end that login's open sessions."""
    _call(session, actor, "SELECT crm_disable_login(:login)", login=_check_login(login))


def enable_login(session: Session, login: str, actor: Actor) -> None:
    _call(session, actor, "SELECT crm_enable_login(:login)", login=_check_login(login))


# --------------------------------------------------------------------------- init and check


def server_init(
    bootstrap_url: str,
    *,
    admin_login: str,
    admin_password: str,
    admin_name: str | None = None,
    company: str | None = None,
    progress: Progress | None = None,
    password: str | None = None,
    language: str = "zh_CN",
) -> ServerInitResult:
    """Make ``bootstrap_url``'s database a Shared-mode database (idempotent: a second run
    changes nothing and leaves the admin's password alone).

    The URL's user is the bootstrap admin: a superuser, or a role with CREATEROLE (and CREATE
    on the database) that may become ``crm_owner``. ``password``: that user's password when it
    is not in the URL. ``company``: on a database without a company yet, name it and seed the
    defaults (grades, regions, branch HQ …) as the first-run wizard does.
    """
    from crm_desktop.db import migrate

    _check_login(admin_login)
    if not admin_password:
        raise ValidationError("The first admin needs a password", {"password": "required"})
    parsed = normalize_url(bootstrap_url)
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseError("Shared mode needs a PostgreSQL database (postgresql://…)")
    if parsed.username == admin_login:
        raise ValidationError("The first admin's login must differ from the bootstrap admin's")
    engine = create_db_engine(parsed, password=password)
    label = describe_url(parsed)
    try:
        state = schema_state(engine)
        if state == "foreign":
            raise DatabaseError(f"{label} is not a crm-desktop database (it holds other tables)")
        with engine.begin() as conn:
            _say(progress, "Creating the roles")
            created = shared_sql.ensure_roles(conn)
            moved = shared_sql.take_ownership(conn)
        _say(progress, "Running the migrations as crm_owner")
        migrated = migrate.upgrade(engine, as_role=shared_sql.OWNER)
        with engine.begin() as conn:
            _say(progress, "Granting privileges and writing the policies")
            applied = shared_sql.apply_shared_schema(conn)
            _say(progress, "Creating the first administrator")
            admin_created = _ensure_admin(
                conn, admin_login, admin_password, admin_name or admin_login, company, language
            )
        revision = migrate.head_revision()
    except (DatabaseError, ValidationError):
        raise
    except DBAPIError as exc:
        raise translate_open_error(exc, parsed) from exc
    finally:
        engine.dispose()
    changed = bool(created) or bool(moved) or migrated or applied or admin_created
    return ServerInitResult(label, revision, admin_login, tuple(created), admin_created, changed)


def _ensure_admin(
    conn: Connection, login: str, password: str, name: str, company: str | None, language: str
) -> bool:
    from crm_desktop.services import company as company_service

    created = shared_sql.ensure_login(conn, login, password, "admin")
    conn.exec_driver_sql(f"SET LOCAL ROLE {shared_sql.OWNER}")
    session = Session(bind=conn, join_transaction_mode="rollback_only")
    try:
        user = session.scalar(select(AppUser).where(AppUser.login == login))
        initialized = company_service.company_info(session).initialized
        if user is None and company and not initialized:
            company_service.initialize_company(
                session,
                company_name=company,
                language=language,
                admin_login=login,
                admin_name=name,
                admin_password=None,
            )
            created = True
        elif user is None:
            hq = session.scalar(select(Branch).where(Branch.code == "HQ"))
            session.add(
                AppUser(
                    login=login,
                    display_name=name,
                    role="admin",
                    branch_id=hq.id if hq else None,
                    active=True,
                    can_export=True,
                )
            )
            created = True
        elif user.role != "admin" or not user.active:
            user.role = "admin"
            user.active = True
            created = True
        session.commit()  # flushes; the connection's transaction stays open
    finally:
        session.close()
        conn.exec_driver_sql("RESET ROLE")
    return created


def server_check(url: str, *, password: str | None = None) -> ServerCheckResult:
    """Read the catalogue: RLS forced on every table, no app login superuser/owner/BYPASSRLS,
    views ``security_invoker``, the grants and policies in place."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseError("Shared mode needs a PostgreSQL database (postgresql://…)")
    engine = create_db_engine(parsed, password=password)
    try:
        with engine.connect() as conn:
            problems = shared_sql.check_catalogue(conn)
    except DBAPIError as exc:
        raise translate_open_error(exc, parsed) from exc
    finally:
        engine.dispose()
    return ServerCheckResult(describe_url(parsed), not problems, tuple(problems))
