import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from budget_service.allocation_model.calculation import ComponentKind
from budget_service.assumptions.schemas import DEFAULT_INDEX, Percent, Year, exact_decimal
from budget_service.money import Money
from styrkedjan_common.schemas import InputModel

EfficiencyPercent = exact_decimal(4, "0.5", minimum="0", maximum="100")


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
