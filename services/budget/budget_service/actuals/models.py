"""Mapped tables of this area: booked amounts (utfall), their deliveries, and the boards' forecasts."""

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from budget_service.db import BudgetBase
from budget_service.money import MONEY_COLUMN
from styrkedjan_common.db import JSONType, Tracked, UTCDateTime, new_id, utcnow


class ActualsImport(BudgetBase):
    """One delivery of booked amounts from the financial system (a CSV file or a JSON list).
    Its SHA-256 makes a delivery idempotent: the same content again changes nothing."""

    __tablename__ = "actuals_import"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(10))  # CSV or JSON
    rows: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    # The periods the delivery covers, "2027-03"; at most twelve per year, so bounded.
    periods: Mapped[list[str]] = mapped_column(JSONType)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    imported_by: Mapped[str] = mapped_column(String(64))


class Actual(BudgetBase):
    """The booked amount of one month on one cost centre and account. Addressed by that key (its
    primary key), not by an id: a re-delivery of the key replaces the amount. Not Tracked: the
    import that last changed the amount says who and when, and a million rows stay lean."""

    __tablename__ = "actual"
    __table_args__ = (
        CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        Index("ix_actual_cost_center_code", "cost_center_code"),
    )

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    cost_center_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    account: Mapped[str] = mapped_column(String(20), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("actuals_import.id"))


class Forecast(BudgetBase, Tracked):
    """A board's full-year net cost forecast (helårsprognos) at a follow-up: FORECAST (resultatprognos),
    INTERIM (delårsrapport), or ANNUAL (årsredovisning), where it is the outcome of the closed books."""

    __tablename__ = "forecast"
    __table_args__ = (
        UniqueConstraint("board_org_unit_id", "year", "occasion", name="uq_forecast_board_year_occasion"),
        Index("ix_forecast_year_board", "year", "board_org_unit_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column()
    year: Mapped[int] = mapped_column(Integer)
    occasion: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    comment: Mapped[str] = mapped_column(Text, default="")
