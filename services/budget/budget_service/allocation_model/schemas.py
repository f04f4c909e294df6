import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from budget_service.allocation_model.calculation import ComponentKind
from budget_service.assumptions.schemas import DEFAULT_INDEX, Age, Percent, ReadModel, Year, exact_decimal
from budget_service.money import Money
from styrkedjan_common.org_units import UnitName
from styrkedjan_common.schemas import InputModel

# A share from 0 to 1, such as coverage 0.954.
Rate = Annotated[Decimal, *exact_decimal(5, "0.954", minimum="0", maximum="1")]
EfficiencyPercent = Annotated[Decimal, *exact_decimal(4, "0.5", minimum="0", maximum="100")]


# --- target groups and unit costs --------------------------------------------------------------


class AgeClass(InputModel):
    age_from: Age | None = Field(default=None, description="Null together with age_to: the whole population")
    age_to: Age | None = Field(default=None, description="Null with age_from set: this age and older")


class TargetGroupCreate(AgeClass):
    board_org_unit_id: uuid.UUID
    activity: str = Field(min_length=1, max_length=200, examples=["Förskola"])


class TargetGroupUpdate(InputModel):
    """Fields left out are unchanged; the ages may be cleared (null)."""

    activity: str | None = Field(default=None, min_length=1, max_length=200)
    age_from: Age | None = None
    age_to: Age | None = None


class TargetGroupRead(ReadModel):
    id: uuid.UUID
    board_org_unit_id: uuid.UUID
    activity: str
    age_from: int | None
    age_to: int | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int


class UnitCostSet(InputModel):
    cost_per_inhabitant: Money = Field(description="Kronor per inhabitant of the target group and year", examples=["125900.00"])
    coverage_rate: Rate | None = Field(default=None, description="Share of the group using the activity, 0..1; null: all of it")


class UnitCostRead(ReadModel):
    id: uuid.UUID
    target_group_id: uuid.UUID
    budget_year: int
    cost_per_inhabitant: Money
    coverage_rate: Rate | None
    updated_at: dt.datetime
    updated_by: str
    row_version: int


# --- model runs --------------------------------------------------------------------------------


class BaseFrame(InputModel):
    board_org_unit_id: uuid.UUID
    amount: Money = Field(
        description="Last year's frame for the board's activities outside its target groups: those are funded in full "
        "by their DEMOGRAPHIC components at the budget year's unit costs",
        examples=["250000000.00"],
    )


class ModelRunCreate(InputModel):
    budget_year: Year
    population_publication_date: dt.date = Field(description="Which population forecast to use", examples=["2026-03-01"])
    price_index_name: str = Field(default=DEFAULT_INDEX, min_length=1, max_length=40)
    price_index_publication_date: dt.date = Field(description="Which release of the price index to use", examples=["2026-04-25"])
    wage_compensation_pct: Percent
    efficiency_pct: EfficiencyPercent
    base_frames: list[BaseFrame] = Field(min_length=1, max_length=500)


class ComponentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: ComponentKind
    target_group_id: uuid.UUID | None
    amount: Money
    explanation: dict[str, Any] = Field(description="Every input of the component and its formula in words")


class BoardProposalRead(BaseModel):
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    base_amount: Money
    proposal_amount: Money = Field(description="The sum of the components")
    components: list[ComponentRead]


class ModelRunSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    budget_year: int
    population_publication_date: dt.date
    price_index_name: str
    price_index_publication_date: dt.date
    price_index_pct: Percent
    wage_compensation_pct: Percent
    efficiency_pct: Percent
    total_proposal: Money = Field(description="The sum of the boards' proposals")
    created_at: dt.datetime
    created_by: str


class ModelRunRead(ModelRunSummary):
    boards: list[BoardProposalRead]
    warnings: list[str] = Field(
        default=[],
        description="What the run left out, in the answer to the run's creation: target groups of boards the directory "
        "does not know or that are not valid in the budget year (a board closed in a reorganisation)",
    )
