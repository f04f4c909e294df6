"""The follow-up service's part of Stratsys's structure file (layout 3), as the goals service calls it
with its own assertion: a year's assessments read from the latest report of each unit and follow-up,
and an import's assessments checked (dry run) and written all or none, every refusal with its line.
A year without follow-ups gets its cycle, a unit without a report a draft one; a decided report is
not changed. On both databases."""

import uuid

from sqlalchemy import update

from followup_service.reports.models import Report
from services.followup.tests.support.reports import ADMINISTRATION, BOARD, add_occasion, stored
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import service_headers

API = "/api/followup/v1"
PATH = f"{API}/stratsys/assessments"
YEAR = 2031
GOAL, OTHER_GOAL = uuid.uuid4(), uuid.uuid4()


def goals_service() -> dict[str, str]:
    return service_headers("goals", "followup")


def item(
    line: int, goal: uuid.UUID = GOAL, unit: str = BOARD, occasion: str = "INTERIM", level: str = "DELVIS_UPPFYLLT", analysis: str = ""
) -> dict:
    return {"line": line, "goal_id": str(goal), "org_unit_id": unit, "occasion": occasion, "level_code": level, "analysis": analysis}


async def send(client, assessments: list[dict], dry_run: bool = False, year: int = YEAR):
    return await client.post(
        PATH, json={"year": year, "assessments": assessments}, params={"dry_run": str(dry_run).lower()}, headers=goals_service()
    )


async def test_an_import_into_a_year_without_follow_ups_makes_its_cycle_and_draft_reports(client, app):
    assessments = [item(4, analysis="Positiv trend"), item(5, GOAL, BOARD, "ANNUAL", "UPPFYLLT"), item(6, OTHER_GOAL, ADMINISTRATION)]
    dry = await send(client, assessments, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json()["counts"]["goal_assessment"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert (await stored(app))["assessments"] == 0

    written = await send(client, assessments)
    assert written.status_code == 200, written.text
    assert written.json()["counts"]["report"]["created"] == 3
    year = await client.get(PATH, params={"year": YEAR}, headers=goals_service())
    assert year.status_code == 200, year.text
    found = {(a["goal_id"], a["occasion"], a["period_end"], a["level_code"], a["analysis"]) for a in year.json()["items"]}
    assert found == {
        (str(GOAL), "INTERIM", f"{YEAR}-08-31", "DELVIS_UPPFYLLT", "Positiv trend"),
        (str(GOAL), "ANNUAL", f"{YEAR}-12-31", "UPPFYLLT", ""),
        (str(OTHER_GOAL), "INTERIM", f"{YEAR}-08-31", "DELVIS_UPPFYLLT", ""),
    }
    again = await send(client, assessments)
    assert again.json()["counts"]["goal_assessment"] == {"created": 0, "updated": 0, "unchanged": 3}
    changed = await send(client, [item(4, analysis="Vänder uppåt")])
    assert changed.json()["counts"]["goal_assessment"] == {"created": 0, "updated": 1, "unchanged": 0}


async def test_every_refusal_is_listed_with_its_line_and_nothing_is_written(client, app):
    await add_occasion(app, "INTERIM", YEAR)
    before = await stored(app)
    response = await send(
        client,
        [
            item(2),
            item(3, level="GRON"),
            item(4, unit=str(uuid.uuid4())),
            item(5),  # the same goal, unit and follow-up as line 2
            item(6, level="EJ_BEDOMT"),  # on the scale only with a reason, which the file has no cell for
        ],
    )
    assert response.status_code == 422, response.text
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/line/3", "#/line/4", "#/line/5", "#/line/6"]
    assert await stored(app) == before


async def test_a_decided_report_is_not_changed_by_an_import(client, app):
    assert (await send(client, [item(2)])).status_code == 200
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(update(Report).values(status="DECIDED"))
    assert (await send(client, [item(2)])).json()["counts"]["goal_assessment"]["unchanged"] == 1
    refused = await send(client, [item(7, level="UPPFYLLT")])
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "#/line/7" and "DECIDED" in refused.json()["errors"][0]["detail"]


async def test_only_the_goals_service_writes_and_the_auditors_read(client, as_role):
    body = {"year": YEAR, "assessments": [item(2)]}
    for headers in (as_role(Role.ADMIN), as_role(Role.FULLMAKTIGE), service_headers("budget", "followup")):
        assert (await client.post(PATH, json=body, headers=headers)).status_code == 403
    assert (await client.get(PATH, params={"year": YEAR}, headers=as_role(Role.REVISOR))).status_code == 200
    assert (await client.get(PATH, params={"year": YEAR}, headers=as_role(Role.NAMND, BOARD, [BOARD]))).status_code == 403
