import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel, Field, computed_field

from goals_service.activities.schemas import ExternalCodes
from goals_service.units import UNIT_NAME, name_of
from styrkedjan_common.lifecycle import Decision
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import OrgUnitName
from styrkedjan_common.schemas import InputModel


class AssignmentStatus(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    ONGOING = "ONGOING"
    DONE = "DONE"
    NOT_DONE = "NOT_DONE"


class AssignmentCreate(InputModel):
    board_org_unit_id: uuid.UUID = Field(description="The board (or company) given the assignment")
    year: int = Field(ge=2000, le=2100, examples=[2027])
    title: str = Field(min_length=1, max_length=300, examples=["Utred samlokalisering av fritidsgårdarna"])
    text: str = Field(
        min_length=1, max_length=10000, examples=["Nämnden får i uppdrag att utreda ... och återrapportera i årsredovisningen."]
    )
    status: AssignmentStatus = AssignmentStatus.NOT_STARTED
    decision: Decision | None = Field(default=None, description="The council decision that gave the assignment")
    external_codes: ExternalCodes = {}


class AssignmentUpdate(InputModel):
    """Fields left out are unchanged; decision may be cleared with null."""

    board_org_unit_id: uuid.UUID | None = None
    year: int | None = Field(default=None, ge=2000, le=2100)
    title: str | None = Field(default=None, min_length=1, max_length=300)
    text: str | None = Field(default=None, min_length=1, max_length=10000)
    status: AssignmentStatus | None = None
    decision: Decision | None = None
    external_codes: ExternalCodes | None = None


class AssignmentRead(BaseModel):
    id: uuid.UUID
    board_org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def board_org_unit(self) -> OrgUnitName | None:
        return name_of(self.board_org_unit_id)

    year: int
    title: str = Field(examples=["Utred samlokalisering av fritidsgårdarna"])
    text: str
    status: AssignmentStatus
    decision: Decision | None
    external_codes: dict[str, str]
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int


class AssignmentReportCreate(InputModel):
    occasion: FollowupOccasion = Field(description="The follow-up the report belongs to")
    status: AssignmentStatus = Field(description="The assignment's status from this report on")
    text: str = Field(min_length=1, max_length=10000, examples=["Utredningen pågår; förslag lämnas till nämnden i november."])


class AssignmentReportRead(BaseModel):
    id: uuid.UUID
    assignment_id: uuid.UUID
    occasion: FollowupOccasion
    status: AssignmentStatus
    text: str
    reported_at: dt.datetime
    reported_by: str
