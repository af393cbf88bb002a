"""A thin, typed IMAP client over imapclient for mail sync: connect (SSL, STARTTLS or plain) with
a timeout, log in, list folders, select, search and fetch by UID. Every network or protocol
failure becomes one ``ImapError`` whose message says what failed and where."""

from __future__ import annotations

import contextlib
import imaplib
import re
import socket
import ssl
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from imapclient import IMAPClient  # type: ignore[import-untyped]
from imapclient.exceptions import (  # type: ignore[import-untyped]
    IMAPClientAbortError,
    IMAPClientError,
    LoginError,
)

from crm_desktop.core.errors import UserError
from crm_desktop.mail.limits import MailParseError
from crm_desktop.mail.parse import parse_eml

SECURITIES = ("ssl", "starttls", "none")
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
SENT_NAMES = ("Sent", "Sent Messages", "Sent Items", "已发送", "INBOX.Sent", "INBOX/Sent")

_HEADER_KEY = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
_HEADER_ITEM = b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
_BODY_KEY = b"BODY[]"
_BODY_ITEM = b"BODY.PEEK[]"
_SIZE_KEY = b"RFC822.SIZE"
_BYE = re.compile(r"\bBYE\b", re.IGNORECASE)

T = TypeVar("T")


class ImapError(UserError):
    """An IMAP server could not be reached or used. ``dropped``: the connection was lost after
    it worked (worth a reconnect); ``auth``: the server refused the login."""

    def __init__(self, message: str, *, dropped: bool = False, auth: bool = False) -> None:
        super().__init__(message)
        self.dropped = dropped
        self.auth = auth


@dataclass(frozen=True)
class ImapFolder:
    name: str
    flags: tuple[str, ...]  # e.g. ("\\HasNoChildren", "\\Sent")
    delimiter: str | None


@dataclass(frozen=True)
class SelectedFolder:
    name: str
    uidvalidity: int
    exists: int
    uidnext: int | None


@dataclass(frozen=True)
class HeaderInfo:
    """What a cheap header fetch tells about one message."""

    uid: int
    message_id: str | None  # as ``parse_eml`` would give it, "<…>"
    size: int | None  # RFC822.SIZE


def _where(host: str, port: int) -> str:
    return f"{host}:{port}"


