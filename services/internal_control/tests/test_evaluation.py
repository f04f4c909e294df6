"""The executive board's evaluation of the municipality's internal control for a year, computed
for every board of the directory that existed during the year: plans and their deadlines,
completion, deviations, actions, follow-up reports and the risk distribution; read by the executive
board, the auditors and the follow-up service only."""

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import event, insert

from internal_control_service.execution.models import Action, ControlResult, Deviation
from internal_control_service.plans.models import ControlActivity, ControlPlan
from internal_control_service.reports.models import FollowupReport
from internal_control_service.risks.models import Risk, RiskAssessment
from services.internal_control.tests.support.api import API
from services.internal_control.tests.support.organisation import ADMINISTRATION, BOARD, COUNCIL, OTHER_BOARD, THIRD_BOARD, namnd, staff
from services.internal_control.tests.support.rows import AUTHOR, activity, add, plan
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, org_unit, pointers, service_headers

EVALUATIONS = f"{API}/evaluations"
TRACKED = {"created_by": AUTHOR, "updated_by": AUTHOR}


def bands(low: int, medium: int, high: int, very_high: int) -> list[dict]:
    """The risk distribution over the default bands (1–3, 4–6, 8–9, 12–16)."""
    defaults = (("Låg", "#2E7D32"), ("Medel", "#F9A825"), ("Hög", "#EF6C00"), ("Mycket hög", "#C62828"))
    return [
        {"label": label, "colour": colour, "risks": n} for (label, colour), n in zip(defaults, (low, medium, high, very_high), strict=True)
    ]


def result(activity_: ControlActivity, outcome: str = "NO_REMARK", occasion: str = "2027-T1") -> ControlResult:
    return ControlResult(
        id=uuid.uuid4(),
        activity_id=activity_.id,
        occasion=occasion,
        outcome=outcome,
        evidence="",
        checked_on=dt.date(2027, 4, 28),
        **TRACKED,
    )


def deviation(result_: ControlResult, status: str = "OPEN") -> Deviation:
    return Deviation(id=uuid.uuid4(), result_id=result_.id, description="Saknad attest", status=status, **TRACKED)


def action(deviation_: Deviation, status: str = "OPEN", due_date: dt.date = dt.date(2027, 6, 30)) -> Action:
    return Action(
        id=uuid.uuid4(),
        deviation_id=deviation_.id,
        description="Påminnelse",
        owner="Ekonomichef",
        due_date=due_date,
        status=status,
        **TRACKED,
    )


def assessment(board: str, *scores: tuple[int, int], year: int = 2027) -> list[Any]:
    """A risk assessment of `board` with one risk per (likelihood, consequence)."""
    row = RiskAssessment(
        id=uuid.uuid4(), board_org_unit_id=uuid.UUID(board), year=year, title="Risk- och väsentlighetsanalys", description="", **TRACKED
    )
    risks = [
        Risk(
            id=uuid.uuid4(),
            assessment_id=row.id,
            process="Inköp",
            description="",
            likelihood=likelihood,
            consequence=consequence,
            decision="CONTROL",
            **TRACKED,
        )
        for likelihood, consequence in scores
    ]
    return [row, *risks]


def report(board: str, status: Status, plan_: ControlPlan, decided_on: dt.date | None = None) -> FollowupReport:
    row = FollowupReport(
        id=uuid.uuid4(),
        board_org_unit_id=uuid.UUID(board),
        year=2027,
        plan_id=plan_.id,
        summary="",
        content={},
        content_taken_at=dt.datetime(2028, 2, 1, tzinfo=dt.UTC),
        status=status.value,
        revision=1,
        **TRACKED,
    )
    if decided_on:
        row.decision_body, row.decision_date, row.decision_reference = "Nämnden", decided_on, "§ 12"
    return row


