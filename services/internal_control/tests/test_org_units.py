"""Internal control on the directory's org units: the board of a new risk assessment, control plan
or follow-up report is a board-level unit of the directory (executive board, board, company,
federation), not wound up by today and existing during the object's year, else a 422 naming the
field and nothing is stored; reads carry the board's name beside its id; the lists filtered by a
board follow it back through reorganisations; the follow-up service reads, with its own assertion,
what it follows up, drafts included, and writes nothing."""

import datetime as dt
import uuid
from typing import Any

import pytest

from internal_control_service.execution.models import ControlResult, Deviation
from internal_control_service.reports.models import FollowupReport
from internal_control_service.risks.models import RiskAssessment
from services.internal_control.tests.support.api import API
from services.internal_control.tests.support.organisation import ADMINISTRATION, BOARD, COUNCIL, UNIT
from services.internal_control.tests.support.plans import PLAN, PLANS
from services.internal_control.tests.support.risks import ASSESSMENT, ASSESSMENTS
from services.internal_control.tests.support.rows import AUTHOR, activity, add, plan
from styrkedjan_common import org_units
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import ORGANISATION, assert_problem, org_unit, pointers, service_headers

REPORTS = f"{API}/followup-reports"
REPORT = {"board_org_unit_id": BOARD, "year": 2027, "summary": "Kontrollerna är genomförda."}
# What a client writes naming a board: the collection and a valid body.
WRITES = {"risk assessment": (ASSESSMENTS, ASSESSMENT), "control plan": (PLANS, PLAN), "follow-up report": (REPORTS, REPORT)}
TODAY = dt.date.today()
YESTERDAY = TODAY - dt.timedelta(days=1)
TRACKED = {"created_by": AUTHOR, "updated_by": AUTHOR}
SOCIAL_BOARD = {"id": BOARD, "name": "Socialnämnden", "short_name": "SN", "type": "board"}


@pytest.fixture(autouse=True)
def immediate_lookups(monkeypatch):
    """A unit registered in a test is looked up on first use, not held back by an earlier test's look-up."""
    monkeypatch.setattr(org_units, "MIN_LOOKUP_GAP", 0)


@pytest.fixture
def writer(as_role):
    """The administration with the whole municipality in scope: it drafts every kind of object here."""
    return as_role(Role.FORVALTNING)


async def stored(client: Any, as_role: Any, path: str) -> list[dict[str, Any]]:
    response = await client.get(path, headers=as_role(Role.REVISOR))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def board_closed_yesterday(app: Any) -> str:
    board = org_unit(OrgUnitType.BOARD, "Tekniska nämnden", parent=COUNCIL)
    ORGANISATION.change(board, valid_to=YESTERDAY)
    assert await app.state.org_units.sync()  # as the replica's interval would
    return board


def result_with_deviation(activity_id: uuid.UUID) -> tuple[ControlResult, Deviation]:
    result = ControlResult(
        id=uuid.uuid4(), activity_id=activity_id, occasion="T1", outcome="DEVIATION", evidence="", checked_on=dt.date(2026, 4, 1), **TRACKED
    )
    return result, Deviation(id=uuid.uuid4(), result_id=result.id, description="Saknad attest", status="OPEN", **TRACKED)


def assessment_row(board: str, year: int) -> RiskAssessment:
    return RiskAssessment(id=uuid.uuid4(), board_org_unit_id=uuid.UUID(board), year=year, title="Analys", description="", **TRACKED)


def report_row(board: str, plan_id: uuid.UUID, year: int, status: Status = Status.DRAFT) -> FollowupReport:
    row = FollowupReport(
        id=uuid.uuid4(),
        board_org_unit_id=uuid.UUID(board),
        year=year,
        plan_id=plan_id,
        summary="",
        content={
            "plan_id": str(plan_id),
            "plan_title": "Internkontrollplan",
            "plan_revision": 1,
            "plan_decision": None,
            "as_of": f"{year + 1}-02-01",
            "activities": [],
            "totals": dict.fromkeys(
                ("activities", "activities_with_result", "deviations_open", "deviations_closed", "actions_open", "actions_overdue"), 0
            )
            | {"completion": None},
        },
        content_taken_at=dt.datetime(year + 1, 2, 1, tzinfo=dt.UTC),
        status=status.value,
        revision=1,
        **TRACKED,
    )
    if status == Status.DECIDED:
        row.decision_body, row.decision_date, row.decision_reference = "Nämnden", dt.date(year + 1, 2, 20), "§ 12"
    return row


