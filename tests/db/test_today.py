"""The Today page's data on real SQLite and PostgreSQL: a salesperson's overdue, due-today and
next-days follow-ups, customers about to return to the pool and dormant customers; a manager's
branch; an administrator's everything; the local day boundary. Time is injected."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from crm_desktop.core.errors import PermissionDenied
from crm_desktop.db.models import Customer
from crm_desktop.services.customers import CustomerInput, update_customer
from crm_desktop.services.followups import (
    FollowupInput,
    NextPlan,
    cancel_followup,
    delete_followup,
    local_day_bounds,
    log_followup,
    plan_followup,
)
from crm_desktop.services.today import today_data
from tests.db.customer_world import World, open_world

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = timedelta(days=1)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


@dataclass
class Scene:
    now: datetime
    ids: dict[str, int]  # follow-ups by name
    customers: dict[str, int]


def plan(world: World, cid: int, actor, due: datetime, now: datetime) -> int:
    with world.db.session_factory.begin() as s:
        return plan_followup(s, cid, NextPlan(due_at=due, note="回访"), actor, now=now).id


@pytest.fixture
def scene(world: World) -> Scene:
    main = world.new_customer(world.li, name="主客户", grade_id=world.grades["B"])
    with world.db.read_session_factory.begin() as s:
        t0 = s.scalar(select(Customer.created_at).where(Customer.id == main))
    assert t0 is not None
    now = (t0 + 40 * DAY).astimezone(SHANGHAI)  # 40 days after the customers were made
    start, end = local_day_bounds(now, SHANGHAI)
    warn = world.new_customer(world.li, name="将回收", grade_id=world.grades["C"])
    dormant = world.new_customer(world.li, name="沉睡", grade_id=world.grades["A"])
    wangs = world.new_customer(world.wang, name="王的客户", grade_id=world.grades["A"])
    chens = world.new_customer(world.chen, name="陈的客户", grade_id=world.grades["A"])
    moved = world.new_customer(world.li, name="转走的")
    with world.db.session_factory.begin() as s:
        # C: 30 days without a follow-up, warned 5 days before → due in 3 days.
        log_followup(
            s,
            warn,
            FollowupInput(outcome="neutral", happened_at=now - 27 * DAY),
            world.li,
            now=now,
        )
    ids = {
        "overdue_old": plan(world, main, world.li, start - 2 * DAY, now),
        "overdue_new": plan(world, main, world.li, start - timedelta(minutes=1), now),
        "today_early": plan(world, main, world.li, start + timedelta(hours=1), now),
        "today_late": plan(world, main, world.li, end - timedelta(minutes=1), now),
        "next_first": plan(world, main, world.li, end, now),
        "next_last": plan(world, main, world.li, end + 7 * DAY - timedelta(minutes=1), now),
        "too_far": plan(world, main, world.li, end + 7 * DAY, now),
        "cancelled": plan(world, main, world.li, start + timedelta(hours=2), now),
        "deleted": plan(world, main, world.li, start + timedelta(hours=3), now),
        "wangs": plan(world, wangs, world.wang, start + timedelta(hours=4), now),
        "chens": plan(world, chens, world.chen, start + timedelta(hours=5), now),
        "moved": plan(world, moved, world.li, start + timedelta(hours=6), now),
    }
    with world.db.session_factory.begin() as s:
        cancel_followup(s, ids["cancelled"], 1, world.li)
        delete_followup(s, ids["deleted"], world.li)
        current = s.get(Customer, moved)
        assert current is not None
        update_customer(
            s, moved, CustomerInput(owner_id=world.wang.id), current.version, world.manager
        )
    return Scene(
        now=now,
        ids=ids,
        customers={
            "main": main,
            "warn": warn,
            "dormant": dormant,
            "wangs": wangs,
            "chens": chens,
            "moved": moved,
        },
    )


def names(scene: Scene, rows) -> list[str]:
    by_id = {v: k for k, v in scene.ids.items()}
    return [by_id[r.id] for r in rows]


def test_a_salesperson_sees_their_own_day(world: World, scene: Scene) -> None:
    with world.db.read_session_factory.begin() as s:
        data = today_data(s, world.li, now=scene.now, tz=SHANGHAI)

    assert data.scope == "mine" and data.now == scene.now
    assert names(scene, data.overdue) == ["overdue_old", "overdue_new"]
    assert names(scene, data.due_today) == ["today_early", "today_late"]
    assert names(scene, data.next_days) == ["next_first", "next_last"]
    first = data.due_today[0]
    assert (first.customer_name, first.user_name, first.status, first.can_edit) == (
        "主客户",
        "李娜",
        "planned",
        True,
    )
    assert [(i.customer_id, i.name, i.rule) for i in data.about_to_return] == [
        (scene.customers["warn"], "将回收", "no_followup")
    ]
    assert data.about_to_return[0].due_at == scene.now + 3 * DAY
    with world.db.read_session_factory.begin() as s:
        born = s.scalar(
            select(Customer.created_at).where(Customer.id == scene.customers["dormant"])
        )
    assert born is not None
    assert [(d.customer_id, d.name, d.days, d.last_followup_at) for d in data.dormant] == [
        (scene.customers["dormant"], "沉睡", (scene.now - born).days, None)
    ]


def test_a_manager_sees_the_branch_and_an_admin_everything(world: World, scene: Scene) -> None:
    with world.db.read_session_factory.begin() as s:
        branch = today_data(s, world.manager, scope="branch", now=scene.now, tz=SHANGHAI)
        everything = today_data(s, world.admin, scope="branch", now=scene.now, tz=SHANGHAI)
        own = today_data(s, world.manager, now=scene.now, tz=SHANGHAI)

    assert names(scene, branch.due_today) == ["today_early", "wangs", "moved", "today_late"]
    assert [r.user_name for r in branch.due_today] == ["李娜", "王芳", "李娜", "李娜"]
    assert all(r.can_edit for r in branch.due_today)
    assert names(scene, branch.overdue) == ["overdue_old", "overdue_new"]
    assert {d.customer_id for d in branch.dormant} == {
        scene.customers["dormant"],
        scene.customers["wangs"],
    }
    assert [i.customer_id for i in branch.about_to_return] == [scene.customers["warn"]]
    assert names(scene, everything.due_today) == [
        "today_early",
        "wangs",
        "chens",
        "moved",
        "today_late",
    ]
    assert {d.customer_id for d in everything.dormant} == {
        scene.customers["dormant"],
        scene.customers["wangs"],
        scene.customers["chens"],
    }
    assert (own.overdue, own.due_today, own.next_days) == ((), (), ())


def test_a_salesperson_may_not_ask_for_the_branch(world: World, scene: Scene) -> None:
    with pytest.raises(PermissionDenied), world.db.read_session_factory.begin() as s:
        today_data(s, world.wang, scope="branch", now=scene.now)


def test_a_customer_handed_to_someone_else_leaves_the_old_owners_list(
    world: World, scene: Scene
) -> None:
    with world.db.read_session_factory.begin() as s:
        lis = today_data(s, world.li, now=scene.now, tz=SHANGHAI)
        wangs = today_data(s, world.wang, now=scene.now, tz=SHANGHAI)

    assert scene.ids["moved"] not in {r.id for r in lis.due_today}
    assert names(scene, wangs.due_today) == ["wangs"]  # li's plan is li's, not wang's task


def test_each_list_is_limited_soonest_first(world: World, scene: Scene) -> None:
    with world.db.read_session_factory.begin() as s:
        data = today_data(s, world.manager, scope="branch", now=scene.now, tz=SHANGHAI, limit=1)

    assert names(scene, data.overdue) == ["overdue_old"]
    assert names(scene, data.due_today) == ["today_early"]
    assert names(scene, data.next_days) == ["next_first"]
    assert len(data.dormant) == 1


def test_today_is_the_local_day_of_now(world: World, scene: Scene) -> None:
    late_evening = scene.now.replace(hour=23, minute=30)
    cid = scene.customers["main"]
    after_midnight = plan(world, cid, world.li, late_evening + timedelta(minutes=40), late_evening)

    with world.db.read_session_factory.begin() as s:
        in_shanghai = today_data(s, world.li, now=late_evening, tz=SHANGHAI)
        in_utc = today_data(s, world.li, now=late_evening, tz=ZoneInfo("UTC"))

    # 00:10 tomorrow in Shanghai; 16:10 the same day in UTC.
    assert after_midnight in {r.id for r in in_shanghai.next_days}
    assert after_midnight not in {r.id for r in in_shanghai.due_today}
    assert after_midnight in {r.id for r in in_utc.due_today}
