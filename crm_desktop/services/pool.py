"""The public pool (公海, issue 4, DESIGN §6): customers without an owner, the rules that send
neglected customers back there (reclaim), claims, releases, and the prospect memory that tells
the next salesperson who tried before.

Rules: per grade ``reclaim_days`` (no follow-up for N days; the clock starts at the latest of
the last follow-up, the day the owner got the customer and its creation), optionally
``unwon_days`` (not won — status other than "active" — N days after the owner got it), warning
``warn_days`` before; locked customers and grades without ``reclaim_days`` are exempt. A holding
limit caps the not-yet-won customers a salesperson holds; a cooling-off period keeps a previous
owner from claiming a customer back right away.

Reclaim is set-based (chunked Core INSERT … SELECT / UPDATE, no ORM object per row) and safe to
run from several clients at once: SQLite writers are serialized (BEGIN IMMEDIATE); PostgreSQL
locks the candidates of each chunk FOR UPDATE SKIP LOCKED, so each customer moves once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    and_,
    bindparam,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from crm_desktop.core.errors import NotFound, PermissionDenied, UserError, ValidationError
from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.db.models import AppUser, AuditLog, Customer, Followup, Grade, OwnershipChange
from crm_desktop.db.types import UTCDateTime
from crm_desktop.services import audit, seed_data
from crm_desktop.services.company import POOL_RULES, get_setting, set_setting
from crm_desktop.services.config import GradeRow, list_grades
from crm_desktop.services.context import SYSTEM, Actor
from crm_desktop.services.customers import can_edit, can_see, load_for_write
from crm_desktop.services.followups import list_lost_reasons, refresh_customer_dates, resolve_now

SCOPES = ("mine", "branch")


# =========================================================================== DTOs


@dataclass(frozen=True)
class PoolRules:
    holding_limit: int | None = None  # max not-yet-won customers (status != "active") held
    cooling_off_days: int = 0  # the previous owner may not re-claim for N days
    unwon_days: int | None = None  # not won N days after the owner got it → back to the pool


class ClaimRefused(UserError):
    """A claim that cannot be done; ``reason``: taken | limit | cooling_off | not_in_pool.
    ``details`` carries what a translated message needs: ``by`` (who took it), ``held`` and
    ``limit``, ``until`` (end of the cooling-off, aware UTC), ``yours`` (the actor holds it)."""

    def __init__(self, message: str, reason: str, **details: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.details: dict[str, Any] = details


@dataclass(frozen=True, slots=True)  # slots: a first run may list hundreds of thousands
class ReclaimItem:
    customer_id: int
    name: str
    grade_code: str | None
    owner_id: int
    owner_login: str
    owner_name: str
    idle_since: datetime  # max(last follow-up, owner since, created) — owner since for "unwon"
    due_at: datetime  # when it returns: idle_since + reclaim_days (or unwon_days)
    rule: str  # "no_followup" | "unwon"


@dataclass(frozen=True)
class ReclaimResult:
    dry_run: bool
    at: datetime
    items: tuple[ReclaimItem, ...]  # the customers moved (or that would move), by id


@dataclass(frozen=True)
class DormantRow:
    customer_id: int
    name: str
    grade_code: str | None
    owner_name: str | None
    last_followup_at: datetime | None
    days: int  # days without a follow-up (since creation when there never was one)


@dataclass(frozen=True)
class ProspectMemoryRow:
    """One salesperson's past follow-ups of a customer."""

    user_name: str | None
    last_at: datetime | None
    followups: int
    last_outcome: str | None
    lost_reason: str | None  # of their latest "lost" follow-up


@dataclass(frozen=True)
class ProspectMemory:
    customer_id: int
    rows: tuple[ProspectMemoryRow, ...]  # newest first, one per past user
    pool_since: datetime | None
    last_reclaim_from: str | None  # whose it was when it last went to the pool


# =========================================================================== settings


def _days(name: str, value: Any, *, optional: bool) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{name} must be a whole number ≥ 0", {name: "invalid"})
    return value


def get_pool_rules(session: Session) -> PoolRules:
    """The company's pool rules (setting ``pool_rules``; seeded defaults when missing)."""
    stored = get_setting(session, POOL_RULES)
    value = {**seed_data.POOL_RULES, **(stored if isinstance(stored, dict) else {})}

    def number(key: str) -> int | None:
        raw = value.get(key)
        return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0 else None

    return PoolRules(
        holding_limit=number("holding_limit"),
        cooling_off_days=number("cooling_off_days") or 0,
        unwon_days=number("unwon_days"),
    )


