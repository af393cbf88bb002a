"""The reports' own label table, Chinese and English (no Qt: the builders run without it)."""

from __future__ import annotations

from crm_desktop.reports.data import Language

_LABELS: dict[str, tuple[str, str]] = {
    # key: (zh_CN, en)
    "page": ("第 {n} 页，共 {total} 页", "Page {n} of {total}"),
    "printed": ("打印人：{who}　打印时间：{at}", "Printed by {who} at {at}"),
    "total": ("合计", "Total"),
    "never": ("从未跟进", "never"),
    "no_data": ("没有符合条件的数据。", "No data matches these filters."),
    "continued": ("（续）", "(continued)"),
    "truncated": (
        "清单只列出前 {shown} 位客户（共 {total} 位）。",
        "The list shows the first {shown} of {total} customers.",
    ),
    "truncated_rows": ("清单只列出前 {shown} 条。", "The list shows the first {shown} rows."),
    # titles
    "title.roster": ("客户名册", "Customer roster"),
    "title.followups": ("跟进活动统计", "Follow-up activity"),
    "title.overdue": ("逾期跟进", "Overdue follow-ups"),
    "title.dormant": ("沉睡客户", "Dormant customers"),
    "title.profile": ("客户档案", "Customer profile"),
    "title.handover": ("离职交接单", "Handover report"),
    "title.dashboard": ("经营看板", "Dashboard"),
    # sections
    "sec.matrix": ("客户分布（区域 × 等级）", "Customers by region and grade"),
    "sec.list": ("客户清单", "Customer list"),
    "sec.stats": ("按销售统计", "Counts by salesperson"),
    "sec.by_kind": ("跟进方式", "By kind"),
    "sec.by_outcome": ("跟进结果", "By outcome"),
    "sec.chart": ("各销售跟进数（按方式）", "Follow-ups per salesperson (by kind)"),
    "sec.followup_list": ("跟进明细", "Follow-up list"),
    "sec.profile": ("基本资料", "Profile"),
    "sec.contacts": ("联系人", "Contacts"),
    "sec.history": ("跟进记录", "Follow-up history"),
    "sec.mail": ("最近邮件", "Recent mail"),
    "sec.handover_customers": ("移交客户", "Customers handed over"),
    "sec.signatures": ("签字确认", "Signatures"),
    "sec.by_grade": ("各等级客户数", "Customers by grade"),
    "sec.by_region": ("各区域客户数", "Customers by region"),
    "sec.new_customers": ("每月新增客户", "New customers per month"),
    "sec.followups_month": ("每月各销售跟进数", "Follow-ups per salesperson per month"),
    "sec.pool": ("公海流入 / 领取（每月）", "Public pool in / out per month"),
    "pool_in": ("流入公海", "Into the pool"),
    "pool_out": ("从公海领取", "Claimed from the pool"),
    # columns
    "col.name": ("客户名称", "Customer"),
    "col.grade": ("等级", "Grade"),
    "col.region": ("区域", "Region"),
    "col.owner": ("负责人", "Owner"),
    "col.phone": ("电话", "Phone"),
    "col.status": ("状态", "Status"),
    "col.last": ("最近跟进", "Last follow-up"),
    "col.next": ("下次跟进", "Next follow-up"),
    "col.user": ("销售", "Salesperson"),
    "col.customer": ("客户", "Customer"),
    "col.contact": ("联系人", "Contact"),
    "col.kind": ("方式", "Kind"),
    "col.outcome": ("结果", "Outcome"),
    "col.summary": ("内容", "Summary"),
    "col.when": ("时间", "When"),
    "col.due": ("计划时间", "Due"),
    "col.days_overdue": ("逾期天数", "Days overdue"),
    "col.note": ("备注", "Note"),
    "col.idle": ("未跟进天数", "Idle days"),
    "col.title": ("职务", "Title"),
    "col.email": ("邮箱", "Email"),
    "col.primary": ("主要", "Primary"),
    "col.date": ("日期", "Date"),
    "col.direction": ("收/发", "In/out"),
    "col.subject": ("主题", "Subject"),
    "col.open_followups": ("未完成跟进", "Open follow-ups"),
    "col.mail_count": ("邮件数", "Mail"),
    "col.count": ("数量", "Count"),
    "col.region_grade": ("区域 \\ 等级", "Region \\ grade"),
    "yes": ("是", "yes"),
    "mail.in": ("收", "in"),
    "mail.out": ("发", "out"),
    # report specifics
    "period": ("统计期间：{start} 至 {end}", "Period: {start} to {end}"),
    "dormant_days": ("超过 {days} 天未跟进的客户", "Customers with no follow-up for {days} days"),
    "group_count": ("{n} 条", "{n}"),
    "group_customers": ("{n} 位客户", "{n} customers"),
    "handover.from": ("移交人", "From"),
    "handover.to": ("接收人", "To"),
    "handover.at": ("交接时间", "Handed over at"),
    "handover.preview": ("预览 — 尚未交接", "PREVIEW — not yet handed over"),
    "handover.watermark": ("预览 PREVIEW", "PREVIEW"),
    "handover.customers": ("客户", "Customers"),
    "handover.open": ("未完成跟进", "Open follow-ups"),
    "handover.mail": ("关联邮件", "Linked mail"),
    "handover.sign": ("签字", "Signature"),
    "handover.sign_date": ("日期", "Date"),
    "others": ("其他", "others"),
}


def label(language: Language, key: str, **values: object) -> str:
    """The label ``key`` in ``language``, with ``{name}`` fields filled from ``values``."""
    zh, en = _LABELS[key]
    text = zh if language == "zh_CN" else en
    return text.format(**values) if values else text
