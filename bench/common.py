"""Helpers shared by the bench scripts: the reproducing command line and cached databases."""

from __future__ import annotations

import shlex
import sqlite3
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"  # git-ignored


def backup_copy(source: Path, target: Path) -> None:
    """A copy made through SQLite's online backup API (never a file copy)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=65536)
    finally:
        dst.close()
        src.close()


def command_line() -> str:
    """The command that reproduces this run, relative to the repository root."""
    script = Path(sys.argv[0]).resolve()
    try:
        shown = script.relative_to(BENCH_DIR.parent).as_posix()
    except ValueError:
        shown = script.name
    return " ".join(["python", shown, *map(shlex.quote, sys.argv[1:])])


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.1f} ms"


def sqlite_bench_path(customers: int, followups_per_customer: float | None = None) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    mix = "" if followups_per_customer is None else f"-f{followups_per_customer:g}"
    return OUT_DIR / f"demo-{customers}{mix}.sqlite3"


def ensure_sqlite_database(
    customers: int, *, quiet: bool = False, followups_per_customer: float | None = None
) -> Path:
    """A SQLite file with ``customers`` demo customers (and ``followups_per_customer`` on
    average, default the demo's usual mix), generated once and then reused."""
    from crm_desktop.core.paths import sqlite_url
    from crm_desktop.services.database import open_database
    from crm_desktop.services.demo import generate_demo
    from crm_desktop.services.stats import database_counts

    path = sqlite_bench_path(customers, followups_per_customer)
    if path.exists():
        # Older bench files are migrated in place (a new index on 1M rows beats regenerating).
        db = open_database(sqlite_url(path), upgrade=True)
        try:
            with db.session_factory.begin() as s:
                if database_counts(s).customers == customers:
                    return path
        finally:
            db.dispose()
        path.unlink()
    if not quiet:
        print(f"generating {customers:,} demo customers into {path} …", file=sys.stderr)
    db = open_database(sqlite_url(path), create=True)
    try:
        with db.session_factory.begin() as s:
            generate_demo(s, customers=customers, followups_per_customer=followups_per_customer)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()
    return path


def ensure_postgresql(
    url: str, customers: int, followups_per_customer: float | None = None
) -> None:
    """Migrate ``url`` and fill it with the demo data unless it already holds ``customers``;
    fresh planner statistics either way (what autovacuum would have gathered by now)."""
    from crm_desktop.services.database import open_database, upgrade_database
    from crm_desktop.services.demo import generate_demo
    from crm_desktop.services.stats import database_counts

    upgrade_database(url)
    db = open_database(url)
    try:
        with db.session_factory.begin() as s:
            have = database_counts(s).customers
        if have not in (0, customers):
            raise SystemExit(
                f"{url} holds {have:,} customers, not {customers:,}: use an empty database"
            )
        if not have:
            print(f"loading {customers:,} demo customers into {db.label} …", file=sys.stderr)
            started = time.perf_counter()
            with db.session_factory.begin() as s:
                generate_demo(s, customers=customers, followups_per_customer=followups_per_customer)
            print(f"loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE"
                )
    finally:
        db.dispose()
