"""Customer import (DESIGN §9): rows of a CSV/XLSX/vCard source become customers and contacts
in ONE transaction, with duplicate handling, per-row problems and undo of a whole batch.

Work happens in three passes: read and normalize every row, grouping the rows of one customer
(same normalized name) and finding duplicates inside the file; look up duplicates in the
database in chunks against indexed columns; write. Inserts go through the driver in chunks
(SQLite executemany; PostgreSQL ``INSERT … SELECT FROM unnest(arrays)``, which works under
row-level security where COPY does not), with ids taken up front (SQLite: max(id) under the
write lock every writer holds; PostgreSQL: the sequence).
"""

from __future__ import annotations

import csv
import queue
import re
import threading
import time
import uuid as uuid_mod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Date, Table, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from crm_desktop.core.errors import NotFound, PermissionDenied, UserError, ValidationError
from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.core.text import fold, name_key
from crm_desktop.db.models import (
    CUSTOMER_SOURCES,
    AppUser,
    Attachment,
    Base,
    Contact,
    Customer,
    EmailMessage,
    Followup,
    Grade,
    ImportBatch,
    ImportChange,
    OwnershipChange,
    Region,
)
from crm_desktop.db.search_sql import KEYS_TABLE, TEXT_TABLE
from crm_desktop.db.types import UTCDateTime, utcnow
from crm_desktop.importers.source import ReaderProblem, SourceRow, TableSource
from crm_desktop.services import audit
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import (
    _EMAIL_RE,
    CONTACT_FIELDS,
    CUSTOMER_FIELDS,
    MIN_PHONE_KEY_DIGITS,
    _check_owner_assignment,
    _searchable_phone,
    can_edit,
    can_see,
    normalize_phone,
    normalize_tags,
    phone_key,
)
from crm_desktop.services.dto import json_safe
from crm_desktop.services.search_keys import customer_search_columns

OnDuplicate = Literal["skip", "update_empty", "update", "create"]
ValueKind = Literal["grade", "region", "owner"]
VALUE_KINDS: tuple[ValueKind, ...] = ("grade", "region", "owner")
PLAN_PROBLEMS = 1_000  # ImportPlan keeps the first problems only
LOOKUP_CHUNK = 500  # keys per duplicate lookup
WRITE_CHUNK = 2_000  # rows per insert statement
BATCH_KIND = "customers"

# Customer fields an import may set (owner only on a new customer: an import never moves an
# existing customer to somebody else).
_CUSTOMER_TEXT = ("industry", "website", "address", "notes")
_UPDATABLE = tuple(f for f in CUSTOMER_FIELDS if f not in ("name", "owner_id", "locked"))
_CONTACT_UPDATABLE = tuple(f for f in CONTACT_FIELDS if f not in ("name", "is_primary"))
_SEARCH_COLUMNS = (
    "name_norm",
    "name_pinyin",
    "name_initials",
    "phone_digits",
    "email_norm",
    "search_text",
    "search_keys",
)
_LIMITS = {
    "name": 300,
    "industry": 100,
    "phone": 50,
    "mobile": 50,
    "email": 320,
    "website": 300,
    "address": 500,
    "tags": 500,
    "title": 200,
    "department": 200,
    "wechat": 100,
    "contact.name": 200,
}
_KINDS = {
    "company": "company",
    "公司": "company",
    "企业": "company",
    "单位": "company",
    "企业客户": "company",
    "business": "company",
    "organization": "company",
    "individual": "individual",
    "person": "individual",
    "personal": "individual",
    "个人": "individual",
    "个人客户": "individual",
}
_STATUSES = {
    "prospect": "prospect",
    "潜在": "prospect",
    "潜在客户": "prospect",
    "意向": "prospect",
    "意向客户": "prospect",
    "active": "active",
    "活跃": "active",
    "成交": "active",
    "已成交": "active",
    "合作中": "active",
    "正式客户": "active",
    "dormant": "dormant",
    "休眠": "dormant",
    "沉睡": "dormant",
    "lost": "lost",
    "流失": "lost",
    "已流失": "lost",
    "丢失": "lost",
}
_SOURCES = {
    **{s: s for s in CUSTOMER_SOURCES},
    "email campaign": "email_campaign",
    "拜访": "visit",
    "上门拜访": "visit",
    "陌拜": "visit",
    "展会": "exhibition",
    "会展": "exhibition",
    "邮件": "email_campaign",
    "邮件营销": "email_campaign",
    "网站": "website",
    "官网": "website",
    "网络": "website",
    "电话": "phone",
    "电话营销": "phone",
    "来电": "phone",
    "转介绍": "referral",
    "介绍": "referral",
    "推荐": "referral",
    "客户介绍": "referral",
    "其他": "other",
    "其它": "other",
}
_TAG_SEPARATORS = re.compile(r"[;；、，|]")
_REGION_SUFFIX = re.compile(r"(?:省|市|自治区|特别行政区|地区|区|县)$")
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_GRADE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,19}$")

# =========================================================================== DTOs


@dataclass(frozen=True)
class ValueChoice:
    """How one unknown grade/region/owner text is resolved."""

    text: str
    count: int
    target_id: int | None  # existing id chosen (None = leave empty / pool for owner)
    create: bool = False  # create a grade/region with this text (admins; regions top level)


@dataclass(frozen=True)
class RowProblem:
    row: int
    reason: str  # English (CLI, problems CSV); the UI translates ``code`` with ``args``
    code: str = "source"
    args: tuple[tuple[str, str], ...] = ()


# Each problem an import reports: code → English text (str.format with the problem's args).
# The wizard holds the same texts through tr() (ui/import_wizard.py PROBLEM_TEXTS).
PROBLEM_TEXTS: dict[str, str] = {
    "source": "{text}",
    "no_name": "no customer name; row skipped",
    "name_too_long": "customer name longer than {limit} characters",
    "name_no_letters": "customer name '{name}' has no letters",
    "bad_phone": "{field} '{value}' is not a valid phone number; kept as written",
    "bad_birthday": "birthday '{value}' is not a date; left empty",
    "unknown_kind": "kind '{value}' is unknown; company assumed",
    "unknown_status": "status '{value}' is unknown; prospect assumed",
    "unknown_source": "source '{value}' is unknown; 'other' assumed",
    "cut": "{field} longer than {limit} characters; cut",
    "bad_email": "email '{value}' does not look like an address; kept as written",
    "contact_without_name": "contact details without a contact name were not imported",
    "duplicate_row_same": "duplicate of row {other} (same {why}); skipped",
    "duplicate_row": "duplicate of row {other}; skipped",
    "unknown_owner": "owner '{value}' is not a user; default owner used",
    "unknown_grade": "grade '{value}' is unknown; left empty",
    "unknown_region": "region '{value}' is unknown; left empty",
    "owner_refused_me": "you may not give a customer to {name}; assigned to you",
    "owner_refused_pool": "you may not give a customer to {name}; put in the public pool",
    "nothing_new": "nothing new for customer #{id} {name}",
    "similar_hidden": "a similar customer exists (owner {owner}); skipped",
    "similar_in_pool": "a similar customer exists (owner the public pool); skipped",
    "duplicate_customer": "duplicate of customer #{id} {name} (same {why})",
    "pool_claim_first": (
        "customer #{id} {name} is in the public pool: claim it to update it; skipped"
    ),
    "not_yours": "you may not change customer #{id} {name}; skipped",
}

_Note = tuple[str, dict[str, str]]  # (code, args) of a problem found before its row is known


def _problem(row: int, code: str, **args: object) -> RowProblem:
    text_args = {k: str(v) for k, v in args.items()}
    return RowProblem(row, PROBLEM_TEXTS[code].format(**text_args), code, tuple(text_args.items()))


