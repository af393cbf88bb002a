"""Admin → Mail: the free-mail domains editor (what never links by domain)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from crm_desktop.services.mail_store import (
    FREE_MAIL_DOMAINS,
    get_free_mail_domains,
    set_free_mail_domains,
)
from crm_desktop.ui.admin_page import AdminPage
from crm_desktop.ui.free_mail_tab import split_domains
from crm_desktop.ui.ops import OpRunner
from tests.db.customer_world import World, build_world

from .conftest import RecordedErrors

WAIT = 15_000


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


def saved(world: World) -> list[str]:
    with world.db.read_session_factory() as session:
        return get_free_mail_domains(session)


def open_tab(qtbot: QtBot, runner: OpRunner, world: World) -> AdminPage:
    page = AdminPage(world.admin, runner)
    qtbot.addWidget(page)
    page.tabs.setCurrentWidget(page.free_mail_tab)
    with qtbot.waitSignal(page.free_mail_tab.sig_loaded, timeout=WAIT):
        page.show()
    qtbot.waitUntil(lambda: page.ops_running == 0, timeout=WAIT)
    return page


def test_split_domains_takes_lines_commas_and_spaces() -> None:
    assert split_domains("qq.com, 163.com\n\n  gmail.com；sina.com ") == [
        "qq.com",
        "163.com",
        "gmail.com",
        "sina.com",
    ]


def test_an_administrator_edits_saves_and_restores_the_defaults(
    qtbot: QtBot, runner: OpRunner, world: World
) -> None:
    page = open_tab(qtbot, runner, world)
    tab = page.free_mail_tab
    assert tab.domains() == list(FREE_MAIL_DOMAINS)
    assert not tab.save_button.isEnabled()
    tab.edit.setPlainText("qq.com\n163.com\n@Corp-Mail.CN\n")
    assert tab.save_button.isEnabled()
    assert "3" in tab.count_label.text()
    with qtbot.waitSignal(tab.sig_saved, timeout=WAIT):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.ops_running == 0, timeout=WAIT)
    assert saved(world) == ["qq.com", "163.com", "corp-mail.cn"]
    assert tab.domains() == ["qq.com", "163.com", "corp-mail.cn"]  # reloaded, cleaned
    assert not tab.save_button.isEnabled()
    tab.defaults_button.click()
    assert tab.domains() == list(FREE_MAIL_DOMAINS) and tab.save_button.isEnabled()
    tab.revert_button.click()
    assert tab.domains() == ["qq.com", "163.com", "corp-mail.cn"]


def test_a_wrong_domain_is_refused_and_nothing_is_saved(
    qtbot: QtBot, runner: OpRunner, world: World
) -> None:
    page = open_tab(qtbot, runner, world)
    tab = page.free_mail_tab
    tab.edit.setPlainText("qq.com\nnot-a-domain\n")
    tab.save_button.click()
    qtbot.waitUntil(lambda: page.ops_running == 0 and tab.message_label.isVisible(), timeout=WAIT)
    assert "not-a-domain" in tab.message_label.text()
    assert saved(world) == list(FREE_MAIL_DOMAINS)


def test_only_administrators_get_the_tab(qtbot: QtBot, runner: OpRunner, world: World) -> None:
    page = AdminPage(world.li, runner)
    qtbot.addWidget(page)
    assert not hasattr(page, "free_mail_tab")
    with world.db.session_factory.begin() as session, pytest.raises(Exception, match="admin"):
        set_free_mail_domains(session, ["qq.com"], world.li)
