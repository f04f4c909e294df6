"""What a report shows from the other services, gathered from the real goals, budget and
internal-control apps served over HTTP: a board's goals in force with their indicators' outcomes
up to the period end, its economy against budget and forecast, its council assignments, internal
control and quality factors; a unit's and an administration's own goals and booked actuals; the
municipal goals and the municipality's economy. A callee that is down refuses the whole gathering,
naming it; the reading takes the same few calls however many goals a board has."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from followup_service.clients import Callees, base
from followup_service.levels import ReportLevel
from followup_service.reports.gather import Subject, gather, mark_reallocations_reported
from internal_control_service.plans.models import ControlPlan
from services.budget.tests.support.allocations import add_budget
from services.followup.tests.support.callees import (
    Callee,
    callees_of,
    decided_goal,
    forecast,
    indicator,
    mandate_period,
    outcome,
    target,
)
from services.internal_control.tests.support.rows import activity, add, plan
from styrkedjan_common.clients import CalleeUnavailable
from styrkedjan_common.identity import Role
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import org_unit

pytest_plugins = ("services.followup.tests.support.callees",)

YEAR = 2027
COUNCIL = org_unit(OrgUnitType.COUNCIL, "Kommunfullmäktige (insamling)")
BOARD = org_unit(OrgUnitType.BOARD, "Vård- och omsorgsnämnden (insamling)", parent=COUNCIL)
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION, "Vård- och omsorgsförvaltningen (insamling)", parent=BOARD)
UNIT = org_unit(OrgUnitType.UNIT, "Hemtjänst norr (insamling)", parent=ADMINISTRATION)
BUSY_BOARD = org_unit(OrgUnitType.BOARD, "Tekniska nämnden (insamling)", parent=COUNCIL)
INTERIM_END, ANNUAL_END = dt.date(YEAR, 8, 31), dt.date(YEAR, 12, 31)
REALLOCATED = {"body": "Vård- och omsorgsnämnden", "decision_date": "2027-03-20", "reference": "VON § 12/2027"}


def subject(org_unit_id: str, level: ReportLevel, occasion: FollowupOccasion = FollowupOccasion.INTERIM, **changes: Any) -> Subject:
    period_end = {FollowupOccasion.FORECAST: dt.date(YEAR, 4, 30), FollowupOccasion.INTERIM: INTERIM_END}.get(occasion, ANNUAL_END)
    fields: dict[str, Any] = {
        "org_unit_id": uuid.UUID(org_unit_id),
        "level": level,
        "year": YEAR,
        "occasion": occasion,
        "period_end": period_end,
        "previous_period_end": None,
        "board_org_unit_id": uuid.UUID(BOARD) if level != ReportLevel.MUNICIPAL else None,
    }
    return Subject(**(fields | changes))


@pytest.fixture(scope="module")
async def town(goals: Callee, budget: Callee, internal_control: Callee) -> dict[str, Any]:
    """The municipality's goals, the board's budget and internal control, as the other services hold them."""
    period = await mandate_period(goals, YEAR)
    safe = await indicator(goals, "Andel brukare som känner sig trygga (insamling)", gender_split=True)
    waiting = await indicator(goals, "Väntetid till särskilt boende (insamling)", unit="dagar")
    municipal = await decided_goal(
        goals, level="MUNICIPAL", owner=COUNCIL, title="En trygg kommun att åldras i", year=YEAR, indicator_id=waiting["id"],
        mandate_period_id=period["id"],
    )  # fmt: skip
    board_goal = await decided_goal(
        goals, level="BOARD", owner=BOARD, title="Fler äldre känner sig trygga", year=YEAR, indicator_id=safe["id"],
        contributes_to=[municipal["goal"]["id"]],
    )  # fmt: skip
    unit_goal = await decided_goal(
        goals, level="UNIT", owner=UNIT, title="Kontinuitet i hemtjänsten", year=YEAR, indicator_id=waiting["id"],
        contributes_to=[board_goal["goal"]["id"]],
    )  # fmt: skip
    use = board_goal["use"]["id"]
    await target(goals, use, YEAR, "80")
    await outcome(goals, use, "2027-T1", "70", "72", "68")
    await outcome(goals, use, "2027-T2", "75", "77", "73")
    await outcome(goals, use, "2027-T3", "90", "91", "89")  # after the interim period end

    assignment = await goals.send(
        "POST", "/assignments", Role.FULLMAKTIGE,
        {"board_org_unit_id": BOARD, "year": YEAR, "title": "Utred nattpatrullen", "text": "Nämnden får i uppdrag att utreda."},
    )  # fmt: skip
    unreported = await goals.send(
        "POST", "/assignments", Role.FULLMAKTIGE,
        {"board_org_unit_id": BOARD, "year": YEAR, "title": "Inför digital tillsyn", "text": "Nämnden får i uppdrag att införa."},
    )  # fmt: skip
    await goals.send(
        "POST", f"/assignments/{assignment['id']}/reports", Role.NAMND, {"occasion": "INTERIM", "status": "ONGOING", "text": "Pågår"}
    )
    factor = await goals.send("POST", "/quality-factors", Role.FORVALTNING, {"org_unit_id": ADMINISTRATION, "name": "Trygg och säker vård"})
    key_figure = await goals.send(
        "POST",
        "/indicator-uses",
        Role.FORVALTNING,
        {"indicator_id": safe["id"], "org_unit_id": ADMINISTRATION, "quality_factor_id": factor["id"]},
    )
    await outcome(goals, key_figure["id"], "2027-T2", "81")

    await add_budget(budget.app, {(BOARD, "OPERATING"): "1000000.00", (BOARD, "INVESTMENT"): "500000.00"}, year=YEAR)
    elderly = await budget.send(
        "POST", "/activity-areas", Role.FULLMAKTIGE, {"board_org_unit_id": BOARD, "code": "G410", "name": "Äldreomsorg"}
    )
    home = await budget.send("POST", "/activity-areas", Role.FULLMAKTIGE, {"board_org_unit_id": BOARD, "code": "G420", "name": "Hemtjänst"})
    await budget.send(
        "POST", "/cost-centers", Role.FULLMAKTIGE,
        {"code": "G41010", "name": "Förvaltningens stab", "activity_area_id": elderly["id"], "org_unit_id": ADMINISTRATION},
    )  # fmt: skip
    lines = [{"activity_area_id": elderly["id"], "amount": "600000.00"}, {"activity_area_id": home["id"], "amount": "400000.00"}]
    await budget.send("PUT", f"/allocations/{BOARD}/{YEAR}", Role.NAMND, {"lines": lines}, headers={"If-None-Match": "*"})
    await budget.send(
        "POST", "/actuals", Role.FORVALTNING,
        [
            {"year": YEAR, "month": 3, "cost_center_code": "G41010", "account": "4010", "amount": "300000.00"},
            {"year": YEAR, "month": 10, "cost_center_code": "G41010", "account": "4010", "amount": "99.00"},
        ],
    )  # fmt: skip
    await forecast(budget, BOARD, YEAR, "FORECAST", "990000.00", "Enligt budget")
    await forecast(budget, BOARD, YEAR, "INTERIM", "1040000.00", "Fler placeringar än planerat")
    moved = {"board_org_unit_id": BOARD, "year": YEAR, "from_activity_area_id": elderly["id"], "to_activity_area_id": home["id"]}
    reallocation = await budget.send("POST", "/reallocations", Role.NAMND, moved | {"amount": "50000.00", "decision": REALLOCATED})
    later = REALLOCATED | {"decision_date": "2027-09-15", "reference": "VON § 70/2027"}
    after_period = await budget.send("POST", "/reallocations", Role.NAMND, moved | {"amount": "1000.00", "decision": later})
    project = await budget.send("POST", "/investment-projects", Role.NAMND, {"board_org_unit_id": BOARD, "name": "Nytt äldreboende"})
    await budget.send(
        "PUT", f"/investment-projects/{project['id']}/amounts", Role.NAMND, [{"year": YEAR, "amount": "600000.00"}], if_match="*"
    )

    control_plan: ControlPlan = plan(BOARD, YEAR)
    control = activity(control_plan)
    await add(internal_control.app, control_plan, control)
    results = f"/control-activities/{control.id}/results"
    checked = {"occasion": "2027-T1", "outcome": "NO_REMARK", "evidence": "20 fakturor granskade.", "checked_on": "2027-04-28"}
    await internal_control.send("POST", results, Role.NAMND, checked)
    deviating = checked | {
        "occasion": "2027-T2",
        "outcome": "DEVIATION",
        "checked_on": "2027-08-20",
        "deviation_description": "Två fakturor utan attest.",
    }
    found = await internal_control.send("POST", results, Role.NAMND, deviating)
    action = {"description": "Påminn attestanterna.", "owner": "Ekonomichef", "due_date": "2027-10-31"}
    await internal_control.send("POST", f"/deviations/{found['deviation_id']}/actions", Role.NAMND, action)
    await internal_control.send("POST", results, Role.NAMND, checked | {"occasion": "2027-T3", "checked_on": "2027-10-01"})
    ic_report = await internal_control.send("POST", "/followup-reports", Role.NAMND, {"board_org_unit_id": BOARD, "year": YEAR})
    return {
        "municipal": municipal["goal"],
        "board_goal": board_goal["goal"],
        "unit_goal": unit_goal["goal"],
        "use": use,
        "assignment": assignment,
        "unreported": unreported,
        "factor": factor,
        "key_figure": key_figure,
        "reallocation": reallocation,
        "after_period": after_period,
        "project": project,
        "plan": control_plan,
        "deviation_id": found["deviation_id"],
        "ic_report": ic_report,
    }


@pytest.fixture
async def callees(goals: Callee, budget: Callee, internal_control: Callee) -> Any:
    built = callees_of(goals, budget, internal_control)
    yield built
    await built.close()


async def test_a_board_report_shows_its_goals_with_outcomes_known_at_the_period_end(app, town, callees):
    gathered = await gather(callees, app.state.org_units, subject(BOARD, ReportLevel.BOARD))
    [goal] = gathered["goals"]
    assert goal == {
        "goal_id": town["board_goal"]["lineage_id"],
        "revision_id": town["board_goal"]["id"],
        "level": "BOARD",
        "title": "Fler äldre känner sig trygga",
        "perspective": "OPERATIONS",
        "owner_org_unit_id": BOARD,
        "closed": False,
        "indicators": [
            {
                "use_id": town["use"],
                "indicator_id": goal["indicators"][0]["indicator_id"],
                "name": "Andel brukare som känner sig trygga (insamling)",
                "unit": "%",
                "gender_split": True,
                "target": "80",
                # T3 (December) is after the interim period end: the latest known then is T2.
                "outcome": {"period": "2027-T2", "total": "75", "women": "77", "men": "73"},
                "status": "NEARLY_MET",
                "trend": "IMPROVING",
            }
        ],
        "contributing_goal_ids": [town["unit_goal"]["lineage_id"]],
        "activities": [],
    }
    annual = await gather(callees, app.state.org_units, subject(BOARD, ReportLevel.BOARD, FollowupOccasion.ANNUAL))
    assert annual["goals"][0]["indicators"][0]["outcome"]["period"] == "2027-T3"


async def test_a_board_report_shows_its_economy_against_budget_and_the_occasions_forecast(app, town, callees):
    economy = (await gather(callees, app.state.org_units, subject(BOARD, ReportLevel.BOARD)))["economy"]
    assert {key: economy[key] for key in ("budget", "actuals", "forecast", "forecast_deviation", "forecast_comment", "through_month")} == {
        "budget": "1000000.00",
        "actuals": "300000.00",  # October's booking is after the period end
        "forecast": "1040000.00",  # the interim forecast, not the earlier one
        "forecast_deviation": "-40000.00",  # budget − forecast: a deficit
        "forecast_comment": "Fler placeringar än planerat",
        "through_month": 8,
    }
    assert economy["investments"] == [
        {"id": town["project"]["id"], "name": "Nytt äldreboende", "status": "PLANNED", "amount": "600000.00", "total": "600000.00"}
    ]
    assert (economy["investment_total"], economy["investment_frame"], economy["investment_exceeds_frame"]) == (
        "600000.00",
        "500000.00",
        True,
    )
    # Decided by the period end and not yet reported; the one decided in September waits for the next follow-up.
    assert [r["id"] for r in economy["reallocations"]] == [town["reallocation"]["id"]]
    assert economy["reallocations"][0]["amount"] == "50000.00"


async def test_a_board_report_shows_its_assignments_internal_control_and_quality_factors(app, town, callees):
    gathered = await gather(callees, app.state.org_units, subject(BOARD, ReportLevel.BOARD))
    assignments = {a["id"]: a for a in gathered["assignments"]}
    assert assignments[town["assignment"]["id"]]["report"]["text"] == "Pågår"
    assert assignments[town["unreported"]["id"]]["report"] is None
    assert assignments[town["unreported"]["id"]]["status"] == "NOT_STARTED"

    control = gathered["internal_control"]
    assert (control["plan"]["id"], control["plan"]["status"]) == (str(town["plan"].id), "DECIDED")
    assert [r["checked_on"] for r in control["results"]] == ["2027-04-28", "2027-08-20"]  # October's check is after the period end
    assert [d["id"] for d in control["deviations"]] == [town["deviation_id"]]
    assert [(a["deviation_id"], a["status"]) for a in control["actions"]] == [(town["deviation_id"], "OPEN")]
    assert (control["followup_report"]["id"], control["followup_report"]["status"]) == (town["ic_report"]["id"], "DRAFT")

    [factor] = gathered["quality_factors"]
    assert (factor["id"], factor["title"]) == (town["factor"]["id"], "Trygg och säker vård")
    [figure] = factor["key_figures"]
    assert (figure["use_id"], figure["latest"]["total"]) == (town["key_figure"]["id"], "81")
    assert gathered["core_mission"] is None and gathered["municipality"] is None


async def test_a_unit_and_an_administration_show_their_own_goals_and_booked_actuals(app, town, callees):
    unit = await gather(callees, app.state.org_units, subject(UNIT, ReportLevel.UNIT))
    assert [g["goal_id"] for g in unit["goals"]] == [town["unit_goal"]["lineage_id"]]
    assert (unit["economy"]["actuals"], unit["economy"]["budget"]) == (None, None)  # nothing booked on the unit's own cost centres
    assert unit["economy"]["note"]
    administration = await gather(callees, app.state.org_units, subject(ADMINISTRATION, ReportLevel.ADMINISTRATION))
    assert administration["goals"] == []
    assert administration["economy"]["actuals"] == "300000.00"
    assert [f["id"] for f in administration["quality_factors"]] == [town["factor"]["id"]]
    assert (administration["assignments"], administration["internal_control"]) == ([], None)


async def test_the_municipal_report_shows_the_municipal_goals_and_the_municipalitys_economy(app, town, callees):
    gathered = await gather(callees, app.state.org_units, subject(COUNCIL, ReportLevel.MUNICIPAL, FollowupOccasion.ANNUAL))
    [goal] = gathered["goals"]
    assert (goal["goal_id"], goal["level"], goal["contributing_goal_ids"]) == (
        town["municipal"]["lineage_id"],
        "MUNICIPAL",
        [town["board_goal"]["lineage_id"]],
    )
    municipality = gathered["municipality"]
    assert municipality["economy"]["actuals"] == "300099.00"  # the whole year
    assert any(b["board_org_unit_id"] == BOARD and b["forecast"] == "1040000.00" for b in municipality["economy"]["boards"])
    assert municipality["balance_statement"] is None  # not made yet
    assert {a["id"] for a in gathered["assignments"]} >= {town["assignment"]["id"], town["unreported"]["id"]}


async def test_reporting_the_reallocations_marks_them_once_and_the_report_keeps_showing_them(app, town, callees, budget):
    ids = [town["reallocation"]["id"]]
    await mark_reallocations_reported(callees, ids, FollowupOccasion.INTERIM)
    stored = await budget.send("GET", f"/reallocations/{ids[0]}", Role.NAMND)
    assert stored["reported_at_occasion"] == "INTERIM"
    await mark_reallocations_reported(callees, ids, FollowupOccasion.INTERIM)  # taken again: nothing reported twice
    interim = await gather(callees, app.state.org_units, subject(BOARD, ReportLevel.BOARD))
    assert [r["id"] for r in interim["economy"]["reallocations"]] == ids
    annual = await gather(callees, app.state.org_units, subject(BOARD, ReportLevel.BOARD, FollowupOccasion.ANNUAL))
    assert [r["id"] for r in annual["economy"]["reallocations"]] == [town["after_period"]["id"]]


# Every callee each level reads (only a board's report reads the internal control).
DOWN = [(ReportLevel.BOARD, callee) for callee in ("goals", "budget", "internal-control")] + [
    (level, callee) for level in (ReportLevel.UNIT, ReportLevel.MUNICIPAL) for callee in ("goals", "budget")
]


@pytest.mark.parametrize(("level", "down"), DOWN)
async def test_a_callee_that_is_down_refuses_the_whole_gathering_naming_it(app, town, goals, budget, internal_control, down, level):
    org_unit_id = {ReportLevel.BOARD: BOARD, ReportLevel.UNIT: UNIT, ReportLevel.MUNICIPAL: COUNCIL}[level]
    callees: Callees = callees_of(goals, budget, internal_control, down=down)
    try:
        with pytest.raises(CalleeUnavailable) as refused:
            await gather(callees, app.state.org_units, subject(org_unit_id, level))
    finally:
        await callees.close()
    assert (refused.value.status, refused.value.detail) == (503, f"the {down} service is unavailable")


async def test_a_board_with_many_goals_is_read_in_the_same_few_calls(app, town, goals, callees, monkeypatch):
    calls: list[str] = []
    read = base.FollowupClient.get_json

    async def counted(self: Any, path: str, params: dict[str, Any] | None = None) -> Any:
        calls.append(path)
        return await read(self, path, params)

    monkeypatch.setattr(base.FollowupClient, "get_json", counted)
    await gather(callees, app.state.org_units, subject(BUSY_BOARD, ReportLevel.BOARD, board_org_unit_id=uuid.UUID(BUSY_BOARD)))
    few = len(calls)
    measure = await indicator(goals, "Andel åtgärdade felanmälningar (insamling)")
    for number in range(12):
        created = await decided_goal(
            goals, level="BOARD", owner=BUSY_BOARD, title=f"Mål {number}", year=YEAR, indicator_id=measure["id"]
        )  # fmt: skip
        await outcome(goals, created["use"]["id"], "2027-T1", str(60 + number))
    calls.clear()
    gathered = await gather(callees, app.state.org_units, subject(BUSY_BOARD, ReportLevel.BOARD, board_org_unit_id=uuid.UUID(BUSY_BOARD)))
    assert len(gathered["goals"]) == 12 and all(g["indicators"][0]["outcome"] for g in gathered["goals"])
    assert len(calls) == few <= 16
