import datetime as dt
import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from budget_service.allocations import repository, service
from budget_service.allocations.models import ActivityArea, AllocationSet, CostCenter
from budget_service.allocations.schemas import (
    ActivityAreaCreate,
    ActivityAreaRead,
    ActivityAreaUpdate,
    AllocationPut,
    AllocationRead,
    CostCenterCreate,
    CostCenterRead,
    CostCenterUpdate,
    ReallocationCreate,
    ReallocationRead,
    ReallocationReport,
)
from budget_service.units import FOLLOWUP, FOLLOWUP_READERS, look_up
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match, set_etag
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.problems import PreconditionFailed, PreconditionRequired, problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import YearFilter, YearPath

router = APIRouter(prefix="", tags=["allocations"], route_class=PolicyRoute)
READERS = allow_any_signed_in()
STRUCTURE_WRITERS = allow(*service.STRUCTURE_WRITERS)
ALLOCATION_WRITERS = allow(*service.ALLOCATION_WRITERS)
# The follow-up service marks the reallocations it reported at a follow-up.
REALLOCATION_REPORTERS = allow(*service.ALLOCATION_WRITERS, services=FOLLOWUP)
CONDITIONAL = problem_responses(403, 404, 409, 412, 428)
AREAS, COST_CENTERS, REALLOCATIONS = "/activity-areas", "/cost-centers", "/reallocations"
ALLOCATION = "/allocations/{board_org_unit_id}/{year}"


def _created(row: Any, request: Request, response: Response) -> None:
    set_etag(row, response)
    response.headers["Location"] = f"{request.url.path}/{row.id}"


def _by_code(row: Any) -> dict[str, Any]:
    return {"code": row.code, "id": str(row.id)}


# --- activity areas -----------------------------------------------------------------------


