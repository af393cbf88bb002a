"""Writing the append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crm_desktop.db.models import AuditLog
from crm_desktop.services.context import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(
            actor=actor.login, action=action, entity=entity, entity_id=entity_id, detail=detail
        )
    )
