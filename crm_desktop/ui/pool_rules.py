"""Admin → Public pool: the pool rules (holding limit, cooling-off, not-won days), the grades'
reclaim / warn / dormant days at a glance, and the lost-reasons list. Administrators edit;
everybody else reads the same rules with a word on who may change them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, Qt, Signal, Slot
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import OperationCancelled, UserError, ValidationError
from crm_desktop.services.config import GradeRow
from crm_desktop.services.followups import set_lost_reasons
from crm_desktop.services.pool import PoolRules, PoolSettingsResult, pool_settings, set_pool_rules
from crm_desktop.ui.admin_page import _ConfigTab
from crm_desktop.ui.style import MUTED_COLOR, scaled_font
from crm_desktop.ui.widgets import ErrorLabel

if TYPE_CHECKING:
    from crm_desktop.ui.admin_page import AdminPage

__all__ = ["PoolRulesTab"]

MAX_LIMIT = 100_000
MAX_DAYS = 3_650
RULE_FIELDS = ("holding_limit", "cooling_off_days", "unwon_days")
_DAY_COLUMNS = ("reclaim_days", "warn_days", "dormant_days")


class PoolRulesTab(_ConfigTab):
    """The pool rules form (saved together), the grades' days (edited on the Grades tab) and
    the lost reasons (every add, rename, removal or move saved at once, like the other tabs)."""

    sig_rules_saved = Signal(object)
    """The rules were saved; carries the PoolRules the database now holds."""

    def __init__(self, page: AdminPage, *, editable: bool) -> None:
        super().__init__(page)
        self.editable = editable
        self.rules: PoolRules | None = None
        self.reasons: tuple[str, ...] = ()
        self.grades: tuple[GradeRow, ...] = ()
        self.saving = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        self.scroll = scroll
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(10)
        self.intro_label = QLabel(body)
        self.intro_label.setWordWrap(True)
        layout.addWidget(self.intro_label)
        self.read_only_label = QLabel(body)
        self.read_only_label.setWordWrap(True)
        self.read_only_label.setObjectName("readOnlyNote")
        self.read_only_label.setStyleSheet(
            "QLabel#readOnlyNote { background: #eef2ff; border: 1px solid #c7d2fe;"
            " border-radius: 6px; color: #3730a3; padding: 6px 10px; }"
        )
        self.read_only_label.setVisible(not editable)
        layout.addWidget(self.read_only_label)

        columns = QGridLayout()
        columns.setHorizontalSpacing(14)
        columns.setVerticalSpacing(10)
        columns.addWidget(self._build_rules(body), 0, 0)
        columns.addWidget(self._build_grades(body), 1, 0)
        columns.addWidget(self._build_reasons(body), 0, 1, 3, 1)
        columns.setColumnStretch(0, 3)
        columns.setColumnStretch(1, 2)
        columns.setRowStretch(2, 1)  # below the grades: the left column stays compact
        layout.addLayout(columns, 1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.info_label)
        self._update_buttons()
        self.retranslate_ui()

    # ----------------------------------------------------------------- construction

    def _number_edit(self, parent: QWidget) -> QLineEdit:
        edit = QLineEdit(parent)
        edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        edit.setFixedWidth(90)
        edit.setReadOnly(not self.editable)
        edit.textEdited.connect(self._on_rule_edit_text_edited)
        edit.returnPressed.connect(self._on_save_button_clicked)
        return edit

    def _field(
        self, form: QFormLayout, parent: QWidget, edit: QLineEdit
    ) -> tuple[QLabel, QLabel, QLabel, ErrorLabel]:
        """A form row: label | [edit] unit, with the help and the field's error under it."""
        label = QLabel(parent)
        unit = QLabel(parent)
        help_label = QLabel(parent)
        help_label.setWordWrap(True)
        help_label.setStyleSheet(f"color: {MUTED_COLOR};")
        help_label.setFont(scaled_font(help_label, 0.92))
        error = ErrorLabel(parent)
        box = QWidget(parent)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(edit)
        row.addWidget(unit)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(help_label)
        column.addWidget(error)
        form.addRow(label, box)
        return label, unit, help_label, error

    def _build_rules(self, parent: QWidget) -> QGroupBox:
        self.rules_box = QGroupBox(parent)
        column = QVBoxLayout(self.rules_box)
        form = QFormLayout()
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        box = self.rules_box
        self.limit_edit = self._number_edit(box)
        self.cooling_edit = self._number_edit(box)
        self.unwon_edit = self._number_edit(box)
        self.limit_label, self.limit_unit, self.limit_help, self.limit_error = self._field(
            form, box, self.limit_edit
        )
        self.cooling_label, self.cooling_unit, self.cooling_help, self.cooling_error = self._field(
            form, box, self.cooling_edit
        )
        self.unwon_label, self.unwon_unit, self.unwon_help, self.unwon_error = self._field(
            form, box, self.unwon_edit
        )
        column.addLayout(form)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(box)
        self.save_button.setDefault(True)
        self.revert_button = QPushButton(box)
        self.rules_status_label = QLabel(box)
        self.rules_status_label.setStyleSheet(f"color: {MUTED_COLOR};")
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.rules_status_label, 1)
        column.addLayout(buttons)
        for button in (self.save_button, self.revert_button):
            button.setVisible(self.editable)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.revert_button.clicked.connect(self._on_revert_button_clicked)
        return self.rules_box

    def _build_grades(self, parent: QWidget) -> QGroupBox:
        self.grades_box = QGroupBox(parent)
        column = QVBoxLayout(self.grades_box)
        self.grades_intro = QLabel(self.grades_box)
        self.grades_intro.setWordWrap(True)
        self.grades_intro.setStyleSheet(f"color: {MUTED_COLOR};")
        column.addWidget(self.grades_intro)
        self.grades_table = QTableWidget(0, 4, self.grades_box)
        self.grades_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grades_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.grades_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.grades_table.verticalHeader().setVisible(False)
        header = self.grades_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for logical in (1, 2, 3):
            header.setSectionResizeMode(logical, QHeaderView.ResizeMode.ResizeToContents)
        rows = self.grades_table.verticalHeader()
        rows.setDefaultSectionSize(self.grades_table.fontMetrics().height() + 10)
        self.grades_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column.addWidget(self.grades_table)
        self.edit_grades_button = QPushButton(self.grades_box)
        self.edit_grades_button.setVisible(self.editable)
        self.edit_grades_button.clicked.connect(self._on_edit_grades_button_clicked)
        column.addWidget(self.edit_grades_button, 0, Qt.AlignmentFlag.AlignLeft)
        return self.grades_box

    def _build_reasons(self, parent: QWidget) -> QGroupBox:
        self.reasons_box = QGroupBox(parent)
        column = QVBoxLayout(self.reasons_box)
        self.reasons_intro = QLabel(self.reasons_box)
        self.reasons_intro.setWordWrap(True)
        self.reasons_intro.setStyleSheet(f"color: {MUTED_COLOR};")
        column.addWidget(self.reasons_intro)
        row = QHBoxLayout()
        self.reasons_list = QListWidget(self.reasons_box)
        self.reasons_list.setObjectName("lostReasons")
        self.reasons_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.reasons_list.setMinimumHeight(160)
        if self.editable:
            self.reasons_list.setEditTriggers(
                QAbstractItemView.EditTrigger.DoubleClicked
                | QAbstractItemView.EditTrigger.EditKeyPressed
            )
        else:
            self.reasons_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        row.addWidget(self.reasons_list, 1)
        buttons = QVBoxLayout()
        self.rename_button = QPushButton(self.reasons_box)
        self.up_button = QPushButton(self.reasons_box)
        self.down_button = QPushButton(self.reasons_box)
        self.remove_button = QPushButton(self.reasons_box)
        for button in (self.rename_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        row.addLayout(buttons)
        column.addLayout(row, 1)
        add_row = QHBoxLayout()
        self.new_reason_edit = QLineEdit(self.reasons_box)
        self.new_reason_edit.setMaxLength(100)
        self.add_button = QPushButton(self.reasons_box)
        add_row.addWidget(self.new_reason_edit, 1)
        add_row.addWidget(self.add_button)
        column.addLayout(add_row)
        self.reasons_error = ErrorLabel(self.reasons_box)
        column.addWidget(self.reasons_error)
        for widget in (
            self.rename_button,
            self.up_button,
            self.down_button,
            self.remove_button,
            self.new_reason_edit,
            self.add_button,
        ):
            widget.setVisible(self.editable)
        self.reasons_list.itemChanged.connect(self._on_reasons_list_item_changed)
        self.reasons_list.itemSelectionChanged.connect(self._update_buttons)
        self.rename_button.clicked.connect(self._on_rename_button_clicked)
        self.up_button.clicked.connect(self._on_up_button_clicked)
        self.down_button.clicked.connect(self._on_down_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.new_reason_edit.returnPressed.connect(self._on_add_button_clicked)
        return self.reasons_box

    # ----------------------------------------------------------------- language

    def retranslate_ui(self) -> None:
        self.intro_label.setText(
            self.tr(
                "Customers without an owner wait in the public pool, where any salesperson may "
                "claim them. These rules decide when a customer returns to the pool and who may "
                "take it; reclaim runs when crm-desktop starts and every hour."
            )
        )
        self.read_only_label.setText(
            self.tr(
                "Only administrators change these rules. They are shown so that you know when "
                "your customers return to the pool and how many you may hold."
            )
        )
        self.rules_box.setTitle(self.tr("Pool rules"))
        self.limit_label.setText(self.tr("Holding limit"))
        self.limit_unit.setText(self.tr("customers per salesperson"))
        self.limit_help.setText(
            self.tr(
                "Claims beyond it are refused. Won (active) customers do not count. "
                "Empty: no limit."
            )
        )
        self.cooling_label.setText(self.tr("Cooling-off period"))
        self.cooling_unit.setText(self.tr("days"))
        self.cooling_help.setText(
            self.tr(
                "The previous owner cannot claim a customer back until this many days after it "
                "left them. 0: at once."
            )
        )
        self.unwon_label.setText(self.tr("Return when not won after"))
        self.unwon_unit.setText(self.tr("days"))
        self.unwon_help.setText(
            self.tr(
                "A customer not won (not active) this many days after its owner got it returns "
                "to the pool, even when followed up. Empty: never."
            )
        )
        for edit in (self.limit_edit, self.unwon_edit):
            edit.setPlaceholderText(self.tr("none"))
        self.cooling_edit.setPlaceholderText("0")
        self.save_button.setText(self.tr("Save rules"))
        self.revert_button.setText(self.tr("Revert"))
        self.grades_box.setTitle(self.tr("Per grade"))
        self.grades_intro.setText(
            self.tr(
                "A customer returns to the pool after this many days without a follow-up; its "
                "owner is warned the given days before; it counts as dormant after its days."
            )
        )
        self.grades_table.setHorizontalHeaderLabels(
            [
                self.tr("Grade"),
                self.tr("Returns after"),
                self.tr("Warned before"),
                self.tr("Dormant after"),
            ]
        )
        self.edit_grades_button.setText(self.tr("Edit on the Grades tab"))
        self.reasons_box.setTitle(self.tr("Lost reasons"))
        self.reasons_intro.setText(
            self.tr(
                "Salespeople pick one when a prospect is lost. The reason stays with the customer "
                "for whoever follows it up next."
            )
        )
        self.rename_button.setText(self.tr("Rename"))
        # After setText, which replaces a button's shortcut with its text's mnemonic (none).
        self.rename_button.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.rename_button.setToolTip(self.tr("Rename (F2)"))
        self.up_button.setText(self.tr("Move up"))
        self.down_button.setText(self.tr("Move down"))
        self.remove_button.setText(self.tr("Remove"))
        self.new_reason_edit.setPlaceholderText(self.tr("New reason, e.g. Chose a competitor"))
        self.add_button.setText(self.tr("Add reason"))
        self._fill_grades()
        self._show_rules_status()

    # ----------------------------------------------------------------- loading

    def refresh(self) -> None:
        self.page.run_op(pool_settings, read_only=True).on_success(self._on_loaded)

    def _on_loaded(self, result: PoolSettingsResult) -> None:
        first = self.rules is None
        dirty = not first and self.is_dirty()
        self.rules = result.rules
        if not dirty:
            self.show_rules(result.rules)
        self.grades = result.grades
        self._fill_grades()
        self._fill_reasons(result.lost_reasons)
        self.sig_loaded.emit()

    def show_rules(self, rules: PoolRules) -> None:
        """Put ``rules`` in the form and clear its errors (load, revert, after a save)."""
        self.limit_edit.setText(_number(rules.holding_limit))
        self.cooling_edit.setText(str(rules.cooling_off_days))
        self.unwon_edit.setText(_number(rules.unwon_days))
        for error in self._errors().values():
            error.set_error(None)
        self._update_buttons()
        self._show_rules_status()

    def _fill_grades(self) -> None:
        table = self.grades_table
        table.setRowCount(len(self.grades))
        for row, grade in enumerate(self.grades):
            name = QTableWidgetItem(f"{grade.code} · {grade.name}")
            name.setData(Qt.ItemDataRole.DecorationRole, QColor(grade.color))
            table.setItem(row, 0, name)
            for offset, key in enumerate(_DAY_COLUMNS):
                item = QTableWidgetItem(self._days_text(getattr(grade, key), key))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, 1 + offset, item)
        # As tall as its rows: a few grades, no scrolling, no empty space.
        height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
        height += sum(table.rowHeight(r) for r in range(table.rowCount()))
        table.setFixedHeight(max(height, 60))

    def _days_text(self, days: int | None, key: str) -> str:
        if days is None:
            return self.tr("never") if key != "warn_days" else self.tr("no warning")
        if days == 1:
            return self.tr("1 day")
        return self.tr("{count} days").format(count=QLocale().toString(days))

    def _fill_reasons(self, reasons: tuple[str, ...]) -> None:
        selected = self.selected_reason()
        self.reasons = reasons
        self._filling = True
        try:
            self.reasons_list.clear()
            for reason in reasons:
                item = QListWidgetItem(reason, self.reasons_list)
                if self.editable:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        finally:
            self._filling = False
        if selected in reasons:
            self.reasons_list.setCurrentRow(reasons.index(selected))
        self._update_buttons()

    # ----------------------------------------------------------------- the rules form

    def _errors(self) -> dict[str, ErrorLabel]:
        return {
            "holding_limit": self.limit_error,
            "cooling_off_days": self.cooling_error,
            "unwon_days": self.unwon_error,
        }

    def form_rules(self) -> PoolRules | None:
        """The rules typed in the form, or None after showing each wrong field's error."""
        errors: dict[str, str] = {}

        def read(text: str, key: str, minimum: int, maximum: int, empty: int | None) -> Any:
            text = text.strip()
            if not text:
                return empty
            if not text.isdigit() or not minimum <= int(text) <= maximum:
                errors[key] = self._field_message(key, minimum, maximum)
                return None
            return int(text)

        limit = read(self.limit_edit.text(), "holding_limit", 1, MAX_LIMIT, None)
        cooling = read(self.cooling_edit.text(), "cooling_off_days", 0, MAX_DAYS, 0)
        unwon = read(self.unwon_edit.text(), "unwon_days", 1, MAX_DAYS, None)
        self.show_field_errors(errors)
        if errors:
            return None
        return PoolRules(holding_limit=limit, cooling_off_days=cooling, unwon_days=unwon)

    def _field_message(self, key: str, minimum: int, maximum: int) -> str:
        locale = QLocale()
        if key == "holding_limit":
            return self.tr("A whole number from {low} to {high}; empty for no limit.").format(
                low=locale.toString(minimum), high=locale.toString(maximum)
            )
        if key == "unwon_days":
            return self.tr("Days from {low} to {high}; empty for never.").format(
                low=locale.toString(minimum), high=locale.toString(maximum)
            )
        return self.tr("Days from {low} to {high}.").format(
            low=locale.toString(minimum), high=locale.toString(maximum)
        )

    def show_field_errors(self, errors: dict[str, str]) -> None:
        for key, label in self._errors().items():
            label.set_error(errors.get(key))

    def is_dirty(self) -> bool:
        if self.rules is None:
            return False
        return (
            self.limit_edit.text().strip(),
            self.cooling_edit.text().strip() or "0",
            self.unwon_edit.text().strip(),
        ) != (
            _number(self.rules.holding_limit),
            str(self.rules.cooling_off_days),
            _number(self.rules.unwon_days),
        )

    @Slot(str)
    def _on_rule_edit_text_edited(self, _text: str) -> None:
        self._update_buttons()
        self._show_rules_status()

    def _show_rules_status(self) -> None:
        if self.saving:
            text = self.tr("Saving…")
        elif self.is_dirty():
            text = self.tr("Not saved yet")
        else:
            text = ""
        self.rules_status_label.setText(text)

    @Slot()
    def _on_save_button_clicked(self) -> None:
        self.save_rules()

    def save_rules(self) -> bool:
        """Check the form and save it; False when a field is wrong (its error shows)."""
        if not self.editable or self.saving:
            return False
        rules = self.form_rules()
        if rules is None:
            return False
        self.say(None)
        self.saving = True
        self._update_buttons()
        self._show_rules_status()
        op = self.page.run_op(set_pool_rules, rules=rules, actor=self.page.actor)
        op.on_success(self._on_rules_saved)
        op.on_failure(self._on_rules_failed)
        return True

    def _on_rules_saved(self, rules: PoolRules) -> None:
        self.saving = False
        self.rules = rules
        self.show_rules(rules)
        self.say(self.tr("The pool rules are saved."), error=False)
        self.page.sig_config_changed.emit()
        self.sig_rules_saved.emit(rules)

    def _on_rules_failed(self, exc: BaseException) -> None:
        self.saving = False
        self._update_buttons()
        self._show_rules_status()
        if isinstance(exc, OperationCancelled):
            return
        if isinstance(exc, ValidationError) and exc.fields:
            known = {k: v for k, v in exc.fields.items() if k in RULE_FIELDS}
            self.show_field_errors(known)
            if len(known) < len(exc.fields):
                self.say(str(exc))
        elif isinstance(exc, UserError):
            self.say(str(exc))
        else:
            self.page.runner.show_error(self, exc)

    @Slot()
    def _on_revert_button_clicked(self) -> None:
        if self.rules is not None:
            self.show_rules(self.rules)
        self.say(None)

    @Slot()
    def _on_edit_grades_button_clicked(self) -> None:
        self.page.tabs.setCurrentWidget(self.page.grades_tab)

    # ----------------------------------------------------------------- lost reasons

    def selected_reason(self) -> str | None:
        row = self.reasons_list.currentRow()
        return self.reasons[row] if 0 <= row < len(self.reasons) else None

    @Slot()
    def _update_buttons(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(self.editable and dirty and not self.saving)
        self.revert_button.setEnabled(self.editable and dirty and not self.saving)
        row = self.reasons_list.currentRow()
        chosen = 0 <= row < len(self.reasons)
        self.rename_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)
        self.up_button.setEnabled(chosen and row > 0)
        self.down_button.setEnabled(chosen and row < len(self.reasons) - 1)

    def reason_problem(self, text: str, *, ignore_row: int | None = None) -> str | None:
        """Why ``text`` cannot be a lost reason (None: it can)."""
        if not text:
            return self.tr("A lost reason needs some words.")
        folded = text.casefold()
        for row, reason in enumerate(self.reasons):
            if row != ignore_row and reason.casefold() == folded:
                return self.tr("“{reason}” is already in the list.").format(reason=reason)
        return None

    def save_reasons(self, reasons: list[str], *, select: str | None = None) -> None:
        """Save the whole list (every change does); the list reloads either way."""
        self.reasons_error.set_error(None)

        def saved(_result: object) -> None:
            if select is not None:
                self._select_after_load(select)

        self.change(set_lost_reasons, reasons=reasons, done=saved)

    def _select_after_load(self, reason: str) -> None:
        def select_once() -> None:
            self.sig_loaded.disconnect(select_once)
            if reason in self.reasons:
                self.reasons_list.setCurrentRow(self.reasons.index(reason))

        self.sig_loaded.connect(select_once)

    @Slot()
    def _on_add_button_clicked(self) -> None:
        text = " ".join(self.new_reason_edit.text().split())
        problem = self.reason_problem(text)
        if problem is not None:
            self.reasons_error.set_error(problem)
            return
        self.new_reason_edit.clear()
        self.save_reasons([*self.reasons, text], select=text)

    @Slot(QListWidgetItem)
    def _on_reasons_list_item_changed(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        row = self.reasons_list.row(item)
        if not 0 <= row < len(self.reasons):
            return
        text = " ".join(item.text().split())
        if text == self.reasons[row]:
            return
        problem = self.reason_problem(text, ignore_row=row)
        if problem is not None:
            self.reasons_error.set_error(problem)
            self._fill_reasons(self.reasons)
            return
        reasons = list(self.reasons)
        reasons[row] = text
        self.save_reasons(reasons, select=text)

    @Slot()
    def _on_rename_button_clicked(self) -> None:
        item = self.reasons_list.currentItem()
        if item is not None:
            self.reasons_list.editItem(item)

    def _move(self, step: int) -> None:
        row = self.reasons_list.currentRow()
        target = row + step
        if not (0 <= row < len(self.reasons) and 0 <= target < len(self.reasons)):
            return
        reasons = list(self.reasons)
        reasons[row], reasons[target] = reasons[target], reasons[row]
        self.save_reasons(reasons, select=reasons[target])

    @Slot()
    def _on_up_button_clicked(self) -> None:
        self._move(-1)

    @Slot()
    def _on_down_button_clicked(self) -> None:
        self._move(1)

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        reason = self.selected_reason()
        if reason is None:
            return
        if not self.page.ask_confirm(
            self.tr(
                "Remove the lost reason “{reason}”? Follow-ups that used it keep their text."
            ).format(reason=reason),
            self.tr("Remove"),
        ):
            return
        self.save_reasons([r for r in self.reasons if r != reason])


def _number(value: int | None) -> str:
    return "" if value is None else str(value)
