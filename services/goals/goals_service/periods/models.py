import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from goals_service.db import GoalsBase
from styrkedjan_common.db import Tracked, new_id
from styrkedjan_common.lifecycle import Decision


class MandatePeriod(GoalsBase, Tracked):
    """The council's political term (mandatperiod); municipal goals belong to one."""

    __tablename__ = "mandate_period"
    __table_args__ = (CheckConstraint("end_year >= start_year", name="year_order"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    start_year: Mapped[int] = mapped_column(Integer, unique=True)
    end_year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    # The decision that gave the term another length than the configured one (an extra election,
    # a change of the term); none for a term of the usual length.
    length_decision_body: Mapped[str | None] = mapped_column(String(200))
    length_decision_date: Mapped[dt.date | None] = mapped_column(Date)
    length_decision_reference: Mapped[str | None] = mapped_column(String(100))

    @property
    def length_decision(self) -> Decision | None:
        if self.length_decision_date is None:
            return None
        return Decision(
            body=self.length_decision_body or "", decision_date=self.length_decision_date, reference=self.length_decision_reference or ""
        )

    def record_length_decision(self, decision: Decision) -> None:
        self.length_decision_body = decision.body
        self.length_decision_date = decision.decision_date
        self.length_decision_reference = decision.reference
