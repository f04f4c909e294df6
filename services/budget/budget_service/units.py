"""The directory's org units as the budget uses them: the checks of a written unit (a frame, an
allocation, a forecast belongs to a board; a cost centre serves an administration, area or unit), the
names beside the ids in what screens read, and the widening of a list's board filter to the boards a
reorganisation replaced. The replica itself is styrkedjan_common.org_units."""

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from styrkedjan_common.identity import ALL_ROLES
from styrkedjan_common.org_units import BOARDS, OPERATIONS, OrgUnit, OrgUnitName, OrgUnitReplica
from styrkedjan_common.problems import InvalidInput
from styrkedjan_common.security import allow

# The services that read the budget directly: the follow-up compiles its reports from the budget's figures.
FOLLOWUP = ("followup",)
FOLLOWUP_READERS = allow(*ALL_ROLES, services=FOLLOWUP)

IncludePredecessors = Annotated[
    bool,
    Query(description="Also list the objects of the boards this board succeeded in a reorganisation (they keep their own board)"),
]

# A read model's `X_org_unit` beside its `X_org_unit_id` (filled by with_names).
UnitName = Annotated[OrgUnitName | None, Field(description="The unit's name beside its id; null when the directory does not know it")]

Read = TypeVar("Read", bound=BaseModel)


def today() -> dt.date:
    return dt.date.today()


def valid_in_year(unit: OrgUnit, year: int) -> bool:
    return unit.valid_from <= dt.date(year, 12, 31) and (unit.valid_to is None or unit.valid_to >= dt.date(year, 1, 1))


async def look_up(org_units: OrgUnitReplica, unit_ids: Iterable[uuid.UUID | None]) -> None:
    """Brings units the replica does not know yet in from the directory, before the request's own
    transaction begins: on SQLite a write transaction holds the database, and the replica storing
    what it read inside one would wait on it. The rules' require() then finds them in memory."""
    for unit_id in unit_ids:
        if unit_id is not None:
            await org_units.find(unit_id)


async def require_board(org_units: OrgUnitReplica, board_org_unit_id: uuid.UUID, pointer: str, year: int | None = None) -> OrgUnit:
    """The board a client writes an object for: in the directory, valid today (a board closed yesterday
    gets nothing new) and of the board level of the steering chain (a board or the executive board,
    never an administration or a unit). An object of a year also needs the board to exist in that
    year: a board closed before the year begins gets no frame, allocation or forecast for it."""
    board = await org_units.require(board_org_unit_id, pointer=pointer, on=today(), types=BOARDS, what="the board")
    if year is not None and not valid_in_year(board, year):
        problem = f"the board {board.name} is not valid in {year} (valid {board.valid_from} to {board.valid_to})"
        raise InvalidInput(problem, errors=[{"pointer": pointer, "detail": problem}])
    return board


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


def board_filter(org_units: OrgUnitReplica, board_org_unit_id: uuid.UUID | None, include_predecessors: bool) -> list[uuid.UUID] | None:
    """The boards a list filtered by `board_org_unit_id` covers; None lists every board. An unknown id
    is not refused: it simply lists nothing."""
    if board_org_unit_id is None:
        return None
    return org_units.with_predecessors([board_org_unit_id]) if include_predecessors else [board_org_unit_id]


def with_names(read: Read, org_units: OrgUnitReplica) -> Read:
    """Fills each `X_org_unit` field beside an `X_org_unit_id` with the unit's name, at every depth (a
    page's items, a summary's boards, a run's frames). From the replica in memory: no query per unit."""
    _fill(read, org_units)
    return read


def _fill(value: Any, org_units: OrgUnitReplica) -> None:
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        for name in fields:
            inner = getattr(value, name)
            if name.endswith("org_unit_id"):
                beside = name.removesuffix("_id")
                if beside in fields:
                    setattr(value, beside, org_units.name_of(inner))
            else:
                _fill(inner, org_units)
    elif isinstance(value, list | tuple):
        for item in value:
            _fill(item, org_units)
