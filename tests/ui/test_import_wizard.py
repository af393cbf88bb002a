"""The import wizard driven as a user drives it: a GBK CSV saved by Chinese Excel, with a customer
that already exists and a region the system does not know → decoded preview, guessed mapping,
the unknown region mapped, duplicates skipped → the import → result counts, the customers and
their contacts in the database → Undo. Also: Cancel during the run keeps nothing, another
encoding re-reads the preview, the main window's File menu opens the wizard, and every page is
rendered to PNG in English and Chinese (set IMPORT_WIZARD_PNG_DIR to keep the pictures)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from crm_desktop.core.errors import OperationCancelled
from crm_desktop.db.models import Contact, Customer, ImportBatch
from crm_desktop.importers.vcard_source import HEADERS as VCARD_HEADERS
from crm_desktop.services.customer_import import ImportResult
from crm_desktop.services.customers import ContactRow, get_customer
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.import_wizard import (
    PAGE_DUPLICATES,
    PAGE_MAPPING,
    PAGE_PREVIEW,
    PAGE_RESULT,
    PAGE_RUN,
    PAGE_VALUES,
    ImportHistoryDialog,
    ImportWizard,
)
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.style import apply_style
from tests.db.customer_world import World, open_world

from .conftest import RecordedErrors

WAIT = 30_000
ROOT = Path(__file__).resolve().parents[2]
PENDING = ROOT / "resources" / "i18n" / "pending" / "wizard.json"
HEADERS = ("客户名称", "联系人", "手机", "邮箱", "等级", "区域", "负责人")
EXISTING = "北京老客户有限公司"
ROWS = (
    ("上海明远贸易有限公司", "张伟", "13800138001", "zhangwei@mingyuan.cn", "A", "上海", "李娜"),
    ("杭州新辰科技有限公司", "王磊", "13900139002", "wanglei@xinchen.com", "B", "火星", "李娜"),
    (EXISTING, "赵敏", "13700137003", "zhaomin@laokehu.cn", "C", "北京", "李娜"),
    ("上海明远贸易有限公司", "刘洋", "13600136004", "liuyang@mingyuan.cn", "A", "上海", "李娜"),
)
GUESSED = {
    0: "customer.name",
    1: "contact.name",
    2: "contact.mobile",
    3: "contact.email",
    4: "customer.grade",
    5: "customer.region",
    6: "customer.owner",
}


@pytest.fixture
def world(sqlite_url: str) -> Iterator[World]:
    yield from open_world(sqlite_url)


@pytest.fixture
def runner(qapp: object, world: World, ui_errors: RecordedErrors) -> Iterator[OpRunner]:
    runner = OpRunner(world.db, error_handler=ui_errors)
    try:
        yield runner
    finally:
        assert runner.shutdown(), "operations still running after the test"


def write_gbk(path: Path, rows: tuple[tuple[str, ...], ...] = ROWS) -> Path:
    """A CSV as Chinese Excel saves it: GBK, no BOM, CRLF."""
    lines = [",".join(HEADERS), *(",".join(r) for r in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


class PendingTranslator(QTranslator):
    """The wizard's zh_CN strings from resources/i18n/pending/wizard.json (until the lead merges
    them into the catalogue)."""

    def __init__(self, table: dict[tuple[str, str], str]) -> None:
        super().__init__()
        self.table = table

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        return self.table.get((context, source))

    def isEmpty(self) -> bool:
        return False


@pytest.fixture(params=["en", "zh_CN"])
def language(request: pytest.FixtureRequest, ui_translations: Translations) -> Iterator[str]:
    language = str(request.param)
    translator: PendingTranslator | None = None
    ui_translations.apply(language)
    if language == "zh_CN" and PENDING.exists():
        data = json.loads(PENDING.read_text(encoding="utf-8"))
        translator = PendingTranslator(
            {(ctx, src): text for ctx, strings in data.items() for src, text in strings.items()}
        )
        QCoreApplication.installTranslator(translator)
    try:
        yield language
    finally:
        if translator is not None:
            QCoreApplication.removeTranslator(translator)


class Pictures:
    """Saves each page as the user sees it."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self.saved: list[Path] = []

    def __call__(self, wizard: ImportWizard, name: str) -> None:
        QApplication.processEvents()
        path = self.folder / f"import-wizard-{self.prefix}-{len(self.saved) + 1}-{name}.png"
        assert wizard.grab().save(str(path))
        self.saved.append(path)


