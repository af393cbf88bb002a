"""Writing an email to a customer (new, reply, reply all) and sending it through the user's
mail account; what was sent lands in the customer file with an "email" follow-up.

The dialog stays open, the draft untouched, until the server took the message: a refused
password, recipient or connection shows its sentence under the form and nothing is lost.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QStringListModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import UserError, ValidationError
from crm_desktop.mail.compose import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    OutgoingAttachment,
    parse_recipients,
    split_addresses,
)
from crm_desktop.mail.smtp import SmtpError
from crm_desktop.services.mail_send import (
    ComposeDefaults,
    Draft,
    SendAccount,
    SendResult,
    compose_defaults,
    reply_draft,
    send_mail,
)
from crm_desktop.ui.followup_dialog import followup_events
from crm_desktop.ui.style import MUTED_COLOR, scaled_font
from crm_desktop.ui.widgets import ErrorLabel, with_error

if TYPE_CHECKING:
    from crm_desktop.services.context import Actor
    from crm_desktop.ui.ops import OpRunner
    from crm_desktop.ui.shortcuts_dialog import ShortcutEntry

__all__ = [
    "ComposeDialog",
    "ComposeForm",
    "compose_shortcuts",
    "load_compose",
    "open_compose",
    "size_text",
]

translate = QCoreApplication.translate
_SEPARATORS = ",;，；"
# Send: Ctrl+Enter on the main keyboard (Return) and on the keypad (Enter).
SEND_KEYS = ("Ctrl+Return", "Ctrl+Enter")


def compose_shortcuts() -> list[ShortcutEntry]:
    """The email window's keys, for Help → Keyboard shortcuts (no window need be open)."""
    from crm_desktop.ui.shortcuts_dialog import ShortcutEntry, key_texts, without_key

    keys = key_texts(QKeySequence(key) for key in SEND_KEYS)
    text = without_key(translate("ComposeDialog", "Send the email (Ctrl+Enter)"), keys)
    return [ShortcutEntry(translate("ComposeDialog", "New email"), text, keys)]


def size_text(size: int) -> str:
    """A file size for people, in the UI's language: "820 bytes", "34.5 KB", "1.2 MB"."""
    locale = QLocale()
    if size < 1024:
        return translate("ComposeDialog", "{n} bytes").format(n=locale.toString(size))
    if size < 1024 * 1024:
        return translate("ComposeDialog", "{n} KB").format(
            n=locale.toString(size / 1024, ord("f"), 1)
        )
    return translate("ComposeDialog", "{n} MB").format(
        n=locale.toString(size / (1024 * 1024), ord("f"), 1)
    )


# =========================================================================== loading


@dataclass(frozen=True)
class ComposeForm:
    """What the dialog starts with: the accounts and addresses, and a reply's draft."""

    defaults: ComposeDefaults
    draft: Draft | None


def load_compose(
    session: Any,
    *,
    customer_id: int | None,
    actor: Actor,
    contact_id: int | None = None,
    reply_to_email_id: int | None = None,
    reply_all: bool = False,
) -> ComposeForm:
    """One read for the dialog (the session is handed through by the op runner)."""
    draft = None
    if reply_to_email_id is not None:
        draft = reply_draft(session, reply_to_email_id, actor, reply_all=reply_all)
        if customer_id is None:
            customer_id = draft.customer_id
    defaults = compose_defaults(session, customer_id, actor, contact_id=contact_id)
    return ComposeForm(defaults=defaults, draft=draft)


# =========================================================================== address completion


class AddressCompleter(QCompleter):
    """Completes the address being typed after the last comma or semicolon, keeping the ones
    before it."""

    def splitPath(self, path: str) -> list[str]:
        cut = max(path.rfind(c) for c in _SEPARATORS)
        return [path[cut + 1 :].strip()]

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:
        completion = super().pathFromIndex(index)
        widget = self.widget()
        text = widget.text() if isinstance(widget, QLineEdit) else ""
        cut = max(text.rfind(c) for c in _SEPARATORS)
        head = text[: cut + 1] if cut >= 0 else ""
        return f"{head} {completion}, ".lstrip() if head else f"{completion}, "


# =========================================================================== the dialog


