"""Goals at three levels: writing, reading and editing drafts, with the links of the röd tråd.
The seed rules are in test_goals_rules.py, the lifecycle in test_goals_lifecycle.py."""

import uuid

import pytest
from sqlalchemy import event

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
    unit_goal,
)
from services.goals.tests.support.organisation import ADMINISTRATION, BOARD, BOARD_TREE, COUNCIL, OTHER_BOARD, UNIT
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, assertion_headers, org_unit, pointers

# --- create -------------------------------------------------------------------------------


async def test_board_creates_a_draft_board_goal(client, board):
    body = board_goal(
        end_year=2028,
        intent="Fler behöriga till gymnasiet.",
        perspective="EMPLOYEES",
        sdgs=[10, 4],
        year_targets=targets(2027, 2028),
        external_codes={"stratsys": "G-1042"},
    )
    response = await client.post(GOALS, json=body, headers=board)
    assert response.status_code == 201, response.text
    goal = response.json()
    assert goal["status"] == "DRAFT" and goal["revision"] == 1 and goal["lineage_id"] == goal["id"]
    assert goal["replaces_id"] is None and goal["decision"] is None and goal["closure"] is None
    assert (goal["level"], goal["owner_org_unit_id"], goal["mandate_period_id"]) == ("BOARD", BOARD, None)
    assert (goal["start_year"], goal["end_year"], goal["perspective"]) == (2027, 2028, "EMPLOYEES")
    assert goal["sdgs"] == [4, 10], "global goals are kept in order"
    assert goal["year_targets"] == targets(2027, 2028)
    assert goal["external_codes"] == {"stratsys": "G-1042"}
    assert goal["contributes_to"] == [] and goal["indicator_count"] == 0
    assert goal["created_by"] == goal["updated_by"] == "user-namnd" and goal["row_version"] == 1
    assert response.headers["location"] == f"{GOALS}/{goal['id']}"
    assert response.headers["etag"] == f'"{goal["id"]}.1"'
    fetched = await client.get(response.headers["location"], headers=board)
    assert fetched.json() == goal and fetched.headers["etag"] == response.headers["etag"]


async def test_council_creates_a_municipal_goal_in_a_mandate_period(client, app, council):
    term = await period(app)
    response = await create(client, council, municipal_goal(term.id, sdgs=[11]))
    goal = response.json()
    assert (goal["level"], goal["mandate_period_id"], goal["start_year"], goal["end_year"]) == ("MUNICIPAL", str(term.id), 2027, 2030)


async def test_administration_drafts_a_board_goal_of_its_board(client, administration):
    response = await create(client, administration, board_goal())
    assert response.json()["created_by"] == "user-forvaltning"


async def test_unit_creates_a_unit_goal_serving_a_board_goal(client, app, board, unit):
    parent = await decided(client, app, board, board_goal())
    response = await create(client, unit, unit_goal(contributes_to=[parent.json()["id"]]))
    assert response.json()["contributes_to"] == [parent.json()["lineage_id"]]


async def test_administration_sets_unit_goals_in_its_operational_plan(client, administration):
    response = await create(client, administration, unit_goal(owner_org_unit_id=ADMINISTRATION))
    assert response.json()["level"] == "UNIT"


async def test_create_without_an_assertion_is_401(client):
    assert_problem(await client.post(GOALS, json=board_goal()), 401)


@pytest.mark.parametrize("role", [Role.REVISOR, Role.ADMIN])
async def test_revisor_and_admin_write_no_goals(client, as_role, role, revisor):
    response = await client.post(GOALS, json=board_goal(), headers=as_role(role))
    assert_problem(response, 403, type_="role-not-allowed")
    assert await all_goals(client, revisor) == []


