import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from goals_service.goals import service
from goals_service.goals.models import Goal
from goals_service.goals.repository import GoalFilter
from goals_service.goals.schemas import GoalClosure, GoalCreate, GoalLevel, GoalRead, GoalUpdate
from goals_service.units import BIND_NAMES
from styrkedjan_common.db import SessionDep
from styrkedjan_common.external_codes import ExternalCodeFilter
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import ALL_ROLES, Role
from styrkedjan_common.lifecycle import Decision, Status, Transition
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import year_query

router = APIRouter(prefix="/goals", tags=["goals"], route_class=PolicyRoute, dependencies=[BIND_NAMES])
# Which of these may act on a given goal depends on its level and owner; the service checks that.
WRITERS = allow(Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET)
CONDITIONAL = problem_responses(404, 409, 412, 428)
# Follow-up reads the goals it follows up with its own assertion, across the whole municipality.
READERS = allow(*ALL_ROLES, services=("followup",))


def _respond(goal: GoalRead, response: Response) -> GoalRead:
    response.headers["ETag"] = etag(goal.id, goal.row_version)
    return goal


def _created(goal: GoalRead, request: Request, response: Response) -> GoalRead:
    response.headers["Location"] = request.url_for("get_goal", goal_id=str(goal.id)).path
    return _respond(goal, response)


async def _for_update(request: Request, session: SessionDep, caller: CallerDep, goal_id: uuid.UUID, *, deciding: bool = False) -> Goal:
    goal = await service.get_readable(session, caller, goal_id)
    ensure = service.ensure_may_decide if deciding else service.ensure_may_write
    ensure(caller, GoalLevel(goal.level), goal.owner_org_unit_id)  # a refusal by role or scope comes before any precondition
    require_if_match(request, etag(goal.id, goal.row_version))
    return goal


@router.get("", response_model=Page[GoalRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_goals(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    level: GoalLevel | None = None,
    owner_org_unit_id: uuid.UUID | None = None,
    year: Annotated[int | None, year_query("Goals whose years include this year")] = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    mandate_period_id: uuid.UUID | None = None,
    include_closed: Annotated[bool, Query(description="Also closed (achieved or discontinued) goals")] = True,
    include_predecessors: IncludePredecessors = False,
    external_code: ExternalCodeFilter = None,
) -> Page[GoalRead]:
    """Goals in the order they were set. Drafts and proposals are listed in the caller's scope (and for revisor)."""
    decoded = decode_cursor(cursor)
    after = cursor_values(decoded, at=dt.datetime.fromisoformat, id=uuid.UUID) if decoded else None
    where = GoalFilter(
        level=level,
        owner_org_unit_ids=org_units.unit_filter(owner_org_unit_id, include_predecessors),
        year=year,
        status=status_,
        mandate_period_id=mandate_period_id,
        include_closed=include_closed,
        external_code=external_code,
    )
    rows = await service.list_page(session, caller, where, limit + 1, after)
    page, next_cursor = page_of(rows, limit, lambda last: {"at": last.created_at.isoformat(), "id": str(last.id)})
    return Page[GoalRead](items=await service.read_many(session, page), next_cursor=next_cursor)


@router.get("/{goal_id}", response_model=GoalRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_goal(goal_id: uuid.UUID, session: SessionDep, caller: CallerDep, response: Response) -> GoalRead:
    goal = await service.get_readable(session, caller, goal_id)
    return _respond(await service.read_one(session, goal), response)


@router.get(
    "/{goal_id}/revisions", response_model=Page[GoalRead], openapi_extra=allow_any_signed_in(), responses=problem_responses(404, 422)
)
async def list_goal_revisions(
    goal_id: uuid.UUID, session: SessionDep, caller: CallerDep, limit: LimitQuery = 20, cursor: CursorQuery = None
) -> Page[GoalRead]:
    """Every revision of the goal's lineage, first revision first."""
    decoded = decode_cursor(cursor)
    after_revision = cursor_values(decoded, revision=int)[0] if decoded else None
    rows = await service.revisions_page(session, caller, goal_id, limit + 1, after_revision)
    page, next_cursor = page_of(rows, limit, lambda last: {"revision": last.revision})
    return Page[GoalRead](items=await service.read_many(session, page), next_cursor=next_cursor)


@router.post("", response_model=GoalRead, status_code=status.HTTP_201_CREATED, openapi_extra=WRITERS, responses=problem_responses(409, 422))
async def create_goal(
    data: GoalCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> GoalRead:
    """Set a draft goal at its level, within the caller's scope, for an org unit of the directory valid today and in the goal's years."""
    created = await service.create(session, caller, data, request.app.state.settings, org_units)
    return _created(created, request, response)


@router.post(
    "/{goal_id}/revisions",
    response_model=GoalRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=WRITERS,
    responses=problem_responses(404, 409, 422),
)
async def revise_goal(goal_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> GoalRead:
    """Start an amendment: a new draft revision copying the decided goal; deciding it archives the one it replaces."""
    return _created(await service.new_revision(session, caller, goal_id), request, response)


@router.patch("/{goal_id}", response_model=GoalRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def update_goal(
    goal_id: uuid.UUID, data: GoalUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> GoalRead:
    """Edit a draft. Requires If-Match; decided versions are immutable. A list given replaces the stored one."""
    goal = await _for_update(request, session, caller, goal_id)
    return _respond(await service.update(session, caller, goal, data, request.app.state.settings), response)


async def _transition(
    request: Request, session: SessionDep, caller: CallerDep, goal_id: uuid.UUID, step: Transition, decision: Decision | None = None
) -> GoalRead:
    deciding = step in (Transition.DECIDE, Transition.ARCHIVE)
    goal = await _for_update(request, session, caller, goal_id, deciding=deciding)
    return await service.transition(session, caller, goal, step, decision, request.app.state.settings)


@router.post("/{goal_id}/proposal", response_model=GoalRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def propose_goal(goal_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> GoalRead:
    """DRAFT → PROPOSED."""
    return _respond(await _transition(request, session, caller, goal_id, Transition.PROPOSE), response)


@router.post("/{goal_id}/return", response_model=GoalRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def return_goal(goal_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> GoalRead:
    """PROPOSED → DRAFT, to edit it further."""
    return _respond(await _transition(request, session, caller, goal_id, Transition.RETURN_TO_DRAFT), response)


@router.post("/{goal_id}/decision", response_model=GoalRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def decide_goal(
    goal_id: uuid.UUID, decision: Decision, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> GoalRead:
    """PROPOSED → DECIDED by the goal's deciding body; the revision it replaces is archived."""
    return _respond(await _transition(request, session, caller, goal_id, Transition.DECIDE, decision), response)


@router.post("/{goal_id}/archival", response_model=GoalRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def archive_goal(goal_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> GoalRead:
    """DECIDED → ARCHIVED without a successor."""
    return _respond(await _transition(request, session, caller, goal_id, Transition.ARCHIVE), response)


@router.post("/{goal_id}/closure", response_model=GoalRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def close_goal(
    goal_id: uuid.UUID, data: GoalClosure, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> GoalRead:
    """Close a decided goal as achieved or discontinued: it stays readable and is no longer in force."""
    goal = await _for_update(request, session, caller, goal_id, deciding=True)
    return _respond(await service.close(session, caller, goal, data), response)


@router.delete("/{goal_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=WRITERS, responses=CONDITIONAL)
async def delete_goal(goal_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Discard a draft."""
    goal = await _for_update(request, session, caller, goal_id)
    await service.delete(session, caller, goal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
