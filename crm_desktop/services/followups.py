"""Follow-ups (issue 4, DESIGN §6): logging every contact with a customer, planning the next
one and completing it, reminders, and the customer file's timeline.

Rights: a salesperson writes their own follow-ups on customers they may edit; a manager every
follow-up of their branch's customers; an administrator all. Every write locks the customer row
first (so two saves on one customer queue up), is audited with its field changes and keeps the
customer's ``last_followup_at`` / ``next_followup_at`` right (``refresh_customer_dates``).
Time comes in as ``now`` (aware UTC, ``None`` = the clock) so every rule is testable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, tuple_, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import identity_key

from crm_desktop.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from crm_desktop.db.models import (
    FOLLOWUP_KINDS,
    FOLLOWUP_OUTCOMES,
    AppUser,
    Contact,
    Customer,
    EmailMessage,
    Followup,
    OwnershipChange,
)
from crm_desktop.db.types import utcnow
from crm_desktop.services import audit, seed_data
from crm_desktop.services.company import (
    COMPANY_LANGUAGE,
    LOST_REASONS,
    get_setting,
    replace_setting,
)
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import can_edit, can_see, load_for_write
from crm_desktop.services.dto import UNSET, PartialInput, Unset, changes_of, json_safe
from crm_desktop.services.users import actor_of

__all__ = [
    "FOLLOWUP_KINDS",
    "FOLLOWUP_OUTCOMES",
    "CustomerCheck",
    "FollowupInput",
    "FollowupRow",
    "LogResult",
    "NextPlan",
    "TimelineEntry",
    "cancel_followup",
    "complete_followup",
    "delete_followup",
    "due_followups",
    "due_for_reminder",
    "get_followup",
    "list_lost_reasons",
    "local_day_bounds",
    "log_followup",
    "mark_reminded",
    "plan_followup",
    "refresh_customer_dates",
    "responsible",
    "row_select",
    "rows_of",
    "set_lost_reasons",
    "timeline",
    "update_followup",
    "walk_planned",
]

MAX_SUMMARY = 20_000
MAX_LOST_REASON = 300  # followup.lost_reason is String(300)
MAX_LOST_REASONS = 100
REMINDER_LIMIT = 50
MAIL_SNIPPET = 200


# =========================================================================== DTOs


@dataclass(frozen=True)
class FollowupInput(PartialInput):
    """A follow-up form's values; fields left UNSET are not touched."""

    kind: str | Unset = UNSET
    contact_id: int | Unset | None = UNSET
    happened_at: datetime | Unset | None = UNSET  # a done follow-up; default now
    summary: str | Unset = UNSET
    outcome: str | Unset | None = UNSET  # required for a done follow-up
    lost_reason: str | Unset | None = UNSET  # required when outcome == "lost"
    due_at: datetime | Unset | None = UNSET  # planned follow-ups only


@dataclass(frozen=True)
class NextPlan:
    """ "Plan the next one": when, what to do (the note), how and with whom."""

    due_at: datetime
    note: str = ""
    kind: str = "call"
    contact_id: int | None = None


@dataclass(frozen=True)
class FollowupRow:
    id: int
    customer_id: int
    customer_name: str
    contact_id: int | None
    contact_name: str | None
    user_id: int | None
    user_name: str | None  # display name
    kind: str
    status: str  # done | planned | cancelled
    happened_at: datetime | None
    due_at: datetime | None
    summary: str  # for a planned follow-up: its note
    outcome: str | None
    lost_reason: str | None
    email_id: int | None
    version: int
    can_edit: bool  # the actor may edit / complete / cancel / delete it


@dataclass(frozen=True)
class LogResult:
    followup: FollowupRow
    planned: FollowupRow | None  # the next one, when planned


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a customer file's timeline."""

    kind: str  # "followup" | "planned" | "mail" | "ownership"
    at: datetime  # happened_at / due_at / sent_at / at
    ref_id: int  # followup.id / email_message.id / ownership_change.id
    user_name: str | None  # who: the follow-up's user, the mail's account owner, who moved it
    title: str  # follow-up kind / mail subject / "" for ownership
    text: str  # summary / mail snippet / note
    outcome: str | None = None
    lost_reason: str | None = None
    contact_name: str | None = None
    from_user: str | None = None  # ownership: previous owner (None = the pool)
    to_user: str | None = None  # ownership: new owner (None = the pool)
    reason: str | None = None  # ownership: create | assign | claim | reclaim | release | …
    status: str | None = None  # follow-up: done | planned | cancelled; mail: in | out
    can_edit: bool = False


