"""The customer file window, driven as a user would: open, edit, save, conflicts, new customer
with the duplicate check, contacts, history and attachments — on a real SQLite database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer, QUrl
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.core.settings import Settings
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import (
    ContactInput,
    CustomerInput,
    add_contact,
    create_customer,
    customer_history,
    get_customer,
    list_attachments,
    update_customer,
)
from crm_desktop.services.database import Database
from crm_desktop.services.demo import generate_demo
from crm_desktop.services.users import actor_of, add_user, get_user
from crm_desktop.ui.conflict_dialog import MINE, ConflictDialog
from crm_desktop.ui.contact_dialog import ContactDialog
from crm_desktop.ui.customer_file import (
    CREATE_ANYWAY,
    CustomerFileWindow,
    open_customer_file,
)
from crm_desktop.ui.ops import OpRunner

from .conftest import RecordedErrors

HUAWEI = "华为技术有限公司"
HUAWEI_PHONE = "021 6123 4567"
HUAWEI_EMAIL = "info@huawei-demo.cn"
WAIT = 15_000


@pytest.fixture
def demo(ui_db: Database, ui_company: Actor) -> dict[str, Any]:
    """Demo data plus one known customer (with a contact) owned by the administrator."""
    with ui_db.session_factory.begin() as session:
        generate_demo(session, customers=50, actor=ui_company, workers=0)
        detail = create_customer(
            session,
            CustomerInput(name=HUAWEI, phone=HUAWEI_PHONE, email=HUAWEI_EMAIL, industry="Telecom"),
            ui_company,
            allow_duplicate=True,
        )
        add_contact(session, detail.id, ContactInput(name="张伟", title="采购经理"), ui_company)
        add_user(
            session,
            login="bob",
            display_name="Bob Other",
            role="admin",
            password="another password",
            actor=ui_company,
        )
        other = actor_of(get_user(session, "bob"))
    return {"id": detail.id, "actor": ui_company, "other": other}


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def open_file(
    qtbot: QtBot, parent: QWidget, ui_runner: OpRunner, ui_settings: Settings
) -> Iterator[Callable[..., CustomerFileWindow]]:
    windows: list[CustomerFileWindow] = []

    def opener(actor: Actor, customer_id: int | None) -> CustomerFileWindow:
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


def read(db: Database, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with db.session_factory() as session:
        return fn(session, *args, **kwargs)


def save_and_wait(qtbot: QtBot, window: CustomerFileWindow) -> None:
    qtbot.keyClick(window.form.name_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window._saving and window.ops_running == 0, timeout=WAIT)


def type_text(widget: QWidget, text: str) -> None:
    """Type ``text`` as key presses carrying the characters (QTest only types ASCII)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(widget, event)


def replace_text(qtbot: QtBot, edit: Any, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    type_text(edit, text)


def when_modal(kind: type, act: Callable[[Any], None]) -> None:
    """Act on the next modal dialog of ``kind`` as soon as it is open (polled)."""

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind) and widget.isVisible():
            act(widget)
        else:
            QTimer.singleShot(30, poll)

    QTimer.singleShot(30, poll)


# --------------------------------------------------------------------------- profile


