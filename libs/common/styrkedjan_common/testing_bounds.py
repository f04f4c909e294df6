"""Test support: every integer a client sends in a query or a path is bounded by its domain, and
every list's page size by MAX_LIMIT. Read from an app's own OpenAPI document, so an operation added
later is checked without being listed here.

Bind it in a service's suite: `TestBoundedInputs = bounded_inputs_contract()`; it uses the suite's
`app`, `client` and `as_role` fixtures.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

from styrkedjan_common.http import MAX_LIMIT
from styrkedjan_common.identity import Role

PROBLEM = "application/problem+json"
# Past the 64-bit integers both databases store: what reached the database and gave 500 before.
BEYOND_INT64 = (2**63, -(2**63) - 1, 10**30)
WRITING = ("post", "put", "patch", "delete")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _branches(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(spec, schema)
    return [_resolve(spec, s) for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]


def integer_schema(spec: dict[str, Any], parameter: dict[str, Any]) -> dict[str, Any] | None:
    """The integer branch of a parameter's schema, or None when it takes no integer."""
    return next((s for s in _branches(spec, parameter.get("schema", {})) if s.get("type") == "integer"), None)


def _sample(spec: dict[str, Any], schema: dict[str, Any]) -> str:
    """A valid value for a parameter that is not the one under test."""
    branch = _branches(spec, schema)[0] if _branches(spec, schema) else {}
    if "enum" in branch:
        return str(branch["enum"][0])
    if branch.get("type") == "integer":
        return str(branch.get("minimum", 1))
    if branch.get("type") == "boolean":
        return "true"
    return {"uuid": str(uuid.uuid4()), "date": "2027-01-01", "date-time": "2027-01-01T00:00:00Z"}.get(branch.get("format", ""), "x")


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method in ("get", *WRITING):
                yield path, method, operation


def request_for(spec: dict[str, Any], path: str, operation: dict[str, Any], name: str, value: Any) -> tuple[str, dict[str, str]]:
    """The URL and query of a call with `name` = `value` and every other required parameter valid."""
    query: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        given = str(value) if parameter["name"] == name else None
        if given is None and not parameter.get("required"):
            continue
        given = given if given is not None else _sample(spec, parameter.get("schema", {}))
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", given)
        elif parameter["in"] == "query":
            query[parameter["name"]] = given
    return path, query


def bounded_inputs_contract(*, identifiers: frozenset[tuple[str, str]] = frozenset()) -> type:
    """`identifiers`: (path, parameter) pairs whose integer names one of a fixed set of records
    rather than a quantity (e.g. a global goal's number): a number outside it is a 404."""

    async def call(client: Any, as_role: Callable[..., dict[str, str]], spec: dict[str, Any], target: tuple[Any, ...], value: Any) -> Any:
        path, method, operation, parameter = target
        url, query = request_for(spec, path, operation, parameter["name"], value)
        headers = as_role(Role(operation["x-roles"][0]))
        body: dict[str, Any] = {"json": {}} if method in ("post", "put", "patch") else {}
        return await client.request(method.upper(), url, params=query, headers=headers, **body)

    def integer_parameters(spec: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (path, method, operation, parameter)
            for path, method, operation in operations(spec)
            for parameter in operation.get("parameters", [])
            if parameter["in"] in ("query", "path") and integer_schema(spec, parameter) is not None
        ]

    class BoundedInputs:
        def test_every_integer_parameter_declares_its_domain(self, app: Any) -> None:
            spec = app.openapi()
            unbounded = [
                (method.upper(), path, parameter["name"])
                for path, method, _, parameter in integer_parameters(spec)
                if (path, parameter["name"]) not in identifiers and not {"minimum", "maximum"} <= integer_schema(spec, parameter).keys()  # type: ignore[union-attr]
            ]
            assert not unbounded, f"integer parameters without a minimum and a maximum: {unbounded}"

        async def test_an_integer_outside_its_domain_is_a_422_naming_the_parameter(self, app: Any, client: Any, as_role: Any) -> None:
            spec = app.openapi()
            targets = integer_parameters(spec)
            assert targets
            failures: list[tuple[Any, ...]] = []
            for target in targets:
                path, method, _, parameter = target
                bounds = integer_schema(spec, parameter) or {}
                inside = [bounds[k] + step for k, step in (("maximum", 1), ("minimum", -1)) if k in bounds]
                for value in (*inside, *BEYOND_INT64):
                    response = await call(client, as_role, spec, target, value)
                    where = f"#/{parameter['in']}/{parameter['name']}"
                    if (path, parameter["name"]) in identifiers:
                        if response.status_code != 404:
                            failures.append((method.upper(), path, parameter["name"], value, response.status_code))
                        continue
                    named = response.status_code == 422 and where in {e["pointer"] for e in response.json().get("errors", [])}
                    if not named or response.headers["content-type"] != PROBLEM:
                        failures.append((method.upper(), path, parameter["name"], value, response.status_code, response.text[:200]))
            assert not failures, failures

        async def test_every_list_caps_its_page_size(self, app: Any, client: Any, as_role: Any) -> None:
            spec = app.openapi()
            lists = [
                (path, method, operation, parameter)
                for path, method, operation in operations(spec)
                if method == "get"
                for parameter in operation.get("parameters", [])
                if parameter["name"] == "limit" and parameter["in"] == "query"
            ]
            assert lists
            failures = []
            for target in lists:
                path, _, _, parameter = target
                if (integer_schema(spec, parameter) or {}).get("maximum") != MAX_LIMIT:
                    failures.append((path, "declares no maximum of", MAX_LIMIT))
                response = await call(client, as_role, spec, target, MAX_LIMIT + 1)
                if response.status_code != 422 or [e["pointer"] for e in response.json()["errors"]] != ["#/query/limit"]:
                    failures.append((path, response.status_code, response.text[:200]))
            assert not failures, failures

    return BoundedInputs
