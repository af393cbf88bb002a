"""Dialect-specific search DDL and match clauses over ``customer.search_text`` / ``search_keys``.

SQLite: two external-content FTS5 tables kept in sync by triggers — a trigram index over
``search_text`` (fragments of 3+ characters) and a token index over ``search_keys`` (2-character
Chinese bigrams, initials and name prefixes). PostgreSQL: a ``pg_trgm`` GIN index over
``search_text``, a GIN index over ``to_tsvector('simple', search_keys)``, byte-order
(COLLATE "C") indexes for name and initials prefixes and statistics on the visibility filter.
Every object is named ``search_*``, which the migration environment leaves out of autogenerate:
they are made by hand-written migrations, not by the models.

Migration 0002 creates these objects with the statements here. Changing them later takes a new
migration that drops and recreates them (and 0002 then keeps a copy of today's statements). A
migration that recreates the ``customer`` table on SQLite (batch mode "move and copy") drops its
triggers: it must create them again afterwards.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, TextClause, literal_column, text
from sqlalchemy.engine import Connection

TEXT_TABLE = "search_customer_text"  # SQLite FTS5, trigram over customer.search_text
KEYS_TABLE = "search_customer_keys"  # SQLite FTS5, tokens of customer.search_keys
PG_TEXT_INDEX = "search_customer_text_trgm"
PG_KEYS_INDEX = "search_customer_keys_tsv"
PG_NAME_PREFIX_INDEX = "search_customer_name_norm_prefix"
PG_INITIALS_PREFIX_INDEX = "search_customer_initials_prefix"
PG_VISIBILITY_STATISTICS = "search_customer_visibility"
# phone_digits in byte order: the import's duplicate check by phone (migration 0008).
PG_PHONE_RANGE_INDEX = "search_customer_phone_digits_c"
# The indexed expression; a query must repeat it exactly for PostgreSQL to use the index.
PG_KEYS_TSVECTOR = "to_tsvector('simple'::regconfig, customer.search_keys)"
PG_KEYS_TSVECTOR_DDL = "to_tsvector('simple'::regconfig, search_keys)"

SQLITE_TRIGGERS = (
    "search_customer_ai",
    "search_customer_ad",
    "search_customer_text_au",
    "search_customer_keys_au",
)


def _sqlite_tables() -> list[str]:
    return [
        # columnsize=0: no per-row size table (only bm25 needs it; we rank ourselves).
        f"CREATE VIRTUAL TABLE {TEXT_TABLE} USING fts5(search_text, content='customer', "
        "content_rowid='id', tokenize='trigram', columnsize=0)",
        # Whole space-separated tokens (unicode61 keeps 华为 one token); no positions needed
        # (detail=none), prefix indexes for the first keystrokes ("h", "hw", "hwj").
        f"CREATE VIRTUAL TABLE {KEYS_TABLE} USING fts5(search_keys, content='customer', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0', prefix='1 2 3', "
        "detail=none, columnsize=0)",
    ]


def _sqlite_triggers() -> list[str]:
    def delete(table: str, column: str) -> str:
        # External content: the index is told the old value to remove.
        return (
            f"INSERT INTO {table}({table}, rowid, {column}) "
            f"VALUES ('delete', old.id, old.{column});"
        )

    def insert(table: str, column: str) -> str:
        return f"INSERT INTO {table}(rowid, {column}) VALUES (new.id, new.{column});"

    return [
        "CREATE TRIGGER search_customer_ai AFTER INSERT ON customer BEGIN "
        f"{insert(TEXT_TABLE, 'search_text')} {insert(KEYS_TABLE, 'search_keys')} END",
        "CREATE TRIGGER search_customer_ad AFTER DELETE ON customer BEGIN "
        f"{delete(TEXT_TABLE, 'search_text')} {delete(KEYS_TABLE, 'search_keys')} END",
        # Only when the column itself is written: owner or grade changes leave the index alone.
        "CREATE TRIGGER search_customer_text_au AFTER UPDATE OF search_text ON customer BEGIN "
        f"{delete(TEXT_TABLE, 'search_text')} {insert(TEXT_TABLE, 'search_text')} END",
        "CREATE TRIGGER search_customer_keys_au AFTER UPDATE OF search_keys ON customer BEGIN "
        f"{delete(KEYS_TABLE, 'search_keys')} {insert(KEYS_TABLE, 'search_keys')} END",
    ]


def _sqlite_rebuild() -> list[str]:
    return [
        f"INSERT INTO {TEXT_TABLE}({TEXT_TABLE}) VALUES ('rebuild')",
        f"INSERT INTO {KEYS_TABLE}({KEYS_TABLE}) VALUES ('rebuild')",
    ]


def _pg_indexes() -> list[str]:
    return [
        f"CREATE INDEX {PG_TEXT_INDEX} ON customer USING gin (search_text gin_trgm_ops)",
        f"CREATE INDEX {PG_KEYS_INDEX} ON customer USING gin ({PG_KEYS_TSVECTOR_DDL})",
        # Name prefixes as a byte-order range, whatever the database's collation (the default
        # B-tree's linguistic order makes prefix ranges unreliable).
        f'CREATE INDEX {PG_NAME_PREFIX_INDEX} ON customer (name_norm COLLATE "C")',
        # A first keystroke ("h"): initials prefixes, where the tsvector index would build a
        # bitmap of 100,000+ rows.
        f'CREATE INDEX {PG_INITIALS_PREFIX_INDEX} ON customer (name_initials COLLATE "C")',
        # The search's visibility filter (services/search.py) is written so no index serves
        # it; these statistics tell the planner how selective it is, so it keeps reading a
        # search index in order and stops at the LIMIT instead of bitmapping a whole prefix.
        f"CREATE STATISTICS {PG_VISIBILITY_STATISTICS} ON (coalesce(owner_id, 0)), "
        "(coalesce(branch_id, 0)) FROM customer",
    ]


def create_search_objects(conn: Connection, *, fill: bool = True) -> None:
    """Create the search indexes (and on SQLite the sync triggers) for ``conn``'s dialect.
    ``fill``: index the rows already there (SQLite's FTS tables start empty)."""
    if conn.dialect.name == "sqlite":
        statements = _sqlite_tables() + (_sqlite_rebuild() if fill else []) + _sqlite_triggers()
    else:
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm", *_pg_indexes()]
        if fill:
            statements.append("ANALYZE customer")
    for statement in statements:
        conn.exec_driver_sql(statement)


def drop_search_objects(conn: Connection) -> None:
    """Remove everything ``create_search_objects`` made (the extension stays: others may use
    it)."""
    if conn.dialect.name == "sqlite":
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS] + [
            f"DROP TABLE IF EXISTS {TEXT_TABLE}",
            f"DROP TABLE IF EXISTS {KEYS_TABLE}",
        ]
    else:
        statements = [
            f"DROP INDEX IF EXISTS {name}"
            for name in (
                PG_TEXT_INDEX,
                PG_KEYS_INDEX,
                PG_NAME_PREFIX_INDEX,
                PG_INITIALS_PREFIX_INDEX,
            )
        ] + [f"DROP STATISTICS IF EXISTS {PG_VISIBILITY_STATISTICS}"]
    for statement in statements:
        conn.exec_driver_sql(statement)


