"""The budget's own rules on the directory's org units: a frame, an allocation, a forecast belongs to a
board (one that exists in the object's year), and a cost centre serves an administration, area or unit
in the board's subtree. The replica, the names beside ids and the widening of a list's filter to the
units a reorganisation replaced are styrkedjan_common.org_units."""

import datetime as dt
import uuid
from collections.abc import Iterable

from styrkedjan_common.identity import ALL_ROLES
from styrkedjan_common.org_units import BOARDS, OPERATIONS, OrgUnit, OrgUnitReplica
from styrkedjan_common.security import allow

# The services that read the budget directly: the follow-up compiles its reports from the budget's figures.
FOLLOWUP = ("followup",)
FOLLOWUP_READERS = allow(*ALL_ROLES, services=FOLLOWUP)


def today() -> dt.date:
    return dt.date.today()


async def look_up(org_units: OrgUnitReplica, unit_ids: Iterable[uuid.UUID | None]) -> None:
    """Brings the units a request names in from the directory in one lookup before its rules check
    them one by one (a budget's frames name every board: one lookup per unknown board would add up)."""
    await org_units.find_all(list(unit_ids))


async def require_board(org_units: OrgUnitReplica, board_org_unit_id: uuid.UUID, pointer: str, year: int | None = None) -> OrgUnit:
    """The board a client writes an object for: in the directory, valid today (a board closed yesterday
    gets nothing new) and of the board level of the steering chain (a board or the executive board,
    never an administration or a unit). An object of a year also needs the board to exist in that
    year: a board closed before the year begins gets no frame, allocation or forecast for it."""
    years = None if year is None else (year, year)
    return await org_units.require(board_org_unit_id, pointer=pointer, on=today(), types=BOARDS, what="the board", years=years)


async def require_operation(org_units: OrgUnitReplica, org_unit_id: uuid.UUID, pointer: str) -> OrgUnit:
    """The org unit a cost centre serves: an administration, area or unit of the operations, valid today."""
    return await org_units.require(org_unit_id, pointer=pointer, on=today(), types=OPERATIONS, what="the org unit a cost centre serves")


def under(org_units: OrgUnitReplica, unit: OrgUnit, board_org_unit_id: uuid.UUID) -> bool:
    """The unit lies in the board's subtree (its administration, an area or unit below it)."""
    seen: set[str] = set()
    parent = unit.parent_id
    while parent is not None and parent not in seen:
        if parent == str(board_org_unit_id):
            return True
        seen.add(parent)
        above = org_units.units.get(parent)
        parent = above.parent_id if above else None
    return False