def test_opening_a_customer_shows_its_values(
    demo: dict[str, Any], open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(demo["actor"], demo["id"])
    form = window.form
    assert window.isVisible()
    assert window.name_label.text() == HUAWEI
    assert form.name_edit.text() == HUAWEI
    assert form.phone_edit.text() == HUAWEI_PHONE
    assert form.email_edit.text() == HUAWEI_EMAIL
    assert form.industry_edit.text() == "Telecom"
    assert form.status_combo.currentText() == "Prospect"
    assert form.owner_combo.currentText() == demo["actor"].display_name
    assert "Owner: " + demo["actor"].display_name in window.facts_label.text()
    assert HUAWEI in window.windowTitle()
    assert not window.save_button.isEnabled()  # nothing changed yet
    assert window.contacts_tab.table.rowCount() == 1
    assert window.contacts_tab.table.item(0, 1).text() == "张伟"
    assert window.contacts_tab.table.item(0, 0).text() == "★"


def test_opening_the_same_customer_again_raises_its_window(
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
) -> None:
    first = open_file(demo["actor"], demo["id"])
    second = open_file(demo["actor"], demo["id"])
    assert second is first


def test_an_invalid_phone_shows_the_error_beside_the_phone_and_keeps_the_input(
    qtbot: QtBot,
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
    ui_db: Database,
    ui_errors: RecordedErrors,
) -> None:
    window = open_file(demo["actor"], demo["id"])
    replace_text(qtbot, window.form.phone_edit, "12-34")
    replace_text(qtbot, window.form.industry_edit, "Networks")
    assert window.save_button.isEnabled()
    save_and_wait(qtbot, window)

    error = window.form.errors["phone"]
    assert error.isVisible() and error.text() == "Not a valid phone number"
    assert not window.form.errors["industry"].isVisible()
    assert window.form.phone_edit.text() == "12-34"  # the input is kept
    assert window.form.industry_edit.text() == "Networks"
    assert "correct the marked fields" in window.note_label.text()
    assert ui_errors.shown == []  # beside the field, no message box
    assert read(ui_db, get_customer, demo["id"], demo["actor"]).industry == "Telecom"

    qtbot.keyClicks(window.form.phone_edit, "5")  # typing again clears the message
    assert not error.isVisible()


def test_a_valid_save_persists_and_emits_sig_saved(
    qtbot: QtBot,
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
    ui_db: Database,
) -> None:
    window = open_file(demo["actor"], demo["id"])
    replace_text(qtbot, window.form.phone_edit, "+86 138-1234-5678")
    window.form.status_combo.setCurrentIndex(window.form.status_combo.findData("active"))
    window.form.status_combo.activated.emit(window.form.status_combo.currentIndex())
    with qtbot.waitSignal(window.sig_saved, timeout=WAIT) as saved:
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == [demo["id"]]
    qtbot.waitUntil(lambda: window.ops_running == 0, timeout=WAIT)

    stored = read(ui_db, get_customer, demo["id"], demo["actor"])
    assert stored.phone == "138 1234 5678"
    assert stored.status == "active"
    assert window.form.phone_edit.text() == "138 1234 5678"  # the saved, normalized value
    assert not window.is_dirty()
    assert window.note_label.text() == "Saved."


def test_the_region_picker_finds_a_region_by_search_and_saves_it(
    qtbot: QtBot,
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
    ui_db: Database,
) -> None:
    window = open_file(demo["actor"], demo["id"])
    picker = window.form.region_picker
    qtbot.mouseClick(picker.choose_button, Qt.MouseButton.LeftButton)
    dialog = picker.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.search_edit, "pudo")
    shown = [i.text(0) for i in dialog.items() if not i.isHidden()]
    assert shown == ["East China", "Shanghai", "Pudong"]  # the match and the way to it
    qtbot.mouseClick(
        dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert picker.path_edit.text() == "East China / Shanghai / Pudong"
    assert window.is_dirty()
    with qtbot.waitSignal(window.sig_saved, timeout=WAIT):
        save_and_wait(qtbot, window)
    qtbot.waitUntil(lambda: window.ops_running == 0, timeout=WAIT)
    stored = read(ui_db, get_customer, demo["id"], demo["actor"])
    assert stored.region_path == "East China / Shanghai / Pudong"
    assert "East China / Shanghai / Pudong" in window.facts_label.text()


def test_revert_restores_the_saved_values(
    qtbot: QtBot, demo: dict[str, Any], open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(demo["actor"], demo["id"])
    replace_text(qtbot, window.form.email_edit, "other@example.com")
    assert window.isWindowModified()
    qtbot.mouseClick(window.revert_button, Qt.MouseButton.LeftButton)
    assert window.form.email_edit.text() == HUAWEI_EMAIL
    assert not window.is_dirty() and not window.isWindowModified()


def test_escape_asks_before_discarding_unsaved_changes(
    qtbot: QtBot, demo: dict[str, Any], open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(demo["actor"], demo["id"])
    asked: list[bool] = []

    def keep_editing() -> bool:
        asked.append(True)
        return False

    window.ask_discard = keep_editing
    replace_text(qtbot, window.form.industry_edit, "Cloud")
    qtbot.keyClick(window.form.industry_edit, Qt.Key.Key_Escape)
    assert asked == [True]
    assert window.isVisible()
    assert window.form.industry_edit.text() == "Cloud"


def test_ctrl_tab_moves_through_the_tabs(
    qtbot: QtBot, demo: dict[str, Any], open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(demo["actor"], demo["id"])
    window.activateWindow()
    assert window.tabs.currentIndex() == 0
    window.next_tab_action.trigger()
    assert window.tabs.currentWidget() is window.contacts_tab
    window.previous_tab_action.trigger()
    window.previous_tab_action.trigger()
    assert window.tabs.currentWidget() is window.attachments_tab


def test_a_sales_person_cannot_edit_a_pool_customer(
    demo: dict[str, Any], open_file: Callable[..., CustomerFileWindow], ui_db: Database
) -> None:
    with ui_db.session_factory.begin() as session:
        add_user(
            session,
            login="sam",
            display_name="Sam Sales",
            role="sales",
            password="sales password",
            actor=demo["actor"],
        )
        sam = actor_of(get_user(session, "sam"))
        pool = create_customer(
            session, CustomerInput(name="Pool Trading", owner_id=None), demo["actor"]
        )
    window = open_file(sam, pool.id)
    assert window.form.name_edit.isReadOnly()
    assert not window.save_button.isEnabled()
    assert "public pool" in window.note_label.text()
    # The owner choices of a salesperson: themselves or the pool, nobody else.
    choices = [window.form.owner_combo.itemText(i) for i in range(window.form.owner_combo.count())]
    assert choices == ["Sam Sales", "Public pool"]


# --------------------------------------------------------------------------- new customer


def test_the_new_customer_form_flags_a_normalized_name_match(
    qtbot: QtBot, demo: dict[str, Any], open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(demo["actor"], None)
    assert window.name_label.text() == "New customer"
    assert not window.tabs.isTabEnabled(1)
    type_text(window.form.name_edit, "华为技术")
    qtbot.waitUntil(window.duplicate_banner.isVisible, timeout=WAIT)
    text = window.duplicate_banner.text()
    assert f"“{HUAWEI}” exists — owner {demo['actor'].display_name}" in text


def test_the_new_customer_form_flags_a_phone_written_with_86_and_dashes(
    qtbot: QtBot, demo: dict[str, Any], open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(demo["actor"], None)
    qtbot.keyClicks(window.form.phone_edit, "+86-21-6123-4567")
    qtbot.waitUntil(window.duplicate_banner.isVisible, timeout=WAIT)
    assert HUAWEI in window.duplicate_banner.text()


def test_an_invisible_duplicate_shows_only_that_it_exists_and_its_owner(
    qtbot: QtBot,
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
    ui_db: Database,
) -> None:
    with ui_db.session_factory.begin() as session:
        add_user(
            session,
            login="sam",
            display_name="Sam Sales",
            role="sales",
            password="sales password",
            actor=demo["actor"],
        )
        sam = actor_of(get_user(session, "sam"))
    window = open_file(sam, None)
    type_text(window.form.name_edit, "华为技术 Co., Ltd.")
    qtbot.waitUntil(window.duplicate_banner.isVisible, timeout=WAIT)
    text = window.duplicate_banner.text()
    assert text == (f"A customer with this name exists — owner {demo['actor'].display_name}")
    assert HUAWEI not in text and "grade" not in text


def test_creating_a_duplicate_asks_and_creates_anyway(
    qtbot: QtBot,
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
    ui_db: Database,
) -> None:
    window = open_file(demo["actor"], None)
    asked: list[Any] = []

    def create_anyway(hits: Any) -> str:
        asked.append(hits)
        return CREATE_ANYWAY

    window.ask_duplicate = create_anyway
    type_text(window.form.name_edit, "华为技术")
    qtbot.keyClicks(window.form.email_edit, "sales@huawei.example")
    with qtbot.waitSignal(window.sig_saved, timeout=WAIT) as saved:
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and asked[0][0].customer_id == demo["id"]
    new_id = saved.args[0]
    assert new_id != demo["id"]
    qtbot.waitUntil(lambda: window.ops_running == 0, timeout=WAIT)
    assert window.customer_id == new_id
    assert window.tabs.isTabEnabled(1)
    assert window.name_label.text() == "华为技术"
    stored = read(ui_db, get_customer, new_id, demo["actor"])
    assert stored.email == "sales@huawei.example"
    assert stored.owner_id == demo["actor"].id
    assert not window.duplicate_banner.isVisible()


def test_the_duplicate_question_can_open_the_existing_customer(
    qtbot: QtBot,
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
    ui_settings: Settings,
) -> None:
    window = open_file(demo["actor"], None)
    question: dict[str, Any] = {}

    def open_existing(box: QMessageBox) -> None:
        question["text"] = box.text()
        question["details"] = box.informativeText()
        button = next(b for b in box.buttons() if b.text() == "Open the existing one")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    when_modal(QMessageBox, open_existing)
    qtbot.keyClicks(window.form.name_edit, "HW Shanghai")
    qtbot.keyClicks(window.form.email_edit, HUAWEI_EMAIL.upper())
    with qtbot.waitSignal(window.sig_op_done, timeout=WAIT):
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "text" in question, timeout=WAIT)
    assert question["text"] == "A similar customer exists already."
    assert HUAWEI in question["details"]
    existing = open_file(demo["actor"], demo["id"])  # the file opened by the answer
    assert existing is not window and existing.isVisible()
    assert existing.form.name_edit.text() == HUAWEI
    assert window.customer_id is None and window.isVisible()  # nothing created, input kept
    assert window.form.email_edit.text() == HUAWEI_EMAIL.upper()


def test_a_new_customer_needs_a_name(
    qtbot: QtBot, demo: dict[str, Any], open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(demo["actor"], None)
    qtbot.keyClicks(window.form.phone_edit, "138 0000 1111")
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    assert window.form.errors["name"].text() == "Required"
    assert window.customer_id is None
    assert window.form.phone_edit.text() == "138 0000 1111"


# --------------------------------------------------------------------------- conflicts


def test_a_conflicting_save_shows_both_values_and_keeps_mine_and_their_email(
    qtbot: QtBot,
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
    ui_db: Database,
) -> None:
    window = open_file(demo["actor"], demo["id"])
    replace_text(qtbot, window.form.phone_edit, "138 1111 2222")

    # Meanwhile another user saves phone and email in another session.
    with ui_db.session_factory.begin() as session:
        theirs = get_customer(session, demo["id"], demo["other"])
        update_customer(
            session,
            demo["id"],
            CustomerInput(phone="139 3333 4444", email="new@huawei-demo.cn"),
            theirs.version,
            demo["other"],
        )

    seen: dict[str, Any] = {}

    def keep_mine(dialog: ConflictDialog) -> None:
        seen["fields"] = list(dialog.choice_buttons)
        seen["theirs"] = dialog.choice_buttons["phone"]["theirs"].text()
        seen["mine"] = dialog.choice_buttons["phone"]["mine"].text()
        seen["base"] = dialog.base_labels["phone"].text()
        seen["merged"] = dialog.merged_label.text() if dialog.merged_label.isVisible() else ""
        qtbot.mouseClick(dialog.choice_buttons["phone"][MINE], Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    when_modal(ConflictDialog, keep_mine)
    with qtbot.waitSignal(window.sig_saved, timeout=WAIT):
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.ops_running == 0, timeout=WAIT)

    assert seen["fields"] == ["phone"]
    assert seen["base"] == HUAWEI_PHONE
    assert seen["theirs"] == "139 3333 4444"
    assert seen["mine"] == "138 1111 2222"
    assert seen["merged"] == "Merged with changes by someone else: Email"

    stored = read(ui_db, get_customer, demo["id"], demo["actor"])
    assert stored.phone == "138 1111 2222"  # mine
    assert stored.email == "new@huawei-demo.cn"  # theirs, kept
    assert window.form.email_edit.text() == "new@huawei-demo.cn"
    assert window.note_label.text() == "Merged with changes by someone else: Email"


def test_cancelling_the_conflict_dialog_keeps_the_form_as_typed(
    qtbot: QtBot,
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
    ui_db: Database,
) -> None:
    window = open_file(demo["actor"], demo["id"])
    replace_text(qtbot, window.form.phone_edit, "138 1111 2222")
    with ui_db.session_factory.begin() as session:
        theirs = get_customer(session, demo["id"], demo["other"])
        update_customer(
            session, demo["id"], CustomerInput(phone="139 3333 4444"), theirs.version, demo["other"]
        )
    window.ask_conflict = lambda exc, merged: None
    save_and_wait(qtbot, window)
    assert window.form.phone_edit.text() == "138 1111 2222"
    assert window.is_dirty()
    assert "Your input is kept" in window.note_label.text()
    assert read(ui_db, get_customer, demo["id"], demo["actor"]).phone == "139 3333 4444"


def test_a_disjoint_change_merges_with_a_note(
    qtbot: QtBot,
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
    ui_db: Database,
) -> None:
    window = open_file(demo["actor"], demo["id"])
    replace_text(qtbot, window.form.industry_edit, "Cloud")
    with ui_db.session_factory.begin() as session:
        theirs = get_customer(session, demo["id"], demo["other"])
        update_customer(
            session,
            demo["id"],
            CustomerInput(website="huawei.example"),
            theirs.version,
            demo["other"],
        )
    save_and_wait(qtbot, window)
    assert window.note_label.text() == "Merged with changes by someone else: Website"
    assert window.form.website_edit.text() == "huawei.example"
    stored = read(ui_db, get_customer, demo["id"], demo["actor"])
    assert (stored.industry, stored.website) == ("Cloud", "huawei.example")


# --------------------------------------------------------------------------- contacts


def fill_contact(qtbot: QtBot, dialog: ContactDialog, **values: str) -> None:
    for name, value in values.items():
        edit = dialog.editors[name]
        replace_text(qtbot, edit, value)


def test_contacts_can_be_added_edited_and_made_primary(
    qtbot: QtBot,
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
    ui_db: Database,
) -> None:
    window = open_file(demo["actor"], demo["id"])
    tab = window.contacts_tab
    window.tabs.setCurrentWidget(tab)

    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert isinstance(dialog, ContactDialog) and dialog.isVisible()
    fill_contact(qtbot, dialog, name="李娜", phone="not a phone")
    with qtbot.waitSignal(dialog.sig_save_finished, timeout=WAIT):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.errors["phone"].text() == "Not a valid phone number"
    fill_contact(qtbot, dialog, phone="13912345678", email="li.na@example.com")
    with qtbot.waitSignal(window.sig_loaded, timeout=WAIT):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2, timeout=WAIT)
    names = [tab.table.item(r, 1).text() for r in range(2)]
    assert names == ["张伟", "李娜"]
    assert tab.table.item(1, 4).text() == "139 1234 5678"

    # Edit the new contact's title.
    tab.select(tab.contacts[1].id)
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert dialog is not None and dialog.name_edit.text() == "李娜"
    fill_contact(qtbot, dialog, title="总经理")
    with qtbot.waitSignal(window.sig_loaded, timeout=WAIT):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.table.item(1, 2).text() == "总经理", timeout=WAIT)

    # Make her the primary contact: the star moves.
    tab.select(tab.contacts[1].id)
    assert tab.primary_button.isEnabled()
    with qtbot.waitSignal(window.sig_loaded, timeout=WAIT):
        qtbot.mouseClick(tab.primary_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.contacts[0].name == "李娜", timeout=WAIT)
    assert tab.table.item(0, 0).text() == "★" and tab.table.item(1, 0).text() == ""
    primaries = [
        c.name
        for c in read(ui_db, get_customer, demo["id"], demo["actor"]).contacts
        if c.is_primary
    ]
    assert primaries == ["李娜"]


# --------------------------------------------------------------------------- history


def test_history_shows_the_field_change(
    qtbot: QtBot, demo: dict[str, Any], open_file: Callable[..., CustomerFileWindow]
) -> None:
    window = open_file(demo["actor"], demo["id"])
    replace_text(qtbot, window.form.industry_edit, "Cloud services")
    with qtbot.waitSignal(window.sig_loaded, timeout=WAIT):
        save_and_wait(qtbot, window)
    qtbot.waitUntil(lambda: window.ops_running == 0, timeout=WAIT)
    table = window.history_tab.table
    first = [table.item(0, c).text() for c in range(5)]
    assert first[1:] == [demo["actor"].display_name, "Industry", "Telecom", "Cloud services"]
    whats = [table.item(r, 2).text() for r in range(table.rowCount())]
    # Contact changes are part of the file's history, with the contact's field names.
    assert "Contact 张伟: Name" in whats and "Contact 张伟: Title" in whats


# --------------------------------------------------------------------------- attachments


def test_an_attachment_round_trips_its_bytes(
    qtbot: QtBot,
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
    ui_db: Database,
    tmp_path: Path,
) -> None:
    payload = bytes(range(256)) * 40 + "报价单".encode()
    source = tmp_path / "报价单 v2.pdf"
    source.write_bytes(payload)
    target = tmp_path / "out" / "copy.pdf"
    target.parent.mkdir()
    opened: list[QUrl] = []

    window = open_file(demo["actor"], demo["id"])
    tab = window.attachments_tab
    window.tabs.setCurrentWidget(tab)
    window.choose_open_path = lambda: str(source)
    window.choose_save_path = lambda name: str(target)
    window.open_url = lambda url: opened.append(url) or True

    with qtbot.waitSignal(window.sig_loaded, timeout=WAIT):
        qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=WAIT)
    assert tab.table.item(0, 0).text() == "报价单 v2.pdf"
    stored = read(ui_db, list_attachments, demo["id"], demo["actor"])
    assert [a.size for a in stored] == [len(payload)]

    tab.table.selectRow(0)
    with qtbot.waitSignal(window.sig_op_done, timeout=WAIT):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert target.read_bytes() == payload
    assert window.note_label.text() == "Saved copy.pdf"

    with qtbot.waitSignal(window.sig_op_done, timeout=WAIT):
        qtbot.mouseClick(tab.open_button, Qt.MouseButton.LeftButton)
    assert len(opened) == 1
    assert Path(opened[0].toLocalFile()).read_bytes() == payload
    assert Path(opened[0].toLocalFile()).name == "报价单 v2.pdf"

    history = read(ui_db, customer_history, demo["id"], demo["actor"])
    assert history[0].field == "attachment" and history[0].new == "报价单 v2.pdf"


def test_a_file_over_the_limit_is_refused_with_a_message(
    demo: dict[str, Any],
    open_file: Callable[..., CustomerFileWindow],
    tmp_path: Path,
    qtbot: QtBot,
) -> None:
    big = tmp_path / "huge.bin"
    with big.open("wb") as out:
        out.truncate(50 * 1024 * 1024 + 1)  # sparse: no real 50 MB on disk
    window = open_file(demo["actor"], demo["id"])
    window.tabs.setCurrentWidget(window.attachments_tab)
    window.choose_open_path = lambda: str(big)
    qtbot.mouseClick(window.attachments_tab.add_button, Qt.MouseButton.LeftButton)
    assert "attachments may be at most" in window.note_label.text()
    assert window.attachments_tab.table.rowCount() == 0
