"""Storing parsed mail with the company and linking it to customers (DESIGN §7, issue 5 items
2 and 3).

Each message is stored once, keyed by ``ParsedMessage.dedupe_key`` (the Message-ID, or
``sha256:…`` of the content when there is none), with its raw bytes zlib-compressed and its
attachments (already sanitized by the parser) with their sha256. Linking, in this order, each
message recording how it was linked (``link_method``):

1. a live contact's address (from/to/cc) → that contact and its customer ("address");
2. a live customer's address ("address");
3. the address's domain equals the email domain of exactly one customer (its own address or
   its contacts'), never for free-mail domains ("domain"; more than one customer → no link);
4. a stored, linked message of the same thread ("thread");
5. else "none": the unlinked queue.

Within a rule the addresses are tried in order from, to, cc; an exact address shared by several
contacts or customers goes to the lowest id. The company's own addresses (users' and mail
accounts') never link, and their domains never link by domain. Linking ignores visibility (mail
belongs to the company); a linked message's ``owner_id`` is the customer's owner, an unlinked
one's the person (or mail account's user) who imported it, whose unlinked queue it is in.
Attachments belong to their message only (``customer_id`` stays NULL: that column is for files
attached to the customer file itself).

Lookups are batched per chunk of messages: one query for the chunk's known Message-IDs, one for
contacts and one for customers by address, one for threads; domains are looked up with a few
LIKE patterns, or, when a chunk brings many new domains, from one load of every email domain.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy import insert as sql_insert
from sqlalchemy.orm import Session

from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.core.text import fold
from crm_desktop.db.models import (
    AppUser,
    Attachment,
    Contact,
    Customer,
    EmailMessage,
    ImportBatch,
    MailAccount,
)
from crm_desktop.db.types import utcnow
from crm_desktop.mail.parse import Address, ParsedMessage, iter_mail_files
from crm_desktop.services import audit, seed_data
from crm_desktop.services.company import FREE_MAIL, get_setting, replace_setting
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import can_see

FREE_MAIL_DOMAINS: tuple[str, ...] = tuple(seed_data.FREE_MAIL_DOMAINS)
MAX_FREE_MAIL_DOMAINS = 1_000
CHUNK_MESSAGES = 500  # messages looked up and inserted together
CHUNK_BYTES = 32 * 1024 * 1024  # … or fewer, when their raw bytes add up to this
IN_LIST = 2_000  # values per IN (…): well under SQLite's 32,766 variables
DOMAIN_LIKE_LIMIT = 16  # more new domains in a chunk than this: load every domain once
_KEY_LENGTH = 500  # email_message.message_id / thread_key are String(500)

LINK_ADDRESS = "address"
LINK_DOMAIN = "domain"
LINK_THREAD = "thread"
LINK_MANUAL = "manual"
LINK_NONE = "none"


# =========================================================================== DTOs


@dataclass(frozen=True)
class StoreResult:
    email_id: int
    created: bool  # False: the message was stored before, nothing was written
    link_method: str
    customer_id: int | None
    contact_id: int | None


@dataclass(frozen=True)
class ImportProblem:
    path: str
    index: int | None  # the message's number inside an mbox, from 0
    reason: str


@dataclass(frozen=True)
class MailImportResult:
    files: int
    messages: int  # messages read (parsed)
    stored: int  # new messages stored
    duplicates: int  # stored before, or twice in these files
    linked: int  # of the stored ones
    unlinked: int
    problems: tuple[ImportProblem, ...]
    batch_id: int


@dataclass(frozen=True)
class UnlinkedMessage:
    id: int
    subject: str | None
    from_addr: str | None
    to_addrs: str | None
    sent_at: datetime | None
    direction: str


@dataclass(frozen=True)
class _Link:
    method: str
    customer_id: int | None
    contact_id: int | None
    owner_id: int | None


_NO_LINK = _Link(LINK_NONE, None, None, None)


# =========================================================================== free-mail domains


def _clean_domain(value: str) -> str:
    return fold(str(value)).lstrip("@").strip().rstrip(".")


def get_free_mail_domains(session: Session) -> list[str]:
    """The free-mail domains (company setting): mail from them never links by domain."""
    value = get_setting(session, FREE_MAIL)
    if not isinstance(value, list):
        return list(FREE_MAIL_DOMAINS)
    return [str(v) for v in value]


def set_free_mail_domains(session: Session, domains: Sequence[str], actor: Actor) -> list[str]:
    """Replace the list (administrators only): folded, leading "@" dropped, repeats dropped."""
    if not actor.is_admin:
        raise PermissionDenied("Only an administrator may change the free-mail domains")
    if isinstance(domains, str):
        raise ValidationError("Give the domains as a list", {"free_mail_domains": "not a list"})
    cleaned = list(dict.fromkeys(d for d in (_clean_domain(x) for x in domains) if d))
    bad = [d for d in cleaned if "." not in d or any(c in d for c in " @,;/\\") or len(d) > 253]
    if bad:
        raise ValidationError(
            f"Not a mail domain: {bad[0]}", {"free_mail_domains": f"not a domain: {bad[0]}"}
        )
    if len(cleaned) > MAX_FREE_MAIL_DOMAINS:
        raise ValidationError(
            f"At most {MAX_FREE_MAIL_DOMAINS} free-mail domains",
            {"free_mail_domains": f"at most {MAX_FREE_MAIL_DOMAINS}"},
        )
    replace_setting(session, FREE_MAIL, get_free_mail_domains(session), cleaned, actor)
    return cleaned


def _is_free(domain: str, free: frozenset[str]) -> bool:
    """The domain or one of its parents (vip.sina.com → sina.com) is a free-mail domain."""
    parts = domain.split(".")
    return any(".".join(parts[i:]) in free for i in range(len(parts) - 1))


# =========================================================================== helpers


def _domain(address: str) -> str:
    return address.rpartition("@")[2] if "@" in address else ""


def _text(value: str | None, limit: int | None = None) -> str | None:
    """Text PostgreSQL accepts: no NUL, no lone surrogates; cut to ``limit`` characters."""
    if value is None:
        return None
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value[:limit] if limit is not None else value


def message_key(value: str) -> str:
    """A Message-ID or thread key that fits the column: a long one is replaced by its hash."""
    value = _text(value) or ""
    if len(value) <= _KEY_LENGTH:
        return value
    return f"<sha256:{hashlib.sha256(value.encode('utf-8')).hexdigest()}>"


def _quote_name(name: str) -> str:
    if any(c in name for c in ',;:<>"@()[]\\'):
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return name


def format_addresses(addresses: Iterable[Address]) -> str:
    """Addresses as one header-like line, "Name <a@b>, c@d" (names not encoded)."""
    return ", ".join(
        f"{_quote_name(name)} <{addr}>" if name and addr else addr or _quote_name(name)
        for name, addr in addresses
    )


def stored_addresses(text: str | None) -> list[str]:
    """The folded addresses of a stored from/to/cc field."""
    if not text:
        return []
    try:
        pairs = getaddresses([text])
    except Exception:  # a hostile stored value: the stdlib parser may raise
        return []
    return [fold(addr) for _name, addr in pairs if "@" in addr]


def _message_addresses(parsed: ParsedMessage) -> list[str]:
    """Folded addresses in linking order: from, to, cc; each once."""
    pairs: list[Address] = []
    if parsed.from_addr is not None:
        pairs.append(parsed.from_addr)
    pairs.extend(parsed.to)
    pairs.extend(parsed.cc)
    return list(dict.fromkeys(fold(addr) for _name, addr in pairs if "@" in addr))


def chunked(values: Sequence[str], size: int = IN_LIST) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# =========================================================================== linker


class Linker:
    """Lookups for the messages of one store or import, batched per chunk and cached."""

    def __init__(self, session: Session, actor: Actor, account_id: int | None) -> None:
        self.session = session
        self.free = frozenset(_clean_domain(d) for d in get_free_mail_domains(session))
        users = session.execute(select(AppUser.id, AppUser.email)).all()
        accounts = session.execute(
            select(MailAccount.id, MailAccount.user_id, MailAccount.email_address)
        ).all()
        self.company_addresses = frozenset(
            [fold(e) for _i, e in users if e] + [fold(a) for _i, _u, a in accounts if a]
        )
        self.company_domains = frozenset(_domain(a) for a in self.company_addresses) - {""}
        self.own = frozenset(
            [fold(e) for i, e in users if e and i == actor.id]
            + [fold(a) for i, u, a in accounts if a and (u == actor.id or i == account_id)]
        )
        self.unlinked_owner = actor.id
        if account_id is not None:
            self.unlinked_owner = next((u for i, u, _a in accounts if i == account_id), actor.id)
        self.domains: dict[str, _Link | None] = {}  # domain → its one customer, None: no/many
        self.all_domains_loaded = False
        self.threads: dict[str, _Link | None] = {}

    # ------------------------------------------------------------------ per chunk

    def addresses(self, addresses: set[str]) -> tuple[dict[str, _Link], dict[str, _Link]]:
        """(contact links, customer links) by address for these addresses."""
        wanted = sorted(addresses - self.company_addresses)
        contacts: dict[str, _Link] = {}
        customers: dict[str, _Link] = {}
        # "Live" is checked here, not in SQL: without statistics SQLite takes "deleted_at IS
        # NULL" for selective and walks every live customer by a list index (0.3 s a chunk on
        # 100k customers) instead of reading the few rows of these addresses.
        for part in chunked(wanted):
            for addr, contact_id, customer_id, owner_id, dead in self.session.execute(
                select(
                    Contact.email_norm,
                    Contact.id,
                    Contact.customer_id,
                    Customer.owner_id,
                    func.coalesce(Contact.deleted_at, Customer.deleted_at),
                )
                .join(Customer, Customer.id == Contact.customer_id)
                .where(Contact.email_norm.in_(part))
                .order_by(Contact.id)
            ):
                if dead is None:
                    contacts.setdefault(
                        addr, _Link(LINK_ADDRESS, customer_id, contact_id, owner_id)
                    )
            for addr, customer_id, owner_id, gone in self.session.execute(
                select(Customer.email_norm, Customer.id, Customer.owner_id, Customer.deleted_at)
                .where(Customer.email_norm.in_(part))
                .order_by(Customer.id)
            ):
                if gone is None:
                    customers.setdefault(addr, _Link(LINK_ADDRESS, customer_id, None, owner_id))
        return contacts, customers

    def load_domains(self, domains: set[str]) -> None:
        new = sorted(d for d in domains if d not in self.domains)
        if not new or self.all_domains_loaded:
            return
        found: dict[str, dict[int, int | None]] = {d: {} for d in new}
        if len(new) > DOMAIN_LIKE_LIMIT:
            found = {}
            self.all_domains_loaded = True
            where_customer: ColumnElement[bool] = Customer.email_norm != ""
            where_contact: ColumnElement[bool] = Contact.email_norm != ""
        else:
            where_customer = or_(
                *(Customer.email_norm.like(f"%@{_like_escape(d)}", escape="\\") for d in new)
            )
            where_contact = or_(
                *(Contact.email_norm.like(f"%@{_like_escape(d)}", escape="\\") for d in new)
            )
        rows = list(
            self.session.execute(
                select(Customer.email_norm, Customer.id, Customer.owner_id).where(
                    where_customer, Customer.deleted_at.is_(None)
                )
            )
        )
        rows += self.session.execute(
            select(Contact.email_norm, Customer.id, Customer.owner_id)
            .join(Customer, Customer.id == Contact.customer_id)
            .where(where_contact, Contact.deleted_at.is_(None), Customer.deleted_at.is_(None))
        ).all()
        for email, customer_id, owner_id in rows:
            domain = _domain(email)
            if domain:
                found.setdefault(domain, {})[customer_id] = owner_id
        for domain, owners in found.items():
            if len(owners) == 1:
                ((customer_id, owner_id),) = owners.items()
                self.domains[domain] = _Link(LINK_DOMAIN, customer_id, None, owner_id)
            else:
                self.domains[domain] = None

    def domain(self, domain: str) -> _Link | None:
        return self.domains.get(domain)

    def load_threads(self, keys: set[str]) -> None:
        new = sorted(k for k in keys if k not in self.threads)
        for part in chunked(new):
            for key in part:
                self.threads[key] = None
            for thread, customer_id, contact_id, owner_id in self.session.execute(
                select(
                    EmailMessage.thread_key,
                    EmailMessage.customer_id,
                    EmailMessage.contact_id,
                    Customer.owner_id,
                )
                .join(Customer, Customer.id == EmailMessage.customer_id)
                .where(
                    EmailMessage.thread_key.in_(part),
                    EmailMessage.deleted_at.is_(None),
                    Customer.deleted_at.is_(None),
                )
                .order_by(EmailMessage.id)
            ):
                if thread is not None and self.threads.get(thread) is None:
                    self.threads[thread] = _Link(LINK_THREAD, customer_id, contact_id, owner_id)


def _link_one(
    linker: Linker,
    addresses: list[str],
    thread_key: str,
    contacts: dict[str, _Link],
    customers: dict[str, _Link],
) -> _Link:
    for addr in addresses:
        if addr in contacts:
            return contacts[addr]
    for addr in addresses:
        if addr in customers:
            return customers[addr]
    for addr in addresses:
        if addr in linker.company_addresses:
            continue
        domain = _domain(addr)
        if domain and domain not in linker.company_domains and not _is_free(domain, linker.free):
            link = linker.domain(domain)
            if link is not None:
                return link
    thread = linker.threads.get(thread_key)
    return thread if thread is not None else _NO_LINK


@dataclass(frozen=True)
class StoreItem:
    parsed: ParsedMessage
    direction: str | None = None
    account_id: int | None = None
    folder: str | None = None
    uid: int | None = None


def store_chunk(
    session: Session,
    linker: Linker,
    items: Sequence[StoreItem],
    actor: Actor,
    batch_id: int | None,
    now: datetime,
    seen: dict[str, StoreResult],
) -> list[StoreResult]:
    """Store the messages not stored before; one StoreResult per item, in order. ``seen``
    (key → result) remembers what this import stored, for repeats within it."""
    keys = [message_key(item.parsed.dedupe_key) for item in items]
    unknown = sorted(set(keys) - set(seen))
    for part in chunked(unknown):
        for row in session.execute(
            select(
                EmailMessage.message_id,
                EmailMessage.id,
                EmailMessage.link_method,
                EmailMessage.customer_id,
                EmailMessage.contact_id,
            ).where(EmailMessage.message_id.in_(part))
        ):
            seen[row[0]] = StoreResult(row[1], False, row[2], row[3], row[4])
    fresh: dict[str, tuple[StoreItem, list[str], str]] = {}  # first of each new key, in order
    contacts: dict[str, _Link] = {}
    customers: dict[str, _Link] = {}
    for item, key in zip(items, keys, strict=True):
        if key not in seen and key not in fresh:
            fresh[key] = (
                item,
                _message_addresses(item.parsed),
                message_key(item.parsed.thread_key),
            )
    if fresh:
        every = {a for _i, addrs, _t in fresh.values() for a in addrs}
        contacts, customers = linker.addresses(every)
        domains = {
            _domain(a)
            for _i, addrs, _t in fresh.values()
            if not any(a in contacts or a in customers for a in addrs)
            for a in addrs
            if a not in linker.company_addresses
        }
        domains = {
            d
            for d in domains
            if d and d not in linker.company_domains and not _is_free(d, linker.free)
        }
        linker.load_domains(domains)
        linker.load_threads({t for _i, _a, t in fresh.values()})
    rows: list[dict[str, Any]] = []
    links: list[_Link] = []
    for key, (item, addrs, thread_key) in fresh.items():
        link = _link_one(linker, addrs, thread_key, contacts, customers)
        if link.customer_id is not None and linker.threads.get(thread_key) is None:
            linker.threads[thread_key] = _Link(
                LINK_THREAD, link.customer_id, link.contact_id, link.owner_id
            )
        links.append(link)
        p = item.parsed
        direction = item.direction
        if direction is None:
            sender = fold(p.from_addr[1]) if p.from_addr else ""
            direction = "out" if sender and sender in linker.own else "in"
        rows.append(
            {
                "message_id": key,
                "thread_key": thread_key,
                "in_reply_to": _text(p.in_reply_to, _KEY_LENGTH),
                "direction": direction,
                "from_addr": _text(format_addresses([p.from_addr]) if p.from_addr else None, 500),
                "to_addrs": _text(format_addresses(p.to)) or None,
                "cc_addrs": _text(format_addresses(p.cc)) or None,
                "subject": _text(p.subject),
                "sent_at": p.sent_at,
                "body_text": _text(p.body_text),
                "body_html": _text(p.body_html),
                "raw": zlib.compress(p.raw, 6),
                "size": len(p.raw),
                "account_id": item.account_id,
                "folder": _text(item.folder, 500),
                "uid": item.uid,
                "customer_id": link.customer_id,
                "contact_id": link.contact_id,
                "owner_id": link.owner_id
                if link.customer_id is not None
                else linker.unlinked_owner,
                "link_method": link.method,
                "import_batch_id": batch_id,
                "created_at": now,
                "updated_at": now,
            }
        )
    if rows:
        ids = list(
            session.scalars(
                sql_insert(EmailMessage).returning(EmailMessage.id, sort_by_parameter_order=True),
                rows,
            )
        )
        attachments: list[dict[str, Any]] = []
        for email_id, (key, (item, _a, _t)), link in zip(ids, fresh.items(), links, strict=True):
            seen[key] = StoreResult(email_id, True, link.method, link.customer_id, link.contact_id)
            for att in item.parsed.attachments:
                attachments.append(
                    {
                        "email_id": email_id,
                        "filename": _text(att.filename, 255),
                        "mime": _text(att.mime, 200),
                        "size": att.size,
                        "sha256": att.sha256,
                        "data": att.data,
                        "created_at": now,
                        "created_by_id": actor.id,
                    }
                )
        if attachments:
            session.execute(sql_insert(Attachment), attachments)
    results: list[StoreResult] = []
    done: set[str] = set()
    for key in keys:
        result = seen[key]
        if result.created and (key not in fresh or key in done):  # stored earlier, or repeated
            result = replace(result, created=False)
        done.add(key)
        results.append(result)
    return results


# =========================================================================== storing


def store_message(
    session: Session,
    parsed: ParsedMessage,
    actor: Actor,
    *,
    direction: str | None = None,
    account_id: int | None = None,
    folder: str | None = None,
    uid: int | None = None,
    batch_id: int | None = None,
    now: datetime | None = None,
) -> StoreResult:
    """Store one message and link it; a message stored before is returned with
    ``created=False`` and nothing is written. ``direction`` None: "out" when the sender is the
    actor's or the mail account's address, else "in"."""
    if direction not in (None, "in", "out"):
        raise ValidationError("direction is 'in' or 'out'", {"direction": "in or out"})
    linker = Linker(session, actor, account_id)
    item = StoreItem(parsed, direction, account_id, folder, uid)
    (result,) = store_chunk(session, linker, [item], actor, batch_id, now or utcnow(), {})
    return result


def import_mail_files(
    session: Session,
    paths: Iterable[str | os.PathLike[str]],
    actor: Actor,
    progress: Progress | None = None,
    *,
    now: datetime | None = None,
) -> MailImportResult:
    """Import .eml/.msg/.mbox files and folders in the caller's transaction: one ImportBatch
    (kind "mail"), one audit row. A file or message that cannot be read is a problem row and
    the rest go on; a cancel (``progress.check_cancelled``) raises and the caller rolls back."""
    progress = progress or NullProgress()
    stamp = now or utcnow()
    given = [os.fspath(p) for p in paths]
    batch = ImportBatch(kind="mail", file=_text("; ".join(given), 1000), user_id=actor.id, at=stamp)
    session.add(batch)
    session.flush()
    linker = Linker(session, actor, None)
    seen: dict[str, StoreResult] = {}
    problems: list[ImportProblem] = []
    files: set[Path] = set()
    counts = {"messages": 0, "stored": 0, "duplicates": 0, "linked": 0, "unlinked": 0}
    pending: list[StoreItem] = []
    pending_bytes = 0

    def flush() -> None:
        nonlocal pending_bytes
        if not pending:
            return
        progress.check_cancelled()
        for result in store_chunk(session, linker, pending, actor, batch.id, stamp, seen):
            if not result.created:
                counts["duplicates"] += 1
                continue
            counts["stored"] += 1
            counts["linked" if result.customer_id is not None else "unlinked"] += 1
        pending.clear()
        pending_bytes = 0
        progress.report(counts["messages"], None, None)

    for entry in iter_mail_files(given):
        progress.check_cancelled()
        if not entry.skipped:
            files.add(entry.path)
        if entry.message is None:
            problems.append(
                ImportProblem(str(entry.path), entry.index, entry.error or "not imported")
            )
            continue
        counts["messages"] += 1
        pending.append(StoreItem(entry.message))
        pending_bytes += len(entry.message.raw)
        if len(pending) >= CHUNK_MESSAGES or pending_bytes >= CHUNK_BYTES:
            flush()
    flush()
    batch.counts = {"files": len(files), **counts, "problems": len(problems)}
    audit.record(
        session,
        actor,
        "mail.import",
        "import_batch",
        batch.id,
        {
            **batch.counts,
            "paths": given[:20],
            "problems": [[p.path, p.index, p.reason] for p in problems[:100]],
        },
    )
    session.flush()
    return MailImportResult(
        files=len(files),
        messages=counts["messages"],
        stored=counts["stored"],
        duplicates=counts["duplicates"],
        linked=counts["linked"],
        unlinked=counts["unlinked"],
        problems=tuple(problems),
        batch_id=batch.id,
    )


# =========================================================================== unlinked queue


def unlinked_visible(actor: Actor) -> ColumnElement[bool]:
    """Whose unlinked mail the actor sees: admins all, managers their branch's, others theirs."""
    if actor.is_admin:
        return EmailMessage.id.is_not(None)
    terms: list[ColumnElement[bool]] = []
    if actor.id is not None:
        terms.append(EmailMessage.owner_id == actor.id)
    if actor.role == "manager" and actor.branch_id is not None:
        terms.append(
            EmailMessage.owner_id.in_(
                select(AppUser.id).where(AppUser.branch_id == actor.branch_id)
            )
        )
    return or_(*terms) if terms else EmailMessage.id.is_(None)


