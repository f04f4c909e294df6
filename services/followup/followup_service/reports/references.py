"""What a report is checked against: its occasion's headings for its level and the assessment
scale, as the cycle and the scale keep them (the default scale when none is stored); never
written here, so it serves GET sessions too."""

from followup_service.cycle.service import headings_for
from followup_service.scale.service import ScaleLevel as Level
from followup_service.scale.service import current_scale

# The kind of assessment each follow-up asks for (reference: a direction at the forecast, a
# forecast of the year's end at the interim report, the outcome at the annual report).
KIND_OF_OCCASION = {"FORECAST": "DIRECTION", "INTERIM": "FORECAST_YEAR_END", "ANNUAL": "OUTCOME"}

__all__ = ["KIND_OF_OCCASION", "Level", "current_scale", "headings_for"]
