"""One OpenAPI document for the gateway and every service, with collision-free names."""

import copy

import pytest

from gateway import openapi

PROBLEM = {"type": "object", "properties": {"status": {"type": "integer"}, "errors": {"$ref": "#/components/schemas/InvalidParam"}}}
INVALID_PARAM = {"type": "object", "properties": {"pointer": {"type": "string"}}}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def responses(ok, problem="Problem"):
    return {
        "200": {"content": {"application/json": {"schema": ok}}},
        "404": {"content": {"application/problem+json": {"schema": ref(problem)}}},
    }


GATEWAY = {
    "openapi": "3.1.0",
    "info": {"title": "Styrkedjan gateway", "version": "1.0.0"},
    "paths": {"/api/me": {"get": {"operationId": "me-get-me", "tags": ["me"], "responses": responses(ref("Me"))}}},
    "components": {"schemas": {"Me": {"type": "object"}, "Problem": PROBLEM, "InvalidParam": INVALID_PARAM}},
    "tags": [{"name": "me"}],
}


def service(prefix, *, problem=PROBLEM, tag="vision"):
    """A service's document; its operation ids are its own, as each service's tags make them."""
    return {
        "openapi": "3.1.0",
        "paths": {
            f"/api/{prefix}/v1/visions/current": {
                "get": {"operationId": f"{tag}-get-current-vision", "tags": [tag], "responses": responses(ref("VisionRead"))},
                "parameters": [],
            },
            f"/api/{prefix}/v1/audit-events": {
                "get": {
                    "operationId": f"{prefix}-audit-list-audit-events",
                    "tags": [f"{prefix}-audit"],
                    "responses": responses({"type": "array", "items": ref("AuditEventRead")}),
                }
            },
        },
        "components": {
            "schemas": {
                "VisionRead": {
                    "type": "object",
                    "properties": {
                        "core_values": {"type": "array", "items": ref("CoreValue")},
                        "decision": {"anyOf": [ref("Decision"), {"type": "null"}]},
                    },
                },
                "CoreValue": {"type": "object"},
                "Decision": {"type": "object"},
                "AuditEventRead": {"type": "object"},
                "Problem": problem,
                "InvalidParam": INVALID_PARAM,
            }
        },
        "tags": [{"name": tag}, {"name": f"{prefix}-audit"}],
    }


def refs_in(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_in(item)


def test_service_schemas_are_prefixed_with_the_service_name():
    merged = openapi.merge(GATEWAY, {"goals": service("goals"), "internal-control": service("internal-control", tag="risk")})
    schemas = merged["components"]["schemas"]
    assert {"GoalsVisionRead", "GoalsCoreValue", "InternalControlVisionRead", "InternalControlDecision"} <= set(schemas)
    assert "VisionRead" not in schemas and "Me" in schemas


def test_schemas_identical_to_the_gateways_are_shared_under_their_own_name():
    schemas = openapi.merge(GATEWAY, {"goals": service("goals"), "budget": service("budget", tag="frame")})["components"]["schemas"]
    assert schemas["Problem"] == PROBLEM
    assert not {"GoalsProblem", "BudgetProblem", "GoalsInvalidParam"} & set(schemas)


def test_a_schema_that_differs_from_the_gateways_is_prefixed_and_referred_to_by_its_new_name():
    other_problem = {"type": "object", "properties": {"code": {"type": "string"}}}
    merged = openapi.merge(GATEWAY, {"budget": service("budget", problem=other_problem)})
    assert merged["components"]["schemas"]["BudgetProblem"] == other_problem
    assert merged["components"]["schemas"]["Problem"] == PROBLEM
    not_found = merged["paths"]["/api/budget/v1/visions/current"]["get"]["responses"]["404"]
    assert not_found["content"]["application/problem+json"]["schema"] == ref("BudgetProblem")


def test_every_reference_points_at_a_schema_in_the_merged_document():
    merged = openapi.merge(GATEWAY, {"goals": service("goals"), "budget": service("budget", tag="frame")})
    schemas = merged["components"]["schemas"]
    refs = set(refs_in(merged))
    assert {
        "#/components/schemas/GoalsCoreValue",
        "#/components/schemas/BudgetDecision",
        "#/components/schemas/GoalsAuditEventRead",
    } <= refs
    assert all(r.removeprefix("#/components/schemas/") in schemas for r in refs)


def test_references_nested_in_lists_and_combinators_are_rewritten():
    vision = openapi.merge(GATEWAY, {"goals": service("goals")})["components"]["schemas"]["GoalsVisionRead"]
    assert vision["properties"]["core_values"]["items"] == ref("GoalsCoreValue")
    assert vision["properties"]["decision"]["anyOf"][0] == ref("GoalsDecision")


def test_operation_ids_are_kept_as_each_service_declares_them():
    """Client generators name methods after them: they must not depend on which services are up."""
    alone = openapi.merge(GATEWAY, {"goals": service("goals", tag="vision")})
    together = openapi.merge(GATEWAY, {"budget": service("budget", tag="frame"), "goals": service("goals", tag="vision")})
    for merged in (alone, together):
        assert merged["paths"]["/api/goals/v1/visions/current"]["get"]["operationId"] == "vision-get-current-vision"
        assert merged["paths"]["/api/goals/v1/audit-events"]["get"]["operationId"] == "goals-audit-list-audit-events"


def test_an_operation_id_used_twice_is_refused():
    with pytest.raises(ValueError, match="vision-get-current-vision"):
        openapi.merge(GATEWAY, {"goals": service("goals", tag="vision"), "budget": service("budget", tag="vision")})
    with pytest.raises(ValueError, match="me-get-me"):
        openapi.merge(GATEWAY, {"goals": {"paths": {"/api/goals/v1/me": {"get": {"operationId": "me-get-me"}}}}})


def test_a_path_defined_twice_is_refused():
    with pytest.raises(ValueError, match="/api/me"):
        openapi.merge(GATEWAY, {"goals": service("goals") | {"paths": {"/api/me": {"get": {"operationId": "x"}}}}})
    with pytest.raises(ValueError, match="/api/goals/v1/visions/current"):
        openapi.merge(
            GATEWAY, {"goals": service("goals"), "zz": {"paths": {"/api/goals/v1/visions/current": {"get": {"operationId": "zz-current"}}}}}
        )


def test_tags_are_merged_once_each():
    merged = openapi.merge(GATEWAY, {"goals": service("goals"), "budget": service("budget", tag="frame")})
    assert [tag["name"] for tag in merged["tags"]] == ["me", "frame", "budget-audit", "vision", "goals-audit"]


def test_the_document_declares_bearer_authentication_and_its_own_title():
    merged = openapi.merge(GATEWAY, {})
    assert merged["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert merged["security"] == [{"bearer": []}]
    assert merged["info"]["title"] == "Styrkedjan API" and merged["info"]["version"] == "1.0.0"
    assert merged["paths"] == GATEWAY["paths"]


def test_the_inputs_are_left_unchanged():
    gateway_doc, goals = copy.deepcopy(GATEWAY), service("goals")
    openapi.merge(gateway_doc, {"goals": goals})
    assert gateway_doc == GATEWAY and goals == service("goals")