def set_pool_rules(session: Session, rules: PoolRules, actor: Actor) -> PoolRules:
    """Change the pool rules (administrators only; audited)."""
    if not actor.is_admin:
        raise PermissionDenied("Only an administrator may change the pool rules")
    new = PoolRules(
        holding_limit=_days("holding_limit", rules.holding_limit, optional=True),
        cooling_off_days=_days("cooling_off_days", rules.cooling_off_days, optional=False) or 0,
        unwon_days=_days("unwon_days", rules.unwon_days, optional=True),
    )
    old = get_pool_rules(session)
    if old == new:
        return new
    stored = {
        "holding_limit": new.holding_limit,
        "cooling_off_days": new.cooling_off_days,
        "unwon_days": new.unwon_days,
    }
    before = {
        "holding_limit": old.holding_limit,
        "cooling_off_days": old.cooling_off_days,
        "unwon_days": old.unwon_days,
    }
    set_setting(session, POOL_RULES, stored)
    audit.record(
        session,
        actor,
        "setting.update",
        "setting",
        None,
        {
            "key": POOL_RULES,
            "changes": {k: [before[k], v] for k, v in stored.items() if before[k] != v},
        },
    )
    return new


# =========================================================================== rule helpers


@dataclass(frozen=True)
class _GradeRule:
    id: int
    code: str
    reclaim_days: int | None
    warn_days: int
    dormant_days: int | None


def _grade_rules(session: Session) -> dict[int, _GradeRule]:
    # Deleted grades too: their customers keep the grade until moved, and its rules with it.
    return {
        gid: _GradeRule(gid, code, reclaim, warn or 0, dormant)
        for gid, code, reclaim, warn, dormant in session.execute(
            select(Grade.id, Grade.code, Grade.reclaim_days, Grade.warn_days, Grade.dormant_days)
        )
    }


def _idle_since(
    last_followup_at: datetime | None, owner_since: datetime | None, created_at: datetime
) -> datetime:
    return max(d for d in (last_followup_at, owner_since, created_at) if d is not None)


def _unwon_by(cutoff: datetime) -> ColumnElement[bool]:
    return and_(
        Customer.status != "active",
        func.coalesce(Customer.owner_since, Customer.created_at) <= cutoff,
    )


def _classify(row: Any, grade: _GradeRule, rules: PoolRules) -> tuple[str, datetime, datetime]:
    """(rule, idle_since, due_at) of the soonest rule that returns this customer, if any."""
    assert grade.reclaim_days is not None
    idle = _idle_since(row.last_followup_at, row.owner_since, row.created_at)
    found: list[tuple[datetime, str, datetime]] = [
        (idle + timedelta(days=grade.reclaim_days), "no_followup", idle)
    ]
    if rules.unwon_days is not None and row.status != "active":
        since = row.owner_since or row.created_at
        found.append((since + timedelta(days=rules.unwon_days), "unwon", since))
    due, rule, since = min(found, key=lambda f: (f[0], f[1] != "no_followup"))
    return rule, since, due


class _Users:
    """login and display name by id, read once."""

    def __init__(self, session: Session) -> None:
        self.by_id = {
            uid: (login, name)
            for uid, login, name in session.execute(
                select(AppUser.id, AppUser.login, AppUser.display_name)
            )
        }

    def login(self, uid: int) -> str:
        return self.by_id.get(uid, (f"#{uid}", ""))[0]

    def name(self, uid: int | None) -> str | None:
        if uid is None:
            return None
        return self.by_id.get(uid, ("", f"#{uid}"))[1]


def _item(
    row: Any,
    grade: _GradeRule,
    rule: str,
    since: datetime,
    due: datetime,
    users: _Users,
    name: str,
) -> ReclaimItem:
    return ReclaimItem(
        customer_id=row.id,
        name=name,
        grade_code=grade.code,
        owner_id=row.owner_id,
        owner_login=users.login(row.owner_id),
        owner_name=users.name(row.owner_id) or "",
        idle_since=since,
        due_at=due,
        rule=rule,
    )


# =========================================================================== reclaim


