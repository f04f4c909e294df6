"""The allocation model (resursfördelningsmodell): the target groups it funds with their unit costs
per budget year, and its runs, immutable records of a computation, each board's frame proposal with
every component that makes it up and how that component was computed."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from budget_service.assumptions.models import OPEN_AGE
from budget_service.db import BudgetBase
from budget_service.money import MONEY_COLUMN, PERCENT_COLUMN
from styrkedjan_common.db import JSONType, Tracked, UTCDateTime, new_id, utcnow

# A share from 0 to 1 with five decimals, such as coverage 0.954.
RATE_COLUMN = Numeric(6, 5)


class TargetGroup(BudgetBase, Tracked):
    """The inhabitants whose number drives a board's activity (e.g. Förskola: ages 1–5). No ages
    at all means the whole population; `age_to` null with `age_from` set means "and older"."""

    __tablename__ = "target_group"
    __table_args__ = (CheckConstraint("age_to IS NULL OR age_to >= age_from", name="age_order"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    activity: Mapped[str] = mapped_column(String(200))
    age_from: Mapped[int | None] = mapped_column(Integer)
    age_to: Mapped[int | None] = mapped_column(Integer)


Index(
    "uq_target_group_key",
    TargetGroup.board_org_unit_id,
    TargetGroup.activity,
    func.coalesce(TargetGroup.age_from, OPEN_AGE),
    func.coalesce(TargetGroup.age_to, OPEN_AGE),
    unique=True,
)


class UnitCost(BudgetBase, Tracked):
    """What one inhabitant of a target group costs the activity in a budget year, in kronor, and the
    share of the group that uses it (coverage, e.g. 0.954 of 1–5-year-olds in förskola)."""

    __tablename__ = "target_group_unit_cost"
    __table_args__ = (
        UniqueConstraint("target_group_id", "budget_year", name="uq_target_group_unit_cost_group_year"),
        CheckConstraint("coverage_rate IS NULL OR (coverage_rate >= 0 AND coverage_rate <= 1)", name="coverage_range"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    target_group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("target_group.id", ondelete="CASCADE"), index=True)
    budget_year: Mapped[int] = mapped_column(Integer)
    cost_per_inhabitant: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    coverage_rate: Mapped[Decimal | None] = mapped_column(RATE_COLUMN)


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
