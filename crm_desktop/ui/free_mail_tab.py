"""Admin → Mail: the free-mail domains (qq.com, 163.com, gmail.com …). Mail from these domains
never links to a customer by domain: thousands of people share them (DESIGN §7)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from crm_desktop.services.mail_store import (
    FREE_MAIL_DOMAINS,
    get_free_mail_domains,
    set_free_mail_domains,
)
from crm_desktop.ui.admin_page import _ConfigTab
from crm_desktop.ui.style import MUTED_COLOR

if TYPE_CHECKING:
    from crm_desktop.ui.admin_page import AdminPage


def split_domains(text: str) -> list[str]:
    """One domain per line; commas, semicolons and spaces separate too."""
    for separator in ",;，；\t ":
        text = text.replace(separator, "\n")
    return [line.strip() for line in text.splitlines() if line.strip()]


class FreeMailTab(_ConfigTab):
    """The free-mail domain list as text, one per line: Save, Revert, Restore the defaults."""

    sig_saved = Signal(list)
    """The list was saved; carries the domains the database now holds."""

    def __init__(self, page: AdminPage) -> None:
        super().__init__(page)
        self.saved: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        self.intro_label = QLabel(self)
        self.intro_label.setWordWrap(True)
        layout.addWidget(self.intro_label)
        self.edit = QPlainTextEdit(self)
        self.edit.setTabChangesFocus(True)
        self.edit.textChanged.connect(self._on_edit_text_changed)
        layout.addWidget(self.edit, 1)
        self.count_label = QLabel(self)
        self.count_label.setStyleSheet(f"color: {MUTED_COLOR};")
        layout.addWidget(self.count_label)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(self)
        self.save_button.setDefault(True)
        self.revert_button = QPushButton(self)
        self.defaults_button = QPushButton(self)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        buttons.addWidget(self.defaults_button)
        layout.addLayout(buttons)
        layout.addWidget(self.message_label)
        layout.addWidget(self.info_label)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.revert_button.clicked.connect(self._on_revert_button_clicked)
        self.defaults_button.clicked.connect(self._on_defaults_button_clicked)
        save = QShortcut(QKeySequence.StandardKey.Save, self)
        save.activated.connect(self._on_save_button_clicked)
        self.retranslate_ui()
        self._update_buttons()

    def retranslate_ui(self) -> None:
        self.intro_label.setText(
            self.tr(
                "Mail from these domains never links to a customer by its domain: thousands of "
                "people share them. It still links by a contact's or customer's exact address. "
                "One domain per line; a domain covers its subdomains (vip.sina.com is "
                "sina.com)."
            )
        )
        self.save_button.setText(self.tr("Save"))
        self.save_button.setToolTip(self.tr("Save the list (Ctrl+S)"))
        self.revert_button.setText(self.tr("Revert"))
        self.defaults_button.setText(self.tr("Restore the defaults"))
        self._update_count()

    # ----------------------------------------------------------------- data

    def refresh(self) -> None:
        self.page.run_op(get_free_mail_domains, read_only=True).on_success(self._on_loaded)

    def _on_loaded(self, domains: list[str]) -> None:
        self.saved = list(domains)
        self.set_domains(domains)
        self.sig_loaded.emit()

    def set_domains(self, domains: list[str]) -> None:
        self.edit.setPlainText("\n".join(domains))

    def domains(self) -> list[str]:
        return split_domains(self.edit.toPlainText())

    def _update_count(self) -> None:
        count = len(dict.fromkeys(d.lower() for d in self.domains()))
        self.count_label.setText(
            self.tr("%n domain(s)", "", count).replace(str(count), QLocale().toString(count))
        )

    def _update_buttons(self) -> None:
        changed = self.domains() != self.saved
        self.save_button.setEnabled(changed)
        self.revert_button.setEnabled(changed)

    # ----------------------------------------------------------------- slots

    @Slot()
    def _on_edit_text_changed(self) -> None:
        self._update_count()
        self._update_buttons()

    @Slot()
    def _on_save_button_clicked(self) -> None:
        if not self.save_button.isEnabled():
            return

        def done(domains: Any) -> None:
            self.saved = list(domains)
            self.say(self.tr("Saved."), error=False)
            self.sig_saved.emit(list(domains))

        self.change(set_free_mail_domains, done=done, domains=self.domains())

    @Slot()
    def _on_revert_button_clicked(self) -> None:
        self.set_domains(self.saved)
        self.say(None)

    @Slot()
    def _on_defaults_button_clicked(self) -> None:
        self.set_domains(list(FREE_MAIL_DOMAINS))
