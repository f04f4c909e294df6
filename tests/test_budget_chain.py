"""The budget chain through the gateway with the demo municipality's org tree: the council decides
a balanced budget with a frame for a board; the board allocates within it and no further; a
deficit is refused until exceptional reasons are recorded."""

from __future__ import annotations

from typing import Any

import httpx

API = "/api/budget/v1"
DECISION = {"body": "Kommunfullmäktige", "decision_date": "2032-06-15", "reference": "KF § 40/2032"}
YEAR = 2033


def home_unit(http: httpx.Client) -> str:
    [assignment] = http.get("/api/me").json()["assignments"]
    return assignment["org_unit_id"]


def ok(response: httpx.Response, status: int = 200) -> httpx.Response:
    assert response.status_code == status, response.text
    return response


def put(http: httpx.Client, budget: httpx.Response, part: str, body: dict[str, Any]) -> httpx.Response:
    return http.put(f"{API}/budgets/{budget.json()['id']}/{part}", json=body, headers={"If-Match": budget.headers["etag"]})


def step(http: httpx.Client, budget: httpx.Response, action: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return http.post(f"{API}/budgets/{budget.json()['id']}/{action}", json=body, headers={"If-Match": budget.headers["etag"]})


def test_the_council_sets_a_frame_and_the_board_allocates_within_it(system: Any, kf: httpx.Client) -> None:
    with system.client("namnd.demo") as namnd, system.client("forvaltning.demo") as forvaltning:
        board = home_unit(namnd)
        budget = ok(kf.post(f"{API}/budgets", json={"year": YEAR, "title": f"Mål och budget {YEAR}"}), 201)
        budget = ok(
            put(
                kf,
                budget,
                "lines",
                {"lines": [{"kind": "TAX_REVENUE", "year": y, "amount": "1000000000.00"} for y in (YEAR, YEAR + 1, YEAR + 2)]},
            )
        )
        frames = [
            {"board_org_unit_id": board, "kind": "OPERATING", "year": y, "amount": "1200000000.00"} for y in (YEAR, YEAR + 1, YEAR + 2)
        ]
        budget = ok(put(kf, budget, "frames", {"frames": frames}))

        # Costs above revenues: the balance requirement refuses the proposal until reasons are recorded.
        refused = step(kf, budget, "proposal")
        assert refused.status_code == 409 and "balanskravet" in refused.json()["detail"], refused.text
        budget = ok(put(kf, budget, "frames", {"frames": [f | {"amount": "900000000.00"} for f in frames]}))
        assert namnd.post(f"{API}/budgets/{budget.json()['id']}/proposal", headers={"If-Match": budget.headers["etag"]}).status_code == 403
        budget = ok(step(kf, budget, "proposal"))
        ok(step(kf, budget, "decision", DECISION))

        # The board's administration prepares the structure; the board allocates its frame.
        area = ok(
            forvaltning.post(f"{API}/activity-areas", json={"board_org_unit_id": board, "code": "GRU", "name": "Grundskola"}), 201
        ).json()
        allocation = f"{API}/allocations/{board}/{YEAR}"
        above = namnd.put(
            allocation, json={"lines": [{"activity_area_id": area["id"], "amount": "900000000.01"}]}, headers={"If-None-Match": "*"}
        )
        assert above.status_code == 409 and "frame" in above.json()["detail"], above.text
        within = ok(
            namnd.put(
                allocation, json={"lines": [{"activity_area_id": area["id"], "amount": "850000000.00"}]}, headers={"If-None-Match": "*"}
            )
        )
        assert within.json()["remaining"] == "50000000.00"
        # An administration does not decide the board's allocation.
        assert forvaltning.put(allocation, json={"lines": []}, headers={"If-Match": within.headers["etag"]}).status_code == 403
