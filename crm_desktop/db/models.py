"""The data model of DESIGN §2: every table, typed with ``Mapped[]``.

Conventions: integer surrogate ``id``; editable rows carry ``version`` (optimistic locking via
``version_id_col``) and ``created_at``/``updated_at``; deletable rows carry ``deleted_at`` (soft
delete → recycle bin). Enumerations are short strings guarded by CHECK constraints so the same
migrations run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid as uuid_mod
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from crm_desktop.db.types import JsonType, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("sales", "manager", "admin")
CUSTOMER_KINDS = ("company", "individual")
CUSTOMER_STATUSES = ("prospect", "active", "dormant", "lost")
CUSTOMER_SOURCES = (
    "visit",
    "exhibition",
    "email_campaign",
    "website",
    "phone",
    "referral",
    "other",
)
FOLLOWUP_KINDS = ("call", "visit", "meeting", "email", "wechat", "other")
FOLLOWUP_STATUSES = ("done", "planned", "cancelled")
FOLLOWUP_OUTCOMES = ("positive", "neutral", "negative", "won", "lost")
MAIL_DIRECTIONS = ("in", "out")
LINK_METHODS = ("address", "domain", "thread", "manual", "none")
OWNERSHIP_REASONS = ("create", "assign", "claim", "reclaim", "handover", "release", "import")
MAIL_SECURITY = ("ssl", "starttls", "none")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def new_uuid() -> str:
    return str(uuid_mod.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class Versioned(Timestamped):
    """Editable rows: a stale save raises StaleDataError (turned into ConflictError by services)."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class SoftDeleted:
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


# --------------------------------------------------------------------------- organisation


class Branch(IdMixin, Versioned, SoftDeleted, Base):
    __tablename__ = "branch"
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(50), unique=True)


class Region(IdMixin, Versioned, SoftDeleted, Base):
    __tablename__ = "region"
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(50), unique=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Region | None] = relationship(remote_side="Region.id", back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent")


class Grade(IdMixin, Versioned, SoftDeleted, Base):
    __tablename__ = "grade"
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    color: Mapped[str] = mapped_column(String(20), default="#808080")
    sort: Mapped[int] = mapped_column(Integer, default=0)
    # Pool rules per grade (DESIGN §6); None = never reclaimed / never flagged.
    reclaim_days: Mapped[int | None] = mapped_column(Integer)
    warn_days: Mapped[int | None] = mapped_column(Integer)
    dormant_days: Mapped[int | None] = mapped_column(Integer)


class AppUser(IdMixin, Versioned, Base):
    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    login: Mapped[str] = mapped_column(String(63), unique=True)  # 63: a PostgreSQL role name
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20), default="sales")
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    can_export: Mapped[bool] = mapped_column(Boolean, default=False)
    # Single mode only (argon2); Shared mode logins are PostgreSQL roles.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Branch | None] = relationship()


# --------------------------------------------------------------------------- customers


