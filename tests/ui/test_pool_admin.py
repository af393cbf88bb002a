"""Admin → Public pool: the rules form (validation beside the fields, save, reload), the
grades' days, the lost-reasons list editor, and the read-only view of everyone else."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QEvent, QLocale, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.services.context import Actor
from crm_desktop.services.followups import list_lost_reasons, set_lost_reasons
from crm_desktop.services.pool import PoolRules, get_pool_rules, set_pool_rules
from crm_desktop.ui.admin_page import AdminPage
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.pool_rules import PoolRulesTab
from tests.db.customer_world import World, build_world

from .conftest import RecordedErrors

WAIT = 15_000
REASONS = ["价格太高", "选择了竞争对手", "没有预算"]


@pytest.fixture
def world(sqlite_url: str) -> Iterator[World]:
    w = build_world(sqlite_url)
    with w.db.session_factory.begin() as session:
        set_lost_reasons(session, REASONS, w.admin)
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


def idle(qtbot: QtBot, page: AdminPage) -> None:
    qtbot.waitUntil(lambda: page.ops_running == 0, timeout=WAIT)


MakeTab = Callable[[Actor], tuple[AdminPage, PoolRulesTab]]


@pytest.fixture
def make_tab(qtbot: QtBot, runner: OpRunner) -> Iterator[MakeTab]:
    def make(actor: Actor) -> tuple[AdminPage, PoolRulesTab]:
        page = AdminPage(actor, runner)
        qtbot.addWidget(page)
        page.ask_confirm = lambda text, action: True
        page.resize(1100, 760)
        if actor.is_admin:
            page.tabs.setCurrentWidget(page.pool_tab)
        with qtbot.waitSignal(page.pool_tab.sig_loaded, timeout=WAIT):
            page.show()
        qtbot.waitExposed(page)
        idle(qtbot, page)
        return page, page.pool_tab

    yield make
    qtbot.waitUntil(lambda: runner.active_count == 0, timeout=WAIT)


def rules(world: World) -> PoolRules:
    with world.db.read_session_factory() as session:
        return get_pool_rules(session)


def reasons(world: World) -> list[str]:
    with world.db.read_session_factory() as session:
        return list_lost_reasons(session)


def retype(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def type_text(widget: QWidget, text: str) -> None:
    """Key presses carrying the characters (QTest only types ASCII)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(widget, event)


def shown_reasons(tab: PoolRulesTab) -> list[str]:
    return [tab.reasons_list.item(i).text() for i in range(tab.reasons_list.count())]


# --------------------------------------------------------------------------- rules


def test_an_administrator_saves_the_rules_and_they_reload(
    qtbot: QtBot, world: World, make_tab: MakeTab, runner: OpRunner
) -> None:
    page, tab = make_tab(world.admin)
    assert page.tabs.tabText(page.tabs.indexOf(tab)) == "Public pool"
    seeded = rules(world)
    assert tab.limit_edit.text() == (
        "" if seeded.holding_limit is None else str(seeded.holding_limit)
    )
    assert tab.cooling_edit.text() == str(seeded.cooling_off_days)
    assert not tab.save_button.isEnabled()

    retype(qtbot, tab.limit_edit, "50")
    retype(qtbot, tab.cooling_edit, "7")
    retype(qtbot, tab.unwon_edit, "90")
    assert tab.save_button.isEnabled()
    assert tab.rules_status_label.text() == "Not saved yet"
    with qtbot.waitSignal(tab.sig_rules_saved, timeout=WAIT) as saved:
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)

    expected = PoolRules(holding_limit=50, cooling_off_days=7, unwon_days=90)
    assert saved.args[0] == expected
    assert rules(world) == expected
    assert tab.info_label.text() == "The pool rules are saved."
    assert not tab.save_button.isEnabled()

    again = AdminPage(world.admin, runner)
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.pool_tab.sig_loaded, timeout=WAIT):
        again.show()
    assert (again.pool_tab.limit_edit.text(), again.pool_tab.cooling_edit.text()) == ("50", "7")
    assert again.pool_tab.unwon_edit.text() == "90"
    qtbot.waitUntil(lambda: again.ops_running == 0, timeout=WAIT)


def test_emptying_a_limit_means_none_and_enter_saves(
    qtbot: QtBot, world: World, make_tab: MakeTab
) -> None:
    with world.db.session_factory.begin() as session:
        set_pool_rules(session, PoolRules(holding_limit=30, unwon_days=60), world.admin)
    page, tab = make_tab(world.admin)
    assert tab.limit_edit.text() == "30"
    retype(qtbot, tab.limit_edit, "")
    with qtbot.waitSignal(tab.sig_rules_saved, timeout=WAIT):
        qtbot.keyClick(tab.limit_edit, Qt.Key.Key_Return)
    idle(qtbot, page)
    assert rules(world) == PoolRules(holding_limit=None, cooling_off_days=0, unwon_days=60)


