"""The public pool page, the prospect memory (pool page and duplicate check) and the scheduled
reclaim, driven as a user would on a real SQLite company (tests/db/customer_world.py); every
time rule gets an injected clock, nothing sleeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from crm_desktop.core.settings import Settings
from crm_desktop.db.models import Customer
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_list import CustomerFilter, SortSpec, filtered_ids
from crm_desktop.services.customers import get_customer
from crm_desktop.services.followups import FollowupInput, log_followup
from crm_desktop.services.pool import PoolRules, ReclaimResult, release_to_pool, set_pool_rules
from crm_desktop.ui.app import AppController, ReclaimScheduler
from crm_desktop.ui.customer_file import CustomerFileWindow, open_customer_file
from crm_desktop.ui.customer_model import COLUMN_KEYS, format_date
from crm_desktop.ui.customers_page import CustomersPage
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.main_window import PAGE_KEYS
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.pool_page import ClaimSummary, PoolPage
from tests.db.customer_world import PASSWORD, World, build_world

from .conftest import RecordedErrors

WAIT = 15_000
LOST_REASON = "价格太高"
RELEASED = "南京远航物流有限公司"


@pytest.fixture
def world(sqlite_url: str) -> Iterator[World]:
    w = build_world(sqlite_url)
    try:
        yield w
    finally:
        w.db.dispose()


@pytest.fixture
def runner(qapp: object, world: World, ui_errors: RecordedErrors) -> Iterator[OpRunner]:
    runner = OpRunner(world.db, error_handler=ui_errors)
    try:
        yield runner
    finally:
        assert runner.shutdown(), "operations still running after the test"


@pytest.fixture
def pool(world: World) -> dict[str, int]:
    """Three customers in the pool (one Li followed up, lost and released) and two owned."""
    ids = {
        "fresh": world.new_customer(
            world.admin, name="杭州新光电子", owner_id=None, grade_id=world.grades["C"]
        ),
        "another": world.new_customer(
            world.admin, name="苏州恒通贸易", owner_id=None, grade_id=world.grades["D"]
        ),
        "released": world.new_customer(world.li, name=RELEASED, grade_id=world.grades["B"]),
        "li_own": world.new_customer(world.li, name="李娜的客户"),
        "wang_own": world.new_customer(world.wang, name="王芳的客户"),
    }
    with world.db.session_factory.begin() as session:
        log_followup(
            session,
            ids["released"],
            FollowupInput(
                kind="call",
                summary="报价后客户认为太贵",
                outcome="lost",
                lost_reason=LOST_REASON,
            ),
            world.li,
        )
        release_to_pool(session, ids["released"], world.li, note="丢单")
    return ids


MakePage = Callable[[Actor], PoolPage]


@pytest.fixture
def make_page(qtbot: QtBot, runner: OpRunner) -> Iterator[MakePage]:
    def make(actor: Actor) -> PoolPage:
        page = PoolPage(actor, runner, Settings())
        qtbot.addWidget(page)
        page.resize(1200, 700)
        signals = [page.sig_ids_loaded, page.sig_choices_loaded, page.sig_holding_loaded]
        with qtbot.waitSignals(signals, timeout=WAIT):
            page.show()  # the page loads when first shown
        qtbot.waitExposed(page)
        return page

    yield make
    qtbot.waitUntil(lambda: runner.active_count == 0, timeout=WAIT)


def pool_ids(world: World, actor: Actor) -> list[int]:
    with world.db.read_session_factory() as session:
        return list(filtered_ids(session, CustomerFilter(in_pool=True), SortSpec(), actor))


def owner_of(world: World, customer_id: int) -> int | None:
    with world.db.read_session_factory() as session:
        return get_customer(session, customer_id, world.admin).owner_id


def select_customer(qtbot: QtBot, page: PoolPage, customer_id: int) -> None:
    row = page.model.row_of(customer_id)
    assert row is not None, "the customer is not in the list"
    page.select_rows([row])


def claim(qtbot: QtBot, page: PoolPage) -> ClaimSummary:
    """Click Claim; the summary once every claim was answered and the list reloaded."""
    with qtbot.waitSignal(page.sig_claimed, timeout=WAIT) as claimed:
        qtbot.mouseClick(page.claim_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.loading, timeout=WAIT)
    summary = claimed.args[0]
    assert isinstance(summary, ClaimSummary)
    return summary


def refusal_box(page: PoolPage) -> QMessageBox:
    box = page.message_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    return box


# --------------------------------------------------------------------------- the list


def test_the_pool_page_lists_only_pool_customers(
    qtbot: QtBot, qtmodeltester: Any, world: World, pool: dict[str, int], make_page: MakePage
) -> None:
    page = make_page(world.wang)
    shown = list(page.model.ids)
    assert sorted(shown) == sorted([pool["fresh"], pool["another"], pool["released"]])
    assert shown == pool_ids(world, world.wang)
    assert pool["li_own"] not in shown and pool["wang_own"] not in shown
    assert page.status_label.text() == "3 customers"
    assert page.header.title_label.text() == "Public pool"
    # Owner choices say nothing here: everything is in the pool.
    assert not page.filter_panel.owner_combo.isVisibleTo(page)
    assert not page.filter_panel.pool_check.isVisibleTo(page)
    assert "owner" not in page.visible_columns()
    # When each came into the pool: the release's date for the released customer.
    assert "pool_since" in page.visible_columns()
    with world.db.read_session_factory() as session:
        since = session.scalar(select(Customer.pool_since).where(Customer.id == pool["released"]))
    assert since is not None
    row = page.model.row_of(pool["released"])
    assert row is not None
    column = COLUMN_KEYS.index("pool_since")
    qtbot.waitUntil(lambda: page.model.is_row_loaded(row), timeout=WAIT)
    assert page.model.index(row, column).data() == format_date(since)
    qtmodeltester.check(page.model)


def test_the_search_box_searches_the_pool_only(
    qtbot: QtBot, world: World, pool: dict[str, int], make_page: MakePage
) -> None:
    page = make_page(world.wang)
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=WAIT):
        qtbot.keyClicks(page.search_edit, "hangzhou")  # 杭州新光电子 by its pinyin
    assert list(page.model.ids) == [pool["fresh"]]
    page.search_edit.clear()
    qtbot.waitUntil(lambda: len(page.model.ids) == 3 and not page.loading, timeout=WAIT)


def test_the_holding_line_counts_my_customers_against_the_limit(
    qtbot: QtBot, world: World, pool: dict[str, int], make_page: MakePage
) -> None:
    with world.db.session_factory.begin() as session:
        set_pool_rules(session, PoolRules(holding_limit=50), world.admin)
    page = make_page(world.wang)
    assert page.holding_label.text() == "You hold 1 of 50"


# --------------------------------------------------------------------------- claim


def test_claim_moves_a_customer_out_of_the_pool_into_my_list(
    qtbot: QtBot, world: World, pool: dict[str, int], make_page: MakePage
) -> None:
    page = make_page(world.wang)
    select_customer(qtbot, page, pool["fresh"])
    assert page.claim_button.isEnabled()

    summary = claim(qtbot, page)

    assert summary.claimed_ids == [pool["fresh"]] and summary.refused == ()
    assert owner_of(world, pool["fresh"]) == world.wang.id
    assert pool["fresh"] not in page.model.ids
    assert page.result_label.text() == "“杭州新光电子” is yours now: it is in your customer list."
    qtbot.waitUntil(lambda: page.holding_label.text() == "You hold 2 · no limit", timeout=WAIT)
    with world.db.read_session_factory() as session:
        mine = filtered_ids(
            session, CustomerFilter(owner_ids=(world.wang.id,)), SortSpec(), world.wang
        )
    assert pool["fresh"] in mine


def test_the_claim_shortcut_claims_the_current_customer(
    qtbot: QtBot, world: World, pool: dict[str, int], make_page: MakePage
) -> None:
    page = make_page(world.wang)
    select_customer(qtbot, page, pool["another"])
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.view.setFocus()
    with qtbot.waitSignal(page.sig_claimed, timeout=WAIT) as claimed:
        qtbot.keyClick(page.view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert claimed.args[0].claimed_ids == [pool["another"]]
    assert owner_of(world, pool["another"]) == world.wang.id


def test_a_claim_beyond_the_holding_limit_is_refused_and_nothing_moves(
    qtbot: QtBot, world: World, pool: dict[str, int], make_page: MakePage
) -> None:
    with world.db.session_factory.begin() as session:
        set_pool_rules(session, PoolRules(holding_limit=1), world.admin)
    page = make_page(world.wang)  # Wang already holds one prospect
    assert page.holding_label.text() == "You hold 1 of 1"
    select_customer(qtbot, page, pool["fresh"])

    summary = claim(qtbot, page)

    assert summary.claimed == ()
    assert [r[0] for r in summary.refused] == [pool["fresh"]]
    expected = "“杭州新光电子”: your holding limit is reached (1 of 1)"
    assert page.result_label.text() == "Not claimed:\n" + expected
    box = refusal_box(page)
    assert box.text() == "This customer could not be claimed"
    assert box.informativeText() == expected
    # Nothing is lost: the customer is still in the pool, Wang still holds only his own.
    assert owner_of(world, pool["fresh"]) is None
    assert pool["fresh"] in page.model.ids
    assert owner_of(world, pool["wang_own"]) == world.wang.id


def test_the_previous_owner_cannot_claim_back_during_the_cooling_off(
    qtbot: QtBot, world: World, pool: dict[str, int], make_page: MakePage
) -> None:
    with world.db.session_factory.begin() as session:
        set_pool_rules(session, PoolRules(cooling_off_days=7), world.admin)
    page = make_page(world.li)  # Li released this customer a moment ago
    select_customer(qtbot, page, pool["released"])

    summary = claim(qtbot, page)

    assert summary.claimed == ()
    reason = summary.refused[0][2]
    assert "cooling-off" in reason
    assert "cooling-off" in refusal_box(page).informativeText()
    assert owner_of(world, pool["released"]) is None


def test_claiming_several_claims_each_and_summarises_the_refusals(
    qtbot: QtBot, world: World, pool: dict[str, int], make_page: MakePage
) -> None:
    with world.db.session_factory.begin() as session:
        set_pool_rules(session, PoolRules(holding_limit=3), world.admin)
    page = make_page(world.wang)  # holds 1: room for 2 more
    rows = [page.model.row_of(i) for i in (pool["fresh"], pool["another"], pool["released"])]
    page.select_rows([r for r in rows if r is not None])
    assert page.selected_count() == 3

    summary = claim(qtbot, page)

    assert len(summary.claimed) == 2 and len(summary.refused) == 1
    assert page.result_label.text().startswith("Claimed 2, refused 1:\n")
    assert "holding limit" in page.result_label.text()
    assert refusal_box(page).text() == "1 of 3 customers could not be claimed"
    owners = [owner_of(world, i) for i in (pool["fresh"], pool["another"], pool["released"])]
    assert owners.count(world.wang.id) == 2 and owners.count(None) == 1
    assert len(page.model.ids) == 1


def test_a_customer_just_taken_by_someone_else_is_refused_clearly(
    qtbot: QtBot, world: World, pool: dict[str, int], make_page: MakePage
) -> None:
    page = make_page(world.wang)
    select_customer(qtbot, page, pool["fresh"])
    from crm_desktop.services.pool import claim as claim_service

    with world.db.session_factory.begin() as session:  # Chen is faster
        claim_service(session, pool["fresh"], world.chen)

    summary = claim(qtbot, page)

    assert summary.claimed == ()
    assert summary.refused[0][2] == f"{world.chen.display_name} has just claimed it"
    assert owner_of(world, pool["fresh"]) == world.chen.id
    assert pool["fresh"] not in page.model.ids  # the list caught up


def test_an_owner_releases_customers_from_the_customers_page_after_confirming(
    qtbot: QtBot, world: World, pool: dict[str, int], runner: OpRunner
) -> None:
    page = CustomersPage(world.li, runner, Settings())
    qtbot.addWidget(page)
    page.resize(1100, 700)
    with qtbot.waitSignals([page.sig_ids_loaded, page.sig_choices_loaded], timeout=WAIT):
        page.refresh()
        page.show()
    rows = [page.model.row_of(pool["li_own"]), page.model.row_of(pool["fresh"])]
    page.select_rows([r for r in rows if r is not None])
    assert page.release_action.isEnabled()

    page.release_action.trigger()
    question = page.message_box
    assert isinstance(question, QMessageBox) and question.isVisible()
    assert question.text() == "Release 2 customers to the public pool?"
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=WAIT):
        qtbot.mouseClick(question.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)

    done = page.message_box
    assert isinstance(done, QMessageBox) and done is not question
    # The pool customer was not Li's to release: it is the one problem, the other moved.
    assert done.text() == "Released to the public pool: 1\nNot released, see the details: 1"
    assert f"#{pool['fresh']}:" in done.detailedText()
    assert owner_of(world, pool["li_own"]) is None
    done.close()
    qtbot.waitUntil(lambda: runner.active_count == 0, timeout=WAIT)


# --------------------------------------------------------------------------- prospect memory


def test_the_prospect_memory_shows_the_previous_owner_and_the_lost_reason(
    qtbot: QtBot, world: World, pool: dict[str, int], make_page: MakePage
) -> None:
    page = make_page(world.wang)
    with qtbot.waitSignal(page.memory_view.sig_loaded, timeout=WAIT) as loaded:
        select_customer(qtbot, page, pool["released"])
    memory = loaded.args[0]
    assert memory is not None and memory.customer_id == pool["released"]
    text = page.memory_view.text()
    assert RELEASED in text
    assert "李娜" in text
    assert f"Lost — {LOST_REASON}" in text
    assert "In the public pool since" in text
    card = page.memory_view.cards[0]
    assert card.name_label.text() == "李娜"
    assert card.count_label.text() == "1 follow-up"


def test_a_fresh_prospect_says_nobody_followed_it_up(
    qtbot: QtBot, world: World, pool: dict[str, int], make_page: MakePage
) -> None:
    page = make_page(world.wang)
    with qtbot.waitSignal(page.memory_view.sig_loaded, timeout=WAIT):
        select_customer(qtbot, page, pool["fresh"])
    assert page.memory_view.cards == []
    assert "Nobody has followed this customer up yet" in page.memory_view.text()


def test_the_duplicate_check_shows_who_followed_the_customer_up_before(
    qtbot: QtBot, world: World, pool: dict[str, int], runner: OpRunner
) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    window = open_customer_file(host, runner, world.wang, None, settings=Settings())
    assert isinstance(window, CustomerFileWindow)
    window.ask_discard = lambda: True
    if not window.loaded:
        qtbot.waitSignal(window.sig_loaded, timeout=WAIT).wait()
    qtbot.waitUntil(lambda: window.ops_running == 0, timeout=WAIT)
    for char in RELEASED:  # key presses carrying the characters, as an input method sends
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            key = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(window.form.name_edit, key)
    banner = window.duplicate_banner
    qtbot.waitUntil(lambda: "Followed up before by" in banner.text(), timeout=WAIT)
    first, memory = banner.text().split("\n")
    assert first.startswith(f"“{RELEASED}” exists — owner public pool")
    assert memory == f"Followed up before by 李娜 ({today()}, Lost — {LOST_REASON})"
    assert banner.isVisible()
    window.close()
    qtbot.waitUntil(lambda: runner.active_count == 0, timeout=WAIT)


def today() -> str:
    return datetime.now(UTC).astimezone().strftime("%Y-%m-%d")


# --------------------------------------------------------------------------- scheduled reclaim


@pytest.fixture
def due_customer(world: World) -> int:
    """Li's grade-D customer (back to the pool after 15 days without a follow-up)."""
    return world.new_customer(world.li, name="久未跟进的客户", grade_id=world.grades["D"])


