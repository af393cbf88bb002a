"""The search box in Shared mode: through the server's search function (``crm_search_customer_
ids``, SECURITY DEFINER) so the search indexes are used under row-level security, and never a
customer the login may not see — through the app, or calling the function with raw SQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.db.shared_world import PEOPLE, SharedWorld, open_shared_world

pytestmark = pytest.mark.postgres

QUERIES = (
    "customer",
    "pool customer",
    "sales1 customer",
    "sales3 customer 1",
    "manager",
    "cu",
    "c",
    "s",
    "customer 0",
    "nothing like this",
)
SOURCES = ("name", "name_prefix", "initials_prefix", "keys", "keys_prefix", "text")
CALL = "SELECT crm_search_customer_ids(%s, %s, %s, %s)"


@pytest.fixture
def world(empty_pg_url: str) -> Iterator[SharedWorld]:
    yield from open_shared_world(empty_pg_url)


def _rls_visible(world: SharedWorld, who: str) -> set[int]:
    """The live customers ``who`` sees under row-level security (raw SQL as the login)."""
    with world.connect(who) as conn:
        rows = conn.execute("SELECT id FROM customer WHERE deleted_at IS NULL").fetchall()
    return {int(r[0]) for r in rows}


def _expected_visible(world: SharedWorld, who: str) -> set[int]:
    """What DESIGN §3 says ``who`` sees of this world's customers."""
    everyone = world.ids_of(PEOPLE, "customer") | world.pool["customer"]
    if who == "admin":
        return everyone
    mine = world.owned[who]["customer"] | world.pool["customer"]
    if who == "manager":
        hq = ("admin", "manager", "sales1", "sales2")
        return mine | world.ids_of(hq, "customer")
    return mine


def _function_ids(
    conn: psycopg.Connection[Any], source: str, terms: list[str], required: list[str] | None = None
) -> set[int]:
    rows = conn.execute(CALL, (source, terms, required or [], 10_000)).fetchall()
    return {int(r[0]) for r in rows}


@pytest.mark.parametrize("who", PEOPLE)
def test_search_as_each_login_equals_the_plain_search_filtered(
    world: SharedWorld, who: str
) -> None:
    from crm_desktop.services.database import open_database
    from crm_desktop.services.search import (
        _uses_search_function,
        matching_ids,
        search_customers,
    )
    from crm_desktop.services.users import sign_in_shared

    visible = _rls_visible(world, who)
    assert visible & _all_world_customers(world) == _expected_visible(world, who)
    as_login = open_database(world.login_url(who), password=world.password)
    # The superuser is not subject to row-level security: the plain search, as the app runs it
    # on a plain database for this user (the visibility filter).
    plain = open_database(world.url)
    try:
        with as_login.session_factory.begin() as s:
            actor = sign_in_shared(s)
        for query in QUERIES:
            with as_login.read_session_factory() as s:
                assert _uses_search_function(s)
                shared = search_customers(s, query, visible_to=actor)
                shared_ids = matching_ids(s, query, visible_to=actor)
                unfiltered = search_customers(s, query)  # the CLI's call: RLS alone
            with plain.read_session_factory() as s:
                assert not _uses_search_function(s)
                expected = search_customers(s, query, visible_to=actor)
                expected_ids = matching_ids(s, query, visible_to=actor)
            assert [h.id for h in shared.results] == [h.id for h in expected.results], query
            assert shared.results == expected.results, query
            assert (shared.total, shared.capped) == (expected.total, expected.capped), query
            assert shared_ids == expected_ids, query
            assert [h.id for h in unfiltered.results] == [h.id for h in expected.results], query
            assert {h.id for h in shared.results} <= visible, query
            assert set(shared_ids) <= visible, query
        # Something was found at all (the comparison is not between two empty lists).
        with as_login.read_session_factory() as s:
            found = set(matching_ids(s, "customer", visible_to=actor))
        assert found == visible & _all_world_customers(world)
    finally:
        as_login.dispose()
        plain.dispose()


def _all_world_customers(world: SharedWorld) -> set[int]:
    return world.ids_of(PEOPLE, "customer") | world.pool["customer"]


@pytest.mark.parametrize("who", PEOPLE)
def test_the_search_function_never_returns_an_invisible_customer(
    world: SharedWorld, who: str
) -> None:
    """Raw SQL as the login, the way psql would call it: every source, match-everything terms,
    LIKE wildcards, a huge cap."""
    visible = _rls_visible(world, who)
    with world.connect(who) as conn:
        everything = _function_ids(conn, "text", ["customer"])
        assert everything == visible & _all_world_customers(world)
        seen: set[int] = set()
        for source in SOURCES:
            for term in ("", "c", "s", "p", "customer", "sales1 customer 0", "%", "_", "\\"):
                seen |= _function_ids(conn, source, [term])
                seen |= _function_ids(conn, source, [term], ["customer"])
        assert seen <= visible
        # Wildcards are literal characters, and a trailing escape is no error.
        assert _function_ids(conn, "text", ["%"]) == set()
        assert _function_ids(conn, "text", ["_"]) == set()
        assert _function_ids(conn, "text", ["customer\\"]) == set()
        assert _function_ids(conn, "text", ["cust"], ["%omer"]) == set()
        assert _function_ids(conn, "keys", ["'x' | !"]) == set()
        # Switching to the group role gives nothing more (the function serves session_user).
        conn.execute(f"SET ROLE crm_{'sales' if who.startswith('sales') else who}")
        assert _function_ids(conn, "text", ["customer"]) <= visible
        conn.execute("RESET ROLE")
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            conn.execute(CALL, ("customer; DROP TABLE customer", ["x"], [], 10))


