import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from followup_service.analyses import repository, service
from followup_service.analyses.models import SituationAnalysis
from followup_service.analyses.schemas import AnalysisCreate, AnalysisKind, AnalysisRead, AnalysisStatus, AnalysisUpdate
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.org_units import OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.scope import readable_unit_ids
from styrkedjan_common.security import CallerDep, PolicyRoute, allow
from styrkedjan_common.years import year_query

router = APIRouter(tags=["analyses"], route_class=PolicyRoute)
READERS = allow(*service.READERS)
WRITERS = allow(*service.WRITERS)
ANALYSES = "/situation-analyses"
ANALYSIS = ANALYSES + "/{analysis_id}"
CONDITIONAL = problem_responses(403, 404, 409, 412, 422, 428)


async def _respond(session: SessionDep, org_units: OrgUnitsDep, analysis: SituationAnalysis, response: Response) -> AnalysisRead:
    response.headers["ETag"] = etag(analysis.id, analysis.row_version)
    (read,) = await service.reads_of(session, [analysis])
    return org_units.with_names(read)


async def _for_write(request: Request, session: SessionDep, caller: CallerDep, analysis_id: uuid.UUID) -> SituationAnalysis:
    analysis = await service.get_writable(session, caller, analysis_id)  # scope before any precondition
    require_if_match(request, etag(analysis.id, analysis.row_version))
    return analysis


@router.post(
    ANALYSES,
    response_model=AnalysisRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=WRITERS,
    responses=problem_responses(403, 409, 422),
)
async def create_situation_analysis(
    data: AnalysisCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> AnalysisRead:
    """Start a draft: a board's or administration's current-state map (namnd, forvaltning in scope),
    or the municipality's environment analysis for the council's org unit (fullmaktige); one per
    org unit, kind and planning year."""
    analysis = await service.create(session, caller, org_units, data)
    response.headers["Location"] = f"/api/followup/v1{ANALYSES}/{analysis.id}"
    return await _respond(session, org_units, analysis, response)


@router.get(ANALYSES, response_model=Page[AnalysisRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_situation_analyses(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    year: Annotated[int | None, year_query("The planning year the analyses feed")] = None,
    kind: AnalysisKind | None = None,
    org_unit_id: uuid.UUID | None = None,
    status_: Annotated[AnalysisStatus | None, Query(alias="status")] = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[AnalysisRead]:
    """Completed analyses of every org unit; drafts of those in the caller's scope (all for the auditors)."""
    after = decode_cursor(cursor)
    rows = await repository.list_analyses(
        session,
        year=year,
        kind=kind.value if kind else None,
        org_unit_id=org_unit_id,
        status=status_.value if status_ else None,
        published=AnalysisStatus.COMPLETED.value,
        draft_units=readable_unit_ids(caller),
        limit=limit + 1,
        after=cursor_values(after, at=dt.datetime.fromisoformat, id=uuid.UUID) if after else None,
    )
    page, next_cursor = page_of(rows, limit, lambda a: {"at": a.created_at.isoformat(), "id": str(a.id)})
    return org_units.with_names(Page[AnalysisRead](items=await service.reads_of(session, page), next_cursor=next_cursor))


@router.get(ANALYSIS, response_model=AnalysisRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_situation_analysis(
    analysis_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> AnalysisRead:
    """The analysis with its sections and sources, naming the planning step of its year it feeds."""
    return await _respond(session, org_units, await service.get_readable(session, caller, analysis_id), response)


@router.patch(ANALYSIS, response_model=AnalysisRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def update_situation_analysis(
    analysis_id: uuid.UUID,
    data: AnalysisUpdate,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> AnalysisRead:
    """Retitle a draft or replace its sections. Requires If-Match; a completed analysis is not changed."""
    analysis = await _for_write(request, session, caller, analysis_id)
    return await _respond(session, org_units, await service.update(session, caller, analysis, data), response)


@router.post(ANALYSIS + "/complete", response_model=AnalysisRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def complete_situation_analysis(
    analysis_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> AnalysisRead:
    """DRAFT → COMPLETED once every section names at least one source; from then on every domain
    role reads it as input to the year's planning. Requires If-Match."""
    analysis = await _for_write(request, session, caller, analysis_id)
    return await _respond(session, org_units, await service.complete(session, caller, analysis), response)
