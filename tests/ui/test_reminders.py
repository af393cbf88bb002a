"""Reminders on a real SQLite database with an injected clock and no sleeping: a follow-up
falling due shows once (banner where there is no tray), snooze re-shows it after the delay,
dismiss does not, Open opens the customer; the main window starts polling after sign-in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSystemTrayIcon, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.core.settings import Settings
from crm_desktop.services.context import Actor
from crm_desktop.services.database import Database
from crm_desktop.services.followups import NextPlan, due_for_reminder, plan_followup
from crm_desktop.ui.app import build_main_window
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.reminders import ReminderBanner, ReminderService

from .conftest import RecordedErrors
from .test_followups_ui import Shop, build_shop

WAIT = 15_000


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def shop(ui_db: Database, ui_company: Actor) -> Shop:
    return build_shop(ui_db, ui_company)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))


def plan(shop: Shop, due: datetime, note: str = "Call back about the quote") -> int:
    return shop.write(
        plan_followup,
        shop.customer_id,
        NextPlan(due_at=due, note=note, kind="call", contact_id=shop.contact_ids["张伟"]),
        shop.sam,
        now=due - timedelta(days=1),
    ).id


@pytest.fixture
def reminders(
    qtbot: QtBot, shop: Shop, clock: Clock, ui_runner: OpRunner
) -> Iterator[tuple[ReminderService, ReminderBanner]]:
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    banner = ReminderBanner(host)
    layout.addWidget(banner)
    host.resize(900, 300)
    host.show()
    service = ReminderService(
        ui_runner, shop.sam, banner=banner, clock=clock, tray_available=False, parent=host
    )
    yield service, banner
    service.stop()
    qtbot.waitUntil(lambda: ui_runner.active_count == 0, timeout=WAIT)


def poll(qtbot: QtBot, service: ReminderService, runner: OpRunner) -> None:
    with qtbot.waitSignal(service.sig_polled, timeout=WAIT):
        service.poll()
    qtbot.waitUntil(lambda: runner.active_count == 0, timeout=WAIT)  # mark_reminded done


def test_a_due_follow_up_shows_in_the_banner_once(
    qtbot: QtBot,
    shop: Shop,
    clock: Clock,
    reminders: tuple[ReminderService, ReminderBanner],
    ui_runner: OpRunner,
    ui_errors: RecordedErrors,
) -> None:
    service, banner = reminders
    due = plan(shop, clock.now + timedelta(minutes=5))
    poll(qtbot, service, ui_runner)
    assert not banner.isVisible()  # not due yet

    clock.advance(minutes=6)
    poll(qtbot, service, ui_runner)
    assert banner.isVisible()
    assert banner.keys() == [f"followup-{due}"]
    item = banner.items[f"followup-{due}"]
    assert item.title_label.text() == "Follow-up due: Huawei Technologies"
    assert item.text_label.text().startswith("Call with 张伟, due today ")
    assert item.text_label.text().endswith("— Call back about the quote")
    assert [item.open_button.text(), item.dismiss_button.text()] == ["Open", "Dismiss"]
    assert item.snooze_button.text() == "Snooze 10 min"
    assert [a.text() for a in item.snooze_menu.actions()] == ["In 10 minutes", "In 1 hour"]

    # Marked as reminded: the next poll, and a new session, show nothing more.
    assert shop.read(due_for_reminder, shop.sam, now=clock.now) == []
    clock.advance(minutes=1)
    poll(qtbot, service, ui_runner)
    assert banner.keys() == [f"followup-{due}"]
    again = ReminderService(ui_runner, shop.sam, clock=clock, tray_available=False)
    shown: list[Any] = []
    again.sig_shown.connect(shown.append)
    poll(qtbot, again, ui_runner)
    assert shown == []
    assert ui_errors.shown == []


def test_snooze_shows_it_again_after_the_delay(
    qtbot: QtBot,
    shop: Shop,
    clock: Clock,
    reminders: tuple[ReminderService, ReminderBanner],
    ui_runner: OpRunner,
) -> None:
    service, banner = reminders
    due = plan(shop, clock.now - timedelta(minutes=1))
    poll(qtbot, service, ui_runner)
    key = f"followup-{due}"
    item = banner.items[key]
    qtbot.mouseClick(item.snooze_button, Qt.MouseButton.LeftButton)
    assert not banner.isVisible() and banner.keys() == []
    assert service.snooze_timer.isActive()

    clock.advance(minutes=9)
    service.check_snoozed()
    assert banner.keys() == []
    clock.advance(minutes=2)
    service.snooze_timer.timeout.emit()  # as the timer would after the delay
    assert banner.keys() == [key] and banner.isVisible()

    # Snoozed for an hour from the menu: not after 10 minutes, after 60 it is back.
    banner.items[key].snooze_actions[60].trigger()
    assert banner.keys() == []
    clock.advance(minutes=30)
    service.check_snoozed()
    assert banner.keys() == []
    clock.advance(minutes=31)
    service.check_snoozed()
    assert banner.keys() == [key]
    # A poll meanwhile does not add it a second time.
    poll(qtbot, service, ui_runner)
    assert banner.keys() == [key]


def test_dismiss_does_not_show_it_again(
    qtbot: QtBot,
    shop: Shop,
    clock: Clock,
    reminders: tuple[ReminderService, ReminderBanner],
    ui_runner: OpRunner,
) -> None:
    service, banner = reminders
    due = plan(shop, clock.now - timedelta(minutes=1))
    poll(qtbot, service, ui_runner)
    qtbot.mouseClick(banner.items[f"followup-{due}"].dismiss_button, Qt.MouseButton.LeftButton)
    assert not banner.isVisible()
    clock.advance(hours=2)
    service.check_snoozed()
    poll(qtbot, service, ui_runner)
    assert banner.keys() == [] and not banner.isVisible()


def test_open_asks_for_the_customer_file(
    qtbot: QtBot,
    shop: Shop,
    clock: Clock,
    reminders: tuple[ReminderService, ReminderBanner],
    ui_runner: OpRunner,
) -> None:
    service, banner = reminders
    due = plan(shop, clock.now - timedelta(minutes=1))
    poll(qtbot, service, ui_runner)
    with qtbot.waitSignal(service.sig_open_customer) as opened:
        qtbot.mouseClick(banner.items[f"followup-{due}"].open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [shop.customer_id]
    assert banner.keys() == []


def test_many_falling_due_at_once_are_one_reminder(
    qtbot: QtBot,
    shop: Shop,
    clock: Clock,
    reminders: tuple[ReminderService, ReminderBanner],
    ui_runner: OpRunner,
) -> None:
    service, banner = reminders
    for minutes in range(5):
        plan(shop, clock.now - timedelta(minutes=minutes + 1), note=f"Call {minutes}")
    poll(qtbot, service, ui_runner)
    assert len(banner.keys()) == 1
    item = next(iter(banner.items.values()))
    assert item.title_label.text() == "5 follow-ups are due"
    assert item.text_label.text() == "Huawei Technologies"
    assert item.open_button.text() == "Show Today"
    with qtbot.waitSignal(service.sig_show_today):
        qtbot.mouseClick(item.open_button, Qt.MouseButton.LeftButton)


def test_polling_runs_at_start_and_on_the_timer(
    qtbot: QtBot,
    shop: Shop,
    clock: Clock,
    reminders: tuple[ReminderService, ReminderBanner],
    ui_runner: OpRunner,
) -> None:
    service, banner = reminders
    with qtbot.waitSignal(service.sig_polled, timeout=WAIT):
        service.start()
    assert service.running and service.timer.interval() == 60_000
    due = plan(shop, clock.now - timedelta(minutes=1))
    with qtbot.waitSignal(service.sig_polled, timeout=WAIT):
        service.timer.timeout.emit()
    assert banner.keys() == [f"followup-{due}"]


def test_with_a_system_tray_it_notifies_there(
    qtbot: QtBot, shop: Shop, clock: Clock, ui_runner: OpRunner
) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    banner = ReminderBanner(host)
    service = ReminderService(
        ui_runner, shop.sam, banner=banner, clock=clock, tray_available=True, parent=host
    )
    due = plan(shop, clock.now - timedelta(minutes=1))
    shown: list[Any] = []
    service.sig_shown.connect(shown.append)
    poll(qtbot, service, ui_runner)
    assert [r.key for r in shown] == [f"followup-{due}"]
    assert isinstance(service.tray, QSystemTrayIcon)
    assert banner.keys() == []  # the tray, not the banner
    with qtbot.waitSignal(service.sig_open_customer) as opened:
        service.tray.messageClicked.emit()
    assert opened.args == [shop.customer_id]
    service.stop()


def test_the_main_window_polls_after_sign_in_and_opens_the_customer(
    qtbot: QtBot,
    shop: Shop,
    clock: Clock,
    ui_runner: OpRunner,
    ui_settings: Settings,
    ui_translations: Translations,
) -> None:
    due = plan(shop, clock.now - timedelta(minutes=1))
    window = build_main_window(
        shop.db, shop.sam, ui_settings, runner=ui_runner, translations=ui_translations
    )
    qtbot.addWidget(window)
    opened: list[int | None] = []
    window.customer_file_opener = lambda _p, _r, _a, customer_id, **_k: opened.append(customer_id)
    assert not window.reminders.running
    window.show()
    # Started once the signed-in user's window shows (right after its first paint).
    qtbot.waitUntil(lambda: window.reminders.running, timeout=WAIT)
    qtbot.waitUntil(window.reminder_banner.isVisible, timeout=WAIT)
    item = window.reminder_banner.items[f"followup-{due}"]
    qtbot.mouseClick(item.open_button, Qt.MouseButton.LeftButton)
    assert opened == [shop.customer_id]
    assert not window.reminder_banner.isVisible()
    window.close()
