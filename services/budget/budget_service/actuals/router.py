import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response, status

from budget_service.actuals import repository, service
from budget_service.actuals.csv_import import COLUMNS
from budget_service.actuals.models import ActualsImport, Forecast
from budget_service.actuals.schemas import (
    Account,
    ActualCreate,
    ActualRead,
    ActualsImportRead,
    CostCenterCode,
    ForecastPut,
    ForecastRead,
    LevelQuery,
    Month,
    SummaryLevel,
    SummaryRead,
)
from budget_service.units import FOLLOWUP_READERS, require_board
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.problems import ProblemError, problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import Year, year_path

router = APIRouter(prefix="", tags=["actuals"], route_class=PolicyRoute)
API = "/api/budget/v1"
READERS = allow_any_signed_in()
ACTUALS_WRITERS = allow(*service.ACTUALS_WRITERS)
FORECAST_WRITERS = allow(*service.FORECAST_WRITERS)
IMPORTS = "/actuals/imports"
FORECAST = "/forecasts/{board_org_unit_id}/{year}/{occasion}"
YearPath = Annotated[int, year_path()]
CSV_MEDIA_TYPE = "text/csv"
CSV_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            f"A CSV file (UTF-8 or Windows-1252) whose header names the columns {', '.join(COLUMNS)}, in any order; "
            "amounts in kronor like -1250.50"
        ),
        "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}, "example": f"{','.join(COLUMNS)}\n2027,3,1310,4010,125000.00\n"}},
    }
}
IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The same content was delivered before: its import, nothing changed"}
}


def _delivered(delivery: ActualsImport, created: bool, response: Response) -> ActualsImportRead:
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    if created:
        response.headers["Location"] = f"{API}{IMPORTS}/{delivery.id}"
    return service.to_import_read(delivery)


def _forecast_read(forecast: Forecast, response: Response) -> ForecastRead:
    response.headers["ETag"] = etag(forecast.id, forecast.row_version)
    return service.to_forecast_read(forecast)


# --- actuals ------------------------------------------------------------------------------


@router.post(
    IMPORTS,
    response_model=ActualsImportRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=ACTUALS_WRITERS | CSV_BODY,
    responses=IMPORT_RESPONSES | problem_responses(409, 413, 415, 422),
)
async def import_actuals(request: Request, session: SessionDep, caller: CallerDep, response: Response) -> ActualsImportRead:
    """Import a CSV file of booked amounts (a year of a municipality fits): all or nothing, every
    bad line listed; the same file again changes nothing (200 with the earlier import); keys
    already stored get the delivered amount. Requires the whole municipality in scope."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != CSV_MEDIA_TYPE:
        raise ProblemError(
            f"a file of actuals is sent as {CSV_MEDIA_TYPE}, not {media_type or 'without a content type'}",
            status=415,
            slug="unsupported-media-type",
        )
    delivery, created = await service.import_csv(session, caller, request.stream(), request.app.state.settings)
    return _delivered(delivery, created, response)


@router.get(IMPORTS, response_model=Page[ActualsImportRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_actuals_imports(session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[ActualsImportRead]:
    """Deliveries of actuals, newest first."""
    after = decode_cursor(cursor)
    before = cursor_values(after, at=dt.datetime.fromisoformat, id=uuid.UUID) if after else None
    rows = await repository.list_imports(session, limit + 1, before)
    page, next_cursor = page_of(rows, limit, lambda last: {"at": last.imported_at.isoformat(), "id": str(last.id)})
    return Page[ActualsImportRead](items=[service.to_import_read(r) for r in page], next_cursor=next_cursor)


@router.get(IMPORTS + "/{import_id}", response_model=ActualsImportRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_actuals_import(import_id: uuid.UUID, session: SessionDep) -> ActualsImportRead:
    return service.to_import_read(await service.get_import(session, import_id))


@router.post(
    "/actuals",
    response_model=ActualsImportRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=ACTUALS_WRITERS,
    responses=IMPORT_RESPONSES | problem_responses(409, 422),
)
async def deliver_actuals(
    rows: Annotated[list[ActualCreate], Body(min_length=1, max_length=service.MAX_JSON_ROWS)],
    session: SessionDep,
    caller: CallerDep,
    response: Response,
) -> ActualsImportRead:
    """A small delivery of booked amounts as JSON, under the same rules as a file; an
    administration delivers for the cost centres of its scope."""
    delivery, created = await service.import_rows(session, caller, rows)
    return _delivered(delivery, created, response)


@router.get("/actuals", response_model=Page[ActualRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(422))
async def list_actuals(
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    year: Annotated[Year | None, Query()] = None,
    month: Annotated[Month | None, Query()] = None,
    cost_center_code: Annotated[CostCenterCode | None, Query()] = None,
    account: Annotated[Account | None, Query()] = None,
) -> Page[ActualRead]:
    """Booked amounts by year, month, cost centre and account."""
    after = decode_cursor(cursor)
    position = cursor_values(after, year=int, month=int, cost_center_code=str, account=str) if after else None
    rows = await repository.list_actuals(
        session, year=year, month=month, cost_center_code=cost_center_code, account=account, limit=limit + 1, after=position
    )
    page, next_cursor = page_of(
        rows,
        limit,
        lambda last: {"year": last.year, "month": last.month, "cost_center_code": last.cost_center_code, "account": last.account},
    )
    return Page[ActualRead](items=[ActualRead.model_validate(r) for r in page], next_cursor=next_cursor)


# --- forecasts ----------------------------------------------------------------------------


@router.get("/forecasts", response_model=Page[ForecastRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(422))
async def list_forecasts(
    session: SessionDep,
    org_units: OrgUnitsDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    year: Annotated[Year | None, Query()] = None,
    board_org_unit_id: uuid.UUID | None = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[ForecastRead]:
    """The boards' full-year forecasts, by year, board and follow-up."""
    after = decode_cursor(cursor)
    position = cursor_values(after, year=int, board=uuid.UUID, occasion=str) if after else None
    rows = await repository.list_forecasts(
        session, year=year, boards=org_units.unit_filter(board_org_unit_id, include_predecessors), limit=limit + 1, after=position
    )
    page, next_cursor = page_of(
        rows, limit, lambda last: {"year": last.year, "board": str(last.board_org_unit_id), "occasion": last.occasion}
    )
    return org_units.with_names(Page[ForecastRead](items=[service.to_forecast_read(r) for r in page], next_cursor=next_cursor))


