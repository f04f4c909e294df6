"""Mapped tables of this area: the yearly balance requirement statement and the restoration
obligations that negative balance results leave behind."""

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from budget_service.db import BudgetBase
from budget_service.money import MONEY_COLUMN
from styrkedjan_common.db import Tracked, new_id


class BalanceStatement(BudgetBase, Tracked):
    """The year's balanskravsutredning: its inputs are stored, every step is computed from them.
    Once the council adopts it (with the annual report) it is locked."""

    __tablename__ = "balance_statement"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    result: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    realisation_gains: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    exempt_realisation_items: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    unrealised_securities_losses: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    reserve_allocation: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    reserve_use: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    exceptional_reasons_amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    exceptional_reasons: Mapped[str | None] = mapped_column(Text)
    # The base of the reserve rule: skatteintäkter + generella statsbidrag + utjämning.
    tax_and_grants: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    equity_including_pension_liability: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    text: Mapped[str] = mapped_column(Text, default="")
    # Frozen at adoption (a negative sum): later restorations must not rewrite an adopted statement.
    earlier_deficits: Mapped[Decimal | None] = mapped_column(MONEY_COLUMN)
    locked: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    decision_body: Mapped[str | None] = mapped_column(String(200))
    decision_date: Mapped[dt.date | None] = mapped_column(Date)
    decision_reference: Mapped[str | None] = mapped_column(String(100))


class RestorationObligation(BudgetBase, Tracked):
    """A negative balance result to restore within three years (KL 11 kap.), one per origin year."""

    __tablename__ = "restoration_obligation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    origin_year: Mapped[int] = mapped_column(Integer, unique=True)
    statement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("balance_statement.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    restored_amount: Mapped[Decimal] = mapped_column(MONEY_COLUMN)
    deadline_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)  # OPEN, MET or WAIVED
    met_in_year: Mapped[int | None] = mapped_column(Integer)
    # Åtgärdsplan: the council's plan for restoring it.
    action_plan_reference: Mapped[str | None] = mapped_column(String(100))
    action_plan_date: Mapped[dt.date | None] = mapped_column(Date)
    # Synnerliga skäl not to restore it, and the decision that says so.
    waiver_reasons: Mapped[str | None] = mapped_column(Text)
    waiver_body: Mapped[str | None] = mapped_column(String(200))
    waiver_date: Mapped[dt.date | None] = mapped_column(Date)
    waiver_reference: Mapped[str | None] = mapped_column(String(100))
