"""Customer export on real SQLite and PostgreSQL (issue 8, item 3): CSV with a byte-order mark
and localized headers, XLSX read back with openpyxl, formula cells escaped in both, contacts one
row each, a salesperson's export holds only what they see, refused without the export
permission (in Shared mode the database decides), one audit row with the count, and a cancel or
failure leaves no file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select, update

from crm_desktop.core.errors import OperationCancelled, PermissionDenied, ValidationError
from crm_desktop.db.models import AuditLog, Customer
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_list import CustomerFilter, SortSpec, filtered_ids
from crm_desktop.services.customers import ContactInput, add_contact, delete_contact
from crm_desktop.services.export import (
    CHUNK,
    CONTACT_COLUMNS,
    DEFAULT_COLUMNS,
    EXPORT_COLUMNS,
    _XlsxWriter,
    column_label,
    default_file_name,
    discard_export,
    escape_cell,
    export_customers,
    finish_export,
    write_export,
)
from tests.db.customer_world import World, open_world

SHANGHAI = "Asia/Shanghai"


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def read_xlsx(path: Path) -> list[list[Any]]:
    book = openpyxl.load_workbook(path)
    return [[c.value for c in row] for row in book.worksheets[0].iter_rows()]


def audit_rows(world: World) -> list[AuditLog]:
    with world.db.read_session_factory() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == "export")))


def export(world: World, actor: Actor, path: Path, **kw: Any) -> Any:
    kw.setdefault("timezone", SHANGHAI)
    with world.db.session_factory.begin() as s:
        return export_customers(s, actor, path, **kw)


def exporter(world: World) -> Actor:
    """A salesperson (li) who was given the export permission."""
    return replace(world.li, can_export=True)


@pytest.fixture
def company(world: World) -> dict[str, int]:
    g, r = world.grades, world.regions
    ids = {
        "huawei": world.new_customer(
            world.li,
            name="华为技术有限公司",
            grade_id=g["A"],
            region_id=r["南京"],
            phone="025 8888 1234",
            email="info@huawei.example",
            industry="通信设备",
            source="exhibition",
            status="active",
            tags=["重点", "华东"],
            notes='第一行\n第二行，含逗号, 和 "引号"',
        ),
        "alpha": world.new_customer(world.li, name="Alpha Ltd", grade_id=g["B"]),
        "pool": world.new_customer(world.admin, name="公海客户甲", owner_id=None),
        "wang": world.new_customer(world.wang, name="王芳的客户", grade_id=g["C"]),
        "chen": world.new_customer(world.chen, name="陈静的客户", grade_id=g["A"]),
    }
    return ids


# =========================================================================== escaping


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138 0013 8000", "'+86 138 0013 8000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("华为", "华为"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_escape_cell(text: str, escaped: str) -> None:
    assert escape_cell(text) == escaped


DANGEROUS = ('=HYPERLINK("http://x")', "+1+2", "-1+2", "@SUM(1)", "\tTab", "\rCR", "#N/A")


@pytest.fixture
def dangerous(world: World) -> list[int]:
    ids = [world.new_customer(world.admin, name=f"客户 {n}") for n in range(len(DANGEROUS))]
    # Written straight to the table: the forms strip a leading tab, other sources may not.
    with world.db.session_factory.begin() as s:
        for cid, text in zip(ids, DANGEROUS, strict=True):
            s.execute(
                update(Customer)
                .where(Customer.id == cid)
                .values(name=f"{text} 公司", industry=text, notes=text)
            )
    return ids


def test_csv_escapes_every_formula_start(world: World, dangerous: list[int], out: Path) -> None:
    path = out / "f.csv"
    columns = ("customer.name", "customer.industry", "customer.notes")
    export(world, world.admin, path, ids=dangerous, columns=columns)
    rows = read_csv(path)
    assert rows[0] == ["客户名称", "行业", "备注"]
    for text, row in zip(DANGEROUS, rows[1:], strict=True):
        expected = escape_cell(text)
        assert row[1] == expected and row[2] == expected, (text, row)
        if text != "#N/A":
            assert row[0].startswith("'") and row[1].startswith("'"), row


def test_xlsx_writes_formula_starts_as_quoted_strings(
    world: World, dangerous: list[int], out: Path
) -> None:
    path = out / "f.xlsx"
    columns = ("customer.name", "customer.industry", "customer.notes")
    export(world, world.admin, path, ids=dangerous, columns=columns)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(DANGEROUS)
    for text, row in zip(DANGEROUS, rows, strict=True):
        for cell in row:
            assert cell.data_type == "s", (text, cell.value, cell.data_type)
        # XML reads a carriage return back as a line feed; the quote stays in front.
        assert row[1].value == escape_cell(text).replace("\r", "\n")
        if text != "#N/A":
            assert all(str(c.value).startswith("'") for c in row), [c.value for c in row]


def test_a_phone_with_plus_is_quoted_in_both_formats(
    world: World, company: dict[str, int], out: Path
) -> None:
    with world.db.session_factory.begin() as s:  # as an import or a copy may store it
        s.execute(
            update(Customer)
            .where(Customer.id == company["huawei"])
            .values(phone="+86 25 8888 1234")
        )
    cols = ("customer.name", "customer.phone")
    export(world, world.admin, out / "p.csv", ids=[company["huawei"]], columns=cols)
    export(world, world.admin, out / "p.xlsx", ids=[company["huawei"]], columns=cols)
    assert read_csv(out / "p.csv")[1] == ["华为技术有限公司", "'+86 25 8888 1234"]
    cell = openpyxl.load_workbook(out / "p.xlsx").worksheets[0]["B2"]
    assert (cell.value, cell.data_type) == ("'+86 25 8888 1234", "s")


# =========================================================================== content


def test_csv_holds_chinese_headers_values_and_multiline_text(
    world: World, company: dict[str, int], out: Path
) -> None:
    path = out / "客户.csv"
    result = export(world, world.admin, path, columns=EXPORT_COLUMNS)
    rows = read_csv(path)
    assert rows[0] == [column_label(c, "zh_CN") for c in EXPORT_COLUMNS]
    assert rows[0][:3] == ["客户编号", "客户名称", "类型"]
    by_name = {row[1]: dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {
        "华为技术有限公司",
        "Alpha Ltd",
        "公海客户甲",
        "王芳的客户",
        "陈静的客户",
    }
    huawei = by_name["华为技术有限公司"]
    assert huawei["customer.id"] == str(company["huawei"])
    assert huawei["customer.kind"] == "公司"
    assert huawei["customer.grade"] == "A"
    assert huawei["customer.region"] == "南京"
    assert huawei["customer.owner"] == "李娜"
    assert huawei["customer.status"] == "活跃"
    assert huawei["customer.source"] == "展会"
    assert huawei["customer.industry"] == "通信设备"
    assert huawei["customer.tags"] == "重点, 华东"
    assert huawei["customer.notes"] == '第一行\n第二行，含逗号, 和 "引号"'
    assert by_name["公海客户甲"]["customer.owner"] == ""  # the public pool
    assert (result.rows, result.customers, result.contact_rows) == (5, 5, 0)
    assert [p.name for p in out.iterdir()] == ["客户.csv"]  # no temporary file left


def test_rows_follow_the_list_sort(world: World, company: dict[str, int], out: Path) -> None:
    sort = SortSpec("name", descending=True)
    export(world, world.admin, out / "s.csv", columns=("customer.id",), sort=sort)
    with world.db.read_session_factory() as s:
        expected = list(filtered_ids(s, CustomerFilter(), sort, world.admin))
    assert [int(r[0]) for r in read_csv(out / "s.csv")[1:]] == expected


def test_english_headers_and_values(world: World, company: dict[str, int], out: Path) -> None:
    path = out / "customers.csv"
    cols = ("customer.name", "customer.kind", "customer.status", "customer.source")
    export(world, world.admin, path, ids=[company["huawei"]], columns=cols, language="en")
    assert read_csv(path) == [
        ["Customer name", "Kind", "Status", "Source"],
        ["华为技术有限公司", "Company", "Active", "Exhibition"],
    ]


def test_xlsx_keeps_types_and_reads_back(world: World, company: dict[str, int], out: Path) -> None:
    moment = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
    with world.db.session_factory.begin() as s:
        s.get_one(Customer, company["huawei"]).last_followup_at = moment
    path = out / "客户.xlsx"
    cols = ("customer.id", "customer.name", "customer.last_followup_at")
    result = export(
        world, world.admin, path, ids=[company["huawei"], company["alpha"]], columns=cols
    )
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    assert sheet.title == "客户"
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["客户编号", "客户名称", "最近跟进"]
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == company["huawei"] and sheet["A2"].data_type == "n"
    assert sheet["B2"].value == "华为技术有限公司"
    # Shown in the chosen time zone (Shanghai: UTC+8), as a real date cell.
    assert sheet["C2"].is_date and sheet["C2"].value == datetime(2026, 11, 20, 14, 30)
    assert sheet["C3"].value is None
    assert result.rows == 2 and result.format == "xlsx"


def test_contacts_give_one_row_each(world: World, company: dict[str, int], out: Path) -> None:
    with world.db.session_factory.begin() as s:
        add_contact(s, company["huawei"], ContactInput(name="张伟", mobile="13800138000"), world.li)
        add_contact(
            s,
            company["huawei"],
            ContactInput(name="李强", title="采购经理", birthday=date(1980, 5, 4)),
            world.li,
        )
        gone = add_contact(s, company["alpha"], ContactInput(name="Deleted Person"), world.li)
    with world.db.session_factory.begin() as s:
        delete_contact(s, gone.id, world.li)
    path = out / "c.csv"
    result = export(
        world,
        world.admin,
        path,
        ids=[company["huawei"], company["alpha"]],
        columns=("customer.name", "customer.grade"),
        contacts=True,
    )
    rows = read_csv(path)
    assert rows[0] == ["客户名称", "客户等级", *(column_label(c) for c in CONTACT_COLUMNS)]
    assert rows[0][2:5] == ["联系人", "职位", "部门"]
    people = [(r[0], r[1], r[2], r[3]) for r in rows[1:]]
    assert people == [
        ("华为技术有限公司", "A", "张伟", ""),
        ("华为技术有限公司", "A", "李强", "采购经理"),
        ("Alpha Ltd", "B", "", ""),  # no (living) contact: the customer once
    ]
    birthday = rows[2][2 + CONTACT_COLUMNS.index("contact.birthday")]
    assert birthday == "1980-05-04"
    assert (result.rows, result.customers, result.contact_rows) == (3, 2, 2)


def test_many_customers_stream_in_chunks_in_list_order(world: World, out: Path) -> None:
    from crm_desktop.services.demo import generate_demo

    count = CHUNK * 2 + 37
    with world.db.session_factory.begin() as s:
        generate_demo(s, customers=count, workers=0, followups_per_customer=0.1)
    sort = SortSpec("owner")
    seen: list[tuple[int, int | None]] = []

    class Recorder:
        def report(self, done: int, total: int | None = None, label: str | None = None) -> None:
            seen.append((done, total))

        def check_cancelled(self) -> None:
            return None

    path = out / "big.xlsx"
    with world.db.session_factory.begin() as s:
        result = export_customers(
            s,
            world.admin,
            path,
            columns=("customer.id", "customer.owner"),
            sort=sort,
            progress=Recorder(),
        )
        expected = list(filtered_ids(s, CustomerFilter(), sort, world.admin))
    assert result.rows == len(expected) >= count
    assert [row[0] for row in read_xlsx(path)[1:]] == expected
    assert seen[0] == (0, len(expected)) and seen[-1] == (len(expected), len(expected))
    assert len(seen) >= 4  # reported chunk by chunk


def test_a_full_sheet_continues_on_the_next(tmp_path: Path) -> None:
    path = tmp_path / "split.xlsx"
    writer = _XlsxWriter(path, ["编号"], "客户", [10.0], max_rows=3)
    for n in range(5):
        writer.write([n])
    writer.close()
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["客户", "客户 2", "客户 3"]
    assert [[c.value for c in r] for r in book["客户"].iter_rows()] == [["编号"], [0], [1]]
    assert [[c.value for c in r] for r in book["客户 3"].iter_rows()] == [["编号"], [4]]


def test_default_file_name() -> None:
    assert default_file_name("xlsx", "zh_CN", date(2026, 11, 23)) == "客户-2026-11-23.xlsx"
    assert default_file_name("csv", "en", date(2026, 11, 23)) == "customers-2026-11-23.csv"


def test_bad_input_is_a_clear_error(world: World, out: Path) -> None:
    with world.db.session_factory.begin() as s:
        with pytest.raises(ValidationError, match=r"\.csv or \.xlsx"):
            export_customers(s, world.admin, out / "a.pdf")
        with pytest.raises(ValidationError, match="at least one column"):
            export_customers(s, world.admin, out / "a.csv", columns=())
        with pytest.raises(ValidationError, match="Unknown export column"):
            export_customers(s, world.admin, out / "a.csv", columns=("customer.password",))
        with pytest.raises(ValidationError, match="folder does not exist"):
            export_customers(s, world.admin, out / "nowhere" / "a.csv")
    assert list(out.iterdir()) == []


# =========================================================================== rights


def test_a_salesperson_exports_only_what_they_see(
    world: World, company: dict[str, int], out: Path
) -> None:
    li = exporter(world)
    export(world, li, out / "all.csv", columns=("customer.id",))
    seen = {int(r[0]) for r in read_csv(out / "all.csv")[1:]}
    assert seen == {company["huawei"], company["alpha"], company["pool"]}
    # A selection naming colleagues' customers (ids typed, or a stale list) gives them not.
    everybody = list(company.values())
    result = export(world, li, out / "sel.csv", ids=everybody, columns=("customer.id",))
    assert {int(r[0]) for r in read_csv(out / "sel.csv")[1:]} == seen
    assert result.rows == 3
    # A manager: their branch (Shanghai: li, wang) and the pool, not Guangzhou.
    export(world, world.manager, out / "m.csv", columns=("customer.id",))
    managed = {int(r[0]) for r in read_csv(out / "m.csv")[1:]}
    assert managed == seen | {company["wang"]}


def test_a_selection_keeps_its_order(world: World, company: dict[str, int], out: Path) -> None:
    order = [company["pool"], company["huawei"], company["alpha"]]
    export(world, world.admin, out / "o.csv", ids=order, columns=("customer.id",))
    assert [int(r[0]) for r in read_csv(out / "o.csv")[1:]] == order


def test_refused_without_the_export_permission(
    world: World, company: dict[str, int], out: Path
) -> None:
    path = out / "x.csv"
    (out / "x.csv").write_text("an older file", encoding="utf-8")
    with world.db.session_factory.begin() as s:
        with pytest.raises(PermissionDenied, match="export permission"):
            export_customers(s, world.li, path)
        with pytest.raises(PermissionDenied, match="export permission"):
            write_export(s, world.wang, path)
    assert [p.name for p in out.iterdir()] == ["x.csv"]
    assert path.read_text(encoding="utf-8") == "an older file"
    assert audit_rows(world) == []


def test_each_export_writes_one_audit_row(world: World, company: dict[str, int], out: Path) -> None:
    export(world, world.manager, out / "名单.xlsx", columns=DEFAULT_COLUMNS, contacts=True)
    export(world, world.admin, out / "sel.csv", ids=[company["alpha"]], columns=("customer.name",))
    rows = audit_rows(world)
    assert len(rows) == 2
    first, second = rows
    assert (first.actor, first.entity, first.entity_id) == ("zhang", "customer", None)
    assert first.detail == {
        "rows": 4,
        "customers": 4,
        "file": "名单.xlsx",  # the name only, never the folder
        "format": "xlsx",
        "columns": [*DEFAULT_COLUMNS, *CONTACT_COLUMNS],
        "contacts": True,
    }
    assert second.actor == "admin"
    assert second.detail is not None
    assert (second.detail["rows"], second.detail["selected"], second.detail["format"]) == (
        1,
        1,
        "csv",
    )


# =========================================================================== all or nothing


class CancelAfter:
    """Cancels at the n-th check (the export checks once per chunk and once at the end)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def report(self, done: int, total: int | None = None, label: str | None = None) -> None:
        return None

    def check_cancelled(self) -> None:
        self.n -= 1
        if self.n <= 0:
            raise OperationCancelled("cancelled")


