import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from budget_service.budgets import repository, service
from budget_service.budgets.models import Budget, BudgetStep, Frame
from budget_service.budgets.schemas import (
    BudgetCreate,
    BudgetDetail,
    BudgetRead,
    BudgetUpdate,
    EarmarkedFundsReplace,
    FrameRead,
    FramesReplace,
    LinesReplace,
    StepKind,
    StepRead,
    StepUpdate,
)
from budget_service.units import FOLLOWUP_READERS, look_up
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.lifecycle import Decision, Status, Transition
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import year_query

router = APIRouter(prefix="/budgets", tags=["budgets"], route_class=PolicyRoute)
# The frames in force, for every area that checks against a frame (allocations within it).
frames_router = APIRouter(prefix="/frames", tags=["budgets"], route_class=PolicyRoute)
WRITERS = allow(*service.WRITERS)
READERS = allow_any_signed_in()
CONDITIONAL = problem_responses(403, 404, 409, 412, 428)
YearQuery = Annotated[int, year_query()]
YearFilter = Annotated[int | None, year_query()]


async def _respond(session: SessionDep, budget: Budget, response: Response) -> BudgetDetail:
    response.headers["ETag"] = etag(budget.id, budget.row_version)
    return await service.detail(session, budget)


async def _created(session: SessionDep, budget: Budget, request: Request, response: Response) -> BudgetDetail:
    response.headers["Location"] = request.url_for("get_budget", budget_id=budget.id).path
    return await _respond(session, budget, response)


async def _for_write(request: Request, session: SessionDep, caller: CallerDep, budget_id: uuid.UUID) -> Budget:
    service.ensure_writer(caller)  # a refusal by scope comes before any precondition
    budget = await service.get_readable(session, caller, budget_id)
    require_if_match(request, etag(budget.id, budget.row_version))
    return budget


def _frame_cursor(cursor: str | None) -> tuple[int, uuid.UUID, str] | None:
    decoded = decode_cursor(cursor)
    return cursor_values(decoded, year=int, board=uuid.UUID, kind=str) if decoded else None


def _frame_page(rows: list[Frame], limit: int) -> Page[FrameRead]:
    page, next_cursor = page_of(rows, limit, lambda last: {"year": last.year, "board": str(last.board_org_unit_id), "kind": last.kind})
    return Page[FrameRead](items=[service.frame_read(f) for f in page], next_cursor=next_cursor)


# --- budgets ------------------------------------------------------------------------------


