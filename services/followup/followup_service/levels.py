"""The levels a follow-up report is made at, from the org unit's type: a unit (or area) reports
to its administration, an administration to its board, a board or company to the executive board,
and the municipal report goes from the executive board to the council."""

from __future__ import annotations

from enum import StrEnum

from styrkedjan_common.org_units import BOARD_LEVEL, OrgUnitType


class ReportLevel(StrEnum):
    UNIT = "UNIT"
    ADMINISTRATION = "ADMINISTRATION"
    BOARD = "BOARD"
    MUNICIPAL = "MUNICIPAL"


def report_level(unit_type: OrgUnitType) -> ReportLevel:
    """The level an org unit of this type reports at (the council's unit holds the municipal report)."""
    if unit_type == OrgUnitType.COUNCIL:
        return ReportLevel.MUNICIPAL
    if unit_type in BOARD_LEVEL:
        return ReportLevel.BOARD
    if unit_type == OrgUnitType.ADMINISTRATION:
        return ReportLevel.ADMINISTRATION
    return ReportLevel.UNIT
