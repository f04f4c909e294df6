"""Every mapped table of the service, imported so Alembic sees one complete metadata."""

from followup_service.analyses.models import SituationAnalysis
from followup_service.cycle.models import CycleStep, Occasion
from followup_service.db import AuditEvent, FollowupBase
from followup_service.dialogues.models import Dialogue, DialogueFollowup
from followup_service.reminders.models import OutboxMessage, ReminderRecipient
from followup_service.reports.models import GoalAssessment, MissingReport, Report, ReportSection
from followup_service.scale.models import AssessmentLevel

metadata = FollowupBase.metadata
__all__ = [
    "AssessmentLevel",
    "AuditEvent",
    "CycleStep",
    "Dialogue",
    "DialogueFollowup",
    "GoalAssessment",
    "MissingReport",
    "Occasion",
    "OutboxMessage",
    "ReminderRecipient",
    "Report",
    "ReportSection",
    "SituationAnalysis",
    "metadata",
]
