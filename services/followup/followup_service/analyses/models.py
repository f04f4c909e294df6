"""The mapped table of the situation analyses: a board's current-state map (nulägeskarta) and
the municipality's environment analysis (omvärldsanalys), input to the next cycle's planning."""

import uuid
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followup_service.db import FollowupBase
from styrkedjan_common.db import JSONType, Tracked, new_id


class SituationAnalysis(FollowupBase, Tracked):
    """Structured sections, each with its text and sources, made for the planning of `year`."""

    __tablename__ = "situation_analysis"
    # One current-state map per board or administration and year; one environment analysis a year.
    __table_args__ = (UniqueConstraint("year", "kind", "org_unit_id", name="uq_situation_analysis_year_kind_unit"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    year: Mapped[int] = mapped_column(Integer, index=True)
    # CURRENT_STATE_MAP (a board's or administration's) or ENVIRONMENT_ANALYSIS (the municipality's).
    kind: Mapped[str] = mapped_column(String(30))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(300))
    # DRAFT or COMPLETED: a completed analysis is the input of the planning step.
    status: Mapped[str] = mapped_column(String(20), default="DRAFT")
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
