"""Writing and sending mail from the app (issue 5 B, DESIGN §7): what the compose dialog offers
(``compose_defaults``), a reply's draft (``reply_draft``) and ``send_mail``.

``send_mail`` checks and builds the message, connects and logs in to the SMTP server, then in
one transaction stores the message exactly as it will be sent (direction "out", linked to the
draft's customer by hand, else by the usual rules), logs an "email" follow-up pointing at it,
sends it, and commits. A refused login, recipient or message rolls the transaction back:
nothing is stored that was not sent. The SMTP connection is made before the transaction so a
dead server never holds the database's write lock while it times out.
"""

from __future__ import annotations

import html
import re
import ssl
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import getaddresses

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from crm_desktop.core.errors import (
    DatabaseError,
    NotFound,
    PermissionDenied,
    UserError,
    ValidationError,
)
from crm_desktop.core.text import fold
from crm_desktop.db.models import AppUser, Contact, Customer, EmailMessage, Followup, MailAccount
from crm_desktop.db.types import utcnow
from crm_desktop.mail.compose import (
    Address,
    BuiltMessage,
    OutgoingAttachment,
    build_message,
    format_address,
    parse_recipients,
    reply_subject,
    thread_references,
)
from crm_desktop.mail.limits import MailParseError
from crm_desktop.mail.parse import ParsedMessage, parse_eml
from crm_desktop.mail.smtp import DEFAULT_TIMEOUT, SmtpConnection, SmtpSettings, connect
from crm_desktop.services import audit
from crm_desktop.services.company import COMPANY_LANGUAGE, get_setting
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import can_edit, can_see
from crm_desktop.services.followups import FollowupInput, log_followup
from crm_desktop.services.mail_store import (
    apply_manual_link,
    store_message,
    unlinked_visible,
)

__all__ = [
    "ComposeDefaults",
    "Draft",
    "OutgoingAttachment",
    "RecipientChoice",
    "SendAccount",
    "SendResult",
    "compose_defaults",
    "reply_draft",
    "send_mail",
    "sending_accounts",
]

QUOTE_LIMIT = 20_000  # characters of the original quoted in a reply

NO_ACCOUNT = (
    "You have no mail account to send from: add one with an SMTP server in "
    "Settings → Mail accounts…"
)


# =========================================================================== DTOs


@dataclass(frozen=True)
class Draft:
    """An email to send. ``to``/``cc``: entries as typed, "Name <a@b>" or "a@b"."""

    account_id: int
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[OutgoingAttachment, ...] = ()
    customer_id: int | None = None
    contact_id: int | None = None
    in_reply_to_email_id: int | None = None


@dataclass(frozen=True)
class SendResult:
    email_id: int
    followup_id: int | None  # None when the message is linked to no customer the actor edits
    message_id: str
    recipients: int  # envelope recipients (To and Cc, each address once)


@dataclass(frozen=True)
class SendAccount:
    """One of the actor's mail accounts that can send (has an SMTP server, is active)."""

    id: int
    user_id: int
    name: str
    email_address: str
    username: str
    smtp_host: str
    smtp_port: int | None
    smtp_security: str
    active: bool
    version: int

    @property
    def label(self) -> str:
        """ "Work <me@example.com>", or the address alone when the name is it."""
        if not self.name or fold(self.name) == fold(self.email_address):
            return self.email_address
        return f"{self.name} <{self.email_address}>"


@dataclass(frozen=True)
class RecipientChoice:
    """An address of the customer (a contact's, or the customer's own) to complete To/Cc."""

    contact_id: int | None  # None: the customer's own address
    name: str
    email: str
    title: str | None = None
    is_primary: bool = False

    @property
    def text(self) -> str:
        return format_address(self.name, self.email)


@dataclass(frozen=True)
class ComposeDefaults:
    customer_id: int | None
    customer_name: str | None
    accounts: tuple[SendAccount, ...]  # the actor's; empty: nothing can be sent yet
    account_id: int | None  # the one chosen first
    sender_name: str  # the From display name: the actor's name
    recipients: tuple[RecipientChoice, ...] = field(default=())
    to: tuple[str, ...] = ()  # prefilled To: the contact, else the primary contact
    contact_id: int | None = None