async def evaluation(client: Any, headers: dict[str, str], year: int = 2027) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The evaluation of `year` and its boards by id."""
    response = await client.get(f"{EVALUATIONS}/{year}", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return body, {b["board_org_unit_id"]: b for b in body["boards"]}


async def registered(app: Any, type_: OrgUnitType, name: str, **fields: Any) -> str:
    """A unit registered in the directory now; the replica reads it at its next sync, done here."""
    unit = org_unit(type_, name, parent=COUNCIL, **fields)
    assert await app.state.org_units.sync()
    return unit


async def three_boards(app: Any) -> None:
    """BOARD: plan decided on time, 3 of 4 activities checked, one open and one closed deviation,
    report approved in February. OTHER_BOARD: plan decided late, nothing checked, no report.
    THIRD_BOARD: a draft plan only."""
    on_time = plan(BOARD, decided_on=dt.date(2026, 12, 10))
    economy = [activity(on_time, "Ekonomi") for _ in range(2)]
    staff_ = [activity(on_time, "Personal") for _ in range(2)]
    found, settled, fine = result(economy[0], "DEVIATION"), result(staff_[0], "DEVIATION"), result(economy[1])
    open_deviation, closed_deviation = deviation(found), deviation(settled, "CLOSED")
    late = plan(OTHER_BOARD, decided_on=dt.date(2027, 1, 15))
    await add(
        app,
        on_time,
        *economy,
        *staff_,
        found,
        settled,
        fine,
        open_deviation,
        closed_deviation,
        action(open_deviation),
        action(open_deviation, "DONE"),
        action(closed_deviation, "CANCELLED"),
        report(BOARD, Status.DECIDED, on_time, dt.date(2028, 2, 20)),
        *assessment(BOARD, (1, 2), (2, 3), (3, 3), (4, 4)),
        late,
        activity(late),
        activity(late),
        *assessment(OTHER_BOARD, (2, 2), (3, 4)),
        plan(THIRD_BOARD, status=Status.DRAFT),
    )


async def test_executive_board_evaluates_all_boards(client, app, as_role, today):
    await three_boards(app)
    today.set(dt.date(2028, 3, 15))
    body, boards = await evaluation(client, as_role(Role.FULLMAKTIGE))
    assert (body["year"], body["as_of"]) == (2027, "2028-03-15")
    assert boards.keys() >= {BOARD, OTHER_BOARD, THIRD_BOARD}
    deadlines = {"plan_deadline": "2026-12-31", "report_deadline": "2028-02-29", "board_closed_on": None}
    assert boards[BOARD] == deadlines | {
        "board_org_unit_id": BOARD,
        "board_org_unit": {"id": BOARD, "name": "Socialnämnden", "short_name": "SN", "type": "board"},
        "plan_status": "DECIDED",
        "plan_missing": False,
        "plan_late": False,
        "activities": 4,
        "activities_with_result": 3,
        "completion": 0.75,
        "deviations_open": 1,
        "deviations_closed": 1,
        "actions_open": 1,
        "actions_overdue": 1,
        "report_status": "DECIDED",
        "report_missing": False,
        "report_late": False,
        "risks": bands(1, 1, 1, 1),
    }
    assert boards[OTHER_BOARD] == deadlines | {
        "board_org_unit_id": OTHER_BOARD,
        "board_org_unit": {"id": OTHER_BOARD, "name": "Barn- och utbildningsnämnden", "short_name": "BUN", "type": "board"},
        "plan_status": "DECIDED",
        "plan_missing": False,
        "plan_late": True,
        "activities": 2,
        "activities_with_result": 0,
        "completion": 0.0,
        "deviations_open": 0,
        "deviations_closed": 0,
        "actions_open": 0,
        "actions_overdue": 0,
        "report_status": None,
        "report_missing": True,
        "report_late": True,
        "risks": bands(0, 1, 0, 1),
    }
    assert (boards[THIRD_BOARD]["plan_status"], boards[THIRD_BOARD]["plan_late"], boards[THIRD_BOARD]["completion"]) == (
        "DRAFT",
        True,
        None,
    )
    assert body["deviations_by_area"] == [
        {"area": "Ekonomi", "deviations_open": 1, "deviations_closed": 0},
        {"area": "Personal", "deviations_open": 0, "deviations_closed": 1},
    ]
    assert body["risks"] == bands(1, 2, 1, 2)
    # The directory's other boards have kept no internal control here: each is listed, flagged.
    others = [b for board, b in boards.items() if board not in {BOARD, OTHER_BOARD, THIRD_BOARD}]
    assert all(b["plan_missing"] and b["report_missing"] and b["activities"] == 0 for b in others)
    assert (body["boards_without_plan"], body["boards_without_report"]) == (len(others), len(others) + 2)


async def test_boards_without_a_plan_are_listed_and_flagged_missing(client, app, as_role, today):
    """BOARD has its plan; OTHER_BOARD made its risk assessment but no plan; THIRD_BOARD kept
    internal control the year before and has nothing this year."""
    await add(
        app,
        plan(BOARD, decided_on=dt.date(2026, 12, 10)),
        *assessment(OTHER_BOARD, (2, 2)),
        plan(THIRD_BOARD, year=2026, decided_on=dt.date(2025, 12, 10)),
    )
    today.set(dt.date(2027, 3, 1))
    body, boards = await evaluation(client, as_role(Role.FULLMAKTIGE))
    flags = {
        board: (boards[board]["plan_missing"], boards[board]["plan_status"], boards[board]["plan_late"])
        for board in (BOARD, OTHER_BOARD, THIRD_BOARD)
    }
    assert flags == {BOARD: (False, "DECIDED", False), OTHER_BOARD: (True, None, True), THIRD_BOARD: (True, None, True)}
    assert boards[THIRD_BOARD]["risks"] == bands(0, 0, 0, 0) and boards[OTHER_BOARD]["risks"] == bands(0, 1, 0, 0)
    assert body["boards_without_plan"] == len(boards) - 1


async def test_a_board_of_the_directory_without_any_internal_control_is_listed_flagged_missing(client, app, as_role):
    await add(app, plan(BOARD))
    unknown_here = await registered(app, OrgUnitType.BOARD, "Miljö- och byggnadsnämnden", short_name="MBN")
    body, boards = await evaluation(client, as_role(Role.FULLMAKTIGE))
    listed = boards[unknown_here]
    assert listed["board_org_unit"] == {"id": unknown_here, "name": "Miljö- och byggnadsnämnden", "short_name": "MBN", "type": "board"}
    assert (listed["plan_missing"], listed["plan_status"], listed["report_missing"], listed["report_status"]) == (True, None, True, None)
    assert (listed["activities"], listed["completion"], listed["risks"]) == (0, None, bands(0, 0, 0, 0))
    assert body["boards_without_plan"] == sum(b["plan_missing"] for b in body["boards"]) and not boards[BOARD]["plan_missing"]


async def test_every_board_level_unit_is_evaluated_and_no_other(client, app, as_role):
    """The executive board, the boards, the companies and the federations each keep internal control."""
    executive_board = await registered(app, OrgUnitType.EXECUTIVE_BOARD, "Kommunstyrelsen")
    company = await registered(app, OrgUnitType.COMPANY, "Hallstahammars Bostads AB")
    federation = await registered(app, OrgUnitType.FEDERATION, "Västra Mälardalens Myndighetsförbund")
    administration = await registered(app, OrgUnitType.ADMINISTRATION, "Kommunledningsförvaltningen")
    _, boards = await evaluation(client, as_role(Role.FULLMAKTIGE))
    assert {boards[unit]["board_org_unit"]["type"] for unit in (executive_board, company, federation)} == {
        "executive_board",
        "company",
        "federation",
    }
    assert not {administration, ADMINISTRATION, COUNCIL} & boards.keys()
    names = [b["board_org_unit"]["name"] for b in boards.values() if b["board_org_unit"]]
    assert names == sorted(names), "by name"


async def test_a_board_wound_up_during_the_year_is_listed_one_wound_up_before_it_is_not(client, app, as_role):
    before = await registered(app, OrgUnitType.BOARD, "Tekniska nämnden", valid_to=dt.date(2026, 12, 31))
    during = await registered(app, OrgUnitType.BOARD, "Servicenämnden", valid_to=dt.date(2027, 6, 30))
    after = await registered(app, OrgUnitType.BOARD, "Samhällsbyggnadsnämnden", valid_from=dt.date(2028, 1, 1))
    first_day = await registered(app, OrgUnitType.BOARD, "Valnämnden", valid_to=dt.date(2027, 1, 1))
    await add(app, plan(during, decided_on=dt.date(2026, 12, 10)))
    _, boards = await evaluation(client, as_role(Role.REVISOR))
    assert before not in boards and after not in boards
    assert (boards[during]["board_closed_on"], boards[during]["plan_missing"], boards[during]["report_missing"]) == (
        "2027-06-30",
        False,
        True,
    )
    assert boards[first_day]["board_closed_on"] == "2027-01-01"
    _, next_year = await evaluation(client, as_role(Role.REVISOR), 2028)
    assert after in next_year and during not in next_year and next_year[after]["board_closed_on"] is None


async def test_before_the_deadlines_nothing_undecided_is_late(client, app, as_role, today):
    await add(app, plan(THIRD_BOARD, year=2028, status=Status.PROPOSED))
    today.set(dt.date(2027, 12, 31))
    _, boards = await evaluation(client, as_role(Role.REVISOR), 2028)
    board = boards[THIRD_BOARD]
    assert (board["plan_status"], board["plan_late"], board["report_late"]) == ("PROPOSED", False, False)


async def test_auditors_read_the_evaluation(client, app, as_role):
    await three_boards(app)
    _, boards = await evaluation(client, as_role(Role.REVISOR))
    assert not boards[THIRD_BOARD]["plan_missing"]


async def test_the_followup_service_reads_the_evaluation_and_no_other_service_does(client, app):
    await three_boards(app)
    _, boards = await evaluation(client, service_headers("followup", "internal-control"))
    assert boards[BOARD]["completion"] == 0.75
    body = assert_problem(await client.get(f"{EVALUATIONS}/2027", headers=service_headers("budget", "internal-control")), 403)
    assert body["detail"] == "this operation does not admit calls from the budget service"


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.ADMIN])
async def test_evaluation_is_refused_to_boards_administrations_and_units(client, app, as_role, role):
    await three_boards(app)
    headers = {Role.NAMND: namnd(as_role), Role.FORVALTNING: staff(as_role)}.get(role) or as_role(role)
    body = assert_problem(await client.get(f"{EVALUATIONS}/2027", headers=headers), 403, type_="role-not-allowed")
    assert body["detail"] == "this operation is allowed for the roles: fullmaktige, revisor"


async def test_evaluation_is_refused_to_fullmaktige_below_the_whole_municipality(client, app, as_role):
    await three_boards(app)
    response = await client.get(f"{EVALUATIONS}/2027", headers=as_role(Role.FULLMAKTIGE, BOARD, [BOARD]))
    assert_problem(
        response, 403, detail_contains="read by the executive board (fullmaktige with the whole municipality in scope)", type_="forbidden"
    )


async def test_evaluation_needs_an_assertion(client):
    assert_problem(await client.get(f"{EVALUATIONS}/2027"), 401)


async def test_a_year_without_internal_control_lists_every_board_flagged_missing(client, app, as_role):
    await three_boards(app)
    body, boards = await evaluation(client, as_role(Role.FULLMAKTIGE), 2031)
    assert boards.keys() >= {BOARD, OTHER_BOARD, THIRD_BOARD}
    assert all(b["plan_missing"] and b["report_missing"] for b in boards.values())
    assert body["boards_without_plan"] == body["boards_without_report"] == len(boards)


@pytest.mark.parametrize("year", ["1999", "2101", "i-år"])
async def test_evaluation_of_an_invalid_year_is_refused_with_a_pointer(client, as_role, year):
    response = await client.get(f"{EVALUATIONS}/{year}", headers=as_role(Role.FULLMAKTIGE))
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/year"}


async def test_evaluation_does_not_write(client, app, as_role):
    await three_boards(app)
    assert_problem(await client.post(f"{EVALUATIONS}/2027", json={}, headers=as_role(Role.FULLMAKTIGE)), 405)


# --- bounded queries ------------------------------------------------------------------------


async def boards_with_activities(app: Any, boards: int, activities: int) -> None:
    """`boards` boards, each with a decided plan of `activities` activities (every tenth checked,
    the first with a deviation and an action), a draft report and an assessment of three risks:
    bulk ORM inserts, one statement per table."""
    rows: dict[type, list[dict[str, Any]]] = {
        model: [] for model in (ControlPlan, ControlActivity, ControlResult, Deviation, Action, FollowupReport, RiskAssessment, Risk)
    }
    for _ in range(boards):
        board, plan_id, assessment_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        rows[ControlPlan].append(
            {
                "id": plan_id,
                "board_org_unit_id": board,
                "year": 2027,
                "title": "Plan",
                "status": "DECIDED",
                "revision": 1,
                "decision_date": dt.date(2026, 12, 1),
                **TRACKED,
            }
        )
        rows[RiskAssessment].append(
            {"id": assessment_id, "board_org_unit_id": board, "year": 2027, "title": "Analys", "description": "", **TRACKED}
        )
        rows[Risk] += [
            {
                "assessment_id": assessment_id,
                "process": "P",
                "description": "",
                "likelihood": n,
                "consequence": n,
                "decision": "ACCEPT",
                **TRACKED,
            }
            for n in (1, 2, 4)
        ]
        rows[FollowupReport].append(
            {
                "board_org_unit_id": board,
                "year": 2027,
                "plan_id": plan_id,
                "summary": "",
                "content": {},
                "content_taken_at": dt.datetime(2028, 1, 1, tzinfo=dt.UTC),
                "status": "DRAFT",
                "revision": 1,
                **TRACKED,
            }
        )
        for n in range(activities):
            activity_id = uuid.uuid4()
            rows[ControlActivity].append(
                {"id": activity_id, "plan_id": plan_id, "area": f"Område {n % 5}", "what_is_checked": "x", **TRACKED}
            )
            if n % 10 == 0:
                result_id = uuid.uuid4()
                rows[ControlResult].append(
                    {
                        "id": result_id,
                        "activity_id": activity_id,
                        "occasion": "2027-T1",
                        "outcome": "DEVIATION" if n == 0 else "NO_REMARK",
                        "evidence": "",
                        "checked_on": dt.date(2027, 4, 1),
                        **TRACKED,
                    }
                )
                if n == 0:
                    deviation_id = uuid.uuid4()
                    rows[Deviation].append({"id": deviation_id, "result_id": result_id, "description": "d", "status": "OPEN", **TRACKED})
                    rows[Action].append(
                        {
                            "deviation_id": deviation_id,
                            "description": "a",
                            "owner": "o",
                            "due_date": dt.date(2027, 5, 1),
                            "status": "OPEN",
                            **TRACKED,
                        }
                    )
    async with app.state.sessionmaker() as session:
        for model, values in rows.items():
            await session.execute(insert(model), values)
        await session.commit()


async def test_evaluation_costs_the_same_queries_for_3_boards_and_for_60(client, app, as_role):
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    async def queries_of_the_evaluation() -> tuple[int, int]:
        statements.clear()
        event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
        try:
            response = await client.get(f"{EVALUATIONS}/2027", headers=as_role(Role.FULLMAKTIGE))
        finally:
            event.remove(app.state.engine.sync_engine, "before_cursor_execute", count)
        assert response.status_code == 200, response.text
        return len(response.json()["boards"]), len(statements)

    await boards_with_activities(app, 3, 100)
    few = await queries_of_the_evaluation()
    await boards_with_activities(app, 57, 100)
    many = await queries_of_the_evaluation()
    assert many[0] - few[0] == 57
    assert few[1] == many[1] <= 7, "one query per figure, none per board; the boards come from the replica in memory"
    body, boards = await evaluation(client, as_role(Role.FULLMAKTIGE))
    # The boards with records here are unknown to the directory: listed after its boards, unnamed.
    with_records = [b for b in body["boards"] if b["activities"]]
    assert body["boards"][-60:] == with_records and all(b["board_org_unit"] is None for b in with_records)
    assert {(b["activities"], b["activities_with_result"], b["deviations_open"], b["actions_open"]) for b in with_records} == {
        (100, 10, 1, 1)
    }
    assert body["risks"] == bands(60, 60, 0, 60)
