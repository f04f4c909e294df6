import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from goals_service.plans import service
from goals_service.plans.models import Plan
from goals_service.plans.schemas import PlanCreate, PlanDetail, PlanItemsReplace, PlanKind, PlanRead, PlanUpdate
from goals_service.units import BIND_NAMES
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import ALL_ROLES
from styrkedjan_common.lifecycle import Decision, Status, Transition
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow
from styrkedjan_common.years import year_query

router = APIRouter(prefix="/plans", tags=["plans"], route_class=PolicyRoute, dependencies=[BIND_NAMES])
# Each operation declares every role that may take it on some kind of plan; the service then
# checks the role against the plan's own kind and org unit.
DRAFTERS = allow(*service.roles_for_any_kind())
CONDITIONAL = problem_responses(403, 404, 409, 412, 428)
CREATED = problem_responses(403, 404, 409, 422)
# Follow-up reads the plans whose goals and activities it follows up.
READERS = allow(*ALL_ROLES, services=("followup",))


async def _respond(session: SessionDep, plan: Plan, response: Response) -> PlanDetail:
    response.headers["ETag"] = etag(plan.id, plan.row_version)
    return await service.detail(session, plan)


async def _created(session: SessionDep, plan: Plan, request: Request, response: Response) -> PlanDetail:
    response.headers["Location"] = request.url_for("get_plan", plan_id=plan.id).path
    return await _respond(session, plan, response)


async def _for_write(request: Request, session: SessionDep, caller: CallerDep, plan_id: uuid.UUID, step: Transition | None = None) -> Plan:
    plan = await service.get_readable(session, caller, plan_id)
    service.ensure_writer(caller, plan.kind, plan.org_unit_id, step)  # a refusal by scope comes before any precondition
    require_if_match(request, etag(plan.id, plan.row_version))
    return plan


