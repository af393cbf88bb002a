"""Handover (离职交接, issue 7): everything a departing user owns goes to heirs — by grade, by
region, by hand, the rest to one heir or the public pool — in one transaction, then their login
is disabled. History stays: done follow-ups keep their author, earlier ``ownership_change``
rows stay; each move adds one ``ownership_change`` row (reason "handover", all stamped with the
same time, which the handover report looks them up by) and the handover one audit row.

Rules are tried in order; the first whose every given criterion matches a customer takes it
(grades, a region with its sub-regions, chosen customers; a rule without criteria takes all).
Customers no rule takes go to ``rest_to``: an heir, the pool (None) or nowhere ("keep").
Customers in the recycle bin move too, so a later restore does not bring back a disabled owner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, insert, literal, null, select, update
from sqlalchemy.orm import Session

from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.db.models import (
    AppUser,
    Customer,
    EmailMessage,
    Followup,
    Grade,
    OwnershipChange,
    Region,
)
from crm_desktop.db.types import UTCDateTime
from crm_desktop.services import audit
from crm_desktop.services.config import (
    GradeRow,
    RegionRow,
    list_grades,
    list_regions,
    subtree_ids,
)
from crm_desktop.services.context import Actor
from crm_desktop.services.followups import resolve_now
from crm_desktop.services.users import shared_mode

__all__ = [
    "CLAIMS_WINDOW",
    "HandoverCustomerRow",
    "HandoverOverview",
    "HandoverPlan",
    "HandoverPreview",
    "HandoverResult",
    "HandoverRule",
    "handover_customers",
    "handover_overview",
    "handover_preview",
    "plan_from_options",
    "run_handover",
]

KEEP: Literal["keep"] = "keep"
CLAIMS_WINDOW = timedelta(days=90)  # "pool claims" of the preview: the last 90 days
MOVE_CHUNK = 5_000  # customers per UPDATE … WHERE id IN (…)
MAX_CUSTOMER_ROWS = 20_000  # the wizard's "by hand" list


# =========================================================================== DTOs


@dataclass(frozen=True)
class HandoverRule:
    """Customers matching every given criterion go to ``heir_id`` (None = the public pool)."""

    heir_id: int | None
    grade_ids: tuple[int, ...] = ()
    region_id: int | None = None  # with its sub-regions
    customer_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class HandoverPlan:
    from_user_id: int
    rules: tuple[HandoverRule, ...] = ()
    rest_to: int | Literal["keep"] | None = None  # customers no rule takes; None = the pool
    disable_login: bool = True
    note: str = ""
    # Whose queue the departing user's unlinked mail joins: a person, or "auto" = the heir who
    # takes the most customers (none when everything goes to the pool: the mail then stays
    # where admins and the branch manager see it).
    unlinked_mail_to: int | Literal["auto"] = "auto"


@dataclass(frozen=True)
class HandoverPreview:
    customers: int  # everything the user owns (the recycle bin included)
    by_grade_region: Mapping[tuple[str, str], int]  # (grade code, top-level region) → customers
    open_followups: int  # planned follow-ups of those customers
    mail: int  # mail linked to those customers
    pool_claims_90d: int  # customers the user claimed from the pool in the last 90 days
    assignments: Mapping[int | None, int]  # heir (None = pool) → customers; "keep" not counted
    unlinked_mail: int = 0  # mail in the user's unlinked queue (linked to nobody yet)


@dataclass(frozen=True)
class HandoverResult:
    at: datetime  # every ownership_change row of this handover has this time
    moved: Mapping[int | None, int]  # heir (None = pool) → customers
    followups_moved: int  # planned follow-ups now the heir's
    disabled: bool  # the login is disabled now
    followups_cancelled: int = 0  # planned follow-ups of customers sent to the pool
    unlinked_mail_moved: int = 0  # unlinked mail now in the heir's queue
    unlinked_mail_to: int | None = None  # that heir


@dataclass(frozen=True)
class HandoverCustomerRow:
    """One customer of the departing user, for choosing by hand."""

    id: int
    name: str
    grade_code: str
    region: str
    deleted: bool


@dataclass(frozen=True)
class HandoverOverview:
    """What the handover wizard shows once the departing user is chosen, read at once."""

    preview: HandoverPreview  # everything to the pool: the totals and the matrix
    customers: tuple[HandoverCustomerRow, ...]
    grades: tuple[GradeRow, ...]
    regions: tuple[RegionRow, ...]  # tree order


# =========================================================================== checks


def _departing(session: Session, user_id: int, *, lock: bool = False) -> AppUser:
    stmt = select(AppUser).where(AppUser.id == user_id)
    if lock:
        stmt = stmt.with_for_update()
    user = session.scalar(stmt)
    if user is None:
        raise NotFound(f"No user with id {user_id}")
    return user


def _check_rights(actor: Actor, departing: AppUser) -> None:
    """Administrators hand over anybody; a manager the people of their branch (not admins)."""
    if actor.id is not None and actor.id == departing.id:
        raise ValidationError("You cannot hand over your own customers; ask another administrator")
    if actor.is_admin:
        return
    if (
        actor.role == "manager"
        and actor.branch_id is not None
        and departing.branch_id == actor.branch_id
        and departing.role != "admin"
    ):
        return
    raise PermissionDenied(
        "Only an administrator, or the manager of their branch, may hand over a user's customers"
    )


def _heir_ids(plan: HandoverPlan) -> list[int]:
    ids = [r.heir_id for r in plan.rules if r.heir_id is not None]
    if isinstance(plan.rest_to, int):
        ids.append(plan.rest_to)
    if isinstance(plan.unlinked_mail_to, int):
        ids.append(plan.unlinked_mail_to)  # checked like any heir
    return list(dict.fromkeys(ids))


def _check_heirs(
    session: Session, plan: HandoverPlan, actor: Actor, departing: AppUser
) -> dict[int, AppUser]:
    heirs: dict[int, AppUser] = {}
    for heir_id in _heir_ids(plan):
        heir = session.get(AppUser, heir_id)
        if heir is None:
            raise ValidationError(f"No user with id {heir_id}", {"heir": "unknown"})
        if heir.id == departing.id:
            raise ValidationError(
                f"{heir.display_name} cannot inherit their own customers", {"heir": "departing"}
            )
        if not heir.active:
            raise ValidationError(
                f"{heir.display_name} is disabled and cannot take customers", {"heir": "disabled"}
            )
        if not actor.is_admin and heir.id != actor.id and heir.branch_id != actor.branch_id:
            raise PermissionDenied("A manager may hand customers only to people of their branch")
        heirs[heir.id] = heir
    return heirs


# =========================================================================== assignment


@dataclass(frozen=True)
class _Owned:
    id: int
    grade_id: int | None
    region_id: int | None


class _Matcher:
    """The first rule matching a customer, or the plan's ``rest_to``."""

    def __init__(self, session: Session, plan: HandoverPlan) -> None:
        self.plan = plan
        regions = list_regions(session) if any(r.region_id for r in plan.rules) else []
        self.rules = [
            (
                rule,
                frozenset(rule.grade_ids),
                frozenset(subtree_ids(regions, rule.region_id))
                if rule.region_id is not None
                else None,
                frozenset(rule.customer_ids),
            )
            for rule in plan.rules
        ]

    def target(self, c: _Owned) -> int | Literal["keep"] | None:
        for rule, grades, regions, chosen in self.rules:
            if chosen and c.id not in chosen:
                continue
            if grades and c.grade_id not in grades:
                continue
            if regions is not None and c.region_id not in regions:
                continue
            return rule.heir_id
        return self.plan.rest_to