def unlinked_messages(session: Session, actor: Actor, limit: int = 200) -> list[UnlinkedMessage]:
    """The unlinked queue the actor sees, newest first."""
    rows = session.execute(
        select(
            EmailMessage.id,
            EmailMessage.subject,
            EmailMessage.from_addr,
            EmailMessage.to_addrs,
            EmailMessage.sent_at,
            EmailMessage.direction,
        )
        .where(
            EmailMessage.customer_id.is_(None),
            EmailMessage.deleted_at.is_(None),
            unlinked_visible(actor),
        )
        .order_by(EmailMessage.sent_at.desc(), EmailMessage.id.desc())
        .limit(max(1, min(limit, 10_000)))
    )
    return [UnlinkedMessage(*row) for row in rows]


def _load_customer(session: Session, customer_id: int, actor: Actor) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound("This customer does not exist or was deleted")
    if not can_see(actor, customer.owner_id, customer.branch_id):
        raise PermissionDenied("You may not see this customer")
    return customer


def link_message(
    session: Session,
    email_id: int,
    customer_id: int,
    contact_id: int | None = None,
    *,
    actor: Actor,
) -> StoreResult:
    """Link a message to a customer (and one of its contacts) by hand: "manual", audited.
    The actor must see the customer, and the message (their queue, or a customer they see)."""
    message = session.get(EmailMessage, email_id)
    if message is None or message.deleted_at is not None:
        raise NotFound("This message does not exist or was deleted")
    if message.customer_id is None:
        visible = session.scalar(
            select(EmailMessage.id).where(EmailMessage.id == email_id, unlinked_visible(actor))
        )
        if visible is None:
            raise PermissionDenied("You may not link this message")
    else:
        _load_customer(session, message.customer_id, actor)
    customer = _load_customer(session, customer_id, actor)
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.deleted_at is not None or contact.customer_id != customer.id:
            raise ValidationError(
                "The contact is not one of this customer's", {"contact_id": "not of customer"}
            )
    apply_manual_link(session, message, customer, contact_id, actor)
    return StoreResult(email_id, False, LINK_MANUAL, customer.id, contact_id)


