"""The Customers page driven as a user would: type in the search box, pick filters, click a
header, select rows and change them in bulk, delete and restore; on real databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from crm_desktop.core.settings import Settings
from crm_desktop.db.models import AuditLog
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_list import CustomerFilter, SortSpec, filtered_ids
from crm_desktop.services.customers import get_customer
from crm_desktop.ui.app import build_main_window
from crm_desktop.ui.bulk_dialog import BulkChangeDialog
from crm_desktop.ui.customer_model import COLUMN_KEYS
from crm_desktop.ui.customers_page import SETTINGS_KEY, CustomersPage
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.recycle_bin import RecycleBinDialog
from tests.conftest import DIALECTS
from tests.db.customer_world import World, build_world

from .conftest import RecordedErrors

HUAWEI = "华为技术有限公司"


@pytest.fixture
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    """The small company of tests/db on SQLite, or on the database of the ``world`` parameter
    (``@pytest.mark.parametrize("world", DIALECTS, indirect=True)``)."""
    dialect = getattr(request, "param", "sqlite")
    url = request.getfixturevalue("sqlite_url" if dialect == "sqlite" else "pg_url")
    w = build_world(str(url))
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


def make_page(qtbot: QtBot, runner: OpRunner, actor: Actor, settings: Settings) -> CustomersPage:
    """A shown page whose first list, choices and counts have arrived."""
    page = CustomersPage(actor, runner, settings)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    with qtbot.waitSignals(
        [page.sig_ids_loaded, page.sig_choices_loaded, page.sig_region_counts_loaded],
        timeout=10_000,
    ):
        page.refresh()
        page.show()
    qtbot.waitExposed(page)
    return page


def wait_for_list(qtbot: QtBot, page: CustomersPage) -> None:
    """Until the latest request's ids are shown."""
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)


def shown_ids(page: CustomersPage) -> list[int]:
    return list(page.model.ids)


def service_ids(world: World, flt: CustomerFilter, sort: SortSpec, actor: Actor) -> list[int]:
    with world.db.read_session_factory() as session:
        return list(filtered_ids(session, flt, sort, actor))


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type as a user would: keys for ASCII, an input method's commit for Chinese (QTest has
    no key codes for CJK characters; a Chinese IME commits composed text like this)."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            event = QInputMethodEvent()
            event.setCommitString(char)
            QApplication.sendEvent(widget, event)


def top_level(kind: type) -> list[Any]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


@pytest.fixture
def populated(world: World) -> dict[str, int]:
    """A few customers where the tests need to know them, owned by the Shanghai salespeople."""
    ids = {
        "huawei": world.new_customer(
            world.li,
            name=HUAWEI,
            grade_id=world.grades["A"],
            region_id=world.regions["南京"],
            phone="025-8888 1234",
        ),
        "suzhou": world.new_customer(
            world.li,
            name="苏州精密机械",
            grade_id=world.grades["A"],
            region_id=world.regions["苏州"],
        ),
        "guangzhou": world.new_customer(
            world.wang,
            name="广州贸易公司",
            grade_id=world.grades["B"],
            region_id=world.regions["广东"],
        ),
        "pool": world.new_customer(
            world.admin, name="公海客户甲", grade_id=world.grades["C"], owner_id=None
        ),
        "chen": world.new_customer(world.chen, name="陈静的客户", grade_id=world.grades["A"]),
    }
    return ids


# =========================================================================== search


