"""The company a database belongs to: first-run set-up, default configuration, settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_desktop.core.errors import ValidationError
from crm_desktop.core.progress import Progress
from crm_desktop.db.models import AppUser, Branch, CompanySetting, Grade, Region
from crm_desktop.services import audit, seed_data
from crm_desktop.services.context import SYSTEM, Actor
from crm_desktop.services.users import actor_of, add_user

COMPANY_NAME = "company.name"
COMPANY_LANGUAGE = "company.language"
FREE_MAIL = "mail.free_domains"
LOST_REASONS = "lost_reasons"  # list[str]: what a lost follow-up's reason is chosen from
POOL_RULES = "pool_rules"  # {"holding_limit", "cooling_off_days", "unwon_days"}


@dataclass(frozen=True)
class CompanyInfo:
    name: str | None
    language: str
    initialized: bool
    users: int


def get_setting(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(CompanySetting, key)
    return default if row is None else row.value


def set_setting(session: Session, key: str, value: Any) -> None:
    row = session.get(CompanySetting, key)
    if row is None:
        session.add(CompanySetting(key=key, value=value))
    else:
        row.value = value


def replace_setting(session: Session, key: str, old: Any, new: Any, actor: Actor) -> None:
    """Store ``new`` under ``key`` with one audit row ``{key: [old, new]}``; nothing when equal."""
    if old == new:
        return
    set_setting(session, key, new)
    audit.record(
        session,
        actor,
        "setting.update",
        "setting",
        None,
        {"key": key, "changes": {key: [old, new]}},
    )


def company_info(session: Session) -> CompanyInfo:
    name = get_setting(session, COMPANY_NAME)
    users = session.scalar(select(func.count()).select_from(AppUser)) or 0
    admins = (
        session.scalar(select(func.count()).select_from(AppUser).where(AppUser.role == "admin"))
        or 0
    )
    return CompanyInfo(
        name=name,
        language=str(get_setting(session, COMPANY_LANGUAGE, "zh_CN")),
        initialized=bool(name) and admins > 0,
        users=users,
    )


def seed_defaults(
    session: Session, language: str = "zh_CN", *, demo_branches: bool = False
) -> None:
    """Insert default grades, the region tree and branches that are missing (idempotent)."""
    zh = language.startswith("zh")
    have_grades = set(session.scalars(select(Grade.code)))
    for sort, (code, zh_name, en_name, color, reclaim, warn, dormant) in enumerate(
        seed_data.GRADES
    ):
        if code not in have_grades:
            session.add(
                Grade(
                    code=code,
                    name=zh_name if zh else en_name,
                    color=color,
                    sort=sort,
                    reclaim_days=reclaim,
                    warn_days=warn,
                    dormant_days=dormant,
                )
            )
    have_regions = set(session.scalars(select(Region.code)))
    for sort, (code, zh_name, en_name, provinces) in enumerate(seed_data.REGIONS):
        top = session.scalar(select(Region).where(Region.code == code))
        if code not in have_regions or top is None:
            top = Region(code=code, name=zh_name if zh else en_name, sort=sort)
            session.add(top)
        for psort, (pcode, pzh, pen, cities) in enumerate(provinces):
            province = session.scalar(select(Region).where(Region.code == pcode))
            if province is None:
                province = Region(code=pcode, name=pzh if zh else pen, sort=psort, parent=top)
                session.add(province)
            for csort, (czh, cen) in enumerate(cities):
                ccode = f"{pcode}-{csort + 1:02d}"
                if ccode not in have_regions:
                    session.add(
                        Region(code=ccode, name=czh if zh else cen, sort=csort, parent=province)
                    )
        session.flush()
    have_branches = set(session.scalars(select(Branch.code)))
    for code, zh_name, en_name in seed_data.DEMO_BRANCHES if demo_branches else seed_data.BRANCHES:
        if code not in have_branches:
            session.add(Branch(code=code, name=zh_name if zh else en_name))
    if get_setting(session, FREE_MAIL) is None:
        set_setting(session, FREE_MAIL, seed_data.FREE_MAIL_DOMAINS)
    if get_setting(session, LOST_REASONS) is None:
        set_setting(
            session,
            LOST_REASONS,
            list(seed_data.LOST_REASONS_ZH if zh else seed_data.LOST_REASONS_EN),
        )
    if get_setting(session, POOL_RULES) is None:
        set_setting(session, POOL_RULES, dict(seed_data.POOL_RULES))
    session.flush()


def initialize_company(
    session: Session,
    *,
    company_name: str,
    language: str,
    admin_login: str,
    admin_name: str,
    admin_password: str | None,
) -> Actor:
    """First run: name the company, seed defaults, create the first administrator."""
    if not company_name.strip():
        raise ValidationError("The company name is required", {"company_name": "required"})
    if company_info(session).initialized:
        raise ValidationError("This database is already set up")
    set_setting(session, COMPANY_NAME, company_name.strip())
    set_setting(session, COMPANY_LANGUAGE, language)
    seed_defaults(session, language)
    hq = session.scalar(select(Branch).where(Branch.code == "HQ"))
    row = add_user(
        session,
        login=admin_login,
        display_name=admin_name,
        role="admin",
        password=admin_password,
        branch_code=hq.code if hq else None,
        actor=SYSTEM,
    )
    audit.record(session, SYSTEM, "company.init", "company", None, {"name": company_name.strip()})
    user = session.get(AppUser, row.id)
    assert user is not None
    return actor_of(user)


def set_up_company(
    session: Session,
    *,
    company_name: str,
    language: str,
    admin_login: str,
    admin_name: str,
    admin_password: str,
    demo_customers: int = 0,
    progress: Progress | None = None,
) -> Actor:
    """The first-run wizard's one operation: the company, its first administrator and,
    optionally, demo data — all or nothing."""
    actor = initialize_company(
        session,
        company_name=company_name,
        language=language,
        admin_login=admin_login,
        admin_name=admin_name,
        admin_password=admin_password,
    )
    if demo_customers > 0:
        from crm_desktop.services.demo import generate_demo

        generate_demo(
            session, customers=demo_customers, language=language, progress=progress, actor=actor
        )
    return actor
