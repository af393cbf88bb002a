"""The report preview: a real PDF shown with QtPdf, printed to a PDF printer, saved."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from crm_desktop.ui.report_preview import ReportPreview


def sample_pdf(pages: int) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    for number in range(pages):
        canvas.drawString(72, 720, f"Page {number + 1} of {pages}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def test_shows_prints_and_saves_a_report(qtbot: QtBot, tmp_path: Path) -> None:
    preview = ReportPreview()
    qtbot.addWidget(preview)
    preview.resize(700, 500)
    preview.show()
    assert not preview.print_button.isEnabled() and not preview.save_button.isEnabled()
    preview.set_pdf(sample_pdf(3), "roster.pdf")
    assert preview.page_count == 3
    assert preview.print_button.isEnabled() and "3" in preview.page_label.text()

    printed_file = tmp_path / "printed.pdf"

    def ask_print(printer: QPrinter) -> bool:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed_file))
        return True

    preview.ask_print = ask_print
    with qtbot.waitSignal(preview.sig_printed) as printed:
        preview.print_button.click()
    assert printed.args == [3]
    assert len(PdfReader(printed_file).pages) == 3

    target = tmp_path / "saved"
    preview.ask_save_path = lambda suggested: str(target)
    with qtbot.waitSignal(preview.sig_saved) as saved:
        preview.save_button.click()
    assert saved.args == [str(target) + ".pdf"]
    assert Path(saved.args[0]).read_bytes() == preview.pdf
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report-")] == []


def test_a_cancelled_print_or_save_does_nothing(qtbot: QtBot) -> None:
    preview = ReportPreview()
    qtbot.addWidget(preview)
    preview.set_pdf(sample_pdf(1))
    preview.ask_print = lambda printer: False
    preview.ask_save_path = lambda suggested: None
    with qtbot.assertNotEmitted(preview.sig_printed), qtbot.assertNotEmitted(preview.sig_saved):
        preview.print_button.click()
        preview.save_button.click()
