"""One follow-up through the gateway with the demo municipality: the council decides the year's
budget and makes the year's cycle; the board sets a goal with an indicator and records its first
tertial's outcome, and makes its forecast; a unit drafts and submits its report; the board assesses
its goal, proposes and decides its own report; the executive board cannot compile while boards have
not decided, records the ones it does not wait for as missing with a reason, and compiles; the
council adopts. Then the goal is amended, the outcome corrected and the forecast changed: the
board's decided report and the adopted report read back byte for byte with their hashes, still
showing what was decided, and the adopted report refers to the board's by its hash."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import httpx

API = "/api/followup/v1"
GOALS = "/api/goals/v1"
BUDGET = "/api/budget/v1"
YEAR = 2035
# The first tertial ends 30 April, the FORECAST follow-up's period end.
FIRST_TERTIAL = f"{YEAR}-T1"
BOARD_DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2035-05-18", "reference": "BUN § 41/2035"}
COUNCIL_DECISION = {"body": "Kommunfullmäktige", "decision_date": "2035-06-15", "reference": "KF § 60/2035"}
BUDGET_DECISION = {"body": "Kommunfullmäktige", "decision_date": "2034-06-16", "reference": "KF § 45/2034"}
GOAL_DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2034-12-10", "reference": "BUN § 88/2034"}
AMENDMENT_DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2035-09-14", "reference": "BUN § 63/2035"}
GOAL_TITLE = "Fler elever läser på egen hand i årskurs 3"
AMENDED_TITLE = "Alla elever läser på egen hand i årskurs 3"
FRAME = Decimal("900000000.00")
OUTCOME, CORRECTED_OUTCOME = Decimal("68.5"), Decimal("71.0")
FORECAST, CHANGED_FORECAST = Decimal("905000000.00"), Decimal("912000000.00")


def home_unit(http: httpx.Client) -> str:
    [assignment] = http.get("/api/me").json()["assignments"]
    return assignment["org_unit_id"]


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def etag_of(http: httpx.Client, path: str) -> str:
    return http.get(path).headers["etag"]


# --- what the board's report is about: its budget, goal, outcome and forecast ---------------------


def council_decides_the_budget(kf: httpx.Client, board: str) -> None:
    """A balanced budget for the year with the board's operating frame: the report's budget."""
    budget = kf.post(f"{BUDGET}/budgets", json={"year": YEAR, "title": f"Mål och budget {YEAR}"})
    assert budget.status_code == 201, budget.text
    path = f"{BUDGET}/budgets/{budget.json()['id']}"
    years = (YEAR, YEAR + 1, YEAR + 2)
    for send, part, body in (
        (kf.put, "lines", {"lines": [{"kind": "TAX_REVENUE", "year": y, "amount": "1000000000.00"} for y in years]}),
        (kf.put, "frames", {"frames": [{"board_org_unit_id": board, "kind": "OPERATING", "year": y, "amount": str(FRAME)} for y in years]}),
        (kf.post, "proposal", None),
        (kf.post, "decision", BUDGET_DECISION),
    ):
        budget = send(f"{path}/{part}", json=body, headers={"If-Match": budget.headers["etag"]})
        assert budget.status_code == 200, budget.text


def board_goal_in_force(kf: httpx.Client, namnd: httpx.Client, board: str) -> tuple[dict[str, Any], str]:
    """The board's decided goal of the year, followed by a tertial indicator with the first
    tertial's outcome; the goal and its indicator use's id."""
    indicator = ok(
        kf.post(
            f"{GOALS}/indicators",
            json={
                "name": "Andel elever i årskurs 3 som läser på egen hand",
                "unit": "%",
                "direction": "HIGHER_IS_BETTER",
                "frequency": "TERTIAL",
            },
        ),
        201,
    )
    goal = ok(
        namnd.post(
            f"{GOALS}/goals",
            json={
                "level": "BOARD",
                "owner_org_unit_id": board,
                "start_year": YEAR,
                "end_year": YEAR,
                "title": GOAL_TITLE,
                "perspective": "OPERATIONS",
            },
        ),
        201,
    )
    use = ok(
        namnd.post(f"{GOALS}/indicator-uses", json={"indicator_id": indicator["id"], "org_unit_id": board, "goal_id": goal["id"]}), 201
    )
    ok(namnd.put(f"{GOALS}/indicator-uses/{use['id']}/outcomes/{FIRST_TERTIAL}", json={"total": str(OUTCOME)}), 201)
    decide_goal(namnd, goal["id"], GOAL_DECISION)
    return goal, use["id"]


def decide_goal(namnd: httpx.Client, goal_id: str, decision: dict[str, str]) -> None:
    path = f"{GOALS}/goals/{goal_id}"
    proposed = namnd.post(f"{path}/proposal", headers={"If-Match": etag_of(namnd, path)})
    assert proposed.status_code == 200, proposed.text
    ok(namnd.post(f"{path}/decision", headers={"If-Match": proposed.headers["etag"]}, json=decision))


def forecast_path(board: str) -> str:
    return f"{BUDGET}/forecasts/{board}/{YEAR}/FORECAST"


# --- the amendments after the adoption ------------------------------------------------------------


def amend_goal(namnd: httpx.Client, goal: dict[str, Any], title: str) -> None:
    """An amendment (ändringsbeslut): a new revision of the goal, decided by the board."""
    revision = ok(namnd.post(f"{GOALS}/goals/{goal['id']}/revisions"), 201)
    path = f"{GOALS}/goals/{revision['id']}"
    ok(namnd.patch(path, json={"title": title}, headers={"If-Match": etag_of(namnd, path)}))
    decide_goal(namnd, revision["id"], AMENDMENT_DECISION)


def correct_outcome(namnd: httpx.Client, use_id: str, total: Decimal) -> None:
    path = f"{GOALS}/indicator-uses/{use_id}/outcomes/{FIRST_TERTIAL}"
    ok(namnd.put(path, json={"total": str(total)}, headers={"If-Match": etag_of(namnd, path)}))


def change_forecast(namnd: httpx.Client, board: str, amount: Decimal) -> None:
    path = forecast_path(board)
    ok(namnd.put(path, json={"amount": str(amount)}, headers={"If-Match": etag_of(namnd, path)}))


# --- the reports ----------------------------------------------------------------------------------


def drafted(http: httpx.Client, occasion: dict[str, Any], org_unit_id: str, level: str) -> tuple[str, str]:
    """A report of the org unit with every heading its level requires written; its path and ETag."""
    report = ok(http.post(f"{API}/reports", json={"occasion_id": occasion["id"], "org_unit_id": org_unit_id}), 201)
    path = f"{API}/reports/{report['id']}"
    tag = http.get(path).headers["etag"]
    for heading in occasion["headings"]:
        if heading["required"] and level in heading["levels"]:
            written = http.put(
                f"{path}/sections/{heading['key']}", json={"text": f"{heading['title_sv']}: enligt plan."}, headers={"If-Match": tag}
            )
            assert written.status_code == 200, written.text
            tag = written.headers["etag"]
    return path, tag


def refreshed(http: httpx.Client, path: str) -> str:
    """The report takes what the goals and budget services show now; its new ETag."""
    response = http.post(f"{path}/refresh")
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def assessed(http: httpx.Client, path: str, tag: str, goal_id: str) -> str:
    """The goal assessed on the scale's best level, with the analysis behind it; the new ETag."""
    best = next(level for level in ok(http.get(f"{API}/assessment-scale"))["levels"] if level["assessed"])
    body = {"level_code": best["code"], "analysis": "Läsförmågan ökar efter lässatsningen i årskurs 1–3."}
    response = http.put(f"{path}/assessments/{goal_id}", json=body, headers={"If-Match": tag})
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def step(http: httpx.Client, path: str, tag: str, transition: str, **body: Any) -> httpx.Response:
    return http.post(f"{path}/transitions", json={"transition": transition, **body}, headers={"If-Match": tag})


