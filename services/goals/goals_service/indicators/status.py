"""An indicator's status against its target and its trend against the previous period.

Pure functions: the indicator views and the thread assess values the same way.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum


class Direction(StrEnum):
    HIGHER_IS_BETTER = "HIGHER_IS_BETTER"
    LOWER_IS_BETTER = "LOWER_IS_BETTER"


class TargetStatus(StrEnum):
    MET = "MET"
    NEARLY_MET = "NEARLY_MET"
    NOT_MET = "NOT_MET"
    NO_TARGET = "NO_TARGET"
    NO_OUTCOME = "NO_OUTCOME"


class Trend(StrEnum):
    IMPROVING = "IMPROVING"
    UNCHANGED = "UNCHANGED"
    WORSENING = "WORSENING"
    UNKNOWN = "UNKNOWN"


def assess(direction: str, outcome: Decimal | None, target: Decimal | None, near_share: Decimal) -> TargetStatus:
    """MET at or beyond the target; NEARLY_MET within `near_share` of it (0.9: reaching 90 % of a
    higher-is-better target, or staying within 1/0.9 of a lower-is-better one); else NOT_MET."""
    if outcome is None:
        return TargetStatus.NO_OUTCOME
    if target is None:
        return TargetStatus.NO_TARGET
    if direction == Direction.LOWER_IS_BETTER:
        if outcome <= target:
            return TargetStatus.MET
        return TargetStatus.NEARLY_MET if outcome * near_share <= target else TargetStatus.NOT_MET
    if outcome >= target:
        return TargetStatus.MET
    return TargetStatus.NEARLY_MET if outcome >= target * near_share else TargetStatus.NOT_MET


def trend(direction: str, current: Decimal | None, previous: Decimal | None) -> Trend:
    if current is None or previous is None:
        return Trend.UNKNOWN
    if current == previous:
        return Trend.UNCHANGED
    better = current > previous if direction == Direction.HIGHER_IS_BETTER else current < previous
    return Trend.IMPROVING if better else Trend.WORSENING
