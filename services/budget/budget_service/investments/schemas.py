import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from budget_service.allocations.schemas import FrameRef, NonNegativeMoney
from budget_service.money import Money
from styrkedjan_common.org_units import UnitName
from styrkedjan_common.schemas import InputModel, TrackedRead
from styrkedjan_common.years import Year

CodeKey = Annotated[str, Field(min_length=1, max_length=50)]
CodeValue = Annotated[str, Field(max_length=100)]
ExternalCodes = Annotated[dict[CodeKey, CodeValue], Field(max_length=20, examples=[{"stratsys": "INV-0012"}])]


class ProjectStatus(StrEnum):
    PLANNED = "PLANNED"
    ONGOING = "ONGOING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class InvestmentProjectCreate(InputModel):
    board_org_unit_id: uuid.UUID = Field(description="The board that owns the project")
    name: str = Field(min_length=1, max_length=300, examples=["Ny förskola Kolbäck"])
    description: str = Field(default="", max_length=10000, examples=["Förskola med sex avdelningar."])
    status: ProjectStatus = ProjectStatus.PLANNED
    external_codes: ExternalCodes = Field(default_factory=dict)


class InvestmentProjectUpdate(InputModel):
    """Fields left out are unchanged; the owner board does not change."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=10000)
    status: ProjectStatus | None = None
    external_codes: ExternalCodes | None = None


class InvestmentAmountPut(InputModel):
    year: Year
    amount: NonNegativeMoney = Field(description="Kronor budgeted for the year, zero or more")


class InvestmentAmountRead(BaseModel):
    year: int
    amount: Money


class InvestmentProjectRead(TrackedRead):
    id: uuid.UUID
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    name: str
    description: str
    status: ProjectStatus
    external_codes: dict[str, str]
    amounts: list[InvestmentAmountRead] = Field(description="Per year, in year order")
    total: Money = Field(description="The sum over all years")


class InvestmentPlanRead(BaseModel):
    """A board's investment projects for one year against its investment frame."""

    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    year: int
    total: Money = Field(description="The year's amounts of the board's projects, cancelled projects left out")
    frame: FrameRef | None = Field(description="The investment frame of the decided budget in force for the year, if any")
    exceeds_frame: bool | None = Field(description="Whether the total is above the frame; none without a decided frame")
