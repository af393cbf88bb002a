"""Adding or editing one contact of a customer: the dialog saves through an operation and stays
open with the message beside the field until the save is acknowledged."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QDate, QEvent, QLocale, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import ValidationError
from crm_desktop.services.customers import (
    CONTACT_FIELDS,
    ContactInput,
    ContactRow,
    EditConflict,
    add_contact,
    get_customer,
    update_contact,
)
from crm_desktop.ui.widgets import ErrorLabel, with_error

if TYPE_CHECKING:
    from crm_desktop.services.context import Actor
    from crm_desktop.services.customers import ContactResult, CustomerDetail
    from crm_desktop.ui.ops import OpRunner

__all__ = ["ContactDialog", "field_error_text"]

_NO_DATE = QDate(1900, 1, 1)  # the QDateEdit's minimum stands for "no birthday"
_AT_MOST = re.compile(r"^at most (\d+) characters$")


def field_error_text(message: str) -> str:
    """A service's short field message ("not a valid phone number") in the UI's language."""
    translate = QCoreApplication.translate
    known = {
        "required": translate("FieldErrors", "Required"),
        "not a valid phone number": translate("FieldErrors", "Not a valid phone number"),
        "not a valid email address": translate("FieldErrors", "Not a valid email address"),
        "does not exist": translate("FieldErrors", "No longer exists; choose another"),
        "not a date": translate("FieldErrors", "Not a date"),
        "invalid code": translate("FieldErrors", "1–50 letters, digits, '.', '_' or '-'"),
        "taken": translate("FieldErrors", "Already used"),
        "invalid colour": translate("FieldErrors", "Not a colour"),
        "invalid": translate("FieldErrors", "A whole number of days, 0 or more"),
        "too large": translate("FieldErrors", "The file is too large"),
    }
    if message in known:
        return known[message]
    match = _AT_MOST.match(message)
    if match:
        return translate("FieldErrors", "At most {count} characters").format(
            count=QLocale().toString(int(match.group(1)))
        )
    if message.startswith("must be one of"):
        return translate("FieldErrors", "Choose one of the listed values")
    return message


def contact_field_label(name: str) -> str:
    """The label of a contact field, as the dialog shows it."""
    translate = QCoreApplication.translate
    labels = {
        "name": translate("ContactDialog", "Name"),
        "title": translate("ContactDialog", "Title"),
        "department": translate("ContactDialog", "Department"),
        "phone": translate("ContactDialog", "Phone"),
        "mobile": translate("ContactDialog", "Mobile"),
        "email": translate("ContactDialog", "Email"),
        "wechat": translate("ContactDialog", "WeChat"),
        "birthday": translate("ContactDialog", "Birthday"),
        "notes": translate("ContactDialog", "Notes"),
        "is_primary": translate("ContactDialog", "Primary contact"),
    }
    return labels.get(name, name)


def contact_value_text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return (
            QCoreApplication.translate("ContactDialog", "yes")
            if value
            else QCoreApplication.translate("ContactDialog", "no")
        )
    if isinstance(value, date):
        return QLocale().toString(QDate(value.year, value.month, value.day), "yyyy-MM-dd")
    return str(value)


class ContactDialog(QDialog):
    """The contact form (name, title, department, phones, email, WeChat, birthday, notes,
    primary). ``contact`` None adds a new contact to ``customer_id``.

    ``ask_conflict(exc, merged) -> dict | None`` decides a conflicting save (field → "mine" /
    "theirs", None = cancel); by default it shows a ConflictDialog.
    """

    sig_saved = Signal(object)
    """The contact was saved; carries the ContactRow."""

    sig_save_finished = Signal(bool)
    """A save attempt ended; True when it was saved (tests wait on this)."""

    def __init__(
        self,
        *,
        runner: OpRunner,
        actor: Actor,
        customer_id: int,
        contact: ContactRow | None = None,
        ask_conflict: Callable[[EditConflict, list[str]], dict[str, str] | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.customer_id = customer_id
        self.contact = contact
        self.ask_conflict = ask_conflict or self._ask_conflict_dialog
        self._busy = False
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(8)
        self.name_edit = QLineEdit(self)
        self.title_edit = QLineEdit(self)
        self.department_edit = QLineEdit(self)
        self.phone_edit = QLineEdit(self)
        self.mobile_edit = QLineEdit(self)
        self.email_edit = QLineEdit(self)
        self.wechat_edit = QLineEdit(self)
        self.birthday_edit = QDateEdit(self)
        self.birthday_edit.setCalendarPopup(True)
        self.birthday_edit.setMinimumDate(_NO_DATE)
        self.birthday_edit.setDisplayFormat("yyyy-MM-dd")
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(70)
        self.primary_check = QCheckBox(self)
        self.editors: dict[str, QWidget] = {
            "name": self.name_edit,
            "title": self.title_edit,
            "department": self.department_edit,
            "phone": self.phone_edit,
            "mobile": self.mobile_edit,
            "email": self.email_edit,
            "wechat": self.wechat_edit,
            "birthday": self.birthday_edit,
            "notes": self.notes_edit,
            "is_primary": self.primary_check,
        }
        self.labels: dict[str, QLabel] = {}
        self.errors: dict[str, ErrorLabel] = {}
        for name in CONTACT_FIELDS:
            label = QLabel(self)
            error = ErrorLabel(self)
            self.labels[name] = label
            self.errors[name] = error
            form.addRow(label, with_error(self.editors[name], error))
        layout.addLayout(form)
        self.form_error = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.form_error)
        self.buttons = QDialogButtonBox(self)
        self.save_button = QPushButton(self)
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._load(contact)
        self._loaded = self.values()
        self.name_edit.setFocus()
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("New contact") if self.contact is None else self.tr("Contact"))
        for name, label in self.labels.items():
            label.setText(contact_field_label(name) if name != "is_primary" else "")
        self.primary_check.setText(contact_field_label("is_primary"))
        self.birthday_edit.setSpecialValueText(self.tr("none"))
        self.wechat_edit.setPlaceholderText(self.tr("WeChat ID"))
        self.save_button.setText(self.tr("Saving…") if self._busy else self.tr("Save"))

    # ----------------------------------------------------------------- values

    def _load(self, contact: ContactRow | None) -> None:
        if contact is None:
            self.birthday_edit.setDate(_NO_DATE)
            return
        for name in ("name", "title", "department", "phone", "mobile", "email", "wechat"):
            edit = self.editors[name]
            assert isinstance(edit, QLineEdit)
            edit.setText(getattr(contact, name) or "")
        self.notes_edit.setPlainText(contact.notes or "")
        born = contact.birthday
        self.birthday_edit.setDate(QDate(born.year, born.month, born.day) if born else _NO_DATE)
        self.primary_check.setChecked(contact.is_primary)

    def values(self) -> dict[str, Any]:
        """The form's values in the service's terms (empty text → None)."""
        out: dict[str, Any] = {}
        for name in ("name", "title", "department", "phone", "mobile", "email", "wechat"):
            edit = self.editors[name]
            assert isinstance(edit, QLineEdit)
            out[name] = edit.text().strip() or None
        out["name"] = out["name"] or ""
        out["notes"] = self.notes_edit.toPlainText().strip() or None
        chosen = self.birthday_edit.date()
        out["birthday"] = None if chosen == _NO_DATE else chosen.toPython()
        out["is_primary"] = self.primary_check.isChecked()
        return out

    def changed(self) -> dict[str, Any]:
        current = self.values()
        return {k: v for k, v in current.items() if self._loaded.get(k) != v}

    def set_value(self, name: str, value: Any) -> None:
        editor = self.editors[name]
        if isinstance(editor, QLineEdit):
            editor.setText("" if value is None else str(value))
        elif name == "notes":
            self.notes_edit.setPlainText(value or "")
        elif name == "birthday":
            self.birthday_edit.setDate(
                QDate(value.year, value.month, value.day) if isinstance(value, date) else _NO_DATE
            )
        elif name == "is_primary":
            self.primary_check.setChecked(bool(value))

    def set_field_errors(self, fields: dict[str, str]) -> None:
        for name, label in self.errors.items():
            label.set_error(field_error_text(fields[name]) if name in fields else None)
        for name in CONTACT_FIELDS:
            if name in fields:
                self.editors[name].setFocus()
                break

    # ----------------------------------------------------------------- saving

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(not busy)
        self.retranslate_ui()

    def save(
        self, *, expected_version: int | None = None, data: dict[str, Any] | None = None
    ) -> None:
        """Save the form (what the Save button does)."""
        if self._busy:
            return
        self.form_error.set_error(None)
        self.set_field_errors({})
        if self.contact is None:
            values = self.values()
            if not values["name"]:
                self.set_field_errors({"name": "required"})
                return
            op = self.runner.op(
                self,
                add_contact,
                customer_id=self.customer_id,
                data=ContactInput(**values),
                actor=self.actor,
            )
        else:
            given = self.changed() if data is None else data
            if not given and expected_version is None:
                self.accept()
                return
            op = self.runner.op(
                self,
                update_contact,
                contact_id=self.contact.id,
                data=ContactInput(**given),
                expected_version=(
                    self.contact.version if expected_version is None else expected_version
                ),
                actor=self.actor,
                base=self.contact,
            )
        self._set_busy(True)
        op.on_success(self._on_saved).on_failure(self._on_save_failed).run()

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.save()

    def _on_saved(self, result: ContactRow | ContactResult) -> None:
        self._set_busy(False)
        row = result if isinstance(result, ContactRow) else result.contact
        self.sig_saved.emit(row)
        self.sig_save_finished.emit(True)
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, EditConflict) and exc.fields and exc.current_version is not None:
            self._resolve_conflict(exc)
            return
        if isinstance(exc, ValidationError) and exc.fields:
            self.set_field_errors(exc.fields)
            self.form_error.set_error(self.tr("Please correct the marked fields."))
        elif isinstance(exc, ValidationError | EditConflict):
            self.form_error.set_error(str(exc))
        else:
            self.runner.show_error(self, exc)
        self.sig_save_finished.emit(False)

    def _resolve_conflict(self, exc: EditConflict) -> None:
        """Read the contact as saved now, to report the merged fields, then let the user decide."""
        self.runner.op(
            self, get_customer, customer_id=self.customer_id, actor=self.actor
        ).read_only().on_success(lambda detail: self._on_conflict_current(exc, detail)).on_failure(
            lambda _e: self._on_conflict_current(exc, None)
        ).run()

    def _on_conflict_current(self, exc: EditConflict, detail: CustomerDetail | None) -> None:
        merged: list[str] = []
        current = None
        if detail is not None and self.contact is not None:
            current = next((c for c in detail.contacts if c.id == self.contact.id), None)
        if current is not None and self.contact is not None:
            merged = [
                n
                for n in CONTACT_FIELDS
                if getattr(current, n) != getattr(self.contact, n) and n not in exc.fields
            ]
        choices = self.ask_conflict(exc, merged)
        if choices is None:
            self.form_error.set_error(
                self.tr("Not saved: someone else changed this contact. Your input is kept.")
            )
            self.sig_save_finished.emit(False)
            return
        data = dict(exc.mine)
        for name, which in choices.items():
            if which == "theirs":
                data.pop(name, None)
                self.set_value(name, exc.fields[name].theirs)
        self.save(expected_version=exc.current_version, data=data)

    def _ask_conflict_dialog(self, exc: EditConflict, merged: list[str]) -> dict[str, str] | None:
        from crm_desktop.ui.conflict_dialog import ConflictDialog

        dialog = ConflictDialog(
            exc.fields,
            merged=merged,
            label_of=contact_field_label,
            show_value=contact_value_text,
            parent=self,
        )
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.choices()
            return None
        finally:
            dialog.deleteLater()
