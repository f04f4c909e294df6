"""A goal's lifecycle: proposal, return, decision, archival, closure, and amendments as new revisions."""

import uuid

import pytest

from services.goals.tests.support.goals import (
    DECISION,
    GOALS,
    add_indicator,
    all_goals,
    audit_events,
    board_goal,
    create,
    decided,
    municipal_goal,
    period,
    step,
    stored,
    targets,
)
from services.goals.tests.support.organisation import BOARD, OTHER_BOARD, UNIT
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

ACTIONS = ["proposal", "return", "decision", "archival", "closure"]
BODIES = {"decision": DECISION, "closure": {"reason": "ACHIEVED"}}


async def revise(client, headers, response):
    return await client.post(f"{GOALS}/{response.json()['id']}/revisions", headers=headers)


# --- proposal, return, decision, archival ------------------------------------------------------


async def test_a_draft_is_proposed_then_decided_with_the_decision(client, app, board, as_role):
    created = await create(client, board, board_goal())
    await add_indicator(app, created.json())
    proposed = await step(client, board, created, "proposal")
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["status"] == "PROPOSED" and proposed.json()["decision"] is None
    assert proposed.headers["etag"] == f'"{created.json()["id"]}.2"'
    response = await step(client, board, proposed, "decision", DECISION)
    assert response.status_code == 200, response.text
    goal = response.json()
    assert goal["status"] == "DECIDED" and goal["decision"] == DECISION and goal["indicator_count"] == 1
    assert response.headers["etag"] == f'"{goal["id"]}.3"'
    public = await client.get(f"{GOALS}/{goal['id']}", headers=as_role(Role.ENHET, OTHER_BOARD, [OTHER_BOARD]))
    assert public.json() == goal


async def test_the_administration_drafts_and_proposes_and_the_board_decides(client, app, administration, board):
    goal = await decided(client, app, administration, board_goal(), decider=board)
    assert goal.json()["status"] == "DECIDED" and goal.json()["created_by"] == "user-forvaltning"
    assert goal.json()["updated_by"] == "user-namnd"


async def test_a_proposal_is_returned_to_draft_and_edited(client, board):
    proposed = await step(client, board, await create(client, board, board_goal()), "proposal")
    returned = await step(client, board, proposed, "return")
    assert returned.status_code == 200 and returned.json()["status"] == "DRAFT"
    edited = await client.patch(
        f"{GOALS}/{returned.json()['id']}", json={"title": "Omarbetat"}, headers=board | {"If-Match": returned.headers["etag"]}
    )
    assert edited.status_code == 200 and edited.json()["title"] == "Omarbetat"


async def test_deciding_a_draft_directly_is_refused_by_the_lifecycle(client, app, board, revisor):
    created = await create(client, board, board_goal())
    response = await step(client, board, created, "decision", DECISION)
    assert_problem(response, 409, detail_contains="DECIDE is only possible from PROPOSED")
    assert await stored(client, revisor, created) == created.json()


@pytest.mark.parametrize(
    ("action", "detail"),
    [
        ("proposal", "PROPOSE is only possible from DRAFT"),
        ("return", "RETURN_TO_DRAFT"),
        ("archival", "ARCHIVE is only possible from DECIDED"),
    ],
)
async def test_steps_out_of_order_are_refused(client, app, board, revisor, action, detail):
    goal = await decided(client, app, board, board_goal()) if action != "archival" else await create(client, board, board_goal())
    response = await step(client, board, goal, action)
    assert_problem(response, 409, type_="rule-violation", detail_contains=detail)
    assert await stored(client, revisor, goal) == goal.json()


async def test_archiving_a_decided_goal_keeps_its_decision(client, app, board):
    goal = await decided(client, app, board, board_goal())
    archived = await step(client, board, goal, "archival")
    assert archived.status_code == 200
    assert archived.json()["status"] == "ARCHIVED" and archived.json()["decision"] == DECISION


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [({"body": ""}, "#/body"), ({"decision_date": "i höstas"}, "#/decision_date"), ({"reference": None}, "#/reference")],
)
async def test_decision_without_a_valid_body_date_or_reference_is_422(client, app, board, revisor, changes, pointer):
    created = await create(client, board, board_goal())
    await add_indicator(app, created.json())
    proposed = await step(client, board, created, "proposal")
    response = await step(client, board, proposed, "decision", DECISION | changes)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert await stored(client, revisor, proposed) == proposed.json()


