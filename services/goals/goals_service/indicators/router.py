import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status

from goals_service.indicators import repository, service
from goals_service.indicators.models import Indicator
from goals_service.indicators.schemas import (
    KOLADA_KPI_ID,
    IndicatorCreate,
    IndicatorOutcomePut,
    IndicatorOutcomeRead,
    IndicatorRead,
    IndicatorTargetPut,
    IndicatorTargetRead,
    IndicatorUpdate,
    IndicatorUseCreate,
    IndicatorUseRead,
    IndicatorUseUpdate,
    Source,
)
from goals_service.units import BIND_NAMES
from styrkedjan_common.db import SessionDep
from styrkedjan_common.external_codes import ExternalCodeFilter
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match, set_etag
from styrkedjan_common.identity import ALL_ROLES
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import YearPath

router = APIRouter(prefix="", tags=["indicators"], route_class=PolicyRoute, dependencies=[BIND_NAMES])
READERS = allow_any_signed_in()
# Follow-up reads the uses it follows up, their targets and outcomes, with its own assertion.
USE_READERS = allow(*ALL_ROLES, services=("followup",))
CATALOGUE_WRITERS = allow(*service.CATALOGUE_WRITERS)
USE_WRITERS = allow(*service.USE_WRITERS)
OUTCOME_WRITERS = allow(*service.OUTCOME_WRITERS)
CONDITIONAL = problem_responses(404, 409, 412, 428)
INDICATORS, USES = "/indicators", "/indicator-uses"
USE = USES + "/{use_id}"
Period = Annotated[
    str, Path(max_length=10, description="2027, 2027-T2, 2027-Q3 or 2027-05, as the indicator's frequency says", examples=["2027-T2"])
]


# --- catalogue ----------------------------------------------------------------------------


async def _indicator_for_update(request: Request, session: SessionDep, caller: CallerDep, indicator_id: uuid.UUID) -> Indicator:
    service.ensure_catalogue_writer(caller)
    indicator = await service.get_indicator(session, indicator_id)
    require_if_match(request, etag(indicator.id, indicator.row_version))
    return indicator


