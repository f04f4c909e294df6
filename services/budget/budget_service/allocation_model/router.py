import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Request, Response, status

from budget_service.allocation_model import repository, service
from budget_service.allocation_model.models import TargetGroup, UnitCost
from budget_service.allocation_model.schemas import (
    ModelRunCreate,
    ModelRunRead,
    ModelRunSummary,
    TargetGroupCreate,
    TargetGroupRead,
    TargetGroupUpdate,
    UnitCostRead,
    UnitCostSet,
)
from budget_service.assumptions import service as assumptions_service
from budget_service.assumptions.schemas import FIRST_YEAR, LAST_YEAR, YearFilter
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import year_path

router = APIRouter(prefix="/model-runs", tags=["allocation-model"], route_class=PolicyRoute)
# Target groups and unit costs were published under the planning assumptions' tag, which is part
# of their operation ids: they keep it, so no client's generated code changes.
target_groups_router = APIRouter(prefix="", tags=["planning-assumptions"], route_class=PolicyRoute)
API = "/api/budget/v1"
WRITERS = allow(Role.FULLMAKTIGE)
READERS = allow_any_signed_in()
BudgetYear = Annotated[int, year_path(first=FIRST_YEAR, last=LAST_YEAR)]


# --- target groups and unit costs --------------------------------------------------------------

TARGET_GROUPS = "/target-groups"


def _group_response(group: TargetGroup, response: Response) -> TargetGroupRead:
    response.headers["ETag"] = etag(group.id, group.row_version)
    return TargetGroupRead.model_validate(group)


def _cost_response(cost: UnitCost, response: Response) -> UnitCostRead:
    response.headers["ETag"] = etag(cost.id, cost.row_version)
    return UnitCostRead.model_validate(cost)


async def _group_for_update(request: Request, session: SessionDep, caller: CallerDep, target_group_id: uuid.UUID) -> TargetGroup:
    assumptions_service.ensure_council(caller, "a target group")  # a refusal by scope comes before any precondition
    group = await service.get_target_group(session, target_group_id)
    require_if_match(request, etag(group.id, group.row_version))
    return group