@pytest.mark.parametrize("action", ACTIONS)
async def test_lifecycle_actions_without_if_match_are_428(client, board, action):
    created = await create(client, board, board_goal())
    response = await client.post(f"{GOALS}/{created.json()['id']}/{action}", json=BODIES.get(action), headers=board)
    assert_problem(response, 428, detail_contains="If-Match")


@pytest.mark.parametrize("action", ACTIONS)
async def test_lifecycle_actions_with_a_stale_etag_are_412(client, app, board, revisor, action):
    goal = (
        await decided(client, app, board, board_goal()) if action in ("archival", "closure") else await create(client, board, board_goal())
    )
    if action == "proposal":
        goal = await client.patch(
            f"{GOALS}/{goal.json()['id']}", json={"title": "Nytt"}, headers=board | {"If-Match": goal.headers["etag"]}
        )
    if action in ("return", "decision"):
        await add_indicator(app, goal.json())
        goal = await step(client, board, goal, "proposal")
    stale = f'"{goal.json()["id"]}.{goal.json()["row_version"] - 1}"'
    response = await client.post(f"{GOALS}/{goal.json()['id']}/{action}", json=BODIES.get(action), headers=board | {"If-Match": stale})
    assert_problem(response, 412, type_="precondition-failed")
    assert await stored(client, revisor, goal) == goal.json()


@pytest.mark.parametrize("action", ACTIONS + ["revisions"])
async def test_lifecycle_actions_on_an_unknown_goal_are_404(client, board, action):
    response = await client.post(f"{GOALS}/{uuid.uuid4()}/{action}", json=BODIES.get(action), headers=board | {"If-Match": "*"})
    assert_problem(response, 404, type_="not-found")


@pytest.mark.parametrize("action", ACTIONS + ["revisions"])
async def test_lifecycle_actions_on_a_non_uuid_are_422(client, board, action):
    response = await client.post(f"{GOALS}/goal-1/{action}", json=BODIES.get(action), headers=board | {"If-Match": "*"})
    assert_problem(response, 422)
    assert "#/path/goal_id" in pointers(response)


@pytest.mark.parametrize("action", ACTIONS + ["revisions"])
async def test_lifecycle_actions_without_an_assertion_are_401(client, action):
    assert_problem(await client.post(f"{GOALS}/{uuid.uuid4()}/{action}", json=BODIES.get(action)), 401)


@pytest.mark.parametrize("action", ACTIONS + ["revisions"])
@pytest.mark.parametrize("role", [Role.REVISOR, Role.ADMIN])
async def test_revisor_and_admin_take_no_lifecycle_step(client, app, board, as_role, revisor, action, role):
    goal = await decided(client, app, board, board_goal())
    response = await client.post(
        f"{GOALS}/{goal.json()['id']}/{action}", json=BODIES.get(action), headers=as_role(role) | {"If-Match": "*"}
    )
    assert_problem(response, 403, type_="role-not-allowed")
    assert await all_goals(client, revisor) == [goal.json()]


@pytest.mark.parametrize("action", ["proposal", "return"])
async def test_an_enhet_user_moves_no_board_goal(client, board, as_role, revisor, action):
    goal = await create(client, board, board_goal())
    if action == "return":
        goal = await step(client, board, goal, "proposal")
    response = await step(client, as_role(Role.ENHET, UNIT, [BOARD, UNIT]), goal, action)
    assert_problem(response, 403, detail_contains="a board goal is written by the roles: forvaltning, namnd")
    assert await stored(client, revisor, goal) == goal.json()


# --- revisions ---------------------------------------------------------------------------------


