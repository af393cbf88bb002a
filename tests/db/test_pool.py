"""The public pool on real SQLite and PostgreSQL: every reclaim rule (no follow-up, unwon,
warning window, lock, grades without a rule), idempotence, claims with the holding limit and
the cooling-off period, releases, prospect memory, and two clients at the same moment (the claim
race, concurrent reclaims). Time is injected, never waited for."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.core.progress import ProgressState
from crm_desktop.db.models import AuditLog, Customer, Followup, OwnershipChange
from crm_desktop.services.context import SYSTEM
from crm_desktop.services.customers import CustomerInput, find_duplicates, update_customer
from crm_desktop.services.followups import (
    FollowupInput,
    NextPlan,
    due_followups,
    log_followup,
    plan_followup,
)
from crm_desktop.services.pool import (
    ClaimRefused,
    PoolRules,
    about_to_return,
    claim,
    dormant_customers,
    get_pool_rules,
    holding_count,
    prospect_memory,
    reclaim,
    release_to_pool,
    set_pool_rules,
)
from tests.db.customer_world import World, open_world

DAY = timedelta(days=1)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


def created_at(world: World, cid: int) -> datetime:
    with world.db.read_session_factory.begin() as s:
        value = s.scalar(select(Customer.created_at).where(Customer.id == cid))
    assert value is not None
    return value


def owner_of(world: World, cid: int) -> int | None:
    with world.db.read_session_factory.begin() as s:
        return s.scalar(select(Customer.owner_id).where(Customer.id == cid))


def rules(world: World, **values: Any) -> None:
    with world.db.session_factory.begin() as s:
        set_pool_rules(s, PoolRules(**values), world.admin)


def run_reclaim(world: World, now: datetime, *, dry_run: bool = False):
    with world.db.session_factory.begin() as s:
        return reclaim(s, now=now, dry_run=dry_run)


def log(world: World, cid: int, actor, at: datetime, outcome: str = "neutral", **extra: Any):
    with world.db.session_factory.begin() as s:
        return log_followup(
            s, cid, FollowupInput(outcome=outcome, happened_at=at, **extra), actor, now=at
        )


# --------------------------------------------------------------------------- reclaim


def test_a_customer_without_followup_for_the_grades_days_returns_to_the_pool(
    world: World,
) -> None:
    # Grade C: back to the pool after 30 days without a follow-up (seeded defaults).
    cid = world.new_customer(world.li, name="沉睡公司", grade_id=world.grades["C"])
    kept = world.new_customer(world.li, name="常联系", grade_id=world.grades["C"])
    start = created_at(world, cid)
    log(world, kept, world.li, start + 20 * DAY)
    now = start + 31 * DAY

    result = run_reclaim(world, now)

    assert [
        (i.customer_id, i.rule, i.owner_login, i.owner_name, i.grade_code) for i in result.items
    ] == [(cid, "no_followup", "li", "李娜", "C")]
    item = result.items[0]
    assert item.idle_since == start and item.due_at == start + 30 * DAY
    assert (result.dry_run, result.at) == (False, now)
    with world.db.read_session_factory.begin() as s:
        moved = s.get(Customer, cid)
        assert moved is not None
        assert (moved.owner_id, moved.pool_since, moved.owner_since) == (None, now, None)
        assert s.scalar(select(Customer.owner_id).where(Customer.id == kept)) == world.li.id
        change = s.scalars(
            select(OwnershipChange).where(
                OwnershipChange.customer_id == cid, OwnershipChange.reason == "reclaim"
            )
        ).one()
        assert (change.from_user_id, change.to_user_id, change.at, change.note) == (
            world.li.id,
            None,
            now,
            "no_followup",
        )
        entry = s.scalars(
            select(AuditLog).where(AuditLog.action == "customer.reclaim", AuditLog.entity_id == cid)
        ).one()
        assert (entry.actor, entry.entity) == ("system", "customer")
        assert entry.detail["changes"] == {"owner_id": [world.li.id, None]}
        assert entry.detail["rule"] == "no_followup"
        assert entry.detail["version"] == moved.version


def test_the_idle_clock_starts_at_the_last_followup_or_when_the_owner_got_it(
    world: World,
) -> None:
    cid = world.new_customer(world.li, grade_id=world.grades["C"])
    start = created_at(world, cid)
    log(world, cid, world.li, start + 10 * DAY)
    assert run_reclaim(world, start + 39 * DAY).items == ()

    with world.db.session_factory.begin() as s:  # the manager hands it to wang…
        current = s.get(Customer, cid)
        assert current is not None
        update_customer(
            s, cid, CustomerInput(owner_id=world.wang.id), current.version, world.manager
        )
        # …on day 35 (update_customer takes the clock's time: set the injected one).
        s.execute(update(Customer).where(Customer.id == cid).values(owner_since=start + 35 * DAY))
    assert run_reclaim(world, start + 41 * DAY).items == ()  # wang's clock started on day 35
    [item] = run_reclaim(world, start + 66 * DAY).items
    assert (item.owner_login, item.idle_since) == ("wang", start + 35 * DAY)


def test_reclaim_is_idempotent_and_a_dry_run_changes_nothing(world: World) -> None:
    cid = world.new_customer(world.li, grade_id=world.grades["D"])  # 15 days
    now = created_at(world, cid) + 16 * DAY

    preview = run_reclaim(world, now, dry_run=True)
    assert [i.customer_id for i in preview.items] == [cid] and preview.dry_run
    assert owner_of(world, cid) == world.li.id

    assert [i.customer_id for i in run_reclaim(world, now).items] == [cid]
    assert run_reclaim(world, now).items == ()
    assert run_reclaim(world, now + 30 * DAY).items == ()
    with world.db.read_session_factory.begin() as s:
        moves = s.scalar(
            select(func.count()).where(
                OwnershipChange.customer_id == cid, OwnershipChange.reason == "reclaim"
            )
        )
        audits = s.scalar(
            select(func.count()).where(
                AuditLog.entity_id == cid, AuditLog.action == "customer.reclaim"
            )
        )
    assert (moves, audits) == (1, 1)


def test_reclaim_cancels_the_previous_owners_planned_followups(world: World) -> None:
    cid = world.new_customer(world.li, grade_id=world.grades["D"])  # 15 days
    start = created_at(world, cid)
    with world.db.session_factory.begin() as s:
        planned = plan_followup(
            s, cid, NextPlan(due_at=start + 20 * DAY), world.li, now=start + 10 * DAY
        )
    now = start + 16 * DAY  # a plan is no follow-up: the customer is idle since its creation

    assert [i.customer_id for i in run_reclaim(world, now).items] == [cid]

    with world.db.read_session_factory.begin() as s:
        followup = s.get(Followup, planned.id)
        customer = s.get(Customer, cid)
        assert followup is not None and customer is not None
        assert (followup.status, followup.version) == ("cancelled", planned.version + 1)
        assert (customer.owner_id, customer.next_followup_at) == (None, None)
        assert due_followups(s, SYSTEM, user_login="li", now=now) == []


def test_locked_customers_and_grades_without_a_rule_stay(world: World) -> None:
    locked = world.new_customer(world.li, grade_id=world.grades["D"], locked=True)
    key = world.new_customer(world.li, grade_id=world.grades["A"])  # A: never reclaimed
    ungraded = world.new_customer(world.li)
    due = world.new_customer(world.li, grade_id=world.grades["D"])
    now = created_at(world, due) + 400 * DAY

    assert [i.customer_id for i in run_reclaim(world, now).items] == [due]
    assert {owner_of(world, c) for c in (locked, key, ungraded)} == {world.li.id}


def test_deleted_and_pool_customers_are_left_alone(world: World) -> None:
    gone = world.new_customer(world.li, grade_id=world.grades["D"])
    pooled = world.new_customer(world.admin, owner_id=None, grade_id=world.grades["D"])
    with world.db.session_factory.begin() as s:
        s.execute(update(Customer).where(Customer.id == gone).values(deleted_at=func.now()))

    assert run_reclaim(world, created_at(world, gone) + 100 * DAY).items == ()
    assert owner_of(world, gone) == world.li.id and owner_of(world, pooled) is None


def test_unwon_customers_return_after_the_unwon_days(world: World) -> None:
    rules(world, unwon_days=20)
    prospect = world.new_customer(world.li, grade_id=world.grades["B"])  # 90 days idle rule
    won = world.new_customer(world.li, grade_id=world.grades["B"], status="active")
    start = created_at(world, prospect)
    for cid in (prospect, won):
        log(world, cid, world.li, start + 18 * DAY)  # followed up: no_followup is far away

    assert run_reclaim(world, start + 19 * DAY).items == ()
    [item] = run_reclaim(world, start + 21 * DAY).items
    assert (item.customer_id, item.rule, item.idle_since, item.due_at) == (
        prospect,
        "unwon",
        start,
        start + 20 * DAY,
    )
    assert owner_of(world, won) == world.li.id


def test_progress_is_reported_and_a_cancel_rolls_everything_back(world: World) -> None:
    cid = world.new_customer(world.li, grade_id=world.grades["D"])
    now = created_at(world, cid) + 16 * DAY
    seen: list[tuple[int, int | None]] = []
    progress = ProgressState(on_report=lambda done, total, _label: seen.append((done, total)))

    with world.db.session_factory.begin() as s:
        reclaim(s, now=now, progress=progress)
    assert seen and seen[-1][0] == seen[-1][1]

    other = world.new_customer(world.wang, grade_id=world.grades["D"])
    cancelled = ProgressState()
    cancelled.cancel()
    from crm_desktop.core.errors import OperationCancelled

    with pytest.raises(OperationCancelled), world.db.session_factory.begin() as s:
        reclaim(s, now=created_at(world, other) + 16 * DAY, progress=cancelled)
    assert owner_of(world, other) == world.wang.id


# --------------------------------------------------------------------------- warnings, dormant


def test_customers_about_to_return_are_listed_within_the_warning_window(world: World) -> None:
    # Grade C: 30 days, warning 5 days before.
    soon = world.new_customer(world.li, name="快回收", grade_id=world.grades["C"])
    later = world.new_customer(world.li, name="还早", grade_id=world.grades["C"])
    locked = world.new_customer(world.li, name="锁定", grade_id=world.grades["C"], locked=True)
    wangs = world.new_customer(world.wang, name="王的", grade_id=world.grades["C"])
    chens = world.new_customer(world.chen, name="陈的", grade_id=world.grades["C"])
    start = created_at(world, soon)
    log(world, later, world.li, start + 3 * DAY)
    now = start + 26 * DAY

    with world.db.read_session_factory.begin() as s:
        mine = about_to_return(s, world.li, now=now)
        branch = about_to_return(s, world.manager, now=now, scope="branch")
        everyone = about_to_return(s, world.admin, now=now, scope="branch")
        assert about_to_return(s, world.li, now=start + 24 * DAY) == []
        with pytest.raises(PermissionDenied):
            about_to_return(s, world.li, now=now, scope="branch")

    assert [(i.customer_id, i.name, i.rule) for i in mine] == [(soon, "快回收", "no_followup")]
    assert mine[0].due_at == start + 30 * DAY
    assert locked not in {i.customer_id for i in branch}
    assert {i.customer_id for i in branch} == {soon, wangs}
    assert {i.customer_id for i in everyone} == {soon, wangs, chens}
    with world.db.read_session_factory.begin() as s:  # three days on, "later" joins
        assert [i.customer_id for i in about_to_return(s, world.li, now=now + 3 * DAY)] == [
            soon,
            later,
        ]


def test_dormant_customers_have_had_no_followup_for_the_grades_days(world: World) -> None:
    # dormant_days: A 30, C 60 (seeded defaults)
    quieter = world.new_customer(world.li, name="更安静", grade_id=world.grades["A"])
    quiet = world.new_customer(world.li, name="安静", grade_id=world.grades["C"])
    busy = world.new_customer(world.li, name="活跃", grade_id=world.grades["C"])
    wangs = world.new_customer(world.wang, name="王的", grade_id=world.grades["A"])
    start = created_at(world, quieter)
    log(world, quiet, world.li, start + 5 * DAY)
    log(world, busy, world.li, start + 50 * DAY)
    now = start + 70 * DAY

    with world.db.read_session_factory.begin() as s:
        mine = dormant_customers(s, world.li, now=now)
        branch = dormant_customers(s, world.manager, now=now, scope="branch")

    assert [(r.customer_id, r.days, r.last_followup_at) for r in mine] == [
        (quieter, 70, None),
        (quiet, 65, start + 5 * DAY),
    ]
    assert mine[0].name == "更安静" and mine[0].owner_name == "李娜" and mine[0].grade_code == "A"
    assert {r.customer_id for r in branch} == {quiet, quieter, wangs}
    assert busy not in {r.customer_id for r in branch}


# --------------------------------------------------------------------------- claim / release


def test_claim_takes_a_pool_customer_and_records_it(world: World) -> None:
    cid = world.new_customer(world.admin, owner_id=None, name="公海客户")
    now = created_at(world, cid) + DAY

    with world.db.session_factory.begin() as s:
        claim(s, cid, world.chen, now=now)

    with world.db.read_session_factory.begin() as s:
        c = s.get(Customer, cid)
        assert c is not None
        assert (c.owner_id, c.owner_since, c.pool_since, c.branch_id) == (
            world.chen.id,
            now,
            None,
            world.branches["GZ"],
        )
        change = s.scalars(
            select(OwnershipChange).where(
                OwnershipChange.customer_id == cid, OwnershipChange.reason == "claim"
            )
        ).one()
        assert (change.from_user_id, change.to_user_id, change.by_id) == (
            None,
            world.chen.id,
            world.chen.id,
        )
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "customer.claim")).one()
        assert entry.detail["changes"] == {"owner_id": [None, world.chen.id]}
    with pytest.raises(ClaimRefused) as err, world.db.session_factory.begin() as s:
        claim(s, cid, world.li, now=now)
    assert err.value.reason == "taken" and "陈静" in str(err.value)
    assert err.value.details == {"by": "陈静"}
    with pytest.raises(ClaimRefused) as err, world.db.session_factory.begin() as s:
        claim(s, cid, world.chen, now=now)
    assert err.value.reason == "not_in_pool"
    with pytest.raises(NotFound), world.db.session_factory.begin() as s:
        claim(s, 987654, world.chen, now=now)


def test_claims_beyond_the_holding_limit_are_refused_naming_the_numbers(world: World) -> None:
    rules(world, holding_limit=2)
    world.new_customer(world.li, name="已有一")
    world.new_customer(world.li, name="已有二")
    world.new_customer(world.li, name="已成交", status="active")  # won: not counted
    prospect = world.new_customer(world.admin, owner_id=None, name="潜在")
    won_before = world.new_customer(world.admin, owner_id=None, name="老客户", status="active")
    now = created_at(world, prospect) + DAY
    with world.db.read_session_factory.begin() as s:
        assert holding_count(s, world.li.id) == 2

    with pytest.raises(ClaimRefused) as err, world.db.session_factory.begin() as s:
        claim(s, prospect, world.li, now=now)

    assert err.value.reason == "limit" and err.value.details == {"held": 2, "limit": 2}
    assert "You already hold 2 customers, the limit is 2" in str(err.value)
    assert owner_of(world, prospect) is None
    with world.db.session_factory.begin() as s:
        claim(s, won_before, world.li, now=now)  # an active customer does not count
        claim(s, prospect, world.wang, now=now)
    assert (owner_of(world, won_before), owner_of(world, prospect)) == (world.li.id, world.wang.id)


def test_the_previous_owner_cannot_reclaim_during_the_cooling_off(world: World) -> None:
    rules(world, cooling_off_days=7)
    cid = world.new_customer(world.li, grade_id=world.grades["D"])
    start = created_at(world, cid)
    run_reclaim(world, start + 16 * DAY)
    assert owner_of(world, cid) is None

    with pytest.raises(ClaimRefused) as err, world.db.session_factory.begin() as s:
        claim(s, cid, world.li, now=start + 20 * DAY)
    assert err.value.reason == "cooling_off" and "7 days" in str(err.value)

    with world.db.session_factory.begin() as s:
        claim(s, cid, world.li, now=start + 23 * DAY + timedelta(seconds=1))
    assert owner_of(world, cid) == world.li.id


def test_cooling_off_also_follows_a_release_but_not_other_people(world: World) -> None:
    rules(world, cooling_off_days=3)
    cid = world.new_customer(world.li)
    now = created_at(world, cid) + DAY
    with world.db.session_factory.begin() as s:
        release_to_pool(s, cid, world.li, now=now)

    with pytest.raises(ClaimRefused), world.db.session_factory.begin() as s:
        claim(s, cid, world.li, now=now + DAY)
    with world.db.session_factory.begin() as s:
        claim(s, cid, world.wang, now=now + DAY)
    assert owner_of(world, cid) == world.wang.id


def test_release_to_pool_rights_record_and_cancelled_plans(world: World) -> None:
    cid = world.new_customer(world.li)
    now = created_at(world, cid) + DAY
    with world.db.session_factory.begin() as s:
        planned = plan_followup(s, cid, NextPlan(due_at=now + DAY), world.li, now=now)

    with pytest.raises(NotFound), world.db.session_factory.begin() as s:
        release_to_pool(s, cid, world.wang, now=now)  # not hers to see
    with world.db.session_factory.begin() as s:
        release_to_pool(s, cid, world.manager, note="  客户要求换人 ", now=now)
    with pytest.raises(ValidationError), world.db.session_factory.begin() as s:
        release_to_pool(s, cid, world.manager, now=now)  # already in the pool

    with world.db.read_session_factory.begin() as s:
        c = s.get(Customer, cid)
        assert c is not None
        assert (c.owner_id, c.pool_since, c.owner_since, c.next_followup_at) == (
            None,
            now,
            None,
            None,
        )
        change = s.scalars(select(OwnershipChange).where(OwnershipChange.reason == "release")).one()
        assert (change.from_user_id, change.by_id, change.note) == (
            world.li.id,
            world.manager.id,
            "客户要求换人",
        )
        assert s.scalar(select(Followup.status).where(Followup.id == planned.id)) == "cancelled"
        detail = s.scalar(select(AuditLog.detail).where(AuditLog.action == "customer.release"))
        assert detail["changes"] == {"owner_id": [world.li.id, None]}
        assert detail["cancelled_followups"] == [planned.id]


def test_pool_rules_are_admin_only_and_audited(world: World) -> None:
    with world.db.read_session_factory.begin() as s:
        assert get_pool_rules(s) == PoolRules(holding_limit=None, cooling_off_days=7)
    with pytest.raises(PermissionDenied), world.db.session_factory.begin() as s:
        set_pool_rules(s, PoolRules(holding_limit=5), world.manager)
    with pytest.raises(ValidationError), world.db.session_factory.begin() as s:
        set_pool_rules(s, PoolRules(holding_limit=-1), world.admin)

    rules(world, holding_limit=50, cooling_off_days=10, unwon_days=90)

    with world.db.read_session_factory.begin() as s:
        assert get_pool_rules(s) == PoolRules(50, 10, 90)
        detail = s.scalar(select(AuditLog.detail).where(AuditLog.action == "setting.update"))
    assert detail["changes"]["holding_limit"] == [None, 50]


# --------------------------------------------------------------------------- prospect memory


def test_prospect_memory_tells_who_tried_before_without_summaries(world: World) -> None:
    cid = world.new_customer(world.li, name="难搞公司", grade_id=world.grades["D"])
    start = created_at(world, cid)
    log(world, cid, world.manager, start + DAY, outcome="positive", summary="经理的秘密")
    log(world, cid, world.li, start + 2 * DAY, outcome="lost", lost_reason="价格太高")
    log(world, cid, world.li, start + 3 * DAY, outcome="negative", summary="李的秘密")
    run_reclaim(world, start + 30 * DAY)

    with world.db.read_session_factory.begin() as s:
        memory = prospect_memory(s, cid, world.chen)  # another branch: the pool is for all

    assert memory.pool_since == start + 30 * DAY and memory.last_reclaim_from == "李娜"
    assert [
        (r.user_name, r.last_at, r.followups, r.last_outcome, r.lost_reason) for r in memory.rows
    ] == [
        ("李娜", start + 3 * DAY, 2, "negative", "价格太高"),
        ("张经理", start + DAY, 1, "positive", None),
    ]
    assert "秘密" not in repr(memory)


def test_prospect_memory_of_a_hidden_customer_is_refused_but_the_duplicate_hit_tells(
    world: World,
) -> None:
    cid = world.new_customer(world.li, name="唯一名称科技")
    log(world, cid, world.li, created_at(world, cid) + DAY, outcome="lost", lost_reason="预算不足")

    with pytest.raises(NotFound), world.db.read_session_factory.begin() as s:
        prospect_memory(s, cid, world.chen)
    with world.db.read_session_factory.begin() as s:
        [hit] = find_duplicates(s, name="唯一名称科技", actor=world.chen)
    assert (hit.visible, hit.customer_id, hit.name) == (False, None, None)
    assert (hit.owner_name, hit.last_outcome, hit.lost_reason) == ("李娜", "lost", "预算不足")


# --------------------------------------------------------------------------- two at once


def _in_threads(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs in threads started together; each result or exception, in order."""
    results: list[Any] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(i: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = job()
        except BaseException as exc:  # handed to the test thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_claims_at_the_same_moment_exactly_one_wins(world: World) -> None:
    cid = world.new_customer(world.admin, owner_id=None, name="抢手客户")
    now = created_at(world, cid) + DAY

    def claim_as(actor):
        def job() -> str:
            with world.db.session_factory.begin() as s:
                claim(s, cid, actor, now=now)
            return actor.login

        return job

    results = _in_threads(claim_as(world.li), claim_as(world.chen))

    winners = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, ClaimRefused)]
    assert len(winners) == 1 and len(refused) == 1, results
    winner = world.li if winners == ["li"] else world.chen
    assert refused[0].reason == "taken" and winner.display_name in str(refused[0])
    assert owner_of(world, cid) == winner.id
    with world.db.read_session_factory.begin() as s:
        assert (
            s.scalar(
                select(func.count()).where(
                    OwnershipChange.customer_id == cid, OwnershipChange.reason == "claim"
                )
            )
            == 1
        )


