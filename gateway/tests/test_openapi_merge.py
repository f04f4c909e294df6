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
    assert schemas["Problem"] == PROBLEM | {"title": "Problem"}
    assert not {"GoalsProblem", "BudgetProblem", "GoalsInvalidParam"} & set(schemas)


def test_a_schema_that_differs_from_the_gateways_is_prefixed_and_referred_to_by_its_new_name():
    other_problem = {"type": "object", "properties": {"code": {"type": "string"}}}
    merged = openapi.merge(GATEWAY, {"budget": service("budget", problem=other_problem)})
    assert merged["components"]["schemas"]["BudgetProblem"] == other_problem | {"title": "BudgetProblem"}
    assert merged["components"]["schemas"]["Problem"] == PROBLEM | {"title": "Problem"}
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


def titled(title, **definition):
    return {"title": title, **definition}


def document(schemas, paths=None):
    return {"openapi": "3.1.0", "paths": paths or {}, "components": {"schemas": schemas}}


def names(merged):
    return set(merged["components"]["schemas"])


def test_every_schema_is_titled_with_its_name():
    merged = openapi.merge(GATEWAY, {"goals": service("goals")})
    assert all(schema["title"] == name for name, schema in merged["components"]["schemas"].items())


def test_a_generic_page_is_named_after_what_it_pages():
    page = titled("Page[VisionRead]", type="object", properties={"items": {"type": "array", "items": ref("VisionRead")}})
    goals = document({"Page_VisionRead_": page, "VisionRead": titled("VisionRead", type="object")})
    gateway = document({"Page_OrgUnitRead_": titled("Page[OrgUnitRead]", type="object")})
    merged = openapi.merge(gateway, {"goals": goals})
    assert names(merged) == {"OrgUnitReadPage", "GoalsVisionReadPage", "GoalsVisionRead"}
    assert merged["components"]["schemas"]["GoalsVisionReadPage"]["properties"]["items"]["items"] == ref("GoalsVisionRead")


def test_a_generic_of_several_arguments_names_them_in_order():
    pair = titled("Pair[Page[Goal], int]", type="object")
    assert names(openapi.merge(document({"Pair_Page_Goal___int_": pair}), {})) == {"GoalPageIntPair"}


def test_models_of_one_name_in_two_modules_are_named_after_their_modules():
    gateway = document(
        {
            "gateway__directory__models__PrincipalKind": titled("PrincipalKind", enum=["person", "client"]),
            "styrkedjan_common__identity__PrincipalKind": titled("PrincipalKind", enum=["person", "client", "service"]),
        }
    )
    budget = document({"budget_service__actuals__schemas__Occasion": titled("Occasion", enum=["MONTH"])})
    assert names(openapi.merge(gateway, {"budget": budget})) == {
        "DirectoryPrincipalKind",
        "IdentityPrincipalKind",
        "BudgetActualsOccasion",
    }


def test_a_model_with_a_request_and_a_response_form_keeps_the_form_in_its_name():
    goals = document({"Thresholds-Input": titled("Thresholds", type="object"), "Thresholds-Output": titled("Thresholds", type="object")})
    assert names(openapi.merge(document({}), {"goals": goals})) == {"GoalsThresholdsInput", "GoalsThresholdsOutput"}


def test_a_service_schema_identical_to_one_of_the_gateways_is_shared_under_the_gateways_name():
    kind = titled("PrincipalKind", enum=["person", "client", "service"])
    gateway = document(
        {
            "gateway__directory__models__PrincipalKind": titled("PrincipalKind", enum=["person", "client"]),
            "styrkedjan_common__identity__PrincipalKind": kind,
        }
    )
    goals = document(
        {"PrincipalKind": kind, "AuditEventRead": titled("AuditEventRead", type="object", properties={"kind": ref("PrincipalKind")})}
    )
    merged = openapi.merge(gateway, {"goals": goals})
    assert names(merged) == {"DirectoryPrincipalKind", "IdentityPrincipalKind", "GoalsAuditEventRead"}
    assert merged["components"]["schemas"]["GoalsAuditEventRead"]["properties"]["kind"] == ref("IdentityPrincipalKind")


def test_a_schema_referring_to_one_not_shared_is_not_shared_either():
    """The same text can mean another schema: its reference names the service's own Decision."""
    vision = titled("VisionRead", type="object", properties={"decision": ref("Decision")})
    gateway = document({"VisionRead": vision, "Decision": titled("Decision", type="object")})
    goals = document({"VisionRead": vision, "Decision": titled("Decision", type="object", properties={"body": {"type": "string"}})})
    merged = openapi.merge(gateway, {"goals": goals})
    assert {"GoalsVisionRead", "GoalsDecision"} <= names(merged)
    assert merged["components"]["schemas"]["GoalsVisionRead"]["properties"]["decision"] == ref("GoalsDecision")


def test_two_schemas_given_one_name_are_refused():
    gateway = document({"Page_VisionRead_": titled("Page[VisionRead]", type="object"), "VisionReadPage": titled("VisionReadPage")})
    with pytest.raises(ValueError, match="VisionReadPage"):
        openapi.merge(gateway, {})
    with pytest.raises(ValueError, match="GoalsVisionRead"):
        openapi.merge(document({"GoalsVisionRead": titled("GoalsVisionRead")}), {"goals": document({"VisionRead": titled("VisionRead")})})


def test_an_inline_model_whose_title_other_content_carries_loses_the_title():
    """Generators then name each by its place (GoalsGoalCreateExternalCodes); a title of its own
    stays where nothing else carries it."""
    codes = {"type": "object", "additionalProperties": {"type": "string"}}
    goals = document(
        {
            "GoalCreate": titled("GoalCreate", type="object", properties={"external_codes": titled("External Codes", **codes)}),
            "GoalRead": titled(
                "GoalRead",
                type="object",
                properties={
                    "external_codes": titled("External Codes", **codes, maxProperties=20),
                    "status": titled("Status", enum=["DRAFT", "DECIDED"]),
                },
            ),
        }
    )
    schemas = openapi.merge(document({}), {"goals": goals})["components"]["schemas"]
    assert "title" not in schemas["GoalsGoalCreate"]["properties"]["external_codes"]
    assert "title" not in schemas["GoalsGoalRead"]["properties"]["external_codes"]
    assert schemas["GoalsGoalRead"]["properties"]["status"]["title"] == "Status"


def test_an_inline_title_clashing_with_a_schema_name_is_removed_and_examples_are_left_alone():
    example = {"title": "Status", "type": "object"}  # data that looks like a schema
    goals = document(
        {
            "Status": titled("Status", enum=["DRAFT"]),
            "Report": titled("Report", type="object", properties={"state": titled("GoalsStatus", enum=["LATE"])}, examples=[example]),
        }
    )
    report = openapi.merge(document({}), {"goals": goals})["components"]["schemas"]["GoalsReport"]
    assert "title" not in report["properties"]["state"]
    assert report["examples"] == [example]


def test_names_do_not_depend_on_which_services_are_up():
    alone = openapi.merge(GATEWAY, {"goals": service("goals")})
    together = openapi.merge(GATEWAY, {"budget": service("budget", tag="frame"), "goals": service("goals")})
    assert {name: schema for name, schema in together["components"]["schemas"].items() if name in names(alone)} == alone["components"][
        "schemas"
    ]
