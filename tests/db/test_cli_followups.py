"""`crm-desktop followups due`, `crm-desktop pool reclaim` and the demo's follow-up data, run as
a user runs them: a real process on a real SQLite file and PostgreSQL database.

The clock is pinned with the hidden ``--now``; the data is written directly with known dates so
that every expectation below follows from the pool rules of the seeded grades (C: back to the
pool after 30 days without a follow-up; D: 15 days; A: never).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from crm_desktop.db.models import AppUser, Contact, Customer, Followup, Grade, OwnershipChange
from crm_desktop.services.company import initialize_company, seed_defaults
from crm_desktop.services.database import Database, open_database
from crm_desktop.services.users import add_user

PASSWORD = "long-enough-pw"
# 10:00 local time, so that "later today" and "tomorrow" are unambiguous in any time zone.
NOW = datetime(2026, 11, 18, 10, 0).astimezone().astimezone(UTC)
TODAY_16H = NOW + timedelta(hours=6)


def crm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_desktop.cli", *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=dict(os.environ),
        check=False,
    )


def crm_json(*args: str) -> Any:
    out = crm(*args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass
class Company:
    url: str
    db: Database
    users: dict[str, int]  # login → id
    grades: dict[str, int]  # code → id

    def customer(
        self,
        name: str,
        *,
        owner: str | None,
        grade: str = "C",
        created_days: float = 300,
        owner_since_days: float | None = None,
        last_followup_days: float | None = None,
        locked: bool = False,
        deleted: bool = False,
    ) -> int:
        created = NOW - timedelta(days=created_days)
        with self.db.session_factory.begin() as s:
            row = Customer(
                name=name,
                name_norm=name,
                grade_id=self.grades[grade],
                owner_id=self.users[owner] if owner else None,
                created_at=created,
                updated_at=created,
                owner_since=(
                    None
                    if owner is None
                    else NOW - timedelta(days=owner_since_days)
                    if owner_since_days is not None
                    else created
                ),
                pool_since=created if owner is None else None,
                last_followup_at=(
                    NOW - timedelta(days=last_followup_days)
                    if last_followup_days is not None
                    else None
                ),
                locked=locked,
                deleted_at=NOW - timedelta(days=1) if deleted else None,
            )
            s.add(row)
            s.flush()
            if last_followup_days is not None:
                s.add(
                    Followup(
                        customer_id=row.id,
                        user_id=row.owner_id,
                        kind="call",
                        status="done",
                        happened_at=row.last_followup_at,
                        summary="电话沟通",
                        outcome="neutral",
                    )
                )
            return row.id

    def planned(
        self,
        customer_id: int,
        user: str,
        due_at: datetime,
        note: str,
        *,
        status: str = "planned",
        contact: str | None = None,
        deleted: bool = False,
    ) -> int:
        with self.db.session_factory.begin() as s:
            contact_id = None
            if contact:
                c = Contact(customer_id=customer_id, name=contact, is_primary=True)
                s.add(c)
                s.flush()
                contact_id = c.id
            row = Followup(
                customer_id=customer_id,
                contact_id=contact_id,
                user_id=self.users[user],
                kind="visit" if contact else "call",
                status=status,
                due_at=due_at,
                summary=note,
                deleted_at=NOW if deleted else None,
            )
            s.add(row)
            s.flush()
            return row.id


@pytest.fixture
def company(db_url: str) -> Iterator[Company]:
    db = open_database(db_url)
    with db.session_factory.begin() as s:
        initialize_company(
            s,
            company_name="测试公司",
            language="zh_CN",
            admin_login="admin",
            admin_name="管理员",
            admin_password=PASSWORD,
        )
        seed_defaults(s, "zh_CN", demo_branches=True)
        for login, name, role in (
            ("zhang", "张经理", "manager"),
            ("li", "李娜", "sales"),
            ("wang", "王芳", "sales"),
        ):
            add_user(
                s,
                login=login,
                display_name=name,
                role=role,
                password=PASSWORD,
                branch_code="SH",
                actor=_admin(s),
            )
    with db.session_factory.begin() as s:
        users = {u.login: u.id for u in s.scalars(select(AppUser))}
        grades = {g.code: g.id for g in s.scalars(select(Grade))}
    try:
        yield Company(db_url, db, users, grades)
    finally:
        db.dispose()


def _admin(session: Any) -> Any:
    from crm_desktop.services.users import actor_of, get_user

    return actor_of(get_user(session, "admin"))


# --------------------------------------------------------------------------- followups due


def test_followups_due_lists_overdue_today_and_the_next_days(company: Company) -> None:
    c1 = company.customer("上海华信科技有限公司", owner="li", last_followup_days=3)
    c2 = company.customer("Acme Trading", owner="li", last_followup_days=1)
    c3 = company.customer("广州恒达贸易有限公司", owner="wang", last_followup_days=2)
    gone = company.customer("已删除客户", owner="li", deleted=True)
    overdue = company.planned(c1, "li", NOW - timedelta(days=3), "催报价")
    today = company.planned(c2, "li", TODAY_16H, "Call back about the quote", contact="John Doe")
    soon = company.planned(c1, "li", NOW + timedelta(days=2), "上门拜访")
    wang_today = company.planned(c3, "wang", TODAY_16H, "确认样品")
    # Not due: too far ahead, cancelled, deleted, of a deleted customer.
    company.planned(c1, "li", NOW + timedelta(days=10), "下个月")
    company.planned(c2, "li", NOW - timedelta(days=1), "取消了", status="cancelled")
    company.planned(c2, "li", NOW - timedelta(days=1), "删掉了", deleted=True)
    company.planned(gone, "li", NOW - timedelta(days=1), "客户已删除")

    mine = crm_json(
        "followups", "due", "--user", "li", "--now", NOW.isoformat(), "--database", company.url
    )
    assert iso(mine["now"]) == NOW
    assert mine["user"] == "li"
    assert [r["id"] for r in mine["overdue"]] == [overdue]
    assert [r["id"] for r in mine["due_today"]] == [today]
    assert [r["id"] for r in mine["next_days"]] == [soon]
    row = mine["due_today"][0]
    assert set(row) == {
        "id",
        "customer_id",
        "customer",
        "contact",
        "user",
        "kind",
        "due_at",
        "note",
    }
    assert row["customer_id"] == c2
    assert row["customer"] == "Acme Trading"
    assert row["contact"] == "John Doe"
    assert row["user"] == "李娜"
    assert row["kind"] == "visit"
    assert iso(row["due_at"]) == TODAY_16H
    assert row["note"] == "Call back about the quote"
    assert mine["overdue"][0]["contact"] is None
    assert mine["overdue"][0]["customer"] == "上海华信科技有限公司"

    everyone = crm_json("followups", "due", "--now", NOW.isoformat(), "--database", company.url)
    assert everyone["user"] is None
    assert sorted(r["id"] for r in everyone["due_today"]) == sorted([today, wang_today])
    assert [r["id"] for r in everyone["overdue"]] == [overdue]

    human = crm(
        "followups", "due", "--user", "li", "--now", NOW.isoformat(), "--database", company.url
    )
    assert human.returncode == 0, human.stderr
    assert "1 overdue, 1 due today, 1 in the next 7 days" in human.stdout
    for text in ("Overdue", "Due today", "Next 7 days", "催报价", "Acme Trading", "John Doe"):
        assert text in human.stdout
    assert "确认样品" not in human.stdout  # wang's


def test_followups_due_of_an_unknown_user_is_one_clear_error(company: Company) -> None:
    out = crm("followups", "due", "--user", "nobody", "--database", company.url)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm-desktop: error:"), out.stderr
    assert "nobody" in lines[0]


def test_a_bad_now_is_a_user_error_and_a_missing_action_is_usage(company: Company) -> None:
    bad = crm("followups", "due", "--now", "yesterday", "--database", company.url)
    assert bad.returncode == 1 and "--now" in bad.stderr and "Traceback" not in bad.stderr
    assert crm("pool", "--database", company.url).returncode == 2
    assert crm("followups", "due", "--user").returncode == 2


# --------------------------------------------------------------------------- pool reclaim


def _owners(company: Company, ids: list[int]) -> dict[int, int | None]:
    with company.db.session_factory.begin() as s:
        stmt = select(Customer.id, Customer.owner_id).where(Customer.id.in_(ids))
        return {cid: owner for cid, owner in s.execute(stmt)}


def _reclaims(company: Company) -> list[tuple[int, int | None, int | None]]:
    with company.db.session_factory.begin() as s:
        stmt = (
            select(
                OwnershipChange.customer_id,
                OwnershipChange.from_user_id,
                OwnershipChange.to_user_id,
            )
            .where(OwnershipChange.reason == "reclaim")
            .order_by(OwnershipChange.customer_id)
        )
        return [(cid, old, new) for cid, old, new in s.execute(stmt)]


def test_pool_reclaim_dry_run_moves_nothing_then_a_run_moves_exactly_the_due(
    company: Company,
) -> None:
    due_c = company.customer("闲置客户", owner="li", grade="C", last_followup_days=40)
    due_d = company.customer("没人跟进", owner="wang", grade="D", created_days=20)
    kept = [
        company.customer("刚跟进", owner="li", grade="C", last_followup_days=5),
        company.customer("锁定客户", owner="li", grade="C", last_followup_days=60, locked=True),
        company.customer("重点客户", owner="li", grade="A", last_followup_days=400),
        # Claimed two days ago: its clock restarted then.
        company.customer(
            "新认领", owner="wang", grade="C", owner_since_days=2, last_followup_days=50
        ),
        company.customer("已在公海", owner=None, grade="C", created_days=200),
        company.customer("已删除", owner="li", grade="C", last_followup_days=90, deleted=True),
    ]
    everyone = [due_c, due_d, *kept]
    before = _owners(company, everyone)

    dry = crm_json(
        "pool", "reclaim", "--dry-run", "--now", NOW.isoformat(), "--database", company.url
    )
    assert dry["dry_run"] is True
    assert iso(dry["at"]) == NOW
    assert dry["moved"] == 2
    by_id = {c["id"]: c for c in dry["customers"]}
    assert set(by_id) == {due_c, due_d}
    assert set(by_id[due_c]) == {"id", "name", "grade", "from", "idle_since", "rule"}
    assert by_id[due_c] | {"idle_since": None} == {
        "id": due_c,
        "name": "闲置客户",
        "grade": "C",
        "from": "li",
        "idle_since": None,
        "rule": "no_followup",
    }
    assert iso(by_id[due_c]["idle_since"]) == NOW - timedelta(days=40)
    assert (by_id[due_d]["from"], by_id[due_d]["grade"]) == ("wang", "D")
    assert iso(by_id[due_d]["idle_since"]) == NOW - timedelta(days=20)
    # Nothing moved.
    assert _owners(company, everyone) == before
    assert _reclaims(company) == []

    human = crm("pool", "reclaim", "--dry-run", "--now", NOW.isoformat(), "--database", company.url)
    assert human.returncode == 0, human.stderr
    assert "2 customers would return to the public pool" in human.stdout
    assert "闲置客户" in human.stdout and "没人跟进" in human.stdout
    assert _owners(company, everyone) == before

    run = crm_json("pool", "reclaim", "--now", NOW.isoformat(), "--database", company.url)
    assert run["dry_run"] is False
    assert run["moved"] == 2
    assert {c["id"] for c in run["customers"]} == {due_c, due_d}
    after = _owners(company, everyone)
    assert after[due_c] is None and after[due_d] is None
    assert {i: after[i] for i in kept} == {i: before[i] for i in kept}
    assert _reclaims(company) == sorted(
        [(due_c, company.users["li"], None), (due_d, company.users["wang"], None)]
    )
    with company.db.session_factory.begin() as s:
        for customer in s.scalars(select(Customer).where(Customer.id.in_([due_c, due_d]))):
            assert customer.pool_since == NOW
            assert customer.owner_since is None

    again = crm_json("pool", "reclaim", "--now", NOW.isoformat(), "--database", company.url)
    assert (again["moved"], again["customers"]) == (0, [])
    assert len(_reclaims(company)) == 2
    quiet = crm("pool", "reclaim", "--now", NOW.isoformat(), "--database", company.url)
    assert quiet.returncode == 0 and "0 customers returned" in quiet.stdout


# --------------------------------------------------------------------------- demo data


def test_demo_followups_per_customer_and_the_pool_story(empty_db_url: str) -> None:
    out = crm_json(
        "demo", "--customers", "400", "--followups-per-customer", "5", "--database", empty_db_url
    )
    assert out["customers"] == 400
    assert 4.4 <= out["followups"] / 400 <= 5.6
    db = open_database(empty_db_url)
    try:
        with db.session_factory.begin() as s:
            from crm_desktop.services.followups import list_lost_reasons

            reasons = set(list_lost_reasons(s))

            def count(*where: Any) -> int:
                return int(s.scalar(select(func.count()).select_from(Customer).where(*where)) or 0)

            # Owned customers know since when; pool customers since when they are there.
            assert count(Customer.owner_id.is_not(None), Customer.owner_since.is_(None)) == 0
            assert count(Customer.owner_id.is_(None), Customer.owner_since.is_not(None)) == 0
            assert count(Customer.owner_id.is_(None), Customer.pool_since.is_(None)) == 0
            lost = list(s.scalars(select(Followup.lost_reason).where(Followup.outcome == "lost")))
            assert lost and set(lost) <= reasons
            # Prospect memory has something to tell: customers reclaimed before, and claimed.
            stmt = select(OwnershipChange.reason, func.count()).group_by(OwnershipChange.reason)
            kinds = {reason: n for reason, n in s.execute(stmt)}
            assert kinds["reclaim"] > 0 and kinds["claim"] > 0
            planned = list(s.scalars(select(Followup.due_at).where(Followup.status == "planned")))
    finally:
        db.dispose()
    now = datetime.now(UTC)
    assert any(d < now for d in planned) and any(d > now + timedelta(days=1) for d in planned)

    # Some customers are overdue for the reclaim, and every one listed really is.
    dry = crm_json("pool", "reclaim", "--dry-run", "--database", empty_db_url)
    assert dry["moved"] > 0
    days = {"B": 90, "C": 30, "D": 15}
    for c in dry["customers"]:
        assert c["rule"] == "no_followup"
        assert iso(c["idle_since"]) + timedelta(days=days[c["grade"]]) <= iso(dry["at"])
    assert dry["moved"] < 400 * 0.1  # most owners keep up with their customers
