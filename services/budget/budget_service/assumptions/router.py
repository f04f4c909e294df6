import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from budget_service.assumptions import repository, service
from budget_service.assumptions.csv_import import REQUEST_BODY, csv_text
from budget_service.assumptions.models import TargetGroup, UnitCost
from budget_service.assumptions.schemas import (
    ImportResult,
    PopulationForecastRead,
    PriceIndexRead,
    Publication,
    TargetGroupCreate,
    TargetGroupRead,
    TargetGroupUpdate,
    TaxForecastRead,
    TaxKind,
    UnitCostRead,
    UnitCostSet,
)
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import Role
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in

router = APIRouter(prefix="", tags=["planning-assumptions"], route_class=PolicyRoute)
API = "/api/budget/v1"
WRITERS = allow(Role.FULLMAKTIGE)
READERS = allow_any_signed_in()
IMPORT = WRITERS | {"requestBody": REQUEST_BODY}
IMPORT_RESPONSES = problem_responses(403, 409, 415, 422)
BudgetYear = Annotated[int, Path(ge=1900, le=2200)]


async def _import(request: Request, session: SessionDep, caller: CallerDep, dataset: service.Dataset) -> ImportResult:
    service.ensure_council(caller, dataset.what)  # refused before the body is read
    text = await csv_text(request, request.app.state.settings.assumptions_import_max_bytes)
    return await service.import_csv(session, caller, dataset, text, request.app.state.settings)


async def _publications(session: SessionDep, dataset: service.Dataset, limit: int, cursor: str | None) -> Page[Publication]:
    items, next_cursor = await service.publications_page(session, dataset, cursor, limit)
    return Page[Publication](items=items, next_cursor=next_cursor)


# --- population forecasts ----------------------------------------------------------------------


