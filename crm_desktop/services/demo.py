"""Realistic demo data, fast enough for a million customers.

Faker makes ~2,600 rows/s here, far too slow for 1M customers, so value pools are built with
Faker once and then combined with a seeded ``random.Random``; rows go in with Core executemany
in batches, ids assigned up front so contacts and follow-ups can point at their customer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.db.types import UTCDateTime
from crm_desktop.db.models import (
    AppUser,
    Branch,
    Contact,
    Customer,
    Followup,
    Grade,
    ImportBatch,
    OwnershipChange,
    Region,
)
from crm_desktop.services import audit
from crm_desktop.services.company import seed_defaults
from crm_desktop.services.context import SYSTEM, Actor
from crm_desktop.services.search_keys import customer_search_columns
from crm_desktop.services.users import hash_password

BATCH = 5_000
DEMO_PASSWORD = "demo-password"  # every demo salesperson signs in with it (README)

# login, zh display name, en display name, role, branch code
DEMO_USERS: list[tuple[str, str, str, str, str]] = [
    ("zhang.wei", "张伟", "Zhang Wei", "manager", "SH"),
    ("li.na", "李娜", "Li Na", "sales", "SH"),
    ("wang.fang", "王芳", "Wang Fang", "sales", "SH"),
    ("liu.yang", "刘洋", "Liu Yang", "sales", "SH"),
    ("chen.jing", "陈静", "Chen Jing", "manager", "GZ"),
    ("yang.min", "杨敏", "Yang Min", "sales", "GZ"),
    ("zhao.lei", "赵磊", "Zhao Lei", "sales", "GZ"),
    ("huang.li", "黄丽", "Huang Li", "sales", "GZ"),
    ("zhou.qiang", "周强", "Zhou Qiang", "manager", "BJ"),
    ("wu.tao", "吴涛", "Wu Tao", "sales", "BJ"),
    ("xu.jun", "徐军", "Xu Jun", "sales", "BJ"),
    ("sun.yan", "孙燕", "Sun Yan", "sales", "HQ"),
]

_ZH_CORE = (
    "华信 恒达 鑫源 宏远 金桥 博瑞 汇通 中科 天成 瑞丰 东方 长城 新世纪 海纳 同创 中达 安泰 众诚 "
    "明辉 德盛 永安 嘉禾 正泰 联创 华茂 旭日 卓越 锦程 创维 泰和 万通 国信 云帆 星辰 蓝海 启明 "
    "宏图 昌盛 盛世 通达 友邦 诚信 伟业 丰华 新元 先锋 科达 恒通 九州 天宇 瑞达 华泰 远航 腾飞"
).split()
_ZH_TRADE = (
    "科技 贸易 电子 机械 实业 化工 物流 医疗器械 信息技术 建材 纺织 食品 软件 新能源 汽车配件 "
    "环保科技 精密制造 包装材料 电气 光电 网络科技 供应链管理 国际贸易 生物科技"
).split()
_ZH_SUFFIX = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司")
_INDUSTRIES = ("制造", "贸易", "软件", "医疗", "物流", "建筑", "零售", "能源", "教育", "金融")
_SOURCES = ("visit", "exhibition", "email_campaign", "website", "phone", "referral", "other")
_TITLES_ZH = ("采购经理", "总经理", "技术总监", "财务主管", "销售总监", "工程师", "行政主管", "董事长")
_TITLES_EN = ("Purchasing Manager", "CEO", "CTO", "Finance Lead", "Sales Director", "Engineer")
_DEPTS_ZH = ("采购部", "技术部", "财务部", "总经办", "市场部", "生产部")
_SUMMARIES_ZH = (
    "电话沟通新项目需求，客户希望下周提供报价。", "上门拜访，介绍新产品线，对方反馈积极。",
    "参加客户年度供应商会议。", "跟进样品测试结果，质量合格。", "客户询问交货期与付款方式。",
    "发送产品目录和价格表。", "微信确认订单细节。", "客户暂无采购计划，半年后再联系。",
)
_SUMMARIES_EN = (
    "Call about the new project; they want a quote next week.",
    "Visited the plant and presented the new product line.",
    "Sent the catalogue and price list.", "Confirmed order details.",
    "No budget this year; follow up in six months.",
)
_LOST_REASONS = ("价格太高", "选择了竞争对手", "项目取消", "预算不足", "Price too high", "Chose a competitor")
_KIND_WEIGHTS = (("call", 40), ("visit", 20), ("meeting", 8), ("email", 20), ("wechat", 10), ("other", 2))
_OUTCOME_WEIGHTS = (("positive", 30), ("neutral", 45), ("negative", 12), ("won", 8), ("lost", 5))


@dataclass(frozen=True)
class DemoResult:
    customers: int
    contacts: int
    followups: int
    users: int
    pool: int
    elapsed_s: float
    batch_id: int


class _Pools:
    """Values made once with Faker, then drawn from many times."""

    def __init__(self, rnd: random.Random, seed: int) -> None:
        from faker import Faker

        zh = Faker("zh_CN")
        en = Faker("en_US")
        zh.seed_instance(seed)
        en.seed_instance(seed)
        self.zh_people = list(dict.fromkeys(zh.name() for _ in range(3000)))
        self.en_people = list(dict.fromkeys(en.name() for _ in range(3000)))
        self.zh_streets = [zh.street_address() for _ in range(2000)]
        self.en_companies = list(dict.fromkeys(en.company() for _ in range(3000)))
        self.en_addresses = [en.address().replace("\n", ", ") for _ in range(2000)]
        self.domains = [en.domain_word() for _ in range(3000)]
        self.rnd = rnd


def _expand(pairs: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    """A list to draw from with ``rnd.choice`` (3× faster than ``rnd.choices`` with weights)."""
    return tuple(value for value, weight in pairs for _ in range(weight))


_KINDS = _expand(_KIND_WEIGHTS)
_OUTCOMES = _expand(_OUTCOME_WEIGHTS)
_STATUSES = _expand((("prospect", 35), ("active", 45), ("dormant", 12), ("lost", 8)))
_CONTACT_COUNTS = (1,) * 50 + (2,) * 35 + (3,) * 15
_FOLLOWUP_COUNTS = (0,) * 15 + (1,) * 25 + (2,) * 25 + (3,) * 15 + (5,) * 12 + (8,) * 8


def _ensure_demo_users(session: Session, zh: bool) -> int:
    have = set(session.scalars(select(AppUser.login)))
    branches = {b.code: b.id for b in session.scalars(select(Branch))}
    password_hash = hash_password(DEMO_PASSWORD)
    created = 0
    for login, zh_name, en_name, role, branch in DEMO_USERS:
        if login in have:
            continue
        session.add(
            AppUser(
                login=login,
                display_name=zh_name if zh else en_name,
                email=f"{login}@example.com",
                role=role,
                branch_id=branches.get(branch),
                active=True,
                can_export=role != "sales",
                password_hash=password_hash if session.get_bind().dialect.name == "sqlite" else None,
            )
        )
        created += 1
    session.flush()
    return created


def _bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows through the driver directly: Core's per-value bind processing costs
    more than the insert itself at this volume. Datetimes are converted as UTCDateTime would:
    naive UTC text on SQLite, aware values on PostgreSQL (sent with COPY, ~5× executemany)."""
    if not rows:
        return
    columns = list(rows[0])
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    if session.get_bind().dialect.name == "sqlite":
        stamps = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, UTCDateTime)]
        values = [list(r.values()) for r in rows]
        for v in values:
            for i in stamps:
                d = v[i]
                if d is not None:
                    # Naive UTC text, the format UTCDateTime stores on SQLite.
                    v[i] = d.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        dbapi.cursor().executemany(sql, values)
        return
    cur = dbapi.cursor()
    with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for r in rows:
            copy.write_row(list(r.values()))


