"""The Admin page: grades, the region tree and branches, changed through the real widgets on a
real SQLite database; refusals (a used grade, a cycle) show the service's message."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragMoveEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.services.config import (
    add_region,
    list_branches,
    list_grades,
    list_regions,
    region_tree,
)
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import CustomerInput, create_customer, get_customer
from crm_desktop.services.database import Database
from crm_desktop.services.demo import generate_demo
from crm_desktop.services.users import actor_of, add_user, get_user, list_users
from crm_desktop.ui.admin_page import AdminPage
from crm_desktop.ui.ops import OpRunner

WAIT = 15_000


@pytest.fixture
def data(ui_db: Database, ui_company: Actor) -> dict[str, Any]:
    with ui_db.session_factory.begin() as session:
        generate_demo(session, customers=50, actor=ui_company, workers=0)
        east = add_region(session, name="华东", actor=ui_company)
        js = add_region(session, name="江苏", parent_id=east.id, actor=ui_company)
        nj = add_region(session, name="南京", parent_id=js.id, actor=ui_company)
        sz = add_region(session, name="苏州", parent_id=js.id, actor=ui_company)
        north = add_region(session, name="华北", actor=ui_company)
        for name, region in (("宁A", nj), ("宁B", nj), ("苏A", sz), ("江苏总部", js)):
            create_customer(session, CustomerInput(name=name, region_id=region.id), ui_company)
    return {
        "actor": ui_company,
        "east": east.id,
        "js": js.id,
        "nj": nj.id,
        "sz": sz.id,
        "north": north.id,
    }


def read(db: Database, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with db.session_factory() as session:
        return fn(session, *args, **kwargs)


def parent_of(db: Database, region_id: int) -> int | None:
    return next(r.parent_id for r in read(db, list_regions) if r.id == region_id)


def idle(qtbot: QtBot, page: AdminPage) -> None:
    qtbot.waitUntil(lambda: page.ops_running == 0, timeout=WAIT)


@pytest.fixture
def make_page(qtbot: QtBot, ui_runner: OpRunner) -> Iterator[Callable[[Actor], AdminPage]]:
    def make(actor: Actor) -> AdminPage:
        page = AdminPage(actor, ui_runner)
        qtbot.addWidget(page)
        page.ask_confirm = lambda text, action: True
        page.resize(1000, 700)
        page.show()
        qtbot.waitExposed(page)
        idle(qtbot, page)
        return page

    yield make
    qtbot.waitUntil(lambda: ui_runner.active_count == 0, timeout=WAIT)


def type_text(widget: QWidget, text: str) -> None:
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(widget, event)


def test_only_administrators_see_the_configuration(
    data: dict[str, Any],
    make_page: Callable[[Actor], AdminPage],
    ui_db: Database,
) -> None:
    with ui_db.session_factory.begin() as session:
        add_user(
            session,
            login="sam",
            display_name="Sam Sales",
            role="sales",
            password="sales password",
            actor=data["actor"],
        )
        sam = actor_of(get_user(session, "sam"))
    page = make_page(sam)
    assert not page.tabs.isVisible()
    assert page.empty_state.isVisible()
    assert page.empty_state.headline_label.text() == (
        "Only administrators change the configuration"
    )


# --------------------------------------------------------------------------- grades


def test_grades_add_reorder_and_refuse_deleting_a_used_grade(
    qtbot: QtBot,
    data: dict[str, Any],
    make_page: Callable[[Actor], AdminPage],
    ui_db: Database,
) -> None:
    page = make_page(data["actor"])
    tab = page.grades_tab
    before = [g.code for g in read(ui_db, list_grades)]
    assert [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())] == before

    # Add a grade with the row under the table.
    qtbot.keyClicks(tab.new_code_edit, "s")
    type_text(tab.new_name_edit, "战略客户")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.table.rowCount() == len(before) + 1, timeout=WAIT)
    idle(qtbot, page)
    assert tab.table.item(len(before), 0).text() == "S"
    assert tab.table.item(len(before), 1).text() == "战略客户"
    assert tab.new_code_edit.text() == ""

    # Move it up one place.
    tab.table.selectRow(len(before))
    assert tab.up_button.isEnabled() and not tab.down_button.isEnabled()
    qtbot.mouseClick(tab.up_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    codes = [g.code for g in read(ui_db, list_grades)]
    assert codes == [*before[:-1], "S", before[-1]]
    assert [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())] == codes
    assert tab.selected() is not None and tab.selected().code == "S"  # still selected

    # Colour and days.
    page.choose_color = lambda current: "#12ab34"
    qtbot.mouseClick(tab.color_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    row = codes.index("S")
    assert tab.table.item(row, 2).text() == "#12AB34"
    tab.table.item(row, 3).setText("30")
    idle(qtbot, page)
    grade = next(g for g in read(ui_db, list_grades) if g.code == "S")
    assert (grade.color, grade.reclaim_days) == ("#12AB34", 30)

    # A grade the demo customers use cannot go.
    used = read(ui_db, list_grades)[0]
    tab.select(used.id)
    qtbot.mouseClick(tab.delete_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert tab.message_label.isVisible()
    assert f"Grade {used.code} is used by" in tab.message_label.text()
    assert used.code in [g.code for g in read(ui_db, list_grades)]

    # The unused new one can.
    tab.select(grade.id)
    qtbot.mouseClick(tab.delete_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert "S" not in [g.code for g in read(ui_db, list_grades)]
    assert not tab.message_label.isVisible()


def test_a_taken_grade_code_is_refused_with_the_message(
    qtbot: QtBot, data: dict[str, Any], make_page: Callable[[Actor], AdminPage]
) -> None:
    page = make_page(data["actor"])
    tab = page.grades_tab
    taken = tab.grades[0].code
    qtbot.keyClicks(tab.new_code_edit, taken)
    qtbot.keyClicks(tab.new_name_edit, "Again")
    qtbot.keyClick(tab.new_name_edit, Qt.Key.Key_Return)
    idle(qtbot, page)
    assert "exists already" in tab.message_label.text()
    assert tab.new_name_edit.text() == "Again"  # kept for a correction


# --------------------------------------------------------------------------- regions


def test_regions_show_subtree_counts(
    data: dict[str, Any], make_page: Callable[[Actor], AdminPage]
) -> None:
    page = make_page(data["actor"])
    tab = page.regions_tab
    page.tabs.setCurrentWidget(tab)
    east = tab.item_for(data["east"])
    js = tab.item_for(data["js"])
    assert east is not None and js is not None
    assert js.text(1) == "4"  # 2 in 南京, 1 in 苏州, 1 on 江苏 itself
    assert tab.item_for(data["nj"]).text(1) == "2"
    assert east.isExpanded()


def test_regions_add_child_rename_and_move(
    qtbot: QtBot,
    data: dict[str, Any],
    make_page: Callable[[Actor], AdminPage],
    ui_db: Database,
) -> None:
    page = make_page(data["actor"])
    tab = page.regions_tab
    page.tabs.setCurrentWidget(tab)
    page.ask_text = lambda title, label, text: "无锡"
    tab.select(data["js"])
    qtbot.mouseClick(tab.add_child_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    wuxi = next(r for r in read(ui_db, list_regions) if r.name == "无锡")
    assert wuxi.parent_id == data["js"]
    assert tab.item_for(wuxi.id) is not None
    assert tab.selected_id() == wuxi.id  # the new region is selected

    # Rename with F2 (the Rename button's shortcut: it clicks after its press animation),
    # typing into the tree's editor.
    tab.tree.setFocus()
    qtbot.keyClick(tab.tree, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: tab.tree.findChild(QLineEdit) is not None)
    editor = tab.tree.findChild(QLineEdit)
    assert editor is not None and editor.text() == "无锡"
    editor.selectAll()
    type_text(editor, "无锡市")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event turn
    qtbot.waitUntil(
        lambda: next(r for r in read(ui_db, list_regions) if r.id == wuxi.id).name == "无锡市",
        timeout=WAIT,
    )
    idle(qtbot, page)
    assert tab.item_for(wuxi.id).text(0) == "无锡市"

    # Move 南京 (with its customers) under 华北 through the "Move to…" picker.
    tab.select(data["nj"])
    page.pick_region = lambda nodes, title, prompt, disabled, top: data["north"]
    qtbot.mouseClick(tab.move_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert parent_of(ui_db, data["nj"]) == data["north"]
    assert tab.item_for(data["nj"]).parent() is tab.item_for(data["north"])
    assert tab.item_for(data["north"]).text(1) == "2"
    assert tab.item_for(data["js"]).text(1) == "2"
    assert "Moved 南京 under 华北." in tab.info_label.text()


def drop(tab: Any, dragged: int, target: int) -> None:
    """Drop region ``dragged`` onto region ``target`` as a mouse drag would."""
    tree = tab.tree
    source = tab.item_for(dragged)
    onto = tab.item_for(target)
    tree.setCurrentItem(source)
    tree.scrollToItem(onto)
    rect = tree.visualItemRect(onto)
    point = QPointF(rect.center())
    mime = tree.mimeData([source]) or QMimeData()
    event = QDropEvent(
        point,
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    # The drag passing over the target first: it sets the drop indicator on the item.
    move = QDragMoveEvent(
        QPoint(int(point.x()), int(point.y())),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(tree.viewport(), move)
    assert tree.dropIndicatorPosition() == QAbstractItemView.DropIndicatorPosition.OnItem
    # Without a real drag in progress Qt does not deliver a synthetic drop; hand it over.
    tree.dropEvent(event)


def test_a_drop_moves_a_region_and_a_cycle_is_refused_with_the_message(
    qtbot: QtBot,
    data: dict[str, Any],
    make_page: Callable[[Actor], AdminPage],
    ui_db: Database,
) -> None:
    page = make_page(data["actor"])
    tab = page.regions_tab
    page.tabs.setCurrentWidget(tab)
    tab.item_for(data["js"]).setExpanded(True)

    drop(tab, data["sz"], data["north"])
    idle(qtbot, page)
    assert parent_of(ui_db, data["sz"]) == data["north"]

    # 江苏 dropped onto its own 南京: refused, nothing moves.
    tab.item_for(data["js"]).setExpanded(True)
    drop(tab, data["js"], data["nj"])
    idle(qtbot, page)
    assert tab.message_label.isVisible()
    assert tab.message_label.text() == "A region cannot move below itself"
    assert parent_of(ui_db, data["js"]) == data["east"]
    assert tab.item_for(data["nj"]).parent() is tab.item_for(data["js"])


def test_merging_moves_the_customers_and_the_counts_update(
    qtbot: QtBot,
    data: dict[str, Any],
    make_page: Callable[[Actor], AdminPage],
    ui_db: Database,
) -> None:
    page = make_page(data["actor"])
    tab = page.regions_tab
    page.tabs.setCurrentWidget(tab)
    asked: list[str] = []

    def confirm(text: str, action: str) -> bool:
        asked.append(text)
        return True

    page.ask_confirm = confirm
    offered: dict[str, Any] = {}

    def pick(nodes: Any, title: str, prompt: str, disabled: Any, top: bool) -> int:
        offered["disabled"] = set(disabled)
        offered["top"] = top
        return data["north"]

    page.pick_region = pick
    assert tab.item_for(data["north"]).text(1) == "0"
    tab.select(data["nj"])
    qtbot.mouseClick(tab.merge_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)

    assert offered == {"disabled": {data["nj"]}, "top": False}
    assert asked == ["Merge 南京 into 华北? 2 customers placed directly on 南京 move to 华北."]
    assert tab.item_for(data["nj"]) is None
    assert tab.item_for(data["north"]).text(1) == "2"
    assert tab.item_for(data["js"]).text(1) == "2"
    assert "2 customers moved" in tab.info_label.text()
    counts = {n.id: n.count for n in read(ui_db, region_tree)}
    assert counts[data["north"]] == 2
    customer_regions = {
        read(ui_db, get_customer, cid, data["actor"]).region_id
        for cid in _customers_named(ui_db, data["actor"], ("宁A", "宁B"))
    }
    assert customer_regions == {data["north"]}


def _customers_named(db: Database, actor: Actor, names: tuple[str, ...]) -> list[int]:
    from crm_desktop.services.customers import find_duplicates

    with db.session_factory() as session:
        return [h.customer_id for n in names for h in find_duplicates(session, name=n, actor=actor)]


# --------------------------------------------------------------------------- branches


def test_branches_add_rename_and_delete(
    qtbot: QtBot,
    data: dict[str, Any],
    make_page: Callable[[Actor], AdminPage],
    ui_db: Database,
) -> None:
    page = make_page(data["actor"])
    tab = page.branches_tab
    page.tabs.setCurrentWidget(tab)
    count = tab.table.rowCount()
    qtbot.keyClicks(tab.new_code_edit, "xa")
    type_text(tab.new_name_edit, "西安办事处")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.table.rowCount() == count + 1, timeout=WAIT)
    idle(qtbot, page)
    branch = next(b for b in read(ui_db, list_branches) if b.code == "XA")
    row = next(r for r in range(tab.table.rowCount()) if tab.table.item(r, 0).text() == "XA")

    tab.table.selectRow(row)
    tab.table.item(row, 1).setText("西安分公司")
    idle(qtbot, page)
    assert next(b for b in read(ui_db, list_branches) if b.id == branch.id).name == "西安分公司"

    row = next(r for r in range(tab.table.rowCount()) if tab.table.item(r, 0).text() == "XA")
    tab.table.selectRow(row)
    qtbot.mouseClick(tab.delete_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert "XA" not in [b.code for b in read(ui_db, list_branches)]

    # A branch with users stays, with the reason.
    used = next(u.branch for u in read(ui_db, list_users) if u.branch)
    row = next(r for r in range(tab.table.rowCount()) if tab.table.item(r, 0).text() == used)
    tab.table.selectRow(row)
    qtbot.mouseClick(tab.delete_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert used in [b.code for b in read(ui_db, list_branches)]
    assert f"Branch {used} still has" in tab.message_label.text()
