import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from budget_service.db import BudgetBase
from styrkedjan_common.db import Tracked, new_id


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