@pytest.mark.parametrize(
    ("caller", "body", "detail"),
    [
        ("unit", board_goal(), "a board goal is written by the roles: forvaltning, namnd"),
        ("board", unit_goal(), "a unit goal is written by the roles: enhet, forvaltning"),
        ("council", board_goal(), "a board goal is written by the roles: forvaltning, namnd"),
        ("other_board", board_goal(), f"a board goal belongs to org unit {BOARD}, which is outside your scope"),
        ("unit", unit_goal(owner_org_unit_id=ADMINISTRATION), "outside your scope"),
    ],
)
async def test_writing_a_goal_outside_ones_role_or_scope_is_403(client, request, caller, body, detail, revisor):
    response = await client.post(GOALS, json=body, headers=request.getfixturevalue(caller))
    assert_problem(response, 403, type_="forbidden", detail_contains=detail)
    assert await all_goals(client, revisor) == []


async def test_only_the_council_writes_municipal_goals(client, app, board):
    term = await period(app)
    response = await client.post(GOALS, json=municipal_goal(term.id), headers=board)
    assert_problem(response, 403, detail_contains="a municipal goal is written by the roles: fullmaktige")


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"level": "COUNTY"}, "#/level"),
        ({"owner_org_unit_id": "board-1"}, "#/owner_org_unit_id"),
        ({"title": ""}, "#/title"),
        ({"title": "x" * 301}, "#/title"),
        ({"perspective": "CITIZENS"}, "#/perspective"),
        ({"start_year": 1999}, "#/start_year"),
        ({"sdgs": [0]}, "#/sdgs/0"),
        ({"sdgs": [18]}, "#/sdgs/0"),
        ({"sdgs": [4, 4]}, "#/sdgs"),
        ({"year_targets": [{"year": 2027}]}, "#/year_targets/0/target_level"),
        ({"year_targets": targets(2027, 2027) * 2}, "#/year_targets"),
        ({"external_codes": {"stratsys": ""}}, "#/external_codes/stratsys"),
        ({"contributes_to": ["not-a-goal"]}, "#/contributes_to/0"),
        ({"status": "DECIDED"}, "#/status"),
    ],
)
async def test_invalid_goal_fields_are_refused_with_a_pointer(client, board, changes, pointer, revisor):
    response = await client.post(GOALS, json=board_goal(**changes), headers=board)
    assert_problem(response, 422, type_="validation-failed")
    assert pointer in pointers(response)
    assert await all_goals(client, revisor) == []


async def test_a_municipal_goal_needs_a_mandate_period(client, council):
    body = municipal_goal(None)
    del body["mandate_period_id"]
    response = await client.post(GOALS, json=body, headers=council)
    assert_problem(response, 422, type_="invalid-input", detail_contains="a municipal goal belongs to a mandate period")
    assert pointers(response) == {"#/mandate_period_id"}


async def test_an_unknown_mandate_period_is_422(client, council):
    response = await client.post(GOALS, json=municipal_goal(uuid.uuid4()), headers=council)
    assert_problem(response, 422, detail_contains="no mandate period")
    assert pointers(response) == {"#/mandate_period_id"}


@pytest.mark.parametrize(
    ("start_year", "end_year", "expected"), [(2026, 2030, {"#/start_year"}), (2026, 2031, {"#/start_year", "#/end_year"})]
)
async def test_a_municipal_goal_lies_within_its_mandate_period(client, app, council, start_year, end_year, expected, revisor):
    term = await period(app)
    response = await client.post(GOALS, json=municipal_goal(term.id, start_year=start_year, end_year=end_year), headers=council)
    assert_problem(response, 422, detail_contains="a goal of a mandate period lies within its years (Mandatperiod 2027–2030)")
    assert pointers(response) == expected
    assert await all_goals(client, revisor) == []


async def test_a_board_goal_may_name_its_mandate_period(client, app, board):
    term = await period(app)
    response = await create(client, board, board_goal(mandate_period_id=str(term.id)))
    assert response.json()["mandate_period_id"] == str(term.id)


