"""Reading and sorting the company's mail (issue 5, Mail page): the lists (unlinked queue, all
mail, ignored) within the actor's rights, one message with its attachments and raw bytes, a
customer's mail by thread, linking by hand (several messages at once, optionally teaching the
contact the address so the rest of that address's mail follows), ignoring and counts.

Rights: a linked message is visible when its customer is (``customers.visible_clause`` /
``can_see``); an unlinked one to whose queue it is in (``mail_store.unlinked_visible``: the
owner, the owner's branch manager, admins). Ignored messages leave the queue and "All mail"
and are listed under "Ignored" only.

Lists are keyset-paged newest first: dated messages by ``(sent_at, id)`` descending, then the
few undated ones by id descending — two index scans (``ix_email_message_sent_at_id``,
``ix_email_message_owner_id_customer_id_sent_at``) instead of a sort of 100k+ rows, the same
order on SQLite and PostgreSQL whatever their NULL ordering.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true, tuple_, update
from sqlalchemy.orm import Session

from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.core.text import fold
from crm_desktop.db.models import Attachment, Contact, Customer, EmailMessage, MailAccount
from crm_desktop.db.types import utcnow
from crm_desktop.services import audit
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import (
    ContactInput,
    can_edit,
    can_see,
    update_contact,
    visible_clause,
)
from crm_desktop.services.mail_store import (
    LINK_MANUAL,
    link_message,
    relink,
    stored_addresses,
    unlinked_visible,
)

SCOPES = ("unlinked", "all", "ignored")
MAX_LIMIT = 5_000
MAX_IDS = 10_000  # messages one link / ignore may touch
IN_LIST = 2_000
MAX_SEARCH = 200  # longer search text is cut

Keyset = tuple[datetime | None, int]


# =========================================================================== DTOs


@dataclass(frozen=True)
class MailRow:
    id: int
    subject: str | None
    from_addr: str | None
    to_addrs: str | None
    sent_at: datetime | None
    direction: str  # in | out
    customer_id: int | None
    customer_name: str | None
    contact_id: int | None
    contact_name: str | None
    link_method: str  # address | domain | thread | manual | none
    has_attachments: bool
    size: int
    account_name: str | None
    ignored: bool

    @property
    def keyset(self) -> Keyset:
        """The ``MailQuery.before`` that continues a list after this row."""
        return (self.sent_at, self.id)

    @property
    def address(self) -> str | None:
        """The other party's address: the sender of incoming mail, the first recipient of
        outgoing mail (what linking by hand may teach a contact)."""
        return message_address(self.direction, self.from_addr, self.to_addrs)


@dataclass(frozen=True)
class MailQuery:
    scope: str = "unlinked"  # unlinked | all | ignored
    text: str = ""  # a fragment of the subject or of an address
    customer_id: int | None = None
    limit: int = 500
    before: Keyset | None = None  # keyset: continue after the row with this (sent_at, id)


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    mime: str
    size: int
    content_id: str | None  # the attachment table keeps none yet: always None


@dataclass(frozen=True)
class MessageDetail(MailRow):
    cc_addrs: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    attachments: tuple[AttachmentInfo, ...] = ()
    thread_key: str | None = None
    in_reply_to: str | None = None
    raw_size: int = 0


@dataclass(frozen=True)
class MailThread:
    thread_key: str
    subject: str | None  # of its first message
    last_at: datetime | None
    count: int
    messages: tuple[MailRow, ...]  # oldest first


@dataclass(frozen=True)
class LinkResult:
    customer_id: int
    contact_id: int | None
    linked: tuple[int, ...]  # the messages given, now linked by hand
    followed: tuple[int, ...]  # other unlinked mail of the address, linked with them
    address: str | None  # the address taught to the contact (or offered, see below)
    address_added: bool  # the contact had no email: it has this one now
    address_conflict: str | None  # the contact's own, different email (left as it was)


@dataclass(frozen=True)
class MailCounts:
    unlinked: int
    all: int
    ignored: int


# =========================================================================== helpers


def message_address(direction: str, from_addr: str | None, to_addrs: str | None) -> str | None:
    """The sender (incoming) or first recipient (outgoing), folded; None when there is none."""
    found = stored_addresses(from_addr if direction != "out" else to_addrs)
    return found[0] if found else None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _chunks(values: Sequence[int], size: int = IN_LIST) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def visible_mail(actor: Actor) -> ColumnElement[bool]:
    """SQL condition on EmailMessage (joined outer to its Customer): the mail ``actor`` sees."""
    if actor.is_admin:
        return true()
    return or_(
        and_(EmailMessage.customer_id.is_(None), unlinked_visible(actor)),
        and_(EmailMessage.customer_id.is_not(None), visible_clause(actor)),
    )


def _check_scope(query: MailQuery) -> None:
    if query.scope not in SCOPES:
        raise ValidationError(
            f"Unknown mail list: {query.scope}", {"scope": "unlinked, all or ignored"}
        )


def _conditions(query: MailQuery, actor: Actor) -> list[ColumnElement[bool]]:
    _check_scope(query)
    where: list[ColumnElement[bool]] = [EmailMessage.deleted_at.is_(None)]
    if query.scope == "unlinked":
        # Unlinked mail is seen by queue owner alone: no customer join needed.
        where += [
            EmailMessage.customer_id.is_(None),
            EmailMessage.ignored_at.is_(None),
            unlinked_visible(actor),
        ]
    else:
        if query.scope == "all":
            where.append(EmailMessage.ignored_at.is_(None))
        else:
            where.append(EmailMessage.ignored_at.is_not(None))
        where.append(visible_mail(actor))
    if query.customer_id is not None:
        where.append(EmailMessage.customer_id == query.customer_id)
    text = query.text.strip()[:MAX_SEARCH]
    if text:
        pattern = f"%{_like_escape(text)}%"
        where.append(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (
                        EmailMessage.subject,
                        EmailMessage.from_addr,
                        EmailMessage.to_addrs,
                        EmailMessage.cc_addrs,
                    )
                )
            )
        )
    return where


def _row_columns() -> tuple[Any, ...]:
    has_attachments = (
        exists()
        .where(Attachment.email_id == EmailMessage.id, Attachment.deleted_at.is_(None))
        .correlate(EmailMessage)
    )
    return (
        EmailMessage.id,
        EmailMessage.subject,
        EmailMessage.from_addr,
        EmailMessage.to_addrs,
        EmailMessage.sent_at,
        EmailMessage.direction,
        EmailMessage.customer_id,
        Customer.name,
        EmailMessage.contact_id,
        Contact.name,
        EmailMessage.link_method,
        has_attachments.label("has_attachments"),
        EmailMessage.size,
        MailAccount.name,
        EmailMessage.ignored_at.is_not(None).label("ignored"),
    )


def _row_select(*columns: Any) -> Any:
    return (
        select(*columns)
        .select_from(EmailMessage)
        .outerjoin(Customer, Customer.id == EmailMessage.customer_id)
        .outerjoin(Contact, Contact.id == EmailMessage.contact_id)
        .outerjoin(MailAccount, MailAccount.id == EmailMessage.account_id)
    )


def _mail_row(values: Sequence[Any]) -> MailRow:
    (
        email_id,
        subject,
        from_addr,
        to_addrs,
        sent_at,
        direction,
        customer_id,
        customer_name,
        contact_id,
        contact_name,
        link_method,
        has_attachments,
        size,
        account_name,
        ignored,
    ) = values
    return MailRow(
        id=email_id,
        subject=subject,
        from_addr=from_addr,
        to_addrs=to_addrs,
        sent_at=sent_at,
        direction=direction,
        customer_id=customer_id,
        customer_name=customer_name,
        contact_id=contact_id,
        contact_name=contact_name,
        link_method=link_method,
        has_attachments=bool(has_attachments),
        size=size or 0,
        account_name=account_name,
        ignored=bool(ignored),
    )


# =========================================================================== lists


def list_statements(query: MailQuery, actor: Actor) -> list[Any]:
    """The one or two SELECTs that answer ``query`` (dated rows, then undated), for
    ``list_mail`` and for checking their plans."""
    where = _conditions(query, actor)
    limit = max(1, min(query.limit, MAX_LIMIT))
    statements: list[Any] = []
    before = query.before
    if before is None or before[0] is not None:
        dated = [*where, EmailMessage.sent_at.is_not(None)]
        if before is not None:
            dated.append(tuple_(EmailMessage.sent_at, EmailMessage.id) < tuple_(*before))
        statements.append(
            _row_select(*_row_columns())
            .where(*dated)
            .order_by(EmailMessage.sent_at.desc(), EmailMessage.id.desc())
            .limit(limit)
        )
    undated = [*where, EmailMessage.sent_at.is_(None)]
    if before is not None and before[0] is None:
        undated.append(EmailMessage.id < before[1])
    statements.append(
        _row_select(*_row_columns()).where(*undated).order_by(EmailMessage.id.desc()).limit(limit)
    )
    return statements


def list_mail(session: Session, query: MailQuery, actor: Actor) -> list[MailRow]:
    """Up to ``query.limit`` messages of the list, newest first (undated ones last); pass the
    last row's ``keyset`` as ``before`` for the next page."""
    limit = max(1, min(query.limit, MAX_LIMIT))
    rows: list[MailRow] = []
    for statement in list_statements(query, actor):
        rows += [_mail_row(r) for r in session.execute(statement.limit(limit - len(rows)))]
        if len(rows) >= limit:
            break
    return rows


