"""OIDC bearer tokens (Entra ID, Keycloak): RS256 keys from a JWKS given inline or fetched from a URL."""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from gateway.auth import tokens

ISSUER = "https://login.example.se/realms/kommun"
AUDIENCE = "styrkedjan-api"


@dataclass
class RsaKey:
    kid: str
    private: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid):
        return cls(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def jwk(self):
        return json.loads(RSAAlgorithm.to_jwk(self.private.public_key())) | {"kid": self.kid, "alg": "RS256", "use": "sig"}

    def public_pem(self):
        return self.private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def token(self, algorithm="RS256", **changes):
        return jwt.encode(claims(**changes), self.private, algorithm=algorithm, headers={"kid": self.kid})


def claims(**changes):
    now = int(time.time())
    return {"iss": ISSUER, "aud": AUDIENCE, "sub": "kf.demo", "iat": now, "exp": now + 300} | changes


def jwks(*keys):
    return json.dumps({"keys": [key.jwk() for key in keys]})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def segment(data: bytes) -> str:
    return jwt.utils.base64url_encode(data).decode()


def hs256_signed_with_public_key(key: RsaKey) -> str:
    """The classic algorithm confusion: HMAC with the published RSA public key as the secret."""
    header = segment(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    payload = segment(json.dumps(claims()).encode())
    signature = hmac.new(key.public_pem(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{segment(signature)}"


@pytest.fixture(scope="module")
def key_a():
    return RsaKey.generate("key-a")


@pytest.fixture(scope="module")
def key_b():
    return RsaKey.generate("key-b")


@pytest.fixture
def oidc(start_gateway):
    """A gateway trusting only the OIDC issuer (dev issuer off); settings may be overridden."""

    def start(**overrides):
        return start_gateway(dev_issuer_enabled=False, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, **overrides)

    return start


# Keys given inline


async def test_an_oidc_token_signs_the_user_in(oidc, key_a):
    async with oidc(oidc_jwks=jwks(key_a)) as (_, client):
        response = await client.get("/api/me", headers=bearer(key_a.token()))
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "kf.demo"


async def test_the_user_claim_is_configurable(oidc, key_a):
    async with oidc(oidc_jwks=jwks(key_a), oidc_user_claim="preferred_username") as (_, client):
        token = key_a.token(sub="3f1d6a0e-object-id", preferred_username="enhet.demo")
        response = await client.get("/api/me", headers=bearer(token))
    assert response.json()["subject"] == "enhet.demo"


BAD_TOKENS = {  # case: (token from key A, key B and a dev token; what the refusal says)
    "wrong-audience": (lambda a, b, dev: a.token(aud="another-api"), "Audience"),
    "untrusted-issuer": (lambda a, b, dev: a.token(iss="https://login.evil.example"), "does not trust"),
    "expired": (lambda a, b, dev: a.token(exp=int(time.time()) - 60), "expired"),
    "not-yet-valid": (lambda a, b, dev: a.token(nbf=int(time.time()) + 3600), "not yet valid"),
    "other-key-same-kid": (lambda a, b, dev: RsaKey(a.kid, b.private).token(), "Signature verification failed"),
    "unknown-kid": (lambda a, b, dev: b.token(), "unknown key"),
    "hs256-with-public-key": (lambda a, b, dev: hs256_signed_with_public_key(a), "alg value is not allowed"),
    "ps256": (lambda a, b, dev: a.token(algorithm="PS256"), "alg value is not allowed"),  # a real signature, not the pinned algorithm
    "dev-token": (lambda a, b, dev: dev, "does not trust"),  # the dev issuer is off
}


@pytest.mark.parametrize("case", BAD_TOKENS)
async def test_a_bad_oidc_token_is_refused(oidc, key_a, key_b, as_user, problem, case):
    make, refusal = BAD_TOKENS[case]
    token = make(key_a, key_b, as_user("kf.demo")["Authorization"].removeprefix("Bearer "))
    async with oidc(oidc_jwks=jwks(key_a)) as (_, client):
        body = problem(await client.get("/api/me", headers=bearer(token)), 401)
    assert refusal in body["detail"]


# Keys fetched from the identity provider's JWKS URL


@dataclass
class JwksServer:
    url: str = ""
    keys: list = field(default_factory=list)
    fetches: int = 0
    answer: bytes | None = None  # served instead of the keys, when set


@pytest.fixture
async def jwks_server(key_a):
    server = JwksServer(keys=[key_a])

    async def serve(_request):
        server.fetches += 1
        if server.answer is not None:
            return web.Response(body=server.answer, content_type="application/json")
        return web.json_response({"keys": [key.jwk() for key in server.keys]})

    app = web.Application()
    app.router.add_get("/protocol/openid-connect/certs", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}/protocol/openid-connect/certs"
    yield server
    await runner.cleanup()


async def test_keys_are_fetched_from_the_jwks_url_once(oidc, jwks_server, key_a):
    async with oidc(oidc_jwks_url=jwks_server.url) as (_, client):
        for subject in ("kf.demo", "enhet.demo"):
            response = await client.get("/api/me", headers=bearer(key_a.token(sub=subject)))
            assert response.status_code == 200, response.text
    assert jwks_server.fetches == 1


async def test_a_rotated_key_is_fetched_when_its_kid_first_appears(oidc, jwks_server, key_a, key_b, monkeypatch):
    monkeypatch.setattr(tokens, "JWKS_REFRESH_INTERVAL_SECONDS", 0.0)  # as if the interval had passed
    async with oidc(oidc_jwks_url=jwks_server.url) as (_, client):
        assert (await client.get("/api/me", headers=bearer(key_a.token()))).status_code == 200
        jwks_server.keys = [key_b]
        assert (await client.get("/api/me", headers=bearer(key_b.token()))).status_code == 200
    assert jwks_server.fetches == 2


async def test_a_key_withdrawn_from_the_jwks_is_refused_after_a_refresh(oidc, jwks_server, key_a, key_b, monkeypatch, problem):
    monkeypatch.setattr(tokens, "JWKS_REFRESH_INTERVAL_SECONDS", 0.0)
    async with oidc(oidc_jwks_url=jwks_server.url) as (_, client):
        assert (await client.get("/api/me", headers=bearer(key_a.token()))).status_code == 200
        jwks_server.keys = [key_b]
        assert (await client.get("/api/me", headers=bearer(key_b.token()))).status_code == 200
        problem(await client.get("/api/me", headers=bearer(key_a.token(sub="enhet.demo"))), 401)


async def test_unknown_kids_do_not_hammer_the_jwks_url(oidc, jwks_server, key_a, problem):
    """Refreshes are rate-limited, so a flood of tokens with made-up kids costs the IdP nothing."""
    async with oidc(oidc_jwks_url=jwks_server.url) as (_, client):
        assert (await client.get("/api/me", headers=bearer(key_a.token()))).status_code == 200
        for n in range(3):
            problem(await client.get("/api/me", headers=bearer(RsaKey(f"made-up-{n}", key_a.private).token())), 401)
    assert jwks_server.fetches == 1


async def test_an_unreachable_jwks_url_refuses_tokens_without_failing(oidc, closed_port, key_a, problem):
    async with oidc(oidc_jwks_url=f"http://127.0.0.1:{closed_port}/certs") as (_, client):
        body = problem(await client.get("/api/me", headers=bearer(key_a.token())), 401)
    assert "unknown key" in body["detail"]


@pytest.mark.parametrize(
    "answer",
    [b'{"keys": []}', b'{"keys": [{"kty": "RSA", "kid": "key-a"}]}', b'{"issuer": "x"}', b"[1, 2]", b"<html>maintenance</html>"],
    ids=["no-keys", "unusable-key", "no-key-set", "not-an-object", "not-json"],
)
async def test_an_unusable_jwks_answer_refuses_tokens_without_failing(oidc, jwks_server, key_a, problem, answer):
    jwks_server.answer = answer
    async with oidc(oidc_jwks_url=jwks_server.url) as (_, client):
        problem(await client.get("/api/me", headers=bearer(key_a.token())), 401)
    assert jwks_server.fetches == 1


async def test_a_failed_refresh_keeps_the_keys_already_held(oidc, jwks_server, key_a, key_b, monkeypatch, problem):
    monkeypatch.setattr(tokens, "JWKS_REFRESH_INTERVAL_SECONDS", 0.0)
    async with oidc(oidc_jwks_url=jwks_server.url) as (_, client):
        assert (await client.get("/api/me", headers=bearer(key_a.token()))).status_code == 200
        jwks_server.answer = b'{"keys": []}'
        problem(await client.get("/api/me", headers=bearer(key_b.token())), 401)
        assert (await client.get("/api/me", headers=bearer(key_a.token(sub="enhet.demo")))).status_code == 200
    assert jwks_server.fetches == 2
