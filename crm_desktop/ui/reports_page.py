"""Reports: choose a report and its filters, generate it (an operation with progress and cancel),
preview it in the app, print it or save it as PDF (DESIGN §8, issue 6 §3). Every print and save
writes an audit row. ``ReportDialog`` is the same panel in a window, opened from the customer
list ("Print roster of this view") and the customer file ("Print profile")."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QEvent, QLocale, Qt, QTimeZone, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import OperationCancelled, UserError
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_page import FilterChoicesResult, filter_choices
from crm_desktop.services.reports import (
    ReportFilters,
    ReportOutput,
    can_output_reports,
    record_report_output,
    render_report,
)
from crm_desktop.ui.main_window import Page
from crm_desktop.ui.ops import Op, OpRunner
from crm_desktop.ui.region_picker import RegionPicker
from crm_desktop.ui.report_preview import ReportPreview
from crm_desktop.ui.style import MUTED_COLOR, scaled_font
from crm_desktop.ui.widgets import ErrorLabel, remember_splitter, restore_splitter

if TYPE_CHECKING:
    from crm_desktop.core.settings import Settings

__all__ = ["REPORT_KINDS", "ReportDialog", "ReportPanel", "ReportsPage", "report_language"]

REPORT_KINDS = ("roster", "followups", "overdue", "dormant", "profile", "handover", "dashboard")
LANDSCAPE = frozenset({"roster", "followups", "dashboard"})
# Which filter fields each report takes.
FIELDS: dict[str, tuple[str, ...]] = {
    "roster": ("grade", "region", "owner", "branch", "status"),
    "followups": ("date_from", "date_to", "owner", "branch"),
    "overdue": ("grade", "owner", "branch"),
    "dormant": ("days", "grade", "region", "owner", "branch"),
    "profile": ("customer",),
    "handover": ("handover_from", "handover_to", "grade", "region"),
    "dashboard": ("owner", "branch"),
}
STATUSES = ("prospect", "active", "dormant", "lost")
POOL = -1  # "to the public pool" in the handover's heir combo
SETTINGS_KEY = "reports_page"  # settings.ui: the filters/preview splitter of the Reports page


def report_language() -> str:
    """The report's labels follow the UI language."""
    return "zh_CN" if QLocale().name().startswith("zh") else "en"


def system_timezone() -> str:
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode("ascii", "replace")
    return name if "/" in name or name == "UTC" else "UTC"


