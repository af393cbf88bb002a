"""The command line as a user runs it: a real process, real databases, exit codes and output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm_desktop import __version__


def crm(
    *args: str, stdin: str | None = None, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if home is not None:
        env["CRM_DESKTOP_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "crm_desktop.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        check=False,
    )


def test_version() -> None:
    out = crm("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"crm-desktop {__version__}"


def test_upgrade_creates_then_is_a_noop_then_demo_and_users_work(empty_db_url: str) -> None:
    first = crm("db", "upgrade", "--database", empty_db_url)
    assert first.returncode == 0, first.stderr
    assert "upgraded" in first.stdout
    second = crm("db", "upgrade", "--database", empty_db_url, "--json")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["changed"] is False

    demo = crm("demo", "--customers", "1000", "--json", "--database", empty_db_url)
    assert demo.returncode == 0, demo.stderr
    result = json.loads(demo.stdout)
    assert result["customers"] == 1000 and result["contacts"] >= 1000

    add = crm(
        "users",
        "add",
        "zhao.min",
        "--name",
        "赵敏",
        "--role",
        "manager",
        "--branch",
        "SH",
        "--password-stdin",
        "--json",
        "--database",
        empty_db_url,
        stdin="long-enough-pw\n",
    )
    assert add.returncode == 0, add.stderr
    assert json.loads(add.stdout)["branch"] == "SH"

    listed = json.loads(crm("users", "list", "--json", "--database", empty_db_url).stdout)
    by_login = {u["login"]: u for u in listed["users"]}
    assert by_login["zhao.min"]["display_name"] == "赵敏"
    assert "li.na" in by_login  # a demo salesperson

    off = crm("users", "disable", "zhao.min", "--database", empty_db_url)
    assert off.returncode == 0, off.stderr
    listed = json.loads(crm("users", "list", "--json", "--database", empty_db_url).stdout)
    assert {u["login"]: u["active"] for u in listed["users"]}["zhao.min"] is False


def test_database_option_may_stand_before_the_command(sqlite_url: str) -> None:
    out = crm("--database", sqlite_url, "users", "list", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"users": []}


def _assert_one_clear_line(out: subprocess.CompletedProcess[str], needle: str) -> None:
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("crm-desktop: error:")
    assert needle in lines[0]
    assert "Traceback" not in out.stderr


def test_a_file_that_is_not_a_crm_database_gives_one_clear_line(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite3"
    bogus.write_text("這不是資料庫 — just some notes\n" * 200, encoding="utf-8")
    out = crm("users", "list", "--database", "sqlite:///" + bogus.as_posix())
    _assert_one_clear_line(out, "not a crm-desktop database")
    # …and upgrading it refuses too instead of writing into it.
    before = bogus.read_bytes()
    _assert_one_clear_line(
        crm("db", "upgrade", "--database", "sqlite:///" + bogus.as_posix()),
        "not a crm-desktop database",
    )
    assert bogus.read_bytes() == before


def test_a_missing_database_file_says_how_to_create_it(tmp_path: Path) -> None:
    out = crm("users", "list", "--database", "sqlite:///" + (tmp_path / "x.sqlite3").as_posix())
    _assert_one_clear_line(out, "db upgrade")


def test_an_unreachable_server_gives_one_clear_line() -> None:
    out = crm("users", "list", "--database", "postgresql://nobody@127.0.0.1:9/crm")
    _assert_one_clear_line(out, "Cannot reach the database server")


def test_usage_errors_exit_2() -> None:
    assert crm("no-such-command").returncode == 2
    assert crm("demo", "--customers", "many").returncode == 2


def test_invalid_user_input_exits_1_and_writes_nothing(sqlite_url: str) -> None:
    out = crm("users", "add", "li", "--password-stdin", "--database", sqlite_url, stdin="short\n")
    _assert_one_clear_line(out, "at least 8 characters")
    listed = json.loads(crm("users", "list", "--json", "--database", sqlite_url).stdout)
    assert listed["users"] == []


def test_default_database_is_the_local_sqlite_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = crm("db", "upgrade", home=home)
    assert out.returncode == 0, out.stderr
    assert (home / "data" / "crm.sqlite3").exists()


@pytest.mark.postgres
def test_wrong_password_gives_one_clear_line(pg_admin_url: str, pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS cli_wrong_pw")
        conn.execute("CREATE ROLE cli_wrong_pw LOGIN PASSWORD 'right-one'")
    url = pg_url.replace("postgres@", "cli_wrong_pw:not-the-right-one@", 1)
    out = crm("users", "list", "--database", url)
    _assert_one_clear_line(out, "Wrong user name or password")


def test_db_check_passes_a_sound_file_and_fails_a_damaged_one(sqlite_url: str) -> None:
    ok = crm("db", "check", "--json", "--database", sqlite_url)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    # Fill the file, then overwrite pages in its middle.
    demo = crm("demo", "--customers", "300", "--database", sqlite_url)
    assert demo.returncode == 0, demo.stderr
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.seek((size // 4096 // 2) * 4096)
        fh.write(b"\xde\xad\xbe\xef" * 4096)
    bad = crm("db", "check", "--database", sqlite_url)
    assert bad.returncode == 1
    assert "damaged" in bad.stderr
    assert "Traceback" not in bad.stderr
