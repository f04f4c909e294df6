"""Control plans: a board's plan for 2028 and a control activity in it, and the requests that
create a plan, take it through its lifecycle, add an activity and read it back
(test_control_plans.py, test_common_controls.py)."""

from services.internal_control.tests.support.api import API
from services.internal_control.tests.support.organisation import BOARD

PLANS = f"{API}/control-plans"
ACTIVITIES = f"{API}/control-activities"
PLAN = {"board_org_unit_id": BOARD, "year": 2028, "title": "Internkontrollplan 2028, socialnämnden"}
ACTIVITY = {
    "area": "Upphandling",
    "what_is_checked": "Att direktupphandlingar över 100 000 kr dokumenteras",
    "method": "Genomgång av samtliga direktupphandlingar",
    "frequency": "Årligen",
    "responsible": "Ekonomichef",
    "report_to": "Nämnden",
    "report_when": "Årsrapport",
}
DECISION = {"body": "Socialnämnden", "decision_date": "2027-12-12", "reference": "SN § 112/2027"}


async def create_plan(client, headers, **changes):
    response = await client.post(PLANS, json=PLAN | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def step(client, headers, response, action, json=None):
    """Apply a lifecycle action to the plan `response` returned, with its ETag."""
    return await client.post(
        f"{PLANS}/{response.json()['id']}/{action}", json=json, headers=headers | {"If-Match": response.headers["etag"]}
    )


async def decide(client, headers, response):
    proposed = await step(client, headers, response, "proposal")
    assert proposed.status_code == 200, proposed.text
    decided = await step(client, headers, proposed, "decision", DECISION)
    assert decided.status_code == 200, decided.text
    return decided


async def add_activity(client, headers, plan, **changes):
    response = await client.post(f"{PLANS}/{plan.json()['id']}/activities", json=ACTIVITY | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def stored(client, plan_id, auditors):
    response = await client.get(f"{PLANS}/{plan_id}", headers=auditors)
    return response.json() if response.status_code == 200 else None