class ReportPanel(QWidget):
    """The report list, the filters of the chosen one, Generate, and the preview."""

    sig_generated = Signal(object)
    """A report was generated and is shown; carries the ReportOutput."""

    sig_audited = Signal(str)
    """An audit row of a print or save was written; carries the action."""

    sig_ready = Signal()
    """The filter choices arrived: the fields hold the preset."""

    def __init__(
        self,
        actor: Actor,
        runner: OpRunner,
        parent: QWidget | None = None,
        *,
        kinds: tuple[str, ...] = REPORT_KINDS,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.kinds = kinds
        self.settings = settings  # None: the split is not remembered (the one-report window)
        self.choices: FilterChoicesResult | None = None
        self.output: ReportOutput | None = None
        self.filters_used: ReportFilters | None = None
        self.preset = ReportFilters()
        self.customer_name = ""
        self.op: Op | None = None
        self._loaded = False
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(splitter)
        left = QWidget(splitter)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 8, 0)
        self.kind_list = QListWidget(left)
        self.kind_list.setVisible(len(kinds) > 1)
        for kind in kinds:
            item = QListWidgetItem("", self.kind_list)
            item.setData(Qt.ItemDataRole.UserRole, kind)
        column.addWidget(self.kind_list)
        self.description_label = QLabel(left)
        self.description_label.setWordWrap(True)
        self.description_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.description_label.setFont(scaled_font(self.description_label, 0.95))
        column.addWidget(self.description_label)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self._build_fields(left)
        column.addLayout(self.form)
        self.error_label = ErrorLabel(left)
        column.addWidget(self.error_label)
        self.generate_button = QPushButton(left)
        self.generate_button.setDefault(True)
        column.addWidget(self.generate_button)
        self.result_label = QLabel(left)
        self.result_label.setWordWrap(True)
        self.result_label.setStyleSheet(f"color: {MUTED_COLOR};")
        column.addWidget(self.result_label)
        column.addStretch(1)
        self.preview = ReportPreview(splitter)
        splitter.addWidget(left)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 700])
        restore_splitter(self.settings, SETTINGS_KEY, splitter)
        splitter.splitterMoved.connect(self._on_splitter_splitter_moved)
        self.generate_button.clicked.connect(self._on_generate_button_clicked)
        self.kind_list.currentRowChanged.connect(self._on_kind_list_current_row_changed)
        self.preview.sig_printed.connect(self._on_preview_sig_printed)
        self.preview.sig_saved.connect(self._on_preview_sig_saved)
        self.generate_shortcut = QShortcut(self)
        # Ctrl+Enter as the tool tip says, on the main keyboard (Return) and the keypad (Enter).
        self.generate_shortcut.setKeys([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.generate_shortcut.activated.connect(self._on_generate_button_clicked)
        self.kind_list.setCurrentRow(0)
        self.retranslate_ui()
        self._show_fields()
        if len(kinds) > 1:  # the list as tall as its rows: the filters follow right under it
            rows = self.kind_list.sizeHintForRow(0) * len(kinds)
            self.kind_list.setFixedHeight(rows + 2 * self.kind_list.frameWidth() + 4)

    # ----------------------------------------------------------------- construction

    def _add(self, name: str, widget: QWidget) -> None:
        label = QLabel(self)
        self.form.addRow(label, widget)
        self.fields[name] = widget
        self.labels[name] = label

    def _build_fields(self, parent: QWidget) -> None:
        self.grade_combo = QComboBox(parent)
        self._add("grade", self.grade_combo)
        self.region_picker = RegionPicker(parent)
        self._add("region", self.region_picker)
        self.owner_combo = QComboBox(parent)
        self._add("owner", self.owner_combo)
        self.branch_combo = QComboBox(parent)
        self._add("branch", self.branch_combo)
        self.status_combo = QComboBox(parent)
        self._add("status", self.status_combo)
        today = QDate.currentDate()
        self.from_edit = QDateEdit(QDate(today.year(), today.month(), 1), parent)
        self.from_edit.setCalendarPopup(True)
        self._add("date_from", self.from_edit)
        self.to_edit = QDateEdit(today, parent)
        self.to_edit.setCalendarPopup(True)
        self._add("date_to", self.to_edit)
        self.days_spin = QSpinBox(parent)
        self.days_spin.setRange(0, 3650)
        self.days_spin.setValue(0)
        self._add("days", self.days_spin)
        self.customer_label = QLabel(parent)
        self.customer_label.setWordWrap(True)
        self._add("customer", self.customer_label)
        self.handover_from_combo = QComboBox(parent)
        self._add("handover_from", self.handover_from_combo)
        self.handover_to_combo = QComboBox(parent)
        self._add("handover_to", self.handover_to_combo)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        titles = self.kind_titles()
        for row in range(self.kind_list.count()):
            item = self.kind_list.item(row)
            item.setText(titles[item.data(Qt.ItemDataRole.UserRole)][0])
        texts = {
            "grade": self.tr("Grade"),
            "region": self.tr("Region"),
            "owner": self.tr("Salesperson"),
            "branch": self.tr("Branch"),
            "status": self.tr("Status"),
            "date_from": self.tr("From"),
            "date_to": self.tr("To"),
            "days": self.tr("No follow-up for"),
            "customer": self.tr("Customer"),
            "handover_from": self.tr("Handed over by"),
            "handover_to": self.tr("To"),
        }
        for name, label in self.labels.items():
            label.setText(texts[name])
        self.days_spin.setSpecialValueText(self.tr("each grade's dormant days"))
        self.days_spin.setSuffix(self.tr(" days"))
        self.generate_button.setText(self.tr("Generate"))
        self.generate_button.setToolTip(self.tr("Generate the report (Ctrl+Enter)"))
        self.generate_shortcut.setWhatsThis(self.tr("Generate the report"))
        self.customer_label.setText(self.customer_name or self.tr("Open a customer file first"))
        self._fill_choices()
        self._show_fields()

    def kind_titles(self) -> dict[str, tuple[str, str]]:
        return {
            "roster": (
                self.tr("Customer roster"),
                self.tr("Customers by grade × region: a count matrix, then the list."),
            ),
            "followups": (
                self.tr("Follow-up activity"),
                self.tr("Per salesperson for a period: counts by kind and outcome, a chart."),
            ),
            "overdue": (
                self.tr("Overdue follow-ups"),
                self.tr("Planned follow-ups past their due date, by salesperson."),
            ),
            "dormant": (
                self.tr("Dormant customers"),
                self.tr("Customers with no follow-up for N days, by grade."),
            ),
            "profile": (
                self.tr("Customer profile"),
                self.tr("One customer: profile, contacts, follow-ups and recent mail."),
            ),
            "handover": (
                self.tr("Handover"),
                self.tr("What moves from whom to whom, with signature lines."),
            ),
            "dashboard": (
                self.tr("Dashboard"),
                self.tr("Charts: grades, regions, new customers, follow-ups, the pool."),
            ),
        }

    # ----------------------------------------------------------------- choices

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self._loaded = True
            self.runner.op(self, filter_choices, actor=self.actor).read_only().on_success(
                self._on_choices
            ).run()
            self.runner.op(self, can_output_reports, actor=self.actor).read_only().on_success(
                self._on_permission
            ).run()

    def _on_permission(self, allowed: bool) -> None:
        self.preview.set_output_allowed(
            allowed,
            self.tr(
                "Printing and saving reports needs the export permission; ask an administrator"
            ),
        )

    def _on_choices(self, choices: FilterChoicesResult) -> None:
        self.choices = choices
        self.region_picker.set_regions(choices.regions)
        self._fill_choices()
        self.apply_preset(self.preset)
        self.sig_ready.emit()

    def _fill_combo(
        self, combo: QComboBox, items: list[tuple[str, Any]], any_text: str | None
    ) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        if any_text is not None:
            combo.addItem(any_text, None)
        for text, data in items:
            combo.addItem(text, data)
        index = combo.findData(current)
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    def _fill_choices(self) -> None:
        everyone = self.tr("(all)")
        statuses = {
            "prospect": self.tr("Prospect"),
            "active": self.tr("Active"),
            "dormant": self.tr("Dormant"),
            "lost": self.tr("Lost"),
        }
        self._fill_combo(self.status_combo, [(statuses[s], s) for s in STATUSES], everyone)
        if self.choices is None:
            return
        c = self.choices
        self._fill_combo(self.grade_combo, [(g.name, g.id) for g in c.grades], everyone)
        owners = [(o.display_name, o.id) for o in c.owners]
        self._fill_combo(self.owner_combo, owners, everyone if self.actor.is_manager else None)
        self._fill_combo(self.branch_combo, [(b.name, b.id) for b in c.branches], everyone)
        self._fill_combo(self.handover_from_combo, owners, None)
        heirs = [(self.tr("The public pool"), POOL), *owners]
        self._fill_combo(self.handover_to_combo, heirs, None)

    # ----------------------------------------------------------------- filters

    @property
    def kind(self) -> str:
        item = self.kind_list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else self.kinds[0]

    def select_kind(self, kind: str) -> None:
        for row in range(self.kind_list.count()):
            if self.kind_list.item(row).data(Qt.ItemDataRole.UserRole) == kind:
                self.kind_list.setCurrentRow(row)
                return
        raise KeyError(kind)

    def _show_fields(self) -> None:
        wanted = FIELDS.get(self.kind, ())
        for name, widget in self.fields.items():
            visible = name in wanted
            widget.setVisible(visible)
            self.labels[name].setVisible(visible)
        self.description_label.setText(self.kind_titles()[self.kind][1])
        self.generate_button.setEnabled(
            self.kind != "profile" or self.preset.customer_id is not None
        )

    def apply_preset(self, filters: ReportFilters, customer_name: str = "") -> None:
        """Put ``filters`` into the fields (e.g. the customer list's current filter)."""
        self.preset = filters
        if customer_name:
            self.customer_name = customer_name
            self.customer_label.setText(customer_name)

        def pick(combo: QComboBox, value: Any) -> None:
            index = combo.findData(value)
            if index >= 0:
                combo.setCurrentIndex(index)

        if filters.grade_ids:
            pick(self.grade_combo, filters.grade_ids[0])
        if filters.owner_id is not None:
            pick(self.owner_combo, filters.owner_id)
        if filters.branch_id is not None:
            pick(self.branch_combo, filters.branch_id)
        if filters.status is not None:
            pick(self.status_combo, filters.status)
        if filters.region_id is not None and self.choices is not None:
            self.region_picker.set_region_id(filters.region_id)
        self._show_fields()

    def filters(self) -> ReportFilters:
        wanted = FIELDS.get(self.kind, ())

        def value(name: str, combo: QComboBox) -> Any:
            return combo.currentData() if name in wanted else None

        grade = value("grade", self.grade_combo)
        heir = value("handover_to", self.handover_to_combo)
        start = self.from_edit.date()
        end = self.to_edit.date()
        return ReportFilters(
            grade_ids=(grade,) if grade is not None else (),
            region_id=self.region_picker.region_id() if "region" in wanted else None,
            owner_id=value("owner", self.owner_combo),
            branch_id=value("branch", self.branch_combo),
            status=value("status", self.status_combo),
            date_from=date(start.year(), start.month(), start.day())
            if "date_from" in wanted
            else None,
            date_to=date(end.year(), end.month(), end.day()) if "date_to" in wanted else None,
            customer_id=self.preset.customer_id if "customer" in wanted else None,
            days=(self.days_spin.value() or None) if "days" in wanted else None,
            handover_from_id=value("handover_from", self.handover_from_combo),
            handover_to_id=None if heir in (None, POOL) else heir,
        )

    # ----------------------------------------------------------------- generating

    def generate(self) -> Op | None:
        if self.op is not None and self.op.running:
            return None
        self.error_label.set_error(None)
        kind = self.kind
        filters = self.filters()
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            self.error_label.set_error(self.tr("The period starts after it ends."))
            return None
        self.generate_button.setEnabled(False)
        self.op = (
            self.runner.op(
                self,
                render_report,
                kind=kind,
                filters=filters,
                actor=self.actor,
                language=report_language(),
                timezone=system_timezone(),
            )
            .read_only()
            .with_progress(self.tr("Generating the report…"))
            .on_success(lambda output: self._on_generated(output, filters))
            .on_failure(self._on_failed)
        )
        return self.op.run()

    def _on_generated(self, output: ReportOutput, filters: ReportFilters) -> None:
        self.generate_button.setEnabled(True)
        self.output = output
        self.filters_used = filters
        stamp = QDate.currentDate().toString("yyyy-MM-dd")
        self.preview.set_orientation(output.kind in LANDSCAPE)
        self.preview.set_pdf(output.pdf, f"{output.kind}-{stamp}.pdf")
        locale = QLocale()
        self.result_label.setText(
            self.tr("{pages} pages, {customers} customers").format(
                pages=locale.toString(output.pages), customers=locale.toString(output.customers)
            )
        )
        self.sig_generated.emit(output)

    def _on_failed(self, exc: BaseException) -> None:
        self.generate_button.setEnabled(True)
        if isinstance(exc, OperationCancelled):
            return
        if isinstance(exc, UserError):
            self.error_label.set_error(str(exc))
        else:
            self.runner.show_error(self, exc)

    def _audit(self, action: str, pages: int, target: str | None = None) -> None:
        output, filters = self.output, self.filters_used
        if output is None or filters is None:
            return
        self.runner.op(
            self,
            record_report_output,
            kind=output.kind,
            filters=filters,
            actor=self.actor,
            action=action,
            customers=output.customers,
            pages=pages,
            target=target,
        ).on_success(lambda _r: self.sig_audited.emit(action)).run()

    # ----------------------------------------------------------------- slots

    @Slot()
    def _on_generate_button_clicked(self) -> None:
        self.generate()

    @Slot(int)
    def _on_kind_list_current_row_changed(self, _row: int) -> None:
        self._show_fields()

    @Slot(int, int)
    def _on_splitter_splitter_moved(self, _pos: int, _index: int) -> None:
        """The filters/preview split is remembered (written with the settings at exit)."""
        remember_splitter(self.settings, SETTINGS_KEY, self.splitter)

    @Slot(int)
    def _on_preview_sig_printed(self, pages: int) -> None:
        self._audit("print", pages)

    @Slot(str)
    def _on_preview_sig_saved(self, path: str) -> None:
        from pathlib import Path

        self._audit("save", self.preview.page_count, Path(path).name)


class ReportDialog(QDialog):
    """One report in a window: opened from the customer list (roster of its filter) or a
    customer file (profile); generates at once."""

    def __init__(
        self,
        actor: Actor,
        runner: OpRunner,
        kind: str,
        filters: ReportFilters,
        parent: QWidget | None = None,
        *,
        customer_name: str = "",
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.resize(1100, 760)
        layout = QVBoxLayout(self)
        self.panel = ReportPanel(actor, runner, self, kinds=(kind,))
        self.panel.apply_preset(replace(filters), customer_name)
        layout.addWidget(self.panel)
        self.setWindowTitle(self.panel.kind_titles()[kind][0])
        # Generate once the fields hold the preset (the choices load when the panel shows).
        self.panel.sig_ready.connect(self.panel.generate)


class ReportsPage(Page):
    """The Reports area of the main window: the page header over the report panel (its split
    between the filters and the preview is remembered in ``settings``)."""

    def __init__(
        self,
        actor: Actor,
        runner: OpRunner,
        parent: QWidget | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__("reports", actor, parent)
        self.empty_state.setVisible(False)
        self.panel = ReportPanel(actor, runner, self, settings=settings)
        self.content.addWidget(self.panel)
        # The panel takes the page's height: drop the trailing stretch of Page's layout.
        last = self.page_layout.itemAt(self.page_layout.count() - 1)
        if last is not None and last.spacerItem() is not None:
            self.page_layout.takeAt(self.page_layout.count() - 1)
        self.page_layout.setStretchFactor(self.content, 1)
