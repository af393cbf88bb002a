"""The data behind the million-row customer list (DESIGN §5, HOUSE_STYLE "Million-row tables"):
the ordered ids of a filter, display rows for one page of ids, keyset pages, and the region
counts of the filter panel.

Filtering and sorting happen in SQL; only the id column travels for the whole list. Every sort
ends with ``id`` in the same direction as a tie-breaker, and NULLs sort last both ways, so the
order is total and the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from crm_desktop.core.errors import ValidationError
from crm_desktop.core.text import fold
from crm_desktop.db.models import CUSTOMER_STATUSES, AppUser, Branch, Customer, Grade, Region
from crm_desktop.services.config import (
    RegionNode,
    build_region_tree,
    list_regions,
    subtree_ids,
)
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import split_tags, visible_clause

MAX_PAGE = 500
# Up to this many ids go in a plain IN (…); more travel as one array/JSON parameter, which
# neither hits SQLite's 32,766-variable limit nor makes the statement huge.
PLAIN_IN_LIMIT = 1_000

SORT_KEYS = (
    "name",
    "grade",
    "region",
    "owner",
    "status",
    "phone",
    "email",
    "last_followup_at",
    "next_followup_at",
    "created_at",
    "pool_since",
)
# Sort keys whose expression is never NULL: keyset on them is a plain row-value comparison.
_NOT_NULL_KEYS = frozenset({"name", "status", "created_at"})


@dataclass(frozen=True)
class SortSpec:
    key: str = "name"
    descending: bool = False

    def __post_init__(self) -> None:
        if self.key not in SORT_KEYS:
            raise ValidationError(f"Cannot sort by {self.key!r}", {"sort": "unknown column"})


@dataclass(frozen=True)
class CustomerFilter:
    """The list's filter; empty tuples and None mean "any". ``region_id`` includes its whole
    subtree; ``tags`` match any; ``created_to`` is exclusive; ``due_today`` means a next
    follow-up due before the end of today (overdue included); ``dormant_days`` N means no
    follow-up (or, never followed up, created) in the last N days; ``ids_subset`` restricts to
    given ids, e.g. the search box's matches."""

    grade_ids: tuple[int, ...] = ()
    region_id: int | None = None
    owner_ids: tuple[int, ...] = ()
    branch_ids: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    in_pool: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    due_today: bool = False
    dormant_days: int | None = None
    include_deleted: bool = False
    ids_subset: Sequence[int] | None = None


@dataclass(frozen=True)
class CustomerListRow:
    id: int
    name: str
    grade_code: str | None
    grade_color: str | None
    region_name: str | None
    owner_id: int | None
    owner_name: str | None  # None = public pool
    branch_name: str | None
    status: str
    phone: str | None
    email: str | None
    tags: tuple[str, ...]
    last_followup_at: datetime | None
    next_followup_at: datetime | None
    created_at: datetime
    deleted_at: datetime | None
    pool_since: datetime | None = None  # when it (last) came into the public pool


@dataclass(frozen=True)
class CustomerPage:
    """One keyset page; pass ``after`` back to get the next one (None: this was the last)."""

    rows: list[CustomerListRow]
    after: tuple[Any, ...] | None


# =========================================================================== SQL pieces

_Owner = aliased(AppUser, name="owner")


