"""The executive board's compilation of an occasion: the municipal report is proposed only when
every board and company of the year has decided its report or is recorded missing with a reason;
the compilation refers to each decided report by its snapshot's hash; the overview shows each
one's state, lateness and assessments. Each refusal changes nothing."""

import datetime as dt
import uuid

import pytest

from followup_service.dialogues.models import Dialogue
from services.followup.tests.support.reports import API, BOARD, COUNCIL, OTHER_BOARD, UNIT, YEAR, add_occasion, create_report, stored
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem

pytest_plugins = ("services.followup.tests.support.callees",)
pytestmark = pytest.mark.usefixtures("live_callees")
DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2027-05-20", "reference": "BUN § 40/2027"}


async def _decided_board_report(client, as_role, occasion_id) -> dict:
    report = (await create_report(client, as_role(Role.NAMND), occasion_id, BOARD)).json()
    path = f"{API}/reports/{report['id']}"
    tag = (await client.get(path, headers=as_role(Role.NAMND))).headers["ETag"]
    written = await client.put(
        f"{path}/sections/important_events", json={"text": "Ny skola invigd."}, headers=as_role(Role.NAMND) | {"If-Match": tag}
    )
    proposed = await client.post(
        f"{path}/transitions", json={"transition": "PROPOSE"}, headers=as_role(Role.NAMND) | {"If-Match": written.headers["ETag"]}
    )
    decided = await client.post(
        f"{path}/transitions",
        json={"transition": "DECIDE", "decision": DECISION},
        headers=as_role(Role.NAMND) | {"If-Match": proposed.headers["ETag"]},
    )
    assert decided.status_code == 200, decided.text
    return decided.json()


async def _municipal_draft(client, as_role, occasion_id) -> tuple[str, str]:
    created = await create_report(client, as_role(Role.FULLMAKTIGE), occasion_id, COUNCIL)
    assert created.status_code == 201, created.text
    path = f"{API}/reports/{created.json()['id']}"
    tag = (await client.get(path, headers=as_role(Role.FULLMAKTIGE))).headers["ETag"]
    written = await client.put(
        f"{path}/sections/important_events",
        json={"text": "Kommunen når ett positivt resultat."},
        headers=as_role(Role.FULLMAKTIGE) | {"If-Match": tag},
    )
    assert written.status_code == 200, written.text
    return created.json()["id"], written.headers["ETag"]


async def _propose(client, as_role, report_id, tag):
    return await client.post(
        f"{API}/reports/{report_id}/transitions", json={"transition": "PROPOSE"}, headers=as_role(Role.FULLMAKTIGE) | {"If-Match": tag}
    )


async def test_the_executive_board_cannot_propose_before_every_board_has_decided_unless_recorded_missing(client, app, as_role):
    occasion_id = await add_occasion(app, "FORECAST")
    board_report = await _decided_board_report(client, as_role, occasion_id)
    municipal_id, tag = await _municipal_draft(client, as_role, occasion_id)

    before = await stored(app)
    refused = await _propose(client, as_role, municipal_id, tag)
    assert_problem(refused, 409, type_="rule-violation")
    waiting = {error["pointer"]: error["detail"] for error in refused.json()["errors"]}
    assert waiting[f"#/compilation/{OTHER_BOARD}"] == "NONE" and f"#/compilation/{BOARD}" not in waiting
    assert "Kultur- och fritidsnämnden (NONE)" in refused.json()["detail"]
    assert await stored(app) == before
    assert (await client.get(f"{API}/reports/{municipal_id}", headers=as_role(Role.FULLMAKTIGE))).json()["status"] == "DRAFT"

    compilation = (await client.get(f"{API}/occasions/{occasion_id}/compilation", headers=as_role(Role.FULLMAKTIGE))).json()
    entries = {e["org_unit_id"]: e for e in compilation["entries"]}
    assert entries[BOARD]["state"] == "DECIDED" and entries[BOARD]["document_hash"] == board_report["document_hash"]
    assert compilation["municipal_report_status"] == "DRAFT"
    for entry in compilation["entries"]:
        if entry["state"] != "DECIDED":
            recorded = await client.post(
                f"{API}/reports/{municipal_id}/missing",
                json={"org_unit_id": entry["org_unit_id"], "reason": "Nämnden beslutar först i juni."},
                headers=as_role(Role.FULLMAKTIGE),
            )
            assert recorded.status_code == 201, recorded.text

    proposed = await _propose(client, as_role, municipal_id, tag)
    assert proposed.status_code == 200, proposed.text
    compilation = (await client.get(f"{API}/occasions/{occasion_id}/overview", headers=as_role(Role.REVISOR))).json()
    entries = {e["org_unit_id"]: e for e in compilation["entries"]}
    assert (entries[OTHER_BOARD]["state"], entries[OTHER_BOARD]["missing_reason"]) == ("MISSING", "Nämnden beslutar först i juni.")
    assert (
        compilation["totals"]["decided"] >= 1
        and compilation["totals"]["missing"] == compilation["totals"]["reporting"] - compilation["totals"]["decided"]
    )