async def test_a_year_target_lies_within_the_goals_years(client, board):
    body = board_goal(end_year=2028, year_targets=targets(2027, 2029))
    response = await client.post(GOALS, json=body, headers=board)
    assert_problem(response, 422, detail_contains="a year target lies within the goal's years")
    assert pointers(response) == {"#/year_targets/2/year"}


# --- links (röd tråd) -----------------------------------------------------------------------


async def test_a_board_goal_may_serve_several_municipal_goals(client, app, council, board):
    term = await period(app)
    first = await decided(client, app, council, municipal_goal(term.id))
    second = await decided(client, app, council, municipal_goal(term.id, title="Trygg uppväxt"))
    response = await create(client, board, board_goal(contributes_to=[second.json()["id"], first.json()["id"], second.json()["id"]]))
    assert sorted(response.json()["contributes_to"]) == sorted([first.json()["lineage_id"], second.json()["lineage_id"]])


async def test_a_unit_goal_may_serve_another_unit_goal(client, unit):
    parent = await create(client, unit, unit_goal())
    child = await create(client, unit, unit_goal(title="Läsa 20 minuter om dagen", contributes_to=[parent.json()["id"]]))
    assert child.json()["contributes_to"] == [parent.json()["lineage_id"]]


@pytest.mark.parametrize(
    ("writer", "body_of", "parent_level", "detail"),
    [
        ("board", board_goal, "BOARD", "a board goal contributes to municipal goals"),
        ("unit", unit_goal, "MUNICIPAL", "a unit goal contributes to board or unit goals"),
        ("council", None, "MUNICIPAL", "a municipal goal contributes to no other goal"),
    ],
)
async def test_a_link_to_a_goal_of_the_wrong_level_is_422(
    client, app, request, council, board, writer, body_of, parent_level, detail, revisor
):
    term = await period(app)
    parent = (
        await decided(client, app, council, municipal_goal(term.id))
        if parent_level == "MUNICIPAL"
        else await decided(client, app, board, board_goal())
    )
    body = (body_of or (lambda **c: municipal_goal(term.id, **c)))(contributes_to=[parent.json()["id"]])
    before = await all_goals(client, revisor)
    response = await client.post(GOALS, json=body, headers=request.getfixturevalue(writer))
    problem = assert_problem(response, 422, type_="invalid-input", detail_contains=detail)
    assert problem["errors"] == [{"pointer": "#/contributes_to/0", "detail": f"{parent.json()['id']} is a {parent_level.lower()} goal"}]
    assert await all_goals(client, revisor) == before


async def test_a_link_to_an_unknown_goal_is_422(client, board):
    unknown = str(uuid.uuid4())
    response = await client.post(GOALS, json=board_goal(contributes_to=[unknown]), headers=board)
    assert_problem(response, 422, detail_contains="a board goal contributes to municipal goals")
    assert response.json()["errors"] == [{"pointer": "#/contributes_to/0", "detail": f"no goal {unknown}"}]


async def test_a_draft_the_caller_cannot_read_is_an_unknown_link(client, board, as_role, revisor):
    hidden = await create(client, board, board_goal())
    elsewhere = org_unit(OrgUnitType.ADMINISTRATION, parent=OTHER_BOARD)
    other_administration = as_role(Role.FORVALTNING, elsewhere, [elsewhere])
    response = await client.post(
        GOALS, json=unit_goal(owner_org_unit_id=elsewhere, contributes_to=[hidden.json()["id"]]), headers=other_administration
    )
    assert_problem(response, 422)
    assert response.json()["errors"] == [{"pointer": "#/contributes_to/0", "detail": f"no goal {hidden.json()['id']}"}]
    assert await all_goals(client, revisor) == [hidden.json()]