@pytest.fixture
def pictures(qapp: QApplication, tmp_path: Path, language: str) -> Iterator[Pictures]:
    """Pictures with the app's own style sheet, as users see the wizard."""
    folder = Path(os.environ.get("IMPORT_WIZARD_PNG_DIR") or tmp_path / "png")
    folder.mkdir(parents=True, exist_ok=True)
    before = qapp.styleSheet()
    apply_style(qapp)
    try:
        yield Pictures(folder, language)
    finally:
        qapp.setStyleSheet(before)


def open_wizard(qtbot: QtBot, runner: OpRunner, world: World) -> ImportWizard:
    wizard = ImportWizard(world.admin, runner)
    qtbot.addWidget(wizard)
    wizard.resize(920, 660)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def click_next(wizard: ImportWizard) -> None:
    button = wizard.button(
        QWizard.WizardButton.CommitButton
        if wizard.currentPage().isCommitPage()
        else QWizard.WizardButton.NextButton
    )
    assert button.isEnabled()
    button.click()


def load_file(qtbot: QtBot, wizard: ImportWizard, path: Path) -> None:
    wizard.choose_file = lambda: path
    with qtbot.waitSignal(wizard.sig_source_loaded, timeout=WAIT):
        wizard.file_page.choose_button.click()


def customers(world: World) -> dict[str, Customer]:
    with world.db.read_session_factory() as s:
        found = s.scalars(select(Customer).where(Customer.deleted_at.is_(None))).all()
        s.expunge_all()
    return {c.name: c for c in found}


def contacts_of(world: World, name: str) -> set[tuple[str, str, str | None]]:
    with world.db.read_session_factory() as s:
        rows = s.execute(
            select(Contact.name, Contact.mobile, Contact.email)
            .join(Customer, Customer.id == Contact.customer_id)
            .where(Customer.name == name, Contact.deleted_at.is_(None))
        ).all()
    # Mobiles are stored formatted ("138 0013 8001"): compare the digits.
    return {(n, "".join(ch for ch in m or "" if ch.isdigit()), e) for n, m, e in rows}


def count_customers(world: World) -> int:
    with world.db.read_session_factory() as s:
        return int(s.scalar(select(func.count()).select_from(Customer)) or 0)


