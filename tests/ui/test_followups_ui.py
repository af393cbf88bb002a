"""The follow-up dialog and the customer file's timeline tab, driven as a user would on a real
SQLite database: log, lost needs a reason, plan the next one, mark done, edit, delete."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QDate, QDateTime, QModelIndex, Qt, QTime
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.core.settings import Settings
from crm_desktop.services.company import seed_defaults
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import (
    ContactInput,
    CustomerInput,
    add_contact,
    create_customer,
    get_customer,
)
from crm_desktop.services.database import Database
from crm_desktop.services.followups import (
    FollowupInput,
    NextPlan,
    TimelineEntry,
    list_lost_reasons,
    log_followup,
    plan_followup,
    timeline,
)
from crm_desktop.services.users import actor_of, add_user, get_user
from crm_desktop.ui.app import build_main_window
from crm_desktop.ui.customer_file import CustomerFileWindow, open_customer_file
from crm_desktop.ui.followup_dialog import COMPLETE, EDIT, LOG, PLAN, FollowupDialog, when_text
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.timeline import BADGE_ROLE, HEADLINE_ROLE, OVERDUE_ROLE, TimelineModel

from .conftest import RecordedErrors

WAIT = 15_000
PASSWORD = "long-enough-pw"


@dataclass
class Shop:
    """A small company: a Shanghai manager, two salespeople there, one customer of Sam's with
    two contacts."""

    db: Database
    admin: Actor
    manager: Actor
    sam: Actor
    sue: Actor
    customer_id: int
    contact_ids: dict[str, int]

    def read(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.db.session_factory() as session:
            return fn(session, *args, **kwargs)

    def write(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.db.session_factory.begin() as session:
            return fn(session, *args, **kwargs)


def build_shop(db: Database, admin: Actor) -> Shop:
    with db.session_factory.begin() as session:
        seed_defaults(session, "en", demo_branches=True)
        for login, name, role in (
            ("mia", "Mia Manager", "manager"),
            ("sam", "Sam Sales", "sales"),
            ("sue", "Sue Sales", "sales"),
        ):
            add_user(
                session,
                login=login,
                display_name=name,
                role=role,
                password=PASSWORD,
                branch_code="SH",
                actor=admin,
            )
    with db.session_factory.begin() as session:
        manager, sam, sue = (actor_of(get_user(session, u)) for u in ("mia", "sam", "sue"))
        detail = create_customer(
            session,
            CustomerInput(name="Huawei Technologies", owner_id=sam.id),
            admin,
            allow_duplicate=True,
        )
        contacts = {}
        for name, primary in (("张伟", True), ("Li Ming", False)):
            result = add_contact(
                session, detail.id, ContactInput(name=name, is_primary=primary), admin
            )
            contact = getattr(result, "contact", result)
            contacts[name] = contact.id
    return Shop(db, admin, manager, sam, sue, detail.id, contacts)


@pytest.fixture
def shop(ui_db: Database, ui_company: Actor) -> Shop:
    return build_shop(ui_db, ui_company)


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def open_file(
    qtbot: QtBot, parent: QWidget, ui_runner: OpRunner, ui_settings: Settings
) -> Iterator[Callable[[Actor, int], CustomerFileWindow]]:
    windows: list[CustomerFileWindow] = []

    def opener(actor: Actor, customer_id: int) -> CustomerFileWindow:
        window = open_customer_file(parent, ui_runner, actor, customer_id, settings=ui_settings)
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
        except RuntimeError:  # deleted already
            pass
    qtbot.waitUntil(lambda: ui_runner.active_count == 0, timeout=WAIT)


def show_timeline(qtbot: QtBot, window: CustomerFileWindow) -> TimelineModel:
    tab = window.timeline_tab
    with qtbot.waitSignal(tab.sig_loaded, timeout=WAIT):
        window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: window.ops_running == 0, timeout=WAIT)
    return tab.model


def open_dialog(qtbot: QtBot, window: CustomerFileWindow, button: Any) -> FollowupDialog:
    tab = window.timeline_tab
    tab.dialog = None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.dialog is not None and tab.dialog.loaded, timeout=WAIT)
    assert tab.dialog is not None
    return tab.dialog


def choose(combo: Any, data: Any) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def click_save(qtbot: QtBot, dialog: FollowupDialog, *, saved: bool) -> None:
    with qtbot.waitSignal(dialog.sig_save_finished, timeout=WAIT) as finished:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert finished.args == [saved]


def headlines(model: TimelineModel) -> list[str]:
    return [model.index(row).data(HEADLINE_ROLE) for row in range(model.rowCount())]


def local(days: int, hour: int, minute: int = 0) -> QDateTime:
    """``days`` from today at ``hour``:``minute``, local time (what the editors show)."""
    return QDateTime(QDate.currentDate().addDays(days), QTime(hour, minute))


# --------------------------------------------------------------------------- logging


def test_logging_a_follow_up_shows_it_on_top_of_the_timeline(
    qtbot: QtBot, shop: Shop, open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(shop.sam, shop.customer_id)
    model = show_timeline(qtbot, window)
    tab = window.timeline_tab
    # A new customer's timeline: only its creation (ownership), no follow-up yet.
    assert all(e.kind == "ownership" for e in model.entries)

    window.activateWindow()
    qtbot.keyClick(tab.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.dialog is not None and tab.dialog.loaded, timeout=WAIT)
    dialog = tab.dialog
    assert dialog is not None and dialog.mode == LOG
    assert dialog.windowTitle() == "Log follow-up"
    assert dialog.contact_combo.currentText() == "张伟"  # the primary contact
    assert dialog.next_check.isVisible() and not dialog.next_check.isChecked()
    choose(dialog.kind_combo, "visit")
    qtbot.keyClicks(dialog.summary_edit, "Showed the new line; they want a quote by Friday.")
    choose(dialog.outcome_combo, "positive")
    assert not dialog.lost_reason_combo.isEnabled()
    with qtbot.waitSignal(tab.sig_loaded, timeout=WAIT):
        click_save(qtbot, dialog, saved=True)

    first = model.entries[0]
    assert (first.kind, first.title, first.outcome) == ("followup", "visit", "positive")
    assert first.text == "Showed the new line; they want a quote by Friday."
    assert model.index(0).data(HEADLINE_ROLE) == "Visit with 张伟"
    assert model.index(0).data(BADGE_ROLE)[0] == "Positive"
    assert tab.stack.currentWidget() is tab.view
    # The customer's dates were read again: the header names the last contact.
    qtbot.waitUntil(
        lambda: window.detail is not None and window.detail.last_followup_at is not None,
        timeout=WAIT,
    )
    assert "last contact" in window.facts_label.text()


def test_lost_needs_a_reason_and_keeps_what_was_typed(
    qtbot: QtBot,
    shop: Shop,
    open_file: Callable[..., CustomerFileWindow],
    ui_errors: RecordedErrors,
) -> None:
    window = open_file(shop.sam, shop.customer_id)
    model = show_timeline(qtbot, window)
    dialog = open_dialog(qtbot, window, window.timeline_tab.log_button)
    qtbot.keyClicks(dialog.summary_edit, "They chose a cheaper supplier.")
    choose(dialog.outcome_combo, "lost")
    assert dialog.lost_reason_combo.isEnabled()

    click_save(qtbot, dialog, saved=False)
    assert dialog.isVisible()
    assert dialog.errors["lost_reason"].isVisible()
    assert dialog.errors["lost_reason"].text() == "Say why the customer was lost"
    assert dialog.summary_edit.toPlainText() == "They chose a cheaper supplier."
    assert dialog.outcome_combo.currentData() == "lost"

    # A reason the list does not have is refused by the service, beside the field too.
    dialog.lost_reason_combo.setEditText("Because of the weather")
    click_save(qtbot, dialog, saved=False)
    assert dialog.isVisible() and dialog.errors["lost_reason"].isVisible()
    assert dialog.errors["lost_reason"].text() == "Choose one of the listed reasons"
    assert dialog.summary_edit.toPlainText() == "They chose a cheaper supplier."

    reasons = shop.read(list_lost_reasons)
    dialog.lost_reason_combo.setCurrentIndex(dialog.lost_reason_combo.findText(reasons[0]))
    with qtbot.waitSignal(window.timeline_tab.sig_loaded, timeout=WAIT):
        click_save(qtbot, dialog, saved=True)
    first = model.entries[0]
    assert (first.outcome, first.lost_reason) == ("lost", reasons[0])
    assert model.index(0).data(Qt.ItemDataRole.DisplayRole).endswith(f"Lost reason: {reasons[0]}")
    assert ui_errors.shown == []


def test_a_follow_up_cannot_have_happened_in_the_future(
    qtbot: QtBot, shop: Shop, open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(shop.sam, shop.customer_id)
    show_timeline(qtbot, window)
    dialog = open_dialog(qtbot, window, window.timeline_tab.log_button)
    dialog.happened_edit.setDateTime(QDateTime.currentDateTime().addDays(2))
    choose(dialog.outcome_combo, "neutral")
    click_save(qtbot, dialog, saved=False)
    assert dialog.errors["happened_at"].text() == "Not in the future; plan it instead"
    assert dialog.isVisible()


def test_planning_the_next_one_puts_it_on_top(
    qtbot: QtBot, shop: Shop, open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(shop.sam, shop.customer_id)
    model = show_timeline(qtbot, window)
    dialog = open_dialog(qtbot, window, window.timeline_tab.log_button)
    qtbot.keyClicks(dialog.summary_edit, "Sent the catalogue.")
    choose(dialog.outcome_combo, "neutral")
    dialog.next_check.setChecked(True)
    dialog.next_due_edit.setDateTime(local(3, 10))
    choose(dialog.next_kind_combo, "meeting")
    qtbot.keyClicks(dialog.next_note_edit, "Bring the price list")
    with qtbot.waitSignal(window.timeline_tab.sig_loaded, timeout=WAIT):
        click_save(qtbot, dialog, saved=True)

    planned, done = model.entries[0], model.entries[1]
    assert (planned.kind, planned.title, planned.text) == (
        "planned",
        "meeting",
        "Bring the price list",
    )
    assert planned.contact_name == "张伟"
    assert (done.kind, done.text) == ("followup", "Sent the catalogue.")
    assert model.index(0).data(HEADLINE_ROLE) == "Meeting with 张伟"
    assert model.index(0).data(BADGE_ROLE)[0] == "Planned"
    assert not model.index(0).data(OVERDUE_ROLE)
    qtbot.waitUntil(
        lambda: window.detail is not None and window.detail.next_followup_at is not None,
        timeout=WAIT,
    )


def test_the_next_follow_up_must_come_after_this_one(
    qtbot: QtBot, shop: Shop, open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(shop.sam, shop.customer_id)
    show_timeline(qtbot, window)
    dialog = open_dialog(qtbot, window, window.timeline_tab.log_button)
    choose(dialog.outcome_combo, "neutral")
    dialog.next_check.setChecked(True)
    dialog.next_due_edit.setDateTime(dialog.happened_edit.dateTime().addSecs(-3600))
    click_save(qtbot, dialog, saved=False)
    assert dialog.next_errors["due_at"].text() == "After the time of this follow-up"


def test_an_overdue_planned_follow_up_is_red_and_marking_it_done_completes_it(
    qtbot: QtBot, shop: Shop, open_file: Callable[..., CustomerFileWindow]
) -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    planned = shop.write(
        plan_followup,
        shop.customer_id,
        NextPlan(due_at=yesterday, note="Ask about the tender", kind="call"),
        shop.sam,
        now=yesterday - timedelta(days=2),
    )
    window = open_file(shop.sam, shop.customer_id)
    model = show_timeline(qtbot, window)
    tab = window.timeline_tab
    assert model.entries[0].ref_id == planned.id
    assert model.index(0).data(OVERDUE_ROLE) is True
    assert model.index(0).data(BADGE_ROLE) == ("Overdue", "#b3261e")

    tab.view.setCurrentIndex(model.index(0))
    assert tab.done_button.isEnabled() and tab.edit_button.isEnabled()
    dialog = open_dialog(qtbot, window, tab.done_button)
    assert dialog.mode == COMPLETE
    assert dialog.save_button.text() == "Mark done"
    assert "Ask about the tender" in dialog.planned_note_label.text()
    assert dialog.kind_combo.currentData() == "call"
    choose(dialog.outcome_combo, "won")
    with qtbot.waitSignal(tab.sig_loaded, timeout=WAIT):
        click_save(qtbot, dialog, saved=True)
    assert [e.kind for e in model.entries if e.kind in ("planned", "followup")] == ["followup"]
    done = model.entries[0]
    assert (done.ref_id, done.outcome, done.text) == (planned.id, "won", "Ask about the tender")


def test_plan_follow_up_dialog(
    qtbot: QtBot, shop: Shop, open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(shop.sam, shop.customer_id)
    model = show_timeline(qtbot, window)
    dialog = open_dialog(qtbot, window, window.timeline_tab.plan_button)
    assert dialog.mode == PLAN and dialog.windowTitle() == "Plan follow-up"
    assert not dialog.outcome_combo.isVisible() and not dialog.next_check.isVisible()
    assert dialog.labels["summary"].text() == "Note"
    dialog.due_edit.setDateTime(local(1, 9, 30))
    choose(dialog.contact_combo, shop.contact_ids["Li Ming"])
    qtbot.keyClicks(dialog.summary_edit, "Confirm the delivery date")
    with qtbot.waitSignal(window.timeline_tab.sig_loaded, timeout=WAIT):
        click_save(qtbot, dialog, saved=True)
    first = model.entries[0]
    assert (first.kind, first.contact_name, first.text) == (
        "planned",
        "Li Ming",
        "Confirm the delivery date",
    )


def test_editing_and_deleting_a_follow_up(
    qtbot: QtBot, shop: Shop, open_file: Callable[..., CustomerFileWindow]
) -> None:
    logged = shop.write(
        log_followup,
        shop.customer_id,
        FollowupInput(kind="call", summary="First call", outcome="neutral"),
        shop.sam,
    )
    window = open_file(shop.sam, shop.customer_id)
    model = show_timeline(qtbot, window)
    tab = window.timeline_tab
    tab.select_ref("followup", logged.followup.id)
    assert tab.edit_button.isEnabled() and not tab.done_button.isEnabled()
    dialog = open_dialog(qtbot, window, tab.edit_button)
    assert dialog.mode == EDIT and dialog.summary_edit.toPlainText() == "First call"
    assert dialog.outcome_combo.currentData() == "neutral"
    dialog.summary_edit.setPlainText("First call: they asked for samples")
    with qtbot.waitSignal(tab.sig_loaded, timeout=WAIT):
        click_save(qtbot, dialog, saved=True)
    assert model.entries[0].text == "First call: they asked for samples"

    asked: list[str] = []

    def confirm(text: str, _action: str) -> bool:
        asked.append(text)
        return True

    window.ask_confirm = confirm
    tab.select_ref("followup", logged.followup.id)
    with qtbot.waitSignal(tab.sig_loaded, timeout=WAIT):
        qtbot.mouseClick(tab.delete_button, Qt.MouseButton.LeftButton)
    when = when_text(logged.followup.happened_at, in_sentence=True)
    assert asked == [f"Delete this follow-up (Call, {when})? The audit log keeps a record."]
    assert not [e for e in model.entries if e.kind == "followup"]
    qtbot.waitUntil(
        lambda: window.detail is not None and window.detail.last_followup_at is None,
        timeout=WAIT,
    )


def test_another_salespersons_follow_up_cannot_be_changed(
    qtbot: QtBot, shop: Shop, open_file: Callable[..., CustomerFileWindow]
) -> None:
    shop.write(
        log_followup,
        shop.customer_id,
        FollowupInput(kind="call", summary="Sam's call", outcome="neutral"),
        shop.sam,
    )
    window = open_file(shop.manager, shop.customer_id)
    model = show_timeline(qtbot, window)
    tab = window.timeline_tab
    row = next(r for r, e in enumerate(model.entries) if e.kind == "followup")
    tab.view.setCurrentIndex(model.index(row))
    entry: TimelineEntry = model.entries[row]
    assert tab.edit_button.isEnabled() == entry.can_edit
    assert tab.delete_button.isEnabled() == entry.can_edit
    # Ownership entries are history, never editable.
    ownership = next(r for r, e in enumerate(model.entries) if e.kind == "ownership")
    tab.view.setCurrentIndex(model.index(ownership))
    assert not tab.edit_button.isEnabled() and not tab.delete_button.isEnabled()
    assert tab.log_button.isEnabled()


def test_cancel_keeps_nothing(
    qtbot: QtBot, shop: Shop, open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(shop.sam, shop.customer_id)
    show_timeline(qtbot, window)
    dialog = open_dialog(qtbot, window, window.timeline_tab.log_button)
    qtbot.keyClicks(dialog.summary_edit, "Never mind")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    assert not dialog.isVisible()
    entries = shop.read(timeline, shop.customer_id, shop.sam)
    assert not [e for e in entries if e.kind == "followup"]


# --------------------------------------------------------------------------- model


def test_the_timeline_model_passes_the_model_tester(qtmodeltester: Any, shop: Shop) -> None:
    shop.write(
        log_followup,
        shop.customer_id,
        FollowupInput(kind="wechat", summary="Sent pictures", outcome="positive"),
        shop.sam,
        plan_next=NextPlan(due_at=datetime.now(UTC) + timedelta(days=2), note="Call back"),
    )
    model = TimelineModel()
    model.set_entries(shop.read(timeline, shop.customer_id, shop.sam), datetime.now(UTC))
    assert model.rowCount() == 3  # planned, done, ownership
    qtmodeltester.check(model)
    model.set_entries([], datetime.now(UTC))
    qtmodeltester.check(model)


def test_customer_file_has_the_follow_ups_tab_after_contacts(
    shop: Shop, open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(shop.sam, shop.customer_id)
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs == ["Profile", "Contacts", "Follow-ups", "Mail", "History", "Attachments"]
    assert window.tabs.isTabEnabled(2)
    assert shop.read(get_customer, shop.customer_id, shop.sam).last_followup_at is None


# --------------------------------------------------------------------------- main window


def test_ctrl_l_logs_a_follow_up_for_the_customer_selected_in_the_list(
    qtbot: QtBot,
    shop: Shop,
    ui_runner: OpRunner,
    ui_settings: Settings,
    ui_translations: Translations,
) -> None:
    window = build_main_window(
        shop.db, shop.sam, ui_settings, runner=ui_runner, translations=ui_translations
    )
    qtbot.addWidget(window)
    page = window.customers_page
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=WAIT):
        window.show()
        qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    # Pages other than Customers are built when first shown (or asked for).
    assert "today" not in window.pages
    assert window.pages.get("today") is None and window.today_page is window.pages["today"]

    # Nothing selected: the status bar says what to do.
    page.view.setCurrentIndex(QModelIndex())
    qtbot.keyClick(page.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.statusBar().currentMessage() == "Select a customer first."
    assert window.findChildren(FollowupDialog) == []

    page.view.setCurrentIndex(page.model.index(0, 1))
    assert page.current_customer_id() == shop.customer_id
    qtbot.keyClick(page.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: any(d.loaded for d in window.findChildren(FollowupDialog)), timeout=WAIT
    )
    dialog = window.findChildren(FollowupDialog)[0]
    assert dialog.customer_label.text() == "Log follow-up — Huawei Technologies"
    dialog.reject()
    window.close()