@router.get(INDICATORS, response_model=Page[IndicatorRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_indicators(
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    q: Annotated[str | None, Query(min_length=1, max_length=300, description="Part of the name, any case")] = None,
    source: Source | None = None,
    kolada_kpi_id: Annotated[str | None, Query(pattern=KOLADA_KPI_ID)] = None,
    sdg: Annotated[int | None, Query(ge=1, le=17, description="Linked to this Agenda 2030 goal")] = None,
    external_code: ExternalCodeFilter = None,
) -> Page[IndicatorRead]:
    """The indicator catalogue (nyckeltalskatalog), by name."""
    after = decode_cursor(cursor)
    rows = await repository.list_indicators(
        session,
        q=q,
        source=source,
        kolada_kpi_id=kolada_kpi_id,
        sdg=sdg,
        external_code=external_code,
        limit=limit + 1,
        after=cursor_values(after, name=str, id=uuid.UUID) if after else None,
    )
    items, next_cursor = page_of(rows, limit, lambda i: {"name": i.name, "id": str(i.id)})
    return Page[IndicatorRead](items=[service.to_indicator_read(i) for i in items], next_cursor=next_cursor)


@router.get(INDICATORS + "/{indicator_id}", response_model=IndicatorRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_indicator(indicator_id: uuid.UUID, session: SessionDep, response: Response) -> IndicatorRead:
    indicator = await service.get_indicator(session, indicator_id)
    set_etag(indicator, response)
    return service.to_indicator_read(indicator)


@router.post(
    INDICATORS,
    response_model=IndicatorRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=CATALOGUE_WRITERS,
    responses=problem_responses(422),
)
async def create_indicator(
    data: IndicatorCreate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> IndicatorRead:
    """Add a key figure to the catalogue; a Kolada key figure names its Kolada id."""
    indicator = await service.create_indicator(session, caller, data)
    response.headers["Location"] = f"{request.url.path}/{indicator.id}"
    set_etag(indicator, response)
    return service.to_indicator_read(indicator)


@router.patch(
    INDICATORS + "/{indicator_id}",
    response_model=IndicatorRead,
    openapi_extra=CATALOGUE_WRITERS,
    responses=CONDITIONAL | problem_responses(422),
)
async def update_indicator(
    indicator_id: uuid.UUID, data: IndicatorUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> IndicatorRead:
    """Edit a catalogue entry. Requires If-Match. Gender split stays on while values by gender exist."""
    indicator = await _indicator_for_update(request, session, caller, indicator_id)
    indicator = await service.update_indicator(session, caller, indicator, data)
    set_etag(indicator, response)
    return service.to_indicator_read(indicator)


@router.delete(
    INDICATORS + "/{indicator_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=CATALOGUE_WRITERS, responses=CONDITIONAL
)
async def delete_indicator(indicator_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Remove an entry no org unit uses. Requires If-Match."""
    indicator = await _indicator_for_update(request, session, caller, indicator_id)
    await service.delete_indicator(session, caller, indicator)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- uses ---------------------------------------------------------------------------------


async def _use_read(session: SessionDep, request: Request, row: service.UseRow, response: Response) -> IndicatorUseRead:
    set_etag(row[0], response)
    return (await service.views(session, [row], request.app.state.settings))[0]


async def _use_for_update(request: Request, session: SessionDep, caller: CallerDep, use_id: uuid.UUID) -> service.UseRow:
    row = await service.use_for_write(session, caller, use_id, service.USE_WRITERS, "an indicator use")
    require_if_match(request, etag(row[0].id, row[0].row_version))
    return row


@router.get(USES, response_model=Page[IndicatorUseRead], openapi_extra=USE_READERS, responses=problem_responses(422))
async def list_indicator_uses(
    session: SessionDep,
    request: Request,
    org_units: OrgUnitsDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    goal_id: Annotated[uuid.UUID | None, Query(description="Any revision of the goal: the uses of its lineage")] = None,
    quality_factor_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    indicator_id: uuid.UUID | None = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[IndicatorUseRead]:
    """Indicators in use, oldest first, each with its latest outcome against its target."""
    after = decode_cursor(cursor)
    rows = await repository.list_uses(
        session,
        goal_id=goal_id,
        quality_factor_id=quality_factor_id,
        org_unit_ids=org_units.unit_filter(org_unit_id, include_predecessors),
        indicator_id=indicator_id,
        limit=limit + 1,
        after=cursor_values(after, at=dt.datetime.fromisoformat, id=uuid.UUID) if after else None,
    )
    page, next_cursor = page_of(list(rows), limit, lambda r: {"at": r[0].created_at.isoformat(), "id": str(r[0].id)})
    return Page[IndicatorUseRead](items=await service.views(session, page, request.app.state.settings), next_cursor=next_cursor)


@router.get(USE, response_model=IndicatorUseRead, openapi_extra=USE_READERS, responses=problem_responses(404, 422))
async def get_indicator_use(use_id: uuid.UUID, session: SessionDep, request: Request, response: Response) -> IndicatorUseRead:
    return await _use_read(session, request, await service.get_use(session, use_id), response)


@router.post(
    USES,
    response_model=IndicatorUseRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=USE_WRITERS,
    responses=problem_responses(409, 422),
)
async def create_indicator_use(
    data: IndicatorUseCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> IndicatorUseRead:
    """Follow an indicator in an org unit (of the directory, valid today) for one goal (by its lineage) or
    one quality factor; few per goal."""
    use = await service.create_use(session, caller, data, request.app.state.settings, org_units)
    response.headers["Location"] = f"{request.url.path}/{use.id}"
    return await _use_read(session, request, await service.get_use(session, use.id), response)


@router.patch(USE, response_model=IndicatorUseRead, openapi_extra=USE_WRITERS, responses=CONDITIONAL | problem_responses(422))
async def update_indicator_use(
    use_id: uuid.UUID, data: IndicatorUseUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> IndicatorUseRead:
    """Change who follows it up or its thresholds. Requires If-Match."""
    row = await _use_for_update(request, session, caller, use_id)
    await service.update_use(session, caller, row[0], data)
    return await _use_read(session, request, row, response)


@router.delete(USE, status_code=status.HTTP_204_NO_CONTENT, openapi_extra=USE_WRITERS, responses=CONDITIONAL)
async def delete_indicator_use(use_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Stop following an indicator that has no targets or outcomes. Requires If-Match."""
    row = await _use_for_update(request, session, caller, use_id)
    await service.delete_use(session, caller, row[0])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- targets ------------------------------------------------------------------------------


def _require_current(request: Request, existing: Any) -> None:
    """Replacing a stored value needs its ETag; creating one needs none."""
    if existing is not None:
        require_if_match(request, etag(existing.id, existing.row_version))


def _created(response: Response, request: Request, existing: Any, row: Any) -> None:
    set_etag(row, response)
    if existing is None:
        response.status_code = status.HTTP_201_CREATED
        response.headers["Location"] = request.url.path


@router.get(USE + "/targets", response_model=Page[IndicatorTargetRead], openapi_extra=USE_READERS, responses=problem_responses(404, 422))
async def list_indicator_targets(
    use_id: uuid.UUID, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[IndicatorTargetRead]:
    """The use's yearly targets, by year."""
    after = decode_cursor(cursor)
    after_year = cursor_values(after, year=int)[0] if after else None
    await service.get_use(session, use_id)
    rows = await repository.list_targets(session, use_id, limit + 1, after_year)
    items, next_cursor = page_of(rows, limit, lambda t: {"year": t.year})
    return Page[IndicatorTargetRead](items=[service.to_target_read(t) for t in items], next_cursor=next_cursor)


@router.get(USE + "/targets/{year}", response_model=IndicatorTargetRead, openapi_extra=USE_READERS, responses=problem_responses(404, 422))
async def get_indicator_target(use_id: uuid.UUID, year: YearPath, session: SessionDep, response: Response) -> IndicatorTargetRead:
    await service.get_use(session, use_id)
    target = await service.get_target(session, use_id, year)
    set_etag(target, response)
    return service.to_target_read(target)


@router.put(
    USE + "/targets/{year}",
    response_model=IndicatorTargetRead,
    openapi_extra=USE_WRITERS,
    responses={201: {"description": "Created", "model": IndicatorTargetRead}} | CONDITIONAL | problem_responses(422),
)
async def put_indicator_target(
    use_id: uuid.UUID,
    year: YearPath,
    data: IndicatorTargetPut,
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    response: Response,
) -> IndicatorTargetRead:
    """Set the year's target (201), or replace it (200, requires If-Match)."""
    use, indicator = await service.use_for_write(session, caller, use_id, service.USE_WRITERS, "an indicator target")
    existing = await repository.get_target(session, use.id, year)
    _require_current(request, existing)
    target = await service.put_target(session, caller, indicator, use, year, data, existing)
    _created(response, request, existing, target)
    return service.to_target_read(target)


@router.delete(
    USE + "/targets/{year}",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=USE_WRITERS,
    responses=CONDITIONAL | problem_responses(422),
)
async def delete_indicator_target(use_id: uuid.UUID, year: YearPath, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Remove the year's target. Requires If-Match."""
    use, _ = await service.use_for_write(session, caller, use_id, service.USE_WRITERS, "an indicator target")
    target = await service.get_target(session, use.id, year)
    require_if_match(request, etag(target.id, target.row_version))
    await service.delete_value(session, caller, target, service.TARGET, service.to_target_read)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- outcomes -----------------------------------------------------------------------------


@router.get(USE + "/outcomes", response_model=Page[IndicatorOutcomeRead], openapi_extra=USE_READERS, responses=problem_responses(404, 422))
async def list_indicator_outcomes(
    use_id: uuid.UUID, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[IndicatorOutcomeRead]:
    """The use's outcomes, oldest period first."""
    after = decode_cursor(cursor)
    position = cursor_values(after, year=int, index=int, period=str) if after else None
    await service.get_use(session, use_id)
    rows = await repository.list_outcomes(session, use_id, limit + 1, position)
    items, next_cursor = page_of(rows, limit, lambda o: {"year": o.year, "index": o.period_index, "period": o.period})
    return Page[IndicatorOutcomeRead](items=[service.to_outcome_read(o) for o in items], next_cursor=next_cursor)


@router.get(
    USE + "/outcomes/{period}", response_model=IndicatorOutcomeRead, openapi_extra=USE_READERS, responses=problem_responses(404, 422)
)
async def get_indicator_outcome(use_id: uuid.UUID, period: Period, session: SessionDep, response: Response) -> IndicatorOutcomeRead:
    await service.get_use(session, use_id)
    outcome = await service.get_outcome(session, use_id, period)
    set_etag(outcome, response)
    return service.to_outcome_read(outcome)


@router.put(
    USE + "/outcomes/{period}",
    response_model=IndicatorOutcomeRead,
    openapi_extra=OUTCOME_WRITERS,
    responses={201: {"description": "Created", "model": IndicatorOutcomeRead}} | CONDITIONAL | problem_responses(422),
)
async def put_indicator_outcome(
    use_id: uuid.UUID,
    period: Period,
    data: IndicatorOutcomePut,
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    response: Response,
) -> IndicatorOutcomeRead:
    """Record the period's outcome (201), or replace it (200, requires If-Match). The period must
    fit the indicator's frequency. A unit records the outcomes of its own indicators."""
    use, indicator = await service.use_for_write(session, caller, use_id, service.OUTCOME_WRITERS, "an indicator outcome")
    existing = await repository.get_outcome(session, use.id, period)
    _require_current(request, existing)
    outcome = await service.put_outcome(session, caller, indicator, use, period, data, existing)
    _created(response, request, existing, outcome)
    return service.to_outcome_read(outcome)


@router.delete(
    USE + "/outcomes/{period}",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=OUTCOME_WRITERS,
    responses=CONDITIONAL | problem_responses(422),
)
async def delete_indicator_outcome(use_id: uuid.UUID, period: Period, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Remove the period's outcome. Requires If-Match."""
    use, _ = await service.use_for_write(session, caller, use_id, service.OUTCOME_WRITERS, "an indicator outcome")
    outcome = await service.get_outcome(session, use.id, period)
    require_if_match(request, etag(outcome.id, outcome.row_version))
    await service.delete_value(session, caller, outcome, service.OUTCOME, service.to_outcome_read)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
