"""The first-run wizard, driven like a user: type, click Next, click Create."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QPushButton, QWizard
from pytestqt.qtbot import QtBot

from crm_desktop.core.errors import OperationCancelled
from crm_desktop.core.settings import Settings, load_settings
from crm_desktop.services.company import company_info
from crm_desktop.services.database import Database
from crm_desktop.services.stats import database_counts
from crm_desktop.services.users import authenticate
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.wizard import FirstRunWizard

from .conftest import ADMIN_LOGIN, ADMIN_NAME, ADMIN_PASSWORD, COMPANY, RecordedErrors

Button = QWizard.WizardButton


def open_wizard(
    qtbot: QtBot,
    runner: OpRunner,
    settings: Settings,
    translations: Translations,
    db: Database,
) -> FirstRunWizard:
    wizard = FirstRunWizard(
        runner=runner, settings=settings, translations=translations, database_label=db.label
    )
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def click(qtbot: QtBot, wizard: FirstRunWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isVisible() and button.isEnabled(), f"{which} cannot be clicked"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def fill_company(qtbot: QtBot, wizard: FirstRunWizard) -> None:
    qtbot.keyClicks(wizard.company_page.name_edit, COMPANY)
    click(qtbot, wizard, Button.NextButton)
    assert wizard.currentId() == wizard.admin_page_id


def fill_admin(
    qtbot: QtBot, wizard: FirstRunWizard, password: str, repeat: str | None = None
) -> None:
    page = wizard.admin_page
    for edit, text in (
        (page.login_edit, ADMIN_LOGIN),
        (page.name_edit, ADMIN_NAME),
        (page.password_edit, password),
        (page.repeat_edit, password if repeat is None else repeat),
    ):
        edit.clear()
        qtbot.keyClicks(edit, text)


def tick(qtbot: QtBot, box: QCheckBox) -> None:
    """Click a check box on its indicator, as a user would."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def is_initialized(db: Database) -> bool:
    with db.session_factory() as session:
        return company_info(session).initialized


def test_the_company_name_is_required(
    qtbot: QtBot,
    ui_runner: OpRunner,
    ui_settings: Settings,
    ui_translations: Translations,
    ui_db: Database,
) -> None:
    wizard = open_wizard(qtbot, ui_runner, ui_settings, ui_translations, ui_db)
    click(qtbot, wizard, Button.NextButton)
    assert wizard.currentId() == wizard.company_page_id
    assert wizard.company_page.name_error.isVisible()
    assert wizard.company_page.name_error.text() == "Enter the name of your company."


def test_a_bad_password_is_shown_beside_the_field_and_blocks_finishing(
    qtbot: QtBot,
    ui_runner: OpRunner,
    ui_settings: Settings,
    ui_translations: Translations,
    ui_db: Database,
) -> None:
    wizard = open_wizard(qtbot, ui_runner, ui_settings, ui_translations, ui_db)
    fill_company(qtbot, wizard)
    page = wizard.admin_page

    fill_admin(qtbot, wizard, "short")
    click(qtbot, wizard, Button.NextButton)
    assert wizard.currentId() == wizard.admin_page_id
    assert page.errors["password"].isVisible()
    assert page.errors["password"].text() == "Use at least 8 characters."
    assert not page.errors["login"].isVisible()

    fill_admin(qtbot, wizard, "long enough 1", repeat="long enough 2")
    assert not page.errors["password"].isVisible()  # typing clears the old message
    click(qtbot, wizard, Button.NextButton)
    assert wizard.currentId() == wizard.admin_page_id
    assert page.errors["repeat"].text() == "The two passwords differ."
    assert not wizard.button(Button.FinishButton).isVisible()
    assert not is_initialized(ui_db)


def test_a_bad_login_is_shown_beside_the_field(
    qtbot: QtBot,
    ui_runner: OpRunner,
    ui_settings: Settings,
    ui_translations: Translations,
    ui_db: Database,
) -> None:
    wizard = open_wizard(qtbot, ui_runner, ui_settings, ui_translations, ui_db)
    fill_company(qtbot, wizard)
    fill_admin(qtbot, wizard, ADMIN_PASSWORD)
    wizard.admin_page.login_edit.clear()
    qtbot.keyClicks(wizard.admin_page.login_edit, "9 lives")
    click(qtbot, wizard, Button.NextButton)
    assert wizard.currentId() == wizard.admin_page_id
    assert "starting with a letter" in wizard.admin_page.errors["login"].text()


