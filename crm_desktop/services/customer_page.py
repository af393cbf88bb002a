"""Composed reads and small batch writes of the Customers page: the filter panel's choices, the
list's ids with the search text applied, region counts of the same filter, and deleting or
restoring a multi-selection as one operation (one transaction)."""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from crm_desktop.core.errors import UserError
from crm_desktop.core.progress import NullProgress, Progress
from crm_desktop.services.config import (
    BranchRow,
    GradeRow,
    RegionNode,
    build_region_tree,
    list_branches,
    list_grades,
    list_regions,
)
from crm_desktop.services.context import Actor
from crm_desktop.services.customer_list import (
    MAX_PAGE,
    CustomerFilter,
    CustomerListRow,
    SortSpec,
    count_by_region,
    count_filtered,
    fetch_rows,
    filtered_ids,
    keyset_page,
)
from crm_desktop.services.customers import (
    BulkProblemRow,
    BulkResult,
    delete_customer,
    restore_customer,
)
from crm_desktop.services.search import matching_ids, plan_query
from crm_desktop.services.users import list_users

# The search box narrows the list to at most this many matches (then "N+ found").
SEARCH_CAP = 10_000


@dataclass(frozen=True)
class OwnerChoice:
    """A user the owner filter (and the bulk owner change) offers."""

    id: int
    display_name: str
    active: bool


@dataclass(frozen=True)
class FilterChoicesResult:
    """What the filter panel and the bulk dialogs offer. ``regions`` has no counts: those come
    later from ``filtered_region_counts`` so the panel never waits for a GROUP BY."""

    grades: tuple[GradeRow, ...]
    branches: tuple[BranchRow, ...]
    owners: tuple[OwnerChoice, ...]
    regions: tuple[RegionNode, ...]


@dataclass(frozen=True)
class CustomerIdsResult:
    """The ordered ids of the list (8 bytes a row). ``searched``: a search text narrowed them;
    ``search_capped``: the search found more than SEARCH_CAP customers and only the first
    SEARCH_CAP (by id) took part; ``elapsed_ms``: the time of the whole read.

    ``keep_row``: the row of the customer the caller wants to keep in view (None: not in the
    list); ``page``/``page_rows``: that row's page (else the first page) already fetched, so
    the list paints without a second round trip."""

    ids: array[int]
    elapsed_ms: float
    searched: bool
    search_capped: bool
    keep_row: int | None = None
    page: int = 0
    page_rows: tuple[CustomerListRow, ...] = ()


def filter_choices(session: Session, actor: Actor) -> FilterChoicesResult:
    """Grades, branches, owners and the region tree for the filter panel of ``actor``.

    A salesperson only sees their own customers and the pool, so the owner list offers only
    themselves; managers and admins get every user (inactive ones too: they may still own
    customers until a handover)."""
    users = list_users(session)
    if actor.is_manager:
        owners = tuple(OwnerChoice(u.id, u.display_name, u.active) for u in users)
    else:
        owners = tuple(
            OwnerChoice(u.id, u.display_name, u.active) for u in users if u.id == actor.id
        )
    return FilterChoicesResult(
        grades=tuple(list_grades(session)),
        branches=tuple(list_branches(session)),
        owners=owners,
        regions=tuple(build_region_tree(list_regions(session), {})),
    )


def _with_search(
    session: Session,
    flt: CustomerFilter,
    search_text: str,
    actor: Actor,
    cap: int,
    progress: Progress,
) -> tuple[CustomerFilter, bool, bool]:
    """``flt`` narrowed to the search matches; (filter, searched, capped). A text that folds
    to nothing (spaces, punctuation) searches nothing and narrows nothing."""
    if not search_text.strip() or plan_query(search_text).empty:
        return flt, False, False
    matches = matching_ids(session, search_text, cap=cap + 1, visible_to=actor, progress=progress)
    capped = len(matches) > cap
    progress.check_cancelled()
    return replace(flt, ids_subset=matches[:cap]), True, capped