@dataclass(frozen=True)
class ImportPlan:
    """What ``analyse`` found; the wizard shows it and lets the user decide."""

    source_rows: int
    unknown: Mapping[str, tuple[ValueChoice, ...]]  # "grade" | "region" | "owner"
    duplicates_in_file: int
    duplicates_in_db: int
    problems: tuple[RowProblem, ...]  # the first 1,000 rows that cannot be imported


@dataclass(frozen=True)
class ImportOptions:
    mapping: Mapping[int, str]  # column → field (importers.mapping.FIELDS)
    on_duplicate: OnDuplicate = "skip"
    values: Mapping[str, Mapping[str, ValueChoice]] = field(default_factory=dict)
    default_owner: Literal["me", "pool"] = "me"  # rows without an owner column/value
    dry_run: bool = False


@dataclass(frozen=True)
class ImportResult:
    encoding: str | None
    rows: int
    created: int
    updated: int
    skipped: int
    problems: tuple[RowProblem, ...]
    batch_id: int | None
    elapsed_ms: int
    dry_run: bool

    def to_json(self) -> dict[str, Any]:
        """The command line's JSON object (issue 8)."""
        return {
            "encoding": self.encoding,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "problems": [{"row": p.row, "reason": p.reason} for p in self.problems],
            "batch_id": self.batch_id,
            "elapsed_ms": self.elapsed_ms,
            "dry_run": self.dry_run,
        }


@dataclass(frozen=True)
class UndoResult:
    removed: int  # customers and contacts deleted for good
    restored: int  # customers and contacts given their earlier values back
    kept: tuple[str, ...]  # what stayed, and why (moved to the recycle bin, edited since …)


@dataclass(frozen=True)
class BatchRow:
    id: int
    at: datetime
    file: str | None
    user: str | None
    counts: Mapping[str, Any]
    status: str


# =========================================================================== rows


@dataclass(slots=True)
class _Contact:
    row: int
    values: dict[str, Any]
    keys: tuple[str, ...]


@dataclass(slots=True)
class _Match:
    customer_id: int
    why: str
    visible: bool
    editable: bool
    owner_name: str | None
    name: str


@dataclass(slots=True)
class _Group:
    """The rows of one customer in the file (same normalized name)."""

    row: int
    key: str
    values: dict[str, Any]
    contacts: list[_Contact] = field(default_factory=list)
    contact_keys: dict[str, int] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)
    phone_key: str = ""
    email: str = ""
    match: _Match | None = None


@dataclass
class _Read:
    """The outcome of reading the source."""

    rows: int = 0
    groups: list[_Group] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    skipped_rows: set[int] = field(default_factory=set)
    duplicates_in_file: int = 0
    texts: dict[str, dict[str, int]] = field(default_factory=lambda: {k: {} for k in VALUE_KINDS})


def _cell(value: Any) -> str | None:
    """A cell as clean text: numbers typed into a sheet lose their ".0", dates are ISO."""
    if value is None:
        return None
    if isinstance(value, float):
        value = int(value) if value.is_integer() else value
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    out = value.isoformat() if isinstance(value, date) else str(value)
    out = out.strip()
    return out or None


class _Normalizer:
    """Per-row field normalization, with caches for values that repeat."""

    def __init__(self, mapping: Mapping[int, str], width: int) -> None:
        self.columns = [(i, f) for i, f in sorted(mapping.items()) if 0 <= i < width]
        self.phones: dict[str, tuple[str | None, bool]] = {}

    def phone(self, raw: str, label: str, notes: list[_Note]) -> str | None:
        try:
            stored, bad = self.phones[raw]
        except KeyError:
            try:
                stored, bad = normalize_phone(raw) or "", False
            except ValueError:
                stored, bad = raw[: _LIMITS["phone"]], True
            if len(self.phones) < 100_000:
                self.phones[raw] = (stored, bad)
        if bad:
            notes.append(("bad_phone", {"field": label, "value": raw}))
        return stored

    def row(
        self, source: SourceRow
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str], list[_Note]]:
        """(customer values, contact values, grade/region/owner texts, notes)."""
        customer: dict[str, Any] = {}
        contact: dict[str, Any] = {}
        texts: dict[str, str] = {}
        notes: list[_Note] = []
        values = source.values
        for index, target in self.columns:
            if index >= len(values):
                continue
            raw = values[index]
            if raw is None:
                continue
            if target == "contact.birthday":
                day = _birthday(raw)
                if day is None and _cell(raw):
                    notes.append(("bad_birthday", {"value": str(_cell(raw))}))
                elif day is not None:
                    contact["birthday"] = day
                continue
            value = _cell(raw)
            if value is None:
                continue
            entity, _dot, name = target.partition(".")
            if entity == "customer":
                if name in ("grade", "region", "owner"):
                    texts[name] = value
                elif name == "kind":
                    kind = _KINDS.get(fold(value))
                    if kind is None:
                        notes.append(("unknown_kind", {"value": value}))
                    else:
                        customer["kind"] = kind
                elif name == "status":
                    status = _STATUSES.get(fold(value))
                    if status is None:
                        notes.append(("unknown_status", {"value": value}))
                    else:
                        customer["status"] = status
                elif name == "source":
                    src = _SOURCES.get(fold(value))
                    if src is None:
                        notes.append(("unknown_source", {"value": value}))
                        src = "other"
                    customer["source"] = src
                elif name == "phone":
                    customer["phone"] = self.phone(value, "phone", notes)
                elif name == "email":
                    customer["email"] = _email(value, notes)
                elif name == "tags":
                    customer["tags"] = normalize_tags(_TAG_SEPARATORS.sub(",", value))
                elif name == "name":
                    customer["name"] = value
                else:
                    customer[name] = value
            elif entity == "contact":
                if name in ("phone", "mobile"):
                    contact[name] = self.phone(value, name, notes)
                elif name == "email":
                    contact["email"] = _email(value, notes)
                else:
                    contact[name] = value
        for values_, entity in ((customer, "customer"), (contact, "contact")):
            for key, value in list(values_.items()):
                if key == "name" and entity == "customer":
                    continue  # a name too long is refused by the caller
                limit = _LIMITS.get(
                    "contact.name" if entity == "contact" and key == "name" else key
                )
                if limit and isinstance(value, str) and len(value) > limit:
                    notes.append(("cut", {"field": f"{entity}.{key}", "limit": str(limit)}))
                    values_[key] = value[:limit]
        return customer, contact, texts, notes


def _email(value: str, notes: list[_Note]) -> str:
    if not _EMAIL_RE.match(value):
        notes.append(("bad_email", {"value": value}))
    return value[: _LIMITS["email"]]


