"""The three follow-ups of the year, one vocabulary in every service (styrmodellen: the council
adopts a result forecast after April, an interim report after August and the annual report)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class FollowupOccasion(StrEnum):
    """A follow-up of the year: FORECAST (resultatprognos, period end 30 April), INTERIM
    (delårsrapport, 31 August), ANNUAL (årsredovisning, 31 December)."""

    FORECAST = "FORECAST"
    INTERIM = "INTERIM"
    ANNUAL = "ANNUAL"

    def period_end(self, year: int) -> dt.date:
        """The last day of the period the follow-up reports on."""
        return dt.date(year, *_PERIOD_END[self])

    @property
    def order(self) -> int:
        """The follow-ups in the year's order: FORECAST 0, INTERIM 1, ANNUAL 2."""
        return list(FollowupOccasion).index(self)


_PERIOD_END = {FollowupOccasion.FORECAST: (4, 30), FollowupOccasion.INTERIM: (8, 31), FollowupOccasion.ANNUAL: (12, 31)}