def _owned(session: Session, user_id: int, *, lock: bool = False) -> list[_Owned]:
    stmt = (
        select(Customer.id, Customer.grade_id, Customer.region_id)
        .where(Customer.owner_id == user_id)
        .order_by(Customer.id)
    )
    if lock:
        stmt = stmt.with_for_update()
    return [_Owned(cid, gid, rid) for cid, gid, rid in session.execute(stmt)]


def _groups(
    session: Session, plan: HandoverPlan, owned: Iterable[_Owned]
) -> tuple[dict[int | None, list[int]], int]:
    """(heir → customer ids, how many stay with the departing user)."""
    matcher = _Matcher(session, plan)
    groups: dict[int | None, list[int]] = {}
    kept = 0
    for c in owned:
        target = matcher.target(c)
        if target == KEEP:
            kept += 1
        else:
            assert not isinstance(target, str)
            groups.setdefault(target, []).append(c.id)
    return groups, kept


def _owned_ids(user_id: int) -> Any:
    return select(Customer.id).where(Customer.owner_id == user_id)


# =========================================================================== preview


def handover_preview(session: Session, plan: HandoverPlan, actor: Actor) -> HandoverPreview:
    """What the departing user owns and where the plan would send it; changes nothing. Heirs
    are not checked here (the wizard previews before choosing them); ``run_handover`` does."""
    departing = _departing(session, plan.from_user_id)
    _check_rights(actor, departing)
    owned = _owned(session, departing.id)
    groups, _kept = _groups(session, plan, owned)
    grades: dict[int, str] = {
        gid: code for gid, code in session.execute(select(Grade.id, Grade.code))
    }
    parents: dict[int, tuple[int | None, str]] = {
        rid: (parent, name)
        for rid, parent, name in session.execute(select(Region.id, Region.parent_id, Region.name))
    }

    def top(region_id: int | None) -> str:
        seen: set[int] = set()
        name = ""
        while region_id is not None and region_id in parents and region_id not in seen:
            seen.add(region_id)
            region_id, name = parents[region_id]
        return name

    matrix: dict[tuple[str, str], int] = {}
    for c in owned:
        key = (grades.get(c.grade_id, "") if c.grade_id is not None else "", top(c.region_id))
        matrix[key] = matrix.get(key, 0) + 1
    ids = _owned_ids(departing.id)
    open_followups = session.scalar(
        select(func.count())
        .select_from(Followup)
        .where(
            Followup.customer_id.in_(ids),
            Followup.status == "planned",
            Followup.deleted_at.is_(None),
        )
    )
    mail = session.scalar(
        select(func.count())
        .select_from(EmailMessage)
        .where(EmailMessage.customer_id.in_(ids), EmailMessage.deleted_at.is_(None))
    )
    unlinked = session.scalar(
        select(func.count())
        .select_from(EmailMessage)
        .where(
            EmailMessage.owner_id == departing.id,
            EmailMessage.customer_id.is_(None),
            EmailMessage.deleted_at.is_(None),
        )
    )
    claims = session.scalar(
        select(func.count())
        .select_from(OwnershipChange)
        .where(
            OwnershipChange.to_user_id == departing.id,
            OwnershipChange.reason == "claim",
            OwnershipChange.at >= resolve_now(None) - CLAIMS_WINDOW,
        )
    )
    return HandoverPreview(
        customers=len(owned),
        by_grade_region=dict(sorted(matrix.items())),
        open_followups=int(open_followups or 0),
        mail=int(mail or 0),
        pool_claims_90d=int(claims or 0),
        assignments={heir: len(ids) for heir, ids in groups.items()},
        unlinked_mail=int(unlinked or 0),
    )


