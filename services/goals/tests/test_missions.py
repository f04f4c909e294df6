"""The core-mission API: a board's or company's grunduppdrag, drafted by the board and its
administration, decided by the board (or the council), changed only by a new revision."""

import uuid

import pytest

from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, org_unit, pointers

API = "/api/goals/v1"
MISSIONS = f"{API}/core-missions"
AUDIT = f"{API}/audit-events"
BOARD, OTHER_BOARD = org_unit(OrgUnitType.BOARD), org_unit(OrgUnitType.BOARD)
ADMINISTRATION, UNIT = org_unit(OrgUnitType.ADMINISTRATION), org_unit(OrgUnitType.UNIT)
MISSION = {
    "org_unit_id": BOARD,
    "idea_and_responsibilities": "Nämnden ansvarar för förskola, grundskola och gymnasieskola.",
    "target_groups": ["Barn och elever", "Vårdnadshavare"],
    "legislation": ["Skollagen (2010:800)"],
    "steering_documents": [{"title": "Skolplan", "reference": "KF § 12/2026"}],
}
DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2027-03-15", "reference": "BUN § 12/2027"}


@pytest.fixture
def board(as_role):
    return as_role(Role.NAMND, BOARD, [BOARD, ADMINISTRATION, UNIT])


@pytest.fixture
def administration(as_role):
    # The administration drafts the board's objects: its scope includes the board it serves.
    return as_role(Role.FORVALTNING, ADMINISTRATION, [BOARD, ADMINISTRATION, UNIT])


@pytest.fixture
def other_board(as_role):
    return as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD])


@pytest.fixture
def auditors(as_role):
    return as_role(Role.REVISOR)