def _birthday(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text_value = _cell(value)
    if not text_value:
        return None
    found = _DATE_RE.match(text_value)
    if found is None:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


def _contact_keys(values: Mapping[str, Any]) -> tuple[str, ...]:
    keys: list[str] = []
    if values.get("name"):
        keys.append("n:" + fold(str(values["name"])))
    for name in ("mobile", "phone"):
        pkey = phone_key(str(values[name])) if values.get(name) else ""
        if len(pkey) >= MIN_PHONE_KEY_DIGITS:
            keys.append("p:" + pkey)
    if values.get("email"):
        keys.append("e:" + fold(str(values["email"])))
    return tuple(keys)


def _main_phone(customer: Mapping[str, Any], contact: Mapping[str, Any]) -> str:
    for value in (customer.get("phone"), contact.get("mobile"), contact.get("phone")):
        if value:
            pkey = phone_key(str(value))
            if len(pkey) >= MIN_PHONE_KEY_DIGITS:
                return pkey
    return ""


def _read(
    source: TableSource,
    mapping: Mapping[int, str],
    on_duplicate: OnDuplicate,
    progress: Progress,
) -> _Read:
    """Pass 1: every row normalized and grouped; duplicates inside the file found."""
    if "customer.name" not in mapping.values():
        raise ValidationError(
            "Choose the column that holds the customer name", {"mapping": "customer.name"}
        )
    out = _Read()
    normalizer = _Normalizer(mapping, len(source.headers))
    by_name: dict[str, _Group] = {}
    by_phone: dict[str, _Group] = {}
    by_email: dict[str, _Group] = {}
    total = source.count_hint()
    for item in source.rows():
        out.rows += 1
        if out.rows % 1000 == 0:
            progress.check_cancelled()
            progress.report(out.rows, total, "reading")
        row = item.row
        if item.problem is not None:
            problem = item.problem
            if isinstance(problem, ReaderProblem):
                code, params = "reader." + problem.code, problem.params
                out.problems.append(RowProblem(row, str(problem), code, params))
            else:
                out.problems.append(_problem(row, "source", text=problem))
            out.skipped_rows.add(row)
            continue
        customer, contact, texts, notes = normalizer.row(item)
        name = customer.get("name")
        if not name:
            out.problems.append(_problem(row, "no_name"))
            out.skipped_rows.add(row)
            continue
        if len(name) > _LIMITS["name"]:
            out.problems.append(_problem(row, "name_too_long", limit=_LIMITS["name"]))
            out.skipped_rows.add(row)
            continue
        key = name_key(name)
        if not key:
            out.problems.append(_problem(row, "name_no_letters", name=name))
            out.skipped_rows.add(row)
            continue
        if contact and not contact.get("name"):
            # Details without a person: they belong to the customer when its own are empty.
            for src, dst in (("mobile", "phone"), ("phone", "phone"), ("email", "email")):
                if contact.get(src) and not customer.get(dst):
                    customer[dst] = contact.pop(src)
            if any(v for v in contact.values()):
                notes.append(("contact_without_name", {}))
            contact = {}
        for code, args in notes:
            out.problems.append(_problem(row, code, **args))
        group = by_name.get(key)
        if group is None:
            pkey = _main_phone(customer, contact)
            email = fold(str(customer.get("email") or contact.get("email") or ""))
            other = by_phone.get(pkey) if pkey else None
            why = "phone"
            if other is None and email:
                other, why = by_email.get(email), "email"
            if other is not None and on_duplicate != "create":
                out.duplicates_in_file += 1
                if on_duplicate == "skip":
                    out.problems.append(
                        _problem(row, "duplicate_row_same", other=other.row, why=why)
                    )
                    out.skipped_rows.add(row)
                    continue
                group = other  # update: the same customer under another name
            else:
                group = _Group(row=row, key=key, values=customer, phone_key=pkey, email=email)
                by_name[key] = group
                if pkey:
                    by_phone.setdefault(pkey, group)
                if email:
                    by_email.setdefault(email, group)
                out.groups.append(group)
                for kind, value in texts.items():
                    group.values["_" + kind] = value
                    counts = out.texts[kind]
                    counts[value] = counts.get(value, 0) + 1
                customer = {}
        # Later rows of a known customer: fill what is still empty, add their contact.
        for name_, value in customer.items():
            if group.values.get(name_) in (None, ""):
                group.values[name_] = value
        for kind, value in texts.items():
            group.values.setdefault("_" + kind, value)
        if contact:
            keys = _contact_keys(contact)
            seen = next((group.contact_keys[k] for k in keys if k in group.contact_keys), None)
            if seen is not None:
                out.duplicates_in_file += 1
                out.problems.append(_problem(row, "duplicate_row", other=seen))
                out.skipped_rows.add(row)
                continue
            for k in keys:
                group.contact_keys[k] = row
            group.contacts.append(_Contact(row, contact, keys))
            group.rows.append(row)
        elif row != group.row:
            out.duplicates_in_file += 1
            out.problems.append(_problem(row, "duplicate_row", other=group.row))
            out.skipped_rows.add(row)
        else:
            group.rows.append(row)
    progress.report(out.rows, out.rows, "reading")
    return out


# =========================================================================== values


@dataclass
class _Lookup:
    """grade/region/owner text → id, from the database and the user's choices."""

    grades: dict[str, int] = field(default_factory=dict)
    regions: dict[str, int] = field(default_factory=dict)
    owners: dict[str, int] = field(default_factory=dict)
    users: dict[int, tuple[str, int | None]] = field(default_factory=dict)  # id → name, branch

    def find(self, kind: str, value: str) -> int | None:
        folded = fold(value)
        if kind == "grade":
            return self.grades.get(folded)
        if kind == "owner":
            return self.owners.get(folded)
        found = self.regions.get(folded)
        if found is None:
            last = folded.replace("／", "/").split("/")[-1].strip()
            found = self.regions.get(last) or self.regions.get(_REGION_SUFFIX.sub("", last))
        return found


def _load_lookup(session: Session) -> _Lookup:
    lookup = _Lookup()
    for gid, code, name in session.execute(
        select(Grade.id, Grade.code, Grade.name)
        .where(Grade.deleted_at.is_(None))
        .order_by(Grade.sort.desc(), Grade.id.desc())
    ):
        lookup.grades[fold(name)] = gid
        lookup.grades[fold(code)] = gid
    for rid, code, name in session.execute(
        select(Region.id, Region.code, Region.name)
        .where(Region.deleted_at.is_(None))
        .order_by(Region.id.desc())
    ):
        # Lowest id wins (listed last): the first region of that name.
        lookup.regions[fold(code)] = rid
        lookup.regions[fold(name)] = rid
        short = _REGION_SUFFIX.sub("", fold(name))
        if short:
            lookup.regions.setdefault(short, rid)
    for uid, login, display, branch, active in session.execute(
        select(AppUser.id, AppUser.login, AppUser.display_name, AppUser.branch_id, AppUser.active)
    ):
        lookup.users[uid] = (display, branch)
        if active:
            lookup.owners[fold(display)] = uid
            lookup.owners[fold(login)] = uid
    return lookup


def _unknown(read: _Read, lookup: _Lookup) -> dict[str, tuple[ValueChoice, ...]]:
    out: dict[str, tuple[ValueChoice, ...]] = {}
    for kind in VALUE_KINDS:
        missing = [
            ValueChoice(text=value, count=count, target_id=None)
            for value, count in read.texts[kind].items()
            if lookup.find(kind, value) is None
        ]
        if missing:
            out[kind] = tuple(sorted(missing, key=lambda c: (-c.count, c.text)))
    return out


def _apply_choices(
    session: Session,
    lookup: _Lookup,
    choices: Mapping[str, Mapping[str, ValueChoice]],
    actor: Actor,
    *,
    dry_run: bool,
) -> dict[tuple[str, str], int | None]:
    """The user's decisions for unknown values: (kind, text) → id (None = empty / pool).
    Grades and regions are created here when asked (administrators only)."""
    from crm_desktop.services.config import add_region, create_grade

    decided: dict[tuple[str, str], int | None] = {}
    for kind, by_text in choices.items():
        if kind not in VALUE_KINDS:
            raise ValidationError(f"Unknown kind of value: {kind}")
        for value, choice in by_text.items():
            target = choice.target_id
            if choice.create:
                if kind == "owner":
                    raise ValidationError("Users are not created by an import; choose one")
                if not actor.is_admin:
                    raise PermissionDenied("Only an administrator may create grades and regions")
                if dry_run:
                    target = None
                elif kind == "grade":
                    target = create_grade(
                        session, code=_grade_code(session, value), name=value[:200], actor=actor
                    ).id
                else:
                    target = add_region(session, name=value[:200], actor=actor).id
            decided[(kind, value)] = target
    return decided


def _grade_code(session: Session, value: str) -> str:
    taken = {c.upper() for c in session.scalars(select(Grade.code))}
    candidate = value.strip().upper()
    if _GRADE_CODE.match(candidate) and candidate not in taken:
        return candidate
    n = 1
    while f"IMP{n}" in taken:
        n += 1
    return f"IMP{n}"


# =========================================================================== duplicates in DB


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _find_in_db(
    session: Session, groups: Sequence[_Group], actor: Actor, progress: Progress
) -> int:
    """Pass 2: each group's existing customer (name, then main phone, then email), in chunks
    against the indexed columns. Returns how many groups matched."""
    # deleted_at is read and checked here, not in SQL: without statistics SQLite would read
    # "deleted_at IS NULL" from a list index (every live customer) instead of the key's index.
    found: dict[str, dict[str, tuple[int, int | None, int | None, str]]] = {
        "name": {},
        "phone": {},
        "email": {},
    }
    columns = (Customer.owner_id, Customer.branch_id, Customer.name, Customer.deleted_at)
    names = sorted({g.key for g in groups})
    for i, chunk in enumerate(_chunks(names, LOOKUP_CHUNK)):
        progress.check_cancelled()
        progress.report(i * LOOKUP_CHUNK, len(names), "checking duplicates")
        for cid, key, owner, branch, cname, gone in session.execute(
            select(Customer.id, Customer.name_norm, *columns)
            .where(Customer.name_norm.in_(chunk))
            .order_by(Customer.id.desc())
        ):
            if gone is None:
                found["name"][key] = (cid, owner, branch, cname)
    emails = sorted({g.email for g in groups if g.email})
    for chunk in _chunks(emails, LOOKUP_CHUNK):
        progress.check_cancelled()
        for cid, mail, owner, branch, cname, gone in session.execute(
            select(Customer.id, Customer.email_norm, *columns)
            .where(Customer.email_norm.in_(chunk))
            .order_by(Customer.id.desc())
        ):
            if gone is None:
                found["email"][mail] = (cid, owner, branch, cname)
        for cid, mail, owner, branch, cname, gone, contact_gone in session.execute(
            select(Customer.id, Contact.email_norm, *columns, Contact.deleted_at)
            .join(Customer, Customer.id == Contact.customer_id)
            .where(Contact.email_norm.in_(chunk))
            .order_by(Customer.id.desc())
        ):
            if gone is None and contact_gone is None:
                found["email"].setdefault(mail, (cid, owner, branch, cname))
    phones = sorted({g.phone_key for g in groups if g.phone_key})
    sqlite = session.get_bind().dialect.name == "sqlite"
    for chunk in _chunks(phones, LOOKUP_CHUNK // 5):
        progress.check_cancelled()
        lows = [prefix + key for prefix in ("", "0", "86", "0086", "860") for key in chunk]
        # "key" alone or followed by the customer's other numbers: one index range per variant
        # ('!' sorts right after the space that separates numbers).
        select_list = "c.id, c.phone_digits, c.owner_id, c.branch_id, c.name, c.deleted_at"
        if sqlite:
            values = ", ".join("(?, ?)" for _ in lows)
            sql = (
                f"WITH k(lo, hi) AS (VALUES {values}) SELECT {select_list} FROM k "
                "JOIN customer c INDEXED BY ix_customer_phone_digits "
                "ON c.phone_digits >= k.lo AND c.phone_digits < k.hi"
            )
            params: Any = tuple(x for lo in lows for x in (lo, lo + "!"))
            rows = session.connection().exec_driver_sql(sql, params).all()
        else:
            rows = session.execute(
                # One index range per key (LATERAL + OFFSET 0: the planner cannot turn it
                # into a scan of the whole table), in byte order whatever the database's collation
                # (search_customer_phone_digits_c, migration 0008).
                text(
                    f"SELECT {select_list} "
                    "FROM unnest(CAST(:lo AS text[]), CAST(:hi AS text[])) AS k(lo, hi) "
                    "CROSS JOIN LATERAL (SELECT * FROM customer c0 "
                    'WHERE (c0.phone_digits COLLATE "C") >= k.lo '
                    # OFFSET 0: kept as a subquery per key (not pulled up into a join).
                    'AND (c0.phone_digits COLLATE "C") < k.hi OFFSET 0) AS c'
                ),
                {"lo": lows, "hi": [lo + "!" for lo in lows]},
            ).all()
        for cid, pd, owner, branch, cname, gone in sorted(rows, key=lambda r: -int(r[0])):
            if gone is None:
                key = phone_key((pd or "").split(" ", 1)[0])
                found["phone"][key] = (cid, owner, branch, cname)
    owner_names: dict[int, str] = {
        uid: name for uid, name in session.execute(select(AppUser.id, AppUser.display_name))
    }
    matched = 0
    for group in groups:
        for why, key in (("name", group.key), ("phone", group.phone_key), ("email", group.email)):
            hit = found[why].get(key) if key else None
            if hit is not None:
                cid, owner, branch, cname = hit
                group.match = _Match(
                    customer_id=cid,
                    why=why,
                    visible=can_see(actor, owner, branch),
                    editable=can_edit(actor, owner, branch),
                    owner_name=owner_names.get(owner) if owner is not None else None,
                    name=cname,
                )
                matched += 1
                break
    return matched


# =========================================================================== analyse


def analyse(
    session: Session,
    source: TableSource,
    mapping: Mapping[int, str],
    actor: Actor,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read the whole source with ``mapping``: unknown grade/region/owner values, duplicates
    in the file and in the database, and the rows that cannot be imported. Writes nothing."""
    progress = progress or NullProgress()
    read = _read(source, mapping, "skip", progress)
    lookup = _load_lookup(session)
    in_db = _find_in_db(session, read.groups, actor, progress)
    return ImportPlan(
        source_rows=read.rows,
        unknown=_unknown(read, lookup),
        duplicates_in_file=read.duplicates_in_file,
        duplicates_in_db=in_db,
        problems=tuple(read.problems[:PLAN_PROBLEMS]),
    )


# =========================================================================== writing


def _stamp(value: datetime, sqlite: bool) -> Any:
    if not sqlite:
        return value
    # SQLAlchemy's SQLite DATETIME text, as the ORM writes it (see services/demo.py).
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


_PG_TYPES = {
    "id": "int",
    "grade_id": "int",
    "region_id": "int",
    "branch_id": "int",
    "owner_id": "int",
    "created_by_id": "int",
    "customer_id": "int",
    "import_batch_id": "int",
    "version": "int",
    "from_user_id": "int",
    "to_user_id": "int",
    "by_id": "int",
    "locked": "boolean",
    "is_primary": "boolean",
    "pool_since": "timestamptz",
    "owner_since": "timestamptz",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "at": "timestamptz",
    "birthday": "date",
}


def _insert(
    session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Many rows through the driver: SQLite executemany; PostgreSQL one ``INSERT … SELECT
    FROM unnest(…)`` (COPY is refused under row-level security)."""
    if not rows:
        return
    conn = session.connection()
    names = ", ".join(columns)
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        marks = ", ".join("?" * len(columns))
        dbapi.cursor().executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        return
    arrays = ", ".join(f"%s::{_PG_TYPES.get(c, 'text')}[]" for c in columns)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})",
            [list(col) for col in zip(*rows, strict=True)],
        )
    finally:
        cursor.close()


