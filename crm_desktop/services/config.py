"""Admin configuration: grades, branches and the region tree (add, rename, move, merge), with
subtree customer counts for the tree views (DESIGN §2, issue 3 §6).

Reading is open to everyone (forms need the lists); every change is for administrators only
and is audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.core.progress import Progress
from crm_desktop.db.models import AppUser, Branch, Customer, Grade, Region
from crm_desktop.db.types import utcnow
from crm_desktop.services import audit
from crm_desktop.services.context import Actor
from crm_desktop.services.dto import UNSET, Unset, changes_of

_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")


@dataclass(frozen=True)
class GradeRow:
    id: int
    code: str
    name: str
    color: str
    sort: int
    reclaim_days: int | None
    warn_days: int | None
    dormant_days: int | None
    version: int


@dataclass(frozen=True)
class BranchRow:
    id: int
    code: str
    name: str
    version: int


@dataclass(frozen=True)
class RegionRow:
    id: int
    parent_id: int | None
    name: str
    code: str
    sort: int
    version: int


@dataclass(frozen=True)
class RegionNode:
    """A node of the region tree. ``own_count``: customers placed on this node itself;
    ``count``: on this node and everywhere below it (what the filter panel shows)."""

    id: int
    parent_id: int | None
    name: str
    code: str
    sort: int
    depth: int
    own_count: int
    count: int
    children: tuple[RegionNode, ...]


@dataclass(frozen=True)
class RegionMergeResult:
    source_id: int
    target_id: int
    customers_moved: int
    children_moved: int


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only an administrator may change the configuration")


def _name(value: str | None, field: str = "name") -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"The {field} is required", {field: "required"})
    if len(text) > 200:
        raise ValidationError(f"The {field} is too long", {field: "at most 200 characters"})
    return text


def _code(value: str | None) -> str:
    text = (value or "").strip()
    if not _CODE_RE.match(text):
        raise ValidationError(
            "A code is 1–50 letters, digits, '.', '_' or '-'", {"code": "invalid code"}
        )
    return text


def _days(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{name} must be a whole number of days ≥ 0", {name: "invalid"})
    return value


# =========================================================================== grades


def _grade_row(grade: Grade) -> GradeRow:
    return GradeRow(
        id=grade.id,
        code=grade.code,
        name=grade.name,
        color=grade.color,
        sort=grade.sort,
        reclaim_days=grade.reclaim_days,
        warn_days=grade.warn_days,
        dormant_days=grade.dormant_days,
        version=grade.version,
    )


def list_grades(session: Session) -> list[GradeRow]:
    grades = session.scalars(
        select(Grade).where(Grade.deleted_at.is_(None)).order_by(Grade.sort, Grade.id)
    )
    return [_grade_row(g) for g in grades]


def _grade_values(
    session: Session, values: dict[str, Any], *, grade_id: int | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "code":
            code = _code(value).upper()
            taken = session.scalar(select(Grade.id).where(Grade.code == code))
            if taken is not None and taken != grade_id:
                raise ValidationError(f"The grade code {code!r} exists already", {"code": "taken"})
            out[key] = code
        elif key == "name":
            out[key] = _name(value)
        elif key == "color":
            if not isinstance(value, str) or not _COLOR_RE.match(value):
                raise ValidationError("A colour is #RRGGBB", {"color": "invalid colour"})
            out[key] = value.upper()
        else:
            out[key] = _days(key, value)
    return out


def create_grade(
    session: Session,
    *,
    code: str,
    name: str,
    color: str = "#808080",
    reclaim_days: int | None = None,
    warn_days: int | None = None,
    dormant_days: int | None = None,
    actor: Actor,
) -> GradeRow:
    """A new grade, sorted after the existing ones."""
    _require_admin(actor)
    values = _grade_values(
        session,
        {
            "code": code,
            "name": name,
            "color": color,
            "reclaim_days": reclaim_days,
            "warn_days": warn_days,
            "dormant_days": dormant_days,
        },
        grade_id=None,
    )
    last = session.scalar(select(func.max(Grade.sort)))
    grade = Grade(**values, sort=(last if last is not None else -1) + 1)
    session.add(grade)
    session.flush()
    audit.record(
        session, actor, "grade.create", "grade", grade.id, {"changes": changes_of({}, values)}
    )
    return _grade_row(grade)


def update_grade(
    session: Session,
    grade_id: int,
    *,
    code: str | Unset = UNSET,
    name: str | Unset = UNSET,
    color: str | Unset = UNSET,
    reclaim_days: int | Unset | None = UNSET,
    warn_days: int | Unset | None = UNSET,
    dormant_days: int | Unset | None = UNSET,
    actor: Actor,
) -> GradeRow:
    _require_admin(actor)
    grade = session.get(Grade, grade_id)
    if grade is None or grade.deleted_at is not None:
        raise NotFound(f"No grade with id {grade_id}")
    given = {
        k: v
        for k, v in (
            ("code", code),
            ("name", name),
            ("color", color),
            ("reclaim_days", reclaim_days),
            ("warn_days", warn_days),
            ("dormant_days", dormant_days),
        )
        if v is not UNSET
    }
    values = _grade_values(session, given, grade_id=grade.id)
    old = {k: getattr(grade, k) for k in values}
    changes = changes_of(old, values)
    if changes:
        for key, value in values.items():
            setattr(grade, key, value)
        session.flush()
        audit.record(session, actor, "grade.update", "grade", grade.id, {"changes": changes})
    return _grade_row(grade)


def reorder_grades(session: Session, grade_ids: Sequence[int], actor: Actor) -> list[GradeRow]:
    """Put the grades in the given order (all live grades must be listed, once each)."""
    _require_admin(actor)
    grades = {g.id: g for g in session.scalars(select(Grade).where(Grade.deleted_at.is_(None)))}
    if sorted(grade_ids) != sorted(grades):
        raise ValidationError("List every grade exactly once", {"grade_ids": "incomplete"})
    before = [g.id for g in sorted(grades.values(), key=lambda g: (g.sort, g.id))]
    for sort, grade_id in enumerate(grade_ids):
        if grades[grade_id].sort != sort:
            grades[grade_id].sort = sort
    session.flush()
    if before != list(grade_ids):
        audit.record(
            session,
            actor,
            "grade.reorder",
            "grade",
            None,
            {"changes": {"order": [before, list(grade_ids)]}},
        )
    return list_grades(session)


def delete_grade(session: Session, grade_id: int, actor: Actor) -> None:
    """Remove a grade no customer uses (deleted customers count: they may come back)."""
    _require_admin(actor)
    grade = session.get(Grade, grade_id)
    if grade is None:
        raise NotFound(f"No grade with id {grade_id}")
    used = session.scalar(
        select(func.count()).select_from(Customer).where(Customer.grade_id == grade_id)
    )
    if used:
        raise ValidationError(
            f"Grade {grade.code} is used by {used} customers; change their grade first",
            {"grade": "in use"},
        )
    audit.record(
        session, actor, "grade.delete", "grade", grade.id, {"changes": {"code": [grade.code, None]}}
    )
    session.delete(grade)
    session.flush()


# =========================================================================== branches


def _branch_row(branch: Branch) -> BranchRow:
    return BranchRow(id=branch.id, code=branch.code, name=branch.name, version=branch.version)


def list_branches(session: Session) -> list[BranchRow]:
    branches = session.scalars(
        select(Branch).where(Branch.deleted_at.is_(None)).order_by(Branch.code)
    )
    return [_branch_row(b) for b in branches]


def _branch_code(session: Session, value: str, branch_id: int | None) -> str:
    code = _code(value).upper()
    taken = session.scalar(select(Branch.id).where(Branch.code == code))
    if taken is not None and taken != branch_id:
        raise ValidationError(f"The branch code {code!r} exists already", {"code": "taken"})
    return code


def create_branch(session: Session, *, code: str, name: str, actor: Actor) -> BranchRow:
    _require_admin(actor)
    values = {"code": _branch_code(session, code, None), "name": _name(name)}
    branch = Branch(**values)
    session.add(branch)
    session.flush()
    audit.record(
        session, actor, "branch.create", "branch", branch.id, {"changes": changes_of({}, values)}
    )
    return _branch_row(branch)


def update_branch(
    session: Session,
    branch_id: int,
    *,
    code: str | Unset = UNSET,
    name: str | Unset = UNSET,
    actor: Actor,
) -> BranchRow:
    _require_admin(actor)
    branch = session.get(Branch, branch_id)
    if branch is None or branch.deleted_at is not None:
        raise NotFound(f"No branch with id {branch_id}")
    values: dict[str, Any] = {}
    if not isinstance(code, Unset):
        values["code"] = _branch_code(session, code, branch.id)
    if not isinstance(name, Unset):
        values["name"] = _name(name)
    changes = changes_of({k: getattr(branch, k) for k in values}, values)
    if changes:
        for key, value in values.items():
            setattr(branch, key, value)
        session.flush()
        audit.record(session, actor, "branch.update", "branch", branch.id, {"changes": changes})
    return _branch_row(branch)


def delete_branch(session: Session, branch_id: int, actor: Actor) -> None:
    """Remove a branch that no user and no customer belongs to."""
    _require_admin(actor)
    branch = session.get(Branch, branch_id)
    if branch is None:
        raise NotFound(f"No branch with id {branch_id}")
    users = session.scalar(
        select(func.count()).select_from(AppUser).where(AppUser.branch_id == branch_id)
    )
    customers = session.scalar(
        select(func.count()).select_from(Customer).where(Customer.branch_id == branch_id)
    )
    if users or customers:
        raise ValidationError(
            f"Branch {branch.code} still has {users} users and {customers} customers",
            {"branch": "in use"},
        )
    audit.record(
        session,
        actor,
        "branch.delete",
        "branch",
        branch.id,
        {"changes": {"code": [branch.code, None]}},
    )
    session.delete(branch)
    session.flush()


# =========================================================================== regions


def _region_row(region: Region) -> RegionRow:
    return RegionRow(
        id=region.id,
        parent_id=region.parent_id,
        name=region.name,
        code=region.code,
        sort=region.sort,
        version=region.version,
    )


def list_regions(session: Session) -> list[RegionRow]:
    """Every live region, flat, in tree order of (sort, name) within a parent."""
    regions = session.scalars(
        select(Region).where(Region.deleted_at.is_(None)).order_by(Region.sort, Region.name)
    )
    return [_region_row(r) for r in regions]


def subtree_ids(regions: Sequence[RegionRow], root_id: int) -> list[int]:
    """``root_id`` and every region below it (the region table is small: walk it in Python)."""
    children: dict[int | None, list[int]] = {}
    for region in regions:
        children.setdefault(region.parent_id, []).append(region.id)
    out: list[int] = []
    stack = [root_id]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node in seen:  # a cycle in damaged data must not hang the app
            continue
        seen.add(node)
        out.append(node)
        stack.extend(children.get(node, ()))
    return out


def region_subtree_ids(session: Session, region_id: int) -> list[int]:
    return subtree_ids(list_regions(session), region_id)


def _live_region(session: Session, region_id: int, field: str = "region") -> Region:
    region = session.get(Region, region_id)
    if region is None or region.deleted_at is not None:
        raise ValidationError(f"No region with id {region_id}", {field: "does not exist"})
    return region


def _new_region_code(session: Session, parent: Region | None) -> str:
    taken = set(session.scalars(select(Region.code)))
    prefix = f"{parent.code}-" if parent else "R"
    n = 1
    while f"{prefix}{n:02d}" in taken:
        n += 1
    return f"{prefix}{n:02d}"


def add_region(
    session: Session,
    *,
    name: str,
    parent_id: int | None = None,
    code: str | None = None,
    actor: Actor,
) -> RegionRow:
    """A new region under ``parent_id`` (None = top level), sorted last among its siblings."""
    _require_admin(actor)
    parent = _live_region(session, parent_id, "parent") if parent_id is not None else None
    if code:
        code = _code(code)
        if session.scalar(select(Region.id).where(Region.code == code)) is not None:
            raise ValidationError(f"The region code {code!r} exists already", {"code": "taken"})
    else:
        code = _new_region_code(session, parent)
    last = session.scalar(
        select(func.max(Region.sort)).where(
            Region.parent_id.is_(None) if parent is None else Region.parent_id == parent.id
        )
    )
    region = Region(
        name=_name(name),
        code=code,
        parent_id=parent.id if parent else None,
        sort=(last if last is not None else -1) + 1,
    )
    session.add(region)
    session.flush()
    audit.record(
        session,
        actor,
        "region.create",
        "region",
        region.id,
        {"changes": changes_of({}, {"name": region.name, "code": code, "parent_id": parent_id})},
    )
    return _region_row(region)


def rename_region(session: Session, region_id: int, name: str, actor: Actor) -> RegionRow:
    _require_admin(actor)
    region = _live_region(session, region_id)
    new = _name(name)
    if new != region.name:
        audit.record(
            session,
            actor,
            "region.rename",
            "region",
            region.id,
            {"changes": {"name": [region.name, new]}},
        )
        region.name = new
        session.flush()
    return _region_row(region)


def move_region(
    session: Session, region_id: int, new_parent_id: int | None, actor: Actor
) -> RegionRow:
    """Hang a region (with its subtree and customers) under another parent, or at the top."""
    _require_admin(actor)
    region = _live_region(session, region_id)
    if new_parent_id is not None:
        _live_region(session, new_parent_id, "parent")
        if new_parent_id in region_subtree_ids(session, region.id):
            raise ValidationError(
                "A region cannot move below itself", {"parent": "inside the moved region"}
            )
    if region.parent_id != new_parent_id:
        audit.record(
            session,
            actor,
            "region.move",
            "region",
            region.id,
            {"changes": {"parent_id": [region.parent_id, new_parent_id]}},
        )
        region.parent_id = new_parent_id
        session.flush()
    return _region_row(region)


def merge_regions(
    session: Session,
    source_id: int,
    target_id: int,
    actor: Actor,
    *,
    progress: Progress | None = None,
) -> RegionMergeResult:
    """Merge region A (``source_id``) into B (``target_id``): customers placed directly on A
    move to B (each audited like a bulk change; deleted ones move too, so a restore finds a
    live region), A's child regions become B's children, and A is soft-deleted. B may not lie
    inside A's subtree."""
    _require_admin(actor)
    if source_id == target_id:
        raise ValidationError("Choose two different regions", {"target": "same region"})
    source = _live_region(session, source_id, "source")
    target = _live_region(session, target_id, "target")
    if target.id in region_subtree_ids(session, source.id):
        raise ValidationError(
            "A region cannot be merged into one of its own sub-regions",
            {"target": "inside the merged region"},
        )
    from crm_desktop.services.customers import bulk_set

    ids = list(
        session.scalars(
            select(Customer.id).where(Customer.region_id == source.id).order_by(Customer.id)
        )
    )
    moved = bulk_set(
        session,
        ids,
        {"region_id": target.id},
        actor=actor,
        action="customer.region_merge",
        include_deleted=True,
        progress=progress,
    ).changed
    children = list(session.scalars(select(Region).where(Region.parent_id == source.id)))
    for child in children:
        child.parent_id = target.id
    source.deleted_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "region.merge",
        "region",
        source.id,
        {
            "changes": {"deleted_at": [None, source.deleted_at.isoformat()]},
            "into": target.id,
            "customers": moved,
            "children": [c.id for c in children],
        },
    )
    return RegionMergeResult(source.id, target.id, moved, len(children))


