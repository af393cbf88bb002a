"""The Admin page: grades (code, name, colour, order, pool rule days), the region tree (add,
rename, move, merge; customers follow) and branches (issue 3 §6). Administrators only; every
change runs as an operation and the tab reloads after it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QLocale, Qt, Signal, Slot
from PySide6.QtGui import QColor, QDropEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import UserError
from crm_desktop.services.config import (
    BranchRow,
    GradeRow,
    RegionNode,
    add_region,
    create_branch,
    create_grade,
    delete_branch,
    delete_grade,
    list_branches,
    list_grades,
    merge_regions,
    move_region,
    region_tree,
    rename_region,
    reorder_grades,
    update_branch,
    update_grade,
)
from crm_desktop.services.context import Actor
from crm_desktop.ui.main_window import Page
from crm_desktop.ui.region_picker import TOP_LEVEL, RegionPickerDialog, subtree_of, walk
from crm_desktop.ui.style import ERROR_COLOR, MUTED_COLOR
from crm_desktop.ui.widgets import ErrorLabel

if TYPE_CHECKING:
    from crm_desktop.ui.ops import Op, OpRunner

__all__ = ["AdminPage", "BranchesTab", "GradesTab", "RegionsTab"]

_ID_ROLE = Qt.ItemDataRole.UserRole
_DAY_FIELDS = ("reclaim_days", "warn_days", "dormant_days")


def _swatch_item(color: str) -> QTableWidgetItem:
    item = QTableWidgetItem(color)
    item.setData(Qt.ItemDataRole.DecorationRole, QColor(color))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class _ConfigTab(QWidget):
    """Shared plumbing: operations through the page, a message line, reload after changes."""

    sig_loaded = Signal()
    """The tab's data arrived and is shown."""

    def __init__(self, page: AdminPage) -> None:
        super().__init__(page)
        self.page = page
        self._filling = False
        self.message_label = ErrorLabel(self, object_name="formError")
        self.message_label.setStyleSheet(f"color: {ERROR_COLOR};")
        self.info_label = QLabel(self)
        self.info_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.info_label.setWordWrap(True)
        self.info_label.setVisible(False)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        """Set texts in the current language (subclasses)."""

    def say(self, text: str | None, *, error: bool = True) -> None:
        """A message under the tab's list: a refusal in red, a result in grey."""
        if error:
            self.info_label.setVisible(False)
            self.message_label.set_error(text)
        else:
            self.message_label.set_error(None)
            self.info_label.setText(text or "")
            self.info_label.setVisible(bool(text))

    def change(
        self,
        fn: Callable[..., Any],
        *,
        done: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> Op:
        """Run a change; a user error shows in the tab, then the tab reloads either way."""
        self.say(None)

        def succeeded(result: Any) -> None:
            if done is not None:
                done(result)
            self.page.sig_config_changed.emit()
            self.refresh()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, UserError):
                self.say(str(exc))
            else:
                self.page.runner.show_error(self, exc)
            self.refresh()

        return (
            self.page.run_op(fn, actor=self.page.actor, **kwargs)
            .on_success(succeeded)
            .on_failure(failed)
        )

    def refresh(self) -> None:
        """Reload from the database (subclasses)."""


# =========================================================================== grades


