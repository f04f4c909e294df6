"""Plans: a board plan and an operational plan, and the requests that take a plan through its
lifecycle and read it back (test_plan*.py)."""

from services.goals.tests.support.organisation import ADMINISTRATION, BOARD, UNIT

API = "/api/goals/v1"
PLANS = f"{API}/plans"
AUDIT = f"{API}/audit-events"
BOARD_PLAN = {
    "kind": "BOARD_PLAN",
    "org_unit_id": BOARD,
    "year": 2027,
    "title": "Budget- och årsplan 2027",
    "description": "Verksamhetsbeskrivning och uppdraget.",
    "economy": "Driftram 512 mnkr.",
}
OPERATIONAL_PLAN = {"kind": "OPERATIONAL_PLAN", "org_unit_id": ADMINISTRATION, "year": 2027, "title": "Verksamhetsplan 2027"}
UNIT_PLAN = OPERATIONAL_PLAN | {"org_unit_id": UNIT, "title": "Verksamhetsplan 2027, Kolbäcksskolan"}
DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2026-10-20", "reference": "BUN § 88/2026"}


async def create(client, headers, plan=BOARD_PLAN, **changes):
    response = await client.post(PLANS, json=plan | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def step(client, headers, response, action, json=None):
    """Apply a lifecycle action to the plan `response` returned, with its ETag."""
    return await client.post(
        f"{PLANS}/{response.json()['id']}/{action}", json=json, headers=headers | {"If-Match": response.headers["etag"]}
    )


async def decide(client, headers, response, decider=None):
    proposed = await step(client, headers, response, "proposal")
    assert proposed.status_code == 200, proposed.text
    result = await step(client, decider or headers, proposed, "decision", DECISION)
    assert result.status_code == 200, result.text
    return result


async def stored(client, response, auditors):
    return (await client.get(f"{PLANS}/{response.json()['id']}", headers=auditors)).json()


async def all_plans(client, auditors):
    return (await client.get(PLANS, headers=auditors)).json()["items"]


async def audit_events(client, auditors, **params):
    response = await client.get(AUDIT, params={"entity_type": "plan"} | params, headers=auditors)
    assert response.status_code == 200, response.text
    return response.json()["items"]
