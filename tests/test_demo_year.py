"""The demo year `make run` seeds, on a system of its own: the thread runs from the council's goals
through every board's to a unit's, with targets and outcomes; the council's budget is decided with
frames from an allocation-model run; every board's control plan is decided with results; the
year's forecast and interim follow-ups are decided by the boards and adopted by the council, the
adopted document reading back as frozen; the annual one is in progress. Seeding again changes
nothing: no service's audit trail has a new event. The demo carries the codes and names the Stratsys
files of the municipality use, so those files' rows land on its key figures as they are."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tools.demo_content import BOARDS, MUNICIPAL_GOALS, UNIT_GOAL
from tools.demo_year import Seeded, mint_token, month_end, seed

GOALS = "/api/goals/v1"
BUDGET = "/api/budget/v1"
IC = "/api/internal-control/v1"
FOLLOWUP = "/api/followup/v1"
# Each API's audit trail, read by the user who may: the directory's by its admin, the services' by the auditors.
AUDITED = (("admin.demo", "/api/directory/v1"), *(("revisor.demo", api) for api in (GOALS, BUDGET, IC, FOLLOWUP)))
TODAY = dt.date.today()
YEAR = TODAY.year
DIRECTORY = "/api/directory/v1"
# The municipality's Stratsys files (the layout-1 and layout-2 examples): each key figure's code, its
# name as a manual file names it, whether it is split by gender, its Kolada id, and the board
# (org-unit code) that follows it; then the file's rows, with the date's tertial.
STRATSYS_KPIS = (
    ("KPI-ELEV-BEH", "Behöriga till yrkesprogram (%)", True, "N15428", "BUN"),
    ("KPI-HT-NOJD", "Nöjdhet hemtjänst (%)", True, "U21468", "SN"),
    ("KPI-SJUKFRANV", "Sjukfrånvaro (%)", True, None, "KS"),
)
STRATSYS_ROWS = (  # unit, kpi, period, {column: value}
    ("BUN", "KPI-ELEV-BEH", "2027-T1", {"UTFALL": "84.2", "UTFALL_K": "86.9", "UTFALL_M": "81.7", "MALVARDE": "88"}),
    ("SN", "KPI-HT-NOJD", "2027-T2", {"UTFALL": "91.5", "MALVARDE": "90"}),
    ("KS", "KPI-SJUKFRANV", "2027-T3", {"UTFALL": "6.1", "UTFALL_K": "7.0", "UTFALL_M": "4.3"}),
)
CHAIRS = {b.short: b.chair for b in BOARDS}


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def seeded(own_system: Any) -> Seeded:
    own_system.stack.seed_calendar()  # as the run command does before the apps start
    return seed(own_system.gateway_url)


@pytest.fixture
def revisor(own_system: Any) -> Iterator[httpx.Client]:
    with own_system.client("revisor.demo") as http:
        yield http


def units(own_system: Any) -> dict[str, str]:
    with own_system.client("admin.demo") as admin:
        return {u["short_name"]: u["id"] for u in ok(admin.get("/api/directory/v1/org-units", params={"limit": 200}))["items"]}


def test_the_thread_runs_from_the_councils_goals_to_a_units_with_outcomes(seeded: Seeded, revisor: httpx.Client) -> None:
    assert not seeded.already
    thread = ok(revisor.get(f"{GOALS}/thread", params={"year": YEAR}))
    assert thread["vision"] is not None and thread["mandate_period"]["start_year"] <= YEAR <= thread["mandate_period"]["end_year"]
    municipal = {g["title"]: g for g in thread["goals"]}
    assert set(municipal) == {g.title for g in MUNICIPAL_GOALS}
    for goal in municipal.values():  # followed by a key figure with last year's outcome and this year's target
        [indicator] = goal["indicators"]
        assert indicator["latest"] is not None and indicator["target"] is not None, goal
    board_goals = {b["title"]: b for g in municipal.values() for b in g["contributing_goals"]}
    assert set(board_goals) == {g.title for b in BOARDS for g in b.goals}
    first_tertial_passed = month_end(YEAR, 4) < TODAY
    for goal in board_goals.values():
        [indicator] = goal["indicators"]
        assert indicator["target"] is not None
        assert (indicator["latest"] is not None) == first_tertial_passed, goal
    gender_split = [i for g in board_goals.values() for i in g["indicators"] if i["latest"] and i["latest"].get("women") is not None]
    assert gender_split or not first_tertial_passed
    [unit_goal] = [u for b in board_goals.values() for u in b["contributing_goals"]]
    assert unit_goal["title"] == UNIT_GOAL.title
    assert any(b["activities"] for b in board_goals.values())


def test_the_budget_is_decided_with_frames_from_a_model_run(seeded: Seeded, own_system: Any, revisor: httpx.Client) -> None:
    [budget] = ok(revisor.get(f"{BUDGET}/budgets", params={"year": YEAR}))["items"]
    assert budget["status"] == "DECIDED"
    frames = ok(revisor.get(f"{BUDGET}/budgets/{budget['id']}/frames", params={"year": YEAR, "limit": 200}))["items"]
    operating = {f["board_org_unit_id"]: f for f in frames if f["kind"] == "OPERATING"}
    ids = units(own_system)
    assert set(operating) == {ids[b.short] for b in BOARDS}
    runs = {f["model_run_id"] for f in operating.values()}
    assert len(runs) == 1 and None not in runs
    run = ok(revisor.get(f"{BUDGET}/model-runs/{runs.pop()}"))
    assert {b["board_org_unit_id"]: b["proposal_amount"] for b in run["boards"]} == {k: f["amount"] for k, f in operating.items()}


def test_every_board_has_a_decided_control_plan_with_results(seeded: Seeded, own_system: Any, revisor: httpx.Client) -> None:
    plans = ok(revisor.get(f"{IC}/control-plans", params={"year": YEAR}))["items"]
    ids = units(own_system)
    assert {p["board_org_unit_id"] for p in plans if p["status"] == "DECIDED"} == {ids[b.short] for b in BOARDS}
    evaluation = ok(revisor.get(f"{IC}/evaluations/{YEAR}"))
    rows = [r for r in evaluation["boards"] if r["board_org_unit_id"] in {ids[b.short] for b in BOARDS}]
    assert len(rows) == len(BOARDS)
    if month_end(YEAR, 4) < TODAY:
        assert all(r["activities_with_result"] == r["activities"] > 0 for r in rows), rows


def test_the_forecast_and_interim_are_adopted_and_the_annual_is_in_progress(seeded: Seeded, own_system: Any, revisor: httpx.Client) -> None:
    ids = units(own_system)
    occasions = {o["kind"]: o for o in ok(revisor.get(f"{FOLLOWUP}/occasions", params={"year": YEAR}))}
    for kind in ("FORECAST", "INTERIM"):
        boards = ok(revisor.get(f"{FOLLOWUP}/reports", params={"occasion_id": occasions[kind]["id"], "level": "BOARD", "limit": 200}))
        assert {r["org_unit_id"] for r in boards["items"] if r["status"] == "DECIDED"} == {ids[b.short] for b in BOARDS}
        [adopted] = ok(revisor.get(f"{FOLLOWUP}/reports", params={"occasion_id": occasions[kind]["id"], "level": "MUNICIPAL"}))["items"]
        assert adopted["status"] == "DECIDED"
        document = revisor.get(f"{FOLLOWUP}/reports/{adopted['id']}/document")
        assert document.status_code == 200, document.text
        assert hashlib.sha256(document.content).hexdigest() == document.headers["x-document-hash"] == adopted["document_hash"]
        assert {g["goal"]["title"] for g in document.json()["goals"]} == {g.title for g in MUNICIPAL_GOALS}
    annual = ok(revisor.get(f"{FOLLOWUP}/reports", params={"occasion_id": occasions["ANNUAL"]["id"], "limit": 200}))["items"]
    assert annual and {r["status"] for r in annual} == {"DRAFT"}
    [dialogue] = ok(revisor.get(f"{FOLLOWUP}/dialogues", params={"year": YEAR, "kind": "FOLLOWUP"}))["items"]
    assert dialogue["status"] == "HELD" and dialogue["occasion_id"] == occasions["INTERIM"]["id"]


def newest_audit_events(own_system: Any) -> dict[str, str | None]:
    """Each audit trail's newest event (newest first): a write of any kind would add one."""
    newest: dict[str, str | None] = {}
    for subject, api in AUDITED:
        with own_system.client(subject) as http:
            items = ok(http.get(f"{api}/audit-events", params={"limit": 1}))["items"]
        newest[api] = items[0]["id"] if items else None
    return newest


