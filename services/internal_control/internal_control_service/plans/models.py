import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from internal_control_service.db import InternalControlBase
from styrkedjan_common.db import Tracked, UTCDateTime, new_id, utcnow
from styrkedjan_common.lifecycle import Decided


class CommonControl(InternalControlBase, Tracked):
    """A control the executive board imposes on every board for a year (kommungemensam kontrollpunkt)."""

    __tablename__ = "common_control"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(300))
    what_is_checked: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(100), default="")
    report_to: Mapped[str] = mapped_column(String(200), default="")
    report_when: Mapped[str] = mapped_column(String(100), default="")


class ControlPlan(InternalControlBase, Decided, Tracked):
    """A board's internal control plan (internkontrollplan) for a year, one revision of it."""

    __tablename__ = "control_plan"
    __table_args__ = (UniqueConstraint("board_org_unit_id", "year", "revision", name="uq_control_plan_board_year_revision"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(300))


class ControlActivity(InternalControlBase, Tracked):
    """What a plan checks (kontrollmoment): a board's own, or a common control carried into the plan."""

    __tablename__ = "control_activity"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("control_plan.id", ondelete="CASCADE"), index=True)
    common_control_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("common_control.id"), index=True)
    risk_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("risk.id"), index=True)
    area: Mapped[str] = mapped_column(String(200), default="")
    what_is_checked: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(100), default="")
    responsible: Mapped[str] = mapped_column(String(200), default="")
    report_to: Mapped[str] = mapped_column(String(200), default="")
    report_when: Mapped[str] = mapped_column(String(100), default="")


class CommonControlWithdrawal(InternalControlBase):
    """Marks a common control the executive board withdrew while plans past draft still carry it:
    the row stays so those plans' activities keep naming it (a decided plan is never rewritten)."""

    __tablename__ = "common_control_withdrawal"

    common_control_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("common_control.id", ondelete="CASCADE"), primary_key=True)
    withdrawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_by: Mapped[str] = mapped_column(String(64))