async def test_a_link_names_the_lineage_so_it_survives_a_new_revision(client, app, council, board):
    term = await period(app)
    first = await decided(client, app, council, municipal_goal(term.id))
    child = await create(client, board, board_goal(contributes_to=[first.json()["id"]]))
    revision = await client.post(f"{GOALS}/{first.json()['id']}/revisions", headers=council)
    second = await step(client, council, await step(client, council, revision, "proposal"), "decision", DECISION)
    assert second.json()["lineage_id"] == first.json()["id"] == child.json()["contributes_to"][0]
    by_new_revision = await create(client, board, board_goal(title="Ännu ett", contributes_to=[second.json()["id"]]))
    assert by_new_revision.json()["contributes_to"] == [first.json()["lineage_id"]]


# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
async def test_a_decided_goal_is_readable_by_every_signed_in_role(client, app, board, as_role, role):
    goal = await decided(client, app, board, board_goal())
    caller = as_role(role) if role in (Role.FULLMAKTIGE, Role.REVISOR, Role.ADMIN) else as_role(role, OTHER_BOARD, [OTHER_BOARD])
    response = await client.get(f"{GOALS}/{goal.json()['id']}", headers=caller)
    assert response.status_code == 200 and response.json() == goal.json()
    assert response.headers["etag"] == goal.headers["etag"] == f'"{goal.json()["id"]}.3"'
    assert response.json()["indicator_count"] == 1
    listed = await client.get(GOALS, headers=caller)
    assert [g["id"] for g in listed.json()["items"]] == [goal.json()["id"]]


@pytest.mark.parametrize("reader", ["board", "administration", "revisor"])
async def test_a_draft_is_readable_in_scope_and_by_revisor(client, request, board, reader):
    draft = await create(client, board, board_goal())
    headers = request.getfixturevalue(reader)
    assert (await client.get(f"{GOALS}/{draft.json()['id']}", headers=headers)).json() == draft.json()
    assert [g["id"] for g in (await client.get(GOALS, headers=headers)).json()["items"]] == [draft.json()["id"]]


@pytest.mark.parametrize("reader", ["other_board", "unit", "council"])
async def test_a_draft_is_hidden_outside_its_scope(client, request, board, reader, as_role):
    draft = await create(client, board, board_goal())
    proposed = await step(client, board, await create(client, board, board_goal(title="Annat mål")), "proposal")
    headers = request.getfixturevalue(reader) if reader != "council" else as_role(Role.FULLMAKTIGE, COUNCIL, [COUNCIL])
    for hidden in (draft, proposed):
        assert_problem(await client.get(f"{GOALS}/{hidden.json()['id']}", headers=headers), 404, type_="not-found")
    assert (await client.get(GOALS, headers=headers)).json()["items"] == []


async def test_get_of_an_unknown_goal_is_404(client, board):
    unknown = uuid.uuid4()
    body = assert_problem(await client.get(f"{GOALS}/{unknown}", headers=board), 404)
    assert str(unknown) in body["detail"]