def _reason(exc: BaseException) -> str:
    """A short human reason for a low-level error."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server's certificate is not trusted ({exc.verify_message or exc.reason})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    if isinstance(exc, socket.gaierror):
        return "the server name could not be resolved"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, EOFError)):
        return "the connection was closed"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text).strip() or type(exc).__name__


def _decode(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class ImapConnection:
    """One connection to one server. Use ``connect()``; close with ``logout()`` or as a
    context manager."""

    def __init__(self, client: IMAPClient, host: str, port: int) -> None:
        self._client = client
        self.host = host
        self.port = port
        self.selected: str | None = None

    # ----------------------------------------------------------------- life cycle

    @classmethod
    def open(
        cls,
        host: str,
        port: int | None = None,
        security: str = "ssl",
        *,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> ImapConnection:
        """Connect (no login yet). ``security``: "ssl" (implicit TLS), "starttls" or "none"."""
        if security not in SECURITIES:
            raise ImapError(f"Unknown IMAP security {security!r}: use ssl, starttls or none")
        if not host:
            raise ImapError("No IMAP server is set for this account")
        port = port or DEFAULT_PORTS[security]
        context = ssl_context or ssl.create_default_context()
        where = _where(host, port)
        try:
            client = IMAPClient(
                host,
                port=port,
                ssl=security == "ssl",
                ssl_context=context if security == "ssl" else None,
                timeout=timeout,
            )
        except (OSError, imaplib.IMAP4.error, IMAPClientError, EOFError) as exc:
            raise ImapError(f"Could not connect to {where}: {_reason(exc)}") from exc
        connection = cls(client, host, port)
        if security == "starttls":
            try:
                client.starttls(context)
            except (OSError, imaplib.IMAP4.error, IMAPClientError, EOFError) as exc:
                connection.close()
                raise ImapError(f"STARTTLS with {where} failed: {_reason(exc)}") from exc
        return connection

    def close(self) -> None:
        """Drop the connection without a word to the server; never raises."""
        with contextlib.suppress(Exception):  # already closed or broken: nothing to close
            self._client.shutdown()

    def logout(self) -> None:
        """Log out politely; a connection that is already gone is just closed."""
        try:
            self._client.logout()
        except Exception:
            self.close()

    def __enter__(self) -> ImapConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.logout()
        else:
            self.close()

    # ----------------------------------------------------------------- commands

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one command; map every failure to ImapError (``dropped`` when the link broke)."""
        where = _where(self.host, self.port)
        try:
            return fn()
        except LoginError as exc:
            raise ImapError(
                f"The IMAP server {where} refused the login: {_reason(exc)}", auth=True
            ) from exc
        except (IMAPClientAbortError, imaplib.IMAP4.abort) as exc:
            raise ImapError(
                f"The connection to {where} was lost while {what}: {_reason(exc)}", dropped=True
            ) from exc
        except (OSError, EOFError) as exc:  # socket errors, timeouts, TLS errors
            raise ImapError(
                f"The connection to {where} was lost while {what}: {_reason(exc)}", dropped=True
            ) from exc
        except (IMAPClientError, imaplib.IMAP4.error) as exc:
            reason = _reason(exc)
            raise ImapError(
                f"The IMAP server {where} failed while {what}: {reason}",
                dropped=bool(_BYE.search(reason)),
            ) from exc

    def login(self, username: str, password: str) -> None:
        self._call("logging in", lambda: self._client.login(username, password))

    def list_folders(self) -> list[ImapFolder]:
        """Every folder with its flags (SPECIAL-USE flags such as ``\\Sent`` included when the
        server reports them)."""
        raw = self._call("listing the folders", self._client.list_folders)
        folders = []
        for flags, delimiter, name in raw:
            folders.append(
                ImapFolder(
                    name=_decode(name),
                    flags=tuple(_decode(f) for f in flags),
                    delimiter=_decode(delimiter) if delimiter is not None else None,
                )
            )
        return folders

    def select(self, folder: str) -> SelectedFolder:
        """Select ``folder`` read-only (nothing is marked as read)."""
        info: dict[bytes, Any] = self._call(
            f"opening the folder {folder!r}",
            lambda: self._client.select_folder(folder, readonly=True),
        )
        self.selected = folder
        validity = info.get(b"UIDVALIDITY")
        if validity is None:
            raise ImapError(f"The IMAP server {self.host} gave no UIDVALIDITY for {folder!r}")
        uidnext = info.get(b"UIDNEXT")
        return SelectedFolder(
            name=folder,
            uidvalidity=int(validity),
            exists=int(info.get(b"EXISTS", 0)),
            uidnext=int(uidnext) if uidnext is not None else None,
        )

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above ``last_uid`` in the selected folder, ascending. (``UID n:*`` always
        matches the highest message, even one below n: filtered here.)"""
        found = self._call(
            "searching for new messages",
            lambda: self._client.search(["UID", f"{last_uid + 1}:*"]),
        )
        return sorted(int(uid) for uid in found if int(uid) > last_uid)

    def fetch_headers(self, uids: Sequence[int]) -> list[HeaderInfo]:
        """Message-ID and size of each message (messages gone meanwhile are left out)."""
        if not uids:
            return []
        data = self._call(
            "reading message headers",
            lambda: self._client.fetch(list(uids), [_HEADER_ITEM, _SIZE_KEY]),
        )
        result = []
        for uid in uids:
            item = data.get(uid)
            if item is None:
                continue
            size = item.get(_SIZE_KEY)
            result.append(
                HeaderInfo(
                    uid=uid,
                    message_id=header_message_id(item.get(_HEADER_KEY) or b""),
                    size=int(size) if size is not None else None,
                )
            )
        return result

    def fetch_bodies(self, uids: Iterable[int]) -> dict[int, bytes]:
        """The full raw messages (``BODY.PEEK[]``: not marked as read), by UID."""
        wanted = list(uids)
        if not wanted:
            return {}
        data = self._call("downloading messages", lambda: self._client.fetch(wanted, [_BODY_ITEM]))
        bodies: dict[int, bytes] = {}
        for uid in wanted:
            body = (data.get(uid) or {}).get(_BODY_KEY)
            if isinstance(body, bytes):
                bodies[uid] = body
        return bodies

    def noop(self) -> None:
        self._call("checking the connection", self._client.noop)


def connect(
    host: str,
    port: int | None,
    security: str,
    username: str,
    password: str,
    *,
    timeout: float = 30.0,
    ssl_context: ssl.SSLContext | None = None,
) -> ImapConnection:
    """Connect and log in; the connection is closed again when the login fails."""
    connection = ImapConnection.open(host, port, security, timeout=timeout, ssl_context=ssl_context)
    try:
        connection.login(username, password)
    except BaseException:
        connection.close()
        raise
    return connection


def header_message_id(header: bytes) -> str | None:
    """The Message-ID in a fetched header block, exactly as ``parse_eml`` reads it."""
    if not header.strip():
        return None
    try:
        return parse_eml(header.rstrip(b"\r\n") + b"\r\n\r\n").message_id
    except MailParseError:
        return None


def sent_folder(folders: Sequence[ImapFolder]) -> str | None:
    """The Sent folder: the one flagged ``\\Sent`` (SPECIAL-USE), else a usual name."""
    for folder in folders:
        if any(flag.lower() == "\\sent" for flag in folder.flags):
            return folder.name
    names = {folder.name.casefold(): folder.name for folder in folders}
    for wanted in SENT_NAMES:
        found = names.get(wanted.casefold())
        if found is not None:
            return found
    return None
