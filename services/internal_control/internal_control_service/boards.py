"""The internal control's own rules on the directory's boards: which units keep internal control, and
when a board may get new internal control; the boards the executive board evaluates for a year. The
replica, the names beside ids and the widening of a list's board filter to the boards a
reorganisation replaced are styrkedjan_common.org_units.

Every board-level unit keeps internal control of its own each year (seed: "Intern kontroll"): the
boards, the executive board among them, and the wholly owned companies and federations. Risk
assessments, control plans and follow-up reports belong to one; results, deviations and actions
belong to the board of their plan.
"""

import datetime as dt
import uuid

from styrkedjan_common.org_units import BOARD_LEVEL, OrgUnit, OrgUnitReplica
from styrkedjan_common.problems import InvalidInput


def today() -> dt.date:
    """The day a new object is written: its board must not be wound up by then."""
    return dt.date.today()


async def require_board(org_units: OrgUnitReplica, board_id: uuid.UUID, year: int, pointer: str = "#/board_org_unit_id") -> OrgUnit:
    """The board of a new risk assessment, control plan or follow-up report for `year`: a board-level
    unit of the directory that is not wound up by today and exists during the year. Validity is
    judged on the year rather than on today alone, since a board set up from next year prepares next
    year's plan before it starts. Anything else is a 422 naming the field; nothing is stored."""
    unit = await org_units.require(board_id, pointer=pointer, types=BOARD_LEVEL, what="the board")
    if unit.valid_to is not None and unit.valid_to < today():
        problem = f"the board {unit.name} was wound up on {unit.valid_to}: it gets no new internal control"
        raise InvalidInput(problem, errors=[{"pointer": pointer, "detail": problem}])
    # The year only after the winding up: a board wound up gets told so, also for a year it does not
    # reach (a copy to next year). The unit is in memory by now: no second lookup.
    return await org_units.require(board_id, pointer=pointer, what="the board", years=(year, year))


def boards_of_year(org_units: OrgUnitReplica, year: int) -> list[OrgUnit]:
    """Every board-level unit the directory has valid on some day of the year: one wound up during
    the year kept internal control for part of it; one wound up before it, or set up after it, did not."""
    return [unit for unit in org_units.units.values() if unit.type in BOARD_LEVEL and unit.exists_in(year)]


def closed_during(unit: OrgUnit | None, year: int) -> dt.date | None:
    """The day the board was wound up, when that fell within the year."""
    return unit.valid_to if unit is not None and unit.valid_to is not None and unit.valid_to.year == year else None
