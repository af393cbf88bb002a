"""Row-level security in Shared mode, tried the way a person with psql would: raw SQL on a
connection opened *as* each login with its own password (not through the app)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.db.shared_world import OWNED_TABLES, SharedWorld, open_shared_world

pytestmark = pytest.mark.postgres

OTHERS = {
    "sales1": ("admin", "manager", "sales2", "sales3"),
    "sales2": ("admin", "manager", "sales1", "sales3"),
    "sales3": ("admin", "manager", "sales1", "sales2"),
}


@pytest.fixture
def world(empty_pg_url: str) -> Iterator[SharedWorld]:
    yield from open_shared_world(empty_pg_url)


def _ids(conn: psycopg.Connection[Any], table: str) -> set[int]:
    return {int(r[0]) for r in conn.execute(f"SELECT id FROM {table}").fetchall()}


def _refused(conn: psycopg.Connection[Any], sql: str, *params: Any) -> None:
    with pytest.raises(psycopg.Error):
        conn.execute(sql, params or None)


def test_salespeople_see_nothing_of_a_colleague(world: SharedWorld) -> None:
    for who, others in OTHERS.items():
        with world.connect(who) as conn:
            for table in OWNED_TABLES:
                visible = _ids(conn, table)
                foreign = world.ids_of(others, table)
                assert not visible & foreign, (who, table)
                assert world.owned[who][table] <= visible, (who, table)
            # The pool is shared by every salesperson.
            assert world.pool["customer"] <= _ids(conn, "customer")
            assert world.pool["contact"] <= _ids(conn, "contact")


def test_manager_sees_exactly_their_branch(world: SharedWorld) -> None:
    branch_people = ("admin", "manager", "sales1", "sales2")
    with world.connect("manager") as conn:
        for table in (
            "customer",
            "contact",
            "followup",
            "email_message",
            "attachment",
            "ownership_change",
            "import_batch",
            "audit_log",
        ):
            visible = _ids(conn, table)
            assert world.ids_of(branch_people, table) <= visible, table
            assert not visible & world.owned["sales3"][table], table
        customers = _ids(conn, "customer")
        assert customers == world.ids_of(branch_people, "customer") | world.pool["customer"]
        # Mail accounts are personal, managers included.
        assert _ids(conn, "mail_account") == world.owned["manager"]["mail_account"]


def test_admin_sees_everything(world: SharedWorld) -> None:
    with world.superuser() as su, world.connect("admin") as conn:
        for table in (*OWNED_TABLES, "app_user", "branch", "grade", "region"):
            assert _ids(conn, table) == _ids(su, table), table


def test_salesperson_cannot_touch_a_colleagues_rows(world: SharedWorld) -> None:
    theirs = min(world.owned["sales2"]["customer"])
    contact = min(world.owned["sales2"]["contact"])
    mine = min(world.owned["sales1"]["customer"])
    colleague = world.user_ids["sales2"]
    with world.connect("sales1") as conn:
        assert conn.execute("UPDATE customer SET name = 'x' WHERE id = %s", (theirs,)).rowcount == 0
        assert conn.execute("UPDATE contact SET name = 'x' WHERE id = %s", (contact,)).rowcount == 0
        _refused(conn, "DELETE FROM customer WHERE id = %s", theirs)
        _refused(conn, "DELETE FROM contact WHERE id = %s", contact)
        # Insert for another owner, or into another branch.
        _refused(
            conn,
            "INSERT INTO customer (uuid, name, kind, branch_id, owner_id, status, locked, "
            "version, created_at, updated_at) VALUES (gen_random_uuid()::text, 'n', 'company', "
            "%s, %s, 'prospect', false, 1, now(), now())",
            world.branches["HQ"],
            colleague,
        )
        _refused(
            conn,
            "INSERT INTO customer (uuid, name, kind, branch_id, owner_id, status, locked, "
            "version, created_at, updated_at) VALUES (gen_random_uuid()::text, 'n', 'company', "
            "%s, %s, 'prospect', false, 1, now(), now())",
            world.branches["B2"],
            world.user_ids["sales1"],
        )
        # A contact or follow-up on a colleague's customer; a follow-up in someone else's name.
        _refused(
            conn,
            "INSERT INTO contact (uuid, customer_id, name, email_norm, is_primary, version, "
            "created_at, updated_at) VALUES (gen_random_uuid()::text, %s, 'x', '', false, 1, "
            "now(), now())",
            theirs,
        )
        _refused(
            conn,
            "INSERT INTO followup (uuid, customer_id, user_id, kind, status, summary, version, "
            "created_at, updated_at) VALUES (gen_random_uuid()::text, %s, %s, 'call', 'done', "
            "'', 1, now(), now())",
            mine,
            colleague,
        )
        # Handing an own customer to somebody else.
        _refused(conn, "UPDATE customer SET owner_id = %s WHERE id = %s", colleague, mine)
        # Moving an own customer to another branch.
        _refused(
            conn, "UPDATE customer SET branch_id = %s WHERE id = %s", world.branches["B2"], mine
        )
        for table in ("customer", "audit_log", "app_user", "contact"):
            _refused(conn, f"TRUNCATE {table}")


def test_salesperson_may_claim_and_release(world: SharedWorld) -> None:
    pool_customer = min(world.pool["customer"])
    me = world.user_ids["sales1"]
    with world.connect("sales1") as conn:
        done = conn.execute(
            "UPDATE customer SET owner_id = %s WHERE id = %s AND owner_id IS NULL",
            (me, pool_customer),
        )
        assert done.rowcount == 1
        done = conn.execute("UPDATE customer SET owner_id = NULL WHERE id = %s", (pool_customer,))
        assert done.rowcount == 1


@pytest.mark.parametrize("role", ["crm_admin", "crm_owner", "crm_manager", "crm_usermgr"])
def test_no_escape_by_set_role(world: SharedWorld, role: str) -> None:
    with world.connect("sales1") as conn:
        _refused(conn, f"SET ROLE {role}")


def test_own_group_role_gives_nothing_more(world: SharedWorld) -> None:
    with world.connect("sales1") as conn:
        conn.execute("SET ROLE crm_sales")
        assert conn.execute("SELECT crm_user_id()").fetchone() == (None,)
        assert _ids(conn, "customer") == set()


def test_row_security_off_is_an_error_not_a_bypass(world: SharedWorld) -> None:
    for who in ("sales1", "manager", "admin"):
        with world.connect(who) as conn:
            conn.execute("SET row_security = off")
            _refused(conn, "SELECT id FROM customer")


def test_audit_actor_cannot_be_forged(world: SharedWorld) -> None:
    with world.connect("sales1") as conn:
        row = conn.execute(
            "INSERT INTO audit_log (at, actor, action, entity) VALUES "
            "('2000-01-01', %s, 'forged', 'x') RETURNING actor, at",
            (world.logins["admin"],),
        ).fetchone()
        assert row is not None
        assert row[0] == world.logins["sales1"]
        assert row[1].year > 2000


@pytest.mark.parametrize("who", ["sales1", "manager", "admin"])
def test_audit_log_is_append_only_for_everyone(world: SharedWorld, who: str) -> None:
    own = min(world.owned[who]["audit_log"])
    with world.connect(who) as conn:
        for sql in (
            "UPDATE audit_log SET action = 'x' WHERE id = %s",
            "DELETE FROM audit_log WHERE id = %s",
        ):
            _refused(conn, sql, own)
        _refused(conn, "TRUNCATE audit_log")


def test_audit_rows_readable_by_admin_and_branch_manager(world: SharedWorld) -> None:
    with world.connect("sales1") as conn:
        assert _ids(conn, "audit_log") == world.owned["sales1"]["audit_log"]
    with world.connect("manager") as conn:
        seen = _ids(conn, "audit_log")
        assert world.ids_of(("sales1", "sales2", "manager", "admin"), "audit_log") <= seen
        assert not seen & world.owned["sales3"]["audit_log"]


def test_users_cannot_change_their_role_or_others(world: SharedWorld) -> None:
    with world.connect("sales1") as conn:
        _refused(conn, "UPDATE app_user SET role = 'admin' WHERE login = current_user")
        done = conn.execute(
            "UPDATE app_user SET display_name = 'x' WHERE id = %s", (world.user_ids["sales2"],)
        )
        assert done.rowcount == 0
        done = conn.execute("UPDATE app_user SET display_name = 'Me' WHERE login = current_user")
        assert done.rowcount == 1
        _refused(
            conn,
            "INSERT INTO branch (name, code, version, created_at, updated_at) "
            "VALUES ('x', 'x', 1, now(), now())",
        )
        _refused(conn, "SELECT crm_create_login('evil_one', 'password123', 'admin')")
        _refused(conn, "SELECT crm_set_login_role(current_user, 'admin')")
        _refused(conn, "SELECT crm_set_login_password(%s, 'password123')", world.logins["sales2"])
        _refused(conn, "ALTER TABLE customer DISABLE ROW LEVEL SECURITY")
        _refused(conn, "CREATE TABLE public.mine (id int)")


def test_export_permission_in_the_database(world: SharedWorld) -> None:
    expected = {"sales1": False, "manager": True, "admin": True}
    for who, allowed in expected.items():
        with world.connect(who) as conn:
            assert conn.execute("SELECT crm_can_export()").fetchone() == (allowed,)


@pytest.mark.parametrize("who", ["sales1", "sales3", "manager", "admin"])
def test_the_apps_services_work_under_rls(world: SharedWorld, who: str) -> None:
    """The app connected as the login itself: everyday work is not refused by a policy."""
    from crm_desktop.services import audit, pool
    from crm_desktop.services.customer_list import CustomerFilter, SortSpec, keyset_page
    from crm_desktop.services.customers import (
        ContactInput,
        CustomerInput,
        add_contact,
        create_customer,
    )
    from crm_desktop.services.database import open_database
    from crm_desktop.services.followups import FollowupInput, log_followup
    from crm_desktop.services.search import search_customers
    from crm_desktop.services.users import sign_in_shared

    db = open_database(world.login_url(who), password=world.password)
    try:
        with db.session_factory.begin() as s:
            actor = sign_in_shared(s)
        assert actor.login == world.logins[who]
        with db.read_session_factory() as s:
            page = keyset_page(s, CustomerFilter(), SortSpec(), None, 100, actor=actor)
            listed = {row.id for row in page.rows}
            assert world.owned[who]["customer"] <= listed
            hits = search_customers(s, "pool customer", visible_to=actor)
            assert hits.results
        with db.session_factory.begin() as s:
            created = create_customer(
                s, CustomerInput(name=f"New of {who} {world.logins[who]}"), actor
            )
            add_contact(s, created.id, ContactInput(name="Someone"), actor)
            log_followup(s, created.id, FollowupInput(summary="called", outcome="positive"), actor)
            audit.record(s, actor, "test.smoke", "customer", created.id)
        pool_customer = min(world.pool["customer"])
        with db.session_factory.begin() as s:
            pool.claim(s, pool_customer, actor)
        with db.session_factory.begin() as s:
            pool.release_to_pool(s, pool_customer, actor, note="back")
        with db.session_factory.begin() as s:
            pool.reclaim(s, actor=actor)
    finally:
        db.dispose()
    with world.superuser() as su:
        row = su.execute(
            "SELECT actor FROM audit_log WHERE action = 'test.smoke' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        assert row == (world.logins[who],)
        owner = su.execute("SELECT owner_id FROM customer WHERE id = %s", (pool_customer,))
        assert owner.fetchone() == (None,)


def test_customer_list_uses_an_index_as_a_salesperson(world: SharedWorld) -> None:
    """RLS cost: the list's first page for a salesperson on a few thousand rows."""
    from crm_desktop.services.context import Actor
    from crm_desktop.services.customer_list import (
        CustomerFilter,
        SortSpec,
        _conditions,
        _order_by,
        _row_select,
    )

    others = [world.user_ids[w] for w in ("sales2", "sales3", "manager")]
    with world.superuser() as su:
        su.execute(
            "INSERT INTO customer (uuid, name, kind, branch_id, owner_id, status, locked, "
            "name_norm, name_pinyin, name_initials, phone_digits, email_norm, search_text, "
            "search_keys, version, created_at, updated_at) "
            "SELECT gen_random_uuid()::text, 'bulk ' || g, 'company', %s, "
            "(%s::int[])[1 + g %% 3], 'active', false, 'bulk', '', '', '', '', '', '', 1, now(), "
            "now() FROM generate_series(1, 6000) g",
            (world.branches["HQ"], others),
        )
        su.execute("ANALYZE customer")
    me = Actor(
        id=world.user_ids["sales1"],
        login=world.logins["sales1"],
        display_name="S",
        role="sales",
        branch_id=world.branches["HQ"],
    )
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    engine = create_engine(make_url(world.login_url("sales1")).set(password=world.password))
    try:
        with Session(engine) as s:
            sort = SortSpec()
            stmt = (
                _row_select()
                .where(*_conditions(s, CustomerFilter(), me, datetime.now(UTC)))
                .order_by(*_order_by(sort))
                .limit(100)
            )
            sql = str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
            plan = "\n".join(
                r[0] for r in s.connection().exec_driver_sql("EXPLAIN " + sql.replace("%", "%%"))
            )
    finally:
        engine.dispose()
    assert "Index" in plan, plan
    assert "Seq Scan on customer" not in plan, plan
