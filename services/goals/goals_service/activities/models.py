import datetime as dt
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from goals_service.db import GoalsBase
from styrkedjan_common.db import JSONType, Tracked, new_id


class FocusArea(GoalsBase, Tracked):
    """A focus area (fokusområde) of an org unit for a year: what it concentrates on."""

    __tablename__ = "focus_area"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")


class FocusAreaGoal(GoalsBase):
    __tablename__ = "focus_area_goal"

    focus_area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("focus_area.id", ondelete="CASCADE"), primary_key=True)
    goal_lineage_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)


class Activity(GoalsBase, Tracked):
    __tablename__ = "activity"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="date_order"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    owner_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    focus_area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("focus_area.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    responsible: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[dt.date] = mapped_column(Date, index=True)
    end_date: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(40))
    sdgs: Mapped[list[int]] = mapped_column(JSONType, default=list)
    external_codes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class ActivityGoal(GoalsBase):
    __tablename__ = "activity_goal"

    activity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True)
    goal_lineage_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)


class ActivityQualityFactor(GoalsBase):
    __tablename__ = "activity_quality_factor"

    activity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True)
    quality_factor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quality_factor.id"), primary_key=True, index=True)
