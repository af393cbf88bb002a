"""The import wizard: a CSV, Excel or vCard file becomes customers and contacts — file, decoded
preview, column mapping, unknown values, duplicates, the run (one transaction, cancellable) and
the result with its problems and an Undo. Also the list of past imports with Undo."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from crm_desktop.core.errors import ImportFileError, OperationCancelled, UserError
from crm_desktop.core.settings import Settings, load_settings, save_settings
from crm_desktop.importers.mapping import FIELDS, guess_mapping
from crm_desktop.importers.source import SourceRow, TableSource, open_source
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_import import (
    ImportOptions,
    ImportPlan,
    ImportResult,
    ValueChoice,
    analyse,
    list_batches,
    remember_mapping,
    remembered_mapping,
    run_import,
    undo_import,
    write_problems_csv,
)
from crm_desktop.services.customer_page import filter_choices
from crm_desktop.ui.import_problems import problem_text, translated
from crm_desktop.ui.style import MUTED_COLOR
from crm_desktop.ui.widgets import ErrorLabel, stat_tiles

if TYPE_CHECKING:
    from crm_desktop.core.progress import Progress
    from crm_desktop.ui.ops import Op, OpRunner

log = logging.getLogger(__name__)

__all__ = [
    "IMPORT_SUFFIXES",
    "ImportHistoryDialog",
    "ImportWizard",
    "is_importable",
    "open_import_wizard",
]

PREVIEW_ROWS = 20
SAMPLE_VALUES = 3
MAX_COLUMN_WIDTH = 260
IMPORT_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".vcf", ".vcard")
VALUE_KINDS = ("grade", "region", "owner")
POLICIES = ("skip", "update_empty", "update", "create")
DELIMITERS = (",", ";", "\t", "|")
# Offered in the encoding combo besides what the reader proposes, so a wrong guess can always
# be corrected to any of the encodings Chinese offices save in.
COMMON_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "big5", "utf-16")
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "gb18030": "GB18030",
    "gbk": "GBK",
    "gb2312": "GB2312",
    "big5": "Big5",
    "utf-16": "UTF-16",
}
WARNING_STYLE = (
    "QLabel#importWarning { background: #fff4e5; color: #5c3b00; border: 1px solid #f0c36d;"
    " border-radius: 4px; padding: 6px 8px; }"
)
PAGE_FILE, PAGE_PREVIEW, PAGE_MAPPING, PAGE_VALUES, PAGE_DUPLICATES, PAGE_RUN, PAGE_RESULT = range(
    7
)
NONE_TARGET = ""  # the mapping combo's data for "do not import this column"
LEAVE_EMPTY = "none"  # the value combos' data: leave empty (owner: the public pool)
CREATE = "create"


def _number(n: int) -> str:
    return QLocale().toString(n)


def encoding_name(encoding: str) -> str:
    """How an encoding is called in the UI ("GB18030", "UTF-8 (BOM)")."""
    return _ENCODING_NAMES.get(encoding.lower(), encoding.upper())


def field_label(field: str) -> str:
    """A mapping target as users call it."""
    labels = {
        "customer.name": QCoreApplication.translate("ImportWizard", "Customer name"),
        "customer.kind": QCoreApplication.translate("ImportWizard", "Customer type"),
        "customer.grade": QCoreApplication.translate("ImportWizard", "Grade"),
        "customer.region": QCoreApplication.translate("ImportWizard", "Region"),
        "customer.owner": QCoreApplication.translate("ImportWizard", "Owner"),
        "customer.status": QCoreApplication.translate("ImportWizard", "Status"),
        "customer.industry": QCoreApplication.translate("ImportWizard", "Industry"),
        "customer.source": QCoreApplication.translate("ImportWizard", "Source"),
        "customer.phone": QCoreApplication.translate("ImportWizard", "Customer phone"),
        "customer.email": QCoreApplication.translate("ImportWizard", "Customer email"),
        "customer.website": QCoreApplication.translate("ImportWizard", "Website"),
        "customer.address": QCoreApplication.translate("ImportWizard", "Address"),
        "customer.tags": QCoreApplication.translate("ImportWizard", "Tags"),
        "customer.notes": QCoreApplication.translate("ImportWizard", "Customer notes"),
        "contact.name": QCoreApplication.translate("ImportWizard", "Contact name"),
        "contact.title": QCoreApplication.translate("ImportWizard", "Contact title"),
        "contact.department": QCoreApplication.translate("ImportWizard", "Contact department"),
        "contact.mobile": QCoreApplication.translate("ImportWizard", "Contact mobile"),
        "contact.phone": QCoreApplication.translate("ImportWizard", "Contact phone"),
        "contact.email": QCoreApplication.translate("ImportWizard", "Contact email"),
        "contact.wechat": QCoreApplication.translate("ImportWizard", "Contact WeChat"),
        "contact.birthday": QCoreApplication.translate("ImportWizard", "Contact birthday"),
        "contact.notes": QCoreApplication.translate("ImportWizard", "Contact notes"),
    }
    return labels.get(field, field)


def kind_label(kind: str) -> str:
    return {
        "grade": QCoreApplication.translate("ImportWizard", "Grade"),
        "region": QCoreApplication.translate("ImportWizard", "Region"),
        "owner": QCoreApplication.translate("ImportWizard", "Owner"),
    }.get(kind, kind)


def cell_text(value: object) -> str:
    """A file value as the preview shows it (a phone typed as a number shows without ".0")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def column_name(source: TableSource, column: int) -> str:
    """A column of the file as the preview and the mapping name it: its header; a vCard's
    columns (it has no header row, its "headers" are field keys) by the field they hold; an
    empty header by its position."""
    header = source.headers[column]
    if source.format == "vcard" and header in FIELDS:
        return field_label(header)
    return header or QCoreApplication.translate("ImportWizard", "Column {n}").format(n=column + 1)


def is_importable(path: Path) -> bool:
    """Whether the wizard reads files like ``path`` (by suffix; drops on the customers page)."""
    return path.suffix.lower() in IMPORT_SUFFIXES