async def create(client, headers, **changes):
    response = await client.post(MISSIONS, json=MISSION | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def step(client, headers, response, action, json=None):
    """Apply a lifecycle action to the core mission `response` returned, with its ETag."""
    return await client.post(
        f"{MISSIONS}/{response.json()['id']}/{action}", json=json, headers=headers | {"If-Match": response.headers["etag"]}
    )


async def decided(client, headers, **changes):
    proposed = await step(client, headers, await create(client, headers, **changes), "proposal")
    assert proposed.status_code == 200, proposed.text
    result = await step(client, headers, proposed, "decision", DECISION)
    assert result.status_code == 200, result.text
    return result


async def revise(client, headers, response):
    return await client.post(f"{MISSIONS}/{response.json()['id']}/revisions", headers=headers)


async def stored(client, response, auditors):
    return (await client.get(f"{MISSIONS}/{response.json()['id']}", headers=auditors)).json()


async def all_missions(client, auditors):
    return (await client.get(MISSIONS, headers=auditors)).json()["items"]


async def audit_events(client, auditors, **params):
    response = await client.get(AUDIT, params={"entity_type": "core_mission"} | params, headers=auditors)
    assert response.status_code == 200, response.text
    return response.json()["items"]


# --- create -------------------------------------------------------------------------------


async def test_board_creates_a_draft_core_mission(client, board, auditors):
    response = await client.post(MISSIONS, json=MISSION, headers=board)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "DRAFT" and body["revision"] == 1 and body["replaces_id"] is None and body["decision"] is None
    for field in ("org_unit_id", "idea_and_responsibilities", "target_groups", "legislation", "steering_documents"):
        assert body[field] == MISSION[field]
    assert body["created_by"] == body["updated_by"] == "user-namnd"
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    assert response.headers["location"] == f"{MISSIONS}/{body['id']}"
    assert (await client.get(response.headers["location"], headers=board)).json() == body
    [event] = await audit_events(client, auditors)
    assert (event["action"], event["entity_id"], event["after"]["status"]) == ("CREATE", body["id"], "DRAFT")


async def test_administration_drafts_the_boards_core_mission(client, administration):
    response = await client.post(MISSIONS, json=MISSION, headers=administration)
    assert response.status_code == 201 and response.json()["created_by"] == "user-forvaltning"


async def test_lists_and_steering_documents_default_to_empty(client, board):
    minimal = {
        "org_unit_id": BOARD,
        "idea_and_responsibilities": MISSION["idea_and_responsibilities"],
        "steering_documents": [{"title": "Reglemente"}],
    }
    response = await client.post(MISSIONS, json=minimal, headers=board)
    assert response.json()["steering_documents"] == [{"title": "Reglemente", "reference": ""}]
    assert response.json()["target_groups"] == response.json()["legislation"] == []


@pytest.mark.parametrize("role", [Role.FULLMAKTIGE, Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_roles_other_than_namnd_and_forvaltning_cannot_draft_a_core_mission(client, as_role, auditors, role):
    response = await client.post(MISSIONS, json=MISSION, headers=as_role(role))
    body = assert_problem(response, 403, type_="role-not-allowed")
    assert body["detail"].endswith("roles: forvaltning, namnd")
    assert await all_missions(client, auditors) == []


async def test_a_write_outside_the_callers_scope_is_refused(client, other_board, auditors):
    response = await client.post(MISSIONS, json=MISSION, headers=other_board)
    assert_problem(response, 403, detail_contains=f"belongs to org unit {BOARD}, which is outside your scope", type_="forbidden")
    assert await all_missions(client, auditors) == []


async def test_create_without_an_assertion_is_401(client):
    assert_problem(await client.post(MISSIONS, json=MISSION), 401)


async def test_second_open_revision_of_an_org_unit_is_refused(client, board, administration, auditors):
    first = await create(client, board)
    response = await client.post(MISSIONS, json=MISSION | {"idea_and_responsibilities": "Annan"}, headers=administration)
    assert_problem(
        response,
        409,
        detail_contains="one core-mission revision per org unit is prepared at a time: revision 1 is still DRAFT",
        type_="rule-violation",
    )
    assert [m["id"] for m in await all_missions(client, auditors)] == [first.json()["id"]]


async def test_a_proposed_revision_also_blocks_a_new_draft(client, board):
    await step(client, board, await create(client, board), "proposal")
    assert_problem(await client.post(MISSIONS, json=MISSION, headers=board), 409, detail_contains="revision 1 is still PROPOSED")


async def test_each_org_unit_has_its_own_open_revision_and_revision_numbers(client, board, as_role):
    await create(client, board)
    both = as_role(Role.NAMND, "root", "*")
    other = await client.post(MISSIONS, json=MISSION | {"org_unit_id": OTHER_BOARD}, headers=both)
    assert other.status_code == 201 and other.json()["revision"] == 1


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"org_unit_id": "styrelsen"}, "#/org_unit_id"),
        ({"idea_and_responsibilities": ""}, "#/idea_and_responsibilities"),
        ({"target_groups": [""]}, "#/target_groups/0"),
        ({"legislation": "Skollagen"}, "#/legislation"),
        ({"steering_documents": [{"reference": "KF § 1"}]}, "#/steering_documents/0/title"),
        ({"steering_documents": [{"title": "Skolplan", "owner": "KF"}]}, "#/steering_documents/0/owner"),
        ({"target_groups": [f"grupp {i}" for i in range(51)]}, "#/target_groups"),
        ({"status": "DECIDED"}, "#/status"),
    ],
)
async def test_invalid_core_mission_fields_are_refused_with_a_pointer(client, board, auditors, changes, pointer):
    response = await client.post(MISSIONS, json=MISSION | changes, headers=board)
    assert_problem(response, 422, type_="validation-failed")
    assert pointer in pointers(response)
    assert await all_missions(client, auditors) == []


async def test_empty_body_creates_nothing(client, board, auditors):
    response = await client.post(MISSIONS, json={}, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/org_unit_id", "#/idea_and_responsibilities"}
    assert await all_missions(client, auditors) == []


# --- reading ------------------------------------------------------------------------------


async def test_get_returns_the_core_mission_with_its_etag(client, board, as_role):
    mission = await decided(client, board)
    response = await client.get(f"{MISSIONS}/{mission.json()['id']}", headers=as_role(Role.ENHET, str(uuid.uuid4()), []))
    assert response.status_code == 200
    assert response.json() == mission.json()
    assert response.headers["etag"] == mission.headers["etag"] == f'"{mission.json()["id"]}.3"'


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.ADMIN])
async def test_drafts_are_hidden_outside_the_scope(client, board, as_role, role):
    draft = await create(client, board)
    outsider = as_role(role, OTHER_BOARD, [OTHER_BOARD])
    assert_problem(await client.get(f"{MISSIONS}/{draft.json()['id']}", headers=outsider), 404, type_="not-found")
    assert (await client.get(MISSIONS, headers=outsider)).json()["items"] == []


