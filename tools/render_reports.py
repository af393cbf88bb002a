"""Build every report from the sample data into docs/reports/ and render page 1 to PNG.

    python tools/render_reports.py [--lang zh_CN|en] [--out docs/reports] [--rows 300]

Needs ``pdftoppm`` (poppler-utils). Writes <kind>.pdf and <kind>-p1.png (60 dpi)."""

from __future__ import annotations

import argparse
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from crm_desktop.reports import (
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
from crm_desktop.reports.data import Language


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="zh_CN", choices=("zh_CN", "en"))
    parser.add_argument("--out", default="docs/reports", type=Path)
    parser.add_argument("--rows", default=300, type=int)
    parser.add_argument("--dpi", default=60, type=int)
    args = parser.parse_args()
    lang: Language = args.lang
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    suffix = "" if lang == "zh_CN" else "-en"
    jobs: dict[str, Callable[[], bytes]] = {
        "roster": lambda: build_roster(samples.roster(args.rows, lang)),
        "followups": lambda: build_followups(samples.followups(args.rows, lang)),
        "overdue": lambda: build_overdue(samples.overdue(args.rows // 2, lang)),
        "dormant": lambda: build_dormant(samples.dormant(args.rows // 2, lang)),
        "profile": lambda: build_profile(samples.profile(lang)),
        "handover": lambda: build_handover(samples.handover(40, lang)),
        "dashboard": lambda: build_dashboard(samples.dashboard(lang)),
    }
    for kind, job in jobs.items():
        started = time.perf_counter()
        pdf = job()
        elapsed = (time.perf_counter() - started) * 1000
        path = out / f"{kind}{suffix}.pdf"
        path.write_bytes(pdf)
        stem = out / f"{kind}{suffix}-p1"
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(args.dpi),
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(path),
                str(stem),
            ],
            check=True,
        )
        print(
            f"{kind}: {page_count(pdf)} pages, {len(pdf) / 1024:.0f} KiB, {elapsed:.0f} ms "
            f"→ {stem}.png"
        )


if __name__ == "__main__":
    main()
