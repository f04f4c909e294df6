"""The result reserve policy (KL 11 kap.): when a surplus may be set aside, and what the reserve is
called. Thresholds and label are configuration, because the law changed in 2024 (prop. 2022/23:119:
resultatutjämningsreserv became resultatreserv) and municipal guidelines set their own rules."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from budget_service.settings import BudgetSettings

# The year the law renamed the reserve.
RENAMED_IN = 2024
LABEL_SINCE_2024 = "resultatreserv"
LABEL_BEFORE_2024 = "resultatutjämningsreserv"
# A negative balance result is restored within the next three years; fixed by law, not configuration.
RESTORATION_YEARS = 3

_ORE = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ResultReservePolicy:
    configured_label: str | None
    threshold_percent: Decimal
    negative_equity_threshold_percent: Decimal

    @classmethod
    def from_settings(cls, settings: BudgetSettings) -> ResultReservePolicy:
        return cls(
            configured_label=settings.result_reserve_label or None,
            threshold_percent=settings.result_reserve_threshold_percent,
            negative_equity_threshold_percent=settings.result_reserve_threshold_percent_negative_equity,
        )

    def label_for(self, year: int) -> str:
        if self.configured_label:
            return self.configured_label
        return LABEL_SINCE_2024 if year >= RENAMED_IN else LABEL_BEFORE_2024

    def threshold_for(self, equity_including_pension_liability: Decimal) -> Decimal:
        """The share of tax revenue and grants a result must exceed before anything is reserved;
        higher when equity including the pension liability is negative."""
        if equity_including_pension_liability < 0:
            return self.negative_equity_threshold_percent
        return self.threshold_percent

    def allocation_limit(
        self, result_after_adjustments: Decimal, tax_and_grants: Decimal, equity_including_pension_liability: Decimal
    ) -> Decimal:
        """The most that may be reserved: the part of the result after balance adjustments above the threshold."""
        threshold = (tax_and_grants * self.threshold_for(equity_including_pension_liability) / 100).quantize(_ORE, ROUND_HALF_UP)
        return max(Decimal("0.00"), result_after_adjustments - threshold)
