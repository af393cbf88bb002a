"""``server init`` / ``server check`` and the login-role functions on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.db.shared_world import SharedWorld, open_shared_world

pytestmark = pytest.mark.postgres


@pytest.fixture
def world(empty_pg_url: str) -> Iterator[SharedWorld]:
    yield from open_shared_world(empty_pg_url)


def test_init_builds_a_shared_database(world: SharedWorld) -> None:
    from crm_desktop.services.server import server_check

    assert world.init.changed
    result = server_check(world.url)
    assert result.problems == ()
    assert result.ok


def test_init_twice_is_a_no_op(world: SharedWorld) -> None:
    from crm_desktop.services.server import server_init

    def catalogue() -> list[Any]:
        with world.superuser() as su:
            return su.execute(
                "SELECT (SELECT array_agg(p ORDER BY p::text) FROM pg_policies p), "
                "(SELECT array_agg((relname, relacl::text, relrowsecurity, relforcerowsecurity, "
                "relowner) ORDER BY relname) FROM pg_class WHERE relnamespace = 'public'::"
                "regnamespace), (SELECT array_agg((proname, prosrc, proacl::text, proowner) "
                "ORDER BY proname) FROM pg_proc WHERE proname LIKE 'crm%%'), "
                "(SELECT array_agg((rolname, rolpassword) ORDER BY rolname) FROM pg_authid "
                "WHERE rolname LIKE 'crm%%' OR rolname = %s), (SELECT count(*) FROM app_user)",
                (world.logins["admin"],),
            ).fetchall()

    before = catalogue()
    again = server_init(world.url, admin_login=world.logins["admin"], admin_password="other-pw-1")
    assert not again.changed
    assert again.created_roles == ()
    assert catalogue() == before
    with world.connect("admin") as conn:  # the password was left alone
        assert conn.execute("SELECT crm_user_role()").fetchone() == ("admin",)


@pytest.mark.parametrize(
    ("damage", "undo"),
    [
        ("ALTER TABLE contact DISABLE ROW LEVEL SECURITY", None),
        ("ALTER TABLE contact NO FORCE ROW LEVEL SECURITY", None),
        ("CREATE VIEW public.v_leak AS SELECT id FROM customer", None),
        ("GRANT SELECT ON customer TO PUBLIC", None),
        # Roles are cluster-wide: undone afterwards so other tests' checks stay clean.
        ("ALTER ROLE {sales1} BYPASSRLS", "ALTER ROLE {sales1} NOBYPASSRLS"),
        ("GRANT crm_owner TO {sales1}", "REVOKE crm_owner FROM {sales1}"),
        ("GRANT crm_admin TO {sales1}", "REVOKE crm_admin FROM {sales1}"),
    ],
)
def test_check_fails_on_damage(world: SharedWorld, damage: str, undo: str | None) -> None:
    from crm_desktop.services.server import server_check

    sales1 = world.logins["sales1"]
    with world.superuser() as su:
        su.execute(damage.format(sales1=sales1))
        if "VIEW" in damage:
            su.execute("ALTER VIEW v_leak OWNER TO crm_owner")
        try:
            result = server_check(world.url)
        finally:
            if undo:
                su.execute(undo.format(sales1=sales1))
    assert not result.ok
    assert result.problems
    assert server_check(world.url).ok == (undo is not None)


def test_check_and_repair_through_the_cli(world: SharedWorld, capsys: Any) -> None:
    from crm_desktop.cli import main

    assert main(["server", "check", "--database", world.url]) == 0
    with world.superuser() as su:
        su.execute("ALTER TABLE followup DISABLE ROW LEVEL SECURITY")
    assert main(["server", "check", "--database", world.url]) == 1
    assert "followup" in capsys.readouterr().out
    # Running init again repairs it (idempotent set-up).
    import io
    import sys

    sys.stdin = io.StringIO("admin-password-1\n")
    try:
        code = main(
            [
                "server",
                "init",
                "--database",
                world.url,
                "--admin",
                world.logins["admin"],
                "--password-stdin",
            ]
        )
    finally:
        sys.stdin = sys.__stdin__
    assert code == 0
    assert main(["server", "check", "--database", world.url]) == 0


def test_cli_init_on_an_empty_database(empty_pg_url: str, capsys: Any) -> None:
    import io
    import os
    import sys

    from crm_desktop.cli import main

    sys.stdin = io.StringIO("admin-password-1\n")
    try:
        code = main(
            [
                "server",
                "init",
                "--database",
                empty_pg_url,
                "--admin",
                f"boss_{os.getpid()}",
                "--company",
                "ACME",
                "--password-stdin",
                "--json",
            ]
        )
    finally:
        sys.stdin = sys.__stdin__
    assert code == 0
    assert '"changed": true' in capsys.readouterr().out
    assert main(["server", "check", "--database", empty_pg_url]) == 0


def test_login_functions(world: SharedWorld) -> None:
    from sqlalchemy.orm import Session

    from crm_desktop.core.errors import PermissionDenied, ValidationError
    from crm_desktop.db.engine import create_db_engine
    from crm_desktop.services import server
    from crm_desktop.services.context import Actor

    new = f"new_{world.logins['sales1']}"
    engine = create_db_engine(world.login_url("admin"), password=world.password)
    admin = Actor(
        id=world.user_ids["admin"], login=world.logins["admin"], display_name="A", role="admin"
    )
    try:
        with Session(engine) as s, s.begin():
            assert server.is_shared(s)
            server.create_login(s, new, "first-password", "sales", admin)
            server.set_login_role(s, new, "manager", admin)
            with pytest.raises((PermissionDenied, ValidationError)):
                server.create_login(s, "crm_owner", "x-password", "sales", admin)
            with pytest.raises((PermissionDenied, ValidationError)):
                server.create_login(s, "postgres", "x-password", "admin", admin)
        victim = world.connect("sales2")
        with Session(engine) as s, s.begin():
            server.disable_login(s, world.logins["sales2"], admin)
        with pytest.raises(psycopg.OperationalError):
            victim.execute("SELECT 1")
        with pytest.raises(psycopg.OperationalError):
            world.connect("sales2")
        with Session(engine) as s, s.begin():
            server.enable_login(s, world.logins["sales2"], admin)
            server.set_login_password(s, world.logins["sales2"], "second-password", admin)
    finally:
        engine.dispose()
    with world.superuser() as su:
        groups = su.execute(
            "SELECT array_agg(g.rolname::text) FROM pg_auth_members m JOIN pg_roles g ON "
            "g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s",
            (new,),
        ).fetchone()
        assert groups == (["crm_manager"],)
    url = make_url(world.url)
    with psycopg.connect(
        host=url.host,
        port=url.port,
        dbname=url.database,
        user=world.logins["sales2"],
        password="second-password",
    ) as conn:
        assert conn.execute("SELECT crm_user_role()").fetchone() == ("sales",)


def test_wrappers_do_nothing_on_sqlite(sqlite_url: str) -> None:
    from crm_desktop.services import server
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.database import open_database

    db = open_database(sqlite_url)
    try:
        with db.session_factory.begin() as s:
            assert not server.is_shared(s)
            server.create_login(s, "someone", "password-1", "sales", SYSTEM)
            server.disable_login(s, "someone", SYSTEM)
    finally:
        db.dispose()
