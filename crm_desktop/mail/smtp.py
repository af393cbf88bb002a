"""Sending over SMTP (smtplib): implicit TLS, STARTTLS or plain, login, and every failure as
one ``SmtpError`` whose message says in one sentence what went wrong and where.

All recipients are offered before the message: when the server refuses any of them nothing is
sent at all (no half-delivered email)."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

from crm_desktop.core.errors import UserError

SECURITY = ("ssl", "starttls", "none")
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
DEFAULT_TIMEOUT = 30.0

CONNECT = "connect"
TLS = "tls"
AUTH = "auth"
SENDER = "sender"
RECIPIENT = "recipient"
MESSAGE = "message"
TIMEOUT = "timeout"
PROTOCOL = "protocol"


class SmtpError(UserError):
    """Sending failed; ``reason`` says how (connect | tls | auth | sender | recipient | message
    | timeout | protocol) and ``recipient`` which address a refusal was about."""

    def __init__(self, message: str, *, reason: str, recipient: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.recipient = recipient


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int | None  # None: the usual port of ``security``
    security: str  # ssl | starttls | none
    username: str
    timeout: float = DEFAULT_TIMEOUT

    @property
    def address(self) -> str:
        return f"{self.host}:{self.real_port}"

    @property
    def real_port(self) -> int:
        return self.port or DEFAULT_PORTS.get(self.security, 25)


def _reply_text(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    text = " ".join(text.split())
    return f"{code} {text}".strip() if code else text


def _local_hostname() -> str:
    # smtplib's default (socket.getfqdn) may wait seconds on reverse DNS; a dotted host name
    # is what servers expect in EHLO, the literal "localhost" the fallback.
    name = socket.gethostname()
    return name if "." in name and name.isascii() else "localhost"


def _connect(settings: SmtpSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    if settings.security not in SECURITY:
        raise SmtpError(
            f"Unknown SMTP security {settings.security!r}: use ssl, starttls or none",
            reason=PROTOCOL,
        )
    host, port, timeout = settings.host, settings.real_port, settings.timeout
    local = _local_hostname()
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(host, port, local, timeout=timeout, context=context)
    client = smtplib.SMTP(host, port, local, timeout=timeout)
    if settings.security == "starttls":
        try:
            client.ehlo()
            if not client.has_extn("starttls"):
                raise SmtpError(
                    f"{settings.address} does not offer STARTTLS: choose SSL or another port "
                    "in the mail account",
                    reason=TLS,
                )
            client.starttls(context=context)
            client.ehlo()
        except BaseException:
            _close(client)
            raise
    return client


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _login(client: smtplib.SMTP, settings: SmtpSettings, password: str) -> None:
    client.ehlo_or_helo_if_needed()
    if not settings.username:
        return
    if not client.has_extn("auth"):
        if settings.security == "none":
            raise SmtpError(
                f"{settings.address} offers no login without encryption: choose STARTTLS or "
                "SSL in the mail account",
                reason=AUTH,
            )
        raise SmtpError(f"{settings.address} offers no login (AUTH)", reason=AUTH)
    try:
        client.login(settings.username, password)
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpError(
            f"The mail server {settings.host} refused the user name or password of "
            f"{settings.username} ({_reply_text(exc.smtp_code, exc.smtp_error)})",
            reason=AUTH,
        ) from None
    except smtplib.SMTPException as exc:
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            raise
        raise SmtpError(f"Could not log in to {settings.address}: {exc}", reason=AUTH) from None


def _transaction(client: smtplib.SMTP, sender: str, recipients: Sequence[str], data: bytes) -> None:
    """MAIL, every RCPT, then DATA only when all recipients were accepted."""
    options: list[str] = []
    if client.does_esmtp and client.has_extn("size"):
        limit = client.esmtp_features.get("size", "").strip()
        if limit.isdigit() and 0 < int(limit) < len(data):
            raise SmtpError(
                f"The message is {len(data):,} bytes; the mail server accepts at most "
                f"{int(limit):,}",
                reason=MESSAGE,
            )
        options.append(f"SIZE={len(data)}")
    code, reply = client.mail(sender, options)
    if code != 250:
        client.rset()
        raise SmtpError(
            f"The mail server refused the sender {sender} ({_reply_text(code, reply)})",
            reason=SENDER,
        )
    for recipient in recipients:
        code, reply = client.rcpt(recipient)
        if code not in (250, 251):
            client.rset()
            raise SmtpError(
                f"The mail server refused the recipient {recipient} "
                f"({_reply_text(code, reply)}); nothing was sent",
                reason=RECIPIENT,
                recipient=recipient,
            )
    code, reply = client.data(data)
    if code != 250:
        raise SmtpError(
            f"The mail server refused the message ({_reply_text(code, reply)})", reason=MESSAGE
        )


def _translate(exc: BaseException, settings: SmtpSettings, stage: str) -> SmtpError:
    """A low-level failure as one clear sentence; ``stage`` "connect" or "send"."""
    where = settings.address
    if isinstance(exc, SmtpError):
        return exc
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(
        exc.__context__, TimeoutError
    ):
        exc = exc.__context__  # smtplib reports a read timeout as a closed connection
    if isinstance(exc, TimeoutError):
        doing = "connecting to" if stage == CONNECT else "talking to"
        return SmtpError(
            f"The mail server {where} did not answer in {settings.timeout:g} s while {doing} it",
            reason=TIMEOUT,
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = exc.verify_message or exc.reason or str(exc)
        return SmtpError(
            f"TLS failure with {where}: the server's certificate could not be verified ({detail})",
            reason=TLS,
        )
    if isinstance(exc, ssl.SSLError):
        detail = exc.reason or str(exc)
        hint = ""
        if "WRONG_VERSION_NUMBER" in str(detail).upper():
            hint = "; the port may not use SSL, try STARTTLS"
        return SmtpError(f"TLS failure with {where}: {detail}{hint}", reason=TLS)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SmtpError(f"{where} does not support this: {exc}", reason=PROTOCOL)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SmtpError(
            f"The mail server {where} closed the connection unexpectedly",
            reason=(CONNECT if stage == CONNECT else PROTOCOL),
        )
    if isinstance(exc, smtplib.SMTPConnectError):
        return SmtpError(
            f"Could not connect to {where}: {_reply_text(exc.smtp_code, exc.smtp_error)}",
            reason=CONNECT,
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return SmtpError(
            f"The mail server {where} answered with an error "
            f"({_reply_text(exc.smtp_code, exc.smtp_error)})",
            reason=PROTOCOL,
        )
    if isinstance(exc, smtplib.SMTPException):
        return SmtpError(f"Sending through {where} failed: {exc}", reason=PROTOCOL)
    if isinstance(exc, ConnectionRefusedError):
        return SmtpError(f"Could not connect to {where}: connection refused", reason=CONNECT)
    if isinstance(exc, socket.gaierror):
        return SmtpError(
            f"Could not connect to {where}: the host name {settings.host} was not found",
            reason=CONNECT,
        )
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return SmtpError(f"The connection to {where} was broken", reason=CONNECT)
    if isinstance(exc, OSError):
        detail = exc.strerror or str(exc) or type(exc).__name__
        return SmtpError(f"Could not connect to {where}: {detail}", reason=CONNECT)
    return SmtpError(f"Sending through {where} failed ({type(exc).__name__})", reason=PROTOCOL)


class SmtpConnection:
    """A connected, secured and logged-in SMTP session; ``send`` it messages, then ``close``
    it (or use it as a context manager)."""

    def __init__(self, settings: SmtpSettings, client: smtplib.SMTP) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = client

    def send(self, sender: str, recipients: Sequence[str], data: bytes) -> None:
        """Send ``data`` (the message's bytes, CRLF) from ``sender`` (envelope) to
        ``recipients``. Raises ``SmtpError``; then nothing was sent and the connection is
        closed."""
        client = self._client
        if client is None:
            raise SmtpError(f"The connection to {self.settings.address} is closed", reason=PROTOCOL)
        if not recipients:
            raise SmtpError("No recipients: nothing was sent", reason=RECIPIENT)
        try:
            _transaction(client, sender, recipients, data)
        except Exception as exc:
            self._client = None
            client.close()
            raise _translate(exc, self.settings, "send") from None

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _close(client)

    def __enter__(self) -> SmtpConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def connect(
    settings: SmtpSettings, password: str, *, ssl_context: ssl.SSLContext | None = None
) -> SmtpConnection:
    """Connect, secure (``settings.security``) and log in. ``ssl_context``: default the
    system's trusted CAs. Raises ``SmtpError`` saying what failed."""
    context = ssl_context or ssl.create_default_context()
    try:
        client = _connect(settings, context)
    except Exception as exc:
        raise _translate(exc, settings, CONNECT) from None
    try:
        _login(client, settings, password)
    except Exception as exc:
        client.close()
        raise _translate(exc, settings, "send") from None
    return SmtpConnection(settings, client)


def send_message(
    settings: SmtpSettings,
    password: str,
    sender: str,
    recipients: Sequence[str],
    data: bytes,
    *,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Connect, log in, send one message and quit. Raises ``SmtpError``; then nothing was
    sent."""
    if not recipients:
        raise SmtpError("No recipients: nothing was sent", reason=RECIPIENT)
    with connect(settings, password, ssl_context=ssl_context) as connection:
        connection.send(sender, recipients, data)


def check_login(
    settings: SmtpSettings, password: str, *, ssl_context: ssl.SSLContext | None = None
) -> None:
    """Connect, secure and log in, then quit: the "Test" button of a mail account."""
    connect(settings, password, ssl_context=ssl_context).close()