@pytest.mark.postgres
def test_the_loser_of_a_claim_race_waits_for_the_winner_and_is_refused(
    pg_url: str,
) -> None:
    """PostgreSQL lets both claims read "in the pool"; the second UPDATE waits on the row lock
    and then finds the owner set (0 rows): refused, naming the winner."""
    world = next(open_world(pg_url))
    try:
        cid = world.new_customer(world.admin, owner_id=None, name="抢手客户")
        now = created_at(world, cid) + DAY
        winner_updated = threading.Event()
        loser_waiting = threading.Event()
        outcome: list[BaseException | None] = []

        def loser() -> None:
            try:
                winner_updated.wait(10)
                with world.db.session_factory.begin() as s:
                    loser_pid = s.scalar(text("SELECT pg_backend_pid()"))
                    outcome.append(None)
                    pids.append(loser_pid)
                    claim(s, cid, world.chen, now=now)
            except BaseException as exc:
                outcome[-1] = exc

        pids: list[int] = []
        t = threading.Thread(target=loser)
        t.start()
        with world.db.session_factory.begin() as s:
            claim(s, cid, world.li, now=now)  # holds the row lock until commit
            winner_updated.set()
            # Commit only once the loser is blocked on our row lock.
            with world.db.read_session_factory.begin() as watch:
                for _ in range(1000):
                    waiting = pids and watch.scalar(
                        text(
                            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"
                        ),
                        {"pid": pids[0]},
                    )
                    if waiting:
                        loser_waiting.set()
                        break
                    loser_waiting.wait(0.01)
            assert loser_waiting.is_set(), "the second claim never waited for the first"
        t.join(30)

        assert len(outcome) == 1 and isinstance(outcome[0], ClaimRefused)
        assert outcome[0].reason == "taken" and "李娜" in str(outcome[0])
        assert owner_of(world, cid) == world.li.id
    finally:
        world.db.dispose()


