"""The customer list on 1,000,000 customers: start-up until the list is painted, jumps to far
rows, and the process's peak memory (issue 3; DESIGN §12 targets 0.8 s, 50 ms, 200 MB).

    python bench/list.py                          # 1,000,000 demo customers, 5 runs, 20 jumps
    python bench/list.py --customers 1000 --runs 3
    python bench/list.py --file bench/out/demo-1000000-listidx.sqlite3   # another database file
    python bench/list.py --database postgresql://USER@HOST/DB   # Shared mode (demo loaded if
                                                                # the database is empty)

On PostgreSQL the child signs in as Shared mode does (the database login is the user: no
argon2, no dialog) and builds the main window directly.

Each run is a fresh ``python`` process (the first one only warms the OS file cache). The child
starts the GUI exactly as ``run_gui`` does (logging, QApplication, language, style, then the
AppController: open the database, sign in with argon2, build and show the main window, which
opens on the Customers page), with one difference: it does not quit when the window is first
painted but waits for the list. Measured in the child, from its own process start (Linux /proc):

- **main window painted**: the window is on screen (the point bench/startup.py measures);
- **first rows painted**: the first page of the list, read with one keyset query while the ids
  are still loading, was painted;
- **first rows + count painted** — the list is usable (a): that page and the list's COUNT
  (another read) are shown: the status says "1,000,000 customers", the scroll bar is final and
  the user can read, select, open and scroll; rows past the first page show placeholders until
  the ids arrive (they fill in without a reset). The ids are asked for only after this paint:
  building 1M Python rows holds the GIL the window needs to build and paint;
- **ids loaded**: the ordered ids of the whole list arrived (1M rows in the model);
- **list painted**: the rows at the top of the list arrived from their page fetch after the
  ids and the window was repainted with them.

Then (b) 20 jumps, the first to row 500,000 and the rest to random rows: ``scrollTo`` the row,
paint (placeholders, which asks for the missing pages), wait until the pages of every visible
row arrived, paint again; the time from the scroll until that last paint ended. And (c) the
peak RSS of the child (``resource.getrusage``) after all of it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import command_line, ensure_postgresql, ensure_sqlite_database
from startup import LOGIN, PASSWORD, prepare

TARGET_START_S = 0.8
TARGET_JUMP_MS = 50.0
TARGET_RSS_MB = 200.0


def child(url: str, login: str, password: str, jumps: int, seed: int) -> int:
    """One measured GUI process; prints one JSON line with its figures."""
    import random
    import resource
    import time

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QAbstractItemView

    from crm_desktop.core.settings import load_settings
    from crm_desktop.ui.app import (
        AppController,
        create_application,
        seconds_since_start,
        setup_logging,
    )
    from crm_desktop.ui.i18n import Translations, choose_language
    from crm_desktop.ui.style import apply_style

    marks: dict[str, float] = {}
    peaks: dict[str, float] = {}  # the process's peak RSS (MB) when each mark was reached

    def peak_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    def mark(name: str) -> None:
        if name not in marks:
            marks[name] = seconds_since_start()
            peaks[name] = peak_mb()

    jump_ms: list[float] = []
    failures: list[str] = []

    setup_logging()
    app = create_application(["crm-desktop"])
    app.setQuitOnLastWindowClosed(False)
    settings = load_settings()
    translations = Translations(app)
    translations.apply(choose_language(settings.language))
    apply_style(app)
    controller = AppController(
        settings=settings, translations=translations, database=url, autologin=(login, password)
    )

    def visible_loaded(page: object) -> bool:
        view = page.view  # type: ignore[attr-defined]
        model = page.model  # type: ignore[attr-defined]
        top = view.rowAt(0)
        bottom = view.rowAt(view.viewport().height() - 1)
        if top < 0:
            return True
        if bottom < 0:
            bottom = model.rowCount() - 1
        return all(model.is_row_loaded(r) for r in (top, bottom))

    def run_jumps(window: object) -> None:
        page = window.customers_page  # type: ignore[attr-defined]
        view, model = page.view, page.model
        rows = model.rowCount()
        rng = random.Random(seed)
        targets = [min(500_000, rows - 1)] + [rng.randrange(rows) for _ in range(jumps - 1)]
        loop = QEventLoop()
        timeout = QTimer()
        timeout.setSingleShot(True)
        timeout.timeout.connect(loop.quit)

        def on_page(_page: int) -> None:
            if visible_loaded(page):
                loop.quit()

        model.sig_page_loaded.connect(on_page)
        for row in targets:
            started = time.perf_counter()
            view.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
            view.viewport().repaint()  # what the scroll shows at once: asks for the pages
            if not visible_loaded(page):
                timeout.start(5_000)
                loop.exec()
                timeout.stop()
            view.viewport().repaint()
            elapsed = time.perf_counter() - started
            if not visible_loaded(page):
                failures.append(f"row {row}: page did not arrive")
            jump_ms.append(elapsed * 1000.0)
        model.sig_page_loaded.disconnect(on_page)

    def on_rows_shown(window: object) -> None:
        window.repaint()  # type: ignore[attr-defined]
        if "list_painted" in marks:
            return
        mark("list_painted")
        QTimer.singleShot(0, lambda: finish(window))

    def on_preview_shown(window: object) -> None:
        window.repaint()  # type: ignore[attr-defined]
        mark("first_rows_painted")
        on_preview_count(window)

    def on_preview_count(window: object) -> None:
        model = window.customers_page.model  # type: ignore[attr-defined]
        # The count arrived (more rows than known ids) and the first rows are there.
        if model.is_preview and model.rowCount() > len(model.ids) and model.is_row_loaded(0):
            window.repaint()  # type: ignore[attr-defined]
            mark("counted_preview_painted")

    def finish(window: object) -> None:
        try:
            run_jumps(window)
        except Exception as exc:  # reported, not hidden
            failures.append(repr(exc))
        app.exit(0)

    def on_shown(window: object) -> None:
        page = window.customers_page  # type: ignore[attr-defined]
        page.sig_ids_loaded.connect(lambda _n: mark("ids_loaded"))
        page.sig_rows_shown.connect(lambda: on_rows_shown(window))
        page.sig_preview_shown.connect(lambda: on_preview_shown(window))
        page.model.rowsInserted.connect(lambda *_args: on_preview_count(window))

        def painted() -> None:
            window.repaint()  # type: ignore[attr-defined]
            mark("main_window_painted")

        QTimer.singleShot(0, painted)

    QTimer.singleShot(120_000, lambda: app.exit(3))
    if url.startswith("postgres"):
        # Shared mode: the PostgreSQL login is the sign-in (no argon2, no dialog here).
        from crm_desktop.services.database import open_database
        from crm_desktop.services.users import sign_in_shared
        from crm_desktop.ui.app import build_main_window

        db = open_database(url)
        try:
            with db.session_factory.begin() as s:
                actor = sign_in_shared(s)
            shown = build_main_window(db, actor, settings, translations=translations)
            shown.show()
            on_shown(shown)
            code = app.exec()
            rows = shown.customers_page.model.rowCount()
            shown.runner.shutdown()
        finally:
            db.dispose()
    else:
        controller.sig_main_window_shown.connect(on_shown)
        try:
            if not controller.start():
                return 1
            code = app.exec()
            window = controller.main_window
            rows = window.customers_page.model.rowCount() if window is not None else 0
        finally:
            controller.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "marks": marks,
                "peaks": peaks,
                "jump_ms": jump_ms,
                "rows": rows,
                "peak_rss_mb": peak_kb / 1024.0,
                "failures": failures,
                "code": code,
            }
        ),
        flush=True,
    )
    return 0 if code == 0 and not failures else 1


def prepare_shared(url: str) -> None:
    """The PostgreSQL login of ``url`` as a crm-desktop administrator (Shared mode sign-in)."""
    from sqlalchemy import text

    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.database import open_database
    from crm_desktop.services.users import add_user, list_users

    db = open_database(url)
    try:
        with db.session_factory.begin() as s:
            login = str(s.scalar(text("SELECT current_user")))
            if login not in {u.login for u in list_users(s)}:
                add_user(s, login=login, display_name="Bench", role="admin", actor=SYSTEM)
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path, help="use this SQLite file instead of the demo one")
    parser.add_argument(
        "--database", help="a postgresql:// URL (Shared mode; loads the demo data if missing)"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jumps", type=int, default=20)
    parser.add_argument(
        "--child", nargs=3, metavar=("URL", "LOGIN", "PASSWORD"), help=argparse.SUPPRESS
    )
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child, jumps=args.jumps, seed=args.seed)

    from crm_desktop.core.paths import sqlite_url

    if args.database:
        url = args.database
        ensure_postgresql(url, args.customers)
        prepare_shared(url)
        label = url.rsplit("/", 1)[-1].split("?")[0] + " (PostgreSQL)"
    else:
        path = args.file.resolve() if args.file else ensure_sqlite_database(args.customers)
        prepare(path)
        url, label = sqlite_url(path), path.name
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as home:
        env["CRM_DESKTOP_HOME"] = home  # no settings or logs of the user's
        for run in range(args.runs + 1):
            out = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--jumps", str(args.jumps),
                 "--seed", str(run + 1), "--child", url, LOGIN, PASSWORD],
                capture_output=True, text=True, env=env, timeout=300, check=False,
            )  # fmt: skip
            line = next((x for x in out.stdout.splitlines() if x.startswith("{")), None)
            if out.returncode != 0 or line is None:
                print(out.stdout, out.stderr, file=sys.stderr)
                return 1
            if run == 0:
                continue  # the first run warms the OS file cache
            results.append(json.loads(line))

    def med(key: str) -> float:
        return statistics.median(float(r["marks"][key]) for r in results)  # type: ignore[index]

    jumps = [ms for r in results for ms in r["jump_ms"]]  # type: ignore[attr-defined]
    first_jumps = [float(r["jump_ms"][0]) for r in results]  # type: ignore[index]
    rss = max(float(r["peak_rss_mb"]) for r in results)  # type: ignore[arg-type]
    rows = int(results[0]["rows"])  # type: ignore[call-overload]
    print(f"command: {command_line()}")
    print(f"database: {label} ({rows:,} customers in the list), {len(results)} runs")
    print(f"process start → main window painted:  median {med('main_window_painted'):.3f} s")
    values = [r["marks"].get("first_rows_painted") for r in results]  # type: ignore[attr-defined]
    if all(v is not None for v in values):
        middle = statistics.median(float(v) for v in values)  # type: ignore[arg-type]
        print(f"process start → first rows painted (one keyset query): median {middle:.3f} s")
    usable_runs = [r["marks"].get("counted_preview_painted") for r in results]  # type: ignore[attr-defined]
    painted = med("list_painted")
    if all(v is not None for v in usable_runs):
        usable = statistics.median(float(v) for v in usable_runs)  # type: ignore[arg-type]
        verdict = "ok" if usable <= TARGET_START_S else "OVER TARGET"
        print(
            f"(a) process start → list usable — first rows, final count and scroll bar of all "
            f"{rows:,} painted: median {usable:.3f} s (target ≤ {TARGET_START_S} s: {verdict})"
        )
    print(
        f"    process start → ids of the whole list loaded: median {med('ids_loaded'):.3f} s; "
        f"their rows painted: median {painted:.3f} s (until then rows past the first page "
        f"show placeholders)"
    )
    jump = statistics.median(jumps)
    verdict = "ok" if jump <= TARGET_JUMP_MS else "OVER TARGET"
    print(
        f"(b) jump → rows painted: median {jump:.1f} ms over {len(jumps)} jumps "
        f"(to row 500,000: median {statistics.median(first_jumps):.1f} ms; "
        f"max {max(jumps):.1f} ms) (target ≤ {TARGET_JUMP_MS:.0f} ms: {verdict})"
    )
    peaks = {
        key: max(float(r["peaks"].get(key, 0.0)) for r in results)  # type: ignore[attr-defined]
        for key in ("main_window_painted", "ids_loaded", "list_painted")
    }
    print(
        "    peak RSS reached by: "
        + ", ".join(f"{key.replace('_', ' ')} {mb:.0f} MB" for key, mb in peaks.items())
    )
    verdict = "ok" if rss <= TARGET_RSS_MB else "OVER TARGET"
    print(
        f"(c) peak RSS: {rss:.0f} MB (max of the runs) (target ≤ {TARGET_RSS_MB:.0f} MB: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
