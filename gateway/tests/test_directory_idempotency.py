"""The directory's creating POSTs take an Idempotency-Key like every service's: a retry gets the
first answer, another request with the key is refused, and two at once create one record."""

import asyncio

import pytest

DIRECTORY = "/api/directory/v1"
UNITS = f"{DIRECTORY}/org-units"


@pytest.fixture
def admin(as_user):
    return as_user("admin.demo")


@pytest.fixture
def humlan(unit_id):
    return {"type": "unit", "parent_id": unit_id("FSK"), "name": "Humlans förskola", "short_name": "HUM", "valid_from": "2025-01-01"}


async def units_named(client, headers, name):
    response = await client.get(UNITS, params={"limit": 200, "name": name}, headers=headers)
    return [unit for unit in response.json()["items"] if unit["name"] == name]


async def test_a_retried_unit_creation_is_answered_again_and_creates_one_unit(client, admin, humlan):
    first = await client.post(UNITS, json=humlan, headers=admin | {"Idempotency-Key": "unit-1"})
    again = await client.post(UNITS, json=humlan, headers=admin | {"Idempotency-Key": "unit-1"})
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    assert (again.status_code, again.json(), again.headers["idempotent-replayed"]) == (201, first.json(), "true")
    assert (again.headers["location"], again.headers["etag"]) == (first.headers["location"], first.headers["etag"])
    assert len(await units_named(client, admin, "Humlans förskola")) == 1


async def test_the_same_key_with_another_unit_is_a_422_and_creates_nothing(client, admin, humlan, problem):
    assert (await client.post(UNITS, json=humlan, headers=admin | {"Idempotency-Key": "unit-2"})).status_code == 201
    other = humlan | {"name": "Getingens förskola"}
    problem(await client.post(UNITS, json=other, headers=admin | {"Idempotency-Key": "unit-2"}), 422, "#/header/Idempotency-Key")
    assert await units_named(client, admin, "Getingens förskola") == []


async def test_the_same_key_at_once_creates_one_unit(client, admin, humlan):
    responses = await asyncio.gather(*(client.post(UNITS, json=humlan, headers=admin | {"Idempotency-Key": "unit-3"}) for _ in range(8)))
    assert {r.status_code for r in responses} <= {201, 409}, [r.text for r in responses]
    assert len([r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]) == 1
    assert len(await units_named(client, admin, "Humlans förskola")) == 1


async def test_a_malformed_key_is_a_422_naming_the_header(client, admin, humlan, problem):
    problem(await client.post(UNITS, json=humlan, headers=admin | {"Idempotency-Key": "k" * 256}), 422, "#/header/Idempotency-Key")
    assert await units_named(client, admin, "Humlans förskola") == []


async def test_the_gateways_document_declares_the_key_on_its_posts(client):
    document = (await client.get("/openapi.json")).json()
    post = document["paths"][UNITS]["post"]
    assert "Idempotency-Key" in [parameter["name"] for parameter in post["parameters"]]
    assert "Idempotency-Key" not in [parameter["name"] for parameter in document["paths"][UNITS]["get"]["parameters"]]