@pytest.mark.parametrize("name", ["c.csv", "c.xlsx"])
def test_a_cancel_leaves_no_file_and_keeps_an_older_one(
    world: World, company: dict[str, int], out: Path, name: str
) -> None:
    path = out / name
    with world.db.session_factory.begin() as s, pytest.raises(OperationCancelled):
        export_customers(s, world.admin, path, progress=CancelAfter(2))
    assert list(out.iterdir()) == []
    path.write_bytes(b"older")
    with world.db.session_factory.begin() as s, pytest.raises(OperationCancelled):
        export_customers(s, world.admin, path, progress=CancelAfter(1))
    assert [p.name for p in out.iterdir()] == [name] and path.read_bytes() == b"older"
    assert audit_rows(world) == []


def test_two_steps_write_then_finish(world: World, company: dict[str, int], out: Path) -> None:
    """The app's way: the file is written in a read session, audited and renamed in a short
    write transaction; a draft that is not finished leaves nothing."""
    path = out / "two.csv"
    with world.db.read_session_factory() as s:
        draft = write_export(s, world.admin, path, columns=("customer.name",))
    assert not path.exists() and draft.temp.exists() and draft.temp.parent == out
    assert draft.rows == 5
    with world.db.session_factory.begin() as s:
        result = finish_export(s, world.admin, draft)
    assert path.exists() and not draft.temp.exists() and result.rows == 5
    with world.db.read_session_factory() as s:
        other = write_export(s, world.admin, out / "dropped.csv", columns=("customer.name",))
    discard_export(other)
    assert sorted(p.name for p in out.iterdir()) == ["two.csv"]
    assert len(audit_rows(world)) == 1


