"""The Export dialog driven from the customers page as a user would: Ctrl+Shift+E, choose the
file and columns, export the list or the selection, with contacts, cancel; the action is hidden
without the export permission; the dialog rendered in English and Chinese looks right."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QCoreApplication, QPoint, Qt, QUrl
from PySide6.QtWidgets import QAbstractButton, QApplication, QCheckBox, QLabel, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from crm_desktop.core.errors import OperationCancelled
from crm_desktop.core.settings import Settings
from crm_desktop.db.models import AuditLog
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import ContactInput, add_contact
from crm_desktop.services.export import DEFAULT_COLUMNS, ExportResult
from crm_desktop.ui.customers_page import CustomersPage
from crm_desktop.ui.export_dialog import COLUMNS_KEY, ExportDialog
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.ops import OpRunner
from tests.db.customer_world import World, build_world

from .conftest import RecordedErrors

ROOT = Path(__file__).resolve().parents[2]
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


@pytest.fixture
def customers(world: World) -> dict[str, int]:
    g, r = world.grades, world.regions
    ids = {
        "huawei": world.new_customer(
            world.li, name="华为技术有限公司", grade_id=g["A"], region_id=r["南京"]
        ),
        "suzhou": world.new_customer(
            world.li, name="苏州精密机械", grade_id=g["A"], region_id=r["苏州"]
        ),
        "formula": world.new_customer(world.wang, name="=HYPERLINK(1) 公司", grade_id=g["B"]),
        "pool": world.new_customer(world.admin, name="公海客户甲", owner_id=None),
        "chen": world.new_customer(world.chen, name="陈静的客户", grade_id=g["C"]),
    }
    with world.db.session_factory.begin() as s:
        add_contact(s, ids["huawei"], ContactInput(name="张伟", mobile="13800138000"), world.li)
        add_contact(s, ids["huawei"], ContactInput(name="李强", title="采购经理"), world.li)
    return ids


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def make_page(qtbot: QtBot, runner: OpRunner, actor: Actor, settings: Settings) -> CustomersPage:
    page = CustomersPage(actor, runner, settings)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    with qtbot.waitSignals(
        [page.sig_ids_loaded, page.sig_choices_loaded, page.sig_region_counts_loaded],
        timeout=WAIT,
    ):
        page.refresh()
        page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: runner.active_count == 0, timeout=WAIT)
    return page


def open_dialog(qtbot: QtBot, page: CustomersPage) -> ExportDialog:
    """Ctrl+Shift+E on the list, as a user would."""
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.view.setFocus()
    qtbot.keyClick(
        page.view,
        Qt.Key.Key_E,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: page.export_dialog is not None and page.export_dialog.isVisible())
    dialog = page.export_dialog
    assert dialog is not None
    return dialog


def choose_file(qtbot: QtBot, dialog: ExportDialog, path: Path) -> None:
    dialog.ask_save_path = lambda _suggested: str(path)
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)


def run_export(qtbot: QtBot, dialog: ExportDialog) -> ExportResult:
    with qtbot.waitSignal(dialog.sig_exported, timeout=WAIT) as signal:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    result = signal.args[0]
    assert isinstance(result, ExportResult)
    return result


def tick(qtbot: QtBot, box: QCheckBox) -> None:
    """Click a check box on its indicator (its middle may be empty space)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def check_columns(dialog: ExportDialog, keys: set[str]) -> None:
    for row in range(dialog.columns_list.count()):
        item = dialog.columns_list.item(row)
        wanted = item.data(Qt.ItemDataRole.UserRole) in keys
        item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)


def audit_count(world: World) -> int:
    with world.db.read_session_factory() as s:
        return len(list(s.scalars(select(AuditLog).where(AuditLog.action == "export"))))


# =========================================================================== permission