def suspend_search_sync(conn: Connection) -> None:
    """Before a bulk load of many customers: stop maintaining the search indexes row by row
    (SQLite: drop the triggers; PostgreSQL: drop the indexes). ``resume_search_sync`` builds
    them again in one pass, which is faster than millions of incremental updates."""
    if conn.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    else:
        drop_search_objects(conn)


def resume_search_sync(conn: Connection) -> None:
    """After ``suspend_search_sync`` and the bulk load: rebuild the indexes over every row and
    maintain them again."""
    if conn.dialect.name == "sqlite":
        for statement in _sqlite_rebuild() + _sqlite_triggers():
            conn.exec_driver_sql(statement)
    else:
        for statement in _pg_indexes():
            conn.exec_driver_sql(statement)
        # Fresh statistics, or the planner guesses wrong about the new rows and indexes.
        conn.exec_driver_sql("ANALYZE customer")


# --------------------------------------------------------------------------- match clauses


def fts5_phrase(fragment: str) -> str:
    """``fragment`` as one FTS5 phrase (double quotes doubled): no query syntax gets through."""
    return '"' + fragment.replace('"', '""') + '"'


def like_contains(fragment: str) -> str:
    """A LIKE pattern for "contains ``fragment``" with ``\\`` as the escape character."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def like_prefix(fragment: str) -> str:
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def sqlite_text_match(fragments: list[str]) -> TextClause:
    """``customer`` rows (joined as rowid) whose search_text holds every fragment (each ≥ 3
    characters: the trigram index answers nothing shorter)."""
    query = " AND ".join(fts5_phrase(f) for f in fragments)
    return text(f"{TEXT_TABLE} MATCH :text_query").bindparams(text_query=query)


def sqlite_keys_match(token: str, *, prefix: bool) -> TextClause:
    """Rows whose search_keys hold ``token`` (or a token starting with it)."""
    query = fts5_phrase(token) + (" *" if prefix else "")
    return text(f"{KEYS_TABLE} MATCH :keys_query").bindparams(keys_query=query)


def pg_keys_match(token: str, *, prefix: bool) -> TextClause:
    """Rows whose search_keys hold ``token`` (or a token starting with it), through the
    tsvector GIN index."""
    lexeme = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if prefix else "")
    return text(f"{PG_KEYS_TSVECTOR} @@ to_tsquery('simple'::regconfig, :keys_query)").bindparams(
        keys_query=lexeme
    )


def rowid_column(table: str) -> ColumnElement[int]:
    return literal_column(f"{table}.rowid")
