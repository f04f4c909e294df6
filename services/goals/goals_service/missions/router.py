import uuid

from fastapi import APIRouter, Query, Request, Response, status

from goals_service.missions import service
from goals_service.missions.models import CoreMission
from goals_service.missions.schemas import CoreMissionCreate, CoreMissionRead, CoreMissionUpdate
from goals_service.units import BIND_NAMES
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import ALL_ROLES
from styrkedjan_common.lifecycle import Decision, Status, Transition
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in

router = APIRouter(prefix="/core-missions", tags=["core-missions"], route_class=PolicyRoute, dependencies=[BIND_NAMES])
DRAFTERS = allow(*service.DRAFTERS)
CONDITIONAL = problem_responses(403, 404, 409, 412, 428)
# Follow-up reads the missions in force beside what it follows up.
FOLLOWUP_READERS = allow(*ALL_ROLES, services=("followup",))


def _respond(mission: CoreMission, response: Response) -> CoreMissionRead:
    response.headers["ETag"] = etag(mission.id, mission.row_version)
    return service.to_read(mission)


async def _for_write(
    request: Request, session: SessionDep, caller: CallerDep, mission_id: uuid.UUID, step: Transition | None = None
) -> CoreMission:
    mission = await service.get_readable(session, caller, mission_id)
    service.ensure_writer(caller, mission.org_unit_id, step)  # a refusal by scope comes before any precondition
    require_if_match(request, etag(mission.id, mission.row_version))
    return mission


@router.get("", response_model=Page[CoreMissionRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(422))
async def list_core_missions(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    org_unit_id: uuid.UUID | None = None,
    status_: Status | None = Query(default=None, alias="status"),
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[CoreMissionRead]:
    """Core missions by org unit, newest revision first. Drafts and proposals are listed in scope and for revisor."""
    decoded = decode_cursor(cursor)
    after = cursor_values(decoded, org_unit_id=uuid.UUID, revision=int) if decoded else None
    units = org_units.unit_filter(org_unit_id, include_predecessors)
    rows = await service.list_page(session, caller, org_unit_ids=units, status=status_, limit=limit + 1, after=after)
    page, next_cursor = page_of(rows, limit, lambda last: {"org_unit_id": str(last.org_unit_id), "revision": last.revision})
    return Page[CoreMissionRead](items=[service.to_read(m) for m in page], next_cursor=next_cursor)


@router.get("/current", response_model=CoreMissionRead, openapi_extra=FOLLOWUP_READERS, responses=problem_responses(404, 422))
async def get_current_core_mission(org_unit_id: uuid.UUID, session: SessionDep, response: Response) -> CoreMissionRead:
    """The decided core mission in force for the board or company."""
    return _respond(await service.read_current(session, org_unit_id), response)


@router.get("/{mission_id}", response_model=CoreMissionRead, openapi_extra=allow_any_signed_in(), responses=problem_responses(404, 422))
async def get_core_mission(mission_id: uuid.UUID, session: SessionDep, caller: CallerDep, response: Response) -> CoreMissionRead:
    return _respond(await service.get_readable(session, caller, mission_id), response)


@router.post(
    "",
    response_model=CoreMissionRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=DRAFTERS,
    responses=problem_responses(403, 409, 422),
)
async def create_core_mission(
    data: CoreMissionCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> CoreMissionRead:
    """Start a draft revision of the core mission of a board or company valid today."""
    mission = await service.create(session, caller, data, org_units)
    response.headers["Location"] = request.url_for("get_core_mission", mission_id=mission.id).path
    return _respond(mission, response)


@router.post(
    "/{mission_id}/revisions",
    response_model=CoreMissionRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=DRAFTERS,
    responses=problem_responses(403, 404, 409, 422),
)
async def revise_core_mission(
    mission_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> CoreMissionRead:
    """Start an amendment: a new draft copying the decided core mission."""
    mission = await service.new_revision(session, caller, mission_id)
    response.headers["Location"] = request.url_for("get_core_mission", mission_id=mission.id).path
    return _respond(mission, response)


@router.patch("/{mission_id}", response_model=CoreMissionRead, openapi_extra=DRAFTERS, responses=CONDITIONAL | problem_responses(422))
async def update_core_mission(
    mission_id: uuid.UUID, data: CoreMissionUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> CoreMissionRead:
    """Edit a draft. Requires If-Match; decided core missions are immutable."""
    mission = await _for_write(request, session, caller, mission_id)
    return _respond(await service.update(session, caller, mission, data), response)


async def _transition(
    request: Request, session: SessionDep, caller: CallerDep, mission_id: uuid.UUID, step: Transition, decision: Decision | None = None
) -> CoreMission:
    mission = await _for_write(request, session, caller, mission_id, step)
    return await service.transition(session, caller, mission, step, decision)


@router.post(
    "/{mission_id}/proposal",
    response_model=CoreMissionRead,
    openapi_extra=allow(*service.STEP_ROLES[Transition.PROPOSE]),
    responses=CONDITIONAL,
)
async def propose_core_mission(
    mission_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> CoreMissionRead:
    """DRAFT → PROPOSED."""
    return _respond(await _transition(request, session, caller, mission_id, Transition.PROPOSE), response)


@router.post(
    "/{mission_id}/return",
    response_model=CoreMissionRead,
    openapi_extra=allow(*service.STEP_ROLES[Transition.RETURN_TO_DRAFT]),
    responses=CONDITIONAL,
)
async def return_core_mission(
    mission_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> CoreMissionRead:
    """PROPOSED → DRAFT, to edit it further."""
    return _respond(await _transition(request, session, caller, mission_id, Transition.RETURN_TO_DRAFT), response)


@router.post(
    "/{mission_id}/decision",
    response_model=CoreMissionRead,
    openapi_extra=allow(*service.STEP_ROLES[Transition.DECIDE]),
    responses=CONDITIONAL | problem_responses(422),
)
async def decide_core_mission(
    mission_id: uuid.UUID, decision: Decision, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> CoreMissionRead:
    """PROPOSED → DECIDED with the board's decision; the core mission it replaces is archived."""
    return _respond(await _transition(request, session, caller, mission_id, Transition.DECIDE, decision), response)


@router.post(
    "/{mission_id}/archival",
    response_model=CoreMissionRead,
    openapi_extra=allow(*service.STEP_ROLES[Transition.ARCHIVE]),
    responses=CONDITIONAL,
)
async def archive_core_mission(
    mission_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> CoreMissionRead:
    """DECIDED → ARCHIVED without a successor."""
    return _respond(await _transition(request, session, caller, mission_id, Transition.ARCHIVE), response)


@router.delete("/{mission_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=DRAFTERS, responses=CONDITIONAL)
async def delete_core_mission(mission_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Discard a draft."""
    mission = await _for_write(request, session, caller, mission_id)
    await service.delete(session, caller, mission)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
