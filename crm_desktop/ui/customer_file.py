"""The customer file: one non-modal window per customer with its profile form, contacts,
history and attachments (issue 3 §4, §5, §7); also the "new customer" form with its duplicate
check as you type.

Every read and write runs as an operation; the form keeps what the user typed until a save is
acknowledged, and a save over somebody else's newer save goes through the conflict dialog.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QDateTime,
    QEvent,
    QLocale,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QDesktopServices,
    QIcon,
    QKeySequence,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import (
    ConnectionLost,
    NotFound,
    PermissionDenied,
    UserError,
    ValidationError,
)
from crm_desktop.services.customer_file import (
    CustomerFileData,
    FilePickers,
    add_attachment_file,
    load_customer_file,
    load_file_pickers,
    save_attachment_file,
)
from crm_desktop.services.customers import (
    CUSTOMER_FIELDS,
    CUSTOMER_KINDS,
    CUSTOMER_SOURCES,
    CUSTOMER_STATUSES,
    MAX_ATTACHMENT_BYTES,
    AttachmentRow,
    ContactInput,
    ContactRow,
    CustomerDetail,
    CustomerInput,
    DuplicateCustomerFound,
    DuplicateHit,
    EditConflict,
    HistoryRow,
    UpdateResult,
    create_customer,
    delete_attachment,
    delete_contact,
    delete_customer,
    find_duplicates,
    get_customer,
    update_contact,
    update_customer,
)
from crm_desktop.services.customers import may_lock as actor_may_lock
from crm_desktop.ui.contact_dialog import (
    ContactDialog,
    contact_field_label,
    field_error_text,
)
from crm_desktop.ui.errors import user_message
from crm_desktop.ui.live import ChangedElsewhereBanner, concerns_customer, live_updates_of
from crm_desktop.ui.mail_tab import MailDropFilter, MailTab
from crm_desktop.ui.prospect_memory import load_prospect_memory, memory_summary
from crm_desktop.ui.region_picker import RegionPicker
from crm_desktop.ui.style import ERROR_COLOR, MUTED_COLOR, make_title, scaled_font
from crm_desktop.ui.timeline import DELETE_SHORTCUT, LOG_SHORTCUT, TimelineTab
from crm_desktop.ui.widgets import ErrorLabel, state_bytes, state_text, with_error

if TYPE_CHECKING:
    from crm_desktop.core.settings import Settings
    from crm_desktop.services.context import Actor
    from crm_desktop.services.pool import ProspectMemory
    from crm_desktop.ui.ops import Op, OpRunner
    from crm_desktop.ui.shortcuts_dialog import ShortcutEntry

__all__ = ["CustomerFileWindow", "ProfileForm", "open_customer_file"]

DUPLICATE_DELAY_MS = 300  # the duplicate check waits for a pause in typing
DEFAULT_SIZE = QSize(940, 700)
SETTINGS_KEY = "customer_file"  # settings.ui: the window's geometry and its mail splitter
# The window's own keys (also listed by Help → Keyboard shortcuts: customer_file_shortcuts).
SAVE_KEYS = QKeySequence.StandardKey.Save
CLOSE_KEYS = "Esc"
NEXT_TAB_KEYS = "Ctrl+Tab"
PREVIOUS_TAB_KEYS = "Ctrl+Shift+Tab"
PRINT_KEYS = QKeySequence.StandardKey.Print
_TEXT_FIELDS = ("name", "industry", "phone", "email", "website", "address", "tags")
_ID_ROLE = Qt.ItemDataRole.UserRole


def _action_texts() -> dict[str, str]:
    return {
        "save": QCoreApplication.translate("CustomerFileWindow", "Save"),
        "close": QCoreApplication.translate("CustomerFileWindow", "Close the customer file"),
        "next_tab": QCoreApplication.translate("CustomerFileWindow", "Next tab"),
        "previous_tab": QCoreApplication.translate("CustomerFileWindow", "Previous tab"),
        "print": QCoreApplication.translate("CustomerFileWindow", "Print profile…"),
    }


def customer_file_shortcuts() -> list[ShortcutEntry]:
    """The customer file window's keys, for Help → Keyboard shortcuts (the window need not
    be open: the keys are the constants its actions are made from)."""
    from crm_desktop.ui.shortcuts_dialog import ShortcutEntry, clean_text, key_texts

    group = QCoreApplication.translate("CustomerFileWindow", "Customer file")
    texts = _action_texts()
    keys: dict[str, QKeySequence | QKeySequence.StandardKey | str] = {
        "save": SAVE_KEYS,
        "next_tab": NEXT_TAB_KEYS,
        "previous_tab": PREVIOUS_TAB_KEYS,
        "print": PRINT_KEYS,
        "close": CLOSE_KEYS,
    }
    entries = [
        ShortcutEntry(group, clean_text(texts[name]), key_texts([QKeySequence(key)]))
        for name, key in keys.items()
    ]
    entries.insert(
        1,
        ShortcutEntry(
            group,
            clean_text(QCoreApplication.translate("TimelineTab", "Log follow-up…")),
            key_texts([QKeySequence(LOG_SHORTCUT)]),
        ),
    )
    entries.insert(
        2,
        ShortcutEntry(
            group,
            clean_text(QCoreApplication.translate("TimelineTab", "Delete follow-up")),
            key_texts([QKeySequence(DELETE_SHORTCUT)]),
        ),
    )
    return entries


# Answers of the duplicate question.
CREATE_ANYWAY = "create"
OPEN_EXISTING = "open"
CANCEL = "cancel"


# =========================================================================== words


translate = QCoreApplication.translate  # lupdate reads translate("Context", "text") calls


def kind_label(kind: str) -> str:
    labels = {
        "company": translate("CustomerFile", "Company"),
        "individual": translate("CustomerFile", "Individual"),
    }
    return labels.get(kind, kind)


def status_label(status: str) -> str:
    labels = {
        "prospect": translate("CustomerFile", "Prospect"),
        "active": translate("CustomerFile", "Active"),
        "dormant": translate("CustomerFile", "Dormant"),
        "lost": translate("CustomerFile", "Lost"),
    }
    return labels.get(status, status)


def source_label(source: str) -> str:
    labels = {
        "visit": translate("CustomerFile", "Visit"),
        "exhibition": translate("CustomerFile", "Exhibition"),
        "email_campaign": translate("CustomerFile", "Email campaign"),
        "website": translate("CustomerFile", "Website"),
        "phone": translate("CustomerFile", "Phone call"),
        "referral": translate("CustomerFile", "Referral"),
        "other": translate("CustomerFile", "Other"),
    }
    return labels.get(source, source)


def field_label(name: str) -> str:
    """A customer field's label (service names, ``grade_id`` or the history's ``grade``)."""
    labels = {
        "name": translate("CustomerFile", "Name"),
        "kind": translate("CustomerFile", "Kind"),
        "grade_id": translate("CustomerFile", "Grade"),
        "grade": translate("CustomerFile", "Grade"),
        "region_id": translate("CustomerFile", "Region"),
        "region": translate("CustomerFile", "Region"),
        "owner_id": translate("CustomerFile", "Owner"),
        "owner": translate("CustomerFile", "Owner"),
        "status": translate("CustomerFile", "Status"),
        "industry": translate("CustomerFile", "Industry"),
        "source": translate("CustomerFile", "Source"),
        "phone": translate("CustomerFile", "Phone"),
        "email": translate("CustomerFile", "Email"),
        "website": translate("CustomerFile", "Website"),
        "address": translate("CustomerFile", "Address"),
        "tags": translate("CustomerFile", "Tags"),
        "notes": translate("CustomerFile", "Notes"),
        "locked": translate("CustomerFile", "Locked"),
        "deleted_at": translate("CustomerFile", "Recycle bin"),
        "attachment": translate("CustomerFile", "Attachment"),
    }
    if name in labels:
        return labels[name]
    return contact_field_label(name)


def action_label(action: str) -> str:
    labels = {
        "customer.create": translate("CustomerFile", "Created"),
        "customer.update": translate("CustomerFile", "Changed"),
        "customer.delete": translate("CustomerFile", "Moved to the recycle bin"),
        "customer.restore": translate("CustomerFile", "Restored from the recycle bin"),
        "customer.bulk_update": translate("CustomerFile", "Changed with others"),
        "customer.region_merge": translate("CustomerFile", "Region merged"),
        "customer.attachment_add": translate("CustomerFile", "Attachment added"),
        "customer.attachment_delete": translate("CustomerFile", "Attachment deleted"),
        "contact.create": translate("CustomerFile", "Contact added"),
        "contact.update": translate("CustomerFile", "Contact changed"),
        "contact.delete": translate("CustomerFile", "Contact deleted"),
    }
    return labels.get(action, action)


def short_date(value: datetime | date) -> str:
    """ "3 Mar" (this year) or "3 Mar 2024", in the UI's language."""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone().date()
    qdate = QDate(value.year, value.month, value.day)
    pattern = (
        translate("CustomerFile", "d MMM")
        if value.year == date.today().year
        else translate("CustomerFile", "d MMM yyyy")
    )
    return QLocale().toString(qdate, pattern)


