"""Small shared pieces of the service DTOs: the "not given" marker for partial input and
JSON-safe value conversion for audit details."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final


class Unset(enum.Enum):
    """Marks an input field the user did not touch. ``None`` cannot be used for that: clearing a
    field (phone → empty) is a real change."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset.UNSET


class PartialInput:
    """Base of form inputs whose fields default to UNSET (a frozen dataclass subclass)."""

    def given(self) -> dict[str, Any]:
        """The fields that were set, by name."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if getattr(self, f.name) is not UNSET
        }


def is_set(value: object) -> bool:
    return value is not UNSET


def json_safe(value: Any) -> Any:
    """A value the audit log's JSON column stores and gives back unchanged in meaning:
    datetimes and dates as ISO text, tuples as lists."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset):
        return [json_safe(v) for v in value]
    return str(value)


def changes_of(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field of ``new`` whose value differs from ``old``."""
    return {
        name: [json_safe(old.get(name)), json_safe(value)]
        for name, value in new.items()
        if old.get(name) != value
    }