# =========================================================================== Shared mode


@pytest.mark.postgres
def test_in_shared_mode_the_database_decides(empty_pg_url: str, tmp_path: Path) -> None:
    from crm_desktop.services.database import open_database
    from crm_desktop.services.users import sign_in_shared
    from tests.db.shared_world import open_shared_world

    for world in open_shared_world(empty_pg_url):
        sales = open_database(world.login_url("sales1"), password=world.password)
        manager = open_database(world.login_url("manager"), password=world.password)
        try:
            with sales.session_factory.begin() as s:
                actor = sign_in_shared(s)
            # Even an actor object claiming the permission is refused: crm_can_export() says no.
            forged = replace(actor, can_export=True, role="admin")
            with sales.session_factory.begin() as s, pytest.raises(PermissionDenied):
                export_customers(s, forged, tmp_path / "s.csv")
            assert list(tmp_path.iterdir()) == []
            with manager.session_factory.begin() as s:
                boss = sign_in_shared(s)
            path = tmp_path / "m.csv"
            with manager.session_factory.begin() as s:
                result = export_customers(s, boss, path, columns=("customer.id",))
            exported = {int(r[0]) for r in read_csv(path)[1:]}
            own_branch = world.ids_of(("admin", "manager", "sales1", "sales2"), "customer")
            assert exported == own_branch | world.pool["customer"]
            assert not exported & world.owned["sales3"]["customer"]  # the other branch
            assert result.rows == len(exported)
            with world.superuser() as su:
                row = su.execute(
                    "SELECT actor, detail->>'rows' FROM audit_log WHERE action = 'export'"
                ).fetchall()
            assert row == [(world.logins["manager"], str(len(exported)))]
        finally:
            sales.dispose()
            manager.dispose()
