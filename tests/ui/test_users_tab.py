"""Admin → Users: the list (role, branch, active), adding a user, resetting a password, and
Disable… which opens the handover wizard for the chosen user."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from crm_desktop.core.errors import AuthenticationFailed
from crm_desktop.services.users import UserRow, authenticate, list_users
from crm_desktop.ui.admin_page import AdminPage
from crm_desktop.ui.ops import OpRunner
from crm_desktop.ui.users_tab import NewUser, UserDialog
from tests.db.customer_world import PASSWORD, World, build_world

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


def open_tab(qtbot: QtBot, runner: OpRunner, world: World) -> AdminPage:
    page = AdminPage(world.admin, runner)
    qtbot.addWidget(page)
    page.tabs.setCurrentWidget(page.users_tab)
    with qtbot.waitSignal(page.users_tab.sig_loaded, timeout=WAIT):
        page.show()
    qtbot.waitUntil(lambda: page.ops_running == 0, timeout=WAIT)
    return page


def cell(page: AdminPage, login: str, column: int) -> str:
    tab = page.users_tab
    for row in range(tab.table.rowCount()):
        if tab.table.item(row, 0).text() == login:
            return tab.table.item(row, column).text()
    raise AssertionError(login)


def test_the_list_shows_role_branch_and_active(
    qtbot: QtBot, runner: OpRunner, world: World
) -> None:
    page = open_tab(qtbot, runner, world)
    tab = page.users_tab
    assert tab.table.rowCount() == 5
    assert (cell(page, "zhang", 2), cell(page, "zhang", 3), cell(page, "zhang", 4)) == (
        "Manager",
        "SH",
        "yes",
    )
    assert "5 active of 5 users" in tab.count_label.text()
    tab.select_login("admin")
    assert not tab.disable_button.isEnabled()  # not oneself
    tab.select_login("li")
    assert tab.disable_button.isEnabled() and tab.password_button.isEnabled()


def test_add_a_user_and_reset_a_password(qtbot: QtBot, runner: OpRunner, world: World) -> None:
    page = open_tab(qtbot, runner, world)
    tab = page.users_tab
    tab.ask_new_user = lambda branches: NewUser(
        "zhao.lei", "赵磊", "sales", "GZ", None, "a-good-password"
    )
    with qtbot.waitSignal(tab.sig_user_added, timeout=WAIT):
        tab.add_button.click()
    qtbot.waitUntil(lambda: page.ops_running == 0 and tab.table.rowCount() == 6, timeout=WAIT)
    assert cell(page, "zhao.lei", 3) == "GZ"
    assert "赵磊" in tab.info_label.text()
    with world.db.session_factory.begin() as s:
        assert authenticate(s, "zhao.lei", "a-good-password").role == "sales"

    tab.select_login("li")
    tab.ask_password = lambda user: "another-password"
    tab.password_button.click()
    qtbot.waitUntil(lambda: page.ops_running == 0 and tab.info_label.isVisible(), timeout=WAIT)
    with world.db.session_factory.begin() as s:
        authenticate(s, "li", "another-password")
        with pytest.raises(AuthenticationFailed):
            authenticate(s, "li", PASSWORD)


def test_the_add_dialog_checks_its_fields(qtbot: QtBot, world: World) -> None:
    dialog = UserDialog([], None)
    qtbot.addWidget(dialog)
    dialog.login_edit.setText("Bad Login")
    dialog.accept()
    assert dialog.result() == 0 and dialog.login_error.text()
    dialog.login_edit.setText("good")
    dialog.name_edit.setText("Good")
    dialog.passwords.password_edit.setText("short")
    dialog.accept()
    assert dialog.passwords.password_error.text()
    dialog.passwords.password_edit.setText("long enough")
    dialog.passwords.repeat_edit.setText("different!")
    dialog.accept()
    assert dialog.passwords.repeat_error.text()


def test_disable_opens_the_handover_wizard_for_that_user(
    qtbot: QtBot, runner: OpRunner, world: World
) -> None:
    page = open_tab(qtbot, runner, world)
    tab = page.users_tab
    opened: list[UserRow] = []
    tab.open_handover = opened.append
    tab.select_login("wang")
    tab.disable_button.click()
    assert [u.login for u in opened] == ["wang"]
    # The real one: the wizard starts on that user.
    tab.open_handover = tab._open_handover
    tab.disable_button.click()
    wizard = tab.wizard
    assert wizard is not None
    assert wizard.user_page.user_id() == world.wang.id  # type: ignore[attr-defined]
    with qtbot.waitSignal(wizard.destroyed, timeout=WAIT):
        wizard.close()  # deletes itself on close
    qtbot.waitUntil(lambda: page.ops_running == 0 and runner.active_count == 0, timeout=WAIT)


def test_no_users_tab_for_others(qtbot: QtBot, runner: OpRunner, world: World) -> None:
    page = AdminPage(world.manager, runner)
    qtbot.addWidget(page)
    assert not hasattr(page, "users_tab")
    with world.db.read_session_factory() as s:
        assert len(list_users(s)) == 5
