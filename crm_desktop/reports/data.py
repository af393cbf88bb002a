"""The plain DTOs the report builders take: gathered by ``services/reports.py``, no DB, no Qt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

Language = Literal["zh_CN", "en"]  # the report's labels (UI language)

# The roster list holds at most this many rows; ``RosterData.truncated`` says when it was cut.
ROSTER_MAX_ROWS = 50_000


@dataclass(frozen=True)
class ReportHeader:
    company: str  # company name (company_info)
    title: str  # set by the builder when "" (localized default)
    filters: tuple[tuple[str, str], ...]  # (label, value) lines under the title, already localized
    printed_by: str  # display name (login)
    printed_at: datetime  # aware; printed in local time (tz below)
    timezone: str = "Asia/Shanghai"  # IANA name for printed_at and every date in the report
    language: Language = "zh_CN"


@dataclass(frozen=True)
class RosterRow:
    id: int
    name: str
    grade: str
    region: str  # region path "华东 / 上海"
    top_region: str
    owner: str
    phone: str
    status: str
    last_followup_at: datetime | None
    next_followup_at: datetime | None


@dataclass(frozen=True)
class RosterData:
    header: ReportHeader
    grades: tuple[str, ...]  # matrix columns, in grade order ("—" for no grade last when present)
    regions: tuple[str, ...]  # matrix rows: top-level regions in tree order ("—" none)
    counts: Mapping[tuple[str, str], int]  # (top_region, grade) → customers; builder adds totals
    rows: Sequence[RosterRow]  # sorted by region path, grade order, name
    total: int  # customers matching (== sum(counts))
    truncated: bool = False  # rows holds only the first ROSTER_MAX_ROWS (50,000)


@dataclass(frozen=True)
class FollowupStat:
    user: str
    by_kind: Mapping[str, int]
    by_outcome: Mapping[str, int]
    total: int


@dataclass(frozen=True)
class FollowupRow:
    happened_at: datetime | None
    due_at: datetime | None
    user: str
    customer: str
    contact: str
    kind: str
    status: str
    outcome: str
    summary: str


@dataclass(frozen=True)
class FollowupsData:
    header: ReportHeader
    period_from: date
    period_to: date
    kinds: tuple[str, ...]
    outcomes: tuple[str, ...]
    stats: Sequence[FollowupStat]
    rows: Sequence[FollowupRow]
    truncated: bool = False


@dataclass(frozen=True)
class OverdueRow:
    user: str
    customer: str
    grade: str
    contact: str
    kind: str
    due_at: datetime
    days_overdue: int
    note: str


@dataclass(frozen=True)
class OverdueData:
    header: ReportHeader
    rows: Sequence[OverdueRow]  # grouped by user (sorted by user, due_at)


@dataclass(frozen=True)
class DormantRow:
    grade: str
    customer: str
    owner: str
    region: str
    phone: str
    last_followup_at: datetime | None
    idle_days: int | None  # None: never followed up


@dataclass(frozen=True)
class DormantData:
    header: ReportHeader
    days: int
    rows: Sequence[DormantRow]  # grouped by grade


@dataclass(frozen=True)
class ContactLine:
    name: str
    title: str
    phone: str
    email: str
    primary: bool


@dataclass(frozen=True)
class ProfileData:
    header: ReportHeader
    fields: tuple[tuple[str, str], ...]  # (label, value) of the profile, localized, in order
    contacts: tuple[ContactLine, ...]
    followups: tuple[FollowupRow, ...]  # newest first, at most 200
    mail: tuple[tuple[datetime | None, str, str], ...]  # (date, "in"/"out", subject), newest 50


@dataclass(frozen=True)
class HandoverCustomer:
    name: str
    grade: str
    region: str
    open_followups: int
    mail_count: int


@dataclass(frozen=True)
class HandoverData:
    header: ReportHeader
    from_user: str
    to_user: str  # "公海"/"Public pool" for the pool
    at: datetime | None  # None: a preview (printed "PREVIEW — not yet handed over")
    customers: Sequence[HandoverCustomer]
    open_followups: int
    mail_count: int
    signatures: tuple[str, ...]  # caption lines: departing salesperson, heir(s), manager


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class DashboardData:
    header: ReportHeader
    by_grade: tuple[tuple[str, int], ...]
    by_region: tuple[tuple[str, int], ...]
    months: tuple[str, ...]  # "2026-01" … last 12 months
    new_customers: tuple[int, ...]  # per month
    followups_per_user: tuple[Series, ...]  # per month, top 8 users + "others"
    pool_in: tuple[int, ...]  # per month (reclaim + release)
    pool_out: tuple[int, ...]  # per month (claim)
