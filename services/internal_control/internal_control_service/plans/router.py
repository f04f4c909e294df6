import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from internal_control_service.plans import service
from internal_control_service.plans.models import CommonControl, ControlActivity, ControlPlan
from internal_control_service.plans.schemas import (
    CommonControlCreate,
    CommonControlRead,
    CommonControlUpdate,
    ControlActivityCreate,
    ControlActivityRead,
    ControlActivityUpdate,
    ControlPlanCreate,
    ControlPlanDetail,
    ControlPlanRead,
    ControlPlanUpdate,
)
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import ALL_ROLES, Role
from styrkedjan_common.lifecycle import Decision, Status, Transition
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.org_units import org_units as replica_of
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import year_query

router = APIRouter(tags=["control-plans"], route_class=PolicyRoute)
EXECUTIVE_BOARD = allow(Role.FULLMAKTIGE)
DRAFTERS = allow(*service.DRAFTERS)
DECIDERS = allow(*service.DECIDERS)
READERS = allow_any_signed_in()
# The follow-up service reads the boards' plans and their activities (its own assertion).
PLAN_READERS = allow(*ALL_ROLES, services=("followup",))
CONDITIONAL = problem_responses(403, 404, 409, 412, 428)
YearQuery = Annotated[int | None, year_query()]


def _with_etag(response: Response, record: CommonControl | ControlPlan | ControlActivity) -> None:
    response.headers["ETag"] = etag(record.id, record.row_version)


def _after(cursor: str | None) -> tuple[int, uuid.UUID] | None:
    decoded = decode_cursor(cursor)
    return cursor_values(decoded, year=int, id=uuid.UUID) if decoded else None


def _by_year(row: CommonControl | ControlPlan) -> dict[str, Any]:
    return {"year": row.year, "id": str(row.id)}


# --- common controls -------------------------------------------------------------------------


async def _common_control_for_write(
    request: Request, session: SessionDep, caller: CallerDep, common_control_id: uuid.UUID
) -> CommonControl:
    service.ensure_executive_board(caller)  # a refusal by role or scope comes before any precondition
    control = await service.get_common_control(session, common_control_id)
    require_if_match(request, etag(control.id, control.row_version))
    return control


