"""Realistic demo data, fast enough for a million customers.

Faker makes ~2,600 rows/s here, far too slow for 1M customers, so value pools are built with
Faker once and then combined with a seeded ``random.Random``; rows go in with Core executemany
in batches, ids assigned up front so contacts and follow-ups can point at their customer.
"""

from __future__ import annotations

import itertools
import os
import random
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.db.models import (
    AppUser,
    Base,
    Branch,
    Grade,
    ImportBatch,
    Region,
)
from crm_desktop.db.search_sql import resume_search_sync, suspend_search_sync
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
    "华信",
    "恒达",
    "鑫源",
    "宏远",
    "金桥",
    "博瑞",
    "汇通",
    "中科",
    "天成",
    "瑞丰",
    "东方",
    "长城",
    "新世纪",
    "海纳",
    "同创",
    "中达",
    "安泰",
    "众诚",
    "明辉",
    "德盛",
    "永安",
    "嘉禾",
    "正泰",
    "联创",
    "华茂",
    "旭日",
    "卓越",
    "锦程",
    "创维",
    "泰和",
    "万通",
    "国信",
    "云帆",
    "星辰",
    "蓝海",
    "启明",
    "宏图",
    "昌盛",
    "盛世",
    "通达",
    "友邦",
    "诚信",
    "伟业",
    "丰华",
    "新元",
    "先锋",
    "科达",
    "恒通",
    "九州",
    "天宇",
    "瑞达",
    "华泰",
    "远航",
    "腾飞",
)
_ZH_TRADE = (
    "科技",
    "贸易",
    "电子",
    "机械",
    "实业",
    "化工",
    "物流",
    "医疗器械",
    "信息技术",
    "建材",
    "纺织",
    "食品",
    "软件",
    "新能源",
    "汽车配件",
    "环保科技",
    "精密制造",
    "包装材料",
    "电气",
    "光电",
    "网络科技",
    "供应链管理",
    "国际贸易",
    "生物科技",
)
_ZH_SUFFIX = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司")
_INDUSTRIES = ("制造", "贸易", "软件", "医疗", "物流", "建筑", "零售", "能源", "教育", "金融")
_SOURCES = ("visit", "exhibition", "email_campaign", "website", "phone", "referral", "other")
_TITLES_ZH = (
    "采购经理",
    "总经理",
    "技术总监",
    "财务主管",
    "销售总监",
    "工程师",
    "行政主管",
    "董事长",
)
_TITLES_EN = ("Purchasing Manager", "CEO", "CTO", "Finance Lead", "Sales Director", "Engineer")
_DEPTS_ZH = ("采购部", "技术部", "财务部", "总经办", "市场部", "生产部")
_SUMMARIES_ZH = (
    "电话沟通新项目需求，客户希望下周提供报价。",
    "上门拜访，介绍新产品线，对方反馈积极。",
    "参加客户年度供应商会议。",
    "跟进样品测试结果，质量合格。",
    "客户询问交货期与付款方式。",
    "发送产品目录和价格表。",
    "微信确认订单细节。",
    "客户暂无采购计划，半年后再联系。",
)
_SUMMARIES_EN = (
    "Call about the new project; they want a quote next week.",
    "Visited the plant and presented the new product line.",
    "Sent the catalogue and price list.",
    "Confirmed order details.",
    "No budget this year; follow up in six months.",
)
_LOST_REASONS = (
    "价格太高",
    "选择了竞争对手",
    "项目取消",
    "预算不足",
    "Price too high",
    "Chose a competitor",
)
_KIND_WEIGHTS = (
    ("call", 40),
    ("visit", 20),
    ("meeting", 8),
    ("email", 20),
    ("wechat", 10),
    ("other", 2),
)
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
                password_hash=password_hash
                if session.get_bind().dialect.name == "sqlite"
                else None,
            )
        )
        created += 1
    session.flush()
    return created


