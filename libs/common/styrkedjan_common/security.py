"""Identity and role policy inside a service.

Every operation declares the roles that may call it in one place, its `x-roles` OpenAPI
extension (`openapi_extra=allow(...)`). The service enforces that declaration itself and the
gateway reads the same declaration from the service's OpenAPI document, so the two cannot drift.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute

from styrkedjan_common.identity import HEADER, ALL_ROLES, AssertionVerifier, InvalidAssertion, Principal, Role
from styrkedjan_common.problems import Forbidden, problem_body, problem_type, PROBLEM_MEDIA_TYPE

POLICY_KEY = "x-roles"
_HEADER_BYTES = HEADER.encode()


def allow(*roles: Role) -> dict[str, Any]:
    """The `openapi_extra` of an operation that these roles may call."""
    if not roles:
        raise ValueError("an operation must allow at least one role")
    return {POLICY_KEY: [Role(r).value for r in roles]}


def allow_any_signed_in() -> dict[str, Any]:
    return allow(*ALL_ROLES)


def declared_roles(route: APIRoute) -> frozenset[Role] | None:
    roles = (route.openapi_extra or {}).get(POLICY_KEY)
    return frozenset(Role(r) for r in roles) if roles else None


def check_policies_declared(app: FastAPI) -> None:
    """Refuse to start an app that has an operation without a role policy (deny by default)."""
    missing = [f"{sorted(r.methods)} {r.path}" for r in app.routes if isinstance(r, APIRoute) and not declared_roles(r)]
    if missing:
        raise RuntimeError(f"operations without a declared role policy: {', '.join(missing)}")


def principal_from_request(request: Request) -> Principal:
    principal = request.scope.get("state", {}).get("principal")
    if principal is None:
        raise Forbidden("no caller identity on this request")
    return principal


async def enforce_policy(request: Request) -> None:
    route = request.scope.get("route")
    roles = declared_roles(route) if isinstance(route, APIRoute) else None
    if not roles:
        raise Forbidden("this operation declares no role policy and is refused")
    if not principal_from_request(request).has_any_role(roles):
        allowed = ", ".join(sorted(r.value for r in roles))
        raise Forbidden(f"this operation is allowed for the roles: {allowed}")


PolicyDep = Depends(enforce_policy)
CallerDep = Annotated[Principal, Depends(principal_from_request)]


class AssertionMiddleware:
    """Refuses every call that lacks a valid gateway assertion for this service."""

    def __init__(self, app: Any, verifier: AssertionVerifier, exempt: frozenset[str]) -> None:
        self.app = app
        self.verifier = verifier
        self.exempt = exempt

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        token = None
        for name, value in scope["headers"]:
            if name == _HEADER_BYTES:
                token = value.decode("latin-1")
                break
        try:
            principal = self.verifier.verify(token)
        except InvalidAssertion as exc:
            body = problem_body(401, str(exc), type_=problem_type("invalid-assertion"), instance=scope["path"])
            await send({"type": "http.response.start", "status": 401, "headers": [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        state = scope.setdefault("state", {})
        state["principal"] = principal
        state["user_id"] = principal.user_id
        await self.app(scope, receive, send)
