"""First run: name the company, pick the language, create the first administrator and, if wanted,
fill the database with demo data — all in one operation, so a cancel leaves nothing behind."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QLocale, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from crm_desktop.core.errors import OperationCancelled, UserError, ValidationError
from crm_desktop.core.settings import Settings, save_settings
from crm_desktop.services.context import Actor
from crm_desktop.ui.i18n import LANGUAGES, Translations
from crm_desktop.ui.icons import app_pixmap
from crm_desktop.ui.widgets import ErrorLabel, with_error

if TYPE_CHECKING:
    from crm_desktop.ui.ops import Op, OpRunner

log = logging.getLogger(__name__)

DEFAULT_DEMO_CUSTOMERS = 1000
MAX_DEMO_CUSTOMERS = 1_000_000
_ADMIN_FIELDS = ("login", "display_name", "password")


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setHorizontalSpacing(16)
    form.setVerticalSpacing(10)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return form


class CompanyPage(QWizardPage):
    """Company name and UI language; the language switches the wizard at once."""

    sig_language_selected = Signal(str)
    """The user picked a language in the combo box; carries its code."""

    def __init__(self, database_label: str, current_language: str, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        form = _form()
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(200)
        self.name_error = ErrorLabel(self)
        self.name_edit.textEdited.connect(self._on_name_edit_text_edited)
        self.name_label = QLabel(self)
        form.addRow(self.name_label, with_error(self.name_edit, self.name_error))
        self.language_combo = QComboBox(self)
        for code, name in LANGUAGES:
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(current_language)))
        self.language_combo.currentIndexChanged.connect(
            self._on_language_combo_current_index_changed
        )
        self.language_label = QLabel(self)
        form.addRow(self.language_label, self.language_combo)
        layout.addLayout(form)
        layout.addSpacing(8)
        self.steps_note = QLabel(self)
        self.steps_note.setWordWrap(True)
        layout.addWidget(self.steps_note)
        layout.addStretch(1)
        self.database_note = QLabel(self)
        self.database_note.setObjectName("muted")
        self.database_note.setWordWrap(True)
        self._database_label = database_label
        layout.addWidget(self.database_note)
        self.retranslate_ui()

    @property
    def language(self) -> str:
        return str(self.language_combo.currentData())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Welcome to crm-desktop"))
        self.setSubTitle(
            self.tr("Let us set up your company's database. It takes less than a minute.")
        )
        self.name_label.setText(self.tr("Company name:"))
        self.name_edit.setPlaceholderText(self.tr("e.g. Northwind Trading Co., Ltd."))
        self.language_label.setText(self.tr("Language:"))
        self.steps_note.setText(
            self.tr(
                "Three short steps: your company, its first administrator, and — if you like — "
                "demo data to try things out. You can change the language later in the settings."
            )
        )
        self.database_note.setText(
            self.tr("The company database is kept here: {database}").format(
                database=self._database_label
            )
        )

    def validatePage(self) -> bool:
        if not self.name_edit.text().strip():
            self.name_error.set_error(self.tr("Enter the name of your company."))
            self.name_edit.setFocus()
            return False
        return True

    @Slot(str)
    def _on_name_edit_text_edited(self, _text: str) -> None:
        self.name_error.set_error(None)

    @Slot(int)
    def _on_language_combo_current_index_changed(self, _index: int) -> None:
        self.sig_language_selected.emit(self.language)


class AdminPage(QWizardPage):
    """The first administrator's login, name and password, checked beside each field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from crm_desktop.services.users import MIN_PASSWORD_LENGTH

        self.min_password_length = MIN_PASSWORD_LENGTH
        layout = QVBoxLayout(self)
        form = _form()
        self.login_edit = QLineEdit(self)
        self.name_edit = QLineEdit(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit(self)
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edits: dict[str, QLineEdit] = {
            "login": self.login_edit,
            "display_name": self.name_edit,
            "password": self.password_edit,
            "repeat": self.repeat_edit,
        }
        self.errors: dict[str, ErrorLabel] = {}
        self.labels: dict[str, QLabel] = {}
        for key, edit in self.edits.items():
            error = ErrorLabel(self)
            self.errors[key] = error
            self.labels[key] = QLabel(self)
            edit.textEdited.connect(self._on_edit_text_edited)
            form.addRow(self.labels[key], with_error(edit, error))
        layout.addLayout(form)
        layout.addStretch(1)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("First administrator"))
        self.setSubTitle(
            self.tr(
                "This account adds users and changes the company's settings. "
                "Keep its password safe."
            )
        )
        self.labels["login"].setText(self.tr("Login:"))
        self.labels["display_name"].setText(self.tr("Display name:"))
        self.labels["password"].setText(self.tr("Password:"))
        self.labels["repeat"].setText(self.tr("Repeat password:"))
        self.login_edit.setPlaceholderText(self.tr("e.g. admin"))
        self.name_edit.setPlaceholderText(self.tr("e.g. Wang Fang"))
        self.password_edit.setPlaceholderText(
            self.tr("at least {count} characters").format(count=self.min_password_length)
        )

    def field_errors(self) -> dict[str, str]:
        """What is wrong with the fields, by field key (empty when all is fine)."""
        from crm_desktop.services.users import LOGIN_RE

        errors: dict[str, str] = {}
        login = self.login_edit.text().strip().lower()
        if not login:
            errors["login"] = self.tr("Choose a login, for example “admin”.")
        elif not LOGIN_RE.match(login):
            errors["login"] = self.tr(
                "Use 2 to 63 lower-case letters, digits, “.”, “_” or “-”, starting with a letter."
            )
        if not self.name_edit.text().strip():
            errors["display_name"] = self.tr("Enter the name other users will see.")
        password = self.password_edit.text()
        if len(password) < self.min_password_length:
            errors["password"] = self.tr("Use at least {count} characters.").format(
                count=self.min_password_length
            )
        elif self.repeat_edit.text() != password:
            errors["repeat"] = self.tr("The two passwords differ.")
        return errors

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.set_error(errors.get(key))
        for key, edit in self.edits.items():
            if key in errors:
                edit.setFocus()
                break

    def validatePage(self) -> bool:
        errors = self.field_errors()
        self.show_errors(errors)
        return not errors

    @Slot(str)
    def _on_edit_text_edited(self, _text: str) -> None:
        sender = self.sender()
        for key, edit in self.edits.items():
            if edit is sender:
                self.errors[key].set_error(None)


