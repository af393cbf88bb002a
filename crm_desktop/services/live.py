"""Live sharing (DESIGN §10): listen for the changes other clients write to a PostgreSQL
database, so open lists and customer files refresh within a second.

Writes NOTIFY ``crm_changes`` (migration 0006, one message per statement). A ``ChangeListener``
holds its own autocommit psycopg connection outside the engine's pool — a LISTEN session must
stay open — and reconnects by itself after a dropped connection or a server restart; after a
reconnect it reports a change of everything, because messages sent meanwhile are lost.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import URL

from crm_desktop.db.engine import normalize_url

if TYPE_CHECKING:
    import psycopg

    from crm_desktop.services.database import Database

__all__ = [
    "CHANNEL",
    "CUSTOMER_IDS",
    "EVERYTHING",
    "TABLES",
    "Change",
    "ChangeListener",
    "listener_for",
    "merge_changes",
]

log = logging.getLogger(__name__)

CHANNEL = "crm_changes"
TABLES = ("customer", "contact", "followup", "email_message")
# Keys of ``merge_changes``'s answer besides the table names.
CUSTOMER_IDS = "customer_ids"  # every customer whose list row or file may show something new
EVERYTHING = "*"  # present (with an empty set) when ids are unknown: refresh all that is shown
RECONNECT_DELAYS = (0.25, 0.5, 1.0, 2.0, 5.0)  # seconds between attempts, the last one repeats
DRAIN_S = 0.02  # after a first message, what else arrives this soon goes in the same batch


@dataclass(frozen=True)
class Change:
    """What one statement of another client (or this one) changed. ``everything``: too many
    rows to list (or messages were missed while reconnecting): ``ids`` and ``customer_ids``
    are empty and whatever shows ``table`` (all tables when it is ``"*"``) should refresh."""

    table: str
    ids: frozenset[int] = frozenset()
    customer_ids: frozenset[int] = frozenset()
    everything: bool = False


def parse_payload(payload: str) -> Change | None:
    """The Change of one notification's JSON payload; None for anything malformed."""
    try:
        data = json.loads(payload)
        table = str(data["t"])
        if data.get("all"):
            return Change(table, everything=True)
        ids = frozenset(int(i) for i in data.get("ids") or ())
        customers = frozenset(int(i) for i in data.get("c") or ())
    except (ValueError, TypeError, KeyError, AttributeError):
        log.warning("ignored a malformed change notification: %.200r", payload)
        return None
    return Change(table, ids, customers)


def merge_changes(changes: Iterable[Change]) -> dict[str, set[int]]:
    """One mapping for a batch of changes: table name → changed row ids, ``CUSTOMER_IDS`` →
    every customer concerned, and ``EVERYTHING`` (an empty set) when some ids are unknown; a
    table whose ids are unknown is present with an empty set."""
    merged: dict[str, set[int]] = {CUSTOMER_IDS: set()}
    for change in changes:
        if change.everything:
            merged[EVERYTHING] = set()
            for table in TABLES if change.table == EVERYTHING else (change.table,):
                merged.setdefault(table, set())
            continue
        merged.setdefault(change.table, set()).update(change.ids)
        merged[CUSTOMER_IDS].update(change.customer_ids)
    return merged


def concerns_customer(changes: Mapping[str, set[int]], customer_id: int) -> bool:
    """Whether a merged batch may have changed anything of ``customer_id``'s file."""
    return EVERYTHING in changes or customer_id in changes.get(CUSTOMER_IDS, ())


def _connect_kwargs(url: URL) -> dict[str, Any]:
    args: dict[str, Any] = url.translate_connect_args(username="user", database="dbname")
    args.update({str(k): v for k, v in url.query.items() if isinstance(v, str)})
    args.setdefault("connect_timeout", 10)
    args.setdefault("application_name", "crm-desktop live")
    # A silently dropped network path is noticed within about a minute, not hours.
    args.setdefault("keepalives", 1)
    args.setdefault("keepalives_idle", 30)
    args.setdefault("keepalives_interval", 10)
    args.setdefault("keepalives_count", 3)
    return args


