"""A small company for the customer, list and configuration tests: an admin, a manager and
two salespeople of the Shanghai office, one salesperson in Guangzhou, seeded grades and the
region tree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from crm_desktop.db.models import Branch, Grade, Region
from crm_desktop.services.company import initialize_company, seed_defaults
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import CustomerInput, create_customer
from crm_desktop.services.database import Database, open_database
from crm_desktop.services.users import actor_of, add_user, get_user

PASSWORD = "long-enough-pw"


@dataclass
class World:
    db: Database
    admin: Actor
    manager: Actor  # Shanghai office manager
    li: Actor  # sales, Shanghai
    wang: Actor  # sales, Shanghai
    chen: Actor  # sales, Guangzhou
    grades: dict[str, int]
    regions: dict[str, int]
    branches: dict[str, int]

    def new_customer(self, actor: Actor | None = None, **values: object) -> int:
        """Create a customer (duplicates allowed) and return its id. ``locked=True`` is a
        manager's decision: the admin creates it for ``actor`` then."""
        values.setdefault("name", "测试客户")
        actor = actor or self.admin
        if values.get("locked") and actor.role == "sales":
            values.setdefault("owner_id", actor.id)
            actor = self.admin
        with self.db.session_factory.begin() as s:
            detail = create_customer(
                s,
                CustomerInput(**values),
                actor,
                allow_duplicate=True,  # type: ignore[arg-type]
            )
        return detail.id


def build_world(url: str) -> World:
    db = open_database(url)
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
        admin = actor_of(get_user(s, "admin"))
        for login, name, role, branch in (
            ("zhang", "张经理", "manager", "SH"),
            ("li", "李娜", "sales", "SH"),
            ("wang", "王芳", "sales", "SH"),
            ("chen", "陈静", "sales", "GZ"),
        ):
            add_user(
                s,
                login=login,
                display_name=name,
                role=role,
                password=PASSWORD,
                branch_code=branch,
                actor=admin,
            )
    with db.session_factory.begin() as s:
        actors = {u: actor_of(get_user(s, u)) for u in ("admin", "zhang", "li", "wang", "chen")}
        grades = {g.code: g.id for g in s.scalars(select(Grade))}
        regions: dict[str, int] = {}
        for region in s.scalars(select(Region).order_by(Region.id)):
            regions.setdefault(region.name, region.id)
        branches = {b.code: b.id for b in s.scalars(select(Branch))}
    return World(
        db=db,
        admin=actors["admin"],
        manager=actors["zhang"],
        li=actors["li"],
        wang=actors["wang"],
        chen=actors["chen"],
        grades=grades,
        regions=regions,
        branches=branches,
    )


def open_world(url: str) -> Iterator[World]:
    """Body of each test module's ``world`` fixture: the world, disposed afterwards."""
    w = build_world(url)
    try:
        yield w
    finally:
        w.db.dispose()
