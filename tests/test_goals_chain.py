"""The chain of goals through the gateway, with the demo municipality's real org tree and scopes:
the council sets a municipal goal; the board's administration drafts a board goal serving it and
the board decides it; a unit sets a unit goal and records an outcome; the thread shows it all."""

from __future__ import annotations

from typing import Any

import httpx

API = "/api/goals/v1"
DECISION = {"decision_date": "2030-11-20", "reference": "§ 12/2030"}


def home_unit(http: httpx.Client) -> str:
    [assignment] = http.get("/api/me").json()["assignments"]
    return assignment["org_unit_id"]


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()


def decide(proposer: httpx.Client, decider: httpx.Client, goal: dict[str, Any], body: str) -> httpx.Response:
    path = f"{API}/goals/{goal['id']}"
    proposed = proposer.post(f"{path}/proposal", headers={"If-Match": proposer.get(path).headers["etag"]})
    assert proposed.status_code == 200, proposed.text
    return decider.post(f"{path}/decision", headers={"If-Match": proposed.headers["etag"]}, json=DECISION | {"body": body})


def follow(writer: httpx.Client, goal: dict[str, Any], indicator: dict[str, Any], org_unit_id: str) -> dict[str, Any]:
    return created(
        writer.post(f"{API}/indicator-uses", json={"indicator_id": indicator["id"], "org_unit_id": org_unit_id, "goal_id": goal["id"]})
    )


def goal_body(level: str, owner: str, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "level": level,
        "owner_org_unit_id": owner,
        "start_year": 2031,
        "end_year": 2031,
        "title": title,
        "perspective": "OPERATIONS",
    } | extra


def test_the_chain_from_the_councils_goal_to_a_units_outcome(system: Any, kf: httpx.Client) -> None:
    with system.client("namnd.demo") as namnd, system.client("forvaltning.demo") as forvaltning, system.client("enhet.demo") as enhet:
        council, board, school = home_unit(kf), home_unit(namnd), home_unit(enhet)
        period = created(kf.post(f"{API}/mandate-periods", json={"start_year": 2031}))
        indicator = created(
            kf.post(
                f"{API}/indicators",
                json={
                    "name": "Andel elever med godkända betyg i alla ämnen",
                    "unit": "%",
                    "direction": "HIGHER_IS_BETTER",
                    "frequency": "YEARLY",
                    "source": "INTERNAL",
                    "gender_split": True,
                },
            )
        )

        municipal = created(
            kf.post(
                f"{API}/goals",
                json=goal_body("MUNICIPAL", council, "Fler barn och unga lyckas i skolan", mandate_period_id=period["id"], end_year=2034),
            )
        )
        follow(kf, municipal, indicator, council)
        assert decide(kf, kf, municipal, "Kommunfullmäktige").status_code == 200

        # The administration drafts its board's goal (its scope covers the board it serves) ...
        board_goal = created(
            forvaltning.post(
                f"{API}/goals", json=goal_body("BOARD", board, "Fler elever når kunskapskraven", contributes_to=[municipal["id"]])
            )
        )
        follow(forvaltning, board_goal, indicator, board)
        # ... but only the board decides it, and a unit writes no board goals.
        refused = decide(forvaltning, forvaltning, board_goal, "Barn- och utbildningsförvaltningen")
        assert refused.status_code == 403, refused.text
        assert enhet.post(f"{API}/goals", json=goal_body("BOARD", board, "Enhetens nämndmål")).status_code == 403
        path = f"{API}/goals/{board_goal['id']}"
        decided = namnd.post(
            f"{path}/decision",
            headers={"If-Match": namnd.get(path).headers["etag"]},
            json=DECISION | {"body": "Barn- och utbildningsnämnden"},
        )
        assert decided.status_code == 200, decided.text

        unit_goal = created(
            enhet.post(f"{API}/goals", json=goal_body("UNIT", school, "Alla elever läser varje dag", contributes_to=[board_goal["id"]]))
        )
        use = follow(forvaltning, unit_goal, indicator, school)
        outcome = enhet.put(f"{API}/indicator-uses/{use['id']}/outcomes/2031", json={"total": "72.5", "women": "75", "men": "70"})
        assert outcome.status_code == 201, outcome.text
        assert decide(enhet, enhet, unit_goal, "Parkskolan").status_code == 200

        # A board user reads the decided chain but cannot write the council's goal.
        assert namnd.get(f"{API}/goals/{municipal['id']}").status_code == 200
        path = f"{API}/goals/{municipal['id']}/closure"
        assert (
            namnd.post(
                path, headers={"If-Match": namnd.get(f"{API}/goals/{municipal['id']}").headers["etag"]}, json={"reason": "ACHIEVED"}
            ).status_code
            == 403
        )

        # The thread for the year runs from the council's goal down to the unit's outcome, and walks back up.
        thread = kf.get(f"{API}/thread", params={"year": 2031})
        assert thread.status_code == 200, thread.text
        assert thread.json()["mandate_period"]["id"] == period["id"]
        [top] = [g for g in thread.json()["goals"] if g["id"] == municipal["id"]]
        [middle] = top["contributing_goals"]
        [bottom] = middle["contributing_goals"]
        assert (middle["id"], bottom["id"]) == (board_goal["id"], unit_goal["id"])
        [followed] = bottom["indicators"]
        assert followed["latest"]["total"] == "72.5" and followed["status"] == "NO_TARGET"
        upward = enhet.get(f"{API}/thread/upward", params={"indicator_use_id": use["id"]})
        assert upward.status_code == 200, upward.text
        assert {municipal["lineage_id"], board_goal["lineage_id"], unit_goal["lineage_id"]} <= {
            g["lineage_id"] for g in upward.json()["goals"]
        }
