"""Verifies users' bearer tokens: OIDC (JWKS, pinned algorithms) and the built-in development issuer."""

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
JWKS_REFRESH_INTERVAL_SECONDS = 30.0
log = structlog.get_logger("gateway.tokens")


class InvalidToken(Exception):
    pass


@dataclass
class TrustedIssuer:
    issuer: str
    audience: str
    algorithms: list[str]
    user_claim: str
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
        self._cache: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._cache_size = cache_size
        if settings.oidc_issuer and settings.oidc_audience:
            oidc = TrustedIssuer(
                settings.oidc_issuer,
                settings.oidc_audience,
                list(settings.oidc_algorithms),
                settings.oidc_user_claim,
                jwks_url=settings.oidc_jwks_url,
            )
            if settings.oidc_jwks:
                oidc.load_jwks(json.loads(settings.oidc_jwks))
            self.issuers[oidc.issuer] = oidc
        if settings.dev_issuer_enabled:
            private = serialization.load_pem_private_key(settings.dev_key_pem().encode(), password=None)
            dev = TrustedIssuer(settings.dev_issuer_name, DEV_AUDIENCE, ["EdDSA"], "sub", keys={None: private.public_key()})
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

    async def subject(self, token: str) -> str:
        """The verified token's user subject; raises InvalidToken."""
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
        subject = claims.get(issuer.user_claim)
        if not isinstance(subject, str) or not subject:
            raise InvalidToken(f"the bearer token has no '{issuer.user_claim}' claim")
        if NUL in subject:
            # No directory user has one, and PostgreSQL could not even look it up.
            raise InvalidToken(f"the bearer token's '{issuer.user_claim}' claim holds a NUL character")
        self._cache[token] = (float(claims["exp"]), subject)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return subject


class DevIssuer:
    """Mints tokens for directory users in development and the embedded default."""

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