def test_a_gbk_file_is_imported_checked_and_undone(
    qtbot: QtBot,
    runner: OpRunner,
    world: World,
    ui_errors: RecordedErrors,
    tmp_path: Path,
    language: str,
    pictures: Pictures,
) -> None:
    world.new_customer(world.admin, name=EXISTING)
    path = write_gbk(tmp_path / "客户名单.csv")
    wizard = open_wizard(qtbot, runner, world)
    assert wizard.currentId() == 0
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    pictures(wizard, "file-empty")

    load_file(qtbot, wizard, path)
    assert "CSV" in wizard.file_page.info_label.text()
    assert "GB18030" in wizard.file_page.info_label.text()
    pictures(wizard, "file")

    # Preview: the Chinese names decoded, and a warning that the encoding is a guess.
    click_next(wizard)
    assert wizard.currentId() == PAGE_PREVIEW
    preview = wizard.preview_page
    table = preview.table
    assert [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())] == list(
        HEADERS
    )
    assert table.rowCount() == len(ROWS)
    assert table.item(0, 0).text() == "上海明远贸易有限公司"
    assert table.item(1, 1).text() == "王磊"
    assert table.verticalHeaderItem(0).text() == "2"  # the spreadsheet's row number
    assert preview.warning_label.isVisible()
    assert "GB18030" in preview.warning_label.text()
    assert preview.encoding_combo.isVisible() and preview.delimiter_combo.isVisible()
    assert not preview.sheet_combo.isVisible()
    assert preview.delimiter_combo.currentData() == ","
    pictures(wizard, "preview")

    # Mapping: guessed from the Chinese headers; Next needs the customer name.
    click_next(wizard)
    assert wizard.currentId() == PAGE_MAPPING
    mapping = wizard.mapping_page
    assert mapping.mapping() == GUESSED
    assert mapping.table.item(1, 1).text().startswith("张伟")
    pictures(wizard, "mapping")
    mapping.set_target(0, "")
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    mapping.set_target(0, "customer.name")
    mapping.set_target(1, "customer.name")  # each field once: column 0 lets go
    assert 0 not in mapping.mapping()
    mapping.set_target(0, "customer.name")
    mapping.set_target(1, "contact.name")
    assert mapping.mapping() == GUESSED

    # Next analyses the file, then shows the unknown values.
    with qtbot.waitSignal(wizard.sig_analysed, timeout=WAIT) as analysed:
        click_next(wizard)
    plan = analysed.args[0]
    assert plan.source_rows == len(ROWS)
    assert plan.duplicates_in_db == 1
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_VALUES, timeout=WAIT)
    values = wizard.values_page
    unknown = {(kind, choice.text) for kind, choice, _combo in values.rows}
    assert ("region", "火星") in unknown
    values.choose("region", "火星", f"id:{world.regions['上海']}")
    pictures(wizard, "values")

    # Duplicates: counts from the analysis; skip them.
    click_next(wizard)
    assert wizard.currentId() == PAGE_DUPLICATES
    dup = wizard.duplicates_page
    assert dup.rows_tile.value_label.text() == "4"
    assert dup.in_db_tile.value_label.text() == "1"
    assert dup.policy() == "skip"
    dup.set_policy("skip")
    pictures(wizard, "duplicates")

    # Import: one operation; the wizard moves on to the result by itself.
    with qtbot.waitSignal(wizard.sig_imported, timeout=WAIT) as imported:
        click_next(wizard)
        assert wizard.currentId() == PAGE_RUN
        pictures(wizard, "run")
    result = imported.args[0]
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_RESULT, timeout=WAIT)
    # Counted in rows: the second row of 明远 adds a contact to the customer it created.
    assert (result.created, result.updated, result.skipped) == (3, 0, 1)
    assert result.batch_id is not None
    page = wizard.result_page
    assert page.created_tile.value_label.text() == "3"
    assert page.skipped_tile.value_label.text() == "1"
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    assert not wizard.button(QWizard.WizardButton.CancelButton).isVisible()
    assert page.undo_button.isEnabled()
    pictures(wizard, "result")

    found = customers(world)
    assert {"上海明远贸易有限公司", "杭州新辰科技有限公司", EXISTING} <= set(found)
    assert found["杭州新辰科技有限公司"].region_id == world.regions["上海"]
    assert found["上海明远贸易有限公司"].grade_id == world.grades["A"]
    assert contacts_of(world, "上海明远贸易有限公司") == {
        ("张伟", "13800138001", "zhangwei@mingyuan.cn"),
        ("刘洋", "13600136004", "liuyang@mingyuan.cn"),
    }
    assert contacts_of(world, "杭州新辰科技有限公司") == {
        ("王磊", "13900139002", "wanglei@xinchen.com")
    }
    assert contacts_of(world, EXISTING) == set()  # skipped: the existing customer untouched

    # Undo, after a confirmation.
    questions: list[str] = []
    wizard.confirm = lambda _title, question: questions.append(question) is None
    with qtbot.waitSignal(wizard.sig_undone, timeout=WAIT):
        page.undo_button.click()
    assert questions and "客户名单.csv" in questions[0]
    assert not page.undo_button.isEnabled()
    assert page.undo_label.isVisible()
    pictures(wizard, "undone")
    found = customers(world)
    assert "上海明远贸易有限公司" not in found and "杭州新辰科技有限公司" not in found
    assert EXISTING in found
    with world.db.read_session_factory() as s:
        assert s.scalar(select(ImportBatch.status).where(ImportBatch.id == result.batch_id)) == (
            "undone"
        )
    assert ui_errors.shown == []
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert not wizard.isVisible()


