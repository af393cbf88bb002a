"""`crm-desktop customers export …` run as a user runs it: a real process on a real SQLite file
and PostgreSQL database — the file written with its filter and columns, the audit row, one
clear line for a bad option, and ``--as LOGIN`` refused without the export permission."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from crm_desktop.db.models import AuditLog
from tests.db.customer_world import World, open_world


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


def crm(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_desktop.cli", "customers", "export", *args, "--database", url],
        capture_output=True,
        text=True,
        timeout=240,
        env=dict(os.environ),
        check=False,
    )


def url_of(world: World) -> str:
    return world.db.engine.url.render_as_string(hide_password=False)


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


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def test_export_csv_with_a_grade_filter_and_columns(company: World, out_dir: Path) -> None:
    out = out_dir / "A级客户.csv"
    run = crm(url_of(company), str(out), "--grade", "A", "--columns", "name,grade,owner", "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert set(result) == {
        "file",
        "format",
        "rows",
        "customers",
        "contacts",
        "columns",
        "elapsed_ms",
    }
    assert (result["rows"], result["format"], result["file"]) == (3, "csv", str(out))
    assert result["columns"] == ["customer.name", "customer.grade", "customer.owner"]
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = csv_rows(out)
    assert rows[0] == ["客户名称", "客户等级", "负责人"]
    assert sorted(r[0] for r in rows[1:]) == sorted(["上海甲公司", "北京丁公司", "广州戊公司"])
    assert [p.name for p in out_dir.iterdir()] == ["A级客户.csv"]  # no temporary file left
    with company.db.read_session_factory() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "export")).one()
    assert row.actor == "system" and row.detail is not None
    assert (row.detail["rows"], row.detail["file"]) == (3, "A级客户.csv")


def test_export_xlsx_by_owner_and_region_with_contacts(company: World, out_dir: Path) -> None:
    out = out_dir / "li.xlsx"
    run = crm(url_of(company), str(out), "--owner", "li", "--region", "华东", "--contacts")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"2 rows (2 customers) → {out}"
    sheet = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[0] == "客户名称" and "联系人" in header and "手机" in header
    assert sorted(r[0].value for r in sheet.iter_rows(min_row=2)) == ["上海甲公司", "南京乙公司"]


def test_export_the_pool_in_english(company: World, out_dir: Path) -> None:
    out = out_dir / "pool.csv"
    run = crm(url_of(company), str(out), "--owner", "pool", "--lang", "en", "--columns", "name")
    assert run.returncode == 0, run.stderr
    assert csv_rows(out) == [["Customer name"], ["公海己公司"]]


def test_as_a_salesperson_refused_without_the_permission(company: World, out_dir: Path) -> None:
    out = out_dir / "x.csv"
    run = crm(url_of(company), str(out), "--as", "li")
    assert run.returncode == 1
    assert run.stderr.strip() == (
        "crm-desktop: error: You may not export customers; ask an administrator for the "
        "export permission"
    )
    assert list(out_dir.iterdir()) == []
    run = crm(url_of(company), str(out), "--as", "zhang", "--columns", "name")
    assert run.returncode == 0, run.stderr
    # The Shanghai manager: their branch and the pool, never Guangzhou.
    assert sorted(r[0] for r in csv_rows(out)[1:]) == sorted(
        ["上海甲公司", "南京乙公司", "北京丁公司", "公海己公司"]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{out}/a.pdf"], "must end in .csv or .xlsx"),
        (["{out}/nowhere/a.csv"], "does not exist"),
        (["{out}/a.csv", "--columns", "name,salary"], "Unknown export column 'customer.salary'"),
        (["{out}/a.csv", "--grade", "Z"], "--grade: no grade 'Z'"),
    ],
)
def test_bad_options_give_one_clear_line(
    company: World, out_dir: Path, args: list[str], message: str
) -> None:
    run = crm(url_of(company), *(a.format(out=out_dir) for a in args))
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and message in run.stderr, run.stderr
    assert list(out_dir.iterdir()) == []
