"""Mail accounts (IMAP to sync, SMTP to send): each belongs to one user, who alone sees and
edits it; administrators see and edit all. Passwords live in the OS keyring only
(``core/secrets``), under a key naming the database and the account — never in the database,
a log or the audit trail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm_desktop.core import secrets
from crm_desktop.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from crm_desktop.db.models import MAIL_SECURITY, AppUser, EmailMessage, MailAccount, MailFolderState
from crm_desktop.services import audit
from crm_desktop.services.context import Actor
from crm_desktop.services.dto import changes_of

IMAP_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
SMTP_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
_HOST = re.compile(r"^[A-Za-z0-9._:\-\[\]]{1,255}$")
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_FIELDS = (
    "name",
    "email_address",
    "username",
    "imap_host",
    "imap_port",
    "imap_security",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "active",
)


@dataclass(frozen=True)
class MailAccountInput:
    name: str
    email_address: str
    username: str = ""  # empty: the email address
    imap_host: str | None = None
    imap_port: int | None = None  # None: the usual port of the security
    imap_security: str = "ssl"  # ssl | starttls | none
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str = "ssl"
    active: bool = True


@dataclass(frozen=True)
class MailAccountRow:
    id: int
    user_id: int
    name: str
    email_address: str
    username: str
    imap_host: str | None
    imap_port: int | None
    imap_security: str
    smtp_host: str | None
    smtp_port: int | None
    smtp_security: str
    active: bool
    version: int
    last_synced_at: datetime | None
    has_password: bool
    password_key: str = ""  # the keyring entry of this account's password
    user_login: str = ""  # the owner's login (administrators see others' accounts)


# =========================================================================== keyring


def _key_url(url: str | URL) -> str:
    """The database URL as a stable name: no password, no driver, absolute SQLite path."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return str(url)
    # URL.set() ignores None: _replace (a NamedTuple's) really drops the password.
    parsed = parsed._replace(drivername=parsed.get_backend_name(), password=None)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        parsed = parsed.set(database=str(Path(str(parsed.database)).resolve()))
    return parsed.render_as_string(hide_password=False)


def password_key(database_url_without_password: str | URL, account_id: int) -> str:
    """The keyring entry name of one mail account's password on one database."""
    return f"mail-account:{account_id}@{_key_url(database_url_without_password)}"


def _session_url(session: Session) -> URL:
    return session.get_bind().engine.url


def account_password_key(session: Session, account_id: int) -> str:
    """``password_key`` for the database this session is on."""
    return password_key(_session_url(session), account_id)


def stored_password(session: Session, account_id: int) -> str | None:
    """The account's password from the keyring, or None (none stored, or no keyring)."""
    return secrets.get_password(account_password_key(session, account_id))


def store_password(session: Session, account_id: int, password: str) -> bool:
    """Remember the password in the keyring; False when no keyring works (nothing stored)."""
    return secrets.set_password(account_password_key(session, account_id), password)


def forget_password(session: Session, account_id: int) -> None:
    secrets.delete_password(account_password_key(session, account_id))


# =========================================================================== reading


def _may_use(actor: Actor, account: MailAccount) -> bool:
    return actor.is_admin or (actor.id is not None and account.user_id == actor.id)


def _rows(session: Session, accounts: list[MailAccount]) -> list[MailAccountRow]:
    if not accounts:
        return []
    ids = [a.id for a in accounts]
    synced = dict(
        session.execute(
            select(MailFolderState.account_id, func.max(MailFolderState.synced_at))
            .where(MailFolderState.account_id.in_(ids))
            .group_by(MailFolderState.account_id)
        ).all()
    )
    logins = dict(
        session.execute(
            select(AppUser.id, AppUser.login).where(AppUser.id.in_({a.user_id for a in accounts}))
        ).all()
    )
    url = _session_url(session)
    rows = []
    for a in accounts:
        key = password_key(url, a.id)
        rows.append(
            MailAccountRow(
                id=a.id,
                user_id=a.user_id,
                name=a.name,
                email_address=a.email_address,
                username=a.username,
                imap_host=a.imap_host,
                imap_port=a.imap_port,
                imap_security=a.imap_security,
                smtp_host=a.smtp_host,
                smtp_port=a.smtp_port,
                smtp_security=a.smtp_security,
                active=a.active,
                version=a.version,
                last_synced_at=synced.get(a.id),
                has_password=secrets.get_password(key) is not None,
                password_key=key,
                user_login=logins.get(a.user_id, ""),
            )
        )
    return rows


