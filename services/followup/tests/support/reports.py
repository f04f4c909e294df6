"""The org units and occasions the report tests share, and the helpers that make and read reports."""

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select

from followup_service.cycle.models import Occasion
from followup_service.db import AuditEvent
from followup_service.reports.models import GoalAssessment, Report, ReportSection
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import org_unit

YEAR = 2027
API = "/api/followup/v1"
COUNCIL = org_unit(OrgUnitType.COUNCIL, "Kommunfullmäktige (uppföljning)")
BOARD = org_unit(OrgUnitType.BOARD, "Barn- och utbildningsnämnden", parent=COUNCIL)
OTHER_BOARD = org_unit(OrgUnitType.BOARD, "Kultur- och fritidsnämnden", parent=COUNCIL)
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION, "Barn- och utbildningsförvaltningen", parent=BOARD)
UNIT = org_unit(OrgUnitType.UNIT, "Näslundsskolan", parent=ADMINISTRATION)
CLOSED_UNIT = org_unit(OrgUnitType.UNIT, "Nedlagd skola", parent=ADMINISTRATION, valid_to=dt.date(2025, 12, 31))
HEADINGS: list[dict[str, Any]] = [
    {"key": "important_events", "title_sv": "Viktiga händelser", "title_en": "Important events", "required": True},
    {"key": "staff", "title_sv": "Personal", "title_en": "Staff", "required": False},
]


async def add_occasion(app: Any, kind: str = "INTERIM", year: int = YEAR, **deadlines: dt.date) -> uuid.UUID:
    """An occasion of the year, stored as the cycle stores it."""
    period_end = {"FORECAST": dt.date(year, 4, 30), "INTERIM": dt.date(year, 8, 31), "ANNUAL": dt.date(year, 12, 31)}[kind]
    occasion = Occasion(
        year=year,
        kind=kind,
        period_end=period_end,
        statutory=kind == "INTERIM",
        unit_deadline=deadlines.get("unit_deadline", period_end + dt.timedelta(days=10)),
        administration_deadline=deadlines.get("administration_deadline", period_end + dt.timedelta(days=15)),
        board_deadline=deadlines.get("board_deadline", period_end + dt.timedelta(days=30)),
        executive_board_deadline=deadlines.get("executive_board_deadline", period_end + dt.timedelta(days=40)),
        council_deadline=deadlines.get("council_deadline", period_end + dt.timedelta(days=60)),
        headings=HEADINGS,
        created_by="test",
        updated_by="test",
    )
    async with app.state.sessionmaker() as session, session.begin():
        session.add(occasion)
    return occasion.id


async def stored(app: Any) -> dict[str, int]:
    """How many reports, assessments, sections and audit events are stored: a refusal changes none."""
    async with app.state.sessionmaker() as session:
        counts = {}
        for name, model in (("reports", Report), ("assessments", GoalAssessment), ("sections", ReportSection), ("audit", AuditEvent)):
            counts[name] = await session.scalar(select(func.count()).select_from(model)) or 0
        return counts


async def create_report(client: Any, headers: dict[str, str], occasion_id: uuid.UUID, org_unit_id: str) -> Any:
    return await client.post(f"{API}/reports", json={"occasion_id": str(occasion_id), "org_unit_id": org_unit_id}, headers=headers)


GOAL = "7d1c2f9e-5b6a-4c3d-8e2f-1a2b3c4d5e6f"
OTHER_GOAL = "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b"


async def with_live_goals(app: Any, report_id: str, *goal_ids: str) -> None:
    """The report as a refresh leaves it: these goals in force (the other services' answer)."""
    async with app.state.sessionmaker() as session, session.begin():
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        goals = [{"goal_id": g, "title": f"Mål {i}", "indicators": [], "contributing_goal_ids": []} for i, g in enumerate(goal_ids)]
        report.live = {"goals": goals, "economy": None, "assignments": [], "internal_control": None, "quality_factors": []}
