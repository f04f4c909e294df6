"""Allocations: the organisation of the allocation, reallocation and investment tests (a board with its
administration and a home-care unit below it, and another board), the council budget with the board's
frames they allocate from, and the requests that add activity areas and cost centres, replace the
allocation and read lists to their end (test_allocations.py, test_reallocations.py,
test_investments.py)."""

import datetime as dt
import uuid
from decimal import Decimal

from budget_service.budgets.models import Budget, Frame
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import org_unit

API = "/api/budget/v1"
AREAS = f"{API}/activity-areas"
COST_CENTERS = f"{API}/cost-centers"
AUDIT = f"{API}/audit-events"
COUNCIL = org_unit(OrgUnitType.COUNCIL, "Kommunfullmäktige")
BOARD = org_unit(OrgUnitType.BOARD, "Vård- och omsorgsnämnden", parent=COUNCIL)
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION, "Vård- och omsorgsförvaltningen", parent=BOARD)
HOME_CARE = org_unit(OrgUnitType.UNIT, "Hemtjänsten", parent=ADMINISTRATION)
OTHER_BOARD = org_unit(OrgUnitType.BOARD, "Barn- och utbildningsnämnden", parent=COUNCIL)
YEAR = 2027
ALLOCATION = f"{API}/allocations/{BOARD}/{YEAR}"
CREATE = {"If-None-Match": "*"}


async def add_budget(app, frames, *, year=YEAR, revision=1, status=Status.DECIDED):
    """A council budget with frames {(board, kind): amount}, inserted as the budgets area stores it."""
    decided = status in (Status.DECIDED, Status.ARCHIVED)
    budget = Budget(
        year=year,
        title=f"Mål och budget {year}",
        status=status.value,
        revision=revision,
        decision_body="Kommunfullmäktige" if decided else None,
        decision_date=dt.date(year - 1, 6, 14) if decided else None,
        decision_reference=f"KF § {40 + revision}/{year - 1}" if decided else None,
        created_by="seed",
        updated_by="seed",
    )
    async with app.state.sessionmaker() as session:
        session.add(budget)
        await session.flush()
        session.add_all(
            Frame(
                budget_id=budget.id,
                board_org_unit_id=uuid.UUID(board),
                kind=kind,
                year=year,
                amount=Decimal(amount),
                created_by="seed",
                updated_by="seed",
            )
            for (board, kind), amount in frames.items()
        )
        await session.commit()
    return budget.id


async def add_frame(app, amount, *, board=BOARD, kind="OPERATING", **options):
    return await add_budget(app, {(board, kind): amount}, **options)


async def create_area(client, headers, code="410", name="Äldreomsorg", board=BOARD):
    response = await client.post(AREAS, json={"board_org_unit_id": board, "code": code, "name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def create_cost_center(client, headers, area_id, code="41010", name="Hemtjänst norr", **fields):
    body = {"code": code, "name": name, "activity_area_id": area_id} | fields
    response = await client.post(COST_CENTERS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def put_allocation(client, headers, lines, precondition=CREATE, url=ALLOCATION):
    return await client.put(url, json={"lines": lines}, headers=headers | precondition)


def line(area, amount, cost_center=None, comment=""):
    return {
        "activity_area_id": area["id"],
        "cost_center_id": cost_center["id"] if cost_center else None,
        "amount": amount,
        "comment": comment,
    }


async def audit_events(client, as_role, **params):
    response = await client.get(AUDIT, params=params, headers=as_role(Role.REVISOR))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def everything(client, headers, url, limit, **params):
    """Every item of a list, page by page."""
    items, cursor = [], None
    while True:
        response = await client.get(url, params=params | {"limit": limit} | ({"cursor": cursor} if cursor else {}), headers=headers)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items