@router.get("/common-controls", response_model=Page[CommonControlRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_common_controls(
    session: SessionDep, year: YearQuery = None, limit: LimitQuery = 20, cursor: CursorQuery = None
) -> Page[CommonControlRead]:
    """The executive board's common controls, newest year first."""
    rows = await service.list_common_controls(session, year=year, limit=limit + 1, after=_after(cursor))
    page, next_cursor = page_of(rows, limit, _by_year)
    return Page[CommonControlRead](items=[service.common_control_read(c) for c in page], next_cursor=next_cursor)


@router.get(
    "/common-controls/{common_control_id}", response_model=CommonControlRead, openapi_extra=READERS, responses=problem_responses(404, 422)
)
async def get_common_control(common_control_id: uuid.UUID, session: SessionDep, response: Response) -> CommonControlRead:
    control = await service.get_common_control(session, common_control_id)
    _with_etag(response, control)
    return service.common_control_read(control)


@router.post(
    "/common-controls",
    response_model=CommonControlRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=EXECUTIVE_BOARD,
    responses=problem_responses(403, 409, 422),
)
async def create_common_control(
    data: CommonControlCreate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> CommonControlRead:
    """Impose a control on every board for a year: it is added to each draft control plan of that
    year now, and to each plan started for that year later."""
    control = await service.create_common_control(session, caller, data)
    response.headers["Location"] = request.url_for("get_common_control", common_control_id=control.id).path
    _with_etag(response, control)
    return service.common_control_read(control)


@router.patch(
    "/common-controls/{common_control_id}",
    response_model=CommonControlRead,
    openapi_extra=EXECUTIVE_BOARD,
    responses=CONDITIONAL | problem_responses(422),
)
async def update_common_control(
    common_control_id: uuid.UUID, data: CommonControlUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> CommonControlRead:
    """Reword a common control; draft plans follow, plans past draft keep their wording. Requires If-Match."""
    control = await _common_control_for_write(request, session, caller, common_control_id)
    control = await service.update_common_control(session, caller, control, data)
    _with_etag(response, control)
    return service.common_control_read(control)


@router.delete(
    "/common-controls/{common_control_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=EXECUTIVE_BOARD, responses=CONDITIONAL
)
async def delete_common_control(common_control_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Withdraw a common control: draft plans drop it, plans past draft keep it. Requires If-Match."""
    control = await _common_control_for_write(request, session, caller, common_control_id)
    await service.delete_common_control(session, caller, control)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- control plans ---------------------------------------------------------------------------


async def _plan_response(session: SessionDep, plan: ControlPlan, request: Request, response: Response) -> ControlPlanDetail:
    _with_etag(response, plan)
    detail = await service.plan_detail(session, plan)
    return replica_of(request).with_names(detail)


async def _plan_created(session: SessionDep, plan: ControlPlan, request: Request, response: Response) -> ControlPlanDetail:
    response.headers["Location"] = request.url_for("get_control_plan", plan_id=plan.id).path
    return await _plan_response(session, plan, request, response)


async def _plan_for_write(
    request: Request, session: SessionDep, caller: CallerDep, plan_id: uuid.UUID, step: Transition | None = None
) -> ControlPlan:
    plan = await service.get_readable_plan(session, caller, plan_id)
    service.ensure_writer(caller, plan.board_org_unit_id, step)  # a refusal by scope comes before any precondition
    require_if_match(request, etag(plan.id, plan.row_version))
    return plan


@router.get("/control-plans", response_model=Page[ControlPlanRead], openapi_extra=PLAN_READERS, responses=problem_responses(422))
async def list_control_plans(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    board_org_unit_id: uuid.UUID | None = None,
    year: YearQuery = None,
    status_: Status | None = Query(default=None, alias="status"),
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[ControlPlanRead]:
    """Control plans of the boards in the caller's scope (every board for revisor and the executive
    board), newest year first, without their activities."""
    boards = org_units.unit_filter(board_org_unit_id, include_predecessors)
    rows = await service.list_plans(session, caller, board_ids=boards, year=year, status=status_, limit=limit + 1, after=_after(cursor))
    page, next_cursor = page_of(rows, limit, _by_year)
    items = [service.plan_read(plan) for plan in page]
    return org_units.with_names(Page[ControlPlanRead](items=items, next_cursor=next_cursor))


@router.get("/control-plans/{plan_id}", response_model=ControlPlanDetail, openapi_extra=PLAN_READERS, responses=problem_responses(404, 422))
async def get_control_plan(
    plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ControlPlanDetail:
    """The plan with its control activities, the common controls among them."""
    return await _plan_response(session, await service.get_readable_plan(session, caller, plan_id), request, response)


@router.post(
    "/control-plans",
    response_model=ControlPlanDetail,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=DRAFTERS,
    responses=problem_responses(403, 409, 422),
)
async def create_control_plan(
    data: ControlPlanCreate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ControlPlanDetail:
    """Start a board's draft plan for a year; it carries the year's common controls from the start."""
    return await _plan_created(session, await service.create_plan(session, caller, replica_of(request), data), request, response)


@router.post(
    "/control-plans/{plan_id}/revisions",
    response_model=ControlPlanDetail,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=DRAFTERS,
    responses=problem_responses(403, 404, 409, 422),
)
async def revise_control_plan(
    plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ControlPlanDetail:
    """Start an amendment: a new draft copying the decided plan's activities."""
    source = await service.get_readable_plan(session, caller, plan_id)
    return await _plan_created(session, await service.revise_plan(session, caller, replica_of(request), source), request, response)


@router.patch(
    "/control-plans/{plan_id}", response_model=ControlPlanDetail, openapi_extra=DRAFTERS, responses=CONDITIONAL | problem_responses(422)
)
async def update_control_plan(
    plan_id: uuid.UUID, data: ControlPlanUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ControlPlanDetail:
    """Retitle a draft. Requires If-Match; decided plans are immutable."""
    plan = await _plan_for_write(request, session, caller, plan_id)
    return await _plan_response(session, await service.update_plan(session, caller, plan, data), request, response)


@router.delete("/control-plans/{plan_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=DRAFTERS, responses=CONDITIONAL)
async def delete_control_plan(plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Discard a draft and its activities. Requires If-Match."""
    plan = await _plan_for_write(request, session, caller, plan_id)
    await service.delete_plan(session, caller, plan)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _step(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    plan_id: uuid.UUID,
    step: Transition,
    response: Response,
    decision: Decision | None = None,
) -> ControlPlanDetail:
    plan = await _plan_for_write(request, session, caller, plan_id, step)
    return await _plan_response(session, await service.transition(session, caller, plan, step, decision), request, response)


@router.post("/control-plans/{plan_id}/proposal", response_model=ControlPlanDetail, openapi_extra=DRAFTERS, responses=CONDITIONAL)
async def propose_control_plan(
    plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ControlPlanDetail:
    """DRAFT → PROPOSED, for the board to decide."""
    return await _step(request, session, caller, plan_id, Transition.PROPOSE, response)


@router.post("/control-plans/{plan_id}/return", response_model=ControlPlanDetail, openapi_extra=DRAFTERS, responses=CONDITIONAL)
async def return_control_plan(
    plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ControlPlanDetail:
    """PROPOSED → DRAFT; the draft catches up with the common controls changed meanwhile."""
    return await _step(request, session, caller, plan_id, Transition.RETURN_TO_DRAFT, response)


@router.post(
    "/control-plans/{plan_id}/decision",
    response_model=ControlPlanDetail,
    openapi_extra=DECIDERS,
    responses=CONDITIONAL | problem_responses(422),
)
async def decide_control_plan(
    plan_id: uuid.UUID, decision: Decision, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ControlPlanDetail:
    """PROPOSED → DECIDED by the board; the plan it replaces is archived."""
    return await _step(request, session, caller, plan_id, Transition.DECIDE, response, decision)


@router.post("/control-plans/{plan_id}/archival", response_model=ControlPlanDetail, openapi_extra=DECIDERS, responses=CONDITIONAL)
async def archive_control_plan(
    plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ControlPlanDetail:
    """DECIDED → ARCHIVED without a successor."""
    return await _step(request, session, caller, plan_id, Transition.ARCHIVE, response)


# --- control activities ----------------------------------------------------------------------


async def _activity_for_write(
    request: Request, session: SessionDep, caller: CallerDep, activity_id: uuid.UUID
) -> tuple[ControlActivity, ControlPlan]:
    activity, plan = await service.get_readable_activity(session, caller, activity_id)
    service.ensure_writer(caller, plan.board_org_unit_id)
    require_if_match(request, etag(activity.id, activity.row_version))
    return activity, plan


@router.get(
    "/control-plans/{plan_id}/activities",
    response_model=Page[ControlActivityRead],
    openapi_extra=PLAN_READERS,
    responses=problem_responses(404, 422),
)
async def list_control_activities(
    plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[ControlActivityRead]:
    """The plan's control activities in the order they were added. The plan's read carries the first
    of them and the cursor to continue here."""
    after = service.activity_position(decode_cursor(cursor))
    plan = await service.get_readable_plan(session, caller, plan_id)
    activities, next_cursor = await service.activity_page(session, plan, limit, after)
    return Page[ControlActivityRead](items=activities, next_cursor=next_cursor)


@router.post(
    "/control-plans/{plan_id}/activities",
    response_model=ControlActivityRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=DRAFTERS,
    responses=problem_responses(403, 404, 409, 412, 422),
)
async def create_control_activity(
    plan_id: uuid.UUID, data: ControlActivityCreate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ControlActivityRead:
    """Add a control activity to a draft plan; the plan gets a new ETag."""
    plan = await service.get_readable_plan(session, caller, plan_id)
    activity = await service.create_activity(session, caller, plan, data)
    response.headers["Location"] = request.url_for("get_control_activity", activity_id=activity.id).path
    _with_etag(response, activity)
    return service.activity_read(activity)


@router.get(
    "/control-activities/{activity_id}",
    response_model=ControlActivityRead,
    openapi_extra=PLAN_READERS,
    responses=problem_responses(404, 422),
)
async def get_control_activity(activity_id: uuid.UUID, session: SessionDep, caller: CallerDep, response: Response) -> ControlActivityRead:
    activity, _ = await service.get_readable_activity(session, caller, activity_id)
    _with_etag(response, activity)
    return service.activity_read(activity)


@router.patch(
    "/control-activities/{activity_id}",
    response_model=ControlActivityRead,
    openapi_extra=DRAFTERS,
    responses=CONDITIONAL | problem_responses(422),
)
async def update_control_activity(
    activity_id: uuid.UUID, data: ControlActivityUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ControlActivityRead:
    """Edit an activity of a draft plan; common controls are the executive board's. Requires If-Match."""
    activity, plan = await _activity_for_write(request, session, caller, activity_id)
    activity = await service.update_activity(session, caller, activity, plan, data)
    _with_etag(response, activity)
    return service.activity_read(activity)


@router.delete("/control-activities/{activity_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=DRAFTERS, responses=CONDITIONAL)
async def delete_control_activity(activity_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Remove an activity from a draft plan; common controls are the executive board's. Requires If-Match."""
    activity, plan = await _activity_for_write(request, session, caller, activity_id)
    await service.delete_activity(session, caller, activity, plan)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