# --- the board a client names ------------------------------------------------------------------


@pytest.mark.parametrize("what", WRITES)
async def test_an_unknown_board_is_refused_naming_the_field_and_nothing_is_stored(client, as_role, writer, what):
    path, body = WRITES[what]
    unknown = str(uuid.uuid4())
    response = await client.post(path, json=body | {"board_org_unit_id": unknown}, headers=writer)
    assert_problem(response, 422, detail_contains=f"the board {unknown} is not in the directory")
    assert pointers(response) == {"#/board_org_unit_id"}
    assert await stored(client, as_role, path) == []


@pytest.mark.parametrize("what", WRITES)
async def test_a_board_wound_up_yesterday_gets_no_new_internal_control(client, app, as_role, writer, what):
    path, body = WRITES[what]
    board = await board_closed_yesterday(app)
    response = await client.post(path, json=body | {"board_org_unit_id": board}, headers=writer)
    assert_problem(response, 422, detail_contains=f"the board Tekniska nämnden was wound up on {YESTERDAY}")
    assert pointers(response) == {"#/board_org_unit_id"}
    assert await stored(client, as_role, path) == []


@pytest.mark.parametrize("what", WRITES)
@pytest.mark.parametrize("unit", [ADMINISTRATION, UNIT, COUNCIL], ids=["administration", "unit", "council"])
async def test_a_unit_that_is_not_a_board_keeps_no_internal_control_of_its_own(client, as_role, writer, what, unit):
    path, body = WRITES[what]
    response = await client.post(path, json=body | {"board_org_unit_id": unit}, headers=writer)
    assert_problem(response, 422, detail_contains="the board must be of type board, company, executive_board, federation")
    assert pointers(response) == {"#/board_org_unit_id"}
    assert await stored(client, as_role, path) == []


@pytest.mark.parametrize("what", WRITES)
async def test_a_board_that_does_not_exist_in_the_year_is_refused(client, as_role, writer, what):
    path, body = WRITES[what]
    board = org_unit(OrgUnitType.BOARD, "Framtidsnämnden", parent=COUNCIL, valid_from=dt.date(2030, 1, 1))
    response = await client.post(path, json=body | {"board_org_unit_id": board}, headers=writer)
    assert_problem(
        response, 422, detail_contains=f"the board Framtidsnämnden is not valid in {body['year']} (valid 2030-01-01 to further notice)"
    )
    assert pointers(response) == {"#/board_org_unit_id"}
    assert await stored(client, as_role, path) == []


@pytest.mark.parametrize(
    "type_", [OrgUnitType.BOARD, OrgUnitType.EXECUTIVE_BOARD, OrgUnitType.COMPANY, OrgUnitType.FEDERATION], ids=lambda t: t.value
)
@pytest.mark.parametrize("what", WRITES)
async def test_a_board_level_unit_registered_after_the_start_is_usable_at_once(client, app, writer, what, type_):
    path, body = WRITES[what]
    board = org_unit(type_, f"Ny {type_.value}", parent=COUNCIL)
    if what == "follow-up report":
        await add(app, plan(board))
    response = await client.post(path, json=body | {"board_org_unit_id": board}, headers=writer)
    assert response.status_code == 201, response.text
    assert response.json()["board_org_unit"] == {"id": board, "name": f"Ny {type_.value}", "short_name": f"Ny {type_.value}", "type": type_}


async def test_a_board_set_up_from_next_year_prepares_next_years_plan_now(client, writer):
    """Validity is judged on the object's year: the plan for a year is decided by December before it."""
    next_year = TODAY.year + 1
    board = org_unit(OrgUnitType.BOARD, "Nya nämnden", parent=COUNCIL, valid_from=dt.date(next_year, 1, 1))
    response = await client.post(PLANS, json=PLAN | {"board_org_unit_id": board, "year": next_year}, headers=writer)
    assert response.status_code == 201, response.text


