"""Each service's replica of the directory, with the five apps running as processes.

An org unit an admin creates at the gateway reaches every service: within the sync interval by the
feed, and at once when a request names it before that (the service asks the directory then). An id
the directory does not have, or a unit closed yesterday, is refused with a 422 naming the field.
With the gateway stopped the services go on answering from their replica and their /readyz says it
is stale and why, until the gateway is back.

The system is `replica_system` (conftest): followup and internal control sync every second, goals
and budget only on an unknown id, so what goals and budget know of a new unit came by first use.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from itertools import count
from typing import Any

import httpx
import pytest

from styrkedjan_common.identity import Role
from styrkedjan_common.testing import principal
from tests.conftest import REPLICA_SYNC_SECONDS, System

DIRECTORY = "/api/directory/v1"
GOALS = "/api/goals/v1"
BUDGET = "/api/budget/v1"
INTERNAL_CONTROL = "/api/internal-control/v1"
YEAR = dt.date.today().year
# Long enough for three sync intervals of the services that sync every second, and some.
PATIENCE_SECONDS = 10 * max(REPLICA_SYNC_SECONDS["followup"], REPLICA_SYNC_SECONDS["internal-control"])
_names = count(1)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def eventually(check: Callable[[], Any], what: str, seconds: float = PATIENCE_SECONDS) -> Any:
    """The check's first truthy result, asked every 0.1 s for up to `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.1)


def unit_by_short_name(admin: httpx.Client, short_name: str) -> dict[str, Any]:
    cursor = None
    while True:
        page = ok(admin.get(f"{DIRECTORY}/org-units", params={"limit": 200} | ({"cursor": cursor} if cursor else {})))
        for unit in page["items"]:
            if unit["short_name"] == short_name:
                return dict(unit)
        cursor = page.get("next_cursor")
        assert cursor, f"no org unit {short_name} in the directory"


def new_board(admin: httpx.Client, council: str) -> dict[str, Any]:
    n = next(_names)
    body = {"type": "board", "parent_id": council, "name": f"Provnämnd {n} {uuid.uuid4().hex[:6]}", "short_name": f"PN{n}"}
    return dict(ok(admin.post(f"{DIRECTORY}/org-units", json=body | {"valid_from": "2023-01-01"}), 201))


def close(admin: httpx.Client, unit: dict[str, Any], on: dt.date) -> dict[str, Any]:
    path = f"{DIRECTORY}/org-units/{unit['id']}"
    return dict(ok(admin.patch(path, json={"valid_to": on.isoformat()}, headers={"If-Match": admin.get(path).headers["etag"]})))


def board_goal(owner: str, title: str) -> dict[str, Any]:
    return {"level": "BOARD", "owner_org_unit_id": owner, "start_year": YEAR, "end_year": YEAR, "title": title, "perspective": "OPERATIONS"}


def problem_pointers(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["pointer"] for error in response.json().get("errors", [])]


@pytest.fixture(scope="module")
def admin(replica_system: System) -> Iterator[httpx.Client]:
    with replica_system.client("admin.demo") as http:
        yield http


@pytest.fixture(scope="module")
def council(admin: httpx.Client) -> str:
    return str(unit_by_short_name(admin, "KF")["id"])


@pytest.fixture(scope="module")
def board_writer(replica_system: System, admin: httpx.Client, council: str) -> Iterator[httpx.Client]:
    """A board member (nämnd) across the whole municipality: the role writes board goals, and its
    scope covers every board, the ones the tests create included, so only the directory refuses."""
    user = ok(admin.post(f"{DIRECTORY}/users", json={"subject": "styrelse.prov", "display_name": "Stina Styrelse (prov)"}), 201)
    ok(admin.post(f"{DIRECTORY}/users/{user['id']}/role-assignments", json={"role": "namnd", "org_unit_id": council}), 201)
    with replica_system.client() as anonymous:
        token = ok(anonymous.post("/api/auth/dev-token", json={"subject": "styrelse.prov"}))["access_token"]
    with replica_system.client(headers={"Authorization": f"Bearer {token}"}) as http:
        yield http


@pytest.fixture(scope="module")
def kf(replica_system: System) -> Iterator[httpx.Client]:
    with replica_system.client("kf.demo") as http:
        yield http


