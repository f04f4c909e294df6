"""Mapped tables of the execution of control plans: results per occasion, the deviations they
reveal and the actions that remedy them."""

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from internal_control_service.db import InternalControlBase
from styrkedjan_common.db import Tracked, UTCDateTime, new_id


class ControlResult(InternalControlBase, Tracked):
    """The outcome of one control activity on one occasion (e.g. "2027-T1")."""

    __tablename__ = "control_result"
    __table_args__ = (UniqueConstraint("activity_id", "occasion", name="uq_control_result_activity_occasion"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    activity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("control_activity.id", ondelete="CASCADE"), index=True)
    occasion: Mapped[str] = mapped_column(String(40))
    # NO_REMARK or DEVIATION.
    outcome: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(Text, default="")
    checked_on: Mapped[dt.date] = mapped_column(Date)


class Deviation(InternalControlBase, Tracked):
    """A finding (avvikelse) of a result; closed once its actions are no longer open."""

    __tablename__ = "deviation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    result_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("control_result.id", ondelete="CASCADE"), unique=True)
    description: Mapped[str] = mapped_column(Text)
    # OPEN or CLOSED.
    status: Mapped[str] = mapped_column(String(20), index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closing_note: Mapped[str | None] = mapped_column(Text)


class Action(InternalControlBase, Tracked):
    """A remedy (åtgärd) of a deviation, with an owner and a due date."""

    __tablename__ = "action"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    deviation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deviation.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[dt.date] = mapped_column(Date)
    # OPEN, DONE or CANCELLED.
    status: Mapped[str] = mapped_column(String(20), index=True)
