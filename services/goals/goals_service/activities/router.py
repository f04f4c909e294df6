import datetime as dt
import uuid
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request, Response, status

from goals_service.activities import repository, service
from goals_service.activities.models import Activity, FocusArea
from goals_service.activities.schemas import (
    ActivityCreate,
    ActivityRead,
    ActivityStatuses,
    ActivityUpdate,
    FocusAreaCreate,
    FocusAreaRead,
    FocusAreaUpdate,
)
from goals_service.units import BIND_NAMES
from styrkedjan_common.db import SessionDep
from styrkedjan_common.external_codes import ExternalCodeFilter
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import ALL_ROLES, Role
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import year_query

router = APIRouter(prefix="", tags=["activities"], route_class=PolicyRoute, dependencies=[BIND_NAMES])
FOCUS_AREA_WRITERS = allow(Role.NAMND, Role.FORVALTNING)
ACTIVITY_WRITERS = allow(Role.NAMND, Role.FORVALTNING, Role.ENHET)
READERS = allow_any_signed_in()
# Follow-up reads the activities whose status it follows up, with its own assertion.
FOLLOWUP_READERS = allow(*ALL_ROLES, services=("followup",))
CONDITIONAL = problem_responses(404, 412, 422, 428)
YearQuery = Annotated[int | None, year_query()]
Read = TypeVar("Read", FocusAreaRead, ActivityRead)


def _with_etag(read: Read, response: Response) -> Read:
    response.headers["ETag"] = etag(read.id, read.row_version)
    return read


# --- focus areas ------------------------------------------------------------------------------


async def _focus_area_for_update(request: Request, session: SessionDep, caller: CallerDep, focus_area_id: uuid.UUID) -> FocusArea:
    area = await service.get_writable_focus_area(session, caller, focus_area_id)  # a refusal by scope comes before any precondition
    require_if_match(request, etag(area.id, area.row_version))
    return area


