"""The vision API: one vision for the municipality, written by the council, decided through the lifecycle."""

import time
import uuid

import pytest

from styrkedjan_common import testing
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.testing import assert_problem, assertion_headers, pointers, principal

API = "/api/goals/v1"
VISIONS = f"{API}/visions"
AUDIT = f"{API}/audit-events"
VISION = {
    "horizon_start_year": 2025,
    "horizon_end_year": 2036,
    "text": "Hallstahammar – en plats att leva, verka och bo på.",
    "core_values": [{"name": "Delaktighet", "description": "Vi involverar dem vi finns till för."}],
}
DECISION = {"body": "Kommunfullmäktige", "decision_date": "2026-06-15", "reference": "KF § 45/2026"}
READERS_WITHOUT_DRAFTS = [Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.ADMIN]
DRAFT_READERS = [Role.FULLMAKTIGE, Role.REVISOR]


@pytest.fixture
def council(as_role):
    return as_role(Role.FULLMAKTIGE)


def reader(as_role, role):
    """A caller of `role` as it usually sits: the council at the root, the others in a subtree."""
    if role in (Role.FULLMAKTIGE, Role.REVISOR, Role.ADMIN):
        return as_role(role)
    return as_role(role, "unit-1", ["unit-1"])


async def create(client, headers, **changes):
    response = await client.post(VISIONS, json=VISION | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def step(client, headers, response, action, json=None):
    """Apply a lifecycle action to the version `response` returned, with its ETag."""
    version = response.json()
    return await client.post(f"{VISIONS}/{version['id']}/{action}", json=json, headers=headers | {"If-Match": response.headers["etag"]})


async def decided(client, headers, **changes):
    """A version taken through DRAFT → PROPOSED → DECIDED; returns the decision's response."""
    proposed = await step(client, headers, await create(client, headers, **changes), "proposal")
    assert proposed.status_code == 200, proposed.text
    decided_ = await step(client, headers, proposed, "decision", DECISION)
    assert decided_.status_code == 200, decided_.text
    return decided_


async def revise(client, headers, response):
    version = response.json()
    return await client.post(f"{VISIONS}/{version['id']}/revisions", headers=headers)


async def audit_events(client, as_role, **params):
    response = await client.get(AUDIT, params=params, headers=as_role(Role.REVISOR))
    assert response.status_code == 200, response.text
    return response.json()["items"]


# --- create -------------------------------------------------------------------------------


async def test_council_creates_a_draft_vision(client, council):
    response = await client.post(VISIONS, json=VISION, headers=council)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "DRAFT" and body["revision"] == 1
    assert body["replaces_id"] is None and body["decision"] is None
    assert body["text"] == VISION["text"] and body["core_values"] == VISION["core_values"]
    assert body["created_by"] == body["updated_by"] == "user-fullmaktige"
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    assert response.headers["location"] == f"{VISIONS}/{body['id']}"
    fetched = await client.get(response.headers["location"], headers=council)
    assert fetched.status_code == 200 and fetched.json() == body


async def test_core_value_description_defaults_to_empty(client, council):
    response = await create(client, council, core_values=[{"name": "Öppenhet"}])
    assert response.json()["core_values"] == [{"name": "Öppenhet", "description": ""}]


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_only_fullmaktige_may_write_the_vision(client, as_role, role):
    response = await client.post(VISIONS, json=VISION, headers=reader(as_role, role))
    body = assert_problem(response, 403, type_="role-not-allowed")
    assert body["detail"].endswith("roles: fullmaktige")
    listed = await client.get(VISIONS, headers=as_role(Role.REVISOR))
    assert listed.json()["items"] == []


async def test_fullmaktige_scoped_below_the_municipality_cannot_create(client, as_role):
    response = await client.post(VISIONS, json=VISION, headers=as_role(Role.FULLMAKTIGE, "some-unit", ["some-unit"]))
    assert_problem(response, 403, detail_contains="whole municipality", type_="forbidden")
    assert (await client.get(VISIONS, headers=as_role(Role.REVISOR))).json()["items"] == []


async def test_fullmaktige_scoped_below_the_municipality_cannot_change_a_draft(client, council, as_role):
    created = await create(client, council)
    scoped = as_role(Role.FULLMAKTIGE, "some-unit", ["some-unit"]) | {"If-Match": created.headers["etag"]}
    url = f"{VISIONS}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"text": "Ny text"}, headers=scoped), 403)
    assert_problem(await client.post(f"{url}/proposal", headers=scoped), 403)
    assert_problem(await client.delete(url, headers=scoped), 403)
    unchanged = await client.get(url, headers=council)
    assert unchanged.json() == created.json()


async def test_second_open_draft_is_refused(client, council):
    await create(client, council)
    response = await client.post(VISIONS, json=VISION, headers=council)
    assert_problem(response, 409, detail_contains="one vision revision is prepared at a time", type_="rule-violation")


async def test_new_draft_is_refused_while_a_version_is_proposed(client, council):
    await step(client, council, await create(client, council), "proposal")
    response = await client.post(VISIONS, json=VISION, headers=council)
    assert_problem(response, 409, detail_contains="revision 1 is still PROPOSED")


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("end_year", [2034, 2039])
async def test_horizon_of_ten_to_fifteen_years_is_accepted(client, council, end_year):
    response = await client.post(VISIONS, json=VISION | {"horizon_start_year": 2025, "horizon_end_year": end_year}, headers=council)
    assert response.status_code == 201


@pytest.mark.parametrize(("end_year", "years"), [(2033, 9), (2040, 16), (2020, -4)])
async def test_horizon_outside_ten_to_fifteen_years_is_refused(client, council, as_role, end_year, years):
    response = await client.post(VISIONS, json=VISION | {"horizon_start_year": 2025, "horizon_end_year": end_year}, headers=council)
    body = assert_problem(response, 422, detail_contains="10–15 year perspective", type_="invalid-input")
    assert f"spans {years} years" in body["detail"]
    assert pointers(response) == {"#/horizon_end_year"}
    assert (await client.get(VISIONS, headers=as_role(Role.REVISOR))).json()["items"] == []


@pytest.mark.parametrize(
    ("core_values", "pointer"),
    [
        ([{"name": ""}], "#/core_values/0/name"),
        ([{"name": "Mod"}, {"description": "utan namn"}], "#/core_values/1/name"),
        ([{"name": "x" * 101}], "#/core_values/0/name"),
        ([{"name": "Mod", "description": "x" * 2001}], "#/core_values/0/description"),
        ([{"name": f"värde {i}"} for i in range(31)], "#/core_values"),
        ("Delaktighet", "#/core_values"),
    ],
)
async def test_invalid_core_values_are_refused_with_a_pointer(client, council, core_values, pointer):
    response = await client.post(VISIONS, json=VISION | {"core_values": core_values}, headers=council)
    body = assert_problem(response, 422, type_="validation-failed")
    assert pointer in pointers(response)
    assert all(error["detail"] for error in body["errors"])


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"text": ""}, "#/text"),
        ({"horizon_start_year": 1999}, "#/horizon_start_year"),
        ({"horizon_end_year": "next year"}, "#/horizon_end_year"),
    ],
)
async def test_invalid_vision_fields_are_refused_with_a_pointer(client, council, changes, pointer):
    response = await client.post(VISIONS, json=VISION | changes, headers=council)
    assert_problem(response, 422)
    assert pointer in pointers(response)


