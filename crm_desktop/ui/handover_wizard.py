"""The handover wizard (离职交接): pick the departing user, see everything they own, assign it
to heirs — by grade, by region, by hand, the rest to someone or the public pool — then run it in
one operation (one transaction), disable the login and print the handover report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QLocale, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from crm_desktop.core.errors import UserError
from crm_desktop.services.context import Actor
from crm_desktop.services.handover import (
    HandoverOverview,
    HandoverPlan,
    HandoverPreview,
    HandoverResult,
    HandoverRule,
    handover_overview,
    handover_preview,
    run_handover,
)
from crm_desktop.services.reports import ReportFilters
from crm_desktop.services.users import UserRow
from crm_desktop.ui.style import MUTED_COLOR
from crm_desktop.ui.widgets import ErrorLabel, stat_tiles

if TYPE_CHECKING:
    from crm_desktop.ui.ops import Op, OpRunner

__all__ = ["HandoverWizard"]

POOL = -1  # the combo boxes' data for "the public pool"
_ID_ROLE = Qt.ItemDataRole.UserRole
BY_GRADE, BY_REGION, BY_HAND = 0, 1, 2


def _number(n: int) -> str:
    return QLocale().toString(n)


class UserPage(QWizardPage):
    """Who is leaving."""

    def __init__(self, wizard: HandoverWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        self.user_label = QLabel(self)
        self.user_combo = QComboBox(self)
        form.addRow(self.user_label, self.user_combo)
        layout.addLayout(form)
        self.steps_note = QLabel(self)
        self.steps_note.setWordWrap(True)
        layout.addWidget(self.steps_note)
        layout.addStretch(1)
        self.user_combo.currentIndexChanged.connect(self.completeChanged)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Who is leaving?"))
        self.setSubTitle(
            self.tr("Their customers go to colleagues or the public pool; then the login is off.")
        )
        self.user_label.setText(self.tr("Departing user:"))
        self.steps_note.setText(
            self.tr(
                "Next you see everything they own: customers by grade and region, planned "
                "follow-ups and mail. Then you choose who takes what. Nothing changes before you "
                "press “Hand over” on the last page; history (done follow-ups, earlier owners) "
                "always stays."
            )
        )

    def fill(self, users: Sequence[UserRow], actor: Actor, chosen: int | None) -> None:
        self.user_combo.clear()
        for user in users:
            if user.active and user.id != actor.id:
                self.user_combo.addItem(f"{user.display_name} ({user.login})", user.id)
        if chosen is not None:
            self.user_combo.setCurrentIndex(max(0, self.user_combo.findData(chosen)))

    def user_id(self) -> int | None:
        data = self.user_combo.currentData()
        return int(data) if data is not None else None

    def isComplete(self) -> bool:
        return self.user_id() is not None


class PreviewPage(QWizardPage):
    """Everything the departing user owns: totals and customers by grade × region."""

    def __init__(self, wizard: HandoverWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        tiles, tile_list = stat_tiles(self, 5)
        (
            self.customers_tile,
            self.followups_tile,
            self.mail_tile,
            self.unlinked_tile,
            self.claims_tile,
        ) = tile_list
        layout.addLayout(tiles)
        self.matrix_label = QLabel(self)
        layout.addWidget(self.matrix_label)
        self.matrix = QTableWidget(0, 0, self)
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        layout.addWidget(self.matrix, 1)
        self.error = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.error)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("What they own"))
        self.setSubTitle(self.tr("Customers (the recycle bin included), plans and mail."))
        self.customers_tile.set_caption(self.tr("customers"))
        self.followups_tile.set_caption(self.tr("planned follow-ups"))
        self.mail_tile.set_caption(self.tr("linked mails"))
        self.unlinked_tile.set_caption(self.tr("unlinked mails"))
        self.unlinked_tile.setToolTip(
            self.tr(
                "Mail in their queue that is linked to no customer yet: it goes to the heir "
                "who takes the most customers."
            )
        )
        self.claims_tile.set_caption(self.tr("pool claims, 90 days"))
        self.matrix_label.setText(self.tr("Customers by grade and region:"))
        if self.wiz.overview is not None:
            self.show_overview(self.wiz.overview)

    def initializePage(self) -> None:
        self.wiz.load_overview()

    def show_overview(self, overview: HandoverOverview) -> None:
        p = overview.preview
        self.customers_tile.set_value(_number(p.customers))
        self.followups_tile.set_value(_number(p.open_followups))
        self.mail_tile.set_value(_number(p.mail))
        self.unlinked_tile.set_value(_number(p.unlinked_mail))
        self.claims_tile.set_value(_number(p.pool_claims_90d))
        grades = [g.code for g in overview.grades]
        grades += sorted({g for g, _r in p.by_grade_region} - set(grades))
        grades = [g for g in grades if any(k[0] == g for k in p.by_grade_region)]
        regions = sorted({r for _g, r in p.by_grade_region})
        none = self.tr("(none)")
        total = self.tr("Total")
        self.matrix.clear()
        self.matrix.setRowCount(len(grades) + 1)
        self.matrix.setColumnCount(len(regions) + 1)
        self.matrix.setHorizontalHeaderLabels([r or none for r in regions] + [total])
        self.matrix.setVerticalHeaderLabels([g or none for g in grades] + [total])
        for row, grade in enumerate(grades):
            for column, region in enumerate(regions):
                self._cell(row, column, p.by_grade_region.get((grade, region), 0))
            self._cell(
                row, len(regions), sum(n for (g, _r), n in p.by_grade_region.items() if g == grade)
            )
        for column, region in enumerate(regions):
            self._cell(
                len(grades),
                column,
                sum(n for (_g, r), n in p.by_grade_region.items() if r == region),
            )
        self._cell(len(grades), len(regions), p.customers)
        self.matrix.resizeColumnsToContents()
        self.completeChanged.emit()

    def _cell(self, row: int, column: int, n: int) -> None:
        item = QTableWidgetItem(_number(n) if n else "·")
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.matrix.setItem(row, column, item)

    def isComplete(self) -> bool:
        return self.wiz.overview is not None


class AssignPage(QWizardPage):
    """Rules in order (the first that matches a customer takes it) and where the rest goes."""

    def __init__(self, wizard: HandoverWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.rules: list[HandoverRule] = []
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self.add_box = QGroupBox(self)
        grid = QGridLayout(self.add_box)
        self.kind_combo = QComboBox(self.add_box)
        self.stack = QStackedWidget(self.add_box)
        self.grade_combo = QComboBox(self.stack)
        self.region_combo = QComboBox(self.stack)
        self.hand_label = QLabel(self.stack)
        self.customer_list = QListWidget(self.add_box)
        self.customer_list.setMinimumHeight(110)
        self.customer_list.setVisible(False)
        self.stack.addWidget(self.grade_combo)
        self.stack.addWidget(self.region_combo)
        self.stack.addWidget(self.hand_label)
        self.to_label = QLabel(self.add_box)
        self.heir_combo = QComboBox(self.add_box)
        self.add_button = QPushButton(self.add_box)
        grid.addWidget(self.kind_combo, 0, 0)
        grid.addWidget(self.stack, 0, 1)
        grid.addWidget(self.to_label, 0, 2, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.heir_combo, 0, 3)
        grid.addWidget(self.add_button, 0, 4)
        grid.addWidget(self.customer_list, 1, 0, 1, 5)
        grid.setColumnStretch(1, 1)
        layout.addWidget(self.add_box)
        self.rules_table = QTableWidget(0, 3, self)
        self.rules_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rules_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rules_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rules_table.verticalHeader().setVisible(False)
        header = self.rules_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.rules_table, 1)
        rest = QHBoxLayout()
        self.remove_button = QPushButton(self)
        self.rest_label = QLabel(self)
        self.rest_combo = QComboBox(self)
        rest.addWidget(self.remove_button)
        rest.addStretch(1)
        rest.addWidget(self.rest_label)
        rest.addWidget(self.rest_combo)
        layout.addLayout(rest)
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet(f"color: {MUTED_COLOR};")
        layout.addWidget(self.summary_label)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_current_index_changed)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.rules_table.itemSelectionChanged.connect(self._update_buttons)
        self.rest_combo.currentIndexChanged.connect(self._on_rest_combo_current_index_changed)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Who takes what"))
        self.setSubTitle(
            self.tr("Rules apply in order: the first that matches a customer takes it.")
        )
        self.add_box.setTitle(self.tr("Add a rule"))
        kind = self.kind_combo.currentIndex()
        self.kind_combo.clear()
        self.kind_combo.addItems([self.tr("By grade"), self.tr("By region"), self.tr("By hand")])
        self.kind_combo.setCurrentIndex(max(kind, 0))
        self.to_label.setText(self.tr("to"))
        self.hand_label.setText(self.tr("Tick the customers below"))
        self.add_button.setText(self.tr("Add rule"))
        self.remove_button.setText(self.tr("Remove rule"))
        self.rest_label.setText(self.tr("Everything else goes to:"))
        self.rules_table.setHorizontalHeaderLabels(
            [self.tr("Customers"), self.tr("Heir"), self.tr("Moves")]
        )
        self._fill_heirs()
        self._fill_rules()

    def initializePage(self) -> None:
        overview = self.wiz.overview
        if overview is None:
            return
        self.grade_combo.clear()
        for g in overview.grades:
            self.grade_combo.addItem(f"{g.code} · {g.name}", g.id)
        self.region_combo.clear()
        depth: dict[int, int] = {}
        for r in overview.regions:
            depth[r.id] = depth.get(r.parent_id, -1) + 1 if r.parent_id is not None else 0
            self.region_combo.addItem("    " * depth[r.id] + r.name, r.id)
        self.customer_list.clear()
        for c in overview.customers:
            text = " · ".join(t for t in (c.name, c.grade_code, c.region) if t)
            if c.deleted:
                text += "  " + self.tr("(recycle bin)")
            item = QListWidgetItem(text, self.customer_list)
            item.setData(_ID_ROLE, c.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self._fill_heirs()
        self._fill_rules()
        self.wiz.update_assignments()

    def _fill_heirs(self) -> None:
        departing = self.wiz.user_page.user_id()
        heirs = [u for u in self.wiz.users if u.active and u.id != departing]
        for combo, with_pool in ((self.heir_combo, True), (self.rest_combo, True)):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            if with_pool:
                combo.addItem(self.tr("Public pool"), POOL)
            for u in heirs:
                combo.addItem(f"{u.display_name} ({u.login})", u.id)
            combo.setCurrentIndex(max(0, combo.findData(current)) if current is not None else 0)
            combo.blockSignals(False)

    def heir_name(self, heir_id: int | None) -> str:
        if heir_id is None:
            return self.tr("Public pool")
        for u in self.wiz.users:
            if u.id == heir_id:
                return u.display_name
        return f"#{heir_id}"

    def rule_text(self, rule: HandoverRule) -> str:
        overview = self.wiz.overview
        if rule.customer_ids:
            return self.tr("%n customer(s) chosen by hand", "", len(rule.customer_ids)).replace(
                str(len(rule.customer_ids)), _number(len(rule.customer_ids))
            )
        if rule.grade_ids and overview is not None:
            codes = [g.code for g in overview.grades if g.id in rule.grade_ids]
            return self.tr("Grade {grades}").format(grades=", ".join(codes))
        if rule.region_id is not None and overview is not None:
            names = [r.name for r in overview.regions if r.id == rule.region_id]
            return self.tr("Region {region} and below").format(region=", ".join(names))
        return self.tr("All customers")

    def _fill_rules(self) -> None:
        moves = self.wiz.rule_counts
        self.rules_table.setRowCount(len(self.rules))
        for row, rule in enumerate(self.rules):
            count = moves[row] if row < len(moves) else None
            for column, text in enumerate(
                (
                    self.rule_text(rule),
                    self.heir_name(rule.heir_id),
                    _number(count) if count is not None else "…",
                )
            ):
                self.rules_table.setItem(row, column, QTableWidgetItem(text))
        self._update_buttons()

    def rest_to(self) -> int | None:
        data = self.rest_combo.currentData()
        return None if data is None or data == POOL else int(data)

    def add_rule(self, rule: HandoverRule) -> None:
        self.rules.append(rule)
        self._fill_rules()
        self.wiz.update_assignments()

    @Slot()
    def _on_add_button_clicked(self) -> None:
        data = self.heir_combo.currentData()
        heir = None if data is None or data == POOL else int(data)
        kind = self.kind_combo.currentIndex()
        if kind == BY_GRADE and self.grade_combo.currentData() is not None:
            self.add_rule(HandoverRule(heir, grade_ids=(int(self.grade_combo.currentData()),)))
        elif kind == BY_REGION and self.region_combo.currentData() is not None:
            self.add_rule(HandoverRule(heir, region_id=int(self.region_combo.currentData())))
        elif kind == BY_HAND:
            chosen = tuple(
                int(item.data(_ID_ROLE))
                for i in range(self.customer_list.count())
                if (item := self.customer_list.item(i)).checkState() == Qt.CheckState.Checked
            )
            if chosen:
                self.add_rule(HandoverRule(heir, customer_ids=chosen))
                for i in range(self.customer_list.count()):
                    self.customer_list.item(i).setCheckState(Qt.CheckState.Unchecked)

    @Slot(int)
    def _on_kind_combo_current_index_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.customer_list.setVisible(index == BY_HAND)

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        rows = self.rules_table.selectionModel().selectedRows()
        if rows:
            del self.rules[rows[0].row()]
            self._fill_rules()
            self.wiz.update_assignments()

    @Slot(int)
    def _on_rest_combo_current_index_changed(self, _index: int) -> None:
        self.wiz.update_assignments()

    @Slot()
    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.rules_table.selectionModel().selectedRows()))

    def show_assignments(self, preview: HandoverPreview) -> None:
        self._fill_rules()
        self.summary_label.setText(self.wiz.assignment_text(preview))


class ConfirmPage(QWizardPage):
    """The plan in words, a note, and the run; afterwards the result and the report."""

    def __init__(self, wizard: HandoverWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        form = QFormLayout()
        self.note_label = QLabel(self)
        self.note_edit = QLineEdit(self)
        self.note_edit.setMaxLength(2000)
        form.addRow(self.note_label, self.note_edit)
        layout.addLayout(form)
        self.disable_check = QCheckBox(self)
        self.disable_check.setChecked(True)
        layout.addWidget(self.disable_check)
        layout.addStretch(1)
        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        self.result_label.setVisible(False)
        layout.addWidget(self.result_label)
        self.report_button = QPushButton(self)
        self.report_button.setVisible(False)
        self.report_button.clicked.connect(self._on_report_button_clicked)
        row = QHBoxLayout()
        row.addWidget(self.report_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.error = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.error)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Hand over"))
        self.setSubTitle(self.tr("One step: everything moves, or nothing does."))
        self.note_label.setText(self.tr("Note:"))
        self.note_edit.setPlaceholderText(self.tr("e.g. left the company on 30 November"))
        self.report_button.setText(self.tr("Print the handover report…"))
        self._update_texts()

    def initializePage(self) -> None:
        self._update_texts()

    def _update_texts(self) -> None:
        name = self.wiz.departing_name()
        self.disable_check.setText(
            self.tr("Disable the login of {name} afterwards").format(name=name)
        )
        preview = self.wiz.assignments
        if preview is not None:
            self.summary_label.setText(
                self.tr(
                    "{name}: {moves}. Planned follow-ups go with the customers to their heirs; "
                    "those of customers sent to the public pool are cancelled."
                ).format(name=name, moves=self.wiz.assignment_text(preview))
            )

    def show_result(self, result: HandoverResult) -> None:
        moved = sum(result.moved.values())
        text = self.tr("Done: {customers} customers and {plans} planned follow-ups moved.").format(
            customers=_number(moved), plans=_number(result.followups_moved)
        )
        if result.unlinked_mail_moved:
            text += " " + self.tr("{count} unlinked mails went to {name}.").format(
                count=_number(result.unlinked_mail_moved),
                name=self.wiz.user_name(result.unlinked_mail_to),
            )
        if result.disabled:
            text += " " + self.tr("The login is disabled.")
        self.result_label.setText(text)
        self.result_label.setVisible(True)
        self.report_button.setVisible(True)
        self.note_edit.setEnabled(False)
        self.disable_check.setEnabled(False)

    @Slot()
    def _on_report_button_clicked(self) -> None:
        self.wiz.print_report()


class HandoverWizard(QWizard):
    """The 离职交接 wizard. ``open_report(filters)`` is an attribute tests can replace."""

    sig_overview_loaded = Signal()
    """The departing user's overview arrived (the preview page shows it)."""

    sig_assignments_changed = Signal(object)
    """A preview of the current rules arrived; carries the HandoverPreview."""

    sig_handed_over = Signal(object)
    """The handover committed; carries the HandoverResult."""

    def __init__(
        self,
        actor: Actor,
        runner: OpRunner,
        users: Sequence[UserRow],
        *,
        from_user_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.users = tuple(users)
        self.overview: HandoverOverview | None = None
        self.overview_for: int | None = None
        self.assignments: HandoverPreview | None = None
        self.rule_counts: list[int] = []
        self.result: HandoverResult | None = None
        self.op: Op | None = None
        self._preview_serial = 0
        self.open_report: Callable[[ReportFilters], None] = self._open_report_dialog
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(780, 580)
        self.user_page = UserPage(self)
        self.preview_page = PreviewPage(self)
        self.assign_page = AssignPage(self)
        self.confirm_page = ConfirmPage(self)
        for page in (self.user_page, self.preview_page, self.assign_page, self.confirm_page):
            self.addPage(page)
        self.user_page.fill(self.users, actor, from_user_id)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Handover (离职交接)"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< &Back"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("&Next >"))
        self.setButtonText(
            QWizard.WizardButton.FinishButton,
            self.tr("&Close") if self.result is not None else self.tr("&Hand over"),
        )
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Cancel"))
        for page in (self.user_page, self.preview_page, self.assign_page, self.confirm_page):
            page.retranslate_ui()

    # ----------------------------------------------------------------- data

    def departing_id(self) -> int:
        user_id = self.user_page.user_id()
        assert user_id is not None
        return user_id

    def departing_name(self) -> str:
        return self.user_name(self.user_page.user_id())

    def user_name(self, user_id: int | None) -> str:
        return next((u.display_name for u in self.users if u.id == user_id), "")

    def plan(self) -> HandoverPlan:
        return HandoverPlan(
            self.departing_id(),
            tuple(self.assign_page.rules),
            rest_to=self.assign_page.rest_to(),
            disable_login=self.confirm_page.disable_check.isChecked(),
            note=self.confirm_page.note_edit.text().strip(),
        )

    def load_overview(self) -> None:
        user_id = self.departing_id()
        if self.overview is not None and self.overview_for == user_id:
            return
        self.overview = None
        self.assign_page.rules.clear()
        self.preview_page.error.set_error(None)

        def loaded(overview: HandoverOverview) -> None:
            self.overview = overview
            self.overview_for = user_id
            self.preview_page.show_overview(overview)
            self.sig_overview_loaded.emit()

        self.runner.op(
            self, handover_overview, from_user_id=user_id, actor=self.actor
        ).read_only().on_success(loaded).on_failure(self._on_read_failed).run()

    def _on_read_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self.preview_page.error.set_error(str(exc))
        else:
            self.runner.show_error(self, exc)

    def update_assignments(self) -> None:
        """Ask where the current rules send each customer (the latest answer wins)."""
        self._preview_serial += 1
        serial = self._preview_serial
        plans = [self.plan()] + [
            HandoverPlan(self.departing_id(), tuple(self.assign_page.rules[: i + 1]), "keep")
            for i in range(len(self.assign_page.rules))
        ]

        def previews(session: Any, actor: Actor) -> list[HandoverPreview]:
            return [handover_preview(session, p, actor) for p in plans]

        def arrived(found: list[HandoverPreview]) -> None:
            if serial != self._preview_serial:
                return
            self.assignments = found[0]
            kept = [sum(p.assignments.values()) for p in found[1:]]
            self.rule_counts = [n - (kept[i - 1] if i else 0) for i, n in enumerate(kept)]
            self.assign_page.show_assignments(found[0])
            self.confirm_page.initializePage()
            self.sig_assignments_changed.emit(found[0])

        self.runner.op(self, previews, actor=self.actor).read_only().on_success(arrived).on_failure(
            self._on_read_failed
        ).run()

    def assignment_text(self, preview: HandoverPreview) -> str:
        parts = [
            self.tr("{count} → {heir}").format(
                count=_number(n), heir=self.assign_page.heir_name(heir)
            )
            for heir, n in sorted(
                preview.assignments.items(), key=lambda kv: (kv[0] is None, -kv[1])
            )
        ]
        return " · ".join(parts) if parts else self.tr("no customers to hand over")

    # ----------------------------------------------------------------- run

    @property
    def busy(self) -> bool:
        return self.op is not None and self.op.running

    def accept(self) -> None:
        """Finish: run the handover; the wizard stays open showing the result (and prints the
        report); the next Finish closes it."""
        if self.result is not None:
            super().accept()
            return
        if self.busy:
            return
        self.confirm_page.error.set_error(None)
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        self.op = (
            self.runner.op(self, run_handover, plan=self.plan(), actor=self.actor)
            .with_progress(self.tr("Handing over…"))
            .on_success(self._on_run_succeeded)
            .on_failure(self._on_run_failed)
            .run()
        )

    def reject(self) -> None:
        if self.busy and self.op is not None:
            self.op.cancel()
            return
        super().reject()

    def _on_run_succeeded(self, result: HandoverResult) -> None:
        self.result = result
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        self.button(QWizard.WizardButton.BackButton).setEnabled(False)
        self.button(QWizard.WizardButton.CancelButton).setVisible(False)
        self.retranslate_ui()
        self.confirm_page.show_result(result)
        self.sig_handed_over.emit(result)
        self.print_report()

    def _on_run_failed(self, exc: BaseException) -> None:
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        if isinstance(exc, UserError):
            self.confirm_page.error.set_error(str(exc))
        else:
            self.runner.show_error(self, exc)

    def print_report(self) -> None:
        if self.result is None:
            return
        self.open_report(
            ReportFilters(handover_from_id=self.departing_id(), handover_at=self.result.at)
        )

    def _open_report_dialog(self, filters: ReportFilters) -> None:
        from crm_desktop.ui.reports_page import ReportDialog

        dialog = ReportDialog(self.actor, self.runner, "handover", filters, self)
        dialog.show()
