import datetime as dt
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from budget_service.money import Money
from styrkedjan_common.lifecycle import Decision
from styrkedjan_common.schemas import InputModel

# Amounts entered as positive figures; the statement itself gives them their sign.
PositiveMoney = Annotated[Money, Field(ge=0)]


class ResultReservePolicyRead(BaseModel):
    year: int = Field(description="The year the label is chosen for", examples=[2027])
    label: str = Field(examples=["resultatreserv"])
    label_configured: bool = Field(description="True when configuration sets the label; otherwise the law of the year does")
    threshold_percent: Decimal = Field(description="Share of tax revenue + general grants + equalisation", examples=["1"])
    negative_equity_threshold_percent: Decimal = Field(
        description="The share when equity including the pension liability is negative", examples=["2"]
    )
    restoration_years: int = Field(examples=[3])


class BalanceStatementPut(InputModel):
    """The inputs of the year's balanskravsutredning; left-out adjustments are zero."""

    result: Money = Field(description="Årets resultat", examples=["12345678.90"])
    realisation_gains: PositiveMoney = Field(
        default=Decimal("0.00"), description="Samtliga realisationsvinster (subtracted)", examples=["1200000.00"]
    )
    exempt_realisation_items: Money = Field(
        default=Decimal("0.00"), description="± vissa realisationsvinster/-förluster enligt undantagsmöjlighet", examples=["300000.00"]
    )
    unrealised_securities_losses: Money = Field(
        default=Decimal("0.00"), description="± orealiserade förluster i värdepapper and their reversal", examples=["0.00"]
    )
    reserve_allocation: PositiveMoney = Field(
        default=Decimal("0.00"), description="Reservering till resultatreserv (subtracted)", examples=["5000000.00"]
    )
    reserve_use: PositiveMoney = Field(default=Decimal("0.00"), description="Användning av resultatreserv (added)", examples=["0.00"])
    exceptional_reasons_amount: Money = Field(default=Decimal("0.00"), description="± synnerliga skäl", examples=["0.00"])
    exceptional_reasons: str | None = Field(default=None, min_length=1, max_length=5000, description="Why the synnerliga skäl apply")
    tax_and_grants: PositiveMoney = Field(description="Skatteintäkter + generella statsbidrag + utjämning", examples=["600000000.00"])
    equity_including_pension_liability: Money = Field(description="Eget kapital inklusive pensionsförpliktelser", examples=["250000000.00"])
    text: str = Field(default="", max_length=20000, examples=["Kommunen uppfyller balanskravet."])


class StatementStep(BaseModel):
    """One line of the statement: an input with the sign it enters with, or a subtotal."""

    key: str = Field(examples=["result_after_balance_adjustments"])
    label_sv: str = Field(examples=["Årets resultat efter balanskravsjusteringar"])
    label_en: str = Field(examples=["Result after balance requirement adjustments"])
    amount: Money
    subtotal: bool


class BalanceStatementRead(BalanceStatementPut):
    id: uuid.UUID
    year: int
    reserve_label: str = Field(examples=["resultatreserv"])
    reserve_allocation_limit: Money = Field(description="The most the policy lets be reserved this year")
    result_after_balance_adjustments: Money
    balance_result: Money
    earlier_deficits: Money = Field(description="Earlier years' deficits still to restore (negative)")
    balance_result_to_restore: Money
    steps: list[StatementStep]
    locked: bool
    decision: Decision | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int


class ObligationStatus(StrEnum):
    OPEN = "OPEN"
    MET = "MET"
    WAIVED = "WAIVED"


class ActionPlan(InputModel):
    """Åtgärdsplan: the council's decision on how the deficit is restored."""

    reference: str = Field(min_length=1, max_length=100, examples=["KF § 12/2027"])
    decision_date: dt.date = Field(examples=["2027-11-20"])


class RestorationObligationUpdate(InputModel):
    """Fields left out are unchanged; `action_plan: null` removes the plan."""

    action_plan: ActionPlan | None = None


class Waiver(InputModel):
    decision: Decision
    reasons: str = Field(
        min_length=1,
        max_length=5000,
        description="The synnerliga skäl not to restore",
        examples=["Realisationsförlust vid försäljning av bolag."],
    )


class RestorationObligationRead(BaseModel):
    id: uuid.UUID
    origin_year: int
    statement_id: uuid.UUID
    amount: Money
    restored_amount: Money
    remaining_amount: Money
    deadline_year: int
    status: ObligationStatus
    overdue: bool = Field(description="Still open after its deadline year")
    met_in_year: int | None
    action_plan: ActionPlan | None
    waiver_reasons: str | None
    waiver_decision: Decision | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int
