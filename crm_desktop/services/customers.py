"""Use cases on customer files: create, read, edit with conflict merge, soft delete and restore,
contacts, duplicate check, history, bulk changes and attachments (DESIGN §2, §3, §10).

Every function takes the session of the caller's unit of work and the acting user, checks what
that user may do (DESIGN §3; in Shared mode the server enforces the same again with row-level
security) and returns frozen DTOs, never ORM objects.

Phone numbers are parsed with ``phonenumbers`` (default region CN). A valid Chinese number is
stored in national format ("138 1234 5678", "021 6123 4567") because that is how people here
write and read it; any other country's number is stored in international format
("+1 650-253-0000"). An extension is kept ("021 6123 4567 ext. 12") but is not part of the
searchable digits.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid as uuid_mod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import phonenumbers
from sqlalchemy import ColumnElement, and_, false, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm_desktop.core.errors import (
    ConflictError,
    DuplicateCustomer,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.core.text import digits, fold, name_key
from crm_desktop.db.models import (
    CUSTOMER_KINDS,
    CUSTOMER_SOURCES,
    CUSTOMER_STATUSES,
    AppUser,
    Attachment,
    AuditLog,
    Contact,
    Customer,
    Followup,
    Grade,
    OwnershipChange,
    Region,
)
from crm_desktop.db.types import utcnow
from crm_desktop.services import audit
from crm_desktop.services.context import Actor
from crm_desktop.services.dto import UNSET, PartialInput, Unset, changes_of, json_safe
from crm_desktop.services.search_keys import customer_search_columns

DEFAULT_PHONE_REGION = "CN"
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
MAX_FILENAME_BYTES = 255
MIN_PHONE_KEY_DIGITS = 5  # shorter fragments match far too many numbers to mean "duplicate"
BULK_CHUNK = 2_000  # ids per UPDATE … WHERE id IN (…): well under SQLite's 32,766 variables

# The editable fields of a customer, in form order; also the keys of CustomerInput.
CUSTOMER_FIELDS = (
    "name",
    "kind",
    "grade_id",
    "region_id",
    "owner_id",
    "status",
    "industry",
    "source",
    "phone",
    "email",
    "website",
    "address",
    "tags",
    "notes",
    "locked",
)
CONTACT_FIELDS = (
    "name",
    "title",
    "department",
    "phone",
    "mobile",
    "email",
    "wechat",
    "birthday",
    "notes",
    "is_primary",
)
_SEARCH_INPUTS = frozenset({"name", "phone", "email", "address"})
_EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]{2,}$")
_TEXT_LIMITS = {
    "name": 300,
    "industry": 100,
    "email": 320,
    "website": 300,
    "address": 500,
    "tags": 500,
    "title": 200,
    "department": 200,
    "wechat": 100,
}
# Names shown in history for the id fields (the UI translates them like any other field name).
_HISTORY_FIELD = {"grade_id": "grade", "region_id": "region", "owner_id": "owner"}


# =========================================================================== DTOs


@dataclass(frozen=True)
class CustomerInput(PartialInput):
    """What a form sends. A field left UNSET is not touched: for an update, set only the
    fields the user changed. ``tags`` may be a list or one comma-separated string."""

    name: str | Unset = UNSET
    kind: str | Unset = UNSET
    grade_id: int | Unset | None = UNSET
    region_id: int | Unset | None = UNSET
    owner_id: int | Unset | None = UNSET  # None = public pool
    status: str | Unset = UNSET
    industry: str | Unset | None = UNSET
    source: str | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    email: str | Unset | None = UNSET
    website: str | Unset | None = UNSET
    address: str | Unset | None = UNSET
    tags: Sequence[str] | str | Unset | None = UNSET
    notes: str | Unset | None = UNSET
    locked: bool | Unset = UNSET
    # Create only: the id the form made once for this new customer, so that a retried save
    # (the connection dropped before the answer came back) finds it instead of adding a twin.
    uuid: str | Unset | None = UNSET


@dataclass(frozen=True)
class ContactInput(PartialInput):
    """A contact form's values; UNSET fields are not touched."""

    name: str | Unset = UNSET
    title: str | Unset | None = UNSET
    department: str | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    mobile: str | Unset | None = UNSET
    email: str | Unset | None = UNSET
    wechat: str | Unset | None = UNSET
    birthday: date | Unset | None = UNSET
    notes: str | Unset | None = UNSET
    is_primary: bool | Unset = UNSET


@dataclass(frozen=True)
class ContactRow:
    id: int
    customer_id: int
    name: str
    title: str | None
    department: str | None
    phone: str | None
    mobile: str | None
    email: str | None
    wechat: str | None
    birthday: date | None
    notes: str | None
    is_primary: bool
    version: int


@dataclass(frozen=True)
class CustomerDetail:
    """One customer file's profile and contacts, as the form shows them. ``version`` is what
    the form passes back to ``update_customer`` as ``expected_version``."""

    id: int
    uuid: str
    name: str
    kind: str
    grade_id: int | None
    grade_code: str | None
    grade_color: str | None
    region_id: int | None
    region_name: str | None
    region_path: str | None  # "华东 / 江苏 / 南京"
    branch_id: int | None
    branch_name: str | None
    owner_id: int | None
    owner_name: str | None  # None = public pool
    status: str
    industry: str | None
    source: str | None
    phone: str | None
    email: str | None
    website: str | None
    address: str | None
    tags: tuple[str, ...]
    notes: str | None
    locked: bool
    last_followup_at: datetime | None
    next_followup_at: datetime | None
    pool_since: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    version: int
    can_edit: bool
    contacts: tuple[ContactRow, ...] = ()


@dataclass(frozen=True)
class CustomerSummary:
    id: int
    name: str
    owner_name: str | None
    deleted_at: datetime | None
    version: int


@dataclass(frozen=True)
class DeletedCustomerRow:
    """A customer in the recycle bin."""

    id: int
    name: str
    owner_name: str | None
    grade_code: str | None
    deleted_at: datetime


@dataclass(frozen=True)
class UpdateResult:
    """A saved edit: ``changed`` are the user's fields written, ``merged`` the fields somebody
    else changed meanwhile that were kept (disjoint edits merge, DESIGN §10)."""

    detail: CustomerDetail
    changed: tuple[str, ...]
    merged: tuple[str, ...]


@dataclass(frozen=True)
class ContactResult:
    contact: ContactRow
    changed: tuple[str, ...]
    merged: tuple[str, ...]


@dataclass(frozen=True)
class FieldConflict:
    """One field both sides changed: the value both started from, theirs (now saved), mine."""

    base: Any
    theirs: Any
    mine: Any


@dataclass(frozen=True)
class DuplicateHit:
    """An existing customer matching a new one. For a customer the actor may not see, only
    ``exists``, ``owner_name`` and ``matched_on`` are filled: nothing else may leak."""

    visible: bool
    matched_on: tuple[str, ...]  # "name", "phone", "email"
    owner_name: str | None  # None = public pool
    customer_id: int | None = None
    name: str | None = None
    grade_code: str | None = None
    last_followup_at: datetime | None = None
    # Prospect memory (issue 4), also for hits the actor may not see: how the latest follow-up
    # went and why it was last lost — outcomes only, never summaries.
    last_outcome: str | None = None
    lost_reason: str | None = None