class Customer(IdMixin, Versioned, SoftDeleted, Base):
    __tablename__ = "customer"
    __table_args__ = (
        CheckConstraint(_in("kind", CUSTOMER_KINDS), name="kind"),
        CheckConstraint(_in("status", CUSTOMER_STATUSES), name="status"),
        CheckConstraint(f"source IS NULL OR {_in('source', CUSTOMER_SOURCES)}", name="source"),
        Index("ix_customer_owner_id_next_followup_at", "owner_id", "next_followup_at"),
        Index("ix_customer_name_norm", "name_norm"),
        Index("ix_customer_name_initials", "name_initials"),
        Index("ix_customer_phone_digits", "phone_digits"),
        Index("ix_customer_email_norm", "email_norm"),
        # Covering indexes of the million-row list (DESIGN §5): filtered_ids reads ids in sort
        # order without touching the table (1M by name: 1.8 s → 0.3 s; region counts 2.2 s →
        # 67 ms). Not partial: SQLite 3.40 then fell back to row lookups (6 s).
        Index("ix_customer_list_name", "deleted_at", "name", "id", "owner_id", "branch_id"),
        Index(
            "ix_customer_list_created_at",
            "deleted_at",
            "created_at",
            "id",
            "region_id",
            "owner_id",
            "branch_id",
        ),
        Index(
            "ix_customer_list_grade_next",
            "deleted_at",
            "grade_id",
            "next_followup_at",
            "id",
            "owner_id",
            "branch_id",
        ),
        Index("ix_customer_list_region", "deleted_at", "region_id", "owner_id", "branch_id"),
        # Pool rules and the Today page (issue 4): one owner's customers of one grade by idle
        # time — exact ranges for reclaim, "about to return" and dormant (created_at orders
        # the never-followed-up ones, whose last_followup_at is NULL).
        Index(
            "ix_customer_owner_id_grade_id_last_followup_at",
            "owner_id",
            "grade_id",
            "last_followup_at",
            "created_at",
        ),
        Index("ix_customer_owner_id_grade_id_owner_since", "owner_id", "grade_id", "owner_since"),
    )
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="company")
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("grade.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # NULL = public pool
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    status: Mapped[str] = mapped_column(String(20), default="prospect")
    industry: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(30))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(320))
    website: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(500))
    tags: Mapped[str | None] = mapped_column(String(500))  # comma-separated, folded
    notes: Mapped[str | None] = mapped_column(Text)
    custom: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    last_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pool_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the current owner got the customer (create, assign, claim, handover); NULL in the
    # pool. The pool's "no follow-up for N days" clock starts here at the latest.
    owner_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    # Search columns, maintained by the service layer on every write (DESIGN §4).
    name_norm: Mapped[str] = mapped_column(String(300), default="")  # folded, suffixes stripped
    name_pinyin: Mapped[str] = mapped_column(String(1000), default="")  # all readings, no spaces
    name_initials: Mapped[str] = mapped_column(String(300), default="")
    phone_digits: Mapped[str] = mapped_column(String(200), default="")  # all phones, digits only
    email_norm: Mapped[str] = mapped_column(String(320), default="")
    search_text: Mapped[str] = mapped_column(
        Text, default=""
    )  # folded haystack for substring search
    # Whole tokens: CJK bigrams, initials variants, name key and prefixes (search_sql.py).
    search_keys: Mapped[str] = mapped_column(Text, default="", server_default="")

    grade: Mapped[Grade | None] = relationship()
    region: Mapped[Region | None] = relationship()
    branch: Mapped[Branch | None] = relationship()
    owner: Mapped[AppUser | None] = relationship(foreign_keys=[owner_id])
    contacts: Mapped[list[Contact]] = relationship(back_populates="customer")


class Contact(IdMixin, Versioned, SoftDeleted, Base):
    __tablename__ = "contact"
    __table_args__ = (Index("ix_contact_email_norm", "email_norm"),)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    mobile: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(320))
    email_norm: Mapped[str] = mapped_column(String(320), default="")
    wechat: Mapped[str | None] = mapped_column(String(100))
    birthday: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)

    customer: Mapped[Customer] = relationship(back_populates="contacts")