def test_the_action_is_hidden_without_the_export_permission(
    qtbot: QtBot, world: World, customers: dict[str, int], runner: OpRunner
) -> None:
    page = make_page(qtbot, runner, world.li, Settings())
    assert not page.export_action.isVisible() and not page.export_action.isEnabled()
    assert page.export_action not in [a for a in page.toolbar.actions() if a.isVisible()]
    page.view.setFocus()
    qtbot.keyClick(
        page.view,
        Qt.Key.Key_E,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert page.export_dialog is None and page.start_export() is None
    # Given the permission, the same salesperson has it (and exports only what they see).
    trusted = make_page(qtbot, runner, replace(world.li, can_export=True), Settings())
    assert trusted.export_action.isVisible() and trusted.export_action.isEnabled()
    assert trusted.export_action in trusted.toolbar.actions()
    assert trusted.export_action.shortcut().toString() == "Ctrl+Shift+E"


# =========================================================================== exporting


def test_export_the_list_to_xlsx_then_open_the_folder(
    qtbot: QtBot, world: World, customers: dict[str, int], runner: OpRunner, out: Path
) -> None:
    settings = Settings()
    page = make_page(qtbot, runner, world.manager, settings)
    shown = list(page.model.ids)
    dialog = open_dialog(qtbot, page)
    assert dialog.windowTitle() == "Export customers"
    assert not dialog.selected_check.isVisible()  # nothing selected: the whole list
    assert dialog.format() == "xlsx" and Path(dialog.path()).name.startswith("customers-")
    assert dialog.columns() == list(DEFAULT_COLUMNS)
    assert dialog.scope_label.text() == f"{len(shown)} customers of the list will be exported."
    check_columns(dialog, {"customer.id", "customer.name", "customer.grade"})
    path = out / "list.xlsx"
    choose_file(qtbot, dialog, path)
    opened: list[QUrl] = []
    dialog.open_url = lambda url: opened.append(url) or True
    result = run_export(qtbot, dialog)
    assert result.rows == len(shown) == 4  # the Shanghai manager: branch and pool
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]] == ["Customer ID", "Customer name", "Grade"]
    assert [r[0].value for r in sheet.iter_rows(min_row=2)] == shown  # the list's order
    names = {r[1].value: r[1] for r in sheet.iter_rows(min_row=2)}
    escaped = names["'=HYPERLINK(1) 公司"]
    assert escaped.data_type == "s"
    assert audit_count(world) == 1
    assert [p.name for p in out.iterdir()] == ["list.xlsx"]
    # The message says how many rows, and opens the folder.
    box = dialog.result_box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    assert box.text() == "Exported 4 rows (4 customers) to list.xlsx."
    button = next(b for b in box.buttons() if b.text() == "Open folder")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(out))]
    qtbot.waitUntil(lambda: not box.isVisible())
    # The columns, format and folder are remembered for the next export.
    assert settings.ui[COLUMNS_KEY] == ["customer.id", "customer.name", "customer.grade"]
    qtbot.waitUntil(lambda: page.export_dialog is None)
    again = open_dialog(qtbot, page)
    assert again.columns() == ["customer.id", "customer.name", "customer.grade"]
    assert Path(again.path()).parent == out and again.format() == "xlsx"
    again.reject()


def test_export_the_selection_with_contacts_to_csv(
    qtbot: QtBot, world: World, customers: dict[str, int], runner: OpRunner, out: Path
) -> None:
    page = make_page(qtbot, runner, world.admin, Settings())
    rows = {page.model.customer_id(r): r for r in range(page.model.rowCount())}
    page.select_rows([rows[customers["huawei"]], rows[customers["pool"]]])
    dialog = open_dialog(qtbot, page)
    assert dialog.selected_check.isVisible() and dialog.selected_check.isChecked()
    assert dialog.selected_check.text() == "Selected rows only (2)"
    assert dialog.scope_label.text() == "2 selected customers will be exported."
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("csv"))
    assert dialog.path().endswith(".csv")
    tick(qtbot, dialog.contacts_check)
    assert dialog.contacts_check.isChecked()
    check_columns(dialog, {"customer.name"})
    path = out / "selection.csv"
    dialog.file_edit.clear()
    qtbot.keyClicks(dialog.file_edit, str(path))
    result = run_export(qtbot, dialog)
    table = csv_rows(path)
    assert table[0][:3] == ["Customer name", "Contact", "Title"]
    body = sorted((r[0], r[1]) for r in table[1:])
    assert body == [("公海客户甲", ""), ("华为技术有限公司", "张伟"), ("华为技术有限公司", "李强")]
    assert (result.rows, result.customers, result.contact_rows) == (3, 2, 2)
    # Unticking "selected rows only" exports the whole list again.
    dialog2 = open_dialog(qtbot, page)
    tick(qtbot, dialog2.selected_check)
    assert (
        dialog2.scope_label.text()
        == f"{page.model.rowCount()} customers of the list will be exported."
    )
    dialog2.reject()


