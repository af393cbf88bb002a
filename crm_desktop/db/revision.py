"""The schema revision this code expects, readable without importing Alembic.

Opening a database checks its revision on every start; importing Alembic for that costs
~0.1 s of start-up. A test keeps HEAD_REVISION equal to the newest migration's id.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

HEAD_REVISION = "0008"


def read_revision(conn: Connection) -> str | None:
    """The revision stamped in ``alembic_version``, or None when there is none."""
    try:
        with conn.begin_nested():
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None