async def test_get_of_a_non_uuid_is_422(client, board):
    response = await client.get(f"{GOALS}/goal-1", headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/goal_id"}


async def test_reads_without_an_assertion_are_401(client):
    for path in (GOALS, f"{GOALS}/{uuid.uuid4()}", f"{GOALS}/{uuid.uuid4()}/revisions"):
        assert_problem(await client.get(path), 401)


async def test_reading_by_a_caller_without_roles_is_403(client, keys):
    nobody = assertion_headers(keys, "goals", Principal(user_id="nobody", name="Ingen", assignments=()))
    assert_problem(await client.get(GOALS, headers=nobody), 403, type_="role-not-allowed")
    assert_problem(await client.get(f"{GOALS}/{uuid.uuid4()}", headers=nobody), 403, type_="role-not-allowed")


async def test_list_filters(client, app, council, board, unit, revisor, as_role):
    term = await period(app)
    later_term = await period(app, 2031)
    municipal = await decided(client, app, council, municipal_goal(term.id))
    later = await create(client, council, municipal_goal(later_term.id, start_year=2031, end_year=2034))
    two_years = await decided(client, app, board, board_goal(start_year=2027, end_year=2028, year_targets=targets(2027, 2028)))
    next_year = await create(client, board, board_goal(start_year=2028, end_year=2028))
    unit_draft = await create(client, unit, unit_goal())
    other = await create(client, as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD]), board_goal(owner_org_unit_id=OTHER_BOARD))

    async def ids(**params):
        response = await client.get(GOALS, params=params, headers=revisor)
        assert response.status_code == 200, response.text
        return {g["id"] for g in response.json()["items"]}

    def of(*responses):
        return {r.json()["id"] for r in responses}

    assert await ids(level="MUNICIPAL") == of(municipal, later)
    assert await ids(level="BOARD", owner_org_unit_id=BOARD) == of(two_years, next_year)
    assert await ids(year=2028) == of(municipal, two_years, next_year)
    assert await ids(year=2031) == of(later)
    assert await ids(status="DECIDED") == of(municipal, two_years)
    assert await ids(status="DRAFT", level="UNIT") == of(unit_draft)
    assert await ids(mandate_period_id=str(later_term.id)) == of(later)
    assert await ids(owner_org_unit_id=OTHER_BOARD) == of(other)