def list_mail_accounts(
    session: Session, actor: Actor, *, all_users: bool = False
) -> list[MailAccountRow]:
    """The actor's own accounts by name; an administrator with ``all_users`` everyone's."""
    query = select(MailAccount).order_by(MailAccount.name, MailAccount.id)
    if all_users:
        if not actor.is_admin:
            raise PermissionDenied("Only an administrator may list everyone's mail accounts")
    else:
        if actor.id is None:  # the command line acts as the system: it owns nothing
            return _rows(session, list(session.scalars(query)))
        query = query.where(MailAccount.user_id == actor.id)
    return _rows(session, list(session.scalars(query)))


def _load(session: Session, account_id: int, actor: Actor) -> MailAccount:
    account = session.get(MailAccount, account_id)
    if account is None or not _may_use(actor, account):
        raise NotFound("This mail account does not exist or is not yours")
    return account


def get_mail_account(session: Session, account_id: int, actor: Actor) -> MailAccountRow:
    return _rows(session, [_load(session, account_id, actor)])[0]


def get_mail_account_by_name(session: Session, name: str, actor: Actor) -> MailAccountRow:
    """The account called ``name`` (case-insensitive) among those the actor may use."""
    wanted = name.strip().casefold()
    query = select(MailAccount).order_by(MailAccount.id)
    if not actor.is_admin:
        query = query.where(MailAccount.user_id == actor.id)
    found = [a for a in session.scalars(query) if a.name.strip().casefold() == wanted]
    if len(found) > 1 and actor.id is not None:
        found = [a for a in found if a.user_id == actor.id] or found
    if not found:
        raise NotFound(f"No mail account called {name!r}")
    if len(found) > 1:
        raise ValidationError(
            f"{len(found)} mail accounts are called {name!r}; rename one of them",
            {"name": "ambiguous"},
        )
    return _rows(session, found)[0]


# =========================================================================== writing


def first_admin_id(session: Session) -> int | None:
    """The first active administrator: who owns an account added from the command line
    without ``--owner``."""
    return session.scalar(
        select(AppUser.id)
        .where(AppUser.role == "admin", AppUser.active.is_(True))
        .order_by(AppUser.id)
        .limit(1)
    )


def _host(value: str | None, field: str, errors: dict[str, str]) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if not _HOST.match(text):
        errors[field] = "not a server name"
    return text


def _port(
    value: int | None, security: str, defaults: dict[str, int], field: str, errors: dict[str, str]
) -> int:
    if value is None:
        return defaults.get(security, defaults["ssl"])
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        errors[field] = "a port from 1 to 65535"
        return defaults.get(security, defaults["ssl"])
    return value


