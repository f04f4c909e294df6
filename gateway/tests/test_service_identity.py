"""A service's own identity at the gateway: admitted, with its own assertion and no bearer token, on
the gateway's own operations that declare it, and nowhere else; never through the proxy."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from typing import Any

import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization

from gateway.directory.feed import OrgUnitChanges
from styrkedjan_common.identity import (
    ALGORITHM,
    HEADER,
    SERVICE_ISSUER,
    AssertionSigner,
    AssertionVerifier,
    Principal,
    PrincipalKind,
    generate_private_key_pem,
    key_id,
    public_key_pem,
)
from styrkedjan_common.testing import SERVICE_KEYS, service_headers

DIRECTORY = "/api/directory/v1"
CHANGES = f"{DIRECTORY}/org-units/changes"
ANOTHER_KEY = generate_private_key_pem()  # no service's


def signed(private_pem: str, claims: dict[str, Any]) -> dict[str, str]:
    """An assertion header with exactly these claims, signed with this key."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    token = jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": key_id(key.public_key())})  # type: ignore[arg-type]
    return {HEADER: token}


def service_claims(service: str = "followup", audience: str = "directory", issued: float | None = None, **overrides: Any) -> dict[str, Any]:
    now = int(issued if issued is not None else time.time())
    return {"iss": SERVICE_ISSUER, "sub": service, "aud": audience, "iat": now, "exp": now + 60, "kind": "service"} | overrides


def refused_assertion(response, problem) -> dict[str, Any]:
    body = problem(response, 401)
    assert body["type"].endswith(":invalid-assertion"), body
    return body


# On the gateway's own operations


@pytest.mark.parametrize("caller", ["goals", "budget", "followup", "internal-control"])
async def test_a_declared_service_reads_the_feed_with_its_own_assertion(client, caller):
    response = await client.get(CHANGES, headers=service_headers(caller, "directory"))
    assert response.status_code == 200, response.text
    assert OrgUnitChanges.model_validate(response.json()).items


async def test_an_expired_service_assertion_is_refused(client, problem):
    expired = signed(SERVICE_KEYS["followup"].private_pem, service_claims(issued=time.time() - 300))
    refused_assertion(await client.get(CHANGES, headers=expired), problem)


async def test_a_service_assertion_for_another_callee_is_refused(client, problem):
    refused_assertion(await client.get(CHANGES, headers=service_headers("followup", "goals")), problem)


async def test_an_assertion_signed_by_an_unknown_key_is_refused(client, problem):
    body = refused_assertion(await client.get(CHANGES, headers=signed(ANOTHER_KEY, service_claims())), problem)
    assert "unknown key" in body["detail"]


async def test_one_services_key_cannot_speak_for_another_service(client, problem):
    claiming = signed(SERVICE_KEYS["budget"].private_pem, service_claims(service="followup"))
    body = refused_assertion(await client.get(CHANGES, headers=claiming), problem)
    assert "budget" in body["detail"]


async def test_a_service_assertion_without_the_service_kind_is_refused(client, problem):
    claims = service_claims()
    del claims["kind"]
    refused_assertion(await client.get(CHANGES, headers=signed(SERVICE_KEYS["followup"].private_pem, claims)), problem)


async def test_a_garbled_assertion_is_refused(client, problem):
    refused_assertion(await client.get(CHANGES, headers={HEADER: "not-a-token"}), problem)


async def test_a_users_assertion_does_not_sign_anyone_in_without_a_bearer_token(gateway, client, problem, user_id):
    """The gateway signs user assertions for the services; sent back to it, one is no sign-in."""
    admin = Principal.from_claims(
        {"sub": user_id("admin.demo"), "name": "Adam", "assignments": [{"role": "admin", "org_unit_id": "x", "scope": "*"}]}
    )
    token, _ = AssertionSigner(gateway.settings.assertion_key_pem(), gateway.settings.assertion_issuer).sign(admin, "directory")
    refused_assertion(await client.get(CHANGES, headers={HEADER: token}), problem)
    refused_assertion(await client.get(f"{DIRECTORY}/users", headers={HEADER: token}), problem)


async def test_a_service_is_refused_where_the_operation_does_not_declare_it(client, as_user, problem, unit_id):
    followup = service_headers("followup", "directory")
    for path in ("/api/me", f"{DIRECTORY}/org-units", f"{DIRECTORY}/users", f"{DIRECTORY}/audit-events"):
        body = problem(await client.get(path, headers=followup), 403)
        assert body["detail"] == "this operation does not admit calls from the followup service", path
    admin = as_user("admin.demo")
    before = (await client.get(f"{DIRECTORY}/org-units", params={"limit": 200}, headers=admin)).json()
    body = {"type": "unit", "parent_id": unit_id("BUF"), "name": "Av tjänsten", "short_name": "AVT", "valid_from": "2026-01-01"}
    problem(await client.post(f"{DIRECTORY}/org-units", json=body, headers=followup), 403)
    assert (await client.get(f"{DIRECTORY}/org-units", params={"limit": 200}, headers=admin)).json() == before


async def test_a_bearer_token_wins_over_a_service_assertion(client, as_user, problem, user_id):
    followup = service_headers("followup", "directory")
    body = problem(await client.get(CHANGES, headers=as_user("admin.demo") | followup), 403)
    assert body["detail"] == "this operation is for other services only"
    me = await client.get("/api/me", headers=as_user("kf.demo") | followup)
    assert me.status_code == 200 and me.json()["id"] == user_id("kf.demo")