def _take_ids(session: Session, table: str, n: int) -> list[int]:
    """``n`` fresh ids for ``table``: SQLite max(id) + 1 … (every writer holds the write lock,
    BEGIN IMMEDIATE); PostgreSQL from the id sequence."""
    if n == 0:
        return []
    if session.get_bind().dialect.name == "sqlite":
        tbl: Table = Base.metadata.tables[table]
        first = int(session.scalar(select(func.coalesce(func.max(tbl.c.id), 0))) or 0) + 1
        return list(range(first, first + n))
    rows = session.execute(
        text(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"
        ),
        {"n": n},
    ).scalars()
    return [int(r) for r in rows]


_CUSTOMER_INSERT = (
    "id",
    "uuid",
    "name",
    "kind",
    "grade_id",
    "region_id",
    "branch_id",
    "owner_id",
    "created_by_id",
    "status",
    "industry",
    "source",
    "phone",
    "email",
    "website",
    "address",
    "tags",
    "notes",
    "pool_since",
    "owner_since",
    "locked",
    "import_batch_id",
    "version",
    "created_at",
    "updated_at",
    *_SEARCH_COLUMNS,
)
_CONTACT_INSERT = (
    "id",
    "uuid",
    "customer_id",
    "name",
    "title",
    "department",
    "phone",
    "mobile",
    "email",
    "email_norm",
    "wechat",
    "birthday",
    "notes",
    "is_primary",
    "import_batch_id",
    "version",
    "created_at",
    "updated_at",
)
_OWNERSHIP_INSERT = ("customer_id", "from_user_id", "to_user_id", "reason", "at", "by_id")