@pytest.mark.parametrize("role", [Role.ENHET, Role.FULLMAKTIGE, Role.REVISOR])
async def test_drafts_are_read_in_scope_and_by_revisor(client, board, as_role, role):
    draft = await create(client, board)
    headers = as_role(Role.REVISOR) if role == Role.REVISOR else as_role(role, BOARD, [BOARD])
    assert (await client.get(f"{MISSIONS}/{draft.json()['id']}", headers=headers)).json()["status"] == "DRAFT"
    assert [m["id"] for m in (await client.get(MISSIONS, headers=headers)).json()["items"]] == [draft.json()["id"]]


async def test_get_of_an_unknown_id_is_404(client, board):
    unknown = uuid.uuid4()
    body = assert_problem(await client.get(f"{MISSIONS}/{unknown}", headers=board), 404, type_="not-found")
    assert str(unknown) in body["detail"]


async def test_get_of_a_non_uuid_id_is_422(client, board):
    response = await client.get(f"{MISSIONS}/grunduppdrag", headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/mission_id"}


@pytest.mark.parametrize("path", ["", "/current", f"/{uuid.uuid4()}"])
async def test_reads_without_an_assertion_are_401(client, path):
    assert_problem(await client.get(f"{MISSIONS}{path}", params={"org_unit_id": BOARD}), 401)


async def test_list_filters_by_org_unit_and_status(client, board, as_role):
    everyone = as_role(Role.NAMND, "root", "*")
    first = await decided(client, board)
    draft = await revise(client, board, first)
    other = await client.post(MISSIONS, json=MISSION | {"org_unit_id": OTHER_BOARD}, headers=everyone)

    async def listed(**params):
        response = await client.get(MISSIONS, params=params, headers=everyone)
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()["items"]]

    assert await listed(org_unit_id=BOARD) == [draft.json()["id"], first.json()["id"]]
    drafts_by_unit = sorted([(BOARD, draft.json()["id"]), (OTHER_BOARD, other.json()["id"])])
    assert await listed(status="DRAFT") == [mission_id for _, mission_id in drafts_by_unit]
    assert await listed(org_unit_id=BOARD, status="DECIDED") == [first.json()["id"]]


async def test_list_is_paginated_by_org_unit_and_newest_revision(client, as_role):
    everyone = as_role(Role.NAMND, "root", "*")
    units = sorted(org_unit(OrgUnitType.BOARD) for _ in range(3))
    for unit in units:
        await client.post(MISSIONS, json=MISSION | {"org_unit_id": unit}, headers=everyone)
    first = await client.get(MISSIONS, params={"limit": 2}, headers=everyone)
    assert [m["org_unit_id"] for m in first.json()["items"]] == units[:2]
    rest = await client.get(MISSIONS, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=everyone)
    assert [m["org_unit_id"] for m in rest.json()["items"]] == units[2:]
    assert rest.json()["next_cursor"] is None