def _table(parent: QWidget, columns: int) -> QTableWidget:
    table = QTableWidget(0, columns, parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    return table


def _muted(label: QLabel) -> QLabel:
    label.setObjectName("muted")
    label.setStyleSheet(f"color: {MUTED_COLOR};")
    label.setWordWrap(True)
    return label


# --------------------------------------------------------------------------- worker functions


@dataclass(frozen=True)
class SourcePreview:
    """A file opened by the reader: the source, its first rows and its starting mapping."""

    source: TableSource
    rows: tuple[SourceRow, ...]
    count_hint: int | None
    mapping: dict[int, str]
    remembered: bool


@dataclass(frozen=True)
class ValueOptions:
    """What an unknown grade, region or owner may be mapped to: (id, label) pairs."""

    grades: tuple[tuple[int, str], ...]
    regions: tuple[tuple[int, str], ...]  # tree order, labels indented by depth
    owners: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Analysis:
    plan: ImportPlan
    options: ValueOptions


def read_source(
    _session: object,
    path: Path,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    remembered_ui: Mapping[str, Any] | None = None,
) -> SourcePreview:
    """Open ``path`` and read its first rows (a read operation; the session is not used).
    ``remembered_ui``: a copy of the settings' remembered mappings, taken on the GUI thread
    (the worker never reads or writes the settings file)."""
    source = _open_readable(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    rows = tuple(source.preview(PREVIEW_ROWS))
    remembered = remembered_mapping(source.headers, remembered_ui or {})
    mapping = dict(remembered) if remembered else dict(guess_mapping(source.headers))
    return SourcePreview(source, rows, source.count_hint(), mapping, bool(remembered))


def _open_readable(
    path: Path, *, encoding: str | None, delimiter: str | None, sheet: str | None
) -> TableSource:
    """``open_source``; for a workbook whose first sheet is empty or has no table (an empty
    "Sheet1" before the data is common), the first sheet that reads, so the preview opens and
    offers the sheet choice instead of a dead end on the first page."""
    try:
        return open_source(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    except ImportFileError as first_error:
        if sheet is not None or path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise
        try:
            from openpyxl import load_workbook

            workbook = load_workbook(path, read_only=True)
            try:
                names = list(workbook.sheetnames)
            finally:
                workbook.close()
        except Exception:  # the reader's own message says best what is wrong
            raise first_error from None
        for name in names[1:]:
            try:
                return open_source(path, sheet=name)
            except ImportFileError:
                continue
        raise


def value_options(session: Any, actor: Actor) -> ValueOptions:
    choices = filter_choices(session, actor)
    regions: list[tuple[int, str]] = []
    stack = list(reversed(choices.regions))
    while stack:
        node = stack.pop()
        regions.append((node.id, "    " * node.depth + node.name))
        stack.extend(reversed(node.children))
    return ValueOptions(
        grades=tuple((g.id, f"{g.code} · {g.name}") for g in choices.grades),
        regions=tuple(regions),
        owners=tuple((o.id, o.display_name) for o in choices.owners if o.active),
    )


def analyse_source(
    session: Any,
    source: TableSource,
    mapping: Mapping[int, str],
    actor: Actor,
    progress: Progress | None = None,
) -> Analysis:
    plan = analyse(session, source, mapping, actor, progress)
    return Analysis(plan, value_options(session, actor))


def import_source(
    session: Any,
    source: TableSource,
    options: ImportOptions,
    actor: Actor,
    progress: Progress | None = None,
) -> ImportResult:
    # The mapping is remembered by the wizard on the GUI thread, in the app's own settings.
    return run_import(session, source, options, actor, progress)


# --------------------------------------------------------------------------- pages


class ImportFilePage(QWizardPage):
    """Which file: chosen, typed, dropped here or on the customers page."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        self.path_label = QLabel(self)
        layout.addWidget(self.path_label)
        row = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.setClearButtonEnabled(True)
        self.path_label.setBuddy(self.path_edit)
        self.choose_button = QPushButton(self)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.choose_button)
        layout.addLayout(row)
        self.info_label = QLabel(self)
        self.info_label.setWordWrap(True)
        layout.addWidget(self.info_label)
        self.error = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.error)
        layout.addSpacing(8)
        self.help_label = _muted(QLabel(self))
        layout.addWidget(self.help_label)
        layout.addStretch(1)
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        self.path_edit.editingFinished.connect(self._on_path_edit_editing_finished)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Import customers"))
        self.setSubTitle(self.tr("Choose a CSV, Excel or vCard file, or drop it here."))
        self.path_label.setText(self.tr("&File:"))
        self.path_edit.setPlaceholderText(self.tr("e.g. 客户名单.csv"))
        self.choose_button.setText(self.tr("&Choose…"))
        self.help_label.setText(
            self.tr(
                "CSV files saved by Excel (GBK or UTF-8), Excel workbooks (.xlsx) and vCards "
                "(.vcf) from phones. You see the decoded rows and the column mapping before "
                "anything is imported, and an import can be undone."
            )
        )
        self.show_state()

    def initializePage(self) -> None:
        self.choose_button.setFocus()

    def show_state(self) -> None:
        preview = self.wiz.preview
        if preview is None:
            self.info_label.setText("")
            return
        source = preview.source
        kinds = {"csv": "CSV", "xlsx": self.tr("Excel workbook"), "vcard": "vCard"}
        parts = [kinds.get(source.format, source.format)]
        if source.encoding is not None:
            parts.append(encoding_name(source.encoding.encoding))
        if source.sheet:
            parts.append(self.tr("sheet “{sheet}”").format(sheet=source.sheet))
        parts.append(self.tr("{n} columns").format(n=_number(len(source.headers))))
        if preview.count_hint is not None:
            parts.append(self.tr("about {n} rows").format(n=_number(preview.count_hint)))
        self.info_label.setText(" · ".join(parts))

    def isComplete(self) -> bool:
        return self.wiz.readable

    @Slot()
    def _on_choose_button_clicked(self) -> None:
        path = self.wiz.choose_file()
        if path is not None:
            self.wiz.set_path(path)

    @Slot()
    def _on_path_edit_editing_finished(self) -> None:
        text = self.path_edit.text().strip()
        if text and (self.wiz.path is None or Path(text) != self.wiz.path):
            self.wiz.set_path(Path(text))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile() and is_importable(Path(urls[0].toLocalFile())):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.wiz.set_path(Path(urls[0].toLocalFile()))


class ImportPreviewPage(QWizardPage):
    """The first rows as decoded, with the encoding, delimiter or sheet to change."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        options = QHBoxLayout()
        self.encoding_label = QLabel(self)
        self.encoding_combo = QComboBox(self)
        self.encoding_label.setBuddy(self.encoding_combo)
        self.delimiter_label = QLabel(self)
        self.delimiter_combo = QComboBox(self)
        self.delimiter_label.setBuddy(self.delimiter_combo)
        self.sheet_label = QLabel(self)
        self.sheet_combo = QComboBox(self)
        self.sheet_label.setBuddy(self.sheet_combo)
        for widget in (
            self.encoding_label,
            self.encoding_combo,
            self.delimiter_label,
            self.delimiter_combo,
            self.sheet_label,
            self.sheet_combo,
        ):
            options.addWidget(widget)
        options.addStretch(1)
        layout.addLayout(options)
        self.warning_label = QLabel(self)
        self.warning_label.setObjectName("importWarning")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(WARNING_STYLE)
        layout.addWidget(self.warning_label)
        self.table = _table(self, 0)
        layout.addWidget(self.table, 1)
        self.note_label = _muted(QLabel(self))
        layout.addWidget(self.note_label)
        self.error = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.error)
        self.encoding_combo.activated.connect(self._on_option_activated)
        self.delimiter_combo.activated.connect(self._on_option_activated)
        self.sheet_combo.activated.connect(self._on_option_activated)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Preview"))
        self.setSubTitle(self.tr("The first rows as they will be read. Do the names look right?"))
        self.encoding_label.setText(self.tr("&Encoding:"))
        self.delimiter_label.setText(self.tr("&Delimiter:"))
        self.sheet_label.setText(self.tr("&Sheet:"))
        current = self.delimiter_combo.currentIndex()
        self.delimiter_combo.clear()
        names = (self.tr("Comma ,"), self.tr("Semicolon ;"), self.tr("Tab"), self.tr("Pipe |"))
        for delimiter, name in zip(DELIMITERS, names, strict=True):
            self.delimiter_combo.addItem(name, delimiter)
        self.delimiter_combo.setCurrentIndex(max(current, 0))
        self.show_preview()

    def initializePage(self) -> None:
        self.show_preview()
        self.table.setFocus()

    def show_preview(self) -> None:
        preview = self.wiz.preview
        source = preview.source if preview is not None else None
        is_csv = source is not None and source.format == "csv"
        is_xlsx = source is not None and source.format == "xlsx"
        for widget in (
            self.encoding_label,
            self.encoding_combo,
            self.delimiter_label,
            self.delimiter_combo,
        ):
            widget.setVisible(is_csv)
        for widget in (self.sheet_label, self.sheet_combo):
            widget.setVisible(is_xlsx)
        self.warning_label.setVisible(False)
        self.note_label.setText("")
        if source is None:
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            return
        if source.encoding is not None:
            guess = source.encoding
            self.encoding_combo.clear()
            seen: list[str] = []
            for name in (guess.encoding, *guess.candidates, *COMMON_ENCODINGS):
                if name.lower() not in seen:
                    seen.append(name.lower())
                    self.encoding_combo.addItem(encoding_name(name), name)
            self.encoding_combo.setCurrentIndex(0)
            if self.wiz.encoding_chosen:
                self.note_label.setText(
                    self.tr("Read as {encoding}, as you chose.").format(
                        encoding=encoding_name(guess.encoding)
                    )
                )
            elif not guess.confident:
                self.warning_label.setText(
                    self.tr(
                        "The encoding was guessed ({encoding}). Check the names below; if they "
                        "look wrong choose another encoding."
                    ).format(encoding=encoding_name(guess.encoding))
                )
                self.warning_label.setVisible(True)
            else:
                self.note_label.setText(
                    self.tr("Encoding: {encoding} ({reason}).").format(
                        encoding=encoding_name(guess.encoding), reason=guess.reason
                    )
                )
        if source.delimiter is not None:
            self.delimiter_combo.setCurrentIndex(
                max(0, self.delimiter_combo.findData(source.delimiter))
            )
        if source.sheets:
            self.sheet_combo.clear()
            for sheet in source.sheets:
                self.sheet_combo.addItem(sheet, sheet)
            self.sheet_combo.setCurrentIndex(max(0, self.sheet_combo.findData(source.sheet)))
        self._fill_table(source, preview.rows if preview is not None else ())

    def _fill_table(self, source: TableSource, rows: Sequence[SourceRow]) -> None:
        table = self.table
        table.clear()
        table.setColumnCount(len(source.headers))
        table.setRowCount(len(rows))
        table.setHorizontalHeaderLabels(
            [column_name(source, i) for i in range(len(source.headers))]
        )
        table.setVerticalHeaderLabels([str(r.row) for r in rows])
        for r, row in enumerate(rows):
            if row.problem:
                item = QTableWidgetItem(row.problem)
                item.setForeground(Qt.GlobalColor.darkRed)
                item.setToolTip(row.problem)
                table.setItem(r, 0, item)
                if table.columnCount() > 1:
                    table.setSpan(r, 0, 1, table.columnCount())
                continue
            for c, value in enumerate(row.values[: table.columnCount()]):
                text = cell_text(value)
                item = QTableWidgetItem(text)
                if len(text) > 40:
                    item.setToolTip(text)
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        header = table.horizontalHeader()
        for c in range(table.columnCount()):
            if header.sectionSize(c) > MAX_COLUMN_WIDTH:
                header.resizeSection(c, MAX_COLUMN_WIDTH)
        shown = len([r for r in rows if not r.problem])
        count = self.wiz.preview.count_hint if self.wiz.preview is not None else None
        if not self.note_label.text() and count is not None:
            self.note_label.setText(
                self.tr("All {count} rows.").format(count=_number(count))
                if shown >= count
                else self.tr("The first {shown} of about {count} rows.").format(
                    shown=_number(shown), count=_number(count)
                )
            )

    def show_failed(self) -> None:
        """The re-read failed: no rows, the options stay as chosen."""
        self.warning_label.setVisible(False)
        self.note_label.setText("")
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)

    @Slot(int)
    def _on_option_activated(self, _index: int) -> None:
        # An encoding is forced only once the user picked one; else it is detected again.
        chosen = self.sender() is self.encoding_combo or self.wiz.encoding_chosen
        csv = not self.encoding_combo.isHidden()
        self.wiz.reread(
            encoding=self.encoding_combo.currentData() if csv and chosen else None,
            delimiter=self.delimiter_combo.currentData() if csv else None,
            sheet=self.sheet_combo.currentData() if not self.sheet_combo.isHidden() else None,
        )

    def isComplete(self) -> bool:
        return self.wiz.readable


class ImportMappingPage(QWizardPage):
    """One row per column of the file: its header, sample values and where it goes."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.combos: list[QComboBox] = []
        self._filled_for: tuple[object, ...] | None = None
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self.note_label = _muted(QLabel(self))
        layout.addWidget(self.note_label)
        self.table = _table(self, 3)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setTabKeyNavigation(False)  # Tab goes from combo to combo
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 16)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        layout.addWidget(self.table, 1)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.error = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.error)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Columns"))
        self.setSubTitle(self.tr("Where each column of the file goes. Customer name is required."))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Column in the file"), self.tr("Sample values"), self.tr("Import as")]
        )
        mapping = self.mapping()
        for combo in self.combos:
            combo.blockSignals(True)
            data = combo.currentData()
            combo.clear()
            self._fill_combo(combo)
            combo.setCurrentIndex(max(0, combo.findData(data)))
            combo.blockSignals(False)
        if self.combos:
            self._set_mapping(mapping)
        self._update_status()

    def _fill_combo(self, combo: QComboBox) -> None:
        combo.addItem(self.tr("— do not import —"), NONE_TARGET)
        for field in FIELDS:
            combo.addItem(field_label(field), field)

    def initializePage(self) -> None:
        preview = self.wiz.preview
        if preview is None:
            return
        key = (preview.source.path, preview.source.sheet, preview.source.headers)
        if key != self._filled_for:
            self._filled_for = key
            self._build(preview)
        if self.combos:
            self.combos[0].setFocus()

    def _build(self, preview: SourcePreview) -> None:
        source = preview.source
        self.combos = []
        self.table.setRowCount(len(source.headers))
        for column in range(len(source.headers)):
            name = column_name(source, column)
            self.table.setItem(column, 0, QTableWidgetItem(name))
            samples: list[str] = []
            for row in preview.rows:
                if row.problem or column >= len(row.values):
                    continue
                text = cell_text(row.values[column]).strip()
                if text and text not in samples:
                    samples.append(text)
                if len(samples) == SAMPLE_VALUES:
                    break
            sample_item = QTableWidgetItem(" · ".join(samples))
            sample_item.setForeground(Qt.GlobalColor.darkGray)
            self.table.setItem(column, 1, sample_item)
            combo = QComboBox(self.table)
            combo.setAccessibleName(name)
            combo.setMaxVisibleItems(len(FIELDS) + 1)
            self._fill_combo(combo)
            combo.currentIndexChanged.connect(self._on_combo_current_index_changed)
            self.table.setCellWidget(column, 2, combo)
            self.combos.append(combo)
        self._set_mapping(preview.mapping)
        self.table.resizeColumnToContents(0)
        sections = self.table.horizontalHeader()
        sections.resizeSection(0, min(max(sections.sectionSize(0), 120), MAX_COLUMN_WIDTH))
        widest = max((c.sizeHint().width() for c in self.combos), default=160)
        sections.resizeSection(2, widest + 24)
        for previous, following in zip(self.combos, self.combos[1:], strict=False):
            QWidget.setTabOrder(previous, following)
        self.note_label.setText(
            self.tr("Remembered from your last import of files like this one.")
            if preview.remembered
            else self.tr("Guessed from the column names — please check.")
        )
        self._update_status()

    def _set_mapping(self, mapping: Mapping[int, str]) -> None:
        for column, combo in enumerate(self.combos):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(column, NONE_TARGET))))
            combo.blockSignals(False)

    def mapping(self) -> dict[int, str]:
        return {
            column: str(combo.currentData())
            for column, combo in enumerate(self.combos)
            if combo.currentData()
        }

    def set_target(self, column: int, field: str) -> None:
        """Map ``column`` to ``field`` as the user would with its combo box."""
        combo = self.combos[column]
        combo.setCurrentIndex(combo.findData(field))

    @Slot(int)
    def _on_combo_current_index_changed(self, _index: int) -> None:
        changed = self.sender()
        field = changed.currentData() if isinstance(changed, QComboBox) else None
        if field:
            # Each field once: the column that had it lets go.
            for combo in self.combos:
                if combo is not changed and combo.currentData() == field:
                    combo.blockSignals(True)
                    combo.setCurrentIndex(0)
                    combo.blockSignals(False)
        self.wiz.analysis = None  # a new mapping needs a new analysis
        self._update_status()
        self.completeChanged.emit()

    def _update_status(self) -> None:
        mapping = self.mapping()
        if not self.combos:
            self.status_label.setText("")
        elif "customer.name" not in mapping.values():
            self.status_label.setStyleSheet("color: #b3261e;")
            self.status_label.setText(
                self.tr("Choose the column that holds the customer name to continue.")
            )
        else:
            self.status_label.setStyleSheet(f"color: {MUTED_COLOR};")
            self.status_label.setText(
                self.tr("{used} of {total} columns will be imported.").format(
                    used=_number(len(mapping)), total=_number(len(self.combos))
                )
            )

    def isComplete(self) -> bool:
        return "customer.name" in self.mapping().values() and self.wiz.readable

    def validatePage(self) -> bool:
        """Next analyses the file first (an operation); the wizard moves on when it is done."""
        if self.wiz.plan is not None:
            return True
        self.wiz.start_analysis()
        return False

    def nextId(self) -> int:
        plan = self.wiz.plan
        if plan is not None and not any(plan.unknown.get(kind) for kind in VALUE_KINDS):
            return PAGE_DUPLICATES
        return PAGE_VALUES


class ImportValuesPage(QWizardPage):
    """Grades, regions and owners of the file the database does not know."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.rows: list[tuple[str, ValueChoice, QComboBox]] = []
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self.table = _table(self, 4)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 16)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        layout.addWidget(self.table, 1)
        self.note_label = _muted(QLabel(self))
        layout.addWidget(self.note_label)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Unknown values"))
        self.setSubTitle(
            self.tr("These grades, regions and owners are not in the system yet. What are they?")
        )
        self.table.setHorizontalHeaderLabels(
            [self.tr("Kind"), self.tr("Value in the file"), self.tr("Rows"), self.tr("Use")]
        )
        self.note_label.setText(
            self.tr(
                "“Leave empty” imports the customers without it; an owner left empty puts the "
                "customer in the public pool."
            )
        )

    def initializePage(self) -> None:
        analysis = self.wiz.analysis
        if analysis is None:
            return
        self.rows = []
        plan = analysis.plan
        entries = [(kind, c) for kind in VALUE_KINDS for c in plan.unknown.get(kind, ())]
        self.table.setRowCount(len(entries))
        for r, (kind, choice) in enumerate(entries):
            self.table.setItem(r, 0, QTableWidgetItem(kind_label(kind)))
            self.table.setItem(r, 1, QTableWidgetItem(choice.text))
            count = QTableWidgetItem(_number(choice.count))
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, 2, count)
            combo = self._combo(kind, choice, analysis.options)
            combo.setAccessibleName(f"{kind_label(kind)} {choice.text}")
            self.table.setCellWidget(r, 3, combo)
            self.rows.append((kind, choice, combo))
        widest = max((c.sizeHint().width() for _k, _c, c in self.rows), default=200)
        self.table.horizontalHeader().resizeSection(3, min(widest + 24, 360))
        for (_k1, _c1, previous), (_k2, _c2, following) in zip(
            self.rows, self.rows[1:], strict=False
        ):
            QWidget.setTabOrder(previous, following)
        if self.rows:
            self.rows[0][2].setFocus()

    def _combo(self, kind: str, choice: ValueChoice, options: ValueOptions) -> QComboBox:
        combo = QComboBox(self.table)
        if kind == "owner":
            combo.addItem(self.tr("Leave empty (public pool)"), LEAVE_EMPTY)
            existing = options.owners
        else:
            combo.addItem(self.tr("Leave empty"), LEAVE_EMPTY)
            if self.wiz.actor.is_admin:
                text = (
                    self.tr("Create grade “{name}”")
                    if kind == "grade"
                    else self.tr("Create region “{name}”")
                )
                combo.addItem(text.format(name=choice.text), CREATE)
            existing = options.grades if kind == "grade" else options.regions
        for target_id, label in existing:
            combo.addItem(label, f"id:{target_id}")
        if choice.target_id is not None:
            combo.setCurrentIndex(max(0, combo.findData(f"id:{choice.target_id}")))
        elif choice.create:
            combo.setCurrentIndex(max(0, combo.findData(CREATE)))
        return combo

    def choose(self, kind: str, text: str, data: str) -> None:
        """Set how ``text`` of ``kind`` is resolved (``"none"``, ``"create"``, ``"id:N"``)."""
        for row_kind, choice, combo in self.rows:
            if row_kind == kind and choice.text == text:
                combo.setCurrentIndex(combo.findData(data))
                return
        raise KeyError((kind, text))

    def values(self) -> dict[str, dict[str, ValueChoice]]:
        chosen: dict[str, dict[str, ValueChoice]] = {}
        for kind, choice, combo in self.rows:
            data = str(combo.currentData())
            target = int(data[3:]) if data.startswith("id:") else None
            chosen.setdefault(kind, {})[choice.text] = ValueChoice(
                text=choice.text, count=choice.count, target_id=target, create=data == CREATE
            )
        return chosen