def read_document(http: httpx.Client, path: str, document_hash: str) -> httpx.Response:
    """The frozen document, checked against its hash and the hash the report was decided with."""
    document = http.get(f"{path}/document")
    assert document.status_code == 200, document.text
    assert hashlib.sha256(document.content).hexdigest() == document.headers["x-document-hash"] == document_hash
    return document


def shown_goal(document: dict[str, Any], goal_id: str) -> dict[str, Any]:
    [shown] = [g for g in document["goals"] if g["goal"]["goal_id"] == goal_id]
    return shown


def shown_outcome(goal: dict[str, Any]) -> dict[str, Any]:
    [indicator] = goal["goal"]["indicators"]
    outcome: dict[str, Any] = indicator["outcome"]
    return outcome


def board_row(document: dict[str, Any], board: str) -> dict[str, Any]:
    [row] = [b for b in document["live"]["municipality"]["economy"]["boards"] if b["board_org_unit_id"] == board]
    return row


def test_a_forecast_goes_from_unit_to_council_and_the_adopted_report_stays_as_adopted(system: Any, kf: httpx.Client) -> None:
    with system.client("namnd.demo") as namnd, system.client("enhet.demo") as enhet, system.client("revisor.demo") as revisor:
        board = home_unit(namnd)
        council_decides_the_budget(kf, board)
        goal, use_id = board_goal_in_force(kf, namnd, board)
        ok(namnd.put(forecast_path(board), json={"amount": str(FORECAST), "comment": "Fler elever i grundsärskolan."}), 201)

        ok(kf.post(f"{API}/cycles/{YEAR}"), 201)
        [occasion] = [o for o in ok(kf.get(f"{API}/occasions", params={"year": YEAR})) if o["kind"] == "FORECAST"]

        unit_path, unit_tag = drafted(enhet, occasion, home_unit(enhet), "UNIT")
        assert ok(step(enhet, unit_path, unit_tag, "SUBMIT"))["status"] == "SUBMITTED"

        # The board's report takes its goal in force; unassessed, the goal holds the report back.
        board_path, _ = drafted(namnd, occasion, board, "BOARD")
        board_tag = refreshed(namnd, board_path)
        unassessed = step(namnd, board_path, board_tag, "PROPOSE")
        assert unassessed.status_code == 409 and "goals in force without an assessment" in unassessed.json()["detail"], unassessed.text
        board_tag = assessed(namnd, board_path, board_tag, goal["lineage_id"])
        proposed = step(namnd, board_path, board_tag, "PROPOSE")
        assert proposed.status_code == 200, proposed.text
        decided = ok(step(namnd, board_path, proposed.headers["etag"], "DECIDE", decision=BOARD_DECISION))
        assert decided["status"] == "DECIDED" and decided["document_hash"]

        # The decided document shows the goal, its first tertial's outcome and the forecast against the budget.
        board_document = read_document(revisor, board_path, decided["document_hash"])
        decided_goal = shown_goal(board_document.json(), goal["lineage_id"])
        assert decided_goal["goal"]["title"] == GOAL_TITLE and decided_goal["assessment"]["analysis"]
        outcome = shown_outcome(decided_goal)
        assert outcome["period"] == FIRST_TERTIAL and Decimal(outcome["total"]) == OUTCOME
        economy = board_document.json()["live"]["economy"]
        assert Decimal(economy["budget"]) == FRAME and Decimal(economy["forecast"]) == FORECAST
        assert Decimal(economy["forecast_deviation"]) == FRAME - FORECAST

        council_path, council_tag = drafted(kf, occasion, home_unit(kf), "MUNICIPAL")
        refused = step(kf, council_path, council_tag, "PROPOSE")
        assert refused.status_code == 409 and "record each one it does not wait for as missing" in refused.json()["detail"]
        compilation = ok(kf.get(f"{API}/occasions/{occasion['id']}/compilation"))
        for entry in compilation["entries"]:
            if entry["state"] != "DECIDED":
                ok(
                    kf.post(
                        f"{council_path}/missing",
                        json={"org_unit_id": entry["org_unit_id"], "reason": "Nämnden beslutar sin prognos först i juni."},
                    ),
                    201,
                )
        proposed = step(kf, council_path, council_tag, "PROPOSE")
        adopted = ok(step(kf, council_path, proposed.headers["etag"], "DECIDE", decision=COUNCIL_DECISION))
        assert adopted["status"] == "DECIDED"

        document = read_document(revisor, council_path, adopted["document_hash"])
        entries = {e["org_unit_id"]: e for e in document.json()["compilation"]["entries"]}
        assert entries[board]["document_hash"] == decided["document_hash"]
        assert Decimal(board_row(document.json(), board)["forecast"]) == FORECAST

        overview = ok(revisor.get(f"{API}/occasions/{occasion['id']}/overview"))
        assert overview["municipal_report_status"] == "DECIDED" and overview["totals"]["decided"] >= 1

        # After the adoption the goal is amended, the outcome corrected and the forecast changed ...
        amend_goal(namnd, goal, AMENDED_TITLE)
        correct_outcome(namnd, use_id, CORRECTED_OUTCOME)
        change_forecast(namnd, board, CHANGED_FORECAST)
        thread = ok(namnd.get(f"{GOALS}/thread", params={"year": YEAR, "org_unit_id": board, "through_month": 4}))
        [now] = [g for g in thread["unlinked"]["board"] if g["lineage_id"] == goal["lineage_id"]]
        assert now["title"] == AMENDED_TITLE and Decimal(now["indicators"][0]["latest"]["total"]) == CORRECTED_OUTCOME
        assert Decimal(ok(namnd.get(forecast_path(board)))["amount"]) == CHANGED_FORECAST

        # ... and both decided reports read back as they were decided, byte for byte, with the old values.
        board_again = read_document(revisor, board_path, decided["document_hash"])
        assert board_again.content == board_document.content
        as_decided = shown_goal(board_again.json(), goal["lineage_id"])
        assert as_decided["goal"]["title"] == GOAL_TITLE and Decimal(shown_outcome(as_decided)["total"]) == OUTCOME
        assert Decimal(board_again.json()["live"]["economy"]["forecast"]) == FORECAST
        adopted_again = read_document(revisor, council_path, adopted["document_hash"])
        assert adopted_again.content == document.content
        assert Decimal(board_row(adopted_again.json(), board)["forecast"]) == FORECAST
