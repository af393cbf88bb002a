"""Help → Keyboard shortcuts: every shortcut of the main window and its pages, read from their
live actions (so the list cannot go stale), grouped by menu and page, with a filter box."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.ui.style import MUTED_COLOR

_NATIVE = QKeySequence.SequenceFormat.NativeText
# "文件(&F)" → "文件", "&File" → "File"; "&&" stays one "&".
_CJK_MNEMONIC = re.compile(r"\s*[(（]&\w[)）]")


@dataclass(frozen=True)
class ShortcutEntry:
    """One line of the dialog: what a key does, where."""

    group: str
    text: str
    keys: tuple[str, ...]  # as the platform writes them (NativeText)

    @property
    def keys_text(self) -> str:
        return ", ".join(self.keys)


def clean_text(text: str) -> str:
    """An action's text as a sentence: no mnemonic ampersands, no trailing ellipsis."""
    text = _CJK_MNEMONIC.sub("", text)
    text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    return text.rstrip("…").rstrip(".").strip()


def key_texts(sequences: Iterable[QKeySequence]) -> tuple[str, ...]:
    return tuple(s.toString(_NATIVE) for s in sequences if not s.isEmpty())


def without_key(tip: str, keys: tuple[str, ...]) -> str:
    """ "Print the report (Ctrl+P)" → "Print the report" (the key is in its own column)."""
    for key in keys:
        tip = re.sub(r"\s*[(（][^()（）]*" + re.escape(key) + r"[^()（）]*[)）]", "", tip)
    return tip.strip()


def _action_entry(group: str, action: QAction) -> ShortcutEntry | None:
    keys = key_texts(action.shortcuts())
    # An action on no widget (and no menu) never sees its key: it is not a shortcut.
    if not keys or not action.isVisible() or not action.associatedObjects():
        return None
    text = clean_text(action.text()) or without_key(action.toolTip(), keys)
    return ShortcutEntry(group, text, keys) if text else None


def _shortcut_entry(group: str, shortcut: QShortcut) -> ShortcutEntry | None:
    """A QShortcut says what it does in its What's This text, or a button beside it names
    the key in its tool tip ("Print the report (Ctrl+P)")."""
    keys = key_texts(shortcut.keys())
    if not keys or not shortcut.isEnabled():
        return None
    text = shortcut.whatsThis()
    parent = shortcut.parent()
    if not text and isinstance(parent, QWidget):
        for button in parent.findChildren(QAbstractButton):
            tip = button.toolTip()
            if any(f"{key})" in tip or f"{key}）" in tip for key in keys):
                text = without_key(tip, keys) or clean_text(button.text())
                break
    return ShortcutEntry(group, clean_text(text), keys) if text else None


def _button_entry(group: str, button: QAbstractButton) -> ShortcutEntry | None:
    keys = key_texts([button.shortcut()])
    if not keys:
        return None
    text = without_key(button.toolTip(), keys) or clean_text(button.text())
    return ShortcutEntry(group, text, keys) if text else None


def menu_entries(menus: Iterable[QMenu]) -> list[ShortcutEntry]:
    """The shortcuts of menu actions, grouped by menu title (submenus by their own)."""
    entries: list[ShortcutEntry] = []
    for menu in menus:
        group = clean_text(menu.title())
        for action in menu.actions():
            if action.menu() is not None:
                entries.extend(menu_entries([action.menu()]))  # type: ignore[list-item]
                continue
            entry = _action_entry(group, action)
            if entry is not None:
                entries.append(entry)
    return entries


def widget_entries(group: str, widget: QWidget) -> list[ShortcutEntry]:
    """The shortcuts that live in ``widget``: its actions, QShortcuts and buttons'."""
    entries: list[ShortcutEntry] = []
    for action in widget.findChildren(QAction):
        entry = _action_entry(group, action)
        if entry is not None:
            entries.append(entry)
    for shortcut in widget.findChildren(QShortcut):
        entry = _shortcut_entry(group, shortcut)
        if entry is not None:
            entries.append(entry)
    for button in widget.findChildren(QAbstractButton):
        entry = _button_entry(group, button)
        if entry is not None:
            entries.append(entry)
    return entries


