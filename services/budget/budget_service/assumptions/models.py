"""Planning assumptions as data, never code: population, tax and grant forecasts and price indices,
each row kept with the publication it came from."""

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Index, Integer, Numeric, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from budget_service.db import BudgetBase
from budget_service.money import MONEY_COLUMN, PERCENT_COLUMN
from styrkedjan_common.db import Tracked, new_id

# Inhabitants with two decimals: forecasts are statistical and not always whole persons.
COUNT_COLUMN = Numeric(14, 2)
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