@router.get("/population-forecasts", response_model=Page[PopulationForecastRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_population_forecasts(
    session: SessionDep,
    publication_date: dt.date | None = None,
    year: int | None = None,
    age_from: int | None = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[PopulationForecastRead]:
    """Forecast inhabitants per age class and 31 December of a year, by publication."""
    filters = {"publication_date": publication_date, "year": year, "age_from": age_from}
    rows, next_cursor = await service.list_page(session, service.POPULATION, filters, cursor, limit)
    return Page[PopulationForecastRead](items=[PopulationForecastRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/population-forecasts/publications", response_model=Page[Publication], openapi_extra=READERS, responses=problem_responses(422))
async def list_population_publications(session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[Publication]:
    """The stored forecasts, newest publication first."""
    return await _publications(session, service.POPULATION, limit, cursor)


@router.post("/population-forecasts/imports", response_model=ImportResult, openapi_extra=IMPORT, responses=IMPORT_RESPONSES)
async def import_population_forecasts(request: Request, session: SessionDep, caller: CallerDep) -> ImportResult:
    """CSV columns publication_date,source,year,age_from,age_to,count (age_to empty: and older).
    All rows or none; a row with the same publication_date, year and age class replaces the stored count."""
    return await _import(request, session, caller, service.POPULATION)


# --- tax and grant forecasts -------------------------------------------------------------------


@router.get("/tax-forecasts", response_model=Page[TaxForecastRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_tax_forecasts(
    session: SessionDep,
    publication_date: dt.date | None = None,
    year: int | None = None,
    kind: TaxKind | None = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[TaxForecastRead]:
    """Forecast tax revenue, general grants and equalisation per year, by publication."""
    filters = {"publication_date": publication_date, "year": year, "kind": kind.value if kind else None}
    rows, next_cursor = await service.list_page(session, service.TAX, filters, cursor, limit)
    return Page[TaxForecastRead](items=[TaxForecastRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/tax-forecasts/publications", response_model=Page[Publication], openapi_extra=READERS, responses=problem_responses(422))
async def list_tax_publications(session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[Publication]:
    return await _publications(session, service.TAX, limit, cursor)


@router.post("/tax-forecasts/imports", response_model=ImportResult, openapi_extra=IMPORT, responses=IMPORT_RESPONSES)
async def import_tax_forecasts(request: Request, session: SessionDep, caller: CallerDep) -> ImportResult:
    """CSV columns publication_date,source,year,kind,amount (kind TAX, GRANTS or EQUALISATION; amount in kronor)."""
    return await _import(request, session, caller, service.TAX)


# --- price indices -----------------------------------------------------------------------------


@router.get("/price-indices", response_model=Page[PriceIndexRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_price_indices(
    session: SessionDep,
    index_name: str | None = None,
    publication_date: dt.date | None = None,
    year: int | None = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[PriceIndexRead]:
    """Yearly changes of price indices such as SKR's PKV, by publication."""
    filters = {"index_name": index_name, "publication_date": publication_date, "year": year}
    rows, next_cursor = await service.list_page(session, service.PRICE, filters, cursor, limit)
    return Page[PriceIndexRead](items=[PriceIndexRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/price-indices/publications", response_model=Page[Publication], openapi_extra=READERS, responses=problem_responses(422))
async def list_price_index_publications(session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[Publication]:
    return await _publications(session, service.PRICE, limit, cursor)


@router.post("/price-indices/imports", response_model=ImportResult, openapi_extra=IMPORT, responses=IMPORT_RESPONSES)
async def import_price_indices(request: Request, session: SessionDep, caller: CallerDep) -> ImportResult:
    """CSV columns index_name (optional, default PKV),publication_date,year,pct_change,component (optional; empty: the whole index)."""
    return await _import(request, session, caller, service.PRICE)


# --- target groups and unit costs --------------------------------------------------------------

TARGET_GROUPS = "/target-groups"


def _group_response(group: TargetGroup, response: Response) -> TargetGroupRead:
    response.headers["ETag"] = etag(group.id, group.row_version)
    return TargetGroupRead.model_validate(group)


def _cost_response(cost: UnitCost, response: Response) -> UnitCostRead:
    response.headers["ETag"] = etag(cost.id, cost.row_version)
    return UnitCostRead.model_validate(cost)


async def _group_for_update(request: Request, session: SessionDep, caller: CallerDep, target_group_id: uuid.UUID) -> TargetGroup:
    service.ensure_council(caller, "a target group")  # a refusal by scope comes before any precondition
    group = await service.get_target_group(session, target_group_id)
    require_if_match(request, etag(group.id, group.row_version))
    return group


@router.post(
    TARGET_GROUPS, response_model=TargetGroupRead, status_code=status.HTTP_201_CREATED, openapi_extra=WRITERS, responses=problem_responses(403, 409, 422)
)
async def create_target_group(data: TargetGroupCreate, session: SessionDep, caller: CallerDep, response: Response) -> TargetGroupRead:
    """A board's activity and the age class whose size drives it (no ages: the whole population)."""
    group = await service.create_target_group(session, caller, data)
    response.headers["Location"] = f"{API}{TARGET_GROUPS}/{group.id}"
    return _group_response(group, response)


@router.get(TARGET_GROUPS, response_model=Page[TargetGroupRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_target_groups(
    session: SessionDep,
    board_org_unit_id: uuid.UUID | None = None,
    activity: str | None = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[TargetGroupRead]:
    decoded = decode_cursor(cursor)
    after = cursor_values(decoded, board=uuid.UUID, activity=str, id=uuid.UUID) if decoded else None
    rows = await repository.list_target_groups(session, board_org_unit_id=board_org_unit_id, activity=activity, after=after, limit=limit + 1)
    page, next_cursor = page_of(rows, limit, lambda last: {"board": str(last.board_org_unit_id), "activity": last.activity, "id": str(last.id)})
    return Page[TargetGroupRead](items=[TargetGroupRead.model_validate(r) for r in page], next_cursor=next_cursor)


@router.get(f"{TARGET_GROUPS}/{{target_group_id}}", response_model=TargetGroupRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_target_group(target_group_id: uuid.UUID, session: SessionDep, response: Response) -> TargetGroupRead:
    return _group_response(await service.get_target_group(session, target_group_id), response)


@router.patch(
    f"{TARGET_GROUPS}/{{target_group_id}}", response_model=TargetGroupRead, openapi_extra=WRITERS, responses=problem_responses(403, 404, 409, 412, 422, 428)
)
async def update_target_group(
    target_group_id: uuid.UUID, data: TargetGroupUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> TargetGroupRead:
    """Requires If-Match. Model runs already made keep the target group as they used it."""
    group = await _group_for_update(request, session, caller, target_group_id)
    return _group_response(await service.update_target_group(session, caller, group, data), response)


@router.delete(
    f"{TARGET_GROUPS}/{{target_group_id}}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=WRITERS, responses=problem_responses(403, 404, 412, 422, 428)
)
async def delete_target_group(target_group_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Requires If-Match; the group's unit costs go with it."""
    group = await _group_for_update(request, session, caller, target_group_id)
    await service.delete_target_group(session, caller, group)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    f"{TARGET_GROUPS}/{{target_group_id}}/unit-costs", response_model=Page[UnitCostRead], openapi_extra=READERS, responses=problem_responses(404, 422)
)
async def list_unit_costs(
    target_group_id: uuid.UUID, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[UnitCostRead]:
    """The group's unit costs by budget year."""
    await service.get_target_group(session, target_group_id)
    decoded = decode_cursor(cursor)
    after_year = cursor_values(decoded, budget_year=int)[0] if decoded else None
    rows = await repository.list_unit_costs(session, target_group_id, after_year, limit + 1)
    page, next_cursor = page_of(rows, limit, lambda last: {"budget_year": last.budget_year})
    return Page[UnitCostRead](items=[UnitCostRead.model_validate(r) for r in page], next_cursor=next_cursor)


@router.get(
    f"{TARGET_GROUPS}/{{target_group_id}}/unit-costs/{{budget_year}}",
    response_model=UnitCostRead,
    openapi_extra=READERS,
    responses=problem_responses(404, 422),
)
async def get_unit_cost(target_group_id: uuid.UUID, budget_year: BudgetYear, session: SessionDep, response: Response) -> UnitCostRead:
    return _cost_response(await service.get_unit_cost(session, target_group_id, budget_year), response)


@router.put(
    f"{TARGET_GROUPS}/{{target_group_id}}/unit-costs/{{budget_year}}",
    response_model=UnitCostRead,
    openapi_extra=WRITERS,
    responses={201: {"description": "Created"}} | problem_responses(403, 404, 412, 422, 428),
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
    service.ensure_council(caller, "a unit cost")
    group = await service.get_target_group(session, target_group_id)
    existing = await repository.get_unit_cost(session, target_group_id, budget_year)
    if existing is not None:
        require_if_match(request, etag(existing.id, existing.row_version))
    else:
        response.status_code = status.HTTP_201_CREATED
    return _cost_response(await service.set_unit_cost(session, caller, group, budget_year, data, existing), response)

