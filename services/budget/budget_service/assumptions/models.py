"""Planning assumptions as data, never code: population, tax and grant forecasts and price indices,
each row kept with the publication it came from, and the target groups the allocation model funds
with their unit costs per budget year."""

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from budget_service.db import BudgetBase
from budget_service.money import MONEY_COLUMN, PERCENT_COLUMN
from styrkedjan_common.db import Tracked, new_id

# Inhabitants with two decimals: forecasts are statistical and not always whole persons.
COUNT_COLUMN = Numeric(14, 2)
RATE_COLUMN = Numeric(6, 5)
# Stands in for "no upper age" / "no component" in the unique keys: NULLs never collide in a unique index.
OPEN_AGE = -1


class PopulationForecast(BudgetBase, Tracked):
    """The forecast number of inhabitants of an age class on 31 December of `year`, as published
    on `publication_date` (the forecast's as-of date). `age_to` null means "and older"."""

    __tablename__ = "population_forecast"
    __table_args__ = (
        CheckConstraint("age_to IS NULL OR age_to >= age_from", name="age_order"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    publication_date: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    age_from: Mapped[int] = mapped_column(Integer)
    age_to: Mapped[int | None] = mapped_column(Integer)
    count: Mapped[Decimal] = mapped_column(COUNT_COLUMN)


Index(
    "uq_population_forecast_key",
    PopulationForecast.publication_date,
    PopulationForecast.year,
    PopulationForecast.age_from,
    func.coalesce(PopulationForecast.age_to, OPEN_AGE),
    unique=True,
)


class TaxForecast(BudgetBase, Tracked):
    """Forecast tax revenue, general grants or equalisation for a year, as published on a date."""

    __tablename__ = "tax_forecast"
    __table_args__ = (UniqueConstraint("publication_date", "year", "kind", name="uq_tax_forecast_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    publication_date: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # TAX, GRANTS or EQUALISATION
    amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)


class PriceIndex(BudgetBase, Tracked):
    """A price index's change for a year (e.g. SKR's PKV), as published on a date; a row without
    `component` is the index as a whole, rows with one are its parts (wages, other costs)."""

    __tablename__ = "price_index"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    index_name: Mapped[str] = mapped_column(String(40))
    publication_date: Mapped[dt.date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    pct_change: Mapped[Decimal] = mapped_column(PERCENT_COLUMN)
    component: Mapped[str | None] = mapped_column(String(100))


Index(
    "uq_price_index_key",
    PriceIndex.index_name,
    PriceIndex.publication_date,
    PriceIndex.year,
    func.coalesce(PriceIndex.component, ""),
    unique=True,
)


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
