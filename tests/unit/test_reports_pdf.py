"""The PDF report builders, read back with pdfplumber/pypdf: no database, no Qt."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta

import pdfplumber
import pytest
from pypdf import PdfReader

from crm_desktop.core.errors import OperationCancelled
from crm_desktop.core.progress import ProgressState
from crm_desktop.reports import (
    REPORT_KINDS,
    DashboardData,
    FollowupRow,
    FollowupsData,
    FollowupStat,
    HandoverCustomer,
    HandoverData,
    Language,
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
    samples,
)

NOW = datetime(2026, 3, 18, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai
GRADES = ("A 重点", "B 主要", "C 普通", "—")
REGIONS = ("华东", "华南", "华北")
COUNTS = {
    ("华东", "A 重点"): 3, ("华东", "B 主要"): 5, ("华东", "C 普通"): 7, ("华东", "—"): 1,
    ("华南", "A 重点"): 2, ("华南", "C 普通"): 4,
    ("华北", "B 主要"): 6, ("华北", "C 普通"): 2, ("华北", "—"): 2,
}  # fmt: skip
LONG_CJK = "北京鼎盛电子科技股份有限公司第三分公司（华北区域销售与售后服务中心暨备件仓库）"
LONG_LATIN = (
    "Shanghai Precision Components International Trading and Engineering Services Co., Ltd."
)


def _header(language: Language = "zh_CN", title: str = "") -> ReportHeader:
    grade = ("等级", "A 重点, B 主要") if language == "zh_CN" else ("Grade", "A 重点, B 主要")
    return ReportHeader(
        company="上海恒远精密机械有限公司",
        title=title,
        filters=(grade,),
        printed_by="王经理 (wang)",
        printed_at=NOW,
        timezone="Asia/Shanghai",
        language=language,
    )


def _roster(language: Language = "zh_CN", extra: int = 0) -> RosterData:
    rows: list[RosterRow] = []
    owners = ("王经理 Tom 138-0000", "李娜", "Zhang Wei")
    for (region, grade), n in sorted(COUNTS.items()):
        for i in range(n):
            name = f"{region}客户{grade[0]}{i:02d}有限公司"
            if region == "华北" and grade == "B 主要" and i == 0:
                name = LONG_CJK
            if region == "华北" and grade == "B 主要" and i == 1:
                name = LONG_LATIN
            rows.append(
                RosterRow(
                    id=len(rows) + 1,
                    name=name,
                    grade=grade,
                    region=f"{region} / 省会",
                    top_region=region,
                    owner=owners[i % 3],
                    phone=f"138-0000-{i:04d}",
                    status="跟进中",
                    last_followup_at=NOW - timedelta(days=i),
                    next_followup_at=NOW + timedelta(days=i) if i % 2 else None,
                )
            )
    for i in range(extra):  # many more rows, to fill pages
        rows.append(
            RosterRow(
                id=len(rows) + 1,
                name=f"苏州博瑞精密制造有限公司{i:05d}",
                grade="C 普通",
                region="华东 / 江苏 / 苏州",
                top_region="华东",
                owner="陈静",
                phone="0512-6688 1234",
                status="潜在",
                last_followup_at=None,
                next_followup_at=None,
            )
        )
    counts = dict(COUNTS)
    counts[("华东", "C 普通")] += extra
    return RosterData(
        header=_header(language),
        grades=GRADES,
        regions=REGIONS,
        counts=counts,
        rows=rows,
        total=sum(counts.values()),
    )


def _pages_text(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_text() or "" for page in doc.pages]


def test_roster_matrix_shows_counts_and_totals() -> None:
    text = _pages_text(build_roster(_roster()))[0]
    lines = text.splitlines()

    def numbers(first: str) -> list[int]:
        line = next(ln for ln in lines if ln.startswith(first + " "))
        return [int(v.replace(",", "")) for v in line.split()[1:]]

    # columns: A 重点, B 主要, C 普通, —, total
    assert numbers("华东") == [3, 5, 7, 1, 16]
    assert numbers("华南") == [2, 0, 4, 0, 6]
    assert numbers("华北") == [0, 6, 2, 2, 10]
    assert numbers("合计") == [5, 11, 13, 3, 32]


def test_chinese_and_mixed_text_extracts_as_the_same_characters() -> None:
    pdf = build_roster(_roster())
    text = "\n".join(_pages_text(pdf))
    assert "华东客户A00有限公司" in text
    assert "王经理 Tom 138-0000" in text
    assert "上海恒远精密机械有限公司" in text
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        fonts = {ch["text"]: ch["fontname"] for ch in doc.pages[0].chars}
    assert "DroidSansFallback" in fonts["王"]
    assert "DejaVuSans" in fonts["T"]
    assert "DejaVuSans" in fonts["8"]


def test_every_page_has_header_and_page_x_of_y() -> None:
    pdf = build_roster(_roster("en", extra=400))
    pages = _pages_text(pdf)
    total = len(pages)
    assert total >= 3
    assert page_count(pdf) == total == len(PdfReader(io.BytesIO(pdf)).pages)
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {total}" in text
        assert "上海恒远精密机械有限公司" in text
        assert "Customer roster" in text
        assert "Printed by 王经理 (wang) at 2026-03-18 14:30" in text  # Asia/Shanghai
        assert "Grade: A 重点, B 主要" in text


def test_chinese_page_numbers_and_labels() -> None:
    pages = _pages_text(build_roster(_roster("zh_CN", extra=400)))
    for number, text in enumerate(pages, 1):
        assert f"第 {number} 页，共 {len(pages)} 页" in text
        assert "客户名册" in text
        assert "打印人：王经理 (wang)" in text


def test_list_header_row_repeats_on_each_page() -> None:
    pages = _pages_text(build_roster(_roster("en", extra=400)))
    # "Last follow-up" wraps inside its narrow column: the header row is two lines
    header = "Customer Grade Owner Phone Status Last Next\nfollow-up follow-up"
    for text in pages:
        assert header in text
    # a group that continues onto a new page says so
    assert any("(continued)" in text for text in pages[1:])


def test_long_names_wrap_inside_the_right_margin() -> None:
    pdf = build_roster(_roster())
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            right = page.width - 36
            beyond = [c["text"] for c in page.chars if c["x1"] > right + 0.5]
            assert not beyond
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    # wrapped: both names are there, but not on one line
    assert LONG_CJK not in text.replace("\n", "") or LONG_CJK not in text
    assert LONG_CJK[:8] in text and LONG_CJK[-6:] in text
    assert LONG_LATIN not in text
    assert "Shanghai Precision" in text


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs poppler's pdffonts")
def test_fonts_are_embedded_subsets(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "roster.pdf"
    path.write_bytes(build_roster(_roster()))
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    names = {row[0].split("+", 1)[1]: row for row in rows}
    assert {"DroidSansFallback", "DejaVuSans", "DejaVuSans-Bold"} <= set(names)
    for row in rows:
        assert re.fullmatch(r"[A-Z]{6}", row[0].split("+")[0])  # a subset
        assert row[-5] == "yes"  # emb
        assert row[-3] == "yes"  # uni (ToUnicode: text extraction)
    assert not any("Helvetica" in line for line in out.splitlines())


def test_cancel_through_progress_raises() -> None:
    cancelled = ProgressState()
    cancelled.cancel()
    with pytest.raises(OperationCancelled):
        build_roster(_roster(), progress=cancelled)

    reports: list[int] = []
    progress: ProgressState

    def on_report(done: int, total: int | None, label: str | None) -> None:
        reports.append(done)
        if done >= 250:
            progress.cancel()

    progress = ProgressState(on_report)
    with pytest.raises(OperationCancelled):
        build_roster(_roster(extra=1000), progress=progress)
    assert reports[:2] == [0, 250]


def test_progress_reports_to_the_end() -> None:
    seen: list[tuple[int, int | None]] = []
    progress = ProgressState(lambda done, total, label: seen.append((done, total)))
    data = _roster(extra=600)
    build_roster(data, progress=progress)
    assert seen[-1] == (len(data.rows), len(data.rows))


def test_titles_default_per_language_and_given_title_wins() -> None:
    en = _pages_text(build_followups(samples.followups(20, "en")))[0]
    zh = _pages_text(build_followups(samples.followups(20, "zh_CN")))[0]
    assert "Follow-up activity" in en and "Counts by salesperson" in en
    assert "跟进活动统计" in zh and "按销售统计" in zh
    data = _roster()
    custom = RosterData(
        header=_header(title="华东区客户名册"),
        grades=data.grades,
        regions=data.regions,
        counts=data.counts,
        rows=data.rows,
        total=data.total,
    )
    assert "华东区客户名册" in _pages_text(build_roster(custom))[0]


def test_followups_stats_table_totals() -> None:
    stats = [
        FollowupStat("王经理", {"电话": 3, "拜访": 1}, {"有意向": 2, "失败": 2}, 4),
        FollowupStat("Tom Liu", {"电话": 2}, {"有意向": 2}, 2),
    ]
    row = FollowupRow(NOW, None, "王经理", "苏州博瑞", "陈静", "电话", "已完成", "有意向", "约下周")
    data = FollowupsData(
        header=_header(),
        period_from=date(2026, 3, 1),
        period_to=date(2026, 3, 31),
        kinds=("电话", "拜访"),
        outcomes=("有意向", "失败"),
        stats=stats,
        rows=[row],
    )
    text = _pages_text(build_followups(data))[0]
    lines = text.splitlines()
    assert "王经理 3 1 4" in lines
    assert "Tom Liu 2 0 2" in lines
    assert "合计 5 1 6" in lines
    assert "合计 4 2 6" in lines  # by outcome
    assert "2026-03-18 14:30 王经理 苏州博瑞 陈静 电话 已完成 有意向 约下周" in text


def test_handover_preview_is_marked_and_done_handover_is_not() -> None:
    preview = samples.handover(10, "en", preview=True)
    text = "\n".join(_pages_text(build_handover(preview)))
    assert "PREVIEW — not yet handed over" in text
    done = HandoverData(
        header=_header("en"),
        from_user="张伟",
        to_user="Public pool",
        at=NOW,
        customers=[HandoverCustomer("天津永昌包装材料有限公司", "B 主要", "华北 / 天津", 2, 7)],
        open_followups=2,
        mail_count=7,
        signatures=("Departing: 张伟", "Manager: 王经理"),
    )
    text = "\n".join(_pages_text(build_handover(done)))
    assert "PREVIEW" not in text
    assert "Public pool" in text and "2026-03-18 14:30" in text
    assert "Departing: 张伟" in text and "Manager: 王经理" in text


def test_dashboard_charts_have_labels() -> None:
    data = DashboardData(
        header=_header("en"),
        by_grade=(("A 重点", 12), ("B 主要", 40)),
        by_region=(("华东", 30), ("华南", 22)),
        months=("2026-01", "2026-02", "2026-03"),
        new_customers=(5, 9, 3),
        followups_per_user=(Series("王经理", (4, 5, 6)), Series("others", (1, 0, 2))),
        pool_in=(2, 3, 4),
        pool_out=(1, 1, 1),
    )
    pdf = build_dashboard(data)
    pages = _pages_text(pdf)
    first = pages[0]
    for expected in (
        "Customers by grade",
        "A 重点",
        "B 主要",
        "华东",
        "华南",
        "2026-02",
        "Into the pool",
        "Claimed from the pool",
        "40",
    ):
        assert expected in first
    assert "王经理" in pages[1] and "others" in pages[1]
    assert "王经理 4 5 6 15" in pages[1]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_report_builds_in_both_languages(language: Language) -> None:
    built = {
        "roster": build_roster(samples.roster(120, language)),
        "followups": build_followups(samples.followups(80, language)),
        "overdue": build_overdue(samples.overdue(60, language)),
        "dormant": build_dormant(samples.dormant(60, language)),
        "profile": build_profile(samples.profile(language)),
        "handover": build_handover(samples.handover(20, language)),
        "dashboard": build_dashboard(samples.dashboard(language)),
    }
    assert tuple(built) == REPORT_KINDS
    for kind, pdf in built.items():
        pages = _pages_text(pdf)
        assert page_count(pdf) == len(pages), kind
        assert all(samples.COMPANY in text for text in pages), kind
        assert all(text.strip() for text in pages), kind
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            for page in doc.pages:
                upright = [c for c in page.chars if c["size"] < 40]  # not the watermark
                assert all(c["x1"] <= page.width - 35.5 for c in upright), kind


def test_profile_sheet_lists_contacts_followups_and_mail() -> None:
    text = "\n".join(_pages_text(build_profile(samples.profile("en"))))
    for expected in (
        "Customer profile",
        "Contacts (3)",
        "Tom Liu 刘洋",
        "Follow-up history (25)",
        "Recent mail (12)",
        "Re: 二季度采购计划及报价 (Q-2026-031)",
        "purchase@borui",
    ):
        assert expected in text


def test_empty_reports_still_build() -> None:
    data = RosterData(header=_header("en"), grades=(), regions=(), counts={}, rows=[], total=0)
    text = _pages_text(build_roster(data))[0]
    assert "No data matches these filters." in text
    assert "Page 1 of 1" in text
