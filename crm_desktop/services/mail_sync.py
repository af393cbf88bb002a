"""IMAP sync of one mail account: INBOX and the Sent folder, stored with the company through
mail_store's chunk store and linked to customers.

Network work never runs inside a database transaction (on SQLite a writer transaction holds the
write lock): per batch of UIDs the headers (Message-ID, size) are fetched, the known ids looked
up in a short transaction, the unknown bodies downloaded, and then one short transaction stores
the messages **and** advances ``MailFolderState.last_uid``. A dropped connection reconnects and
resumes from the committed ``last_uid``; a cancel between batches keeps what was committed."""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crm_desktop.core.errors import NotFound, OperationCancelled, UserError
from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.db.models import EmailMessage, MailAccount, MailFolderState
from crm_desktop.db.types import utcnow
from crm_desktop.mail import imap
from crm_desktop.mail.imap import HeaderInfo, ImapConnection, ImapError
from crm_desktop.mail.limits import DEFAULT_LIMITS, MailLimits, MailParseError
from crm_desktop.mail.parse import parse_eml
from crm_desktop.services import audit
from crm_desktop.services.context import Actor
from crm_desktop.services.mail_store import (
    CHUNK_BYTES,
    IN_LIST,
    ImportProblem,
    Linker,
    StoreItem,
    StoreResult,
    chunked,
    message_key,
    store_chunk,
)

log = logging.getLogger(__name__)

INBOX = "INBOX"
RECONNECT_PAUSE_S = 0.5  # × the attempt number, before each reconnect

T = TypeVar("T")


@dataclass(frozen=True)
class FolderSyncResult:
    folder: str
    fetched: int  # message bodies downloaded
    stored: int  # new messages stored
    duplicates: int  # stored before (bodies not downloaded when known by Message-ID)
    linked: int  # of the stored ones
    unlinked: int
    uidvalidity_reset: bool  # the server renumbered the folder: it was walked again


@dataclass(frozen=True)
class SyncResult:
    account_id: int
    folders: tuple[FolderSyncResult, ...]
    reconnects: int
    problems: tuple[ImportProblem, ...]
    elapsed_ms: int


@dataclass(frozen=True)
class ConnectionCheck:
    """What "Test connection" found."""

    folders: int
    sent_folder: str | None


@dataclass
class _Counts:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    linked: int = 0
    unlinked: int = 0
    reset: bool = False
    done: bool = False


@dataclass(frozen=True)
class _Account:
    id: int
    name: str
    host: str
    port: int | None
    security: str
    username: str


@dataclass
class _Run:
    """The state of one sync across reconnects."""

    account: _Account
    password: str
    timeout: float
    ssl_context: ssl.SSLContext | None
    progress: Progress
    batch_size: int
    counts: dict[str, _Counts] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)
    total: int = 0
    done: int = 0


# =========================================================================== helpers


def _load_account(factory: sessionmaker[Session], account_id: int, actor: Actor) -> _Account:
    with factory() as session:
        account = session.get(MailAccount, account_id)
        if account is None or not (
            actor.is_admin or (actor.id is not None and account.user_id == actor.id)
        ):
            raise NotFound("This mail account does not exist or is not yours")
        if not account.imap_host:
            raise UserError(f"The mail account {account.name!r} has no IMAP server to sync from")
        if not account.active:
            raise UserError(f"The mail account {account.name!r} is switched off")
        return _Account(
            id=account.id,
            name=account.name,
            host=account.imap_host,
            port=account.imap_port,
            security=account.imap_security,
            username=account.username,
        )


def _connect(run: _Run) -> ImapConnection:
    a = run.account
    return imap.connect(
        a.host,
        a.port,
        a.security,
        a.username,
        run.password,
        timeout=run.timeout,
        ssl_context=run.ssl_context,
    )


