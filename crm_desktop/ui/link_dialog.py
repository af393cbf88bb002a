"""Linking mail to a customer by hand (Mail page, Ctrl+L): search customers as you type, pick one
and, optionally, one of its contacts; "Add <address> to this contact" teaches the contact the
address so the other unlinked mail of that address follows (the dialog says how many)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import OperationCancelled
from crm_desktop.services.customers import CustomerDetail, get_customer
from crm_desktop.services.mail_view import LinkResult, count_address_followers, link_messages
from crm_desktop.services.search import SearchResult, search_customers
from crm_desktop.ui.style import MUTED_COLOR, scaled_font

if TYPE_CHECKING:
    from crm_desktop.services.context import Actor
    from crm_desktop.ui.ops import Op, OpRunner

__all__ = ["LinkDialog"]

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 200
SEARCH_LIMIT = 30
CUSTOMER_ROLE = Qt.ItemDataRole.UserRole


class LinkDialog(QDialog):
    """Link ``email_ids`` to a customer. ``address`` is the other party's address of the first
    message (None: nothing to teach a contact); ``subject`` is shown so the user knows what
    they link."""

    sig_results_loaded = Signal(int)
    """The customer search answered; carries how many customers it shows."""

    sig_contacts_loaded = Signal(int)
    """The picked customer's contacts are in the contact list; carries the customer id."""

    sig_followers_loaded = Signal(int)
    """The number of other unlinked messages of the address is known; carries it."""

    sig_linked = Signal(object)
    """The messages were linked (the dialog then closes); carries the LinkResult."""

    def __init__(
        self,
        runner: OpRunner,
        actor: Actor,
        email_ids: Sequence[int],
        *,
        address: str | None = None,
        subject: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.email_ids = list(email_ids)
        self.address = address
        self.subject = subject
        self.customer: CustomerDetail | None = None
        self.followers: int | None = None
        self.link_result: LinkResult | None = None
        self._search_serial = 0
        self._contacts_serial = 0
        self._search_op: Op | None = None
        self._link_op: Op | None = None
        self.setWindowTitle("crm-desktop")
        self.setMinimumWidth(520)
        self._build()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.retranslate_ui()
        self._update_state()
        self._load_followers()

    # ----------------------------------------------------------------- construction

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.title_label = QLabel(self)
        self.title_label.setFont(scaled_font(self.title_label, 1.1, bold=True))
        self.title_label.setWordWrap(True)
        self.what_label = QLabel(self)
        self.what_label.setObjectName("muted")
        self.what_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.what_label.setWordWrap(True)
        layout.addWidget(self.title_label)
        layout.addWidget(self.what_label)
        self.search_edit = QLineEdit(self)
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        layout.addWidget(self.search_edit)
        self.results_list = QListWidget(self)
        self.results_list.setMinimumHeight(180)
        self.results_list.currentItemChanged.connect(self._on_results_list_current_item_changed)
        self.results_list.itemDoubleClicked.connect(self._on_results_list_item_double_clicked)
        layout.addWidget(self.results_list, 1)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("muted")
        self.status_label.setStyleSheet(f"color: {MUTED_COLOR};")
        layout.addWidget(self.status_label)
        form = QFormLayout()
        self.contact_label = QLabel(self)
        self.contact_combo = QComboBox(self)
        self.contact_combo.currentIndexChanged.connect(self._on_contact_combo_changed)
        form.addRow(self.contact_label, self.contact_combo)
        layout.addLayout(form)
        self.add_address_check = QCheckBox(self)
        self.add_address_check.toggled.connect(self._on_add_address_check_toggled)
        layout.addWidget(self.add_address_check)
        self.address_note = QLabel(self)
        self.address_note.setObjectName("muted")
        self.address_note.setStyleSheet(f"color: {MUTED_COLOR}; margin-left: 22px;")
        self.address_note.setWordWrap(True)
        layout.addWidget(self.address_note)
        self.buttons = QDialogButtonBox(self)
        self.link_button = QPushButton(self)
        self.link_button.setDefault(True)
        self.buttons.addButton(self.link_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.link)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.search_edit.setFocus()

    def retranslate_ui(self) -> None:
        count = len(self.email_ids)
        if count == 1:
            self.title_label.setText(self.tr("Link this message to a customer"))
        else:
            self.title_label.setText(
                self.tr("Link {count} messages to a customer").format(
                    count=QLocale().toString(count)
                )
            )
        what = self.subject or ""
        if self.address:
            what = f"{self.address} · {what}" if what else self.address
        self.what_label.setText(what)
        self.what_label.setVisible(bool(what))
        self.search_edit.setPlaceholderText(
            self.tr("Search customers: name, pinyin, phone, email…")
        )
        self.contact_label.setText(self.tr("Contact:"))
        if self.contact_combo.count():
            self.contact_combo.setItemText(0, self.tr("(no contact)"))
        self.link_button.setText(self.tr("Link"))
        self._show_address_texts()

    # ----------------------------------------------------------------- customer search

    @Slot(str)
    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.search_now()

    def search_now(self) -> None:
        """Search for the text in the box now (typing searches after a short pause)."""
        self._timer.stop()
        text = self.search_edit.text().strip()
        self._search_serial += 1
        serial = self._search_serial
        if self._search_op is not None and self._search_op.running:
            self._search_op.cancel()  # a new search replaces the one still running
        if not text:
            self._show_results([])
            self.status_label.setText("")
            self.sig_results_loaded.emit(0)
            return
        self.status_label.setText(self.tr("Searching…"))
        op = self.runner.op(
            self,
            search_customers,
            text=text,
            limit=SEARCH_LIMIT,
            visible_to=self.actor,
        ).read_only()
        op.on_success(partial(self._on_search_done, serial))
        op.on_failure(partial(self._on_search_failed, serial))
        self._search_op = op
        op.run()

    def _on_search_done(self, serial: int, result: SearchResult) -> None:
        if serial != self._search_serial:
            return
        self._show_results(result.results)
        if not result.results:
            self.status_label.setText(self.tr("No customer matches."))
        else:
            self.status_label.setText("")
        self.sig_results_loaded.emit(len(result.results))

    def _on_search_failed(self, serial: int, exc: BaseException) -> None:
        if serial != self._search_serial or isinstance(exc, OperationCancelled):
            return
        self.status_label.setText("")
        self.runner.show_error(self, exc)

    def _show_results(self, hits: Sequence[Any]) -> None:
        chosen = self.customer.id if self.customer is not None else None
        self.results_list.blockSignals(True)
        self.results_list.clear()
        for hit in hits:
            details = [d for d in (hit.grade, hit.region, hit.owner or self.tr("public pool")) if d]
            text = hit.name + ("  ·  " + " · ".join(details) if details else "")
            item = QListWidgetItem(text, self.results_list)
            item.setData(CUSTOMER_ROLE, hit.id)
            item.setToolTip("\n".join(x for x in (hit.name, hit.email or "", hit.phone or "") if x))
            if hit.id == chosen:
                self.results_list.setCurrentItem(item)
        self.results_list.blockSignals(False)
        if self.results_list.currentItem() is None and self.results_list.count() == 1:
            self.results_list.setCurrentRow(0)  # one hit: take it

    def result_ids(self) -> list[int]:
        return [
            int(self.results_list.item(i).data(CUSTOMER_ROLE))
            for i in range(self.results_list.count())
        ]

    def choose_customer(self, customer_id: int) -> bool:
        """Pick a customer of the result list (tests; the user clicks)."""
        for i in range(self.results_list.count()):
            item = self.results_list.item(i)
            if item.data(CUSTOMER_ROLE) == customer_id:
                self.results_list.setCurrentItem(item)
                return True
        return False

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_results_list_current_item_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        if current is None:
            return
        customer_id = int(current.data(CUSTOMER_ROLE))
        if self.customer is not None and self.customer.id == customer_id:
            return
        self.customer = None
        self.contact_combo.clear()
        self._update_state()
        self._contacts_serial += 1
        serial = self._contacts_serial
        op = self.runner.op(self, get_customer, customer_id=customer_id, actor=self.actor)
        op.read_only().on_success(partial(self._on_customer_loaded, serial))
        op.run()

    @Slot(QListWidgetItem)
    def _on_results_list_item_double_clicked(self, _item: QListWidgetItem) -> None:
        if self.customer is not None:
            self.link()

    def _on_customer_loaded(self, serial: int, detail: CustomerDetail) -> None:
        if serial != self._contacts_serial:
            return
        self.customer = detail
        self.contact_combo.blockSignals(True)
        self.contact_combo.clear()
        self.contact_combo.addItem(self.tr("(no contact)"), None)
        best = 0
        for contact in detail.contacts:
            label = contact.name
            if contact.title:
                label += f" · {contact.title}"
            if contact.email:
                label += f" <{contact.email}>"
            self.contact_combo.addItem(label, contact.id)
            same = bool(self.address) and (contact.email or "").lower() == self.address
            primary = best == 0 and contact.is_primary and not self.address
            if same or primary:
                best = self.contact_combo.count() - 1
        self.contact_combo.setCurrentIndex(best)
        self.contact_combo.blockSignals(False)
        self._update_state()
        self.sig_contacts_loaded.emit(detail.id)

    def choose_contact(self, contact_id: int | None) -> bool:
        index = self.contact_combo.findData(contact_id)
        if index < 0:
            return False
        self.contact_combo.setCurrentIndex(index)
        return True

    @Slot(int)
    def _on_contact_combo_changed(self, _index: int) -> None:
        self._update_state()

    @property
    def contact_id(self) -> int | None:
        value = self.contact_combo.currentData()
        return int(value) if value is not None else None

    def _contact_email(self) -> str | None:
        contact_id = self.contact_id
        if self.customer is None or contact_id is None:
            return None
        for contact in self.customer.contacts:
            if contact.id == contact_id:
                return contact.email
        return None

    # ----------------------------------------------------------------- the address

    def _load_followers(self) -> None:
        if not self.address:
            return
        op = self.runner.op(
            self,
            count_address_followers,
            address=self.address,
            actor=self.actor,
            exclude=self.email_ids,
        ).read_only()
        op.on_success(self._on_followers_loaded)
        op.run()

    def _on_followers_loaded(self, count: int) -> None:
        self.followers = count
        self._show_address_texts()
        self.sig_followers_loaded.emit(count)

    @Slot(bool)
    def _on_add_address_check_toggled(self, _checked: bool) -> None:
        self._show_address_texts()

    def _show_address_texts(self) -> None:
        address = self.address or ""
        self.add_address_check.setText(
            self.tr("Add {address} to this contact").format(address=address)
        )
        self.add_address_check.setVisible(bool(address))
        notes: list[str] = []
        existing = self._contact_email()
        if self.contact_id is None:
            notes.append(self.tr("Choose a contact to remember the address with."))
        elif existing and existing.lower() == address:
            notes.append(self.tr("This is already the contact's address."))
        elif existing:
            notes.append(
                self.tr("The contact's address {address} stays; this one is not stored.").format(
                    address=existing
                )
            )
        if self.followers:
            if self.followers == 1:
                notes.append(self.tr("1 other unlinked message from this address will follow."))
            else:
                notes.append(
                    self.tr(
                        "{count} other unlinked messages from this address will follow."
                    ).format(count=QLocale().toString(self.followers))
                )
        self.address_note.setText(" ".join(notes))
        self.address_note.setVisible(bool(address) and bool(notes))

    def _update_state(self) -> None:
        has_contact = self.contact_id is not None
        self.contact_combo.setEnabled(self.customer is not None)
        self.add_address_check.setEnabled(bool(self.address) and has_contact)
        if not has_contact:
            self.add_address_check.setChecked(False)
        busy = self._link_op is not None and self._link_op.running
        self.link_button.setEnabled(self.customer is not None and not busy)
        self._show_address_texts()

    # ----------------------------------------------------------------- linking

    @Slot()
    def link(self) -> None:
        """Link the messages to the chosen customer and contact (the Link button)."""
        if self.customer is None or (self._link_op is not None and self._link_op.running):
            return
        op = self.runner.op(
            self,
            link_messages,
            email_ids=self.email_ids,
            customer_id=self.customer.id,
            actor=self.actor,
            contact_id=self.contact_id,
            add_address_to_contact=self.add_address_check.isChecked()
            and self.add_address_check.isEnabled(),
        )
        op.with_progress(self.tr("Linking messages…"), cancellable=False)
        op.on_success(self._on_linked)
        op.on_failure(self._on_link_failed)
        self._link_op = op
        op.run()
        self._update_state()

    def _on_linked(self, result: LinkResult) -> None:
        self.link_result = result
        self.sig_linked.emit(result)
        self.accept()

    def _on_link_failed(self, exc: BaseException) -> None:
        self._update_state()
        self.runner.show_error(self, exc)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._timer.stop()
        super().closeEvent(event)
