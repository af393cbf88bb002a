"""The Customers page's filter panel: grade, region subtree (with counts), owner, branch, status,
tags, public pool and creation period. It only describes the filter; the page runs it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, QLocale, QSignalBlocker, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.services.config import RegionNode
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_list import CustomerFilter
from crm_desktop.services.customer_page import FilterChoicesResult
from crm_desktop.ui.customer_model import grade_swatch, status_label
from crm_desktop.ui.style import scaled_font

STATUSES = ("prospect", "active", "dormant", "lost")
ANY_DATE = QDate(2000, 1, 1)  # the date edits' minimum, shown as "any time"
TAGS_DEBOUNCE_MS = 300
_ID = Qt.ItemDataRole.UserRole
_NAME = Qt.ItemDataRole.UserRole + 1
_POOL = "pool"  # the owner combo's "public pool" entry


def _local_midnight_utc(date: QDate) -> datetime:
    local = datetime(date.year(), date.month(), date.day()).astimezone()
    return local.astimezone(UTC)


class FilterPanel(QFrame):
    """Widgets for every filter of the list; ``current_filter()`` reads them."""

    sig_filter_changed = Signal()
    """The user changed a filter (tags after a short pause); read ``current_filter()``."""

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterPanel")
        self._actor = actor
        self._choices: FilterChoicesResult | None = None
        self._region_items: dict[int, QTreeWidgetItem] = {}
        self._counts: dict[int, int] = {}
        # A restored filter's grades, region, owner and branch until the choices arrive.
        self._pending: dict[str, Any] | None = None
        self._tags_timer = QTimer(self)
        self._tags_timer.setSingleShot(True)
        self._tags_timer.setInterval(TAGS_DEBOUNCE_MS)
        self._tags_timer.timeout.connect(self._on_tags_timer_timeout)
        self._build()
        self.retranslate_ui()

    # ----------------------------------------------------------------- construction

    def _section(self, layout: QVBoxLayout) -> QLabel:
        label = QLabel(self)
        label.setObjectName("filterSection")
        label.setFont(scaled_font(label, 0.95, bold=True))
        layout.addWidget(label)
        return label

    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 8, 0)
        column.setSpacing(6)

        title_row = QHBoxLayout()
        self.title_label = QLabel(self)
        self.title_label.setFont(scaled_font(self.title_label, 1.05, bold=True))
        self.clear_button = QPushButton(self)
        self.clear_button.setObjectName("linkButton")
        self.clear_button.setFlat(True)
        self.clear_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        title_row.addWidget(self.title_label, 1)
        title_row.addWidget(self.clear_button)
        column.addLayout(title_row)

        self.grade_label = self._section(column)
        self.grade_list = QListWidget(self)
        self.grade_list.setObjectName("gradeList")
        self.grade_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.grade_list.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.grade_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.grade_list.itemChanged.connect(self._on_grade_list_item_changed)
        column.addWidget(self.grade_list)

        self.region_label = self._section(column)
        self.region_tree = QTreeWidget(self)
        self.region_tree.setObjectName("regionTree")
        self.region_tree.setHeaderHidden(True)
        self.region_tree.setUniformRowHeights(True)
        self.region_tree.setMinimumHeight(120)
        self.region_tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.region_tree.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.all_regions_item = QTreeWidgetItem(self.region_tree)
        self.all_regions_item.setData(0, _ID, None)
        self.region_tree.setCurrentItem(self.all_regions_item)
        self.region_tree.itemSelectionChanged.connect(self._on_region_tree_item_selection_changed)
        column.addWidget(self.region_tree, 1)

        form = QFormLayout()
        form.setContentsMargins(0, 4, 0, 0)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(6)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.owner_combo = QComboBox(self)
        self.owner_combo.currentIndexChanged.connect(self._on_combo_current_index_changed)
        self.branch_combo = QComboBox(self)
        self.branch_combo.currentIndexChanged.connect(self._on_combo_current_index_changed)
        self.status_combo = QComboBox(self)
        self.status_combo.addItem("", None)
        for status in STATUSES:
            self.status_combo.addItem("", status)
        self.status_combo.currentIndexChanged.connect(self._on_combo_current_index_changed)
        self.tags_edit = QLineEdit(self)
        self.tags_edit.setClearButtonEnabled(True)
        self.tags_edit.textEdited.connect(self._on_tags_edit_text_edited)
        self.tags_edit.returnPressed.connect(self._on_tags_timer_timeout)
        self.owner_label = QLabel(self)
        self.branch_label = QLabel(self)
        self.status_label = QLabel(self)
        self.tags_label = QLabel(self)
        form.addRow(self.owner_label, self.owner_combo)
        form.addRow(self.branch_label, self.branch_combo)
        form.addRow(self.status_label, self.status_combo)
        form.addRow(self.tags_label, self.tags_edit)
        column.addLayout(form)
        for combo in (self.owner_combo, self.branch_combo, self.status_combo):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)

        self.pool_check = QCheckBox(self)
        self.pool_check.toggled.connect(self._on_pool_check_toggled)
        column.addWidget(self.pool_check)

        self.created_label = self._section(column)
        dates = QHBoxLayout()
        dates.setSpacing(4)
        self.created_from_edit = self._date_edit()
        self.created_to_edit = self._date_edit()
        self.dash_label = QLabel("–", self)
        dates.addWidget(self.created_from_edit, 1)
        dates.addWidget(self.dash_label)
        dates.addWidget(self.created_to_edit, 1)
        column.addLayout(dates)

        self._reset_owner_combo()
        self._reset_branch_combo()

    def _date_edit(self) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(ANY_DATE)
        edit.setMaximumDate(QDate(2100, 12, 31))
        edit.setDate(ANY_DATE)
        edit.dateChanged.connect(self._on_date_edit_date_changed)
        return edit

    def retranslate_ui(self) -> None:
        self.title_label.setText(self.tr("Filters"))
        self.clear_button.setText(self.tr("Clear filters"))
        self.grade_label.setText(self.tr("Grade"))
        self.region_label.setText(self.tr("Region"))
        self.owner_label.setText(self.tr("Owner"))
        self.branch_label.setText(self.tr("Branch"))
        self.status_label.setText(self.tr("Status"))
        self.tags_label.setText(self.tr("Tags"))
        self.tags_edit.setPlaceholderText(self.tr("any tag, e.g. vip"))
        self.pool_check.setText(self.tr("Only customers in the public pool"))
        self.created_label.setText(self.tr("Created"))
        for edit in (self.created_from_edit, self.created_to_edit):
            edit.setSpecialValueText(self.tr("any time"))
        self.created_from_edit.setToolTip(self.tr("Created on or after this day"))
        self.created_to_edit.setToolTip(self.tr("Created on or before this day"))
        self.owner_combo.setItemText(0, self.tr("Anyone"))
        self.owner_combo.setItemText(1, self.tr("Public pool"))
        self.branch_combo.setItemText(0, self.tr("Any branch"))
        self.status_combo.setItemText(0, self.tr("Any status"))
        for index, status in enumerate(STATUSES, start=1):
            self.status_combo.setItemText(index, status_label(status))
        self._update_region_texts()

    # ----------------------------------------------------------------- choices

    def _reset_owner_combo(self) -> None:
        self.owner_combo.clear()
        self.owner_combo.addItem(self.tr("Anyone"), None)
        self.owner_combo.addItem(self.tr("Public pool"), _POOL)

    def _reset_branch_combo(self) -> None:
        self.branch_combo.clear()
        self.branch_combo.addItem(self.tr("Any branch"), None)

    @property
    def choices(self) -> FilterChoicesResult | None:
        return self._choices

    def set_choices(self, choices: FilterChoicesResult) -> None:
        """Fill the lists from the database; the user's current choices stay where they can."""
        current = self.current_filter()
        owner_data = self.owner_combo.currentData()
        pending, self._pending = self._pending, None
        if pending is not None:
            owner_data = pending.get("owner")
        self._choices = choices
        with QSignalBlocker(self.grade_list):
            self.grade_list.clear()
            for grade in choices.grades:
                item = QListWidgetItem(f"{grade.code}  {grade.name}", self.grade_list)
                item.setData(_ID, grade.id)
                swatch = grade_swatch(grade.color, 14)
                if swatch is not None:
                    item.setIcon(QIcon(swatch))
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                checked = grade.id in current.grade_ids
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            rows = max(1, self.grade_list.count())
            row_height = max(self.grade_list.sizeHintForRow(0), 20)
            self.grade_list.setFixedHeight(rows * row_height + 2 * self.grade_list.frameWidth() + 4)
        with QSignalBlocker(self.region_tree):
            self.region_tree.clear()
            self._region_items.clear()
            self.all_regions_item = QTreeWidgetItem(self.region_tree)
            self.all_regions_item.setData(0, _ID, None)
            self._add_regions(self.all_regions_item, choices.regions)
            self.all_regions_item.setExpanded(True)
            selected = self._region_items.get(current.region_id or -1, self.all_regions_item)
            self.region_tree.setCurrentItem(selected)
            selected.setSelected(True)
        with QSignalBlocker(self.owner_combo):
            self._reset_owner_combo()
            for owner in choices.owners:
                label = owner.display_name
                if not owner.active:
                    label = self.tr("{name} (inactive)").format(name=owner.display_name)
                self.owner_combo.addItem(label, owner.id)
            found = self.owner_combo.findData(owner_data)
            self.owner_combo.setCurrentIndex(max(0, found))
        with QSignalBlocker(self.branch_combo):
            self._reset_branch_combo()
            for branch in choices.branches:
                self.branch_combo.addItem(branch.name, branch.id)
            chosen = current.branch_ids[0] if current.branch_ids else None
            self.branch_combo.setCurrentIndex(max(0, self.branch_combo.findData(chosen)))
        self._update_region_texts()
        if pending is not None and self.current_filter() != current:
            self._changed()  # a remembered grade, region… is gone: the list must follow

    def _add_regions(self, parent: QTreeWidgetItem, nodes: Iterable[RegionNode]) -> None:
        for node in nodes:
            item = QTreeWidgetItem(parent)
            item.setData(0, _ID, node.id)
            item.setData(0, _NAME, node.name)
            self._region_items[node.id] = item
            self._add_regions(item, node.children)

    def set_region_counts(self, nodes: Iterable[RegionNode]) -> None:
        """Show "华东 (269,007)": customers of the current filter in each node's subtree."""
        counts: dict[int, int] = {}

        def walk(items: Iterable[RegionNode]) -> None:
            for node in items:
                counts[node.id] = node.count
                walk(node.children)

        walk(nodes)
        self._counts = counts
        self._update_region_texts()

    def _update_region_texts(self) -> None:
        locale = QLocale()
        total = sum(
            self._counts.get(int(self.all_regions_item.child(i).data(0, _ID)), 0)
            for i in range(self.all_regions_item.childCount())
        )
        everything = self.tr("All regions")
        self.all_regions_item.setText(
            0, f"{everything} ({locale.toString(total)})" if self._counts else everything
        )
        for region_id, item in self._region_items.items():
            name = str(item.data(0, _NAME))
            count = self._counts.get(region_id)
            item.setText(0, name if count is None else f"{name} ({locale.toString(count)})")

    def region_item(self, region_id: int) -> QTreeWidgetItem | None:
        return self._region_items.get(region_id)

    def region_count(self, region_id: int) -> int | None:
        return self._counts.get(region_id)

    # ----------------------------------------------------------------- the filter

    def current_filter(self) -> CustomerFilter:
        flt = self._widget_filter()
        pending = self._pending
        if pending is None:
            return flt
        owner = pending.get("owner")
        branch = pending.get("branch")
        return replace(
            flt,
            grade_ids=tuple(int(g) for g in pending.get("grades", ()) if isinstance(g, int)),
            region_id=pending.get("region") if isinstance(pending.get("region"), int) else None,
            owner_ids=(owner,) if isinstance(owner, int) else (),
            branch_ids=(branch,) if isinstance(branch, int) else (),
            in_pool=True if (owner == _POOL or self.pool_check.isChecked()) else None,
        )

    def state(self) -> dict[str, Any]:
        """The filter as plain JSON values, to remember between runs (``restore_state``)."""
        flt = self.current_filter()
        owner = self._pending.get("owner") if self._pending else self.owner_combo.currentData()

        def day(edit: QDateEdit) -> str | None:
            date = edit.date()
            return None if date == ANY_DATE else date.toString(Qt.DateFormat.ISODate)

        return {
            "grades": list(flt.grade_ids),
            "region": flt.region_id,
            "owner": owner if isinstance(owner, int) or owner == _POOL else None,
            "branch": flt.branch_ids[0] if flt.branch_ids else None,
            "status": flt.statuses[0] if flt.statuses else None,
            "tags": self.tags_edit.text(),
            "pool": self.pool_check.isChecked(),
            "created_from": day(self.created_from_edit),
            "created_to": day(self.created_to_edit),
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        """Set the filter of ``state`` without signalling (the page reads it when it loads).
        Grades, region, owner and branch need the choices: they apply when those arrive."""
        blockers = [
            QSignalBlocker(w)
            for w in (
                self.status_combo,
                self.tags_edit,
                self.pool_check,
                self.created_from_edit,
                self.created_to_edit,
            )
        ]
        status = state.get("status")
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(status)))
        tags = state.get("tags")
        self.tags_edit.setText(tags if isinstance(tags, str) else "")
        self.pool_check.setChecked(state.get("pool") is True)
        for edit, key in (
            (self.created_from_edit, "created_from"),
            (self.created_to_edit, "created_to"),
        ):
            text = state.get(key)
            date = QDate.fromString(text, Qt.DateFormat.ISODate) if isinstance(text, str) else None
            edit.setDate(date if date is not None and date.isValid() else ANY_DATE)
        del blockers
        pending = {k: state.get(k) for k in ("grades", "region", "owner", "branch")}
        if not isinstance(pending["grades"], list):
            pending["grades"] = []
        self._pending = pending
        if self._choices is not None:
            self.set_choices(self._choices)

    def _widget_filter(self) -> CustomerFilter:
        grade_ids = tuple(
            int(item.data(_ID))
            for item in (self.grade_list.item(i) for i in range(self.grade_list.count()))
            if item.checkState() == Qt.CheckState.Checked
        )
        selected = self.region_tree.selectedItems()
        region_data = selected[0].data(0, _ID) if selected else None
        owner = self.owner_combo.currentData()
        branch = self.branch_combo.currentData()
        status = self.status_combo.currentData()
        tags = tuple(t for t in self.tags_edit.text().replace(",", " ").split() if t)
        in_pool = True if (owner == _POOL or self.pool_check.isChecked()) else None
        created_from = self.created_from_edit.date()
        created_to = self.created_to_edit.date()
        return CustomerFilter(
            grade_ids=grade_ids,
            region_id=int(region_data) if region_data is not None else None,
            owner_ids=(int(owner),) if isinstance(owner, int) else (),
            branch_ids=(int(branch),) if isinstance(branch, int) else (),
            statuses=(str(status),) if status else (),
            tags=tags,
            in_pool=in_pool,
            created_from=(_local_midnight_utc(created_from) if created_from != ANY_DATE else None),
            created_to=(
                _local_midnight_utc(created_to) + timedelta(days=1)
                if created_to != ANY_DATE
                else None
            ),
        )

    def is_default(self) -> bool:
        """No filter is set (what "no customers at all" needs to know)."""
        return self.current_filter() == CustomerFilter()

    def clear(self, *, notify: bool = True) -> None:
        """Back to "everything"; one ``sig_filter_changed`` at the end."""
        self._pending = None
        blockers = [
            QSignalBlocker(w)
            for w in (
                self.grade_list,
                self.region_tree,
                self.owner_combo,
                self.branch_combo,
                self.status_combo,
                self.tags_edit,
                self.pool_check,
                self.created_from_edit,
                self.created_to_edit,
            )
        ]
        for i in range(self.grade_list.count()):
            self.grade_list.item(i).setCheckState(Qt.CheckState.Unchecked)
        self.region_tree.clearSelection()
        self.region_tree.setCurrentItem(self.all_regions_item)
        self.all_regions_item.setSelected(True)
        for combo in (self.owner_combo, self.branch_combo, self.status_combo):
            combo.setCurrentIndex(0)
        self.tags_edit.clear()
        self._tags_timer.stop()
        self.pool_check.setChecked(False)
        self.created_from_edit.setDate(ANY_DATE)
        self.created_to_edit.setDate(ANY_DATE)
        del blockers
        if notify:
            self.sig_filter_changed.emit()

    def select_region(self, region_id: int | None) -> None:
        """Select a region node (None: all regions), as a click would."""
        item = self.all_regions_item if region_id is None else self._region_items[region_id]
        self.region_tree.setCurrentItem(item)

    def set_grade_checked(self, grade_id: int, checked: bool) -> None:
        for i in range(self.grade_list.count()):
            item = self.grade_list.item(i)
            if item.data(_ID) == grade_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    # ----------------------------------------------------------------- slots

    def _changed(self) -> None:
        self.sig_filter_changed.emit()

    @Slot()
    def _on_clear_button_clicked(self) -> None:
        self.clear()

    @Slot(QListWidgetItem)
    def _on_grade_list_item_changed(self, _item: QListWidgetItem) -> None:
        self._changed()

    @Slot()
    def _on_region_tree_item_selection_changed(self) -> None:
        self._changed()

    @Slot(int)
    def _on_combo_current_index_changed(self, _index: int) -> None:
        self._changed()

    @Slot(bool)
    def _on_pool_check_toggled(self, _checked: bool) -> None:
        self._changed()

    @Slot(QDate)
    def _on_date_edit_date_changed(self, _date: QDate) -> None:
        self._changed()

    @Slot(str)
    def _on_tags_edit_text_edited(self, _text: str) -> None:
        self._tags_timer.start()

    @Slot()
    def _on_tags_timer_timeout(self) -> None:
        self._tags_timer.stop()
        self._changed()