class ComposeDialog(QDialog):
    """New email (or a reply to ``reply_to_email_id``) to ``customer_id``'s people.

    Prompts are attributes so tests can answer them: ``ask_discard()``,
    ``ask_no_subject()``, ``ask_password(account) -> str | None``, ``choose_files()``;
    ``ssl_context`` is handed to the SMTP client (None: the system's CAs).
    """

    sig_loaded = Signal()
    """The accounts, addresses (and the reply's draft) arrived; the form is ready."""

    sig_sent = Signal(object)
    """The email was sent and stored; carries the SendResult."""

    sig_send_finished = Signal(bool)
    """A send attempt ended; True when the email went out (tests wait on this)."""

    def __init__(
        self,
        *,
        runner: OpRunner,
        actor: Actor,
        customer_id: int | None,
        contact_id: int | None = None,
        reply_to_email_id: int | None = None,
        reply_all: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.customer_id = customer_id
        self.contact_id = contact_id
        self.reply_to_email_id = reply_to_email_id
        self.reply_all = reply_all
        self.form_data: ComposeForm | None = None
        self.loaded = False
        self.attachments: list[OutgoingAttachment] = []
        self.sent_result: SendResult | None = None
        self.ssl_context: ssl.SSLContext | None = None
        self.ask_discard: Callable[[], bool] = self._ask_discard_box
        self.ask_no_subject: Callable[[], bool] = self._ask_no_subject_box
        self.ask_password: Callable[[SendAccount], str | None] = self._ask_password_dialog
        self.choose_files: Callable[[], list[str]] = self._choose_files_dialog
        self._passwords: dict[int, str] = {}  # account id → the password that worked
        self._keyring_failed: set[int] = set()  # accounts whose stored password was refused
        self._account_rows: dict[int, Any] = {}  # account id → its MailAccountRow (the prompt)
        self._initial: dict[str, Any] | None = None
        self._busy = False
        self._closing = False
        self._build()
        self.retranslate_ui()
        self._update_state()
        self._load()

    # ----------------------------------------------------------------- construction

    def _build(self) -> None:
        self.setMinimumSize(640, 560)
        self.setSizeGripEnabled(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        self.title_label = QLabel(self)
        self.title_label.setFont(scaled_font(self.title_label, 1.25, bold=True))
        self.title_label.setWordWrap(True)
        layout.addWidget(self.title_label)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setVerticalSpacing(8)
        self.account_combo = QComboBox(self)
        self.to_edit = QLineEdit(self)
        self.cc_edit = QLineEdit(self)
        self.subject_edit = QLineEdit(self)
        self.completion_model = QStringListModel(self)
        for edit in (self.to_edit, self.cc_edit):
            completer = AddressCompleter(self.completion_model, edit)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            edit.setCompleter(completer)
        self.labels: dict[str, QLabel] = {}
        self.errors: dict[str, ErrorLabel] = {}
        self.editors: dict[str, QWidget] = {
            "account_id": self.account_combo,
            "to": self.to_edit,
            "cc": self.cc_edit,
            "subject": self.subject_edit,
        }
        for name, editor in self.editors.items():
            label = QLabel(self)
            error = ErrorLabel(self)
            self.labels[name] = label
            self.errors[name] = error
            self.form.addRow(label, with_error(editor, error))
        layout.addLayout(self.form)

        self.body_edit = QPlainTextEdit(self)
        self.body_edit.setTabChangesFocus(True)
        self.body_edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout.addWidget(self.body_edit, 1)

        row = QHBoxLayout()
        row.setSpacing(8)
        self.attachment_list = QListWidget(self)
        self.attachment_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.attachment_list.setVisible(False)
        buttons = QVBoxLayout()
        self.attach_button = QPushButton(self)
        self.remove_button = QPushButton(self)
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        row.addWidget(self.attachment_list, 1)
        row.addLayout(buttons)
        layout.addLayout(row)
        self.size_label = QLabel(self)
        self.size_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.errors["attachments"] = ErrorLabel(self)
        layout.addWidget(self.size_label)
        layout.addWidget(self.errors["attachments"])

        self.form_error = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.form_error)
        self.buttons = QDialogButtonBox(self)
        self.send_button = QPushButton(self)
        self.send_button.setDefault(False)
        self.send_button.setAutoDefault(False)
        self.buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for sequence in SEND_KEYS:
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.activated.connect(self._on_send_shortcut_activated)

        self.attach_button.clicked.connect(self._on_attach_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.attachment_list.itemSelectionChanged.connect(self._update_state)
        self.account_combo.currentIndexChanged.connect(self._on_account_combo_changed)
        self.to_edit.textEdited.connect(self._on_to_edit_text_edited)
        self.cc_edit.textEdited.connect(self._on_cc_edit_text_edited)
        self.subject_edit.textEdited.connect(self._on_subject_edit_text_edited)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def _title(self) -> str:
        if self.reply_to_email_id is None:
            return self.tr("New email")
        return self.tr("Reply to all") if self.reply_all else self.tr("Reply")

    def retranslate_ui(self) -> None:
        title = self._title()
        self.setWindowTitle(title)
        name = None
        if self.form_data is not None:
            name = self.form_data.defaults.customer_name
        self.title_label.setText(
            self.tr("{title} — {customer}").format(title=title, customer=name) if name else title
        )
        self.labels["account_id"].setText(self.tr("From"))
        self.labels["to"].setText(self.tr("To"))
        self.labels["cc"].setText(self.tr("Cc"))
        self.labels["subject"].setText(self.tr("Subject"))
        self.to_edit.setPlaceholderText(
            self.tr("Name <name@example.com>, several separated by commas")
        )
        self.cc_edit.setPlaceholderText(self.tr("Copies to (optional)"))
        self.body_edit.setPlaceholderText(self.tr("Write your message…"))
        self.attach_button.setText(self.tr("Attach files…"))
        self.remove_button.setText(self.tr("Remove"))
        self.send_button.setText(self.tr("Sending…") if self._busy else self.tr("Send"))
        self.send_button.setToolTip(self.tr("Send the email (Ctrl+Enter)"))
        self._show_size()
        if self.loaded and self.form_data is not None and not self.form_data.defaults.accounts:
            self.form_error.set_error(self._no_account_text())

    def _no_account_text(self) -> str:
        return self.tr(
            "You have no mail account to send from. Add one with its SMTP server in "
            "Settings → Mail accounts…, then write again."
        )

    def _show_size(self) -> None:
        total = sum(len(a.data) for a in self.attachments)
        if not self.attachments:
            self.size_label.setText(
                self.tr("No attachments (at most {limit} in all)").format(
                    limit=size_text(MAX_ATTACHMENT_BYTES)
                )
            )
            return
        self.size_label.setText(
            self.tr("{count} attachments, {size} of at most {limit}").format(
                count=QLocale().toString(len(self.attachments)),
                size=size_text(total),
                limit=size_text(MAX_ATTACHMENT_BYTES),
            )
        )

    def _update_state(self) -> None:
        ready = self.loaded and not self._busy
        has_account = self.account_combo.count() > 0
        for widget in (
            self.account_combo,
            self.to_edit,
            self.cc_edit,
            self.subject_edit,
            self.body_edit,
            self.attach_button,
        ):
            widget.setEnabled(ready)
        self.remove_button.setEnabled(ready and bool(self.attachment_list.selectedItems()))
        self.attachment_list.setVisible(bool(self.attachments))
        if self.attachments:  # as tall as its rows, up to four
            rows = min(len(self.attachments), 4)
            row_height = max(self.attachment_list.sizeHintForRow(0), 1)
            frame = 2 * self.attachment_list.frameWidth() + 4
            self.attachment_list.setFixedHeight(rows * row_height + frame)
        self.send_button.setEnabled(ready and has_account)
        self.cancel_button.setEnabled(not self._busy)

    # ----------------------------------------------------------------- loading

    def _load(self) -> None:
        self.runner.op(
            self,
            load_compose,
            customer_id=self.customer_id,
            actor=self.actor,
            contact_id=self.contact_id,
            reply_to_email_id=self.reply_to_email_id,
            reply_all=self.reply_all,
        ).read_only().on_success(self._on_form_loaded).on_failure(self._on_load_failed).run()

    def _on_form_loaded(self, data: ComposeForm) -> None:
        self.form_data = data
        defaults = data.defaults
        self.customer_id = defaults.customer_id
        self.account_combo.blockSignals(True)
        self.account_combo.clear()
        for account in defaults.accounts:
            self.account_combo.addItem(account.label, account.id)
        self.account_combo.blockSignals(False)
        self.completion_model.setStringList([r.text for r in defaults.recipients])
        draft = data.draft
        if draft is not None:
            self._select_account(draft.account_id)
            self.to_edit.setText(", ".join(draft.to))
            self.cc_edit.setText(", ".join(draft.cc))
            self.subject_edit.setText(draft.subject)
            self.body_edit.setPlainText(draft.body)
            self.contact_id = draft.contact_id if self.contact_id is None else self.contact_id
        else:
            self._select_account(defaults.account_id)
            self.to_edit.setText(", ".join(defaults.to))
        self.loaded = True
        self._initial = self.values()
        self.retranslate_ui()
        self._update_state()
        if draft is not None:
            self.body_edit.setFocus()
            cursor = self.body_edit.textCursor()
            cursor.movePosition(cursor.MoveOperation.Start)
            self.body_edit.setTextCursor(cursor)
        elif self.to_edit.text():
            self.subject_edit.setFocus()
        else:
            self.to_edit.setFocus()
        self.sig_loaded.emit()

    def _on_load_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self.form_error.set_error(str(exc))
        else:
            self.runner.show_error(self, exc)
        self.sig_loaded.emit()

    def _select_account(self, account_id: int | None) -> None:
        index = self.account_combo.findData(account_id) if account_id is not None else -1
        self.account_combo.setCurrentIndex(index if index >= 0 else 0)

    @Slot(str)
    def _on_to_edit_text_edited(self, _text: str) -> None:
        self.errors["to"].set_error(None)

    @Slot(str)
    def _on_cc_edit_text_edited(self, _text: str) -> None:
        self.errors["cc"].set_error(None)

    @Slot(str)
    def _on_subject_edit_text_edited(self, _text: str) -> None:
        self.errors["subject"].set_error(None)

    @Slot(int)
    def _on_account_combo_changed(self, _index: int) -> None:
        self.errors["account_id"].set_error(None)

    # ----------------------------------------------------------------- values

    def current_account(self) -> SendAccount | None:
        if self.form_data is None:
            return None
        account_id = self.account_combo.currentData()
        return next((a for a in self.form_data.defaults.accounts if a.id == account_id), None)

    def values(self) -> dict[str, Any]:
        return {
            "account_id": self.account_combo.currentData(),
            "to": split_addresses(self.to_edit.text()),
            "cc": split_addresses(self.cc_edit.text()),
            "subject": self.subject_edit.text().strip(),
            "body": self.body_edit.toPlainText(),
            "attachments": tuple(self.attachments),
        }

    def is_dirty(self) -> bool:
        """The user typed, changed or attached something since the dialog opened."""
        return self.loaded and self._initial is not None and self.values() != self._initial

    def draft(self) -> Draft:
        values = self.values()
        return Draft(
            account_id=int(values["account_id"]),
            to=values["to"],
            cc=values["cc"],
            subject=values["subject"],
            body=values["body"],
            attachments=values["attachments"],
            customer_id=self.customer_id,
            contact_id=self.contact_id,
            in_reply_to_email_id=self.reply_to_email_id,
        )

    def validate(self) -> dict[str, str]:
        """Messages of the fields to correct before sending (none: it may send)."""
        values = self.values()
        fields: dict[str, str] = {}
        if values["account_id"] is None:
            fields["account_id"] = self.tr("Choose the account to send from")
        if not values["to"] and not values["cc"]:
            fields["to"] = self.tr("Add at least one recipient")
        for name, entries in (("to", values["to"]), ("cc", values["cc"])):
            try:
                parse_recipients(entries, name.capitalize())
            except ValidationError:
                bad = next(e for e in entries if not _valid(e))
                fields[name] = self.tr("Not a valid email address: {entry}").format(entry=bad)
        return fields

    def set_field_errors(self, fields: Mapping[str, str]) -> None:
        for name, label in self.errors.items():
            label.set_error(fields.get(name))
        for name, editor in self.editors.items():
            if name in fields:
                editor.setFocus()
                return

    # ----------------------------------------------------------------- attachments

    def add_files(self, paths: list[str]) -> None:
        """Attach these files; one too big for what is left is refused with a message."""
        self.errors["attachments"].set_error(None)
        total = sum(len(a.data) for a in self.attachments)
        for name in paths:
            path = Path(name)
            try:
                size = path.stat().st_size
                if len(self.attachments) >= MAX_ATTACHMENTS:
                    self.errors["attachments"].set_error(
                        self.tr("At most {n} attachments in one email").format(n=MAX_ATTACHMENTS)
                    )
                    break
                if total + size > MAX_ATTACHMENT_BYTES:
                    self.errors["attachments"].set_error(
                        self.tr(
                            "{file} ({size}) was not attached: attachments may add up to at "
                            "most {limit}"
                        ).format(
                            file=path.name,
                            size=size_text(size),
                            limit=size_text(MAX_ATTACHMENT_BYTES),
                        )
                    )
                    continue
                data = path.read_bytes()
            except OSError as exc:
                self.errors["attachments"].set_error(
                    self.tr("{file} could not be read: {reason}").format(
                        file=path.name, reason=exc.strerror or str(exc)
                    )
                )
                continue
            total += len(data)
            self.attachments.append(OutgoingAttachment(path.name, data))
            item = QListWidgetItem(f"{path.name}  ·  {size_text(len(data))}")
            item.setToolTip(str(path))
            self.attachment_list.addItem(item)
        self._show_size()
        self._update_state()

    def remove_selected_attachments(self) -> None:
        rows = sorted(self.attachment_list.row(i) for i in self.attachment_list.selectedItems())
        for row in reversed(rows):
            self.attachment_list.takeItem(row)
            del self.attachments[row]
        self.errors["attachments"].set_error(None)
        self._show_size()
        self._update_state()

    @Slot()
    def _on_attach_button_clicked(self) -> None:
        paths = self.choose_files()
        if paths:
            self.add_files(paths)

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        self.remove_selected_attachments()

    # ----------------------------------------------------------------- sending

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.retranslate_ui()
        self._update_state()

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.send()

    @Slot()
    def _on_send_shortcut_activated(self) -> None:
        self.send()

    def send(self) -> None:
        """Check the form, get the password, send (what Send and Ctrl+Enter do)."""
        if self._busy or not self.loaded or self.account_combo.count() == 0:
            return
        self.form_error.set_error(None)
        fields = self.validate()
        self.set_field_errors(fields)
        if fields:
            self.form_error.set_error(self.tr("Please correct the marked fields."))
            self.sig_send_finished.emit(False)
            return
        if not self.values()["subject"] and not self.ask_no_subject():
            self.subject_edit.setFocus()
            self.sig_send_finished.emit(False)
            return
        account = self.current_account()
        if account is None:
            return
        self._set_busy(True)
        if account.id in self._passwords:
            self._send_with(account, self._passwords[account.id])
            return
        op = self.runner.op(self, load_password, account_id=account.id, actor=self.actor)
        op.read_only().on_success(lambda found: self._on_password_loaded(account, found))
        op.on_failure(lambda _exc: self._on_password_known(account, None))
        op.run()

    def _on_password_loaded(self, account: SendAccount, found: tuple[str | None, Any]) -> None:
        password, row = found
        if row is not None:
            self._account_rows[account.id] = row
        if account.id in self._keyring_failed:
            password = None
        self._on_password_known(account, password)

    def _on_password_known(self, account: SendAccount, password: str | None) -> None:
        from_keyring = password is not None
        if password is None:
            password = self.ask_password(account)
        if not password:
            self._set_busy(False)
            self.sig_send_finished.emit(False)
            return
        self._send_with(account, password, from_keyring=from_keyring)

    def _send_with(
        self, account: SendAccount, password: str, *, from_keyring: bool = False
    ) -> None:
        op = self.runner.op(
            self,
            send_mail,
            draft=self.draft(),
            actor=self.actor,
            password=password,
            ssl_context=self.ssl_context,
        ).own_transactions()
        op.with_progress(
            self.tr("Sending the email through {account}…").format(account=account.label),
            cancellable=False,
        )
        op.on_success(lambda result: self._on_sent(account, password, result))
        op.on_failure(lambda exc: self._on_send_failed(account, exc, from_keyring))
        op.run()

    def _on_sent(self, account: SendAccount, password: str, result: SendResult) -> None:
        self._passwords[account.id] = password
        self.sent_result = result
        self._set_busy(False)
        if result.followup_id is not None and self.customer_id is not None:
            followup_events(self.runner).sig_changed.emit(self.customer_id)
        self.sig_sent.emit(result)
        self.sig_send_finished.emit(True)
        self._closing = True
        self.accept()

    def _on_send_failed(self, account: SendAccount, exc: BaseException, from_keyring: bool) -> None:
        self._set_busy(False)
        if isinstance(exc, SmtpError) and exc.reason == "auth":
            self._passwords.pop(account.id, None)
            if from_keyring:
                self._keyring_failed.add(account.id)  # ask the next time, not the keyring
        if isinstance(exc, ValidationError) and exc.fields:
            self.set_field_errors({k: v for k, v in exc.fields.items() if k in self.errors})
        else:
            self.body_edit.setFocus()  # the draft is as it was: carry on writing or resend
        if isinstance(exc, SmtpError):
            self.form_error.set_error(f"{self.smtp_headline(exc)}\n{exc}")
        elif isinstance(exc, UserError):
            self.form_error.set_error(str(exc))
        else:
            self.form_error.set_error(self.tr("Not sent: an unexpected error occurred."))
            self.runner.show_error(self, exc)
        self.sig_send_finished.emit(False)

    def smtp_headline(self, exc: SmtpError) -> str:
        """What went wrong in the UI's language; the server's own words follow below it."""
        headlines = {
            "connect": self.tr("Not sent: the mail server could not be reached."),
            "tls": self.tr("Not sent: the secure (TLS) connection to the mail server failed."),
            "auth": self.tr(
                "Not sent: the mail server did not accept the password. You will be asked "
                "for it again."
            ),
            "sender": self.tr("Not sent: the mail server refused the sender address."),
            "recipient": self.tr("Not sent: the mail server refused the recipient {address}."),
            "message": self.tr("Not sent: the mail server refused the message."),
            "timeout": self.tr("Not sent: the mail server did not answer in time."),
        }
        text = headlines.get(exc.reason, self.tr("Not sent: the mail server reported an error."))
        return text.format(address=exc.recipient or "")

    # ----------------------------------------------------------------- closing

    def reject(self) -> None:
        if self._busy:
            return  # the server is being talked to: wait for its answer
        if not self._closing and self.is_dirty() and not self.ask_discard():
            return
        self._closing = True
        super().reject()

    # ----------------------------------------------------------------- default prompts

    def _ask_discard_box(self) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Discard email"),
            self.tr("Discard this email? What you wrote will be lost."),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def _ask_no_subject_box(self) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("No subject"),
            self.tr("Send this email without a subject?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _ask_password_dialog(self, account: SendAccount) -> str | None:
        """helper "imap"'s prompt (with "Remember in the keyring") when the account's row
        came; else a plain password question."""
        row = self._account_rows.get(account.id)
        if row is not None:
            try:
                from crm_desktop.ui.mail_accounts import ask_password
            except ImportError:
                pass
            else:
                answer = ask_password(self, row)
                return answer if isinstance(answer, str) and answer else None
        text, ok = QInputDialog.getText(
            self,
            self.tr("Mail password"),
            self.tr("Password of {address} for sending:").format(address=account.email_address),
            QLineEdit.EchoMode.Password,
        )
        return text if ok and text else None

    def _choose_files_dialog(self) -> list[str]:
        paths, _filter = QFileDialog.getOpenFileNames(self, self.tr("Attach files"))
        return list(paths)


def _valid(entry: str) -> bool:
    try:
        parse_recipients([entry], "To")
    except ValidationError:
        return False
    return True


def load_password(session: Any, *, account_id: int, actor: Actor) -> tuple[str | None, Any]:
    """(the keyring's password or None, the account's MailAccountRow for the password
    prompt or None) through helper "imap"'s mail_accounts service, when it is there."""
    try:
        from crm_desktop.services.mail_accounts import get_mail_account, stored_password
    except ImportError:
        return None, None
    return stored_password(session, account_id), get_mail_account(session, account_id, actor)


def open_compose(
    parent: QWidget | None,
    runner: OpRunner,
    actor: Actor,
    *,
    customer_id: int | None,
    contact_id: int | None = None,
    reply_to_email_id: int | None = None,
    reply_all: bool = False,
) -> ComposeDialog:
    """Open the compose dialog (not modal: the customer file stays usable) and return it."""
    dialog = ComposeDialog(
        runner=runner,
        actor=actor,
        customer_id=customer_id,
        contact_id=contact_id,
        reply_to_email_id=reply_to_email_id,
        reply_all=reply_all,
        parent=parent,
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowFlag(Qt.WindowType.Window, True)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
