"""The seed's rules for goals ("Målstyrning"), each shown refused: the problem names the rule and
nothing changes."""

import datetime as dt
import uuid

import pytest

from services.goals.tests import factories
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
from services.goals.tests.support.organisation import BOARD, COUNCIL, OTHER_BOARD
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.testing import assert_problem, pointers


async def add_goals(app, *rows_and_links):
    await factories.add(app, *(row for goal, links in rows_and_links for row in (goal, *links)))


def municipal_rows(term, count, status=Status.DECIDED):
    return [
        factories.goal(uuid.UUID(COUNCIL), level="MUNICIPAL", status=status, period=term, start_year=2027, end_year=2030, title=f"Mål {i}")
        for i in range(count)
    ]


def board_rows(*years, owner=BOARD, status=Status.DECIDED):
    return [
        factories.goal(uuid.UUID(owner), status=status, start_year=start, end_year=end, title=f"Mål {start}–{end}") for start, end in years
    ]


async def proposed_with_indicator(client, app, writer, body):
    created = await create(client, writer, body)
    await add_indicator(app, created.json())
    response = await step(client, writer, created, "proposal")
    assert response.status_code == 200, response.text
    return response


# --- at most five municipal goals per mandate period -----------------------------------------


async def test_sixth_municipal_goal_in_a_mandate_period_is_refused(client, app, council, revisor):
    term = await period(app)
    for i in range(5):
        await create(client, council, municipal_goal(term.id, title=f"Mål {i}"))
    response = await client.post(GOALS, json=municipal_goal(term.id, title="Sjätte målet"), headers=council)
    assert_problem(
        response, 409, type_="rule-violation", detail_contains="at most 5 municipal goals per mandate period: this period already has 5"
    )
    assert len(await all_goals(client, revisor)) == 5


async def test_sixth_municipal_goal_is_refused_at_its_decision(client, app, council, revisor):
    term = await period(app)
    await add_goals(app, *municipal_rows(term, 4))
    sixth = await proposed_with_indicator(client, app, council, municipal_goal(term.id, title="Sjätte målet"))
    await add_goals(app, *municipal_rows(term, 1, status=Status.PROPOSED))  # prepared alongside, meanwhile
    response = await step(client, council, sixth, "decision", DECISION)
    assert_problem(response, 409, detail_contains="at most 5 municipal goals per mandate period: this period already has 5")
    assert await stored(client, revisor, sixth) == sixth.json()


async def test_archived_municipal_goals_leave_room_in_the_period(client, app, council):
    term = await period(app)
    await add_goals(app, *municipal_rows(term, 4), *municipal_rows(term, 3, status=Status.ARCHIVED))
    await create(client, council, municipal_goal(term.id))


async def test_municipal_goals_of_another_period_do_not_count(client, app, council):
    term, next_term = await period(app), await period(app, 2031)
    await add_goals(app, *municipal_rows(term, 5))
    await create(client, council, municipal_goal(next_term.id, start_year=2031, end_year=2034))


async def test_a_new_revision_is_not_another_municipal_goal(client, app, council):
    term = await period(app)
    rows = municipal_rows(term, 5)
    await add_goals(app, *rows)
    first = rows[0][0]
    revision = await client.post(f"{GOALS}/{first.id}/revisions", headers=council)
    assert revision.status_code == 201, revision.text
    await add_indicator(app, revision.json())
    decided_ = await step(client, council, await step(client, council, revision, "proposal"), "decision", DECISION)
    assert decided_.status_code == 200, decided_.text


async def test_moving_a_draft_into_a_full_period_is_refused(client, app, council, revisor):
    term, next_term = await period(app), await period(app, 2031)
    await add_goals(app, *municipal_rows(term, 5))
    draft = await create(client, council, municipal_goal(next_term.id, start_year=2031, end_year=2034))
    moved = {"mandate_period_id": str(term.id), "start_year": 2027, "end_year": 2030}
    response = await client.patch(f"{GOALS}/{draft.json()['id']}", json=moved, headers=council | {"If-Match": draft.headers["etag"]})
    assert_problem(response, 409, detail_contains="at most 5 municipal goals per mandate period")
    assert await stored(client, revisor, draft) == draft.json()


async def test_the_municipal_cap_follows_the_setting(client, app, council, monkeypatch):
    monkeypatch.setattr(app.state.settings, "max_municipal_goals", 2)
    term = await period(app)
    await add_goals(app, *municipal_rows(term, 2))
    response = await client.post(GOALS, json=municipal_goal(term.id), headers=council)
    assert_problem(response, 409, detail_contains="at most 2 municipal goals per mandate period")


# --- at most three board goals in force at once ------------------------------------------------


