"""The internal-control calendar (seed: "Bilagor"): each board decides its control plan for a year
by December of the year before, and approves the plan's follow-up at the latest with its annual
report in February of the year after. Dates are the municipality's (Swedish) calendar days."""

import datetime as dt
from zoneinfo import ZoneInfo

MUNICIPALITY_TIME = ZoneInfo("Europe/Stockholm")


def today() -> dt.date:
    """The one clock of the area; tests patch it."""
    return dt.datetime.now(MUNICIPALITY_TIME).date()


def plan_deadline(year: int) -> dt.date:
    return dt.date(year - 1, 12, 31)


def report_deadline(year: int) -> dt.date:
    """The last day of February of the following year (29th in a leap year)."""
    return dt.date(year + 1, 3, 1) - dt.timedelta(days=1)


def is_late(deadline: dt.date, decided_on: dt.date | None) -> bool:
    """Decided after the deadline, or still undecided once it has passed."""
    if decided_on is not None:
        return decided_on > deadline
    return today() > deadline