def count_mail(session: Session, query: MailQuery, actor: Actor) -> int:
    """How many messages the whole list (every page) holds."""
    where = _conditions(query, actor)
    statement = select(func.count()).select_from(EmailMessage)
    if query.scope != "unlinked":
        statement = statement.outerjoin(Customer, Customer.id == EmailMessage.customer_id)
    return int(session.scalar(statement.where(*where)) or 0)


def mail_counts(session: Session, actor: Actor) -> MailCounts:
    """The three lists' sizes (the unlinked one badges the navigation)."""
    return MailCounts(
        unlinked=count_mail(session, MailQuery(scope="unlinked"), actor),
        all=count_mail(session, MailQuery(scope="all"), actor),
        ignored=count_mail(session, MailQuery(scope="ignored"), actor),
    )


# =========================================================================== one message


def _load_visible(session: Session, email_id: int, actor: Actor) -> EmailMessage:
    message = session.get(EmailMessage, email_id)
    if message is None or message.deleted_at is not None:
        raise NotFound("This message does not exist or was deleted")
    if message.customer_id is None:
        if not actor.is_admin:
            visible = session.scalar(
                select(EmailMessage.id).where(EmailMessage.id == email_id, unlinked_visible(actor))
            )
            if visible is None:
                raise NotFound("This message does not exist or was deleted")
    else:
        customer = session.get(Customer, message.customer_id)
        if customer is None or not can_see(actor, customer.owner_id, customer.branch_id):
            raise NotFound("This message does not exist or was deleted")
    return message


