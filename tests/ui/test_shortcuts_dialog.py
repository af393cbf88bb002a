"""Help → Keyboard shortcuts: the list comes from the window's real actions, filters as you
type, and the keys it names work; Ctrl+F and Ctrl+L do what the page says. Every key a page,
the customer file or the email window reacts to, or names in a tool tip, is listed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.core.settings import Settings
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import CustomerInput, create_customer
from crm_desktop.services.database import Database
from crm_desktop.ui.app import build_main_window
from crm_desktop.ui.compose_dialog import ComposeDialog, compose_shortcuts
from crm_desktop.ui.customer_file import customer_file_shortcuts, open_customer_file
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.main_window import PAGE_KEYS, MainWindow, page_text
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.shortcuts_dialog import ShortcutEntry, ShortcutsDialog, clean_text, key_texts

NATIVE = QKeySequence.SequenceFormat.NativeText
WAIT = 10_000
# "Rename (F2)", "发送邮件（Ctrl+Enter）": a key named in brackets at the end of a tool tip.
_TIP_KEY = re.compile(r"[(（]([^()（）]+)[)）]\s*$")


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
    qtbot.waitUntil(lambda: ui_runner.active_count == 0, timeout=10_000)


def open_dialog(qtbot: QtBot, window: MainWindow) -> ShortcutsDialog:
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ShortcutsDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ShortcutsDialog)
    return dialog


def shown(dialog: ShortcutsDialog) -> list[tuple[str, str, str]]:
    return [(e.group, e.text, e.keys_text) for e in dialog.visible_entries()]


def test_f1_opens_the_shortcuts_from_the_help_menu(qtbot: QtBot, window: MainWindow) -> None:
    assert window.shortcuts_action in window.help_menu.actions()
    assert window.shortcuts_action.text() == "&Keyboard shortcuts"
    dialog = open_dialog(qtbot, window)
    assert dialog.windowTitle() == "Keyboard shortcuts"
    qtbot.waitUntil(dialog.filter_edit.hasFocus)
    new_key = window.new_customer_action.shortcut().toString(NATIVE)
    assert ("File", "New customer", new_key) in shown(dialog)
    assert ("View", "Mail", QKeySequence("Ctrl+4").toString(NATIVE)) in shown(dialog)
    assert ("Help", "Keyboard shortcuts", "F1, Ctrl+/") in shown(dialog)
    # The pages' own keys, built from their actions even before the pages were shown.
    assert ("Public pool", "Claim", "Ctrl+K") in shown(dialog)
    assert ("Mail", "Search mail", "Ctrl+F") in shown(dialog)
    assert ("Customers", "Search customers", "Ctrl+F") in shown(dialog)
    assert ("Customer file", "Save", QKeySequence("Ctrl+S").toString(NATIVE)) in shown(dialog)
    close = dialog.buttons.button(QDialogButtonBox.StandardButton.Close)
    assert close.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_every_listed_menu_key_is_the_real_one(qtbot: QtBot, window: MainWindow) -> None:
    dialog = open_dialog(qtbot, window)
    listed = {(e.group, e.text): e.keys_text for e in dialog.entries}
    for menu in (window.file_menu, window.view_menu, window.help_menu):
        for action in menu.actions():
            if action.shortcut().isEmpty():
                continue
            keys = ", ".join(s.toString(NATIVE) for s in action.shortcuts())
            assert listed[(clean_text(menu.title()), clean_text(action.text()))] == keys
    dialog.close()


def test_the_filter_box_narrows_the_list(qtbot: QtBot, window: MainWindow) -> None:
    dialog = open_dialog(qtbot, window)
    everything = len(shown(dialog))
    qtbot.keyClicks(dialog.filter_edit, "claim")
    assert shown(dialog) == [("Public pool", "Claim", "Ctrl+K")]
    dialog.filter_edit.clear()
    qtbot.keyClicks(dialog.filter_edit, "ctrl+f")  # by key too
    assert {text for _g, text, _k in shown(dialog)} == {"Search customers", "Search mail"}
    dialog.filter_edit.setText("no such thing")
    assert shown(dialog) == []
    assert dialog.nothing_label.isVisible()
    assert "no such thing" in dialog.nothing_label.text()
    dialog.filter_edit.clear()
    assert len(shown(dialog)) == everything
    assert not dialog.nothing_label.isVisible()
    dialog.close()


def test_a_second_f1_raises_the_open_dialog(qtbot: QtBot, window: MainWindow) -> None:
    first = window.show_shortcuts()
    assert window.show_shortcuts() is first
    first.close()
    qtbot.waitUntil(lambda: not first.isVisible())
    QApplication.processEvents()
    second = window.show_shortcuts()  # the closed one deleted itself: a new one opens
    assert second is not first
    second.close()


def test_ctrl_f_focuses_the_mail_search_box(qtbot: QtBot, window: MainWindow) -> None:
    window.show_page("mail")
    window.nav.setFocus()
    qtbot.keyClick(window.nav, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.mail_page.search_edit.hasFocus()
    window.show_page("customers")
    qtbot.keyClick(window.nav, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.customers_page.search_edit.hasFocus()


def test_ctrl_l_on_the_mail_page_links_instead_of_clashing(
    qtbot: QtBot, window: MainWindow
) -> None:
    """The window's Log follow-up (Ctrl+L) only works where a customer can be selected, so
    the Mail page's Link… (Ctrl+L) is not an ambiguous shortcut that does nothing."""
    assert window.log_followup_action.isEnabled()
    window.show_page("mail")
    assert not window.log_followup_action.isEnabled()
    page = window.mail_page
    page.link_action.setEnabled(True)  # as with a message selected
    linked: list[bool] = []
    page.link_action.triggered.connect(lambda: linked.append(True))
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert linked == [True]
    window.show_page("today")
    assert window.log_followup_action.isEnabled()


