"""Routers gated by their first path segment: each request tries only the routers serving it, and
everything else about the app (served operations, OpenAPI, url_for, 404/405) stays as it was."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI, Request

from styrkedjan_common.routing import SegmentGate, gate_routers

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
