"""Dialogues (seed: "Dialog som styrmedel"): planned with themes and questions, held between the
political and the administrative side, evaluated afterwards, deciding nothing; the follow-ups
agreed in them stay open until done. Each refusal names its rule and changes nothing."""

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select

from followup_service.db import AuditEvent
from followup_service.dialogues import for_reports
from followup_service.dialogues.models import Dialogue, DialogueFollowup
from followup_service.reports.models import Report
from services.followup.tests.support.dialogues import (
    ADMINISTRATION,
    API,
    BOARD,
    CLOSED_UNIT,
    COUNCIL,
    OFFICIAL,
    OTHER_BOARD,
    POLITICIAN,
    STAFF,
    UNIT,
    YEAR,
    add_cycle_step,
    add_occasion,
    plan,
    row,
    stored,
)
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem

YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


async def _planned(client: Any, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}/dialogues", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json() | {"etag": response.headers["ETag"]}


async def _step(client: Any, headers: dict[str, str], dialogue: dict[str, Any], **body: Any) -> Any:
    return await client.post(f"{API}/dialogues/{dialogue['id']}/transitions", json=body, headers=headers | {"If-Match": dialogue["etag"]})


async def _held(client: Any, app: Any, headers: dict[str, str], occasion_id: uuid.UUID | None = None) -> dict[str, Any]:
    dialogue = await _planned(client, headers, plan(occasion_id or await add_occasion(app, "ANNUAL")))
    response = await _step(client, headers, dialogue, transition="HOLD", held_date=YESTERDAY)
    assert response.status_code == 200, response.text
    return response.json() | {"etag": response.headers["ETag"]}


# --- planning -------------------------------------------------------------------------------


async def test_an_administration_plans_its_boards_followup_dialogue_and_reads_it(client, app, as_role):
    occasion_id = await add_occasion(app)
    headers = as_role(Role.FORVALTNING, ADMINISTRATION, [ADMINISTRATION, BOARD])
    response = await client.post(f"{API}/dialogues", json=plan(occasion_id), headers=headers)
    assert response.status_code == 201, response.text
    dialogue = response.json()
    assert (dialogue["status"], dialogue["kind"], dialogue["year"]) == ("PLANNED", "FOLLOWUP", YEAR)
    assert dialogue["org_unit"]["name"] == "Socialnämnden"
    assert dialogue["themes"] == ["Måluppfyllelse", "Ekonomi i balans"]
    assert dialogue["participants"] == [POLITICIAN, OFFICIAL]
    assert response.headers["Location"].endswith(dialogue["id"])

    read = await client.get(f"{API}/dialogues/{dialogue['id']}", headers=as_role(Role.REVISOR))
    assert read.status_code == 200 and read.json()["title"] == "Uppföljningsdialog delår"
    async with app.state.sessionmaker() as session:
        events = (await session.scalars(select(AuditEvent).where(AuditEvent.entity_id == dialogue["id"]))).all()
    assert [(e.action, e.entity_type) for e in events] == [("CREATE", "dialogue")]


async def test_dialogues_are_planned_by_fullmaktige_anywhere_and_by_the_others_in_scope(client, app, as_role):
    occasion_id = await add_occasion(app)
    # fullmaktige plans for any org unit; enhet for its own unit; namnd in its scope.
    await _planned(client, as_role(Role.FULLMAKTIGE, COUNCIL, [COUNCIL]), plan(occasion_id, OTHER_BOARD))
    await _planned(client, as_role(Role.ENHET, UNIT, [UNIT]), plan(occasion_id, UNIT, kind="INTERNAL_FOLLOWUP"))
    await _planned(client, as_role(Role.NAMND, BOARD, [BOARD]), plan(occasion_id))
    before = await stored(app)
    assert_problem(
        await client.post(f"{API}/dialogues", json=plan(occasion_id), headers=as_role(Role.ENHET, UNIT, [UNIT])), 403, "outside your scope"
    )
    outside = await client.post(f"{API}/dialogues", json=plan(occasion_id, OTHER_BOARD), headers=as_role(Role.NAMND, BOARD, [BOARD]))
    assert_problem(outside, 403, "outside your scope")
    assert_problem(await client.post(f"{API}/dialogues", json=plan(occasion_id), headers=as_role(Role.REVISOR)), 403)
    assert await stored(app) == before