@router.get("/focus-areas", response_model=Page[FocusAreaRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_focus_areas(
    session: SessionDep,
    org_unit_id: uuid.UUID | None = None,
    year: YearQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[FocusAreaRead]:
    """Focus areas by year and name."""
    after = decode_cursor(cursor)
    keyset = cursor_values(after, year=int, name=str, id=uuid.UUID) if after else None
    rows = await repository.list_focus_areas(session, org_unit_id=org_unit_id, year=year, limit=limit + 1, after=keyset)
    page, next_cursor = page_of(rows, limit, lambda last: {"year": last.year, "name": last.name, "id": str(last.id)})
    return Page[FocusAreaRead](items=await service.read_focus_areas(session, page), next_cursor=next_cursor)


@router.get("/focus-areas/{focus_area_id}", response_model=FocusAreaRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_focus_area(focus_area_id: uuid.UUID, session: SessionDep, response: Response) -> FocusAreaRead:
    (read,) = await service.read_focus_areas(session, [await service.get_focus_area(session, focus_area_id)])
    return _with_etag(read, response)


@router.post(
    "/focus-areas",
    response_model=FocusAreaRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=FOCUS_AREA_WRITERS,
    responses=problem_responses(422),
)
async def create_focus_area(
    data: FocusAreaCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> FocusAreaRead:
    """For a board, an administration or a unit of the directory valid today and in the year."""
    read = await service.create_focus_area(session, caller, data, org_units)
    response.headers["Location"] = f"{request.url.path}/{read.id}"
    return _with_etag(read, response)


@router.patch("/focus-areas/{focus_area_id}", response_model=FocusAreaRead, openapi_extra=FOCUS_AREA_WRITERS, responses=CONDITIONAL)
async def update_focus_area(
    focus_area_id: uuid.UUID,
    data: FocusAreaUpdate,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> FocusAreaRead:
    """Requires If-Match; goal_ids replaces the linked goals. A new unit is checked as on a new focus area."""
    area = await _focus_area_for_update(request, session, caller, focus_area_id)
    return _with_etag(await service.update_focus_area(session, caller, area, data, org_units), response)


@router.delete(
    "/focus-areas/{focus_area_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=FOCUS_AREA_WRITERS,
    responses=CONDITIONAL | problem_responses(409),
)
async def delete_focus_area(focus_area_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Requires If-Match. Refused while activities belong to the focus area."""
    await service.delete_focus_area(session, caller, await _focus_area_for_update(request, session, caller, focus_area_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- activities -------------------------------------------------------------------------------


async def _activity_for_update(request: Request, session: SessionDep, caller: CallerDep, activity_id: uuid.UUID) -> Activity:
    activity = await service.get_writable_activity(session, caller, activity_id)  # a refusal by scope comes before any precondition
    require_if_match(request, etag(activity.id, activity.row_version))
    return activity


@router.get("/activity-statuses", response_model=ActivityStatuses, openapi_extra=READERS)
async def list_activity_statuses(request: Request) -> ActivityStatuses:
    """The statuses this municipality uses for activities (configuration), in order."""
    return service.statuses(request.app.state.settings)


@router.get("/activities", response_model=Page[ActivityRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(422))
async def list_activities(
    session: SessionDep,
    request: Request,
    org_units: OrgUnitsDep,
    owner_org_unit_id: uuid.UUID | None = None,
    status_: Annotated[str | None, Query(alias="status", max_length=40)] = None,
    year: Annotated[int | None, year_query("Activities running at some time during the year")] = None,
    goal_id: Annotated[uuid.UUID | None, Query(description="Any revision of the goal: its whole lineage is matched")] = None,
    quality_factor_id: uuid.UUID | None = None,
    focus_area_id: uuid.UUID | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    include_predecessors: IncludePredecessors = False,
    external_code: ExternalCodeFilter = None,
) -> Page[ActivityRead]:
    """Activities by start date."""
    if status_ is not None:
        service.check_status(status_, request.app.state.settings, pointer="#/query/status")
    after = decode_cursor(cursor)
    keyset = cursor_values(after, start_date=dt.date.fromisoformat, id=uuid.UUID) if after else None
    owners = org_units.unit_filter(owner_org_unit_id, include_predecessors)
    where = repository.ActivityFilter(owners, status_, year, goal_id, quality_factor_id, focus_area_id, external_code)
    rows = await repository.list_activities(session, where, limit=limit + 1, after=keyset)
    page, next_cursor = page_of(rows, limit, lambda last: {"start_date": last.start_date.isoformat(), "id": str(last.id)})
    return Page[ActivityRead](items=await service.read_activities(session, page), next_cursor=next_cursor)


@router.get("/activities/{activity_id}", response_model=ActivityRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_activity(activity_id: uuid.UUID, session: SessionDep, response: Response) -> ActivityRead:
    (read,) = await service.read_activities(session, [await service.get_activity(session, activity_id)])
    return _with_etag(read, response)


@router.post(
    "/activities",
    response_model=ActivityRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=ACTIVITY_WRITERS,
    responses=problem_responses(422),
)
async def create_activity(
    data: ActivityCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> ActivityRead:
    """For an owner (a board, an administration or a unit) of the directory valid today and in the activity's years."""
    read = await service.create_activity(session, caller, data, request.app.state.settings, org_units)
    response.headers["Location"] = f"{request.url.path}/{read.id}"
    return _with_etag(read, response)


@router.patch("/activities/{activity_id}", response_model=ActivityRead, openapi_extra=ACTIVITY_WRITERS, responses=CONDITIONAL)
async def update_activity(
    activity_id: uuid.UUID,
    data: ActivityUpdate,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> ActivityRead:
    """Requires If-Match. Changes any part of the record, its status included; lists replace the stored ones.
    A new owner is checked as on a new activity."""
    activity = await _activity_for_update(request, session, caller, activity_id)
    updated = await service.update_activity(session, caller, activity, data, request.app.state.settings, org_units)
    return _with_etag(updated, response)


@router.delete("/activities/{activity_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=ACTIVITY_WRITERS, responses=CONDITIONAL)
async def delete_activity(activity_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Requires If-Match."""
    await service.delete_activity(session, caller, await _activity_for_update(request, session, caller, activity_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