def test_an_existing_file_is_kept_unless_the_user_replaces_it(
    qtbot: QtBot, world: World, customers: dict[str, int], runner: OpRunner, out: Path
) -> None:
    page = make_page(qtbot, runner, world.admin, Settings())
    dialog = open_dialog(qtbot, page)
    path = out / "old.xlsx"
    path.write_bytes(b"old")
    dialog.file_edit.setText(str(path))
    asked: list[str] = []
    dialog.confirm_replace = lambda p: asked.append(p) is not None  # "No"
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert asked == [str(path)] and dialog.op is None and path.read_bytes() == b"old"
    dialog.confirm_replace = lambda p: True
    run_export(qtbot, dialog)
    assert openpyxl.load_workbook(path).worksheets[0].max_row == 6


def test_cancel_leaves_no_file_and_keeps_the_dialog(
    qtbot: QtBot, world: World, customers: dict[str, int], runner: OpRunner, out: Path
) -> None:
    page = make_page(qtbot, runner, world.admin, Settings())
    dialog = open_dialog(qtbot, page)
    dialog.file_edit.setText(str(out / "cancelled.xlsx"))
    with qtbot.waitSignal(dialog.sig_failed, timeout=WAIT) as signal:
        op = dialog.start()
        assert op is not None and dialog.running
        assert not dialog.export_button.isEnabled() and not dialog.columns_list.isEnabled()
        dialog.reject()  # the Cancel button while running cancels the export
    assert isinstance(signal.args[0], OperationCancelled)
    assert dialog.isVisible() and dialog.export_button.isEnabled()
    assert dialog.status_label.text() == "Export cancelled; no file was written."
    assert list(out.iterdir()) == [] and audit_count(world) == 0
    dialog.reject()
    assert not dialog.isVisible()


def test_missing_choices_are_said_in_the_dialog(
    qtbot: QtBot, world: World, customers: dict[str, int], runner: OpRunner, out: Path
) -> None:
    page = make_page(qtbot, runner, world.admin, Settings())
    dialog = open_dialog(qtbot, page)
    qtbot.mouseClick(dialog.all_button, Qt.MouseButton.LeftButton)
    assert len(dialog.columns()) == 17
    check_columns(dialog, set())
    assert not dialog.export_button.isEnabled()
    assert dialog.start() is None
    assert dialog.status_label.text() == "Choose at least one column."
    qtbot.mouseClick(dialog.defaults_button, Qt.MouseButton.LeftButton)
    assert dialog.columns() == list(DEFAULT_COLUMNS) and dialog.export_button.isEnabled()
    dialog.file_edit.setText(str(out / "nowhere" / "x.csv"))
    assert dialog.start() is None
    assert dialog.status_label.text().startswith("The folder ")
    dialog.reject()


# =========================================================================== the picture


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_dialog_looks_right(
    qtbot: QtBot,
    world: World,
    customers: dict[str, int],
    runner: OpRunner,
    ui_translations: Translations,
    tmp_path: Path,
    language: str,
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QCoreApplication)
    ui_translations.apply(language)  # the shipped catalogue
    try:
        page = make_page(qtbot, runner, world.admin, Settings())
        page.select_rows([0, 1])
        dialog = open_dialog(qtbot, page)
        qtbot.waitExposed(dialog)
        dialog.adjustSize()
        image = tmp_path / f"export-dialog-{language}.png"
        assert dialog.grab().save(str(image))
        assert image.stat().st_size > 5_000
        if language == "zh_CN":
            assert dialog.windowTitle() == "导出客户"
            assert dialog.selected_check.text() == "仅导出选中的行（2）"
            assert dialog.columns_list.item(1).text() == "客户名称"
            assert page.export_action.text() == "导出…"
        # Nothing cut off: every one-line label, check box and button has its full width.
        for widget in dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton):
            if not widget.isVisible() or (isinstance(widget, QLabel) and widget.wordWrap()):
                continue
            assert widget.width() >= widget.sizeHint().width(), (
                type(widget).__name__,
                widget.text() if isinstance(widget, (QLabel, QCheckBox, QPushButton)) else "",
            )
        columns = dialog.columns_list
        for row in range(columns.count()):
            item = columns.item(row)
            rect = columns.visualItemRect(item)
            assert columns.viewport().rect().contains(rect), item.text()
            # Check box, gap and the whole text (no "Customer n…").
            needed = columns.fontMetrics().horizontalAdvance(item.text()) + 24
            assert rect.width() >= needed, (item.text(), rect.width(), needed)
        dialog.reject()
    finally:
        ui_translations.apply("en")
