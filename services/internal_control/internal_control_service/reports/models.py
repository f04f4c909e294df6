"""The mapped table of the boards' yearly follow-up reports of internal control."""

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from internal_control_service.db import InternalControlBase
from styrkedjan_common.db import JSONType, Tracked, UTCDateTime, new_id
from styrkedjan_common.lifecycle import Decided


class FollowupReport(InternalControlBase, Decided, Tracked):
    """A board's yearly follow-up of its control plan, one revision of it; `content` is the frozen
    snapshot of the plan's execution the board approves."""

    __tablename__ = "followup_report"
    __table_args__ = (UniqueConstraint("board_org_unit_id", "year", "revision", name="uq_followup_report_board_year_revision"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("control_plan.id"))
    summary: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    content_taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