def unique(entries: Iterable[ShortcutEntry]) -> list[ShortcutEntry]:
    """Each (group, keys) once: a toolbar button and its action are one shortcut."""
    seen: set[tuple[str, tuple[str, ...]]] = set()
    result: list[ShortcutEntry] = []
    for entry in entries:
        key = (entry.group, entry.keys)
        if key not in seen:
            seen.add(key)
            result.append(entry)
    return result


class ShortcutsDialog(QDialog):
    """The keyboard shortcuts, grouped, with a box that filters by action or key."""

    def __init__(
        self, collect: Callable[[], list[ShortcutEntry]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._collect = collect
        self.entries: list[ShortcutEntry] = []
        self.resize(560, 620)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        layout.addWidget(self.filter_edit)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.tree, 1)
        self.nothing_label = QLabel(self)
        self.nothing_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.nothing_label.setWordWrap(True)
        self.nothing_label.setVisible(False)
        layout.addWidget(self.nothing_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)
        layout.addWidget(self.buttons)
        self.filter_edit.setFocus()
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.filter_edit.setPlaceholderText(self.tr("Filter by action or key, e.g. customer"))
        self.tree.setHeaderLabels([self.tr("Action"), self.tr("Shortcut")])
        self.reload()

    def reload(self) -> None:
        """Read the shortcuts again (the language or the window's actions changed)."""
        self.entries = self._collect()
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for entry in self.entries:
            group = groups.get(entry.group)
            if group is None:
                group = QTreeWidgetItem(self.tree, [entry.group])
                group.setFirstColumnSpanned(True)
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                groups[entry.group] = group
            item = QTreeWidgetItem(group, [entry.text, entry.keys_text])
            item.setData(0, Qt.ItemDataRole.UserRole, entry)
        self.tree.expandAll()
        self._apply_filter()

    def _groups(self) -> list[tuple[QTreeWidgetItem, list[QTreeWidgetItem]]]:
        groups: list[tuple[QTreeWidgetItem, list[QTreeWidgetItem]]] = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            if group is not None:
                children = (group.child(i) for i in range(group.childCount()))
                groups.append((group, [item for item in children if item is not None]))
        return groups

    def visible_entries(self) -> list[ShortcutEntry]:
        """The entries the filter lets through, top to bottom."""
        return [
            item.data(0, Qt.ItemDataRole.UserRole)
            for _group, items in self._groups()
            for item in items
            if not item.isHidden()
        ]

    def _apply_filter(self) -> None:
        words = self.filter_edit.text().casefold().split()
        any_shown = False
        for group, items in self._groups():
            group_text = group.text(0).casefold()
            shown = 0
            for item in items:
                haystack = f"{group_text} {item.text(0)} {item.text(1)}".casefold()
                match = all(word in haystack for word in words)
                item.setHidden(not match)
                shown += match
            group.setHidden(shown == 0)
            any_shown = any_shown or shown > 0
        self.tree.setVisible(any_shown)
        self.nothing_label.setVisible(not any_shown)
        self.nothing_label.setText(
            self.tr("No shortcut matches “{text}”.").format(text=self.filter_edit.text().strip())
        )

    @Slot(str)
    def _on_filter_edit_text_changed(self, _text: str) -> None:
        self._apply_filter()


def fixed_entry(
    group: str, text: str, key: QKeySequence | QKeySequence.StandardKey | str
) -> ShortcutEntry:
    """An entry for a key that widgets handle themselves (Enter in a list, Tab…)."""
    return ShortcutEntry(group, text, key_texts([QKeySequence(key)]))
