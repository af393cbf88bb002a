"""Choosing a node of the region tree: a field showing the path ("华东 / 江苏 / 南京") and a
dialog with the tree and a search box. The admin page reuses the dialog for "Move to…" and
"Merge into…"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.services.config import RegionNode

__all__ = ["TOP_LEVEL", "RegionPicker", "RegionPickerDialog", "region_paths"]

PATH_SEPARATOR = " / "
TOP_LEVEL = -1  # the "top level" choice of a move: no parent
_ID_ROLE = Qt.ItemDataRole.UserRole


def walk(nodes: Iterable[RegionNode]) -> Iterable[RegionNode]:
    """Every node of the forest, parents before children."""
    for node in nodes:
        yield node
        yield from walk(node.children)


def region_paths(nodes: Sequence[RegionNode]) -> dict[int, str]:
    """``{region id: "华东 / 江苏 / 南京"}`` for every node of the tree."""
    paths: dict[int, str] = {}

    def visit(node: RegionNode, prefix: str) -> None:
        path = f"{prefix}{PATH_SEPARATOR}{node.name}" if prefix else node.name
        paths[node.id] = path
        for child in node.children:
            visit(child, path)

    for root in nodes:
        visit(root, "")
    return paths


def subtree_of(nodes: Sequence[RegionNode], region_id: int) -> set[int]:
    """``region_id`` and every id below it."""
    for node in walk(nodes):
        if node.id == region_id:
            return {n.id for n in walk([node])}
    return set()


class RegionPickerDialog(QDialog):
    """The region tree with a search box; OK (or a double-click) chooses the current node.

    ``disabled_ids`` are shown greyed out and cannot be chosen (e.g. the merged region itself);
    ``allow_top_level`` adds a first entry meaning "no parent" (``selected_id()`` is then
    ``TOP_LEVEL``).
    """

    def __init__(
        self,
        nodes: Sequence[RegionNode],
        *,
        current_id: int | None = None,
        disabled_ids: Iterable[int] = (),
        allow_top_level: bool = False,
        title: str | None = None,
        prompt: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._nodes = tuple(nodes)
        self._disabled = set(disabled_ids)
        self._allow_top_level = allow_top_level
        self._title = title
        self._prompt = prompt
        self.setMinimumSize(380, 460)
        layout = QVBoxLayout(self)
        self.prompt_label = QLabel(self)
        self.prompt_label.setWordWrap(True)
        self.prompt_label.setVisible(bool(prompt))
        layout.addWidget(self.prompt_label)
        self.search_edit = QLineEdit(self)
        self.search_edit.setClearButtonEnabled(True)
        layout.addWidget(self.search_edit)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        layout.addWidget(self.tree, 1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.top_item: QTreeWidgetItem | None = None
        self._fill()
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        self.tree.itemDoubleClicked.connect(self._on_tree_item_double_clicked)
        if current_id is not None:
            self.select_id(current_id)
        self._update_ok()
        self.search_edit.setFocus()
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self._title or self.tr("Choose a region"))
        self.prompt_label.setText(self._prompt or "")
        self.search_edit.setPlaceholderText(self.tr("Search regions"))
        if self.top_item is not None:
            self.top_item.setText(0, self.tr("(top level)"))

    def _fill(self) -> None:
        if self._allow_top_level:
            self.top_item = QTreeWidgetItem(self.tree)
            self.top_item.setData(0, _ID_ROLE, TOP_LEVEL)

        def add(parent: QTreeWidget | QTreeWidgetItem, node: RegionNode) -> None:
            item = QTreeWidgetItem(parent, [node.name])
            item.setData(0, _ID_ROLE, node.id)
            if node.id in self._disabled:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                item.setForeground(0, self.palette().placeholderText())
            for child in node.children:
                add(item, child)

        for root in self._nodes:
            add(self.tree, root)
        self.tree.expandToDepth(0)

    def items(self) -> list[QTreeWidgetItem]:
        out = []
        iterator = QTreeWidgetItemIterator(self.tree)
        while iterator.value():
            out.append(iterator.value())
            iterator += 1
        return out

    def select_id(self, region_id: int) -> bool:
        for item in self.items():
            if item.data(0, _ID_ROLE) == region_id:
                self.tree.setCurrentItem(item)
                self.tree.scrollToItem(item)
                return True
        return False

    def selected_id(self) -> int | None:
        item = self.tree.currentItem()
        if item is None or item.isHidden():
            return None
        value = item.data(0, _ID_ROLE)
        if value is None or value in self._disabled:
            return None
        return int(value)

    def _update_ok(self) -> None:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        button.setEnabled(self.selected_id() is not None)

    @Slot(str)
    def _on_search_edit_text_changed(self, text: str) -> None:
        needle = text.strip().casefold()
        first_match: QTreeWidgetItem | None = None

        def visit(item: QTreeWidgetItem) -> bool:
            """Show ``item`` if it or something below it matches; returns whether shown."""
            own = not needle or needle in item.text(0).casefold()
            below = False
            for i in range(item.childCount()):
                below = visit(item.child(i)) or below
            # A matching node shows its whole subtree: "江苏" lists its cities.
            shown = own or below
            item.setHidden(not shown)
            return shown

        def reveal(item: QTreeWidgetItem) -> None:
            item.setHidden(False)
            for i in range(item.childCount()):
                reveal(item.child(i))

        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            visit(top)
        if needle:
            for item in self.items():
                if needle in item.text(0).casefold():
                    reveal(item)
                    if first_match is None and item.data(0, _ID_ROLE) not in self._disabled:
                        first_match = item
            self.tree.expandAll()
            if first_match is not None:
                self.tree.setCurrentItem(first_match)
        self._update_ok()

    @Slot(object, object)
    def _on_tree_current_item_changed(
        self, _current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None
    ) -> None:
        self._update_ok()

    @Slot(object, int)
    def _on_tree_item_double_clicked(self, _item: QTreeWidgetItem, _column: int) -> None:
        if self.selected_id() is not None:
            self.accept()


class RegionPicker(QWidget):
    """A form field for a customer's region: the path, a "…" button opening the tree, and a
    clear button."""

    sig_region_changed = Signal(object)
    """The user chose another region; carries its id or None."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._nodes: tuple[RegionNode, ...] = ()
        self._paths: dict[int, str] = {}
        self._region_id: int | None = None
        self._read_only = False
        self.dialog: RegionPickerDialog | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.path_edit = QLineEdit(self)
        self.path_edit.setReadOnly(True)
        self.path_edit.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.choose_button = QToolButton(self)
        self.choose_button.setText("…")
        self.clear_button = QToolButton(self)
        self.clear_button.setText("✕")
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.choose_button)
        row.addWidget(self.clear_button)
        self.setFocusProxy(self.choose_button)
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.choose_button.setToolTip(self.tr("Choose a region"))
        self.clear_button.setToolTip(self.tr("No region"))
        self.path_edit.setPlaceholderText(self.tr("No region"))

    def set_regions(self, nodes: Sequence[RegionNode]) -> None:
        self._nodes = tuple(nodes)
        self._paths = region_paths(self._nodes)
        self._show()

    def set_region_id(self, region_id: int | None, path: str | None = None) -> None:
        """Show ``region_id`` (``path`` is used when the tree does not know it, e.g. a region
        deleted meanwhile)."""
        self._region_id = region_id
        if region_id is not None and region_id not in self._paths and path:
            self._paths[region_id] = path
        self._show()

    def region_id(self) -> int | None:
        return self._region_id

    def path(self, region_id: int | None = None) -> str:
        rid = self._region_id if region_id is None else region_id
        return self._paths.get(rid, "") if rid is not None else ""

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.choose_button.setEnabled(not read_only)
        self.clear_button.setEnabled(not read_only)

    def _show(self) -> None:
        path = self.path()
        self.path_edit.setText(path)
        self.path_edit.setToolTip(path)
        self.clear_button.setVisible(self._region_id is not None)

    def choose(self, region_id: int | None) -> None:
        """Set the region as if the user chose it (emits ``sig_region_changed`` on a change)."""
        if region_id == self._region_id:
            return
        self.set_region_id(region_id)
        self.sig_region_changed.emit(region_id)

    @Slot()
    def _on_choose_button_clicked(self) -> None:
        if self._read_only:
            return
        dialog = RegionPickerDialog(self._nodes, current_id=self._region_id, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.accepted.connect(self._on_dialog_accepted)
        self.dialog = dialog
        dialog.open()

    @Slot()
    def _on_dialog_accepted(self) -> None:
        dialog = self.dialog
        self.dialog = None
        if dialog is not None and dialog.selected_id() is not None:
            self.choose(dialog.selected_id())

    @Slot()
    def _on_clear_button_clicked(self) -> None:
        if not self._read_only:
            self.choose(None)
