"""The merged OpenAPI document declares what the API really does: the headers a request must send
and an answer carries, and what the gateway answers itself when a service fails it.

Frontend teams and integrators generate clients from /openapi.json and read it to know which
headers to send and to read: a header the document leaves out is one they find only by failing.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import System

SERVICE_PATHS = ("/api/goals/", "/api/budget/", "/api/followup/", "/api/internal-control/")
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in document["paths"].items() for method, op in item.items() if method in HTTP_METHODS]


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    section, name = ref.removeprefix("#/components/").split("/")
    resolved: dict[str, Any] = document["components"][section][name]
    return resolved


def _operation(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][path][method]
    return operation


def _if_match(document: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    parameters = [_resolve(document, p) for p in operation.get("parameters", [])]
    return [p for p in parameters if p["in"] == "header" and p["name"] == "If-Match"]


def test_every_operation_that_answers_428_requires_if_match(openapi: dict[str, Any]) -> None:
    conditional = [(path, method, op) for path, method, op in operations(openapi) if "428" in op["responses"]]
    assert len(conditional) > 90
    missing = [f"{method.upper()} {path}" for path, method, op in conditional if [p["required"] for p in _if_match(openapi, op)] != [True]]
    assert missing == []
    parameter = _if_match(openapi, _operation(openapi, "/api/goals/v1/visions/{vision_id}", "patch"))[0]
    assert "the ETag you last read" in parameter["description"]
    # A read or a creation takes no If-Match.
    assert _if_match(openapi, _operation(openapi, "/api/goals/v1/visions/{vision_id}", "get")) == []
    assert _if_match(openapi, _operation(openapi, "/api/goals/v1/visions", "post")) == []


def _headers(document: dict[str, Any], path: str, method: str, status: str) -> set[str]:
    return set(_operation(document, path, method)["responses"][status].get("headers", {}))


def test_every_answer_declares_its_request_id(openapi: dict[str, Any]) -> None:
    without = [
        f"{method.upper()} {path} {status}"
        for path, method, op in operations(openapi)
        for status, response in op["responses"].items()
        if "X-Request-ID" not in response.get("headers", {})
    ]
    assert without == []


def test_a_records_answers_declare_its_etag_and_a_creation_its_location(openapi: dict[str, Any]) -> None:
    vision = "/api/goals/v1/visions/{vision_id}"
    assert "ETag" in _headers(openapi, vision, "get", "200")
    assert "ETag" in _headers(openapi, vision, "patch", "200")
    assert "ETag" in _headers(openapi, vision + "/decision", "post", "200")
    assert {"ETag", "Location"} <= _headers(openapi, "/api/goals/v1/visions", "post", "201")
    assert {"ETag", "Location"} <= _headers(openapi, "/api/directory/v1/users", "post", "201")
    # A deletion answers no body and no version; a failure none either.
    assert "ETag" not in _headers(openapi, vision, "delete", "204")
    assert "ETag" not in _headers(openapi, vision, "patch", "412")
    # A list is tagged by its body, for If-None-Match.
    assert "ETag" in _headers(openapi, "/api/goals/v1/visions", "get", "200")
    for path, method, op in operations(openapi):
        if "428" in op["responses"]:
            bodies = [status for status in op["responses"] if status.startswith("2") and status != "204"]
            assert all("ETag" in _headers(openapi, path, method, status) for status in bodies), f"{method} {path}"


def test_the_declared_etag_is_sent_and_if_match_required(system: System) -> None:
    with system.client("admin.demo") as http:
        users = http.get("/api/directory/v1/users", params={"limit": 1})
        assert users.status_code == 200, users.text
        path = f"/api/directory/v1/users/{users.json()['items'][0]['id']}"
        read = http.get(path)
        assert read.status_code == 200 and read.headers["ETag"] and read.headers["X-Request-ID"]
        refused = http.patch(path, json={"display_name": "Utan version"})
        assert refused.status_code == 428, refused.text


def test_every_proxied_operation_declares_the_gateways_own_failures(openapi: dict[str, Any]) -> None:
    proxied = [(path, method, op) for path, method, op in operations(openapi) if path.startswith(SERVICE_PATHS)]
    assert len(proxied) > 250
    missing = [f"{method.upper()} {path}" for path, method, op in proxied if not {"502", "503", "504"} <= set(op["responses"])]
    assert missing == []
    unavailable = _operation(openapi, "/api/goals/v1/visions", "get")["responses"]["503"]
    assert {"Retry-After", "X-Request-ID"} <= set(unavailable["headers"])
    assert set(unavailable["content"]) == {"application/problem+json"}
    # The gateway's own operations are answered by the gateway, not passed on.
    own = [
        f"{method.upper()} {path}"
        for path, method, op in operations(openapi)
        if not path.startswith(SERVICE_PATHS) and "502" in op["responses"]
    ]
    assert own == []


def _schema_nodes(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_schema_nodes(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_schema_nodes(item))
    return found


def test_money_is_declared_as_the_decimal_string_it_is(openapi: dict[str, Any], kf: Any) -> None:
    schemas = openapi["components"]["schemas"]
    # pydantic's ge/gt are no JSON Schema keywords: validators and linters stumble on them.
    leaked = [node for node in _schema_nodes(schemas) if {"ge", "gt", "le", "lt"} & set(node) and "properties" not in node]
    assert leaked == []
    amount = schemas["BudgetReallocationCreate"]["properties"]["amount"]
    assert (amount["type"], "anyOf" in amount) == ("string", False)
    assert amount["description"].endswith("More than 0")
    frame = schemas["BudgetFrameInput"]["properties"]["amount"]
    assert frame["pattern"] == r"^\d{1,16}(\.\d{1,2})?$"  # at least 0: no sign
    result = schemas["BudgetBalanceStatementPut"]["properties"]["result"]
    assert result["pattern"] == r"^-?\d{1,16}(\.\d{1,2})?$"
    efficiency = schemas["BudgetModelRunCreate"]["properties"]["efficiency_pct"]
    assert (efficiency["type"], efficiency["pattern"]) == ("string", r"^\d+(\.\d{1,4})?$")
    assert "at most 100" in efficiency["description"]
    # As declared: a number is refused where a string is taken.
    statement = {"result": 100, "tax_and_grants": "600000000.00", "equity_including_pension_liability": "250000000.00"}
    refused = kf.put("/api/budget/v1/balance-statements/2027", json=statement)
    assert refused.status_code == 422, refused.text
    assert [error["pointer"] for error in refused.json()["errors"]] == ["#/result"]


def test_every_csv_import_declares_its_columns_and_an_example(openapi: dict[str, Any]) -> None:
    imports = {path: op for path, method, op in operations(openapi) if "text/csv" in op.get("requestBody", {}).get("content", {})}
    assert set(imports) == {
        "/api/budget/v1/population-forecasts/imports",
        "/api/budget/v1/tax-forecasts/imports",
        "/api/budget/v1/price-indices/imports",
        "/api/budget/v1/actuals/imports",
        "/api/goals/v1/stratsys/kpidata",
        "/api/goals/v1/stratsys/structure",
    }
    columns = {
        "/api/budget/v1/population-forecasts/imports": "publication_date, source, year, age_from, age_to (optional), count",
        "/api/budget/v1/tax-forecasts/imports": "publication_date, source, year, kind, amount",
        "/api/budget/v1/price-indices/imports": "index_name (optional), publication_date, year, pct_change, component (optional)",
        "/api/budget/v1/actuals/imports": "year, month, cost_center, account, amount",
        "/api/goals/v1/stratsys/kpidata": "date, unit_code, kpi_code, column_code, value",
        "/api/goals/v1/stratsys/structure": (
            "scorecard, column, column_index, node_type, node_code, node_name, parent_code, unit_code, unit_name, perspective, "
            "status, comment, period, start_date, end_date, responsible"
        ),
    }
    for path, op in imports.items():
        body = op["requestBody"]
        csv = body["content"]["text/csv"]
        assert csv["schema"] == {"type": "string"}, path
        assert columns[path] in body["description"], path
        header = csv["example"].splitlines()[0].replace(";", ",").split(",")  # Stratsys's files use ';'
        assert [name.removesuffix(" (optional)") for name in columns[path].split(", ")] == header, path


def test_the_development_token_endpoint_is_declared_where_it_is_on(openapi: dict[str, Any], system: System) -> None:
    operation = _operation(openapi, "/api/auth/dev-token", "post")
    assert (operation["operationId"], operation["security"]) == ("auth-mint-dev-token", [])
    example = operation["requestBody"]["content"]["application/json"]["example"]
    with system.client() as http:
        minted = http.post("/api/auth/dev-token", json=example)
    assert minted.status_code == 200
    assert set(minted.json()) == set(openapi["components"]["schemas"]["DevToken"]["required"])
