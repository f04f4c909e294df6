import uuid

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from goals_service.db import GoalsBase
from styrkedjan_common.db import Tracked, new_id


class MandatePeriod(GoalsBase, Tracked):
    """The council's political term (mandatperiod); municipal goals belong to one."""

    __tablename__ = "mandate_period"
    __table_args__ = (CheckConstraint("end_year >= start_year", name="year_order"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    start_year: Mapped[int] = mapped_column(Integer, unique=True)
    end_year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
