"""The plans API: a board's budget- och årsplan and the operational plans (verksamhetsplaner) of
administrations and units, each decided through the lifecycle. Items: test_plan_items.py."""

import uuid

import pytest

from services.goals.tests.support.organisation import ADMINISTRATION, BOARD, OTHER_BOARD, UNIT
from services.goals.tests.support.plans import (
    BOARD_PLAN,
    DECISION,
    OPERATIONAL_PLAN,
    PLANS,
    UNIT_PLAN,
    all_plans,
    audit_events,
    create,
    decide,
    step,
    stored,
)
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers


@pytest.fixture
def unit_head(as_role):
    return as_role(Role.ENHET, UNIT, [UNIT])


# --- create -------------------------------------------------------------------------------


async def test_board_creates_a_draft_board_plan(client, board, auditors):
    response = await client.post(PLANS, json=BOARD_PLAN, headers=board)
    assert response.status_code == 201, response.text
    body = response.json()
    for field, value in BOARD_PLAN.items():
        assert body[field] == value
    assert (body["status"], body["revision"], body["replaces_id"], body["decision"], body["items"]) == ("DRAFT", 1, None, None, [])
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    assert response.headers["location"] == f"{PLANS}/{body['id']}"
    assert (await client.get(response.headers["location"], headers=board)).json() == body
    [event] = await audit_events(client, auditors)
    assert (event["action"], event["entity_id"], event["after"]["kind"]) == ("CREATE", body["id"], "BOARD_PLAN")


async def test_administration_drafts_the_board_plan_and_its_own_operational_plan(client, administration):
    assert (await client.post(PLANS, json=BOARD_PLAN, headers=administration)).status_code == 201
    assert (await client.post(PLANS, json=OPERATIONAL_PLAN, headers=administration)).status_code == 201


async def test_unit_head_creates_the_units_operational_plan(client, unit_head):
    response = await client.post(PLANS, json=UNIT_PLAN, headers=unit_head)
    assert response.status_code == 201 and response.json()["description"] == response.json()["economy"] == ""


async def test_enhet_writing_a_board_plan_is_refused(client, as_role, auditors):
    unit_head_over_the_board = as_role(Role.ENHET, BOARD, [BOARD])
    response = await client.post(PLANS, json=BOARD_PLAN, headers=unit_head_over_the_board)
    assert_problem(response, 403, detail_contains="a board plan is written by the roles: forvaltning, namnd", type_="forbidden")
    assert await all_plans(client, auditors) == []


async def test_namnd_writing_an_operational_plan_is_refused(client, board, auditors):
    response = await client.post(PLANS, json=OPERATIONAL_PLAN, headers=board)
    assert_problem(response, 403, detail_contains="an operational plan is written by the roles: enhet, forvaltning")
    assert await all_plans(client, auditors) == []


@pytest.mark.parametrize("role", [Role.FULLMAKTIGE, Role.REVISOR, Role.ADMIN])
async def test_roles_that_write_no_plan_are_refused_by_policy(client, as_role, auditors, role):
    body = assert_problem(await client.post(PLANS, json=BOARD_PLAN, headers=as_role(role)), 403, type_="role-not-allowed")
    assert body["detail"].endswith("roles: enhet, forvaltning, namnd")
    assert await all_plans(client, auditors) == []


async def test_a_plan_outside_the_callers_scope_is_refused(client, other_board, unit_head, auditors):
    assert_problem(await client.post(PLANS, json=BOARD_PLAN, headers=other_board), 403, detail_contains="outside your scope")
    assert_problem(await client.post(PLANS, json=OPERATIONAL_PLAN, headers=unit_head), 403, detail_contains="outside your scope")
    assert await all_plans(client, auditors) == []


async def test_create_without_an_assertion_is_401(client):
    assert_problem(await client.post(PLANS, json=BOARD_PLAN), 401)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"kind": "BUDGET"}, "#/kind"),
        ({"year": 1999}, "#/year"),
        ({"year": "nästa år"}, "#/year"),
        ({"title": ""}, "#/title"),
        ({"title": "x" * 301}, "#/title"),
        ({"org_unit_id": "nämnden"}, "#/org_unit_id"),
        ({"status": "DECIDED"}, "#/status"),
    ],
)
async def test_invalid_plan_fields_are_refused_with_a_pointer(client, board, auditors, changes, pointer):
    response = await client.post(PLANS, json=BOARD_PLAN | changes, headers=board)
    assert_problem(response, 422, type_="validation-failed")
    assert pointer in pointers(response)
    assert await all_plans(client, auditors) == []


