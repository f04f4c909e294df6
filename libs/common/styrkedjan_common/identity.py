"""The identity assertion: a short-lived JWT the gateway signs for one service per caller.

Format (all claims required):
    header  alg=EdDSA (Ed25519), kid = thumbprint of the signing public key
    iss     the gateway's issuer name
    aud     the service name ("goals", "budget", ...): a token for one service is refused by another
    sub     the user's id in the directory;  name: display name
    iat/exp issued-at and expiry (seconds; the gateway issues for 60 s)
    assignments  [{"role", "org_unit_id", "scope"}]; scope is the list of org unit ids in the
                 assignment's subtree, or "*" when the assignment sits at the root of the
                 organisation (the whole municipality).
    kind         "person" or "client" (a machine client: an integration signed in with OIDC client
                 credentials); absent means "person"
Services verify it on every call (verification results are cached per token until expiry)
and check object by object that the target org unit is in the caller's scope.

The service assertion: a service calling another service directly signs its own, with its own key.
    header  alg=EdDSA, kid = thumbprint of the calling service's public key
    iss     "styrkedjan-service";  sub: the calling service's name ("followup")
    aud     the callee ("goals", "budget", "internal-control", or "directory" for the gateway)
    iat/exp issued-at and expiry (the caller signs for 60 s)
    kind    "service"
The callee knows each caller's public keys by the caller's name (several during a rotation); the
key that verifies the signature names the service, and `sub` must agree with it. A service
assertion carries no user and no assignments: an operation admits it only when it declares the
service (`x-services`), and the service then reads across the whole municipality.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"
HEADER = "x-identity-assertion"
ALL_UNITS = "*"
SERVICE_ISSUER = "styrkedjan-service"


class PrincipalKind(StrEnum):
    PERSON = "person"
    CLIENT = "client"  # a machine client: an integration signed in with OIDC client credentials
    SERVICE = "service"  # another Styrkedjan service calling directly, with its own assertion


class Role(StrEnum):
    FULLMAKTIGE = "fullmaktige"
    NAMND = "namnd"
    FORVALTNING = "forvaltning"
    ENHET = "enhet"
    REVISOR = "revisor"
    ADMIN = "admin"


ALL_ROLES: tuple[Role, ...] = tuple(Role)


@dataclass(frozen=True, slots=True)
class Assignment:
    role: Role
    org_unit_id: str
    # None means the whole organisation.
    scope: frozenset[str] | None

    def covers(self, org_unit_id: str) -> bool:
        return self.scope is None or org_unit_id in self.scope


def _scope(value: Any) -> frozenset[str] | None:
    # A bare string other than "*" would otherwise be read as a set of its characters.
    if value == ALL_UNITS:
        return None
    if not isinstance(value, list) or not all(isinstance(unit, str) for unit in value):
        raise ValueError('an assignment scope is "*" or a list of org unit ids')
    return frozenset(value)


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    name: str
    assignments: tuple[Assignment, ...]
    kind: PrincipalKind = PrincipalKind.PERSON
    roles: frozenset[Role] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(a.role for a in self.assignments))

    @classmethod
    def for_service(cls, service: str) -> Principal:
        return cls(user_id=f"service:{service}", name=f"{service} service", assignments=(), kind=PrincipalKind.SERVICE)

    @property
    def service(self) -> str | None:
        """The calling service's name when a service calls; None for a person or a machine client."""
        return self.user_id.removeprefix("service:") if self.kind == PrincipalKind.SERVICE else None

    def has_any_role(self, roles: frozenset[Role] | set[Role] | tuple[Role, ...]) -> bool:
        return not self.roles.isdisjoint(roles)

    def can_act_on(self, org_unit_id: str, roles: tuple[Role, ...] | frozenset[Role]) -> bool:
        """Whether one of the caller's assignments with one of `roles` covers the org unit. A
        service reaches only operations that declare it, and there reads the whole municipality."""
        if self.kind == PrincipalKind.SERVICE:
            return True
        return any(a.role in roles and a.covers(org_unit_id) for a in self.assignments)

    def scope_of(self, roles: tuple[Role, ...] | frozenset[Role]) -> frozenset[str] | None:
        """Union of the scopes held through `roles`; None means everything."""
        if self.kind == PrincipalKind.SERVICE:
            return None
        units: set[str] = set()
        for a in self.assignments:
            if a.role in roles:
                if a.scope is None:
                    return None
                units |= a.scope
        return frozenset(units)

    def to_claims(self) -> dict[str, Any]:
        return {
            "sub": self.user_id,
            "name": self.name,
            "kind": self.kind.value,
            "assignments": [
                {
                    "role": a.role.value,
                    "org_unit_id": a.org_unit_id,
                    "scope": ALL_UNITS if a.scope is None else sorted(a.scope),
                }
                for a in self.assignments
            ],
        }

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        assignments = tuple(
            Assignment(
                role=Role(item["role"]),
                org_unit_id=str(item["org_unit_id"]),
                scope=_scope(item["scope"]),
            )
            for item in claims["assignments"]
        )
        kind = PrincipalKind(claims.get("kind", PrincipalKind.PERSON))
        if kind == PrincipalKind.SERVICE:
            raise ValueError("a user assertion cannot name a service")
        return cls(user_id=str(claims["sub"]), name=str(claims.get("name", "")), assignments=assignments, kind=kind)


