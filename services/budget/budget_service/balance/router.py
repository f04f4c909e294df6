import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.status import HTTP_201_CREATED

from budget_service.balance import repository, service
from budget_service.balance.models import RestorationObligation
from budget_service.balance.policy import ResultReservePolicy
from budget_service.balance.schemas import (
    BalanceStatementPut,
    BalanceStatementRead,
    ObligationStatus,
    RestorationObligationRead,
    RestorationObligationUpdate,
    ResultReservePolicyRead,
    Waiver,
)
from budget_service.units import FOLLOWUP_READERS
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match, set_etag
from styrkedjan_common.lifecycle import Decision
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import year_path, year_query

router = APIRouter(prefix="", tags=["balance-requirement"], route_class=PolicyRoute)
READERS = allow_any_signed_in()
WRITERS = allow(*service.WRITERS)
CONDITIONAL = problem_responses(404, 409, 412, 428)
STATEMENTS, OBLIGATIONS = "/balance-statements", "/restoration-obligations"
STATEMENT, OBLIGATION = STATEMENTS + "/{year}", OBLIGATIONS + "/{obligation_id}"
Year = Annotated[int, year_path()]


def _policy(request: Request) -> ResultReservePolicy:
    return ResultReservePolicy.from_settings(request.app.state.settings)


@router.get("/result-reserve-policy", response_model=ResultReservePolicyRead, openapi_extra=READERS, responses=problem_responses(422))
async def get_result_reserve_policy(
    request: Request,
    year: Annotated[int | None, year_query("The year whose label to show; this year when left out")] = None,
) -> ResultReservePolicyRead:
    """The result reserve policy in force: its label for the year (the law renamed it in 2024) and thresholds."""
    return service.read_policy(_policy(request), year or service.current_year())


# --- statements ---------------------------------------------------------------------------


@router.get(STATEMENTS, response_model=Page[BalanceStatementRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(422))
async def list_balance_statements(
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    locked: Annotated[bool | None, Query(description="Only adopted (true) or unadopted (false) statements")] = None,
) -> Page[BalanceStatementRead]:
    """Balance statements, newest year first. Unadopted ones are listed for callers with the whole municipality in scope and for revisor."""
    after = decode_cursor(cursor)
    before_year = cursor_values(after, year=int)[0] if after else None
    rows = await service.list_statements(session, caller, locked, limit + 1, before_year)
    page, next_cursor = page_of(rows, limit, lambda last: {"year": last.year})
    items = await service.statement_reads(session, page, _policy(request))
    return Page[BalanceStatementRead](items=items, next_cursor=next_cursor)


@router.get(STATEMENT, response_model=BalanceStatementRead, openapi_extra=FOLLOWUP_READERS, responses=problem_responses(404, 422))
async def get_balance_statement(
    year: Year, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> BalanceStatementRead:
    """The year's balanskravsutredning with every step computed and named."""
    statement = await service.get_statement(session, caller, year)
    set_etag(statement, response)
    return await service.statement_read(session, statement, _policy(request))


@router.put(
    STATEMENT,
    response_model=BalanceStatementRead,
    openapi_extra=WRITERS,
    responses={201: {"description": "Created", "model": BalanceStatementRead}} | CONDITIONAL | problem_responses(422),
)
async def put_balance_statement(
    year: Year, data: BalanceStatementPut, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> BalanceStatementRead:
    """Enter the year's figures (201), or replace them (200, requires If-Match) until the council adopts the statement."""
    service.ensure_writer(caller)  # a refusal by scope comes before any precondition
    existing = await repository.get_statement(session, year)
    if existing is not None:
        require_if_match(request, etag(existing.id, existing.row_version))
    policy = _policy(request)
    statement = await service.put_statement(session, caller, year, data, existing, policy)
    set_etag(statement, response)
    if existing is None:
        response.status_code = HTTP_201_CREATED
        response.headers["Location"] = request.url.path
    return await service.statement_read(session, statement, policy)


@router.post(
    STATEMENT + "/adoption", response_model=BalanceStatementRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422)
)
async def adopt_balance_statement(
    year: Year, decision: Decision, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> BalanceStatementRead:
    """The council adopts the statement (requires If-Match): it is locked; a negative balance result
    becomes a restoration obligation, a positive one restores older obligations, oldest first."""
    service.ensure_writer(caller)
    statement = await service.get_statement(session, caller, year)
    require_if_match(request, etag(statement.id, statement.row_version))
    policy = _policy(request)
    statement = await service.adopt(session, caller, statement, decision, policy)
    set_etag(statement, response)
    return await service.statement_read(session, statement, policy)


# --- restoration obligations --------------------------------------------------------------


async def _obligation_for_update(
    request: Request, session: SessionDep, caller: CallerDep, obligation_id: uuid.UUID
) -> RestorationObligation:
    service.ensure_writer(caller)
    obligation = await service.get_obligation(session, obligation_id)
    require_if_match(request, etag(obligation.id, obligation.row_version))
    return obligation


@router.get(OBLIGATIONS, response_model=Page[RestorationObligationRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_restoration_obligations(
    session: SessionDep, limit: LimitQuery = 20, cursor: CursorQuery = None, status: ObligationStatus | None = None
) -> Page[RestorationObligationRead]:
    """Deficits to restore (and restored or waived), oldest first."""
    after = decode_cursor(cursor)
    after_year = cursor_values(after, origin_year=int)[0] if after else None
    rows = await repository.list_obligations(session, status=status, limit=limit + 1, after_origin_year=after_year)
    page, next_cursor = page_of(rows, limit, lambda last: {"origin_year": last.origin_year})
    return Page[RestorationObligationRead](items=[service.to_obligation_read(o) for o in page], next_cursor=next_cursor)


@router.get(OBLIGATION, response_model=RestorationObligationRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_restoration_obligation(obligation_id: uuid.UUID, session: SessionDep, response: Response) -> RestorationObligationRead:
    obligation = await service.get_obligation(session, obligation_id)
    set_etag(obligation, response)
    return service.to_obligation_read(obligation)


@router.patch(OBLIGATION, response_model=RestorationObligationRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def update_restoration_obligation(
    obligation_id: uuid.UUID,
    data: RestorationObligationUpdate,
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    response: Response,
) -> RestorationObligationRead:
    """Record or clear the action plan (åtgärdsplan). Requires If-Match."""
    obligation = await _obligation_for_update(request, session, caller, obligation_id)
    obligation = await service.update_obligation(session, caller, obligation, data)
    set_etag(obligation, response)
    return service.to_obligation_read(obligation)


@router.post(
    OBLIGATION + "/waiver", response_model=RestorationObligationRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422)
)
async def waive_restoration_obligation(
    obligation_id: uuid.UUID, waiver: Waiver, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> RestorationObligationRead:
    """The council decides, for exceptional reasons (synnerliga skäl), that an open deficit is not restored. Requires If-Match."""
    obligation = await _obligation_for_update(request, session, caller, obligation_id)
    obligation = await service.waive(session, caller, obligation, waiver)
    set_etag(obligation, response)
    return service.to_obligation_read(obligation)
