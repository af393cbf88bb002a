"""PDF reports (issue 6, DESIGN §12): the roster of 10,000 customers (data + build, and the build
alone), one customer's profile sheet, and the dashboard over 1,000,000 customers — each as
``render_report`` gives it to the GUI and the CLI, in its own read session, as the system actor
(every customer). Medians of the runs; the machine's load average is printed beside them (the
bench machine has 2 cores, often shared).

python bench/reports.py                        # SQLite files in bench/out/ (made once, reused)
python bench/reports.py --skip-dashboard       # without the 1M database
python bench/reports.py --repeat 5 --dashboard-repeat 3

Targets: roster 10,000 ≤ 3 s, profile ≤ 100 ms, dashboard 1M ≤ 5 s (medians).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import command_line, ensure_sqlite_database

ROSTER_TARGET_S = 3.0
PROFILE_TARGET_MS = 100.0
DASHBOARD_TARGET_S = 5.0


def timed(fn: Callable[[], Any], repeat: int, *, warm: bool = True) -> tuple[list[float], Any]:
    """``repeat`` runs of ``fn`` in seconds, after one warm-up run (unless ``warm`` is False)."""
    result = fn() if warm else None
    samples: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return samples, result


def line(label: str, samples: list[float], target: str, unit: str = "s") -> None:
    med = statistics.median(samples)
    shown = f"{med * 1000:8.1f} ms" if unit == "ms" else f"{med:8.2f} s "
    spread = (
        f"(min {min(samples) * 1000:.0f} ms, max {max(samples) * 1000:.0f} ms, n={len(samples)})"
    )
    print(f"  {label:<34} {shown}  target {target:<8} {spread}")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs of the roster and profile")
    parser.add_argument("--dashboard-repeat", type=int, default=3)
    parser.add_argument("--skip-dashboard", action="store_true")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from crm_desktop.core.paths import sqlite_url
    from crm_desktop.db.models import Customer, Followup
    from crm_desktop.reports import build_roster
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.database import open_database
    from crm_desktop.services.reports import ReportFilters, render_report, report_data

    print(f"reports bench — {load()}")
    db = open_database(sqlite_url(ensure_sqlite_database(10_000)))
    try:

        def roster() -> Any:
            with db.read_session_factory() as s:
                return render_report(s, "roster", ReportFilters(), SYSTEM)

        def roster_data() -> Any:
            with db.read_session_factory() as s:
                return report_data(s, "roster", ReportFilters(), SYSTEM)

        with db.read_session_factory() as s:
            # The customer with the most follow-ups: the fullest profile sheet.
            busiest = s.execute(
                select(Followup.customer_id, func.count())
                .group_by(Followup.customer_id)
                .order_by(func.count().desc())
                .limit(1)
            ).one()
            customers = s.scalar(select(func.count()).select_from(Customer)) or 0

        def profile() -> Any:
            with db.read_session_factory() as s:
                return render_report(s, "profile", ReportFilters(customer_id=busiest[0]), SYSTEM)

        full, out = timed(roster, args.repeat)
        data_only, data = timed(roster_data, args.repeat)
        build_only, _pdf = timed(lambda: build_roster(data), args.repeat)
        prof, prof_out = timed(profile, args.repeat * 4)
        print(f"\nroster, {customers:,} customers: {out.pages} pages, {len(out.pdf) / 1e6:.1f} MB")
        line("roster: data + build", full, f"{ROSTER_TARGET_S:.0f} s")
        line("roster: data (SQL)", data_only, "")
        line("roster: build alone", build_only, "")
        print(
            f"profile sheet, customer {busiest[0]} ({busiest[1]} follow-ups): "
            f"{prof_out.pages} pages"
        )
        line("profile: data + build", prof, f"{PROFILE_TARGET_MS:.0f} ms", unit="ms")
    finally:
        db.dispose()

    if not args.skip_dashboard:
        big = open_database(sqlite_url(ensure_sqlite_database(1_000_000)))
        try:

            def dashboard() -> Any:
                with big.read_session_factory() as s:
                    return render_report(s, "dashboard", ReportFilters(), SYSTEM)

            def dashboard_data() -> Any:
                with big.read_session_factory() as s:
                    return report_data(s, "dashboard", ReportFilters(), SYSTEM)

            # The first run warms the page cache (a 4 GB file); it is timed and shown apart.
            cold, _ = timed(dashboard, 1, warm=False)
            dash, dash_out = timed(dashboard, args.dashboard_repeat, warm=False)
            dash_data, _ = timed(dashboard_data, args.dashboard_repeat, warm=False)
            print(f"\ndashboard, {dash_out.customers:,} customers: {dash_out.pages} pages")
            line("dashboard: first run (cold cache)", cold, "")
            line("dashboard: data + build", dash, f"{DASHBOARD_TARGET_S:.0f} s")
            line("dashboard: data (SQL)", dash_data, "")
        finally:
            big.dispose()
    print(f"\n{load()}")
    print(f"reproduce: {command_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
