import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request, Response, status

from budget_service.investments import repository, service
from budget_service.investments.models import InvestmentProject
from budget_service.investments.schemas import (
    InvestmentAmountPut,
    InvestmentPlanRead,
    InvestmentProjectCreate,
    InvestmentProjectRead,
    InvestmentProjectUpdate,
    ProjectStatus,
)
from budget_service.units import FOLLOWUP_READERS
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match, set_etag
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import YearPath, year_query

# Investments were published under the allocations tag, which is part of their operation ids: they
# keep it, so no client's generated code changes.
router = APIRouter(prefix="", tags=["allocations"], route_class=PolicyRoute)
READERS = allow_any_signed_in()
INVESTMENT_WRITERS = allow(*service.INVESTMENT_WRITERS)
CONDITIONAL = problem_responses(403, 404, 409, 412, 428)
PROJECTS = "/investment-projects"


@router.get(PROJECTS, response_model=Page[InvestmentProjectRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(422))
async def list_investment_projects(
    session: SessionDep,
    org_units: OrgUnitsDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    board_org_unit_id: uuid.UUID | None = None,
    include_predecessors: IncludePredecessors = False,
    year: Annotated[int | None, year_query("Projects with an amount that year")] = None,
    status: ProjectStatus | None = None,
) -> Page[InvestmentProjectRead]:
    """Investment projects, by name, each with its yearly amounts."""
    after = decode_cursor(cursor)
    rows = await repository.list_projects(
        session,
        boards=org_units.unit_filter(board_org_unit_id, include_predecessors),
        year=year,
        status=status.value if status else None,
        limit=limit + 1,
        after=cursor_values(after, name=str, id=uuid.UUID) if after else None,
    )
    items, next_cursor = page_of(rows, limit, lambda p: {"name": p.name, "id": str(p.id)})
    amounts = await repository.amounts_of(session, [p.id for p in items])
    return org_units.with_names(
        Page[InvestmentProjectRead](items=[service.to_project_read(p, amounts[p.id]) for p in items], next_cursor=next_cursor)
    )


@router.post(
    PROJECTS,
    response_model=InvestmentProjectRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=INVESTMENT_WRITERS,
    responses=problem_responses(403, 422),
)
async def create_investment_project(
    data: InvestmentProjectCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> InvestmentProjectRead:
    """Add an investment project owned by a board; its yearly amounts are set with PUT …/amounts."""
    project = await service.create_project(session, caller, org_units, data)
    set_etag(project, response)
    response.headers["Location"] = f"{request.url.path}/{project.id}"
    return org_units.with_names(service.to_project_read(project, []))


@router.get(PROJECTS + "/{project_id}", response_model=InvestmentProjectRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_investment_project(
    project_id: uuid.UUID, session: SessionDep, org_units: OrgUnitsDep, response: Response
) -> InvestmentProjectRead:
    project = await service.get_project(session, project_id)
    set_etag(project, response)
    return org_units.with_names(await service.project_read(session, project))


async def _project_for_update(request: Request, session: SessionDep, caller: CallerDep, project_id: uuid.UUID) -> InvestmentProject:
    project = await service.get_project(session, project_id)
    service.ensure_project_writer(caller, project.board_org_unit_id)
    require_if_match(request, etag(project.id, project.row_version))
    return project


@router.patch(
    PROJECTS + "/{project_id}",
    response_model=InvestmentProjectRead,
    openapi_extra=INVESTMENT_WRITERS,
    responses=CONDITIONAL | problem_responses(422),
)
async def update_investment_project(
    project_id: uuid.UUID,
    data: InvestmentProjectUpdate,
    session: SessionDep,
    org_units: OrgUnitsDep,
    caller: CallerDep,
    request: Request,
    response: Response,
) -> InvestmentProjectRead:
    """Change a project's name, description, status or external codes. Requires If-Match."""
    project = await _project_for_update(request, session, caller, project_id)
    read = await service.update_project(session, caller, project, data)
    set_etag(read, response)
    return org_units.with_names(read)


@router.put(
    PROJECTS + "/{project_id}/amounts",
    response_model=InvestmentProjectRead,
    openapi_extra=INVESTMENT_WRITERS,
    responses=CONDITIONAL | problem_responses(422),
)
async def put_investment_amounts(
    project_id: uuid.UUID,
    amounts: Annotated[list[InvestmentAmountPut], Body(max_length=50, examples=[[{"year": 2027, "amount": "4500000.00"}]])],
    session: SessionDep,
    org_units: OrgUnitsDep,
    caller: CallerDep,
    request: Request,
    response: Response,
) -> InvestmentProjectRead:
    """Replace the project's amounts per year. Requires If-Match on the project."""
    project = await _project_for_update(request, session, caller, project_id)
    read = await service.replace_amounts(session, caller, project, amounts)
    set_etag(read, response)
    return org_units.with_names(read)


@router.delete(
    PROJECTS + "/{project_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=INVESTMENT_WRITERS,
    responses=CONDITIONAL | problem_responses(422),
)
async def delete_investment_project(project_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Remove a planned project. Requires If-Match."""
    await service.delete_project(session, caller, await _project_for_update(request, session, caller, project_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/investment-plans/{board_org_unit_id}/{year}",
    response_model=InvestmentPlanRead,
    openapi_extra=FOLLOWUP_READERS,
    responses=problem_responses(404, 422),
)
async def get_investment_plan(
    board_org_unit_id: uuid.UUID, year: YearPath, session: SessionDep, org_units: OrgUnitsDep
) -> InvestmentPlanRead:
    """The board's investment projects for the year against its investment frame; exceeding it is flagged."""
    return org_units.with_names(await service.investment_plan(session, board_org_unit_id, year))
