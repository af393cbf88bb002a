"""Row-level security in Shared mode, tried the way a person with psql would: raw SQL on a
connection opened *as* each login with its own password (not through the app)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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


# A claim as pool.claim writes it: owner, owner since, pool since, branch, time and version.
CLAIM_SQL = (
    "UPDATE customer SET owner_id = %s, owner_since = now(), pool_since = NULL, branch_id = %s, "
    "updated_at = now(), version = version + 1 WHERE id = %s AND owner_id IS NULL "
    "AND deleted_at IS NULL"
)
RELEASE_SQL = (
    "UPDATE customer SET owner_id = NULL, owner_since = NULL, pool_since = now(), "
    "updated_at = now(), version = version + 1 WHERE id = %s"
)


def _customer_row(world: SharedWorld, customer_id: int) -> tuple[Any, ...]:
    with world.superuser() as su:
        row = su.execute("SELECT * FROM customer WHERE id = %s", (customer_id,)).fetchone()
    assert row is not None
    return tuple(row)


def test_salesperson_may_claim_and_release(world: SharedWorld) -> None:
    pool_customer = min(world.pool["customer"])
    me = world.user_ids["sales1"]
    with world.connect("sales1") as conn:
        done = conn.execute(CLAIM_SQL, (me, world.branches["HQ"], pool_customer))
        assert done.rowcount == 1
        # Now theirs: their own customer's fields are theirs to change.
        done = conn.execute("UPDATE customer SET notes = 'mine' WHERE id = %s", (pool_customer,))
        assert done.rowcount == 1
        done = conn.execute(RELEASE_SQL, (pool_customer,))
        assert done.rowcount == 1
    with world.superuser() as su:
        row = su.execute(
            "SELECT owner_id, owner_since, pool_since FROM customer WHERE id = %s",
            (pool_customer,),
        ).fetchone()
        assert row is not None
        assert row[0] is None and row[1] is None and row[2] is not None


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("name", "'renamed by psql'"),
        ("notes", "'my notes'"),
        ("phone", "'555'"),
        ("status", "'active'"),
        ("grade_id", "(SELECT min(id) FROM grade)"),
        ("region_id", "(SELECT min(id) FROM region)"),
        ("deleted_at", "now()"),
        ("pool_since", "now() + interval '1 year'"),
        ("next_followup_at", "now() + interval '1 year'"),
        ("version", "version + 1"),
    ],
)
def test_salesperson_cannot_change_a_pool_customer(
    world: SharedWorld, column: str, value: str
) -> None:
    pool_customer = min(world.pool["customer"])
    before = _customer_row(world, pool_customer)
    me = world.user_ids["sales1"]
    with world.connect("sales1") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="public pool"):
            conn.execute(f"UPDATE customer SET {column} = {value} WHERE id = %s", (pool_customer,))
        # Nor along with a claim (the claim's own columns excepted).
        if column not in ("pool_since", "version"):
            claim_and_more = CLAIM_SQL.replace(" WHERE ", f", {column} = {value} WHERE ")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only claim"):
                conn.execute(claim_and_more, (me, world.branches["HQ"], pool_customer))
    assert _customer_row(world, pool_customer) == before
    with world.connect("sales1") as conn:
        # The same claim without the extra column is fine.
        done = conn.execute(CLAIM_SQL, (me, world.branches["HQ"], pool_customer))
        assert done.rowcount == 1


def test_salesperson_cannot_delete_or_bin_a_pool_customer(world: SharedWorld) -> None:
    pool_customer = min(world.pool["customer"])
    with world.superuser() as su:
        binned = min(world.pool["customer"] - {pool_customer})
        su.execute("UPDATE customer SET deleted_at = now() WHERE id = %s", (binned,))
    me = world.user_ids["sales1"]
    with world.connect("sales1") as conn:
        _refused(conn, "DELETE FROM customer WHERE id = %s", pool_customer)
        _refused(conn, "UPDATE customer SET deleted_at = now() WHERE id = %s", pool_customer)
        # Restoring a binned pool customer, or claiming it out of the recycle bin.
        _refused(conn, "UPDATE customer SET deleted_at = NULL WHERE id = %s", binned)
        _refused(conn, "UPDATE customer SET owner_id = %s WHERE id = %s", me, binned)
    with world.superuser() as su:
        row = su.execute("SELECT deleted_at FROM customer WHERE id = %s", (pool_customer,))
        assert row.fetchone() == (None,)


def test_pool_customer_dates_follow_the_followups_only(world: SharedWorld) -> None:
    """A release recomputes the follow-up dates of a customer already in the pool
    (followups.refresh_customer_dates); any other date is refused."""
    pool_customer = min(world.pool["customer"])
    with world.superuser() as su:
        su.execute(
            "UPDATE customer SET next_followup_at = now() + interval '3 days' WHERE id = %s",
            (pool_customer,),
        )
    with world.connect("sales1") as conn:
        done = conn.execute(
            "UPDATE customer SET last_followup_at = (SELECT max(f.happened_at) FROM followup f "
            "WHERE f.customer_id = customer.id AND f.status = 'done' AND f.deleted_at IS NULL), "
            "next_followup_at = (SELECT min(f.due_at) FROM followup f "
            "WHERE f.customer_id = customer.id AND f.status = 'planned' "
            "AND f.deleted_at IS NULL), updated_at = now() WHERE id = %s",
            (pool_customer,),
        )
        assert done.rowcount == 1
        _refused(
            conn,
            "UPDATE customer SET last_followup_at = now() + interval '1 year' WHERE id = %s",
            pool_customer,
        )
    with world.superuser() as su:
        row = su.execute("SELECT next_followup_at FROM customer WHERE id = %s", (pool_customer,))
        assert row.fetchone() == (None,)


def test_manager_and_admin_may_still_edit_pool_customers(world: SharedWorld) -> None:
    pool_customer = min(world.pool["customer"])  # in branch HQ
    for who in ("manager", "admin"):
        with world.connect(who) as conn:
            done = conn.execute(
                "UPDATE customer SET notes = %s, version = version + 1 WHERE id = %s",
                (f"edited by {who}", pool_customer),
            )
            assert done.rowcount == 1, who


def _add_followup(world: SharedWorld, customer_id: int, author: str, status: str = "done") -> int:
    with world.superuser() as su:
        row = su.execute(
            "INSERT INTO followup (uuid, customer_id, user_id, kind, status, happened_at, due_at, "
            "summary, outcome, version, created_at, updated_at) VALUES "
            "(gen_random_uuid()::text, %s, %s, 'call', %s, now(), now() + interval '2 days', "
            "'original', 'neutral', 1, now(), now()) RETURNING id",
            (customer_id, world.user_ids[author], status),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _followup(world: SharedWorld, followup_id: int) -> tuple[Any, ...]:
    with world.superuser() as su:
        row = su.execute(
            "SELECT user_id, customer_id, status, summary FROM followup WHERE id = %s",
            (followup_id,),
        ).fetchone()
    assert row is not None
    return tuple(row)


def test_salesperson_cannot_rewrite_followup_authors(world: SharedWorld) -> None:
    mine = min(world.owned["sales1"]["customer"])
    other_mine = max(world.owned["sales1"]["customer"])
    own_followup = min(world.owned["sales1"]["followup"])
    by_manager = _add_followup(world, mine, "manager")
    plan_by_manager = _add_followup(world, mine, "manager", "planned")
    before = {f: _followup(world, f) for f in (own_followup, by_manager)}
    colleague = world.user_ids["sales2"]
    with world.connect("sales1") as conn:
        # The author of a follow-up, theirs or anybody's, does not change.
        for fid in (own_followup, by_manager):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="who logged it"):
                conn.execute("UPDATE followup SET user_id = %s WHERE id = %s", (colleague, fid))
            _refused(conn, "UPDATE followup SET user_id = NULL WHERE id = %s", fid)
        # Nor the customer it belongs to.
        _refused(
            conn, "UPDATE followup SET customer_id = %s WHERE id = %s", other_mine, own_followup
        )
        # Somebody else's follow-up of their customer: not theirs to rewrite or bin.
        for sql in (
            "UPDATE followup SET summary = 'rewritten' WHERE id = %s",
            "UPDATE followup SET outcome = 'lost' WHERE id = %s",
            "UPDATE followup SET deleted_at = now() WHERE id = %s",
            "UPDATE followup SET status = 'planned' WHERE id = %s",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only their own"):
                conn.execute(sql, (by_manager,))
        # Their own follow-up of their own customer is theirs to edit (the app's rule).
        done = conn.execute(
            "UPDATE followup SET summary = 'edited', version = version + 1 WHERE id = %s",
            (own_followup,),
        )
        assert done.rowcount == 1
        # Cancelling another person's plan (what a claim does) stays possible.
        done = conn.execute(
            "UPDATE followup SET status = 'cancelled', version = version + 1, "
            "updated_at = now() WHERE id = %s",
            (plan_by_manager,),
        )
        assert done.rowcount == 1
    assert _followup(world, by_manager) == before[by_manager]
    assert _followup(world, own_followup)[:3] == before[own_followup][:3]
    assert _followup(world, plan_by_manager)[2] == "cancelled"


def test_salesperson_followups_of_a_pool_customer(world: SharedWorld) -> None:
    """Once a customer is in the pool its history is read-only to salespeople (the app asks
    them to claim it first), their own follow-ups included; plans may still be cancelled."""
    pool_customer = min(world.pool["customer"])
    own_done = _add_followup(world, pool_customer, "sales1")
    own_plan = _add_followup(world, pool_customer, "sales1", "planned")
    me = world.user_ids["sales1"]
    with world.connect("sales1") as conn:
        _refused(conn, "UPDATE followup SET summary = 'x' WHERE id = %s", own_done)
        _refused(conn, "UPDATE followup SET due_at = now() WHERE id = %s", own_plan)
        done = conn.execute("UPDATE followup SET reminded_at = now() WHERE id = %s", (own_plan,))
        assert done.rowcount == 1
        done = conn.execute("UPDATE followup SET status = 'cancelled' WHERE id = %s", (own_plan,))
        assert done.rowcount == 1
        # Logging a follow-up on a pool customer: claim it first.
        _refused(
            conn,
            "INSERT INTO followup (uuid, customer_id, user_id, kind, status, summary, version, "
            "created_at, updated_at) VALUES (gen_random_uuid()::text, %s, %s, 'call', 'done', "
            "'', 1, now(), now())",
            pool_customer,
            me,
        )
    assert _followup(world, own_done)[3] == "original"


def test_managers_may_still_move_followups(world: SharedWorld) -> None:
    """A handover moves planned follow-ups to the heir: the guard is for salespeople only."""
    fid = min(world.owned["sales1"]["followup"])
    for who, to in (("manager", "sales2"), ("admin", "sales1")):
        with world.connect(who) as conn:
            done = conn.execute(
                "UPDATE followup SET user_id = %s WHERE id = %s", (world.user_ids[to], fid)
            )
            assert done.rowcount == 1, who


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("owner_since", "now() + interval '1 year'", "holding dates"),
        ("pool_since", "now()", "holding dates"),
        ("last_followup_at", "now() + interval '1 year'", "follow-up dates"),
        ("next_followup_at", "now() + interval '1 year'", "follow-up dates"),
        ("locked", "true", "only a manager"),
        ("created_at", "now() - interval '9 years'", "who created it"),
        ("created_by_id", "NULL", "who created it"),
    ],
)
def test_salesperson_cannot_rewrite_what_the_app_computes(
    world: SharedWorld, column: str, value: str, message: str
) -> None:
    """Escaping the pool rules from psql: a later holding date, a fake recent follow-up, a
    lock — refused on the salesperson's own customer; their ordinary edits still pass."""
    mine = min(world.owned["sales1"]["customer"])
    before = _customer_row(world, mine)
    with (
        world.connect("sales1") as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match=message),
    ):
        conn.execute(f"UPDATE customer SET {column} = {value} WHERE id = %s", (mine,))
    assert _customer_row(world, mine) == before
    with world.connect("sales1") as conn:
        done = conn.execute(
            "UPDATE customer SET notes = 'fine', version = version + 1, updated_at = now(), "
            "last_followup_at = (SELECT max(f.happened_at) FROM followup f "
            "WHERE f.customer_id = customer.id AND f.status = 'done' AND f.deleted_at IS NULL) "
            "WHERE id = %s",
            (mine,),
        )
        assert done.rowcount == 1
        # A new customer starts unlocked.
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="unlocked"):
            conn.execute(
                "INSERT INTO customer (uuid, name, kind, branch_id, owner_id, status, locked, "
                "version, created_at, updated_at) VALUES (gen_random_uuid()::text, 'n', "
                "'company', %s, %s, 'prospect', true, 1, now(), now())",
                (world.branches["HQ"], world.user_ids["sales1"]),
            )
    with world.connect("manager") as conn:
        done = conn.execute("UPDATE customer SET locked = true WHERE id = %s", (mine,))
        assert done.rowcount == 1