async def test_a_new_revision_copies_content_links_and_year_targets(client, app, council, board):
    serves = await decided(client, app, council, municipal_goal((await period(app)).id))
    body = board_goal(
        end_year=2028,
        intent="Tidiga insatser.",
        sdgs=[4],
        year_targets=targets(2027, 2028),
        external_codes={"stratsys": "G-1"},
        contributes_to=[serves.json()["id"]],
    )
    first = await decided(client, app, board, body)
    response = await revise(client, board, first)
    assert response.status_code == 201, response.text
    revision = response.json()
    assert (revision["status"], revision["revision"], revision["replaces_id"]) == ("DRAFT", 2, first.json()["id"])
    assert revision["lineage_id"] == first.json()["lineage_id"] and revision["id"] != first.json()["id"]
    assert revision["decision"] is None and revision["created_by"] == "user-namnd"
    copied = ("level", "owner_org_unit_id", "start_year", "end_year", "title", "intent", "perspective", "contributes_to", "sdgs")
    for field in copied + ("year_targets", "external_codes", "indicator_count"):
        assert revision[field] == first.json()[field], field
    assert response.headers["location"] == f"{GOALS}/{revision['id']}"
    assert response.headers["etag"] == f'"{revision["id"]}.1"'


async def test_deciding_a_revision_archives_the_one_it_replaces(client, app, board, revisor, as_role):
    first = await decided(client, app, board, board_goal())
    draft = await revise(client, board, first)
    edited = await client.patch(
        f"{GOALS}/{draft.json()['id']}", json={"title": "Reviderat mål"}, headers=board | {"If-Match": draft.headers["etag"]}
    )
    second_decision = DECISION | {"reference": "BUN § 12/2027"}
    second = await step(client, board, await step(client, board, edited, "proposal"), "decision", second_decision)
    assert second.status_code == 200, second.text
    assert second.json()["decision"] == second_decision and second.json()["revision"] == 2
    old = await stored(client, revisor, first)
    assert old["status"] == "ARCHIVED" and old["decision"] == DECISION, "the archived revision keeps its own decision"
    in_force = await client.get(GOALS, params={"status": "DECIDED"}, headers=as_role(Role.ENHET, OTHER_BOARD, [OTHER_BOARD]))
    assert [g["title"] for g in in_force.json()["items"]] == ["Reviderat mål"]


async def test_one_revision_of_a_goal_is_prepared_at_a_time(client, app, board, revisor):
    first = await decided(client, app, board, board_goal())
    draft = await revise(client, board, first)
    assert draft.status_code == 201
    await step(client, board, draft, "proposal")
    response = await revise(client, board, first)
    assert_problem(
        response, 409, type_="rule-violation", detail_contains="one revision of a goal is prepared at a time: revision 2 is still PROPOSED"
    )
    assert len(await all_goals(client, revisor)) == 2


@pytest.mark.parametrize("source", ["draft", "archived", "closed"])
async def test_a_revision_starts_only_from_the_decided_goal_in_force(client, app, board, revisor, source):
    goal = await create(client, board, board_goal()) if source == "draft" else await decided(client, app, board, board_goal())
    if source == "archived":
        goal = await step(client, board, goal, "archival")
    if source == "closed":
        goal = await step(client, board, goal, "closure", {"reason": "DISCONTINUED"})
    response = await revise(client, board, goal)
    detail = (
        "a closed goal is no longer in force and is not revised"
        if source == "closed"
        else "a new revision starts from the decided goal in force"
    )
    assert_problem(response, 409, detail_contains=detail)
    assert await all_goals(client, revisor) == [goal.json()]


async def test_revising_another_boards_goal_is_403(client, app, board, other_board, revisor):
    goal = await decided(client, app, board, board_goal())
    assert_problem(await revise(client, other_board, goal), 403, detail_contains="outside your scope")
    assert await all_goals(client, revisor) == [goal.json()]


async def test_revisions_of_a_lineage_are_listed_first_revision_first(client, app, board):
    first = await decided(client, app, board, board_goal())
    second = await step(client, board, await step(client, board, await revise(client, board, first), "proposal"), "decision", DECISION)
    third = await revise(client, board, second)
    for goal in (first, second, third):
        page = await client.get(f"{GOALS}/{goal.json()['id']}/revisions", params={"limit": 2}, headers=board)
        assert page.status_code == 200
        assert [g["revision"] for g in page.json()["items"]] == [1, 2]
        rest = await client.get(
            f"{GOALS}/{goal.json()['id']}/revisions", params={"limit": 2, "cursor": page.json()["next_cursor"]}, headers=board
        )
        assert [g["id"] for g in rest.json()["items"]] == [third.json()["id"]] and rest.json()["next_cursor"] is None


