"""Verifies bearer tokens: OIDC (JWKS, pinned algorithms) and the built-in development issuer.

A token names a person by its user claim, and the OAuth client it was issued to by its client
claim; the directory decides which of them signs in (gateway.auth.principals)."""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.settings import GatewaySettings
from styrkedjan_common.text import NUL

DEV_AUDIENCE = "styrkedjan"
# The development issuer names a machine client the way Keycloak and Entra ID v2.0 do.
DEV_CLIENT_CLAIM = "azp"
# Entra ID puts the delegated scopes of a person's token in `scp`; a token for an app itself has none.
DELEGATED_SCOPES_CLAIM = "scp"
JWKS_REFRESH_INTERVAL_SECONDS = 30.0
log = structlog.get_logger("gateway.tokens")


class InvalidToken(Exception):
    pass


@dataclass(frozen=True, slots=True)
class TokenSubject:
    """Who a verified token names: `person`, the value of the user claim, and `client`, the value of
    the client claim (the OAuth client the token was issued to); either may be absent, not both."""

    person: str | None
    client: str | None


@dataclass
class TrustedIssuer:
    issuer: str
    audience: str
    algorithms: list[str]
    user_claim: str
    client_claim: str
    keys: dict[str | None, Any] = field(default_factory=dict)
    jwks_url: str | None = None
    last_refresh: float = 0.0

    def load_jwks(self, jwks: Any) -> None:
        if not isinstance(jwks, dict):
            raise ValueError("a JWKS is a JSON object with a 'keys' list")
        keys: dict[str | None, Any] = {}
        for jwk in jwt.PyJWKSet.from_dict(jwks).keys:
            keys[jwk.key_id] = jwk.key
        self.keys = keys


class TokenVerifier:
    def __init__(self, settings: GatewaySettings, cache_size: int = 10000) -> None:
        self.leeway = settings.token_leeway_seconds
        self.issuers: dict[str, TrustedIssuer] = {}
        self._http: aiohttp.ClientSession | None = None
        self._refresh_lock = asyncio.Lock()
        self._cache: OrderedDict[str, tuple[float, TokenSubject]] = OrderedDict()
        self._cache_size = cache_size
        if settings.oidc_issuer and settings.oidc_audience:
            oidc = TrustedIssuer(
                settings.oidc_issuer,
                settings.oidc_audience,
                list(settings.oidc_algorithms),
                settings.oidc_user_claim,
                settings.oidc_client_claim,
                jwks_url=settings.oidc_jwks_url,
            )
            if settings.oidc_jwks:
                oidc.load_jwks(json.loads(settings.oidc_jwks))
            self.issuers[oidc.issuer] = oidc
        if settings.dev_issuer_enabled:
            private = serialization.load_pem_private_key(settings.dev_key_pem().encode(), password=None)
            dev = TrustedIssuer(
                settings.dev_issuer_name, DEV_AUDIENCE, ["EdDSA"], "sub", DEV_CLIENT_CLAIM, keys={None: private.public_key()}
            )
            self.issuers[dev.issuer] = dev

    def attach_http(self, http: aiohttp.ClientSession) -> None:
        self._http = http

    async def _refresh_jwks(self, issuer: TrustedIssuer) -> None:
        if issuer.jwks_url is None or self._http is None:
            return
        async with self._refresh_lock:
            if time.monotonic() - issuer.last_refresh < JWKS_REFRESH_INTERVAL_SECONDS:
                return
            issuer.last_refresh = time.monotonic()
            try:
                async with self._http.get(issuer.jwks_url, timeout=aiohttp.ClientTimeout(total=5)) as response:
                    response.raise_for_status()
                    issuer.load_jwks(await response.json(content_type=None))
            # A JWKS without usable keys (jwt.PyJWTError) keeps the keys already held, like a network failure.
            except (TimeoutError, aiohttp.ClientError, ValueError, jwt.PyJWTError) as exc:
                log.warning("jwks_refresh_failed", issuer=issuer.issuer, error=str(exc))

    async def subject(self, token: str) -> TokenSubject:
        """Who the verified token names; raises InvalidToken."""
        now = time.time()
        cached = self._cache.get(token)
        if cached is not None and now < cached[0] + self.leeway:
            return cached[1]
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise InvalidToken("the bearer token is not a well-formed JWT") from exc
        issuer = self.issuers.get(str(unverified.get("iss")))
        if issuer is None:
            raise InvalidToken("the bearer token comes from an issuer this gateway does not trust")
        kid = header.get("kid")
        key = issuer.keys.get(kid) or (issuer.keys.get(None) if len(issuer.keys) == 1 else None)
        if key is None:
            await self._refresh_jwks(issuer)
            key = issuer.keys.get(kid)
        if key is None:
            raise InvalidToken("the bearer token is signed with an unknown key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=issuer.algorithms,
                audience=issuer.audience,
                issuer=issuer.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the bearer token has expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"the bearer token is not valid: {exc}") from exc
        person = _claim(claims, issuer.user_claim)
        # A person's token acting through an app carries the app's id as well; with delegated
        # scopes it is the person's, never the app's own (Entra ID: an app-only token has no `scp`).
        client = None if DELEGATED_SCOPES_CLAIM in claims else _claim(claims, issuer.client_claim)
        if person is None and client is None:
            raise InvalidToken(f"the bearer token has no '{issuer.user_claim}' claim (nor a '{issuer.client_claim}' claim naming a client)")
        subject = TokenSubject(person, client)
        self._cache[token] = (float(claims["exp"]), subject)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return subject


def _claim(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        return None
    if NUL in value:
        # No directory principal has one, and PostgreSQL could not even look it up.
        raise InvalidToken(f"the bearer token's '{name}' claim holds a NUL character")
    return value


class DevIssuer:
    """Mints tokens for directory users and machine clients in development and the embedded default."""

    def __init__(self, settings: GatewaySettings) -> None:
        key = serialization.load_pem_private_key(settings.dev_key_pem().encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey | Ed448PrivateKey):
            raise ValueError("the development issuer's key must be an EdDSA (Ed25519 or Ed448) private key")
        self._key = key
        self.issuer = settings.dev_issuer_name
        self.ttl = settings.dev_token_ttl_seconds

    def mint(self, subject: str, name: str = "", ttl_seconds: int | None = None, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": self.issuer,
            "aud": DEV_AUDIENCE,
            "sub": subject,
            "name": name,
            "iat": issued,
            "nbf": issued,
            "exp": issued + (ttl_seconds or self.ttl),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA")

    def mint_client(self, client_id: str, name: str = "", ttl_seconds: int | None = None, now: float | None = None) -> str:
        """A token like an identity provider's for an app signed in with client credentials: the
        client claim names it, and no person subject is carried."""
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": self.issuer,
            "aud": DEV_AUDIENCE,
            DEV_CLIENT_CLAIM: client_id,
            "name": name,
            "iat": issued,
            "nbf": issued,
            "exp": issued + (ttl_seconds or self.ttl),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA")
