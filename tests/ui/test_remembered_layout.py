"""What the user arranged comes back after a restart (the same settings file): the last filter
and the filter panel's width of the Customers and pool pages, the Mail and Reports pages'
splits, the customer file's size and its mail split."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from crm_desktop.core.settings import Settings, load_settings, save_settings
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import CustomerInput, create_customer
from crm_desktop.services.database import Database
from crm_desktop.ui.app import build_main_window
from crm_desktop.ui.customer_file import open_customer_file
from crm_desktop.ui.customers_page import CustomersPage
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.main_window import MainWindow
from crm_desktop.ui.ops import OpRunner

WAIT = 10_000


@pytest.fixture
def start(
    qtbot: QtBot, ui_db: Database, ui_company: Actor, ui_translations: Translations
) -> Iterator[Callable[[Settings], MainWindow]]:
    """Starts a main window on ``settings``, as the app does after sign-in."""
    windows: list[MainWindow] = []

    def starter(settings: Settings) -> MainWindow:
        window = build_main_window(
            ui_db, ui_company, settings, runner=OpRunner(ui_db), translations=ui_translations
        )
        qtbot.addWidget(window)
        windows.append(window)
        if "main_window" not in settings.ui:
            window.resize(760, 540)  # within the 800 × 600 offscreen screen, as restored
        with qtbot.waitSignal(window.customers_page.sig_ids_loaded, timeout=WAIT):
            window.show()
            qtbot.waitExposed(window)
        return window

    yield starter
    for window in windows:
        if window.isVisible():
            window.close()
        window.runner.shutdown()


def choices_of(qtbot: QtBot, page: CustomersPage) -> None:
    qtbot.waitUntil(lambda: page.filter_panel.choices is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: not page.loading, timeout=WAIT)


def restart(window: MainWindow, start: Callable[[Settings], MainWindow]) -> MainWindow:
    window.close()  # writes the settings file
    return start(load_settings())


def test_the_customer_filter_and_panel_width_come_back(
    qtbot: QtBot, start: Callable[[Settings], MainWindow]
) -> None:
    window = start(Settings())
    page = window.customers_page
    choices_of(qtbot, page)
    panel = page.filter_panel
    assert panel.choices is not None
    grade = panel.choices.grades[0]
    panel.set_grade_checked(grade.id, True)
    panel.status_combo.setCurrentIndex(panel.status_combo.findData("active"))
    qtbot.keyClicks(panel.tags_edit, "vip")
    qtbot.keyClick(panel.tags_edit, Qt.Key.Key_Return)
    page.splitter.moveSplitter(200, 1)  # what dragging the handle does (narrower)
    assert page.splitter.sizes()[0] == 200
    expected = panel.current_filter()
    assert expected.grade_ids == (grade.id,) and expected.tags == ("vip",)

    again = restart(window, start)
    page = again.customers_page
    # Before the choices arrive the list already asks with the remembered filter.
    assert page.current_filter() == expected
    choices_of(qtbot, page)
    assert page.current_filter() == expected
    assert page.filter_panel.status_combo.currentData() == "active"
    assert page.filter_panel.tags_edit.text() == "vip"
    assert page.splitter.sizes()[0] == 200
    # Clearing the filters is remembered too.
    page.filter_panel.clear_button.click()
    third = restart(again, start)
    choices_of(qtbot, third.customers_page)
    assert third.customers_page.filter_panel.is_default()


def test_the_pool_keeps_its_own_filter(
    qtbot: QtBot, start: Callable[[Settings], MainWindow]
) -> None:
    window = start(Settings())
    window.show_page("pool")
    pool = window.pool_page
    choices_of(qtbot, pool)
    qtbot.keyClicks(pool.filter_panel.tags_edit, "export")
    qtbot.keyClick(pool.filter_panel.tags_edit, Qt.Key.Key_Return)
    pool.splitter.moveSplitter(0, 1)  # the filters dragged out of the way
    assert pool.splitter.sizes()[0] == 0

    again = restart(window, start)
    assert again.current_page_key == "pool"
    pool = again.pool_page
    choices_of(qtbot, pool)
    assert pool.filter_panel.tags_edit.text() == "export"
    assert pool.current_filter().tags == ("export",)
    assert pool.splitter.sizes()[0] == 0
    assert again.customers_page.filter_panel.is_default()  # the Customers page's own


def test_the_mail_split_comes_back(qtbot: QtBot, start: Callable[[Settings], MainWindow]) -> None:
    window = start(Settings())
    window.show_page("mail")
    splitter = window.mail_page.splitter
    total = sum(splitter.sizes())
    splitter.moveSplitter(total // 4, 1)
    sizes = splitter.sizes()
    assert sizes != [400, 320]

    again = restart(window, start)
    assert again.mail_page.splitter.sizes() == sizes


def test_the_reports_split_comes_back(
    qtbot: QtBot, start: Callable[[Settings], MainWindow]
) -> None:
    window = start(Settings())
    window.show_page("reports")
    splitter = window.reports_page.panel.splitter
    qtbot.waitUntil(lambda: splitter.sizes()[0] > 0)
    # The filters dragged out of the way (in this small window both sides are at their
    # minimum width, so collapsing is the move there is room for).
    splitter.moveSplitter(0, 1)
    assert splitter.sizes()[0] == 0

    again = restart(window, start)
    assert again.current_page_key == "reports"
    assert again.reports_page.panel.splitter.sizes()[0] == 0


def test_the_customer_file_opens_as_large_as_it_was_left(
    qtbot: QtBot, ui_db: Database, ui_company: Actor, ui_runner: OpRunner
) -> None:
    with ui_db.session_factory.begin() as session:
        customer = create_customer(session, CustomerInput(name="Contoso Ltd."), ui_company)
    settings = Settings()
    # The window deletes itself when closed (no qtbot.addWidget).
    file = open_customer_file(None, ui_runner, ui_company, customer.id, settings=settings)
    qtbot.waitUntil(lambda: file.loaded, timeout=WAIT)
    file.resize(700, 520)
    file.tabs.setCurrentWidget(file.mail_tab)
    file.mail_tab.splitter.moveSplitter(120, 1)
    split = file.mail_tab.splitter.sizes()
    file.close()
    save_settings(settings)

    again = open_customer_file(None, ui_runner, ui_company, customer.id, settings=load_settings())
    qtbot.waitUntil(lambda: again.loaded, timeout=WAIT)
    assert (again.width(), again.height()) == (700, 520)
    again.tabs.setCurrentWidget(again.mail_tab)
    assert again.mail_tab.splitter.sizes() == split
    again.close()
    qtbot.waitUntil(lambda: ui_runner.active_count == 0, timeout=WAIT)