def _search_of(values: Mapping[str, Any], contacts: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    people = list(contacts)
    return customer_search_columns(
        str(values["name"]),
        phones=[
            _searchable_phone(values.get("phone")),
            *(_searchable_phone(c.get(p)) for c in people for p in ("phone", "mobile")),
        ],
        emails=[values.get("email"), *(c.get("email") for c in people)],
        address=values.get("address"),
        contact_names=[str(c["name"]) for c in people if c.get("name")],
    )


@dataclass
class _Counts:
    created: int = 0
    updated: int = 0
    customers: int = 0
    contacts: int = 0
    updated_customers: int = 0
    updated_contacts: int = 0
    outcome: dict[int, str] = field(default_factory=dict)  # row → created | updated


@dataclass
class _Prepared:
    groups: Sequence[_Group]
    customers: list[tuple[Any, ...]]
    contacts: list[tuple[Any, ...]]
    ownership: list[tuple[Any, ...]]


class _Writer:
    def __init__(
        self,
        session: Session,
        actor: Actor,
        batch_id: int | None,
        lookup: _Lookup,
        decided: Mapping[tuple[str, str], int | None],
        options: ImportOptions,
        problems: list[RowProblem],
    ) -> None:
        self.session = session
        self.actor = actor
        self.batch_id = batch_id
        self.lookup = lookup
        self.decided = decided
        self.options = options
        self.problems = problems
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self.now = utcnow()
        self.stamp = _stamp(self.now, self.sqlite)
        self.counts = _Counts()
        self.default_owner = actor.id if options.default_owner == "me" else None
        self.owner_ok: dict[int | None, bool] = {}
        self.changes: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ values

    def _resolve(self, group: _Group, kind: str) -> tuple[bool, int | None]:
        """(given, id) for the group's grade/region/owner text; notes problems."""
        value = group.values.get("_" + kind)
        if not value:
            return False, None
        found = self.lookup.find(kind, value)
        if found is not None:
            return True, found
        if (kind, value) in self.decided:
            return True, self.decided[(kind, value)]
        if kind == "owner":
            self.problems.append(_problem(group.row, "unknown_owner", value=value))
            return False, None
        self.problems.append(_problem(group.row, f"unknown_{kind}", value=value))
        return True, None

    def _owner(self, group: _Group) -> int | None:
        given, owner = self._resolve(group, "owner")
        if not given:
            owner = self.default_owner
        ok = self.owner_ok.get(owner)
        if ok is None:
            user = self.session.get(AppUser, owner) if owner is not None else None
            try:
                _check_owner_assignment(self.actor, user, old_owner_id=self.actor.id)
                ok = True
            except PermissionDenied:
                ok = False
            self.owner_ok[owner] = ok
        if not ok:
            name = self.lookup.users.get(owner or 0, ("?", None))[0]
            fallback = self.default_owner if self.owner_ok.get(self.default_owner, True) else None
            code = "owner_refused_me" if fallback is not None else "owner_refused_pool"
            self.problems.append(_problem(group.row, code, name=name))
            owner = fallback
        return owner

    def _profile(self, group: _Group) -> dict[str, Any]:
        values = {k: v for k, v in group.values.items() if not k.startswith("_")}
        for kind in ("grade", "region"):
            given, found = self._resolve(group, kind)
            if given:
                values[f"{kind}_id"] = found
        return values

    # ------------------------------------------------------------------ create

    def owners(self, groups: Sequence[_Group]) -> list[int | None]:
        """Each group's owner (reads users once per owner: before the rows are built)."""
        return [self._owner(group) for group in groups]

    def prepare(
        self,
        groups: Sequence[_Group],
        owners: Sequence[int | None],
        customer_ids: Sequence[int],
        contact_ids: Iterator[int],
    ) -> _Prepared:
        """The rows that create ``groups``: no database access (runs beside the writes)."""
        customers: list[tuple[Any, ...]] = []
        contacts: list[tuple[Any, ...]] = []
        ownership: list[tuple[Any, ...]] = []
        stamp, batch, sqlite = self.stamp, self.batch_id, self.sqlite
        locked: Any = 0 if sqlite else False  # booleans as SQLite stores them
        for group, owner, cid in zip(groups, owners, customer_ids, strict=True):
            values = self._profile(group)
            branch = None
            if owner is not None:
                branch = self.lookup.users.get(owner, ("", None))[1]
            if branch is None:
                branch = self.actor.branch_id
            people = [c.values for c in group.contacts]
            search = _search_of(values, people)
            customers.append(
                (
                    cid,
                    str(uuid_mod.uuid4()),
                    values["name"],
                    values.get("kind", "company"),
                    values.get("grade_id"),
                    values.get("region_id"),
                    branch,
                    owner,
                    self.actor.id,
                    values.get("status", "prospect"),
                    values.get("industry"),
                    values.get("source"),
                    values.get("phone"),
                    values.get("email"),
                    values.get("website"),
                    values.get("address"),
                    values.get("tags"),
                    values.get("notes"),
                    stamp if owner is None else None,
                    stamp if owner is not None else None,
                    locked,
                    batch,
                    1,
                    stamp,
                    stamp,
                    *(search[c] for c in _SEARCH_COLUMNS),
                )
            )
            ownership.append((cid, None, owner, "import", stamp, self.actor.id))
            for n, person in enumerate(group.contacts):
                contacts.append(self._contact_row(next(contact_ids), cid, person.values, n == 0))
        return _Prepared(groups, customers, contacts, ownership)

    def write(self, prepared: _Prepared) -> None:
        _insert(self.session, "customer", _CUSTOMER_INSERT, prepared.customers)
        _insert(self.session, "contact", _CONTACT_INSERT, prepared.contacts)
        _insert(self.session, "ownership_change", _OWNERSHIP_INSERT, prepared.ownership)
        for group in prepared.groups:
            for row in group.rows:
                self.counts.outcome[row] = "created"
        self.counts.customers += len(prepared.customers)
        self.counts.contacts += len(prepared.contacts)

    def create(self, groups: Sequence[_Group], progress: Progress) -> None:
        """Create ``groups`` in chunks: a thread builds the rows of the next chunk (Python:
        search columns, pinyin) while this one writes the last (SQLite and the driver work
        without the GIL), so both cores work."""
        if not groups:
            return
        owners = self.owners(groups)
        customer_ids = _take_ids(self.session, "customer", len(groups))
        contact_ids = iter(_take_ids(self.session, "contact", sum(len(g.contacts) for g in groups)))
        spans = [(i, min(i + WRITE_CHUNK, len(groups))) for i in range(0, len(groups), WRITE_CHUNK)]
        stop = threading.Event()
        ready: queue.Queue[_Prepared | BaseException | None] = queue.Queue(maxsize=2)

        def hand(item: _Prepared | BaseException | None) -> None:
            while not stop.is_set():
                try:
                    ready.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        def build() -> None:
            try:
                for a, b in spans:
                    if stop.is_set():
                        return
                    hand(self.prepare(groups[a:b], owners[a:b], customer_ids[a:b], contact_ids))
                hand(None)
            except BaseException as exc:  # handed to the writing thread, raised there
                hand(exc)

        builder = threading.Thread(target=build, name="import-rows", daemon=True)
        builder.start()
        try:
            with _search_index_in_bulk(self.session) as index:
                done = 0
                while True:
                    item = ready.get()
                    if item is None:
                        break
                    if isinstance(item, BaseException):
                        raise item
                    progress.check_cancelled()
                    progress.report(done, len(groups), "importing")
                    self.write(item)
                    index(item.customers[0][0], item.customers[-1][0])
                    done += len(item.groups)
        finally:
            stop.set()
            builder.join()

    def _contact_row(
        self, contact_id: int, customer_id: int, values: Mapping[str, Any], primary: bool
    ) -> tuple[Any, ...]:
        birthday = values.get("birthday")
        email = values.get("email")
        return (
            contact_id,
            str(uuid_mod.uuid4()),
            customer_id,
            values["name"],
            values.get("title"),
            values.get("department"),
            values.get("phone"),
            values.get("mobile"),
            email,
            fold(email) if email else "",
            values.get("wechat"),
            birthday.isoformat() if (birthday is not None and self.sqlite) else birthday,
            values.get("notes"),
            int(primary) if self.sqlite else primary,
            self.batch_id,
            1,
            self.stamp,
            self.stamp,
        )

    # ------------------------------------------------------------------ update

    def update(self, groups: Sequence[_Group]) -> None:
        """Existing customers: fill empty fields (update_empty) or overwrite them (update),
        update matching contacts the same way, add the others; record what was there."""
        only_empty = self.options.on_duplicate == "update_empty"
        ids = [g.match.customer_id for g in groups if g.match is not None]
        current = {
            c.id: c
            for chunk in _chunks(ids, LOOKUP_CHUNK)
            for c in self.session.scalars(select(Customer).where(Customer.id.in_(chunk)))
        }
        people: dict[int, list[Contact]] = {}
        for chunk in _chunks(ids, LOOKUP_CHUNK):
            for contact in self.session.scalars(
                select(Contact)
                .where(Contact.customer_id.in_(chunk), Contact.deleted_at.is_(None))
                .order_by(Contact.id)
            ):
                people.setdefault(contact.customer_id, []).append(contact)
        for group in groups:
            assert group.match is not None
            customer = current[group.match.customer_id]
            self._update_one(group, customer, people.setdefault(customer.id, []), only_empty)

    def _update_one(
        self, group: _Group, customer: Customer, contacts: list[Contact], only_empty: bool
    ) -> None:
        values = self._profile(group)
        before = {c.key: getattr(customer, c.key) for c in Customer.__table__.columns}
        changes: dict[str, Any] = {}
        for name in _UPDATABLE:
            if name not in values or values[name] in (None, ""):
                continue
            old = before[name]
            if only_empty and old not in (None, ""):
                continue
            if old != values[name]:
                changes[name] = values[name]
        changed_rows: set[int] = set()
        if changes:
            changed_rows.add(group.row)
        live = [_contact_values(c) for c in contacts]
        by_key = {k: c for c in contacts for k in _contact_keys(_contact_values(c))}
        new_contacts: list[tuple[_Contact, int]] = []
        for person in group.contacts:
            existing = next((by_key[k] for k in person.keys if k in by_key), None)
            if existing is None:
                contact_id = _take_ids(self.session, "contact", 1)[0]
                new_contacts.append((person, contact_id))
                live.append(person.values)
                changed_rows.add(person.row)
                continue
            updates = {}
            for name in _CONTACT_UPDATABLE:
                value = person.values.get(name)
                if value in (None, ""):
                    continue
                old = getattr(existing, name)
                if only_empty and old not in (None, ""):
                    continue
                if old != value:
                    updates[name] = value
            if updates:
                self._update_contact(existing, updates)
                live[contacts.index(existing)] = _contact_values(existing)
                changed_rows.add(person.row)
        merged = {**{k: before[k] for k in ("name", "phone", "email", "address")}, **changes}
        search = _search_of(merged, live)
        search_changes = {k: v for k, v in search.items() if before[k] != v}
        if changes or search_changes:
            columns = {**changes, **search_changes}
            if changes:
                columns["version"] = customer.version + 1
                columns["updated_at"] = self.now
            self.session.execute(
                update(Customer)
                .where(Customer.id == customer.id)
                .values(**columns)
                .execution_options(synchronize_session=False)
            )
            self._record("customer", customer.id, before, columns)
            self.counts.updated_customers += 1
        for person, contact_id in new_contacts:
            values_row = self._contact_row(contact_id, customer.id, person.values, not contacts)
            _insert(self.session, "contact", _CONTACT_INSERT, [values_row])
            self.counts.contacts += 1
        for row in group.rows:
            if row in changed_rows:
                self.counts.outcome[row] = "updated"
            else:
                self.problems.append(
                    _problem(row, "nothing_new", id=customer.id, name=customer.name)
                )

    def _update_contact(self, contact: Contact, updates: dict[str, Any]) -> None:
        before = {c.key: getattr(contact, c.key) for c in Contact.__table__.columns}
        columns = dict(updates)
        if "email" in updates:
            columns["email_norm"] = fold(str(updates["email"]))
        columns["version"] = contact.version + 1
        columns["updated_at"] = self.now
        self.session.execute(
            update(Contact)
            .where(Contact.id == contact.id)
            .values(**columns)
            .execution_options(synchronize_session=False)
        )
        for key, value in columns.items():
            contact.__dict__[key] = value
        self._record("contact", contact.id, before, columns)
        self.counts.updated_contacts += 1

    def _record(
        self, entity: str, entity_id: int, before: Mapping[str, Any], after: Mapping[str, Any]
    ) -> None:
        old = {k: json_safe(before[k]) for k in after}
        for k in ("version", "import_batch_id", "updated_at"):
            old.setdefault(k, json_safe(before[k]))
        old["_after"] = {k: json_safe(v) for k, v in after.items()}
        self.changes.append(
            {"batch_id": self.batch_id, "entity": entity, "entity_id": entity_id, "before": old}
        )


def _contact_values(contact: Contact) -> dict[str, Any]:
    return {
        "name": contact.name,
        "phone": contact.phone,
        "mobile": contact.mobile,
        "email": contact.email,
    }


# =========================================================================== run


_IMPORT_CACHE_KIB = -131072  # 128 MiB
_FTS_DEFAULT_AUTOMERGE = 4


@contextmanager
def _search_index_in_bulk(session: Session) -> Iterator[Callable[[int, int], None]]:
    """SQLite: index new customers in the FTS tables with one INSERT … SELECT per table and
    chunk (the yielded ``index(first_id, last_id)``) instead of the row trigger (1,500 → 190 ms
    for 3,000 customers). The trigger is dropped and made again inside this transaction, so a
    rollback or a killed process restores it. PostgreSQL: nothing to do (``index`` is a no-op)."""
    conn = session.connection()
    trigger = "search_customer_ai"
    ddl = None
    if conn.dialect.name == "sqlite":
        ddl = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
        ).scalar()
    if not ddl:
        yield lambda first, last: None
        return
    conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
    # A bigger page cache while the indexes of a large table take thousands of random inserts
    # (the connection's own setting; restored below).
    cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = {_IMPORT_CACHE_KIB}")
    # No incremental merging of index segments during the bulk insert: the new rows become a
    # few level-0 segments that later writes merge as usual (automerge restored below, in this
    # transaction).
    merges: dict[str, int] = {}
    for table in (TEXT_TABLE, KEYS_TABLE):
        merge = conn.exec_driver_sql(f"SELECT v FROM {table}_config WHERE k = 'automerge'").scalar()
        merges[table] = int(merge) if merge is not None else _FTS_DEFAULT_AUTOMERGE
        conn.exec_driver_sql(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")

    def index(first: int, last: int) -> None:
        for table, column in ((TEXT_TABLE, "search_text"), (KEYS_TABLE, "search_keys")):
            conn.exec_driver_sql(
                f"INSERT INTO {table}(rowid, {column}) "
                f"SELECT id, {column} FROM customer WHERE id BETWEEN ? AND ?",
                (first, last),
            )

    try:
        yield index
        for table, merge in merges.items():
            conn.exec_driver_sql(
                f"INSERT INTO {table}({table}, rank) VALUES ('automerge', ?)", (merge,)
            )
        conn.exec_driver_sql(str(ddl))
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache or -32000)}")