def test_seeding_again_changes_nothing(seeded: Seeded, own_system: Any) -> None:
    before = newest_audit_events(own_system)
    again = seed(own_system.gateway_url)
    assert again.already and again.counts == {}
    assert newest_audit_events(own_system) == before


def found(http: httpx.Client, path: str, code: str, **params: Any) -> list[dict[str, Any]]:
    return list(ok(http.get(path, params={"external_code": f"stratsys:{code}", "limit": 100, **params}))["items"])


def test_the_demo_carries_the_stratsys_files_codes_and_names(seeded: Seeded, own_system: Any, revisor: httpx.Client) -> None:
    with own_system.client("admin.demo") as admin:
        for short in ("KF", "KS", "BUN", "BUF", "SN"):
            [unit] = found(admin, f"{DIRECTORY}/org-units", short)
            assert unit["short_name"] == short
    ids = units(own_system)
    for code, name, gender_split, kolada, board in STRATSYS_KPIS:
        [indicator] = found(revisor, f"{GOALS}/indicators", code)
        assert (indicator["name"], indicator["frequency"], indicator["gender_split"]) == (name, "TERTIAL", gender_split)
        assert indicator["kolada_kpi_id"] == kolada
        # The board follows it: the one use a row naming the board and the key figure lands on.
        params = {"indicator_id": indicator["id"], "org_unit_id": ids[board], "limit": 100}
        assert len(ok(revisor.get(f"{GOALS}/indicator-uses", params=params))["items"]) == 1, code
    # The goal chain KF-M1 → BUN-M1, and the activity BUN-A1 serving it.
    [municipal] = found(revisor, f"{GOALS}/goals", "KF-M1", year=YEAR)
    [board_goal] = found(revisor, f"{GOALS}/goals", "BUN-M1", year=YEAR)
    assert (municipal["level"], board_goal["level"], board_goal["owner_org_unit_id"]) == ("MUNICIPAL", "BOARD", ids["BUN"])
    assert board_goal["contributes_to"] == [municipal["lineage_id"]]
    [activity] = found(revisor, f"{GOALS}/activities", "BUN-A1", year=YEAR)
    assert activity["owner_org_unit_id"] == ids["BUN"]


