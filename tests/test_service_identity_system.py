"""Service identity and the directory across the running system: the keys each app was given let a
service call exactly what declares it; the screens show the demo municipality's names beside its
ids, from each service's replica; and a machine client with a role at one administration writes
there and nowhere else, as a person with that role would.

The system is `replica_system` (conftest), of its own, since these tests write the directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from styrkedjan_common.identity import HEADER, ServiceSigner
from tests.conftest import System

DIRECTORY = "/api/directory/v1"
GOALS = "/api/goals/v1"
BUDGET = "/api/budget/v1"
INTERNAL_CONTROL = "/api/internal-control/v1"
YEAR = 2036
DECISION = {"body": "Kommunfullmäktige", "decision_date": "2035-06-15", "reference": "KF § 50/2035"}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def units_by_short_name(admin: httpx.Client) -> dict[str, str]:
    units: dict[str, str] = {}
    params: dict[str, Any] = {"limit": 200}
    while True:
        page = ok(admin.get(f"{DIRECTORY}/org-units", params=params))
        units |= {unit["short_name"]: unit["id"] for unit in page["items"]}
        if not page.get("next_cursor"):
            return units
        params["cursor"] = page["next_cursor"]


@pytest.fixture(scope="module")
def units(replica_system: System) -> dict[str, str]:
    with replica_system.client("admin.demo") as admin:
        return units_by_short_name(admin)


def signed_by(system: System, service: str, callee: str) -> dict[str, str]:
    """The header a service sends when it calls `callee` itself, signed with the key the stack gave it."""
    return {HEADER: ServiceSigner(system.stack.keys.service_private_pem(service), service).assertion(callee)}


# --- the keys as provisioned ---------------------------------------------------------------------


def test_each_service_reads_the_directory_with_its_own_key(replica_system: System) -> None:
    feed = f"{replica_system.gateway_url}{DIRECTORY}/org-units/changes"
    for service in ("goals", "budget", "followup", "internal-control"):
        page = ok(httpx.get(feed, params={"after": 0, "limit": 5}, headers=signed_by(replica_system, service, "directory"), timeout=15))
        assert len(page["items"]) == 5 and page["items"][0]["position"] == 1
    # Not a person's: the feed is for the services alone.
    with replica_system.client("admin.demo") as admin:
        assert admin.get(f"{DIRECTORY}/org-units/changes").status_code == 403
    # A service's assertion for another audience is no assertion for the directory.
    refused = httpx.get(feed, headers=signed_by(replica_system, "followup", "goals"), timeout=15)
    assert refused.status_code == 401, refused.text


def test_a_service_calls_another_where_the_operation_declares_it_and_nowhere_else(replica_system: System) -> None:
    goals = replica_system.stack.url("goals")
    # The follow-up service reads the indicator uses it follows up (declared for it) ...
    listed = httpx.get(f"{goals}{GOALS}/indicator-uses", headers=signed_by(replica_system, "followup", "goals"), timeout=15)
    assert listed.status_code == 200, listed.text
    # ... but writes no goal, and the budget service does not read what is declared for follow-up.
    written = httpx.post(
        f"{goals}{GOALS}/goals",
        json={"level": "MUNICIPAL", "start_year": YEAR, "end_year": YEAR, "title": "x", "perspective": "OPERATIONS"},
        headers=signed_by(replica_system, "followup", "goals"),
        timeout=15,
    )
    assert written.status_code == 403, written.text
    other = httpx.get(f"{goals}{GOALS}/indicator-uses", headers=signed_by(replica_system, "budget", "goals"), timeout=15)
    assert other.status_code == 403, other.text
    # Nor does a service reach another through the gateway with its own assertion: the proxy reads none.
    proxied = httpx.get(f"{replica_system.gateway_url}{GOALS}/indicator-uses", headers=signed_by(replica_system, "followup", "goals"))
    assert proxied.status_code == 401, proxied.text


# --- the names of the demo municipality ----------------------------------------------------------


def test_the_demo_municipalitys_names_are_in_the_thread_the_budget_summary_and_the_evaluation(
    replica_system: System, units: dict[str, str]
) -> None:
    council, board = units["KF"], units["BUN"]
    with replica_system.client("kf.demo") as kf, replica_system.client("forvaltning.demo") as forvaltning:
        period = ok(kf.post(f"{GOALS}/mandate-periods", json={"start_year": 2035}), 201)
        goal = {"start_year": YEAR, "end_year": YEAR, "perspective": "OPERATIONS"}
        municipal = ok(
            kf.post(
                f"{GOALS}/goals",
                json=goal
                | {"level": "MUNICIPAL", "owner_org_unit_id": council, "title": "Fler unga lyckas", "mandate_period_id": period["id"]},
            ),
            201,
        )
        # Decided (followed by an indicator), so that the board's administration reads it and may serve it.
        indicator = ok(
            kf.post(
                f"{GOALS}/indicators",
                json={
                    "name": "Andel unga i arbete eller studier (prov)",
                    "unit": "%",
                    "direction": "HIGHER_IS_BETTER",
                    "frequency": "YEARLY",
                },
            ),
            201,
        )
        use = {"indicator_id": indicator["id"], "org_unit_id": council, "goal_id": municipal["id"]}
        ok(kf.post(f"{GOALS}/indicator-uses", json=use), 201)
        path = f"{GOALS}/goals/{municipal['id']}"
        proposed = kf.post(f"{path}/proposal", headers={"If-Match": kf.get(path).headers["etag"]})
        assert proposed.status_code == 200, proposed.text
        decided = {"body": "Kommunfullmäktige", "decision_date": "2035-11-20", "reference": "KF § 12/2035"}
        ok(kf.post(f"{path}/decision", headers={"If-Match": proposed.headers["etag"]}, json=decided))
        board_goal = ok(
            forvaltning.post(
                f"{GOALS}/goals",
                json=goal
                | {"level": "BOARD", "owner_org_unit_id": board, "title": "Fler elever når målen", "contributes_to": [municipal["id"]]},
            ),
            201,
        )
        ok(forvaltning.post(f"{GOALS}/indicator-uses", json=use | {"org_unit_id": board, "goal_id": board_goal["id"]}), 201)
        path = f"{GOALS}/goals/{board_goal['id']}"
        proposed = forvaltning.post(f"{path}/proposal", headers={"If-Match": forvaltning.get(path).headers["etag"]})
        assert proposed.status_code == 200, proposed.text
        with replica_system.client("namnd.demo") as namnd:
            decided |= {"body": "Barn- och utbildningsnämnden"}
            ok(namnd.post(f"{path}/decision", headers={"If-Match": proposed.headers["etag"]}, json=decided))
        thread = ok(kf.get(f"{GOALS}/thread", params={"year": YEAR}))
        [top] = [g for g in thread["goals"] if g["id"] == municipal["id"]]
        assert top["owner_org_unit"]["name"] == "Kommunfullmäktige"
        [middle] = top["contributing_goals"]
        assert middle["owner_org_unit"] == {"id": board, "name": "Barn- och utbildningsnämnden", "short_name": "BUN", "type": "board"}

        budget = kf.post(f"{BUDGET}/budgets", json={"year": YEAR, "title": f"Mål och budget {YEAR}"})
        assert budget.status_code == 201, budget.text
        path = f"{BUDGET}/budgets/{budget.json()['id']}"

        def step(response: httpx.Response, part: str, body: dict[str, Any] | None, put: bool = True) -> httpx.Response:
            send = kf.put if put else kf.post
            answered = send(f"{path}/{part}", json=body, headers={"If-Match": response.headers["etag"]})
            assert answered.status_code == 200, answered.text
            return answered

        years = (YEAR, YEAR + 1, YEAR + 2)
        budget = step(budget, "lines", {"lines": [{"kind": "TAX_REVENUE", "year": y, "amount": "1000000000.00"} for y in years]})
        frames = [{"board_org_unit_id": board, "kind": "OPERATING", "year": y, "amount": "900000000.00"} for y in years]
        budget = step(budget, "frames", {"frames": frames})
        budget = step(budget, "proposal", None, put=False)
        step(budget, "decision", DECISION, put=False)
        summary = ok(kf.get(f"{BUDGET}/summaries/{YEAR}"))
        [row] = [b for b in summary["boards"] if b["board_org_unit_id"] == board]
        assert row["board_org_unit"]["name"] == "Barn- och utbildningsnämnden"

        evaluation = ok(kf.get(f"{INTERNAL_CONTROL}/evaluations/{YEAR}"))
        named = {b["board_org_unit"]["name"] for b in evaluation["boards"] if b["board_org_unit"]}
        assert {"Kommunstyrelsen", "Barn- och utbildningsnämnden", "Socialnämnden", "Hallstahem AB"} <= named


# --- a machine client --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def machine_client(replica_system: System, units: dict[str, str]) -> Iterator[httpx.Client]:
    """An integration registered as a machine client with forvaltning at Barn- och utbildningsförvaltningen."""
    with replica_system.client("admin.demo") as admin:
        registered = ok(
            admin.post(f"{DIRECTORY}/clients", json={"client_id": "elevsystemet-prov", "display_name": "Elevsystemets integration"}), 201
        )
        ok(
            admin.post(f"{DIRECTORY}/users/{registered['id']}/role-assignments", json={"role": "forvaltning", "org_unit_id": units["BUF"]}),
            201,
        )
        token = ok(admin.post("/api/auth/dev-token", json={"client_id": "elevsystemet-prov"}))["access_token"]
    with replica_system.client(headers={"Authorization": f"Bearer {token}"}) as http:
        yield http


def test_a_machine_client_records_outcomes_in_its_administration_and_nowhere_else(
    replica_system: System, units: dict[str, str], machine_client: httpx.Client
) -> None:
    me = ok(machine_client.get("/api/me"))
    assert me["kind"] == "client"
    with replica_system.client("kf.demo") as kf:
        indicator = ok(
            kf.post(
                f"{GOALS}/indicators",
                json={
                    "name": "Andel elever med godkända betyg (prov)",
                    "unit": "%",
                    "direction": "HIGHER_IS_BETTER",
                    "frequency": "YEARLY",
                },
            ),
            201,
        )
        period = kf.get(f"{GOALS}/mandate-periods").json()["items"]
        period_id = period[0]["id"] if period else ok(kf.post(f"{GOALS}/mandate-periods", json={"start_year": 2035}), 201)["id"]
        goal = ok(
            kf.post(
                f"{GOALS}/goals",
                json={
                    "level": "MUNICIPAL",
                    "owner_org_unit_id": units["KF"],
                    "start_year": YEAR,
                    "end_year": YEAR,
                    "title": "Alla elever når målen (prov)",
                    "perspective": "OPERATIONS",
                    "mandate_period_id": period_id,
                },
            ),
            201,
        )

        def use_at(short_name: str) -> str:
            body = {"indicator_id": indicator["id"], "org_unit_id": units[short_name], "goal_id": goal["id"]}
            return str(ok(kf.post(f"{GOALS}/indicator-uses", json=body), 201)["id"])

        ours, theirs = use_at("BUF"), use_at("SOF")

    recorded = machine_client.put(f"{GOALS}/indicator-uses/{ours}/outcomes/{YEAR}", json={"total": "81.5"})
    assert recorded.status_code == 201, recorded.text
    refused = machine_client.put(f"{GOALS}/indicator-uses/{theirs}/outcomes/{YEAR}", json={"total": "12.0"})
    assert refused.status_code == 403, refused.text
    with replica_system.client("kf.demo") as kf:
        assert ok(kf.get(f"{GOALS}/indicator-uses/{theirs}/outcomes"))["items"] == []
        [outcome] = ok(kf.get(f"{GOALS}/indicator-uses/{ours}/outcomes"))["items"]
        assert outcome["total"] == "81.5"
    # The audit trail names the integration, as a client.
    with replica_system.client("revisor.demo") as revisor:
        events = ok(revisor.get(f"{GOALS}/audit-events", params={"entity_type": "indicator_outcome", "limit": 10}))["items"]
    [event] = [e for e in events if e["actor_name"] == "Elevsystemets integration"]
    assert event["actor_kind"] == "client"