async def test_empty_body_creates_nothing(client, board, auditors):
    response = await client.post(PLANS, json={}, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/kind", "#/org_unit_id", "#/year", "#/title"}
    assert await all_plans(client, auditors) == []


async def test_second_open_revision_of_a_plan_is_refused(client, board, administration, auditors):
    first = await create(client, board)
    response = await client.post(PLANS, json=BOARD_PLAN | {"title": "Ny"}, headers=administration)
    assert_problem(
        response,
        409,
        type_="rule-violation",
        detail_contains="one plan revision per kind, org unit and year is prepared at a time: revision 1 of the 2027 plan is still DRAFT",
    )
    assert [p["id"] for p in await all_plans(client, auditors)] == [first.json()["id"]]


async def test_plans_of_another_year_are_separate(client, board):
    await create(client, board)
    assert (await client.post(PLANS, json=BOARD_PLAN | {"year": 2028}, headers=board)).status_code == 201


async def test_new_draft_after_a_decision_replaces_the_decided_plan(client, board):
    first = await decide(client, board, await create(client, board))
    second = await create(client, board, title="Reviderad plan")
    assert (second.json()["revision"], second.json()["replaces_id"]) == (2, first.json()["id"])


# --- reading ------------------------------------------------------------------------------


async def test_get_returns_the_plan_with_its_etag(client, board, as_role):
    plan = await decide(client, board, await create(client, board))
    response = await client.get(f"{PLANS}/{plan.json()['id']}", headers=as_role(Role.ENHET, OTHER_BOARD, [OTHER_BOARD]))
    assert response.status_code == 200 and response.json() == plan.json()
    assert response.headers["etag"] == plan.headers["etag"] == f'"{plan.json()["id"]}.3"'


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.FULLMAKTIGE, Role.ADMIN])
async def test_drafts_are_hidden_outside_the_scope(client, board, as_role, role):
    draft = await create(client, board)
    outsider = as_role(role, OTHER_BOARD, [OTHER_BOARD])
    assert_problem(await client.get(f"{PLANS}/{draft.json()['id']}", headers=outsider), 404, type_="not-found")
    assert (await client.get(PLANS, headers=outsider)).json()["items"] == []


async def test_drafts_are_read_in_scope_and_by_revisor(client, board, unit_head, auditors):
    draft = await create(client, unit_head, plan=UNIT_PLAN)
    for headers in (unit_head, board, auditors):
        assert (await client.get(f"{PLANS}/{draft.json()['id']}", headers=headers)).json()["status"] == "DRAFT"
        assert [p["id"] for p in (await client.get(PLANS, headers=headers)).json()["items"]] == [draft.json()["id"]]


