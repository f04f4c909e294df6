"""Actuals: the two boards, an administration and a unit whose cost centres the booked amounts are
delivered for, a row of a delivery, the finance function that delivers, and what a test reads back of
the stored rows (test_actuals.py, test_actuals_import.py, test_forecasts.py)."""

import uuid

from sqlalchemy import func, select

from budget_service.actuals.models import Actual, ActualsImport
from budget_service.allocations.models import ActivityArea, CostCenter
from budget_service.db import AuditEvent
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import org_unit

API = "/api/budget/v1"
ACTUALS = f"{API}/actuals"
IMPORTS = f"{ACTUALS}/imports"
BOARD_A = org_unit(OrgUnitType.BOARD, "Kultur- och fritidsnämnden")
BOARD_B = org_unit(OrgUnitType.BOARD, "Bygg- och miljönämnden")
ADMIN_A = org_unit(OrgUnitType.ADMINISTRATION, "Kultur- och fritidsförvaltningen", parent=BOARD_A)
UNIT_A = org_unit(OrgUnitType.UNIT, "Biblioteket", parent=ADMIN_A)
# Cost centre code → (board, org unit it serves).
COST_CENTERS = {"1310": (BOARD_A, ADMIN_A), "1320": (BOARD_A, UNIT_A), "2100": (BOARD_B, None)}
ROW = {"year": 2027, "month": 3, "cost_center_code": "1310", "account": "4010", "amount": "125000.50"}


async def seed_cost_centers(app):
    """Two boards' activity areas and their cost centres, as the allocations area stores them."""
    async with app.state.sessionmaker() as s:
        areas = {
            board: ActivityArea(board_org_unit_id=uuid.UUID(board), code="100", name="Verksamhet", created_by="t", updated_by="t")
            for board in (BOARD_A, BOARD_B)
        }
        s.add_all(areas.values())
        await s.flush()
        s.add_all(
            CostCenter(
                code=code,
                name=f"Kostnadsställe {code}",
                activity_area_id=areas[board].id,
                org_unit_id=uuid.UUID(unit) if unit else None,
                created_by="t",
                updated_by="t",
            )
            for code, (board, unit) in COST_CENTERS.items()
        )
        await s.commit()


async def stored(app):
    """What a refused request must leave untouched: rows, deliveries and audit events."""
    async with app.state.sessionmaker() as s:
        return tuple([await s.scalar(select(func.count()).select_from(model)) for model in (Actual, ActualsImport, AuditEvent)])


async def amounts(app):
    async with app.state.sessionmaker() as s:
        rows = (await s.execute(select(Actual.year, Actual.month, Actual.cost_center_code, Actual.account, Actual.amount))).all()
    return {(y, m, c, a): str(amount) for y, m, c, a, amount in rows}


def finance(as_role):
    """The finance function: forvaltning with the whole municipality in scope."""
    return as_role(Role.FORVALTNING)


def row(**changes):
    return ROW | changes