class ImportDuplicatesPage(QWizardPage):
    """How many rows match each other or existing customers, and what to do with them."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        tiles, (self.rows_tile, self.in_file_tile, self.in_db_tile, self.problems_tile) = (
            stat_tiles(self, 4)
        )
        layout.addLayout(tiles)
        self.policy_label = QLabel(self)
        layout.addWidget(self.policy_label)
        self.policy_group = QButtonGroup(self)
        self.policy_buttons: dict[str, QRadioButton] = {}
        self.policy_notes: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(6)
        for row, policy in enumerate(POLICIES):
            button = QRadioButton(self)
            note = _muted(QLabel(self))
            self.policy_group.addButton(button, row)
            self.policy_buttons[policy] = button
            self.policy_notes[policy] = note
            grid.addWidget(button, row, 0)
            grid.addWidget(note, row, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.policy_buttons["skip"].setChecked(True)
        owner_row = QHBoxLayout()
        self.owner_label = QLabel(self)
        self.me_radio = QRadioButton(self)
        self.pool_radio = QRadioButton(self)
        self.owner_group = QButtonGroup(self)
        self.owner_group.addButton(self.me_radio)
        self.owner_group.addButton(self.pool_radio)
        self.me_radio.setChecked(True)
        owner_row.addWidget(self.owner_label)
        owner_row.addWidget(self.me_radio)
        owner_row.addWidget(self.pool_radio)
        owner_row.addStretch(1)
        layout.addSpacing(6)
        layout.addLayout(owner_row)
        self.problems_label = _muted(QLabel(self))
        layout.addWidget(self.problems_label)
        layout.addStretch(1)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Duplicates"))
        self.setSubTitle(
            self.tr("Same name, phone or email — in the file itself or already in the system.")
        )
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("&Import"))
        self.rows_tile.set_caption(self.tr("rows in the file"))
        self.in_file_tile.set_caption(self.tr("repeated within the file"))
        self.in_db_tile.set_caption(self.tr("already in the system"))
        self.problems_tile.set_caption(self.tr("rows with problems"))
        self.policy_label.setText(self.tr("When a customer is already in the system:"))
        texts = {
            "skip": (
                self.tr("&Skip it"),
                self.tr("The existing customer stays as it is; the row is counted as skipped."),
            ),
            "update_empty": (
                self.tr("&Fill empty fields"),
                self.tr("Only fields that are empty in the system are taken from the file."),
            ),
            "update": (
                self.tr("&Update all fields"),
                self.tr("Values in the file replace those in the system (empty cells do not)."),
            ),
            "create": (
                self.tr("&Create anyway"),
                self.tr("A second customer of the same name is created."),
            ),
        }
        for policy, (title, note) in texts.items():
            self.policy_buttons[policy].setText(title)
            self.policy_notes[policy].setText(note)
        self.owner_label.setText(self.tr("Rows without an owner go to:"))
        self.me_radio.setText(self.tr("&me"))
        self.pool_radio.setText(self.tr("the public &pool"))
        self.show_plan()

    def initializePage(self) -> None:
        self.show_plan()
        checked = self.policy_group.checkedButton()
        if checked is not None:
            checked.setFocus()

    def show_plan(self) -> None:
        analysis = self.wiz.analysis
        if analysis is None:
            return
        plan = analysis.plan
        self.rows_tile.set_value(_number(plan.source_rows))
        self.in_file_tile.set_value(_number(plan.duplicates_in_file))
        self.in_db_tile.set_value(_number(plan.duplicates_in_db))
        self.problems_tile.set_value(_number(len(plan.problems)))
        self.problems_label.setText(
            self.tr("Rows that cannot be imported are listed on the last page.")
            if plan.problems
            else ""
        )

    def policy(self) -> str:
        for policy, button in self.policy_buttons.items():
            if button.isChecked():
                return policy
        return "skip"

    def set_policy(self, policy: str) -> None:
        self.policy_buttons[policy].setChecked(True)


class ImportRunPage(QWizardPage):
    """The import itself: a progress bar and Cancel (a cancel imports nothing)."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setCommitPage(True)  # after the import there is no way back, only Undo
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addStretch(1)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        layout.addWidget(self.bar)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton(self)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.error = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.error)
        layout.addStretch(2)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Importing"))
        self.setSubTitle(self.tr("Everything is imported in one step: all rows, or none."))
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Next >"))
        self.cancel_button.setText(self.tr("Cancel import"))

    def initializePage(self) -> None:
        self.wiz.start_import()

    def show_started(self) -> None:
        self.error.set_error(None)
        self.bar.setRange(0, 0)
        self.bar.setVisible(True)
        self.cancel_button.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setFocus()
        self.status_label.setText(self.tr("Importing…"))

    @Slot(int, object, object)
    def show_progress(self, done: int, total: object, _label: object) -> None:
        if isinstance(total, int) and total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.status_label.setText(
                self.tr("Importing… {done} of {total} rows").format(
                    done=_number(done), total=_number(total)
                )
            )
        else:
            self.status_label.setText(self.tr("Importing… {done} rows").format(done=_number(done)))

    def show_stopped(self, message: str) -> None:
        self.bar.setVisible(False)
        self.cancel_button.setVisible(False)
        self.status_label.setText(message)

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        self.wiz.cancel_import()

    def isComplete(self) -> bool:
        return self.wiz.import_result is not None


