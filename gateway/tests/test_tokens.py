"""Bearer tokens from the built-in development issuer: what the gateway accepts and what it refuses."""

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.auth.tokens import DEV_AUDIENCE, DevIssuer


@pytest.fixture
def dev_key(gateway):
    return serialization.load_pem_private_key(gateway.settings.dev_key_pem().encode(), password=None)


@pytest.fixture
def signed(gateway, dev_key):
    """A token like the dev issuer's, with some claims changed (None removes a claim)."""

    def token(key=None, **changes):
        now = int(time.time())
        claims = {"iss": gateway.settings.dev_issuer_name, "aud": DEV_AUDIENCE, "sub": "kf.demo", "iat": now, "nbf": now, "exp": now + 600}
        claims = {name: value for name, value in (claims | changes).items() if value is not None}
        return jwt.encode(claims, key or dev_key, algorithm="EdDSA")

    return token


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


async def test_a_dev_token_signs_the_user_in(client, as_user):
    response = await client.get("/api/me", headers=as_user("kf.demo"))
    assert response.status_code == 200
    assert response.json()["subject"] == "kf.demo"


async def test_the_scheme_name_is_case_insensitive(client, gateway):
    response = await client.get("/api/me", headers={"Authorization": f"bearer {DevIssuer(gateway.settings).mint('kf.demo')}"})
    assert response.status_code == 200


async def test_a_call_without_authorization_is_told_how_to_sign_in(client, problem):
    response = await client.get("/api/me")
    body = problem(response, 401)
    assert body["type"] == "urn:styrkedjan:problem:unauthenticated"
    assert response.headers["www-authenticate"] == 'Bearer realm="styrkedjan"'


@pytest.mark.parametrize("authorization", ["Basic a2Y6ZGVtbw==", "Bearer", "Bearer    ", "kf.demo"])
async def test_authorization_that_is_not_a_bearer_token_is_refused(client, problem, authorization):
    response = await client.get("/api/me", headers={"Authorization": authorization})
    problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def hours(n):
    return int(time.time()) + n * 3600


BAD_TOKENS = {  # case: (token made from `signed`, what the refusal says)
    "expired": (lambda signed: signed(iat=hours(-2), nbf=hours(-2), exp=hours(-1)), "has expired"),
    "not-yet-valid": (lambda signed: signed(nbf=hours(1)), "not yet valid"),
    "wrong-signature": (lambda signed: signed(key=Ed25519PrivateKey.generate()), "Signature verification failed"),
    "wrong-audience": (lambda signed: signed(aud="another-app"), "Audience"),
    "untrusted-issuer": (lambda signed: signed(iss="https://evil.example"), "does not trust"),
    "no-issuer": (lambda signed: signed(iss=None), "does not trust"),
    "no-expiry": (lambda signed: signed(exp=None), '"exp"'),
    "no-subject": (lambda signed: signed(sub=None), "'sub'"),
    "alg-none": (
        lambda signed: jwt.encode(jwt.decode(signed(), options={"verify_signature": False}), None, algorithm="none"),
        "alg value is not allowed",
    ),
    "not-a-jwt": (lambda signed: "this.is.not-a-token", "not a well-formed JWT"),
    "tampered-payload": (lambda signed: tamper(signed()), "Signature verification failed"),
}


def tamper(token):
    """The same signature over a payload naming another user."""
    header, _, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False}) | {"sub": "admin.demo"}
    payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{payload}.{signature}"


@pytest.mark.parametrize("case", BAD_TOKENS)
async def test_an_invalid_token_is_refused(client, problem, signed, case):
    make, refusal = BAD_TOKENS[case]
    response = await client.get("/api/me", headers=bearer(make(signed)))
    body = problem(response, 401)
    assert refusal in body["detail"]
    assert body["type"] == "urn:styrkedjan:problem:invalid-token"
    assert response.headers["www-authenticate"] == 'Bearer realm="styrkedjan", error="invalid_token"'


async def test_a_token_expired_within_the_leeway_is_still_accepted(client, signed, gateway):
    """Clocks drift: a few seconds past expiry (less than the configured leeway) is tolerated."""
    assert gateway.settings.token_leeway_seconds == 10
    response = await client.get("/api/me", headers=bearer(signed(exp=int(time.time()) - 3)))
    assert response.status_code == 200


async def test_a_token_refused_once_stays_refused(client, problem, signed):
    """A refusal is not cached as a success, and a good token is not a way in for a bad one."""
    good, bad = signed(), signed(key=Ed25519PrivateKey.generate())
    assert (await client.get("/api/me", headers=bearer(good))).status_code == 200
    for _ in range(2):
        problem(await client.get("/api/me", headers=bearer(bad)), 401)


async def test_a_minted_token_expires_after_the_given_lifetime(client, gateway, problem):
    issuer = DevIssuer(gateway.settings)
    token = issuer.mint("kf.demo", ttl_seconds=60, now=time.time() - 120)
    problem(await client.get("/api/me", headers=bearer(token)), 401)
    claims = jwt.decode(issuer.mint("kf.demo"), options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == gateway.settings.dev_token_ttl_seconds