async def test_a_bad_bearer_token_is_refused_even_beside_a_good_service_assertion(client, problem):
    headers = {"Authorization": "Bearer not-a-token"} | service_headers("followup", "directory")
    assert problem(await client.get(CHANGES, headers=headers), 401)["type"].endswith(":invalid-token")


async def test_without_service_keys_the_gateway_admits_no_service(start_gateway, problem):
    async with start_gateway(service_public_keys={}) as (_gateway, client):
        body = refused_assertion(await client.get(CHANGES, headers=service_headers("followup", "directory")), problem)
        assert "no service key" in body["detail"]


async def test_a_service_not_among_the_keys_is_refused(start_gateway, problem):
    only_goals = {"goals": SERVICE_KEYS["goals"].public_pem}
    async with start_gateway(service_public_keys=only_goals) as (_gateway, client):
        assert (await client.get(CHANGES, headers=service_headers("goals", "directory"))).status_code == 200
        refused_assertion(await client.get(CHANGES, headers=service_headers("followup", "directory")), problem)


# Behind the proxy: the header is never read and never passed on


BUDGET = {
    "openapi": "3.1.0",
    "info": {"title": "budget", "version": "1"},
    "paths": {
        "/api/budget/v1/frames": {
            "get": {
                "operationId": "frames-list",
                "x-roles": ["fullmaktige", "namnd"],
                "x-services": ["followup"],
                "responses": {"200": {"description": "OK"}},
            }
        },
        "/api/budget/v1/frames/for-services": {
            "get": {
                "operationId": "frames-for-services",
                "x-roles": [],
                "x-services": ["followup"],
                "responses": {"200": {"description": "OK"}},
            }
        },
    },
}


class Budget:
    """A budget service that describes itself and records what reaches it."""

    def __init__(self) -> None:
        self.reached: list[list[tuple[bytes, bytes]]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/openapi.json":
            body = orjson.dumps(BUDGET)
        else:
            self.reached.append(list(scope["headers"]))
            body = b"{}"
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def behind_budget(serve, start_gateway):
    """`async with behind_budget() as (budget, gateway, client)`: a gateway in front of a recording budget service."""

    @asynccontextmanager
    async def start():
        budget = Budget()
        async with serve(budget) as url, start_gateway(budget_url=url) as (gateway, client):
            yield budget, gateway, client

    return start


def gateway_verifier(gateway, audience: str) -> AssertionVerifier:
    return AssertionVerifier(
        public_key_pem(gateway.settings.assertion_private_key.get_secret_value()), gateway.settings.assertion_issuer, audience
    )


async def test_a_forged_service_assertion_is_stripped_and_the_service_sees_only_the_gateways(behind_budget, as_user, user_id):
    forged = service_headers("followup", "budget")
    async with behind_budget() as (budget, gateway, client):
        response = await client.get("/api/budget/v1/frames", headers=as_user("kf.demo") | forged)
        assert response.status_code == 200, response.text
    [headers] = budget.reached
    assertions = [value.decode() for name, value in headers if name == HEADER.encode()]
    assert len(assertions) == 1 and assertions != [forged[HEADER]]
    seen = gateway_verifier(gateway, "budget").verify(assertions[0])
    assert seen.user_id == user_id("kf.demo") and seen.kind == PrincipalKind.PERSON


@pytest.mark.parametrize("audience", ["budget", "directory"])
async def test_a_service_assertion_alone_signs_no_one_in_on_a_service_path(behind_budget, problem, audience):
    async with behind_budget() as (budget, _gateway, client):
        for path in ("/api/budget/v1/frames", "/api/budget/v1/frames/for-services"):
            body = problem(await client.get(path, headers=service_headers("followup", audience)), 401)
            assert body["type"].endswith(":unauthenticated"), body
    assert budget.reached == []


async def test_an_operation_for_services_only_is_refused_to_a_person_at_the_gateway(behind_budget, as_user, problem):
    async with behind_budget() as (budget, _gateway, client):
        for subject in ("kf.demo", "admin.demo"):
            body = problem(await client.get("/api/budget/v1/frames/for-services", headers=as_user(subject)), 403)
            assert body["detail"] == "this operation is for other services only"
        refused = problem(await client.get("/api/budget/v1/frames", headers=as_user("enhet.demo")), 403)
        assert refused["detail"] == "this operation is allowed for the roles: fullmaktige, namnd"
    assert budget.reached == []


async def test_the_merged_description_keeps_each_operations_services(behind_budget):
    async with behind_budget() as (_budget, _gateway, client):
        document = (await client.get("/openapi.json")).json()
    assert document["paths"]["/api/budget/v1/frames"]["get"]["x-services"] == ["followup"]
    assert document["paths"]["/api/budget/v1/frames/for-services"]["get"]["x-services"] == ["followup"]
    assert document["paths"]["/api/budget/v1/frames/for-services"]["get"]["x-roles"] == []
    assert document["paths"][CHANGES]["get"]["x-services"] == ["budget", "followup", "goals", "internal-control"]
    assert "x-services" not in document["paths"][f"{DIRECTORY}/org-units"]["get"]
