import datetime as dt
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from goals_service.db import GoalsBase
from styrkedjan_common.db import JSONType, Tracked, UTCDateTime, new_id
from styrkedjan_common.lifecycle import Decided


class Goal(GoalsBase, Decided, Tracked):
    """One revision of a goal at any level. Revisions of the same goal share `lineage_id` (the
    first revision's id); links to a goal name its lineage, so they survive an amendment."""

    __tablename__ = "goal"
    __table_args__ = (
        CheckConstraint("end_year >= start_year", name="year_order"),
        Index("ix_goal_level_owner", "level", "owner_org_unit_id"),
        Index("ix_goal_years", "start_year", "end_year"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    lineage_id: Mapped[uuid.UUID] = mapped_column(index=True)
    level: Mapped[str] = mapped_column(String(20))
    owner_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    mandate_period_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("mandate_period.id"), index=True)
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    intent: Mapped[str] = mapped_column(Text, default="")
    perspective: Mapped[str] = mapped_column(String(20))
    sdgs: Mapped[list[int]] = mapped_column(JSONType, default=list)
    external_codes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_reason: Mapped[str | None] = mapped_column(String(20))
    closing_comment: Mapped[str | None] = mapped_column(Text)


class GoalLink(GoalsBase):
    """A goal contributes to a goal of the level above (a board goal may serve several municipal goals)."""

    __tablename__ = "goal_link"

    goal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), primary_key=True)
    parent_lineage_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)


class GoalYearTarget(GoalsBase):
    """The target level of a multi-year goal for one of its years (delmål)."""

    __tablename__ = "goal_year_target"

    goal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_level: Mapped[str] = mapped_column(Text)
