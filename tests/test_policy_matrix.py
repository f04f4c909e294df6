"""The route policy, operation by operation and role by role, through the real gateway.

The merged OpenAPI document is the policy's single source: every operation declares its roles in
`x-roles`, and the gateway must let exactly those roles through. Probes use random UUIDs for path
parameters and an empty JSON object for bodies, so an allowed call ends in 404/422 (or a harmless
read) and the demo data is never changed.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from typing import Any

import httpx

from styrkedjan_common.identity import ALL_ROLES

ROLE_REFUSAL = "urn:styrkedjan:problem:role-not-allowed"
ROLE_REFUSAL_DETAIL = "this operation is allowed for the roles"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
SERVICE_PREFIXES = {
    "goals": "/api/goals/v1/",
    "budget": "/api/budget/v1/",
    "followup": "/api/followup/v1/",
    "internal-control": "/api/internal-control/v1/",
}
GATEWAY_PREFIXES = ("/api/me", "/api/directory/v1/")


def operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def guarded(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """The operations a token guards: all but those declared open to anyone (`security: []`, the
    development token endpoint where it is on)."""
    return [(method, path, operation) for method, path, operation in operations(openapi) if operation.get("security") != []]


def probe(http: httpx.Client, method: str, template: str, operation: dict[str, Any]) -> httpx.Response:
    path = re.sub(r"\{[^}/]+\}", lambda _: str(uuid.uuid4()), template)
    body = {"json": {}} if "requestBody" in operation else {}
    return http.request(method, path, **body)


def problem_type(response: httpx.Response) -> str | None:
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        return response.json().get("type")
    return None


def is_role_refusal(response: httpx.Response) -> bool:
    if response.status_code != 403:
        return False
    body = response.json() if response.headers.get("content-type", "").startswith("application/problem+json") else {}
    return body.get("type") == ROLE_REFUSAL or str(body.get("detail", "")).startswith(ROLE_REFUSAL_DETAIL)


def test_openapi_is_3_1_and_covers_the_gateway_and_all_four_services(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"].startswith("3.1")
    paths = list(openapi["paths"])
    for prefix in GATEWAY_PREFIXES:
        assert any(p.startswith(prefix) for p in paths), f"the gateway's own {prefix} is missing from the merged document"
    for service, prefix in SERVICE_PREFIXES.items():
        assert any(p.startswith(prefix) for p in paths), f"the {service} service's paths are missing from the merged document"
    assert all(p.startswith("/api/") for p in paths)


def test_every_operation_declares_its_callers_and_a_unique_operation_id(openapi: dict[str, Any]) -> None:
    known_roles = {r.value for r in ALL_ROLES}
    known_services = {"goals", "budget", "followup", "internal-control"}
    missing, unknown = [], []
    for method, path, operation in guarded(openapi):
        roles, services = operation.get("x-roles"), operation.get("x-services", [])
        if roles is None or not (roles or services):
            missing.append(f"{method} {path}")
        elif not set(roles) <= known_roles or not set(services) <= known_services:
            unknown.append(f"{method} {path}: {roles} {services}")
    assert not missing, f"operations that declare neither roles nor services: {missing}"
    assert not unknown, f"operations naming unknown roles or services: {unknown}"
    ids = Counter(operation.get("operationId") for _, _, operation in operations(openapi))
    assert None not in ids, "an operation has no operationId"
    assert not [i for i, n in ids.items() if n > 1], f"duplicate operationIds: {[i for i, n in ids.items() if n > 1]}"


def test_each_demo_user_holds_exactly_the_role_the_matrix_assumes(system: Any) -> None:
    for subject, role in system.demo_users.items():
        with system.client(subject) as http:
            me = http.get("/api/me")
        assert me.status_code == 200, me.text
        assert me.json()["subject"] == subject
        assert me.json()["roles"] == [role]


def test_every_operation_without_a_token_is_401(system: Any, openapi: dict[str, Any]) -> None:
    wrong = []
    with system.client() as http:
        for method, path, operation in guarded(openapi):
            response = probe(http, method, path, operation)
            if response.status_code != 401 or problem_type(response) != "urn:styrkedjan:problem:unauthenticated":
                wrong.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
    assert not wrong, "calls without a token that were not refused with 401:\n" + "\n".join(wrong)


def test_every_role_reaches_exactly_the_operations_its_x_roles_allow(system: Any, openapi: dict[str, Any]) -> None:
    violations: list[str] = []
    writes_that_succeeded: list[str] = []
    for subject, role in system.demo_users.items():
        with system.client(subject) as http:
            for method, path, operation in guarded(openapi):
                response = probe(http, method, path, operation)
                where = f"{role:>11} {method} {path}: {response.status_code} {response.text[:200]}"
                if response.status_code >= 400 and problem_type(response) is None:
                    violations.append("an error that is not a problem document: " + where)
                if role in operation["x-roles"]:
                    if is_role_refusal(response) or response.status_code == 401:
                        violations.append("refused although allowed: " + where)
                    elif response.status_code >= 500:
                        violations.append("server error on a probe: " + where)
                    elif method != "GET" and response.is_success:
                        writes_that_succeeded.append(where)
                else:
                    # The gateway's own operations (me, directory) and the proxied ones refuse alike.
                    if response.status_code != 403 or problem_type(response) != ROLE_REFUSAL:
                        violations.append("not refused although outside x-roles: " + where)
    assert not violations, "\n".join(violations)
    # A probe must never change data; an operation that accepts `{}` needs a probe that fails validation.
    assert not writes_that_succeeded, "matrix probes changed data:\n" + "\n".join(writes_that_succeeded)
