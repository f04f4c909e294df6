"""The thread (röd tråd) as read models: down from the vision for a year, and up from one node."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field, computed_field

from goals_service.indicators.status import TargetStatus, Trend
from goals_service.units import UNIT_NAME, name_of
from styrkedjan_common.org_units import OrgUnitName

LEVEL = Field(description="MUNICIPAL, BOARD or UNIT", examples=["BOARD"])


class VisionRef(BaseModel):
    id: uuid.UUID
    revision: int = Field(examples=[2])
    text: str = Field(examples=["Hallstahammar – en plats att leva, verka och bo på."])
    horizon_start_year: int = Field(examples=[2025])
    horizon_end_year: int = Field(examples=[2037])


class MandatePeriodRef(BaseModel):
    id: uuid.UUID
    name: str = Field(examples=["Mandatperiod 2027–2030"])
    start_year: int = Field(examples=[2027])
    end_year: int = Field(examples=[2030])


class Outcome(BaseModel):
    period: str = Field(examples=["2027-T2"])
    year: int = Field(examples=[2027])
    total: Decimal | None = Field(examples=["81.5"])
    women: Decimal | None = Field(examples=["84.0"])
    men: Decimal | None = Field(examples=["79.1"])


class ThreadIndicator(BaseModel):
    """An indicator followed for a goal: the year's target, the latest outcome up to that year,
    its status against the year's target and its trend against the outcome before it."""

    use_id: uuid.UUID
    indicator_id: uuid.UUID
    name: str = Field(examples=["Andel elever med godkända betyg"])
    unit: str = Field(examples=["%"])
    direction: str = Field(examples=["HIGHER_IS_BETTER"])
    gender_split: bool = Field(description="Outcomes are reported for women and men beside the total", examples=[True])
    org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def org_unit(self) -> OrgUnitName | None:
        return name_of(self.org_unit_id)

    target: Decimal | None = Field(description="total of the year's target", examples=["85"])
    latest: Outcome | None
    status: TargetStatus
    trend: Trend


class ThreadActivity(BaseModel):
    id: uuid.UUID
    title: str = Field(examples=["Läsfrämjande insatser"])
    owner_org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def owner_org_unit(self) -> OrgUnitName | None:
        return name_of(self.owner_org_unit_id)

    start_date: dt.date
    end_date: dt.date
    status: str = Field(examples=["ONGOING"])
    sdgs: list[int] = Field(examples=[[4]])


class ThreadGoal(BaseModel):
    id: uuid.UUID = Field(description="the decided revision in force")
    lineage_id: uuid.UUID
    revision: int
    level: str = LEVEL
    owner_org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def owner_org_unit(self) -> OrgUnitName | None:
        return name_of(self.owner_org_unit_id)

    title: str = Field(examples=["Fler elever klarar skolan"])
    perspective: str = Field(examples=["OPERATIONS"])
    start_year: int
    end_year: int
    sdgs: list[int] = Field(examples=[[4, 10]])
    closed: bool = Field(description="achieved or discontinued: no longer in force, kept readable")
    closed_reason: str | None = Field(examples=["ACHIEVED"])
    year_target_level: str | None = Field(description="the goal's target level for the year (delmål of a multi-year goal)")
    contributes_to: list[uuid.UUID] = Field(description="lineage ids of the goals above it")
    indicators: list[ThreadIndicator]
    activities: list[ThreadActivity]
    contributing_goals: list[ThreadGoal] = Field(description="goals of the levels below that contribute to this one")


class GoalRef(BaseModel):
    id: uuid.UUID
    lineage_id: uuid.UUID
    level: str = LEVEL
    title: str
    owner_org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def owner_org_unit(self) -> OrgUnitName | None:
        return name_of(self.owner_org_unit_id)


class Unlinked(BaseModel):
    """What the chain above does not reach, so that nothing is lost: goals linking to no goal in
    force that year (with everything below them) and activities serving no goal in force."""

    board: list[ThreadGoal]
    unit: list[ThreadGoal]
    activities: list[ThreadActivity]


class ThreadRead(BaseModel):
    year: int = Field(examples=[2027])
    org_unit_id: uuid.UUID | None = Field(description="the org unit the thread is cut to, if any")

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def org_unit(self) -> OrgUnitName | None:
        return name_of(self.org_unit_id)

    vision: VisionRef | None = Field(description="the decided vision in force")
    mandate_period: MandatePeriodRef | None = Field(description="the mandate period containing the year")
    goals: list[ThreadGoal] = Field(
        description="the whole municipality: its municipal goals, each with the goals contributing to it; "
        "cut to an org unit: that unit's goals that link upwards, each with everything below it"
    )
    ancestors: list[GoalRef] = Field(description="cut to an org unit: the goals above its goals, for context")
    unlinked: Unlinked


class NodeKind(StrEnum):
    GOAL = "GOAL"
    ACTIVITY = "ACTIVITY"
    INDICATOR_USE = "INDICATOR_USE"


class UpwardNode(BaseModel):
    kind: NodeKind
    id: uuid.UUID
    title: str = Field(description="the goal's or activity's title, or the indicator's name")
    org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def org_unit(self) -> OrgUnitName | None:
        return name_of(self.org_unit_id)

    level: str | None = Field(default=None, description="a goal's level", examples=["UNIT"])
    status: str | None = Field(default=None, description="a goal's lifecycle status or an activity's status", examples=["DECIDED"])
    contributes_to: list[uuid.UUID] = Field(description="lineage ids of the goals the node links to")


class UpwardGoal(BaseModel):
    id: uuid.UUID = Field(description="the lineage's decided revision (the archived one if none is decided)")
    lineage_id: uuid.UUID
    revision: int
    level: str = LEVEL
    owner_org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def owner_org_unit(self) -> OrgUnitName | None:
        return name_of(self.owner_org_unit_id)

    title: str
    status: str = Field(examples=["DECIDED"])
    closed: bool
    start_year: int
    end_year: int
    distance: int = Field(description="links between the node and this goal: 1 for the goals the node links to", examples=[1])
    contributes_to: list[uuid.UUID]


class UpwardRead(BaseModel):
    node: UpwardNode
    goals: list[UpwardGoal] = Field(description="every goal above the node by links, all parents at each step, nearest first")
    mandate_period: MandatePeriodRef | None = Field(
        description="the period of the municipal goals reached, else the one containing the node's first year"
    )
    vision: VisionRef | None = Field(description="the decided vision in force")
