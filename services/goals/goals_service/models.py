"""Every mapped table of the service, imported so Alembic sees one complete metadata."""

from goals_service.activities.models import Activity, ActivityGoal, ActivityQualityFactor, FocusArea, FocusAreaGoal
from goals_service.assignments.models import Assignment, AssignmentReport
from goals_service.db import AuditEvent, GoalsBase
from goals_service.goals.models import Goal, GoalLink, GoalYearTarget
from goals_service.indicators.models import Indicator, IndicatorOutcome, IndicatorTarget, IndicatorUse
from goals_service.jobs.models import Job
from goals_service.kolada.models import KoladaLease, KoladaMunicipality, KoladaPeerGroup, KoladaValue
from goals_service.missions.models import CoreMission
from goals_service.periods.models import MandatePeriod
from goals_service.plans.models import Plan, PlanItem
from goals_service.quality.models import QualityFactor
from goals_service.vision.models import VisionVersion

metadata = GoalsBase.metadata
__all__ = [
    "Activity",
    "ActivityGoal",
    "ActivityQualityFactor",
    "Assignment",
    "AssignmentReport",
    "AuditEvent",
    "CoreMission",
    "FocusArea",
    "FocusAreaGoal",
    "Goal",
    "GoalLink",
    "GoalYearTarget",
    "Indicator",
    "IndicatorOutcome",
    "IndicatorTarget",
    "IndicatorUse",
    "Job",
    "KoladaLease",
    "KoladaMunicipality",
    "KoladaPeerGroup",
    "KoladaValue",
    "MandatePeriod",
    "Plan",
    "PlanItem",
    "QualityFactor",
    "VisionVersion",
    "metadata",
]
