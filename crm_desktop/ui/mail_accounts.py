"""The mail accounts dialog (Settings → Mail accounts…): the user's IMAP/SMTP accounts with add,
edit, delete and "Test connection"; passwords go to the OS keyring only. ``ask_password`` and
``account_password`` are the password prompt other windows (sync, compose) use."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QLocale, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core import secrets
from crm_desktop.core.errors import ValidationError
from crm_desktop.services.context import Actor
from crm_desktop.services.mail_accounts import (
    IMAP_PORTS,
    SMTP_PORTS,
    MailAccountInput,
    MailAccountRow,
    delete_mail_account,
    list_mail_accounts,
    save_mail_account,
    store_password,
)
from crm_desktop.services.mail_sync import ConnectionCheck, check_connection
from crm_desktop.ui.style import make_title
from crm_desktop.ui.widgets import ErrorLabel, with_error

if TYPE_CHECKING:
    from crm_desktop.ui.ops import OpRunner

__all__ = [
    "MailAccountEditDialog",
    "MailAccountsDialog",
    "PasswordPrompt",
    "account_password",
    "ask_password",
]

SECURITIES = ("ssl", "starttls", "none")


# =========================================================================== operations
# Plain functions run on workers by the op runner; the UI never builds queries itself.


def _list_accounts(session: Any, *, actor: Actor) -> list[MailAccountRow]:
    return list_mail_accounts(session, actor)


def _save_account(
    session: Any,
    *,
    data: MailAccountInput,
    actor: Actor,
    account_id: int | None,
    version: int | None,
    password: str | None,
) -> tuple[MailAccountRow, bool]:
    """Save the account; then the password (if typed) in the keyring. (row, password stored)."""
    row = save_mail_account(session, data, actor, account_id=account_id, version=version)
    kept = bool(password) and store_password(session, row.id, password or "")
    return row, kept


def _delete_account(session: Any, *, account_id: int, actor: Actor) -> int:
    delete_mail_account(session, account_id, actor)
    return account_id


def _check(
    _factory: Any,
    *,
    host: str,
    port: int | None,
    security: str,
    username: str,
    password: str,
    ssl_context: ssl.SSLContext | None,
) -> ConnectionCheck:
    # Run with own_transactions(): network work holds no database transaction.
    return check_connection(host, port, security, username, password, ssl_context=ssl_context)


# =========================================================================== password prompt


class PasswordPrompt(QDialog):
    """Asks for one mail account's password; "Remember in the keyring" when a keyring works."""

    def __init__(self, account: MailAccountRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account = account
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        self.text_label = QLabel(self)
        self.text_label.setWordWrap(True)
        layout.addWidget(self.text_label)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.password_edit)
        self.can_remember = secrets.keyring_available()
        self.remember_check = QCheckBox(self)
        self.remember_check.setVisible(self.can_remember)
        self.remember_check.setChecked(self.can_remember)
        layout.addWidget(self.remember_check)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.password_edit.textChanged.connect(self._on_password_edit_text_changed)
        self._on_password_edit_text_changed("")
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        a = self.account
        self.setWindowTitle(self.tr("Mail password"))
        self.text_label.setText(
            self.tr("Password of the mail account {name} ({user} on {host}):").format(
                name=a.name, user=a.username, host=a.imap_host or a.smtp_host or ""
            )
        )
        self.remember_check.setText(self.tr("Remember in the keyring"))

    @Slot(str)
    def _on_password_edit_text_changed(self, text: str) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(text))

    @property
    def password(self) -> str:
        return self.password_edit.text()

    @property
    def remember(self) -> bool:
        return self.can_remember and self.remember_check.isChecked()


def ask_password(parent: QWidget | None, account: MailAccountRow) -> str | None:
    """Ask for the account's password (None: cancelled); remembered in the keyring when the
    user ticks "Remember in the keyring"."""
    prompt = PasswordPrompt(account, parent)
    try:
        if prompt.exec() != QDialog.DialogCode.Accepted or not prompt.password:
            return None
        password = prompt.password
        if prompt.remember and account.password_key:
            secrets.set_password(account.password_key, password)
        return password
    finally:
        prompt.deleteLater()


