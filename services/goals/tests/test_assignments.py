"""The assignment API: tilläggsuppdrag the council gives a board, public to everyone signed in,
reported on by the board and its administration at the follow-ups."""

import uuid

import pytest

from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, assertion_headers, org_unit, pointers

API = "/api/goals/v1"
ASSIGNMENTS = f"{API}/assignments"
AUDIT = f"{API}/audit-events"
BOARD = org_unit(OrgUnitType.BOARD)
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION)
OTHER_BOARD = org_unit(OrgUnitType.BOARD)
DECISION = {"body": "Kommunfullmäktige", "decision_date": "2026-06-15", "reference": "KF § 45/2026"}
ASSIGNMENT = {
    "board_org_unit_id": BOARD,
    "year": 2027,
    "title": "Utred samlokalisering av fritidsgårdarna",
    "text": "Nämnden får i uppdrag att utreda en samlokalisering och återrapportera i årsredovisningen.",
    "decision": DECISION,
    "external_codes": {"stratsys": "UPP-7"},
}
REPORT = {"occasion": "INTERIM", "status": "ONGOING", "text": "Utredningen pågår."}


@pytest.fixture
def council(as_role):
    return as_role(Role.FULLMAKTIGE)


@pytest.fixture
def board(as_role):
    return as_role(Role.NAMND, BOARD, [BOARD, ADMINISTRATION])


@pytest.fixture
def administration(as_role):
    """The administration serving the board: it prepares the board's matters, so the board is in its scope."""
    return as_role(Role.FORVALTNING, ADMINISTRATION, [BOARD, ADMINISTRATION])


@pytest.fixture
def nobody(keys):
    return assertion_headers(keys, "goals", Principal(user_id="nobody", name="Ingen roll", assignments=()))


async def create(client, headers, **changes):
    response = await client.post(ASSIGNMENTS, json=ASSIGNMENT | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def listed(client, as_role, **params):
    response = await client.get(ASSIGNMENTS, params=params, headers=as_role(Role.REVISOR))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def history(client, headers, assignment_id):
    response = await client.get(f"{ASSIGNMENTS}/{assignment_id}/reports", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def audit_events(client, as_role, **params):
    return (await client.get(AUDIT, params=params, headers=as_role(Role.REVISOR))).json()["items"]


# --- create -------------------------------------------------------------------------------


async def test_council_records_an_assignment_to_a_board(client, council, as_role):
    response = await client.post(ASSIGNMENTS, json=ASSIGNMENT, headers=council)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "NOT_STARTED" and body["decision"] == DECISION and body["external_codes"] == {"stratsys": "UPP-7"}
    assert (body["board_org_unit_id"], body["year"], body["title"]) == (BOARD, 2027, ASSIGNMENT["title"])
    assert body["created_by"] == "user-fullmaktige" and body["row_version"] == 1
    assert response.headers["etag"] == f'"{body["id"]}.1"' and response.headers["location"] == f"{ASSIGNMENTS}/{body['id']}"
    fetched = await client.get(response.headers["location"], headers=as_role(Role.ENHET, "unit", ["unit"]))
    assert fetched.json() == body and fetched.headers["etag"] == response.headers["etag"]


async def test_assignment_without_a_decision_is_accepted(client, council):
    response = await client.post(
        ASSIGNMENTS, json={k: v for k, v in ASSIGNMENT.items() if k != "decision"} | {"status": "ONGOING"}, headers=council
    )
    assert response.status_code == 201 and response.json()["decision"] is None and response.json()["status"] == "ONGOING"


@pytest.mark.parametrize("role", [Role.ENHET, Role.NAMND, Role.FORVALTNING, Role.REVISOR, Role.ADMIN])
async def test_only_the_council_creates_assignments(client, as_role, role):
    response = await client.post(ASSIGNMENTS, json=ASSIGNMENT, headers=as_role(role, BOARD, [BOARD]))
    assert_problem(response, 403, "allowed for the roles: fullmaktige", "role-not-allowed")
    assert await listed(client, as_role) == []


async def test_council_member_scoped_below_the_municipality_cannot_create(client, as_role):
    response = await client.post(ASSIGNMENTS, json=ASSIGNMENT, headers=as_role(Role.FULLMAKTIGE, BOARD, [BOARD]))
    assert_problem(response, 403, "assignments are given by fullmaktige with the whole municipality in scope", "forbidden")
    assert await listed(client, as_role) == []


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"status": "FINISHED"}, "#/status"),
        ({"status": "done"}, "#/status"),
        ({"year": 1999}, "#/year"),
        ({"title": ""}, "#/title"),
        ({"text": ""}, "#/text"),
        ({"decision": DECISION | {"reference": ""}}, "#/decision/reference"),
        ({"decision": {"body": "KF"}}, "#/decision/decision_date"),
        ({"board_org_unit_id": "nämnden"}, "#/board_org_unit_id"),
    ],
)
async def test_invalid_assignment_is_refused_with_a_pointer(client, council, as_role, changes, pointer):
    response = await client.post(ASSIGNMENTS, json=ASSIGNMENT | changes, headers=council)
    assert_problem(response, 422, type_="validation-failed")
    assert pointer in pointers(response)
    assert await listed(client, as_role) == []