# =========================================================================== reading


def _account_row(account: MailAccount) -> SendAccount:
    return SendAccount(
        id=account.id,
        user_id=account.user_id,
        name=account.name,
        email_address=account.email_address,
        username=account.username,
        smtp_host=account.smtp_host or "",
        smtp_port=account.smtp_port,
        smtp_security=account.smtp_security,
        active=account.active,
        version=account.version,
    )


def sending_accounts(session: Session, actor: Actor) -> list[SendAccount]:
    """The actor's active mail accounts with an SMTP server, by name."""
    if actor.id is None:
        return []
    rows = session.scalars(
        select(MailAccount)
        .where(
            MailAccount.user_id == actor.id,
            MailAccount.active.is_(True),
            MailAccount.smtp_host.is_not(None),
            MailAccount.smtp_host != "",
        )
        .order_by(MailAccount.name, MailAccount.id)
    )
    return [_account_row(a) for a in rows]


def _sending_account(session: Session, account_id: int, actor: Actor) -> SendAccount:
    account = session.get(MailAccount, account_id)
    if account is None:
        raise NotFound("This mail account does not exist (any more)")
    if account.user_id != actor.id:
        raise PermissionDenied("You may send only from your own mail accounts")
    if not account.active:
        raise ValidationError(
            f"The mail account {account.name} is switched off; switch it on in "
            "Settings → Mail accounts…",
            {"account_id": "inactive"},
        )
    if not account.smtp_host:
        raise ValidationError(
            f"The mail account {account.name} has no SMTP server; add it in "
            "Settings → Mail accounts…",
            {"account_id": "no SMTP server"},
        )
    return _account_row(account)


def _visible_customer(session: Session, customer_id: int, actor: Actor) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound("This customer does not exist or was deleted")
    if not can_see(actor, customer.owner_id, customer.branch_id):
        raise PermissionDenied("You may not see this customer")
    return customer


def _sender_name(session: Session, actor: Actor) -> str:
    if actor.id is None:
        return actor.display_name
    name = session.scalar(select(AppUser.display_name).where(AppUser.id == actor.id))
    return name or actor.display_name


def _recipient_choices(session: Session, customer: Customer) -> list[RecipientChoice]:
    choices: list[RecipientChoice] = []
    seen: set[str] = set()
    contacts = session.scalars(
        select(Contact)
        .where(
            Contact.customer_id == customer.id,
            Contact.deleted_at.is_(None),
            Contact.email.is_not(None),
            Contact.email != "",
        )
        .order_by(Contact.is_primary.desc(), Contact.name, Contact.id)
    )
    for contact in contacts:
        email = (contact.email or "").strip()
        if email and fold(email) not in seen:
            seen.add(fold(email))
            choices.append(
                RecipientChoice(contact.id, contact.name, email, contact.title, contact.is_primary)
            )
    own = (customer.email or "").strip()
    if own and fold(own) not in seen:
        choices.append(RecipientChoice(None, customer.name, own))
    return choices


def compose_defaults(
    session: Session, customer_id: int | None, actor: Actor, *, contact_id: int | None = None
) -> ComposeDefaults:
    """What a new email of the actor to a customer (and one of its contacts) starts with:
    the actor's sending accounts, the customer's addresses for completion, To prefilled with
    the contact's address (else the primary contact's, else the customer's)."""
    accounts = tuple(sending_accounts(session, actor))
    sender = _sender_name(session, actor)
    if customer_id is None:
        return ComposeDefaults(
            None, None, accounts, accounts[0].id if accounts else None, sender, contact_id=None
        )
    customer = _visible_customer(session, customer_id, actor)
    choices = tuple(_recipient_choices(session, customer))
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.deleted_at is not None or contact.customer_id != customer.id:
            raise ValidationError(
                "The contact is not one of this customer's", {"contact_id": "not of customer"}
            )
        picked = next((c for c in choices if c.contact_id == contact_id), None)
    else:
        picked = next((c for c in choices if c.is_primary), None) or next(iter(choices), None)
    return ComposeDefaults(
        customer_id=customer.id,
        customer_name=customer.name,
        accounts=accounts,
        account_id=accounts[0].id if accounts else None,
        sender_name=sender,
        recipients=choices,
        to=(picked.text,) if picked is not None else (),
        contact_id=contact_id,
    )