def run_import(
    session: Session,
    source: TableSource,
    options: ImportOptions,
    actor: Actor,
    progress: Progress | None = None,
) -> ImportResult:
    """Import ``source`` in the caller's transaction (one transaction: a cancel raises
    OperationCancelled and the caller rolls back). ``dry_run``: everything but the writes;
    nothing is written and ``batch_id`` is None."""
    started = time.perf_counter()
    progress = progress or NullProgress()
    policy = options.on_duplicate
    if policy not in ("skip", "update_empty", "update", "create"):
        raise ValidationError(f"Unknown duplicate policy: {policy}")
    read = _read(source, options.mapping, policy, progress)
    lookup = _load_lookup(session)
    decided = _apply_choices(session, lookup, options.values, actor, dry_run=options.dry_run)
    _find_in_db(session, read.groups, actor, progress)
    problems = read.problems
    to_create: list[_Group] = []
    to_update: list[_Group] = []
    skipped_rows = set(read.skipped_rows)
    for group in read.groups:
        match = group.match
        if match is None or policy == "create":
            to_create.append(group)
            continue
        reason: tuple[str, dict[str, object]] | None = None
        ident = {"id": match.customer_id, "name": match.name}
        if not match.visible:
            if match.owner_name:
                reason = ("similar_hidden", {"owner": match.owner_name})
            else:
                reason = ("similar_in_pool", {})
        elif policy == "skip":
            reason = ("duplicate_customer", {**ident, "why": match.why})
        elif not match.editable:
            reason = ("pool_claim_first" if match.owner_name is None else "not_yours", ident)
        if reason is not None:
            problems.extend(_problem(r, reason[0], **reason[1]) for r in group.rows)
            skipped_rows.update(group.rows)
        else:
            to_update.append(group)
    batch_id: int | None = None
    if not options.dry_run:
        batch = ImportBatch(
            kind=BATCH_KIND,
            file=str(source.path)[-1000:],
            user_id=actor.id,
            at=utcnow(),
            status="done",
        )
        session.add(batch)
        session.flush()
        batch_id = batch.id
    writer = _Writer(session, actor, batch_id, lookup, decided, options, problems)
    total = len(to_create)
    if options.dry_run:
        for group in to_create:
            writer._profile(group)
            writer._owner(group)
            for row in group.rows:
                writer.counts.outcome[row] = "created"
        for group in to_update:
            for row in group.rows:
                writer.counts.outcome[row] = "updated"
    else:
        writer.create(to_create, progress)
        for chunk in _chunks(to_update, LOOKUP_CHUNK):
            progress.check_cancelled()
            writer.update(chunk)
        if writer.changes:
            session.execute(insert(ImportChange), writer.changes)
    progress.check_cancelled()
    outcome = writer.counts.outcome
    created = sum(1 for v in outcome.values() if v == "created")
    updated = sum(1 for v in outcome.values() if v == "updated")
    problems.sort(key=lambda p: p.row)
    result_counts = {
        "rows": read.rows,
        "created": created,
        "updated": updated,
        "skipped": read.rows - created - updated,
        "customers": writer.counts.customers,
        "contacts": writer.counts.contacts,
        "updated_customers": writer.counts.updated_customers,
        "updated_contacts": writer.counts.updated_contacts,
        "problems": len(problems),
        "on_duplicate": policy,
        "encoding": source.encoding.encoding if source.encoding else None,
    }
    if batch_id is not None:
        session.execute(
            update(ImportBatch).where(ImportBatch.id == batch_id).values(counts=result_counts)
        )
        audit.record(session, actor, "import", "import_batch", batch_id, result_counts)
    progress.report(total, total, "done")
    return ImportResult(
        encoding=source.encoding.encoding if source.encoding else None,
        rows=read.rows,
        created=created,
        updated=updated,
        skipped=read.rows - created - updated,
        problems=tuple(problems),
        batch_id=batch_id,
        elapsed_ms=round((time.perf_counter() - started) * 1000),
        dry_run=options.dry_run,
    )


