"""Search-as-you-type latency per query kind over 1,000,000 demo customers (issue 3, DESIGN §12).

For each kind, ~30 different queries drawn from the data (plus misses) run through the same
service the search box uses, each in its own read session as the GUI runs it, asking for the
first 50 ranked results; p50/p95 per kind are printed with the command that reproduces them.

python bench/search.py                                  # SQLite file in bench/out/ (made if needed)
python bench/search.py --database postgresql://USER@HOST/DB   # loads the demo data if missing
python bench/search.py --database postgresql://postgres@HOST/crm_bench \
    --shared postgresql://li.na:PASSWORD@HOST/crm_bench_shared   # plain vs Shared, as li.na

With ``--shared`` (a Shared-mode copy of the same data, as bench/concurrency.py makes, signed in
as a login) the same queries run twice — on ``--database`` as that user sees it (the search's
visibility filter) and on the Shared database as the login (row-level security, and the
visibility filter as the app passes it) — and both columns are printed.

Targets: p95 ≤ 30 ms on SQLite, ≤ 50 ms on PostgreSQL, every kind.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import command_line, ensure_postgresql, ensure_sqlite_database, sqlite_bench_path

KINDS = (
    "2-char Chinese",
    "3-4 char Chinese",
    "English word fragment",
    "phone 4 digits",
    "phone 7 digits",
    "pinyin initials",
    "full pinyin",
    "miss",
)
TARGET_MS = {"sqlite": 30.0, "postgresql": 50.0}
_CJK = re.compile("^[\u4e00-\u9fff]+$")


def _sqlite_url_for(customers: int) -> str:
    """The bench file at the current schema: an older one is generated again (demo data is
    deterministic, so every run searches the same customers)."""
    from crm_desktop.core.paths import sqlite_url
    from crm_desktop.db import migrate
    from crm_desktop.db.engine import create_db_engine

    path = sqlite_bench_path(customers)
    if path.exists():
        engine = create_db_engine(sqlite_url(path))
        try:
            current = migrate.current_revision(engine)
        finally:
            engine.dispose()
        if current != migrate.head_revision():
            print(
                f"{path} has schema {current}, not {migrate.head_revision()}: regenerating",
                file=sys.stderr,
            )
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
    return sqlite_url(ensure_sqlite_database(customers))


def _draw_queries(session: Any, per_kind: int, seed: int) -> dict[str, list[str]]:
    """Queries of every kind, drawn from random customers (deterministic for a seed)."""
    from sqlalchemy import func, select

    from crm_desktop.db.models import Contact, Customer
    from crm_desktop.services.search import search_customers
    from crm_desktop.services.search_keys import initials_variants, pinyin_variants

    rnd = random.Random(seed)
    top = int(session.scalar(select(func.max(Customer.id))) or 0)
    ids = rnd.sample(range(1, top + 1), min(top, 4000))
    rows = session.execute(
        select(Customer.id, Customer.name, Customer.name_norm, Customer.phone_digits).where(
            Customer.id.in_(ids)
        )
    ).all()
    mobiles = list(
        session.scalars(select(Contact.mobile).where(Contact.customer_id.in_(ids[:500])))
    )
    chinese = [r for r in rows if _CJK.match(r.name_norm or "")]
    english = [r for r in rows if r.name.isascii()]
    rnd.shuffle(chinese)
    rnd.shuffle(english)
    out: dict[str, list[str]] = {kind: [] for kind in KINDS}

    def fill(kind: str, make: Callable[[], str | None]) -> None:
        seen: set[str] = set()
        for _ in range(per_kind * 50):
            if len(out[kind]) >= per_kind:
                return
            query = make()
            if query and query not in seen:
                seen.add(query)
                out[kind].append(query)

    def substring(text: str, length: int) -> str | None:
        if len(text) < length:
            return None
        start = rnd.randrange(len(text) - length + 1)
        return text[start : start + length]

    fill("2-char Chinese", lambda: substring(rnd.choice(chinese).name_norm, 2))
    fill("3-4 char Chinese", lambda: substring(rnd.choice(chinese).name_norm, rnd.choice((3, 4))))

    def english_fragment() -> str | None:
        words = [w for w in re.findall(r"[A-Za-z]+", rnd.choice(english).name) if len(w) >= 4]
        if not words:
            return None
        word = rnd.choice(words).lower()
        return substring(word, rnd.choice((3, 4, 5)))

    fill("English word fragment", english_fragment)
    phones = [p for r in rows for p in r.phone_digits.split()] + [m for m in mobiles if m]
    fill("phone 4 digits", lambda: substring(rnd.choice(phones), 4))
    fill("phone 7 digits", lambda: substring(rnd.choice(phones), 7))

    def initials() -> str | None:
        row = rnd.choice(chinese)
        variants = initials_variants(row.name)
        return variants[0][: rnd.choice((2, 3, 4, 4, 5))] if variants else None

    fill("pinyin initials", initials)

    def full_pinyin() -> str | None:
        row = rnd.choice(chinese)
        syllables = rnd.choice((2, 2, 3))
        core = row.name_norm[:syllables]
        return pinyin_variants(core, 1)[0] if len(core) == syllables else None

    fill("full pinyin", full_pinyin)

    rare = "鼋鼍鼬鼯齁齉龃龉龌龊黡黩黪鳜鳟鲵鲶"

    syllables = ("zhong", "qing", "chang", "xue", "kuang", "zhuang", "shuang", "ming", "lian")

    def miss() -> str | None:
        form = rnd.randrange(4)
        if form == 0:
            query = "".join(rnd.choice(rare) for _ in range(rnd.choice((2, 3, 4))))
        elif form == 1:
            query = "".join(rnd.choice("qxzvj") for _ in range(rnd.choice((3, 4, 5, 6))))
        elif form == 2:
            # Plausible pinyin nobody has: the trigram index's costliest miss.
            query = "".join(rnd.choice(syllables) for _ in range(rnd.choice((2, 3))))
        else:
            query = "".join(rnd.choice("bcdfgklmnprstw") for _ in range(5)) + "@nowhere.test"
        # A "miss" must find nothing.
        return None if search_customers(session, query, limit=1).total else query

    fill("miss", miss)
    return out


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _measure(
    db: Any, queries: dict[str, list[str]], limit: int, repeat: int, actor: Any, show: bool
) -> dict[str, tuple[list[float], list[int]]]:
    """Per kind: each query's median time (ms) and its number of results."""
    from crm_desktop.services.search import search_customers

    with db.read_session_factory() as s:
        # Warm-up: SQL compiled, caches filled, as in an app that has been searched once.
        for warm in ("预热", "warm", "1234", "yr", "上海市"):
            search_customers(s, warm, limit=limit, visible_to=actor)
    out: dict[str, tuple[list[float], list[int]]] = {}
    for kind in KINDS:
        times: list[float] = []
        hits: list[int] = []
        for query in queries[kind]:
            runs: list[float] = []
            for _ in range(repeat):
                started = time.perf_counter()
                with db.read_session_factory() as s:
                    result = search_customers(s, query, limit=limit, visible_to=actor)
                runs.append((time.perf_counter() - started) * 1000)
            elapsed = statistics.median(runs)
            times.append(elapsed)
            hits.append(len(result.results))
            if show:
                print(
                    f"    {db.label[:12]:<12} {kind:<22} {query!r:<24} {elapsed:7.2f} ms  "
                    f"{len(result.results):3d} of {result.total}{'+' if result.capped else ''}"
                )
        out[kind] = (times, hits)
    return out


