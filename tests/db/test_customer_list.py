"""The customer list's data on real SQLite and PostgreSQL: filters (with the region subtree),
visibility, sort orders, page rows, keyset paging and region counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from crm_desktop.db.models import Customer
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_list import (
    SORT_KEYS,
    CustomerFilter,
    SortSpec,
    count_by_region,
    count_filtered,
    fetch_rows,
    filtered_ids,
    keyset_after,
    keyset_page,
)
from crm_desktop.services.customers import delete_customer
from tests.db.customer_world import World, open_world


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    """A small company with users of every role, on SQLite and on PostgreSQL."""
    yield from open_world(db_url)


NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)


@pytest.fixture
def listed(world: World) -> dict[str, int]:
    """Eight customers across regions, grades, owners and follow-up dates."""
    w = world
    ids = {
        "nanjing_a": w.new_customer(
            w.li, name="Alpha 南京", region_id=w.regions["南京"], grade_id=w.grades["A"],
            tags=["vip", "机床"], status="active",
        ),
        "jiangsu_b": w.new_customer(
            w.li, name="beta 江苏", region_id=w.regions["江苏"], grade_id=w.grades["B"],
            status="prospect",
        ),
        "suzhou_a": w.new_customer(
            w.wang, name="Gamma 苏州", region_id=w.regions["苏州"], grade_id=w.grades["A"],
            tags=["展会"], status="lost",
        ),
        "hangzhou_c": w.new_customer(
            w.wang, name="delta 杭州", region_id=w.regions["杭州"], grade_id=w.grades["C"],
            status="dormant",
        ),
        "guangzhou_a": w.new_customer(
            w.chen, name="Epsilon 广州", region_id=w.regions["广州"], grade_id=w.grades["A"],
            status="active",
        ),
        "pool_nanjing": w.new_customer(
            w.admin, name="Zeta 公海", region_id=w.regions["南京"], owner_id=None, status="active",
        ),
        "no_region": w.new_customer(w.li, name="eta 无区域", status="active"),
        "deleted_nanjing": w.new_customer(
            w.li, name="Theta 删除", region_id=w.regions["南京"], grade_id=w.grades["A"],
        ),
    }  # fmt: skip
    followups = {
        "nanjing_a": (NOW - timedelta(days=2), NOW - timedelta(hours=3)),  # due, overdue
        "jiangsu_b": (NOW - timedelta(days=100), NOW + timedelta(days=5)),
        "suzhou_a": (None, NOW + timedelta(hours=1)),
        "hangzhou_c": (NOW - timedelta(days=40), None),
        "guangzhou_a": (NOW - timedelta(days=1), None),
    }
    with w.db.session_factory.begin() as s:
        for key, cid in ids.items():
            last, nxt = followups.get(key, (None, None))
            created = NOW - timedelta(days=10 * (len(key) % 7) + cid)
            s.execute(
                update(Customer)
                .where(Customer.id == cid)
                .values(last_followup_at=last, next_followup_at=nxt, created_at=created)
            )
        delete_customer(s, ids["deleted_nanjing"], w.admin)
    return ids


def _ids(
    world: World, flt: CustomerFilter, sort: SortSpec | None = None, actor: Actor | None = None
) -> list[int]:
    with world.db.session_factory.begin() as s:
        return list(filtered_ids(s, flt, sort or SortSpec(), actor or world.admin, now=NOW))


def _names(world: World, ids: list[int]) -> list[str]:
    with world.db.session_factory.begin() as s:
        return [r.name for r in fetch_rows(s, ids)]


def test_region_filter_includes_the_whole_subtree(world: World, listed: dict[str, int]) -> None:
    east = _ids(world, CustomerFilter(region_id=world.regions["华东"]))
    assert set(east) == {
        listed[k] for k in ("nanjing_a", "jiangsu_b", "suzhou_a", "hangzhou_c", "pool_nanjing")
    }
    jiangsu = _ids(world, CustomerFilter(region_id=world.regions["江苏"]))
    assert set(jiangsu) == {
        listed[k] for k in ("nanjing_a", "jiangsu_b", "suzhou_a", "pool_nanjing")
    }


def test_filters_combine_with_the_region_subtree(world: World, listed: dict[str, int]) -> None:
    flt = CustomerFilter(region_id=world.regions["华东"], grade_ids=(world.grades["A"],))
    assert set(_ids(world, flt)) == {listed["nanjing_a"], listed["suzhou_a"]}
    flt = CustomerFilter(region_id=world.regions["江苏"], owner_ids=(world.li.id,))  # type: ignore[arg-type]
    assert set(_ids(world, flt)) == {listed["nanjing_a"], listed["jiangsu_b"]}
    flt = CustomerFilter(region_id=world.regions["江苏"], in_pool=True)
    assert _ids(world, flt) == [listed["pool_nanjing"]]
    flt = CustomerFilter(region_id=world.regions["华东"], statuses=("active", "lost"))
    assert set(_ids(world, flt)) == {listed[k] for k in ("nanjing_a", "suzhou_a", "pool_nanjing")}
    flt = CustomerFilter(region_id=world.regions["华东"], ids_subset=[listed["jiangsu_b"], 999])
    assert _ids(world, flt) == [listed["jiangsu_b"]]


def test_tag_follow_up_and_date_filters(world: World, listed: dict[str, int]) -> None:
    assert set(_ids(world, CustomerFilter(tags=("VIP", "展会")))) == {
        listed["nanjing_a"],
        listed["suzhou_a"],
    }
    assert _ids(world, CustomerFilter(tags=("机",))) == []  # whole tags only
    due = set(_ids(world, CustomerFilter(due_today=True)))
    assert listed["nanjing_a"] in due and listed["jiangsu_b"] not in due
    dormant = set(_ids(world, CustomerFilter(dormant_days=30)))
    assert {listed["jiangsu_b"], listed["hangzhou_c"]} <= dormant
    assert listed["nanjing_a"] not in dormant and listed["guangzhou_a"] not in dormant
    everything = _ids(world, CustomerFilter(), SortSpec("created_at"))
    cut = datetime(2026, 1, 1, tzinfo=UTC)
    with world.db.session_factory.begin() as s:
        created = {r.id: r.created_at for r in fetch_rows(s, everything)}
    later = _ids(world, CustomerFilter(created_from=cut), SortSpec("created_at"))
    assert later == [i for i in everything if created[i] >= cut]


def test_deleted_customers_are_listed_only_on_request(world: World, listed: dict[str, int]) -> None:
    assert listed["deleted_nanjing"] not in _ids(world, CustomerFilter())
    assert listed["deleted_nanjing"] in _ids(world, CustomerFilter(include_deleted=True))


def test_a_salesperson_lists_own_customers_and_the_pool(
    world: World, listed: dict[str, int]
) -> None:
    mine = set(_ids(world, CustomerFilter(), actor=world.li))
    assert mine == {listed[k] for k in ("nanjing_a", "jiangsu_b", "no_region", "pool_nanjing")}
    manager = set(_ids(world, CustomerFilter(), actor=world.manager))
    assert listed["guangzhou_a"] not in manager and listed["suzhou_a"] in manager


def test_sort_orders(world: World, listed: dict[str, int]) -> None:
    by_name = _names(world, _ids(world, CustomerFilter(), SortSpec("name")))
    assert by_name == sorted(by_name)
    desc = _names(world, _ids(world, CustomerFilter(), SortSpec("name", descending=True)))
    assert desc == list(reversed(by_name))
    with world.db.session_factory.begin() as s:
        rows = fetch_rows(s, _ids(world, CustomerFilter(), SortSpec("grade")))
    assert [r.grade_code for r in rows] == ["A", "A", "A", "B", "C", None, None]
    with world.db.session_factory.begin() as s:
        rows = fetch_rows(s, _ids(world, CustomerFilter(), SortSpec("next_followup_at")))
    dates = [r.next_followup_at for r in rows]
    assert dates[:3] == sorted(d for d in dates if d is not None) and dates[3:] == [None] * 4
    with world.db.session_factory.begin() as s:
        rows = fetch_rows(s, _ids(world, CustomerFilter(), SortSpec("status")))
    assert [r.status for r in rows][:2] == ["prospect", "active"] and rows[-1].status == "lost"
    with world.db.session_factory.begin() as s:
        rows = fetch_rows(s, _ids(world, CustomerFilter(), SortSpec("owner", descending=True)))
    owners = [r.owner_name for r in rows]
    assert owners[-1] is None and owners[:-1] == sorted(owners[:-1], reverse=True)  # type: ignore[type-var]


def test_fetch_rows_keeps_the_order_asked_for(world: World, listed: dict[str, int]) -> None:
    ids = [listed["suzhou_a"], listed["nanjing_a"], 424_242, listed["pool_nanjing"]]
    with world.db.session_factory.begin() as s:
        rows = fetch_rows(s, ids)
    assert [r.id for r in rows] == [listed["suzhou_a"], listed["nanjing_a"], listed["pool_nanjing"]]
    first = rows[1]
    assert (first.grade_code, first.region_name, first.owner_name, first.tags) == (
        "A",
        "南京",
        "李娜",
        ("vip", "机床"),
    )
    assert first.grade_color and rows[2].owner_name is None


@pytest.mark.parametrize("key", SORT_KEYS)
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_keyset_paging_walks_the_same_sequence_as_filtered_ids(
    world: World, listed: dict[str, int], key: str, descending: bool
) -> None:
    sort = SortSpec(key, descending)
    flt = CustomerFilter(include_deleted=True)
    expected = _ids(world, flt, sort)
    walked: list[int] = []
    after = None
    with world.db.session_factory.begin() as s:
        while True:
            page = keyset_page(s, flt, sort, after, 3, actor=world.admin, now=NOW)
            walked.extend(r.id for r in page.rows)
            if page.after is None:
                break
            after = page.after
        assert walked == expected
        # Jumping: continue right after the 4th row of the list.
        jump = keyset_page(s, flt, sort, keyset_after(s, expected[3], sort), 3, actor=world.admin)
    assert [r.id for r in jump.rows] == expected[4:7]


def test_a_large_id_subset_is_passed_as_one_parameter(world: World, listed: dict[str, int]) -> None:
    subset = [*range(100_000, 105_000), listed["jiangsu_b"], listed["guangzhou_a"]]
    flt = CustomerFilter(ids_subset=subset, region_id=world.regions["华东"])
    assert _ids(world, flt) == [listed["jiangsu_b"]]


def test_region_counts_follow_the_filter_and_include_subtrees(
    world: World, listed: dict[str, int]
) -> None:
    with world.db.session_factory.begin() as s:
        tree = count_by_region(
            s, CustomerFilter(region_id=world.regions["杭州"]), world.li, now=NOW
        )
        total = count_filtered(s, CustomerFilter(region_id=world.regions["华东"]), world.li)
    east = next(n for n in tree if n.name == "华东")
    jiangsu = next(n for n in east.children if n.name == "江苏")
    nanjing = next(n for n in jiangsu.children if n.name == "南京")
    # li sees own + pool: Alpha 南京, Zeta 公海 (南京), beta 江苏; the region choice is ignored.
    assert (east.count, jiangsu.count, jiangsu.own_count, nanjing.count) == (3, 3, 1, 2)
    assert total == 3
