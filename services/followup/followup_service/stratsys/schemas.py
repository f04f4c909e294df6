"""The goal assessments of a year as the goals service reads and writes them for Stratsys's
structure file (layout 3): one per goal, org unit and follow-up."""

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.schemas import InputModel


class StructureAssessment(BaseModel):
    """The assessment of a goal (its lineage) in the latest revision of its org unit's report at a follow-up."""

    goal_id: uuid.UUID
    org_unit_id: uuid.UUID
    occasion: FollowupOccasion
    period_end: dt.date
    level_code: str
    analysis: str


class StructureAssessments(BaseModel):
    year: int
    items: list[StructureAssessment]


class AssessmentImport(InputModel):
    """An assessment of the file, with the line it stands on (errors name that line)."""

    line: int = Field(ge=1)
    goal_id: uuid.UUID
    org_unit_id: uuid.UUID
    occasion: FollowupOccasion
    level_code: str = Field(min_length=1, max_length=40)
    analysis: str = Field(default="", max_length=20000)


class AssessmentsImport(InputModel):
    year: int = Field(ge=2000, le=2100)
    assessments: list[AssessmentImport] = Field(max_length=100000)


class ImportCounts(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class AssessmentsImported(BaseModel):
    """What the import did (or, on a dry run, would do), by kind of object."""

    dry_run: bool
    counts: dict[str, ImportCounts]