def test_cancel_during_the_run_imports_nothing(
    qtbot: QtBot, runner: OpRunner, world: World, ui_errors: RecordedErrors, tmp_path: Path
) -> None:
    rows = tuple(
        (f"批量客户{i:05d}有限公司", f"联系人{i}", f"139{i:08d}", f"c{i}@example.cn", "", "", "")
        for i in range(3000)
    )
    path = write_gbk(tmp_path / "大文件.csv", rows)
    before = count_customers(world)
    wizard = open_wizard(qtbot, runner, world)
    load_file(qtbot, wizard, path)
    click_next(wizard)  # the preview
    click_next(wizard)  # the mapping
    with qtbot.waitSignal(wizard.sig_analysed, timeout=WAIT):
        click_next(wizard)
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_DUPLICATES, timeout=WAIT)

    with qtbot.waitSignal(wizard.sig_import_stopped, timeout=WAIT) as stopped:
        click_next(wizard)
        assert wizard.currentId() == PAGE_RUN
        assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
        wizard.run_page.cancel_button.click()
    assert isinstance(stopped.args[0], OperationCancelled)
    assert count_customers(world) == before
    assert wizard.import_result is None
    assert wizard.currentId() == PAGE_RUN
    assert wizard.run_page.status_label.text() == "Cancelled. Nothing was imported."
    assert wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    assert ui_errors.shown == []
    # Esc now closes the wizard.
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert not wizard.isVisible()


def test_another_encoding_re_reads_the_preview(
    qtbot: QtBot, runner: OpRunner, world: World, tmp_path: Path
) -> None:
    path = write_gbk(tmp_path / "客户.csv")
    wizard = open_wizard(qtbot, runner, world)
    load_file(qtbot, wizard, path)
    click_next(wizard)
    preview = wizard.preview_page
    combo = preview.encoding_combo
    assert combo.currentData() == "gb18030"
    assert {"utf-8", "big5"} <= {combo.itemData(i) for i in range(combo.count())}

    def choose(encoding: str) -> None:
        index = combo.findData(encoding)
        combo.setCurrentIndex(index)
        combo.activated.emit(index)

    # GBK bytes are not UTF-8: the reader says so, the rows go, Next is off.
    with qtbot.waitSignal(wizard.sig_source_failed, timeout=WAIT):
        choose("utf-8")
    assert preview.error.isVisible() and preview.error.text()
    assert preview.table.rowCount() == 0
    assert combo.isVisible() and combo.currentData() == "utf-8"
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()

    # Big5 reads the same bytes as other characters (or refuses): never the right names.
    outcomes: list[str] = []
    wizard.sig_source_loaded.connect(lambda: outcomes.append("loaded"))
    wizard.sig_source_failed.connect(lambda _message: outcomes.append("failed"))
    choose("big5")
    qtbot.waitUntil(lambda: bool(outcomes), timeout=WAIT)
    if outcomes[0] == "loaded":
        assert preview.table.item(0, 0).text() != "上海明远贸易有限公司"

    with qtbot.waitSignal(wizard.sig_source_loaded, timeout=WAIT):
        choose("gb18030")
    assert preview.table.item(0, 0).text() == "上海明远贸易有限公司"
    assert preview.table.horizontalHeaderItem(0).text() == "客户名称"
    assert not preview.warning_label.isVisible()  # chosen, no longer a guess
    assert "GB18030" in preview.note_label.text()
    assert not preview.error.isVisible()
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_an_unreadable_file_says_why_on_the_first_page(
    qtbot: QtBot, runner: OpRunner, world: World, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    wizard = open_wizard(qtbot, runner, world)
    with qtbot.waitSignal(wizard.sig_source_failed, timeout=WAIT):
        wizard.set_path(empty)
    assert wizard.file_page.error.isVisible()
    assert "empty" in wizard.file_page.error.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    # Esc before the run closes the wizard.
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert not wizard.isVisible()


def test_the_file_menu_opens_the_wizard_and_the_history(
    qtbot: QtBot, runner: OpRunner, world: World, tmp_path: Path, ui_translations: Translations
) -> None:
    from crm_desktop.core.settings import Settings
    from crm_desktop.ui.app import build_main_window

    window = build_main_window(
        world.db, world.admin, Settings(), runner=runner, translations=ui_translations
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    action = window.import_action
    assert action.shortcut().toString() == "Ctrl+I"
    assert action in window.file_menu.actions()
    assert action.text() == "&Import customers…"
    action.trigger()
    wizards = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, ImportWizard) and w.isVisible()
    ]
    assert len(wizards) == 1
    wizards[0].reject()

    # A dropped file (what the customers page will pass) is read at once.
    path = write_gbk(tmp_path / "dropped.csv")
    wizard = window.open_import(path)
    assert isinstance(wizard, ImportWizard)
    qtbot.waitUntil(lambda: wizard.preview is not None, timeout=WAIT)
    assert wizard.file_page.path_edit.text() == str(path)
    wizard.reject()

    window.import_history_action.trigger()
    history = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, ImportHistoryDialog) and w.isVisible()
    ]
    assert len(history) == 1
    qtbot.waitUntil(lambda: not runner.active_count, timeout=WAIT)
    history[0].reject()