async def test_empty_body_creates_no_assignment(client, council, as_role):
    assert_problem(await client.post(ASSIGNMENTS, json={}, headers=council), 422)
    assert await listed(client, as_role) == []


async def test_create_without_an_assertion_is_401(client):
    assert_problem(await client.post(ASSIGNMENTS, json=ASSIGNMENT), 401, type_="invalid-assertion")


# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
async def test_assignments_are_public_to_every_signed_in_role(client, council, as_role, role):
    created = (await create(client, council)).json()
    headers = as_role(role, "elsewhere", ["elsewhere"])
    assert [a["id"] for a in (await client.get(ASSIGNMENTS, headers=headers)).json()["items"]] == [created["id"]]
    assert (await client.get(f"{ASSIGNMENTS}/{created['id']}", headers=headers)).status_code == 200


async def test_assignments_are_filtered_and_paginated(client, council, as_role):
    b = (await create(client, council, title="B")).json()["id"]
    a = (await create(client, council, title="A", status="DONE")).json()["id"]
    later = (await create(client, council, title="A", year=2028)).json()["id"]
    other = (await create(client, council, title="C", board_org_unit_id=OTHER_BOARD)).json()["id"]
    assert await listed(client, as_role) == [a, b, other, later]
    assert await listed(client, as_role, board_org_unit_id=BOARD) == [a, b, later]
    assert await listed(client, as_role, year=2027, board_org_unit_id=BOARD) == [a, b]
    assert await listed(client, as_role, status="DONE") == [a]
    first = (await client.get(ASSIGNMENTS, params={"limit": 2}, headers=council)).json()
    rest = (await client.get(ASSIGNMENTS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=council)).json()
    assert [x["id"] for x in first["items"] + rest["items"]] == [a, b, other, later] and rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "pointer"),
    [({"status": "FINISHED"}, "#/query/status"), ({"year": "nästa"}, "#/query/year"), ({"cursor": "W10"}, "#/query/cursor")],
)
async def test_assignment_list_with_invalid_parameters_is_422(client, council, params, pointer):
    response = await client.get(ASSIGNMENTS, params=params, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


async def test_assignment_reads_need_an_assertion_and_a_role(client, council, nobody):
    url = f"{ASSIGNMENTS}/{(await create(client, council)).json()['id']}"
    for target in (ASSIGNMENTS, url, f"{url}/reports"):
        assert_problem(await client.get(target), 401)
        assert_problem(await client.get(target, headers=nobody), 403, type_="role-not-allowed")


async def test_assignment_get_of_an_unknown_or_malformed_id(client, council):
    unknown = uuid.uuid4()
    assert_problem(await client.get(f"{ASSIGNMENTS}/{unknown}", headers=council), 404, f"no assignment {unknown}", "not-found")
    response = await client.get(f"{ASSIGNMENTS}/uppdrag", headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/assignment_id"}


# --- update and delete --------------------------------------------------------------------


async def test_council_edits_an_assignment_with_if_match(client, council, board):
    created = await create(client, council)
    url = f"{ASSIGNMENTS}/{created.json()['id']}"
    new_decision = DECISION | {"reference": "KF § 46/2026"}
    response = await client.patch(
        url,
        json={"title": "Nytt uppdrag", "decision": new_decision, "status": "ONGOING"},
        headers=council | {"If-Match": created.headers["etag"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["title"], body["decision"], body["status"], body["row_version"]) == ("Nytt uppdrag", new_decision, "ONGOING", 2)
    assert response.headers["etag"] == f'"{body["id"]}.2"'
    assert (await client.get(url, headers=board)).json() == body


async def test_the_decision_can_be_cleared(client, council):
    created = await create(client, council)
    response = await client.patch(
        f"{ASSIGNMENTS}/{created.json()['id']}", json={"decision": None}, headers=council | {"If-Match": created.headers["etag"]}
    )
    assert response.status_code == 200 and response.json()["decision"] is None


async def test_update_that_changes_nothing_keeps_the_row_version(client, council, as_role):
    created = await create(client, council)
    response = await client.patch(
        f"{ASSIGNMENTS}/{created.json()['id']}",
        json={"decision": DECISION, "year": 2027},
        headers=council | {"If-Match": created.headers["etag"]},
    )
    assert response.status_code == 200 and response.headers["etag"] == created.headers["etag"]
    assert [e["action"] for e in await audit_events(client, as_role)] == ["CREATE"]


async def test_assignment_update_refusals_change_nothing(client, council, board, as_role):
    created = await create(client, council)
    url = f"{ASSIGNMENTS}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"title": "x"}, headers=council), 428)
    assert_problem(await client.patch(url, json={"title": "x"}, headers=council | {"If-Match": '"stale.0"'}), 412)
    assert_problem(await client.patch(url, json={"status": "HALFWAY"}, headers=council | {"If-Match": "*"}), 422)
    assert_problem(await client.patch(url, json={"title": None}, headers=council | {"If-Match": "*"}), 422, "cannot be cleared")
    assert_problem(await client.patch(url, json={"title": "x"}, headers=board | {"If-Match": "*"}), 403, type_="role-not-allowed")
    scoped_council = as_role(Role.FULLMAKTIGE, BOARD, [BOARD]) | {"If-Match": "*"}
    assert_problem(await client.patch(url, json={"title": "x"}, headers=scoped_council), 403, "whole municipality")
    assert_problem(await client.patch(url, json={"title": "x"}, headers={"If-Match": "*"}), 401)
    assert_problem(await client.patch(f"{ASSIGNMENTS}/{uuid.uuid4()}", json={"title": "x"}, headers=council | {"If-Match": "*"}), 404)
    assert (await client.get(url, headers=council)).json() == created.json()


async def test_deleting_an_assignment_removes_it_and_its_reports(client, council, board, as_role):
    created = await create(client, council)
    url = f"{ASSIGNMENTS}/{created.json()['id']}"
    await client.post(f"{url}/reports", json=REPORT, headers=board)
    current = await client.get(url, headers=council)
    response = await client.delete(url, headers=council | {"If-Match": current.headers["etag"]})
    assert response.status_code == 204
    assert_problem(await client.get(url, headers=council), 404)
    assert_problem(await client.get(f"{url}/reports", headers=council), 404)
    latest = (await audit_events(client, as_role))[0]
    assert latest["action"] == "DELETE" and latest["before"] == current.json()


async def test_deleting_an_assignment_refusals(client, council, board, as_role):
    created = await create(client, council)
    url = f"{ASSIGNMENTS}/{created.json()['id']}"
    assert_problem(await client.delete(url, headers=council), 428)
    assert_problem(await client.delete(url, headers=board | {"If-Match": "*"}), 403, type_="role-not-allowed")
    assert_problem(
        await client.delete(url, headers=as_role(Role.FULLMAKTIGE, BOARD, [BOARD]) | {"If-Match": "*"}), 403, "whole municipality"
    )
    assert_problem(await client.delete(url, headers={"If-Match": "*"}), 401)
    assert_problem(await client.delete(f"{ASSIGNMENTS}/{uuid.uuid4()}", headers=council | {"If-Match": "*"}), 404)
    assert_problem(await client.delete(f"{ASSIGNMENTS}/x", headers=council | {"If-Match": "*"}), 422)
    assert (await client.get(url, headers=council)).json() == created.json()


# --- reports --------------------------------------------------------------------------------


async def test_board_reports_and_the_assignment_takes_the_status(client, council, board, as_role):
    created = await create(client, council)
    url = f"{ASSIGNMENTS}/{created.json()['id']}"
    response = await client.post(f"{url}/reports", json=REPORT, headers=board)
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["assignment_id"], report["occasion"], report["status"], report["text"]) == (
        created.json()["id"],
        "INTERIM",
        "ONGOING",
        REPORT["text"],
    )
    assert report["reported_by"] == "user-namnd" and report["reported_at"]
    assignment = await client.get(url, headers=council)
    assert assignment.json()["status"] == "ONGOING" and assignment.json()["row_version"] == 2
    assert assignment.headers["etag"] == f'"{created.json()["id"]}.2"'
    assert assignment.json()["updated_by"] == "user-namnd"


async def test_a_report_keeping_the_status_still_bumps_the_row_version(client, council, administration):
    created = await create(client, council, status="ONGOING")
    url = f"{ASSIGNMENTS}/{created.json()['id']}"
    response = await client.post(f"{url}/reports", json=REPORT | {"occasion": "FORECAST"}, headers=administration)
    assert response.status_code == 201
    assert (await client.get(url, headers=council)).json()["row_version"] == 2


async def test_reporting_history_is_oldest_first_and_paginated(client, council, board, administration, as_role):
    created = await create(client, council)
    url = f"{ASSIGNMENTS}/{created.json()['id']}"
    sent = [
        (board, {"occasion": "FORECAST", "status": "ONGOING", "text": "Påbörjat."}),
        (administration, {"occasion": "INTERIM", "status": "ONGOING", "text": "Halvvägs."}),
        (council, {"occasion": "ANNUAL", "status": "DONE", "text": "Klart och redovisat."}),
    ]
    for headers, body in sent:
        assert (await client.post(f"{url}/reports", json=body, headers=headers)).status_code == 201
    reader = as_role(Role.ENHET, "unit", ["unit"])
    reports = await history(client, reader, created.json()["id"])
    assert [(r["occasion"], r["status"], r["reported_by"]) for r in reports] == [
        ("FORECAST", "ONGOING", "user-namnd"),
        ("INTERIM", "ONGOING", "user-forvaltning"),
        ("ANNUAL", "DONE", "user-fullmaktige"),
    ]
    first = (await client.get(f"{url}/reports", params={"limit": 2}, headers=reader)).json()
    rest = (await client.get(f"{url}/reports", params={"limit": 2, "cursor": first["next_cursor"]}, headers=reader)).json()
    assert [r["id"] for r in first["items"] + rest["items"]] == [r["id"] for r in reports] and rest["next_cursor"] is None
    assert (await client.get(url, headers=reader)).json()["status"] == "DONE"


async def test_a_board_cannot_report_on_another_boards_assignment(client, council, as_role):
    created = await create(client, council)
    url = f"{ASSIGNMENTS}/{created.json()['id']}"
    other_board = as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD])
    response = await client.post(f"{url}/reports", json=REPORT, headers=other_board)
    assert_problem(response, 403, f"a report on an assignment belongs to org unit {BOARD}, which is outside your scope", "forbidden")
    assert await history(client, council, created.json()["id"]) == []
    assert (await client.get(url, headers=council)).json() == created.json()


@pytest.mark.parametrize("role", [Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_roles_outside_the_policy_cannot_report(client, council, as_role, role):
    created = await create(client, council)
    response = await client.post(f"{ASSIGNMENTS}/{created.json()['id']}/reports", json=REPORT, headers=as_role(role, BOARD, [BOARD]))
    assert_problem(response, 403, "allowed for the roles: forvaltning, fullmaktige, namnd", "role-not-allowed")
    assert await history(client, council, created.json()["id"]) == []


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"status": "HALFWAY"}, "#/status"),
        ({"occasion": "MONTHLY"}, "#/occasion"),
        ({"text": ""}, "#/text"),
        ({"reported_by": "x"}, "#/reported_by"),
    ],
)
async def test_invalid_report_is_refused_and_changes_nothing(client, council, board, changes, pointer):
    created = await create(client, council)
    url = f"{ASSIGNMENTS}/{created.json()['id']}"
    response = await client.post(f"{url}/reports", json=REPORT | changes, headers=board)
    assert_problem(response, 422, type_="validation-failed")
    assert pointer in pointers(response)
    assert await history(client, council, created.json()["id"]) == []
    assert (await client.get(url, headers=council)).json() == created.json()