class InvalidAssertion(Exception):
    """The assertion is missing, expired, wrongly signed or meant for someone else."""


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:12]).decode().rstrip("=")


def generate_private_key_pem() -> str:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def public_key_pem(private_key_pem: str) -> str:
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def split_pem_bundle(bundle: str) -> list[str]:
    marker = "-----END PUBLIC KEY-----"
    return [part.strip() + "\n" + marker + "\n" for part in bundle.split(marker) if part.strip()]


class AssertionSigner:
    def __init__(self, private_key_pem: str, issuer: str, ttl_seconds: int = 60) -> None:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the assertion signing key must be an Ed25519 private key")
        self._key = key
        self.kid = key_id(key.public_key())
        self.issuer = issuer
        self.ttl_seconds = ttl_seconds

    def sign(self, principal: Principal, audience: str, now: float | None = None) -> tuple[str, float]:
        """Return the token and its expiry time (epoch seconds)."""
        issued = int(now if now is not None else time.time())
        expires = issued + self.ttl_seconds
        claims = principal.to_claims() | {"iss": self.issuer, "aud": audience, "iat": issued, "exp": expires}
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})
        return token, float(expires)


class ServiceSigner:
    """Signs a service's own assertions, one per callee, reused while more than half their
    lifetime remains (a signature per call would be wasted work)."""

    def __init__(self, private_key_pem: str, service: str, ttl_seconds: int = 60) -> None:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("a service's signing key must be an Ed25519 private key")
        self._key = key
        self.kid = key_id(key.public_key())
        self.service = service
        self.ttl_seconds = ttl_seconds
        self._held: dict[str, tuple[str, float]] = {}

    def assertion(self, audience: str) -> str:
        now = time.time()
        held = self._held.get(audience)
        if held is not None and held[1] - now > self.ttl_seconds / 2:
            return held[0]
        issued = int(now)
        claims = {
            "iss": SERVICE_ISSUER,
            "sub": self.service,
            "aud": audience,
            "iat": issued,
            "exp": issued + self.ttl_seconds,
            "kind": PrincipalKind.SERVICE.value,
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})
        self._held[audience] = (token, float(issued + self.ttl_seconds))
        return token


def _public_keys(bundle: str) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for pem in split_pem_bundle(bundle):
        key = serialization.load_pem_public_key(pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("assertion public keys must be Ed25519 keys")
        keys[key_id(key)] = key
    return keys


class AssertionVerifier:
    """Verifies assertions for one audience: the gateway's, about a user, and those of the services
    whose keys it knows (`service_keys`: service name → PEM bundle), about the service itself.
    Remembers good tokens until they expire."""

    def __init__(
        self,
        public_keys_pem: str | None,
        issuer: str,
        audience: str,
        service_keys: dict[str, str] | None = None,
        cache_size: int = 4096,
    ) -> None:
        self._keys = _public_keys(public_keys_pem or "")
        # kid → (key, the service it belongs to)
        self._service_keys: dict[str, tuple[Ed25519PublicKey, str]] = {}
        for service, bundle in (service_keys or {}).items():
            for kid, key in _public_keys(bundle).items():
                if kid in self._keys or kid in self._service_keys:
                    raise ValueError(f"the public key {kid} of the {service} service is also another caller's key")
                self._service_keys[kid] = (key, service)
        if not self._keys and not self._service_keys:
            raise ValueError("no assertion public key configured")
        self.issuer = issuer
        self.audience = audience
        self._cache: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._cache_size = cache_size

    def verify(self, token: str | None) -> Principal:
        if not token:
            raise InvalidAssertion("the request carries no identity assertion")
        now = time.time()
        cached = self._cache.get(token)
        if cached is not None:
            expires, principal = cached
            if now < expires:
                return principal
            del self._cache[token]
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            if not isinstance(kid, str):
                raise InvalidAssertion("the identity assertion names no key")
            if kid in self._keys:
                claims = self._decode(token, self._keys[kid], self.issuer)
                principal = Principal.from_claims(claims)
            elif kid in self._service_keys:
                key, service = self._service_keys[kid]
                claims = self._decode(token, key, SERVICE_ISSUER)
                if claims["sub"] != service or claims.get("kind") != PrincipalKind.SERVICE.value:
                    raise InvalidAssertion(f"the service assertion is signed with the {service} service's key for another caller")
                principal = Principal.for_service(service)
            else:
                raise InvalidAssertion("the identity assertion is signed by an unknown key")
        except InvalidAssertion:
            raise
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise InvalidAssertion(f"the identity assertion is not valid: {exc}") from exc
        self._cache[token] = (float(claims["exp"]), principal)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return principal

    def _decode(self, token: str, key: Ed25519PublicKey, issuer: str) -> dict[str, Any]:
        return jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=self.audience,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
