import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from internal_control_service.execution import repository, service
from internal_control_service.execution.paging import created_page, keyset
from internal_control_service.execution.schemas import (
    ActionCreate,
    ActionRead,
    ActionUpdate,
    DeviationClosure,
    DeviationRead,
    DeviationStatus,
    ResultCreate,
    ResultRead,
)
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, etag, require_if_match, set_etag
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.org_units import org_units as replica_of
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow
from styrkedjan_common.years import year_query

router = APIRouter(tags=["control-execution"], route_class=PolicyRoute)
READERS = allow(*service.READERS)
# The follow-up service reads the boards' results and deviations (its own assertion).
FOLLOWUP_READERS = allow(*service.READERS, services=("followup",))
WRITERS = allow(*service.WRITERS)
CONDITIONAL = problem_responses(404, 409, 412, 428)
ACTIVITY_RESULTS = "/control-activities/{activity_id}/results"
DEVIATION = "/deviations/{deviation_id}"
ACTION = "/actions/{action_id}"
BoardQuery = Annotated[uuid.UUID | None, Query(description="Only this board's")]
YearQuery = Annotated[int | None, year_query("Only the control plans of this year")]


# --- results ------------------------------------------------------------------------------


@router.post(
    ACTIVITY_RESULTS,
    response_model=ResultRead,
    status_code=201,
    openapi_extra=WRITERS,
    responses=problem_responses(404, 409, 422),
)
async def record_control_result(
    activity_id: uuid.UUID, data: ResultCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep
) -> ResultRead:
    """Record the outcome of a control activity of a decided plan on one occasion; a DEVIATION opens a deviation."""
    result = await service.record_result(session, caller, activity_id, data)
    return org_units.with_names(result)


@router.get(ACTIVITY_RESULTS, response_model=Page[ResultRead], openapi_extra=READERS, responses=problem_responses(404, 422))
async def list_activity_results(
    activity_id: uuid.UUID,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ResultRead]:
    """The results of one control activity, in the order they were recorded."""
    after = keyset(cursor)
    await service.ensure_activity_readable(session, caller, activity_id)
    rows = await repository.list_results(session, activity_id=activity_id, boards=None, limit=limit + 1, after=after)
    items, next_cursor = created_page(rows, limit, lambda row: row.ControlResult)
    results = [service.result_of_row(row) for row in items]
    return org_units.with_names(Page[ResultRead](items=results, next_cursor=next_cursor))


@router.get("/results", response_model=Page[ResultRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(404, 422))
async def list_control_results(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    board_org_unit_id: BoardQuery = None,
    year: YearQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[ResultRead]:
    """Results of the boards in the caller's scope (all for the auditors), in the order they were recorded."""
    boards = service.boards_to_list(caller, board_org_unit_id)
    rows = await repository.list_results(
        session,
        board_org_unit_ids=org_units.unit_filter(board_org_unit_id, include_predecessors),
        year=year,
        boards=boards,
        limit=limit + 1,
        after=keyset(cursor),
    )
    items, next_cursor = created_page(rows, limit, lambda row: row.ControlResult)
    results = [service.result_of_row(row) for row in items]
    return org_units.with_names(Page[ResultRead](items=results, next_cursor=next_cursor))


# --- deviations ---------------------------------------------------------------------------


@router.get("/deviations", response_model=Page[DeviationRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(404, 422))
async def list_deviations(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    board_org_unit_id: BoardQuery = None,
    year: YearQuery = None,
    status: DeviationStatus | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[DeviationRead]:
    """Deviations of the boards in the caller's scope with their actions, in the order they were found."""
    boards = service.boards_to_list(caller, board_org_unit_id)
    rows = await repository.list_deviations(
        session,
        board_org_unit_ids=org_units.unit_filter(board_org_unit_id, include_predecessors),
        year=year,
        status=status.value if status else None,
        boards=boards,
        limit=limit + 1,
        after=keyset(cursor),
    )
    items, next_cursor = created_page(rows, limit, lambda row: row.Deviation)
    deviations = await service.read_deviations(session, items)
    return org_units.with_names(Page[DeviationRead](items=deviations, next_cursor=next_cursor))


@router.get(DEVIATION, response_model=DeviationRead, openapi_extra=FOLLOWUP_READERS, responses=problem_responses(404, 422))
async def get_deviation(
    deviation_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> DeviationRead:
    row = await service.get_deviation(session, caller, deviation_id)
    set_etag(row.Deviation, response)
    deviation = await service.read_deviation(session, row)
    return org_units.with_names(deviation)


@router.post(f"{DEVIATION}/closure", response_model=DeviationRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def close_deviation(
    deviation_id: uuid.UUID, data: DeviationClosure, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> DeviationRead:
    """OPEN → CLOSED with a closing note, once none of its actions is OPEN. Requires If-Match."""
    row = await service.get_deviation(session, caller, deviation_id, write="closing a deviation")
    require_if_match(request, etag(row.Deviation.id, row.Deviation.row_version))
    closed = await service.close_deviation(session, caller, row, data)
    set_etag(closed, response)
    return replica_of(request).with_names(closed)


# --- actions ------------------------------------------------------------------------------


@router.post(
    f"{DEVIATION}/actions",
    response_model=ActionRead,
    status_code=201,
    openapi_extra=WRITERS,
    responses=problem_responses(404, 409, 422),
)
async def add_action(deviation_id: uuid.UUID, data: ActionCreate, session: SessionDep, caller: CallerDep, response: Response) -> ActionRead:
    """Add a remedy to an open deviation."""
    row = await service.get_deviation(session, caller, deviation_id, write="an action on a deviation")
    action = await service.add_action(session, caller, row, data)
    response.headers["Location"] = f"/api/internal-control/v1/actions/{action.id}"
    set_etag(action, response)
    return service.to_action_read(action)


@router.get(ACTION, response_model=ActionRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_action(action_id: uuid.UUID, session: SessionDep, caller: CallerDep, response: Response) -> ActionRead:
    row = await service.get_action(session, caller, action_id)
    set_etag(row.Action, response)
    return service.to_action_read(row.Action)


@router.patch(ACTION, response_model=ActionRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def update_action(
    action_id: uuid.UUID, data: ActionUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ActionRead:
    """Change an action or its status (OPEN, DONE, CANCELLED). Requires If-Match."""
    row = await service.get_action(session, caller, action_id, write="an action on a deviation")
    require_if_match(request, etag(row.Action.id, row.Action.row_version))
    action = await service.update_action(session, caller, row, data)
    set_etag(action, response)
    return service.to_action_read(action)
