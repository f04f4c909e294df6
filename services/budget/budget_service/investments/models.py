"""A board's investment projects and what each is budgeted to spend per year."""

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from budget_service.db import BudgetBase
from budget_service.money import MONEY_COLUMN
from styrkedjan_common.db import JSONType, Tracked, new_id


class InvestmentProject(BudgetBase, Tracked):
    """An investment project owned by a board, with its amounts per year (InvestmentAmount)."""

    __tablename__ = "investment_project"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), index=True)  # PLANNED, ONGOING, COMPLETED, CANCELLED
    external_codes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class InvestmentAmount(BudgetBase):
    """What a project is budgeted to spend in one year; replaced as a whole with the project's ETag."""

    __tablename__ = "investment_amount"
    __table_args__ = (UniqueConstraint("project_id", "year", name="uq_investment_amount_project_year"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("investment_project.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
