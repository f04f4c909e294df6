"""Request and read models of the follow-up reports."""

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from followup_service.levels import ReportLevel
from styrkedjan_common.lifecycle import Decision
from styrkedjan_common.org_units import OrgUnitName
from styrkedjan_common.schemas import InputModel


class ReportStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    PROPOSED = "PROPOSED"
    DECIDED = "DECIDED"
    ARCHIVED = "ARCHIVED"


class ReportCreate(InputModel):
    occasion_id: uuid.UUID
    org_unit_id: uuid.UUID


class AssessmentRead(BaseModel):
    goal_id: uuid.UUID
    kind: str
    level_code: str
    analysis: str
    not_assessed_reason: str


class SectionRead(BaseModel):
    heading: str
    text: str


class ReportRead(BaseModel):
    id: uuid.UUID
    occasion_id: uuid.UUID
    year: int
    occasion: str
    org_unit_id: uuid.UUID
    org_unit: OrgUnitName | None = None
    level: ReportLevel
    status: ReportStatus
    revision: int
    replaces_id: uuid.UUID | None
    decision: Decision | None
    returned_comment: str | None
    submitted_at: dt.datetime | None
    document_hash: str | None
    frozen_at: dt.datetime | None
    live_taken_at: dt.datetime | None
    deadline: dt.date
    late: bool
    assessments: list[AssessmentRead] = []
    sections: list[SectionRead] = []
    # The document as it would be frozen now (drafts only; a frozen report reads its document).
    preview: dict[str, Any] | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class AssessmentWrite(InputModel):
    level_code: str = Field(min_length=1, max_length=40)
    analysis: str = Field(default="", max_length=20000)
    not_assessed_reason: str = Field(default="", max_length=4000)


class SectionWrite(InputModel):
    text: str = Field(max_length=50000)


class ReportTransition(StrEnum):
    SUBMIT = "SUBMIT"
    RETURN = "RETURN"
    PROPOSE = "PROPOSE"
    RETURN_TO_DRAFT = "RETURN_TO_DRAFT"
    DECIDE = "DECIDE"


class TransitionRequest(InputModel):
    transition: ReportTransition
    decision: Decision | None = None
    comment: str | None = Field(default=None, max_length=4000)