def reclaim(
    session: Session,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    actor: Actor = SYSTEM,
    progress: Progress | None = None,
) -> ReclaimResult:
    """Return every customer whose rule has come due to the pool (idempotent: a second run at
    the same ``now`` finds nothing). Each move: owner cleared, ``pool_since`` = now,
    ``owner_since`` cleared, one ``ownership_change`` (reason "reclaim", the rule as note) and
    one audit row. ``dry_run``: only say what would move.

    Index-driven per owner (an hourly run reads what fell due, not the table) and set-based:
    history and audit rows are INSERT … SELECT, the customers one UPDATE per chunk."""
    now = resolve_now(now)
    progress = progress or NullProgress()
    rules = get_pool_rules(session)
    grades = {g.id: g for g in _grade_rules(session).values() if g.reclaim_days is not None}
    owners = list(
        session.scalars(
            select(AppUser.id).where(
                select(Customer.id).where(Customer.owner_id == AppUser.id).exists()
            )
        )
    )
    if not grades or not owners:
        return ReclaimResult(dry_run=dry_run, at=now, items=())
    stmt, due_condition = _candidates(grades, rules, now, _is_sqlite(session))
    users = _Users(session)
    postgres = session.get_bind().dialect.name == "postgresql"
    items: list[ReclaimItem] = []
    progress.report(0, len(owners), None)
    with _big_cache(session, enabled=not dry_run):
        for done, owner in enumerate(owners, start=1):
            progress.check_cancelled()
            found: dict[int, ReclaimItem] = {}
            for row in session.connection().execute(stmt, {"owner": owner}):
                if row.id in found:
                    continue
                grade = grades[row.grade_id]
                rule, since, due = _classify(row, grade, rules)
                if due <= now:
                    found[row.id] = _item(row, grade, rule, since, due, users, row.name)
            ids = sorted(found)
            for start in range(0, len(ids), MOVE_CHUNK):
                progress.check_cancelled()
                chunk = ids[start : start + MOVE_CHUNK]
                if not dry_run:
                    if postgres:
                        # Lock and check again: another client's reclaim (or a follow-up being
                        # logged) may hold or have changed a row; skip it, the next run sees it.
                        chunk = _lock_still_due(session, chunk, due_condition)
                    by_rule: dict[str, list[int]] = {}
                    for cid in chunk:
                        by_rule.setdefault(found[cid].rule, []).append(cid)
                    for rule, rule_ids in by_rule.items():
                        _move_to_pool(session, rule_ids, rule=rule, now=now, actor=actor)
                items.extend(found[cid] for cid in chunk)
            progress.report(done, len(owners), None)
    if items and not dry_run:
        session.expire_all()  # loaded customers now hold old owners
    items.sort(key=lambda i: i.customer_id)
    return ReclaimResult(dry_run=dry_run, at=now, items=tuple(items))


MOVE_CHUNK = 5_000  # customers per UPDATE … WHERE id IN (…)


def _candidates(
    grades: Mapping[int, _GradeRule], rules: PoolRules, now: datetime, sqlite: bool
) -> tuple[Any, ColumnElement[bool]]:
    """(statement, condition): the statement (bound parameter "owner") gives one owner's due
    customers — per grade, the range of customer(owner_id, grade_id, last_followup_at,
    created_at) up to the grade's cutoff (an hourly run reads little more than what fell due),
    plus customer(owner_id, grade_id, owner_since) for "unwon"; the condition says "due" of any row
    (PostgreSQL's re-check under lock)."""
    lf, since, created = Customer.last_followup_at, Customer.owner_since, Customer.created_at
    cutoffs = {
        gid: now - timedelta(days=g.reclaim_days)
        for gid, g in grades.items()
        if g.reclaim_days is not None
    }
    base = [
        Customer.owner_id == bindparam("owner"),
        _live_for_owner_index(sqlite),
        Customer.locked.is_(False),
    ]
    columns = (
        Customer.id,
        Customer.name,
        Customer.grade_id,
        Customer.owner_id,
        lf,
        since,
        created,
        Customer.status,
    )
    conditions: list[ColumnElement[bool]] = []
    for gid, cut in cutoffs.items():
        rest = [created <= cut, or_(since.is_(None), since <= cut)]
        conditions.append(and_(Customer.grade_id == gid, lf <= cut, *rest))
        conditions.append(and_(Customer.grade_id == gid, lf.is_(None), *rest))
    if rules.unwon_days is not None:
        ucut = now - timedelta(days=rules.unwon_days)
        conditions.append(
            and_(
                or_(since.is_(None), since <= ucut),
                Customer.grade_id.in_(list(cutoffs)),
                _unwon_by(ucut),
            )
        )
    statement = union_all(*(select(*columns).where(*base, c) for c in conditions))
    due = and_(
        Customer.owner_id.is_not(None),
        Customer.deleted_at.is_(None),
        Customer.locked.is_(False),
        or_(*conditions),
    )
    return statement, due


def _lock_still_due(session: Session, ids: Sequence[int], due: ColumnElement[bool]) -> list[int]:
    """PostgreSQL: lock the rows of ``ids`` that are still due, skipping rows another
    transaction holds (FOR UPDATE SKIP LOCKED re-checks each row at its newest version)."""
    locked = session.scalars(
        select(Customer.id)
        .where(Customer.id.in_(ids), due)
        .order_by(Customer.id)
        .with_for_update(skip_locked=True)
    )
    return list(locked)


