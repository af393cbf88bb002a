"""``crm-desktop --self-test``: one line and exit code 0 on a working installation; the failing
step named and exit code 1 otherwise; nothing of the user's touched."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from crm_desktop import __version__
from crm_desktop.cli.selftest import (
    DEFAULT_STEPS,
    RESULT_FILE,
    SelfTestContext,
    Step,
    main_self_test,
    run_self_test,
)

OK_LINE = re.compile(
    rf"crm-desktop {re.escape(__version__)} self-test: ok \(migrate \d+ ms, company, customer, "
    r"search, report \d+ pages?, main window\) in \d+\.\d s"
)


def test_self_test_passes_in_a_fresh_process_and_leaves_the_home_untouched(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = dict(
        os.environ,
        CRM_DESKTOP_HOME=str(home),
        HOME=str(home),
        TMPDIR=str(temp),
        QT_QPA_PLATFORM="offscreen",
    )
    out = subprocess.run(
        [sys.executable, "-m", "crm_desktop.cli", "--self-test"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 1, out.stdout
    assert OK_LINE.fullmatch(lines[0]), lines[0]
    assert out.stderr == ""
    # The same line for a windowed build without a console, in the temp folder.
    assert (temp / RESULT_FILE).read_text(encoding="utf-8") == lines[0] + "\n"
    # Its database, settings, logs and exit backup lived in a folder of its own, now gone.
    assert list(home.iterdir()) == []
    assert [p.name for p in temp.iterdir()] == [RESULT_FILE]


def test_a_failing_step_is_named_and_the_exit_code_is_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crm_home: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen: list[SelfTestContext] = []

    def broken_search(ctx: SelfTestContext) -> str:
        seen.append(ctx)
        raise RuntimeError("the search index is missing\nsecond line not shown")

    steps = [Step(s.name, broken_search) if s.name == "search" else s for s in DEFAULT_STEPS]
    result = run_self_test(steps)

    assert not result.ok
    assert result.failed_step == "search"
    assert result.line == (
        f"crm-desktop {__version__} self-test: FAILED at search: "
        "RuntimeError: the search index is missing"
    )
    # The steps before it really ran: a migrated database with the customer in it …
    assert result.notes[1:] == ("company", "customer")
    assert re.fullmatch(r"migrate \d+ ms", result.notes[0])
    assert seen[0].customer_id is not None
    # … in a temporary folder removed afterwards, with the caller's home restored.
    assert not seen[0].folder.exists()
    assert os.environ["CRM_DESKTOP_HOME"] == str(crm_home)

    assert main_self_test(steps) == 1
    assert (
        (tmp_path / RESULT_FILE)
        .read_text(encoding="utf-8")
        .startswith(f"crm-desktop {__version__} self-test: FAILED at search: RuntimeError")
    )


def test_the_hidden_bench_flag_signs_in_and_reports_the_painted_main_window(
    sqlite_url: str, crm_home: Path
) -> None:
    """``--bench-startup URL LOGIN PASSWORD``: what bench/startup.py --frozen starts."""
    from crm_desktop.services.company import initialize_company
    from crm_desktop.services.database import open_database

    db = open_database(sqlite_url)
    try:
        with db.session_factory.begin() as session:
            initialize_company(
                session,
                company_name="Bench Ltd",
                language="en",
                admin_login="bench.admin",
                admin_name="Bench",
                admin_password="bench-password",
            )
    finally:
        db.dispose()
    command = ["--bench-startup", sqlite_url, "bench.admin", "bench-password"]
    out = subprocess.run(
        [sys.executable, "-m", "crm_desktop.cli", *command],
        capture_output=True,
        text=True,
        env=dict(os.environ, CRM_DESKTOP_HOME=str(crm_home), QT_QPA_PLATFORM="offscreen"),
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"^main window painted after \d+\.\d{3} s$", out.stdout, re.MULTILINE)
    help_text = subprocess.run(
        [sys.executable, "-m", "crm_desktop.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--self-test" in help_text
    assert "--bench-startup" not in help_text