async def test_a_dialogue_decides_nothing_a_decision_is_refused(client, app, as_role):
    occasion_id = await add_occasion(app)
    headers = as_role(Role.NAMND)
    before = await stored(app)
    decision = {"body": "Socialnämnden", "decision_date": "2026-09-15", "reference": "SN § 12"}
    problem = assert_problem(await client.post(f"{API}/dialogues", json=plan(occasion_id, decision=decision), headers=headers), 422)
    assert [e["pointer"] for e in problem["errors"]] == ["#/decision"]
    assert await stored(app) == before
    dialogue = await _planned(client, headers, plan(occasion_id))
    held = await _step(client, headers, dialogue, transition="HOLD", held_date=YESTERDAY, decision=decision)
    assert_problem(held, 422)
    patched = await client.patch(
        f"{API}/dialogues/{dialogue['id']}", json={"decision": "Beslut"}, headers=headers | {"If-Match": dialogue["etag"]}
    )
    assert_problem(patched, 422)
    assert (await row(app, Dialogue, dialogue["id"])).status == "PLANNED"


async def test_a_plan_belongs_to_an_occasion_or_a_cycle_step_of_its_year(client, app, as_role):
    headers = as_role(Role.NAMND)
    occasion_id = await add_occasion(app)
    next_year = await add_occasion(app, year=YEAR + 1)
    await add_cycle_step(app, 3)
    before = await stored(app)
    without = plan(None)
    assert_problem(await client.post(f"{API}/dialogues", json=without, headers=headers), 422, "planned for a follow-up occasion")
    unlinked = plan(None, kind="BUDGET_DAY")
    assert_problem(await client.post(f"{API}/dialogues", json=unlinked, headers=headers), 422, "linked to a follow-up occasion or a step")
    assert_problem(await client.post(f"{API}/dialogues", json=plan(next_year), headers=headers), 422, "the occasion is one of 2027")
    assert_problem(await client.post(f"{API}/dialogues", json=plan(uuid.uuid4()), headers=headers), 404, "no follow-up occasion")
    no_step = plan(None, kind="BUDGET_DAY", cycle_step_number=5)
    problem = assert_problem(await client.post(f"{API}/dialogues", json=no_step, headers=headers), 422, "the cycle of 2026 has no step 5")
    assert problem["errors"][0]["pointer"] == "#/cycle_step_number"
    assert await stored(app) == before
    # A step of the year's cycle, and a year without a cycle yet, are fine.
    await _planned(client, headers, plan(None, kind="ENVIRONMENT_AND_PLANNING", cycle_step_number=3))
    await _planned(client, headers, plan(None, kind="BUDGET_DAY", cycle_step_number=5, year=YEAR + 2))
    assert (await _planned(client, headers, plan(occasion_id, cycle_step_number=3)))["cycle_step_number"] == 3


async def test_the_org_unit_must_be_valid_in_the_dialogues_year(client, app, as_role):
    occasion_id = await add_occasion(app)
    before = await stored(app)
    response = await client.post(f"{API}/dialogues", json=plan(occasion_id, CLOSED_UNIT), headers=as_role(Role.FORVALTNING))
    problem = assert_problem(response, 422, "not valid in 2026")
    assert problem["errors"][0]["pointer"] == "#/org_unit_id"
    unknown = await client.post(f"{API}/dialogues", json=plan(occasion_id, str(uuid.uuid4())), headers=as_role(Role.FORVALTNING))
    assert_problem(unknown, 422, "not in the directory")
    assert await stored(app) == before


async def _frozen_report(app: Any, occasion_id: uuid.UUID, org_unit_id: str, frozen: bool) -> str:
    report = Report(
        occasion_id=occasion_id,
        year=YEAR,
        occasion="INTERIM",
        org_unit_id=uuid.UUID(org_unit_id),
        level="BOARD",
        status="DECIDED" if frozen else "DRAFT",
        document="{}" if frozen else None,
        document_hash="0" * 64 if frozen else None,
        created_by="test",
        updated_by="test",
    )
    async with app.state.sessionmaker() as session, session.begin():
        session.add(report)
    return str(report.id)