# Columns written per table, in the order the batch tuples hold them.
CUSTOMER_COLUMNS = (
    "id",
    "uuid",
    "name",
    "kind",
    "grade_id",
    "region_id",
    "branch_id",
    "owner_id",
    "created_by_id",
    "status",
    "industry",
    "source",
    "phone",
    "email",
    "website",
    "address",
    "tags",
    "notes",
    "custom",
    "last_followup_at",
    "next_followup_at",
    "pool_since",
    "locked",
    "import_batch_id",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
    "name_norm",
    "name_pinyin",
    "name_initials",
    "phone_digits",
    "email_norm",
    "search_text",
    "search_keys",
)
CONTACT_COLUMNS = (
    "uuid",
    "customer_id",
    "name",
    "title",
    "department",
    "mobile",
    "email",
    "email_norm",
    "wechat",
    "is_primary",
    "import_batch_id",
    "version",
    "created_at",
    "updated_at",
)
FOLLOWUP_COLUMNS = (
    "uuid",
    "customer_id",
    "user_id",
    "kind",
    "status",
    "happened_at",
    "due_at",
    "summary",
    "outcome",
    "lost_reason",
    "version",
    "created_at",
    "updated_at",
)
OWNERSHIP_COLUMNS = ("customer_id", "from_user_id", "to_user_id", "reason", "note", "at", "by_id")
PARALLEL_FROM = 20_000  # below this, worker processes cost more than they save
SEARCH_REINDEX_FROM = 50_000  # from here, search indexes are built after the load, in one pass


@dataclass(frozen=True)
class _Plan:
    """Everything a batch needs, picklable so worker processes can build batches."""

    seed: int
    now: datetime
    zh: bool
    sqlite: bool  # datetimes as naive UTC text (SQLite) or aware values (PostgreSQL COPY)
    grade_draw: tuple[int | None, ...]
    leaf_regions: tuple[tuple[int, str], ...]
    sales: tuple[tuple[int, int | None], ...]
    batch_id: int
    actor_id: int | None
    first_customer_id: int


@dataclass
class _Batch:
    customers: list[tuple[Any, ...]]
    contacts: list[tuple[Any, ...]]
    followups: list[tuple[Any, ...]]
    ownership: list[tuple[Any, ...]]
    pool: int


_POOLS: dict[int, _Pools] = {}


def _pools(seed: int) -> _Pools:
    pools = _POOLS.get(seed)
    if pools is None:
        pools = _POOLS[seed] = _Pools(random.Random(seed), seed)
    return pools


