"""The recycle bin: deleted customers a manager or administrator may bring back."""

from __future__ import annotations

from PySide6.QtCore import QLocale, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.services.context import Actor
from crm_desktop.services.customer_page import restore_customers
from crm_desktop.services.customers import BulkResult, DeletedCustomerRow, list_deleted
from crm_desktop.ui.bulk_dialog import result_message_box
from crm_desktop.ui.customer_model import format_date, public_pool_label
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.style import scaled_font

_ID = Qt.ItemDataRole.UserRole


class RecycleBinDialog(QDialog):
    """Lists the recycle bin (most recently deleted first) and restores the selected rows."""

    sig_loaded = Signal(int)
    """The list arrived; carries how many deleted customers it shows."""

    sig_restored = Signal(object)
    """Customers were restored; carries the BulkResult."""

    def __init__(self, runner: OpRunner, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._actor = actor
        self.rows: list[DeletedCustomerRow] = []
        self.setWindowTitle(self.tr("Recycle bin"))
        self.resize(640, 440)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        heading = QLabel(self.tr("Deleted customers"), self)
        heading.setFont(scaled_font(heading, 1.2, bold=True))
        layout.addWidget(heading)
        hint = QLabel(
            self.tr(
                "Deleted customers keep their contacts, follow-ups and mail. Restoring one puts "
                "it back in the list with its owner."
            ),
            self,
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)

        self.stack = QStackedWidget(self)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Name"), self.tr("Owner"), self.tr("Grade"), self.tr("Deleted on")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 120), (2, 70), (3, 110)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        self.table.itemSelectionChanged.connect(self._on_table_item_selection_changed)
        self.empty_label = QLabel(self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setObjectName("muted")
        self.empty_label.setWordWrap(True)
        self.empty_label.setText(self.tr("Loading…"))
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.table)
        layout.addWidget(self.stack, 1)

        row = QHBoxLayout()
        self.restore_button = QPushButton(self.tr("Restore"), self)
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        row.addWidget(self.restore_button)
        row.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        row.addWidget(self.buttons)
        layout.addLayout(row)
        self.reload()

    def reload(self) -> None:
        self._runner.op(self, list_deleted, actor=self._actor).read_only().on_success(
            self._on_list_loaded
        ).run()

    def _on_list_loaded(self, rows: list[DeletedCustomerRow]) -> None:
        self.rows = list(rows)
        self.table.setRowCount(0)
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            name = QTableWidgetItem(row.name)
            name.setData(_ID, row.id)
            self.table.setItem(index, 0, name)
            self.table.setItem(index, 1, QTableWidgetItem(row.owner_name or public_pool_label()))
            self.table.setItem(index, 2, QTableWidgetItem(row.grade_code or ""))
            self.table.setItem(index, 3, QTableWidgetItem(format_date(row.deleted_at)))
        if self.rows:
            self.stack.setCurrentWidget(self.table)
        else:
            self.empty_label.setText(
                self.tr("The recycle bin is empty.")
                + "\n"
                + self.tr(
                    "Customers deleted from the list wait here, with their contacts and "
                    "follow-ups, until a manager restores them."
                )
            )
            self.stack.setCurrentWidget(self.empty_label)
        self.sig_loaded.emit(len(self.rows))

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        items = (self.table.item(r, 0) for r in rows)
        return [int(item.data(_ID)) for item in items if item is not None]

    def select_customer(self, customer_id: int) -> None:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.data(_ID) == customer_id:
                self.table.selectRow(r)
                return
        raise KeyError(customer_id)

    @Slot()
    def _on_table_item_selection_changed(self) -> None:
        count = len(self.selected_ids())
        self.restore_button.setEnabled(count > 0 and self._actor.is_manager)
        if count > 1:
            self.restore_button.setText(
                self.tr("Restore {count}").format(count=QLocale().toString(count))
            )
        else:
            self.restore_button.setText(self.tr("Restore"))

    @Slot()
    def _on_restore_button_clicked(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        self.restore_button.setEnabled(False)
        self._runner.op(self, restore_customers, ids=ids, actor=self._actor).with_progress(
            self.tr("Restoring customers…")
        ).on_success(self._on_restored).run()

    def _on_restored(self, result: BulkResult) -> None:
        self.sig_restored.emit(result)
        if result.problems:
            box = result_message_box(self, result, action="restore")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
            box.open()
        self.reload()
