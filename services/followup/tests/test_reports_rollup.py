"""The board's report shows its units' assessments of the goals beneath each board goal, as the
units handed them in (a draft does not count yet), and carries the assessment scale it used: the
decided document keeps both as they were."""

from __future__ import annotations

from typing import Any

import pytest

from services.followup.tests.support.callees import Callee, decided_goal, indicator, mandate_period
from services.followup.tests.support.reports import API, YEAR, add_occasion, create_report
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import org_unit

pytest_plugins = ("services.followup.tests.support.callees",)
pytestmark = pytest.mark.usefixtures("live_callees")

COUNCIL = org_unit(OrgUnitType.COUNCIL, "Kommunfullmäktige (sammanvägning)")
BOARD = org_unit(OrgUnitType.BOARD, "Kultur- och fritidsnämnden (sammanvägning)", parent=COUNCIL)
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION, "Kultur- och fritidsförvaltningen (sammanvägning)", parent=BOARD)
LIBRARY = org_unit(OrgUnitType.UNIT, "Biblioteket (sammanvägning)", parent=ADMINISTRATION)
SWIMMING = org_unit(OrgUnitType.UNIT, "Simhallen (sammanvägning)", parent=ADMINISTRATION)
DECISION = {"body": "Kultur- och fritidsnämnden", "decision_date": "2027-05-20", "reference": "KFN § 30/2027"}


@pytest.fixture(scope="module")
async def town(goals: Callee) -> dict[str, str]:
    """A board goal serving a municipal goal, and a goal of each unit serving the board goal."""
    period = await mandate_period(goals, YEAR)
    visits = await indicator(goals, "Besök per invånare (sammanvägning)", unit="st")
    municipal = await decided_goal(
        goals, level="MUNICIPAL", owner=COUNCIL, title="Ett rikt kulturliv", year=YEAR, indicator_id=visits["id"],
        mandate_period_id=period["id"],
    )  # fmt: skip
    board = await decided_goal(
        goals, level="BOARD", owner=BOARD, title="Fler besöker kultur och fritid", year=YEAR, indicator_id=visits["id"],
        contributes_to=[municipal["goal"]["id"]],
    )  # fmt: skip
    library = await decided_goal(
        goals, level="UNIT", owner=LIBRARY, title="Fler lån per invånare", year=YEAR, indicator_id=visits["id"],
        contributes_to=[board["goal"]["id"]],
    )  # fmt: skip
    swimming = await decided_goal(
        goals, level="UNIT", owner=SWIMMING, title="Fler simkunniga barn", year=YEAR, indicator_id=visits["id"],
        contributes_to=[board["goal"]["id"]],
    )  # fmt: skip
    return {name: goal["goal"]["lineage_id"] for name, goal in (("board", board), ("library", library), ("swimming", swimming))}


async def _write(client: Any, path: str, headers: dict[str, str], goal_id: str, level_code: str, analysis: str) -> str:
    """The report refreshed, its goal assessed and its required heading written; the last ETag."""
    refreshed = await client.post(f"{path}/refresh", headers=headers)
    assert refreshed.status_code == 200, refreshed.text
    assessed = await client.put(
        f"{path}/assessments/{goal_id}",
        json={"level_code": level_code, "analysis": analysis},
        headers=headers | {"If-Match": refreshed.headers["ETag"]},
    )
    assert assessed.status_code == 200, assessed.text
    written = await client.put(
        f"{path}/sections/important_events", json={"text": "Enligt plan."}, headers=headers | {"If-Match": assessed.headers["ETag"]}
    )
    assert written.status_code == 200, written.text
    return str(written.headers["ETag"])


async def test_the_board_report_shows_the_units_handed_in_assessments_beneath_its_goal(client, app, as_role, town):
    occasion_id = await add_occasion(app, "FORECAST")
    library = as_role(Role.ENHET, LIBRARY, [LIBRARY])
    swimming = as_role(Role.ENHET, SWIMMING, [SWIMMING])
    board = as_role(Role.NAMND, BOARD, [BOARD, ADMINISTRATION, LIBRARY, SWIMMING])

    library_path = f"{API}/reports/{(await create_report(client, library, occasion_id, LIBRARY)).json()['id']}"
    tag = await _write(client, library_path, library, town["library"], "DELVIS_UPPFYLLT", "Lånen ökar men långsamt.")
    submitted = await client.post(f"{library_path}/transitions", json={"transition": "SUBMIT"}, headers=library | {"If-Match": tag})
    assert submitted.status_code == 200, submitted.text
    # The swimming hall's report is still a draft: not handed in, not shown beneath.
    swimming_path = f"{API}/reports/{(await create_report(client, swimming, occasion_id, SWIMMING)).json()['id']}"
    await _write(client, swimming_path, swimming, town["swimming"], "EJ_UPPFYLLT", "Simhallen var stängd.")

    board_path = f"{API}/reports/{(await create_report(client, board, occasion_id, BOARD)).json()['id']}"
    tag = await _write(client, board_path, board, town["board"], "UPPFYLLT", "Besöken ökar.")
    [goal] = (await client.get(board_path, headers=board)).json()["preview"]["goals"]
    [beneath] = goal["beneath"]
    assert beneath["org_unit_name"] == "Biblioteket (sammanvägning)" and beneath["goal_id"] == town["library"]
    assert (beneath["level_code"], beneath["analysis"], beneath["report_status"]) == (
        "DELVIS_UPPFYLLT",
        "Lånen ökar men långsamt.",
        "SUBMITTED",
    )
    assert goal["assessment"]["level_code"] == "UPPFYLLT"

    proposed = await client.post(f"{board_path}/transitions", json={"transition": "PROPOSE"}, headers=board | {"If-Match": tag})
    decided = await client.post(
        f"{board_path}/transitions",
        json={"transition": "DECIDE", "decision": DECISION},
        headers=board | {"If-Match": proposed.headers["ETag"]},
    )
    assert decided.status_code == 200, decided.text
    document = (await client.get(f"{board_path}/document", headers=board)).json()
    assert [b["org_unit_id"] for b in document["goals"][0]["beneath"]] == [LIBRARY]
    assert [(level["code"], level["colour"]) for level in document["scale"]] == [
        ("UPPFYLLT", "#2e7d32"),
        ("DELVIS_UPPFYLLT", "#f9a825"),
        ("EJ_UPPFYLLT", "#c62828"),
        ("EJ_BEDOMT", "#9e9e9e"),
    ]
