"""Cheap counts of what a database holds (status bar, empty states, the CLI)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_desktop.db.models import AppUser, Contact, Customer, Followup


@dataclass(frozen=True)
class DatabaseCounts:
    customers: int
    contacts: int
    followups: int
    users: int
    pool: int


def database_counts(session: Session) -> DatabaseCounts:
    def count(stmt: object) -> int:
        return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]

    live = Customer.deleted_at.is_(None)
    return DatabaseCounts(
        customers=count(select(func.count()).select_from(Customer).where(live)),
        contacts=count(
            select(func.count()).select_from(Contact).where(Contact.deleted_at.is_(None))
        ),
        followups=count(
            select(func.count()).select_from(Followup).where(Followup.deleted_at.is_(None))
        ),
        users=count(select(func.count()).select_from(AppUser).where(AppUser.active.is_(True))),
        pool=count(
            select(func.count()).select_from(Customer).where(live, Customer.owner_id.is_(None))
        ),
    )