@router.get("", response_model=Page[PlanRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_plans(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    kind: PlanKind | None = None,
    org_unit_id: uuid.UUID | None = None,
    year: Annotated[int | None, year_query()] = None,
    status_: Status | None = Query(default=None, alias="status"),
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[PlanRead]:
    """Plans, newest year first, without their items. Drafts and proposals are listed in scope and for revisor."""
    decoded = decode_cursor(cursor)
    after = cursor_values(decoded, year=int, id=uuid.UUID) if decoded else None
    units = org_units.unit_filter(org_unit_id, include_predecessors)
    rows = await service.list_page(session, caller, kind=kind, org_unit_ids=units, year=year, status=status_, limit=limit + 1, after=after)
    page, next_cursor = page_of(rows, limit, lambda last: {"year": last.year, "id": str(last.id)})
    return Page[PlanRead](items=[service.to_read(plan) for plan in page], next_cursor=next_cursor)


@router.get("/{plan_id}", response_model=PlanDetail, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_plan(plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, response: Response) -> PlanDetail:
    """The plan with its items, each resolved to the goal, quality factor, focus area, activity or indicator it names."""
    return await _respond(session, await service.get_readable(session, caller, plan_id), response)


@router.post(
    "", response_model=PlanDetail, status_code=status.HTTP_201_CREATED, openapi_extra=DRAFTERS, responses=problem_responses(403, 409, 422)
)
async def create_plan(
    data: PlanCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> PlanDetail:
    """Start a draft plan for a kind, org unit and year; once decided it replaces the plan in force. The
    unit is one of the directory valid today and in the year: a board for a board plan, an
    administration or unit for an operational plan."""
    return await _created(session, await service.create(session, caller, data, org_units), request, response)


@router.post(
    "/{plan_id}/revisions", response_model=PlanDetail, status_code=status.HTTP_201_CREATED, openapi_extra=DRAFTERS, responses=CREATED
)
async def revise_plan(plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> PlanDetail:
    """Start an amendment: a new draft copying the decided plan and its items."""
    return await _created(session, await service.new_revision(session, caller, plan_id), request, response)


@router.post(
    "/{plan_id}/next-year", response_model=PlanDetail, status_code=status.HTTP_201_CREATED, openapi_extra=DRAFTERS, responses=CREATED
)
async def copy_plan_to_next_year(
    plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> PlanDetail:
    """Copy from last year: next year's first draft with the title, description, economy and the
    items still valid then (goals running on and not closed, activities not ended, active quality
    factors, focus areas and indicators). Refused while the plan's unit is not in force today and next year."""
    return await _created(session, await service.next_year(session, caller, plan_id, org_units), request, response)


@router.patch("/{plan_id}", response_model=PlanDetail, openapi_extra=DRAFTERS, responses=CONDITIONAL | problem_responses(422))
async def update_plan(
    plan_id: uuid.UUID, data: PlanUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> PlanDetail:
    """Edit a draft's title, description or economy. Requires If-Match; decided plans are immutable."""
    plan = await _for_write(request, session, caller, plan_id)
    return await _respond(session, await service.update(session, caller, plan, data), response)


@router.put("/{plan_id}/items", response_model=PlanDetail, openapi_extra=DRAFTERS, responses=CONDITIONAL | problem_responses(422))
async def replace_plan_items(
    plan_id: uuid.UUID, data: PlanItemsReplace, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> PlanDetail:
    """Replace the draft's whole item list. Requires the plan's If-Match; the plan gets a new ETag."""
    plan = await _for_write(request, session, caller, plan_id)
    return await _respond(session, await service.replace_items(session, caller, plan, data), response)


async def _transition(
    request: Request, session: SessionDep, caller: CallerDep, plan_id: uuid.UUID, step: Transition, decision: Decision | None = None
) -> Plan:
    plan = await _for_write(request, session, caller, plan_id, step)
    return await service.transition(session, caller, plan, step, decision)


@router.post(
    "/{plan_id}/proposal",
    response_model=PlanDetail,
    openapi_extra=allow(*service.roles_for_any_kind(Transition.PROPOSE)),
    responses=CONDITIONAL,
)
async def propose_plan(plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> PlanDetail:
    """DRAFT → PROPOSED."""
    return await _respond(session, await _transition(request, session, caller, plan_id, Transition.PROPOSE), response)


@router.post(
    "/{plan_id}/return",
    response_model=PlanDetail,
    openapi_extra=allow(*service.roles_for_any_kind(Transition.RETURN_TO_DRAFT)),
    responses=CONDITIONAL,
)
async def return_plan(plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> PlanDetail:
    """PROPOSED → DRAFT, to edit it further."""
    return await _respond(session, await _transition(request, session, caller, plan_id, Transition.RETURN_TO_DRAFT), response)


@router.post(
    "/{plan_id}/decision",
    response_model=PlanDetail,
    openapi_extra=allow(*service.roles_for_any_kind(Transition.DECIDE)),
    responses=CONDITIONAL | problem_responses(422),
)
async def decide_plan(
    plan_id: uuid.UUID, decision: Decision, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> PlanDetail:
    """PROPOSED → DECIDED: the board decides its board plan; the administration or unit manager adopts an
    operational plan. The plan it replaces is archived."""
    return await _respond(session, await _transition(request, session, caller, plan_id, Transition.DECIDE, decision), response)


@router.post(
    "/{plan_id}/archival",
    response_model=PlanDetail,
    openapi_extra=allow(*service.roles_for_any_kind(Transition.ARCHIVE)),
    responses=CONDITIONAL,
)
async def archive_plan(plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> PlanDetail:
    """DECIDED → ARCHIVED without a successor."""
    return await _respond(session, await _transition(request, session, caller, plan_id, Transition.ARCHIVE), response)


@router.delete("/{plan_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=DRAFTERS, responses=CONDITIONAL)
async def delete_plan(plan_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Discard a draft and its items."""
    plan = await _for_write(request, session, caller, plan_id)
    await service.delete(session, caller, plan)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