@pytest.mark.parametrize("world", DIALECTS, indirect=True)
def test_typing_in_the_search_box_shows_the_customer(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    page = make_page(qtbot, runner, world.admin, Settings())
    assert len(shown_ids(page)) == 5
    qtbot.keyClick(page, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search_edit.hasFocus()

    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        type_text(qtbot, page.search_edit, "华为")
    assert shown_ids(page) == [populated["huawei"]]
    assert page.status_label.text().startswith("1 found · ")
    qtbot.waitUntil(lambda: page.model.data(page.model.index(0, 0)) == HUAWEI, timeout=10_000)

    page.search_edit.clear()
    wait_for_list(qtbot, page)
    assert len(shown_ids(page)) == 5
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        qtbot.keyClicks(page.search_edit, "hwjs")
    assert shown_ids(page) == [populated["huawei"]]
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        qtbot.keyClicks(page.search_edit, "x")  # "hwjsx" matches nothing
    assert shown_ids(page) == []
    assert page.list_stack.currentWidget() is page.empty_page
    assert page.empty_state.headline_label.text() == "No customer matches “hwjsx”"
    assert page.empty_button.text() == "Clear filters"
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        qtbot.mouseClick(page.empty_button, Qt.MouseButton.LeftButton)
    assert page.search_edit.text() == ""
    assert len(shown_ids(page)) == 5


def test_a_new_keystroke_cancels_the_running_query(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    page = make_page(qtbot, runner, world.admin, Settings())
    page.search_edit.setText("苏州")
    page.reload()  # as if the pause after typing had passed
    first = page._ids_op
    assert first is not None and first.running
    type_text(qtbot, page.search_edit, "精密")
    assert first._progress is not None and first._progress.cancelled
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        pass
    assert shown_ids(page) == [populated["suzhou"]]


def test_search_text_combines_with_the_filters(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    page = make_page(qtbot, runner, world.admin, Settings())
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        page.filter_panel.set_grade_checked(world.grades["A"], True)
    assert set(shown_ids(page)) == {populated["huawei"], populated["suzhou"], populated["chen"]}
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        type_text(qtbot, page.search_edit, "公司")  # 华为技术有限公司, 广州贸易公司
    assert shown_ids(page) == [populated["huawei"]]


# =========================================================================== filters and sort


def test_grade_and_region_subtree_give_the_services_ids(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    from crm_desktop.services.demo import generate_demo

    with world.db.session_factory.begin() as session:
        generate_demo(session, customers=200, workers=0)
    page = make_page(qtbot, runner, world.admin, Settings())
    east = world.regions["华东"]
    # The counts arrived for the whole tree: 华东 includes 江苏 and so 南京.
    assert (
        page.filter_panel.region_count(east)
        >= page.filter_panel.region_count(world.regions["江苏"])
        >= page.filter_panel.region_count(world.regions["南京"])
        >= 1
    )
    item = page.filter_panel.region_item(east)
    assert item is not None and item.text(0).startswith("华东 (")

    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        page.filter_panel.set_grade_checked(world.grades["A"], True)
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        rect = page.filter_panel.region_tree.visualItemRect(item)
        page.filter_panel.region_tree.scrollToItem(item)
        rect = page.filter_panel.region_tree.visualItemRect(item)
        qtbot.mouseClick(
            page.filter_panel.region_tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
        )
    expected = service_ids(
        world,
        CustomerFilter(grade_ids=(world.grades["A"],), region_id=east),
        SortSpec("name"),
        world.admin,
    )
    assert shown_ids(page) == expected
    assert populated["huawei"] in expected and populated["suzhou"] in expected
    assert populated["guangzhou"] not in expected
    assert page.status_label.text() == f"{len(expected):,} customers"


def test_owner_pool_and_status_filters(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    page = make_page(qtbot, runner, world.admin, Settings())
    panel = page.filter_panel
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        panel.owner_combo.setCurrentIndex(panel.owner_combo.findData(world.li.id))
    assert set(shown_ids(page)) == {populated["huawei"], populated["suzhou"]}
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        panel.owner_combo.setCurrentIndex(panel.owner_combo.findText("Public pool"))
    assert shown_ids(page) == [populated["pool"]]
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        panel.clear()
    assert len(shown_ids(page)) == 5
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        panel.status_combo.setCurrentIndex(panel.status_combo.findData("lost"))
    assert shown_ids(page) == []
    assert page.empty_state.headline_label.text() == "No customer matches these filters"


def test_clicking_a_header_sorts_in_sql(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    page = make_page(qtbot, runner, world.admin, Settings())
    header = page.view.horizontalHeader()
    region = COLUMN_KEYS.index("region")
    x = header.sectionViewportPosition(region) + header.sectionSize(region) // 2
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert page.sort == SortSpec("region")
    assert shown_ids(page) == service_ids(world, CustomerFilter(), SortSpec("region"), world.admin)
    assert header.sortIndicatorSection() == region
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    descending = service_ids(world, CustomerFilter(), SortSpec("region", True), world.admin)
    assert shown_ids(page) == descending
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert shown_ids(page) != service_ids(world, CustomerFilter(), SortSpec("name"), world.admin)


def test_column_choice_and_sort_are_remembered(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    settings = Settings()
    page = make_page(qtbot, runner, world.admin, settings)
    assert "email" not in page.visible_columns()
    page.set_column_visible("email", True)
    page.set_column_visible("phone", False)
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        page.sort_by("created", descending=True)
    chosen = page.visible_columns()
    assert "email" in chosen and "phone" not in chosen
    assert settings.ui[SETTINGS_KEY]["columns"] == chosen
    page.close()

    again = make_page(qtbot, runner, world.admin, settings)
    assert again.visible_columns() == chosen
    assert again.sort == SortSpec("created_at", True)
    assert again.view.isColumnHidden(COLUMN_KEYS.index("phone"))


# =========================================================================== opening


def test_enter_and_double_click_open_the_customer(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    page = make_page(qtbot, runner, world.admin, Settings())
    row = page.model.row_of(populated["huawei"])
    assert row is not None
    index = page.model.index(row, 0)
    page.view.setFocus()
    page.view.setCurrentIndex(index)
    with qtbot.waitSignal(page.sig_open_customer) as opened:
        qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert opened.args == [populated["huawei"]]
    rect = page.view.visualRect(page.model.index(0, 0))
    with qtbot.waitSignal(page.sig_open_customer) as opened:
        # A double-click is a press, a release, then the double-click event.
        qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [page.model.customer_id(0)]


def test_main_window_opens_files_and_refreshes_after_a_save(
    qtbot: QtBot,
    world: World,
    populated: dict[str, int],
    runner: OpRunner,
    ui_translations: Translations,
) -> None:
    window = build_main_window(
        world.db, world.admin, Settings(), runner=runner, translations=ui_translations
    )
    qtbot.addWidget(window)
    calls: list[int | None] = []
    window.customer_file_opener = lambda _parent, _runner, _actor, cid, **_kw: calls.append(cid)
    page = window.customers_page
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert calls == [None]

    row = page.model.row_of(populated["suzhou"])
    assert row is not None
    page.view.setCurrentIndex(page.model.index(row, 0))
    page.sig_open_customer.emit(populated["suzhou"])
    assert calls == [None, populated["suzhou"]]

    # Saved elsewhere: a customer whose name sorts first is added; the current row stays.
    world.new_customer(world.admin, name="阿里巴巴")
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        window.sig_customers_changed.emit()
    assert len(shown_ids(page)) == 6
    assert page.current_customer_id() == populated["suzhou"]
    window.close()


# =========================================================================== bulk actions


@pytest.mark.parametrize("world", DIALECTS, indirect=True)
def test_bulk_grade_change_updates_the_rows_and_audits_each(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    page = make_page(qtbot, runner, world.admin, Settings())
    targets = [populated["huawei"], populated["guangzhou"], populated["pool"]]
    rows = [page.model.row_of(i) for i in targets]
    page.select_rows([r for r in rows if r is not None])
    assert page.selected_ids() == sorted(targets, key=shown_ids(page).index)
    assert page.grade_action.isEnabled() and page.owner_action.isEnabled()

    page.grade_action.trigger()
    dialogs = top_level(BulkChangeDialog)
    assert len(dialogs) == 1
    dialog = dialogs[0]
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "Change 3 customers"
    dialog.select_value(world.grades["D"])
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    box = page.message_box
    assert box is not None and box.isVisible()
    assert "Changed: 3" in box.text()
    box.close()

    grade_column = COLUMN_KEYS.index("grade")
    for customer_id in targets:
        row = page.model.row_of(customer_id)
        assert row is not None
        qtbot.waitUntil(
            lambda r=row: page.model.data(page.model.index(r, grade_column)) == "D",
            timeout=10_000,
        )
    with world.db.read_session_factory() as session:
        audits = session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "customer.bulk_update")
        )
        assert audits == 3
        assert get_customer(session, populated["huawei"], world.admin).grade_code == "D"


@pytest.mark.parametrize("world", DIALECTS, indirect=True)
def test_a_salesperson_sees_own_and_pool_customers_only(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    page = make_page(qtbot, runner, world.li, Settings())
    assert set(shown_ids(page)) == {populated["huawei"], populated["suzhou"], populated["pool"]}
    assert populated["guangzhou"] not in shown_ids(page)
    panel = page.filter_panel
    owners = [panel.owner_combo.itemData(i) for i in range(panel.owner_combo.count())]
    assert owners == [None, "pool", world.li.id]
    page.select_rows([0])
    assert page.grade_action.isEnabled()
    assert not page.owner_action.isEnabled()
    assert not page.recycle_action.isEnabled()


def test_delete_then_restore_from_the_recycle_bin(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    page = make_page(qtbot, runner, world.manager, Settings())
    row = page.model.row_of(populated["guangzhou"])
    assert row is not None
    page.select_rows([row])
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_Delete)
    box = page.message_box
    assert box is not None and box.isVisible()
    assert box.text() == "Move this customer to the recycle bin?"
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        box.button(QMessageBox.StandardButton.Yes).click()
    assert populated["guangzhou"] not in shown_ids(page)
    page.message_box.close()

    page.recycle_action.trigger()
    dialog = page.recycle_bin
    assert isinstance(dialog, RecycleBinDialog)
    qtbot.waitUntil(lambda: len(dialog.rows) == 1, timeout=10_000)
    dialog.select_customer(populated["guangzhou"])
    assert dialog.restore_button.isEnabled()
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert populated["guangzhou"] in shown_ids(page)
    qtbot.waitUntil(lambda: dialog.rows == [], timeout=10_000)
    dialog.close()


def test_a_salesperson_cannot_delete_a_pool_customer(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    page = make_page(qtbot, runner, world.li, Settings())
    ids = [populated["pool"], populated["huawei"]]
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        page.run_delete(ids)
    box = page.message_box
    assert box is not None
    assert "Moved to the recycle bin: 1" in box.text()
    assert f"#{populated['pool']}" in box.detailedText()
    box.close()
    assert populated["pool"] in shown_ids(page) and populated["huawei"] not in shown_ids(page)


def test_created_period_and_tags_filters(
    qtbot: QtBot, world: World, populated: dict[str, int], runner: OpRunner
) -> None:
    from PySide6.QtCore import QDate

    tagged = world.new_customer(world.admin, name="带标签的客户", tags=["vip", "export"])
    page = make_page(qtbot, runner, world.admin, Settings())
    panel = page.filter_panel
    today = QDate.currentDate()
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        panel.created_to_edit.setDate(today.addDays(-1))
    assert shown_ids(page) == []
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        panel.created_to_edit.setDate(today)
    assert len(shown_ids(page)) == 6
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        panel.created_from_edit.setDate(today.addDays(1))
    assert shown_ids(page) == []
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        panel.clear()
    with qtbot.waitSignal(page.sig_ids_loaded, timeout=10_000):
        qtbot.keyClicks(panel.tags_edit, "VIP")
    assert shown_ids(page) == [tagged]


# =========================================================================== import


def test_a_spreadsheet_dropped_on_the_page_opens_the_import_wizard_with_it(
    qtbot: QtBot, world: World, runner: OpRunner, tmp_path: Path
) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    from crm_desktop.ui.import_wizard import ImportWizard

    page = make_page(qtbot, runner, world.li, Settings())
    sheet = tmp_path / "客户名单.csv"
    sheet.write_bytes("客户名称,联系人,手机\n东方机械,王小明,13800138000\n".encode("gbk"))
    note = tmp_path / "readme.txt.pdf"
    note.write_bytes(b"%PDF")

    def drop(path: Path) -> QDropEvent:
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDropEvent(
            QPointF(20, 20),
            Qt.DropAction.CopyAction,
            data,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        page.dropEvent(event)
        return event

    assert not drop(note).isAccepted()  # not a file the wizard reads
    assert not top_level(ImportWizard)
    assert drop(sheet).isAccepted()
    qtbot.waitUntil(lambda: bool(top_level(ImportWizard)), timeout=10_000)
    wizard = top_level(ImportWizard)[0]
    assert wizard.path == sheet
    qtbot.waitUntil(lambda: wizard.preview is not None, timeout=10_000)
    assert page.import_action.text() == "Import…"
    wizard.reject()