async def test_report_refusals_for_unknown_assignments_and_missing_identity(client, board):
    assert_problem(await client.post(f"{ASSIGNMENTS}/{uuid.uuid4()}/reports", json=REPORT, headers=board), 404, type_="not-found")
    assert_problem(await client.post(f"{ASSIGNMENTS}/{uuid.uuid4()}/reports", json=REPORT), 401)
    assert_problem(await client.get(f"{ASSIGNMENTS}/{uuid.uuid4()}/reports", headers=board), 404)
    assert_problem(await client.get(f"{ASSIGNMENTS}/x/reports", headers=board), 422)


async def test_report_history_refuses_a_cursor_it_did_not_issue(client, council):
    created = await create(client, council)
    # {"at": "2027-01-01T00:00:00", "id": "…"}: a timestamp without a time zone is not ours.
    cursor = "eyJhdCI6IjIwMjctMDEtMDFUMDA6MDA6MDAiLCJpZCI6IjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMCJ9"
    response = await client.get(f"{ASSIGNMENTS}/{created.json()['id']}/reports", params={"cursor": cursor}, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/cursor"}


# --- audit ----------------------------------------------------------------------------------


async def test_a_report_is_audited_with_the_status_change(client, council, board, as_role):
    created = await create(client, council)
    report = (await client.post(f"{ASSIGNMENTS}/{created.json()['id']}/reports", json=REPORT, headers=board)).json()
    events = await audit_events(client, as_role)
    assert [(e["action"], e["entity_type"]) for e in events] == [
        ("REPORT", "assignment"),
        ("CREATE", "assignment_report"),
        ("CREATE", "assignment"),
    ]
    status_change, report_event, _ = events
    assert status_change["before"]["status"] == "NOT_STARTED" and status_change["after"]["status"] == "ONGOING"
    assert status_change["after"]["row_version"] == 2 and status_change["actor_id"] == "user-namnd"
    assert report_event["after"] == report and report_event["entity_id"] == report["id"]


async def test_council_edits_are_audited(client, council, as_role):
    created = await create(client, council)
    await client.patch(
        f"{ASSIGNMENTS}/{created.json()['id']}", json={"status": "NOT_DONE"}, headers=council | {"If-Match": created.headers["etag"]}
    )
    update, create_ = await audit_events(client, as_role, entity_type="assignment")
    assert (update["action"], update["before"]["status"], update["after"]["status"]) == ("UPDATE", "NOT_STARTED", "NOT_DONE")
    assert create_["after"] == created.json()


async def test_operations_declare_their_roles(client, council):
    paths = (await client.get("/openapi.json", headers=council)).json()["paths"]
    one, reports = f"{ASSIGNMENTS}/{{assignment_id}}", f"{ASSIGNMENTS}/{{assignment_id}}/reports"
    everyone = [r.value for r in Role]
    assert paths[ASSIGNMENTS]["get"]["x-roles"] == paths[one]["get"]["x-roles"] == paths[reports]["get"]["x-roles"] == everyone
    assert paths[ASSIGNMENTS]["post"]["x-roles"] == paths[one]["patch"]["x-roles"] == paths[one]["delete"]["x-roles"] == ["fullmaktige"]
    assert paths[reports]["post"]["x-roles"] == ["namnd", "forvaltning", "fullmaktige"]
