"""The public pool page (公海, issue 4 §5): customers without an owner in the same million-row
list and search as the Customers page, **Claim** for the selection, the selected customer's
prospect memory beside the list, and the user's holding count against the limit."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from functools import partial

from PySide6.QtCore import QCoreApplication, QLocale, QModelIndex, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QPushButton, QVBoxLayout, QWidget

from crm_desktop.core.errors import OperationCancelled, UserError
from crm_desktop.core.settings import Settings
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_list import CustomerFilter
from crm_desktop.services.customer_page import release_customers
from crm_desktop.services.customers import BulkResult
from crm_desktop.services.pool import ClaimRefused, HoldingSummary, claim, holding_summary
from crm_desktop.ui.bulk_dialog import problems_text
from crm_desktop.ui.customers_page import FILTER_PANEL_WIDTH, CustomersPage
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.prospect_memory import ProspectMemoryView
from crm_desktop.ui.style import scaled_font

__all__ = ["ClaimSummary", "PoolPage", "ask_release"]

log = logging.getLogger(__name__)

POOL_SETTINGS_KEY = "pool_list"
POOL_COLUMNS = ("name", "grade", "region", "pool_since", "status", "last_followup", "branch")
MEMORY_WIDTH = 290
MEMORY_DELAY_MS = 120  # arrowing through the list asks for the memory of where it stops
MAX_CLAIM = 200  # one click claims at most this many (the holding limit is far lower anyway)
CLAIM_SHORTCUT = "Ctrl+K"
_SUCCESS_STYLE = (
    "QLabel#claimResult { background: #ecfdf3; border: 1px solid #a6e3bd; border-radius: 6px;"
    " color: #14532d; padding: 6px 10px; }"
)
_WARNING_STYLE = (
    "QLabel#claimResult { background: #fff7e6; border: 1px solid #f5c26b; border-radius: 6px;"
    " color: #7c4a03; padding: 6px 10px; }"
)


def ask_release(page: CustomersPage, ids: list[int]) -> QMessageBox:
    """Ask whether to release ``ids`` to the pool; on yes run it, then say what happened and
    reload ``page``. Returns the (open, window-modal) question."""
    locale = QLocale()
    box = QMessageBox(page)
    box.setWindowTitle("crm-desktop")
    box.setIcon(QMessageBox.Icon.Question)
    if len(ids) == 1:
        box.setText(
            QCoreApplication.translate("PoolPage", "Release this customer to the public pool?")
        )
    else:
        box.setText(
            QCoreApplication.translate(
                "PoolPage", "Release {count} customers to the public pool?"
            ).format(count=locale.toString(len(ids)))
        )
    box.setInformativeText(
        QCoreApplication.translate(
            "PoolPage",
            "Any salesperson may then claim them; their planned follow-ups are cancelled. "
            "Whoever follows them up next sees your follow-ups and outcomes.",
        )
    )
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Yes).setText(
        QCoreApplication.translate("PoolPage", "Release")
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)

    def released(result: BulkResult) -> None:
        done = QMessageBox(page)
        done.setWindowTitle("crm-desktop")
        lines = [
            QCoreApplication.translate("PoolPage", "Released to the public pool: {count}").format(
                count=locale.toString(result.changed)
            )
        ]
        if result.problems:
            done.setIcon(QMessageBox.Icon.Warning)
            lines.append(
                QCoreApplication.translate(
                    "PoolPage", "Not released, see the details: {count}"
                ).format(count=locale.toString(len(result.problems)))
            )
            done.setDetailedText(problems_text(result.problems))
        else:
            done.setIcon(QMessageBox.Icon.Information)
        done.setText("\n".join(lines))
        done.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        page.message_box = done
        done.open()
        page.refresh()

    def run() -> None:
        op = page.runner.op(page, release_customers, ids=ids, actor=page.actor)
        op.with_progress(
            QCoreApplication.translate("PoolPage", "Releasing customers…"), cancellable=True
        )
        op.on_success(released)
        op.run()

    box.accepted.connect(run)
    box.open()
    return box


@dataclass(frozen=True)
class ClaimSummary:
    """What one click on Claim did: (id, name) of each customer claimed, and (id, name, why)
    of each refusal."""

    claimed: tuple[tuple[int, str], ...]
    refused: tuple[tuple[int, str, str], ...]

    @property
    def claimed_ids(self) -> list[int]:
        return [customer_id for customer_id, _name in self.claimed]


@dataclass
class _ClaimBatch:
    ids: list[int]
    names: dict[int, str]
    claimed: list[tuple[int, str]] = field(default_factory=list)
    refused: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def done(self) -> int:
        return len(self.claimed) + len(self.refused)


class PoolPage(CustomersPage):
    """The Customers list fixed on the public pool, with Claim and the prospect memory."""

    page_key = "pool"
    settings_key = POOL_SETTINGS_KEY
    default_columns = POOL_COLUMNS

    sig_claimed = Signal(object)
    """A click on Claim was fully answered; carries its ClaimSummary (after the list reload
    was asked for)."""

    sig_customers_moved = Signal()
    """Customers left the pool (claimed or assigned): other customer lists should reload."""

    sig_holding_loaded = Signal(object)
    """The holding line was updated; carries the HoldingSummary."""

    def __init__(
        self,
        actor: Actor,
        runner: OpRunner,
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(actor, runner, settings, parent)
        self._memory_timer = QTimer(self)
        self._memory_timer.setSingleShot(True)
        self._memory_timer.setInterval(MEMORY_DELAY_MS)
        self._memory_timer.timeout.connect(self._on_memory_timer_timeout)
        self.sig_ids_loaded.connect(self._on_self_sig_ids_loaded)
        self._update_actions()

    # ----------------------------------------------------------------- construction

    def _build(self) -> None:
        # The base class builds (and translates) before __init__ continues: state comes first.
        self.loaded = False
        self.holding: HoldingSummary | None = None
        self.last_claim: ClaimSummary | None = None
        self._claim_batch: _ClaimBatch | None = None
        super()._build()
        self.setObjectName("page")
        panel = self.filter_panel
        # Everything here is in the pool: the owner choices and the pool switch say nothing.
        for widget in (panel.owner_label, panel.owner_combo, panel.pool_check):
            widget.setVisible(False)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("claimResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setVisible(False)
        page = self.layout()
        if isinstance(page, QVBoxLayout):
            page.insertWidget(page.indexOf(self.splitter), self.result_label)
        self.memory_view = ProspectMemoryView(self.runner, self.actor, self.splitter)
        self.splitter.addWidget(self.memory_view)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([FILTER_PANEL_WIDTH, 620, MEMORY_WIDTH])

    def _setup_view(self) -> None:
        super()._setup_view()
        self.view.selectionModel().currentRowChanged.connect(
            self._on_selection_model_current_row_changed
        )

    def _place_actions(self) -> None:
        # The Customers page's bulk menu has no place here (managers get "Assign to…").
        self.change_button.setVisible(False)
        self.claim_action = QAction(self)
        self.claim_action.setShortcut(QKeySequence(CLAIM_SHORTCUT))
        self.claim_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.claim_action.triggered.connect(self._on_claim_action_triggered)
        self.addAction(self.claim_action)
        self.holding_label = QLabel(self)
        self.holding_label.setObjectName("holding")
        self.holding_label.setFont(scaled_font(self.holding_label, 0.95))
        self.holding_label.setContentsMargins(0, 0, 10, 0)
        self.claim_button = QPushButton(self)
        self.claim_button.setObjectName("claimButton")
        self.claim_button.setDefault(True)
        self.claim_button.clicked.connect(self.claim_action.trigger)
        self.toolbar.addWidget(self.holding_label)
        self.toolbar.addWidget(self.claim_button)
        if self.actor.is_manager:
            # Managers hand pool customers out with the Customers page's owner change.
            self.toolbar.addAction(self.owner_action)
        self.toolbar.addSeparator()
        self.toolbar.addWidget(self.columns_button)

    # ----------------------------------------------------------------- language

    def retranslate_ui(self) -> None:
        super().retranslate_ui()
        if not hasattr(self, "memory_view"):
            return  # the base class translates once before this page is complete
        self.search_edit.setPlaceholderText(self.tr("Search the pool: name, pinyin, phone…"))
        self.claim_action.setText(self.tr("Claim"))
        self.claim_button.setText(self.tr("Claim"))
        self.claim_button.setToolTip(
            self.tr("Make the selected customers yours ({shortcut})").format(
                shortcut=QKeySequence(CLAIM_SHORTCUT).toString(
                    QKeySequence.SequenceFormat.NativeText
                )
            )
        )
        self.owner_action.setText(self.tr("Assign to…"))
        self.owner_action.setToolTip(self.tr("Give the selected customers to a salesperson"))
        self._show_holding()
        if self.last_claim is not None:
            self._show_claim_result(self.last_claim)

    # ----------------------------------------------------------------- loading

    def current_filter(self) -> CustomerFilter:
        return replace(super().current_filter(), in_pool=True, owner_ids=())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.refresh()
        else:  # others claim and release meanwhile: the pool is read again on every visit
            self.reload(keep_current=True)
            self.load_holding()

    def refresh(self) -> None:
        """Load the list, its filter choices and the holding line (again)."""
        self.loaded = True
        super().refresh()
        self.load_holding()

    @Slot()
    def on_customers_changed(self) -> None:
        """Customers changed elsewhere (a save, a reclaim): reload if the page was loaded."""
        if self.loaded:
            self.refresh()

    def load_holding(self) -> None:
        if self.actor.id is None:
            return
        self.runner.op(self, holding_summary, user_id=self.actor.id).read_only().on_success(
            self._on_holding_loaded
        ).on_failure(self._on_holding_failed).run()

    def _on_holding_loaded(self, holding: HoldingSummary) -> None:
        self.holding = holding
        self._show_holding()
        self.sig_holding_loaded.emit(holding)

    def _on_holding_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, OperationCancelled):
            log.warning("holding count failed: %s", exc)

    def _show_holding(self) -> None:
        holding = self.holding
        locale = QLocale()
        if holding is None:
            self.holding_label.setText("")
            self.holding_label.setVisible(False)
            return
        if holding.limit is None:
            text = self.tr("You hold {count} · no limit").format(
                count=locale.toString(holding.count)
            )
        else:
            text = self.tr("You hold {count} of {limit}").format(
                count=locale.toString(holding.count), limit=locale.toString(holding.limit)
            )
        full = holding.limit is not None and holding.count >= holding.limit
        self.holding_label.setStyleSheet("color: #b3261e;" if full else "color: #374151;")
        self.holding_label.setText(text)
        self.holding_label.setToolTip(
            self.tr(
                "Customers you own that are not won yet count against the holding limit; "
                "won (active) customers do not."
            )
            + ("\n" + self.tr("The limit is reached: claims are refused.") if full else "")
        )
        self.holding_label.setVisible(True)

    # ----------------------------------------------------------------- empty state

    def _show_empty_state(self) -> None:
        super()._show_empty_state()
        if self.last_result is None or len(self.last_result.ids) > 0:
            return
        if self.has_filters():
            self.empty_button.setVisible(True)
            return
        self.empty_state.set_texts(
            self.tr("The public pool is empty"),
            self.tr(
                "Customers come here when nobody follows them up in time, when their owner "
                "releases them or when a salesperson leaves. Every one of them can be claimed."
            ),
            "",
        )
        self.empty_button.setVisible(False)

    # ----------------------------------------------------------------- selection and memory

    def _update_actions(self) -> None:
        super()._update_actions()
        if not hasattr(self, "claim_action"):
            return
        busy = self._claim_batch is not None
        can_claim = self.actor.id is not None and not busy and self._claim_ids() != []
        self.claim_action.setEnabled(can_claim)
        self.claim_button.setEnabled(can_claim)

    def _claim_ids(self) -> list[int]:
        ids = self.selected_ids()
        if not ids:
            current = self.current_customer_id()
            ids = [current] if current is not None else []
        return ids

    @Slot(QModelIndex, QModelIndex)
    def _on_selection_model_current_row_changed(
        self, _current: QModelIndex, _previous: QModelIndex
    ) -> None:
        self._memory_timer.start()

    @Slot(int)
    def _on_self_sig_ids_loaded(self, _count: int) -> None:
        # After a reload the current row may show another customer, or none.
        self._memory_timer.start()

    @Slot()
    def _on_memory_timer_timeout(self) -> None:
        self.show_memory_of_current()

    def show_memory_of_current(self) -> None:
        """Show the prospect memory of the current row now (the list does it after a pause)."""
        self._memory_timer.stop()
        customer_id = self.current_customer_id()
        if customer_id == self.memory_view.customer_id and (
            self.memory_view.memory is not None or self.memory_view.loading
        ):
            return
        self.memory_view.show_customer(customer_id, self._name_of(customer_id))

    def _name_of(self, customer_id: int | None) -> str:
        if customer_id is None:
            return ""
        row = self.model.row_of(customer_id)
        record = self.model.row_data(row) if row is not None else None
        return record.name if record is not None else ""

    @Slot(int)
    def _on_model_sig_page_loaded(self, page: int) -> None:
        super()._on_model_sig_page_loaded(page)
        view = getattr(self, "memory_view", None)
        if view is not None and view.customer_id is not None and not view.customer_name:
            view.set_customer_name(self._name_of(view.customer_id))

    @Slot(QPoint)
    def _on_view_custom_context_menu_requested(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        menu.addAction(self.claim_action)
        menu.addAction(self.open_action)
        if self.actor.is_manager:
            menu.addSeparator()
            menu.addAction(self.owner_action)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # ----------------------------------------------------------------- claim

    @Slot()
    def _on_claim_action_triggered(self) -> None:
        self.claim_selected()

    def claim_selected(self) -> bool:
        """Claim the selected customers (or the current one), one transaction each, then
        summarise; False when there was nothing to claim or a claim is still running."""
        if self._claim_batch is not None or self.actor.id is None:
            return False
        ids = self._claim_ids()
        if not ids:
            return False
        if len(ids) > MAX_CLAIM:
            self._show_result(
                self.tr("Select at most {count} customers to claim at a time.").format(
                    count=QLocale().toString(MAX_CLAIM)
                ),
                warning=True,
            )
            return False
        names = {cid: self._name_of(cid) for cid in ids}
        self._claim_batch = _ClaimBatch(ids, names)
        self._update_actions()
        if len(ids) > 1:
            self._show_result(
                self.tr("Claiming {count} customers…").format(count=QLocale().toString(len(ids))),
                warning=False,
            )
        for customer_id in ids:
            op = self.runner.op(self, claim, customer_id=customer_id, actor=self.actor)
            op.on_success(partial(self._on_claim_succeeded, customer_id))
            op.on_failure(partial(self._on_claim_failed, customer_id))
            op.run()
        return True

    def _on_claim_succeeded(self, customer_id: int, _result: object) -> None:
        batch = self._claim_batch
        if batch is None:
            return
        batch.claimed.append((customer_id, batch.names.get(customer_id, "")))
        self._claim_step()

    def _on_claim_failed(self, customer_id: int, exc: BaseException) -> None:
        batch = self._claim_batch
        if batch is None:
            return
        if isinstance(exc, OperationCancelled):
            reason = self.tr("cancelled")
        elif isinstance(exc, UserError):
            reason = self.refusal_text(exc)
        else:
            log.error("claiming customer %d failed", customer_id, exc_info=(type(exc), exc, None))
            reason = self.tr("an unexpected error (see the log)")
            self.runner.show_error(self, exc)
        batch.refused.append((customer_id, batch.names.get(customer_id, ""), reason))
        self._claim_step()

    def refusal_text(self, exc: UserError) -> str:
        """Why a claim was refused, in the user's language, with the numbers of the rule."""
        if not isinstance(exc, ClaimRefused):
            return str(exc)
        holding = self.holding
        details = exc.details
        if exc.reason == "limit" and "limit" in details:
            return self.tr("your holding limit is reached ({count} of {limit})").format(
                count=QLocale().toString(int(details["held"])),
                limit=QLocale().toString(int(details["limit"])),
            )
        if exc.reason == "limit":
            if holding is not None and holding.limit is not None:
                return self.tr("your holding limit is reached ({count} of {limit})").format(
                    count=QLocale().toString(max(holding.count, holding.limit)),
                    limit=QLocale().toString(holding.limit),
                )
            return self.tr("your holding limit is reached")
        if exc.reason == "cooling_off":
            if holding is not None and holding.cooling_off_days > 0:
                return self.tr(
                    "you gave it up less than {days} days ago: the cooling-off period is not "
                    "over yet"
                ).format(days=QLocale().toString(holding.cooling_off_days))
            return self.tr("you gave it up recently: the cooling-off period is not over yet")
        if exc.reason == "taken" and details.get("by"):
            return self.tr("{name} has just claimed it").format(name=details["by"])
        if exc.reason == "taken":
            return self.tr("someone else has just claimed it")
        if exc.reason == "not_in_pool" and details.get("yours"):
            return self.tr("you already hold it")
        if exc.reason == "not_in_pool":
            return self.tr("it is no longer in the public pool")
        return str(exc)

    def _claim_step(self) -> None:
        batch = self._claim_batch
        if batch is None:
            return
        if batch.done < len(batch.ids):
            if len(batch.ids) > 1:
                self._show_result(
                    self.tr("Claiming customers… {done} of {total}").format(
                        done=QLocale().toString(batch.done),
                        total=QLocale().toString(len(batch.ids)),
                    ),
                    warning=False,
                )
            return
        self._claim_batch = None
        summary = ClaimSummary(tuple(batch.claimed), tuple(batch.refused))
        self.last_claim = summary
        self._show_claim_result(summary)
        if summary.refused:
            self._show_refusal_box(summary)
        # Refused claims ("taken", "not in the pool") also mean the list is out of date.
        self._counts_key = None
        self.reload(keep_current=False)
        self.load_holding()
        self._update_actions()
        if summary.claimed:
            self.sig_customers_moved.emit()
        self.sig_claimed.emit(summary)

    def _show_result(self, text: str, *, warning: bool) -> None:
        self.result_label.setStyleSheet(_WARNING_STYLE if warning else _SUCCESS_STYLE)
        self.result_label.setText(text)
        self.result_label.setVisible(bool(text))

    def claim_result_text(self, summary: ClaimSummary) -> str:
        """ "Claimed 2, refused 1: “X”: you already hold 50 customers, the holding limit"."""
        locale = QLocale()
        claimed, refused = len(summary.claimed), len(summary.refused)
        if not refused:
            if claimed == 1:
                name = summary.claimed[0][1]
                if name:
                    return self.tr("“{name}” is yours now: it is in your customer list.").format(
                        name=name
                    )
                return self.tr("The customer is yours now: it is in your customer list.")
            return self.tr(
                "{count} customers are yours now: they are in your customer list."
            ).format(count=locale.toString(claimed))
        lines = [self.refusal_line(item) for item in summary.refused]
        if claimed == 0 and refused == 1:
            head = self.tr("Not claimed:")
        else:
            head = self.tr("Claimed {claimed}, refused {refused}:").format(
                claimed=locale.toString(claimed), refused=locale.toString(refused)
            )
        return head + "\n" + "\n".join(lines)

    def refusal_line(self, item: tuple[int, str, str]) -> str:
        customer_id, name, reason = item
        label = name or self.tr("customer #{id}").format(id=customer_id)
        return self.tr("“{name}”: {reason}").format(name=label, reason=reason)

    def _show_claim_result(self, summary: ClaimSummary) -> None:
        self._show_result(self.claim_result_text(summary), warning=bool(summary.refused))

    def _show_refusal_box(self, summary: ClaimSummary) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("crm-desktop")
        box.setIcon(QMessageBox.Icon.Warning)
        if len(summary.refused) == 1 and not summary.claimed:
            box.setText(self.tr("This customer could not be claimed"))
        else:
            box.setText(
                self.tr("{refused} of {total} customers could not be claimed").format(
                    refused=QLocale().toString(len(summary.refused)),
                    total=QLocale().toString(len(summary.refused) + len(summary.claimed)),
                )
            )
        box.setInformativeText("\n".join(self.refusal_line(i) for i in summary.refused[:20]))
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.message_box = box
        box.open()

    # ----------------------------------------------------------------- assign (managers)

    def _on_bulk_done(self, action: str, result: BulkResult) -> None:
        super()._on_bulk_done(action, result)
        self.sig_customers_moved.emit()