def _visible_message(session: Session, email_id: int, actor: Actor) -> EmailMessage:
    message = session.get(EmailMessage, email_id)
    if message is None or message.deleted_at is not None:
        raise NotFound("This message does not exist or was deleted")
    if message.customer_id is None:
        visible = session.scalar(
            select(EmailMessage.id).where(EmailMessage.id == email_id, unlinked_visible(actor))
        )
        if visible is None:
            raise PermissionDenied("You may not see this message")
    else:
        customer = session.get(Customer, message.customer_id)
        if customer is None or not can_see(actor, customer.owner_id, customer.branch_id):
            raise PermissionDenied("You may not see this message")
    return message


def _pairs(text: str | None) -> list[Address]:
    if not text:
        return []
    try:
        pairs = getaddresses([text])
    except Exception:  # a hostile stored value: the stdlib parser may raise
        return []
    return [(name, addr) for name, addr in pairs if "@" in addr]


def _own_addresses(session: Session, actor: Actor) -> set[str]:
    if actor.id is None:
        return set()
    own = {
        fold(a)
        for a in session.scalars(
            select(MailAccount.email_address).where(MailAccount.user_id == actor.id)
        )
        if a
    }
    email = session.scalar(select(AppUser.email).where(AppUser.id == actor.id))
    if email:
        own.add(fold(email))
    return own


def _html_text(markup: str) -> str:
    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", markup)
    text = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</tr\s*>|</h\d\s*>", "\n", text)
    text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _quote(message: EmailMessage, language: str) -> str:
    original = message.body_text
    if not (original or "").strip() and message.body_html:
        original = _html_text(message.body_html)
    original = (original or "").replace("\r\n", "\n").strip("\n")[:QUOTE_LIMIT]
    sender = message.from_addr or ""
    when = message.sent_at.astimezone().strftime("%Y-%m-%d %H:%M") if message.sent_at else ""
    if language.startswith("zh"):
        head = f"在 {when}，{sender} 写道：" if when else f"{sender} 写道："
    else:
        head = f"On {when}, {sender} wrote:" if when else f"{sender} wrote:"
    lines = [f"> {line}" if line else ">" for line in original.split("\n")]
    return "\n\n" + head + "\n" + "\n".join(lines) + "\n"


def _reply_account(
    session: Session, message: EmailMessage, actor: Actor, account_id: int | None
) -> SendAccount:
    if account_id is not None:
        return _sending_account(session, account_id, actor)
    accounts = sending_accounts(session, actor)
    if not accounts:
        raise ValidationError(NO_ACCOUNT, {"account_id": "none"})
    by_id = {a.id: a for a in accounts}
    if message.account_id in by_id:
        return by_id[message.account_id]
    addressed = {fold(a) for _n, a in _pairs(message.to_addrs) + _pairs(message.cc_addrs)}
    return next((a for a in accounts if fold(a.email_address) in addressed), accounts[0])


def reply_draft(
    session: Session,
    email_id: int,
    actor: Actor,
    *,
    account_id: int | None = None,
    reply_all: bool = False,
) -> Draft:
    """A reply to a stored message: "Re: " subject, the original quoted below, To the sender
    (or, replying to one's own sent mail, its recipients); ``reply_all`` puts the other
    recipients in Cc, never one's own addresses. Sent from ``account_id``, else the account
    the message came in by, else the one it was addressed to, else the actor's first."""
    message = _visible_message(session, email_id, actor)
    account = _reply_account(session, message, actor, account_id)
    own = _own_addresses(session, actor) | {fold(account.email_address)}
    if message.direction == "out":
        to = _pairs(message.to_addrs)
        others = _pairs(message.cc_addrs) if reply_all else []
    else:
        to = _pairs(message.from_addr)
        others = _pairs(message.to_addrs) + _pairs(message.cc_addrs) if reply_all else []
    taken: set[str] = set()
    to_list: list[str] = []
    for name, addr in to:
        if fold(addr) not in taken:
            taken.add(fold(addr))
            to_list.append(format_address(name, addr))
    cc_list: list[str] = []
    for name, addr in others:
        if fold(addr) not in taken and fold(addr) not in own:
            taken.add(fold(addr))
            cc_list.append(format_address(name, addr))
    language = str(get_setting(session, COMPANY_LANGUAGE, "zh_CN"))
    return Draft(
        account_id=account.id,
        to=tuple(to_list),
        cc=tuple(cc_list),
        subject=reply_subject(message.subject or ""),
        body=_quote(message, language),
        customer_id=message.customer_id,
        contact_id=message.contact_id,
        in_reply_to_email_id=message.id,
    )