async def test_a_draft_revision_is_listed_only_in_scope(client, app, board, other_board):
    first = await decided(client, app, board, board_goal())
    draft = await revise(client, board, first)
    seen_by_other = await client.get(f"{GOALS}/{first.json()['id']}/revisions", headers=other_board)
    assert [g["id"] for g in seen_by_other.json()["items"]] == [first.json()["id"]]
    assert_problem(await client.get(f"{GOALS}/{draft.json()['id']}/revisions", headers=other_board), 404)


async def test_revisions_of_an_unknown_goal_are_404(client, board):
    assert_problem(await client.get(f"{GOALS}/{uuid.uuid4()}/revisions", headers=board), 404)


@pytest.mark.parametrize(("params", "pointer"), [({"cursor": "W10"}, "#/query/cursor"), ({"limit": 0}, "#/query/limit")])
async def test_invalid_revision_list_parameters_are_422(client, board, params, pointer):
    goal = await create(client, board, board_goal())
    response = await client.get(f"{GOALS}/{goal.json()['id']}/revisions", params=params, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


# --- closure -----------------------------------------------------------------------------------


async def test_an_achieved_goal_is_closed_and_stays_readable(client, app, board, as_role):
    goal = await decided(client, app, board, board_goal())
    response = await step(client, board, goal, "closure", {"reason": "ACHIEVED", "comment": "Målet uppnåddes 2027."})
    assert response.status_code == 200, response.text
    closed = response.json()
    assert closed["status"] == "DECIDED" and closed["decision"] == DECISION
    closure = closed["closure"]
    assert (closure["reason"], closure["comment"], closure["closed_by"]) == ("ACHIEVED", "Målet uppnåddes 2027.", "user-namnd")
    assert closure["closed_at"]
    assert response.headers["etag"] == f'"{closed["id"]}.4"'
    reader = as_role(Role.ENHET, OTHER_BOARD, [OTHER_BOARD])
    assert (await client.get(f"{GOALS}/{closed['id']}", headers=reader)).json() == closed
    assert [g["id"] for g in (await client.get(GOALS, headers=reader)).json()["items"]] == [closed["id"]]
    open_only = await client.get(GOALS, params={"include_closed": "false"}, headers=reader)
    assert open_only.json()["items"] == [], "a closed goal is no longer in force"


async def test_closing_twice_is_refused(client, app, board, revisor):
    goal = await decided(client, app, board, board_goal())
    closed = await step(client, board, goal, "closure", {"reason": "DISCONTINUED"})
    response = await step(client, board, closed, "closure", {"reason": "ACHIEVED"})
    assert_problem(response, 409, type_="rule-violation", detail_contains="a goal is closed once")
    assert await stored(client, revisor, goal) == closed.json()


@pytest.mark.parametrize("source", ["draft", "proposed", "archived"])
async def test_only_a_decided_goal_is_closed(client, app, board, revisor, source):
    goal = await create(client, board, board_goal())
    if source == "proposed":
        goal = await step(client, board, goal, "proposal")
    if source == "archived":
        goal = await step(client, board, await decided(client, app, board, board_goal(title="Arkiveras")), "archival")
    response = await step(client, board, goal, "closure", {"reason": "ACHIEVED"})
    assert_problem(response, 409, detail_contains=f"only a decided goal is closed; this version is {goal.json()['status']}")
    assert await stored(client, revisor, goal) == goal.json()


@pytest.mark.parametrize(
    ("body", "pointer"),
    [({}, "#/reason"), ({"reason": "FORGOTTEN"}, "#/reason"), ({"reason": "ACHIEVED", "comment": "x" * 2001}, "#/comment")],
)
async def test_closure_with_an_invalid_body_is_422(client, app, board, revisor, body, pointer):
    goal = await decided(client, app, board, board_goal())
    response = await step(client, board, goal, "closure", body)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}
    assert await stored(client, revisor, goal) == goal.json()