async def test_the_basis_is_frozen_reports(client, app, as_role):
    occasion_id = await add_occasion(app)
    decided = await _frozen_report(app, occasion_id, BOARD, frozen=True)
    draft = await _frozen_report(app, occasion_id, OTHER_BOARD, frozen=False)
    headers = as_role(Role.NAMND)
    before = await stored(app)
    problem = assert_problem(
        await client.post(f"{API}/dialogues", json=plan(occasion_id, basis_report_ids=[decided, draft]), headers=headers), 422, "not frozen"
    )
    assert problem["errors"][0]["pointer"] == "#/basis_report_ids/1"
    unknown = plan(occasion_id, basis_report_ids=[str(uuid.uuid4())])
    assert_problem(await client.post(f"{API}/dialogues", json=unknown, headers=headers), 422, "no report")
    assert await stored(app) == before
    assert (await _planned(client, headers, plan(occasion_id, basis_report_ids=[decided])))["basis_report_ids"] == [decided]


# --- holding, evaluating, cancelling -------------------------------------------------------


async def test_a_dialogue_is_held_with_both_the_political_and_the_administrative_side(client, app, as_role):
    headers = as_role(Role.NAMND)
    dialogue = await _planned(client, headers, plan(await add_occasion(app), participants=[POLITICIAN, STAFF]))
    before = await stored(app)
    assert_problem(await _step(client, headers, dialogue, transition="HOLD", held_date=YESTERDAY), 409, "none from: ADMINISTRATIVE")
    only_officials = await _step(client, headers, dialogue, transition="HOLD", held_date=YESTERDAY, participants=[OFFICIAL])
    assert_problem(only_officials, 409, "both the political and the administrative side; none from: POLITICAL")
    assert await stored(app) == before
    assert (await row(app, Dialogue, dialogue["id"])).status == "PLANNED"

    held = await _step(
        client,
        headers,
        dialogue,
        transition="HOLD",
        held_date=YESTERDAY,
        participants=[POLITICIAN, OFFICIAL, STAFF],
        summary="Prioritera hemtjänsten",
    )
    assert held.status_code == 200, held.text
    body = held.json()
    assert (body["status"], body["held_date"], body["summary"]) == ("HELD", YESTERDAY, "Prioritera hemtjänsten")
    assert body["participants"] == [POLITICIAN, OFFICIAL, STAFF]


async def test_a_dialogue_is_held_on_a_date_not_in_the_future(client, app, as_role):
    headers = as_role(Role.NAMND)
    dialogue = await _planned(client, headers, plan(await add_occasion(app)))
    before = await stored(app)
    problem = assert_problem(await _step(client, headers, dialogue, transition="HOLD", held_date=TOMORROW), 422, "is in the future")
    assert problem["errors"][0]["pointer"] == "#/held_date"
    assert_problem(await _step(client, headers, dialogue, transition="HOLD"), 422, "needs the date it was held")
    assert await stored(app) == before


async def test_evaluation_follows_holding_and_needs_its_text(client, app, as_role):
    headers = as_role(Role.NAMND)
    planned = await _planned(client, headers, plan(await add_occasion(app)))
    before = await stored(app)
    assert_problem(
        await _step(client, headers, planned, transition="EVALUATE", evaluation="Bra"), 409, "EVALUATE is only possible from HELD"
    )
    held = await _held(client, app, headers)
    before = await stored(app)
    assert_problem(await _step(client, headers, held, transition="EVALUATE", evaluation="   "), 422, "needs its evaluation")
    assert_problem(await _step(client, headers, held, transition="EVALUATE"), 422, "needs its evaluation")
    assert await stored(app) == before
    evaluated = await _step(client, headers, held, transition="EVALUATE", evaluation="Ett samtal på lika villkor; mer tid nästa gång")
    assert evaluated.status_code == 200, evaluated.text
    assert (evaluated.json()["status"], evaluated.json()["evaluation"]) == ("EVALUATED", "Ett samtal på lika villkor; mer tid nästa gång")