def _one_row(session: Session, email_id: int) -> MailRow:
    values = session.execute(_row_select(*_row_columns()).where(EmailMessage.id == email_id)).one()
    return _mail_row(values)


def get_message(session: Session, email_id: int, actor: Actor) -> MessageDetail:
    """One message with its bodies and attachment list (not their data)."""
    message = _load_visible(session, email_id, actor)
    row = _one_row(session, email_id)
    attachments = tuple(
        AttachmentInfo(id=a, filename=f, mime=m, size=s or 0, content_id=None)
        for a, f, m, s in session.execute(
            select(Attachment.id, Attachment.filename, Attachment.mime, Attachment.size)
            .where(Attachment.email_id == email_id, Attachment.deleted_at.is_(None))
            .order_by(Attachment.id)
        )
    )
    base = {f.name: getattr(row, f.name) for f in fields(MailRow)}
    return MessageDetail(
        **base,
        cc_addrs=message.cc_addrs,
        body_text=message.body_text,
        body_html=message.body_html,
        attachments=attachments,
        thread_key=message.thread_key,
        in_reply_to=message.in_reply_to,
        raw_size=message.size or 0,
    )


def get_attachment_data(session: Session, attachment_id: int, actor: Actor) -> tuple[str, bytes]:
    """(filename, bytes) of a message's attachment the actor may see."""
    found = session.execute(
        select(Attachment.email_id, Attachment.filename, Attachment.data).where(
            Attachment.id == attachment_id, Attachment.deleted_at.is_(None)
        )
    ).one_or_none()
    if found is None or found[0] is None:
        raise NotFound("This attachment does not exist or was deleted")
    _load_visible(session, found[0], actor)
    return str(found[1]), bytes(found[2])


def get_raw_message(session: Session, email_id: int, actor: Actor) -> bytes:
    """The message as it was received (decompressed), for "Save as .eml"."""
    message = _load_visible(session, email_id, actor)
    if message.raw is None:
        raise NotFound("The original of this message was not kept")
    return zlib.decompress(message.raw)


