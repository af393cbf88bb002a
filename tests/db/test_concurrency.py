"""Two writers at once: the second waits for the first instead of failing or losing an edit."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from crm_desktop.db.models import Branch
from crm_desktop.services.database import open_database


@pytest.fixture
def db(db_url: str):
    database = open_database(db_url)
    with database.session_factory.begin() as s:
        s.add(Branch(code="SH", name="上海办事处"))
    yield database
    database.dispose()


def test_concurrent_writers_never_overwrite_each_other_silently(db) -> None:
    """SQLite serializes writers (BEGIN IMMEDIATE): the second waits and both edits land.
    PostgreSQL lets both read version 1: the later save is refused as stale, the earlier stays."""
    first_has_lock = threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with db.session_factory.begin() as s:
                branch = s.scalar(select(Branch).where(Branch.code == "SH"))
                first_has_lock.set()
                time.sleep(0.5)
                branch.name = branch.name + "·一"
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)

    t = threading.Thread(target=slow_writer)
    t.start()
    assert first_has_lock.wait(5)
    with db.session_factory.begin() as s:
        branch = s.scalar(select(Branch).where(Branch.code == "SH"))
        branch.name = branch.name + "·二"
    t.join()
    with db.read_session_factory.begin() as s:
        branch = s.scalar(select(Branch).where(Branch.code == "SH"))
        if db.is_single_mode:
            assert errors == []
            assert (branch.name, branch.version) == ("上海办事处·一·二", 3)
        else:
            assert [type(e) for e in errors] == [StaleDataError]
            assert (branch.name, branch.version) == ("上海办事处·二", 2)


def test_reads_are_not_blocked_by_a_running_writer(db) -> None:
    holding = threading.Event()
    release = threading.Event()

    def writer() -> None:
        with db.session_factory.begin() as s:
            s.add(Branch(code="GZ", name="广州办事处"))
            s.flush()
            holding.set()
            release.wait(5)

    t = threading.Thread(target=writer)
    t.start()
    assert holding.wait(5)
    started = time.perf_counter()
    with db.read_session_factory.begin() as s:
        codes = set(s.scalars(select(Branch.code)))
    elapsed = time.perf_counter() - started
    release.set()
    t.join()
    assert codes == {"SH"}  # the uncommitted branch is invisible…
    assert elapsed < 2  # …and the reader did not wait for the writer


def test_an_edit_over_a_stale_version_is_refused(db) -> None:
    with db.read_session_factory.begin() as s:
        mine = s.scalar(select(Branch).where(Branch.code == "SH"))
    with db.session_factory.begin() as s:
        theirs = s.scalar(select(Branch).where(Branch.code == "SH"))
        theirs.name = "他们的名字"
    with pytest.raises(StaleDataError), db.session_factory.begin() as s:
        stale = s.merge(mine)
        stale.name = "我的名字"
    with db.read_session_factory.begin() as s:
        assert s.scalar(select(Branch.name).where(Branch.code == "SH")) == "他们的名字"
