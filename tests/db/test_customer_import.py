"""The customer import service on real databases: duplicate policies, per-row problems, values
resolution, owners, search columns, dry run, cancel, and undo back to the exact earlier state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from crm_desktop.core.errors import OperationCancelled, PermissionDenied
from crm_desktop.core.progress import ProgressState
from crm_desktop.db.models import AuditLog, Contact, Customer, Grade, ImportChange, Region
from crm_desktop.importers.mapping import guess_mapping
from crm_desktop.importers.source import TableSource, open_source
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_import import (
    ImportOptions,
    ImportResult,
    OnDuplicate,
    ValueChoice,
    analyse,
    list_batches,
    remember_mapping,
    remembered_mapping,
    run_import,
    undo_import,
    write_problems_csv,
)
from crm_desktop.services.customers import ContactInput, add_contact
from crm_desktop.services.search import search_customers
from tests.db.customer_world import World, open_world

HEADER = "客户名称,联系人,手机,电话,邮箱,等级,区域,负责人,地址,备注"
ROWS = """\
上海华通机械有限公司,王五,13812345678,,ww@huatong.com,A,上海,,,老客户
北京新元科技有限公司,张三,13912345678,010-62345678,zs@xinyuan.cn,B,北京,,北京海淀区,
北京新元科技有限公司,李四,13712345678,,ls@xinyuan.cn,B,北京,,,
北京新元科技有限公司,张三,13912345678,,,,,,,
,无名,13612345678,,,,,,,
广州测试贸易,赵六,12345,,bad-email,Z,火星,不存在,,
深圳同号电子,钱七,13912345678,,,,,,,
"""


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from open_world(db_url)


def write_csv(path: Path, body: str, encoding: str = "gbk") -> TableSource:
    path.write_bytes((HEADER + "\n" + body).encode(encoding))
    return open_source(path)


def run(
    world: World,
    source: TableSource,
    actor: Actor,
    policy: OnDuplicate = "skip",
    **options: Any,
) -> ImportResult:
    with world.db.session_factory.begin() as s:
        return run_import(
            s,
            source,
            ImportOptions(mapping=guess_mapping(source.headers), on_duplicate=policy, **options),
            actor,
        )


def snapshot(world: World) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the customer and contact tables, all columns."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with world.db.read_session_factory() as s:
        for table in ("customer", "contact"):
            out[table] = [tuple(r) for r in s.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
    return out


def existing(world: World) -> int:
    """A customer the file's first row duplicates, with a contact the file updates."""
    cid = world.new_customer(name="上海华通机械", phone="021-61234567", industry="机械")
    with world.db.session_factory.begin() as s:
        add_contact(s, cid, ContactInput(name="王五", title="经理"), world.admin)
    return cid


def reasons(result: ImportResult) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for p in result.problems:
        out.setdefault(p.row, []).append(p.reason)
    return out


def test_skip_groups_rows_reports_problems_and_counts(world: World, tmp_path: Path) -> None:
    cid = existing(world)
    source = write_csv(tmp_path / "a.csv", ROWS)
    assert source.encoding is not None and source.encoding.encoding == "gb18030"

    result = run(world, source, world.admin)

    assert (result.rows, result.created, result.updated, result.skipped) == (7, 3, 0, 4)
    why = reasons(result)
    assert any(f"customer #{cid}" in r for r in why[2])  # the database's customer
    assert why[5] == ["duplicate of row 3; skipped"]  # same contact again
    assert "no customer name" in why[6][0]
    assert any("not a valid phone" in r for r in why[7])
    assert any("unknown; left empty" in r for r in why[7])
    assert any("duplicate of row 3 (same phone)" in r for r in why[8])
    with world.db.read_session_factory() as s:
        xinyuan = s.scalars(select(Customer).where(Customer.name == "北京新元科技有限公司")).one()
        assert xinyuan.import_batch_id == result.batch_id
        assert xinyuan.grade_id == world.grades["B"]
        assert xinyuan.region_id == world.regions["北京"]
        assert xinyuan.owner_id == world.admin.id  # "me"
        names = set(s.scalars(select(Contact.name).where(Contact.customer_id == xinyuan.id)))
        assert names == {"张三", "李四"}
        mobile = s.scalar(select(Contact.mobile).where(Contact.name == "张三"))
        assert mobile == "139 1234 5678"
        guangzhou = s.scalars(select(Customer).where(Customer.name == "广州测试贸易")).one()
        assert guangzhou.grade_id is None and guangzhou.region_id is None
        # A bad number is kept as written, not lost.
        assert s.scalar(select(Contact.mobile).where(Contact.name == "赵六")) == "12345"
        audit = s.scalars(
            select(AuditLog).where(
                AuditLog.action == "import", AuditLog.entity_id == result.batch_id
            )
        ).one()
        assert audit.detail is not None and audit.detail["created"] == 3