def test_salesperson_cannot_add_to_a_pool_customer(world: SharedWorld) -> None:
    """Contacts and files of a pool customer are read-only until it is claimed."""
    pool_customer = min(world.pool["customer"])
    pool_contact = min(world.pool["contact"])
    mine = min(world.owned["sales1"]["customer"])
    with world.connect("sales1") as conn:
        _refused(
            conn,
            "INSERT INTO contact (uuid, customer_id, name, email_norm, is_primary, version, "
            "created_at, updated_at) VALUES (gen_random_uuid()::text, %s, 'x', '', false, 1, "
            "now(), now())",
            pool_customer,
        )
        assert (
            conn.execute("UPDATE contact SET name = 'x' WHERE id = %s", (pool_contact,)).rowcount
            == 0
        )
        attachment = (
            "INSERT INTO attachment (customer_id, filename, mime, size, sha256, data, "
            "created_at) VALUES (%s, 'a.txt', 'text/plain', 1, 'x', 'x', now())"
        )
        _refused(conn, attachment, pool_customer)
        assert conn.execute(attachment, (mine,)).rowcount == 1
        # Ownership history: only the salesperson's own moves, never rewritten.
        _refused(
            conn,
            "INSERT INTO ownership_change (customer_id, from_user_id, to_user_id, reason, at, "
            "by_id) VALUES (%s, %s, %s, 'assign', now(), %s)",
            mine,
            world.user_ids["sales2"],
            world.user_ids["sales1"],
            world.user_ids["sales1"],
        )
        _refused(conn, "UPDATE ownership_change SET reason = 'claim'")
        _refused(conn, "DELETE FROM ownership_change")
    with world.superuser() as su:
        row = su.execute("SELECT name FROM contact WHERE id = %s", (pool_contact,)).fetchone()
        assert row is not None and row[0] != "x"


