"""The route table the gateway builds from each service's OpenAPI document and its `x-roles`."""

import pytest

from gateway.policy import RouteTable
from styrkedjan_common.identity import Assignment, Principal, Role


def op(operation_id, *roles):
    return {"operationId": operation_id, **({"x-roles": [r.value for r in roles]} if roles else {})}


TABLE = RouteTable(
    {
        "paths": {
            "/api/goals/v1/visions": {
                "get": op("vision-list", *Role),
                "post": op("vision-create", Role.FULLMAKTIGE),
                "parameters": [{"name": "x", "in": "query"}],  # path-level fields are not operations
                "summary": "Visions",
            },
            "/api/goals/v1/visions/current": {"get": op("vision-current", *Role)},
            "/api/goals/v1/visions/{vision_id}": {"get": op("vision-get", *Role), "patch": op("vision-update", Role.FULLMAKTIGE)},
            "/api/goals/v1/visions/{vision_id}/decision": {"post": op("vision-decide", Role.FULLMAKTIGE)},
            "/api/goals/v1/goals/{goal_id}/links": {"get": op("goal-links", Role.REVISOR)},
            "/api/goals/v1/goals/archived/summary": {"get": op("archived-summary", Role.REVISOR)},
            "/api/goals/v1/unguarded": {"get": op("unguarded")},
        }
    }
)


def template(path, method="GET"):
    return TABLE.match(path)[method].template


def test_a_literal_segment_beats_a_parameter():
    assert template("/api/goals/v1/visions/current") == "/api/goals/v1/visions/current"
    assert template("/api/goals/v1/visions/7b0d") == "/api/goals/v1/visions/{vision_id}"


def test_a_literal_that_leads_nowhere_falls_back_to_the_parameter():
    assert template("/api/goals/v1/goals/archived/links") == "/api/goals/v1/goals/{goal_id}/links"
    assert template("/api/goals/v1/goals/archived/summary") == "/api/goals/v1/goals/archived/summary"


def test_a_path_maps_each_method_to_its_operation():
    operations = TABLE.match("/api/goals/v1/visions")
    assert set(operations) == {"GET", "POST"}
    assert operations["POST"].operation_id == "vision-create"
    assert operations["POST"].method == "POST"
    assert operations["POST"].roles == frozenset({Role.FULLMAKTIGE})
    assert operations["GET"].roles == frozenset(Role)


def test_the_template_is_kept_for_metrics_and_logs():
    assert TABLE.match("/api/goals/v1/visions/42/decision")["POST"].template == "/api/goals/v1/visions/{vision_id}/decision"


@pytest.mark.parametrize(
    "path",
    [
        "/api/goals/v1/nothing",
        "/api/goals/v1",
        "/api/goals/v1/visions/42/decision/extra",
        "/api/goals/v1/visions//decision",
        "/api/budget/v1/visions",
        "/",
    ],
    ids=["unknown", "prefix-only", "too-long", "empty-parameter", "other-service", "root"],
)
def test_an_unknown_path_has_no_operations(path):
    assert TABLE.match(path) is None


def test_an_operation_without_roles_is_in_the_table_with_none():
    """The proxy refuses it; it must not be mistaken for an unknown path (404) or an open one."""
    assert TABLE.match("/api/goals/v1/unguarded")["GET"].roles == frozenset()


def test_an_unknown_role_in_a_document_is_refused():
    with pytest.raises(ValueError):
        RouteTable({"paths": {"/x": {"get": op("x") | {"x-roles": ["mayor"]}}}})


def test_an_empty_document_matches_nothing():
    assert RouteTable({}).match("/api/goals/v1/visions") is None


def test_an_operation_open_without_a_role_admits_only_a_user_with_no_assignment_beyond_its_roles():
    table = RouteTable({"paths": {"/api/goals/v1/whoami": {"get": op("whoami", Role.ADMIN) | {"x-allow-without-role": True}}}})
    operation = table.match("/api/goals/v1/whoami")["GET"]
    unassigned = Principal("u1", "Ny Användare", ())
    namnd = Principal("u2", "Nämndsekreterare", (Assignment(Role.NAMND, "bun", None),))
    assert operation.allows(unassigned)
    assert not operation.allows(namnd)  # a role holder is judged by the roles
    assert not TABLE.match("/api/goals/v1/visions")["GET"].allows(unassigned)