def test_the_import_history_lists_imports_and_undoes_one(
    qtbot: QtBot,
    runner: OpRunner,
    world: World,
    ui_errors: RecordedErrors,
    tmp_path: Path,
    pictures: Pictures,
) -> None:
    from crm_desktop.importers.source import open_source
    from crm_desktop.services.customer_import import ImportOptions, ValueChoice, run_import

    source = open_source(write_gbk(tmp_path / "历史.csv"))
    mars = ValueChoice("火星", 1, world.regions["上海"])
    with world.db.session_factory.begin() as s:
        result = run_import(
            s, source, ImportOptions(GUESSED, values={"region": {"火星": mars}}), world.admin
        )
    assert "杭州新辰科技有限公司" in customers(world)

    dialog = ImportHistoryDialog(world.admin, runner)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_loaded, timeout=WAIT):
        dialog.show()
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 1).text() == "历史.csv"
    assert dialog.table.item(0, 3).text() == str(result.created)
    assert not dialog.undo_button.isEnabled()
    dialog.table.selectRow(0)
    assert dialog.undo_button.isEnabled()
    QApplication.processEvents()
    assert dialog.grab().save(str(pictures.folder / f"import-history-{pictures.prefix}.png"))
    dialog.confirm = lambda _title, _question: True
    with qtbot.waitSignal(dialog.sig_undone, timeout=WAIT):
        dialog.undo_button.click()
    qtbot.waitUntil(lambda: not runner.active_count, timeout=WAIT)
    assert "杭州新辰科技有限公司" not in customers(world)
    assert dialog.table.item(0, 5).text() in ("undone", "已撤销")
    assert ui_errors.shown == []


# --------------------------------------------------------------------------- Excel and vCard

XLSX_HEADERS = ("客户名称", "联系人", "手机", "生日", "等级", "注册资本")
XLSX_GUESSED = {
    0: "customer.name",
    1: "contact.name",
    2: "contact.mobile",
    3: "contact.birthday",
    4: "customer.grade",
}


def write_xlsx(path: Path, *, empty_first_sheet: bool = False) -> Path:
    """A workbook as an office keeps it: a notes sheet first, the customers on the second
    sheet under a title row; mobiles typed as numbers, birthdays as dates."""
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "说明"
    if not empty_first_sheet:
        notes.append(["导出说明", "销售部"])
        notes.append(["请勿修改本表", "2024年"])
    sheet = book.create_sheet("客户名单")
    sheet.append(["2024年重点客户名单"])
    sheet.append(list(XLSX_HEADERS))
    sheet.append(["深圳华强电子有限公司", "李明", 13800138000, date(1985, 3, 12), "A", 500])
    sheet.append(["杭州西湖茶业有限公司", "陈静", 13900139000, date(1990, 11, 2), "B", 1200.5])
    sheet.append(["深圳华强电子有限公司", "周芳", 13700137000, None, "A", 500])
    book.save(path)
    return path


