"""The seven report builders: each lays its DTO out on a ``Doc`` and returns the PDF bytes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from crm_desktop.core.progress import Progress
from crm_desktop.reports.charts import bar_chart, grouped_bar_chart
from crm_desktop.reports.data import (
    DashboardData,
    DormantData,
    FollowupRow,
    FollowupsData,
    HandoverData,
    OverdueData,
    ProfileData,
    ReportHeader,
    RosterData,
)
from crm_desktop.reports.labels import label
from crm_desktop.reports.page import GREY, HEAD_BG, Column, Doc, Table

NONE = "—"


def _num(value: int) -> str:
    return f"{value:,}"


def _check(progress: Progress | None) -> None:
    if progress is not None:
        progress.check_cancelled()


# roster ---------------------------------------------------------------------------------------
def roster(data: RosterData, *, progress: Progress | None = None) -> bytes:
    _check(progress)
    doc = _new_doc(data.header, "roster", wide=True, progress=progress)
    _matrix(doc, data)
    rows = data.rows
    doc.section(doc.counted("sec.list", data.total), keep=40)
    if not rows:
        doc.paragraph(doc.label("no_data"), color=GREY)
        return doc.finish()
    t = Table(
        doc,
        (
            Column(doc.label("col.name"), 4.4),
            Column(doc.label("col.grade"), 1.0, wrap=False),
            Column(doc.label("col.owner"), 1.5),
            Column(doc.label("col.phone"), 1.9, wrap=False),
            Column(doc.label("col.status"), 1.1, wrap=False),
            Column(doc.label("col.last"), 1.35, wrap=False),
            Column(doc.label("col.next"), 1.35, wrap=False),
        ),
        size=7.8,
    )
    groups = Counter((r.region, r.grade) for r in rows)
    date = doc.date
    current: tuple[str, str] | None = None
    total = len(rows)
    what = doc.label("title.roster")
    for i, r in enumerate(rows):
        if i % 250 == 0:
            doc.tick(i, total, what)
        key = (r.region, r.grade)
        if key != current:
            current = key
            count = doc.label("group_customers", n=_num(groups[key]))
            t.group(f"{r.region or NONE}　·　{r.grade or NONE}　　{count}")
        t.row(
            (
                r.name,
                r.grade,
                r.owner,
                r.phone,
                r.status,
                date(r.last_followup_at),
                date(r.next_followup_at),
            )
        )
    if progress is not None:
        progress.report(total, total, what)
    if data.truncated:
        doc.space(4)
        doc.paragraph(doc.label("truncated", shown=_num(total), total=_num(data.total)), color=GREY)
    return doc.finish()


def _new_doc(
    header: ReportHeader,
    kind: str,
    *,
    wide: bool,
    progress: Progress | None = None,
    watermark: str = "",
    banner: str = "",
) -> Doc:
    """A Doc titled with the header's title, else the kind's localized default."""
    return Doc(
        header,
        label(header.language, f"title.{kind}"),
        wide=wide,
        progress=progress,
        watermark=watermark,
        banner=banner,
    )


def _matrix(doc: Doc, data: RosterData) -> None:
    doc.section(doc.label("sec.matrix"), keep=30)
    grades = data.grades
    counts = data.counts
    total_label = doc.label("total")
    cols = [Column(doc.label("col.region_grade"), 2.4, bold=True)]
    cols += [Column(g or NONE, 1.0, "r") for g in grades]
    cols.append(Column(total_label, 1.2, "r", bold=True))
    full = min(doc.content_width, 120 + 62 * (len(grades) + 1))
    t = Table(doc, cols, size=8.2, total_width=full)
    col_totals = [0] * len(grades)
    for region in data.regions:
        values = [counts.get((region, g), 0) for g in grades]
        for i, v in enumerate(values):
            col_totals[i] += v
        t.row([region or NONE, *(_num(v) for v in values), _num(sum(values))])
    grand = sum(col_totals)
    t.row([total_label, *(_num(v) for v in col_totals), _num(grand)], bold=True, shade=HEAD_BG)
    doc.space(6)


# follow-ups -----------------------------------------------------------------------------------
def followups(data: FollowupsData, *, progress: Progress | None = None) -> bytes:
    _check(progress)
    doc = _new_doc(data.header, "followups", wide=True, progress=progress)
    doc.paragraph(
        doc.label("period", start=data.period_from.isoformat(), end=data.period_to.isoformat()),
        9,
    )
    total_label = doc.label("total")
    for key, names, by_kind in (
        ("sec.by_kind", data.kinds, True),
        ("sec.by_outcome", data.outcomes, False),
    ):
        doc.section(doc.label("sec.stats") + " — " + doc.label(key), keep=40)
        cols = [Column(doc.label("col.user"), 2.2, bold=True)]
        cols += [Column(n or NONE, 1.0, "r") for n in names]
        cols.append(Column(total_label, 1.1, "r", bold=True))
        full = min(doc.content_width, 120 + 64 * (len(names) + 1))
        t = Table(doc, cols, size=8, total_width=full)
        sums = [0] * len(names)
        for stat in data.stats:
            counts = stat.by_kind if by_kind else stat.by_outcome
            values = [counts.get(n, 0) for n in names]
            for i, v in enumerate(values):
                sums[i] += v
            t.row([stat.user, *(_num(v) for v in values), _num(stat.total)])
        t.row(
            [total_label, *(_num(v) for v in sums), _num(sum(s.total for s in data.stats))],
            bold=True,
            shade=HEAD_BG,
        )
    # chart: follow-ups per salesperson, stacked by kind
    doc.space(6)
    chart_h = 200.0
    doc.need(chart_h)
    grouped_bar_chart(
        doc,
        doc.x0,
        doc.y,
        doc.content_width,
        chart_h,
        doc.label("sec.chart"),
        [s.user for s in data.stats],
        [(k or NONE, [s.by_kind.get(k, 0) for s in data.stats]) for k in data.kinds],
        stacked=True,
    )
    doc.space(chart_h + 8)
    doc.section(doc.counted("sec.followup_list", len(data.rows)), keep=40)
    _followup_table(doc, data.rows, with_customer=True, progress=progress)
    if data.truncated:
        doc.paragraph(doc.label("truncated_rows", shown=_num(len(data.rows))), color=GREY)
    return doc.finish()


def _followup_table(
    doc: Doc,
    rows: Sequence[FollowupRow],
    *,
    with_customer: bool,
    progress: Progress | None = None,
) -> None:
    if not rows:
        doc.paragraph(doc.label("no_data"), color=GREY)
        return
    # Portrait (the profile sheet) is narrower: the date and time need a larger share.
    when_width = 1.45 if with_customer else 1.75
    cols = [
        Column(doc.label("col.when"), when_width, wrap=False),
        Column(doc.label("col.user"), 1.1),
    ]
    if with_customer:
        cols.append(Column(doc.label("col.customer"), 2.2))
    cols += [
        Column(doc.label("col.contact"), 1.1),
        Column(doc.label("col.kind"), 0.7),
        Column(doc.label("col.status"), 0.7),
        Column(doc.label("col.outcome"), 0.9),
        Column(doc.label("col.summary"), 3.8 if with_customer else 4.1),
    ]
    t = Table(doc, cols, size=7.6)
    when = doc.datetime
    total = len(rows)
    for i, r in enumerate(rows):
        if i % 250 == 0:
            doc.tick(i, total, doc.title)
        stamp = when(r.happened_at) if r.happened_at is not None else when(r.due_at)
        cells = [stamp, r.user]
        if with_customer:
            cells.append(r.customer)
        cells += [r.contact, r.kind, r.status, r.outcome, " ".join(r.summary.split())]
        t.row(cells)
    del progress


# overdue / dormant ----------------------------------------------------------------------------
def overdue(data: OverdueData, *, progress: Progress | None = None) -> bytes:
    _check(progress)
    doc = _new_doc(data.header, "overdue", wide=False, progress=progress)
    rows = data.rows
    if not rows:
        doc.paragraph(doc.label("no_data"), color=GREY)
        return doc.finish()
    t = Table(
        doc,
        (
            Column(doc.label("col.due"), 1.65, wrap=False),
            Column(doc.label("col.days_overdue"), 0.85, "r"),
            Column(doc.label("col.customer"), 2.6),
            Column(doc.label("col.grade"), 0.7, wrap=False),
            Column(doc.label("col.contact"), 1.1),
            Column(doc.label("col.kind"), 0.8),
            Column(doc.label("col.note"), 2.4),
        ),
        size=7.6,
    )
    per_user = Counter(r.user for r in rows)
    current: str | None = None
    total = len(rows)
    for i, r in enumerate(rows):
        if i % 250 == 0:
            doc.tick(i, total, doc.title)
        if r.user != current:
            current = r.user
            t.group(f"{r.user or NONE}　　{doc.label('group_count', n=_num(per_user[r.user]))}")
        t.row(
            (
                doc.datetime(r.due_at),
                _num(r.days_overdue),
                r.customer,
                r.grade,
                r.contact,
                r.kind,
                " ".join(r.note.split()),
            )
        )
    return doc.finish()


def dormant(data: DormantData, *, progress: Progress | None = None) -> bytes:
    _check(progress)
    doc = _new_doc(data.header, "dormant", wide=False, progress=progress)
    doc.paragraph(doc.label("dormant_days", days=data.days), 9)
    rows = data.rows
    if not rows:
        doc.paragraph(doc.label("no_data"), color=GREY)
        return doc.finish()
    t = Table(
        doc,
        (
            Column(doc.label("col.customer"), 2.8),
            Column(doc.label("col.owner"), 1.35),
            Column(doc.label("col.region"), 1.5),
            Column(doc.label("col.phone"), 1.25, wrap=False),
            Column(doc.label("col.last"), 1.1, wrap=False),
            Column(doc.label("col.idle"), 0.9, "r"),
        ),
        size=7.6,
    )
    per_grade = Counter(r.grade for r in rows)
    never = doc.label("never")
    current: str | None = None
    total = len(rows)
    for i, r in enumerate(rows):
        if i % 250 == 0:
            doc.tick(i, total, doc.title)
        if r.grade != current:
            current = r.grade
            count = doc.label("group_customers", n=_num(per_grade[r.grade]))
            t.group(f"{r.grade or NONE}　　{count}")
        t.row(
            (
                r.customer,
                r.owner,
                r.region,
                r.phone,
                doc.date(r.last_followup_at) or never,
                NONE if r.idle_days is None else _num(r.idle_days),
            )
        )
    return doc.finish()


# profile --------------------------------------------------------------------------------------
def profile(data: ProfileData) -> bytes:
    doc = _new_doc(data.header, "profile", wide=False)
    doc.section(doc.label("sec.profile"), keep=30)
    fields = Table(
        doc,
        (Column("", 1.0, bold=True, color=GREY), Column("", 3.4)),
        header=False,
        size=8.5,
        zebra=True,
    )
    for key, value in data.fields:
        fields.row((key, value))
    doc.section(doc.counted("sec.contacts", len(data.contacts)), keep=30)
    if data.contacts:
        t = Table(
            doc,
            (
                Column(doc.label("col.contact"), 1.3),
                Column(doc.label("col.title"), 1.2),
                Column(doc.label("col.phone"), 1.4, wrap=False),
                Column(doc.label("col.email"), 2.6),
                Column(doc.label("col.primary"), 0.6, "c", wrap=False),
            ),
            size=8,
        )
        yes = doc.label("yes")
        for ct in data.contacts:
            t.row((ct.name, ct.title, ct.phone, ct.email, yes if ct.primary else ""))
    else:
        doc.paragraph(doc.label("no_data"), color=GREY)
    doc.section(doc.counted("sec.history", len(data.followups)), keep=30)
    _followup_table(doc, data.followups, with_customer=False)
    doc.section(doc.counted("sec.mail", len(data.mail)), keep=30)
    if data.mail:
        t = Table(
            doc,
            (
                Column(doc.label("col.date"), 1.3, wrap=False),
                Column(doc.label("col.direction"), 0.5, "c", wrap=False),
                Column(doc.label("col.subject"), 6.0),
            ),
            size=8,
        )
        for when, direction, subject in data.mail:
            arrow = doc.label("mail.in") if direction == "in" else doc.label("mail.out")
            t.row((doc.datetime(when), arrow, subject))
    else:
        doc.paragraph(doc.label("no_data"), color=GREY)
    return doc.finish()


# handover -------------------------------------------------------------------------------------
def handover(data: HandoverData) -> bytes:
    preview = data.at is None
    lang = data.header.language
    doc = _new_doc(
        data.header,
        "handover",
        wide=False,
        watermark=label(lang, "handover.watermark") if preview else "",
        banner=label(lang, "handover.preview") if preview else "",
    )
    summary = Table(
        doc,
        (Column("", 1.0, bold=True, color=GREY), Column("", 3.0)),
        header=False,
        size=9,
        total_width=doc.content_width * 0.7,
    )
    summary.row((doc.label("handover.from"), data.from_user))
    summary.row((doc.label("handover.to"), data.to_user))
    summary.row(
        (
            doc.label("handover.at"),
            doc.label("handover.preview") if data.at is None else doc.datetime(data.at),
        )
    )
    summary.row((doc.label("handover.customers"), _num(len(data.customers))))
    summary.row((doc.label("handover.open"), _num(data.open_followups)))
    summary.row((doc.label("handover.mail"), _num(data.mail_count)))
    doc.section(doc.counted("sec.handover_customers", len(data.customers)), keep=40)
    if data.customers:
        t = Table(
            doc,
            (
                Column(doc.label("col.customer"), 3.2),
                Column(doc.label("col.grade"), 0.8, wrap=False),
                Column(doc.label("col.region"), 1.8),
                Column(doc.label("col.open_followups"), 1.1, "r"),
                Column(doc.label("col.mail_count"), 0.9, "r"),
            ),
            size=8,
        )
        for cu in data.customers:
            t.row((cu.name, cu.grade, cu.region, _num(cu.open_followups), _num(cu.mail_count)))
        t.row(
            (
                doc.label("total"),
                "",
                "",
                _num(sum(c.open_followups for c in data.customers)),
                _num(sum(c.mail_count for c in data.customers)),
            ),
            bold=True,
            shade=HEAD_BG,
        )
    else:
        doc.paragraph(doc.label("no_data"), color=GREY)
    _signatures(doc, data.signatures)
    return doc.finish()


def _signatures(doc: Doc, captions: Sequence[str]) -> None:
    if not captions:
        return
    block = 66.0
    per_row = 2
    rows = (len(captions) + per_row - 1) // per_row
    doc.section(doc.label("sec.signatures"), keep=min(rows, 2) * block)
    c, pen = doc.c, doc.pen
    col_w = doc.content_width / per_row
    sign, date = doc.label("handover.sign"), doc.label("handover.sign_date")
    for start in range(0, len(captions), per_row):
        doc.need(block)
        y = doc.y
        for i, caption in enumerate(captions[start : start + per_row]):
            x = doc.x0 + i * col_w
            pen.text(x, y - 10, caption, 9, bold=True)
            line_y = y - 44
            pen.text(x, line_y + 2, sign, 8, color=GREY)
            c.setStrokeColor(GREY)
            c.setLineWidth(0.6)
            c.line(x + 40, line_y, x + col_w * 0.62, line_y)
            pen.text(x + col_w * 0.65, line_y + 2, date, 8, color=GREY)
            c.line(x + col_w * 0.65 + 28, line_y, x + col_w - 16, line_y)
        doc.y = y - block


# dashboard ------------------------------------------------------------------------------------
def dashboard(data: DashboardData) -> bytes:
    doc = _new_doc(data.header, "dashboard", wide=True)
    gap = 18.0
    w = (doc.content_width - gap) / 2
    h = (doc.y - doc.bottom - gap) / 2
    top = doc.y
    x0, x1 = doc.x0, doc.x0 + w + gap
    bar_chart(
        doc,
        x0,
        top,
        w,
        h,
        doc.label("sec.by_grade"),
        [g or NONE for g, _ in data.by_grade],
        [n for _, n in data.by_grade],
    )
    bar_chart(
        doc,
        x1,
        top,
        w,
        h,
        doc.label("sec.by_region"),
        [r or NONE for r, _ in data.by_region],
        [n for _, n in data.by_region],
        horizontal=True,
    )
    months = list(data.months)
    short = [m[2:] if len(months) > 8 else m for m in months]
    bar_chart(
        doc,
        x0,
        top - h - gap,
        w,
        h,
        doc.label("sec.new_customers"),
        short,
        list(data.new_customers),
    )
    grouped_bar_chart(
        doc,
        x1,
        top - h - gap,
        w,
        h,
        doc.label("sec.pool"),
        short,
        [(doc.label("pool_in"), data.pool_in), (doc.label("pool_out"), data.pool_out)],
    )
    # page 2: follow-ups per salesperson per month, chart and numbers
    doc.new_page()
    chart_h = min(250.0, doc.y - doc.bottom - 120)
    grouped_bar_chart(
        doc,
        doc.x0,
        doc.y,
        doc.content_width,
        chart_h,
        doc.label("sec.followups_month"),
        months,
        [(s.label, s.values) for s in data.followups_per_user],
        stacked=True,
    )
    doc.space(chart_h + 10)
    cols = [Column(doc.label("col.user"), 2.2, bold=True)]
    cols += [Column(m[2:], 1.0, "r", wrap=False) for m in months]
    cols.append(Column(doc.label("total"), 1.2, "r", bold=True))
    t = Table(doc, cols, size=7.4)
    sums = [0] * len(months)
    for s in data.followups_per_user:
        for i, v in enumerate(s.values):
            sums[i] += v
        t.row([s.label, *(_num(v) for v in s.values), _num(sum(s.values))])
    t.row([doc.label("total"), *(_num(v) for v in sums), _num(sum(sums))], bold=True, shade=HEAD_BG)
    return doc.finish()
