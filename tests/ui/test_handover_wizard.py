"""The handover wizard driven as an administrator drives it: pick the departing user, see the
preview (totals, grade × region), add rules by grade, by region and by hand, send the rest to
the pool, hand over — customers move, the login is disabled and the handover report opens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from crm_desktop.db.models import AppUser, Customer
from crm_desktop.services.followups import NextPlan, plan_followup
from crm_desktop.services.reports import ReportFilters
from crm_desktop.services.users import list_users
from crm_desktop.ui.handover_wizard import BY_GRADE, BY_HAND, POOL, HandoverWizard
from crm_desktop.ui.ops import OpRunner
from tests.db.customer_world import World, build_world

from .conftest import RecordedErrors

WAIT = 15_000


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


def owners(world: World) -> dict[str, int | None]:
    with world.db.read_session_factory.begin() as s:
        return {n: o for n, o in s.execute(select(Customer.name, Customer.owner_id))}


def open_wizard(qtbot: QtBot, runner: OpRunner, world: World) -> HandoverWizard:
    with world.db.read_session_factory() as s:
        users = list_users(s)
    wizard = HandoverWizard(world.admin, runner, users, from_user_id=world.li.id)
    qtbot.addWidget(wizard)
    reports: list[ReportFilters] = []
    wizard.open_report = reports.append
    wizard.reports = reports  # type: ignore[attr-defined]
    wizard.show()
    return wizard


def test_a_whole_handover_through_the_wizard(
    qtbot: QtBot, runner: OpRunner, world: World, ui_errors: RecordedErrors
) -> None:
    li, wang, zhang = world.li, world.wang, world.manager
    a = world.new_customer(li, name="A级客户", grade_id=world.grades["A"])
    world.new_customer(li, name="手选客户", grade_id=world.grades["C"])
    world.new_customer(li, name="其余客户", grade_id=world.grades["D"])
    with world.db.session_factory.begin() as s:
        from datetime import UTC, datetime, timedelta

        plan_followup(s, a, NextPlan(due_at=datetime.now(UTC) + timedelta(days=2)), li)

    wizard = open_wizard(qtbot, runner, world)
    assert wizard.user_page.user_id() == li.id
    assert wizard.user_page.user_combo.findData(world.admin.id) < 0  # not oneself
    with qtbot.waitSignal(wizard.sig_overview_loaded, timeout=WAIT):
        wizard.next()
    page = wizard.preview_page
    assert page.customers_tile.value_label.text() == "3"
    assert page.followups_tile.value_label.text() == "1"
    total = page.matrix.item(page.matrix.rowCount() - 1, page.matrix.columnCount() - 1)
    assert total.text() == "3"
    assert page.matrix.verticalHeaderItem(0).text() == "A"

    with qtbot.waitSignal(wizard.sig_assignments_changed, timeout=WAIT):
        wizard.next()
    assign = wizard.assign_page
    assert "3 → Public pool" in assign.summary_label.text()
    # By grade: A → Wang Fang.
    assign.kind_combo.setCurrentIndex(BY_GRADE)
    assign.grade_combo.setCurrentIndex(assign.grade_combo.findData(world.grades["A"]))
    assign.heir_combo.setCurrentIndex(assign.heir_combo.findData(wang.id))
    with qtbot.waitSignal(wizard.sig_assignments_changed, timeout=WAIT):
        assign.add_button.click()
    # By hand: one customer → the manager.
    assign.kind_combo.setCurrentIndex(BY_HAND)
    for i in range(assign.customer_list.count()):
        item = assign.customer_list.item(i)
        if item.text().startswith("手选客户"):
            item.setCheckState(Qt.CheckState.Checked)
    assign.heir_combo.setCurrentIndex(assign.heir_combo.findData(zhang.id))
    with qtbot.waitSignal(wizard.sig_assignments_changed, timeout=WAIT):
        assign.add_button.click()
    assert assign.rules_table.rowCount() == 2
    assert assign.rules_table.item(0, 1).text() == "王芳"
    assert assign.rules_table.item(0, 2).text() == "1"
    assert assign.rest_combo.currentData() == POOL
    summary = assign.summary_label.text()
    assert "1 → 王芳" in summary and "1 → 张经理" in summary and "1 → Public pool" in summary

    wizard.next()
    confirm = wizard.confirm_page
    assert "李娜" in confirm.disable_check.text() and confirm.disable_check.isChecked()
    confirm.note_edit.setText("离职")
    with qtbot.waitSignal(wizard.sig_handed_over, timeout=WAIT) as blocker:
        wizard.button(QWizard.WizardButton.FinishButton).click()
    result = blocker.args[0]
    assert owners(world) == {"A级客户": wang.id, "手选客户": zhang.id, "其余客户": None}
    with world.db.read_session_factory.begin() as s:
        assert s.scalar(select(AppUser.active).where(AppUser.id == li.id)) is False
    assert confirm.result_label.isVisible() and confirm.report_button.isVisible()
    assert wizard.reports == [  # type: ignore[attr-defined]
        ReportFilters(handover_from_id=li.id, handover_at=result.at)
    ]
    assert not ui_errors.shown
    wizard.button(QWizard.WizardButton.FinishButton).click()  # now "Close"
    assert not wizard.isVisible()


def test_a_refusal_shows_on_the_last_page_and_nothing_moves(
    qtbot: QtBot, runner: OpRunner, world: World
) -> None:
    world.new_customer(world.li, name="留下")
    wizard = open_wizard(qtbot, runner, world)
    with qtbot.waitSignal(wizard.sig_overview_loaded, timeout=WAIT):
        wizard.next()
    with qtbot.waitSignal(wizard.sig_assignments_changed, timeout=WAIT):
        wizard.next()
    wizard.assign_page.rest_combo.setCurrentIndex(
        wizard.assign_page.rest_combo.findData(world.wang.id)
    )
    wizard.next()
    with world.db.session_factory.begin() as s:  # Wang leaves meanwhile
        s.get(AppUser, world.wang.id).active = False  # type: ignore[union-attr]
    wizard.button(QWizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(lambda: bool(wizard.confirm_page.error.text()), timeout=WAIT)
    assert "disabled" in wizard.confirm_page.error.text()
    assert owners(world) == {"留下": world.li.id}
    assert wizard.result is None and wizard.isVisible()
