"""Identity and role policy inside a service.

Every operation declares who may call it in one place, its `x-roles` OpenAPI extension
(`openapi_extra=allow(...)`), and beside it `x-services`: the other Styrkedjan services that may
call it directly with their own assertion (default none). The service enforces that declaration
itself and the gateway reads the same declaration from the service's OpenAPI document, so the
two cannot drift. An operation only services call declares no roles (`allow_services`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.routing import APIRoute, iter_route_contexts

from styrkedjan_common.idempotency import keyed_request
from styrkedjan_common.identity import ALL_ROLES, HEADER, AssertionVerifier, InvalidAssertion, Principal, Role
from styrkedjan_common.problems import Forbidden, send_problem
from styrkedjan_common.text import refuse_nul_in_parameters

POLICY_KEY = "x-roles"
SERVICES_KEY = "x-services"
# Marks an operation open to a signed-in user who holds no role yet (only "who am I").
WITHOUT_ROLE_KEY = "x-allow-without-role"
# Problem type slug of a refusal by role policy (the gateway uses the same one).
ROLE_REFUSAL = "role-not-allowed"
_HEADER_BYTES = HEADER.encode()
# Noted on each operation at start-up: its full path template.
_TEMPLATE_ATTRIBUTE = "_styrkedjan_path_template"


def allow(*roles: Role, services: tuple[str, ...] = ()) -> dict[str, Any]:
    """The `openapi_extra` of an operation that these roles, and these services, may call."""
    if not roles:
        raise ValueError("an operation must allow at least one role")
    extension: dict[str, Any] = {POLICY_KEY: [Role(r).value for r in roles]}
    if services:
        extension[SERVICES_KEY] = sorted(services)
    return extension


def allow_services(*services: str) -> dict[str, Any]:
    """The `openapi_extra` of an operation for other services only: no person or client may call it."""
    if not services:
        raise ValueError("an operation must allow at least one service")
    return {POLICY_KEY: [], SERVICES_KEY: sorted(services)}


def allow_any_signed_in() -> dict[str, Any]:
    return allow(*ALL_ROLES)


def allow_without_role() -> dict[str, Any]:
    """Every role, and also a known user with no role assignment yet: for the operation that
    tells a user who they are, so a frontend can say "you have no access yet" instead of failing."""
    return {**allow(*ALL_ROLES), WITHOUT_ROLE_KEY: True}


def allows_without_role(extension: dict[str, Any] | None) -> bool:
    return bool((extension or {}).get(WITHOUT_ROLE_KEY))


def policy_admits(principal: Principal, roles: frozenset[Role], without_role: bool, services: frozenset[str] = frozenset()) -> bool:
    """The one reading of a declared policy, in the service and in the gateway alike."""
    if principal.service is not None:
        return principal.service in services
    return principal.has_any_role(roles) or (without_role and not principal.assignments)


def declared_roles(route: APIRoute) -> frozenset[Role] | None:
    roles = (route.openapi_extra or {}).get(POLICY_KEY)
    return frozenset(Role(r) for r in roles) if roles else None


def declared_services(extension: dict[str, Any] | None) -> frozenset[str]:
    return frozenset((extension or {}).get(SERVICES_KEY) or ())


def _declares_callers(route: APIRoute) -> bool:
    return bool(declared_roles(route) or declared_services(route.openapi_extra))


def api_routes(app: FastAPI) -> list[tuple[APIRoute, str]]:
    """Every operation of the app with its full path template (routers are included lazily)."""
    return [
        (context.original_route, context.path_format or context.original_route.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]


def check_policies_declared(app: FastAPI) -> None:
    """Refuse to start an app that has an operation without a role policy, or one that would not
    check it (deny by default), and note on each operation its path template for metrics and logs."""
    routes = api_routes(app)
    unchecked = [f"{sorted(route.methods or ())} {path}" for route, path in routes if not isinstance(route, PolicyRoute)]
    if unchecked:
        raise RuntimeError(f"operations whose router does not use PolicyRoute: {', '.join(unchecked)}")
    missing = [f"{sorted(route.methods or ())} {path}" for route, path in routes if not _declares_callers(route)]
    if missing:
        raise RuntimeError(f"operations without a declared role policy: {', '.join(missing)}")
    for route, path in routes:
        setattr(route, _TEMPLATE_ATTRIBUTE, path)


def refusal(principal: Principal, roles: frozenset[Role], services: frozenset[str]) -> str:
    """Why the declared policy refuses the caller, in the service and in the gateway alike."""
    if principal.service is not None:
        return f"this operation does not admit calls from the {principal.service} service"
    if not roles:
        return "this operation is for other services only"
    return f"this operation is allowed for the roles: {', '.join(sorted(r.value for r in roles))}"


def _check_policy(roles: frozenset[Role] | None, without_role: bool, services: frozenset[str], principal: Principal | None) -> None:
    if not roles and not services:
        raise Forbidden("this operation declares no role policy and is refused", slug=ROLE_REFUSAL)
    if principal is None:
        raise Forbidden("no caller identity on this request")
    if not policy_admits(principal, roles or frozenset(), without_role, services):
        raise Forbidden(refusal(principal, roles or frozenset(), services), slug=ROLE_REFUSAL)


class PolicyRoute(APIRoute):
    """An operation that checks its declared roles before anything else of it runs: before the
    body is read and before any dependency. Every router of an app uses it
    (`APIRouter(route_class=PolicyRoute)`); `check_policies_declared` refuses to start otherwise.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        roles = declared_roles(self)
        services = declared_services(self.openapi_extra)
        without_role = allows_without_role(self.openapi_extra)
        route = self

        async def guarded(request: Request) -> Response:
            scope = request.scope
            scope["route_template"] = getattr(route, _TEMPLATE_ATTRIBUTE, route.path)
            _check_policy(roles, without_role, services, scope.get("state", {}).get("principal"))
            refuse_nul_in_parameters(request.query_params, request.path_params)
            # A POST with an Idempotency-Key: its key is reserved here, after the policy and
            # before the operation, or its stored answer is replayed without running it again.
            keyed = keyed_request(request)
            if keyed is not None:
                replayed = await keyed.begin(request)
                if replayed is not None:
                    return replayed
            return await handler(request)

        return guarded


def caller_of(request: Request) -> Principal:
    """The caller, whose roles the operation's policy has already checked."""
    principal: Principal | None = request.scope.get("state", {}).get("principal")
    if principal is None:
        raise Forbidden("no caller identity on this request")
    return principal


# Async on purpose: FastAPI runs plain `def` dependencies in a thread pool.
async def current_caller(request: Request) -> Principal:
    return caller_of(request)


CallerDep = Annotated[Principal, Depends(current_caller)]


class AssertionMiddleware:
    """Refuses every call that lacks a valid assertion for this service: the gateway's about a
    user, or a known service's about itself."""

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
            await send_problem(send, 401, str(exc), "invalid-assertion", scope["path"])
            return
        state = scope.setdefault("state", {})
        state["principal"] = principal
        state["user_id"] = principal.user_id
        await self.app(scope, receive, send)