@router.get("", response_model=Page[BudgetRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_budgets(
    session: SessionDep,
    caller: CallerDep,
    year: YearFilter = None,
    status_: Status | None = Query(default=None, alias="status"),
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[BudgetRead]:
    """Budgets, newest year and revision first, without their parts. Drafts and proposals are listed
    for fullmaktige, revisor, namnd and forvaltning."""
    decoded = decode_cursor(cursor)
    after = cursor_values(decoded, year=int, revision=int) if decoded else None
    rows = await service.list_page(session, caller, year=year, status=status_, limit=limit + 1, after=after)
    page, next_cursor = page_of(rows, limit, lambda last: {"year": last.year, "revision": last.revision})
    return Page[BudgetRead](items=[service.to_read(b) for b in page], next_cursor=next_cursor)


@router.get("/{budget_id}", response_model=BudgetDetail, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_budget(
    budget_id: uuid.UUID, session: SessionDep, org_units: OrgUnitsDep, caller: CallerDep, response: Response
) -> BudgetDetail:
    """The budget with its frames, lines, earmarked funds, the cycle's steps and each year's revenues,
    costs and result (a deficit is flagged)."""
    return org_units.with_names(await _respond(session, await service.get_readable(session, caller, budget_id), response))


@router.post(
    "", response_model=BudgetDetail, status_code=status.HTTP_201_CREATED, openapi_extra=WRITERS, responses=problem_responses(403, 409, 422)
)
async def create_budget(
    data: BudgetCreate, session: SessionDep, org_units: OrgUnitsDep, caller: CallerDep, request: Request, response: Response
) -> BudgetDetail:
    """Start the draft budget of a year (and its two plan years), with the four steps of its cycle."""
    return org_units.with_names(await _created(session, await service.create(session, caller, data), request, response))


@router.post(
    "/{budget_id}/revisions",
    response_model=BudgetDetail,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=WRITERS,
    responses=problem_responses(403, 404, 409, 422),
)
async def revise_budget(
    budget_id: uuid.UUID, session: SessionDep, org_units: OrgUnitsDep, caller: CallerDep, request: Request, response: Response
) -> BudgetDetail:
    """Start an amendment: a new draft copying the decided budget's frames, lines and earmarked funds."""
    return org_units.with_names(await _created(session, await service.new_revision(session, caller, budget_id), request, response))


@router.patch("/{budget_id}", response_model=BudgetDetail, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def update_budget(
    budget_id: uuid.UUID,
    data: BudgetUpdate,
    session: SessionDep,
    org_units: OrgUnitsDep,
    caller: CallerDep,
    request: Request,
    response: Response,
) -> BudgetDetail:
    """Edit a draft's title or exceptional reasons. Requires If-Match; decided budgets are immutable."""
    budget = await _for_write(request, session, caller, budget_id)
    return org_units.with_names(await _respond(session, await service.update(session, caller, budget, data), response))


@router.delete("/{budget_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=WRITERS, responses=CONDITIONAL)
async def delete_budget(budget_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Discard a draft and its parts. Requires If-Match."""
    await service.delete(session, caller, await _for_write(request, session, caller, budget_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- its parts ----------------------------------------------------------------------------


@router.get("/{budget_id}/frames", response_model=Page[FrameRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(404, 422))
async def list_budget_frames(
    budget_id: uuid.UUID,
    session: SessionDep,
    org_units: OrgUnitsDep,
    caller: CallerDep,
    board_org_unit_id: uuid.UUID | None = None,
    include_predecessors: IncludePredecessors = False,
    year: YearFilter = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[FrameRead]:
    """The budget's frames by year, board and kind."""
    after = _frame_cursor(cursor)
    budget = await service.get_readable(session, caller, budget_id)
    rows = await repository.frames(
        session, budget.id, boards=org_units.unit_filter(board_org_unit_id, include_predecessors), year=year, limit=limit + 1, after=after
    )
    return org_units.with_names(_frame_page(rows, limit))


@router.put("/{budget_id}/frames", response_model=BudgetDetail, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def replace_budget_frames(
    budget_id: uuid.UUID,
    data: FramesReplace,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> BudgetDetail:
    """Replace the draft's frames, per board, kind and year. Requires the budget's If-Match."""
    await look_up(org_units, (f.board_org_unit_id for f in data.frames))
    budget = await _for_write(request, session, caller, budget_id)
    return org_units.with_names(await _respond(session, await service.replace_frames(session, caller, org_units, budget, data), response))


@router.put("/{budget_id}/lines", response_model=BudgetDetail, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def replace_budget_lines(
    budget_id: uuid.UUID,
    data: LinesReplace,
    session: SessionDep,
    org_units: OrgUnitsDep,
    caller: CallerDep,
    request: Request,
    response: Response,
) -> BudgetDetail:
    """Replace the draft's lines outside the frames (taxes, grants, financial items, pensions, ...). Requires the budget's If-Match."""
    budget = await _for_write(request, session, caller, budget_id)
    return org_units.with_names(await _respond(session, await service.replace_lines(session, caller, budget, data), response))


@router.put(
    "/{budget_id}/earmarked-funds", response_model=BudgetDetail, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422)
)
async def replace_budget_earmarked_funds(
    budget_id: uuid.UUID,
    data: EarmarkedFundsReplace,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> BudgetDetail:
    """Replace the draft's earmarked funds for assignments. Requires the budget's If-Match."""
    await look_up(org_units, (f.board_org_unit_id for f in data.earmarked_funds))
    budget = await _for_write(request, session, caller, budget_id)
    return org_units.with_names(
        await _respond(session, await service.replace_earmarked_funds(session, caller, org_units, budget, data), response)
    )


# --- the cycle's steps --------------------------------------------------------------------


def _step_response(budget: Budget, step: BudgetStep, response: Response) -> StepRead:
    response.headers["ETag"] = etag(step.id, step.row_version)
    return service.step_read(budget, step)


@router.get("/{budget_id}/steps/{kind}", response_model=StepRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_budget_step(budget_id: uuid.UUID, kind: StepKind, session: SessionDep, caller: CallerDep, response: Response) -> StepRead:
    """One step of the budget's cycle, with its ETag."""
    budget = await service.get_readable(session, caller, budget_id)
    return _step_response(budget, await service.get_step(session, budget, kind), response)


@router.patch("/{budget_id}/steps/{kind}", response_model=StepRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def record_budget_step(
    budget_id: uuid.UUID, kind: StepKind, data: StepUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> StepRead:
    """Record a step of the cycle (done, its decision reference). Requires the step's If-Match."""
    service.ensure_writer(caller)
    budget = await service.get_readable(session, caller, budget_id)
    step = await service.get_step(session, budget, kind)
    require_if_match(request, etag(step.id, step.row_version))
    return _step_response(budget, await service.record_step(session, caller, budget, step, data), response)


# --- the lifecycle ------------------------------------------------------------------------


async def _transition(
    request: Request, session: SessionDep, caller: CallerDep, budget_id: uuid.UUID, step: Transition, decision: Decision | None = None
) -> Budget:
    budget = await _for_write(request, session, caller, budget_id)
    return await service.transition(session, caller, budget, step, decision)


@router.post("/{budget_id}/proposal", response_model=BudgetDetail, openapi_extra=WRITERS, responses=CONDITIONAL)
async def propose_budget(
    budget_id: uuid.UUID, session: SessionDep, org_units: OrgUnitsDep, caller: CallerDep, request: Request, response: Response
) -> BudgetDetail:
    """DRAFT → PROPOSED; refused when a year's costs exceed its revenues without exceptional reasons."""
    return org_units.with_names(
        await _respond(session, await _transition(request, session, caller, budget_id, Transition.PROPOSE), response)
    )


@router.post("/{budget_id}/return", response_model=BudgetDetail, openapi_extra=WRITERS, responses=CONDITIONAL)
async def return_budget(
    budget_id: uuid.UUID, session: SessionDep, org_units: OrgUnitsDep, caller: CallerDep, request: Request, response: Response
) -> BudgetDetail:
    """PROPOSED → DRAFT, to edit it further."""
    return org_units.with_names(
        await _respond(session, await _transition(request, session, caller, budget_id, Transition.RETURN_TO_DRAFT), response)
    )


@router.post("/{budget_id}/decision", response_model=BudgetDetail, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def decide_budget(
    budget_id: uuid.UUID,
    decision: Decision,
    session: SessionDep,
    org_units: OrgUnitsDep,
    caller: CallerDep,
    request: Request,
    response: Response,
) -> BudgetDetail:
    """PROPOSED → DECIDED with the council's decision (balance requirement checked again); the
    budget an amendment replaces is archived."""
    return org_units.with_names(
        await _respond(session, await _transition(request, session, caller, budget_id, Transition.DECIDE, decision), response)
    )


@router.post("/{budget_id}/archival", response_model=BudgetDetail, openapi_extra=WRITERS, responses=CONDITIONAL)
async def archive_budget(
    budget_id: uuid.UUID, session: SessionDep, org_units: OrgUnitsDep, caller: CallerDep, request: Request, response: Response
) -> BudgetDetail:
    """DECIDED → ARCHIVED without a successor."""
    return org_units.with_names(
        await _respond(session, await _transition(request, session, caller, budget_id, Transition.ARCHIVE), response)
    )


# --- the frames in force ------------------------------------------------------------------


@frames_router.get("", response_model=Page[FrameRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(422))
async def list_frames_in_force(
    session: SessionDep,
    org_units: OrgUnitsDep,
    year: YearQuery,
    board_org_unit_id: uuid.UUID | None = None,
    include_predecessors: IncludePredecessors = False,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[FrameRead]:
    """The frames for `year` of that year's decided budget (plan years of earlier budgets are
    indicative, not in force). Empty while the year has no decided budget."""
    rows = await repository.frames_in_force(
        session, year, boards=org_units.unit_filter(board_org_unit_id, include_predecessors), limit=limit + 1, after=_frame_cursor(cursor)
    )
    return org_units.with_names(_frame_page(rows, limit))