def contact_rows(world: World, name: str) -> dict[str, ContactRow]:
    """The customer's live contacts as the customer service returns them, by name."""
    ids = [c.id for c in customers(world).values() if c.name == name]
    assert len(ids) == 1, f"{name}: {len(ids)} customers"
    with world.db.read_session_factory() as s:
        detail = get_customer(s, ids[0], world.admin)
    return {c.name: c for c in detail.contacts}


def digits(text: str | None) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit())


def run_to_result(qtbot: QtBot, wizard: ImportWizard) -> ImportResult:
    """From the mapping page: analyse, (values), duplicates, import; returns the result."""
    with qtbot.waitSignal(wizard.sig_analysed, timeout=WAIT):
        click_next(wizard)
    qtbot.waitUntil(lambda: wizard.currentId() in (PAGE_VALUES, PAGE_DUPLICATES), timeout=WAIT)
    if wizard.currentId() == PAGE_VALUES:
        click_next(wizard)
    assert wizard.currentId() == PAGE_DUPLICATES
    with qtbot.waitSignal(wizard.sig_imported, timeout=WAIT) as imported:
        click_next(wizard)
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_RESULT, timeout=WAIT)
    result: ImportResult = imported.args[0]
    return result


def test_an_excel_workbook_is_read_from_its_second_sheet_and_imported(
    qtbot: QtBot, runner: OpRunner, world: World, ui_errors: RecordedErrors, tmp_path: Path
) -> None:
    before = set(customers(world))
    path = write_xlsx(tmp_path / "重点客户.xlsx")
    wizard = open_wizard(qtbot, runner, world)
    load_file(qtbot, wizard, path)
    info = wizard.file_page.info_label.text()
    assert "Excel workbook" in info and "说明" in info  # the first sheet, as the reader opens it

    click_next(wizard)
    preview = wizard.preview_page
    assert preview.sheet_combo.isVisible() and not preview.encoding_combo.isVisible()
    combo = preview.sheet_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["说明", "客户名单"]
    assert combo.currentText() == "说明"
    index = combo.findData("客户名单")
    with qtbot.waitSignal(wizard.sig_source_loaded, timeout=WAIT):
        combo.setCurrentIndex(index)
        combo.activated.emit(index)
    assert combo.currentText() == "客户名单"
    table = preview.table
    assert [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())] == list(
        XLSX_HEADERS
    )
    assert table.rowCount() == 3
    # Decoded as typed: the title row skipped, the row numbers as in Excel, a mobile typed as
    # a number without ".0", a date as a date, a decimal as it is.
    assert [table.verticalHeaderItem(r).text() for r in range(3)] == ["3", "4", "5"]
    assert table.item(0, 0).text() == "深圳华强电子有限公司"
    assert table.item(0, 2).text() == "13800138000"
    assert table.item(0, 3).text() == "1985-03-12"
    assert table.item(1, 5).text() == "1200.5"
    assert (table.item(2, 3) is None) or table.item(2, 3).text() == ""
    assert "客户名单" in wizard.file_page.info_label.text()

    click_next(wizard)
    mapping = wizard.mapping_page
    assert mapping.mapping() == XLSX_GUESSED
    assert mapping.table.item(2, 1).text().startswith("13800138000")

    result = run_to_result(qtbot, wizard)
    assert (result.rows, result.created, result.skipped) == (3, 3, 0)
    assert result.encoding is None
    assert set(customers(world)) - before == {"深圳华强电子有限公司", "杭州西湖茶业有限公司"}
    huaqiang = contact_rows(world, "深圳华强电子有限公司")
    assert set(huaqiang) == {"李明", "周芳"}
    assert digits(huaqiang["李明"].mobile) == "13800138000"
    assert huaqiang["李明"].birthday == date(1985, 3, 12)
    assert huaqiang["周芳"].birthday is None
    xihu = contact_rows(world, "杭州西湖茶业有限公司")
    assert set(xihu) == {"陈静"}
    assert digits(xihu["陈静"].mobile) == "13900139000"
    assert xihu["陈静"].birthday == date(1990, 11, 2)
    assert customers(world)["杭州西湖茶业有限公司"].grade_id == world.grades["B"]
    assert ui_errors.shown == []


