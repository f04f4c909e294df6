import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from internal_control_service.execution.schemas import ActionStatus, DeviationStatus, Outcome
from styrkedjan_common.lifecycle import Decision, Status
from styrkedjan_common.schemas import InputModel

Year = Field(ge=2000, le=2100, examples=[2027])


class ReportCreate(InputModel):
    board_org_unit_id: uuid.UUID
    year: int = Year
    summary: str = Field(default="", max_length=20000, examples=["Kontrollerna är genomförda; två avvikelser är åtgärdade."])


class ReportUpdate(InputModel):
    summary: str | None = Field(default=None, max_length=20000)


# --- the frozen content -------------------------------------------------------------------


class ActionSnapshot(BaseModel):
    id: uuid.UUID
    description: str
    owner: str
    due_date: dt.date
    status: ActionStatus
    overdue: bool


class DeviationSnapshot(BaseModel):
    id: uuid.UUID
    description: str
    status: DeviationStatus
    closed_at: dt.datetime | None
    closing_note: str | None
    actions: list[ActionSnapshot]


class ResultSnapshot(BaseModel):
    id: uuid.UUID
    occasion: str
    outcome: Outcome
    checked_on: dt.date
    evidence: str
    deviation: DeviationSnapshot | None


class ActivitySnapshot(BaseModel):
    id: uuid.UUID
    area: str
    what_is_checked: str
    method: str
    frequency: str
    responsible: str
    common_control_id: uuid.UUID | None
    results: list[ResultSnapshot]


class ExecutionTotals(BaseModel):
    activities: int
    activities_with_result: int
    completion: float | None = Field(description="Share of the plan's activities with at least one result (0–1)", examples=[0.75])
    deviations_open: int
    deviations_closed: int
    actions_open: int
    actions_overdue: int


class ReportContent(BaseModel):
    """The execution of the decided control plan as it stood when the content was taken."""

    plan_id: uuid.UUID
    plan_title: str
    plan_revision: int
    plan_decision: Decision | None
    as_of: dt.date
    activities: list[ActivitySnapshot]
    totals: ExecutionTotals


class ReportRead(BaseModel):
    id: uuid.UUID
    board_org_unit_id: uuid.UUID
    year: int
    plan_id: uuid.UUID
    revision: int
    replaces_id: uuid.UUID | None
    status: Status
    decision: Decision | None
    summary: str
    content: ReportContent
    content_taken_at: dt.datetime
    deadline: dt.date = Field(description="Approved by the board at the latest with its annual report: end of February of the following year")
    late: bool = Field(description="This revision was approved after the deadline, or is not approved and the deadline has passed")
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int


# --- the executive board's evaluation -----------------------------------------------------


class RiskBand(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    VERY_HIGH = "VERY_HIGH"


class RiskBands(BaseModel):
    """Number of risks by band of their value (likelihood × consequence): 1–3 low, 4–6 medium,
    8–9 high, 12–16 very high."""

    LOW: int = 0
    MEDIUM: int = 0
    HIGH: int = 0
    VERY_HIGH: int = 0


class BoardEvaluation(BaseModel):
    board_org_unit_id: uuid.UUID
    plan_status: Status | None = Field(description="The decided plan's status if there is one, else its latest revision's; null without a plan")
    plan_deadline: dt.date
    plan_late: bool
    activities: int
    activities_with_result: int
    completion: float | None
    deviations_open: int
    deviations_closed: int
    actions_open: int
    actions_overdue: int
    report_status: Status | None
    report_deadline: dt.date
    report_late: bool
    risks: RiskBands


class AreaDeviations(BaseModel):
    area: str
    deviations_open: int
    deviations_closed: int


class Evaluation(BaseModel):
    """The executive board's evaluation of the municipality's internal control for a year, from all boards."""

    year: int
    as_of: dt.date
    boards: list[BoardEvaluation]
    deviations_by_area: list[AreaDeviations]
    risks: RiskBands