def apply_manual_link(
    session: Session,
    message: EmailMessage,
    customer: Customer,
    contact_id: int | None,
    actor: Actor,
) -> None:
    """Link ``message`` to ``customer`` (and contact) by hand — "manual", owned by the
    customer's owner — with its audit row; the caller checked the rights."""
    old = (message.customer_id, message.contact_id, message.link_method)
    message.customer_id = customer.id
    message.contact_id = contact_id
    message.owner_id = customer.owner_id
    message.link_method = LINK_MANUAL
    audit.record(
        session,
        actor,
        "mail.link",
        "email_message",
        message.id,
        {
            "customer_id": [old[0], customer.id],
            "contact_id": [old[1], contact_id],
            "link_method": [old[2], LINK_MANUAL],
        },
    )
    session.flush()


def _customer_addresses(session: Session, customer_id: int) -> dict[str, int | None]:
    """The customer's addresses → the contact they belong to (None: the customer's own)."""
    found: dict[str, int | None] = {}
    for addr, contact_id in session.execute(
        select(Contact.email_norm, Contact.id)
        .where(
            Contact.customer_id == customer_id,
            Contact.deleted_at.is_(None),
            Contact.email_norm != "",
        )
        .order_by(Contact.id)
    ):
        found.setdefault(addr, contact_id)
    own = session.scalar(select(Customer.email_norm).where(Customer.id == customer_id))
    if own:
        found.setdefault(own, None)
    return found