class ImportResultPage(QWizardPage):
    """What happened: counts, the rows that could not be imported, Save as CSV, Undo."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        tiles, (self.created_tile, self.updated_tile, self.skipped_tile, self.problems_tile) = (
            stat_tiles(self, 4)
        )
        layout.addLayout(tiles)
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        self.problems_table = _table(self, 2)
        self.problems_table.verticalHeader().setVisible(False)
        header = self.problems_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.problems_table, 1)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(self)
        self.undo_button = QPushButton(self)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.undo_button)
        layout.addLayout(buttons)
        self.undo_label = QLabel(self)
        self.undo_label.setWordWrap(True)
        self.undo_label.setVisible(False)
        layout.addWidget(self.undo_label)
        self.error = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.error)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)

    def retranslate_ui(self) -> None:
        self.setTitle(self.tr("Done"))
        self.setSubTitle(
            self.tr("The import was undone.")
            if self.wiz.undone
            else self.tr("The import is complete.")
        )
        self.created_tile.set_caption(self.tr("rows created"))
        self.updated_tile.set_caption(self.tr("rows updated"))
        self.skipped_tile.set_caption(self.tr("rows skipped"))
        self.problems_tile.set_caption(self.tr("problems"))
        self.problems_table.setHorizontalHeaderLabels([self.tr("Row"), self.tr("Problem")])
        self.save_button.setText(self.tr("&Save problems as CSV…"))
        self.undo_button.setText(self.tr("&Undo this import…"))
        if self.wiz.import_result is not None:
            self.show_result(self.wiz.import_result)

    def initializePage(self) -> None:
        if self.wiz.import_result is not None:
            self.show_result(self.wiz.import_result)

    def show_result(self, result: ImportResult) -> None:
        self.created_tile.set_value(_number(result.created))
        self.updated_tile.set_value(_number(result.updated))
        self.skipped_tile.set_value(_number(result.skipped))
        self.problems_tile.set_value(_number(len(result.problems)))
        seconds = QLocale().toString(result.elapsed_ms / 1000, "f", 1)  # type: ignore[call-overload]
        text = (
            self.tr("{rows} rows read from {file} in {seconds} s. These rows were not imported:")
            if result.problems
            else self.tr("{rows} rows read from {file} in {seconds} s, all of them imported.")
        )
        self.summary_label.setText(
            text.format(rows=_number(result.rows), file=self.wiz.file_name(), seconds=seconds)
        )
        table = self.problems_table
        table.setRowCount(len(result.problems))
        for r, problem in enumerate(result.problems):
            row = QTableWidgetItem(_number(problem.row))
            row.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, 0, row)
            text = problem_text(problem)
            reason = QTableWidgetItem(text)
            reason.setToolTip(text)
            table.setItem(r, 1, reason)
        table.setVisible(bool(result.problems))
        self.save_button.setEnabled(bool(result.problems))
        can_undo = result.batch_id is not None and not self.wiz.undone
        self.undo_button.setEnabled(can_undo and not self.wiz.busy)

    def show_undone(self, text: str) -> None:
        self.setSubTitle(self.tr("The import was undone."))
        self.undo_label.setText(text)
        self.undo_label.setVisible(True)
        self.undo_button.setEnabled(False)

    @Slot()
    def _on_save_button_clicked(self) -> None:
        self.wiz.save_problems()

    @Slot()
    def _on_undo_button_clicked(self) -> None:
        self.wiz.undo()


# --------------------------------------------------------------------------- the wizard


def app_settings(widget: QWidget | None) -> Settings | None:
    """The Settings the main window holds (and saves on close), found up ``widget``'s parents
    (the main window and the customers page carry it as ``settings``)."""
    while widget is not None:
        found = getattr(widget, "settings", None)
        if isinstance(found, Settings):
            return found
        widget = widget.parentWidget()
    return None


class ImportWizard(QWizard):
    """Import customers from a file. ``choose_file``, ``choose_save_path`` and ``confirm`` are
    attributes tests replace (they open dialogs).

    ``settings``: the app's Settings (default: the parent's, else the settings file read now);
    the mapping of an imported layout is remembered in it and saved, on the GUI thread."""

    sig_source_loaded = Signal()
    """The file (or a re-read with another encoding, delimiter or sheet) was read; the preview
    shows it."""

    sig_source_failed = Signal(str)
    """The file could not be read; carries the message shown."""

    sig_analysed = Signal(object)
    """The file was analysed with the current mapping; carries the ImportPlan."""

    sig_imported = Signal(object)
    """The import committed; carries the ImportResult (the customer list should reload)."""

    sig_import_stopped = Signal(object)
    """The import was cancelled or failed and nothing was imported; carries the exception."""

    sig_undone = Signal(object)
    """The import was undone; carries the UndoResult (the customer list should reload)."""

    def __init__(
        self,
        actor: Actor,
        runner: OpRunner,
        *,
        path: Path | None = None,
        parent: QWidget | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        found = settings if settings is not None else app_settings(parent)
        self.settings: Settings = found if found is not None else load_settings()
        self.save_settings: Callable[[Settings], None] = save_settings
        self._import_mapping: dict[int, str] = {}
        self.path: Path | None = None
        self.preview: SourcePreview | None = None
        self.encoding_chosen = False
        self.read_error: str | None = None
        self.analysis: Analysis | None = None
        self.import_result: ImportResult | None = None
        self.undone = False
        self.op: Op | None = None
        self.import_op: Op | None = None
        self._read_serial = 0
        self.choose_file: Callable[[], Path | None] = self._ask_file
        self.choose_save_path: Callable[[], Path | None] = self._ask_save_path
        self.confirm: Callable[[str, str], bool] = self._ask_confirmation
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoDefaultButton, False)
        self.setMinimumSize(860, 620)
        self.file_page = ImportFilePage(self)
        self.preview_page = ImportPreviewPage(self)
        self.mapping_page = ImportMappingPage(self)
        self.values_page = ImportValuesPage(self)
        self.duplicates_page = ImportDuplicatesPage(self)
        self.run_page = ImportRunPage(self)
        self.result_page = ImportResultPage(self)
        for page_id, page in enumerate(self.pages()):
            self.setPage(page_id, page)
        # After QWizard's own handler: keep Back off while the import runs.
        self.run_page.completeChanged.connect(self._update_buttons)
        self.currentIdChanged.connect(self._on_current_id_changed)
        self.retranslate_ui()
        if path is not None:
            self.set_path(path)

    def pages(self) -> tuple[QWizardPage, ...]:
        return (
            self.file_page,
            self.preview_page,
            self.mapping_page,
            self.values_page,
            self.duplicates_page,
            self.run_page,
            self.result_page,
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Import customers"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< &Back"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("&Next >"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Close"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Cancel"))
        for page in self.pages():
            page.retranslate_ui()  # type: ignore[attr-defined]

    # ----------------------------------------------------------------- state

    @property
    def busy(self) -> bool:
        return self.op is not None and self.op.running

    @property
    def importing(self) -> bool:
        return self.import_op is not None and self.import_op.running

    @property
    def plan(self) -> ImportPlan | None:
        return self.analysis.plan if self.analysis is not None else None

    def file_name(self) -> str:
        return self.path.name if self.path is not None else ""

    @property
    def readable(self) -> bool:
        """The file was read with the current options and nothing is running."""
        return self.preview is not None and self.read_error is None and not self.busy

    def _pages_changed(self) -> None:
        for page in (self.file_page, self.preview_page, self.mapping_page):
            page.completeChanged.emit()

    # ----------------------------------------------------------------- reading

    def set_path(self, path: Path) -> None:
        """Read ``path`` (chosen, typed or dropped): its format, encoding and first rows."""
        self.path = path
        self.encoding_chosen = False
        self.file_page.path_edit.setText(str(path))
        self._read(path)

    def reread(
        self,
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet: str | None = None,
    ) -> None:
        """Read the file again with another encoding (None: detect it), delimiter or sheet."""
        if self.path is None:
            return
        self.encoding_chosen = encoding is not None
        self._read(self.path, encoding=encoding, delimiter=delimiter, sheet=sheet)

    def _read(
        self,
        path: Path,
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self._read_serial += 1
        serial = self._read_serial
        self.analysis = None
        self.file_page.error.set_error(None)
        self.preview_page.error.set_error(None)

        def loaded(preview: SourcePreview) -> None:
            if serial != self._read_serial:
                return
            self.preview = preview
            self.read_error = None
            self.file_page.show_state()
            self.preview_page.show_preview()
            self._pages_changed()
            self.sig_source_loaded.emit()

        def failed(exc: BaseException) -> None:
            if serial != self._read_serial:
                return
            if isinstance(exc, OperationCancelled):
                self._pages_changed()
                return
            if not isinstance(exc, UserError):
                self.runner.show_error(self, exc)
                message = self.tr("The file could not be read.")
            else:
                message = str(exc)
            self.read_error = message
            if self.currentId() == PAGE_PREVIEW:
                # Keep the options shown so another encoding can be tried.
                self.preview_page.error.set_error(message)
                self.preview_page.show_failed()
            else:
                self.preview = None
                self.file_page.error.set_error(message)
                self.file_page.show_state()
            self._pages_changed()
            self.sig_source_failed.emit(message)

        self.op = (
            self.runner.op(
                self,
                read_source,
                path=path,
                encoding=encoding,
                delimiter=delimiter,
                sheet=sheet,
                remembered_ui=copy.deepcopy(self.settings.ui),
            )
            .read_only()
            .with_progress(self.tr("Reading {file}…").format(file=path.name))
            .on_success(loaded)
            .on_failure(failed)
            .run()
        )
        self._pages_changed()

    # ----------------------------------------------------------------- analysis

    def start_analysis(self) -> None:
        """Analyse the whole file with the current mapping (duplicates, unknown values), then
        go on to the next page."""
        if self.preview is None or self.busy:
            return
        self.mapping_page.error.set_error(None)
        mapping = self.mapping_page.mapping()

        def analysed(analysis: Analysis) -> None:
            self.analysis = analysis
            self._pages_changed()
            self.sig_analysed.emit(analysis.plan)
            if self.currentId() == PAGE_MAPPING:
                self.next()

        def failed(exc: BaseException) -> None:
            self._pages_changed()
            if isinstance(exc, UserError):
                self.mapping_page.error.set_error(str(exc))
            elif not isinstance(exc, OperationCancelled):
                self.runner.show_error(self, exc)

        self.op = (
            self.runner.op(
                self,
                analyse_source,
                source=self.preview.source,
                mapping=mapping,
                actor=self.actor,
            )
            .read_only()
            .with_progress(self.tr("Checking {file}…").format(file=self.file_name()))
            .on_success(analysed)
            .on_failure(failed)
            .run()
        )
        self._pages_changed()

    def import_options(self) -> ImportOptions:
        has_unknown = self.plan is not None and any(
            self.plan.unknown.get(kind) for kind in VALUE_KINDS
        )
        return ImportOptions(
            mapping=self.mapping_page.mapping(),
            on_duplicate=self.duplicates_page.policy(),  # type: ignore[arg-type]
            values=self.values_page.values() if has_unknown else {},
            default_owner="pool" if self.duplicates_page.pool_radio.isChecked() else "me",
        )

    # ----------------------------------------------------------------- the import

    def start_import(self) -> None:
        if self.preview is None or self.importing or self.import_result is not None:
            return
        self.run_page.show_started()
        options = self.import_options()
        self._import_mapping = dict(options.mapping)
        self.import_op = (
            self.runner.op(
                self,
                import_source,
                source=self.preview.source,
                options=options,
                actor=self.actor,
            )
            .on_success(self._on_import_succeeded)
            .on_failure(self._on_import_failed)
        )
        self.import_op.sig_progress.connect(self.run_page.show_progress)
        self.import_op.run()
        self.run_page.completeChanged.emit()

    def cancel_import(self) -> None:
        if self.import_op is not None and self.import_op.running:
            self.import_op.cancel()
            self.run_page.cancel_button.setEnabled(False)
            self.run_page.status_label.setText(self.tr("Cancelling…"))

    def _on_import_succeeded(self, result: ImportResult) -> None:
        self.import_result = result
        if self.preview is not None and not result.dry_run:
            self.remember_mapping(self.preview.source.headers, self._import_mapping)
        self.run_page.show_stopped(self.tr("Done."))
        self.run_page.completeChanged.emit()
        self.button(QWizard.WizardButton.CancelButton).setVisible(False)
        self.sig_imported.emit(result)
        if self.currentId() == PAGE_RUN:
            self.next()

    def _on_import_failed(self, exc: BaseException) -> None:
        if isinstance(exc, OperationCancelled):
            message = self.tr("Cancelled. Nothing was imported.")
        elif isinstance(exc, UserError):
            message = self.tr("Nothing was imported: {reason}").format(reason=str(exc))
        else:
            message = self.tr("Nothing was imported.")
            self.runner.show_error(self, exc)
        self.run_page.show_stopped(message)
        self.run_page.completeChanged.emit()
        self.sig_import_stopped.emit(exc)

    def remember_mapping(self, headers: Sequence[str], mapping: Mapping[int, str]) -> None:
        """The next file with these headers starts with this mapping: kept in the app's
        Settings (the main window saves the same object on close, so nothing overwrites it)
        and saved now (a crash later keeps it too). A failed save costs only a guess."""
        remember_mapping(headers, mapping, self.settings.ui)
        try:
            self.save_settings(self.settings)
        except OSError:
            log.warning("could not save the settings", exc_info=True)

    @Slot()
    def _update_buttons(self) -> None:
        if self.currentId() == PAGE_RUN:
            back = self.button(QWizard.WizardButton.BackButton)
            back.setEnabled(not self.importing and self.import_result is None)

    @Slot(int)
    def _on_current_id_changed(self, page_id: int) -> None:
        if page_id == PAGE_RESULT:
            self.button(QWizard.WizardButton.CancelButton).setVisible(False)
        self._update_buttons()

    def reject(self) -> None:
        """Esc or Cancel: during the import it cancels the import (nothing is kept); before, it
        closes the wizard (a read or analysis in progress is dropped)."""
        if self.importing:
            self.cancel_import()
            return
        if self.busy and self.op is not None:
            self.op.cancel()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.importing:
            self.cancel_import()
            event.ignore()
            return
        super().closeEvent(event)

    # ----------------------------------------------------------------- after the import

    def save_problems(self) -> None:
        if self.import_result is None or not self.import_result.problems:
            return
        path = self.choose_save_path()
        if path is None:
            return
        try:
            write_problems_csv(translated(self.import_result.problems), path)
        except OSError as exc:
            self.result_page.error.set_error(
                self.tr("Could not save {file}: {reason}").format(
                    file=path.name, reason=exc.strerror or str(exc)
                )
            )
            return
        self.result_page.error.set_error(None)
        self.result_page.undo_label.setText(
            self.tr("The problems were saved to {file}.").format(file=path.name)
        )
        self.result_page.undo_label.setVisible(True)

    def undo(self) -> None:
        result = self.import_result
        if result is None or result.batch_id is None or self.undone or self.busy:
            return
        question = self.tr(
            "Undo the import of {file}? The customers and contacts of its {created} new rows "
            "are removed (those changed since go to the recycle bin) and the customers of its "
            "{updated} updating rows get their previous values back."
        ).format(
            file=self.file_name(),
            created=_number(result.created),
            updated=_number(result.updated),
        )
        if not self.confirm(self.tr("Undo import"), question):
            return
        self.result_page.undo_button.setEnabled(False)

        def undone(outcome: Any) -> None:
            self.undone = True
            self.result_page.show_undone(undo_text(outcome))
            self.sig_undone.emit(outcome)

        def failed(exc: BaseException) -> None:
            self.result_page.undo_button.setEnabled(True)
            if isinstance(exc, UserError):
                self.result_page.error.set_error(str(exc))
            elif not isinstance(exc, OperationCancelled):
                self.runner.show_error(self, exc)

        self.op = (
            self.runner.op(self, undo_import, batch_id=result.batch_id, actor=self.actor)
            .with_progress(self.tr("Undoing the import…"))
            .on_success(undone)
            .on_failure(failed)
            .run()
        )

    # ----------------------------------------------------------------- dialogs

    def _ask_file(self) -> Path | None:
        filter_text = self.tr("Customer files (*.csv *.txt *.tsv *.xlsx *.xlsm *.vcf *.vcard)")
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Import customers"), str(self.path or ""), filter_text
        )
        return Path(name) if name else None

    def _ask_save_path(self) -> Path | None:
        suggested = (self.path.with_name(f"{self.path.stem}-problems.csv")) if self.path else None
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save problems"), str(suggested or ""), self.tr("CSV files (*.csv)")
        )
        return Path(name) if name else None

    def _ask_confirmation(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes


def undo_text(outcome: Any) -> str:
    """What an undo did, in words (``outcome``: the service's UndoResult)."""
    removed = int(getattr(outcome, "removed", 0))
    restored = int(getattr(outcome, "restored", 0))
    kept: Sequence[str] = tuple(getattr(outcome, "kept", ()))
    text = QCoreApplication.translate(
        "ImportWizard", "Import undone: {removed} removed, {restored} restored."
    ).format(removed=_number(removed), restored=_number(restored))
    if kept:
        text += " " + QCoreApplication.translate(
            "ImportWizard", "{n} kept because they changed since the import:"
        ).format(n=_number(len(kept)))
        text += " " + "; ".join(kept[:5]) + (" …" if len(kept) > 5 else "")
    return text


def open_import_wizard(
    parent: QWidget | None,
    runner: OpRunner,
    actor: Actor,
    *,
    path: Path | None = None,
    on_changed: Callable[[], None] | None = None,
) -> ImportWizard:
    """Open the import wizard (window-modal to ``parent``), with ``path`` already read when
    given (a dropped file). ``on_changed`` runs after an import or an undo committed. The
    mapping is remembered in the Settings ``parent`` (or one of its parents) holds."""
    wizard = ImportWizard(actor, runner, path=path, parent=parent)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    if on_changed is not None:
        wizard.sig_imported.connect(lambda _result: on_changed())
        wizard.sig_undone.connect(lambda _outcome: on_changed())
    wizard.open()
    return wizard


# --------------------------------------------------------------------------- import history


class ImportHistoryDialog(QDialog):
    """The imports the user may see, newest first, with Undo."""

    sig_loaded = Signal()
    """The list arrived."""

    sig_undone = Signal(object)
    """An import was undone; carries the UndoResult."""

    def __init__(self, actor: Actor, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.batches: list[Any] = []
        self.confirm: Callable[[str, str], bool] = self._ask_confirmation
        self.resize(780, 440)
        layout = QVBoxLayout(self)
        self.table = _table(self, 6)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.status_label = _muted(QLabel(self))
        layout.addWidget(self.status_label)
        self.error = ErrorLabel(self, object_name="formError")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.undo_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.retranslate_ui()
        self.load()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Import history"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("When"),
                self.tr("File"),
                self.tr("By"),
                self.tr("Created"),
                self.tr("Updated"),
                self.tr("Status"),
            ]
        )
        self.undo_button.setText(self.tr("&Undo import…"))
        self._fill()

    def load(self) -> None:
        def loaded(batches: list[Any]) -> None:
            self.batches = list(batches)
            self._fill()
            self.sig_loaded.emit()

        self.runner.op(self, list_batches, actor=self.actor).read_only().on_success(loaded).run()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.batches))
        for r, batch in enumerate(self.batches):
            at = getattr(batch, "at", None)
            if isinstance(at, datetime):
                local = at.astimezone() if at.tzinfo is not None else at  # stored in UTC
                when = local.strftime("%Y-%m-%d %H:%M")
            else:
                when = str(at or "")
            status = str(getattr(batch, "status", ""))
            counts = getattr(batch, "counts", None) or {}
            file = str(getattr(batch, "file", None) or "")
            values = (
                when,
                Path(file).name if file else "",
                str(getattr(batch, "user", None) or ""),
                _number(int(counts.get("created", 0) or 0)),
                _number(int(counts.get("updated", 0) or 0)),
                {"done": self.tr("imported"), "undone": self.tr("undone")}.get(status, status),
            )
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                if c == 1:
                    item.setToolTip(file)  # the batch keeps the whole path
                self.table.setItem(r, c, item)
        self.status_label.setText(
            "" if self.batches else self.tr("No imports yet (or none you may see).")
        )
        self._update_buttons()

    def selected_batch(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows()
        return self.batches[rows[0].row()] if rows else None

    @Slot()
    def _update_buttons(self) -> None:
        batch = self.selected_batch()
        self.undo_button.setEnabled(
            batch is not None and str(getattr(batch, "status", "")) != "undone"
        )

    @Slot()
    def _on_undo_button_clicked(self) -> None:
        batch = self.selected_batch()
        if batch is None:
            return
        question = self.tr(
            "Undo the import of {file}? What it created is removed and what it updated gets its "
            "previous values back."
        ).format(file=Path(str(getattr(batch, "file", None) or "")).name)
        if not self.confirm(self.tr("Undo import"), question):
            return
        self.undo_button.setEnabled(False)

        def undone(outcome: Any) -> None:
            self.status_label.setText(undo_text(outcome))
            self.sig_undone.emit(outcome)
            self.load()

        def failed(exc: BaseException) -> None:
            self._update_buttons()
            if isinstance(exc, UserError):
                self.error.set_error(str(exc))
            elif not isinstance(exc, OperationCancelled):
                self.runner.show_error(self, exc)

        self.runner.op(self, undo_import, batch_id=int(batch.id), actor=self.actor).with_progress(
            self.tr("Undoing the import…")
        ).on_success(undone).on_failure(failed).run()

    def _ask_confirmation(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes
