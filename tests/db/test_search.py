"""The search box's service on real SQLite (FTS5) and PostgreSQL (pg_trgm, tsvector) databases:
every query kind finds the right customers, ranked, visible only to who may see them, and the
indexes follow every insert, update and delete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest
from alembic import command
from sqlalchemy import delete, select, text

from crm_desktop.db import migrate, search_sql
from crm_desktop.db.engine import create_db_engine
from crm_desktop.db.models import AppUser, Branch, Contact, Customer
from crm_desktop.db.types import utcnow
from crm_desktop.services.context import Actor
from crm_desktop.services.database import Database, open_database
from crm_desktop.services.demo import generate_demo
from crm_desktop.services.search import matching_ids, search_customers
from crm_desktop.services.search_keys import customer_search_columns


@dataclass(frozen=True)
class Person:
    name: str
    phone: str | None = None
    email: str | None = None


def add_customer(
    db: Database,
    name: str,
    *,
    phone: str | None = None,
    email: str | None = None,
    address: str | None = None,
    contacts: Sequence[Person] = (),
    owner_id: int | None = None,
    branch_id: int | None = None,
) -> int:
    """A customer with its contacts and search columns, as the customer service writes them."""
    with db.session_factory.begin() as s:
        customer = Customer(
            name=name,
            phone=phone,
            email=email,
            address=address,
            owner_id=owner_id,
            branch_id=branch_id,
            **customer_search_columns(
                name,
                phones=[phone, *(c.phone for c in contacts)],
                emails=[email, *(c.email for c in contacts)],
                address=address,
                contact_names=[c.name for c in contacts],
            ),
        )
        customer.contacts = [Contact(name=c.name, mobile=c.phone, email=c.email) for c in contacts]
        s.add(customer)
        s.flush()
        return customer.id


def names(db: Database, query: str, **kwargs: object) -> list[str]:
    with db.read_session_factory() as s:
        return [hit.name for hit in search_customers(s, query, **kwargs).results]  # type: ignore[arg-type]


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sample(db: Database) -> Database:
    """A few known customers among look-alikes."""
    add_customer(
        db,
        "深圳华为技术有限公司",
        phone="0755-2878 0808",
        email="info@huawei.com",
        address="深圳市龙岗区坂田华为基地",
        contacts=[Person("任正非", "138-1234-5678", "ren@huawei.com"), Person("孙亚芳")],
    )
    add_customer(db, "重庆长安汽车股份有限公司", phone="023-6759 4008", address="重庆市江北区")
    add_customer(
        db,
        "Acme Trading Co., Ltd.",
        phone="+1 415 555 0100",
        email="sales@acme-trading.com",
        address="1 Market Street, San Francisco",
        contacts=[Person("Jane Doe", "+1 415 555 0199")],
    )
    add_customer(db, "华信科技有限公司", phone="021-6123 4567", contacts=[Person("王华为")])
    add_customer(db, "中科电子有限公司", phone="010-8888 1234")
    return db


# --------------------------------------------------------------------------- query kinds


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("华为", "深圳华为技术有限公司", id="2-char-chinese"),
        pytest.param("华为技术", "深圳华为技术有限公司", id="4-char-chinese"),
        pytest.param("为技术", "深圳华为技术有限公司", id="3-char-chinese"),
        pytest.param("长安汽车", "重庆长安汽车股份有限公司", id="4-char-chinese-2"),
        pytest.param("TRADING", "Acme Trading Co., Ltd.", id="english-upper-case"),
        pytest.param("acme tra", "Acme Trading Co., Ltd.", id="english-two-words"),
        pytest.param("ＨＵＡＷＥＩ", "深圳华为技术有限公司", id="full-width-pinyin"),
        pytest.param("huawei", "深圳华为技术有限公司", id="full-pinyin"),
        pytest.param("shenzhenhuawei", "深圳华为技术有限公司", id="full-pinyin-long"),
        pytest.param("hwjs", "深圳华为技术有限公司", id="initials-inside-name"),
        pytest.param("szhw", "深圳华为技术有限公司", id="initials-prefix"),
        pytest.param("cqca", "重庆长安汽车股份有限公司", id="initials-polyphonic"),
        pytest.param("cq", "重庆长安汽车股份有限公司", id="initials-polyphonic-2-letters"),
        pytest.param("zqca", "重庆长安汽车股份有限公司", id="initials-other-reading"),
        pytest.param("任正非", "深圳华为技术有限公司", id="contact-3-chars"),
        pytest.param("亚芳", "深圳华为技术有限公司", id="contact-2-chars"),
        pytest.param("jane", "Acme Trading Co., Ltd.", id="contact-english"),
        pytest.param("info@huawei.com", "深圳华为技术有限公司", id="email"),
        pytest.param("ren@huawei", "深圳华为技术有限公司", id="contact-email"),
        pytest.param("坂田", "深圳华为技术有限公司", id="address-2-chars"),
        pytest.param("龙岗区坂田", "深圳华为技术有限公司", id="address"),
        pytest.param("market street", "Acme Trading Co., Ltd.", id="address-english"),
        pytest.param("0755-28780808", "深圳华为技术有限公司", id="phone-dashes"),
        pytest.param("0755 2878 0808", "深圳华为技术有限公司", id="phone-spaces"),
        pytest.param("+86 755 2878 0808", "深圳华为技术有限公司", id="phone-plus86"),
        pytest.param("75528780808", "深圳华为技术有限公司", id="phone-without-0"),
        pytest.param("+86 138 1234 5678", "深圳华为技术有限公司", id="contact-mobile-plus86"),
        pytest.param("2878", "深圳华为技术有限公司", id="phone-4-digits"),
        pytest.param("5528780", "深圳华为技术有限公司", id="phone-7-digits"),
        pytest.param("415 555 0199", "Acme Trading Co., Ltd.", id="contact-phone-foreign"),
    ],
)
def test_each_query_kind_finds_the_customer(sample: Database, query: str, expected: str) -> None:
    assert expected in names(sample, query)


def test_two_chinese_characters_find_every_customer_holding_them(sample: Database) -> None:
    # In a name, and in a contact's name (王华为 of 华信科技).
    assert set(names(sample, "华为")) == {"深圳华为技术有限公司", "华信科技有限公司"}


def test_a_miss_finds_nothing(sample: Database) -> None:
    with sample.read_session_factory() as s:
        for query in ("不存在的公司", "zzqx", "9876543", "nobody@nowhere.org", "   "):
            result = search_customers(s, query)
            assert (result.total, result.results) == (0, []), query


def test_quotes_and_query_syntax_are_searched_as_text(sample: Database) -> None:
    with sample.read_session_factory() as s:
        for query in ('"', 'zz" OR "q', "zq*", "NEAR(zq xk)", "100%", "z_b", "it's", "\\"):
            assert search_customers(s, query).results == [], query


def test_result_carries_grade_region_owner_and_contact_details(db: Database) -> None:
    with db.session_factory.begin() as s:
        generate_demo(s, customers=30, workers=0)
        owned = s.scalars(select(Customer).where(Customer.owner_id.is_not(None))).first()
        assert owned is not None
        owner_name = s.get(AppUser, owned.owner_id).display_name  # type: ignore[union-attr]
        expected = (owned.id, owned.name, owned.phone, owned.email)

    with db.read_session_factory() as s:
        hits = {h.id: h for h in search_customers(s, expected[1]).results}
    hit = hits[expected[0]]
    assert (hit.id, hit.name, hit.phone, hit.email) == expected
    assert hit.owner == owner_name
    assert hit.grade and hit.region


# --------------------------------------------------------------------------- ranking


def test_exact_name_then_prefix_then_substring_then_other_fields(db: Database) -> None:
    add_customer(db, "深圳华为技术有限公司")  # substring
    add_customer(db, "远航物流", contacts=[Person("李华为")])  # only a contact matches
    add_customer(db, "华为终端有限公司")  # prefix
    add_customer(db, "华为")  # exact
    add_customer(db, "华为技术股份有限公司")  # prefix, longer

    assert names(db, "华为") == [
        "华为",
        "华为终端有限公司",
        "华为技术股份有限公司",
        "深圳华为技术有限公司",
        "远航物流",
    ]


def test_exact_name_ignores_legal_suffix_and_ranks_first(db: Database) -> None:
    add_customer(db, "Acme Trading Holdings")
    add_customer(db, "Acme Trading Co., Ltd.")
    add_customer(db, "Best Acme Trading")

    assert names(db, "acme trading")[0] == "Acme Trading Co., Ltd."
    assert names(db, "acme trading")[-1] == "Best Acme Trading"


def test_limit_and_total(db: Database) -> None:
    for i in range(12):
        add_customer(db, f"星辰贸易{i:02d}号有限公司")

    with db.read_session_factory() as s:
        first = search_customers(s, "星辰贸易", limit=5)
        every = search_customers(s, "星辰贸易")

    assert [h.name for h in first.results] == [f"星辰贸易{i:02d}号有限公司" for i in range(5)]
    # Enough prefix matches for the first page: the other sources were skipped ("≥ total").
    assert first.capped and first.total >= 5
    assert len(every.results) == every.total == 12 and not every.capped
    assert every.query == "星辰贸易" and every.elapsed_ms >= 0


def test_a_common_fragment_is_answered_from_a_bounded_candidate_set(db: Database) -> None:
    with db.session_factory.begin() as s:
        generate_demo(s, customers=600, workers=0)

    with db.read_session_factory() as s:
        result = search_customers(s, "有限公司", limit=10)

    assert len(result.results) == 10
    assert result.capped and result.total >= 200


# --------------------------------------------------------------------------- visibility


@pytest.fixture
def team(db: Database) -> dict[str, Actor]:
    with db.session_factory.begin() as s:
        sh, gz = Branch(name="上海", code="SH"), Branch(name="广州", code="GZ")
        s.add_all([sh, gz])
        s.flush()
        users = {
            "li": AppUser(login="li", display_name="李娜", role="sales", branch_id=sh.id),
            "wang": AppUser(login="wang", display_name="王芳", role="sales", branch_id=sh.id),
            "chen": AppUser(login="chen", display_name="陈静", role="sales", branch_id=gz.id),
            "zhang": AppUser(login="zhang", display_name="张伟", role="manager", branch_id=sh.id),
        }
        s.add_all(users.values())
        s.flush()
        return {
            login: Actor(u.id, u.login, u.display_name, u.role, u.branch_id)
            for login, u in users.items()
        }


def test_sales_see_their_own_customers_and_the_pool_only(
    db: Database, team: dict[str, Actor]
) -> None:
    li, wang, chen = team["li"], team["wang"], team["chen"]
    add_customer(db, "华为李娜客户", owner_id=li.id, branch_id=li.branch_id)
    add_customer(db, "华为王芳客户", owner_id=wang.id, branch_id=wang.branch_id)
    add_customer(db, "华为陈静客户", owner_id=chen.id, branch_id=chen.branch_id)
    add_customer(db, "华为公海客户", branch_id=li.branch_id)  # public pool

    for query in ("华为", "华为王芳", "huawei", "hw"):
        assert set(names(db, query, visible_to=li)) <= {"华为李娜客户", "华为公海客户"}
    assert set(names(db, "华为", visible_to=li)) == {"华为李娜客户", "华为公海客户"}
    assert names(db, "华为王芳客户", visible_to=li) == []
    assert set(names(db, "华为", visible_to=team["zhang"])) == {
        "华为李娜客户",
        "华为王芳客户",
        "华为公海客户",
    }
    assert len(names(db, "华为")) == 4  # no actor (the command line): everything
    with db.read_session_factory() as s:
        assert len(matching_ids(s, "华为", visible_to=li)) == 2


def test_deleted_customers_never_appear(db: Database) -> None:
    gone = add_customer(db, "已删除华为客户", phone="0755-1111 2222")
    add_customer(db, "华为在册客户")
    with db.session_factory.begin() as s:
        s.get(Customer, gone).deleted_at = utcnow()  # type: ignore[union-attr]

    for query in ("华为", "已删除", "已删除华为客户", "11112222", "ysc"):
        assert "已删除华为客户" not in names(db, query), query
    with db.read_session_factory() as s:
        assert gone not in matching_ids(s, "华为")


# --------------------------------------------------------------------------- index sync


def test_renaming_a_customer_moves_it_in_every_index(db: Database) -> None:
    cid = add_customer(db, "旧名字贸易有限公司", contacts=[Person("赵敏")])
    with db.session_factory.begin() as s:
        customer = s.get(Customer, cid)
        assert customer is not None
        customer.name = "华为新名称有限公司"
        for key, value in customer_search_columns(customer.name, contact_names=["赵敏"]).items():
            setattr(customer, key, value)

    for old in ("旧名字", "旧名", "jmz", "jiumingzi"):
        assert names(db, old) == [], old
    for new in ("华为新名称", "新名", "hwxmc", "huaweixin", "赵敏"):
        assert names(db, new) == ["华为新名称有限公司"], new


def test_hard_deleted_customers_leave_the_indexes(db: Database) -> None:
    cid = add_customer(db, "临时客户华为")
    with db.session_factory.begin() as s:
        s.execute(delete(Customer).where(Customer.id == cid))

    assert names(db, "华为") == []
    assert names(db, "临时客户") == []


def test_sqlite_indexes_stay_consistent_through_inserts_updates_and_deletes(
    sqlite_url: str,
) -> None:
    db = open_database(sqlite_url)
    try:
        ids = [
            add_customer(db, f"一致性测试{i}号公司", contacts=[Person("周强")]) for i in range(5)
        ]
        with db.session_factory.begin() as s:
            s.get(Customer, ids[0]).search_keys = "改变"  # type: ignore[union-attr]
            s.get(Customer, ids[1]).search_text = "改变了的文本"  # type: ignore[union-attr]
            s.get(Customer, ids[2]).grade_id = None  # type: ignore[union-attr]
            s.execute(delete(Customer).where(Customer.id == ids[3]))
        with db.engine.begin() as conn:
            for table in (search_sql.TEXT_TABLE, search_sql.KEYS_TABLE):
                # Raises "database disk image is malformed" when the index and rows differ.
                conn.execute(
                    text(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
                )
            triggers = set(
                conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
                .scalars()
                .all()
            )
        assert set(search_sql.SQLITE_TRIGGERS) <= triggers
    finally:
        db.dispose()


def test_demo_data_is_searchable_after_a_bulk_load(db: Database) -> None:
    # The bulk path (indexes built once after the load) on a small run.
    with db.session_factory.begin() as s:
        generate_demo(s, customers=40, workers=0, search_reindex_from=10)
        sample = s.scalars(select(Customer).order_by(Customer.id.desc())).first()
        assert sample is not None and sample.search_keys
        name, phone = sample.name, sample.phone_digits.split()[0]
    add_customer(db, "批量之后新增客户")  # the triggers are back

    if db.dialect == "sqlite":
        with db.engine.begin() as conn:
            for fts in (search_sql.TEXT_TABLE, search_sql.KEYS_TABLE):
                conn.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"))
    assert name in names(db, name)
    assert name in names(db, phone[-7:])
    assert names(db, "批量之后") == ["批量之后新增客户"]


def test_sqlite_search_reads_the_search_indexes_never_the_whole_table(
    sqlite_url: str,
) -> None:
    # SQLite has no statistics here: an index leading with deleted_at, owner_id or branch_id
    # (the list's) looks as good as the search index to it unless the query rules that out.
    from crm_desktop.services.search import (
        _candidate_columns,
        _sources,
        plan_query,
        visibility_filter,
    )

    db = open_database(sqlite_url)
    try:
        sales = Actor(7, "li", "李娜", "sales", 1)
        manager = Actor(8, "zhang", "张伟", "manager", 1)
        with db.engine.connect() as conn:
            for actor in (None, sales, manager):
                for query in (
                    "华为",
                    "华",
                    "hw",
                    "h",
                    "华为技术",
                    "acme tra",
                    "0755-2878",
                    "x@y.cn",
                ):
                    plan = plan_query(query)
                    for stmt in _sources(
                        plan, "sqlite", visibility_filter(actor), 200, _candidate_columns(plan)
                    ):
                        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
                        steps = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
                        assert not any(
                            step.startswith("SCAN customer")
                            or "TEMP B-TREE" in step
                            or "ix_customer_list" in step
                            or "owner_id" in step
                            for step in steps
                        ), (query, actor, steps)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_postgresql_search_does_not_leave_statement_preparation_switched_off(
    pg_url: str,
) -> None:
    db = open_database(pg_url)
    try:
        add_customer(db, "华为技术有限公司")
        with db.read_session_factory() as s:
            raw = s.connection().connection.dbapi_connection
            before = raw.prepare_threshold  # type: ignore[union-attr]
            for _ in range(8):  # past psycopg's prepare threshold
                assert [h.name for h in search_customers(s, "华为").results] == ["华为技术有限公司"]
            assert raw.prepare_threshold == before  # type: ignore[union-attr]
    finally:
        db.dispose()


# --------------------------------------------------------------------------- migration


def test_upgrade_makes_customers_of_an_older_database_searchable(empty_db_url: str) -> None:
    engine = create_db_engine(empty_db_url)
    try:
        migrate.upgrade(engine, "0001")
        old = customer_search_columns("重庆长安汽车有限公司", phones=["023-6759 4008"])
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO customer (uuid, name, kind, status, locked, version, "
                    "created_at, updated_at, name_norm, name_pinyin, name_initials, "
                    "phone_digits, email_norm, search_text) VALUES ('u-1', :name, 'company', "
                    "'prospect', false, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :name_norm, "
                    ":name_pinyin, :name_initials, :phone_digits, '', :search_text)"
                ),
                {
                    **{k: v for k, v in old.items() if k.startswith("name_")},
                    "phone_digits": old["phone_digits"],
                    "name": "重庆长安汽车有限公司",
                    "search_text": "重庆长安汽车有限公司",
                },
            )
            cid = conn.execute(text("SELECT id FROM customer")).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO contact (uuid, customer_id, name, is_primary, version, "
                    "email_norm, created_at, updated_at) VALUES ('c-1', :cid, '朱华荣', true, "
                    "1, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"cid": cid},
            )

        migrate.upgrade(engine)
        migrate.check(engine)
    finally:
        engine.dispose()

    db = open_database(empty_db_url)
    try:
        for query in ("长安", "cqca", "华荣", "重庆长安"):
            assert names(db, query) == ["重庆长安汽车有限公司"], query
    finally:
        db.dispose()


def test_downgrade_removes_the_search_indexes_and_keeps_every_row(db_url: str) -> None:
    db = open_database(db_url)
    try:
        with db.session_factory.begin() as s:
            generate_demo(s, customers=20, workers=0)
        with db.engine.connect() as conn:
            before = [
                conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("customer", "contact", "followup")
            ]
        command.downgrade(migrate.alembic_config(db.engine), "0001")
        with db.engine.connect() as conn:
            after = [
                conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("customer", "contact", "followup")
            ]
            columns = {
                row[0] if db.dialect == "postgresql" else row[1]
                for row in conn.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = 'customer'"
                        if db.dialect == "postgresql"
                        else "PRAGMA table_info(customer)"
                    )
                )
            }
        assert after == before
        assert "search_keys" not in columns
        migrate.upgrade(db.engine)
        migrate.check(db.engine)
    finally:
        db.dispose()


# --------------------------------------------------------------------------- command line


def test_command_line_search_prints_the_json_contract(sample: Database) -> None:
    url = sample.url.render_as_string(hide_password=False)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "crm_desktop.cli",
            "customers",
            "search",
            "华为",
            "--json",
            "--limit",
            "1",
            "--database",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )

    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result) == {"query", "elapsed_ms", "total", "results"}
    assert result["query"] == "华为" and result["total"] == 2
    assert isinstance(result["elapsed_ms"], float)
    [hit] = result["results"]
    assert set(hit) == {"id", "name", "grade", "region", "owner", "phone", "email"}
    assert hit["name"] == "深圳华为技术有限公司"
    assert hit["phone"] == "0755-2878 0808" and hit["owner"] is None


def test_command_line_search_prints_a_table(sample: Database) -> None:
    url = sample.url.render_as_string(hide_password=False)
    out = subprocess.run(
        [sys.executable, "-m", "crm_desktop.cli", "customers", "search", "cqca", "--database", url],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )

    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("1 of 1 customers for 'cqca'")
    assert lines[1].split() == ["id", "name", "grade", "region", "owner", "phone", "email"]
    assert "重庆长安汽车股份有限公司" in lines[2] and "(pool)" in lines[2]
