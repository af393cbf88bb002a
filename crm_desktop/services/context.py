"""Who is acting: the signed-in user as services see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    id: int | None
    login: str
    display_name: str
    role: str  # sales | manager | admin
    branch_id: int | None = None
    can_export: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin")


# The command line and maintenance jobs act as the system.
SYSTEM = Actor(id=None, login="system", display_name="System", role="admin", can_export=True)