class Followup(IdMixin, Versioned, SoftDeleted, Base):
    __tablename__ = "followup"
    __table_args__ = (
        CheckConstraint(_in("kind", FOLLOWUP_KINDS), name="kind"),
        CheckConstraint(_in("status", FOLLOWUP_STATUSES), name="status"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', FOLLOWUP_OUTCOMES)}", name="outcome"),
        Index("ix_followup_customer_id_happened_at", "customer_id", "happened_at"),
        Index("ix_followup_user_id_status_due_at", "user_id", "status", "due_at"),
        # A customer's next planned follow-up (refresh_customer_dates).
        Index("ix_followup_customer_id_status_due_at", "customer_id", "status", "due_at"),
    )
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    # Indexed: deleting a contact looks here for the rows to set NULL (a full scan per contact
    # without it: 0.5 s each with 1M customers, which made undoing an import take hours).
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(String(20), default="call")
    status: Mapped[str] = mapped_column(String(20), default="done")
    happened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(String(20))
    lost_reason: Mapped[str | None] = mapped_column(String(300))
    email_id: Mapped[int | None] = mapped_column(
        ForeignKey("email_message.id", ondelete="SET NULL")
    )
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --------------------------------------------------------------------------- mail


class MailAccount(IdMixin, Versioned, Base):
    __tablename__ = "mail_account"
    __table_args__ = (
        CheckConstraint(_in("imap_security", MAIL_SECURITY), name="imap_security"),
        CheckConstraint(_in("smtp_security", MAIL_SECURITY), name="smtp_security"),
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email_address: Mapped[str] = mapped_column(String(320))
    imap_host: Mapped[str | None] = mapped_column(String(255))
    imap_port: Mapped[int | None] = mapped_column(Integer)
    imap_security: Mapped[str] = mapped_column(String(10), default="ssl")
    smtp_host: Mapped[str | None] = mapped_column(String(255))
    smtp_port: Mapped[int | None] = mapped_column(Integer)
    smtp_security: Mapped[str] = mapped_column(String(10), default="ssl")
    username: Mapped[str] = mapped_column(String(320))  # the password is in the keyring only
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MailFolderState(IdMixin, Base):
    __tablename__ = "mail_folder_state"
    __table_args__ = (UniqueConstraint("account_id", "folder"),)
    account_id: Mapped[int] = mapped_column(ForeignKey("mail_account.id", ondelete="CASCADE"))
    folder: Mapped[str] = mapped_column(String(500))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailMessage(IdMixin, Timestamped, SoftDeleted, Base):
    __tablename__ = "email_message"
    __table_args__ = (
        CheckConstraint(_in("direction", MAIL_DIRECTIONS), name="direction"),
        CheckConstraint(_in("link_method", LINK_METHODS), name="link_method"),
        Index("ix_email_message_customer_id_sent_at", "customer_id", "sent_at"),
        Index("ix_email_message_sent_at_id", "sent_at", "id"),
        Index(
            "ix_email_message_owner_id_customer_id_sent_at", "owner_id", "customer_id", "sent_at"
        ),
    )
    # The Message-ID header, or "sha256:…" of the content when the message has none.
    message_id: Mapped[str] = mapped_column(String(500), unique=True)
    thread_key: Mapped[str | None] = mapped_column(String(500), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(500))
    direction: Mapped[str] = mapped_column(String(5), default="in")
    from_addr: Mapped[str | None] = mapped_column(String(500))
    to_addrs: Mapped[str | None] = mapped_column(Text)
    cc_addrs: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed original bytes
    size: Mapped[int] = mapped_column(Integer, default=0)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_account.id", ondelete="SET NULL")
    )
    folder: Mapped[str | None] = mapped_column(String(500))
    uid: Mapped[int | None] = mapped_column(BigInteger)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    # Indexed: deleting a contact looks here for the rows to set NULL (a full scan per contact
    # without it: 0.5 s each with 1M customers, which made undoing an import take hours).
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    link_method: Mapped[str] = mapped_column(String(10), default="none")
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    # Set when someone dismissed it from the unlinked queue ("not customer mail").
    ignored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Attachment(IdMixin, Base):
    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint("email_id IS NOT NULL OR customer_id IS NOT NULL", name="has_owner"),
    )
    email_id: Mapped[int | None] = mapped_column(
        ForeignKey("email_message.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))  # sanitized: no path, no reserved names
    mime: Mapped[str] = mapped_column(String(200), default="application/octet-stream")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --------------------------------------------------------------------------- history


class OwnershipChange(IdMixin, Base):
    __tablename__ = "ownership_change"
    __table_args__ = (
        CheckConstraint(_in("reason", OWNERSHIP_REASONS), name="reason"),
        Index("ix_ownership_change_customer_id_at", "customer_id", "at"),
        # Cooling-off: what left a user recently.
        Index("ix_ownership_change_from_user_id_at", "from_user_id", "at"),
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class ImportBatch(IdMixin, Base):
    __tablename__ = "import_batch"
    kind: Mapped[str] = mapped_column(String(20), default="customers")  # customers | mail | demo
    file: Mapped[str | None] = mapped_column(String(1000))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(20), default="done")  # done | undone


class ImportChange(IdMixin, Base):
    """The values an import overwrote (one row per updated customer or contact), so that
    undoing the import can put them back."""

    __tablename__ = "import_change"
    __table_args__ = (CheckConstraint(_in("entity", ("customer", "contact")), name="entity"),)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batch.id", ondelete="CASCADE"), index=True
    )
    entity: Mapped[str] = mapped_column(String(20))  # customer | contact
    entity_id: Mapped[int] = mapped_column(Integer)
    # column → value before the import (JSON-safe), version and import_batch_id included
    before: Mapped[dict[str, Any]] = mapped_column(JsonType)


class AuditLog(IdMixin, Base):
    """Append-only: triggers (SQLite and PostgreSQL) refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(63))  # login; on PostgreSQL set by the server
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JsonType)


class CompanySetting(Versioned, Base):
    __tablename__ = "company_setting"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonType)


ALL_TABLES: list[str] = sorted(Base.metadata.tables)