def check_connection(
    host: str,
    port: int | None,
    security: str,
    username: str,
    password: str,
    *,
    timeout: float = 15.0,
    ssl_context: ssl.SSLContext | None = None,
) -> ConnectionCheck:
    """Connect, log in and list the folders; raises ImapError saying what failed."""
    with imap.connect(
        host, port, security, username, password, timeout=timeout, ssl_context=ssl_context
    ) as connection:
        folders = connection.list_folders()
    return ConnectionCheck(folders=len(folders), sent_folder=imap.sent_folder(folders))


def _folder_state(session: Session, account_id: int, folder: str) -> MailFolderState | None:
    return session.scalar(
        select(MailFolderState).where(
            MailFolderState.account_id == account_id, MailFolderState.folder == folder
        )
    )


def _start_folder(factory: sessionmaker[Session], run: _Run, folder: str, uidvalidity: int) -> int:
    """The committed ``last_uid`` to go on from; a new UIDVALIDITY resets it to 0 (the folder
    is walked again; nothing doubles, known messages are not downloaded again)."""
    with factory.begin() as session:
        state = _folder_state(session, run.account.id, folder)
        if state is None:
            session.add(
                MailFolderState(
                    account_id=run.account.id, folder=folder, uidvalidity=uidvalidity, last_uid=0
                )
            )
            return 0
        if state.uidvalidity != uidvalidity:
            if state.uidvalidity is not None:
                run.counts[folder].reset = True
                log.info(
                    "mail account %d folder %r: UIDVALIDITY %s → %s, walking it again",
                    run.account.id,
                    folder,
                    state.uidvalidity,
                    uidvalidity,
                )
            state.uidvalidity = uidvalidity
            state.last_uid = 0
        return int(state.last_uid)


