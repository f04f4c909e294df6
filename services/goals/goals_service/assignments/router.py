import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from goals_service.assignments import repository, service
from goals_service.assignments.models import Assignment
from goals_service.assignments.schemas import (
    AssignmentCreate,
    AssignmentRead,
    AssignmentReportCreate,
    AssignmentReportRead,
    AssignmentStatus,
    AssignmentUpdate,
)
from goals_service.units import BIND_NAMES
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import ALL_ROLES, Role
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow
from styrkedjan_common.years import year_query

router = APIRouter(prefix="/assignments", tags=["assignments"], route_class=PolicyRoute, dependencies=[BIND_NAMES])
WRITERS = allow(Role.FULLMAKTIGE)
REPORTERS = allow(*service.REPORTERS)
# Council decisions are public; follow-up reads them with its own assertion to report on them.
READERS = allow(*ALL_ROLES, services=("followup",))
CONDITIONAL = problem_responses(404, 412, 422, 428)


def _instant(text: str) -> dt.datetime:
    """A cursor's timestamp; one without a time zone is not one this API issued."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("naive timestamp")
    return value


def _respond(assignment: Assignment, response: Response) -> AssignmentRead:
    response.headers["ETag"] = etag(assignment.id, assignment.row_version)
    return service.to_read(assignment)


async def _for_update(request: Request, session: SessionDep, caller: CallerDep, assignment_id: uuid.UUID) -> Assignment:
    assignment = await service.get_writable(session, caller, assignment_id)  # a refusal by scope comes before any precondition
    require_if_match(request, etag(assignment.id, assignment.row_version))
    return assignment


@router.get("", response_model=Page[AssignmentRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_assignments(
    session: SessionDep,
    org_units: OrgUnitsDep,
    board_org_unit_id: uuid.UUID | None = None,
    year: Annotated[int | None, year_query()] = None,
    status_: Annotated[AssignmentStatus | None, Query(alias="status")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[AssignmentRead]:
    """Assignments by year and title."""
    after = decode_cursor(cursor)
    keyset = cursor_values(after, year=int, title=str, id=uuid.UUID) if after else None
    rows = await repository.list_page(
        session,
        board_org_unit_ids=org_units.unit_filter(board_org_unit_id, include_predecessors),
        year=year,
        status=status_,
        limit=limit + 1,
        after=keyset,
    )
    page, next_cursor = page_of(rows, limit, lambda last: {"year": last.year, "title": last.title, "id": str(last.id)})
    return Page[AssignmentRead](items=[service.to_read(a) for a in page], next_cursor=next_cursor)


@router.get("/reports", response_model=Page[AssignmentReportRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_reports_of_year(
    session: SessionDep,
    org_units: OrgUnitsDep,
    year: Annotated[int, year_query("The year of the assignments")],
    board_org_unit_id: uuid.UUID | None = None,
    occasion: FollowupOccasion | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[AssignmentReportRead]:
    """The reports on the year's assignments, of one board and at one follow-up when given, oldest
    first: what a follow-up shows of every assignment, read at once."""
    after = decode_cursor(cursor)
    keyset = cursor_values(after, at=_instant, id=uuid.UUID) if after else None
    rows = await repository.reports_of_year(
        session,
        year=year,
        board_org_unit_ids=org_units.unit_filter(board_org_unit_id, include_predecessors),
        occasion=occasion.value if occasion else None,
        limit=limit + 1,
        after=keyset,
    )
    page, next_cursor = page_of(rows, limit, lambda last: {"at": last.reported_at.isoformat(), "id": str(last.id)})
    return Page[AssignmentReportRead](items=[service.report_read(r) for r in page], next_cursor=next_cursor)


@router.get("/{assignment_id}", response_model=AssignmentRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_assignment(assignment_id: uuid.UUID, session: SessionDep, response: Response) -> AssignmentRead:
    return _respond(await service.get(session, assignment_id), response)


@router.post(
    "", response_model=AssignmentRead, status_code=status.HTTP_201_CREATED, openapi_extra=WRITERS, responses=problem_responses(422)
)
async def create_assignment(
    data: AssignmentCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> AssignmentRead:
    """Record an assignment the council gave a board (or a company) valid today and in the year."""
    assignment = await service.create(session, caller, data, org_units)
    response.headers["Location"] = f"{request.url.path}/{assignment.id}"
    return _respond(assignment, response)


@router.patch("/{assignment_id}", response_model=AssignmentRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def update_assignment(
    assignment_id: uuid.UUID,
    data: AssignmentUpdate,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> AssignmentRead:
    """Requires If-Match. A new board is checked as on a new assignment."""
    assignment = await _for_update(request, session, caller, assignment_id)
    return _respond(await service.update(session, caller, assignment, data, org_units), response)


@router.delete("/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=WRITERS, responses=CONDITIONAL)
async def delete_assignment(assignment_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Requires If-Match; the reports go with the assignment."""
    await service.delete(session, caller, await _for_update(request, session, caller, assignment_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{assignment_id}/reports", response_model=Page[AssignmentReportRead], openapi_extra=READERS, responses=problem_responses(404, 422)
)
async def list_assignment_reports(
    assignment_id: uuid.UUID, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[AssignmentReportRead]:
    """The reporting history, oldest first."""
    after = decode_cursor(cursor)
    keyset = cursor_values(after, at=_instant, id=uuid.UUID) if after else None
    assignment = await service.get(session, assignment_id)
    rows = await repository.reports(session, assignment.id, limit=limit + 1, after=keyset)
    page, next_cursor = page_of(rows, limit, lambda last: {"at": last.reported_at.isoformat(), "id": str(last.id)})
    return Page[AssignmentReportRead](items=[service.report_read(r) for r in page], next_cursor=next_cursor)


@router.post(
    "/{assignment_id}/reports",
    response_model=AssignmentReportRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=REPORTERS,
    responses=problem_responses(404, 422),
)
async def report_on_assignment(
    assignment_id: uuid.UUID, data: AssignmentReportCreate, session: SessionDep, caller: CallerDep
) -> AssignmentReportRead:
    """Report progress at a follow-up; the assignment takes the reported status."""
    return service.report_read(await service.report(session, caller, assignment_id, data))
