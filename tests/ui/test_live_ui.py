"""Live sharing in the window, two clients on a real PostgreSQL server: what another client
saves shows in the Customers list and in an open customer file within a second; a file being
edited keeps its input and says someone else changed it; a connection ended by the server
during a save keeps the form and the retried create lands once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import event, func, select

from crm_desktop.core.settings import Settings
from crm_desktop.db.models import Customer
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import CustomerInput, get_customer, update_customer
from crm_desktop.services.database import Database, open_database
from crm_desktop.services.live import listener_for
from crm_desktop.ui.customer_file import CustomerFileWindow, open_customer_file
from crm_desktop.ui.customers_page import CustomersPage
from crm_desktop.ui.live import LiveUpdates, live_updates_of
from crm_desktop.ui.ops import OpRunner
from tests.conftest import PgCluster
from tests.db.customer_world import World, build_world

from .conftest import RecordedErrors

pytestmark = pytest.mark.postgres

WAIT = 15_000
LIVE_MS = 1_000  # the promise: every open client refreshes within a second
LOST = "The connection to the server was lost; your changes are kept — try again."


@pytest.fixture
def world(pg_url: str) -> Iterator[World]:
    """Client A: writes with its own engine (another person's computer)."""
    w = build_world(pg_url)
    try:
        yield w
    finally:
        w.db.dispose()


@pytest.fixture
def client_db(world: World) -> Iterator[Database]:
    """Client B: the window under test, with an engine of its own."""
    db = open_database(world.db.engine.url.render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def runner(qapp: object, client_db: Database, ui_errors: RecordedErrors) -> Iterator[OpRunner]:
    runner = OpRunner(client_db, error_handler=ui_errors)
    try:
        yield runner
    finally:
        assert runner.shutdown(), "operations still running after the test"


@pytest.fixture
def live(runner: OpRunner, client_db: Database) -> Iterator[LiveUpdates]:
    updates = LiveUpdates(runner, lambda: listener_for(client_db))
    assert updates.start()
    assert updates.wait_listening(10), "the listener did not connect"
    try:
        yield updates
    finally:
        updates.stop()


def save_as(world: World, actor: Actor, customer_id: int, **values: Any) -> float:
    """Another client saves ``values``; returns when it committed (perf_counter)."""
    with world.db.session_factory.begin() as s:
        version = get_customer(s, customer_id, actor).version
        update_customer(s, customer_id, CustomerInput(**values), version, actor)
    return time.perf_counter()


def type_text(widget: QWidget, text: str) -> None:
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            key = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(widget, key)


def replace_text(qtbot: QtBot, edit: Any, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    type_text(edit, text)


@pytest.fixture
def open_file(
    qtbot: QtBot, runner: OpRunner, live: LiveUpdates
) -> Iterator[Callable[[Actor, int | None], CustomerFileWindow]]:
    parent = QWidget()
    qtbot.addWidget(parent)
    windows: list[CustomerFileWindow] = []

    def opener(actor: Actor, customer_id: int | None) -> CustomerFileWindow:
        window = open_customer_file(parent, runner, actor, customer_id, settings=Settings())
        window.ask_discard = lambda: True
        windows.append(window)
        if not window.loaded:
            qtbot.waitSignal(window.sig_loaded, timeout=WAIT).wait()
        qtbot.waitUntil(lambda: window.ops_running == 0, timeout=WAIT)
        return window

    yield opener
    for window in windows:
        try:
            window.ask_discard = lambda: True
            window.close()
        except RuntimeError:
            pass
    qtbot.waitUntil(lambda: runner.active_count == 0, timeout=WAIT)


def test_the_customers_list_shows_what_another_client_saved(
    qtbot: QtBot, world: World, runner: OpRunner, live: LiveUpdates
) -> None:
    ids = {name: world.new_customer(world.li, name=name) for name in ("苏州精密机械", "南京电子")}
    page = CustomersPage(world.li, runner, Settings())
    qtbot.addWidget(page)
    page.resize(1100, 700)
    live.sig_changed.connect(page.on_live_changes)
    with qtbot.waitSignals([page.sig_ids_loaded, page.sig_region_counts_loaded], timeout=WAIT):
        page.refresh()
        page.show()
    qtbot.waitExposed(page)
    row = page.model.row_of(ids["南京电子"])
    assert row is not None
    qtbot.waitUntil(lambda: page.model.row_data(row) is not None, timeout=WAIT)
    assert page.status_label.text().startswith("2 customers")

    committed = save_as(world, world.li, ids["南京电子"], phone="025 8888 1234")
    qtbot.waitUntil(
        lambda: getattr(page.model.row_data(row), "phone", None) == "025 8888 1234",
        timeout=LIVE_MS,
    )
    latency = time.perf_counter() - committed
    assert page.model.row_of(ids["南京电子"]) == row  # updated in place, not reloaded away

    # A customer another client creates appears, with the count.
    new_id = world.new_customer(world.li, name="上海新客户")
    qtbot.waitUntil(lambda: page.model.row_of(new_id) is not None, timeout=LIVE_MS)
    qtbot.waitUntil(lambda: page.status_label.text().startswith("3 customers"), timeout=LIVE_MS)
    print(f"\nlive latency write→list row shown: {latency * 1000:.0f} ms")


def test_an_open_clean_customer_file_reloads(
    qtbot: QtBot,
    world: World,
    live: LiveUpdates,
    open_file: Callable[[Actor, int | None], CustomerFileWindow],
) -> None:
    customer_id = world.new_customer(world.li, name="无锡纺织", industry="纺织")
    assert live_updates_of(live.parent()) is live  # type: ignore[arg-type]
    window = open_file(world.li, customer_id)
    assert window.form.industry_edit.text() == "纺织"
    committed = save_as(world, world.manager, customer_id, industry="服装")
    qtbot.waitUntil(lambda: window.form.industry_edit.text() == "服装", timeout=LIVE_MS)
    print(f"\nlive latency write→file reloaded: {(time.perf_counter() - committed) * 1000:.0f} ms")
    assert not window.is_dirty()
    assert not window.live_banner.isVisible()


def test_a_dirty_customer_file_keeps_the_input_shows_the_banner_and_merges(
    qtbot: QtBot,
    world: World,
    live: LiveUpdates,
    open_file: Callable[[Actor, int | None], CustomerFileWindow],
) -> None:
    customer_id = world.new_customer(world.li, name="常州机电", industry="机电")
    window = open_file(world.li, customer_id)
    replace_text(qtbot, window.form.phone_edit, "138 1111 2222")
    assert window.is_dirty()

    save_as(world, world.manager, customer_id, industry="电机")
    qtbot.waitUntil(window.live_banner.isVisible, timeout=LIVE_MS)
    assert window.form.phone_edit.text() == "138 1111 2222"  # the input is kept
    assert window.form.industry_edit.text() == "机电"  # theirs is not pushed into the form
    assert window.is_dirty()

    with qtbot.waitSignal(window.sig_saved, timeout=WAIT):
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.ops_running == 0, timeout=WAIT)
    assert not window.live_banner.isVisible()
    assert "Merged with changes by someone else" in window.note_label.text()
    with world.db.session_factory() as s:
        saved = get_customer(s, customer_id, world.li)
    assert (saved.phone, saved.industry) == ("138 1111 2222", "电机")  # nothing lost


def test_reload_on_the_banner_shows_their_version(
    qtbot: QtBot,
    world: World,
    live: LiveUpdates,
    open_file: Callable[[Actor, int | None], CustomerFileWindow],
) -> None:
    customer_id = world.new_customer(world.li, name="扬州食品", industry="食品")
    window = open_file(world.li, customer_id)
    replace_text(qtbot, window.form.industry_edit, "饮料")
    save_as(world, world.manager, customer_id, industry="乳品")
    qtbot.waitUntil(window.live_banner.isVisible, timeout=LIVE_MS)
    qtbot.mouseClick(window.live_banner.reload_button, Qt.MouseButton.LeftButton)
    assert window.form.industry_edit.text() == "乳品"
    assert not window.is_dirty() and not window.live_banner.isVisible()


def test_a_connection_ended_during_a_create_keeps_the_form_and_the_retry_lands_once(
    qtbot: QtBot,
    world: World,
    client_db: Database,
    pg_cluster: PgCluster,
    ui_errors: RecordedErrors,
    open_file: Callable[[Actor, int | None], CustomerFileWindow],
) -> None:
    window = open_file(world.li, None)
    replace_text(qtbot, window.form.name_edit, "镇江断线客户")
    terminated: list[int] = []

    def end_session_at_insert(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not terminated and statement.lstrip().upper().startswith("INSERT INTO CUSTOMER "):
            pid = conn.connection.dbapi_connection.info.backend_pid
            terminated.append(pid)
            pg_cluster.admin_execute(f"SELECT pg_terminate_backend({pid})")

    event.listen(client_db.engine, "before_cursor_execute", end_session_at_insert)
    try:
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not window._saving and window.ops_running == 0, timeout=WAIT)
    finally:
        event.remove(client_db.engine, "before_cursor_execute", end_session_at_insert)
    assert terminated, "the save never reached its INSERT"
    assert window.note_label.text() == LOST
    assert window.customer_id is None
    assert window.form.name_edit.text() == "镇江断线客户"  # the input is kept
    assert ui_errors.shown == []

    with qtbot.waitSignal(window.sig_saved, timeout=WAIT):  # Save again: it reconnects
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    with world.db.session_factory() as s:
        names = s.scalar(
            select(func.count()).where(
                Customer.name == "镇江断线客户", Customer.uuid == window.new_uuid
            )
        )
    assert names == 1


def test_the_main_window_follows_changes_in_shared_mode_only(
    qtbot: QtBot, world: World, runner: OpRunner, sqlite_url: str
) -> None:
    from crm_desktop.ui.app import build_main_window

    window = build_main_window(runner.db, world.li, Settings(), runner=runner, company_name="测试")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.customers_page.sig_ids_loaded, timeout=WAIT):
        window.show()
    qtbot.waitUntil(lambda: window.live is not None and window.live.connected, timeout=WAIT)
    customer_id = world.new_customer(world.li, name="主窗口客户")
    page = window.customers_page
    qtbot.waitUntil(lambda: page.model.row_of(customer_id) is not None, timeout=LIVE_MS)
    live = window.live
    assert live is not None
    window.close()
    assert window.live is None and not live.running

    single = open_database(sqlite_url)
    try:
        from crm_desktop.services.company import initialize_company

        with single.session_factory.begin() as s:
            actor = initialize_company(
                s,
                company_name="单机",
                language="en",
                admin_login="solo",
                admin_name="Solo",
                admin_password="long-enough-pw",
            )
        solo_runner = OpRunner(single)
        solo = build_main_window(single, actor, Settings(), runner=solo_runner, company_name="单机")
        qtbot.addWidget(solo)
        solo.show()
        qtbot.wait(50)
        assert solo.live is None  # SQLite: one writer, nothing to follow
        solo.close()
        assert solo_runner.shutdown()
    finally:
        single.dispose()


def test_the_today_page_follows_a_plan_written_by_another_client(
    qtbot: QtBot, world: World, runner: OpRunner
) -> None:
    """Li plans a follow-up on her other PC: the Today page open on this one shows it
    without being asked."""
    from datetime import UTC, datetime, timedelta

    from crm_desktop.services.followups import NextPlan, plan_followup
    from crm_desktop.ui.app import build_main_window

    customer_id = world.new_customer(world.li, name="今日客户")
    window = build_main_window(runner.db, world.li, Settings(), runner=runner, company_name="测试")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.customers_page.sig_ids_loaded, timeout=WAIT):
        window.show()
    qtbot.waitUntil(lambda: window.live is not None and window.live.connected, timeout=WAIT)
    window.show_page("today")
    today = window.today_page
    qtbot.waitUntil(lambda: today.data is not None and not today.loading, timeout=WAIT)

    def planned_ids() -> set[int]:
        data = today.data
        return {r.customer_id for r in (*data.due_today, *data.next_days)} if data else set()

    assert customer_id not in planned_ids()
    with world.db.session_factory.begin() as s:
        plan_followup(
            s,
            customer_id,
            NextPlan(due_at=datetime.now(UTC) + timedelta(days=2), note="回访", kind="call"),
            world.li,
        )
    qtbot.waitUntil(lambda: customer_id in planned_ids(), timeout=LIVE_MS + 2_000)
    window.close()