async def test_a_missing_record_needs_a_reason_a_board_of_the_year_and_no_decided_report(client, app, as_role):
    occasion_id = await add_occasion(app, "FORECAST")
    await _decided_board_report(client, as_role, occasion_id)
    municipal_id, _ = await _municipal_draft(client, as_role, occasion_id)
    path = f"{API}/reports/{municipal_id}/missing"
    before = await stored(app)

    assert_problem(await client.post(path, json={"org_unit_id": OTHER_BOARD, "reason": ""}, headers=as_role(Role.FULLMAKTIGE)), 422)
    assert_problem(await client.post(path, json={"org_unit_id": UNIT, "reason": "Saknas."}, headers=as_role(Role.FULLMAKTIGE)), 422)
    decided = await client.post(path, json={"org_unit_id": BOARD, "reason": "Saknas."}, headers=as_role(Role.FULLMAKTIGE))
    assert_problem(decided, 409, type_="rule-violation")
    assert "has decided its report" in decided.json()["detail"]
    assert_problem(await client.post(path, json={"org_unit_id": OTHER_BOARD, "reason": "Saknas."}, headers=as_role(Role.NAMND)), 403)
    assert await stored(app) == before


async def test_a_missing_record_is_withdrawn_from_a_draft_compilation(client, app, as_role):
    occasion_id = await add_occasion(app, "FORECAST")
    municipal_id, _ = await _municipal_draft(client, as_role, occasion_id)
    path = f"{API}/reports/{municipal_id}/missing"
    recorded = await client.post(path, json={"org_unit_id": OTHER_BOARD, "reason": "Saknas."}, headers=as_role(Role.FULLMAKTIGE))
    assert recorded.status_code == 201, recorded.text
    assert (await client.delete(f"{path}/{OTHER_BOARD}", headers=as_role(Role.FULLMAKTIGE))).status_code == 204
    assert_problem(await client.delete(f"{path}/{OTHER_BOARD}", headers=as_role(Role.FULLMAKTIGE)), 404)
    compilation = (await client.get(f"{API}/occasions/{occasion_id}/compilation", headers=as_role(Role.FULLMAKTIGE))).json()
    assert {e["org_unit_id"]: e["state"] for e in compilation["entries"]}[OTHER_BOARD] == "NONE"


@pytest.mark.parametrize("role", [Role.ENHET, Role.ADMIN])
async def test_the_overview_is_refused_to_roles_outside_the_follow_up_of_boards(client, app, as_role, role):
    occasion_id = await add_occasion(app, "FORECAST")
    assert_problem(await client.get(f"{API}/occasions/{occasion_id}/overview", headers=as_role(role)), 403)


async def _dialogue(app, occasion_id, org_unit_id: str, status: str) -> None:
    held = dt.date(YEAR, 9, 15) if status in ("HELD", "EVALUATED") else None
    dialogue = Dialogue(
        year=YEAR, kind="FOLLOWUP", org_unit_id=uuid.UUID(org_unit_id), occasion_id=occasion_id, title="Uppföljningsdialog delår",
        planned_date=dt.date(YEAR, 9, 15), held_date=held, status=status, created_by="test", updated_by="test",
    )  # fmt: skip
    async with app.state.sessionmaker() as session, session.begin():
        session.add(dialogue)


async def test_the_overview_shows_which_boards_held_their_followup_dialogue_at_the_interim_report(client, app, as_role):
    interim = await add_occasion(app, "INTERIM")
    await _dialogue(app, interim, BOARD, "HELD")
    await _dialogue(app, interim, OTHER_BOARD, "CANCELLED")
    await _dialogue(app, interim, OTHER_BOARD, "PLANNED")
    overview = (await client.get(f"{API}/occasions/{interim}/overview", headers=as_role(Role.REVISOR))).json()
    entries = {e["org_unit_id"]: e["followup_dialogue"] for e in overview["entries"]}
    assert (entries[BOARD], entries[OTHER_BOARD]) == ("HELD", "PLANNED")
    assert overview["totals"]["without_followup_dialogue"] == sum(1 for held in entries.values() if held != "HELD")

    # The forecast asks for no follow-up dialogue.
    forecast = await add_occasion(app, "FORECAST")
    overview = (await client.get(f"{API}/occasions/{forecast}/overview", headers=as_role(Role.REVISOR))).json()
    assert {e["followup_dialogue"] for e in overview["entries"]} == {None}
    assert overview["totals"]["without_followup_dialogue"] == 0
