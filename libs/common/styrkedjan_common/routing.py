"""Request routing in time independent of how many operations an app has.

FastAPI tries an app's operations one after another, each at a cost of about a microsecond, so a
request for an operation of the last area waited behind every operation of all the others (about
100 µs in the goals service). Each included router is gated here by the first path segment under
the API prefix (`/api/goals/v1/<segment>/...`): a request tries only the routers that serve its
segment. The routers themselves are untouched, so OpenAPI, policies and `url_for` are as before.

Hot reads that FastAPI need not handle (`security.direct_call`) are also routed as plain routes
ahead of the routers, past the hops through included routers and the two exit stacks FastAPI
opens for every request of an operation.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Match, Route, compile_path
from starlette.types import Receive, Scope, Send


class SegmentGate(BaseRoute):
    """An included router, tried only for paths `<prefix><one of its segments>[/...]`."""

    def __init__(self, inner: BaseRoute, prefix: str, segments: frozenset[str]) -> None:
        self.inner = inner
        self.prefix = prefix
        self.segments = segments

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope.get("path", "")
        if not path.startswith(self.prefix) or path[len(self.prefix):].split("/", 1)[0] not in self.segments:
            return Match.NONE, {}
        return self.inner.matches(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.inner.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        return self.inner.url_path_for(name, **path_params)


def _segments(route: BaseRoute, prefix: str) -> frozenset[str] | None:
    """The first segments of the router's paths under `prefix`; None when one is a parameter or
    lies outside the prefix, and the router cannot be gated."""
    found = set()
    for context in iter_route_contexts([route]):
        path = context.path_format or ""
        if not path.startswith(prefix):
            return None
        segment = path[len(prefix):].split("/", 1)[0]
        if not segment or "{" in segment:
            return None
        found.add(segment)
    return frozenset(found) if found else None


def gate_routers(app: FastAPI, prefix: str) -> list[BaseRoute]:
    """Gates the app's included routers by segment; returns the routes as they were, for the
    OpenAPI document (which must see the routers themselves)."""
    original = list(app.router.routes)
    gated: list[BaseRoute] = []
    for route in original:
        segments = _segments(route, prefix) if hasattr(route, "effective_route_contexts") else None
        gated.append(route if segments is None else SegmentGate(route, prefix, segments))
    app.router.routes = gated
    return original


def lift_direct_calls(app: FastAPI, position: int) -> None:
    """Routes each operation that has a direct handler (`PolicyRoute.direct_handler`) also as a plain
    route at `position`, ahead of the routers, in their order. An operation stays with FastAPI when
    a route before it that is not lifted has a path its own would match for the same method (a
    literal `/visions/current` before `/visions/{vision_id}`): a lifted route must not take
    requests that were another's."""
    lifted: list[BaseRoute] = []
    staying: list[tuple[str, set[str]]] = []  # (path, methods) of the operations left in place
    for context in iter_route_contexts(app.router.routes):
        route = context.original_route
        path = context.path_format or getattr(route, "path", "")
        methods = set(getattr(route, "methods", None) or ())
        direct_handler = getattr(route, "direct_handler", None)
        handler = direct_handler() if direct_handler is not None else None
        pattern = compile_path(path)[0]
        if handler is None or any(pattern.match(other) and methods & other_methods for other, other_methods in staying):
            staying.append((path, methods))
            continue
        plain = Route(path, handler, methods=sorted(methods), name=route.name, include_in_schema=False)
        plain.methods = methods  # as declared: Starlette would add HEAD to a GET
        lifted.append(plain)
    app.router.routes[position:position] = lifted