async def test_fourth_board_goal_in_force_is_refused(client, app, board, revisor):
    await add_goals(app, *board_rows((2027, 2027), (2026, 2027), (2027, 2028)))
    fourth = await proposed_with_indicator(client, app, board, board_goal())
    response = await step(client, board, fourth, "decision", DECISION)
    assert_problem(
        response,
        409,
        type_="rule-violation",
        detail_contains="at most 3 board goals are in force at once per board: 2027 already has 3 decided goals of this board in force",
    )
    assert await stored(client, revisor, fourth) == fourth.json()
    assert [e["action"] for e in await audit_events(client, revisor, entity_id=fourth.json()["id"])] == ["PROPOSE", "CREATE"]


async def test_goals_in_force_are_counted_year_by_year(client, app, board):
    # 2027: one, 2028: two, 2029: two in force: a fourth for 2027–2029 never makes four at once.
    await add_goals(app, *board_rows((2027, 2029), (2028, 2028), (2029, 2029)))
    body = board_goal(end_year=2029, year_targets=targets(2027, 2029))
    response = await step(client, board, await proposed_with_indicator(client, app, board, body), "decision", DECISION)
    assert response.status_code == 200, response.text


async def test_one_full_year_is_enough_to_refuse(client, app, board):
    await add_goals(app, *board_rows((2027, 2027), (2029, 2029), (2029, 2030), (2028, 2029)))
    body = board_goal(end_year=2029, year_targets=targets(2027, 2029))
    response = await step(client, board, await proposed_with_indicator(client, app, board, body), "decision", DECISION)
    assert_problem(response, 409, detail_contains="2029 already has 3 decided goals of this board in force")


async def test_drafts_archived_closed_and_other_boards_goals_are_not_in_force(client, app, board):
    closed, closed_links = factories.goal(uuid.UUID(BOARD), title="Uppnått")
    closed.closed_at, closed.closed_by, closed.closed_reason = dt.datetime(2027, 6, 1, tzinfo=dt.UTC), "x", "ACHIEVED"
    await add_goals(
        app,
        (closed, closed_links),
        *board_rows((2027, 2027), (2027, 2027), status=Status.PROPOSED),
        *board_rows((2027, 2027), status=Status.ARCHIVED),
        *board_rows((2027, 2027), (2027, 2027), (2027, 2027), owner=OTHER_BOARD),
        *board_rows((2027, 2027), (2027, 2027)),
    )
    response = await step(client, board, await proposed_with_indicator(client, app, board, board_goal()), "decision", DECISION)
    assert response.status_code == 200, response.text


async def test_a_revision_of_a_goal_in_force_does_not_count_itself(client, app, board, revisor):
    rows = board_rows((2027, 2027), (2027, 2027), (2027, 2027))
    await add_goals(app, *rows)
    revision = await client.post(f"{GOALS}/{rows[0][0].id}/revisions", headers=board)
    await add_indicator(app, revision.json())
    response = await step(client, board, await step(client, board, revision, "proposal"), "decision", DECISION)
    assert response.status_code == 200, response.text
    assert (await client.get(f"{GOALS}/{rows[0][0].id}", headers=revisor)).json()["status"] == "ARCHIVED"


async def test_a_closed_goal_makes_room_for_a_new_one(client, app, board):
    rows = board_rows((2027, 2027), (2027, 2027), (2027, 2027))
    await add_goals(app, *rows)
    closing = await client.post(f"{GOALS}/{rows[0][0].id}/closure", json={"reason": "ACHIEVED"}, headers=board | {"If-Match": "*"})
    assert closing.status_code == 200, closing.text
    response = await step(client, board, await proposed_with_indicator(client, app, board, board_goal()), "decision", DECISION)
    assert response.status_code == 200, response.text


# --- at least one indicator before the decision ------------------------------------------------


@pytest.mark.parametrize("level", ["MUNICIPAL", "BOARD", "UNIT"])
async def test_deciding_a_goal_without_an_indicator_is_refused(client, app, request, revisor, level):
    if level == "MUNICIPAL":
        writer, body = request.getfixturevalue("council"), municipal_goal((await period(app)).id)
    elif level == "BOARD":
        writer, body = request.getfixturevalue("board"), board_goal()
    else:
        writer, body = request.getfixturevalue("unit"), unit_goal()
    proposed = await step(client, writer, await create(client, writer, body), "proposal")
    assert proposed.status_code == 200, "a proposal needs no indicator yet"
    response = await step(client, writer, proposed, "decision", DECISION)
    assert_problem(response, 409, type_="rule-violation", detail_contains="a goal is decided only with at least one indicator")
    assert await stored(client, revisor, proposed) == proposed.json()


# --- multi-year board goals have yearly target levels ------------------------------------------


