"""The data behind the PDF reports (DESIGN §8, issue 6): gathered with SQL within the actor's
rights, handed to the builders of ``crm_desktop.reports`` as plain DTOs, audited when printed.

Aggregates are SQL GROUP BYs (the roster matrix, follow-up statistics, the dashboard's month
buckets); only their small results, and lists capped at ``ROSTER_MAX_ROWS``, reach Python.
Rights reuse the customer list's visibility (``visible_clause``): a salesperson's report holds
their own customers and the public pool, a manager's their branch's and the pool, an
administrator's everything. Dates are shown, and periods and month buckets cut, in the report's
time zone (an IANA name, default Asia/Shanghai).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.db.models import (
    CUSTOMER_STATUSES,
    FOLLOWUP_KINDS,
    FOLLOWUP_OUTCOMES,
    AppUser,
    Branch,
    Contact,
    Customer,
    EmailMessage,
    Followup,
    Grade,
    OwnershipChange,
    Region,
)
from crm_desktop.reports import (
    REPORT_KINDS,
    ROSTER_MAX_ROWS,
    ContactLine,
    DashboardData,
    DormantData,
    DormantRow,
    FollowupRow,
    FollowupsData,
    FollowupStat,
    HandoverCustomer,
    HandoverData,
    Language,
    OverdueData,
    OverdueRow,
    ProfileData,
    ReportHeader,
    RosterData,
    RosterRow,
    Series,
    build_dashboard,
    build_dormant,
    build_followups,
    build_handover,
    build_overdue,
    build_profile,
    build_roster,
    page_count,
)
from crm_desktop.services import audit
from crm_desktop.services.company import company_info
from crm_desktop.services.config import (
    BranchRow,
    GradeRow,
    RegionNode,
    list_branches,
    list_grades,
    list_regions,
    region_tree,
    subtree_ids,
)
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_list import ids_condition
from crm_desktop.services.customers import can_see, get_customer, visible_clause
from crm_desktop.services.followups import local_day_bounds, resolve_now

__all__ = [
    "DASHBOARD_MONTHS",
    "DEFAULT_DORMANT_DAYS",
    "REPORT_ACTIONS",
    "REPORT_KINDS",
    "ReportChoices",
    "ReportFilters",
    "ReportOutput",
    "UserChoice",
    "filters_from_options",
    "month_bucket",
    "record_report_output",
    "render_report",
    "report_choices",
    "report_data",
    "report_filter_texts",
    "report_title",
]

REPORT_ACTIONS = ("print", "save", "cli")
DEFAULT_DORMANT_DAYS = 90  # customers whose grade sets no dormant_days (or have no grade)
DASHBOARD_MONTHS = 12
DASHBOARD_TOP_USERS = 8
PROFILE_FOLLOWUPS = 200
PROFILE_MAIL = 50
SUMMARY_CHARS = 500  # a follow-up's summary in list reports (the profile sheet: PROFILE_SUMMARY)
PROFILE_SUMMARY_CHARS = 2_000
HANDOVER_WINDOW = timedelta(seconds=1)  # ownership_change rows of one handover share their time
NONE = "—"  # no grade / no region / nobody

ReportData = (
    RosterData
    | FollowupsData
    | OverdueData
    | DormantData
    | ProfileData
    | HandoverData
    | DashboardData
)


# =========================================================================== DTOs


@dataclass(frozen=True)
class ReportFilters:
    """What a report is restricted to; empty / None means "any". ``region_id`` includes its
    subtree. ``owner_id`` is the customer's owner — for the follow-up and overdue reports the
    salesperson whose follow-ups they are. ``date_from``/``date_to`` (inclusive, in the report's
    time zone) default to this month; ``days`` (dormant) defaults to each grade's
    ``dormant_days`` (90 without). A handover is a preview of ``handover_from_id``'s customers
    going to ``handover_to_id`` (None = the pool), or, with ``handover_at``, one that was done."""

    grade_ids: tuple[int, ...] = ()
    region_id: int | None = None
    owner_id: int | None = None
    branch_id: int | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    customer_id: int | None = None
    days: int | None = None
    handover_from_id: int | None = None
    handover_to_id: int | None = None
    handover_at: datetime | None = None


@dataclass(frozen=True)
class ReportOutput:
    kind: str
    pdf: bytes
    pages: int
    customers: int
    filters_text: tuple[tuple[str, str], ...]
    title: str


@dataclass(frozen=True)
class UserChoice:
    id: int
    login: str
    display_name: str
    branch_id: int | None


@dataclass(frozen=True)
class ReportChoices:
    """What the report dialog offers ``actor``: every grade, the region tree, the people whose
    customers they may see (sales: themselves; managers: their branch; admins: everybody) and
    the branches (all for admins, their own for others)."""

    kinds: tuple[str, ...]
    grades: tuple[GradeRow, ...]
    regions: tuple[RegionNode, ...]
    owners: tuple[UserChoice, ...]
    branches: tuple[BranchRow, ...]
    statuses: tuple[str, ...]


# =========================================================================== labels

# (zh_CN, en) — the report's own language, independent of the process locale (a CLI run or a
# report printed in English from a Chinese desktop).
_TEXT: dict[str, tuple[str, str]] = {
    "title.roster": ("客户名册", "Customer roster"),
    "title.followups": ("跟进活动统计", "Follow-up activity"),
    "title.overdue": ("逾期跟进", "Overdue follow-ups"),
    "title.dormant": ("沉睡客户", "Dormant customers"),
    "title.profile": ("客户档案", "Customer profile"),
    "title.handover": ("离职交接单", "Handover report"),
    "title.dashboard": ("经营看板", "Dashboard"),
    "grade": ("等级", "Grade"),
    "region": ("区域", "Region"),
    "owner": ("负责人", "Owner"),
    "salesperson": ("销售", "Salesperson"),
    "branch": ("分公司", "Branch"),
    "status": ("状态", "Status"),
    "period": ("期间", "Period"),
    "customer": ("客户", "Customer"),
    "days": ("未跟进天数", "Days without follow-up"),
    "days.per_grade": ("按等级设定（默认 90 天）", "per grade (default 90 days)"),
    "handover.from": ("移交人", "From"),
    "handover.to": ("接收人", "To"),
    "handover.at": ("移交时间", "Handed over at"),
    "handover.preview": ("预览（尚未移交）", "preview (not yet handed over)"),
    "as_of": ("截至", "As of"),
    "scope": ("范围", "Scope"),
    "scope.all": ("全部客户", "All customers"),
    "scope.sales": ("本人客户及公海", "Own customers and the public pool"),
    "scope.manager": ("本分公司客户及公海", "Own branch's customers and the public pool"),
    "pool": ("公海", "Public pool"),
    "others": ("其他", "Others"),
    "sign.from": ("移交人（签字）：{name}", "Departing salesperson (signature): {name}"),
    "sign.to": ("接收人（签字）：{name}", "Heir (signature): {name}"),
    "sign.manager": ("经理（签字）：", "Manager (signature):"),
    "field.name": ("客户名称", "Name"),
    "field.kind": ("类型", "Kind"),
    "field.industry": ("行业", "Industry"),
    "field.source": ("来源", "Source"),
    "field.phone": ("电话", "Phone"),
    "field.email": ("邮箱", "Email"),
    "field.website": ("网站", "Website"),
    "field.address": ("地址", "Address"),
    "field.tags": ("标签", "Tags"),
    "field.created_at": ("创建时间", "Created"),
    "field.last_followup_at": ("最近跟进", "Last follow-up"),
    "field.next_followup_at": ("下次跟进", "Next follow-up"),
    "field.pool_since": ("进入公海", "In the pool since"),
    "field.notes": ("备注", "Notes"),
    "field.deleted_at": ("已删除", "Deleted"),
    "kind.company": ("公司", "Company"),
    "kind.individual": ("个人", "Individual"),
    "status.prospect": ("潜在", "Prospect"),
    "status.active": ("活跃", "Active"),
    "status.dormant": ("沉睡", "Dormant"),
    "status.lost": ("流失", "Lost"),
    "fkind.call": ("电话", "Call"),
    "fkind.visit": ("拜访", "Visit"),
    "fkind.meeting": ("会议", "Meeting"),
    "fkind.email": ("邮件", "Email"),
    "fkind.wechat": ("微信", "WeChat"),
    "fkind.other": ("其他", "Other"),
    "outcome.positive": ("积极", "Positive"),
    "outcome.neutral": ("一般", "Neutral"),
    "outcome.negative": ("消极", "Negative"),
    "outcome.won": ("成交", "Won"),
    "outcome.lost": ("失败", "Lost"),
    "fstatus.done": ("已完成", "Done"),
    "fstatus.planned": ("计划中", "Planned"),
    "fstatus.cancelled": ("已取消", "Cancelled"),
    "source.visit": ("陌拜", "Visit"),
    "source.exhibition": ("展会", "Exhibition"),
    "source.email_campaign": ("邮件营销", "Email campaign"),
    "source.website": ("网站", "Website"),
    "source.phone": ("电话", "Phone"),
    "source.referral": ("转介绍", "Referral"),
    "source.other": ("其他", "Other"),
}


def _language(language: str) -> Language:
    if language not in ("zh_CN", "en"):
        raise ValidationError(
            f"Unknown report language {language!r}: zh_CN or en", {"language": "invalid"}
        )
    return cast("Language", language)


def _tr(language: Language, key: str, **values: str) -> str:
    zh, en = _TEXT[key]
    text = zh if language == "zh_CN" else en
    return text.format(**values) if values else text


def _tr_opt(language: Language, prefix: str, value: str | None) -> str:
    """A stored enumeration value's label; unknown values show as they are."""
    if value is None:
        return ""
    key = f"{prefix}.{value}"
    return _tr(language, key) if key in _TEXT else value


