"""Routers gated by their first path segment: each request tries only the routers serving it, and
everything else about the app (served operations, OpenAPI, url_for, 404/405) stays as it was."""

from __future__ import annotations

import uuid

import httpx
from fastapi import APIRouter, FastAPI, Request, Response
from starlette.routing import Route

from styrkedjan_common.identity import Role
from styrkedjan_common.problems import install_problem_handlers
from styrkedjan_common.routing import SegmentGate, gate_routers, lift_direct_calls
from styrkedjan_common.security import PolicyRoute, allow, allow_any_signed_in, check_policies_declared
from styrkedjan_common.testing import principal

PREFIX = "/api/demo/v1"


def app_with_routers() -> tuple[FastAPI, list]:
    app = FastAPI()
    plans, goals, loose = APIRouter(prefix="/plans"), APIRouter(prefix="/goals"), APIRouter()

    @plans.get("/{plan_id}", name="get_plan")
    async def get_plan(plan_id: str, request: Request) -> dict:
        return {"plan": plan_id, "self": request.url_for("get_plan", plan_id=plan_id).path}

    @goals.get("")
    async def list_goals() -> dict:
        return {"goals": []}

    @goals.post("")
    async def create_goal() -> dict:
        return {"created": True}

    @loose.get("/{anything}/echo")  # a first segment that is a parameter: this router cannot be gated
    async def echo(anything: str) -> dict:
        return {"echo": anything}

    @app.get("/livez")
    async def livez() -> dict:
        return {"status": "ok"}

    for router in (plans, goals, loose):
        app.include_router(router, prefix=PREFIX)
    original = gate_routers(app, PREFIX + "/")
    return app, original


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_each_operation_is_served_through_its_gate_with_url_for_intact():
    app, _ = app_with_routers()
    async with client(app) as http:
        plan = await http.get(f"{PREFIX}/plans/p1")
        goals = await http.get(f"{PREFIX}/goals")
        echo = await http.get(f"{PREFIX}/whatever/echo")
        livez = await http.get("/livez")
    assert plan.json() == {"plan": "p1", "self": f"{PREFIX}/plans/p1"}
    assert goals.json() == {"goals": []}
    assert echo.json() == {"echo": "whatever"}
    assert livez.json() == {"status": "ok"}


async def test_unknown_paths_are_404_and_a_known_path_with_another_method_is_405():
    app, _ = app_with_routers()
    async with client(app) as http:
        unknown = await http.get(f"{PREFIX}/budgets")
        wrong_method = await http.delete(f"{PREFIX}/goals")
    assert unknown.status_code == 404
    assert wrong_method.status_code == 405


def test_only_routers_with_plain_first_segments_are_gated_and_only_for_their_segments():
    app, original = app_with_routers()
    gates = [route for route in app.router.routes if isinstance(route, SegmentGate)]
    assert sorted(sorted(gate.segments) for gate in gates) == [["goals"], ["plans"]]
    assert len(app.router.routes) == len(original)


def test_the_openapi_document_is_built_from_the_routers_themselves():
    app, original = app_with_routers()
    from fastapi.openapi.utils import get_openapi

    paths = get_openapi(title="demo", version="1", routes=original)["paths"]
    assert {f"{PREFIX}/plans/{{plan_id}}", f"{PREFIX}/goals", f"{PREFIX}/{{anything}}/echo", "/livez"} <= set(paths)


# --- hot reads routed ahead of FastAPI ---------------------------------------------------------


def app_with_direct_reads() -> FastAPI:
    """`/things/{thing_id}` is a direct call; `/things/special` before it is not (it takes a query
    parameter), and `/things/{thing_id}` also has a PATCH that FastAPI handles."""
    things = APIRouter(prefix="/things", route_class=PolicyRoute)
    others = APIRouter(prefix="/others", route_class=PolicyRoute)

    @things.get("/special", openapi_extra=allow_any_signed_in())
    async def special_thing(verbose: bool = False) -> dict:
        return {"special": True, "verbose": verbose}

    @things.get("/{thing_id}", openapi_extra=allow(Role.FULLMAKTIGE))
    async def get_thing(thing_id: uuid.UUID, request: Request) -> Response:
        return Response(f'{{"thing": "{thing_id}"}}', media_type="application/json")

    @things.patch("/{thing_id}", openapi_extra=allow(Role.FULLMAKTIGE))
    async def update_thing(thing_id: uuid.UUID) -> dict:
        return {"updated": str(thing_id)}

    @others.get("/{other_id}", openapi_extra=allow_any_signed_in())
    async def get_other(other_id: uuid.UUID, request: Request) -> Response:
        return Response(f'{{"other": "{other_id}"}}', media_type="application/json")

    app = FastAPI()
    install_problem_handlers(app)
    for router in (things, others):
        app.include_router(router, prefix=PREFIX)
    check_policies_declared(app)
    lift_direct_calls(app, position=0)
    gate_routers(app, PREFIX + "/")
    return app


def lifted_paths(app: FastAPI) -> list[str]:
    return [route.path for route in app.router.routes if isinstance(route, Route) and route.path.startswith(PREFIX)]


def as_role(app: FastAPI, role):
    async def with_principal(scope, receive, send):
        scope.setdefault("state", {})["principal"] = principal(role)
        await app(scope, receive, send)

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=with_principal), base_url="http://test")


def test_a_direct_read_is_lifted_unless_a_route_before_it_that_stays_would_be_shadowed():
    assert lifted_paths(app_with_direct_reads()) == [f"{PREFIX}/others/{{other_id}}"]


async def test_a_lifted_read_answers_as_before_with_its_policy_and_its_422():
    app = app_with_direct_reads()
    thing, other = uuid.uuid4(), uuid.uuid4()
    async with as_role(app, Role.ENHET) as http:
        read = await http.get(f"{PREFIX}/others/{other}")
        bad = await http.get(f"{PREFIX}/others/not-a-uuid")
        head = await http.head(f"{PREFIX}/others/{other}")
        special = await http.get(f"{PREFIX}/things/special?verbose=true")
        refused = await http.get(f"{PREFIX}/things/{thing}")
    assert read.json() == {"other": str(other)}
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"].endswith("other_id")
    assert head.status_code == 405  # only the declared methods, as FastAPI served it
    assert special.json() == {"special": True, "verbose": True}  # not taken by /things/{thing_id}
    assert refused.status_code == 403


async def test_other_methods_on_a_lifted_path_still_reach_fastapi():
    app = app_with_direct_reads()
    thing = uuid.uuid4()
    async with as_role(app, Role.FULLMAKTIGE) as http:
        updated = await http.patch(f"{PREFIX}/things/{thing}")
        read = await http.get(f"{PREFIX}/things/{thing}")
    assert updated.json() == {"updated": str(thing)}
    assert read.json() == {"thing": str(thing)}