def test_imported_customers_are_found_by_search(world: World, tmp_path: Path) -> None:
    run(world, write_csv(tmp_path / "a.csv", ROWS), world.admin)
    with world.db.read_session_factory() as s:
        for query in ("新元科技", "xinyuan", "bjxykj", "13712345678", "ls@xinyuan.cn", "李四"):
            found = [r.name for r in search_customers(s, query).results]
            assert "北京新元科技有限公司" in found, query


@pytest.mark.parametrize("policy", ["skip", "update_empty", "update", "create"])
def test_each_policy_and_undo_restores_the_exact_state(
    world: World, tmp_path: Path, policy: OnDuplicate
) -> None:
    cid = existing(world)
    source = write_csv(tmp_path / "a.csv", ROWS)
    before = snapshot(world)

    result = run(world, source, world.admin, policy)

    with world.db.read_session_factory() as s:
        old = s.get(Customer, cid)
        assert old is not None
        wang = s.scalars(select(Contact).where(Contact.customer_id == cid)).one()
        count = s.scalar(select(text("count(*)")).select_from(Customer))
    if policy == "skip":
        assert result.updated == 0 and old.notes is None and wang.mobile is None
    elif policy == "update_empty":
        assert result.updated == 1
        assert old.notes == "老客户" and old.industry == "机械"  # filled, not overwritten
        assert old.grade_id == world.grades["A"]
        assert wang.mobile == "138 1234 5678" and wang.title == "经理"
        assert old.phone == "021 6123 4567"  # not replaced
    elif policy == "update":
        assert result.updated == 1 and old.notes == "老客户" and wang.mobile == "138 1234 5678"
    else:
        assert result.created == 5 and count == 5  # a second 上海华通机械 too

    if policy in ("update_empty", "update"):
        with world.db.read_session_factory() as s:
            change = s.scalars(
                select(ImportChange).where(
                    ImportChange.batch_id == result.batch_id, ImportChange.entity == "customer"
                )
            ).one()
            assert change.before["version"] == 1 and change.before["notes"] is None

    assert result.batch_id is not None
    with world.db.session_factory.begin() as s:
        undone = undo_import(s, result.batch_id, world.admin)
    assert undone.kept == ()
    assert snapshot(world) == before
    with world.db.read_session_factory() as s:
        assert [b.status for b in list_batches(s, world.admin)] == ["undone"]


def test_undo_keeps_what_was_worked_on_since(world: World, tmp_path: Path) -> None:
    from crm_desktop.services.customers import CustomerInput, update_customer

    result = run(world, write_csv(tmp_path / "a.csv", ROWS), world.admin)
    with world.db.session_factory.begin() as s:
        cid = s.scalar(select(Customer.id).where(Customer.name == "广州测试贸易"))
        assert cid is not None
        update_customer(s, cid, CustomerInput(notes="called"), 1, world.admin)
    assert result.batch_id is not None
    with world.db.session_factory.begin() as s:
        undone = undo_import(s, result.batch_id, world.admin)
    assert len(undone.kept) == 1 and "recycle bin" in undone.kept[0]
    with world.db.read_session_factory() as s:
        live = s.scalars(select(Customer.name).where(Customer.deleted_at.is_(None))).all()
        binned = s.scalars(select(Customer.name).where(Customer.deleted_at.is_not(None))).all()
    assert live == [] and binned == ["广州测试贸易"]


