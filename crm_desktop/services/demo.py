"""Realistic demo data, fast enough for a million customers.

Faker makes ~2,600 rows/s here, far too slow for 1M customers, so value pools are built with
Faker once and then combined with a seeded ``random.Random``; rows go in with Core executemany
in batches, ids assigned up front so contacts and follow-ups can point at their customer.

Issue 4 needs the follow-up side to look lived-in: each owned customer's last contact is drawn
against its grade's pool rule (most are in good standing, some are about to return to the pool,
a few are overdue for the reclaim), planned follow-ups fall overdue, today and in the coming days,
some customers passed through the pool before (create → reclaim → claim, so prospect memory has
something to show) and lost follow-ups carry a lost reason from the company's list.
"""

from __future__ import annotations

import itertools
import os
import random
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
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
from crm_desktop.services.company import get_setting, seed_defaults
from crm_desktop.services.context import SYSTEM, Actor
from crm_desktop.services.search_keys import customer_search_columns
from crm_desktop.services.users import hash_password

BATCH = 5_000
LOST_REASONS_KEY = "lost_reasons"  # company_setting (issue 4): the editable list of lost reasons
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
# Used when the company has no ``lost_reasons`` setting yet (before migration 0004 seeds one).
_LOST_REASONS_ZH = ("价格太高", "选择了竞争对手", "项目取消", "预算不足", "联系不上")
_LOST_REASONS_EN = ("Price too high", "Chose a competitor", "Project cancelled", "No budget")
_LOST_SUMMARY_ZH = "客户决定不再采购，已记录原因。"
_LOST_SUMMARY_EN = "They decided against buying; reason noted."
_PLANNED_ZH = ("回访，确认需求", "发送报价并电话确认", "约时间上门拜访", "跟进样品测试结果")
_PLANNED_EN = ("Call back about the quote", "Send the quote, then call", "Book a visit")
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
_PLANNED_KINDS = ("call",) * 6 + ("visit",) * 2 + ("meeting", "wechat")
MAX_CONTACTS = max(_CONTACT_COUNTS)  # contact ids are assigned up front, MAX_CONTACTS per customer

DAY = 86400
# Shares of the customer mix (fractions of all customers unless said otherwise).
POOL_RECLAIMED = 0.06  # in the pool, taken back from a salesperson who stopped following up
POOL_RELEASED = 0.015  # in the pool, given back by the salesperson (mostly lost prospects)
POOL_NEW = 0.005  # in the pool from the start (a trade-fair lead nobody took yet)
PAST_OWNER = 0.12  # of owned customers: reclaimed from someone before, then claimed
LOCKED = 0.01  # of owned customers: exempt from the reclaim
RECLAIM_DUE = 0.02  # of owned customers under a reclaim rule: idle past it (reclaim moves them)
ABOUT_TO_RETURN = 0.04  # …idle into the grade's warning window
PLANNED = 0.35  # of owned customers: one planned follow-up
CANCELLED = 0.3  # of reclaimed pool customers: the previous owner's plan, cancelled
# Where planned follow-ups fall: cumulative shares overdue / today / next 7 days / later.
PLANNED_OVERDUE, PLANNED_TODAY, PLANNED_WEEK = 0.12, 0.20, 0.50
_BASE_DONE_MEAN = sum(_FOLLOWUP_COUNTS) / len(_FOLLOWUP_COUNTS)
_OTHER_MEAN = (1 - POOL_RECLAIMED - POOL_RELEASED - POOL_NEW) * PLANNED + POOL_RECLAIMED * CANCELLED


def followup_factor(followups_per_customer: float | None) -> float:
    """How much to scale the done follow-ups drawn per customer so that all follow-ups (done,
    planned, cancelled) average ``followups_per_customer``; None keeps the usual ≈2.7."""
    if followups_per_customer is None:
        return 1.0
    if followups_per_customer < 0:
        raise ValueError("followups_per_customer must be 0 or more")
    done = followups_per_customer - _OTHER_MEAN
    return max(0.0, done / (_BASE_DONE_MEAN * (1 - POOL_NEW)))


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
    "id",
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
    "contact_id",
    "user_id",
    "kind",
    "status",
    "happened_at",
    "due_at",
    "summary",
    "outcome",
    "lost_reason",
    "reminded_at",
    "version",
    "created_at",
    "updated_at",
)
OWNERSHIP_COLUMNS = ("customer_id", "from_user_id", "to_user_id", "reason", "note", "at", "by_id")
PARALLEL_FROM = 20_000  # below this, worker processes cost more than they save
BULK_CACHE_KIB_PER_CUSTOMER = 4  # SQLite page cache during a load (_bulk_cache) …
BULK_CACHE_MAX_KIB = 1024 * 1024  # … up to 1 GiB, from 250k customers
SEARCH_REINDEX_FROM = 50_000  # from here, search indexes are built after the load, in one pass


