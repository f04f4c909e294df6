"""Control execution: the bodies of a result without remark, one with a deviation and an action on
it, and the requests that record a result for an activity of a plan and act on its deviation
(test_results.py, test_deviations.py, test_reports.py)."""

from typing import Any

from services.internal_control.tests.support.api import API
from services.internal_control.tests.support.organisation import BOARD
from services.internal_control.tests.support.rows import activity, add, plan
from styrkedjan_common.lifecycle import Status

DEVIATIONS = f"{API}/deviations"
NO_REMARK = {"occasion": "2027-T1", "outcome": "NO_REMARK", "evidence": "20 fakturor granskade.", "checked_on": "2027-04-28"}
DEVIATION = NO_REMARK | {"outcome": "DEVIATION", "deviation_description": "Två fakturor utan attest."}
ACTION = {"description": "Påminn attestanterna om rutinen.", "owner": "Ekonomichef", "due_date": "2027-06-30"}


async def activity_of(app: Any, board: str = BOARD, status: Status = Status.DECIDED, year: int = 2027) -> str:
    """A control activity in a plan of `board` in `status`; its id."""
    plan_ = plan(board, year, status)
    row = activity(plan_)
    await add(app, plan_, row)
    return str(row.id)


async def record(client: Any, headers: dict[str, str], activity_id: str, body: dict[str, Any] = NO_REMARK) -> dict[str, Any]:
    response = await client.post(f"{API}/control-activities/{activity_id}/results", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def add_action(client: Any, headers: dict[str, str], deviation_id: str, **changes: Any) -> Any:
    response = await client.post(f"{DEVIATIONS}/{deviation_id}/actions", json=ACTION | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response
