"""Follow-ups on real SQLite and PostgreSQL: logging, the planning chain, the customer's dates
through edits and deletes, rights, audit, the timeline, reminders and lost reasons. Time is
injected (``now=``), never waited for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm_desktop.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from crm_desktop.db.models import AuditLog, Customer, EmailMessage, Followup
from crm_desktop.services.context import SYSTEM
from crm_desktop.services.customers import ContactInput, add_contact
from crm_desktop.services.followups import (
    FollowupInput,
    NextPlan,
    cancel_followup,
    complete_followup,
    delete_followup,
    due_followups,
    due_for_reminder,
    get_followup,
    list_lost_reasons,
    local_day_bounds,
    log_followup,
    mark_reminded,
    plan_followup,
    set_lost_reasons,
    timeline,
    update_followup,
)
from crm_desktop.services.pool import claim, release_to_pool
from tests.db.customer_world import World, open_world

T0 = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


def dates(world: World, customer_id: int) -> tuple[datetime | None, datetime | None]:
    with world.db.read_session_factory.begin() as s:
        c = s.get(Customer, customer_id)
        assert c is not None
        return c.last_followup_at, c.next_followup_at


def audit_actions(world: World, entity_id: int) -> list[tuple[str, str, dict]]:
    with world.db.read_session_factory.begin() as s:
        rows = s.execute(
            select(AuditLog.action, AuditLog.actor, AuditLog.detail)
            .where(AuditLog.entity == "followup", AuditLog.entity_id == entity_id)
            .order_by(AuditLog.id)
        ).all()
    return [(a, who, d or {}) for a, who, d in rows]


def log(world: World, cid: int, actor=None, **values):
    values.setdefault("outcome", "neutral")
    plan = values.pop("plan_next", None)
    now = values.pop("now", None)
    with world.db.session_factory.begin() as s:
        return log_followup(
            s, cid, FollowupInput(**values), actor or world.li, plan_next=plan, now=now
        )


def plan(world: World, cid: int, due: datetime, actor=None, note: str = "回访"):
    with world.db.session_factory.begin() as s:
        return plan_followup(s, cid, NextPlan(due_at=due, note=note), actor or world.li, now=T0)


# --------------------------------------------------------------------------- logging


def test_logging_a_followup_records_it_sets_the_last_date_and_is_audited(world: World) -> None:
    cid = world.new_customer(world.li, name="华为技术")
    with world.db.session_factory.begin() as s:
        contact = add_contact(s, cid, ContactInput(name="张三"), world.li)
    happened = T0 - timedelta(hours=3)

    result = log(
        world,
        cid,
        kind="visit",
        contact_id=contact.id,
        happened_at=happened,
        summary="  上门演示  ",
        outcome="positive",
    )

    row = result.followup
    assert (row.kind, row.status, row.outcome, row.summary) == (
        "visit",
        "done",
        "positive",
        "上门演示",
    )
    assert (row.customer_name, row.contact_name, row.user_name) == ("华为技术", "张三", "李娜")
    assert row.happened_at == happened and row.due_at is None and row.can_edit
    assert result.planned is None
    assert dates(world, cid) == (happened, None)
    [(action, who, detail)] = audit_actions(world, row.id)
    assert (action, who, detail["customer_id"]) == ("followup.create", "li", cid)
    assert detail["changes"]["outcome"] == [None, "positive"]
    assert detail["changes"]["kind"] == [None, "visit"]


def test_happened_at_defaults_to_now(world: World) -> None:
    cid = world.new_customer(world.li)
    now = T0 - timedelta(minutes=5)

    row = log(world, cid, now=now).followup

    assert row.happened_at == now
    assert dates(world, cid)[0] == now


def test_a_done_followup_needs_an_outcome_and_a_lost_one_a_listed_reason(world: World) -> None:
    cid = world.new_customer(world.li)
    with pytest.raises(ValidationError) as err, world.db.session_factory.begin() as s:
        log_followup(s, cid, FollowupInput(kind="call", outcome=None), world.li, now=T0)
    assert err.value.fields == {"outcome": "required"}

    with pytest.raises(ValidationError) as err, world.db.session_factory.begin() as s:
        log_followup(s, cid, FollowupInput(outcome="lost"), world.li, now=T0)
    assert set(err.value.fields) == {"lost_reason"}

    with pytest.raises(ValidationError) as err, world.db.session_factory.begin() as s:
        log_followup(s, cid, FollowupInput(outcome="lost", lost_reason="天气不好"), world.li)
    assert err.value.fields["lost_reason"] == "choose one of the lost reasons"

    with pytest.raises(ValidationError) as err, world.db.session_factory.begin() as s:
        log_followup(
            s,
            cid,
            FollowupInput(outcome="won", kind="fax", due_at=T0, lost_reason="价格太高"),
            world.li,
        )
    assert set(err.value.fields) == {"kind", "due_at", "lost_reason"}

    row = log(world, cid, outcome="lost", lost_reason="价格太高").followup
    assert (row.outcome, row.lost_reason) == ("lost", "价格太高")
    with world.db.read_session_factory.begin() as s:
        assert s.scalar(select(Followup.id).where(Followup.customer_id == cid)) == row.id


def test_a_reason_removed_from_the_list_stays_on_old_followups(world: World) -> None:
    cid = world.new_customer(world.li)
    row = log(world, cid, outcome="lost", lost_reason="价格太高").followup
    with world.db.session_factory.begin() as s:
        set_lost_reasons(s, ["预算不足"], world.admin)

    with world.db.session_factory.begin() as s:
        edited = update_followup(s, row.id, FollowupInput(summary="补充"), row.version, world.li)
        assert (edited.lost_reason, edited.summary) == ("价格太高", "补充")
    with pytest.raises(ValidationError), world.db.session_factory.begin() as s:
        update_followup(s, row.id, FollowupInput(lost_reason="联系不上"), edited.version, world.li)


def test_changing_the_outcome_away_from_lost_drops_the_reason(world: World) -> None:
    cid = world.new_customer(world.li)
    row = log(world, cid, outcome="lost", lost_reason="价格太高").followup

    with world.db.session_factory.begin() as s:
        edited = update_followup(s, row.id, FollowupInput(outcome="won"), row.version, world.li)

    assert (edited.outcome, edited.lost_reason) == ("won", None)
    _action, _who, detail = audit_actions(world, row.id)[-1]
    assert detail["changes"] == {"outcome": ["lost", "won"], "lost_reason": ["价格太高", None]}


def test_a_contact_of_another_customer_is_refused(world: World) -> None:
    mine = world.new_customer(world.li, name="甲")
    other = world.new_customer(world.li, name="乙")
    with world.db.session_factory.begin() as s:
        foreign = add_contact(s, other, ContactInput(name="王五"), world.li)

    with pytest.raises(ValidationError) as err, world.db.session_factory.begin() as s:
        log_followup(s, mine, FollowupInput(outcome="neutral", contact_id=foreign.id), world.li)

    assert err.value.fields == {"contact_id": "not a contact of this customer"}


# --------------------------------------------------------------------------- planning chain


def test_the_planning_chain_keeps_last_and_next_dates_right(world: World) -> None:
    cid = world.new_customer(world.li)
    first_call = T0 - timedelta(days=2)
    due1 = T0 + timedelta(days=1)

    first = log(world, cid, happened_at=first_call, plan_next=NextPlan(due_at=due1, note="发报价"))

    assert first.planned is not None
    planned = first.planned
    assert (planned.status, planned.due_at, planned.summary, planned.outcome) == (
        "planned",
        due1,
        "发报价",
        None,
    )
    assert dates(world, cid) == (first_call, due1)

    # Completing needs an outcome…
    with pytest.raises(ValidationError) as err, world.db.session_factory.begin() as s:
        complete_followup(s, planned.id, FollowupInput(), planned.version, world.li, now=T0)
    assert err.value.fields == {"outcome": "required"}

    # …and may plan the next one.
    due2 = T0 + timedelta(days=7)
    with world.db.session_factory.begin() as s:
        done = complete_followup(
            s,
            planned.id,
            FollowupInput(outcome="positive"),
            planned.version,
            world.li,
            plan_next=NextPlan(due_at=due2, note="签合同", kind="visit"),
            now=T0,
        )
    assert (done.followup.id, done.followup.status, done.followup.happened_at) == (
        planned.id,
        "done",
        T0,
    )
    assert done.followup.summary == "发报价"  # the plan's note becomes the summary
    assert done.followup.due_at == due1  # when it was due stays on record
    assert done.planned is not None and (done.planned.due_at, done.planned.kind) == (
        due2,
        "visit",
    )
    assert dates(world, cid) == (T0, due2)
    actions = [a for a, _w, _d in audit_actions(world, planned.id)]
    assert actions == ["followup.plan", "followup.complete"]
    _a, _w, detail = audit_actions(world, planned.id)[-1]
    assert detail["changes"]["status"] == ["planned", "done"]
    assert detail["changes"]["outcome"] == [None, "positive"]

    # A done follow-up cannot be completed again.
    with pytest.raises(ValidationError), world.db.session_factory.begin() as s:
        complete_followup(
            s, planned.id, FollowupInput(outcome="won"), done.followup.version, world.li
        )


def test_next_followup_is_the_earliest_live_planned_one(world: World) -> None:
    cid = world.new_customer(world.li)
    later = plan(world, cid, T0 + timedelta(days=5))
    sooner = plan(world, cid, T0 + timedelta(days=2))
    assert dates(world, cid)[1] == sooner.due_at

    with world.db.session_factory.begin() as s:
        cancelled = cancel_followup(s, sooner.id, sooner.version, world.li)
    assert cancelled.status == "cancelled"
    assert dates(world, cid)[1] == later.due_at

    with world.db.session_factory.begin() as s:
        moved = update_followup(
            s, later.id, FollowupInput(due_at=T0 + timedelta(days=9)), later.version, world.li
        )
    assert dates(world, cid)[1] == T0 + timedelta(days=9)

    with world.db.session_factory.begin() as s:
        delete_followup(s, moved.id, world.li)
    assert dates(world, cid) == (None, None)
    with pytest.raises(ValidationError), world.db.session_factory.begin() as s:
        cancel_followup(s, cancelled.id, cancelled.version, world.li)  # not planned any more


def test_last_followup_follows_edits_and_deletes(world: World) -> None:
    cid = world.new_customer(world.li)
    old = log(world, cid, happened_at=T0 - timedelta(days=10)).followup
    new = log(world, cid, happened_at=T0 - timedelta(days=1)).followup
    assert dates(world, cid)[0] == new.happened_at

    with world.db.session_factory.begin() as s:
        update_followup(
            s, new.id, FollowupInput(happened_at=T0 - timedelta(days=20)), new.version, world.li
        )
    assert dates(world, cid)[0] == old.happened_at

    with world.db.session_factory.begin() as s:
        delete_followup(s, old.id, world.li)
    assert dates(world, cid)[0] == T0 - timedelta(days=20)

    with world.db.session_factory.begin() as s:
        delete_followup(s, new.id, world.li)
    assert dates(world, cid)[0] is None
    with world.db.read_session_factory.begin() as s:
        assert s.scalar(select(Followup.deleted_at).where(Followup.id == new.id)) is not None
    assert [a for a, _w, _d in audit_actions(world, new.id)] == [
        "followup.create",
        "followup.update",
        "followup.delete",
    ]
    with pytest.raises(NotFound), world.db.session_factory.begin() as s:
        delete_followup(s, new.id, world.li)


def test_a_planned_followup_cannot_take_an_outcome_before_it_is_completed(world: World) -> None:
    cid = world.new_customer(world.li)
    planned = plan(world, cid, T0 + timedelta(days=1))

    with pytest.raises(ValidationError) as err, world.db.session_factory.begin() as s:
        update_followup(s, planned.id, FollowupInput(outcome="won"), planned.version, world.li)

    assert set(err.value.fields) == {"outcome"}


def test_saving_over_a_stale_version_is_refused(world: World) -> None:
    cid = world.new_customer(world.li)
    row = log(world, cid, summary="第一版").followup
    with world.db.session_factory.begin() as s:
        update_followup(s, row.id, FollowupInput(summary="经理改的"), row.version, world.manager)

    with pytest.raises(ConflictError, match="version"), world.db.session_factory.begin() as s:
        update_followup(s, row.id, FollowupInput(summary="我改的"), row.version, world.li)

    with world.db.read_session_factory.begin() as s:
        assert get_followup(s, row.id, world.li).summary == "经理改的"


# --------------------------------------------------------------------------- rights


def test_sales_write_only_their_own_followups_on_their_own_customers(world: World) -> None:
    lis = world.new_customer(world.li)
    by_manager = log(world, lis, actor=world.manager, summary="经理拜访").followup

    with world.db.read_session_factory.begin() as s:
        assert get_followup(s, by_manager.id, world.li).can_edit is False
        assert get_followup(s, by_manager.id, world.manager).can_edit is True
    with (
        pytest.raises(PermissionDenied, match="only your own"),
        world.db.session_factory.begin() as s,
    ):
        update_followup(s, by_manager.id, FollowupInput(summary="x"), by_manager.version, world.li)
    with pytest.raises(NotFound), world.db.session_factory.begin() as s:
        log_followup(s, lis, FollowupInput(outcome="neutral"), world.wang)  # not hers to see
    with pytest.raises(NotFound), world.db.read_session_factory.begin() as s:
        get_followup(s, by_manager.id, world.chen)


def test_managers_edit_their_branch_and_admins_everything(world: World) -> None:
    lis = world.new_customer(world.li)
    chens = world.new_customer(world.chen)
    lis_row = log(world, lis).followup
    chens_row = log(world, chens, actor=world.chen).followup

    with world.db.session_factory.begin() as s:
        update_followup(
            s, lis_row.id, FollowupInput(summary="经理补充"), lis_row.version, world.manager
        )
    with pytest.raises(NotFound), world.db.session_factory.begin() as s:
        delete_followup(s, chens_row.id, world.manager)  # another branch
    with world.db.session_factory.begin() as s:
        delete_followup(s, chens_row.id, world.admin)
    assert dates(world, chens) == (None, None)


def test_pool_customers_take_followups_only_after_a_claim(world: World) -> None:
    pooled = world.new_customer(world.admin, owner_id=None)

    with pytest.raises(PermissionDenied, match="Claim"), world.db.session_factory.begin() as s:
        log_followup(s, pooled, FollowupInput(outcome="neutral"), world.li)

    with world.db.session_factory.begin() as s:
        claim(s, pooled, world.li, now=T0)
    assert log(world, pooled).followup.customer_id == pooled


# --------------------------------------------------------------------------- timeline


def test_timeline_merges_followups_mail_and_ownership_newest_first(world: World) -> None:
    cid = world.new_customer(world.li, name="timeline客户")
    created_at = T0  # approximately; the creation's ownership row is the newest past entry
    older = log(world, cid, happened_at=T0 - timedelta(days=9), summary="初次电话").followup
    newer = log(
        world,
        cid,
        happened_at=T0 - timedelta(days=2),
        summary="报价被拒",
        outcome="lost",
        lost_reason="价格太高",
    ).followup
    gone = log(world, cid, happened_at=T0 - timedelta(days=1), summary="删掉的").followup
    with world.db.session_factory.begin() as s:
        delete_followup(s, gone.id, world.li)
    far = plan(world, cid, T0 + timedelta(days=10), note="远期")
    near = plan(world, cid, T0 + timedelta(days=3), note="近期")
    dropped = plan(world, cid, T0 - timedelta(days=4), note="取消的")
    with world.db.session_factory.begin() as s:
        cancel_followup(s, dropped.id, dropped.version, world.li)
        mail = EmailMessage(
            message_id="<m1@example.com>",
            direction="in",
            subject="询价",
            body_text="您好，\n请报价。",
            sent_at=T0 - timedelta(days=5),
            customer_id=cid,
        )
        s.add(mail)
        s.flush()
        mail_id = mail.id

    with world.db.read_session_factory.begin() as s:
        entries = timeline(s, cid, world.li)

    shape = [(e.kind, e.ref_id if e.kind != "ownership" else e.reason) for e in entries]
    assert shape == [
        ("planned", near.id),
        ("planned", far.id),
        ("ownership", "create"),
        ("followup", newer.id),
        ("planned", dropped.id),
        ("mail", mail_id),
        ("followup", older.id),
    ]
    assert entries[0].status == "planned" and entries[0].text == "近期"
    assert entries[2].to_user == "李娜" and entries[2].from_user is None
    assert entries[2].at >= created_at - timedelta(minutes=1)
    lost = entries[3]
    assert (lost.title, lost.text, lost.outcome, lost.lost_reason, lost.user_name) == (
        "call",
        "报价被拒",
        "lost",
        "价格太高",
        "李娜",
    )
    assert lost.can_edit
    assert entries[4].status == "cancelled"
    assert (entries[5].title, entries[5].text, entries[5].status) == (
        "询价",
        "您好， 请报价。",
        "in",
    )
    with pytest.raises(NotFound), world.db.read_session_factory.begin() as s:
        timeline(s, cid, world.chen)


def test_timeline_shows_reclaim_and_claim_moves(world: World) -> None:
    cid = world.new_customer(world.li)
    with world.db.session_factory.begin() as s:
        release_to_pool(s, cid, world.li, note="不再跟进", now=T0 + timedelta(days=1))
    with world.db.session_factory.begin() as s:
        claim(s, cid, world.wang, now=T0 + timedelta(days=2))

    with world.db.read_session_factory.begin() as s:
        moves = [e for e in timeline(s, cid, world.wang) if e.kind == "ownership"]

    assert [(m.reason, m.from_user, m.to_user, m.text) for m in moves] == [
        ("claim", None, "王芳", ""),
        ("release", "李娜", None, "不再跟进"),
        ("create", None, "李娜", ""),
    ]


# --------------------------------------------------------------------------- reminders


def test_reminders_fire_once_for_own_due_followups(world: World) -> None:
    cid = world.new_customer(world.li)
    due = plan(world, cid, T0 - timedelta(minutes=1))
    plan(world, cid, T0 + timedelta(hours=1))  # not due yet
    wangs = world.new_customer(world.wang)
    theirs = plan(world, wangs, T0 - timedelta(minutes=5), actor=world.wang)

    with world.db.read_session_factory.begin() as s:
        assert [r.id for r in due_for_reminder(s, world.li, now=T0)] == [due.id]
    with world.db.session_factory.begin() as s:
        mark_reminded(s, [due.id, theirs.id], world.li, now=T0)  # wang's is not li's to mark
    with world.db.read_session_factory.begin() as s:
        assert due_for_reminder(s, world.li, now=T0) == []
        assert [r.id for r in due_for_reminder(s, world.wang, now=T0)] == [theirs.id]
        # Marking is not an edit: the version stays, an open form is not made stale.
        assert get_followup(s, due.id, world.li).version == due.version


def test_a_customer_that_left_its_owner_stops_reminding_them(world: World) -> None:
    cid = world.new_customer(world.li)
    plan(world, cid, T0 - timedelta(minutes=1))
    with world.db.session_factory.begin() as s:
        release_to_pool(s, cid, world.li, now=T0)

    with world.db.read_session_factory.begin() as s:
        assert due_for_reminder(s, world.li, now=T0) == []
    assert dates(world, cid)[1] is None  # the plan was cancelled with the release


def test_due_followups_lists_a_users_due_and_overdue_ones(world: World) -> None:
    cid = world.new_customer(world.li)
    start, end = local_day_bounds(T0)
    overdue = plan(world, cid, start - timedelta(days=3))
    soon = plan(world, cid, end + timedelta(days=2))
    plan(world, cid, end + timedelta(days=8))  # beyond the 7 days

    with world.db.read_session_factory.begin() as s:
        mine = due_followups(s, world.li, now=T0)
        as_manager = due_followups(s, world.manager, user_login="li", now=T0)
        every = due_followups(s, SYSTEM, now=T0)
    assert [r.id for r in mine] == [overdue.id, soon.id]
    assert [r.id for r in as_manager] == [overdue.id, soon.id]
    assert [r.id for r in every] == [overdue.id, soon.id]
    with pytest.raises(PermissionDenied), world.db.read_session_factory.begin() as s:
        due_followups(s, world.wang, user_login="li", now=T0)
    with pytest.raises(PermissionDenied), world.db.read_session_factory.begin() as s:
        due_followups(s, world.manager, user_login="chen", now=T0)


# --------------------------------------------------------------------------- lost reasons


def test_lost_reasons_are_seeded_and_only_admins_change_them(world: World) -> None:
    with world.db.read_session_factory.begin() as s:
        seeded = list_lost_reasons(s)
    assert "价格太高" in seeded and "选择了竞争对手" in seeded

    with pytest.raises(PermissionDenied), world.db.session_factory.begin() as s:
        set_lost_reasons(s, ["x"], world.manager)
    with pytest.raises(ValidationError), world.db.session_factory.begin() as s:
        set_lost_reasons(s, ["  ", ""], world.admin)
    with world.db.session_factory.begin() as s:
        saved = set_lost_reasons(s, [" 价格太高 ", "交期太长", "价格太高"], world.admin)

    assert saved == ["价格太高", "交期太长"]
    with world.db.read_session_factory.begin() as s:
        assert list_lost_reasons(s) == saved
        detail = s.scalar(
            select(AuditLog.detail)
            .where(AuditLog.action == "setting.update")
            .order_by(AuditLog.id.desc())
        )
    assert detail["key"] == "lost_reasons" and detail["changes"]["lost_reasons"][1] == saved