def later(days: int) -> Callable[[], datetime]:
    return lambda: datetime.now(UTC) + timedelta(days=days)


def test_scheduled_reclaim_runs_at_start_then_on_each_tick_idempotently(
    qtbot: QtBot, world: World, runner: OpRunner, due_customer: int
) -> None:
    scheduler = ReclaimScheduler(runner, interval_ms=3_600_000, delay_ms=0, clock=later(20))
    assert scheduler.timer.interval() == 3_600_000
    with qtbot.waitSignal(scheduler.sig_reclaimed, timeout=WAIT) as moved:
        scheduler.start()
    assert [item.customer_id for item in moved.args[0].items] == [due_customer]
    assert owner_of(world, due_customer) is None

    with qtbot.waitSignal(scheduler.sig_ran, timeout=WAIT) as again:
        scheduler.timer.timeout.emit()  # the hourly tick, without waiting an hour
    assert again.args[0].items == ()  # nothing left to move
    assert scheduler.runs == 2
    scheduler.stop()


def test_a_failing_reclaim_is_logged_not_shown(
    qtbot: QtBot,
    world: World,
    runner: OpRunner,
    ui_errors: RecordedErrors,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken_reclaim(_session: object, **_kwargs: object) -> ReclaimResult:
        raise RuntimeError("disk on fire")

    scheduler = ReclaimScheduler(runner, delay_ms=0, job=broken_reclaim)
    with qtbot.waitSignal(scheduler.sig_ran, timeout=WAIT) as ran:
        scheduler.start()
    scheduler.stop()
    assert isinstance(ran.args[0], RuntimeError)
    assert "reclaim failed: disk on fire" in caplog.text
    assert ui_errors.shown == []


def test_the_app_reclaims_after_sign_in_and_the_lists_follow(
    qtbot: QtBot,
    world: World,
    pool: dict[str, int],
    due_customer: int,
    sqlite_url: str,
    ui_translations: Translations,
    ui_errors: RecordedErrors,
) -> None:
    controller = AppController(
        settings=Settings(),
        translations=ui_translations,
        database=sqlite_url,
        error_handler=ui_errors,
        quit_app=False,
        autologin=("li", PASSWORD),
        reclaim_interval_ms=3_600_000,
        reclaim_delay_ms=0,
        clock=later(20),
    )
    try:
        with qtbot.waitSignal(controller.sig_main_window_shown, timeout=WAIT):
            assert controller.start()
        window = controller.main_window
        assert window is not None
        scheduler = controller.reclaim_scheduler
        assert scheduler is not None and scheduler.timer.interval() == 3_600_000
        qtbot.waitUntil(lambda: scheduler.runs >= 1, timeout=WAIT)
        assert owner_of(world, due_customer) is None

        def shown_in_pool() -> bool:  # the Customers list reloaded: "Public pool" as owner
            model = window.customers_page.model
            row = model.row_of(due_customer)
            record = model.row_data(row) if row is not None else None
            return record is not None and record.owner_id is None

        qtbot.waitUntil(shown_in_pool, timeout=WAIT)
        with qtbot.waitSignal(window.pool_page.sig_ids_loaded, timeout=WAIT):
            window.show_page("pool")
        assert due_customer in window.pool_page.model.ids
        assert ui_errors.shown == []
    finally:
        if controller.main_window is not None:
            controller.main_window.close()
            controller.main_window.deleteLater()
        controller.close()


def test_the_pool_page_follows_today_in_the_navigation() -> None:
    assert PAGE_KEYS.index("pool") == PAGE_KEYS.index("today") + 1