async def test_list_shows_decided_missions_to_everyone_but_drafts_only_in_scope(client, board, as_role):
    decided_ = await decided(client, board)
    await revise(client, board, decided_)
    outsider = as_role(Role.ENHET, OTHER_BOARD, [OTHER_BOARD])
    assert [m["id"] for m in (await client.get(MISSIONS, headers=outsider)).json()["items"]] == [decided_.json()["id"]]


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"status": "FINISHED"}, "#/query/status"),
        ({"org_unit_id": "x"}, "#/query/org_unit_id"),
        ({"limit": 0}, "#/query/limit"),
        ({"cursor": "eyJ4IjoxfQ"}, "#/query/cursor"),
    ],
)
async def test_invalid_list_parameters_are_422(client, board, params, pointer):
    response = await client.get(MISSIONS, params=params, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


async def test_current_is_the_decided_mission_in_force(client, board, as_role):
    first = await decided(client, board)
    await revise(client, board, first)
    for role in Role:
        response = await client.get(f"{MISSIONS}/current", params={"org_unit_id": BOARD}, headers=as_role(role, UNIT, [UNIT]))
        assert response.status_code == 200 and response.json() == first.json()
        assert response.headers["etag"] == first.headers["etag"]


async def test_current_is_404_before_any_decision(client, board):
    await step(client, board, await create(client, board), "proposal")
    response = await client.get(f"{MISSIONS}/current", params={"org_unit_id": BOARD}, headers=board)
    assert_problem(response, 404, detail_contains="has no decided core mission")


async def test_current_needs_an_org_unit(client, board):
    response = await client.get(f"{MISSIONS}/current", headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/org_unit_id"}


# --- update -------------------------------------------------------------------------------


async def test_update_with_if_match_changes_the_draft(client, board, administration, auditors):
    created = await create(client, board)
    url = f"{MISSIONS}/{created.json()['id']}"
    changes = {"legislation": ["Skollagen (2010:800)", "Diskrimineringslagen (2008:567)"], "target_groups": ["Elever"]}
    response = await client.patch(url, json=changes, headers=administration | {"If-Match": created.headers["etag"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["legislation"] == changes["legislation"] and body["target_groups"] == ["Elever"]
    assert body["idea_and_responsibilities"] == MISSION["idea_and_responsibilities"]
    assert body["updated_by"] == "user-forvaltning" and body["row_version"] == 2
    assert response.headers["etag"] == f'"{body["id"]}.2"'
    update = (await audit_events(client, auditors))[0]
    assert update["action"] == "UPDATE" and update["before"]["target_groups"] == MISSION["target_groups"]
    assert update["after"]["target_groups"] == ["Elever"]


async def test_update_that_changes_nothing_keeps_the_version(client, board):
    created = await create(client, board)
    response = await client.patch(
        f"{MISSIONS}/{created.json()['id']}",
        json={"legislation": MISSION["legislation"]},
        headers=board | {"If-Match": created.headers["etag"]},
    )
    assert response.status_code == 200 and response.headers["etag"] == created.headers["etag"]


async def test_update_without_if_match_is_428(client, board, auditors):
    created = await create(client, board)
    response = await client.patch(f"{MISSIONS}/{created.json()['id']}", json={"legislation": []}, headers=board)
    assert_problem(response, 428, detail_contains="If-Match")
    assert await stored(client, created, auditors) == created.json()


async def test_update_with_a_stale_etag_is_412(client, board, auditors):
    created = await create(client, board)
    url = f"{MISSIONS}/{created.json()['id']}"
    first = await client.patch(url, json={"legislation": []}, headers=board | {"If-Match": created.headers["etag"]})
    late = await client.patch(url, json={"target_groups": []}, headers=board | {"If-Match": created.headers["etag"]})
    assert_problem(late, 412, type_="precondition-failed")
    assert await stored(client, created, auditors) == first.json()


async def test_update_of_an_unknown_id_is_404(client, board):
    assert_problem(await client.patch(f"{MISSIONS}/{uuid.uuid4()}", json={"legislation": []}, headers=board | {"If-Match": "*"}), 404)


async def test_update_cannot_clear_a_field(client, board, auditors):
    created = await create(client, board)
    response = await client.patch(
        f"{MISSIONS}/{created.json()['id']}",
        json={"idea_and_responsibilities": None, "target_groups": None},
        headers=board | {"If-Match": created.headers["etag"]},
    )
    assert_problem(response, 422, detail_contains="cannot be cleared")
    assert pointers(response) == {"#/idea_and_responsibilities", "#/target_groups"}
    assert await stored(client, created, auditors) == created.json()


async def test_update_by_enhet_is_refused_by_role(client, board, as_role, auditors):
    created = await create(client, board)
    unit_head = as_role(Role.ENHET, BOARD, [BOARD]) | {"If-Match": created.headers["etag"]}
    response = await client.patch(f"{MISSIONS}/{created.json()['id']}", json={"legislation": []}, headers=unit_head)
    assert_problem(response, 403, type_="role-not-allowed")
    assert await stored(client, created, auditors) == created.json()


async def test_update_without_an_assertion_is_401(client):
    assert_problem(await client.patch(f"{MISSIONS}/{uuid.uuid4()}", json={}, headers={"If-Match": "*"}), 401)


async def test_editing_a_decided_core_mission_is_refused(client, board, auditors):
    mission = await decided(client, board)
    response = await client.patch(
        f"{MISSIONS}/{mission.json()['id']}", json={"legislation": []}, headers=board | {"If-Match": mission.headers["etag"]}
    )
    assert_problem(response, 409, detail_contains="a decided version is immutable; create a new revision", type_="rule-violation")
    assert await stored(client, mission, auditors) == mission.json()


async def test_editing_a_proposed_core_mission_is_refused(client, board, auditors):
    proposed = await step(client, board, await create(client, board), "proposal")
    response = await client.patch(
        f"{MISSIONS}/{proposed.json()['id']}", json={"legislation": []}, headers=board | {"If-Match": proposed.headers["etag"]}
    )
    assert_problem(response, 409, detail_contains="return it to draft first")
    assert await stored(client, proposed, auditors) == proposed.json()


async def test_editing_another_boards_core_mission_is_refused_by_scope(client, board, other_board, auditors):
    mission = await decided(client, board)
    response = await client.patch(
        f"{MISSIONS}/{mission.json()['id']}", json={"legislation": []}, headers=other_board | {"If-Match": mission.headers["etag"]}
    )
    assert_problem(response, 403, detail_contains="outside your scope", type_="forbidden")
    assert await stored(client, mission, auditors) == mission.json()


# --- lifecycle ----------------------------------------------------------------------------


async def test_administration_proposes_and_the_board_decides(client, board, administration, auditors):
    created = await create(client, administration)
    proposed = await step(client, administration, created, "proposal")
    assert proposed.status_code == 200 and proposed.json()["status"] == "PROPOSED"
    response = await step(client, board, proposed, "decision", DECISION)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "DECIDED" and response.json()["decision"] == DECISION
    assert response.headers["etag"] == f'"{created.json()["id"]}.3"'
    actions = [e["action"] for e in await audit_events(client, auditors, entity_id=created.json()["id"])]
    assert actions == ["DECIDE", "PROPOSE", "CREATE"]


async def test_the_council_may_decide_a_core_mission(client, board, as_role):
    proposed = await step(client, board, await create(client, board), "proposal")
    response = await step(client, as_role(Role.FULLMAKTIGE), proposed, "decision", DECISION | {"body": "Kommunfullmäktige"})
    assert response.status_code == 200 and response.json()["decision"]["body"] == "Kommunfullmäktige"


async def test_the_administration_cannot_decide(client, administration, auditors):
    proposed = await step(client, administration, await create(client, administration), "proposal")
    response = await step(client, administration, proposed, "decision", DECISION)
    body = assert_problem(response, 403, type_="role-not-allowed")
    assert body["detail"].endswith("roles: fullmaktige, namnd")
    assert (await stored(client, proposed, auditors))["status"] == "PROPOSED"


async def test_a_council_member_scoped_elsewhere_cannot_archive(client, board, as_role, auditors):
    mission = await decided(client, board)
    scoped = as_role(Role.FULLMAKTIGE, OTHER_BOARD, [OTHER_BOARD])
    assert_problem(
        await step(client, scoped, mission, "archival"), 403, detail_contains="the ARCHIVE step of a core mission belongs to org unit"
    )
    assert (await stored(client, mission, auditors))["status"] == "DECIDED"


async def test_a_proposal_is_returned_to_draft_by_the_council(client, board, as_role):
    proposed = await step(client, board, await create(client, board), "proposal")
    returned = await step(client, as_role(Role.FULLMAKTIGE), proposed, "return")
    assert returned.status_code == 200 and returned.json()["status"] == "DRAFT"


async def test_deciding_a_draft_directly_is_refused(client, board, auditors):
    created = await create(client, board)
    assert_problem(await step(client, board, created, "decision", DECISION), 409, detail_contains="DECIDE is only possible from PROPOSED")
    assert await stored(client, created, auditors) == created.json()


@pytest.mark.parametrize(
    ("changes", "pointer"), [({"body": ""}, "#/body"), ({"decision_date": "mars"}, "#/decision_date"), ({"reference": None}, "#/reference")]
)
async def test_decision_without_a_valid_body_date_or_reference_is_refused(client, board, auditors, changes, pointer):
    proposed = await step(client, board, await create(client, board), "proposal")
    response = await step(client, board, proposed, "decision", DECISION | changes)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert (await stored(client, proposed, auditors))["status"] == "PROPOSED"


@pytest.mark.parametrize("action", ["proposal", "return", "decision", "archival"])
async def test_lifecycle_actions_need_if_match_and_a_known_id(client, board, action):
    created = await create(client, board)
    body = DECISION if action == "decision" else None
    assert_problem(await client.post(f"{MISSIONS}/{created.json()['id']}/{action}", json=body, headers=board), 428)
    assert_problem(await client.post(f"{MISSIONS}/{uuid.uuid4()}/{action}", json=body, headers=board | {"If-Match": "*"}), 404)
    assert_problem(await client.post(f"{MISSIONS}/{uuid.uuid4()}/{action}", json=body), 401)


async def test_lifecycle_step_with_a_stale_etag_is_412(client, board):
    created = await create(client, board)
    await step(client, board, created, "proposal")
    assert_problem(await step(client, board, created, "return"), 412)


async def test_new_revision_copies_the_decided_mission(client, board, administration):
    first = await decided(client, board)
    response = await revise(client, administration, first)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["revision"], body["replaces_id"], body["decision"]) == ("DRAFT", 2, first.json()["id"], None)
    for field in ("org_unit_id", "idea_and_responsibilities", "target_groups", "legislation", "steering_documents"):
        assert body[field] == first.json()[field]
    assert response.headers["location"] == f"{MISSIONS}/{body['id']}"


async def test_deciding_a_revision_archives_the_replaced_mission(client, board, auditors):
    first = await decided(client, board)
    draft = await revise(client, board, first)
    edited = await client.patch(
        f"{MISSIONS}/{draft.json()['id']}", json={"legislation": ["Skollagen"]}, headers=board | {"If-Match": draft.headers["etag"]}
    )
    second = await step(client, board, await step(client, board, edited, "proposal"), "decision", DECISION | {"reference": "BUN § 40/2028"})
    assert second.json()["status"] == "DECIDED"
    old = await stored(client, first, auditors)
    assert old["status"] == "ARCHIVED" and old["decision"] == DECISION
    current = await client.get(f"{MISSIONS}/current", params={"org_unit_id": BOARD}, headers=board)
    assert current.json()["id"] == second.json()["id"] and current.json()["legislation"] == ["Skollagen"]
    archived = await audit_events(client, auditors, entity_id=first.json()["id"])
    assert archived[0]["action"] == "ARCHIVE"


async def test_second_open_revision_via_revisions_is_refused(client, board, auditors):
    first = await decided(client, board)
    assert (await revise(client, board, first)).status_code == 201
    assert_problem(await revise(client, board, first), 409, detail_contains="one core-mission revision per org unit is prepared at a time")
    assert len(await all_missions(client, auditors)) == 2


async def test_new_revision_of_a_draft_is_refused(client, board):
    assert_problem(
        await revise(client, board, await create(client, board)), 409, detail_contains="starts from the decided core mission in force"
    )


async def test_new_revision_outside_the_scope_is_refused(client, board, other_board, auditors):
    first = await decided(client, board)
    assert_problem(await revise(client, other_board, first), 403, detail_contains="outside your scope")
    assert len(await all_missions(client, auditors)) == 1


async def test_new_revision_of_an_unknown_id_is_404_and_needs_an_assertion(client, board):
    assert_problem(await client.post(f"{MISSIONS}/{uuid.uuid4()}/revisions", headers=board), 404)
    assert_problem(await client.post(f"{MISSIONS}/{uuid.uuid4()}/revisions"), 401)


async def test_new_revision_by_enhet_is_refused_by_role(client, board, as_role):
    first = await decided(client, board)
    assert_problem(await revise(client, as_role(Role.ENHET, BOARD, [BOARD]), first), 403, type_="role-not-allowed")


async def test_archiving_leaves_no_mission_in_force(client, board):
    mission = await decided(client, board)
    archived = await step(client, board, mission, "archival")
    assert archived.status_code == 200 and archived.json()["status"] == "ARCHIVED"
    assert_problem(await client.get(f"{MISSIONS}/current", params={"org_unit_id": BOARD}, headers=board), 404)


# --- delete -------------------------------------------------------------------------------


async def test_deleting_a_draft_removes_it(client, board, auditors):
    created = await create(client, board)
    response = await client.delete(f"{MISSIONS}/{created.json()['id']}", headers=board | {"If-Match": created.headers["etag"]})
    assert response.status_code == 204
    assert await all_missions(client, auditors) == []
    assert (await audit_events(client, auditors))[0]["action"] == "DELETE"


async def test_deleting_a_decided_mission_is_refused(client, board, auditors):
    mission = await decided(client, board)
    response = await client.delete(f"{MISSIONS}/{mission.json()['id']}", headers=board | {"If-Match": mission.headers["etag"]})
    assert_problem(response, 409, detail_contains="only a draft can be deleted")
    assert await stored(client, mission, auditors) == mission.json()


async def test_delete_needs_if_match_a_known_id_an_assertion_and_a_writer(client, board, as_role, auditors):
    created = await create(client, board)
    url = f"{MISSIONS}/{created.json()['id']}"
    assert_problem(await client.delete(url, headers=board), 428)
    assert_problem(await client.delete(f"{MISSIONS}/{uuid.uuid4()}", headers=board | {"If-Match": "*"}), 404)
    assert_problem(await client.delete(url, headers={"If-Match": "*"}), 401)
    assert_problem(await client.delete(url, headers=as_role(Role.REVISOR) | {"If-Match": "*"}), 403)
    assert_problem(await client.delete(f"{MISSIONS}/not-an-id", headers=board | {"If-Match": "*"}), 422)
    assert await stored(client, created, auditors) == created.json()
