"""Realistic, deterministic sample DTOs for every report: the rendered examples in docs/, the
builders' tests and benchmarks of the builders alone."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from crm_desktop.reports.data import (
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
)

COMPANY = "上海恒远精密机械有限公司"
NOW = datetime(2026, 3, 18, 6, 30, tzinfo=UTC)
REGIONS: dict[str, tuple[str, ...]] = {
    "华东": ("上海", "江苏 / 南京", "江苏 / 苏州", "浙江 / 杭州", "浙江 / 宁波"),
    "华南": ("广东 / 广州", "广东 / 深圳", "福建 / 厦门"),
    "华北": ("北京", "天津", "河北 / 石家庄"),
    "西南": ("四川 / 成都", "重庆"),
}
GRADES = ("A 重点", "B 主要", "C 普通", "D 潜在")
OWNERS = (
    "王经理",
    "李娜",
    "张伟",
    "刘洋 (Tom Liu)",
    "陈静",
    "赵磊",
    "孙丽",
    "周杰",
    "吴敏",
    "郑强",
)
STATUSES = ("跟进中", "已成交", "潜在", "流失")
KINDS = ("电话", "拜访", "会议", "邮件", "微信", "其他")
OUTCOMES = ("有意向", "待报价", "已成交", "无进展", "失败")
_PREFIX = (
    "恒达",
    "华信",
    "远航",
    "金鼎",
    "新材",
    "博瑞",
    "中泰",
    "盛世",
    "天宇",
    "瑞丰",
    "东方",
    "宏图",
    "汇通",
    "鼎盛",
    "佳禾",
    "九州",
    "安泰",
    "永昌",
    "创新",
    "联合",
)
_SUFFIX = (
    "机械",
    "电子科技",
    "精密制造",
    "自动化设备",
    "新能源",
    "贸易",
    "化工",
    "包装材料",
    "汽车零部件",
    "医疗器械",
)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明")


def header(kind: str, language: Language = "zh_CN", **filters: str) -> ReportHeader:
    zh = language == "zh_CN"
    pairs = tuple(filters.items()) or (
        (("等级", "A 重点, B 主要") if zh else ("Grade", "A 重点, B 主要")),
        (("区域", "全部") if zh else ("Region", "all")),
        (("负责人", "全部") if zh else ("Owner", "all")),
    )
    del kind
    return ReportHeader(
        company=COMPANY,
        title="",
        filters=pairs,
        printed_by="王经理 (wang)",
        printed_at=NOW,
        timezone="Asia/Shanghai",
        language=language,
    )


def _company(rnd: random.Random, region: str) -> str:
    city = region.rsplit(" / ", maxsplit=1)[-1]
    name = f"{city}{rnd.choice(_PREFIX)}{rnd.choice(_SUFFIX)}有限公司"
    roll = rnd.random()
    if roll < 0.04:
        base = f"{city}{rnd.choice(_PREFIX)}{rnd.choice(_SUFFIX)}股份有限公司"
        name = f"{base}第{rnd.randint(1, 9)}分公司（华东区域销售与售后服务中心）"
    elif roll < 0.07:
        name += " Shanghai Precision Components International Trading Co., Ltd."
    return name


def _person(rnd: random.Random) -> str:
    return rnd.choice(_SURNAMES) + "".join(rnd.choice(_GIVEN) for _ in range(rnd.randint(1, 2)))


def roster(n: int = 300, language: Language = "zh_CN", seed: int = 6) -> RosterData:
    rnd = random.Random(seed)
    rows: list[RosterRow] = []
    for i in range(n):
        top = rnd.choice(tuple(REGIONS))
        sub = rnd.choice(REGIONS[top])
        grade = rnd.choices(GRADES, weights=(1, 3, 5, 4))[0]
        last = NOW - timedelta(days=rnd.randint(0, 200), hours=rnd.randint(0, 23))
        nxt = NOW + timedelta(days=rnd.randint(-10, 40)) if rnd.random() < 0.6 else None
        rows.append(
            RosterRow(
                id=i + 1,
                name=_company(rnd, sub),
                grade=grade,
                region=f"{top} / {sub}",
                top_region=top,
                owner=rnd.choice(OWNERS),
                phone=f"1{rnd.randint(30, 89)}-{rnd.randint(1000, 9999)}-{rnd.randint(1000, 9999)}",
                status=rnd.choice(STATUSES),
                last_followup_at=last if rnd.random() < 0.9 else None,
                next_followup_at=nxt,
            )
        )
    order = {g: i for i, g in enumerate(GRADES)}
    rows.sort(key=lambda r: (r.region, order[r.grade], r.name))
    counts = Counter((r.top_region, r.grade) for r in rows)
    return RosterData(
        header=header("roster", language),
        grades=GRADES,
        regions=tuple(REGIONS),
        counts=dict(counts),
        rows=rows,
        total=n,
    )


def _followup_rows(rnd: random.Random, n: int, customer: str | None = None) -> list[FollowupRow]:
    rows = []
    for _ in range(n):
        happened = NOW - timedelta(days=rnd.randint(0, 30), minutes=rnd.randint(0, 900))
        kind = rnd.choice(KINDS)
        rows.append(
            FollowupRow(
                happened_at=happened,
                due_at=None,
                user=rnd.choice(OWNERS),
                customer=customer or _company(rnd, rnd.choice(REGIONS["华东"])),
                contact=_person(rnd) + rnd.choice(("经理", "总", "工", "")),
                kind=kind,
                status="已完成",
                outcome=rnd.choice(OUTCOMES),
                summary=rnd.choice(
                    (
                        "电话沟通二季度采购计划，客户关注交期和付款方式，约下周到厂参观。",
                        "Sent quotation Q-2026-031 for 200 units; waiting for Tom's feedback.",
                        "拜访采购部，介绍新款伺服系统，对方需要样机测试报告和 CE 证书。",
                        "微信确认样品已收到。",
                        "会议：技术交流 2 小时，参会 5 人，下一步提供方案和报价单（含安装调试）。",
                    )
                ),
            )
        )
    rows.sort(key=lambda r: r.happened_at or NOW, reverse=True)
    return rows


def followups(n: int = 200, language: Language = "zh_CN", seed: int = 7) -> FollowupsData:
    rnd = random.Random(seed)
    rows = _followup_rows(rnd, n)
    stats = []
    for user in OWNERS:
        mine = [r for r in rows if r.user == user]
        stats.append(
            FollowupStat(
                user=user,
                by_kind=dict(Counter(r.kind for r in mine)),
                by_outcome=dict(Counter(r.outcome for r in mine)),
                total=len(mine),
            )
        )
    return FollowupsData(
        header=header("followups", language),
        period_from=date(2026, 3, 1),
        period_to=date(2026, 3, 31),
        kinds=KINDS,
        outcomes=OUTCOMES,
        stats=stats,
        rows=rows,
    )


def overdue(n: int = 120, language: Language = "zh_CN", seed: int = 8) -> OverdueData:
    rnd = random.Random(seed)
    rows = []
    for _ in range(n):
        days = rnd.randint(1, 60)
        rows.append(
            OverdueRow(
                user=rnd.choice(OWNERS),
                customer=_company(rnd, rnd.choice(REGIONS["华南"])),
                grade=rnd.choice(GRADES),
                contact=_person(rnd),
                kind=rnd.choice(KINDS),
                due_at=NOW - timedelta(days=days, hours=rnd.randint(0, 8)),
                days_overdue=days,
                note=rnd.choice(("回访报价", "确认合同条款，催回款", "Send samples", "")),
            )
        )
    rows.sort(key=lambda r: (r.user, r.due_at))
    return OverdueData(header=header("overdue", language), rows=rows)


def dormant(n: int = 150, language: Language = "zh_CN", seed: int = 9) -> DormantData:
    rnd = random.Random(seed)
    rows = []
    for _ in range(n):
        top = rnd.choice(tuple(REGIONS))
        sub = rnd.choice(REGIONS[top])
        idle = rnd.randint(90, 400) if rnd.random() < 0.85 else None
        rows.append(
            DormantRow(
                grade=rnd.choice(GRADES),
                customer=_company(rnd, sub),
                owner=rnd.choice(OWNERS),
                region=f"{top} / {sub}",
                phone=f"0{rnd.randint(10, 99)}-{rnd.randint(1000_0000, 9999_9999)}",
                last_followup_at=None if idle is None else NOW - timedelta(days=idle),
                idle_days=idle,
            )
        )
    rows.sort(key=lambda r: (GRADES.index(r.grade), r.customer))
    return DormantData(header=header("dormant", language), days=90, rows=rows)


def profile(language: Language = "zh_CN", seed: int = 10) -> ProfileData:
    rnd = random.Random(seed)
    name = "苏州博瑞精密制造有限公司"
    zh = language == "zh_CN"
    fields = (
        ("客户名称" if zh else "Name", name),
        ("等级" if zh else "Grade", "A 重点"),
        ("区域" if zh else "Region", "华东 / 江苏 / 苏州"),
        ("负责人" if zh else "Owner", "王经理"),
        ("状态" if zh else "Status", "跟进中"),
        ("电话" if zh else "Phone", "0512-6688 1234"),
        ("邮箱" if zh else "Email", "purchase@borui-precision.com.cn"),
        ("地址" if zh else "Address", "江苏省苏州市工业园区星湖街 328 号创意产业园 12 幢 5 楼"),
        ("来源" if zh else "Source", "展会 (CIMT 2025)"),
        ("创建时间" if zh else "Created", "2024-05-12 10:20"),
        (
            "备注" if zh else "Notes",
            "年采购额约 800 万元；决策链：采购部初选 → 技术部测试 → 总经理审批。"
            "Prefers English quotations for imported parts.",
        ),
    )
    contacts = (
        ContactLine("陈静", "采购经理", "138-0000-1234", "chenjing@borui-precision.com.cn", True),
        ContactLine(
            "Tom Liu 刘洋", "技术总监", "139-1111-2222", "tom.liu@borui-precision.com", False
        ),
        ContactLine("赵磊", "财务", "0512-6688 1200", "", False),
    )
    mail = tuple(
        (
            NOW - timedelta(days=i * 3, hours=i),
            "in" if i % 2 else "out",
            rnd.choice(
                (
                    "Re: 二季度采购计划及报价 (Q-2026-031)",
                    "样机测试报告 — Servo test report v2",
                    "合同草稿请确认",
                    "Invitation: factory visit on 25 March",
                )
            ),
        )
        for i in range(12)
    )
    return ProfileData(
        header=header("profile", language, **({"客户": name} if zh else {"Customer": name})),
        fields=fields,
        contacts=contacts,
        followups=tuple(_followup_rows(rnd, 25, customer=name)),
        mail=mail,
    )


def handover(
    n: int = 40, language: Language = "zh_CN", *, preview: bool = True, seed: int = 11
) -> HandoverData:
    rnd = random.Random(seed)
    customers = [
        HandoverCustomer(
            name=_company(rnd, rnd.choice(REGIONS["华北"])),
            grade=rnd.choice(GRADES),
            region="华北 / " + rnd.choice(REGIONS["华北"]),
            open_followups=rnd.randint(0, 4),
            mail_count=rnd.randint(0, 60),
        )
        for _ in range(n)
    ]
    zh = language == "zh_CN"
    return HandoverData(
        header=header("handover", language),
        from_user="张伟 (zhangwei)",
        to_user="李娜 (lina)",
        at=None if preview else NOW,
        customers=customers,
        open_followups=sum(c.open_followups for c in customers),
        mail_count=sum(c.mail_count for c in customers),
        signatures=(
            ("移交人：张伟" if zh else "Departing: 张伟"),
            ("接收人：李娜" if zh else "Heir: 李娜"),
            ("部门经理：王经理" if zh else "Manager: 王经理"),
        ),
    )


def dashboard(language: Language = "zh_CN", seed: int = 12) -> DashboardData:
    rnd = random.Random(seed)
    months = tuple(f"{2025 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}" for m in range(12))
    users = list(OWNERS[:8])
    others = "其他" if language == "zh_CN" else "others"
    series = (
        *(Series(u, tuple(rnd.randint(10, 80) for _ in months)) for u in users),
        Series(others, tuple(rnd.randint(5, 30) for _ in months)),
    )
    return DashboardData(
        header=header("dashboard", language),
        by_grade=(
            ("A 重点", 1250),
            ("B 主要", 4210),
            ("C 普通", 9833),
            ("D 潜在", 7012),
            ("—", 420),
        ),
        by_region=(
            ("华东", 9120),
            ("华南", 6230),
            ("华北", 4410),
            ("西南", 2105),
            ("东北", 640),
            ("—", 220),
        ),
        months=months,
        new_customers=tuple(rnd.randint(200, 900) for _ in months),
        followups_per_user=series,
        pool_in=tuple(rnd.randint(50, 300) for _ in months),
        pool_out=tuple(rnd.randint(30, 250) for _ in months),
    )
