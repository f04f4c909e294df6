"""The boards whose internal control this service keeps, as the directory knows them (the org-unit
replica, styrkedjan_common.org_units): the check of a board a client names, the board's name beside
its id in what screens read, the widening of a list's board filter to the boards a reorganisation
replaced, and the boards the executive board evaluates for a year.

Every board-level unit keeps internal control of its own each year (seed: "Intern kontroll"): the
boards, the executive board among them, and the wholly owned companies and federations. Risk
assessments, control plans and follow-up reports belong to one; results, deviations and actions
belong to the board of their plan.
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Annotated, Protocol

from fastapi import Query
from pydantic import Field

from styrkedjan_common.org_units import BOARD_LEVEL, OrgUnit, OrgUnitName, OrgUnitReplica
from styrkedjan_common.problems import InvalidInput

IncludePredecessors = Annotated[
    bool,
    Query(description="With board_org_unit_id: also the boards it succeeded in a reorganisation (their records keep their own board)"),
]
BoardName = Annotated[OrgUnitName | None, Field(description="The board's name beside its id; null when the directory does not know it")]


def today() -> dt.date:
    """The day a new object is written: its board must not be wound up by then."""
    return dt.date.today()


def exists_in(unit: OrgUnit, year: int) -> bool:
    """Whether the unit is valid on some day of the year."""
    return unit.valid_from <= dt.date(year, 12, 31) and (unit.valid_to is None or unit.valid_to >= dt.date(year, 1, 1))


def _period(unit: OrgUnit) -> str:
    return f"valid from {unit.valid_from}" + (f" to {unit.valid_to}" if unit.valid_to else "")


async def require_board(org_units: OrgUnitReplica, board_id: uuid.UUID, year: int, pointer: str = "#/board_org_unit_id") -> OrgUnit:
    """The board of a new risk assessment, control plan or follow-up report for `year`: a board-level
    unit of the directory that is not wound up by today and exists during the year. Validity is
    judged on the year rather than on today alone, since a board set up from next year prepares next
    year's plan before it starts. Anything else is a 422 naming the field; nothing is stored."""
    unit = await org_units.require(board_id, pointer=pointer, types=BOARD_LEVEL, what="the board")
    if unit.valid_to is not None and unit.valid_to < today():
        problem = f"the board {unit.name} was wound up on {unit.valid_to}: it gets no new internal control"
    elif not exists_in(unit, year):
        problem = f"the board {unit.name} does not exist in {year} ({_period(unit)})"
    else:
        return unit
    raise InvalidInput(problem, errors=[{"pointer": pointer, "detail": problem}])


def board_filter(org_units: OrgUnitReplica, board_id: uuid.UUID | None, include_predecessors: bool) -> list[uuid.UUID] | None:
    """The boards a list filtered by `board_id` covers; None lists every board. An unknown id is not
    refused: it simply lists nothing."""
    if board_id is None:
        return None
    return org_units.with_predecessors([board_id]) if include_predecessors else [board_id]


def boards_of_year(org_units: OrgUnitReplica, year: int) -> list[OrgUnit]:
    """Every board-level unit the directory has valid on some day of the year: one wound up during
    the year kept internal control for part of it; one wound up before it, or set up after it, did not."""
    return [unit for unit in org_units.units.values() if unit.type in BOARD_LEVEL and exists_in(unit, year)]


def closed_during(unit: OrgUnit | None, year: int) -> dt.date | None:
    """The day the board was wound up, when that fell within the year."""
    return unit.valid_to if unit is not None and unit.valid_to is not None and unit.valid_to.year == year else None


class BoardRead(Protocol):
    board_org_unit_id: uuid.UUID
    board_org_unit: OrgUnitName | None


def named(org_units: OrgUnitReplica, reads: Iterable[BoardRead]) -> None:
    """Fills each read's `board_org_unit` from its `board_org_unit_id`, from the replica in memory:
    no query per board."""
    for read in reads:
        read.board_org_unit = org_units.name_of(read.board_org_unit_id)
