"""Indicators: the catalogue entry the tests add, and the requests that add an entry, a use of it
and the goal it follows, and read lists to their end (test_indicator*.py). These tests have an
organisation of their own: a board, its administration, a school below it, and another board."""

import uuid

from services.goals.tests import factories
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import org_unit

API = "/api/goals/v1"
INDICATORS = f"{API}/indicators"
USES = f"{API}/indicator-uses"
AUDIT = f"{API}/audit-events"
BOARD = org_unit(OrgUnitType.BOARD)
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION)
SCHOOL = org_unit(OrgUnitType.UNIT)
OTHER_BOARD = org_unit(OrgUnitType.BOARD)
INDICATOR = {
    "name": "Andel elever i åk 9 som är behöriga till gymnasiet",
    "definition": "Elever i åk 9 behöriga till yrkesprogram, andel (%), kommunala skolor.",
    "unit": "%",
    "direction": "HIGHER_IS_BETTER",
    "frequency": "YEARLY",
    "source": "KOLADA",
    "kolada_kpi_id": "N15419",
    "gender_split": True,
    "sdgs": [4, 10],
    "external_codes": {"stratsys": "KPI-0042"},
}


async def create_indicator(client, headers, **changes):
    response = await client.post(INDICATORS, json=INDICATOR | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def add_goal(app, owner=BOARD, **options):
    goal, links = factories.goal(uuid.UUID(owner), **options)
    await factories.add(app, goal, *links)
    return goal


async def create_use(client, headers, indicator_id, *, org_unit=SCHOOL, goal=None, quality_factor=None, **fields):
    body = {"indicator_id": str(indicator_id), "org_unit_id": org_unit} | fields
    if goal is not None:
        body["goal_id"] = str(goal.id)
    if quality_factor is not None:
        body["quality_factor_id"] = str(quality_factor.id)
    response = await client.post(USES, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def audit_events(client, as_role, **params):
    response = await client.get(AUDIT, params=params, headers=as_role(Role.REVISOR))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def everything(client, headers, url, limit, **params):
    """Every item of a list, walking its pages."""
    items, cursor = [], None
    while True:
        page = (await client.get(url, params=params | {"limit": limit} | ({"cursor": cursor} if cursor else {}), headers=headers)).json()
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
