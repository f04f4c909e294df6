"""What a report is checked against: its occasion's headings for its level and the assessment
scale. Read from the rows the cycle and the scale keep (the default scale when none is stored);
never written here, so it serves GET sessions too."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.cycle.models import Occasion
from followup_service.levels import ReportLevel
from followup_service.scale.models import AssessmentLevel

KIND_OF_OCCASION = {"FORECAST": "DIRECTION", "INTERIM": "FORECAST_YEAR_END", "ANNUAL": "OUTCOME"}


@dataclass(frozen=True)
class Level:
    code: str
    label_sv: str
    colour: str
    assessed: bool


DEFAULT_SCALE = (
    Level("FULFILLED", "Uppfyllt", "#2e7d32", True),
    Level("PARTLY_FULFILLED", "Delvis uppfyllt", "#f9a825", True),
    Level("NOT_FULFILLED", "Ej uppfyllt", "#c62828", True),
    Level("NOT_ASSESSED", "Ej bedömt", "#9e9e9e", False),
)


def headings_for(occasion: Occasion, level: ReportLevel) -> list[dict[str, Any]]:
    """The occasion's headings a report at `level` carries, in the occasion's order."""
    return [h for h in occasion.headings or [] if level.value in h.get("levels", [level.value])]


async def current_scale(session: AsyncSession) -> list[Level]:
    rows = (await session.scalars(select(AssessmentLevel).order_by(AssessmentLevel.position))).all()
    if not rows:
        return list(DEFAULT_SCALE)
    return [Level(r.code, r.label_sv, r.colour, r.assessed) for r in rows]