def test_finishing_creates_the_company_and_its_administrator(
    qtbot: QtBot,
    ui_runner: OpRunner,
    ui_settings: Settings,
    ui_translations: Translations,
    ui_db: Database,
    ui_errors: RecordedErrors,
) -> None:
    wizard = open_wizard(qtbot, ui_runner, ui_settings, ui_translations, ui_db)
    fill_company(qtbot, wizard)
    fill_admin(qtbot, wizard, ADMIN_PASSWORD)
    click(qtbot, wizard, Button.NextButton)
    assert wizard.currentId() == wizard.demo_page_id
    assert wizard.button(Button.FinishButton).text() == "&Create database"
    with qtbot.waitSignal(wizard.sig_company_created, timeout=20_000) as created:
        click(qtbot, wizard, Button.FinishButton)

    assert created.args[0].login == ADMIN_LOGIN
    assert wizard.result() == QDialog.DialogCode.Accepted and not wizard.isVisible()
    assert ui_errors.shown == []
    with ui_db.session_factory.begin() as session:
        info = company_info(session)
        assert info.initialized and info.name == COMPANY
        actor = authenticate(session, ADMIN_LOGIN, ADMIN_PASSWORD)
        assert actor.role == "admin" and actor.display_name == ADMIN_NAME
        assert database_counts(session).customers == 0
    saved = load_settings()
    assert saved.language == "en" and saved.last_login == ADMIN_LOGIN


def test_finishing_with_demo_data_adds_customers(
    qtbot: QtBot,
    ui_runner: OpRunner,
    ui_settings: Settings,
    ui_translations: Translations,
    ui_db: Database,
) -> None:
    wizard = open_wizard(qtbot, ui_runner, ui_settings, ui_translations, ui_db)
    fill_company(qtbot, wizard)
    fill_admin(qtbot, wizard, ADMIN_PASSWORD)
    click(qtbot, wizard, Button.NextButton)
    page = wizard.demo_page
    assert not page.count_spin.isEnabled()
    tick(qtbot, page.demo_check)
    assert page.demo_check.isChecked() and page.count_spin.isEnabled()
    assert page.count_spin.value() == 1000  # the default
    page.count_spin.lineEdit().selectAll()
    qtbot.keyClicks(page.count_spin, "50")
    assert page.count_spin.value() == 50
    with qtbot.waitSignal(wizard.sig_company_created, timeout=60_000):
        click(qtbot, wizard, Button.FinishButton)

    with ui_db.session_factory() as session:
        counts = database_counts(session)
        assert company_info(session).initialized
    assert counts.customers == 50
    assert counts.contacts > 0 and counts.followups > 0


def test_cancelling_the_demo_data_leaves_nothing_behind(
    qtbot: QtBot,
    ui_runner: OpRunner,
    ui_settings: Settings,
    ui_translations: Translations,
    ui_db: Database,
    ui_errors: RecordedErrors,
) -> None:
    wizard = open_wizard(qtbot, ui_runner, ui_settings, ui_translations, ui_db)
    fill_company(qtbot, wizard)
    fill_admin(qtbot, wizard, ADMIN_PASSWORD)
    click(qtbot, wizard, Button.NextButton)
    tick(qtbot, wizard.demo_page.demo_check)
    wizard.demo_page.count_spin.setValue(50_000)
    click(qtbot, wizard, Button.FinishButton)
    assert wizard.op is not None
    op = wizard.op
    assert not wizard.button(Button.FinishButton).isEnabled()  # no second click while it runs
    qtbot.waitUntil(lambda: op.progress_dialog is not None, timeout=10_000)
    assert op.progress_dialog is not None
    cancel = op.progress_dialog.findChild(QPushButton)
    assert cancel is not None
    with qtbot.waitSignal(op.sig_finished, timeout=60_000):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)

    assert isinstance(op.error, OperationCancelled)
    assert wizard.isVisible() and wizard.currentId() == wizard.demo_page_id
    assert wizard.demo_page.error.isVisible()
    assert "Nothing was saved" in wizard.demo_page.error.text()
    assert wizard.button(Button.FinishButton).isEnabled()
    assert ui_errors.shown == []
    assert not is_initialized(ui_db)
    with ui_db.session_factory() as session:
        assert database_counts(session).customers == 0


def test_choosing_chinese_switches_the_wizard_at_once(
    qtbot: QtBot,
    ui_runner: OpRunner,
    ui_settings: Settings,
    ui_translations: Translations,
    ui_db: Database,
) -> None:
    wizard = open_wizard(qtbot, ui_runner, ui_settings, ui_translations, ui_db)
    combo = wizard.company_page.language_combo
    combo.setCurrentIndex(combo.findText("简体中文"))
    qtbot.waitUntil(lambda: wizard.company_page.title() == "欢迎使用 crm-desktop")
    assert wizard.button(Button.NextButton).text() == "下一步(&N) >"
    assert wizard.company_page.name_label.text() == "公司名称："
    assert ui_translations.language == "zh_CN"
