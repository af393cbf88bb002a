"""Report data on real SQLite and PostgreSQL (issue 6): the roster matrix equals the database's
own counts, filters and rights are honoured, follow-up statistics, overdue and dormant lists at
an injected time, the dashboard's month buckets in the report's time zone, the handover, the
audit row — and the built PDFs carry the Chinese names and counts."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from crm_desktop.core.errors import NotFound, PermissionDenied, ValidationError
from crm_desktop.db.models import AuditLog, Customer, EmailMessage, OwnershipChange
from crm_desktop.reports import (
    DashboardData,
    DormantData,
    FollowupsData,
    HandoverData,
    OverdueData,
    ProfileData,
    RosterData,
)
from crm_desktop.services.config import region_subtree_ids
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import delete_customer
from crm_desktop.services.followups import FollowupInput, NextPlan, log_followup, plan_followup
from crm_desktop.services.reports import (
    ReportFilters,
    UserChoice,
    record_report_output,
    render_report,
    report_choices,
    report_data,
)
from tests.db.customer_world import World, open_world

DAY = timedelta(days=1)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


@dataclass
class Scene:
    ids: dict[str, int]
    t0: datetime  # when the customers were created


@pytest.fixture
def scene(world: World) -> Scene:
    g, r = world.grades, world.regions
    spec = [
        ("上海甲公司", world.li, "A", "浦东新区"),
        ("南京乙公司", world.li, "B", "南京"),
        ("杭州丙公司", world.li, "C", "杭州"),
        ("北京丁公司", world.wang, "A", "朝阳区"),
        ("无区域客户", world.wang, None, None),
        ("广州戊公司", world.chen, "B", "广州"),
        ("公海己公司", None, "D", "苏州"),
        ("已删除公司", world.li, "A", "上海"),
    ]
    ids: dict[str, int] = {}
    for name, owner, grade, region in spec:
        ids[name] = world.new_customer(
            world.admin,
            name=name,
            owner_id=owner.id if owner else None,
            grade_id=g[grade] if grade else None,
            region_id=r[region] if region else None,
            phone="021 6123 4567",
        )
    with world.db.session_factory.begin() as s:
        delete_customer(s, ids["已删除公司"], world.admin)
    with world.db.read_session_factory() as s:
        t0 = s.scalar(select(func.max(Customer.created_at)))
    assert t0 is not None
    return Scene(ids=ids, t0=t0)


def data(world: World, kind: str, actor: Actor | None = None, **kw: Any) -> Any:
    filters = kw.pop("filters", ReportFilters())
    with world.db.read_session_factory() as s:
        return report_data(s, kind, filters, actor or world.admin, **kw)


def roster_names(world: World, actor: Actor | None = None, **filters: Any) -> set[str]:
    result = data(world, "roster", actor, filters=ReportFilters(**filters))
    assert isinstance(result, RosterData)
    assert result.total == len(result.rows) == sum(result.counts.values())
    return {row.name for row in result.rows}


# =========================================================================== roster


def test_roster_matrix_equals_the_database_counts(world: World, scene: Scene) -> None:
    roster = data(world, "roster")
    assert isinstance(roster, RosterData)
    with world.db.read_session_factory() as s:
        live = Customer.deleted_at.is_(None)
        assert roster.total == s.scalar(select(func.count()).select_from(Customer).where(live))
        for top in ("华北", "华东", "华南"):
            subtree = region_subtree_ids(s, world.regions[top])
            for code, gid in world.grades.items():
                expected = s.scalar(
                    select(func.count())
                    .select_from(Customer)
                    .where(live, Customer.grade_id == gid, Customer.region_id.in_(subtree))
                )
                assert roster.counts.get((top, code), 0) == expected, (top, code)
    assert roster.counts[("华东", "A")] == 1  # the deleted one is not counted
    assert roster.counts[("—", "—")] == 1  # no region, no grade
    assert roster.grades == ("A", "B", "C", "D", "—")
    assert roster.regions[:3] == ("华北", "东北", "华东") and roster.regions[-1] == "—"
    assert not roster.truncated
    first = roster.rows[0]
    assert (first.name, first.region, first.top_region, first.owner) == (
        "北京丁公司",
        "华北 / 北京 / 朝阳区",
        "华北",
        "王芳",
    )
    pool = next(row for row in roster.rows if row.name == "公海己公司")
    assert pool.owner == "公海"


def test_roster_filters(world: World, scene: Scene) -> None:
    g, r = world.grades, world.regions
    assert roster_names(world, grade_ids=(g["A"],)) == {"上海甲公司", "北京丁公司"}
    assert roster_names(world, region_id=r["华东"]) == {
        "上海甲公司",
        "南京乙公司",
        "杭州丙公司",
        "公海己公司",
    }
    assert roster_names(world, region_id=r["江苏"], grade_ids=(g["B"], g["D"])) == {
        "南京乙公司",
        "公海己公司",
    }
    assert roster_names(world, owner_id=world.li.id) == {"上海甲公司", "南京乙公司", "杭州丙公司"}
    assert roster_names(world, branch_id=world.branches["GZ"]) == {"广州戊公司"}
    with world.db.session_factory.begin() as s:
        s.execute(
            update(Customer).where(Customer.id == scene.ids["南京乙公司"]).values(status="active")
        )
    assert roster_names(world, status="active") == {"南京乙公司"}
    roster = data(world, "roster", filters=ReportFilters(grade_ids=(g["A"],)))
    assert roster.grades == ("A",)
    assert dict(roster.header.filters)["等级"] == "A"


def test_salesperson_and_manager_see_only_their_customers(world: World, scene: Scene) -> None:
    assert roster_names(world, world.li) == {"上海甲公司", "南京乙公司", "杭州丙公司", "公海己公司"}
    assert roster_names(world, world.chen) == {"广州戊公司", "公海己公司"}
    manager = roster_names(world, world.manager)
    assert "广州戊公司" not in manager
    assert {"上海甲公司", "北京丁公司", "无区域客户"} <= manager
    # Another salesperson's customers stay out even when asked for by owner.
    assert roster_names(world, world.li, owner_id=world.wang.id) == set()
    roster = data(world, "roster", world.li)
    assert ("范围", "本人客户及公海") in roster.header.filters
    choices = report_choices_of(world, world.li)
    assert [o.login for o in choices] == ["li"]


def report_choices_of(world: World, actor: Actor) -> tuple[UserChoice, ...]:
    with world.db.read_session_factory() as s:
        return report_choices(s, actor).owners


def test_unknown_filter_ids_are_refused(world: World, scene: Scene) -> None:
    for filters in (
        ReportFilters(grade_ids=(9999,)),
        ReportFilters(region_id=9999),
        ReportFilters(owner_id=9999),
        ReportFilters(branch_id=9999),
        ReportFilters(status="nope"),
        ReportFilters(date_from=date(2026, 5, 2), date_to=date(2026, 5, 1)),
    ):
        with pytest.raises(ValidationError):
            data(world, "roster", filters=filters)
    with pytest.raises(ValidationError):
        data(world, "nope")


# =========================================================================== profile


def test_profile_of_an_invisible_customer_is_refused(world: World, scene: Scene) -> None:
    with pytest.raises(PermissionDenied):
        data(world, "profile", world.li, filters=ReportFilters(customer_id=scene.ids["广州戊公司"]))
    with pytest.raises(NotFound):
        data(world, "profile", filters=ReportFilters(customer_id=999_999))
    cid = scene.ids["上海甲公司"]
    with world.db.session_factory.begin() as s:
        log_followup(
            s,
            cid,
            FollowupInput(kind="visit", summary="拜访王经理", outcome="positive"),
            world.li,
            now=scene.t0 + DAY,
        )
        s.add(
            EmailMessage(
                message_id="<p1@x>", direction="in", subject="报价单", sent_at=scene.t0,
                customer_id=cid,
            )
        )  # fmt: skip
    profile = data(world, "profile", world.li, filters=ReportFilters(customer_id=cid))
    assert isinstance(profile, ProfileData)
    fields = dict(profile.fields)
    assert fields["客户名称"] == "上海甲公司"
    assert fields["区域"] == "华东 / 上海 / 浦东新区"
    assert fields["负责人"] == "李娜"
    assert [f.summary for f in profile.followups] == ["拜访王经理"]
    assert profile.followups[0].kind == "拜访"
    assert [m[2] for m in profile.mail] == ["报价单"]


# =========================================================================== follow-ups


def test_followup_counts_per_user_kind_and_outcome(world: World, scene: Scene) -> None:
    t0, ids = scene.t0, scene.ids
    inside = t0 + DAY

    def log(cid: int, actor: Actor, kind: str, outcome: str, at: datetime) -> None:
        with world.db.session_factory.begin() as s:
            log_followup(
                s,
                cid,
                FollowupInput(kind=kind, outcome=outcome, happened_at=at, summary="s"),
                actor,
                now=at,
            )

    log(ids["上海甲公司"], world.li, "call", "positive", inside)
    log(ids["南京乙公司"], world.li, "call", "neutral", inside)
    log(ids["杭州丙公司"], world.li, "visit", "won", inside)
    log(ids["北京丁公司"], world.wang, "wechat", "negative", inside)
    log(ids["广州戊公司"], world.chen, "call", "positive", inside)
    log(ids["上海甲公司"], world.li, "call", "positive", t0 - 60 * DAY)  # outside the period
    day = inside.astimezone(world_tz()).date()
    period = ReportFilters(date_from=day - 3 * DAY, date_to=day + 3 * DAY)
    report = data(world, "followups", filters=period, now=t0 + 2 * DAY)
    assert isinstance(report, FollowupsData)
    stats = {st.user: st for st in report.stats}
    assert set(stats) == {"李娜", "王芳", "陈静"}
    assert stats["李娜"].total == 3
    assert dict(stats["李娜"].by_kind) == {"电话": 2, "拜访": 1}
    assert dict(stats["李娜"].by_outcome) == {"积极": 1, "一般": 1, "成交": 1}
    assert dict(stats["王芳"].by_kind) == {"微信": 1}
    assert len(report.rows) == 5
    assert report.kinds[0] == "电话" and report.outcomes[-1] == "失败"
    # Rights and the salesperson filter.
    mine = data(world, "followups", world.li, filters=period, now=t0 + 2 * DAY)
    assert {st.user for st in mine.stats} == {"李娜"}
    only = ReportFilters(date_from=period.date_from, date_to=period.date_to, owner_id=world.wang.id)
    assert [st.user for st in data(world, "followups", filters=only).stats] == ["王芳"]
    en = data(world, "followups", filters=period, language="en")
    assert dict(next(st for st in en.stats if st.user == "李娜").by_kind) == {"Call": 2, "Visit": 1}


def world_tz() -> ZoneInfo:
    return ZoneInfo("Asia/Shanghai")


def test_overdue_and_dormant_at_an_injected_now(world: World, scene: Scene) -> None:
    t0, ids = scene.t0, scene.ids
    now = t0 + 40 * DAY
    with world.db.session_factory.begin() as s:
        plan_followup(s, ids["上海甲公司"], NextPlan(due_at=now - 5 * DAY, note="回访"), world.li)
        plan_followup(s, ids["北京丁公司"], NextPlan(due_at=now - 2 * DAY), world.wang)
        plan_followup(s, ids["南京乙公司"], NextPlan(due_at=now + 2 * DAY), world.li)  # not yet
        # A follow-up 10 days ago keeps 杭州丙公司 (C: 60 days) and 上海甲公司 awake.
        log_followup(
            s,
            ids["上海甲公司"],
            FollowupInput(kind="call", outcome="neutral", happened_at=now - 10 * DAY),
            world.li,
            now=now - 10 * DAY,
        )
    overdue = data(world, "overdue", now=now)
    assert isinstance(overdue, OverdueData)
    assert [(r.user, r.customer, r.days_overdue, r.note) for r in overdue.rows] == [
        ("李娜", "上海甲公司", 5, "回访"),
        ("王芳", "北京丁公司", 2, ""),
    ]
    assert [r.customer for r in data(world, "overdue", world.li, now=now).rows] == ["上海甲公司"]

    # At t0 + 40 days: grade A (30 days) without a follow-up is dormant, B (45) and C (60)
    # are not; the pool and the deleted customer never show; no grade → the default 90 days.
    dormant = data(world, "dormant", now=now)
    assert isinstance(dormant, DormantData)
    assert [(r.grade, r.customer, r.idle_days) for r in dormant.rows] == [("A", "北京丁公司", None)]
    assert dormant.days == 30
    ten = data(world, "dormant", filters=ReportFilters(days=10), now=now)
    assert [r.customer for r in ten.rows] == [
        "北京丁公司",
        "南京乙公司",
        "广州戊公司",
        "杭州丙公司",
        "无区域客户",
    ]
    assert ten.days == 10
    assert [r.customer for r in data(world, "dormant", world.li, now=now).rows] == []
    later = data(world, "dormant", filters=ReportFilters(owner_id=world.li.id), now=now + 30 * DAY)
    assert {(r.customer, r.idle_days) for r in later.rows} == {
        ("南京乙公司", None),
        ("杭州丙公司", None),
        ("上海甲公司", 40),
    }


# =========================================================================== dashboard


def test_dashboard_month_buckets_in_the_report_time_zone(world: World, scene: Scene) -> None:
    ids = scene.ids
    now = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
    created = {
        "上海甲公司": datetime(2026, 8, 31, 17, 0, tzinfo=UTC),  # Shanghai: 1 Sep 01:00
        "南京乙公司": datetime(2026, 8, 31, 15, 0, tzinfo=UTC),  # Shanghai: 31 Aug 23:00
        "杭州丙公司": datetime(2026, 11, 1, 3, 30, tzinfo=UTC),  # New York: 31 Oct 23:30
        "北京丁公司": datetime(2025, 6, 1, tzinfo=UTC),  # before the 12 months
    }
    with world.db.session_factory.begin() as s:
        for name, at in created.items():
            s.execute(update(Customer).where(Customer.id == ids[name]).values(created_at=at))
        others = [v for k, v in ids.items() if k not in created]
        s.execute(
            update(Customer)
            .where(Customer.id.in_(others))
            .values(created_at=datetime(2026, 10, 10, tzinfo=UTC))
        )
        for reason, at in (
            ("release", datetime(2026, 10, 5, tzinfo=UTC)),
            ("reclaim", datetime(2026, 10, 6, tzinfo=UTC)),
            ("claim", datetime(2026, 11, 2, tzinfo=UTC)),
            ("assign", datetime(2026, 11, 2, tzinfo=UTC)),
        ):
            s.add(OwnershipChange(customer_id=ids["上海甲公司"], reason=reason, at=at))
    for i, actor in enumerate((world.li, world.li, world.wang)):
        with world.db.session_factory.begin() as s:
            cid = ids["南京乙公司"] if actor is world.li else ids["北京丁公司"]
            at = datetime(2026, 9 + i, 15, tzinfo=UTC)
            log_followup(
                s, cid, FollowupInput(kind="call", outcome="neutral", happened_at=at), actor, now=at
            )
    dash = data(world, "dashboard", now=now)
    assert isinstance(dash, DashboardData)
    assert dash.months[0] == "2025-12" and dash.months[-1] == "2026-11"
    by_month = dict(zip(dash.months, dash.new_customers, strict=True))
    assert by_month["2026-08"] == 1  # 南京乙公司
    assert by_month["2026-09"] == 1  # 上海甲公司, in Shanghai time
    assert by_month["2026-10"] == 3  # 无区域客户, 广州戊公司, 公海己公司 (deleted: not counted)
    assert by_month["2026-11"] == 1  # 杭州丙公司
    assert dict(dash.by_grade) == {"A": 2, "B": 2, "C": 1, "D": 1, "—": 1}
    assert dict(dash.by_region)["华东"] == 4
    series = {
        s.label: dict(zip(dash.months, s.values, strict=True)) for s in dash.followups_per_user
    }
    assert series["李娜"]["2026-09"] == 1 and series["李娜"]["2026-10"] == 1
    assert series["王芳"]["2026-11"] == 1
    pool_in = dict(zip(dash.months, dash.pool_in, strict=True))
    pool_out = dict(zip(dash.months, dash.pool_out, strict=True))
    assert pool_in["2026-10"] == 2 and pool_out["2026-11"] == 1
    assert sum(dash.pool_in) == 2 and sum(dash.pool_out) == 1
    # A time zone with daylight saving: New York's October holds 杭州丙公司.
    ny = data(world, "dashboard", now=now, timezone="America/New_York")
    ny_month = dict(zip(ny.months, ny.new_customers, strict=True))
    assert ny_month["2026-10"] == 4 and ny_month["2026-11"] == 0
    # A salesperson's dashboard: own customers and the pool.
    mine = data(world, "dashboard", world.li, now=now)
    assert dict(mine.by_grade) == {"A": 1, "B": 1, "C": 1, "D": 1}
    assert [s.label for s in mine.followups_per_user] == ["李娜"]


# =========================================================================== handover


def test_handover_preview_and_done(world: World, scene: Scene) -> None:
    ids = scene.ids
    with world.db.session_factory.begin() as s:
        plan_followup(s, ids["上海甲公司"], NextPlan(due_at=scene.t0 + DAY), world.li)
        plan_followup(s, ids["南京乙公司"], NextPlan(due_at=scene.t0 + DAY), world.li)
        for n in range(3):
            s.add(EmailMessage(message_id=f"<h{n}@x>", customer_id=ids["上海甲公司"]))
    preview = data(
        world,
        "handover",
        filters=ReportFilters(handover_from_id=world.li.id, handover_to_id=world.wang.id),
    )
    assert isinstance(preview, HandoverData)
    assert preview.at is None
    assert (preview.from_user, preview.to_user) == ("李娜", "王芳")
    assert {c.name for c in preview.customers} == {"上海甲公司", "南京乙公司", "杭州丙公司"}
    assert (preview.open_followups, preview.mail_count) == (2, 3)
    first = next(c for c in preview.customers if c.name == "上海甲公司")
    assert (first.open_followups, first.mail_count, first.grade) == (1, 3, "A")
    assert preview.signatures[1] == "接收人（签字）：王芳"
    to_pool = data(world, "handover", filters=ReportFilters(handover_from_id=world.li.id))
    assert to_pool.to_user == "公海"

    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with world.db.session_factory.begin() as s:
        for name in ("上海甲公司", "南京乙公司"):
            s.add(
                OwnershipChange(
                    customer_id=ids[name],
                    from_user_id=world.li.id,
                    to_user_id=world.wang.id,
                    reason="handover",
                    at=at,
                )
            )
        s.add(
            OwnershipChange(
                customer_id=ids["杭州丙公司"],
                from_user_id=world.li.id,
                to_user_id=world.wang.id,
                reason="assign",
                at=at,
            )
        )
    done = data(world, "handover", filters=ReportFilters(handover_at=at))
    assert done.at == at
    assert {c.name for c in done.customers} == {"上海甲公司", "南京乙公司"}
    assert (done.from_user, done.to_user, done.open_followups) == ("李娜", "王芳", 2)
    with pytest.raises(ValidationError):
        data(world, "handover")


# =========================================================================== audit and PDF


def test_record_report_output_writes_an_audit_row(world: World, scene: Scene) -> None:
    filters = ReportFilters(grade_ids=(world.grades["A"],), region_id=world.regions["华东"])
    with world.db.session_factory.begin() as s:
        record_report_output(
            s, "roster", filters, world.manager, action="print", customers=1, pages=2,
            target="HP LaserJet",
        )  # fmt: skip
    with world.db.read_session_factory() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "report.print")).one()
    assert row.actor == "zhang" and row.entity == "report"
    assert row.detail is not None
    assert row.detail["kind"] == "roster"
    assert row.detail["filters"] == {
        "grade_ids": [world.grades["A"]],
        "region_id": world.regions["华东"],
    }
    assert row.detail["filters_text"]["等级"] == "A"
    assert row.detail["filters_text"]["区域"] == "华东"
    assert (row.detail["customers"], row.detail["pages"]) == (1, 2)
    assert row.detail["target"] == "HP LaserJet"
    with world.db.session_factory.begin() as s, pytest.raises(ValidationError):
        record_report_output(s, "roster", filters, world.admin, action="fax", customers=0, pages=0)


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_roster_and_profile_pdfs_carry_chinese_names(world: World, scene: Scene) -> None:
    with world.db.read_session_factory() as s:
        roster = render_report(s, "roster", ReportFilters(), world.admin)
        profile = render_report(
            s, "profile", ReportFilters(customer_id=scene.ids["上海甲公司"]), world.li
        )
    assert roster.pdf.startswith(b"%PDF") and roster.pages >= 1
    assert roster.customers == 7 and roster.title == "客户名册"
    text = pdf_text(roster.pdf)
    for name in ("测试公司", "上海甲公司", "广州戊公司", "公海己公司", "华东 / 上海 / 浦东新区"):
        assert name in text, name
    assert "已删除公司" not in text
    assert profile.customers == 1
    assert "上海甲公司" in pdf_text(profile.pdf)


@pytest.mark.parametrize("kind", ["followups", "overdue", "dormant", "handover", "dashboard"])
def test_every_report_builds(world: World, scene: Scene, kind: str) -> None:
    filters = ReportFilters(handover_from_id=world.li.id) if kind == "handover" else ReportFilters()
    with world.db.read_session_factory() as s:
        out = render_report(s, kind, filters, world.admin, language="en")
    assert out.pdf.startswith(b"%PDF") and out.pages >= 1


def matrix_lines(pdf: bytes) -> dict[str, list[int]]:
    """The count matrix as printed on page 1: region → its numbers (grades…, total)."""
    from pypdf import PdfReader

    first = PdfReader(io.BytesIO(pdf)).pages[0].extract_text() or ""
    rows: dict[str, list[int]] = {}
    for line in first.splitlines():
        head, *rest = line.split()
        if rest and all(part.replace(",", "").isdigit() for part in rest):
            rows.setdefault(head, [int(part.replace(",", "")) for part in rest])
    return rows


def test_the_printed_matrix_equals_the_database_counts(world: World, scene: Scene) -> None:
    """Read back from the PDF, not from the data: each region row's grade counts and total
    are the database's, and a salesperson's roster prints only customers they may see."""
    with world.db.read_session_factory() as s:
        roster = render_report(s, "roster", ReportFilters(), world.admin)
        printed = matrix_lines(roster.pdf)
        live = Customer.deleted_at.is_(None)
        for top in ("华北", "华东", "华南"):
            subtree = region_subtree_ids(s, world.regions[top])
            expected = [
                s.scalar(
                    select(func.count())
                    .select_from(Customer)
                    .where(live, Customer.grade_id == gid, Customer.region_id.in_(subtree))
                )
                or 0
                for gid in world.grades.values()
            ]
            row = printed[top]
            assert row[: len(expected)] == expected, (top, row)
            assert row[-1] == s.scalar(
                select(func.count())
                .select_from(Customer)
                .where(live, Customer.region_id.in_(subtree))
            )
        own = render_report(s, "roster", ReportFilters(), world.li)
    text = pdf_text(own.pdf)
    assert "上海甲公司" in text and "广州戊公司" not in text
    assert own.customers < roster.customers


def test_printing_and_saving_need_the_export_permission(world: World, scene: Scene) -> None:
    """DESIGN §3: export (print, save) is a permission — managers and admins by default."""
    from crm_desktop.services.reports import can_output_reports

    with world.db.session_factory.begin() as s:
        assert can_output_reports(s, world.admin) and can_output_reports(s, world.manager)
        assert not can_output_reports(s, world.li)
        with pytest.raises(PermissionDenied, match="export permission"):
            record_report_output(
                s, "roster", ReportFilters(), world.li, action="save", customers=1, pages=1
            )
        from dataclasses import replace

        trusted = replace(world.li, can_export=True)
        assert can_output_reports(s, trusted)
        record_report_output(
            s, "roster", ReportFilters(), trusted, action="save", customers=1, pages=1
        )
