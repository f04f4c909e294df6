"""An investment project created with an Idempotency-Key is created once, however often the
request is retried or sent at once."""

import asyncio

from services.budget.tests.support.allocations import API, BOARD
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

PROJECTS = f"{API}/investment-projects"
PROJECT = {"board_org_unit_id": BOARD, "name": "Ny förskola Kolbäck", "description": "Förskola med sex avdelningar."}


async def projects(client, as_role):
    response = await client.get(PROJECTS, params={"board_org_unit_id": BOARD}, headers=as_role(Role.REVISOR))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_retried_project_gets_the_first_answer_and_is_created_once(client, board, as_role):
    keyed = board | {"Idempotency-Key": "projekt-1"}
    first = await client.post(PROJECTS, json=PROJECT, headers=keyed)
    again = await client.post(PROJECTS, json=PROJECT, headers=keyed)
    assert first.status_code == 201, first.text
    assert (again.status_code, again.content, again.headers["idempotent-replayed"]) == (201, first.content, "true")
    assert (again.headers["location"], again.headers["etag"]) == (first.headers["location"], first.headers["etag"])
    assert [item["id"] for item in await projects(client, as_role)] == [first.json()["id"]]


async def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(client, board, as_role):
    keyed = board | {"Idempotency-Key": "projekt-2"}
    assert (await client.post(PROJECTS, json=PROJECT, headers=keyed)).status_code == 201
    refused = await client.post(PROJECTS, json=PROJECT | {"name": "Ny skola"}, headers=keyed)
    assert_problem(refused, 422)
    assert pointers(refused) == {"#/header/Idempotency-Key"}
    assert len(await projects(client, as_role)) == 1


async def test_the_same_key_sent_at_once_creates_one_project(client, board, as_role):
    keyed = board | {"Idempotency-Key": "projekt-3"}
    responses = await asyncio.gather(*(client.post(PROJECTS, json=PROJECT, headers=keyed) for _ in range(10)))
    assert {r.status_code for r in responses} <= {201, 409}, [r.text for r in responses]
    assert len([r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]) == 1
    assert len(await projects(client, as_role)) == 1
