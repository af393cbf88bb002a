"""`crm-desktop report …` run as a user runs it: a real process on a real SQLite file and
PostgreSQL database — the PDF written, the audit row, one clear line for a bad option, and
``--as LOGIN`` limiting the rows to that user's rights."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_desktop.db.models import AuditLog
from tests.db.customer_world import World, open_world


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


def crm(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_desktop.cli", "report", *args, "--database", url],
        capture_output=True,
        text=True,
        timeout=240,
        env=dict(os.environ),
        check=False,
    )


@pytest.fixture
def company(world: World) -> World:
    g, r = world.grades, world.regions
    for name, owner, grade, region in (
        ("上海甲公司", world.li, "A", "浦东新区"),
        ("南京乙公司", world.li, "B", "南京"),
        ("北京丁公司", world.wang, "A", "朝阳区"),
        ("广州戊公司", world.chen, "A", "广州"),
        ("公海己公司", None, "D", "苏州"),
    ):
        world.new_customer(
            world.admin,
            name=name,
            owner_id=owner.id if owner else None,
            grade_id=g[grade],
            region_id=r[region],
        )
    return world


def url_of(world: World) -> str:
    return world.db.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """A folder of its own for the PDFs (the SQLite file lives in tmp_path)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def test_report_roster_writes_the_pdf_and_audits(company: World, out_dir: Path) -> None:
    out = out_dir / "名册.pdf"
    run = crm(url_of(company), "roster", "--out", str(out), "--grade", "A", "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert set(result) == {"kind", "out", "pages", "customers", "elapsed_ms"}
    assert (result["kind"], result["customers"], result["out"]) == ("roster", 3, str(out))
    assert result["pages"] >= 1
    assert out.read_bytes().startswith(b"%PDF")
    assert [p.name for p in out_dir.iterdir()] == ["名册.pdf"]  # no temporary file left
    with company.db.read_session_factory() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "report.cli")).one()
    assert row.actor == "system"
    assert row.detail is not None
    assert row.detail["target"] == "名册.pdf"
    assert row.detail["customers"] == 3
    assert row.detail["filters"] == {"grade_ids": [company.grades["A"]]}

    plain = crm(url_of(company), "roster", "--out", str(out), "--region", "华东")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith("roster: ") and "3 customers → " in plain.stdout


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--grade", "Z"], "--grade: no grade 'Z'"),
        (["--region", "火星"], "--region: no region '火星'"),
        (["--owner", "nobody"], "--owner: no user with the login 'nobody'"),
        (["--branch", "XX"], "--branch: no branch 'XX'"),
        (["--customer", "999999"], "--customer: no customer with id 999999"),
        (["--from", "2026-05-02", "--to", "2026-05-01"], "--from 2026-05-02 is after --to"),
        (["--from", "yesterday"], "--from: 'yesterday' is not a date"),
        (["--as", "nobody"], "No user with the login 'nobody'"),
    ],
)
def test_bad_option_is_one_clear_line(
    company: World, out_dir: Path, options: list[str], says: str
) -> None:
    out = out_dir / "x.pdf"
    run = crm(url_of(company), "roster", "--out", str(out), *options)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], run.stderr
    assert not out.exists() and not list(out_dir.iterdir())


def grant_export(company: World, login: str) -> None:
    from sqlalchemy import update

    from crm_desktop.db.models import AppUser

    with company.db.session_factory.begin() as s:
        s.execute(update(AppUser).where(AppUser.login == login).values(can_export=True))


def test_as_login_limits_the_rows(company: World, out_dir: Path) -> None:
    out = out_dir / "li.pdf"
    refused = crm(url_of(company), "roster", "--out", str(out), "--as", "li", "--json")
    assert refused.returncode == 1 and "export permission" in refused.stderr
    assert not out.exists()
    grant_export(company, "li")  # salespeople print only with the export permission
    run = crm(url_of(company), "roster", "--out", str(out), "--as", "li", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["customers"] == 3  # own two and the pool's one
    run = crm(url_of(company), "roster", "--out", str(out), "--as", "zhang", "--json")
    assert json.loads(run.stdout)["customers"] == 4  # the Shanghai branch and the pool
    with company.db.read_session_factory() as s:
        actors = [
            r.actor for r in s.scalars(select(AuditLog).where(AuditLog.action == "report.cli"))
        ]
    assert sorted(actors) == ["li", "zhang"]


def test_profile_of_an_invisible_customer_fails(company: World, out_dir: Path) -> None:
    with company.db.read_session_factory() as s:
        from crm_desktop.db.models import Customer

        cid = s.scalar(select(Customer.id).where(Customer.name == "广州戊公司"))
    grant_export(company, "li")
    out = out_dir / "p.pdf"
    run = crm(url_of(company), "profile", "--out", str(out), "--customer", str(cid), "--as", "li")
    assert run.returncode == 1 and "may not see" in run.stderr
    assert not out.exists()
    run = crm(url_of(company), "profile", "--out", str(out), "--customer", str(cid), "--lang", "en")
    assert run.returncode == 0, run.stderr
    assert "profile: 1 page" in run.stdout