def _actor_of_login(db: Any, login: str) -> Any:
    from sqlalchemy import select

    from crm_desktop.db.models import AppUser
    from crm_desktop.services.users import actor_of

    with db.read_session_factory() as s:
        return actor_of(s.scalars(select(AppUser).where(AppUser.login == login)).one())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", help="a URL; default: the SQLite bench file")
    parser.add_argument(
        "--shared",
        metavar="URL",
        help="a Shared-mode copy of the same data, signed in as a login: compare both",
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=30, help="queries per kind")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per query; its median counts (a shared machine's scheduling spikes)",
    )
    parser.add_argument("--show", action="store_true", help="print every query and its time")
    args = parser.parse_args()

    from sqlalchemy.engine import make_url

    from crm_desktop.services.database import open_database

    if args.database:
        url = args.database
        if url.startswith("postgres"):
            ensure_postgresql(url, args.customers)
    else:
        url = _sqlite_url_for(args.customers)
    db = open_database(url)
    shared = open_database(args.shared) if args.shared else None
    try:
        with db.read_session_factory() as s:
            queries = _draw_queries(s, args.queries, args.seed)
        login = make_url(args.shared).username if args.shared else None
        actor = _actor_of_login(db, login) if login else None
        print(f"command: {command_line()}")
        print(
            f"database: {db.label}, {args.customers:,} customers; first {args.limit} "
            f"ranked results; one read session per search; median of {args.repeat} runs "
            "per query"
        )
        runs = {"": _measure(db, queries, args.limit, args.repeat, actor, args.show)}
        if shared is not None:
            print(
                f"plain: {db.label} searched as {login}'s visibility; Shared: {shared.label} "
                f"signed in as {login} (row-level security)"
            )
            shared_actor = _actor_of_login(shared, str(login))
            runs = {
                "plain ": runs[""],
                "Shared ": _measure(
                    shared, queries, args.limit, args.repeat, shared_actor, args.show
                ),
            }
        header = f"{'kind':<24}{'n':>4}"
        for side in runs:
            header += f"{side + 'p50 ms':>{max(9, len(side) + 8)}}"
            header += f"{side + 'p95 ms':>{max(9, len(side) + 8)}}"
            header += f"{side + 'max ms':>{max(9, len(side) + 8)}}"
        print(f"{header}  hits (median)  examples")
        worst = 0.0
        for kind in KINDS:
            line = f"{kind:<24}{len(queries[kind]):>4}"
            for side, measured in runs.items():
                times, _hits = measured[kind]
                p95 = _percentile(times, 95)
                worst = max(worst, p95)
                width = max(9, len(side) + 8)
                line += f"{statistics.median(times):>{width}.2f}{p95:>{width}.2f}"
                line += f"{max(times):>{width}.2f}"
            hits = [statistics.median(m[kind][1]) for m in runs.values()]
            print(
                f"{line}  {'/'.join(f'{h:.0f}' for h in hits):>13}  " + ", ".join(queries[kind][:4])
            )
        target = TARGET_MS.get(db.dialect, 30.0)
        print(
            f"worst p95: {worst:.2f} ms — target ≤ {target:.0f} ms: "
            f"{'met' if worst <= target else 'MISSED'}"
        )
    finally:
        db.dispose()
        if shared is not None:
            shared.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