# =========================================================================== undo


def _batch_for(session: Session, batch_id: int, actor: Actor) -> ImportBatch:
    batch = session.get(ImportBatch, batch_id)
    if batch is None or batch.kind != BATCH_KIND:
        raise NotFound(f"No customer import with id {batch_id}")
    if not actor.is_admin and batch.user_id != actor.id:
        if not (actor.role == "manager" and batch.user_id is not None):
            raise PermissionDenied("Only the person who imported it or an administrator may undo")
        user = session.get(AppUser, batch.user_id)
        if user is None or user.branch_id != actor.branch_id:
            raise PermissionDenied("Only the person who imported it or an administrator may undo")
    return batch


def _from_json(table: Table, key: str, value: Any) -> Any:
    """A value stored in ``import_change.before`` back in its column's Python type."""
    if not isinstance(value, str) or key not in table.c:
        return value
    kind = table.c[key].type
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    return value


def undo_import(session: Session, batch_id: int, actor: Actor) -> UndoResult:
    """Undo a customer import: its customers and contacts without later history are deleted,
    those with history go to the recycle bin (reported in ``kept``); updated rows get their
    earlier values back where nobody changed the imported value since."""
    batch = _batch_for(session, batch_id, actor)
    if batch.status == "undone":
        raise UserError(f"Import {batch_id} was undone already")
    now = utcnow()
    kept: list[str] = []
    removed = restored = 0
    sqlite = session.get_bind().dialect.name == "sqlite"
    # Shared mode: only administrators hold DELETE; others move rows to the recycle bin.
    may_delete = sqlite or actor.is_admin
    # Updated rows first: their before values name the state before the import.
    changes = session.scalars(
        select(ImportChange)
        .where(ImportChange.batch_id == batch_id)
        .order_by(ImportChange.id.desc())
    ).all()
    for change in changes:
        model = Customer if change.entity == "customer" else Contact
        table: Table = model.__table__  # type: ignore[assignment]
        row = (
            session.execute(select(*table.c).where(table.c.id == change.entity_id))
            .mappings()
            .first()
        )
        if row is None:
            kept.append(f"{change.entity} #{change.entity_id} no longer exists")
            continue
        before = dict(change.before)
        after = before.pop("_after", {})
        untouched = all(json_safe(row[k]) == v for k, v in after.items() if k in table.c)
        values: dict[str, Any] = {}
        for key, value in after.items():
            if key in ("version", "updated_at") or key not in table.c:
                continue
            if json_safe(row[key]) == value:
                values[key] = _from_json(table, key, before.get(key))
        if not values:
            kept.append(f"{change.entity} #{change.entity_id}: changed since the import; kept")
            continue
        if untouched:
            for key in ("version", "updated_at"):
                if key in before:
                    values[key] = _from_json(table, key, before[key])
        else:
            values["version"] = row["version"] + 1
            values["updated_at"] = now
            kept.append(
                f"{change.entity} #{change.entity_id}: edited since the import; "
                "only the values still as imported were restored"
            )
        session.execute(update(table).where(table.c.id == change.entity_id).values(**values))
        restored += 1
    # Created contacts of customers that existed before.
    new_customers = set(
        session.scalars(select(Customer.id).where(Customer.import_batch_id == batch_id))
    )
    contacts = session.execute(
        select(Contact.id, Contact.customer_id, Contact.version, Contact.deleted_at).where(
            Contact.import_batch_id == batch_id
        )
    ).all()
    for cid, customer_id, version, deleted in contacts:
        if customer_id in new_customers:
            continue
        used = session.scalar(
            select(func.count()).select_from(Followup).where(Followup.contact_id == cid)
        ) or session.scalar(
            select(func.count()).select_from(EmailMessage).where(EmailMessage.contact_id == cid)
        )
        if version == 1 and not used and may_delete:
            session.execute(delete(Contact).where(Contact.id == cid))
            removed += 1
        elif deleted is None:
            session.execute(
                update(Contact)
                .where(Contact.id == cid)
                .values(deleted_at=now, version=version + 1, updated_at=now)
            )
            kept.append(
                f"contact #{cid}: used or edited since the import; moved to the recycle bin"
            )
    # Created customers: deleted when nothing happened to them since, else to the recycle bin.
    ids = sorted(new_customers)
    for chunk in _chunks(ids, LOOKUP_CHUNK):
        busy: set[int] = set()
        for model_col in (Followup.customer_id, EmailMessage.customer_id, Attachment.customer_id):
            busy.update(session.scalars(select(model_col).where(model_col.in_(chunk)).distinct()))
        busy.update(
            session.scalars(
                select(OwnershipChange.customer_id)
                .where(OwnershipChange.customer_id.in_(chunk), OwnershipChange.reason != "import")
                .distinct()
            )
        )
        busy.update(
            session.scalars(
                select(Contact.customer_id)
                .where(
                    Contact.customer_id.in_(chunk),
                    (Contact.import_batch_id.is_(None))
                    | (Contact.import_batch_id != batch_id)
                    | (Contact.version != 1),
                )
                .distinct()
            )
        )
        rows = session.execute(
            select(Customer.id, Customer.version, Customer.owner_id, Customer.deleted_at).where(
                Customer.id.in_(chunk)
            )
        ).all()
        free = [cid for cid, version, _o, _d in rows if version == 1 and cid not in busy]
        if may_delete and free:
            session.execute(delete(OwnershipChange).where(OwnershipChange.customer_id.in_(free)))
            session.execute(delete(Contact).where(Contact.customer_id.in_(free)))
            session.execute(delete(Customer).where(Customer.id.in_(free)))
            removed += len(free)
        for cid, version, owner, deleted in rows:
            if may_delete and cid in free:
                continue
            if deleted is not None:
                continue
            if not sqlite and owner is None and actor.role == "sales":
                kept.append(f"customer #{cid} is in the public pool; ask a manager to delete it")
                continue
            session.execute(
                update(Customer)
                .where(Customer.id == cid)
                .values(deleted_at=now, version=version + 1, updated_at=now)
            )
            kept.append(
                f"customer #{cid}: "
                + (
                    "has follow-ups, mail or edits since the import"
                    if cid not in free
                    else "only an administrator may delete for good"
                )
                + "; moved to the recycle bin"
            )
    batch.status = "undone"
    audit.record(
        session,
        actor,
        "import_undo",
        "import_batch",
        batch_id,
        {"removed": removed, "restored": restored, "kept": len(kept)},
    )
    session.flush()
    return UndoResult(removed=removed, restored=restored, kept=tuple(kept))


