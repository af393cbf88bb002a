"""Building outgoing mail: address checks and a MIME message made with the stdlib ``email``
package (UTF-8 headers, RFC 2231 attachment names), ready to send and to store as sent."""

from __future__ import annotations

import email.policy
import mimetypes
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime

from crm_desktop.core.errors import ValidationError
from crm_desktop.mail.filenames import sanitize_filename

Address = tuple[str, str]  # (display name, address), as in ``mail.parse``

# 7bit: bodies are quoted-printable or base64 (the stdlib picks), never raw 8-bit, so a server
# without 8BITMIME passes them on unchanged. CRLF line ends, as SMTP sends them.
POLICY = email.policy.SMTP.clone(cte_type="7bit")

MAX_ATTACHMENT_BYTES = 18 * 1024 * 1024  # together; base64 makes ~24.6 MB of them
MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # the whole encoded message: what most servers accept
MAX_RECIPIENTS = 100
MAX_ATTACHMENTS = 100  # the parser keeps 200: what is stored is all that was sent
MAX_SUBJECT = 500
MAX_REFERENCES = 20  # of a long thread: the root and the latest ones

_LOCAL_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,998}>")
_NAMED = re.compile(r"(.*?)<([^<>]*)>", re.DOTALL)
_SEPARATORS = ",;，；\n\r"  # fullwidth ，； too: typed by a Chinese input method


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    data: bytes = field(repr=False)
    mime: str | None = None  # guessed from the file name when None


@dataclass(frozen=True)
class BuiltMessage:
    """A message ready to send: its exact bytes, envelope and identity."""

    raw: bytes = field(repr=False)
    message_id: str  # "<…@domain>"
    sender: str  # the envelope sender (MAIL FROM)
    recipients: tuple[str, ...]  # the envelope recipients (RCPT TO): To, then Cc, each once