def test_dry_run_writes_nothing(world: World, tmp_path: Path) -> None:
    existing(world)
    before = snapshot(world)
    result = run(world, write_csv(tmp_path / "a.csv", ROWS), world.admin, "update", dry_run=True)
    assert result.dry_run and result.batch_id is None
    assert (result.created, result.updated) == (3, 1)
    assert snapshot(world) == before


def test_cancel_raises_and_the_caller_rolls_back(world: World, tmp_path: Path) -> None:
    body = "".join(f"取消测试{i}有限公司,联系人{i},,,,,,,,\n" for i in range(3000))
    source = write_csv(tmp_path / "big.csv", body)
    before = snapshot(world)
    progress = ProgressState()
    calls = 0

    def cancel_midway(done: int, total: int | None, label: str | None) -> None:
        nonlocal calls
        calls += 1
        if label == "importing" and done > 0:
            progress.cancel()

    progress._on_report = cancel_midway
    with pytest.raises(OperationCancelled), world.db.session_factory.begin() as s:
        run_import(
            s, source, ImportOptions(mapping=guess_mapping(source.headers)), world.admin, progress
        )
    assert calls > 0
    assert snapshot(world) == before


def test_analyse_lists_unknown_values_and_duplicates(world: World, tmp_path: Path) -> None:
    existing(world)
    source = write_csv(tmp_path / "a.csv", ROWS)
    with world.db.read_session_factory() as s:
        plan = analyse(s, source, guess_mapping(source.headers), world.admin)
    assert plan.source_rows == 7
    assert {k: [c.text for c in v] for k, v in plan.unknown.items()} == {
        "grade": ["Z"],
        "region": ["火星"],
        "owner": ["不存在"],
    }
    assert plan.duplicates_in_db == 1
    assert plan.duplicates_in_file == 2
    assert any(p.row == 6 for p in plan.problems)


def test_values_mapped_or_created_by_an_admin_only(world: World, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "a.csv", ROWS)
    values = {
        "grade": {"Z": ValueChoice("Z", 1, None, create=True)},
        "region": {"火星": ValueChoice("火星", 1, world.regions["上海"])},
        "owner": {"不存在": ValueChoice("不存在", 1, world.li.id)},
    }
    with pytest.raises(PermissionDenied), world.db.session_factory.begin() as s:
        run_import(
            s,
            source,
            ImportOptions(mapping=guess_mapping(source.headers), values=values),
            world.manager,
        )
    run(world, source, world.admin, values=values)
    with world.db.read_session_factory() as s:
        row = s.execute(
            select(Customer.grade_id, Customer.region_id, Customer.owner_id).where(
                Customer.name == "广州测试贸易"
            )
        ).one()
        grade = s.scalars(select(Grade).where(Grade.id == row.grade_id)).one()
        assert grade.code == "Z"
        assert row.region_id == world.regions["上海"]
        assert row.owner_id == world.li.id
        assert s.scalar(select(Region.id).where(Region.name == "火星")) is None


def test_a_salesperson_imports_for_themselves_or_the_pool(world: World, tmp_path: Path) -> None:
    body = "李的客户甲,甲,,,,,,王芳,,\n李的客户乙,乙,,,,,,,,\n"
    source = write_csv(tmp_path / "a.csv", body)
    result = run(world, source, world.li)
    assert result.created == 2
    assert any("may not give a customer to 王芳" in p.reason for p in result.problems)
    pool = run(
        world, write_csv(tmp_path / "b.csv", "池客户,丙,,,,,,,,\n"), world.li, default_owner="pool"
    )
    assert pool.created == 1
    with world.db.read_session_factory() as s:
        owners = {n: o for n, o in s.execute(select(Customer.name, Customer.owner_id))}
        branch = s.scalar(select(Customer.branch_id).where(Customer.name == "李的客户甲"))
    assert owners == {"李的客户甲": world.li.id, "李的客户乙": world.li.id, "池客户": None}
    assert branch == world.branches["SH"]
    # A colleague's customer is not touched, even with "update".
    world.new_customer(world.wang, name="王的客户")
    again = run(world, write_csv(tmp_path / "c.csv", "王的客户,丁,,,,,,,,\n"), world.li, "update")
    assert again.skipped == 1 and "a similar customer exists" in again.problems[0].reason