def _known_ids(factory: sessionmaker[Session], keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    if not keys:
        return found
    with factory() as session:
        try:
            for part in chunked(sorted(set(keys)), IN_LIST):
                found.update(
                    session.scalars(
                        select(EmailMessage.message_id).where(EmailMessage.message_id.in_(part))
                    )
                )
        finally:
            session.rollback()
    return found


def _size_groups(headers: Sequence[HeaderInfo]) -> list[list[int]]:
    """UIDs in groups whose bodies add up to about CHUNK_BYTES: one FETCH each."""
    groups: list[list[int]] = []
    current: list[int] = []
    size = 0
    for h in headers:
        if current and size + (h.size or 0) > CHUNK_BYTES:
            groups.append(current)
            current, size = [], 0
        current.append(h.uid)
        size += h.size or 0
    if current:
        groups.append(current)
    return groups


def _problem(run: _Run, folder: str, uid: int, reason: str) -> None:
    run.problems.append(ImportProblem(f"{run.account.name}/{folder}", uid, reason))


# =========================================================================== one batch


def _sync_batch(
    factory: sessionmaker[Session],
    connection: ImapConnection,
    run: _Run,
    actor: Actor,
    folder: str,
    uids: Sequence[int],
    direction: str | None,
    limits: MailLimits,
) -> None:
    counts = run.counts[folder]
    headers = connection.fetch_headers(uids)
    ids = {h.uid: message_key(h.message_id) for h in headers if h.message_id}
    known = _known_ids(factory, list(ids.values()))
    wanted: list[HeaderInfo] = []
    seen_here: set[str] = set()
    for h in headers:
        key = ids.get(h.uid)
        if key is not None and (key in known or key in seen_here):
            counts.duplicates += 1
            continue
        if key is not None:
            seen_here.add(key)
        if h.size is not None and h.size > limits.max_message_bytes:
            _problem(
                run,
                folder,
                h.uid,
                f"message is {h.size:,} bytes, over the {limits.max_message_bytes:,}-byte limit",
            )
            continue
        wanted.append(h)
    items: list[StoreItem] = []
    for group in _size_groups(wanted):
        bodies = connection.fetch_bodies(group)
        counts.fetched += len(bodies)
        for uid in group:
            raw = bodies.get(uid)
            if raw is None:
                continue  # expunged since the search
            try:
                parsed = parse_eml(raw, limits=limits)
            except MailParseError as exc:
                _problem(run, folder, uid, str(exc))
                continue
            items.append(StoreItem(parsed, direction, run.account.id, folder, uid))
    last = max(uids)
    results = _store(factory, actor, run.account.id, folder, items, last)
    for result in results:
        if not result.created:
            counts.duplicates += 1
            continue
        counts.stored += 1
        if result.customer_id is not None:
            counts.linked += 1
        else:
            counts.unlinked += 1


def _store(
    factory: sessionmaker[Session],
    actor: Actor,
    account_id: int,
    folder: str,
    items: Sequence[StoreItem],
    last_uid: int,
) -> list[StoreResult]:
    """Store the batch and advance ``last_uid`` in one transaction. A concurrent sync that
    stored one of the messages first breaks the unique Message-ID: the batch is tried once
    more and then finds it stored."""
    for attempt in (1, 2):
        try:
            with factory.begin() as session:
                results: list[StoreResult] = []
                if items:
                    linker = Linker(session, actor, account_id)
                    results = store_chunk(session, linker, items, actor, None, utcnow(), {})
                state = _folder_state(session, account_id, folder)
                if state is not None and state.last_uid < last_uid:
                    state.last_uid = last_uid
                return results
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("mail account %d: a batch met a concurrent store; retrying", account_id)
    raise AssertionError("unreachable")


# =========================================================================== folders


def _folders(connection: ImapConnection) -> list[tuple[str, str | None]]:
    """(folder, direction) to sync: INBOX (direction from the sender) and Sent ("out")."""
    folders = connection.list_folders()
    names = [f.name for f in folders]
    inbox = next((n for n in names if n.upper() == INBOX), INBOX)
    wanted: list[tuple[str, str | None]] = [(inbox, None)]
    sent = imap.sent_folder(folders)
    if sent is not None and sent.upper() != INBOX:
        wanted.append((sent, "out"))
    return wanted


def _sync_folder(
    factory: sessionmaker[Session],
    connection: ImapConnection,
    run: _Run,
    actor: Actor,
    folder: str,
    direction: str | None,
    limits: MailLimits,
) -> None:
    selected = connection.select(folder)
    start = _start_folder(factory, run, folder, selected.uidvalidity)
    uids = connection.uids_after(start)
    for at in range(0, len(uids), run.batch_size):
        run.progress.check_cancelled()
        batch = uids[at : at + run.batch_size]
        _sync_batch(factory, connection, run, actor, folder, batch, direction, limits)
        run.done += len(batch)
        run.total = max(run.total, run.done)
        run.progress.report(run.done, run.total, folder)
    with factory.begin() as session:
        state = _folder_state(session, run.account.id, folder)
        if state is not None:
            state.synced_at = utcnow()
    run.counts[folder].done = True


def _plan(
    factory: sessionmaker[Session], connection: ImapConnection, run: _Run
) -> list[tuple[str, str | None]]:
    """The folders, each counted for the progress total (messages above the committed UID)."""
    folders = _folders(connection)
    total = 0
    with factory() as session:
        states = {
            s.folder: (s.uidvalidity, s.last_uid)
            for s in session.scalars(
                select(MailFolderState).where(MailFolderState.account_id == run.account.id)
            )
        }
        session.rollback()
    for folder, _direction in folders:
        run.counts.setdefault(folder, _Counts())
        selected = connection.select(folder)
        validity, last = states.get(folder, (None, 0))
        start = last if validity == selected.uidvalidity else 0
        total += len(connection.uids_after(start))
    run.total = total
    run.progress.report(0, total, None)
    return folders


# =========================================================================== the sync


def sync_account(
    factory: sessionmaker[Session],
    account_id: int,
    actor: Actor,
    *,
    password: str,
    progress: Progress | None = None,
    batch_size: int = 200,
    max_reconnects: int = 3,
    timeout: float = 30.0,
    ssl_context: ssl.SSLContext | None = None,
    limits: MailLimits = DEFAULT_LIMITS,
) -> SyncResult:
    """Fetch the new mail of INBOX and the Sent folder into the database (see the module's
    docstring). Commits its own short transactions: pass the session *factory*. Raises
    ImapError (a UserError) when the server cannot be reached or refuses the login, or the
    connection keeps dropping; OperationCancelled on a cancel (committed batches stay)."""
    started = time.perf_counter()
    progress = progress or NullProgress()
    if batch_size < 1:
        raise ValueError("batch_size must be 1 or more")
    account = _load_account(factory, account_id, actor)
    run = _Run(account, password, timeout, ssl_context, progress, batch_size)
    reconnects = 0
    outcome = "failed"
    error: str | None = None
    try:
        connection = _connect(run)
        try:
            folders: list[tuple[str, str | None]] | None = None
            while True:
                try:
                    if folders is None:
                        folders = _plan(factory, connection, run)
                    for folder, direction in folders:
                        if not run.counts[folder].done:
                            _sync_folder(factory, connection, run, actor, folder, direction, limits)
                    break
                except ImapError as exc:
                    if not exc.dropped:
                        raise
                    if reconnects >= max_reconnects:
                        raise ImapError(
                            f"{exc} (gave up after {reconnects} reconnects)", dropped=True
                        ) from exc
                    reconnects += 1
                    log.info(
                        "mail account %d: connection lost (%s); reconnect %d of %d",
                        account.id,
                        exc,
                        reconnects,
                        max_reconnects,
                    )
                    connection.close()
                    time.sleep(RECONNECT_PAUSE_S * reconnects)
                    connection = _reconnect(run, reconnects, max_reconnects)
        finally:
            connection.logout()
        outcome = "completed"
    except OperationCancelled:
        outcome = "cancelled"
        raise
    except UserError as exc:
        error = str(exc)
        raise
    finally:
        result = SyncResult(
            account_id=account.id,
            folders=tuple(
                FolderSyncResult(
                    folder=name,
                    fetched=c.fetched,
                    stored=c.stored,
                    duplicates=c.duplicates,
                    linked=c.linked,
                    unlinked=c.unlinked,
                    uidvalidity_reset=c.reset,
                )
                for name, c in run.counts.items()
            ),
            reconnects=reconnects,
            problems=tuple(run.problems),
            elapsed_ms=round((time.perf_counter() - started) * 1000),
        )
        _audit(factory, actor, result, outcome, error)
    return result


def _reconnect(run: _Run, reconnects: int, max_reconnects: int) -> ImapConnection:
    try:
        return _connect(run)
    except ImapError as exc:
        raise ImapError(
            f"{exc} (reconnect {reconnects} of {max_reconnects} failed)", dropped=exc.dropped
        ) from exc


def _audit(
    factory: sessionmaker[Session],
    actor: Actor,
    result: SyncResult,
    outcome: str,
    error: str | None,
) -> None:
    """One audit row per sync, whatever its outcome; a failure here never hides the sync's."""
    detail: dict[str, object] = {
        "outcome": outcome,
        "folders": {
            f.folder: {
                "fetched": f.fetched,
                "stored": f.stored,
                "duplicates": f.duplicates,
                "linked": f.linked,
                "unlinked": f.unlinked,
                "uidvalidity_reset": f.uidvalidity_reset,
            }
            for f in result.folders
        },
        "reconnects": result.reconnects,
        "problems": [[p.path, p.index, p.reason] for p in result.problems[:100]],
        "elapsed_ms": result.elapsed_ms,
    }
    if error is not None:
        detail["error"] = error[:500]
    try:
        with factory.begin() as session:
            audit.record(session, actor, "mail.sync", "mail_account", result.account_id, detail)
    except Exception:
        log.warning("could not write the audit row of a mail sync", exc_info=True)
