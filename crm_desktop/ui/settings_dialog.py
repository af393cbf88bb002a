"""Preferences: the UI language (switched live), where the database and the logs are, and the
backups (folder, generations kept, on exit, daily)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core import paths
from crm_desktop.core.settings import Settings, save_settings, settings_path
from crm_desktop.services.backup import backup_settings, last_backup
from crm_desktop.ui.i18n import LANGUAGES, Translations, choose_language, system_language
from crm_desktop.ui.style import make_title

if TYPE_CHECKING:
    from crm_desktop.services.context import Actor
    from crm_desktop.services.database import Database
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
        db: Database | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        # The main window holds these; the Mail accounts button needs the runner and the
        # actor, the last backup shown is that of the open database.
        self.runner = runner if runner is not None else getattr(parent, "runner", None)
        self.actor = actor if actor is not None else getattr(parent, "actor", None)
        self.db = db if db is not None else getattr(parent, "db", None)
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
        # One form for both sections: the backup labels line up with those above.
        self._build_backup_section(form)
        layout.addLayout(form)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate_ui()

    def _build_backup_section(self, form: QFormLayout) -> None:
        options = backup_settings(self.settings.ui.get("backup"))
        self.backup_title = make_title(QLabel(self), 1.1)
        self.backup_title.setContentsMargins(0, 10, 0, 0)
        form.addRow(self.backup_title)
        self.backup_folder_edit = QLineEdit(str(options.folder), self)
        self.backup_folder_edit.setToolTip(str(options.folder))
        self.backup_folder_edit.textChanged.connect(self.backup_folder_edit.setToolTip)
        self.backup_folder_button = QPushButton(self)
        self.backup_folder_button.clicked.connect(self._on_backup_folder_button_clicked)
        folder_row = QWidget(self)
        folder_layout = QHBoxLayout(folder_row)
        folder_layout.setContentsMargins(0, 0, 0, 0)
        folder_layout.addWidget(self.backup_folder_edit, 1)
        folder_layout.addWidget(self.backup_folder_button)
        self.backup_folder_label = QLabel(self)
        form.addRow(self.backup_folder_label, folder_row)
        self.backup_keep_spin = QSpinBox(self)
        self.backup_keep_spin.setRange(1, 365)
        self.backup_keep_spin.setValue(options.keep)
        # A count needs no full-width field.
        keep_row = QWidget(self)
        keep_layout = QHBoxLayout(keep_row)
        keep_layout.setContentsMargins(0, 0, 0, 0)
        keep_layout.addWidget(self.backup_keep_spin)
        keep_layout.addStretch(1)
        self.backup_keep_label = QLabel(self)
        self.backup_keep_label.setBuddy(self.backup_keep_spin)
        form.addRow(self.backup_keep_label, keep_row)
        self.backup_on_exit_check = QCheckBox(self)
        self.backup_on_exit_check.setChecked(options.on_exit)
        self.backup_daily_check = QCheckBox(self)
        self.backup_daily_check.setChecked(options.daily)
        when_box = QWidget(self)
        when_layout = QVBoxLayout(when_box)
        when_layout.setContentsMargins(0, 0, 0, 0)
        when_layout.setSpacing(4)
        when_layout.addWidget(self.backup_on_exit_check)
        when_layout.addWidget(self.backup_daily_check)
        self.backup_when_label = QLabel(self)
        form.addRow(self.backup_when_label, when_box)
        self.backup_last_value = QLabel(self)
        self.backup_last_value.setObjectName("muted")
        self.backup_last_label = QLabel(self)
        form.addRow(self.backup_last_label, self.backup_last_value)

    def _retranslate_backup_section(self) -> None:
        from crm_desktop.ui.backup_dialogs import format_when

        self.backup_title.setText(self.tr("Backup"))
        self.backup_folder_label.setText(self.tr("Backup folder:"))
        self.backup_folder_button.setText(self.tr("Choose…"))
        self.backup_keep_label.setText(self.tr("Keep:"))
        self.backup_keep_spin.setSuffix(self.tr(" backups"))
        self.backup_when_label.setText(self.tr("Back up:"))
        self.backup_on_exit_check.setText(self.tr("when the app closes"))
        self.backup_daily_check.setText(self.tr("once a day"))
        self.backup_last_label.setText(self.tr("Last backup:"))
        last = self.last_backup()
        self.backup_last_value.setText(
            format_when(last.replace(tzinfo=None)) if last is not None else self.tr("never")
        )

    def last_backup(self) -> datetime | None:
        """The last backup of the open database (several databases share these settings)."""
        raw = self.settings.ui.get("backup")
        if self.db is None:
            return backup_settings(raw).last
        return last_backup(raw, self.db)

    def backup_options(self) -> dict[str, object]:
        """``Settings.ui["backup"]`` as the dialog shows it (``last`` kept)."""
        entry = dict(self.settings.ui.get("backup") or {})
        folder = self.backup_folder_edit.text().strip()
        entry.update(
            folder=folder or str(backup_settings({}).folder),
            keep=self.backup_keep_spin.value(),
            on_exit=self.backup_on_exit_check.isChecked(),
            daily=self.backup_daily_check.isChecked(),
        )
        return entry

    @Slot()
    def _on_backup_folder_button_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Backup folder"), self.backup_folder_edit.text()
        )
        if folder:
            self.backup_folder_edit.setText(folder)

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
        self._retranslate_backup_section()

    @property
    def chosen_language(self) -> str | None:
        data = self.language_combo.currentData()
        return str(data) if data else None

    def accept(self) -> None:
        self.settings.language = self.chosen_language
        self.settings.ui["backup"] = self.backup_options()
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
