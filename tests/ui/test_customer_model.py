"""The million-row list model: ids in memory, pages of rows from a worker, placeholders while a
page is on its way, and Qt's model contract (qtmodeltester)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

from crm_desktop.services.context import Actor
from crm_desktop.services.customer_list import CustomerFilter, SortSpec, fetch_rows, filtered_ids
from crm_desktop.services.database import Database
from crm_desktop.ui.customer_model import (
    COLUMN_KEYS,
    PLACEHOLDER,
    CustomerListModel,
)
from crm_desktop.ui.ops import OpRunner


@pytest.fixture
def demo_actor(ui_db: Database, ui_company: Actor) -> Actor:
    """The administrator of a company with 300 demo customers."""
    from crm_desktop.services.demo import generate_demo

    with ui_db.session_factory.begin() as session:
        generate_demo(session, customers=300, workers=0)
    return ui_company


@pytest.fixture
def all_ids(ui_db: Database, demo_actor: Actor) -> list[int]:
    with ui_db.read_session_factory() as session:
        return list(filtered_ids(session, CustomerFilter(), SortSpec("name"), demo_actor))


@pytest.fixture
def model(qapp: object, ui_runner: OpRunner) -> Iterator[CustomerListModel]:
    model = CustomerListModel(ui_runner, page_size=50, max_pages=4)
    yield model
    ui_runner.shutdown()
    model.deleteLater()


def column(key: str) -> int:
    return COLUMN_KEYS.index(key)


def test_the_model_passes_qtmodeltester(
    qtbot: QtBot, qtmodeltester: object, model: CustomerListModel, all_ids: list[int]
) -> None:
    assert len(all_ids) == 300
    model.set_ids(all_ids)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    # The tester read every cell: every page was asked for once, then arrived.
    qtbot.waitUntil(lambda: model.pending_pages == 0, timeout=10_000)
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_a_missing_page_shows_a_placeholder_then_the_rows(
    qtbot: QtBot, model: CustomerListModel, all_ids: list[int], ui_db: Database
) -> None:
    model.set_ids(all_ids)
    row = 120  # page 2 of 50 rows
    index = model.index(row, column("name"))
    assert model.data(index) == PLACEHOLDER
    assert model.data(index, Qt.ItemDataRole.UserRole) == all_ids[row]
    assert model.fetch_count == 1
    model.data(model.index(row + 1, column("phone")))
    assert model.fetch_count == 1, "one fetch per page, however many cells ask"

    with qtbot.waitSignal(model.dataChanged, timeout=10_000) as changed:
        pass
    top, bottom = changed.args[0], changed.args[1]
    assert (top.row(), bottom.row()) == (100, 149)
    with ui_db.read_session_factory() as session:
        expected = fetch_rows(session, [all_ids[row]])[0]
    assert model.data(index) == expected.name
    grade_index = model.index(row, column("grade"))
    assert model.data(grade_index) == (expected.grade_code or "")
    if expected.grade_color:
        assert isinstance(model.data(grade_index, Qt.ItemDataRole.DecorationRole), QIcon)
    owner = model.data(model.index(row, column("owner")))
    assert owner == (expected.owner_name if expected.owner_id else "Public pool")


def test_old_pages_are_evicted_and_fetched_again(
    qtbot: QtBot, model: CustomerListModel, all_ids: list[int]
) -> None:
    model.set_ids(all_ids)
    for page in range(6):  # max_pages is 4
        model.data(model.index(page * 50, 0))
        qtbot.waitUntil(lambda p=page: model.is_page_loaded(p), timeout=10_000)
    assert not model.is_page_loaded(0) and model.is_page_loaded(5)
    assert model.data(model.index(0, 0)) == PLACEHOLDER
    qtbot.waitUntil(lambda: model.is_page_loaded(0), timeout=10_000)


def test_new_ids_keep_showing_known_rows_until_their_page_arrives(
    qtbot: QtBot, model: CustomerListModel, all_ids: list[int]
) -> None:
    model.set_ids(all_ids)
    model.data(model.index(0, 0))
    qtbot.waitUntil(lambda: model.is_page_loaded(0), timeout=10_000)
    first_name = model.data(model.index(0, 0))
    model.set_ids(list(reversed(all_ids)))
    # The first customer is now the last row, on a page not fetched yet: no placeholder.
    assert model.data(model.index(299, 0)) == first_name
    assert model.data(model.index(150, 0)) == PLACEHOLDER


def test_selection_ranges_map_to_ids_without_indexes(
    model: CustomerListModel, all_ids: list[int]
) -> None:
    model.set_ids(all_ids)
    assert model.ids_of_rows([(10, 12), (0, 1), (11, 13)]) == [
        all_ids[0],
        all_ids[1],
        all_ids[10],
        all_ids[11],
        all_ids[12],
        all_ids[13],
    ]
    assert model.row_of(all_ids[42]) == 42
    assert model.row_of(-1) is None


def test_a_preview_shows_the_first_rows_and_the_count_before_the_ids(
    qtbot: QtBot,
    qtmodeltester: object,
    model: CustomerListModel,
    all_ids: list[int],
    ui_db: Database,
) -> None:
    with ui_db.read_session_factory() as session:
        first = fetch_rows(session, all_ids[:50])
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.set_preview(first)
    model.set_total(len(all_ids))
    assert model.rowCount() == 300 and model.is_preview
    assert model.data(model.index(0, 0)) == first[0].name
    assert model.data(model.index(250, 0)) == PLACEHOLDER
    assert model.customer_id(250) is None
    assert model.fetch_count == 0, "rows without ids fetch nothing"
    qtmodeltester.check(model)  # type: ignore[attr-defined]

    with qtbot.waitSignal(model.dataChanged) as changed:
        assert model.set_ids(all_ids) is False  # completes the preview: no reset
    assert (changed.args[0].row(), changed.args[1].row()) == (50, 299)
    assert resets == [True], "only set_preview reset the model"
    assert not model.is_preview
    assert model.data(model.index(0, 0)) == first[0].name
    assert model.customer_id(250) == all_ids[250]


def test_ids_that_do_not_match_the_preview_reset_the_model(
    model: CustomerListModel, all_ids: list[int], ui_db: Database
) -> None:
    with ui_db.read_session_factory() as session:
        first = fetch_rows(session, all_ids[:50])
    model.set_preview(first, total=300)
    assert model.set_ids(list(reversed(all_ids))) is True
    assert model.rowCount() == 300 and not model.is_preview