@pytest.fixture(scope="module")
def budget(kf: httpx.Client) -> dict[str, Any]:
    """A draft budget of the year, whose frames name boards."""
    return dict(ok(kf.post(f"{BUDGET}/budgets", json={"year": YEAR, "title": f"Mål och budget {YEAR} (prov)"}), 201))


def put_frames(kf: httpx.Client, budget: dict[str, Any], boards: list[str]) -> httpx.Response:
    path = f"{BUDGET}/budgets/{budget['id']}"
    frames = [{"board_org_unit_id": board, "kind": "OPERATING", "year": YEAR, "amount": "1000000.00"} for board in boards]
    return kf.put(f"{path}/frames", json={"frames": frames}, headers={"If-Match": kf.get(path).headers["etag"]})


def frames_of(kf: httpx.Client, budget: dict[str, Any]) -> list[dict[str, Any]]:
    return list(ok(kf.get(f"{BUDGET}/budgets/{budget['id']}/frames", params={"limit": 200}))["items"])


def evaluated_boards(kf: httpx.Client) -> dict[str, Any]:
    evaluation = ok(kf.get(f"{INTERNAL_CONTROL}/evaluations/{YEAR}"))
    return {board["board_org_unit_id"]: board for board in evaluation["boards"]}


def in_step(system: System, service: str) -> dict[str, Any]:
    """The service's replica once it has synced lately (the services start before the gateway)."""
    return dict(
        eventually(
            lambda: not (d := system.ready(service)["directory"])["stale"] and d["last_error"] is None and d,
            f"{service} has synced with the directory",
        )
    )


# --- a new unit reaches the services -----------------------------------------------------------


def test_a_new_board_reaches_the_replicas_within_the_sync_interval(replica_system: System, admin: httpx.Client, council: str) -> None:
    syncing = ["followup", "internal-control"]
    before = {service: in_step(replica_system, service) for service in syncing}
    board = new_board(admin, council)
    started = time.monotonic()
    for service in syncing:
        eventually(
            lambda service=service: replica_system.ready(service)["directory"]["units"] == before[service]["units"] + 1,
            f"{service} learns of the new board by its periodic sync",
        )
    assert time.monotonic() - started < 3 * REPLICA_SYNC_SECONDS["internal-control"] + 2
    # Nothing named it to internal control: its evaluation lists it, by name, from the replica alone.
    with replica_system.client("kf.demo") as kf:
        listed = evaluated_boards(kf)[board["id"]]
    assert listed["board_org_unit"]["name"] == board["name"]
    assert listed["plan_missing"] is True


def test_a_new_board_is_usable_at_once_in_a_service_that_has_not_synced_since(
    admin: httpx.Client, council: str, board_writer: httpx.Client, kf: httpx.Client, budget: dict[str, Any]
) -> None:
    board = new_board(admin, council)
    # Goals and budget sync by the interval only hourly here: they learn of the board when a request names it.
    goal = ok(board_writer.post(f"{GOALS}/goals", json=board_goal(board["id"], "Nämndens första mål")), 201)
    assert goal["owner_org_unit_id"] == board["id"]
    assert goal["owner_org_unit"]["name"] == board["name"]
    ok(put_frames(kf, budget, [board["id"]]))
    [frame] = frames_of(kf, budget)
    assert frame["board_org_unit_id"] == board["id"]
    assert frame["board_org_unit"]["name"] == board["name"]


# --- what the directory does not have, or no longer has -------------------------------------------


def test_an_org_unit_the_directory_does_not_have_is_refused_naming_the_field(
    board_writer: httpx.Client, kf: httpx.Client, budget: dict[str, Any]
) -> None:
    unknown = str(uuid.uuid4())
    before = ok(board_writer.get(f"{GOALS}/goals", params={"owner_org_unit_id": unknown}))["items"]
    refused = board_writer.post(f"{GOALS}/goals", json=board_goal(unknown, "Ett mål för ingen"))
    assert problem_pointers(refused) == ["#/owner_org_unit_id"]
    assert unknown in refused.json()["detail"]
    assert ok(board_writer.get(f"{GOALS}/goals", params={"owner_org_unit_id": unknown}))["items"] == before == []

    frames = frames_of(kf, budget)
    refused = put_frames(kf, budget, [unknown])
    assert problem_pointers(refused) == ["#/frames/0/board_org_unit_id"]
    assert frames_of(kf, budget) == frames


