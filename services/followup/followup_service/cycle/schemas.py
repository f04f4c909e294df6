"""The annual cycle's and the occasions' request and response bodies."""

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from followup_service.levels import ReportLevel
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.schemas import InputModel, TrackedRead
from styrkedjan_common.years import FIRST_YEAR, LAST_YEAR

StepStatus = Literal["PLANNED", "IN_PROGRESS", "DONE"]
# What a step shows: its status, or LATE when its planned end has passed and it is not done.
DisplayStatus = Literal["PLANNED", "IN_PROGRESS", "DONE", "LATE"]
ResponsibleLevel = Literal["council", "executive_board", "board", "administration", "unit"]
HEADING_KEY = r"^[a-z][a-z0-9_]*$"
MAX_HEADINGS = 40
# A date in a request lies within the years the API knows (styrkedjan_common.years).
Day = Annotated[dt.date, Field(ge=dt.date(FIRST_YEAR, 1, 1), le=dt.date(LAST_YEAR, 12, 31))]


# --- the template ----------------------------------------------------------------------------------


class MonthOfCycle(BaseModel):
    year_offset: int = Field(description="Years from the cycle's year (the verksamhetsår): −2, −1, 0 or +1")
    month: int


class DayOfCycle(MonthOfCycle):
    day: int


class StepTemplateRead(BaseModel):
    number: int
    months: str = Field(examples=["Oct–Jan"])
    starts: MonthOfCycle
    ends: MonthOfCycle
    name_sv: str
    name_en: str
    question: str
    inflow: str
    result: str
    responsible: str
    responsible_level: ResponsibleLevel
    conditional: bool
    occasion: FollowupOccasion | None


class Heading(BaseModel):
    key: str = Field(min_length=1, max_length=60, pattern=HEADING_KEY, examples=["important_events"])
    title_sv: str = Field(min_length=1, max_length=200, examples=["Väsentliga händelser"])
    title_en: str = Field(default="", max_length=200, examples=["Important events"])
    required: bool = Field(default=False, description="A report cannot be proposed while a required heading is empty")
    levels: list[ReportLevel] = Field(min_length=1, max_length=4, description="The report levels that carry the heading")


class HeadingWrite(Heading, InputModel):
    pass


class OccasionTemplateRead(BaseModel):
    kind: FollowupOccasion
    period_end: DayOfCycle
    period_end_alternatives: list[DayOfCycle]
    statutory: bool
    deadlines: dict[str, DayOfCycle]
    board_months: list[MonthOfCycle]
    council_months: list[MonthOfCycle]
    headings: list[Heading]


class CycleTemplateRead(BaseModel):
    year_rule: str = Field(description="Which calendar year each step of the cycle of year Y falls in")
    steps: list[StepTemplateRead]
    occasions: list[OccasionTemplateRead]


# --- a year's occasions ------------------------------------------------------------------------------


class OccasionRead(TrackedRead):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    year: int
    kind: FollowupOccasion
    period_start: dt.date
    period_end: dt.date
    statutory: bool = Field(description="The statutory interim report (LKBR 13 kap.): its period ends between 30 June and 31 August")
    unit_deadline: dt.date
    administration_deadline: dt.date
    board_deadline: dt.date
    executive_board_deadline: dt.date = Field(description="The executive board proposes the municipal report (KS compiles)")
    council_deadline: dt.date = Field(description="The council adopts the municipal report")
    headings: list[Heading]
    frozen: bool = Field(description="A report of the occasion is past draft: its period end and headings no longer change")
    warnings: list[str] = Field(description="Dates that differ from the styrmodell's defaults: allowed, worth a second look")


class OccasionUpdate(InputModel):
    """Fields left out are unchanged. The whole list of headings is replaced when given."""

    period_end: Day | None = None
    statutory: bool | None = None
    unit_deadline: Day | None = None
    administration_deadline: Day | None = None
    board_deadline: Day | None = None
    executive_board_deadline: Day | None = None
    council_deadline: Day | None = None
    headings: list[HeadingWrite] | None = Field(default=None, max_length=MAX_HEADINGS)


# --- a year's cycle ---------------------------------------------------------------------------------


class CycleStepRead(TrackedRead):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    year: int
    number: int
    name_sv: str
    name_en: str
    question: str
    inflow: str
    result: str
    responsible: str
    responsible_level: ResponsibleLevel
    conditional: bool
    occasion: FollowupOccasion | None
    planned_start: dt.date
    planned_end: dt.date
    status: StepStatus
    late: bool = Field(description="The planned end has passed and the step is not done")
    display_status: DisplayStatus
    done_on: dt.date | None
    note: str


class CycleStepUpdate(InputModel):
    """Fields left out are unchanged. DONE records the day it was done (today unless `done_on`
    says otherwise); leaving DONE clears it."""

    planned_start: Day | None = None
    planned_end: Day | None = None
    status: StepStatus | None = None
    done_on: Day | None = None
    name_sv: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    question: str | None = Field(default=None, max_length=2000)
    inflow: str | None = Field(default=None, max_length=4000)
    result: str | None = Field(default=None, max_length=4000)
    responsible: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=10000)


class CycleRead(BaseModel):
    year: int
    steps: list[CycleStepRead]
    occasions: list[OccasionRead]