async def test_the_administration_does_not_close_a_board_goal(client, app, board, administration, revisor):
    goal = await decided(client, app, board, board_goal())
    response = await step(client, administration, goal, "closure", {"reason": "ACHIEVED"})
    assert_problem(response, 403, detail_contains="the decision on a board goal is written by the roles: namnd")
    assert await stored(client, revisor, goal) == goal.json()


# --- audit and schema ----------------------------------------------------------------------------


async def test_every_goal_write_is_audited_with_before_and_after(client, app, board, revisor):
    created = await create(client, board, board_goal())
    goal_id = created.json()["id"]
    edited = await client.patch(f"{GOALS}/{goal_id}", json={"title": "Nytt"}, headers=board | {"If-Match": created.headers["etag"]})
    await add_indicator(app, edited.json())
    proposed = await step(client, board, edited, "proposal")
    returned = await step(client, board, proposed, "return")
    decided_ = await step(client, board, await step(client, board, returned, "proposal"), "decision", DECISION)
    closed = await step(client, board, decided_, "closure", {"reason": "ACHIEVED"})
    events = await audit_events(client, revisor, entity_id=goal_id)
    assert [e["action"] for e in events] == ["CLOSE", "DECIDE", "PROPOSE", "RETURN_TO_DRAFT", "PROPOSE", "UPDATE", "CREATE"]
    assert {(e["entity_type"], e["actor_id"]) for e in events} == {("goal", "user-namnd")}
    close, decide, *_, update, create_ = events
    assert create_["before"] is None and create_["after"] == created.json()
    assert update["before"]["title"] == "Fler elever klarar skolan" and update["after"] == edited.json()
    assert decide["before"]["status"] == "PROPOSED" and decide["after"] == decided_.json()
    assert close["before"]["closure"] is None and close["after"] == closed.json()


async def test_deciding_a_revision_records_the_archival_and_a_deleted_draft_is_recorded(client, app, board, revisor):
    first = await decided(client, app, board, board_goal())
    second = await step(client, board, await step(client, board, await revise(client, board, first), "proposal"), "decision", DECISION)
    third = await revise(client, board, second)
    await client.delete(f"{GOALS}/{third.json()['id']}", headers=board | {"If-Match": third.headers["etag"]})
    events = await audit_events(client, revisor)
    assert [(e["action"], e["entity_id"]) for e in events[:4]] == [
        ("DELETE", third.json()["id"]),
        ("CREATE", third.json()["id"]),
        ("DECIDE", second.json()["id"]),
        ("ARCHIVE", first.json()["id"]),
    ]
    assert events[0]["before"] == third.json() and events[0]["after"] is None


async def test_refused_writes_leave_no_audit_event(client, app, board, unit, revisor):
    created = await create(client, board, board_goal())
    url = f"{GOALS}/{created.json()['id']}"
    await client.post(GOALS, json=board_goal(), headers=unit)  # 403
    await client.post(GOALS, json=board_goal(end_year=2020), headers=board)  # 422
    await step(client, board, created, "decision", DECISION)  # 409: not proposed
    await client.patch(url, json={"title": "x"}, headers=board | {"If-Match": '"stale.0"'})  # 412
    proposed = await step(client, board, created, "proposal")
    await step(client, board, proposed, "decision", DECISION)  # 409: no indicator
    assert [e["action"] for e in await audit_events(client, revisor)] == ["PROPOSE", "CREATE"]


async def test_goal_operations_declare_their_roles_and_problems(client, board):
    schema = (await client.get("/openapi.json", headers=board)).json()
    operations = {op["operationId"]: op for item in schema["paths"].values() for op in item.values()}
    readers = sorted(r.value for r in Role)
    writers = sorted(r.value for r in (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET))
    for name in ("list-goals", "get-goal", "list-goal-revisions"):
        assert sorted(operations[f"goals-{name}"]["x-roles"]) == readers
    for name in (
        "create-goal",
        "update-goal",
        "delete-goal",
        "propose-goal",
        "return-goal",
        "decide-goal",
        "archive-goal",
        "revise-goal",
        "close-goal",
    ):
        operation = operations[f"goals-{name}"]
        assert sorted(operation["x-roles"]) == writers, name
        for status in ("401", "403", "404" if name != "create-goal" else "422"):
            assert "application/problem+json" in operation["responses"][status]["content"], (name, status)