# =========================================================================== history, files


def list_batches(session: Session, actor: Actor, limit: int = 50) -> list[BatchRow]:
    """The latest customer imports the actor may see (their own; a manager's branch; all)."""
    stmt = (
        select(ImportBatch, AppUser.display_name, AppUser.branch_id)
        .outerjoin(AppUser, AppUser.id == ImportBatch.user_id)
        .where(ImportBatch.kind == BATCH_KIND)
        .order_by(ImportBatch.id.desc())
        .limit(limit)
    )
    out: list[BatchRow] = []
    for batch, user, branch in session.execute(stmt):
        mine = actor.is_admin or batch.user_id == actor.id
        if not mine and (actor.role != "manager" or branch is None or branch != actor.branch_id):
            continue
        out.append(
            BatchRow(
                id=batch.id,
                at=batch.at,
                file=batch.file,
                user=user,
                counts=dict(batch.counts or {}),
                status=batch.status,
            )
        )
    return out


def write_problems_csv(problems: Iterable[RowProblem], path: Path) -> None:
    """The problems as CSV for Excel: UTF-8 with BOM, columns row and reason."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "reason"])
        for problem in problems:
            writer.writerow([problem.row, problem.reason])


_MAPPINGS_KEY = "import_mappings"


def remembered_mapping(
    headers: Sequence[str], ui: Mapping[str, Any] | None = None
) -> dict[int, str] | None:
    """The mapping last used for this header layout, if any. ``ui``: the app's ``Settings.ui``
    (the GUI passes the one its main thread holds); None reads the settings file (the CLI)."""
    from crm_desktop.core.settings import load_settings
    from crm_desktop.importers.mapping import FIELDS, layout_key

    if ui is None:
        ui = load_settings().ui
    layouts = ui.get(_MAPPINGS_KEY)
    stored = layouts.get(layout_key(headers)) if isinstance(layouts, dict) else None
    if not isinstance(stored, dict):
        return None
    out: dict[int, str] = {}
    for key, target in stored.items():
        try:
            index = int(key)
        except (TypeError, ValueError):
            continue
        if 0 <= index < len(headers) and target in FIELDS:
            out[index] = str(target)
    return out or None


def remember_mapping(
    headers: Sequence[str], mapping: Mapping[int, str], ui: dict[str, Any] | None = None
) -> None:
    """Remember ``mapping`` for this header layout. ``ui``: the app's ``Settings.ui``, changed
    in place; its owner saves it (the GUI: on the main thread, so a later save of the window's
    settings cannot overwrite it). None: load, change and save the settings file (the CLI)."""
    from crm_desktop.core.settings import load_settings, save_settings
    from crm_desktop.importers.mapping import layout_key

    settings = load_settings() if ui is None else None
    target = settings.ui if settings is not None else ui
    assert target is not None
    layouts = target.get(_MAPPINGS_KEY)
    if not isinstance(layouts, dict):
        layouts = target[_MAPPINGS_KEY] = {}
    layouts[layout_key(headers)] = {str(k): v for k, v in sorted(mapping.items())}
    if settings is not None:
        save_settings(settings)
