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


def test_kill_9_leaves_all_or_none(sqlite_url: str, tmp_path: Path) -> None:
    rows = 3000
    path = tmp_path / "kill.csv"
    marker = "断电测试"
    lines = [f"{marker}{i:05d}有限公司,联系人{i},1{i % 7 + 3}{i:09d},,B\n" for i in range(rows)]
    path.write_bytes((HEADER + "".join(lines)).encode("gbk"))
    db_file = sqlite_url.removeprefix("sqlite:///")
    env = dict(os.environ)
    rnd = random.Random(20261214)
    outcomes: list[int] = []
    deadline = time.monotonic() + 60
    for _ in range(20):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crm_desktop.cli",
                "customers",
                "import",
                str(path),
                "--database",
                sqlite_url,
                "--on-duplicate",
                "create",
                "--json",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(rnd.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        conn = sqlite3.connect(db_file)
        try:
            assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            count = conn.execute(
                "SELECT count(*) FROM customer WHERE name LIKE ?", (marker + "%",)
            ).fetchone()[0]
        finally:
            conn.close()
        assert count % rows == 0, count  # whole imports only (create: each run adds all)
        outcomes.append(count)
        if time.monotonic() > deadline:
            break
    assert len(outcomes) >= 20
    # The database still opens and works for the app.
    listed = crm("import", "list", "--database", sqlite_url, "--json")
    assert listed.returncode == 0, listed.stderr