def _next_id(session: Session, table: Table) -> int:
    return int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def generate_demo(
    session: Session,
    *,
    customers: int,
    seed: int = 20261122,
    language: str = "zh_CN",
    now: datetime | None = None,
    progress: Progress | None = None,
    actor: Actor = SYSTEM,
) -> DemoResult:
    """Add ``customers`` demo customers with contacts and two years of follow-ups."""
    import time

    started = time.perf_counter()
    progress = progress or NullProgress()
    rnd = random.Random(seed)
    now = now or datetime.now(UTC)
    zh = language.startswith("zh")
    seed_defaults(session, language, demo_branches=True)
    users_created = _ensure_demo_users(session, zh)
    pools = _Pools(rnd, seed)

    grade_ids = list(session.scalars(select(Grade.id).order_by(Grade.sort)))
    grade_draw: tuple[int | None, ...] = tuple(
        g for g, w in zip(grade_ids, (10, 25, 40, 25, 10, 10), strict=False) for _ in range(w)
    ) or (None,)
    all_regions = session.execute(select(Region.id, Region.parent_id, Region.name)).all()
    parents = {r.parent_id for r in all_regions}
    leaf_regions = [(r.id, r.name) for r in all_regions if r.id not in parents]
    sales = session.execute(
        select(AppUser.id, AppUser.branch_id).where(AppUser.active.is_(True), AppUser.role != "admin")
    ).all() or session.execute(select(AppUser.id, AppUser.branch_id)).all()

    batch = ImportBatch(kind="demo", file=None, user_id=actor.id, at=now, status="done")
    session.add(batch)
    session.flush()

    cust_t: Table = Customer.__table__  # type: ignore[assignment]
    cont_t: Table = Contact.__table__  # type: ignore[assignment]
    fu_t: Table = Followup.__table__  # type: ignore[assignment]
    oc_t: Table = OwnershipChange.__table__  # type: ignore[assignment]
    next_customer = _next_id(session, cust_t)
    next_contact = _next_id(session, cont_t)
    two_years = 730 * 86400
    counts = {"customers": 0, "contacts": 0, "followups": 0, "pool": 0}

    done = 0
    while done < customers:
        progress.check_cancelled()
        n = min(BATCH, customers - done)
        c_rows: list[dict[str, Any]] = []
        ct_rows: list[dict[str, Any]] = []
        f_rows: list[dict[str, Any]] = []
        o_rows: list[dict[str, Any]] = []
        for _ in range(n):
            cid = next_customer
            next_customer += 1
            chinese = rnd.random() < 0.8
            region_id, region_name = rnd.choice(leaf_regions)
            if chinese:
                city = region_name if len(region_name) <= 3 else region_name[:2]
                name = (
                    (city if rnd.random() < 0.6 else "")
                    + rnd.choice(_ZH_CORE) + rnd.choice(_ZH_TRADE) + rnd.choice(_ZH_SUFFIX)
                )
                address = region_name + rnd.choice(pools.zh_streets)
                domain = pools.rnd.choice(pools.domains) + rnd.choice((".com.cn", ".cn", ".com"))
            else:
                name = rnd.choice(pools.en_companies)
                if rnd.random() < 0.5:
                    name += rnd.choice((" Co., Ltd.", " Trading", " Group", " (Asia)"))
                address = rnd.choice(pools.en_addresses)
                domain = pools.rnd.choice(pools.domains) + ".com"
            created = now - timedelta(seconds=rnd.randrange(two_years + 86400 * 365))
            in_pool = rnd.random() < 0.08
            owner_id, branch_id = (None, None) if in_pool else rnd.choice(sales)
            if in_pool:
                branch_id = rnd.choice(sales)[1]
            phone = f"0{rnd.randrange(10, 999)}-{rnd.randrange(10_000_000, 99_999_999)}"
            email = f"info@{domain}"
            status = rnd.choice(_STATUSES)

            contact_names: list[str] = []
            contact_phones: list[str] = []
            for k in range(rnd.choice(_CONTACT_COUNTS)):
                person = rnd.choice(pools.zh_people if chinese else pools.en_people)
                mobile = f"1{rnd.choice('3456789')}{rnd.randrange(10**8, 10**9)}"
                contact_names.append(person)
                contact_phones.append(mobile)
                ct_rows.append(
                    {
                        "id": next_contact, "uuid": f"{seed:08x}-demo-cont-{next_contact:012d}",
                        "customer_id": cid, "name": person,
                        "title": rnd.choice(_TITLES_ZH if chinese else _TITLES_EN),
                        "department": rnd.choice(_DEPTS_ZH) if chinese else None,
                        "phone": None, "mobile": mobile,
                        "email": f"contact{next_contact}@{domain}",
                        "email_norm": f"contact{next_contact}@{domain}",
                        "wechat": f"wx_{mobile[-6:]}" if chinese and rnd.random() < 0.6 else None,
                        "birthday": None, "notes": None, "is_primary": k == 0,
                        "import_batch_id": batch.id, "version": 1,
                        "created_at": created, "updated_at": created, "deleted_at": None,
                    }
                )
                next_contact += 1

            last_at: datetime | None = None
            for _ in range(rnd.choice(_FOLLOWUP_COUNTS)):
                happened = created + timedelta(
                    seconds=rnd.randrange(max(1, int((now - created).total_seconds())))
                )
                outcome = rnd.choice(_OUTCOMES)
                f_rows.append(
                    {
                        "uuid": None, "customer_id": cid, "contact_id": None,
                        "user_id": owner_id or rnd.choice(sales)[0],
                        "kind": rnd.choice(_KINDS), "status": "done",
                        "happened_at": happened, "due_at": None,
                        "summary": rnd.choice(_SUMMARIES_ZH if chinese else _SUMMARIES_EN),
                        "outcome": outcome,
                        "lost_reason": rnd.choice(_LOST_REASONS) if outcome == "lost" else None,
                        "email_id": None, "reminded_at": None, "version": 1,
                        "created_at": happened, "updated_at": happened, "deleted_at": None,
                    }
                )
                last_at = happened if last_at is None or happened > last_at else last_at
            next_at: datetime | None = None
            if owner_id is not None and rnd.random() < 0.35:
                next_at = now + timedelta(hours=rnd.randrange(-24 * 14, 24 * 30))
                f_rows.append(
                    {
                        "uuid": None, "customer_id": cid, "contact_id": None, "user_id": owner_id,
                        "kind": rnd.choice(_KINDS), "status": "planned",
                        "happened_at": None, "due_at": next_at,
                        "summary": "回访，确认需求" if chinese else "Call back about the quote",
                        "outcome": None, "lost_reason": None, "email_id": None,
                        "reminded_at": None, "version": 1,
                        "created_at": now, "updated_at": now, "deleted_at": None,
                    }
                )

            c_rows.append(
                {
                    "id": cid, "uuid": f"{seed:08x}-demo-cust-{cid:012d}", "name": name,
                    "kind": "company",
                    "grade_id": rnd.choice(grade_draw),
                    "region_id": region_id, "branch_id": branch_id, "owner_id": owner_id,
                    "created_by_id": owner_id, "status": status,
                    "industry": rnd.choice(_INDUSTRIES), "source": rnd.choice(_SOURCES),
                    "phone": phone, "email": email, "website": f"www.{domain}",
                    "address": address, "tags": None, "notes": None, "custom": None,
                    "last_followup_at": last_at, "next_followup_at": next_at,
                    "pool_since": created if in_pool else None, "locked": False,
                    "import_batch_id": batch.id, "version": 1,
                    "created_at": created, "updated_at": created, "deleted_at": None,
                    **customer_search_columns(
                        name, phones=[phone, *contact_phones], emails=[email],
                        address=address, contact_names=contact_names,
                    ),
                }
            )
            o_rows.append(
                {
                    "customer_id": cid, "from_user_id": None, "to_user_id": owner_id,
                    "reason": "create", "note": "demo", "at": created, "by_id": actor.id,
                }
            )
            counts["pool"] += in_pool
        for row in f_rows:
            row["uuid"] = f"{seed:08x}-demo-fu-{rnd.getrandbits(60):016x}"
        for table, rows in ((cust_t, c_rows), (cont_t, ct_rows), (fu_t, f_rows), (oc_t, o_rows)):
            _bulk_insert(session, table, rows)
        counts["customers"] += len(c_rows)
        counts["contacts"] += len(ct_rows)
        counts["followups"] += len(f_rows)
        done += n
        progress.report(done, customers, "customers")

    if session.get_bind().dialect.name == "postgresql":
        # Ids were given explicitly: move the sequences past them.
        for table in ("customer", "contact"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )
    batch.counts = dict(counts)
    audit.record(session, actor, "demo.generate", "import_batch", batch.id, dict(counts))
    return DemoResult(
        customers=counts["customers"],
        contacts=counts["contacts"],
        followups=counts["followups"],
        users=users_created,
        pool=counts["pool"],
        elapsed_s=time.perf_counter() - started,
        batch_id=batch.id,
    )