def format_size(size: int) -> str:
    """ "512 bytes", "34.5 KB", "18.0 MB" (1 KB = 1024 bytes)."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# --------------------------------------------------------------------------- addresses


def split_addresses(text: str) -> tuple[str, ...]:
    """The entries of a typed address line: split at commas, semicolons (also fullwidth) and
    line ends outside quotes and angle brackets; blank entries dropped."""
    parts: list[str] = []
    current: list[str] = []
    quoted = angle = False
    escaped = False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
            continue
        if ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angle = True
        elif ch == ">" and not quoted:
            angle = False
        elif ch in _SEPARATORS and not quoted and not angle:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return tuple(p.strip() for p in parts if p.strip())


def check_address(address: str) -> str:
    """The address with its domain lower-cased and in ASCII (IDNA), or ValueError with the
    reason in plain words."""
    address = address.strip()
    if address.count("@") != 1:
        raise ValueError("an address has one @, as in name@example.com")
    local, domain = address.split("@")
    if not local or not domain:
        raise ValueError("an address has a name before the @ and a domain after it")
    if len(local) > 64 or len(address) > 254:
        raise ValueError("the address is too long")
    if not local.isascii():
        raise ValueError("the part before the @ must be in Latin letters, digits or .-_+")
    if not all(_LOCAL_ATOM.fullmatch(atom) for atom in local.split(".")):
        raise ValueError("the part before the @ has a space or a character not allowed there")
    domain = domain.rstrip(".").lower()
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError("the domain after the @ is not a valid domain name") from None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise ValueError("the domain after the @ is not a valid domain name, e.g. example.com")
    return f"{local}@{domain}"


def parse_recipient(entry: str) -> Address:
    """One typed entry, "张伟 <zhang@example.com>" or "zhang@example.com", as (name, address);
    ValueError saying what is wrong."""
    text = entry.strip()
    if not text:
        raise ValueError("empty")
    match = _NAMED.fullmatch(text)
    if match is not None:
        name, address = match.group(1).strip(), match.group(2).strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = re.sub(r"\\(.)", r"\1", name[1:-1])
    elif "<" in text or ">" in text:
        raise ValueError("the < and > around the address do not match")
    else:
        name, address = "", text
    if any(ch.isspace() for ch in address):
        raise ValueError("an address has no spaces")
    return " ".join(name.split()), check_address(address)


def parse_recipients(entries: Iterable[str], what: str) -> tuple[Address, ...]:
    """Every entry checked (``what``: the field, "To" or "Cc", for the message); repeats of an
    address dropped. Raises ValidationError naming the first bad entry."""
    out: dict[str, Address] = {}
    for entry in entries:
        try:
            name, address = parse_recipient(entry)
        except ValueError as exc:
            raise ValidationError(
                f"{what}: {entry.strip()!r} is not a valid email address ({exc})",
                {what.lower(): f"not a valid email address: {entry.strip()}"},
            ) from None
        out.setdefault(address.lower(), (name, address))
    return tuple(out.values())


def _checked(pairs: Sequence[Address], what: str) -> tuple[Address, ...]:
    out: dict[str, Address] = {}
    for name, address in pairs:
        try:
            checked = check_address(address)
        except ValueError as exc:
            raise ValidationError(
                f"{what}: {address!r} is not a valid email address ({exc})",
                {what.lower(): f"not a valid email address: {address}"},
            ) from None
        out.setdefault(checked.lower(), (" ".join(name.split()), checked))
    return tuple(out.values())


def format_address(name: str, address: str) -> str:
    """ "Name <address>" for an address line the user sees and edits; the bare address when
    there is no name. A name with a comma or quote is quoted."""
    name = " ".join(name.split())
    if not name:
        return address
    if any(c in name for c in ',;:<>"@()[]\\，；'):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>"


def _header_address(name: str, address: str) -> HeaderAddress:
    local, _at, domain = address.rpartition("@")
    return HeaderAddress(display_name=" ".join(name.split()), username=local, domain=domain)


# --------------------------------------------------------------------------- identity


def make_message_id(domain: str, now: datetime | None = None) -> str:
    """A new Message-ID on ``domain`` (the sending account's): time, then 96 random bits."""
    stamp = int((now or datetime.now(UTC)).timestamp() * 1000)
    domain = domain.strip().rstrip(".").lower() or "localhost"
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            domain = "localhost"
    return f"<{stamp}.{secrets.token_hex(12)}@{domain}>"


def reply_subject(subject: str) -> str:
    """ "Re: " before the subject, unless it starts with a reply prefix already (Re:, RE:,
    回复:, 答复:, also with a fullwidth colon)."""
    text = " ".join((subject or "").split())
    if re.match(r"(?i)^(re|aw|回复|答复)\s*[:：]", text):
        return text
    return f"Re: {text}" if text else "Re:"


def thread_references(
    references: Sequence[str], in_reply_to: str | None, message_id: str | None
) -> tuple[str, ...]:
    """References of a reply to a message with these fields (RFC 5322 §3.6.4): its References
    (or its In-Reply-To) and its own id; the root and the latest when the thread is long."""
    ids = [r for r in references if _MESSAGE_ID.fullmatch(r)]
    if not ids and in_reply_to and _MESSAGE_ID.fullmatch(in_reply_to):
        ids = [in_reply_to]
    if message_id and _MESSAGE_ID.fullmatch(message_id):
        ids.append(message_id)
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1) :]
    return tuple(ids)


# --------------------------------------------------------------------------- the message


def _mime_type(attachment: OutgoingAttachment) -> tuple[str, str]:
    mime = attachment.mime or mimetypes.guess_type(attachment.filename)[0]
    mime = (mime or "application/octet-stream").strip().lower()
    maintype, _slash, subtype = mime.partition("/")
    if not maintype or not subtype or maintype in ("multipart", "message"):
        return "application", "octet-stream"
    return maintype, subtype


