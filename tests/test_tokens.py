"""Bearer tokens at the gateway: only unexpired tokens signed by a trusted issuer for our audience pass.

Tokens are minted here with PyJWT as the built-in development issuer would (iss=styrkedjan-dev,
aud=styrkedjan, EdDSA), changing one thing at a time; a control token with the right claims and
key proves each refusal is for the reason tested.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

DEV_ISSUER = "styrkedjan-dev"
DEV_AUDIENCE = "styrkedjan"
INVALID_TOKEN = "urn:styrkedjan:problem:invalid-token"


def dev_key(system: Any) -> Any:
    return serialization.load_pem_private_key(system.stack.keys.dev_private.read_bytes(), password=None)


def claims(subject: str = "kf.demo", **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "sub": subject, "name": "", "iat": now, "nbf": now, "exp": now + 600} | changes


def me(system: Any, token: str) -> Any:
    with system.client(headers={"Authorization": f"Bearer {token}"}) as http:
        return http.get("/api/me")


def assert_invalid_token(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == INVALID_TOKEN
    assert "invalid_token" in response.headers["www-authenticate"]


def test_a_token_with_the_dev_issuers_claims_and_key_is_accepted(system: Any) -> None:
    response = me(system, jwt.encode(claims(), dev_key(system), algorithm="EdDSA"))
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "kf.demo"


def test_a_token_from_the_mint_token_command_is_accepted(system: Any) -> None:
    response = me(system, system.stack.mint_token("revisor.demo"))
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["revisor"]


def test_expired_token_is_401(system: Any) -> None:
    now = int(time.time())
    token = jwt.encode(claims(iat=now - 7200, nbf=now - 7200, exp=now - 3600), dev_key(system), algorithm="EdDSA")
    response = me(system, token)
    assert_invalid_token(response)
    assert "expired" in response.json()["detail"]


def test_token_signed_by_a_wrong_key_is_401(system: Any) -> None:
    assert_invalid_token(me(system, jwt.encode(claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA")))


def test_token_for_a_wrong_audience_is_401(system: Any) -> None:
    assert_invalid_token(me(system, jwt.encode(claims(aud="another-app"), dev_key(system), algorithm="EdDSA")))


def test_token_from_an_untrusted_issuer_is_401(system: Any) -> None:
    assert_invalid_token(me(system, jwt.encode(claims(iss="https://evil.example"), dev_key(system), algorithm="EdDSA")))


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_unsigned_or_symmetrically_signed_token_is_401(system: Any, algorithm: str) -> None:
    key = None if algorithm == "none" else "a-shared-secret-that-is-long-enough-for-hs256"
    assert_invalid_token(me(system, jwt.encode(claims(), key, algorithm=algorithm)))


def test_malformed_token_is_401(system: Any) -> None:
    assert_invalid_token(me(system, "not-a-jwt"))


def test_valid_token_for_a_subject_not_in_the_directory_is_403(system: Any) -> None:
    response = me(system, jwt.encode(claims(subject="nobody.demo"), dev_key(system), algorithm="EdDSA"))
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "urn:styrkedjan:problem:unknown-user"
