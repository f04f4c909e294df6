import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, computed_field

from goals_service.units import UNIT_NAME, name_of
from styrkedjan_common.lifecycle import DecidedRead
from styrkedjan_common.org_units import OrgUnitName
from styrkedjan_common.schemas import InputModel


class GoalLevel(StrEnum):
    MUNICIPAL = "MUNICIPAL"  # kommunövergripande mål, per mandate period
    BOARD = "BOARD"  # nämndmål / bolagsmål
    UNIT = "UNIT"  # mål på verksamhetsnivå


class Perspective(StrEnum):
    OPERATIONS = "OPERATIONS"
    EMPLOYEES = "EMPLOYEES"
    FINANCE = "FINANCE"


class ClosureReason(StrEnum):
    ACHIEVED = "ACHIEVED"
    DISCONTINUED = "DISCONTINUED"


def _distinct_sorted(values: list[int]) -> list[int]:
    if len(set(values)) != len(values):
        raise ValueError("each global goal is listed once")
    return sorted(values)


def _one_target_per_year(targets: list["YearTarget"]) -> list["YearTarget"]:
    years = [t.year for t in targets]
    if len(set(years)) != len(years):
        raise ValueError("one target level per year")
    return sorted(targets, key=lambda t: t.year)


Year = Annotated[int, Field(ge=2000, le=2100)]
Sdgs = Annotated[list[Annotated[int, Field(ge=1, le=17)]], AfterValidator(_distinct_sorted), Field(max_length=17, examples=[[4, 10]])]
ExternalCodes = Annotated[
    dict[Annotated[str, StringConstraints(min_length=1, max_length=50)], Annotated[str, StringConstraints(min_length=1, max_length=100)]],
    Field(max_length=20, examples=[{"stratsys": "G-1042"}], description="Codes of this goal in other systems, by system"),
]
Links = Annotated[
    list[uuid.UUID],
    Field(max_length=20, description="Goals of the level above this goal serves (any revision's id, or its lineage id)"),
]


class YearTarget(InputModel):
    """The target level of one year of a multi-year goal (delmål)."""

    year: Year = Field(examples=[2028])
    target_level: str = Field(min_length=1, max_length=2000, examples=["Minst 85 % av eleverna i åk 9 är behöriga till gymnasiet"])


YearTargets = Annotated[list[YearTarget], AfterValidator(_one_target_per_year), Field(max_length=50)]


class GoalContent(InputModel):
    mandate_period_id: uuid.UUID | None = Field(default=None, description="Required for municipal goals")
    start_year: Year = Field(examples=[2027])
    end_year: Year = Field(examples=[2028])
    title: str = Field(min_length=1, max_length=300, examples=["Fler elever klarar skolan"])
    intent: str = Field(default="", max_length=10000, examples=["Alla elever ska lämna grundskolan med godkända betyg."])
    perspective: Perspective = Field(examples=[Perspective.OPERATIONS])
    contributes_to: Links = Field(default_factory=list)
    sdgs: Sdgs = Field(default_factory=list)
    year_targets: YearTargets = Field(default_factory=list)
    external_codes: ExternalCodes = Field(default_factory=dict)


class GoalCreate(GoalContent):
    level: GoalLevel = Field(examples=[GoalLevel.BOARD])
    owner_org_unit_id: uuid.UUID = Field(description="The council, board or unit whose goal it is")


class GoalUpdate(InputModel):
    """Fields left out are unchanged; level and owner are fixed once the goal exists."""

    mandate_period_id: uuid.UUID | None = None
    start_year: Year | None = None
    end_year: Year | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    intent: str | None = Field(default=None, max_length=10000)
    perspective: Perspective | None = None
    contributes_to: Links | None = None
    sdgs: Sdgs | None = None
    year_targets: YearTargets | None = None
    external_codes: ExternalCodes | None = None


class GoalClosure(InputModel):
    reason: ClosureReason = Field(examples=[ClosureReason.ACHIEVED])
    comment: str = Field(default="", max_length=2000, examples=["Målet uppnåddes 2028."])


class GoalClosureRead(BaseModel):
    closed_at: dt.datetime
    closed_by: str
    reason: ClosureReason
    comment: str


class YearTargetRead(BaseModel):
    year: int
    target_level: str


class GoalRead(DecidedRead):
    lineage_id: uuid.UUID = Field(description="Shared by every revision of the goal; links to the goal name it")
    closure: GoalClosureRead | None
    level: GoalLevel
    owner_org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def owner_org_unit(self) -> OrgUnitName | None:
        return name_of(self.owner_org_unit_id)

    mandate_period_id: uuid.UUID | None
    start_year: int
    end_year: int
    title: str
    intent: str
    perspective: Perspective
    contributes_to: list[uuid.UUID] = Field(description="Lineage ids of the goals this goal serves")
    sdgs: list[int]
    year_targets: list[YearTargetRead]
    external_codes: dict[str, str]
    indicator_count: int = Field(description="Indicators followed for this goal (all its revisions)")
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int