def ids_condition(session: Session, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """``column IN ids`` for any number of ids: a plain IN for few, else one parameter (a
    PostgreSQL array, or a JSON array read by SQLite's json_each)."""
    values = [int(i) for i in ids]
    if len(values) <= PLAIN_IN_LIMIT:
        return column.in_(values)  # type: ignore[no-any-return]
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids_array", values, type_=ARRAY(Integer)))  # type: ignore[no-any-return]
    each = func.json_each(bindparam("ids_json", json.dumps(values))).table_valued("value")
    return column.in_(select(each.c.value))  # type: ignore[no-any-return]


def _end_of_local_day(now: datetime) -> datetime:
    """The end of ``now``'s day in this computer's time zone (what "today" means to the user)."""
    local = now.astimezone()
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return (start + timedelta(days=1)).astimezone(UTC)


def _conditions(
    session: Session,
    flt: CustomerFilter,
    actor: Actor,
    now: datetime,
    *,
    skip_region: bool = False,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if not flt.include_deleted:
        where.append(Customer.deleted_at.is_(None))
    if not actor.is_admin:
        where.append(visible_clause(actor))
    if flt.grade_ids:
        where.append(Customer.grade_id.in_(flt.grade_ids))
    if flt.region_id is not None and not skip_region:
        where.append(
            ids_condition(
                session, Customer.region_id, subtree_ids(list_regions(session), flt.region_id)
            )
        )
    if flt.owner_ids:
        where.append(Customer.owner_id.in_(flt.owner_ids))
    if flt.branch_ids:
        where.append(Customer.branch_id.in_(flt.branch_ids))
    if flt.statuses:
        where.append(Customer.status.in_(flt.statuses))
    tags = [t for t in (fold(t).replace(",", " ").strip() for t in flt.tags) if t]
    if tags:
        padded = literal(",") + func.coalesce(Customer.tags, "") + literal(",")
        where.append(or_(*(padded.like(f"%,{_like_escape(t)},%", escape="\\") for t in tags)))
    if flt.in_pool is True:
        where.append(Customer.owner_id.is_(None))
    elif flt.in_pool is False:
        where.append(Customer.owner_id.is_not(None))
    if flt.created_from is not None:
        where.append(Customer.created_at >= flt.created_from)
    if flt.created_to is not None:
        where.append(Customer.created_at < flt.created_to)
    if flt.due_today:
        where.append(Customer.next_followup_at < _end_of_local_day(now))
    if flt.dormant_days is not None:
        cutoff = now - timedelta(days=flt.dormant_days)
        where.append(func.coalesce(Customer.last_followup_at, Customer.created_at) < cutoff)
    if flt.ids_subset is not None:
        where.append(ids_condition(session, Customer.id, flt.ids_subset))
    return where


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sort_expression(sort: SortSpec) -> ColumnElement[Any]:
    if sort.key == "grade":
        return Grade.sort.expression
    if sort.key == "region":
        return Region.name.expression
    if sort.key == "owner":
        return _Owner.display_name.expression
    if sort.key == "status":
        # The life-cycle order, not the alphabet: prospect → active → dormant → lost.
        return case(
            {s: i for i, s in enumerate(CUSTOMER_STATUSES)},
            value=Customer.status,
            else_=len(CUSTOMER_STATUSES),
        )
    column: ColumnElement[Any] = getattr(Customer, sort.key)
    return column


def _with_sort_joins(stmt: Select[Any], sort: SortSpec) -> Select[Any]:
    if sort.key == "grade":
        return stmt.outerjoin(Grade, Grade.id == Customer.grade_id)
    if sort.key == "region":
        return stmt.outerjoin(Region, Region.id == Customer.region_id)
    if sort.key == "owner":
        return stmt.outerjoin(_Owner, _Owner.id == Customer.owner_id)
    return stmt


def _order_by(sort: SortSpec, *, live_only: bool = False) -> list[Any]:
    """ORDER BY of ``sort``. ``live_only`` (PostgreSQL, ``deleted_at IS NULL`` filtered): a
    leading ``deleted_at`` key, constant there, so it changes no order — but PostgreSQL does not
    take ``IS NULL`` as an equality, and without it would sort 1M rows (0.9 s) instead of reading
    the list indexes (deleted_at, name, id …) in order."""
    expr = _sort_expression(sort)
    lead: list[Any] = []
    if live_only:
        lead = [Customer.deleted_at.desc() if sort.descending else Customer.deleted_at.asc()]
    if sort.key in _NOT_NULL_KEYS:
        # No NULLS LAST where there are no NULLs: PostgreSQL's DESC index order is NULLS FIRST,
        # and the clause would keep it from reading the order from an index.
        if sort.descending:
            return [*lead, expr.desc(), Customer.id.desc()]
        return [*lead, expr.asc(), Customer.id.asc()]
    if sort.descending:
        return [*lead, expr.desc().nulls_last(), Customer.id.desc()]
    return [*lead, expr.asc().nulls_last(), Customer.id.asc()]


# Sort keys a list index reads in order after its leading deleted_at (ix_customer_list_*).
_LIVE_INDEXED_KEYS = frozenset({"name", "created_at"})


def _live_only(session: Session, flt: CustomerFilter, sort: SortSpec) -> bool:
    # Only where an index follows: for other keys the leading key made PostgreSQL walk an index
    # and sort incrementally (first page 4.4 s instead of a 0.95 s top-N sort).
    return (
        sort.key in _LIVE_INDEXED_KEYS
        and not flt.include_deleted
        and session.get_bind().dialect.name == "postgresql"
    )


def _after_condition(sort: SortSpec, after: tuple[Any, ...]) -> ColumnElement[bool]:
    """Rows strictly after ``after`` = (sort value, id) in the sort order, NULLs last."""
    value, last_id = after
    expr = _sort_expression(sort)
    if sort.key in _NOT_NULL_KEYS:
        pair = tuple_(expr, Customer.id)
        bound = tuple_(literal(value, type_=expr.type), literal(last_id, type_=Integer()))
        return pair < bound if sort.descending else pair > bound
    id_after = Customer.id < last_id if sort.descending else Customer.id > last_id
    if value is None:
        return and_(expr.is_(None), id_after)
    beyond = expr < value if sort.descending else expr > value
    return or_(beyond, and_(expr == value, id_after), expr.is_(None))


# =========================================================================== the list


def filtered_ids(
    session: Session,
    flt: CustomerFilter,
    sort: SortSpec,
    actor: Actor,
    *,
    now: datetime | None = None,
) -> array[int]:
    """The ids of every customer matching ``flt`` that ``actor`` may see, in ``sort`` order:
    what the list model holds (8 bytes a row)."""
    now = now or datetime.now(UTC)
    stmt = _with_sort_joins(select(Customer.id), sort)
    stmt = stmt.where(*_conditions(session, flt, actor, now)).order_by(
        *_order_by(sort, live_only=_live_only(session, flt, sort))
    )
    # A Core execution on the session's connection (same transaction) gives the driver's
    # cursor: ids need no type processing, and skipping per-row Row objects matters at 1M.
    result = session.connection().execute(stmt)
    out: array[int] = array("q")
    cursor = result.cursor
    while True:
        chunk = cursor.fetchmany(50_000)
        if not chunk:
            break
        out.extend(row[0] for row in chunk)
    result.close()
    return out


def _row_select() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Customer.id,
            Customer.name,
            Grade.code,
            Grade.color,
            Region.name,
            Customer.owner_id,
            _Owner.display_name,
            Branch.name,
            Customer.status,
            Customer.phone,
            Customer.email,
            Customer.tags,
            Customer.last_followup_at,
            Customer.next_followup_at,
            Customer.created_at,
            Customer.deleted_at,
            Customer.pool_since,
        )
        .outerjoin(Grade, Grade.id == Customer.grade_id)
        .outerjoin(Region, Region.id == Customer.region_id)
        .outerjoin(_Owner, _Owner.id == Customer.owner_id)
        .outerjoin(Branch, Branch.id == Customer.branch_id)
    )


