"""The Reports page and dialog driven as a user would: choose a report, generate it (an op),
see it in the QtPdf preview, save it — and the save is in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from crm_desktop.core.settings import Settings
from crm_desktop.db.models import AuditLog
from crm_desktop.services.reports import ReportFilters
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.reports_page import ReportDialog, ReportsPage
from tests.db.customer_world import World, build_world

from .conftest import RecordedErrors

WAIT = 30_000


@pytest.fixture
def world(sqlite_url: str) -> Iterator[World]:
    w = build_world(sqlite_url)
    try:
        yield w
    finally:
        w.db.dispose()


@pytest.fixture
def runner(qapp: object, world: World, ui_errors: RecordedErrors) -> Iterator[OpRunner]:
    runner = OpRunner(world.db, error_handler=ui_errors)
    try:
        yield runner
    finally:
        assert runner.shutdown(), "operations still running after the test"


def audit_actions(world: World) -> list[tuple[str, object]]:
    with world.db.read_session_factory() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action.like("report.%"))).all()
        return [(r.action, (r.detail or {}).get("kind")) for r in rows]


def test_generate_preview_and_save_a_roster(
    qtbot: QtBot, runner: OpRunner, world: World, tmp_path: Path, ui_errors: RecordedErrors
) -> None:
    for name in ("上海华通机械有限公司", "苏州恒通精密电子", "Northwind Traders"):
        world.new_customer(name=name, owner_id=world.li.id)
    page = ReportsPage(world.admin, runner)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    panel = page.panel
    with qtbot.waitSignal(panel.sig_ready, timeout=WAIT):
        page.show()
    panel.select_kind("roster")
    assert panel.grade_combo.isVisible() and not panel.from_edit.isVisible()
    op = panel.generate()
    assert op is not None
    qtbot.waitUntil(lambda: op.finished, timeout=WAIT)
    assert op.error is None, repr(op.error)
    output = op.result
    assert output.kind == "roster" and output.customers == 3
    assert panel.preview.page_count == output.pages >= 1
    assert panel.preview.save_button.isEnabled()
    target = tmp_path / "roster.pdf"
    panel.preview.ask_save_path = lambda suggested: str(target)
    with qtbot.waitSignal(panel.sig_audited, timeout=WAIT):
        panel.preview.save_button.click()
    text = "".join(p.extract_text() for p in PdfReader(target).pages)
    assert "上海华通机械有限公司" in text and "Northwind Traders" in text
    assert audit_actions(world) == [("report.save", "roster")]
    assert ui_errors.shown == []


def test_a_period_that_ends_before_it_starts_is_refused_in_the_form(
    qtbot: QtBot, runner: OpRunner, world: World
) -> None:
    page = ReportsPage(world.admin, runner)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.panel.sig_ready, timeout=WAIT):
        page.show()
    panel = page.panel
    panel.select_kind("followups")
    panel.from_edit.setDate(panel.to_edit.date().addDays(3))
    assert panel.generate() is None
    assert "starts after it ends" in panel.error_label.text()


def test_the_profile_dialog_generates_at_once(qtbot: QtBot, runner: OpRunner, world: World) -> None:
    customer = world.new_customer(name="宁波远洋国际贸易", owner_id=world.li.id)
    dialog = ReportDialog(
        world.li,
        runner,
        "profile",
        ReportFilters(customer_id=customer),
        customer_name="宁波远洋国际贸易",
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.panel.sig_generated, timeout=WAIT) as generated:
        dialog.show()
    assert generated.args[0].kind == "profile"
    assert dialog.panel.preview.page_count >= 1
    assert "宁波远洋国际贸易" in dialog.panel.customer_label.text()


def test_print_profile_from_the_customer_file(
    qtbot: QtBot, runner: OpRunner, world: World, ui_settings: Settings
) -> None:
    from PySide6.QtWidgets import QWidget

    from crm_desktop.ui.customer_file import open_customer_file

    customer = world.new_customer(name="深圳前海科技", owner_id=world.li.id)
    parent = QWidget()
    qtbot.addWidget(parent)
    window = open_customer_file(parent, runner, world.li, customer, settings=ui_settings)
    window.ask_discard = lambda: True
    if not window.loaded:
        qtbot.waitSignal(window.sig_loaded, timeout=WAIT).wait()
    assert window.print_button.isEnabled()
    window.print_button.click()
    dialog = window.report_dialog  # a child of the file window: closed and deleted with it
    qtbot.waitUntil(lambda: dialog.panel.output is not None, timeout=WAIT)
    assert dialog.panel.output is not None and dialog.panel.output.kind == "profile"
    assert dialog.panel.filters_used == ReportFilters(customer_id=customer)
    # A salesperson without the export permission sees the sheet but may not print or save it.
    preview = dialog.panel.preview
    qtbot.waitUntil(lambda: not preview.output_allowed, timeout=WAIT)
    assert not preview.print_button.isEnabled() and not preview.save_button.isEnabled()
    assert "export permission" in preview.save_button.toolTip()
