"""Budgets: the boards, administration and assignment of the council's budget tests, the bodies of
a balanced budget (frames, lines, earmarked funds), and the requests that create a budget, replace
its parts, take it through its lifecycle and read its audit trail (test_budgets.py,
test_budget_rules.py)."""

import uuid

from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import org_unit

API = "/api/budget/v1"
BUDGETS = f"{API}/budgets"
AUDIT = f"{API}/audit-events"
BOARD_A = org_unit(OrgUnitType.BOARD, "Socialnämnden")
BOARD_B = org_unit(OrgUnitType.BOARD, "Tekniska nämnden")
ADMIN_A = org_unit(OrgUnitType.ADMINISTRATION, "Socialförvaltningen", parent=BOARD_A)
ASSIGNMENT = str(uuid.uuid4())
YEAR = 2027
DECISION = {"body": "Kommunfullmäktige", "decision_date": "2026-06-15", "reference": "KF § 45/2026"}
# Revenues 1 000 000.00 and costs 950 000.00 in each of the three years.
FRAMES_BODY = {
    "frames": [
        {"board_org_unit_id": board, "kind": "OPERATING", "year": year, "amount": amount}
        for year in (YEAR, YEAR + 1, YEAR + 2)
        for board, amount in ((BOARD_A, "600000.00"), (BOARD_B, "300000.00"))
    ]
    + [{"board_org_unit_id": BOARD_A, "kind": "INVESTMENT", "year": YEAR, "amount": "5000000.00"}]
}
LINES_BODY = {
    "lines": [{"kind": "TAX_REVENUE", "year": y, "amount": "1000000.00"} for y in (YEAR, YEAR + 1, YEAR + 2)]
    + [{"kind": "FINANCIAL_COSTS", "year": y, "amount": "50000.00"} for y in (YEAR, YEAR + 1, YEAR + 2)]
}
FUNDS_BODY = {
    "earmarked_funds": [
        {"board_org_unit_id": BOARD_A, "year": YEAR, "assignment_id": ASSIGNMENT, "amount": "25000.50", "purpose": "Simskola för årskurs 3"}
    ]
}


def board_member(as_role, role=Role.NAMND, board=BOARD_A):
    return as_role(role, board, [board, ADMIN_A])


async def create(client, headers, **changes):
    response = await client.post(BUDGETS, json={"year": YEAR, "title": "Mål och budget 2027"} | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def put(client, headers, response, part, body):
    """Replace a part of the budget `response` returned, with its ETag."""
    return await client.put(
        f"{BUDGETS}/{response.json()['id']}/{part}", json=body, headers=headers | {"If-Match": response.headers["etag"]}
    )


async def step(client, headers, response, action, json=None):
    return await client.post(
        f"{BUDGETS}/{response.json()['id']}/{action}", json=json, headers=headers | {"If-Match": response.headers["etag"]}
    )


async def balanced(client, headers, **changes):
    """A draft with frames, lines and earmarked funds whose every year has a surplus."""
    response = await create(client, headers, **changes)
    for part, body in (("frames", FRAMES_BODY), ("lines", LINES_BODY), ("earmarked-funds", FUNDS_BODY)):
        response = await put(client, headers, response, part, body)
        assert response.status_code == 200, response.text
    return response


async def decided(client, headers, response=None):
    response = response or await balanced(client, headers)
    proposed = await step(client, headers, response, "proposal")
    assert proposed.status_code == 200, proposed.text
    decided_ = await step(client, headers, proposed, "decision", DECISION)
    assert decided_.status_code == 200, decided_.text
    return decided_


async def audit_events(client, as_role, budget_id):
    response = await client.get(AUDIT, params={"entity_type": "budget", "entity_id": budget_id}, headers=as_role(Role.REVISOR))
    assert response.status_code == 200, response.text
    return response.json()["items"]