@router.get(AREAS, response_model=Page[ActivityAreaRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_activity_areas(
    session: SessionDep,
    org_units: OrgUnitsDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    board_org_unit_id: uuid.UUID | None = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[ActivityAreaRead]:
    """Activity areas (verksamhetsområden), by code."""
    after = decode_cursor(cursor)
    rows = await repository.list_areas(
        session,
        boards=org_units.unit_filter(board_org_unit_id, include_predecessors),
        limit=limit + 1,
        after=cursor_values(after, code=str, id=uuid.UUID) if after else None,
    )
    items, next_cursor = page_of(rows, limit, _by_code)
    return org_units.with_names(Page[ActivityAreaRead](items=[service.to_area_read(a) for a in items], next_cursor=next_cursor))


@router.post(
    AREAS,
    response_model=ActivityAreaRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=STRUCTURE_WRITERS,
    responses=problem_responses(403, 409, 422),
)
async def create_activity_area(
    data: ActivityAreaCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> ActivityAreaRead:
    """Add an activity area to a board; its code is unique within the board."""
    area = await service.create_area(session, caller, org_units, data)
    _created(area, request, response)
    return org_units.with_names(service.to_area_read(area))


@router.get(AREAS + "/{area_id}", response_model=ActivityAreaRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_activity_area(area_id: uuid.UUID, session: SessionDep, org_units: OrgUnitsDep, response: Response) -> ActivityAreaRead:
    area = await service.get_area(session, area_id)
    set_etag(area, response)
    return org_units.with_names(service.to_area_read(area))


async def _area_for_update(request: Request, session: SessionDep, caller: CallerDep, area_id: uuid.UUID) -> ActivityArea:
    area = await service.get_area(session, area_id)
    service.ensure_area_writer(caller, area)  # a refusal by scope comes before any precondition
    require_if_match(request, etag(area.id, area.row_version))
    return area


@router.patch(
    AREAS + "/{area_id}", response_model=ActivityAreaRead, openapi_extra=STRUCTURE_WRITERS, responses=CONDITIONAL | problem_responses(422)
)
async def update_activity_area(
    area_id: uuid.UUID,
    data: ActivityAreaUpdate,
    session: SessionDep,
    org_units: OrgUnitsDep,
    caller: CallerDep,
    request: Request,
    response: Response,
) -> ActivityAreaRead:
    """Rename or recode an area. Requires If-Match."""
    area = await service.update_area(session, caller, await _area_for_update(request, session, caller, area_id), data)
    set_etag(area, response)
    return org_units.with_names(service.to_area_read(area))


@router.delete(
    AREAS + "/{area_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=STRUCTURE_WRITERS,
    responses=CONDITIONAL | problem_responses(422),
)
async def delete_activity_area(area_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Remove an area nothing refers to. Requires If-Match."""
    await service.delete_area(session, caller, await _area_for_update(request, session, caller, area_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- cost centres -------------------------------------------------------------------------


@router.get(COST_CENTERS, response_model=Page[CostCenterRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_cost_centers(
    session: SessionDep,
    org_units: OrgUnitsDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    activity_area_id: uuid.UUID | None = None,
    board_org_unit_id: Annotated[uuid.UUID | None, Query(description="Cost centres of this board's activity areas")] = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[CostCenterRead]:
    """Cost centres (kostnadsställen), by code."""
    after = decode_cursor(cursor)
    rows = await repository.list_cost_centers(
        session,
        activity_area_id=activity_area_id,
        boards=org_units.unit_filter(board_org_unit_id, include_predecessors),
        limit=limit + 1,
        after=cursor_values(after, code=str, id=uuid.UUID) if after else None,
    )
    items, next_cursor = page_of(rows, limit, _by_code)
    return Page[CostCenterRead](items=[service.to_cost_center_read(c) for c in items], next_cursor=next_cursor)


@router.post(
    COST_CENTERS,
    response_model=CostCenterRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=STRUCTURE_WRITERS,
    responses=problem_responses(403, 409, 422),
)
async def create_cost_center(
    data: CostCenterCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> CostCenterRead:
    """Add a cost centre under an activity area; its code is unique in the financial system."""
    await look_up(org_units, [data.org_unit_id])
    cost_center = await service.create_cost_center(session, caller, org_units, data)
    _created(cost_center, request, response)
    return service.to_cost_center_read(cost_center)


@router.get(COST_CENTERS + "/{cost_center_id}", response_model=CostCenterRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_cost_center(cost_center_id: uuid.UUID, session: SessionDep, response: Response) -> CostCenterRead:
    cost_center = await service.get_cost_center(session, cost_center_id)
    set_etag(cost_center, response)
    return service.to_cost_center_read(cost_center)


async def _cost_center_for_update(
    request: Request, session: SessionDep, caller: CallerDep, cost_center_id: uuid.UUID
) -> tuple[CostCenter, ActivityArea]:
    cost_center = await service.get_cost_center(session, cost_center_id)
    area = await service.ensure_cost_center_writer(session, caller, cost_center)
    require_if_match(request, etag(cost_center.id, cost_center.row_version))
    return cost_center, area


@router.patch(
    COST_CENTERS + "/{cost_center_id}",
    response_model=CostCenterRead,
    openapi_extra=STRUCTURE_WRITERS,
    responses=CONDITIONAL | problem_responses(422),
)
async def update_cost_center(
    cost_center_id: uuid.UUID,
    data: CostCenterUpdate,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> CostCenterRead:
    """Change a cost centre; it moves only between areas of its board. Requires If-Match."""
    await look_up(org_units, [data.org_unit_id])
    cost_center, area = await _cost_center_for_update(request, session, caller, cost_center_id)
    cost_center = await service.update_cost_center(session, caller, org_units, cost_center, area, data)
    set_etag(cost_center, response)
    return service.to_cost_center_read(cost_center)


@router.delete(
    COST_CENTERS + "/{cost_center_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=STRUCTURE_WRITERS,
    responses=CONDITIONAL | problem_responses(422),
)
async def delete_cost_center(cost_center_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Remove a cost centre no allocation line refers to. Requires If-Match."""
    cost_center, _ = await _cost_center_for_update(request, session, caller, cost_center_id)
    await service.delete_cost_center(session, caller, cost_center)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- allocation ---------------------------------------------------------------------------


def _allocation_tag(allocation_set: AllocationSet | None, response: Response) -> None:
    if allocation_set is not None:
        set_etag(allocation_set, response)


def _require_allocation_precondition(request: Request, allocation_set: AllocationSet | None) -> None:
    """The first allocation of a board and year is made with `If-None-Match: *`, every later
    replacement with `If-Match` and the ETag last read: two writers never overwrite each other."""
    creating = request.headers.get("if-none-match", "").strip() == "*"
    if allocation_set is not None:
        if creating:
            raise PreconditionFailed("the board already has an allocation for the year; replace it with If-Match and the ETag you read")
        require_if_match(request, etag(allocation_set.id, allocation_set.row_version))
    elif not creating:
        if request.headers.get("if-match") is not None:
            raise PreconditionFailed("the board has no allocation for the year yet; make the first one with If-None-Match: *")
        raise PreconditionRequired("the first allocation of a board and year is made with If-None-Match: *; later ones with If-Match")


@router.get(ALLOCATION, response_model=AllocationRead, openapi_extra=FOLLOWUP_READERS, responses=problem_responses(404, 422))
async def get_allocation(
    board_org_unit_id: uuid.UUID, year: YearPath, session: SessionDep, org_units: OrgUnitsDep, response: Response
) -> AllocationRead:
    """The board's allocation for the year: its lines, the total per area and in all, the operating
    frame of the decided budget in force and what remains of it. The ETag is the allocation's."""
    read, allocation_set = await service.read_allocation(session, board_org_unit_id, year)
    _allocation_tag(allocation_set, response)
    return org_units.with_names(read)


@router.put(ALLOCATION, response_model=AllocationRead, openapi_extra=ALLOCATION_WRITERS, responses=CONDITIONAL | problem_responses(422))
async def put_allocation(
    board_org_unit_id: uuid.UUID,
    year: YearPath,
    data: AllocationPut,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> AllocationRead:
    """Replace the board's whole allocation for the year; the sum never exceeds the operating frame.
    An allocation the council's lowered frame left over it (over_frame) is taken only smaller, each
    replacement reducing the excess, until it fits. The first one is made with `If-None-Match: *`,
    later ones with `If-Match`."""
    precondition = partial(_require_allocation_precondition, request)
    read, allocation_set = await service.replace_allocation(session, caller, org_units, board_org_unit_id, year, data, precondition)
    set_etag(allocation_set, response)
    return org_units.with_names(read)


# --- reallocations ------------------------------------------------------------------------


@router.get(REALLOCATIONS, response_model=Page[ReallocationRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(422))
async def list_reallocations(
    session: SessionDep,
    org_units: OrgUnitsDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    board_org_unit_id: uuid.UUID | None = None,
    include_predecessors: IncludePredecessors = False,
    year: YearFilter = None,
    unreported: Annotated[bool | None, Query(description="true: not yet reported at a follow-up; false: reported")] = None,
) -> Page[ReallocationRead]:
    """Reallocations (ombudgeteringar) in the order they were made."""
    after = decode_cursor(cursor)
    rows = await repository.list_reallocations(
        session,
        boards=org_units.unit_filter(board_org_unit_id, include_predecessors),
        year=year,
        unreported=unreported,
        limit=limit + 1,
        after=cursor_values(after, at=dt.datetime.fromisoformat, id=uuid.UUID) if after else None,
    )
    items, next_cursor = page_of(rows, limit, lambda r: {"at": r.created_at.isoformat(), "id": str(r.id)})
    return org_units.with_names(Page[ReallocationRead](items=[service.to_reallocation_read(r) for r in items], next_cursor=next_cursor))


@router.post(
    REALLOCATIONS,
    response_model=ReallocationRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=ALLOCATION_WRITERS,
    responses=problem_responses(403, 409, 422),
)
async def create_reallocation(
    data: ReallocationCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> ReallocationRead:
    """Move an amount between two of the board's activity areas by a board decision; the total stays,
    so an allocation over its frame (over_frame) is brought within it before it is reallocated."""
    reallocation = await service.create_reallocation(session, caller, org_units, data)
    _created(reallocation, request, response)
    return org_units.with_names(service.to_reallocation_read(reallocation))


@router.get(
    REALLOCATIONS + "/{reallocation_id}",
    response_model=ReallocationRead,
    openapi_extra=FOLLOWUP_READERS,
    responses=problem_responses(404, 422),
)
async def get_reallocation(reallocation_id: uuid.UUID, session: SessionDep, org_units: OrgUnitsDep, response: Response) -> ReallocationRead:
    reallocation = await service.get_reallocation(session, reallocation_id)
    set_etag(reallocation, response)
    return org_units.with_names(service.to_reallocation_read(reallocation))


@router.post(
    REALLOCATIONS + "/{reallocation_id}/report",
    response_model=ReallocationRead,
    openapi_extra=REALLOCATION_REPORTERS,
    responses=CONDITIONAL | problem_responses(422),
)
async def report_reallocation(
    reallocation_id: uuid.UUID,
    data: ReallocationReport,
    session: SessionDep,
    org_units: OrgUnitsDep,
    caller: CallerDep,
    request: Request,
    response: Response,
) -> ReallocationRead:
    """Mark the reallocation reported at a follow-up, once. Requires If-Match."""
    reallocation = await service.get_reallocation(session, reallocation_id)
    service.ensure_reallocation_reporter(caller, reallocation)
    require_if_match(request, etag(reallocation.id, reallocation.row_version))
    reallocation = await service.report_reallocation(session, caller, reallocation, data)
    set_etag(reallocation, response)
    return org_units.with_names(service.to_reallocation_read(reallocation))