def test_mapping_is_remembered_per_layout(tmp_path: Path) -> None:
    headers = ("公司", "姓名", "手机")
    assert remembered_mapping(headers) is None
    remember_mapping(headers, {0: "customer.name", 2: "contact.mobile"})
    assert remembered_mapping(headers) == {0: "customer.name", 2: "contact.mobile"}
    assert remembered_mapping(("公司", "姓名")) is None


def test_problems_csv_opens_in_excel(tmp_path: Path) -> None:
    from crm_desktop.services.customer_import import RowProblem

    path = tmp_path / "p.csv"
    write_problems_csv([RowProblem(3, "无名: no customer name")], path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfrow,reason\r\n3,")


@pytest.mark.postgres
def test_a_salesperson_imports_under_row_level_security(empty_pg_url: str, tmp_path: Path) -> None:
    from crm_desktop.db.engine import create_db_engine
    from crm_desktop.services.users import sign_in_shared
    from tests.db.shared_world import build_shared_world

    shared = build_shared_world(empty_pg_url)
    engine = create_db_engine(shared.login_url("sales1"), password=shared.password)
    try:
        body = "共享导入甲,甲,13812340001,,,,,,,\n共享导入乙,乙,13812340002,,,,,admin,,\n"
        source = write_csv(tmp_path / "s.csv", body)
        with Session(engine) as s, s.begin():
            me = sign_in_shared(s)
            result = run_import(s, source, ImportOptions(mapping=guess_mapping(source.headers)), me)
        assert result.created == 2
        assert any("may not give" in p.reason or "not a user" in p.reason for p in result.problems)
        with Session(engine) as s:
            owners = set(
                s.scalars(select(Customer.owner_id).where(Customer.name.like("共享导入%")))
            )
        assert owners == {shared.user_ids["sales1"]}
    finally:
        engine.dispose()


def test_many_chunks_are_all_indexed_and_the_index_is_sound(world: World, tmp_path: Path) -> None:
    """Rows are built beside the writes in chunks; every chunk reaches the search index, and
    the SQLite index settings the bulk path changes are back afterwards."""
    n = 4_500  # three write chunks
    body = "".join(f"分块测试{i:05d}有限公司,联系人{i},139{i:08d},,,,,,,\n" for i in range(n))
    result = run(world, write_csv(tmp_path / "chunks.csv", body), world.admin)
    assert result.created == n
    with world.db.read_session_factory() as s:
        for i in (0, 1999, 2000, 3999, 4000, n - 1):
            found = [r.name for r in search_customers(s, f"分块测试{i:05d}").results]
            assert found == [f"分块测试{i:05d}有限公司"], i
        if s.get_bind().dialect.name == "sqlite":
            for table in ("search_customer_text", "search_customer_keys"):
                s.execute(text(f"INSERT INTO {table}({table}) VALUES ('integrity-check')"))
                merge = s.execute(
                    text(f"SELECT v FROM {table}_config WHERE k = 'automerge'")
                ).scalar()
                assert merge in (None, 4)
            assert (
                s.execute(
                    text("SELECT count(*) FROM sqlite_master WHERE name = 'search_customer_ai'")
                ).scalar()
                == 1
            )
            assert int(s.execute(text("PRAGMA cache_size")).scalar() or 0) > -100_000


def test_a_failure_while_building_rows_rolls_everything_back(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_desktop.services import customer_import

    body = "".join(f"失败测试{i}有限公司,联系人{i},,,,,,,,\n" for i in range(5000))
    source = write_csv(tmp_path / "fail.csv", body)
    before = snapshot(world)
    real = customer_import._search_of
    calls = 0

    def failing(*args: Any, **kwargs: Any) -> dict[str, str]:
        nonlocal calls
        calls += 1
        if calls == 3_000:  # inside the second chunk, after the first was written
            raise RuntimeError("broken row builder")
        return real(*args, **kwargs)

    monkeypatch.setattr(customer_import, "_search_of", failing)
    with pytest.raises(RuntimeError, match="broken row builder"):
        run(world, source, world.admin)
    assert snapshot(world) == before
    import threading

    assert not [t for t in threading.enumerate() if t.name == "import-rows"]
    monkeypatch.setattr(customer_import, "_search_of", real)
    assert run(world, source, world.admin).created == 5000
