"""Handover (离职交接) on real SQLite and PostgreSQL: everything a departing user owns moves in
one transaction — owners, planned follow-ups — while history stays (done follow-ups keep their
author, old ownership_change rows stay); rules by grade, region, hand and rest-to-pool; the
preview changes nothing; rights (admins; managers only for their branch); the login is
disabled, and in Shared mode a connection as that user is refused afterwards."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm_desktop.core.errors import AuthenticationFailed, PermissionDenied, ValidationError
from crm_desktop.db.models import (
    AppUser,
    AuditLog,
    Customer,
    EmailMessage,
    Followup,
    OwnershipChange,
)
from crm_desktop.services.context import Actor
from crm_desktop.services.followups import FollowupInput, NextPlan, log_followup, plan_followup
from crm_desktop.services.handover import (
    HandoverPlan,
    HandoverRule,
    handover_customers,
    handover_preview,
    plan_from_options,
    run_handover,
)
from crm_desktop.services.reports import ReportFilters, report_data
from crm_desktop.services.users import authenticate
from tests.db.customer_world import PASSWORD, World, open_world

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)
_numbers = itertools.count(1)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


def run(world: World, plan: HandoverPlan, actor: Actor | None = None):
    with world.db.session_factory.begin() as s:
        return run_handover(s, plan, actor or world.admin, now=NOW)


def preview(world: World, plan: HandoverPlan, actor: Actor | None = None):
    with world.db.session_factory.begin() as s:
        return handover_preview(s, plan, actor or world.admin)


def owners(world: World, *ids: int) -> list[int | None]:
    with world.db.read_session_factory.begin() as s:
        rows = s.execute(select(Customer.id, Customer.owner_id).where(Customer.id.in_(ids)))
        found = {cid: owner for cid, owner in rows}
    return [found[i] for i in ids]


def snapshot(world: World) -> dict[str, list[tuple[object, ...]]]:
    """Everything a handover may touch, as plain rows."""
    with world.db.read_session_factory.begin() as s:
        return {
            "customer": [
                tuple(r)
                for r in s.execute(
                    select(
                        Customer.id,
                        Customer.owner_id,
                        Customer.owner_since,
                        Customer.pool_since,
                        Customer.branch_id,
                        Customer.version,
                    ).order_by(Customer.id)
                )
            ],
            "followup": [
                tuple(r)
                for r in s.execute(
                    select(Followup.id, Followup.user_id, Followup.status).order_by(Followup.id)
                )
            ],
            "ownership_change": [
                tuple(r) for r in s.execute(select(OwnershipChange.id).order_by(OwnershipChange.id))
            ],
            "audit": [tuple(r) for r in s.execute(select(AuditLog.id).order_by(AuditLog.id))],
            "users": [
                tuple(r) for r in s.execute(select(AppUser.id, AppUser.active).order_by(AppUser.id))
            ],
        }


def plan_for(world: World, cid: int, actor: Actor, days: int = 3) -> int:
    with world.db.session_factory.begin() as s:
        return plan_followup(s, cid, NextPlan(due_at=NOW + days * DAY), actor, now=NOW - DAY).id


def done_for(world: World, cid: int, actor: Actor) -> int:
    with world.db.session_factory.begin() as s:
        result = log_followup(
            s, cid, FollowupInput(outcome="positive", happened_at=NOW - 5 * DAY), actor, now=NOW
        )
    return result.followup.id


def followup_user(world: World, fid: int) -> tuple[int | None, str]:
    with world.db.read_session_factory.begin() as s:
        row = s.execute(select(Followup.user_id, Followup.status).where(Followup.id == fid)).one()
    return row[0], row[1]


# --------------------------------------------------------------------------- everything


def test_handover_moves_every_customer_and_open_followup_and_keeps_history(world: World) -> None:
    li, wang = world.li, world.wang
    c1 = world.new_customer(li, name="华东机械", grade_id=world.grades["A"])
    c2 = world.new_customer(li, name="远航物流", grade_id=world.grades["B"])
    other = world.new_customer(wang, name="王芳的客户")
    done = done_for(world, c1, li)
    plan1 = plan_for(world, c1, li)
    plan2 = plan_for(world, c2, li, days=5)
    with world.db.read_session_factory.begin() as s:
        old_history = s.scalar(select(func.count()).select_from(OwnershipChange))

    shown = preview(world, HandoverPlan(li.id, (), rest_to=wang.id))
    assert shown.customers == 2 and shown.open_followups == 2
    assert shown.assignments == {wang.id: 2}
    assert sum(shown.by_grade_region.values()) == 2

    result = run(world, HandoverPlan(li.id, (), rest_to=wang.id, note="离职"))
    assert result.at == NOW
    assert dict(result.moved) == {wang.id: 2}
    assert result.followups_moved == 2 and result.followups_cancelled == 0
    assert result.disabled

    assert owners(world, c1, c2, other) == [wang.id, wang.id, wang.id]
    assert followup_user(world, plan1) == (wang.id, "planned")
    assert followup_user(world, plan2) == (wang.id, "planned")
    assert followup_user(world, done) == (li.id, "done")  # authorship stays
    with world.db.read_session_factory.begin() as s:
        rows = s.execute(
            select(
                OwnershipChange.customer_id,
                OwnershipChange.from_user_id,
                OwnershipChange.to_user_id,
                OwnershipChange.at,
                OwnershipChange.by_id,
                OwnershipChange.note,
            ).where(OwnershipChange.reason == "handover")
        ).all()
        assert sorted(r[0] for r in rows) == [c1, c2]
        assert {(r[1], r[2], r[3], r[4], r[5]) for r in rows} == {
            (li.id, wang.id, NOW, world.admin.id, "离职")
        }
        total = s.scalar(select(func.count()).select_from(OwnershipChange))
        assert total == old_history + 2  # the old rows (create) are still there
        customer = s.get(Customer, c1)
        assert customer is not None and customer.owner_since == NOW
        assert customer.next_followup_at == NOW + 3 * DAY
        actions = list(
            s.scalars(
                select(AuditLog.action).where(
                    AuditLog.entity == "app_user", AuditLog.entity_id == li.id
                )
            )
        )
        assert actions.count("user.handover") == 1 and actions.count("user.disable") == 1
        user = s.get(AppUser, li.id)
        assert user is not None and not user.active
    with world.db.session_factory.begin() as s, pytest.raises(AuthenticationFailed):
        authenticate(s, "li", PASSWORD)

    # The handover report finds exactly these moves by their time.
    with world.db.read_session_factory.begin() as s:
        data = report_data(
            s,
            "handover",
            ReportFilters(handover_from_id=li.id, handover_at=result.at),
            world.admin,
        )
    assert sorted(c.name for c in data.customers) == ["华东机械", "远航物流"]
    assert data.open_followups == 2


def add_mail(world: World, owner: Actor, customer_id: int | None) -> int:
    with world.db.session_factory.begin() as s:
        mail = EmailMessage(
            message_id=f"<m{next(_numbers)}@example.com>",
            direction="in",
            from_addr="buyer@example.com",
            subject="询价",
            sent_at=NOW - DAY,
            owner_id=owner.id,
            customer_id=customer_id,
            link_method="address" if customer_id else "none",
        )
        s.add(mail)
        s.flush()
        return mail.id


def mail_owners(world: World, *ids: int) -> list[int | None]:
    with world.db.read_session_factory.begin() as s:
        rows = s.execute(
            select(EmailMessage.id, EmailMessage.owner_id).where(EmailMessage.id.in_(ids))
        )
        found = {r[0]: r[1] for r in rows}
    return [found[i] for i in ids]


def test_the_mail_goes_with_the_customers_and_the_unlinked_queue_to_the_main_heir(
    world: World,
) -> None:
    """Linked mail follows its customer's new owner; the departing user's unlinked queue
    goes to the heir who takes most customers (or to the one chosen), not into limbo."""
    li, wang = world.li, world.wang
    big = [world.new_customer(li, name=f"客户{n}", grade_id=world.grades["B"]) for n in range(3)]
    key = world.new_customer(li, name="重点客户", grade_id=world.grades["A"])
    linked = add_mail(world, li, big[0])
    unlinked = [add_mail(world, li, None) for _ in range(2)]
    theirs = add_mail(world, wang, None)

    shown = preview(world, HandoverPlan(li.id, (), rest_to=wang.id))
    assert shown.unlinked_mail == 2 and shown.mail == 1

    plan = HandoverPlan(
        li.id, (HandoverRule(heir_id=world.admin.id, grade_ids=(world.grades["A"],)),), wang.id
    )
    result = run(world, plan)
    assert dict(result.moved) == {world.admin.id: 1, wang.id: 3}
    assert result.unlinked_mail_moved == 2 and result.unlinked_mail_to == wang.id
    assert owners(world, key) == [world.admin.id]
    assert mail_owners(world, linked, *unlinked, theirs) == [wang.id, wang.id, wang.id, wang.id]


def test_unlinked_mail_to_a_chosen_person_or_kept_when_all_goes_to_the_pool(
    world: World,
) -> None:
    li, wang = world.li, world.wang
    world.new_customer(li, name="公海客户")
    unlinked = add_mail(world, li, None)
    result = run(world, HandoverPlan(li.id, (), rest_to=None, disable_login=False))
    assert result.unlinked_mail_moved == 0 and mail_owners(world, unlinked) == [li.id]
    world.new_customer(li, name="又一个")
    result = run(
        world,
        HandoverPlan(li.id, (), rest_to=None, disable_login=False, unlinked_mail_to=wang.id),
    )
    assert result.unlinked_mail_to == wang.id and mail_owners(world, unlinked) == [wang.id]


def test_rules_by_grade_region_and_hand_with_the_rest_to_the_pool(world: World) -> None:
    li, wang, chen, zhang = world.li, world.wang, world.chen, world.manager
    by_hand = world.new_customer(li, name="手选", grade_id=world.grades["A"])
    grade_a = world.new_customer(li, name="A级", grade_id=world.grades["A"])
    in_beijing = world.new_customer(
        li, name="北京的", grade_id=world.grades["C"], region_id=world.regions["海淀区"]
    )
    rest = world.new_customer(li, name="其余", grade_id=world.grades["D"])
    deleted_rest = world.new_customer(li, name="回收站里的", grade_id=world.grades["D"])
    with world.db.session_factory.begin() as s:
        from crm_desktop.services.customers import delete_customer

        delete_customer(s, deleted_rest, li)
    plan_rest = plan_for(world, rest, li)
    plan_a = plan_for(world, grade_a, li)
    someone_elses = plan_for(world, rest, zhang)  # the manager's plan: cancelled in the pool too

    plan = HandoverPlan(
        li.id,
        (
            HandoverRule(chen.id, customer_ids=(by_hand,)),
            HandoverRule(wang.id, grade_ids=(world.grades["A"],)),
            HandoverRule(zhang.id, region_id=world.regions["北京"]),
        ),
        rest_to=None,
    )
    shown = preview(world, plan)
    assert dict(shown.assignments) == {chen.id: 1, wang.id: 1, zhang.id: 1, None: 2}
    with world.db.read_session_factory.begin() as s:
        assert {c.name for c in handover_customers(s, li.id, world.admin)} == {
            "手选",
            "A级",
            "北京的",
            "其余",
            "回收站里的",
        }

    result = run(world, plan)
    assert dict(result.moved) == dict(shown.assignments)
    assert owners(world, by_hand, grade_a, in_beijing, rest, deleted_rest) == [
        chen.id,
        wang.id,
        zhang.id,
        None,
        None,
    ]
    assert followup_user(world, plan_a) == (wang.id, "planned")
    assert followup_user(world, plan_rest) == (li.id, "cancelled")
    assert followup_user(world, someone_elses) == (zhang.id, "cancelled")
    assert result.followups_cancelled == 2
    with world.db.read_session_factory.begin() as s:
        moved_to_gz = s.get(Customer, by_hand)
        pooled = s.get(Customer, rest)
        assert moved_to_gz is not None and moved_to_gz.branch_id == world.branches["GZ"]
        assert pooled is not None
        assert (pooled.pool_since, pooled.owner_since, pooled.next_followup_at) == (
            NOW,
            None,
            None,
        )


def test_a_partial_handover_keeps_the_rest_and_the_login(world: World) -> None:
    li, wang = world.li, world.wang
    a = world.new_customer(li, name="A级", grade_id=world.grades["A"])
    b = world.new_customer(li, name="B级", grade_id=world.grades["B"])
    with world.db.session_factory.begin() as s:
        plan = plan_from_options(s, from_login="li", to="wang", grades=["a"])
    assert plan.rest_to == "keep" and not plan.disable_login
    result = run(world, plan)
    assert not result.disabled
    assert owners(world, a, b) == [wang.id, li.id]
    # Disabling while customers would stay is refused, whole.
    with pytest.raises(ValidationError, match="still hold 1"):
        run(world, HandoverPlan(li.id, (), rest_to="keep"))
    with world.db.session_factory.begin() as s:
        plan = plan_from_options(s, from_login="li", to="pool")
    assert plan.disable_login and plan.rest_to is None
    assert run(world, plan).disabled
    assert owners(world, a, b) == [wang.id, None]


def test_the_preview_changes_nothing(world: World) -> None:
    c = world.new_customer(world.li, name="预览")
    plan_for(world, c, world.li)
    before = snapshot(world)
    shown = preview(world, HandoverPlan(world.li.id, (), rest_to=None))
    assert shown.customers == 1 and shown.assignments == {None: 1}
    assert snapshot(world) == before


def test_a_refused_handover_changes_nothing(world: World) -> None:
    c = world.new_customer(world.li, name="拒绝")
    plan_for(world, c, world.li)
    with world.db.session_factory.begin() as s:
        s.get(AppUser, world.wang.id).active = False  # type: ignore[union-attr]
    before = snapshot(world)
    with pytest.raises(ValidationError, match="disabled"):
        run(world, HandoverPlan(world.li.id, (), rest_to=world.wang.id))
    with pytest.raises(ValidationError, match="own customers"):
        run(world, HandoverPlan(world.admin.id, (), rest_to=world.li.id))
    assert snapshot(world) == before


def test_only_admins_and_the_branch_manager_hand_over(world: World) -> None:
    li, wang, chen, zhang = world.li, world.wang, world.chen, world.manager
    c = world.new_customer(wang, name="王芳的")
    g = world.new_customer(chen, name="广州的")
    with pytest.raises(PermissionDenied):
        preview(world, HandoverPlan(wang.id, (), rest_to=li.id), li)
    with pytest.raises(PermissionDenied):
        run(world, HandoverPlan(wang.id, (), rest_to=li.id), li)
    with pytest.raises(PermissionDenied):  # Guangzhou is not the manager's branch
        run(world, HandoverPlan(chen.id, (), rest_to=None), zhang)
    with pytest.raises(PermissionDenied):  # nor may the heir be of another branch
        run(world, HandoverPlan(wang.id, (), rest_to=chen.id), zhang)
    with pytest.raises(PermissionDenied):
        run(world, HandoverPlan(world.admin.id, (), rest_to=li.id), zhang)
    assert owners(world, c, g) == [wang.id, chen.id]
    result = run(world, HandoverPlan(wang.id, (), rest_to=li.id), zhang)
    assert result.disabled and owners(world, c) == [li.id]


# --------------------------------------------------------------------------- Shared mode


def _server_init_available() -> bool:
    try:
        from crm_desktop.services.server import server_init  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.postgres
@pytest.mark.skipif(
    not _server_init_available(), reason="services/server.server_init (Shared mode) is missing"
)
def test_in_shared_mode_the_departing_login_is_refused_afterwards(
    pg_cluster: object, empty_pg_url: str
) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    from crm_desktop.services.customers import CustomerInput, create_customer
    from crm_desktop.services.database import open_database
    from crm_desktop.services.server import server_init
    from crm_desktop.services.users import create_user, sign_in_shared

    n = next(_numbers)
    admin_login, li_login, wang_login = f"ho_admin_{n}", f"ho_li_{n}", f"ho_wang_{n}"
    server_init(empty_pg_url, admin_login=admin_login, admin_password=PASSWORD, company="测试公司")
    base = make_url(empty_pg_url)

    def url_as(login: str) -> str:
        return base.set(username=login, password=None).render_as_string(hide_password=False)

    db = open_database(url_as(admin_login), password=PASSWORD)
    try:
        with db.session_factory.begin() as s:
            admin = sign_in_shared(s)
            for login in (li_login, wang_login):
                create_user(s, login=login, display_name=login, password=PASSWORD, actor=admin)
        with db.session_factory.begin() as s:
            li_id = s.scalar(select(AppUser.id).where(AppUser.login == li_login))
            wang_id = s.scalar(select(AppUser.id).where(AppUser.login == wang_login))
            assert li_id is not None and wang_id is not None
            cid = create_customer(
                s, CustomerInput(name="交接客户", owner_id=li_id), admin, allow_duplicate=True
            ).id

        def connect_as_li() -> None:
            with psycopg.connect(
                host=base.host,
                port=base.port,
                dbname=base.database,
                user=li_login,
                password=PASSWORD,
            ) as conn:
                conn.execute("SELECT 1")

        connect_as_li()  # works before the handover
        with db.session_factory.begin() as s:
            result = run_handover(s, HandoverPlan(li_id, (), rest_to=wang_id), admin, now=NOW)
        assert result.disabled
        with db.read_session_factory.begin() as s:
            assert s.scalar(select(Customer.owner_id).where(Customer.id == cid)) == wang_id
        with pytest.raises(psycopg.OperationalError):
            connect_as_li()
    finally:
        db.dispose()