@contextmanager
def _big_cache(session: Session, *, enabled: bool) -> Iterator[None]:
    """SQLite: a bigger page cache while many rows move. Each move rewrites the row and its
    entries in every index holding owner_id; with the default 2 MB cache those pages spill
    and are read again (measured: 630k moves 100 s → 60 s)."""
    if not enabled or session.get_bind().dialect.name != "sqlite":
        yield
        return
    conn = session.connection()
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = {-BIG_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


BIG_CACHE_KIB = 512 * 1024


def _move_to_pool(
    session: Session, ids: Sequence[int], *, rule: str, now: datetime, actor: Actor
) -> None:
    """Set-based move of locked (or, on SQLite, write-serialized) candidates: history and audit
    rows are INSERT … SELECT from the rows before the UPDATE, so they carry the old owner."""
    chosen = and_(Customer.id.in_(ids), Customer.owner_id.is_not(None))
    at = literal(now, UTCDateTime())
    session.execute(
        insert(OwnershipChange).from_select(
            ["customer_id", "from_user_id", "to_user_id", "reason", "note", "at", "by_id"],
            select(
                Customer.id,
                Customer.owner_id,
                null(),
                literal("reclaim"),
                literal(rule),
                at,
                literal(actor.id),
            ).where(chosen),
        )
    )
    session.execute(
        insert(AuditLog).from_select(
            ["at", "actor", "action", "entity", "entity_id", "detail"],
            select(
                at,
                literal(actor.login),
                literal("customer.reclaim"),
                literal("customer"),
                Customer.id,
                _reclaim_detail(session, rule),
            ).where(chosen),
        )
    )
    # The previous owner's plans are moot once the customer is in the pool (as for a claim or
    # a release): cancelled, so they leave that person's Today page, reminders and due list.
    session.execute(
        update(Followup)
        .where(
            Followup.customer_id.in_(select(Customer.id).where(chosen)),
            Followup.status == "planned",
            Followup.deleted_at.is_(None),
        )
        .values(status="cancelled", updated_at=now, version=Followup.version + 1)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Customer)
        .where(chosen)
        .values(
            owner_id=None,
            owner_since=None,
            pool_since=now,
            next_followup_at=None,
            updated_at=now,
            version=Customer.version + 1,
        )
        .execution_options(synchronize_session=False)
    )


def _reclaim_detail(session: Session, rule: str) -> ColumnElement[Any]:
    """The audit detail built by the database: {"changes": {"owner_id": [old, null]},
    "rule": …, "version": new} — the same shape customers.py writes for an owner change."""
    if session.get_bind().dialect.name == "postgresql":
        build, array = func.jsonb_build_object, func.jsonb_build_array
    else:
        build, array = func.json_object, func.json_array
    return build(
        literal("changes"),
        build(literal("owner_id"), array(Customer.owner_id, null())),
        literal("rule"),
        literal(rule),
        literal("version"),
        Customer.version + 1,
    )


# =========================================================================== scope


def scope_owners(session: Session, actor: Actor, scope: str) -> tuple[list[int], int | None]:
    """(owner ids to look at, branch filter) for "mine" or "branch" (managers: their branch;
    administrators: everybody)."""
    if scope not in SCOPES:
        raise ValidationError(f"scope must be one of {', '.join(SCOPES)}", {"scope": "invalid"})
    if scope == "mine":
        return ([actor.id] if actor.id is not None else []), None
    if not actor.is_manager:
        raise PermissionDenied("Only a manager or an administrator may see the whole branch")
    if actor.is_admin:
        return list(session.scalars(select(AppUser.id).order_by(AppUser.id))), None
    owners = list(
        session.scalars(
            select(AppUser.id).where(AppUser.branch_id == actor.branch_id).order_by(AppUser.id)
        )
    )
    return owners, actor.branch_id


# =========================================================================== warnings

_LIGHT = (
    Customer.id,
    Customer.grade_id,
    Customer.owner_id,
    Customer.last_followup_at,
    Customer.owner_since,
    Customer.created_at,
    Customer.status,
)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _live_for_owner_index(sqlite: bool) -> ColumnElement[bool]:
    """``deleted_at IS NULL``. For SQLite written so that no index can use it: without
    statistics its planner otherwise prefers the list's (deleted_at, created_at, …) index and
    walks everybody's customers of a period (30 ms) instead of one owner's index range
    (0.3 ms). PostgreSQL gets the plain column: the expression would spoil its row estimate
    (it then sorts whole ranges instead of stopping at the LIMIT)."""
    if sqlite:
        return func.coalesce(Customer.deleted_at, null()).is_(None)
    return Customer.deleted_at.is_(None)


def _owner_base(branch_id: int | None, sqlite: bool) -> list[ColumnElement[bool]]:
    """One owner's customers (the owner is the bound parameter "owner": the statement is built
    once and run per owner)."""
    base = [Customer.owner_id == bindparam("owner")]
    if branch_id is not None:
        # An expression, not the bare column: SQLite would otherwise walk the whole branch
        # through ix_customer_branch_id, PostgreSQL AND in a bitmap of the whole branch
        # (7 ms per owner) — instead of reading one owner's index range.
        base.append(func.coalesce(Customer.branch_id, 0) == bindparam("branch"))
    return base


def _names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = list(ids)
    if not wanted:
        return {}
    stmt = select(Customer.id, Customer.name).where(Customer.id.in_(wanted))
    return {cid: name for cid, name in session.execute(stmt)}


