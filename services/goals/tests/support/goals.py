"""Goals: the bodies of a municipal, a board and a unit goal, and the requests that take a goal
through its lifecycle and read it back (test_goals*.py)."""

import uuid
from types import SimpleNamespace

from services.goals.tests import factories
from services.goals.tests.support.organisation import BOARD, COUNCIL, UNIT

API = "/api/goals/v1"
GOALS = f"{API}/goals"
AUDIT = f"{API}/audit-events"
DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2026-10-20", "reference": "BUN § 88/2026"}


def municipal_goal(period_id, **changes):
    return {
        "level": "MUNICIPAL",
        "owner_org_unit_id": COUNCIL,
        "mandate_period_id": str(period_id),
        "start_year": 2027,
        "end_year": 2030,
        "title": "Hallstahammar är en attraktiv kommun att bo och leva i",
        "perspective": "OPERATIONS",
    } | changes


def board_goal(**changes):
    return {
        "level": "BOARD",
        "owner_org_unit_id": BOARD,
        "start_year": 2027,
        "end_year": 2027,
        "title": "Fler elever klarar skolan",
        "perspective": "OPERATIONS",
    } | changes


def unit_goal(**changes):
    return {
        "level": "UNIT",
        "owner_org_unit_id": UNIT,
        "start_year": 2027,
        "end_year": 2027,
        "title": "Alla elever läser dagligen",
        "perspective": "OPERATIONS",
    } | changes


def targets(start_year, end_year):
    return [{"year": y, "target_level": f"Minst {70 + y - start_year} % godkända"} for y in range(start_year, end_year + 1)]


async def period(app, start_year=2027):
    row = factories.mandate_period(start_year)
    await factories.add(app, row)
    return row


async def create(client, headers, body):
    response = await client.post(GOALS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def step(client, headers, response, action, json=None):
    """A lifecycle action on the goal `response` returned, with its ETag."""
    goal = response.json()
    return await client.post(f"{GOALS}/{goal['id']}/{action}", json=json, headers=headers | {"If-Match": response.headers["etag"]})


async def add_indicator(app, goal):
    """An indicator followed for the goal's lineage (another area's rows, written directly)."""
    indicator = factories.indicator()
    lineage = SimpleNamespace(lineage_id=uuid.UUID(goal["lineage_id"]))
    await factories.add(app, indicator, factories.indicator_use(indicator, uuid.UUID(goal["owner_org_unit_id"]), goal_=lineage))


async def decided(client, app, writer, body, decider=None, decision=DECISION):
    """A goal taken through DRAFT → PROPOSED → DECIDED, with an indicator; returns the decision's response."""
    created = await create(client, writer, body)
    await add_indicator(app, created.json())
    proposed = await step(client, writer, created, "proposal")
    assert proposed.status_code == 200, proposed.text
    response = await step(client, decider or writer, proposed, "decision", decision)
    assert response.status_code == 200, response.text
    return response


async def stored(client, revisor, response):
    """The goal as stored now, read by the auditors (who read drafts too)."""
    return (await client.get(f"{GOALS}/{response.json()['id']}", headers=revisor)).json()


async def all_goals(client, revisor):
    return (await client.get(GOALS, params={"limit": 200}, headers=revisor)).json()["items"]


async def audit_events(client, revisor, **params):
    return (await client.get(AUDIT, params={"entity_type": "goal"} | params, headers=revisor)).json()["items"]
