"""The mapped tables of the annual cycle (årshjul) and the year's follow-up occasions."""

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followup_service.db import FollowupBase
from styrkedjan_common.db import JSONType, Tracked, new_id


class CycleStep(FollowupBase, Tracked):
    """One step of a year's annual cycle: what it answers, what goes in and comes out, who is
    responsible, when it is planned and how far it has come."""

    __tablename__ = "cycle_step"
    __table_args__ = (UniqueConstraint("year", "number", name="uq_cycle_step_year_number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    year: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)
    name_sv: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    question: Mapped[str] = mapped_column(Text, default="")
    inflow: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    responsible: Mapped[str] = mapped_column(String(300), default="")
    # The level that carries the step out (council, executive_board, board, administration, unit).
    responsible_level: Mapped[str] = mapped_column(String(30))
    # Steps 11 and 14 happen only when needed (an amendment of mål och budget).
    conditional: Mapped[bool] = mapped_column(Boolean, default=False)
    # The follow-up the step prepares or decides, if any (FORECAST, INTERIM, ANNUAL).
    occasion: Mapped[str | None] = mapped_column(String(20))
    planned_start: Mapped[dt.date] = mapped_column(Date)
    planned_end: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="PLANNED")
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class Occasion(FollowupBase, Tracked):
    """A follow-up of a year (FORECAST, INTERIM, ANNUAL): its period end, the deadline of each
    level, and the headings its reports carry."""

    __tablename__ = "occasion"
    __table_args__ = (UniqueConstraint("year", "kind", name="uq_occasion_year_kind"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    period_end: Mapped[dt.date] = mapped_column(Date)
    # The statutory interim report (LKBR 13 kap.): its period ends between 30 June and 31 August.
    statutory: Mapped[bool] = mapped_column(Boolean, default=False)
    unit_deadline: Mapped[dt.date] = mapped_column(Date)
    administration_deadline: Mapped[dt.date] = mapped_column(Date)
    board_deadline: Mapped[dt.date] = mapped_column(Date)
    executive_board_deadline: Mapped[dt.date] = mapped_column(Date)
    council_deadline: Mapped[dt.date] = mapped_column(Date)
    # [{"key", "title_sv", "title_en", "required", "levels"}] in the order the report shows them.
    headings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