def customer_mail(
    session: Session, customer_id: int, actor: Actor, *, limit: int = 1000
) -> list[MailThread]:
    """The customer's newest ``limit`` messages grouped by thread, newest thread first."""
    customer = session.get(Customer, customer_id)
    if customer is None or not can_see(actor, customer.owner_id, customer.branch_id):
        raise NotFound(f"No customer with id {customer_id}")
    limit = max(1, min(limit, MAX_LIMIT))
    key_column = EmailMessage.thread_key
    found = session.execute(
        _row_select(*_row_columns(), key_column)
        .where(EmailMessage.customer_id == customer_id, EmailMessage.deleted_at.is_(None))
        .order_by(EmailMessage.sent_at.desc(), EmailMessage.id.desc())
        .limit(limit)
    ).all()
    threads: dict[str, list[MailRow]] = {}
    for values in found:
        row = _mail_row(values[:-1])
        key = values[-1] or f"#{row.id}"
        threads.setdefault(key, []).append(row)
    result: list[MailThread] = []
    for key, rows in threads.items():  # in the order of each thread's newest message
        rows.reverse()
        dates = [r.sent_at for r in rows if r.sent_at is not None]
        result.append(
            MailThread(
                thread_key=key,
                subject=rows[0].subject,
                last_at=max(dates) if dates else None,
                count=len(rows),
                messages=tuple(rows),
            )
        )
    return result


# =========================================================================== linking


def _with_address(session: Session, address: str, ids: Sequence[int]) -> list[int]:
    """Of unlinked, live, not ignored mail: ids whose from/to/cc holds ``address`` exactly
    (``ids`` empty: any such message)."""
    pattern = f"%{_like_escape(address)}%"
    fields_ = (EmailMessage.from_addr, EmailMessage.to_addrs, EmailMessage.cc_addrs)
    statement = select(EmailMessage.id, *fields_).where(
        EmailMessage.customer_id.is_(None),
        EmailMessage.deleted_at.is_(None),
        EmailMessage.ignored_at.is_(None),
        or_(*(f.ilike(pattern, escape="\\") for f in fields_)),
    )
    if ids:
        statement = statement.where(EmailMessage.id.in_(list(ids)))
    return [
        email_id
        for email_id, *texts in session.execute(statement.order_by(EmailMessage.id))
        if any(address in stored_addresses(t) for t in texts)
    ]


def count_address_followers(
    session: Session, address: str, actor: Actor, *, exclude: Sequence[int] = ()
) -> int:
    """How many other unlinked messages of ``address`` would be linked with a link that adds
    the address to a contact (what the link dialog announces)."""
    address = fold(address or "")
    if "@" not in address:
        return 0
    skip = set(exclude)
    return sum(1 for i in _with_address(session, address, ()) if i not in skip)


def link_messages(
    session: Session,
    email_ids: Sequence[int],
    customer_id: int,
    actor: Actor,
    *,
    contact_id: int | None = None,
    add_address_to_contact: bool = False,
) -> LinkResult:
    """Link messages to a customer (and contact) by hand, one audit row each. With
    ``add_address_to_contact`` the address of the first message (sender of incoming, first
    recipient of outgoing mail) becomes the contact's email when it has none (audited as a
    contact change) — or is reported when the contact has another — and the other unlinked
    mail of that address is linked too."""
    ids = list(dict.fromkeys(int(i) for i in email_ids))
    if not ids:
        raise ValidationError("Choose the messages to link", {"email_ids": "none given"})
    if len(ids) > MAX_IDS:
        raise ValidationError(f"Link at most {MAX_IDS} messages at a time")
    if add_address_to_contact and contact_id is None:
        raise ValidationError(
            "Choose the contact the address belongs to", {"contact_id": "required"}
        )
    for email_id in ids:
        link_message(session, email_id, customer_id, contact_id, actor=actor)
    for part in _chunks(ids):
        session.execute(
            update(EmailMessage)
            .where(EmailMessage.id.in_(list(part)), EmailMessage.ignored_at.is_not(None))
            .values(ignored_at=None)
        )
    address: str | None = None
    added = False
    conflict: str | None = None
    followed: list[int] = []
    if add_address_to_contact and contact_id is not None:
        first = session.get(EmailMessage, ids[0])
        assert first is not None
        address = message_address(first.direction, first.from_addr, first.to_addrs)
        if address is not None:
            added, conflict = _teach_contact(session, customer_id, contact_id, address, actor)
            others = [i for i in _with_address(session, address, ()) if i not in set(ids)]
            if others and conflict is None:
                followed = relink(session, customer_id, others, actor)
            elif others:
                followed = _link_followers(session, customer_id, contact_id, others, actor)
    session.flush()
    return LinkResult(
        customer_id=customer_id,
        contact_id=contact_id,
        linked=tuple(ids),
        followed=tuple(followed),
        address=address,
        address_added=added,
        address_conflict=conflict,
    )