class GradesTab(_ConfigTab):
    """Grades as a table: code, name and days edited in place, colour by a colour dialog,
    order by Move up / Move down, a row to add one, Delete (refused while customers use it)."""

    COLUMNS = ("code", "name", "color", *_DAY_FIELDS)

    def __init__(self, page: AdminPage) -> None:
        super().__init__(page)
        self.grades: tuple[GradeRow, ...] = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        self.intro_label = QLabel(self)
        self.intro_label.setWordWrap(True)
        layout.addWidget(self.intro_label)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.info_label)

        row = QHBoxLayout()
        self.up_button = QPushButton(self)
        self.down_button = QPushButton(self)
        self.color_button = QPushButton(self)
        self.delete_button = QPushButton(self)
        row.addWidget(self.up_button)
        row.addWidget(self.down_button)
        row.addWidget(self.color_button)
        row.addStretch(1)
        row.addWidget(self.delete_button)
        layout.addLayout(row)

        add_row = QHBoxLayout()
        self.add_label = QLabel(self)
        self.new_code_edit = QLineEdit(self)
        self.new_code_edit.setMaximumWidth(90)
        self.new_name_edit = QLineEdit(self)
        self.add_button = QPushButton(self)
        add_row.addWidget(self.add_label)
        add_row.addWidget(self.new_code_edit)
        add_row.addWidget(self.new_name_edit, 1)
        add_row.addWidget(self.add_button)
        layout.addLayout(add_row)

        self.table.itemChanged.connect(self._on_table_item_changed)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(self._on_table_cell_double_clicked)
        self.up_button.clicked.connect(self._on_up_button_clicked)
        self.down_button.clicked.connect(self._on_down_button_clicked)
        self.color_button.clicked.connect(self._on_color_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.new_name_edit.returnPressed.connect(self._on_add_button_clicked)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.intro_label.setText(
            self.tr(
                "Grades rank customers by value. Days: after how many days without a "
                "follow-up a customer returns to the public pool (reclaim), is warned about "
                "beforehand (warn), and counts as dormant. Empty means never."
            )
        )
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Code"),
                self.tr("Name"),
                self.tr("Colour"),
                self.tr("Reclaim after (days)"),
                self.tr("Warn before (days)"),
                self.tr("Dormant after (days)"),
            ]
        )
        self.up_button.setText(self.tr("Move up"))
        self.down_button.setText(self.tr("Move down"))
        self.color_button.setText(self.tr("Colour…"))
        self.delete_button.setText(self.tr("Delete grade"))
        self.add_label.setText(self.tr("New grade:"))
        self.new_code_edit.setPlaceholderText(self.tr("Code"))
        self.new_name_edit.setPlaceholderText(self.tr("Name, e.g. Strategic"))
        self.add_button.setText(self.tr("Add grade"))

    def refresh(self) -> None:
        self.page.run_op(list_grades, read_only=True).on_success(self._on_loaded)

    def _on_loaded(self, grades: list[GradeRow]) -> None:
        selected = self.selected()
        self.grades = tuple(grades)
        self._filling = True
        try:
            self.table.setRowCount(len(self.grades))
            for row, grade in enumerate(self.grades):
                values = [grade.code, grade.name]
                for column, text in enumerate(values):
                    item = QTableWidgetItem(text)
                    item.setData(_ID_ROLE, grade.id)
                    self.table.setItem(row, column, item)
                self.table.setItem(row, 2, _swatch_item(grade.color))
                for offset, name in enumerate(_DAY_FIELDS):
                    days = getattr(grade, name)
                    item = QTableWidgetItem("" if days is None else str(days))
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                    self.table.setItem(row, 3 + offset, item)
            self.table.setColumnWidth(0, 70)
            self.table.setColumnWidth(1, 200)
            self.table.setColumnWidth(2, 110)
            for column in (3, 4, 5):
                self.table.setColumnWidth(column, 150)
        finally:
            self._filling = False
        if selected is not None:
            self.select(selected.id)
        self._update_buttons()
        self.sig_loaded.emit()

    def select(self, grade_id: int) -> None:
        for row, grade in enumerate(self.grades):
            if grade.id == grade_id:
                self.table.selectRow(row)
                return

    def selected(self) -> GradeRow | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        if not rows or rows[0].row() >= len(self.grades):
            return None
        return self.grades[rows[0].row()]

    @Slot()
    def _update_buttons(self) -> None:
        grade = self.selected()
        index = self.grades.index(grade) if grade is not None else -1
        self.up_button.setEnabled(index > 0)
        self.down_button.setEnabled(0 <= index < len(self.grades) - 1)
        self.color_button.setEnabled(grade is not None)
        self.delete_button.setEnabled(grade is not None)

    @Slot(object)
    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.row() >= len(self.grades):
            return
        grade = self.grades[item.row()]
        name = self.COLUMNS[item.column()]
        text = item.text().strip()
        if name in _DAY_FIELDS:
            if text and not text.isdigit():
                self.say(self.tr("Days are a whole number, 0 or more (empty: never)."))
                self.refresh()
                return
            value: Any = int(text) if text else None
        else:
            value = text
        self.change(update_grade, grade_id=grade.id, **{name: value})

    @Slot(int, int)
    def _on_table_cell_double_clicked(self, row: int, column: int) -> None:
        if self.COLUMNS[column] == "color" and row < len(self.grades):
            self.table.selectRow(row)
            self._on_color_button_clicked()

    def _move(self, step: int) -> None:
        grade = self.selected()
        if grade is None:
            return
        ids = [g.id for g in self.grades]
        index = ids.index(grade.id)
        target = index + step
        if not 0 <= target < len(ids):
            return
        ids[index], ids[target] = ids[target], ids[index]
        self.change(reorder_grades, grade_ids=ids)

    @Slot()
    def _on_up_button_clicked(self) -> None:
        self._move(-1)

    @Slot()
    def _on_down_button_clicked(self) -> None:
        self._move(1)

    @Slot()
    def _on_color_button_clicked(self) -> None:
        grade = self.selected()
        if grade is None:
            return
        color = self.page.choose_color(grade.color)
        if color and color.upper() != grade.color.upper():
            self.change(update_grade, grade_id=grade.id, color=color.upper())

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        grade = self.selected()
        if grade is None:
            return
        if not self.page.ask_confirm(
            self.tr("Delete the grade {code} · {name}?").format(code=grade.code, name=grade.name),
            self.tr("Delete grade"),
        ):
            return
        self.change(delete_grade, grade_id=grade.id)

    @Slot()
    def _on_add_button_clicked(self) -> None:
        code = self.new_code_edit.text().strip()
        name = self.new_name_edit.text().strip()
        if not code or not name:
            self.say(self.tr("Enter a code and a name for the new grade."))
            return

        def added(_row: GradeRow) -> None:
            self.new_code_edit.clear()
            self.new_name_edit.clear()

        self.change(create_grade, code=code, name=name, done=added)


