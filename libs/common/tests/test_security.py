"""Role policy inside a service: declared per operation, deny by default."""

import pytest
from fastapi import APIRouter, FastAPI

from styrkedjan_common.identity import Role
from styrkedjan_common.security import POLICY_KEY, allow, allow_any_signed_in, check_policies_declared, declared_roles


async def endpoint() -> dict:
    return {}


def router_with(*routes: tuple[str, dict | None]) -> APIRouter:
    router = APIRouter(prefix="/things")
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
    app.add_api_route("/bare", endpoint, methods=["POST"])
    with pytest.raises(RuntimeError, match=r"\['POST'\] /bare"):
        check_policies_declared(app)


def test_operation_in_a_nested_router_lacking_x_roles_is_refused():
    outer = APIRouter(prefix="/outer")
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
    app.add_api_route("/c", endpoint, openapi_extra=allow(Role.ADMIN))
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
