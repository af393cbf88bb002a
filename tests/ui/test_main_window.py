"""The main window: status bar, navigation, shortcuts, About, Settings with live language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from crm_desktop import __version__
from crm_desktop.core.settings import Settings, load_settings
from crm_desktop.services.context import Actor
from crm_desktop.services.database import Database
from crm_desktop.ui.about import AboutDialog
from crm_desktop.ui.app import build_main_window
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.main_window import PAGE_KEYS, MainWindow
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.settings_dialog import SettingsDialog

from .conftest import ADMIN_NAME, COMPANY


@pytest.fixture
def window(
    qtbot: QtBot,
    ui_db: Database,
    ui_company: Actor,
    ui_runner: OpRunner,
    ui_settings: Settings,
    ui_translations: Translations,
) -> Iterator[MainWindow]:
    main = build_main_window(
        ui_db, ui_company, ui_settings, runner=ui_runner, translations=ui_translations
    )
    qtbot.addWidget(main)
    with qtbot.waitSignal(main.customers_page.sig_ids_loaded, timeout=10_000):
        main.show()
        qtbot.waitExposed(main)
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow)
    yield main


def find_top_level(kind: type) -> list:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def test_the_status_bar_shows_the_database_and_the_user(
    window: MainWindow, ui_db: Database
) -> None:
    assert window.database_label.full_text() == ui_db.label
    assert window.database_label.toolTip() == ui_db.label
    assert window.user_label.text() == f"{ADMIN_NAME} (Administrator)"
    assert window.database_label.isVisible() and window.user_label.isVisible()


def test_the_company_name_is_loaded_into_the_title(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.company_name == COMPANY, timeout=10_000)
    assert window.windowTitle() == f"{COMPANY} — crm-desktop"
    assert window.company_label.text() == COMPANY


def test_an_empty_customers_page_invites_to_create_a_customer(window: MainWindow) -> None:
    page = window.customers_page
    assert page.list_stack.currentWidget() is page.empty_page
    assert page.empty_state.headline_label.text() == "No customers yet"
    assert page.empty_button.text() == "New customer (Ctrl+N)"
    assert "crm-desktop demo" in page.empty_state.hint_label.text()
    assert page.status_label.text() == "0 customers"


def test_navigation_lists_the_six_areas(window: MainWindow) -> None:
    names = [window.nav.item(row).text() for row in range(window.nav.count())]
    assert names == ["Customers", "Today", "Public pool", "Mail", "Reports", "Admin"]
    assert window.current_page_key == "customers"


def test_ctrl_2_switches_to_the_today_page(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.sig_page_changed) as changed:
        qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert changed.args == ["today"]
    assert window.current_page_key == "today"
    assert window.stack.currentWidget().header.title_label.text() == "Today"
    assert window.nav.currentItem().text() == "Today"


def test_clicking_the_navigation_switches_pages(qtbot: QtBot, window: MainWindow) -> None:
    row = PAGE_KEYS.index("reports")
    rect = window.nav.visualItemRect(window.nav.item(row))
    qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_page_key == "reports"
    assert window.page_actions["reports"].isChecked()


def test_about_shows_the_version(qtbot: QtBot, window: MainWindow) -> None:
    window.about_action.trigger()
    qtbot.waitUntil(lambda: bool(find_top_level(AboutDialog)))
    about = find_top_level(AboutDialog)[0]
    assert about.version_label.text() == f"Version {__version__}"
    assert "GPL-3.0-or-later" in about.licence_value.text()
    assert about.database_value.text() == window.db.label
    about.close()


def test_choosing_chinese_in_settings_retranslates_the_window(
    qtbot: QtBot, window: MainWindow, ui_translations: Translations
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(find_top_level(SettingsDialog)))
    dialog = find_top_level(SettingsDialog)[0]
    combo = dialog.language_combo
    combo.setCurrentIndex(combo.findText("简体中文"))
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(dialog.sig_language_changed) as changed:
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    assert changed.args == ["zh_CN"]
    qtbot.waitUntil(lambda: window.nav.item(0).text() == "客户")
    assert window.nav.item(1).text() == "今日"
    assert window.customers_page.header.title_label.text() == "客户"
    assert window.user_label.text() == f"{ADMIN_NAME}（管理员）"
    assert window.file_menu.title() == "文件(&F)"
    assert load_settings().language == "zh_CN"


def test_the_window_geometry_and_page_are_remembered(
    qtbot: QtBot,
    window: MainWindow,
    ui_db: Database,
    ui_company: Actor,
    ui_runner: OpRunner,
    ui_translations: Translations,
) -> None:
    window.resize(760, 540)  # within the 800 × 600 offscreen screen
    window.show_page("mail")
    size = (window.width(), window.height())
    window.close()
    saved = load_settings()
    assert saved.ui["main_window"]["page"] == "mail"

    again = build_main_window(
        ui_db, ui_company, saved, runner=OpRunner(ui_db), translations=ui_translations
    )
    qtbot.addWidget(again)
    assert again.current_page_key == "mail"
    assert (again.width(), again.height()) == size
    again.runner.shutdown()
