import datetime as dt
import uuid
from enum import StrEnum

from pydantic import ConfigDict, Field, computed_field

from goals_service.units import UNIT_NAME, name_of
from styrkedjan_common.lifecycle import DecidedRead
from styrkedjan_common.org_units import OrgUnitName
from styrkedjan_common.schemas import InputModel


class PlanKind(StrEnum):
    BOARD_PLAN = "BOARD_PLAN"  # budget- och årsplan, decided by the board in October
    OPERATIONAL_PLAN = "OPERATIONAL_PLAN"  # verksamhetsplan of an administration, area or unit


class PlanItemType(StrEnum):
    GOAL = "GOAL"
    QUALITY_FACTOR = "QUALITY_FACTOR"
    FOCUS_AREA = "FOCUS_AREA"
    ACTIVITY = "ACTIVITY"
    INDICATOR = "INDICATOR"


class PlanContent(InputModel):
    title: str = Field(min_length=1, max_length=300, examples=["Budget- och årsplan 2028, barn- och utbildningsnämnden"])
    description: str = Field(
        default="", max_length=20000, examples=["Verksamhetsbeskrivning och uppdraget; inriktning och prioriteringar för året."]
    )
    economy: str = Field(
        default="",
        max_length=20000,
        description="The plan's account of the economy; frames and allocations live in the budget service",
        examples=["Nämndens driftram 2028 är 512 mnkr; se budgetens fördelning per verksamhetsområde."],
    )


class PlanCreate(PlanContent):
    kind: PlanKind
    org_unit_id: uuid.UUID = Field(description="The board (board plan) or the administration or unit (operational plan)")
    year: int = Field(ge=2000, le=2100, examples=[2028])


class PlanUpdate(InputModel):
    """Fields left out are unchanged."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20000)
    economy: str | None = Field(default=None, max_length=20000)


class PlanItemContent(InputModel):
    position: int | None = Field(default=None, ge=0, le=100000, description="Order in the plan; left out, the item's place in the list")
    timing: str = Field(default="", max_length=200, examples=["Kvartal 1–2"])
    responsible: str = Field(default="", max_length=200, examples=["Rektorer"])
    followed_up_by: str = Field(default="", max_length=200, examples=["Förvaltningens ledningsgrupp"])
    note: str = Field(default="", max_length=5000)


class PlanItemInput(PlanItemContent):
    item_type: PlanItemType
    item_id: uuid.UUID = Field(
        description="The goal (any revision of it; stored as its lineage), quality factor, focus area, activity or indicator use"
    )


class PlanItemsReplace(InputModel):
    items: list[PlanItemInput] = Field(max_length=500)


class PlanItemRead(PlanItemContent):
    item_type: PlanItemType
    item_id: uuid.UUID = Field(description="For goals the lineage id, which every revision of the goal shares")
    position: int
    title: str | None = Field(default=None, description="The object's display title; null when it no longer exists")
    level: str | None = Field(default=None, description="Goals only: the goal's level")
    status: str | None = Field(default=None, description="Goals: the lifecycle status; activities: the activity status")
    start_date: dt.date | None = Field(default=None, description="Activities only")
    end_date: dt.date | None = Field(default=None, description="Activities only")


class PlanRead(DecidedRead, PlanContent):
    model_config = ConfigDict(from_attributes=True)

    kind: PlanKind
    org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def org_unit(self) -> OrgUnitName | None:
        return name_of(self.org_unit_id)

    year: int
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int


class PlanDetail(PlanRead):
    """A plan with its items, each resolved to what it names."""

    items: list[PlanItemRead]
