"""The Export dialog of the customers page: format, file, columns (remembered), the selection or
the whole list, contacts; the export runs as operations (the file is written on a read worker,
then audited and renamed in a short write), with progress and cancel, and ends with the row
count and "Open folder"."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QLocale, QSize, QStandardPaths, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import OperationCancelled, UserError
from crm_desktop.core.settings import Settings
from crm_desktop.services.context import Actor
from crm_desktop.services.export import (
    CONTACT_COLUMNS,
    DEFAULT_COLUMNS,
    EXPORT_COLUMNS,
    EXPORT_FORMATS,
    ExportDraft,
    ExportFormat,
    ExportResult,
    column_label,
    default_file_name,
    discard_export,
    finish_export,
    write_export,
)
from crm_desktop.ui.ops import Op, OpRunner
from crm_desktop.ui.style import scaled_font

COLUMNS_KEY = "export_columns"  # Settings.ui: the chosen columns, in EXPORT_COLUMNS order
OPTIONS_KEY = "export_options"  # Settings.ui: {"format", "contacts", "folder"}
_KEY = Qt.ItemDataRole.UserRole


def ui_language() -> str:
    """The language of the running UI (Translations sets the default locale): the file's
    headers follow it."""
    return "zh_CN" if QLocale().language() == QLocale.Language.Chinese else "en"


class ExportDialog(QDialog):
    """Export the customers of the list — or the selected ones — to a CSV or XLSX file.

    ``list_ids`` are the ids the list shows, in its order (its filter, search and sort);
    ``selected_ids`` the selected ones, in list order. Prompts are attributes tests replace:
    ``ask_save_path(suggested) -> str | None``, ``confirm_replace(path) -> bool`` and
    ``open_url(QUrl) -> bool``."""

    sig_exported = Signal(object)
    """The file is written and audited; carries the ExportResult."""

    sig_failed = Signal(object)
    """The export failed or was cancelled; nothing was written; carries the exception."""

    def __init__(
        self,
        actor: Actor,
        runner: OpRunner,
        settings: Settings,
        *,
        list_ids: Sequence[int],
        selected_ids: Sequence[int] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.settings = settings
        # Copies: the list may reload while the dialog is open.
        self.list_ids = array("q", list_ids)
        self.selected_ids = array("q", selected_ids)
        self.language = ui_language()
        self.op: Op | None = None
        self.export_result: ExportResult | None = None
        self.result_box: QMessageBox | None = None
        self._draft: ExportDraft | None = None
        self._confirmed: str | None = None  # a path the save dialog already asked about
        self.ask_save_path: Callable[[str], str | None] = self._ask_save_path_dialog
        self.confirm_replace: Callable[[str], bool] = self._confirm_replace_box
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
        self.setObjectName("exportDialog")
        self.setMinimumWidth(520)
        self._build()
        self._restore()
        self.retranslate_ui()

    # ----------------------------------------------------------------- construction

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.heading_label = QLabel(self)
        self.heading_label.setFont(scaled_font(self.heading_label, 1.1, bold=True))
        layout.addWidget(self.heading_label)
        self.scope_label = QLabel(self)
        self.scope_label.setWordWrap(True)
        layout.addWidget(self.scope_label)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.format_label = QLabel(self)
        self.format_combo = QComboBox(self)
        for fmt in EXPORT_FORMATS[::-1]:  # XLSX first: what most people open
            self.format_combo.addItem("", fmt)
        self.format_combo.currentIndexChanged.connect(self._on_format_combo_current_index_changed)
        form.addRow(self.format_label, self.format_combo)
        self.file_label = QLabel(self)
        file_row = QHBoxLayout()
        self.file_edit = QLineEdit(self)
        self.file_edit.setMinimumWidth(300)
        self.file_edit.textEdited.connect(self._on_file_edit_text_edited)
        self.browse_button = QPushButton(self)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button, 0)
        form.addRow(self.file_label, file_row)
        layout.addLayout(form)

        self.selected_check = QCheckBox(self)
        self.selected_check.setVisible(len(self.selected_ids) > 0)
        # One selected row is often just the current row; several are a choice.
        self.selected_check.setChecked(len(self.selected_ids) > 1)
        self.selected_check.toggled.connect(self._on_selected_check_toggled)
        layout.addWidget(self.selected_check)
        self.contacts_check = QCheckBox(self)
        layout.addWidget(self.contacts_check)

        columns_head = QHBoxLayout()
        self.columns_label = QLabel(self)
        columns_head.addWidget(self.columns_label, 1)
        self.all_button = QPushButton(self)
        self.all_button.setFlat(True)
        self.all_button.clicked.connect(self._on_all_button_clicked)
        self.defaults_button = QPushButton(self)
        self.defaults_button.setFlat(True)
        self.defaults_button.clicked.connect(self._on_defaults_button_clicked)
        columns_head.addWidget(self.all_button, 0)
        columns_head.addWidget(self.defaults_button, 0)
        layout.addLayout(columns_head)
        self.columns_list = QListWidget(self)
        self.columns_list.setObjectName("exportColumns")
        self.columns_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # A grid of three columns, left to right in EXPORT_COLUMNS order.
        self.columns_list.setFlow(QListWidget.Flow.LeftToRight)
        self.columns_list.setWrapping(True)
        self.columns_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        labels = [column_label(key, self.language) for key in EXPORT_COLUMNS]
        metrics = self.fontMetrics()
        cell_width = max(150, max(metrics.horizontalAdvance(t) for t in labels) + 44)
        cell_height = metrics.height() + 10
        self.columns_list.setGridSize(QSize(cell_width, cell_height))
        rows = -(-len(EXPORT_COLUMNS) // 3)
        self.columns_list.setMinimumSize(3 * cell_width + 24, rows * cell_height + 12)
        for key, label in zip(EXPORT_COLUMNS, labels, strict=True):
            item = QListWidgetItem(label, self.columns_list)
            item.setData(_KEY, key)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.columns_list.itemChanged.connect(self._on_columns_list_item_changed)
        layout.addWidget(self.columns_list, 1)

        self.status_label = QLabel(self)
        self.status_label.setObjectName("exportStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setVisible(False)
        layout.addWidget(self.status_label)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)

    def _restore(self) -> None:
        saved = self.settings.ui.get(COLUMNS_KEY)
        chosen = (
            {c for c in saved if c in EXPORT_COLUMNS} if isinstance(saved, list) else set()
        ) or set(DEFAULT_COLUMNS)
        self.set_columns(chosen)
        options = self.settings.ui.get(OPTIONS_KEY)
        options = options if isinstance(options, dict) else {}
        fmt = options.get("format")
        index = self.format_combo.findData(fmt if fmt in EXPORT_FORMATS else "xlsx")
        self.format_combo.setCurrentIndex(max(0, index))
        self.contacts_check.setChecked(bool(options.get("contacts", False)))
        folder = options.get("folder")
        if not (isinstance(folder, str) and Path(folder).is_dir()):
            documents = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation
            )
            folder = documents if documents and Path(documents).is_dir() else str(Path.home())
        self.file_edit.setText(str(Path(folder) / default_file_name(self.format(), self.language)))

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Export customers"))
        self.heading_label.setText(self.tr("Export customers"))
        self.format_label.setText(self.tr("Format:"))
        self.format_combo.setItemText(
            self.format_combo.findData("xlsx"), self.tr("Excel workbook (.xlsx)")
        )
        self.format_combo.setItemText(
            self.format_combo.findData("csv"), self.tr("CSV, UTF-8 for Excel (.csv)")
        )
        self.file_label.setText(self.tr("File:"))
        self.browse_button.setText(self.tr("Choose…"))
        self.contacts_check.setText(self.tr("Include contacts (one row per contact)"))
        self.contacts_check.setToolTip(
            self.tr(
                "Adds the columns: {columns}. A customer without contacts gets one row."
            ).format(columns=", ".join(column_label(c, self.language) for c in CONTACT_COLUMNS))
        )
        self.columns_label.setText(self.tr("Columns:"))
        self.all_button.setText(self.tr("All"))
        self.defaults_button.setText(self.tr("Defaults"))
        self.export_button.setText(self.tr("Export"))
        self._show_scope()

    def _show_scope(self) -> None:
        locale = QLocale()
        selected = len(self.selected_ids)
        self.selected_check.setText(
            self.tr("Selected rows only ({count})").format(count=locale.toString(selected))
        )
        count = locale.toString(len(self.export_ids()))
        if self.selection_only():
            text = self.tr("{count} selected customers will be exported.")
        else:
            text = self.tr("{count} customers of the list will be exported.")
        self.scope_label.setText(text.format(count=count))

    # ----------------------------------------------------------------- state

    def format(self) -> ExportFormat:
        data = self.format_combo.currentData()
        return "csv" if data == "csv" else "xlsx"

    def selection_only(self) -> bool:
        return len(self.selected_ids) > 0 and self.selected_check.isChecked()

    def export_ids(self) -> array[int]:
        return self.selected_ids if self.selection_only() else self.list_ids

    def columns(self) -> list[str]:
        """The checked columns, in EXPORT_COLUMNS order."""
        out = []
        for row in range(self.columns_list.count()):
            item = self.columns_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(_KEY)))
        return out

    def set_columns(self, keys: set[str] | Sequence[str]) -> None:
        wanted = set(keys)
        for row in range(self.columns_list.count()):
            item = self.columns_list.item(row)
            checked = item.data(_KEY) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def path(self) -> str:
        """The file name typed or chosen, with the format's suffix."""
        text = self.file_edit.text().strip()
        if not text:
            return ""
        path = Path(text).expanduser()
        suffix = f".{self.format()}"
        if path.suffix.lower() != suffix:
            path = (
                path.with_suffix(suffix)
                if path.suffix.lower() in (".csv", ".xlsx")
                else (path.with_name(path.name + suffix))
            )
        return str(path)

    @property
    def running(self) -> bool:
        return self.op is not None and self.op.running

    # ----------------------------------------------------------------- slots

    @Slot(int)
    def _on_format_combo_current_index_changed(self, _index: int) -> None:
        text = self.file_edit.text().strip()
        if text:
            self.file_edit.setText(self.path())
        self._confirmed = None

    @Slot(str)
    def _on_file_edit_text_edited(self, _text: str) -> None:
        self._confirmed = None
        self._show_status("")

    @Slot()
    def _on_browse_button_clicked(self) -> None:
        chosen = self.ask_save_path(self.path() or default_file_name(self.format(), self.language))
        if not chosen:
            return
        suffix = Path(chosen).suffix.lower().lstrip(".")
        if suffix in EXPORT_FORMATS:
            self.format_combo.setCurrentIndex(self.format_combo.findData(suffix))
        self.file_edit.setText(chosen)
        self.file_edit.setText(self.path())
        self._confirmed = self.path()  # the save dialog asked about replacing
        self._show_status("")

    @Slot(bool)
    def _on_selected_check_toggled(self, _checked: bool) -> None:
        self._show_scope()

    @Slot(QListWidgetItem)
    def _on_columns_list_item_changed(self, _item: QListWidgetItem) -> None:
        self.export_button.setEnabled(bool(self.columns()) and not self.running)

    @Slot()
    def _on_all_button_clicked(self) -> None:
        self.set_columns(EXPORT_COLUMNS)

    @Slot()
    def _on_defaults_button_clicked(self) -> None:
        self.set_columns(DEFAULT_COLUMNS)

    def _ask_save_path_dialog(self, suggested: str) -> str | None:
        filters = (
            self.tr("Excel workbook (*.xlsx)")
            if self.format() == "xlsx"
            else self.tr("CSV files (*.csv)")
        )
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export customers"), suggested, filters
        )
        return path or None

    def _confirm_replace_box(self, path: str) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Export customers"),
            self.tr("{name} already exists. Replace it?").format(name=Path(path).name),
        )
        return answer == QMessageBox.StandardButton.Yes

    def _show_status(self, text: str, *, error: bool = True) -> None:
        self.status_label.setText(text)
        self.status_label.setProperty("error", error)
        self.status_label.setStyleSheet("color: #b3261e;" if error and text else "")
        self.status_label.setVisible(bool(text))

    # ----------------------------------------------------------------- running

    @Slot()
    def _on_export_button_clicked(self) -> None:
        self.start()

    def start(self) -> Op | None:
        """Check the choices and start the export; None when something is missing (said
        beside the buttons) or the user kept an existing file."""
        if self.running:
            return self.op
        columns = self.columns()
        path = self.path()
        if not columns:
            self._show_status(self.tr("Choose at least one column."))
            return None
        if not path:
            self._show_status(self.tr("Choose a file name."))
            return None
        if not Path(path).parent.is_dir():
            self._show_status(
                self.tr("The folder {folder} does not exist.").format(folder=str(Path(path).parent))
            )
            return None
        if Path(path).exists() and path != self._confirmed and not self.confirm_replace(path):
            return None
        self.file_edit.setText(path)
        self._remember(columns, path)
        self._show_status("")
        self._set_running(True)
        op = self.runner.op(
            self,
            write_export,
            actor=self.actor,
            path=Path(path),
            ids=self.export_ids(),
            columns=tuple(columns),
            contacts=self.contacts_check.isChecked(),
            language=self.language,
        )
        op.read_only().with_progress(self.tr("Exporting customers…"), cancellable=True)
        op.on_success(self._on_written).on_failure(self._on_failed)
        self.op = op.run()
        return self.op

    def _remember(self, columns: list[str], path: str) -> None:
        self.settings.ui[COLUMNS_KEY] = columns
        self.settings.ui[OPTIONS_KEY] = {
            "format": self.format(),
            "contacts": self.contacts_check.isChecked(),
            "folder": str(Path(path).parent),
        }

    def _on_written(self, draft: ExportDraft) -> None:
        """The file is written (under a temporary name): audit and rename, a short write."""
        self._draft = draft
        op = self.runner.op(self, finish_export, actor=self.actor, draft=draft)
        op.on_success(self._on_finished).on_failure(self._on_failed)
        self.op = op.run()

    def _on_finished(self, result: ExportResult) -> None:
        self._draft = None
        self.export_result = result
        self._set_running(False)
        self.sig_exported.emit(result)
        self._show_result(result)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        if self._draft is not None:
            discard_export(self._draft)  # finish_export removes it too; a dropped op may not
            self._draft = None
        self._set_running(False)
        if isinstance(exc, OperationCancelled):
            self._show_status(self.tr("Export cancelled; no file was written."), error=False)
        elif isinstance(exc, UserError):
            self._show_status(str(exc))
        else:
            self.runner.show_error(self, exc)
        self.sig_failed.emit(exc)

    def _set_running(self, running: bool) -> None:
        for widget in (
            self.format_combo,
            self.file_edit,
            self.browse_button,
            self.selected_check,
            self.contacts_check,
            self.columns_list,
            self.all_button,
            self.defaults_button,
        ):
            widget.setEnabled(not running)
        self.export_button.setEnabled(not running and bool(self.columns()))

    def _show_result(self, result: ExportResult) -> None:
        locale = QLocale()
        box = QMessageBox(self.parentWidget())
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(self.tr("Export customers"))
        box.setText(
            self.tr("Exported {rows} rows ({customers} customers) to {name}.").format(
                rows=locale.toString(result.rows),
                customers=locale.toString(result.customers),
                name=result.path.name,
            )
        )
        box.setInformativeText(str(result.path.parent))
        self.open_folder_button = box.addButton(
            self.tr("Open folder"), QMessageBox.ButtonRole.ActionRole
        )
        box.addButton(QMessageBox.StandardButton.Ok)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        folder = QUrl.fromLocalFile(str(result.path.parent))
        open_url = self.open_url  # the box outlives this dialog
        self.open_folder_button.clicked.connect(lambda: open_url(folder))
        self.result_box = box
        box.open()

    # ----------------------------------------------------------------- closing

    def reject(self) -> None:
        """Cancel asks a running export to stop (its file is removed); otherwise closes."""
        if self.running and self.op is not None:
            self.op.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running and self.op is not None:
            self.op.cancel()
            event.ignore()
            return
        super().closeEvent(event)