def about_to_return(
    session: Session,
    actor: Actor,
    *,
    now: datetime | None = None,
    scope: str = "mine",
    limit: int = 200,
) -> list[ReclaimItem]:
    """Customers that will return to the pool within their grade's warning window
    (``warn_days``), soonest first.

    Index-driven and bounded: per owner and grade, each way the idle time can be made up (the
    last follow-up, the day the owner got it, the creation) is one narrow, ordered index range
    read with a LIMIT — exact, because each range only holds rows whose idle time is that
    column."""
    now = resolve_now(now)
    owners, branch_id = scope_owners(session, actor, scope)
    rules = get_pool_rules(session)
    grades = {
        g.id: g
        for g in _grade_rules(session).values()
        if g.reclaim_days is not None and g.warn_days
    }
    if not owners or not grades or limit <= 0:
        return []
    sqlite = _is_sqlite(session)
    unwon = rules.unwon_days is not None
    key = ("about", sqlite, tuple(grades), unwon, branch_id is not None, limit)
    stmt = _cached(key, lambda: _about_statement(list(grades), unwon, branch_id, limit, sqlite))
    params: dict[str, Any] = {"branch": branch_id}
    for grade in grades.values():
        assert grade.reclaim_days is not None
        low = now - timedelta(days=grade.reclaim_days)
        params |= {
            f"low_{grade.id}": low,
            f"high_{grade.id}": low + timedelta(days=grade.warn_days),
            f"days_{grade.id}": float(grade.reclaim_days),
        }
        if rules.unwon_days is not None:
            ulow = now - timedelta(days=rules.unwon_days)
            params |= {
                f"ulow_{grade.id}": ulow,
                f"uhigh_{grade.id}": ulow + timedelta(days=grade.warn_days),
                "udays": float(rules.unwon_days),
            }
    found: dict[int, tuple[Any, _GradeRule, str, datetime, datetime]] = {}
    for owner in owners:
        for row in session.connection().execute(stmt, {**params, "owner": owner}):
            if row.id in found:
                continue
            grade = grades[row.grade_id]
            rule, idle, due = _classify(row, grade, rules)
            if now < due <= now + timedelta(days=grade.warn_days):
                found[row.id] = (row, grade, rule, idle, due)
    chosen = sorted(found.values(), key=lambda f: (f[4], f[0].id))[:limit]
    names = _names(session, (f[0].id for f in chosen))
    users = _Users(session)
    return [
        _item(row, grade, rule, idle, due, users, names.get(row.id, ""))
        for row, grade, rule, idle, due in chosen
    ]


def _about_statement(
    grade_ids: Sequence[int], unwon: bool, branch_id: int | None, limit: int, sqlite: bool
) -> Any:
    """The statement of ``about_to_return`` for one owner; times and days are bound
    parameters, so it is built once per configuration (building it costs more than running
    it)."""
    lf, since, created = Customer.last_followup_at, Customer.owner_since, Customer.created_at
    days = _day_number(sqlite)

    def at(name: str) -> Any:
        return bindparam(name, type_=UTCDateTime())

    passes: list[_Pass] = []
    for gid in grade_ids:
        low, high = at(f"low_{gid}"), at(f"high_{gid}")
        shift = bindparam(f"days_{gid}", type_=Float())
        g = Customer.grade_id == gid
        # The idle time max(lf, owner_since, created) lies in (low, high]; each pass takes the
        # rows where it is one column, so that column orders them by due time exactly.
        passes.append(
            _Pass(
                [lf > low, lf <= high, g, or_(since.is_(None), since <= lf), created <= lf],
                (lf, created),
                days(lf) + shift,
            )
        )
        passes.append(
            _Pass(
                [since > low, since <= high, g, or_(lf.is_(None), lf < since), created <= since],
                (since,),
                days(since) + shift,
            )
        )
        passes.append(
            _Pass(
                [
                    lf.is_(None),
                    created > low,
                    created <= high,
                    g,
                    or_(since.is_(None), since <= created),
                ],
                (created,),
                days(created) + shift,
            )
        )
        if unwon:
            ulow, uhigh = at(f"ulow_{gid}"), at(f"uhigh_{gid}")
            ushift = bindparam("udays", type_=Float())
            not_won = Customer.status != "active"
            passes.append(
                _Pass([since > ulow, since <= uhigh, g, not_won], (since,), days(since) + ushift)
            )
            # owner_since NULL = since creation: a window of creation times (list index).
            passes.append(
                _Pass(
                    [since.is_(None), created > ulow, created <= uhigh, g, not_won],
                    (created,),
                    days(created) + ushift,
                    owner_index=False,
                )
            )
    base = [*_owner_base(branch_id, sqlite), Customer.locked.is_(False)]
    return _merged(passes, base, limit, sqlite)


