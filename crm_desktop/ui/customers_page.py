"""The Customers page: search box, filter panel and the million-row customer list with its bulk
actions. Every read runs as an operation on a worker; a newer request cancels the older one and
late answers of older requests are dropped, so the list always shows the latest question."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import (
    QEvent,
    QLocale,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import OperationCancelled
from crm_desktop.core.settings import Settings
from crm_desktop.services.config import RegionNode
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_list import CustomerFilter, CustomerListRow, SortSpec
from crm_desktop.services.customer_page import (
    CustomerIdsResult,
    FilterChoicesResult,
    count_customers,
    delete_customers,
    filter_choices,
    filtered_region_counts,
    first_rows,
    list_customer_ids,
)
from crm_desktop.services.customers import BulkResult, bulk_update
from crm_desktop.ui.bulk_dialog import BulkChangeDialog, result_message_box
from crm_desktop.ui.customer_model import (
    COLUMN_KEYS,
    COLUMNS,
    DEFAULT_COLUMNS,
    CustomerListModel,
    column_title,
)
from crm_desktop.ui.filter_panel import FilterPanel
from crm_desktop.ui.live import EVERYTHING, changed_customer_ids
from crm_desktop.ui.ops import Op, OpRunner
from crm_desktop.ui.style import scaled_font
from crm_desktop.ui.widgets import EmptyState, PageHeader, state_bytes, state_text

if TYPE_CHECKING:
    from crm_desktop.services.reports import ReportFilters
    from crm_desktop.ui.export_dialog import ExportDialog

log = logging.getLogger(__name__)


def _may_export(session: Any, actor: Actor) -> bool:
    """services.export.can_export_customers, imported on the worker (export pulls in openpyxl
    and the report services; the list does not need them to show)."""
    from crm_desktop.services.export import can_export_customers

    return can_export_customers(session, actor)


SETTINGS_KEY = "customer_list"
SEARCH_DEBOUNCE_MS = 150
EXPORT_CHECK_DELAY_MS = 1500
LIVE_DEBOUNCE_MS = 200
FILTER_PANEL_WIDTH = 236
# Sorting a date column for the first time shows the newest first; the rest A → Z.
_FIRST_DESCENDING = frozenset({"last_followup", "created"})


class CustomersPage(QWidget):
    """Search, filter and list customers; open one, change many."""

    # A page built on this one (the public pool) sets its own key, saved columns and actions.
    page_key = "customers"
    settings_key = SETTINGS_KEY
    default_columns: tuple[str, ...] = DEFAULT_COLUMNS

    sig_open_customer = Signal(int)
    """The user opened a customer (Enter or double-click on a row); carries its id."""

    sig_new_customer = Signal()
    """The user asked for a new customer (toolbar, empty state)."""

    sig_ids_loaded = Signal(int)
    """The list shows the answer to the latest filter/search/sort; carries the row count."""

    sig_rows_shown = Signal()
    """After a load, the rows at the top of the view arrived (the list is usable)."""

    sig_preview_shown = Signal()
    """At first load, the first rows arrived before the ids of the whole list (a big list
    paints at once; its scroll bar follows with the ids)."""

    sig_region_counts_loaded = Signal()
    """The filter panel's region counts were updated."""

    sig_choices_loaded = Signal()
    """Grades, regions, owners and branches arrived in the filter panel."""

    def __init__(
        self,
        actor: Actor,
        runner: OpRunner,
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.key = self.page_key
        self.actor = actor
        self.runner = runner
        self.settings = settings
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.last_result: CustomerIdsResult | None = None
        self.loading = False
        self.bulk_dialog: BulkChangeDialog | None = None
        self.export_dialog: ExportDialog | None = None
        # The export permission (DESIGN §3) as the user's flags say; refresh() asks the
        # database, which decides in Shared mode.
        self.export_allowed = actor.can_export or actor.is_manager
        self._export_checked = False
        self.message_box: QMessageBox | None = None
        self.recycle_bin: QWidget | None = None
        self.mail_drop: Any = None  # ui.mail_tab.RowMailDrop, made at the first drag
        self._ids_op: Op | None = None
        self._ids_after_preview: Callable[[], None] | None = None
        self._counts_op: Op | None = None
        self._generation = 0
        self._counts_key: tuple[CustomerFilter, str] | None = None
        self._awaiting_rows = False
        self._preview_total: int | None = None
        self._sort = SortSpec()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        # Changes of other clients (Shared mode) re-read the ids once a burst is over.
        self._live_seq = 0
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_DEBOUNCE_MS)
        self._live_timer.timeout.connect(self._on_live_timer_timeout)
        self.model = CustomerListModel(runner, owner=self, parent=self)
        self.model.sig_page_loaded.connect(self._on_model_sig_page_loaded)
        self._build()
        self._build_actions()
        self._restore_columns()
        self._restore_layout()
        self.retranslate_ui()
        self._update_actions()

    # ----------------------------------------------------------------- construction

    def _build(self) -> None:
        page = QVBoxLayout(self)
        page.setContentsMargins(24, 18, 24, 12)
        page.setSpacing(10)
        self.header = PageHeader(self)
        page.addWidget(self.header)

        top = QHBoxLayout()
        top.setSpacing(10)
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("searchBox")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(200)
        self.search_edit.setFont(scaled_font(self.search_edit, 1.05))
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self._on_search_edit_return_pressed)
        self.search_edit.setMaximumWidth(440)
        top.addWidget(self.search_edit, 1)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("listStatus")
        self.status_label.setMinimumWidth(110)
        top.addWidget(self.status_label, 0)
        top.addStretch(0)
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("customersToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        top.addWidget(self.toolbar, 0)
        page.addLayout(top)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(True)
        self.filter_panel = FilterPanel(self.actor, self)
        self.filter_panel.sig_filter_changed.connect(self._on_filter_panel_sig_filter_changed)
        scroll = QScrollArea(self.splitter)
        scroll.setObjectName("filterScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.filter_panel)
        # The panel sits on the page's white, not on the scroll area's window grey.
        scroll.viewport().setAutoFillBackground(False)
        self.filter_panel.setAutoFillBackground(False)
        scroll.setStyleSheet("QScrollArea#filterScroll { background: transparent; }")
        scroll.setMinimumWidth(180)
        self.filter_scroll = scroll

        self.list_stack = QStackedWidget(self.splitter)
        self.view = QTableView(self.list_stack)
        self.view.setObjectName("customerList")
        self.view.setModel(self.model)
        self._setup_view()
        self.list_stack.addWidget(self.view)
        self.empty_page = QWidget(self.list_stack)
        empty_layout = QVBoxLayout(self.empty_page)
        empty_layout.setContentsMargins(0, 0, 0, 0)
        self.empty_state = EmptyState("customers", self.empty_page)
        self.empty_button = QPushButton(self.empty_state)
        self.empty_button.setDefault(True)
        self.empty_button.clicked.connect(self._on_empty_button_clicked)
        # The card's text column (EmptyState: icon | texts) gets the action button.
        outer = self.empty_state.layout()
        item = outer.itemAt(1) if outer is not None else None
        column = item.layout() if item is not None else None
        if isinstance(column, QVBoxLayout):
            column.addWidget(self.empty_button, 0, Qt.AlignmentFlag.AlignLeft)
        empty_layout.addWidget(self.empty_state)
        empty_layout.addStretch(1)
        self.list_stack.addWidget(self.empty_page)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.list_stack)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([FILTER_PANEL_WIDTH, 900])
        self.splitter.splitterMoved.connect(self._on_splitter_splitter_moved)
        page.addWidget(self.splitter, 1)

    def _setup_view(self) -> None:
        view = self.view
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setShowGrid(False)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.setCornerButtonEnabled(False)
        view.setTabKeyNavigation(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_view_custom_context_menu_requested)
        view.activated.connect(self._on_view_activated)
        # Uniform rows: the view never asks a million rows for their height.
        rows = view.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        height = view.fontMetrics().height() + 12
        rows.setMinimumSectionSize(height)
        rows.setDefaultSectionSize(height)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(48)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_custom_context_menu_requested)
        header.sectionClicked.connect(self._on_header_section_clicked)
        header.sectionMoved.connect(self._on_header_section_moved)
        header.sectionResized.connect(self._on_header_section_resized)
        view.selectionModel().selectionChanged.connect(self._on_selection_model_selection_changed)
        # Mail files dropped on a row are imported for that customer (ui/mail_tab.py, imported
        # at the first drag: it is not needed to start).
        view.setAcceptDrops(True)
        view.viewport().installEventFilter(self)

    def _build_actions(self) -> None:
        def action(
            slot: Any, shortcut: QKeySequence | QKeySequence.StandardKey | None = None
        ) -> QAction:
            act = QAction(self)
            act.triggered.connect(slot)
            if shortcut is not None:
                act.setShortcut(shortcut)
            return act

        self.find_action = action(self._on_find_action_triggered, QKeySequence.StandardKey.Find)
        self.find_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(self.find_action)
        self.open_action = action(self._on_open_action_triggered)
        self.new_action = action(self._on_new_action_triggered)
        self.grade_action = action(partial(self.start_bulk_change, "grade"))
        self.region_action = action(partial(self.start_bulk_change, "region"))
        self.owner_action = action(partial(self.start_bulk_change, "owner"))
        self.release_action = action(self._on_release_action_triggered)
        self.delete_action = action(
            self._on_delete_action_triggered, QKeySequence.StandardKey.Delete
        )
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.recycle_action = action(self._on_recycle_action_triggered)
        self.print_action = action(self._on_print_action_triggered, QKeySequence.StandardKey.Print)
        self.print_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.import_action = action(self._on_import_action_triggered)
        self.export_action = action(self._on_export_action_triggered, QKeySequence("Ctrl+Shift+E"))
        self.export_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._apply_export_permission(self.export_allowed)
        self.columns_menu = QMenu(self)
        self.columns_menu.aboutToShow.connect(self._on_columns_menu_about_to_show)
        self.columns_button = QToolButton(self)
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.columns_button.setMenu(self.columns_menu)
        # The three bulk changes share one button: the row keeps room for the search box.
        self.change_menu = QMenu(self)
        for act in (self.grade_action, self.region_action, self.owner_action):
            self.change_menu.addAction(act)
        self.change_menu.addSeparator()
        self.change_menu.addAction(self.release_action)
        self.change_button = QToolButton(self)
        self.change_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.change_button.setMenu(self.change_menu)
        self._place_actions()

    def _place_actions(self) -> None:
        """Put the actions on the toolbar and the Delete key on the list."""
        self.view.addAction(self.delete_action)
        self.toolbar.addAction(self.new_action)
        self.toolbar.addWidget(self.change_button)
        self.toolbar.addAction(self.delete_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.recycle_action)
        self.toolbar.addAction(self.print_action)
        self.addAction(self.print_action)
        self.toolbar.addAction(self.import_action)
        self.toolbar.addAction(self.export_action)
        self.addAction(self.export_action)
        # Spreadsheets and vCards dropped on the page open the import wizard with them (mail
        # files dropped on a row are the row's: see eventFilter).
        self.setAcceptDrops(True)
        self.toolbar.addWidget(self.columns_button)

    def report_filters(self) -> ReportFilters:
        """The list's filter as a roster's: grades and region as they are; owner, branch and
        status when one is chosen (the roster takes one of each)."""
        from crm_desktop.services.reports import ReportFilters

        flt = self.current_filter()
        return ReportFilters(
            grade_ids=tuple(flt.grade_ids),
            region_id=flt.region_id,
            owner_id=flt.owner_ids[0] if len(flt.owner_ids) == 1 else None,
            branch_id=flt.branch_ids[0] if len(flt.branch_ids) == 1 else None,
            status=flt.statuses[0] if len(flt.statuses) == 1 else None,
        )

    @Slot()
    def _on_print_action_triggered(self) -> None:
        """The roster of what the list shows (its filter), in a report window."""
        from crm_desktop.ui.reports_page import ReportDialog

        self.report_dialog = ReportDialog(self.actor, self.runner, "roster", self.report_filters())
        self.report_dialog.show()

    def _apply_export_permission(self, allowed: bool) -> None:
        """Without the export permission the action is hidden (and its shortcut dead)."""
        self.export_allowed = bool(allowed)
        self.export_action.setVisible(self.export_allowed)
        self.export_action.setEnabled(self.export_allowed)

    @Slot()
    def _on_import_action_triggered(self) -> None:
        self.start_import()

    def start_import(self, path: Path | None = None) -> QWidget:
        """The import wizard (with ``path`` read at once when given); the list reloads after
        an import or its undo."""
        from crm_desktop.ui.import_wizard import open_import_wizard

        return open_import_wizard(
            self, self.runner, self.actor, path=path, on_changed=self._on_import_changed
        )

    def _on_import_changed(self) -> None:
        self.refresh()

    @staticmethod
    def _import_path(event: QDragEnterEvent | QDropEvent) -> Path | None:
        from crm_desktop.ui.import_wizard import is_importable

        for url in event.mimeData().urls():
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if is_importable(path):
                    return path
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._import_path(event) is not None:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._import_path(event)
        if path is None:
            super().dropEvent(event)
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.start_import(path)

    @Slot()
    def _on_export_action_triggered(self) -> None:
        self.start_export()

    def start_export(self) -> ExportDialog | None:
        """The Export dialog for the list (its filter, search and sort: the ids it shows) or
        its selection; None without the export permission."""
        if not self.export_allowed:
            return None
        if self.export_dialog is not None and self.export_dialog.isVisible():
            self.export_dialog.raise_()
            self.export_dialog.activateWindow()
            return self.export_dialog
        # Imported when first used (with openpyxl behind it): not needed to show the list.
        from crm_desktop.ui.export_dialog import ExportDialog

        dialog = ExportDialog(
            self.actor,
            self.runner,
            self.settings,
            list_ids=self.model.ids,
            selected_ids=self.selected_ids(),
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.destroyed.connect(self._on_export_dialog_destroyed)
        self.export_dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _on_export_dialog_destroyed(self) -> None:
        self.export_dialog = None

    def retranslate_ui(self) -> None:
        from crm_desktop.ui.main_window import page_text

        text = page_text(self.key, self.actor)
        self.header.set_texts(text.title, text.subtitle)
        self.search_edit.setPlaceholderText(self.tr("Search name, pinyin, phone, email…"))
        self.search_edit.setToolTip(
            self.tr(
                "Find customers by any fragment of their name, full pinyin or initials (hwjs), "
                "phone number, email, address or a contact's name. Ctrl+F comes back here."
            )
        )
        self.find_action.setText(self.tr("Search customers"))
        self.open_action.setText(self.tr("Open"))
        self.new_action.setText(self.tr("New customer"))
        self.new_action.setToolTip(self.tr("New customer (Ctrl+N)"))
        self.grade_action.setText(self.tr("Change grade…"))
        self.region_action.setText(self.tr("Change region…"))
        self.owner_action.setText(self.tr("Change owner…"))
        self.release_action.setText(self.tr("Release to the public pool…"))
        self.release_action.setToolTip(
            self.tr("Give the selected customers back to the pool, for anyone to claim")
        )
        self.delete_action.setText(self.tr("Delete"))
        self.delete_action.setToolTip(self.tr("Move the selected customers to the recycle bin"))
        self.recycle_action.setText(self.tr("Recycle bin"))
        self.print_action.setText(self.tr("Print roster…"))
        self.print_action.setToolTip(
            self.tr("A roster of the customers this list's filter selects: preview, print, save")
        )
        self.import_action.setText(self.tr("Import…"))
        self.import_action.setToolTip(
            self.tr(
                "Bring customers in from an Excel or CSV file or phone vCards (you can also drop "
                "the file here)"
            )
        )
        self.export_action.setText(self.tr("Export…"))
        self.export_action.setToolTip(
            self.tr(
                "Save the customers of this list, or the selected ones, as an Excel or CSV file "
                "(Ctrl+Shift+E)"
            )
        )
        self.change_button.setText(self.tr("Change selected"))
        self.change_button.setToolTip(
            self.tr("Change the grade, region or owner of the selected customers")
        )
        self.columns_button.setText(self.tr("Columns"))
        self.columns_button.setToolTip(self.tr("Choose the columns of the list"))
        if not self.actor.is_manager:
            self.owner_action.setToolTip(self.tr("Only managers and administrators assign owners"))
            self.recycle_action.setToolTip(
                self.tr("Only managers and administrators restore deleted customers")
            )
        else:
            self.owner_action.setToolTip(self.tr("Give the selected customers another owner"))
            self.recycle_action.setToolTip(self.tr("Deleted customers, to restore"))
        self.filter_panel.retranslate_ui()
        self.model.clear_texts()
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        self.view.viewport().update()
        self._show_status()
        self._show_empty_state()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.DragEnter and watched is self.view.viewport():
            if self.mail_drop is None:
                from crm_desktop.ui.mail_tab import RowMailDrop

                self.mail_drop = RowMailDrop(
                    self.view,
                    self.runner,
                    self.actor,
                    customer_id_of=self.model.customer_id,
                    name_of=lambda row: getattr(self.model.row_data(row), "name", None),
                )
                self.view.viewport().removeEventFilter(self)
            return bool(self.mail_drop.eventFilter(watched, event))
        return super().eventFilter(watched, event)

    # ----------------------------------------------------------------- loading

    def refresh(self) -> None:
        """Reload everything (choices, ids, counts) keeping the current row when it is still
        there: after a save elsewhere, or when the page is first shown."""
        self.runner.op(self, filter_choices, actor=self.actor).read_only().on_success(
            self._on_choices_loaded
        ).run()
        if not self._export_checked:
            self._export_checked = True
            # After the first paint: the check imports the export and report services (~0.1 s
            # on a worker, which still takes the interpreter from the start-up); until then the
            # actor's own flag decides, and an export checks again in the database anyway.
            QTimer.singleShot(EXPORT_CHECK_DELAY_MS, self._check_export_permission)
        self._counts_key = None
        self.reload(keep_current=True)

    def _check_export_permission(self) -> None:
        if not shiboken6.isValid(self):
            return
        self.runner.op(self, _may_export, actor=self.actor).read_only().on_success(
            self._apply_export_permission
        ).run()

    def current_filter(self) -> CustomerFilter:
        """The filter the list runs: the panel's (the pool page fixes ``in_pool``)."""
        return self.filter_panel.current_filter()

    def reload(self, *, keep_current: bool = False) -> None:
        """Ask for the ids of the current filter, search text and sort; cancels the request
        still running (its late answer is dropped)."""
        self._search_timer.stop()
        keep_id = self.current_customer_id() if keep_current else None
        if self._ids_op is not None and self._ids_op.running:
            self._ids_op.cancel()
        self._generation += 1
        generation = self._generation
        flt = self.current_filter()
        text = self.search_edit.text()
        self.loading = True
        start_ids = partial(self._start_ids_op, generation, flt, text, keep_id)
        if self.last_result is None and self.model.rowCount() == 0:
            # The first load: its first rows (one keyset query) and its count come first;
            # the ids of the whole list (1M: ~0.3 s of Python building rows, holding the GIL
            # the window needs to build and paint) are asked for once those rows are shown.
            preview = self.runner.op(
                self,
                first_rows,
                flt=flt,
                sort=self._sort,
                actor=self.actor,
                search_text=text,
                limit=self.model.page_size,
            ).read_only()
            preview.on_success(partial(self._on_preview_loaded, generation))
            preview.on_failure(lambda _exc: None)  # the ids' own request reports errors
            self._ids_after_preview = start_ids
            preview.sig_finished.connect(self._on_preview_op_sig_finished)
            preview.run()
            count = self.runner.op(
                self, count_customers, flt=flt, actor=self.actor, search_text=text
            ).read_only()
            count.on_success(partial(self._on_preview_count_loaded, generation))
            count.on_failure(lambda _exc: None)
            count.run()
        else:
            start_ids()
        self._show_status()

    @Slot()
    def _on_preview_op_sig_finished(self) -> None:
        # After the event loop painted the preview's rows.
        QTimer.singleShot(0, self, self._start_ids_after_preview)

    def _start_ids_after_preview(self) -> None:
        start, self._ids_after_preview = self._ids_after_preview, None
        if start is not None:
            start()

    def _start_ids_op(
        self, generation: int, flt: CustomerFilter, text: str, keep_id: int | None
    ) -> None:
        if generation != self._generation:
            return  # a newer question asked for its own ids
        op = self.runner.op(
            self,
            list_customer_ids,
            flt=flt,
            sort=self._sort,
            actor=self.actor,
            search_text=text,
            keep_id=keep_id,
            page_size=self.model.page_size,
        ).read_only()
        op.on_success(partial(self._on_ids_loaded, generation, flt, text))
        op.on_failure(partial(self._on_ids_failed, generation))
        self._ids_op = op.run()

    # A big list's first load paints in two steps: its first rows (one keyset query) and its
    # count, then the ids of the whole list fill the rows in without a reset.

    def _on_preview_loaded(self, generation: int, rows: list[CustomerListRow]) -> None:
        if generation != self._generation or self.last_result is not None:
            return  # the whole list, or a newer question, came first
        self.model.set_preview(rows, self._preview_total)
        self.view.scrollToTop()
        self._show_status()
        self.sig_preview_shown.emit()

    def _on_preview_count_loaded(self, generation: int, total: int) -> None:
        if generation != self._generation or self.last_result is not None:
            return
        self._preview_total = total
        self.model.set_total(total)
        self._show_status()

    def _on_ids_loaded(
        self,
        generation: int,
        flt: CustomerFilter,
        text: str,
        result: CustomerIdsResult,
    ) -> None:
        if generation != self._generation:
            return  # a newer request is on its way
        self.loading = False
        self.last_result = result
        self._awaiting_rows = True
        reset = self.model.set_ids(result.ids, page=(result.page, result.page_rows))
        row = result.keep_row
        if row is not None:
            index = self.model.index(row, self._first_visible_column())
            self.view.setCurrentIndex(index)
            self.view.selectRow(row)
            self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        elif reset:
            self.view.scrollToTop()
        self._show_status()
        self._show_empty_state()
        self._update_actions()
        self.sig_ids_loaded.emit(len(result.ids))
        self._check_rows_shown()
        self._load_counts(flt, text)

    def _on_ids_failed(self, generation: int, exc: BaseException) -> None:
        if isinstance(exc, OperationCancelled) or generation != self._generation:
            return
        self.loading = False
        self._show_status()
        self.runner.show_error(self, exc)

    def _load_counts(self, flt: CustomerFilter, text: str) -> None:
        """Region counts of the filter (its region ignored) as their own read: the list never
        waits for the GROUP BY, and a count already shown is not asked again."""
        key = (replace(flt, region_id=None), text)
        if key == self._counts_key:
            return
        self._counts_key = key
        if self._counts_op is not None and self._counts_op.running:
            self._counts_op.cancel()
        op = self.runner.op(
            self, filtered_region_counts, flt=key[0], actor=self.actor, search_text=text
        ).read_only()
        op.on_success(partial(self._on_counts_loaded, key))
        op.on_failure(partial(self._on_counts_failed, key))
        self._counts_op = op.run()

    def _on_counts_loaded(self, key: tuple[CustomerFilter, str], nodes: list[RegionNode]) -> None:
        if key != self._counts_key:
            return
        self.filter_panel.set_region_counts(nodes)
        self.sig_region_counts_loaded.emit()

    def _on_counts_failed(self, key: tuple[CustomerFilter, str], exc: BaseException) -> None:
        if key == self._counts_key:
            self._counts_key = None
        if not isinstance(exc, OperationCancelled):
            log.warning("region counts failed: %s", exc)

    def _on_choices_loaded(self, choices: FilterChoicesResult) -> None:
        self.filter_panel.set_choices(choices)
        self._update_actions()
        self.sig_choices_loaded.emit()

    @Slot(int)
    def _on_model_sig_page_loaded(self, _page: int) -> None:
        self._check_rows_shown()

    def _check_rows_shown(self) -> None:
        if not self._awaiting_rows:
            return
        top = self.view.rowAt(0)
        if self.model.rowCount() == 0 or (top < 0 and not self.view.isVisible()):
            top = 0
        if self.model.rowCount() == 0 or self.model.is_row_loaded(max(top, 0)):
            self._awaiting_rows = False
            self.sig_rows_shown.emit()

    # ----------------------------------------------------------------- live updates

    def on_live_changes(self, changes: Mapping[str, set[int]]) -> None:
        """Others changed data (``LiveUpdates.sig_changed``): shown rows of the customers
        concerned are read again at once, in place; when customers themselves changed, the
        ids and counts follow (a burst coalesced), resetting the list only if rows came or
        went."""
        if self.last_result is None:
            return  # not loaded yet (a page shown later): its first load reads everything
        self.model.refresh_rows(changed_customer_ids(changes))
        if EVERYTHING in changes or "customer" in changes:
            self._live_timer.start()

    @Slot()
    def _on_live_timer_timeout(self) -> None:
        if self.last_result is None:
            return
        if self.loading:
            self._live_timer.start()  # a reload runs; it may have read before the change
            return
        self._live_seq += 1
        op = self.runner.op(
            self,
            list_customer_ids,
            flt=self.current_filter(),
            sort=self._sort,
            actor=self.actor,
            search_text=self.search_edit.text(),
            keep_id=self.current_customer_id(),
            page_size=self.model.page_size,
        ).read_only()
        op.on_success(
            partial(
                self._on_live_ids_loaded,
                self._live_seq,
                self._generation,
                self.current_filter(),
                self.search_edit.text(),
            )
        )
        op.on_failure(self._on_live_ids_failed)
        op.run()

    def _on_live_ids_loaded(
        self,
        seq: int,
        generation: int,
        flt: CustomerFilter,
        text: str,
        result: CustomerIdsResult,
    ) -> None:
        if seq != self._live_seq or generation != self._generation or self.loading:
            return  # a newer question (the user's or another change's) is on its way
        self._counts_key = None  # the counts changed with the rows
        if result.ids == self.model.ids:
            self.last_result = result
            self._show_status()
            self._load_counts(flt, text)
        else:
            self._on_ids_loaded(generation, flt, text, result)

    def _on_live_ids_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, OperationCancelled):
            log.warning("live refresh of the customer list failed: %s", exc)

    # ----------------------------------------------------------------- status and empty states

    def _show_status(self) -> None:
        locale = QLocale()
        result = self.last_result
        if result is None:
            if self._preview_total is not None:
                text = self.tr("{count} customers").format(
                    count=locale.toString(self._preview_total)
                )
                self.status_label.setText(text + " · " + self.tr("updating…"))
            else:
                self.status_label.setText(self.tr("Loading customers…"))
            return
        count = len(result.ids)
        if result.searched:
            if result.search_capped:
                text = self.tr("more than {count} found").format(count=locale.toString(count))
            elif count == 1:
                text = self.tr("1 found")
            else:
                text = self.tr("{count} found").format(count=locale.toString(count))
            text += " · " + self.tr("{ms} ms").format(ms=locale.toString(round(result.elapsed_ms)))
        elif count == 1:
            text = self.tr("1 customer")
        else:
            text = self.tr("{count} customers").format(count=locale.toString(count))
        selected = self.selected_count()
        if selected > 1:
            text += " · " + self.tr("{count} selected").format(count=locale.toString(selected))
        if self.loading:
            text += " · " + self.tr("updating…")
        self.status_label.setText(text)
        self.status_label.setToolTip(
            self.tr("Found in {ms} ms").format(ms=locale.toString(round(result.elapsed_ms, 1)))
        )

    def has_filters(self) -> bool:
        """A filter or a search text narrows the list."""
        return bool(self.search_edit.text().strip()) or not self.filter_panel.is_default()

    def _show_empty_state(self) -> None:
        result = self.last_result
        if result is None or len(result.ids) > 0:
            self.list_stack.setCurrentWidget(self.view)
            return
        text = self.search_edit.text().strip()
        if self.has_filters():
            if text:
                headline = self.tr("No customer matches “{text}”").format(text=text)
            else:
                headline = self.tr("No customer matches these filters")
            body = self.tr(
                "Check the spelling, type fewer characters (pinyin initials such as “hwjs” "
                "work too) or clear the filters."
            )
            self.empty_state.set_texts(headline, body, "")
            self.empty_button.setText(self.tr("Clear filters"))
            self.empty_button.setProperty("action", "clear")
        else:
            self.empty_state.set_texts(
                self.tr("No customers yet"),
                self.tr(
                    "Each customer file keeps the grade, region, owner, contacts and follow-ups "
                    "of one customer. Create the first one to get started."
                ),
                self.tr(
                    "Customers in a spreadsheet or vCard file? Choose File → Import "
                    "customers… ({shortcut}) or drop the file on this page."
                ).format(
                    shortcut=QKeySequence("Ctrl+I").toString(QKeySequence.SequenceFormat.NativeText)
                )
                + "<br>"
                + self.tr(
                    "To try crm-desktop with realistic demo data, run "
                    "<code>crm-desktop demo --customers 1000</code>."
                ),
            )
            self.empty_button.setText(self.tr("New customer (Ctrl+N)"))
            self.empty_button.setProperty("action", "new")
        self.list_stack.setCurrentWidget(self.empty_page)

    # ----------------------------------------------------------------- selection

    def _selection_ranges(self) -> list[tuple[int, int]]:
        selection = self.view.selectionModel().selection()
        ranges = (selection.at(i) for i in range(selection.count()))
        return [(r.top(), r.bottom()) for r in ranges]

    def selected_count(self) -> int:
        rows = set()
        total = 0
        for top, bottom in self._selection_ranges():
            if (top, bottom) not in rows:
                rows.add((top, bottom))
                total += bottom - top + 1
        return total

    def selected_ids(self) -> list[int]:
        """Ids of the selected rows in list order (ranges: cheap even for a million)."""
        return self.model.ids_of_rows(self._selection_ranges())

    def current_customer_id(self) -> int | None:
        index = self.view.currentIndex()
        return self.model.customer_id(index.row()) if index.isValid() else None

    def _first_visible_column(self) -> int:
        header = self.view.horizontalHeader()
        for visual in range(header.count()):
            logical = header.logicalIndex(visual)
            if not header.isSectionHidden(logical):
                return logical
        return 0

    def select_rows(self, rows: list[int]) -> None:
        """Select ``rows`` as Ctrl+clicks would (tests, scripts)."""
        from PySide6.QtCore import QItemSelection, QItemSelectionModel

        selection = QItemSelection()
        for row in rows:
            selection.select(self.model.index(row, 0), self.model.index(row, len(COLUMNS) - 1))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.view.selectionModel().select(selection, flags)
        if rows:
            self.view.selectionModel().setCurrentIndex(
                self.model.index(rows[-1], self._first_visible_column()),
                QItemSelectionModel.SelectionFlag.NoUpdate,
            )

    @Slot()
    def _on_selection_model_selection_changed(self) -> None:
        self._update_actions()
        self._show_status()

    def _update_actions(self) -> None:
        selected = self.selected_count()
        have_choices = self.filter_panel.choices is not None
        self.open_action.setEnabled(self.current_customer_id() is not None)
        self.grade_action.setEnabled(selected > 0 and have_choices)
        self.region_action.setEnabled(selected > 0 and have_choices)
        self.owner_action.setEnabled(selected > 0 and have_choices and self.actor.is_manager)
        self.release_action.setEnabled(selected > 0)
        self.delete_action.setEnabled(selected > 0)
        self.change_button.setEnabled(selected > 0 and have_choices)
        self.recycle_action.setEnabled(self.actor.is_manager)

    # ----------------------------------------------------------------- columns and sort

    def _column_settings(self) -> dict[str, Any]:
        saved = self.settings.ui.get(self.settings_key)
        if not isinstance(saved, dict):
            saved = {}
            self.settings.ui[self.settings_key] = saved
        return saved

    def _restore_columns(self) -> None:
        saved = self._column_settings()
        columns = [k for k in saved.get("columns", self.default_columns) if k in COLUMN_KEYS]
        if not columns:
            columns = list(self.default_columns)
        widths = saved.get("widths", {})
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        try:
            for logical, column in enumerate(COLUMNS):
                width = widths.get(column.key) if isinstance(widths, dict) else None
                header.resizeSection(
                    logical, int(width) if isinstance(width, int) else column.width
                )
                header.setSectionHidden(logical, column.key not in columns)
            for position, key in enumerate(columns):
                logical = COLUMN_KEYS.index(key)
                header.moveSection(header.visualIndex(logical), position)
        finally:
            header.blockSignals(False)
        sort = saved.get("sort")
        if isinstance(sort, list) and len(sort) == 2 and sort[0] in COLUMN_KEYS:
            column = COLUMNS[COLUMN_KEYS.index(sort[0])]
            if column.sort_key is not None:
                self._sort = SortSpec(column.sort_key, bool(sort[1]))
        self._show_sort_indicator()

    def _restore_layout(self) -> None:
        """The filter panel's width and the last filter, as the user left them."""
        saved = self._column_settings()
        splitter = state_bytes(saved.get("splitter"))
        if splitter is not None:
            self.splitter.restoreState(splitter)
        state = saved.get("filter")
        if isinstance(state, dict):
            self.filter_panel.restore_state(state)

    def _save_filter(self) -> None:
        self._column_settings()["filter"] = self.filter_panel.state()

    @Slot(int, int)
    def _on_splitter_splitter_moved(self, _pos: int, _index: int) -> None:
        self._column_settings()["splitter"] = state_text(self.splitter.saveState())

    def _save_columns(self) -> None:
        header = self.view.horizontalHeader()
        visible = [
            COLUMN_KEYS[header.logicalIndex(v)]
            for v in range(header.count())
            if not header.isSectionHidden(header.logicalIndex(v))
        ]
        saved = self._column_settings()
        saved["columns"] = visible
        saved["widths"] = {
            key: header.sectionSize(i) for i, key in enumerate(COLUMN_KEYS) if i < header.count()
        }

    def visible_columns(self) -> list[str]:
        """The keys of the shown columns, left to right."""
        header = self.view.horizontalHeader()
        return [
            COLUMN_KEYS[header.logicalIndex(v)]
            for v in range(header.count())
            if not header.isSectionHidden(header.logicalIndex(v))
        ]

    def set_column_visible(self, key: str, visible: bool) -> None:
        """Show or hide a column (never the last visible one) and remember the choice."""
        logical = COLUMN_KEYS.index(key)
        header = self.view.horizontalHeader()
        if not visible and self.visible_columns() == [key]:
            return
        header.setSectionHidden(logical, not visible)
        if visible and header.sectionSize(logical) < header.minimumSectionSize():
            header.resizeSection(logical, COLUMNS[logical].width)
        self._save_columns()

    def _show_sort_indicator(self) -> None:
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        try:
            logical = next((i for i, c in enumerate(COLUMNS) if c.sort_key == self._sort.key), 0)
            order = (
                Qt.SortOrder.DescendingOrder
                if self._sort.descending
                else Qt.SortOrder.AscendingOrder
            )
            header.setSortIndicator(logical, order)
        finally:
            header.blockSignals(False)

    @property
    def sort(self) -> SortSpec:
        return self._sort

    def sort_by(self, key: str, descending: bool = False) -> None:
        """Sort the list by a column (its key, e.g. "region") in SQL; keeps the current row."""
        column = COLUMNS[COLUMN_KEYS.index(key)]
        if column.sort_key is None:
            return
        self._sort = SortSpec(column.sort_key, descending)
        self._column_settings()["sort"] = [key, descending]
        self._show_sort_indicator()
        self.reload(keep_current=True)

    @Slot(int)
    def _on_header_section_clicked(self, logical: int) -> None:
        column = COLUMNS[logical]
        if column.sort_key is None:
            self._show_sort_indicator()  # undo the header's own flip: not sortable
            return
        if column.sort_key == self._sort.key:
            descending = not self._sort.descending
        else:
            descending = column.key in _FIRST_DESCENDING
        self.sort_by(column.key, descending)

    @Slot(int, int, int)
    def _on_header_section_moved(self, _logical: int, _old: int, _new: int) -> None:
        self._save_columns()

    @Slot(int, int, int)
    def _on_header_section_resized(self, _logical: int, _old: int, _new: int) -> None:
        self._save_columns()

    @Slot()
    def _on_columns_menu_about_to_show(self) -> None:
        self._fill_columns_menu(self.columns_menu)

    def _fill_columns_menu(self, menu: QMenu) -> None:
        menu.clear()
        visible = set(self.visible_columns())
        for key in COLUMN_KEYS:
            act = menu.addAction(column_title(key))
            act.setCheckable(True)
            act.setChecked(key in visible)
            act.setEnabled(not (key in visible and len(visible) == 1))
            act.toggled.connect(partial(self.set_column_visible, key))

    @Slot(QPoint)
    def _on_header_custom_context_menu_requested(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self._fill_columns_menu(menu)
        menu.popup(self.view.horizontalHeader().mapToGlobal(pos))

    # ----------------------------------------------------------------- search and filters

    @Slot(str)
    def _on_search_edit_text_changed(self, _text: str) -> None:
        # The old query is obsolete at once; the new one waits for a pause in the typing.
        if self._ids_op is not None and self._ids_op.running:
            self._ids_op.cancel()
        self.loading = True
        self._search_timer.start()

    @Slot()
    def _on_search_edit_return_pressed(self) -> None:
        if self._search_timer.isActive():
            self.reload()
        elif self.model.rowCount() > 0:
            self.view.setFocus()
            if not self.view.currentIndex().isValid():
                self.view.setCurrentIndex(self.model.index(0, self._first_visible_column()))

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self.reload()

    @Slot()
    def _on_filter_panel_sig_filter_changed(self) -> None:
        self._save_filter()
        self.reload()

    def clear_filters(self) -> None:
        """No filter, no search text: the whole list again."""
        self.search_edit.blockSignals(True)
        self.search_edit.clear()
        self.search_edit.blockSignals(False)
        self.filter_panel.clear(notify=False)
        self._save_filter()
        self.reload()

    @Slot()
    def _on_find_action_triggered(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    # ----------------------------------------------------------------- opening

    @Slot(QModelIndex)
    def _on_view_activated(self, index: QModelIndex) -> None:
        customer_id = self.model.customer_id(index.row()) if index.isValid() else None
        if customer_id is not None:
            self.sig_open_customer.emit(customer_id)

    @Slot()
    def _on_open_action_triggered(self) -> None:
        customer_id = self.current_customer_id()
        if customer_id is not None:
            self.sig_open_customer.emit(customer_id)

    @Slot()
    def _on_new_action_triggered(self) -> None:
        self.sig_new_customer.emit()

    @Slot()
    def _on_empty_button_clicked(self) -> None:
        if self.empty_button.property("action") == "clear":
            self.clear_filters()
        else:
            self.sig_new_customer.emit()

    @Slot(QPoint)
    def _on_view_custom_context_menu_requested(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        menu.addAction(self.open_action)
        menu.addAction(self.new_action)
        menu.addSeparator()
        menu.addAction(self.grade_action)
        menu.addAction(self.region_action)
        menu.addAction(self.owner_action)
        menu.addAction(self.release_action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        if self.export_action.isVisible():
            menu.addSeparator()
            menu.addAction(self.export_action)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # ----------------------------------------------------------------- bulk changes

    def start_bulk_change(self, field: str, _checked: bool = False) -> BulkChangeDialog | None:
        """Open the dialog that changes ``field`` (grade, region, owner) of the selection."""
        ids = self.selected_ids()
        choices = self.filter_panel.choices
        if not ids or choices is None:
            return None
        dialog = BulkChangeDialog(field, choices, len(ids), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.accepted.connect(partial(self._on_bulk_dialog_accepted, dialog, ids))
        self.bulk_dialog = dialog
        dialog.open()
        return dialog

    def _on_bulk_dialog_accepted(self, dialog: BulkChangeDialog, ids: list[int]) -> None:
        self.run_bulk_change(dialog.field, dialog.value(), ids)

    def run_bulk_change(self, field: str, value: int | None, ids: list[int]) -> Op:
        """Set ``field`` to ``value`` on ``ids`` as one operation with progress and cancel."""
        op = self.runner.op(self, bulk_update, ids=ids, actor=self.actor, **{f"{field}_id": value})
        op.with_progress(self.tr("Changing customers…"), cancellable=True)
        op.on_success(partial(self._on_bulk_done, "change"))
        return op.run()

    def _on_bulk_done(self, action: str, result: BulkResult) -> None:
        self.message_box = result_message_box(self, result, action=action)
        self.message_box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.message_box.open()
        self._counts_key = None
        self.reload(keep_current=True)

    @Slot()
    def _on_delete_action_triggered(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        box = QMessageBox(self)
        box.setWindowTitle("crm-desktop")
        box.setIcon(QMessageBox.Icon.Question)
        if len(ids) == 1:
            box.setText(self.tr("Move this customer to the recycle bin?"))
        else:
            box.setText(
                self.tr("Move {count} customers to the recycle bin?").format(
                    count=QLocale().toString(len(ids))
                )
            )
        box.setInformativeText(
            self.tr("A manager can restore them from the recycle bin with everything they hold.")
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Delete"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.accepted.connect(partial(self.run_delete, ids))
        self.message_box = box
        box.open()

    @Slot()
    def _on_release_action_triggered(self) -> None:
        from crm_desktop.ui.pool_page import ask_release  # it builds on this module

        ids = self.selected_ids()
        if ids:
            self.message_box = ask_release(self, ids)

    def run_delete(self, ids: list[int]) -> Op:
        """Soft-delete ``ids`` as one operation; refusals come back as problems."""
        op = self.runner.op(self, delete_customers, ids=ids, actor=self.actor)
        op.with_progress(self.tr("Deleting customers…"), cancellable=True)
        op.on_success(partial(self._on_bulk_done, "delete"))
        return op.run()

    @Slot()
    def _on_recycle_action_triggered(self) -> None:
        from crm_desktop.ui.recycle_bin import RecycleBinDialog

        dialog = RecycleBinDialog(self.runner, self.actor, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.sig_restored.connect(self._on_recycle_bin_sig_restored)
        self.recycle_bin = dialog
        dialog.open()

    @Slot(object)
    def _on_recycle_bin_sig_restored(self, _result: object) -> None:
        self._counts_key = None
        self.reload(keep_current=True)
