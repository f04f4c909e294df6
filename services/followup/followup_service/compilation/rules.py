"""The executive board's compilation as the municipal report's workflow uses it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.reports.models import Report
from styrkedjan_common.org_units import OrgUnitReplica


async def ensure_complete(session: AsyncSession, org_units: OrgUnitReplica, report: Report) -> None:
    """Refuses to propose the municipal report while a board or company of the year has no decided
    report, unless the compilation records it as missing with a reason."""


async def compose(session: AsyncSession, org_units: OrgUnitReplica, report: Report) -> dict[str, Any]:
    """The compilation part of the municipal report's document: every board's and company's
    entry (its decided report's id and hash, or missing with the reason)."""
    return {}
