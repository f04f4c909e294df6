"""Request and read models of the situation analyses: a board's or administration's current-state
map (nulägeskarta) and the municipality's environment analysis (omvärldsanalys), in sections with
their sources (the seed asks for reliable, documented sources)."""

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from styrkedjan_common.org_units import UnitName
from styrkedjan_common.schemas import InputModel, TrackedRead
from styrkedjan_common.years import Year

MAX_SECTIONS = 30
MAX_SOURCES = 20


class AnalysisKind(StrEnum):
    CURRENT_STATE_MAP = "CURRENT_STATE_MAP"  # a board's or administration's nulägeskarta
    ENVIRONMENT_ANALYSIS = "ENVIRONMENT_ANALYSIS"  # the municipality's omvärldsanalys


class AnalysisStatus(StrEnum):
    DRAFT = "DRAFT"
    COMPLETED = "COMPLETED"


class Source(InputModel):
    title: str = Field(min_length=1, max_length=300, examples=["SCB, Befolkningsprognos 2026–2035"])
    url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$", examples=["https://www.scb.se/"])
    published: dt.date | None = Field(default=None, examples=["2026-04-28"])


class Section(InputModel):
    heading: str = Field(min_length=1, max_length=200, examples=["Kompetensförsörjning"])
    text: str = Field(min_length=1, max_length=20000)
    sources: list[Source] = Field(default=[], max_length=MAX_SOURCES, description="A completed analysis has at least one per section")


class AnalysisCreate(InputModel):
    kind: AnalysisKind = Field(
        description="CURRENT_STATE_MAP for a board or administration; ENVIRONMENT_ANALYSIS for the council's org unit"
    )
    year: Year = Field(description="The planning year the analysis feeds (its cycle's planning assumptions, step 3)")
    org_unit_id: uuid.UUID
    title: str = Field(min_length=1, max_length=300, examples=["Nulägeskarta socialnämnden inför 2027"])
    sections: list[Section] = Field(default=[], max_length=MAX_SECTIONS)


class AnalysisUpdate(InputModel):
    """Fields left out are unchanged; `sections` replaces them all. Only drafts change."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    sections: list[Section] | None = Field(default=None, max_length=MAX_SECTIONS)


class FedStep(BaseModel):
    """The step of the year's cycle the analysis is input to."""

    year: int
    number: int
    name_sv: str
    name_en: str
    planned_start: dt.date
    planned_end: dt.date
    status: str


class AnalysisRead(TrackedRead):
    id: uuid.UUID
    kind: AnalysisKind
    year: int
    org_unit_id: uuid.UUID
    org_unit: UnitName = None
    title: str
    status: AnalysisStatus
    sections: list[Section]
    feeds: FedStep | None = Field(
        default=None, description="Step 3 (planeringsförutsättningar) of the year's cycle; null while the year has no cycle"
    )
