"""The Today page's data (issue 4): overdue, due-today and next-days follow-ups, customers about
to return to the pool and dormant customers — for one salesperson ("mine") or, for managers,
their branch (administrators: every branch).

Every list is index-driven and bounded: planned follow-ups walk ``followup(user_id, status,
due_at)`` per person with a LIMIT (a branch merges its people's lists), the pool warnings and
dormant customers come from ``pool`` (narrow ranges of ``customer(owner_id, …)`` indexes), so
the page costs milliseconds whatever the size of the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import partial

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from crm_desktop.db.models import Followup
from crm_desktop.services.context import Actor
from crm_desktop.services.followups import (
    CustomerCheck,
    FollowupRow,
    local_day_bounds,
    resolve_now,
    responsible,
    row_select,
    rows_of,
    walk_planned,
)
from crm_desktop.services.pool import (
    DormantRow,
    ReclaimItem,
    about_to_return,
    dormant_customers,
    scope_owners,
)

NEXT_DAYS = 7


@dataclass(frozen=True)
class TodayData:
    scope: str  # "mine" | "branch"
    now: datetime
    overdue: tuple[FollowupRow, ...]  # due before today (local day of ``now``), oldest first
    due_today: tuple[FollowupRow, ...]  # due today (also the ones earlier today), by time
    next_days: tuple[FollowupRow, ...]  # after today, within the next 7 days
    about_to_return: tuple[ReclaimItem, ...]  # soonest first
    dormant: tuple[DormantRow, ...]  # longest without a follow-up first


def _planned(
    session: Session,
    actor: Actor,
    owners: Sequence[int],
    branch_id: int | None,
    scope: str,
    low: datetime | None,
    high: datetime,
    limit: int,
) -> list[FollowupRow]:
    """Live planned follow-ups due in [low, high) of each person, soonest first.

    Ids come from an ordered walk of followup(user_id, status, due_at) per person with a
    LIMIT and no join (see ``walk_planned``); the rows of the first ``limit`` of them all are
    read at once and their customers checked. Only when some fail (a customer moved away or
    was deleted) is each person's walk continued."""
    if limit <= 0:
        return []
    keep: CustomerCheck
    if scope == "mine":
        # Only customers the actor is still responsible for: a customer that moved to
        # someone else or back to the pool drops off the list.
        keep = responsible(actor)
    elif branch_id is not None:
        keep = partial(_in_branch, branch_id)
    else:
        keep = _owned
    where: list[ColumnElement[bool]] = [Followup.due_at < high]
    if low is not None:
        where.append(Followup.due_at >= low)
    first: list[tuple[datetime, int]] = []
    for user_id in owners:
        stmt = (
            select(Followup.due_at, Followup.id)
            .where(
                Followup.user_id == user_id,
                Followup.status == "planned",
                Followup.deleted_at.is_(None),
                *where,
            )
            .order_by(Followup.due_at, Followup.id)
            .limit(limit)
        )
        first += [(due, fid) for due, fid in session.execute(stmt) if due is not None]
    first = sorted(first)[:limit]
    ids = [fid for _due, fid in first]
    rows = rows_of(session, row_select().where(Followup.id.in_(ids)), actor, keep) if ids else []
    if len(rows) < len(ids):
        rows = [
            row
            for user_id in owners
            for row in walk_planned(session, actor, user_id, where, keep, limit=limit)
        ]
    rows.sort(key=lambda r: (r.due_at or high, r.id))
    return rows[:limit]


def _in_branch(
    branch_id: int, _owner_id: int | None, customer_branch: int | None, deleted: datetime | None
) -> bool:
    return deleted is None and customer_branch == branch_id


def _owned(owner_id: int | None, _branch_id: int | None, deleted: datetime | None) -> bool:
    return deleted is None and owner_id is not None


def today_data(
    session: Session,
    actor: Actor,
    *,
    scope: str = "mine",
    now: datetime | None = None,
    limit: int = 200,
    tz: tzinfo | None = None,
) -> TodayData:
    """Everything the Today page shows. "today" is the local day of ``now`` in ``tz`` (default:
    this computer's time zone). ``scope="branch"``: managers' branch, administrators' all;
    a salesperson asking for it gets PermissionDenied. Each list holds at most ``limit`` rows."""
    now = resolve_now(now)
    owners, branch_id = scope_owners(session, actor, scope)
    start, end = local_day_bounds(now, tz)
    horizon = end + timedelta(days=NEXT_DAYS)
    return TodayData(
        scope=scope,
        now=now,
        overdue=tuple(_planned(session, actor, owners, branch_id, scope, None, start, limit)),
        due_today=tuple(_planned(session, actor, owners, branch_id, scope, start, end, limit)),
        next_days=tuple(_planned(session, actor, owners, branch_id, scope, end, horizon, limit)),
        about_to_return=tuple(about_to_return(session, actor, now=now, scope=scope, limit=limit)),
        dormant=tuple(dormant_customers(session, actor, now=now, scope=scope, limit=limit)),
    )
