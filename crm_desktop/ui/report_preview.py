"""A PDF report shown in the app (QtPdf), printed (QPrinter, page setup) or saved as a file.

The preview holds the bytes it shows; printing renders each page at the printer's resolution
and paints it, so what prints is what was previewed. Every print and save is reported through
``sig_printed`` / ``sig_saved`` so the caller writes the audit row (DESIGN §8)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QPageLayout, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPageSetupDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.ui.style import MUTED_COLOR

__all__ = ["ReportPreview"]

ZOOM_STEP = 1.25


class ReportPreview(QWidget):
    """Toolbar (zoom, page, Page setup…, Print…, Save as PDF…) over a continuous page view.

    Prompts are attributes tests can replace: ``ask_save_path(suggested) -> str | None`` and
    ``ask_print(printer) -> bool``."""

    sig_printed = Signal(int)
    """The report went to the printer; carries the number of pages printed."""

    sig_saved = Signal(str)
    """The report was written to a file; carries its path."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pdf = b""
        self.file_name = "report.pdf"
        self._buffer: QBuffer | None = None
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.output_allowed = True  # the export permission: print and save
        self.output_refused_reason = ""
        self.ask_save_path = self._ask_save_path_dialog
        self.ask_print = self._ask_print_dialog
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.zoom_out_button = self._tool(bar, self._on_zoom_out_button_clicked)
        self.zoom_in_button = self._tool(bar, self._on_zoom_in_button_clicked)
        self.fit_button = self._tool(bar, self._on_fit_button_clicked)
        self.page_label = QLabel(self)
        self.page_label.setStyleSheet(f"color: {MUTED_COLOR};")
        bar.addWidget(self.page_label)
        bar.addStretch(1)
        self.setup_button = self._tool(bar, self._on_setup_button_clicked)
        self.print_button = self._tool(bar, self._on_print_button_clicked)
        self.save_button = self._tool(bar, self._on_save_button_clicked)
        layout.addLayout(bar)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        self.view.setStyleSheet("QPdfView { background: #e5e7eb; }")
        layout.addWidget(self.view, 1)
        self.view.pageNavigator().currentPageChanged.connect(self._on_current_page_changed)
        QShortcut(QKeySequence.StandardKey.Print, self, self._on_print_button_clicked)
        QShortcut(QKeySequence.StandardKey.Save, self, self._on_save_button_clicked)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, self._on_zoom_in_button_clicked)
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, self._on_zoom_out_button_clicked)
        self.retranslate_ui()
        self._update_state()

    def _tool(self, bar: QHBoxLayout, slot: object) -> QToolButton:
        button = QToolButton(self)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.clicked.connect(slot)
        bar.addWidget(button)
        return button

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.zoom_out_button.setText(self.tr("−"))
        self.zoom_out_button.setToolTip(self.tr("Zoom out (Ctrl+-)"))
        self.zoom_in_button.setText(self.tr("+"))
        self.zoom_in_button.setToolTip(self.tr("Zoom in (Ctrl++)"))
        self.fit_button.setText(self.tr("Fit width"))
        self.setup_button.setText(self.tr("Page setup…"))
        self.print_button.setText(self.tr("Print…"))
        self.print_button.setToolTip(self.tr("Print the report (Ctrl+P)"))
        self.save_button.setText(self.tr("Save as PDF…"))
        self.save_button.setToolTip(self.tr("Save the report as a PDF file (Ctrl+S)"))
        self._update_state()

    # ----------------------------------------------------------------- content

    def set_pdf(self, pdf: bytes, file_name: str = "report.pdf") -> None:
        """Show ``pdf`` (the previous report is closed)."""
        self.document.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
        self.pdf = pdf
        self.file_name = file_name
        self._buffer = None
        if pdf:
            buffer = QBuffer(self)
            buffer.setData(QByteArray(pdf))
            buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            self._buffer = buffer
            self.document.load(buffer)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self._update_state()

    def clear(self) -> None:
        self.set_pdf(b"")

    @property
    def page_count(self) -> int:
        return self.document.pageCount() if self.pdf else 0

    def set_output_allowed(self, allowed: bool, reason: str = "") -> None:
        """Without the export permission the report is shown but not printed or saved."""
        self.output_allowed = allowed
        self.output_refused_reason = reason
        self._update_state()

    def _update_state(self) -> None:
        has = self.page_count > 0
        for button in (self.zoom_in_button, self.zoom_out_button, self.fit_button):
            button.setEnabled(has)
        for button in (self.print_button, self.save_button, self.setup_button):
            button.setEnabled(has and self.output_allowed)
        if not self.output_allowed:
            self.print_button.setToolTip(self.output_refused_reason)
            self.save_button.setToolTip(self.output_refused_reason)
        if has:
            current = self.view.pageNavigator().currentPage() + 1
            self.page_label.setText(
                self.tr("Page {page} of {pages}").format(page=current, pages=self.page_count)
            )
        else:
            self.page_label.setText("")

    # ----------------------------------------------------------------- printing

    def print_to(self, printer: QPrinter) -> int:
        """Paint every page on ``printer`` (fitted to its page, aspect kept); returns the count."""
        pages = self.page_count
        if not pages:
            return 0
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError(self.tr("The printer could not be opened."))
        try:
            dpi = printer.resolution()
            target = printer.pageLayout().paintRectPixels(dpi)
            for index in range(pages):
                if index:
                    printer.newPage()
                points = self.document.pagePointSize(index)
                scale = min(target.width() / points.width(), target.height() / points.height())
                size = QSize(round(points.width() * scale), round(points.height() * scale))
                image = self.document.render(index, size)
                painter.drawImage(QPointF(0, 0), image)
        finally:
            painter.end()
        return pages

    def _ask_print_dialog(self, printer: QPrinter) -> bool:
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("Print report"))
        return dialog.exec() == QPrintDialog.DialogCode.Accepted

    @Slot()
    def _on_print_button_clicked(self) -> None:
        if not self.page_count or not self.output_allowed or not self.ask_print(self.printer):
            return
        try:
            printed = self.print_to(self.printer)
        except OSError as exc:
            QMessageBox.warning(self, self.tr("Print report"), str(exc))
            return
        self.sig_printed.emit(printed)

    @Slot()
    def _on_setup_button_clicked(self) -> None:
        dialog = QPageSetupDialog(self.printer, self)
        dialog.exec()

    def set_orientation(self, landscape: bool) -> None:
        """Match the printer's page to the report's pages."""
        self.printer.setPageOrientation(
            QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
        )

    # ----------------------------------------------------------------- saving

    def _ask_save_path_dialog(self, suggested: str) -> str | None:
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Save report"), suggested, self.tr("PDF files (*.pdf)")
        )
        return path or None

    def save_to(self, path: str) -> str:
        """Write the PDF atomically (a partial file never replaces a good one)."""
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".pdf", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(self.pdf)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @Slot()
    def _on_save_button_clicked(self) -> None:
        if not self.page_count or not self.output_allowed:
            return
        suggested = str(Path.home() / self.file_name)
        path = self.ask_save_path(suggested)
        if not path:
            return
        try:
            saved = self.save_to(path)
        except OSError as exc:
            QMessageBox.warning(
                self,
                self.tr("Save report"),
                self.tr("The report could not be saved: {reason}").format(
                    reason=exc.strerror or exc
                ),
            )
            return
        self.sig_saved.emit(saved)

    # ----------------------------------------------------------------- zoom

    @Slot()
    def _on_zoom_in_button_clicked(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(min(8.0, self.view.zoomFactor() * ZOOM_STEP))

    @Slot()
    def _on_zoom_out_button_clicked(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.1, self.view.zoomFactor() / ZOOM_STEP))

    @Slot()
    def _on_fit_button_clicked(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    @Slot(int)
    def _on_current_page_changed(self, _page: int) -> None:
        self._update_state()
