import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from internal_control_service.risks.scales import Band, BandRef
from styrkedjan_common.http import EMBEDDED_MAX
from styrkedjan_common.org_units import UnitName
from styrkedjan_common.schemas import InputModel, TrackedRead
from styrkedjan_common.years import Year

Level = Annotated[int, Field(ge=1, le=4, description="1–4 on the configured scale", examples=[3])]
Title = Annotated[str, Field(min_length=1, max_length=300, examples=["Risk- och väsentlighetsanalys 2027"])]
Description = Annotated[str, Field(max_length=10000, examples=["Genomförd juni–september med förvaltningens ledningsgrupp."])]
Process = Annotated[str, Field(min_length=1, max_length=200, examples=["Inköp"])]
RiskText = Annotated[str, Field(min_length=1, max_length=10000, examples=["Inköp görs utanför avtal."])]
Note = Annotated[str, Field(max_length=10000, examples=["Kontrolleras genom stickprov i internkontrollplanen."])]


class RiskDecision(StrEnum):
    """One decision per risk: it is borne, or a control activity addresses it."""

    ACCEPT = "ACCEPT"
    CONTROL = "CONTROL"


# --- assessments --------------------------------------------------------------------------


class RiskAssessmentCreate(InputModel):
    board_org_unit_id: uuid.UUID
    year: Year
    title: Title
    description: Description = ""


class RiskAssessmentUpdate(InputModel):
    """Fields left out are unchanged; the board and the year are fixed (copy to the next year instead)."""

    title: Title | None = None
    description: Description | None = None


class RiskAssessmentSummary(TrackedRead):
    id: uuid.UUID
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    year: int
    title: str
    description: str


# --- risks --------------------------------------------------------------------------------


class RiskContent(InputModel):
    process: Process
    description: RiskText
    likelihood: Level
    consequence: Level
    decision: RiskDecision
    decision_note: Note = ""


class RiskCreate(RiskContent):
    pass


class RiskUpdate(InputModel):
    """Fields left out are unchanged."""

    process: Process | None = None
    description: RiskText | None = None
    likelihood: Level | None = None
    consequence: Level | None = None
    decision: RiskDecision | None = None
    decision_note: Note | None = None


class RiskRead(TrackedRead):
    id: uuid.UUID
    assessment_id: uuid.UUID
    process: str
    description: str
    likelihood: int
    consequence: int
    value: int = Field(description="likelihood × consequence, 1–16", examples=[9])
    band: BandRef
    decision: RiskDecision
    decision_note: str
    controlled: bool = Field(description="whether a control activity addresses the risk")


class RiskAssessmentRead(RiskAssessmentSummary):
    risks: list[RiskRead] = Field(
        description=f"Highest risk value first, at most {EMBEDDED_MAX}; the rest from the risks list of the assessment"
    )
    risk_count: int = Field(description="How many risks the assessment has in all", examples=[12])
    risks_next_cursor: str | None = Field(
        default=None,
        description="Pass as `cursor` to GET /risk-assessments/{assessment_id}/risks for the risks after these; absent when all are here",
    )


# --- matrix -------------------------------------------------------------------------------


class MatrixCell(BaseModel):
    likelihood: int = Field(examples=[3])
    consequence: int = Field(examples=[3])
    value: int = Field(examples=[9])
    band: BandRef
    count: int = Field(examples=[2])


class BandTotal(Band):
    count: int = Field(examples=[2])


class RiskMatrix(BaseModel):
    assessment_id: uuid.UUID
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    year: int
    cells: list[MatrixCell] = Field(description="16 cells, by likelihood then consequence")
    bands: list[BandTotal]
    total: int = Field(examples=[7])