def account_password(parent: QWidget | None, account: MailAccountRow) -> str | None:
    """The keyring's password of the account, else ``ask_password``."""
    if account.password_key:
        stored = secrets.get_password(account.password_key)
        if stored:
            return stored
    return ask_password(parent, account)


# =========================================================================== edit dialog


class MailAccountEditDialog(QDialog):
    """Adds or edits one account; Save runs in an operation and closes on success."""

    sig_saved = Signal(object)
    """The account was saved; carries the MailAccountRow."""

    sig_tested = Signal(object)
    """A connection test ended; carries the ConnectionCheck or the error."""

    def __init__(
        self,
        runner: OpRunner,
        actor: Actor,
        account: MailAccountRow | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.account = account
        self.ssl_context: ssl.SSLContext | None = None  # None: the system's trusted CAs
        self.saving = False
        self.testing = False
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.errors: dict[str, ErrorLabel] = {}
        self.labels: dict[str, QLabel] = {}

        def row(key: str, widget: QWidget) -> None:
            error = ErrorLabel(self)
            self.errors[key] = error
            label = QLabel(self)
            self.labels[key] = label
            form.addRow(label, with_error(widget, error))

        self.name_edit = QLineEdit(self)
        row("name", self.name_edit)
        self.email_edit = QLineEdit(self)
        row("email_address", self.email_edit)
        self.username_edit = QLineEdit(self)
        row("username", self.username_edit)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        row("password", self.password_edit)
        self.imap_host_edit, self.imap_port_spin, self.imap_security_combo = self._server_row(
            IMAP_PORTS
        )
        row(
            "imap_host",
            self._server_box(self.imap_host_edit, self.imap_port_spin, self.imap_security_combo),
        )
        self.smtp_host_edit, self.smtp_port_spin, self.smtp_security_combo = self._server_row(
            SMTP_PORTS
        )
        row(
            "smtp_host",
            self._server_box(self.smtp_host_edit, self.smtp_port_spin, self.smtp_security_combo),
        )
        self.active_check = QCheckBox(self)
        self.active_check.setChecked(True)
        row("active", self.active_check)
        layout.addLayout(form)
        self.keyring_note = QLabel(self)
        self.keyring_note.setObjectName("muted")
        self.keyring_note.setWordWrap(True)
        layout.addWidget(self.keyring_note)
        self.message_label = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.message_label)
        self.test_result_label = QLabel(self)
        self.test_result_label.setWordWrap(True)
        layout.addWidget(self.test_result_label)

        self.buttons = QDialogButtonBox(self)
        self.test_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.email_edit.textEdited.connect(self._on_email_edit_text_edited)
        if account is not None:
            self._fill(account)
        self.retranslate_ui()

    # ----------------------------------------------------------------- construction

    def _server_row(self, ports: dict[str, int]) -> tuple[QLineEdit, QSpinBox, QComboBox]:
        host = QLineEdit(self)
        port = QSpinBox(self)
        port.setRange(1, 65535)
        port.setValue(ports["ssl"])
        security = QComboBox(self)
        for code in SECURITIES:
            security.addItem("", code)

        def on_security_changed(_index: int) -> None:
            # Follow the usual port while the user has not chosen another one.
            if port.value() in ports.values():
                port.setValue(ports[str(security.currentData())])

        security.currentIndexChanged.connect(on_security_changed)
        return host, port, security

    def _server_box(self, host: QLineEdit, port: QSpinBox, security: QComboBox) -> QWidget:
        box = QWidget(self)
        line = QHBoxLayout(box)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(host, 1)
        line.addWidget(port)
        line.addWidget(security)
        return box

    def _fill(self, a: MailAccountRow) -> None:
        self.name_edit.setText(a.name)
        self.email_edit.setText(a.email_address)
        self.username_edit.setText(a.username)
        self.imap_host_edit.setText(a.imap_host or "")
        self.imap_security_combo.setCurrentIndex(max(0, SECURITIES.index(a.imap_security)))
        self.imap_port_spin.setValue(a.imap_port or IMAP_PORTS[a.imap_security])
        self.smtp_host_edit.setText(a.smtp_host or "")
        self.smtp_security_combo.setCurrentIndex(max(0, SECURITIES.index(a.smtp_security)))
        self.smtp_port_spin.setValue(a.smtp_port or SMTP_PORTS[a.smtp_security])
        self.active_check.setChecked(a.active)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(
            self.tr("Add mail account") if self.account is None else self.tr("Edit mail account")
        )
        texts = {
            "name": self.tr("Name:"),
            "email_address": self.tr("Email address:"),
            "username": self.tr("Login:"),
            "password": self.tr("Password:"),
            "imap_host": self.tr("IMAP server:"),
            "smtp_host": self.tr("SMTP server:"),
            "active": self.tr("In use:"),
        }
        for key, text in texts.items():
            self.labels[key].setText(text)
        self.name_edit.setPlaceholderText(self.tr("e.g. Work"))
        self.username_edit.setPlaceholderText(self.tr("Same as the email address"))
        stored = self.account is not None and self.account.has_password
        self.password_edit.setPlaceholderText(
            self.tr("Stored in the keyring; type to replace") if stored else ""
        )
        self.active_check.setText(self.tr("Sync and send with this account"))
        names = {
            "ssl": self.tr("SSL/TLS"),
            "starttls": self.tr("STARTTLS"),
            "none": self.tr("None (unsafe)"),
        }
        for combo in (self.imap_security_combo, self.smtp_security_combo):
            for i, code in enumerate(SECURITIES):
                combo.setItemText(i, names[code])
        if secrets.keyring_available():
            self.keyring_note.setText(
                self.tr("The password is kept in this computer's keyring, never in the database.")
            )
        else:
            self.keyring_note.setText(
                self.tr(
                    "No keyring works on this computer: the password is not stored and will "
                    "be asked for at each sync."
                )
            )
            self.password_edit.setEnabled(False)
        self.test_button.setText(self.tr("Test connection"))
        self.save_button.setText(self.tr("Save"))

    # ----------------------------------------------------------------- values

    def input(self) -> MailAccountInput:
        return MailAccountInput(
            name=self.name_edit.text().strip(),
            email_address=self.email_edit.text().strip(),
            username=self.username_edit.text().strip(),
            imap_host=self.imap_host_edit.text().strip() or None,
            imap_port=self.imap_port_spin.value(),
            imap_security=str(self.imap_security_combo.currentData()),
            smtp_host=self.smtp_host_edit.text().strip() or None,
            smtp_port=self.smtp_port_spin.value(),
            smtp_security=str(self.smtp_security_combo.currentData()),
            active=self.active_check.isChecked(),
        )

    def _show_errors(self, exc: ValidationError | None) -> None:
        fields = exc.fields if exc is not None else {}
        for key, label in self.errors.items():
            label.set_error(fields.get(key))
        unplaced = exc is not None and not any(k in self.errors for k in fields)
        self.message_label.set_error(str(exc) if unplaced else None)

    # ----------------------------------------------------------------- slots

    @Slot(str)
    def _on_email_edit_text_edited(self, text: str) -> None:
        # A new account's servers are usually imap./smtp. of the address's domain.
        if self.account is not None or "@" not in text:
            return
        domain = text.rpartition("@")[2].strip()
        if "." not in domain:
            return
        if not self.imap_host_edit.isModified():
            self.imap_host_edit.setText(f"imap.{domain}")
        if not self.smtp_host_edit.isModified():
            self.smtp_host_edit.setText(f"smtp.{domain}")

    @Slot()
    def _on_save_button_clicked(self) -> None:
        if self.saving:
            return
        self.saving = True
        self.save_button.setEnabled(False)
        self._show_errors(None)
        a = self.account
        self.runner.op(
            self,
            _save_account,
            data=self.input(),
            actor=self.actor,
            account_id=a.id if a else None,
            version=a.version if a else None,
            password=self.password_edit.text() or None,
        ).on_success(self._on_saved).on_failure(self._on_save_failed).run()

    def _on_saved(self, result: tuple[MailAccountRow, bool]) -> None:
        self.saving = False
        row, _kept = result
        self.account = row
        self.sig_saved.emit(row)
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self._show_errors(exc)
            return
        self.runner.show_error(self, exc)

    @Slot()
    def _on_test_button_clicked(self) -> None:
        if self.testing:
            return
        data = self.input()
        if not data.imap_host:
            self.errors["imap_host"].set_error(self.tr("Give the IMAP server to test"))
            return
        password = self.password_edit.text()
        if not password and self.account is not None:
            password = account_password(self, self.account) or ""
        if not password:
            self.errors["password"].set_error(self.tr("Type the password to test"))
            return
        self.testing = True
        self.test_button.setEnabled(False)
        self.test_result_label.setText(self.tr("Connecting…"))
        self.runner.op(
            self,
            _check,
            host=data.imap_host,
            port=data.imap_port,
            security=data.imap_security,
            username=data.username or data.email_address,
            password=password,
            ssl_context=self.ssl_context,
        ).own_transactions().with_progress(self.tr("Testing the connection…")).on_success(
            self._on_tested
        ).on_failure(self._on_test_failed).run()

    def _on_tested(self, check: ConnectionCheck) -> None:
        self.testing = False
        self.test_button.setEnabled(True)
        sent = check.sent_folder or self.tr("none found")
        self.test_result_label.setText(
            self.tr("Connected: {folders} folders, Sent folder: {sent}").format(
                folders=QLocale().toString(check.folders), sent=sent
            )
        )
        self.sig_tested.emit(check)

    def _on_test_failed(self, exc: BaseException) -> None:
        self.testing = False
        self.test_button.setEnabled(True)
        self.test_result_label.setText(str(exc))
        self.sig_tested.emit(exc)


