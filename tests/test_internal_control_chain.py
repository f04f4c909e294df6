"""Internal control through the gateway with the demo municipality's org tree: the executive board's
common control reaches the board's plan; the administration assesses risks and drafts the plan; the
board decides it; a deviation found is followed to closure; the evaluation is for the council and
the auditors only."""

from __future__ import annotations

from typing import Any

import httpx

API = "/api/internal-control/v1"
YEAR = 2034
DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2033-12-10", "reference": "BUN § 88/2033"}


def home_unit(http: httpx.Client) -> str:
    [assignment] = http.get("/api/me").json()["assignments"]
    return assignment["org_unit_id"]


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def etag(http: httpx.Client, path: str) -> dict[str, str]:
    return {"If-Match": http.get(path).headers["etag"]}


def test_a_deviation_is_followed_from_the_decided_plan_to_closure(system: Any, kf: httpx.Client) -> None:
    with (
        system.client("namnd.demo") as namnd,
        system.client("forvaltning.demo") as forvaltning,
        system.client("enhet.demo") as enhet,
        system.client("revisor.demo") as revisor,
    ):
        board = home_unit(namnd)
        common = ok(
            kf.post(
                f"{API}/common-controls",
                json={
                    "year": YEAR,
                    "title": "Attest av leverantörsfakturor",
                    "what_is_checked": "Att varje faktura är attesterad av behörig attestant",
                },
            ),
            201,
        )

        assessment = ok(
            forvaltning.post(f"{API}/risk-assessments", json={"board_org_unit_id": board, "year": YEAR, "title": f"Riskanalys {YEAR}"}), 201
        )
        risk = ok(
            forvaltning.post(
                f"{API}/risk-assessments/{assessment['id']}/risks",
                json={
                    "process": "Inköp",
                    "description": "Köp utanför avtal",
                    "likelihood": 3,
                    "consequence": 4,
                    "decision": "CONTROL",
                },
            ),
            201,
        )
        assert (risk["value"], risk["band"]["label"]) == (12, "Mycket hög")
        bad = forvaltning.post(
            f"{API}/risk-assessments/{assessment['id']}/risks",
            json={"process": "Inköp", "description": "x", "likelihood": 5, "consequence": 1, "decision": "ACCEPT"},
        )
        assert bad.status_code == 422, bad.text

        plan = ok(
            forvaltning.post(
                f"{API}/control-plans", json={"board_org_unit_id": board, "year": YEAR, "title": f"Internkontrollplan {YEAR}"}
            ),
            201,
        )
        plan_path = f"{API}/control-plans/{plan['id']}"
        [carried] = [a for a in plan["activities"] if a["common_control_id"] == common["id"]]
        own = ok(
            forvaltning.post(
                f"{plan_path}/activities", json={"area": "Inköp", "what_is_checked": "Avtalstrohet vid köp", "risk_id": risk["id"]}
            ),
            201,
        )
        # The board cannot drop the executive board's control from its plan.
        removed = forvaltning.delete(
            f"{API}/control-activities/{carried['id']}", headers=etag(forvaltning, f"{API}/control-activities/{carried['id']}")
        )
        assert removed.status_code == 409, removed.text

        ok(forvaltning.post(f"{plan_path}/proposal", headers=etag(forvaltning, plan_path)))
        assert forvaltning.post(f"{plan_path}/decision", json=DECISION, headers=etag(forvaltning, plan_path)).status_code == 403
        ok(namnd.post(f"{plan_path}/decision", json=DECISION, headers=etag(namnd, plan_path)))

        result = ok(
            forvaltning.post(
                f"{API}/control-activities/{own['id']}/results",
                json={
                    "occasion": f"{YEAR}-T1",
                    "outcome": "DEVIATION",
                    "checked_on": f"{YEAR}-04-20",
                    "evidence": "10 köp granskade",
                    "deviation_description": "Två köp utan avtal",
                },
            ),
            201,
        )
        [deviation] = ok(forvaltning.get(f"{API}/deviations", params={"board_org_unit_id": board, "year": YEAR}))["items"]
        action = ok(
            forvaltning.post(
                f"{API}/deviations/{deviation['id']}/actions",
                json={"description": "Utbildning i inköpsrutinen", "owner": "Förvaltningschef", "due_date": f"{YEAR}-06-30"},
            ),
            201,
        )
        deviation_path = f"{API}/deviations/{deviation['id']}"
        refused = forvaltning.post(f"{deviation_path}/closure", json={"closing_note": "Klart"}, headers=etag(forvaltning, deviation_path))
        assert refused.status_code == 409, refused.text
        ok(
            forvaltning.patch(
                f"{API}/actions/{action['id']}", json={"status": "DONE"}, headers=etag(forvaltning, f"{API}/actions/{action['id']}")
            )
        )
        ok(
            forvaltning.post(
                f"{deviation_path}/closure", json={"closing_note": "Rutinen är genomgången"}, headers=etag(forvaltning, deviation_path)
            )
        )
        assert result["outcome"] == "DEVIATION"

        # The unit below the administration does not see the board's internal control; the auditors do.
        assert enhet.get(plan_path).status_code == 404
        assert revisor.get(plan_path).status_code == 200
        evaluation = ok(revisor.get(f"{API}/evaluations/{YEAR}"))
        [row] = [b for b in evaluation["boards"] if b["board_org_unit_id"] == board]
        assert (row["plan_status"], row["activities"], row["activities_with_result"]) == ("DECIDED", 2, 1)
        assert (row["deviations_open"], row["deviations_closed"], row["actions_open"]) == (0, 1, 0)
        assert namnd.get(f"{API}/evaluations/{YEAR}").status_code == 403
