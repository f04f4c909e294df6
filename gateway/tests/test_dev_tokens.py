"""POST /api/auth/dev-token: a token for a demo user, in development only."""

import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from gateway.auth.tokens import DEV_AUDIENCE

DEV_TOKEN = "/api/auth/dev-token"


async def test_a_dev_token_is_minted_without_signing_in(client, gateway):
    response = await client.post(DEV_TOKEN, json={"subject": "namnd.demo"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == gateway.settings.dev_token_ttl_seconds
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["aud"], claims["name"]) == ("namnd.demo", DEV_AUDIENCE, "Nils Nämnd (demo)")
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["roles"] == ["namnd"]


async def test_no_token_is_minted_for_an_unknown_subject(client, problem):
    body = problem(await client.post(DEV_TOKEN, json={"subject": "nobody"}), 404)
    assert "nobody" in body["detail"]


async def test_no_token_is_minted_for_a_deactivated_user(client, as_user, user_id, problem):
    path = f"/api/directory/v1/users/{user_id('kf.demo')}"
    changed = await client.patch(path, json={"active": False}, headers=as_user("admin.demo") | {"If-Match": "*"})
    assert changed.status_code == 200
    problem(await client.post(DEV_TOKEN, json={"subject": "kf.demo"}), 404)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "#"),
        ({"subject": "kf.demo", "client_id": "ekonomisystemet"}, "#"),
        ({"subject": ""}, "#/subject"),
        ({"subject": 42}, "#/subject"),
        ({"subject": "x" * 201}, "#/subject"),
        ({"client_id": ""}, "#/client_id"),
    ],
    ids=["neither", "both", "empty", "not-a-string", "too-long", "empty-client-id"],
)
async def test_a_bad_request_is_a_validation_failure(client, problem, body, pointer):
    problem(await client.post(DEV_TOKEN, json=body), 422, pointer)


async def test_a_body_that_is_not_json_is_a_validation_failure(client, problem):
    body = problem(await client.post(DEV_TOKEN, content=b"subject=kf.demo", headers={"Content-Type": "application/json"}), 422)
    assert [error["pointer"] for error in body["errors"]] == ["#"]


async def test_the_endpoint_is_absent_when_the_dev_issuer_is_off(start_gateway, problem):
    jwk = json.loads(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())) | {"kid": "k1"}
    oidc = {"oidc_issuer": "https://login.example.se", "oidc_audience": "styrkedjan-api", "oidc_jwks": json.dumps({"keys": [jwk]})}
    async with start_gateway(dev_issuer_enabled=False, **oidc) as (_, client):
        problem(await client.post(DEV_TOKEN, json={"subject": "kf.demo"}), 404)
