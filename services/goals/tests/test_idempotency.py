"""A council assignment created with an Idempotency-Key is created once, however often the
request is retried or sent at once; its audit trail has one event."""

import asyncio
import uuid

from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, org_unit, pointers

API = "/api/goals/v1"
ASSIGNMENTS = f"{API}/assignments"
BOARD = org_unit(OrgUnitType.BOARD)
ASSIGNMENT = {"board_org_unit_id": BOARD, "year": 2027, "title": "Utred samlokalisering", "text": "Nämnden får i uppdrag att utreda."}


async def assignments(client, as_role):
    response = await client.get(ASSIGNMENTS, params={"board_org_unit_id": BOARD}, headers=as_role(Role.REVISOR))
    return response.json()["items"]


async def created_events(client, as_role):
    response = await client.get(f"{API}/audit-events", params={"limit": 100}, headers=as_role(Role.REVISOR))
    return [event for event in response.json()["items"] if event["action"] == "CREATE"]


async def test_a_retried_assignment_gets_the_first_answer_and_is_created_once(client, council, as_role):
    keyed = council | {"Idempotency-Key": str(uuid.uuid4())}
    first = await client.post(ASSIGNMENTS, json=ASSIGNMENT, headers=keyed)
    again = await client.post(ASSIGNMENTS, json=ASSIGNMENT, headers=keyed)
    assert first.status_code == 201, first.text
    assert (again.status_code, again.content, again.headers["idempotent-replayed"]) == (201, first.content, "true")
    assert (again.headers["location"], again.headers["etag"]) == (first.headers["location"], first.headers["etag"])
    assert [item["id"] for item in await assignments(client, as_role)] == [first.json()["id"]]
    assert len(await created_events(client, as_role)) == 1


async def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(client, council, as_role):
    keyed = council | {"Idempotency-Key": "uppdrag-1"}
    assert (await client.post(ASSIGNMENTS, json=ASSIGNMENT, headers=keyed)).status_code == 201
    refused = await client.post(ASSIGNMENTS, json=ASSIGNMENT | {"title": "Ett annat uppdrag"}, headers=keyed)
    assert_problem(refused, 422)
    assert pointers(refused) == {"#/header/Idempotency-Key"}
    assert len(await assignments(client, as_role)) == 1


async def test_the_same_key_sent_at_once_creates_one_assignment(client, council, as_role):
    keyed = council | {"Idempotency-Key": "uppdrag-2"}
    responses = await asyncio.gather(*(client.post(ASSIGNMENTS, json=ASSIGNMENT, headers=keyed) for _ in range(10)))
    assert {r.status_code for r in responses} <= {201, 409}, [r.text for r in responses]
    assert len([r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]) == 1
    assert len(await assignments(client, as_role)) == 1
    assert len(await created_events(client, as_role)) == 1


async def test_a_retried_lifecycle_step_gets_its_first_answer_instead_of_a_stale_etag(client, council):
    """Every POST takes a key, the decision steps too: the retry of a proposal whose answer was lost
    gets that answer (the new ETag) rather than 412 for the ETag it sent."""
    vision = {"horizon_start_year": 2025, "horizon_end_year": 2036, "text": "En plats att leva, verka och bo på.", "core_values": []}
    created = await client.post(f"{API}/visions", json=vision, headers=council)
    assert created.status_code == 201, created.text
    step = council | {"If-Match": created.headers["etag"], "Idempotency-Key": "proposal-1"}
    proposed = await client.post(f"{API}/visions/{created.json()['id']}/proposal", headers=step)
    again = await client.post(f"{API}/visions/{created.json()['id']}/proposal", headers=step)
    assert (proposed.status_code, proposed.json()["status"]) == (200, "PROPOSED"), proposed.text
    assert (again.status_code, again.headers["etag"], again.headers["idempotent-replayed"]) == (200, proposed.headers["etag"], "true")
    without_key = await client.post(
        f"{API}/visions/{created.json()['id']}/proposal", headers=council | {"If-Match": created.headers["etag"]}
    )
    assert_problem(without_key, 412)
