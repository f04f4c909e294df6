"""The organisation of the internal-control tests, registered in the suite's directory: a board with
its administration and a unit below it; another board, and a third where a test needs one.
conftest.py's callers sit in it; `staff` and `namnd` are the callers the execution tests build for
a board of their choice."""

from typing import Any

from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import org_unit

COUNCIL = org_unit(OrgUnitType.COUNCIL, "Kommunfullmäktige")
BOARD = org_unit(OrgUnitType.BOARD, "Socialnämnden", parent=COUNCIL, short_name="SN")
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION, "Socialförvaltningen", parent=BOARD)
UNIT = org_unit(OrgUnitType.UNIT, "Individ- och familjeomsorgen", parent=ADMINISTRATION)
OTHER_BOARD = org_unit(OrgUnitType.BOARD, "Barn- och utbildningsnämnden", parent=COUNCIL, short_name="BUN")
THIRD_BOARD = org_unit(OrgUnitType.BOARD, "Kultur- och fritidsnämnden", parent=COUNCIL, short_name="KFN")


def staff(as_role: Any, board: str = BOARD) -> dict[str, str]:
    """The administration serving `board` (its scope covers the board)."""
    return as_role(Role.FORVALTNING, ADMINISTRATION if board == BOARD else board, [ADMINISTRATION, board, UNIT])


def namnd(as_role: Any, board: str = BOARD) -> dict[str, str]:
    return as_role(Role.NAMND, board, [board])