def test_a_workbook_with_an_empty_first_sheet_opens_on_the_sheet_with_the_table(
    qtbot: QtBot, runner: OpRunner, world: World, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "Book1.xlsx", empty_first_sheet=True)
    wizard = open_wizard(qtbot, runner, world)
    load_file(qtbot, wizard, path)
    assert not wizard.file_page.error.isVisible()
    assert "客户名单" in wizard.file_page.info_label.text()
    click_next(wizard)
    preview = wizard.preview_page
    assert preview.sheet_combo.currentText() == "客户名单"
    assert preview.table.item(1, 0).text() == "杭州西湖茶业有限公司"
    # The empty sheet chosen by hand: the reader's message, the sheet choice stays.
    index = preview.sheet_combo.findData("说明")
    with qtbot.waitSignal(wizard.sig_source_failed, timeout=WAIT):
        preview.sheet_combo.setCurrentIndex(index)
        preview.sheet_combo.activated.emit(index)
    assert "empty" in preview.error.text()
    assert preview.sheet_combo.isVisible()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    index = preview.sheet_combo.findData("客户名单")
    with qtbot.waitSignal(wizard.sig_source_loaded, timeout=WAIT):
        preview.sheet_combo.setCurrentIndex(index)
        preview.sheet_combo.activated.emit(index)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


VCARDS = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:王;小明;;;\r\n"
    "FN:王小明\r\n"
    "ORG:深圳华强电子有限公司;采购部\r\n"
    "TITLE:采购经理\r\n"
    "TEL;TYPE=CELL:138 0013 8001\r\n"
    "TEL;TYPE=WORK,VOICE:0755-83210001\r\n"
    "EMAIL;TYPE=INTERNET:wangxm@huaqiang.cn\r\n"
    "ADR;TYPE=WORK:;;华强北路1号;深圳;广东;518000;中国\r\n"
    "BDAY:1988-06-01\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "FN:陈静\r\n"
    "N:陈;静;;;\r\n"
    "ORG:杭州西湖茶业有限公司\r\n"
    "TEL;TYPE=cell;VALUE=uri:tel:+86-139-0013-9002\r\n"
    "EMAIL:chenjing@xihutea.cn\r\n"
    "NOTE:展会认识\r\n"
    "END:VCARD\r\n"
)


def test_a_vcard_file_becomes_customers_and_contacts(
    qtbot: QtBot, runner: OpRunner, world: World, ui_errors: RecordedErrors, tmp_path: Path
) -> None:
    before = set(customers(world))
    path = tmp_path / "通讯录.vcf"
    path.write_bytes(VCARDS.encode("utf-8"))
    wizard = open_wizard(qtbot, runner, world)
    load_file(qtbot, wizard, path)
    assert "vCard" in wizard.file_page.info_label.text()

    click_next(wizard)
    preview = wizard.preview_page
    assert not preview.sheet_combo.isVisible() and not preview.delimiter_combo.isVisible()
    table = preview.table
    assert table.rowCount() == 2
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    # A vCard has no header row: the columns are named as the fields they hold.
    assert headers[:3] == ["Customer name", "Contact name", "Contact title"]
    assert table.item(0, 0).text() == "深圳华强电子有限公司"
    assert table.item(0, 1).text() == "王小明"
    assert table.item(1, 0).text() == "杭州西湖茶业有限公司"
    assert table.item(1, 1).text() == "陈静"

    click_next(wizard)
    mapping = wizard.mapping_page
    assert mapping.mapping() == dict(enumerate(VCARD_HEADERS))
    assert mapping.table.item(0, 0).text() == "Customer name"

    result = run_to_result(qtbot, wizard)
    assert (result.rows, result.created, result.skipped) == (2, 2, 0)
    assert set(customers(world)) - before == {"深圳华强电子有限公司", "杭州西湖茶业有限公司"}
    huaqiang = contact_rows(world, "深圳华强电子有限公司")
    assert set(huaqiang) == {"王小明"}
    wang = huaqiang["王小明"]
    assert digits(wang.mobile) == "13800138001"
    assert wang.email == "wangxm@huaqiang.cn"
    assert wang.title == "采购经理" and wang.department == "采购部"
    assert wang.birthday == date(1988, 6, 1)
    address = customers(world)["深圳华强电子有限公司"].address or ""
    assert "华强北路1号" in address
    xihu = contact_rows(world, "杭州西湖茶业有限公司")
    assert set(xihu) == {"陈静"}
    assert digits(xihu["陈静"].mobile).endswith("13900139002")
    assert xihu["陈静"].email == "chenjing@xihutea.cn"
    assert "展会认识" in (xihu["陈静"].notes or "")
    assert ui_errors.shown == []