def report_title(kind: str, language: str = "zh_CN") -> str:
    """The localized title of a report kind (also the PDF's title line)."""
    _check_kind(kind)
    return _tr(_language(language), f"title.{kind}")


def _check_kind(kind: str) -> None:
    if kind not in REPORT_KINDS:
        raise ValidationError(
            f"Unknown report {kind!r}; one of {', '.join(REPORT_KINDS)}", {"kind": "invalid"}
        )


# =========================================================================== context


@dataclass
class _Regions:
    """The region table (small) walked in Python: paths, top-level ancestors, tree order."""

    names: dict[int, str] = field(default_factory=dict)
    paths: dict[int, str] = field(default_factory=dict)
    top: dict[int, int] = field(default_factory=dict)
    rank: dict[int, int] = field(default_factory=dict)  # pre-order position in the tree
    tops: list[int] = field(default_factory=list)  # live top-level regions in tree order

    @classmethod
    def load(cls, session: Session) -> _Regions:
        rows = session.execute(
            select(Region.id, Region.parent_id, Region.name, Region.sort, Region.deleted_at)
        ).all()
        out = cls()
        parent: dict[int, int | None] = {}
        for rid, pid, name, _sort, _deleted in rows:
            out.names[rid] = name
            parent[rid] = pid
        for rid, up in parent.items():
            chain = [rid]
            seen = {rid}
            node = up
            while node is not None and node in parent and node not in seen:
                seen.add(node)
                chain.append(node)
                node = parent[node]
            out.top[rid] = chain[-1]
            out.paths[rid] = " / ".join(out.names[n] for n in reversed(chain))
        # Tree order of live regions; the deleted ones (customers rarely sit there) after them.
        live = [(rid, pid, name, sort) for rid, pid, name, sort, deleted in rows if deleted is None]
        live_ids = {r[0] for r in live}
        children: dict[int | None, list[tuple[int, str, int]]] = defaultdict(list)
        for rid, pid, name, sort in live:
            children[pid if pid in live_ids else None].append((rid, name, sort))
        order: list[int] = []

        def walk(node: int | None, path: frozenset[int]) -> None:
            for rid, _name, _sort in sorted(children.get(node, ()), key=lambda c: (c[2], c[1])):
                if rid in path:
                    continue
                order.append(rid)
                walk(rid, path | {rid})

        walk(None, frozenset())
        out.tops = [rid for rid, _n, _s in sorted(children[None], key=lambda c: (c[2], c[1]))]
        order += sorted(set(parent) - set(order))
        out.rank = {rid: i for i, rid in enumerate(order)}
        return out

    def path(self, region_id: int | None) -> str:
        return self.paths.get(region_id, NONE) if region_id is not None else NONE

    def top_name(self, region_id: int | None) -> str:
        if region_id is None or region_id not in self.top:
            return NONE
        return self.names[self.top[region_id]]


@dataclass
class _Ctx:
    session: Session
    actor: Actor
    language: Language
    tz: ZoneInfo
    now: datetime
    regions: _Regions
    grades: dict[int, tuple[str, int, int | None, bool]]  # id → (code, sort, dormant_days, live)
    users: dict[int, tuple[str, str]]  # id → (login, display name)

    def grade(self, grade_id: int | None) -> str:
        return self.grades[grade_id][0] if grade_id in self.grades else NONE

    def user(self, user_id: int | None) -> str:
        return self.users[user_id][1] if user_id in self.users else NONE

    def owner(self, user_id: int | None) -> str:
        return _tr(self.language, "pool") if user_id is None else self.user(user_id)

    def grade_order(self) -> list[int]:
        return sorted(self.grades, key=lambda g: (self.grades[g][1], g))

    def local(self, moment: datetime | None) -> str:
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"Unknown time zone {timezone!r}", {"timezone": "invalid"}) from None


def _context(
    session: Session, actor: Actor, language: str, timezone: str, now: datetime | None
) -> _Ctx:
    grades = {
        gid: (code, sort, dormant, deleted is None)
        for gid, code, sort, dormant, deleted in session.execute(
            select(Grade.id, Grade.code, Grade.sort, Grade.dormant_days, Grade.deleted_at)
        )
    }
    users = {
        uid: (login, name)
        for uid, login, name in session.execute(
            select(AppUser.id, AppUser.login, AppUser.display_name)
        )
    }
    return _Ctx(
        session=session,
        actor=actor,
        language=_language(language),
        tz=_zone(timezone),
        now=resolve_now(now),
        regions=_Regions.load(session),
        grades=grades,
        users=users,
    )


