"""``users.change_own_password``: a person replaces the password an administrator or ``db copy``
gave them; the old one stops working, the new one works, ``must_change_password`` is cleared."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from crm_desktop.core.errors import AuthenticationFailed, PermissionDenied, ValidationError
from crm_desktop.db.engine import create_db_engine
from crm_desktop.db.models import AppUser
from crm_desktop.services import users
from crm_desktop.services.company import initialize_company
from crm_desktop.services.database import Database, open_database
from tests.db.shared_world import SharedWorld, open_shared_world

ADMIN_PASSWORD = "admin-password-1"
RESET_PASSWORD = "one-time-pw-22"
NEW_PASSWORD = "my-own-secret-33"


# --------------------------------------------------------------------------- Single mode


@pytest.fixture
def single(sqlite_url: str) -> Iterator[Database]:
    db = open_database(sqlite_url)
    try:
        with db.session_factory.begin() as session:
            admin = initialize_company(
                session,
                company_name="Change Co",
                language="en",
                admin_login="boss",
                admin_name="Boss",
                admin_password=ADMIN_PASSWORD,
            )
            users.add_user(
                session,
                login="lin",
                display_name="Lin",
                password="first-password-0",
                actor=admin,
            )
            users.reset_password(session, "lin", RESET_PASSWORD, actor=admin)
        yield db
    finally:
        db.dispose()


def test_single_mode_new_password_replaces_the_reset_one(single: Database) -> None:
    with single.session_factory.begin() as session:
        lin = users.authenticate(session, "lin", RESET_PASSWORD)
        assert users.needs_new_password(session, lin)
    with single.session_factory.begin() as session:
        users.change_own_password(session, lin, NEW_PASSWORD)

    with single.session_factory.begin() as session:
        assert users.authenticate(session, "lin", NEW_PASSWORD).login == "lin"
        with pytest.raises(AuthenticationFailed):
            users.authenticate(session, "lin", RESET_PASSWORD)
        assert not users.needs_new_password(session, lin)
        user = session.scalar(select(AppUser).where(AppUser.login == "lin"))
        assert user is not None and user.must_change_password is False


def test_single_mode_a_short_password_changes_nothing(single: Database) -> None:
    with single.session_factory.begin() as session:
        lin = users.authenticate(session, "lin", RESET_PASSWORD)
    with pytest.raises(ValidationError), single.session_factory.begin() as session:
        users.change_own_password(session, lin, "short")
    with single.session_factory.begin() as session:
        assert users.authenticate(session, "lin", RESET_PASSWORD).login == "lin"
        assert users.needs_new_password(session, lin)


# --------------------------------------------------------------------------- Shared mode


@pytest.fixture
def world(empty_pg_url: str) -> Iterator[SharedWorld]:
    yield from open_shared_world(empty_pg_url)


def _connect(world: SharedWorld, who: str, password: str) -> psycopg.Connection[object]:
    url = make_url(world.url)
    return psycopg.connect(
        host=url.host,
        port=url.port,
        dbname=url.database,
        user=world.logins[who],
        password=password,
        autocommit=True,
    )


def _flag(world: SharedWorld, who: str) -> bool:
    with world.superuser() as su:
        row = su.execute(
            "SELECT must_change_password FROM app_user WHERE login = %s", (world.logins[who],)
        ).fetchone()
    assert row is not None
    return bool(row[0])


@pytest.mark.postgres
def test_shared_mode_salesperson_changes_own_login_password(world: SharedWorld) -> None:
    # The administrator resets sales1's password: the flag asks for a new one at sign-in.
    admin_engine = create_db_engine(world.login_url("admin"), password=world.password)
    try:
        with Session(admin_engine) as session, session.begin():
            admin = users.sign_in_shared(session)
            users.reset_password(session, world.logins["sales1"], RESET_PASSWORD, actor=admin)
    finally:
        admin_engine.dispose()
    assert _flag(world, "sales1")

    engine = create_db_engine(world.login_url("sales1"), password=RESET_PASSWORD)
    try:
        with Session(engine) as session, session.begin():
            sales1 = users.sign_in_shared(session)
            assert sales1.role == "sales"
            assert users.needs_new_password(session, sales1)
            users.change_own_password(session, sales1, NEW_PASSWORD)
    finally:
        engine.dispose()

    assert not _flag(world, "sales1")
    with _connect(world, "sales1", NEW_PASSWORD) as conn:
        assert conn.execute("SELECT crm_user_role()").fetchone() == ("sales",)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _connect(world, "sales1", RESET_PASSWORD)
    with world.superuser() as su:  # written as the person, stamped by the server
        row = su.execute(
            "SELECT actor FROM audit_log WHERE action = 'user.password' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert row == (world.logins["sales1"],)


@pytest.mark.postgres
def test_shared_mode_nobody_changes_another_login_through_it(world: SharedWorld) -> None:
    from crm_desktop.services import server

    engine = create_db_engine(world.login_url("sales1"), password=world.password)
    try:
        with Session(engine) as session, session.begin():
            sales1 = users.sign_in_shared(session)
            with pytest.raises(PermissionDenied):
                server.set_own_login_password(session, world.logins["sales2"], NEW_PASSWORD, sales1)
            with pytest.raises(ValidationError):
                users.change_own_password(session, sales1, "short")
    finally:
        engine.dispose()
    with _connect(world, "sales2", world.password):
        pass  # sales2's password is unchanged
    with _connect(world, "sales1", world.password):
        pass
