"""Live sharing and faults on a real PostgreSQL server (DESIGN §10): a write of one client
reaches another client's listener within a second; a connection ended by the server during a
save is one clear error, the next attempt reconnects and a retried create lands once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from crm_desktop.core.errors import ConnectionLost, ValidationError
from crm_desktop.db.models import AuditLog, Customer
from crm_desktop.services.customers import (
    ContactInput,
    CustomerInput,
    add_contact,
    bulk_update,
    create_customer,
    get_customer,
    update_customer,
)
from crm_desktop.services.database import Database, open_database, translate_error
from crm_desktop.services.live import (
    CUSTOMER_IDS,
    EVERYTHING,
    Change,
    ChangeListener,
    listener_for,
    merge_changes,
    parse_payload,
)
from tests.conftest import PgCluster, _run_as, _server_os_user
from tests.db.customer_world import World, build_world

LATENCY_LIMIT_S = 1.0


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    w = build_world(db_url)
    try:
        yield w
    finally:
        w.db.dispose()


@pytest.fixture
def pg_world(pg_url: str) -> Iterator[World]:
    """Client A: the company, its users, a database handle."""
    w = build_world(pg_url)
    try:
        yield w
    finally:
        w.db.dispose()


@pytest.fixture
def other_client(pg_world: World) -> Iterator[Database]:
    """Client B: its own engine on the same database."""
    db = open_database(pg_world.db.engine.url.render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def listener(other_client: Database) -> Iterator[ChangeListener]:
    found = listener_for(other_client)
    assert found is not None
    assert found.connect(), found.last_error
    try:
        yield found
    finally:
        found.close()


def wait_for(
    listener: ChangeListener, predicate: object, timeout: float = 5.0
) -> tuple[list[Change], float]:
    """Poll until the merged changes satisfy ``predicate``; (changes, seconds waited)."""
    started = time.perf_counter()
    seen: list[Change] = []
    while time.perf_counter() - started < timeout:
        seen.extend(listener.poll(0.1))
        if seen and predicate(merge_changes(seen)):  # type: ignore[operator]
            return seen, time.perf_counter() - started
    raise AssertionError(f"no matching change within {timeout} s; seen: {seen}")


def customer_count(db: Database, uuid_text: str) -> int:
    with db.read_session_factory() as s:
        return int(s.scalar(select(func.count()).where(Customer.uuid == uuid_text)) or 0)


def restart_server(cluster: PgCluster) -> None:
    _run_as(
        _server_os_user(),
        [
            str(cluster.bindir / "pg_ctl"),
            "restart",
            "-D",
            str(cluster.base / "data"),
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            "-l",
            str(cluster.base / "server.log"),
            "-o",
            f"-p {cluster.port}",
        ],
        cwd=cluster.base,
    )


# --------------------------------------------------------------------------- both dialects


def test_a_create_with_a_stored_uuid_returns_the_stored_customer(world: World) -> None:
    """The answer of a committed create was lost: the retry finds it, writes nothing."""
    data = CustomerInput(name="重试客户", phone="138 1234 5678", uuid=str(uuid.uuid4()))
    with world.db.session_factory.begin() as s:
        first = create_customer(s, data, world.li)
    with world.db.session_factory.begin() as s:
        audits = s.scalar(select(func.count()).select_from(AuditLog))
        again = create_customer(s, data, world.li)  # no DuplicateCustomerFound either
        assert s.scalar(select(func.count()).select_from(AuditLog)) == audits
    assert (again.id, again.uuid) == (first.id, data.uuid)
    assert customer_count(world.db, str(data.uuid)) == 1


def test_a_create_refuses_a_malformed_uuid(world: World) -> None:
    with pytest.raises(ValidationError) as caught, world.db.session_factory.begin() as s:
        create_customer(s, CustomerInput(name="坏的", uuid="not-a-uuid"), world.li)
    assert set(caught.value.fields) == {"uuid"}


def test_an_update_cannot_change_the_uuid(world: World) -> None:
    customer_id = world.new_customer(world.li, name="不变")
    with world.db.session_factory.begin() as s:
        version = get_customer(s, customer_id, world.li).version
        with pytest.raises(ValidationError):
            update_customer(
                s,
                customer_id,
                CustomerInput(uuid=str(uuid.uuid4())),
                expected_version=version,
                actor=world.li,
            )


def test_sqlite_has_no_listener(sqlite_url: str) -> None:
    db = open_database(sqlite_url)
    try:
        assert listener_for(db) is None
    finally:
        db.dispose()


def test_notifications_parse_and_merge() -> None:
    changes = [
        parse_payload('{"t": "customer", "ids": [1, 2], "c": [1, 2]}'),
        parse_payload('{"t": "followup", "ids": [7], "c": [3]}'),
        parse_payload("not json"),
    ]
    assert changes[2] is None
    merged = merge_changes(c for c in changes if c is not None)
    assert merged == {"customer": {1, 2}, "followup": {7}, CUSTOMER_IDS: {1, 2, 3}}
    assert EVERYTHING in merge_changes([Change("*", everything=True)])


# --------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_a_write_in_one_client_reaches_the_other_within_a_second(
    pg_world: World, listener: ChangeListener, capsys: pytest.CaptureFixture[str]
) -> None:
    w = pg_world
    customer_id = w.new_customer(w.li, name="实时客户")
    wait_for(listener, lambda m: customer_id in m.get("customer", ()))
    latencies: list[float] = []
    for attempt in range(5):
        with w.db.session_factory.begin() as s:
            version = get_customer(s, customer_id, w.li).version
            update_customer(
                s,
                customer_id,
                CustomerInput(industry=f"制造 {attempt}"),
                expected_version=version,
                actor=w.li,
            )
        committed = time.perf_counter()
        _, _waited = wait_for(listener, lambda m: customer_id in m.get(CUSTOMER_IDS, ()))
        latencies.append(time.perf_counter() - committed)
    latencies.sort()
    with capsys.disabled():
        print(
            f"\nlive latency write→listener: median {latencies[2] * 1000:.1f} ms, "
            f"max {latencies[-1] * 1000:.1f} ms"
        )
    assert latencies[-1] < LATENCY_LIMIT_S


@pytest.mark.postgres
def test_contact_changes_name_their_customer_and_big_changes_say_everything(
    pg_world: World, listener: ChangeListener
) -> None:
    w = pg_world
    customer_id = w.new_customer(w.li, name="联系人客户")
    with w.db.session_factory.begin() as s:
        add_contact(s, customer_id, ContactInput(name="王小明"), w.li)
    wait_for(listener, lambda m: "contact" in m and customer_id in m[CUSTOMER_IDS])
    ids = [w.new_customer(w.admin, name=f"批量 {n}") for n in range(401)]
    listener.poll(0.3)  # the creates
    with w.db.session_factory.begin() as s:
        bulk_update(s, ids, grade_id=w.grades["A"], actor=w.admin)
    wait_for(listener, lambda m: EVERYTHING in m and "customer" in m)


@pytest.mark.postgres
def test_a_terminated_connection_during_a_save_is_a_clear_error_and_the_retry_lands_once(
    pg_world: World, pg_cluster: PgCluster
) -> None:
    w = pg_world
    data = CustomerInput(name="断线客户", email="li@duanxian.cn", uuid=str(uuid.uuid4()))
    with pytest.raises(ConnectionLost) as caught:
        try:
            with w.db.session_factory.begin() as s:
                create_customer(s, data, w.li)
                pid = s.scalar(text("SELECT pg_backend_pid()"))
                pg_cluster.admin_execute(f"SELECT pg_terminate_backend({int(pid)})")
        except Exception as exc:  # what the op runner does with every failure
            raise translate_error(exc) from exc
    assert str(caught.value) == (
        "The connection to the server was lost; your changes are kept — try again."
    )
    assert customer_count(w.db, str(data.uuid)) == 0  # nothing half-written
    with w.db.session_factory.begin() as s:  # the pool reconnects
        created = create_customer(s, data, w.li)
    with w.db.session_factory.begin() as s:  # a second retry (the answer was lost) adds nothing
        assert create_customer(s, data, w.li).id == created.id
    assert customer_count(w.db, str(data.uuid)) == 1


@pytest.mark.postgres
def test_a_listener_whose_connection_is_terminated_reconnects(
    pg_world: World, listener: ChangeListener, pg_cluster: PgCluster
) -> None:
    pid = listener.backend_pid
    assert pid is not None
    pg_cluster.admin_execute(f"SELECT pg_terminate_backend({pid})")
    wait_for(listener, lambda m: EVERYTHING in m)  # messages sent meanwhile may be lost
    assert listener.reconnects == 1 and listener.backend_pid != pid
    customer_id = pg_world.new_customer(pg_world.li, name="重连后")
    wait_for(listener, lambda m: customer_id in m.get("customer", ()), timeout=LATENCY_LIMIT_S)


@pytest.mark.postgres
def test_a_server_restart_during_a_save_reconnects_everything(
    pg_world: World, listener: ChangeListener, pg_cluster: PgCluster
) -> None:
    w = pg_world
    data = CustomerInput(name="重启客户", uuid=str(uuid.uuid4()))
    with pytest.raises(ConnectionLost):
        try:
            with w.db.session_factory.begin() as s:
                create_customer(s, data, w.li)
                restart_server(pg_cluster)
        except Exception as exc:
            raise translate_error(exc) from exc
    with w.db.session_factory.begin() as s:  # pool_pre_ping replaces the dead connections
        create_customer(s, data, w.li)
    assert customer_count(w.db, str(data.uuid)) == 1
    wait_for(listener, lambda m: EVERYTHING in m, timeout=10)
    customer_id = w.new_customer(w.li, name="重启之后")
    wait_for(listener, lambda m: customer_id in m.get("customer", ()), timeout=LATENCY_LIMIT_S)


@pytest.mark.postgres
def test_a_terminated_connection_during_an_import_writes_nothing_and_the_retry_imports_once(
    pg_world: World, pg_cluster: PgCluster, tmp_path: Path
) -> None:
    """An import is one transaction: killed halfway (after its first chunk is flushed) it
    leaves nothing behind; run again it imports every message exactly once."""
    from crm_desktop.core.progress import ProgressState
    from crm_desktop.db.models import EmailMessage, ImportBatch
    from crm_desktop.services.mail_store import CHUNK_MESSAGES, import_mail_files

    w = pg_world
    box = tmp_path / "box.mbox"
    count = CHUNK_MESSAGES + 50
    with box.open("wb") as out:
        for i in range(count):
            out.write(b"From x Mon May  6 10:00:00 2024\n")
            out.write(
                f"From: buyer{i}@example.cn\nTo: li@ourco.example\nSubject: m{i}\n"
                f"Message-ID: <import-{i}@x>\n\nbody {i}\n\n".encode()
            )
    killed: list[int] = []

    def kill_after_first_chunk(done: int, _total: int | None, _label: str | None) -> None:
        if done >= CHUNK_MESSAGES and not killed:
            killed.append(done)
            pg_cluster.admin_execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'crm-desktop' AND pid <> pg_backend_pid() "
                "AND state = 'idle in transaction'"
            )

    with pytest.raises(ConnectionLost):
        try:
            with w.db.session_factory.begin() as s:
                import_mail_files(s, [box], w.admin, ProgressState(kill_after_first_chunk))
        except Exception as exc:  # what the op runner does with every failure
            raise translate_error(exc) from exc
    assert killed
    with w.db.read_session_factory() as s:
        assert s.scalar(select(func.count()).select_from(EmailMessage)) == 0
        assert s.scalar(select(func.count()).select_from(ImportBatch)) == 0
    with w.db.session_factory.begin() as s:  # the pool reconnects
        result = import_mail_files(s, [box], w.admin)
    assert (result.stored, result.duplicates) == (count, 0)
    with w.db.session_factory.begin() as s:
        again = import_mail_files(s, [box], w.admin)
    assert (again.stored, again.duplicates) == (0, count)