async def test_get_of_an_unknown_or_malformed_id(client, board):
    unknown = uuid.uuid4()
    assert str(unknown) in assert_problem(await client.get(f"{PLANS}/{unknown}", headers=board), 404)["detail"]
    response = await client.get(f"{PLANS}/plan-2027", headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/plan_id"}


@pytest.mark.parametrize("path", ["", f"/{uuid.uuid4()}"])
async def test_reads_without_an_assertion_are_401(client, path):
    assert_problem(await client.get(f"{PLANS}{path}"), 401)


async def test_list_filters_by_kind_org_unit_year_and_status(client, board, administration, auditors):
    board_2027 = await decide(client, board, await create(client, board))
    board_2028 = await create(client, board, year=2028)
    operational = await create(client, administration, plan=OPERATIONAL_PLAN)

    async def listed(**params):
        response = await client.get(PLANS, params=params, headers=auditors)
        assert response.status_code == 200, response.text
        assert all("items" not in plan for plan in response.json()["items"])
        return {plan["id"] for plan in response.json()["items"]}

    assert await listed(kind="BOARD_PLAN") == {board_2027.json()["id"], board_2028.json()["id"]}
    assert await listed(org_unit_id=ADMINISTRATION) == {operational.json()["id"]}
    assert await listed(year=2028) == {board_2028.json()["id"]}
    assert await listed(status="DECIDED") == {board_2027.json()["id"]}
    assert await listed(kind="OPERATIONAL_PLAN", year=2028) == set()


async def test_list_is_newest_year_first_and_paginated(client, board):
    for year in (2026, 2028, 2027):
        await create(client, board, year=year)
    first = await client.get(PLANS, params={"limit": 2}, headers=board)
    assert [p["year"] for p in first.json()["items"]] == [2028, 2027]
    rest = await client.get(PLANS, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=board)
    assert [p["year"] for p in rest.json()["items"]] == [2026] and rest.json()["next_cursor"] is None


async def test_list_shows_decided_plans_to_everyone_but_drafts_only_in_scope(client, board, other_board):
    decided_ = await decide(client, board, await create(client, board))
    await create(client, board, year=2028)
    assert [p["id"] for p in (await client.get(PLANS, headers=other_board)).json()["items"]] == [decided_.json()["id"]]


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"kind": "BUDGET"}, "#/query/kind"),
        ({"status": "OPEN"}, "#/query/status"),
        ({"year": 3000}, "#/query/year"),
        ({"org_unit_id": "x"}, "#/query/org_unit_id"),
        ({"limit": 201}, "#/query/limit"),
        ({"cursor": "W10"}, "#/query/cursor"),
    ],
)
async def test_invalid_list_parameters_are_422(client, board, params, pointer):
    response = await client.get(PLANS, params=params, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


# --- update -------------------------------------------------------------------------------


async def test_update_with_if_match_changes_the_draft(client, board, administration, auditors):
    created = await create(client, board)
    response = await client.patch(
        f"{PLANS}/{created.json()['id']}",
        json={"economy": "Driftram 520 mnkr.", "description": ""},
        headers=administration | {"If-Match": created.headers["etag"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["economy"], body["description"], body["title"]) == ("Driftram 520 mnkr.", "", BOARD_PLAN["title"])
    assert body["updated_by"] == "user-forvaltning" and response.headers["etag"] == f'"{body["id"]}.2"'
    event = (await audit_events(client, auditors))[0]
    assert (event["action"], event["before"]["economy"], event["after"]["economy"]) == (
        "UPDATE",
        "Driftram 512 mnkr.",
        "Driftram 520 mnkr.",
    )


async def test_update_that_changes_nothing_keeps_the_version(client, board):
    created = await create(client, board)
    response = await client.patch(
        f"{PLANS}/{created.json()['id']}", json={"title": BOARD_PLAN["title"]}, headers=board | {"If-Match": created.headers["etag"]}
    )
    assert response.status_code == 200 and response.headers["etag"] == created.headers["etag"]


async def test_update_needs_if_match_and_a_fresh_one(client, board, auditors):
    created = await create(client, board)
    url = f"{PLANS}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"title": "Ny"}, headers=board), 428)
    first = await client.patch(url, json={"title": "Först"}, headers=board | {"If-Match": created.headers["etag"]})
    assert_problem(await client.patch(url, json={"title": "Sent"}, headers=board | {"If-Match": created.headers["etag"]}), 412)
    assert await stored(client, created, auditors) == first.json()


async def test_update_of_an_unknown_id_is_404_and_needs_an_assertion(client, board):
    assert_problem(await client.patch(f"{PLANS}/{uuid.uuid4()}", json={"title": "Ny"}, headers=board | {"If-Match": "*"}), 404)
    assert_problem(await client.patch(f"{PLANS}/{uuid.uuid4()}", json={"title": "Ny"}, headers={"If-Match": "*"}), 401)


async def test_update_cannot_clear_the_title(client, board, auditors):
    created = await create(client, board)
    response = await client.patch(
        f"{PLANS}/{created.json()['id']}", json={"title": None}, headers=board | {"If-Match": created.headers["etag"]}
    )
    assert_problem(response, 422, detail_contains="cannot be cleared")
    assert pointers(response) == {"#/title"}
    assert await stored(client, created, auditors) == created.json()


async def test_enhet_editing_a_board_plan_is_refused(client, board, as_role, auditors):
    created = await create(client, board)
    unit_head_over_the_board = as_role(Role.ENHET, BOARD, [BOARD]) | {"If-Match": created.headers["etag"]}
    response = await client.patch(f"{PLANS}/{created.json()['id']}", json={"title": "Ny"}, headers=unit_head_over_the_board)
    assert_problem(response, 403, detail_contains="a board plan is written by the roles: forvaltning, namnd")
    assert await stored(client, created, auditors) == created.json()


async def test_editing_a_decided_plan_is_refused(client, board, auditors):
    plan = await decide(client, board, await create(client, board))
    response = await client.patch(f"{PLANS}/{plan.json()['id']}", json={"title": "Ny"}, headers=board | {"If-Match": plan.headers["etag"]})
    assert_problem(response, 409, detail_contains="a decided version is immutable; create a new revision", type_="rule-violation")
    assert await stored(client, plan, auditors) == plan.json()


async def test_editing_another_boards_plan_is_refused_by_scope(client, board, other_board, auditors):
    plan = await decide(client, board, await create(client, board))
    response = await client.patch(
        f"{PLANS}/{plan.json()['id']}", json={"title": "Ny"}, headers=other_board | {"If-Match": plan.headers["etag"]}
    )
    assert_problem(response, 403, detail_contains="outside your scope", type_="forbidden")
    assert await stored(client, plan, auditors) == plan.json()


# --- lifecycle ----------------------------------------------------------------------------


async def test_administration_proposes_and_the_board_decides_its_plan(client, board, administration, auditors):
    created = await create(client, administration)
    decided_ = await decide(client, administration, created, decider=board)
    assert decided_.json()["status"] == "DECIDED" and decided_.json()["decision"] == DECISION
    actions = [e["action"] for e in await audit_events(client, auditors, entity_id=created.json()["id"])]
    assert actions == ["DECIDE", "PROPOSE", "CREATE"]


async def test_the_administration_cannot_decide_the_board_plan(client, administration, auditors):
    proposed = await step(client, administration, await create(client, administration), "proposal")
    response = await step(client, administration, proposed, "decision", DECISION)
    assert_problem(response, 403, detail_contains="the DECIDE step of a board plan is written by the roles: namnd")
    assert (await stored(client, proposed, auditors))["status"] == "PROPOSED"


async def test_the_administration_adopts_its_operational_plan(client, administration):
    plan = await decide(client, administration, await create(client, administration, plan=OPERATIONAL_PLAN))
    assert plan.json()["status"] == "DECIDED"


async def test_the_unit_head_adopts_the_unit_plan(client, unit_head):
    plan = await decide(client, unit_head, await create(client, unit_head, plan=UNIT_PLAN))
    assert plan.json()["status"] == "DECIDED"


async def test_the_board_cannot_decide_an_operational_plan(client, administration, board, auditors):
    proposed = await step(client, administration, await create(client, administration, plan=OPERATIONAL_PLAN), "proposal")
    assert_problem(await step(client, board, proposed, "decision", DECISION), 403, detail_contains="the DECIDE step of an operational plan")
    assert (await stored(client, proposed, auditors))["status"] == "PROPOSED"


async def test_a_proposal_goes_back_to_draft(client, administration, board):
    proposed = await step(client, administration, await create(client, administration), "proposal")
    returned = await step(client, board, proposed, "return")
    assert returned.status_code == 200 and returned.json()["status"] == "DRAFT"


async def test_deciding_a_draft_directly_is_refused(client, board, auditors):
    created = await create(client, board)
    assert_problem(await step(client, board, created, "decision", DECISION), 409, detail_contains="DECIDE is only possible from PROPOSED")
    assert await stored(client, created, auditors) == created.json()


@pytest.mark.parametrize(("changes", "pointer"), [({"body": ""}, "#/body"), ({"decision_date": "oktober"}, "#/decision_date")])
async def test_decision_without_a_valid_body_or_date_is_refused(client, board, auditors, changes, pointer):
    proposed = await step(client, board, await create(client, board), "proposal")
    response = await step(client, board, proposed, "decision", DECISION | changes)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert (await stored(client, proposed, auditors))["status"] == "PROPOSED"


@pytest.mark.parametrize("action", ["proposal", "return", "decision", "archival"])
async def test_lifecycle_actions_need_if_match_a_known_id_and_an_assertion(client, board, as_role, action):
    created = await create(client, board)
    body = DECISION if action == "decision" else None
    assert_problem(await client.post(f"{PLANS}/{created.json()['id']}/{action}", json=body, headers=board), 428)
    assert_problem(await client.post(f"{PLANS}/{uuid.uuid4()}/{action}", json=body, headers=board | {"If-Match": "*"}), 404)
    assert_problem(await client.post(f"{PLANS}/{uuid.uuid4()}/{action}", json=body), 401)
    assert_problem(
        await client.post(f"{PLANS}/{created.json()['id']}/{action}", json=body, headers=as_role(Role.REVISOR) | {"If-Match": "*"}), 403
    )


async def test_lifecycle_step_with_a_stale_etag_is_412(client, board):
    created = await create(client, board)
    await step(client, board, created, "proposal")
    assert_problem(await step(client, board, created, "return"), 412)


async def test_archiving_a_decided_plan(client, board):
    plan = await decide(client, board, await create(client, board))
    archived = await step(client, board, plan, "archival")
    assert archived.status_code == 200 and archived.json()["status"] == "ARCHIVED" and archived.json()["decision"] == DECISION


async def test_new_revision_copies_the_decided_plan(client, board, administration):
    first = await decide(client, board, await create(client, board))
    response = await client.post(f"{PLANS}/{first.json()['id']}/revisions", headers=administration)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["revision"], body["replaces_id"], body["decision"]) == ("DRAFT", 2, first.json()["id"], None)
    for field in ("kind", "org_unit_id", "year", "title", "description", "economy", "items"):
        assert body[field] == first.json()[field]
    assert response.headers["location"] == f"{PLANS}/{body['id']}"


async def test_deciding_a_revision_archives_the_replaced_plan(client, board, auditors):
    first = await decide(client, board, await create(client, board))
    draft = await client.post(f"{PLANS}/{first.json()['id']}/revisions", headers=board)
    second = await decide(client, board, draft)
    assert second.json()["status"] == "DECIDED"
    assert (await stored(client, first, auditors))["status"] == "ARCHIVED"
    assert (await audit_events(client, auditors, entity_id=first.json()["id"]))[0]["action"] == "ARCHIVE"


async def test_second_open_revision_via_revisions_is_refused(client, board, auditors):
    first = await decide(client, board, await create(client, board))
    assert (await client.post(f"{PLANS}/{first.json()['id']}/revisions", headers=board)).status_code == 201
    response = await client.post(f"{PLANS}/{first.json()['id']}/revisions", headers=board)
    assert_problem(response, 409, detail_contains="one plan revision per kind, org unit and year is prepared at a time")
    assert len(await all_plans(client, auditors)) == 2


async def test_revision_rules_refuse_drafts_other_scopes_unknown_ids_and_anonymous_callers(client, board, other_board, auditors):
    draft = await create(client, board)
    assert_problem(
        await client.post(f"{PLANS}/{draft.json()['id']}/revisions", headers=board), 409, detail_contains="starts from the decided plan"
    )
    decided_ = await decide(client, board, await create(client, board, year=2028))
    assert_problem(
        await client.post(f"{PLANS}/{decided_.json()['id']}/revisions", headers=other_board), 403, detail_contains="outside your scope"
    )
    assert_problem(await client.post(f"{PLANS}/{uuid.uuid4()}/revisions", headers=board), 404)
    assert_problem(await client.post(f"{PLANS}/{uuid.uuid4()}/revisions"), 401)
    assert len(await all_plans(client, auditors)) == 2


# --- delete -------------------------------------------------------------------------------


async def test_deleting_a_draft_removes_it(client, board, auditors):
    created = await create(client, board)
    response = await client.delete(f"{PLANS}/{created.json()['id']}", headers=board | {"If-Match": created.headers["etag"]})
    assert response.status_code == 204
    assert await all_plans(client, auditors) == []
    assert (await audit_events(client, auditors))[0]["action"] == "DELETE"


async def test_deleting_a_decided_plan_is_refused(client, board, auditors):
    plan = await decide(client, board, await create(client, board))
    response = await client.delete(f"{PLANS}/{plan.json()['id']}", headers=board | {"If-Match": plan.headers["etag"]})
    assert_problem(response, 409, detail_contains="only a draft can be deleted")
    assert await stored(client, plan, auditors) == plan.json()


async def test_delete_needs_if_match_a_known_id_an_assertion_and_a_writer(client, board, as_role, auditors):
    created = await create(client, board)
    url = f"{PLANS}/{created.json()['id']}"
    assert_problem(await client.delete(url, headers=board), 428)
    assert_problem(await client.delete(f"{PLANS}/{uuid.uuid4()}", headers=board | {"If-Match": "*"}), 404)
    assert_problem(await client.delete(url, headers={"If-Match": "*"}), 401)
    assert_problem(await client.delete(url, headers=as_role(Role.ENHET, BOARD, [BOARD]) | {"If-Match": "*"}), 403)
    assert_problem(await client.delete(f"{PLANS}/not-an-id", headers=board | {"If-Match": "*"}), 422)
    assert await stored(client, created, auditors) == created.json()
