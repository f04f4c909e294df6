"""Role policy inside a service: declared per operation, deny by default."""

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel

from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.problems import install_problem_handlers
from styrkedjan_common.security import (
    POLICY_KEY,
    CallerDep,
    PolicyRoute,
    allow,
    allow_any_signed_in,
    allow_without_role,
    check_policies_declared,
    declared_roles,
)
from styrkedjan_common.testing import principal


async def endpoint() -> dict:
    return {}


def router_with(*routes: tuple[str, dict | None]) -> APIRouter:
    router = APIRouter(prefix="/things", route_class=PolicyRoute)
    for path, extra in routes:
        router.add_api_route(path, endpoint, methods=["GET"], openapi_extra=extra)
    return router


def app_with(*routes: tuple[str, dict | None]) -> FastAPI:
    """Built like a service: the area's router included under the API prefix."""
    app = FastAPI()
    app.include_router(router_with(*routes), prefix="/api/test/v1")
    return app


def test_app_with_an_included_operation_lacking_x_roles_is_refused():
    app = app_with(("/declared", allow(Role.REVISOR)), ("/undeclared", None))
    with pytest.raises(RuntimeError, match="without a declared role policy") as refused:
        check_policies_declared(app)
    assert "['GET'] /api/test/v1/things/undeclared" in str(refused.value)
    assert "/declared" not in str(refused.value)


def test_operation_added_on_the_app_itself_lacking_x_roles_is_refused():
    app = FastAPI()
    app.router.add_api_route("/bare", endpoint, methods=["POST"], route_class_override=PolicyRoute)
    with pytest.raises(RuntimeError, match=r"without a declared role policy: \['POST'\] /bare"):
        check_policies_declared(app)


def test_operation_whose_router_would_not_check_its_policy_is_refused():
    """Declared roles are not enough: the route must be one that checks them."""
    router = APIRouter(prefix="/plain")
    router.add_api_route("/x", endpoint, methods=["GET"], openapi_extra=allow(Role.ADMIN))
    app = FastAPI()
    app.include_router(router, prefix="/api/test/v1")
    with pytest.raises(RuntimeError, match=r"does not use PolicyRoute: \['GET'\] /api/test/v1/plain/x"):
        check_policies_declared(app)


def test_operation_in_a_nested_router_lacking_x_roles_is_refused():
    outer = APIRouter(prefix="/outer", route_class=PolicyRoute)
    outer.include_router(router_with(("/inner", None)))
    app = FastAPI()
    app.include_router(outer, prefix="/api/test/v1")
    with pytest.raises(RuntimeError, match="/api/test/v1/outer/things/inner"):
        check_policies_declared(app)


def test_empty_role_list_counts_as_undeclared():
    with pytest.raises(RuntimeError, match="/empty"):
        check_policies_declared(app_with(("/empty", {POLICY_KEY: []})))


def test_app_where_every_operation_declares_roles_is_accepted():
    app = app_with(("/a", allow(Role.FULLMAKTIGE)), ("/b", allow_any_signed_in()))
    app.router.add_api_route("/c", endpoint, openapi_extra=allow(Role.ADMIN), route_class_override=PolicyRoute)
    check_policies_declared(app)


def test_operational_routes_outside_the_api_need_no_policy():
    app = app_with(("/a", allow(Role.ADMIN)))
    app.add_route("/livez", endpoint, include_in_schema=False)
    check_policies_declared(app)


def test_allow_declares_the_role_values():
    assert allow(Role.REVISOR, Role.ADMIN) == {"x-roles": ["revisor", "admin"]}
    assert allow("namnd") == {"x-roles": ["namnd"]}
    assert allow_any_signed_in()["x-roles"] == [r.value for r in Role]


def test_allow_needs_at_least_one_known_role():
    with pytest.raises(ValueError):
        allow()
    with pytest.raises(ValueError):
        allow("mayor")


def test_declared_roles_are_read_back_from_the_route():
    routes = {route.path: route for route in router_with(("/a", allow(Role.NAMND, Role.ENHET)), ("/b", None)).routes}
    assert declared_roles(routes["/things/a"]) == frozenset({Role.NAMND, Role.ENHET})
    assert declared_roles(routes["/things/b"]) is None


class Thing(BaseModel):
    name: str


def guarded_app(calls: list[str]) -> FastAPI:
    """An app whose one operation records every dependency and handler that ran."""

    async def recorded() -> None:
        calls.append("dependency")

    router = APIRouter(prefix="/things", route_class=PolicyRoute)

    @router.post("", openapi_extra=allow(Role.FULLMAKTIGE), dependencies=[Depends(recorded)])
    async def create_thing(thing: Thing, caller: CallerDep) -> dict:
        calls.append("handler")
        return {"name": thing.name, "by": caller.user_id}

    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    check_policies_declared(app)
    return app


def client_as(app: FastAPI, who) -> httpx.AsyncClient:
    async def with_principal(scope, receive, send):
        if who is not None:
            scope.setdefault("state", {})["principal"] = who
        await app(scope, receive, send)

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=with_principal), base_url="http://test")


async def test_a_role_outside_the_policy_is_refused_before_the_body_or_any_dependency():
    calls: list[str] = []
    async with client_as(guarded_app(calls), principal(Role.ENHET)) as client:
        refused = await client.post("/things", content=b"not json", headers={"content-type": "application/json"})
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("role-not-allowed")
    assert "fullmaktige" in refused.json()["detail"]
    assert calls == []


async def test_a_call_without_a_caller_identity_is_refused():
    calls: list[str] = []
    async with client_as(guarded_app(calls), None) as client:
        refused = await client.post("/things", json={"name": "x"})
    assert refused.status_code == 403
    assert calls == []


async def test_a_role_inside_the_policy_reaches_the_handler_as_the_caller():
    calls: list[str] = []
    who = principal(Role.FULLMAKTIGE)
    async with client_as(guarded_app(calls), who) as client:
        created = await client.post("/things", json={"name": "x"})
    assert created.status_code == 200
    assert created.json() == {"name": "x", "by": who.user_id}
    assert calls == ["dependency", "handler"]


async def test_only_an_operation_open_without_a_role_admits_a_user_who_holds_none():
    router = APIRouter(route_class=PolicyRoute)

    @router.get("/whoami", openapi_extra=allow_without_role())
    async def whoami(caller: CallerDep) -> dict:
        return {"id": caller.user_id}

    @router.get("/things", openapi_extra=allow_any_signed_in())
    async def things() -> list:
        return []

    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    check_policies_declared(app)
    nobody = Principal("u-new", "Ny Användare", ())
    async with client_as(app, nobody) as client:
        assert (await client.get("/whoami")).json() == {"id": "u-new"}
        assert (await client.get("/things")).status_code == 403