def list_customer_ids(
    session: Session,
    flt: CustomerFilter,
    sort: SortSpec,
    actor: Actor,
    search_text: str = "",
    *,
    keep_id: int | None = None,
    page_size: int = 200,
    search_cap: int = SEARCH_CAP,
    progress: Progress | None = None,
) -> CustomerIdsResult:
    """The ids the list shows: ``flt`` and the search text combined, in ``sort`` order, with
    the page of ``keep_id`` (or the first page) of display rows."""
    progress = progress or NullProgress()
    started = time.perf_counter()
    narrowed, searched, capped = _with_search(
        session, flt, search_text, actor, search_cap, progress
    )
    ids = filtered_ids(session, narrowed, sort, actor)
    progress.check_cancelled()  # a newer keystroke asked for another list meanwhile
    keep_row: int | None = None
    if keep_id is not None:
        try:
            keep_row = ids.index(keep_id)
        except ValueError:
            keep_row = None
    page = (keep_row or 0) // max(1, page_size)
    start = page * page_size
    rows = fetch_rows(session, ids[start : start + min(page_size, MAX_PAGE)]) if ids else []
    return CustomerIdsResult(
        ids=ids,
        elapsed_ms=(time.perf_counter() - started) * 1000.0,
        searched=searched,
        search_capped=capped,
        keep_row=keep_row,
        page=page,
        page_rows=tuple(rows),
    )


def first_rows(
    session: Session,
    flt: CustomerFilter,
    sort: SortSpec,
    actor: Actor,
    search_text: str = "",
    *,
    limit: int = 200,
    search_cap: int = SEARCH_CAP,
    progress: Progress | None = None,
) -> list[CustomerListRow]:
    """The first ``limit`` rows of the list in ``sort`` order (one keyset page, a millisecond
    at any size): what start-up paints while the ids of the whole list are still on their way."""
    progress = progress or NullProgress()
    narrowed, _searched, _capped = _with_search(
        session, flt, search_text, actor, search_cap, progress
    )
    return keyset_page(session, narrowed, sort, None, min(limit, MAX_PAGE), actor=actor).rows


def count_customers(
    session: Session,
    flt: CustomerFilter,
    actor: Actor,
    search_text: str = "",
    *,
    search_cap: int = SEARCH_CAP,
    progress: Progress | None = None,
) -> int:
    """How many customers the list of ``flt`` and the search text holds (a COUNT: the
    start-up preview shows the final scroll bar and count before the ids arrive)."""
    progress = progress or NullProgress()
    narrowed, _searched, _capped = _with_search(
        session, flt, search_text, actor, search_cap, progress
    )
    return count_filtered(session, narrowed, actor)


def filtered_region_counts(
    session: Session,
    flt: CustomerFilter,
    actor: Actor,
    search_text: str = "",
    *,
    search_cap: int = SEARCH_CAP,
    progress: Progress | None = None,
) -> list[RegionNode]:
    """The region tree with, per node, how many customers of ``flt`` and the search text lie
    in its subtree (the region choice itself ignored)."""
    progress = progress or NullProgress()
    narrowed, _searched, _capped = _with_search(
        session, flt, search_text, actor, search_cap, progress
    )
    return count_by_region(session, narrowed, actor)


def _each(
    session: Session,
    ids: Sequence[int],
    actor: Actor,
    fn: Callable[[Session, int, Actor], object],
    progress: Progress,
) -> BulkResult:
    unique = list(dict.fromkeys(int(i) for i in ids))
    total = len(unique)
    changed = 0
    problems: list[BulkProblemRow] = []
    progress.report(0, total, None)
    for done, customer_id in enumerate(unique, start=1):
        progress.check_cancelled()
        try:
            # A savepoint per customer: a refusal leaves the others' changes in the transaction.
            with session.begin_nested():
                fn(session, customer_id, actor)
        except UserError as exc:
            problems.append(BulkProblemRow(customer_id, str(exc)))
        else:
            changed += 1
        progress.report(done, total, None)
    return BulkResult(requested=total, changed=changed, unchanged=0, problems=tuple(problems))


def delete_customers(
    session: Session, ids: Sequence[int], actor: Actor, progress: Progress | None = None
) -> BulkResult:
    """Move every customer of ``ids`` the actor may delete to the recycle bin (one audit row
    each); the others are reported in ``problems``."""
    return _each(session, ids, actor, delete_customer, progress or NullProgress())


def restore_customers(
    session: Session, ids: Sequence[int], actor: Actor, progress: Progress | None = None
) -> BulkResult:
    """Bring customers back from the recycle bin (managers of their branch, admins)."""
    return _each(session, ids, actor, restore_customer, progress or NullProgress())


def release_customers(
    session: Session, ids: Sequence[int], actor: Actor, progress: Progress | None = None
) -> BulkResult:
    """Give every customer of ``ids`` the actor holds back to the public pool (one ownership
    change and audit row each); refusals (not the owner, already in the pool) are reported in
    ``problems`` and the others go on."""
    from crm_desktop.services.pool import release_to_pool

    def release(s: Session, customer_id: int, who: Actor) -> None:
        release_to_pool(s, customer_id, who)

    return _each(session, ids, actor, release, progress or NullProgress())