@dataclass(frozen=True)
class HistoryRow:
    """One field change (or one event without field changes) of a customer file, for the
    history tab. ``old``/``new`` are display text: grade code, region name, owner name."""

    at: datetime
    actor: str  # the user's display name (the login when no such user)
    action: str  # customer.create | customer.update | contact.update | …
    entity: str  # customer | contact
    entity_id: int | None
    subject: str | None  # the contact's name for contact changes
    field: str | None
    old: str | None
    new: str | None


@dataclass(frozen=True)
class BulkProblemRow:
    customer_id: int
    message: str


@dataclass(frozen=True)
class BulkResult:
    requested: int
    changed: int
    unchanged: int
    problems: tuple[BulkProblemRow, ...]


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    customer_id: int
    filename: str
    mime: str
    size: int
    sha256: str
    created_at: datetime
    created_by: str | None


@dataclass(frozen=True)
class AttachmentDataResult:
    filename: str
    mime: str
    data: bytes


# =========================================================================== errors


class DuplicateCustomerFound(DuplicateCustomer):
    """create_customer found existing customers; ``hits`` says which (as far as allowed)."""

    def __init__(self, message: str, hits: Sequence[DuplicateHit]) -> None:
        super().__init__(message)
        self.hits: tuple[DuplicateHit, ...] = tuple(hits)


class EditConflict(ConflictError):
    """A save over a newer version where both sides changed the same fields.

    ``fields`` maps each such field to (base, theirs, mine); ``mine`` holds every value the user
    entered, so the form can be filled again and nothing typed is lost; ``current_version`` is
    the version to save against after the user decided."""

    def __init__(
        self,
        message: str,
        *,
        entity: str,
        entity_id: int,
        fields: Mapping[str, FieldConflict],
        mine: Mapping[str, Any],
        current_version: int | None,
    ) -> None:
        super().__init__(message)
        self.entity = entity
        self.entity_id = entity_id
        self.fields: dict[str, FieldConflict] = dict(fields)
        self.mine: dict[str, Any] = dict(mine)
        self.current_version = current_version


# =========================================================================== permissions


def visible_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: the customers ``actor`` may see (DESIGN §3). The public pool is visible
    to everyone; sales see their own; managers their branch; admins all."""
    if actor.is_admin:
        return true()
    terms: list[ColumnElement[bool]] = [Customer.owner_id.is_(None)]
    if actor.id is not None:
        terms.append(Customer.owner_id == actor.id)
    if actor.role == "manager" and actor.branch_id is not None:
        terms.append(Customer.branch_id == actor.branch_id)
    return or_(*terms)


def editable_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: the customers ``actor`` may change. Pool customers are read-only for sales
    (they claim first); managers edit their branch's, pool included."""
    if actor.is_admin:
        return true()
    terms: list[ColumnElement[bool]] = []
    if actor.id is not None:
        terms.append(Customer.owner_id == actor.id)
    if actor.role == "manager" and actor.branch_id is not None:
        terms.append(Customer.branch_id == actor.branch_id)
    return or_(*terms) if terms else false()


def can_see(actor: Actor, owner_id: int | None, branch_id: int | None) -> bool:
    if actor.is_admin or owner_id is None:
        return True
    if actor.id is not None and owner_id == actor.id:
        return True
    return actor.role == "manager" and branch_id is not None and branch_id == actor.branch_id


def can_edit(actor: Actor, owner_id: int | None, branch_id: int | None) -> bool:
    if actor.is_admin:
        return True
    if actor.id is not None and owner_id == actor.id:
        return True
    return actor.role == "manager" and branch_id is not None and branch_id == actor.branch_id


def _check_owner_assignment(
    actor: Actor, new_owner: AppUser | None, *, old_owner_id: int | None
) -> None:
    """Sales never give a customer to someone else; managers assign within their branch."""
    if actor.is_admin:
        return
    new_id = new_owner.id if new_owner else None
    if new_id == old_owner_id:
        return
    if actor.role == "manager":
        if new_owner is None or new_owner.id == actor.id:
            return
        if actor.branch_id is not None and new_owner.branch_id == actor.branch_id:
            return
        raise PermissionDenied("A manager may assign customers only to people of their branch")
    if new_id is None or new_id == actor.id:
        return
    raise PermissionDenied("You cannot give a customer to someone else; ask your manager")


def may_lock(actor: Actor) -> bool:
    """Locking a customer exempts it from the pool rules: a manager's decision, not the
    holder's (the Shared-mode database refuses it to salespeople too)."""
    return actor.is_admin or actor.role == "manager"


def _check_lock_change(actor: Actor, old: bool, new: bool) -> None:
    if old != new and not may_lock(actor):
        raise PermissionDenied(
            "Only a manager may lock or unlock a customer (locked customers are exempt from "
            "the pool rules)"
        )


# =========================================================================== normalization


def normalize_phone(text: str | None, *, region: str = DEFAULT_PHONE_REGION) -> str | None:
    """The stored form of a phone number (see the module docstring); None for empty input.
    Raises ValueError for something that is not a valid number. Chinese mobiles and landlines
    take a fast path (an import normalizes 100,000s of them) that gives exactly phonenumbers'
    answer (tests/unit/test_import_phones.py)."""
    if text is None or not text.strip():
        return None
    raw = unicodedata.normalize("NFKC", text).strip()
    if region == "CN":
        fast = _cn_fast_phone(raw)
        if fast is not None:
            return fast
    return _parse_phone(raw, region)


