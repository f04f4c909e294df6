"""Rows written straight to the database, for states the API reaches only through many steps (a
plan decided on a given date, one archived): control plans and their activities."""

import datetime as dt
import uuid
from typing import Any

from internal_control_service.plans.models import ControlActivity, ControlPlan
from services.internal_control.tests.support.organisation import BOARD
from styrkedjan_common.lifecycle import Status

AUTHOR = "factory"


async def add(app: Any, *rows: Any) -> None:
    """Rows in the order given: the tables have no ORM relationships to order the inserts by."""
    async with app.state.sessionmaker() as session:
        for row in rows:
            session.add(row)
            await session.flush()
        await session.commit()


def plan(
    board: str = BOARD, year: int = 2027, status: Status = Status.DECIDED, revision: int = 1, decided_on: dt.date | None = None
) -> ControlPlan:
    row = ControlPlan(
        id=uuid.uuid4(),
        board_org_unit_id=uuid.UUID(board),
        year=year,
        title=f"Internkontrollplan {year}",
        status=status.value,
        revision=revision,
        created_by=AUTHOR,
        updated_by=AUTHOR,
    )
    if status in (Status.DECIDED, Status.ARCHIVED):
        row.decision_body, row.decision_date, row.decision_reference = "Nämnden", decided_on or dt.date(year - 1, 12, 10), "§ 90"
    return row


def activity(plan_: ControlPlan, area: str = "Ekonomi") -> ControlActivity:
    return ControlActivity(
        id=uuid.uuid4(),
        plan_id=plan_.id,
        area=area,
        what_is_checked="Attest av leverantörsfakturor",
        method="Stickprov 20 fakturor",
        frequency="Tertial",
        responsible="Ekonomichef",
        report_to="Nämnden",
        report_when="Årsrapport",
        created_by=AUTHOR,
        updated_by=AUTHOR,
    )
