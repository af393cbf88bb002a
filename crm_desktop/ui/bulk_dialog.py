"""Bulk change of grade, region or owner on a multi-selection: pick the value, confirm with the
number of customers, then one operation (progress, cancel) and a result with its problems."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.services.config import RegionNode
from crm_desktop.services.customer_page import FilterChoicesResult
from crm_desktop.services.customers import BulkProblemRow, BulkResult
from crm_desktop.ui.customer_model import grade_swatch, public_pool_label
from crm_desktop.ui.style import scaled_font

FIELDS = ("grade", "region", "owner")
_ID = Qt.ItemDataRole.UserRole
_POOL = "pool"
MAX_PROBLEMS_SHOWN = 200


def problem_text(message: str) -> str:
    """A bulk problem the service reports, in the user's language when it is a known one."""
    known = {
        "no such customer": QCoreApplication.translate("BulkChangeDialog", "no such customer"),
        "in the recycle bin": QCoreApplication.translate("BulkChangeDialog", "in the recycle bin"),
        "you may not change this customer": QCoreApplication.translate(
            "BulkChangeDialog", "you may not change this customer"
        ),
    }
    return known.get(message, message)


class BulkChangeDialog(QDialog):
    """Choose the new grade, region or owner for ``count`` customers; the OK button says how
    many will change, so accepting is the confirmation."""

    def __init__(
        self,
        field: str,
        choices: FilterChoicesResult,
        count: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if field not in FIELDS:
            raise ValueError(f"unknown bulk field {field!r}")
        self.field = field
        self.count = count
        self.setWindowTitle(self._title())
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.heading_label = QLabel(self._heading(), self)
        self.heading_label.setFont(scaled_font(self.heading_label, 1.1, bold=True))
        self.heading_label.setWordWrap(True)
        layout.addWidget(self.heading_label)
        self.combo: QComboBox | None = None
        self.region_tree: QTreeWidget | None = None
        if field == "region":
            tree = QTreeWidget(self)
            tree.setHeaderHidden(True)
            tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            tree.setMinimumHeight(260)
            self._add_regions(tree.invisibleRootItem(), choices.regions)
            tree.expandToDepth(0)
            tree.itemSelectionChanged.connect(self._on_region_tree_item_selection_changed)
            self.region_tree = tree
            layout.addWidget(tree, 1)
        else:
            combo = QComboBox(self)
            if field == "grade":
                for grade in choices.grades:
                    swatch = grade_swatch(grade.color, 14)
                    icon = QIcon(swatch) if swatch is not None else QIcon()
                    combo.addItem(icon, f"{grade.code}  {grade.name}", grade.id)
            else:
                combo.addItem(public_pool_label(), _POOL)
                for owner in choices.owners:
                    if owner.active:
                        combo.addItem(owner.display_name, owner.id)
            self.combo = combo
            layout.addWidget(combo)
        self.note_label = QLabel(self)
        self.note_label.setObjectName("muted")
        self.note_label.setWordWrap(True)
        self.note_label.setText(
            self.tr(
                "Every changed customer gets its own entry in the audit log. Customers you may "
                "not change are left as they are and listed afterwards."
            )
        )
        layout.addWidget(self.note_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.confirm_text())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update_ok()

    def _title(self) -> str:
        if self.field == "grade":
            return self.tr("Change grade")
        if self.field == "region":
            return self.tr("Change region")
        return self.tr("Change owner")

    def _heading(self) -> str:
        count = QLocale().toString(self.count)
        if self.field == "grade":
            return self.tr("New grade for {count} selected customers").format(count=count)
        if self.field == "region":
            return self.tr("New region for {count} selected customers").format(count=count)
        return self.tr("New owner for {count} selected customers").format(count=count)

    def confirm_text(self) -> str:
        """The OK button: "Change 3 customers?" asked as the button itself."""
        if self.count == 1:
            return self.tr("Change 1 customer")
        return self.tr("Change {count} customers").format(count=QLocale().toString(self.count))

    def _add_regions(self, parent: QTreeWidgetItem, nodes: Iterable[RegionNode]) -> None:
        for node in nodes:
            item = QTreeWidgetItem(parent, [node.name])
            item.setData(0, _ID, node.id)
            self._add_regions(item, node.children)

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if self.region_tree is not None:
            ok.setEnabled(bool(self.region_tree.selectedItems()))
        else:
            ok.setEnabled(self.combo is not None and self.combo.count() > 0)

    @Slot()
    def _on_region_tree_item_selection_changed(self) -> None:
        self._update_ok()

    def select_value(self, value: int | None) -> None:
        """Choose ``value`` (an id; None: the public pool) as the user would."""
        if self.region_tree is not None:
            it = self.region_tree.invisibleRootItem()
            stack = [it.child(i) for i in range(it.childCount())]
            while stack:
                item = stack.pop()
                if item.data(0, _ID) == value:
                    self.region_tree.setCurrentItem(item)
                    return
                stack.extend(item.child(i) for i in range(item.childCount()))
            raise KeyError(value)
        assert self.combo is not None
        index = self.combo.findData(_POOL if value is None else value)
        if index < 0:
            raise KeyError(value)
        self.combo.setCurrentIndex(index)

    def value(self) -> int | None:
        """The chosen id (None: the public pool, owner only)."""
        if self.region_tree is not None:
            selected = self.region_tree.selectedItems()
            return int(selected[0].data(0, _ID)) if selected else None
        assert self.combo is not None
        data = self.combo.currentData()
        return None if data == _POOL else int(data)

    def value_label(self) -> str:
        if self.region_tree is not None:
            selected = self.region_tree.selectedItems()
            return selected[0].text(0) if selected else ""
        assert self.combo is not None
        return self.combo.currentText().strip()


def result_message_box(
    parent: QWidget | None, result: BulkResult, *, action: str = "change"
) -> QMessageBox:
    """The outcome of a bulk change, delete or restore, with the problems as details."""
    locale = QLocale()
    if action == "delete":
        text = QCoreApplication.translate("BulkChangeDialog", "Moved to the recycle bin: {count}")
    elif action == "restore":
        text = QCoreApplication.translate("BulkChangeDialog", "Restored: {count}")
    else:
        text = QCoreApplication.translate("BulkChangeDialog", "Changed: {count}")
    lines = [text.format(count=locale.toString(result.changed))]
    if result.unchanged:
        lines.append(
            QCoreApplication.translate(
                "BulkChangeDialog", "Had that value already: {count}"
            ).format(count=locale.toString(result.unchanged))
        )
    box = QMessageBox(parent)
    box.setWindowTitle("crm-desktop")
    if result.problems:
        box.setIcon(QMessageBox.Icon.Warning)
        lines.append(
            QCoreApplication.translate(
                "BulkChangeDialog", "Left unchanged, see the details: {count}"
            ).format(count=locale.toString(len(result.problems)))
        )
        box.setDetailedText(problems_text(result.problems))
    else:
        box.setIcon(QMessageBox.Icon.Information)
    box.setText("\n".join(lines))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    return box


def problems_text(problems: Sequence[BulkProblemRow]) -> str:
    """One line per problem ("#123: in the recycle bin"), at most MAX_PROBLEMS_SHOWN."""
    lines = [f"#{p.customer_id}: {problem_text(p.message)}" for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(
            QCoreApplication.translate("BulkChangeDialog", "… and {count} more").format(
                count=QLocale().toString(len(problems) - MAX_PROBLEMS_SHOWN)
            )
        )
    return "\n".join(lines)
