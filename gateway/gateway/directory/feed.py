"""The directory's feed of org-unit changes, from which every service keeps its replica.

Each write of an org unit appends, in its own transaction, the unit's whole state after the write
at the next position. A service reads the changes after the position it holds, so positions must
become visible in order: were position 8 committed while 7 was still open, a service reading then
would move past 7 and never see it. Appending therefore takes the feed's lock (held until the
transaction ends) and numbers the change after the last committed one, so a change is only ever
numbered once every earlier one has committed, and positions have no gaps.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.directory import repository
from gateway.directory.models import OrgUnit, OrgUnitType
from styrkedjan_common.db import lock_for_rule

FEED_LOCK = "directory:org-unit-feed"
DEFAULT_PAGE = 500
MAX_PAGE = 1000
# Positions are stored as INTEGER: a larger `after` is refused as input instead of failing in SQL.
MAX_POSITION = 2**31 - 1


class OrgUnitState(BaseModel):
    """An org unit as the feed carries it: its whole state after a change."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    type: OrgUnitType
    parent_id: uuid.UUID | None
    predecessor_id: uuid.UUID | None
    name: str
    short_name: str
    external_codes: dict[str, str]
    valid_from: dt.date
    valid_to: dt.date | None


class OrgUnitChangeRead(BaseModel):
    position: int = Field(description="Grows by one with each change; read the feed after the last position you hold")
    changed_at: dt.datetime
    org_unit: OrgUnitState


class OrgUnitChanges(BaseModel):
    items: list[OrgUnitChangeRead]
    last_position: int = Field(description="The last item's position, or `after` when there are no changes after it: ask after this next")


def state_of(unit: OrgUnit) -> dict[str, Any]:
    """The unit as the feed stores it: ids as strings, dates ISO."""
    return OrgUnitState.model_validate(unit).model_dump(mode="json")


async def publish(session: AsyncSession, unit: OrgUnit) -> None:
    """Append the unit's state as it now stands, in the caller's transaction, after the write."""
    await session.flush()
    await lock_for_rule(session, FEED_LOCK)
    position = await repository.last_change_position(session) + 1
    await repository.append_change(session, position, unit.id, state_of(unit))


async def changes_after(session: AsyncSession, after: int, limit: int) -> OrgUnitChanges:
    rows = await repository.changes_after(session, after, limit)
    items = [
        OrgUnitChangeRead(position=row.position, changed_at=row.changed_at, org_unit=OrgUnitState.model_validate(row.org_unit))
        for row in rows
    ]
    return OrgUnitChanges(items=items, last_position=items[-1].position if items else after)