@target_groups_router.post(
    TARGET_GROUPS,
    response_model=TargetGroupRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=WRITERS,
    responses=problem_responses(403, 409, 422),
)
async def create_target_group(
    data: TargetGroupCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> TargetGroupRead:
    """A board's activity and the age class whose size drives it (no ages: the whole population)."""
    group = await service.create_target_group(session, caller, org_units, data)
    response.headers["Location"] = f"{API}{TARGET_GROUPS}/{group.id}"
    return _group_response(group, response)


@target_groups_router.get(TARGET_GROUPS, response_model=Page[TargetGroupRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_target_groups(
    session: SessionDep,
    org_units: OrgUnitsDep,
    board_org_unit_id: uuid.UUID | None = None,
    include_predecessors: IncludePredecessors = False,
    activity: str | None = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[TargetGroupRead]:
    decoded = decode_cursor(cursor)
    after = cursor_values(decoded, board=uuid.UUID, activity=str, id=uuid.UUID) if decoded else None
    rows = await repository.list_target_groups(
        session, boards=org_units.unit_filter(board_org_unit_id, include_predecessors), activity=activity, after=after, limit=limit + 1
    )
    page, next_cursor = page_of(
        rows, limit, lambda last: {"board": str(last.board_org_unit_id), "activity": last.activity, "id": str(last.id)}
    )
    return Page[TargetGroupRead](items=[TargetGroupRead.model_validate(r) for r in page], next_cursor=next_cursor)


@target_groups_router.get(
    f"{TARGET_GROUPS}/{{target_group_id}}", response_model=TargetGroupRead, openapi_extra=READERS, responses=problem_responses(404, 422)
)
async def get_target_group(target_group_id: uuid.UUID, session: SessionDep, response: Response) -> TargetGroupRead:
    return _group_response(await service.get_target_group(session, target_group_id), response)


@target_groups_router.patch(
    f"{TARGET_GROUPS}/{{target_group_id}}",
    response_model=TargetGroupRead,
    openapi_extra=WRITERS,
    responses=problem_responses(403, 404, 409, 412, 422, 428),
)
async def update_target_group(
    target_group_id: uuid.UUID, data: TargetGroupUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> TargetGroupRead:
    """Requires If-Match. Model runs already made keep the target group as they used it."""
    group = await _group_for_update(request, session, caller, target_group_id)
    return _group_response(await service.update_target_group(session, caller, group, data), response)


@target_groups_router.delete(
    f"{TARGET_GROUPS}/{{target_group_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=WRITERS,
    responses=problem_responses(403, 404, 412, 422, 428),
)
async def delete_target_group(target_group_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Requires If-Match; the group's unit costs go with it."""
    group = await _group_for_update(request, session, caller, target_group_id)
    await service.delete_target_group(session, caller, group)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@target_groups_router.get(
    f"{TARGET_GROUPS}/{{target_group_id}}/unit-costs",
    response_model=Page[UnitCostRead],
    openapi_extra=READERS,
    responses=problem_responses(404, 422),
)
async def list_unit_costs(
    target_group_id: uuid.UUID, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[UnitCostRead]:
    """The group's unit costs by budget year."""
    decoded = decode_cursor(cursor)
    after_year = cursor_values(decoded, budget_year=int)[0] if decoded else None
    await service.get_target_group(session, target_group_id)
    rows = await repository.list_unit_costs(session, target_group_id, after_year, limit + 1)
    page, next_cursor = page_of(rows, limit, lambda last: {"budget_year": last.budget_year})
    return Page[UnitCostRead](items=[UnitCostRead.model_validate(r) for r in page], next_cursor=next_cursor)


@target_groups_router.get(
    f"{TARGET_GROUPS}/{{target_group_id}}/unit-costs/{{budget_year}}",
    response_model=UnitCostRead,
    openapi_extra=READERS,
    responses=problem_responses(404, 422),
)
async def get_unit_cost(target_group_id: uuid.UUID, budget_year: BudgetYear, session: SessionDep, response: Response) -> UnitCostRead:
    return _cost_response(await service.get_unit_cost(session, target_group_id, budget_year), response)


@target_groups_router.put(
    f"{TARGET_GROUPS}/{{target_group_id}}/unit-costs/{{budget_year}}",
    response_model=UnitCostRead,
    openapi_extra=WRITERS,
    responses={201: {"description": "Created"}, **problem_responses(403, 404, 412, 422, 428)},
)
async def set_unit_cost(
    target_group_id: uuid.UUID,
    budget_year: BudgetYear,
    data: UnitCostSet,
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    response: Response,
) -> UnitCostRead:
    """Set the cost per inhabitant (kronor) and coverage for a budget year: 201 when new; replacing
    a stored one requires If-Match with its ETag."""
    assumptions_service.ensure_council(caller, "a unit cost")
    group = await service.get_target_group(session, target_group_id)
    existing = await repository.get_unit_cost(session, target_group_id, budget_year)
    if existing is not None:
        require_if_match(request, etag(existing.id, existing.row_version))
    else:
        response.status_code = status.HTTP_201_CREATED
    return _cost_response(await service.set_unit_cost(session, caller, group, budget_year, data, existing), response)


# --- model runs --------------------------------------------------------------------------------


@router.post(
    "",
    response_model=ModelRunRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=allow(Role.FULLMAKTIGE),
    responses=problem_responses(403, 409, 422),
)
async def create_model_run(
    data: ModelRunCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> ModelRunRead:
    """Compute each board's frame proposal: its base frame, demographic compensation per target group,
    price and agreement compensation from the price index, wage compensation and the efficiency
    requirement. The run is stored as computed, with every input of every component; a missing
    input is a 422 naming it."""
    run = org_units.with_names(await service.create(session, caller, org_units, data))
    response.headers["Location"] = f"/api/budget/v1/model-runs/{run.id}"
    return run


@router.get("", response_model=Page[ModelRunSummary], openapi_extra=allow_any_signed_in(), responses=problem_responses(422))
async def list_model_runs(
    session: SessionDep, budget_year: YearFilter = None, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[ModelRunSummary]:
    """Runs newest first, without their components."""
    decoded = decode_cursor(cursor)
    before = cursor_values(decoded, at=dt.datetime.fromisoformat, id=uuid.UUID) if decoded else None
    rows = await repository.list_page(session, budget_year, before, limit + 1)
    page, next_cursor = page_of(rows, limit, lambda last: {"at": last.created_at.isoformat(), "id": str(last.id)})
    return Page[ModelRunSummary](items=[service.to_summary(r) for r in page], next_cursor=next_cursor)


@router.get("/{model_run_id}", response_model=ModelRunRead, openapi_extra=allow_any_signed_in(), responses=problem_responses(404, 422))
async def get_model_run(model_run_id: uuid.UUID, session: SessionDep, org_units: OrgUnitsDep) -> ModelRunRead:
    """The run with each board's proposal and its components."""
    return org_units.with_names(await service.read(session, model_run_id))