class DemoPage(QWizardPage):
    """Whether to add demo data, and how much; shows why finishing failed, if it did."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.busy = False
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        self.demo_check = QCheckBox(self)
        self.demo_check.toggled.connect(self._on_demo_check_toggled)
        layout.addWidget(self.demo_check)
        form = _form()
        self.count_spin = QSpinBox(self)
        self.count_spin.setRange(10, MAX_DEMO_CUSTOMERS)
        self.count_spin.setSingleStep(100)
        self.count_spin.setValue(DEFAULT_DEMO_CUSTOMERS)
        self.count_spin.setGroupSeparatorShown(True)
        self.count_spin.setEnabled(False)
        self.count_label = QLabel(self)
        form.addRow(self.count_label, self.count_spin)
        layout.addLayout(form)
        self.note = QLabel(self)
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.error = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.error)
        self.retranslate_ui()

    @property
    def demo_customers(self) -> int:
        return self.count_spin.value() if self.demo_check.isChecked() else 0

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Demo data"))
        self.setSubTitle(
            self.tr("Try crm-desktop with realistic sample customers before entering your own.")
        )
        self.demo_check.setText(self.tr("Fill the database with demo data"))
        self.count_label.setText(self.tr("Demo customers:"))
        self.note.setText(
            self.tr(
                "Demo data adds sample salespeople, customers with their contacts, and two years "
                "of follow-ups. Leave it off for the database you will use for real work."
            )
        )

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.demo_check.setEnabled(not busy)
        self.count_spin.setEnabled(not busy and self.demo_check.isChecked())
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.busy

    @Slot(bool)
    def _on_demo_check_toggled(self, checked: bool) -> None:
        self.count_spin.setEnabled(checked and not self.busy)


class FirstRunWizard(QWizard):
    """Sets up an empty database; on success ``actor`` is its first administrator."""

    sig_company_created = Signal(object)
    """The company is set up (committed); carries the Actor of the first administrator."""

    def __init__(
        self,
        *,
        runner: OpRunner,
        settings: Settings,
        translations: Translations,
        database_label: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.translations = translations
        self.actor: Actor | None = None
        self.op: Op | None = None
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, app_pixmap(48))
        self.setMinimumSize(640, 500)
        self.company_page = CompanyPage(database_label, translations.language, self)
        self.admin_page = AdminPage(self)
        self.demo_page = DemoPage(self)
        self.company_page_id = self.addPage(self.company_page)
        self.admin_page_id = self.addPage(self.admin_page)
        self.demo_page_id = self.addPage(self.demo_page)
        self.company_page.sig_language_selected.connect(self._on_company_page_language_selected)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Set up crm-desktop"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< &Back"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("&Next >"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Create database"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Cancel"))

    @property
    def busy(self) -> bool:
        return self.op is not None and self.op.running

    @Slot(str)
    def _on_company_page_language_selected(self, language: str) -> None:
        self.translations.apply(language)

    def accept(self) -> None:
        """Finish: run the set-up operation; the wizard closes only when it committed."""
        if self.busy:
            return
        self.demo_page.error.set_error(None)
        demo = self.demo_page.demo_customers
        self.demo_page.set_busy(True)
        self.button(QWizard.WizardButton.BackButton).setEnabled(False)
        label = (
            self.tr("Creating the company database with {count} demo customers…").format(
                count=QLocale().toString(demo)
            )
            if demo
            else self.tr("Creating the company database…")
        )
        from crm_desktop.services.company import set_up_company

        self.op = (
            self.runner.op(
                self,
                set_up_company,
                company_name=self.company_page.name_edit.text().strip(),
                language=self.company_page.language,
                admin_login=self.admin_page.login_edit.text().strip().lower(),
                admin_name=self.admin_page.name_edit.text().strip(),
                admin_password=self.admin_page.password_edit.text(),
                demo_customers=demo,
            )
            .with_progress(label, cancellable=bool(demo))
            .on_success(self._on_set_up_succeeded)
            .on_failure(self._on_set_up_failed)
            .run()
        )

    def reject(self) -> None:
        if self.busy and self.op is not None:
            self.op.cancel()  # the failure callback reports the cancel; the wizard stays open
            return
        super().reject()

    def _on_set_up_succeeded(self, actor: Actor) -> None:
        self.demo_page.set_busy(False)
        self.actor = actor
        self.settings.language = self.company_page.language
        self.settings.last_login = actor.login
        try:
            save_settings(self.settings)
        except OSError:
            log.warning("could not save the settings", exc_info=True)
        self.sig_company_created.emit(actor)
        super().accept()

    def _on_set_up_failed(self, exc: BaseException) -> None:
        self.demo_page.set_busy(False)
        self.button(QWizard.WizardButton.BackButton).setEnabled(True)
        if isinstance(exc, OperationCancelled):
            self.demo_page.error.set_error(
                self.tr(
                    "Cancelled. Nothing was saved; you can finish again, with or without demo data."
                )
            )
            return
        if isinstance(exc, ValidationError) and any(f in _ADMIN_FIELDS for f in exc.fields):
            self._go_to(self.admin_page_id)
            self.admin_page.show_errors(
                {name: text for name, text in exc.fields.items() if name in _ADMIN_FIELDS}
            )
            return
        if isinstance(exc, ValidationError) and "company_name" in exc.fields:
            self._go_to(self.company_page_id)
            self.company_page.name_error.set_error(str(exc))
            return
        if isinstance(exc, UserError):
            self.demo_page.error.set_error(str(exc))
            return
        self.runner.show_error(self, exc)

    def _go_to(self, page_id: int) -> None:
        while self.currentId() != page_id and self.currentId() != self.startId():
            self.back()