def _parse_phone(raw: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """normalize_phone through phonenumbers' parse (about 40 µs a number)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# Chinese mobiles: the metadata's validity pattern and national format ("138 1234 5678").
_CN_META = phonenumbers.PhoneMetadata.metadata_for_region("CN")
_CN_MOBILE = re.compile(
    str(_CN_META.mobile.national_number_pattern if _CN_META and _CN_META.mobile else "(?!)")
)
_MOBILE_SHAPE = re.compile(r"(?:\+86|0086|86)?[ \-]*(1\d\d)[ \-]*(\d{4})[ \-]*(\d{4})")
# Chinese landlines written with the trunk 0 ("021-6123 4567", "0755 12345678"): validity by
# the metadata's fixed-line pattern, the national format's grouping learnt from phonenumbers
# once per leading digits and length.
_CN_FIXED = re.compile(
    str(_CN_META.fixed_line.national_number_pattern if _CN_META and _CN_META.fixed_line else "(?!)")
)
_LANDLINE_SHAPE = re.compile(r"0(\d{2,3})[ \-]*(\d{3,4})[ \-]*(\d{3,5})")
_MOBILE_KEY = 6  # the mobile pattern decides within 5 digits
_GROUPING_KEY = 5  # leading national digits that decide the format (metadata: at most 5)
_GROUPINGS_MAX = 100_000
# (leading digits, length) → digit group widths; None: invalid (mobile shape) / no grouping.
_groupings: dict[tuple[str, int], tuple[int, ...] | None] = {}


def _cn_fast_phone(raw: str) -> str | None:
    """normalize_phone's answer for a Chinese mobile or landline written plainly, or None when
    this shape has no fast answer. Raises ValueError like normalize_phone."""
    shape = _MOBILE_SHAPE.fullmatch(raw)
    if shape is not None:
        nsn = shape.group(1) + shape.group(2) + shape.group(3)
        if _CN_MOBILE.fullmatch(nsn):
            return f"{shape.group(1)} {shape.group(2)} {shape.group(3)}"
        # Not a mobile: whether phonenumbers knows it as something else depends on its
        # leading digits only.
        key = (nsn[:_MOBILE_KEY], -1)
        if _groupings.get(key, ()) is None:
            raise ValueError("not a valid phone number")
        try:
            return _parse_phone(raw)
        except ValueError:
            if len(_groupings) < _GROUPINGS_MAX:
                _groupings[key] = None
            raise
    landline = _LANDLINE_SHAPE.fullmatch(raw)
    if landline is None:
        return None
    nsn = "".join(landline.groups())
    if not _CN_FIXED.fullmatch(nsn):
        return None
    full = "0" + nsn
    key = (nsn[:_GROUPING_KEY], len(nsn))
    grouping = _groupings.get(key, ())
    if grouping == ():
        formatted = _parse_phone(raw)
        grouping = (
            tuple(len(part) for part in formatted.split(" "))
            if formatted.replace(" ", "") == full
            else None
        )
        if len(_groupings) < _GROUPINGS_MAX:
            _groupings[key] = grouping
        if grouping is None:
            return formatted
    if grouping is None:
        return None
    out, at = [], 0
    for width in grouping:
        out.append(full[at : at + width])
        at += width
    return " ".join(out)


def _searchable_phone(stored: str | None) -> str | None:
    """A stored phone without its extension: extension digits would glue onto the number."""
    if not stored:
        return stored
    return re.split(r"\s*(?:ext\.?|x|分机|转)\s*\d", stored, maxsplit=1, flags=re.I)[0]


def phone_key(text: str) -> str:
    """Digits of a phone with the country code +86/0086/86 and leading zeros removed, so
    "+86 21 6123-4567", "021-61234567" and "2161234567" share a key."""
    d = digits(_searchable_phone(text) or "")
    if d.startswith("0086"):
        d = d[4:]
    elif d.startswith("86") and len(d) >= 12:  # 86 + a 10/11-digit national number
        d = d[2:]
    return d.lstrip("0")


def normalize_tags(tags: Sequence[str] | str | None) -> str | None:
    """Tags as stored: folded, de-duplicated, comma-separated (commas inside a tag split it)."""
    if tags is None:
        return None
    items = tags.split(",") if isinstance(tags, str) else [p for t in tags for p in t.split(",")]
    out = list(dict.fromkeys(t for t in (fold(i) for i in items) if t))
    return ",".join(out) or None


def split_tags(stored: str | None) -> tuple[str, ...]:
    return tuple(t for t in (stored or "").split(",") if t)


def _clean_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# =========================================================================== validation


def _validate_customer(
    session: Session, given: Mapping[str, Any], *, creating: bool
) -> dict[str, Any]:
    """Normalized values of the given fields; every bad field reported at once."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name, value in given.items():
        if name not in CUSTOMER_FIELDS:
            errors[name] = "unknown field"
            continue
        if name == "name":
            text = _clean_text(value)
            if text is None:
                errors[name] = "required"
            out[name] = text or ""
        elif name in ("kind", "status"):
            allowed = CUSTOMER_KINDS if name == "kind" else CUSTOMER_STATUSES
            if value not in allowed:
                errors[name] = f"must be one of {', '.join(allowed)}"
            out[name] = value
        elif name == "source":
            text = _clean_text(value)
            if text is not None and text not in CUSTOMER_SOURCES:
                errors[name] = f"must be one of {', '.join(CUSTOMER_SOURCES)}"
            out[name] = text
        elif name == "phone":
            try:
                out[name] = normalize_phone(value)
            except ValueError:
                errors[name] = "not a valid phone number"
        elif name == "email":
            text = _clean_text(value)
            if text is not None and not _EMAIL_RE.match(text):
                errors[name] = "not a valid email address"
            out[name] = text
        elif name == "tags":
            out[name] = normalize_tags(value)
        elif name == "locked":
            out[name] = bool(value)
        elif name in ("grade_id", "region_id", "owner_id"):
            out[name] = value
            if value is not None and not _reference_exists(session, name, value):
                errors[name] = "does not exist"
        else:
            out[name] = _clean_text(value)
        limit = _TEXT_LIMITS.get(name)
        if limit and isinstance(out.get(name), str) and len(out[name]) > limit:
            errors[name] = f"at most {limit} characters"
    if creating and not _clean_text(given.get("name")):
        errors["name"] = "required"
    if errors:
        raise ValidationError(_fields_message(errors), errors)
    return out


def _fields_message(errors: Mapping[str, str]) -> str:
    return "Please correct: " + "; ".join(f"{k} — {v}" for k, v in errors.items())


def _reference_exists(session: Session, name: str, value: Any) -> bool:
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    if name == "grade_id":
        grade = session.get(Grade, value)
        return grade is not None and grade.deleted_at is None
    if name == "region_id":
        region = session.get(Region, value)
        return region is not None and region.deleted_at is None
    user = session.get(AppUser, value)
    return user is not None and user.active


def _validate_contact(given: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name, value in given.items():
        if name not in CONTACT_FIELDS:
            errors[name] = "unknown field"
        elif name == "name":
            text = _clean_text(value)
            if text is None:
                errors[name] = "required"
            out[name] = text or ""
        elif name in ("phone", "mobile"):
            try:
                out[name] = normalize_phone(value)
            except ValueError:
                errors[name] = "not a valid phone number"
        elif name == "email":
            text = _clean_text(value)
            if text is not None and not _EMAIL_RE.match(text):
                errors[name] = "not a valid email address"
            out[name] = text
        elif name == "birthday":
            if value is not None and not isinstance(value, date):
                errors[name] = "not a date"
            out[name] = value
        elif name == "is_primary":
            out[name] = bool(value)
        else:
            out[name] = _clean_text(value)
        limit = _TEXT_LIMITS.get(name)
        if limit and isinstance(out.get(name), str) and len(out[name]) > limit:
            errors[name] = f"at most {limit} characters"
    if creating and not _clean_text(given.get("name")):
        errors["name"] = "required"
    if errors:
        raise ValidationError(_fields_message(errors), errors)
    return out


# =========================================================================== loading


def _customer_values(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in CUSTOMER_FIELDS}


def _contact_values(contact: Contact) -> dict[str, Any]:
    return {name: getattr(contact, name) for name in CONTACT_FIELDS}


def load_for_write(session: Session, customer_id: int, actor: Actor) -> Customer:
    """The customer row, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite writers
    are serialized by BEGIN IMMEDIATE) and read fresh, so no other save can slip in between
    our version check and our UPDATE."""
    customer = session.scalar(
        select(Customer)
        .where(Customer.id == customer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if customer is None or not can_see(actor, customer.owner_id, customer.branch_id):
        raise NotFound(f"No customer with id {customer_id}")
    return customer


def _load_visible(session: Session, customer_id: int, actor: Actor) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or not can_see(actor, customer.owner_id, customer.branch_id):
        raise NotFound(f"No customer with id {customer_id}")
    return customer


def _require_editable(customer: Customer, actor: Actor) -> None:
    if not can_edit(actor, customer.owner_id, customer.branch_id):
        if customer.owner_id is None:
            raise PermissionDenied("Claim this customer from the public pool before editing it")
        raise PermissionDenied("You may not change this customer")
    if customer.deleted_at is not None:
        raise ValidationError("This customer is in the recycle bin; restore it first")


def _region_path(session: Session, region: Region | None) -> str | None:
    names: list[str] = []
    seen: set[int] = set()
    while region is not None and region.id not in seen:
        seen.add(region.id)
        names.append(region.name)
        region = session.get(Region, region.parent_id) if region.parent_id else None
    return " / ".join(reversed(names)) or None


def _contact_row(contact: Contact) -> ContactRow:
    return ContactRow(
        id=contact.id,
        customer_id=contact.customer_id,
        name=contact.name,
        title=contact.title,
        department=contact.department,
        phone=contact.phone,
        mobile=contact.mobile,
        email=contact.email,
        wechat=contact.wechat,
        birthday=contact.birthday,
        notes=contact.notes,
        is_primary=contact.is_primary,
        version=contact.version,
    )


def _live_contacts(session: Session, customer_id: int) -> list[Contact]:
    return list(
        session.scalars(
            select(Contact)
            .where(Contact.customer_id == customer_id, Contact.deleted_at.is_(None))
            .order_by(Contact.is_primary.desc(), Contact.id)
        )
    )


def _detail(session: Session, customer: Customer, actor: Actor) -> CustomerDetail:
    grade = session.get(Grade, customer.grade_id) if customer.grade_id else None
    region = session.get(Region, customer.region_id) if customer.region_id else None
    owner = session.get(AppUser, customer.owner_id) if customer.owner_id else None
    branch = customer.branch
    return CustomerDetail(
        id=customer.id,
        uuid=customer.uuid,
        name=customer.name,
        kind=customer.kind,
        grade_id=customer.grade_id,
        grade_code=grade.code if grade else None,
        grade_color=grade.color if grade else None,
        region_id=customer.region_id,
        region_name=region.name if region else None,
        region_path=_region_path(session, region),
        branch_id=customer.branch_id,
        branch_name=branch.name if branch else None,
        owner_id=customer.owner_id,
        owner_name=owner.display_name if owner else None,
        status=customer.status,
        industry=customer.industry,
        source=customer.source,
        phone=customer.phone,
        email=customer.email,
        website=customer.website,
        address=customer.address,
        tags=split_tags(customer.tags),
        notes=customer.notes,
        locked=customer.locked,
        last_followup_at=customer.last_followup_at,
        next_followup_at=customer.next_followup_at,
        pool_since=customer.pool_since,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        deleted_at=customer.deleted_at,
        version=customer.version,
        can_edit=can_edit(actor, customer.owner_id, customer.branch_id)
        and customer.deleted_at is None,
        contacts=tuple(_contact_row(c) for c in _live_contacts(session, customer.id)),
    )


def _search_columns(session: Session, customer: Customer) -> dict[str, str]:
    """The search columns from the customer's own values and its live contacts; the customer's
    phone goes first so the duplicate check's prefix lookup finds it (see find_duplicates)."""
    # no_autoflush: a flush here would write the pending profile changes in an UPDATE of
    # their own and the search columns in a second one (two version bumps for one save).
    with session.no_autoflush:
        contacts = _live_contacts(session, customer.id) if customer.id is not None else []
    return customer_search_columns(
        customer.name,
        phones=[
            _searchable_phone(customer.phone),
            *(_searchable_phone(p) for c in contacts for p in (c.phone, c.mobile)),
        ],
        emails=[customer.email, *(c.email for c in contacts)],
        address=customer.address,
        contact_names=[c.name for c in contacts],
    )


def _refresh_search_columns_quietly(session: Session, customer: Customer) -> None:
    """Recompute after a contact change with a plain UPDATE: it leaves ``version`` alone, so a
    contact edit does not make an open profile form stale."""
    columns = _search_columns(session, customer)
    session.execute(
        update(Customer)
        .where(Customer.id == customer.id)
        .values(**columns)
        .execution_options(synchronize_session=False)
    )
    for key, value in columns.items():
        # Mirror into the loaded object without marking it dirty (no second UPDATE, no bump).
        customer.__dict__[key] = value


# =========================================================================== read


def get_customer(session: Session, customer_id: int, actor: Actor) -> CustomerDetail:
    """The customer file's profile and contacts; NotFound when it is not visible to ``actor``."""
    return _detail(session, _load_visible(session, customer_id, actor), actor)


def list_deleted(session: Session, actor: Actor, *, limit: int = 1000) -> list[DeletedCustomerRow]:
    """The recycle bin: deleted customers the actor may see, most recently deleted first."""
    stmt = (
        select(Customer.id, Customer.name, AppUser.display_name, Grade.code, Customer.deleted_at)
        .outerjoin(AppUser, AppUser.id == Customer.owner_id)
        .outerjoin(Grade, Grade.id == Customer.grade_id)
        .where(Customer.deleted_at.is_not(None), visible_clause(actor))
        .order_by(Customer.deleted_at.desc(), Customer.id.desc())
        .limit(limit)
    )
    return [
        DeletedCustomerRow(id=i, name=n, owner_name=o, grade_code=g, deleted_at=d)
        for i, n, o, g, d in session.execute(stmt)
        if d is not None
    ]


# =========================================================================== duplicates


def find_duplicates(
    session: Session,
    *,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    exclude_id: int | None = None,
    actor: Actor,
    limit: int = 20,
) -> list[DuplicateHit]:
    """Live customers that look like the one being entered.

    - name: ``name_key`` equality on the indexed ``name_norm`` ("华为技术有限公司" = "华为技术").
    - email: folded equality on the indexed ``customer.email_norm`` and ``contact.email_norm``.
    - phone: ``phone_key`` (no +86/0086/86, no leading 0) compared with the customer's main
      phone — the first number in the indexed ``phone_digits`` — through a handful of index
      range lookups (the key with and without 0 / 86 / 0086 in front, alone or followed by
      the other numbers), then checked exactly in Python. A bounded query: a substring search
      over every phone of every contact is the search box's job (DESIGN §4), not this one's.
      (The range relies on digits and the space sorting byte-wise, true for SQLite and for
      PostgreSQL databases with the C / C.UTF-8 collation, which ``server init`` should use.)
    """
    matched: dict[int, set[str]] = {}

    def add(ids: Iterable[int], why: str) -> None:
        for cid in ids:
            if cid != exclude_id:
                matched.setdefault(cid, set()).add(why)

    live = Customer.deleted_at.is_(None)
    key = name_key(name) if name else ""
    if key:
        add(
            session.scalars(
                select(Customer.id).where(Customer.name_norm == key, live).limit(limit)
            ),
            "name",
        )
    mail = fold(email) if email and email.strip() else ""
    if mail:
        add(
            session.scalars(
                select(Customer.id).where(Customer.email_norm == mail, live).limit(limit)
            ),
            "email",
        )
        add(
            session.scalars(
                select(Contact.customer_id)
                .join(Customer, Customer.id == Contact.customer_id)
                .where(Contact.email_norm == mail, Contact.deleted_at.is_(None), live)
                .limit(limit)
            ),
            "email",
        )
    pkey = phone_key(phone) if phone else ""
    if len(pkey) >= MIN_PHONE_KEY_DIGITS:
        terms: list[ColumnElement[bool]] = []
        for prefix in ("", "0", "86", "0086", "860"):
            variant = prefix + pkey
            terms.append(Customer.phone_digits == variant)
            # "variant" followed by more numbers: a range on the same index (LIKE 'x%' would
            # not use it on SQLite without NOCASE, nor on PostgreSQL without pattern ops).
            terms.append(
                and_(Customer.phone_digits >= variant + " ", Customer.phone_digits < variant + "!")
            )
        rows = session.execute(
            select(Customer.id, Customer.phone_digits).where(or_(*terms), live).limit(limit * 4)
        )
        add(
            (cid for cid, pd in rows if phone_key((pd or "").split(" ", 1)[0]) == pkey),
            "phone",
        )
    if not matched:
        return []
    ids = sorted(matched)[:limit]
    found = session.execute(
        select(
            Customer.id,
            Customer.name,
            Customer.owner_id,
            Customer.branch_id,
            Customer.last_followup_at,
            AppUser.display_name,
            Grade.code,
        )
        .outerjoin(AppUser, AppUser.id == Customer.owner_id)
        .outerjoin(Grade, Grade.id == Customer.grade_id)
        .where(Customer.id.in_(ids))
        .order_by(Customer.id)
    )
    hits: list[DuplicateHit] = []
    outcomes = _last_outcomes(session, ids)
    for cid, cname, owner_id, branch_id, last_at, owner_name, grade_code in found:
        why = tuple(w for w in ("name", "phone", "email") if w in matched[cid])
        last_outcome, lost_reason = outcomes.get(cid, (None, None))
        if can_see(actor, owner_id, branch_id):
            hits.append(
                DuplicateHit(
                    visible=True,
                    matched_on=why,
                    owner_name=owner_name,
                    customer_id=cid,
                    name=cname,
                    grade_code=grade_code,
                    last_followup_at=last_at,
                    last_outcome=last_outcome,
                    lost_reason=lost_reason,
                )
            )
        else:
            hits.append(
                DuplicateHit(
                    visible=False,
                    matched_on=why,
                    owner_name=owner_name,
                    last_outcome=last_outcome,
                    lost_reason=lost_reason,
                )
            )
    return hits


def _last_outcomes(
    session: Session, customer_ids: Sequence[int]
) -> dict[int, tuple[str | None, str | None]]:
    """Per customer: the outcome of its latest done follow-up and its latest lost reason."""
    out: dict[int, tuple[str | None, str | None]] = {}
    rows = session.execute(
        select(Followup.customer_id, Followup.outcome, Followup.lost_reason)
        .where(
            Followup.customer_id.in_(customer_ids),
            Followup.status == "done",
            Followup.deleted_at.is_(None),
        )
        .order_by(Followup.customer_id, Followup.happened_at.desc(), Followup.id.desc())
    )
    for cid, outcome, reason in rows:
        last_outcome, lost_reason = out.get(cid, (outcome, None))
        if lost_reason is None and outcome == "lost" and reason:
            lost_reason = reason
        out[cid] = (last_outcome, lost_reason)
    return out


def _duplicate_message(hits: Sequence[DuplicateHit]) -> str:
    hit = hits[0]
    owner = hit.owner_name or "public pool"
    if hit.visible:
        extra = f", grade {hit.grade_code}" if hit.grade_code else ""
        return f"A similar customer exists: {hit.name} (owner {owner}{extra})"
    return f"A similar customer exists (owner {owner})"


# =========================================================================== create / update


def create_customer(
    session: Session,
    data: CustomerInput,
    actor: Actor,
    *,
    allow_duplicate: bool = False,
) -> CustomerDetail:
    """A new customer. Owner defaults to the actor (the system actor creates into the pool).
    Raises DuplicateCustomerFound when a similar customer exists, unless ``allow_duplicate``.

    Idempotent with ``data.uuid``: when a customer with that uuid is stored already (a retry
    after a lost connection whose first attempt did commit), that customer is returned and
    nothing is written."""
    given = data.given()
    client_uuid = _client_uuid(given.pop("uuid", None))
    if client_uuid is not None:
        stored = _customer_by_uuid(session, client_uuid)
        if stored is not None:
            return _detail(session, stored, actor)
    values = _validate_customer(session, given, creating=True)
    values.setdefault("kind", "company")
    values.setdefault("status", "prospect")
    values.setdefault("owner_id", actor.id)
    _check_lock_change(actor, False, bool(values.get("locked", False)))
    owner = session.get(AppUser, values["owner_id"]) if values["owner_id"] else None
    _check_owner_assignment(actor, owner, old_owner_id=actor.id)
    if not allow_duplicate:
        hits = find_duplicates(
            session,
            name=values["name"],
            phone=values.get("phone"),
            email=values.get("email"),
            actor=actor,
        )
        if hits:
            raise DuplicateCustomerFound(_duplicate_message(hits), hits)
    now = utcnow()
    customer = Customer(
        **values,
        branch_id=(owner.branch_id if owner and owner.branch_id else actor.branch_id),
        created_by_id=actor.id,
        pool_since=now if owner is None else None,
        owner_since=now if owner is not None else None,
        created_at=now,  # the same instant: the pool's idle clock starts at both
    )
    for key, value in _search_columns(session, customer).items():
        setattr(customer, key, value)
    if client_uuid is None:
        session.add(customer)
        session.flush()
    else:
        customer.uuid = client_uuid
        try:
            with session.begin_nested():
                session.add(customer)
                session.flush()
        except IntegrityError:
            # The first attempt was still in flight and has committed meanwhile.
            stored = _customer_by_uuid(session, client_uuid)
            if stored is None:
                raise
            return _detail(session, stored, actor)
    session.add(
        OwnershipChange(
            customer_id=customer.id,
            from_user_id=None,
            to_user_id=customer.owner_id,
            reason="create",
            at=now,
            by_id=actor.id,
        )
    )
    audit.record(
        session,
        actor,
        "customer.create",
        "customer",
        customer.id,
        {
            "changes": changes_of({}, {k: v for k, v in values.items() if v is not None}),
            "version": customer.version,
        },
    )
    return _detail(session, customer, actor)


def _client_uuid(value: object) -> str | None:
    """The canonical form of a client-made customer uuid (None when none was given)."""
    if value is None:
        return None
    try:
        return str(uuid_mod.UUID(str(value)))
    except ValueError:
        raise ValidationError("Not a valid customer id.", {"uuid": "not a valid uuid"}) from None


def _customer_by_uuid(session: Session, value: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.uuid == value))


def _their_changes(
    session: Session,
    entity: str,
    entity_id: int,
    expected_version: int,
    current: Mapping[str, Any],
    base: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """``{field: base value}`` for the fields somebody else changed since ``expected_version``.

    With ``base`` (the values the form started from) the answer is exact. Without it, the audit
    trail says: every audited save records the version it produced, and the first ``old`` after
    the expected version is the value the user started from."""
    if base is not None:
        return {
            name: value
            for name, value in base.items()
            if name in current and current[name] != value
        }
    rows = session.scalars(
        select(AuditLog.detail)
        .where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
        .order_by(AuditLog.id)
    )
    theirs: dict[str, Any] = {}
    for detail in rows:
        if not detail or int(detail.get("version") or 0) <= expected_version:
            continue
        for name, pair in (detail.get("changes") or {}).items():
            if name in current and name not in theirs:
                theirs[name] = pair[0]
    return {name: old for name, old in theirs.items() if json_safe(current[name]) != old}


def _resolve_conflicts(
    *,
    entity: str,
    entity_id: int,
    mine: Mapping[str, Any],
    current: Mapping[str, Any],
    theirs_base: Mapping[str, Any],
    current_version: int,
) -> tuple[str, ...]:
    """Raise EditConflict for fields both sides changed to different values; else the fields
    of the other side that are kept (merged)."""
    clashes = {
        name: FieldConflict(base=theirs_base[name], theirs=current[name], mine=value)
        for name, value in mine.items()
        if name in theirs_base and value != current[name]
    }
    if clashes:
        raise EditConflict(
            f"Somebody else changed {', '.join(clashes)} meanwhile; choose which value to keep",
            entity=entity,
            entity_id=entity_id,
            fields=clashes,
            mine=mine,
            current_version=current_version,
        )
    return tuple(name for name in current if name in theirs_base)


def _base_values(base: CustomerDetail | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if base is None:
        return None
    if isinstance(base, CustomerDetail):
        values = {name: getattr(base, name) for name in CUSTOMER_FIELDS}
    else:
        values = {name: base[name] for name in CUSTOMER_FIELDS if name in base}
    if "tags" in values:
        values["tags"] = normalize_tags(values["tags"])
    return values


def update_customer(
    session: Session,
    customer_id: int,
    data: CustomerInput,
    expected_version: int,
    actor: Actor,
    *,
    base: CustomerDetail | Mapping[str, Any] | None = None,
) -> UpdateResult:
    """Save the fields the user changed (``data``: only those set) over ``expected_version``.

    If the row moved on meanwhile, the other side's changes come from ``base`` (the values the
    form was opened with; pass the CustomerDetail) or else from the audit trail. Disjoint
    changes merge and save; a field both changed raises EditConflict with (base, theirs, mine)
    and the user's whole input. Nothing is overwritten silently."""
    customer = load_for_write(session, customer_id, actor)
    _require_editable(customer, actor)
    mine = _validate_customer(session, data.given(), creating=False)
    current = _customer_values(customer)
    merged: tuple[str, ...] = ()
    if customer.version != expected_version:
        theirs = _their_changes(
            session, "customer", customer.id, expected_version, current, _base_values(base)
        )
        merged = _resolve_conflicts(
            entity="customer",
            entity_id=customer.id,
            mine=mine,
            current=current,
            theirs_base=theirs,
            current_version=customer.version,
        )
    changes = {name: value for name, value in mine.items() if current[name] != value}
    if "locked" in changes:
        _check_lock_change(actor, bool(current["locked"]), bool(changes["locked"]))
    if not changes:
        return UpdateResult(_detail(session, customer, actor), (), merged)
    now = utcnow()
    if "owner_id" in changes:
        owner = session.get(AppUser, changes["owner_id"]) if changes["owner_id"] else None
        _check_owner_assignment(actor, owner, old_owner_id=customer.owner_id)
        session.add(
            OwnershipChange(
                customer_id=customer.id,
                from_user_id=customer.owner_id,
                to_user_id=changes["owner_id"],
                reason="assign" if owner is not None else "release",
                at=now,
                by_id=actor.id,
            )
        )
        if owner is not None and owner.branch_id is not None:
            customer.branch_id = owner.branch_id  # a customer belongs to its owner's branch
        customer.pool_since = now if owner is None else None
        customer.owner_since = now if owner is not None else None  # the pool's idle clock
    for name, value in changes.items():
        setattr(customer, name, value)
    if _SEARCH_INPUTS.intersection(changes):
        for key, value in _search_columns(session, customer).items():
            setattr(customer, key, value)
    try:
        session.flush()
    except StaleDataError as exc:
        # Unreachable while the row is locked above; kept so a driver or isolation surprise
        # still ends as a conflict the form can handle, with the user's input attached.
        raise EditConflict(
            "Somebody else saved this customer at the same moment; please save again",
            entity="customer",
            entity_id=customer_id,
            fields={},
            mine=mine,
            current_version=None,
        ) from exc
    audit.record(
        session,
        actor,
        "customer.update",
        "customer",
        customer.id,
        {
            "changes": changes_of(current, changes),
            "version": customer.version,
            **({"merged": list(merged)} if merged else {}),
        },
    )
    return UpdateResult(_detail(session, customer, actor), tuple(changes), merged)


# =========================================================================== delete / restore


def _summary(session: Session, customer: Customer) -> CustomerSummary:
    owner = session.get(AppUser, customer.owner_id) if customer.owner_id else None
    return CustomerSummary(
        id=customer.id,
        name=customer.name,
        owner_name=owner.display_name if owner else None,
        deleted_at=customer.deleted_at,
        version=customer.version,
    )


def delete_customer(session: Session, customer_id: int, actor: Actor) -> CustomerSummary:
    """Move a customer to the recycle bin (sales: their own; managers: their branch)."""
    customer = load_for_write(session, customer_id, actor)
    _require_editable(customer, actor)
    customer.deleted_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "customer.delete",
        "customer",
        customer.id,
        {
            "changes": {"deleted_at": [None, json_safe(customer.deleted_at)]},
            "version": customer.version,
        },
    )
    return _summary(session, customer)


def restore_customer(session: Session, customer_id: int, actor: Actor) -> CustomerSummary:
    """Bring a customer back from the recycle bin: managers (their branch) and admins only."""
    if not actor.is_manager:
        raise PermissionDenied("Only a manager or an administrator may restore customers")
    customer = load_for_write(session, customer_id, actor)
    if not can_edit(actor, customer.owner_id, customer.branch_id):
        raise PermissionDenied("You may not restore this customer")
    if customer.deleted_at is None:
        return _summary(session, customer)
    old = customer.deleted_at
    customer.deleted_at = None
    session.flush()
    audit.record(
        session,
        actor,
        "customer.restore",
        "customer",
        customer.id,
        {"changes": {"deleted_at": [json_safe(old), None]}, "version": customer.version},
    )
    return _summary(session, customer)


# =========================================================================== contacts


def _ensure_one_primary(
    session: Session,
    customer_id: int,
    *,
    chosen: Contact | None = None,
    leaving: Contact | None = None,
) -> None:
    """Exactly one live primary contact per customer (none when it has no contacts): ``chosen``
    becomes it; otherwise the current one stays, or the oldest other contact takes over from
    ``leaving`` (a contact being deleted or un-marked; it stays primary if it is the only one)."""
    contacts = _live_contacts(session, customer_id)
    if chosen is None:
        others = [c for c in contacts if c is not leaving]
        primaries = sorted((c for c in others if c.is_primary), key=lambda c: c.id)
        if primaries:
            chosen = primaries[0]
        elif others:
            chosen = min(others, key=lambda c: c.id)
        elif leaving is not None and leaving.deleted_at is None:
            chosen = leaving
    for contact in contacts:
        want = contact is chosen
        if contact.is_primary != want:
            contact.is_primary = want
    if leaving is not None and leaving.deleted_at is not None:
        leaving.is_primary = False


def _load_contact(session: Session, contact_id: int, actor: Actor) -> tuple[Contact, Customer]:
    contact = session.get(Contact, contact_id)
    if contact is None or contact.deleted_at is not None:
        raise NotFound(f"No contact with id {contact_id}")
    customer = load_for_write(session, contact.customer_id, actor)
    _require_editable(customer, actor)
    session.refresh(contact)  # read after the customer lock: the freshest version
    return contact, customer


def add_contact(session: Session, customer_id: int, data: ContactInput, actor: Actor) -> ContactRow:
    """A new contact of a customer; the first contact (or one marked primary) is the primary."""
    customer = load_for_write(session, customer_id, actor)
    _require_editable(customer, actor)
    values = _validate_contact(data.given(), creating=True)
    contact = Contact(customer_id=customer.id, **values)
    contact.email_norm = fold(contact.email) if contact.email else ""
    contact.is_primary = bool(values.get("is_primary"))
    session.add(contact)
    session.flush()
    _ensure_one_primary(session, customer.id, chosen=contact if contact.is_primary else None)
    _refresh_search_columns_quietly(session, customer)
    session.flush()
    audit.record(
        session,
        actor,
        "contact.create",
        "contact",
        contact.id,
        {
            "customer_id": customer.id,
            "contact": contact.name,
            "changes": changes_of(
                {}, {k: v for k, v in _contact_values(contact).items() if v not in (None, False)}
            ),
            "version": contact.version,
        },
    )
    return _contact_row(contact)


def update_contact(
    session: Session,
    contact_id: int,
    data: ContactInput,
    expected_version: int,
    actor: Actor,
    *,
    base: ContactRow | Mapping[str, Any] | None = None,
) -> ContactResult:
    """Save a contact's changed fields; merges and conflicts as ``update_customer``."""
    contact, customer = _load_contact(session, contact_id, actor)
    mine = _validate_contact(data.given(), creating=False)
    current = _contact_values(contact)
    merged: tuple[str, ...] = ()
    if contact.version != expected_version:
        base_values = None
        if base is not None:
            source = (
                base if isinstance(base, Mapping) else {n: getattr(base, n) for n in CONTACT_FIELDS}
            )
            base_values = {n: source[n] for n in CONTACT_FIELDS if n in source}
        theirs = _their_changes(
            session, "contact", contact.id, expected_version, current, base_values
        )
        merged = _resolve_conflicts(
            entity="contact",
            entity_id=contact.id,
            mine=mine,
            current=current,
            theirs_base=theirs,
            current_version=contact.version,
        )
    changes = {name: value for name, value in mine.items() if current[name] != value}
    if not changes:
        return ContactResult(_contact_row(contact), (), merged)
    for name, value in changes.items():
        setattr(contact, name, value)
    if "email" in changes:
        contact.email_norm = fold(contact.email) if contact.email else ""
    if "is_primary" in changes:
        if contact.is_primary:
            _ensure_one_primary(session, customer.id, chosen=contact)
        else:
            _ensure_one_primary(session, customer.id, leaving=contact)
    try:
        session.flush()
    except StaleDataError as exc:
        raise EditConflict(
            "Somebody else saved this contact at the same moment; please save again",
            entity="contact",
            entity_id=contact_id,
            fields={},
            mine=mine,
            current_version=None,
        ) from exc
    if {"name", "phone", "mobile", "email"}.intersection(changes):
        _refresh_search_columns_quietly(session, customer)
    audit.record(
        session,
        actor,
        "contact.update",
        "contact",
        contact.id,
        {
            "customer_id": customer.id,
            "contact": contact.name,
            "changes": changes_of(current, changes),
            "version": contact.version,
        },
    )
    return ContactResult(_contact_row(contact), tuple(changes), merged)


def delete_contact(session: Session, contact_id: int, actor: Actor) -> None:
    """Soft-delete a contact; if it was the primary, the oldest remaining contact takes over."""
    contact, customer = _load_contact(session, contact_id, actor)
    contact.deleted_at = utcnow()
    _ensure_one_primary(session, customer.id, leaving=contact)
    session.flush()
    _refresh_search_columns_quietly(session, customer)
    audit.record(
        session,
        actor,
        "contact.delete",
        "contact",
        contact.id,
        {
            "customer_id": customer.id,
            "contact": contact.name,
            "changes": {"deleted_at": [None, json_safe(contact.deleted_at)]},
            "version": contact.version,
        },
    )


# =========================================================================== history


def customer_history(session: Session, customer_id: int, actor: Actor) -> list[HistoryRow]:
    """Who changed which field of this customer file (profile, contacts, attachments) from
    what to what, newest first."""
    _load_visible(session, customer_id, actor)
    contact_ids = select(Contact.id).where(Contact.customer_id == customer_id)
    entries = session.execute(
        select(
            AuditLog.at,
            # Shown by name; a login with no user (system, a deleted login) as it was logged.
            func.coalesce(AppUser.display_name, AuditLog.actor),
            AuditLog.action,
            AuditLog.entity,
            AuditLog.entity_id,
            AuditLog.detail,
        )
        .outerjoin(AppUser, AppUser.login == AuditLog.actor)
        .where(
            or_(
                and_(AuditLog.entity == "customer", AuditLog.entity_id == customer_id),
                and_(AuditLog.entity == "contact", AuditLog.entity_id.in_(contact_ids)),
            )
        )
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
    ).all()
    labels = _HistoryLabels(session)
    rows: list[HistoryRow] = []
    for at, who, action, entity, entity_id, detail in entries:
        subject = (detail or {}).get("contact") if entity == "contact" else None
        changes: dict[str, Any] = (detail or {}).get("changes") or {}
        if not changes:
            rows.append(HistoryRow(at, who, action, entity, entity_id, subject, None, None, None))
        for name, pair in changes.items():
            old, new = ([*pair, None, None])[:2] if isinstance(pair, list) else (None, pair)
            rows.append(
                HistoryRow(
                    at=at,
                    actor=who,
                    action=action,
                    entity=entity,
                    entity_id=entity_id,
                    subject=subject,
                    field=_HISTORY_FIELD.get(name, name),
                    old=labels.show(name, old),
                    new=labels.show(name, new),
                )
            )
    return rows


class _HistoryLabels:
    """Display text for stored ids (grade → code, region → name, owner → display name),
    looked up once per id."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._cache: dict[tuple[str, int], str] = {}

    def show(self, name: str, value: Any) -> str | None:
        if value is None:
            return None
        if name in _HISTORY_FIELD and isinstance(value, int):
            key = (name, value)
            if key not in self._cache:
                self._cache[key] = self._lookup(name, value)
            return self._cache[key]
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    def _lookup(self, name: str, value: int) -> str:
        if name == "grade_id":
            grade = self._session.get(Grade, value)
            return grade.code if grade else f"#{value}"
        if name == "region_id":
            region = self._session.get(Region, value)
            return region.name if region else f"#{value}"
        user = self._session.get(AppUser, value)
        return user.display_name if user else f"#{value}"


# =========================================================================== bulk


def bulk_update(
    session: Session,
    ids: Sequence[int],
    *,
    grade_id: int | Unset | None = UNSET,
    region_id: int | Unset | None = UNSET,
    owner_id: int | Unset | None = UNSET,
    actor: Actor,
    progress: Progress | None = None,
) -> BulkResult:
    """Change grade, region and/or owner (None = public pool) of many customers in the caller's
    one transaction: chunked ``UPDATE … WHERE id IN (…)`` and bulk-inserted audit rows (one per
    changed customer) and ownership changes (reason "assign"/"release"). Customers the actor
    may not change are reported in ``problems`` and left alone."""
    wanted: dict[str, Any] = {
        name: value
        for name, value in (
            ("grade_id", grade_id),
            ("region_id", region_id),
            ("owner_id", owner_id),
        )
        if value is not UNSET
    }
    if not wanted:
        raise ValidationError("Choose a grade, region or owner to set")
    if "owner_id" in wanted and not actor.is_manager:
        raise PermissionDenied("Only a manager or an administrator may assign owners in bulk")
    wanted = _validate_customer(session, wanted, creating=False)
    if "owner_id" in wanted:
        owner = session.get(AppUser, wanted["owner_id"]) if wanted["owner_id"] else None
        _check_owner_assignment(actor, owner, old_owner_id=-1)
    return bulk_set(session, ids, wanted, actor=actor, progress=progress)


def bulk_set(
    session: Session,
    ids: Sequence[int],
    wanted: Mapping[str, Any],
    *,
    actor: Actor,
    action: str = "customer.bulk_update",
    include_deleted: bool = False,
    progress: Progress | None = None,
) -> BulkResult:
    """The engine of bulk changes (also used by region merges): ``wanted`` holds validated
    values of grade_id/region_id/owner_id; the caller has checked that the actor may assign
    them. Per-customer edit rights are checked here."""
    progress = progress or NullProgress()
    new_owner = session.get(AppUser, wanted["owner_id"]) if wanted.get("owner_id") else None
    unique_ids = list(dict.fromkeys(int(i) for i in ids))
    total = len(unique_ids)
    now = utcnow()
    changed = unchanged = 0
    problems: list[BulkProblemRow] = []
    audit_rows: list[dict[str, Any]] = []
    ownership_rows: list[dict[str, Any]] = []
    set_values: dict[str, Any] = dict(wanted)
    if "owner_id" in wanted:
        if new_owner is not None and new_owner.branch_id is not None:
            set_values["branch_id"] = new_owner.branch_id
        set_values["pool_since"] = now if new_owner is None else None
        set_values["owner_since"] = now if new_owner is not None else None
    set_values["updated_at"] = now
    progress.report(0, total, None)
    for start in range(0, total, BULK_CHUNK):
        progress.check_cancelled()
        chunk = unique_ids[start : start + BULK_CHUNK]
        found = session.execute(
            select(
                Customer.id,
                Customer.version,
                Customer.owner_id,
                Customer.branch_id,
                Customer.deleted_at,
                *(getattr(Customer, name) for name in wanted),
            )
            .where(Customer.id.in_(chunk))
            .with_for_update()
        ).all()
        seen = {row[0] for row in found}
        problems.extend(BulkProblemRow(i, "no such customer") for i in chunk if i not in seen)
        to_change: list[int] = []
        for row in found:
            cid, version, old_owner, branch, deleted_at, *old_values = row
            if deleted_at is not None and not include_deleted:
                problems.append(BulkProblemRow(cid, "in the recycle bin"))
                continue
            if not can_edit(actor, old_owner, branch):
                problems.append(BulkProblemRow(cid, "you may not change this customer"))
                continue
            old = dict(zip(wanted, old_values, strict=True))
            diff = changes_of(old, wanted)
            if not diff:
                unchanged += 1
                continue
            to_change.append(cid)
            audit_rows.append(
                {
                    "at": now,
                    "actor": actor.login,
                    "action": action,
                    "entity": "customer",
                    "entity_id": cid,
                    "detail": {"changes": diff, "version": version + 1},
                }
            )
            if "owner_id" in diff:
                ownership_rows.append(
                    {
                        "customer_id": cid,
                        "from_user_id": old_owner,
                        "to_user_id": wanted["owner_id"],
                        "reason": "assign" if new_owner is not None else "release",
                        "note": "bulk",
                        "at": now,
                        "by_id": actor.id,
                    }
                )
        if to_change:
            session.execute(
                update(Customer)
                .where(Customer.id.in_(to_change))
                .values(**set_values, version=Customer.version + 1)
                .execution_options(synchronize_session=False)
            )
            changed += len(to_change)
        if audit_rows:
            session.execute(insert(AuditLog), audit_rows)
            audit_rows = []
        if ownership_rows:
            session.execute(insert(OwnershipChange), ownership_rows)
            ownership_rows = []
        progress.report(min(start + BULK_CHUNK, total), total, None)
    # Objects loaded earlier in this session now hold old values: make them reload.
    session.expire_all()
    return BulkResult(
        requested=total, changed=changed, unchanged=unchanged, problems=tuple(problems)
    )


# =========================================================================== attachments

_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(10)}
    | {f"LPT{i}" for i in range(10)}
    | {"COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³", "CONIN$", "CONOUT$"}
)
_WINDOWS_BAD_CHARS = re.compile(r'[<>:"|?*\\/]')


def sanitize_filename(name: str, *, fallback: str = "attachment") -> str:
    """A file name safe to store and to save on any OS: the last path component only, no
    control characters, no characters Windows forbids, no reserved device names (CON, NUL,
    COM1…), no leading/trailing dots or spaces, at most 255 UTF-8 bytes (extension kept)."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    text = _WINDOWS_BAD_CHARS.sub("_", text).strip(" .")
    if not text or set(text) <= {"."}:
        text = fallback
    stem, dot, ext = text.partition(".")
    if stem.rstrip(" ").upper() in _WINDOWS_RESERVED:
        text = "_" + text
    if len(text.encode("utf-8")) > MAX_FILENAME_BYTES:
        stem, dot, ext = text.rpartition(".")
        if not dot or len(ext.encode("utf-8")) > 20:
            stem, dot, ext = text, "", ""
        room = MAX_FILENAME_BYTES - len((dot + ext).encode("utf-8"))
        stem = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip(" .")
        text = (stem or fallback) + dot + ext
    return text


def _attachment_row(session: Session, att: Attachment) -> AttachmentRow:
    user = session.get(AppUser, att.created_by_id) if att.created_by_id else None
    assert att.customer_id is not None
    return AttachmentRow(
        id=att.id,
        customer_id=att.customer_id,
        filename=att.filename,
        mime=att.mime,
        size=att.size,
        sha256=att.sha256,
        created_at=att.created_at,
        created_by=user.display_name if user else None,
    )


def add_attachment(
    session: Session,
    customer_id: int,
    filename: str,
    data: bytes,
    actor: Actor,
    *,
    mime: str | None = None,
) -> AttachmentRow:
    """Store a file on a customer file (in the database, so it stays with the company)."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"The file is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB",
            {"data": "too large"},
        )
    customer = load_for_write(session, customer_id, actor)
    _require_editable(customer, actor)
    safe = sanitize_filename(filename)
    if mime is None:
        import mimetypes

        mime = mimetypes.guess_type(safe)[0]
    att = Attachment(
        customer_id=customer.id,
        filename=safe,
        mime=(mime or "application/octet-stream")[:200],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        created_at=utcnow(),
        created_by_id=actor.id,
    )
    session.add(att)
    session.flush()
    audit.record(
        session,
        actor,
        "customer.attachment_add",
        "customer",
        customer.id,
        {"changes": {"attachment": [None, safe]}, "attachment_id": att.id, "size": att.size},
    )
    return _attachment_row(session, att)


def list_attachments(session: Session, customer_id: int, actor: Actor) -> list[AttachmentRow]:
    _load_visible(session, customer_id, actor)
    atts = session.scalars(
        select(Attachment)
        .where(Attachment.customer_id == customer_id, Attachment.deleted_at.is_(None))
        .order_by(Attachment.created_at.desc(), Attachment.id.desc())
        # The bytes stay in the database until someone opens the file.
        .options(_defer_data())
    )
    return [_attachment_row(session, a) for a in atts]


def _defer_data() -> Any:
    from sqlalchemy.orm import defer

    return defer(Attachment.data)


def _load_attachment(session: Session, attachment_id: int) -> Attachment:
    att = session.get(Attachment, attachment_id, options=[_defer_data()])
    if att is None or att.deleted_at is not None or att.customer_id is None:
        raise NotFound(f"No attachment with id {attachment_id}")
    return att


def get_attachment_data(session: Session, attachment_id: int, actor: Actor) -> AttachmentDataResult:
    att = _load_attachment(session, attachment_id)
    assert att.customer_id is not None
    _load_visible(session, att.customer_id, actor)
    return AttachmentDataResult(filename=att.filename, mime=att.mime, data=att.data)


def delete_attachment(session: Session, attachment_id: int, actor: Actor) -> None:
    att = _load_attachment(session, attachment_id)
    assert att.customer_id is not None
    customer = load_for_write(session, att.customer_id, actor)
    _require_editable(customer, actor)
    att.deleted_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "customer.attachment_delete",
        "customer",
        customer.id,
        {"changes": {"attachment": [att.filename, None]}, "attachment_id": att.id},
    )