def _list_row(values: Sequence[Any]) -> CustomerListRow:
    (cid, name, grade, color, region, owner_id, owner, branch, status, phone, email, tags,
     last_at, next_at, created_at, deleted_at, pool_since) = values  # fmt: skip
    return CustomerListRow(
        id=cid,
        name=name,
        grade_code=grade,
        grade_color=color,
        region_name=region,
        owner_id=owner_id,
        owner_name=owner,
        branch_name=branch,
        status=status,
        phone=phone,
        email=email,
        tags=split_tags(tags),
        last_followup_at=last_at,
        next_followup_at=next_at,
        created_at=created_at,
        deleted_at=deleted_at,
        pool_since=pool_since if owner_id is None else None,
    )


def fetch_rows(session: Session, ids: Sequence[int]) -> list[CustomerListRow]:
    """Display rows for one page of ids (at most MAX_PAGE), in the order of ``ids``; ids that
    no longer exist are left out. The ids come from ``filtered_ids``, which applied the
    actor's visibility (and in Shared mode the server enforces it again)."""
    if len(ids) > MAX_PAGE:
        raise ValueError(f"fetch_rows takes at most {MAX_PAGE} ids, got {len(ids)}")
    if not ids:
        return []
    found = {
        row[0]: _list_row(row)
        for row in session.execute(_row_select().where(Customer.id.in_(list(ids))))
    }
    return [found[i] for i in ids if i in found]


