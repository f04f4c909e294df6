"""Runs of the allocation model (resursfördelningsmodell): immutable records of a computation, each
board's frame proposal with every component that makes it up and how that component was computed."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from budget_service.db import BudgetBase
from budget_service.money import MONEY_COLUMN, PERCENT_COLUMN
from styrkedjan_common.db import JSONType, UTCDateTime, new_id, utcnow


class ModelRun(BudgetBase):
    """One computation of frame proposals for a budget year from named publications of the
    population forecast and the price index. Never updated: a new computation is a new run."""

    __tablename__ = "model_run"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    budget_year: Mapped[int] = mapped_column(Integer, index=True)
    population_publication_date: Mapped[dt.date] = mapped_column(Date)
    price_index_name: Mapped[str] = mapped_column(String(40))
    price_index_publication_date: Mapped[dt.date] = mapped_column(Date)
    price_index_pct: Mapped[Decimal] = mapped_column(PERCENT_COLUMN)
    wage_compensation_pct: Mapped[Decimal] = mapped_column(PERCENT_COLUMN)
    efficiency_pct: Mapped[Decimal] = mapped_column(PERCENT_COLUMN)
    total_proposal: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class ModelRunFrame(BudgetBase):
    """A board's frame proposal in a run: the sum of its components."""

    __tablename__ = "model_run_frame"
    __table_args__ = (UniqueConstraint("model_run_id", "board_org_unit_id", name="uq_model_run_frame_run_board"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    model_run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("model_run.id"), index=True)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    base_amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    proposal_amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)


class ModelRunComponent(BudgetBase):
    """One part of a board's proposal (BASE, DEMOGRAPHIC per target group, PRICE, WAGE, EFFICIENCY)
    with every input and the formula in `explanation`. The target group is named by id only, not
    referenced: the run must stay as computed when the group later changes or goes."""

    __tablename__ = "model_run_component"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    model_run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("model_run.id"), index=True)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column()
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    target_group_id: Mapped[uuid.UUID | None] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONType)
