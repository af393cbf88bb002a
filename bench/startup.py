"""Start-up time: a new process until the main window is painted (median of several runs).

    python bench/startup.py                       # empty company database (demo: 1,000 customers)
    python bench/startup.py --customers 1000000   # the 1M-customer database of bench/generate.py
    python bench/startup.py --frozen              # the PyInstaller bundle (installer/build.py)
    python bench/startup.py --frozen PATH         # … or another build of it

Each run is a fresh `python` process that opens the SQLite database, signs in (argon2 check
included) and paints the main window offscreen; the child reports the time since its own
process start (Linux /proc), so interpreter start-up and every import count. With ``--frozen``
the child is the bundled executable (its hidden ``--bench-startup URL LOGIN PASSWORD`` does what
CHILD does).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import command_line, ensure_sqlite_database

LOGIN, PASSWORD = "bench.admin", "bench-password"
CHILD = (
    "import sys; from crm_desktop.ui.app import run_gui; "
    "sys.exit(run_gui(database=sys.argv[1], autologin=(sys.argv[2], sys.argv[3]), "
    "exit_when_shown=True))"
)
FROZEN = (
    Path(__file__).resolve().parents[1]
    / "dist"
    / "crm-desktop"
    / ("crm-desktop.exe" if sys.platform == "win32" else "crm-desktop")
)


def prepare(path: Path) -> None:
    """Make sure the database has a company and the bench administrator."""
    from crm_desktop.core.paths import sqlite_url
    from crm_desktop.services.company import company_info, initialize_company
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.database import open_database
    from crm_desktop.services.users import add_user, list_users

    db = open_database(sqlite_url(path), create=True, upgrade=True)
    try:
        with db.session_factory.begin() as s:
            if not company_info(s).initialized:
                initialize_company(
                    s,
                    company_name="华东精密仪器有限公司",
                    language="zh_CN",
                    admin_login=LOGIN,
                    admin_name="Bench",
                    admin_password=PASSWORD,
                )
            elif LOGIN not in {u.login for u in list_users(s)}:
                add_user(
                    s,
                    login=LOGIN,
                    display_name="Bench",
                    role="admin",
                    password=PASSWORD,
                    actor=SYSTEM,
                )
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--frozen",
        nargs="?",
        const=str(FROZEN),
        metavar="PATH",
        help=f"run the bundled executable (default {FROZEN.relative_to(FROZEN.parents[2])})",
    )
    args = parser.parse_args()
    if args.frozen and not Path(args.frozen).is_file():
        parser.error(f"--frozen: no {args.frozen}; build it: python installer/build.py")

    from crm_desktop.core.paths import sqlite_url

    path = ensure_sqlite_database(args.customers)
    prepare(path)
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    painted: list[float] = []
    walls: list[float] = []
    with tempfile.TemporaryDirectory() as home:
        env["CRM_DESKTOP_HOME"] = home  # no settings or logs of the user's
        for run in range(args.runs + 1):
            started = time.perf_counter()
            child = (
                [args.frozen, "--bench-startup"] if args.frozen else [sys.executable, "-c", CHILD]
            )
            out = subprocess.run(
                [*child, sqlite_url(path), LOGIN, PASSWORD],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=False,
            )
            wall = time.perf_counter() - started
            line = next((x for x in out.stdout.splitlines() if "painted after" in x), None)
            if out.returncode != 0 or line is None:
                print(out.stdout, out.stderr, file=sys.stderr)
                return 1
            if run == 0:
                continue  # the first run warms the OS file cache
            painted.append(float(line.rsplit(" ", 2)[1]))
            walls.append(wall)
    print(f"command: {command_line()}")
    print(f"database: {path.name} ({args.customers:,} demo customers)")
    print(f"child: {args.frozen or 'python -c CHILD (source checkout)'}")
    print(
        f"process start → main window painted: median {statistics.median(painted):.3f} s "
        f"(min {min(painted):.3f}, max {max(painted):.3f}, {len(painted)} runs)"
    )
    print(f"whole process incl. exit: median {statistics.median(walls):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