async def test_a_board_wound_up_copies_no_assessment_and_revises_no_plan_or_report(client, app, as_role, writer):
    board = org_unit(OrgUnitType.BOARD, "Servicenämnden", parent=COUNCIL)
    assessment = (await client.post(ASSESSMENTS, json=ASSESSMENT | {"board_org_unit_id": board}, headers=writer)).json()
    decided = plan(board, TODAY.year)
    report = report_row(board, decided.id, TODAY.year, Status.DECIDED)
    await add(app, decided, report)
    ORGANISATION.change(board, valid_to=YESTERDAY)
    assert await app.state.org_units.sync()
    for path, pointer in (
        (f"{ASSESSMENTS}/{assessment['id']}/copy-to-next-year", "#/path/assessment_id"),
        (f"{PLANS}/{decided.id}/revisions", "#/path/plan_id"),
        (f"{REPORTS}/{report.id}/revisions", "#/path/report_id"),
    ):
        response = await client.post(path, json={}, headers=writer)
        assert_problem(response, 422, detail_contains="the board Servicenämnden was wound up")
        assert pointers(response) == {pointer}, path
    assert len(await stored(client, as_role, ASSESSMENTS)) == 1
    assert [p["revision"] for p in await stored(client, as_role, PLANS)] == [1]
    assert [r["revision"] for r in await stored(client, as_role, REPORTS)] == [1]


# --- names beside ids ---------------------------------------------------------------------------


async def test_every_read_names_the_board_beside_its_id(client, app, as_role, writer):
    auditors = as_role(Role.REVISOR)
    assessment = (await client.post(ASSESSMENTS, json=ASSESSMENT, headers=writer)).json()
    assert assessment["board_org_unit"] == SOCIAL_BOARD
    decided = plan(BOARD)
    activity_ = activity(decided)
    result, deviation = result_with_deviation(activity_.id)
    await add(app, decided, activity_, result, deviation, report_row(BOARD, decided.id, 2027))
    reads = {
        "assessments": (await client.get(ASSESSMENTS, headers=auditors)).json()["items"],
        "assessment": [(await client.get(f"{ASSESSMENTS}/{assessment['id']}", headers=auditors)).json()],
        "matrix": [(await client.get(f"{ASSESSMENTS}/{assessment['id']}/matrix", headers=auditors)).json()],
        "plans": (await client.get(PLANS, headers=auditors)).json()["items"],
        "plan": [(await client.get(f"{PLANS}/{decided.id}", headers=auditors)).json()],
        "results": (await client.get(f"{API}/results", headers=auditors)).json()["items"],
        "activity results": (await client.get(f"{API}/control-activities/{activity_.id}/results", headers=auditors)).json()["items"],
        "deviations": (await client.get(f"{API}/deviations", headers=auditors)).json()["items"],
        "deviation": [(await client.get(f"{API}/deviations/{deviation.id}", headers=auditors)).json()],
        "reports": (await client.get(REPORTS, headers=auditors)).json()["items"],
    }
    reads["report"] = [(await client.get(f"{REPORTS}/{reads['reports'][0]['id']}", headers=auditors)).json()]
    assert {name: [read["board_org_unit"] for read in items] for name, items in reads.items()} == {name: [SOCIAL_BOARD] for name in reads}


async def test_the_audit_trail_keeps_the_board_id_without_its_name(client, as_role, writer):
    await client.post(ASSESSMENTS, json=ASSESSMENT, headers=writer)
    [event] = (await client.get(f"{API}/audit-events", params={"entity_type": "risk_assessment"}, headers=as_role(Role.REVISOR))).json()[
        "items"
    ]
    assert event["after"]["board_org_unit_id"] == BOARD and "board_org_unit" not in event["after"]


# --- reorganisations ----------------------------------------------------------------------------


async def test_lists_filtered_by_a_board_include_its_predecessors_on_request(client, app, as_role):
    """A board that succeeded another in a reorganisation (2027) reads the predecessor's internal
    control with include_predecessors; each record keeps the board it was made for."""
    old = org_unit(OrgUnitType.BOARD, "Kultur- och fritidsnämnden", parent=COUNCIL, valid_to=dt.date(2026, 12, 31))
    new = org_unit(OrgUnitType.BOARD, "Kultur- och bildningsnämnden", parent=COUNCIL, predecessor=old, valid_from=dt.date(2027, 1, 1))
    assert await app.state.org_units.sync()
    rows: list[Any] = []
    for board, year in ((old, 2026), (new, 2027)):
        decided = plan(board, year)
        activity_ = activity(decided)
        rows += [decided, activity_, *result_with_deviation(activity_.id), assessment_row(board, year), report_row(board, decided.id, year)]
    await add(app, *rows)
    auditors = as_role(Role.REVISOR)
    for path in (PLANS, ASSESSMENTS, REPORTS, f"{API}/results", f"{API}/deviations"):
        only_new = await client.get(path, params={"board_org_unit_id": new}, headers=auditors)
        both = await client.get(path, params={"board_org_unit_id": new, "include_predecessors": "true"}, headers=auditors)
        assert [item["board_org_unit_id"] for item in only_new.json()["items"]] == [new], path
        assert sorted(item["board_org_unit_id"] for item in both.json()["items"]) == sorted([old, new]), path
        assert {item["board_org_unit"]["name"] for item in both.json()["items"]} == {
            "Kultur- och fritidsnämnden",
            "Kultur- och bildningsnämnden",
        }
        alone = await client.get(path, params={"board_org_unit_id": old, "include_predecessors": "true"}, headers=auditors)
        assert [item["board_org_unit_id"] for item in alone.json()["items"]] == [old], "a successor is not a predecessor"


