import uuid
from typing import Annotated

from fastapi import APIRouter, Request, Response, status

from goals_service.periods import repository, service
from goals_service.periods.models import MandatePeriod
from goals_service.periods.schemas import MandatePeriodCreate, MandatePeriodRead, MandatePeriodUpdate
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import Role
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import year_query

router = APIRouter(prefix="/mandate-periods", tags=["periods"], route_class=PolicyRoute)
WRITERS = allow(Role.FULLMAKTIGE)
CONDITIONAL = problem_responses(404, 409, 412, 428)


def _respond(period: MandatePeriod, response: Response) -> MandatePeriodRead:
    response.headers["ETag"] = etag(period.id, period.row_version)
    return service.to_read(period)


async def _for_update(request: Request, session: SessionDep, caller: CallerDep, period_id: uuid.UUID) -> MandatePeriod:
    service.ensure_writer(caller)  # a refusal by scope comes before any precondition
    period = await service.get(session, period_id)
    require_if_match(request, etag(period.id, period.row_version))
    return period


@router.get("", response_model=Page[MandatePeriodRead], openapi_extra=allow_any_signed_in(), responses=problem_responses(422))
async def list_mandate_periods(
    session: SessionDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    year: Annotated[int | None, year_query("Only the period containing this year")] = None,
) -> Page[MandatePeriodRead]:
    """Mandate periods, earliest first."""
    after = decode_cursor(cursor)
    after_start_year = cursor_values(after, start_year=int)[0] if after else None
    rows = await repository.list_page(session, limit + 1, after_start_year, year)
    page, next_cursor = page_of(rows, limit, lambda last: {"start_year": last.start_year})
    return Page[MandatePeriodRead](items=[service.to_read(p) for p in page], next_cursor=next_cursor)


@router.get("/{period_id}", response_model=MandatePeriodRead, openapi_extra=allow_any_signed_in(), responses=problem_responses(404, 422))
async def get_mandate_period(period_id: uuid.UUID, session: SessionDep, response: Response) -> MandatePeriodRead:
    return _respond(await service.get(session, period_id), response)


@router.post(
    "", response_model=MandatePeriodRead, status_code=status.HTTP_201_CREATED, openapi_extra=WRITERS, responses=problem_responses(409, 422)
)
async def create_mandate_period(
    data: MandatePeriodCreate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> MandatePeriodRead:
    """A new term; periods never overlap."""
    period = await service.create(session, caller, data, request.app.state.settings)
    response.headers["Location"] = f"{request.url.path}/{period.id}"
    return _respond(period, response)


@router.patch("/{period_id}", response_model=MandatePeriodRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def update_mandate_period(
    period_id: uuid.UUID, data: MandatePeriodUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> MandatePeriodRead:
    """Change years or name. Requires If-Match; the period keeps holding the years of its goals."""
    period = await _for_update(request, session, caller, period_id)
    return _respond(await service.update(session, caller, period, data, request.app.state.settings), response)


@router.delete("/{period_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=WRITERS, responses=CONDITIONAL)
async def delete_mandate_period(period_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Remove a period no goal belongs to. Requires If-Match."""
    period = await _for_update(request, session, caller, period_id)
    await service.delete(session, caller, period)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
