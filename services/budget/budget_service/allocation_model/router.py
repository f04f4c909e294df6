import datetime as dt
import uuid

from fastapi import APIRouter, Response, status

from budget_service.allocation_model import repository, service
from budget_service.allocation_model.schemas import ModelRunCreate, ModelRunRead, ModelRunSummary
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, page_of
from styrkedjan_common.identity import Role
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in

router = APIRouter(prefix="/model-runs", tags=["allocation-model"], route_class=PolicyRoute)


@router.post(
    "",
    response_model=ModelRunRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=allow(Role.FULLMAKTIGE),
    responses=problem_responses(403, 409, 422),
)
async def create_model_run(data: ModelRunCreate, session: SessionDep, caller: CallerDep, response: Response) -> ModelRunRead:
    """Compute each board's frame proposal: its base frame, demographic compensation per target group,
    price and agreement compensation from the price index, wage compensation and the efficiency
    requirement. The run is stored as computed, with every input of every component; a missing
    input is a 422 naming it."""
    run = await service.create(session, caller, data)
    response.headers["Location"] = f"/api/budget/v1/model-runs/{run.id}"
    return run


@router.get("", response_model=Page[ModelRunSummary], openapi_extra=allow_any_signed_in(), responses=problem_responses(422))
async def list_model_runs(
    session: SessionDep, budget_year: int | None = None, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[ModelRunSummary]:
    """Runs newest first, without their components."""
    decoded = decode_cursor(cursor)
    before = cursor_values(decoded, at=dt.datetime.fromisoformat, id=uuid.UUID) if decoded else None
    rows = await repository.list_page(session, budget_year, before, limit + 1)
    page, next_cursor = page_of(rows, limit, lambda last: {"at": last.created_at.isoformat(), "id": str(last.id)})
    return Page[ModelRunSummary](items=[service.to_summary(r) for r in page], next_cursor=next_cursor)


@router.get("/{model_run_id}", response_model=ModelRunRead, openapi_extra=allow_any_signed_in(), responses=problem_responses(404, 422))
async def get_model_run(model_run_id: uuid.UUID, session: SessionDep) -> ModelRunRead:
    """The run with each board's proposal and its components."""
    return await service.read(session, model_run_id)
