"""Preferences: the UI language (switched live) and where the database and the logs are."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core import paths
from crm_desktop.core.settings import Settings, save_settings, settings_path
from crm_desktop.ui.i18n import LANGUAGES, Translations, choose_language, system_language
from crm_desktop.ui.style import make_title

if TYPE_CHECKING:
    from crm_desktop.services.context import Actor
    from crm_desktop.ui.ops import OpRunner

log = logging.getLogger(__name__)


class SettingsDialog(QDialog):
    """Edits the user's preferences; OK saves them and applies the language at once."""

    sig_language_changed = Signal(str)
    """The UI language was switched; carries the language now in use ("en", "zh_CN")."""

    def __init__(
        self,
        *,
        settings: Settings,
        translations: Translations,
        database_label: str,
        parent: QWidget | None = None,
        runner: OpRunner | None = None,
        actor: Actor | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        # The main window holds both; the Mail accounts button needs them.
        self.runner = runner if runner is not None else getattr(parent, "runner", None)
        self.actor = actor if actor is not None else getattr(parent, "actor", None)
        self.translations = translations
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(14)
        self.title_label = make_title(QLabel(self), 1.4)
        layout.addWidget(self.title_label)

        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.language_combo = QComboBox(self)
        self.language_combo.addItem("", None)
        for code, name in LANGUAGES:
            self.language_combo.addItem(name, code)
        index = self.language_combo.findData(settings.language)
        self.language_combo.setCurrentIndex(max(0, index))
        self.language_note = QLabel(self)
        self.language_note.setObjectName("muted")
        self.language_note.setWordWrap(True)
        language_box = QWidget(self)
        language_layout = QVBoxLayout(language_box)
        language_layout.setContentsMargins(0, 0, 0, 0)
        language_layout.setSpacing(2)
        language_layout.addWidget(self.language_combo)
        language_layout.addWidget(self.language_note)
        self.language_label = QLabel(self)
        form.addRow(self.language_label, language_box)

        self.database_value = QLabel(database_label, self)
        self.database_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.database_value.setWordWrap(True)
        self.database_label = QLabel(self)
        form.addRow(self.database_label, self.database_value)

        self.log_edit = QLineEdit(str(paths.log_dir()), self)
        self.log_edit.setReadOnly(True)
        self.open_logs_button = QPushButton(self)
        self.open_logs_button.clicked.connect(self._on_open_logs_button_clicked)
        log_row = QWidget(self)
        log_layout = QHBoxLayout(log_row)
        log_layout.setContentsMargins(0, 0, 0, 0)
        log_layout.addWidget(self.log_edit, 1)
        log_layout.addWidget(self.open_logs_button)
        self.log_label = QLabel(self)
        form.addRow(self.log_label, log_row)

        self.settings_file_value = QLabel(str(settings_path()), self)
        self.settings_file_value.setObjectName("muted")
        self.settings_file_value.setWordWrap(True)
        self.settings_file_value.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.settings_file_label = QLabel(self)
        form.addRow(self.settings_file_label, self.settings_file_value)

        self.mail_accounts_button = QPushButton(self)
        self.mail_accounts_button.clicked.connect(self._on_mail_accounts_button_clicked)
        self.mail_label = QLabel(self)
        form.addRow(self.mail_label, self.mail_accounts_button)
        has_user = self.runner is not None and self.actor is not None
        self.mail_accounts_button.setVisible(has_user)
        self.mail_label.setVisible(has_user)
        layout.addLayout(form)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        self.title_label.setText(self.tr("Settings"))
        system_name = dict(LANGUAGES)[system_language()]
        self.language_combo.setItemText(
            0, self.tr("Same as the system ({language})").format(language=system_name)
        )
        self.language_label.setText(self.tr("Language:"))
        self.language_note.setText(self.tr("The new language applies at once to every window."))
        self.database_label.setText(self.tr("Database:"))
        self.log_label.setText(self.tr("Log folder:"))
        self.open_logs_button.setText(self.tr("Open"))
        self.settings_file_label.setText(self.tr("Settings file:"))
        self.mail_label.setText(self.tr("Mail:"))
        self.mail_accounts_button.setText(self.tr("Mail accounts…"))

    @property
    def chosen_language(self) -> str | None:
        data = self.language_combo.currentData()
        return str(data) if data else None

    def accept(self) -> None:
        self.settings.language = self.chosen_language
        try:
            save_settings(self.settings)
        except OSError:
            log.warning("could not save the settings", exc_info=True)
        applied = self.translations.apply(choose_language(self.settings.language))
        self.sig_language_changed.emit(applied)
        super().accept()

    @Slot()
    def _on_open_logs_button_clicked(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir())))

    @Slot()
    def _on_mail_accounts_button_clicked(self) -> None:
        from crm_desktop.ui.mail_accounts import MailAccountsDialog

        if self.runner is None or self.actor is None:
            return
        dialog = MailAccountsDialog(self.runner, self.actor, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.mail_accounts_dialog = dialog
        dialog.open()