def test_a_board_closed_yesterday_gets_nothing_new(
    admin: httpx.Client, council: str, board_writer: httpx.Client, kf: httpx.Client, budget: dict[str, Any]
) -> None:
    yesterday = dt.date.today() - dt.timedelta(days=1)
    board = close(admin, new_board(admin, council), yesterday)
    assert board["valid_to"] == yesterday.isoformat()

    refused = board_writer.post(f"{GOALS}/goals", json=board_goal(board["id"], "Ett mål för en nedlagd nämnd"))
    assert problem_pointers(refused) == ["#/owner_org_unit_id"]
    assert "closed" in refused.json()["detail"]
    assert ok(board_writer.get(f"{GOALS}/goals", params={"owner_org_unit_id": board["id"]}))["items"] == []

    frames = frames_of(kf, budget)
    refused = put_frames(kf, budget, [board["id"]])
    assert problem_pointers(refused) == ["#/frames/0/board_org_unit_id"]
    assert frames_of(kf, budget) == frames


# --- the gateway away ------------------------------------------------------------------------------


def test_without_the_gateway_the_services_answer_from_their_replica_and_say_since_when(
    replica_system: System, admin: httpx.Client, council: str, board_writer: httpx.Client
) -> None:
    board = new_board(admin, council)
    goal = ok(board_writer.post(f"{GOALS}/goals", json=board_goal(board["id"], "Målet som överlever")), 201)
    with replica_system.client("kf.demo") as kf:
        eventually(lambda: board["id"] in evaluated_boards(kf), "internal control has the board by its periodic sync")
    reader = principal(Role.FULLMAKTIGE)  # the council, across the municipality, as the gateway would sign it

    replica_system.stop("gateway")
    try:
        with pytest.raises(httpx.TransportError):
            httpx.get(replica_system.gateway_url + "/readyz", timeout=2)
        # Reads go on, with the names the replica holds.
        with replica_system.direct("goals", reader) as goals:
            [read] = ok(goals.get(f"{GOALS}/goals", params={"owner_org_unit_id": board["id"]}))["items"]
            assert read["id"] == goal["id"] and read["owner_org_unit"]["name"] == board["name"]
        with replica_system.direct("internal-control", reader) as internal_control:
            evaluation = ok(internal_control.get(f"{INTERNAL_CONTROL}/evaluations/{YEAR}"))
            assert board["name"] in {b["board_org_unit"]["name"] for b in evaluation["boards"] if b["board_org_unit"]}

        stale = eventually(
            lambda: (d := replica_system.ready("internal-control")["directory"])["stale"] and d["last_error"] and d,
            "internal control's /readyz says its replica is stale, and why",
        )
        assert stale["units"] > 0 and stale["seconds_since_sync"] >= 3 * REPLICA_SYNC_SECONDS["internal-control"]

        # An id the replica lacks cannot be looked up now: refused as unknown (a 422, never a 5xx),
        # and the service says why its last sync failed.
        with replica_system.direct("goals", principal(Role.NAMND)) as goals:
            refused = goals.post(f"{GOALS}/goals", json=board_goal(str(uuid.uuid4()), "Ett mål i mörkret"))
        assert problem_pointers(refused) == ["#/owner_org_unit_id"]
        assert replica_system.ready("goals")["directory"]["last_error"]
    finally:
        replica_system.start("gateway")

    recovered = eventually(
        lambda: not (d := replica_system.ready("internal-control")["directory"])["stale"] and d["last_error"] is None and d,
        "internal control syncs again once the gateway is back",
    )
    assert recovered["seconds_since_sync"] <= 3 * REPLICA_SYNC_SECONDS["internal-control"]
    # Goals asks again on the next unknown id, and is in step again.
    later = new_board(admin, council)
    ok(board_writer.post(f"{GOALS}/goals", json=board_goal(later["id"], "Målet efter avbrottet")), 201)
    assert replica_system.ready("goals")["directory"]["last_error"] is None