def keyset_page(
    session: Session,
    flt: CustomerFilter,
    sort: SortSpec,
    after: tuple[Any, ...] | None,
    limit: int,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> CustomerPage:
    """The ``limit`` rows after the key ``after`` (None: from the start) in ``sort`` order —
    ``WHERE (sort value, id) > (:v, :id)``, cost independent of the position (DESIGN §5).
    Walking all pages yields exactly the sequence of ``filtered_ids``."""
    if not 0 < limit <= MAX_PAGE:
        raise ValueError(f"limit must be 1..{MAX_PAGE}")
    now = now or datetime.now(UTC)
    expr = _sort_expression(sort)
    stmt = _row_select().add_columns(expr.label("sort_value"))
    # _row_select joins grade, region and owner already: the sort expression can use them.
    where = _conditions(session, flt, actor, now)
    if after is not None:
        where.append(_after_condition(sort, after))
    stmt = stmt.where(*where).order_by(*_order_by(sort, live_only=_live_only(session, flt, sort)))
    stmt = stmt.limit(limit)
    rows: list[CustomerListRow] = []
    last: tuple[Any, ...] | None = None
    for values in session.execute(stmt):
        rows.append(_list_row(values[:-1]))
        last = (values[-1], values[0])
    return CustomerPage(rows, last if len(rows) == limit else None)


def keyset_after(session: Session, customer_id: int, sort: SortSpec) -> tuple[Any, ...] | None:
    """The keyset key of one customer (None if it does not exist): with it, ``keyset_page``
    continues right after that row — e.g. the row at position 500,000 of ``filtered_ids``."""
    stmt = _with_sort_joins(select(_sort_expression(sort), Customer.id), sort).where(
        Customer.id == customer_id
    )
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row is not None else None


# =========================================================================== counts


def count_by_region(
    session: Session,
    flt: CustomerFilter,
    actor: Actor,
    *,
    now: datetime | None = None,
) -> list[RegionNode]:
    """The region tree with, per node, the customers matching ``flt`` (its region choice
    ignored, so every node shows what picking it would give) in the node's whole subtree.
    One GROUP BY; meant to run as its own read operation so the list never waits for it."""
    now = now or datetime.now(UTC)
    where = _conditions(session, flt, actor, now, skip_region=True)
    rows = session.execute(
        select(Customer.region_id, func.count())
        .where(*where, Customer.region_id.is_not(None))
        .group_by(Customer.region_id)
    )
    own = {int(region_id): int(n) for region_id, n in rows if region_id is not None}
    return build_region_tree(list_regions(session), own)


def count_filtered(
    session: Session, flt: CustomerFilter, actor: Actor, *, now: datetime | None = None
) -> int:
    now = now or datetime.now(UTC)
    stmt = select(func.count()).select_from(Customer).where(*_conditions(session, flt, actor, now))
    return int(session.scalar(stmt) or 0)