# =========================================================================== list dialog


class MailAccountsDialog(QDialog):
    """The user's mail accounts (an administrator's own, too: others' are theirs to manage)."""

    sig_loaded = Signal()
    """The list was (re)loaded."""

    sig_changed = Signal()
    """An account was added, changed or deleted."""

    def __init__(self, runner: OpRunner, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.rows: list[MailAccountRow] = []
        self.ssl_context: ssl.SSLContext | None = None  # handed to the edit dialogs
        self.ask_confirm: Callable[[str, str], bool] = self._ask_confirm_box
        self.open_editor: Callable[[MailAccountEditDialog], None] = lambda d: d.open()
        self.setMinimumSize(720, 380)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        self.title_label = make_title(QLabel(self), 1.3)
        layout.addWidget(self.title_label)
        self.table = QTableWidget(0, 5, self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(self._on_edit_button_clicked)
        layout.addWidget(self.table, 1)
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("muted")
        layout.addWidget(self.empty_label)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.edit_button = QPushButton(self)
        self.delete_button = QPushButton(self)
        self.test_button = QPushButton(self)
        self.close_button = QPushButton(self)
        for button in (self.add_button, self.edit_button, self.delete_button, self.test_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.close_button.clicked.connect(self.accept)
        self.editor: MailAccountEditDialog | None = None
        self.retranslate_ui()
        self._update_buttons()
        self.reload()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Mail accounts"))
        self.title_label.setText(self.tr("Mail accounts"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Name"),
                self.tr("Email address"),
                self.tr("IMAP server"),
                self.tr("Password"),
                self.tr("Last synced"),
            ]
        )
        self.empty_label.setText(
            self.tr("No mail accounts yet. Add one to sync your mail with customers.")
        )
        self.add_button.setText(self.tr("Add…"))
        self.edit_button.setText(self.tr("Edit…"))
        self.delete_button.setText(self.tr("Delete"))
        self.test_button.setText(self.tr("Test connection"))
        self.close_button.setText(self.tr("Close"))
        self._fill()

    # ----------------------------------------------------------------- data

    def reload(self) -> None:
        self.runner.op(self, _list_accounts, actor=self.actor).read_only().on_success(
            self._on_loaded
        ).run()

    def _on_loaded(self, rows: list[MailAccountRow]) -> None:
        self.rows = rows
        self._fill()
        self.sig_loaded.emit()

    def _fill(self) -> None:
        selected = self.selected()
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            server = f"{r.imap_host}:{r.imap_port}" if r.imap_host else ""
            synced = (
                r.last_synced_at.astimezone().strftime("%Y-%m-%d %H:%M")
                if r.last_synced_at
                else self.tr("never")
            )
            values = (
                r.name,
                r.email_address,
                server,
                self.tr("in the keyring") if r.has_password else self.tr("asked each time"),
                synced,
            )
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                self.table.setItem(i, column, item)
            if selected is not None and r.id == selected.id:
                self.table.selectRow(i)
        self.empty_label.setVisible(not self.rows)
        self._update_buttons()

    def selected(self) -> MailAccountRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()]

    @Slot()
    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        for button in (self.edit_button, self.delete_button, self.test_button):
            button.setEnabled(chosen)

    # ----------------------------------------------------------------- actions

    def _editor(self, account: MailAccountRow | None) -> MailAccountEditDialog:
        editor = MailAccountEditDialog(self.runner, self.actor, account, self)
        editor.ssl_context = self.ssl_context
        editor.sig_saved.connect(self._on_editor_saved)
        self.editor = editor
        self.open_editor(editor)
        return editor

    @Slot()
    def _on_add_button_clicked(self) -> None:
        self._editor(None)

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        account = self.selected()
        if account is not None:
            self._editor(account)

    def _on_editor_saved(self, _row: MailAccountRow) -> None:
        self.sig_changed.emit()
        self.reload()

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        account = self.selected()
        if account is None:
            return
        text = self.tr(
            "Delete the mail account {name}? The mail it brought stays with the customers."
        ).format(name=account.name)
        if not self.ask_confirm(text, self.tr("Delete")):
            return
        self.runner.op(self, _delete_account, account_id=account.id, actor=self.actor).on_success(
            self._on_deleted
        ).run()

    def _on_deleted(self, _account_id: int) -> None:
        self.sig_changed.emit()
        self.reload()

    @Slot()
    def _on_test_button_clicked(self) -> None:
        account = self.selected()
        if account is None or not account.imap_host:
            return
        password = account_password(self, account)
        if not password:
            return
        self.status_label.setText(self.tr("Connecting to {host}…").format(host=account.imap_host))
        self.test_button.setEnabled(False)
        self.runner.op(
            self,
            _check,
            host=account.imap_host,
            port=account.imap_port,
            security=account.imap_security,
            username=account.username,
            password=password,
            ssl_context=self.ssl_context,
        ).own_transactions().with_progress(self.tr("Testing the connection…")).on_success(
            self._on_tested
        ).on_failure(self._on_test_failed).run()

    def _on_tested(self, check: ConnectionCheck) -> None:
        self._update_buttons()
        sent = check.sent_folder or self.tr("none found")
        self.status_label.setText(
            self.tr("Connected: {folders} folders, Sent folder: {sent}").format(
                folders=QLocale().toString(check.folders), sent=sent
            )
        )

    def _on_test_failed(self, exc: BaseException) -> None:
        self._update_buttons()
        self.status_label.setText(str(exc))

    def _ask_confirm_box(self, text: str, action: str) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(action)
        box.setText(text)
        yes = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        return clicked is yes
