"""``crm-desktop backup`` and ``restore`` end to end through ``cli.main``."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from crm_desktop.cli import main
from crm_desktop.core import paths
from crm_desktop.core.settings import load_settings
from crm_desktop.services import backup as backups

from .test_backup import counts, fill


def db_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(list(argv)) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_backup_then_restore_with_json(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = db_path(sqlite_url)
    fill(path, 30)
    made = run_json(capsys, "backup", "--database", sqlite_url, "--json")
    backup = Path(str(made["file"]))
    assert backup.parent == paths.data_dir() / "backups"
    assert made["check"] == "quick_check" and made["size"] == backup.stat().st_size
    assert backups.check_file(backup, "integrity_check") is None

    out = tmp_path / "chosen.sqlite3"
    written = run_json(capsys, "backup", "--database", sqlite_url, "--out", str(out), "--json")
    assert written["file"] == str(out) and out.is_file()

    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM contact")
    conn.execute("DELETE FROM customer")
    conn.commit()
    conn.close()
    restored = run_json(capsys, "restore", str(backup), "--database", sqlite_url, "--yes", "--json")
    assert restored["database"] == str(path)
    kept = [Path(p) for p in restored["kept_aside"]]  # type: ignore[attr-defined]
    assert kept and kept[0].name.startswith("crm.sqlite3.before-restore-")
    assert counts(path) == (30, 30, 0)
    assert counts(kept[0])[0] == 0


def test_backup_of_the_default_database_remembers_when(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    made = run_json(capsys, "backup", "--json")
    assert Path(str(made["file"])).name.startswith("crm-")
    from crm_desktop.services.backup import last_backup, sqlite_path

    settings = load_settings()
    database = sqlite_path(settings.profile(None).url)
    assert list(settings.ui["backup"]["last"]) == [str(database)]
    assert last_backup(settings.ui["backup"], database) is not None


def test_restore_asks_for_confirmation_without_a_terminal(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "b.sqlite3"
    assert main(["backup", "--database", sqlite_url, "--out", str(backup)]) == 0
    capsys.readouterr()
    assert main(["restore", str(backup), "--database", sqlite_url]) == 1
    assert "--yes" in capsys.readouterr().err


def test_restore_refuses_postgresql(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    backup = tmp_path / "b.dump"
    backup.write_bytes(b"x")
    code = main(["restore", str(backup), "--database", "postgresql://u@127.0.0.1/db", "--yes"])
    assert code == 1
    assert "pg_restore" in capsys.readouterr().err


@pytest.mark.postgres
def test_backup_on_postgresql_runs_pg_dump(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "server.dump"
    made = run_json(capsys, "backup", "--database", pg_url, "--out", str(out), "--json")
    assert made["kind"] == "pg_dump" and out.stat().st_size > 0
    pg_dump = backups.find_pg_dump()
    assert pg_dump is not None
    listing = subprocess.run(
        [str(pg_dump.with_name("pg_restore")), "--list", str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "TABLE DATA public customer" in listing