def handover_customers(
    session: Session, from_user_id: int, actor: Actor
) -> list[HandoverCustomerRow]:
    """The departing user's customers by name, for choosing heirs by hand."""
    departing = _departing(session, from_user_id)
    _check_rights(actor, departing)
    regions = {r.id: r.name for r in list_regions(session)}
    rows = session.execute(
        select(Customer.id, Customer.name, Grade.code, Customer.region_id, Customer.deleted_at)
        .outerjoin(Grade, Grade.id == Customer.grade_id)
        .where(Customer.owner_id == departing.id)
        .order_by(Customer.name, Customer.id)
        .limit(MAX_CUSTOMER_ROWS)
    )
    return [
        HandoverCustomerRow(
            id=cid,
            name=name,
            grade_code=code or "",
            region=regions.get(rid, "") if rid is not None else "",
            deleted=deleted is not None,
        )
        for cid, name, code, rid, deleted in rows
    ]


def handover_overview(session: Session, from_user_id: int, actor: Actor) -> HandoverOverview:
    return HandoverOverview(
        preview=handover_preview(session, HandoverPlan(from_user_id), actor),
        customers=tuple(handover_customers(session, from_user_id, actor)),
        grades=tuple(list_grades(session)),
        regions=tuple(list_regions(session)),
    )


