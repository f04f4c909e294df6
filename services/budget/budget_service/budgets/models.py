import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
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


class BudgetLine(BudgetBase, Tracked):
    """A part of the budget outside the boards' frames, for one year: tax revenue, grants,
    equalisation, financial items, pensions, depreciation and other revenues or costs."""

    __tablename__ = "budget_line"
    __table_args__ = (UniqueConstraint("budget_id", "kind", "year", name="uq_budget_line_budget_kind_year"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    budget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)


class EarmarkedFund(BudgetBase, Tracked):
    """Earmarked funds (riktade medel) the council gives a board for an assignment (tilläggsuppdrag)
    of the goals service, for one year of the budget."""

    __tablename__ = "earmarked_fund"
    __table_args__ = (
        UniqueConstraint("budget_id", "board_org_unit_id", "year", "assignment_id", name="uq_earmarked_fund_budget_board_year_assignment"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    budget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"), index=True)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    year: Mapped[int] = mapped_column(Integer)
    # The goals service's assignment, kept as its id: the services share no database.
    assignment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    purpose: Mapped[str] = mapped_column(Text)


class BudgetStep(BudgetBase, Tracked):
    """A step of the budget cycle (the seed's årshjul) for one budget: planning assumptions,
    the council's decision, the boards' allocations, amendments; when it is due and whether done."""

    __tablename__ = "budget_step"
    __table_args__ = (UniqueConstraint("budget_id", "kind", name="uq_budget_step_budget_kind"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    budget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    # Month of the year before the budget year; None for a step taken as needed (amendments).
    due_month: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    decision_reference: Mapped[str | None] = mapped_column(String(100))
    completed_date: Mapped[dt.date | None] = mapped_column(Date)
