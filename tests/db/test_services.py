"""Users, first-run set-up and demo data on real SQLite and PostgreSQL databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from crm_desktop.core.errors import AuthenticationFailed, DatabaseError, ValidationError
from crm_desktop.db.models import AppUser, AuditLog, Contact, Customer, Followup, Grade, Region
from crm_desktop.services.company import company_info, initialize_company, seed_defaults
from crm_desktop.services.context import SYSTEM
from crm_desktop.services.database import Database, open_database
from crm_desktop.services.demo import DEMO_PASSWORD, generate_demo
from crm_desktop.services.stats import database_counts
from crm_desktop.services.users import (
    actor_of,
    add_user,
    authenticate,
    disable_user,
    get_user,
    list_users,
    sign_in_shared,
)


@pytest.fixture
def db(db_url: str):
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def single_db(sqlite_url: str):
    """Single mode only: app passwords (argon2) exist only there."""
    database = open_database(sqlite_url)
    yield database
    database.dispose()


def _init(db: Database) -> None:
    with db.session_factory.begin() as s:
        initialize_company(
            s,
            company_name="华东机械有限公司",
            language="zh_CN",
            admin_login="admin",
            admin_name="管理员",
            admin_password="correct-horse",
        )


def test_first_run_names_the_company_and_seeds_the_region_tree(db: Database) -> None:
    with db.session_factory.begin() as s:
        assert company_info(s).initialized is False
    _init(db)
    with db.session_factory.begin() as s:
        info = company_info(s)
        assert info.initialized and info.name == "华东机械有限公司"
        assert [g.code for g in s.scalars(select(Grade).order_by(Grade.sort))] == [
            "A",
            "B",
            "C",
            "D",
        ]
        nanjing = s.scalar(select(Region).where(Region.name == "南京"))
        assert (
            nanjing is not None and nanjing.parent is not None and nanjing.parent.parent is not None
        )
        assert (nanjing.parent.name, nanjing.parent.parent.name) == ("江苏", "华东")
        regions = s.scalar(select(func.count()).select_from(Region))
        seed_defaults(s, "zh_CN")  # idempotent
        assert s.scalar(select(func.count()).select_from(Region)) == regions


def test_second_first_run_is_refused(db: Database) -> None:
    _init(db)
    with pytest.raises(ValidationError), db.session_factory.begin() as s:
        initialize_company(
            s,
            company_name="X",
            language="en",
            admin_login="other",
            admin_name="O",
            admin_password="correct-horse",
        )


def test_admin_signs_in_with_the_right_password_only(single_db: Database) -> None:
    db = single_db
    _init(db)
    with db.session_factory.begin() as s:
        actor = authenticate(s, "Admin", "correct-horse")
        assert actor.role == "admin" and actor.login == "admin"
    with (
        pytest.raises(AuthenticationFailed, match="Wrong login or password"),
        db.session_factory.begin() as s,
    ):
        authenticate(s, "admin", "wrong-horse")
    with (
        pytest.raises(AuthenticationFailed, match="Wrong login or password"),
        db.session_factory.begin() as s,
    ):
        authenticate(s, "nobody", "correct-horse")


@pytest.mark.postgres
def test_shared_sign_in_maps_the_database_login_to_its_user(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        with (
            pytest.raises(AuthenticationFailed, match="has no crm-desktop user"),
            db.session_factory.begin() as s,
        ):
            sign_in_shared(s)
        with db.session_factory.begin() as s:
            add_user(s, login="postgres", display_name="DBA", role="admin", actor=SYSTEM)
        with db.session_factory.begin() as s:
            actor = sign_in_shared(s)
        assert (actor.login, actor.role) == ("postgres", "admin")
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("login", "password", "field"),
    [("Bad Login!", "long-enough", "login"), ("li", "short", "password"), ("li", "", "password")],
)
def test_add_user_rejects_bad_input_with_a_field_error(
    single_db: Database, login: str, password: str, field: str
) -> None:
    db = single_db
    with pytest.raises(ValidationError) as err, db.session_factory.begin() as s:
        add_user(s, login=login, display_name="李", password=password, actor=SYSTEM)
    assert field in err.value.fields


def test_duplicate_login_is_refused_and_nothing_half_written(db: Database) -> None:
    _init(db)
    with pytest.raises(ValidationError, match="exists already"), db.session_factory.begin() as s:
        add_user(s, login="admin", display_name="Again", password="long-enough", actor=SYSTEM)
    with db.session_factory.begin() as s:
        assert s.scalar(select(func.count()).select_from(AppUser)) == 1


def test_disabled_user_cannot_sign_in_and_the_change_is_audited(db: Database) -> None:
    _init(db)
    with db.session_factory.begin() as s:
        add_user(
            s,
            login="li.na",
            display_name="李娜",
            role="sales",
            password="long-enough",
            branch_code="HQ",
            actor=SYSTEM,
        )
    with db.session_factory.begin() as s:
        admin = actor_of(get_user(s, "admin"))
        row = disable_user(s, "li.na", actor=admin)
        assert row.active is False
    if db.is_single_mode:
        with pytest.raises(AuthenticationFailed, match="disabled"), db.session_factory.begin() as s:
            authenticate(s, "li.na", "long-enough")
    with db.session_factory.begin() as s:
        actions = list(s.scalars(select(AuditLog.action).order_by(AuditLog.id)))
        assert "user.add" in actions and actions[-1] == "user.disable"
        assert [u.login for u in list_users(s)] == ["admin", "li.na"]


def test_the_last_active_admin_cannot_be_disabled(db: Database) -> None:
    _init(db)
    with db.session_factory.begin() as s:
        add_user(
            s, login="boss", display_name="Boss", role="admin", password="long-enough", actor=SYSTEM
        )
    with db.session_factory.begin() as s:
        disable_user(s, "boss", actor=SYSTEM)
    with (
        pytest.raises(ValidationError, match="last active administrator"),
        db.session_factory.begin() as s,
    ):
        disable_user(s, "admin", actor=SYSTEM)


def test_demo_data_is_consistent(db: Database) -> None:
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    with db.session_factory.begin() as s:
        result = generate_demo(s, customers=400, now=now)
    assert result.customers == 400
    with db.session_factory.begin() as s:
        counts = database_counts(s)
        assert (counts.customers, counts.contacts, counts.followups) == (
            400,
            result.contacts,
            result.followups,
        )
        assert counts.pool == result.pool > 0
        # Every customer has a primary contact.
        no_primary = s.scalar(
            select(func.count())
            .select_from(Customer)
            .where(
                ~select(Contact.id)
                .where(Contact.customer_id == Customer.id, Contact.is_primary.is_(True))
                .exists()
            )
        )
        assert no_primary == 0
        # Pool customers have no owner but a pool date; owned ones the reverse.
        bad_pool = s.scalar(
            select(func.count())
            .select_from(Customer)
            .where((Customer.owner_id.is_(None)) != (Customer.pool_since.is_not(None)))
        )
        assert bad_pool == 0
        # last/next follow-up dates agree with the follow-ups themselves.
        last = dict(
            s.execute(
                select(Followup.customer_id, func.max(Followup.happened_at))
                .where(Followup.status == "done")
                .group_by(Followup.customer_id)
            ).all()
        )
        nxt = dict(
            s.execute(
                select(Followup.customer_id, func.min(Followup.due_at))
                .where(Followup.status == "planned")
                .group_by(Followup.customer_id)
            ).all()
        )
        for c in s.scalars(select(Customer)):
            assert c.last_followup_at == last.get(c.id)
            assert c.next_followup_at == nxt.get(c.id)
            assert c.name_norm and c.name_initials and c.search_text
            assert c.created_at <= now
        chinese = s.scalar(
            select(func.count()).select_from(Customer).where(Customer.name.like("%公司"))
        )
        assert chinese and chinese > 200
        # Demo salespeople can sign in (Single mode).
        if db.is_single_mode:
            assert authenticate(s, "li.na", DEMO_PASSWORD).role == "sales"


def test_demo_can_run_twice_and_ordinary_inserts_still_work(db: Database) -> None:
    with db.session_factory.begin() as s:
        generate_demo(s, customers=50)
    with db.session_factory.begin() as s:
        generate_demo(s, customers=50, seed=7)
        s.add(Customer(name="新客户", name_norm="新客户"))
    with db.session_factory.begin() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 101


def test_demo_built_in_worker_processes_equals_demo_built_in_process(tmp_path) -> None:
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    names = []
    for workers in (0, 2):
        db = open_database(
            "sqlite:///" + (tmp_path / f"w{workers}.sqlite3").as_posix(), create=True
        )
        try:
            with db.session_factory.begin() as s:
                generate_demo(s, customers=12_000, now=now, workers=workers)
            with db.session_factory.begin() as s:
                names.append(
                    list(
                        s.execute(
                            select(Customer.id, Customer.name, Customer.owner_id).order_by(
                                Customer.id
                            )
                        ).all()
                    )
                )
        finally:
            db.dispose()
    assert len(names[0]) == 12_000
    assert names[0] == names[1]


def test_opening_a_missing_sqlite_file_says_how_to_create_it(tmp_path) -> None:
    with pytest.raises(DatabaseError, match="db upgrade"):
        open_database("sqlite:///" + (tmp_path / "none.sqlite3").as_posix())
    assert not (tmp_path / "none.sqlite3").exists()


def test_opening_a_foreign_database_is_refused(empty_db_url: str) -> None:
    from sqlalchemy import create_engine, text

    from crm_desktop.db.engine import normalize_url

    engine = create_engine(normalize_url(empty_db_url))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id integer primary key)"))
    engine.dispose()
    with pytest.raises(DatabaseError, match="not a crm-desktop database"):
        open_database(empty_db_url, create=True)
