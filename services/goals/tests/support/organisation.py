"""The organisation of the goals and plans tests: the council at the root; a board with its
administration and a unit below it; a second board. conftest.py's callers sit in it."""

from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import org_unit

COUNCIL = org_unit(OrgUnitType.COUNCIL)
BOARD = org_unit(OrgUnitType.BOARD)
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION)
UNIT = org_unit(OrgUnitType.UNIT)
OTHER_BOARD = org_unit(OrgUnitType.BOARD)
BOARD_TREE = [BOARD, ADMINISTRATION, UNIT]