async def test_missing_body_is_refused_with_a_pointer(client, council):
    response = await client.post(VISIONS, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#"}


# --- reading ------------------------------------------------------------------------------


async def test_list_is_newest_first_and_paginated_with_a_cursor(client, council):
    first = await decided(client, council)
    second = await step(
        client, council, await step(client, council, await revise(client, council, first), "proposal"), "decision", DECISION
    )
    third = await revise(client, council, second)
    page = await client.get(VISIONS, params={"limit": 2}, headers=council)
    assert page.status_code == 200
    assert [v["revision"] for v in page.json()["items"]] == [3, 2]
    assert page.json()["next_cursor"]
    rest = await client.get(VISIONS, params={"limit": 2, "cursor": page.json()["next_cursor"]}, headers=council)
    assert [v["id"] for v in rest.json()["items"]] == [first.json()["id"]]
    assert rest.json()["next_cursor"] is None
    assert third.json()["status"] == "DRAFT"


async def test_list_has_no_cursor_when_the_page_holds_everything(client, council):
    await create(client, council)
    page = await client.get(VISIONS, params={"limit": 1}, headers=council)
    assert len(page.json()["items"]) == 1 and page.json()["next_cursor"] is None


@pytest.mark.parametrize("role", READERS_WITHOUT_DRAFTS)
async def test_drafts_are_hidden_from_callers_outside_the_council_and_audit(client, council, as_role, role):
    first = await decided(client, council)
    draft = await revise(client, council, first)
    headers = reader(as_role, role)
    listed = await client.get(VISIONS, headers=headers)
    assert [v["id"] for v in listed.json()["items"]] == [first.json()["id"]]
    assert_problem(await client.get(f"{VISIONS}/{draft.json()['id']}", headers=headers), 404, type_="not-found")
    assert (await client.get(f"{VISIONS}/{first.json()['id']}", headers=headers)).status_code == 200


@pytest.mark.parametrize("role", READERS_WITHOUT_DRAFTS)
async def test_proposed_versions_are_hidden_from_callers_outside_the_council_and_audit(client, council, as_role, role):
    proposed = await step(client, council, await create(client, council), "proposal")
    headers = reader(as_role, role)
    assert (await client.get(VISIONS, headers=headers)).json()["items"] == []
    assert_problem(await client.get(f"{VISIONS}/{proposed.json()['id']}", headers=headers), 404)


@pytest.mark.parametrize("role", DRAFT_READERS)
async def test_drafts_are_visible_to_fullmaktige_and_revisor(client, council, as_role, role):
    draft = await create(client, council)
    listed = await client.get(VISIONS, headers=as_role(role))
    assert [v["id"] for v in listed.json()["items"]] == [draft.json()["id"]]
    fetched = await client.get(f"{VISIONS}/{draft.json()['id']}", headers=as_role(role))
    assert fetched.status_code == 200 and fetched.json()["status"] == "DRAFT"


async def test_get_returns_the_version_with_its_etag(client, council, as_role):
    version = await decided(client, council)
    response = await client.get(f"{VISIONS}/{version.json()['id']}", headers=as_role(Role.ENHET, "unit-1", ["unit-1"]))
    assert response.status_code == 200
    assert response.json() == version.json()
    assert response.headers["etag"] == version.headers["etag"] == f'"{version.json()["id"]}.3"'


async def test_get_of_an_unknown_id_is_404(client, council):
    unknown = uuid.uuid4()
    body = assert_problem(await client.get(f"{VISIONS}/{unknown}", headers=council), 404, type_="not-found")
    assert str(unknown) in body["detail"]
    assert body["instance"] == f"{VISIONS}/{unknown}"


async def test_get_of_a_non_uuid_id_is_422_with_a_path_pointer(client, council):
    response = await client.get(f"{VISIONS}/not-a-uuid", headers=council)
    assert_problem(response, 422, type_="validation-failed")
    assert pointers(response) == {"#/path/vision_id"}


@pytest.mark.parametrize("limit", [0, 201, "many"])
async def test_list_limit_out_of_range_is_422_with_a_query_pointer(client, council, limit):
    response = await client.get(VISIONS, params={"limit": limit}, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/limit"}


@pytest.mark.parametrize("cursor", ["not-a-cursor", "W10", "eyJyZXZpc2lvbiI6ImEifQ", "eyJ4IjoxfQ"])
async def test_a_cursor_this_api_did_not_issue_is_422(client, council, cursor):
    # "W10" is [], the others {"revision": "a"} and {"x": 1}: decodable but not ours.
    response = await client.get(VISIONS, params={"cursor": cursor}, headers=council)
    assert_problem(response, 422, type_="invalid-input")
    assert pointers(response) == {"#/query/cursor"}


async def test_current_is_404_before_any_decision(client, council, as_role):
    await step(client, council, await create(client, council), "proposal")
    body = assert_problem(await client.get(f"{VISIONS}/current", headers=as_role(Role.ENHET, "unit-1", ["unit-1"])), 404)
    assert "no decided vision" in body["detail"]


@pytest.mark.parametrize("role", list(Role))
async def test_current_vision_is_readable_by_every_role(client, council, as_role, role):
    version = await decided(client, council)
    response = await client.get(f"{VISIONS}/current", headers=reader(as_role, role))
    assert response.status_code == 200
    assert response.json()["id"] == version.json()["id"]
    assert response.headers["etag"] == version.headers["etag"]


# --- update -------------------------------------------------------------------------------


async def test_update_with_if_match_changes_the_draft_and_its_etag(client, council, as_role):
    created = await create(client, council)
    url = f"{VISIONS}/{created.json()['id']}"
    editor = as_role(Role.FULLMAKTIGE, user_id="ks-staff-2")
    response = await client.patch(
        url, json={"text": "Ny vision", "horizon_end_year": 2034}, headers=editor | {"If-Match": created.headers["etag"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["text"] == "Ny vision" and body["horizon_end_year"] == 2034
    assert body["core_values"] == VISION["core_values"] and body["horizon_start_year"] == 2025
    assert body["updated_by"] == "ks-staff-2" and body["created_by"] == "user-fullmaktige"
    assert response.headers["etag"] != created.headers["etag"]
    assert response.headers["etag"] == f'"{body["id"]}.2"' and body["row_version"] == 2
    assert (await client.get(url, headers=council)).json() == body


async def test_update_replaces_core_values(client, council):
    created = await create(client, council)
    values = [{"name": "Mod", "description": "Vi vågar."}, {"name": "Respekt", "description": ""}]
    response = await client.patch(
        f"{VISIONS}/{created.json()['id']}", json={"core_values": values}, headers=council | {"If-Match": created.headers["etag"]}
    )
    assert response.status_code == 200 and response.json()["core_values"] == values


async def test_update_accepts_a_wildcard_if_match(client, council):
    created = await create(client, council)
    response = await client.patch(f"{VISIONS}/{created.json()['id']}", json={"text": "Ny"}, headers=council | {"If-Match": "*"})
    assert response.status_code == 200


async def test_update_without_if_match_is_428(client, council):
    created = await create(client, council)
    url = f"{VISIONS}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"text": "Ny"}, headers=council), 428, detail_contains="If-Match")
    assert (await client.get(url, headers=council)).json() == created.json()


async def test_update_with_a_stale_etag_is_412_and_leaves_the_version_unchanged(client, council):
    created = await create(client, council)
    url = f"{VISIONS}/{created.json()['id']}"
    first = await client.patch(url, json={"text": "Först"}, headers=council | {"If-Match": created.headers["etag"]})
    assert first.status_code == 200
    late = await client.patch(url, json={"text": "Sent"}, headers=council | {"If-Match": created.headers["etag"]})
    assert_problem(late, 412, type_="precondition-failed")
    stored = await client.get(url, headers=council)
    assert stored.json() == first.json()
    assert stored.headers["etag"] == first.headers["etag"]


async def test_update_of_an_unknown_id_is_404(client, council):
    response = await client.patch(f"{VISIONS}/{uuid.uuid4()}", json={"text": "Ny"}, headers=council | {"If-Match": "*"})
    assert_problem(response, 404)


async def test_update_cannot_clear_a_field(client, council):
    created = await create(client, council)
    url = f"{VISIONS}/{created.json()['id']}"
    response = await client.patch(url, json={"text": None, "core_values": None}, headers=council | {"If-Match": created.headers["etag"]})
    assert_problem(response, 422, detail_contains="cannot be cleared")
    assert pointers(response) == {"#/text", "#/core_values"}
    assert (await client.get(url, headers=council)).json() == created.json()


async def test_update_to_a_horizon_outside_the_rule_is_refused(client, council):
    created = await create(client, council)
    url = f"{VISIONS}/{created.json()['id']}"
    response = await client.patch(url, json={"horizon_end_year": 2050}, headers=council | {"If-Match": created.headers["etag"]})
    assert_problem(response, 422, detail_contains="10–15 year perspective")
    assert pointers(response) == {"#/horizon_end_year"}
    assert (await client.get(url, headers=council)).json() == created.json()


async def test_update_with_invalid_core_values_is_refused_with_a_pointer(client, council):
    created = await create(client, council)
    response = await client.patch(
        f"{VISIONS}/{created.json()['id']}", json={"core_values": [{"name": ""}]}, headers=council | {"If-Match": created.headers["etag"]}
    )
    assert_problem(response, 422)
    assert pointers(response) == {"#/core_values/0/name"}


async def test_editing_a_proposed_version_is_refused(client, council):
    proposed = await step(client, council, await create(client, council), "proposal")
    response = await client.patch(
        f"{VISIONS}/{proposed.json()['id']}", json={"text": "Ny"}, headers=council | {"If-Match": proposed.headers["etag"]}
    )
    assert_problem(response, 409, detail_contains="return it to draft first", type_="rule-violation")


async def test_editing_a_decided_version_is_refused(client, council):
    version = await decided(client, council)
    url = f"{VISIONS}/{version.json()['id']}"
    response = await client.patch(url, json={"text": "Ny"}, headers=council | {"If-Match": version.headers["etag"]})
    assert_problem(response, 409, detail_contains="decided version is immutable; create a new revision", type_="rule-violation")
    assert (await client.get(url, headers=council)).json() == version.json()


# --- lifecycle ----------------------------------------------------------------------------


async def test_draft_is_proposed_then_decided_with_the_decision(client, council, as_role):
    created = await create(client, council)
    proposed = await step(client, council, created, "proposal")
    assert proposed.status_code == 200
    assert proposed.json()["status"] == "PROPOSED" and proposed.json()["decision"] is None
    assert proposed.headers["etag"] == f'"{created.json()["id"]}.2"'
    response = await step(client, council, proposed, "decision", DECISION)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "DECIDED"
    assert body["decision"] == DECISION
    assert response.headers["etag"] == f'"{body["id"]}.3"'
    current = await client.get(f"{VISIONS}/current", headers=as_role(Role.NAMND, "board-1", ["board-1"]))
    assert current.json() == body


async def test_proposed_version_can_be_returned_to_draft_and_edited(client, council):
    proposed = await step(client, council, await create(client, council), "proposal")
    returned = await step(client, council, proposed, "return")
    assert returned.status_code == 200 and returned.json()["status"] == "DRAFT"
    edited = await client.patch(
        f"{VISIONS}/{returned.json()['id']}", json={"text": "Omarbetad"}, headers=council | {"If-Match": returned.headers["etag"]}
    )
    assert edited.status_code == 200 and edited.json()["text"] == "Omarbetad"


async def test_deciding_a_draft_directly_is_refused(client, council):
    created = await create(client, council)
    response = await step(client, council, created, "decision", DECISION)
    assert_problem(response, 409, detail_contains="DECIDE is only possible from PROPOSED", type_="rule-violation")
    stored = await client.get(f"{VISIONS}/{created.json()['id']}", headers=council)
    assert stored.json()["status"] == "DRAFT" and stored.json()["decision"] is None


async def test_proposing_a_proposed_version_is_refused(client, council):
    proposed = await step(client, council, await create(client, council), "proposal")
    assert_problem(await step(client, council, proposed, "proposal"), 409, detail_contains="PROPOSE is only possible from DRAFT")


async def test_returning_a_draft_is_refused(client, council):
    assert_problem(await step(client, council, await create(client, council), "return"), 409, detail_contains="RETURN_TO_DRAFT")


async def test_returning_a_decided_version_is_refused(client, council):
    version = await decided(client, council)
    assert_problem(await step(client, council, version, "return"), 409, detail_contains="this version is DECIDED")


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [({"body": ""}, "#/body"), ({"decision_date": "15 juni"}, "#/decision_date"), ({"reference": None}, "#/reference")],
)
async def test_decision_without_a_valid_body_date_or_reference_is_refused(client, council, changes, pointer):
    proposed = await step(client, council, await create(client, council), "proposal")
    response = await step(client, council, proposed, "decision", DECISION | changes)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    stored = await client.get(f"{VISIONS}/{proposed.json()['id']}", headers=council)
    assert stored.json()["status"] == "PROPOSED"


@pytest.mark.parametrize("action", ["proposal", "return", "archival"])
async def test_lifecycle_actions_without_if_match_are_428(client, council, action):
    created = await create(client, council)
    response = await client.post(f"{VISIONS}/{created.json()['id']}/{action}", headers=council)
    assert_problem(response, 428)


async def test_decision_with_a_stale_etag_is_412(client, council):
    created = await create(client, council)
    await step(client, council, created, "proposal")
    response = await client.post(
        f"{VISIONS}/{created.json()['id']}/decision", json=DECISION, headers=council | {"If-Match": created.headers["etag"]}
    )
    assert_problem(response, 412)


async def test_lifecycle_action_on_an_unknown_id_is_404(client, council):
    response = await client.post(f"{VISIONS}/{uuid.uuid4()}/proposal", headers=council | {"If-Match": "*"})
    assert_problem(response, 404)


async def test_new_revision_copies_the_decided_content_and_links_the_replaced_version(client, council):
    first = await decided(
        client, council, text="Vision 2025", core_values=[{"name": "Mod", "description": "Vi vågar."}], horizon_end_year=2038
    )
    response = await revise(client, council, first)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "DRAFT" and body["revision"] == 2
    assert body["replaces_id"] == first.json()["id"]
    assert body["decision"] is None
    for field in ("text", "core_values", "horizon_start_year", "horizon_end_year"):
        assert body[field] == first.json()[field]
    assert response.headers["location"] == f"{VISIONS}/{body['id']}"
    assert response.headers["etag"] == f'"{body["id"]}.1"'


async def test_deciding_revision_two_archives_revision_one(client, council, as_role):
    first = await decided(client, council)
    draft = await revise(client, council, first)
    edited = await client.patch(
        f"{VISIONS}/{draft.json()['id']}", json={"text": "Reviderad vision"}, headers=council | {"If-Match": draft.headers["etag"]}
    )
    second_decision = DECISION | {"decision_date": "2028-06-12", "reference": "KF § 50/2028"}
    second = await step(client, council, await step(client, council, edited, "proposal"), "decision", second_decision)
    assert second.json()["status"] == "DECIDED" and second.json()["decision"] == second_decision
    old = await client.get(f"{VISIONS}/{first.json()['id']}", headers=council)
    assert old.json()["status"] == "ARCHIVED"
    assert old.json()["decision"] == DECISION, "the archived version keeps its own decision"
    current = await client.get(f"{VISIONS}/current", headers=as_role(Role.ENHET, "unit-1", ["unit-1"]))
    assert current.json()["revision"] == 2 and current.json()["text"] == "Reviderad vision"
    listed = await client.get(VISIONS, headers=as_role(Role.NAMND, "board-1", ["board-1"]))
    assert [(v["revision"], v["status"]) for v in listed.json()["items"]] == [(2, "DECIDED"), (1, "ARCHIVED")]


async def test_new_revision_of_a_draft_is_refused(client, council):
    response = await revise(client, council, await create(client, council))
    assert_problem(response, 409, detail_contains="starts from the decided vision in force")


async def test_new_revision_of_an_archived_version_is_refused(client, council):
    first = await decided(client, council)
    await step(client, council, await step(client, council, await revise(client, council, first), "proposal"), "decision", DECISION)
    assert_problem(await revise(client, council, first), 409, detail_contains="starts from the decided vision in force")


async def test_second_revision_is_refused_while_one_is_open(client, council):
    first = await decided(client, council)
    assert (await revise(client, council, first)).status_code == 201
    assert_problem(await revise(client, council, first), 409, detail_contains="one vision revision is prepared at a time")


async def test_new_revision_of_an_unknown_id_is_404(client, council):
    assert_problem(await client.post(f"{VISIONS}/{uuid.uuid4()}/revisions", headers=council), 404)


async def test_new_draft_after_a_decision_replaces_the_decided_version(client, council):
    first = await decided(client, council)
    second = await create(client, council, text="En helt ny vision")
    assert second.json()["revision"] == 2 and second.json()["replaces_id"] == first.json()["id"]


async def test_archiving_the_decided_version_leaves_no_vision_in_force(client, council):
    version = await decided(client, council)
    archived = await step(client, council, version, "archival")
    assert archived.status_code == 200
    assert archived.json()["status"] == "ARCHIVED" and archived.json()["decision"] == DECISION
    assert_problem(await client.get(f"{VISIONS}/current", headers=council), 404)


async def test_archiving_a_draft_is_refused(client, council):
    assert_problem(
        await step(client, council, await create(client, council), "archival"), 409, detail_contains="ARCHIVE is only possible from DECIDED"
    )


async def test_deleting_a_draft_removes_it(client, council):
    created = await create(client, council)
    url = f"{VISIONS}/{created.json()['id']}"
    response = await client.delete(url, headers=council | {"If-Match": created.headers["etag"]})
    assert response.status_code == 204 and response.content == b""
    assert_problem(await client.get(url, headers=council), 404)
    assert (await client.post(VISIONS, json=VISION, headers=council)).status_code == 201, "the slot for a new draft is free again"


@pytest.mark.parametrize("make", ["proposed", "decided"])
async def test_deleting_anything_but_a_draft_is_refused(client, council, make):
    created = await create(client, council)
    version = await step(client, council, created, "proposal")
    if make == "decided":
        version = await step(client, council, version, "decision", DECISION)
    url = f"{VISIONS}/{created.json()['id']}"
    response = await client.delete(url, headers=council | {"If-Match": version.headers["etag"]})
    assert_problem(response, 409, detail_contains="only a draft can be deleted", type_="rule-violation")
    assert (await client.get(url, headers=council)).json() == version.json()


async def test_deleting_without_if_match_is_428(client, council):
    created = await create(client, council)
    assert_problem(await client.delete(f"{VISIONS}/{created.json()['id']}", headers=council), 428)


async def test_deleting_an_unknown_id_is_404(client, council):
    assert_problem(await client.delete(f"{VISIONS}/{uuid.uuid4()}", headers=council | {"If-Match": "*"}), 404)


# --- identity -----------------------------------------------------------------------------


async def test_request_without_an_assertion_is_401(client):
    response = await client.get(VISIONS)
    body = assert_problem(response, 401, type_="invalid-assertion")
    assert "no identity assertion" in body["detail"]
    assert body["instance"] == VISIONS


async def test_assertion_for_another_service_is_401(client, keys):
    headers = assertion_headers(keys, "budget", principal(Role.FULLMAKTIGE))
    response = await client.post(VISIONS, json=VISION, headers=headers)
    assert_problem(response, 401, type_="invalid-assertion", detail_contains="Audience")


async def test_expired_assertion_is_401(client, keys):
    token, _ = keys.signer().sign(principal(Role.FULLMAKTIGE), "goals", now=time.time() - 120)
    response = await client.get(VISIONS, headers={"x-identity-assertion": token})
    assert_problem(response, 401, type_="invalid-assertion", detail_contains="expired")


async def test_assertion_signed_by_an_unknown_key_is_401(client):
    headers = assertion_headers(testing.TestKeys.generate(), "goals", principal(Role.FULLMAKTIGE))
    assert_problem(await client.get(VISIONS, headers=headers), 401, detail_contains="unknown key")


async def test_caller_without_role_assignments_is_403(client, keys):
    nobody = Principal(user_id="nobody", name="Ingen roll", assignments=())
    response = await client.get(VISIONS, headers=assertion_headers(keys, "goals", nobody))
    assert_problem(response, 403, type_="role-not-allowed")


# --- audit --------------------------------------------------------------------------------


async def test_every_write_is_recorded_with_actor_and_before_after(client, council, as_role):
    created = await create(client, council)
    vision_id = created.json()["id"]
    edited = await client.patch(f"{VISIONS}/{vision_id}", json={"text": "Ny text"}, headers=council | {"If-Match": created.headers["etag"]})
    proposed = await step(client, council, edited, "proposal")
    returned = await step(client, council, proposed, "return")
    proposed = await step(client, council, returned, "proposal")
    version = await step(client, council, proposed, "decision", DECISION)
    await step(client, council, version, "archival")
    events = await audit_events(client, as_role)
    assert [e["action"] for e in events] == ["ARCHIVE", "DECIDE", "PROPOSE", "RETURN_TO_DRAFT", "PROPOSE", "UPDATE", "CREATE"]
    assert {(e["entity_type"], e["entity_id"], e["actor_id"], e["actor_name"]) for e in events} == {
        ("vision", vision_id, "user-fullmaktige", "Test fullmaktige")
    }
    archive, decide, *_, update, create_ = events
    assert create_["before"] is None and create_["after"] == created.json()
    assert update["before"]["text"] == VISION["text"] and update["after"]["text"] == "Ny text"
    assert update["after"] == edited.json()
    assert decide["before"]["status"] == "PROPOSED" and decide["after"]["decision"] == DECISION
    assert archive["before"]["status"] == "DECIDED" and archive["after"]["status"] == "ARCHIVED"


async def test_audit_event_carries_the_request_id(client, council, as_role):
    await client.post(VISIONS, json=VISION, headers=council | {"X-Request-ID": "req-vision-1"})
    (event,) = await audit_events(client, as_role)
    assert event["request_id"] == "req-vision-1"


async def test_deleting_a_draft_is_recorded_with_the_deleted_version(client, council, as_role):
    created = await create(client, council)
    await client.delete(f"{VISIONS}/{created.json()['id']}", headers=council | {"If-Match": created.headers["etag"]})
    latest = (await audit_events(client, as_role))[0]
    assert latest["action"] == "DELETE"
    assert latest["before"] == created.json() and latest["after"] is None


async def test_deciding_a_revision_records_the_archival_of_the_replaced_version(client, council, as_role):
    first = await decided(client, council)
    second = await step(
        client, council, await step(client, council, await revise(client, council, first), "proposal"), "decision", DECISION
    )
    events = await audit_events(client, as_role)
    decide, archive = events[0], events[1]
    assert (decide["action"], decide["entity_id"]) == ("DECIDE", second.json()["id"])
    assert (archive["action"], archive["entity_id"]) == ("ARCHIVE", first.json()["id"])
    assert archive["before"]["status"] == "DECIDED" and archive["after"]["status"] == "ARCHIVED"


async def test_refused_writes_leave_no_audit_event(client, council, as_role):
    created = await create(client, council)
    url = f"{VISIONS}/{created.json()['id']}"
    await client.post(VISIONS, json=VISION, headers=council)  # 409: a draft is open
    await step(client, council, created, "decision", DECISION)  # 409: not proposed
    await client.patch(url, json={"text": "x"}, headers=council | {"If-Match": '"stale.0"'})  # 412
    await client.patch(url, json={"horizon_end_year": 2099}, headers=council | {"If-Match": "*"})  # 422
    assert [e["action"] for e in await audit_events(client, as_role)] == ["CREATE"]


@pytest.mark.parametrize(("role", "actions"), [(Role.REVISOR, ["CREATE"]), (Role.ADMIN, [])])
async def test_audit_trail_is_readable_by_revisor_and_admin(client, council, as_role, role, actions):
    """Each reads the events of the visions it reads: the administrator no draft (test_audit_visibility.py)."""
    await create(client, council)
    response = await client.get(AUDIT, headers=as_role(role))
    assert response.status_code == 200
    assert [e["action"] for e in response.json()["items"]] == actions


@pytest.mark.parametrize("role", [Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET])
async def test_audit_trail_is_refused_to_other_roles(client, as_role, role):
    body = assert_problem(await client.get(AUDIT, headers=reader(as_role, role)), 403, type_="role-not-allowed")
    assert "admin, revisor" in body["detail"]


async def test_audit_trail_is_paginated_and_filtered_by_entity(client, council, as_role):
    first = await decided(client, council)  # CREATE, PROPOSE, DECIDE
    draft = await revise(client, council, first)  # CREATE
    revisor = as_role(Role.REVISOR)
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(AUDIT, params=params, headers=revisor)).json()
        assert len(page["items"]) <= 3
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 4 and len({e["id"] for e in seen}) == 4
    assert [e["occurred_at"] for e in seen] == sorted((e["occurred_at"] for e in seen), reverse=True)
    only_first = await audit_events(client, as_role, entity_type="vision", entity_id=first.json()["id"])
    assert [e["action"] for e in only_first] == ["DECIDE", "PROPOSE", "CREATE"]
    assert [e["entity_id"] for e in await audit_events(client, as_role, entity_id=draft.json()["id"])] == [draft.json()["id"]]
    assert await audit_events(client, as_role, entity_type="goal") == []


async def test_audit_trail_refuses_a_cursor_it_did_not_issue(client, as_role):
    response = await client.get(AUDIT, params={"cursor": "eyJ4IjoxfQ"}, headers=as_role(Role.REVISOR))
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/cursor"}


# --- request id, problems, schema ---------------------------------------------------------


async def test_request_id_is_echoed_on_success_and_on_errors(client, council):
    ok = await client.get(VISIONS, headers=council | {"X-Request-ID": "abc-123"})
    assert ok.headers["x-request-id"] == "abc-123"
    failed = await client.get(f"{VISIONS}/{uuid.uuid4()}", headers=council | {"X-Request-ID": "abc-456"})
    assert failed.headers["x-request-id"] == "abc-456" and failed.json()["request_id"] == "abc-456"
    unauthenticated = await client.get(VISIONS, headers={"X-Request-ID": "abc-789"})
    assert unauthenticated.headers["x-request-id"] == "abc-789" and unauthenticated.json()["request_id"] == "abc-789"


@pytest.mark.parametrize("sent", [None, "has spaces", "x" * 129])
async def test_a_request_id_is_generated_when_none_or_an_unusable_one_is_sent(client, council, sent):
    headers = council | ({"X-Request-ID": sent} if sent else {})
    response = await client.get(VISIONS, headers=headers)
    generated = response.headers["x-request-id"]
    assert generated and generated != sent and len(generated) <= 128


async def test_unknown_path_is_a_404_problem(client, council):
    assert_problem(await client.get(f"{API}/nothing-here", headers=council), 404)


async def test_every_operation_declares_its_roles_and_problem_responses(client, council):
    schema = (await client.get("/openapi.json", headers=council)).json()
    operations = {op["operationId"]: op for item in schema["paths"].values() for op in item.values()}
    assert {
        "vision-list-vision-versions",
        "vision-get-current-vision",
        "vision-get-vision-version",
        "vision-create-vision-version",
        "vision-revise-vision-version",
        "vision-update-vision-version",
        "vision-propose-vision-version",
        "vision-return-vision-version",
        "vision-decide-vision-version",
        "vision-archive-vision-version",
        "vision-delete-vision-version",
    } <= operations.keys()
    for operation_id, operation in operations.items():
        assert operation["x-roles"], operation_id
        for status in ("401", "403"):
            assert "application/problem+json" in operation["responses"][status]["content"], operation_id
    writers = [
        op
        for op in operations.values()
        if op["operationId"].startswith("vision-") and "get" not in op["operationId"] and "list" not in op["operationId"]
    ]
    assert all(op["x-roles"] == ["fullmaktige"] for op in writers)
    assert schema["paths"][AUDIT]["get"]["x-roles"] == ["revisor", "admin"]


async def test_metrics_label_a_version_read_by_its_route_template(client, council):
    version = await create(client, council)
    await client.get(f"{VISIONS}/{version.json()['id']}", headers=council)
    metrics = (await client.get("/metrics")).text
    assert f'route="{VISIONS}/{{vision_id}}",status="200"' in metrics
    assert version.json()["id"] not in metrics


async def test_unknown_fields_in_a_body_are_refused_with_a_pointer(client, council):
    response = await client.post(VISIONS, json=VISION | {"status": "DECIDED"}, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/status"}
    draft = await create(client, council)
    patched = await client.patch(
        f"{VISIONS}/{draft.json()['id']}", json={"status": "DECIDED"}, headers=council | {"If-Match": draft.headers["etag"]}
    )
    assert_problem(patched, 422)
    assert (await client.get(f"{VISIONS}/{draft.json()['id']}", headers=council)).json()["status"] == "DRAFT"


async def test_an_update_that_changes_nothing_keeps_the_version_and_leaves_no_audit_event(client, council, as_role):
    draft = await create(client, council)
    vision_id = draft.json()["id"]
    same = await client.patch(
        f"{VISIONS}/{vision_id}", json={"text": VISION["text"]}, headers=council | {"If-Match": draft.headers["etag"]}
    )
    assert same.status_code == 200
    assert same.headers["etag"] == draft.headers["etag"]
    events = await client.get(AUDIT, params={"entity_id": vision_id}, headers=as_role(Role.REVISOR))
    assert [event["action"] for event in events.json()["items"]] == ["CREATE"]


async def test_a_scoped_council_member_is_refused_before_any_precondition(client, council, as_role):
    draft = await create(client, council)
    scoped = as_role(Role.FULLMAKTIGE, "unit-1", ["unit-1"])
    response = await client.patch(f"{VISIONS}/{draft.json()['id']}", json={"text": "x"}, headers=scoped)
    assert_problem(response, 403)