def _build_batch(plan: _Plan, batch_no: int, n: int) -> _Batch:
    """Make ``n`` customers (with contacts, follow-ups, ownership rows) — deterministic for a
    (plan, batch_no), whichever process runs it."""
    pools = _pools(plan.seed)
    rnd = random.Random(plan.seed * 1_000_003 + batch_no)
    now, sales, batch_id = plan.now, plan.sales, plan.batch_id

    def ts(d: datetime | None) -> Any:
        if d is None or not plan.sqlite:
            return d
        return d.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    out = _Batch([], [], [], [], 0)
    two_years = 730 * 86400
    first = plan.first_customer_id + batch_no * BATCH
    for cid in range(first, first + n):
        chinese = rnd.random() < 0.8
        region_id, region_name = rnd.choice(plan.leaf_regions)
        if chinese:
            city = region_name if len(region_name) <= 3 else region_name[:2]
            name = (
                (city if rnd.random() < 0.6 else "")
                + rnd.choice(_ZH_CORE)
                + rnd.choice(_ZH_TRADE)
                + rnd.choice(_ZH_SUFFIX)
            )
            address = region_name + rnd.choice(pools.zh_streets)
            domain = rnd.choice(pools.domains) + rnd.choice((".com.cn", ".cn", ".com"))
        else:
            name = rnd.choice(pools.en_companies)
            if rnd.random() < 0.5:
                name += rnd.choice((" Co., Ltd.", " Trading", " Group", " (Asia)"))
            address = rnd.choice(pools.en_addresses)
            domain = rnd.choice(pools.domains) + ".com"
        created = now - timedelta(seconds=rnd.randrange(two_years + 86400 * 365))
        created_s = ts(created)
        in_pool = rnd.random() < 0.08
        owner_id, branch_id = (None, rnd.choice(sales)[1]) if in_pool else rnd.choice(sales)
        phone = f"0{rnd.randrange(10, 999)}-{rnd.randrange(10_000_000, 99_999_999)}"
        email = f"info@{domain}"

        contact_names: list[str] = []
        contact_phones: list[str] = []
        for k in range(rnd.choice(_CONTACT_COUNTS)):
            person = rnd.choice(pools.zh_people if chinese else pools.en_people)
            mobile = f"1{rnd.choice('3456789')}{rnd.randrange(10**8, 10**9)}"
            contact_names.append(person)
            contact_phones.append(mobile)
            address_at = f"c{cid}.{k}@{domain}"
            out.contacts.append(
                (
                    f"{plan.seed:08x}-demo-cont-{cid:012d}-{k}",
                    cid,
                    person,
                    rnd.choice(_TITLES_ZH if chinese else _TITLES_EN),
                    rnd.choice(_DEPTS_ZH) if chinese else None,
                    mobile,
                    address_at,
                    address_at,
                    f"wx_{mobile[-6:]}" if chinese and rnd.random() < 0.6 else None,
                    k == 0,
                    batch_id,
                    1,
                    created_s,
                    created_s,
                )
            )

        last_at: datetime | None = None
        age = max(1, int((now - created).total_seconds()))
        summaries = _SUMMARIES_ZH if chinese else _SUMMARIES_EN
        for k in range(rnd.choice(_FOLLOWUP_COUNTS)):
            happened = created + timedelta(seconds=rnd.randrange(age))
            outcome = rnd.choice(_OUTCOMES)
            h = ts(happened)
            out.followups.append(
                (
                    f"{plan.seed:08x}-demo-fu-{cid:012d}-{k}",
                    cid,
                    owner_id or rnd.choice(sales)[0],
                    rnd.choice(_KINDS),
                    "done",
                    h,
                    None,
                    rnd.choice(summaries),
                    outcome,
                    rnd.choice(_LOST_REASONS) if outcome == "lost" else None,
                    1,
                    h,
                    h,
                )
            )
            if last_at is None or happened > last_at:
                last_at = happened
        next_at: datetime | None = None
        if owner_id is not None and rnd.random() < 0.35:
            next_at = now + timedelta(hours=rnd.randrange(-24 * 14, 24 * 30))
            out.followups.append(
                (
                    f"{plan.seed:08x}-demo-fu-{cid:012d}-p",
                    cid,
                    owner_id,
                    rnd.choice(_KINDS),
                    "planned",
                    None,
                    ts(next_at),
                    "回访，确认需求" if chinese else "Call back about the quote",
                    None,
                    None,
                    1,
                    ts(now),
                    ts(now),
                )
            )
        keys = customer_search_columns(
            name,
            phones=[phone, *contact_phones],
            emails=[email],
            address=address,
            contact_names=contact_names,
        )
        out.customers.append(
            (
                cid,
                f"{plan.seed:08x}-demo-cust-{cid:012d}",
                name,
                "company",
                rnd.choice(plan.grade_draw),
                region_id,
                branch_id,
                owner_id,
                owner_id,
                rnd.choice(_STATUSES),
                rnd.choice(_INDUSTRIES),
                rnd.choice(_SOURCES),
                phone,
                email,
                f"www.{domain}",
                address,
                None,
                None,
                None,
                ts(last_at),
                ts(next_at),
                created_s if in_pool else None,
                False,
                batch_id,
                1,
                created_s,
                created_s,
                None,
                keys["name_norm"],
                keys["name_pinyin"],
                keys["name_initials"],
                keys["phone_digits"],
                keys["email_norm"],
                keys["search_text"],
                keys["search_keys"],
            )
        )
        out.ownership.append((cid, None, owner_id, "create", "demo", created_s, plan.actor_id))
        out.pool += in_pool
    return out