def date_time_text(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    moment = QDateTime.fromSecsSinceEpoch(int(aware.timestamp()))  # local time
    return QLocale().toString(moment, QLocale.FormatType.ShortFormat)


def _swatch(color: str | None, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color or "#9ca3af"))
    return QIcon(pixmap)


def _text_on(color: str) -> str:
    """Black or white, whichever reads better on ``color``."""
    c = QColor(color)
    luminance = 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue()
    return "#111827" if luminance > 160 else "#ffffff"


# =========================================================================== the profile form


class ProfileForm(QWidget):
    """The customer's profile fields with an error label beside each; knows which fields the
    user changed since ``load()``."""

    sig_edited = Signal()
    """The user changed a field."""

    sig_identity_edited = Signal()
    """The user typed in name, phone or email (the duplicate check listens)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pickers: FilePickers | None = None
        self._loaded: dict[str, Any] = {}
        self._extra_owner: tuple[int, str] | None = None
        self._editable = True
        self.name_edit = QLineEdit(self)
        self.kind_combo = QComboBox(self)
        self.grade_combo = QComboBox(self)
        self.region_picker = RegionPicker(self)
        self.owner_combo = QComboBox(self)
        self.status_combo = QComboBox(self)
        self.industry_edit = QLineEdit(self)
        self.source_combo = QComboBox(self)
        self.phone_edit = QLineEdit(self)
        self.email_edit = QLineEdit(self)
        self.website_edit = QLineEdit(self)
        self.address_edit = QLineEdit(self)
        self.tags_edit = QLineEdit(self)
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(max(120, 6 * self.notes_edit.fontMetrics().lineSpacing()))
        self.locked_check = QCheckBox(self)
        self.editors: dict[str, QWidget] = {
            "name": self.name_edit,
            "kind": self.kind_combo,
            "grade_id": self.grade_combo,
            "region_id": self.region_picker,
            "owner_id": self.owner_combo,
            "status": self.status_combo,
            "industry": self.industry_edit,
            "source": self.source_combo,
            "phone": self.phone_edit,
            "email": self.email_edit,
            "website": self.website_edit,
            "address": self.address_edit,
            "tags": self.tags_edit,
            "notes": self.notes_edit,
            "locked": self.locked_check,
        }
        self.labels: dict[str, QLabel] = {}
        self.errors: dict[str, ErrorLabel] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 8, 4, 8)
        columns = QHBoxLayout()
        outer.addLayout(columns)
        outer.addStretch(1)  # extra height goes below the fields, not between them
        columns.setSpacing(28)
        left, right = QFormLayout(), QFormLayout()
        for form in (left, right):
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setVerticalSpacing(8)
            form.setHorizontalSpacing(12)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        placement = {
            "name": left,
            "kind": left,
            "grade_id": left,
            "region_id": left,
            "owner_id": left,
            "status": left,
            "industry": left,
            "source": left,
            "phone": right,
            "email": right,
            "website": right,
            "address": right,
            "tags": right,
            "notes": right,
            "locked": right,
        }
        for name in CUSTOMER_FIELDS:
            label = QLabel(self)
            error = ErrorLabel(self)
            error.setObjectName("fieldError")
            error.setStyleSheet(f"color: {ERROR_COLOR};")
            self.labels[name] = label
            self.errors[name] = error
            placement[name].addRow(label, with_error(self.editors[name], error))
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        self.name_edit.setMaxLength(300)

        for edit in (
            self.name_edit,
            self.industry_edit,
            self.phone_edit,
            self.email_edit,
            self.website_edit,
            self.address_edit,
            self.tags_edit,
        ):
            edit.textEdited.connect(self._on_editor_edited)
        for edit in (self.name_edit, self.phone_edit, self.email_edit):
            edit.textEdited.connect(self._on_identity_text_edited)
        for combo in (
            self.kind_combo,
            self.grade_combo,
            self.owner_combo,
            self.status_combo,
            self.source_combo,
        ):
            combo.activated.connect(self._on_editor_edited)
        self.notes_edit.textChanged.connect(self._on_notes_edit_text_changed)
        self.locked_check.toggled.connect(self._on_editor_edited)
        self.region_picker.sig_region_changed.connect(self._on_editor_edited)
        self._filling = False
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        for name, label in self.labels.items():
            label.setText(field_label(name) if name != "locked" else "")
        self.locked_check.setText(self.tr("Locked (protected from reclaim rules)"))
        self.tags_edit.setPlaceholderText(self.tr("comma-separated, e.g. vip, 华东展会"))
        self.phone_edit.setPlaceholderText(self.tr("e.g. 021 6123 4567 or +86 138 1234 5678"))
        self.website_edit.setPlaceholderText("https://")
        self.name_edit.setPlaceholderText(self.tr("Company or person (required)"))
        self._fill_choices()

    # ----------------------------------------------------------------- choices

    def set_pickers(self, pickers: FilePickers) -> None:
        self._pickers = pickers
        self.region_picker.set_regions(pickers.regions)
        self._fill_choices()

    def _fill_choices(self) -> None:
        """(Re)build the combo boxes, keeping what each shows."""
        self._filling = True
        try:
            current = {
                name: self._combo_value(combo)
                for name, combo in self._combos().items()
                if combo.count()
            }
            self.kind_combo.clear()
            for kind in CUSTOMER_KINDS:
                self.kind_combo.addItem(kind_label(kind), kind)
            self.status_combo.clear()
            for status in CUSTOMER_STATUSES:
                self.status_combo.addItem(status_label(status), status)
            self.source_combo.clear()
            self.source_combo.addItem("—", None)
            for source in CUSTOMER_SOURCES:
                self.source_combo.addItem(source_label(source), source)
            self.grade_combo.clear()
            self.grade_combo.addItem("—", None)
            for grade in self._pickers.grades if self._pickers else ():
                self.grade_combo.addItem(
                    _swatch(grade.color), f"{grade.code} · {grade.name}", grade.id
                )
            self.owner_combo.clear()
            for owner in self._pickers.owners if self._pickers else ():
                self.owner_combo.addItem(owner.display_name, owner.id)
            if (
                self._extra_owner is not None
                and self.owner_combo.findData(self._extra_owner[0]) < 0
            ):
                self.owner_combo.addItem(self._extra_owner[1], self._extra_owner[0])
            self.owner_combo.addItem(self.tr("Public pool"), None)
            for name, value in current.items():
                self._set_combo(self._combos()[name], value)
        finally:
            self._filling = False

    def _combos(self) -> dict[str, QComboBox]:
        return {
            "kind": self.kind_combo,
            "grade_id": self.grade_combo,
            "owner_id": self.owner_combo,
            "status": self.status_combo,
            "source": self.source_combo,
        }

    @staticmethod
    def _combo_value(combo: QComboBox) -> Any:
        return combo.currentData() if combo.currentIndex() >= 0 else None

    @staticmethod
    def _set_combo(combo: QComboBox, value: Any) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(index if index >= 0 else 0 if combo.count() else -1)

    def grade_row(self, grade_id: int | None) -> Any:
        for grade in self._pickers.grades if self._pickers else ():
            if grade.id == grade_id:
                return grade
        return None

    def owner_name(self, owner_id: int | None) -> str | None:
        index = self.owner_combo.findData(owner_id)
        return self.owner_combo.itemText(index) if index >= 0 else None

    # ----------------------------------------------------------------- values

    def load(
        self,
        values: Mapping[str, Any],
        *,
        owner_name: str | None = None,
        region_path: str | None = None,
    ) -> None:
        """Show ``values`` (service field names) as the unchanged state of the form."""
        owner_id = values.get("owner_id")
        if owner_id is not None and self.owner_combo.findData(owner_id) < 0:
            self._extra_owner = (owner_id, owner_name or f"#{owner_id}")
            self._fill_choices()
        for name in CUSTOMER_FIELDS:
            self.set_value(name, values.get(name), region_path=region_path)
        self._loaded = self.values()
        self.clear_errors()

    def set_value(self, name: str, value: Any, *, region_path: str | None = None) -> None:
        """Put one value into its editor (does not count as the user's edit)."""
        self._filling = True
        try:
            if name in self._combos():
                if name == "kind" and value is None:
                    value = "company"
                if name == "status" and value is None:
                    value = "prospect"
                self._set_combo(self._combos()[name], value)
            elif name == "region_id":
                self.region_picker.set_region_id(value, region_path)
            elif name == "tags":
                tags = value.split(",") if isinstance(value, str) else (value or ())
                self.tags_edit.setText(", ".join(t.strip() for t in tags if t.strip()))
            elif name == "notes":
                self.notes_edit.setPlainText(value or "")
            elif name == "locked":
                self.locked_check.setChecked(bool(value))
            else:
                editor = self.editors[name]
                assert isinstance(editor, QLineEdit)
                editor.setText("" if value is None else str(value))
        finally:
            self._filling = False

    def values(self) -> dict[str, Any]:
        """Every field's current value in the service's terms (empty text → None)."""
        out: dict[str, Any] = {}
        for name in _TEXT_FIELDS:
            editor = self.editors[name]
            assert isinstance(editor, QLineEdit)
            out[name] = editor.text().strip() or None
        out["name"] = out["name"] or ""
        for name, combo in self._combos().items():
            out[name] = self._combo_value(combo)
        out["region_id"] = self.region_picker.region_id()
        out["notes"] = self.notes_edit.toPlainText().strip() or None
        out["locked"] = self.locked_check.isChecked()
        return out

    def changed(self) -> dict[str, Any]:
        """The fields whose value differs from the loaded state."""
        current = self.values()
        return {name: v for name, v in current.items() if self._loaded.get(name) != v}

    def is_dirty(self) -> bool:
        return bool(self.changed())

    # ----------------------------------------------------------------- errors, state

    def set_field_errors(self, fields: Mapping[str, str]) -> None:
        """Show each message beside its field; focus the first field in error."""
        first: QWidget | None = None
        for name in CUSTOMER_FIELDS:
            message = fields.get(name)
            self.errors[name].set_error(field_error_text(message) if message else None)
            if message and first is None:
                first = self.editors[name]
        if first is not None:
            first.setFocus()

    def set_field_error(self, name: str, text: str | None) -> None:
        self.errors[name].set_error(text)

    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.set_error(None)

    def set_editable(self, editable: bool, *, may_lock: bool = True) -> None:
        self._editable = editable
        for name, editor in self.editors.items():
            if isinstance(editor, (QLineEdit, QPlainTextEdit)):
                editor.setReadOnly(not editable)
            elif isinstance(editor, RegionPicker):
                editor.set_read_only(not editable)
            else:
                editor.setEnabled(editable and (may_lock or name != "locked"))
        if not may_lock:
            self.locked_check.setToolTip(
                self.tr("Only a manager may lock a customer against the pool rules")
            )

    @Slot()
    def _on_editor_edited(self, *_args: object) -> None:
        if not self._filling:
            field = self._field_of(self.sender())
            if field is not None:
                self.errors[field].set_error(None)
            self.sig_edited.emit()

    @Slot()
    def _on_notes_edit_text_changed(self) -> None:
        if not self._filling:
            self.sig_edited.emit()

    @Slot(str)
    def _on_identity_text_edited(self, _text: str) -> None:
        self.sig_identity_edited.emit()

    def _field_of(self, widget: object) -> str | None:
        for name, editor in self.editors.items():
            if editor is widget:
                return name
        return None


# =========================================================================== the tabs


def _table(parent: QWidget, columns: int) -> QTableWidget:
    table = QTableWidget(0, columns, parent)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setHighlightSections(False)
    return table


def _item(text: str | None, data: Any = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text or "")
    if data is not None:
        item.setData(_ID_ROLE, data)
    item.setToolTip(text or "")
    return item


class ContactsTab(QWidget):
    """The customer's contacts, the primary one starred; add, edit, make primary, delete."""

    sig_changed = Signal()
    """A contact was added, changed or deleted (the window reloads history)."""

    def __init__(self, window: CustomerFileWindow) -> None:
        super().__init__(window)
        self._window = window
        self.contacts: tuple[ContactRow, ...] = ()
        self.dialog: ContactDialog | None = None
        self._editable = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.table = _table(self, 7)
        self.table.setWordWrap(False)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.edit_button = QPushButton(self)
        self.primary_button = QPushButton(self)
        self.email_button = QPushButton(self)
        self.delete_button = QPushButton(self)
        for button in (self.add_button, self.edit_button, self.primary_button, self.email_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.primary_button.clicked.connect(self._on_primary_button_clicked)
        self.email_button.clicked.connect(self._on_email_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(self._on_table_item_double_clicked)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.table.setHorizontalHeaderLabels(
            [
                "",
                contact_field_label("name"),
                contact_field_label("title"),
                contact_field_label("department"),
                self.tr("Phone / mobile"),
                contact_field_label("email"),
                contact_field_label("wechat"),
            ]
        )
        self.add_button.setText(self.tr("Add contact…"))
        self.edit_button.setText(self.tr("Edit…"))
        self.primary_button.setText(self.tr("Make primary"))
        self.email_button.setText(self.tr("Email…"))
        self.email_button.setToolTip(self.tr("Write an email to this contact"))
        self.delete_button.setText(self.tr("Delete"))
        self.set_contacts(self.contacts)

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        self._update_buttons()

    def set_contacts(self, contacts: Sequence[ContactRow]) -> None:
        selected = self.selected()
        self.contacts = tuple(contacts)
        self.table.setRowCount(len(self.contacts))
        for row, contact in enumerate(self.contacts):
            star = _item("★" if contact.is_primary else "", contact.id)
            star.setToolTip(self.tr("Primary contact") if contact.is_primary else "")
            star.setForeground(QColor("#d97706"))
            phones = " / ".join(p for p in (contact.phone, contact.mobile) if p)
            cells = [
                star,
                _item(contact.name),
                _item(contact.title),
                _item(contact.department),
                _item(phones),
                _item(contact.email),
                _item(contact.wechat),
            ]
            if contact.is_primary:
                font = cells[1].font()
                font.setBold(True)
                cells[1].setFont(font)
            for column, cell in enumerate(cells):
                self.table.setItem(row, column, cell)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(0, 28)
        for column, width in enumerate((130, 150, 110, 180, 230), start=1):
            self.table.setColumnWidth(column, width)
        if selected is not None:
            self.select(selected.id)
        self._update_buttons()

    def select(self, contact_id: int) -> None:
        for row, contact in enumerate(self.contacts):
            if contact.id == contact_id:
                self.table.selectRow(row)
                return

    def selected(self) -> ContactRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.contacts):
            return None
        return self.contacts[rows[0].row()]

    @Slot()
    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.add_button.setEnabled(self._editable)
        self.edit_button.setEnabled(chosen is not None)
        self.primary_button.setEnabled(
            self._editable and chosen is not None and not chosen.is_primary
        )
        self.delete_button.setEnabled(self._editable and chosen is not None)
        self.email_button.setEnabled(chosen is not None and bool(chosen.email))

    @Slot()
    def _on_email_button_clicked(self) -> None:
        chosen = self.selected()
        window = self._window
        if chosen is None or not chosen.email or window.customer_id is None:
            return
        from crm_desktop.ui.compose_dialog import open_compose

        self.compose_dialog = open_compose(
            window,
            window.runner,
            window.actor,
            customer_id=window.customer_id,
            contact_id=chosen.id,
        )

    def _open_dialog(self, contact: ContactRow | None) -> None:
        window = self._window
        if window.customer_id is None:
            return
        dialog = ContactDialog(
            runner=window.runner,
            actor=window.actor,
            customer_id=window.customer_id,
            contact=contact,
            parent=self,
        )
        if contact is not None and not self._editable:
            dialog.save_button.setEnabled(False)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.sig_saved.connect(self._on_dialog_saved)
        self.dialog = dialog
        dialog.open()

    @Slot()
    def _on_add_button_clicked(self) -> None:
        self._open_dialog(None)

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self._open_dialog(chosen)

    @Slot(object)
    def _on_table_item_double_clicked(self, _item: QTableWidgetItem) -> None:
        self._on_edit_button_clicked()

    @Slot(object)
    def _on_dialog_saved(self, row: ContactRow) -> None:
        before = next((c.email for c in self.contacts if c.id == row.id), None)
        self._window.mail_tab.offer_relink_if_new(before, row.email)
        self.sig_changed.emit()

    @Slot()
    def _on_primary_button_clicked(self) -> None:
        chosen = self.selected()
        window = self._window
        if chosen is None:
            return
        window.run_op(
            "contacts",
            update_contact,
            contact_id=chosen.id,
            data=ContactInput(is_primary=True),
            expected_version=chosen.version,
            actor=window.actor,
            base=chosen,
        ).on_success(lambda _r: self.sig_changed.emit())

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        chosen = self.selected()
        window = self._window
        if chosen is None:
            return
        if not window.ask_confirm(
            self.tr("Delete the contact {name}?").format(name=chosen.name),
            self.tr("Delete"),
        ):
            return
        window.run_op(
            "contacts", delete_contact, contact_id=chosen.id, actor=window.actor
        ).on_success(lambda _r: self.sig_changed.emit())


class HistoryTab(QWidget):
    """Who changed which field of this customer file from what to what, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: tuple[HistoryRow, ...] = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.table = _table(self, 5)
        self.table.setWordWrap(False)
        layout.addWidget(self.table)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.table.setHorizontalHeaderLabels(
            [self.tr("When"), self.tr("Who"), self.tr("What"), self.tr("From"), self.tr("To")]
        )
        self.set_rows(self.rows)

    def what_text(self, row: HistoryRow) -> str:
        if row.field is None:
            what = action_label(row.action)
        elif row.entity == "contact":
            what = contact_field_label(row.field)
        else:
            what = field_label(row.field)
        if row.entity == "contact" and row.subject:
            return self.tr("Contact {name}: {what}").format(name=row.subject, what=what)
        return what

    @staticmethod
    def value_text(field: str | None, value: str | None) -> str:
        if value is None:
            return ""
        if field == "status":
            return status_label(value)
        if field == "kind":
            return kind_label(value)
        if field == "source":
            return source_label(value)
        if value in ("yes", "no"):
            return (
                translate("CustomerFile", "yes")
                if value == "yes"
                else translate("CustomerFile", "no")
            )
        if field == "deleted_at":
            try:
                return date_time_text(datetime.fromisoformat(value))
            except ValueError:
                return value
        return value

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        self.rows = tuple(rows)
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            cells = [
                _item(date_time_text(row.at)),
                _item(row.actor),
                _item(self.what_text(row)),
                _item(self.value_text(row.field, row.old)),
                _item(self.value_text(row.field, row.new)),
            ]
            for column, cell in enumerate(cells):
                self.table.setItem(index, column, cell)
        for column, width in enumerate((140, 110, 200, 170)):
            self.table.setColumnWidth(column, width)


class AttachmentsTab(QWidget):
    """Files kept with the customer in the database: add, open, save as, delete."""

    def __init__(self, window: CustomerFileWindow) -> None:
        super().__init__(window)
        self._window = window
        self.rows: tuple[AttachmentRow, ...] = ()
        self._editable = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.table = _table(self, 4)
        layout.addWidget(self.table, 1)
        self.limit_label = QLabel(self)
        self.limit_label.setStyleSheet(f"color: {MUTED_COLOR};")
        layout.addWidget(self.limit_label)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.open_button = QPushButton(self)
        self.save_button = QPushButton(self)
        self.delete_button = QPushButton(self)
        for button in (self.add_button, self.open_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(self._on_table_item_double_clicked)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.table.setHorizontalHeaderLabels(
            [self.tr("File"), self.tr("Size"), self.tr("Added"), self.tr("By")]
        )
        self.limit_label.setText(
            self.tr("Files are kept in the company database, up to {size} each.").format(
                size=QLocale().formattedDataSize(MAX_ATTACHMENT_BYTES, 0)
            )
        )
        self.add_button.setText(self.tr("Add file…"))
        self.open_button.setText(self.tr("Open"))
        self.save_button.setText(self.tr("Save as…"))
        self.delete_button.setText(self.tr("Delete"))
        self.set_rows(self.rows)

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        self._update_buttons()

    def set_rows(self, rows: Sequence[AttachmentRow]) -> None:
        self.rows = tuple(rows)
        locale = QLocale()
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            cells = [
                _item(row.filename, row.id),
                _item(locale.formattedDataSize(row.size)),
                _item(date_time_text(row.created_at)),
                _item(row.created_by),
            ]
            for column, cell in enumerate(cells):
                self.table.setItem(index, column, cell)
        self.table.setColumnWidth(0, 320)
        self.table.setColumnWidth(1, 90)
        self.table.setColumnWidth(2, 150)
        self._update_buttons()

    def selected(self) -> AttachmentRow | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model else []
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()]

    @Slot()
    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.add_button.setEnabled(self._editable)
        self.open_button.setEnabled(chosen)
        self.save_button.setEnabled(chosen)
        self.delete_button.setEnabled(self._editable and chosen)

    @Slot()
    def _on_add_button_clicked(self) -> None:
        window = self._window
        if window.customer_id is None:
            return
        path = window.choose_open_path()
        if not path:
            return
        try:
            size = Path(path).stat().st_size
        except OSError as exc:
            window.show_note(str(exc), error=True)
            return
        if size > MAX_ATTACHMENT_BYTES:
            window.show_note(
                self.tr("{file} is {size}; attachments may be at most {limit}.").format(
                    file=Path(path).name,
                    size=QLocale().formattedDataSize(size),
                    limit=QLocale().formattedDataSize(MAX_ATTACHMENT_BYTES, 0),
                ),
                error=True,
            )
            return
        window.run_op(
            "attachments",
            add_attachment_file,
            customer_id=window.customer_id,
            path=path,
            actor=window.actor,
            progress_label=self.tr("Adding {file}…").format(file=Path(path).name),
        ).on_success(lambda _row: window.reload())

    @Slot()
    def _on_open_button_clicked(self) -> None:
        chosen = self.selected()
        window = self._window
        if chosen is None:
            return
        folder = Path(tempfile.mkdtemp(prefix="crm-attachment-"))
        target = folder / chosen.filename
        window.run_op(
            "attachments",
            save_attachment_file,
            read_only=True,
            attachment_id=chosen.id,
            path=str(target),
            actor=window.actor,
        ).on_success(lambda path: window.open_url(QUrl.fromLocalFile(str(path))))

    @Slot(object)
    def _on_table_item_double_clicked(self, _item: QTableWidgetItem) -> None:
        self._on_open_button_clicked()

    @Slot()
    def _on_save_button_clicked(self) -> None:
        chosen = self.selected()
        window = self._window
        if chosen is None:
            return
        path = window.choose_save_path(chosen.filename)
        if not path:
            return
        window.run_op(
            "attachments",
            save_attachment_file,
            read_only=True,
            attachment_id=chosen.id,
            path=path,
            actor=window.actor,
        ).on_success(
            lambda written: window.show_note(
                self.tr("Saved {file}").format(file=Path(str(written)).name)
            )
        )

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        chosen = self.selected()
        window = self._window
        if chosen is None:
            return
        if not window.ask_confirm(
            self.tr("Delete the attachment {file}?").format(file=chosen.filename),
            self.tr("Delete"),
        ):
            return
        window.run_op(
            "attachments", delete_attachment, attachment_id=chosen.id, actor=window.actor
        ).on_success(lambda _r: window.reload())


class DuplicateBanner(QFrame):
    """Under the new-customer form: the existing customers that look like the one typed."""

    sig_open_requested = Signal(int)
    """The user clicked "Open" on a visible duplicate; carries its customer id."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicateBanner")
        self.setStyleSheet(
            "QFrame#duplicateBanner { background: #fff7e6; border: 1px solid #f5c26b;"
            " border-radius: 6px; }"
            " QLabel { color: #7c4a03; background: transparent; border: none; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.label.linkActivated.connect(self._on_label_link_activated)
        layout.addWidget(self.label)
        self.hits: tuple[DuplicateHit, ...] = ()
        # Prospect memory of visible hits, by customer id (who followed it up before).
        self.memories: dict[int, ProspectMemory] = {}
        self.setVisible(False)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.set_hits(self.hits)
        super().changeEvent(event)

    def hit_text(self, hit: DuplicateHit) -> str:
        """One line about one hit, as plain text."""
        owner = hit.owner_name or self.tr("public pool")
        if not hit.visible:
            if "name" in hit.matched_on:
                return self.tr("A customer with this name exists — owner {owner}").format(
                    owner=owner
                )
            if "phone" in hit.matched_on:
                return self.tr("A customer with this phone number exists — owner {owner}").format(
                    owner=owner
                )
            return self.tr("A customer with this email address exists — owner {owner}").format(
                owner=owner
            )
        details = [self.tr("owner {owner}").format(owner=owner)]
        if hit.grade_code:
            details.append(self.tr("grade {grade}").format(grade=hit.grade_code))
        if hit.last_followup_at is not None:
            details.append(
                self.tr("last contact {date}").format(date=short_date(hit.last_followup_at))
            )
        return self.tr("“{name}” exists — {details}").format(
            name=hit.name or "", details=self.tr(", ").join(details)
        )

    def text(self) -> str:
        """What the banner says, as plain text (one line per hit, its prospect memory under)."""
        lines = []
        for hit in self.hits:
            lines.append(self.hit_text(hit))
            memory = self.memory_text(hit)
            if memory:
                lines.append(memory)
        return "\n".join(lines)

    def memory_text(self, hit: DuplicateHit) -> str:
        """Who followed the hit up before and what came of it ("" when unknown or nobody)."""
        memory = self.memories.get(hit.customer_id) if hit.customer_id is not None else None
        return memory_summary(memory) if memory is not None else ""

    def set_memory(self, memory: ProspectMemory) -> None:
        """Show a hit's prospect memory under it (it arrives after the hits)."""
        if any(hit.customer_id == memory.customer_id for hit in self.hits):
            self.memories[memory.customer_id] = memory
            self.set_hits(self.hits)

    def set_hits(self, hits: Sequence[DuplicateHit]) -> None:
        self.hits = tuple(hits)
        ids = {hit.customer_id for hit in self.hits}
        self.memories = {k: v for k, v in self.memories.items() if k in ids}
        lines = []
        for hit in self.hits[:4]:
            line = _html_escape(self.hit_text(hit))
            if hit.visible and hit.customer_id is not None:
                link = _html_escape(self.tr("Open"))
                line += f' &nbsp;<a href="{hit.customer_id}">{link}</a>'
            memory = self.memory_text(hit)
            if memory:
                line += "<br>&nbsp;&nbsp;&nbsp;&nbsp;" + _html_escape(memory)
            lines.append("⚠ " + line)
        if len(self.hits) > 4:
            lines.append(
                _html_escape(self.tr("… and {count} more").format(count=len(self.hits) - 4))
            )
        self.label.setText("<br>".join(lines))
        self.setVisible(bool(self.hits))

    @Slot(str)
    def _on_label_link_activated(self, link: str) -> None:
        if link.isdigit():
            self.sig_open_requested.emit(int(link))


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# =========================================================================== the window


class CustomerFileWindow(QWidget):
    """One customer's file in its own window (or a new customer's form when ``customer_id`` is
    None). Prompts are attributes so tests (and embedders) can answer them:
    ``ask_discard()``, ``ask_duplicate(hits)``, ``ask_conflict(exc, merged)``,
    ``ask_confirm(text, action)``, ``choose_open_path()``, ``choose_save_path(name)``,
    ``open_url(url)``.
    """

    sig_saved = Signal(int)
    """A save (or a create, or a delete) succeeded; carries the customer id."""

    sig_loaded = Signal()
    """The file's data arrived from the database and is shown."""

    sig_op_done = Signal(str)
    """An operation of this window ended, either way; carries its kind ("load", "save",
    "duplicates", "contacts", "attachments", "delete")."""

    def __init__(
        self,
        runner: OpRunner,
        actor: Actor,
        customer_id: int | None,
        *,
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.runner = runner
        self.actor = actor
        self.customer_id = customer_id
        self.settings = settings
        self.detail: CustomerDetail | None = None
        self.pickers: FilePickers | None = None
        self.loaded = False
        self._saving = False
        self._closing_confirmed = False
        self._dup_seq = 0
        self._focus_before_save: QWidget | None = None
        self.ops_running = 0
        # A new customer's id, made once: a retried save finds what a lost answer created.
        self.new_uuid = str(uuid.uuid4()) if customer_id is None else None
        self._newer_detail: CustomerDetail | None = None  # changed elsewhere while edited
        # Prompts, replaceable (see the class docstring).
        self.ask_discard: Callable[[], bool] = self._ask_discard_box
        self.ask_duplicate: Callable[[Sequence[DuplicateHit]], str] = self._ask_duplicate_box
        self.ask_conflict: Callable[[EditConflict, list[str]], dict[str, str] | None] = (
            self._ask_conflict_dialog
        )
        self.ask_confirm: Callable[[str, str], bool] = self._ask_confirm_box
        self.choose_open_path: Callable[[], str | None] = self._choose_open_path_dialog
        self.choose_save_path: Callable[[str], str | None] = self._choose_save_path_dialog
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl

        self.resize(DEFAULT_SIZE)
        self._build_ui()
        self._build_actions()
        self._restore_layout()
        self.retranslate_ui()
        self._duplicate_timer = QTimer(self)
        self._duplicate_timer.setSingleShot(True)
        self._duplicate_timer.setInterval(DUPLICATE_DELAY_MS)
        self._duplicate_timer.timeout.connect(self._on_duplicate_timer_timeout)
        self.form.sig_edited.connect(self._on_form_edited)
        self.form.sig_identity_edited.connect(self._on_form_identity_edited)
        self.contacts_tab.sig_changed.connect(self._on_contacts_tab_changed)
        self.duplicate_banner.sig_open_requested.connect(self._on_duplicate_banner_open_requested)
        # Mail files dropped anywhere on the window are imported for this customer.
        self.mail_drop = MailDropFilter(
            self, self.mail_tab.import_files, accepts=self.mail_tab.accepts_drops
        )
        self.live_banner.sig_reload_requested.connect(self._on_live_banner_reload_requested)
        live = live_updates_of(runner)
        if live is not None:
            live.sig_changed.connect(self._on_live_sig_changed)
        self._set_enabled_state()
        self.load()

    # ----------------------------------------------------------------- construction

    def _build_ui(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 14)
        outer.setSpacing(10)

        header = QVBoxLayout()
        header.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(10)
        self.name_label = make_title(QLabel(self), 1.5)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.grade_badge = QLabel(self)
        self.grade_badge.setObjectName("gradeBadge")
        self.grade_badge.setFont(scaled_font(self.grade_badge, 1.0, bold=True))
        self.grade_badge.setVisible(False)
        top.addWidget(self.name_label)
        top.addWidget(self.grade_badge, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addStretch(1)
        header.addLayout(top)
        self.facts_label = QLabel(self)
        self.facts_label.setObjectName("muted")
        self.facts_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.facts_label.setWordWrap(True)
        header.addWidget(self.facts_label)
        outer.addLayout(header)

        self.note_label = QLabel(self)
        self.note_label.setObjectName("fileNote")
        self.note_label.setWordWrap(True)
        self.note_label.setVisible(False)
        outer.addWidget(self.note_label)
        self.live_banner = ChangedElsewhereBanner(self)
        outer.addWidget(self.live_banner)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        profile = QWidget(self.tabs)
        profile_layout = QVBoxLayout(profile)
        profile_layout.setContentsMargins(0, 0, 0, 0)
        profile_layout.setSpacing(8)
        self.form = ProfileForm(profile)
        scroll = QScrollArea(profile)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form)
        profile_layout.addWidget(scroll, 1)
        self.duplicate_banner = DuplicateBanner(profile)
        profile_layout.addWidget(self.duplicate_banner)
        self.profile_tab = profile
        self.contacts_tab = ContactsTab(self)
        self.timeline_tab = TimelineTab(self)
        self.mail_tab = MailTab(self)
        self.history_tab = HistoryTab(self)
        self.attachments_tab = AttachmentsTab(self)
        self.tabs.addTab(self.profile_tab, "")
        self.tabs.addTab(self.contacts_tab, "")
        self.tabs.addTab(self.timeline_tab, "")
        self.tabs.addTab(self.mail_tab, "")
        self.tabs.addTab(self.history_tab, "")
        self.tabs.addTab(self.attachments_tab, "")
        outer.addWidget(self.tabs, 1)

        buttons = QHBoxLayout()
        self.delete_button = QPushButton(self)
        self.revert_button = QPushButton(self)
        self.save_button = QPushButton(self)
        self.save_button.setDefault(True)
        self.close_button = QPushButton(self)
        self.print_button = QPushButton(self)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        outer.addLayout(buttons)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.revert_button.clicked.connect(self._on_revert_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.close_button.clicked.connect(self.close)
        self.print_button.clicked.connect(self._on_print_button_clicked)

    def _on_print_button_clicked(self) -> None:
        """The customer's profile sheet in a report window: preview, print, save."""
        if self.customer_id is None:
            return
        from crm_desktop.services.reports import ReportFilters
        from crm_desktop.ui.reports_page import ReportDialog

        name = self.detail.name if self.detail is not None else ""
        self.report_dialog = ReportDialog(
            self.actor,
            self.runner,
            "profile",
            ReportFilters(customer_id=self.customer_id),
            self,
            customer_name=name,
        )
        self.report_dialog.setWindowFlag(Qt.WindowType.Window, True)
        self.report_dialog.show()

    def _build_actions(self) -> None:
        def action(keys: QKeySequence | str, slot: Callable[[], None]) -> QAction:
            act = QAction(self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.save_action = action(SAVE_KEYS, self._on_save_action_triggered)
        self.close_action = action(CLOSE_KEYS, self._on_close_action_triggered)
        self.next_tab_action = action(NEXT_TAB_KEYS, self._on_next_tab_action_triggered)
        self.previous_tab_action = action(PREVIOUS_TAB_KEYS, self._on_previous_tab_action_triggered)
        self.print_action = action(PRINT_KEYS, self._on_print_button_clicked)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        texts = _action_texts()
        self.save_action.setText(texts["save"])
        self.close_action.setText(texts["close"])
        self.next_tab_action.setText(texts["next_tab"])
        self.previous_tab_action.setText(texts["previous_tab"])
        self.print_action.setText(texts["print"])
        self.tabs.setTabText(0, self.tr("Profile"))
        self.tabs.setTabText(1, self.tr("Contacts"))
        self.tabs.setTabText(self.tabs.indexOf(self.timeline_tab), self.tr("Follow-ups"))
        self.tabs.setTabText(self.tabs.indexOf(self.mail_tab), self.tr("Mail"))
        self.tabs.setTabText(self.tabs.indexOf(self.history_tab), self.tr("History"))
        self.tabs.setTabText(self.tabs.indexOf(self.attachments_tab), self.tr("Attachments"))
        for index in range(1, self.tabs.count()):
            self.tabs.setTabToolTip(
                index, self.tr("Save the new customer first") if self.customer_id is None else ""
            )
        self.delete_button.setText(self.tr("Delete customer"))
        self.print_button.setText(self.tr("Print profile…"))
        self.print_button.setToolTip(
            self.tr("Preview, print or save this customer's profile sheet (Ctrl+P)")
        )
        self.revert_button.setText(self.tr("Revert"))
        self.revert_button.setToolTip(self.tr("Undo your changes since the last save"))
        self.save_button.setText(
            self.tr("Saving…")
            if self._saving
            else self.tr("Create customer")
            if self.customer_id is None
            else self.tr("Save")
        )
        self.save_button.setToolTip(self.tr("Save (Ctrl+S)"))
        self.close_button.setText(self.tr("Close"))
        self._show_header()

    # ----------------------------------------------------------------- header, state

    def _show_header(self) -> None:
        detail = self.detail
        if detail is None:
            title = self.form.values()["name"] if self.loaded else ""
            self.name_label.setText(title or self.tr("New customer"))
            self.grade_badge.setVisible(False)
            self.facts_label.setText(
                self.tr("A new customer file. Fill in at least the name, then create it.")
            )
            self.setWindowTitle(self.tr("New customer — crm-desktop") + "[*]")
            return
        self.name_label.setText(detail.name)
        self.setWindowTitle(self.tr("{name} — customer file").format(name=detail.name) + "[*]")
        if detail.grade_code:
            grade = self.form.grade_row(detail.grade_id)
            color = detail.grade_color or "#6b7280"
            text = f"{detail.grade_code} · {grade.name}" if grade else detail.grade_code
            self.grade_badge.setText(text)
            self.grade_badge.setStyleSheet(
                f"QLabel#gradeBadge {{ background: {color}; color: {_text_on(color)};"
                " border-radius: 4px; padding: 2px 8px; }"
            )
            self.grade_badge.setVisible(True)
        else:
            self.grade_badge.setVisible(False)
        facts = [
            self.tr("Owner: {owner}").format(owner=detail.owner_name)
            if detail.owner_name
            else self.tr("In the public pool"),
            self.tr("Region: {path}").format(path=detail.region_path)
            if detail.region_path
            else self.tr("No region"),
            status_label(detail.status),
        ]
        if detail.branch_name:
            facts.append(detail.branch_name)
        if detail.last_followup_at is not None:
            facts.append(
                self.tr("last contact {date}").format(date=short_date(detail.last_followup_at))
            )
        self.facts_label.setText("  ·  ".join(facts))

    def can_edit(self) -> bool:
        return self.detail.can_edit if self.detail is not None else self.customer_id is None

    def _set_enabled_state(self) -> None:
        editable = self.loaded and self.can_edit() and not self._saving
        self.form.set_editable(self.can_edit(), may_lock=actor_may_lock(self.actor))
        self.form.setEnabled(self.loaded and not self._saving)
        dirty = self.loaded and self.form.is_dirty()
        self.save_button.setEnabled(editable and (dirty or self.customer_id is None))
        self.save_action.setEnabled(editable)
        self.revert_button.setEnabled(editable and dirty)
        self.delete_button.setVisible(self.customer_id is not None)
        self.delete_button.setEnabled(editable and self.detail is not None)
        self.print_button.setVisible(self.customer_id is not None)
        self.print_button.setEnabled(self.detail is not None)
        for index in range(1, self.tabs.count()):
            self.tabs.setTabEnabled(index, self.customer_id is not None)
        self.contacts_tab.set_editable(editable)
        self.timeline_tab.update_state()
        self.attachments_tab.set_editable(editable)
        self.setWindowModified(dirty)

    def show_note(self, text: str | None, *, error: bool = False) -> None:
        """A message under the header (no dialog): merged fields, saved files, problems."""
        if not text:
            self.note_label.setVisible(False)
            self.note_label.clear()
            return
        if error:
            style = f"color: {ERROR_COLOR}; background: #fdecea; border: 1px solid #f5c2bd;"
        else:
            style = "color: #1e3a8a; background: #eef4ff; border: 1px solid #c7d7fe;"
        self.note_label.setStyleSheet(
            f"QLabel#fileNote {{ {style} border-radius: 6px; padding: 6px 10px; }}"
        )
        self.note_label.setText(text)
        self.note_label.setProperty("error", error)
        self.note_label.setVisible(True)

    # ----------------------------------------------------------------- operations

    def run_op(
        self,
        kind: str,
        fn: Callable[..., Any],
        *,
        read_only: bool = False,
        progress_label: str | None = None,
        **kwargs: Any,
    ) -> Op:
        """Start an operation of this window; ``sig_op_done(kind)`` follows its callbacks.
        Errors go to the window's note (a user error) or the error display (a bug) unless the
        caller sets ``on_failure``. Returns the Op, already running: chain ``on_success``."""
        op = self.runner.op(self, fn, **kwargs)
        if read_only:
            op.read_only()
        if progress_label:
            op.with_progress(progress_label)
        op.on_failure(self._on_op_failed)
        self.ops_running += 1

        def finished() -> None:
            self.ops_running -= 1
            if shiboken6.isValid(self):
                self.sig_op_done.emit(kind)

        op.sig_finished.connect(finished)
        # The callbacks are chained after run() returns: results arrive through the event
        # loop, never before the caller finished setting them.
        return op.run()

    def _on_op_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            lost = isinstance(exc, ConnectionLost)
            self.show_note(user_message(exc) if lost else str(exc), error=True)
        else:
            self.runner.show_error(self, exc)

    # ----------------------------------------------------------------- loading

    def load(self) -> None:
        """(Re)load everything from the database; the form is replaced only if unchanged."""
        if self.customer_id is None:
            self.run_op("load", load_file_pickers, read_only=True, actor=self.actor).on_success(
                self._on_pickers_loaded
            )
            return
        self.run_op(
            "load",
            load_customer_file,
            read_only=True,
            customer_id=self.customer_id,
            actor=self.actor,
            with_pickers=self.pickers is None,
        ).on_success(self._on_file_loaded).on_failure(self._on_load_failed)

    def reload(self) -> None:
        self.load()

    def _on_pickers_loaded(self, pickers: FilePickers) -> None:
        self.pickers = pickers
        self.form.set_pickers(pickers)
        owner = self.actor.id if any(o.id == self.actor.id for o in pickers.owners) else None
        self.form.load(
            {"kind": "company", "status": "prospect", "owner_id": owner, "locked": False}
        )
        self.loaded = True
        self._set_enabled_state()
        self._show_header()
        self.form.name_edit.setFocus()
        self.sig_loaded.emit()

    def _on_file_loaded(self, data: CustomerFileData) -> None:
        if data.pickers is not None:
            self.pickers = data.pickers
            self.form.set_pickers(data.pickers)
        self.contacts_tab.set_contacts(data.detail.contacts)
        self.history_tab.set_rows(data.history)
        self.attachments_tab.set_rows(data.attachments)
        if self.detail is None or not self.form.is_dirty():
            self._apply_detail(data.detail)
        elif data.detail.version > self.detail.version:
            # Someone else saved while this user edits: keep the input, say so.
            self._newer_detail = data.detail
            self.live_banner.setVisible(True)
        self.loaded = True
        self._set_enabled_state()
        self.sig_loaded.emit()

    def _on_load_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotFound):
            self.name_label.setText(self.tr("Customer not found"))
            self.facts_label.setText(self.tr("This customer does not exist or you may not see it."))
            self.tabs.setEnabled(False)
            self.show_note(str(exc), error=True)
        else:
            self._on_op_failed(exc)

    def _apply_detail(self, detail: CustomerDetail) -> None:
        """Make ``detail`` the form's base: shown values, version, header."""
        self.detail = detail
        newer = self._newer_detail
        if newer is not None and detail.version >= newer.version:
            self._newer_detail = None
            self.live_banner.setVisible(False)
        self.form.load(
            {name: getattr(detail, name) for name in CUSTOMER_FIELDS},
            owner_name=detail.owner_name,
            region_path=detail.region_path,
        )
        self.contacts_tab.set_contacts(detail.contacts)
        self._show_header()
        if not detail.can_edit:
            if detail.deleted_at is not None:
                self.show_note(self.tr("This customer is in the recycle bin."))
            elif detail.owner_id is None:
                self.show_note(self.tr("This customer is in the public pool: claim it to edit it."))
            else:
                self.show_note(self.tr("You can view this customer but not change it."))

    # ----------------------------------------------------------------- live updates

    @Slot(object)
    def _on_live_sig_changed(self, changes: Mapping[str, set[int]]) -> None:
        if self.customer_id is None or not concerns_customer(changes, self.customer_id):
            return
        if self._saving:
            return  # the save's answer reloads the file
        self.load()  # replaces the profile only when it is not being edited

    @Slot()
    def _on_live_banner_reload_requested(self) -> None:
        newer = self._newer_detail
        if newer is None or (self.is_dirty() and not self.ask_discard()):
            return
        self._apply_detail(newer)
        self.show_note(None)
        self._set_enabled_state()

    # ----------------------------------------------------------------- editing

    @Slot()
    def _on_form_edited(self) -> None:
        self._set_enabled_state()
        if self.customer_id is None:
            self._show_header()

    @Slot()
    def _on_form_identity_edited(self) -> None:
        if self.customer_id is None:
            self._duplicate_timer.start()

    @Slot()
    def _on_duplicate_timer_timeout(self) -> None:
        self.check_duplicates()

    def check_duplicates(self) -> None:
        """Ask the database for customers like the one typed (the banner shows them)."""
        values = self.form.values()
        name, phone, email = values["name"], values["phone"], values["email"]
        self._dup_seq += 1
        seq = self._dup_seq
        if not (name or phone or email):
            self.duplicate_banner.set_hits(())
            self.sig_op_done.emit("duplicates")
            return
        self.run_op(
            "duplicates",
            find_duplicates,
            read_only=True,
            name=name or None,
            phone=phone,
            email=email,
            actor=self.actor,
        ).on_success(lambda hits: self._on_duplicates_found(seq, hits))

    def _on_duplicates_found(self, seq: int, hits: list[DuplicateHit]) -> None:
        if seq == self._dup_seq and self.customer_id is None:  # an older answer is stale
            self.duplicate_banner.set_hits(hits)
            # Who followed each visible hit up before (invisible hits have no id: nothing leaks).
            for hit in hits[:4]:
                if hit.customer_id is not None and hit.customer_id not in (
                    self.duplicate_banner.memories
                ):
                    load_prospect_memory(
                        self.runner,
                        self,
                        self.actor,
                        hit.customer_id,
                        self.duplicate_banner.set_memory,
                    )

    @Slot(int)
    def _on_duplicate_banner_open_requested(self, customer_id: int) -> None:
        open_customer_file(
            self.parentWidget() or self,
            self.runner,
            self.actor,
            customer_id,
            settings=self.settings,
        )

    # ----------------------------------------------------------------- saving

    def is_dirty(self) -> bool:
        return self.loaded and self.form.is_dirty()

    def _set_saving(self, saving: bool) -> None:
        if saving:
            # The form is disabled while saving; typing goes on where it was afterwards.
            self._focus_before_save = QApplication.focusWidget()
        self._saving = saving
        self.retranslate_ui()
        self._set_enabled_state()
        if not saving:
            widget = self._focus_before_save
            self._focus_before_save = None
            if widget is not None and shiboken6.isValid(widget) and widget.isEnabled():
                widget.setFocus()

    @Slot()
    def _on_save_button_clicked(self) -> None:
        self.save()

    @Slot()
    def _on_save_action_triggered(self) -> None:
        self.save()

    def save(self) -> None:
        """Create the customer, or save the fields the user changed (Ctrl+S)."""
        if self._saving or not self.loaded or not self.can_edit():
            return
        self.show_note(None)
        self.form.clear_errors()
        if self.customer_id is None:
            self._create(allow_duplicate=False)
            return
        changed = self.form.changed()
        if not changed:
            return
        assert self.detail is not None
        self._update(changed, self.detail.version, self.detail)

    def _create(self, *, allow_duplicate: bool) -> None:
        values = self.form.values()
        if not values["name"]:
            self.form.set_field_errors({"name": "required"})
            self.sig_op_done.emit("save")
            return
        self._set_saving(True)
        self.run_op(
            "save",
            create_customer,
            data=CustomerInput(**values, uuid=self.new_uuid),
            actor=self.actor,
            allow_duplicate=allow_duplicate,
        ).on_success(self._on_created).on_failure(self._on_create_failed)

    def _on_created(self, detail: CustomerDetail) -> None:
        self._set_saving(False)
        self.customer_id = detail.id
        _register(self)
        self._duplicate_timer.stop()
        self.duplicate_banner.set_hits(())
        self._apply_detail(detail)
        self.retranslate_ui()
        self._set_enabled_state()
        self.show_note(self.tr("Customer created."))
        self.mail_tab.offer_relink_if_new(None, detail.email)
        self.sig_saved.emit(detail.id)
        self.load()  # history and the rest of the file

    def _on_create_failed(self, exc: BaseException) -> None:
        self._set_saving(False)
        if isinstance(exc, DuplicateCustomerFound):
            self.duplicate_banner.set_hits(exc.hits)
            answer = self.ask_duplicate(exc.hits)
            if answer == CREATE_ANYWAY:
                self._create(allow_duplicate=True)
                return
            if answer == OPEN_EXISTING:
                visible = next((h for h in exc.hits if h.visible and h.customer_id), None)
                if visible is not None and visible.customer_id is not None:
                    self._on_duplicate_banner_open_requested(visible.customer_id)
            return
        self._show_save_error(exc, self.form.values())

    def _update(self, changed: dict[str, Any], version: int, base: CustomerDetail) -> None:
        assert self.customer_id is not None
        self._set_saving(True)
        self.run_op(
            "save",
            update_customer,
            customer_id=self.customer_id,
            data=CustomerInput(**changed),
            expected_version=version,
            actor=self.actor,
            base=base,
        ).on_success(lambda result: self._on_updated(result, ())).on_failure(
            lambda exc: self._on_update_failed(exc, changed, base)
        )

    def _on_updated(self, result: UpdateResult, merged_before: Sequence[str]) -> None:
        self._set_saving(False)
        email_before = self.detail.email if self.detail is not None else None
        self._apply_detail(result.detail)
        merged = list(dict.fromkeys([*merged_before, *result.merged]))
        if merged:
            self.show_note(
                self.tr("Merged with changes by someone else: {fields}").format(
                    fields=", ".join(field_label(f) for f in merged)
                )
            )
        else:
            self.show_note(self.tr("Saved."))
        self._set_enabled_state()
        self.mail_tab.offer_relink_if_new(email_before, result.detail.email)
        self.sig_saved.emit(result.detail.id)
        self.load()  # the history gained rows

    def _on_update_failed(
        self, exc: BaseException, changed: dict[str, Any], base: CustomerDetail
    ) -> None:
        self._set_saving(False)
        if isinstance(exc, EditConflict) and exc.fields and exc.current_version is not None:
            self.run_op(
                "save", get_customer, read_only=True, customer_id=exc.entity_id, actor=self.actor
            ).on_success(lambda current: self._on_conflict_current(exc, base, current))
            return
        self._show_save_error(exc, changed)

    def _on_conflict_current(
        self, exc: EditConflict, base: CustomerDetail, current: CustomerDetail
    ) -> None:
        merged = [
            name
            for name in CUSTOMER_FIELDS
            if name not in exc.fields and _comparable(base, name) != _comparable(current, name)
        ]
        choices = self.ask_conflict(exc, merged)
        if choices is None:
            self.show_note(
                self.tr(
                    "Not saved: someone else changed this customer meanwhile. Your input is "
                    "kept; save again to decide."
                ),
                error=True,
            )
            return
        data = dict(exc.mine)
        for name, which in choices.items():
            if which == "theirs":
                data.pop(name, None)
                self.form.set_value(name, exc.fields[name].theirs, region_path=current.region_path)
        assert self.customer_id is not None
        self._set_saving(True)
        self.run_op(
            "save",
            update_customer,
            customer_id=self.customer_id,
            data=CustomerInput(**data),
            expected_version=exc.current_version,
            actor=self.actor,
            base=current,
        ).on_success(lambda result: self._on_updated(result, merged)).on_failure(
            lambda again: self._on_update_failed(again, data, current)
        )

    def _show_save_error(self, exc: BaseException, attempted: Mapping[str, Any]) -> None:
        if isinstance(exc, ValidationError) and exc.fields:
            self.form.set_field_errors(exc.fields)
            self.show_note(self.tr("Not saved: please correct the marked fields."), error=True)
        elif isinstance(exc, PermissionDenied) and "owner_id" in attempted:
            self.form.set_field_error("owner_id", str(exc))
            self.show_note(str(exc), error=True)
        elif isinstance(exc, UserError):
            self.show_note(user_message(exc), error=True)
        else:
            self.runner.show_error(self, exc)

    @Slot()
    def _on_revert_button_clicked(self) -> None:
        if self.detail is not None:
            self._apply_detail(self.detail)
            self.show_note(None)
            self._set_enabled_state()

    # ----------------------------------------------------------------- delete

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        if self.detail is None or self.customer_id is None:
            return
        if not self.ask_confirm(
            self.tr("Move {name} to the recycle bin? A manager can restore it.").format(
                name=self.detail.name
            ),
            self.tr("Delete customer"),
        ):
            return
        customer_id = self.customer_id
        self.run_op(
            "delete", delete_customer, customer_id=customer_id, actor=self.actor
        ).on_success(lambda _s: self._on_deleted(customer_id))

    def _on_deleted(self, customer_id: int) -> None:
        self.sig_saved.emit(customer_id)
        self._closing_confirmed = True
        self.close()

    # ----------------------------------------------------------------- contacts

    @Slot()
    def _on_contacts_tab_changed(self) -> None:
        self.load()

    # ----------------------------------------------------------------- tabs, closing

    @Slot()
    def _on_next_tab_action_triggered(self) -> None:
        self._step_tab(1)

    @Slot()
    def _on_previous_tab_action_triggered(self) -> None:
        self._step_tab(-1)

    def _step_tab(self, step: int) -> None:
        count = self.tabs.count()
        index = self.tabs.currentIndex()
        for _ in range(count):
            index = (index + step) % count
            if self.tabs.isTabEnabled(index):
                self.tabs.setCurrentIndex(index)
                return

    @Slot()
    def _on_close_action_triggered(self) -> None:
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing_confirmed and self.is_dirty() and not self.ask_discard():
            event.ignore()
            return
        self._duplicate_timer.stop()
        self.remember_layout()
        super().closeEvent(event)

    def _restore_layout(self) -> None:
        saved = self.settings.ui.get(SETTINGS_KEY)
        if not isinstance(saved, dict):
            return
        geometry = state_bytes(saved.get("geometry"))
        if geometry is not None:
            self.restoreGeometry(geometry)
        mail_splitter = state_bytes(saved.get("mail_splitter"))
        if mail_splitter is not None:
            self.mail_tab.splitter.restoreState(mail_splitter)

    def remember_layout(self) -> None:
        """Put the window's size and its mail splitter into the settings (the next customer
        file opens the same way; the settings file is written when the main window closes)."""
        self.settings.ui[SETTINGS_KEY] = {
            "geometry": state_text(self.saveGeometry()),
            "mail_splitter": state_text(self.mail_tab.splitter.saveState()),
        }

    # ----------------------------------------------------------------- default prompts

    def _ask_discard_box(self) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Unsaved changes"),
            self.tr("Discard your unsaved changes to this customer?"),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def _ask_duplicate_box(self, hits: Sequence[DuplicateHit]) -> str:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Possible duplicate"))
        box.setText(self.tr("A similar customer exists already."))
        box.setInformativeText("\n".join(self.duplicate_banner.hit_text(h) for h in hits[:4]))
        create = box.addButton(self.tr("Create anyway"), QMessageBox.ButtonRole.AcceptRole)
        open_existing = None
        if any(h.visible and h.customer_id for h in hits):
            open_existing = box.addButton(
                self.tr("Open the existing one"), QMessageBox.ButtonRole.ActionRole
            )
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        if clicked is create:
            return CREATE_ANYWAY
        if open_existing is not None and clicked is open_existing:
            return OPEN_EXISTING
        return CANCEL

    def conflict_value_text(self, name: str, value: Any) -> str:
        """A value as the conflict dialog shows it (ids as grade codes, paths, names)."""
        if value is None:
            return ""
        if name == "grade_id":
            grade = self.form.grade_row(value)
            return f"{grade.code} · {grade.name}" if grade else f"#{value}"
        if name == "region_id":
            return self.form.region_picker.path(value) or f"#{value}"
        if name == "owner_id":
            return self.form.owner_name(value) or f"#{value}"
        if name == "kind":
            return kind_label(value)
        if name == "status":
            return status_label(value)
        if name == "source":
            return source_label(value)
        if name == "locked":
            return translate("CustomerFile", "yes") if value else translate("CustomerFile", "no")
        if name == "tags" and isinstance(value, list | tuple):
            return ", ".join(value)
        return str(value)

    def _ask_conflict_dialog(self, exc: EditConflict, merged: list[str]) -> dict[str, str] | None:
        from crm_desktop.ui.conflict_dialog import ConflictDialog

        dialog = ConflictDialog(
            exc.fields,
            merged=merged,
            label_of=field_label,
            show_value=self.conflict_value_text,
            parent=self,
        )
        self.conflict_dialog = dialog
        try:
            accepted = dialog.exec() == ConflictDialog.DialogCode.Accepted
            return dialog.choices() if accepted else None
        finally:
            self.conflict_dialog = None
            dialog.deleteLater()

    def _ask_confirm_box(self, text: str, action: str) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(action)
        box.setText(text)
        yes = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        return clicked is yes

    def _choose_open_path_dialog(self) -> str | None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("Add a file"))
        return path or None

    def _choose_save_path_dialog(self, name: str) -> str | None:
        start = str(Path.home() / name)
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Save the file as"), start)
        return path or None


def _comparable(detail: CustomerDetail, name: str) -> Any:
    value = getattr(detail, name)
    return tuple(value) if name == "tags" else value


# =========================================================================== opening

# One window per customer and database: (runner, customer id) → window.
_windows: dict[tuple[int, int], CustomerFileWindow] = {}


def _register(window: CustomerFileWindow) -> None:
    if window.customer_id is None:
        return
    key = (id(window.runner), window.customer_id)
    _windows[key] = window

    def forget() -> None:
        if _windows.get(key) is window:
            del _windows[key]

    window.destroyed.connect(forget)


def _find(runner: OpRunner, customer_id: int) -> CustomerFileWindow | None:
    window = _windows.get((id(runner), customer_id))
    if window is None or not shiboken6.isValid(window) or window.runner is not runner:
        _windows.pop((id(runner), customer_id), None)
        return None
    return window


def open_customer_file(
    parent: QWidget,
    runner: OpRunner,
    actor: Actor,
    customer_id: int | None,
    *,
    settings: Settings,
) -> CustomerFileWindow:
    """Open (or raise, if it is open already) the customer's file window; ``customer_id``
    None opens a new, empty customer form. The window is non-modal and deletes itself when
    closed; connect its ``sig_saved`` to refresh lists."""
    if customer_id is not None:
        existing = _find(runner, customer_id)
        if existing is not None:
            existing.show()
            existing.setWindowState(existing.windowState() & ~Qt.WindowState.WindowMinimized)
            existing.raise_()
            existing.activateWindow()
            return existing
    window = CustomerFileWindow(runner, actor, customer_id, settings=settings, parent=parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    _register(window)
    window.show()
    return window
