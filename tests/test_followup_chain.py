"""One follow-up through the gateway with the demo municipality: the council makes the year's
cycle; a unit drafts and submits its report; the board proposes and decides its own; the executive
board cannot compile while boards have not decided, records the ones it does not wait for as
missing with a reason, and compiles; the council adopts. The adopted report reads back byte for
byte with its hash, and refers to the board's decided report by its hash."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

API = "/api/followup/v1"
YEAR = 2035
BOARD_DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2035-05-18", "reference": "BUN § 41/2035"}
COUNCIL_DECISION = {"body": "Kommunfullmäktige", "decision_date": "2035-06-15", "reference": "KF § 60/2035"}


def home_unit(http: httpx.Client) -> str:
    [assignment] = http.get("/api/me").json()["assignments"]
    return assignment["org_unit_id"]


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


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


def step(http: httpx.Client, path: str, tag: str, transition: str, **body: Any) -> httpx.Response:
    return http.post(f"{path}/transitions", json={"transition": transition, **body}, headers={"If-Match": tag})


def test_a_forecast_goes_from_unit_to_council_and_the_adopted_report_stays_as_adopted(system: Any, kf: httpx.Client) -> None:
    with system.client("namnd.demo") as namnd, system.client("enhet.demo") as enhet, system.client("revisor.demo") as revisor:
        ok(kf.post(f"{API}/cycles/{YEAR}"), 201)
        [occasion] = [o for o in ok(kf.get(f"{API}/occasions", params={"year": YEAR})) if o["kind"] == "FORECAST"]

        unit_path, unit_tag = drafted(enhet, occasion, home_unit(enhet), "UNIT")
        assert ok(step(enhet, unit_path, unit_tag, "SUBMIT"))["status"] == "SUBMITTED"

        board_path, board_tag = drafted(namnd, occasion, home_unit(namnd), "BOARD")
        proposed = step(namnd, board_path, board_tag, "PROPOSE")
        decided = ok(step(namnd, board_path, proposed.headers["etag"], "DECIDE", decision=BOARD_DECISION))
        assert decided["status"] == "DECIDED" and decided["document_hash"]

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

        document = revisor.get(f"{council_path}/document")
        assert document.status_code == 200, document.text
        assert hashlib.sha256(document.content).hexdigest() == document.headers["x-document-hash"] == adopted["document_hash"]
        entries = {e["org_unit_id"]: e for e in document.json()["compilation"]["entries"]}
        assert entries[home_unit(namnd)]["document_hash"] == decided["document_hash"]

        overview = ok(revisor.get(f"{API}/occasions/{occasion['id']}/overview"))
        assert overview["municipal_report_status"] == "DECIDED" and overview["totals"]["decided"] >= 1
        # Read again later, the adopted report is the same bytes.
        assert revisor.get(f"{council_path}/document").content == document.content