# =========================================================================== sending


@dataclass(frozen=True)
class _Prepared:
    account: SendAccount
    built: BuiltMessage
    parsed: ParsedMessage
    customer_id: int | None
    contact_id: int | None


def _references_of(message: EmailMessage) -> tuple[str | None, tuple[str, ...]]:
    """(In-Reply-To, References) of a reply to the stored ``message``."""
    own_id = message.message_id if message.message_id.startswith("<") else None
    references: tuple[str, ...] = ()
    in_reply_to = message.in_reply_to
    if message.raw:
        try:
            original = parse_eml(zlib.decompress(message.raw))
        except (MailParseError, zlib.error):
            original = None
        if original is not None:
            references, in_reply_to = original.references, original.in_reply_to
    return own_id, thread_references(references, in_reply_to, own_id)


def _prepare(session: Session, draft: Draft, actor: Actor, now: datetime) -> _Prepared:
    """Every check that needs no server, and the message built and parsed back."""
    account = _sending_account(session, draft.account_id, actor)
    if draft.customer_id is not None:
        customer = _visible_customer(session, draft.customer_id, actor)
        if not can_edit(actor, customer.owner_id, customer.branch_id):
            if customer.owner_id is None:
                raise PermissionDenied(
                    "Claim this customer from the public pool before writing to it"
                )
            raise PermissionDenied("You may not add follow-ups to this customer")
        if draft.contact_id is not None:
            contact = session.get(Contact, draft.contact_id)
            if (
                contact is None
                or contact.deleted_at is not None
                or contact.customer_id != (customer.id)
            ):
                raise ValidationError(
                    "The contact is not one of this customer's", {"contact_id": "not of customer"}
                )
    elif draft.contact_id is not None:
        raise ValidationError("A contact needs its customer", {"contact_id": "no customer"})
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    if draft.in_reply_to_email_id is not None:
        original = _visible_message(session, draft.in_reply_to_email_id, actor)
        in_reply_to, references = _references_of(original)
    to = parse_recipients(draft.to, "To")
    cc = parse_recipients(draft.cc, "Cc")
    built = build_message(
        sender=(_sender_name(session, actor), account.email_address),
        to=to,
        cc=cc,
        subject=draft.subject,
        body=draft.body,
        attachments=draft.attachments,
        in_reply_to=in_reply_to,
        references=references,
        date=now,
    )
    parsed = parse_eml(built.raw)
    return _Prepared(account, built, parsed, draft.customer_id, draft.contact_id)


def _link_by_hand(
    session: Session, email_id: int, customer_id: int, contact_id: int | None, actor: Actor
) -> None:
    """Link the message just stored to the draft's customer ("manual"), audited like
    ``mail_store.link_message`` — without its visibility check of the customer the rules
    picked, which the sender need not see (an address shared with another's customer)."""
    message = session.get(EmailMessage, email_id)
    customer = session.get(Customer, customer_id)
    assert message is not None and customer is not None  # stored and checked just before
    apply_manual_link(session, message, customer, contact_id, actor)