def test_the_stratsys_files_rows_of_the_next_year_can_be_recorded_on_the_demo(seeded: Seeded, own_system: Any) -> None:
    """Last: it writes. The rows' periods are 2027's; the uses take any year's outcomes and targets."""
    ids = units(own_system)
    columns = {"UTFALL": "total", "UTFALL_K": "women", "UTFALL_M": "men"}
    for board, code, period, values in STRATSYS_ROWS:
        token = mint_token(own_system.gateway_url, CHAIRS[board])
        with own_system.client(headers={"Authorization": f"Bearer {token}"}) as chair:
            [indicator] = found(chair, f"{GOALS}/indicators", code)
            params = {"indicator_id": indicator["id"], "org_unit_id": ids[board]}
            [use] = ok(chair.get(f"{GOALS}/indicator-uses", params=params))["items"]
            outcome = {columns[c]: v for c, v in values.items() if c in columns}
            written = chair.put(f"{GOALS}/indicator-uses/{use['id']}/outcomes/{period}", json=outcome)
            assert written.status_code == 201, written.text
            assert {k: Decimal(written.json()[k]) for k in outcome} == {k: Decimal(v) for k, v in outcome.items()}
            if "MALVARDE" in values:
                target = chair.put(f"{GOALS}/indicator-uses/{use['id']}/targets/{period[:4]}", json={"total": values["MALVARDE"]})
                assert target.status_code == 201, target.text