@router.get(FORECAST, response_model=ForecastRead, openapi_extra=FOLLOWUP_READERS, responses=problem_responses(404, 422))
async def get_forecast(
    board_org_unit_id: uuid.UUID,
    year: YearPath,
    occasion: FollowupOccasion,
    session: SessionDep,
    org_units: OrgUnitsDep,
    response: Response,
) -> ForecastRead:
    return org_units.with_names(_forecast_read(await service.get_forecast(session, board_org_unit_id, year, occasion), response))


@router.put(
    FORECAST,
    response_model=ForecastRead,
    openapi_extra=FORECAST_WRITERS,
    responses={201: {"description": "Created", "model": ForecastRead}, **problem_responses(412, 422, 428)},
)
async def put_forecast(
    board_org_unit_id: uuid.UUID,
    year: YearPath,
    occasion: FollowupOccasion,
    data: ForecastPut,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> ForecastRead:
    """Set the board's full-year net cost forecast at a follow-up (201), or replace it (200, requires
    If-Match): FORECAST (period end 30 April), INTERIM (31 August), or ANNUAL (31 December), where it
    is the outcome of the year's closed books."""
    service.ensure_forecast_writer(caller, board_org_unit_id)  # a refusal by scope comes before any precondition
    await require_board(org_units, board_org_unit_id, "#/path/board_org_unit_id", year)
    existing = await repository.get_forecast(session, board_org_unit_id, year, occasion.value)
    if existing is not None:
        require_if_match(request, etag(existing.id, existing.row_version))
    forecast = await service.put_forecast(session, caller, board_org_unit_id, year, occasion, data, existing)
    if existing is None:
        response.status_code = status.HTTP_201_CREATED
        response.headers["Location"] = request.url.path
    return org_units.with_names(_forecast_read(forecast, response))


# --- summary ------------------------------------------------------------------------------


@router.get("/summaries/{year}", response_model=SummaryRead, openapi_extra=FOLLOWUP_READERS, responses=problem_responses(422))
async def get_summary(
    year: YearPath,
    session: SessionDep,
    org_units: OrgUnitsDep,
    level: Annotated[LevelQuery, Query(description="MUNICIPALITY, BOARD or ADMINISTRATION (any case)")] = SummaryLevel.BOARD,
    through_month: Annotated[
        Month | None, Query(description="Count booked amounts up to this month (e.g. 4 at the FORECAST follow-up)")
    ] = None,
) -> SummaryRead:
    """Budget (the operating frame of the decided budget in force) against actuals to date and the
    latest full-year forecast, per board or per administration, with the municipality's totals. The
    totals are over every board in the summary, a board that has not reported counting at its budget,
    with the number of boards that reported beside them; a board whose allocation lies over a frame
    the council lowered is flagged over_frame."""
    return org_units.with_names(await service.summary(session, year, level, through_month))