_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _cached(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """A statement built once per configuration (grades, rules, dialect) and reused with new
    parameters: constructing a UNION of a dozen subqueries costs ~5 ms of Python per call."""
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        if len(_STATEMENTS) > 64:
            _STATEMENTS.clear()
        stmt = _STATEMENTS[key] = build()
    return stmt


@dataclass(frozen=True)
class _Pass:
    """One ordered index range of a query merged by ``_merged``."""

    where: list[ColumnElement[bool]]
    # Exactly the index's order after its equality columns (no id tie-break): both databases
    # walk the index and stop at the LIMIT instead of fetching and sorting the range.
    order: tuple[Any, ...]
    key: ColumnElement[Any]  # what the merged rows are ordered by
    # Read one owner's range of customer(owner_id, …); False: the list's (deleted_at,
    # created_at, …) index, a window of creation times with the owner checked in the index.
    owner_index: bool = True


def _merged(
    passes: Sequence[_Pass], base: Sequence[ColumnElement[bool]], limit: int, sqlite: bool
) -> Any:
    """One statement: the first ``limit`` rows of each pass (UNION ALL of ordered, limited
    index ranges), then the first ``limit`` of them all by ``key`` — a few hundred index
    entries read, ``limit`` rows sent back."""
    parts = [
        select(*_LIGHT, p.key.label("sort_key"))
        .where(
            *base,
            _live_for_owner_index(sqlite) if p.owner_index else Customer.deleted_at.is_(None),
            *p.where,
        )
        .order_by(*p.order)
        .limit(limit)
        .subquery()
        for p in passes
    ]
    merged = union_all(*(select(part) for part in parts)).subquery()
    return select(merged).order_by(merged.c.sort_key, merged.c.id).limit(limit)


def _day_number(sqlite: bool) -> Any:
    """A function giving a time as a number of days, for ordering in SQL."""
    if sqlite:
        return func.julianday
    return lambda column: func.extract("epoch", column) / 86400.0


# =========================================================================== dormant


def dormant_customers(
    session: Session,
    actor: Actor,
    *,
    now: datetime | None = None,
    scope: str = "mine",
    limit: int = 200,
) -> list[DormantRow]:
    """Owned customers without a follow-up for their grade's ``dormant_days`` (since creation
    when there never was one), longest first: per owner and grade two index-ordered ranges
    with a LIMIT, merged in one statement."""
    now = resolve_now(now)
    owners, branch_id = scope_owners(session, actor, scope)
    grades = {g.id: g for g in _grade_rules(session).values() if g.dormant_days is not None}
    if not owners or not grades or limit <= 0:
        return []
    params: dict[str, Any] = {"branch": branch_id}
    for gid, grade in grades.items():
        assert grade.dormant_days is not None
        params[f"cut_{gid}"] = now - timedelta(days=grade.dormant_days)
    sqlite = _is_sqlite(session)
    key = ("dormant", sqlite, tuple(grades), branch_id is not None, limit)
    stmt = _cached(key, lambda: _dormant_statement(list(grades), branch_id, limit, sqlite))
    rows: list[Any] = []
    for owner in owners:
        rows.extend(session.connection().execute(stmt, {**params, "owner": owner}))
    rows.sort(key=lambda r: (r.last_followup_at or r.created_at, r.id))
    rows = rows[:limit]
    names = _names(session, (r.id for r in rows))
    users = _Users(session)
    return [
        DormantRow(
            customer_id=r.id,
            name=names.get(r.id, ""),
            grade_code=grades[r.grade_id].code,
            owner_name=users.name(r.owner_id),
            last_followup_at=r.last_followup_at,
            days=(now - (r.last_followup_at or r.created_at)).days,
        )
        for r in rows
    ]


def _dormant_statement(
    grade_ids: Sequence[int], branch_id: int | None, limit: int, sqlite: bool
) -> Any:
    """Per grade, in the order of customer(owner_id, grade_id, last_followup_at, created_at):
    no sort, each LIMIT stops early; cutoffs are bound parameters ("cut_<grade id>")."""
    lf, created = Customer.last_followup_at, Customer.created_at
    days = _day_number(sqlite)
    passes: list[_Pass] = []
    for gid in grade_ids:
        g = Customer.grade_id == gid
        cut = bindparam(f"cut_{gid}", type_=UTCDateTime())
        passes.append(_Pass([g, lf <= cut], (lf, created), days(lf)))
        passes.append(_Pass([g, lf.is_(None), created <= cut], (created,), days(created)))
    return _merged(passes, _owner_base(branch_id, sqlite), limit, sqlite)


# =========================================================================== claim / release


def holding_count(session: Session, user_id: int) -> int:
    """How many not-yet-won customers (status other than "active") ``user_id`` holds — what
    the holding limit counts."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(
                Customer.owner_id == user_id,
                Customer.deleted_at.is_(None),
                Customer.status != "active",
            )
        )
        or 0
    )


def _cooling_off_until(
    session: Session, customer_id: int, user_id: int, days: int, now: datetime
) -> datetime | None:
    """When ``user_id`` may claim the customer again, if that is still in the future."""
    if days <= 0:
        return None
    left = session.scalar(
        select(func.max(OwnershipChange.at)).where(
            OwnershipChange.customer_id == customer_id,
            OwnershipChange.from_user_id == user_id,
            or_(OwnershipChange.to_user_id.is_(None), OwnershipChange.to_user_id != user_id),
        )
    )
    if left is None:
        return None
    until: datetime = left + timedelta(days=days)
    return until if until > now else None


def _cancel_plans_of_others(
    session: Session, customer_id: int, keep_user_id: int | None
) -> list[int]:
    """Planned follow-ups of people who no longer hold the customer are moot: cancelled."""
    where = [
        Followup.customer_id == customer_id,
        Followup.status == "planned",
        Followup.deleted_at.is_(None),
    ]
    if keep_user_id is not None:
        where.append(or_(Followup.user_id.is_(None), Followup.user_id != keep_user_id))
    ids = list(session.scalars(select(Followup.id).where(*where)))
    if ids:
        session.execute(
            update(Followup)
            .where(Followup.id.in_(ids))
            .values(status="cancelled", version=Followup.version + 1)
            .execution_options(synchronize_session=False)
        )
    return ids


def _forget_loaded(session: Session, customer_id: int) -> None:
    loaded = session.identity_map.get(identity_key(Customer, customer_id))
    if loaded is not None:
        session.expire(loaded)


def claim(session: Session, customer_id: int, actor: Actor, *, now: datetime | None = None) -> None:
    """Take a customer from the pool. Race-safe: a conditional UPDATE (``WHERE owner_id IS
    NULL``) lets exactly one of two simultaneous claims win; the other is refused naming the
    winner. A user's own claims are serialized (their app_user row is locked) so the holding
    limit cannot be overrun by two claims at once."""
    now = resolve_now(now)
    if actor.id is None:
        raise PermissionDenied("Only a signed-in user can claim a customer")
    rules = get_pool_rules(session)
    me = session.scalar(select(AppUser).where(AppUser.id == actor.id).with_for_update())
    if me is None or not me.active:
        raise PermissionDenied("Only an active user can claim a customer")
    row = session.execute(
        select(Customer.name, Customer.owner_id, Customer.deleted_at, Customer.status).where(
            Customer.id == customer_id
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"No customer with id {customer_id}")
    name, owner_id, deleted_at, status = row
    if deleted_at is not None:
        raise ClaimRefused(f"{name} is in the recycle bin, not in the pool", "not_in_pool")
    if owner_id == actor.id:
        raise ClaimRefused(f"You already hold {name}", "not_in_pool", yours=True)
    if owner_id is not None:
        raise _taken(session, name, owner_id)
    until = _cooling_off_until(session, customer_id, actor.id, rules.cooling_off_days, now)
    if until is not None:
        raise ClaimRefused(
            f"You gave up {name} less than {rules.cooling_off_days} days ago; you may claim it "
            f"again from {until:%Y-%m-%d %H:%M} UTC",
            "cooling_off",
            until=until,
        )
    if rules.holding_limit is not None and status != "active":
        held = holding_count(session, actor.id)
        if held >= rules.holding_limit:
            raise ClaimRefused(
                f"You already hold {held} customers, the limit is {rules.holding_limit}; "
                "release one or win one before claiming more",
                "limit",
                held=held,
                limit=rules.holding_limit,
            )
    values: dict[str, Any] = {
        "owner_id": actor.id,
        "owner_since": now,
        "pool_since": None,
        "updated_at": now,
        "version": Customer.version + 1,
    }
    if me.branch_id is not None:
        values["branch_id"] = me.branch_id
    result = session.execute(
        update(Customer)
        .where(
            Customer.id == customer_id,
            Customer.owner_id.is_(None),
            Customer.deleted_at.is_(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        winner = session.scalar(select(Customer.owner_id).where(Customer.id == customer_id))
        if winner is None:
            raise ClaimRefused(f"{name} is no longer in the pool", "not_in_pool")
        raise _taken(session, name, winner)
    _forget_loaded(session, customer_id)
    cancelled = _cancel_plans_of_others(session, customer_id, actor.id)
    refresh_customer_dates(session, customer_id)
    session.add(
        OwnershipChange(
            customer_id=customer_id,
            from_user_id=None,
            to_user_id=actor.id,
            reason="claim",
            at=now,
            by_id=actor.id,
        )
    )
    version = session.scalar(select(Customer.version).where(Customer.id == customer_id))
    audit.record(
        session,
        actor,
        "customer.claim",
        "customer",
        customer_id,
        {
            "changes": {"owner_id": [None, actor.id]},
            "version": version,
            **({"cancelled_followups": cancelled} if cancelled else {}),
        },
    )


def _taken(session: Session, name: str, owner_id: int) -> ClaimRefused:
    owner = session.scalar(select(AppUser.display_name).where(AppUser.id == owner_id))
    by = owner or f"#{owner_id}"
    return ClaimRefused(f"{name} was just claimed by {by}", "taken", by=by)


def release_to_pool(
    session: Session,
    customer_id: int,
    actor: Actor,
    *,
    note: str = "",
    now: datetime | None = None,
) -> None:
    """The owner (or their manager, or an administrator) gives a customer back to the pool."""
    now = resolve_now(now)
    customer = load_for_write(session, customer_id, actor)
    if customer.deleted_at is not None:
        raise ValidationError("This customer is in the recycle bin; restore it first")
    if customer.owner_id is None:
        raise ValidationError(f"{customer.name} is already in the public pool")
    if not can_edit(actor, customer.owner_id, customer.branch_id):
        raise PermissionDenied("Only the owner, their manager or an administrator may release it")
    text = note.strip()
    if len(text) > 2000:
        raise ValidationError("A note has at most 2000 characters", {"note": "too long"})
    old_owner = customer.owner_id
    customer.owner_id = None
    customer.owner_since = None
    customer.pool_since = now
    customer.updated_at = now
    session.flush()
    cancelled = _cancel_plans_of_others(session, customer_id, None)
    refresh_customer_dates(session, customer_id)
    session.add(
        OwnershipChange(
            customer_id=customer_id,
            from_user_id=old_owner,
            to_user_id=None,
            reason="release",
            note=text or None,
            at=now,
            by_id=actor.id,
        )
    )
    audit.record(
        session,
        actor,
        "customer.release",
        "customer",
        customer_id,
        {
            "changes": {"owner_id": [old_owner, None]},
            "version": customer.version,
            **({"note": text} if text else {}),
            **({"cancelled_followups": cancelled} if cancelled else {}),
        },
    )


# =========================================================================== prospect memory


def prospect_memory(session: Session, customer_id: int, actor: Actor) -> ProspectMemory:
    """Who followed this customer up before, when, how it went and why it was lost — names,
    dates, outcomes and lost reasons only, never summaries. For pool customers and customers
    the actor may see."""
    customer = session.get(Customer, customer_id)
    if customer is None or not can_see(actor, customer.owner_id, customer.branch_id):
        raise NotFound(f"No customer with id {customer_id}")
    return ProspectMemory(
        customer_id=customer_id,
        rows=tuple(memory_rows(session, [customer_id]).get(customer_id, ())),
        pool_since=customer.pool_since,
        last_reclaim_from=_last_sent_to_pool_by(session, customer_id),
    )


def memory_rows(
    session: Session, customer_ids: Iterable[int]
) -> dict[int, list[ProspectMemoryRow]]:
    """Per customer, one row per user who logged done follow-ups, newest first."""
    ids = list(dict.fromkeys(customer_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(
            Followup.customer_id,
            Followup.user_id,
            AppUser.display_name,
            Followup.happened_at,
            Followup.outcome,
            Followup.lost_reason,
        )
        .outerjoin(AppUser, AppUser.id == Followup.user_id)
        .where(
            Followup.customer_id.in_(ids),
            Followup.status == "done",
            Followup.deleted_at.is_(None),
        )
        .order_by(Followup.customer_id, Followup.happened_at.desc(), Followup.id.desc())
    )
    acc: dict[int, dict[int | None, dict[str, Any]]] = {}
    for cid, uid, uname, happened, outcome, reason in rows:
        per_user = acc.setdefault(cid, {})
        entry = per_user.get(uid)
        if entry is None:  # newest first: the first row of a user is their latest
            per_user[uid] = entry = {
                "user_name": uname,
                "last_at": happened,
                "followups": 0,
                "last_outcome": outcome,
                "lost_reason": None,
            }
        entry["followups"] += 1
        if entry["lost_reason"] is None and outcome == "lost" and reason:
            entry["lost_reason"] = reason
    return {
        cid: [ProspectMemoryRow(**entry) for entry in per_user.values()]
        for cid, per_user in acc.items()
    }


def _last_sent_to_pool_by(session: Session, customer_id: int) -> str | None:
    from_user = session.execute(
        select(AppUser.display_name)
        .select_from(OwnershipChange)
        .outerjoin(AppUser, AppUser.id == OwnershipChange.from_user_id)
        .where(
            OwnershipChange.customer_id == customer_id,
            OwnershipChange.to_user_id.is_(None),
            OwnershipChange.from_user_id.is_not(None),
        )
        .order_by(OwnershipChange.at.desc(), OwnershipChange.id.desc())
        .limit(1)
    ).first()
    return from_user[0] if from_user else None


# =========================================================================== page reads


@dataclass(frozen=True)
class HoldingSummary:
    """How many customers the user holds (not yet won: what the limit counts), the limit, and
    the cooling-off days (for the words of a refusal)."""

    count: int
    limit: int | None
    cooling_off_days: int = 0


def holding_summary(session: Session, user_id: int) -> HoldingSummary:
    """The pool page's "You hold 37 of 50" line: the count and the rules in one read."""
    rules = get_pool_rules(session)
    return HoldingSummary(
        holding_count(session, user_id), rules.holding_limit, rules.cooling_off_days
    )


@dataclass(frozen=True)
class PoolSettingsResult:
    """Everything the Admin → Public pool tab shows, read in one transaction."""

    rules: PoolRules
    lost_reasons: tuple[str, ...]
    grades: tuple[GradeRow, ...]


def pool_settings(session: Session) -> PoolSettingsResult:
    return PoolSettingsResult(
        get_pool_rules(session),
        tuple(list_lost_reasons(session)),
        tuple(list_grades(session)),
    )
