"""Users of a company database: add, list, disable, and Single-mode sign-in (argon2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_desktop.core.errors import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from crm_desktop.db.models import ROLES, AppUser, Branch
from crm_desktop.db.types import utcnow
from crm_desktop.services import audit
from crm_desktop.services.context import Actor

LOGIN_RE = re.compile(r"^[a-z][a-z0-9_.-]{1,62}$")
MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()


@dataclass(frozen=True)
class UserRow:
    id: int
    login: str
    display_name: str
    email: str | None
    role: str
    branch: str | None
    active: bool
    can_export: bool
    last_login_at: datetime | None


def _row(user: AppUser) -> UserRow:
    return UserRow(
        id=user.id,
        login=user.login,
        display_name=user.display_name,
        email=user.email,
        role=user.role,
        branch=user.branch.code if user.branch else None,
        active=user.active,
        can_export=user.can_export,
        last_login_at=user.last_login_at,
    )


def actor_of(user: AppUser) -> Actor:
    return Actor(
        id=user.id,
        login=user.login,
        display_name=user.display_name,
        role=user.role,
        branch_id=user.branch_id,
        can_export=user.can_export,
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters",
            {"password": f"at least {MIN_PASSWORD_LENGTH} characters"},
        )


def add_user(
    session: Session,
    *,
    login: str,
    display_name: str,
    role: str = "sales",
    password: str | None = None,
    email: str | None = None,
    branch_code: str | None = None,
    actor: Actor,
) -> UserRow:
    """Create a user. In Single mode (SQLite) a password is required and stored as argon2."""
    if not actor.is_admin:
        raise PermissionDenied("Only an administrator may add users")
    login = login.strip().lower()
    if not LOGIN_RE.match(login):
        raise ValidationError(
            "A login is 2–63 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter",
            {"login": "invalid login"},
        )
    if role not in ROLES:
        raise ValidationError(
            f"Unknown role {role!r} (use {', '.join(ROLES)})", {"role": "unknown"}
        )
    if not display_name.strip():
        raise ValidationError("A display name is required", {"display_name": "required"})
    exists = session.scalar(select(func.count()).select_from(AppUser).where(AppUser.login == login))
    if exists:
        raise ValidationError(f"A user with the login {login!r} exists already", {"login": "taken"})
    single_mode = session.get_bind().dialect.name == "sqlite"
    if single_mode:
        if not password:
            raise ValidationError("A password is required", {"password": "required"})
        validate_password(password)
    branch = None
    if branch_code:
        branch = session.scalar(select(Branch).where(Branch.code == branch_code))
        if branch is None:
            raise ValidationError(f"No branch with the code {branch_code!r}", {"branch": "unknown"})
    user = AppUser(
        login=login,
        display_name=display_name.strip(),
        email=(email or "").strip() or None,
        role=role,
        branch=branch,
        active=True,
        can_export=role in ("manager", "admin"),
        password_hash=hash_password(password) if (single_mode and password) else None,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.add", "app_user", user.id, {"login": login, "role": role})
    return _row(user)


def list_users(session: Session, *, include_inactive: bool = True) -> list[UserRow]:
    stmt = select(AppUser).order_by(AppUser.login)
    if not include_inactive:
        stmt = stmt.where(AppUser.active.is_(True))
    return [_row(u) for u in session.scalars(stmt)]


def get_user(session: Session, login: str) -> AppUser:
    user = session.scalar(select(AppUser).where(AppUser.login == login.strip().lower()))
    if user is None:
        raise NotFound(f"No user with the login {login!r}")
    return user


def disable_user(session: Session, login: str, *, actor: Actor) -> UserRow:
    if not actor.is_admin:
        raise PermissionDenied("Only an administrator may disable users")
    user = get_user(session, login)
    if user.login == actor.login:
        raise ValidationError("You cannot disable your own login")
    if user.role == "admin" and user.active:
        admins = session.scalar(
            select(func.count())
            .select_from(AppUser)
            .where(AppUser.role == "admin", AppUser.active.is_(True))
        )
        if (admins or 0) <= 1:
            raise ValidationError("The last active administrator cannot be disabled")
    if user.active:
        user.active = False
        audit.record(session, actor, "user.disable", "app_user", user.id, {"login": user.login})
    return _row(user)


def authenticate(session: Session, login: str, password: str) -> Actor:
    """Single-mode sign-in. One message for unknown login and wrong password."""
    failed = AuthenticationFailed("Wrong login or password")
    user = session.scalar(select(AppUser).where(AppUser.login == login.strip().lower()))
    if user is None or not user.password_hash:
        # Spend the same time as a real check so a login's existence does not leak.
        _hasher.hash(password or "x")
        raise failed
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise failed from None
    if not user.active:
        raise AuthenticationFailed(
            "This login is disabled; ask an administrator", reason="disabled"
        )
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return actor_of(user)


def sign_in_preview(session: Session, login: str) -> Actor | None:
    """The actor a sign-in as ``login`` would give (active users only), read without checking
    any password: the GUI builds the main window from it, hidden, while ``authenticate`` spends
    its argon2 time on a worker, and shows it only when that sign-in succeeds."""
    user = session.scalar(select(AppUser).where(AppUser.login == login.strip().lower()))
    if user is None or not user.active or not user.password_hash:
        return None
    return actor_of(user)


def set_password(session: Session, login: str, password: str, *, actor: Actor) -> None:
    user = get_user(session, login)
    if not actor.is_admin and actor.login != user.login:
        raise PermissionDenied("You may only change your own password")
    validate_password(password)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    audit.record(session, actor, "user.password", "app_user", user.id, {"login": user.login})


def sign_in_shared(session: Session) -> Actor:
    """Shared mode: the PostgreSQL login *is* the sign-in; map it to its crm-desktop user."""
    from sqlalchemy import text

    login = str(session.scalar(text("SELECT current_user")))
    user = session.scalar(select(AppUser).where(AppUser.login == login))
    if user is None:
        raise AuthenticationFailed(
            f"The database login {login!r} has no crm-desktop user; ask an administrator",
            reason="no_app_user",
        )
    if not user.active:
        raise AuthenticationFailed(
            "This login is disabled; ask an administrator", reason="disabled"
        )
    user.last_login_at = utcnow()
    return actor_of(user)


# =========================================================================== Shared mode (issue 7)


def shared_mode(session: Session) -> bool:
    """Whether logins are PostgreSQL roles (Shared mode, ``services.server.is_shared``). The
    server module is imported lazily: SQLite never needs it."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    try:
        from crm_desktop.services import server
    except ImportError:  # pragma: no cover - the module ships with Shared mode
        return False
    return bool(server.is_shared(session))


