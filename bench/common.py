"""Helpers shared by the bench scripts: the reproducing command line and cached databases."""

from __future__ import annotations

import shlex
import statistics
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"  # git-ignored


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


def sqlite_bench_path(customers: int) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUT_DIR / f"demo-{customers}.sqlite3"


def ensure_sqlite_database(customers: int, *, quiet: bool = False) -> Path:
    """A SQLite file with ``customers`` demo customers, generated once and then reused."""
    from crm_desktop.core.paths import sqlite_url
    from crm_desktop.services.database import open_database
    from crm_desktop.services.demo import generate_demo
    from crm_desktop.services.stats import database_counts

    path = sqlite_bench_path(customers)
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
            generate_demo(s, customers=customers)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()
    return path
