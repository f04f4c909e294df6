import uuid
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from budget_service.db import BudgetBase
from budget_service.money import MONEY_COLUMN
from styrkedjan_common.db import Tracked, new_id
from styrkedjan_common.lifecycle import Decided


class Budget(BudgetBase, Decided, Tracked):
    """The council's budget (mål och budget) for a budget year and its two plan years, one revision
    of it: an amendment (ändringsbudget) is a new revision through the same lifecycle."""

    __tablename__ = "budget"
    __table_args__ = (UniqueConstraint("year", "revision", name="uq_budget_year_revision"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(300))
    # Synnerliga skäl: why a budget whose costs exceed its revenues is decided anyway (KL 11 kap.).
    exceptional_reasons: Mapped[str | None] = mapped_column(Text)


class Frame(BudgetBase, Tracked):
    """A board's frame (ram) in a budget: the most it may use, for one year of the budget."""

    __tablename__ = "frame"
    __table_args__ = (UniqueConstraint("budget_id", "board_org_unit_id", "kind", "year", name="uq_frame_budget_board_kind_year"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    budget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"), index=True)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20))  # OPERATING or INVESTMENT
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    # The allocation-model run whose proposal it started from, if any (its components explain it).
    model_run_id: Mapped[uuid.UUID | None] = mapped_column()