# =========================================================================== run


def run_handover(
    session: Session,
    plan: HandoverPlan,
    actor: Actor,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> HandoverResult:
    """Hand everything over in the caller's transaction (see the module docstring), then
    disable the login (``app_user.active`` and, in Shared mode, the role: NOLOGIN and its
    sessions ended). Refused whole when any heir is unknown or disabled, or when the login is
    to be disabled while customers would stay with it."""
    now = resolve_now(now)
    progress = progress or NullProgress()
    note = plan.note.strip()
    if len(note) > 2000:
        raise ValidationError("A note has at most 2000 characters", {"note": "too long"})
    departing = _departing(session, plan.from_user_id, lock=True)
    _check_rights(actor, departing)
    heirs = _check_heirs(session, plan, actor, departing)
    shared = shared_mode(session) if plan.disable_login else False
    if plan.disable_login:
        _check_can_disable(session, actor, departing, shared=shared)
    owned = _owned(session, departing.id, lock=True)
    groups, kept = _groups(session, plan, owned)
    if kept and plan.disable_login:
        raise ValidationError(
            f"{departing.display_name} would still hold {kept} customers; hand them over too "
            "(to someone or to the public pool) before disabling the login",
            {"rest_to": "keep"},
        )
    total = sum(len(ids) for ids in groups.values())
    progress.report(0, total, None)
    done = moved_plans = cancelled = 0
    for heir_id, ids in groups.items():
        heir = heirs.get(heir_id) if heir_id is not None else None
        for start in range(0, len(ids), MOVE_CHUNK):
            progress.check_cancelled()
            chunk = ids[start : start + MOVE_CHUNK]
            plans, gone = _move(session, chunk, departing.id, heir, now, actor, note)
            moved_plans += plans
            cancelled += gone
            done += len(chunk)
            progress.report(done, total, None)
    moved = {heir: len(ids) for heir, ids in groups.items()}
    mail_heir = _unlinked_mail_heir(plan, moved, heirs)
    mail_moved = 0
    if mail_heir is not None:
        result = session.execute(
            update(EmailMessage)
            .where(EmailMessage.owner_id == departing.id, EmailMessage.customer_id.is_(None))
            .values(owner_id=mail_heir, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        mail_moved = int(result.rowcount)  # type: ignore[attr-defined]
    if total or mail_moved:
        session.expire_all()  # loaded customers, follow-ups and mail hold old owners
    audit.record(
        session,
        actor,
        "user.handover",
        "app_user",
        departing.id,
        {
            "login": departing.login,
            "at": now.isoformat(),
            "to": {("pool" if h is None else str(h)): n for h, n in moved.items()},
            "followups_moved": moved_plans,
            "followups_cancelled": cancelled,
            **({"unlinked_mail": mail_moved, "unlinked_mail_to": mail_heir} if mail_moved else {}),
            **({"kept": kept} if kept else {}),
            **({"note": note} if note else {}),
        },
    )
    if plan.disable_login and departing.active:
        departing.active = False
        audit.record(
            session, actor, "user.disable", "app_user", departing.id, {"login": departing.login}
        )
        if shared:
            from crm_desktop.services import server

            server.disable_login(session, departing.login, actor)
    session.flush()
    return HandoverResult(
        at=now,
        moved=moved,
        followups_moved=moved_plans,
        disabled=not departing.active,
        followups_cancelled=cancelled,
        unlinked_mail_moved=mail_moved,
        unlinked_mail_to=mail_heir if mail_moved else None,
    )


def _unlinked_mail_heir(
    plan: HandoverPlan, moved: Mapping[int | None, int], heirs: Mapping[int, AppUser]
) -> int | None:
    if plan.unlinked_mail_to != "auto":
        return plan.unlinked_mail_to
    people = sorted(
        ((n, heir) for heir, n in moved.items() if heir is not None and n),
        key=lambda x: (-x[0], x[1]),
    )
    return people[0][1] if people else None


def _check_can_disable(session: Session, actor: Actor, departing: AppUser, *, shared: bool) -> None:
    if shared and not actor.is_admin:
        raise PermissionDenied("Only an administrator may disable a login")
    if departing.role == "admin" and departing.active:
        admins = session.scalar(
            select(func.count())
            .select_from(AppUser)
            .where(AppUser.role == "admin", AppUser.active.is_(True))
        )
        if (admins or 0) <= 1:
            raise ValidationError("The last active administrator cannot be disabled")


def _move(
    session: Session,
    ids: Sequence[int],
    from_id: int,
    heir: AppUser | None,
    now: datetime,
    actor: Actor,
    note: str,
) -> tuple[int, int]:
    """Move one chunk to ``heir`` (None = the pool), set-based: history rows are INSERT …
    SELECT from the rows before the UPDATE. Returns (plans moved, plans cancelled)."""
    chosen = (Customer.id.in_(ids), Customer.owner_id == from_id)
    at = literal(now, UTCDateTime())
    heir_id = heir.id if heir is not None else None
    session.execute(
        insert(OwnershipChange).from_select(
            ["customer_id", "from_user_id", "to_user_id", "reason", "note", "at", "by_id"],
            select(
                Customer.id,
                Customer.owner_id,
                literal(heir_id) if heir_id is not None else null(),
                literal("handover"),
                literal(note) if note else null(),
                at,
                literal(actor.id) if actor.id is not None else null(),
            ).where(*chosen),
        )
    )
    plans = (
        Followup.customer_id.in_(select(Customer.id).where(*chosen)),
        Followup.status == "planned",
        Followup.deleted_at.is_(None),
    )
    values: dict[str, Any] = {"updated_at": now, "version": Customer.version + 1}
    if heir is None:
        # In the pool nobody follows them up: every plan is moot, as for a reclaim.
        result = session.execute(
            update(Followup)
            .where(*plans)
            .values(status="cancelled", updated_at=now, version=Followup.version + 1)
            .execution_options(synchronize_session=False)
        )
        moved, cancelled = 0, int(result.rowcount)  # type: ignore[attr-defined]
        values |= {
            "owner_id": None,
            "owner_since": None,
            "pool_since": now,
            "next_followup_at": None,
        }
    else:
        result = session.execute(
            update(Followup)
            .where(*plans, Followup.user_id == from_id)
            .values(user_id=heir.id, updated_at=now, version=Followup.version + 1)
            .execution_options(synchronize_session=False)
        )
        moved, cancelled = int(result.rowcount), 0  # type: ignore[attr-defined]
        values |= {"owner_id": heir.id, "owner_since": now, "pool_since": None}
        if heir.branch_id is not None:
            values["branch_id"] = heir.branch_id  # a customer belongs to its owner's branch
    # A linked message's owner is its customer's (mail_store): the mail moves along.
    session.execute(
        update(EmailMessage)
        .where(EmailMessage.customer_id.in_(select(Customer.id).where(*chosen)))
        .values(owner_id=heir_id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Customer)
        .where(*chosen)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return moved, cancelled


# =========================================================================== the CLI's words


def plan_from_options(
    session: Session,
    *,
    from_login: str,
    to: str,
    grades: Sequence[str] = (),
    region: str | None = None,
    note: str = "",
) -> HandoverPlan:
    """A plan from what a person types: ``to`` a login or "pool"; with grades or a region only
    those customers move and the login stays enabled (hand the rest over with another run);
    without, everything moves and the login is disabled."""
    from crm_desktop.services.reports import filters_from_options

    def login_id(option: str, login: str) -> int:
        uid = session.scalar(select(AppUser.id).where(AppUser.login == login.strip().lower()))
        if uid is None:
            raise ValidationError(
                f"{option}: no user with the login {login!r}", {option: "unknown"}
            )
        return int(uid)

    from_id = login_id("--from", from_login)
    heir = None if to.strip().lower() == "pool" else login_id("--to", to)
    filters = filters_from_options(session, grades=grades, region=region)
    if filters.grade_ids or filters.region_id is not None:
        rule = HandoverRule(heir, grade_ids=filters.grade_ids, region_id=filters.region_id)
        return HandoverPlan(from_id, (rule,), rest_to=KEEP, disable_login=False, note=note)
    return HandoverPlan(from_id, (), rest_to=heir, disable_login=True, note=note)