def check_attachments(attachments: Sequence[OutgoingAttachment]) -> int:
    """Their total size; ValidationError when there are more than ``MAX_ATTACHMENTS`` or
    they add up to more than ``MAX_ATTACHMENT_BYTES``."""
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError(
            f"At most {MAX_ATTACHMENTS} attachments in one email",
            {"attachments": f"at most {MAX_ATTACHMENTS}"},
        )
    total = sum(len(a.data) for a in attachments)
    if total > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"The attachments add up to {format_size(total)}; "
            f"at most {format_size(MAX_ATTACHMENT_BYTES)} can be sent in one email",
            {"attachments": f"at most {format_size(MAX_ATTACHMENT_BYTES)}"},
        )
    return total


def build_message(
    *,
    sender: Address,
    to: Sequence[Address],
    cc: Sequence[Address] = (),
    subject: str,
    body: str,
    attachments: Sequence[OutgoingAttachment] = (),
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    message_id: str | None = None,
    date: datetime | None = None,
) -> BuiltMessage:
    """The message's bytes (CRLF) with From, To, Cc, Subject, Date (local time of ``date``,
    aware; default now), Message-ID (default: a new one on the sender's domain), In-Reply-To
    and References; a text/plain body; the attachments. Checks the addresses, the sizes."""
    sender_name, sender_address = sender
    try:
        sender_address = check_address(sender_address)
    except ValueError as exc:
        raise ValidationError(
            f"The sending account's address {sender_address!r} is not valid ({exc})",
            {"from": str(exc)},
        ) from None
    to_list = _checked(to, "To")
    cc_list = _checked(cc, "Cc")
    if not to_list and not cc_list:
        raise ValidationError("Add at least one recipient", {"to": "required"})
    unique: dict[str, str] = {}
    for _name, address in (*to_list, *cc_list):
        unique.setdefault(address.lower(), address)
    envelope = list(unique.values())
    if len(envelope) > MAX_RECIPIENTS:
        raise ValidationError(
            f"At most {MAX_RECIPIENTS} recipients in one email (this one has {len(envelope)})",
            {"to": f"at most {MAX_RECIPIENTS} recipients"},
        )
    subject = " ".join((subject or "").replace("\x00", "").split())
    if len(subject) > MAX_SUBJECT:
        raise ValidationError(
            f"The subject has at most {MAX_SUBJECT} characters",
            {"subject": f"at most {MAX_SUBJECT} characters"},
        )
    check_attachments(attachments)
    if date is not None and date.tzinfo is None:
        raise ValueError("date must be timezone-aware")
    stamp = (date or datetime.now(UTC)).astimezone()
    message_id = message_id or make_message_id(sender_address.rpartition("@")[2], stamp)

    msg = EmailMessage(policy=POLICY)
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(stamp.replace(microsecond=0))
    msg["From"] = _header_address(sender_name, sender_address)
    if to_list:
        msg["To"] = [_header_address(n, a) for n, a in to_list]
    if cc_list:
        msg["Cc"] = [_header_address(n, a) for n, a in cc_list]
    msg["Subject"] = subject
    if in_reply_to and _MESSAGE_ID.fullmatch(in_reply_to):
        msg["In-Reply-To"] = in_reply_to
    refs = [r for r in references if _MESSAGE_ID.fullmatch(r)]
    if refs:
        msg["References"] = " ".join(refs)
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if not text.endswith("\n"):
        text += "\n"
    msg.set_content(text)
    for attachment in attachments:
        maintype, subtype = _mime_type(attachment)
        msg.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=sanitize_filename(attachment.filename),
        )
    for part in msg.iter_attachments():
        del part["MIME-Version"]  # the stdlib repeats it on every part; only the top one counts
    raw = msg.as_bytes()
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ValidationError(
            f"The email is {format_size(len(raw))} encoded; "
            f"at most {format_size(MAX_MESSAGE_BYTES)} can be sent",
            {"attachments": f"at most {format_size(MAX_MESSAGE_BYTES)} in all"},
        )
    return BuiltMessage(
        raw=raw, message_id=message_id, sender=sender_address, recipients=tuple(envelope)
    )