def region_customer_counts(session: Session) -> dict[int, int]:
    """Live customers per region they sit on directly: one GROUP BY over the customer table."""
    rows = session.execute(
        select(Customer.region_id, func.count())
        .where(Customer.deleted_at.is_(None), Customer.region_id.is_not(None))
        .group_by(Customer.region_id)
    )
    return {int(region_id): int(n) for region_id, n in rows if region_id is not None}


def build_region_tree(
    regions: Sequence[RegionRow], own_counts: Mapping[int, int] | None = None
) -> list[RegionNode]:
    """The nested tree with subtree counts summed bottom-up in Python (no per-node query)."""
    counts = own_counts or {}
    by_parent: dict[int | None, list[RegionRow]] = {}
    ids = {r.id for r in regions}
    for region in regions:
        # A node whose parent is gone (deleted) shows at the top rather than vanishing.
        parent = region.parent_id if region.parent_id in ids else None
        by_parent.setdefault(parent, []).append(region)

    def build(region: RegionRow, depth: int, path: frozenset[int]) -> RegionNode:
        kids = tuple(
            build(child, depth + 1, path | {child.id})
            for child in sorted(by_parent.get(region.id, ()), key=lambda r: (r.sort, r.name))
            if child.id not in path
        )
        own = counts.get(region.id, 0)
        return RegionNode(
            id=region.id,
            parent_id=region.parent_id,
            name=region.name,
            code=region.code,
            sort=region.sort,
            depth=depth,
            own_count=own,
            count=own + sum(k.count for k in kids),
            children=kids,
        )

    roots = sorted(by_parent.get(None, ()), key=lambda r: (r.sort, r.name))
    return [build(root, 0, frozenset({root.id})) for root in roots]


def region_tree(
    session: Session, *, own_counts: Mapping[int, int] | None = None, with_counts: bool = True
) -> list[RegionNode]:
    """The region tree with live customers per node, subtree included. ``own_counts`` lets a
    caller pass counts of its own (e.g. the list filter's, see customer_list.count_by_region)."""
    if own_counts is None and with_counts:
        own_counts = region_customer_counts(session)
    return build_region_tree(list_regions(session), own_counts)