async def test_a_planned_dialogue_is_cancelled_with_a_reason(client, app, as_role):
    headers = as_role(Role.NAMND)
    planned = await _planned(client, headers, plan(await add_occasion(app)))
    before = await stored(app)
    assert_problem(await _step(client, headers, planned, transition="CANCEL"), 422, "needs the reason")
    assert await stored(app) == before
    cancelled = await _step(client, headers, planned, transition="CANCEL", reason="Krockar med budgetberedningen")
    assert cancelled.status_code == 200 and cancelled.json()["cancel_reason"] == "Krockar med budgetberedningen"
    # A held dialogue took place: it is not cancelled afterwards.
    held = await _held(client, app, headers)
    before = await stored(app)
    assert_problem(await _step(client, headers, held, transition="CANCEL", reason="Ångrar"), 409, "CANCEL is only possible from PLANNED")
    assert await stored(app) == before


async def test_a_held_dialogues_plan_is_not_rewritten(client, app, as_role):
    headers = as_role(Role.NAMND)
    held = await _held(client, app, headers)
    url = f"{API}/dialogues/{held['id']}"
    before = await stored(app)
    rewritten = await client.patch(url, json={"themes": ["Något annat"], "title": "Ny titel"}, headers=headers | {"If-Match": held["etag"]})
    assert_problem(rewritten, 409, "a held dialogue's plan is not rewritten (themes, title)")
    assert await stored(app) == before
    noted = await client.patch(url, json={"notes": "Anteckningar från mötet"}, headers=headers | {"If-Match": held["etag"]})
    assert noted.status_code == 200, noted.text
    assert noted.json()["notes"] == "Anteckningar från mötet" and noted.json()["themes"] == ["Måluppfyllelse", "Ekonomi i balans"]
    evaluated = await _step(client, headers, held | {"etag": noted.headers["ETag"]}, transition="EVALUATE", evaluation="Bra")
    before = await stored(app)
    closed = await client.patch(url, json={"notes": "Sent tillägg"}, headers=headers | {"If-Match": evaluated.headers["ETag"]})
    assert_problem(closed, 409, "an evaluated or cancelled dialogue is closed")
    assert await stored(app) == before


async def test_a_planned_dialogue_is_replanned_under_if_match(client, app, as_role):
    headers = as_role(Role.NAMND)
    dialogue = await _planned(client, headers, plan(await add_occasion(app)))
    url = f"{API}/dialogues/{dialogue['id']}"
    assert_problem(await client.patch(url, json={"planned_date": "2026-09-22"}, headers=headers), 428)
    assert_problem(await client.patch(url, json={"planned_date": "2026-09-22"}, headers=headers | {"If-Match": '"stale"'}), 412)
    moved = await client.patch(
        url,
        json={"planned_date": "2026-09-22", "questions": ["Hur når vi budget i balans?"]},
        headers=headers | {"If-Match": dialogue["etag"]},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["planned_date"], moved.json()["questions"]) == ("2026-09-22", ["Hur når vi budget i balans?"])
    assert moved.headers["ETag"] != dialogue["etag"]


async def test_a_dialogue_outside_the_scope_does_not_exist_for_the_caller(client, app, as_role):
    occasion_id = await add_occasion(app)
    dialogue = await _planned(client, as_role(Role.NAMND), plan(occasion_id))
    other = as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD])
    assert_problem(await client.get(f"{API}/dialogues/{dialogue['id']}", headers=other), 404)
    assert (await client.get(f"{API}/dialogues", headers=other)).json()["items"] == []
    assert_problem(await _step(client, other, dialogue, transition="CANCEL", reason="x"), 404)
    assert_problem(await client.get(f"{API}/dialogues", headers=as_role(Role.ADMIN)), 403)
    listed = await client.get(
        f"{API}/dialogues", params={"year": YEAR, "kind": "FOLLOWUP", "status": "PLANNED"}, headers=as_role(Role.REVISOR)
    )
    assert [d["id"] for d in listed.json()["items"]] == [dialogue["id"]]
    assert (await client.get(f"{API}/dialogues", params={"status": "HELD"}, headers=as_role(Role.REVISOR))).json()["items"] == []
    by_occasion = await client.get(
        f"{API}/dialogues", params={"occasion_id": str(occasion_id), "org_unit_id": BOARD}, headers=as_role(Role.ENHET, BOARD, [BOARD])
    )
    assert [d["id"] for d in by_occasion.json()["items"]] == [dialogue["id"]]


