"""Generate N demo customers (the data set later benchmarks use) and print how fast it went.

python bench/generate.py --customers 1000000                 # SQLite file in bench/out/
python bench/generate.py --customers 100000 --database postgresql://…
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import command_line, sqlite_bench_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database", help="a URL; default: a fresh SQLite file in bench/out/")
    args = parser.parse_args()

    from crm_desktop.core.paths import sqlite_url
    from crm_desktop.services.database import open_database, upgrade_database
    from crm_desktop.services.demo import generate_demo

    if args.database:
        url = args.database
    else:
        path = sqlite_bench_path(args.customers)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = sqlite_url(path)
    upgrade_database(url)
    db = open_database(url)
    started = time.perf_counter()
    with db.session_factory.begin() as session:
        result = generate_demo(session, customers=args.customers)
    elapsed = time.perf_counter() - started
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    rows = result.customers + result.contacts + result.followups + result.customers
    print(f"command: {command_line()}")
    print(f"database: {db.label}")
    print(
        f"customers: {result.customers:,}  contacts: {result.contacts:,}  "
        f"follow-ups: {result.followups:,}  pool: {result.pool:,}"
    )
    print(f"elapsed (generate + commit): {elapsed:.1f} s")
    print(f"rate: {result.customers / elapsed:,.0f} customers/s, {rows / elapsed:,.0f} rows/s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if db.dialect == "sqlite" and db.url.database:
        print(f"file size: {os.path.getsize(db.url.database) / 2**20:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
