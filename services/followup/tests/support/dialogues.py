"""The org units, occasions and helpers the dialogue and situation-analysis tests share."""

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select

from followup_service.analyses.models import SituationAnalysis
from followup_service.cycle.models import CycleStep, Occasion
from followup_service.db import AuditEvent
from followup_service.dialogues.models import Dialogue, DialogueFollowup
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import org_unit

YEAR = 2026
API = "/api/followup/v1"
COUNCIL = org_unit(OrgUnitType.COUNCIL, "Kommunfullmäktige (dialoger)")
BOARD = org_unit(OrgUnitType.BOARD, "Socialnämnden", parent=COUNCIL)
OTHER_BOARD = org_unit(OrgUnitType.BOARD, "Tekniska nämnden", parent=COUNCIL)
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION, "Socialförvaltningen", parent=BOARD)
UNIT = org_unit(OrgUnitType.UNIT, "Hemtjänsten norr", parent=ADMINISTRATION)
CLOSED_UNIT = org_unit(OrgUnitType.UNIT, "Nedlagt boende", parent=ADMINISTRATION, valid_to=dt.date(2024, 12, 31))

POLITICIAN = {"name": "Anna Ordförande", "title": "Ordförande", "side": "POLITICAL"}
OFFICIAL = {"name": "Bengt Förvaltningschef", "title": "Förvaltningschef", "side": "ADMINISTRATIVE"}
STAFF = {"name": "Cecilia Enhetschef", "title": "Enhetschef", "side": "STAFF"}


async def add_occasion(app: Any, kind: str = "INTERIM", year: int = YEAR) -> uuid.UUID:
    """An occasion of the year, stored as the cycle stores it."""
    period_end = {"FORECAST": dt.date(year, 4, 30), "INTERIM": dt.date(year, 8, 31), "ANNUAL": dt.date(year, 12, 31)}[kind]
    occasion = Occasion(
        year=year,
        kind=kind,
        period_end=period_end,
        statutory=kind == "INTERIM",
        unit_deadline=period_end + dt.timedelta(days=10),
        administration_deadline=period_end + dt.timedelta(days=15),
        board_deadline=period_end + dt.timedelta(days=30),
        executive_board_deadline=period_end + dt.timedelta(days=40),
        council_deadline=period_end + dt.timedelta(days=60),
        headings=[],
        created_by="test",
        updated_by="test",
    )
    async with app.state.sessionmaker() as session, session.begin():
        session.add(occasion)
    return occasion.id


async def add_cycle_step(app: Any, number: int, year: int = YEAR, name_sv: str = "Planeringsförutsättningar") -> uuid.UUID:
    """A step of the year's cycle, stored as the cycle stores it."""
    step = CycleStep(
        year=year,
        number=number,
        name_sv=name_sv,
        name_en="Planning assumptions",
        responsible_level="executive_board",
        planned_start=dt.date(year, 2, 1),
        planned_end=dt.date(year, 2, 28),
        created_by="test",
        updated_by="test",
    )
    async with app.state.sessionmaker() as session, session.begin():
        session.add(step)
    return step.id


async def stored(app: Any) -> dict[str, int]:
    """How many dialogues, follow-ups, analyses and audit events are stored: a refusal changes none."""
    async with app.state.sessionmaker() as session:
        counts = {}
        for name, model in (
            ("dialogues", Dialogue),
            ("followups", DialogueFollowup),
            ("analyses", SituationAnalysis),
            ("audit", AuditEvent),
        ):
            counts[name] = await session.scalar(select(func.count()).select_from(model)) or 0
        return counts


async def row(app: Any, model: type[Any], row_id: str) -> Any:
    """The stored row, as the database holds it now."""
    async with app.state.sessionmaker() as session:
        return await session.get(model, uuid.UUID(row_id))


def plan(occasion_id: uuid.UUID | None, org_unit_id: str = BOARD, **fields: Any) -> dict[str, Any]:
    """A follow-up dialogue's plan: the board's politicians and its administration at the occasion."""
    body: dict[str, Any] = {
        "title": "Uppföljningsdialog delår",
        "kind": "FOLLOWUP",
        "year": YEAR,
        "org_unit_id": org_unit_id,
        "planned_date": "2026-09-15",
        "themes": ["Måluppfyllelse", "Ekonomi i balans"],
        "questions": ["Vad förklarar underskottet i hemtjänsten?"],
        "participants": [POLITICIAN, OFFICIAL],
    }
    if occasion_id is not None:
        body["occasion_id"] = str(occasion_id)
    return body | fields