# --------------------------------------------------------------------------- nothing missing


def live_keys(widget: QWidget) -> set[str]:
    """The keys ``widget`` and its children react to: actions placed on a widget, enabled
    QShortcuts, and buttons' own shortcuts (not the Alt+letter of an "&" in their text)."""
    keys: set[str] = set()
    for action in widget.findChildren(QAction):
        if action.isVisible() and action.associatedObjects():
            keys.update(key_texts(action.shortcuts()))
    for shortcut in widget.findChildren(QShortcut):
        if shortcut.isEnabled():
            keys.update(key_texts(shortcut.keys()))
    for button in widget.findChildren(QAbstractButton):
        if button.shortcut() != QKeySequence.mnemonic(button.text()):
            keys.update(key_texts([button.shortcut()]))
    return keys


def tool_tip_keys(widget: QWidget) -> set[str]:
    """The keys the tool tips under ``widget`` promise ("Rename (F2)" → F2); a toolbar
    action's tip shows on its tool button."""
    keys: set[str] = set()
    for child in widget.findChildren(QWidget):
        match = _TIP_KEY.search(child.toolTip())
        if match is None:
            continue
        key = QKeySequence.fromString(match.group(1), NATIVE).toString(NATIVE)
        if key and key == match.group(1):  # a key, not "(optional)"
            keys.add(key)
    return keys


def listed_keys(entries: list[ShortcutEntry], *groups: str) -> set[str]:
    return {key for entry in entries if entry.group in groups for key in entry.keys}


def test_the_admin_rename_key_is_listed_and_set_on_every_rename_button(
    qtbot: QtBot, window: MainWindow
) -> None:
    dialog = open_dialog(qtbot, window)
    assert ("Admin", "Rename", "F2") in shown(dialog)
    dialog.close()
    page = window.admin_page
    for tab in (page.regions_tab, page.branches_tab, page.pool_tab):
        assert tab.rename_button.shortcut() == QKeySequence(Qt.Key.Key_F2)
    # The language switch sets the buttons' texts again: F2 stays.
    window.translations.apply("zh_CN")
    try:
        assert page.branches_tab.rename_button.shortcut() == QKeySequence(Qt.Key.Key_F2)
    finally:
        window.translations.apply("en")


def test_every_key_of_every_page_is_listed(qtbot: QtBot, window: MainWindow) -> None:
    """What each page reacts to and what its tool tips name (a page may name a key of the
    window's menus, e.g. New customer's Ctrl+N) is in the dialog under its title."""
    entries = window.shortcut_entries()
    window_groups = {clean_text(m.title()) for m in (window.file_menu, window.view_menu)}
    for key in PAGE_KEYS:
        page = window.pages[key]
        group = page_text(key, window.actor).title
        listed = listed_keys(entries, group)
        assert live_keys(page) <= listed, group
        assert tool_tip_keys(page) <= listed | listed_keys(entries, *window_groups), group


def test_every_key_of_the_customer_file_and_the_email_window_is_listed(
    qtbot: QtBot, ui_db: Database, ui_company: Actor, ui_runner: OpRunner, ui_settings: Settings
) -> None:
    with ui_db.session_factory.begin() as session:
        customer = create_customer(session, CustomerInput(name="Contoso Ltd."), ui_company)
    file = open_customer_file(None, ui_runner, ui_company, customer.id, settings=ui_settings)
    qtbot.waitUntil(lambda: file.loaded, timeout=WAIT)
    listed = listed_keys(customer_file_shortcuts(), "Customer file")
    assert "Del" in listed  # deletes the follow-up selected in the timeline
    assert live_keys(file) <= listed
    assert tool_tip_keys(file) <= listed
    file.close()

    compose = ComposeDialog(runner=ui_runner, actor=ui_company, customer_id=customer.id)
    qtbot.addWidget(compose)
    assert compose_shortcuts() == [
        ShortcutEntry("New email", "Send the email", ("Ctrl+Return", "Ctrl+Enter"))
    ]
    listed = listed_keys(compose_shortcuts(), "New email")
    assert live_keys(compose) <= listed
    assert tool_tip_keys(compose) <= listed
    qtbot.waitUntil(lambda: ui_runner.active_count == 0, timeout=WAIT)
