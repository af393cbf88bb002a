"""`pool reclaim` over 1,000,000 demo customers (issue 4): every owned customer checked against
its grade's rule, the overdue ones moved to the public pool with an ownership_change and an
audit row each.

The reclaim changes the data, so the moving run happens on a throwaway copy of the bench data:
SQLite — a copy made with the sqlite3 backup API; PostgreSQL — ``CREATE DATABASE … TEMPLATE``
(the URL's user must be allowed to create databases). Measured there: the dry run (what
``--dry-run`` and the app's check cost), the first real run (it moves the customers the demo made
overdue, commit included), the next runs (nothing left to move: the hourly case) and the command
line as a scheduled job runs it.

python bench/pool.py                                      # SQLite file in bench/out/ (made once)
python bench/pool.py --database postgresql://USER@HOST/DB    # loads the demo data if missing

Target: ≤ 10 s for a reclaim over 1M customers.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT_DIR, command_line
from today import add_data_arguments, database_url, percentile

TARGET_S = 10.0


def _sqlite_copy(url: str) -> tuple[str, Path]:
    """A fresh copy of the SQLite bench file (the sqlite3 backup API: consistent even if
    someone has it open)."""
    source = Path(url.removeprefix("sqlite:///"))
    target = OUT_DIR / (source.stem + "-reclaim.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return "sqlite:///" + target.as_posix(), target


def _pg_copy(url: str) -> tuple[str, str]:
    """A fresh ``CREATE DATABASE … TEMPLATE`` copy of the PostgreSQL bench database."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from crm_desktop.db.engine import normalize_url

    source = make_url(normalize_url(url))
    name = f"{source.database}_reclaim"
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"')
    finally:
        admin.dispose()
    return source.set(database=name).render_as_string(hide_password=False), name


def _pg_drop(url: str, name: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from crm_desktop.db.engine import normalize_url

    admin = create_engine(
        make_url(normalize_url(url)).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def _reclaim_once(db: Any, *, dry_run: bool, now: datetime) -> tuple[float, Any]:
    from crm_desktop.services.pool import reclaim

    started = time.perf_counter()
    with db.session_factory.begin() as s:
        result = reclaim(s, now=now, dry_run=dry_run)
    return time.perf_counter() - started, result


def _line(label: str, samples: list[float], extra: str) -> str:
    return (
        f"{label:<44}{statistics.median(samples):>9.2f}{percentile(samples, 95):>9.2f}"
        f"{max(samples):>9.2f}  {extra}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_data_arguments(parser)
    parser.add_argument("--repeat", type=int, default=5, help="runs of the repeatable cases")
    parser.add_argument("--keep-copy", action="store_true", help="leave the reclaimed copy")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from crm_desktop.db.models import Customer
    from crm_desktop.services.database import open_database

    url = database_url(args)
    postgres = url.startswith("postgres")
    print("copying the bench data for the reclaim …", file=sys.stderr)
    started = time.perf_counter()
    copy_url, handle = _pg_copy(url) if postgres else _sqlite_copy(url)
    copy_s = time.perf_counter() - started
    now = datetime.now(UTC)
    db = open_database(copy_url)
    try:
        with db.read_session_factory() as s:
            customers = s.scalar(select(func.count()).select_from(Customer)) or 0
            owned = (
                s.scalar(
                    select(func.count()).select_from(Customer).where(Customer.owner_id.is_not(None))
                )
                or 0
            )
        print(f"command: {command_line()}")
        print(
            f"database: {db.label} (a copy made in {copy_s:.0f} s), {customers:,} customers, "
            f"{owned:,} owned; seconds"
        )
        print(f"{'':<44}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")

        dry: list[float] = []
        for _ in range(args.repeat):
            elapsed, result = _reclaim_once(db, dry_run=True, now=now)
            dry.append(elapsed)
        would = len(result.items)
        print(_line("reclaim --dry-run (nothing moves)", dry, f"{would:,} would move"))

        first, result = _reclaim_once(db, dry_run=False, now=now)
        moved = len(result.items)
        rules: dict[str, int] = {}
        for item in result.items:
            rules[item.rule] = rules.get(item.rule, 0) + 1
        print(_line("reclaim, first run (moves, commits)", [first], f"{moved:,} moved {rules}"))

        again: list[float] = []
        for _ in range(args.repeat):
            elapsed, result = _reclaim_once(db, dry_run=False, now=now)
            again.append(elapsed)
            assert not result.items, "a second reclaim moved customers again"
        print(_line("reclaim, next runs (nothing left to move)", again, "0 moved"))
        db.dispose()

        cli: list[float] = []
        for _ in range(max(1, args.repeat // 2)):
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-m", "crm_desktop.cli", "pool", "reclaim", "--json",
                 "--database", copy_url],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            cli.append(time.perf_counter() - started)
            assert json.loads(out.stdout)["moved"] == 0
        print(_line("crm-desktop pool reclaim --json (process)", cli, "0 moved"))
        worst = max(first, statistics.median(dry), statistics.median(again))
        print(
            f"slowest reclaim: {worst:.2f} s — target ≤ {TARGET_S:.0f} s: "
            f"{'met' if worst <= TARGET_S else 'MISSED'}"
        )
    finally:
        db.dispose()
        if not args.keep_copy:
            if postgres:
                _pg_drop(url, str(handle))
            else:
                for suffix in ("", "-wal", "-shm"):
                    Path(str(handle) + suffix).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