async def test_list_is_paginated_in_the_order_goals_were_set(client, board):
    created = [(await create(client, board, board_goal(title=f"Mål {i}"))).json()["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        page = (await client.get(GOALS, params={"limit": 2} | ({"cursor": cursor} if cursor else {}), headers=board)).json()
        assert len(page["items"]) <= 2
        seen += [g["id"] for g in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == created


async def test_listing_costs_the_same_number_of_queries_for_few_goals_and_many(client, app, board):
    statements = []

    def count(*_):
        statements.append(1)

    async def queries_of_a_list():
        statements.clear()
        event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
        try:
            response = await client.get(GOALS, headers=board)
        finally:
            event.remove(app.state.engine.sync_engine, "before_cursor_execute", count)
        return len(response.json()["items"]), len(statements)

    await create(client, board, board_goal(end_year=2028, year_targets=targets(2027, 2028)))
    few = await queries_of_a_list()
    for i in range(4):
        await create(client, board, board_goal(title=f"Mål {i}", end_year=2028, year_targets=targets(2027, 2028)))
    many = await queries_of_a_list()
    assert (few[0], many[0]) == (1, 5)
    assert few[1] == many[1] > 0, "no query per goal"


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"level": "COUNTY"}, "#/query/level"),
        ({"status": "OPEN"}, "#/query/status"),
        ({"year": "i år"}, "#/query/year"),
        ({"owner_org_unit_id": "board-1"}, "#/query/owner_org_unit_id"),
        ({"include_closed": "perhaps"}, "#/query/include_closed"),
        ({"limit": 201}, "#/query/limit"),
        ({"cursor": "eyJ4IjoxfQ"}, "#/query/cursor"),
    ],
)
async def test_invalid_list_parameters_are_422(client, board, params, pointer):
    response = await client.get(GOALS, params=params, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


async def test_indicator_count_covers_every_revision_of_the_lineage(client, app, board):
    goal = await decided(client, app, board, board_goal())
    await add_indicator(app, goal.json())
    revision = await client.post(f"{GOALS}/{goal.json()['id']}/revisions", headers=board)
    assert revision.json()["indicator_count"] == 2
    listed = (await client.get(GOALS, headers=board)).json()["items"]
    assert [g["indicator_count"] for g in listed] == [2, 2]


# --- update -------------------------------------------------------------------------------


async def test_update_changes_a_draft_and_its_etag(client, app, council, administration):
    term = await period(app)
    serves = await decided(client, app, council, municipal_goal(term.id))
    created = await create(client, administration, board_goal(year_targets=targets(2027, 2027)))
    url = f"{GOALS}/{created.json()['id']}"
    changes = {
        "end_year": 2029,
        "title": "Fler elever når målen",
        "intent": "Tidiga insatser.",
        "perspective": "FINANCE",
        "contributes_to": [serves.json()["id"]],
        "sdgs": [4],
        "year_targets": targets(2027, 2029),
        "external_codes": {"stratsys": "G-7"},
    }
    response = await client.patch(url, json=changes, headers=administration | {"If-Match": created.headers["etag"]})
    assert response.status_code == 200, response.text
    goal = response.json()
    assert {k: goal[k] for k in changes} == changes | {"contributes_to": [serves.json()["lineage_id"]]}
    assert goal["row_version"] == 2 and response.headers["etag"] == f'"{goal["id"]}.2"'
    assert (await client.get(url, headers=administration)).json() == goal


async def test_changing_only_the_links_changes_the_etag(client, app, council, board):
    term = await period(app)
    serves = await decided(client, app, council, municipal_goal(term.id))
    created = await create(client, board, board_goal())
    response = await client.patch(
        f"{GOALS}/{created.json()['id']}",
        json={"contributes_to": [serves.json()["id"]]},
        headers=board | {"If-Match": created.headers["etag"]},
    )
    assert response.json()["contributes_to"] == [serves.json()["lineage_id"]]
    assert response.headers["etag"] != created.headers["etag"]
    cleared = await client.patch(
        f"{GOALS}/{created.json()['id']}", json={"contributes_to": []}, headers=board | {"If-Match": response.headers["etag"]}
    )
    assert cleared.json()["contributes_to"] == []


async def test_update_that_changes_nothing_keeps_the_version(client, board, revisor):
    created = await create(client, board, board_goal(sdgs=[4]))
    response = await client.patch(
        f"{GOALS}/{created.json()['id']}",
        json={"title": "Fler elever klarar skolan", "sdgs": [4]},
        headers=board | {"If-Match": created.headers["etag"]},
    )
    assert response.status_code == 200 and response.headers["etag"] == created.headers["etag"]
    assert [e["action"] for e in await audit_events(client, revisor)] == ["CREATE"]


async def test_update_without_if_match_is_428(client, board, revisor):
    created = await create(client, board, board_goal())
    assert_problem(await client.patch(f"{GOALS}/{created.json()['id']}", json={"title": "Nytt"}, headers=board), 428)
    assert await stored(client, revisor, created) == created.json()


async def test_update_with_a_stale_etag_is_412(client, board, revisor):
    created = await create(client, board, board_goal())
    url = f"{GOALS}/{created.json()['id']}"
    first = await client.patch(url, json={"title": "Först"}, headers=board | {"If-Match": created.headers["etag"]})
    late = await client.patch(url, json={"title": "Sent"}, headers=board | {"If-Match": created.headers["etag"]})
    assert_problem(late, 412, type_="precondition-failed")
    assert await stored(client, revisor, created) == first.json()


async def test_update_of_an_unknown_goal_is_404(client, board):
    assert_problem(await client.patch(f"{GOALS}/{uuid.uuid4()}", json={"title": "x"}, headers=board | {"If-Match": "*"}), 404)


async def test_update_without_an_assertion_is_401(client):
    assert_problem(await client.patch(f"{GOALS}/{uuid.uuid4()}", json={"title": "x"}), 401)


@pytest.mark.parametrize(
    ("body", "pointer", "detail"),
    [
        ({"title": None}, "#/title", "cannot be cleared"),
        ({"end_year": None}, "#/end_year", "cannot be cleared"),
        ({"start_year": 2028}, "#/end_year", "a goal is time-bound"),
        ({"year_targets": targets(2028, 2028)}, "#/year_targets/0/year", "a year target lies within the goal's years"),
        ({"level": "UNIT"}, "#/level", None),
        ({"owner_org_unit_id": OTHER_BOARD}, "#/owner_org_unit_id", None),
    ],
)
async def test_invalid_update_is_422_and_changes_nothing(client, board, body, pointer, detail, revisor):
    created = await create(client, board, board_goal())
    response = await client.patch(f"{GOALS}/{created.json()['id']}", json=body, headers=board | {"If-Match": created.headers["etag"]})
    assert_problem(response, 422, detail_contains=detail)
    assert pointer in pointers(response)
    assert await stored(client, revisor, created) == created.json()


async def test_a_municipal_goal_keeps_its_mandate_period(client, app, council):
    term = await period(app)
    created = await create(client, council, municipal_goal(term.id))
    response = await client.patch(f"{GOALS}/{created.json()['id']}", json={"mandate_period_id": None}, headers=council | {"If-Match": "*"})
    assert_problem(response, 422, detail_contains="a municipal goal belongs to a mandate period")
    assert pointers(response) == {"#/mandate_period_id"}


async def test_a_board_goal_may_leave_its_mandate_period(client, app, board):
    term = await period(app)
    created = await create(client, board, board_goal(mandate_period_id=str(term.id)))
    response = await client.patch(f"{GOALS}/{created.json()['id']}", json={"mandate_period_id": None}, headers=board | {"If-Match": "*"})
    assert response.status_code == 200 and response.json()["mandate_period_id"] is None


async def test_unit_goals_do_not_serve_each_other_in_a_circle(client, unit, revisor):
    first = await create(client, unit, unit_goal())
    second = await create(client, unit, unit_goal(title="Andra", contributes_to=[first.json()["id"]]))
    third = await create(client, unit, unit_goal(title="Tredje", contributes_to=[second.json()["id"]]))
    url = f"{GOALS}/{first.json()['id']}"
    response = await client.patch(url, json={"contributes_to": [third.json()["id"]]}, headers=unit | {"If-Match": first.headers["etag"]})
    assert_problem(response, 422, detail_contains="goals contribute upwards without a circle")
    assert pointers(response) == {"#/contributes_to"}
    itself = await client.patch(url, json={"contributes_to": [first.json()["id"]]}, headers=unit | {"If-Match": first.headers["etag"]})
    assert itself.json()["errors"] == [{"pointer": "#/contributes_to/0", "detail": "a goal does not contribute to itself"}]
    assert await stored(client, revisor, first) == first.json()


async def test_an_enhet_user_editing_a_board_goal_is_403(client, board, as_role, revisor):
    created = await create(client, board, board_goal())
    unit_in_board_scope = as_role(Role.ENHET, UNIT, BOARD_TREE)  # sees the draft, may still not write it
    response = await client.patch(f"{GOALS}/{created.json()['id']}", json={"title": "x"}, headers=unit_in_board_scope)
    assert_problem(response, 403, detail_contains="a board goal is written by the roles: forvaltning, namnd")
    assert await stored(client, revisor, created) == created.json()


async def test_editing_another_boards_goal_is_403_before_any_precondition(client, app, board, other_board, revisor):
    goal = await decided(client, app, board, board_goal())  # readable by the other board, not writable
    response = await client.patch(f"{GOALS}/{goal.json()['id']}", json={"title": "x"}, headers=other_board)
    assert_problem(
        response, 403, type_="forbidden", detail_contains=f"a board goal belongs to org unit {BOARD}, which is outside your scope"
    )
    assert await stored(client, revisor, goal) == goal.json()


async def test_revisor_edits_nothing(client, board, revisor):
    created = await create(client, board, board_goal())
    response = await client.patch(f"{GOALS}/{created.json()['id']}", json={"title": "x"}, headers=revisor | {"If-Match": "*"})
    assert_problem(response, 403, type_="role-not-allowed")
    assert await stored(client, revisor, created) == created.json()


# --- delete -------------------------------------------------------------------------------


async def test_deleting_a_draft_removes_it_with_its_links_and_targets(client, app, council, board, revisor):
    term = await period(app)
    serves = await decided(client, app, council, municipal_goal(term.id))
    created = await create(client, board, board_goal(end_year=2028, year_targets=targets(2027, 2028), contributes_to=[serves.json()["id"]]))
    url = f"{GOALS}/{created.json()['id']}"
    response = await client.delete(url, headers=board | {"If-Match": created.headers["etag"]})
    assert response.status_code == 204 and response.content == b""
    assert_problem(await client.get(url, headers=board), 404)
    assert [g["id"] for g in await all_goals(client, revisor)] == [serves.json()["id"]]


async def test_deleting_without_if_match_is_428(client, board):
    created = await create(client, board, board_goal())
    assert_problem(await client.delete(f"{GOALS}/{created.json()['id']}", headers=board), 428)


async def test_deleting_with_a_stale_etag_is_412(client, board):
    created = await create(client, board, board_goal())
    await client.patch(f"{GOALS}/{created.json()['id']}", json={"title": "Nytt"}, headers=board | {"If-Match": "*"})
    assert_problem(await client.delete(f"{GOALS}/{created.json()['id']}", headers=board | {"If-Match": created.headers["etag"]}), 412)


async def test_deleting_an_unknown_goal_is_404(client, board):
    assert_problem(await client.delete(f"{GOALS}/{uuid.uuid4()}", headers=board | {"If-Match": "*"}), 404)


async def test_deleting_a_non_uuid_is_422(client, board):
    assert_problem(await client.delete(f"{GOALS}/x", headers=board | {"If-Match": "*"}), 422)


async def test_deleting_without_an_assertion_is_401(client):
    assert_problem(await client.delete(f"{GOALS}/{uuid.uuid4()}"), 401)


async def test_deleting_outside_role_or_scope_is_403(client, administration, board, as_role, revisor):
    board_draft = await create(client, board, board_goal())
    unit_in_board_scope = as_role(Role.ENHET, UNIT, BOARD_TREE)
    response = await client.delete(f"{GOALS}/{board_draft.json()['id']}", headers=unit_in_board_scope | {"If-Match": "*"})
    assert_problem(response, 403, detail_contains="a board goal is written by the roles: forvaltning, namnd")
    other_unit = as_role(Role.ENHET, OTHER_BOARD, [OTHER_BOARD, ADMINISTRATION])
    response = await client.delete(f"{GOALS}/{board_draft.json()['id']}", headers=other_unit | {"If-Match": "*"})
    assert_problem(response, 404), "a draft outside the caller's scope is not even seen"
    assert await all_goals(client, revisor) == [board_draft.json()]


async def test_a_draft_others_build_on_is_not_deleted(client, board, revisor, as_role):
    parent = await create(client, board, board_goal())
    await create(client, as_role(Role.ENHET, UNIT, BOARD_TREE), unit_goal(contributes_to=[parent.json()["id"]]))
    response = await client.delete(f"{GOALS}/{parent.json()['id']}", headers=board | {"If-Match": parent.headers["etag"]})
    assert_problem(response, 409, type_="rule-violation", detail_contains="a goal others build on is not deleted")
    assert await stored(client, revisor, parent) == parent.json()


async def test_a_draft_followed_by_an_indicator_is_not_deleted(client, app, board):
    created = await create(client, board, board_goal())
    await add_indicator(app, created.json())
    response = await client.delete(f"{GOALS}/{created.json()['id']}", headers=board | {"If-Match": created.headers["etag"]})
    assert_problem(response, 409, detail_contains="a goal others build on is not deleted")


async def test_a_draft_revision_is_deleted_even_when_its_lineage_is_followed(client, app, board, revisor):
    goal = await decided(client, app, board, board_goal())
    revision = await client.post(f"{GOALS}/{goal.json()['id']}/revisions", headers=board)
    response = await client.delete(f"{GOALS}/{revision.json()['id']}", headers=board | {"If-Match": revision.headers["etag"]})
    assert response.status_code == 204
    assert (await stored(client, revisor, goal))["status"] == Status.DECIDED