# --- follow-ups agreed in dialogues -----------------------------------------------------------


async def test_followups_are_agreed_in_a_held_dialogue(client, app, as_role):
    headers = as_role(Role.NAMND)
    planned = await _planned(client, headers, plan(await add_occasion(app)))
    agreed = {"text": "Åtgärdsplan för hemtjänstens ekonomi", "owner": "Förvaltningschefen", "due_date": "2026-11-30"}
    before = await stored(app)
    assert_problem(
        await client.post(f"{API}/dialogues/{planned['id']}/followups", json=agreed, headers=headers), 409, "agreed in a held dialogue"
    )
    assert_problem(await client.post(f"{API}/dialogues/{planned['id']}/followups", json=agreed | {"decision": "x"}, headers=headers), 422)
    assert await stored(app) == before

    held = await _held(client, app, headers)
    response = await client.post(f"{API}/dialogues/{held['id']}/followups", json=agreed, headers=headers)
    assert response.status_code == 201, response.text
    followup = response.json()
    assert (followup["open"], followup["org_unit_id"], followup["dialogue_id"]) == (True, BOARD, held["id"])
    read = await client.get(f"{API}/dialogues/{held['id']}", headers=headers)
    assert [f["id"] for f in read.json()["followups"]] == [followup["id"]]
    listed = await client.get(f"{API}/dialogue-followups", params={"org_unit_id": BOARD, "open": "true"}, headers=as_role(Role.REVISOR))
    assert [f["id"] for f in listed.json()["items"]] == [followup["id"]]


async def test_a_followup_is_marked_done_with_a_comment_and_then_leaves_the_reports(client, app, as_role):
    headers = as_role(Role.NAMND)
    held = await _held(client, app, headers)
    agreed = {"text": "Åtgärdsplan", "owner": "Förvaltningschefen", "due_date": "2026-11-30"}
    created = await client.post(f"{API}/dialogues/{held['id']}/followups", json=agreed, headers=headers)
    followup, etag = created.json(), created.headers["ETag"]
    url = f"{API}/dialogue-followups/{followup['id']}"
    today = dt.date.today()
    async with app.state.sessionmaker() as session:
        assert [f["id"] for f in await for_reports.open_followups(session, [uuid.UUID(BOARD)], today)] == [followup["id"]]

    before = await stored(app)
    assert_problem(
        await client.patch(url, json={"done_on": today.isoformat()}, headers=headers | {"If-Match": etag}),
        422,
        "marked done with a comment",
    )
    assert_problem(
        await client.patch(url, json={"done_on": TOMORROW, "done_comment": "Klart"}, headers=headers | {"If-Match": etag}),
        422,
        "in the future",
    )
    assert_problem(await client.patch(url, json={"done_on": today.isoformat(), "done_comment": "Klart"}, headers=headers), 428)
    assert_problem(
        await client.patch(
            url,
            json={"done_on": today.isoformat(), "done_comment": "Klart"},
            headers=as_role(Role.ENHET, UNIT, [UNIT]) | {"If-Match": etag},
        ),
        404,
    )
    assert await stored(app) == before
    assert (await row(app, DialogueFollowup, followup["id"])).done_on is None

    done = await client.patch(
        url, json={"done_on": today.isoformat(), "done_comment": "Planen antagen"}, headers=headers | {"If-Match": etag}
    )
    assert done.status_code == 200, done.text
    assert (done.json()["open"], done.json()["done_comment"]) == (False, "Planen antagen")
    async with app.state.sessionmaker() as session:
        assert await for_reports.open_followups(session, [uuid.UUID(BOARD)], today) == []
    before = await stored(app)
    again = await client.patch(url, json={"owner": "Någon annan"}, headers=headers | {"If-Match": done.headers["ETag"]})
    assert_problem(again, 409, "a done follow-up is not changed")
    assert await stored(app) == before
    closed = await client.get(f"{API}/dialogue-followups", params={"open": "false"}, headers=headers)
    assert [f["id"] for f in closed.json()["items"]] == [followup["id"]]
    assert (await client.get(f"{API}/dialogue-followups", params={"open": "true"}, headers=headers)).json()["items"] == []