def create_user(
    session: Session,
    *,
    login: str,
    display_name: str,
    role: str = "sales",
    password: str | None = None,
    email: str | None = None,
    branch_code: str | None = None,
    actor: Actor,
) -> UserRow:
    """Add a user; in Shared mode also its PostgreSQL login role with ``password`` (one
    transaction: a refused role leaves no app_user row behind)."""
    shared = shared_mode(session)
    if shared:
        if not password:
            raise ValidationError("A password is required", {"password": "required"})
        validate_password(password)
    row = add_user(
        session,
        login=login,
        display_name=display_name,
        role=role,
        password=password,
        email=email,
        branch_code=branch_code,
        actor=actor,
    )
    if shared and password:
        from crm_desktop.services import server

        server.create_login(session, row.login, password, row.role, actor)
    return row


def reset_password(session: Session, login: str, password: str, *, actor: Actor) -> UserRow:
    """An administrator sets a new password: the login role's in Shared mode, the argon2 hash
    in Single mode; ``must_change_password`` is set (the person chooses their own next)."""
    if not actor.is_admin:
        raise PermissionDenied("Only an administrator may reset passwords")
    validate_password(password)
    user = get_user(session, login)
    if shared_mode(session):
        from crm_desktop.services import server

        server.set_login_password(session, user.login, password, actor)
        audit.record(session, actor, "user.password", "app_user", user.id, {"login": user.login})
    else:
        set_password(session, user.login, password, actor=actor)
    user.must_change_password = True
    return _row(user)


# =========================================================================== own password (issue 7)


def needs_new_password(session: Session, actor: Actor) -> bool:
    """Whether ``actor`` must choose a new password before working (``must_change_password``:
    set by an administrator's reset and by ``db copy`` into Shared mode)."""
    flag = session.scalar(select(AppUser.must_change_password).where(AppUser.login == actor.login))
    return bool(flag)


def change_own_password(session: Session, actor: Actor, new_password: str) -> None:
    """The signed-in person chooses their own new password and the ``must_change_password``
    flag is cleared. Single mode: the argon2 hash. Shared mode: the PostgreSQL login role's
    password (the server allows a login to change only its own); the connection that is open
    stays valid, new connections need the new password."""
    validate_password(new_password)
    user = get_user(session, actor.login)
    if shared_mode(session):
        from crm_desktop.services import server

        server.set_own_login_password(session, user.login, new_password, actor)
        audit.record(session, actor, "user.password", "app_user", user.id, {"login": user.login})
    else:
        set_password(session, user.login, new_password, actor=actor)
    user.must_change_password = False