# =========================================================================== time


def resolve_now(now: datetime | None) -> datetime:
    """``now`` as aware UTC; the clock when None. A naive time is a bug and refused."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def local_day_bounds(now: datetime, tz: tzinfo | None = None) -> tuple[datetime, datetime]:
    """Start and end (UTC) of ``now``'s day in ``tz`` — by default this computer's time zone,
    what "today" means to the user. DST-safe: each midnight gets its own offset."""
    if tz is None:
        day = now.astimezone().date()
        # A naive local midnight's astimezone() asks the OS for that moment's own offset.
        start = datetime(day.year, day.month, day.day).astimezone()
        following = day + timedelta(days=1)
        end = datetime(following.year, following.month, following.day).astimezone()
    else:
        day = now.astimezone(tz).date()
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        following = day + timedelta(days=1)
        end = datetime(following.year, following.month, following.day, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _aware(name: str, value: Any, errors: dict[str, str]) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        errors[name] = "not a date and time"
        return None
    if value.tzinfo is None:
        errors[name] = "a time without time zone"
        return None
    return value.astimezone(UTC)


# =========================================================================== lost reasons


def _default_lost_reasons(session: Session) -> list[str]:
    language = str(get_setting(session, COMPANY_LANGUAGE, "zh_CN"))
    return list(
        seed_data.LOST_REASONS_ZH if language.startswith("zh") else seed_data.LOST_REASONS_EN
    )


def list_lost_reasons(session: Session) -> list[str]:
    """The lost reasons a user picks from (company setting ``lost_reasons``)."""
    value = get_setting(session, LOST_REASONS)
    if not isinstance(value, list):
        return _default_lost_reasons(session)
    return [str(v) for v in value]


def set_lost_reasons(session: Session, reasons: Sequence[str], actor: Actor) -> list[str]:
    """Replace the list (administrators only): trimmed, blank lines and repeats dropped, order
    kept. Follow-ups keep the reasons they were saved with."""
    if not actor.is_admin:
        raise PermissionDenied("Only an administrator may change the lost reasons")
    if isinstance(reasons, str):
        raise ValidationError("Give the lost reasons as a list", {"lost_reasons": "not a list"})
    cleaned = list(dict.fromkeys(r for r in (str(x).strip() for x in reasons) if r))
    if not cleaned:
        raise ValidationError(
            "Keep at least one lost reason", {"lost_reasons": "at least one reason"}
        )
    too_long = [r for r in cleaned if len(r) > MAX_LOST_REASON]
    if too_long:
        raise ValidationError(
            f"A lost reason has at most {MAX_LOST_REASON} characters",
            {"lost_reasons": f"at most {MAX_LOST_REASON} characters"},
        )
    if len(cleaned) > MAX_LOST_REASONS:
        raise ValidationError(
            f"At most {MAX_LOST_REASONS} lost reasons (you gave {len(cleaned)})",
            {"lost_reasons": f"at most {MAX_LOST_REASONS}"},
        )
    replace_setting(session, LOST_REASONS, list_lost_reasons(session), cleaned, actor)
    return cleaned


# =========================================================================== rights and loading


def followup_editable(
    actor: Actor, user_id: int | None, owner_id: int | None, branch_id: int | None
) -> bool:
    """Sales: their own follow-ups on customers they may edit; managers: every follow-up of a
    customer they may edit (their branch); administrators: all."""
    if not can_edit(actor, owner_id, branch_id):
        return False
    return actor.is_manager or (actor.id is not None and user_id == actor.id)


def _require_customer_editable(customer: Customer, actor: Actor) -> None:
    if customer.deleted_at is not None:
        raise ValidationError("This customer is in the recycle bin; restore it first")
    if not can_edit(actor, customer.owner_id, customer.branch_id):
        if customer.owner_id is None:
            raise PermissionDenied(
                "Claim this customer from the public pool before logging follow-ups"
            )
        raise PermissionDenied("You may not add follow-ups to this customer")


def _load_for_write(session: Session, followup_id: int, actor: Actor) -> tuple[Followup, Customer]:
    customer_id = session.scalar(
        select(Followup.customer_id).where(
            Followup.id == followup_id, Followup.deleted_at.is_(None)
        )
    )
    if customer_id is None:
        raise NotFound(f"No follow-up with id {followup_id}")
    customer = load_for_write(session, customer_id, actor)
    followup = session.scalar(
        select(Followup).where(Followup.id == followup_id).execution_options(populate_existing=True)
    )
    if followup is None or followup.deleted_at is not None:
        raise NotFound(f"No follow-up with id {followup_id}")
    if customer.deleted_at is not None:
        raise ValidationError("This customer is in the recycle bin; restore it first")
    if not followup_editable(actor, followup.user_id, customer.owner_id, customer.branch_id):
        if followup.user_id != actor.id and can_edit(actor, customer.owner_id, customer.branch_id):
            raise PermissionDenied("You may change only your own follow-ups")
        raise PermissionDenied("You may not change follow-ups of this customer")
    return followup, customer


def _check_version(followup: Followup, version: int) -> None:
    if followup.version != version:
        raise ConflictError(
            f"Somebody else changed this follow-up meanwhile (now version {followup.version}, "
            f"you edited version {version}); reload it and try again"
        )


# =========================================================================== validation


def _validate(
    session: Session,
    given: Mapping[str, Any],
    *,
    customer_id: int,
    status: str,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Normalized values of ``given`` for a follow-up of ``status``; every bad field at once.
    ``current``: the saved values (an edit), used for the rules between fields."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name, value in given.items():
        if name == "kind":
            if value not in FOLLOWUP_KINDS:
                errors[name] = f"must be one of {', '.join(FOLLOWUP_KINDS)}"
            out[name] = value
        elif name == "contact_id":
            if value is not None and not _contact_of(session, value, customer_id):
                errors[name] = "not a contact of this customer"
            out[name] = value
        elif name in ("happened_at", "due_at"):
            out[name] = _aware(name, value, errors)
        elif name == "summary":
            text = "" if value is None else str(value).strip()
            if len(text) > MAX_SUMMARY:
                errors[name] = f"at most {MAX_SUMMARY} characters"
            out[name] = text
        elif name == "outcome":
            if value is not None and value not in FOLLOWUP_OUTCOMES:
                errors[name] = f"must be one of {', '.join(FOLLOWUP_OUTCOMES)}"
            out[name] = value
        elif name == "lost_reason":
            out[name] = None if value is None else (str(value).strip() or None)
        else:
            errors[name] = "unknown field"
    merged = {**(current or {}), **out}
    if status == "done":
        if "due_at" in out and out["due_at"] != (current or {}).get("due_at"):
            errors["due_at"] = "only a planned follow-up has a due time"
        if merged.get("happened_at") is None and "happened_at" not in errors:
            errors["happened_at"] = "required"
        if merged.get("outcome") is None and "outcome" not in errors:
            errors["outcome"] = "required"
    else:
        if out.get("outcome") is not None:
            errors["outcome"] = "complete the follow-up to give its outcome"
        if out.get("happened_at") is not None:
            errors["happened_at"] = "complete the follow-up to say when it happened"
        if status == "planned" and merged.get("due_at") is None and "due_at" not in errors:
            errors["due_at"] = "required"
    if merged.get("outcome") == "lost":
        reason = merged.get("lost_reason")
        if reason is None:
            errors.setdefault("lost_reason", "required for a lost outcome")
        elif (
            "lost_reason" in out
            and reason != (current or {}).get("lost_reason")
            and reason not in list_lost_reasons(session)
        ):
            # Checked when chosen: a reason removed from the list later stays on old records.
            errors["lost_reason"] = "choose one of the lost reasons"
    elif out.get("lost_reason") is not None:
        errors["lost_reason"] = "only for a lost outcome"
    elif "outcome" in out and merged.get("lost_reason") is not None:
        out["lost_reason"] = None  # no longer lost: the reason goes with it
    if errors:
        raise ValidationError(
            "Please correct: " + "; ".join(f"{k} — {v}" for k, v in errors.items()), errors
        )
    return out


def _contact_of(session: Session, contact_id: Any, customer_id: int) -> bool:
    if not isinstance(contact_id, int) or isinstance(contact_id, bool):
        return False
    found = session.scalar(
        select(Contact.id).where(
            Contact.id == contact_id,
            Contact.customer_id == customer_id,
            Contact.deleted_at.is_(None),
        )
    )
    return found is not None


_EDIT_FIELDS = ("kind", "contact_id", "happened_at", "summary", "outcome", "lost_reason", "due_at")


def _values(followup: Followup) -> dict[str, Any]:
    return {name: getattr(followup, name) for name in _EDIT_FIELDS}


# =========================================================================== rows


def row_select() -> Select[*tuple[Any, ...]]:
    """The select every FollowupRow list is built from; add WHERE / ORDER BY / LIMIT."""
    return (
        select(
            Followup.id,
            Followup.customer_id,
            Customer.name,
            Followup.contact_id,
            Contact.name,
            Followup.user_id,
            AppUser.display_name,
            Followup.kind,
            Followup.status,
            Followup.happened_at,
            Followup.due_at,
            Followup.summary,
            Followup.outcome,
            Followup.lost_reason,
            Followup.email_id,
            Followup.version,
            Customer.owner_id,
            Customer.branch_id,
            Customer.deleted_at,
        )
        .join(Customer, Customer.id == Followup.customer_id)
        .outerjoin(Contact, Contact.id == Followup.contact_id)
        .outerjoin(AppUser, AppUser.id == Followup.user_id)
    )


CustomerCheck = Callable[[int | None, int | None, datetime | None], bool]


def rows_of(
    session: Session,
    stmt: Select[*tuple[Any, ...]],
    actor: Actor,
    keep: CustomerCheck | None = None,
) -> list[FollowupRow]:
    """FollowupRows of a statement built on ``row_select()`` (used by the Today page too).
    ``keep(owner_id, branch_id, deleted_at)`` checks the customer in Python: as SQL, SQLite
    (without statistics) would drive the join from the customer side and read every customer
    of an owner instead of the few follow-ups asked for."""
    return [
        FollowupRow(
            id=r[0],
            customer_id=r[1],
            customer_name=r[2],
            contact_id=r[3],
            contact_name=r[4],
            user_id=r[5],
            user_name=r[6],
            kind=r[7],
            status=r[8],
            happened_at=r[9],
            due_at=r[10],
            summary=r[11] or "",
            outcome=r[12],
            lost_reason=r[13],
            email_id=r[14],
            version=r[15],
            can_edit=followup_editable(actor, r[5], r[16], r[17]),
        )
        for r in session.execute(stmt)
        if keep is None or keep(r[16], r[17], r[18])
    ]


def responsible(actor: Actor) -> CustomerCheck:
    """Customer check: live and editable by ``actor`` (the customers they answer for)."""

    def check(owner_id: int | None, branch_id: int | None, deleted_at: datetime | None) -> bool:
        return deleted_at is None and can_edit(actor, owner_id, branch_id)

    return check


def walk_planned(
    session: Session,
    actor: Actor,
    user_id: int,
    where: Sequence[ColumnElement[bool]],
    keep: CustomerCheck,
    *,
    limit: int,
    descending: bool = False,
) -> list[FollowupRow]:
    """Up to ``limit`` live planned follow-ups of ``user_id`` matching ``where``, in due order,
    whose customer passes ``keep``: ids from an ordered walk of followup(user_id, status,
    due_at) with a LIMIT and no join (PostgreSQL misjudges the join — a follow-up's user is
    nearly always its customer's owner — and would sort the whole range), then the rows of
    those ids; when customers fail the check, the walk goes on after the last id."""
    taken: list[FollowupRow] = []
    after: tuple[datetime, int] | None = None
    due_then_id = (
        (Followup.due_at.desc(), Followup.id.desc())
        if descending
        else (
            Followup.due_at,
            Followup.id,
        )
    )
    while len(taken) < limit:
        conditions = [
            Followup.user_id == user_id,
            Followup.status == "planned",
            Followup.deleted_at.is_(None),
            *where,
        ]
        if after is not None:
            key = tuple_(Followup.due_at, Followup.id)
            if descending:
                conditions += [Followup.due_at <= after[0], key < tuple_(*after)]
            else:
                conditions += [Followup.due_at >= after[0], key > tuple_(*after)]
        batch = session.execute(
            select(Followup.due_at, Followup.id)
            .where(*conditions)
            .order_by(*due_then_id)
            .limit(limit)
        ).all()
        ids = [fid for _due, fid in batch]
        if ids:
            stmt = row_select().where(Followup.id.in_(ids)).order_by(*due_then_id)
            taken.extend(rows_of(session, stmt, actor, keep))
        if len(batch) < limit:
            break
        last_due, last_id = batch[-1]
        assert last_due is not None  # planned follow-ups have a due time
        after = (last_due, last_id)
    return taken[:limit]


def _row(session: Session, followup_id: int, actor: Actor) -> FollowupRow:
    rows = rows_of(session, row_select().where(Followup.id == followup_id), actor)
    if not rows:
        raise NotFound(f"No follow-up with id {followup_id}")
    return rows[0]


def get_followup(session: Session, followup_id: int, actor: Actor) -> FollowupRow:
    """One follow-up; NotFound when deleted or on a customer the actor may not see."""
    stmt = row_select().where(Followup.id == followup_id, Followup.deleted_at.is_(None))
    rows = rows_of(session, stmt, actor)
    if not rows:
        raise NotFound(f"No follow-up with id {followup_id}")
    row = rows[0]
    owner_branch = session.execute(
        select(Customer.owner_id, Customer.branch_id).where(Customer.id == row.customer_id)
    ).one()
    if not can_see(actor, owner_branch[0], owner_branch[1]):
        raise NotFound(f"No follow-up with id {followup_id}")
    return row


# =========================================================================== dates


def refresh_customer_dates(session: Session, customer_id: int) -> None:
    """Recompute the customer's ``last_followup_at`` (latest live done follow-up) and
    ``next_followup_at`` (earliest live planned one) in one UPDATE. It leaves ``version``
    alone: logging a follow-up must not make an open profile form stale."""
    last = (
        select(func.max(Followup.happened_at))
        .where(
            Followup.customer_id == customer_id,
            Followup.status == "done",
            Followup.deleted_at.is_(None),
        )
        .scalar_subquery()
    )
    following = (
        select(func.min(Followup.due_at))
        .where(
            Followup.customer_id == customer_id,
            Followup.status == "planned",
            Followup.deleted_at.is_(None),
        )
        .scalar_subquery()
    )
    session.flush()
    session.execute(
        update(Customer)
        .where(Customer.id == customer_id)
        .values(last_followup_at=last, next_followup_at=following)
        .execution_options(synchronize_session=False)
    )
    loaded = session.identity_map.get(identity_key(Customer, customer_id))
    if loaded is not None:
        session.expire(loaded, ["last_followup_at", "next_followup_at"])


# =========================================================================== writes


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    followup: Followup,
    changes: dict[str, list[Any]],
    **extra: Any,
) -> None:
    audit.record(
        session,
        actor,
        action,
        "followup",
        followup.id,
        {
            "customer_id": followup.customer_id,
            "changes": changes,
            "version": followup.version,
            **extra,
        },
    )


def _new_plan(
    session: Session, customer: Customer, plan: NextPlan, actor: Actor, now: datetime
) -> Followup:
    given: dict[str, Any] = {
        "kind": plan.kind,
        "contact_id": plan.contact_id,
        "summary": plan.note,
        "due_at": plan.due_at,
    }
    values = _validate(session, given, customer_id=customer.id, status="planned")
    return _insert(session, customer.id, "planned", values, actor, now, "followup.plan")


def _insert(
    session: Session,
    customer_id: int,
    status: str,
    values: dict[str, Any],
    actor: Actor,
    now: datetime,
    action: str,
) -> Followup:
    """A new follow-up of ``actor`` with validated ``values``, and its audit row."""
    followup = Followup(
        customer_id=customer_id,
        user_id=actor.id,
        status=status,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(followup)
    session.flush()
    _audit(
        session,
        actor,
        action,
        followup,
        changes_of({}, {k: v for k, v in values.items() if v not in (None, "")}),
    )
    return followup


def log_followup(
    session: Session,
    customer_id: int,
    data: FollowupInput,
    actor: Actor,
    *,
    plan_next: NextPlan | None = None,
    now: datetime | None = None,
) -> LogResult:
    """Record a follow-up that happened (outcome required; ``happened_at`` defaults to now),
    optionally planning the next one."""
    now = resolve_now(now)
    customer = load_for_write(session, customer_id, actor)
    _require_customer_editable(customer, actor)
    given = data.given()
    given.setdefault("kind", "call")
    given.setdefault("summary", "")
    if given.get("happened_at", UNSET) in (UNSET, None):
        given["happened_at"] = now
    if "due_at" in given and given["due_at"] is None:
        del given["due_at"]
    values = _validate(session, given, customer_id=customer.id, status="done")
    followup = _insert(session, customer.id, "done", values, actor, now, "followup.create")
    planned = _new_plan(session, customer, plan_next, actor, now) if plan_next else None
    refresh_customer_dates(session, customer.id)
    return LogResult(
        followup=_row(session, followup.id, actor),
        planned=_row(session, planned.id, actor) if planned else None,
    )


def plan_followup(
    session: Session,
    customer_id: int,
    plan: NextPlan,
    actor: Actor,
    *,
    now: datetime | None = None,
) -> FollowupRow:
    """Plan a follow-up due at ``plan.due_at`` (a reminder pops when it falls due)."""
    now = resolve_now(now)
    customer = load_for_write(session, customer_id, actor)
    _require_customer_editable(customer, actor)
    followup = _new_plan(session, customer, plan, actor, now)
    refresh_customer_dates(session, customer.id)
    return _row(session, followup.id, actor)


def complete_followup(
    session: Session,
    followup_id: int,
    data: FollowupInput,
    version: int,
    actor: Actor,
    *,
    plan_next: NextPlan | None = None,
    now: datetime | None = None,
) -> LogResult:
    """Mark a planned follow-up done: the outcome is required, ``happened_at`` defaults to now,
    the summary to the plan's note; optionally plan the next one."""
    now = resolve_now(now)
    followup, customer = _load_for_write(session, followup_id, actor)
    _check_version(followup, version)
    if followup.status != "planned":
        raise ValidationError(
            f"Only a planned follow-up can be completed; this one is {followup.status}"
        )
    current = _values(followup)
    given = data.given()
    if given.get("happened_at", UNSET) in (UNSET, None):
        given["happened_at"] = now
    if given.get("due_at", UNSET) is None:
        del given["due_at"]
    values = _validate(session, given, customer_id=customer.id, status="done", current=current)
    changes = {k: v for k, v in values.items() if current[k] != v}
    for name, value in changes.items():
        setattr(followup, name, value)
    followup.status = "done"
    followup.updated_at = now
    session.flush()
    _audit(
        session,
        actor,
        "followup.complete",
        followup,
        {"status": ["planned", "done"], **changes_of(current, changes)},
    )
    planned = _new_plan(session, customer, plan_next, actor, now) if plan_next else None
    refresh_customer_dates(session, customer.id)
    return LogResult(
        followup=_row(session, followup.id, actor),
        planned=_row(session, planned.id, actor) if planned else None,
    )


def update_followup(
    session: Session, followup_id: int, data: FollowupInput, version: int, actor: Actor
) -> FollowupRow:
    """Save the fields the user changed over ``version``; a newer saved version raises
    ConflictError (nothing is overwritten)."""
    followup, customer = _load_for_write(session, followup_id, actor)
    _check_version(followup, version)
    current = _values(followup)
    values = _validate(
        session, data.given(), customer_id=customer.id, status=followup.status, current=current
    )
    changes = {k: v for k, v in values.items() if current[k] != v}
    if not changes:
        return _row(session, followup.id, actor)
    for name, value in changes.items():
        setattr(followup, name, value)
    followup.updated_at = utcnow()
    session.flush()
    _audit(session, actor, "followup.update", followup, changes_of(current, changes))
    refresh_customer_dates(session, customer.id)
    return _row(session, followup.id, actor)


def cancel_followup(session: Session, followup_id: int, version: int, actor: Actor) -> FollowupRow:
    """A planned follow-up that will not happen: kept in the timeline as cancelled."""
    followup, customer = _load_for_write(session, followup_id, actor)
    _check_version(followup, version)
    if followup.status != "planned":
        raise ValidationError(
            f"Only a planned follow-up can be cancelled; this one is {followup.status}"
        )
    followup.status = "cancelled"
    followup.updated_at = utcnow()
    session.flush()
    _audit(session, actor, "followup.cancel", followup, {"status": ["planned", "cancelled"]})
    refresh_customer_dates(session, customer.id)
    return _row(session, followup.id, actor)


def delete_followup(session: Session, followup_id: int, actor: Actor) -> None:
    """Soft-delete a follow-up (audited; the customer's dates follow)."""
    followup, customer = _load_for_write(session, followup_id, actor)
    followup.deleted_at = utcnow()
    session.flush()
    _audit(
        session,
        actor,
        "followup.delete",
        followup,
        {"deleted_at": [None, json_safe(followup.deleted_at)]},
        status=followup.status,
        summary=followup.summary[:200],
    )
    refresh_customer_dates(session, customer.id)


# =========================================================================== timeline


def timeline(
    session: Session, customer_id: int, actor: Actor, *, limit: int = 500
) -> list[TimelineEntry]:
    """Follow-ups, linked mail and ownership changes of one customer: planned follow-ups first
    (soonest due first), then everything else newest first; at most ``limit`` entries."""
    customer = session.get(Customer, customer_id)
    if customer is None or not can_see(actor, customer.owner_id, customer.branch_id):
        raise NotFound(f"No customer with id {customer_id}")
    planned: list[TimelineEntry] = []
    past: list[TimelineEntry] = []
    # A sent email logged as an "email" follow-up shows once: as that follow-up.
    logged_mail: set[int] = set()
    fu_rows = session.execute(
        select(
            Followup.id,
            Followup.status,
            Followup.kind,
            Followup.happened_at,
            Followup.due_at,
            Followup.created_at,
            Followup.summary,
            Followup.outcome,
            Followup.lost_reason,
            Followup.user_id,
            AppUser.display_name,
            Contact.name,
            Followup.email_id,
        )
        .outerjoin(AppUser, AppUser.id == Followup.user_id)
        .outerjoin(Contact, Contact.id == Followup.contact_id)
        .where(Followup.customer_id == customer_id, Followup.deleted_at.is_(None))
        .order_by(func.coalesce(Followup.happened_at, Followup.due_at).desc(), Followup.id.desc())
        .limit(limit)
    )
    for (
        fid,
        status,
        kind,
        happened,
        due,
        created,
        summary,
        outcome,
        reason,
        uid,
        uname,
        cname,
        email_id,
    ) in fu_rows:
        if email_id is not None:
            logged_mail.add(email_id)
        entry = TimelineEntry(
            kind="followup" if status == "done" else "planned",
            at=(happened if status == "done" else due) or happened or due or created,
            ref_id=fid,
            user_name=uname,
            title=kind,
            text=summary or "",
            outcome=outcome,
            lost_reason=reason,
            contact_name=cname,
            status=status,
            can_edit=followup_editable(actor, uid, customer.owner_id, customer.branch_id)
            and customer.deleted_at is None,
        )
        (planned if status == "planned" else past).append(entry)
    mail_rows = session.execute(
        select(
            EmailMessage.id,
            EmailMessage.sent_at,
            EmailMessage.created_at,
            EmailMessage.subject,
            func.substr(EmailMessage.body_text, 1, MAIL_SNIPPET),
            EmailMessage.direction,
            AppUser.display_name,
            Contact.name,
        )
        .outerjoin(AppUser, AppUser.id == EmailMessage.owner_id)
        .outerjoin(Contact, Contact.id == EmailMessage.contact_id)
        .where(EmailMessage.customer_id == customer_id, EmailMessage.deleted_at.is_(None))
        .order_by(EmailMessage.sent_at.desc(), EmailMessage.id.desc())
        .limit(limit)
    )
    for mid, sent, created, subject, snippet, direction, uname, cname in mail_rows:
        if mid in logged_mail:
            continue
        past.append(
            TimelineEntry(
                kind="mail",
                at=sent or created,
                ref_id=mid,
                user_name=uname,
                title=subject or "",
                text=" ".join((snippet or "").split()),
                contact_name=cname,
                status=direction,
            )
        )
    from_user = aliased(AppUser)
    to_user = aliased(AppUser)
    by_user = aliased(AppUser)
    own_rows = session.execute(
        select(
            OwnershipChange.id,
            OwnershipChange.at,
            OwnershipChange.reason,
            OwnershipChange.note,
            from_user.display_name,
            to_user.display_name,
            by_user.display_name,
        )
        .outerjoin(from_user, from_user.id == OwnershipChange.from_user_id)
        .outerjoin(to_user, to_user.id == OwnershipChange.to_user_id)
        .outerjoin(by_user, by_user.id == OwnershipChange.by_id)
        .where(OwnershipChange.customer_id == customer_id)
        .order_by(OwnershipChange.at.desc(), OwnershipChange.id.desc())
        .limit(limit)
    )
    for oid, at, reason, note, from_name, to_name, by_name in own_rows:
        past.append(
            TimelineEntry(
                kind="ownership",
                at=at,
                ref_id=oid,
                user_name=by_name,
                title="",
                text=note or "",
                from_user=from_name,
                to_user=to_name,
                reason=reason,
            )
        )
    planned.sort(key=lambda e: (e.at, e.ref_id))
    order = {"followup": 0, "mail": 1, "ownership": 2}
    past.sort(key=lambda e: (e.at, -order.get(e.kind, 3), e.ref_id), reverse=True)
    return (planned + past)[:limit]


# =========================================================================== reminders and due


def due_for_reminder(
    session: Session, actor: Actor, *, now: datetime | None = None, limit: int = REMINDER_LIMIT
) -> list[FollowupRow]:
    """The actor's planned follow-ups that have fallen due and were not reminded yet, most
    recently due first (at most ``limit``; the Today page lists the rest)."""
    if actor.id is None:
        return []
    now = resolve_now(now)
    return walk_planned(
        session,
        actor,
        actor.id,
        [Followup.due_at <= now, Followup.reminded_at.is_(None)],
        responsible(actor),
        limit=limit,
        descending=True,
    )


def mark_reminded(
    session: Session, followup_ids: Sequence[int], actor: Actor, *, now: datetime | None = None
) -> None:
    """Remember that these reminders were shown (the actor's own follow-ups only). Not an edit:
    no new version, no audit row."""
    if actor.id is None or not followup_ids:
        return
    now = resolve_now(now)
    ids = list(dict.fromkeys(int(i) for i in followup_ids))
    for start in range(0, len(ids), 1000):
        session.execute(
            update(Followup)
            .where(Followup.id.in_(ids[start : start + 1000]), Followup.user_id == actor.id)
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )


def due_followups(
    session: Session,
    actor: Actor,
    *,
    user_login: str | None = None,
    now: datetime | None = None,
    days_ahead: int = 7,
    limit: int | None = None,
) -> list[FollowupRow]:
    """Planned follow-ups due before the end of the local day ``days_ahead`` days from today
    (overdue ones included), soonest first — the CLI's ``followups due``. Without
    ``user_login``: the actor's own (the system actor: everybody's)."""
    now = resolve_now(now)
    if days_ahead < 0:
        raise ValidationError("days ahead must be 0 or more", {"days_ahead": "negative"})
    _start, end = local_day_bounds(now)
    end = end + timedelta(days=days_ahead)
    keep: CustomerCheck
    if user_login is not None:
        user = session.scalar(select(AppUser).where(AppUser.login == user_login))
        if user is None:
            raise NotFound(f"No user with login {user_login!r}")
        if user.id != actor.id:
            if not actor.is_manager:
                raise PermissionDenied("You may list only your own follow-ups")
            if not actor.is_admin and user.branch_id != actor.branch_id:
                raise PermissionDenied("A manager may list follow-ups of their branch only")
        users = [user.id]
        keep = responsible(actor if user.id == actor.id else actor_of(user))
    elif actor.id is not None:
        users, keep = [actor.id], responsible(actor)
    elif actor.is_admin:
        users = list(session.scalars(select(AppUser.id).order_by(AppUser.id)))
        keep = _live_owned
    else:
        return []
    cap = limit if limit is not None else MAX_DUE_LIST
    rows: list[FollowupRow] = []
    for user_id in users:
        rows += walk_planned(session, actor, user_id, [Followup.due_at < end], keep, limit=cap)
    rows.sort(key=lambda r: (r.due_at or end, r.id))
    return rows[:cap]


MAX_DUE_LIST = 100_000


def _live_owned(owner_id: int | None, _branch_id: int | None, deleted_at: datetime | None) -> bool:
    return deleted_at is None and owner_id is not None