@dataclass(frozen=True)
class _Plan:
    """Everything a batch needs, picklable so worker processes can build batches."""

    seed: int
    now: datetime
    today_start: datetime  # midnight of ``now``'s local day ("due today" is the local day)
    zh: bool
    sqlite: bool  # datetimes as naive UTC text (SQLite) or aware values (PostgreSQL COPY)
    grade_draw: tuple[tuple[int | None, int | None, int | None], ...]  # id, reclaim, warn days
    leaf_regions: tuple[tuple[int, str], ...]
    sales: tuple[tuple[int, int | None], ...]
    batch_id: int
    actor_id: int | None
    first_customer_id: int
    first_contact_id: int
    followup_factor: float
    lost_reasons: tuple[str, ...]
    owner_since: bool  # the customer table has owner_since (migration 0004)


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
    (plan, batch_no), whichever process runs it.

    Each customer's story is drawn backwards from ``now``: how long it has been idle (against
    its grade's reclaim rule), since when its owner has it, whether someone else had it before
    and lost it to the pool; follow-ups are then placed inside those periods, so
    ``last_followup_at``, ``owner_since`` and ``pool_since`` tell the reclaim what we meant."""
    pools = _pools(plan.seed)
    rnd = random.Random(plan.seed * 1_000_003 + batch_no)
    now, sales, batch_id = plan.now, plan.sales, plan.batch_id
    factor = plan.followup_factor
    lost_reasons = plan.lost_reasons

    def ts(d: datetime | None) -> Any:
        if d is None or not plan.sqlite:
            return d
        # SQLAlchemy's SQLite DATETIME text, microseconds included, so that stored values
        # compare with bound parameters as the datetimes do.
        return d.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def ago(start: datetime, seconds: float) -> datetime:
        return start - timedelta(seconds=rnd.randrange(max(1, int(seconds))))

    def done_count() -> int:
        base = rnd.choice(_FOLLOWUP_COUNTS)
        if factor == 1.0:
            return base
        scaled = base * factor
        whole = int(scaled)
        return whole + (rnd.random() < scaled - whole)

    out = _Batch([], [], [], [], 0)
    two_years = 730 * DAY
    first = plan.first_customer_id + batch_no * BATCH
    for cid in range(first, first + n):
        uid = f"{plan.seed:08x}-demo-fu-{cid:012d}-"
        chinese = rnd.random() < 0.8
        region_id, region_name = rnd.choice(plan.leaf_regions)
        if chinese:
            city = region_name if len(region_name) <= 3 else region_name[:2]
            if not all("\u4e00" <= ch <= "\u9fff" for ch in city):
                city = ""  # an English region name ("Zhengzhou") makes no Chinese prefix
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
                suffix = rnd.choice((" Co., Ltd.", " Trading", " Group", " (Asia)"))
                if not name.endswith(suffix.strip()):  # no "Salas Group Group"
                    name += suffix
            address = rnd.choice(pools.en_addresses)
            domain = rnd.choice(pools.domains) + ".com"
        grade_id, reclaim_days, warn_days = rnd.choice(plan.grade_draw)
        status = rnd.choice(_STATUSES)
        summaries = _SUMMARIES_ZH if chinese else _SUMMARIES_EN
        lost_summary = _LOST_SUMMARY_ZH if chinese else _LOST_SUMMARY_EN

        # --- ownership story: the owner now and since when; who had it before, until when
        story = rnd.random()
        in_pool = story < POOL_RECLAIMED + POOL_RELEASED + POOL_NEW
        reclaimed = False  # the previous owner lost it to the reclaim (else: released it)
        k = done_count()
        prev_id: int | None = None
        prev_until: datetime | None = None  # when the previous owner lost or gave it up
        prev_last: datetime | None = None  # the previous owner's last follow-up
        anchor: datetime | None = None  # the current owner's last follow-up (or take-over)
        owner_since: datetime | None = None
        pool_since: datetime | None = None
        if in_pool:
            owner_id = None
            prev_id, branch_id = rnd.choice(sales)
            pool_since = prev_until = ago(now, 400 * DAY) - timedelta(hours=1)
            if story < POOL_RECLAIMED:
                reclaimed = True
                prev_last = pool_since - timedelta(days=reclaim_days or 30)
            elif story < POOL_RECLAIMED + POOL_RELEASED:
                prev_last = ago(pool_since, 20 * DAY)
            else:  # a lead nobody has taken yet
                prev_id, prev_until, k = None, None, 0
            created = ago(prev_last, two_years) if prev_last else pool_since
            k_prev, k_cur = k, 0
        else:
            owner_id, branch_id = rnd.choice(sales)
            if reclaim_days is None:  # never reclaimed: some go dormant
                idle = rnd.random() * (30 if rnd.random() < 0.7 else 180) * DAY
            else:
                x, warn = rnd.random(), warn_days or 0
                if x < RECLAIM_DUE:
                    idle = (reclaim_days + 0.05 + rnd.random() * 45) * DAY
                elif x < RECLAIM_DUE + ABOUT_TO_RETURN and warn:
                    idle = (reclaim_days - warn * (0.02 + 0.96 * rnd.random())) * DAY
                else:
                    idle = rnd.random() * 0.98 * (reclaim_days - warn) * DAY
            anchor = now - timedelta(seconds=int(idle))
            past_owner = rnd.random() < PAST_OWNER
            k_prev = (k + 1) // 2 if past_owner else 0
            k_cur = k - k_prev
            # No follow-up by the owner yet: the customer came to it `idle` ago.
            owner_since = ago(anchor, two_years) if k_cur else anchor
            created = owner_since
            if past_owner:  # reclaimed from someone else, then claimed from the pool
                reclaimed = True
                prev_id = rnd.choice(sales)[0]
                if prev_id == owner_id:
                    prev_id = rnd.choice(sales)[0]
                prev_until = ago(owner_since, 120 * DAY)
                prev_last = prev_until - timedelta(days=reclaim_days or 30)
                created = ago(prev_last, two_years)
        created_s = ts(created)
        locked = owner_id is not None and rnd.random() < LOCKED
        phone = f"0{rnd.randrange(10, 999)}-{rnd.randrange(10_000_000, 99_999_999)}"
        email = f"info@{domain}"

        contact_ids: list[int] = []
        contact_names: list[str] = []
        contact_phones: list[str] = []
        first_contact = plan.first_contact_id + (cid - plan.first_customer_id) * MAX_CONTACTS
        for c in range(rnd.choice(_CONTACT_COUNTS)):
            person = rnd.choice(pools.zh_people if chinese else pools.en_people)
            mobile = f"1{rnd.choice('3456789')}{rnd.randrange(10**8, 10**9)}"
            contact_ids.append(first_contact + c)
            contact_names.append(person)
            contact_phones.append(mobile)
            address_at = f"c{cid}.{c}@{domain}"
            out.contacts.append(
                (
                    first_contact + c,
                    f"{plan.seed:08x}-demo-cont-{cid:012d}-{c}",
                    cid,
                    person,
                    rnd.choice(_TITLES_ZH if chinese else _TITLES_EN),
                    rnd.choice(_DEPTS_ZH) if chinese else None,
                    mobile,
                    address_at,
                    address_at,
                    f"wx_{mobile[-6:]}" if chinese and rnd.random() < 0.6 else None,
                    c == 0,
                    batch_id,
                    1,
                    created_s,
                    created_s,
                )
            )

        # --- follow-ups: the previous owner's (if any), then the current owner's
        done: list[tuple[int, datetime, str]] = []  # user, happened, outcome
        if prev_id is not None and prev_last is not None:
            span = (prev_last - created).total_seconds()
            for i in range(k_prev):
                outcome = rnd.choice(_OUTCOMES)
                if i == k_prev - 1:
                    # The previous owner's last word: often why the customer left it.
                    if rnd.random() < 0.45:
                        outcome = "lost"
                    done.append((prev_id, prev_last, outcome))
                else:
                    done.append((prev_id, ago(prev_last, span), outcome))
        if owner_id is not None and anchor is not None and owner_since is not None:
            span = (anchor - owner_since).total_seconds()
            for i in range(k_cur):
                outcome = rnd.choice(_OUTCOMES)
                if outcome == "lost" and status == "active":
                    outcome = "neutral"
                if i == k_cur - 1:
                    done.append((owner_id, anchor, "lost" if status == "lost" else outcome))
                else:
                    done.append((owner_id, ago(anchor, span), outcome))
        last_at: datetime | None = None
        for seq, (user_id, happened, outcome) in enumerate(done):
            h = ts(happened)
            lost = outcome == "lost"
            out.followups.append(
                (
                    f"{uid}{seq}",
                    cid,
                    rnd.choice(contact_ids) if rnd.random() < 0.7 else None,
                    user_id,
                    rnd.choice(_KINDS),
                    "done",
                    h,
                    None,
                    lost_summary if lost else rnd.choice(summaries),
                    outcome,
                    rnd.choice(lost_reasons) if lost else None,
                    None,
                    1,
                    h,
                    h,
                )
            )
            if last_at is None or happened > last_at:
                last_at = happened
        if in_pool and reclaimed and prev_id and prev_until and rnd.random() < CANCELLED:
            # The reclaim cancelled what the previous owner had planned.
            due = ago(prev_until, 30 * DAY)
            out.followups.append(
                (
                    uid + "c",
                    cid,
                    None,
                    prev_id,
                    rnd.choice(_PLANNED_KINDS),
                    "cancelled",
                    None,
                    ts(due),
                    rnd.choice(_PLANNED_ZH if chinese else _PLANNED_EN),
                    None,
                    None,
                    None,
                    1,
                    ts(due - timedelta(days=7)),
                    ts(prev_until),
                )
            )
        next_at: datetime | None = None
        if owner_id is not None and anchor is not None and rnd.random() < PLANNED:
            x = rnd.random()
            hour = timedelta(minutes=rnd.randrange(8 * 60, 19 * 60))  # office hours
            if x < PLANNED_OVERDUE:
                next_at = now - timedelta(minutes=rnd.randrange(30, 21 * 24 * 60))
            elif x < PLANNED_TODAY:
                next_at = plan.today_start + hour
            elif x < PLANNED_WEEK:
                next_at = plan.today_start + timedelta(days=rnd.randrange(1, 8)) + hour
            else:
                next_at = plan.today_start + timedelta(days=rnd.randrange(8, 61)) + hour
            # Reminders popped long ago for what is overdue by more than an hour.
            late = next_at < now - timedelta(hours=1)
            reminded = next_at + timedelta(minutes=1) if late else None
            planned_on = max(created, min(anchor, next_at - timedelta(days=1)))
            out.followups.append(
                (
                    uid + "p",
                    cid,
                    rnd.choice(contact_ids) if rnd.random() < 0.7 else None,
                    owner_id,
                    rnd.choice(_PLANNED_KINDS),
                    "planned",
                    None,
                    ts(next_at),
                    rnd.choice(_PLANNED_ZH if chinese else _PLANNED_EN),
                    None,
                    None,
                    ts(reminded),
                    1,
                    ts(planned_on),
                    ts(planned_on),
                )
            )

        # --- ownership history
        creator = prev_id if prev_id is not None else owner_id
        out.ownership.append((cid, None, creator, "create", "demo", created_s, plan.actor_id))
        if prev_id is not None and prev_until is not None:
            # A reclaim is the system's doing (by nobody); a release the owner's own.
            gone, by = ("reclaim", None) if reclaimed else ("release", prev_id)
            out.ownership.append((cid, prev_id, None, gone, None, ts(prev_until), by))
            if owner_id is not None:
                claimed = ts(owner_since)
                out.ownership.append((cid, None, owner_id, "claim", None, claimed, owner_id))

        keys = customer_search_columns(
            name,
            phones=[phone, *contact_phones],
            emails=[email],
            address=address,
            contact_names=contact_names,
        )
        row: tuple[Any, ...] = (
            cid,
            f"{plan.seed:08x}-demo-cust-{cid:012d}",
            name,
            "company",
            grade_id,
            region_id,
            branch_id,
            owner_id,
            creator,
            status,
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
            ts(pool_since),
            locked,
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
        if plan.owner_since:
            row += (ts(owner_since),)
        out.customers.append(row)
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


@contextmanager
def _bulk_cache(session: Session, customers: int) -> Iterator[None]:
    """SQLite: a page cache sized to the load while it runs. The customer and follow-up
    indexes take rows in random order; with the usual 32 MB their pages spill to the WAL and
    are read back again and again (200k customers: 80 s → 47 s with 1 GB)."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    conn = session.connection()
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
    want_kib = min(BULK_CACHE_MAX_KIB, customers * BULK_CACHE_KIB_PER_CUSTOMER)
    # A negative cache_size is KiB, a positive one pages: compare like with like.
    before_kib = -before if before < 0 else before * 4
    if want_kib <= before_kib:
        yield
        return
    conn.exec_driver_sql(f"PRAGMA cache_size = {-want_kib}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {before}")


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
    followups_per_customer: float | None = None,
) -> DemoResult:
    """Add ``customers`` demo customers with contacts and two years of follow-ups.

    ``followups_per_customer``: the average number of follow-ups (done, planned and cancelled)
    per customer; None keeps the usual mix (≈2.7). The same seed and ``now`` give the same
    data, whether batches are built in this process (``workers=0``) or in worker processes.
    From ``search_reindex_from`` new customers (and more than there were) the search indexes
    are rebuilt once after the load."""
    started = time.perf_counter()
    progress = progress or NullProgress()
    factor = followup_factor(followups_per_customer)
    now = now or datetime.now(UTC)
    zh = language.startswith("zh")
    seed_defaults(session, language, demo_branches=True)
    users_created = _ensure_demo_users(session, zh)

    grades = session.execute(
        select(Grade.id, Grade.reclaim_days, Grade.warn_days)
        .where(Grade.deleted_at.is_(None))
        .order_by(Grade.sort)
    ).all()
    grade_draw: tuple[tuple[int | None, int | None, int | None], ...] = tuple(
        (g.id, g.reclaim_days, g.warn_days)
        for g, w in zip(grades, (10, 25, 40, 25, 10, 10), strict=False)
        for _ in range(w)
    ) or ((None, None, None),)
    reasons = get_setting(session, LOST_REASONS_KEY)
    if not (isinstance(reasons, list) and reasons and all(isinstance(r, str) for r in reasons)):
        reasons = _LOST_REASONS_ZH if zh else _LOST_REASONS_EN
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
    # "Due today" is the local day, as on the Today page.
    local_now = now.astimezone()
    today_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    plan = _Plan(
        seed=seed,
        now=now,
        today_start=today_start,
        zh=zh,
        sqlite=session.get_bind().dialect.name == "sqlite",
        grade_draw=grade_draw,
        leaf_regions=tuple((r.id, r.name) for r in all_regions if r.id not in parents),
        sales=tuple((u.id, u.branch_id) for u in sales),
        batch_id=batch.id,
        actor_id=actor.id,
        first_customer_id=_next_id(session, Base.metadata.tables["customer"]),
        first_contact_id=_next_id(session, Base.metadata.tables["contact"]),
        followup_factor=factor,
        lost_reasons=tuple(reasons),
        owner_since="owner_since" in Base.metadata.tables["customer"].c,
    )
    customer_columns = CUSTOMER_COLUMNS + (("owner_since",) if plan.owner_since else ())
    counts = {"customers": 0, "contacts": 0, "followups": 0, "pool": 0}
    # Many new customers (more than there are): build the search indexes once at the end
    # instead of updating them row by row.
    reindex = customers >= search_reindex_from and customers >= plan.first_customer_id
    if reindex:
        suspend_search_sync(session.connection())
    progress.report(0, customers, "customers")
    with _bulk_cache(session, customers):
        for rows in _batches(plan, customers, workers):
            progress.check_cancelled()
            _bulk_insert(session, "customer", customer_columns, rows.customers)
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
        # Customer and contact ids were given explicitly: move the sequences past them.
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