# =========================================================================== filters


def _check_filters(ctx: _Ctx, kind: str, f: ReportFilters) -> None:
    """Every id a filter names exists; one clear message for the first that does not."""
    s = ctx.session
    for gid in f.grade_ids:
        if gid not in ctx.grades:
            raise ValidationError(f"No grade with id {gid}", {"grade": "does not exist"})
    if f.region_id is not None and f.region_id not in ctx.regions.names:
        raise ValidationError(f"No region with id {f.region_id}", {"region": "does not exist"})
    for name, uid in (
        ("owner", f.owner_id),
        ("handover_from", f.handover_from_id),
        ("handover_to", f.handover_to_id),
    ):
        if uid is not None and uid not in ctx.users:
            raise ValidationError(f"No user with id {uid}", {name: "does not exist"})
    if f.branch_id is not None and s.get(Branch, f.branch_id) is None:
        raise ValidationError(f"No branch with id {f.branch_id}", {"branch": "does not exist"})
    if f.status is not None and f.status not in CUSTOMER_STATUSES:
        raise ValidationError(
            f"Unknown status {f.status!r}; one of {', '.join(CUSTOMER_STATUSES)}",
            {"status": "invalid"},
        )
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise ValidationError(
            f"The period starts ({f.date_from}) after it ends ({f.date_to})",
            {"date_from": "after date_to"},
        )
    if f.days is not None and f.days < 1:
        raise ValidationError("days must be 1 or more", {"days": "invalid"})
    if f.handover_at is not None and f.handover_at.tzinfo is None:
        raise ValidationError("handover_at needs a time zone", {"handover_at": "naive"})
    if kind == "profile" and f.customer_id is None:
        raise ValidationError("The profile sheet needs a customer", {"customer": "required"})
    if kind == "handover" and f.handover_from_id is None and f.handover_at is None:
        raise ValidationError(
            "The handover report needs the departing user (or a handover's time)",
            {"handover_from": "required"},
        )


def _period(ctx: _Ctx, f: ReportFilters) -> tuple[date, date]:
    """The follow-up report's days (inclusive); default: this month in the report's zone."""
    today = ctx.now.astimezone(ctx.tz).date()
    first = f.date_from or (f.date_to.replace(day=1) if f.date_to else today.replace(day=1))
    if f.date_to is not None:
        last = f.date_to
    else:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        last = following - timedelta(days=1)
    return first, last


def _day_start(ctx: _Ctx, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ctx.tz).astimezone(UTC)


def _filter_texts(ctx: _Ctx, kind: str, f: ReportFilters) -> tuple[tuple[str, str], ...]:
    lang = ctx.language
    out: list[tuple[str, str]] = []
    if not ctx.actor.is_admin and kind not in ("profile", "handover"):
        scope = "scope.manager" if ctx.actor.role == "manager" else "scope.sales"
        out.append((_tr(lang, "scope"), _tr(lang, scope)))
    if kind == "profile" and f.customer_id is not None:
        name = ctx.session.scalar(select(Customer.name).where(Customer.id == f.customer_id))
        out.append((_tr(lang, "customer"), f"{name or ''} (#{f.customer_id})"))
    if kind == "handover":
        if f.handover_from_id is not None:
            out.append((_tr(lang, "handover.from"), _user_text(ctx, f.handover_from_id)))
        if f.handover_at is None:
            to = (
                _tr(lang, "pool") if f.handover_to_id is None else _user_text(ctx, f.handover_to_id)
            )
            out.append((_tr(lang, "handover.to"), to))
        else:
            if f.handover_to_id is not None:
                out.append((_tr(lang, "handover.to"), _user_text(ctx, f.handover_to_id)))
            out.append((_tr(lang, "handover.at"), ctx.local(f.handover_at)))
    if f.grade_ids:
        codes = [ctx.grade(g) for g in ctx.grade_order() if g in f.grade_ids]
        out.append((_tr(lang, "grade"), ", ".join(codes)))
    if f.region_id is not None:
        out.append((_tr(lang, "region"), ctx.regions.path(f.region_id)))
    if f.owner_id is not None and kind not in ("profile",):
        label = "salesperson" if kind in ("followups", "overdue") else "owner"
        out.append((_tr(lang, label), _user_text(ctx, f.owner_id)))
    if f.branch_id is not None:
        branch = ctx.session.get(Branch, f.branch_id)
        if branch is not None:
            out.append((_tr(lang, "branch"), f"{branch.name} ({branch.code})"))
    if f.status is not None:
        out.append((_tr(lang, "status"), _tr_opt(lang, "status", f.status)))
    if kind == "followups":
        first, last = _period(ctx, f)
        out.append((_tr(lang, "period"), f"{first.isoformat()} – {last.isoformat()}"))
    if kind in ("overdue", "dormant"):
        out.append((_tr(lang, "as_of"), ctx.local(ctx.now)))
    if kind == "dormant":
        days = str(f.days) if f.days is not None else _tr(lang, "days.per_grade")
        out.append((_tr(lang, "days"), days))
    if not out:
        out.append((_tr(lang, "scope"), _tr(lang, "scope.all")))
    return tuple(out)


def _user_text(ctx: _Ctx, user_id: int) -> str:
    login, name = ctx.users.get(user_id, ("?", "?"))
    return f"{name} ({login})"


def _customer_where(ctx: _Ctx, f: ReportFilters, *, owner: bool = True) -> list[Any]:
    """Live customers ``ctx.actor`` may see that match the filters (``owner``: including the
    owner filter — the activity reports apply it to the follow-up's user instead)."""
    where: list[Any] = [Customer.deleted_at.is_(None)]
    if not ctx.actor.is_admin:
        where.append(visible_clause(ctx.actor))
    if f.grade_ids:
        where.append(Customer.grade_id.in_(f.grade_ids))
    if f.region_id is not None:
        ids = subtree_ids(list_regions(ctx.session), f.region_id)
        where.append(ids_condition(ctx.session, Customer.region_id, ids))
    if owner and f.owner_id is not None:
        where.append(Customer.owner_id == f.owner_id)
    if f.branch_id is not None:
        where.append(Customer.branch_id == f.branch_id)
    if f.status is not None:
        where.append(Customer.status == f.status)
    return where


def _restricted(ctx: _Ctx, f: ReportFilters) -> bool:
    """Whether customers beyond "live" are filtered out (rights or filters)."""
    filtered = (f.region_id, f.owner_id, f.branch_id, f.status)
    return not ctx.actor.is_admin or bool(f.grade_ids) or any(v is not None for v in filtered)


def _customer_scope(ctx: _Ctx, f: ReportFilters, column: Any) -> ColumnElement[bool]:
    """``column`` (a customer id of another table) names a customer of the report.

    Unrestricted (an administrator without filters): only "not deleted", as NOT IN over the
    few deleted customers — no join over a million rows."""
    if not _restricted(ctx, f):
        deleted = select(Customer.id).where(Customer.deleted_at.is_not(None))
        return cast("ColumnElement[bool]", column.not_in(deleted))
    return cast(
        "ColumnElement[bool]", column.in_(select(Customer.id).where(*_customer_where(ctx, f)))
    )


