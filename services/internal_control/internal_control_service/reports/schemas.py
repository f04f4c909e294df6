import datetime as dt
import uuid

from pydantic import BaseModel, Field

from internal_control_service.execution.schemas import ActionStatus, DeviationStatus, Outcome
from styrkedjan_common.http import EMBEDDED_MAX
from styrkedjan_common.lifecycle import DecidedRead, Decision, Status
from styrkedjan_common.org_units import UnitName
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


class ReportRead(DecidedRead):
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    year: int
    plan_id: uuid.UUID
    summary: str
    content: ReportContent = Field(
        description=f"As taken; its activities are the first {EMBEDDED_MAX} of the plan's, the rest from the activities list of the report"
    )
    activity_count: int = Field(description="How many activities the content holds in all", examples=[8])
    activities_next_cursor: str | None = Field(
        default=None,
        description="Pass as `cursor` to GET /followup-reports/{report_id}/activities for the activities after these; absent when "
        "all are here",
    )
    content_taken_at: dt.datetime
    deadline: dt.date = Field(
        description="Approved by the board at the latest with its annual report: end of February of the following year"
    )
    late: bool = Field(description="This revision was approved after the deadline, or is not approved and the deadline has passed")
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int


# --- the executive board's evaluation -----------------------------------------------------


class RiskBandCount(BaseModel):
    """Risks whose value (likelihood × consequence) falls in one of the configured colour bands."""

    label: str = Field(examples=["Hög"])
    colour: str = Field(examples=["#EF6C00"])
    risks: int = Field(examples=[3])


class BoardEvaluation(BaseModel):
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    board_closed_on: dt.date | None = Field(
        default=None, description="The day the board was wound up, when that fell within the year: it kept internal control for part of it"
    )
    plan_status: Status | None = Field(
        description="The decided plan's status if there is one, else its latest revision's; null without a plan"
    )
    plan_missing: bool = Field(description="The board has no control plan for the year, not even a draft")
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
    report_missing: bool = Field(description="The board has no follow-up report for the year, not even a draft")
    report_deadline: dt.date
    report_late: bool
    risks: list[RiskBandCount] = Field(description="the risk distribution over the configured bands, lowest first")


class AreaDeviations(BaseModel):
    area: str
    deviations_open: int
    deviations_closed: int


class Evaluation(BaseModel):
    """The executive board's evaluation of the municipality's internal control for a year, from all boards."""

    year: int
    as_of: dt.date
    boards: list[BoardEvaluation] = Field(
        description="Every board of the directory that existed on some day of the year (the boards, the executive board, the "
        "companies and the federations: each keeps internal control of its own), by name, whether or not it has any "
        "internal control here: one without a plan or a report is flagged plan_missing or report_missing. A board wound "
        "up during the year is listed, one wound up before it is not. A board with internal control of the year that the "
        "directory does not place in the year is listed too, after the others"
    )
    boards_without_plan: int = Field(description="How many of the boards have no control plan for the year", examples=[1])
    boards_without_report: int = Field(description="How many of the boards have no follow-up report for the year", examples=[2])
    deviations_by_area: list[AreaDeviations]
    risks: list[RiskBandCount] = Field(description="the risk distribution over the configured bands, lowest first")