def _teach_contact(
    session: Session, customer_id: int, contact_id: int, address: str, actor: Actor
) -> tuple[bool, str | None]:
    """(added, the contact's other address) — set ``address`` as the contact's email when it
    has none."""
    contact = session.get(Contact, contact_id)
    assert contact is not None  # link_message checked it belongs to the customer
    if contact.email_norm == address:
        return False, None
    if contact.email_norm:
        return False, contact.email
    customer = session.get(Customer, customer_id)
    assert customer is not None
    if not can_edit(actor, customer.owner_id, customer.branch_id):
        raise PermissionDenied(
            "You may not change this customer's contacts: link without adding the address"
        )
    update_contact(session, contact_id, ContactInput(email=address), contact.version, actor)
    return True, None


def _link_followers(
    session: Session, customer_id: int, contact_id: int, ids: Sequence[int], actor: Actor
) -> list[int]:
    """Link the other mail of an address the contact does not carry: by hand, one audit row."""
    customer = session.get(Customer, customer_id)
    assert customer is not None
    for part in _chunks(list(ids)):
        session.execute(
            update(EmailMessage)
            .where(EmailMessage.id.in_(list(part)), EmailMessage.customer_id.is_(None))
            .values(
                customer_id=customer_id,
                contact_id=contact_id,
                owner_id=customer.owner_id,
                link_method=LINK_MANUAL,
                updated_at=utcnow(),
            )
        )
    audit.record(
        session,
        actor,
        "mail.link_many",
        "customer",
        customer_id,
        {"email_ids": list(ids)[:1000], "count": len(ids), "contact_id": contact_id},
    )
    return list(ids)


# =========================================================================== ignoring


def _set_ignored(session: Session, email_ids: Sequence[int], actor: Actor, ignore: bool) -> int:
    ids = sorted({int(i) for i in email_ids})
    if len(ids) > MAX_IDS:
        raise ValidationError(f"At most {MAX_IDS} messages at a time")
    changed: list[int] = []
    for part in _chunks(ids):
        candidates = select(EmailMessage.id).where(
            EmailMessage.id.in_(list(part)),
            EmailMessage.deleted_at.is_(None),
            EmailMessage.customer_id.is_(None),  # only the unlinked queue is ignored
            EmailMessage.ignored_at.is_(None) if ignore else EmailMessage.ignored_at.is_not(None),
            unlinked_visible(actor),
        )
        found = list(session.scalars(candidates))
        unseen = set(part) - set(found)
        if unseen:
            hidden = session.scalar(
                select(func.count())
                .select_from(EmailMessage)
                .where(
                    EmailMessage.id.in_(sorted(unseen)),
                    EmailMessage.customer_id.is_(None),
                    EmailMessage.deleted_at.is_(None),
                    ~unlinked_visible(actor),
                )
            )
            if hidden:
                raise PermissionDenied("You may not change messages outside your queue")
        if found:
            session.execute(
                update(EmailMessage)
                .where(EmailMessage.id.in_(found))
                .values(ignored_at=utcnow() if ignore else None, updated_at=utcnow())
            )
            changed += found
    if changed:
        audit.record(
            session,
            actor,
            "mail.ignore" if ignore else "mail.unignore",
            "email_message",
            changed[0] if len(changed) == 1 else None,
            {"email_ids": changed[:1000], "count": len(changed)},
        )
    session.flush()
    return len(changed)


def ignore_messages(session: Session, email_ids: Sequence[int], actor: Actor) -> int:
    """Take unlinked messages out of the queue ("not customer mail"); returns how many
    changed (linked or already ignored ones are left alone). One audit row."""
    return _set_ignored(session, email_ids, actor, True)


def unignore_messages(session: Session, email_ids: Sequence[int], actor: Actor) -> int:
    """Put ignored messages back into the unlinked queue; returns how many changed."""
    return _set_ignored(session, email_ids, actor, False)


__all__ = [
    "SCOPES",
    "AttachmentInfo",
    "LinkResult",
    "MailCounts",
    "MailQuery",
    "MailRow",
    "MailThread",
    "MessageDetail",
    "count_address_followers",
    "count_mail",
    "customer_mail",
    "get_attachment_data",
    "get_message",
    "get_raw_message",
    "ignore_messages",
    "link_messages",
    "list_mail",
    "list_statements",
    "mail_counts",
    "message_address",
    "unignore_messages",
    "visible_mail",
]
