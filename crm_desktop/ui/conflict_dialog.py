"""Resolving a save over somebody else's newer save (DESIGN §10): for each field both changed,
the value both started from, theirs and mine, and a choice; fields only they changed were
merged and are just reported. Cancelling changes nothing: the form keeps what was typed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.services.customers import FieldConflict
from crm_desktop.ui.style import make_title

__all__ = ["MINE", "THEIRS", "ConflictDialog"]

MINE = "mine"
THEIRS = "theirs"


def _plain(_field: str, value: Any) -> str:
    return "" if value is None else str(value)


class ConflictDialog(QDialog):
    """Shows each conflicting field with base, theirs and mine and a "keep mine / take theirs"
    choice (keep mine by default: the user's input is never dropped without a decision).

    ``label_of(field)`` gives the field's label, ``show_value(field, value)`` its display text.
    After ``accept()``, ``choices()`` maps each field to ``MINE`` or ``THEIRS``.
    """

    def __init__(
        self,
        conflicts: Mapping[str, FieldConflict],
        *,
        merged: Sequence[str] = (),
        label_of: Callable[[str], str] = str,
        show_value: Callable[[str, Any], str] = _plain,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._conflicts = dict(conflicts)
        self._merged = tuple(merged)
        self._label_of = label_of
        self._show_value = show_value
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        self.title_label = make_title(QLabel(self), 1.3)
        self.intro_label = QLabel(self)
        self.intro_label.setWordWrap(True)
        layout.addWidget(self.title_label)
        layout.addWidget(self.intro_label)

        grid_box = QWidget(self)
        self.grid = QGridLayout(grid_box)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(6)
        self.header_labels = [QLabel(grid_box) for _ in range(4)]
        for column, label in enumerate(self.header_labels):
            label.setObjectName("muted")
            self.grid.addWidget(label, 0, column)
        self.field_labels: dict[str, QLabel] = {}
        self.base_labels: dict[str, QLabel] = {}
        self.choice_buttons: dict[str, dict[str, QRadioButton]] = {}
        self._groups: list[QButtonGroup] = []
        for row, (name, conflict) in enumerate(self._conflicts.items(), start=1):
            field_label = QLabel(grid_box)
            field_label.setTextFormat(Qt.TextFormat.PlainText)
            font = field_label.font()
            font.setBold(True)
            field_label.setFont(font)
            base = QLabel(self._display(name, conflict.base), grid_box)
            base.setObjectName("muted")
            base.setTextFormat(Qt.TextFormat.PlainText)
            theirs = QRadioButton(self._display(name, conflict.theirs), grid_box)
            mine = QRadioButton(self._display(name, conflict.mine), grid_box)
            mine.setChecked(True)
            group = QButtonGroup(self)
            group.addButton(theirs)
            group.addButton(mine)
            self._groups.append(group)
            self.grid.addWidget(field_label, row, 0)
            self.grid.addWidget(base, row, 1)
            self.grid.addWidget(theirs, row, 2)
            self.grid.addWidget(mine, row, 3)
            self.field_labels[name] = field_label
            self.base_labels[name] = base
            self.choice_buttons[name] = {THEIRS: theirs, MINE: mine}
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 2)
        self.grid.setColumnStretch(3, 2)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(grid_box)
        layout.addWidget(scroll, 1)

        self.merged_label = QLabel(self)
        self.merged_label.setObjectName("muted")
        self.merged_label.setWordWrap(True)
        self.merged_label.setVisible(bool(self._merged))
        layout.addWidget(self.merged_label)

        self.buttons = QDialogButtonBox(self)
        self.save_button = QPushButton(self)
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate_ui()

    def _display(self, name: str, value: Any) -> str:
        text = self._show_value(name, value)
        return text if text else self.tr("(empty)")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Changed by someone else"))
        self.title_label.setText(self.tr("Someone else changed this meanwhile"))
        self.intro_label.setText(
            self.tr(
                "Another user saved changes to the same fields while you were editing. "
                "Choose which value to keep for each field; nothing is saved until you do."
            )
        )
        for label, text in zip(
            self.header_labels,
            (self.tr("Field"), self.tr("Before"), self.tr("Their value"), self.tr("Your value")),
            strict=True,
        ):
            label.setText(text)
        for name, label in self.field_labels.items():
            label.setText(self._label_of(name))
            self.choice_buttons[name][THEIRS].setToolTip(self.tr("Take their value"))
            self.choice_buttons[name][MINE].setToolTip(self.tr("Keep my value"))
        if self._merged:
            self.merged_label.setText(
                self.tr("Merged with changes by someone else: {fields}").format(
                    fields=", ".join(self._label_of(f) for f in self._merged)
                )
            )
        self.save_button.setText(self.tr("Save with these values"))

    def choose(self, name: str, which: str) -> None:
        """Pick ``MINE`` or ``THEIRS`` for a field (what clicking its radio button does)."""
        self.choice_buttons[name][which].setChecked(True)

    def choices(self) -> dict[str, str]:
        return {
            name: MINE if buttons[MINE].isChecked() else THEIRS
            for name, buttons in self.choice_buttons.items()
        }