# =========================================================================== regions


class RegionTree(QTreeWidget):
    """The region tree; dropping a node on another asks to move it there (the database
    decides, the tree reloads), F2 renames."""

    sig_move_requested = Signal(int, object)
    """A node was dropped: (region id, new parent id or None for the top level)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setUniformRowHeights(True)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setStyleSheet("QTreeWidget::item { padding: 2px 6px; }")

    def dropEvent(self, event: QDropEvent) -> None:
        dragged = self.currentItem()
        target = self.itemAt(event.position().toPoint())
        # The tree never rearranges itself: the move is asked of the database and the tree
        # is rebuilt from the answer, so a refused move (a cycle) leaves everything in place.
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if dragged is None:
            return
        region_id = dragged.data(0, _ID_ROLE)
        indicator = self.dropIndicatorPosition()
        if target is None or indicator == QAbstractItemView.DropIndicatorPosition.OnViewport:
            new_parent: int | None = None
        elif indicator == QAbstractItemView.DropIndicatorPosition.OnItem:
            new_parent = target.data(0, _ID_ROLE)
        else:  # above or below a node: become its sibling
            parent = target.parent()
            new_parent = parent.data(0, _ID_ROLE) if parent is not None else None
        if region_id is not None and new_parent != region_id:
            self.sig_move_requested.emit(int(region_id), new_parent)


class RegionsTab(_ConfigTab):
    """The region tree with customers per subtree: add, rename (F2), move (drag and drop or
    "Move to…"), merge into another region (its customers and sub-regions follow)."""

    def __init__(self, page: AdminPage) -> None:
        super().__init__(page)
        self.nodes: tuple[RegionNode, ...] = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        self.intro_label = QLabel(self)
        self.intro_label.setWordWrap(True)
        layout.addWidget(self.intro_label)
        self.tree = RegionTree(self)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.info_label)
        row = QHBoxLayout()
        self.add_top_button = QPushButton(self)
        self.add_child_button = QPushButton(self)
        self.rename_button = QPushButton(self)
        self.move_button = QPushButton(self)
        self.merge_button = QPushButton(self)
        for button in (
            self.add_top_button,
            self.add_child_button,
            self.rename_button,
            self.move_button,
        ):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.merge_button)
        layout.addLayout(row)
        self.tree.itemChanged.connect(self._on_tree_item_changed)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.sig_move_requested.connect(self._on_tree_move_requested)
        self.add_top_button.clicked.connect(self._on_add_top_button_clicked)
        self.add_child_button.clicked.connect(self._on_add_child_button_clicked)
        self.rename_button.clicked.connect(self._on_rename_button_clicked)
        self.move_button.clicked.connect(self._on_move_button_clicked)
        self.merge_button.clicked.connect(self._on_merge_button_clicked)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.intro_label.setText(
            self.tr(
                "Drag a region onto another to move it there; customers stay on their region "
                "and move with it. Counts include every region below."
            )
        )
        self.tree.setHeaderLabels([self.tr("Region"), self.tr("Customers"), self.tr("Code")])
        self.tree.headerItem().setTextAlignment(
            1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        self.add_top_button.setText(self.tr("Add region…"))
        self.add_child_button.setText(self.tr("Add sub-region…"))
        self.rename_button.setText(self.tr("Rename"))
        # After setText, which replaces a button's shortcut with its text's mnemonic (none).
        self.rename_button.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.rename_button.setToolTip(self.tr("Rename (F2)"))
        self.move_button.setText(self.tr("Move to…"))
        self.merge_button.setText(self.tr("Merge into…"))

    # ----------------------------------------------------------------- loading

    def refresh(self) -> None:
        self.page.run_op(region_tree, read_only=True).on_success(self._on_loaded)

    def items(self) -> list[QTreeWidgetItem]:
        out = []
        iterator = QTreeWidgetItemIterator(self.tree)
        while iterator.value():
            out.append(iterator.value())
            iterator += 1
        return out

    def item_for(self, region_id: int) -> QTreeWidgetItem | None:
        for item in self.items():
            if item.data(0, _ID_ROLE) == region_id:
                return item
        return None

    def node(self, region_id: int) -> RegionNode | None:
        return next((n for n in walk(self.nodes) if n.id == region_id), None)

    def _on_loaded(self, nodes: list[RegionNode]) -> None:
        first_load = not self.nodes
        expanded = {i.data(0, _ID_ROLE) for i in self.items() if i.isExpanded()}
        selected = self.selected_id()
        self.nodes = tuple(nodes)
        locale = QLocale()
        self._filling = True
        try:
            self.tree.clear()

            def add(parent: QTreeWidget | QTreeWidgetItem, node: RegionNode) -> None:
                item = QTreeWidgetItem(parent, [node.name, locale.toString(node.count), node.code])
                item.setData(0, _ID_ROLE, node.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                item.setTextAlignment(
                    1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                item.setToolTip(
                    1,
                    self.tr("{own} on this region itself, {all} with the regions below").format(
                        own=locale.toString(node.own_count), all=locale.toString(node.count)
                    ),
                )
                item.setForeground(2, QColor(MUTED_COLOR))
                for child in node.children:
                    add(item, child)
                if node.id in expanded or (first_load and node.depth == 0):
                    item.setExpanded(True)

            for root in self.nodes:
                add(self.tree, root)
            self.tree.setColumnWidth(0, 280)
            self.tree.setColumnWidth(1, 100)
        finally:
            self._filling = False
        if selected is not None:
            item = self.item_for(selected)
            if item is not None:
                self.tree.setCurrentItem(item)
        self._update_buttons()
        self.sig_loaded.emit()

    def selected_id(self) -> int | None:
        item = self.tree.currentItem()
        value = item.data(0, _ID_ROLE) if item is not None else None
        return int(value) if value is not None else None

    def select(self, region_id: int) -> None:
        item = self.item_for(region_id)
        if item is not None:
            self.tree.setCurrentItem(item)

    def count_of(self, region_id: int) -> int:
        node = self.node(region_id)
        return node.count if node is not None else 0

    @Slot()
    def _update_buttons(self) -> None:
        chosen = self.selected_id() is not None
        for button in (
            self.add_child_button,
            self.rename_button,
            self.move_button,
            self.merge_button,
        ):
            button.setEnabled(chosen)

    # ----------------------------------------------------------------- changes

    @Slot()
    def _on_add_top_button_clicked(self) -> None:
        name = self.page.ask_text(self.tr("New region"), self.tr("Name of the new region:"), "")
        if name:
            self.change(add_region, name=name, parent_id=None, done=self._select_row)

    @Slot()
    def _on_add_child_button_clicked(self) -> None:
        parent_id = self.selected_id()
        parent = self.node(parent_id) if parent_id is not None else None
        if parent is None:
            return
        name = self.page.ask_text(
            self.tr("New sub-region"),
            self.tr("Name of the new region under {parent}:").format(parent=parent.name),
            "",
        )
        if name:
            item = self.item_for(parent.id)
            if item is not None:
                item.setExpanded(True)
            self.change(add_region, name=name, parent_id=parent.id, done=self._select_row)

    def _select_row(self, row: Any) -> None:
        self._after_load_select(row.id)

    def _after_load_select(self, region_id: int) -> None:
        def select_once() -> None:
            self.sig_loaded.disconnect(select_once)
            self.select(region_id)

        self.sig_loaded.connect(select_once)

    @Slot()
    def _on_rename_button_clicked(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self.tree.editItem(item, 0)

    @Slot(object, int)
    def _on_tree_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._filling or column != 0:
            return
        region_id = item.data(0, _ID_ROLE)
        node = self.node(region_id) if region_id is not None else None
        name = item.text(0).strip()
        if node is None or name == node.name:
            return
        self.change(rename_region, region_id=node.id, name=name)

    @Slot(int, object)
    def _on_tree_move_requested(self, region_id: int, new_parent_id: int | None) -> None:
        self.move(region_id, new_parent_id)

    def move(self, region_id: int, new_parent_id: int | None) -> None:
        node = self.node(region_id)
        if node is None or node.parent_id == new_parent_id:
            return
        target = self.node(new_parent_id) if new_parent_id is not None else None
        self.change(
            move_region,
            region_id=region_id,
            new_parent_id=new_parent_id,
            done=lambda _row: self.say(
                self.tr("Moved {region} under {parent}.").format(
                    region=node.name, parent=target.name
                )
                if target is not None
                else self.tr("Moved {region} to the top level.").format(region=node.name),
                error=False,
            ),
        )

    @Slot()
    def _on_move_button_clicked(self) -> None:
        region_id = self.selected_id()
        node = self.node(region_id) if region_id is not None else None
        if node is None:
            return
        chosen = self.page.pick_region(
            self.nodes,
            self.tr("Move {region}").format(region=node.name),
            self.tr("Choose the new parent of {region}:").format(region=node.name),
            {node.id},
            True,
        )
        if chosen is None:
            return
        self.move(node.id, None if chosen == TOP_LEVEL else chosen)

    @Slot()
    def _on_merge_button_clicked(self) -> None:
        region_id = self.selected_id()
        node = self.node(region_id) if region_id is not None else None
        if node is None:
            return
        target_id = self.page.pick_region(
            self.nodes,
            self.tr("Merge {region}").format(region=node.name),
            self.tr(
                "Merge {region} into which region? Its customers and sub-regions move there "
                "and {region} is removed."
            ).format(region=node.name),
            subtree_of(self.nodes, node.id),
            False,
        )
        target = self.node(target_id) if target_id is not None else None
        if target is None:
            return
        if not self.page.ask_confirm(
            self.tr(
                "Merge {source} into {target}? {count} customers placed directly on {source} "
                "move to {target}."
            ).format(
                source=node.name,
                target=target.name,
                count=QLocale().toString(node.own_count),
            ),
            self.tr("Merge"),
        ):
            return
        self.change(
            merge_regions,
            source_id=node.id,
            target_id=target.id,
            done=lambda result: self.say(
                self.tr("Merged {source} into {target}: {count} customers moved.").format(
                    source=node.name,
                    target=target.name,
                    count=QLocale().toString(result.customers_moved),
                ),
                error=False,
            ),
        )


# =========================================================================== branches


class BranchesTab(_ConfigTab):
    """Branches (offices): code and name edited in place, a row to add one, Delete (refused
    while users or customers belong to it)."""

    def __init__(self, page: AdminPage) -> None:
        super().__init__(page)
        self.branches: tuple[BranchRow, ...] = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        self.table = QTableWidget(0, 2, self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.info_label)
        row = QHBoxLayout()
        self.rename_button = QPushButton(self)
        self.delete_button = QPushButton(self)
        row.addWidget(self.rename_button)
        row.addStretch(1)
        row.addWidget(self.delete_button)
        layout.addLayout(row)
        add_row = QHBoxLayout()
        self.add_label = QLabel(self)
        self.new_code_edit = QLineEdit(self)
        self.new_code_edit.setMaximumWidth(110)
        self.new_name_edit = QLineEdit(self)
        self.add_button = QPushButton(self)
        add_row.addWidget(self.add_label)
        add_row.addWidget(self.new_code_edit)
        add_row.addWidget(self.new_name_edit, 1)
        add_row.addWidget(self.add_button)
        layout.addLayout(add_row)
        self.table.itemChanged.connect(self._on_table_item_changed)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.rename_button.clicked.connect(self._on_rename_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.new_name_edit.returnPressed.connect(self._on_add_button_clicked)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.table.setHorizontalHeaderLabels([self.tr("Code"), self.tr("Name")])
        self.rename_button.setText(self.tr("Rename"))
        # After setText, which replaces a button's shortcut with its text's mnemonic (none).
        self.rename_button.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.rename_button.setToolTip(self.tr("Rename (F2)"))
        self.delete_button.setText(self.tr("Delete branch"))
        self.add_label.setText(self.tr("New branch:"))
        self.new_code_edit.setPlaceholderText(self.tr("Code, e.g. SH"))
        self.new_name_edit.setPlaceholderText(self.tr("Name, e.g. Shanghai office"))
        self.add_button.setText(self.tr("Add branch"))

    def refresh(self) -> None:
        self.page.run_op(list_branches, read_only=True).on_success(self._on_loaded)

    def _on_loaded(self, branches: list[BranchRow]) -> None:
        self.branches = tuple(branches)
        self._filling = True
        try:
            self.table.setRowCount(len(self.branches))
            for row, branch in enumerate(self.branches):
                for column, text in enumerate((branch.code, branch.name)):
                    item = QTableWidgetItem(text)
                    item.setData(_ID_ROLE, branch.id)
                    self.table.setItem(row, column, item)
            self.table.setColumnWidth(0, 120)
        finally:
            self._filling = False
        self._update_buttons()
        self.sig_loaded.emit()

    def selected(self) -> BranchRow | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        if not rows or rows[0].row() >= len(self.branches):
            return None
        return self.branches[rows[0].row()]

    @Slot()
    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.rename_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    @Slot(object)
    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.row() >= len(self.branches):
            return
        branch = self.branches[item.row()]
        field = "code" if item.column() == 0 else "name"
        self.change(update_branch, branch_id=branch.id, **{field: item.text().strip()})

    @Slot()
    def _on_rename_button_clicked(self) -> None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        if rows:
            self.table.editItem(self.table.item(rows[0].row(), 1))

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        branch = self.selected()
        if branch is None:
            return
        if not self.page.ask_confirm(
            self.tr("Delete the branch {name}?").format(name=branch.name),
            self.tr("Delete branch"),
        ):
            return
        self.change(delete_branch, branch_id=branch.id)

    @Slot()
    def _on_add_button_clicked(self) -> None:
        code = self.new_code_edit.text().strip()
        name = self.new_name_edit.text().strip()
        if not code or not name:
            self.say(self.tr("Enter a code and a name for the new branch."))
            return

        def added(_row: BranchRow) -> None:
            self.new_code_edit.clear()
            self.new_name_edit.clear()

        self.change(create_branch, code=code, name=name, done=added)


# =========================================================================== the page


class AdminPage(Page):
    """The Admin area of the main window. Administrators get the configuration tabs (loaded
    the first time the page is shown); everybody else a short explanation.

    Prompts are attributes tests can replace: ``ask_confirm(text, action)``,
    ``ask_text(title, label, text)``, ``choose_color(current)``,
    ``pick_region(nodes, title, prompt, disabled_ids, allow_top_level)``.
    """

    sig_config_changed = Signal()
    """Grades, regions or branches changed (lists and filters may reload their choices)."""

    sig_op_done = Signal()
    """An operation of the page ended, either way (tests wait on this)."""

    def __init__(self, actor: Actor, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__("admin", actor, parent)
        self.actor = actor
        self.runner = runner
        self.loaded = False
        self.ops_running = 0
        self.ask_confirm: Callable[[str, str], bool] = self._ask_confirm_box
        self.ask_text: Callable[[str, str, str], str | None] = self._ask_text_dialog
        self.choose_color: Callable[[str], str | None] = self._choose_color_dialog
        self.pick_region: Callable[
            [Sequence[RegionNode], str, str, Iterable[int], bool], int | None
        ] = self._pick_region_dialog
        self.tabs = QTabWidget(self)
        self.grades_tab = GradesTab(self)
        self.regions_tab = RegionsTab(self)
        self.branches_tab = BranchesTab(self)
        self.tabs.addTab(self.grades_tab, "")
        self.tabs.addTab(self.regions_tab, "")
        self.tabs.addTab(self.branches_tab, "")
        # Hidden pages count in the main window's minimum size: do not widen it.
        self.tabs.setMinimumSize(320, 240)
        self.content.addWidget(self.tabs)
        # The tabs take the page's height: drop the trailing stretch of Page's layout.
        last = self.page_layout.itemAt(self.page_layout.count() - 1)
        if last is not None and last.spacerItem() is not None:
            self.page_layout.takeAt(self.page_layout.count() - 1)
        self.page_layout.setStretchFactor(self.content, 1)
        self.tabs.setVisible(actor.is_admin)
        self.empty_state.setVisible(not actor.is_admin)
        # Public-pool rules: a tab for administrators, read-only under the card for the others.
        from crm_desktop.ui.pool_rules import PoolRulesTab

        self.pool_tab = PoolRulesTab(self, editable=actor.is_admin)
        self.sig_config_changed.connect(self.pool_tab.refresh)
        if actor.is_admin:
            self.tabs.addTab(self.pool_tab, "")
            from crm_desktop.ui.free_mail_tab import FreeMailTab

            self.free_mail_tab = FreeMailTab(self)
            self.tabs.addTab(self.free_mail_tab, "")
            from crm_desktop.ui.users_tab import UsersTab

            self.users_tab = UsersTab(self)
            self.tabs.addTab(self.users_tab, "")
        else:
            self.page_layout.addWidget(self.pool_tab, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        super().retranslate_ui()
        self.header.set_texts(
            self.tr("Admin"),
            self.tr("Grades, regions and branches of the company."),
        )
        self.empty_state.set_texts(
            self.tr("Only administrators change the configuration"),
            self.tr(
                "Grades, regions and branches are set up by your administrators. Ask one when "
                "a grade, region or branch is missing or needs another name."
            ),
            "",
        )
        if hasattr(self, "tabs"):
            self.tabs.setTabText(0, self.tr("Grades"))
            self.tabs.setTabText(1, self.tr("Regions"))
            self.tabs.setTabText(2, self.tr("Branches"))
        if hasattr(self, "pool_tab") and self.tabs.indexOf(self.pool_tab) >= 0:
            self.tabs.setTabText(self.tabs.indexOf(self.pool_tab), self.tr("Public pool"))
        if hasattr(self, "free_mail_tab"):
            self.tabs.setTabText(self.tabs.indexOf(self.free_mail_tab), self.tr("Mail"))
            self.header.set_texts(
                self.tr("Admin"),
                self.tr("Grades, regions, branches and public-pool rules of the company."),
            )
        if hasattr(self, "users_tab"):
            self.tabs.setTabText(self.tabs.indexOf(self.users_tab), self.tr("Users"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        """Load (again) every tab's data."""
        self.loaded = True
        self.pool_tab.refresh()
        if not self.actor.is_admin:
            return
        self.grades_tab.refresh()
        self.regions_tab.refresh()
        self.branches_tab.refresh()
        self.free_mail_tab.refresh()
        self.users_tab.refresh()

    def run_op(self, fn: Callable[..., Any], *, read_only: bool = False, **kwargs: Any) -> Op:
        """Start an operation of the page; ``sig_op_done`` follows its callbacks."""
        op = self.runner.op(self, fn, **kwargs)
        if read_only:
            op.read_only()
        self.ops_running += 1

        def finished() -> None:
            self.ops_running -= 1
            if shiboken6.isValid(self):
                self.sig_op_done.emit()

        op.sig_finished.connect(finished)
        return op.run()

    # ----------------------------------------------------------------- default prompts

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

    def _ask_text_dialog(self, title: str, label: str, text: str) -> str | None:
        value, ok = QInputDialog.getText(self, title, label, QLineEdit.EchoMode.Normal, text)
        return value.strip() or None if ok else None

    def _choose_color_dialog(self, current: str) -> str | None:
        color = QColorDialog.getColor(QColor(current), self, self.tr("Grade colour"))
        return color.name().upper() if color.isValid() else None

    def _pick_region_dialog(
        self,
        nodes: Sequence[RegionNode],
        title: str,
        prompt: str,
        disabled_ids: Iterable[int],
        allow_top_level: bool,
    ) -> int | None:
        dialog = RegionPickerDialog(
            nodes,
            disabled_ids=disabled_ids,
            allow_top_level=allow_top_level,
            title=title,
            prompt=prompt,
            parent=self,
        )
        try:
            if dialog.exec() == RegionPickerDialog.DialogCode.Accepted:
                return dialog.selected_id()
            return None
        finally:
            dialog.deleteLater()
