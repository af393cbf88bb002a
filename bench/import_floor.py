"""The floor under the customer import (DESIGN §12): what the database alone costs to store the
new customers of ``bench/import.py`` with today's schema, with no Python work at all.

    python bench/import_floor.py                  # SQLite, 90,000 new customers into 1M
    python bench/import_floor.py --postgres       # the throwaway cluster of bench/import.py
    python bench/import_floor.py --database URL   # an existing PostgreSQL database

Rows are copied inside the database from randomly chosen existing customers (new ids above
the largest, new uuids, ids in increasing order and one time stamp, no follow-ups, as the
import writes them) with their contacts, in chunks of the import's size, by the statements the
import runs for each chunk: customers with every index of the table, SQLite's two FTS5 search
tables filled per chunk (the import drops the row trigger and indexes each chunk with one
INSERT … SELECT), contacts, ownership history. No reading, normalizing, pinyin, duplicate
check or building rows: the database's share of the import alone. The copies carry the demo's
fuller profiles (more contacts, notes, longer search text) than a typical import file's rows,
so the figure reads somewhat high: the import's own profile (py-spy, 1M customers) spent
196 µs/row in these statements on SQLite against this script's 249, on PostgreSQL about 170
against 308.

SQLite runs on a copy made with the backup API (a new copy per run) and commits, so the commit
is timed too; PostgreSQL runs in a transaction that is rolled back (the database is left as
it was; a commit there is one WAL flush).

Prints per-row costs of each step (medians of ``--runs``), the implied ceiling in rows/s, and
the command that reproduces them.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import backup_copy, command_line, ensure_sqlite_database

STEPS = ("customers", "search text", "search keys", "contacts", "ownership", "commit")


def _select_list(columns: list[str], replace: dict[str, str]) -> str:
    return ", ".join(f"{replace.get(c, c)} AS {c}" for c in columns)


def _as_imported(now: str, null: str = "NULL") -> dict[str, str]:
    """Columns an imported row has as the import writes it: one time stamp for the whole
    import, no follow-ups yet, not deleted, first version (the list indexes over these columns
    then take the new rows side by side instead of at random places)."""
    return {
        "created_at": now,
        "updated_at": now,
        "owner_since": f"CASE WHEN owner_id IS NULL THEN {null} ELSE {now} END",
        "pool_since": f"CASE WHEN owner_id IS NULL THEN {now} ELSE {null} END",
        "last_followup_at": null,
        "next_followup_at": null,
        "deleted_at": null,
        "version": "1",
    }


def sqlite_run(path: Path, new: int, chunk: int) -> dict[str, float]:
    """Seconds per step for ``new`` customers copied in ``path`` (committed)."""
    import sqlite3

    from crm_desktop.db.search_sql import KEYS_TABLE, TEXT_TABLE

    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA cache_size = -131072")  # as the import sets it (128 MiB)
        con.execute("PRAGMA temp_store = MEMORY")
        columns = [r[1] for r in con.execute("PRAGMA table_info(customer)")]
        contact_columns = [r[1] for r in con.execute("PRAGMA table_info(contact)")]
        base = int(con.execute("SELECT max(id) FROM customer").fetchone()[0])
        contact_base = int(con.execute("SELECT max(id) FROM contact").fetchone()[0])
        con.execute(
            "CREATE TEMP TABLE pick AS SELECT id AS old, "
            f"{base} + row_number() OVER (ORDER BY id) AS new "
            f"FROM (SELECT id FROM customer ORDER BY random() LIMIT {new})"
        )
        con.execute("CREATE INDEX temp.pick_old ON pick(old)")
        uuid = "lower(hex(randomblob(16)))"
        now = "strftime('%Y-%m-%d %H:%M:%f000', 'now')"  # SQLAlchemy's DATETIME text
        con.execute(
            "CREATE TEMP TABLE new_customer AS SELECT "
            + _select_list(columns, {**_as_imported(now), "id": "p.new", "uuid": uuid})
            + " FROM customer JOIN pick p ON customer.id = p.old ORDER BY p.new"
        )
        con.execute(
            "CREATE TEMP TABLE new_contact AS SELECT "
            + _select_list(
                contact_columns,
                {
                    "id": f"{contact_base} + row_number() OVER (ORDER BY p.new, contact.id)",
                    "customer_id": "p.new",
                    "uuid": uuid,
                    "created_at": now,
                    "updated_at": now,
                    "deleted_at": "NULL",
                    "version": "1",
                },
            )
            + " FROM contact JOIN pick p ON contact.customer_id = p.old ORDER BY p.new"
        )
        con.execute("CREATE INDEX temp.new_contact_customer ON new_contact(customer_id)")
        spent = dict.fromkeys(STEPS, 0.0)

        def timed(step: str, sql: str, *params: Any) -> None:
            started = time.perf_counter()
            con.execute(sql, params)
            spent[step] += time.perf_counter() - started

        con.execute("BEGIN IMMEDIATE")
        con.execute("DROP TRIGGER search_customer_ai")  # as the import does
        for table in (TEXT_TABLE, KEYS_TABLE):
            con.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")
        for first in range(base + 1, base + new + 1, chunk):
            last = min(first + chunk - 1, base + new)
            timed(
                "customers",
                "INSERT INTO customer SELECT * FROM new_customer WHERE id BETWEEN ? AND ?",
                first,
                last,
            )
            for step, table, column in (
                ("search text", TEXT_TABLE, "search_text"),
                ("search keys", KEYS_TABLE, "search_keys"),
            ):
                timed(
                    step,
                    f"INSERT INTO {table}(rowid, {column}) "
                    f"SELECT id, {column} FROM customer WHERE id BETWEEN ? AND ?",
                    first,
                    last,
                )
            timed(
                "contacts",
                "INSERT INTO contact SELECT * FROM new_contact WHERE customer_id BETWEEN ? AND ?",
                first,
                last,
            )
            timed(
                "ownership",
                "INSERT INTO ownership_change (customer_id, from_user_id, to_user_id, reason, "
                "at, by_id) SELECT id, NULL, owner_id, 'import', created_at, owner_id "
                "FROM new_customer WHERE id BETWEEN ? AND ?",
                first,
                last,
            )
        timed("commit", "COMMIT")
        return spent
    finally:
        con.close()


def postgres_run(url: str, new: int, chunk: int) -> dict[str, float]:
    """Seconds per step for ``new`` customers copied in the database (rolled back)."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as con:
        cur = con.cursor()

        def columns_of(table: str) -> list[str]:
            cur.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s "
                "ORDER BY ordinal_position",
                (table,),
            )
            return [r[0] for r in cur.fetchall()]

        columns, contact_columns = columns_of("customer"), columns_of("contact")
        cur.execute("SELECT max(id) FROM customer")
        base = int(cur.fetchone()[0])  # type: ignore[index]
        cur.execute("SELECT max(id) FROM contact")
        contact_base = int(cur.fetchone()[0])  # type: ignore[index]
        cur.execute(
            "CREATE TEMP TABLE pick AS SELECT id AS old, "
            f"{base} + row_number() OVER (ORDER BY id) AS new "
            f"FROM (SELECT id FROM customer ORDER BY random() LIMIT {new}) s"
        )
        cur.execute("CREATE INDEX ON pick(old)")
        uuid = "gen_random_uuid()::text"
        now = "transaction_timestamp()"
        cur.execute(
            "CREATE TEMP TABLE new_customer AS SELECT "
            + _select_list(
                columns, {**_as_imported(now, "NULL::timestamptz"), "id": "p.new", "uuid": uuid}
            )
            + " FROM customer JOIN pick p ON customer.id = p.old ORDER BY p.new"
        )
        cur.execute(
            "CREATE TEMP TABLE new_contact AS SELECT "
            + _select_list(
                contact_columns,
                {
                    "id": f"{contact_base} + row_number() OVER (ORDER BY p.new, contact.id)",
                    "customer_id": "p.new",
                    "uuid": uuid,
                    "created_at": now,
                    "updated_at": now,
                    "deleted_at": "NULL::timestamptz",
                    "version": "1",
                },
            )
            + " FROM contact JOIN pick p ON contact.customer_id = p.old ORDER BY p.new"
        )
        cur.execute("CREATE INDEX ON new_contact(customer_id)")
        cur.execute("CREATE INDEX ON new_customer(id)")
        cur.execute("ANALYZE pick, new_customer, new_contact")
        spent = dict.fromkeys(STEPS, 0.0)

        def timed(step: str, sql: str, *params: Any) -> None:
            started = time.perf_counter()
            cur.execute(sql, params)
            spent[step] += time.perf_counter() - started

        names = ", ".join(columns)
        contact_names = ", ".join(contact_columns)
        for first in range(base + 1, base + new + 1, chunk):
            last = min(first + chunk - 1, base + new)
            timed(
                "customers",
                f"INSERT INTO customer ({names}) SELECT {names} FROM new_customer "
                "WHERE id BETWEEN %s AND %s",
                first,
                last,
            )
            timed(
                "contacts",
                f"INSERT INTO contact ({contact_names}) SELECT {contact_names} FROM new_contact "
                "WHERE customer_id BETWEEN %s AND %s",
                first,
                last,
            )
            timed(
                "ownership",
                "INSERT INTO ownership_change (customer_id, from_user_id, to_user_id, reason, "
                "at, by_id) SELECT id, NULL, owner_id, 'import', created_at, owner_id "
                "FROM new_customer WHERE id BETWEEN %s AND %s",
                first,
                last,
            )
        con.rollback()  # the search indexes (GIN) were maintained inside "customers"
        return spent


