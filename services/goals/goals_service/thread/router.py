import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from goals_service.thread import service
from goals_service.thread.schemas import ThreadRead, UpwardRead
from goals_service.units import BIND_NAMES, name_nodes
from styrkedjan_common.db import SessionDep
from styrkedjan_common.identity import ALL_ROLES
from styrkedjan_common.org_units import OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow
from styrkedjan_common.years import year_query

router = APIRouter(prefix="/thread", tags=["thread"], route_class=PolicyRoute, dependencies=[BIND_NAMES])
YearQuery = Annotated[int, year_query("The year the chain is read for")]
NodeQuery = Annotated[uuid.UUID | None, Query()]
# Follow-up walks the thread with its own assertion to place what it follows up.
READERS = allow(*ALL_ROLES, services=("followup",))


@router.get("", response_model=ThreadRead, openapi_extra=READERS, responses=problem_responses(422))
async def get_thread(
    request: Request,
    session: SessionDep,
    org_units: OrgUnitsDep,
    year: YearQuery,
    org_unit_id: Annotated[uuid.UUID | None, Query(description="Cut the thread to this org unit's goals and what is below them")] = None,
    through_month: Annotated[
        int | None,
        Query(ge=1, le=12, description="Outcomes of periods ending up to this month of the year only (a follow-up's period end, e.g. 8)"),
    ] = None,
) -> Response:
    """The thread (röd tråd) for a year: the vision in force → the municipal goals in force → the
    board goals contributing to each → the unit goals contributing to those → the activities
    serving each goal, every goal with its indicators (the year's target, the latest outcome up to
    the year, status and trend). Goals and activities the chain does not reach are under `unlinked`.

    Decided goals only (closed ones included and flagged): the thread is the municipality's
    published chain, the same for every signed-in user; drafts are read in the goals API.

    With `through_month` the latest outcome is the latest of a period ending by that month of the
    year: a follow-up at 31 August does not show an outcome of the autumn."""
    thread = await service.read_thread(session, request.app.state.settings, year, org_unit_id, through_month)
    name_nodes(thread, org_units)
    return Response(service.to_json(thread), media_type="application/json")


@router.get("/upward", response_model=UpwardRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def walk_up_the_thread(
    session: SessionDep,
    caller: CallerDep,
    goal_id: NodeQuery = None,
    activity_id: NodeQuery = None,
    indicator_use_id: NodeQuery = None,
) -> UpwardRead:
    """From one node (exactly one of goal_id, activity_id, indicator_use_id) up to the vision: the
    node, every goal above it by links (all parents at each step, the decided revision of each),
    the mandate period and the vision in force. A goal draft is a starting node only for callers
    who may read it."""
    return await service.walk_up(session, caller, goal_id, activity_id, indicator_use_id)