def _store(session: Session, prepared: _Prepared, actor: Actor, now: datetime) -> SendResult:
    """Store the message as sent, link it, log the follow-up, audit; flushed, not committed."""
    result = store_message(
        session, prepared.parsed, actor, direction="out", account_id=prepared.account.id, now=now
    )
    if not result.created:  # a fresh Message-ID: only a clash of random ids lands here
        raise UserError("This message was stored before; it was not sent again")
    customer_id, contact_id = result.customer_id, result.contact_id
    if prepared.customer_id is not None and (
        result.customer_id != prepared.customer_id
        or (prepared.contact_id is not None and result.contact_id != prepared.contact_id)
    ):
        _link_by_hand(session, result.email_id, prepared.customer_id, prepared.contact_id, actor)
        customer_id, contact_id = prepared.customer_id, prepared.contact_id
    followup_id: int | None = None
    if customer_id is not None:
        customer = session.get(Customer, customer_id)
        editable = customer is not None and can_edit(actor, customer.owner_id, customer.branch_id)
        if editable:
            logged = log_followup(
                session,
                customer_id,
                FollowupInput(
                    kind="email",
                    contact_id=contact_id,
                    happened_at=now,
                    summary=prepared.parsed.subject,
                    outcome="neutral",
                ),
                actor,
                now=now,
            )
            followup_id = logged.followup.id
            session.execute(
                update(Followup).where(Followup.id == followup_id).values(email_id=result.email_id)
            )
    audit.record(
        session,
        actor,
        "mail.send",
        "email_message",
        result.email_id,
        {
            "account_id": prepared.account.id,
            "message_id": prepared.built.message_id,
            "recipients": len(prepared.built.recipients),
            "attachments": len(prepared.parsed.attachments),
            "customer_id": customer_id,
            "followup_id": followup_id,
        },
    )
    session.flush()
    return SendResult(
        email_id=result.email_id,
        followup_id=followup_id,
        message_id=prepared.built.message_id,
        recipients=len(prepared.built.recipients),
    )


def _connect(
    prepared: _Prepared, password: str, ssl_context: ssl.SSLContext | None, timeout: float
) -> SmtpConnection:
    account = prepared.account
    settings = SmtpSettings(
        host=account.smtp_host,
        port=account.smtp_port,
        security=account.smtp_security,
        username=account.username,
        timeout=timeout,
    )
    return connect(settings, password, ssl_context=ssl_context)


def send_mail(
    factory: sessionmaker[Session] | Session,
    draft: Draft,
    actor: Actor,
    *,
    password: str,
    now: datetime | None = None,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> SendResult:
    """Send ``draft`` from its account and keep it: stored as "out", linked, an "email"
    follow-up (outcome "neutral", summary = the subject, ``email_id`` set) on its customer.

    ``factory``: a session factory (the op runner's ``own_transactions``): a short read, the
    SMTP login, then one transaction that stores, sends and commits. Or a ``Session``: all of
    it inside a savepoint of the caller's transaction, which the caller commits. Any
    ``SmtpError`` (refused login, recipient, message; no connection; timeout) leaves nothing
    stored."""
    stamp = (now or utcnow()).astimezone(UTC)
    if isinstance(factory, Session):
        return _send_in_session(factory, draft, actor, password, stamp, ssl_context, timeout)
    with factory() as session:
        try:
            prepared = _prepare(session, draft, actor, stamp)
        finally:
            session.rollback()
    with _connect(prepared, password, ssl_context, timeout) as connection:
        session = factory()
        sent = False
        try:
            result = _store(session, prepared, actor, stamp)
            connection.send(prepared.built.sender, prepared.built.recipients, prepared.built.raw)
            sent = True
            session.commit()
        except Exception as exc:
            session.rollback()
            if sent:
                raise DatabaseError(
                    "The email was sent, but it could not be saved in the database "
                    f"({type(exc).__name__}); it is missing from the customer file"
                ) from exc
            raise
        finally:
            session.close()
    return result


def _send_in_session(
    session: Session,
    draft: Draft,
    actor: Actor,
    password: str,
    now: datetime,
    ssl_context: ssl.SSLContext | None,
    timeout: float,
) -> SendResult:
    prepared = _prepare(session, draft, actor, now)
    with _connect(prepared, password, ssl_context, timeout) as connection:
        savepoint = session.begin_nested()
        try:
            result = _store(session, prepared, actor, now)
            connection.send(prepared.built.sender, prepared.built.recipients, prepared.built.raw)
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
    return result