async def test_multi_year_board_goal_without_yearly_targets_is_refused_at_decision(client, app, board, revisor):
    body = board_goal(end_year=2029, year_targets=targets(2027, 2027))
    proposed = await proposed_with_indicator(client, app, board, body)
    response = await step(client, board, proposed, "decision", DECISION)
    assert_problem(
        response,
        409,
        type_="rule-violation",
        detail_contains="a multi-year board goal has a target level for each of its years (delmål); missing: 2028, 2029",
    )
    assert await stored(client, revisor, proposed) == proposed.json()


async def test_multi_year_board_goal_with_every_years_target_is_decided(client, app, board):
    goal = await decided(client, app, board, board_goal(end_year=2029, year_targets=targets(2027, 2029)))
    assert [t["year"] for t in goal.json()["year_targets"]] == [2027, 2028, 2029]


async def test_a_one_year_board_goal_needs_no_year_target(client, app, board):
    assert (await decided(client, app, board, board_goal())).json()["year_targets"] == []


# --- every goal is time-bound ----------------------------------------------------------------


@pytest.mark.parametrize("missing", [("start_year",), ("end_year",), ("start_year", "end_year")])
async def test_a_goal_without_time_bounds_is_refused(client, board, revisor, missing):
    body = {k: v for k, v in board_goal().items() if k not in missing}
    response = await client.post(GOALS, json=body, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {f"#/{name}" for name in missing}
    assert await all_goals(client, revisor) == []


async def test_a_goal_ending_before_it_starts_is_refused(client, board, revisor):
    response = await client.post(GOALS, json=board_goal(start_year=2028, end_year=2027), headers=board)
    assert_problem(response, 422, type_="invalid-input", detail_contains="a goal is time-bound: it ends in or after the year it starts")
    assert pointers(response) == {"#/end_year"}
    assert await all_goals(client, revisor) == []


# --- decided versions are immutable ---------------------------------------------------------------


async def test_editing_a_decided_goal_is_refused(client, app, board, revisor):
    goal = await decided(client, app, board, board_goal())
    response = await client.patch(
        f"{GOALS}/{goal.json()['id']}", json={"title": "Nytt"}, headers=board | {"If-Match": goal.headers["etag"]}
    )
    assert_problem(response, 409, type_="rule-violation", detail_contains="a decided version is immutable; create a new revision")
    assert await stored(client, revisor, goal) == goal.json()


async def test_deleting_a_decided_goal_is_refused(client, app, board, revisor):
    goal = await decided(client, app, board, board_goal())
    response = await client.delete(f"{GOALS}/{goal.json()['id']}", headers=board | {"If-Match": goal.headers["etag"]})
    assert_problem(response, 409, type_="rule-violation", detail_contains="only a draft is deleted; a decided goal is closed or archived")
    assert await stored(client, revisor, goal) == goal.json()


async def test_editing_or_deleting_a_proposed_goal_is_refused(client, board, revisor):
    proposed = await step(client, board, await create(client, board, board_goal()), "proposal")
    url = f"{GOALS}/{proposed.json()['id']}"
    headers = board | {"If-Match": proposed.headers["etag"]}
    assert_problem(await client.patch(url, json={"title": "Nytt"}, headers=headers), 409, detail_contains="return it to draft first")
    assert_problem(await client.delete(url, headers=headers), 409, detail_contains="only a draft is deleted")
    assert await stored(client, revisor, proposed) == proposed.json()


# --- who decides ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("decider", "detail"), [("administration", "roles: namnd"), ("council", "roles: namnd")])
async def test_only_the_board_decides_its_board_goals(client, app, request, board, revisor, decider, detail):
    proposed = await proposed_with_indicator(client, app, board, board_goal())
    response = await step(client, request.getfixturevalue(decider), proposed, "decision", DECISION)
    assert_problem(response, 403, type_="forbidden", detail_contains=f"the decision on a board goal is written by the {detail}")
    assert await stored(client, revisor, proposed) == proposed.json()


async def test_another_board_does_not_decide_a_board_goal(client, app, board, other_board, revisor):
    goal = await decided(client, app, board, board_goal())
    response = await step(client, other_board, goal, "archival")
    assert_problem(response, 403, detail_contains="outside your scope")
    assert await stored(client, revisor, goal) == goal.json()


@pytest.mark.parametrize("decider", ["unit", "administration"])
async def test_unit_goals_are_decided_by_the_administration_or_the_unit(client, app, request, unit, decider):
    goal = await decided(client, app, unit, unit_goal(), decider=request.getfixturevalue(decider))
    assert goal.json()["status"] == "DECIDED"


async def test_only_the_council_decides_municipal_goals(client, app, council, as_role):
    term = await period(app)
    proposed = await proposed_with_indicator(client, app, council, municipal_goal(term.id))
    response = await step(client, as_role(Role.NAMND, COUNCIL, [COUNCIL]), proposed, "decision", DECISION)
    assert_problem(response, 403, detail_contains="the decision on a municipal goal is written by the roles: fullmaktige")
