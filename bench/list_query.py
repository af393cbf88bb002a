"""Bench of the customer list's queries on 1,000,000 demo customers (SQLite): the ordered ids
of a filter, one page of display rows by id, and a keyset page deep in the list.

    python bench/list_query.py [--customers N] [--repeat R] [--with-proposed-indexes]

``--with-proposed-indexes`` runs the same on a copy of the file (bench/out/…-listidx.sqlite3,
made once) that has the indexes proposed for the list, to show what they would buy.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT_DIR, command_line, ensure_sqlite_database, median_ms

# Indexes proposed for the list (models.py / migrations are not ours to edit). Each starts with
# deleted_at (the list's constant "deleted_at IS NULL" becomes an index equality), continues with
# the sort column and id (so ORDER BY sort, id is the index order: no sort step), and carries
# owner_id/branch_id (the visibility columns) so every role's query is answered from the index
# alone. Measured here: partial indexes (WHERE deleted_at IS NULL) mislead SQLite 3.40's planner
# into table lookups per row (6 s), and an index without id leaves a sort of the ties (0.7 s).
PROPOSED_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_customer_list_name ON customer "
    "(deleted_at, name, id, owner_id, branch_id)",
    "CREATE INDEX IF NOT EXISTS ix_customer_list_created_at ON customer "
    "(deleted_at, created_at, id, region_id, owner_id, branch_id)",
    "CREATE INDEX IF NOT EXISTS ix_customer_list_grade_next ON customer "
    "(deleted_at, grade_id, next_followup_at, id, owner_id, branch_id)",
    # region counts (GROUP BY region_id) and the region filter
    "CREATE INDEX IF NOT EXISTS ix_customer_list_region ON customer "
    "(deleted_at, region_id, owner_id, branch_id)",
)


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    samples: list[float] = []
    result: Any = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return samples, result


def _indexed_copy(source: Path) -> Path:
    target = OUT_DIR / (source.stem + "-listidx.sqlite3")
    if target.exists() and target.stat().st_mtime < source.stat().st_mtime:
        target.unlink()  # the demo file was regenerated since
    if not target.exists():
        print(f"copying {source.name} and adding the proposed indexes …", file=sys.stderr)
        partial = target.with_suffix(".partial")
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            for ddl in PROPOSED_INDEXES:
                dst.execute(ddl)
            dst.execute("ANALYZE")
            dst.commit()
        finally:
            dst.close()
            src.close()
        partial.rename(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--with-proposed-indexes", action="store_true")
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from crm_desktop.core.paths import sqlite_url
    from crm_desktop.db.models import Grade, Region
    from crm_desktop.services.context import SYSTEM
    from crm_desktop.services.customer_list import (
        CustomerFilter,
        SortSpec,
        fetch_rows,
        filtered_ids,
        keyset_after,
        keyset_page,
    )
    from crm_desktop.services.database import open_database
    from crm_desktop.services.users import actor_of, get_user

    path = ensure_sqlite_database(args.customers)
    if args.with_proposed_indexes:
        path = _indexed_copy(path)
    db = open_database(sqlite_url(path))
    print(f"# {command_line()}")
    print(f"# database: {path.name}, {args.customers:,} customers, median of {args.repeat}")
    try:
        with db.read_session_factory() as s:
            grade_a = s.scalar(select(Grade.id).where(Grade.code == "A"))
            east = s.scalar(select(Region.id).where(Region.name.in_(("华东", "East China"))))
            sales = actor_of(get_user(s, "li.na"))
        cases = [
            ("filtered_ids: no filter, by name", CustomerFilter(), SortSpec("name"), SYSTEM),
            (
                "filtered_ids: grade A, by next follow-up",
                CustomerFilter(grade_ids=(grade_a,) if grade_a else ()),
                SortSpec("next_followup_at"),
                SYSTEM,
            ),
            (
                "filtered_ids: region 华东 subtree, by created desc",
                CustomerFilter(region_id=east),
                SortSpec("created_at", descending=True),
                SYSTEM,
            ),
            (
                "filtered_ids: a salesperson's view (own + pool), by name",
                CustomerFilter(),
                SortSpec("name"),
                sales,
            ),
        ]
        by_name: Any = None
        for label, flt, sort, actor in cases:
            with db.read_session_factory() as s:
                samples, ids = _timed(
                    lambda s=s, f=flt, o=sort, a=actor: filtered_ids(s, f, o, a), args.repeat
                )
            if by_name is None:
                by_name = ids
            print(f"{label:<58} {median_ms(samples):>10}   ({len(ids):,} ids)")
        middle = len(by_name) // 2
        page_ids = list(by_name[middle : middle + 200])
        with db.read_session_factory() as s:
            samples, rows = _timed(lambda s=s: fetch_rows(s, page_ids), args.repeat * 4)
        print(f"{'fetch_rows: 200 rows at position ' + format(middle, ','):<58} "
              f"{median_ms(samples):>10}   ({len(rows)} rows)")  # fmt: skip
        sort = SortSpec("name")
        with db.read_session_factory() as s:
            after = keyset_after(s, by_name[middle - 1], sort)
            samples, page = _timed(
                lambda s=s: keyset_page(s, CustomerFilter(), sort, after, 200, actor=SYSTEM),
                args.repeat,
            )
        same = [r.id for r in page.rows] == list(by_name[middle : middle + 200])
        print(f"{'keyset_page: 200 rows after position ' + format(middle, ',') + ', by name':<58} "
              f"{median_ms(samples):>10}   (same rows as the id list: {same})")  # fmt: skip
        from crm_desktop.services.customers import find_duplicates

        probe = rows[0]
        with db.read_session_factory() as s:
            samples, hits = _timed(
                lambda s=s: find_duplicates(
                    s, name=probe.name, phone=probe.phone, email=probe.email, actor=sales
                ),
                args.repeat * 4,
            )
        print(f"{'find_duplicates: name + phone + email of an existing row':<58} "
              f"{median_ms(samples):>10}   ({len(hits)} hits)")  # fmt: skip
        from crm_desktop.services.config import region_tree

        with db.read_session_factory() as s:
            samples, tree = _timed(lambda s=s: region_tree(s), args.repeat)
        total = sum(node.count for node in tree)
        print(f"{'region_tree: subtree counts (one GROUP BY region_id)':<58} "
              f"{median_ms(samples):>10}   ({total:,} customers counted)")  # fmt: skip
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
