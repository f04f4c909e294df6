"""GET /due: what each role has to do in its scope, soonest first; and the reminders queued of it."""

import datetime as dt
from typing import Any

import httpx
import pytest

from followup_service.reminders.due_reminders import queue_due_reminders
from services.followup.tests.support.reminders import (
    ADMINISTRATION,
    API,
    BOARD,
    CLOSED_BEFORE,
    COUNCIL,
    OTHER_BOARD,
    OTHER_UNIT,
    UNIT,
    add_dialogue,
    add_occasion_due,
    add_recipient,
    add_report,
    add_step,
    outbox,
)
from styrkedjan_common.db import utcnow
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem

DUE = f"{API}/due"
MINE = {COUNCIL, BOARD, OTHER_BOARD, ADMINISTRATION, UNIT, OTHER_UNIT, CLOSED_BEFORE}
# The administration's officials and the unit's head, each in their own part of the tree.
ADMINISTRATION_SCOPE = [ADMINISTRATION, UNIT, OTHER_UNIT, CLOSED_BEFORE]
BOARD_SCOPE = [BOARD, *ADMINISTRATION_SCOPE]


async def due(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get(DUE, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def reports_of_mine(items: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """(kind, org unit name, deadline) of the report items about this suite's units."""
    return {(i["kind"], i["org_unit"]["name"], i["deadline"]) for i in items if i["org_unit_id"] in MINE and i["kind"].endswith("REPORT")}


def days(n: int) -> str:
    return (utcnow().date() + dt.timedelta(days=n)).isoformat()


async def test_a_unit_head_is_told_to_draft_its_units_report_and_nothing_of_the_others(
    client: httpx.AsyncClient, as_role: Any, app: Any
) -> None:
    occasion = await add_occasion_due(app, "INTERIM", unit_in=5)

    items = await due(client, as_role(Role.ENHET, UNIT, [UNIT]))

    [item] = items
    assert item == {
        "kind": "DRAFT_REPORT",
        "org_unit_id": UNIT,
        "org_unit": {"id": UNIT, "name": "Fagersta skola", "short_name": "Fagersta skola", "type": "unit"},
        "what": f"INTERIM {occasion.year}: draft the report",
        "deadline": days(5),
        "late": False,
        "link": f"{API}/reports?occasion_id={occasion.id}&org_unit_id={UNIT}",
        "occasion_id": str(occasion.id),
        "subject_id": None,
    }


async def test_an_administration_sees_its_draft_to_submit_and_a_returned_report_but_not_one_submitted(
    client: httpx.AsyncClient, as_role: Any, app: Any
) -> None:
    occasion = await add_occasion_due(app, "INTERIM", unit_in=5)
    returned = await add_report(app, occasion, UNIT, "UNIT", "DRAFT", returned_comment="Analysen av mål 2 saknas")
    await add_report(app, occasion, OTHER_UNIT, "UNIT", "SUBMITTED")
    draft = await add_report(app, occasion, ADMINISTRATION, "ADMINISTRATION", "DRAFT")

    items = await due(client, as_role(Role.FORVALTNING, ADMINISTRATION, ADMINISTRATION_SCOPE))

    assert [(i["kind"], i["org_unit_id"], i["deadline"], i["link"]) for i in items] == [
        ("REVISE_RETURNED_REPORT", UNIT, days(5), f"{API}/reports/{returned}"),
        ("SUBMIT_REPORT", ADMINISTRATION, days(10), f"{API}/reports/{draft}"),
    ]
    assert "Analysen av mål 2 saknas" in items[0]["what"]


async def test_a_board_is_told_to_decide_its_proposed_report_and_the_council_to_adopt_the_municipal_one(
    client: httpx.AsyncClient, as_role: Any, app: Any
) -> None:
    occasion = await add_occasion_due(app, "INTERIM", unit_in=5)
    board_report = await add_report(app, occasion, BOARD, "BOARD", "PROPOSED")
    municipal = await add_report(app, occasion, COUNCIL, "MUNICIPAL", "PROPOSED")
    await add_report(app, occasion, OTHER_BOARD, "BOARD", "DECIDED")

    board = await due(client, as_role(Role.NAMND, BOARD, BOARD_SCOPE))
    council = await due(client, as_role(Role.FULLMAKTIGE))

    # The board decides; drafting the units' and the administration's reports is the officials' work.
    assert [(i["kind"], i["subject_id"], i["deadline"]) for i in board] == [("DECIDE_REPORT", str(board_report), days(15))]
    assert ("DECIDE_REPORT", "Kommunfullmäktige (påminnelser)", days(25)) in reports_of_mine(council)
    assert {i["subject_id"] for i in council if i["kind"] == "DECIDE_REPORT"} == {str(municipal)}
    assert not [i for i in council if i["org_unit_id"] in (BOARD, OTHER_BOARD)]


async def test_a_report_handed_in_is_done_even_while_an_amendment_is_drafted(client: httpx.AsyncClient, as_role: Any, app: Any) -> None:
    occasion = await add_occasion_due(app, "INTERIM", unit_in=-20)
    await add_report(app, occasion, BOARD, "BOARD", "ARCHIVED")
    await add_report(app, occasion, BOARD, "BOARD", "DECIDED", revision=2)
    await add_report(app, occasion, BOARD, "BOARD", "DRAFT", revision=3)
    await add_report(app, occasion, ADMINISTRATION, "ADMINISTRATION", "SUBMITTED")

    assert await due(client, as_role(Role.NAMND, BOARD, BOARD_SCOPE)) == []
    # The administration's own report is in; its units still owe theirs.
    officials = await due(client, as_role(Role.FORVALTNING, ADMINISTRATION, ADMINISTRATION_SCOPE))
    assert {(i["kind"], i["org_unit_id"]) for i in officials} == {("DRAFT_REPORT", UNIT), ("DRAFT_REPORT", OTHER_UNIT)}


async def test_what_is_late_is_listed_whatever_the_window_and_what_is_further_off_only_within_it(
    client: httpx.AsyncClient, as_role: Any, app: Any
) -> None:
    late = await add_occasion_due(app, "FORECAST", unit_in=-3, period_end_ago=120)
    ahead = await add_occasion_due(app, "INTERIM", unit_in=20)
    head = as_role(Role.ENHET, UNIT, [UNIT])

    soon = await due(client, head, within_days=7)
    wide = await due(client, head, within_days=30)

    assert [(i["occasion_id"], i["late"], i["deadline"]) for i in soon] == [(str(late.id), True, days(-3))]
    assert [(i["occasion_id"], i["late"]) for i in wide] == [(str(late.id), True), (str(ahead.id), False)]


async def test_an_org_unit_closed_before_the_period_ended_owes_no_report(client: httpx.AsyncClient, as_role: Any, app: Any) -> None:
    await add_occasion_due(app, "INTERIM", unit_in=5)

    items = await due(client, as_role(Role.FORVALTNING, ADMINISTRATION, ADMINISTRATION_SCOPE))

    assert CLOSED_BEFORE not in {i["org_unit_id"] for i in items}
    assert {i["org_unit_id"] for i in items} == {ADMINISTRATION, UNIT, OTHER_UNIT}


async def test_dialogues_to_hold_and_to_evaluate_are_listed_in_scope(client: httpx.AsyncClient, as_role: Any, app: Any) -> None:
    to_hold = await add_dialogue(app, UNIT, "Uppföljningsdialog delår", planned_in=3)
    overdue = await add_dialogue(app, UNIT, "Dialog om elevhälsan", planned_in=-2)
    to_evaluate = await add_dialogue(app, UNIT, "Budgetdialog", planned_in=-40, status="HELD", held_ago=40)
    await add_dialogue(app, UNIT, "Planeringsdialog", planned_in=60)
    await add_dialogue(app, UNIT, "Utvärderad dialog", planned_in=-50, status="EVALUATED", held_ago=50)
    await add_dialogue(app, OTHER_UNIT, "Annan skolas dialog", planned_in=3)

    items = await due(client, as_role(Role.ENHET, UNIT, [UNIT]))

    assert [(i["kind"], i["subject_id"], i["late"]) for i in items] == [
        ("EVALUATE_DIALOGUE", str(to_evaluate), True),
        ("HOLD_DIALOGUE", str(overdue), True),
        ("HOLD_DIALOGUE", str(to_hold), False),
    ]
    assert items[2]["link"] == f"{API}/dialogues/{to_hold}"


async def test_cycle_steps_under_way_are_followed_by_the_council_in_full_and_by_others_at_their_level(
    client: httpx.AsyncClient, as_role: Any, app: Any
) -> None:
    boards = await add_step(app, 9, "Nämndernas budget och verksamhetsplan", "board", started_ago=10, ends_in=20)
    late = await add_step(app, 7, "Planeringsförutsättningar", "executive_board", started_ago=40, ends_in=-5)
    units = await add_step(app, 12, "Enheternas verksamhetsplan", "unit", started_ago=1, ends_in=10, status="IN_PROGRESS")
    await add_step(app, 3, "Omvärldsdagen", "council", started_ago=60, ends_in=-30, status="DONE")
    await add_step(app, 11, "Ändringsbudget", "council", started_ago=5, ends_in=5, conditional=True)
    await add_step(app, 20, "Årsredovisning", "board", started_ago=-10, ends_in=40)

    council = await due(client, as_role(Role.FULLMAKTIGE))
    board = await due(client, as_role(Role.NAMND, BOARD, BOARD_SCOPE))
    head = await due(client, as_role(Role.ENHET, UNIT, [UNIT]))

    assert [(i["subject_id"], i["late"]) for i in council if i["kind"] == "CYCLE_STEP"] == [
        (str(late), True),
        (str(units), False),
        (str(boards), False),
    ]
    assert [i["subject_id"] for i in board if i["kind"] == "CYCLE_STEP"] == [str(late), str(boards)]
    assert [i["subject_id"] for i in head if i["kind"] == "CYCLE_STEP"] == [str(units)]
    step = next(i for i in council if i["subject_id"] == str(late))
    assert step["org_unit_id"] is None and "Planeringsförutsättningar" in step["what"]
    assert step["link"] == f"{API}/cycles/{utcnow().year}/steps/7"


async def test_the_auditors_follow_everything(client: httpx.AsyncClient, as_role: Any, app: Any) -> None:
    occasion = await add_occasion_due(app, "INTERIM", unit_in=5)
    await add_report(app, occasion, BOARD, "BOARD", "PROPOSED")

    items = await due(client, as_role(Role.REVISOR))

    kinds = {(i["kind"], i["org_unit_id"]) for i in items if i["org_unit_id"] in MINE}
    assert {("DECIDE_REPORT", BOARD), ("DRAFT_REPORT", UNIT), ("DRAFT_REPORT", COUNCIL)} <= kinds


async def test_admin_is_refused_and_the_window_is_bounded(client: httpx.AsyncClient, as_role: Any) -> None:
    assert_problem(await client.get(DUE, headers=as_role(Role.ADMIN)), 403, type_="role-not-allowed")
    for within in (-1, 367, "soon"):
        problem = assert_problem(await client.get(DUE, params={"within_days": within}, headers=as_role(Role.ENHET, UNIT, [UNIT])), 422)
        assert {e["pointer"] for e in problem["errors"]} == {"#/query/within_days"}


# --- reminders of what is due ------------------------------------------------------------------


@pytest.mark.usefixtures("client")
async def test_each_reminder_of_what_is_due_is_queued_once_and_once_more_when_it_is_late(app: Any) -> None:
    occasion = await add_occasion_due(app, "INTERIM", unit_in=5)
    await add_recipient(app, UNIT, "rektor@fagersta.example")
    await add_recipient(app, BOARD, "registrator@bun.example")
    await add_report(app, occasion, BOARD, "BOARD", "PROPOSED")
    settings = app.state.settings.model_copy(update={"reminder_days_ahead": 7})
    today = utcnow().date()

    await queue_due_reminders(app.state.sessionmaker, app.state.org_units, settings, today)
    await queue_due_reminders(app.state.sessionmaker, app.state.org_units, settings, today)

    first = {(m.recipient, m.key.split(":")[1], m.key.split(":")[-1]) for m in await outbox(app)}
    # The unit's report (to draft, within the week); the board's proposal is due in fifteen days: not yet.
    assert first == {("rektor@fagersta.example", "DRAFT_REPORT", "upcoming")}
    [message] = await outbox(app)
    assert "Fagersta skola" in message.subject and days(5) in message.subject
    assert f"{API}/reports?occasion_id={occasion.id}&org_unit_id={UNIT}" in message.body

    # A week later the unit's report is late and the board's proposal within the week.
    await queue_due_reminders(app.state.sessionmaker, app.state.org_units, settings, today + dt.timedelta(days=8))
    await queue_due_reminders(app.state.sessionmaker, app.state.org_units, settings, today + dt.timedelta(days=9))

    later = sorted((m.recipient, m.key.split(":")[1], m.key.split(":")[-1]) for m in await outbox(app))
    assert later == [
        ("registrator@bun.example", "DECIDE_REPORT", "upcoming"),
        ("rektor@fagersta.example", "DRAFT_REPORT", "late"),
        ("rektor@fagersta.example", "DRAFT_REPORT", "upcoming"),
    ]
