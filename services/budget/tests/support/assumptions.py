"""Planning assumptions: their API paths, the board the refused callers sit in, and the requests
that import a CSV file, list an area's rows and read the audit trail (test_assumptions.py,
test_allocation_model.py)."""

from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import org_unit

API = "/api/budget/v1"
POPULATION = f"{API}/population-forecasts"
TAX = f"{API}/tax-forecasts"
PRICES = f"{API}/price-indices"
TARGET_GROUPS = f"{API}/target-groups"
AUDIT = f"{API}/audit-events"
CSV = {"content-type": "text/csv"}
BOARD = org_unit(OrgUnitType.BOARD, "Barn- och utbildningsnämnden")


async def imported(client, headers, path, text):
    response = await client.post(f"{path}/imports", content=text.encode(), headers=headers | CSV)
    assert response.status_code == 200, response.text
    return response.json()


async def items(client, headers, path, **params):
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def audit_events(client, as_role, **params):
    response = await client.get(AUDIT, params=params, headers=as_role(Role.REVISOR))
    assert response.status_code == 200, response.text
    return response.json()["items"]


def refusers(as_role):
    """Callers outside the writers' policy or scope: a board, and the council for one board only."""
    return [as_role(Role.NAMND, BOARD, [BOARD]), as_role(Role.FULLMAKTIGE, BOARD, [BOARD])]
