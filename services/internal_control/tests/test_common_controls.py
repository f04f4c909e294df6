"""Common controls (kommungemensamma kontrollpunkter): the executive board imposes them on every
board's control plan for a year; boards carry them as worded and cannot remove them."""

import uuid

import pytest

from services.internal_control.tests.support.api import API, audit_actions
from services.internal_control.tests.support.organisation import BOARD, OTHER_BOARD, THIRD_BOARD
from services.internal_control.tests.support.plans import ACTIVITIES, PLAN, PLANS, add_activity, create_plan, decide, step, stored
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

COMMON = f"{API}/common-controls"
CONTROL = {
    "year": 2028,
    "title": "Attest och behörigheter",
    "what_is_checked": "Att attesträtter i ekonomisystemet följer delegationsordningen",
    "method": "Stickprov om 20 verifikationer",
    "frequency": "Två gånger per år",
    "report_to": "Nämnden",
    "report_when": "Delårsrapport och årsrapport",
}


@pytest.fixture
def board(as_role):
    # Only its own unit in scope (conftest's board also covers its administration and unit).
    return as_role(Role.NAMND, BOARD, [BOARD])


@pytest.fixture
def third_board(as_role):
    return as_role(Role.NAMND, THIRD_BOARD, [THIRD_BOARD])