def _matching_unlinked(
    session: Session, customer_id: int, email_ids: Sequence[int] | None = None
) -> dict[int, int | None]:
    """Unlinked message id → matched contact id (None: the customer's own address)."""
    addresses = _customer_addresses(session, customer_id)
    if not addresses:
        return {}
    fields = (EmailMessage.from_addr, EmailMessage.to_addrs, EmailMessage.cc_addrs)
    patterns = [f"%{_like_escape(a)}%" for a in addresses]
    query = select(EmailMessage.id, *fields).where(
        EmailMessage.customer_id.is_(None),
        EmailMessage.deleted_at.is_(None),
        or_(*(f.like(p, escape="\\") for f in fields for p in patterns)),
    )
    if email_ids is not None:
        query = query.where(EmailMessage.id.in_(list(email_ids)))
    matches: dict[int, int | None] = {}
    for email_id, *texts in session.execute(query.order_by(EmailMessage.id)):
        in_message = [a for t in texts for a in stored_addresses(t)]
        hits = [a for a in in_message if a in addresses]
        if not hits:
            continue  # "bob@x.com" inside "jimbob@x.com": no match
        contacts = [addresses[a] for a in hits if addresses[a] is not None]
        matches[email_id] = contacts[0] if contacts else None
    return matches


def relink_candidates(session: Session, customer_id: int) -> list[int]:
    """Ids of unlinked messages whose from/to/cc now match the customer's or its contacts'
    addresses: what to offer after an address was added."""
    return sorted(_matching_unlinked(session, customer_id))


def relink(session: Session, customer_id: int, email_ids: Sequence[int], actor: Actor) -> list[int]:
    """Link those of ``email_ids`` that are unlinked and match the customer's addresses
    ("address"); returns the ids linked. One audit row."""
    customer = _load_customer(session, customer_id, actor)
    matches = _matching_unlinked(session, customer_id, sorted(set(email_ids))) if email_ids else {}
    for email_id, contact_id in matches.items():
        session.execute(
            update(EmailMessage)
            .where(EmailMessage.id == email_id, EmailMessage.customer_id.is_(None))
            .values(
                customer_id=customer.id,
                contact_id=contact_id,
                owner_id=customer.owner_id,
                link_method=LINK_ADDRESS,
                updated_at=utcnow(),
            )
        )
    if matches:
        audit.record(
            session,
            actor,
            "mail.relink",
            "customer",
            customer.id,
            {"email_ids": sorted(matches)},
        )
    session.flush()
    return sorted(matches)