async def test_include_predecessors_stays_within_the_callers_scope(client, app, as_role):
    old = org_unit(OrgUnitType.BOARD, "Fritidsnämnden", parent=COUNCIL, valid_to=dt.date(2026, 12, 31))
    new = org_unit(OrgUnitType.BOARD, "Fritids- och kulturnämnden", parent=COUNCIL, predecessor=old, valid_from=dt.date(2027, 1, 1))
    assert await app.state.org_units.sync()
    await add(app, plan(old, 2026, Status.DRAFT), plan(new, 2027, Status.DRAFT))
    listed = await client.get(
        PLANS, params={"board_org_unit_id": new, "include_predecessors": "true"}, headers=as_role(Role.NAMND, new, [new])
    )
    assert [item["board_org_unit_id"] for item in listed.json()["items"]] == [new]


# --- the follow-up service ----------------------------------------------------------------------


async def followup_reads(app: Any, client: Any, writer: dict[str, str]) -> list[str]:
    """One path of each operation the follow-up service reads, over a draft plan, a decided plan
    with a deviation, a draft report and a risk assessment of the board."""
    draft, decided = plan(BOARD, 2028, Status.DRAFT), plan(BOARD, 2027)
    activity_ = activity(decided)
    result, deviation = result_with_deviation(activity_.id)
    report = report_row(BOARD, decided.id, 2027)
    await add(app, draft, decided, activity_, result, deviation, report)
    assessment = (await client.post(ASSESSMENTS, json=ASSESSMENT, headers=writer)).json()
    return [
        PLANS,
        f"{PLANS}/{draft.id}",
        f"{PLANS}/{draft.id}/activities",
        f"{API}/control-activities/{activity_.id}",
        f"{API}/results",
        f"{API}/deviations",
        f"{API}/deviations/{deviation.id}",
        REPORTS,
        f"{REPORTS}/{report.id}",
        f"{REPORTS}/{report.id}/activities",
        ASSESSMENTS,
        f"{ASSESSMENTS}/{assessment['id']}",
        f"{API}/evaluations/2027",
    ]


async def test_the_followup_service_reads_what_it_follows_up_drafts_included(client, app, writer):
    headers = service_headers("followup", "internal-control")
    for path in await followup_reads(app, client, writer):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
    plans = (await client.get(PLANS, headers=headers)).json()["items"]
    assert {p["status"] for p in plans} == {"DRAFT", "DECIDED"} and {p["board_org_unit"]["name"] for p in plans} == {"Socialnämnden"}


async def test_another_service_reads_none_of_it(client, app, writer):
    headers = service_headers("budget", "internal-control")
    for path in await followup_reads(app, client, writer):
        body = assert_problem(await client.get(path, headers=headers), 403, type_="role-not-allowed")
        assert body["detail"] == "this operation does not admit calls from the budget service", path


@pytest.mark.parametrize(
    "path, body",
    [
        (PLANS, PLAN),
        (ASSESSMENTS, ASSESSMENT),
        (REPORTS, REPORT),
        (f"{API}/common-controls", {"year": 2028, "title": "T", "what_is_checked": "x"}),
    ],
    ids=["control plan", "risk assessment", "follow-up report", "common control"],
)
async def test_the_followup_service_writes_nothing(client, as_role, path, body):
    response = await client.post(path, json=body, headers=service_headers("followup", "internal-control"))
    assert_problem(response, 403, type_="role-not-allowed")
    assert await stored(client, as_role, path) == []


async def test_the_followup_service_reads_no_other_operation(client, writer):
    assessment = (await client.post(ASSESSMENTS, json=ASSESSMENT, headers=writer)).json()
    for path in (f"{ASSESSMENTS}/{assessment['id']}/matrix", f"{API}/common-controls", f"{API}/audit-events"):
        assert_problem(await client.get(path, headers=service_headers("followup", "internal-control")), 403, type_="role-not-allowed")