# --------------------------------------------------------------------------- remembered mapping


def test_a_mapping_is_remembered_across_a_restart_of_the_app(
    qtbot: QtBot, runner: OpRunner, world: World, tmp_path: Path, ui_translations: Translations
) -> None:
    from crm_desktop.core.settings import load_settings, settings_path
    from crm_desktop.ui.app import build_main_window

    # A layout whose guess the user corrects.
    headers = ("名称", "姓名", "电话", "备注")
    rows = [("成都天府软件有限公司", "刘强", "13512345678", "老客户介绍")]
    path = tmp_path / "layout.csv"
    path.write_text("\n".join(",".join(r) for r in (headers, *rows)) + "\n", encoding="utf-8")
    settings = load_settings()
    window = build_main_window(
        world.db, world.admin, settings, runner=runner, translations=ui_translations
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wizard = window.open_import(path)
    assert isinstance(wizard, ImportWizard)
    assert wizard.settings is settings  # the window's own, not a copy of the file
    qtbot.waitUntil(lambda: wizard.preview is not None, timeout=WAIT)
    click_next(wizard)
    click_next(wizard)
    mapping = wizard.mapping_page
    chosen = {0: "customer.name", 1: "contact.name", 2: "contact.mobile", 3: "contact.notes"}
    assert mapping.mapping() != chosen  # the guess: 电话 a phone, 备注 the customer's notes
    for column in range(4):
        mapping.set_target(column, "")
    for column, field in chosen.items():
        mapping.set_target(column, field)
    assert mapping.mapping() == chosen
    result = run_to_result(qtbot, wizard)
    assert result.created == 1
    wizard.button(QWizard.WizardButton.FinishButton).click()
    # The window closes later and saves ITS settings: the mapping must survive that.
    qtbot.waitUntil(lambda: not runner.active_count, timeout=WAIT)
    window.close()
    assert settings_path().exists()

    # "Restart": a new Settings from the file, a new window, the same layout again.
    restarted = load_settings()
    assert restarted is not settings
    second = OpRunner(world.db, error_handler=lambda _p, exc: None)
    try:
        window2 = build_main_window(
            world.db, world.admin, restarted, runner=second, translations=ui_translations
        )
        qtbot.addWidget(window2)
        window2.show()
        qtbot.waitExposed(window2)
        again = tmp_path / "layout-2.csv"
        again.write_text(
            ",".join(headers) + "\n" + "绵阳九洲电器有限公司,赵敏,13612345678,\n",
            encoding="utf-8",
        )
        wizard2 = window2.open_import(again)
        assert isinstance(wizard2, ImportWizard)
        qtbot.waitUntil(lambda: wizard2.preview is not None, timeout=WAIT)
        assert wizard2.preview is not None and wizard2.preview.remembered
        click_next(wizard2)
        click_next(wizard2)
        assert wizard2.mapping_page.mapping() == chosen
        assert "Remembered" in wizard2.mapping_page.note_label.text()
        wizard2.reject()
        window2.close()
    finally:
        assert second.shutdown()
