"""The compilation's read and input models."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from styrkedjan_common.schemas import InputModel


class MissingCreate(InputModel):
    org_unit_id: uuid.UUID = Field(description="The board or company whose report the compilation goes forward without")
    reason: str = Field(min_length=1, max_length=2000, examples=["Bolagets styrelse sammanträder först i november."])


class MissingRead(BaseModel):
    id: uuid.UUID
    report_id: uuid.UUID
    org_unit_id: uuid.UUID
    reason: str


class Entry(BaseModel):
    """A board's or company's place in the compilation."""

    org_unit_id: uuid.UUID
    org_unit_name: str
    org_unit_type: str
    state: str = Field(description="DECIDED, PROPOSED, SUBMITTED, DRAFT, NONE (no report yet) or MISSING (recorded with a reason)")
    report_id: uuid.UUID | None
    revision: int | None
    decision: dict[str, str] | None
    document_hash: str | None = Field(description="The decided report's snapshot hash, which the municipal report refers to")
    deadline: str
    late: bool
    assessments: dict[str, int] = Field(description="Goal assessments of its report per level code of the scale")
    missing_reason: str | None
    followup_dialogue: str | None = Field(
        description="At the interim and annual report: HELD, PLANNED or NONE for the board's follow-up dialogue "
        "between politics and administration (uppföljningsdialog) of the occasion; null at the forecast"
    )


class Totals(BaseModel):
    reporting: int
    decided: int
    missing: int
    late: int
    without_followup_dialogue: int = Field(description="Boards and companies whose follow-up dialogue is not held (interim and annual)")


class CompilationRead(BaseModel):
    """The live state of an occasion's compilation: who has decided, who is missing or late."""

    occasion_id: uuid.UUID
    year: int
    occasion: str
    municipal_report_id: uuid.UUID | None
    municipal_report_status: str | None
    entries: list[Entry]
    totals: Totals
    assessments: dict[str, int] = Field(description="Every board's and company's goal assessments together, per level code")