def _validate(data: MailAccountInput) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = "required"
    elif len(name) > 200:
        errors["name"] = "at most 200 characters"
    email = (data.email_address or "").strip()
    if not _EMAIL.match(email) or len(email) > 320:
        errors["email_address"] = "not an email address"
    username = (data.username or "").strip() or email.lower()
    if len(username) > 320:
        errors["username"] = "at most 320 characters"
    for field in ("imap_security", "smtp_security"):
        if getattr(data, field) not in MAIL_SECURITY:
            errors[field] = "ssl, starttls or none"
    imap_host = _host(data.imap_host, "imap_host", errors)
    smtp_host = _host(data.smtp_host, "smtp_host", errors)
    if imap_host is None and smtp_host is None:
        errors["imap_host"] = "give an IMAP or an SMTP server"
    values = {
        "name": name,
        "email_address": email.lower(),
        "username": username,
        "imap_host": imap_host,
        "imap_port": _port(data.imap_port, data.imap_security, IMAP_PORTS, "imap_port", errors),
        "imap_security": data.imap_security,
        "smtp_host": smtp_host,
        "smtp_port": _port(data.smtp_port, data.smtp_security, SMTP_PORTS, "smtp_port", errors),
        "smtp_security": data.smtp_security,
        "active": bool(data.active),
    }
    if errors:
        field, reason = next(iter(errors.items()))
        raise ValidationError(f"Mail account: {field.replace('_', ' ')} — {reason}", errors)
    return values


def _check_name_free(session: Session, user_id: int, name: str, account_id: int | None) -> None:
    others = session.scalars(
        select(MailAccount.name).where(
            MailAccount.user_id == user_id,
            MailAccount.id != (account_id if account_id is not None else -1),
        )
    )
    if any(other.strip().casefold() == name.casefold() for other in others):
        raise ValidationError(
            f"You already have a mail account called {name!r}", {"name": "already used"}
        )


def save_mail_account(
    session: Session,
    data: MailAccountInput,
    actor: Actor,
    *,
    account_id: int | None = None,
    version: int | None = None,
    user_id: int | None = None,
) -> MailAccountRow:
    """Create (``account_id`` None) or update an account; audited. An update over a
    ``version`` somebody else saved meanwhile raises ConflictError. ``user_id`` (new accounts,
    administrators only): whose account it is; default the actor's."""
    values = _validate(data)
    if account_id is None:
        owner = actor.id if user_id is None else user_id
        if user_id is not None and user_id != actor.id and not actor.is_admin:
            raise PermissionDenied("You may add mail accounts only for yourself")
        if owner is None:
            raise ValidationError("Say whose mail account this is", {"user_id": "required"})
        user = session.get(AppUser, owner)
        if user is None:
            raise NotFound("This user does not exist")
        _check_name_free(session, owner, values["name"], None)
        account = MailAccount(user_id=owner, **values)
        session.add(account)
        session.flush()
        audit.record(
            session,
            actor,
            "mail_account.create",
            "mail_account",
            account.id,
            {**changes_of({}, values), "user_id": [None, owner]},
        )
        return get_mail_account(session, account.id, actor)
    account = _load(session, account_id, actor)
    if version is not None and account.version != version:
        raise ConflictError(
            f"Somebody else changed this mail account meanwhile (now version "
            f"{account.version}, you edited version {version}); reload it and try again"
        )
    _check_name_free(session, account.user_id, values["name"], account.id)
    current = {f: getattr(account, f) for f in _FIELDS}
    changes = {k: v for k, v in values.items() if current[k] != v}
    if changes:
        for field, value in changes.items():
            setattr(account, field, value)
        try:
            session.flush()
        except StaleDataError as exc:
            raise ConflictError(
                "Somebody else changed this mail account meanwhile; reload it and try again"
            ) from exc
        audit.record(
            session,
            actor,
            "mail_account.update",
            "mail_account",
            account.id,
            changes_of(current, changes),
        )
    return get_mail_account(session, account.id, actor)


def delete_mail_account(session: Session, account_id: int, actor: Actor) -> None:
    """Delete the account, its sync state and its keyring password; the mail it brought
    stays (no longer tied to an account)."""
    account = _load(session, account_id, actor)
    detail = {"name": account.name, "email_address": account.email_address}
    session.execute(
        update(EmailMessage).where(EmailMessage.account_id == account.id).values(account_id=None)
    )
    session.execute(delete(MailFolderState).where(MailFolderState.account_id == account.id))
    session.delete(account)
    session.flush()
    audit.record(session, actor, "mail_account.delete", "mail_account", account_id, detail)
    forget_password(session, account_id)