class ChangeListener:
    """LISTEN on ``crm_changes`` over a connection of its own. ``poll(timeout)`` waits up to
    ``timeout`` seconds and returns the changes that arrived (often none). It never raises for a
    lost connection: it reconnects on the following polls (backing off), and the first poll
    after a reconnect returns ``Change("*", everything=True)``.

    Not thread-safe: one thread polls (``close`` may be called from another once that thread
    stopped polling).
    """

    def __init__(
        self, url: str | URL, password: str | None = None, *, channel: str = CHANNEL
    ) -> None:
        parsed = normalize_url(url) if isinstance(url, str) else url
        if parsed.get_backend_name() != "postgresql":
            raise ValueError("live updates need a PostgreSQL database")
        if password is not None:
            parsed = parsed.set(password=password)
        self._kwargs = _connect_kwargs(parsed)
        self._channel = channel
        self._conn: psycopg.Connection[Any] | None = None
        self._ever_connected = False
        self._failures = 0
        self._next_attempt = 0.0
        self.reconnects = 0  # successful reconnects after a lost connection
        self.last_error: str | None = None

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed

    @property
    def backend_pid(self) -> int | None:
        """The server process of the LISTEN session (tests end it with pg_terminate_backend)."""
        return self._conn.info.backend_pid if self.connected and self._conn else None

    def connect(self) -> bool:
        """Open the connection and LISTEN now; False (and ``last_error``) when that failed."""
        import psycopg
        from psycopg import sql

        self._drop()
        try:
            conn = psycopg.connect(autocommit=True, **self._kwargs)
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
        except psycopg.Error as exc:
            self._failed(exc)
            return False
        self._conn = conn
        self._failures = 0
        self.last_error = None
        if self._ever_connected:
            self.reconnects += 1
            log.info("live updates: reconnected")
        self._ever_connected = True
        return True

    def poll(self, timeout: float) -> list[Change]:
        """Wait up to ``timeout`` seconds for changes; returns as soon as some arrived."""
        deadline = time.monotonic() + max(0.0, timeout)
        if not self.connected:
            wait = self._next_attempt - time.monotonic()
            if wait > 0:
                time.sleep(min(wait, max(0.0, timeout)))
                return []
            had_connection = self._ever_connected
            if not self.connect():
                return []
            if had_connection:
                # Whatever was sent while we were away is lost: everything may have changed.
                return [Change(EVERYTHING, everything=True)]
        return self._receive(max(0.0, deadline - time.monotonic()))

    def _receive(self, timeout: float) -> list[Change]:
        import psycopg

        conn = self._conn
        assert conn is not None
        payloads: list[str] = []
        try:
            for notify in conn.notifies(timeout=timeout, stop_after=1):
                payloads.append(notify.payload)
            if payloads:
                # One transaction's statements arrive together: take them in one batch.
                for notify in conn.notifies(timeout=DRAIN_S):
                    payloads.append(notify.payload)
        except psycopg.Error as exc:
            log.info("live updates: connection lost (%s)", exc)
            self._failed(exc)
        changes = [parse_payload(p) for p in payloads]
        return [c for c in changes if c is not None]

    def _failed(self, exc: BaseException) -> None:
        self._drop()
        delay = RECONNECT_DELAYS[min(self._failures, len(RECONNECT_DELAYS) - 1)]
        self._failures += 1
        self._next_attempt = time.monotonic() + delay
        text = str(exc).strip()
        self.last_error = text.splitlines()[0] if text else type(exc).__name__

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # closing a broken connection may fail: it is gone either way
                log.debug("live updates: close failed", exc_info=True)

    def close(self) -> None:
        """Stop listening (the connection closes; ``poll`` would open a new one)."""
        self._drop()


def listener_for(db: Database) -> ChangeListener | None:
    """A listener on ``db`` in Shared mode (PostgreSQL), with the engine's credentials; None
    on SQLite, where only this client writes."""
    if db.dialect != "postgresql":
        return None
    return ChangeListener(db.engine.url)