def test_a_salesperson_never_sees_a_colleagues_customer_by_search(world: SharedWorld) -> None:
    with world.connect("sales1") as conn:
        for who in ("sales2", "sales3", "manager", "admin"):
            for name_id in world.owned[who]["customer"]:
                row = conn.execute("SELECT 1 FROM customer WHERE id = %s", (name_id,)).fetchone()
                assert row is None
            assert not _function_ids(conn, "text", [f"{who} customer"])
            assert not _function_ids(conn, "name_prefix", [f"{who} customer"])


def test_who_may_call_the_search_function(world: SharedWorld) -> None:
    login = f"nobody_{world.logins['sales1']}"
    with world.superuser() as su:
        su.execute(f"CREATE ROLE \"{login}\" LOGIN PASSWORD '{world.password}'")
        su.execute(f'GRANT CONNECT ON DATABASE "{su.info.dbname}" TO "{login}"')
        # Not in a group: no EXECUTE (and PUBLIC has none).
        row = su.execute(
            "SELECT has_function_privilege(%s, "
            "'crm_search_customer_ids(text, text[], text[], integer)', 'EXECUTE'), "
            "has_function_privilege('public', "
            "'crm_search_customer_ids(text, text[], text[], integer)', 'EXECUTE')",
            (login,),
        ).fetchone()
        assert row == (False, False)
        # The superuser itself is no app user: the function serves nobody.
        assert _function_ids(su, "text", ["customer"]) == set()
        # A disabled person (app_user inactive) gets nothing, even with a live login.
        su.execute("UPDATE app_user SET active = false WHERE login = %s", (world.logins["sales2"],))
    with world.connect("sales2") as conn:
        assert _function_ids(conn, "text", ["customer"]) == set()


def test_a_salespersons_name_search_reads_the_search_indexes(world: SharedWorld) -> None:
    """The statements the search runs as a salesperson — the outer read under row-level
    security and the function's own queries, caught by auto_explain — use the search indexes,
    never the policy's owner index. On 20,000 rows the planner rightly prefers reading the
    whole table for a trigram match (the plain search does too), so sequential scans are priced
    out as on a million rows: what remains shows which indexes the statements *can* use (under
    row-level security alone the trigram and token indexes cannot be: LIKE and @@ are not
    leakproof)."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.orm import Session

    from crm_desktop.services.context import Actor
    from crm_desktop.services.search import _uses_search_function, search_customers

    others = [world.user_ids[w] for w in ("sales2", "sales3", "manager")]
    me_id = world.user_ids["sales1"]
    with world.superuser() as su:
        su.execute(
            "INSERT INTO customer (uuid, name, kind, branch_id, owner_id, status, locked, "
            "name_norm, name_pinyin, name_initials, phone_digits, email_norm, search_text, "
            "search_keys, version, created_at, updated_at) "
            "SELECT gen_random_uuid()::text, 'Bulk ' || md5(g::text), 'company', %s, "
            "CASE WHEN g %% 50 = 0 THEN %s WHEN g %% 50 = 1 THEN NULL "
            "ELSE (%s::int[])[1 + g %% 3] END, 'active', false, md5(g::text), '', "
            "left(md5(g::text), 4), '', '', 'bulk ' || md5(g::text), md5(g::text), 1, now(), "
            "now() FROM generate_series(1, 20000) g",
            (world.branches["HQ"], me_id, others),
        )
        su.execute("ANALYZE customer")
        row = su.execute(
            "SELECT name_norm FROM customer WHERE owner_id = %s AND name LIKE 'Bulk %%' "
            "ORDER BY id LIMIT 1",
            (me_id,),
        ).fetchone()
        assert row is not None
        mine = str(row[0])
    me = Actor(me_id, world.logins["sales1"], "S", "sales", world.branches["HQ"])
    # As the superuser, auto_explain loaded, then *becoming* the login (session_user too).
    engine = create_engine(make_url(world.url))
    plans: list[str] = []

    @event.listens_for(engine, "connect")
    def _become_login(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.autocommit = True
        for statement in (
            "LOAD 'auto_explain'",
            "SET auto_explain.log_min_duration = 0",
            "SET auto_explain.log_nested_statements = on",
            "SET client_min_messages = log",
            "SET enable_seqscan = off",
            f'SET SESSION AUTHORIZATION "{world.logins["sales1"]}"',
        ):
            dbapi_connection.execute(statement)
        dbapi_connection.autocommit = False
        dbapi_connection.add_notice_handler(lambda d: plans.append(d.message_primary or ""))

    try:
        with Session(engine) as s:
            assert _uses_search_function(s)
            for query in (mine[:8], mine, mine[:2], mine[:1], f"bulk {mine[:6]}"):
                plans.clear()
                result = search_customers(s, query, visible_to=me)
                searched = [p for p in plans if "customer" in p]
                assert any("crm_search_customer_ids" in p for p in searched), (query, plans)
                assert any("search_customer_" in p for p in searched), (query, searched)
                for plan in searched:
                    assert "Seq Scan on customer" not in plan, (query, plan)
                    assert "ix_customer_owner" not in plan, (query, plan)
                if len(query) >= 8:
                    assert mine in {h.name[len("Bulk ") :] for h in result.results}, query
    finally:
        engine.dispose()
