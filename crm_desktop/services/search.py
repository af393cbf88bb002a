"""The one search box (DESIGN §4): find customers by any fragment, ranked, in milliseconds.

Each query kind goes to the index that can answer it, every source bounded by a LIMIT:
the name key (exact, B-tree) and name prefix, the trigram index over ``search_text`` (3+
characters: names, contacts, address, pinyin, initials, phone digits, email) and the token index
over ``search_keys`` (2-character Chinese, 1–2 letters, pinyin initials and name prefixes).
The union of those candidates is ranked here — exact, then prefix, then the rest, shorter names
first — instead of sorting every match in SQL, which costs 100+ ms for a common fragment.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    Text,
    any_,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session

from crm_desktop.core.progress import Progress
from crm_desktop.core.text import digits, fold, name_key
from crm_desktop.db import search_sql, shared_sql
from crm_desktop.db.models import AppUser, Customer, Grade, Region
from crm_desktop.services import server
from crm_desktop.services.context import Actor

CANDIDATES_PER_SOURCE = 200
DEFAULT_LIMIT = 50
MAX_QUERY_LENGTH = 200  # longer input is cut: nobody types more, and it bounds the work
_SHARED_SEARCH_INFO = "crm_desktop.search_function"  # connection.info key

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_ONLY = re.compile(f"[{_CJK}]+")
_LATIN = re.compile(r"[0-9a-z]+")
_PHONE_LIKE = re.compile(r"\+?[\d\s\-().]+")
_MIN_PHONE_DIGITS = 3
_TRIGRAM = 3  # the shortest fragment the trigram indexes answer


@dataclass(frozen=True)
class CustomerHit:
    """One found customer as the search box and ``customers search`` show it."""

    id: int
    name: str
    grade: str | None  # grade code
    region: str | None  # region name
    owner: str | None  # display name; None = public pool
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class SearchResult:
    """``results``: the best ``limit`` hits, ranked. ``total``: how many distinct customers the
    bounded candidate sources found — an exact count when ``capped`` is False, else a lower
    bound ("≥ total")."""

    query: str
    elapsed_ms: float
    total: int
    results: list[CustomerHit]
    capped: bool = False


# --------------------------------------------------------------------------- the query


@dataclass(frozen=True)
class _Plan:
    """What to ask which index for one search text."""

    folded: str  # fold(text): full/half width and case folded, spaces collapsed
    key: str  # name_key(text): as customer.name_norm is stored
    text_fragments: tuple[str, ...]  # trigram source: search_text holds every one (≥ 3 chars)
    keys_token: str | None  # token index source …
    keys_prefix: bool  # … as a prefix, or the exact token
    required: tuple[str, ...]  # every candidate's search_text must hold these too
    digits: str | None  # a phone-like query's digits (the form search_text holds)

    @property
    def empty(self) -> bool:
        return not (self.key or self.text_fragments or self.keys_token)


def phone_digits_query(folded: str) -> str | None:
    """The digits to look for when ``folded`` looks like (part of) a phone number: separators
    dropped, a +86 / 0086 country prefix and leading zeros removed (stored numbers may be
    written with or without the 0 of the area code). None for anything else."""
    if not _PHONE_LIKE.fullmatch(folded):
        return None
    found = digits(folded)
    if len(found) < _MIN_PHONE_DIGITS:
        return None
    if folded.startswith("+86") or found.startswith("0086"):
        found = found[2:] if folded.startswith("+86") else found[4:]
    elif found.startswith("86") and len(found) >= 12:  # 86 + a 10/11-digit national number
        found = found[2:]
    stripped = found.lstrip("0")
    return stripped if len(stripped) >= _MIN_PHONE_DIGITS else found


def plan_query(text: str) -> _Plan:
    """Decide which indexes answer ``text`` (no database access; unit-testable)."""
    folded = fold(text[:MAX_QUERY_LENGTH])
    phone = phone_digits_query(folded)
    if phone is not None:
        return _Plan(folded, name_key(folded), (phone,), None, False, (), phone)
    words = folded.split()
    if not words:
        return _Plan("", "", (), None, False, (), None)
    key = name_key(folded)
    long_words = [w for w in words if len(w) >= _TRIGRAM]
    short_words = [w for w in words if len(w) < _TRIGRAM]
    fragments = tuple(long_words)
    keys_word = words[0] if len(words) == 1 else (short_words[0] if short_words else None)
    keys_token: str | None = None
    keys_prefix = False
    if keys_word is not None:
        if len(keys_word) == 2 and _CJK_ONLY.fullmatch(keys_word):
            keys_token = keys_word  # a bigram: exact token
        elif len(keys_word) == 1 and _CJK_ONLY.fullmatch(keys_word):
            keys_token, keys_prefix = keys_word, True  # bigrams starting with it
        elif _LATIN.fullmatch(keys_word):
            # Initials, pinyin, name key or a Latin word starting with it (any length: "hwjs"
            # also finds 华为技术股份 whose initials are longer).
            keys_token, keys_prefix = keys_word, True
    if len(words) > 1:
        # Several words: the index answers one, and every word must be in the haystack.
        required = tuple(words)
        if fragments:
            keys_token = None
    else:
        required = ()
    return _Plan(folded, key, fragments, keys_token, keys_prefix, required, None)


# --------------------------------------------------------------------------- visibility


def visibility_filter(actor: Actor | None) -> ColumnElement[bool] | None:
    """Which customers ``actor`` may see (DESIGN §3): sales their own and the public pool,
    managers also their branch, admins all. None = no restriction. (In Shared mode the server
    enforces the same with row-level security.)

    Written as expressions no index serves, on purpose: both databases otherwise OR together
    the owner and branch indexes (160,000+ entries for one salesperson, 80–350 ms) instead of
    filtering the few hundred rows the search index yields."""
    if actor is None or actor.is_admin:
        return None
    # Literal zeros: the expressions must read exactly as the PostgreSQL statistics
    # search_customer_visibility (db/search_sql.py) for the planner to use them.
    zero = literal_column("0", Integer)
    owner = func.coalesce(Customer.owner_id, zero)  # 0: the public pool (ids start at 1)
    mine_or_pool = owner.in_([0, actor.id]) if actor.id is not None else owner == 0
    if actor.is_manager and actor.branch_id is not None:
        return or_(mine_or_pool, func.coalesce(Customer.branch_id, zero) == actor.branch_id)
    return mine_or_pool


# --------------------------------------------------------------------------- sources


def _candidate_columns(plan: _Plan) -> tuple[Any, ...]:
    """What ranking needs of a candidate; the long columns only for the queries that use them
    (row decoding is most of a source's cost)."""

    def column_or_blank(column: Any, needed: bool) -> Any:
        return column if needed else literal("").label(column.key)

    latin_prefix = plan.keys_prefix and bool(_LATIN.fullmatch(plan.folded))
    return (
        Customer.id,
        Customer.name,
        Customer.name_norm,
        column_or_blank(Customer.phone_digits, plan.digits is not None),
        column_or_blank(Customer.email_norm, "@" in plan.folded),
        column_or_blank(Customer.search_keys, latin_prefix),
    )


def _live(dialect: str) -> ColumnElement[bool]:
    """Not soft-deleted. On SQLite as ``+deleted_at IS NULL``: no statistics tell it that
    nearly every row matches, so it would otherwise read the list's (deleted_at, …) indexes
    end to end instead of the search index (a 1M-row scan per keystroke)."""
    if dialect == "sqlite":
        return literal_column("+customer.deleted_at").is_(None)
    return Customer.deleted_at.is_(None)


def _required_filters(plan: _Plan, dialect: str) -> list[Any]:
    if dialect == "sqlite":
        return [func.instr(Customer.search_text, w) > 0 for w in plan.required]
    return [
        Customer.search_text.like(search_sql.like_contains(w), escape="\\") for w in plan.required
    ]


def _prefix_range(
    base: Select[Any],
    column: Any,
    prefix: str,
    dialect: str,
    filters: list[Any],
    cap: int,
    *,
    equal: bool = False,
) -> Select[Any]:
    """Rows whose ``column`` starts with ``prefix`` (or equals it, with ``equal``), in order:
    a B-tree range in byte order (SQLite's BINARY, PostgreSQL's "C" collation, which the
    search_customer_name_norm_prefix index has), stopping after ``cap`` rows."""
    ordered = column if dialect == "sqlite" else column.collate("C")
    return (
        base.where(
            ordered >= prefix if equal else ordered > prefix,
            ordered < prefix + "\U0010ffff",
            *filters,
        )
        .order_by(ordered)
        .limit(cap)
    )


@dataclass(frozen=True)
class _Source:
    """One bounded candidate source: ``kind`` names the index that answers it (also the
    ``p_source`` of Shared mode's search function), ``terms`` what to look for."""

    kind: str  # name | name_prefix | initials_prefix | keys | keys_prefix | text
    terms: tuple[str, ...]


def _source_specs(plan: _Plan, dialect: str) -> Iterator[_Source]:
    """The candidate sources for ``plan``, cheapest first."""
    if plan.key:
        yield _Source("name", (plan.key,))
        yield _Source("name_prefix", (plan.key,))
    token = plan.keys_token
    if dialect != "sqlite" and token is not None and len(token) == 1:
        # PostgreSQL answers a one-character prefix ("h", "华") from the tsvector index only by
        # building a bitmap of 60,000–160,000 rows (90–115 ms). The first keystroke gets name
        # prefixes instead: the name key above, and for a letter the initials (first reading).
        if _LATIN.fullmatch(token):
            yield _Source("initials_prefix", (token,))
    elif token is not None:
        yield _Source("keys_prefix" if plan.keys_prefix else "keys", (token,))
    if plan.text_fragments:
        yield _Source("text", plan.text_fragments)


def _sources(
    plan: _Plan, dialect: str, visible: ColumnElement[bool] | None, cap: int, columns: Sequence[Any]
) -> Iterator[Select[Any]]:
    """The bounded candidate queries for ``plan``, cheapest first."""
    filters: list[Any] = [_live(dialect), *_required_filters(plan, dialect)]
    if visible is not None:
        filters.append(visible)
    base = select(*columns)
    for source in _source_specs(plan, dialect):
        term = source.terms[0]
        if source.kind == "name":
            yield base.where(Customer.name_norm == term, *filters).limit(cap)
        elif source.kind == "name_prefix":
            yield _prefix_range(base, Customer.name_norm, term, dialect, filters, cap)
        elif source.kind == "initials_prefix":
            yield _prefix_range(
                base, Customer.name_initials, term, dialect, filters, cap, equal=True
            )
        elif source.kind in ("keys", "keys_prefix"):
            prefix = source.kind == "keys_prefix"
            if dialect == "sqlite":
                keys = table(search_sql.KEYS_TABLE)
                yield (
                    base.select_from(keys)
                    .join(Customer, Customer.id == search_sql.rowid_column(search_sql.KEYS_TABLE))
                    .where(search_sql.sqlite_keys_match(term, prefix=prefix), *filters)
                    .limit(cap)
                )
            else:
                yield base.where(search_sql.pg_keys_match(term, prefix=prefix), *filters).limit(cap)
        elif dialect == "sqlite":
            fts = table(search_sql.TEXT_TABLE)
            yield (
                base.select_from(fts)
                .join(Customer, Customer.id == search_sql.rowid_column(search_sql.TEXT_TABLE))
                .where(search_sql.sqlite_text_match(list(source.terms)), *filters)
                .limit(cap)
            )
        else:
            yield base.where(
                *(
                    Customer.search_text.like(search_sql.like_contains(f), escape="\\")
                    for f in source.terms
                ),
                *filters,
            ).limit(cap)


def _shared_sources(
    plan: _Plan, visible: ColumnElement[bool] | None, cap: int, columns: Sequence[Any]
) -> Iterator[Select[Any]]:
    """Shared mode: the same sources through the server's search function, which applies the
    login's visibility itself and returns ids (row-level security would keep the search
    indexes from being used); the rows are then read under row-level security as usual."""
    for source in _source_specs(plan, "postgresql"):
        ids = select(
            func.crm_search_customer_ids(
                source.kind,
                literal(list(source.terms), ARRAY(Text)),
                literal(list(plan.required), ARRAY(Text)),
                cap,
            )
        )
        # id = ANY(ARRAY(…)), not IN (…): the planner then reads the primary key for the few
        # ids instead of joining them to the policy's owner-index bitmap.
        stmt = select(*columns).where(
            Customer.id == any_(func.array(ids.scalar_subquery())), Customer.deleted_at.is_(None)
        )
        yield stmt if visible is None else stmt.where(visible)


def _uses_search_function(session: Session) -> bool:
    """Shared mode, as a login the search function serves (``shared_sql.
    search_function_applies``); otherwise the search runs as on a plain database (under
    row-level security, if any). Asked once per database connection."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    connection = session.connection()
    cached = connection.info.get(_SHARED_SEARCH_INFO)
    if cached is None:
        cached = server.is_shared(connection) and shared_sql.search_function_applies(connection)
        connection.info[_SHARED_SEARCH_INFO] = cached
    return bool(cached)


@contextmanager
def _search_connection(session: Session) -> Iterator[None]:
    """PostgreSQL: no server-side prepared statements while searching. psycopg prepares a
    statement after 5 runs, and the generic plan then sends 2-character fragments through the
    useless trigram index (653 ms instead of 13 ms here)."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    dbapi = session.connection().connection.dbapi_connection
    before = getattr(dbapi, "prepare_threshold", None)
    dbapi.prepare_threshold = None  # type: ignore[union-attr]
    try:
        yield
    finally:
        dbapi.prepare_threshold = before  # type: ignore[union-attr]


# --------------------------------------------------------------------------- ranking


_EXACT, _PREFIX, _IN_NAME, _ELSEWHERE = 0, 1, 2, 3


def _phone_core(stored: str) -> str:
    """A stored phone's digits as a query's are normalized (no 86 prefix, no leading 0)."""
    if stored.startswith("86") and len(stored) >= 12:
        stored = stored[2:]
    return stored.lstrip("0")


def _rank(row: Any, plan: _Plan) -> tuple[int, int, str, int]:
    """0 exact, 1 prefix, 2 in the name, 3 elsewhere (contacts, address, phone …); then
    shorter names first."""
    name_folded = fold(row.name)
    q, key = plan.folded, plan.key
    if plan.digits is not None:
        phones = [_phone_core(p) for p in row.phone_digits.split()]
        if plan.digits in phones:
            tier = _EXACT
        elif any(p.startswith(plan.digits) for p in phones):
            tier = _PREFIX
        else:
            tier = _ELSEWHERE
    elif (key and row.name_norm == key) or q in (name_folded, row.email_norm):
        tier = _EXACT
    elif (key and row.name_norm.startswith(key)) or name_folded.startswith(q):
        tier = _PREFIX
    elif plan.keys_prefix and plan.keys_token and _LATIN.fullmatch(q):
        # Initials, pinyin or a word of the name starting with the letters typed.
        tokens = row.search_keys.split()
        if any(t.startswith(q) for t in tokens):
            tier = _PREFIX
        else:
            tier = _IN_NAME if q in name_folded else _ELSEWHERE
    elif q in name_folded or (key and key in row.name_norm):
        tier = _IN_NAME
    else:
        tier = _ELSEWHERE
    return (tier, len(row.name), row.name, row.id)


# --------------------------------------------------------------------------- services


def _candidates(
    session: Session,
    plan: _Plan,
    visible_to: Actor | None,
    cap: int,
    columns: Sequence[Any],
    progress: Progress | None,
    *,
    rank_until: int | None = None,
) -> tuple[dict[int, Any], bool]:
    """Rows of every source by id, and whether a source was cut (more may exist). With
    ``rank_until`` the rows are (rank, row) and the remaining sources are skipped once that many
    exact or prefix matches are in: they could only add lower-ranked ones (the trigram scan of
    a long pinyin fragment is the costliest source, up to ~20 ms on 1M rows)."""
    dialect = session.get_bind().dialect.name
    visible = visibility_filter(visible_to)
    found: dict[int, Any] = {}
    capped = False
    best = 0
    connection = session.connection()
    if _uses_search_function(session):
        sources = _shared_sources(plan, visible, cap, columns)
    else:
        sources = _sources(plan, dialect, visible, cap, columns)
    with _search_connection(session):
        for stmt in sources:
            if rank_until is not None and best >= rank_until:
                capped = True
                break
            if progress is not None:
                progress.check_cancelled()
            # Core execution: the ORM layer adds ~0.15 ms a statement and nothing needed here.
            rows = connection.execute(stmt).all()
            capped = capped or len(rows) >= cap
            for row in rows:
                if row.id in found:
                    continue
                if rank_until is None:
                    found[row.id] = row
                else:
                    rank = _rank(row, plan)
                    found[row.id] = (rank, row)
                    best += rank[0] <= _PREFIX
    return found, capped


def search_customers(
    session: Session,
    text: str,
    *,
    limit: int = DEFAULT_LIMIT,
    visible_to: Actor | None = None,
    progress: Progress | None = None,
) -> SearchResult:
    """Customers matching ``text`` — a fragment of a name, full pinyin, pinyin initials, a
    contact's name, phone digits (spaces, dashes, +86 and a leading 0 ignored), an email or an
    address — best first: exact name, name prefix, then other matches, shorter names first.

    The index sources return at most CANDIDATES_PER_SOURCE candidates each, and the last ones
    are skipped once ``limit`` exact or prefix matches are found, so the ranking is over a
    bounded set: ``total`` counts the candidates, "≥ total" when ``capped``. Soft-deleted
    customers never appear; ``visible_to`` limits the hits to what that user may see (None:
    everything)."""
    started = time.perf_counter()
    plan = plan_query(text)
    hits: list[CustomerHit] = []
    total, capped = 0, False
    if not plan.empty and limit > 0:
        found, capped = _candidates(
            session,
            plan,
            visible_to,
            CANDIDATES_PER_SOURCE,
            _candidate_columns(plan),
            progress,
            rank_until=limit,
        )
        total = len(found)
        ranked = sorted(found.values(), key=lambda pair: pair[0])[:limit]
        hits = _hits(session, [row.id for _rank_key, row in ranked])
    return SearchResult(
        query=text,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
        total=total,
        results=hits,
        capped=capped,
    )


def matching_ids(
    session: Session,
    text: str,
    *,
    cap: int = 10_000,
    visible_to: Actor | None = None,
    progress: Progress | None = None,
) -> list[int]:
    """Ids of customers matching ``text`` (ascending, unranked, at most ``cap``): for the
    customer list, which combines the search text with its filters."""
    plan = plan_query(text)
    if plan.empty or cap <= 0:
        return []
    found, _capped = _candidates(session, plan, visible_to, cap, (Customer.id,), progress)
    return sorted(found)[:cap]


def _hits(session: Session, ids: Iterable[int]) -> list[CustomerHit]:
    order = list(ids)
    if not order:
        return []
    rows = (
        session.connection()
        .execute(
            select(
                Customer.id,
                Customer.name,
                Grade.code,
                Region.name,
                AppUser.display_name,
                Customer.phone,
                Customer.email,
            )
            .outerjoin(Grade, Grade.id == Customer.grade_id)
            .outerjoin(Region, Region.id == Customer.region_id)
            .outerjoin(AppUser, AppUser.id == Customer.owner_id)
            .where(Customer.id.in_(order))
        )
        .all()
    )
    by_id = {row[0]: CustomerHit(*row) for row in rows}
    return [by_id[i] for i in order if i in by_id]
