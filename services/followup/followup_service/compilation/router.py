import uuid

from fastapi import APIRouter, Response

from followup_service.compilation import service
from followup_service.compilation.schemas import CompilationRead, MissingCreate, MissingRead
from styrkedjan_common.db import SessionDep
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow

router = APIRouter(tags=["compilation"], route_class=PolicyRoute)
# The controllers at the executive board and the auditors follow the whole occasion; boards and
# administrations see where they stand beside the others (statuses and counts, no content).
OVERVIEW_READERS = allow(Role.FULLMAKTIGE, Role.REVISOR, Role.NAMND, Role.FORVALTNING)
COMPILERS = allow(*service.COMPILERS)


@router.get(
    "/occasions/{occasion_id}/compilation",
    response_model=CompilationRead,
    openapi_extra=OVERVIEW_READERS,
    responses=problem_responses(404, 422),
)
async def get_compilation(occasion_id: uuid.UUID, session: SessionDep, org_units: OrgUnitsDep) -> CompilationRead:
    """The executive board's compilation of an occasion as it stands: every board and wholly owned
    company of the year with its report's state (DECIDED, PROPOSED, SUBMITTED, DRAFT, NONE or
    MISSING with the reason), its decided snapshot's hash, lateness against the board deadline and
    its goal assessments per level; the municipal report's id and status."""
    return await service.overview(session, org_units, occasion_id)


@router.get(
    "/occasions/{occasion_id}/overview",
    response_model=CompilationRead,
    openapi_extra=OVERVIEW_READERS,
    responses=problem_responses(404, 422),
)
async def get_overview(occasion_id: uuid.UUID, session: SessionDep, org_units: OrgUnitsDep) -> CompilationRead:
    """The controller's overview of an occasion in one call: every board's and company's report
    status, lateness and distribution of goal assessments, with the municipality's totals."""
    return await service.overview(session, org_units, occasion_id)


@router.post(
    "/reports/{report_id}/missing",
    response_model=MissingRead,
    status_code=201,
    openapi_extra=COMPILERS,
    responses=problem_responses(404, 409, 422),
)
async def record_missing_report(
    report_id: uuid.UUID, data: MissingCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep
) -> MissingRead:
    """Record in the municipal report's compilation (a draft) that a board's or company's report is
    missing, with the reason: the compilation may then be proposed without it."""
    missing = await service.record_missing(session, caller, org_units, report_id, data)
    return MissingRead(id=missing.id, report_id=missing.report_id, org_unit_id=missing.org_unit_id, reason=missing.reason)


@router.delete(
    "/reports/{report_id}/missing/{org_unit_id}", status_code=204, openapi_extra=COMPILERS, responses=problem_responses(404, 409, 422)
)
async def withdraw_missing_report(report_id: uuid.UUID, org_unit_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> Response:
    """Withdraw a missing record from a draft compilation."""
    await service.withdraw_missing(session, caller, report_id, org_unit_id)
    return Response(status_code=204)