def test_two_reclaims_at_once_move_each_customer_once(world: World) -> None:
    ids = [world.new_customer(world.li, grade_id=world.grades["D"]) for _ in range(6)]
    ids += [world.new_customer(world.chen, grade_id=world.grades["D"]) for _ in range(6)]
    now = created_at(world, ids[-1]) + 16 * DAY

    def job():
        with world.db.session_factory.begin() as s:
            return reclaim(s, now=now)

    first, second = _in_threads(job, job)

    assert not isinstance(first, BaseException) and not isinstance(second, BaseException)
    moved = [i.customer_id for i in first.items] + [i.customer_id for i in second.items]
    assert sorted(moved) == sorted(ids)
    with world.db.read_session_factory.begin() as s:
        per_customer = dict(
            s.execute(
                select(OwnershipChange.customer_id, func.count())
                .where(OwnershipChange.reason == "reclaim")
                .group_by(OwnershipChange.customer_id)
            ).all()
        )
        audits = s.scalar(select(func.count()).where(AuditLog.action == "customer.reclaim"))
    assert per_customer == {cid: 1 for cid in ids} and audits == len(ids)


@pytest.mark.postgres
def test_a_reclaim_skips_rows_another_reclaim_holds(pg_url: str) -> None:
    """Deterministic: the first reclaim holds its moved rows (not committed); the second one
    skips them (FOR UPDATE SKIP LOCKED) instead of moving them again or waiting."""
    world = next(open_world(pg_url))
    try:
        ids = [world.new_customer(world.li, grade_id=world.grades["D"]) for _ in range(3)]
        now = created_at(world, ids[-1]) + 16 * DAY
        with world.db.session_factory.begin() as first:
            assert len(reclaim(first, now=now).items) == 3
            with world.db.session_factory.begin() as second:
                assert reclaim(second, now=now).items == ()
        with world.db.session_factory.begin() as third:
            assert reclaim(third, now=now).items == ()
        with world.db.read_session_factory.begin() as s:
            assert s.scalar(select(func.count()).where(OwnershipChange.reason == "reclaim")) == 3
    finally:
        world.db.dispose()
