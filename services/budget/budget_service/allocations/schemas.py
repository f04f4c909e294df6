import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from budget_service.money import Money
from styrkedjan_common.lifecycle import Decision
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import UnitName
from styrkedjan_common.schemas import InputModel, TrackedRead
from styrkedjan_common.years import Year

Code = Annotated[str, Field(min_length=1, max_length=40, examples=["410"])]
Name = Annotated[str, Field(min_length=1, max_length=200, examples=["Äldreomsorg"])]
NonNegativeMoney = Annotated[Money, Field(ge=0)]
PositiveMoney = Annotated[Money, Field(gt=0)]


# --- activity areas and cost centres ------------------------------------------------------


class ActivityAreaCreate(InputModel):
    board_org_unit_id: uuid.UUID
    code: Code
    name: Name


class ActivityAreaUpdate(InputModel):
    """Fields left out are unchanged; an area stays with its board."""

    code: Code | None = None
    name: Name | None = None


class ActivityAreaRead(TrackedRead):
    id: uuid.UUID
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    code: str
    name: str


class CostCenterCreate(InputModel):
    code: Code = Field(description="The cost centre's code in the financial system; unique", examples=["41010"])
    name: Name = Field(examples=["Hemtjänst norr"])
    activity_area_id: uuid.UUID
    org_unit_id: uuid.UUID | None = Field(default=None, description="The org unit the cost centre serves, if any")


class CostCenterUpdate(InputModel):
    """Fields left out are unchanged; a cost centre moves only between areas of the same board."""

    code: Code | None = None
    name: Name | None = None
    activity_area_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None


class CostCenterRead(TrackedRead):
    id: uuid.UUID
    code: str
    name: str
    activity_area_id: uuid.UUID
    org_unit_id: uuid.UUID | None


# --- allocation ---------------------------------------------------------------------------


class AllocationLine(InputModel):
    activity_area_id: uuid.UUID
    cost_center_id: uuid.UUID | None = Field(default=None, description="A cost centre of the area; none for the area as a whole")
    amount: NonNegativeMoney = Field(description="Kronor as a decimal string, zero or more")
    comment: str = Field(default="", max_length=2000, examples=["Inklusive riktade medel för hemtjänst"])


class AllocationPut(InputModel):
    lines: list[AllocationLine] = Field(
        max_length=2000, description="The board's whole allocation for the year; it replaces the lines stored"
    )


class AllocationLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    activity_area_id: uuid.UUID
    cost_center_id: uuid.UUID | None
    amount: Money
    comment: str


class AreaTotal(BaseModel):
    activity_area_id: uuid.UUID
    amount: Money


class FrameRef(BaseModel):
    budget_id: uuid.UUID
    frame_id: uuid.UUID
    amount: Money


class AllocationRead(BaseModel):
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    year: int
    lines: list[AllocationLineRead]
    areas: list[AreaTotal] = Field(description="The total per activity area, the level reallocations move money at")
    total: Money
    frame: FrameRef | None = Field(description="The operating frame of the decided budget in force for the year, if any")
    remaining: Money | None = Field(description="Frame minus total; none without a decided frame, negative when over the frame")
    over_frame: bool = Field(
        description="The allocation exceeds the operating frame in force: the council lowered the frame below it (an amended "
        "budget stands), and until the allocation fits only changes that reduce the excess are taken"
    )
    excess: Money | None = Field(description="Total minus frame when the allocation is over its frame, else 0.00; none without a frame")
    row_version: int | None = Field(description="The version of the stored allocation (its ETag); none before the first one")
    updated_at: dt.datetime | None
    updated_by: str | None


# --- reallocations ------------------------------------------------------------------------


class ReallocationCreate(InputModel):
    board_org_unit_id: uuid.UUID
    year: Year
    from_activity_area_id: uuid.UUID
    to_activity_area_id: uuid.UUID
    amount: PositiveMoney = Field(description="Kronor moved, more than zero")
    decision: Decision = Field(examples=[{"body": "Vård- och omsorgsnämnden", "decision_date": "2027-03-20", "reference": "VON § 12/2027"}])


class ReallocationReport(InputModel):
    occasion: FollowupOccasion


class ReallocationRead(TrackedRead):
    id: uuid.UUID
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    year: int
    from_activity_area_id: uuid.UUID
    to_activity_area_id: uuid.UUID
    amount: Money
    decision: Decision
    reported_at_occasion: FollowupOccasion | None
    reported_at: dt.datetime | None
