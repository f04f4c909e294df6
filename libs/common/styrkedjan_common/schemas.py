"""Request bodies: unknown fields are refused, and a PATCH names what it changes. And the
columns every tracked record answers with."""

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from styrkedjan_common.problems import InvalidInput
from styrkedjan_common.text import NUL_DETAIL, holds_nul


class InputModel(BaseModel):
    """Base of every request body: an unknown field is a 422 naming it, never silently ignored,
    and so is a text holding a NUL character, which PostgreSQL cannot store (`text.py`)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _without_nul(cls, value: Any) -> Any:
        # Each field's own texts, lists and mappings; a nested body checks its own fields, so the
        # error's location names the innermost field (e.g. #/risks/3/title).
        if holds_nul(value):
            raise ValueError(NUL_DETAIL)
        return value


class TrackedRead(BaseModel):
    """Who made and last changed a record, and its row version (`db.Tracked`)."""

    model_config = ConfigDict(from_attributes=True)

    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int


def changes_of(update: BaseModel, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a PATCH body sets; null for a field that cannot be cleared is a 422 naming it."""
    changes = update.model_dump(exclude_unset=True)
    cleared = [name for name, value in changes.items() if value is None and name not in nullable]
    if cleared:
        raise InvalidInput(
            f"{', '.join(cleared)} cannot be cleared",
            errors=[{"pointer": f"#/{name}", "detail": "must not be null"} for name in cleared],
        )
    return changes
