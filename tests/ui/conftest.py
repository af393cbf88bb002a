"""Fixtures of the UI tests: a real migrated SQLite database (from ``sqlite_url`` of
tests/conftest.py), an op runner that records the errors it would show, a set-up company.

Fixture names start with ``ui_`` so they never clash with the shared ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from crm_desktop.core.settings import Settings
from crm_desktop.services.context import Actor
from crm_desktop.services.database import Database, open_database
from crm_desktop.ui.i18n import Translations
from crm_desktop.ui.ops import OpRunner

ADMIN_LOGIN = "ada"
ADMIN_NAME = "Ada Lovelace"
ADMIN_PASSWORD = "correct horse battery"
COMPANY = "Northwind Trading Co., Ltd."


@dataclass
class RecordedErrors:
    """What the runner would have shown to the user, in order."""

    shown: list[BaseException] = field(default_factory=list)

    def __call__(self, _parent: object, exc: BaseException) -> None:
        self.shown.append(exc)


@pytest.fixture
def ui_db(sqlite_url: str) -> Iterator[Database]:
    """A migrated, empty (no company yet) SQLite database of this test's own."""
    db = open_database(sqlite_url)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def ui_errors() -> RecordedErrors:
    return RecordedErrors()


@pytest.fixture
def ui_runner(qapp: object, ui_db: Database, ui_errors: RecordedErrors) -> Iterator[OpRunner]:
    """An OpRunner on ``ui_db`` whose error display records instead of opening a dialog."""
    runner = OpRunner(ui_db, error_handler=ui_errors)
    try:
        yield runner
    finally:
        assert runner.shutdown(), "operations still running after the test"


@pytest.fixture
def ui_company(ui_db: Database) -> Actor:
    """The company is set up; returns its first administrator."""
    from crm_desktop.services.company import initialize_company

    with ui_db.session_factory.begin() as session:
        return initialize_company(
            session,
            company_name=COMPANY,
            language="en",
            admin_login=ADMIN_LOGIN,
            admin_name=ADMIN_NAME,
            admin_password=ADMIN_PASSWORD,
        )


@pytest.fixture
def ui_translations(qapp: object) -> Iterator[Translations]:
    """The app's translators, English at start and again afterwards (they are process-wide)."""
    translations = Translations()
    translations.apply("en")
    try:
        yield translations
    finally:
        translations.apply("en")


@pytest.fixture
def ui_settings() -> Settings:
    return Settings()
