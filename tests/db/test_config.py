"""Admin configuration on real SQLite and PostgreSQL: grades, branches, and the region tree
(move and merge keep every customer; subtree counts follow)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.db.models import AuditLog, Region
from crm_desktop.services.config import (
    RegionNode,
    add_region,
    create_branch,
    create_grade,
    delete_branch,
    delete_grade,
    list_branches,
    list_grades,
    merge_regions,
    move_region,
    region_tree,
    rename_region,
    reorder_grades,
    update_branch,
    update_grade,
)
from crm_desktop.services.customers import delete_customer, get_customer
from tests.db.customer_world import World, open_world


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    """A small company with users of every role, on SQLite and on PostgreSQL."""
    yield from open_world(db_url)


def _counts(world: World) -> dict[str, int]:
    """Subtree customer count per region name."""
    out: dict[str, int] = {}

    def walk(nodes: tuple[RegionNode, ...] | list[RegionNode]) -> None:
        for node in nodes:
            out.setdefault(node.name, node.count)
            walk(node.children)

    with world.db.session_factory.begin() as s:
        walk(region_tree(s))
    return out


def test_only_an_admin_changes_the_configuration(world: World) -> None:
    for actor in (world.manager, world.li):
        with pytest.raises(PermissionDenied), world.db.session_factory.begin() as s:
            create_grade(s, code="E", name="冷门", actor=actor)
        with pytest.raises(PermissionDenied), world.db.session_factory.begin() as s:
            add_region(s, name="雄安", actor=actor)
        with pytest.raises(PermissionDenied), world.db.session_factory.begin() as s:
            create_branch(s, code="XA", name="西安办事处", actor=actor)


def test_grades_are_created_edited_reordered_and_deleted_only_when_unused(world: World) -> None:
    with world.db.session_factory.begin() as s:
        grade = create_grade(s, code="e", name="冷门", color="#112233", actor=world.admin)
        assert (grade.code, grade.sort) == ("E", 4)
        update_grade(s, grade.id, name="冷门客户", dormant_days=120, actor=world.admin)
    with pytest.raises(ValidationError) as err, world.db.session_factory.begin() as s:
        create_grade(s, code="A", name="again", color="red", actor=world.admin)
    assert "code" in err.value.fields
    with world.db.session_factory.begin() as s:
        order = [g.id for g in list_grades(s)]
        reordered = reorder_grades(s, [order[-1], *order[:-1]], world.admin)
        assert [g.code for g in reordered] == ["E", "A", "B", "C", "D"]
        assert reordered[0].name == "冷门客户" and reordered[0].dormant_days == 120
    world.new_customer(world.li, name="用A级的客户", grade_id=world.grades["A"])
    with pytest.raises(ValidationError, match="used by 1"), world.db.session_factory.begin() as s:
        delete_grade(s, world.grades["A"], world.admin)
    with world.db.session_factory.begin() as s:
        delete_grade(s, grade.id, world.admin)
        assert [g.code for g in list_grades(s)] == ["A", "B", "C", "D"]
        actions = set(s.scalars(select(AuditLog.action).where(AuditLog.entity == "grade")))
    assert actions == {"grade.create", "grade.update", "grade.reorder", "grade.delete"}


def test_branches_are_managed_and_deleted_only_when_empty(world: World) -> None:
    with world.db.session_factory.begin() as s:
        branch = create_branch(s, code="xa", name="西安办事处", actor=world.admin)
        update_branch(s, branch.id, name="西安分公司", actor=world.admin)
        assert ("XA", "西安分公司") in [(b.code, b.name) for b in list_branches(s)]
    with pytest.raises(ValidationError, match="still has"), world.db.session_factory.begin() as s:
        delete_branch(s, world.branches["SH"], world.admin)
    with world.db.session_factory.begin() as s:
        delete_branch(s, branch.id, world.admin)
        assert "XA" not in [b.code for b in list_branches(s)]


def test_region_tree_counts_include_the_subtree(world: World) -> None:
    world.new_customer(name="南京客户", region_id=world.regions["南京"])
    world.new_customer(name="苏州客户", region_id=world.regions["苏州"])
    world.new_customer(name="江苏客户", region_id=world.regions["江苏"])
    world.new_customer(name="杭州客户", region_id=world.regions["杭州"])
    gone = world.new_customer(name="删除的南京客户", region_id=world.regions["南京"])
    with world.db.session_factory.begin() as s:
        delete_customer(s, gone, world.admin)
    counts = _counts(world)
    assert (counts["南京"], counts["江苏"], counts["浙江"], counts["华东"]) == (1, 3, 1, 4)
    assert counts["华南"] == 0


def test_moving_a_region_keeps_its_customers_and_moves_the_counts(world: World) -> None:
    world.new_customer(name="南京客户", region_id=world.regions["南京"])
    world.new_customer(name="南京客户2", region_id=world.regions["南京"])
    world.new_customer(name="杭州客户", region_id=world.regions["杭州"])
    before = _counts(world)
    with world.db.session_factory.begin() as s:
        move_region(s, world.regions["南京"], world.regions["浙江"], world.admin)
    after = _counts(world)
    assert (before["江苏"], before["浙江"]) == (2, 1)
    assert (after["江苏"], after["浙江"], after["南京"]) == (0, 3, 2)
    assert after["华东"] == before["华东"] == 3


def test_a_region_cannot_move_below_itself(world: World) -> None:
    with pytest.raises(ValidationError) as err, world.db.session_factory.begin() as s:
        move_region(s, world.regions["华东"], world.regions["南京"], world.admin)
    assert "parent" in err.value.fields
    with pytest.raises(ValidationError), world.db.session_factory.begin() as s:
        move_region(s, world.regions["江苏"], world.regions["江苏"], world.admin)


def test_merging_regions_moves_customers_and_children_and_retires_the_source(
    world: World,
) -> None:
    on_jiangsu = world.new_customer(name="江苏客户", region_id=world.regions["江苏"])
    world.new_customer(name="南京客户", region_id=world.regions["南京"])
    deleted = world.new_customer(name="删除的江苏客户", region_id=world.regions["江苏"])
    world.new_customer(name="杭州客户", region_id=world.regions["杭州"])
    with world.db.session_factory.begin() as s:
        delete_customer(s, deleted, world.admin)
    before = _counts(world)
    with world.db.session_factory.begin() as s:
        result = merge_regions(s, world.regions["江苏"], world.regions["浙江"], world.admin)
    assert (result.customers_moved, result.children_moved) == (2, 3)  # 南京 苏州 无锡
    after = _counts(world)
    assert "江苏" not in after
    assert after["浙江"] == before["浙江"] + before["江苏"] == 3
    assert after["华东"] == before["华东"]
    with world.db.session_factory.begin() as s:
        nanjing = s.get(Region, world.regions["南京"])
        assert nanjing is not None and nanjing.parent_id == world.regions["浙江"]
        assert get_customer(s, on_jiangsu, world.admin).region_name == "浙江"
        merged_rows = s.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "customer.region_merge")
        )
        assert merged_rows == 2


def test_a_region_cannot_merge_into_its_own_subtree(world: World) -> None:
    with pytest.raises(ValidationError), world.db.session_factory.begin() as s:
        merge_regions(s, world.regions["江苏"], world.regions["南京"], world.admin)


def test_regions_are_added_and_renamed_with_generated_codes(world: World) -> None:
    with world.db.session_factory.begin() as s:
        district = add_region(s, name="江宁区", parent_id=world.regions["南京"], actor=world.admin)
        renamed = rename_region(s, district.id, "江宁开发区", world.admin)
        nanjing = s.get(Region, world.regions["南京"])
        assert nanjing is not None
        assert renamed.code.startswith(nanjing.code + "-") and renamed.name == "江宁开发区"
    with pytest.raises(ValidationError), world.db.session_factory.begin() as s:
        add_region(s, name=" ", actor=world.admin)
