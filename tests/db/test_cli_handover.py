"""`crm-desktop handover` run as a user runs it: a real process on a real SQLite file and
PostgreSQL database — a dry run changes nothing, a grade-limited run moves only that grade and
keeps the login, the last run sends the rest to the pool and disables the login; mistakes get
one clear line and exit code 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from crm_desktop.db.models import AppUser, Customer, Followup, OwnershipChange
from crm_desktop.services.followups import NextPlan, plan_followup
from tests.db.customer_world import World, open_world

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


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


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


def owners(world: World) -> dict[str, int | None]:
    with world.db.read_session_factory.begin() as s:
        return {name: owner for name, owner in s.execute(select(Customer.name, Customer.owner_id))}


def active(world: World, login: str) -> bool:
    with world.db.read_session_factory.begin() as s:
        return bool(s.scalar(select(AppUser.active).where(AppUser.login == login)))


def test_dry_run_then_by_grade_then_the_rest_to_the_pool(world: World, db_url: str) -> None:
    li, wang = world.li, world.wang
    a = world.new_customer(li, name="A级客户", grade_id=world.grades["A"])
    world.new_customer(li, name="C级客户", grade_id=world.grades["C"])
    with world.db.session_factory.begin() as s:
        plan_followup(s, a, NextPlan(due_at=NOW), li, now=NOW)
    world.db.dispose()  # the child process writes; no connection of ours stays open
    db = ["--database", db_url]

    out = crm_json("handover", *db, "--from", "li", "--to", "wang", "--dry-run")
    assert out["dry_run"] and out["customers"] == 2 and out["moved"] == {"wang": 2}
    assert out["open_followups"] == 1 and not out["disabled"]
    assert set(owners(world).values()) == {li.id}
    assert active(world, "li")

    out = crm_json(
        "handover", *db, "--from", "li", "--to", "wang", "--grade", "A", "--now", NOW.isoformat()
    )
    assert out["moved"] == {"wang": 1} and out["kept"] == 1
    assert out["followups_moved"] == 1 and not out["disabled"]
    assert datetime.fromisoformat(out["at"]) == NOW
    assert owners(world) == {"A级客户": wang.id, "C级客户": li.id}
    assert active(world, "li")
    with world.db.read_session_factory.begin() as s:
        assert s.scalar(select(Followup.user_id).where(Followup.customer_id == a)) == wang.id

    plain = crm("handover", *db, "--from", "li", "--to", "pool")
    assert plain.returncode == 0, plain.stderr
    assert "1 → pool" in plain.stdout and "login disabled" in plain.stdout
    assert owners(world) == {"A级客户": wang.id, "C级客户": None}
    assert not active(world, "li")
    with world.db.read_session_factory.begin() as s:
        moves = s.scalar(
            select(func.count())
            .select_from(OwnershipChange)
            .where(OwnershipChange.reason == "handover")
        )
    assert moves == 2


def test_mistakes_are_one_line_and_change_nothing(world: World, db_url: str) -> None:
    world.new_customer(world.li, name="客户")
    world.db.dispose()
    db = ["--database", db_url]
    for args, words in (
        (("--from", "nobody", "--to", "wang"), "--from: no user with the login 'nobody'"),
        (("--from", "li", "--to", "nobody"), "--to: no user with the login 'nobody'"),
        (("--from", "li", "--to", "wang", "--grade", "Z"), "--grade: no grade 'Z'"),
        (("--from", "li", "--to", "li"), "cannot inherit their own customers"),
    ):
        out = crm("handover", *db, *args)
        assert out.returncode == 1, out.stdout
        assert words in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
    assert set(owners(world).values()) == {world.li.id}
    assert active(world, "li")
