"""PDF report builders with reportlab: DTOs in, PDF bytes out (no DB, no Qt).

Builders import reportlab lazily (DESIGN §12: start-up stays fast); the DTOs are plain."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crm_desktop.reports import samples
from crm_desktop.reports.data import (
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
)

if TYPE_CHECKING:
    from crm_desktop.core.progress import Progress

REPORT_KINDS = ("roster", "followups", "overdue", "dormant", "profile", "handover", "dashboard")


def build_roster(data: RosterData, *, progress: Progress | None = None) -> bytes:
    from crm_desktop.reports.builders import roster

    return roster(data, progress=progress)


def build_followups(data: FollowupsData, *, progress: Progress | None = None) -> bytes:
    from crm_desktop.reports.builders import followups

    return followups(data, progress=progress)


def build_overdue(data: OverdueData, *, progress: Progress | None = None) -> bytes:
    from crm_desktop.reports.builders import overdue

    return overdue(data, progress=progress)


def build_dormant(data: DormantData, *, progress: Progress | None = None) -> bytes:
    from crm_desktop.reports.builders import dormant

    return dormant(data, progress=progress)


def build_profile(data: ProfileData) -> bytes:
    from crm_desktop.reports.builders import profile

    return profile(data)


def build_handover(data: HandoverData) -> bytes:
    from crm_desktop.reports.builders import handover

    return handover(data)


def build_dashboard(data: DashboardData) -> bytes:
    from crm_desktop.reports.builders import dashboard

    return dashboard(data)


_COUNT_RE = re.compile(
    rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b"
)


def page_count(pdf: bytes) -> int:
    """The number of pages of one of our PDFs: the root /Pages /Count, read without parsing.

    reportlab writes no object streams, so the /Pages dictionary is plain text; in a nested page
    tree the root holds the largest /Count."""
    best = 0
    for match in _COUNT_RE.finditer(pdf):
        best = max(best, int(match.group(1) or match.group(2)))
    if not best:
        raise ValueError("not a PDF with a plain /Pages /Count")
    return best


__all__ = [
    "REPORT_KINDS",
    "ROSTER_MAX_ROWS",
    "ContactLine",
    "DashboardData",
    "DormantData",
    "DormantRow",
    "FollowupRow",
    "FollowupStat",
    "FollowupsData",
    "HandoverCustomer",
    "HandoverData",
    "Language",
    "OverdueData",
    "OverdueRow",
    "ProfileData",
    "ReportHeader",
    "RosterData",
    "RosterRow",
    "Series",
    "build_dashboard",
    "build_dormant",
    "build_followups",
    "build_handover",
    "build_overdue",
    "build_profile",
    "build_roster",
    "page_count",
    "samples",
]