async def create_control(client, headers, **changes):
    response = await client.post(COMMON, json=CONTROL | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


def carried(plan: dict) -> list[dict]:
    return [a for a in plan["activities"] if a["common_control_id"] is not None]


async def test_a_common_control_joins_every_draft_plan_of_its_year(client, executive_board, board, other_board, third_board, auditors):
    draft = await create_plan(client, board)
    other_draft = await create_plan(client, other_board, board_org_unit_id=OTHER_BOARD)
    decided = await decide(client, third_board, await create_plan(client, third_board, board_org_unit_id=THIRD_BOARD))
    next_year = await create_plan(client, board, year=2029)
    response = await create_control(client, executive_board)
    control = response.json()
    assert {name: control[name] for name in CONTROL} == CONTROL
    assert response.headers["location"] == f"{COMMON}/{control['id']}" and response.headers["etag"] == f'"{control["id"]}.1"'
    for plan in (draft, other_draft):
        [copy] = carried(await stored(client, plan.json()["id"], auditors))
        assert copy["common_control_id"] == control["id"] and copy["area"] == CONTROL["title"]
        assert {name: copy[name] for name in ("what_is_checked", "method", "frequency", "report_to", "report_when")} == {
            name: CONTROL[name] for name in ("what_is_checked", "method", "frequency", "report_to", "report_when")
        }
    assert carried(await stored(client, decided.json()["id"], auditors)) == []
    assert carried(await stored(client, next_year.json()["id"], auditors)) == []
    assert await audit_actions(client, auditors, "common_control", control["id"]) == ["CREATE"]


async def test_a_plan_started_later_carries_the_years_common_controls(client, executive_board, board):
    control = (await create_control(client, executive_board)).json()
    await create_control(client, executive_board, year=2029)
    plan = (await create_plan(client, board)).json()
    assert [a["common_control_id"] for a in plan["activities"]] == [control["id"]]


async def test_rewording_reaches_draft_plans_while_decided_plans_keep_theirs(client, executive_board, board, other_board, auditors):
    control = await create_control(client, executive_board)
    decided = await decide(client, board, await create_plan(client, board))
    draft = await create_plan(client, other_board, board_org_unit_id=OTHER_BOARD)
    url = f"{COMMON}/{control.json()['id']}"
    assert_problem(await client.patch(url, json={"method": "Ny"}, headers=executive_board), 428)
    assert_problem(await client.patch(url, json={"method": "Ny"}, headers=executive_board | {"If-Match": '"old.0"'}), 412)
    changed = await client.patch(
        url, json={"method": "Fullständig genomgång", "title": "Attest"}, headers=executive_board | {"If-Match": control.headers["etag"]}
    )
    assert changed.status_code == 200 and changed.json()["method"] == "Fullständig genomgång"
    assert changed.headers["etag"] != control.headers["etag"]
    [draft_copy] = carried(await stored(client, draft.json()["id"], auditors))
    assert draft_copy["method"] == "Fullständig genomgång" and draft_copy["area"] == "Attest"
    [decided_copy] = carried(await stored(client, decided.json()["id"], auditors))
    assert decided_copy["method"] == CONTROL["method"] and decided_copy["area"] == CONTROL["title"]
    assert await audit_actions(client, auditors, "common_control", control.json()["id"]) == ["CREATE", "UPDATE"]


async def test_withdrawing_removes_copies_from_drafts_and_decided_plans_keep_theirs(client, executive_board, board, other_board, auditors):
    control = await create_control(client, executive_board)
    decided = await decide(client, board, await create_plan(client, board))
    draft = await create_plan(client, other_board, board_org_unit_id=OTHER_BOARD)
    url = f"{COMMON}/{control.json()['id']}"
    assert_problem(await client.delete(url, headers=executive_board), 428)
    assert (await client.delete(url, headers=executive_board | {"If-Match": control.headers["etag"]})).status_code == 204
    assert carried(await stored(client, draft.json()["id"], auditors)) == []
    assert [a["common_control_id"] for a in carried(await stored(client, decided.json()["id"], auditors))] == [control.json()["id"]]
    assert_problem(await client.get(url, headers=board), 404)
    assert (await client.get(COMMON, headers=board)).json()["items"] == []
    # A later revision of the decided plan no longer carries the withdrawn control.
    revision = await client.post(f"{PLANS}/{decided.json()['id']}/revisions", headers=board)
    assert carried(revision.json()) == []
    assert await audit_actions(client, auditors, "common_control", control.json()["id"]) == ["CREATE", "DELETE"]


async def test_withdrawing_a_control_no_plan_carries_deletes_it(client, executive_board, board):
    control = await create_control(client, executive_board)
    await create_plan(client, board)
    url = f"{COMMON}/{control.json()['id']}"
    assert (await client.delete(url, headers=executive_board | {"If-Match": control.headers["etag"]})).status_code == 204
    assert_problem(await client.get(url, headers=executive_board), 404)
    recreated = await create_control(client, executive_board)
    assert [c["id"] for c in (await client.get(COMMON, headers=board)).json()["items"]] == [recreated.json()["id"]]


async def test_board_cannot_remove_or_edit_a_common_control_in_its_plan(client, executive_board, board, auditors):
    await create_control(client, executive_board)
    plan = await create_plan(client, board)
    [copy] = carried(plan.json())
    before = await stored(client, plan.json()["id"], auditors)
    read = await client.get(f"{ACTIVITIES}/{copy['id']}", headers=board)
    if_match = {"If-Match": read.headers["etag"]}
    refused = await client.delete(f"{ACTIVITIES}/{copy['id']}", headers=board | if_match)
    assert_problem(refused, 409, detail_contains="a board can neither edit nor remove it", type_="rule-violation")
    refused = await client.patch(f"{ACTIVITIES}/{copy['id']}", json={"method": "Inget"}, headers=board | if_match)
    assert_problem(refused, 409, detail_contains="common control is imposed by the executive board")
    assert await stored(client, plan.json()["id"], auditors) == before


async def test_revision_and_return_to_draft_catch_up_with_the_common_controls(client, executive_board, board):
    plan = await create_plan(client, board)
    own = await add_activity(client, board, plan)
    decided = await decide(client, board, await client.get(f"{PLANS}/{plan.json()['id']}", headers=board))
    control = (await create_control(client, executive_board)).json()
    revision = await client.post(f"{PLANS}/{decided.json()['id']}/revisions", headers=board)
    assert [a["common_control_id"] for a in revision.json()["activities"]] == [None, control["id"]]
    assert revision.json()["activities"][0]["what_is_checked"] == own.json()["what_is_checked"]
    proposed = await step(client, board, revision, "proposal")
    later = (await create_control(client, executive_board, title="Löneutbetalningar", what_is_checked="Att löner attesteras")).json()
    assert len(carried((await client.get(f"{PLANS}/{proposed.json()['id']}", headers=board)).json())) == 1
    returned = await step(client, board, proposed, "return")
    assert {a["common_control_id"] for a in carried(returned.json())} == {control["id"], later["id"]}


async def test_common_controls_are_written_only_by_the_executive_board(client, as_role, board, auditors):
    partial = as_role(Role.FULLMAKTIGE, BOARD, [BOARD])
    assert_problem(await client.post(COMMON, json=CONTROL, headers=board), 403, type_="role-not-allowed")
    assert_problem(await client.post(COMMON, json=CONTROL, headers=auditors), 403, type_="role-not-allowed")
    assert_problem(await client.post(COMMON, json=CONTROL, headers=partial), 403, detail_contains="whole municipality")
    assert_problem(await client.post(COMMON, json=CONTROL), 401)
    assert (await client.get(COMMON, headers=auditors)).json()["items"] == []


async def test_updates_and_withdrawal_are_refused_outside_the_executive_board(client, as_role, executive_board, board):
    control = await create_control(client, executive_board)
    url = f"{COMMON}/{control.json()['id']}"
    if_match = {"If-Match": control.headers["etag"]}
    partial = as_role(Role.FULLMAKTIGE, BOARD, [BOARD])
    assert_problem(await client.patch(url, json={"method": "x"}, headers=board | if_match), 403, type_="role-not-allowed")
    assert_problem(await client.patch(url, json={"method": "x"}, headers=partial | if_match), 403, detail_contains="whole municipality")
    assert_problem(await client.delete(url, headers=partial | if_match), 403)
    assert_problem(await client.patch(url, json={"method": "x"}), 401)
    assert (await client.get(url, headers=board)).json() == control.json()


async def test_common_controls_are_read_by_every_signed_in_user(client, as_role, executive_board):
    control = await create_control(client, executive_board)
    for role in (Role.ENHET, Role.NAMND, Role.FORVALTNING, Role.REVISOR):
        headers = as_role(role, BOARD, [BOARD])
        read = await client.get(f"{COMMON}/{control.json()['id']}", headers=headers)
        assert read.status_code == 200 and read.headers["etag"] == control.headers["etag"]
        assert [c["id"] for c in (await client.get(COMMON, headers=headers)).json()["items"]] == [control.json()["id"]]
    assert_problem(await client.get(COMMON), 401)
    assert_problem(await client.get(f"{COMMON}/{control.json()['id']}"), 401)


async def test_common_control_list_filters_by_year_and_paginates(client, executive_board, board):
    ids = [(await create_control(client, executive_board, year=year, title=f"Kontroll {year}")).json()["id"] for year in (2027, 2028, 2029)]
    page = (await client.get(COMMON, params={"limit": 2}, headers=board)).json()
    rest = (await client.get(COMMON, params={"limit": 2, "cursor": page["next_cursor"]}, headers=board)).json()
    assert [c["year"] for c in page["items"] + rest["items"]] == [2029, 2028, 2027] and rest["next_cursor"] is None
    assert [c["id"] for c in (await client.get(COMMON, params={"year": 2028}, headers=board)).json()["items"]] == [ids[1]]
    assert pointers(await client.get(COMMON, params={"year": 1800}, headers=board)) == {"#/query/year"}
    assert pointers(await client.get(COMMON, params={"cursor": "x"}, headers=board)) == {"#/query/cursor"}


async def test_common_control_input_is_validated(client, executive_board):
    response = await client.post(COMMON, json={}, headers=executive_board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/year", "#/title", "#/what_is_checked"}
    assert pointers(await client.post(COMMON, json=CONTROL | {"title": "x" * 201, "board": BOARD}, headers=executive_board)) == {
        "#/title",
        "#/board",
    }
    control = await create_control(client, executive_board)
    changed = await client.patch(
        f"{COMMON}/{control.json()['id']}",
        json={"year": 2030, "title": None},
        headers=executive_board | {"If-Match": control.headers["etag"]},
    )
    assert pointers(changed) == {"#/year"}
    changed = await client.patch(
        f"{COMMON}/{control.json()['id']}", json={"title": None}, headers=executive_board | {"If-Match": control.headers["etag"]}
    )
    assert pointers(changed) == {"#/title"}
    assert_problem(await client.get(f"{COMMON}/nope", headers=executive_board), 422)


async def test_unknown_common_control_is_not_found(client, executive_board):
    missing = f"{COMMON}/{uuid.uuid4()}"
    assert_problem(await client.get(missing, headers=executive_board), 404)
    assert_problem(await client.patch(missing, json={"method": "x"}, headers=executive_board | {"If-Match": "*"}), 404)
    assert_problem(await client.delete(missing, headers=executive_board | {"If-Match": "*"}), 404)


async def test_plan_for_a_year_without_common_controls_has_none(client, executive_board, board):
    await create_control(client, executive_board, year=2030)
    assert (await create_plan(client, board, **PLAN)).json()["activities"] == []
