import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from styrkedjan_common.org_units import UnitName
from styrkedjan_common.schemas import InputModel


class Outcome(StrEnum):
    NO_REMARK = "NO_REMARK"
    DEVIATION = "DEVIATION"


class DeviationStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class ActionStatus(StrEnum):
    OPEN = "OPEN"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class ResultCreate(InputModel):
    occasion: str = Field(
        min_length=1, max_length=40, pattern=r"\S", description="When the control was made: a period or a date label", examples=["2027-T1"]
    )
    outcome: Outcome = Field(examples=["DEVIATION"])
    evidence: str = Field(default="", max_length=10000, examples=["20 av 20 fakturor granskade; 2 saknade attest."])
    checked_on: dt.date = Field(examples=["2027-04-28"])
    deviation_description: str | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="Required with outcome DEVIATION: what was found",
        examples=["Två fakturor utan attest."],
    )


class ResultRead(BaseModel):
    id: uuid.UUID
    activity_id: uuid.UUID
    plan_id: uuid.UUID
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    year: int
    occasion: str
    outcome: Outcome
    evidence: str
    checked_on: dt.date
    deviation_id: uuid.UUID | None = Field(description="The deviation the result opened, if its outcome is DEVIATION")
    created_at: dt.datetime
    created_by: str


class ActionCreate(InputModel):
    description: str = Field(min_length=1, max_length=5000, examples=["Påminnelse om attestrutinen till alla attestanter."])
    owner: str = Field(min_length=1, max_length=200, examples=["Ekonomichef"])
    due_date: dt.date = Field(examples=["2027-06-30"])


class ActionUpdate(InputModel):
    """Fields left out are unchanged."""

    description: str | None = Field(default=None, min_length=1, max_length=5000)
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    due_date: dt.date | None = None
    status: ActionStatus | None = Field(default=None, examples=["DONE"])


class ActionRead(BaseModel):
    id: uuid.UUID
    deviation_id: uuid.UUID
    description: str
    owner: str
    due_date: dt.date
    status: ActionStatus
    overdue: bool = Field(description="Still OPEN after its due date")
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_by: str
    row_version: int


class DeviationClosure(InputModel):
    closing_note: str = Field(min_length=1, max_length=5000, examples=["Rutinen är uppdaterad och kommunicerad."])


# A deviation is read and listed with all its actions, so their number is bounded.
MAX_ACTIONS_PER_DEVIATION = 50


class DeviationRead(BaseModel):
    id: uuid.UUID
    result_id: uuid.UUID
    activity_id: uuid.UUID
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    year: int
    area: str
    occasion: str
    description: str
    status: DeviationStatus
    closed_at: dt.datetime | None
    closed_by: str | None
    closing_note: str | None
    actions: list[ActionRead] = Field(description=f"Oldest first; at most {MAX_ACTIONS_PER_DEVIATION}")
    created_at: dt.datetime
    created_by: str
    row_version: int