def _rank_case(column: Any, ranks: Mapping[int, int], default: int) -> ColumnElement[Any]:
    if not ranks:
        return literal_column(str(default))
    return case(
        {key: literal_column(str(rank)) for key, rank in ranks.items()},
        value=column,
        else_=literal_column(str(default)),
    )


def _summary(text: str | None, limit: int = SUMMARY_CHARS) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# =========================================================================== month buckets


def _month_starts(ctx: _Ctx, months: int) -> list[date]:
    today = ctx.now.astimezone(ctx.tz).date()
    index = today.year * 12 + today.month - 1 - (months - 1)
    return [date((index + i) // 12, (index + i) % 12 + 1, 1) for i in range(months + 1)]


def month_bucket(
    session: Session, column: Any, tz: ZoneInfo, starts: Sequence[date]
) -> ColumnElement[str]:
    """ "YYYY-MM" of a UTC timestamp column in the time zone ``tz``, as SQL.

    PostgreSQL converts with ``timezone(zone, ts)``. SQLite has no time zones: when ``tz`` has
    one offset over the months ``starts`` (Asia/Shanghai always), ``strftime`` with that offset;
    otherwise (a DST zone) a CASE over the UTC instants the months begin, exact either way."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(tz.key, column), "YYYY-MM", type_=String())
    bounds = [datetime(d.year, d.month, 1, tzinfo=tz) for d in starts]
    offsets = {b.utcoffset() for b in bounds}
    if len(offsets) == 1:
        offset = next(iter(offsets)) or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        return func.strftime("%Y-%m", column, f"{minutes:+d} minutes", type_=String())
    whens: list[tuple[Any, Any]] = [
        (column < bounds[i + 1].astimezone(UTC), literal_column(f"'{starts[i]:%Y-%m}'"))
        for i in range(len(bounds) - 1)
    ]
    return case(*whens, else_=None)


# =========================================================================== the reports


def _header(ctx: _Ctx, kind: str, f: ReportFilters, company: str) -> ReportHeader:
    login = ctx.actor.login
    return ReportHeader(
        company=company,
        title=_tr(ctx.language, f"title.{kind}"),
        filters=_filter_texts(ctx, kind, f),
        printed_by=f"{ctx.actor.display_name} ({login})",
        printed_at=ctx.now,
        timezone=ctx.tz.key,
        language=ctx.language,
    )


def _roster(ctx: _Ctx, f: ReportFilters, header: ReportHeader) -> RosterData:
    s = ctx.session
    where = _customer_where(ctx, f)
    # GROUP BY the region a customer sits on (a covering index) — a few hundred groups — and
    # fold them to top-level regions here: 5× faster than a CASE over the region tree in SQL.
    counts: dict[tuple[str, str], int] = defaultdict(int)
    present_grades: set[int | None] = set()
    present_tops: set[str] = set()
    for region_id, grade_id, n in s.execute(
        select(Customer.region_id, Customer.grade_id, func.count())
        .where(*where)
        .group_by(Customer.region_id, Customer.grade_id)
    ):
        top = ctx.regions.top_name(region_id)
        counts[(top, ctx.grade(grade_id))] += int(n)
        present_grades.add(grade_id)
        present_tops.add(top)
    grades = [
        ctx.grade(g)
        for g in ctx.grade_order()
        if (ctx.grades[g][3] and (not f.grade_ids or g in f.grade_ids)) or g in present_grades
    ]
    if any(g not in ctx.grades for g in present_grades):
        grades.append(NONE)
    if f.region_id is None:
        regions = [ctx.regions.names[t] for t in ctx.regions.tops]
    else:
        regions = [ctx.regions.top_name(f.region_id)]
    regions += sorted(t for t in present_tops if t not in regions and t != NONE)
    if NONE in present_tops:
        regions.append(NONE)
    total = sum(counts.values())

    region_rank = _rank_case(Customer.region_id, ctx.regions.rank, len(ctx.regions.rank))
    grade_rank = _rank_case(
        Customer.grade_id, {g: i for i, g in enumerate(ctx.grade_order())}, len(ctx.grades)
    )
    stmt = (
        select(
            Customer.id,
            Customer.name,
            Customer.grade_id,
            Customer.region_id,
            Customer.owner_id,
            Customer.phone,
            Customer.status,
            Customer.last_followup_at,
            Customer.next_followup_at,
        )
        .where(*where)
        .order_by(region_rank, grade_rank, Customer.name, Customer.id)
        .limit(ROSTER_MAX_ROWS)
    )
    rows = [
        RosterRow(
            id=cid,
            name=name,
            grade=ctx.grade(grade_id),
            region=ctx.regions.path(region_id),
            top_region=ctx.regions.top_name(region_id),
            owner=ctx.owner(owner_id),
            phone=phone or "",
            status=_tr_opt(ctx.language, "status", status),
            last_followup_at=last_at,
            next_followup_at=next_at,
        )
        for cid, name, grade_id, region_id, owner_id, phone, status, last_at, next_at in (
            s.execute(stmt)
        )
    ]
    return RosterData(
        header=header,
        grades=tuple(grades),
        regions=tuple(regions),
        counts=dict(counts),
        rows=rows,
        total=total,
        truncated=total > len(rows),
    )


def _followups(ctx: _Ctx, f: ReportFilters, header: ReportHeader) -> FollowupsData:
    s = ctx.session
    first, last = _period(ctx, f)
    start, end = _day_start(ctx, first), _day_start(ctx, last + timedelta(days=1))
    base: list[Any] = [Followup.deleted_at.is_(None), _customer_scope(ctx, f, Followup.customer_id)]
    if f.owner_id is not None:
        base.append(Followup.user_id == f.owner_id)
    done = [Followup.status == "done", Followup.happened_at >= start, Followup.happened_at < end]
    lang = ctx.language
    by_kind: dict[int | None, dict[str, int]] = defaultdict(dict)
    by_outcome: dict[int | None, dict[str, int]] = defaultdict(dict)
    totals: dict[int | None, int] = defaultdict(int)
    for user_id, kind, n in s.execute(
        select(Followup.user_id, Followup.kind, func.count())
        .where(*base, *done)
        .group_by(Followup.user_id, Followup.kind)
    ):
        by_kind[user_id][_tr_opt(lang, "fkind", kind)] = int(n)
        totals[user_id] += int(n)
    for user_id, outcome, n in s.execute(
        select(Followup.user_id, Followup.outcome, func.count())
        .where(*base, *done, Followup.outcome.is_not(None))
        .group_by(Followup.user_id, Followup.outcome)
    ):
        by_outcome[user_id][_tr_opt(lang, "outcome", outcome)] = int(n)
    stats = sorted(
        (
            FollowupStat(
                user=ctx.user(uid),
                by_kind=by_kind[uid],
                by_outcome=by_outcome[uid],
                total=totals[uid],
            )
            for uid in totals
        ),
        key=lambda st: st.user,
    )
    planned = [Followup.status == "planned", Followup.due_at >= start, Followup.due_at < end]
    moment = func.coalesce(Followup.happened_at, Followup.due_at)
    stmt = (
        select(
            Followup.happened_at,
            Followup.due_at,
            Followup.user_id,
            Customer.name,
            Contact.name,
            Followup.kind,
            Followup.status,
            Followup.outcome,
            Followup.summary,
        )
        .join(Customer, Customer.id == Followup.customer_id)
        .outerjoin(Contact, Contact.id == Followup.contact_id)
        .outerjoin(AppUser, AppUser.id == Followup.user_id)
        .where(*base, or_(and_(*done), and_(*planned)))
        .order_by(AppUser.display_name, moment, Followup.id)
        .limit(ROSTER_MAX_ROWS + 1)
    )
    rows = [
        FollowupRow(
            happened_at=happened,
            due_at=due,
            user=ctx.user(uid),
            customer=customer,
            contact=contact or "",
            kind=_tr_opt(lang, "fkind", kind),
            status=_tr_opt(lang, "fstatus", status),
            outcome=_tr_opt(lang, "outcome", outcome),
            summary=_summary(summary),
        )
        for happened, due, uid, customer, contact, kind, status, outcome, summary in s.execute(stmt)
    ]
    return FollowupsData(
        header=header,
        period_from=first,
        period_to=last,
        kinds=tuple(_tr(lang, f"fkind.{k}") for k in FOLLOWUP_KINDS),
        outcomes=tuple(_tr(lang, f"outcome.{o}") for o in FOLLOWUP_OUTCOMES),
        stats=stats,
        rows=rows[:ROSTER_MAX_ROWS],
        truncated=len(rows) > ROSTER_MAX_ROWS,
    )


def _overdue(ctx: _Ctx, f: ReportFilters, header: ReportHeader) -> OverdueData:
    """Planned follow-ups due before today (the report zone's day of ``now``), as on the Today
    page, of the customers of the report; grouped by the salesperson, oldest first."""
    start, _end = local_day_bounds(ctx.now, ctx.tz)
    where: list[Any] = [
        Followup.deleted_at.is_(None),
        Followup.status == "planned",
        Followup.due_at < start,
        *_customer_where(ctx, f, owner=False),
    ]
    if f.owner_id is not None:
        where.append(Followup.user_id == f.owner_id)
    stmt = (
        select(
            Followup.user_id,
            Customer.name,
            Customer.grade_id,
            Contact.name,
            Followup.kind,
            Followup.due_at,
            Followup.summary,
        )
        .join(Customer, Customer.id == Followup.customer_id)
        .outerjoin(Contact, Contact.id == Followup.contact_id)
        .outerjoin(AppUser, AppUser.id == Followup.user_id)
        .where(*where)
        .order_by(AppUser.display_name, Followup.due_at, Followup.id)
        .limit(ROSTER_MAX_ROWS)
    )
    today = ctx.now.astimezone(ctx.tz).date()
    rows = [
        OverdueRow(
            user=ctx.user(uid),
            customer=customer,
            grade=ctx.grade(grade_id),
            contact=contact or "",
            kind=_tr_opt(ctx.language, "fkind", kind),
            due_at=due,
            days_overdue=(today - due.astimezone(ctx.tz).date()).days,
            note=_summary(note),
        )
        for uid, customer, grade_id, contact, kind, due, note in ctx.session.execute(stmt)
        if due is not None  # always: due_at < start
    ]
    return OverdueData(header=header, rows=rows)


def _dormant(ctx: _Ctx, f: ReportFilters, header: ReportHeader) -> DormantData:
    """Owned customers without a follow-up (since creation when never followed up) for
    ``days``, or their grade's ``dormant_days`` (90 without); by grade, longest idle first."""
    idle = func.coalesce(Customer.last_followup_at, Customer.created_at)
    if f.days is not None:
        rule: ColumnElement[bool] = idle < ctx.now - timedelta(days=f.days)
    else:
        default_cut = ctx.now - timedelta(days=DEFAULT_DORMANT_DAYS)
        terms = [
            and_(Customer.grade_id == gid, idle < ctx.now - timedelta(days=dormant))
            for gid, (_code, _sort, dormant, _live) in ctx.grades.items()
            if dormant is not None
        ]
        defaulted = [gid for gid, g in ctx.grades.items() if g[2] is None]
        terms.append(
            and_(
                or_(Customer.grade_id.is_(None), Customer.grade_id.in_(defaulted)),
                idle < default_cut,
            )
        )
        rule = or_(*terms)
    grade_rank = _rank_case(
        Customer.grade_id, {g: i for i, g in enumerate(ctx.grade_order())}, len(ctx.grades)
    )
    stmt = (
        select(
            Customer.grade_id,
            Customer.name,
            Customer.owner_id,
            Customer.region_id,
            Customer.phone,
            Customer.last_followup_at,
        )
        .where(*_customer_where(ctx, f), Customer.owner_id.is_not(None), rule)
        .order_by(grade_rank, idle, Customer.id)
        .limit(ROSTER_MAX_ROWS)
    )
    rows = [
        DormantRow(
            grade=ctx.grade(grade_id),
            customer=name,
            owner=ctx.owner(owner_id),
            region=ctx.regions.path(region_id),
            phone=phone or "",
            last_followup_at=last_at,
            idle_days=(ctx.now - last_at).days if last_at is not None else None,
        )
        for grade_id, name, owner_id, region_id, phone, last_at in ctx.session.execute(stmt)
    ]
    # Per grade, the shortest rule: every customer listed is idle at least that long, which
    # is what the builder's "no follow-up for N days" line then truthfully says.
    rules = [
        g[2] or DEFAULT_DORMANT_DAYS
        for gid, g in ctx.grades.items()
        if not f.grade_ids or gid in f.grade_ids
    ] or [DEFAULT_DORMANT_DAYS]
    days = f.days if f.days is not None else min(rules)
    return DormantData(header=header, days=days, rows=rows)


def _profile(ctx: _Ctx, f: ReportFilters, header: ReportHeader) -> ProfileData:
    s, lang = ctx.session, ctx.language
    assert f.customer_id is not None  # rights were checked by report_data
    d = get_customer(s, f.customer_id, ctx.actor)
    owner = d.owner_name if d.owner_id is not None else _tr(lang, "pool")
    values: list[tuple[str, str | None]] = [
        (_tr(lang, "field.name"), d.name),
        (_tr(lang, "field.kind"), _tr_opt(lang, "kind", d.kind)),
        (_tr(lang, "grade"), d.grade_code),
        (_tr(lang, "region"), d.region_path),
        (_tr(lang, "owner"), owner),
        (_tr(lang, "branch"), d.branch_name),
        (_tr(lang, "status"), _tr_opt(lang, "status", d.status)),
        (_tr(lang, "field.industry"), d.industry),
        (_tr(lang, "field.source"), _tr_opt(lang, "source", d.source)),
        (_tr(lang, "field.phone"), d.phone),
        (_tr(lang, "field.email"), d.email),
        (_tr(lang, "field.website"), d.website),
        (_tr(lang, "field.address"), d.address),
        (_tr(lang, "field.tags"), ", ".join(d.tags)),
        (_tr(lang, "field.created_at"), ctx.local(d.created_at)),
        (_tr(lang, "field.last_followup_at"), ctx.local(d.last_followup_at)),
        (_tr(lang, "field.next_followup_at"), ctx.local(d.next_followup_at)),
        (_tr(lang, "field.pool_since"), ctx.local(d.pool_since) if d.owner_id is None else ""),
        (_tr(lang, "field.deleted_at"), ctx.local(d.deleted_at)),
        (_tr(lang, "field.notes"), _summary(d.notes, PROFILE_SUMMARY_CHARS)),
    ]
    fields = tuple((label, value or "") for label, value in values if value)
    contacts = tuple(
        ContactLine(
            name=c.name,
            title=c.title or "",
            phone=" / ".join(p for p in (c.mobile, c.phone) if p),
            email=c.email or "",
            primary=c.is_primary,
        )
        for c in d.contacts
    )
    stmt = (
        select(
            Followup.happened_at,
            Followup.due_at,
            Followup.user_id,
            Contact.name,
            Followup.kind,
            Followup.status,
            Followup.outcome,
            Followup.summary,
        )
        .outerjoin(Contact, Contact.id == Followup.contact_id)
        .where(Followup.customer_id == d.id, Followup.deleted_at.is_(None))
        .order_by(func.coalesce(Followup.happened_at, Followup.due_at).desc(), Followup.id.desc())
        .limit(PROFILE_FOLLOWUPS)
    )
    followups = tuple(
        FollowupRow(
            happened_at=happened,
            due_at=due,
            user=ctx.user(uid),
            customer=d.name,
            contact=contact or "",
            kind=_tr_opt(lang, "fkind", kind),
            status=_tr_opt(lang, "fstatus", status),
            outcome=_tr_opt(lang, "outcome", outcome),
            summary=_summary(summary, PROFILE_SUMMARY_CHARS),
        )
        for happened, due, uid, contact, kind, status, outcome, summary in s.execute(stmt)
    )
    mail = tuple(
        (sent_at, direction, subject or "")
        for sent_at, direction, subject in s.execute(
            select(EmailMessage.sent_at, EmailMessage.direction, EmailMessage.subject)
            .where(EmailMessage.customer_id == d.id, EmailMessage.deleted_at.is_(None))
            .order_by(EmailMessage.sent_at.desc(), EmailMessage.id.desc())
            .limit(PROFILE_MAIL)
        )
    )
    return ProfileData(
        header=header, fields=fields, contacts=contacts, followups=followups, mail=mail
    )


def _per_customer(ctx: _Ctx, stmt: Any) -> dict[int, int]:
    return {int(cid): int(n) for cid, n in ctx.session.execute(stmt)}


def _handover(ctx: _Ctx, f: ReportFilters, header: ReportHeader) -> HandoverData:
    """A preview (the departing user's customers matching the filters now) or, with
    ``handover_at``, what a done handover moved (its ``ownership_change`` rows)."""
    s, lang = ctx.session, ctx.language
    where = _customer_where(ctx, f, owner=False)
    if f.handover_at is None:
        assert f.handover_from_id is not None
        where.append(Customer.owner_id == f.handover_from_id)
        ids = select(Customer.id).where(*where)
        from_names = [ctx.user(f.handover_from_id)]
        to_ids: list[int | None] = [f.handover_to_id]
    else:
        at = f.handover_at.astimezone(UTC)
        moves = [
            OwnershipChange.reason == "handover",
            OwnershipChange.at >= at - HANDOVER_WINDOW,
            OwnershipChange.at <= at + HANDOVER_WINDOW,
        ]
        if f.handover_from_id is not None:
            moves.append(OwnershipChange.from_user_id == f.handover_from_id)
        if f.handover_to_id is not None:
            moves.append(OwnershipChange.to_user_id == f.handover_to_id)
        pairs = s.execute(
            select(OwnershipChange.from_user_id, OwnershipChange.to_user_id)
            .join(Customer, Customer.id == OwnershipChange.customer_id)
            .where(*moves, *where)
            .distinct()
        ).all()
        from_names = sorted({ctx.owner(p[0]) for p in pairs})
        to_ids = sorted({p[1] for p in pairs}, key=lambda u: (u is None, ctx.owner(u)))
        ids = (
            select(OwnershipChange.customer_id)
            .join(Customer, Customer.id == OwnershipChange.customer_id)
            .where(*moves, *where)
        )
        where = [Customer.id.in_(ids)]
    open_followups = _per_customer(
        ctx,
        select(Followup.customer_id, func.count())
        .where(
            Followup.customer_id.in_(ids),
            Followup.status == "planned",
            Followup.deleted_at.is_(None),
        )
        .group_by(Followup.customer_id),
    )
    mail_counts = _per_customer(
        ctx,
        select(EmailMessage.customer_id, func.count())
        .where(EmailMessage.customer_id.in_(ids), EmailMessage.deleted_at.is_(None))
        .group_by(EmailMessage.customer_id),
    )
    grade_rank = _rank_case(
        Customer.grade_id, {g: i for i, g in enumerate(ctx.grade_order())}, len(ctx.grades)
    )
    customers = [
        HandoverCustomer(
            name=name,
            grade=ctx.grade(grade_id),
            region=ctx.regions.path(region_id),
            open_followups=open_followups.get(cid, 0),
            mail_count=mail_counts.get(cid, 0),
        )
        for cid, name, grade_id, region_id in s.execute(
            select(Customer.id, Customer.name, Customer.grade_id, Customer.region_id)
            .where(*where)
            .order_by(grade_rank, Customer.name, Customer.id)
            .limit(ROSTER_MAX_ROWS)
        )
    ]
    to_names = [ctx.owner(u) for u in to_ids]
    from_text = ", ".join(from_names) or NONE
    signatures = (
        _tr(lang, "sign.from", name=from_text),
        *(_tr(lang, "sign.to", name=name) for name in to_names),
        _tr(lang, "sign.manager"),
    )
    return HandoverData(
        header=header,
        from_user=from_text,
        to_user=", ".join(to_names) or NONE,
        at=f.handover_at,
        customers=customers,
        open_followups=sum(open_followups.values()),
        mail_count=sum(mail_counts.values()),
        signatures=signatures,
    )


def _dashboard(
    ctx: _Ctx, f: ReportFilters, header: ReportHeader, progress: Progress
) -> DashboardData:
    s, lang = ctx.session, ctx.language
    where = _customer_where(ctx, f)
    by_grade_id = {
        g: int(n)
        for g, n in s.execute(
            select(Customer.grade_id, func.count()).where(*where).group_by(Customer.grade_id)
        )
    }
    by_grade = [(ctx.grade(g), int(by_grade_id[g])) for g in ctx.grade_order() if g in by_grade_id]
    missing = sum(int(n) for g, n in by_grade_id.items() if g not in ctx.grades)
    if missing:
        by_grade.append((NONE, missing))
    progress.check_cancelled()
    per_top: dict[str, int] = defaultdict(int)
    for region_id, n in s.execute(
        select(Customer.region_id, func.count()).where(*where).group_by(Customer.region_id)
    ):
        per_top[ctx.regions.top_name(region_id)] += int(n)
    top_order = [ctx.regions.names[t] for t in ctx.regions.tops]
    by_region = [(name, per_top[name]) for name in top_order if name in per_top]
    by_region += [(n, c) for n, c in sorted(per_top.items()) if n not in top_order and n != NONE]
    if NONE in per_top:
        by_region.append((NONE, per_top[NONE]))
    progress.check_cancelled()

    starts = _month_starts(ctx, DASHBOARD_MONTHS)
    months = [f"{d:%Y-%m}" for d in starts[:-1]]
    index = {m: i for i, m in enumerate(months)}
    low, high = _day_start(ctx, starts[0]), _day_start(ctx, starts[-1])

    def monthly(stmt_rows: Iterable[Any]) -> tuple[int, ...]:
        values = [0] * len(months)
        for month, n in stmt_rows:
            if month in index:
                values[index[month]] += int(n)
        return tuple(values)

    def bucketed(column: Any, *conditions: Any, extra: Sequence[Any] = ()) -> Any:
        inner = (
            select(*extra, month_bucket(s, column, ctx.tz, starts).label("month"))
            .where(column >= low, column < high, *conditions)
            .subquery()
        )
        keys = [inner.c[str(c.key)] for c in extra] + [inner.c.month]
        return select(*keys, func.count()).group_by(*keys)

    new_customers = monthly(s.execute(bucketed(Customer.created_at, *where)))
    progress.check_cancelled()

    per_user: dict[int | None, list[int]] = defaultdict(lambda: [0] * len(months))
    fwhere: list[Any] = [
        Followup.deleted_at.is_(None),
        Followup.status == "done",
        _customer_scope(ctx, f, Followup.customer_id),
    ]
    # "user_id + 0": grouping by the bare column, SQLite walks followup(user_id, status, due_at)
    # and looks every row up (1M: 3.6 s) instead of scanning the table and sorting (2.3 s).
    user_key = (Followup.user_id + 0).label("user_id")
    for user_id, month, n in s.execute(bucketed(Followup.happened_at, *fwhere, extra=[user_key])):
        if month in index:
            per_user[user_id][index[month]] += int(n)
    ranked = sorted(per_user, key=lambda u: (-sum(per_user[u]), ctx.user(u)))
    series = [Series(ctx.user(u), tuple(per_user[u])) for u in ranked[:DASHBOARD_TOP_USERS]]
    rest = ranked[DASHBOARD_TOP_USERS:]
    if rest:
        series.append(
            Series(
                _tr(lang, "others"),
                tuple(sum(per_user[u][i] for u in rest) for i in range(len(months))),
            )
        )
    progress.check_cancelled()

    pool_in: list[int] = [0] * len(months)
    pool_out: list[int] = [0] * len(months)
    for reason, month, n in s.execute(
        bucketed(
            OwnershipChange.at,
            OwnershipChange.reason.in_(("reclaim", "release", "claim")),
            _customer_scope(ctx, f, OwnershipChange.customer_id),
            extra=[OwnershipChange.reason],
        )
    ):
        if month in index:
            target = pool_out if reason == "claim" else pool_in
            target[index[month]] += int(n)
    return DashboardData(
        header=header,
        by_grade=tuple(by_grade),
        by_region=tuple(by_region),
        months=tuple(months),
        new_customers=new_customers,
        followups_per_user=tuple(series),
        pool_in=tuple(pool_in),
        pool_out=tuple(pool_out),
    )


# =========================================================================== public API


def report_data(
    session: Session,
    kind: str,
    filters: ReportFilters,
    actor: Actor,
    *,
    language: str = "zh_CN",
    timezone: str = "Asia/Shanghai",
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ReportData:
    """The DTO of one report (``kind`` of ``REPORT_KINDS``) over what ``actor`` may see.

    Raises ValidationError for an unknown kind or a filter naming nothing, PermissionDenied
    for the profile of a customer the actor may not see, NotFound for one that does not exist."""
    _check_kind(kind)
    progress = progress or NullProgress()
    ctx = _context(session, actor, language, timezone, now)
    _check_filters(ctx, kind, filters)
    if kind == "profile":
        # Rights first: the header names the customer.
        assert filters.customer_id is not None
        found = session.execute(
            select(Customer.owner_id, Customer.branch_id).where(Customer.id == filters.customer_id)
        ).first()
        if found is None:
            raise NotFound(f"No customer with id {filters.customer_id}")
        if not can_see(actor, found[0], found[1]):
            raise PermissionDenied("You may not see this customer")
    company = company_info(session).name or ""
    header = _header(ctx, kind, filters, company)
    progress.check_cancelled()
    if kind == "roster":
        return _roster(ctx, filters, header)
    if kind == "followups":
        return _followups(ctx, filters, header)
    if kind == "overdue":
        return _overdue(ctx, filters, header)
    if kind == "dormant":
        return _dormant(ctx, filters, header)
    if kind == "profile":
        return _profile(ctx, filters, header)
    if kind == "handover":
        return _handover(ctx, filters, header)
    return _dashboard(ctx, filters, header, progress)


def _customer_count(data: ReportData) -> int:
    """How many customers a report shows (the audit row's and the CLI's "customers")."""
    if isinstance(data, RosterData):
        return data.total
    if isinstance(data, FollowupsData | OverdueData):
        return len({r.customer for r in data.rows})
    if isinstance(data, DormantData):
        return len(data.rows)
    if isinstance(data, ProfileData):
        return 1
    if isinstance(data, HandoverData):
        return len(data.customers)
    return sum(n for _g, n in data.by_grade)


def _build(data: ReportData, progress: Progress | None) -> bytes:
    if isinstance(data, RosterData):
        return build_roster(data, progress=progress)
    if isinstance(data, FollowupsData):
        return build_followups(data, progress=progress)
    if isinstance(data, OverdueData):
        return build_overdue(data, progress=progress)
    if isinstance(data, DormantData):
        return build_dormant(data, progress=progress)
    if isinstance(data, ProfileData):
        return build_profile(data)
    if isinstance(data, HandoverData):
        return build_handover(data)
    return build_dashboard(data)


def render_report(
    session: Session,
    kind: str,
    filters: ReportFilters,
    actor: Actor,
    *,
    language: str = "zh_CN",
    timezone: str = "Asia/Shanghai",
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ReportOutput:
    """``report_data`` and the PDF built from it. Nothing is written: the caller audits the
    print or save with ``record_report_output``."""
    data = report_data(
        session,
        kind,
        filters,
        actor,
        language=language,
        timezone=timezone,
        now=now,
        progress=progress,
    )
    if progress is not None:
        progress.check_cancelled()
    pdf = _build(data, progress)
    return ReportOutput(
        kind=kind,
        pdf=pdf,
        pages=page_count(pdf),
        customers=_customer_count(data),
        filters_text=data.header.filters,
        title=data.header.title,
    )


def report_filter_texts(
    session: Session,
    kind: str,
    filters: ReportFilters,
    actor: Actor,
    *,
    language: str = "zh_CN",
    timezone: str = "Asia/Shanghai",
    now: datetime | None = None,
) -> tuple[tuple[str, str], ...]:
    """The localized (label, value) lines a report prints under its title."""
    _check_kind(kind)
    ctx = _context(session, actor, language, timezone, now)
    return _filter_texts(ctx, kind, filters)


def _filter_ids(filters: ReportFilters) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in vars(filters).items():
        if value in (None, ()):
            continue
        if isinstance(value, datetime | date):
            out[name] = value.isoformat()
        elif isinstance(value, tuple):
            out[name] = list(value)
        else:
            out[name] = value
    return out


def can_output_reports(session: Session, actor: Actor) -> bool:
    """Whether ``actor`` may print or save reports (DESIGN §3: the export permission —
    default managers and admins). In Shared mode the database decides (``crm_can_export()``,
    which its policies use too); otherwise the user's flag or role."""
    from crm_desktop.services.server import is_shared

    if session.get_bind().dialect.name == "postgresql" and is_shared(session):
        return bool(session.scalar(text("SELECT crm_can_export()")))
    return actor.can_export or actor.is_manager


def require_output_permission(session: Session, actor: Actor) -> None:
    if not can_output_reports(session, actor):
        raise PermissionDenied(
            "You may not print or save reports; ask an administrator for the export permission"
        )


def record_report_output(
    session: Session,
    kind: str,
    filters: ReportFilters,
    actor: Actor,
    *,
    action: str,
    customers: int,
    pages: int,
    target: str | None = None,
) -> None:
    """The audit row of a printed or saved report: "report.<action>" (print | save | cli) with
    the kind, the filters (ids and readable, in the company's language), the customers and
    pages, and the target (a file's name, a printer's). Refused without the export
    permission (``can_output_reports``)."""
    _check_kind(kind)
    require_output_permission(session, actor)
    if action not in REPORT_ACTIONS:
        raise ValidationError(
            f"Unknown report action {action!r}; one of {', '.join(REPORT_ACTIONS)}",
            {"action": "invalid"},
        )
    language = company_info(session).language
    ctx = _context(session, actor, language if language in ("zh_CN", "en") else "en", "UTC", None)
    readable = {label: value for label, value in _filter_texts(ctx, kind, filters)}
    detail: dict[str, Any] = {
        "kind": kind,
        "filters": _filter_ids(filters),
        "filters_text": readable,
        "customers": customers,
        "pages": pages,
    }
    if target is not None:
        detail["target"] = target
    entity_id = filters.customer_id if kind == "profile" else None
    audit.record(session, actor, f"report.{action}", "report", entity_id, detail)


def report_choices(session: Session, actor: Actor) -> ReportChoices:
    """The grades, regions, people and branches the report dialog offers ``actor``."""
    users = select(AppUser).where(AppUser.active.is_(True)).order_by(AppUser.display_name)
    if not actor.is_admin:
        if actor.role == "manager" and actor.branch_id is not None:
            users = users.where(or_(AppUser.branch_id == actor.branch_id, AppUser.id == actor.id))
        else:
            users = users.where(AppUser.id == actor.id)
    owners = tuple(
        UserChoice(id=u.id, login=u.login, display_name=u.display_name, branch_id=u.branch_id)
        for u in session.scalars(users)
    )
    branches = list_branches(session)
    if not actor.is_admin:
        branches = [b for b in branches if b.id == actor.branch_id]
    return ReportChoices(
        kinds=REPORT_KINDS,
        grades=tuple(list_grades(session)),
        regions=tuple(region_tree(session, with_counts=False)),
        owners=owners,
        branches=tuple(branches),
        statuses=CUSTOMER_STATUSES,
    )


# =========================================================================== names → ids


def _one_user(session: Session, login: str, option: str) -> int:
    uid = session.scalar(select(AppUser.id).where(AppUser.login == login.strip().lower()))
    if uid is None:
        raise ValidationError(f"{option}: no user with the login {login!r}", {option: "unknown"})
    return int(uid)


def _one_region(session: Session, text: str) -> int:
    """A region by id, code or name; a name must be unambiguous (give the path's last two
    levels as "江苏 / 南京", or the code, when it is not)."""
    text = text.strip()
    regions = list_regions(session)
    if text.isdigit() and any(r.id == int(text) for r in regions):
        return int(text)
    by_code = [r.id for r in regions if r.code == text]
    if by_code:
        return by_code[0]
    parts = [p.strip() for p in text.split("/") if p.strip()]
    names = {r.id: r for r in regions}

    def matches(region_id: int) -> bool:
        node: int | None = region_id
        for part in reversed(parts):
            if node is None or node not in names or names[node].name != part:
                return False
            node = names[node].parent_id
        return True

    found = [r.id for r in regions if parts and matches(r.id)]
    if not found:
        raise ValidationError(f"--region: no region {text!r}", {"region": "unknown"})
    if len(found) > 1:
        raise ValidationError(
            f"--region: {text!r} names {len(found)} regions; give its code or parent / name",
            {"region": "ambiguous"},
        )
    return found[0]


def filters_from_options(
    session: Session,
    *,
    grades: Sequence[str] = (),
    region: str | None = None,
    owner: str | None = None,
    branch: str | None = None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    customer_id: int | None = None,
    days: int | None = None,
    handover_from: str | None = None,
    handover_to: str | None = None,
) -> ReportFilters:
    """ReportFilters from what a person types (the CLI): grade codes, a region's id, code or
    name, logins, a branch code, ``handover_to`` "pool" for the public pool. An unknown name
    raises ValidationError with one line saying which option and what is known."""
    grade_ids: list[int] = []
    codes = {
        code.upper(): gid
        for gid, code in session.execute(
            select(Grade.id, Grade.code).where(Grade.deleted_at.is_(None))
        )
    }
    for code in grades:
        gid = codes.get(code.strip().upper())
        if gid is None:
            raise ValidationError(
                f"--grade: no grade {code!r} (known: {', '.join(sorted(codes))})",
                {"grade": "unknown"},
            )
        grade_ids.append(gid)
    branch_id: int | None = None
    if branch is not None:
        branch_id = session.scalar(select(Branch.id).where(Branch.code == branch.strip().upper()))
        if branch_id is None:
            known = ", ".join(b.code for b in list_branches(session))
            raise ValidationError(
                f"--branch: no branch {branch!r} (known: {known})", {"branch": "unknown"}
            )
    if status is not None and status not in CUSTOMER_STATUSES:
        raise ValidationError(
            f"--status: {status!r} is not one of {', '.join(CUSTOMER_STATUSES)}",
            {"status": "unknown"},
        )
    if date_from and date_to and date_from > date_to:
        raise ValidationError(
            f"--from {date_from} is after --to {date_to}", {"date_from": "after date_to"}
        )
    if days is not None and days < 1:
        raise ValidationError("--days must be 1 or more", {"days": "invalid"})
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise ValidationError(
            f"--customer: no customer with id {customer_id}", {"customer": "unknown"}
        )
    to_id: int | None = None
    if handover_to is not None and handover_to.strip().lower() != "pool":
        to_id = _one_user(session, handover_to, "--handover-to")
    return ReportFilters(
        grade_ids=tuple(dict.fromkeys(grade_ids)),
        region_id=_one_region(session, region) if region is not None else None,
        owner_id=_one_user(session, owner, "--owner") if owner is not None else None,
        branch_id=branch_id,
        status=status,
        date_from=date_from,
        date_to=date_to,
        customer_id=customer_id,
        days=days,
        handover_from_id=(
            _one_user(session, handover_from, "--handover-from") if handover_from else None
        ),
        handover_to_id=to_id,
    )
