"""Composed reads and file transfers for the customer file window: one operation loads the
profile, history, attachments and the pickers' choices; attachments travel to and from disk on
the worker, never on the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_desktop.core.errors import ValidationError
from crm_desktop.db.models import AppUser
from crm_desktop.services.config import GradeRow, RegionNode, list_grades, region_tree
from crm_desktop.services.context import Actor
from crm_desktop.services.customers import (
    MAX_ATTACHMENT_BYTES,
    AttachmentRow,
    CustomerDetail,
    HistoryRow,
    add_attachment,
    customer_history,
    get_attachment_data,
    get_customer,
    list_attachments,
)


@dataclass(frozen=True)
class OwnerChoice:
    """A person the actor may pick as a customer's owner."""

    id: int
    display_name: str
    branch_id: int | None


@dataclass(frozen=True)
class FilePickers:
    """The choices of the profile form: grades (in order), the region tree (no counts), and
    the owners the actor may assign (sales: only themselves; managers: their branch)."""

    grades: tuple[GradeRow, ...]
    regions: tuple[RegionNode, ...]
    owners: tuple[OwnerChoice, ...]


@dataclass(frozen=True)
class CustomerFileData:
    """Everything one customer file window shows, read in one transaction."""

    detail: CustomerDetail
    history: tuple[HistoryRow, ...]
    attachments: tuple[AttachmentRow, ...]
    pickers: FilePickers | None


def load_file_pickers(session: Session, actor: Actor) -> FilePickers:
    """Grades, regions and owner choices for ``actor`` (a new customer's form needs only this)."""
    stmt = select(AppUser.id, AppUser.display_name, AppUser.branch_id).where(
        AppUser.active.is_(True)
    )
    if not actor.is_admin:
        if actor.role == "manager" and actor.branch_id is not None:
            stmt = stmt.where((AppUser.branch_id == actor.branch_id) | (AppUser.id == actor.id))
        else:
            stmt = stmt.where(AppUser.id == actor.id)
    owners = tuple(
        OwnerChoice(id=i, display_name=n, branch_id=b)
        for i, n, b in session.execute(stmt.order_by(AppUser.display_name, AppUser.id))
    )
    return FilePickers(
        grades=tuple(list_grades(session)),
        regions=tuple(region_tree(session, with_counts=False)),
        owners=owners,
    )


def load_customer_file(
    session: Session, customer_id: int, actor: Actor, *, with_pickers: bool = True
) -> CustomerFileData:
    """The customer's profile and contacts, its history (newest first), its attachments and,
    unless the window has them already, the pickers' choices."""
    return CustomerFileData(
        detail=get_customer(session, customer_id, actor),
        history=tuple(customer_history(session, customer_id, actor)),
        attachments=tuple(list_attachments(session, customer_id, actor)),
        pickers=load_file_pickers(session, actor) if with_pickers else None,
    )


def add_attachment_file(
    session: Session, customer_id: int, path: str, actor: Actor
) -> AttachmentRow:
    """Read the file at ``path`` and store it on the customer (size checked before reading)."""
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise ValidationError(f"Cannot read {file.name}: {exc.strerror or exc}") from exc
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"The file is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB",
            {"data": "too large"},
        )
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ValidationError(f"Cannot read {file.name}: {exc.strerror or exc}") from exc
    return add_attachment(session, customer_id, file.name, data, actor)


def save_attachment_file(session: Session, attachment_id: int, path: str, actor: Actor) -> str:
    """Write an attachment's bytes to ``path``; returns the path written."""
    found = get_attachment_data(session, attachment_id, actor)
    target = Path(path)
    try:
        target.write_bytes(found.data)
    except OSError as exc:
        raise ValidationError(f"Cannot write {target}: {exc.strerror or exc}") from exc
    return str(target)
