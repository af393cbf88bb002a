"""``crm-desktop customers import``, ``import list`` and ``import undo`` as real processes, and
the kill test: ``kill -9`` at a random moment leaves all or none of the file's rows."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.db.test_cli import crm

HEADER = "客户名称,联系人,手机,邮箱,等级\n"


def test_import_json_list_undo_and_search(sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "客户.csv"
    body = (
        "杭州云栖科技有限公司,马一,13812345678,ma@yunqi.cn,A\n杭州云栖科技有限公司,马二,,,\n,x,,,\n"
    )
    path.write_bytes((HEADER + body).encode("gbk"))
    problems = tmp_path / "problems.csv"

    dry = crm("customers", "import", str(path), "--database", sqlite_url, "--json", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["batch_id"] is None

    out = crm(
        "customers",
        "import",
        str(path),
        "--database",
        sqlite_url,
        "--json",
        "--problems",
        str(problems),
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result) == {
        "encoding",
        "rows",
        "created",
        "updated",
        "skipped",
        "problems",
        "batch_id",
        "elapsed_ms",
        "dry_run",
    }
    assert (result["encoding"], result["rows"], result["created"], result["skipped"]) == (
        "gb18030",
        3,
        2,
        1,
    )
    assert {"row": 4, "reason": "no customer name; row skipped"} in result["problems"]
    assert problems.read_text(encoding="utf-8-sig").startswith("row,reason")

    found = crm("customers", "search", "yunqi", "--database", sqlite_url, "--json")
    assert [r["name"] for r in json.loads(found.stdout)["results"]] == ["杭州云栖科技有限公司"]

    listed = crm("import", "list", "--database", sqlite_url, "--json")
    assert [b["status"] for b in json.loads(listed.stdout)] == ["done"]
    undo = crm("import", "undo", str(result["batch_id"]), "--database", sqlite_url, "--json")
    assert undo.returncode == 0, undo.stderr
    assert json.loads(undo.stdout)["removed"] >= 1
    again = crm("import", "undo", str(result["batch_id"]), "--database", sqlite_url)
    assert again.returncode == 1 and "undone already" in again.stderr

    missing = crm("customers", "import", str(tmp_path / "nope.csv"), "--database", sqlite_url)
    assert missing.returncode == 1 and "not found" in missing.stderr.lower()


# The child: the real CLI (``crm_desktop.cli.main``) with SQLite's statement trace on each
# connection (it sees the writes the import makes through the DBAPI cursor too) reporting, on
# stderr and unbuffered, the write statements of the transaction (the first of each table and
# every 500th: executemany runs one per row) and its COMMIT. A kill landed where the last line
# the child wrote before it died says.
KILL_CHILD = r"""
import os, re, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

def say(text):
    os.write(2, ("phase " + text + "\n").encode())

writes = {}
WRITE = re.compile(r"^\s*(INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.I)

def trace(statement):
    found = WRITE.match(statement)
    if found:
        table = found.group(2).lower()
        n = writes[table] = writes.get(table, 0) + 1
        if n == 1 or n % 500 == 0:
            say(f"writing {table} {n}")
    elif writes and statement.strip().upper().startswith("COMMIT"):
        say("committing")

@event.listens_for(Engine, "connect")
def _connect(dbapi_connection, _record):
    dbapi_connection.set_trace_callback(trace)

@event.listens_for(Session, "after_commit")
def _committed(session):
    if writes:
        say("committed")

say("reading")
from crm_desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""
ROW_TABLES = ("customer", "contact")


def landing(lines: list[str]) -> str:
    """Where a kill landed, from the phases the child reported before it died: "reading"
    (before the first write), "batch" (the transaction began, no customer row yet), "rows"
    (customers or contacts being written), "committing", "committed"."""
    phases = [line.removeprefix("phase ") for line in lines if line.startswith("phase ")]
    if "committed" in phases:
        return "committed"
    if "committing" in phases:
        return "committing"
    tables = {p.split()[1] for p in phases if p.startswith("writing ")}
    if tables & set(ROW_TABLES):
        return "rows"
    return "batch" if tables else "reading"


def test_kill_9_leaves_all_or_none(sqlite_url: str, tmp_path: Path) -> None:
    """``kill -9`` of a running import, 22 times: the file's rows are all there or none. Most
    kills are aimed at the write phase (right after the child reports its first write, plus a
    random part of how long writing took in the untouched first run), the others at a random
    moment of the whole run; the test records where each landed and demands that at least
    10 landed while rows were being written inside the transaction (none of those may leave
    a row) — so the all-or-none is proven where it matters, not by luck."""
    rows = 3000
    path = tmp_path / "kill.csv"
    marker = "断电测试"
    lines = [f"{marker}{i:05d}有限公司,联系人{i},1{i % 7 + 3}{i:09d},,B\n" for i in range(rows)]
    path.write_bytes((HEADER + "".join(lines)).encode("gbk"))
    db_file = sqlite_url.removeprefix("sqlite:///")
    command = [
        sys.executable,
        "-c",
        KILL_CHILD,
        "customers",
        "import",
        str(path),
        "--database",
        sqlite_url,
        "--on-duplicate",
        "create",
        "--json",
    ]

    def imported() -> int:
        conn = sqlite3.connect(db_file)
        try:
            assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            return int(
                conn.execute(
                    "SELECT count(*) FROM customer WHERE name LIKE ?", (marker + "%",)
                ).fetchone()[0]
            )
        finally:
            conn.close()

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=dict(os.environ),
        )

    # An untouched run: every phase is reported, and how long each takes.
    started = time.monotonic()
    proc = start()
    assert proc.stderr is not None
    seen: dict[str, float] = {}
    for line in proc.stderr:
        phase = landing([line.strip()])
        seen.setdefault(phase, time.monotonic() - started)
    assert proc.wait() == 0
    assert list(seen) == ["reading", "batch", "rows", "committing", "committed"], seen
    whole = seen["committed"]
    writing = max(seen["committing"] - seen["rows"], 0.02)
    assert imported() == rows

    rnd = random.Random(20261214)
    landed: list[str] = []
    deadline = time.monotonic() + 60
    for run in range(22):
        before = imported()
        proc = start()
        assert proc.stderr is not None
        t0 = time.monotonic()
        reported: list[str] = []
        if run % 4 == 3:  # a random moment of the whole run
            time.sleep(rnd.uniform(0.0, whole * 1.1))
        else:  # aimed: once rows are being written, a random part of the writing time
            for line in proc.stderr:
                reported.append(line.strip())
                if landing(reported) != "reading" and landing(reported) != "batch":
                    break
                if time.monotonic() - t0 > 30:
                    break
            time.sleep(rnd.uniform(0.0, writing * 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reported.extend(line.strip() for line in proc.stderr.read().splitlines())
        proc.stderr.close()
        where = landing(reported) if proc.returncode == -signal.SIGKILL else "finished"
        landed.append(where)
        count = imported()
        assert count in (before, before + rows), (where, before, count)  # all or none
        if where in ("reading", "batch", "rows"):
            assert count == before, (where, count)  # killed before the commit: nothing
        if where in ("committed", "finished"):
            assert count == before + rows, (where, count)
        if len(landed) >= 20 and time.monotonic() > deadline:
            break  # a slow machine: the 20 the issue asks for are done
    tally = {where: landed.count(where) for where in dict.fromkeys(landed)}
    print("kills landed:", tally)
    assert len(landed) >= 20, tally
    assert landed.count("rows") >= 10, tally
    # The database still opens and works for the app.
    listed = crm("import", "list", "--database", sqlite_url, "--json")
    assert listed.returncode == 0, listed.stderr