def _bulk_insert(
    session: Session, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert many rows through the driver directly: Core's per-value bind processing costs
    more than the insert itself at this volume (SQLite executemany; PostgreSQL COPY, ~5× an
    executemany). Values are already in the column types' stored form."""
    if not rows:
        return
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    names = ", ".join(columns)
    if session.get_bind().dialect.name == "sqlite":
        marks = ", ".join("?" * len(columns))
        dbapi.cursor().executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        return
    with dbapi.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _batches(plan: _Plan, customers: int, workers: int | None) -> Iterator[_Batch]:
    """The batches in order; large runs build them in worker processes while the caller
    inserts, which on two cores nearly halves the time. ``workers``: None = decide by size,
    0 = build here."""
    sizes = [min(BATCH, customers - i) for i in range(0, customers, BATCH)]
    if workers is None:
        workers = 0 if customers < PARALLEL_FROM else max(1, min(2, os.cpu_count() or 1))
    if workers == 0:
        for no, n in enumerate(sizes):
            yield _build_batch(plan, no, n)
        return
    from concurrent.futures import Future, ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[_Batch]] = deque()
        todo = iter(enumerate(sizes))
        try:
            for no, n in itertools.islice(todo, workers * 2):
                pending.append(pool.submit(_build_batch, plan, no, n))
            while pending:
                batch = pending.popleft().result()
                for no, n in itertools.islice(todo, 1):
                    pending.append(pool.submit(_build_batch, plan, no, n))
                yield batch
        finally:
            for future in pending:
                future.cancel()


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
    workers: int | None = None,
    search_reindex_from: int = SEARCH_REINDEX_FROM,
) -> DemoResult:
    """Add ``customers`` demo customers with contacts and two years of follow-ups.

    The same seed and ``now`` give the same data, whether batches are built in this process
    (``workers=0``) or in worker processes. From ``search_reindex_from`` new customers (and
    more than there were) the search indexes are rebuilt once after the load."""
    started = time.perf_counter()
    progress = progress or NullProgress()
    now = now or datetime.now(UTC)
    zh = language.startswith("zh")
    seed_defaults(session, language, demo_branches=True)
    users_created = _ensure_demo_users(session, zh)

    grade_ids = list(session.scalars(select(Grade.id).order_by(Grade.sort)))
    grade_draw: tuple[int | None, ...] = tuple(
        g for g, w in zip(grade_ids, (10, 25, 40, 25, 10, 10), strict=False) for _ in range(w)
    ) or (None,)
    all_regions = session.execute(select(Region.id, Region.parent_id, Region.name)).all()
    parents = {r.parent_id for r in all_regions}
    sales = (
        session.execute(
            select(AppUser.id, AppUser.branch_id).where(
                AppUser.active.is_(True), AppUser.role != "admin"
            )
        ).all()
        or session.execute(select(AppUser.id, AppUser.branch_id)).all()
    )

    batch = ImportBatch(kind="demo", file=None, user_id=actor.id, at=now, status="done")
    session.add(batch)
    session.flush()
    plan = _Plan(
        seed=seed,
        now=now,
        zh=zh,
        sqlite=session.get_bind().dialect.name == "sqlite",
        grade_draw=grade_draw,
        leaf_regions=tuple((r.id, r.name) for r in all_regions if r.id not in parents),
        sales=tuple((u.id, u.branch_id) for u in sales),
        batch_id=batch.id,
        actor_id=actor.id,
        first_customer_id=_next_id(session, Base.metadata.tables["customer"]),
    )
    counts = {"customers": 0, "contacts": 0, "followups": 0, "pool": 0}
    # Many new customers (more than there are): build the search indexes once at the end
    # instead of updating them row by row.
    reindex = customers >= search_reindex_from and customers >= plan.first_customer_id
    if reindex:
        suspend_search_sync(session.connection())
    progress.report(0, customers, "customers")
    for rows in _batches(plan, customers, workers):
        progress.check_cancelled()
        _bulk_insert(session, "customer", CUSTOMER_COLUMNS, rows.customers)
        _bulk_insert(session, "contact", CONTACT_COLUMNS, rows.contacts)
        _bulk_insert(session, "followup", FOLLOWUP_COLUMNS, rows.followups)
        _bulk_insert(session, "ownership_change", OWNERSHIP_COLUMNS, rows.ownership)
        counts["customers"] += len(rows.customers)
        counts["contacts"] += len(rows.contacts)
        counts["followups"] += len(rows.followups)
        counts["pool"] += rows.pool
        progress.report(counts["customers"], customers, "customers")
    if reindex:
        progress.report(counts["customers"], customers, "search index")
        resume_search_sync(session.connection())

    if not plan.sqlite:
        # Customer ids were given explicitly: move the sequence past them.
        session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('customer', 'id'), "
                "(SELECT COALESCE(MAX(id), 1) FROM customer))"
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
