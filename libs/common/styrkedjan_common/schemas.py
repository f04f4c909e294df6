"""Request bodies: unknown fields are refused, and a PATCH names what it changes. And the
columns every tracked record answers with."""

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict

from styrkedjan_common.problems import InvalidInput


class InputModel(BaseModel):
    """Base of every request body: an unknown field is a 422 naming it, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


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
