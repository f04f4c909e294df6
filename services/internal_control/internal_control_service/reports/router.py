import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from internal_control_service.execution.paging import created_page, keyset
from internal_control_service.execution.service import boards_to_list
from internal_control_service.reports import repository, service
from internal_control_service.reports.models import FollowupReport
from internal_control_service.reports.schemas import ActivitySnapshot, Evaluation, ReportCreate, ReportRead, ReportUpdate
from internal_control_service.risks.scales import scales_of
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, require_if_match
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Decision, Status, Transition
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitReplica, OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow
from styrkedjan_common.years import year_path, year_query

router = APIRouter(tags=["control-followup"], route_class=PolicyRoute)
READERS = allow(Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR)
# The follow-up service reads the boards' reports and the evaluation (its own assertion).
FOLLOWUP_READERS = allow(Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR, services=("followup",))
DRAFTERS = allow(*service.DRAFTERS)
DECIDERS = allow(*service.DECIDERS)
CONDITIONAL = problem_responses(404, 409, 412, 428)
REPORTS = "/followup-reports"
REPORT = REPORTS + "/{report_id}"


def _read(report: FollowupReport, org_units: OrgUnitReplica) -> ReportRead:
    return org_units.with_names(service.to_read(report))


def _respond(report: FollowupReport, org_units: OrgUnitReplica, response: Response) -> ReportRead:
    response.headers["ETag"] = etag(report.id, report.row_version)
    return _read(report, org_units)


async def _for_update(
    request: Request, session: SessionDep, caller: CallerDep, report_id: uuid.UUID, roles: tuple[Role, ...], what: str
) -> FollowupReport:
    report = await service.get_writable(session, caller, report_id, roles, what)  # a refusal by scope comes before any precondition
    require_if_match(request, etag(report.id, report.row_version))
    return report


@router.post(REPORTS, response_model=ReportRead, status_code=201, openapi_extra=DRAFTERS, responses=problem_responses(409, 422))
async def create_followup_report(
    data: ReportCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> ReportRead:
    """Draft a board's follow-up of its decided control plan for a year; the content is taken now."""
    report = await service.create(session, caller, org_units, data)
    response.headers["Location"] = f"/api/internal-control/v1{REPORTS}/{report.id}"
    return _respond(report, org_units, response)


@router.get(REPORTS, response_model=Page[ReportRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(404, 422))
async def list_followup_reports(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    board_org_unit_id: Annotated[uuid.UUID | None, Query(description="Only this board's")] = None,
    year: Annotated[int | None, year_query()] = None,
    status: Status | None = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[ReportRead]:
    """Follow-up reports of the boards in the caller's scope (all for the auditors), every revision."""
    rows = await repository.list_reports(
        session,
        board_org_unit_ids=org_units.unit_filter(board_org_unit_id, include_predecessors),
        year=year,
        status=status.value if status else None,
        boards=boards_to_list(caller, board_org_unit_id),
        limit=limit + 1,
        after=keyset(cursor),
    )
    items, next_cursor = created_page(rows, limit, lambda report: report)
    return Page[ReportRead](items=[_read(r, org_units) for r in items], next_cursor=next_cursor)


@router.get(REPORT, response_model=ReportRead, openapi_extra=FOLLOWUP_READERS, responses=problem_responses(404, 422))
async def get_followup_report(
    report_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> ReportRead:
    return _respond(await service.get_readable(session, caller, report_id), org_units, response)


@router.get(
    REPORT + "/activities", response_model=Page[ActivitySnapshot], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(404, 422)
)
async def list_followup_report_activities(
    report_id: uuid.UUID, session: SessionDep, caller: CallerDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[ActivitySnapshot]:
    """The activities of the report's content with their results, in the plan's order. The report's
    read carries the first of them and the cursor to continue here."""
    decoded = decode_cursor(cursor)
    start = cursor_values(decoded, index=int)[0] if decoded else 0
    report = await service.get_readable(session, caller, report_id)
    items, next_cursor = service.activity_page(report, limit, start)
    return Page[ActivitySnapshot](items=items, next_cursor=next_cursor)


@router.patch(REPORT, response_model=ReportRead, openapi_extra=DRAFTERS, responses=CONDITIONAL | problem_responses(422))
async def update_followup_report(
    report_id: uuid.UUID,
    data: ReportUpdate,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> ReportRead:
    """Edit a draft's summary. Requires If-Match; decided reports are immutable."""
    report = await _for_update(request, session, caller, report_id, service.DRAFTERS, "a follow-up report")
    return _respond(await service.update(session, caller, report, data), org_units, response)


@router.post(
    f"{REPORT}/revisions", response_model=ReportRead, status_code=201, openapi_extra=DRAFTERS, responses=problem_responses(404, 409)
)
async def revise_followup_report(
    report_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> ReportRead:
    """Start a change of a decided report: a new draft revision with the content taken afresh."""
    source = await service.get_writable(session, caller, report_id, service.DRAFTERS, "a follow-up report")
    report = await service.new_revision(session, caller, org_units, source)
    response.headers["Location"] = f"/api/internal-control/v1{REPORTS}/{report.id}"
    return _respond(report, org_units, response)


@router.post(f"{REPORT}/proposal", response_model=ReportRead, openapi_extra=DRAFTERS, responses=CONDITIONAL)
async def propose_followup_report(
    report_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> ReportRead:
    """DRAFT → PROPOSED, with the content taken afresh for the board."""
    report = await _for_update(request, session, caller, report_id, service.DRAFTERS, "a follow-up report")
    return _respond(await service.transition(session, caller, report, Transition.PROPOSE), org_units, response)


@router.post(f"{REPORT}/return", response_model=ReportRead, openapi_extra=DRAFTERS, responses=CONDITIONAL)
async def return_followup_report(
    report_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> ReportRead:
    """PROPOSED → DRAFT, to edit it further."""
    report = await _for_update(request, session, caller, report_id, service.DRAFTERS, "a follow-up report")
    return _respond(await service.transition(session, caller, report, Transition.RETURN_TO_DRAFT), org_units, response)


@router.post(f"{REPORT}/decision", response_model=ReportRead, openapi_extra=DECIDERS, responses=CONDITIONAL | problem_responses(422))
async def decide_followup_report(
    report_id: uuid.UUID,
    decision: Decision,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> ReportRead:
    """PROPOSED → DECIDED: approved by the board; the content is frozen and the revision it replaces archived."""
    report = await _for_update(request, session, caller, report_id, service.DECIDERS, "approving a follow-up report")
    return _respond(await service.transition(session, caller, report, Transition.DECIDE, decision), org_units, response)


@router.get(
    "/evaluations/{year}",
    response_model=Evaluation,
    openapi_extra=allow(*service.EVALUATORS, services=("followup",)),
    responses=problem_responses(422),
)
async def get_evaluation(
    year: Annotated[int, year_path()], session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request
) -> Evaluation:
    """The executive board's evaluation of the year's internal control across every board of the
    directory that existed during the year (computed), each flagged where its plan or report is missing."""
    return await service.evaluate(session, caller, org_units, year, scales_of(request.app.state.settings))