def test_wrong_values_show_beside_their_fields_and_nothing_is_saved(
    qtbot: QtBot, world: World, make_tab: MakeTab
) -> None:
    page, tab = make_tab(world.admin)
    before = rules(world)
    retype(qtbot, tab.limit_edit, "0")
    retype(qtbot, tab.cooling_edit, "-3")
    retype(qtbot, tab.unwon_edit, "99999")

    assert not tab.save_rules()

    assert tab.limit_error.isVisible()
    most, days = QLocale().toString(100_000), QLocale().toString(3_650)
    assert tab.limit_error.text() == f"A whole number from 1 to {most}; empty for no limit."
    assert tab.cooling_error.text() == f"Days from 0 to {days}."
    assert tab.unwon_error.text() == f"Days from 1 to {days}; empty for never."
    assert rules(world) == before
    retype(qtbot, tab.limit_edit, "12")
    retype(qtbot, tab.cooling_edit, "3")
    retype(qtbot, tab.unwon_edit, "")
    with qtbot.waitSignal(tab.sig_rules_saved, timeout=WAIT):
        assert tab.save_rules()
    idle(qtbot, page)
    assert not tab.limit_error.isVisible() and not tab.cooling_error.isVisible()
    assert rules(world) == PoolRules(holding_limit=12, cooling_off_days=3)


def test_revert_puts_the_saved_rules_back(qtbot: QtBot, world: World, make_tab: MakeTab) -> None:
    _page, tab = make_tab(world.admin)
    saved = tab.cooling_edit.text()
    retype(qtbot, tab.cooling_edit, "14" if saved != "14" else "15")
    assert tab.save_button.isEnabled()
    qtbot.mouseClick(tab.revert_button, Qt.MouseButton.LeftButton)
    assert tab.cooling_edit.text() == saved
    assert not tab.save_button.isEnabled()


def test_the_grades_days_are_shown_with_a_way_to_edit_them(
    qtbot: QtBot, world: World, make_tab: MakeTab
) -> None:
    page, tab = make_tab(world.admin)
    table = tab.grades_table
    rows = {
        table.item(r, 0).text(): [table.item(r, c).text() for c in (1, 2, 3)]
        for r in range(table.rowCount())
    }
    assert rows["A · 重点客户"] == ["never", "no warning", "30 days"]
    assert rows["D · 潜在客户"] == ["15 days", "3 days", "90 days"]
    qtbot.mouseClick(tab.edit_grades_button, Qt.MouseButton.LeftButton)
    assert page.tabs.currentWidget() is page.grades_tab


# --------------------------------------------------------------------------- lost reasons


def test_lost_reasons_add_rename_reorder_and_remove(
    qtbot: QtBot, world: World, make_tab: MakeTab
) -> None:
    page, tab = make_tab(world.admin)
    assert shown_reasons(tab) == REASONS

    type_text(tab.new_reason_edit, "项目取消")
    with qtbot.waitSignal(tab.sig_loaded, timeout=WAIT):
        qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert reasons(world) == [*REASONS, "项目取消"]
    assert tab.selected_reason() == "项目取消"

    with qtbot.waitSignal(tab.sig_loaded, timeout=WAIT):
        qtbot.mouseClick(tab.up_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert reasons(world) == ["价格太高", "选择了竞争对手", "项目取消", "没有预算"]
    assert tab.selected_reason() == "项目取消"

    item = tab.reasons_list.item(0)
    with qtbot.waitSignal(tab.sig_loaded, timeout=WAIT):
        item.setText("价格高于预期")  # what an in-place edit (F2) ends with
    idle(qtbot, page)
    assert reasons(world) == ["价格高于预期", "选择了竞争对手", "项目取消", "没有预算"]

    tab.reasons_list.setCurrentRow(1)
    with qtbot.waitSignal(tab.sig_loaded, timeout=WAIT):
        qtbot.mouseClick(tab.remove_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert reasons(world) == ["价格高于预期", "项目取消", "没有预算"]
    assert shown_reasons(tab) == reasons(world)


def test_a_repeated_or_empty_reason_is_refused_beside_the_list(
    qtbot: QtBot, world: World, make_tab: MakeTab
) -> None:
    _page, tab = make_tab(world.admin)
    type_text(tab.new_reason_edit, "没有预算")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert tab.reasons_error.text() == "“没有预算” is already in the list."
    tab.new_reason_edit.clear()
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert tab.reasons_error.text() == "A lost reason needs some words."
    tab.reasons_list.item(0).setText("选择了竞争对手")  # a rename onto another reason
    assert tab.reasons_error.text() == "“选择了竞争对手” is already in the list."
    assert shown_reasons(tab) == REASONS
    assert reasons(world) == REASONS


# --------------------------------------------------------------------------- everyone else


@pytest.mark.parametrize("who", ["li", "manager"])
def test_others_read_the_rules_but_cannot_change_them(
    qtbot: QtBot, world: World, make_tab: MakeTab, who: str, ui_errors: RecordedErrors
) -> None:
    with world.db.session_factory.begin() as session:
        set_pool_rules(session, PoolRules(holding_limit=40, cooling_off_days=5), world.admin)
    actor: Actor = getattr(world, who)
    page, tab = make_tab(actor)
    assert not page.tabs.isVisible()
    assert page.empty_state.isVisible()
    assert tab.isVisible() and tab.read_only_label.isVisible()
    assert tab.read_only_label.text().startswith("Only administrators change these rules.")
    assert (tab.limit_edit.text(), tab.cooling_edit.text()) == ("40", "5")
    for edit in (tab.limit_edit, tab.cooling_edit, tab.unwon_edit):
        assert edit.isReadOnly()
    for widget in (tab.save_button, tab.add_button, tab.remove_button, tab.edit_grades_button):
        assert not widget.isVisible()
    assert shown_reasons(tab) == REASONS
    assert not tab.reasons_list.item(0).flags() & Qt.ItemFlag.ItemIsEditable
    qtbot.keyClicks(tab.limit_edit, "9")
    assert tab.limit_edit.text() == "40"
    assert not tab.save_rules()
    assert rules(world).holding_limit == 40
    assert ui_errors.shown == []