def test_manager_only_claims_other_branches_pool(world: SharedWorld) -> None:
    other_branch = max(world.pool["customer"])  # the pool customer of branch B2
    with world.connect("manager") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="public pool"):
            conn.execute(
                "UPDATE customer SET notes = 'mine now', version = version + 1 WHERE id = %s",
                (other_branch,),
            )
        _refused(
            conn,
            "INSERT INTO contact (uuid, customer_id, name, email_norm, is_primary, version, "
            "created_at, updated_at) VALUES (gen_random_uuid()::text, %s, 'x', '', false, 1, "
            "now(), now())",
            other_branch,
        )
        done = conn.execute(
            CLAIM_SQL, (world.user_ids["manager"], world.branches["HQ"], other_branch)
        )
        assert done.rowcount == 1


def test_guard_triggers_are_checked_and_reinstalled(world: SharedWorld) -> None:
    from sqlalchemy import create_engine

    from crm_desktop.db.shared_sql import apply_shared_schema, check_catalogue

    with world.superuser() as su:
        su.execute("ALTER TABLE followup DISABLE TRIGGER crm_sales_followup_guard")
        su.execute("DROP TRIGGER crm_sales_customer_guard ON customer")
    engine = create_engine(make_url(world.url))
    try:
        with engine.begin() as conn:
            problems = check_catalogue(conn)
            assert any("crm_sales_customer_guard" in p for p in problems), problems
            assert any("crm_sales_followup_guard" in p for p in problems), problems
            assert apply_shared_schema(conn)
            assert check_catalogue(conn) == []
            assert not apply_shared_schema(conn)
    finally:
        engine.dispose()
    with world.connect("sales1") as conn:
        _refused(conn, "UPDATE customer SET name = 'x' WHERE id = %s", min(world.pool["customer"]))


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
    from crm_desktop.services.followups import (
        FollowupInput,
        NextPlan,
        log_followup,
        mark_reminded,
    )
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
            # Work on the claimed customer: a follow-up with a plan (its reminder shown), then
            # the release cancels the plan and recomputes the dates of a pool customer.
            logged = log_followup(
                s,
                pool_customer,
                FollowupInput(summary="called", outcome="neutral"),
                actor,
                plan_next=NextPlan(due_at=datetime.now(UTC) + timedelta(days=3)),
            )
            assert logged.planned is not None
            mark_reminded(s, [logged.planned.id], actor)
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
        owner = su.execute(
            "SELECT owner_id, next_followup_at FROM customer WHERE id = %s", (pool_customer,)
        )
        assert owner.fetchone() == (None, None)
        plans = su.execute(
            "SELECT count(*) FROM followup WHERE customer_id = %s AND status = 'planned'",
            (pool_customer,),
        )
        assert plans.fetchone() == (0,)


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
