"""Customer export speed: every customer of ``--customers`` demo customers written to CSV and XLSX,
without and with contacts (one row per contact), end to end as a user runs it:
``crm-desktop customers export FILE --database URL --json`` (query, format, write, audit, rename).

``bench/out/demo-N.sqlite3`` (made with ``crm-desktop demo`` when missing) is copied once with the
SQLite backup API into a temporary file, never modified: the export writes an audit row, and
that goes into the copy. Prints, per case, the medians of ``--runs`` runs (rows/s inside the
command, wall time of the process, peak RSS of the process, file size) and the command that
reproduces them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import backup_copy, command_line, ensure_sqlite_database

CASES = (("csv", False), ("csv", True), ("xlsx", False), ("xlsx", True))


def run_export(*args: str) -> tuple[dict[str, object], float, int]:
    """(JSON output, wall seconds, peak RSS in KiB) of one ``crm-desktop customers export``."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "crm_desktop.cli", "customers", "export", *args, "--json"],
            stdout=stdout,
            stderr=stderr,
        )
        # wait4: this child's own peak RSS (RUSAGE_CHILDREN would be the largest of all).
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read().decode(), stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"crm-desktop customers export {' '.join(args)} failed:\n{err}")
    return json.loads(out), wall, usage.ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--formats", default="csv,xlsx", help="comma-separated: csv, xlsx (default both)"
    )
    args = parser.parse_args()
    formats = {f.strip() for f in args.formats.split(",") if f.strip()}
    work = Path(tempfile.mkdtemp(prefix="crm-bench-export-"))
    try:
        original = ensure_sqlite_database(args.customers)
        target = work / "bench.sqlite3"
        started = time.perf_counter()
        backup_copy(original, target)
        print(
            f"backup copy of {original.name}: {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        url = "sqlite:///" + target.as_posix()
        lines: list[str] = []
        for fmt, contacts in CASES:
            if fmt not in formats:
                continue
            rates, walls, rsss, sizes = [], [], [], []
            rows = customers = 0
            for run in range(args.runs):
                out = work / f"export-{run}.{fmt}"
                extra = ["--contacts"] if contacts else []
                result, wall, rss = run_export(str(out), "--database", url, *extra)
                rows = int(result["rows"])  # type: ignore[call-overload]
                customers = int(result["customers"])  # type: ignore[call-overload]
                elapsed = int(result["elapsed_ms"]) / 1000  # type: ignore[call-overload]
                rate = rows / elapsed if elapsed else float("inf")
                size = out.stat().st_size
                out.unlink()
                rates.append(rate)
                walls.append(wall)
                rsss.append(rss)
                sizes.append(size)
                print(
                    f"{fmt}{' +contacts' if contacts else ''} run {run + 1}: {rows:,} rows "
                    f"({customers:,} customers) in {elapsed:.2f} s = {rate:,.0f} rows/s "
                    f"(process {wall:.2f} s, peak RSS {rss / 1024:.0f} MiB, "
                    f"{size / 1e6:.1f} MB)",
                    file=sys.stderr,
                )
            lines.append(
                f"{fmt.upper():4} {'with contacts   ' if contacts else 'customers only  '}"
                f"{rows:>9,} rows ({customers:,} customers): median "
                f"{statistics.median(rates):>9,.0f} rows/s, process "
                f"{statistics.median(walls):6.2f} s, peak RSS "
                f"{statistics.median(rsss) / 1024:4.0f} MiB, file "
                f"{statistics.median(sizes) / 1e6:.1f} MB"
            )
        print(f"customer export from {args.customers:,} customers, SQLite:")
        for line in lines:
            print("  " + line)
        print(f"reproduce: {command_line()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
