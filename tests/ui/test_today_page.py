"""The Today page on a real SQLite database with an injected clock: its five sections for a
salesperson, the manager's switch to the branch, opening a customer, logging and completing
follow-ups from a row, and the refreshes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QDateTime, Qt, QTime
from pytestqt.qtbot import QtBot

from crm_desktop.core.settings import Settings
from crm_desktop.services.config import list_grades
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import CustomerInput, create_customer
from crm_desktop.services.database import Database
from crm_desktop.services.followups import FollowupInput, NextPlan, log_followup, plan_followup
from crm_desktop.services.today import today_data
from crm_desktop.ui.followup_dialog import COMPLETE, LOG, local_datetime
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.today_page import TodayModel, TodayPage, local_noon

from .conftest import RecordedErrors
from .test_followups_ui import Shop, build_shop

WAIT = 15_000
IDLE_DAYS = 27  # the page's "now" is this many days after the data was made


@dataclass
class Agenda:
    shop: Shop
    now: datetime  # the page's clock: noon, IDLE_DAYS days from today
    overdue: int
    due_today: int
    next_days: int
    sue_today: int
    returning: int  # a grade C customer of Sam's (reclaim 30 days, warn 5)
    dormant: int  # a grade A customer of Sam's (dormant after 30 days)


@pytest.fixture
def agenda(ui_db: Database, ui_company: Actor) -> Agenda:
    shop = build_shop(ui_db, ui_company)
    now = local_noon(datetime.now(UTC) + timedelta(days=IDLE_DAYS))
    with ui_db.session_factory.begin() as session:
        grades = {g.code: g.id for g in list_grades(session)}

        def customer(name: str, owner: Actor, grade: str | None = None) -> int:
            return create_customer(
                session,
                CustomerInput(name=name, owner_id=owner.id, grade_id=grades.get(grade or "")),
                shop.admin,
                allow_duplicate=True,
            ).id

        def plan(customer_id: int, owner: Actor, due: datetime, note: str) -> int:
            return plan_followup(
                session,
                customer_id,
                NextPlan(due_at=due, note=note, kind="call"),
                owner,
                now=due - timedelta(days=3),
            ).id

        returning = customer("Acme Components", shop.sam, "C")
        dormant = customer("Blue Harbour Foods", shop.sam, "A")
        log_followup(
            session,
            dormant,
            FollowupInput(
                kind="visit",
                summary="Factory tour",
                outcome="neutral",
                happened_at=now - timedelta(days=IDLE_DAYS + 10),
            ),
            shop.sam,
        )
        sues = customer("Cathay Logistics", shop.sue)
        return Agenda(
            shop=shop,
            now=now,
            overdue=plan(shop.customer_id, shop.sam, now - timedelta(days=1), "Send the quote"),
            due_today=plan(returning, shop.sam, now + timedelta(hours=3), "Ask for the tender"),
            next_days=plan(shop.customer_id, shop.sam, now + timedelta(days=3), "Site visit"),
            sue_today=plan(sues, shop.sue, now + timedelta(hours=2), "Sue's call"),
            returning=returning,
            dormant=dormant,
        )


@pytest.fixture
def make_page(qtbot: QtBot, ui_runner: OpRunner, ui_settings: Settings) -> Iterator[Any]:
    pages: list[TodayPage] = []

    def make(actor: Actor, now: datetime) -> TodayPage:
        page = TodayPage(actor, ui_runner, ui_settings, clock=lambda: now)
        qtbot.addWidget(page)
        page.resize(1100, 900)
        pages.append(page)
        with qtbot.waitSignal(page.sig_loaded, timeout=WAIT):
            page.show()
        return page

    yield make
    for page in pages:
        if page.dialog is not None:
            with contextlib.suppress(RuntimeError):  # closed and deleted already
                page.dialog.reject()
    qtbot.waitUntil(lambda: ui_runner.active_count == 0, timeout=WAIT)


def ids(page: TodayPage, key: str) -> list[int]:
    return [getattr(r, "id", None) or r.customer_id for r in page.sections[key].model.rows]


def customers(page: TodayPage, key: str) -> list[int]:
    return page.sections[key].customer_ids()


def test_a_salesperson_sees_the_five_sections(
    agenda: Agenda, make_page: Any, ui_errors: RecordedErrors
) -> None:
    shop = agenda.shop
    page = make_page(shop.sam, agenda.now)
    assert not page.scope_combo.isVisible()  # no switch for a salesperson
    assert ids(page, "overdue") == [agenda.overdue]
    assert ids(page, "due_today") == [agenda.due_today]
    assert ids(page, "next_days") == [agenda.next_days]
    assert customers(page, "about_to_return") == [agenda.returning]
    assert customers(page, "dormant") == [agenda.dormant]
    assert page.counts() == {
        "overdue": 1,
        "due_today": 1,
        "next_days": 1,
        "about_to_return": 1,
        "dormant": 1,
    }
    overdue = page.sections["overdue"]
    assert overdue.title_label.text() == "Overdue"
    assert overdue.count_label.text() == "1"
    model = overdue.model
    assert model.columns == ("due", "customer", "kind", "contact", "note", "action")
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert row[1:] == ["Huawei Technologies", "Call", "", "Send the quote", "Done…"]
    assert row[0].startswith("Yesterday ")
    assert model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole).name() == "#b3261e"
    dormant = page.sections["dormant"].model
    assert dormant.index(0, dormant.columns.index("days")).data() == f"{IDLE_DAYS + 10} days"
    assert dormant.index(0, dormant.action_column).data() == "Log follow-up…"
    assert not page.all_clear.isVisible()
    assert page.updated_label.text().startswith("Updated ")
    assert ui_errors.shown == []


def test_the_manager_switches_between_mine_and_the_branch(
    qtbot: QtBot, agenda: Agenda, make_page: Any, ui_settings: Settings
) -> None:
    shop = agenda.shop
    page = make_page(shop.manager, agenda.now)
    assert page.scope_combo.isVisible()
    assert [page.scope_combo.itemText(i) for i in range(2)] == ["Mine", "My branch"]
    assert page.scope == "mine"
    # The manager owns nothing: a friendly card instead of five empty sections.
    assert page.all_clear.isVisible() and not page.scroll.isVisible()
    assert page.all_clear.headline_label.text() == "All caught up"

    with qtbot.waitSignal(page.sig_loaded, timeout=WAIT):
        page.scope_combo.setCurrentIndex(page.scope_combo.findData("branch"))
    assert page.data is not None and page.data.scope == "branch"
    assert sorted(ids(page, "due_today")) == sorted([agenda.due_today, agenda.sue_today])
    model = page.sections["due_today"].model
    assert "owner" in model.columns
    owners = {model.index(r, model.columns.index("owner")).data() for r in range(2)}
    assert owners == {"Sam Sales", "Sue Sales"}
    assert page.scroll.isVisible() and not page.all_clear.isVisible()
    assert ui_settings.ui["today"]["scope"] == "branch"
    # The buttons moved right with the owner column.
    view = page.sections["due_today"].view
    assert view.itemDelegateForColumn(model.action_column) is page.sections["due_today"].delegate
    assert view.itemDelegateForColumn(model.columns.index("owner")) is None

    with qtbot.waitSignal(page.sig_loaded, timeout=WAIT):
        page.set_scope("mine")
    assert page.all_clear.isVisible()


def test_an_administrator_switches_to_all_branches(agenda: Agenda, make_page: Any) -> None:
    page = make_page(agenda.shop.admin, agenda.now)
    assert page.scope_combo.itemText(1) == "All branches"


def test_double_click_and_enter_open_the_customer(
    qtbot: QtBot, agenda: Agenda, make_page: Any
) -> None:
    page = make_page(agenda.shop.sam, agenda.now)
    section = page.sections["dormant"]
    view = section.view
    rect = view.visualRect(section.model.index(0, 0))
    with qtbot.waitSignal(page.sig_open_customer) as opened:
        # The first click selects (QTest's double-click alone leaves no pressed row).
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [agenda.dormant]

    overdue = page.sections["overdue"].view
    overdue.setCurrentIndex(page.sections["overdue"].model.index(0, 1))
    overdue.setFocus()
    with qtbot.waitSignal(page.sig_open_customer) as opened:
        qtbot.keyClick(overdue, Qt.Key.Key_Return)
    assert opened.args == [agenda.shop.customer_id]
    assert page.selected_customer_id() == agenda.shop.customer_id


def test_done_on_a_row_completes_it_and_the_page_moves_it(
    qtbot: QtBot, agenda: Agenda, make_page: Any
) -> None:
    page = make_page(agenda.shop.sam, agenda.now)
    section = page.sections["due_today"]
    view = section.view
    rect = view.visualRect(section.model.index(0, section.model.action_column))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.loaded, timeout=WAIT)
    dialog = page.dialog
    assert dialog is not None and dialog.mode == COMPLETE
    assert dialog.followup is not None and dialog.followup.id == agenda.due_today
    dialog.outcome_combo.setCurrentIndex(dialog.outcome_combo.findData("positive"))
    with qtbot.waitSignal(page.sig_loaded, timeout=WAIT):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert ids(page, "due_today") == []
    assert section.empty_label.isVisible()
    assert section.empty_label.text() == "Nothing is due today."
    assert section.count_label.text() == "0"
    # Followed up just now: the customer no longer returns to the pool soon.
    assert agenda.returning not in customers(page, "about_to_return")


def test_logging_from_a_dormant_row_with_a_next_plan_shows_it_today(
    qtbot: QtBot, agenda: Agenda, make_page: Any
) -> None:
    page = make_page(agenda.shop.sam, agenda.now)
    page.sections["dormant"].click_action(0)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.loaded, timeout=WAIT)
    dialog = page.dialog
    assert dialog is not None and dialog.mode == LOG
    assert dialog.customer_label.text() == "Log follow-up — Blue Harbour Foods"
    qtbot.keyClicks(dialog.summary_edit, "Called; they are busy with an audit.")
    dialog.outcome_combo.setCurrentIndex(dialog.outcome_combo.findData("neutral"))
    dialog.next_check.setChecked(True)
    later_today = QDateTime(local_datetime(agenda.now).date(), QTime(16, 30))
    dialog.next_due_edit.setDateTime(later_today)
    qtbot.keyClicks(dialog.next_note_edit, "Call again after the audit")
    with qtbot.waitSignal(page.sig_loaded, timeout=WAIT):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert customers(page, "dormant") == []
    assert agenda.dormant in customers(page, "due_today")
    model = page.sections["due_today"].model
    row = customers(page, "due_today").index(agenda.dormant)
    assert model.index(row, model.columns.index("note")).data() == "Call again after the audit"
    assert model.index(row, 0).data() == "Today 16:30"


def test_the_page_reads_again_on_its_timer(qtbot: QtBot, agenda: Agenda, make_page: Any) -> None:
    page = make_page(agenda.shop.sam, agenda.now)
    assert page.timer.isActive()
    with agenda.shop.db.session_factory.begin() as session:
        plan_followup(
            session,
            agenda.shop.customer_id,
            NextPlan(due_at=agenda.now + timedelta(hours=1), note="New one"),
            agenda.shop.sam,
            now=agenda.now,
        )
    with qtbot.waitSignal(page.sig_loaded, timeout=WAIT):
        page.timer.timeout.emit()
    assert len(page.sections["due_today"].model.rows) == 2


def test_a_new_salesperson_is_all_caught_up(qtbot: QtBot, agenda: Agenda, make_page: Any) -> None:
    page = make_page(agenda.shop.sue, agenda.now - timedelta(days=IDLE_DAYS + 30))
    assert page.all_clear.isVisible()
    assert "Nothing is overdue" in page.all_clear.body_label.text()


def test_the_today_model_passes_the_model_tester(
    qtmodeltester: Any, agenda: Agenda, ui_db: Database
) -> None:
    with ui_db.session_factory() as session:
        data = today_data(session, agenda.shop.manager, scope="branch", now=agenda.now)
    for key in ("due_today", "about_to_return", "dormant"):
        model = TodayModel(key)
        model.set_rows(getattr(data, key), data.now, show_owner=True)
        assert model.rowCount() >= 1
        qtmodeltester.check(model)


def test_space_presses_the_row_button(qtbot: QtBot, agenda: Agenda, make_page: Any) -> None:
    page = make_page(agenda.shop.sam, agenda.now)
    view = page.sections["dormant"].view
    view.setCurrentIndex(page.sections["dormant"].model.index(0, 0))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.loaded, timeout=WAIT)
    assert page.dialog is not None and page.dialog.mode == LOG
    assert page.dialog.customer_id == agenda.dormant