def report(runs: list[dict[str, float]], new: int, kind: str, customers: int) -> None:
    medians = {step: statistics.median(r[step] for r in runs) for step in STEPS}
    total = sum(medians.values())
    print(
        f"import floor, {kind}: {new:,} new customers (+ their contacts) into "
        f"{customers:,}, chunks as the import writes them, medians of {len(runs)} runs:"
    )
    for step in STEPS:
        if medians[step]:
            print(f"  {step:<12} {medians[step] / new * 1e6:7.1f} µs/row")
    print(
        f"  {'total':<12} {total / new * 1e6:7.1f} µs/row = at most {new / total:,.0f} rows/s "
        "with no Python work at all"
    )
    print(f"reproduce: {command_line()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=90_000, help="customers to add")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--database", metavar="URL")
    args = parser.parse_args()
    from crm_desktop.services.customer_import import WRITE_CHUNK

    runs: list[dict[str, float]] = []
    if args.database or args.postgres:
        cluster = None
        url = args.database
        from common import ensure_postgresql

        if url is None:
            from concurrency import PLAIN_DB, start_cluster

            base = Path(tempfile.gettempdir()) / f"crm-bench-pg-{args.customers}"
            cluster = start_cluster(base, clients=4)
            if not cluster.has_database(PLAIN_DB):
                cluster.execute(f"CREATE DATABASE {PLAIN_DB} ENCODING 'UTF8' TEMPLATE template0")
            url = cluster.url(PLAIN_DB)
        try:
            ensure_postgresql(url, args.customers)
            for _ in range(args.runs):
                runs.append(postgres_run(url, args.new, WRITE_CHUNK))
        finally:
            if cluster is not None:
                from concurrency import stop_cluster

                stop_cluster(cluster)
        report(runs, args.new, "PostgreSQL", args.customers)
        return 0
    original = ensure_sqlite_database(args.customers)
    work = Path(tempfile.mkdtemp(prefix="crm-bench-floor-"))
    try:
        for _ in range(args.runs):
            target = work / "floor.sqlite3"
            for stale in work.iterdir():
                stale.unlink()
            backup_copy(original, target)
            runs.append(sqlite_run(target, args.new, WRITE_CHUNK))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(runs, args.new, "SQLite", args.customers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
