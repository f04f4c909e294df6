import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from budget_service.db import BudgetBase
from budget_service.money import MONEY_COLUMN
from styrkedjan_common.db import Tracked, UTCDateTime, new_id


class ActivityArea(BudgetBase, Tracked):
    """A board's activity area (verksamhetsområde), over which it splits its frame."""

    __tablename__ = "activity_area"
    __table_args__ = (UniqueConstraint("board_org_unit_id", "code", name="uq_activity_area_board_code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))


class CostCenter(BudgetBase, Tracked):
    """A cost centre (kostnadsställe) of the financial system: actuals are booked on its code; it
    rolls up into an activity area and so into a board, and may name the org unit it serves."""

    __tablename__ = "cost_center"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    activity_area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activity_area.id"), index=True)
    org_unit_id: Mapped[uuid.UUID | None] = mapped_column(index=True)


class AllocationSet(BudgetBase, Tracked):
    """A board's allocation of its frame for one year, as a whole: its row version is the ETag
    a replacement of the lines must name, and a reallocation bumps it."""

    __tablename__ = "allocation_set"
    __table_args__ = (UniqueConstraint("board_org_unit_id", "year", name="uq_allocation_set_board_year"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    year: Mapped[int] = mapped_column(Integer)


class Allocation(BudgetBase):
    """One line of a board's allocation: an amount of its operating frame given to an activity
    area, or to one cost centre of it. Lines are replaced as a whole (see AllocationSet)."""

    __tablename__ = "allocation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    allocation_set_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("allocation_set.id", ondelete="CASCADE"), index=True)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    year: Mapped[int] = mapped_column(Integer)
    activity_area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activity_area.id"), index=True)
    cost_center_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cost_center.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    comment: Mapped[str] = mapped_column(Text, default="")


class Reallocation(BudgetBase, Tracked):
    """An ombudgetering: the board's decision moving an amount from one activity area to another
    within its frame; reported to the board at the next follow-up."""

    __tablename__ = "reallocation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    year: Mapped[int] = mapped_column(Integer)
    from_activity_area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activity_area.id"), index=True)
    to_activity_area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activity_area.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    decision_body: Mapped[str] = mapped_column(String(200))
    decision_date: Mapped[dt.date] = mapped_column(Date)
    decision_reference: Mapped[str] = mapped_column(String(100))
    # The follow-up (FORECAST, INTERIM, ANNUAL) it was reported at; None until then.
    reported_at_occasion: Mapped[str | None] = mapped_column(String(20))
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
